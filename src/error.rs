//! The crate's error type.

use std::fmt;
use std::io;

/// `Result` with this crate's [`Error`].
///
/// ```
/// fn port_of(endpoint: &str) -> zmq_vsock::Result<u32> {
///     Ok(endpoint.parse::<zmq_vsock::VsockAddr>()?.port())
/// }
/// assert_eq!(port_of("vsock://1:5555").unwrap(), 5555);
/// assert!(port_of("vsock://1:").is_err());
/// ```
pub type Result<T> = std::result::Result<T, Error>;

/// Everything that can go wrong in this crate.
///
/// Messages name the endpoint, option or call concerned and what was wrong with it:
///
/// ```
/// let err = "vsock://3abc:5".parse::<zmq_vsock::VsockAddr>().unwrap_err();
/// assert_eq!(
///     err.to_string(),
///     r#"invalid vsock endpoint "vsock://3abc:5": CID "3abc" is not a decimal number, "*", "-1" or "@""#
/// );
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An endpoint string does not follow `SCHEME://CID:PORT` (`vsock`, `vmci`) or
    /// `hvsock://PATH:PORT`.
    #[error("invalid {scheme} endpoint {endpoint:?}: {reason}")]
    InvalidEndpoint {
        /// The scheme that was expected: `"vsock"`, `"vmci"` or `"hvsock"`.
        scheme: &'static str,
        /// The whole string that was parsed.
        endpoint: String,
        /// The part of it that is wrong.
        part: EndpointPart,
        /// Why that part is wrong, for a person.
        reason: String,
    },

    /// A libzmq call failed with an errno that rust-zmq's [`zmq::Error`] knows.
    #[error("{operation} failed: {error}")]
    Zmq {
        /// What was attempted, e.g. `binding "vsock://*:5555"`.
        operation: String,
        /// What libzmq answered.
        error: zmq::Error,
    },

    /// A system call failed, or libzmq failed with an errno [`zmq::Error`] has no variant for
    /// (rust-zmq would panic on those, so calls made by this crate report them here).
    #[error("{operation} failed: {error}")]
    Io {
        /// What was attempted.
        operation: String,
        /// The operating system's error.
        error: io::Error,
    },

    /// A socket option value that libzmq cannot represent.
    #[error("invalid value for {option}: {reason}")]
    InvalidOptionValue {
        /// The libzmq option, e.g. `"ZMQ_VMCI_CONNECT_TIMEOUT"`.
        option: &'static str,
        /// Why the value does not fit, for a person.
        reason: String,
    },

    /// [`SocketExt::unbind_last_endpoint`](crate::SocketExt::unbind_last_endpoint) found
    /// `ZMQ_LAST_ENDPOINT` empty.
    #[error(
        "nothing to unbind: ZMQ_LAST_ENDPOINT is empty (this socket has not bound anything yet)"
    )]
    NoLastEndpoint,

    /// libzmq returned a `ZMQ_LAST_ENDPOINT` that is not UTF-8.
    #[error("ZMQ_LAST_ENDPOINT is not UTF-8: {0:?}")]
    LastEndpointNotUtf8(Vec<u8>),
}

/// The part of an endpoint string that an [`Error::InvalidEndpoint`] is about.
///
/// ```
/// use zmq_vsock::{EndpointPart, Error, VsockAddr};
///
/// match "vsock://1:http".parse::<VsockAddr>() {
///     Err(Error::InvalidEndpoint { part, .. }) => assert_eq!(part, EndpointPart::Port),
///     other => panic!("unexpected {other:?}"),
/// }
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EndpointPart {
    /// The `vsock://`, `vmci://` or `hvsock://` prefix.
    Scheme,
    /// The `:` between CID (or path) and port.
    Separator,
    /// The CID, between `://` and the last `:`.
    Cid,
    /// The port, after the last `:`.
    Port,
    /// An `hvsock://` endpoint's path, between `://` and the last `:`.
    Path,
}

impl fmt::Display for EndpointPart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            EndpointPart::Scheme => "scheme",
            EndpointPart::Separator => "separator",
            EndpointPart::Cid => "CID",
            EndpointPart::Port => "port",
            EndpointPart::Path => "path",
        })
    }
}

impl From<zmq::Error> for Error {
    /// Wraps an error from a rust-zmq call the caller made; the operation reads "libzmq call".
    fn from(error: zmq::Error) -> Self {
        Error::Zmq {
            operation: "libzmq call".to_owned(),
            error,
        }
    }
}

impl From<io::Error> for Error {
    /// Wraps an I/O error; the operation reads "I/O operation".
    fn from(error: io::Error) -> Self {
        Error::Io {
            operation: "I/O operation".to_owned(),
            error,
        }
    }
}
