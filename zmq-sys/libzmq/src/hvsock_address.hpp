//  Address of the hvsock:// transport ("hybrid vsock"): "PATH:PORT", where
//  PATH is the unix socket of a guest's vsock device as a VMM (Firecracker,
//  Cloud Hypervisor, vhost-device-vsock) exposes it on the host, and PORT a
//  vsock port. Connecting reaches the guest's PORT through PATH (with the
//  VMM's CONNECT handshake, see hvsock_handshake.hpp); binding listens on the
//  unix socket "PATH_PORT", where the VMM delivers a guest's connection to
//  the host's (CID 2) PORT.

#ifndef __ZMQ_HVSOCK_ADDRESS_HPP_INCLUDED__
#define __ZMQ_HVSOCK_ADDRESS_HPP_INCLUDED__

#include "platform.hpp"

#if defined ZMQ_HAVE_HVSOCK

#include <stddef.h>
#include <string>

#include <sys/socket.h>
#include <sys/un.h>

namespace zmq
{
//  Parses "PATH:PORT" (the part after "hvsock://") strictly, split at the
//  last colon. PATH: one byte or more (any but NUL; it may hold colons).
//  PORT: one or more ASCII digits (leading zeros allowed) of a u32 other than
//  4294967295 (VMADDR_PORT_ANY: a wildcard, which a VMM cannot route). And
//  "PATH_PORT" (PORT in canonical decimal) must fit sun_path with its NUL,
//  for connect as for bind, so that every endpoint that parses can be bound.
//  Returns 0 with *path_len_ the length of PATH, or -1 with errno EINVAL.
int hvsock_parse_endpoint (const char *address_,
                           size_t *path_len_,
                           unsigned int *port_);

class hvsock_address_t
{
  public:
    hvsock_address_t ();

    //  Sets the address from "PATH:PORT". Returns 0, or -1 with errno EINVAL.
    int resolve (const char *address_);

    //  "hvsock://PATH:PORT", PORT in decimal without leading zeros: the
    //  ZMQ_LAST_ENDPOINT form, which resolve() reads back.
    int to_string (std::string &addr_) const;

    unsigned int port () const { return _port; }

    //  PATH, the VMM's socket that connect reaches.
    const std::string &device_path () const { return _path; }

    //  "PATH_PORT", the socket bind listens on.
    std::string listener_path () const;

  private:
    std::string _path;
    unsigned int _port;
};

//  Fills *sa_ with the file system unix address `file_` and returns its
//  length, or 0 with errno ENAMETOOLONG when it does not fit sun_path.
//  No abstract namespace: a leading '@' is a file name's first byte.
socklen_t hvsock_unix_address (const std::string &file_, sockaddr_un *sa_);
}

#endif

#endif
