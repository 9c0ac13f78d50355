//! Native `vsock://` (Linux AF_VSOCK), `vmci://` (VMware VMCI) and `hvsock://` (hybrid vsock)
//! transports for [rust-zmq](zmq), with typed addresses.
//!
//! A service on a hypervisor host and agents in its guests can talk ZeroMQ over vsock without
//! any guest network. The transports live in the libzmq that this workspace's `zmq-sys` builds;
//! a project using `zmq` 0.10 gets it by depending on this crate and adding, in its
//! `Cargo.toml`, the patch that makes rust-zmq link that `zmq-sys`:
//!
//! ```toml
//! [patch.crates-io]
//! zmq-sys = { git = "URL" } # the same git URL (or a path to its zmq-sys/) as zmq-vsock
//! ```
//!
//! Plain strings then work with any `zmq::Socket` (`socket.bind("vsock://*:5555")`). This
//! crate adds:
//!
//! - [`VsockAddr`] and [`VmciAddr`]: `Copy` endpoint values whose `Display` and `FromStr` use
//!   the strings libzmq prints in `ZMQ_LAST_ENDPOINT` (`vsock://3:5555`, `vsock://*:*`), with a
//!   strict parser and error messages that say which part is wrong and why;
//! - [`SocketExt`]: `bind_vsock`/`bind_vmci` returning the address actually bound (the port the
//!   kernel picked for `*`), typed connects and `ZMQ_LAST_ENDPOINT`, and the vsock buffer-size
//!   and connect-timeout options, which rust-zmq has no methods for;
//! - [`HvsockAddr`] and [`SocketExt::bind_hvsock`] / [`SocketExt::connect_hvsock`]: hybrid
//!   vsock, for VMMs (Firecracker, Cloud Hypervisor, vhost-device-vsock) that give the host a
//!   guest's vsock as a unix socket instead of AF_VSOCK (see below);
//! - [`zap`]: access control by peer CID (a ZAP handler with allow and deny lists of CIDs);
//! - [`local_cid`] and [`vmci_local_cid`] (this machine's CID) and the `VMADDR_*` constants.
//!
//! # Endpoints
//!
//! `vsock://CID:PORT` and `vmci://CID:PORT`, split at the last `:`. The CID is a decimal `u32`,
//! `*` or `-1` for any ([`VMADDR_CID_ANY`]), or `@` for this machine; the port is a decimal
//! `u32` or `*` or `-1` for a port the kernel picks ([`VMADDR_PORT_ANY`]). Kernel-picked ports
//! are large random `u32` values such as 2009915729, not 1024-65535.
//!
//! `@` in a `vsock://` endpoint is [`VMADDR_CID_LOCAL`], so a [`VsockAddr`] parses it to CID 1.
//! In a `vmci://` endpoint it is this machine's VMCI context ID, which libzmq looks up when it
//! binds or connects; a [`VmciAddr`] keeps it as `@` and its [`cid`](VmciAddr::cid) makes that
//! same lookup. Both types spell "this machine" alike: [`VsockAddr::this_machine`] and
//! [`VmciAddr::this_machine`] build it, `is_this_machine()` tells it.
//!
//! That lookup is the kernel's local-CID ioctl ([`vmci_local_cid`], [`local_cid`]). On a machine
//! whose only vsock transport is `vsock_loopback` (a test VM), kernels with the mid-2025 fix
//! "vsock: Fix IOCTL_VM_SOCKETS_GET_LOCAL_CID to check also transport_local" answer 1, so
//! `vmci://@:PORT` is CID 1; older kernels answer "any", so both functions return `ENODEV` and
//! binding or connecting `vmci://@:PORT` fails with `ENODEV`. `vsock://@:PORT` is CID 1 on
//! every kernel.
//!
//! # A vsock server and client (the zmq_vsock(7) example)
//!
//! The server binds every CID of its machine on port 5555:
//!
//! ```no_run
//! use zmq_vsock::{SocketExt, VsockAddr};
//!
//! let ctx = zmq::Context::new();
//! let server = ctx.socket(zmq::REP)?;
//! let bound = server.bind_vsock(&VsockAddr::any(5555))?;
//! println!("serving on {bound}, this machine's CID is {}", zmq_vsock::local_cid()?);
//! loop {
//!     let request = server.recv_bytes(0)?;
//!     server.send(&request, 0)?;
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! The client, for example in a guest reaching the host ([`VMADDR_CID_HOST`]), connects to the
//! server's CID; `"vsock://2:5555".parse()` gives the same address:
//!
//! ```no_run
//! use zmq_vsock::{SocketExt, VsockAddr, VMADDR_CID_HOST};
//!
//! let ctx = zmq::Context::new();
//! let client = ctx.socket(zmq::REQ)?;
//! client.connect_vsock(&VsockAddr::new(VMADDR_CID_HOST, 5555))?;
//! client.send("hello", 0)?;
//! let reply = client.recv_bytes(0)?;
//! assert_eq!(reply, b"hello");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # A vmci server and client (the zmq_vmci(7) example)
//!
//! ```no_run
//! use zmq_vsock::{SocketExt, VmciAddr};
//!
//! let ctx = zmq::Context::new();
//! let server = ctx.socket(zmq::REP)?;
//! // Every context ID of this machine, port 5555.
//! let bound = server.bind_vmci(&"vmci://*:5555".parse::<VmciAddr>()?)?;
//! println!("serving on {bound}");
//!
//! // A client on the same machine: libzmq looks `@` up as VMCISock_GetLocalCID().
//! let client = ctx.socket(zmq::REQ)?;
//! client.connect_vmci(&VmciAddr::this_machine(5555))?;
//! client.send("hello", 0)?;
//! let request = server.recv_bytes(0)?;
//! server.send(&request, 0)?;
//! assert_eq!(client.recv_bytes(0)?, b"hello");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Hybrid vsock: `hvsock://PATH:PORT`
//!
//! Firecracker, Cloud Hypervisor and vhost-device-vsock give the host no AF_VSOCK: a guest's
//! vsock device is the unix socket PATH on the host. The guest side is plain `vsock://`; the
//! host side is `hvsock://`, and uses unix sockets only:
//!
//! - `connect("hvsock://PATH:PORT")` reaches what the guest listens on at vsock port PORT
//!   (libzmq does the VMM's `CONNECT PORT` / `OK` handshake before ZMTP);
//! - `bind("hvsock://PATH:PORT")` listens on the unix socket `PATH_PORT`, which a guest reaches
//!   by connecting to `vsock://2:PORT` (the host, [`VMADDR_CID_HOST`]).
//!
//! A connection through the VMM carries no guest CID: its `Peer-Address` is what libzmq gives
//! any unix socket (`localhost:UID:GID:PID` of the VMM process), and a [`zap::CidPolicy`]
//! refuses it.
//!
//! ```
//! use zmq_vsock::{HvsockAddr, SocketExt};
//!
//! let dir = std::env::temp_dir().join(format!("zmq-vsock-doc-hvsock-{}", std::process::id()));
//! std::fs::create_dir_all(&dir)?;
//! let ctx = zmq::Context::new();
//!
//! // The host service that the VMM's guests reach at vsock://2:1024.
//! let mut host = ctx.socket(zmq::REP)?;
//! let addr = HvsockAddr::new(dir.join("vm.vsock"), 1024)?;
//! host.bind_hvsock(&addr)?;
//!
//! // What the VMM does with a guest's connection to port 1024: connect to PATH_1024.
//! let guest = ctx.socket(zmq::REQ)?;
//! guest.connect(&format!("ipc://{}", addr.uds_path().display()))?;
//! guest.send("hello", 0)?;
//! assert_eq!(host.recv_bytes(0)?, b"hello");
//! # host.send("hi", 0)?;
//! # assert_eq!(guest.recv_bytes(0)?, b"hi");
//! # drop((host, guest));
//! # std::fs::remove_dir_all(&dir)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! And the host reaching a service in the guest (port 5000), through Firecracker's socket:
//!
//! ```no_run
//! use zmq_vsock::{HvsockAddr, SocketExt};
//!
//! let ctx = zmq::Context::new();
//! let client = ctx.socket(zmq::REQ)?;
//! client.connect_hvsock(&"hvsock:///run/firecracker/v.sock:5000".parse::<HvsockAddr>()?)?;
//! client.send("hello", 0)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Binding on a port the kernel picks
//!
//! ```
//! use zmq_vsock::{SocketExt, VsockAddr};
//!
//! let ctx = zmq::Context::new();
//! let socket = ctx.socket(zmq::PULL)?;
//! let bound = socket.bind_vsock(&VsockAddr::any(0).any_port())?;
//! assert!(!bound.is_wildcard_port());
//! // The bound address names the endpoint to unbind.
//! assert_eq!(socket.unbind_last_endpoint()?, bound.to_string());
//! # Ok::<(), zmq_vsock::Error>(())
//! ```
#![deny(missing_docs)]

mod cid;
mod endpoint;
mod error;
mod hvsock_addr;
mod socket_ext;
mod vmci_addr;
mod vsock_addr;
pub mod zap;

pub use cid::{
    local_cid, vmci_local_cid, VMADDR_CID_ANY, VMADDR_CID_HOST, VMADDR_CID_HYPERVISOR,
    VMADDR_CID_LOCAL, VMADDR_PORT_ANY,
};
pub use error::{EndpointPart, Error, Result};
pub use hvsock_addr::HvsockAddr;
pub use socket_ext::SocketExt;
pub use vmci_addr::VmciAddr;
pub use vsock_addr::VsockAddr;
