//! Access control by peer CID: a ZAP handler that allows or denies connections by the CID
//! they come from.
//!
//! vsock has no authentication of its own: any guest can connect to a port a host listens on.
//! What a listener does learn is the connecting peer's CID, which the hypervisor assigns and a
//! guest cannot choose. This crate's libzmq reports it in two places, for `vsock://` and
//! `vmci://` connections alike:
//!
//! - the `Peer-Address` property of every message received over the connection
//!   (`zmq_msg_gets(msg, "Peer-Address")`; rust-zmq: [`zmq::Message::gets`]);
//! - the address field of the ZAP request libzmq makes when the connection is handshaking
//!   ([`ZapRequest::address`]).
//!
//! Both are the peer's CID in decimal with nothing else: `"1"`, `"3"`, `"4294967295"`. The port
//! is not included, just as a TCP peer's address is its IP address without the port (the port of
//! a connecting guest is an ephemeral one and says nothing about who it is).
//! [`ZapRequest::cid`] and [`peer_cid`] parse it.
//!
//! # ZAP
//!
//! libzmq asks a ZAP handler ([RFC 27](https://rfc.zeromq.org/spec/27/)) to authenticate each
//! new connection, for sockets of the handler's context, before any message passes:
//!
//! - with the NULL mechanism (the default, no security) only on sockets that set a ZAP domain
//!   (`ZMQ_ZAP_DOMAIN`; rust-zmq: [`zmq::Socket::set_zap_domain`]): **a socket without a ZAP
//!   domain accepts every peer and never consults the handler**;
//! - with CURVE (the `curve` feature) on every CURVE server socket, with or without a domain.
//!
//! A denied connection delivers nothing: the server's monitor reports
//! `ZMQ_EVENT_HANDSHAKE_FAILED_AUTH` with value 400, and so does the client's, whose libzmq
//! then gives that connection up for good: it does not reconnect, and nothing it queued for
//! that connection is delivered (a new `connect` tries again, and is refused again).
//!
//! [`ZapHandler`] is such a handler. It binds `inproc://zeromq.zap.01` (libzmq's ZAP endpoint,
//! [`ZAP_ENDPOINT`]) on a context and answers requests on a background thread, with a
//! [`CidPolicy`] or a function of yours. Start it before the sockets it guards accept
//! connections, and keep it until they are closed: libzmq looks the handler up for each new
//! connection, and when there is none it lets NULL-mechanism connections through (and CURVE ones
//! with any client key). One handler serves a whole context; a second one on the same context
//! fails with `EADDRINUSE`.
//!
//! # Example: a host service only its guest with CID 5 may use
//!
//! ```no_run
//! use zmq_vsock::zap::{CidPolicy, ZapHandler};
//!
//! let ctx = zmq::Context::new();
//! let _zap = ZapHandler::start(&ctx, CidPolicy::allow([5]))?;
//!
//! let server = ctx.socket(zmq::PULL)?;
//! server.set_zap_domain("vsock")?; // without a domain, NULL connections skip ZAP
//! server.bind("vsock://*:5555")?;
//!
//! let mut message = server.recv_msg(0)?;
//! assert_eq!(message.gets("Peer-Address"), Some("5"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! The policy sees only CIDs. A request whose address is not a CID (from a `tcp://` or
//! `ipc://` connection of a socket on the same context that also set a ZAP domain) is denied by
//! every [`CidPolicy`]; give [`ZapHandler::with_authenticator`] a function to treat those
//! differently.

mod handler;
mod policy;
mod protocol;

pub use handler::ZapHandler;
pub use policy::{CidPolicy, peer_cid};
pub use protocol::{ZAP_ENDPOINT, ZapReply, ZapRequest, ZapStatus};
