//  Replaces libzmq's vmci_listener.hpp: the vsock listener for vmci://.

#ifndef __ZMQ_VMCI_LISTENER_HPP_INCLUDED__
#define __ZMQ_VMCI_LISTENER_HPP_INCLUDED__

#include "platform.hpp"

#if defined ZMQ_HAVE_VMCI

#include "vsock_listener.hpp"

namespace zmq
{
class vmci_listener_t ZMQ_FINAL : public vsock_listener_t
{
  public:
    vmci_listener_t (io_thread_t *io_thread_,
                     socket_base_t *socket_,
                     const options_t &options_) :
        vsock_listener_t (io_thread_, socket_, options_, vsock_scheme_vmci)
    {
    }
};
}

#endif

#endif
