//! A C program and a Rust program talking ZeroMQ over vsock.
//!
//! The C side (c/peer.c) uses only libzmq's C API and was compiled against
//! the zmq.h and libzmq.a that zmq-sys exposes (through its libzmq.pc). Rust
//! binds a REP socket on a wildcard port; the C peer connects a REQ socket to
//! the port ZMQ_LAST_ENDPOINT names and exchanges five messages.
//!
//! Run it in the test VM (the host has no vsock loopback):
//! `cargo vm-run -p zmq-vsock-c-interop --example c_interop`

use anyhow::{ensure, Context as _};

fn main() -> anyhow::Result<()> {
    let ctx = zmq::Context::new();
    let rep = ctx.socket(zmq::REP)?;
    rep.set_rcvtimeo(20_000)?;
    rep.bind("vsock://*:*")?;
    let bound = rep.get_last_endpoint()?.map_err(|_| anyhow::anyhow!("endpoint is not UTF-8"))?;
    let port = bound.rsplit(':').next().context("no port in ZMQ_LAST_ENDPOINT")?;
    let endpoint = format!("vsock://1:{port}");
    println!("Rust REP bound {bound}; the C peer connects to {endpoint}");

    // The vsock safety rule: the C peer checks this too, and refuses.
    zmq_vsock_testkit::guard_connect_endpoint(&endpoint).map_err(anyhow::Error::msg)?;
    let (child, _path) = zmq_vsock_c_interop::spawn_c_peer("connect", &endpoint, 5)?;
    for _ in 0..5 {
        let request = rep.recv_string(0)?.map_err(|_| anyhow::anyhow!("request is not UTF-8"))?;
        println!("Rust got {request:?} from C");
        rep.send(format!("rust:{request}").as_str(), 0)?;
    }
    let output = child.wait_with_output()?;
    print!("{}", String::from_utf8_lossy(&output.stdout));
    ensure!(output.status.success(), "C peer failed: {}", String::from_utf8_lossy(&output.stderr));
    Ok(())
}
