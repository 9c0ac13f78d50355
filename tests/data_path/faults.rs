//! Faults over vsock:// and vmci:// on a real kernel vsock (run with
//! `cargo vm-test --test data_path -- faults::`), through rust-zmq:
//!
//! - the receiving process is killed (SIGKILL) in the middle of a stream and
//!   a new one starts on the same endpoint: the sender neither crashes nor
//!   blocks, reconnects by itself, and the new receiver gets a contiguous
//!   suffix of the numbered stream;
//! - a flood of small messages, with the kernel's default vsock buffer and
//!   with a 1 MiB one, does not reset the connection and loses nothing;
//! - a context whose sockets are still trying to connect closes promptly,
//!   with linger 0, the default (infinite) linger and a finite linger.
//!
//! The receiver of the first test is this test binary itself, started again
//! (`std::env::current_exe()`) with [`CHILD_VAR`] set: it then runs only
//! [`fault_child_receiver`] (`faults::fault_child_receiver`, given with
//! `--exact`), which binds a PULL socket on the endpoint in the variable and
//! prints every message it gets on stdout. The children only bind; every
//! connect is made here, to CID 1, through the guard. Each child's pipe and
//! its reader thread are gone when its test returns (see `Receiver`'s
//! `Drop`), so nothing of this module outlives its tests while the fd
//! counting tests of `fds` run.

use crate::common::*;
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};
use zmq::SocketEvent::{ACCEPTED, CONNECT_RETRIED, CONNECTED, DISCONNECTED};
use zmq_vsock::SocketExt;

per_scheme_tests!(
    receiver_killed_mid_stream_and_restarted,
    flood_of_small_messages_default_buffer,
    flood_of_small_messages_1_mib_buffer,
    pending_connects_close_promptly_linger_0,
    pending_connects_close_promptly_default_linger,
    pending_connects_close_promptly_finite_linger,
);

// ------------------------------------------------------------------ (a)

/// Set (to a bind endpoint) in the environment of a child started by
/// [`Receiver::start`]; see the module documentation.
const CHILD_VAR: &str = "ZMQ_VSOCK_FAULTS_CHILD_ENDPOINT";

/// The receiving child: a no-op in an ordinary test run. With [`CHILD_VAR`]
/// set, binds a PULL socket there and prints `READY <endpoint>`, then
/// `GOT <message>` for every message until the message `end`, then `END`.
/// Written straight to the process's stdout (a pipe to the parent), not
/// through the test harness's capture.
#[test]
fn fault_child_receiver() {
    let _turn = shared_turn();
    let Some(endpoint) = std::env::var_os(CHILD_VAR) else {
        return;
    };
    let endpoint = endpoint.into_string().expect("endpoint is UTF-8");
    let ctx = context();
    let pull = socket(&ctx, zmq::PULL);
    // The previous receiver's listener is closed by the kernel as that
    // process dies; its port may need a moment.
    bind_retry(&pull, &endpoint);
    let mut out = std::io::stdout().lock();
    writeln!(out, "READY {}", last_endpoint(&pull)).unwrap();
    out.flush().unwrap();
    let mut msg = zmq::Message::new();
    loop {
        // A parent that stops sending makes this time out and the child
        // fail, instead of hanging around.
        if let Err(e) = pull.recv(&mut msg, 0) {
            panic!("child receiver: recv: {e}");
        }
        if &*msg == b"end" {
            writeln!(out, "END").unwrap();
            out.flush().unwrap();
            return;
        }
        let text = std::str::from_utf8(&msg).expect("messages are decimal numbers");
        writeln!(out, "GOT {text}").unwrap();
        out.flush().unwrap();
    }
}

/// What a child printed, read by a thread of the parent.
enum Line {
    Ready(String),
    Got(u64),
    End,
    /// Its stdout closed (it exited or was killed).
    Eof,
}

/// The name libtest knows [`fault_child_receiver`] by: its path from the
/// crate root (`faults::fault_child_receiver`).
fn child_test_name() -> String {
    match module_path!().split_once("::") {
        Some((_crate, module)) => format!("{module}::fault_child_receiver"),
        None => "fault_child_receiver".to_owned(),
    }
}

/// A running child receiver and what it has printed so far.
struct Receiver {
    child: Child,
    /// The thread that reads the child's stdout (it ends at EOF).
    reader: Option<std::thread::JoinHandle<()>>,
    lines: mpsc::Receiver<Line>,
    got: Vec<u64>,
    ended: bool,
    eof: bool,
    name: &'static str,
}

impl Receiver {
    fn start(name: &'static str, endpoint: &str) -> Receiver {
        let exe = std::env::current_exe().expect("current_exe");
        let mut child = Command::new(exe)
            .args(["--exact", &child_test_name(), "--nocapture", "--test-threads=1", "-q"])
            .env(CHILD_VAR, endpoint)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            // The child's panics and sanitizer reports go where ours go.
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start the child receiver");
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = mpsc::channel();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                // The harness may print its own words around ours ("running
                // 1 test", "."), so look for ours anywhere in the line.
                let parsed = if let Some(i) = line.find("GOT ") {
                    let n = line[i + 4..].trim();
                    Line::Got(n.parse().unwrap_or_else(|_| panic!("bad child line {line:?}")))
                } else if let Some(i) = line.find("READY ") {
                    Line::Ready(line[i + 6..].trim().to_owned())
                } else if line.contains("END") {
                    Line::End
                } else {
                    continue;
                };
                if tx.send(parsed).is_err() {
                    return;
                }
            }
            let _ = tx.send(Line::Eof);
        });
        Receiver {
            child,
            reader: Some(reader),
            lines,
            got: Vec::new(),
            ended: false,
            eof: false,
            name,
        }
    }

    /// Reads lines until `done` holds (true) or `timeout` passes (false).
    fn read_until(&mut self, timeout: Duration, mut done: impl FnMut(&Receiver) -> bool) -> bool {
        let deadline = Instant::now() + timeout;
        loop {
            if done(self) {
                return true;
            }
            if self.eof {
                return false;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(Line::Got(n)) => self.got.push(n),
                Ok(Line::End) => self.ended = true,
                Ok(Line::Eof) | Err(mpsc::RecvTimeoutError::Disconnected) => self.eof = true,
                Ok(Line::Ready(_)) => panic!("{}: READY twice", self.name),
                Err(mpsc::RecvTimeoutError::Timeout) => return false,
            }
        }
    }

    fn wait_ready(&mut self) -> String {
        let timeout = startup_timeout();
        match self.lines.recv_timeout(timeout) {
            Ok(Line::Ready(endpoint)) => endpoint,
            Ok(Line::Eof) => panic!("{}: exited before binding", self.name),
            Ok(_) => panic!("{}: printed something before READY", self.name),
            Err(_) => panic!("{}: not ready within {timeout:?}", self.name),
        }
    }

    fn wait_for_count(&mut self, count: usize) {
        if !self.read_until(SETTLE, |r| r.got.len() >= count) {
            panic!(
                "{}: got {} messages, not {count}, within {SETTLE:?} (exited: {})",
                self.name,
                self.got.len(),
                self.eof
            );
        }
    }

    /// SIGKILL, then everything it printed before dying.
    fn kill(mut self) -> Vec<u64> {
        self.child.kill().expect("SIGKILL the child");
        let status = self.child.wait().expect("reap the child");
        assert!(!status.success(), "{}: exited by itself before the kill", self.name);
        assert!(self.read_until(SETTLE, |r| r.eof), "{}: stdout not closed", self.name);
        std::mem::take(&mut self.got)
    }

    /// Waits for `END` and a successful exit, then everything it got.
    fn finish(mut self) -> Vec<u64> {
        if !self.read_until(SETTLE, |r| r.ended) {
            let _ = self.child.kill();
            let _ = self.child.wait();
            panic!("{}: no END within {SETTLE:?} (got {} messages)", self.name, self.got.len());
        }
        let deadline = Instant::now() + SETTLE;
        let status = loop {
            if let Some(status) = self.child.try_wait().expect("wait for the child") {
                break status;
            }
            if Instant::now() >= deadline {
                let _ = self.child.kill();
                panic!("{}: did not exit within {SETTLE:?} after END", self.name);
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        assert!(status.success(), "{}: exited with {status}", self.name);
        std::mem::take(&mut self.got)
    }
}

impl Drop for Receiver {
    /// A test that fails half-way leaves no child behind; and no test leaves
    /// the reader thread and its end of the child's stdout pipe behind (the
    /// fd tests of this binary count the process's fds once this module's
    /// tests have returned).
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
        // The child is gone, so its stdout is at EOF and the reader ends.
        if let Some(reader) = self.reader.take() {
            let _ = reader.join();
        }
    }
}

/// The sender's send timeout: while the receiver is down, a send that finds
/// the queue full gives up after this long instead of blocking.
const SEND_TIMEOUT_MS: i32 = 500;
/// The sender's queue limit (messages), small so that it fills at once.
const SEND_HWM: i32 = 100;
/// Messages each receiver must have printed before the next step.
const STEP: usize = 300;

fn assert_contiguous(got: &[u64], first: u64, what: &str) {
    for (i, n) in got.iter().enumerate() {
        if *n != first + i as u64 {
            panic!(
                "{what}: message {i} is {n}, not {}: not contiguous (around it: {:?})",
                first + i as u64,
                &got[i.saturating_sub(3)..(i + 3).min(got.len())]
            );
        }
    }
}

fn receiver_killed_mid_stream_and_restarted(scheme: Scheme) {
    let port = scheme.port(20500);
    let bind_endpoint = scheme.endpoint(&format!("*:{port}"));
    let target = scheme.local(port);

    let mut first = Receiver::start("first receiver", &bind_endpoint);
    assert_eq!(first.wait_ready(), bind_endpoint);

    let ctx = context();
    let push = ctx.socket(zmq::PUSH).unwrap();
    push.set_linger(0).unwrap();
    push.set_sndtimeo(SEND_TIMEOUT_MS).unwrap();
    push.set_sndhwm(SEND_HWM).unwrap();
    push.set_reconnect_ivl(20).unwrap();
    let mut monitor = Monitor::new(&ctx, &push, (CONNECTED.to_raw() | DISCONNECTED.to_raw()) as i32);
    connect(&push, &target);
    assert_eq!(monitor.expect(CONNECTED).endpoint, target);

    // The sender: numbered messages 0, 1, 2, ... as fast as it can. A send
    // that times out (EAGAIN) is tried again with the same number, so what
    // was accepted is exactly 0..sent.
    let stop = Arc::new(AtomicBool::new(false));
    let timeouts = Arc::new(AtomicU64::new(0));
    let sender = {
        let (stop, timeouts) = (stop.clone(), timeouts.clone());
        std::thread::spawn(move || {
            let mut next = 0u64;
            let mut longest = Duration::ZERO;
            while !stop.load(Ordering::Relaxed) {
                let started = Instant::now();
                match push.send(next.to_string().as_bytes(), 0) {
                    Ok(()) => next += 1,
                    Err(zmq::Error::EAGAIN) => {
                        timeouts.fetch_add(1, Ordering::Relaxed);
                    }
                    Err(e) => panic!("send of message {next}: {e}"),
                }
                longest = longest.max(started.elapsed());
            }
            (push, next, longest)
        })
    };

    // Mid-stream: the first receiver has taken some, the sender is still
    // going (its queue and the kernel buffers hold more). Kill it.
    first.wait_for_count(STEP);
    let timeouts_at_kill = timeouts.load(Ordering::Relaxed);
    let first_got = first.kill();
    assert_contiguous(&first_got, 0, "the first receiver");
    let last_of_first = *first_got.last().unwrap();

    // The sender sees the connection go, keeps going without blocking: its
    // queue fills and its sends time out, again and again, while nobody
    // listens (libzmq retries the connect every 20 ms meanwhile).
    assert_eq!(monitor.expect(DISCONNECTED).endpoint, target);
    assert!(
        wait_until(SETTLE, || timeouts.load(Ordering::Relaxed) >= timeouts_at_kill + 3),
        "the sender's sends did not time out while the receiver was down"
    );
    assert!(!sender.is_finished(), "the sender thread ended (panicked?)");

    // A new receiver on the same endpoint: the sender reconnects by itself
    // and the stream flows again.
    let mut second = Receiver::start("second receiver", &bind_endpoint);
    assert_eq!(second.wait_ready(), bind_endpoint);
    assert_eq!(monitor.expect(CONNECTED).endpoint, target);
    second.wait_for_count(STEP);

    stop.store(true, Ordering::Relaxed);
    let (push, sent, longest) = sender.join().expect("the sender panicked");
    let deadline = Instant::now() + SETTLE;
    loop {
        match push.send(&b"end"[..], 0) {
            Ok(()) => break,
            Err(zmq::Error::EAGAIN) if Instant::now() < deadline => {}
            Err(e) => panic!("send of the end marker: {e}"),
        }
    }
    let second_got = second.finish();

    // What the second receiver got is a contiguous suffix of what was sent:
    // from some message after the first receiver's last one, up to the last
    // one sent. In between are the messages lost with the first receiver.
    // ZeroMQ delivers at most once over a connection that breaks: messages
    // that had left the sender's queue (libzmq's pipe) are gone with the
    // connection, whether they were in the sender's encoder batch, in the
    // kernel's vsock buffers of either side, or read by the dead process but
    // not yet printed by it. Nothing is sent twice, nothing is reordered, and
    // what was still in the sender's queue goes to the next connection.
    let resumed_at = *second_got.first().unwrap();
    assert!(
        resumed_at > last_of_first,
        "the second receiver got {resumed_at}, which the first one already had (last {last_of_first})"
    );
    assert_contiguous(&second_got, resumed_at, "the second receiver");
    assert_eq!(
        *second_got.last().unwrap(),
        sent - 1,
        "the second receiver did not get everything sent after the reconnect"
    );
    // A send never blocked longer than its timeout (plus the emulated CPU's slack).
    assert!(
        longest < Duration::from_millis(SEND_TIMEOUT_MS as u64) + Duration::from_secs(5),
        "a send took {longest:?}"
    );
    eprintln!(
        "{scheme:?}: sent {sent}; first receiver got 0..={last_of_first}; lost {} in flight; \
         second got {resumed_at}..={}; {} send timeouts; longest send {longest:?}",
        resumed_at - last_of_first - 1,
        sent - 1,
        timeouts.load(Ordering::Relaxed)
    );
    let mut push = push;
    monitor.stop(&mut push);
}

// ------------------------------------------------------------------ (b)

/// Messages of the flood, 16 bytes each: about 20 s in the test VM
/// (emulated CPU, unoptimized build, two tests at a time).
/// How long a receiver process may take to start and bind: [`SETTLE`], times
/// `ZMQ_VSOCK_STARTUP_SLOWDOWN` (tools/valgrind-test sets it: under memcheck, a
/// child of the one data-path binary, which holds every module, takes longer
/// than 20 s to start on the emulated CPU while the other modules run).
fn startup_timeout() -> Duration {
    match std::env::var("ZMQ_VSOCK_STARTUP_SLOWDOWN") {
        Err(_) => SETTLE,
        Ok(v) => SETTLE
            * v.parse::<u32>()
                .ok()
                .filter(|&n| n > 0)
                .unwrap_or_else(|| panic!("ZMQ_VSOCK_STARTUP_SLOWDOWN={v:?} is not a positive number")),
    }
}

/// `ZMQ_VSOCK_FLOOD_MESSAGES` overrides it (tools/sanitize-test sets fewer:
/// instrumented code is several times slower, and what it checks is the code
/// paths, not the volume).
const FLOOD_MESSAGES: u64 = 1_000_000;

fn flood_messages() -> u64 {
    match std::env::var("ZMQ_VSOCK_FLOOD_MESSAGES") {
        Ok(v) => v
            .parse()
            .ok()
            .filter(|n| *n > 0)
            .unwrap_or_else(|| panic!("ZMQ_VSOCK_FLOOD_MESSAGES={v:?} is not a positive number")),
        Err(_) => FLOOD_MESSAGES,
    }
}

fn flood_of_small_messages_default_buffer(scheme: Scheme) {
    flood(scheme, None);
}

fn flood_of_small_messages_1_mib_buffer(scheme: Scheme) {
    flood(scheme, Some(1 << 20));
}

fn flood_message(i: u64) -> [u8; 16] {
    let mut m = [0u8; 16];
    m[..8].copy_from_slice(&i.to_le_bytes());
    m[8..].copy_from_slice(&(!i).to_le_bytes());
    m
}

fn flood(scheme: Scheme, buffer: Option<u64>) {
    let started = Instant::now();
    let count = flood_messages();
    let ctx = context();
    let mut pull = socket(&ctx, zmq::PULL);
    let mut push = socket(&ctx, zmq::PUSH);
    if let Some(bytes) = buffer {
        for s in [&mut pull, &mut push] {
            s.set_vsock_buffer_max_size(bytes).unwrap();
            s.set_vsock_buffer_size(bytes).unwrap();
            assert_eq!(s.get_vsock_buffer_size().unwrap(), bytes);
        }
    }
    let watched = (CONNECTED.to_raw() | ACCEPTED.to_raw() | DISCONNECTED.to_raw()) as i32;
    let mut pull_monitor = Monitor::new(&ctx, &pull, watched);
    let mut push_monitor = Monitor::new(&ctx, &push, watched);
    let (_, port) = bind_any(&pull, scheme);
    let target = scheme.local(port);
    connect(&push, &target);
    push_monitor.expect(CONNECTED);
    pull_monitor.expect(ACCEPTED);

    let sender = std::thread::spawn(move || {
        for i in 0..count {
            if let Err(e) = push.send(&flood_message(i)[..], 0) {
                panic!("send of message {i} of {count}: {e}");
            }
        }
        push
    });
    let mut msg = zmq::Message::new();
    for i in 0..count {
        match pull.recv(&mut msg, 0) {
            Ok(()) => {}
            Err(e) => panic!(
                "receiving message {i} of {count}: {e}; events: sender {}, receiver {}",
                push_monitor.describe(),
                pull_monitor.describe()
            ),
        }
        if *msg != flood_message(i) {
            panic!("message {i} of {count} is {:?}", &*msg);
        }
    }
    let mut push = sender.join().expect("the sender panicked");
    assert_eq!(pull.poll(zmq::POLLIN, 0).unwrap(), 0, "more messages than sent");

    // No event since the connection was made: in particular no DISCONNECTED
    // on either side (a reset would show there, and would have lost messages).
    for (name, monitor) in [("sender", &mut push_monitor), ("receiver", &mut pull_monitor)] {
        while monitor.next(Duration::from_millis(50)).is_some() {}
        let extra: Vec<_> = monitor.seen.iter().skip(1).collect();
        assert!(extra.is_empty(), "{name}: events after the connection: {}", monitor.describe());
    }
    push_monitor.stop(&mut push);
    pull_monitor.stop(&mut pull);
    eprintln!(
        "{scheme:?}: {count} x 16 B, buffer {}: {:?}",
        buffer.map_or("default".to_owned(), |b| format!("{b} B")),
        started.elapsed()
    );
}

// ------------------------------------------------------------------ (c)

/// How long closing a context may take (normally milliseconds; the test
/// VM's CPU is emulated).
const PROMPT: Duration = Duration::from_secs(5);

fn pending_connects_close_promptly_linger_0(scheme: Scheme) {
    pending_connects_close(scheme, Some(0), 20520);
}

/// The default linger is infinite (-1). libzmq's zmq_ctx_term then waits
/// for every queued message to be sent, by design, so with a message queued
/// for a peer that never comes it would wait forever: this case queues none,
/// and shows that a connect being retried does not hold the context by itself.
fn pending_connects_close_promptly_default_linger(scheme: Scheme) {
    pending_connects_close(scheme, None, 20540);
}

/// A finite linger with queued messages for nobody: closing takes about the
/// linger, not longer.
fn pending_connects_close_promptly_finite_linger(scheme: Scheme) {
    pending_connects_close(scheme, Some(300), 20560);
}

fn pending_connects_close(scheme: Scheme, linger: Option<i32>, base: u32) {
    // Queue messages unless that would block the close for ever.
    let queue = linger.is_some();
    let kinds = [zmq::DEALER, zmq::PUSH, zmq::REQ, zmq::PAIR, zmq::SUB];
    let make = move |ctx: &zmq::Context, kind: zmq::SocketType| {
        let s = ctx.socket(kind).unwrap();
        match linger {
            Some(ms) => s.set_linger(ms).unwrap(),
            // libzmq's XSUB (and so SUB) sets its own default to 0.
            None if kind == zmq::SUB => assert_eq!(s.get_linger().unwrap(), 0, "SUB's default linger"),
            None => assert_eq!(s.get_linger().unwrap(), -1, "the default linger of {kind:?}"),
        }
        s.set_sndtimeo(IO_TIMEOUT_MS).unwrap();
        s.set_reconnect_ivl(20).unwrap();
        s
    };
    let queue_one = move |s: &zmq::Socket, kind: zmq::SocketType| {
        if queue && kind != zmq::SUB {
            send(s, b"never delivered", 0);
        }
    };

    // 1. Sockets whose connects to ports nobody listens on have failed and
    //    are being retried.
    let ctx = context();
    let mut sockets = Vec::new();
    for (i, kind) in kinds.into_iter().enumerate() {
        let mut s = make(&ctx, kind);
        let monitor = Monitor::new(&ctx, &s, CONNECT_RETRIED.to_raw() as i32);
        let target = scheme.local(scheme.port(base + 2 * i as u32));
        connect(&s, &target);
        queue_one(&s, kind);
        let mut monitor = monitor;
        assert_eq!(monitor.expect(CONNECT_RETRIED).endpoint, target);
        monitor.stop(&mut s);
        sockets.push(s);
    }
    let took = close_within(move || {
        drop(sockets);
        drop(ctx);
    });
    check_close_time(took, linger, queue, "sockets retrying their connects");

    // 2. Closed right after connect, while the first attempt may still be
    //    under way.
    let took = close_within(move || {
        let ctx = context();
        let sockets: Vec<_> = kinds
            .into_iter()
            .enumerate()
            .map(|(i, kind)| {
                let s = make(&ctx, kind);
                connect(&s, &scheme.local(scheme.port(base + 10 + 2 * i as u32)));
                queue_one(&s, kind);
                s
            })
            .collect();
        drop(sockets);
        drop(ctx);
    });
    check_close_time(took, linger, queue, "sockets closed right after connect");
    eprintln!("{scheme:?}: linger {linger:?}: closed in {took:?}");
}

/// Runs `f` (which closes sockets and a context) on a helper thread and
/// fails the test if it takes longer than [`PROMPT`]; returns how long it took.
fn close_within(f: impl FnOnce() + Send + 'static) -> Duration {
    let (done_tx, done_rx) = mpsc::channel();
    let start = Instant::now();
    std::thread::spawn(move || {
        f();
        let _ = done_tx.send(());
    });
    match done_rx.recv_timeout(PROMPT) {
        Ok(()) => start.elapsed(),
        Err(_) => panic!("closing a context with pending connects took more than {PROMPT:?}"),
    }
}

fn check_close_time(took: Duration, linger: Option<i32>, queued: bool, what: &str) {
    if let (Some(ms), true) = (linger, queued) {
        if ms > 0 {
            // libzmq keeps undeliverable messages for the linger period.
            let linger = Duration::from_millis(ms as u64);
            assert!(took >= linger - Duration::from_millis(20), "{what}: closed in {took:?}, before the linger {linger:?}");
        }
    }
    assert!(took < PROMPT, "{what}: closed in {took:?}");
}
