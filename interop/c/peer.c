/* A C peer for zmq-vsock's interop test and example. It uses only libzmq's C
 * API, compiled against the zmq.h and libzmq.a that zmq-sys exposes.
 *
 *   c_peer bind    ENDPOINT COUNT   REP: answers COUNT requests "x" with "c:x"
 *   c_peer connect ENDPOINT COUNT   REQ: sends "hello N", expects "rust:hello N"
 *
 * It prints "bound ENDPOINT" (ZMQ_LAST_ENDPOINT) after binding, and exits 0
 * when every exchange succeeded.
 *
 * The vsock safety rule: connect only inside the test VM (ZMQ_VSOCK_IN_VM=1),
 * or to CID 1 on a host with the vsock_loopback module; otherwise refuse. */
#include <zmq.h>
#include <zmq_vsock.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int fail (const char *what)
{
    fprintf (stderr, "c_peer: %s: %s\n", what, zmq_strerror (zmq_errno ()));
    return 1;
}

/* Whether ENDPOINT is vsock:// or vmci:// to VMADDR_CID_LOCAL (1), read with
 * the same strict parser zmq_connect uses (zmq_vsock.h). vsock's "@" is CID 1;
 * vmci's "@" is this machine's own CID, which is not. */
static int targets_cid_local (const char *endpoint)
{
    const char *address;
    int vsock;
    if (strncmp (endpoint, "vsock://", 8) == 0) {
        address = endpoint + 8;
        vsock = 1;
    } else if (strncmp (endpoint, "vmci://", 7) == 0) {
        address = endpoint + 7;
        vsock = 0;
    } else
        return 0;
    unsigned int cid, port;
    int local;
    if (zmq_vsock_parse_endpoint (address, &cid, &port, &local) != 0)
        return 0;
    return local ? vsock : cid == 1;
}

static int connect_allowed (const char *endpoint)
{
    const char *in_vm = getenv ("ZMQ_VSOCK_IN_VM");
    if (in_vm && strcmp (in_vm, "1") == 0)
        return 1;
    return targets_cid_local (endpoint)
           && access ("/sys/module/vsock_loopback", F_OK) == 0;
}

int main (int argc, char **argv)
{
    if (argc != 4 || (strcmp (argv[1], "bind") && strcmp (argv[1], "connect"))) {
        fprintf (stderr, "usage: c_peer bind|connect ENDPOINT COUNT\n");
        return 2;
    }
    const int binding = strcmp (argv[1], "bind") == 0;
    const char *endpoint = argv[2];
    const int count = atoi (argv[3]);
    if (!binding && !connect_allowed (endpoint)) {
        fprintf (stderr, "c_peer: refusing to connect %s outside the test VM "
                         "(the vsock safety rule)\n", endpoint);
        return 2;
    }
    /* A peer that goes away must be an error code, not a signal. */
    signal (SIGPIPE, SIG_IGN);

    void *ctx = zmq_ctx_new ();
    void *socket = zmq_socket (ctx, binding ? ZMQ_REP : ZMQ_REQ);
    const int timeout_ms = 20000, linger = 0;
    zmq_setsockopt (socket, ZMQ_RCVTIMEO, &timeout_ms, sizeof timeout_ms);
    zmq_setsockopt (socket, ZMQ_SNDTIMEO, &timeout_ms, sizeof timeout_ms);
    zmq_setsockopt (socket, ZMQ_LINGER, &linger, sizeof linger);

    if (binding) {
        if (zmq_bind (socket, endpoint) != 0)
            return fail ("zmq_bind");
        char bound[256];
        size_t size = sizeof bound;
        zmq_getsockopt (socket, ZMQ_LAST_ENDPOINT, bound, &size);
        printf ("bound %s\n", bound);
        fflush (stdout);
    } else if (zmq_connect (socket, endpoint) != 0)
        return fail ("zmq_connect");

    char buffer[256], expected[256];
    for (int i = 0; i < count; i++) {
        if (binding) {
            const int n = zmq_recv (socket, buffer, sizeof buffer - 1, 0);
            if (n < 0)
                return fail ("zmq_recv");
            char reply[300];
            const int len = snprintf (reply, sizeof reply, "c:%.*s", n, buffer);
            if (zmq_send (socket, reply, (size_t) len, 0) != len)
                return fail ("zmq_send");
        } else {
            const int len = snprintf (buffer, sizeof buffer, "hello %d", i);
            if (zmq_send (socket, buffer, (size_t) len, 0) != len)
                return fail ("zmq_send");
            const int n = zmq_recv (socket, buffer, sizeof buffer - 1, 0);
            if (n < 0)
                return fail ("zmq_recv");
            buffer[n] = '\0';
            snprintf (expected, sizeof expected, "rust:hello %d", i);
            if (strcmp (buffer, expected) != 0) {
                fprintf (stderr, "c_peer: got \"%s\", expected \"%s\"\n", buffer, expected);
                return 1;
            }
        }
    }
    zmq_close (socket);
    zmq_ctx_term (ctx);
    printf ("c_peer: %d exchanges over %s\n", count, endpoint);
    return 0;
}
