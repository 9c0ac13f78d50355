//  Replaces libzmq's vmci_address.hpp: a vmci:// address is a vsock address
//  whose "@" resolves through VMCISock_GetLocalCID().

#ifndef __ZMQ_VMCI_ADDRESS_HPP_INCLUDED__
#define __ZMQ_VMCI_ADDRESS_HPP_INCLUDED__

#include "platform.hpp"

#if defined ZMQ_HAVE_VMCI

#include "vsock_address.hpp"

namespace zmq
{
class vmci_address_t ZMQ_FINAL : public vsock_address_t
{
  public:
    explicit vmci_address_t (ctx_t *parent_) :
        vsock_address_t (vsock_scheme_vmci, parent_)
    {
    }
};
}

#endif

#endif
