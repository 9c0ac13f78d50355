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

/// The error both lookups give when the machine has no CID: `ENODEV`, the errno libzmq
/// reports when it cannot resolve `@`, so that "no CID" looks the same everywhere.
fn no_local_cid() -> io::Error {
    io::Error::from_raw_os_error(libc::ENODEV)
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
/// - The ioctl answers [`VMADDR_CID_ANY`], which some kernels do when no vsock transport has a
///   CID for this machine: `ENODEV` (`err.raw_os_error() == Some(libc::ENODEV)`), the same
///   error as [`vmci_local_cid`] and as libzmq's own `@` lookup.
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
    if cid == VMADDR_CID_ANY {
        return Err(no_local_cid());
    }
    Ok(cid)
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
/// ```
/// match zmq_vsock::vmci_local_cid() {
///     Ok(cid) => println!("this machine is vmci://{cid}:PORT"),
///     Err(err) => println!("no VMCI context here: {err}"),
/// }
/// ```
pub fn vmci_local_cid() -> io::Result<u32> {
    // SAFETY: takes no arguments and only reads the local CID.
    let cid = unsafe { zmq_sys::VMCISock_GetLocalCID() };
    if cid == VMADDR_CID_ANY {
        return Err(no_local_cid());
    }
    Ok(cid)
}
