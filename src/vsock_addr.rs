//! `vsock://CID:PORT` endpoints.

use std::fmt;
use std::str::FromStr;

use crate::cid::{VMADDR_CID_ANY, VMADDR_CID_LOCAL, VMADDR_PORT_ANY};
use crate::endpoint::{self, CidText, Field, Scheme};
use crate::error::Error;

/// A `vsock://CID:PORT` endpoint (Linux AF_VSOCK).
///
/// [`Display`](fmt::Display) prints exactly what libzmq prints in `ZMQ_LAST_ENDPOINT`
/// (`vsock://3:5555`, `vsock://*:*`), and [`FromStr`] parses that back, so the two round-trip.
///
/// Parsing is strict; libzmq's own parser is more lenient, and everything this one accepts
/// means the same to libzmq:
/// - split at the last `:`;
/// - CID: a decimal `u32`, `*` or `-1` ([`VMADDR_CID_ANY`]), or `@`;
/// - port: a decimal `u32` below [`VMADDR_PORT_ANY`], or `*` or `-1` ([`VMADDR_PORT_ANY`]:
///   the kernel picks a port when binding);
/// - decimal numbers are ASCII digits only: no sign, no blanks, nothing after them, no
///   overflow. Leading zeros are accepted (`007` is 7), as libzmq does; they print without.
///
/// `@` means "this machine", which for vsock libzmq binds as [`VMADDR_CID_LOCAL`]. It is
/// therefore parsed straight to CID 1, and prints back as `vsock://1:PORT`, the same string
/// `ZMQ_LAST_ENDPOINT` shows after binding `vsock://@:PORT`.
///
/// ```
/// use zmq_vsock::{VsockAddr, VMADDR_CID_ANY, VMADDR_PORT_ANY};
///
/// let addr: VsockAddr = "vsock://3:5555".parse()?;
/// assert_eq!((addr.cid(), addr.port()), (3, 5555));
/// assert_eq!(addr.to_string(), "vsock://3:5555");
///
/// let wildcard: VsockAddr = "vsock://*:-1".parse()?;
/// assert_eq!(wildcard, VsockAddr::new(VMADDR_CID_ANY, VMADDR_PORT_ANY));
/// assert_eq!(wildcard.to_string(), "vsock://*:*");
///
/// assert_eq!("vsock://@:5555".parse::<VsockAddr>()?, VsockAddr::this_machine(5555));
/// assert!("vsock://3abc:5555".parse::<VsockAddr>().is_err());
/// # Ok::<(), zmq_vsock::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct VsockAddr {
    cid: u32,
    port: u32,
}

impl VsockAddr {
    /// The endpoint `vsock://CID:PORT`. [`VMADDR_CID_ANY`] and [`VMADDR_PORT_ANY`] are the
    /// wildcards.
    ///
    /// ```
    /// let addr = zmq_vsock::VsockAddr::new(3, 2009915729);
    /// assert_eq!(addr.to_string(), "vsock://3:2009915729");
    /// ```
    pub const fn new(cid: u32, port: u32) -> Self {
        VsockAddr { cid, port }
    }

    /// `vsock://1:PORT`: this machine, over the loopback CID [`VMADDR_CID_LOCAL`]; what
    /// `vsock://@:PORT` parses to.
    ///
    /// ```
    /// use zmq_vsock::VsockAddr;
    /// assert_eq!(VsockAddr::this_machine(5555).to_string(), "vsock://1:5555");
    /// assert_eq!("vsock://@:5555".parse::<VsockAddr>()?, VsockAddr::this_machine(5555));
    /// # Ok::<(), zmq_vsock::Error>(())
    /// ```
    pub const fn this_machine(port: u32) -> Self {
        VsockAddr::new(VMADDR_CID_LOCAL, port)
    }

    /// `vsock://*:PORT`: every CID of this machine (for binding).
    ///
    /// ```
    /// assert_eq!(zmq_vsock::VsockAddr::any(5555).to_string(), "vsock://*:5555");
    /// ```
    pub const fn any(port: u32) -> Self {
        VsockAddr::new(VMADDR_CID_ANY, port)
    }

    /// The CID ([`VMADDR_CID_ANY`] for `*`).
    ///
    /// ```
    /// assert_eq!(zmq_vsock::VsockAddr::new(3, 5555).cid(), 3);
    /// ```
    pub const fn cid(&self) -> u32 {
        self.cid
    }

    /// The port ([`VMADDR_PORT_ANY`] for `*`).
    ///
    /// ```
    /// assert_eq!(zmq_vsock::VsockAddr::new(3, 5555).port(), 5555);
    /// ```
    pub const fn port(&self) -> u32 {
        self.port
    }

    /// Whether the CID is [`VMADDR_CID_LOCAL`], this machine (`@` parses to it).
    ///
    /// ```
    /// use zmq_vsock::VsockAddr;
    /// assert!(VsockAddr::this_machine(5555).is_this_machine());
    /// assert!("vsock://@:5555".parse::<VsockAddr>()?.is_this_machine());
    /// assert!(!VsockAddr::any(5555).is_this_machine());
    /// # Ok::<(), zmq_vsock::Error>(())
    /// ```
    pub const fn is_this_machine(&self) -> bool {
        self.cid == VMADDR_CID_LOCAL
    }

    /// The same CID with another port.
    ///
    /// ```
    /// let addr = zmq_vsock::VsockAddr::this_machine(5555).with_port(6666);
    /// assert_eq!(addr.to_string(), "vsock://1:6666");
    /// ```
    #[must_use]
    pub const fn with_port(self, port: u32) -> Self {
        VsockAddr::new(self.cid, port)
    }

    /// The same port with another CID.
    ///
    /// ```
    /// let addr = zmq_vsock::VsockAddr::any(5555).with_cid(3);
    /// assert_eq!(addr.to_string(), "vsock://3:5555");
    /// ```
    #[must_use]
    pub const fn with_cid(self, cid: u32) -> Self {
        VsockAddr::new(cid, self.port)
    }

    /// The same CID with the wildcard port, so that binding picks a free port.
    ///
    /// ```
    /// let addr = zmq_vsock::VsockAddr::this_machine(5555).any_port();
    /// assert_eq!(addr.to_string(), "vsock://1:*");
    /// ```
    #[must_use]
    pub const fn any_port(self) -> Self {
        self.with_port(VMADDR_PORT_ANY)
    }

    /// Whether the port is the wildcard [`VMADDR_PORT_ANY`] (`*`).
    ///
    /// ```
    /// use zmq_vsock::VsockAddr;
    /// assert!(VsockAddr::this_machine(5555).any_port().is_wildcard_port());
    /// assert!(!VsockAddr::this_machine(5555).is_wildcard_port());
    /// ```
    pub const fn is_wildcard_port(&self) -> bool {
        self.port == VMADDR_PORT_ANY
    }

    /// Whether the CID is the wildcard [`VMADDR_CID_ANY`] (`*`).
    ///
    /// ```
    /// use zmq_vsock::VsockAddr;
    /// assert!(VsockAddr::any(5555).is_wildcard_cid());
    /// assert!(!VsockAddr::this_machine(5555).is_wildcard_cid());
    /// ```
    pub const fn is_wildcard_cid(&self) -> bool {
        self.cid == VMADDR_CID_ANY
    }
}

impl fmt::Display for VsockAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}{}:{}",
            Scheme::Vsock.prefix(),
            Field(self.cid),
            Field(self.port)
        )
    }
}

impl FromStr for VsockAddr {
    type Err = Error;

    fn from_str(endpoint: &str) -> Result<Self, Error> {
        let parsed = endpoint::parse(Scheme::Vsock, endpoint)?;
        let cid = match parsed.cid {
            CidText::Number(cid) => cid,
            // What libzmq binds for `@`, known without asking the kernel.
            CidText::ThisMachine => VMADDR_CID_LOCAL,
        };
        Ok(VsockAddr::new(cid, parsed.port))
    }
}

impl From<(u32, u32)> for VsockAddr {
    /// `(cid, port)`.
    ///
    /// ```
    /// let addr = zmq_vsock::VsockAddr::from((3, 5555));
    /// assert_eq!(addr, zmq_vsock::VsockAddr::new(3, 5555));
    /// ```
    fn from((cid, port): (u32, u32)) -> Self {
        VsockAddr::new(cid, port)
    }
}

impl From<VsockAddr> for String {
    /// The endpoint string, as [`Display`](fmt::Display) prints it.
    ///
    /// ```
    /// let endpoint: String = zmq_vsock::VsockAddr::any(5555).into();
    /// assert_eq!(endpoint, "vsock://*:5555");
    /// ```
    fn from(addr: VsockAddr) -> Self {
        addr.to_string()
    }
}
