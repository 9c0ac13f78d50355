//! Stops the build, with the fix spelled out, when the zmq-sys in the graph
//! is not ours: then rust-zmq's `zmq` links a libzmq without the vsock and
//! vmci transports and every `vsock://` bind would fail at run time.
//!
//! Our zmq-sys declares `links = "zmq"` and prints `vsock=1` and `vmci=1`,
//! which cargo hands to this script as DEP_ZMQ_VSOCK / DEP_ZMQ_VMCI.

#[path = "build/zmq_sys_check.rs"]
mod zmq_sys_check;

fn main() {
    let seen = zmq_sys_check::Seen::from_env();
    if let Err(message) = zmq_sys_check::check(&seen) {
        eprintln!("\nerror: {message}\n");
        std::process::exit(1);
    }
}
