/*  What our overlay adds to libzmq's C API, beside zmq.h.

    The vsock://, vmci:// and hvsock:// transports themselves need no
    declaration: they are reached through zmq_bind and zmq_connect. This
    header declares the extra symbols libzmq.a exports, for C programs and for
    the Rust bindings (zmq-sys/src/ffi.rs is generated from it with the
    `bindgen` feature, and a test fails when the two drift apart). */

#ifndef ZMQ_VSOCK_H_INCLUDED
#define ZMQ_VSOCK_H_INCLUDED

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/*  The strict CID:PORT parser that zmq_bind and zmq_connect use for the part
    after "vsock://" or "vmci://". Parses only: nothing is bound or connected,
    so tests and fuzzers can compare it with other parsers.

    Returns 0 with *cid_ and *port_ set (0xffffffff for "*" and "-1") and
    *local_ 1 when the CID was "@" (this machine, which each transport
    resolves when it binds or connects; *cid_ is then 0xffffffff), else 0. Returns -1 with errno EINVAL for anything else. */
int zmq_vsock_parse_endpoint (const char *path_,
                              unsigned int *cid_,
                              unsigned int *port_,
                              int *local_);

/*  The strict PATH:PORT parser that zmq_bind and zmq_connect use for the part
    after "hvsock://" (a VMM's hybrid vsock socket PATH, a vsock PORT). Parses
    only, like zmq_vsock_parse_endpoint.

    Split at the last colon: PATH is the *path_len_ bytes before it (at least
    one), PORT one or more ASCII digits of a number below 4294967295 (leading
    zeros allowed; no sign, blank, "*" or "-1"), and PATH "_" PORT (PORT in
    decimal without leading zeros, the socket that binding listens on) must
    fit sun_path with its terminating NUL: at most 107 bytes. Returns 0 with
    *path_len_ and *port_ set, or -1 with errno EINVAL. */
int zmq_hvsock_parse_endpoint (const char *address_,
                               size_t *path_len_,
                               unsigned int *port_);

#ifdef __cplusplus
}
#endif

#endif
