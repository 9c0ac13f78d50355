//! tmq (tokio) sockets exchange messages over vsock:// and vmci:// in the test VM: the
//! `tokio_pair` example's exchange, asserted (`cargo vm-test --test tokio_pair`).

#[path = "../examples/tokio_pair.rs"]
mod example;

#[tokio::test]
async fn tmq_push_pull_over_vsock_and_vmci() {
    zmq_vsock_testkit::require_data_path!();
    for scheme in ["vsock", "vmci"] {
        let endpoint = example::exchange(scheme).await.unwrap();
        assert!(endpoint.starts_with(&format!("{scheme}://1:")), "{endpoint}");
    }
}
