//! Socket monitor events over vsock:// and vmci:// on a real kernel vsock
//! (run with `cargo vm-test`), through rust-zmq: LISTENING, ACCEPTED,
//! CONNECTED, DISCONNECTED and CLOSED name `SCHEME://CID:PORT` endpoints
//! with the CID and port of the socket they are about, and the fd that
//! ACCEPTED and CONNECTED carry is that AF_VSOCK socket.

use crate::common::*;
use zmq::SocketEvent::{ACCEPTED, CLOSED, CONNECTED, DISCONNECTED, LISTENING};

per_scheme_tests!(
    listening_names_each_bind_form,
    accepted_connected_disconnected_name_the_connection,
    connect_to_at_sign_names_the_cid,
);

/// Port and CID of an AF_VSOCK socket's own (`peer` false) or peer address.
fn vsock_name(fd: u32, peer: bool) -> (u32, u32) {
    // SAFETY: getsockname/getpeername into a zeroed sockaddr_vm of the
    // length given.
    unsafe {
        let mut sa: libc::sockaddr_vm = std::mem::zeroed();
        let mut len = std::mem::size_of::<libc::sockaddr_vm>() as libc::socklen_t;
        let p = &mut sa as *mut libc::sockaddr_vm as *mut libc::sockaddr;
        let rc = if peer {
            libc::getpeername(fd as i32, p, &mut len)
        } else {
            libc::getsockname(fd as i32, p, &mut len)
        };
        assert_eq!(
            rc,
            0,
            "get{}name({fd}): {}",
            if peer { "peer" } else { "sock" },
            std::io::Error::last_os_error()
        );
        assert_eq!(
            sa.svm_family as i32,
            libc::AF_VSOCK,
            "fd {fd} is not an AF_VSOCK socket"
        );
        (sa.svm_cid, sa.svm_port)
    }
}

/// Parses an event's endpoint and checks its scheme.
fn printed(scheme: Scheme, e: &Event) -> Printed {
    let p = parse_printed(&e.endpoint)
        .unwrap_or_else(|why| panic!("{} event: {why}", event_name(e.event)));
    assert_eq!(
        p.scheme,
        scheme,
        "{} event: {}",
        event_name(e.event),
        e.endpoint
    );
    p
}

fn listening_names_each_bind_form(scheme: Scheme) {
    let ctx = context();
    let server = socket(&ctx, zmq::ROUTER);
    let mut monitor = Monitor::new(&ctx, &server, (LISTENING.to_raw() | CLOSED.to_raw()) as i32);

    // (bind address, CID the listener reports)
    let fixed = scheme.port(20300);
    let forms = [
        ("*:*".to_string(), Cid::Any),
        ("-1:-1".to_string(), Cid::Any),
        ("1:*".to_string(), Cid::Number(CID_LOCAL)),
        ("@:*".to_string(), Cid::Number(CID_LOCAL)),
        (format!("*:{fixed}"), Cid::Any),
    ];
    let mut bound = Vec::new();
    for (address, cid) in &forms {
        let endpoint = scheme.endpoint(address);
        bind(&server, &endpoint);
        let last = last_endpoint(&server);
        let e = monitor.expect(LISTENING);
        // LISTENING names what ZMQ_LAST_ENDPOINT prints.
        assert_eq!(e.endpoint, last, "bound {endpoint}");
        let p = printed(scheme, &e);
        assert_eq!(p.cid, *cid, "bound {endpoint}: {}", e.endpoint);
        if address.ends_with(&format!(":{fixed}")) {
            assert_eq!(p.port, fixed, "bound {endpoint}: {}", e.endpoint);
        }
        // The event's value is the listening fd, bound to that port.
        let (_, port) = vsock_name(e.value, false);
        assert_eq!(
            port, p.port,
            "bound {endpoint}: fd {} is on port {port}",
            e.value
        );
        bound.push(last);
    }
    let ports: std::collections::BTreeSet<u32> = bound
        .iter()
        .map(|b| parse_printed(b).unwrap().port)
        .collect();
    assert_eq!(
        ports.len(),
        forms.len(),
        "wildcard binds shared a port: {bound:?}"
    );

    // CLOSED names the endpoint that was unbound.
    for last in &bound {
        server
            .unbind(last)
            .unwrap_or_else(|e| panic!("unbind {last}: {e}"));
        assert_eq!(&monitor.expect(CLOSED).endpoint, last);
    }
}

fn accepted_connected_disconnected_name_the_connection(scheme: Scheme) {
    let ctx = context();
    let server = socket(&ctx, zmq::ROUTER);
    let mut server_monitor = Monitor::new(
        &ctx,
        &server,
        (LISTENING.to_raw() | ACCEPTED.to_raw() | DISCONNECTED.to_raw()) as i32,
    );
    let (_, port_any) = bind_any(&server, scheme);
    // A second listener, bound to CID 1 explicitly.
    bind(&server, &scheme.endpoint("1:*"));
    let port_one = parse_printed(&last_endpoint(&server)).unwrap().port;
    server_monitor.expect(LISTENING);
    server_monitor.expect(LISTENING);

    for (round, port) in [port_any, port_one].into_iter().enumerate() {
        let target = scheme.local(port);
        let client = socket(&ctx, zmq::DEALER);
        let mut client_monitor = Monitor::new(
            &ctx,
            &client,
            (CONNECTED.to_raw() | DISCONNECTED.to_raw()) as i32,
        );
        connect(&client, &target);
        // A round trip: both ends are up.
        send(&client, b"hello", 0);
        let m = recv_multipart(&server, "hello");
        assert_eq!(m[1], b"hello");
        server.send_multipart([&m[0][..], &b"hi"[..]], 0).unwrap();
        assert_eq!(recv(&client, "hi"), b"hi");

        // CONNECTED: the endpoint connected to; its fd's peer is that port.
        let connected = client_monitor.expect(CONNECTED);
        assert_eq!(connected.endpoint, target);
        let p = printed(scheme, &connected);
        assert_eq!(
            (p.cid, p.port),
            (Cid::Number(CID_LOCAL), port),
            "{}",
            connected.endpoint
        );
        assert_eq!(
            vsock_name(connected.value, true),
            (CID_LOCAL, port),
            "CONNECTED fd's peer"
        );

        // ACCEPTED: the accepted socket's own address, CID 1 and the
        // listener's port, and its fd is that socket.
        let accepted = server_monitor.expect(ACCEPTED);
        let a = printed(scheme, &accepted);
        assert_eq!(
            (a.cid, a.port),
            (Cid::Number(CID_LOCAL), port),
            "{}",
            accepted.endpoint
        );
        assert_eq!(
            vsock_name(accepted.value, false),
            (CID_LOCAL, port),
            "ACCEPTED fd"
        );
        // Its peer is the client's socket: CID 1 and the client's port (the
        // client's own name says CID "any": the kernel auto-binds it so).
        let (_, client_port) = vsock_name(connected.value, false);
        assert_eq!(
            vsock_name(accepted.value, true),
            (CID_LOCAL, client_port),
            "ACCEPTED fd's peer"
        );

        if round == 0 {
            // The client goes: the server's DISCONNECTED names the same
            // connection as its ACCEPTED.
            drop(client_monitor);
            drop(client);
            let gone = server_monitor.expect(DISCONNECTED);
            assert_eq!(gone.endpoint, accepted.endpoint);
        } else {
            // The server goes: the client's DISCONNECTED names what it
            // connected to.
            drop(server_monitor);
            drop(server);
            let gone = client_monitor.expect(DISCONNECTED);
            assert_eq!(gone.endpoint, target);
            printed(scheme, &gone);
            return;
        }
    }
    unreachable!();
}

fn connect_to_at_sign_names_the_cid(scheme: Scheme) {
    let ctx = context();
    let server = socket(&ctx, zmq::PAIR);
    let port = scheme.port(20310);
    bind(&server, &scheme.endpoint(&format!("@:{port}")));
    assert_eq!(last_endpoint(&server), scheme.local(port));

    let client = socket(&ctx, zmq::PAIR);
    let mut client_monitor = Monitor::new(&ctx, &client, CONNECTED.to_raw() as i32);
    connect(&client, &scheme.endpoint(&format!("@:{port}")));
    send(&client, b"x", 0);
    assert_eq!(recv(&server, "x"), b"x");
    // The event names the CID '@' stood for, in the printed grammar.
    let connected = client_monitor.expect(CONNECTED);
    let p = printed(scheme, &connected);
    assert_eq!(
        (p.cid, p.port),
        (Cid::Number(CID_LOCAL), port),
        "{}",
        connected.endpoint
    );
}

#[test]
fn printed_endpoints_parse_strictly() {
    let _turn = shared_turn();
    // The parser the assertions above rely on.
    assert_eq!(
        parse_printed("vsock://*:2009915729"),
        Ok(Printed {
            scheme: Scheme::Vsock,
            cid: Cid::Any,
            port: 2009915729
        })
    );
    assert_eq!(
        parse_printed("vmci://1:5555"),
        Ok(Printed {
            scheme: Scheme::Vmci,
            cid: Cid::Number(1),
            port: 5555
        })
    );
    for bad in [
        "tcp://1:2",
        "vsock://1",
        "vsock://:1",
        "vsock://1:",
        "vsock://1:*",
        "vsock://@:1",
        "vsock://1:4294967295",
        "vsock://-1:5",
        "vsock://1:2:3",
        "vsock://1:+2",
        "vsock://3abc:5",
    ] {
        assert!(parse_printed(bad).is_err(), "{bad}");
    }
}
