#include "precompiled.hpp"

#include "hvsock_connecter.hpp"

#if defined ZMQ_HAVE_HVSOCK

#include <errno.h>
#include <string>
#include <sys/socket.h>
#include <sys/un.h>

#include "address.hpp"
#include "err.hpp"
#include "hvsock_address.hpp"
#include "ip.hpp"
#include "session_base.hpp"
#include "socket_base.hpp"

namespace
{
//  The guest port to ask the VMM for; socket_base_t resolved the address.
unsigned int guest_port (const zmq::address_t *addr_)
{
    zmq_assert (addr_ && addr_->resolved.hvsock_addr);
    return addr_->resolved.hvsock_addr->port ();
}
}

zmq::hvsock_connecter_t::hvsock_connecter_t (io_thread_t *io_thread_,
                                             session_base_t *session_,
                                             const options_t &options_,
                                             address_t *addr_,
                                             bool delayed_start_) :
    stream_connecter_base_t (
      io_thread_, session_, options_, addr_, delayed_start_),
    _handshake (guest_port (addr_)),
    _state (idle),
    _handshake_timer_started (false)
{
    zmq_assert (_addr->protocol == protocol_name::hvsock);
}

zmq::hvsock_connecter_t::~hvsock_connecter_t ()
{
    zmq_assert (!_handshake_timer_started);
}

void zmq::hvsock_connecter_t::process_term (int linger_)
{
    cancel_handshake_timer ();
    _state = idle;
    stream_connecter_base_t::process_term (linger_);
}

void zmq::hvsock_connecter_t::cancel_handshake_timer ()
{
    if (_handshake_timer_started) {
        cancel_timer (handshake_timer_id);
        _handshake_timer_started = false;
    }
}

void zmq::hvsock_connecter_t::start_connecting ()
{
    _handshake.restart ();
    const int rc = open ();
    if (rc != 0 && errno != EINPROGRESS) {
        //  ENOENT (no VMM socket at PATH yet), ECONNREFUSED (nobody listens
        //  on it), EAGAIN (its backlog is full), ...
        fail (errno);
        return;
    }

    _handle = add_fd (_s);
    //  Not connected until the VMM says OK, even when connect() was done.
    _socket->event_connect_delayed (
      make_unconnected_connect_endpoint_pair (_endpoint), EINPROGRESS);
    add_timer (options.connect_timeout > 0 ? options.connect_timeout
                                           : default_handshake_timeout_ms,
               handshake_timer_id);
    _handshake_timer_started = true;

    if (rc == 0)
        send_request ();
    else {
        _state = connecting;
        set_pollout (_handle);
    }
}

int zmq::hvsock_connecter_t::open ()
{
    zmq_assert (_s == retired_fd);

    sockaddr_un sa;
    const socklen_t sa_len =
      hvsock_unix_address (_addr->resolved.hvsock_addr->device_path (), &sa);
    if (sa_len == 0)
        return -1;

    _s = open_socket (AF_UNIX, SOCK_STREAM, 0);
    if (_s == retired_fd)
        return -1;
    unblock_socket (_s);

    if (::connect (_s, reinterpret_cast<const sockaddr *> (&sa), sa_len) == 0)
        return 0;
    if (errno == EINTR)
        errno = EINPROGRESS;
    return -1;
}

void zmq::hvsock_connecter_t::out_event ()
{
    if (_state == connecting) {
        int err = 0;
        socklen_t len = sizeof err;
        if (getsockopt (_s, SOL_SOCKET, SO_ERROR, &err, &len) == -1)
            err = errno;
        if (err != 0) {
            fail (err);
            return;
        }
        send_request ();
    } else if (_state == requesting)
        send_request ();
}

void zmq::hvsock_connecter_t::in_event ()
{
    //  Before the reply, an input event is an error or a hang-up, which the
    //  output path finds (SO_ERROR, or a failing write).
    if (_state == replying)
        read_reply ();
    else
        out_event ();
}

void zmq::hvsock_connecter_t::send_request ()
{
    _state = requesting;
    while (_handshake.unsent_size () > 0) {
        const ssize_t n = ::send (_s, _handshake.unsent (),
                                  _handshake.unsent_size (), MSG_NOSIGNAL);
        if (n >= 0)
            _handshake.sent (static_cast<size_t> (n));
        else if (errno == EAGAIN || errno == EWOULDBLOCK) {
            set_pollout (_handle);
            return;
        } else if (errno != EINTR) {
            fail (errno);
            return;
        }
    }
    _state = replying;
    reset_pollout (_handle);
    set_pollin (_handle);
}

void zmq::hvsock_connecter_t::read_reply ()
{
    while (true) {
        //  One byte at a time: what follows the '\n' is the guest's ZMTP
        //  greeting, which must stay in the socket for the engine.
        char byte;
        const ssize_t n = ::recv (_s, &byte, 1, 0);
        if (n == 0) {
            //  The VMM closes the stream when nothing listens on the guest
            //  port: the hybrid vsock form of a refused connection.
            fail (ECONNREFUSED);
            return;
        }
        if (n < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return;
            if (errno != EINTR) {
                fail (errno);
                return;
            }
            continue;
        }
        switch (_handshake.feed (byte)) {
            case hvsock_handshake_t::reply_partial:
                break;
            case hvsock_handshake_t::reply_ok:
                succeed ();
                return;
            case hvsock_handshake_t::reply_refused:
                fail (EPROTO);
                return;
        }
    }
}

void zmq::hvsock_connecter_t::succeed ()
{
    cancel_handshake_timer ();
    rm_handle ();
    _state = idle;
    const fd_t fd = _s;
    _s = retired_fd;
    //  The local end is an unnamed unix socket: it has no endpoint string.
    create_engine (fd, std::string ());
}

void zmq::hvsock_connecter_t::fail (int errno_)
{
    cancel_handshake_timer ();
    if (_handle)
        rm_handle ();
    close ();
    _state = idle;
    if (errno_ == ECONNREFUSED
        && (options.reconnect_stop & ZMQ_RECONNECT_STOP_CONN_REFUSED)) {
        send_conn_failed (_session);
        terminate ();
    } else
        add_reconnect_timer ();
}

void zmq::hvsock_connecter_t::timer_event (int id_)
{
    if (id_ == handshake_timer_id) {
        _handshake_timer_started = false;
        fail (ETIMEDOUT);
    } else
        stream_connecter_base_t::timer_event (id_);
}

#endif
