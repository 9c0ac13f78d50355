//! zmq_vsock(7) tells a caller to unbind a wildcard bind through its ZMQ_LAST_ENDPOINT. Binding
//! that same endpoint again right after `zmq_unbind` returns must succeed every time: our
//! libzmq's unbind of a vsock:// or vmci:// endpoint returns only once the listening socket is
//! closed and the listener gone (libzmq's own transports close it later, on the I/O thread;
//! tcp:// is measured here too, for comparison, and not asserted).
//!
//! Binds only; nothing connects. Runs in the test VM (`cargo vm-test --test unbind_rebind`).
//! ZMQ_VSOCK_REBIND_ROUNDS sets the rounds per transport (default 1000), for a longer soak.

use std::time::{Duration, Instant};

use zmq_vsock::SocketExt;

fn rounds() -> usize {
    match std::env::var("ZMQ_VSOCK_REBIND_ROUNDS") {
        Ok(n) => n.parse().unwrap_or_else(|_| panic!("ZMQ_VSOCK_REBIND_ROUNDS={n:?} is not a count")),
        Err(_) => 1000,
    }
}

/// A round whose first rebind failed.
struct Failure {
    round: usize,
    /// How long `zmq_unbind` took: about 5 s when our unbind gave up waiting for the close.
    unbind_took: Duration,
    /// How long the port stayed in use after the unbind returned; `None` when it still was
    /// after 10 s: the listener was lost (libzmq's term race, see closing_listener.hpp), and
    /// the rounds go on with a new wildcard bind.
    in_use_for: Option<Duration>,
}

/// Binds `wildcard`, then `rounds` times: unbinds the bound endpoint and binds it again at
/// once. Returns the rounds whose first bind failed with EADDRINUSE (any other error panics);
/// a failed round waits for the port (up to 10 s) and binds again, so every round starts bound.
fn rebind(wildcard: &str, rounds: usize) -> Vec<Failure> {
    const GIVE_UP: Duration = Duration::from_secs(10);
    let ctx = zmq::Context::new();
    let socket = ctx.socket(zmq::PULL).unwrap();
    socket.set_linger(0).unwrap();
    socket.bind(wildcard).unwrap_or_else(|e| panic!("bind {wildcard}: {e}"));
    let mut endpoint = socket.get_last_endpoint().unwrap().unwrap();
    let mut failures = Vec::new();
    for round in 0..rounds {
        let started = Instant::now();
        assert_eq!(socket.unbind_last_endpoint().unwrap(), endpoint, "round {round}");
        let unbound = Instant::now();
        let unbind_took = unbound - started;
        let mut failed = false;
        loop {
            match socket.bind(&endpoint) {
                Ok(()) => break,
                Err(zmq::Error::EADDRINUSE) if unbound.elapsed() < GIVE_UP => {
                    failed = true;
                    std::thread::sleep(Duration::from_millis(2));
                }
                Err(zmq::Error::EADDRINUSE) => {
                    failures.push(Failure { round, unbind_took, in_use_for: None });
                    socket.bind(wildcard).unwrap_or_else(|e| panic!("bind {wildcard}: {e}"));
                    endpoint = socket.get_last_endpoint().unwrap().unwrap();
                    failed = false;
                    break;
                }
                Err(e) => panic!("{endpoint}: round {round}: bind: {e}"),
            }
        }
        if failed {
            failures.push(Failure { round, unbind_took, in_use_for: Some(unbound.elapsed()) });
        }
    }
    failures
}

#[test]
fn rebind_right_after_unbind_always_succeeds() {
    zmq_vsock_testkit::require_data_path!();
    let rounds = rounds();
    let results: Vec<(&str, Vec<Failure>)> = ["vsock://*:*", "vmci://*:*", "tcp://127.0.0.1:*"]
        .into_iter()
        .map(|wildcard| (wildcard, rebind(wildcard, rounds)))
        .collect();
    // Printed whole before any assertion, for the figures.
    let report: Vec<String> = results
        .iter()
        .map(|(wildcard, failures)| {
            let first: Vec<String> = failures
                .iter()
                .take(3)
                .map(|f| match f.in_use_for {
                    Some(t) => format!("round {}: unbind took {:?}, port in use for {t:?}", f.round, f.unbind_took),
                    None => format!("round {}: unbind took {:?}, listener lost", f.round, f.unbind_took),
                })
                .collect();
            let lost = failures.iter().filter(|f| f.in_use_for.is_none()).count();
            format!(
                "{wildcard}: {} of {rounds} rebinds failed with EADDRINUSE, {lost} listeners lost {first:?}",
                failures.len()
            )
        })
        .collect();
    eprintln!("rebind right after unbind: {}", report.join("; "));
    for (wildcard, failures) in &results[..2] {
        assert!(failures.is_empty(), "{wildcard}: {}", report.join("; "));
    }
}
