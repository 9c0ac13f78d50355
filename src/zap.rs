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

use std::collections::BTreeSet;
use std::fmt;
use std::io;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread::JoinHandle;

use crate::error::{Error, Result};

/// libzmq's ZAP endpoint: where a ZAP handler binds, on the context whose sockets it serves.
///
/// ```
/// assert_eq!(zmq_vsock::zap::ZAP_ENDPOINT, "inproc://zeromq.zap.01");
/// ```
pub const ZAP_ENDPOINT: &str = "inproc://zeromq.zap.01";

/// The ZAP protocol version libzmq speaks, in requests and replies.
const ZAP_VERSION: &str = "1.0";

/// The peer CID in a `Peer-Address` value or a ZAP address: `Some` for a decimal `u32` with
/// nothing else (what this crate's libzmq reports for `vsock://` and `vmci://` connections),
/// `None` for anything else (a TCP peer's IP address, an IPC peer's, an empty string).
///
/// ```
/// use zmq_vsock::zap::peer_cid;
///
/// assert_eq!(peer_cid("1"), Some(1));
/// assert_eq!(peer_cid("4294967295"), Some(u32::MAX));
/// assert_eq!(peer_cid("127.0.0.1"), None);
/// assert_eq!(peer_cid(""), None);
/// assert_eq!(peer_cid("+3"), None);
/// ```
///
/// On a received message (in a real program the server's socket):
///
/// ```no_run
/// # let ctx = zmq::Context::new();
/// # let server = ctx.socket(zmq::PULL)?;
/// let mut message = server.recv_msg(0)?;
/// let from = message.gets("Peer-Address").and_then(zmq_vsock::zap::peer_cid);
/// println!("{} bytes from CID {from:?}", message.len());
/// # Ok::<(), zmq::Error>(())
/// ```
pub fn peer_cid(address: &str) -> Option<u32> {
    if address.is_empty() || !address.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    address.parse().ok()
}

/// Which peer CIDs may connect: an allow list or a deny list.
///
/// ```
/// use zmq_vsock::zap::CidPolicy;
///
/// let guests = CidPolicy::allow([3, 5]);
/// assert!(guests.permits(5));
/// assert!(!guests.permits(7));
///
/// let not_the_host = CidPolicy::deny([zmq_vsock::VMADDR_CID_HOST]);
/// assert!(not_the_host.permits(5));
/// assert!(!not_the_host.permits(2));
///
/// // Addresses as libzmq gives them: a CID in decimal, or something else.
/// assert!(guests.permits_address("3"));
/// assert!(!not_the_host.permits_address("10.0.0.1"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CidPolicy {
    kind: PolicyKind,
    cids: BTreeSet<u32>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum PolicyKind {
    Allow,
    Deny,
}

impl CidPolicy {
    /// Only these CIDs may connect. `allow([])` lets nobody in.
    ///
    /// ```
    /// use zmq_vsock::zap::CidPolicy;
    ///
    /// assert!(CidPolicy::allow([1]).permits(1));
    /// assert!(!CidPolicy::allow([]).permits(1));
    /// ```
    pub fn allow(cids: impl IntoIterator<Item = u32>) -> CidPolicy {
        CidPolicy {
            kind: PolicyKind::Allow,
            cids: cids.into_iter().collect(),
        }
    }

    /// Every CID but these may connect. `deny([])` lets every CID in.
    ///
    /// ```
    /// use zmq_vsock::zap::CidPolicy;
    ///
    /// assert!(!CidPolicy::deny([1]).permits(1));
    /// assert!(CidPolicy::deny([]).permits(1));
    /// ```
    pub fn deny(cids: impl IntoIterator<Item = u32>) -> CidPolicy {
        CidPolicy {
            kind: PolicyKind::Deny,
            cids: cids.into_iter().collect(),
        }
    }

    /// Whether a peer with this CID may connect.
    ///
    /// ```
    /// use zmq_vsock::zap::CidPolicy;
    ///
    /// assert!(CidPolicy::allow([3]).permits(3));
    /// assert!(!CidPolicy::deny([3]).permits(3));
    /// ```
    pub fn permits(&self, cid: u32) -> bool {
        match self.kind {
            PolicyKind::Allow => self.cids.contains(&cid),
            PolicyKind::Deny => !self.cids.contains(&cid),
        }
    }

    /// Whether a peer with this address (a `Peer-Address` value or ZAP address) may connect:
    /// its CID is [permitted](Self::permits). An address that is not a CID ([`peer_cid`] gives
    /// `None`) is never permitted, by an allow list or a deny list.
    ///
    /// ```
    /// use zmq_vsock::zap::CidPolicy;
    ///
    /// assert!(CidPolicy::deny([]).permits_address("7"));
    /// assert!(!CidPolicy::deny([]).permits_address("127.0.0.1"));
    /// assert!(!CidPolicy::deny([]).permits_address(""));
    /// ```
    pub fn permits_address(&self, address: &str) -> bool {
        peer_cid(address).is_some_and(|cid| self.permits(cid))
    }

    /// The ZAP reply for a request: status 200 with the CID in decimal as user ID when the
    /// request's address is permitted (so `msg.gets("User-Id")` names the CID the handler let
    /// in), otherwise status 400. This is what a [`ZapHandler`] started with this policy answers.
    ///
    /// ```
    /// use zmq_vsock::zap::{CidPolicy, ZapRequest, ZapStatus};
    ///
    /// let request = ZapRequest::new("vsock", "1", "NULL");
    /// let reply = CidPolicy::allow([1]).reply(&request);
    /// assert_eq!(reply.status, ZapStatus::Success);
    /// assert_eq!(reply.user_id, "1");
    /// assert_eq!(CidPolicy::deny([1]).reply(&request).status, ZapStatus::AuthenticationFailure);
    /// ```
    pub fn reply(&self, request: &ZapRequest) -> ZapReply {
        match request.cid() {
            Some(cid) if self.permits(cid) => ZapReply::allow(cid.to_string()),
            Some(cid) => ZapReply::deny(format!("CID {cid} is not allowed")),
            None => ZapReply::deny(format!(
                "the peer address {:?} is not a vsock CID",
                request.address
            )),
        }
    }

    /// The CIDs listed, in ascending order.
    ///
    /// ```
    /// use zmq_vsock::zap::CidPolicy;
    ///
    /// assert_eq!(CidPolicy::allow([5, 3, 5]).cids().collect::<Vec<_>>(), [3, 5]);
    /// ```
    pub fn cids(&self) -> impl Iterator<Item = u32> + '_ {
        self.cids.iter().copied()
    }

    /// True for an allow list ([`allow`](Self::allow)), false for a deny list.
    ///
    /// ```
    /// use zmq_vsock::zap::CidPolicy;
    ///
    /// assert!(CidPolicy::allow([1]).is_allow_list());
    /// assert!(!CidPolicy::deny([1]).is_allow_list());
    /// ```
    pub fn is_allow_list(&self) -> bool {
        self.kind == PolicyKind::Allow
    }
}

impl fmt::Display for CidPolicy {
    /// `allow CIDs 3, 5`, `deny CIDs 2`, `allow no CID`, `deny no CID`.
    ///
    /// ```
    /// use zmq_vsock::zap::CidPolicy;
    ///
    /// assert_eq!(CidPolicy::allow([5, 3]).to_string(), "allow CIDs 3, 5");
    /// assert_eq!(CidPolicy::allow([]).to_string(), "allow no CID");
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let verb = if self.is_allow_list() {
            "allow"
        } else {
            "deny"
        };
        if self.cids.is_empty() {
            return write!(f, "{verb} no CID");
        }
        let list: Vec<String> = self.cids.iter().map(u32::to_string).collect();
        write!(f, "{verb} CIDs {}", list.join(", "))
    }
}

/// One ZAP request, as libzmq sends it to the handler (RFC 27).
///
/// ```
/// use zmq_vsock::zap::ZapRequest;
///
/// let request = ZapRequest::new("vsock", "3", "NULL");
/// assert_eq!(request.cid(), Some(3));
/// assert_eq!(request.mechanism, "NULL");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ZapRequest {
    /// The protocol version: `"1.0"`.
    pub version: String,
    /// Chosen by libzmq; echoed in the reply.
    pub request_id: Vec<u8>,
    /// The ZAP domain of the socket the connection is for (`ZMQ_ZAP_DOMAIN`; may be empty for
    /// CURVE).
    pub domain: String,
    /// The peer's address: for `vsock://` and `vmci://` connections its CID in decimal
    /// ([`cid`](Self::cid)); for TCP its IP address.
    pub address: String,
    /// The "identity" frame. libzmq 4.3.5 puts there the `ZMQ_ROUTING_ID` of the socket the
    /// connection is for (the server's own), not the peer's; usually empty.
    pub routing_id: Vec<u8>,
    /// The security mechanism: `"NULL"`, `"PLAIN"` or `"CURVE"`.
    pub mechanism: String,
    /// The mechanism's credentials: none for NULL, user name and password for PLAIN, the
    /// client's 32-byte public key for CURVE ([`curve_public_key`](Self::curve_public_key)).
    pub credentials: Vec<Vec<u8>>,
}

impl ZapRequest {
    /// A request with version `"1.0"`, request ID `"1"`, no routing ID and no credentials: for
    /// testing authenticators.
    ///
    /// ```
    /// let request = zmq_vsock::zap::ZapRequest::new("d", "7", "NULL");
    /// assert_eq!(request.request_id, b"1");
    /// assert!(request.credentials.is_empty());
    /// ```
    pub fn new(domain: &str, address: &str, mechanism: &str) -> ZapRequest {
        ZapRequest {
            version: ZAP_VERSION.to_string(),
            request_id: b"1".to_vec(),
            domain: domain.to_string(),
            address: address.to_string(),
            routing_id: Vec::new(),
            mechanism: mechanism.to_string(),
            credentials: Vec::new(),
        }
    }

    /// The peer's CID, when [`address`](Self::address) is one (see [`peer_cid`]).
    ///
    /// ```
    /// use zmq_vsock::zap::ZapRequest;
    ///
    /// assert_eq!(ZapRequest::new("", "2", "NULL").cid(), Some(2));
    /// assert_eq!(ZapRequest::new("", "::1", "NULL").cid(), None);
    /// ```
    pub fn cid(&self) -> Option<u32> {
        peer_cid(&self.address)
    }

    /// The client's CURVE public key, for a CURVE request.
    ///
    /// ```
    /// use zmq_vsock::zap::ZapRequest;
    ///
    /// let mut request = ZapRequest::new("", "3", "CURVE");
    /// request.credentials.push(vec![7; 32]);
    /// assert_eq!(request.curve_public_key(), Some([7; 32]));
    /// assert_eq!(ZapRequest::new("", "3", "NULL").curve_public_key(), None);
    /// ```
    pub fn curve_public_key(&self) -> Option<[u8; 32]> {
        if self.mechanism != "CURVE" {
            return None;
        }
        self.credentials.first()?.as_slice().try_into().ok()
    }
}

/// A ZAP status code.
///
/// ```
/// use zmq_vsock::zap::ZapStatus;
///
/// assert_eq!(ZapStatus::Success.code(), "200");
/// assert_eq!(ZapStatus::AuthenticationFailure.code(), "400");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ZapStatus {
    /// 200: the connection may proceed.
    Success,
    /// 300: a temporary error; the connection is refused.
    TemporaryError,
    /// 400: authentication failed; the connection is refused.
    AuthenticationFailure,
    /// 500: the handler failed; the connection is refused.
    InternalError,
}

impl ZapStatus {
    /// The three-digit code sent in the reply.
    ///
    /// ```
    /// assert_eq!(zmq_vsock::zap::ZapStatus::InternalError.code(), "500");
    /// ```
    pub fn code(self) -> &'static str {
        match self {
            ZapStatus::Success => "200",
            ZapStatus::TemporaryError => "300",
            ZapStatus::AuthenticationFailure => "400",
            ZapStatus::InternalError => "500",
        }
    }
}

/// The answer to a [`ZapRequest`]. The version and request ID frames are added by the
/// [`ZapHandler`].
///
/// ```
/// use zmq_vsock::zap::{ZapReply, ZapStatus};
///
/// let reply = ZapReply::allow("guest-5").with_metadata("X-Tenant", "blue");
/// assert_eq!(reply.status, ZapStatus::Success);
/// assert_eq!(reply.metadata, [("X-Tenant".to_string(), b"blue".to_vec())]);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ZapReply {
    /// Allow, or why not.
    pub status: ZapStatus,
    /// For people; libzmq does not act on it.
    pub status_text: String,
    /// The user ID: with status 200, the `User-Id` property of every message from this
    /// connection.
    pub user_id: String,
    /// More properties of every message from this connection (name, value), with status 200.
    /// Names are 1 to 255 bytes; use `X-` names: libzmq checks `Socket-Type` against the socket,
    /// and its own `Peer-Address` and `User-Id` win over these.
    pub metadata: Vec<(String, Vec<u8>)>,
}

impl ZapReply {
    /// Status 200 ("OK") with this user ID and no metadata.
    ///
    /// ```
    /// let reply = zmq_vsock::zap::ZapReply::allow("5");
    /// assert_eq!((reply.status_text.as_str(), reply.user_id.as_str()), ("OK", "5"));
    /// ```
    pub fn allow(user_id: impl Into<String>) -> ZapReply {
        ZapReply {
            status: ZapStatus::Success,
            status_text: "OK".to_string(),
            user_id: user_id.into(),
            metadata: Vec::new(),
        }
    }

    /// Status 400 with this text, no user ID and no metadata.
    ///
    /// ```
    /// use zmq_vsock::zap::{ZapReply, ZapStatus};
    ///
    /// let reply = ZapReply::deny("not on the list");
    /// assert_eq!(reply.status, ZapStatus::AuthenticationFailure);
    /// ```
    pub fn deny(status_text: impl Into<String>) -> ZapReply {
        ZapReply {
            status: ZapStatus::AuthenticationFailure,
            status_text: status_text.into(),
            user_id: String::new(),
            metadata: Vec::new(),
        }
    }

    /// Adds a metadata property (see [`metadata`](Self::metadata)).
    ///
    /// ```
    /// let reply = zmq_vsock::zap::ZapReply::allow("3").with_metadata("X-Cid", "3");
    /// assert_eq!(reply.metadata.len(), 1);
    /// ```
    pub fn with_metadata(mut self, name: impl Into<String>, value: impl Into<Vec<u8>>) -> ZapReply {
        self.metadata.push((name.into(), value.into()));
        self
    }

    /// The frames sent back for the request with this ID, or why they cannot be sent.
    fn frames(&self, request_id: &[u8]) -> std::result::Result<Vec<Vec<u8>>, String> {
        let metadata = encode_metadata(&self.metadata)?;
        Ok(vec![
            ZAP_VERSION.as_bytes().to_vec(),
            request_id.to_vec(),
            self.status.code().as_bytes().to_vec(),
            self.status_text.as_bytes().to_vec(),
            self.user_id.as_bytes().to_vec(),
            metadata,
        ])
    }
}

/// ZMTP metadata: for each property a 1-byte name length, the name, a 4-byte big-endian value
/// length and the value.
fn encode_metadata(properties: &[(String, Vec<u8>)]) -> std::result::Result<Vec<u8>, String> {
    let mut out = Vec::new();
    for (name, value) in properties {
        let name_len = u8::try_from(name.len())
            .ok()
            .filter(|&n| n > 0)
            .ok_or_else(|| format!("metadata name {name:?} is not 1 to 255 bytes long"))?;
        let value_len = u32::try_from(value.len())
            .map_err(|_| format!("metadata value of {name:?} is longer than 4 GiB"))?;
        out.push(name_len);
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(&value_len.to_be_bytes());
        out.extend_from_slice(value);
    }
    Ok(out)
}

/// What decides: a policy or the user's function.
type Authenticator = Box<dyn FnMut(&ZapRequest) -> ZapReply + Send + 'static>;

/// A ZAP handler for one context, answering on a background thread; stops when dropped.
///
/// See the [module documentation](self) for what ZAP covers: sockets using the NULL mechanism
/// consult it only when they set a ZAP domain.
///
/// ```
/// use zmq_vsock::zap::{CidPolicy, ZapHandler};
///
/// let ctx = zmq::Context::new();
/// let handler = ZapHandler::start(&ctx, CidPolicy::allow([3]))?;
/// // One handler per context.
/// assert!(ZapHandler::start(&ctx, CidPolicy::allow([4])).is_err());
/// handler.stop()?;
/// // Stopped (or dropped), it makes room for another.
/// let _handler = ZapHandler::start(&ctx, CidPolicy::allow([4]))?;
/// # Ok::<(), zmq_vsock::Error>(())
/// ```
pub struct ZapHandler {
    /// Tells the thread to stop (a PAIR connected to the thread's).
    stop: Option<zmq::Socket>,
    thread: Option<JoinHandle<Result<()>>>,
}

impl fmt::Debug for ZapHandler {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ZapHandler")
            .field("running", &self.thread.is_some())
            .finish()
    }
}

static STOP_ENDPOINT_ID: AtomicU64 = AtomicU64::new(0);

impl ZapHandler {
    /// Binds [`ZAP_ENDPOINT`] on `ctx` and answers every request with `policy`
    /// ([`CidPolicy::reply`]). Fails when the context already has a ZAP handler (`EADDRINUSE`).
    ///
    /// ```no_run
    /// use zmq_vsock::zap::{CidPolicy, ZapHandler};
    ///
    /// let ctx = zmq::Context::new();
    /// // Everyone but the host.
    /// let _zap = ZapHandler::start(&ctx, CidPolicy::deny([zmq_vsock::VMADDR_CID_HOST]))?;
    /// let server = ctx.socket(zmq::REP)?;
    /// server.set_zap_domain("agents")?;
    /// server.bind("vsock://*:5555")?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn start(ctx: &zmq::Context, policy: CidPolicy) -> Result<ZapHandler> {
        ZapHandler::with_authenticator(ctx, move |request: &ZapRequest| policy.reply(request))
    }

    /// Like [`start`](Self::start) with your function deciding. It runs on the handler's
    /// thread, one request at a time. If it panics, that request gets status 500 (refused) and
    /// the handler keeps answering.
    ///
    /// ```no_run
    /// use std::sync::mpsc;
    /// use zmq_vsock::zap::{CidPolicy, ZapHandler, ZapReply, ZapRequest};
    ///
    /// let ctx = zmq::Context::new();
    /// let policy = CidPolicy::allow([3, 4]);
    /// let (log, requests) = mpsc::channel::<ZapRequest>();
    /// let _zap = ZapHandler::with_authenticator(&ctx, move |request: &ZapRequest| {
    ///     let _ = log.send(request.clone());
    ///     match request.cid() {
    ///         Some(cid) if policy.permits(cid) => {
    ///             ZapReply::allow(format!("guest-{cid}")).with_metadata("X-Cid", cid.to_string())
    ///         }
    ///         _ => ZapReply::deny("unknown guest"),
    ///     }
    /// })?;
    /// # Ok::<(), zmq_vsock::Error>(())
    /// ```
    pub fn with_authenticator<F>(ctx: &zmq::Context, authenticator: F) -> Result<ZapHandler>
    where
        F: FnMut(&ZapRequest) -> ZapReply + Send + 'static,
    {
        let zmq_err = |operation: &str| {
            let operation = operation.to_string();
            move |error| Error::Zmq { operation, error }
        };
        let handler = ctx
            .socket(zmq::REP)
            .map_err(zmq_err("creating the ZAP handler's socket"))?;
        handler
            .set_linger(0)
            .map_err(zmq_err("setting ZMQ_LINGER of the ZAP handler's socket"))?;
        handler.bind(ZAP_ENDPOINT).map_err(zmq_err(&format!(
            "binding the ZAP handler to {ZAP_ENDPOINT}"
        )))?;

        let stop_endpoint = format!(
            "inproc://zmq-vsock.zap-stop.{}.{}",
            std::process::id(),
            STOP_ENDPOINT_ID.fetch_add(1, Ordering::Relaxed)
        );
        let stop = ctx
            .socket(zmq::PAIR)
            .map_err(zmq_err("creating the ZAP handler's stop socket"))?;
        stop.set_linger(0).map_err(zmq_err(
            "setting ZMQ_LINGER of the ZAP handler's stop socket",
        ))?;
        stop.bind(&stop_endpoint)
            .map_err(zmq_err(&format!("binding {stop_endpoint}")))?;
        let stopped = ctx
            .socket(zmq::PAIR)
            .map_err(zmq_err("creating the ZAP handler's stop socket"))?;
        stopped.set_linger(0).map_err(zmq_err(
            "setting ZMQ_LINGER of the ZAP handler's stop socket",
        ))?;
        stopped
            .connect(&stop_endpoint)
            .map_err(zmq_err(&format!("connecting {stop_endpoint}")))?;

        let authenticator: Authenticator = Box::new(authenticator);
        let thread = std::thread::Builder::new()
            .name("zmq-vsock-zap".to_string())
            .spawn(move || serve(handler, stopped, authenticator))
            .map_err(|error| Error::Io {
                operation: "starting the ZAP handler's thread".into(),
                error,
            })?;
        Ok(ZapHandler {
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    /// Stops answering, unbinds [`ZAP_ENDPOINT`] and waits for the thread; dropping the
    /// handler does the same but cannot report an error. Connections that start handshaking
    /// afterwards are no longer checked (see the [module documentation](self)).
    ///
    /// ```
    /// let ctx = zmq::Context::new();
    /// let handler = zmq_vsock::zap::ZapHandler::start(&ctx, zmq_vsock::zap::CidPolicy::allow([]))?;
    /// handler.stop()?;
    /// # Ok::<(), zmq_vsock::Error>(())
    /// ```
    pub fn stop(mut self) -> Result<()> {
        self.shut_down()
    }

    fn shut_down(&mut self) -> Result<()> {
        if let Some(stop) = self.stop.take() {
            // Fails only when the thread is gone already; join says why.
            let _ = stop.send(&b""[..], zmq::DONTWAIT);
        }
        match self.thread.take() {
            Some(thread) => thread.join().unwrap_or_else(|_| {
                Err(Error::Io {
                    operation: "running the ZAP handler".into(),
                    error: io::Error::other("its thread panicked"),
                })
            }),
            None => Ok(()),
        }
    }
}

impl Drop for ZapHandler {
    fn drop(&mut self) {
        let _ = self.shut_down();
    }
}

/// The handler's thread: answers requests until told to stop or the context terminates.
fn serve(
    handler: zmq::Socket,
    stopped: zmq::Socket,
    mut authenticator: Authenticator,
) -> Result<()> {
    let failed = |operation: &str, error| Error::Zmq {
        operation: operation.to_string(),
        error,
    };
    loop {
        let mut items = [
            handler.as_poll_item(zmq::POLLIN),
            stopped.as_poll_item(zmq::POLLIN),
        ];
        match zmq::poll(&mut items, -1) {
            Ok(_) => {}
            Err(zmq::Error::EINTR) => continue,
            Err(zmq::Error::ETERM) => return Ok(()),
            Err(e) => return Err(failed("polling the ZAP handler's sockets", e)),
        }
        if items[1].is_readable() {
            break;
        }
        if !items[0].is_readable() {
            continue;
        }
        let frames = match handler.recv_multipart(zmq::DONTWAIT) {
            Ok(frames) => frames,
            Err(zmq::Error::EAGAIN) | Err(zmq::Error::EINTR) => continue,
            Err(zmq::Error::ETERM) => return Ok(()),
            Err(e) => return Err(failed("receiving a ZAP request", e)),
        };
        let reply = answer(frames, &mut authenticator);
        match handler.send_multipart(reply, 0) {
            Ok(()) => {}
            Err(zmq::Error::ETERM) => return Ok(()),
            Err(e) => return Err(failed("sending a ZAP reply", e)),
        }
    }
    // At once, so that a new handler can bind; closing the socket would free the endpoint
    // only when libzmq's reaper gets to it.
    handler
        .unbind(ZAP_ENDPOINT)
        .map_err(|e| failed("unbinding the ZAP handler", e))
}

/// The reply frames for one request's frames.
fn answer(frames: Vec<Vec<u8>>, authenticator: &mut Authenticator) -> Vec<Vec<u8>> {
    let request_id = frames.get(1).cloned().unwrap_or_default();
    let internal = |text: String| ZapReply {
        status: ZapStatus::InternalError,
        status_text: text,
        user_id: String::new(),
        metadata: Vec::new(),
    };
    let reply = match parse_request(frames) {
        Err(why) => internal(why),
        Ok(request) => match catch_unwind(AssertUnwindSafe(|| authenticator(&request))) {
            Ok(reply) => reply,
            Err(_) => internal("the authenticator panicked".to_string()),
        },
    };
    reply.frames(&request_id).unwrap_or_else(|why| {
        internal(format!("invalid reply: {why}"))
            .frames(&request_id)
            .expect("a reply without metadata always encodes")
    })
}

/// Reads a request's frames: version `1.0` and the six fixed frames, then credentials.
fn parse_request(frames: Vec<Vec<u8>>) -> std::result::Result<ZapRequest, String> {
    if frames.len() < 6 {
        return Err(format!(
            "malformed ZAP request: {} frames, want at least 6",
            frames.len()
        ));
    }
    if frames[0] != ZAP_VERSION.as_bytes() {
        return Err(format!(
            "unsupported ZAP version {:?}",
            String::from_utf8_lossy(&frames[0])
        ));
    }
    let mut frames = frames.into_iter();
    let mut next = || frames.next().unwrap_or_default();
    let text = |frame: Vec<u8>| String::from_utf8_lossy(&frame).into_owned();
    let version = text(next());
    let request_id = next();
    let domain = text(next());
    let address = text(next());
    let routing_id = next();
    let mechanism = text(next());
    Ok(ZapRequest {
        version,
        request_id,
        domain,
        address,
        routing_id,
        mechanism,
        credentials: frames.collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request_frames(address: &str, mechanism: &str, credentials: &[&[u8]]) -> Vec<Vec<u8>> {
        let mut frames: Vec<Vec<u8>> = vec![
            b"1.0".to_vec(),
            b"1".to_vec(),
            b"vsock".to_vec(),
            address.as_bytes().to_vec(),
            b"peer-id".to_vec(),
            mechanism.as_bytes().to_vec(),
        ];
        frames.extend(credentials.iter().map(|c| c.to_vec()));
        frames
    }

    fn policy_authenticator(policy: CidPolicy) -> Authenticator {
        Box::new(move |r: &ZapRequest| policy.reply(r))
    }

    #[test]
    fn peer_cid_is_strictly_decimal() {
        for (text, want) in [
            ("0", Some(0)),
            ("1", Some(1)),
            ("2", Some(2)),
            ("4294967295", Some(u32::MAX)),
            ("4294967296", None),
            ("", None),
            ("-1", None),
            ("+1", None),
            (" 1", None),
            ("1 ", None),
            ("1:5555", None),
            ("127.0.0.1", None),
            ("::1", None),
            ("localhost:0:0:1", None),
        ] {
            assert_eq!(peer_cid(text), want, "{text:?}");
        }
    }

    #[test]
    fn allow_and_deny_lists() {
        let allow = CidPolicy::allow([1, 5]);
        let deny = CidPolicy::deny([1, 5]);
        for cid in [0, 1, 2, 3, 5, 6, u32::MAX] {
            let listed = cid == 1 || cid == 5;
            assert_eq!(allow.permits(cid), listed, "allow {cid}");
            assert_eq!(deny.permits(cid), !listed, "deny {cid}");
        }
        assert!((0..100).all(|c| !CidPolicy::allow([]).permits(c)));
        assert!((0..100).all(|c| CidPolicy::deny([]).permits(c)));
        assert!(CidPolicy::deny([]).permits(u32::MAX));
    }

    #[test]
    fn addresses_that_are_not_cids_are_refused_by_every_policy() {
        for policy in [
            CidPolicy::allow([1]),
            CidPolicy::deny([]),
            CidPolicy::deny([1]),
        ] {
            for address in ["", "127.0.0.1", "::1", "1:5555", " 1"] {
                assert!(!policy.permits_address(address), "{policy}: {address:?}");
                let reply = policy.reply(&ZapRequest::new("d", address, "NULL"));
                assert_eq!(
                    reply.status,
                    ZapStatus::AuthenticationFailure,
                    "{policy}: {address:?}"
                );
            }
        }
    }

    #[test]
    fn policy_replies() {
        let allowed = CidPolicy::allow([1]).reply(&ZapRequest::new("d", "1", "NULL"));
        assert_eq!(allowed, ZapReply::allow("1"));
        let denied = CidPolicy::deny([1]).reply(&ZapRequest::new("d", "1", "NULL"));
        assert_eq!(denied.status, ZapStatus::AuthenticationFailure);
        assert!(denied.user_id.is_empty());
        assert!(
            denied.status_text.contains("CID 1"),
            "{}",
            denied.status_text
        );
    }

    #[test]
    fn display_and_accessors() {
        assert_eq!(CidPolicy::deny([2]).to_string(), "deny CIDs 2");
        assert_eq!(CidPolicy::deny([]).to_string(), "deny no CID");
        assert_eq!(CidPolicy::allow([9, 1]).cids().collect::<Vec<_>>(), [1, 9]);
        assert_eq!(CidPolicy::allow([1, 2]), CidPolicy::allow([2, 1, 2]));
        assert_ne!(CidPolicy::allow([1]), CidPolicy::deny([1]));
    }

    /// What the doc examples show, also in `cargo test --lib`.
    #[test]
    fn values_and_constructors() {
        assert_eq!(ZAP_ENDPOINT, "inproc://zeromq.zap.01");
        let codes = [
            ZapStatus::Success,
            ZapStatus::TemporaryError,
            ZapStatus::AuthenticationFailure,
            ZapStatus::InternalError,
        ]
        .map(ZapStatus::code);
        assert_eq!(codes, ["200", "300", "400", "500"]);

        let request = ZapRequest::new("d", "7", "NULL");
        assert_eq!(
            (
                request.version.as_str(),
                &request.request_id[..],
                request.cid()
            ),
            ("1.0", &b"1"[..], Some(7))
        );
        assert!(request.routing_id.is_empty() && request.credentials.is_empty());
        let mut curve = ZapRequest::new("", "3", "CURVE");
        assert_eq!(curve.curve_public_key(), None);
        curve.credentials.push(vec![7; 31]);
        assert_eq!(curve.curve_public_key(), None);
        curve.credentials[0].push(7);
        assert_eq!(curve.curve_public_key(), Some([7; 32]));

        let allow = ZapReply::allow("5").with_metadata("X-Tenant", "blue");
        assert_eq!(
            (
                allow.status,
                allow.status_text.as_str(),
                allow.user_id.as_str()
            ),
            (ZapStatus::Success, "OK", "5")
        );
        assert_eq!(allow.metadata, [("X-Tenant".to_string(), b"blue".to_vec())]);
        let deny = ZapReply::deny("not on the list");
        assert_eq!(
            (deny.status, deny.status_text.as_str()),
            (ZapStatus::AuthenticationFailure, "not on the list")
        );
        assert!(deny.user_id.is_empty() && deny.metadata.is_empty());

        assert!(CidPolicy::allow([1]).is_allow_list());
        assert!(!CidPolicy::deny([1]).is_allow_list());
        assert_eq!(CidPolicy::allow([5, 3]).to_string(), "allow CIDs 3, 5");
        assert_eq!(CidPolicy::allow([]).to_string(), "allow no CID");
        assert!(CidPolicy::deny([crate::VMADDR_CID_HOST]).permits(5));
        assert!(!CidPolicy::deny([crate::VMADDR_CID_HOST]).permits(2));
    }

    #[test]
    fn requests_parse_with_credentials() {
        let key = [9u8; 32];
        let request = parse_request(request_frames("3", "CURVE", &[&key])).unwrap();
        assert_eq!(request.version, "1.0");
        assert_eq!(request.request_id, b"1");
        assert_eq!(request.domain, "vsock");
        assert_eq!(request.address, "3");
        assert_eq!(request.cid(), Some(3));
        assert_eq!(request.routing_id, b"peer-id");
        assert_eq!(request.mechanism, "CURVE");
        assert_eq!(request.credentials, [key.to_vec()]);
        assert_eq!(request.curve_public_key(), Some(key));

        let plain = parse_request(request_frames("3", "PLAIN", &[b"user", b"pw"])).unwrap();
        assert_eq!(plain.credentials.len(), 2);
        assert_eq!(plain.curve_public_key(), None);
    }

    #[test]
    fn reply_frames_follow_rfc_27() {
        let mut auth = policy_authenticator(CidPolicy::allow([1]));
        let frames = answer(request_frames("1", "NULL", &[]), &mut auth);
        assert_eq!(
            frames,
            [&b"1.0"[..], b"1", b"200", b"OK", b"1", b""].map(|f| f.to_vec())
        );
        let frames = answer(request_frames("2", "NULL", &[]), &mut auth);
        assert_eq!(frames.len(), 6);
        assert_eq!(frames[2], b"400");
        assert_eq!(frames[4], b"");
    }

    #[test]
    fn metadata_is_zmtp_encoded() {
        let reply = ZapReply::allow("u")
            .with_metadata("X-A", "bc")
            .with_metadata("X-Empty", "");
        let frames = reply.frames(b"7").unwrap();
        assert_eq!(frames[1], b"7");
        let mut want = vec![3u8];
        want.extend_from_slice(b"X-A");
        want.extend_from_slice(&2u32.to_be_bytes());
        want.extend_from_slice(b"bc");
        want.push(7);
        want.extend_from_slice(b"X-Empty");
        want.extend_from_slice(&0u32.to_be_bytes());
        assert_eq!(frames[5], want);
    }

    #[test]
    fn bad_metadata_becomes_status_500() {
        let mut auth: Authenticator =
            Box::new(|_: &ZapRequest| ZapReply::allow("u").with_metadata("", "x"));
        let frames = answer(request_frames("1", "NULL", &[]), &mut auth);
        assert_eq!(frames[2], b"500");
        assert_eq!(frames[5], b"");
        let long_name = "X".repeat(256);
        let mut auth: Authenticator = Box::new(move |_: &ZapRequest| {
            ZapReply::allow("u").with_metadata(long_name.clone(), "x")
        });
        assert_eq!(
            answer(request_frames("1", "NULL", &[]), &mut auth)[2],
            b"500"
        );
    }

    #[test]
    fn malformed_requests_get_status_500() {
        let mut auth = policy_authenticator(CidPolicy::deny([]));
        let short = answer(vec![b"1.0".to_vec(), b"9".to_vec()], &mut auth);
        assert_eq!(
            short[..3],
            [b"1.0".to_vec(), b"9".to_vec(), b"500".to_vec()]
        );
        let mut frames = request_frames("1", "NULL", &[]);
        frames[0] = b"2.0".to_vec();
        assert_eq!(answer(frames, &mut auth)[2], b"500");
        assert_eq!(
            answer(Vec::new(), &mut auth)[..3],
            [b"1.0".to_vec(), Vec::new(), b"500".to_vec()]
        );
    }

    #[test]
    fn a_panicking_authenticator_refuses_and_keeps_going() {
        let mut calls = 0;
        let mut auth: Authenticator = Box::new(move |_: &ZapRequest| {
            calls += 1;
            if calls == 1 {
                panic!("boom");
            }
            ZapReply::allow("ok")
        });
        // The panic's message shows in this test's captured output.
        let first = answer(request_frames("1", "NULL", &[]), &mut auth);
        assert_eq!(first[2], b"500");
        assert_eq!(
            answer(request_frames("1", "NULL", &[]), &mut auth)[2],
            b"200"
        );
    }

    /// The handler over inproc, with a REQ standing in for libzmq's ZAP client.
    #[test]
    fn the_handler_answers_over_inproc_and_stops() {
        let ctx = zmq::Context::new();
        let handler = ZapHandler::start(&ctx, CidPolicy::allow([1])).unwrap();
        let client = ctx.socket(zmq::REQ).unwrap();
        client.set_rcvtimeo(10_000).unwrap();
        client.set_linger(0).unwrap();
        client.connect(ZAP_ENDPOINT).unwrap();
        for (address, status) in [("1", "200"), ("2", "400"), ("x", "400")] {
            client
                .send_multipart(request_frames(address, "NULL", &[]), 0)
                .unwrap();
            let reply = client.recv_multipart(0).unwrap();
            assert_eq!(reply.len(), 6, "{address}");
            assert_eq!(reply[2], status.as_bytes(), "{address}");
        }
        assert!(matches!(
            ZapHandler::start(&ctx, CidPolicy::allow([1])),
            Err(Error::Zmq {
                error: zmq::Error::EADDRINUSE,
                ..
            })
        ));
        handler.stop().unwrap();
        // Freed at once: a new handler binds right away, and dropping it stops it too.
        for _ in 0..3 {
            drop(ZapHandler::start(&ctx, CidPolicy::deny([])).unwrap());
        }
    }
}
