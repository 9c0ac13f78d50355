//! `VsockAddr`, `VmciAddr` and `HvsockAddr` FromStr on arbitrary bytes (as `str` when UTF-8):
//! never panics, and whatever parses prints (Display) to a string that parses back to an equal
//! value and prints the same again.
//!
//! Each input is tried as a whole endpoint and after `vsock://` / `vmci://` / `hvsock://`, so
//! that the fuzzer spends its time inside the CID:PORT and PATH:PORT grammars. Its first 8
//! bytes are also read as a (CID, port) pair for the Display -> FromStr direction, and the
//! rest (when UTF-8) as an hvsock path with that port.

#![no_main]

use std::fmt::{Debug, Display};
use std::str::FromStr;

use libfuzzer_sys::fuzz_target;
use zmq_vsock::{Error, HvsockAddr, VmciAddr, VsockAddr};

/// The canonical form of a printed vsock/vmci address: ASCII, no leading zeros, nothing but
/// SCHEME://CID:PORT.
fn canonical_cid_port(printed: &str) {
    assert!(printed.is_ascii(), "{printed:?}");
    let (_, address) = printed.split_once("://").expect("a scheme");
    let (cid, port) = address.split_once(':').expect("one colon");
    for field in [cid, port] {
        assert!(
            field == "*"
                || field == "@"
                || field == "0"
                || (!field.starts_with('0') && field.bytes().all(|b| b.is_ascii_digit())),
            "{printed:?}: field {field:?}"
        );
    }
}

/// The canonical form of a printed hvsock address: hvsock://PATH:PORT, PORT in decimal without
/// leading zeros.
fn canonical_path_port(printed: &str) {
    let address = printed.strip_prefix("hvsock://").expect("the hvsock scheme");
    let (path, port) = address.rsplit_once(':').expect("a colon");
    assert!(!path.is_empty() && !path.contains('\0'), "{printed:?}");
    assert!(
        port == "0" || (!port.starts_with('0') && port.bytes().all(|b| b.is_ascii_digit())),
        "{printed:?}: port {port:?}"
    );
}

fn round_trip<A>(text: &str, canonical: fn(&str))
where
    A: FromStr<Err = Error> + Display + Debug + PartialEq,
{
    match text.parse::<A>() {
        Ok(addr) => {
            let printed = addr.to_string();
            let again = printed.parse::<A>().unwrap_or_else(|err| {
                panic!("{text:?} parsed to {addr:?}, printed {printed:?}, which fails: {err}")
            });
            assert_eq!(again, addr, "{text:?} -> {printed:?}");
            assert_eq!(
                again.to_string(),
                printed,
                "{text:?}: printing is not stable"
            );
            canonical(&printed);
        }
        Err(err) => {
            // The messages must not panic either, whatever the input.
            let _ = (err.to_string(), format!("{err:?}"));
            match err {
                Error::InvalidEndpoint { endpoint, .. } => assert_eq!(endpoint, text),
                other => panic!("{text:?}: parsing failed with {other:?}"),
            }
        }
    }
}

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        round_trip::<VsockAddr>(text, canonical_cid_port);
        round_trip::<VmciAddr>(text, canonical_cid_port);
        round_trip::<HvsockAddr>(text, canonical_path_port);
        round_trip::<VsockAddr>(&format!("vsock://{text}"), canonical_cid_port);
        round_trip::<VmciAddr>(&format!("vmci://{text}"), canonical_cid_port);
        round_trip::<HvsockAddr>(&format!("hvsock://{text}"), canonical_path_port);
    }
    if let Some(pair) = data.get(..8) {
        let cid = u32::from_le_bytes(pair[..4].try_into().unwrap());
        let port = u32::from_le_bytes(pair[4..].try_into().unwrap());
        for addr in [
            VsockAddr::new(cid, port),
            VsockAddr::this_machine(port),
            VsockAddr::any(port),
        ] {
            assert_eq!(addr.to_string().parse::<VsockAddr>().unwrap(), addr);
        }
        for addr in [
            VmciAddr::new(cid, port),
            VmciAddr::this_machine(port),
            VmciAddr::any(port),
        ] {
            assert_eq!(addr.to_string().parse::<VmciAddr>().unwrap(), addr);
        }
        if let Ok(path) = std::str::from_utf8(&data[8..]) {
            if let Ok(addr) = HvsockAddr::new(path, port) {
                assert_eq!(addr.to_string().parse::<HvsockAddr>().unwrap(), addr);
                assert_eq!(addr.path(), std::path::Path::new(path));
            }
        }
    }
});
