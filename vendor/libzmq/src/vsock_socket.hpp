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

//  libzmq's engines write through a buffer of out_batch_size bytes (8 KiB by
//  default) that the encoder fills with as many queued messages as fit, then
//  hands to one send. An AF_VSOCK send costs more than a TCP loopback one, so
//  vsock engines write bigger batches: 64 KiB, the largest packet virtio-vsock
//  carries. Measured (examples/bench, TCG VM, same-run ratios to ZeroMQ over
//  TCP): 256 B messages 0.95 -> 1.12, 4 KiB 0.92 -> 1.08, while 64 KiB and
//  1 MiB messages stay above 0.9 of raw AF_VSOCK. in_batch_size stays at
//  libzmq's default: a 64 KiB read buffer gained nothing for small messages
//  and cost 64 KiB messages a quarter of their throughput. A size set with
//  ZMQ_OUT_BATCH_SIZE (draft API) is kept. Called on the listener's and
//  connecter's own copy of the options, which their engines are built from.
const int vsock_out_batch_size = 65536;
void vsock_tune_engine_options (options_t &options_);
}

#endif

#endif
