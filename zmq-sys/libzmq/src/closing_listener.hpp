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
//  What zmq_unbind of one of our listeners waits for (socket_base.cpp.hooks):
//
//  1. The listening socket is closed (and an hvsock socket file removed).
//     libzmq closes a listener on its I/O thread some time after zmq_unbind
//     returns, so a rebind of the same endpoint right away failed with
//     EADDRINUSE most of the time (vsock), or had its fresh socket file removed
//     by the old listener's close (hvsock).
//  2. The listener is destroyed, which it does right after sending its owner
//     (the socket) the term ack. mailbox_t::send signals the reader after
//     unlocking, so while that signal is still in flight a command the socket
//     sends itself (the `own` of the next bind's listener) is queued without a
//     signal, and the next zmq_unbind's process_commands (0) does not see it:
//     the listener is not yet owned, term_child ignores it, and it stays bound
//     for good (1 round in 6,000-14,000 of unbind-then-bind, stock tcp://
//     included). Once the listener is destroyed its ack is fully sent.
//     Destruction also waits for the sessions the listener accepted, which
//     linger: so that wait is short, and past it the port is free anyway.
//
//  Shared, because the listener deletes itself.
class listener_close_signal_t
{
  public:
    listener_close_signal_t () : _closed (false), _destroyed (false) {}
    void set_closed ();
    void set_destroyed ();
    //  Waits, bounded, for 1 and then 2 above.
    void wait (int close_timeout_ms_, int destroy_timeout_ms_);

  private:
    std::mutex _mutex;
    std::condition_variable _cv;
    bool _closed;
    bool _destroyed;

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
    //  its socket and is gone. Call it after asking the listener to terminate.
    static void await_close (const close_signal_ptr &signal_);

  protected:
    closing_listener_t (io_thread_t *io_thread_,
                        socket_base_t *socket_,
                        const options_t &options_);
    ~closing_listener_t () ZMQ_OVERRIDE;

    //  What a derived close() calls last, once its endpoint is free again
    //  (socket closed, socket file removed).
    void signal_closed () { _closed->set_closed (); }

  private:
    const close_signal_ptr _closed;

    ZMQ_NON_COPYABLE_NOR_MOVABLE (closing_listener_t)
};
}

#endif

#endif
