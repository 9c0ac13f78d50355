//! The linked library is our libzmq 4.3.5, reached both directly and through
//! rust-zmq (which the workspace's [patch.crates-io] points at our zmq-sys).

#[test]
fn version_is_4_3_5_through_rust_zmq() {
    assert_eq!(zmq::version(), (4, 3, 5));
}

#[test]
fn version_is_4_3_5_through_the_ffi() {
    let (mut major, mut minor, mut patch) = (0, 0, 0);
    unsafe { zmq_sys::zmq_version(&mut major, &mut minor, &mut patch) };
    assert_eq!((major, minor, patch), (4, 3, 5));
}

#[test]
fn rust_zmq_sees_both_transports() {
    assert_eq!(zmq::has("vsock"), Some(true));
    assert_eq!(zmq::has("vmci"), Some(true));
}

#[test]
fn rust_zmq_sees_hvsock() {
    assert_eq!(zmq::has("hvsock"), Some(true));
}
