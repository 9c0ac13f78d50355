//! zmq_vsock(7) tells a caller to unbind a wildcard bind through its ZMQ_LAST_ENDPOINT. Binding
//! that same endpoint again right after `zmq_unbind` returns must succeed every time: our
//! libzmq's unbind of a vsock:// or vmci:// endpoint returns only once the listening socket is
//! closed (libzmq's own transports close it later, on the I/O thread; tcp:// is measured here
//! too, for comparison, and not asserted).
//!
//! Binds only; nothing connects. Runs in the test VM (`cargo vm-test --test unbind_rebind`).

use zmq_vsock::SocketExt;

const ROUNDS: usize = 1000;

/// Binds `wildcard`, then `ROUNDS` times: unbinds the bound endpoint and binds it again at
/// once. Returns in how many rounds that first bind failed with EADDRINUSE (any other error
/// panics); a failed round waits for the port and binds again, so every round starts bound.
fn rebind_failures(wildcard: &str) -> usize {
    let ctx = zmq::Context::new();
    let socket = ctx.socket(zmq::PULL).unwrap();
    socket.set_linger(0).unwrap();
    socket.bind(wildcard).unwrap_or_else(|e| panic!("bind {wildcard}: {e}"));
    let endpoint = socket.get_last_endpoint().unwrap().unwrap();
    let mut failed_rounds = 0;
    for round in 0..ROUNDS {
        assert_eq!(socket.unbind_last_endpoint().unwrap(), endpoint, "round {round}");
        for attempt in 0.. {
            match socket.bind(&endpoint) {
                Ok(()) => break,
                Err(zmq::Error::EADDRINUSE) if attempt < 5000 => {
                    failed_rounds += usize::from(attempt == 0);
                    std::thread::sleep(std::time::Duration::from_millis(2));
                }
                Err(e) => panic!("{endpoint}: round {round}, attempt {attempt}: bind: {e}"),
            }
        }
    }
    failed_rounds
}

#[test]
fn rebind_right_after_unbind_always_succeeds() {
    zmq_vsock_testkit::require_data_path!();
    let counts: Vec<(&str, usize)> = ["vsock://*:*", "vmci://*:*", "tcp://127.0.0.1:*"]
        .into_iter()
        .map(|wildcard| (wildcard, rebind_failures(wildcard)))
        .collect();
    // Printed whole before any assertion, for the figures.
    let report: Vec<String> = counts
        .iter()
        .map(|(wildcard, n)| format!("{wildcard}: {n} of {ROUNDS} rebinds failed with EADDRINUSE"))
        .collect();
    eprintln!("rebind right after unbind: {}", report.join("; "));
    for (wildcard, failures) in &counts[..2] {
        assert_eq!(*failures, 0, "{wildcard}: {}", report.join("; "));
    }
}
