//  Base of our listeners whose zmq_unbind waits until the listening socket is
//  closed: vsock://, vmci:// and hvsock://.

#ifndef __ZMQ_CLOSING_LISTENER_HPP_INCLUDED__
#define __ZMQ_CLOSING_LISTENER_HPP_INCLUDED__

#include "platform.hpp"

#if defined ZMQ_HAVE_VSOCK || defined ZMQ_HAVE_HVSOCK

#include <condition_variable>
#include <memory>
#include <mutex>

#include "stream_listener_base.hpp"

namespace zmq
{
//  Set by the I/O thread once a listener's socket is closed. libzmq closes a
//  listener on its I/O thread some time after zmq_unbind returns, so a rebind
//  of the same endpoint right away failed with EADDRINUSE most of the time
//  (vsock), or had its fresh socket file removed by the old listener's close
//  (hvsock); the unbind hook (socket_base.cpp.hooks) waits on this instead.
//  Shared, because the listener deletes itself right after closing.
class listener_close_signal_t
{
  public:
    listener_close_signal_t () : _closed (false) {}
    void set ();
    //  False when the socket was not closed within timeout_ms_.
    bool wait (int timeout_ms_);

  private:
    std::mutex _mutex;
    std::condition_variable _cv;
    bool _closed;

    ZMQ_NON_COPYABLE_NOR_MOVABLE (listener_close_signal_t)
};

class closing_listener_t : public stream_listener_base_t
{
  public:
    typedef std::shared_ptr<listener_close_signal_t> close_signal_ptr;

    //  The close signal of `object_` if it is one of our closing listeners,
    //  else null (another transport's listener, or a session of a connect).
    static close_signal_ptr close_signal_of (own_t *object_);

    //  Waits, bounded, until the listener of `signal_` (if any) has closed
    //  its socket. Call it after asking the listener to terminate.
    static void await_close (const close_signal_ptr &signal_);

  protected:
    closing_listener_t (io_thread_t *io_thread_,
                        socket_base_t *socket_,
                        const options_t &options_);

    //  What a derived close() calls last, once its endpoint is free again
    //  (socket closed, socket file removed).
    void signal_closed () { _closed->set (); }

  private:
    const close_signal_ptr _closed;

    ZMQ_NON_COPYABLE_NOR_MOVABLE (closing_listener_t)
};
}

#endif

#endif
