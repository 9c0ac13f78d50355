//  The host's side of the hybrid vsock handshake that Firecracker, Cloud
//  Hypervisor and vhost-device-vsock expect on a guest's vsock device socket:
//  the host writes "CONNECT <port>\n" and the VMM answers "OK <n>\n" (n: the
//  host-side port it assigned) once the guest accepted; from the next byte on
//  the stream is that guest connection. A VMM that cannot connect (nothing
//  listens on the guest port) closes the stream instead.
//
//  Only the protocol, no I/O: hvsock_connecter_t moves the bytes.

#ifndef __ZMQ_HVSOCK_HANDSHAKE_HPP_INCLUDED__
#define __ZMQ_HVSOCK_HANDSHAKE_HPP_INCLUDED__

#include "platform.hpp"

#if defined ZMQ_HAVE_HVSOCK

#include <stddef.h>

#include "macros.hpp"

namespace zmq
{
class hvsock_handshake_t
{
  public:
    //  What feed() made of the reply so far.
    enum reply_t
    {
        reply_partial, //  A valid beginning: read another byte.
        reply_ok,      //  "OK <n>\n" complete; host_port () is n.
        reply_refused  //  Anything else: the handshake failed.
    };

    explicit hvsock_handshake_t (unsigned int guest_port_);

    //  Starts over for a new connection: the whole request is unsent again.
    void restart ();

    //  The part of the request not yet written, and how much of it was.
    const char *unsent () const { return _request + _sent; }
    size_t unsent_size () const { return _request_size - _sent; }
    void sent (size_t bytes_);

    //  Takes the reply one byte at a time, so that the caller reads nothing
    //  past its '\n' (the bytes after it belong to the ZMTP engine). Refuses
    //  at the first byte that cannot continue "OK <n>\n", n a decimal u32 of
    //  at most 10 digits: a reply never grows past 14 bytes.
    reply_t feed (char byte_);

    unsigned int host_port () const { return _host_port; }

  private:
    //  "CONNECT 4294967295\n" is 19 bytes.
    char _request[24];
    size_t _request_size;
    size_t _sent;

    //  Bytes of the reply taken so far, and the digits' value.
    size_t _reply_size;
    unsigned int _host_port;

    ZMQ_NON_COPYABLE_NOR_MOVABLE (hvsock_handshake_t)
};
}

#endif

#endif
