//! Reconnects, connect timeouts, many peers and shutdown over vsock:// and
//! vmci:// on a real kernel vsock (run with `cargo vm-test`), through
//! rust-zmq: a peer restarted on the same endpoint, ZMQ_CONNECT_TIMEOUT and
//! ZMQ_VMCI_CONNECT_TIMEOUT against a port nobody listens on, 200 DEALERs on
//! one ROUTER, and closing a context while a connect is pending.
//!
//! "Nobody listens" is always a port on CID 1 (the safety rule allows no
//! other CID, even in the VM).

use crate::common::*;
use std::sync::mpsc;
use std::time::{Duration, Instant};
use zmq::SocketEvent::{
    CONNECTED, CONNECT_DELAYED, CONNECT_RETRIED, DISCONNECTED, HANDSHAKE_SUCCEEDED,
};

per_scheme_tests!(
    peer_restarted_on_the_same_endpoint,
    connect_timeout_against_a_port_nobody_listens_on,
    router_with_200_dealers,
    context_with_pending_connects_closes_promptly,
);

/// How long closing a context may take here (normally milliseconds; the
/// emulated CPU of the test VM is slow).
const PROMPT: Duration = Duration::from_secs(5);

/// Runs `f` on a helper thread and fails the test if it takes longer than
/// `limit` (the thread is left behind then, the test still ends). Returns
/// how long it took.
fn finishes_within(limit: Duration, what: &str, f: impl FnOnce() + Send + 'static) -> Duration {
    let (done_tx, done_rx) = mpsc::channel();
    let start = Instant::now();
    std::thread::spawn(move || {
        f();
        let _ = done_tx.send(());
    });
    match done_rx.recv_timeout(limit) {
        Ok(()) => start.elapsed(),
        Err(_) => panic!("{what} did not finish within {limit:?}"),
    }
}

fn peer_restarted_on_the_same_endpoint(scheme: Scheme) {
    let ctx = context();
    let mut server = socket(&ctx, zmq::ROUTER);
    let (bound, port) = bind_any(&server, scheme);
    let target = scheme.local(port);

    let client = socket(&ctx, zmq::DEALER);
    client.set_identity(b"the client").unwrap();
    client.set_reconnect_ivl(20).unwrap();
    let mut client_monitor = Monitor::new(
        &ctx,
        &client,
        (CONNECTED.to_raw() | DISCONNECTED.to_raw()) as i32,
    );
    connect(&client, &target);
    assert_eq!(client_monitor.expect(CONNECTED).endpoint, target);

    for restart in 0..3 {
        // Traffic both ways through the current server.
        let ping = format!("ping {restart}");
        send(&client, ping.as_bytes(), 0);
        let m = recv_multipart(&server, &ping);
        assert_eq!(m, vec![b"the client".to_vec(), ping.into_bytes()]);
        let pong = format!("pong {restart}");
        server
            .send_multipart([&b"the client"[..], pong.as_bytes()], 0)
            .unwrap();
        assert_eq!(recv(&client, &pong), pong.as_bytes());

        // The server goes away; the client notices.
        drop(server);
        let gone = client_monitor.expect(DISCONNECTED);
        assert_eq!(gone.endpoint, target, "restart {restart}");

        // What the client sends meanwhile waits for the next server.
        let queued = format!("sent while the server was down {restart}");
        send(&client, queued.as_bytes(), 0);

        // A new server on the same endpoint (its port is free again once the
        // old listener's fd is closed, which happens asynchronously).
        server = socket(&ctx, zmq::ROUTER);
        bind_retry(&server, &bound);
        assert_eq!(last_endpoint(&server), bound);

        // The client reconnects by itself and its queued message arrives.
        assert_eq!(
            client_monitor.expect(CONNECTED).endpoint,
            target,
            "restart {restart}"
        );
        let m = recv_multipart(&server, &queued);
        assert_eq!(
            m,
            vec![b"the client".to_vec(), queued.into_bytes()],
            "restart {restart}"
        );
    }
    // And traffic flows both ways through the last server.
    send(&client, b"last ping", 0);
    assert_eq!(recv_multipart(&server, "last ping")[1], b"last ping");
    server
        .send_multipart([&b"the client"[..], &b"last pong"[..]], 0)
        .unwrap();
    assert_eq!(recv(&client, "last pong"), b"last pong");
}

fn connect_timeout_against_a_port_nobody_listens_on(scheme: Scheme) {
    let started = Instant::now();
    let ctx = context();
    let port = scheme.port(20200);
    let target = scheme.local(port);

    // One socket per timeout option: libzmq's ZMQ_CONNECT_TIMEOUT, and the
    // kernel's connect timeout through ZMQ_VMCI_CONNECT_TIMEOUT (1.5 s: from
    // 1000 ms on libzmq 4.3.5 encoded it wrongly).
    let zmq_timeout = socket(&ctx, zmq::DEALER);
    zmq_timeout.set_connect_timeout(250).unwrap();
    assert_eq!(zmq_timeout.get_connect_timeout().unwrap(), 250);
    let mut kernel_timeout = socket(&ctx, zmq::DEALER);
    set_int_option(&mut kernel_timeout, zmq_sys::ZMQ_VMCI_CONNECT_TIMEOUT, 1500).unwrap();

    let events = (CONNECTED.to_raw()
        | CONNECT_DELAYED.to_raw()
        | CONNECT_RETRIED.to_raw()
        | HANDSHAKE_SUCCEEDED.to_raw()) as i32;
    let mut monitors = Vec::new();
    for (name, s) in [
        ("ZMQ_CONNECT_TIMEOUT", &zmq_timeout),
        ("ZMQ_VMCI_CONNECT_TIMEOUT", &kernel_timeout),
    ] {
        s.set_reconnect_ivl(50).unwrap();
        let monitor = Monitor::new(&ctx, s, events);
        connect(s, &target);
        // Queued: nobody can take it.
        send(s, format!("from the socket with {name}").as_bytes(), 0);
        monitors.push((name, monitor));
    }

    // The connects fail and are retried, over and over, without hanging.
    // (On the loopback transport a connect to a port nobody listens on is
    // refused at once, so neither timeout has to fire: what this shows is
    // that the options are accepted, a refused connect is retried and
    // reported, nothing connects, and nothing hangs.)
    for (name, monitor) in monitors.iter_mut() {
        while monitor
            .seen
            .iter()
            .filter(|e| e.is(CONNECT_RETRIED))
            .count()
            < 3
        {
            if monitor.next(SETTLE).is_none() {
                panic!(
                    "{name}: fewer than 3 CONNECT_RETRIED within {SETTLE:?}: {}",
                    monitor.describe()
                );
            }
        }
        for e in &monitor.seen {
            assert!(
                e.is(CONNECT_DELAYED) || e.is(CONNECT_RETRIED),
                "{name}: {} against a port nobody listens on: {}",
                event_name(e.event),
                monitor.describe()
            );
            assert_eq!(e.endpoint, target, "{name}: {}", monitor.describe());
        }
    }

    // Closing them is prompt, and so was the whole attempt.
    let took = finishes_within(PROMPT, "closing the sockets and the context", move || {
        drop(monitors);
        drop(zmq_timeout);
        drop(kernel_timeout);
        drop(ctx);
    });
    eprintln!("{scheme:?}: context closed in {took:?}");
    let total = started.elapsed();
    assert!(total < Duration::from_secs(30), "took {total:?}");
}

fn router_with_200_dealers(scheme: Scheme) {
    const DEALERS: usize = 200;
    // Each connection costs an fd at either end, plus one per socket.
    raise_fd_limit();
    let ctx = context();
    let router = socket(&ctx, zmq::ROUTER);
    let (_, port) = bind_any(&router, scheme);
    let target = scheme.local(port);

    let dealers: Vec<zmq::Socket> = (0..DEALERS)
        .map(|i| {
            let d = socket(&ctx, zmq::DEALER);
            d.set_identity(format!("dealer {i}").as_bytes()).unwrap();
            connect(&d, &target);
            d
        })
        .collect();
    for (i, d) in dealers.iter().enumerate() {
        send(d, format!("request {i}").as_bytes(), 0);
    }

    let mut seen = [false; DEALERS];
    for n in 0..DEALERS {
        let m = recv_multipart(&router, &format!("request {n} of {DEALERS}"));
        assert_eq!(m.len(), 2, "{m:?}");
        let id = String::from_utf8(m[0].clone()).unwrap();
        let body = String::from_utf8(m[1].clone()).unwrap();
        let i: usize = id.strip_prefix("dealer ").unwrap().parse().unwrap();
        assert_eq!(body, format!("request {i}"), "routing id {id}");
        assert!(!seen[i], "two requests from {id}");
        seen[i] = true;
        router
            .send_multipart([id.as_bytes(), format!("reply to {i}").as_bytes()], 0)
            .unwrap();
    }
    for (i, d) in dealers.iter().enumerate() {
        assert_eq!(
            recv(d, &format!("the reply to dealer {i}")),
            format!("reply to {i}").as_bytes()
        );
    }
    for (i, d) in dealers.iter().enumerate() {
        assert_eq!(
            d.poll(zmq::POLLIN, 0).unwrap(),
            0,
            "dealer {i} has an extra message"
        );
    }
}

fn context_with_pending_connects_closes_promptly(scheme: Scheme) {
    let ctx = context();
    let mut sockets = Vec::new();
    // A few sockets, each retrying a connect to a port nobody listens on,
    // some with messages waiting for the connection.
    for (i, kind) in [zmq::DEALER, zmq::PUSH, zmq::REQ, zmq::PAIR]
        .into_iter()
        .enumerate()
    {
        let s = socket(&ctx, kind);
        assert_eq!(s.get_linger().unwrap(), 0);
        let target = scheme.local(scheme.port(20210 + 2 * i as u32));
        connect(&s, &target);
        if kind != zmq::PAIR {
            send(&s, b"never delivered", 0);
        }
        sockets.push(s);
    }
    // Let at least one connect attempt happen.
    let mut monitor = Monitor::new(&ctx, &sockets[0], CONNECT_RETRIED.to_raw() as i32);
    monitor.expect(CONNECT_RETRIED);
    drop(monitor);

    let took = finishes_within(
        PROMPT,
        "closing a context with pending connects",
        move || {
            drop(sockets);
            drop(ctx);
        },
    );
    eprintln!("{scheme:?}: context closed in {took:?}");

    // The same when the context is the last thing dropped while a socket is
    // still inside a connect attempt (no wait for a retry first).
    let took = finishes_within(PROMPT, "closing a context right after connect", move || {
        let ctx = context();
        let s = socket(&ctx, zmq::DEALER);
        connect(&s, &scheme.local(scheme.port(20220)));
        send(&s, b"never delivered", 0);
        drop(s);
        drop(ctx);
    });
    eprintln!("{scheme:?}: context closed right after connect in {took:?}");
}
