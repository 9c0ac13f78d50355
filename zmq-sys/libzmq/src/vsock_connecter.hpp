//  Connecter of the vsock:// and vmci:// transports.

#ifndef __ZMQ_VSOCK_CONNECTER_HPP_INCLUDED__
#define __ZMQ_VSOCK_CONNECTER_HPP_INCLUDED__

#include "platform.hpp"

#if defined ZMQ_HAVE_VSOCK

#include <string>

#include "fd.hpp"
#include "stream_connecter_base.hpp"
#include "vsock_address.hpp"

namespace zmq
{
class vsock_connecter_t : public stream_connecter_base_t
{
  public:
    vsock_connecter_t (zmq::io_thread_t *io_thread_,
                       zmq::session_base_t *session_,
                       const options_t &options_,
                       address_t *addr_,
                       bool delayed_start_,
                       vsock_scheme_t scheme_);
    ~vsock_connecter_t () ZMQ_OVERRIDE;

  protected:
    std::string get_socket_name (fd_t fd_, socket_end_t socket_end_) const;

  private:
    //  ZMQ_CONNECT_TIMEOUT's timer; stream_connecter_base_t uses id 1.
    enum
    {
        connect_timer_id = 2
    };

    void process_term (int linger_) ZMQ_OVERRIDE;
    void in_event () ZMQ_OVERRIDE;
    void out_event () ZMQ_OVERRIDE;
    void timer_event (int id_) ZMQ_OVERRIDE;
    void start_connecting () ZMQ_OVERRIDE;

    //  Opens _s and starts a non-blocking connect. 0: connected at once;
    //  -1 with EINPROGRESS: in progress; -1 otherwise: failed (errno set).
    int open ();

    //  The connected socket once the connect finished, or retired_fd with
    //  errno set to why it failed.
    fd_t connect ();

    //  The address _addr keeps for this scheme: a new, unresolved one;
    //  or none (to_string then prints the endpoint as given).
    vsock_address_t *renew_resolved_address ();
    void forget_resolved_address ();

    const vsock_scheme_t _scheme;
    bool _connect_timer_started;

    ZMQ_NON_COPYABLE_NOR_MOVABLE (vsock_connecter_t)
};
}

#endif

#endif
