//! The data-path tests: vsock:// and vmci:// on a real kernel vsock, through
//! rust-zmq. One test binary, so `cargo vm-test --test data_path` boots one
//! test VM for all of them; each module is a former test binary of its own,
//! and its tests are `MODULE::vsock::NAME` and `MODULE::vmci::NAME` (select a
//! module with a filter: `cargo vm-test --test data_path -- faults::`).
//!
//! Every module's tests run in this one process, on libtest's parallel
//! threads: see `common` for what that means for fixed ports and for the
//! tests that count the process's fds.

#[macro_use]
mod common;

mod access;
/// Only with the package feature `curve` (libzmq built with libsodium):
/// `cargo vm-test --features curve --test data_path -- curve::`.
#[cfg(feature = "curve")]
mod curve;
mod faults;
mod fds;
mod monitor;
mod patterns;
mod resilience;
mod seed;
