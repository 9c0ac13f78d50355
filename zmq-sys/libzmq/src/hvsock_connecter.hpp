//  Connecter of the hvsock:// transport: a non-blocking unix connect to the
//  VMM's socket PATH, then the CONNECT/OK handshake (hvsock_handshake.hpp),
//  then the socket goes to the ZMTP engine like any stream connection.
//
//  One attempt is a small state machine driven by the I/O thread's poller,
//  so nothing ever blocks it:
//
//    connecting --(writable, SO_ERROR 0)--> requesting --(request written)-->
//    replying --("OK <n>\n" read)--> create_engine
//
//  with one timer over the whole attempt (ZMQ_CONNECT_TIMEOUT, or
//  default_handshake_timeout_ms when that is unset). Any failure on the way
//  (connect error, write error, the VMM closing, a reply that is not "OK
//  <n>\n", the timer) closes the socket and retries after ZMQ_RECONNECT_IVL
//  through libzmq's reconnect timer: monitors see CONNECT_DELAYED when an
//  attempt starts, then CLOSED and CONNECT_RETRIED, or CONNECTED.

#ifndef __ZMQ_HVSOCK_CONNECTER_HPP_INCLUDED__
#define __ZMQ_HVSOCK_CONNECTER_HPP_INCLUDED__

#include "platform.hpp"

#if defined ZMQ_HAVE_HVSOCK

#include "fd.hpp"
#include "hvsock_handshake.hpp"
#include "stream_connecter_base.hpp"

namespace zmq
{
class hvsock_connecter_t ZMQ_FINAL : public stream_connecter_base_t
{
  public:
    //  How long an attempt may take, unix connect and handshake together,
    //  when ZMQ_CONNECT_TIMEOUT is not set. A VMM answers within
    //  milliseconds once the guest accepts or refuses; a peer that says
    //  nothing for this long is stuck or is not a VMM.
    enum
    {
        default_handshake_timeout_ms = 5000
    };

    hvsock_connecter_t (zmq::io_thread_t *io_thread_,
                        zmq::session_base_t *session_,
                        const options_t &options_,
                        address_t *addr_,
                        bool delayed_start_);
    ~hvsock_connecter_t () ZMQ_OVERRIDE;

  private:
    //  stream_connecter_base_t's reconnect timer is id 1.
    enum
    {
        handshake_timer_id = 2
    };

    //  Where the attempt in progress is; each state waits for one event.
    enum state_t
    {
        idle,       //  No attempt (none yet, or waiting to reconnect).
        connecting, //  connect() in progress: polled for output.
        requesting, //  Writing "CONNECT <port>\n": polled for output.
        replying    //  Reading "OK <n>\n": polled for input.
    };

    void process_term (int linger_) ZMQ_OVERRIDE;
    void in_event () ZMQ_OVERRIDE;
    void out_event () ZMQ_OVERRIDE;
    void timer_event (int id_) ZMQ_OVERRIDE;
    void start_connecting () ZMQ_OVERRIDE;

    //  Opens _s and starts a non-blocking connect to PATH. 0: connected at
    //  once; -1 with EINPROGRESS: in progress; -1 otherwise (errno set).
    int open ();

    //  Writes what is left of the request; then waits for the reply.
    void send_request ();

    //  Reads the reply byte by byte, up to and including its '\n'.
    void read_reply ();

    //  Ends the attempt: the socket goes to the engine, or is closed.
    void succeed ();
    void fail (int errno_);

    void cancel_handshake_timer ();

    hvsock_handshake_t _handshake;
    state_t _state;
    bool _handshake_timer_started;

    ZMQ_NON_COPYABLE_NOR_MOVABLE (hvsock_connecter_t)
};
}

#endif

#endif
