//! The host connects to a guest through the fake VMM: every basic pattern, failed handshakes
//! that are retried until one succeeds, the handshake timeout, and what Peer-Address says.

use std::time::{Duration, Instant};

use zmq::SocketEvent::{CLOSED, CONNECT_DELAYED, CONNECT_RETRIED, CONNECTED};

use crate::fake_vmm::{Answer, FakeVmm};
use crate::support::*;

#[test]
fn zmq_has_hvsock() {
    assert_eq!(zmq::has("hvsock"), Some(true));
}

/// A host socket connected through the VMM, and the guest's socket bound behind it.
/// Fields drop in order: the sockets, the VMM, then the directory.
struct Link {
    host: zmq::Socket,
    guest: zmq::Socket,
    vmm: FakeVmm,
    _dir: ScratchDir,
}

fn link(ctx: &zmq::Context, host_kind: zmq::SocketType, guest_kind: zmq::SocketType) -> Link {
    let dir = ScratchDir::new();
    let vmm = FakeVmm::start(&dir.join("vm.sock"), Answer::Route);
    let port = 5000;
    let guest = socket(ctx, guest_kind);
    guest.bind(&vmm.guest_endpoint(port)).unwrap();
    let host = socket(ctx, host_kind);
    host.connect(&hvsock(&dir.join("vm.sock"), port)).unwrap();
    Link {
        host,
        guest,
        vmm,
        _dir: dir,
    }
}

#[test]
fn req_rep_both_ways_round() {
    let ctx = zmq::Context::new();
    let l = link(&ctx, zmq::REQ, zmq::REP);
    for i in 0..10 {
        l.host.send(format!("ping {i}").as_str(), 0).unwrap();
        assert_eq!(
            l.guest.recv_string(0).unwrap().unwrap(),
            format!("ping {i}")
        );
        l.guest.send(format!("pong {i}").as_str(), 0).unwrap();
        assert_eq!(l.host.recv_string(0).unwrap().unwrap(), format!("pong {i}"));
    }
    // The guest's greeting came in the reply's write: the connecter read only up to the '\n'.
    assert_eq!(l.vmm.piggybacked(), 1);
}

#[test]
fn rep_connected_to_a_guest_req() {
    let ctx = zmq::Context::new();
    let l = link(&ctx, zmq::REP, zmq::REQ);
    l.guest.send("ping", 0).unwrap();
    assert_eq!(l.host.recv_string(0).unwrap().unwrap(), "ping");
    l.host.send("pong", 0).unwrap();
    assert_eq!(l.guest.recv_string(0).unwrap().unwrap(), "pong");
}

#[test]
fn dealer_router() {
    let ctx = zmq::Context::new();
    let l = link(&ctx, zmq::DEALER, zmq::ROUTER);
    l.host.send("hello", 0).unwrap();
    let frames = l.guest.recv_multipart(0).unwrap();
    assert_eq!(frames.len(), 2);
    assert_eq!(frames[1], b"hello");
    l.guest
        .send_multipart([frames[0].as_slice(), &b"back"[..]], 0)
        .unwrap();
    assert_eq!(l.host.recv_bytes(0).unwrap(), b"back");
}

#[test]
fn push_pull_and_pull_push() {
    let ctx = zmq::Context::new();
    let l = link(&ctx, zmq::PUSH, zmq::PULL);
    l.host.send("to the guest", 0).unwrap();
    assert_eq!(l.guest.recv_string(0).unwrap().unwrap(), "to the guest");
    let l = link(&ctx, zmq::PULL, zmq::PUSH);
    l.guest.send("to the host", 0).unwrap();
    assert_eq!(l.host.recv_string(0).unwrap().unwrap(), "to the host");
}

/// PUB/SUB either way round; the subscriber may join late, so publish until it hears.
#[test]
fn pub_sub_and_sub_pub() {
    let ctx = zmq::Context::new();
    for (publisher_is_host, (host_kind, guest_kind)) in
        [(true, (zmq::PUB, zmq::SUB)), (false, (zmq::SUB, zmq::PUB))]
    {
        let l = link(&ctx, host_kind, guest_kind);
        let (publisher, subscriber) = if publisher_is_host {
            (&l.host, &l.guest)
        } else {
            (&l.guest, &l.host)
        };
        subscriber.set_subscribe(b"news").unwrap();
        subscriber.set_rcvtimeo(50).unwrap();
        let deadline = Instant::now() + SETTLE;
        loop {
            publisher.send("news: hvsock", 0).unwrap();
            match subscriber.recv_string(0) {
                Ok(text) => {
                    assert_eq!(text.unwrap(), "news: hvsock");
                    break;
                }
                Err(zmq::Error::EAGAIN) => assert!(Instant::now() < deadline, "nothing heard"),
                Err(e) => panic!("{e}"),
            }
        }
    }
}

#[test]
fn pair_both_ways() {
    let ctx = zmq::Context::new();
    let l = link(&ctx, zmq::PAIR, zmq::PAIR);
    l.host.send("a", 0).unwrap();
    assert_eq!(l.guest.recv_string(0).unwrap().unwrap(), "a");
    l.guest.send("b", 0).unwrap();
    assert_eq!(l.host.recv_string(0).unwrap().unwrap(), "b");
}

/// The connecter sends exactly `CONNECT <port>\n`, the port in decimal without leading zeros.
#[test]
fn the_request_line() {
    let ctx = zmq::Context::new();
    let dir = ScratchDir::new();
    let vmm = FakeVmm::start(&dir.join("vm.sock"), Answer::Close);
    let host = socket(&ctx, zmq::DEALER);
    host.connect(&format!("hvsock://{}:00052", dir.join("vm.sock").display()))
        .unwrap();
    wait_until("a request", || !vmm.requests().is_empty());
    assert_eq!(vmm.requests()[0], b"CONNECT 52\n");
    let host = socket(&ctx, zmq::DEALER);
    host.connect(&hvsock(&dir.join("vm.sock"), 4294967294))
        .unwrap();
    wait_until("a second request", || {
        vmm.requests().iter().any(|r| r == b"CONNECT 4294967294\n")
    });
}

/// One attempt's events, as a monitor sees a failed handshake: delayed, closed, retried.
fn assert_failed_attempts(events: &[Event], at_least: usize) {
    let names = names(events);
    assert!(!names.contains(&CONNECTED), "connected: {names:?}");
    let retries = names.iter().filter(|&&e| e == CONNECT_RETRIED).count();
    assert!(retries >= at_least, "{retries} retries: {names:?}");
    // Each retry follows a close, which follows the attempt's CONNECT_DELAYED.
    let mut expect = [CONNECT_DELAYED, CLOSED, CONNECT_RETRIED].iter().cycle();
    let first = names
        .iter()
        .position(|&e| e == CONNECT_DELAYED)
        .expect("an attempt");
    for &e in &names[first..] {
        assert_eq!(Some(&e), expect.next(), "{names:?}");
    }
}

/// Every refusal the VMM can give (closing, or a reply that is not `OK <n>\n`) is a failed
/// connect, retried; once the VMM routes and the guest listens, the connection is made.
#[test]
fn refused_handshakes_are_retried_until_one_succeeds() {
    let refusals: Vec<(&str, Answer)> = vec![
        ("nothing listens on the guest port", Answer::Route),
        ("closed without a reply", Answer::Close),
        ("not OK", Answer::Reply(b"NO\n".to_vec())),
        ("lower case", Answer::Reply(b"ok 1\n".to_vec())),
        ("no number", Answer::Reply(b"OK \n".to_vec())),
        ("not a number", Answer::Reply(b"OK abc\n".to_vec())),
        ("a sign", Answer::Reply(b"OK -1\n".to_vec())),
        ("CRLF", Answer::Reply(b"OK 1\r\n".to_vec())),
        ("overflow", Answer::Reply(b"OK 4294967296\n".to_vec())),
        ("too long", Answer::Reply(b"OK 00000000001\n".to_vec())),
        ("a long line", Answer::Reply(vec![b'O'; 4096])),
        (
            "OK, then silence (ZMQ_CONNECT_TIMEOUT ends it)",
            Answer::Reply(b"OK".to_vec()),
        ),
        ("a bare newline", Answer::Reply(b"\n".to_vec())),
    ];
    let ctx = zmq::Context::new();
    for (what, answer) in refusals {
        let dir = ScratchDir::new();
        let vmm = FakeVmm::start(&dir.join("vm.sock"), answer);
        let host = socket(&ctx, zmq::REQ);
        host.set_connect_timeout(300).unwrap();
        let host = Monitor::new(&ctx, host);
        host.connect(&hvsock(&dir.join("vm.sock"), 5000)).unwrap();
        let mut events = Vec::new();
        while names(&events)
            .iter()
            .filter(|&&e| e == CONNECT_RETRIED)
            .count()
            < 3
        {
            events.extend(host.until(CONNECT_RETRIED));
        }
        assert_failed_attempts(&events, 3);

        // Now the guest listens and the VMM routes.
        let guest = socket(&ctx, zmq::REP);
        guest.bind(&vmm.guest_endpoint(5000)).unwrap();
        vmm.set_answer(Answer::Route);
        let events = host.until(CONNECTED);
        let connected = events.last().unwrap();
        assert_eq!(
            connected.endpoint,
            hvsock(&dir.join("vm.sock"), 5000),
            "{what}"
        );
        host.send("after the refusals", 0).unwrap();
        assert_eq!(
            guest.recv_string(0).unwrap().unwrap(),
            "after the refusals",
            "{what}"
        );
    }
}

/// No VMM socket at PATH yet (the VM is still starting): retried until it appears.
#[test]
fn the_vmm_socket_appears_later() {
    let ctx = zmq::Context::new();
    let dir = ScratchDir::new();
    let host = Monitor::new(&ctx, socket(&ctx, zmq::REQ));
    host.connect(&hvsock(&dir.join("vm.sock"), 5000)).unwrap();
    let events = host.until(CONNECT_RETRIED);
    assert!(!names(&events).contains(&CONNECTED));

    let vmm = FakeVmm::start(&dir.join("vm.sock"), Answer::Route);
    let guest = socket(&ctx, zmq::REP);
    guest.bind(&vmm.guest_endpoint(5000)).unwrap();
    host.until(CONNECTED);
    host.send("late", 0).unwrap();
    assert_eq!(guest.recv_string(0).unwrap().unwrap(), "late");
}

/// The time from an attempt's CONNECT_DELAYED to its CLOSED, for a VMM that never completes
/// its answer.
fn handshake_lifetime(answer: Answer, connect_timeout_ms: Option<i32>) -> Duration {
    let ctx = zmq::Context::new();
    let dir = ScratchDir::new();
    let vmm = FakeVmm::start(&dir.join("vm.sock"), answer);
    let host = socket(&ctx, zmq::REQ);
    if let Some(ms) = connect_timeout_ms {
        host.set_connect_timeout(ms).unwrap();
    }
    let host = Monitor::new(&ctx, host);
    host.connect(&hvsock(&dir.join("vm.sock"), 5000)).unwrap();
    let events = host.until(CONNECT_RETRIED);
    let delayed = events
        .iter()
        .find(|e| e.event == CONNECT_DELAYED)
        .expect("CONNECT_DELAYED");
    let closed = events.iter().find(|e| e.event == CLOSED).expect("CLOSED");
    assert!(!vmm.requests().is_empty());
    closed.at - delayed.at
}

#[test]
fn connect_timeout_bounds_a_vmm_that_never_answers() {
    for answer in [Answer::Silent, Answer::Reply(b"OK 12".to_vec())] {
        let lifetime = handshake_lifetime(answer.clone(), Some(300));
        assert!(
            lifetime >= Duration::from_millis(250) && lifetime < Duration::from_secs(3),
            "{answer:?}: the attempt lasted {lifetime:?} with ZMQ_CONNECT_TIMEOUT 300 ms"
        );
    }
}

/// Without ZMQ_CONNECT_TIMEOUT an attempt lasts hvsock_connecter_t's default, 5 s.
#[test]
fn the_default_handshake_timeout_is_5_seconds() {
    let lifetime = handshake_lifetime(Answer::Silent, None);
    assert!(
        lifetime >= Duration::from_millis(4900) && lifetime < Duration::from_secs(10),
        "the attempt lasted {lifetime:?}"
    );
}

/// Peer-Address: the VMM's unix socket carries no guest CID, so libzmq reports what it reports
/// for any unix socket (the same as over ipc:// between the same processes).
#[test]
fn peer_address_is_what_ipc_reports() {
    let ctx = zmq::Context::new();
    let l = link(&ctx, zmq::PAIR, zmq::PAIR);
    l.guest.send("from the guest", 0).unwrap();
    let mut over_hvsock = l.host.recv_msg(0).unwrap();

    let dir = ScratchDir::new();
    let (a, b) = (socket(&ctx, zmq::PAIR), socket(&ctx, zmq::PAIR));
    a.bind(&ipc(&dir.join("plain"))).unwrap();
    b.connect(&ipc(&dir.join("plain"))).unwrap();
    a.send("over ipc", 0).unwrap();
    let mut over_ipc = b.recv_msg(0).unwrap();

    let hvsock_peer = over_hvsock.gets("Peer-Address").map(str::to_owned);
    let ipc_peer = over_ipc.gets("Peer-Address").map(str::to_owned);
    eprintln!("Peer-Address: hvsock:// connect {hvsock_peer:?}, ipc:// connect {ipc_peer:?}");
    assert_eq!(hvsock_peer, ipc_peer);
}

#[test]
fn connect_and_disconnect_name_the_endpoint() {
    let ctx = zmq::Context::new();
    let l = link(&ctx, zmq::PAIR, zmq::PAIR);
    let endpoint = l.host.get_last_endpoint().unwrap().unwrap();
    assert!(
        endpoint.starts_with("hvsock://") && endpoint.ends_with("/vm.sock:5000"),
        "{endpoint}"
    );
    l.host.disconnect(&endpoint).unwrap();
    assert_eq!(l.host.disconnect(&endpoint), Err(zmq::Error::ENOENT));
}
