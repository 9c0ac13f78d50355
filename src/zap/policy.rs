//! Who may connect: allow and deny lists of CIDs, and the CID in a peer address.

use std::collections::BTreeSet;
use std::fmt;

use super::{ZapReply, ZapRequest};
use crate::endpoint::parse_decimal;

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
    // The same decimal rule as a CID in an endpoint: digits only, no sign or blank, fits u32.
    parse_decimal(address).ok()
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
    /// in), otherwise status 400. This is what a [`ZapHandler`](super::ZapHandler) started
    /// with this policy answers.
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

#[cfg(test)]
mod tests {
    use super::super::ZapStatus;
    use super::*;

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
    fn doc_example_values() {
        assert!(CidPolicy::allow([1]).is_allow_list());
        assert!(!CidPolicy::deny([1]).is_allow_list());
        assert_eq!(CidPolicy::allow([5, 3]).to_string(), "allow CIDs 3, 5");
        assert_eq!(CidPolicy::allow([]).to_string(), "allow no CID");
        assert!(CidPolicy::deny([crate::VMADDR_CID_HOST]).permits(5));
        assert!(!CidPolicy::deny([crate::VMADDR_CID_HOST]).permits(2));
    }
}
