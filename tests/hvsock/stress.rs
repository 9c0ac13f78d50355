//! 100,000 numbered messages each way through the fake VMM: none lost, reordered or
//! duplicated.

use crate::fake_vmm::{Answer, FakeVmm};
use crate::support::*;

const COUNT: u64 = 100_000;

#[test]
fn a_hundred_thousand_messages_each_way() {
    let ctx = zmq::Context::new();
    let dir = ScratchDir::new();
    let vmm = FakeVmm::start(&dir.join("vm.sock"), Answer::Route);
    let guest = socket(&ctx, zmq::PAIR);
    guest.bind(&vmm.guest_endpoint(7000)).unwrap();
    let host = socket(&ctx, zmq::PAIR);
    host.connect(&hvsock(&dir.join("vm.sock"), 7000)).unwrap();

    // Host to guest, then guest to host; the guest runs on its own thread.
    let guest_side = std::thread::spawn(move || {
        for expected in 0..COUNT {
            let bytes = guest.recv_bytes(0).unwrap();
            let got = u64::from_le_bytes(bytes.as_slice().try_into().expect("8 bytes"));
            assert_eq!(got, expected, "guest: message {expected}");
        }
        for i in 0..COUNT {
            guest.send(&i.to_le_bytes()[..], 0).unwrap();
        }
        guest.set_rcvtimeo(200).unwrap();
        assert_eq!(
            guest.recv_bytes(0),
            Err(zmq::Error::EAGAIN),
            "guest: an extra message"
        );
        guest
    });
    for i in 0..COUNT {
        host.send(&i.to_le_bytes()[..], 0).unwrap();
    }
    for expected in 0..COUNT {
        let bytes = host.recv_bytes(0).unwrap();
        let got = u64::from_le_bytes(bytes.as_slice().try_into().expect("8 bytes"));
        assert_eq!(got, expected, "host: message {expected}");
    }
    let _guest = guest_side.join().unwrap();
    host.set_rcvtimeo(200).unwrap();
    assert_eq!(
        host.recv_bytes(0),
        Err(zmq::Error::EAGAIN),
        "host: an extra message"
    );
}
