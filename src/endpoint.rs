//! The one parser and printer behind [`VsockAddr`](crate::VsockAddr) and
//! [`VmciAddr`](crate::VmciAddr): `SCHEME://CID:PORT`, split at the last `:`; and the one
//! parser behind [`HvsockAddr`](crate::HvsockAddr): `hvsock://PATH:PORT`, split the same way.
//!
//! Strict on purpose: libzmq 4.3.5's own parser (strtoul) also takes signs, leading blanks and
//! trailing bytes (`3abc` is CID 3), so a typo binds something else instead of failing.

use std::fmt;

use crate::cid::{VMADDR_CID_ANY, VMADDR_PORT_ANY};
use crate::error::{EndpointPart, Error};

/// The transports that share this grammar.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Scheme {
    Vsock,
    Vmci,
}

impl Scheme {
    pub(crate) const fn name(self) -> &'static str {
        match self {
            Scheme::Vsock => "vsock",
            Scheme::Vmci => "vmci",
        }
    }

    pub(crate) const fn prefix(self) -> &'static str {
        match self {
            Scheme::Vsock => "vsock://",
            Scheme::Vmci => "vmci://",
        }
    }
}

/// Every scheme of this crate and the type that parses it, for the hint when an endpoint of
/// another one was given.
const SCHEME_TYPES: &[(&str, &str)] = &[
    ("vsock", "VsockAddr"),
    ("vmci", "VmciAddr"),
    ("hvsock", "HvsockAddr"),
];

/// Why `endpoint` does not start with `expected://`.
fn wrong_scheme_reason(expected: &str, endpoint: &str) -> String {
    match endpoint.split_once("://") {
        Some((found, _)) => match SCHEME_TYPES.iter().find(|(name, _)| *name == found) {
            Some((name, type_name)) => format!(
                "scheme {found:?} is not {expected:?} (parse {name}:// endpoints as {type_name})"
            ),
            None => format!("scheme {found:?} is not {expected:?}"),
        },
        None => format!("missing the {:?} prefix", format!("{expected}://")),
    }
}

/// The CID as written. `*` and `-1` are the number [`VMADDR_CID_ANY`]; `@` stays symbolic
/// because what it stands for differs per transport.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CidText {
    Number(u32),
    /// `@`: this machine.
    ThisMachine,
}

/// A parsed endpoint, before the transport decides what `@` means.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Parsed {
    pub(crate) cid: CidText,
    pub(crate) port: u32,
}

/// Parses `endpoint` as `SCHEME://CID:PORT` for `scheme`.
pub(crate) fn parse(scheme: Scheme, endpoint: &str) -> Result<Parsed, Error> {
    let fail = |part: EndpointPart, reason: String| Error::InvalidEndpoint {
        scheme: scheme.name(),
        endpoint: endpoint.to_owned(),
        part,
        reason,
    };

    let Some(address) = endpoint.strip_prefix(scheme.prefix()) else {
        return Err(fail(
            EndpointPart::Scheme,
            wrong_scheme_reason(scheme.name(), endpoint),
        ));
    };

    // The last ':' separates, as in libzmq: "1:2:3" is CID "1:2", which is then rejected.
    let Some((cid_text, port_text)) = address.rsplit_once(':') else {
        return Err(fail(
            EndpointPart::Separator,
            format!(
                "missing the ':' between CID and port (expected {}CID:PORT)",
                scheme.prefix()
            ),
        ));
    };

    let cid = match cid_text {
        "" => {
            return Err(fail(
                EndpointPart::Cid,
                r#"CID is empty (expected a decimal number, "*", "-1" or "@")"#.to_owned(),
            ))
        }
        "*" | "-1" => CidText::Number(VMADDR_CID_ANY),
        "@" => CidText::ThisMachine,
        _ => match parse_decimal(cid_text) {
            Ok(cid) => CidText::Number(cid),
            Err(Decimal::NotDecimal) => {
                let hint = if cid_text.contains(':') {
                    " (the port is what follows the last ':')"
                } else {
                    ""
                };
                return Err(fail(
                    EndpointPart::Cid,
                    format!(r#"CID {cid_text:?} is not a decimal number, "*", "-1" or "@"{hint}"#),
                ));
            }
            Err(Decimal::TooLarge) => {
                return Err(fail(
                    EndpointPart::Cid,
                    format!("CID {cid_text:?} is out of range (at most {})", u32::MAX),
                ))
            }
        },
    };

    let port = match port_text {
        "" => {
            return Err(fail(
                EndpointPart::Port,
                r#"port is empty (expected a decimal number, "*" or "-1")"#.to_owned(),
            ))
        }
        "*" | "-1" => VMADDR_PORT_ANY,
        _ => match parse_decimal(port_text) {
            // The wildcard has its own spellings; a decimal port names one real port.
            Ok(VMADDR_PORT_ANY) => {
                return Err(fail(
                    EndpointPart::Port,
                    format!(
                        r#"port {port_text:?} is VMADDR_PORT_ANY; write "*" (or "-1") to let the kernel pick a port"#
                    ),
                ))
            }
            Ok(port) => port,
            Err(Decimal::NotDecimal) => {
                return Err(fail(
                    EndpointPart::Port,
                    format!(r#"port {port_text:?} is not a decimal number, "*" or "-1""#),
                ))
            }
            Err(Decimal::TooLarge) => {
                return Err(fail(
                    EndpointPart::Port,
                    format!(
                        r#"port {port_text:?} is out of range (at most {}; "*" lets the kernel pick one)"#,
                        VMADDR_PORT_ANY - 1
                    ),
                ))
            }
        },
    };

    Ok(Parsed { cid, port })
}

pub(crate) enum Decimal {
    NotDecimal,
    TooLarge,
}

/// ASCII digits only (no sign, no blanks); leading zeros are fine, as in libzmq.
///
/// Also what [`zap::peer_cid`](crate::zap::peer_cid) accepts as a CID: one rule for a decimal
/// CID, wherever it is read.
pub(crate) fn parse_decimal(text: &str) -> Result<u32, Decimal> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Decimal::NotDecimal);
    }
    text.bytes().try_fold(0u32, |value, digit| {
        value
            .checked_mul(10)
            .and_then(|value| value.checked_add(u32::from(digit - b'0')))
            .ok_or(Decimal::TooLarge)
    })
}

/// Prints a CID or port the way libzmq's `ZMQ_LAST_ENDPOINT` does: `u32::MAX` (any) as `*`.
pub(crate) struct Field(pub(crate) u32);

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // VMADDR_CID_ANY and VMADDR_PORT_ANY are the same value.
        if self.0 == VMADDR_CID_ANY {
            f.write_str("*")
        } else {
            write!(f, "{}", self.0)
        }
    }
}

// ------------------------------------------------------------ hvsock://PATH:PORT

/// The scheme of hybrid vsock endpoints.
pub(crate) const HVSOCK: &str = "hvsock";
pub(crate) const HVSOCK_PREFIX: &str = "hvsock://";

/// The longest `PATH_PORT` in bytes: a unix socket address holds 108 (`sun_path`), the NUL
/// included.
pub(crate) const MAX_UDS_PATH: usize = 107;

/// Parses `hvsock://PATH:PORT` (split at the last `:`) into PATH and PORT: what libzmq's
/// `zmq_hvsock_parse_endpoint` accepts, and nothing else.
pub(crate) fn parse_hvsock(endpoint: &str) -> Result<(&str, u32), Error> {
    let fail = |part, reason| hvsock_error(endpoint, part, reason);
    let Some(address) = endpoint.strip_prefix(HVSOCK_PREFIX) else {
        return Err(fail(
            EndpointPart::Scheme,
            wrong_scheme_reason(HVSOCK, endpoint),
        ));
    };
    // The last ':' separates: a path may hold colons, a port cannot.
    let Some((path, port_text)) = address.rsplit_once(':') else {
        return Err(fail(
            EndpointPart::Separator,
            "missing the ':' between path and port (expected hvsock://PATH:PORT)".to_owned(),
        ));
    };
    check_hvsock_path_given(endpoint, path)?;
    let port = match port_text {
        "" => {
            return Err(fail(
                EndpointPart::Port,
                "port is empty (expected a decimal number)".to_owned(),
            ))
        }
        "*" | "-1" => {
            return Err(fail(
                EndpointPart::Port,
                format!(
                    "port {port_text:?} is a wildcard; hvsock needs a port number, which the VMM \
                     routes by"
                ),
            ))
        }
        _ => match parse_decimal(port_text) {
            Ok(port) => port,
            Err(Decimal::NotDecimal) => {
                return Err(fail(
                    EndpointPart::Port,
                    format!("port {port_text:?} is not a decimal number"),
                ))
            }
            Err(Decimal::TooLarge) => {
                return Err(fail(
                    EndpointPart::Port,
                    format!(
                        "port {port_text:?} is out of range (at most {})",
                        VMADDR_PORT_ANY - 1
                    ),
                ))
            }
        },
    };
    check_hvsock(endpoint, path, port)?;
    Ok((path, port))
}

/// The rules on an hvsock path and port beyond their syntax, for [`parse_hvsock`] and
/// `HvsockAddr::new`; `endpoint` is what an error names.
pub(crate) fn check_hvsock(endpoint: &str, path: &str, port: u32) -> Result<(), Error> {
    let fail = |part, reason| hvsock_error(endpoint, part, reason);
    check_hvsock_path_given(endpoint, path)?;
    if port == VMADDR_PORT_ANY {
        return Err(fail(
            EndpointPart::Port,
            format!(
                "port {port} is VMADDR_PORT_ANY, a wildcard; hvsock needs a port number, which \
                 the VMM routes by"
            ),
        ));
    }
    if path.contains('\0') {
        return Err(fail(
            EndpointPart::Path,
            format!("path {path:?} contains a NUL byte"),
        ));
    }
    let uds_len = path.len() + 1 + port.to_string().len();
    if uds_len > MAX_UDS_PATH {
        return Err(fail(
            EndpointPart::Path,
            format!(
                "path is too long: the listener socket PATH_{port} would be {uds_len} bytes, and a \
                 unix socket address holds at most {MAX_UDS_PATH}"
            ),
        ));
    }
    Ok(())
}

fn check_hvsock_path_given(endpoint: &str, path: &str) -> Result<(), Error> {
    if path.is_empty() {
        return Err(hvsock_error(
            endpoint,
            EndpointPart::Path,
            "path is empty (expected the VMM's vsock socket, as in hvsock:///run/vm.vsock:1024)"
                .to_owned(),
        ));
    }
    Ok(())
}

fn hvsock_error(endpoint: &str, part: EndpointPart, reason: String) -> Error {
    Error::InvalidEndpoint {
        scheme: HVSOCK,
        endpoint: endpoint.to_owned(),
        part,
        reason,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_shared_grammar_for_both_schemes() {
        for scheme in [Scheme::Vsock, Scheme::Vmci] {
            let parse = |rest: &str| parse(scheme, &format!("{}{rest}", scheme.prefix()));
            assert_eq!(
                parse("3:5555").unwrap(),
                Parsed {
                    cid: CidText::Number(3),
                    port: 5555
                }
            );
            assert_eq!(
                parse("@:*").unwrap(),
                Parsed {
                    cid: CidText::ThisMachine,
                    port: VMADDR_PORT_ANY
                }
            );
            assert_eq!(
                parse("-1:-1").unwrap(),
                Parsed {
                    cid: CidText::Number(VMADDR_CID_ANY),
                    port: VMADDR_PORT_ANY
                }
            );
            assert!(parse("3:4294967295").is_err());
        }
    }

    #[test]
    fn hvsock_splits_at_the_last_colon_and_counts_the_listener_path() {
        assert_eq!(
            parse_hvsock("hvsock:///run/vm.vsock:1024").unwrap(),
            ("/run/vm.vsock", 1024)
        );
        assert_eq!(parse_hvsock("hvsock://a:b:007").unwrap(), ("a:b", 7));
        assert_eq!(
            parse_hvsock("hvsock://x:4294967294").unwrap(),
            ("x", 4294967294)
        );
        // PATH_PORT of exactly 107 bytes fits; one more does not.
        let path = "p".repeat(MAX_UDS_PATH - 2);
        assert!(parse_hvsock(&format!("hvsock://{path}:5")).is_ok());
        assert!(parse_hvsock(&format!("hvsock://{path}:10")).is_err());
        // Leading zeros do not count: the listener is PATH_5.
        assert!(parse_hvsock(&format!("hvsock://{path}:0005")).is_ok());
        for bad in [
            "hvsock://",
            "hvsock://x",
            "hvsock://:1",
            "hvsock://x:",
            "hvsock://x:*",
            "hvsock://x:-1",
            "hvsock://x:+1",
            "hvsock://x:4294967295",
            "hvsock://x:4294967296",
            "hvsock://x:1 ",
            "hvsock://x\0:1",
            "vsock://x:1",
        ] {
            assert!(parse_hvsock(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn decimal_is_digits_only_and_fits_u32() {
        assert!(matches!(parse_decimal("007"), Ok(7)));
        assert!(matches!(parse_decimal("4294967295"), Ok(u32::MAX)));
        assert!(matches!(
            parse_decimal("4294967296"),
            Err(Decimal::TooLarge)
        ));
        assert!(matches!(
            parse_decimal("99999999999999999999999"),
            Err(Decimal::TooLarge)
        ));
        for text in ["", "+1", "-0", " 1", "1 ", "0x10", "١"] {
            assert!(
                matches!(parse_decimal(text), Err(Decimal::NotDecimal)),
                "{text:?}"
            );
        }
    }
}
