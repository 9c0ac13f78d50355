//! Error numbers `zmq_errno()` returns: the platform's, and libzmq's own,
//! which count up from `ZMQ_HAUSNUMERO`. Same names and values as crates.io's
//! zmq-sys 0.12, which rust-zmq matches on.

const HAUSNUMERO: i32 = crate::ffi::ZMQ_HAUSNUMERO as i32;

macro_rules! from_libc {
    ($($name:ident),* $(,)?) => { $(pub const $name: i32 = libc::$name;)* };
}

from_libc!(
    EACCES, EADDRINUSE, EAGAIN, EBUSY, ECONNREFUSED, EFAULT, EINTR, EHOSTUNREACH, EINPROGRESS,
    EINVAL, EMFILE, EMSGSIZE, ENAMETOOLONG, ENODEV, ENOENT, ENOMEM, ENOTCONN, ENOTSOCK, EPROTO,
    EPROTONOSUPPORT, ENOTSUP, ENOBUFS, ENETDOWN, EADDRNOTAVAIL,
);

/// libzmq's state-machine error: the operation is not valid in this state.
pub const EFSM: i32 = HAUSNUMERO + 51;
/// The peer speaks an incompatible protocol.
pub const ENOCOMPATPROTO: i32 = HAUSNUMERO + 52;
/// The context was terminated.
pub const ETERM: i32 = HAUSNUMERO + 53;
/// No I/O thread is available.
pub const EMTHREAD: i32 = HAUSNUMERO + 54;

// libzmq's stand-ins for errno values a platform may lack, in libzmq's order.
pub const ENOTSUP_ALT: i32 = HAUSNUMERO + 1;
pub const EPROTONOSUPPORT_ALT: i32 = HAUSNUMERO + 2;
pub const ENOBUFS_ALT: i32 = HAUSNUMERO + 3;
pub const ENETDOWN_ALT: i32 = HAUSNUMERO + 4;
pub const EADDRINUSE_ALT: i32 = HAUSNUMERO + 5;
pub const EADDRNOTAVAIL_ALT: i32 = HAUSNUMERO + 6;
pub const ECONNREFUSED_ALT: i32 = HAUSNUMERO + 7;
pub const EINPROGRESS_ALT: i32 = HAUSNUMERO + 8;
pub const ENOTSOCK_ALT: i32 = HAUSNUMERO + 9;
pub const EMSGSIZE_ALT: i32 = HAUSNUMERO + 10;
pub const EAFNOSUPPORT_ALT: i32 = HAUSNUMERO + 11;
pub const ENETUNREACH_ALT: i32 = HAUSNUMERO + 12;
pub const ECONNABORTED_ALT: i32 = HAUSNUMERO + 13;
pub const ECONNRESET_ALT: i32 = HAUSNUMERO + 14;
pub const ENOTCONN_ALT: i32 = HAUSNUMERO + 15;
pub const ETIMEDOUT_ALT: i32 = HAUSNUMERO + 16;
pub const EHOSTUNREACH_ALT: i32 = HAUSNUMERO + 17;
pub const ENETRESET_ALT: i32 = HAUSNUMERO + 18;
