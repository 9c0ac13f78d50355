//  Replaces libzmq's vmci_connecter.hpp: the vsock connecter for vmci://.

#ifndef __ZMQ_VMCI_CONNECTER_HPP_INCLUDED__
#define __ZMQ_VMCI_CONNECTER_HPP_INCLUDED__

#include "platform.hpp"

#if defined ZMQ_HAVE_VMCI

#include "vsock_connecter.hpp"

namespace zmq
{
class vmci_connecter_t ZMQ_FINAL : public vsock_connecter_t
{
  public:
    vmci_connecter_t (io_thread_t *io_thread_,
                      session_base_t *session_,
                      const options_t &options_,
                      address_t *addr_,
                      bool delayed_start_) :
        vsock_connecter_t (
          io_thread_, session_, options_, addr_, delayed_start_, vsock_scheme_vmci)
    {
    }
};
}

#endif

#endif
