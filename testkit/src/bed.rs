//! The topology beds: `guests` (vm/guests), guests with their own CIDs on
//! virtio-vsock, served by one vhost-device-vsock daemon whose host end is unix
//! sockets on this machine; and `nested` (vm/nested), an L1 VM whose kernel is
//! the AF_VSOCK host (vhost_vsock, CID 2) of an L2 guest it runs. The same test
//! binary runs in every guest and once as the host; each process learns its
//! part here.

use std::path::PathBuf;

/// Which bed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Topology {
    /// vm/guests: the host is this machine, behind vhost-device-vsock's unix sockets.
    Guests,
    /// vm/nested: the host is the L1 VM, a kernel AF_VSOCK host (CID 2).
    Nested,
}

/// What this process is in the bed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// The guest with this CID (3 and up).
    Guest(u32),
    /// The guests' host: this machine behind unix sockets (`guests`), or the
    /// L1 VM (`nested`).
    Host,
}

/// The bed this process runs on.
#[derive(Clone, Debug)]
pub struct Bed {
    pub topology: Topology,
    pub role: Role,
    /// Every guest's CID, in the order vm/guests booted them.
    pub cids: Vec<u32>,
    /// The host's end: the directory of the daemon's `u<cid>` sockets
    /// (`guests`, host role only).
    pub uds_dir: Option<PathBuf>,
}

impl Bed {
    /// The `i`th guest's CID; panics with the bed's shape when there is none.
    pub fn guest(&self, i: usize) -> u32 {
        *self.cids.get(i).unwrap_or_else(|| panic!("the bed has guests {:?}, no guest #{i}", self.cids))
    }

    /// Whether this process is the guest with `cid`.
    pub fn is(&self, cid: u32) -> bool {
        self.role == Role::Guest(cid)
    }

    /// Whether this process is a spare guest: one that is not among [`Bed::cids`], which a
    /// host's test boots itself (`vm/guests --boot`, `vm/nested-l1 --boot`) and which has a
    /// part only in the tests that boot it.
    pub fn is_spare(&self) -> bool {
        matches!(self.role, Role::Guest(cid) if !self.cids.contains(&cid))
    }

    /// On the host: guest `cid`'s device socket (`<dir>/u<cid>`), the PATH of
    /// its `hvsock://PATH:PORT` endpoints.
    pub fn device_socket(&self, cid: u32) -> PathBuf {
        let dir = self.uds_dir.as_ref().expect("only the host role has the daemon's unix sockets");
        dir.join(format!("u{cid}"))
    }

    /// On the host: the unix socket that a connection of guest `cid` to
    /// VMADDR_CID_HOST port `port` reaches (`<dir>/u<cid>_<port>`), the
    /// listener path of Firecracker's hybrid vsock.
    pub fn host_socket(&self, cid: u32, port: u32) -> PathBuf {
        let mut path = self.device_socket(cid).into_os_string();
        path.push(format!("_{port}"));
        PathBuf::from(path)
    }
}

/// The bed this process runs on, from the variables vm/guests or vm/nested
/// set, or why there is none. A role counts only on a kernel whose command
/// line names the bed's topology (a VM of the bed; the `guests` host is this
/// machine), so a stray variable opens nothing.
pub fn bed() -> Result<Bed, String> {
    bed_from(|name| std::env::var(name).ok(), crate::in_vm(), crate::vm_topology().as_deref())
}

/// [`bed`] from the variables `var` reads, whether `ZMQ_VSOCK_IN_VM=1` is set, and the
/// topology on the kernel's command line.
fn bed_from(var: impl Fn(&str) -> Option<String>, in_vm: bool, kernel_topology: Option<&str>) -> Result<Bed, String> {
    let var = |name: &str| var(name).ok_or_else(|| format!("{name} is not set (not run by vm/guests or vm/nested)"));
    let (topology, name) = match var("ZMQ_VSOCK_BED")?.as_str() {
        "guests" => (Topology::Guests, "guests"),
        "nested" => (Topology::Nested, "nested"),
        other => return Err(format!("ZMQ_VSOCK_BED={other:?}, not \"guests\" or \"nested\"")),
    };
    let cids = var("ZMQ_VSOCK_BED_CIDS")?
        .split_whitespace()
        .map(|c| c.parse::<u32>().map_err(|_| format!("ZMQ_VSOCK_BED_CIDS: {c:?} is not a CID")))
        .collect::<Result<Vec<u32>, String>>()?;
    let role = match var("ZMQ_VSOCK_BED_ROLE")?.as_str() {
        "host" => Role::Host,
        cid => Role::Guest(cid.parse().map_err(|_| format!("ZMQ_VSOCK_BED_ROLE={cid:?}"))?),
    };
    let in_a_vm_of_the_bed = in_vm && kernel_topology == Some(name);
    if !in_a_vm_of_the_bed && (topology == Topology::Nested || role != Role::Host) {
        return Err(format!("ZMQ_VSOCK_BED_ROLE={role:?} outside a VM of the {name} bed"));
    }
    let uds_dir = match (topology, role) {
        (Topology::Guests, Role::Host) => Some(PathBuf::from(var("ZMQ_VSOCK_BED_UDS_DIR")?)),
        _ => None,
    };
    Ok(Bed { topology, role, cids, uds_dir })
}

/// Starts a test of the bed: evaluates to the [`Bed`], or, when this process
/// is not on one, fails the test in CI and elsewhere prints `SKIPPED` with the
/// reason and returns (as `require_data_path!`). Run such tests with
/// `cargo vm-test --features bed --test topology_guests` or `--test
/// topology_nested` (vm/run hands them to vm/guests or vm/nested).
#[macro_export]
macro_rules! require_bed {
    () => {
        match $crate::bed() {
            ::core::result::Result::Ok(bed) => bed,
            ::core::result::Result::Err(reason) => {
                $crate::__bed_missing(::core::module_path!(), &reason);
                return;
            }
        }
    };
}

/// Used by [`require_bed!`]: fails (CI) or reports a skip.
#[doc(hidden)]
#[track_caller]
pub fn __bed_missing(module: &str, reason: &str) {
    let what = format!(
        "test of a topology bed, run it with `cargo vm-test --features bed --test topology_guests` \
         (or topology_nested) ({reason})"
    );
    crate::__report_missing(module, &what);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The variables of a bed process: ZMQ_VSOCK_BED=`topology`, ROLE=`role`, CIDS "3 4".
    fn vars(topology: &'static str, role: &'static str) -> impl Fn(&str) -> Option<String> {
        move |name| {
            match name {
                "ZMQ_VSOCK_BED" => Some(topology),
                "ZMQ_VSOCK_BED_ROLE" => Some(role),
                "ZMQ_VSOCK_BED_CIDS" => Some("3 4"),
                "ZMQ_VSOCK_BED_UDS_DIR" => Some("/tmp/bed"),
                _ => None,
            }
            .map(str::to_owned)
        }
    }

    #[test]
    fn each_role_counts_only_where_its_bed_runs_it() {
        // The guests bed's host is this machine; its guests are VMs of that bed.
        let host = bed_from(vars("guests", "host"), false, None).unwrap();
        assert_eq!((host.topology, host.role), (Topology::Guests, Role::Host));
        assert_eq!(host.device_socket(3), PathBuf::from("/tmp/bed/u3"));
        assert_eq!(bed_from(vars("guests", "3"), true, Some("guests")).unwrap().role, Role::Guest(3));
        // The nested bed's host is the L1 VM: on any other kernel the variables open nothing.
        let l1 = bed_from(vars("nested", "host"), true, Some("nested")).unwrap();
        assert_eq!((l1.topology, l1.role, l1.uds_dir), (Topology::Nested, Role::Host, None));
        for (topology, role, in_vm, kernel) in [
            ("nested", "host", false, None),
            ("nested", "host", true, Some("loopback")),
            ("nested", "3", true, Some("guests")),
            ("guests", "3", false, Some("guests")),
            ("guests", "3", true, None),
        ] {
            let err = bed_from(vars(topology, role), in_vm, kernel).unwrap_err();
            assert!(err.contains("outside a VM"), "{topology} {role} {in_vm} {kernel:?}: {err}");
        }
    }

    #[test]
    fn bad_variables_say_which() {
        let err = bed_from(vars("cloud", "host"), false, None).unwrap_err();
        assert!(err.contains("ZMQ_VSOCK_BED=\"cloud\""), "{err}");
        let err = bed_from(vars("guests", "three"), true, Some("guests")).unwrap_err();
        assert!(err.contains("ZMQ_VSOCK_BED_ROLE=\"three\""), "{err}");
        let err = bed_from(|_| None, true, Some("guests")).unwrap_err();
        assert!(err.contains("ZMQ_VSOCK_BED is not set"), "{err}");
    }

    #[test]
    fn a_guest_outside_the_cids_is_a_spare() {
        let spare = bed_from(vars("nested", "5"), true, Some("nested")).unwrap();
        assert!(spare.is_spare());
        let guest = bed_from(vars("nested", "3"), true, Some("nested")).unwrap();
        assert!(!guest.is_spare());
        assert!(!bed_from(vars("nested", "host"), true, Some("nested")).unwrap().is_spare());
    }
}
