//! The reserved vsock address values and lookups of this machine's CID.

use std::fs::File;
use std::io;
use std::os::fd::AsRawFd;

/// The wildcard CID: bind on every CID this machine has (`*` or `-1` in an endpoint).
///
/// ```
/// assert_eq!(zmq_vsock::VMADDR_CID_ANY, u32::MAX);
/// assert_eq!(zmq_vsock::VsockAddr::any(5555).to_string(), "vsock://*:5555");
/// ```
pub const VMADDR_CID_ANY: u32 = u32::MAX;

/// The CID of the hypervisor.
///
/// ```
/// assert_eq!(zmq_vsock::VMADDR_CID_HYPERVISOR, 0);
/// ```
pub const VMADDR_CID_HYPERVISOR: u32 = 0;

/// The loopback CID: this machine talking to itself (what `@` means in a `vsock://` endpoint).
///
/// ```
/// assert_eq!(zmq_vsock::VMADDR_CID_LOCAL, 1);
/// assert_eq!(zmq_vsock::VsockAddr::this_machine(5555).cid(), zmq_vsock::VMADDR_CID_LOCAL);
/// ```
pub const VMADDR_CID_LOCAL: u32 = 1;

/// The CID of the host, as seen from a guest.
///
/// ```
/// assert_eq!(zmq_vsock::VMADDR_CID_HOST, 2);
/// ```
pub const VMADDR_CID_HOST: u32 = 2;

/// The wildcard port: let the kernel pick a free port (`*` or `-1` in an endpoint).
///
/// Ports the kernel picks are large random `u32` values (for example 2009915729), not
/// 1024-65535.
///
/// ```
/// use zmq_vsock::{VsockAddr, VMADDR_PORT_ANY};
/// assert_eq!(VMADDR_PORT_ANY, u32::MAX);
/// assert_eq!(VsockAddr::this_machine(VMADDR_PORT_ANY).to_string(), "vsock://1:*");
/// ```
pub const VMADDR_PORT_ANY: u32 = u32::MAX;

/// Linux's `IOCTL_VM_SOCKETS_GET_LOCAL_CID` (linux/vm_sockets.h): `_IO(7, 0xb9)`.
const IOCTL_VM_SOCKETS_GET_LOCAL_CID: u32 = 0x7b9;

/// What both lookups make of the kernel's answer: [`VMADDR_CID_ANY`] means "no CID here" and
/// becomes `ENODEV`, the errno libzmq reports when it cannot resolve `@`, so that "no CID"
/// looks the same everywhere; any other value is the CID.
fn cid_from_answer(answer: u32) -> io::Result<u32> {
    if answer == VMADDR_CID_ANY {
        Err(io::Error::from_raw_os_error(libc::ENODEV))
    } else {
        Ok(answer)
    }
}

/// This machine's vsock CID, as the kernel reports it through `/dev/vsock`.
///
/// It asks the `IOCTL_VM_SOCKETS_GET_LOCAL_CID` ioctl on `/dev/vsock` (opened read-only); no
/// socket is created and nothing is connected. A guest typically gets 3 or more, a host
/// [`VMADDR_CID_HOST`].
///
/// # Errors
///
/// - `/dev/vsock` cannot be opened: that error as is (kind [`io::ErrorKind::NotFound`] when the
///   vsock module is not loaded).
/// - The ioctl fails: its errno.
/// - The ioctl answers [`VMADDR_CID_ANY`], which the kernel does when no vsock transport has a
///   CID for this machine: `ENODEV` (`err.raw_os_error() == Some(libc::ENODEV)`), the same
///   error as [`vmci_local_cid`] and as libzmq's own `@` lookup.
///
/// # Kernels before mid-2025
///
/// With only the `vsock_loopback` transport loaded (no virtio, VMCI or Hyper-V device), the
/// kernel's answer changed with the fix "vsock: Fix IOCTL_VM_SOCKETS_GET_LOCAL_CID to check also
/// transport_local" (2025, backported to the stable kernels): kernels with it answer
/// [`VMADDR_CID_LOCAL`] (1), so this returns `Ok(1)`; kernels without it answer
/// [`VMADDR_CID_ANY`], so this returns `ENODEV`. On a machine with a guest or host transport
/// both answer the real CID. `vsock://@:PORT` does not depend on it (`@` is always CID 1 for
/// vsock), but `vmci://@:PORT` does: see [`vmci_local_cid`].
///
/// ```
/// match zmq_vsock::local_cid() {
///     Ok(cid) => println!("this machine is vsock://{cid}:PORT"),
///     Err(err) => println!("no vsock CID here: {err}"),
/// }
/// ```
pub fn local_cid() -> io::Result<u32> {
    // std opens with O_CLOEXEC, and File closes the descriptor on every path.
    let dev = File::open("/dev/vsock")?;
    let mut cid: u32 = VMADDR_CID_ANY;
    // SAFETY: this ioctl writes one u32 through the pointer, which points at `cid`.
    // The request's C type differs between libcs (c_ulong in glibc, c_int in musl), hence `as _`.
    let rc = unsafe {
        libc::ioctl(
            dev.as_raw_fd(),
            IOCTL_VM_SOCKETS_GET_LOCAL_CID as _,
            &mut cid as *mut u32,
        )
    };
    if rc == -1 {
        return Err(io::Error::last_os_error());
    }
    cid_from_answer(cid)
}

/// This machine's VMCI context ID, from libzmq's `VMCISock_GetLocalCID()`.
///
/// This is the CID that `@` stands for in a `vmci://` endpoint. Our libzmq implements VMCI on
/// Linux's AF_VSOCK, so on Linux it is the same number as [`local_cid`]. Nothing is connected.
///
/// # Errors
///
/// `ENODEV` (`err.raw_os_error() == Some(libc::ENODEV)`) when `VMCISock_GetLocalCID()` answers
/// [`VMADDR_CID_ANY`], meaning there is no VMCI/vsock device; libzmq fails binding or connecting
/// `vmci://@:PORT` with the same errno then.
///
/// It asks the same ioctl as [`local_cid`], so on a kernel before mid-2025 with only the
/// `vsock_loopback` transport (see there) it is `ENODEV`, and binding or connecting
/// `vmci://@:PORT` fails with `ENODEV`; with the fix it is 1.
///
/// ```
/// match zmq_vsock::vmci_local_cid() {
///     Ok(cid) => println!("this machine is vmci://{cid}:PORT"),
///     Err(err) => println!("no VMCI context here: {err}"),
/// }
/// ```
pub fn vmci_local_cid() -> io::Result<u32> {
    // SAFETY: takes no arguments and only reads the local CID.
    cid_from_answer(unsafe { zmq_sys::VMCISock_GetLocalCID() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_kernels_any_answer_is_enodev_and_every_other_is_the_cid() {
        // What a kernel before the mid-2025 fix answers with only vsock_loopback loaded.
        let err = cid_from_answer(VMADDR_CID_ANY).unwrap_err();
        assert_eq!(err.raw_os_error(), Some(libc::ENODEV));
        // What a fixed kernel answers there, a guest, a host, and the largest real CID.
        for cid in [VMADDR_CID_LOCAL, 3, VMADDR_CID_HOST, u32::MAX - 1] {
            assert_eq!(cid_from_answer(cid).unwrap(), cid);
        }
    }

    #[test]
    fn both_lookups_agree_with_the_kernel() {
        // One ioctl behind both (ours on Linux): the same CID or the same error.
        match (local_cid(), vmci_local_cid()) {
            (Ok(a), Ok(b)) => assert_eq!(a, b),
            (Err(a), Err(b)) => {
                // /dev/vsock missing is NotFound for local_cid; VMCISock_GetLocalCID folds
                // every failure into VMADDR_CID_ANY, which is ENODEV.
                assert_eq!(b.raw_os_error(), Some(libc::ENODEV), "{a} / {b}");
            }
            (a, b) => panic!("local_cid {a:?} but vmci_local_cid {b:?}"),
        }
    }
}
