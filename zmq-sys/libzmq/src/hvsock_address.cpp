#include "precompiled.hpp"

#include "hvsock_address.hpp"
#include "zmq_vsock.h"

#if defined ZMQ_HAVE_HVSOCK

#include <errno.h>
#include <string.h>
#include <sstream>

namespace
{
//  Decimal digits of a u32 as printed: 1 for 0.
size_t decimal_width (unsigned int value_)
{
    size_t width = 1;
    while (value_ >= 10) {
        value_ /= 10;
        ++width;
    }
    return width;
}
}

int zmq::hvsock_parse_endpoint (const char *address_,
                                size_t *path_len_,
                                unsigned int *port_)
{
    const char *const colon = address_ ? strrchr (address_, ':') : NULL;
    if (!colon || colon == address_ || colon[1] == '\0') {
        errno = EINVAL;
        return -1;
    }

    //  Digits only: no sign, blank, wildcard or trailing byte. 4294967295
    //  is refused as well: it is the vsock wildcard, which no VMM routes.
    unsigned long long port = 0;
    for (const char *p = colon + 1; *p; ++p) {
        if (*p < '0' || *p > '9') {
            errno = EINVAL;
            return -1;
        }
        port = port * 10 + static_cast<unsigned> (*p - '0');
        if (port >= 0xffffffffULL) {
            errno = EINVAL;
            return -1;
        }
    }

    //  "PATH_PORT" and its NUL must fit sun_path.
    const size_t path_len = static_cast<size_t> (colon - address_);
    const size_t listener_len =
      path_len + 1 + decimal_width (static_cast<unsigned int> (port));
    if (listener_len >= sizeof (sockaddr_un::sun_path)) {
        errno = EINVAL;
        return -1;
    }

    *path_len_ = path_len;
    *port_ = static_cast<unsigned int> (port);
    return 0;
}

zmq::hvsock_address_t::hvsock_address_t () : _port (0)
{
}

int zmq::hvsock_address_t::resolve (const char *address_)
{
    size_t path_len;
    unsigned int port;
    if (hvsock_parse_endpoint (address_, &path_len, &port) != 0)
        return -1;
    _path.assign (address_, path_len);
    _port = port;
    return 0;
}

int zmq::hvsock_address_t::to_string (std::string &addr_) const
{
    if (_path.empty ()) {
        addr_.clear ();
        return -1;
    }
    std::ostringstream s;
    s << "hvsock://" << _path << ':' << _port;
    addr_ = s.str ();
    return 0;
}

std::string zmq::hvsock_address_t::listener_path () const
{
    std::ostringstream s;
    s << _path << '_' << _port;
    return s.str ();
}

socklen_t zmq::hvsock_unix_address (const std::string &file_, sockaddr_un *sa_)
{
    memset (sa_, 0, sizeof *sa_);
    if (file_.empty () || file_.size () >= sizeof sa_->sun_path) {
        errno = ENAMETOOLONG;
        return 0;
    }
    sa_->sun_family = AF_UNIX;
    memcpy (sa_->sun_path, file_.data (), file_.size ());
    return static_cast<socklen_t> (offsetof (sockaddr_un, sun_path)
                                   + file_.size () + 1);
}

//  Declared in zmq_vsock.h, which says what it returns.
int zmq_hvsock_parse_endpoint (const char *address_,
                               size_t *path_len_,
                               unsigned int *port_)
{
    return zmq::hvsock_parse_endpoint (address_, path_len_, port_);
}

#endif
