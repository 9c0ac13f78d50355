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
    let var = |name: &str| std::env::var(name).map_err(|_| format!("{name} is not set (not run by vm/guests or vm/nested)"));
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
    let in_a_vm_of_the_bed = crate::in_vm() && crate::vm_topology().as_deref() == Some(name);
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
