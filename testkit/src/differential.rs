//! The differential oracle of the endpoint parsers: the Rust ones (`VsockAddr`/`VmciAddr`
//! FromStr) and our libzmq's C++ parser (`zmq_vsock_parse_endpoint`, what `zmq_bind` uses) must
//! agree on every string: accept or reject, CID, port, and whether the CID was `@`.
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
//!
//! The same for `hvsock://PATH:PORT` ([`check_hvsock_bytes`]): `HvsockAddr` FromStr and
//! `zmq_hvsock_parse_endpoint` must agree on accept or reject, the path and the port. The
//! mapping differs in one point: a path is opaque bytes to C++, so bytes that are not UTF-8 may
//! be accepted there, in the path only. Such an input must get the answer (and path length)
//! that the Rust parser gives for it with every byte above 0x7f replaced by `x`: the same
//! length, and no new `:` or digit.
//!
//! Used by tests/parser_differential.rs and the `cpp_parser` fuzz target, so
//! both hold the parsers to the same mapping. Every function panics on a
//! disagreement, naming the input.

use std::ffi::CString;
use std::os::raw::{c_int, c_uint};
use std::os::unix::ffi::OsStrExt;

use zmq_vsock::{HvsockAddr, VmciAddr, VsockAddr, VMADDR_CID_LOCAL};

/// What a parser made of `CID:PORT`: `(cid, port, at)`, `cid` unspecified when `at`.
pub type Parsed = Option<(u32, u32, bool)>;

fn set_errno(value: c_int) {
    // SAFETY: __errno_location returns this thread's errno, valid for the thread's life.
    unsafe { *libc::__errno_location() = value };
}

/// The C++ parser on `input` up to its first NUL (all a C caller can pass).
pub fn cpp(input: &[u8]) -> Parsed {
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
pub fn rust(input: &str) -> Parsed {
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
pub fn check_bytes(input: &[u8]) -> Parsed {
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

pub fn check(input: &str) -> Parsed {
    check_bytes(input.as_bytes())
}

// ------------------------------------------------------------ hvsock://PATH:PORT

/// What a parser made of `PATH:PORT`: the path's bytes and the port.
pub type HvsockParsed = Option<(Vec<u8>, u32)>;

/// The C++ parser on `input` up to its first NUL.
pub fn cpp_hvsock(input: &[u8]) -> HvsockParsed {
    let end = input.iter().position(|&b| b == 0).unwrap_or(input.len());
    let address = CString::new(&input[..end]).expect("no NUL before `end`");
    let (mut path_len, mut port): (usize, c_uint) = (usize::MAX, 7);
    set_errno(0);
    // SAFETY: `address` is a NUL-terminated string and the out-pointers point at live locals.
    let rc =
        unsafe { zmq_sys::zmq_hvsock_parse_endpoint(address.as_ptr(), &mut path_len, &mut port) };
    match rc {
        0 => {
            assert!(
                path_len > 0 && path_len < end && input[path_len] == b':',
                "{input:?}: path length {path_len}"
            );
            Some((input[..path_len].to_vec(), port))
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
        other => panic!("{input:?}: zmq_hvsock_parse_endpoint returned {other}"),
    }
}

/// `HvsockAddr` FromStr on `hvsock://` + `input`. What it accepts must print back to that
/// same string (canonical port) and be what `HvsockAddr::new` builds from its parts.
pub fn rust_hvsock(input: &str) -> HvsockParsed {
    let endpoint = format!("hvsock://{input}");
    let addr = endpoint.parse::<HvsockAddr>().ok()?;
    let path = addr.path().as_os_str().as_bytes().to_vec();
    let path_text = std::str::from_utf8(&path).expect("an HvsockAddr path is UTF-8");
    assert_eq!(
        addr.to_string(),
        format!("hvsock://{path_text}:{}", addr.port()),
        "{input:?}: printed form"
    );
    let built = HvsockAddr::new(addr.path(), addr.port())
        .unwrap_or_else(|e| panic!("{input:?}: parsed, but new() of its parts fails: {e}"));
    assert_eq!(built, addr, "{input:?}");
    Some((path, addr.port()))
}

/// Checks one hvsock input (raw bytes) and returns what both parsers made of it.
pub fn check_hvsock_bytes(input: &[u8]) -> HvsockParsed {
    let from_cpp = cpp_hvsock(input);
    let end = input.iter().position(|&b| b == 0).unwrap_or(input.len());
    if let Ok(text) = std::str::from_utf8(input) {
        let from_rust = rust_hvsock(text);
        if end == input.len() {
            assert_eq!(from_rust, from_cpp, "input {text:?}");
            return from_cpp;
        }
        assert_eq!(from_rust, None, "{text:?}: Rust accepted a NUL");
    }
    // What C++ saw: the bytes before the first NUL.
    let seen = &input[..end];
    match std::str::from_utf8(seen) {
        Ok(prefix) => assert_eq!(
            rust_hvsock(prefix),
            from_cpp,
            "{input:?}: prefix {prefix:?}"
        ),
        Err(_) => {
            let masked: String = seen
                .iter()
                .map(|&b| if b < 0x80 { char::from(b) } else { 'x' })
                .collect();
            let shape = |parsed: HvsockParsed| parsed.map(|(path, port)| (path.len(), port));
            assert_eq!(
                shape(rust_hvsock(&masked)),
                shape(from_cpp.clone()),
                "{input:?}: C++ on non-UTF-8 bytes, compared as {masked:?}"
            );
        }
    }
    from_cpp
}

pub fn check_hvsock(input: &str) -> HvsockParsed {
    check_hvsock_bytes(input.as_bytes())
}
