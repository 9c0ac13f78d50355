//! The barrier every test of the bed starts with, held by the host: each guest sends the
//! test's name to the host (`vsock://2:PORT`, PORT one a guest, which reaches the host's
//! `hvsock://u<cid>:PORT` bind on the `guests` bed and its `vsock://*:PORT` bind on the
//! `nested` one) and waits for the host's go; the host answers once every guest and the host itself
//! have reached the same test. So a test that fails or times out in one process costs only
//! that test: the next one starts together again, instead of each process waiting out its
//! peers' timeouts in a sequence that no longer lines up.

use std::sync::Mutex;

use zmq_vsock::{HvsockAddr, SocketExt};
use zmq_vsock_testkit::{Bed, Role, Topology};

/// The first guest's port, which no test uses; the next guest's is one less, and so on.
const PORT: u32 = 4999;

/// The barrier's port for guest `cid`.
fn port(bed: &Bed, cid: u32) -> u32 {
    let index = bed.cids.iter().position(|&c| c == cid).expect("a guest of the bed");
    PORT - index as u32
}

/// How long one process waits at the barrier: the first one waits for the guests to boot, the
/// others for the slowest process to finish the test before.
const WAIT_MS: i32 = 600_000;

/// The barrier's sockets, made at the first barrier and kept for the whole run (tests run one
/// at a time: vm/guests and vm/nested set RUST_TEST_THREADS=1 in every process).
struct Sockets {
    _ctx: zmq::Context,
    /// Host: one REP a guest, bound at that guest's hybrid vsock path. Guest: one REQ to the host.
    peers: Vec<(Role, zmq::Socket)>,
}

static SOCKETS: Mutex<Option<Sockets>> = Mutex::new(None);

/// Closes the barrier's sockets when the process exits, which lets them linger: the host's
/// last `go` is otherwise lost with the process, and the guests wait for it in vain. (The
/// next barrier's request is what tells the host that a `go` arrived; the last has none.)
extern "C" fn close_at_exit() {
    // try_lock: a test thread may still hold it, blocked, when the harness gives up.
    if let Ok(mut held) = SOCKETS.try_lock() {
        drop(held.take());
    }
}

fn sockets(bed: &Bed) -> Sockets {
    let ctx = zmq::Context::new();
    let socket = |kind| {
        let s = ctx.socket(kind).unwrap();
        s.set_rcvtimeo(WAIT_MS).unwrap();
        s.set_sndtimeo(WAIT_MS).unwrap();
        s.set_linger(1000).unwrap();
        s
    };
    let peers = match bed.role {
        Role::Host => bed
            .cids
            .iter()
            .map(|&cid| {
                let mut rep = socket(zmq::REP);
                let port = port(bed, cid);
                match bed.topology {
                    Topology::Guests => {
                        let at = HvsockAddr::new(bed.device_socket(cid), port).unwrap();
                        rep.bind_hvsock(&at).unwrap_or_else(|e| panic!("barrier: bind {at}: {e}"));
                    }
                    Topology::Nested => {
                        let at = format!("vsock://*:{port}");
                        rep.bind(&at).unwrap_or_else(|e| panic!("barrier: bind {at}: {e}"));
                    }
                }
                (Role::Guest(cid), rep)
            })
            .collect(),
        Role::Guest(cid) => {
            let req = socket(zmq::REQ);
            let host = format!("vsock://{}:{}", zmq_vsock::VMADDR_CID_HOST, port(bed, cid));
            zmq_vsock_testkit::guard_connect_endpoint(&host).unwrap();
            req.connect(&host).unwrap_or_else(|e| panic!("barrier: connect {host}: {e}"));
            vec![(Role::Host, req)]
        }
    };
    // SAFETY: registers a plain function with no arguments.
    unsafe { libc::atexit(close_at_exit) };
    Sockets { _ctx: ctx, peers }
}

/// Waits until every process of the bed has reached `test`; panics (failing the calling test)
/// when one has reached another test, or none answers within [`WAIT_MS`]. Only the start of
/// each test waits here: every process reaches each start in the same order even when a test
/// fails halfway, so the sequence cannot fall out of step (a wait within a test could).
pub fn wait(bed: &Bed, test: &str) {
    let mut held = SOCKETS.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let sockets = held.get_or_insert_with(|| sockets(bed));
    match bed.role {
        Role::Host => {
            let mut reached = Vec::new();
            for (guest, rep) in &sockets.peers {
                let at = rep.recv_string(0).unwrap_or_else(|e| panic!("barrier {test}: {guest:?} did not arrive: {e}"));
                reached.push((guest, at.unwrap_or_default()));
            }
            let all_here = reached.iter().all(|(_, at)| at == test);
            for (_, rep) in &sockets.peers {
                rep.send(if all_here { "go" } else { "out of step" }, 0).unwrap();
            }
            assert!(all_here, "barrier {test}: the guests reached {reached:?}");
        }
        Role::Guest(_) => {
            let req = &sockets.peers[0].1;
            req.send(test, 0).unwrap_or_else(|e| panic!("barrier {test}: send: {e}"));
            let answer = req.recv_string(0).unwrap_or_else(|e| panic!("barrier {test}: the host did not answer: {e}"));
            assert_eq!(answer.as_deref(), Ok("go"), "barrier {test}");
        }
    }
}
