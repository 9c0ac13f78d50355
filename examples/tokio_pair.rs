//! Async ZeroMQ over vsock:// and vmci:// with tokio, through tmq (rust-zmq's tokio wrapper,
//! which depends on `zmq` 0.10 and so gets our transports from the same [patch.crates-io]
//! line). A PULL socket binds a port the kernel picks on every CID, a PUSH socket connects to
//! it over VMADDR_CID_LOCAL (1), and numbered messages flow between two tokio tasks.
//!
//! Connecting to CID 1 needs the kernel's vsock loopback: run it in the test VM with
//! `cargo vm-run --example tokio_pair`. Between a guest and its host, connect to CID 2.

use futures::{SinkExt, StreamExt};
use tmq::AsZmqSocket;

/// How many messages each scheme carries.
pub const MESSAGES: usize = 100;

/// Sends [`MESSAGES`] numbered messages PUSH -> PULL over `scheme` ("vsock" or "vmci") and
/// returns the endpoint used once every message arrived, in order.
pub async fn exchange(scheme: &str) -> anyhow::Result<String> {
    let ctx = zmq::Context::new();
    let mut pull = tmq::pull(&ctx).bind(&format!("{scheme}://*:*"))?;
    let bound = pull.get_socket().get_last_endpoint()?.map_err(|_| anyhow::anyhow!("endpoint is not UTF-8"))?;
    // The port the kernel picked, on the loopback CID.
    let port = bound.rsplit_once(':').map(|(_, port)| port).unwrap_or_default();
    let endpoint = format!("{scheme}://1:{port}");
    // The vsock safety rule: on the project's machines only the test VM may connect.
    zmq_vsock_testkit::guard_connect_endpoint(&endpoint).map_err(anyhow::Error::msg)?;
    let mut push = tmq::push(&ctx).connect(&endpoint)?;

    let sender = tokio::spawn(async move {
        for i in 0..MESSAGES {
            push.send(vec![format!("message {i}").into_bytes()]).await?;
        }
        anyhow::Ok(push)
    });
    for i in 0..MESSAGES {
        let received = tokio::time::timeout(std::time::Duration::from_secs(20), pull.next())
            .await
            .map_err(|_| anyhow::anyhow!("{endpoint}: message {i} did not arrive within 20 s"))?
            .ok_or_else(|| anyhow::anyhow!("{endpoint}: the stream ended"))??;
        let text = received.iter().next().and_then(|frame| frame.as_str()).unwrap_or_default();
        anyhow::ensure!(text == format!("message {i}"), "{endpoint}: got {text:?} for message {i}");
    }
    // Kept until every message arrived: dropping it earlier could discard queued ones.
    drop(sender.await??);
    Ok(endpoint)
}

#[allow(dead_code)] // tests/tokio_pair.rs includes this file for `exchange` only
#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    for scheme in ["vsock", "vmci"] {
        let endpoint = exchange(scheme).await?;
        println!("tokio_pair: {MESSAGES} messages PUSH -> PULL over {endpoint}, in order");
    }
    Ok(())
}
