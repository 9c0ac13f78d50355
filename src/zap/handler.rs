//! [`ZapHandler`]: answers libzmq's ZAP requests on a background thread.

use std::fmt;
use std::io;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread::JoinHandle;

use super::protocol::parse_request;
use super::{CidPolicy, ZAP_ENDPOINT, ZapReply, ZapRequest, ZapStatus};
use crate::error::{Error, Result};

/// What decides: a policy or the user's function.
type Authenticator = Box<dyn FnMut(&ZapRequest) -> ZapReply + Send + 'static>;

/// A ZAP handler for one context, answering on a background thread; stops when dropped.
///
/// See the [module documentation](crate::zap) for what ZAP covers: sockets using the NULL
/// mechanism consult it only when they set a ZAP domain.
///
/// ```
/// use zmq_vsock::zap::{CidPolicy, ZapHandler};
///
/// let ctx = zmq::Context::new();
/// let handler = ZapHandler::start(&ctx, CidPolicy::allow([3]))?;
/// // One handler per context.
/// assert!(ZapHandler::start(&ctx, CidPolicy::allow([4])).is_err());
/// handler.stop()?;
/// // Stopped (or dropped), it makes room for another.
/// let _handler = ZapHandler::start(&ctx, CidPolicy::allow([4]))?;
/// # Ok::<(), zmq_vsock::Error>(())
/// ```
pub struct ZapHandler {
    /// Tells the thread to stop (a PAIR connected to the thread's).
    stop: Option<zmq::Socket>,
    thread: Option<JoinHandle<Result<()>>>,
}

impl fmt::Debug for ZapHandler {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ZapHandler")
            .field("running", &self.thread.is_some())
            .finish()
    }
}

static STOP_ENDPOINT_ID: AtomicU64 = AtomicU64::new(0);

impl ZapHandler {
    /// Binds [`ZAP_ENDPOINT`] on `ctx` and answers every request with `policy`
    /// ([`CidPolicy::reply`]). Fails when the context already has a ZAP handler (`EADDRINUSE`).
    ///
    /// ```no_run
    /// use zmq_vsock::zap::{CidPolicy, ZapHandler};
    ///
    /// let ctx = zmq::Context::new();
    /// // Everyone but the host.
    /// let _zap = ZapHandler::start(&ctx, CidPolicy::deny([zmq_vsock::VMADDR_CID_HOST]))?;
    /// let server = ctx.socket(zmq::REP)?;
    /// server.set_zap_domain("agents")?;
    /// server.bind("vsock://*:5555")?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn start(ctx: &zmq::Context, policy: CidPolicy) -> Result<ZapHandler> {
        ZapHandler::with_authenticator(ctx, move |request: &ZapRequest| policy.reply(request))
    }

    /// Like [`start`](Self::start) with your function deciding. It runs on the handler's
    /// thread, one request at a time. If it panics, that request gets status 500 (refused) and
    /// the handler keeps answering.
    ///
    /// ```no_run
    /// use std::sync::mpsc;
    /// use zmq_vsock::zap::{CidPolicy, ZapHandler, ZapReply, ZapRequest};
    ///
    /// let ctx = zmq::Context::new();
    /// let policy = CidPolicy::allow([3, 4]);
    /// let (log, requests) = mpsc::channel::<ZapRequest>();
    /// let _zap = ZapHandler::with_authenticator(&ctx, move |request: &ZapRequest| {
    ///     let _ = log.send(request.clone());
    ///     match request.cid() {
    ///         Some(cid) if policy.permits(cid) => {
    ///             ZapReply::allow(format!("guest-{cid}")).with_metadata("X-Cid", cid.to_string())
    ///         }
    ///         _ => ZapReply::deny("unknown guest"),
    ///     }
    /// })?;
    /// # Ok::<(), zmq_vsock::Error>(())
    /// ```
    pub fn with_authenticator<F>(ctx: &zmq::Context, authenticator: F) -> Result<ZapHandler>
    where
        F: FnMut(&ZapRequest) -> ZapReply + Send + 'static,
    {
        let zmq_err = |operation: &str| {
            let operation = operation.to_string();
            move |error| Error::Zmq { operation, error }
        };
        let handler = ctx
            .socket(zmq::REP)
            .map_err(zmq_err("creating the ZAP handler's socket"))?;
        handler
            .set_linger(0)
            .map_err(zmq_err("setting ZMQ_LINGER of the ZAP handler's socket"))?;
        handler.bind(ZAP_ENDPOINT).map_err(zmq_err(&format!(
            "binding the ZAP handler to {ZAP_ENDPOINT}"
        )))?;

        let stop_endpoint = format!(
            "inproc://zmq-vsock.zap-stop.{}.{}",
            std::process::id(),
            STOP_ENDPOINT_ID.fetch_add(1, Ordering::Relaxed)
        );
        let stop = ctx
            .socket(zmq::PAIR)
            .map_err(zmq_err("creating the ZAP handler's stop socket"))?;
        stop.set_linger(0).map_err(zmq_err(
            "setting ZMQ_LINGER of the ZAP handler's stop socket",
        ))?;
        stop.bind(&stop_endpoint)
            .map_err(zmq_err(&format!("binding {stop_endpoint}")))?;
        let stopped = ctx
            .socket(zmq::PAIR)
            .map_err(zmq_err("creating the ZAP handler's stop socket"))?;
        stopped.set_linger(0).map_err(zmq_err(
            "setting ZMQ_LINGER of the ZAP handler's stop socket",
        ))?;
        stopped
            .connect(&stop_endpoint)
            .map_err(zmq_err(&format!("connecting {stop_endpoint}")))?;

        let authenticator: Authenticator = Box::new(authenticator);
        let thread = std::thread::Builder::new()
            .name("zmq-vsock-zap".to_string())
            .spawn(move || serve(handler, stopped, authenticator))
            .map_err(|error| Error::Io {
                operation: "starting the ZAP handler's thread".into(),
                error,
            })?;
        Ok(ZapHandler {
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    /// Stops answering, unbinds [`ZAP_ENDPOINT`] and waits for the thread; dropping the
    /// handler does the same but cannot report an error. Connections that start handshaking
    /// afterwards are no longer checked (see the [module documentation](crate::zap)).
    ///
    /// ```
    /// let ctx = zmq::Context::new();
    /// let handler = zmq_vsock::zap::ZapHandler::start(&ctx, zmq_vsock::zap::CidPolicy::allow([]))?;
    /// handler.stop()?;
    /// # Ok::<(), zmq_vsock::Error>(())
    /// ```
    pub fn stop(mut self) -> Result<()> {
        self.shut_down()
    }

    fn shut_down(&mut self) -> Result<()> {
        if let Some(stop) = self.stop.take() {
            // Fails only when the thread is gone already; join says why.
            let _ = stop.send(&b""[..], zmq::DONTWAIT);
        }
        match self.thread.take() {
            Some(thread) => thread.join().unwrap_or_else(|_| {
                Err(Error::Io {
                    operation: "running the ZAP handler".into(),
                    error: io::Error::other("its thread panicked"),
                })
            }),
            None => Ok(()),
        }
    }
}

impl Drop for ZapHandler {
    fn drop(&mut self) {
        let _ = self.shut_down();
    }
}

/// The handler's thread: answers requests until told to stop or the context terminates.
fn serve(
    handler: zmq::Socket,
    stopped: zmq::Socket,
    mut authenticator: Authenticator,
) -> Result<()> {
    let failed = |operation: &str, error| Error::Zmq {
        operation: operation.to_string(),
        error,
    };
    loop {
        let mut items = [
            handler.as_poll_item(zmq::POLLIN),
            stopped.as_poll_item(zmq::POLLIN),
        ];
        match zmq::poll(&mut items, -1) {
            Ok(_) => {}
            Err(zmq::Error::EINTR) => continue,
            Err(zmq::Error::ETERM) => return Ok(()),
            Err(e) => return Err(failed("polling the ZAP handler's sockets", e)),
        }
        if items[1].is_readable() {
            break;
        }
        if !items[0].is_readable() {
            continue;
        }
        let frames = match handler.recv_multipart(zmq::DONTWAIT) {
            Ok(frames) => frames,
            Err(zmq::Error::EAGAIN) | Err(zmq::Error::EINTR) => continue,
            Err(zmq::Error::ETERM) => return Ok(()),
            Err(e) => return Err(failed("receiving a ZAP request", e)),
        };
        let reply = answer(frames, &mut authenticator);
        match handler.send_multipart(reply, 0) {
            Ok(()) => {}
            Err(zmq::Error::ETERM) => return Ok(()),
            Err(e) => return Err(failed("sending a ZAP reply", e)),
        }
    }
    // At once, so that a new handler can bind; closing the socket would free the endpoint
    // only when libzmq's reaper gets to it.
    handler
        .unbind(ZAP_ENDPOINT)
        .map_err(|e| failed("unbinding the ZAP handler", e))
}

/// The reply frames for one request's frames.
fn answer(frames: Vec<Vec<u8>>, authenticator: &mut Authenticator) -> Vec<Vec<u8>> {
    let request_id = frames.get(1).cloned().unwrap_or_default();
    let internal = |text: String| ZapReply {
        status: ZapStatus::InternalError,
        status_text: text,
        user_id: String::new(),
        metadata: Vec::new(),
    };
    let reply = match parse_request(frames) {
        Err(why) => internal(why),
        Ok(request) => match catch_unwind(AssertUnwindSafe(|| authenticator(&request))) {
            Ok(reply) => reply,
            Err(_) => internal("the authenticator panicked".to_string()),
        },
    };
    reply.frames(&request_id).unwrap_or_else(|why| {
        internal(format!("invalid reply: {why}"))
            .frames(&request_id)
            .expect("a reply without metadata always encodes")
    })
}

#[cfg(test)]
mod tests {
    use super::super::protocol::request_frames;
    use super::*;

    fn policy_authenticator(policy: CidPolicy) -> Authenticator {
        Box::new(move |r: &ZapRequest| policy.reply(r))
    }

    #[test]
    fn reply_frames_follow_rfc_27() {
        let mut auth = policy_authenticator(CidPolicy::allow([1]));
        let frames = answer(request_frames("1", "NULL", &[]), &mut auth);
        assert_eq!(
            frames,
            [&b"1.0"[..], b"1", b"200", b"OK", b"1", b""].map(|f| f.to_vec())
        );
        let frames = answer(request_frames("2", "NULL", &[]), &mut auth);
        assert_eq!(frames.len(), 6);
        assert_eq!(frames[2], b"400");
        assert_eq!(frames[4], b"");
    }

    #[test]
    fn bad_metadata_becomes_status_500() {
        let mut auth: Authenticator =
            Box::new(|_: &ZapRequest| ZapReply::allow("u").with_metadata("", "x"));
        let frames = answer(request_frames("1", "NULL", &[]), &mut auth);
        assert_eq!(frames[2], b"500");
        assert_eq!(frames[5], b"");
        let long_name = "X".repeat(256);
        let mut auth: Authenticator = Box::new(move |_: &ZapRequest| {
            ZapReply::allow("u").with_metadata(long_name.clone(), "x")
        });
        assert_eq!(
            answer(request_frames("1", "NULL", &[]), &mut auth)[2],
            b"500"
        );
    }

    #[test]
    fn malformed_requests_get_status_500() {
        let mut auth = policy_authenticator(CidPolicy::deny([]));
        let short = answer(vec![b"1.0".to_vec(), b"9".to_vec()], &mut auth);
        assert_eq!(
            short[..3],
            [b"1.0".to_vec(), b"9".to_vec(), b"500".to_vec()]
        );
        let mut frames = request_frames("1", "NULL", &[]);
        frames[0] = b"2.0".to_vec();
        assert_eq!(answer(frames, &mut auth)[2], b"500");
        assert_eq!(
            answer(Vec::new(), &mut auth)[..3],
            [b"1.0".to_vec(), Vec::new(), b"500".to_vec()]
        );
    }

    #[test]
    fn a_panicking_authenticator_refuses_and_keeps_going() {
        let mut calls = 0;
        let mut auth: Authenticator = Box::new(move |_: &ZapRequest| {
            calls += 1;
            if calls == 1 {
                panic!("boom");
            }
            ZapReply::allow("ok")
        });
        // The panic's message shows in this test's captured output.
        let first = answer(request_frames("1", "NULL", &[]), &mut auth);
        assert_eq!(first[2], b"500");
        assert_eq!(
            answer(request_frames("1", "NULL", &[]), &mut auth)[2],
            b"200"
        );
    }

    /// The handler over inproc, with a REQ standing in for libzmq's ZAP client.
    #[test]
    fn the_handler_answers_over_inproc_and_stops() {
        let ctx = zmq::Context::new();
        let handler = ZapHandler::start(&ctx, CidPolicy::allow([1])).unwrap();
        let client = ctx.socket(zmq::REQ).unwrap();
        client.set_rcvtimeo(10_000).unwrap();
        client.set_linger(0).unwrap();
        client.connect(ZAP_ENDPOINT).unwrap();
        for (address, status) in [("1", "200"), ("2", "400"), ("x", "400")] {
            client
                .send_multipart(request_frames(address, "NULL", &[]), 0)
                .unwrap();
            let reply = client.recv_multipart(0).unwrap();
            assert_eq!(reply.len(), 6, "{address}");
            assert_eq!(reply[2], status.as_bytes(), "{address}");
        }
        assert!(matches!(
            ZapHandler::start(&ctx, CidPolicy::allow([1])),
            Err(Error::Zmq {
                error: zmq::Error::EADDRINUSE,
                ..
            })
        ));
        handler.stop().unwrap();
        // Freed at once: a new handler binds right away, and dropping it stops it too.
        for _ in 0..3 {
            drop(ZapHandler::start(&ctx, CidPolicy::deny([])).unwrap());
        }
    }
}
