//! src/ffi.rs is committed so users need no libclang; this checks it still
//! matches what bindgen makes of the headers we compile. Runs with the
//! `bindgen` feature (CI turns it on): `cargo test -p zmq-sys --features bindgen`.
//! `BLESS=1` rewrites src/ffi.rs instead of failing.
#![cfg(feature = "bindgen")]

const GENERATED: &str = include_str!(concat!(env!("OUT_DIR"), "/ffi.rs"));
const COMMITTED: &str = include_str!("../src/ffi.rs");

#[test]
fn committed_bindings_match_the_headers() {
    if GENERATED == COMMITTED {
        return;
    }
    if std::env::var_os("BLESS").is_some_and(|v| v == "1") {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/src/ffi.rs");
        std::fs::write(path, GENERATED).expect("rewrite src/ffi.rs");
        eprintln!("rewrote {path}");
        return;
    }
    let first_difference = GENERATED
        .lines()
        .zip(COMMITTED.lines())
        .position(|(g, c)| g != c)
        .map_or_else(|| "one file is a prefix of the other".to_string(), |i| format!("first difference at line {}", i + 1));
    panic!(
        "zmq-sys/src/ffi.rs is stale ({first_difference}). Regenerate it with \
         `BLESS=1 ZMQ_VSOCK_VM=0 cargo test -p zmq-sys --features bindgen --test bindings_fresh` and commit it."
    );
}
