//! Test helpers for zmq-vsock's own tests, examples and benches.
//!
//! # The vsock safety rule
//!
//! On this project's development and CI machines `/dev/vsock` is the
//! hypervisor's own channel: an AF_VSOCK connection to CID 2 (the host) or to
//! the machine's own CID reaches the hypervisor. Binding and listening are
//! local and fine; connecting is not. Every connect of a test goes to
//! `VMADDR_CID_LOCAL` (1) inside the throwaway test VM that `vm/run` boots
//! (`cargo vm-test`), where the kernel has the `vsock_loopback` transport.
//!
//! Tests call [`guard_connect`] or [`guard_connect_endpoint`] right before
//! every vsock connect (a raw `connect(2)` or a `zmq_connect`), so that a
//! mistake fails the test instead of reaching the hypervisor, and start every
//! data-path test with [`require_data_path!`].
//!
//! ```no_run
//! // In tests/some_test.rs, under #[test]:
//! fn round_trip() {
//!     zmq_vsock_testkit::require_data_path!();
//!     let endpoint = "vsock://1:5555";
//!     zmq_vsock_testkit::guard_connect_endpoint(endpoint).unwrap();
//!     // ... socket.connect(endpoint) ...
//! }
//! ```
//!
//! Nothing here reads the environment at compile time, so switching between
//! `cargo test` and `cargo vm-test` rebuilds nothing.

use std::path::Path;

mod bed;
pub mod differential;
mod guard;

pub use bed::{__bed_missing, bed, Bed, Role, Topology};

pub use guard::{guard_connect, guard_connect_endpoint};

/// The variable `vm/run` sets to `1` inside the test VM.
const IN_VM_VAR: &str = "ZMQ_VSOCK_IN_VM";

/// Where the kernel shows a loaded `vsock_loopback` module.
pub(crate) const LOOPBACK_MODULE: &str = "/sys/module/vsock_loopback";

/// True when running inside the test VM booted by `vm/run`, which sets
/// `ZMQ_VSOCK_IN_VM=1` for the program it runs.
///
/// Inside the VM every CID is safe to connect to: the VM has no vsock device
/// to a hypervisor, only the loopback transport.
pub fn in_vm() -> bool {
    std::env::var_os(IN_VM_VAR).is_some_and(|v| v == "1")
}

/// The topology vm/run names on the guest kernel's command line
/// (`zmq_vsock_vm=loopback`, `guests` or `nested`), or `None` on any other
/// kernel.
pub fn vm_topology() -> Option<String> {
    let cmdline = std::fs::read_to_string("/proc/cmdline").ok()?;
    cmdline
        .split_whitespace()
        .find_map(|word| word.strip_prefix("zmq_vsock_vm="))
        .map(str::to_owned)
}

/// True when the running kernel has the `vsock_loopback` module loaded
/// (`/sys/module/vsock_loopback` exists), so that connections to
/// `VMADDR_CID_LOCAL` (1) stay on this machine.
///
/// Without that module the kernel hands a connection to CID 1 to its
/// guest-to-host transport, that is, to the hypervisor.
pub fn host_has_vsock_loopback() -> bool {
    Path::new(LOOPBACK_MODULE).exists()
}

/// `Ok(())` when vsock data-path tests can run here: inside the test VM, or on
/// a kernel with the vsock loopback transport. Otherwise `Err` with the reason.
pub fn data_path_available() -> Result<(), String> {
    data_path_check(in_vm(), host_has_vsock_loopback())
}

/// True when the environment says this is a CI run (`CI` is `true` or `1`),
/// where a data-path test that cannot run must fail instead of skipping.
pub fn is_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "1" || v.eq_ignore_ascii_case("true"))
}

/// The number of file descriptors this process has open, counted from
/// `/proc/self/fd` (the descriptor used to list that directory is left out).
///
/// For leak checks: compare the count before and after the code under test.
/// Panics when `/proc/self/fd` cannot be read.
pub fn open_fd_count() -> usize {
    let dir = std::fs::read_dir("/proc/self/fd")
        .unwrap_or_else(|e| panic!("cannot list /proc/self/fd: {e}"));
    // The listing includes the directory descriptor read_dir holds open.
    dir.count().saturating_sub(1)
}

/// Starts a data-path test: when vsock data paths are unavailable here (see
/// [`data_path_available`]) it makes the test fail in CI ([`is_ci`]) with
/// "data-path test requires vsock loopback; run `cargo vm-test`" and the
/// reason, and elsewhere prints `SKIPPED: <test>: <reason>` to stderr and
/// returns from the test. The skip line is written to the process's stderr
/// directly, so it shows even though the test harness captures output.
///
/// In a test that returns a value, give the value to return when skipping:
/// `require_data_path!(Ok(()))`.
#[macro_export]
macro_rules! require_data_path {
    () => {
        $crate::require_data_path!(())
    };
    ($skip_value:expr) => {
        if let ::core::result::Result::Err(reason) = $crate::data_path_available() {
            $crate::__data_path_missing(::core::module_path!(), &reason);
            #[allow(clippy::unused_unit)]
            return $skip_value;
        }
    };
}

/// Used by [`require_data_path!`]: fails (CI) or reports a skip.
#[doc(hidden)]
#[track_caller]
pub fn __data_path_missing(module: &str, reason: &str) {
    let what = format!("data-path test requires vsock loopback; run `cargo vm-test` ({reason})");
    __report_missing(module, &what);
}

/// Fails the running test in CI ([`is_ci`]), else prints `SKIPPED: <test>: <what>`.
#[doc(hidden)]
#[track_caller]
pub fn __report_missing(module: &str, what: &str) {
    // libtest names each test's thread after the test.
    let thread = std::thread::current();
    let test = match thread.name() {
        Some(name) if name != "main" => name.to_string(),
        _ => module.to_string(),
    };
    if is_ci() {
        panic!("{test}: {what}");
    }
    // Not eprintln!: libtest captures that and shows it only for failures.
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "SKIPPED: {test}: {what}");
}

fn data_path_check(in_vm: bool, loopback: bool) -> Result<(), String> {
    if in_vm || loopback {
        Ok(())
    } else {
        Err(format!(
            "not inside the test VM ({IN_VM_VAR} is not 1) and this kernel has no vsock \
             loopback ({LOOPBACK_MODULE} does not exist)"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOOPBACK: bool = true;
    const NO_LOOPBACK: bool = false;

    #[test]
    fn data_path_needs_the_vm_or_loopback() {
        assert_eq!(data_path_check(true, NO_LOOPBACK), Ok(()));
        assert_eq!(data_path_check(false, LOOPBACK), Ok(()));
        let err = data_path_check(false, NO_LOOPBACK).unwrap_err();
        assert!(
            err.contains(IN_VM_VAR) && err.contains(LOOPBACK_MODULE),
            "{err}"
        );
    }

    #[test]
    fn open_fd_count_sees_a_new_descriptor() {
        let before = open_fd_count();
        let file = std::fs::File::open("/proc/self/stat").unwrap();
        assert_eq!(open_fd_count(), before + 1);
        drop(file);
        assert_eq!(open_fd_count(), before);
    }
}
