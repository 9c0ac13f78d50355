//! Unit tests of the build script's pure parts: hooks, and finding the
//! libzmq tree (dep-info parsing, tree checks). The build itself exercises
//! them on the real tree every time it runs.

#[path = "../build/env_vars.rs"]
#[allow(dead_code)]
mod env_vars;
#[path = "../build/hooks.rs"]
#[allow(dead_code)]
mod hooks;
#[path = "../build/locate.rs"]
#[allow(dead_code)]
mod locate;

use std::fs;
use std::path::{Path, PathBuf};

const SOURCE: &str = "a\n  int x;\nb\n";

#[test]
fn hooks_insert_before_and_after_their_anchor() {
    let hooks = hooks::parse("What these are for.\n@@ after: int x;\n  int y;\n@@ before: a\n// top\n").unwrap();
    assert_eq!(hooks.len(), 2);
    assert_eq!(hooks::apply(SOURCE, &hooks).unwrap(), "// top\na\n  int x;\n  int y;\nb\n");
}

#[test]
fn a_missing_anchor_stops_the_build_with_its_text() {
    let hooks = hooks::parse("@@ after: int z;\nint y;\n").unwrap();
    let error = hooks::apply(SOURCE, &hooks).unwrap_err();
    assert!(error.contains("`int z;` is not in the file"), "{error}");
}

#[test]
fn an_anchor_on_two_lines_is_refused() {
    let hooks = hooks::parse("@@ before: x\ny\n").unwrap();
    let error = hooks::apply("x\nx\n", &hooks).unwrap_err();
    assert!(error.contains("is on 2 lines"), "{error}");
}

#[test]
fn malformed_hook_files_are_refused() {
    assert!(hooks::parse("no hooks at all\n").unwrap_err().contains("no `@@`"));
    assert!(hooks::parse("@@ around: x\n").unwrap_err().contains("line 1"));
    assert!(hooks::parse("@@ after:   \n").unwrap_err().contains("empty anchor"));
}

/// The overlay's hook files, embedded so the test needs no file system (it
/// may run in the test VM, which has no copy of the repository).
const HOOK_FILES: &[(&str, &str)] = &[
    ("address.hpp", include_str!("../libzmq/hooks/address.hpp.hooks")),
    ("address.cpp", include_str!("../libzmq/hooks/address.cpp.hooks")),
    ("ip.cpp", include_str!("../libzmq/hooks/ip.cpp.hooks")),
    ("options.cpp", include_str!("../libzmq/hooks/options.cpp.hooks")),
    ("session_base.cpp", include_str!("../libzmq/hooks/session_base.cpp.hooks")),
    ("socket_base.cpp", include_str!("../libzmq/hooks/socket_base.cpp.hooks")),
    ("zmq.cpp", include_str!("../libzmq/hooks/zmq.cpp.hooks")),
];

#[test]
fn every_hook_file_of_the_overlay_parses() {
    for (name, text) in HOOK_FILES {
        let hooks = hooks::parse(text).unwrap_or_else(|e| panic!("{name}.hooks: {e}"));
        assert!(hooks.iter().all(|h| !h.lines.is_empty()), "{name}.hooks has a hook that inserts nothing");
    }
}

#[test]
fn dep_info_names_the_crate_root() {
    let text = "/t/debug/deps/libzeromq_src-1.rlib: /home/a\\ b/reg/zeromq-src-0.3.6+4.3.5/src/lib.rs\n\
                \n/home/a\\ b/reg/zeromq-src-0.3.6+4.3.5/src/lib.rs:\n";
    assert_eq!(
        locate::lib_rs_from_dep_info(text),
        Some(PathBuf::from("/home/a b/reg/zeromq-src-0.3.6+4.3.5/src/lib.rs"))
    );
    assert_eq!(locate::lib_rs_from_dep_info("x.rlib: /a/src/other.rs\n"), None);
}

#[test]
fn build_script_location_gives_the_deps_dir() {
    let exe = Path::new("/w/target/debug/build/zmq-sys-0123/build-script-build");
    assert_eq!(locate::deps_dir_of_build_script(exe), Some(PathBuf::from("/w/target/debug/deps")));
}

fn fake_tree(dir: &Path, version: (u32, u32, u32)) {
    for sub in ["include", "src", "external/sha1"] {
        fs::create_dir_all(dir.join(sub)).unwrap();
    }
    let (a, b, c) = version;
    let header = format!("#define ZMQ_VERSION_MAJOR {a}\n#define ZMQ_VERSION_MINOR {b}\n#define ZMQ_VERSION_PATCH {c}\n");
    fs::write(dir.join("include/zmq.h"), header).unwrap();
    for file in ["include/zmq_utils.h", "src/zmq.cpp", "src/socket_base.cpp", "external/sha1/sha1.c"] {
        fs::write(dir.join(file), "").unwrap();
    }
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("zmq-sys-build-support-{}-{name}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    dir
}

#[test]
fn a_4_3_5_tree_is_accepted_and_others_are_named() {
    let good = scratch("good");
    fake_tree(&good, (4, 3, 5));
    assert_eq!(locate::check_tree(&good), Ok(()));

    let old = scratch("old");
    fake_tree(&old, (4, 3, 4));
    assert_eq!(locate::check_tree(&old), Err("include/zmq.h is libzmq 4.3.4, this build needs 4.3.5".to_string()));

    fs::remove_file(good.join("src/zmq.cpp")).unwrap();
    assert_eq!(locate::check_tree(&good), Err("src/zmq.cpp is missing".to_string()));
    let _ = fs::remove_dir_all(good);
    let _ = fs::remove_dir_all(old);
}

#[test]
fn dep_info_files_lead_to_the_vendor_tree() {
    let deps = scratch("deps");
    let crate_root = deps.join("registry/zeromq-src-0.3.6+4.3.5");
    fake_tree(&crate_root.join("vendor"), (4, 3, 5));
    fs::write(
        deps.join("zeromq_src-abc.d"),
        format!("{}/libzeromq_src-abc.rlib: {}/src/lib.rs\n", deps.display(), crate_root.display()),
    )
    .unwrap();
    fs::write(deps.join("other-abc.d"), "x: /elsewhere/src/lib.rs\n").unwrap();
    assert_eq!(locate::candidates_from_dep_info(&deps), vec![crate_root.join("vendor")]);
    let _ = fs::remove_dir_all(deps);
}
