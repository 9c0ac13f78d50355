//! CURVE security over vsock:// and vmci:// on a real kernel vsock (the `curve` feature, which
//! builds libzmq with libsodium: main.rs declares this module only with it; run with
//! `cargo vm-test --features curve --test data_path -- curve::`): a CURVE server and client
//! exchange messages, the server's ZAP handler sees the client's key and CID, and a client with
//! the wrong server key, or a CID the handler refuses, never gets a message through.

use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::common::*;
use zmq::SocketEvent::{HANDSHAKE_FAILED_AUTH, HANDSHAKE_FAILED_PROTOCOL, HANDSHAKE_SUCCEEDED};
use zmq_vsock::zap::{CidPolicy, ZapHandler, ZapRequest};

per_scheme_tests!(
    curve_round_trip,
    curve_round_trip_checked_by_zap,
    wrong_server_key_is_never_delivered,
    curve_with_a_denied_cid_is_never_delivered,
);

/// How long a refused client keeps sending while the server must receive nothing.
const REFUSED_FOR: Duration = Duration::from_secs(2);

/// `ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC`: a CURVE box that does not open.
const PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC: u32 = 0x1100_0001;

#[test]
fn libzmq_has_curve() {
    let _turn = shared_turn();
    // Not a data-path test: the `curve` feature built libzmq with CURVE.
    assert_eq!(zmq::has("curve"), Some(true));
    let pair = zmq::CurveKeyPair::new().expect("zmq_curve_keypair");
    assert_ne!(pair.public_key, [0; 32]);
}

/// A CURVE server socket with this key pair, bound on a kernel-picked port.
fn curve_server(
    ctx: &zmq::Context,
    kind: zmq::SocketType,
    keys: &zmq::CurveKeyPair,
    scheme: Scheme,
) -> (zmq::Socket, u32) {
    let server = socket(ctx, kind);
    server.set_curve_server(true).unwrap();
    server.set_curve_secretkey(&keys.secret_key).unwrap();
    let (_, port) = bind_any(&server, scheme);
    (server, port)
}

/// A CURVE client socket with its own key pair, expecting `server_key`, connected to `port`.
fn curve_client(
    ctx: &zmq::Context,
    kind: zmq::SocketType,
    keys: &zmq::CurveKeyPair,
    server_key: &[u8; 32],
    scheme: Scheme,
    port: u32,
) -> zmq::Socket {
    let client = socket(ctx, kind);
    client.set_curve_serverkey(server_key).unwrap();
    client.set_curve_publickey(&keys.public_key).unwrap();
    client.set_curve_secretkey(&keys.secret_key).unwrap();
    connect(&client, &scheme.local(port));
    client
}

fn keys() -> zmq::CurveKeyPair {
    zmq::CurveKeyPair::new().expect("zmq_curve_keypair")
}

/// REQ/REP both ways, large and small messages, over CURVE.
fn curve_round_trip(scheme: Scheme) {
    let ctx = context();
    let (server_keys, client_keys) = (keys(), keys());
    let (server, port) = curve_server(&ctx, zmq::REP, &server_keys, scheme);
    let client = curve_client(
        &ctx,
        zmq::REQ,
        &client_keys,
        &server_keys.public_key,
        scheme,
        port,
    );
    assert_eq!(client.get_mechanism().unwrap(), zmq::Mechanism::ZMQ_CURVE);
    assert_eq!(server.get_mechanism().unwrap(), zmq::Mechanism::ZMQ_CURVE);

    for (round, len) in [0usize, 1, 100, 64 * 1024, 1024 * 1024]
        .into_iter()
        .enumerate()
    {
        let request = pattern(len, round as u64);
        send(&client, &request, 0);
        let mut got = server
            .recv_msg(0)
            .unwrap_or_else(|e| panic!("request {round}: {e}"));
        assert_same_bytes(&got, &request, "request");
        assert_eq!(
            got.gets("Peer-Address"),
            Some("1"),
            "Peer-Address over CURVE"
        );
        let reply = pattern(len, 100 + round as u64);
        send(&server, &reply, 0);
        assert_same_bytes(&recv(&client, "reply"), &reply, "reply");
    }
}

/// A CURVE server consults the context's ZAP handler (with or without a ZAP domain): the
/// request carries the CID as address and the client's public key.
fn curve_round_trip_checked_by_zap(scheme: Scheme) {
    let ctx = context();
    let (log, requests) = mpsc::channel::<ZapRequest>();
    let policy = CidPolicy::allow([CID_LOCAL]);
    let _zap = ZapHandler::with_authenticator(&ctx, move |request: &ZapRequest| {
        let _ = log.send(request.clone());
        policy.reply(request)
    })
    .unwrap();
    let (server_keys, client_keys) = (keys(), keys());
    let (server, port) = curve_server(&ctx, zmq::PULL, &server_keys, scheme);
    let client = curve_client(
        &ctx,
        zmq::PUSH,
        &client_keys,
        &server_keys.public_key,
        scheme,
        port,
    );
    send(&client, b"sealed", 0);
    let mut got = server.recv_msg(0).expect("the allowed client's message");
    assert_eq!(&got[..], b"sealed");
    assert_eq!(got.gets("User-Id"), Some("1"));

    let request = requests.recv_timeout(SETTLE).expect("a ZAP request");
    assert_eq!(request.mechanism, "CURVE");
    assert_eq!(request.address, "1");
    assert_eq!(request.curve_public_key(), Some(client_keys.public_key));
}

/// Keeps `client` sending for [`REFUSED_FOR`] while checking that `server` receives nothing.
/// A refused PUSH client may have nowhere to queue messages (EAGAIN): libzmq drops a
/// connection for good when the server answers ERROR, as it does for a ZAP refusal.
fn assert_nothing_delivered(server: &zmq::Socket, client: &zmq::Socket, monitor: &Monitor) {
    let deadline = Instant::now() + REFUSED_FOR;
    let mut attempt = 0u32;
    while Instant::now() < deadline {
        match client.send(format!("refused {attempt}").as_bytes(), zmq::DONTWAIT) {
            Ok(()) | Err(zmq::Error::EAGAIN) => {}
            Err(e) => panic!("send: {e}"),
        }
        attempt += 1;
        if let Some(m) = recv_within(server, Duration::from_millis(50)) {
            panic!(
                "a refused client's message was delivered: {:?}; monitor saw {}",
                String::from_utf8_lossy(&m),
                monitor.describe()
            );
        }
    }
}

fn wrong_server_key_is_never_delivered(scheme: Scheme) {
    let ctx = context();
    let (server_keys, client_keys, impostor) = (keys(), keys(), keys());
    let (server, port) = curve_server(&ctx, zmq::PULL, &server_keys, scheme);
    let mut monitor = Monitor::new(
        &ctx,
        &server,
        (HANDSHAKE_SUCCEEDED.to_raw() | HANDSHAKE_FAILED_PROTOCOL.to_raw()) as i32,
    );
    // The client expects another server's key: the server cannot open its HELLO.
    let client = curve_client(
        &ctx,
        zmq::PUSH,
        &client_keys,
        &impostor.public_key,
        scheme,
        port,
    );
    send(&client, b"first", 0);

    let failed = monitor.expect(HANDSHAKE_FAILED_PROTOCOL);
    assert_eq!(
        failed.value,
        PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC,
        "{}",
        monitor.describe()
    );
    assert_nothing_delivered(&server, &client, &monitor);
    while monitor.next(Duration::from_millis(10)).is_some() {}
    assert!(
        !monitor.seen.iter().any(|e| e.is(HANDSHAKE_SUCCEEDED)),
        "a client with the wrong server key completed a handshake: {}",
        monitor.describe()
    );
}

fn curve_with_a_denied_cid_is_never_delivered(scheme: Scheme) {
    let ctx = context();
    let _zap = ZapHandler::start(&ctx, CidPolicy::deny([CID_LOCAL])).unwrap();
    let (server_keys, client_keys) = (keys(), keys());
    let (server, port) = curve_server(&ctx, zmq::PULL, &server_keys, scheme);
    let mut monitor = Monitor::new(
        &ctx,
        &server,
        (HANDSHAKE_SUCCEEDED.to_raw() | HANDSHAKE_FAILED_AUTH.to_raw()) as i32,
    );
    let client = curve_client(
        &ctx,
        zmq::PUSH,
        &client_keys,
        &server_keys.public_key,
        scheme,
        port,
    );
    send(&client, b"first", 0);

    let refused = monitor.expect(HANDSHAKE_FAILED_AUTH);
    assert_eq!(refused.value, 400, "{}", monitor.describe());
    assert_nothing_delivered(&server, &client, &monitor);
    while monitor.next(Duration::from_millis(10)).is_some() {}
    assert!(
        !monitor.seen.iter().any(|e| e.is(HANDSHAKE_SUCCEEDED)),
        "a denied CID completed a CURVE handshake: {}",
        monitor.describe()
    );
}
