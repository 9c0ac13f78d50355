//! Throughput and latency of ZeroMQ over vsock, against vmci, TCP loopback,
//! ipc and raw AF_VSOCK / TCP stream baselines, all in one run.
//!
//! Run it in the test VM (its kernel has vsock loopback, CID 1):
//!
//! ```sh
//! cargo vm-run --release --example bench -- --short   # CI: about 2 minutes
//! cargo vm-run --release --example bench               # by hand: about 12 minutes
//! ```
//!
//! Method (after libzmq's perf tools):
//! - throughput: PUSH/PULL; the sender sends N messages made with
//!   `zmq_msg_init_size` (remote_thr), the receiver times from its first to
//!   its last message (local_thr); msgs/s = (N-1)/time, MB/s = msgs/s x size
//!   / 10^6. The raw baselines move the same N length-prefixed messages over
//!   one stream socket, writer thread + reader thread, timed the same way
//!   (see raw.rs). Each end of a zmq link has its own context (one I/O
//!   thread each), like the perf tools' two processes.
//! - latency: REQ/REP bouncing one message (local_lat/remote_lat), each round
//!   trip timed on its own; p50 and p99. Raw: the same ping-pong.
//! - placement (`--pin`, the default): the sending side (PUSH, REQ, raw
//!   writer/client, each with its libzmq I/O thread) runs on CPU 0, the
//!   receiving side on CPU 1, as the perf tools run as two processes (see
//!   pin.rs). Latency is also measured with both sides on CPU 0: in the
//!   emulated VM a wake-up across vCPUs costs milliseconds, which would hide
//!   the software path being compared. `--no-pin` lets threads float.
//! - noise: the VM is emulated (TCG) on a shared machine, so every path of a
//!   size keeps its connection open and the measurement is a burst (N
//!   messages, N calibrated on zmq vsock so that a burst lasts `--secs`, the
//!   same N for every path; latency: `--lat-secs` of round trips); a round
//!   runs one burst per path, in an order rotated every round, each zmq path
//!   next to its raw baseline; `--rounds` rounds after one warm-up round. The
//!   tables show medians over rounds; a `ratio` line is the median over
//!   rounds of the ratio of the two figures measured (a fraction of a second
//!   apart) in that round, and the target lines give the quartiles of those
//!   per-round ratios.
//!
//! Output: the settings, the tables, the targets, and last the `ratio <name>
//! <value>` lines.
//!
//! The vsock safety rule: every connect (raw or zmq) goes to CID 1 and passes
//! `zmq_vsock_testkit::guard_connect(_endpoint)` first; outside the test VM
//! (and without vsock loopback) the benchmark refuses to start.

mod pin;
mod raw;
mod report;
mod stats;
mod zmq_runs;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use raw::RawKind;
use stats::{fmt_num, parse_size, size_label, LatSample, ThrSample};
use zmq_runs::{Tuning, ZmqTransport};

const KIB: usize = 1 << 10;
const MIB: usize = 1 << 20;
/// The kernel's default SO_VM_SOCKETS_BUFFER_SIZE (and _MAX_SIZE).
const VSOCK_DEFAULT_BUFFER: u64 = 256 << 10;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Path {
    Zmq(ZmqTransport),
    Raw(RawKind),
}

impl Path {
    fn name(self) -> &'static str {
        match self {
            Path::Zmq(ZmqTransport::Vsock) => "zmq vsock",
            Path::Zmq(ZmqTransport::Vmci) => "zmq vmci",
            Path::Zmq(ZmqTransport::Tcp) => "zmq tcp",
            Path::Zmq(ZmqTransport::Ipc) => "zmq ipc",
            Path::Raw(RawKind::Vsock) => "raw vsock",
            Path::Raw(RawKind::Tcp) => "raw tcp",
        }
    }
    fn is_vsock(self) -> bool {
        matches!(self, Path::Zmq(ZmqTransport::Vsock | ZmqTransport::Vmci) | Path::Raw(RawKind::Vsock))
    }
}

/// One path with its vsock buffer setting (`None`: the kernel default).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct Cell {
    path: Path,
    buffer: Option<u64>,
    /// Latency only: both sides pinned to one CPU (see `Bench::sides`).
    one_cpu: bool,
}

const ZV: Path = Path::Zmq(ZmqTransport::Vsock);
const RV: Path = Path::Raw(RawKind::Vsock);
const ZT: Path = Path::Zmq(ZmqTransport::Tcp);
const RT: Path = Path::Raw(RawKind::Tcp);
const ZVMCI: Path = Path::Zmq(ZmqTransport::Vmci);
const ZIPC: Path = Path::Zmq(ZmqTransport::Ipc);

fn cell(path: Path, buffer: Option<u64>) -> Cell {
    Cell { path, buffer, one_cpu: false }
}

/// A latency cell: default vsock buffer, both sides on one CPU or not.
fn lcell(path: Path, one_cpu: bool) -> Cell {
    Cell { path, buffer: None, one_cpu }
}

fn buffer_label(cell: &Cell) -> String {
    if !cell.path.is_vsock() {
        return "-".to_string();
    }
    match cell.buffer {
        None => format!("{} (default)", size_label(VSOCK_DEFAULT_BUFFER as usize)),
        Some(b) => size_label(b as usize),
    }
}

struct Config {
    mode: &'static str,
    rounds: usize,
    /// Target length of one throughput burst.
    burst_secs: f64,
    lat_secs: f64,
    sizes: Vec<usize>,
    lat_sizes: Vec<usize>,
    /// Buffer sizes tried besides the default, on zmq vsock and raw vsock.
    buffers: Vec<u64>,
    raw_io_buf: usize,
    raw_read_buf: usize,
    /// ZMQ_SNDHWM/RCVHWM = clamp(hwm_bytes / size, 16, 1000).
    hwm_bytes: usize,
    timeout: Duration,
    throughput: bool,
    latency: bool,
    extra_paths: bool,
    /// Pin the sending and receiving sides to CPUs 0 and 1.
    pin: bool,
    /// Print every burst on stderr.
    verbose: bool,
    /// glibc keeps freed memory (see `keep_heap`).
    keep_heap: bool,
}

const USAGE: &str = "usage: bench [--short] [--rounds N] [--secs S] [--lat-secs S] [--sizes 16,256,4K,64K,1M] \
[--lat-sizes 16,4K] [--buffers 1M,4M|none] [--raw-buf BYTES] [--raw-read-buf BYTES] [--hwm-bytes BYTES] [--timeout S] \
[--no-throughput] [--no-latency] [--no-extra] [--pin|--no-pin] [--keep-heap] [--verbose]";

fn parse_args() -> Result<Config, String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let short = args.iter().any(|a| a == "--short");
    let full = Config {
        mode: "full",
        rounds: 25,
        burst_secs: 0.4,
        lat_secs: 0.3,
        sizes: vec![16, 256, 4 * KIB, 64 * KIB, MIB],
        lat_sizes: vec![16, 4 * KIB],
        buffers: vec![MIB as u64, 4 * MIB as u64],
        raw_io_buf: 64 * KIB,
        raw_read_buf: 8 * KIB,
        hwm_bytes: 32 * MIB,
        timeout: Duration::from_secs(20),
        throughput: true,
        latency: true,
        extra_paths: true,
        pin: true,
        verbose: false,
        keep_heap: false,
    };
    // --short: the same measurements, fewer and shorter bursts (CI).
    let mut c = if short {
        Config { mode: "short", rounds: 6, burst_secs: 0.12, lat_secs: 0.1, timeout: Duration::from_secs(10), ..full }
    } else {
        full
    };
    let mut it = args.iter();
    let sizes = |v: &str| -> Result<Vec<usize>, String> {
        v.split(',').map(|s| parse_size(s).map(|n| n as usize).filter(|&n| n > 0).ok_or(format!("bad size '{s}'"))).collect()
    };
    while let Some(arg) = it.next() {
        let mut value = || it.next().cloned().ok_or(format!("{arg} needs a value\n{USAGE}"));
        match arg.as_str() {
            "--short" => {}
            "--rounds" => c.rounds = value()?.parse().map_err(|_| "bad --rounds")?,
            "--secs" => c.burst_secs = value()?.parse().map_err(|_| "bad --secs")?,
            "--lat-secs" => c.lat_secs = value()?.parse().map_err(|_| "bad --lat-secs")?,
            "--sizes" => c.sizes = sizes(&value()?)?,
            "--lat-sizes" => c.lat_sizes = sizes(&value()?)?,
            "--buffers" => {
                let v = value()?;
                c.buffers = if v == "none" { Vec::new() } else { sizes(&v)?.into_iter().map(|n| n as u64).collect() };
            }
            "--raw-buf" => c.raw_io_buf = parse_size(&value()?).ok_or("bad --raw-buf")? as usize,
            "--raw-read-buf" => c.raw_read_buf = parse_size(&value()?).ok_or("bad --raw-read-buf")? as usize,
            "--hwm-bytes" => c.hwm_bytes = parse_size(&value()?).ok_or("bad --hwm-bytes")? as usize,
            "--timeout" => c.timeout = Duration::from_secs_f64(value()?.parse().map_err(|_| "bad --timeout")?),
            "--no-throughput" => c.throughput = false,
            "--no-latency" => c.latency = false,
            "--no-extra" => c.extra_paths = false,
            "--pin" => c.pin = true,
            "--no-pin" => c.pin = false,
            "-v" | "--verbose" => c.verbose = true,
            "--keep-heap" => c.keep_heap = true,
            "-h" | "--help" => return Err(USAGE.to_string()),
            other => return Err(format!("unknown argument '{other}'\n{USAGE}")),
        }
    }
    if c.rounds == 0 || c.raw_io_buf == 0 {
        return Err("--rounds and --raw-buf must be positive".to_string());
    }
    Ok(c)
}

/// `--keep-heap`: glibc's malloc keeps freed memory instead of handing it
/// back to the kernel (trim threshold 1 GiB, mmap threshold 32 MiB, its
/// maximum). libzmq allocates every message it receives (and
/// `zmq_msg_init_size` every one it sends); with glibc's defaults, 1 MiB
/// messages come from fresh pages that fault in on every message, a cost
/// the raw baselines (one reused buffer) do not pay. Off by default, as in
/// libzmq's perf tools; it tells that cost apart from the transport's.
fn keep_heap() -> bool {
    // SAFETY: mallopt only sets allocator parameters; called before any
    // other thread exists.
    unsafe { libc::mallopt(libc::M_TRIM_THRESHOLD, 1 << 30) == 1 && libc::mallopt(libc::M_MMAP_THRESHOLD, 32 << 20) == 1 }
}

fn hwm_for(c: &Config, size: usize) -> i32 {
    (c.hwm_bytes / size).clamp(16, 1000) as i32
}

/// The throughput paths of one size, as (zmq, baseline) pairs kept next to
/// each other in every round.
fn thr_pairs(c: &Config) -> Vec<(Cell, Cell)> {
    let mut pairs = vec![(cell(ZV, None), cell(RV, None))];
    for &b in &c.buffers {
        pairs.push((cell(ZV, Some(b)), cell(RV, Some(b))));
    }
    pairs.push((cell(ZT, None), cell(RT, None)));
    if c.extra_paths {
        pairs.push((cell(ZVMCI, None), cell(ZIPC, None)));
    }
    pairs
}

/// Latency paths: with pinning, once with both sides on one CPU and once
/// with a CPU each; without, floating.
fn lat_pairs(c: &Config) -> Vec<(Cell, Cell)> {
    let placements: &[bool] = if c.pin { &[true, false] } else { &[false] };
    placements.iter().flat_map(|&one| [(lcell(ZV, one), lcell(RV, one)), (lcell(ZT, one), lcell(RT, one))]).collect()
}

/// The pairs in this round's order: rotated, and each pair flipped every
/// other round.
fn round_order(pairs: &[(Cell, Cell)], round: usize) -> Vec<Cell> {
    let n = pairs.len();
    (0..n)
        .flat_map(|i| {
            let (a, b) = pairs[(i + round) % n];
            if round % 2 == 0 {
                [a, b]
            } else {
                [b, a]
            }
        })
        .collect()
}

enum ThrLink {
    Zmq(zmq_runs::ThrLink),
    Raw(raw::ThrLink),
}

impl ThrLink {
    fn burst(&mut self, count: u64, cpus: usize) -> Result<ThrSample, String> {
        match self {
            ThrLink::Zmq(l) => l.burst(count, cpus),
            ThrLink::Raw(l) => l.burst(count, cpus),
        }
    }
}

enum LatLink {
    Zmq(zmq_runs::LatLink),
    Raw(raw::LatLink),
}

impl LatLink {
    fn burst(&mut self, duration: Duration, min: usize) -> Result<Vec<u64>, String> {
        match self {
            LatLink::Zmq(l) => l.burst(duration, min),
            LatLink::Raw(l) => l.burst(duration, min),
        }
    }
}

struct Bench {
    c: Config,
    cpus: usize,
    counts: HashMap<usize, u64>,
    thr: HashMap<(usize, Cell), Vec<Option<ThrSample>>>,
    /// Sorted round-trip times (ns) of each round's burst.
    lat: HashMap<(usize, Cell), Vec<Option<LatSample>>>,
    failures: Vec<String>,
}

/// Fewest messages a throughput burst may have: 64, or 4 MiB of big ones
/// but at least 8 (1 MiB messages).
fn min_count(size: usize) -> u64 {
    ((4 * MIB) / size).clamp(8, 64) as u64
}

impl Bench {
    /// Where the two sides of `cl` run: CPUs 0 and 1, both on CPU 0 for a
    /// one-CPU latency cell, or anywhere without `--pin`.
    fn sides(&self, cl: Cell) -> Option<pin::Sides> {
        if !self.c.pin || self.cpus < 2 {
            None
        } else if cl.one_cpu {
            Some(pin::Sides { sender: 0, receiver: 0 })
        } else {
            Some(pin::Sides { sender: 0, receiver: 1 })
        }
    }

    fn placement(&self, cl: Cell) -> &'static str {
        match self.sides(cl) {
            None => "floating",
            Some(s) if s.sender == s.receiver => "1 CPU",
            Some(_) => "2 CPUs",
        }
    }

    fn fail(&mut self, what: String) {
        eprintln!("bench: FAILED {what}");
        self.failures.push(what);
    }

    fn open_thr(&self, cl: Cell, size: usize) -> Result<ThrLink, String> {
        match cl.path {
            Path::Zmq(transport) => zmq_runs::ThrLink::open(&zmq_runs::Params {
                transport,
                tuning: Tuning { buffer: cl.buffer, hwm: hwm_for(&self.c, size) },
                size,
                timeout: self.c.timeout,
                sides: self.sides(cl),
            })
            .map(ThrLink::Zmq),
            Path::Raw(kind) => {
                raw::ThrLink::open(&raw::Params { kind, buffer: cl.buffer, size, io_buf: self.c.raw_io_buf, read_buf: self.c.raw_read_buf, timeout: self.c.timeout, sides: self.sides(cl) })
                    .map(ThrLink::Raw)
            }
        }
    }

    fn open_lat(&self, cl: Cell, size: usize) -> Result<LatLink, String> {
        match cl.path {
            Path::Zmq(transport) => zmq_runs::LatLink::open(&zmq_runs::Params {
                transport,
                tuning: Tuning { buffer: cl.buffer, hwm: 1000 },
                size,
                timeout: self.c.timeout,
                sides: self.sides(cl),
            })
            .map(LatLink::Zmq),
            Path::Raw(kind) => {
                raw::LatLink::open(&raw::Params { kind, buffer: cl.buffer, size, io_buf: self.c.raw_io_buf, read_buf: self.c.raw_read_buf, timeout: self.c.timeout, sides: self.sides(cl) })
                    .map(LatLink::Raw)
            }
        }
    }

    fn what(size: usize, cl: Cell) -> String {
        let one = if cl.one_cpu { " (one CPU)" } else { "" };
        format!("{} {} buffer {}{one}", size_label(size), cl.path.name(), buffer_label(&cl))
    }

    /// Every throughput path of one size: connections opened once, then
    /// `rounds` rounds of one burst per path.
    fn run_thr_size(&mut self, size: usize, pairs: &[(Cell, Cell)]) -> Result<(), String> {
        let t = Instant::now();
        let mut links: HashMap<Cell, ThrLink> = HashMap::new();
        for &(a, b) in pairs {
            for cl in [a, b] {
                match self.open_thr(cl, size) {
                    Ok(l) => {
                        links.insert(cl, l);
                    }
                    Err(e) => self.fail(format!("opening {}: {e}", Self::what(size, cl))),
                }
            }
        }
        // First bursts, not recorded: they wait for the connections.
        let first = ((256 * KIB) / size).clamp(8, 4096) as u64;
        let cells: Vec<Cell> = links.keys().copied().collect();
        for &cl in &cells {
            if let Err(e) = links.get_mut(&cl).unwrap().burst(first, self.cpus) {
                links.remove(&cl);
                self.fail(format!("first burst {}: {e}", Self::what(size, cl)));
            }
        }
        // Calibration on zmq vsock with the default buffer: grow a burst
        // until it lasts half the burst time, then take the best rate of
        // three bursts of the size that gives (the machine is shared: a
        // slow moment would make every burst of the run too short).
        let reference = cell(ZV, None);
        let link = links.get_mut(&reference).ok_or_else(|| format!("no {} link to calibrate with", Self::what(size, reference)))?;
        let target = (self.c.burst_secs / 2.0).max(0.05);
        let mut count = first;
        let mut rates = Vec::new();
        loop {
            let s = link.burst(count, self.cpus).map_err(|e| format!("calibration at {}: {e}", size_label(size)))?;
            if s.secs >= target || count >= 100_000_000 {
                rates.push(s.msgs_per_sec());
                if rates.len() == 3 {
                    break;
                }
                continue;
            }
            let grow = (target / s.secs.max(1e-6) * 1.3).clamp(2.0, 64.0);
            count = (count as f64 * grow) as u64;
        }
        let rate = rates.iter().copied().fold(1.0, f64::max);
        let count = ((rate * self.c.burst_secs) as u64).clamp(min_count(size), 200_000_000);
        self.counts.insert(size, count);
        // Round 0 is a warm-up round, not recorded (the emulator translates
        // the code paths the first time they run).
        let rounds = self.c.rounds;
        for round in 0..=rounds {
            for cl in round_order(pairs, round) {
                let Some(link) = links.get_mut(&cl) else { continue };
                let r = link.burst(count, self.cpus);
                if round == 0 {
                    if let Err(e) = r {
                        links.remove(&cl);
                        self.fail(format!("warm-up {}: {e}", Self::what(size, cl)));
                    }
                    continue;
                }
                let round = round - 1;
                if self.c.verbose {
                    if let Ok(s) = &r {
                        eprintln!(
                            "bench: round {} {}: {} msgs/s {} MB/s in {:.3} s, {:.2} CPUs busy",
                            round + 1,
                            Self::what(size, cl),
                            fmt_num(s.msgs_per_sec()),
                            fmt_num(s.mb_per_sec()),
                            s.secs,
                            s.busy_cpus
                        );
                    }
                }
                let slot = self.thr.entry((size, cl)).or_insert_with(|| vec![None; rounds]);
                match r {
                    Ok(s) => slot[round] = Some(s),
                    Err(e) => {
                        links.remove(&cl);
                        self.fail(format!("round {}: {}: {e}", round + 1, Self::what(size, cl)));
                        // One new connection for the rounds left.
                        match self.open_thr(cl, size) {
                            Ok(l) => {
                                links.insert(cl, l);
                            }
                            Err(e) => self.fail(format!("reopening {}: {e}", Self::what(size, cl))),
                        }
                    }
                }
            }
        }
        drop(links);
        eprintln!("bench: throughput {}: {} messages per burst, {} rounds, {:.1} s", size_label(size), count, rounds, t.elapsed().as_secs_f64());
        Ok(())
    }

    fn run_lat_size(&mut self, size: usize, pairs: &[(Cell, Cell)]) {
        let t = Instant::now();
        let duration = Duration::from_secs_f64(self.c.lat_secs);
        let mut links: HashMap<Cell, LatLink> = HashMap::new();
        for &(a, b) in pairs {
            for cl in [a, b] {
                // A first burst, not recorded: it waits for the connection.
                match self.open_lat(cl, size).and_then(|mut l| l.burst(Duration::ZERO, 50).map(|_| l)) {
                    Ok(l) => {
                        links.insert(cl, l);
                    }
                    Err(e) => self.fail(format!("opening latency {}: {e}", Self::what(size, cl))),
                }
            }
        }
        let rounds = self.c.rounds;
        // Round 0 is a warm-up round, not recorded.
        for round in 0..=rounds {
            for cl in round_order(pairs, round) {
                let Some(link) = links.get_mut(&cl) else { continue };
                let r = link.burst(duration, 20);
                if round == 0 {
                    if let Err(e) = r {
                        links.remove(&cl);
                        self.fail(format!("warm-up latency {}: {e}", Self::what(size, cl)));
                    }
                    continue;
                }
                let round = round - 1;
                let slot = self.lat.entry((size, cl)).or_insert_with(|| vec![None; rounds]);
                match r {
                    Ok(rtts) => slot[round] = Some(LatSample::new(rtts)),
                    Err(e) => {
                        links.remove(&cl);
                        self.fail(format!("round {}: latency {}: {e}", round + 1, Self::what(size, cl)));
                    }
                }
            }
        }
        drop(links);
        eprintln!("bench: latency {}: {} rounds, {:.1} s", size_label(size), rounds, t.elapsed().as_secs_f64());
    }

    fn run(&mut self) -> Result<(), String> {
        if self.c.throughput {
            let pairs = thr_pairs(&self.c);
            for size in self.c.sizes.clone() {
                self.run_thr_size(size, &pairs)?;
            }
        }
        if self.c.latency {
            let pairs = lat_pairs(&self.c);
            for size in self.c.lat_sizes.clone() {
                self.run_lat_size(size, &pairs);
            }
        }
        Ok(())
    }
}

fn main() {
    let c = match parse_args() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    // The safety rule: vsock connects go to CID 1, and only where that stays
    // on this machine (the test VM, or a kernel with vsock loopback).
    if let Err(e) = zmq_vsock_testkit::guard_connect(zmq_vsock::VMADDR_CID_LOCAL) {
        eprintln!("bench: {e}");
        std::process::exit(1);
    }
    let started = Instant::now();
    let cpus = stats::cpu_count();
    let heap = match (c.keep_heap, c.keep_heap && keep_heap()) {
        (false, _) => "glibc malloc defaults",
        (true, true) => "--keep-heap: M_TRIM_THRESHOLD 1 GiB, M_MMAP_THRESHOLD 32 MiB",
        (true, false) => "--keep-heap asked, but mallopt refused: glibc malloc defaults",
    };
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    let (zmaj, zmin, zpatch) = zmq::version();
    println!(
        "zmq-vsock bench: mode {}, {} rounds, throughput bursts of ~{} s, latency bursts of {} s",
        c.mode, c.rounds, c.burst_secs, c.lat_secs
    );
    println!(
        "kernel {}, {} CPUs, libzmq {zmaj}.{zmin}.{zpatch}, in VM: {}",
        kernel.trim(),
        cpus,
        if zmq_vsock_testkit::in_vm() { "yes" } else { "no" }
    );
    println!(
        "settings: ZMQ_SNDHWM/RCVHWM = clamp({} / size, 16, 1000) (1000 for latency); libzmq batch sizes at their defaults (8 KiB in/out); \
         vsock buffer = ZMQ_VMCI_BUFFER_MAX_SIZE then _SIZE on both ends before bind/connect (raw: SO_VM_SOCKETS_BUFFER_MAX_SIZE then _SIZE, \
         listener and connecting socket), default = kernel's 256 KiB; raw writer's coalescing buffer {}, raw reader's buffer {}; TCP_NODELAY on raw TCP (libzmq sets it too)",
        size_label(c.hwm_bytes),
        size_label(c.raw_io_buf),
        size_label(c.raw_read_buf)
    );
    println!("allocator: {heap}");
    println!(
        "pinning: {}",
        if c.pin && cpus >= 2 {
            "sending side (PUSH / REQ / raw writer, client; with its libzmq I/O thread) on CPU 0, receiving side (PULL / REP / raw reader, server; with its I/O thread) on CPU 1; latency also with both sides on CPU 0"
        } else {
            "none (threads float)"
        }
    );
    let mut bench = Bench { c, cpus, counts: HashMap::new(), thr: HashMap::new(), lat: HashMap::new(), failures: Vec::new() };
    if let Err(e) = bench.run() {
        eprintln!("bench: {e}");
        std::process::exit(1);
    }
    bench.print_report(started.elapsed());
}
