#include "precompiled.hpp"

#include "vsock_socket.hpp"

#if defined ZMQ_HAVE_VSOCK

#include <sys/socket.h>
#include <sys/time.h>
#include <linux/vm_sockets.h>

#include "options.hpp"

namespace
{
int set_u64 (zmq::fd_t s_, int level_, int name_, uint64_t value_)
{
    if (value_ == 0)
        return 0;
    return setsockopt (s_, level_, name_, &value_, sizeof value_);
}
}

int zmq::vsock_tune_socket (fd_t s_, int family_, const options_t &options_)
{
    if (set_u64 (s_, family_, SO_VM_SOCKETS_BUFFER_MAX_SIZE,
                 options_.vmci_buffer_max_size)
          != 0
        || set_u64 (s_, family_, SO_VM_SOCKETS_BUFFER_MIN_SIZE,
                    options_.vmci_buffer_min_size)
             != 0
        || set_u64 (s_, family_, SO_VM_SOCKETS_BUFFER_SIZE,
                    options_.vmci_buffer_size)
             != 0)
        return -1;

    if (options_.vmci_connect_timeout > 0) {
        //  Milliseconds to a timeval: libzmq 4.3.5 put all of them in
        //  tv_usec, which the kernel refuses from 1000 ms on.
        struct timeval timeout;
        timeout.tv_sec = options_.vmci_connect_timeout / 1000;
        timeout.tv_usec = (options_.vmci_connect_timeout % 1000) * 1000;
        if (setsockopt (s_, family_, SO_VM_SOCKETS_CONNECT_TIMEOUT, &timeout,
                        sizeof timeout)
            != 0)
            return -1;
    }
    return 0;
}

#endif
