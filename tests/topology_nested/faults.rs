//! A fault on the nested bed: a guest's qemu killed mid-stream, then booted again, while the
//! host keeps serving its other guest.

use std::fs::File;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use zmq::SocketEvent::DISCONNECTED;
use zmq_vsock::VMADDR_CID_HOST;
use zmq_vsock_testkit::Role;

use crate::bed::{self, recv_text, socket};
use crate::common::{bind, connect, context, Monitor};

const STREAM_PORT: u32 = 6500;
const PING_PORT: u32 = 6501;
/// Messages the host takes from each boot of the spare before it acts: the first boot is
/// killed with its stream going on, the second is told to stop.
const PER_BOOT: u64 = 300;

/// The spare guest (CID 4, which only this test boots) streams numbered messages to the host,
/// each tagged with its kernel's boot ID. The host kills the spare's qemu mid-stream, sees its
/// connection drop (DISCONNECTED), boots it again, and takes the new boot's stream. Every
/// boot's numbers arrive in order from 0, none twice, and no boot's after the next one's
/// started. Meanwhile guest 3 pings the host every 100 ms and is answered throughout, the
/// outage included.
#[test]
fn a_guest_killed_mid_stream_and_booted_again() {
    const NAME: &str = "faults::a_guest_killed_mid_stream_and_booted_again";
    let bed = zmq_vsock_testkit::require_bed!();
    if bed.is_spare() {
        return spare_streams();
    }
    bed::barrier::wait(&bed, NAME);
    match bed.role {
        Role::Host => host_kills_and_reboots_the_spare(),
        Role::Guest(_) => ping_until_stopped(),
    }
}

fn spare_streams() {
    let boot = std::fs::read_to_string("/proc/sys/kernel/random/boot_id").unwrap();
    let ctx = context();
    let dealer = socket(&ctx, zmq::DEALER);
    dealer.set_linger(0).unwrap();
    connect(&dealer, &format!("vsock://{VMADDR_CID_HOST}:{STREAM_PORT}"));
    for n in 0u64.. {
        dealer.send(format!("{} {n}", boot.trim()).as_str(), 0).unwrap();
        if dealer.poll(zmq::POLLIN, 0).unwrap() > 0 {
            assert_eq!(recv_text(&dealer, "the host's stop"), "stop");
            return;
        }
    }
}

fn ping_until_stopped() {
    let ctx = context();
    let req = socket(&ctx, zmq::REQ);
    connect(&req, &format!("vsock://{VMADDR_CID_HOST}:{PING_PORT}"));
    loop {
        req.send("ping", 0).unwrap();
        match recv_text(&req, "the host's answer").as_str() {
            "pong" => std::thread::sleep(Duration::from_millis(100)),
            "stop" => return,
            other => panic!("the host answered {other:?}"),
        }
    }
}

/// A boot of the spare: qemu (vm/nested-l1 --boot execs it), its console in a file.
struct Spare {
    qemu: Child,
    console: String,
}

fn boot_spare(boot: usize) -> Spare {
    let var = |name| std::env::var(name).unwrap_or_else(|_| panic!("{name} is not set (vm/nested sets it)"));
    let console = format!("/tmp/spare-boot-{boot}.console");
    let out = File::create(&console).unwrap();
    let qemu = Command::new("/bin/sh")
        .args([var("ZMQ_VSOCK_BED_NESTED_L1"), "--boot".into(), var("ZMQ_VSOCK_BED_SPARE_DIR"), var("ZMQ_VSOCK_BED_SPARE")])
        .stdin(Stdio::null())
        .stdout(out.try_clone().unwrap())
        .stderr(out)
        .spawn()
        .expect("boot the spare guest");
    Spare { qemu, console }
}

/// The spare's exit status as its console reports it (vm/run's exit marker), if it did.
fn reported_status(spare: &Spare) -> Option<String> {
    let marker = std::fs::read_to_string(format!("{}/exit-marker", std::env::var("ZMQ_VSOCK_BED_SPARE_DIR").ok()?)).ok()?;
    let console = std::fs::read_to_string(&spare.console).ok()?;
    let line = console.lines().find(|l| l.contains(marker.trim()))?;
    Some(line.rsplit(marker.trim()).next()?.trim().to_owned())
}

fn host_kills_and_reboots_the_spare() {
    let ctx = context();
    let router = socket(&ctx, zmq::ROUTER);
    let mut monitor = Monitor::new(&ctx, &router, DISCONNECTED.to_raw() as i32);
    bind(&router, &format!("vsock://*:{STREAM_PORT}"));
    let pings = socket(&ctx, zmq::REP);
    bind(&pings, &format!("vsock://*:{PING_PORT}"));

    // Each boot's ID and the number its next message must have.
    let mut boots: Vec<(String, u64)> = Vec::new();
    let mut spare = boot_spare(1);
    let (mut killed, mut disconnected, mut rebooted, mut stopped) = (false, false, false, false);
    let mut pongs_while_down = 0;
    let deadline = Instant::now() + Duration::from_secs(900);
    let exit = loop {
        assert!(
            Instant::now() < deadline,
            "15 minutes: boots {boots:?}, killed {killed}, disconnected {disconnected}, rebooted {rebooted}; {}",
            monitor.describe()
        );
        let mut items = [router.as_poll_item(zmq::POLLIN), pings.as_poll_item(zmq::POLLIN)];
        zmq::poll(&mut items, 50).unwrap();
        if items[1].is_readable() {
            assert_eq!(recv_text(&pings, "guest 3's ping"), "ping");
            pings.send("pong", 0).unwrap();
            pongs_while_down += usize::from(killed && boots.len() < 2);
        }
        if items[0].is_readable() {
            let frames = router.recv_multipart(0).unwrap();
            let text = String::from_utf8(frames[1].clone()).unwrap();
            let (boot, n) = text.split_once(' ').expect("'BOOT N'");
            let n: u64 = n.parse().unwrap();
            match boots.last_mut() {
                Some((current, next)) if current == boot => {
                    assert_eq!(n, *next, "boot {boot}: message {n} where {next} was due: lost, reordered or twice");
                    *next += 1;
                }
                _ => {
                    assert!(!boots.iter().any(|(b, _)| b == boot), "boot {boot} again after a later boot's messages");
                    assert!(boots.is_empty() || rebooted, "a new boot {boot} before the spare was booted again");
                    assert_eq!(n, 0, "the first message of boot {boot}");
                    boots.push((boot.to_owned(), 1));
                }
            }
            let taken = boots.last().unwrap().1;
            if boots.len() == 1 && taken == PER_BOOT && !killed {
                spare.qemu.kill().unwrap();
                spare.qemu.wait().unwrap();
                killed = true;
            }
            if boots.len() == 2 && taken == PER_BOOT && !stopped {
                router.send_multipart([frames[0].clone(), b"stop".to_vec()], 0).unwrap();
                stopped = true;
            }
        }
        if killed && !disconnected {
            disconnected = monitor.next(Duration::ZERO).is_some_and(|e| e.is(DISCONNECTED));
        }
        if disconnected && !rebooted {
            spare = boot_spare(2);
            rebooted = true;
        }
        if let Some(status) = spare.qemu.try_wait().unwrap().filter(|_| stopped) {
            break status;
        }
    };
    // Guest 3's next ping learns that the test is over.
    assert_eq!(bed::recv_done(&pings, "guest 3's last ping"), "ping");
    pings.send("stop", 0).unwrap();

    assert_eq!(boots.len(), 2, "boots {boots:?}");
    assert!(pongs_while_down >= 3, "guest 3 was answered {pongs_while_down} times while the spare was down");
    let console = std::fs::read_to_string(&spare.console).unwrap_or_default();
    assert_eq!(reported_status(&spare).as_deref(), Some("0"), "the spare's second boot (qemu {exit}):\n{console}");
    eprintln!(
        "faults: boot 1 sent {} messages before its kill, boot 2 {}; guest 3 answered {pongs_while_down} times meanwhile",
        boots[0].1, boots[1].1
    );
}
