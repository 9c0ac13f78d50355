//! The benchmark's topology column: ZeroMQ over vsock against a raw AF_VSOCK stream, in one
//! run on the `nested` bed (vm/nested), for two topologies side by side:
//! - `L2 -> L1`: the L2 guest (CID 3, virtio-vsock) to its L1 host, whose kernel serves the
//!   device (vhost_vsock, CID 2): the QEMU/libvirt and crosvm path;
//! - `L1 loopback`: within the L1 host over vsock loopback (CID 1), the topology of the rest of
//!   the suite and of `examples/bench`.
//!
//! ```sh
//! cargo vm-run --release --example topology_bench              # by hand: 7 rounds
//! cargo vm-run --release --example topology_bench -- --short   # CI: 3 rounds
//! ```
//!
//! Method (as `examples/bench`): PUSH/PULL against the same length-prefixed messages over one
//! stream, its writer batching into 8 KiB (libzmq's out_batch_size) and its reader reading
//! through 8 KiB (in_batch_size); the receiver times from its first message to its last and
//! checks every message's number. A round measures, for each size, both paths of both
//! topologies back to back, raw and zmq in an order swapped every round; the tables show
//! medians over rounds, and `zmq/raw` is the median of the per-round ratios (these machines
//! are noisy; a ratio compares figures measured seconds apart). The L1 host drives the run:
//! the guest asks it, over a REQ/REP, what to send next.
//!
//! The vsock safety rule: the guest connects to CID 2 and the host to CID 1, each inside a VM
//! of the bed and after `zmq_vsock_testkit::guard_connect`; elsewhere the benchmark refuses to
//! start.

use std::io::{BufReader, BufWriter, Read, Write};
use std::sync::Mutex;
use std::thread;
use std::time::Instant;

use anyhow::{bail, ensure, Context as _};
use vsock::{VsockListener, VsockStream};
use zmq_vsock::{VMADDR_CID_ANY, VMADDR_CID_HOST, VMADDR_CID_LOCAL};
use zmq_vsock_testkit::{Role, Topology};

/// libzmq's in_batch_size and out_batch_size: the raw stream's buffers.
const BATCH: usize = 8192;
/// Ports of the raw listener and of the PULL, for the guest's runs and for loopback's.
const L2_PORTS: (u32, u32) = (7100, 7101);
const LOOPBACK_PORTS: (u32, u32) = (7110, 7111);
const CONTROL_PORT: u32 = 7102;
const TIMEOUT_MS: i32 = 600_000;

/// Message sizes, and how many messages a burst has of each (a burst lasts seconds in L2).
const SIZES: [(usize, u64); 2] = [(64, 10_000), (4096, 1_000)];

#[derive(Clone, Copy, PartialEq)]
enum Path {
    Raw,
    Zmq,
}

fn main() -> anyhow::Result<()> {
    let rounds = match std::env::args().nth(1).as_deref() {
        None => 7,
        Some("--short") => 3,
        Some(other) => bail!("usage: topology_bench [--short]  (not {other:?})"),
    };
    let bed = zmq_vsock_testkit::bed()
        .map_err(|why| anyhow::anyhow!("not on the nested bed ({why}); run `cargo vm-run --release --example topology_bench`"))?;
    ensure!(bed.topology == Topology::Nested, "topology_bench runs on the nested bed (vm/nested)");
    let ctx = zmq::Context::new();
    match bed.role {
        Role::Host => host(&ctx, rounds),
        Role::Guest(_) => guest(&ctx),
    }
}

/// A burst's message `n` of `size` bytes: its number first.
fn message(n: u64, size: usize) -> Vec<u8> {
    let mut body = vec![0x5a; size];
    body[..8].copy_from_slice(&n.to_le_bytes());
    body
}

/// Checks message `n`, and starts the clock at the first.
fn check(body: &[u8], n: u64, size: usize, first: &mut Option<Instant>) -> anyhow::Result<()> {
    first.get_or_insert_with(Instant::now);
    ensure!(body.len() == size, "message {n}: {} bytes, not {size}", body.len());
    let got = u64::from_le_bytes(body[..8].try_into().unwrap());
    ensure!(got == n, "message {n} is number {got}: lost, reordered or duplicated");
    Ok(())
}

fn mb_per_s(count: u64, size: usize, first: Option<Instant>) -> f64 {
    let secs = first.expect("a message arrived").elapsed().as_secs_f64();
    (count - 1) as f64 * size as f64 / secs / 1e6
}

fn raw_send(cid: u32, port: u32, size: usize, count: u64) -> anyhow::Result<()> {
    zmq_vsock_testkit::guard_connect(cid).map_err(anyhow::Error::msg)?;
    let stream = VsockStream::connect_with_cid_port(cid, port).with_context(|| format!("connect {cid}:{port}"))?;
    let mut out = BufWriter::with_capacity(BATCH, stream);
    for n in 0..count {
        out.write_all(&(size as u64).to_le_bytes())?;
        out.write_all(&message(n, size))?;
    }
    out.flush()?;
    Ok(())
}

fn raw_receive(listener: &VsockListener, size: usize, count: u64) -> anyhow::Result<f64> {
    let (stream, _) = listener.accept()?;
    let mut input = BufReader::with_capacity(BATCH, stream);
    let mut first = None;
    let mut len = [0u8; 8];
    for n in 0..count {
        input.read_exact(&mut len).with_context(|| format!("raw message {n}"))?;
        let mut body = vec![0; u64::from_le_bytes(len) as usize];
        input.read_exact(&mut body).with_context(|| format!("raw message {n}"))?;
        check(&body, n, size, &mut first)?;
    }
    Ok(mb_per_s(count, size, first))
}

fn zmq_send(push: &zmq::Socket, size: usize, count: u64) -> anyhow::Result<()> {
    for n in 0..count {
        push.send(message(n, size), 0).with_context(|| format!("send of message {n}"))?;
    }
    Ok(())
}

fn zmq_receive(pull: &zmq::Socket, size: usize, count: u64) -> anyhow::Result<f64> {
    let mut first = None;
    for n in 0..count {
        let body = pull.recv_bytes(0).with_context(|| format!("message {n} of {count}"))?;
        check(&body, n, size, &mut first)?;
    }
    Ok(mb_per_s(count, size, first))
}

/// Every zmq connect of the benchmark: the connect guard first.
fn connect(s: &zmq::Socket, endpoint: &str) -> anyhow::Result<()> {
    zmq_vsock_testkit::guard_connect_endpoint(endpoint).map_err(anyhow::Error::msg)?;
    s.connect(endpoint).with_context(|| format!("connect {endpoint}"))
}

fn socket(ctx: &zmq::Context, kind: zmq::SocketType) -> anyhow::Result<zmq::Socket> {
    let s = ctx.socket(kind)?;
    s.set_rcvtimeo(TIMEOUT_MS)?;
    s.set_sndtimeo(TIMEOUT_MS)?;
    s.set_linger(TIMEOUT_MS)?;
    Ok(s)
}

/// The receiving ends of one topology: a raw listener and a PULL, bound for the whole run.
struct Receivers {
    raw: VsockListener,
    pull: zmq::Socket,
}

impl Receivers {
    fn bind(ctx: &zmq::Context, (raw, pull): (u32, u32)) -> anyhow::Result<Receivers> {
        let s = socket(ctx, zmq::PULL)?;
        s.bind(&format!("vsock://*:{pull}"))?;
        Ok(Receivers { raw: VsockListener::bind_with_cid_port(VMADDR_CID_ANY, raw)?, pull: s })
    }

    fn receive(&self, path: Path, size: usize, count: u64) -> anyhow::Result<f64> {
        match path {
            Path::Raw => raw_receive(&self.raw, size, count),
            Path::Zmq => zmq_receive(&self.pull, size, count),
        }
    }
}

/// Rates of one (topology, size): per round, raw and zmq.
#[derive(Default)]
struct Cell {
    raw: Vec<f64>,
    zmq: Vec<f64>,
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn host(ctx: &zmq::Context, rounds: usize) -> anyhow::Result<()> {
    let l2 = Receivers::bind(ctx, L2_PORTS)?;
    let loopback = Receivers::bind(ctx, LOOPBACK_PORTS)?;
    let control = socket(ctx, zmq::REP)?;
    control.bind(&format!("vsock://*:{CONTROL_PORT}"))?;
    // The loopback sender: a context and PUSH of its own, like a second process (in a Mutex,
    // which lends it to the sending thread).
    let sender_ctx = zmq::Context::new();
    let loopback_push = socket(&sender_ctx, zmq::PUSH)?;
    connect(&loopback_push, &format!("vsock://{VMADDR_CID_LOCAL}:{}", LOOPBACK_PORTS.1))?;
    let loopback_push = Mutex::new(loopback_push);

    let mut cells: Vec<[Cell; 2]> = SIZES.iter().map(|_| Default::default()).collect();
    // From the guest's first request: L2 boots about a minute after L1.
    let mut started = None;
    for round in 0..=rounds {
        for (i, &(size, count)) in SIZES.iter().enumerate() {
            let order = if round % 2 == 0 { [Path::Raw, Path::Zmq] } else { [Path::Zmq, Path::Raw] };
            for path in order {
                // The guest asks for its next burst, sends it, and asks again.
                let ask = control.recv_string(0)?.map_err(|_| anyhow::anyhow!("not UTF-8"))?;
                ensure!(ask == "next", "the guest said {ask:?}");
                started.get_or_insert_with(Instant::now);
                control.send(format!("{} {size} {count}", if path == Path::Raw { "raw" } else { "zmq" }).as_str(), 0)?;
                let nested = l2.receive(path, size, count).with_context(|| format!("L2 -> L1, {size} B"))?;
                let push = &loopback_push;
                let local = thread::scope(|s| {
                    let sender = s.spawn(move || match path {
                        Path::Raw => raw_send(VMADDR_CID_LOCAL, LOOPBACK_PORTS.0, size, count),
                        Path::Zmq => zmq_send(&push.lock().unwrap(), size, count),
                    });
                    let rate = loopback.receive(path, size, count);
                    sender.join().expect("the loopback sender panicked")?;
                    rate
                })
                .with_context(|| format!("L1 loopback, {size} B"))?;
                // Round 0 warms up.
                if round > 0 {
                    for (cell, rate) in cells[i].iter_mut().zip([nested, local]) {
                        match path {
                            Path::Raw => cell.raw.push(rate),
                            Path::Zmq => cell.zmq.push(rate),
                        }
                    }
                }
            }
        }
    }
    let ask = control.recv_string(0)?.map_err(|_| anyhow::anyhow!("not UTF-8"))?;
    ensure!(ask == "next", "the guest said {ask:?}");
    control.send("done", 0)?;

    let secs = started.expect("a round ran").elapsed().as_secs_f64();
    println!("topology_bench: {rounds} rounds after a warm-up, {secs:.0} s; MB/s, medians over rounds");
    println!("{:<12} {:>7} {:>10} {:>10} {:>8}", "topology", "size", "raw MB/s", "zmq MB/s", "zmq/raw");
    for (t, topology) in ["L2 -> L1", "L1 loopback"].iter().enumerate() {
        for (i, &(size, _)) in SIZES.iter().enumerate() {
            let cell = &cells[i][t];
            let ratios = cell.zmq.iter().zip(&cell.raw).map(|(z, r)| z / r).collect();
            println!(
                "{topology:<12} {:>5} B {:>10.2} {:>10.2} {:>8.2}",
                size,
                median(cell.raw.clone()),
                median(cell.zmq.clone()),
                median(ratios)
            );
        }
    }
    for (i, &(size, _)) in SIZES.iter().enumerate() {
        let [nested, local] = &cells[i];
        let ratios = nested.zmq.iter().zip(&local.zmq).map(|(n, l)| n / l).collect();
        println!("ratio zmq_l2_to_l1_vs_l1_loopback_{size}B {:.3}", median(ratios));
    }
    Ok(())
}

fn guest(ctx: &zmq::Context) -> anyhow::Result<()> {
    let control = socket(ctx, zmq::REQ)?;
    let host = |port: u32| format!("vsock://{VMADDR_CID_HOST}:{port}");
    connect(&control, &host(CONTROL_PORT))?;
    let sender_ctx = zmq::Context::new();
    let push = socket(&sender_ctx, zmq::PUSH)?;
    connect(&push, &host(L2_PORTS.1))?;
    loop {
        control.send("next", 0)?;
        let command = control.recv_string(0)?.map_err(|_| anyhow::anyhow!("not UTF-8"))?;
        let words: Vec<&str> = command.split(' ').collect();
        match words[..] {
            ["done"] => return Ok(()),
            [path, size, count] => {
                let (size, count) = (size.parse()?, count.parse()?);
                match path {
                    "raw" => raw_send(VMADDR_CID_HOST, L2_PORTS.0, size, count)?,
                    "zmq" => zmq_send(&push, size, count)?,
                    _ => bail!("the host said {command:?}"),
                }
            }
            _ => bail!("the host said {command:?}"),
        }
    }
}
