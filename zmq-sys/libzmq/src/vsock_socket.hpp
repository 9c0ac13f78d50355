//  Kernel-level set-up shared by the vsock:// and vmci:// listener and
//  connecter: the AF_VSOCK socket options that ZeroMQ's ZMQ_VMCI_* socket
//  options stand for.

#ifndef __ZMQ_VSOCK_SOCKET_HPP_INCLUDED__
#define __ZMQ_VSOCK_SOCKET_HPP_INCLUDED__

#include "platform.hpp"

#if defined ZMQ_HAVE_VSOCK

#include "fd.hpp"

namespace zmq
{
struct options_t;

//  Applies ZMQ_VMCI_BUFFER_MAX_SIZE, _MIN_SIZE, _SIZE (in that order, so a
//  size above the kernel's default maximum is not clamped before the new
//  maximum is in place) and ZMQ_VMCI_CONNECT_TIMEOUT to s_, at the option
//  level family_. Unset options (0, or a timeout <= 0) are left alone.
//  Call it before bind/connect: sockets accepted from a listener inherit it.
//  Returns 0, or -1 with errno from the kernel; it never aborts.
int vsock_tune_socket (fd_t s_, int family_, const options_t &options_);
}

#endif

#endif
