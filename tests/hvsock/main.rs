//! hvsock:// (hybrid vsock) end to end, through rust-zmq. Only unix sockets: the transport
//! never opens an AF_VSOCK socket, so all of this runs natively (and in the test VM).
//!
//! The host connects to a guest through a fake VMM ([`fake_vmm::FakeVmm`]): a unix listener at
//! PATH that reads `CONNECT <port>\n` and answers as told (Firecracker's `OK <n>\n` and a splice
//! to the "guest", a zmq socket bound at `ipc://DIR/guest_<port>`; or a refusal, garbage, an
//! over-long line, silence). A guest reaching the host is what a VMM does for it: a unix
//! connect to `PATH_PORT` (`ipc://PATH_PORT` in these tests).

mod support;

mod fake_vmm;

mod bind;
mod connect;
mod endpoints;
mod stress;
