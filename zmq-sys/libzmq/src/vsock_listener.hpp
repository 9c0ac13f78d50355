//  Listener of the vsock:// and vmci:// transports.

#ifndef __ZMQ_VSOCK_LISTENER_HPP_INCLUDED__
#define __ZMQ_VSOCK_LISTENER_HPP_INCLUDED__

#include "platform.hpp"

#if defined ZMQ_HAVE_VSOCK

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>

#include "fd.hpp"
#include "stream_listener_base.hpp"
#include "vsock_address.hpp"

namespace zmq
{
//  Set by the I/O thread once a listener's socket is closed. libzmq closes a
//  listener on its I/O thread some time after zmq_unbind returns, so a rebind
//  of the same port right away failed with EADDRINUSE most of the time; the
//  unbind hook (socket_base.cpp.hooks) waits on this instead. Shared, because
//  the listener deletes itself on the I/O thread right after closing.
class vsock_close_signal_t
{
  public:
    vsock_close_signal_t () : _closed (false) {}
    void set ();
    //  False when the socket was not closed within timeout_ms_.
    bool wait (int timeout_ms_);

  private:
    std::mutex _mutex;
    std::condition_variable _cv;
    bool _closed;

    ZMQ_NON_COPYABLE_NOR_MOVABLE (vsock_close_signal_t)
};

class vsock_listener_t : public stream_listener_base_t
{
  public:
    typedef std::shared_ptr<vsock_close_signal_t> close_signal_ptr;

    //  The close signal of `object_` if it is a vsock or vmci listener, else
    //  null (an endpoint made by connect is a session).
    static close_signal_ptr close_signal_of (own_t *object_);

    //  Waits, bounded, until the listener of `signal_` (if any) has closed
    //  its socket. Call it after asking the listener to terminate.
    static void await_close (const close_signal_ptr &signal_);

    vsock_listener_t (zmq::io_thread_t *io_thread_,
                      zmq::socket_base_t *socket_,
                      const options_t &options_,
                      vsock_scheme_t scheme_);

    //  Binds and listens on "CID:PORT". Afterwards get_local_address()
    //  gives the bound endpoint with the real port of a wildcard bind.
    int set_local_address (const char *addr_);

  protected:
    //  Closes the socket, then sets the close signal. The base calls it on
    //  the I/O thread when the listener terminates (and before it deletes
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
    const close_signal_ptr _closed;

    ZMQ_NON_COPYABLE_NOR_MOVABLE (vsock_listener_t)
};
}

#endif

#endif
