//! The `curve` feature: CURVE security (`ZMQ_CURVE`, `zmq_has("curve")`)
//! with libsodium, found through pkg-config (package `libsodium`).
//!
//! libsodium is linked statically when its pkg-config library directory has
//! `libsodium.a` (Debian's and Ubuntu's `libsodium-dev` do): the archive is
//! copied next to `libzmq.a`, so Rust binaries and C programs that use our
//! `libzmq.pc` need no `libsodium.so` at run time (the test VM gets only the
//! binary and the shared libraries it lists). Otherwise it is linked
//! dynamically, with a warning.
//!
//! Not defined: `ZMQ_LIBSODIUM_RANDOMBYTES_CLOSE` (CMake's default). With it
//! every context that terminates calls `randombytes_close()`, with no count of
//! the contexts still running, which libzmq itself warns can crash a process
//! that uses several contexts; stock zmq-sys leaves it out too.

use std::fs;
use std::path::{Path, PathBuf};

/// The pkg-config package.
const PACKAGE: &str = "libsodium";
/// The library name in `-l` flags.
const LIB: &str = "sodium";

/// The defines libzmq's CMake sets for CURVE with libsodium.
pub const DEFINES: &[&str] = &["ZMQ_HAVE_CURVE", "ZMQ_USE_LIBSODIUM"];

/// libsodium as pkg-config describes it.
pub struct Sodium {
    /// `-I` directories (empty for a system install).
    pub include_paths: Vec<PathBuf>,
    link: Link,
    /// Other libraries `pkg-config --static --libs` names (`pthread`).
    other_libs: Vec<String>,
}

enum Link {
    /// `libsodium.a`, copied next to `libzmq.a`.
    Static(PathBuf),
    /// `-lsodium` from these directories.
    Dynamic(Vec<PathBuf>),
}

/// Finds libsodium, or says what to install.
pub fn probe() -> Result<Sodium, String> {
    let library = pkg_config::Config::new()
        .statik(true)
        .cargo_metadata(false)
        .probe(PACKAGE)
        .map_err(|e| missing(&e))?;
    if !library.libs.iter().any(|l| l == LIB) {
        return Err(format!(
            "pkg-config's {PACKAGE} names no -l{LIB} (it gives {:?}); the `curve` feature needs \
             libsodium's library.",
            library.libs
        ));
    }
    // A system install's directory is left out of `--libs`; ask for it.
    let mut dirs = library.link_paths.clone();
    if let Ok(libdir) = pkg_config::get_variable(PACKAGE, "libdir") {
        let libdir = PathBuf::from(libdir);
        if !libdir.as_os_str().is_empty() && !dirs.contains(&libdir) {
            dirs.push(libdir);
        }
    }
    let archive = dirs
        .iter()
        .map(|d| d.join(format!("lib{LIB}.a")))
        .find(|a| a.is_file());
    let link = match archive {
        Some(archive) => {
            println!("cargo:rerun-if-changed={}", archive.display());
            Link::Static(archive)
        }
        None => {
            println!(
                "cargo:warning=zmq-sys: no lib{LIB}.a in {dirs:?}; linking libsodium dynamically, \
                 so programs need lib{LIB}.so at run time"
            );
            Link::Dynamic(library.link_paths.clone())
        }
    };
    let other_libs = library.libs.iter().filter(|l| *l != LIB).cloned().collect();
    Ok(Sodium {
        include_paths: library.include_paths,
        link,
        other_libs,
    })
}

impl Sodium {
    /// Links libsodium into what depends on zmq-sys. Called after libzmq is
    /// compiled, so that `-lsodium` follows cc's `-lzmq` on the link line.
    pub fn link(&self, lib_dir: &Path) -> Result<(), String> {
        match &self.link {
            Link::Static(archive) => {
                let copy = lib_dir.join(format!("lib{LIB}.a"));
                fs::copy(archive, &copy).map_err(|e| {
                    format!(
                        "cannot copy {} to {}: {e}",
                        archive.display(),
                        copy.display()
                    )
                })?;
                // cc already printed lib_dir as a search path.
                println!("cargo:rustc-link-lib=static={LIB}");
            }
            Link::Dynamic(dirs) => {
                for dir in dirs {
                    println!("cargo:rustc-link-search=native={}", dir.display());
                }
                println!("cargo:rustc-link-lib={LIB}");
            }
        }
        for lib in &self.other_libs {
            println!("cargo:rustc-link-lib={lib}");
        }
        // DEP_ZMQ_CURVE for dependents' build scripts.
        println!("cargo:curve=1");
        Ok(())
    }

    /// Adds libsodium to `Libs.private` of the `libzmq.pc` files that
    /// metadata::publish wrote, for C programs linking our `libzmq.a`.
    pub fn amend_pkgconfig(&self, pc_files: &[PathBuf]) -> Result<(), String> {
        let mut flags = Vec::new();
        if let Link::Dynamic(dirs) = &self.link {
            flags.extend(dirs.iter().map(|d| format!("-L{}", d.display())));
        }
        // Static: `Libs: -L${libdir}` already leads to our copy of the archive.
        flags.push(format!("-l{LIB}"));
        flags.extend(self.other_libs.iter().map(|l| format!("-l{l}")));
        let flags = flags.join(" ");
        for pc in pc_files {
            let text =
                fs::read_to_string(pc).map_err(|e| format!("cannot read {}: {e}", pc.display()))?;
            fs::write(pc, with_private_libs(&text, &flags))
                .map_err(|e| format!("cannot write {}: {e}", pc.display()))?;
        }
        Ok(())
    }
}

/// `text` with `flags` first in its `Libs.private` line (added when missing).
fn with_private_libs(text: &str, flags: &str) -> String {
    let mut out = String::with_capacity(text.len() + flags.len() + 16);
    let mut done = false;
    for line in text.lines() {
        match line.strip_prefix("Libs.private:") {
            Some(rest) if !done => {
                out.push_str(&format!("Libs.private: {flags} {}\n", rest.trim()));
                done = true;
            }
            _ => {
                out.push_str(line);
                out.push('\n');
            }
        }
    }
    if !done {
        out.push_str(&format!("Libs.private: {flags}\n"));
    }
    out
}

/// The message for a libsodium that pkg-config cannot give us.
fn missing(error: &pkg_config::Error) -> String {
    let detail = match error {
        pkg_config::Error::ProbeFailure {
            command, output, ..
        }
        | pkg_config::Error::Failure { command, output } => {
            format!(
                "`{command}` said: {}",
                String::from_utf8_lossy(&output.stderr).trim()
            )
        }
        pkg_config::Error::Command { command, cause } => {
            format!(
                "could not run `{command}` ({cause}); pkg-config itself is needed too \
                     (Debian/Ubuntu: apt-get install pkg-config)"
            )
        }
        other => other.to_string(),
    };
    format!(
        "the `curve` feature (CURVE security) needs libsodium, found through pkg-config as the \
         package `{PACKAGE}`, and it was not found.\n\
         \n\
         Install its development files: on Debian/Ubuntu `apt-get install libsodium-dev pkg-config` \
         (Fedora: `dnf install libsodium-devel`; Alpine: `apk add libsodium-dev libsodium-static`). \
         For a libsodium installed elsewhere, put the directory holding its {PACKAGE}.pc in \
         PKG_CONFIG_PATH.\n\
         Or build without CURVE: turn the `curve` feature off (drop `--features curve` from \
         the cargo command, or \"curve\" from the `features` of the zmq-vsock or zmq-sys \
         dependency in Cargo.toml).\n\
         \n\
         pkg-config: {detail}"
    )
}
