//! Shared helpers: a scratch directory, sockets with timeouts, a monitor reader.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use zmq::SocketEvent;

/// Receive and send timeout of every test socket: a lost message fails the test instead of
/// hanging it. Generous, for the test VM's emulated CPU.
pub const IO_TIMEOUT_MS: i32 = 20_000;

/// How long to wait for something that should happen "soon" (a reconnect, an event).
pub const SETTLE: Duration = Duration::from_secs(20);

/// Reconnect interval of the connecting sockets: short, so that retries show quickly.
pub const RECONNECT_IVL_MS: i32 = 20;

static NEXT_ID: AtomicUsize = AtomicUsize::new(0);

/// A number unique in this process, for names.
pub fn unique() -> usize {
    NEXT_ID.fetch_add(1, Ordering::Relaxed)
}

/// A fresh directory under the system's temp directory, removed with everything in it on drop.
/// Short names: a socket path must fit 107 bytes.
pub struct ScratchDir(PathBuf);

impl ScratchDir {
    pub fn new() -> ScratchDir {
        let dir = std::env::temp_dir().join(format!("hvs-{}-{}", std::process::id(), unique()));
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("mkdir {}: {e}", dir.display()));
        ScratchDir(dir)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }

    pub fn join(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A socket of `kind` with send and receive timeouts, linger 0 and a short reconnect interval.
pub fn socket(ctx: &zmq::Context, kind: zmq::SocketType) -> zmq::Socket {
    let s = ctx.socket(kind).unwrap();
    s.set_rcvtimeo(IO_TIMEOUT_MS).unwrap();
    s.set_sndtimeo(IO_TIMEOUT_MS).unwrap();
    s.set_linger(0).unwrap();
    s.set_reconnect_ivl(RECONNECT_IVL_MS).unwrap();
    s
}

/// `hvsock://PATH:PORT`.
pub fn hvsock(path: &Path, port: u32) -> String {
    format!("hvsock://{}:{port}", path.display())
}

/// `ipc://PATH`.
pub fn ipc(path: &Path) -> String {
    format!("ipc://{}", path.display())
}

/// One monitor event: what, its value (an fd, an errno, an interval) and its endpoint.
#[derive(Clone, Debug)]
pub struct Event {
    pub event: SocketEvent,
    pub value: u32,
    pub endpoint: String,
    pub at: Instant,
}

/// A socket and the reading end of its monitor. It owns the socket, and drops it first:
/// libzmq's monitor sends block, and with them the I/O thread that emits connecter events, once
/// the reading end is gone, which would stall every socket of the context.
pub struct Monitor {
    pub socket: zmq::Socket,
    pair: zmq::Socket,
}

impl std::ops::Deref for Monitor {
    type Target = zmq::Socket;
    fn deref(&self) -> &zmq::Socket {
        &self.socket
    }
}

impl Monitor {
    pub fn new(ctx: &zmq::Context, socket: zmq::Socket) -> Monitor {
        let endpoint = format!("inproc://hvsock-monitor-{}", unique());
        socket
            .monitor(&endpoint, SocketEvent::ALL.to_raw() as i32)
            .unwrap();
        let pair = ctx.socket(zmq::PAIR).unwrap();
        pair.set_linger(0).unwrap();
        pair.connect(&endpoint).unwrap();
        Monitor { socket, pair }
    }

    /// The next event, or None when there was none within `timeout`.
    pub fn next(&self, timeout: Duration) -> Option<Event> {
        self.pair
            .set_rcvtimeo(timeout.as_millis().max(1) as i32)
            .unwrap();
        let frames = match self.pair.recv_multipart(0) {
            Ok(frames) => frames,
            Err(zmq::Error::EAGAIN) => return None,
            Err(e) => panic!("monitor: {e}"),
        };
        assert_eq!(frames.len(), 2, "a monitor event is two frames");
        assert_eq!(frames[0].len(), 6, "event frame");
        let event = SocketEvent::from_raw(u16::from_le_bytes([frames[0][0], frames[0][1]]));
        let value = u32::from_le_bytes(frames[0][2..6].try_into().unwrap());
        let endpoint = String::from_utf8(frames[1].clone()).expect("UTF-8 endpoint");
        Some(Event {
            event,
            value,
            endpoint,
            at: Instant::now(),
        })
    }

    /// Events until (and with) the first `event`; panics when it does not come within SETTLE.
    pub fn until(&self, event: SocketEvent) -> Vec<Event> {
        let deadline = Instant::now() + SETTLE;
        let mut seen = Vec::new();
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            match self.next(left) {
                Some(e) => {
                    let done = e.event == event;
                    seen.push(e);
                    if done {
                        return seen;
                    }
                }
                None => break,
            }
        }
        panic!("no {event:?} within {SETTLE:?}; saw {:?}", names(&seen));
    }

    /// Every event within `period`.
    pub fn during(&self, period: Duration) -> Vec<Event> {
        let deadline = Instant::now() + period;
        let mut seen = Vec::new();
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            match self.next(left) {
                Some(e) => seen.push(e),
                None => break,
            }
        }
        seen
    }
}

pub fn names(events: &[Event]) -> Vec<SocketEvent> {
    events.iter().map(|e| e.event).collect()
}

/// Polls `condition` until it holds; panics after SETTLE.
pub fn wait_until(what: &str, mut condition: impl FnMut() -> bool) {
    let deadline = Instant::now() + SETTLE;
    while !condition() {
        assert!(Instant::now() < deadline, "{what}: not within {SETTLE:?}");
        std::thread::sleep(Duration::from_millis(5));
    }
}
