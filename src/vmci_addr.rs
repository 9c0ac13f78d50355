//! `vmci://CID:PORT` endpoints.

use std::fmt;
use std::io;
use std::str::FromStr;

use crate::cid::{vmci_local_cid, VMADDR_CID_ANY, VMADDR_PORT_ANY};
use crate::endpoint::{self, CidText, Field, Scheme};
use crate::error::Error;

/// A `vmci://CID:PORT` endpoint (VMware VMCI sockets; on Linux our libzmq runs them on
/// AF_VSOCK).
///
/// The grammar, and the round-trip of [`Display`](fmt::Display) and [`FromStr`] with the
/// strings libzmq prints in `ZMQ_LAST_ENDPOINT`, are those of [`VsockAddr`](crate::VsockAddr).
///
/// The difference is `@`. It means this machine's VMCI context ID, which libzmq looks up with
/// `VMCISock_GetLocalCID()` only when binding or connecting (and fails with `ENODEV` when there
/// is none). Parsing therefore cannot turn it into a number: a `VmciAddr` keeps `@` as its own
/// CID form ([`is_this_machine`](Self::is_this_machine)), and it prints back as `vmci://@:PORT`.
/// [`cid`](Self::cid) and [`resolve_cid`](Self::resolve_cid) do the lookup when you need the
/// number.
///
/// ```
/// use zmq_vsock::VmciAddr;
///
/// let addr: VmciAddr = "vmci://3:5555".parse()?;
/// assert_eq!((addr.cid(), addr.port()), (3, 5555));
///
/// let here: VmciAddr = "vmci://@:5555".parse()?;
/// assert!(here.is_this_machine());
/// assert_eq!(here.cid(), zmq_vsock::vmci_local_cid().unwrap_or(zmq_vsock::VMADDR_CID_ANY));
/// assert_eq!(here.to_string(), "vmci://@:5555");
///
/// assert_eq!("vmci://-1:*".parse::<VmciAddr>()?.to_string(), "vmci://*:*");
/// # Ok::<(), zmq_vsock::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct VmciAddr {
    /// `None` is `@`: every `u32` is a CID of its own, so `@` cannot be one of them.
    cid: Option<u32>,
    port: u32,
}

impl VmciAddr {
    /// The endpoint `vmci://CID:PORT`. [`VMADDR_CID_ANY`] and [`VMADDR_PORT_ANY`] are the
    /// wildcards.
    ///
    /// ```
    /// let addr = zmq_vsock::VmciAddr::new(3, 5555);
    /// assert_eq!(addr.to_string(), "vmci://3:5555");
    /// ```
    pub const fn new(cid: u32, port: u32) -> Self {
        VmciAddr {
            cid: Some(cid),
            port,
        }
    }

    /// `vmci://@:PORT`: this machine, whose context ID libzmq looks up when binding or
    /// connecting.
    ///
    /// ```
    /// let addr = zmq_vsock::VmciAddr::this_machine(5555);
    /// assert_eq!(addr.to_string(), "vmci://@:5555");
    /// ```
    pub const fn this_machine(port: u32) -> Self {
        VmciAddr { cid: None, port }
    }

    /// `vmci://*:PORT`: every context ID of this machine (for binding).
    ///
    /// ```
    /// assert_eq!(zmq_vsock::VmciAddr::any(5555).to_string(), "vmci://*:5555");
    /// ```
    pub const fn any(port: u32) -> Self {
        VmciAddr::new(VMADDR_CID_ANY, port)
    }

    /// The CID ([`VMADDR_CID_ANY`] for `*`). For `@` it is this machine's context ID as
    /// `VMCISock_GetLocalCID()` reports it now (the call libzmq makes when it binds or
    /// connects), which is [`VMADDR_CID_ANY`] when there is none, as in VMware's API; use
    /// [`resolve_cid`](Self::resolve_cid) to get that case as an error, and
    /// [`is_this_machine`](Self::is_this_machine) to tell `@` from a number.
    ///
    /// ```
    /// use zmq_vsock::VmciAddr;
    /// assert_eq!(VmciAddr::new(3, 5555).cid(), 3);
    /// let here = VmciAddr::this_machine(5555).cid();
    /// assert_eq!(here, zmq_vsock::vmci_local_cid().unwrap_or(zmq_vsock::VMADDR_CID_ANY));
    /// ```
    pub fn cid(&self) -> u32 {
        self.resolve_cid().unwrap_or(VMADDR_CID_ANY)
    }

    /// The port ([`VMADDR_PORT_ANY`] for `*`).
    ///
    /// ```
    /// assert_eq!(zmq_vsock::VmciAddr::new(3, 5555).port(), 5555);
    /// ```
    pub const fn port(&self) -> u32 {
        self.port
    }

    /// Whether the CID is `@`, this machine.
    ///
    /// ```
    /// use zmq_vsock::VmciAddr;
    /// assert!(VmciAddr::this_machine(5555).is_this_machine());
    /// assert!(!VmciAddr::any(5555).is_this_machine());
    /// ```
    pub const fn is_this_machine(&self) -> bool {
        self.cid.is_none()
    }

    /// The CID as a number, looking `@` up with [`vmci_local_cid`] the way libzmq does.
    ///
    /// # Errors
    ///
    /// Those of [`vmci_local_cid`] (`ENODEV` when this machine has no VMCI context), and only
    /// for `@`.
    ///
    /// ```
    /// use zmq_vsock::VmciAddr;
    /// assert_eq!(VmciAddr::new(3, 5555).resolve_cid()?, 3);
    /// match VmciAddr::this_machine(5555).resolve_cid() {
    ///     Ok(cid) => println!("@ is {cid} here"),
    ///     Err(err) => println!("no VMCI context here: {err}"),
    /// }
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn resolve_cid(&self) -> io::Result<u32> {
        match self.cid {
            Some(cid) => Ok(cid),
            None => vmci_local_cid(),
        }
    }

    /// The same CID with another port.
    ///
    /// ```
    /// let addr = zmq_vsock::VmciAddr::this_machine(5555).with_port(6666);
    /// assert_eq!(addr.to_string(), "vmci://@:6666");
    /// ```
    #[must_use]
    pub const fn with_port(self, port: u32) -> Self {
        VmciAddr {
            cid: self.cid,
            port,
        }
    }

    /// The same port with a numeric CID (replacing `@` too).
    ///
    /// ```
    /// let addr = zmq_vsock::VmciAddr::this_machine(5555).with_cid(3);
    /// assert_eq!(addr.to_string(), "vmci://3:5555");
    /// ```
    #[must_use]
    pub const fn with_cid(self, cid: u32) -> Self {
        VmciAddr::new(cid, self.port)
    }

    /// The same CID with the wildcard port, so that binding picks a free port.
    ///
    /// ```
    /// let addr = zmq_vsock::VmciAddr::any(5555).any_port();
    /// assert_eq!(addr.to_string(), "vmci://*:*");
    /// ```
    #[must_use]
    pub const fn any_port(self) -> Self {
        self.with_port(VMADDR_PORT_ANY)
    }

    /// Whether the port is the wildcard [`VMADDR_PORT_ANY`] (`*`).
    ///
    /// ```
    /// use zmq_vsock::VmciAddr;
    /// assert!(VmciAddr::any(5555).any_port().is_wildcard_port());
    /// assert!(!VmciAddr::any(5555).is_wildcard_port());
    /// ```
    pub const fn is_wildcard_port(&self) -> bool {
        self.port == VMADDR_PORT_ANY
    }

    /// Whether the CID is the wildcard [`VMADDR_CID_ANY`] (`*`).
    ///
    /// ```
    /// use zmq_vsock::VmciAddr;
    /// assert!(VmciAddr::any(5555).is_wildcard_cid());
    /// assert!(!VmciAddr::this_machine(5555).is_wildcard_cid());
    /// ```
    pub const fn is_wildcard_cid(&self) -> bool {
        matches!(self.cid, Some(VMADDR_CID_ANY))
    }
}

impl fmt::Display for VmciAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(Scheme::Vmci.prefix())?;
        match self.cid {
            Some(cid) => write!(f, "{}", Field(cid))?,
            None => f.write_str("@")?,
        }
        write!(f, ":{}", Field(self.port))
    }
}

impl FromStr for VmciAddr {
    type Err = Error;

    fn from_str(endpoint: &str) -> Result<Self, Error> {
        let parsed = endpoint::parse(Scheme::Vmci, endpoint)?;
        Ok(match parsed.cid {
            CidText::Number(cid) => VmciAddr::new(cid, parsed.port),
            CidText::ThisMachine => VmciAddr::this_machine(parsed.port),
        })
    }
}

impl From<(u32, u32)> for VmciAddr {
    /// `(cid, port)`.
    ///
    /// ```
    /// let addr = zmq_vsock::VmciAddr::from((3, 5555));
    /// assert_eq!(addr, zmq_vsock::VmciAddr::new(3, 5555));
    /// ```
    fn from((cid, port): (u32, u32)) -> Self {
        VmciAddr::new(cid, port)
    }
}

impl From<VmciAddr> for String {
    /// The endpoint string, as [`Display`](fmt::Display) prints it.
    ///
    /// ```
    /// let endpoint: String = zmq_vsock::VmciAddr::this_machine(5555).into();
    /// assert_eq!(endpoint, "vmci://@:5555");
    /// ```
    fn from(addr: VmciAddr) -> Self {
        addr.to_string()
    }
}
