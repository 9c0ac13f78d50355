//! Every way an endpoint string can be rejected, with the message a person reads.

use zmq_vsock::{EndpointPart, Error, VmciAddr, VsockAddr};

/// Parses `endpoint` with the type for `scheme` and returns the error's part and message.
fn rejection(scheme: &str, endpoint: &str) -> (EndpointPart, String) {
    let err = match scheme {
        "vsock" => endpoint.parse::<VsockAddr>().unwrap_err(),
        "vmci" => endpoint.parse::<VmciAddr>().unwrap_err(),
        _ => unreachable!(),
    };
    let message = err.to_string();
    match err {
        Error::InvalidEndpoint {
            scheme: error_scheme,
            endpoint: error_endpoint,
            part,
            reason,
        } => {
            assert_eq!(error_scheme, scheme);
            assert_eq!(error_endpoint, endpoint);
            assert_eq!(
                message,
                format!("invalid {scheme} endpoint {endpoint:?}: {reason}")
            );
            (part, message)
        }
        other => panic!("{endpoint:?}: expected InvalidEndpoint, got {other:?}"),
    }
}

/// Checks one address (the text after `SCHEME://`) under both schemes.
fn assert_rejected(address: &str, part: EndpointPart, reason: &str) {
    for scheme in ["vsock", "vmci"] {
        let endpoint = format!("{scheme}://{address}");
        assert_eq!(
            rejection(scheme, &endpoint),
            (
                part,
                format!("invalid {scheme} endpoint {endpoint:?}: {reason}")
            ),
        );
    }
}

#[test]
fn the_message_of_the_issue() {
    assert_eq!(
        "vsock://3abc:5"
            .parse::<VsockAddr>()
            .unwrap_err()
            .to_string(),
        r#"invalid vsock endpoint "vsock://3abc:5": CID "3abc" is not a decimal number, "*", "-1" or "@""#
    );
}

#[test]
fn missing_scheme_prefix() {
    for endpoint in ["", "1:5555", "vsock:/1:5", "vsock:1:5", "//1:5"] {
        assert_eq!(
            rejection("vsock", endpoint),
            (
                EndpointPart::Scheme,
                format!(r#"invalid vsock endpoint {endpoint:?}: missing the "vsock://" prefix"#)
            )
        );
    }
    assert_eq!(
        rejection("vmci", "1:5555"),
        (
            EndpointPart::Scheme,
            r#"invalid vmci endpoint "1:5555": missing the "vmci://" prefix"#.to_owned()
        )
    );
}

#[test]
fn wrong_scheme() {
    assert_eq!(
        rejection("vsock", "tcp://127.0.0.1:5555"),
        (
            EndpointPart::Scheme,
            r#"invalid vsock endpoint "tcp://127.0.0.1:5555": scheme "tcp" is not "vsock""#
                .to_owned()
        )
    );
    assert_eq!(
        rejection("vsock", "VSOCK://1:5"),
        (
            EndpointPart::Scheme,
            r#"invalid vsock endpoint "VSOCK://1:5": scheme "VSOCK" is not "vsock""#.to_owned()
        )
    );
    assert_eq!(
        rejection("vsock", " vsock://1:5"),
        (
            EndpointPart::Scheme,
            r#"invalid vsock endpoint " vsock://1:5": scheme " vsock" is not "vsock""#.to_owned()
        )
    );
    assert_eq!(
        rejection("vmci", "://1:5"),
        (
            EndpointPart::Scheme,
            r#"invalid vmci endpoint "://1:5": scheme "" is not "vmci""#.to_owned()
        )
    );
}

#[test]
fn the_other_transports_scheme_names_the_type_to_use() {
    assert_eq!(
        rejection("vsock", "vmci://1:5"),
        (
            EndpointPart::Scheme,
            r#"invalid vsock endpoint "vmci://1:5": scheme "vmci" is not "vsock" (parse vmci:// endpoints as VmciAddr)"#
                .to_owned()
        )
    );
    assert_eq!(
        rejection("vmci", "vsock://1:5"),
        (
            EndpointPart::Scheme,
            r#"invalid vmci endpoint "vsock://1:5": scheme "vsock" is not "vmci" (parse vsock:// endpoints as VsockAddr)"#
                .to_owned()
        )
    );
}

#[test]
fn missing_separator() {
    for (scheme, address) in [
        ("vsock", "5555"),
        ("vmci", "5555"),
        ("vsock", ""),
        ("vmci", "@"),
    ] {
        let endpoint = format!("{scheme}://{address}");
        assert_eq!(
            rejection(scheme, &endpoint),
            (
                EndpointPart::Separator,
                format!(
                    "invalid {scheme} endpoint {endpoint:?}: missing the ':' between CID and port \
                     (expected {scheme}://CID:PORT)"
                )
            )
        );
    }
}

#[test]
fn empty_cid() {
    assert_rejected(
        ":5555",
        EndpointPart::Cid,
        r#"CID is empty (expected a decimal number, "*", "-1" or "@")"#,
    );
}

#[test]
fn cid_that_is_not_a_number() {
    for cid in [
        "3abc", "abc", "+3", "-0", "-2", " 3", "3 ", "0x10", "**", "@@", "٣", "3\0",
    ] {
        assert_rejected(
            &format!("{cid}:5555"),
            EndpointPart::Cid,
            &format!(r#"CID {cid:?} is not a decimal number, "*", "-1" or "@""#),
        );
    }
}

#[test]
fn cid_with_a_colon_points_at_the_last_colon() {
    assert_rejected(
        "1:2:3",
        EndpointPart::Cid,
        r#"CID "1:2" is not a decimal number, "*", "-1" or "@" (the port is what follows the last ':')"#,
    );
    assert_rejected(
        "[::1]:5",
        EndpointPart::Cid,
        r#"CID "[::1]" is not a decimal number, "*", "-1" or "@" (the port is what follows the last ':')"#,
    );
}

#[test]
fn cid_out_of_range() {
    for cid in ["4294967296", "18446744073709551616", "0099999999999"] {
        assert_rejected(
            &format!("{cid}:5555"),
            EndpointPart::Cid,
            &format!("CID {cid:?} is out of range (at most 4294967295)"),
        );
    }
}

#[test]
fn empty_port() {
    assert_rejected(
        "3:",
        EndpointPart::Port,
        r#"port is empty (expected a decimal number, "*" or "-1")"#,
    );
}

#[test]
fn port_that_is_not_a_number() {
    for port in ["5x", "x", "+5", "-0", "-2", " 5", "5 ", "@", "**", "0x10"] {
        assert_rejected(
            &format!("3:{port}"),
            EndpointPart::Port,
            &format!(r#"port {port:?} is not a decimal number, "*" or "-1""#),
        );
    }
}

#[test]
fn port_out_of_range() {
    for port in ["4294967296", "99999999999999999999"] {
        assert_rejected(
            &format!("3:{port}"),
            EndpointPart::Port,
            &format!(
                r#"port {port:?} is out of range (at most 4294967294; "*" lets the kernel pick one)"#
            ),
        );
    }
}

#[test]
fn decimal_any_port_asks_for_the_wildcard_spelling() {
    for port in ["4294967295", "04294967295"] {
        assert_rejected(
            &format!("3:{port}"),
            EndpointPart::Port,
            &format!(
                r#"port {port:?} is VMADDR_PORT_ANY; write "*" (or "-1") to let the kernel pick a port"#
            ),
        );
    }
}

#[test]
fn the_cid_is_checked_before_the_port() {
    assert_eq!(rejection("vsock", "vsock://x:y").0, EndpointPart::Cid);
    assert_eq!(rejection("vmci", "vmci://:").0, EndpointPart::Cid);
}

#[test]
fn control_characters_are_escaped_in_messages() {
    assert_eq!(
        rejection("vsock", "vsock://1:5\n").1,
        r#"invalid vsock endpoint "vsock://1:5\n": port "5\n" is not a decimal number, "*" or "-1""#
    );
}

#[test]
fn errors_from_elsewhere_say_what_failed() {
    assert_eq!(
        Error::NoLastEndpoint.to_string(),
        "nothing to unbind: ZMQ_LAST_ENDPOINT is empty (this socket has not bound anything yet)"
    );
    assert_eq!(
        Error::LastEndpointNotUtf8(vec![b'v', 0xff]).to_string(),
        "ZMQ_LAST_ENDPOINT is not UTF-8: [118, 255]"
    );
    let zmq_error = Error::from(zmq::Error::EADDRINUSE);
    assert!(matches!(
        zmq_error,
        Error::Zmq {
            error: zmq::Error::EADDRINUSE,
            ..
        }
    ));
    assert_eq!(
        zmq_error.to_string(),
        format!("libzmq call failed: {}", zmq::Error::EADDRINUSE.message())
    );
    let io_error = Error::from(std::io::Error::from_raw_os_error(libc::ENODEV));
    assert!(
        matches!(&io_error, Error::Io { error, .. } if error.raw_os_error() == Some(libc::ENODEV))
    );
    assert!(io_error.to_string().starts_with("I/O operation failed: "));
}

// ------------------------------------------------------------ hvsock://PATH:PORT

/// The part and message of `HvsockAddr`'s refusal of `endpoint`.
fn hvsock_rejection(endpoint: &str) -> (EndpointPart, String) {
    match endpoint.parse::<zmq_vsock::HvsockAddr>().unwrap_err() {
        Error::InvalidEndpoint {
            scheme,
            endpoint: named,
            part,
            reason,
        } => {
            assert_eq!(scheme, "hvsock");
            assert_eq!(named, endpoint);
            (part, reason)
        }
        other => panic!("{endpoint:?}: expected InvalidEndpoint, got {other:?}"),
    }
}

#[test]
fn hvsock_refusals_say_which_part_and_why() {
    let cases: &[(&str, EndpointPart, &str)] = &[
        (
            "/run/v.sock:5",
            EndpointPart::Scheme,
            r#"missing the "hvsock://" prefix"#,
        ),
        (
            "vsock:///run/v.sock:5",
            EndpointPart::Scheme,
            r#"scheme "vsock" is not "hvsock" (parse vsock:// endpoints as VsockAddr)"#,
        ),
        (
            "hvsock:///run/v.sock",
            EndpointPart::Separator,
            "missing the ':' between path and port (expected hvsock://PATH:PORT)",
        ),
        (
            "hvsock://:5",
            EndpointPart::Path,
            "path is empty (expected the VMM's vsock socket, as in hvsock:///run/vm.vsock:1024)",
        ),
        (
            "hvsock://v:",
            EndpointPart::Port,
            "port is empty (expected a decimal number)",
        ),
        (
            "hvsock://v:*",
            EndpointPart::Port,
            r#"port "*" is a wildcard; hvsock needs a port number, which the VMM routes by"#,
        ),
        (
            "hvsock://v:-1",
            EndpointPart::Port,
            r#"port "-1" is a wildcard; hvsock needs a port number, which the VMM routes by"#,
        ),
        (
            "hvsock://v:+1",
            EndpointPart::Port,
            r#"port "+1" is not a decimal number"#,
        ),
        (
            "hvsock://v:4294967296",
            EndpointPart::Port,
            r#"port "4294967296" is out of range (at most 4294967294)"#,
        ),
        (
            "hvsock://v:4294967295",
            EndpointPart::Port,
            "port 4294967295 is VMADDR_PORT_ANY, a wildcard; hvsock needs a port number, which \
             the VMM routes by",
        ),
        (
            "hvsock://v\0:1",
            EndpointPart::Path,
            r#"path "v\0" contains a NUL byte"#,
        ),
    ];
    for &(endpoint, part, reason) in cases {
        assert_eq!(
            hvsock_rejection(endpoint),
            (part, reason.to_owned()),
            "{endpoint:?}"
        );
    }
    let long = format!("hvsock://{}:1000", "p".repeat(103));
    assert_eq!(
        hvsock_rejection(&long),
        (
            EndpointPart::Path,
            "path is too long: the listener socket PATH_1000 would be 108 bytes, and a unix \
             socket address holds at most 107"
                .to_owned()
        )
    );
}

#[test]
fn vsock_and_vmci_name_hvsock_addr_for_hvsock_endpoints() {
    assert_eq!(
        rejection("vsock", "hvsock:///run/v.sock:5").1,
        r#"invalid vsock endpoint "hvsock:///run/v.sock:5": scheme "hvsock" is not "vsock" (parse hvsock:// endpoints as HvsockAddr)"#
    );
}

#[test]
fn hvsock_new_checks_what_the_parser_checks() {
    use std::os::unix::ffi::OsStrExt;
    use zmq_vsock::HvsockAddr;
    assert!(HvsockAddr::new("v", 1).is_ok());
    for (path, port) in [("", 1), ("v", u32::MAX), ("v\0w", 1)] {
        assert!(HvsockAddr::new(path, port).is_err(), "{path:?} {port}");
    }
    let long = "p".repeat(103);
    assert!(HvsockAddr::new(&long, 999).is_ok());
    assert!(HvsockAddr::new(&long, 1000).is_err());
    assert!(
        HvsockAddr::new(&long, 999)
            .unwrap()
            .with_port(1000)
            .is_err()
    );
    let not_utf8 = std::ffi::OsStr::from_bytes(b"\xff");
    match HvsockAddr::new(not_utf8, 1) {
        Err(Error::InvalidEndpoint { part, .. }) => assert_eq!(part, EndpointPart::Path),
        other => panic!("{other:?}"),
    }
}
