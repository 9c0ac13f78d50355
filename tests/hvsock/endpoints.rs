//! Malformed hvsock:// endpoints are EINVAL from both zmq_bind and zmq_connect (and rejected by
//! `HvsockAddr`); the longest PATH_PORT a unix socket address holds binds.

use std::path::PathBuf;

use zmq_vsock::HvsockAddr;

use crate::support::*;

/// Addresses (after `hvsock://`) that both libzmq and `HvsockAddr` refuse.
fn malformed(dir: &std::path::Path) -> Vec<(String, &'static str)> {
    let p = dir.join("vm.sock").display().to_string();
    // PATH_PORT of 108 bytes: one more than sun_path holds with its NUL.
    let long = "x".repeat(108 - 1 - 4);
    vec![
        (String::new(), "empty"),
        (":5000".to_owned(), "empty path"),
        (p.clone(), "no colon"),
        (format!("{p}:"), "empty port"),
        (format!("{p}:*"), "wildcard port"),
        (format!("{p}:-1"), "wildcard port -1"),
        (format!("{p}:+1"), "a sign"),
        (format!("{p}:-0"), "a minus"),
        (format!("{p}:4294967295"), "VMADDR_PORT_ANY written out"),
        (format!("{p}:4294967296"), "overflow"),
        (
            format!("{p}:18446744073709551617"),
            "overflow that wraps a u64",
        ),
        (format!("{p}:5000x"), "trailing bytes"),
        (format!("{p}:5000 "), "a trailing blank"),
        (format!("{p}: 5000"), "a leading blank"),
        (format!("{p}:0x10"), "hex"),
        (format!("{p}:5:"), "the last colon ends the port"),
        (format!("{long}:1000"), "PATH_PORT of 108 bytes"),
        (format!("{}:1", "y".repeat(200)), "a path far too long"),
    ]
}

#[test]
fn malformed_endpoints_are_einval_for_bind_and_connect() {
    let ctx = zmq::Context::new();
    let dir = ScratchDir::new();
    for (address, what) in malformed(dir.path()) {
        let endpoint = format!("hvsock://{address}");
        let s = socket(&ctx, zmq::PAIR);
        assert_eq!(
            s.bind(&endpoint),
            Err(zmq::Error::EINVAL),
            "bind {what}: {endpoint:?}"
        );
        assert_eq!(
            s.connect(&endpoint),
            Err(zmq::Error::EINVAL),
            "connect {what}: {endpoint:?}"
        );
        assert!(
            endpoint.parse::<HvsockAddr>().is_err(),
            "HvsockAddr {what}: {endpoint:?}"
        );
    }
    // Nothing was created on the way.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

/// A PATH_PORT of exactly 107 bytes binds (and connects); the parser counts the canonical port.
#[test]
fn the_longest_path_binds() {
    let ctx = zmq::Context::new();
    let dir = ScratchDir::new();
    // Directories until PATH_1000 is 107 bytes long.
    let mut path: PathBuf = dir.path().to_path_buf();
    let target = 107 - "_1000".len();
    while path.as_os_str().len() + 11 < target {
        path.push("d123456789");
    }
    std::fs::create_dir_all(&path).unwrap();
    let name_len = target - path.as_os_str().len() - 1;
    path.push("s".repeat(name_len));
    assert_eq!(path.as_os_str().len() + "_1000".len(), 107);

    let endpoint = format!("hvsock://{}:001000", path.display());
    let host = socket(&ctx, zmq::PAIR);
    host.bind(&endpoint).unwrap();
    assert_eq!(
        host.get_last_endpoint().unwrap().unwrap(),
        hvsock(&path, 1000)
    );
    let uds = format!("{}_1000", path.display());
    assert!(std::path::Path::new(&uds).exists());
    let client = socket(&ctx, zmq::PAIR);
    client.connect(&endpoint).unwrap();
    assert!(endpoint.parse::<HvsockAddr>().is_ok());

    // One byte more is refused.
    let longer = format!("hvsock://{}s:1000", path.display());
    assert_eq!(host.bind(&longer), Err(zmq::Error::EINVAL));
    assert!(longer.parse::<HvsockAddr>().is_err());
}
