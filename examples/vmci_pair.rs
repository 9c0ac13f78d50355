//! The zmq_vmci(7) example: a REP server bound on `vmci://*:5555` and a REQ
//! client connecting to `vmci://@:5555`, where `@` is this machine's VMCI
//! context ID (libzmq asks VMCISock_GetLocalCID(); on Linux our libzmq runs
//! VMCI on AF_VSOCK).
//!
//! Run it in the test VM, whose local CID is 1: `cargo vm-run --example vmci_pair`.

use anyhow::Context as _;
use zmq_vsock::{SocketExt, VmciAddr};

fn main() -> anyhow::Result<()> {
    let local = zmq_vsock::vmci_local_cid().context("this machine has no VMCI context ID")?;
    println!("VMCISock_GetLocalCID() = {local}");

    let ctx = zmq::Context::new();
    let server = ctx.socket(zmq::REP)?;
    let bound = server.bind_vmci(&VmciAddr::any(5555)).context("binding vmci://*:5555")?;
    println!("server bound {bound}");

    let client = ctx.socket(zmq::REQ)?;
    client.set_rcvtimeo(10_000)?;
    let target = VmciAddr::this_machine(5555);
    // The vsock safety rule: `@` is this machine's own CID, which only the test VM may connect.
    zmq_vsock_testkit::guard_connect(target.cid()).map_err(anyhow::Error::msg)?;
    client.connect_vmci(&target).with_context(|| format!("connecting {target}"))?;

    client.send("hello", 0)?;
    let request = server.recv_bytes(0)?;
    server.send("world", 0)?;
    let reply = client.recv_bytes(0).context("waiting for the reply")?;
    println!("server got {:?}, client got {:?}", String::from_utf8_lossy(&request), String::from_utf8_lossy(&reply));
    anyhow::ensure!(request == b"hello" && reply == b"world", "messages got mixed up");
    println!("vmci_pair: request/reply over {target} (CID {local})");
    Ok(())
}
