#include "precompiled.hpp"

#include "hvsock_listener.hpp"

#if defined ZMQ_HAVE_HVSOCK

#include <errno.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "hvsock_address.hpp"
#include "ip.hpp"
#include "socket_base.hpp"

zmq::hvsock_listener_t::hvsock_listener_t (io_thread_t *io_thread_,
                                           socket_base_t *socket_,
                                           const options_t &options_) :
    closing_listener_t (io_thread_, socket_, options_),
    _file_dev (0),
    _file_ino (0)
{
}

int zmq::hvsock_listener_t::set_local_address (const char *addr_)
{
    hvsock_address_t address;
    if (address.resolve (addr_) != 0)
        return -1;
    const std::string file = address.listener_path ();
    sockaddr_un sa;
    const socklen_t sa_len = hvsock_unix_address (file, &sa);
    if (sa_len == 0)
        return -1;
    address.to_string (_endpoint);

    _s = open_socket (AF_UNIX, SOCK_STREAM, 0);
    if (_s == retired_fd)
        return -1;

    //  A file left by a process that died bound would fail every bind.
    ::unlink (file.c_str ());
    if (bind (_s, reinterpret_cast<const sockaddr *> (&sa), sa_len) != 0) {
        const int err = errno;
        close ();
        errno = err;
        return -1;
    }
    struct stat st;
    if (::lstat (file.c_str (), &st) == 0) {
        _filename = file;
        _file_dev = st.st_dev;
        _file_ino = st.st_ino;
    }
    if (listen (_s, options.backlog) != 0) {
        const int err = errno;
        close ();
        errno = err;
        return -1;
    }

    _socket->event_listening (make_unconnected_bind_endpoint_pair (_endpoint),
                              _s);
    return 0;
}

std::string zmq::hvsock_listener_t::get_socket_name (fd_t,
                                                     socket_end_t socket_end_)
  const
{
    return socket_end_ == socket_end_local ? _endpoint : std::string ();
}

int zmq::hvsock_listener_t::close ()
{
    int rc = 0;
    if (_s != retired_fd)
        rc = stream_listener_base_t::close ();

    struct stat st;
    if (!_filename.empty () && ::lstat (_filename.c_str (), &st) == 0
        && st.st_dev == _file_dev && st.st_ino == _file_ino
        && ::unlink (_filename.c_str ()) != 0 && errno != ENOENT) {
        _socket->event_close_failed (
          make_unconnected_bind_endpoint_pair (_endpoint), zmq_errno ());
        rc = -1;
    }
    _filename.clear ();

    signal_closed ();
    return rc;
}

void zmq::hvsock_listener_t::in_event ()
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

zmq::fd_t zmq::hvsock_listener_t::accept ()
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
