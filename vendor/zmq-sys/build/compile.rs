//! Compiles the overlaid libzmq tree into `libzmq.a` with `cc`.

use std::fs;
use std::path::{Path, PathBuf};

/// Where `<vmci_sockets.h>` comes from.
pub enum VmciHeader {
    /// Ours: vendor/libzmq/include, implemented on AF_VSOCK.
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
        // vsock ones, which fix its faults (see vendor/libzmq/README.md).
        "vmci.cpp" | "vmci_address.cpp" | "vmci_connecter.cpp" | "vmci_listener.cpp" => true,
        // Exactly one of these provides VMCISock_GetLocalCID.
        "vmci_sockets_linux.cpp" => matches!(header, VmciHeader::VMware(_)),
        "vmci_vmware_export.cpp" => matches!(header, VmciHeader::Ours(_)),
        _ => false,
    }
}

/// Defines of a Linux build of libzmq 4.3.5 (what its CMake configure finds
/// on glibc/musl Linux), with the transports stock zmq-sys has (ipc, ws,
/// tcp, udp, inproc; no curve, gssapi, tipc, pgm, norm, draft) plus ours.
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
];

pub struct Compiled {
    pub lib_dir: PathBuf,
}

pub fn compile(tree: &Path, header: &VmciHeader, out_dir: &Path) -> Result<Compiled, String> {
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
        for define in LINUX_DEFINES {
            let (name, value) = define.split_once('=').unwrap_or((define, "1"));
            build.define(name, value);
        }
        if glibc_has_strlcpy(out_dir) {
            build.define("ZMQ_HAVE_STRLCPY", "1");
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
