//! The host of a Firecracker or Cloud Hypervisor guest (hybrid vsock: the guest's vsock device
//! is a unix socket on the host), both directions:
//! 1. the host dials a REP in the guest through the VMM's socket, `hvsock://PATH:PORT`;
//! 2. the guest dials the host's `hvsock://PATH:PORT+1` bind as plain `vsock://2:PORT+1`.
//!
//! ```text
//! hvsock_host host PATH PORT    on the host; PATH is the VM's vsock socket (Firecracker's uds_path)
//! hvsock_host guest PORT        in the guest; start it first
//! ```
//!
//! With no arguments it plays its part in the `guests` test bed: `cargo vm-run --example
//! hvsock_host` boots guest 3 on vhost-device-vsock (vm/guests) and runs the host part on this
//! machine, which reaches the guest through the daemon's unix sockets only.

use std::path::PathBuf;

use anyhow::{bail, Context as _};
use zmq_vsock::{HvsockAddr, SocketExt, VsockAddr, VMADDR_CID_HOST};

const TIMEOUT_MS: i32 = 120_000;

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        ["host", path, port] => host(PathBuf::from(path), port.parse().context("PORT")?),
        ["guest", port] => guest(port.parse().context("PORT")?),
        [] => on_the_bed(),
        _ => bail!("usage: hvsock_host host PATH PORT | hvsock_host guest PORT"),
    }
}

/// The part vm/guests gives this process (ZMQ_VSOCK_BED_ROLE), on port 8000.
fn on_the_bed() -> anyhow::Result<()> {
    const PORT: u32 = 8000;
    let bed = zmq_vsock_testkit::bed().map_err(|why| {
        anyhow::anyhow!("not on the test bed ({why}); run `cargo vm-run --example hvsock_host`, or give arguments")
    })?;
    match bed.role {
        zmq_vsock_testkit::Role::Host => {
            host(bed.device_socket(bed.guest(0)), PORT)
        }
        zmq_vsock_testkit::Role::Guest(_) => guest(PORT),
    }
}

fn socket(ctx: &zmq::Context, kind: zmq::SocketType) -> anyhow::Result<zmq::Socket> {
    let s = ctx.socket(kind)?;
    s.set_rcvtimeo(TIMEOUT_MS)?;
    s.set_sndtimeo(TIMEOUT_MS)?;
    s.set_linger(5_000)?;
    Ok(s)
}

fn recv_text(s: &zmq::Socket, what: &str) -> anyhow::Result<String> {
    s.recv_string(0)
        .with_context(|| format!("waiting for {what}"))?
        .map_err(|_| anyhow::anyhow!("{what} is not UTF-8"))
}

fn host(device: PathBuf, port: u32) -> anyhow::Result<()> {
    let ctx = zmq::Context::new();

    // 1. Host to guest: the VMM relays our CONNECT to the guest's port. Unix sockets only.
    let to_guest = HvsockAddr::new(&device, port)?;
    let req = socket(&ctx, zmq::REQ)?;
    req.connect_hvsock(&to_guest).with_context(|| format!("connecting {to_guest}"))?;
    req.send("ping from the host", 0)?;
    println!("host: {to_guest} answered {:?}", recv_text(&req, "the guest's reply")?);

    // 2. Guest to host: a guest's connection to CID 2 port P arrives on PATH_P.
    let mut rep = socket(&ctx, zmq::REP)?;
    let from_guest = rep.bind_hvsock(&to_guest.with_port(port + 1)?)?;
    println!("host: bound {from_guest} (the unix socket {})", from_guest.uds_path().display());
    let request = recv_text(&rep, "the guest's request")?;
    rep.send("pong from the host", 0)?;
    println!("host: the guest sent {request:?}");
    // The guest says when it has the reply, so that the host does not close first.
    recv_text(&rep, "the guest's done")?;
    Ok(())
}

fn guest(port: u32) -> anyhow::Result<()> {
    let ctx = zmq::Context::new();
    let me = zmq_vsock::local_cid()?;

    let rep = socket(&ctx, zmq::REP)?;
    let bound = rep.bind_vsock(&VsockAddr::any(port))?;
    println!("guest {me}: bound {bound}");
    let request = recv_text(&rep, "the host's request")?;
    rep.send(format!("pong from guest {me}").as_str(), 0)?;
    println!("guest {me}: the host sent {request:?}");

    let host = VsockAddr::new(VMADDR_CID_HOST, port + 1);
    // This project's machines: connect only inside the test bed (the vsock safety rule). A real
    // guest does not need this check.
    zmq_vsock_testkit::guard_connect(host.cid()).map_err(anyhow::Error::msg)?;
    let req = socket(&ctx, zmq::REQ)?;
    req.connect_vsock(&host)?;
    req.send(format!("ping from guest {me}").as_str(), 0)?;
    println!("guest {me}: {host} answered {:?}", recv_text(&req, "the host's reply")?);
    // Tells the host it may close.
    req.send("done", 0)?;
    Ok(())
}
