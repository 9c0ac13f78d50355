//! File descriptors over vsock:// and vmci:// on a real kernel vsock (run
//! with `cargo vm-test`), through rust-zmq: 1,000 connect/close cycles leave
//! none behind, whether the connections were made or refused.
//!
//! The count is the whole process's (`/proc/self/fd`), and every module of
//! this binary runs in that process: these tests run alone (an
//! [`exclusive_turn`], see `per_scheme_tests!(exclusive: ...)`; every other
//! test holds a shared turn), and each compares against a baseline taken once
//! its context is running (its I/O thread and reaper own fds of their own).
//! Closing is asynchronous in libzmq (the reaper and the I/O thread close a
//! socket's fds a moment later), so the final count is awaited, bounded.

use crate::common::*;
use zmq::SocketEvent::{CONNECTED, CONNECT_RETRIED};
use zmq_vsock_testkit::open_fd_count;

per_scheme_tests!(
    exclusive:
    connect_close_cycles_leave_no_fd_behind,
    refused_connect_close_cycles_leave_no_fd_behind,
);

const CYCLES: usize = 1000;

/// Under the emulated CPU the reaper can fall hundreds of sockets behind a
/// tight loop of closes; past `baseline + 200` open fds, wait (bounded) for it
/// to catch up, so that the loop never runs into the fd limit. A leak still
/// shows: then the count never comes down.
///
/// Checked every tenth cycle (listing /proc/self/fd is not free on the
/// emulated CPU); returns the count seen, for the peak.
fn let_the_reaper_catch_up(baseline: usize, cycle: usize) -> usize {
    let count = if matches!(cycle % 10, 0) {
        open_fd_count()
    } else {
        0
    };
    if count <= baseline + 200 {
        return count;
    }
    let mut now = 0;
    assert!(
        wait_until(SETTLE, || {
            now = open_fd_count();
            now < baseline + 50
        }),
        "cycle {cycle}: still {now} fds open {SETTLE:?} after closing, {baseline} before"
    );
    count
}

/// Waits until the process has no more fds than `baseline` (bounded), then
/// asserts it has exactly that many.
fn assert_back_to(baseline: usize, what: &str) {
    let mut now = open_fd_count();
    let settled = wait_until(SETTLE, || {
        now = open_fd_count();
        now <= baseline
    });
    assert!(
        settled,
        "{what}: {now} fds open {SETTLE:?} after closing, {baseline} before: {} left behind",
        now.saturating_sub(baseline)
    );
    assert_eq!(now, baseline, "{what}: fewer fds than before?");
}

fn connect_close_cycles_leave_no_fd_behind(scheme: Scheme) {
    let ctx = context();
    let server = socket(&ctx, zmq::REP);
    let port = scheme.port(20400);
    bind(&server, &scheme.endpoint(&format!("*:{port}")));
    let baseline = open_fd_count();

    let mut peak = baseline;
    for i in 0..CYCLES {
        peak = peak.max(let_the_reaper_catch_up(baseline, i));
        let client = socket(&ctx, zmq::REQ);
        // Alternate the two spellings of this machine: '@' resolves the CID
        // on every attempt (for vmci through /dev/vsock).
        let target = if i % 2 == 0 {
            scheme.local(port)
        } else {
            scheme.endpoint(&format!("@:{port}"))
        };
        connect(&client, &target);
        // A round trip: the connection was made at both ends.
        let request = format!("request {i}");
        send(&client, request.as_bytes(), 0);
        assert_eq!(recv(&server, &request), request.as_bytes());
        let reply = format!("reply {i}");
        send(&server, reply.as_bytes(), 0);
        assert_eq!(recv(&client, &reply), reply.as_bytes());
        drop(client);
    }
    eprintln!("{scheme:?}: {baseline} fds before, at most {peak} (sampled) during {CYCLES} cycles");
    assert_back_to(baseline, &format!("{CYCLES} connect/close cycles"));

    // The server still works (its listener survived the churn).
    let client = socket(&ctx, zmq::REQ);
    connect(&client, &scheme.local(port));
    send(&client, b"after the cycles", 0);
    assert_eq!(recv(&server, "after the cycles"), b"after the cycles");
    send(&server, b"ok", 0);
    assert_eq!(recv(&client, "ok"), b"ok");
}

fn refused_connect_close_cycles_leave_no_fd_behind(scheme: Scheme) {
    let ctx = context();
    // A socket that stays open: the context's threads run, and nothing is
    // being closed when the baseline is taken.
    let _running = socket(&ctx, zmq::DEALER);
    let target = scheme.local(scheme.port(20410));
    let baseline = open_fd_count();

    let mut peak = baseline;
    for i in 0..CYCLES {
        peak = peak.max(let_the_reaper_catch_up(baseline, i));
        let mut client = socket(&ctx, zmq::DEALER);
        if i % 10 == 0 {
            // Every tenth cycle waits until a connect was made and refused,
            // so that the close finds an fd that was really used.
            let mut monitor = Monitor::new(
                &ctx,
                &client,
                (CONNECTED.to_raw() | CONNECT_RETRIED.to_raw()) as i32,
            );
            connect(&client, &target);
            let e = monitor.expect(CONNECT_RETRIED);
            assert_eq!(e.endpoint, target);
            assert!(
                !monitor.seen.iter().any(|e| e.is(CONNECTED)),
                "{}",
                monitor.describe()
            );
            monitor.stop(&mut client);
        } else {
            connect(&client, &target);
            send(&client, b"never delivered", 0);
        }
        drop(client);
    }
    eprintln!("{scheme:?}: {baseline} fds before, at most {peak} (sampled) during {CYCLES} refused cycles");
    assert_back_to(baseline, &format!("{CYCLES} refused connect/close cycles"));
}
