/*  What our overlay adds to libzmq's C API, beside zmq.h.

    The vsock:// and vmci:// transports themselves need no declaration: they
    are reached through zmq_bind and zmq_connect. This header declares the
    extra symbols libzmq.a exports, for C programs and for the Rust bindings
    (zmq-sys/src/ffi.rs is generated from it with the `bindgen` feature, and a
    test fails when the two drift apart). */

#ifndef ZMQ_VSOCK_H_INCLUDED
#define ZMQ_VSOCK_H_INCLUDED

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

#ifdef __cplusplus
}
#endif

#endif
