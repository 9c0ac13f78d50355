//! Our libzmq's C++ endpoint parsers (`zmq_vsock_parse_endpoint`, what `zmq_bind` and
//! `zmq_connect` use for `vsock://` and `vmci://`, and `zmq_hvsock_parse_endpoint` for
//! `hvsock://`) on arbitrary bytes: no crash, no hang, no leak, no read past the string; and
//! differential: the Rust parsers accept exactly what they accept, with the same CID, port
//! and `@` (vsock, vmci) or path and port (hvsock). The comparison (how interior NULs, non-UTF-8
//! and `@` map between the two) is the oracle in `zmq_vsock_testkit::differential`, the same
//! one tests/parser_differential.rs uses.
//!
//! Only the parser is called: nothing is bound, nothing is connected (a fuzzed CID must never
//! reach the hypervisor behind /dev/vsock).

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    zmq_vsock_testkit::differential::check_bytes(data);
    zmq_vsock_testkit::differential::check_hvsock_bytes(data);
});
