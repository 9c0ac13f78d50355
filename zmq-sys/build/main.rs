//! Build script of our zmq-sys: compiles libzmq 4.3.5 with native vsock://
//! and vmci:// transports, exactly once, from the pristine tree that the
//! `zeromq-src` crate ships plus our overlay in libzmq/, inside this package.
//!
//! Steps, one module each: read settings (env_vars), find the pristine tree
//! (locate), lay out pristine + overlay + hooks in OUT_DIR (overlay, hooks),
//! compile (compile), publish headers and links metadata (metadata), and with
//! the `bindgen` feature regenerate the Rust bindings (bindings). The `curve`
//! feature adds libsodium, found through pkg-config (curve).

mod compile;
#[cfg(feature = "curve")]
mod curve;
mod env_vars;
mod hooks;
mod locate;
mod metadata;
mod overlay;
#[cfg(feature = "bindgen")]
mod bindings;

use std::path::{Path, PathBuf};
use std::process::exit;

/// Path of VMware's `vmci_sockets.h`, to use instead of ours.
const VMWARE_HEADER_VAR: &str = "ZMQ_VSOCK_VMCI_SOCKETS_H";

fn main() {
    if let Err(message) = run() {
        // One readable message instead of a panic's backtrace hint.
        eprintln!("\nerror: zmq-sys (vsock) build failed:\n{message}\n");
        exit(1);
    }
}

fn run() -> Result<(), String> {
    let target_os = env_vars::cargo("CARGO_CFG_TARGET_OS");
    if target_os != "linux" {
        return Err(format!(
            "this zmq-sys builds libzmq with the vsock and vmci transports, which use Linux's \
             AF_VSOCK; the target OS is {target_os:?}. Build for a Linux target, or use \
             crates.io's zmq-sys (remove the [patch.crates-io] line for zmq-sys)."
        ));
    }
    let manifest_dir = PathBuf::from(env_vars::cargo("CARGO_MANIFEST_DIR"));
    let out_dir = PathBuf::from(env_vars::cargo("OUT_DIR"));
    let overlay_dir = manifest_dir.join("libzmq");

    // Watch exactly what we read: our build code, our overlay, the settings
    // (env_vars prints those). The pristine tree is watched when it comes
    // from the override; a zeromq-src update rebuilds this script anyway.
    println!("cargo:rerun-if-changed=build");
    println!("cargo:rerun-if-changed={}", overlay_dir.display());

    let tree = locate::locate()?;
    if tree.found_by == locate::OVERRIDE_VAR {
        for part in ["include", "src", "external/sha1"] {
            println!("cargo:rerun-if-changed={}", tree.root.join(part).display());
        }
    }

    let header = vmci_header(&overlay_dir)?;
    // Before compiling: a missing libsodium stops the build at once.
    #[cfg(feature = "curve")]
    let sodium = curve::probe()?;
    #[allow(unused_mut)]
    let mut extra = compile::Extra::default();
    #[cfg(feature = "curve")]
    {
        extra.defines.extend(curve::DEFINES);
        extra.include_paths.extend(sodium.include_paths.iter().cloned());
    }
    let overlaid = overlay::lay_out(&tree.root, &overlay_dir, &out_dir)?;
    let compiled = compile::compile(&overlaid.root, &header, &extra, &out_dir)?;
    #[cfg(feature = "curve")]
    sodium.link(&compiled.lib_dir)?;
    metadata::publish(&overlaid.root, &compiled.lib_dir, &out_dir)?;
    #[cfg(feature = "curve")]
    sodium.amend_pkgconfig(&[
        compiled.lib_dir.join("pkgconfig/libzmq.pc"),
        out_dir.join("libzmq.pc"),
    ])?;
    // Last, so that the sanitizer runtimes come first (ZMQ_VSOCK_SANITIZE).
    compile::sanitizer_pkgconfig(&[compiled.lib_dir.join("pkgconfig/libzmq.pc"), out_dir.join("libzmq.pc")])?;

    #[cfg(feature = "bindgen")]
    bindings::generate(&overlaid.root, &overlay_dir.join("include"), &out_dir)?;

    Ok(())
}

fn vmci_header(overlay_dir: &Path) -> Result<compile::VmciHeader, String> {
    let Some(path) = env_vars::get(VMWARE_HEADER_VAR) else {
        return Ok(compile::VmciHeader::Ours(overlay_dir.join("include")));
    };
    let path = PathBuf::from(path);
    let is_header = path.file_name().is_some_and(|n| n == "vmci_sockets.h") && path.is_file();
    if !is_header {
        return Err(format!(
            "{VMWARE_HEADER_VAR}={} is not a file named vmci_sockets.h.\n\
             Set it to the path of VMware's vmci_sockets.h, or unset it (or set it to 0) \
             to use the AF_VSOCK implementation that ships with this crate.",
            path.display()
        ));
    }
    println!("cargo:rerun-if-changed={}", path.display());
    Ok(compile::VmciHeader::VMware(path.parent().unwrap_or(Path::new(".")).to_path_buf()))
}
