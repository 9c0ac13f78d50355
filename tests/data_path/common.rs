//! Shared helpers of the data-path tests (the modules of tests/data_path/,
//! one test binary).
//!
//! Every test there runs once per scheme (`MODULE::vsock::NAME` and
//! `MODULE::vmci::NAME`, see [`per_scheme_tests!`]), starts with
//! `require_data_path!()`, and connects only through [`connect`], which runs
//! the vsock connect guard right before every `connect`. Every socket made by
//! [`socket`] has a receive and a send timeout and linger 0, so a lost message
//! fails the test instead of hanging it.
//!
//! One process: libtest runs the tests of every module on parallel threads of
//! the same process, so whatever is process-wide is shared by all of them.
//! Tests that count the whole process's fds run alone: they take
//! [`exclusive_turn`], every other test [`shared_turn`] (the tests that
//! [`per_scheme_tests!`] makes do so themselves; a plain `#[test]` of this
//! binary starts with `let _turn = shared_turn();`).
//!
//! Ports: vsock:// and vmci:// share the kernel's AF_VSOCK port space, and so
//! do all the modules, whose tests run at the same time. Most tests bind a
//! wildcard port (the kernel picks one, starting from a random number above
//! 1023 at each boot and counting up); a fixed port is always taken through
//! [`Scheme::port`], which gives each scheme its own number, from its
//! module's block:
//!
//! | ports | module |
//! | --- | --- |
//! | 5555 | seed (both schemes, one test at a time: the man pages' port) |
//! | 20100-20111 | seed |
//! | 20200-20221 | resilience (nobody listens there) |
//! | 20300-20311 | monitor |
//! | 20400-20411 | fds (20410-20411: nobody listens there) |
//! | 20500-20579 | faults (20520-20579: nobody listens there) |
//!
//! A new fixed port goes in its module's block (or a new block), never in
//! another module's: a port where "nobody listens" must stay that way while
//! every other test runs.

#![allow(dead_code)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::{Duration, Instant};
use zmq_vsock::{VmciAddr, VsockAddr, VMADDR_CID_ANY, VMADDR_PORT_ANY};

/// Receive and send timeout of every test socket. Generous, because the test
/// VM's CPU is emulated; a healthy test never waits this long.
pub const IO_TIMEOUT_MS: i32 = 20_000;

/// How long a poll loop waits for something that should happen "soon"
/// (a reconnect, a monitor event, fds settling).
pub const SETTLE: Duration = Duration::from_secs(20);

/// `VMADDR_CID_LOCAL`: every connect goes there.
pub const CID_LOCAL: u32 = 1;

/// One test function per scheme: `per_scheme_tests!(a, b)` makes the tests
/// `vsock::a`, `vmci::a`, `vsock::b`, `vmci::b` (in the module that invokes
/// it), each of which starts with `require_data_path!()`, takes a
/// [`shared_turn`] and calls `a(Scheme::Vsock)` and so on.
/// `per_scheme_tests!(exclusive: a, b)` takes an [`exclusive_turn`] instead:
/// for tests that count the process's fds. Modules `use crate::common::*;`
/// (main.rs declares `#[macro_use] mod common;` first).
macro_rules! per_scheme_tests {
    (@tests $turn:ident; $($name:ident),*) => {
        mod vsock {
            $(
                #[test]
                fn $name() {
                    zmq_vsock_testkit::require_data_path!();
                    let _turn = $crate::common::$turn();
                    super::$name($crate::common::Scheme::Vsock);
                }
            )*
        }
        mod vmci {
            $(
                #[test]
                fn $name() {
                    zmq_vsock_testkit::require_data_path!();
                    let _turn = $crate::common::$turn();
                    super::$name($crate::common::Scheme::Vmci);
                }
            )*
        }
    };
    (exclusive: $($name:ident),* $(,)?) => {
        per_scheme_tests!(@tests exclusive_turn; $($name),*);
    };
    ($($name:ident),* $(,)?) => {
        per_scheme_tests!(@tests shared_turn; $($name),*);
    };
}

/// Turns of the tests of this binary: any number of tests hold a
/// [`shared_turn`] at once, an [`exclusive_turn`] waits until none does and
/// keeps every other test waiting (on Linux std's RwLock lets no new reader
/// in while a writer waits, so an exclusive test is not starved; the price is
/// that a test thread may idle while the exclusive test waits for the longest
/// test still running).
static TURNS: RwLock<()> = RwLock::new(());

/// What every test of this binary holds while it runs, except the ones that
/// hold an [`exclusive_turn`].
pub fn shared_turn() -> RwLockReadGuard<'static, ()> {
    // A failed test does not stop the others.
    TURNS.read().unwrap_or_else(PoisonError::into_inner)
}

/// For a test that needs the process to itself: one that counts the whole
/// process's fds (`/proc/self/fd`), which every other test's sockets,
/// contexts, threads and child processes would change. The tests before it
/// have returned, so their contexts are terminated and their fds closed;
/// nothing they started may outlive them (join helper threads, reap
/// children).
pub fn exclusive_turn() -> RwLockWriteGuard<'static, ()> {
    TURNS.write().unwrap_or_else(PoisonError::into_inner)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scheme {
    Vsock,
    Vmci,
}

impl Scheme {
    pub fn name(self) -> &'static str {
        match self {
            Scheme::Vsock => "vsock",
            Scheme::Vmci => "vmci",
        }
    }

    /// `SCHEME://ADDRESS`.
    pub fn endpoint(self, address: &str) -> String {
        format!("{}://{}", self.name(), address)
    }

    /// `SCHEME://1:PORT`: where a test connects.
    pub fn local(self, port: u32) -> String {
        format!("{}://{}:{}", self.name(), CID_LOCAL, port)
    }

    /// A fixed port for this scheme: `base` for vsock, `base + 1` for vmci,
    /// so that the two tests of a pair can run at the same time. `base` is
    /// in the calling module's block (see the table in this module's
    /// documentation).
    pub fn port(self, base: u32) -> u32 {
        match self {
            Scheme::Vsock => base,
            Scheme::Vmci => base + 1,
        }
    }
}

/// The CID part of an endpoint that libzmq printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cid {
    /// `*`: VMADDR_CID_ANY.
    Any,
    Number(u32),
}

/// An endpoint as libzmq prints it: `SCHEME://CID:PORT` with CID `*` or a
/// decimal u32 and PORT a decimal u32 (a bound or connected socket always has
/// a real port, never `*`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Printed {
    pub scheme: Scheme,
    pub cid: Cid,
    pub port: u32,
}

/// Parses an endpoint libzmq printed, with the crate's parsers, and checks it is in the
/// form libzmq prints: canonical (what `Display` gives back: no `@`, no `-1`, no leading
/// zeros) and with a real port.
pub fn parse_printed(endpoint: &str) -> Result<Printed, String> {
    let (scheme, cid, port, canonical) = match endpoint.split_once("://") {
        Some(("vsock", _)) => {
            let addr = endpoint.parse::<VsockAddr>().map_err(|e| e.to_string())?;
            (Scheme::Vsock, addr.cid(), addr.port(), addr.to_string())
        }
        Some(("vmci", _)) => {
            let addr = endpoint.parse::<VmciAddr>().map_err(|e| e.to_string())?;
            if addr.is_this_machine() {
                return Err(format!("'{endpoint}': libzmq prints the CID, not '@'"));
            }
            (Scheme::Vmci, addr.cid(), addr.port(), addr.to_string())
        }
        _ => return Err(format!("'{endpoint}': not a vsock:// or vmci:// endpoint")),
    };
    if canonical != endpoint {
        return Err(format!("'{endpoint}' is not as libzmq prints it ('{canonical}')"));
    }
    if port == VMADDR_PORT_ANY {
        return Err(format!("'{endpoint}': the port is VMADDR_PORT_ANY"));
    }
    let cid = if cid == VMADDR_CID_ANY { Cid::Any } else { Cid::Number(cid) };
    Ok(Printed { scheme, cid, port })
}

/// A context for one test (each test has its own, so one test's sockets and
/// fds never mix with another's).
pub fn context() -> zmq::Context {
    zmq::Context::new()
}

/// A socket with linger 0 and [`IO_TIMEOUT_MS`] receive and send timeouts.
pub fn socket(ctx: &zmq::Context, kind: zmq::SocketType) -> zmq::Socket {
    let s = ctx.socket(kind).expect("zmq_socket");
    s.set_linger(0).expect("ZMQ_LINGER");
    s.set_rcvtimeo(IO_TIMEOUT_MS).expect("ZMQ_RCVTIMEO");
    s.set_sndtimeo(IO_TIMEOUT_MS).expect("ZMQ_SNDTIMEO");
    s
}

/// The only way these tests connect: the vsock connect guard, then `connect`.
pub fn connect(s: &zmq::Socket, endpoint: &str) {
    zmq_vsock_testkit::guard_connect_endpoint(endpoint).unwrap();
    s.connect(endpoint)
        .unwrap_or_else(|e| panic!("connect {endpoint}: {e}"));
}

pub fn bind(s: &zmq::Socket, endpoint: &str) {
    s.bind(endpoint)
        .unwrap_or_else(|e| panic!("bind {endpoint}: {e}"));
}

/// Binds, retrying EADDRINUSE for a while: closing a socket (or its process
/// dying) frees its listener's port a moment later, on libzmq's I/O thread or
/// in the kernel. After `zmq_unbind` no retry is needed: the port of a vsock,
/// vmci or hvsock listener is free when it returns (tests/unbind_rebind.rs).
pub fn bind_retry(s: &zmq::Socket, endpoint: &str) {
    let deadline = Instant::now() + SETTLE;
    loop {
        match s.bind(endpoint) {
            Ok(()) => return,
            Err(zmq::Error::EADDRINUSE) if Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(5))
            }
            Err(e) => panic!("bind {endpoint}: {e}"),
        }
    }
}

pub fn last_endpoint(s: &zmq::Socket) -> String {
    s.get_last_endpoint()
        .expect("ZMQ_LAST_ENDPOINT")
        .expect("ZMQ_LAST_ENDPOINT is not UTF-8")
}

/// Binds `SCHEME://*:*` and returns ZMQ_LAST_ENDPOINT and the port in it.
pub fn bind_any(s: &zmq::Socket, scheme: Scheme) -> (String, u32) {
    bind(s, &scheme.endpoint("*:*"));
    let last = last_endpoint(s);
    let printed = parse_printed(&last).unwrap();
    assert_eq!(printed.scheme, scheme, "{last}");
    assert_eq!(printed.cid, Cid::Any, "{last}");
    (last, printed.port)
}

pub fn send(s: &zmq::Socket, data: &[u8], flags: i32) {
    s.send(data, flags)
        .unwrap_or_else(|e| panic!("send of {} bytes: {e}", data.len()));
}

/// Receives one frame; fails the test (instead of hanging) when nothing comes
/// within the socket's receive timeout.
pub fn recv(s: &zmq::Socket, what: &str) -> Vec<u8> {
    match s.recv_bytes(0) {
        Ok(m) => m,
        Err(zmq::Error::EAGAIN) => panic!(
            "timed out after {} ms waiting for {what}",
            s.get_rcvtimeo().unwrap_or(-1)
        ),
        Err(e) => panic!("recv ({what}): {e}"),
    }
}

/// Like [`recv`] for a whole multipart message.
pub fn recv_multipart(s: &zmq::Socket, what: &str) -> Vec<Vec<u8>> {
    match s.recv_multipart(0) {
        Ok(m) => m,
        Err(zmq::Error::EAGAIN) => panic!(
            "timed out after {} ms waiting for {what}",
            s.get_rcvtimeo().unwrap_or(-1)
        ),
        Err(e) => panic!("recv ({what}): {e}"),
    }
}

/// Receives one frame if one arrives within `timeout`.
pub fn recv_within(s: &zmq::Socket, timeout: Duration) -> Option<Vec<u8>> {
    match s.poll(zmq::POLLIN, timeout.as_millis() as i64) {
        Ok(0) => None,
        Ok(_) => Some(s.recv_bytes(zmq::DONTWAIT).expect("recv after POLLIN")),
        Err(e) => panic!("zmq_poll: {e}"),
    }
}

/// Polls `condition` until it holds or `timeout` passes; true when it held.
pub fn wait_until(timeout: Duration, mut condition: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    loop {
        if condition() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// Sets a u64 ZMQ_VMCI_* option (rust-zmq has no setter for them).
pub fn set_u64_option(s: &mut zmq::Socket, option: u32, value: u64) -> Result<(), zmq::Error> {
    set_raw_option(s, option, &value.to_ne_bytes())
}

/// Sets an int ZMQ_* option that rust-zmq has no setter for.
pub fn set_int_option(s: &mut zmq::Socket, option: u32, value: i32) -> Result<(), zmq::Error> {
    set_raw_option(s, option, &value.to_ne_bytes())
}

fn set_raw_option(s: &mut zmq::Socket, option: u32, value: &[u8]) -> Result<(), zmq::Error> {
    // SAFETY: the socket pointer is live for the call and the value buffer
    // has the length given.
    let rc = unsafe {
        zmq_sys::zmq_setsockopt(
            s.as_mut_ptr(),
            option as i32,
            value.as_ptr().cast(),
            value.len(),
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(zmq::Error::from_raw(unsafe { zmq_sys::zmq_errno() }))
    }
}

/// Raises this process's soft RLIMIT_NOFILE to the hard limit (tests with
/// hundreds of connections need more than the usual 1024). Process-wide, for
/// every test running at the time; it only ever raises the limit, to the
/// same value, so concurrent calls and other tests are unaffected.
pub fn raise_fd_limit() {
    // SAFETY: plain get/setrlimit on a local struct.
    unsafe {
        let mut lim = std::mem::zeroed::<libc::rlimit>();
        assert_eq!(libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim), 0);
        if lim.rlim_cur < lim.rlim_max {
            lim.rlim_cur = lim.rlim_max;
            assert_eq!(libc::setrlimit(libc::RLIMIT_NOFILE, &lim), 0);
        }
    }
}

/// A socket monitor (`zmq_socket_monitor`) read through an inproc PAIR.
pub struct Monitor {
    pair: zmq::Socket,
    /// Every event read so far, for failure messages.
    pub seen: Vec<Event>,
}

/// One monitor event: its number, its value (an fd, an errno or an
/// interval) and the endpoint it names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    pub event: u16,
    pub value: u32,
    pub endpoint: String,
}

impl Event {
    pub fn is(&self, event: zmq::SocketEvent) -> bool {
        self.event == event.to_raw()
    }
}

pub fn event_name(raw: u16) -> String {
    use zmq::SocketEvent::*;
    let all = [
        CONNECTED,
        CONNECT_DELAYED,
        CONNECT_RETRIED,
        LISTENING,
        BIND_FAILED,
        ACCEPTED,
        ACCEPT_FAILED,
        CLOSED,
        CLOSE_FAILED,
        DISCONNECTED,
        MONITOR_STOPPED,
        HANDSHAKE_FAILED_NO_DETAIL,
        HANDSHAKE_SUCCEEDED,
        HANDSHAKE_FAILED_PROTOCOL,
        HANDSHAKE_FAILED_AUTH,
    ];
    all.iter()
        .find(|e| e.to_raw() == raw)
        .map(|e| format!("{e:?}"))
        .unwrap_or_else(|| format!("event {raw:#x}"))
}

static MONITOR_ID: AtomicUsize = AtomicUsize::new(0);

impl Monitor {
    /// Monitors `target` for `events` (a ZMQ_EVENT_* mask).
    pub fn new(ctx: &zmq::Context, target: &zmq::Socket, events: i32) -> Monitor {
        let name = format!(
            "inproc://monitor-{}",
            MONITOR_ID.fetch_add(1, Ordering::Relaxed)
        );
        target.monitor(&name, events).expect("zmq_socket_monitor");
        let pair = socket(ctx, zmq::PAIR);
        pair.connect(&name).expect("connect to the monitor");
        Monitor {
            pair,
            seen: Vec::new(),
        }
    }

    /// The next event, if one comes within `timeout`.
    pub fn next(&mut self, timeout: Duration) -> Option<Event> {
        let first = recv_within(&self.pair, timeout)?;
        assert!(
            self.pair.get_rcvmore().unwrap(),
            "monitor event without endpoint frame"
        );
        let endpoint = recv(&self.pair, "the monitor event's endpoint frame");
        assert_eq!(first.len(), 6, "monitor event frame: {first:?}");
        let event = Event {
            event: u16::from_ne_bytes([first[0], first[1]]),
            value: u32::from_ne_bytes([first[2], first[3], first[4], first[5]]),
            endpoint: String::from_utf8(endpoint).expect("endpoint is UTF-8"),
        };
        self.seen.push(event.clone());
        Some(event)
    }

    /// Reads events until one of kind `event` comes (others are kept in
    /// `seen`); fails the test after [`SETTLE`].
    pub fn expect(&mut self, event: zmq::SocketEvent) -> Event {
        let deadline = Instant::now() + SETTLE;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.next(left) {
                Some(e) if e.is(event) => return e,
                Some(_) => {}
                None => panic!(
                    "no {event:?} monitor event within {SETTLE:?}; saw {}",
                    self.describe()
                ),
            }
        }
    }

    /// Stops monitoring `target` and closes the monitor. In libzmq 4.3.5,
    /// for any transport (tcp:// too), a monitored socket closed after the
    /// reader of its monitor, with events still unread, is not reaped (its fds
    /// and its monitor's stay open) until the context ends; tests that count
    /// fds stop their monitors first.
    pub fn stop(self, target: &mut zmq::Socket) {
        // SAFETY: a live socket; a null endpoint stops its monitor.
        let rc = unsafe { zmq_sys::zmq_socket_monitor(target.as_mut_ptr(), std::ptr::null(), 0) };
        assert_eq!(rc, 0, "zmq_socket_monitor(NULL)");
        drop(self.pair);
    }

    pub fn describe(&self) -> String {
        let list: Vec<String> = self
            .seen
            .iter()
            .map(|e| format!("{}({}) {}", event_name(e.event), e.value, e.endpoint))
            .collect();
        format!("[{}]", list.join(", "))
    }
}

/// Deterministic pseudo-random bytes for content checks. Large buffers are
/// 64 KiB pseudo-random blocks, each stamped with `seed` and its own index at
/// both ends, so a lost, repeated or reordered block shows as well as a
/// changed byte (and 16 MiB cost memcpys, not 16 M steps of a generator on
/// the emulated CPU).
pub fn pattern(len: usize, seed: u64) -> Vec<u8> {
    const BLOCK: usize = 64 * 1024;
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut base = vec![0u8; len.min(BLOCK)];
    for chunk in base.chunks_mut(8) {
        // xorshift64*
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        let v = x.wrapping_mul(0x2545_F491_4F6C_DD1D).to_le_bytes();
        chunk.copy_from_slice(&v[..chunk.len()]);
    }
    if len <= BLOCK {
        return base;
    }
    let mut out = vec![0u8; len];
    for (index, block) in out.chunks_mut(BLOCK).enumerate() {
        block.copy_from_slice(&base[..block.len()]);
        let stamp = (seed << 32 | index as u64).to_le_bytes();
        let n = block.len();
        block[..8.min(n)].copy_from_slice(&stamp[..8.min(n)]);
        if n >= 16 {
            block[n - 8..].copy_from_slice(&stamp);
        }
    }
    out
}

/// Compares two buffers and reports the first difference instead of dumping
/// megabytes.
pub fn assert_same_bytes(got: &[u8], want: &[u8], what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: length");
    if got == want {
        return;
    }
    if let Some(i) = got.iter().zip(want).position(|(a, b)| a != b) {
        panic!(
            "{what}: first difference at byte {i} of {}: got {:#04x}, want {:#04x}",
            want.len(),
            got[i],
            want[i]
        );
    }
}
