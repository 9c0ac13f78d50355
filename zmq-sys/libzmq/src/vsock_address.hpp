//  Address of the vsock:// and vmci:// transports: "CID:PORT" on an AF_VSOCK
//  socket. Both schemes share this class; they differ only in their name and
//  in what "@" (this machine) means.

#ifndef __ZMQ_VSOCK_ADDRESS_HPP_INCLUDED__
#define __ZMQ_VSOCK_ADDRESS_HPP_INCLUDED__

#include "platform.hpp"

#if defined ZMQ_HAVE_VSOCK

//  The vsock transport reuses the VMCI socket options (options_t) and is
//  dispatched next to VMCI in libzmq's core files (see hooks/).
#if !defined ZMQ_HAVE_VMCI
#error "ZMQ_HAVE_VSOCK needs ZMQ_HAVE_VMCI"
#endif

#include <string>

#include <sys/socket.h>
#include <linux/vm_sockets.h>

#include "macros.hpp"

namespace zmq
{
class ctx_t;

//  Which scheme an address belongs to.
enum vsock_scheme_t
{
    vsock_scheme_vsock,
    vsock_scheme_vmci
};

//  The scheme's name as it appears before "://".
const char *vsock_scheme_name (vsock_scheme_t scheme_);

//  Parses "CID:PORT" (the part after "scheme://") strictly, split at the last
//  colon. CID: decimal u32, "*" or "-1" (any), or "@" (*local_ is set and
//  *cid_ is left alone). PORT: decimal u32 below VMADDR_PORT_ANY, "*" or "-1"
//  (any). No signs, spaces, empty parts, trailing bytes or overflow.
//  Returns 0, or -1 with errno EINVAL.
int vsock_parse_endpoint (const char *path_,
                          unsigned int *cid_,
                          unsigned int *port_,
                          bool *local_);

class vsock_address_t
{
  public:
    vsock_address_t (vsock_scheme_t scheme_, ctx_t *parent_);
    //  From a kernel address (getsockname / getpeername). An address of
    //  another family leaves this one empty (to_string fails).
    vsock_address_t (vsock_scheme_t scheme_,
                     const sockaddr *sa_,
                     socklen_t sa_len_,
                     ctx_t *parent_);
    virtual ~vsock_address_t ();

    //  Sets the address from "CID:PORT". "@" is this machine: for vsock
    //  VMADDR_CID_LOCAL, for vmci VMCISock_GetLocalCID() (ENODEV when there
    //  is none). Returns 0, or -1 with errno set.
    int resolve (const char *path_);

    //  "scheme://CID:PORT" with "*" for the any-CID and any-port values:
    //  the ZMQ_LAST_ENDPOINT form, which resolve() reads back.
    int to_string (std::string &addr_) const;

    //  The socket family to open: AF_VSOCK, or for vmci what the VMCI
    //  library reports (-1 when it has none).
    int family () const;
    vsock_scheme_t scheme () const { return _scheme; }
    const sockaddr *addr () const;
    socklen_t addrlen () const;

  private:
    const vsock_scheme_t _scheme;
    ctx_t *const _parent;
    struct sockaddr_vm _address;

    ZMQ_NON_COPYABLE_NOR_MOVABLE (vsock_address_t)
};
}

#endif

#endif
