//! What the tests of both topology beds share (tests/topology_guests, tests/topology_nested;
//! each includes this directory with `#[path]`, beside `data_path/common.rs` as `common`):
//! the per-test barrier, the bed's socket timeouts, and a test's closing handshake.

pub mod barrier;
pub mod exchanges;
pub mod numbered;

use crate::common::{self, bind, connect};

/// Starts a test of the bed: [`require_bed!`](zmq_vsock_testkit::require_bed), then the
/// barrier named after the calling function, which every process of the bed reaches before
/// the test goes on. A spare guest ([`Bed::is_spare`](zmq_vsock_testkit::Bed::is_spare)) has
/// no part in such a test and returns.
macro_rules! start {
    () => {{
        let bed = zmq_vsock_testkit::require_bed!();
        if bed.is_spare() {
            return;
        }
        fn here() {}
        let test = std::any::type_name_of_val(&here).trim_end_matches("::here");
        $crate::bed::barrier::wait(&bed, test);
        bed
    }};
}
pub(crate) use start;

/// Receive and send timeout: emulated guests share two host cores, and one may boot seconds
/// after another (an L2 guest, under emulation twice, a minute after its host).
pub const TIMEOUT_MS: i32 = 120_000;

/// [`common::socket`] with the bed's timeouts, and a linger that lets a closing socket
/// deliver what it queued (the peer may bind later), bounded so that no close hangs.
pub fn socket(ctx: &zmq::Context, kind: zmq::SocketType) -> zmq::Socket {
    let s = common::socket(ctx, kind);
    s.set_rcvtimeo(TIMEOUT_MS).unwrap();
    s.set_sndtimeo(TIMEOUT_MS).unwrap();
    s.set_linger(30_000).unwrap();
    s
}

/// How long a process waits at a test's closing handshake, or for a guest that its part
/// reaches only after the others' (the host, for the guests' requests).
pub const CATCH_UP_MS: i32 = 600_000;

/// The closing handshake's receive: like [`recv_text`], with [`CATCH_UP_MS`].
pub fn recv_done(s: &zmq::Socket, what: &str) -> String {
    s.set_rcvtimeo(CATCH_UP_MS).unwrap();
    recv_text(s, what)
}

/// The server's half of a test's closing handshake: a ROUTER on `endpoint` answers `reply` to
/// each of `clients` clients, so that none closes while the server still waits for its data.
pub fn release_clients(ctx: &zmq::Context, endpoint: &str, clients: usize, reply: &str) {
    let done = socket(ctx, zmq::ROUTER);
    done.set_rcvtimeo(CATCH_UP_MS).unwrap();
    bind(&done, endpoint);
    for _ in 0..clients {
        let frames = done.recv_multipart(0).expect("a client's wait");
        done.send_multipart([frames[0].clone(), reply.as_bytes().to_vec()], 0).unwrap();
    }
}

/// A client's half of [`release_clients`]: waits at `endpoint` for the server's `reply`.
pub fn wait_for_release(ctx: &zmq::Context, endpoint: &str, reply: &str) {
    let done = socket(ctx, zmq::DEALER);
    connect(&done, endpoint);
    done.send("waiting", 0).unwrap();
    assert_eq!(recv_done(&done, "the server's release"), reply);
}

/// This machine's CID is `cid` by both CID helpers, and `@` on vmci:// binds as `cid`.
pub fn assert_local_cids(cid: u32) {
    assert_eq!(zmq_vsock::local_cid().unwrap(), cid, "local_cid()");
    assert_eq!(zmq_vsock::vmci_local_cid().unwrap(), cid, "vmci_local_cid()");
    let ctx = zmq::Context::new();
    let s = socket(&ctx, zmq::PULL);
    bind(&s, "vmci://@:*");
    let bound = common::last_endpoint(&s);
    assert!(bound.starts_with(&format!("vmci://{cid}:")), "{bound}");
}

pub fn recv_text(s: &zmq::Socket, what: &str) -> String {
    String::from_utf8(common::recv(s, what)).unwrap_or_else(|e| panic!("{what}: not UTF-8: {e}"))
}
