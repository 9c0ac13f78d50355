//! Typed vsock/vmci operations on rust-zmq's [`zmq::Socket`].

use std::io;
use std::mem;
use std::os::raw::{c_int, c_void};
use std::time::Duration;

use crate::error::{Error, Result};
use crate::vmci_addr::VmciAddr;
use crate::vsock_addr::VsockAddr;

mod sealed {
    /// Keeps [`SocketExt`](super::SocketExt) implemented for `zmq::Socket` only, so that
    /// methods can be added without breaking anyone.
    pub trait Sealed {}
    impl Sealed for zmq::Socket {}
}

/// vsock and vmci endpoints and options on a [`zmq::Socket`].
///
/// Bring it into scope with `use zmq_vsock::SocketExt;`.
///
/// The socket options go through libzmq's raw API, which rust-zmq 0.10 opens only through
/// [`zmq::Socket::as_mut_ptr`]; that takes `&mut self`, so these methods do too.
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

    /// Sets the socket buffer size, in bytes, of the vsock and vmci connections made after
    /// this call (libzmq's `ZMQ_VMCI_BUFFER_SIZE`, the kernel's `SO_VM_SOCKETS_BUFFER_SIZE`;
    /// our libzmq applies it to `vsock://` too). 0 leaves the kernel's default. The kernel
    /// keeps the size between the minimum and maximum sizes.
    ///
    /// # Errors
    ///
    /// [`Error::Zmq`] when libzmq rejects the option.
    ///
    /// ```
    /// use zmq_vsock::SocketExt;
    ///
    /// let ctx = zmq::Context::new();
    /// let mut socket = ctx.socket(zmq::PUSH)?;
    /// socket.set_vsock_buffer_max_size(1 << 20)?;
    /// socket.set_vsock_buffer_size(1 << 20)?;
    /// assert_eq!(socket.get_vsock_buffer_size()?, 1 << 20);
    /// # Ok::<(), zmq_vsock::Error>(())
    /// ```
    fn set_vsock_buffer_size(&mut self, bytes: u64) -> Result<()>;

    /// The buffer size set with [`set_vsock_buffer_size`](Self::set_vsock_buffer_size)
    /// (`ZMQ_VMCI_BUFFER_SIZE`); 0 means the kernel's default.
    ///
    /// # Errors
    ///
    /// [`Error::Zmq`] when libzmq rejects the option.
    ///
    /// ```
    /// use zmq_vsock::SocketExt;
    ///
    /// let ctx = zmq::Context::new();
    /// let mut socket = ctx.socket(zmq::PUSH)?;
    /// assert_eq!(socket.get_vsock_buffer_size()?, 0);
    /// # Ok::<(), zmq_vsock::Error>(())
    /// ```
    fn get_vsock_buffer_size(&mut self) -> Result<u64>;

    /// Sets the minimum socket buffer size, in bytes, of later vsock and vmci connections
    /// (`ZMQ_VMCI_BUFFER_MIN_SIZE`, the kernel's `SO_VM_SOCKETS_BUFFER_MIN_SIZE`). 0 leaves the
    /// kernel's default.
    ///
    /// # Errors
    ///
    /// [`Error::Zmq`] when libzmq rejects the option.
    ///
    /// ```
    /// use zmq_vsock::SocketExt;
    ///
    /// let ctx = zmq::Context::new();
    /// let mut socket = ctx.socket(zmq::PUSH)?;
    /// socket.set_vsock_buffer_min_size(64 << 10)?;
    /// assert_eq!(socket.get_vsock_buffer_min_size()?, 64 << 10);
    /// # Ok::<(), zmq_vsock::Error>(())
    /// ```
    fn set_vsock_buffer_min_size(&mut self, bytes: u64) -> Result<()>;

    /// The minimum buffer size (`ZMQ_VMCI_BUFFER_MIN_SIZE`); 0 means the kernel's default.
    ///
    /// # Errors
    ///
    /// [`Error::Zmq`] when libzmq rejects the option.
    ///
    /// ```
    /// use zmq_vsock::SocketExt;
    ///
    /// let ctx = zmq::Context::new();
    /// let mut socket = ctx.socket(zmq::PUSH)?;
    /// assert_eq!(socket.get_vsock_buffer_min_size()?, 0);
    /// # Ok::<(), zmq_vsock::Error>(())
    /// ```
    fn get_vsock_buffer_min_size(&mut self) -> Result<u64>;

    /// Sets the maximum socket buffer size, in bytes, of later vsock and vmci connections
    /// (`ZMQ_VMCI_BUFFER_MAX_SIZE`, the kernel's `SO_VM_SOCKETS_BUFFER_MAX_SIZE`). 0 leaves the
    /// kernel's default. Raise it to use a buffer size above the kernel's default maximum.
    ///
    /// # Errors
    ///
    /// [`Error::Zmq`] when libzmq rejects the option.
    ///
    /// ```
    /// use zmq_vsock::SocketExt;
    ///
    /// let ctx = zmq::Context::new();
    /// let mut socket = ctx.socket(zmq::PUSH)?;
    /// socket.set_vsock_buffer_max_size(4 << 20)?;
    /// assert_eq!(socket.get_vsock_buffer_max_size()?, 4 << 20);
    /// # Ok::<(), zmq_vsock::Error>(())
    /// ```
    fn set_vsock_buffer_max_size(&mut self, bytes: u64) -> Result<()>;

    /// The maximum buffer size (`ZMQ_VMCI_BUFFER_MAX_SIZE`); 0 means the kernel's default.
    ///
    /// # Errors
    ///
    /// [`Error::Zmq`] when libzmq rejects the option.
    ///
    /// ```
    /// use zmq_vsock::SocketExt;
    ///
    /// let ctx = zmq::Context::new();
    /// let mut socket = ctx.socket(zmq::PUSH)?;
    /// assert_eq!(socket.get_vsock_buffer_max_size()?, 0);
    /// # Ok::<(), zmq_vsock::Error>(())
    /// ```
    fn get_vsock_buffer_max_size(&mut self) -> Result<u64>;

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

    fn set_vsock_buffer_size(&mut self, bytes: u64) -> Result<()> {
        set_option(self, BUFFER_SIZE, bytes)
    }

    fn get_vsock_buffer_size(&mut self) -> Result<u64> {
        get_option(self, BUFFER_SIZE)
    }

    fn set_vsock_buffer_min_size(&mut self, bytes: u64) -> Result<()> {
        set_option(self, BUFFER_MIN_SIZE, bytes)
    }

    fn get_vsock_buffer_min_size(&mut self) -> Result<u64> {
        get_option(self, BUFFER_MIN_SIZE)
    }

    fn set_vsock_buffer_max_size(&mut self, bytes: u64) -> Result<()> {
        set_option(self, BUFFER_MAX_SIZE, bytes)
    }

    fn get_vsock_buffer_max_size(&mut self) -> Result<u64> {
        get_option(self, BUFFER_MAX_SIZE)
    }

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

/// A libzmq socket option: its number and its name for messages.
#[derive(Clone, Copy)]
struct SocketOption {
    id: u32,
    name: &'static str,
}

const BUFFER_SIZE: SocketOption = SocketOption {
    id: zmq_sys::ZMQ_VMCI_BUFFER_SIZE,
    name: "ZMQ_VMCI_BUFFER_SIZE",
};
const BUFFER_MIN_SIZE: SocketOption = SocketOption {
    id: zmq_sys::ZMQ_VMCI_BUFFER_MIN_SIZE,
    name: "ZMQ_VMCI_BUFFER_MIN_SIZE",
};
const BUFFER_MAX_SIZE: SocketOption = SocketOption {
    id: zmq_sys::ZMQ_VMCI_BUFFER_MAX_SIZE,
    name: "ZMQ_VMCI_BUFFER_MAX_SIZE",
};
const CONNECT_TIMEOUT: SocketOption = SocketOption {
    id: zmq_sys::ZMQ_VMCI_CONNECT_TIMEOUT,
    name: "ZMQ_VMCI_CONNECT_TIMEOUT",
};

/// `T` is the option's C type: `u64` for the buffer sizes, `i32` (int) for the timeout.
fn set_option<T: Copy + std::fmt::Display>(
    socket: &mut zmq::Socket,
    option: SocketOption,
    value: T,
) -> Result<()> {
    // SAFETY: the socket pointer is live for the call, and optval points at a T of optvallen
    // bytes, the size libzmq expects for this option.
    let rc = unsafe {
        zmq_sys::zmq_setsockopt(
            socket.as_mut_ptr(),
            option.id as c_int,
            (&value as *const T).cast::<c_void>(),
            mem::size_of::<T>(),
        )
    };
    if rc == -1 {
        return Err(libzmq_error(format!("setting {} to {value}", option.name)));
    }
    Ok(())
}

fn get_option<T: Copy + Default>(socket: &mut zmq::Socket, option: SocketOption) -> Result<T> {
    let mut value = T::default();
    let mut size = mem::size_of::<T>();
    // SAFETY: the socket pointer is live for the call; optval points at a T whose size is in
    // optvallen, and libzmq writes at most that many bytes.
    let rc = unsafe {
        zmq_sys::zmq_getsockopt(
            socket.as_mut_ptr(),
            option.id as c_int,
            (&mut value as *mut T).cast::<c_void>(),
            &mut size,
        )
    };
    if rc == -1 {
        return Err(libzmq_error(format!("reading {}", option.name)));
    }
    Ok(value)
}

/// The error of the libzmq call that just failed, as [`Error::Zmq`] when rust-zmq knows the
/// errno and as [`Error::Io`] otherwise (rust-zmq's `Error::from_raw` panics on those).
fn libzmq_error(operation: String) -> Error {
    // SAFETY: zmq_errno only reads the calling thread's errno.
    let errno = unsafe { zmq_sys::zmq_errno() };
    match known_zmq_error(errno) {
        Some(error) => Error::Zmq { operation, error },
        None => Error::Io {
            operation,
            error: io::Error::from_raw_os_error(errno),
        },
    }
}

/// Every variant of rust-zmq 0.10's `zmq::Error`, matched by errno without `from_raw`.
fn known_zmq_error(errno: i32) -> Option<zmq::Error> {
    use zmq::Error::*;
    [
        EACCES,
        EADDRINUSE,
        EAGAIN,
        EBUSY,
        ECONNREFUSED,
        EFAULT,
        EINTR,
        EHOSTUNREACH,
        EINPROGRESS,
        EINVAL,
        EMFILE,
        EMSGSIZE,
        ENAMETOOLONG,
        ENODEV,
        ENOENT,
        ENOMEM,
        ENOTCONN,
        ENOTSOCK,
        EPROTO,
        EPROTONOSUPPORT,
        ENOTSUP,
        ENOBUFS,
        ENETDOWN,
        EADDRNOTAVAIL,
        EFSM,
        ENOCOMPATPROTO,
        ETERM,
        EMTHREAD,
    ]
    .into_iter()
    .find(|error| error.to_raw() == errno)
}

/// `None` is libzmq's -1 ("not set"); libzmq applies only timeouts above 0.
fn timeout_to_millis(timeout: Option<Duration>) -> Result<i32> {
    let Some(timeout) = timeout else {
        return Ok(-1);
    };
    let invalid = |reason: String| Error::InvalidOptionValue {
        option: CONNECT_TIMEOUT.name,
        reason,
    };
    if timeout.is_zero() {
        return Err(invalid(
            "a zero timeout would be ignored by libzmq; pass None for the kernel's default"
                .to_owned(),
        ));
    }
    // Round up: a sub-millisecond remainder must not shrink the timeout, nor turn it into 0.
    let whole = timeout.as_millis();
    let millis = if timeout.subsec_nanos() % 1_000_000 == 0 {
        whole
    } else {
        whole + 1
    };
    i32::try_from(millis).map_err(|_| {
        invalid(format!(
            "{timeout:?} is more than libzmq's {} ms (about 24.8 days)",
            i32::MAX
        ))
    })
}

fn millis_to_timeout(millis: i32) -> Option<Duration> {
    u64::try_from(millis)
        .ok()
        .filter(|&millis| millis > 0)
        .map(Duration::from_millis)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connect_timeout_maps_to_whole_milliseconds() {
        assert_eq!(timeout_to_millis(None).unwrap(), -1);
        assert_eq!(
            timeout_to_millis(Some(Duration::from_millis(2500))).unwrap(),
            2500
        );
        assert_eq!(timeout_to_millis(Some(Duration::from_nanos(1))).unwrap(), 1);
        assert_eq!(
            timeout_to_millis(Some(Duration::from_micros(1500))).unwrap(),
            2
        );
        assert_eq!(
            timeout_to_millis(Some(Duration::from_millis(i32::MAX as u64))).unwrap(),
            i32::MAX
        );
    }

    #[test]
    fn connect_timeout_rejects_what_libzmq_cannot_hold() {
        for timeout in [
            Duration::ZERO,
            Duration::from_millis(i32::MAX as u64 + 1),
            Duration::from_millis(i32::MAX as u64) + Duration::from_nanos(1),
            Duration::MAX,
        ] {
            let err = timeout_to_millis(Some(timeout)).unwrap_err();
            assert!(
                matches!(
                    err,
                    Error::InvalidOptionValue {
                        option: "ZMQ_VMCI_CONNECT_TIMEOUT",
                        ..
                    }
                ),
                "{timeout:?}: {err}"
            );
        }
        assert_eq!(
            timeout_to_millis(Some(Duration::from_secs(30 * 24 * 3600)))
                .unwrap_err()
                .to_string(),
            "invalid value for ZMQ_VMCI_CONNECT_TIMEOUT: 2592000s is more than libzmq's \
             2147483647 ms (about 24.8 days)"
        );
    }

    #[test]
    fn connect_timeout_reads_back_not_set_as_none() {
        assert_eq!(millis_to_timeout(-1), None);
        assert_eq!(millis_to_timeout(0), None);
        assert_eq!(millis_to_timeout(i32::MIN), None);
        assert_eq!(millis_to_timeout(2500), Some(Duration::from_millis(2500)));
    }

    #[test]
    fn every_errno_rust_zmq_knows_maps_back_and_others_do_not_panic() {
        assert_eq!(known_zmq_error(libc::EINVAL), Some(zmq::Error::EINVAL));
        assert_eq!(known_zmq_error(libc::ENODEV), Some(zmq::Error::ENODEV));
        assert_eq!(known_zmq_error(libc::EAFNOSUPPORT), None);
        assert_eq!(known_zmq_error(libc::EPERM), None);
    }
}
