//! C interop over a real kernel vsock: the C peer (libzmq's C API, built
//! against what zmq-sys exposes) and rust-zmq exchange REQ/REP messages in
//! both directions, on both schemes. Data path: runs in the test VM.

use std::io::{BufRead, BufReader};
use std::time::Duration;

use zmq_vsock_c_interop::spawn_c_peer;
use zmq_vsock_testkit::{guard_connect_endpoint, require_data_path};

const EXCHANGES: u32 = 50;

fn socket(ctx: &zmq::Context, kind: zmq::SocketType) -> zmq::Socket {
    let socket = ctx.socket(kind).unwrap();
    socket.set_rcvtimeo(20_000).unwrap();
    socket.set_sndtimeo(20_000).unwrap();
    socket.set_linger(0).unwrap();
    socket
}

fn wait_success(child: std::process::Child, what: &str) {
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "{what}: C peer failed ({}):\n{}{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// The C peer binds (REP), Rust connects (REQ).
fn rust_connects_to_c(ctx: &zmq::Context, scheme: &str, port: u32) {
    let (mut child, _path) = spawn_c_peer("bind", &format!("{scheme}://*:{port}"), EXCHANGES).unwrap();
    // Wait for "bound ..." so the connect does not race the bind.
    let mut line = String::new();
    BufReader::new(child.stdout.as_mut().unwrap()).read_line(&mut line).unwrap();
    assert_eq!(line.trim(), format!("bound {scheme}://*:{port}"), "C peer's ZMQ_LAST_ENDPOINT");

    let req = socket(ctx, zmq::REQ);
    let endpoint = format!("{scheme}://1:{port}");
    guard_connect_endpoint(&endpoint).unwrap();
    req.connect(&endpoint).unwrap();
    for i in 0..EXCHANGES {
        req.send(format!("hi {i}").as_str(), 0).unwrap();
        assert_eq!(req.recv_string(0).unwrap().unwrap(), format!("c:hi {i}"));
    }
    wait_success(child, &format!("{scheme} C bind"));
}

/// Rust binds a wildcard port (REP), the C peer connects (REQ) to the port
/// ZMQ_LAST_ENDPOINT names.
fn c_connects_to_rust(ctx: &zmq::Context, scheme: &str) {
    let rep = socket(ctx, zmq::REP);
    rep.bind(&format!("{scheme}://*:*")).unwrap();
    let bound = rep.get_last_endpoint().unwrap().unwrap();
    let port = bound.rsplit(':').next().unwrap();
    let endpoint = format!("{scheme}://1:{port}");
    guard_connect_endpoint(&endpoint).unwrap();
    let (child, _path) = spawn_c_peer("connect", &endpoint, EXCHANGES).unwrap();
    for _ in 0..EXCHANGES {
        let request = rep.recv_string(0).unwrap().unwrap();
        assert!(request.starts_with("hello "), "{request}");
        rep.send(format!("rust:{request}").as_str(), 0).unwrap();
    }
    wait_success(child, &format!("{scheme} C connect"));
}

#[test]
fn c_and_rust_exchange_over_vsock_and_vmci() {
    require_data_path!();
    let ctx = zmq::Context::new();
    for (scheme, port) in [("vsock", 24_101), ("vmci", 24_102)] {
        rust_connects_to_c(&ctx, scheme, port);
        c_connects_to_rust(&ctx, scheme);
    }
    // Nothing lingers: the context terminates promptly.
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        drop(ctx);
        tx.send(()).ok();
    });
    rx.recv_timeout(Duration::from_secs(10)).expect("context termination hung");
}
