//! With the `bindgen` feature: regenerates the Rust bindings from the headers
//! we compile (zmq.h, zmq_utils.h, our zmq_vsock.h and the one function of
//! vmci_sockets.h that Rust calls) into OUT_DIR/ffi.rs. `tests/bindings_fresh.rs` compares that
//! with the committed src/ffi.rs, and rewrites it with `BLESS=1`.

use std::path::Path;

pub fn generate(tree: &Path, our_vmci_include: &Path, out_dir: &Path) -> Result<(), String> {
    let wrapper = out_dir.join("bindings_wrapper.h");
    std::fs::write(
        &wrapper,
        "#include <zmq.h>\n#include <zmq_utils.h>\n#include <zmq_vsock.h>\n#include <vmci_sockets.h>\n",
    )
    .map_err(|e| e.to_string())?;
    let bindings = bindgen::Builder::default()
        .header(wrapper.display().to_string())
        .clang_arg(format!("-I{}", tree.join("include").display()))
        // Always our vmci_sockets.h: the committed bindings must not depend
        // on whether a VMware header was used for the C build.
        .clang_arg(format!("-I{}", our_vmci_include.display()))
        .allowlist_function("zmq_.*")
        .allowlist_type("zmq_.*")
        .allowlist_var("ZMQ_.*")
        .allowlist_function("VMCISock_GetLocalCID")
        // Same shapes as crates.io's zmq-sys 0.12, which `zmq` 0.10 expects.
        .layout_tests(false)
        .derive_default(true)
        .generate_comments(false)
        .generate()
        .map_err(|e| format!("bindgen failed on {}: {e}", wrapper.display()))?;
    bindings
        .write_to_file(out_dir.join("ffi.rs"))
        .map_err(|e| format!("cannot write the bindings: {e}"))
}
