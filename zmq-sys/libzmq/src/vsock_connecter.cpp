#include "precompiled.hpp"

#include "vsock_connecter.hpp"

#if defined ZMQ_HAVE_VSOCK

#include <new>

#include <errno.h>
#include <sys/socket.h>

#include "address.hpp"
#include "err.hpp"
#include "ip.hpp"
#include "session_base.hpp"
#include "vmci_address.hpp"
#include "vsock_socket.hpp"

zmq::vsock_connecter_t::vsock_connecter_t (io_thread_t *io_thread_,
                                           session_base_t *session_,
                                           const options_t &options_,
                                           address_t *addr_,
                                           bool delayed_start_,
                                           vsock_scheme_t scheme_) :
    stream_connecter_base_t (
      io_thread_, session_, options_, addr_, delayed_start_),
    _scheme (scheme_),
    _connect_timer_started (false)
{
    zmq_assert (_addr->protocol == vsock_scheme_name (_scheme));
}

zmq::vsock_connecter_t::~vsock_connecter_t ()
{
    zmq_assert (!_connect_timer_started);
}

zmq::vsock_address_t *zmq::vsock_connecter_t::renew_resolved_address ()
{
    //  address_t keeps one pointer per transport; vmci's is a vmci_address_t.
    forget_resolved_address ();
    if (_scheme == vsock_scheme_vmci) {
        _addr->resolved.vmci_addr =
          new (std::nothrow) vmci_address_t (get_ctx ());
        alloc_assert (_addr->resolved.vmci_addr);
        return _addr->resolved.vmci_addr;
    }
    _addr->resolved.vsock_addr =
      new (std::nothrow) vsock_address_t (_scheme, get_ctx ());
    alloc_assert (_addr->resolved.vsock_addr);
    return _addr->resolved.vsock_addr;
}

void zmq::vsock_connecter_t::forget_resolved_address ()
{
    if (_scheme == vsock_scheme_vmci) {
        LIBZMQ_DELETE (_addr->resolved.vmci_addr);
    } else {
        LIBZMQ_DELETE (_addr->resolved.vsock_addr);
    }
}

void zmq::vsock_connecter_t::process_term (int linger_)
{
    if (_connect_timer_started) {
        cancel_timer (connect_timer_id);
        _connect_timer_started = false;
    }
    stream_connecter_base_t::process_term (linger_);
}

void zmq::vsock_connecter_t::in_event ()
{
    //  Not polled for input: an error shows up here as well as in out_event.
    out_event ();
}

void zmq::vsock_connecter_t::out_event ()
{
    if (_connect_timer_started) {
        cancel_timer (connect_timer_id);
        _connect_timer_started = false;
    }

    rm_handle ();

    const fd_t fd = connect ();
    if (fd == retired_fd) {
        const bool stop = (options.reconnect_stop & ZMQ_RECONNECT_STOP_CONN_REFUSED)
                          && errno == ECONNREFUSED;
        close ();
        if (stop) {
            send_conn_failed (_session);
            terminate ();
        } else
            add_reconnect_timer ();
        return;
    }

    create_engine (fd, get_socket_name (fd, socket_end_local));
}

std::string zmq::vsock_connecter_t::get_socket_name (fd_t fd_,
                                                     socket_end_t socket_end_)
  const
{
    struct sockaddr_storage ss;
    const zmq_socklen_t sl = get_socket_address (fd_, socket_end_, &ss);
    if (sl == 0)
        return std::string ();

    const vsock_address_t addr (_scheme, reinterpret_cast<sockaddr *> (&ss),
                                sl, get_ctx ());
    std::string name;
    addr.to_string (name);
    return name;
}

void zmq::vsock_connecter_t::timer_event (int id_)
{
    if (id_ == connect_timer_id) {
        _connect_timer_started = false;
        rm_handle ();
        close ();
        add_reconnect_timer ();
    } else
        stream_connecter_base_t::timer_event (id_);
}

void zmq::vsock_connecter_t::start_connecting ()
{
    const int rc = open ();

    if (rc == 0) {
        _handle = add_fd (_s);
        out_event ();
    } else if (errno == EINPROGRESS) {
        _handle = add_fd (_s);
        set_pollout (_handle);
        _socket->event_connect_delayed (
          make_unconnected_connect_endpoint_pair (_endpoint), zmq_errno ());
        if (options.connect_timeout > 0) {
            add_timer (options.connect_timeout, connect_timer_id);
            _connect_timer_started = true;
        }
    } else {
        //  Includes a refused socket option and an unresolvable "@": retried
        //  like any failed connect, visible as ZMQ_EVENT_CONNECT_RETRIED.
        if (_s != retired_fd)
            close ();
        add_reconnect_timer ();
    }
}

int zmq::vsock_connecter_t::open ()
{
    zmq_assert (_s == retired_fd);

    //  Resolve again on every attempt: "vmci://@" follows the local CID.
    vsock_address_t *const slot = renew_resolved_address ();
    if (slot->resolve (_addr->address.c_str ()) != 0) {
        const int err = errno;
        forget_resolved_address ();
        errno = err;
        return -1;
    }

    _s = open_socket (slot->family (), SOCK_STREAM, 0);
    if (_s == retired_fd)
        return -1;

    //  Before connect(): the kernel's connect timeout and buffer sizes only
    //  apply to a connection that is yet to be made.
    if (vsock_tune_socket (_s, slot->family (), options) != 0)
        return -1;

    unblock_socket (_s);

    if (::connect (_s, slot->addr (), slot->addrlen ()) == 0)
        return 0;
    if (errno == EINTR)
        errno = EINPROGRESS;
    return -1;
}

zmq::fd_t zmq::vsock_connecter_t::connect ()
{
    int err = 0;
    socklen_t len = sizeof err;
    if (getsockopt (_s, SOL_SOCKET, SO_ERROR, &err, &len) == -1)
        err = errno;
    if (err != 0) {
        errno = err;
        return retired_fd;
    }

    const fd_t result = _s;
    _s = retired_fd;
    return result;
}

#endif
