//! The decision of the root build script, apart from the environment so that
//! tests/zmq_sys_check.rs can exercise it.

/// The links metadata of the zmq-sys that cargo linked.
#[derive(Debug, Default)]
pub struct Seen {
    pub vsock: Option<String>,
    pub vmci: Option<String>,
    /// Any other DEP_ZMQ_* variable, to tell "no zmq-sys metadata at all"
    /// from "a zmq-sys that is not ours".
    pub other_keys: Vec<String>,
}

impl Seen {
    pub fn from_env() -> Seen {
        let var = |name: &str| {
            println!("cargo:rerun-if-env-changed={name}");
            std::env::var(name).ok()
        };
        let mut other_keys: Vec<String> = std::env::vars()
            .map(|(k, _)| k)
            .filter(|k| k.starts_with("DEP_ZMQ_") && k != "DEP_ZMQ_VSOCK" && k != "DEP_ZMQ_VMCI")
            .collect();
        other_keys.sort();
        Seen { vsock: var("DEP_ZMQ_VSOCK"), vmci: var("DEP_ZMQ_VMCI"), other_keys }
    }
}

/// The line a user adds to their workspace's Cargo.toml.
pub const PATCH_LINE: &str = "[patch.crates-io]\n\
     zmq-sys = { git = \"URL\" }   # the same URL (or path) you take zmq-vsock from\n\
     # or, from a checkout of zmq-vsock: zmq-sys = { path = \"<checkout>/zmq-sys\" }";

pub fn check(seen: &Seen) -> Result<(), String> {
    if seen.vsock.as_deref() == Some("1") && seen.vmci.as_deref() == Some("1") {
        return Ok(());
    }
    let what = if seen.other_keys.is_empty() {
        "it printed no links metadata".to_string()
    } else {
        format!("it printed {} but not vsock=1 and vmci=1", seen.other_keys.join(", "))
    };
    Err(format!(
        "zmq-vsock needs the zmq-sys from its own repository (the zmq-sys/ directory there), whose libzmq has \
         the vsock:// and vmci:// transports, but this build linked another zmq-sys \
         (probably crates.io's): {what}.\n\
         rust-zmq's `zmq` crate links whatever zmq-sys the graph has, and only one may link \
         libzmq, so add this to the Cargo.toml at the root of your workspace:\n\n{PATCH_LINE}\n\n\
         then run `cargo update -p zmq-sys`."
    ))
}
