//! The C peer (c/peer.c), compiled by build.rs against the headers and the
//! libzmq.a that zmq-sys exposes, carried inside the Rust binary so that it
//! reaches the test VM with it.

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

/// The peer executable's bytes.
const C_PEER: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/c_peer"));

/// Writes the C peer to a fresh temporary file and returns its path.
pub fn install_c_peer() -> std::io::Result<PathBuf> {
    let path = std::env::temp_dir().join(format!("zmq-vsock-c-peer-{}-{}", std::process::id(), unique()));
    let mut file = std::fs::File::create(&path)?;
    file.write_all(C_PEER)?;
    file.set_permissions(std::fs::Permissions::from_mode(0o755))?;
    Ok(path)
}

fn unique() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// Starts `c_peer MODE ENDPOINT COUNT` with its output piped.
pub fn spawn_c_peer(mode: &str, endpoint: &str, count: u32) -> std::io::Result<(Child, PathBuf)> {
    let path = install_c_peer()?;
    let child = Command::new(&path)
        .args([mode, endpoint, &count.to_string()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    Ok((child, path))
}
