//! Properties of the endpoint types: Display/FromStr round-trips over all of `u32`, and
//! agreement with a model of libzmq 4.3.5's own (lenient) endpoint parser.

use proptest::prelude::*;
use zmq_vsock::{VmciAddr, VsockAddr, VMADDR_CID_ANY, VMADDR_CID_LOCAL, VMADDR_PORT_ANY};

/// A CID or port value with the reserved values (0, 1, 2, `u32::MAX`) well represented.
fn any_u32() -> impl Strategy<Value = u32> {
    prop_oneof![
        Just(0u32),
        Just(1),
        Just(2),
        Just(u32::MAX),
        Just(u32::MAX - 1),
        0u32..1024,
        any::<u32>(),
    ]
}

/// The string libzmq prints for a CID or port: `*` for the wildcard, else decimal.
fn printed(value: u32) -> String {
    if value == u32::MAX {
        "*".to_owned()
    } else {
        value.to_string()
    }
}

proptest! {
    #[test]
    fn vsock_display_prints_last_endpoint_form_and_parses_back(cid in any_u32(), port in any_u32()) {
        let addr = VsockAddr::new(cid, port);
        let text = addr.to_string();
        prop_assert_eq!(&text, &format!("vsock://{}:{}", printed(cid), printed(port)));
        prop_assert_eq!(text.parse::<VsockAddr>().unwrap(), addr);
    }

    #[test]
    fn vmci_display_prints_last_endpoint_form_and_parses_back(cid in any_u32(), port in any_u32()) {
        let addr = VmciAddr::new(cid, port);
        let text = addr.to_string();
        prop_assert_eq!(&text, &format!("vmci://{}:{}", printed(cid), printed(port)));
        prop_assert_eq!(text.parse::<VmciAddr>().unwrap(), addr);
    }

    #[test]
    fn vmci_at_form_round_trips_as_at(port in any_u32()) {
        let addr = VmciAddr::this_machine(port);
        let text = addr.to_string();
        prop_assert_eq!(&text, &format!("vmci://@:{}", printed(port)));
        let parsed = text.parse::<VmciAddr>().unwrap();
        prop_assert_eq!(parsed, addr);
        prop_assert!(parsed.is_this_machine());
    }

    #[test]
    fn vsock_at_form_is_the_local_cid(port in any_u32()) {
        // libzmq binds `vsock://@:P` as VMADDR_CID_LOCAL, and prints it as `vsock://1:P`.
        let parsed = format!("vsock://@:{}", printed(port)).parse::<VsockAddr>().unwrap();
        prop_assert_eq!(parsed, VsockAddr::this_machine(port));
        prop_assert!(parsed.is_this_machine());
        prop_assert_eq!(parsed.to_string(), format!("vsock://1:{}", printed(port)));
        prop_assert_eq!(parsed.to_string().parse::<VsockAddr>().unwrap(), parsed);
    }

    #[test]
    fn wildcard_spellings_and_leading_zeros_mean_the_same(
        cid in any_u32().prop_filter("decimal CID", |&c| c != u32::MAX),
        port in any_u32().prop_filter("decimal port", |&p| p != u32::MAX),
        zeros in 0usize..4,
    ) {
        let pad = "0".repeat(zeros);
        let padded: VsockAddr = format!("vsock://{pad}{cid}:{pad}{port}").parse().unwrap();
        prop_assert_eq!(padded, VsockAddr::new(cid, port));
        for any in ["*", "-1"] {
            prop_assert_eq!(
                format!("vsock://{any}:{port}").parse::<VsockAddr>().unwrap(),
                VsockAddr::any(port)
            );
            prop_assert_eq!(
                format!("vmci://{cid}:{any}").parse::<VmciAddr>().unwrap(),
                VmciAddr::new(cid, VMADDR_PORT_ANY)
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// A model of libzmq 4.3.5's parser (vmci_address_t::resolve, which the vsock transport follows):
// split at the last ':'; CID "" is an error, "@" is this machine, "*" and "-1" are any, anything
// else goes through strtoul(…, 10), which skips leading blanks, takes a sign, and ignores
// whatever follows the digits; the value must fit an unsigned int. The port is the same without
// "@". This is the behaviour our strict parser narrows, not copies.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ModelCid {
    Number(u32),
    ThisMachine,
}

/// glibc's strtoul(text, &end, 10) on an LP64 target, with libzmq's checks around it.
fn lenient_number(text: &str) -> Option<u32> {
    let bytes = text.as_bytes();
    let mut i = 0;
    // C's isspace in the "C" locale.
    while i < bytes.len() && matches!(bytes[i], b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r') {
        i += 1;
    }
    let negative = match bytes.get(i) {
        Some(b'-') => {
            i += 1;
            true
        }
        Some(b'+') => {
            i += 1;
            false
        }
        _ => false,
    };
    let digits_start = i;
    let mut value: u64 = 0;
    let mut overflow = false;
    while let Some(digit) = bytes.get(i).filter(|b| b.is_ascii_digit()) {
        match value
            .checked_mul(10)
            .and_then(|v| v.checked_add(u64::from(digit - b'0')))
        {
            Some(v) => value = v,
            None => overflow = true,
        }
        i += 1;
    }
    if i == digits_start {
        // No digits: strtoul returns 0 with end == begin, which libzmq rejects.
        return None;
    }
    if overflow {
        // ULONG_MAX with ERANGE.
        return None;
    }
    let value = if negative {
        value.wrapping_neg()
    } else {
        value
    };
    u32::try_from(value).ok()
}

fn lenient_model(address: &str) -> Option<(ModelCid, u32)> {
    let (cid_text, port_text) = address.rsplit_once(':')?;
    let cid = match cid_text {
        "" => return None,
        "@" => ModelCid::ThisMachine,
        "*" | "-1" => ModelCid::Number(VMADDR_CID_ANY),
        _ => ModelCid::Number(lenient_number(cid_text)?),
    };
    let port = match port_text {
        "" => return None,
        "*" | "-1" => VMADDR_PORT_ANY,
        _ => lenient_number(port_text)?,
    };
    Some((cid, port))
}

/// Address parts that exercise both parsers: the strict forms, and what only strtoul takes.
fn address_part() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<u32>().prop_map(|n| n.to_string()),
        (0usize..3, any::<u32>()).prop_map(|(zeros, n)| format!("{}{n}", "0".repeat(zeros))),
        Just("4294967295".to_owned()),
        Just("4294967296".to_owned()),
        Just("18446744073709551615".to_owned()),
        Just("99999999999999999999".to_owned()),
        Just("*".to_owned()),
        Just("-1".to_owned()),
        Just("@".to_owned()),
        Just(String::new()),
        (
            prop_oneof![Just("+"), Just("-"), Just(" "), Just("\t"), Just(" -")],
            0u32..100_000
        )
            .prop_map(|(lead, n)| format!("{lead}{n}")),
        (
            0u32..100_000,
            prop_oneof![Just("abc"), Just(" "), Just("x1"), Just(":2"), Just("*")]
        )
            .prop_map(|(n, tail)| format!("{n}{tail}")),
        "[0-9*@:+ a-]{0,8}",
    ]
}

fn check_against_model(address: &str) -> Result<(), TestCaseError> {
    let model = lenient_model(address);
    // Which inputs the grammar accepts is decided by the other implementation of it, our C++
    // parser (what zmq_bind uses), not by a third one written here.
    let strict = zmq_vsock_testkit::differential::cpp(address.as_bytes()).is_some();

    for (scheme, this_machine_cid) in [("vsock", Some(VMADDR_CID_LOCAL)), ("vmci", None)] {
        let endpoint = format!("{scheme}://{address}");
        let ours = if scheme == "vsock" {
            endpoint
                .parse::<VsockAddr>()
                .map(|a| (Some(a.cid()), a.port()))
        } else {
            endpoint
                .parse::<VmciAddr>()
                .map(|a| (if a.is_this_machine() { None } else { Some(a.cid()) }, a.port()))
        };
        prop_assert_eq!(ours.is_ok(), strict, "{:?}: ours {:?}, C++ accepts: {}", endpoint, ours, strict);
        if let Ok((cid, port)) = ours {
            // Everything we accept, libzmq accepts, with the same meaning.
            let (model_cid, model_port) = model.expect("strict input is lenient input");
            let model_cid = match model_cid {
                ModelCid::Number(n) => Some(n),
                ModelCid::ThisMachine => this_machine_cid,
            };
            prop_assert_eq!((cid, port), (model_cid, model_port), "{:?}", endpoint);
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2048))]

    #[test]
    fn agrees_with_libzmq_wherever_the_grammar_holds(
        cid in address_part(),
        port in address_part(),
    ) {
        check_against_model(&format!("{cid}:{port}"))?;
    }

    #[test]
    fn agrees_with_libzmq_on_arbitrary_text(address in "[0-9*@:+ a-]{0,16}") {
        check_against_model(&address)?;
    }
}

#[test]
fn rejects_what_libzmq_leniently_accepts() {
    let cases = [
        // (address, what libzmq 4.3.5 makes of it)
        ("3abc:5", (ModelCid::Number(3), 5)),
        ("1:2:3", (ModelCid::Number(1), 3)),
        ("3:5x", (ModelCid::Number(3), 5)),
        ("+3:5", (ModelCid::Number(3), 5)),
        (" 3:5", (ModelCid::Number(3), 5)),
        ("3: 5", (ModelCid::Number(3), 5)),
        ("-0:5", (ModelCid::Number(0), 5)),
        ("0x10:5", (ModelCid::Number(0), 5)),
        ("3:-0", (ModelCid::Number(3), 0)),
        ("3:4294967295", (ModelCid::Number(3), VMADDR_PORT_ANY)),
        ("-18446744073709551615:5", (ModelCid::Number(1), 5)),
    ];
    for (address, libzmq) in cases {
        assert_eq!(lenient_model(address), Some(libzmq), "model of {address:?}");
        assert_eq!(zmq_vsock_testkit::differential::cpp(address.as_bytes()), None, "C++ parser on {address:?}");
        assert!(
            format!("vsock://{address}").parse::<VsockAddr>().is_err(),
            "vsock {address:?}"
        );
        assert!(
            format!("vmci://{address}").parse::<VmciAddr>().is_err(),
            "vmci {address:?}"
        );
    }
}

#[test]
fn model_follows_libzmq_on_the_forms_both_accept() {
    assert_eq!(lenient_model("3:5555"), Some((ModelCid::Number(3), 5555)));
    assert_eq!(
        lenient_model("@:*"),
        Some((ModelCid::ThisMachine, VMADDR_PORT_ANY))
    );
    assert_eq!(
        lenient_model("-1:-1"),
        Some((ModelCid::Number(VMADDR_CID_ANY), VMADDR_PORT_ANY))
    );
    assert_eq!(
        lenient_model("007:2009915729"),
        Some((ModelCid::Number(7), 2009915729))
    );
    // What libzmq rejects too.
    for address in [
        "",
        "5",
        ":5",
        "3:",
        "abc:5",
        "3:@",
        "4294967296:5",
        "-2:5",
        "@x:5",
    ] {
        assert_eq!(lenient_model(address), None, "{address:?}");
    }
}
