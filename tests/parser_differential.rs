//! The Rust endpoint parsers (`VsockAddr`/`VmciAddr` FromStr) and our libzmq's C++ parser
//! (`zmq_vsock_parse_endpoint`, what `zmq_bind` uses) agree on every string: accept or reject,
//! CID, port, and whether the CID was `@`.
//!
//! Nothing here binds or connects: both parsers are pure functions.
//!
//! Mapping between the two:
//! - the C++ parser takes what follows `SCHEME://`; the Rust ones take the whole endpoint, so
//!   they get `vsock://` + input and `vmci://` + input (one grammar, two schemes);
//! - C++ `local == 1` is `@`: `VsockAddr` turns it into CID 1 (`VMADDR_CID_LOCAL`, what libzmq
//!   binds), `VmciAddr` keeps it as `is_this_machine()`; C++ leaves `cid` at
//!   `VMADDR_CID_ANY` then, which is not compared;
//! - a C string ends at its first NUL, so the C++ parser sees only the bytes before it. The Rust
//!   parsers see the whole string and must reject one with a NUL in it (rust-zmq would refuse
//!   it too: `CString::new` fails); what the C++ parser says about the prefix must be what the
//!   Rust parsers say about that prefix.
//! - bytes that are not UTF-8 cannot reach `FromStr`; the C++ parser must reject them (its
//!   grammar is ASCII).

use std::ffi::CString;
use std::os::raw::{c_int, c_uint};

use proptest::prelude::*;
use zmq_vsock::{VmciAddr, VsockAddr, VMADDR_CID_LOCAL};

/// What a parser made of `CID:PORT`: `(cid, port, at)`, `cid` unspecified when `at`.
type Parsed = Option<(u32, u32, bool)>;

fn set_errno(value: c_int) {
    // SAFETY: __errno_location returns this thread's errno, valid for the thread's life.
    unsafe { *libc::__errno_location() = value };
}

/// The C++ parser on `input` up to its first NUL (all a C caller can pass).
fn cpp(input: &[u8]) -> Parsed {
    let end = input.iter().position(|&b| b == 0).unwrap_or(input.len());
    let path = CString::new(&input[..end]).expect("no NUL before `end`");
    let (mut cid, mut port, mut local): (c_uint, c_uint, c_int) = (7, 7, 7);
    set_errno(0);
    // SAFETY: `path` is a NUL-terminated string and the out-pointers point at live locals.
    let rc = unsafe {
        zmq_sys::zmq_vsock_parse_endpoint(path.as_ptr(), &mut cid, &mut port, &mut local)
    };
    match rc {
        0 => {
            assert!(local == 0 || local == 1, "{input:?}: local = {local}");
            Some((cid, port, local == 1))
        }
        -1 => {
            // SAFETY: zmq_errno only reads this thread's errno.
            let errno = unsafe { zmq_sys::zmq_errno() };
            assert_eq!(
                errno,
                libc::EINVAL,
                "{input:?}: rejected with errno {errno}"
            );
            None
        }
        other => panic!("{input:?}: zmq_vsock_parse_endpoint returned {other}"),
    }
}

/// The Rust parsers on `SCHEME://` + `input`; they must agree with each other.
fn rust(input: &str) -> Parsed {
    let vsock = format!("vsock://{input}").parse::<VsockAddr>().ok();
    let vmci = format!("vmci://{input}").parse::<VmciAddr>().ok();
    match (vsock, vmci) {
        (None, None) => None,
        (Some(v), Some(m)) => {
            assert_eq!(v.port(), m.port(), "{input:?}: vsock and vmci ports differ");
            if m.is_this_machine() {
                assert_eq!(m, VmciAddr::this_machine(v.port()), "{input:?}");
                // vsock's `@` is the loopback CID, known without asking the kernel.
                assert_eq!(v.cid(), VMADDR_CID_LOCAL, "{input:?}: vsock @");
                Some((VMADDR_CID_LOCAL, v.port(), true))
            } else {
                // Compared as values: VmciAddr::cid() would ask the kernel only for `@`.
                assert_eq!(m, VmciAddr::new(v.cid(), v.port()), "{input:?}");
                Some((v.cid(), v.port(), false))
            }
        }
        (v, m) => panic!("{input:?}: vsock parsed {v:?} but vmci parsed {m:?}"),
    }
}

/// Normalizes a parse so both sides can be compared: vsock's `@` is CID 1.
fn normalized(parsed: Parsed) -> Parsed {
    parsed.map(|(cid, port, at)| (if at { VMADDR_CID_LOCAL } else { cid }, port, at))
}

/// Checks one input (raw bytes, as a C caller or a fuzzer would pass them) and returns what
/// both parsers made of it.
fn check_bytes(input: &[u8]) -> Parsed {
    let from_cpp = normalized(cpp(input));
    match std::str::from_utf8(input) {
        Err(_) => {
            // Only the bytes before a NUL reach C++; they may still be valid (e.g. "1:2\0\xff").
            let end = input.iter().position(|&b| b == 0).unwrap_or(input.len());
            match std::str::from_utf8(&input[..end]) {
                Ok(prefix) => assert_eq!(rust(prefix), from_cpp, "{input:?}: prefix {prefix:?}"),
                Err(_) => assert_eq!(from_cpp, None, "{input:?}: C++ accepted non-UTF-8"),
            }
        }
        Ok(text) => {
            let from_rust = rust(text);
            match text.find('\0') {
                None => assert_eq!(from_rust, from_cpp, "input {text:?}"),
                Some(nul) => {
                    assert_eq!(from_rust, None, "{text:?}: Rust accepted a NUL");
                    assert_eq!(
                        rust(&text[..nul]),
                        from_cpp,
                        "{text:?}: C++ sees {:?}",
                        &text[..nul]
                    );
                }
            }
        }
    }
    from_cpp
}

fn check(input: &str) -> Parsed {
    check_bytes(input.as_bytes())
}

const ANY: u32 = u32::MAX;

/// Inputs whose meaning is fixed by DESIGN.md ("Endpoint semantics"), with what both parsers
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
