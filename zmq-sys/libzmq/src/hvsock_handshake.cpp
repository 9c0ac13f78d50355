#include "precompiled.hpp"

#include "hvsock_handshake.hpp"

#if defined ZMQ_HAVE_HVSOCK

#include <stdio.h>

#include "err.hpp"

namespace
{
const char reply_prefix[] = "OK ";
const size_t reply_prefix_size = sizeof reply_prefix - 1;
const size_t max_digits = 10;
}

zmq::hvsock_handshake_t::hvsock_handshake_t (unsigned int guest_port_) :
    _sent (0), _reply_size (0), _host_port (0)
{
    const int n = snprintf (_request, sizeof _request, "CONNECT %u\n",
                            guest_port_);
    zmq_assert (n > 0 && static_cast<size_t> (n) < sizeof _request);
    _request_size = static_cast<size_t> (n);
}

void zmq::hvsock_handshake_t::restart ()
{
    _sent = 0;
    _reply_size = 0;
    _host_port = 0;
}

void zmq::hvsock_handshake_t::sent (size_t bytes_)
{
    zmq_assert (bytes_ <= unsent_size ());
    _sent += bytes_;
}

zmq::hvsock_handshake_t::reply_t zmq::hvsock_handshake_t::feed (char byte_)
{
    if (_reply_size < reply_prefix_size) {
        if (byte_ != reply_prefix[_reply_size])
            return reply_refused;
        ++_reply_size;
        return reply_partial;
    }

    const size_t digits = _reply_size - reply_prefix_size;
    if (byte_ == '\n')
        return digits > 0 ? reply_ok : reply_refused;
    if (byte_ < '0' || byte_ > '9' || digits == max_digits)
        return reply_refused;
    const unsigned long long value =
      _host_port * 10ULL + static_cast<unsigned> (byte_ - '0');
    if (value > 0xffffffffULL)
        return reply_refused;
    _host_port = static_cast<unsigned int> (value);
    ++_reply_size;
    return reply_partial;
}

#endif
