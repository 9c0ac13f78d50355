#include "precompiled.hpp"

#include "vsock_address.hpp"
#include "zmq_vsock.h"

#if defined ZMQ_HAVE_VSOCK

#include <errno.h>
#include <string.h>
#include <sstream>

#include "ctx.hpp"
#include "err.hpp"

//  Defined by our vmci_sockets.h implementation, or by the build's export
//  shim when VMware's header is used; declared here so this file need not
//  include a header whose sockaddr_vm may clash with the kernel's.
extern "C" unsigned int VMCISock_GetLocalCID (void);

const char *zmq::vsock_scheme_name (vsock_scheme_t scheme_)
{
    return scheme_ == vsock_scheme_vmci ? "vmci" : "vsock";
}

namespace
{
//  One CID or port field: "*" / "-1" for any, else one or more decimal
//  digits whose value fits in 32 bits. Returns false on anything else.
bool parse_field (const char *begin_, const char *end_, unsigned int *value_)
{
    const size_t len = static_cast<size_t> (end_ - begin_);
    if ((len == 1 && begin_[0] == '*')
        || (len == 2 && begin_[0] == '-' && begin_[1] == '1')) {
        *value_ = VMADDR_CID_ANY; // == VMADDR_PORT_ANY
        return true;
    }
    if (len == 0)
        return false;
    unsigned long long value = 0;
    for (const char *p = begin_; p != end_; ++p) {
        if (*p < '0' || *p > '9')
            return false;
        value = value * 10 + static_cast<unsigned> (*p - '0');
        if (value > 0xffffffffULL)
            return false;
    }
    *value_ = static_cast<unsigned int> (value);
    return true;
}
}

int zmq::vsock_parse_endpoint (const char *path_,
                               unsigned int *cid_,
                               unsigned int *port_,
                               bool *local_)
{
    *local_ = false;
    const char *colon = path_ ? strrchr (path_, ':') : NULL;
    if (!colon) {
        errno = EINVAL;
        return -1;
    }
    const char *end = colon + strlen (colon);

    unsigned int port;
    if (!parse_field (colon + 1, end, &port)) {
        errno = EINVAL;
        return -1;
    }
    //  A port written out as 4294967295 would silently mean "any port".
    if (port == VMADDR_PORT_ANY && colon[1] != '*' && colon[1] != '-') {
        errno = EINVAL;
        return -1;
    }

    unsigned int cid = VMADDR_CID_ANY;
    if (colon - path_ == 1 && path_[0] == '@')
        *local_ = true;
    else if (!parse_field (path_, colon, &cid)) {
        errno = EINVAL;
        return -1;
    }

    *cid_ = cid;
    *port_ = port;
    return 0;
}

zmq::vsock_address_t::vsock_address_t (vsock_scheme_t scheme_,
                                       ctx_t *parent_) :
    _scheme (scheme_), _parent (parent_)
{
    memset (&_address, 0, sizeof _address);
}

zmq::vsock_address_t::vsock_address_t (vsock_scheme_t scheme_,
                                       const sockaddr *sa_,
                                       socklen_t sa_len_,
                                       ctx_t *parent_) :
    _scheme (scheme_), _parent (parent_)
{
    memset (&_address, 0, sizeof _address);
    if (sa_ && sa_len_ >= static_cast<socklen_t> (sizeof _address)
        && sa_->sa_family == family ())
        memcpy (&_address, sa_, sizeof _address);
}

zmq::vsock_address_t::~vsock_address_t ()
{
}

int zmq::vsock_address_t::resolve (const char *path_)
{
    unsigned int cid;
    unsigned int port;
    bool local;
    if (vsock_parse_endpoint (path_, &cid, &port, &local) != 0)
        return -1;

    if (local) {
        if (_scheme == vsock_scheme_vsock)
            cid = VMADDR_CID_LOCAL;
        else {
            cid = VMCISock_GetLocalCID ();
            if (cid == VMADDR_CID_ANY) {
                errno = ENODEV;
                return -1;
            }
        }
    }

    const int fam = family ();
    if (fam == -1) {
        errno = EAFNOSUPPORT;
        return -1;
    }

    memset (&_address, 0, sizeof _address);
    _address.svm_family = static_cast<sa_family_t> (fam);
    _address.svm_cid = cid;
    _address.svm_port = port;
    return 0;
}

int zmq::vsock_address_t::to_string (std::string &addr_) const
{
    if (_address.svm_family == 0
        || _address.svm_family != static_cast<sa_family_t> (family ())) {
        addr_.clear ();
        return -1;
    }

    std::stringstream s;
    s << vsock_scheme_name (_scheme) << "://";
    if (_address.svm_cid == VMADDR_CID_ANY)
        s << "*";
    else
        s << _address.svm_cid;
    s << ":";
    if (_address.svm_port == VMADDR_PORT_ANY)
        s << "*";
    else
        s << _address.svm_port;
    addr_ = s.str ();
    return 0;
}

int zmq::vsock_address_t::family () const
{
    if (_scheme == vsock_scheme_vsock)
        return AF_VSOCK;
    return _parent ? _parent->get_vmci_socket_family () : -1;
}

const sockaddr *zmq::vsock_address_t::addr () const
{
    return reinterpret_cast<const sockaddr *> (&_address);
}

socklen_t zmq::vsock_address_t::addrlen () const
{
    return static_cast<socklen_t> (sizeof _address);
}


//  Declared in zmq_vsock.h, which says what it returns.
int zmq_vsock_parse_endpoint (const char *path_,
                                         unsigned int *cid_,
                                         unsigned int *port_,
                                         int *local_)
{
    bool local = false;
    const int rc = zmq::vsock_parse_endpoint (path_, cid_, port_, &local);
    if (rc == 0)
        *local_ = local ? 1 : 0;
    return rc;
}

#endif
