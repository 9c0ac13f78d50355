//! The connect guard: refuses, outside the test VM, every vsock connect that
//! would leave this machine (see the vsock safety rule in the crate docs).

use std::path::Path;

use zmq_vsock::{VmciAddr, VsockAddr, VMADDR_CID_ANY, VMADDR_CID_LOCAL};

use crate::{host_has_vsock_loopback, in_vm, LOOPBACK_MODULE};

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

/// Where the guard runs, as far as connecting is concerned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Place {
    /// A VM of the test bed: every CID stays inside it, or inside the bed.
    TestVm,
    /// `ZMQ_VSOCK_IN_VM=1`, yet this is not a VM of the bed: not the test VM,
    /// whatever the variable says.
    ClaimsVm,
    Outside,
}

fn place() -> Place {
    let hypervisor = HYPERVISOR_TRANSPORTS
        .iter()
        .any(|module| Path::new(module).exists());
    place_from(in_vm(), crate::vm_topology().as_deref(), hypervisor)
}

/// The variable alone never opens anything: vm/run also names the topology on
/// the guest kernel's command line, which no host has. A loopback VM loads no
/// guest-to-host transport; a guest of the `guests` bed has virtio-vsock, but
/// its device is served by vhost-device-vsock, whose host end is unix sockets
/// (never this machine's /dev/vsock), so its CIDs are the bed's own. In the
/// `nested` bed the L2 guest's virtio-vsock is served by the L1 VM's kernel,
/// and L1 has the host side only (vhost_vsock, no way out of it).
fn place_from(in_vm: bool, topology: Option<&str>, hypervisor: bool) -> Place {
    match (in_vm, topology, hypervisor) {
        (true, Some("loopback"), false) | (true, Some("guests" | "nested"), _) => Place::TestVm,
        (true, _, _) => Place::ClaimsVm,
        (false, _, _) => Place::Outside,
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
    // Any spelling of the scheme is checked (libzmq itself takes lowercase
    // only), and the address is read by the crate's own parser, the one whose
    // grammar the transports share, so the guard sees what libzmq would.
    let cid = if scheme.eq_ignore_ascii_case("vsock") {
        format!("vsock://{address}").parse::<VsockAddr>().map(|a| cid_of(a.cid()))
    } else if scheme.eq_ignore_ascii_case("vmci") {
        format!("vmci://{address}").parse::<VmciAddr>().map(|a| {
            // cid() would ask the kernel for `@`; it is decided without it.
            if a.is_this_machine() { Cid::VmciLocal } else { cid_of(a.cid()) }
        })
    } else {
        return Ok(());
    };
    if place == Place::TestVm {
        return Ok(());
    }
    let outside = outside(place);
    match cid {
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

fn cid_of(cid: u32) -> Cid {
    if cid == VMADDR_CID_ANY { Cid::Any } else { Cid::Number(cid) }
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
    fn only_the_kernel_command_line_of_a_bed_vm_opens_connects() {
        assert_eq!(place_from(true, Some("loopback"), false), Place::TestVm);
        assert_eq!(place_from(true, Some("guests"), true), Place::TestVm);
        // The nested bed: L2 has virtio-vsock (to L1), L1 the host side only.
        assert_eq!(place_from(true, Some("nested"), true), Place::TestVm);
        assert_eq!(place_from(true, Some("nested"), false), Place::TestVm);
        // A loopback VM never has a guest-to-host transport.
        assert_eq!(place_from(true, Some("loopback"), true), Place::ClaimsVm);
        // The variable without the command line (a host with a stray variable).
        for hypervisor in [false, true] {
            assert_eq!(place_from(true, None, hypervisor), Place::ClaimsVm);
            assert_eq!(place_from(true, Some("other"), hypervisor), Place::ClaimsVm);
            assert_eq!(place_from(false, Some("guests"), hypervisor), Place::Outside);
            assert_eq!(place_from(false, Some("nested"), hypervisor), Place::Outside);
        }
    }

    #[test]
    fn endpoints_are_read_by_the_crates_parser() {
        // vsock's `@` is CID 1, allowed with loopback; vmci's is refused.
        assert_eq!(check_endpoint("vsock://@:5555", OUTSIDE, LOOPBACK), Ok(()));
        assert!(check_endpoint("vmci://@:5555", OUTSIDE, LOOPBACK).is_err());
        // The parser's own reason reaches the message.
        let err = check_endpoint("vsock://1:4294967295", OUTSIDE, LOOPBACK).unwrap_err();
        assert!(err.contains("VMADDR_PORT_ANY"), "{err}");
        for ep in ["vsock://*:*", "vsock://-1:2009915729", "vsock://4294967295:1"] {
            let err = check_endpoint(ep, OUTSIDE, LOOPBACK).unwrap_err();
            assert!(err.contains("'any'"), "{ep}: {err}");
        }
    }
}
