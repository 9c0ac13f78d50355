//! Finds the pristine libzmq 4.3.5 tree that the `zeromq-src` crate ships.
//!
//! `zeromq-src` is a build-dependency, so cargo has fetched and compiled it
//! before this script runs, and it wrote a dep-info file for it next to the
//! other build-dependencies (`<build dir>/<profile>/deps/zeromq_src-*.d`)
//! naming its `src/lib.rs` by absolute path, whatever the source (registry,
//! git, `cargo vendor` directory). The tree is `vendor/` beside that `src/`.
//! No network, no git, no `cargo metadata`.
//!
//! `ZMQ_VSOCK_LIBZMQ_SOURCE` overrides the search with a directory that holds
//! a libzmq 4.3.5 tree (`include/zmq.h`, `src/`, `external/sha1/`).

use std::fs;
use std::path::{Path, PathBuf};

use crate::env_vars;

/// The libzmq release our overlay and hooks are written for.
pub const LIBZMQ_VERSION: (u32, u32, u32) = (4, 3, 5);
pub const OVERRIDE_VAR: &str = "ZMQ_VSOCK_LIBZMQ_SOURCE";

pub struct LibzmqTree {
    pub root: PathBuf,
    /// How it was found, for the build log.
    pub found_by: String,
}

pub fn locate() -> Result<LibzmqTree, String> {
    if let Some(dir) = env_vars::get(OVERRIDE_VAR) {
        let root = PathBuf::from(dir);
        check_tree(&root).map_err(|why| {
            format!(
                "{OVERRIDE_VAR}={} does not hold a libzmq {} tree: {why}.\n\
                 Point it at the directory that contains include/zmq.h, src/ and \
                 external/sha1/, or unset it (or set it to 0) to use the tree \
                 that the zeromq-src crate ships.",
                root.display(),
                version_string(LIBZMQ_VERSION)
            )
        })?;
        return Ok(LibzmqTree { root, found_by: format!("{OVERRIDE_VAR}") });
    }

    let exe = std::env::current_exe().map_err(|e| format!("cannot tell where the build script runs from: {e}"))?;
    let deps = deps_dir_of_build_script(&exe)
        .ok_or_else(|| format!("unexpected build script location {}", exe.display()))?;
    let mut tried = Vec::new();
    for root in candidates_from_dep_info(&deps) {
        match check_tree(&root) {
            Ok(()) => return Ok(LibzmqTree { root, found_by: format!("dep-info in {}", deps.display()) }),
            Err(why) => tried.push(format!("{}: {why}", root.display())),
        }
    }
    Err(format!(
        "could not find the libzmq {} source tree of the zeromq-src crate.\n\
         Looked for zeromq_src-*.d dep-info files in {}{}.\n\
         Fix: make sure the build-dependency `zeromq-src = \"=0.3.6\"` is present in \
         zmq-sys/Cargo.toml, or set {OVERRIDE_VAR} to a libzmq {} tree.",
        version_string(LIBZMQ_VERSION),
        deps.display(),
        if tried.is_empty() { String::from(" and found none") } else { format!("; rejected: {}", tried.join("; ")) },
        version_string(LIBZMQ_VERSION),
    ))
}

/// `<dir>/<profile>/build/zmq-sys-<hash>/build-script-build` ->
/// `<dir>/<profile>/deps`, where cargo puts compiled build-dependencies.
pub fn deps_dir_of_build_script(exe: &Path) -> Option<PathBuf> {
    Some(exe.parent()?.parent()?.parent()?.join("deps"))
}

/// Every libzmq tree named by a `zeromq_src-*.d` file in `deps`, sorted so the
/// choice does not depend on directory order.
pub fn candidates_from_dep_info(deps: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(deps)
        .into_iter()
        .flatten()
        .flatten()
        .map(|entry| entry.path())
        .filter(|p| {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            name.starts_with("zeromq_src-") && name.ends_with(".d")
        })
        .collect();
    files.sort();
    let mut roots: Vec<PathBuf> = files
        .iter()
        .filter_map(|f| fs::read_to_string(f).ok())
        .filter_map(|text| lib_rs_from_dep_info(&text))
        .filter_map(|lib_rs| Some(lib_rs.parent()?.parent()?.join("vendor")))
        .collect();
    roots.dedup();
    roots
}

/// The crate's `src/lib.rs` from a make-style dep-info text: the first
/// prerequisite (after `target: `) that ends in `src/lib.rs`. Spaces in paths
/// are escaped as `\ `.
pub fn lib_rs_from_dep_info(text: &str) -> Option<PathBuf> {
    for line in text.lines() {
        let Some((_, prerequisites)) = split_rule(line) else { continue };
        for path in split_escaped(prerequisites) {
            if path.ends_with("src/lib.rs") {
                return Some(PathBuf::from(path));
            }
        }
    }
    None
}

/// Splits `target: prerequisites` at the first colon that is followed by a
/// space or the end of the line (a drive-less Unix path has no other).
fn split_rule(line: &str) -> Option<(&str, &str)> {
    let bytes = line.as_bytes();
    (0..bytes.len())
        .find(|&i| bytes[i] == b':' && (i + 1 == bytes.len() || bytes[i + 1] == b' ') && (i == 0 || bytes[i - 1] != b'\\'))
        .map(|i| (&line[..i], &line[i + 1..]))
}

fn split_escaped(list: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut chars = list.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let Some(next) = chars.next() {
                    current.push(next);
                }
            }
            ' ' => {
                if !current.is_empty() {
                    out.push(std::mem::take(&mut current));
                }
            }
            _ => current.push(c),
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// A usable tree has the files we compile and zmq.h says 4.3.5.
pub fn check_tree(root: &Path) -> Result<(), String> {
    for needed in ["include/zmq.h", "include/zmq_utils.h", "src/zmq.cpp", "src/socket_base.cpp", "external/sha1/sha1.c"] {
        if !root.join(needed).is_file() {
            return Err(format!("{needed} is missing"));
        }
    }
    let header = fs::read_to_string(root.join("include/zmq.h")).map_err(|e| format!("cannot read include/zmq.h: {e}"))?;
    let found = header_version(&header).ok_or("include/zmq.h has no ZMQ_VERSION_MAJOR/MINOR/PATCH")?;
    if found != LIBZMQ_VERSION {
        return Err(format!(
            "include/zmq.h is libzmq {}, this build needs {}",
            version_string(found),
            version_string(LIBZMQ_VERSION)
        ));
    }
    Ok(())
}

/// `(major, minor, patch)` from zmq.h's `#define ZMQ_VERSION_*` lines.
pub fn header_version(header: &str) -> Option<(u32, u32, u32)> {
    let field = |name: &str| -> Option<u32> {
        header.lines().find_map(|line| {
            let mut words = line.split_whitespace();
            match (words.next(), words.next(), words.next()) {
                (Some("#define"), Some(n), Some(v)) if n == name => v.parse().ok(),
                _ => None,
            }
        })
    };
    Some((field("ZMQ_VERSION_MAJOR")?, field("ZMQ_VERSION_MINOR")?, field("ZMQ_VERSION_PATCH")?))
}

pub fn version_string((major, minor, patch): (u32, u32, u32)) -> String {
    format!("{major}.{minor}.{patch}")
}
