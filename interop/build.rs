//! Compiles c/peer.c into an executable the way a C project would: with the
//! flags of the libzmq.pc file that zmq-sys writes (found through its links
//! metadata, DEP_ZMQ_PKGCONFIG). The executable is embedded in the Rust
//! binaries (see src/lib.rs), so it reaches the test VM with them.

use std::env;
use std::path::PathBuf;
use std::process::Command;

fn main() {
    let pkgconfig_dir = env::var("DEP_ZMQ_PKGCONFIG").expect("zmq-sys did not publish DEP_ZMQ_PKGCONFIG");
    let out_dir = PathBuf::from(env::var("OUT_DIR").unwrap());
    println!("cargo:rerun-if-changed=c/peer.c");
    println!("cargo:rerun-if-env-changed=DEP_ZMQ_PKGCONFIG");

    env::set_var("PKG_CONFIG_PATH", &pkgconfig_dir);
    let libzmq = pkg_config::Config::new()
        .statik(true)
        .cargo_metadata(false)
        .env_metadata(false)
        .probe("libzmq")
        .unwrap_or_else(|e| panic!("pkg-config could not use {pkgconfig_dir}/libzmq.pc: {e}"));
    assert_eq!(libzmq.version, "4.3.5", "libzmq.pc names another libzmq");

    let compiler = cc::Build::new().cargo_metadata(false).get_compiler();
    let mut command: Command = compiler.to_command();
    command.arg("c/peer.c").arg("-o").arg(out_dir.join("c_peer")).arg("-Wall").arg("-Werror");
    for dir in &libzmq.include_paths {
        command.arg(format!("-I{}", dir.display()));
    }
    for (name, value) in &libzmq.defines {
        command.arg(match value {
            Some(v) => format!("-D{name}={v}"),
            None => format!("-D{name}"),
        });
    }
    for dir in &libzmq.link_paths {
        command.arg(format!("-L{}", dir.display()));
    }
    for lib in &libzmq.libs {
        command.arg(format!("-l{lib}"));
    }
    let status = command.status().expect("run the C compiler");
    assert!(status.success(), "compiling c/peer.c failed: {command:?}");
}
