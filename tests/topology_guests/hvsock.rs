//! `hvsock://` on the bed: this machine is the guests' hybrid vsock host, so it reaches guest
//! `cid` by dialing the daemon's unix socket `<dir>/u<cid>` with `CONNECT <port>`, and a
//! guest's connection to `vsock://2:<port>` arrives on its `hvsock://<dir>/u<cid>:<port>` bind.
//! No AF_VSOCK on the host side: the host process speaks unix sockets only.

use std::time::{Duration, Instant};

use zmq::SocketEvent::CONNECT_RETRIED;
use zmq_vsock::{HvsockAddr, SocketExt, VMADDR_CID_HOST};
use zmq_vsock_testkit::{Bed, Role};

use super::common::{self, bind, connect, context, Monitor};
use super::bed::numbered::{mb_per_s, receive_all, receive_numbered, send_all, send_numbered, COUNT};
use super::bed::{recv_text, socket, start};
use super::parts;

/// Where the host reaches `cid` at vsock port `port`, and where it binds for that guest's
/// connections to the host at `port`.
fn guest_device(bed: &Bed, cid: u32, port: u32) -> HvsockAddr {
    HvsockAddr::new(bed.device_socket(cid), port).unwrap()
}

#[test]
fn hvsock_host_dials_a_rep_in_guest_3() {
    let bed = start!();
    let (g3, _, _) = parts(&bed);
    const PORT: u32 = 7100;
    let ctx = context();
    match bed.role {
        Role::Host => {
            let req = socket(&ctx, zmq::REQ);
            let guest = guest_device(&bed, g3, PORT);
            req.connect_hvsock(&guest).unwrap();
            assert_eq!(req.get_last_hvsock_endpoint().unwrap(), Some(guest));
            for i in 0..3 {
                req.send(format!("hello {i} from the host").as_str(), 0).unwrap();
                assert_eq!(recv_text(&req, "guest's reply"), format!("world {i} from {g3}"));
            }
        }
        Role::Guest(me) if me == g3 => {
            let rep = socket(&ctx, zmq::REP);
            bind(&rep, &format!("vsock://*:{PORT}"));
            for i in 0..3 {
                let mut request = rep.recv_msg(0).expect("the host's request");
                // The daemon delivers the host's connection from CID 2.
                assert_eq!(request.gets("Peer-Address"), Some(VMADDR_CID_HOST.to_string().as_str()));
                assert_eq!(request.as_str(), Some(format!("hello {i} from the host").as_str()));
                rep.send(format!("world {i} from {me}").as_str(), 0).unwrap();
            }
        }
        Role::Guest(_) => {}
    }
}

#[test]
fn hvsock_guest_4_dials_the_hosts_hvsock_bind() {
    let bed = start!();
    let (_, g4, _) = parts(&bed);
    const PORT: u32 = 7200;
    let ctx = context();
    match bed.role {
        Role::Host => {
            let mut rep = socket(&ctx, zmq::REP);
            let at = guest_device(&bed, g4, PORT);
            assert_eq!(rep.bind_hvsock(&at).unwrap(), at);
            for i in 0..3 {
                assert_eq!(recv_text(&rep, "guest's request"), format!("hello {i} from {g4}"));
                rep.send(format!("world {i} from the host").as_str(), 0).unwrap();
            }
        }
        Role::Guest(me) if me == g4 => {
            let req = socket(&ctx, zmq::REQ);
            connect(&req, &format!("vsock://{VMADDR_CID_HOST}:{PORT}"));
            for i in 0..3 {
                req.send(format!("hello {i} from {me}").as_str(), 0).unwrap();
                assert_eq!(recv_text(&req, "host's reply"), format!("world {i} from the host"));
            }
        }
        Role::Guest(_) => {}
    }
}

#[test]
fn hvsock_every_socket_pattern_host_to_guest() {
    let bed = start!();
    let (g3, _, _) = parts(&bed);
    // (the guest's type, the host's type, port)
    let pairs = [
        (zmq::REP, zmq::REQ, 7301),
        (zmq::ROUTER, zmq::DEALER, 7302),
        (zmq::PAIR, zmq::PAIR, 7303),
        (zmq::PULL, zmq::PUSH, 7304),
        (zmq::PUB, zmq::SUB, 7305),
    ];
    const CONFIRM_PORT: u32 = 7306;
    let ctx = context();
    match bed.role {
        Role::Host => {
            for (guest_kind, kind, port) in pairs {
                let s = socket(&ctx, kind);
                if kind == zmq::SUB {
                    s.set_subscribe(b"").unwrap();
                }
                s.connect_hvsock(&guest_device(&bed, g3, port)).unwrap();
                if kind == zmq::SUB {
                    assert_eq!(recv_text(&s, "publication"), format!("{guest_kind:?} in {g3}"));
                    let confirm = socket(&ctx, zmq::PUSH);
                    confirm.connect_hvsock(&guest_device(&bed, g3, CONFIRM_PORT)).unwrap();
                    // Delivered before the socket closes: the bed's sockets linger.
                    confirm.send("got it", 0).unwrap();
                    continue;
                }
                s.send(format!("{kind:?} on the host").as_str(), 0).unwrap();
                if kind != zmq::PUSH {
                    assert_eq!(recv_text(&s, "reply"), format!("{guest_kind:?} in {g3}"), "{kind:?}");
                }
            }
        }
        Role::Guest(me) if me == g3 => {
            for (kind, host_kind, port) in pairs {
                let s = socket(&ctx, kind);
                bind(&s, &format!("vsock://*:{port}"));
                let reply = format!("{kind:?} in {me}");
                if kind == zmq::PUB {
                    // Publishes until the host confirms (over PUSH/PULL) that one arrived.
                    let confirm = socket(&ctx, zmq::PULL);
                    bind(&confirm, &format!("vsock://*:{CONFIRM_PORT}"));
                    loop {
                        s.send(reply.as_str(), 0).unwrap();
                        if confirm.poll(zmq::POLLIN, 50).unwrap() > 0 {
                            assert_eq!(recv_text(&confirm, "the host's confirmation"), "got it");
                            break;
                        }
                    }
                    continue;
                }
                let frames = s.recv_multipart(0).unwrap_or_else(|e| panic!("{kind:?}: {e}"));
                assert_eq!(frames.last().unwrap(), format!("{host_kind:?} on the host").as_bytes(), "{kind:?}");
                match kind {
                    zmq::REP | zmq::PAIR => s.send(reply.as_str(), 0).unwrap(),
                    zmq::ROUTER => s.send_multipart([frames[0].clone(), reply.into_bytes()], 0).unwrap(),
                    _ => {}
                }
            }
        }
        Role::Guest(_) => {}
    }
}

/// 100,000 numbered messages each way between the host and a guest, at once: the host dials
/// guest 3 (`hvsock://u3:P`) and pushes; guest 4 dials the host (`vsock://2:P`) and pushes. Both
/// receivers check every number and print their throughput; each sender keeps its socket open
/// until its receiver says, over a REQ/REP of the same path, that it has them all.
#[test]
fn hvsock_100k_numbered_messages_each_way() {
    let bed = start!();
    let (g3, g4, _) = parts(&bed);
    const TO_GUEST: u32 = 7400;
    const TO_HOST: u32 = 7402;
    let ctx = context();
    match bed.role {
        Role::Host => {
            let push = socket(&ctx, zmq::PUSH);
            push.connect_hvsock(&guest_device(&bed, g3, TO_GUEST)).unwrap();
            let asked = socket(&ctx, zmq::REQ);
            asked.connect_hvsock(&guest_device(&bed, g3, TO_GUEST + 1)).unwrap();
            let mut pull = socket(&ctx, zmq::PULL);
            pull.bind_hvsock(&guest_device(&bed, g4, TO_HOST)).unwrap();
            let mut answer = socket(&ctx, zmq::REP);
            answer.bind_hvsock(&guest_device(&bed, g4, TO_HOST + 1)).unwrap();
            let sender = std::thread::spawn(move || {
                send_numbered(&push);
                asked.send("all?", 0).unwrap();
                assert_eq!(recv_text(&asked, "guest 3's count"), "all", "guest 3");
            });
            let what = format!("guest {g4} -> host over hvsock");
            let rate = receive_numbered(&pull, &what);
            assert_eq!(recv_text(&answer, "guest 4's question"), "all?");
            answer.send("all", 0).unwrap();
            eprintln!("throughput: {what}: {}", mb_per_s(rate));
            sender.join().unwrap();
        }
        Role::Guest(me) if me == g3 => receive_all(TO_GUEST, &format!("host -> guest {me} over hvsock")),
        Role::Guest(me) if me == g4 => send_all(VMADDR_CID_HOST, TO_HOST),
        Role::Guest(_) => {}
    }
}

/// The same 100,000 messages from guest 5 to guest 3 over plain vsock (the daemon forwards
/// between its guests), for the throughput beside hvsock's in the same run. Ignored: the daemon
/// (vhost-device-vsock 0.3.0) does not carry bulk data between its guests. Measured here: the
/// connection is made and small exchanges work (the man-page tests), but of this stream guest 3
/// got nothing in 120 s in one run and a frame of garbage first in another. A raw AF_VSOCK
/// stream (`raw_vsock_stream_guest_to_guest`) shows why: written 2 KiB or 3 KiB at a time (so
/// in packets that small) all 6.4 MB arrive intact; at 4000 bytes a write the data arrives
/// changed from its first record, and at 4 KiB and 8 KiB (libzmq writes up to 8 KiB at a
/// time) nothing arrives in 60 s, while the sender blocks once the receiver's credit is used
/// up. Upstream: rust-vmm/vhost-device issue 384, "Issues in sibling VM communication", open.
#[test]
#[ignore = "vhost-device-vsock 0.3.0 does not carry bulk data between its guests"]
fn vsock_100k_numbered_messages_guest_to_guest() {
    let bed = start!();
    let (g3, _, g5) = parts(&bed);
    const PORT: u32 = 7450;
    match bed.role {
        Role::Guest(me) if me == g3 => receive_all(PORT, &format!("guest {g5} -> guest {me} over vsock")),
        Role::Guest(me) if me == g5 => send_all(g3, PORT),
        _ => {}
    }
}

/// The host dials guest 3 before anything listens there: the daemon refuses the CONNECT, and
/// libzmq retries; once the guest binds (told so by the host over a second path), the request
/// goes through.
#[test]
fn hvsock_connect_retries_until_the_guest_listens() {
    let bed = start!();
    let (g3, _, _) = parts(&bed);
    const PORT: u32 = 7500;
    const GO: u32 = 7501;
    let ctx = context();
    match bed.role {
        Role::Host => {
            let req = socket(&ctx, zmq::REQ);
            req.set_reconnect_ivl(100).unwrap();
            let mut monitor = Monitor::new(&ctx, &req, CONNECT_RETRIED.to_raw() as i32);
            req.connect_hvsock(&guest_device(&bed, g3, PORT)).unwrap();
            monitor.expect(CONNECT_RETRIED);
            monitor.expect(CONNECT_RETRIED);
            let go = socket(&ctx, zmq::PUSH);
            go.connect_hvsock(&guest_device(&bed, g3, GO)).unwrap();
            go.send("bind now", 0).unwrap();
            req.send("late", 0).unwrap();
            assert_eq!(recv_text(&req, "guest's reply"), "listening now");
        }
        Role::Guest(me) if me == g3 => {
            let go = socket(&ctx, zmq::PULL);
            bind(&go, &format!("vsock://*:{GO}"));
            assert_eq!(recv_text(&go, "the host's go"), "bind now");
            let rep = socket(&ctx, zmq::REP);
            bind(&rep, &format!("vsock://*:{PORT}"));
            assert_eq!(recv_text(&rep, "host's request"), "late");
            rep.send("listening now", 0).unwrap();
        }
        Role::Guest(_) => {}
    }
}

/// CURVE over hvsock: guest 3 serves with a key pair it makes, and tells the host the public
/// key over a plain REP; the host's CURVE client dials it through the daemon.
#[cfg(feature = "curve")]
#[test]
fn hvsock_curve_host_to_guest() {
    let bed = start!();
    let (g3, _, _) = parts(&bed);
    const KEY_PORT: u32 = 7600;
    const PORT: u32 = 7601;
    let ctx = context();
    match bed.role {
        Role::Host => {
            let ask = socket(&ctx, zmq::REQ);
            ask.connect_hvsock(&guest_device(&bed, g3, KEY_PORT)).unwrap();
            ask.send("key?", 0).unwrap();
            let server_key = zmq::z85_decode(&recv_text(&ask, "guest's public key")).unwrap();
            let client = socket(&ctx, zmq::REQ);
            let keys = zmq::CurveKeyPair::new().unwrap();
            client.set_curve_serverkey(&server_key).unwrap();
            client.set_curve_publickey(&keys.public_key).unwrap();
            client.set_curve_secretkey(&keys.secret_key).unwrap();
            client.connect_hvsock(&guest_device(&bed, g3, PORT)).unwrap();
            client.send("sealed request", 0).unwrap();
            assert_eq!(recv_text(&client, "sealed reply"), "sealed reply");
        }
        Role::Guest(me) if me == g3 => {
            let keys = zmq::CurveKeyPair::new().unwrap();
            let server = socket(&ctx, zmq::REP);
            server.set_curve_server(true).unwrap();
            server.set_curve_secretkey(&keys.secret_key).unwrap();
            bind(&server, &format!("vsock://*:{PORT}"));
            let key = socket(&ctx, zmq::REP);
            bind(&key, &format!("vsock://*:{KEY_PORT}"));
            assert_eq!(recv_text(&key, "key request"), "key?");
            key.send(zmq::z85_encode(&keys.public_key).unwrap().as_str(), 0).unwrap();
            assert_eq!(recv_text(&server, "the host's sealed request"), "sealed request");
            server.send("sealed reply", 0).unwrap();
        }
        Role::Guest(_) => {}
    }
}

/// The bytes of the 100,000 messages over a raw AF_VSOCK stream from guest 5 to guest 3, no
/// ZeroMQ: does the daemon's forwarding between its guests carry a stream? Ignored: with
/// vhost-device-vsock 0.3.0 it does not (see `vsock_100k_numbered_messages_guest_to_guest`);
/// run it with `cargo vm-test --features bed --test topology_guests -- --include-ignored`.
#[test]
#[ignore = "vhost-device-vsock 0.3.0 does not carry bulk data between its guests"]
fn raw_vsock_stream_guest_to_guest() {
    use std::io::{Read, Write};
    let bed = start!();
    let (g3, _, g5) = parts(&bed);
    const PORT: u32 = 7460;
    const RECORD: usize = 64;
    let total = COUNT as usize * RECORD;
    // Record n: n as 8 bytes little-endian, then zeros.
    let byte_at = |offset: usize| -> u8 {
        let (n, at) = (offset / RECORD, offset % RECORD);
        if at < 8 { (n as u64).to_le_bytes()[at] } else { 0 }
    };
    match bed.role {
        Role::Guest(me) if me == g3 => {
            let listener = vsock::VsockListener::bind_with_cid_port(zmq_vsock::VMADDR_CID_ANY, PORT).unwrap();
            let (mut stream, peer) = listener.accept().unwrap();
            assert_eq!(peer.cid(), g5);
            stream.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
            let mut received = 0;
            let mut buf = vec![0u8; 64 * 1024];
            let started = Instant::now();
            while received < total {
                let n = match stream.read(&mut buf) {
                    Ok(0) => panic!("guest {g5} closed the stream after {received} of {total} bytes"),
                    Ok(n) => n,
                    Err(e) => panic!("after {received} of {total} bytes: {e}"),
                };
                if let Some(bad) = (0..n).find(|&i| buf[i] != byte_at(received + i)) {
                    panic!(
                        "byte {} of {total} (record {}) differs: the stream lost or changed data",
                        received + bad,
                        (received + bad) / RECORD
                    );
                }
                received += n;
            }
            let rate = total as f64 / started.elapsed().as_secs_f64();
            eprintln!("throughput: guest {g5} -> guest {me} over raw AF_VSOCK: {total} B, {:.2} MB/s", rate / 1e6);
            stream.write_all(b"ok").unwrap();
        }
        Role::Guest(me) if me == g5 => {
            zmq_vsock_testkit::guard_connect(g3).unwrap();
            let deadline = Instant::now() + Duration::from_secs(120);
            let mut stream = loop {
                match vsock::VsockStream::connect_with_cid_port(g3, PORT) {
                    Ok(s) => break s,
                    // Guest 3 may not listen yet.
                    Err(_) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(100)),
                    Err(e) => panic!("connect to guest {g3} port {PORT}: {e}"),
                }
            };
            // Bounded: with the data lost, guest 3 never returns the credit a write waits for.
            stream.set_write_timeout(Some(Duration::from_secs(60))).unwrap();
            let data: Vec<u8> = (0..total).map(byte_at).collect();
            // The size of each write, so of each virtio-vsock packet: 8 KiB as libzmq's batches,
            // or what ZMQ_VSOCK_BED_RAW_WRITE says (3072 and less pass).
            let write = std::env::var("ZMQ_VSOCK_BED_RAW_WRITE").map_or(8192, |w| w.parse().expect("a byte count"));
            for chunk in data.chunks(write) {
                stream.write_all(chunk).unwrap();
            }
            stream.set_read_timeout(Some(Duration::from_secs(120))).unwrap();
            let mut ok = [0u8; 2];
            stream.read_exact(&mut ok).unwrap_or_else(|e| panic!("guest {me}: guest 3's ok: {e}"));
        }
        _ => {}
    }
}

/// The host's connection to a guest that is killed (its qemu, at once) and booted again: the
/// host sees the disconnect, its DEALER redials through the daemon until the new boot listens,
/// and what it queued meanwhile reaches the new boot, once. The guest is the bed's spare CID,
/// which the host boots itself (`vm/guests --boot`), so the other guests' tests are untouched.
#[test]
fn hvsock_host_redials_a_guest_that_reboots() {
    const NAME: &str = "hvsock::hvsock_host_redials_a_guest_that_reboots";
    const PORT: u32 = 7700;
    let bed = zmq_vsock_testkit::require_bed!();
    let spare: u32 = match std::env::var("ZMQ_VSOCK_BED_SPARE") {
        Ok(cid) => cid.parse().expect("ZMQ_VSOCK_BED_SPARE is a CID"),
        // A guest of the bed: only the host boots the spare.
        Err(_) if bed.role != Role::Host => u32::MAX,
        Err(_) => panic!("ZMQ_VSOCK_BED_SPARE is not set (vm/guests sets it for the host)"),
    };
    let ctx = context();
    match bed.role {
        // The spare guest, booted by the host below: serves until told to stop (boot 2) or
        // killed (boot 1). It takes no part in the barrier, which is the three guests'.
        Role::Guest(me) if !bed.cids.contains(&me) => serve_until_stopped(PORT),
        Role::Guest(_) => super::bed::barrier::wait(&bed, NAME),
        Role::Host => {
            super::bed::barrier::wait(&bed, NAME);
            let boot = |n: u32| boot_spare(spare, NAME, n, None);
            let dealer = socket(&ctx, zmq::DEALER);
            dealer.set_reconnect_ivl(100).unwrap();
            let mut monitor = Monitor::new(&ctx, &dealer, link_events());
            let ask = |request: &str| dealer.send_multipart([&b""[..], request.as_bytes()], 0).unwrap();
            let answer = |what: &str| answer_of(&dealer, what);

            let mut first = boot(1);
            dealer.connect_hvsock(&guest_device(&bed, spare, PORT)).unwrap();
            ask("ping 1");
            assert_eq!(answer("boot 1's reply"), "ping 1: boot 1");
            monitor.expect(zmq::SocketEvent::CONNECTED);

            stop_vm(&mut first);
            monitor.expect(zmq::SocketEvent::DISCONNECTED);

            // Queued while the guest is down; the next boot gets it.
            ask("ping 2");
            let mut second = boot(2);
            assert_eq!(answer("boot 2's reply"), "ping 2: boot 2");
            monitor.expect(zmq::SocketEvent::CONNECTED);
            ask("stop");
            assert_eq!(answer("boot 2's last reply"), "stop: boot 2");
            assert_eq!(common::recv_within(&dealer, Duration::from_millis(500)), None, "a reply came twice");
            assert!(second.wait().unwrap().success(), "the second boot's test failed");
        }
    }
}

/// What the spare guest's tests monitor on the host's DEALER.
fn link_events() -> i32 {
    (zmq::SocketEvent::CONNECTED.to_raw() | zmq::SocketEvent::DISCONNECTED.to_raw() | CONNECT_RETRIED.to_raw()) as i32
}

/// The spare guest's part: a REP on `port` that answers `<request>: boot <n>` until a `stop`.
fn serve_until_stopped(port: u32) {
    let boot = std::env::var("ZMQ_VSOCK_BED_BOOT").expect("the host names the boot");
    let ctx = context();
    let rep = socket(&ctx, zmq::REP);
    bind(&rep, &format!("vsock://*:{port}"));
    loop {
        let request = recv_text(&rep, "the host's request");
        rep.send(format!("{request}: boot {boot}").as_str(), 0).unwrap();
        if request == "stop" {
            break;
        }
    }
}

/// Boots the spare guest `cid` running test `name` (its [`serve_until_stopped`] part) as boot
/// `n`, on the bed's daemon or on the one whose sockets are in `uds_dir`.
fn boot_spare(cid: u32, name: &str, n: u32, uds_dir: Option<&std::path::Path>) -> std::process::Child {
    use std::os::unix::process::CommandExt;
    let guests = std::env::var("ZMQ_VSOCK_BED_GUESTS").expect("ZMQ_VSOCK_BED_GUESTS");
    let mut command = std::process::Command::new(guests);
    command
        .args(["--boot", &cid.to_string()])
        .arg(std::env::current_exe().unwrap())
        .args(["--exact", name, "--nocapture"])
        .env("ZMQ_VSOCK_BED_BOOT", n.to_string())
        // Its own process group, so that stopping it ends vm/run and qemu together.
        .process_group(0);
    if let Some(dir) = uds_dir {
        command.env("ZMQ_VSOCK_BED_UDS_DIR", dir);
    }
    command.spawn().expect("vm/guests --boot")
}

/// Stops a VM of [`boot_spare`] at once: SIGTERM makes qemu quit without the guest closing
/// anything (as a crash would), and still lets vm/run clean up.
fn stop_vm(vm: &mut std::process::Child) {
    // SAFETY: signals the process group that boot_spare made.
    assert_eq!(unsafe { libc::killpg(vm.id() as libc::pid_t, libc::SIGTERM) }, 0);
    vm.wait().unwrap();
}

/// The body of the next reply on a DEALER talking to a REP.
fn answer_of(dealer: &zmq::Socket, what: &str) -> String {
    let frames = dealer.recv_multipart(0).unwrap_or_else(|e| panic!("{what}: {e}"));
    String::from_utf8(frames.last().unwrap().clone()).unwrap()
}

/// A vhost-device-vsock of the test's own (uds-path only, like the bed's), serving `cid` with
/// its sockets in `dir`; returns once its vhost-user socket is there.
fn start_daemon(cid: u32, dir: &std::path::Path) -> std::process::Child {
    let daemon = std::env::var("ZMQ_VSOCK_BED_DAEMON").expect("ZMQ_VSOCK_BED_DAEMON");
    let vhost_user = dir.join(format!("s{cid}"));
    let _ = std::fs::remove_file(&vhost_user);
    let child = std::process::Command::new(daemon)
        .arg("--vm")
        .arg(format!("guest-cid={cid},socket={},uds-path={}", vhost_user.display(), dir.join(format!("u{cid}")).display()))
        .spawn()
        .expect("vhost-device-vsock");
    assert!(
        common::wait_until(Duration::from_secs(10), || vhost_user.exists()),
        "vhost-device-vsock made no {}",
        vhost_user.display()
    );
    child
}

/// The daemon of a guest crashes and is started again. What the host sees: its connection
/// to the guest drops (DISCONNECTED), and its DEALER keeps redialing (CONNECT_RETRIED), with
/// no abort and no hang, while the daemon is down and after it is back; qemu 7.2 does not
/// reconnect to a new vhost-user backend, so the guest stays cut off until it is booted again,
/// after which what the host queued meanwhile arrives once. The daemon and the guest (CID 7)
/// are the test's own, so the bed's daemon and guests are untouched.
#[test]
fn hvsock_host_survives_a_daemon_restart() {
    const NAME: &str = "hvsock::hvsock_host_survives_a_daemon_restart";
    const PORT: u32 = 7800;
    const CID: u32 = 7;
    let bed = zmq_vsock_testkit::require_bed!();
    match bed.role {
        Role::Guest(me) if me == CID => serve_until_stopped(PORT),
        Role::Guest(_) => super::bed::barrier::wait(&bed, NAME),
        Role::Host => {
            super::bed::barrier::wait(&bed, NAME);
            let dir = bed.uds_dir.as_ref().unwrap().join("own-daemon");
            std::fs::create_dir_all(&dir).unwrap();
            let mut daemon = start_daemon(CID, &dir);
            let mut first = boot_spare(CID, NAME, 1, Some(&dir));
            let ctx = context();
            let dealer = socket(&ctx, zmq::DEALER);
            dealer.set_reconnect_ivl(100).unwrap();
            let mut monitor = Monitor::new(&ctx, &dealer, link_events());
            let ask = |request: &str| dealer.send_multipart([&b""[..], request.as_bytes()], 0).unwrap();
            dealer.connect_hvsock(&HvsockAddr::new(dir.join(format!("u{CID}")), PORT).unwrap()).unwrap();
            ask("ping 1");
            assert_eq!(answer_of(&dealer, "boot 1's reply"), "ping 1: boot 1");
            monitor.expect(zmq::SocketEvent::CONNECTED);

            // The daemon crashes.
            daemon.kill().unwrap();
            daemon.wait().unwrap();
            monitor.expect(zmq::SocketEvent::DISCONNECTED);
            monitor.expect(CONNECT_RETRIED);
            ask("ping 2");

            // Back, but the guest's qemu is not attached to it: no reply, only more retries.
            let mut daemon = start_daemon(CID, &dir);
            assert_eq!(common::recv_within(&dealer, Duration::from_secs(3)), None, "a reply without a backend");
            monitor.expect(CONNECT_RETRIED);

            // Booted again on the new daemon, the guest gets ping 2, once.
            stop_vm(&mut first);
            let mut second = boot_spare(CID, NAME, 2, Some(&dir));
            assert_eq!(answer_of(&dealer, "boot 2's reply"), "ping 2: boot 2");
            ask("stop");
            assert_eq!(answer_of(&dealer, "boot 2's last reply"), "stop: boot 2");
            assert_eq!(common::recv_within(&dealer, Duration::from_millis(500)), None, "a reply came twice");
            assert!(second.wait().unwrap().success(), "the second boot's test failed");
            daemon.kill().unwrap();
            daemon.wait().unwrap();
        }
    }
}
