//! The endpoint forms of the zmq_vsock(7) / zmq_vmci(7) man pages, on a real
//! kernel vsock (run with `cargo vm-test`), through rust-zmq: binding
//! `*:5555` and connecting `1:5555`, binding and connecting an explicit CID,
//! `@` (this machine), and a wildcard port read back from ZMQ_LAST_ENDPOINT,
//! unbound by that string and bound again.

use crate::common::*;
use std::sync::Mutex;

per_scheme_tests!(
    bind_any_cid_port_5555_connect_cid_1,
    bind_and_connect_cid_1,
    bind_and_connect_at_sign,
    wildcard_port_unbind_and_bind_again,
);

/// Port 5555 is the man pages' port for both schemes, and vsock:// and
/// vmci:// share AF_VSOCK's port space: the two tests take turns.
static PORT_5555: Mutex<()> = Mutex::new(());

/// One REQ/REP round trip whose contents name `tag`.
fn round_trip(req: &zmq::Socket, rep: &zmq::Socket, tag: &str) {
    let request = format!("request {tag}");
    let reply = format!("reply {tag}");
    send(req, request.as_bytes(), 0);
    assert_eq!(recv(rep, &request), request.as_bytes());
    send(rep, reply.as_bytes(), 0);
    assert_eq!(recv(req, &reply), reply.as_bytes());
}

fn bind_any_cid_port_5555_connect_cid_1(scheme: Scheme) {
    let _turn = PORT_5555
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let ctx = context();
    let rep = socket(&ctx, zmq::REP);
    let bound = scheme.endpoint("*:5555");
    // The other scheme's test may have just closed its listener on 5555.
    bind_retry(&rep, &bound);
    assert_eq!(last_endpoint(&rep), bound);

    let req = socket(&ctx, zmq::REQ);
    connect(&req, &scheme.endpoint("1:5555"));
    for i in 0..3 {
        round_trip(&req, &rep, &format!("{i} over {bound}"));
    }
}

fn bind_and_connect_cid_1(scheme: Scheme) {
    let port = scheme.port(20100);
    let endpoint = scheme.local(port);
    let ctx = context();
    let rep = socket(&ctx, zmq::REP);
    bind(&rep, &endpoint);
    assert_eq!(last_endpoint(&rep), endpoint);

    let req = socket(&ctx, zmq::REQ);
    connect(&req, &endpoint);
    for i in 0..3 {
        round_trip(&req, &rep, &format!("{i} over {endpoint}"));
    }
}

fn bind_and_connect_at_sign(scheme: Scheme) {
    // '@' is VMADDR_CID_LOCAL for vsock and the local CID for vmci; inside
    // the test VM both are 1.
    let at_cid = match scheme {
        Scheme::Vsock => CID_LOCAL,
        Scheme::Vmci => unsafe { zmq_sys::VMCISock_GetLocalCID() },
    };
    assert_eq!(
        at_cid, CID_LOCAL,
        "{scheme:?}: '@' should be CID 1 in the test VM"
    );

    let port = scheme.port(20110);
    let at = scheme.endpoint(&format!("@:{port}"));
    let ctx = context();
    let rep = socket(&ctx, zmq::REP);
    bind(&rep, &at);
    // ZMQ_LAST_ENDPOINT prints the CID '@' stood for.
    let printed = last_endpoint(&rep);
    assert_eq!(printed, scheme.local(port), "bound {at}");

    let req = socket(&ctx, zmq::REQ);
    connect(&req, &at);
    round_trip(&req, &rep, &format!("connected to {at}"));

    // The printed form reaches the same listener.
    let req2 = socket(&ctx, zmq::REQ);
    connect(&req2, &printed);
    round_trip(&req2, &rep, &format!("connected to {printed}"));
    round_trip(&req, &rep, &format!("connected to {at}, again"));
}

fn wildcard_port_unbind_and_bind_again(scheme: Scheme) {
    use zmq::SocketEvent::{CLOSED, CONNECTED, CONNECT_RETRIED, LISTENING};
    let ctx = context();
    let rep = socket(&ctx, zmq::REP);
    let mut rep_monitor = Monitor::new(&ctx, &rep, (LISTENING.to_raw() | CLOSED.to_raw()) as i32);
    let (last, port) = bind_any(&rep, scheme);
    assert_eq!(last, scheme.endpoint(&format!("*:{port}")));
    assert_eq!(rep_monitor.expect(LISTENING).endpoint, last);

    let target = scheme.local(port);
    let req = socket(&ctx, zmq::REQ);
    connect(&req, &target);
    round_trip(&req, &rep, &format!("to port {port}"));

    // The ZMQ_LAST_ENDPOINT string unbinds it: the listener closes.
    rep.unbind(&last)
        .unwrap_or_else(|e| panic!("unbind {last}: {e}"));
    assert_eq!(rep_monitor.expect(CLOSED).endpoint, last);
    assert_eq!(
        rep.unbind(&last),
        Err(zmq::Error::ENOENT),
        "second unbind of {last}"
    );

    // Nothing listens on the port now: a new client is refused and retries.
    let late = socket(&ctx, zmq::REQ);
    let mut late_monitor = Monitor::new(
        &ctx,
        &late,
        (CONNECTED.to_raw() | CONNECT_RETRIED.to_raw()) as i32,
    );
    connect(&late, &target);
    let retried = late_monitor.expect(CONNECT_RETRIED);
    assert_eq!(retried.endpoint, target);
    assert!(
        !late_monitor.seen.iter().any(|e| e.is(CONNECTED)),
        "connected to an unbound port: {}",
        late_monitor.describe()
    );
    // Its request waits in the queue.
    send(&late, b"request from the late client", 0);

    // Bind the same endpoint again, at once: zmq_unbind returned once the
    // listener was closed and gone (tests/unbind_rebind.rs).
    bind(&rep, &last);
    assert_eq!(last_endpoint(&rep), last);
    assert_eq!(rep_monitor.expect(LISTENING).endpoint, last);

    // The late client's retries reach the new listener and its queued request
    // is delivered.
    assert_eq!(late_monitor.expect(CONNECTED).endpoint, target);
    assert_eq!(
        recv(&rep, "the late client's request"),
        b"request from the late client"
    );
    send(&rep, b"reply to the late client", 0);
    assert_eq!(
        recv(&late, "the reply to the late client"),
        b"reply to the late client"
    );
    round_trip(&late, &rep, &format!("to port {port} after the rebind"));

    // As with tcp://, unbinding closed the listener only: the first client's
    // connection was accepted before and still carries traffic.
    round_trip(
        &req,
        &rep,
        &format!("to port {port} on the first connection"),
    );
}
