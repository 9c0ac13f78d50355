//  Listener of the hvsock:// transport: "PATH:PORT" listens on the unix
//  socket "PATH_PORT", where the VMM delivers a guest's connection to the
//  host's vsock PORT. Not derived from libzmq's ipc_listener_t, which is
//  final, treats a leading '@' as the abstract namespace and in 4.3.5 leaves
//  the socket file behind on unbind; this one removes it.

#ifndef __ZMQ_HVSOCK_LISTENER_HPP_INCLUDED__
#define __ZMQ_HVSOCK_LISTENER_HPP_INCLUDED__

#include "platform.hpp"

#if defined ZMQ_HAVE_HVSOCK

#include <string>

#include <sys/types.h>

#include "closing_listener.hpp"
#include "fd.hpp"

namespace zmq
{
class hvsock_listener_t ZMQ_FINAL : public closing_listener_t
{
  public:
    hvsock_listener_t (zmq::io_thread_t *io_thread_,
                       zmq::socket_base_t *socket_,
                       const options_t &options_);

    //  Listens on "PATH_PORT" for "PATH:PORT", replacing a file left there
    //  by an earlier run, as ipc:// does. Afterwards get_local_address()
    //  gives "hvsock://PATH:PORT".
    int set_local_address (const char *addr_);

  protected:
    //  The local end of the listener and of what it accepts is the endpoint
    //  it bound; the remote end (the VMM's unnamed socket) has no name.
    std::string get_socket_name (fd_t fd_,
                                 socket_end_t socket_end_) const ZMQ_OVERRIDE;

  private:
    void in_event () ZMQ_OVERRIDE;

    //  Closes the socket and removes its file, then signals the close, so
    //  that zmq_unbind returns with PATH_PORT free for the next bind.
    int close () ZMQ_OVERRIDE;

    //  Accepts one connection; retired_fd (errno set) when there was none
    //  or it failed. Never asserts on the kernel's answer.
    fd_t accept ();

    //  The socket file this listener made, and its identity: the file is
    //  removed on close only if it is still the one bound here, not one a
    //  later bind (of this process or another) put in its place.
    std::string _filename;
    dev_t _file_dev;
    ino_t _file_ino;

    ZMQ_NON_COPYABLE_NOR_MOVABLE (hvsock_listener_t)
};
}

#endif

#endif
