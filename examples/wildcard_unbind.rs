//! Bind a wildcard port, read the real endpoint from ZMQ_LAST_ENDPOINT, use
//! it, unbind through it, and bind the same endpoint again: the port came
//! back free.
//!
//! Binding needs no loopback, but the exchange does: run it in the test VM
//! with `cargo vm-run --example wildcard_unbind`.

use std::time::{Duration, Instant};

use anyhow::Context as _;
use zmq_vsock::{SocketExt, VsockAddr, VMADDR_CID_LOCAL};

fn main() -> anyhow::Result<()> {
    let ctx = zmq::Context::new();
    let pull = ctx.socket(zmq::PULL)?;
    pull.set_rcvtimeo(10_000)?;

    // `*` for the port: the kernel picks one (a large u32, not 1024-65535).
    let bound = pull.bind_vsock(&VsockAddr::any(0).any_port())?;
    println!("bound {bound} (ZMQ_LAST_ENDPOINT {:?})", pull.get_last_endpoint()?);

    let push = ctx.socket(zmq::PUSH)?;
    push.set_linger(0)?;
    let target = VsockAddr::new(VMADDR_CID_LOCAL, bound.port());
    zmq_vsock_testkit::guard_connect(target.cid()).map_err(anyhow::Error::msg)?;
    push.connect_vsock(&target)?;
    push.send("through the picked port", 0)?;
    println!("received {:?}", pull.recv_string(0).context("no message")?.unwrap_or_default());

    let unbound = pull.unbind_last_endpoint()?;
    println!("unbound {unbound}");

    // Unbinding closes the listener in libzmq's I/O thread: retry briefly.
    let again = ctx.socket(zmq::PULL)?;
    let deadline = Instant::now() + Duration::from_secs(5);
    let rebound = loop {
        match again.bind_vsock(&bound) {
            Ok(addr) => break addr,
            Err(err) if Instant::now() < deadline => {
                println!("not free yet ({err}), retrying");
                std::thread::sleep(Duration::from_millis(20));
            }
            Err(err) => return Err(err).context("the port did not come back"),
        }
    };
    anyhow::ensure!(rebound == bound, "rebound {rebound}, expected {bound}");
    println!("bound {rebound} again");
    Ok(())
}
