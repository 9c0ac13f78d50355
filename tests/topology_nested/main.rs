//! The `nested` topology, the way QEMU/libvirt and crosvm hosts deploy: a host whose kernel
//! serves AF_VSOCK to its guest (vhost_vsock, CID 2) and a guest on a vhost-vsock-pci device
//! (CID 3). The host is an L1 VM and the guest an L2 VM inside it (vm/nested), so nothing here
//! reaches this machine's /dev/vsock. The same binary runs in both; each test plays the part of
//! the process it runs in ([`Bed::role`]).
//!
//! Run with `cargo vm-test --features bed --test topology_nested` (vm/run hands binaries of this
//! name to vm/nested). Both processes run their tests one at a time in name order, each test
//! starting at the host's barrier ([`bed::barrier`]), and each ends with an acknowledgement, so
//! that no VM powers off while its peer still waits for data.

#[path = "../data_path/common.rs"]
#[allow(unused_macros, dead_code)]
mod common;

#[path = "../bed/mod.rs"]
#[allow(dead_code)]
mod bed;

mod faults;

use std::sync::mpsc;
use std::time::Duration;

use bed::numbered::{receive_all, send_all};
use bed::{recv_text, release_clients, socket, start, wait_for_release};
use common::{bind, connect, context, Monitor};
use zmq::SocketEvent::HANDSHAKE_FAILED_AUTH;
use zmq_vsock::zap::{CidPolicy, ZapHandler, ZapRequest};
use zmq_vsock::VMADDR_CID_HOST;
use zmq_vsock_testkit::{Bed, Role};

/// The L2 guest's CID.
fn guest(bed: &Bed) -> u32 {
    bed.guest(0)
}

/// The man pages' examples, guest to host: REP on the host on every CID, REQ in the guest
/// connecting to VMADDR_CID_HOST.
fn man_page_example(scheme: &str, port: u32) {
    let bed = start!();
    let g = guest(&bed);
    let ctx = context();
    const EXCHANGES: usize = 3;
    match bed.role {
        Role::Host => {
            let rep = socket(&ctx, zmq::REP);
            bind(&rep, &format!("{scheme}://*:{port}"));
            for i in 0..EXCHANGES {
                let mut request = rep.recv_msg(0).expect("the guest's request");
                assert_eq!(request.gets("Peer-Address"), Some(g.to_string().as_str()), "Peer-Address");
                assert_eq!(request.as_str(), Some(format!("hello {i} from {g}").as_str()));
                rep.send(format!("world {i} from the host").as_str(), 0).unwrap();
            }
        }
        Role::Guest(_) => {
            let req = socket(&ctx, zmq::REQ);
            connect(&req, &format!("{scheme}://{VMADDR_CID_HOST}:{port}"));
            for i in 0..EXCHANGES {
                req.send(format!("hello {i} from {g}").as_str(), 0).unwrap();
                assert_eq!(recv_text(&req, "the host's reply"), format!("world {i} from the host"));
            }
        }
    }
}

#[test]
fn zmq_vsock_7_example_guest_to_host() {
    man_page_example("vsock", 5555);
}

#[test]
fn zmq_vmci_7_example_guest_to_host() {
    man_page_example("vmci", 5556);
}

/// Every pattern with the guest serving and the host connecting to the guest's CID (the host's
/// agent dialing into its VM), and PUB/SUB the other way.
#[test]
fn every_socket_pattern_host_to_guest() {
    let bed = start!();
    let g = guest(&bed);
    let ctx = context();
    // (the guest's type, the host's type, port)
    let pairs = [
        (zmq::REP, zmq::REQ, 5601),
        (zmq::ROUTER, zmq::DEALER, 5602),
        (zmq::PAIR, zmq::PAIR, 5603),
        (zmq::PULL, zmq::PUSH, 5604),
    ];
    match bed.role {
        Role::Guest(_) => {
            for (kind, _, port) in pairs {
                let s = socket(&ctx, kind);
                bind(&s, &format!("vsock://*:{port}"));
                let frames = s.recv_multipart(0).unwrap_or_else(|e| panic!("{kind:?}: {e}"));
                assert_eq!(frames.last().unwrap(), format!("to {kind:?} in {g}").as_bytes());
                match kind {
                    zmq::REP | zmq::PAIR => s.send("ack", 0).unwrap(),
                    zmq::ROUTER => s.send_multipart([frames[0].clone(), b"ack".to_vec()], 0).unwrap(),
                    _ => {}
                }
            }
            let subscriber = socket(&ctx, zmq::SUB);
            subscriber.set_subscribe(b"topic:").unwrap();
            connect(&subscriber, &format!("vsock://{VMADDR_CID_HOST}:5605"));
            assert_eq!(recv_text(&subscriber, "publication"), "topic: from the host");
            wait_for_release(&ctx, &format!("vsock://{VMADDR_CID_HOST}:5606"), "stop");
        }
        Role::Host => {
            for (guest_kind, kind, port) in pairs {
                let s = socket(&ctx, kind);
                connect(&s, &format!("vsock://{g}:{port}"));
                s.send(format!("to {guest_kind:?} in {g}").as_str(), 0).unwrap();
                if kind != zmq::PUSH {
                    assert_eq!(recv_text(&s, "ack"), "ack", "{kind:?}");
                }
            }
            // Publish until the subscriber, having one, asks to be released.
            let publisher = socket(&ctx, zmq::PUB);
            bind(&publisher, "vsock://*:5605");
            let done = socket(&ctx, zmq::ROUTER);
            bind(&done, "vsock://*:5606");
            loop {
                publisher.send("topic: from the host", 0).unwrap();
                if done.poll(zmq::POLLIN, 50).unwrap() > 0 {
                    let frames = done.recv_multipart(0).unwrap();
                    done.send_multipart([frames[0].clone(), b"stop".to_vec()], 0).unwrap();
                    break;
                }
            }
        }
    }
}

#[test]
fn local_cids_are_2_on_the_host_and_the_guests_own() {
    let bed = start!();
    let cid = match bed.role {
        Role::Host => VMADDR_CID_HOST,
        Role::Guest(cid) => cid,
    };
    assert_eq!(zmq_vsock::local_cid().unwrap(), cid, "local_cid()");
    assert_eq!(zmq_vsock::vmci_local_cid().unwrap(), cid, "vmci_local_cid()");
    // `@` on vmci:// is this machine's real CID.
    let ctx = context();
    let s = socket(&ctx, zmq::PULL);
    bind(&s, "vmci://@:*");
    let bound = common::last_endpoint(&s);
    assert!(bound.starts_with(&format!("vmci://{cid}:")), "{bound}");
}

/// 100,000 numbered messages each way, one direction after the other: none lost, reordered
/// or duplicated; both receivers print their throughput.
#[test]
fn numbered_messages_both_ways() {
    let bed = start!();
    let g = guest(&bed);
    match bed.role {
        Role::Host => {
            receive_all(6101, &format!("L2 guest {g} -> L1 host over vsock"));
            send_all(g, 6201);
        }
        Role::Guest(me) => {
            send_all(VMADDR_CID_HOST, 6101);
            receive_all(6201, &format!("L1 host -> L2 guest {me} over vsock"));
        }
    }
}

/// The host admits or refuses the guest by its CID under `policy`; the ZAP request carries
/// the guest's CID, and a refusal is seen on both ends, with nothing delivered.
fn zap_by_the_guests_cid(policy: fn(u32) -> CidPolicy, admitted: bool, port: u32) {
    let bed = start!();
    let g = guest(&bed);
    const COUNT: usize = 100;
    let ctx = context();
    match bed.role {
        Role::Host => {
            let (log, requests) = mpsc::channel::<ZapRequest>();
            let verdict = policy(g);
            let _zap = ZapHandler::with_authenticator(&ctx, move |request: &ZapRequest| {
                let _ = log.send(request.clone());
                verdict.reply(request)
            })
            .unwrap();
            let pull = socket(&ctx, zmq::PULL);
            pull.set_zap_domain("bed").unwrap();
            let mut monitor = Monitor::new(&ctx, &pull, HANDSHAKE_FAILED_AUTH.to_raw() as i32);
            bind(&pull, &format!("vsock://*:{port}"));
            if admitted {
                for i in 0..COUNT {
                    let mut message = pull.recv_msg(0).expect("the admitted guest's message");
                    assert_eq!(message.gets("Peer-Address"), Some(g.to_string().as_str()));
                    assert_eq!(message.as_str(), Some(format!("{i} from {g}").as_str()));
                }
            } else {
                let event = monitor.expect(HANDSHAKE_FAILED_AUTH);
                assert_eq!(event.value, 400, "{}", monitor.describe());
                assert_eq!(common::recv_within(&pull, Duration::from_secs(2)), None, "a refused guest's message arrived");
            }
            let cid = requests.recv_timeout(Duration::from_secs(10)).expect("a ZAP request").cid();
            assert_eq!(cid, Some(g), "the ZAP request's address");
            release_clients(&ctx, &format!("vsock://*:{}", port + 1), 1, "done");
        }
        Role::Guest(me) => {
            let push = socket(&ctx, zmq::PUSH);
            let mut monitor = Monitor::new(&ctx, &push, HANDSHAKE_FAILED_AUTH.to_raw() as i32);
            connect(&push, &format!("vsock://{VMADDR_CID_HOST}:{port}"));
            for i in 0..COUNT {
                push.send(format!("{i} from {me}").as_str(), 0).unwrap();
            }
            if !admitted {
                let event = monitor.expect(HANDSHAKE_FAILED_AUTH);
                assert_eq!(event.value, 400, "{}", monitor.describe());
            }
            wait_for_release(&ctx, &format!("vsock://{VMADDR_CID_HOST}:{}", port + 1), "done");
        }
    }
}

#[test]
fn zap_allow_list_admits_the_guest() {
    zap_by_the_guests_cid(|g| CidPolicy::allow([g]), true, 6300);
}

#[test]
fn zap_deny_list_refuses_the_guest() {
    zap_by_the_guests_cid(|g| CidPolicy::deny([g]), false, 6400);
}
