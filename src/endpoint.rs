//! The one parser and printer behind [`VsockAddr`](crate::VsockAddr) and
//! [`VmciAddr`](crate::VmciAddr): `SCHEME://CID:PORT`, split at the last `:`.
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

    /// The type that parses this scheme, for the hint when the other one was given.
    const fn type_name(self) -> &'static str {
        match self {
            Scheme::Vsock => "VsockAddr",
            Scheme::Vmci => "VmciAddr",
        }
    }

    fn from_name(name: &str) -> Option<Scheme> {
        [Scheme::Vsock, Scheme::Vmci]
            .into_iter()
            .find(|scheme| scheme.name() == name)
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
        let reason = match endpoint.split_once("://") {
            Some((found, _)) => match Scheme::from_name(found) {
                Some(other) => format!(
                    "scheme {found:?} is not {:?} (parse {}:// endpoints as {})",
                    scheme.name(),
                    other.name(),
                    other.type_name()
                ),
                None => format!("scheme {found:?} is not {:?}", scheme.name()),
            },
            None => format!("missing the {:?} prefix", scheme.prefix()),
        };
        return Err(fail(EndpointPart::Scheme, reason));
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
