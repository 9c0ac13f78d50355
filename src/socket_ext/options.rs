//! The vsock socket options, which rust-zmq has no methods for: the table the buffer-size
//! accessors of [`SocketExt`](super::SocketExt) are generated from, and the raw
//! `zmq_setsockopt`/`zmq_getsockopt` calls and value conversions behind every option method.

use std::io;
use std::mem;
use std::os::raw::{c_int, c_void};
use std::time::Duration;

use crate::error::{Error, Result};

/// The `u64` buffer-size options, one row each, expanded twice: `(declare)` in the
/// [`SocketExt`](super::SocketExt) trait and `(implement)` in its impl, so that six
/// near-identical methods and their docs are written once (rust-zmq generates its own option
/// accessors with macros too). A row: setter, getter, libzmq option, kernel option, what it
/// sets, the value of the doc example, and one more sentence of doc.
macro_rules! buffer_size_accessors {
    ($mode:ident) => {
        $crate::socket_ext::options::buffer_size_accessors! { @$mode
            (
                set_vsock_buffer_size, get_vsock_buffer_size,
                ZMQ_VMCI_BUFFER_SIZE, "SO_VM_SOCKETS_BUFFER_SIZE", "socket buffer size", "1 << 20",
                "The kernel keeps it between the minimum and the maximum: to go above the \
                 default maximum, raise \
                 [`set_vsock_buffer_max_size`](Self::set_vsock_buffer_max_size) too."
            )
            (
                set_vsock_buffer_min_size, get_vsock_buffer_min_size,
                ZMQ_VMCI_BUFFER_MIN_SIZE, "SO_VM_SOCKETS_BUFFER_MIN_SIZE",
                "minimum socket buffer size", "64 << 10",
                "The kernel raises a smaller buffer size to it."
            )
            (
                set_vsock_buffer_max_size, get_vsock_buffer_max_size,
                ZMQ_VMCI_BUFFER_MAX_SIZE, "SO_VM_SOCKETS_BUFFER_MAX_SIZE",
                "maximum socket buffer size", "4 << 20",
                "Raise it to use a buffer size above the kernel's default maximum."
            )
        }
    };

    (@declare $((
        $set:ident, $get:ident, $option:ident, $kernel:literal, $what:literal, $example:literal,
        $note:literal
    ))*) => {$(
        #[doc = concat!("Sets the ", $what, ", in bytes, of the vsock and vmci connections made")]
        #[doc = concat!("after this call (`", stringify!($option), "`,")]
        #[doc = concat!("the kernel's `", $kernel, "`). 0 leaves the kernel's default. ", $note)]
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
        #[doc = concat!("socket.", stringify!($set), "(", $example, ")?;")]
        #[doc = concat!("assert_eq!(socket.", stringify!($get), "()?, ", $example, ");")]
        /// # Ok::<(), zmq_vsock::Error>(())
        /// ```
        fn $set(&mut self, bytes: u64) -> $crate::error::Result<()>;

        #[doc = concat!("The ", $what, " (`", stringify!($option), "`) as set with")]
        #[doc = concat!("[`", stringify!($set), "`](Self::", stringify!($set), "), before the")]
        /// kernel clamps it; 0 means the kernel's default.
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
        #[doc = concat!("assert_eq!(socket.", stringify!($get), "()?, 0);")]
        /// # Ok::<(), zmq_vsock::Error>(())
        /// ```
        fn $get(&mut self) -> $crate::error::Result<u64>;
    )*};

    // The docs' columns are the declarations' business.
    (@implement $(($set:ident, $get:ident, $option:ident, $($doc:literal),*))*) => {$(
        fn $set(&mut self, bytes: u64) -> $crate::error::Result<()> {
            use $crate::socket_ext::options::{SocketOption, set_option};
            set_option(self, SocketOption::new(zmq_sys::$option, stringify!($option)), bytes)
        }

        fn $get(&mut self) -> $crate::error::Result<u64> {
            use $crate::socket_ext::options::{SocketOption, get_option};
            get_option(self, SocketOption::new(zmq_sys::$option, stringify!($option)))
        }
    )*};
}
pub(super) use buffer_size_accessors;

/// A libzmq socket option: its number and its name for messages.
#[derive(Clone, Copy)]
pub(super) struct SocketOption {
    id: u32,
    name: &'static str,
}

impl SocketOption {
    pub(super) const fn new(id: u32, name: &'static str) -> SocketOption {
        SocketOption { id, name }
    }
}

pub(super) const CONNECT_TIMEOUT: SocketOption = SocketOption::new(
    zmq_sys::ZMQ_VMCI_CONNECT_TIMEOUT,
    "ZMQ_VMCI_CONNECT_TIMEOUT",
);

/// `T` is the option's C type: `u64` for the buffer sizes, `i32` (int) for the timeout.
pub(super) fn set_option<T: Copy + std::fmt::Display>(
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

pub(super) fn get_option<T: Copy + Default>(
    socket: &mut zmq::Socket,
    option: SocketOption,
) -> Result<T> {
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
pub(super) fn libzmq_error(operation: String) -> Error {
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
pub(super) fn timeout_to_millis(timeout: Option<Duration>) -> Result<i32> {
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

pub(super) fn millis_to_timeout(millis: i32) -> Option<Duration> {
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
