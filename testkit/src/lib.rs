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

/// `VMADDR_CID_LOCAL`: the CID that the `vsock_loopback` transport keeps on
/// the local machine.
#[cfg(any(target_os = "linux", target_os = "android"))]
const VMADDR_CID_LOCAL: u32 = libc::VMADDR_CID_LOCAL;
#[cfg(not(any(target_os = "linux", target_os = "android")))]
const VMADDR_CID_LOCAL: u32 = 1;

/// The variable `vm/run` sets to `1` inside the test VM.
const IN_VM_VAR: &str = "ZMQ_VSOCK_IN_VM";

/// Where the kernel shows a loaded `vsock_loopback` module.
const LOOPBACK_MODULE: &str = "/sys/module/vsock_loopback";

/// The guest-to-host vsock transports (virtio, VMCI, Hyper-V). The test VM
/// loads none of them; a machine that has one loaded talks to a hypervisor.
const HYPERVISOR_TRANSPORTS: [&str; 3] = [
    "/sys/module/vmw_vsock_virtio_transport",
    "/sys/module/vmw_vsock_vmci_transport",
    "/sys/module/hv_sock",
];

const SAFETY_RULE: &str = "on these machines /dev/vsock is the hypervisor's channel, so a test \
     connects only to VMADDR_CID_LOCAL (1) inside the test VM (see the vsock safety rule in \
     DESIGN.md); run it with `cargo vm-test`";

/// True when running inside the test VM booted by `vm/run`, which sets
/// `ZMQ_VSOCK_IN_VM=1` for the program it runs.
///
/// Inside the VM every CID is safe to connect to: the VM has no vsock device
/// to a hypervisor, only the loopback transport.
pub fn in_vm() -> bool {
    std::env::var_os(IN_VM_VAR).is_some_and(|v| v == "1")
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

/// The connect guard: `Ok(())` when an AF_VSOCK connection to `cid` is safe
/// here, otherwise `Err` with a message that explains the safety rule.
///
/// Inside the test VM ([`in_vm`]) any CID is allowed. Outside it only
/// `VMADDR_CID_LOCAL` (1) is, and only when the kernel has the vsock loopback
/// transport ([`host_has_vsock_loopback`]). As a second check, a kernel with a
/// guest-to-host vsock transport loaded (virtio, VMCI or Hyper-V: the way to a
/// hypervisor, which the test VM never loads) counts as outside even when
/// `ZMQ_VSOCK_IN_VM=1` is set, so a stray variable on a host opens nothing.
///
/// ```
/// // CID 2 is the hypervisor's host: refused everywhere but in the test VM.
/// if !zmq_vsock_testkit::in_vm() {
///     assert!(zmq_vsock_testkit::guard_connect(2).is_err());
/// }
/// ```
pub fn guard_connect(cid: u32) -> Result<(), String> {
    check_cid(
        &format!("CID {cid}"),
        cid,
        place(),
        host_has_vsock_loopback(),
    )
}

/// The connect guard for a ZeroMQ endpoint string: call it before
/// `zmq_connect` / `Socket::connect`.
///
/// `vsock://CID:PORT` and `vmci://CID:PORT` (split at the last colon) are
/// checked like [`guard_connect`]: CID is a decimal `u32`, `*` or `-1` (any),
/// or `@` (this machine: `VMADDR_CID_LOCAL` for vsock, but for vmci the
/// machine's own CID, which outside the VM is the hypervisor-facing one and is
/// refused); PORT is a decimal `u32`, `*` or `-1`. Outside the test VM an
/// endpoint of those schemes that does not parse is refused too, because the
/// transport under test might read it differently. Every other endpoint
/// (`tcp://`, `ipc://`, `inproc://`, ...) passes.
///
/// ```
/// use zmq_vsock_testkit::guard_connect_endpoint;
/// assert!(guard_connect_endpoint("tcp://127.0.0.1:5555").is_ok());
/// if !zmq_vsock_testkit::in_vm() {
///     assert!(guard_connect_endpoint("vsock://2:5555").is_err());
///     assert!(guard_connect_endpoint("vmci://@:5555").is_err());
/// }
/// ```
pub fn guard_connect_endpoint(endpoint: &str) -> Result<(), String> {
    check_endpoint(endpoint, place(), host_has_vsock_loopback())
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
    // libtest names each test's thread after the test.
    let thread = std::thread::current();
    let test = match thread.name() {
        Some(name) if name != "main" => name.to_string(),
        _ => module.to_string(),
    };
    let what = format!("data-path test requires vsock loopback; run `cargo vm-test` ({reason})");
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

/// Where the guard runs, as far as connecting is concerned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Place {
    /// `ZMQ_VSOCK_IN_VM=1` and no guest-to-host transport: every CID stays
    /// inside the VM.
    TestVm,
    /// `ZMQ_VSOCK_IN_VM=1`, yet a guest-to-host transport is loaded: not the
    /// test VM, whatever the variable says.
    ClaimsVm,
    Outside,
}

fn place() -> Place {
    let hypervisor = HYPERVISOR_TRANSPORTS
        .iter()
        .any(|module| Path::new(module).exists());
    match (in_vm(), hypervisor) {
        (true, false) => Place::TestVm,
        (true, true) => Place::ClaimsVm,
        (false, _) => Place::Outside,
    }
}

/// What a refusal says about where it happened.
fn outside(place: Place) -> &'static str {
    match place {
        Place::ClaimsVm => {
            "outside the test VM (ZMQ_VSOCK_IN_VM=1 is set, but this kernel has a \
             guest-to-host vsock transport loaded, which the test VM never has)"
        }
        _ => "outside the test VM",
    }
}

fn check_cid(target: &str, cid: u32, place: Place, loopback: bool) -> Result<(), String> {
    if place == Place::TestVm || (cid == VMADDR_CID_LOCAL && loopback) {
        return Ok(());
    }
    let outside = outside(place);
    if cid == VMADDR_CID_LOCAL {
        Err(format!(
            "refusing to connect to {target} {outside}: this kernel has no vsock loopback \
             ({LOOPBACK_MODULE} does not exist), so even CID 1 would go to the hypervisor's \
             transport; {SAFETY_RULE}"
        ))
    } else {
        Err(format!(
            "refusing to connect to {target} {outside}: only VMADDR_CID_LOCAL (1) on a kernel \
             with vsock loopback stays on this machine; {SAFETY_RULE}"
        ))
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Transport {
    Vsock,
    Vmci,
}

/// What the CID part of an endpoint names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Cid {
    Number(u32),
    /// `*` or `-1`: VMADDR_CID_ANY.
    Any,
    /// vmci's `@`: the machine's own CID, whatever the kernel reports.
    VmciLocal,
}

fn check_endpoint(endpoint: &str, place: Place, loopback: bool) -> Result<(), String> {
    let Some((scheme, address)) = endpoint.split_once("://") else {
        return Ok(());
    };
    let transport = if scheme.eq_ignore_ascii_case("vsock") {
        Transport::Vsock
    } else if scheme.eq_ignore_ascii_case("vmci") {
        Transport::Vmci
    } else {
        return Ok(());
    };
    if place == Place::TestVm {
        return Ok(());
    }
    let outside = outside(place);
    match parse_address(transport, address) {
        Ok(Cid::Number(cid)) => check_cid(endpoint, cid, place, loopback),
        Ok(Cid::Any) => Err(format!(
            "refusing to connect to {endpoint} {outside}: the CID is 'any'; {SAFETY_RULE}"
        )),
        Ok(Cid::VmciLocal) => Err(format!(
            "refusing to connect to {endpoint} {outside}: vmci's '@' is this machine's own \
             CID, which here is the hypervisor-facing one; {SAFETY_RULE}"
        )),
        Err(why) => Err(format!(
            "refusing to connect to {endpoint} {outside}: {why}, so where it would connect \
             cannot be checked; {SAFETY_RULE}"
        )),
    }
}

/// Parses `CID:PORT` (split at the last colon) and returns the CID.
fn parse_address(transport: Transport, address: &str) -> Result<Cid, String> {
    let Some((cid, port)) = address.rsplit_once(':') else {
        return Err("the address has no ':' between CID and port".to_string());
    };
    let cid = match cid {
        "" => return Err("the CID is empty".to_string()),
        "*" | "-1" => Cid::Any,
        "@" => match transport {
            Transport::Vsock => Cid::Number(VMADDR_CID_LOCAL),
            Transport::Vmci => Cid::VmciLocal,
        },
        digits => Cid::Number(
            parse_decimal_u32(digits).ok_or_else(|| format!("the CID '{digits}' is not a u32"))?,
        ),
    };
    match port {
        "" => return Err("the port is empty".to_string()),
        "*" | "-1" => {}
        digits => match parse_decimal_u32(digits) {
            Some(u32::MAX) => return Err("the port is the 'any' value as a number".to_string()),
            Some(_) => {}
            None => return Err(format!("the port '{digits}' is not a u32")),
        },
    }
    Ok(cid)
}

/// Decimal digits only (no sign, no spaces), within `u32`.
fn parse_decimal_u32(s: &str) -> Option<u32> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const OUTSIDE: Place = Place::Outside;
    const INSIDE: Place = Place::TestVm;
    const CLAIMS: Place = Place::ClaimsVm;
    const LOOPBACK: bool = true;
    const NO_LOOPBACK: bool = false;

    #[test]
    fn any_cid_is_allowed_inside_the_vm() {
        for cid in [0, 1, 2, 3, 4242, u32::MAX] {
            assert_eq!(check_cid("x", cid, INSIDE, NO_LOOPBACK), Ok(()));
            assert_eq!(check_cid("x", cid, INSIDE, LOOPBACK), Ok(()));
        }
    }

    #[test]
    fn outside_the_vm_only_cid_1_with_loopback() {
        assert_eq!(check_cid("x", 1, OUTSIDE, LOOPBACK), Ok(()));
        let err = check_cid("CID 1", 1, OUTSIDE, NO_LOOPBACK).unwrap_err();
        assert!(err.contains("no vsock loopback"), "{err}");
        assert!(err.contains("cargo vm-test"), "{err}");
        for cid in [0, 2, 3, 4242, u32::MAX] {
            for loopback in [LOOPBACK, NO_LOOPBACK] {
                let err = check_cid(&format!("CID {cid}"), cid, OUTSIDE, loopback).unwrap_err();
                assert!(err.contains(&format!("CID {cid}")), "{err}");
                assert!(err.contains("hypervisor"), "{err}");
            }
        }
    }

    #[test]
    fn a_stray_in_vm_variable_on_a_hypervisor_guest_opens_nothing() {
        assert_eq!(check_cid("x", 1, CLAIMS, LOOPBACK), Ok(()));
        for cid in [0, 2, 3] {
            let err = check_cid("x", cid, CLAIMS, LOOPBACK).unwrap_err();
            assert!(err.contains("guest-to-host"), "{err}");
        }
        assert!(check_cid("x", 1, CLAIMS, NO_LOOPBACK).is_err());
        for ep in [
            "vsock://2:5555",
            "vsock://*:1",
            "vmci://@:1",
            "vsock://3abc:5",
        ] {
            let err = check_endpoint(ep, CLAIMS, LOOPBACK).unwrap_err();
            assert!(err.contains("guest-to-host"), "{ep}: {err}");
        }
        assert_eq!(check_endpoint("vsock://1:5555", CLAIMS, LOOPBACK), Ok(()));
    }

    #[test]
    fn non_vsock_endpoints_pass() {
        for ep in [
            "tcp://127.0.0.1:5555",
            "ipc:///tmp/x",
            "inproc://a",
            "ws://localhost:1/x",
            "vsock", // not an endpoint at all
            "",
        ] {
            assert_eq!(check_endpoint(ep, OUTSIDE, NO_LOOPBACK), Ok(()), "{ep}");
        }
    }

    #[test]
    fn vsock_endpoints_outside_the_vm() {
        for ep in [
            "vsock://1:5555",
            "vsock://@:5555",
            "vsock://1:*",
            "vsock://1:-1",
            "VSOCK://1:2",
        ] {
            assert_eq!(check_endpoint(ep, OUTSIDE, LOOPBACK), Ok(()), "{ep}");
            assert!(check_endpoint(ep, OUTSIDE, NO_LOOPBACK).is_err(), "{ep}");
        }
        for ep in [
            "vsock://2:5555",
            "vsock://3:5555",
            "vsock://0:1",
            "vsock://*:5555",
            "vsock://-1:5555",
            "vsock://4294967295:1",
        ] {
            let err = check_endpoint(ep, OUTSIDE, LOOPBACK).unwrap_err();
            assert!(err.contains(ep), "{err}");
        }
    }

    #[test]
    fn vmci_endpoints_outside_the_vm() {
        assert_eq!(check_endpoint("vmci://1:5555", OUTSIDE, LOOPBACK), Ok(()));
        assert!(check_endpoint("vmci://1:5555", OUTSIDE, NO_LOOPBACK).is_err());
        // '@' is the machine's own CID for vmci, never the loopback one.
        let err = check_endpoint("vmci://@:5555", OUTSIDE, LOOPBACK).unwrap_err();
        assert!(err.contains("own CID"), "{err}");
        assert!(check_endpoint("vmci://2:5555", OUTSIDE, LOOPBACK).is_err());
        assert!(check_endpoint("vmci://*:5555", OUTSIDE, LOOPBACK).is_err());
    }

    #[test]
    fn malformed_vsock_endpoints_are_refused_outside_the_vm() {
        for ep in [
            "vsock://",
            "vsock://1",
            "vsock://:5555",
            "vsock://1:",
            "vsock://3abc:5",
            "vsock://1:2:3",
            "vsock://+1:5",
            "vsock:// 1:5",
            "vsock://1:+5",
            "vsock://4294967296:5",
            "vsock://1:4294967296",
            "vsock://1:4294967295",
            "vsock://1;3:5",
            "vmci://1x:5",
        ] {
            let err = check_endpoint(ep, OUTSIDE, LOOPBACK).unwrap_err();
            assert!(err.contains("cannot be checked"), "{ep}: {err}");
            // Inside the VM a malformed endpoint is the transport's business.
            assert_eq!(check_endpoint(ep, INSIDE, NO_LOOPBACK), Ok(()), "{ep}");
        }
    }

    #[test]
    fn parse_address_reads_cids() {
        use Transport::*;
        assert_eq!(parse_address(Vsock, "3:5555"), Ok(Cid::Number(3)));
        assert_eq!(parse_address(Vsock, "@:5555"), Ok(Cid::Number(1)));
        assert_eq!(parse_address(Vmci, "@:5555"), Ok(Cid::VmciLocal));
        assert_eq!(parse_address(Vsock, "*:*"), Ok(Cid::Any));
        assert_eq!(parse_address(Vsock, "-1:2009915729"), Ok(Cid::Any));
        assert_eq!(
            parse_address(Vsock, "4294967295:1"),
            Ok(Cid::Number(u32::MAX))
        );
    }

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
