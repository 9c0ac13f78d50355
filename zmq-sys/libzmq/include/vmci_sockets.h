/* The VMCI socket API that libzmq's VMCI code calls, implemented for Linux on
 * AF_VSOCK. VMware's own header is not available on Linux distributions; on
 * Linux a VMCI socket is an AF_VSOCK socket and its sockaddr_vm is the
 * kernel's, so this header builds on <linux/vm_sockets.h> and the vsock and
 * vmci transports share one address type.
 *
 * Written for zmq-vsock; not derived from VMware's header. */
#ifndef ZMQ_VSOCK_VMCI_SOCKETS_H
#define ZMQ_VSOCK_VMCI_SOCKETS_H

#include <sys/socket.h>
#include <linux/vm_sockets.h>

/* The VMCI socket options have the same numbers as the kernel's
 * SO_VM_SOCKETS_* options (level: the address family, AF_VSOCK). */
#define SO_VMCI_BUFFER_SIZE SO_VM_SOCKETS_BUFFER_SIZE
#define SO_VMCI_BUFFER_MIN_SIZE SO_VM_SOCKETS_BUFFER_MIN_SIZE
#define SO_VMCI_BUFFER_MAX_SIZE SO_VM_SOCKETS_BUFFER_MAX_SIZE
/* Takes a struct timeval. Newer kernel headers split the option by time_t
 * width; the plain name picks the one matching this libc's timeval. */
#define SO_VMCI_CONNECT_TIMEOUT SO_VM_SOCKETS_CONNECT_TIMEOUT

#ifdef __cplusplus
extern "C" {
#endif

/* The address family of VMCI sockets: AF_VSOCK. */
int VMCISock_GetAFValue (void);

/* Same, for callers that keep a descriptor open while they use the family.
 * No descriptor is needed on Linux: *fd_out is set to -1. */
int VMCISock_GetAFValueFd (int *fd_out);

/* Releases what VMCISock_GetAFValueFd returned; a no-op for -1. */
void VMCISock_ReleaseAFValueFd (int fd);

/* This machine's context ID, from the IOCTL_VM_SOCKETS_GET_LOCAL_CID ioctl on
 * /dev/vsock; VMADDR_CID_ANY when there is no vsock device or the kernel has
 * no CID to report. Exported so Rust code can ask the very function that
 * resolves "vmci://@:PORT". */
unsigned int VMCISock_GetLocalCID (void);

#ifdef __cplusplus
}
#endif

#endif
