//! The host binds `hvsock://PATH:PORT`: a listener on the unix socket PATH_PORT, where the VMM
//! delivers a guest's connections to the host's vsock port PORT. Unbinding removes the file,
//! and a rebind right after it succeeds.

use std::io::Read;
use std::os::unix::fs::FileTypeExt;
use std::os::unix::net::UnixStream;

use zmq::SocketEvent::{ACCEPTED, LISTENING};
use zmq_vsock::{Error, HvsockAddr, SocketExt};

use crate::support::*;

#[test]
fn bind_listens_on_path_port() {
    let ctx = zmq::Context::new();
    let dir = ScratchDir::new();
    let host = Monitor::new(&ctx, socket(&ctx, zmq::REP));
    host.bind(&hvsock(&dir.join("vm.sock"), 1024)).unwrap();
    let endpoint = hvsock(&dir.join("vm.sock"), 1024);
    assert_eq!(host.get_last_endpoint().unwrap().unwrap(), endpoint);
    let listening = host.until(LISTENING);
    assert_eq!(listening.last().unwrap().endpoint, endpoint);

    let file = dir.join("vm.sock_1024");
    assert!(std::fs::metadata(&file).unwrap().file_type().is_socket());
    assert!(
        !dir.join("vm.sock").exists(),
        "binding makes PATH_PORT only"
    );

    // A plain unix client (what the VMM is) is accepted and greeted with ZMTP's signature.
    let mut raw = UnixStream::connect(&file).unwrap();
    let mut first = [0u8; 1];
    raw.read_exact(&mut first).unwrap();
    assert_eq!(first[0], 0xff, "the ZMTP signature starts with 0xff");
    let accepted = host.until(ACCEPTED);
    assert_eq!(accepted.last().unwrap().endpoint, endpoint);
    drop(raw);

    // A zmq peer over ipc:// (what a guest's connection through the VMM amounts to).
    let guest = socket(&ctx, zmq::REQ);
    guest.connect(&ipc(&file)).unwrap();
    guest.send("from the guest", 0).unwrap();
    assert_eq!(host.recv_string(0).unwrap().unwrap(), "from the guest");
    host.send("from the host", 0).unwrap();
    assert_eq!(guest.recv_string(0).unwrap().unwrap(), "from the host");
}

/// ZMQ_LAST_ENDPOINT prints the port without leading zeros; that string unbinds.
#[test]
fn the_last_endpoint_is_canonical() {
    let ctx = zmq::Context::new();
    let dir = ScratchDir::new();
    let host = socket(&ctx, zmq::PULL);
    host.bind(&format!("hvsock://{}:0007", dir.join("v:m").display()))
        .unwrap();
    let last = host.get_last_endpoint().unwrap().unwrap();
    assert_eq!(last, hvsock(&dir.join("v:m"), 7));
    assert!(dir.join("v:m_7").exists());
    host.unbind(&last).unwrap();
    assert!(!dir.join("v:m_7").exists());
}

#[test]
fn the_safe_layer_round_trips() {
    let ctx = zmq::Context::new();
    let dir = ScratchDir::new();
    let mut host = socket(&ctx, zmq::PULL);
    let addr = HvsockAddr::new(dir.join("vm.sock"), 2048).unwrap();
    assert_eq!(host.bind_hvsock(&addr).unwrap(), addr);
    assert_eq!(host.get_last_hvsock_endpoint().unwrap(), Some(addr.clone()));
    assert_eq!(host.get_last_vsock_endpoint().unwrap(), None);
    assert!(addr.uds_path().exists());
    assert_eq!(host.unbind_last_endpoint().unwrap(), addr.to_string());
    assert!(!addr.uds_path().exists());
}

/// File system refusals come back as errors, never as rust-zmq's panic on errnos it lacks.
#[test]
fn file_system_refusals_are_errors() {
    let ctx = zmq::Context::new();
    let dir = ScratchDir::new();
    let mut host = socket(&ctx, zmq::PULL);

    let missing = HvsockAddr::new(dir.join("no-such-dir/vm.sock"), 1).unwrap();
    match host.bind_hvsock(&missing) {
        Err(Error::Zmq {
            error: zmq::Error::ENOENT,
            ..
        }) => {}
        other => panic!("{other:?}"),
    }
    std::fs::write(dir.join("file"), b"").unwrap();
    let under_a_file = HvsockAddr::new(dir.join("file/vm.sock"), 1).unwrap();
    match host.bind_hvsock(&under_a_file) {
        Err(Error::Io { error, .. }) => assert_eq!(error.raw_os_error(), Some(libc::ENOTDIR)),
        other => panic!("{other:?}"),
    }
}

/// Like ipc://, a bind replaces a file left at PATH_PORT (by a process that died bound).
#[test]
fn a_stale_file_is_replaced() {
    let ctx = zmq::Context::new();
    let dir = ScratchDir::new();
    std::fs::write(dir.join("vm.sock_9"), b"left behind").unwrap();
    let host = socket(&ctx, zmq::PULL);
    host.bind(&hvsock(&dir.join("vm.sock"), 9)).unwrap();
    assert!(
        std::fs::metadata(dir.join("vm.sock_9"))
            .unwrap()
            .file_type()
            .is_socket()
    );
}

/// Unbinding removes PATH_PORT only while it is the socket this bind made, not a file that
/// took its place since.
#[test]
fn unbind_leaves_a_file_that_replaced_ours() {
    let ctx = zmq::Context::new();
    let dir = ScratchDir::new();
    let host = socket(&ctx, zmq::PULL);
    let endpoint = hvsock(&dir.join("vm.sock"), 9);
    host.bind(&endpoint).unwrap();
    std::fs::remove_file(dir.join("vm.sock_9")).unwrap();
    std::fs::write(dir.join("vm.sock_9"), b"someone else's").unwrap();
    host.unbind(&endpoint).unwrap();
    assert_eq!(
        std::fs::read(dir.join("vm.sock_9")).unwrap(),
        b"someone else's"
    );
}

/// zmq_unbind returns once the listener has closed its socket and removed its file, so a bind
/// of the same endpoint right after it succeeds, and its file is not removed by the old
/// listener's close: 1,000 rounds, none may fail.
#[test]
fn rebind_right_after_unbind_always_succeeds() {
    const ROUNDS: usize = 1000;
    let ctx = zmq::Context::new();
    let dir = ScratchDir::new();
    let host = socket(&ctx, zmq::PULL);
    let endpoint = hvsock(&dir.join("vm.sock"), 1024);
    let file = dir.join("vm.sock_1024");
    host.bind(&endpoint).unwrap();
    let mut failures = Vec::new();
    for round in 0..ROUNDS {
        host.unbind(&endpoint).unwrap();
        if file.exists() {
            failures.push(format!(
                "round {round}: the file is still there after unbind"
            ));
        }
        if let Err(e) = host.bind(&endpoint) {
            panic!("round {round}: bind: {e}");
        }
        if !file.exists() {
            failures.push(format!("round {round}: the file is gone after the rebind"));
        }
    }
    // The old listener must not have removed the new one's file meanwhile.
    std::thread::sleep(std::time::Duration::from_millis(50));
    assert!(file.exists(), "the last bind's file is gone");
    assert!(
        failures.is_empty(),
        "{} of {ROUNDS} rounds failed: {failures:?}",
        failures.len()
    );
}

/// Peer-Address on the bind side, as on the connect side: what libzmq reports for any unix
/// socket (see connect::peer_address_is_what_ipc_reports).
#[test]
fn peer_address_of_an_accepted_connection_is_what_ipc_reports() {
    let ctx = zmq::Context::new();
    let dir = ScratchDir::new();
    let host = socket(&ctx, zmq::PAIR);
    host.bind(&hvsock(&dir.join("vm.sock"), 1)).unwrap();
    let guest = socket(&ctx, zmq::PAIR);
    guest.connect(&ipc(&dir.join("vm.sock_1"))).unwrap();
    guest.send("hello", 0).unwrap();
    let mut over_hvsock = host.recv_msg(0).unwrap();

    let (a, b) = (socket(&ctx, zmq::PAIR), socket(&ctx, zmq::PAIR));
    a.bind(&ipc(&dir.join("plain"))).unwrap();
    b.connect(&ipc(&dir.join("plain"))).unwrap();
    b.send("hello", 0).unwrap();
    let mut over_ipc = a.recv_msg(0).unwrap();

    let hvsock_peer = over_hvsock.gets("Peer-Address").map(str::to_owned);
    let ipc_peer = over_ipc.gets("Peer-Address").map(str::to_owned);
    eprintln!("Peer-Address: hvsock:// bind {hvsock_peer:?}, ipc:// bind {ipc_peer:?}");
    assert_eq!(hvsock_peer, ipc_peer);
}
