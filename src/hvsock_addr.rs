//! `hvsock://PATH:PORT` endpoints: hybrid vsock.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use crate::endpoint::{self, HVSOCK_PREFIX};
use crate::error::{EndpointPart, Error, Result};

/// An `hvsock://PATH:PORT` endpoint: a guest's vsock PORT reached through the unix socket PATH
/// that its VMM gives the host ("hybrid vsock": Firecracker, Cloud Hypervisor,
/// vhost-device-vsock; Kata Containers writes endpoints this way).
///
/// - **Connecting** reaches the service a guest listens on at vsock port PORT: libzmq connects
///   to PATH, writes `CONNECT PORT\n`, waits for the VMM's `OK <n>\n` and then speaks ZMTP on
///   that stream. A VMM that refuses (nothing listens on that guest port), a reply that is not
///   `OK <n>\n` or a handshake that takes longer than `ZMQ_CONNECT_TIMEOUT` (5 s when it is
///   unset) is a failed connect, retried after `ZMQ_RECONNECT_IVL` like any other.
/// - **Binding** listens on the unix socket `PATH_PORT` ([`uds_path`](Self::uds_path)), which
///   is where the VMM delivers a guest's connection to the host (CID 2) at vsock port PORT.
///   Like `ipc://`, a bind replaces a file left at `PATH_PORT`; unlike libzmq 4.3.5's `ipc://`,
///   unbinding removes the socket file, and `zmq_unbind` returns once it is gone, so binding
///   again right away succeeds.
///
/// Nothing here uses AF_VSOCK: both ends on the host are unix sockets. The VMM's socket carries
/// no guest CID, so the `Peer-Address` of messages (and the ZAP address) is what libzmq gives
/// any unix socket, `localhost:UID:GID:PID` of the VMM process with glibc, and a
/// [`CidPolicy`](crate::zap::CidPolicy) refuses such peers.
///
/// [`Display`](fmt::Display) prints exactly what libzmq prints in `ZMQ_LAST_ENDPOINT`, and
/// [`FromStr`] parses that back. The grammar is strict, and what it accepts is exactly what
/// libzmq accepts (the two are compared by a differential test):
/// - split at the last `:`, so the path may hold colons;
/// - PATH: not empty, no NUL; a file system path (a leading `@` is a file name's first
///   character, not the abstract namespace that `ipc://` makes of it);
/// - PORT: ASCII digits of a `u32` below [`VMADDR_PORT_ANY`](crate::VMADDR_PORT_ANY)
///   (leading zeros accepted, printed without); no `*` or `-1`: a VMM routes by port number;
/// - `PATH_PORT` must fit a unix socket address: at most 107 bytes. The rule is the same for
///   connecting and binding, so every address that parses can be bound.
///
/// Paths are UTF-8 here, since rust-zmq passes endpoints as `&str`.
///
/// ```
/// use zmq_vsock::HvsockAddr;
///
/// let addr: HvsockAddr = "hvsock:///run/vm/vsock.sock:1024".parse()?;
/// assert_eq!(addr.path(), std::path::Path::new("/run/vm/vsock.sock"));
/// assert_eq!(addr.port(), 1024);
/// assert_eq!(addr.uds_path(), std::path::Path::new("/run/vm/vsock.sock_1024"));
/// assert_eq!(addr.to_string(), "hvsock:///run/vm/vsock.sock:1024");
///
/// assert!("hvsock:///run/vm/vsock.sock:*".parse::<HvsockAddr>().is_err());
/// # Ok::<(), zmq_vsock::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct HvsockAddr {
    // UTF-8 (a String, not a PathBuf) so that Display is exact.
    path: String,
    port: u32,
}

impl HvsockAddr {
    /// The endpoint `hvsock://PATH:PORT`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidEndpoint`] when `path` is empty, is not UTF-8 or holds a NUL, when
    /// `port` is [`VMADDR_PORT_ANY`](crate::VMADDR_PORT_ANY), or when `PATH_PORT` is longer
    /// than a unix socket address holds (107 bytes).
    ///
    /// ```
    /// use zmq_vsock::HvsockAddr;
    ///
    /// let addr = HvsockAddr::new("/run/fc/v.sock", 52)?;
    /// assert_eq!(addr.to_string(), "hvsock:///run/fc/v.sock:52");
    /// assert!(HvsockAddr::new("", 52).is_err());
    /// assert!(HvsockAddr::new("/run/fc/v.sock", u32::MAX).is_err());
    /// # Ok::<(), zmq_vsock::Error>(())
    /// ```
    pub fn new(path: impl AsRef<Path>, port: u32) -> Result<Self> {
        let path = path.as_ref();
        let Some(text) = path.to_str() else {
            return Err(Error::InvalidEndpoint {
                scheme: endpoint::HVSOCK,
                endpoint: format!("{HVSOCK_PREFIX}{}:{port}", path.display()),
                part: EndpointPart::Path,
                reason: format!("path {path:?} is not UTF-8"),
            });
        };
        endpoint::check_hvsock(&format!("{HVSOCK_PREFIX}{text}:{port}"), text, port)?;
        Ok(HvsockAddr {
            path: text.to_owned(),
            port,
        })
    }

    /// PATH: the VMM's unix socket for the guest's vsock device, which connecting reaches.
    ///
    /// ```
    /// let addr = zmq_vsock::HvsockAddr::new("/run/vm.sock", 1024)?;
    /// assert_eq!(addr.path(), std::path::Path::new("/run/vm.sock"));
    /// # Ok::<(), zmq_vsock::Error>(())
    /// ```
    pub fn path(&self) -> &Path {
        Path::new(&self.path)
    }

    /// PORT: the guest's vsock port when connecting, the host's when binding.
    ///
    /// ```
    /// assert_eq!(zmq_vsock::HvsockAddr::new("/run/vm.sock", 1024)?.port(), 1024);
    /// # Ok::<(), zmq_vsock::Error>(())
    /// ```
    pub fn port(&self) -> u32 {
        self.port
    }

    /// The same path with another port.
    ///
    /// # Errors
    ///
    /// Those of [`new`](Self::new): the port's digits can make `PATH_PORT` too long.
    ///
    /// ```
    /// let addr = zmq_vsock::HvsockAddr::new("/run/vm.sock", 1024)?.with_port(5000)?;
    /// assert_eq!(addr.to_string(), "hvsock:///run/vm.sock:5000");
    /// # Ok::<(), zmq_vsock::Error>(())
    /// ```
    pub fn with_port(&self, port: u32) -> Result<Self> {
        HvsockAddr::new(&self.path, port)
    }

    /// `PATH_PORT`: the unix socket that binding this address listens on, and where the VMM
    /// delivers a guest's connection to the host's vsock port PORT.
    ///
    /// ```
    /// let addr = zmq_vsock::HvsockAddr::new("/run/vm.sock", 1024)?;
    /// assert_eq!(addr.uds_path(), std::path::Path::new("/run/vm.sock_1024"));
    /// # Ok::<(), zmq_vsock::Error>(())
    /// ```
    pub fn uds_path(&self) -> PathBuf {
        PathBuf::from(format!("{}_{}", self.path, self.port))
    }
}

impl fmt::Display for HvsockAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{HVSOCK_PREFIX}{}:{}", self.path, self.port)
    }
}

impl FromStr for HvsockAddr {
    type Err = Error;

    fn from_str(endpoint: &str) -> Result<Self> {
        let (path, port) = endpoint::parse_hvsock(endpoint)?;
        Ok(HvsockAddr {
            path: path.to_owned(),
            port,
        })
    }
}

impl From<HvsockAddr> for String {
    /// The endpoint string, as [`Display`](fmt::Display) prints it.
    ///
    /// ```
    /// let endpoint: String = zmq_vsock::HvsockAddr::new("/run/vm.sock", 1024)?.into();
    /// assert_eq!(endpoint, "hvsock:///run/vm.sock:1024");
    /// # Ok::<(), zmq_vsock::Error>(())
    /// ```
    fn from(addr: HvsockAddr) -> Self {
        addr.to_string()
    }
}
