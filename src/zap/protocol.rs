//! The ZAP wire format (RFC 27): requests, replies and their frames.

use super::peer_cid;

/// libzmq's ZAP endpoint: where a ZAP handler binds, on the context whose sockets it serves.
///
/// ```
/// assert_eq!(zmq_vsock::zap::ZAP_ENDPOINT, "inproc://zeromq.zap.01");
/// ```
pub const ZAP_ENDPOINT: &str = "inproc://zeromq.zap.01";

/// The ZAP protocol version libzmq speaks, in requests and replies.
const ZAP_VERSION: &str = "1.0";

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
/// [`ZapHandler`](super::ZapHandler).
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
    pub(super) fn frames(&self, request_id: &[u8]) -> Result<Vec<Vec<u8>>, String> {
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
fn encode_metadata(properties: &[(String, Vec<u8>)]) -> Result<Vec<u8>, String> {
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

/// Reads a request's frames: version `1.0` and the six fixed frames, then credentials.
pub(super) fn parse_request(frames: Vec<Vec<u8>>) -> Result<ZapRequest, String> {
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

/// A request's frames as libzmq sends them, with domain `vsock` and routing ID `peer-id`.
#[cfg(test)]
pub(super) fn request_frames(
    address: &str,
    mechanism: &str,
    credentials: &[&[u8]],
) -> Vec<Vec<u8>> {
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
