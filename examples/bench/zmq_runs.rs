//! The ZeroMQ runs, after libzmq's perf tools: throughput as
//! local_thr/remote_thr (PUSH/PULL, the receiver times from its first to its
//! last message, the sender sends `zmq_msg_init_size` messages), latency as
//! local_lat/remote_lat (REQ/REP, one message bounced back and forth), except
//! that every round trip is timed on its own so percentiles can be taken.
//!
//! Each end has its own context (so its own I/O thread), as the perf tools'
//! two processes do.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use zmq_vsock::{SocketExt, VmciAddr, VsockAddr, VMADDR_CID_LOCAL};

use crate::pin::{self, Sides};
use crate::stats::{CpuStat, ThrSample};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ZmqTransport {
    Vsock,
    Vmci,
    Tcp,
    Ipc,
}

/// Per-socket settings the benchmark applies (and documents in its output).
#[derive(Clone, Copy, Debug)]
pub struct Tuning {
    /// vsock/vmci kernel buffer (ZMQ_VMCI_BUFFER_MAX_SIZE then _SIZE), on both
    /// ends before bind/connect; `None` leaves the kernel default (256 KiB).
    pub buffer: Option<u64>,
    /// ZMQ_SNDHWM / ZMQ_RCVHWM.
    pub hwm: i32,
}

static IPC_SEQ: AtomicU64 = AtomicU64::new(0);

fn zerr(what: &str) -> impl Fn(zmq::Error) -> String + '_ {
    move |e| format!("{what}: {e}")
}

fn apply(socket: &mut zmq::Socket, tuning: &Tuning) -> Result<(), String> {
    if let Some(bytes) = tuning.buffer {
        socket.set_vsock_buffer_max_size(bytes).map_err(|e| format!("ZMQ_VMCI_BUFFER_MAX_SIZE: {e}"))?;
        socket.set_vsock_buffer_size(bytes).map_err(|e| format!("ZMQ_VMCI_BUFFER_SIZE: {e}"))?;
    }
    socket.set_sndhwm(tuning.hwm).map_err(zerr("ZMQ_SNDHWM"))?;
    socket.set_rcvhwm(tuning.hwm).map_err(zerr("ZMQ_RCVHWM"))?;
    Ok(())
}

/// Binds `socket` on a fresh endpoint and returns the endpoint to connect to:
/// vsock at VMADDR_CID_LOCAL (1), vmci at `@` (this machine's CID, 1 in the
/// VM), TCP at 127.0.0.1, ipc at a file in /tmp.
fn bind(socket: &zmq::Socket, transport: ZmqTransport) -> Result<String, String> {
    match transport {
        ZmqTransport::Vsock => {
            let bound = socket.bind_vsock(&VsockAddr::any(0).any_port()).map_err(|e| format!("bind vsock: {e}"))?;
            Ok(VsockAddr::new(VMADDR_CID_LOCAL, bound.port()).to_string())
        }
        ZmqTransport::Vmci => {
            let bound = socket.bind_vmci(&VmciAddr::any(0).any_port()).map_err(|e| format!("bind vmci: {e}"))?;
            Ok(VmciAddr::this_machine(bound.port()).to_string())
        }
        ZmqTransport::Tcp => {
            socket.bind("tcp://127.0.0.1:*").map_err(zerr("bind tcp"))?;
            socket
                .get_last_endpoint()
                .map_err(zerr("ZMQ_LAST_ENDPOINT"))?
                .map_err(|_| "ZMQ_LAST_ENDPOINT is not UTF-8".to_string())
        }
        ZmqTransport::Ipc => {
            let n = IPC_SEQ.fetch_add(1, Ordering::Relaxed);
            let path = format!("/tmp/zmq-vsock-bench-{}-{n}.sock", std::process::id());
            let _ = std::fs::remove_file(&path);
            let endpoint = format!("ipc://{path}");
            socket.bind(&endpoint).map_err(zerr("bind ipc"))?;
            Ok(endpoint)
        }
    }
}

/// The vsock safety rule: every connect goes through the guard first.
fn connect(socket: &zmq::Socket, endpoint: &str) -> Result<(), String> {
    zmq_vsock_testkit::guard_connect_endpoint(endpoint)?;
    socket.connect(endpoint).map_err(|e| format!("connect {endpoint}: {e}"))
}

fn cleanup(endpoint: &str) {
    if let Some(path) = endpoint.strip_prefix("ipc://") {
        let _ = std::fs::remove_file(path);
    }
}

fn ms(d: Duration) -> i32 {
    d.as_millis().min(i32::MAX as u128) as i32
}

/// What a ZeroMQ link is made of.
#[derive(Clone, Copy, Debug)]
pub struct Params {
    pub transport: ZmqTransport,
    pub tuning: Tuning,
    pub size: usize,
    pub timeout: Duration,
    /// CPUs of the two sides (`None`: not pinned).
    pub sides: Option<Sides>,
}

/// A message of `size` bytes whose content is left as allocated, like
/// remote_thr's `zmq_msg_init_size` (nothing reads it but the kernel).
fn message(size: usize) -> zmq::Message {
    #[allow(deprecated)]
    // SAFETY: the bytes are never read through Rust (no Deref of the
    // message); libzmq only copies them into the socket.
    unsafe {
        zmq::Message::with_capacity_unallocated(size)
    }
}

/// A PUSH/PULL connection kept open across bursts (local_thr/remote_thr):
/// a sender thread with its own context sends each burst, the caller's
/// thread receives it and times it from the first to the last message.
pub struct ThrLink {
    // Dropped in this order: the socket before its context.
    pull: zmq::Socket,
    _ctx: zmq::Context,
    msg: zmq::Message,
    endpoint: String,
    size: usize,
    cmd: Option<mpsc::Sender<u64>>,
    sender: Option<thread::JoinHandle<Result<(), String>>>,
}

impl ThrLink {
    pub fn open(p: &Params) -> Result<ThrLink, String> {
        // The caller's thread receives; the context's I/O thread, started
        // by the first socket, inherits the CPU.
        pin::pin(pin::receiver(p.sides));
        let ctx = zmq::Context::new();
        let mut pull = ctx.socket(zmq::PULL).map_err(zerr("PULL"))?;
        apply(&mut pull, &p.tuning)?;
        pull.set_linger(0).map_err(zerr("ZMQ_LINGER"))?;
        pull.set_rcvtimeo(ms(p.timeout)).map_err(zerr("ZMQ_RCVTIMEO"))?;
        let endpoint = bind(&pull, p.transport)?;
        let (cmd_tx, cmd_rx) = mpsc::channel::<u64>();
        let (p2, ep) = (*p, endpoint.clone());
        let sender = thread::spawn(move || -> Result<(), String> {
            pin::pin(pin::sender(p2.sides));
            let tx_ctx = zmq::Context::new();
            let mut push = tx_ctx.socket(zmq::PUSH).map_err(zerr("PUSH"))?;
            apply(&mut push, &p2.tuning)?;
            push.set_linger(0).map_err(zerr("ZMQ_LINGER"))?;
            push.set_sndtimeo(ms(p2.timeout)).map_err(zerr("ZMQ_SNDTIMEO"))?;
            connect(&push, &ep)?;
            while let Ok(count) = cmd_rx.recv() {
                for i in 0..count {
                    push.send(message(p2.size), 0).map_err(|e| format!("send of message {i}: {e}"))?;
                }
            }
            Ok(())
        });
        Ok(ThrLink { pull, _ctx: ctx, msg: zmq::Message::new(), endpoint, size: p.size, cmd: Some(cmd_tx), sender: Some(sender) })
    }

    fn sender_error(&mut self) -> String {
        self.cmd.take();
        match self.sender.take().map(|s| s.join()) {
            Some(Ok(Err(e))) => format!(" (sender: {e})"),
            Some(Err(_)) => " (sender panicked)".to_string(),
            _ => String::new(),
        }
    }

    /// One burst of `count` messages, timed from the first to the last.
    pub fn burst(&mut self, count: u64, cpus: usize) -> Result<ThrSample, String> {
        let result = self.burst_inner(count, cpus);
        result.map_err(|e| format!("{e}{}", self.sender_error()))
    }

    fn burst_inner(&mut self, count: u64, cpus: usize) -> Result<ThrSample, String> {
        let Some(cmd) = self.cmd.as_ref() else {
            return Err("link is closed".to_string());
        };
        cmd.send(count).map_err(|_| "sender has stopped".to_string())?;
        let size = self.size;
        let (pull, msg) = (&self.pull, &mut self.msg);
        let mut recv = |i: u64| -> Result<(), String> {
            pull.recv(msg, 0).map_err(|e| format!("message {i} of {count}: {e} (stalled)"))?;
            if msg.len() == size {
                Ok(())
            } else {
                Err(format!("message {i} has {} bytes, not {size}", msg.len()))
            }
        };
        recv(0)?;
        let cpu0 = CpuStat::read();
        let t0 = Instant::now();
        for i in 1..count {
            recv(i)?;
        }
        let secs = t0.elapsed().as_secs_f64();
        let cpu1 = CpuStat::read();
        Ok(ThrSample { messages: count - 1, size, secs, busy_cpus: cpu0.busy_cpus(&cpu1, cpus) })
    }
}

impl Drop for ThrLink {
    fn drop(&mut self) {
        let _ = self.sender_error();
        cleanup(&self.endpoint);
    }
}

/// A REQ/REP connection kept open across bursts (local_lat/remote_lat): a
/// REP thread with its own context echoes; the caller's REQ bounces one
/// message, timing each round trip.
pub struct LatLink {
    req: Option<zmq::Socket>,
    _ctx: zmq::Context,
    msg: Option<zmq::Message>,
    endpoint: String,
    size: usize,
    server: Option<thread::JoinHandle<Result<(), String>>>,
}

impl LatLink {
    pub fn open(p: &Params) -> Result<LatLink, String> {
        // REP side (its I/O thread and the echo thread) on the receiving
        // CPU, REQ side (the caller's thread and its I/O thread) on the
        // sending one.
        pin::pin(pin::receiver(p.sides));
        let rep_ctx = zmq::Context::new();
        let mut rep = rep_ctx.socket(zmq::REP).map_err(zerr("REP"))?;
        apply(&mut rep, &p.tuning)?;
        rep.set_linger(0).map_err(zerr("ZMQ_LINGER"))?;
        // Bounds how long a lost stop request keeps the thread.
        rep.set_rcvtimeo(ms(p.timeout * 2)).map_err(zerr("ZMQ_RCVTIMEO"))?;
        let endpoint = bind(&rep, p.transport)?;
        let server = thread::spawn(move || -> Result<(), String> {
            let _ctx = rep_ctx;
            loop {
                let mut msg = zmq::Message::new();
                rep.recv(&mut msg, 0).map_err(zerr("REP recv"))?;
                if msg.is_empty() {
                    // The stop request: no reply.
                    return Ok(());
                }
                rep.send(msg, 0).map_err(zerr("REP send"))?;
            }
        });
        pin::pin(pin::sender(p.sides));
        let ctx = zmq::Context::new();
        let mut link = LatLink { req: None, _ctx: ctx, msg: Some(zmq::Message::with_size(p.size)), endpoint, size: p.size, server: Some(server) };
        let mut req = link._ctx.socket(zmq::REQ).map_err(zerr("REQ"))?;
        apply(&mut req, &p.tuning)?;
        req.set_linger(ms(p.timeout)).map_err(zerr("ZMQ_LINGER"))?;
        req.set_rcvtimeo(ms(p.timeout)).map_err(zerr("ZMQ_RCVTIMEO"))?;
        connect(&req, &link.endpoint)?;
        link.req = Some(req);
        Ok(link)
    }

    /// Round trips until `duration` has passed (and at least `min` were
    /// made); returns each one's time in nanoseconds.
    pub fn burst(&mut self, duration: Duration, min: usize) -> Result<Vec<u64>, String> {
        let (Some(req), Some(mut msg)) = (self.req.as_ref(), self.msg.take()) else {
            return Err("link is broken".to_string());
        };
        let mut rtts = Vec::new();
        let start = Instant::now();
        while rtts.len() < min || start.elapsed() < duration {
            let t = Instant::now();
            req.send(msg, 0).map_err(zerr("REQ send"))?;
            let mut reply = zmq::Message::new();
            req.recv(&mut reply, 0).map_err(zerr("REQ recv"))?;
            let rtt = t.elapsed();
            if reply.len() != self.size {
                return Err(format!("reply has {} bytes, not {}", reply.len(), self.size));
            }
            rtts.push(rtt.as_nanos() as u64);
            msg = reply;
        }
        self.msg = Some(msg);
        Ok(rtts)
    }
}

impl Drop for LatLink {
    fn drop(&mut self) {
        if let Some(req) = self.req.take() {
            // The stop request; REQ's linger delivers it before the context ends.
            let _ = req.send(zmq::Message::new(), zmq::DONTWAIT);
        }
        if let Some(server) = self.server.take() {
            let _ = server.join();
        }
        cleanup(&self.endpoint);
    }
}
