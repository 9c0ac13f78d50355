//! Bulk tests' numbered messages: [`COUNT`] messages of [`SIZE`] bytes, each carrying its
//! number, so that the receiver sees any loss, reordering or duplicate.

use std::time::{Duration, Instant};

use crate::bed::{recv_text, socket};
use crate::common::{self, bind, connect, context};

/// How many numbered messages the bulk tests send, and their size.
pub const COUNT: u64 = 100_000;
pub const SIZE: usize = 64;

/// Sends [`COUNT`] numbered messages (the number, little-endian, padded to [`SIZE`] bytes).
pub fn send_numbered(s: &zmq::Socket) {
    let mut message = [0u8; SIZE];
    for n in 0..COUNT {
        message[..8].copy_from_slice(&n.to_le_bytes());
        s.send(&message[..], 0).unwrap_or_else(|e| panic!("send of message {n}: {e}"));
    }
}

/// Receives [`COUNT`] numbered messages and checks that none is lost, reordered or duplicated;
/// returns the rate from the first to the last, in bytes per second.
pub fn receive_numbered(s: &zmq::Socket, what: &str) -> f64 {
    let mut first = None;
    for n in 0..COUNT {
        let message = s.recv_bytes(0).unwrap_or_else(|e| panic!("{what}: message {n} of {COUNT}: {e}"));
        first.get_or_insert_with(Instant::now);
        assert_eq!(message.len(), SIZE, "{what}: message {n}");
        let got = u64::from_le_bytes(message[..8].try_into().unwrap());
        assert_eq!(got, n, "{what}: message {n} of {COUNT} is number {got}");
    }
    assert_eq!(common::recv_within(s, Duration::from_millis(200)), None, "{what}: a message after the last");
    let elapsed = first.expect("messages arrived").elapsed().as_secs_f64();
    (COUNT - 1) as f64 * SIZE as f64 / elapsed
}

/// The receiving end of a bulk test: a PULL on `port`, and a REP on `port + 1` that tells
/// the sender, once every message is in, that it may close; prints the throughput of `what`.
pub fn receive_all(port: u32, what: &str) {
    let ctx = context();
    let pull = socket(&ctx, zmq::PULL);
    bind(&pull, &format!("vsock://*:{port}"));
    let answer = socket(&ctx, zmq::REP);
    bind(&answer, &format!("vsock://*:{}", port + 1));
    let rate = receive_numbered(&pull, what);
    eprintln!("throughput: {what}: {}", mb_per_s(rate));
    assert_eq!(recv_text(&answer, "the sender's question"), "all?");
    answer.send("all", 0).unwrap();
}

/// The sending end of a bulk test: pushes to `cid` at `port`, then asks at `port + 1`
/// whether everything arrived, keeping its socket (and what it still queues) open until then.
pub fn send_all(cid: u32, port: u32) {
    let ctx = context();
    let push = socket(&ctx, zmq::PUSH);
    connect(&push, &format!("vsock://{cid}:{port}"));
    let ask = socket(&ctx, zmq::REQ);
    connect(&ask, &format!("vsock://{cid}:{}", port + 1));
    send_numbered(&push);
    ask.send("all?", 0).unwrap();
    assert_eq!(recv_text(&ask, "the receiver's count"), "all");
}

pub fn mb_per_s(bytes_per_s: f64) -> String {
    format!("{COUNT} messages of {SIZE} B, {:.2} MB/s", bytes_per_s / 1e6)
}

