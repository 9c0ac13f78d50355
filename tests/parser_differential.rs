//! The Rust endpoint parsers (`VsockAddr`/`VmciAddr` FromStr, and `HvsockAddr` in `mod
//! hvsock`) and our libzmq's C++ parsers (`zmq_vsock_parse_endpoint`,
//! `zmq_hvsock_parse_endpoint`: what `zmq_bind` uses) agree on every string, through the
//! oracle in `zmq_vsock_testkit::differential` (which says how the two are compared).
//!
//! Nothing here binds or connects: both parsers are pure functions.

use proptest::prelude::*;
use zmq_vsock::{VmciAddr, VsockAddr, VMADDR_CID_LOCAL};
use zmq_vsock_testkit::differential::{check, check_bytes, Parsed};

const ANY: u32 = u32::MAX;

/// Inputs whose meaning is fixed by DESIGN.md ("Endpoint grammar"), with what both parsers
/// must make of them.
#[test]
fn tricky_cases_table() {
    let ok = |cid, port| Some((cid, port, false));
    let at = |port| Some((VMADDR_CID_LOCAL, port, true));
    let table: &[(&str, Parsed)] = &[
        // The plain forms.
        ("3:5555", ok(3, 5555)),
        ("0:0", ok(0, 0)),
        ("1:1", ok(1, 1)),
        ("2:2009915729", ok(2, 2009915729)),
        ("3:3191234344", ok(3, 3191234344)),
        ("4294967294:4294967294", ok(4294967294, 4294967294)),
        // Wildcards: "*" and "-1" for both fields.
        ("*:*", ok(ANY, ANY)),
        ("-1:-1", ok(ANY, ANY)),
        ("*:-1", ok(ANY, ANY)),
        ("-1:5555", ok(ANY, 5555)),
        ("1:*", ok(1, ANY)),
        // A CID written as u32::MAX is VMADDR_CID_ANY; a port so written is refused (it would
        // silently mean "any port").
        ("4294967295:1", ok(ANY, 1)),
        ("1:4294967295", None),
        ("1:04294967295", None),
        ("*:4294967295", None),
        ("@:4294967295", None),
        // `@`.
        ("@:5555", at(5555)),
        ("@:*", at(ANY)),
        ("@:-1", at(ANY)),
        ("@:0", at(0)),
        ("@@:1", None),
        ("@1:1", None),
        ("1@:1", None),
        (" @:1", None),
        ("1:@", None),
        ("@:@", None),
        ("@", None),
        ("@:", None),
        // Leading zeros are fine.
        ("007:008", ok(7, 8)),
        ("00:00", ok(0, 0)),
        ("0000000000000000000000000004294967295:1", ok(ANY, 1)),
        ("1:0000000000000000000000000004294967294", ok(1, 4294967294)),
        // Overflow, including values that wrap a 64-bit accumulator.
        ("4294967296:1", None),
        ("1:4294967296", None),
        ("42949672950:1", None),
        ("99999999999999999999:1", None),
        ("18446744073709551616:1", None),
        ("18446744078004518912:1", None), // 2^64 + 2^32: wraps to 2^32 mod 2^64
        ("1:18446744073709551617", None), // wraps to 1 in u64
        ("1:18446744069414584321", None), // 2^64 - 2^32 + 1
        // Trailing and leading bytes, extra separators.
        ("3abc:5", None),
        ("3:5abc", None),
        ("1:2:3", None),
        ("1::2", None),
        ("::", None),
        (":1", None),
        ("1:", None),
        (":", None),
        ("", None),
        ("1", None),
        ("12345", None),
        ("[1]:2", None),
        ("1:2 ", None),
        (" 1:2", None),
        ("1 :2", None),
        ("1: 2", None),
        ("1:2\n", None),
        ("\t1:2", None),
        // Signs, and wildcard look-alikes.
        ("+1:1", None),
        ("1:+1", None),
        ("-0:1", None),
        ("1:-0", None),
        ("-2:1", None),
        ("1:-2", None),
        ("-01:1", None),
        ("1:-01", None),
        ("--1:1", None),
        ("-:1", None),
        ("1:-", None),
        ("-1-1:1", None),
        ("**:1", None),
        ("1:**", None),
        ("*1:1", None),
        ("1:*1", None),
        ("1:1*", None),
        // Other bases and digits of other scripts.
        ("0x10:1", None),
        ("1:0x10", None),
        ("1e3:1", None),
        ("\u{661}:1", None),  // ARABIC-INDIC DIGIT ONE
        ("\u{ff11}:1", None), // FULLWIDTH DIGIT ONE
        ("1:\u{661}", None),
        // A scheme inside the address.
        ("vsock://1:2", None),
        ("tcp://1:2", None),
    ];
    for &(input, expected) in table {
        assert_eq!(check(input), expected, "{input:?}");
    }
}

/// A C string ends at its first NUL: C++ parses the prefix; Rust refuses the whole.
#[test]
fn interior_nul() {
    assert_eq!(check_bytes(b"1:2\0"), Some((1, 2, false)));
    assert_eq!(check_bytes(b"1:2\0junk"), Some((1, 2, false)));
    assert_eq!(check_bytes(b"1:2\0\xff\xfe"), Some((1, 2, false)));
    assert_eq!(check_bytes(b"@:7\0:8"), Some((VMADDR_CID_LOCAL, 7, true)));
    assert_eq!(check_bytes(b"1\0:2"), None);
    assert_eq!(check_bytes(b"\0"), None);
    assert!("vsock://1:2\0".parse::<VsockAddr>().is_err());
    assert!("vmci://1:2\0junk".parse::<VmciAddr>().is_err());
}

#[test]
fn non_utf8_is_rejected() {
    for input in [
        &b"\xff:1"[..],
        b"1:\xff",
        b"\xc3:1",
        b"1:2\x80",
        b"\xed\xa0\x80:1",
        b"@\xff:1",
    ] {
        assert_eq!(check_bytes(input), None, "{input:?}");
    }
}

/// Every single-byte field and every pair of them around one colon.
#[test]
fn all_short_fields() {
    let mut fields: Vec<String> = (0u8..=0x7f)
        .filter(|&b| b != 0)
        .map(|b| (b as char).to_string())
        .collect();
    // "*" and "@" are among the single bytes.
    fields.extend(["", "-1", "00", "-0", "+1", "1 "].map(String::from));
    let mut accepted = 0;
    for cid in &fields {
        for port in &fields {
            if check(&format!("{cid}:{port}")).is_some() {
                accepted += 1;
            }
        }
    }
    // CIDs 0-9, "-1", "*", "@", "00" by ports 0-9, "-1", "*", "00".
    assert_eq!(accepted, 14 * 13);
}

/// Every u32 boundary as CID and as port.
#[test]
fn number_boundaries() {
    let numbers: Vec<String> = [0u64, 1, 2, 3, 9, 10, 99, 100, 1023, 1024, 65535, 65536]
        .into_iter()
        .chain([
            0x7fff_ffff,
            0x8000_0000,
            0xffff_fffe,
            0xffff_ffff,
            0x1_0000_0000,
            0x1_0000_0001,
        ])
        .chain([u64::MAX / 10, u64::MAX - 1, u64::MAX])
        .map(|n| n.to_string())
        .chain(
            [
                "18446744073709551616",
                "184467440737095516150",
                "4294967295000",
            ]
            .map(String::from),
        )
        .collect();
    for cid in &numbers {
        for port in &numbers {
            let got = check(&format!("{cid}:{port}"));
            let cid_ok = cid.parse::<u64>().is_ok_and(|n| n <= 0xffff_ffff);
            let port_ok = port.parse::<u64>().is_ok_and(|n| n < 0xffff_ffff);
            if cid_ok && port_ok {
                assert_eq!(
                    got,
                    Some((cid.parse().unwrap(), port.parse().unwrap(), false))
                );
            } else {
                assert_eq!(got, None, "{cid}:{port}");
            }
        }
    }
}

/// One CID or port field: mostly near the grammar, sometimes anything.
fn field() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => any::<u32>().prop_map(|n| n.to_string()),
        2 => any::<u64>().prop_map(|n| n.to_string()),
        1 => (0usize..4, any::<u32>()).prop_map(|(zeros, n)| format!("{}{n}", "0".repeat(zeros))),
        1 => (0u32..16).prop_map(|n| n.to_string()),
        1 => prop_oneof![
            Just("4294967295".to_owned()),
            Just("4294967296".to_owned()),
            Just("18446744073709551616".to_owned()),
            Just("00000000004294967295".to_owned()),
        ],
        2 => prop_oneof![
            Just("*".to_owned()),
            Just("-1".to_owned()),
            Just("@".to_owned()),
            Just(String::new()),
            Just("-0".to_owned()),
            Just("+1".to_owned()),
            Just("-".to_owned()),
        ],
        2 => "[0-9*@+ \\-x:]{0,6}",
        1 => "\\PC{0,4}",
    ]
}

/// A whole `CID:PORT`-like input: mostly two fields around a colon.
fn input() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => (field(), field()).prop_map(|(c, p)| format!("{c}:{p}")),
        1 => (field(), field(), field()).prop_map(|(a, b, c)| format!("{a}:{b}:{c}")),
        1 => (field(), "[^0-9]{0,2}", field()).prop_map(|(c, sep, p)| format!("{c}{sep}{p}")),
        1 => (field(), field(), "[\\x00\\t\\n ]{1,2}", "\\PC{0,3}")
            .prop_map(|(c, p, mid, tail)| format!("{c}:{p}{mid}{tail}")),
        1 => "[0-9*@:\\-+]{0,24}",
        1 => any::<String>(),
    ]
}

/// 4096 cases per property natively, 256 in the test VM (`cargo vm-test`, where its emulated
/// CPU makes each case about 50 times slower and the parsers behave the same), unless
/// PROPTEST_CASES says otherwise. The fuzz target cpp_parser covers far more.
fn config() -> ProptestConfig {
    let mut config = ProptestConfig::default();
    if std::env::var_os("PROPTEST_CASES").is_none() {
        config.cases = if zmq_vsock_testkit::in_vm() { 256 } else { 4096 };
    }
    config
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn parsers_agree_on_generated_strings(text in input()) {
        check(&text);
    }

    #[test]
    fn parsers_agree_on_arbitrary_bytes(bytes in prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..24),
        proptest::collection::vec(prop_oneof![
            Just(b'0'), Just(b'1'), Just(b'9'), Just(b':'), Just(b'*'), Just(b'-'),
            Just(b'@'), Just(0u8), Just(0xffu8), Just(0xc3u8),
        ], 0..16),
    ]) {
        check_bytes(&bytes);
    }

    /// What the Rust types print, C++ parses to the same address (the round trip through
    /// ZMQ_LAST_ENDPOINT depends on it).
    #[test]
    fn cpp_parses_what_rust_prints(cid in any::<u32>(), port in any::<u32>()) {
        let printed = VsockAddr::new(cid, port).to_string();
        let path = printed.strip_prefix("vsock://").unwrap();
        prop_assert_eq!(check(path), Some((cid, port, false)));
        let printed = VmciAddr::this_machine(port).to_string();
        let path = printed.strip_prefix("vmci://").unwrap();
        prop_assert_eq!(check(path), Some((VMADDR_CID_LOCAL, port, true)));
    }
}

// ------------------------------------------------------------ hvsock://PATH:PORT

mod hvsock {
    use super::*;
    use zmq_vsock::HvsockAddr;
    use zmq_vsock_testkit::differential::{HvsockParsed, check_hvsock, check_hvsock_bytes};

    fn ok(path: &str, port: u32) -> HvsockParsed {
        Some((path.as_bytes().to_vec(), port))
    }

    /// Inputs (after `hvsock://`) whose meaning DESIGN.md fixes ("Endpoint grammar").
    #[test]
    fn tricky_cases_table() {
        let p105 = "p".repeat(105);
        let p104 = "p".repeat(104);
        let table: Vec<(String, HvsockParsed)> = vec![
            ("/run/vm.vsock:1024".into(), ok("/run/vm.vsock", 1024)),
            ("v:0".into(), ok("v", 0)),
            ("v:007".into(), ok("v", 7)),
            ("v:4294967294".into(), ok("v", 4294967294)),
            ("v:04294967294".into(), ok("v", 4294967294)),
            // The last colon splits; a path may hold colons, '@', blanks, anything but NUL.
            ("a:b:c:1".into(), ok("a:b:c", 1)),
            ("@abstract:1".into(), ok("@abstract", 1)),
            (" v :1".into(), ok(" v ", 1)),
            ("::1".into(), ok(":", 1)),
            ("\u{e9}t\u{e9}:1".into(), ok("\u{e9}t\u{e9}", 1)),
            // PATH_PORT must fit 107 bytes; the port counts without its leading zeros.
            (format!("{p105}:1"), ok(&p105, 1)),
            (format!("{p105}:01"), ok(&p105, 1)),
            (format!("{p105}:10"), None),
            (format!("{p104}:10"), ok(&p104, 10)),
            // Ports: digits of a u32 below VMADDR_PORT_ANY only.
            ("v:4294967295".into(), None),
            ("v:4294967296".into(), None),
            ("v:18446744073709551617".into(), None),
            ("v:*".into(), None),
            ("v:-1".into(), None),
            ("v:+1".into(), None),
            ("v:-0".into(), None),
            ("v:1 ".into(), None),
            ("v: 1".into(), None),
            ("v:1\n".into(), None),
            ("v:0x10".into(), None),
            ("v:\u{661}".into(), None),
            ("v:".into(), None),
            ("v:1:".into(), None),
            // Missing parts.
            (":1".into(), None),
            (":".into(), None),
            ("".into(), None),
            ("v".into(), None),
            ("1024".into(), None),
        ];
        for (input, expected) in &table {
            assert_eq!(&check_hvsock(input), expected, "{input:?}");
        }
    }

    #[test]
    fn interior_nul_and_non_utf8() {
        assert_eq!(check_hvsock_bytes(b"v:1\0"), ok("v", 1));
        assert_eq!(check_hvsock_bytes(b"v:1\0:2"), ok("v", 1));
        assert_eq!(check_hvsock_bytes(b"v\0x:1"), None);
        assert!("hvsock://v\0x:1".parse::<HvsockAddr>().is_err());
        // A path is bytes to C++: non-UTF-8 is accepted there, in the path only.
        assert_eq!(
            check_hvsock_bytes(b"\xff\xfe:1"),
            Some((b"\xff\xfe".to_vec(), 1))
        );
        assert_eq!(check_hvsock_bytes(b"v:1\xff"), None);
    }

    /// One hvsock input: mostly a path and a port around a colon.
    fn input() -> impl Strategy<Value = String> {
        let path = prop_oneof![
            3 => "[a-z/._-]{1,20}",
            1 => "[a-z:@ ]{0,6}",
            1 => (90usize..110).prop_map(|n| "p".repeat(n)),
            1 => "\\PC{0,8}",
        ]
        .boxed();
        prop_oneof![
            6 => (path.clone(), field()).prop_map(|(p, port)| format!("{p}:{port}")),
            1 => (path, field(), field()).prop_map(|(p, a, b)| format!("{p}:{a}:{b}")),
            1 => any::<String>(),
        ]
    }

    proptest! {
        #![proptest_config(config())]

        #[test]
        fn parsers_agree_on_generated_strings(text in input()) {
            check_hvsock(&text);
        }

        #[test]
        fn parsers_agree_on_arbitrary_bytes(bytes in prop_oneof![
            proptest::collection::vec(any::<u8>(), 0..24),
            proptest::collection::vec(prop_oneof![
                Just(b'0'), Just(b'1'), Just(b'9'), Just(b':'), Just(b'/'), Just(b'-'),
                Just(b'*'), Just(0u8), Just(0xffu8), Just(0xc3u8),
            ], 0..16),
        ]) {
            check_hvsock_bytes(&bytes);
        }

        /// What HvsockAddr prints, C++ parses to the same path and port.
        #[test]
        fn cpp_parses_what_rust_prints(path in "[a-z/:._ -]{1,40}", port in 0u32..u32::MAX) {
            if let Ok(addr) = HvsockAddr::new(&path, port) {
                let printed = addr.to_string();
                let address = printed.strip_prefix("hvsock://").unwrap();
                prop_assert_eq!(check_hvsock(address), ok(&path, port));
            }
        }
    }
}
