//! Our libzmq's C++ endpoint parser (`zmq_vsock_parse_endpoint`, what `zmq_bind` and
//! `zmq_connect` use for `vsock://` and `vmci://`) on arbitrary bytes: no crash, no hang, no
//! leak, no read past the string; and differential: the Rust parsers accept exactly what it
//! accepts, with the same CID, port and `@`. The comparison (how interior NULs, non-UTF-8
//! and `@` map between the two) is the oracle in `zmq_vsock_testkit::differential`, the same
//! one tests/parser_differential.rs uses.
//!
//! Only the parser is called: nothing is bound, nothing is connected (a fuzzed CID must never
//! reach the hypervisor behind /dev/vsock).

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    zmq_vsock_testkit::differential::check_bytes(data);
});
