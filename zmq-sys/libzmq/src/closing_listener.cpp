#include "precompiled.hpp"

#include "closing_listener.hpp"

#if defined ZMQ_HAVE_VSOCK || defined ZMQ_HAVE_HVSOCK

#include <chrono>

void zmq::listener_close_signal_t::set_closed ()
{
    std::lock_guard<std::mutex> lock (_mutex);
    _closed = true;
    _cv.notify_all ();
}

void zmq::listener_close_signal_t::set_destroyed ()
{
    std::lock_guard<std::mutex> lock (_mutex);
    _destroyed = true;
    _cv.notify_all ();
}

void zmq::listener_close_signal_t::wait (int close_timeout_ms_,
                                         int destroy_timeout_ms_)
{
    std::unique_lock<std::mutex> lock (_mutex);
    if (_cv.wait_for (lock, std::chrono::milliseconds (close_timeout_ms_),
                      [this] { return _closed; }))
        _cv.wait_for (lock, std::chrono::milliseconds (destroy_timeout_ms_),
                      [this] { return _destroyed; });
}

zmq::closing_listener_t::closing_listener_t (io_thread_t *io_thread_,
                                             socket_base_t *socket_,
                                             const options_t &options_) :
    stream_listener_base_t (io_thread_, socket_, options_),
    _closed (std::make_shared<listener_close_signal_t> ())
{
}

zmq::closing_listener_t::~closing_listener_t ()
{
    _closed->set_destroyed ();
}

zmq::closing_listener_t::close_signal_ptr
zmq::closing_listener_t::close_signal_of (own_t *object_)
{
    const closing_listener_t *const listener =
      dynamic_cast<closing_listener_t *> (object_);
    return listener ? listener->_closed : close_signal_ptr ();
}

void zmq::closing_listener_t::await_close (const close_signal_ptr &signal_)
{
    //  The I/O thread closes the socket as soon as it reads the term command,
    //  which needs nothing from this thread. The bounds only keep a stalled
    //  I/O thread or a lingering session from hanging zmq_unbind; the unbind
    //  has happened either way.
    const int close_bound_ms = 5000;
    const int destroy_bound_ms = 1000;
    if (signal_)
        signal_->wait (close_bound_ms, destroy_bound_ms);
}

#endif
