//! The root build script's guard: it lets our zmq-sys through and stops any
//! other with the line to add.

#[path = "../build/zmq_sys_check.rs"]
#[allow(dead_code)] // from_env is for the build script
mod zmq_sys_check;

use zmq_sys_check::{check, Seen, PATCH_LINE};

#[test]
fn our_zmq_sys_passes() {
    let seen = Seen { vsock: Some("1".into()), vmci: Some("1".into()), other_keys: vec![] };
    assert_eq!(check(&seen), Ok(()));
}

#[test]
fn stock_zmq_sys_is_stopped_with_the_patch_line() {
    // crates.io's zmq-sys (through zeromq-src) prints include, lib and out.
    let seen = Seen {
        vsock: None,
        vmci: None,
        other_keys: vec!["DEP_ZMQ_INCLUDE".into(), "DEP_ZMQ_LIB".into(), "DEP_ZMQ_OUT".into()],
    };
    let message = check(&seen).unwrap_err();
    assert!(message.contains(PATCH_LINE), "{message}");
    assert!(message.contains("DEP_ZMQ_INCLUDE, DEP_ZMQ_LIB, DEP_ZMQ_OUT"), "{message}");
}

#[test]
fn missing_metadata_is_named() {
    let message = check(&Seen::default()).unwrap_err();
    assert!(message.contains("no links metadata"), "{message}");
}

#[test]
fn one_transport_is_not_enough() {
    let seen = Seen { vsock: Some("1".into()), vmci: None, other_keys: vec!["DEP_ZMQ_INCLUDE".into()] };
    assert!(check(&seen).is_err());
}

#[test]
fn this_build_linked_ours() {
    // The build script ran with the real metadata; this crate compiled, so the
    // guard accepted it. Check the metadata once more through zmq-sys itself.
    assert_eq!(zmq::has("vsock"), Some(true));
}
