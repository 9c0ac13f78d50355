//! vsock:// and vmci:// through rust-zmq on our zmq-sys: binding, wildcard
//! ports, ZMQ_LAST_ENDPOINT, unbinding, and the strict endpoint grammar.
//! Binds only: nothing here connects a vsock socket (see DESIGN.md, "The
//! vsock safety rule"); runs on any host with /dev/vsock and in the test VM.

use std::time::{Duration, Instant};

const SCHEMES: [&str; 2] = ["vsock", "vmci"];

/// "scheme://CID:PORT" -> (CID text, PORT text), split at the last colon.
fn split_endpoint<'a>(endpoint: &'a str, scheme: &str) -> (&'a str, &'a str) {
    let rest = endpoint
        .strip_prefix(scheme)
        .and_then(|r| r.strip_prefix("://"))
        .unwrap_or_else(|| panic!("{endpoint:?} is not a {scheme}:// endpoint"));
    rest.rsplit_once(':').unwrap_or_else(|| panic!("{endpoint:?} has no port"))
}

fn last_endpoint(socket: &zmq::Socket) -> String {
    socket.get_last_endpoint().unwrap().unwrap()
}

/// Binds `endpoint`, retrying EADDRINUSE for a moment: an unbind closes the
/// listener asynchronously, in libzmq's I/O thread.
fn bind_soon(socket: &zmq::Socket, endpoint: &str) -> Result<(), zmq::Error> {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        match socket.bind(endpoint) {
            Err(zmq::Error::EADDRINUSE) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(10)),
            other => return other,
        }
    }
}

#[test]
fn wildcard_bind_reports_the_real_port_and_unbinds_by_it() {
    let ctx = zmq::Context::new();
    for scheme in SCHEMES {
        let socket = ctx.socket(zmq::PULL).unwrap();
        socket.bind(&format!("{scheme}://*:*")).unwrap();
        let bound = last_endpoint(&socket);
        let (cid, port) = split_endpoint(&bound, scheme);
        assert_eq!(cid, "*", "{bound}");
        let port: u32 = port.parse().unwrap_or_else(|_| panic!("{bound}: port is not a number"));
        assert_ne!(port, u32::MAX, "{bound}");

        // The printed endpoint is the unbind key; a second unbind finds nothing.
        socket.unbind(&bound).unwrap();
        assert_eq!(socket.unbind(&bound), Err(zmq::Error::ENOENT));

        // The port is free again: a fresh socket binds it by number.
        let again = ctx.socket(zmq::PULL).unwrap();
        bind_soon(&again, &bound).unwrap_or_else(|e| panic!("rebinding {bound}: {e}"));
        assert_eq!(last_endpoint(&again), bound);
    }
}

#[test]
fn explicit_port_and_minus_one_wildcards() {
    let ctx = zmq::Context::new();
    for scheme in SCHEMES {
        let socket = ctx.socket(zmq::PULL).unwrap();
        socket.bind(&format!("{scheme}://-1:-1")).unwrap();
        let bound = last_endpoint(&socket);
        let (cid, port) = split_endpoint(&bound, scheme);
        assert_eq!(cid, "*");
        assert!(port.parse::<u32>().is_ok(), "{bound}");
    }
}

#[test]
fn binding_a_taken_port_fails_with_eaddrinuse() {
    let ctx = zmq::Context::new();
    let first = ctx.socket(zmq::PULL).unwrap();
    first.bind("vsock://*:*").unwrap();
    let bound = last_endpoint(&first);
    let second = ctx.socket(zmq::PULL).unwrap();
    assert_eq!(second.bind(&bound), Err(zmq::Error::EADDRINUSE));
}

#[test]
fn vmci_at_binds_the_local_cid() {
    let ctx = zmq::Context::new();
    let socket = ctx.socket(zmq::PULL).unwrap();
    let local = unsafe { zmq_sys::VMCISock_GetLocalCID() };
    match socket.bind("vmci://@:*") {
        Ok(()) => {
            let bound = last_endpoint(&socket);
            assert_eq!(split_endpoint(&bound, "vmci").0, local.to_string(), "{bound}");
        }
        // No vsock device, or one without a CID: libzmq says ENODEV.
        Err(e) => assert_eq!((e, local), (zmq::Error::ENODEV, u32::MAX)),
    }
}

#[test]
fn vsock_at_is_vmaddr_cid_local() {
    let ctx = zmq::Context::new();
    let socket = ctx.socket(zmq::PULL).unwrap();
    match socket.bind("vsock://@:*") {
        Ok(()) => assert_eq!(split_endpoint(&last_endpoint(&socket), "vsock").0, "1"),
        // A host without the vsock_loopback transport has no CID 1 to bind.
        Err(e) => assert_eq!(e, zmq::Error::EADDRNOTAVAIL),
    }
}

/// Endpoints our transports reject with EINVAL. libzmq 4.3.5's own VMCI parser
/// accepted several of them (`3abc`, `1:2:3`, overflow).
const MALFORMED: &[&str] = &[
    "", ":", "1:", ":5555", "1", "*", "@", "3abc:5555", "1:5555x", "1:2:3", "+1:5555", "1:+5555",
    "-2:5555", "1:-2", "- 1:5", " 1:5555", "1: 5555", "1:5555 ", "0x1:5555", "1:0x10",
    "4294967296:5555", "1:4294967296", "99999999999999999999:1", "1:4294967295", "@@:5555",
    "**:5555", "1:**", "*:@", "1.0:5555", "1:5555\n",
];

#[test]
fn malformed_endpoints_are_einval_for_bind_and_connect() {
    let ctx = zmq::Context::new();
    for scheme in SCHEMES {
        for body in MALFORMED {
            let endpoint = format!("{scheme}://{body}");
            let socket = ctx.socket(zmq::PAIR).unwrap();
            // Every entry fails to parse, so connect stops before any socket
            // exists; nothing can reach the network.
            assert_eq!(socket.bind(&endpoint), Err(zmq::Error::EINVAL), "bind {endpoint:?}");
            assert_eq!(socket.connect(&endpoint), Err(zmq::Error::EINVAL), "connect {endpoint:?}");
        }
    }
}
