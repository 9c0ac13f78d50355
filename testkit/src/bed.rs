//! The `guests` test bed (vm/guests): guests with their own CIDs on
//! virtio-vsock, served by one vhost-device-vsock daemon whose host end is
//! unix sockets on this machine. The same test binary runs in every guest and
//! once natively as the host; each process learns its part here.

use std::path::PathBuf;

/// What this process is in the bed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// The guest with this CID (3 and up).
    Guest(u32),
    /// This machine: the host end, reached through unix sockets only.
    Host,
}

/// The bed this process runs on.
#[derive(Clone, Debug)]
pub struct Bed {
    pub role: Role,
    /// Every guest's CID, in the order vm/guests booted them.
    pub cids: Vec<u32>,
    /// The host's end: the directory of the daemon's `u<cid>` sockets
    /// (host role only).
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

/// The bed this process runs on, from the variables vm/guests sets, or why
/// there is none. A guest role counts only inside a VM whose kernel command
/// line names the `guests` topology, so a stray variable opens nothing.
pub fn bed() -> Result<Bed, String> {
    let var = |name: &str| std::env::var(name).map_err(|_| format!("{name} is not set (not run by vm/guests)"));
    let topology = var("ZMQ_VSOCK_BED")?;
    if topology != "guests" {
        return Err(format!("ZMQ_VSOCK_BED={topology:?}, not \"guests\""));
    }
    let cids = var("ZMQ_VSOCK_BED_CIDS")?
        .split_whitespace()
        .map(|c| c.parse::<u32>().map_err(|_| format!("ZMQ_VSOCK_BED_CIDS: {c:?} is not a CID")))
        .collect::<Result<Vec<u32>, String>>()?;
    let role = match var("ZMQ_VSOCK_BED_ROLE")?.as_str() {
        "host" => Role::Host,
        cid => {
            let cid: u32 = cid.parse().map_err(|_| format!("ZMQ_VSOCK_BED_ROLE={cid:?}"))?;
            if !(crate::in_vm() && crate::vm_topology().as_deref() == Some("guests")) {
                return Err(format!("ZMQ_VSOCK_BED_ROLE={cid} outside a guest of the bed"));
            }
            Role::Guest(cid)
        }
    };
    let uds_dir = match role {
        Role::Host => Some(PathBuf::from(var("ZMQ_VSOCK_BED_UDS_DIR")?)),
        Role::Guest(_) => None,
    };
    Ok(Bed { role, cids, uds_dir })
}

/// Starts a test of the bed: evaluates to the [`Bed`], or, when this process
/// is not on one, fails the test in CI and elsewhere prints `SKIPPED` with the
/// reason and returns (as `require_data_path!`). Run such tests with
/// `cargo vm-test --features bed --test topology_guests` (vm/run hands them to vm/guests).
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
        "test of the guests bed, run it with `cargo vm-test --features bed --test topology_guests` ({reason})"
    );
    crate::__report_missing(module, &what);
}
