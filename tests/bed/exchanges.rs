//! The exchanges both beds run between a server and a client of their own choosing: the man
//! pages' REQ/REP example and every socket pattern. The server binds on every CID; the client
//! dials the server's CID. Each end is named by its CID (VMADDR_CID_HOST for a host).

use crate::bed::{recv_text, socket};
use crate::common::{bind, connect};

const EXCHANGES: usize = 3;

/// The man pages' example, the server's end: a REP on `scheme://*:port` answers the client's
/// requests, each from the client's CID by its Peer-Address.
pub fn answer_requests(ctx: &zmq::Context, scheme: &str, port: u32, server: u32, client: u32) {
    let rep = socket(ctx, zmq::REP);
    bind(&rep, &format!("{scheme}://*:{port}"));
    for i in 0..EXCHANGES {
        let mut request = rep.recv_msg(0).expect("the client's request");
        assert_eq!(request.gets("Peer-Address"), Some(client.to_string().as_str()), "Peer-Address");
        assert_eq!(request.as_str(), Some(format!("hello {i} from {client}").as_str()));
        rep.send(format!("world {i} from {server}").as_str(), 0).unwrap();
    }
}

/// The man pages' example, the client's end: a REQ to `scheme://server:port`.
pub fn make_requests(ctx: &zmq::Context, scheme: &str, port: u32, server: u32, client: u32) {
    let req = socket(ctx, zmq::REQ);
    connect(&req, &format!("{scheme}://{server}:{port}"));
    for i in 0..EXCHANGES {
        req.send(format!("hello {i} from {client}").as_str(), 0).unwrap();
        assert_eq!(recv_text(&req, "reply"), format!("world {i} from {server}"));
    }
}

/// (the server's type, the client's type, port); PUB/SUB on 5605, its confirmation on 5606.
const PAIRS: [(zmq::SocketType, zmq::SocketType, u32); 4] = [
    (zmq::REP, zmq::REQ, 5601),
    (zmq::ROUTER, zmq::DEALER, 5602),
    (zmq::PAIR, zmq::PAIR, 5603),
    (zmq::PULL, zmq::PUSH, 5604),
];

/// Every pattern, the server's end: one message from the client on each pair (answered where
/// the pattern answers), then a publication until the subscriber confirms, over PUSH/PULL,
/// that one arrived.
pub fn serve_every_pattern(ctx: &zmq::Context, server: u32, client: u32) {
    for (kind, _, port) in PAIRS {
        let s = socket(ctx, kind);
        bind(&s, &format!("vsock://*:{port}"));
        let frames = s.recv_multipart(0).unwrap_or_else(|e| panic!("{kind:?}: {e}"));
        assert_eq!(frames.last().unwrap(), format!("to {kind:?} from {client}").as_bytes());
        match kind {
            zmq::REP | zmq::PAIR => s.send("ack", 0).unwrap(),
            // The routing ID frame first.
            zmq::ROUTER => s.send_multipart([frames[0].clone(), b"ack".to_vec()], 0).unwrap(),
            _ => {}
        }
    }
    let publisher = socket(ctx, zmq::PUB);
    bind(&publisher, "vsock://*:5605");
    let confirm = socket(ctx, zmq::PULL);
    bind(&confirm, "vsock://*:5606");
    loop {
        publisher.send(format!("topic: published by {server}").as_str(), 0).unwrap();
        if confirm.poll(zmq::POLLIN, 50).unwrap() > 0 {
            assert_eq!(recv_text(&confirm, "subscriber's confirmation"), "got it");
            break;
        }
    }
}

/// Every pattern, the client's end (see [`serve_every_pattern`]).
pub fn dial_every_pattern(ctx: &zmq::Context, server: u32, client: u32) {
    for (server_kind, kind, port) in PAIRS {
        let s = socket(ctx, kind);
        connect(&s, &format!("vsock://{server}:{port}"));
        s.send(format!("to {server_kind:?} from {client}").as_str(), 0).unwrap();
        if kind != zmq::PUSH {
            assert_eq!(recv_text(&s, "ack"), "ack", "{kind:?}");
        }
    }
    let subscriber = socket(ctx, zmq::SUB);
    subscriber.set_subscribe(b"topic:").unwrap();
    connect(&subscriber, &format!("vsock://{server}:5605"));
    assert_eq!(recv_text(&subscriber, "publication"), format!("topic: published by {server}"));
    let confirm = socket(ctx, zmq::PUSH);
    connect(&confirm, &format!("vsock://{server}:5606"));
    // Delivered after the socket closes too: the bed's sockets linger.
    confirm.send("got it", 0).unwrap();
}
