//! The zmq_vsock(7) example: a REP server bound on every CID of this machine,
//! port 5555, and a REQ client connecting to it by CID, exchanging messages.
//!
//! Here both ends run in one process and the client uses VMADDR_CID_LOCAL (1),
//! which needs the kernel's vsock loopback: run it in the test VM with
//! `cargo vm-run --example vsock_pair`. Between a guest and its host, the
//! client would connect to the host's CID (2) instead.

use anyhow::Context as _;
use zmq_vsock::{SocketExt, VsockAddr, VMADDR_CID_LOCAL};

const MESSAGES: u32 = 3;

fn main() -> anyhow::Result<()> {
    let ctx = zmq::Context::new();

    let server = ctx.socket(zmq::REP)?;
    let bound = server.bind_vsock(&VsockAddr::any(5555)).context("binding vsock://*:5555")?;
    println!("server bound {bound}");

    let client = ctx.socket(zmq::REQ)?;
    client.set_rcvtimeo(10_000)?;
    let target = VsockAddr::new(VMADDR_CID_LOCAL, 5555);
    // The vsock safety rule: on the project's machines only the test VM may connect.
    zmq_vsock_testkit::guard_connect(target.cid()).map_err(anyhow::Error::msg)?;
    client.connect_vsock(&target).with_context(|| format!("connecting {target}"))?;
    println!("client connected to {target}");

    for i in 0..MESSAGES {
        let request = format!("hello {i}");
        client.send(request.as_str(), 0)?;
        let received = server.recv_string(0)?.map_err(|_| anyhow::anyhow!("request is not UTF-8"))?;
        server.send(format!("world {i}").as_str(), 0)?;
        let reply = client.recv_string(0).context("waiting for the reply")?.map_err(|_| anyhow::anyhow!("reply is not UTF-8"))?;
        println!("client sent {request:?}, server got {received:?}, client got {reply:?}");
        anyhow::ensure!(received == request && reply == format!("world {i}"), "messages got mixed up");
    }
    println!("vsock_pair: {MESSAGES} request/reply exchanges over vsock");
    Ok(())
}
