//! Lays out the tree we compile in OUT_DIR: the pristine libzmq sources, our
//! files from libzmq/ (in this package) over them, then the hooks.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use crate::hooks;

/// The header declaring what the overlay adds to libzmq's C API.
pub const EXPORTS_HEADER: &str = "zmq_vsock.h";

pub struct Overlaid {
    /// OUT_DIR/libzmq: `include/`, `src/`, `external/sha1/`.
    pub root: PathBuf,
}

pub fn lay_out(pristine: &Path, overlay: &Path, out_dir: &Path) -> Result<Overlaid, String> {
    let root = out_dir.join("libzmq");
    if root.exists() {
        fs::remove_dir_all(&root).map_err(|e| format!("cannot clear {}: {e}", root.display()))?;
    }
    for part in ["include", "src", "external/sha1"] {
        copy_dir(&pristine.join(part), &root.join(part))
            .map_err(|e| format!("cannot copy libzmq's {part}/ into {}: {e}", root.display()))?;
    }
    copy_dir(&overlay.join("src"), &root.join("src"))
        .map_err(|e| format!("cannot lay {} over libzmq: {e}", overlay.join("src").display()))?;
    // Beside zmq.h, so that it is published with it. Only this header:
    // vmci_sockets.h comes from an include path of its own (ours or VMware's).
    fs::copy(overlay.join("include").join(EXPORTS_HEADER), root.join("include").join(EXPORTS_HEADER))
        .map_err(|e| format!("cannot copy {EXPORTS_HEADER} into {}: {e}", root.display()))?;
    hooks::apply_dir(&overlay.join("hooks"), &root.join("src"))?;
    Ok(Overlaid { root })
}

/// Copies the files of `from` (not recursing: the parts we copy are flat)
/// into `to`, replacing files of the same name.
fn copy_dir(from: &Path, to: &Path) -> io::Result<()> {
    fs::create_dir_all(to)?;
    for entry in fs::read_dir(from)? {
        let entry = entry?;
        if entry.file_type()?.is_file() {
            fs::copy(entry.path(), to.join(entry.file_name()))?;
        }
    }
    Ok(())
}
