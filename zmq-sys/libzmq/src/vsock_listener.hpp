//  Listener of the vsock:// and vmci:// transports.

#ifndef __ZMQ_VSOCK_LISTENER_HPP_INCLUDED__
#define __ZMQ_VSOCK_LISTENER_HPP_INCLUDED__

#include "platform.hpp"

#if defined ZMQ_HAVE_VSOCK

#include <string>

#include "closing_listener.hpp"
#include "fd.hpp"
#include "vsock_address.hpp"

namespace zmq
{
//  zmq_unbind waits for its close (closing_listener_t), so the port is free
//  when it returns.
class vsock_listener_t : public closing_listener_t
{
  public:
    vsock_listener_t (zmq::io_thread_t *io_thread_,
                      zmq::socket_base_t *socket_,
                      const options_t &options_,
                      vsock_scheme_t scheme_);

    //  Binds and listens on "CID:PORT". Afterwards get_local_address()
    //  gives the bound endpoint with the real port of a wildcard bind.
    int set_local_address (const char *addr_);

  protected:
    //  Closes the socket, then signals the close. The base calls it on the
    //  I/O thread when the listener terminates (and before it deletes
    //  itself), and set_local_address on a failed bind.
    int close () ZMQ_OVERRIDE;

    std::string get_socket_name (fd_t fd_,
                                 socket_end_t socket_end_) const ZMQ_OVERRIDE;

  private:
    void in_event () ZMQ_OVERRIDE;

    //  Accepts one connection; retired_fd (errno set) when there was none
    //  or it failed. Never asserts on the kernel's answer.
    fd_t accept ();

    const vsock_scheme_t _scheme;

    ZMQ_NON_COPYABLE_NOR_MOVABLE (vsock_listener_t)
};
}

#endif

#endif
