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
#[allow(unused_macros)]
mod common;

#[path = "../bed/mod.rs"]
mod bed;

mod faults;

use std::sync::mpsc;
use std::time::Duration;

use bed::numbered::{receive_all, send_all};
use bed::{exchanges, release_clients, socket, start, wait_for_release};
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
    match bed.role {
        Role::Host => exchanges::answer_requests(&ctx, scheme, port, VMADDR_CID_HOST, g),
        Role::Guest(_) => exchanges::make_requests(&ctx, scheme, port, VMADDR_CID_HOST, g),
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

/// Every pattern with the guest serving and the host dialing the guest's CID (the host's agent
/// reaching into its VM).
#[test]
fn every_socket_pattern_host_to_guest() {
    let bed = start!();
    let g = guest(&bed);
    let ctx = context();
    match bed.role {
        Role::Guest(_) => exchanges::serve_every_pattern(&ctx, g, VMADDR_CID_HOST),
        Role::Host => exchanges::dial_every_pattern(&ctx, g, VMADDR_CID_HOST),
    }
}

#[test]
fn local_cids_are_2_on_the_host_and_the_guests_own() {
    let bed = start!();
    let cid = match bed.role {
        Role::Host => VMADDR_CID_HOST,
        Role::Guest(cid) => cid,
    };
    bed::assert_local_cids(cid);
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
