//! Typed vsock/vmci/hvsock operations on rust-zmq's [`zmq::Socket`].

use std::ffi::CString;
use std::io;
use std::time::Duration;

use crate::error::{Error, Result};
use crate::hvsock_addr::HvsockAddr;
use crate::vmci_addr::VmciAddr;
use crate::vsock_addr::VsockAddr;
use options::{
    CONNECT_TIMEOUT, get_option, libzmq_error, millis_to_timeout, set_option, timeout_to_millis,
};

mod options;

mod sealed {
    /// Keeps [`SocketExt`](super::SocketExt) implemented for `zmq::Socket` only, so that
    /// methods can be added without breaking anyone.
    pub trait Sealed {}
    impl Sealed for zmq::Socket {}
}

/// vsock, vmci and hvsock endpoints, and the vsock options, on a [`zmq::Socket`].
///
/// Bring it into scope with `use zmq_vsock::SocketExt;`.
///
/// The vsock options are libzmq's `ZMQ_VMCI_*` options, which this crate's libzmq applies to
/// `vsock://` connections too. They go through libzmq's raw API, which rust-zmq 0.10 opens only
/// through [`zmq::Socket::as_mut_ptr`]; that takes `&mut self`, so these methods do too.
///
/// ```
/// use zmq_vsock::{SocketExt, VsockAddr};
///
/// let ctx = zmq::Context::new();
/// let socket = ctx.socket(zmq::REP)?;
/// // Bind on every CID of this machine; the kernel picks the port.
/// let bound = socket.bind_vsock(&VsockAddr::any(0).any_port())?;
/// assert!(!bound.is_wildcard_port());
/// assert_eq!(socket.get_last_vsock_endpoint()?, Some(bound));
/// # Ok::<(), zmq_vsock::Error>(())
/// ```
pub trait SocketExt: sealed::Sealed {
    /// Binds `addr` and returns the address actually bound, read back from
    /// `ZMQ_LAST_ENDPOINT`: a wildcard port comes back as the port the kernel picked.
    ///
    /// # Errors
    ///
    /// - [`Error::Io`] when this kernel cannot create AF_VSOCK sockets (checked first, since
    ///   rust-zmq panics on the `EAFNOSUPPORT` that libzmq would report).
    /// - [`Error::Zmq`] when libzmq refuses, e.g. `EADDRINUSE`, `EADDRNOTAVAIL` for a CID that
    ///   is not this machine's, `EACCES` for a reserved port without the privilege.
    ///
    /// ```
    /// use zmq_vsock::{SocketExt, VsockAddr};
    ///
    /// let ctx = zmq::Context::new();
    /// let socket = ctx.socket(zmq::PULL)?;
    /// let bound = socket.bind_vsock(&"vsock://*:*".parse::<VsockAddr>()?)?;
    /// println!("listening on {bound}");
    /// # Ok::<(), zmq_vsock::Error>(())
    /// ```
    fn bind_vsock(&self, addr: &VsockAddr) -> Result<VsockAddr>;

    /// Binds `addr` and returns the address actually bound, read back from
    /// `ZMQ_LAST_ENDPOINT`: `@` comes back as this machine's context ID and a wildcard port
    /// as the port the kernel picked.
    ///
    /// # Errors
    ///
    /// Those of [`bind_vsock`](Self::bind_vsock), and `ENODEV` for `@` on a machine without a
    /// VMCI context.
    ///
    /// ```
    /// use zmq_vsock::{SocketExt, VmciAddr};
    ///
    /// let ctx = zmq::Context::new();
    /// let socket = ctx.socket(zmq::PULL)?;
    /// let bound = socket.bind_vmci(&VmciAddr::any(0).any_port())?;
    /// println!("listening on {bound}");
    /// # Ok::<(), zmq_vsock::Error>(())
    /// ```
    fn bind_vmci(&self, addr: &VmciAddr) -> Result<VmciAddr>;

    /// Connects to `addr`.
    ///
    /// As with every libzmq transport, the connection itself is made (and retried) in the
    /// background; success here means libzmq accepted the endpoint.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] when this kernel cannot create AF_VSOCK sockets, [`Error::Zmq`] when libzmq
    /// refuses the endpoint.
    ///
    /// ```no_run
    /// use zmq_vsock::{SocketExt, VsockAddr, VMADDR_CID_HOST};
    ///
    /// let ctx = zmq::Context::new();
    /// let socket = ctx.socket(zmq::REQ)?;
    /// // From a guest, reach a service on the host.
    /// socket.connect_vsock(&VsockAddr::new(VMADDR_CID_HOST, 5555))?;
    /// # Ok::<(), zmq_vsock::Error>(())
    /// ```
    fn connect_vsock(&self, addr: &VsockAddr) -> Result<()>;

    /// Connects to `addr`; see [`connect_vsock`](Self::connect_vsock).
    ///
    /// # Errors
    ///
    /// Those of [`connect_vsock`](Self::connect_vsock), and `ENODEV` for `@` on a machine
    /// without a VMCI context.
    ///
    /// ```no_run
    /// use zmq_vsock::{SocketExt, VmciAddr};
    ///
    /// let ctx = zmq::Context::new();
    /// let socket = ctx.socket(zmq::REQ)?;
    /// socket.connect_vmci(&VmciAddr::this_machine(5555))?;
    /// # Ok::<(), zmq_vsock::Error>(())
    /// ```
    fn connect_vmci(&self, addr: &VmciAddr) -> Result<()>;

    /// `ZMQ_LAST_ENDPOINT` as a [`VsockAddr`]: `None` when the socket has no last endpoint
    /// yet or its last endpoint is of another transport.
    ///
    /// # Errors
    ///
    /// When reading the option fails, or it is a `vsock://` endpoint that does not parse.
    ///
    /// ```
    /// use zmq_vsock::SocketExt;
    ///
    /// let ctx = zmq::Context::new();
    /// let socket = ctx.socket(zmq::PUB)?;
    /// assert_eq!(socket.get_last_vsock_endpoint()?, None);
    /// # Ok::<(), zmq_vsock::Error>(())
    /// ```
    fn get_last_vsock_endpoint(&self) -> Result<Option<VsockAddr>>;

    /// `ZMQ_LAST_ENDPOINT` as a [`VmciAddr`]; see
    /// [`get_last_vsock_endpoint`](Self::get_last_vsock_endpoint).
    ///
    /// # Errors
    ///
    /// When reading the option fails, or it is a `vmci://` endpoint that does not parse.
    ///
    /// ```
    /// use zmq_vsock::SocketExt;
    ///
    /// let ctx = zmq::Context::new();
    /// let socket = ctx.socket(zmq::PUB)?;
    /// assert_eq!(socket.get_last_vmci_endpoint()?, None);
    /// # Ok::<(), zmq_vsock::Error>(())
    /// ```
    fn get_last_vmci_endpoint(&self) -> Result<Option<VmciAddr>>;

    /// Binds `addr`: listens on the unix socket `PATH_PORT`
    /// ([`HvsockAddr::uds_path`]), where a hybrid vsock VMM delivers a guest's connections to
    /// the host's vsock port PORT. Returns the address bound, read back from
    /// `ZMQ_LAST_ENDPOINT`.
    ///
    /// Takes `&mut self` because the bind goes through libzmq's raw API: the file system can
    /// refuse with errnos (`ENOTDIR`, `EROFS`, `ELOOP`, `EPERM`) on which rust-zmq's
    /// `zmq::Socket::bind` panics.
    ///
    /// # Errors
    ///
    /// [`Error::Zmq`] or [`Error::Io`] (for errnos rust-zmq has no variant for) with what the
    /// bind of the unix socket failed with, e.g. `ENOENT` when PATH's directory is missing.
    ///
    /// ```
    /// use zmq_vsock::{HvsockAddr, SocketExt};
    ///
    /// let dir = std::env::temp_dir().join(format!("zmq-vsock-doc-bind-{}", std::process::id()));
    /// std::fs::create_dir_all(&dir)?;
    /// let ctx = zmq::Context::new();
    /// let mut socket = ctx.socket(zmq::PULL)?;
    /// let addr = HvsockAddr::new(dir.join("vm.vsock"), 1024)?;
    /// assert_eq!(socket.bind_hvsock(&addr)?, addr);
    /// assert!(addr.uds_path().exists()); // dir/vm.vsock_1024
    /// socket.unbind_last_endpoint()?;
    /// assert!(!addr.uds_path().exists());
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn bind_hvsock(&mut self, addr: &HvsockAddr) -> Result<HvsockAddr>;

    /// Connects to the guest's vsock port of `addr` through its VMM's unix socket PATH (the
    /// `CONNECT`/`OK` handshake, then ZMTP).
    ///
    /// As with every libzmq transport, the connection itself is made (and retried) in the
    /// background: a refused handshake is retried after `ZMQ_RECONNECT_IVL`, and a handshake
    /// that has not finished within `ZMQ_CONNECT_TIMEOUT` (5 s when that is unset) is
    /// abandoned and retried. Only unix sockets are used, never AF_VSOCK.
    ///
    /// # Errors
    ///
    /// [`Error::Zmq`] when libzmq refuses the endpoint.
    ///
    /// ```
    /// use zmq_vsock::{HvsockAddr, SocketExt};
    ///
    /// let ctx = zmq::Context::new();
    /// let socket = ctx.socket(zmq::REQ)?;
    /// // The guest's port 5000, through Firecracker's vsock socket (retried until it is there).
    /// socket.connect_hvsock(&HvsockAddr::new("/run/firecracker/v.sock", 5000)?)?;
    /// assert_eq!(
    ///     socket.get_last_hvsock_endpoint()?,
    ///     Some(HvsockAddr::new("/run/firecracker/v.sock", 5000)?)
    /// );
    /// # Ok::<(), zmq_vsock::Error>(())
    /// ```
    fn connect_hvsock(&self, addr: &HvsockAddr) -> Result<()>;

    /// `ZMQ_LAST_ENDPOINT` as an [`HvsockAddr`]; see
    /// [`get_last_vsock_endpoint`](Self::get_last_vsock_endpoint).
    ///
    /// # Errors
    ///
    /// When reading the option fails, or it is an `hvsock://` endpoint that does not parse.
    ///
    /// ```
    /// use zmq_vsock::SocketExt;
    ///
    /// let ctx = zmq::Context::new();
    /// let socket = ctx.socket(zmq::PUB)?;
    /// assert_eq!(socket.get_last_hvsock_endpoint()?, None);
    /// # Ok::<(), zmq_vsock::Error>(())
    /// ```
    fn get_last_hvsock_endpoint(&self) -> Result<Option<HvsockAddr>>;

    /// Unbinds the endpoint in `ZMQ_LAST_ENDPOINT`, whatever its transport, and returns it.
    ///
    /// After a bind that is the bound endpoint with its real port, the string libzmq needs to
    /// unbind a wildcard bind. libzmq does not clear `ZMQ_LAST_ENDPOINT` on unbind, and also
    /// sets it on connect.
    ///
    /// # Errors
    ///
    /// [`Error::NoLastEndpoint`] when the socket has not bound anything; [`Error::Zmq`] with
    /// `ENOENT` when that endpoint is not bound (already unbound, or it was a connect).
    ///
    /// ```
    /// use zmq_vsock::{SocketExt, VsockAddr};
    ///
    /// let ctx = zmq::Context::new();
    /// let socket = ctx.socket(zmq::PUB)?;
    /// let bound = socket.bind_vsock(&VsockAddr::any(0).any_port())?;
    /// assert_eq!(socket.unbind_last_endpoint()?, bound.to_string());
    /// # Ok::<(), zmq_vsock::Error>(())
    /// ```
    fn unbind_last_endpoint(&self) -> Result<String>;

    // set_/get_vsock_buffer_size, _min_size and _max_size, from the table in options.rs.
    options::buffer_size_accessors!(declare);

    /// Sets how long the kernel waits for a vsock or vmci connection to be accepted, for
    /// connections made after this call (`ZMQ_VMCI_CONNECT_TIMEOUT`, the kernel's
    /// `SO_VM_SOCKETS_CONNECT_TIMEOUT`). `None` leaves the kernel's default.
    ///
    /// libzmq holds the timeout as an `i32` of milliseconds: a timeout with a fraction of a
    /// millisecond is rounded up, so that it never becomes 0.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidOptionValue`] for `Some(Duration::ZERO)` (libzmq would ignore it; pass
    /// `None` for the default) and for timeouts above `i32::MAX` milliseconds (about 24.8
    /// days); [`Error::Zmq`] when libzmq rejects the option.
    ///
    /// ```
    /// use std::time::Duration;
    /// use zmq_vsock::SocketExt;
    ///
    /// let ctx = zmq::Context::new();
    /// let mut socket = ctx.socket(zmq::REQ)?;
    /// socket.set_vsock_connect_timeout(Some(Duration::from_millis(2500)))?;
    /// assert_eq!(socket.get_vsock_connect_timeout()?, Some(Duration::from_millis(2500)));
    /// socket.set_vsock_connect_timeout(None)?;
    /// assert_eq!(socket.get_vsock_connect_timeout()?, None);
    /// # Ok::<(), zmq_vsock::Error>(())
    /// ```
    fn set_vsock_connect_timeout(&mut self, timeout: Option<Duration>) -> Result<()>;

    /// The connect timeout (`ZMQ_VMCI_CONNECT_TIMEOUT`); `None` means the kernel's default.
    ///
    /// # Errors
    ///
    /// [`Error::Zmq`] when libzmq rejects the option.
    ///
    /// ```
    /// use zmq_vsock::SocketExt;
    ///
    /// let ctx = zmq::Context::new();
    /// let mut socket = ctx.socket(zmq::REQ)?;
    /// assert_eq!(socket.get_vsock_connect_timeout()?, None);
    /// # Ok::<(), zmq_vsock::Error>(())
    /// ```
    fn get_vsock_connect_timeout(&mut self) -> Result<Option<Duration>>;
}

impl SocketExt for zmq::Socket {
    fn bind_vsock(&self, addr: &VsockAddr) -> Result<VsockAddr> {
        bind(self, &addr.to_string())?.parse()
    }

    fn bind_vmci(&self, addr: &VmciAddr) -> Result<VmciAddr> {
        bind(self, &addr.to_string())?.parse()
    }

    fn connect_vsock(&self, addr: &VsockAddr) -> Result<()> {
        connect(self, &addr.to_string())
    }

    fn connect_vmci(&self, addr: &VmciAddr) -> Result<()> {
        connect(self, &addr.to_string())
    }

    fn get_last_vsock_endpoint(&self) -> Result<Option<VsockAddr>> {
        last_endpoint_of(self, "vsock://")
    }

    fn get_last_vmci_endpoint(&self) -> Result<Option<VmciAddr>> {
        last_endpoint_of(self, "vmci://")
    }

    fn bind_hvsock(&mut self, addr: &HvsockAddr) -> Result<HvsockAddr> {
        let endpoint = addr.to_string();
        let c_endpoint = CString::new(endpoint.as_str()).expect("an HvsockAddr holds no NUL");
        // SAFETY: the socket pointer is live for the call and c_endpoint is NUL-terminated.
        let rc = unsafe { zmq_sys::zmq_bind(self.as_mut_ptr(), c_endpoint.as_ptr()) };
        if rc == -1 {
            return Err(libzmq_error(format!("binding {endpoint:?}")));
        }
        last_endpoint(self)?.parse()
    }

    fn connect_hvsock(&self, addr: &HvsockAddr) -> Result<()> {
        let endpoint = addr.to_string();
        self.connect(&endpoint).map_err(|error| Error::Zmq {
            operation: format!("connecting to {endpoint:?}"),
            error,
        })
    }

    fn get_last_hvsock_endpoint(&self) -> Result<Option<HvsockAddr>> {
        last_endpoint_of(self, "hvsock://")
    }

    fn unbind_last_endpoint(&self) -> Result<String> {
        let endpoint = last_endpoint(self)?;
        if endpoint.is_empty() {
            return Err(Error::NoLastEndpoint);
        }
        self.unbind(&endpoint).map_err(|error| Error::Zmq {
            operation: format!("unbinding {endpoint:?}"),
            error,
        })?;
        Ok(endpoint)
    }

    options::buffer_size_accessors!(implement);

    fn set_vsock_connect_timeout(&mut self, timeout: Option<Duration>) -> Result<()> {
        set_option(self, CONNECT_TIMEOUT, timeout_to_millis(timeout)?)
    }

    fn get_vsock_connect_timeout(&mut self) -> Result<Option<Duration>> {
        Ok(millis_to_timeout(get_option(self, CONNECT_TIMEOUT)?))
    }
}

/// Binds `endpoint` and returns `ZMQ_LAST_ENDPOINT`, which holds the real port.
fn bind(socket: &zmq::Socket, endpoint: &str) -> Result<String> {
    let operation = || format!("binding {endpoint:?}");
    require_af_vsock(operation)?;
    socket.bind(endpoint).map_err(|error| Error::Zmq {
        operation: operation(),
        error,
    })?;
    last_endpoint(socket)
}

fn connect(socket: &zmq::Socket, endpoint: &str) -> Result<()> {
    let operation = || format!("connecting to {endpoint:?}");
    require_af_vsock(operation)?;
    socket.connect(endpoint).map_err(|error| Error::Zmq {
        operation: operation(),
        error,
    })
}

/// Fails with a clear error when this kernel has no AF_VSOCK sockets (vsock module not loaded).
///
/// libzmq would fail the same way with `EAFNOSUPPORT`, an errno rust-zmq's `zmq::Error` lacks,
/// and rust-zmq panics on those; for connect it would fail silently in the background. Both
/// transports are AF_VSOCK on Linux. Creating a socket connects nothing.
fn require_af_vsock(operation: impl FnOnce() -> String) -> Result<()> {
    // SAFETY: socket(2) with constant arguments; the descriptor is closed just below.
    let fd = unsafe { libc::socket(libc::AF_VSOCK, libc::SOCK_STREAM | libc::SOCK_CLOEXEC, 0) };
    if fd == -1 {
        let error = io::Error::last_os_error();
        let hint = if error.raw_os_error() == Some(libc::EAFNOSUPPORT) {
            " (this kernel has no AF_VSOCK sockets: load the vsock module and a vsock transport)"
        } else {
            ""
        };
        return Err(Error::Io {
            operation: format!("{}{hint}", operation()),
            error,
        });
    }
    // SAFETY: `fd` was just created here and is closed once.
    unsafe { libc::close(fd) };
    Ok(())
}

fn last_endpoint(socket: &zmq::Socket) -> Result<String> {
    socket
        .get_last_endpoint()
        .map_err(|error| Error::Zmq {
            operation: "reading ZMQ_LAST_ENDPOINT".to_owned(),
            error,
        })?
        .map_err(Error::LastEndpointNotUtf8)
}

fn last_endpoint_of<A: std::str::FromStr<Err = Error>>(
    socket: &zmq::Socket,
    prefix: &str,
) -> Result<Option<A>> {
    let endpoint = last_endpoint(socket)?;
    if !endpoint.starts_with(prefix) {
        return Ok(None);
    }
    endpoint.parse().map(Some)
}
