#include "precompiled.hpp"

#include "vsock_listener.hpp"

#if defined ZMQ_HAVE_VSOCK

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/socket.h>

#include "ip.hpp"
#include "socket_base.hpp"
#include "vsock_socket.hpp"

zmq::vsock_listener_t::vsock_listener_t (io_thread_t *io_thread_,
                                         socket_base_t *socket_,
                                         const options_t &options_,
                                         vsock_scheme_t scheme_) :
    closing_listener_t (io_thread_, socket_, options_), _scheme (scheme_)
{
}

int zmq::vsock_listener_t::close ()
{
    const int rc = stream_listener_base_t::close ();
    signal_closed ();
    return rc;
}

void zmq::vsock_listener_t::in_event ()
{
    const fd_t fd = accept ();
    if (fd == retired_fd) {
        //  EAGAIN: the peer went away before we got to it; anything else is
        //  reported, and the listener carries on.
        if (errno != EAGAIN && errno != EWOULDBLOCK)
            _socket->event_accept_failed (
              make_unconnected_bind_endpoint_pair (_endpoint), zmq_errno ());
        return;
    }
    create_engine (fd);
}

std::string zmq::vsock_listener_t::get_socket_name (fd_t fd_,
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

int zmq::vsock_listener_t::set_local_address (const char *addr_)
{
    vsock_address_t address (_scheme, get_ctx ());
    if (address.resolve (addr_) != 0)
        return -1;

    _s = open_socket (address.family (), SOCK_STREAM, 0);
    if (_s == retired_fd)
        return -1;

    //  Options set on the listening socket are inherited by every socket it
    //  accepts; a value the kernel refuses fails the bind, not a later
    //  connection.
    if (vsock_tune_socket (_s, address.family (), options) != 0
        || bind (_s, address.addr (), address.addrlen ()) != 0
        || listen (_s, options.backlog) != 0) {
        const int err = errno;
        close ();
        errno = err;
        return -1;
    }

    //  The bound name carries the port the kernel chose for a wildcard.
    _endpoint = get_socket_name (_s, socket_end_local);
    _socket->event_listening (make_unconnected_bind_endpoint_pair (_endpoint),
                              _s);
    return 0;
}

zmq::fd_t zmq::vsock_listener_t::accept ()
{
#if defined HAVE_ACCEPT4
    fd_t sock = ::accept4 (_s, NULL, NULL, SOCK_CLOEXEC);
#else
    fd_t sock = ::accept (_s, NULL, NULL);
    if (sock != retired_fd)
        make_socket_noninheritable (sock);
#endif
    return sock;
}

#endif
