//! What dependents of zmq-sys get: the links metadata (`DEP_ZMQ_*` in their
//! build scripts), headers in OUT_DIR/include and a pkg-config file.

use std::fs;
use std::path::Path;

use crate::locate::{version_string, LIBZMQ_VERSION};

pub fn publish(tree: &Path, lib_dir: &Path, out_dir: &Path) -> Result<(), String> {
    let include = out_dir.join("include");
    fs::create_dir_all(&include).map_err(|e| e.to_string())?;
    for header in ["zmq.h", "zmq_utils.h", crate::overlay::EXPORTS_HEADER] {
        fs::copy(tree.join("include").join(header), include.join(header))
            .map_err(|e| format!("cannot copy {header} into {}: {e}", include.display()))?;
    }

    let version = version_string(LIBZMQ_VERSION);
    let pkgconfig = lib_dir.join("pkgconfig");
    fs::create_dir_all(&pkgconfig).map_err(|e| e.to_string())?;
    let pc = format!(
        "prefix={root}\n\
         libdir={lib}\n\
         includedir={include}\n\
         \n\
         Name: libzmq\n\
         Description: ZeroMQ {version} with the vsock, vmci and hvsock transports (built by zmq-sys)\n\
         Version: {version}\n\
         Libs: -L${{libdir}} -lzmq\n\
         Libs.private: -lstdc++ -lpthread\n\
         Cflags: -I${{includedir}} -DZMQ_STATIC\n",
        root = out_dir.display(),
        lib = lib_dir.display(),
        include = include.display(),
    );
    fs::write(pkgconfig.join("libzmq.pc"), &pc).map_err(|e| e.to_string())?;
    fs::write(out_dir.join("libzmq.pc"), pc).map_err(|e| e.to_string())?;

    // cc already printed rustc-link-lib=static=zmq, its search path and
    // the C++ runtime.
    println!("cargo:root={}", out_dir.display());
    println!("cargo:include={}", include.display());
    println!("cargo:lib={}", lib_dir.display());
    println!("cargo:pkgconfig={}", pkgconfig.display());
    println!("cargo:version={version}");
    println!("cargo:vendored=1");
    println!("cargo:vsock=1");
    println!("cargo:vmci=1");
    println!("cargo:hvsock=1");
    Ok(())
}
