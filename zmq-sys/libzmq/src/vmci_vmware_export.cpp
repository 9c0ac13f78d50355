//  Compiled instead of vmci_sockets_linux.cpp when the build uses VMware's
//  vmci_sockets.h (ZMQ_VSOCK_VMCI_SOCKETS_H). VMware's VMCISock_GetLocalCID
//  is an inline function; our vsock code and the Rust bindings need a symbol
//  with C linkage, so this gives it one under the same name.

#define VMCISock_GetLocalCID zmq_vsock_vmware_get_local_cid
#include <vmci_sockets.h>
#undef VMCISock_GetLocalCID

extern "C" unsigned int VMCISock_GetLocalCID (void)
{
    return zmq_vsock_vmware_get_local_cid ();
}
