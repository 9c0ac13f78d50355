//! The `guests` topology: three guests with CIDs 3, 4 and 5 on virtio-vsock, served by one
//! vhost-device-vsock daemon, and this machine as their host through the daemon's unix sockets
//! (vm/guests). The same binary runs in every guest and natively as the host; each test plays
//! the part of the process it runs in ([`Bed::role`]) and returns at once where it has none.
//!
//! Run with `cargo vm-test --features bed --test topology_guests` (vm/run hands binaries of this
//! name to vm/guests). Every process runs its tests one at a time, in the same (name) order, and
//! each test starts at a barrier held by the host ([`bed::barrier`]), so the ends of a test run it
//! together, and a test that fails somewhere costs only itself. Each test ends with an
//! acknowledgement, so that no guest powers off while its peer still waits for data.

#[path = "../data_path/common.rs"]
#[allow(unused_macros)]
mod common;

#[path = "../bed/mod.rs"]
mod bed;
mod hvsock;

use std::collections::BTreeSet;
use std::sync::mpsc;
use std::time::Duration;

use bed::{exchanges, recv_done, recv_text, release_clients, socket, start, wait_for_release};
use common::{bind, connect, context, Monitor};
use zmq::SocketEvent::HANDSHAKE_FAILED_AUTH;
use zmq_vsock::zap::{CidPolicy, ZapHandler, ZapRequest};
use zmq_vsock_testkit::{Bed, Role};

/// Guest 3 serves, guests 4 and 5 are clients.
fn parts(bed: &Bed) -> (u32, u32, u32) {
    (bed.guest(0), bed.guest(1), bed.guest(2))
}

/// The man pages' examples between two guests: REP in guest 3 on every CID, REQ in guest 4
/// connecting to CID 3.
fn man_page_example(scheme: &str, port: u32) {
    let bed = start!();
    let (server, client, _) = parts(&bed);
    let ctx = context();
    if bed.is(server) {
        exchanges::answer_requests(&ctx, scheme, port, server, client);
    } else if bed.is(client) {
        exchanges::make_requests(&ctx, scheme, port, server, client);
    }
}

#[test]
fn zmq_vsock_7_example_guest_to_guest() {
    man_page_example("vsock", 5555);
}

#[test]
fn zmq_vmci_7_example_guest_to_guest() {
    man_page_example("vmci", 5556);
}

#[test]
fn every_socket_pattern_guest_to_guest() {
    let bed = start!();
    let (server, client, _) = parts(&bed);
    let ctx = context();
    if bed.is(server) {
        exchanges::serve_every_pattern(&ctx, server, client);
    } else if bed.is(client) {
        exchanges::dial_every_pattern(&ctx, server, client);
    }
}

#[test]
fn this_machine_is_the_guests_own_cid() {
    let bed = start!();
    let Role::Guest(cid) = bed.role else { return };
    bed::assert_local_cids(cid);
}

#[test]
fn peer_address_and_zap_address_are_the_senders_cid() {
    let bed = start!();
    let (server, a, b) = parts(&bed);
    let ctx = context();
    if bed.is(server) {
        let (log, requests) = mpsc::channel::<ZapRequest>();
        let _zap = ZapHandler::with_authenticator(&ctx, move |request: &ZapRequest| {
            let _ = log.send(request.clone());
            CidPolicy::allow([a, b]).reply(request)
        })
        .unwrap();
        let pull = socket(&ctx, zmq::PULL);
        pull.set_zap_domain("bed").unwrap();
        bind(&pull, "vsock://*:5800");
        let mut senders = BTreeSet::new();
        for _ in 0..2 {
            let mut message = pull.recv_msg(0).expect("a guest's message");
            let text = message.as_str().unwrap().to_owned();
            let peer = message.gets("Peer-Address").expect("Peer-Address").to_owned();
            assert_eq!(text, format!("from {peer}"), "Peer-Address is the sender's CID");
            senders.insert(peer);
        }
        assert_eq!(senders, BTreeSet::from([a.to_string(), b.to_string()]));
        let addresses: BTreeSet<u32> = requests.try_iter().filter_map(|r| r.cid()).collect();
        assert_eq!(addresses, BTreeSet::from([a, b]), "ZAP addresses");
        release_clients(&ctx, "vsock://*:5801", 2, "ok");
    } else if bed.is(a) || bed.is(b) {
        let Role::Guest(me) = bed.role else { unreachable!() };
        let push = socket(&ctx, zmq::PUSH);
        connect(&push, &format!("vsock://{server}:5800"));
        push.send(format!("from {me}").as_str(), 0).unwrap();
        wait_for_release(&ctx, &format!("vsock://{server}:5801"), "ok");
    }
}

/// Guest 3 serves under `policy`, which admits guest 4 and refuses guest 5; both send `COUNT`
/// messages. Every message of 4 arrives, none of 5, and both ends see the refusal.
fn admits_4_refuses_5(policy: fn(u32, u32) -> CidPolicy, port: u32) {
    let bed = start!();
    let (server, admitted, refused) = parts(&bed);
    const COUNT: usize = 100;
    let ctx = context();
    if bed.is(server) {
        let _zap = ZapHandler::start(&ctx, policy(admitted, refused)).unwrap();
        let pull = socket(&ctx, zmq::PULL);
        pull.set_zap_domain("bed").unwrap();
        let mut monitor = Monitor::new(&ctx, &pull, HANDSHAKE_FAILED_AUTH.to_raw() as i32);
        bind(&pull, &format!("vsock://*:{port}"));
        for i in 0..COUNT {
            let mut message = pull.recv_msg(0).expect("the admitted guest's message");
            assert_eq!(message.gets("Peer-Address"), Some(admitted.to_string().as_str()));
            assert_eq!(message.as_str(), Some(format!("{i} from {admitted}").as_str()));
        }
        let event = monitor.expect(HANDSHAKE_FAILED_AUTH);
        assert_eq!(event.value, 400, "{}", monitor.describe());
        assert_eq!(common::recv_within(&pull, Duration::from_secs(2)), None, "a refused guest's message arrived");
        release_clients(&ctx, &format!("vsock://*:{}", port + 1), 2, "done");
    } else if bed.is(admitted) || bed.is(refused) {
        let Role::Guest(me) = bed.role else { unreachable!() };
        let push = socket(&ctx, zmq::PUSH);
        let mut monitor = Monitor::new(&ctx, &push, HANDSHAKE_FAILED_AUTH.to_raw() as i32);
        connect(&push, &format!("vsock://{server}:{port}"));
        for i in 0..COUNT {
            push.send(format!("{i} from {me}").as_str(), 0).unwrap();
        }
        if me == refused {
            let event = monitor.expect(HANDSHAKE_FAILED_AUTH);
            assert_eq!(event.value, 400, "{}", monitor.describe());
        }
        wait_for_release(&ctx, &format!("vsock://{server}:{}", port + 1), "done");
    }
}

#[test]
fn allow_list_admits_4_and_refuses_5() {
    admits_4_refuses_5(|admitted, _| CidPolicy::allow([admitted]), 5900);
}

#[test]
fn deny_list_admits_4_and_refuses_5() {
    admits_4_refuses_5(|_, refused| CidPolicy::deny([refused]), 6000);
}

/// Guests reach the host at VMADDR_CID_HOST; the hybrid vsock host end is the unix socket
/// `u<cid>_<port>`, which a plain `ipc://` bind on the host serves.
#[test]
fn guests_reach_the_host_through_its_unix_sockets() {
    let bed = start!();
    let (g3, g4, _) = parts(&bed);
    const PORT: u32 = 7000;
    let ctx = context();
    match bed.role {
        Role::Host => {
            let servers: Vec<(u32, zmq::Socket)> = [g3, g4]
                .into_iter()
                .map(|cid| {
                    let rep = socket(&ctx, zmq::REP);
                    bind(&rep, &format!("ipc://{}", bed.host_socket(cid, PORT).display()));
                    (cid, rep)
                })
                .collect();
            for (cid, rep) in &servers {
                // The guests get here after their earlier tests.
                assert_eq!(recv_done(rep, "guest's request"), format!("ping from {cid}"));
                rep.send(format!("pong to {cid}").as_str(), 0).unwrap();
            }
        }
        Role::Guest(me) if me == g3 || me == g4 => {
            let req = socket(&ctx, zmq::REQ);
            connect(&req, &format!("vsock://{}:{PORT}", zmq_vsock::VMADDR_CID_HOST));
            req.send(format!("ping from {me}").as_str(), 0).unwrap();
            assert_eq!(recv_text(&req, "host's reply"), format!("pong to {me}"));
        }
        Role::Guest(_) => {}
    }
}

