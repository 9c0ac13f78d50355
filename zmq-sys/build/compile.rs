//! Compiles the overlaid libzmq tree into `libzmq.a` with `cc`.

use std::fs;
use std::path::{Path, PathBuf};

/// Where `<vmci_sockets.h>` comes from.
pub enum VmciHeader {
    /// Ours: zmq-sys/libzmq/include, implemented on AF_VSOCK.
    Ours(PathBuf),
    /// VMware's, from `ZMQ_VSOCK_VMCI_SOCKETS_H` (the directory holding it).
    VMware(PathBuf),
}

/// libzmq's own sources that this build leaves out.
fn left_out(name: &str, header: &VmciHeader) -> bool {
    match name {
        // Need GnuTLS (wss://), which stock zmq-sys does not build either.
        "wss_address.cpp" | "wss_engine.cpp" => true,
        // libzmq's VMCI classes; our vmci_*.hpp make them wrappers of the
        // vsock ones, which fix its faults (see libzmq/README.md).
        "vmci.cpp" | "vmci_address.cpp" | "vmci_connecter.cpp" | "vmci_listener.cpp" => true,
        // Exactly one of these provides VMCISock_GetLocalCID.
        "vmci_sockets_linux.cpp" => matches!(header, VmciHeader::VMware(_)),
        "vmci_vmware_export.cpp" => matches!(header, VmciHeader::Ours(_)),
        _ => false,
    }
}

/// Defines of a Linux build of libzmq 4.3.5 (what its CMake configure finds
/// on glibc/musl Linux), with the transports stock zmq-sys has (ipc, ws,
/// tcp, udp, inproc; no gssapi, tipc, pgm, norm, draft; curve only with the
/// `curve` feature, see [`Extra`]) plus ours.
const LINUX_DEFINES: &[&str] = &[
    "ZMQ_HAVE_LINUX",
    "ZMQ_STATIC",
    "ZMQ_USE_CV_IMPL_STL11",
    "ZMQ_IOTHREAD_POLLER_USE_EPOLL",
    "ZMQ_IOTHREAD_POLLER_USE_EPOLL_CLOEXEC",
    "ZMQ_POLL_BASED_ON_POLL",
    "ZMQ_HAVE_PPOLL",
    "ZMQ_HAVE_UIO",
    "ZMQ_HAVE_EVENTFD",
    "ZMQ_HAVE_EVENTFD_CLOEXEC",
    "ZMQ_HAVE_IFADDRS",
    "ZMQ_HAVE_SO_BINDTODEVICE",
    "ZMQ_HAVE_SO_PEERCRED",
    "ZMQ_HAVE_O_CLOEXEC",
    "ZMQ_HAVE_SOCK_CLOEXEC",
    "ZMQ_HAVE_SO_KEEPALIVE",
    "ZMQ_HAVE_TCP_KEEPCNT",
    "ZMQ_HAVE_TCP_KEEPIDLE",
    "ZMQ_HAVE_TCP_KEEPINTVL",
    "ZMQ_HAVE_PTHREAD_SETNAME_2",
    "ZMQ_HAVE_PTHREAD_SET_AFFINITY",
    "ZMQ_HAVE_NOEXCEPT",
    "HAVE_POSIX_MEMALIGN",
    // With posix_memalign, libzmq aligns its queues to this (CMake's value
    // for x86-64 and aarch64).
    "ZMQ_CACHELINE_SIZE=64",
    "HAVE_FORK",
    "HAVE_CLOCK_GETTIME",
    "HAVE_MKDTEMP",
    "HAVE_ACCEPT4",
    "HAVE_STRNLEN",
    "HAVE_IF_NAMETOINDEX",
    "ZMQ_HAVE_IPC",
    "ZMQ_HAVE_STRUCT_SOCKADDR_UN",
    "ZMQ_USE_BUILTIN_SHA1",
    "ZMQ_HAVE_WS",
    // Ours.
    "ZMQ_HAVE_VMCI",
    "ZMQ_HAVE_VSOCK",
    // hybrid vsock (hvsock://): a VMM's unix sockets, no AF_VSOCK.
    "ZMQ_HAVE_HVSOCK",
];

/// What optional features add to the compile: the `curve` feature's
/// defines and libsodium's include directories (build/curve.rs).
#[derive(Default)]
pub struct Extra {
    pub defines: Vec<&'static str>,
    pub include_paths: Vec<PathBuf>,
}

pub struct Compiled {
    pub lib_dir: PathBuf,
}

pub fn compile(tree: &Path, header: &VmciHeader, extra: &Extra, out_dir: &Path) -> Result<Compiled, String> {
    // libzmq includes "platform.hpp", which CMake would generate; every
    // setting is passed as a define instead, so it is empty.
    let platform_dir = out_dir.join("platform");
    fs::create_dir_all(&platform_dir).map_err(|e| e.to_string())?;
    fs::write(platform_dir.join("platform.hpp"), "// Settings come from the compiler's -D flags.\n")
        .map_err(|e| e.to_string())?;
    let vmci_include = match header {
        VmciHeader::Ours(dir) | VmciHeader::VMware(dir) => dir.clone(),
    };

    let mut sources: Vec<PathBuf> = fs::read_dir(tree.join("src"))
        .map_err(|e| e.to_string())?
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            name.ends_with(".cpp") && !left_out(name, header)
        })
        .collect();
    // Sorted: the archive's member order must not depend on the file system.
    sources.sort();

    let lib_dir = out_dir.join("lib");
    let sanitizers = sanitizers()?;
    let configure = |build: &mut cc::Build| {
        build
            .include(tree.join("include"))
            .include(tree.join("src"))
            .include(&platform_dir)
            .include(&vmci_include)
            .out_dir(&lib_dir)
            // libzmq's own code trips -Wextra in places; its warnings are
            // not ours to act on and would bury cargo's output.
            .warnings(false);
        for dir in &extra.include_paths {
            build.include(dir);
        }
        for define in LINUX_DEFINES.iter().chain(&extra.defines) {
            let (name, value) = define.split_once('=').unwrap_or((define, "1"));
            build.define(name, value);
        }
        if glibc_has_strlcpy(out_dir) {
            build.define("ZMQ_HAVE_STRLCPY", "1");
        }
        for flag in sanitizer_flags(&sanitizers) {
            build.flag(flag);
        }
    };

    // sha1 is C; compile it on its own and put its object in the same archive.
    let mut c_build = cc::Build::new();
    configure(&mut c_build);
    c_build.file(tree.join("external/sha1/sha1.c"));
    let c_objects = c_build.try_compile_intermediates().map_err(|e| e.to_string())?;

    let mut build = cc::Build::new();
    configure(&mut build);
    build.cpp(true).std("c++11").files(&sources).objects(c_objects);
    // Before try_compile, which prints rustc-link-lib=stdc++: see the function.
    link_sanitizer_runtimes(&build, &sanitizers)?;
    build.try_compile("zmq").map_err(|e| format!("compiling libzmq failed: {e}"))?;
    Ok(Compiled { lib_dir })
}

/// glibc 2.38 added strlcpy; libzmq then must not define its own.
fn glibc_has_strlcpy(out_dir: &Path) -> bool {
    let probe = out_dir.join("strlcpy_probe.c");
    let program = "#include <string.h>\nint main(void) { char d[4]; return (int) strlcpy(d, \"ab\", sizeof d) - 2; }\n";
    if fs::write(&probe, program).is_err() {
        return false;
    }
    let compiler = cc::Build::new().cargo_warnings(false).cargo_metadata(false).get_compiler();
    compiler
        .to_command()
        .arg("-Werror=implicit-function-declaration")
        .arg(&probe)
        .arg("-o")
        .arg(out_dir.join("strlcpy_probe"))
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

// ------------------------------------------------------------ sanitizers

/// `ZMQ_VSOCK_SANITIZE`: sanitizers to compile libzmq and our overlay with,
/// a comma-separated list of [`SANITIZERS`] (tools/sanitize-test sets
/// `address,undefined`). Unset, empty or `0`: a normal build.
pub const SANITIZE_VAR: &str = "ZMQ_VSOCK_SANITIZE";

/// The sanitizers a build may ask for, each with its GCC runtime library.
const SANITIZERS: &[(&str, &str)] = &[("address", "asan"), ("undefined", "ubsan")];

/// The sanitizers `ZMQ_VSOCK_SANITIZE` asks for, in [`SANITIZERS`] order
/// (empty when it is unset); an unknown name is a build error.
pub fn sanitizers() -> Result<Vec<&'static str>, String> {
    let Some(value) = crate::env_vars::get(SANITIZE_VAR) else {
        return Ok(Vec::new());
    };
    let known: Vec<&str> = SANITIZERS.iter().map(|(name, _)| *name).collect();
    let value = value.to_string_lossy().into_owned();
    let mut wanted = Vec::new();
    for part in value.split(',').map(str::trim) {
        match known.iter().find(|name| **name == part) {
            Some(name) => wanted.push(*name),
            None => {
                return Err(format!(
                    "{SANITIZE_VAR}={value:?}: unknown sanitizer {part:?}.\n\
                     Set it to a comma-separated list of {} (tools/sanitize-test uses \
                     address,undefined), or unset it (or set it to 0) for a normal build.",
                    known.join(", ")
                ))
            }
        }
    }
    Ok(known.into_iter().filter(|name| wanted.contains(name)).collect())
}

fn sanitizer_flags(sanitizers: &[&str]) -> Vec<String> {
    if sanitizers.is_empty() {
        return Vec::new();
    }
    let mut flags = vec![format!("-fsanitize={}", sanitizers.join(",")), "-fno-omit-frame-pointer".to_owned()];
    if sanitizers.contains(&"undefined") {
        // Stop at the first finding (a test fails) instead of printing it and
        // carrying on.
        flags.push("-fno-sanitize-recover=undefined".to_owned());
    }
    flags
}

/// Links the sanitizers' runtimes into every binary that links libzmq.a.
///
/// They are GCC's shared libasan and libubsan (a compiler without them, such
/// as clang, is a build error here). libasan replaces malloc and friends, so
/// it must be the first library a program loads, or it stops the program
/// ("ASan runtime does not come first in initial library list"). rustc passes
/// the libraries of its crates in the order the build scripts printed them,
/// after the Rust code and before std's (libc), and nothing before zmq-sys
/// prints a shared one: printed here, before cc prints `stdc++`, libasan is the
/// first DT_NEEDED entry of the test binaries. Also publishes the list as
/// links metadata (`DEP_ZMQ_SANITIZE`).
fn link_sanitizer_runtimes(build: &cc::Build, sanitizers: &[&str]) -> Result<(), String> {
    if sanitizers.is_empty() {
        return Ok(());
    }
    let compiler = build.get_compiler();
    for (name, lib) in SANITIZERS.iter().filter(|(name, _)| sanitizers.contains(name)) {
        let file = format!("lib{lib}.so");
        let output = compiler
            .to_command()
            .arg(format!("-print-file-name={file}"))
            .output()
            .map_err(|e| format!("cannot run {}: {e}", compiler.path().display()))?;
        let path = PathBuf::from(String::from_utf8_lossy(&output.stdout).trim());
        if !path.is_absolute() || !path.exists() {
            return Err(format!(
                "{SANITIZE_VAR}: the C++ compiler {} has no {file}, the runtime of \
                 -fsanitize={name}.\nThis build links GCC's shared sanitizer runtimes: build \
                 with GCC (CC/CXX unset, or gcc/g++) and install its runtimes \
                 (Debian: apt-get install gcc g++, which bring libasan8 and libubsan1).",
                compiler.path().display()
            ));
        }
        if let Some(dir) = path.parent() {
            println!("cargo:rustc-link-search=native={}", dir.display());
        }
        println!("cargo:rustc-link-lib=dylib={lib}");
    }
    println!("cargo:sanitize={}", sanitizers.join(","));
    Ok(())
}

/// With `ZMQ_VSOCK_SANITIZE` set, puts the sanitizer runtimes first in the
/// `Libs.private` line of `pc_files` (libzmq.pc), so that a C program linking
/// libzmq.a gets them, libasan first (see [`link_sanitizer_runtimes`]).
pub fn sanitizer_pkgconfig(pc_files: &[PathBuf]) -> Result<(), String> {
    let sanitizers = sanitizers()?;
    if sanitizers.is_empty() {
        return Ok(());
    }
    let libs: Vec<String> = SANITIZERS
        .iter()
        .filter(|(name, _)| sanitizers.contains(name))
        .map(|(_, lib)| format!("-l{lib}"))
        .collect();
    let libs = libs.join(" ");
    for pc in pc_files {
        let text = fs::read_to_string(pc).map_err(|e| format!("cannot read {}: {e}", pc.display()))?;
        let mut out = String::with_capacity(text.len() + libs.len() + 16);
        let mut done = false;
        for line in text.lines() {
            match line.strip_prefix("Libs.private:") {
                Some(rest) if !done => {
                    out.push_str(&format!("Libs.private: {libs} {}\n", rest.trim()));
                    done = true;
                }
                _ => {
                    out.push_str(line);
                    out.push('\n');
                }
            }
        }
        if !done {
            out.push_str(&format!("Libs.private: {libs}\n"));
        }
        fs::write(pc, out).map_err(|e| format!("cannot write {}: {e}", pc.display()))?;
    }
    Ok(())
}
