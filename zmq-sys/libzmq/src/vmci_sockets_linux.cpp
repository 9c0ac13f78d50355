//  The VMCI socket calls of include/vmci_sockets.h, on Linux's AF_VSOCK.
//  Compiled only when the build uses our header (not VMware's).

#include <vmci_sockets.h>

#include <errno.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

int VMCISock_GetAFValue (void)
{
    return AF_VSOCK;
}

int VMCISock_GetAFValueFd (int *fd_out)
{
    if (fd_out)
        *fd_out = -1;
    return AF_VSOCK;
}

void VMCISock_ReleaseAFValueFd (int fd)
{
    if (fd >= 0)
        close (fd);
}

unsigned int VMCISock_GetLocalCID (void)
{
    //  Keep the caller's errno: libzmq reads errno after its own calls.
    const int saved_errno = errno;
    unsigned int cid = VMADDR_CID_ANY;
    const int fd = open ("/dev/vsock", O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        if (ioctl (fd, IOCTL_VM_SOCKETS_GET_LOCAL_CID, &cid) != 0)
            cid = VMADDR_CID_ANY;
        close (fd);
    }
    errno = saved_errno;
    return cid;
}
