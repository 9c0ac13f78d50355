//! Our libzmq's C++ endpoint parser (`zmq_vsock_parse_endpoint`, what `zmq_bind` and
//! `zmq_connect` use for `vsock://` and `vmci://`) on arbitrary bytes: no crash, no hang, no
//! leak, no read past the string; and differential: the Rust parsers accept exactly what it
//! accepts, with the same CID, port and `@`.
//!
//! Only the parser is called: nothing is bound, nothing is connected (a fuzzed CID must never
//! reach the hypervisor behind /dev/vsock).
//!
//! - Interior NULs: a C string ends at its first NUL, so the C++ parser gets the bytes before
//!   it (copied into an exactly sized heap buffer, so ASan sees any read past the end). The
//!   Rust parsers must reject the whole input (rust-zmq would refuse it too) and agree with
//!   C++ on the prefix.
//! - Non-UTF-8: `FromStr` cannot see it; C++ must reject it (its grammar is ASCII), unless the
//!   non-UTF-8 bytes lie after a NUL.
//! - `@`: C++ reports `local = 1`; `VsockAddr` parses it to CID 1 (VMADDR_CID_LOCAL),
//!   `VmciAddr` keeps it (`is_this_machine()`).

#![no_main]

use std::ffi::CString;
use std::os::raw::{c_int, c_uint};

use libfuzzer_sys::fuzz_target;
use zmq_vsock::{VmciAddr, VsockAddr, VMADDR_CID_LOCAL};

/// `(cid, port, at)`; for `@` the CID is VMADDR_CID_LOCAL, what vsock binds.
type Parsed = Option<(u32, u32, bool)>;

fn cpp(c_string: &[u8]) -> Parsed {
    let path = CString::new(c_string).expect("no NUL in the prefix");
    let (mut cid, mut port, mut local): (c_uint, c_uint, c_int) = (7, 7, 7);
    // SAFETY: errno is this thread's.
    unsafe { *libc::__errno_location() = 0 };
    // SAFETY: a NUL-terminated string and three live out-parameters.
    let rc = unsafe {
        zmq_sys::zmq_vsock_parse_endpoint(path.as_ptr(), &mut cid, &mut port, &mut local)
    };
    match rc {
        0 => match local {
            0 => Some((cid, port, false)),
            1 => Some((VMADDR_CID_LOCAL, port, true)),
            other => panic!("{c_string:?}: local = {other}"),
        },
        -1 => {
            // SAFETY: errno is this thread's.
            let errno = unsafe { *libc::__errno_location() };
            assert_eq!(errno, libc::EINVAL, "{c_string:?}: errno");
            None
        }
        other => panic!("{c_string:?}: returned {other}"),
    }
}

fn rust(text: &str) -> Parsed {
    let vsock = format!("vsock://{text}").parse::<VsockAddr>().ok();
    let vmci = format!("vmci://{text}").parse::<VmciAddr>().ok();
    match (vsock, vmci) {
        (None, None) => None,
        (Some(v), Some(m)) => {
            assert_eq!(v.port(), m.port(), "{text:?}");
            if m.is_this_machine() {
                assert_eq!(v.cid(), VMADDR_CID_LOCAL, "{text:?}");
                Some((VMADDR_CID_LOCAL, v.port(), true))
            } else {
                // Compared as values: VmciAddr::cid() would ask the kernel for `@`.
                assert_eq!(m, VmciAddr::new(v.cid(), v.port()), "{text:?}");
                Some((v.cid(), v.port(), false))
            }
        }
        (v, m) => panic!("{text:?}: vsock {v:?} but vmci {m:?}"),
    }
}

fuzz_target!(|data: &[u8]| {
    let nul = data.iter().position(|&b| b == 0);
    let prefix = &data[..nul.unwrap_or(data.len())];
    let from_cpp = cpp(prefix);
    match std::str::from_utf8(prefix) {
        Ok(text) => assert_eq!(rust(text), from_cpp, "C++ and Rust disagree on {text:?}"),
        Err(_) => assert_eq!(from_cpp, None, "C++ accepted non-UTF-8 {prefix:?}"),
    }
    if nul.is_some() {
        if let Ok(whole) = std::str::from_utf8(data) {
            assert_eq!(rust(whole), None, "Rust accepted a NUL: {whole:?}");
        }
    }
});
