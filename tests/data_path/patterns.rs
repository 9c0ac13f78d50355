//! ZeroMQ's socket patterns over vsock:// and vmci:// on a real kernel vsock
//! (run with `cargo vm-test`), through rust-zmq: PAIR, REQ/REP, PUSH/PULL
//! with 100,000 numbered messages, PUB/SUB topic filtering, ROUTER/DEALER
//! with explicit routing ids, multipart messages, and message sizes from 0
//! bytes to 16 MiB with their contents checked.

use crate::common::*;
use std::collections::BTreeSet;
use std::time::{Duration, Instant};

per_scheme_tests!(
    pair_both_ways,
    req_rep_round_trips,
    push_pull_100k_numbered_messages,
    pub_sub_topic_filters,
    router_dealer_explicit_routing_ids,
    multipart_messages,
    empty_to_16_mib_messages,
);

/// A bound socket and a socket connected to it, on a wildcard port.
fn connected_pair(
    ctx: &zmq::Context,
    scheme: Scheme,
    bound: zmq::SocketType,
    connecting: zmq::SocketType,
) -> (zmq::Socket, zmq::Socket) {
    let b = socket(ctx, bound);
    let (_, port) = bind_any(&b, scheme);
    let c = socket(ctx, connecting);
    connect(&c, &scheme.local(port));
    (b, c)
}

fn pair_both_ways(scheme: Scheme) {
    let ctx = context();
    let (a, b) = connected_pair(&ctx, scheme, zmq::PAIR, zmq::PAIR);
    for i in 0..1000u32 {
        let from_a = format!("a->b {i}");
        let from_b = format!("b->a {i}");
        send(&a, from_a.as_bytes(), 0);
        send(&b, from_b.as_bytes(), 0);
        assert_eq!(recv(&b, &from_a), from_a.as_bytes());
        assert_eq!(recv(&a, &from_b), from_b.as_bytes());
    }
    assert_eq!(
        recv_within(&a, Duration::from_millis(50)),
        None,
        "extra message at a"
    );
    assert_eq!(
        recv_within(&b, Duration::from_millis(50)),
        None,
        "extra message at b"
    );
}

fn req_rep_round_trips(scheme: Scheme) {
    let ctx = context();
    let (rep, req) = connected_pair(&ctx, scheme, zmq::REP, zmq::REQ);
    for i in 0..500u32 {
        let request = format!("request {i}");
        send(&req, request.as_bytes(), 0);
        assert_eq!(recv(&rep, &request), request.as_bytes());
        // REQ/REP's lockstep: a second request before the reply is refused.
        if i == 0 {
            assert_eq!(req.send("too early", 0), Err(zmq::Error::EFSM));
        }
        let reply = format!("reply {i}");
        send(&rep, reply.as_bytes(), 0);
        assert_eq!(recv(&req, &reply), reply.as_bytes());
    }
}

fn push_pull_100k_numbered_messages(scheme: Scheme) {
    const COUNT: u64 = 100_000;
    let ctx = context();
    let (pull, push) = connected_pair(&ctx, scheme, zmq::PULL, zmq::PUSH);

    // The sender blocks whenever its high-water mark fills, so it gets its
    // own thread; it hands the socket back so that nothing it queued is
    // dropped (linger 0) before the receiver is done.
    let sender = std::thread::spawn(move || {
        for i in 0..COUNT {
            send(&push, &i.to_le_bytes(), 0);
        }
        push
    });

    for want in 0..COUNT {
        let m = recv(&pull, &format!("message {want} of {COUNT}"));
        assert_eq!(m.len(), 8, "message {want}: {} bytes", m.len());
        let got = u64::from_le_bytes(m.try_into().unwrap());
        assert_eq!(
            got, want,
            "message {want} of {COUNT} is number {got}: lost, reordered or duplicated"
        );
    }
    let push = sender.join().expect("sender thread");
    assert_eq!(
        recv_within(&pull, Duration::from_millis(200)),
        None,
        "a message after the last of {COUNT}"
    );
    drop(push);
}

/// One subscriber of the PUB/SUB test and what it subscribes to.
struct Subscriber {
    name: &'static str,
    prefixes: &'static [&'static str],
    socket: zmq::Socket,
    /// Prefixes whose "hello" came through (so the publisher has its
    /// subscription).
    joined: BTreeSet<&'static str>,
    ended: BTreeSet<&'static str>,
    data: Vec<String>,
}

impl Subscriber {
    fn matches(&self, message: &str) -> bool {
        self.prefixes.iter().any(|p| message.starts_with(p))
    }

    /// Takes one message: checks the filter, then files it as a hello, an end
    /// marker or data.
    fn take(&mut self, message: Vec<u8>) {
        let message = String::from_utf8(message).expect("UTF-8 message");
        assert!(
            self.matches(&message),
            "subscriber {} ({:?}) got '{message}', which none of its subscriptions matches",
            self.name,
            self.prefixes
        );
        if let Some(p) = self
            .prefixes
            .iter()
            .find(|p| message == format!("{p}hello"))
        {
            self.joined.insert(*p);
        } else if let Some(p) = self.prefixes.iter().find(|p| message == format!("{p}end")) {
            self.ended.insert(*p);
        } else if message.ends_with("hello") || message.ends_with("end") {
            // Another subscription's marker that one of ours also matches.
        } else {
            self.data.push(message);
        }
    }
}

fn pub_sub_topic_filters(scheme: Scheme) {
    let ctx = context();
    let publisher = socket(&ctx, zmq::PUB);
    // Unbounded queues: PUB drops at its high-water mark, and this test
    // checks that nothing is lost.
    publisher.set_sndhwm(0).unwrap();
    let (_, port) = bind_any(&publisher, scheme);

    let plan: [(&str, &[&str]); 4] = [
        ("weather+news", &["weather.", "news."]),
        ("sports", &["sports."]),
        ("rain only", &["weather.rain"]),
        ("everything", &[""]),
    ];
    let mut subscribers: Vec<Subscriber> = plan
        .iter()
        .map(|&(name, prefixes)| {
            let s = socket(&ctx, zmq::SUB);
            s.set_rcvhwm(0).unwrap();
            for p in prefixes {
                s.set_subscribe(p.as_bytes()).unwrap();
            }
            connect(&s, &scheme.local(port));
            Subscriber {
                name,
                prefixes,
                socket: s,
                joined: BTreeSet::new(),
                ended: BTreeSet::new(),
                data: Vec::new(),
            }
        })
        .collect();
    let all_prefixes: BTreeSet<&str> = plan.iter().flat_map(|(_, p)| p.iter().copied()).collect();

    // The slow joiner: a subscription reaches the publisher some time after
    // the connect, and PUB drops what nobody has subscribed to yet. Publish a
    // "hello" for every prefix until every subscriber has seen one for each
    // of its subscriptions.
    let deadline = Instant::now() + SETTLE;
    while subscribers
        .iter()
        .any(|s| s.joined.len() < s.prefixes.len())
    {
        assert!(
            Instant::now() < deadline,
            "subscriptions did not reach the publisher within {SETTLE:?}: {:?}",
            subscribers
                .iter()
                .map(|s| (s.name, &s.joined))
                .collect::<Vec<_>>()
        );
        for p in &all_prefixes {
            send(&publisher, format!("{p}hello").as_bytes(), 0);
        }
        for s in subscribers.iter_mut() {
            while let Some(m) = recv_within(&s.socket, Duration::from_millis(5)) {
                s.take(m);
            }
        }
    }

    // Every subscriber is in: publish on subscribed and unsubscribed topics,
    // then an end marker per prefix. One connection keeps its order, so a
    // subscriber that has its end markers has everything before them.
    let topics = [
        "weather.rain-",
        "weather.sun-",
        "sports.",
        "news.",
        "stocks.",
    ];
    let published: Vec<String> = (0..2000)
        .map(|i| format!("{}{i}", topics[i % topics.len()]))
        .collect();
    for m in &published {
        send(&publisher, m.as_bytes(), 0);
    }
    for p in &all_prefixes {
        send(&publisher, format!("{p}end").as_bytes(), 0);
    }

    for s in subscribers.iter_mut() {
        while s.ended.len() < s.prefixes.len() {
            let m = recv(
                &s.socket,
                &format!("the end markers of subscriber {}", s.name),
            );
            s.take(m);
        }
        let want: Vec<&String> = published.iter().filter(|m| s.matches(m)).collect();
        let got: Vec<&String> = s.data.iter().collect();
        assert_eq!(
            got.len(),
            want.len(),
            "subscriber {} ({:?}): message count",
            s.name,
            s.prefixes
        );
        assert_eq!(got, want, "subscriber {} ({:?})", s.name, s.prefixes);
    }
    // The filters did filter: counts per subscriber from the publication plan.
    let counts: Vec<usize> = subscribers.iter().map(|s| s.data.len()).collect();
    assert_eq!(
        counts,
        vec![1200, 400, 400, 2000],
        "{:?}",
        plan.map(|(n, _)| n)
    );
}

fn router_dealer_explicit_routing_ids(scheme: Scheme) {
    use zmq_sys::ZMQ_ROUTER_MANDATORY;
    let ctx = context();
    let mut router = socket(&ctx, zmq::ROUTER);
    set_int_option(&mut router, ZMQ_ROUTER_MANDATORY, 1).unwrap();
    let (_, port) = bind_any(&router, scheme);

    let ids: Vec<Vec<u8>> = vec![
        b"dealer-alpha".to_vec(),
        b"dealer-beta".to_vec(),
        b"dealer-gamma".to_vec(),
        vec![0xAB, 0x00, 0xCD, 0xFF],
        b"x".to_vec(),
    ];
    let dealers: Vec<zmq::Socket> = ids
        .iter()
        .map(|id| {
            let d = socket(&ctx, zmq::DEALER);
            d.set_identity(id).unwrap();
            connect(&d, &scheme.local(port));
            d
        })
        .collect();

    // Each dealer introduces itself; the router sees its routing id first.
    for (id, d) in ids.iter().zip(&dealers) {
        d.send_multipart([&b"hello from"[..], &id[..]], 0).unwrap();
    }
    let mut heard = BTreeSet::new();
    for _ in 0..ids.len() {
        let m = recv_multipart(&router, "a dealer's hello");
        assert_eq!(m.len(), 3, "{m:?}");
        assert_eq!(m[1], b"hello from");
        assert_eq!(
            m[0], m[2],
            "the routing id the router saw is not the dealer's own"
        );
        assert!(heard.insert(m[0].clone()), "two hellos from {:?}", m[0]);
    }
    assert_eq!(heard, ids.iter().cloned().collect::<BTreeSet<_>>());

    // Replies in reverse order, each addressed by routing id, reach exactly
    // the dealer they name.
    for id in ids.iter().rev() {
        router
            .send_multipart([&id[..], &b"reply to"[..], &id[..]], 0)
            .unwrap();
    }
    for (id, d) in ids.iter().zip(&dealers) {
        let m = recv_multipart(d, &format!("the reply to {id:?}"));
        assert_eq!(m, vec![b"reply to".to_vec(), id.clone()], "dealer {id:?}");
    }
    for (id, d) in ids.iter().zip(&dealers) {
        assert_eq!(
            recv_within(d, Duration::from_millis(20)),
            None,
            "dealer {id:?} got a reply meant for another"
        );
    }
    // An id nobody has is refused (ZMQ_ROUTER_MANDATORY), not delivered.
    assert_eq!(
        router.send_multipart([&b"dealer-nobody"[..], &b"lost"[..]], 0),
        Err(zmq::Error::EHOSTUNREACH)
    );
}

fn multipart_messages(scheme: Scheme) {
    let ctx = context();
    let (a, b) = connected_pair(&ctx, scheme, zmq::PAIR, zmq::PAIR);
    let messages: Vec<Vec<Vec<u8>>> = vec![
        vec![b"one".to_vec(), b"two".to_vec(), b"three".to_vec()],
        vec![Vec::new(), b"after an empty frame".to_vec(), Vec::new()],
        vec![pattern(300, 1), pattern(70_000, 2), b"tail".to_vec()],
        (0..100u32)
            .map(|i| format!("frame {i}").into_bytes())
            .collect(),
        vec![b"single".to_vec()],
    ];
    // Back to back, then read: frames of one message stay together and in
    // order, and messages do not merge.
    for m in &messages {
        a.send_multipart(m, 0).unwrap();
    }
    for (i, want) in messages.iter().enumerate() {
        let got = recv_multipart(&b, &format!("multipart message {i}"));
        assert_eq!(got.len(), want.len(), "message {i}: frame count");
        for (j, (g, w)) in got.iter().zip(want).enumerate() {
            assert_same_bytes(g, w, &format!("message {i} frame {j}"));
        }
    }
    // Frame by frame on the way back, with ZMQ_RCVMORE checked at each.
    let want = &messages[0];
    b.send_multipart(want, 0).unwrap();
    for (j, w) in want.iter().enumerate() {
        assert_eq!(&recv(&a, &format!("frame {j}")), w);
        assert_eq!(
            a.get_rcvmore().unwrap(),
            j + 1 < want.len(),
            "ZMQ_RCVMORE after frame {j}"
        );
    }
    assert_eq!(recv_within(&a, Duration::from_millis(50)), None);
    assert_eq!(recv_within(&b, Duration::from_millis(50)), None);
}

fn empty_to_16_mib_messages(scheme: Scheme) {
    let ctx = context();
    let (a, b) = connected_pair(&ctx, scheme, zmq::PAIR, zmq::PAIR);
    // Around ZMTP's short/long frame boundary (255/256), the kernel's 64 KiB
    // vsock packets, and up to 16 MiB.
    let sizes = [
        0usize,
        1,
        255,
        256,
        65_535,
        65_536,
        65_537,
        1 << 20,
        16 << 20,
    ];
    for (i, &size) in sizes.iter().enumerate() {
        let there = pattern(size, 2 * i as u64);
        let back = pattern(size, 2 * i as u64 + 1);
        send(&a, &there, 0);
        let got = recv(&b, &format!("a {size}-byte message"));
        assert_same_bytes(&got, &there, &format!("{size}-byte message a->b"));
        send(&b, &back, 0);
        let got = recv(&a, &format!("a {size}-byte message"));
        assert_same_bytes(&got, &back, &format!("{size}-byte message b->a"));
    }
    // Several empty messages in a row stay separate messages.
    for _ in 0..3 {
        send(&a, b"", 0);
    }
    for i in 0..3 {
        assert_eq!(recv(&b, &format!("empty message {i}")), b"");
        assert!(!b.get_rcvmore().unwrap());
    }
    assert_eq!(recv_within(&b, Duration::from_millis(50)), None);
}
