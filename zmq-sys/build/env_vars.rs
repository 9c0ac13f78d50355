//! Every environment variable the build script reads goes through here, so
//! each one is watched (`rerun-if-env-changed`) and spelled the same way.

use std::env;
use std::ffi::OsString;

/// Reads `NAME`, preferring the target-prefixed form
/// (`X86_64_UNKNOWN_LINUX_GNU_NAME`). An empty value or "0" counts as unset.
pub fn get(name: &str) -> Option<OsString> {
    let target = env::var("TARGET").unwrap_or_default();
    let prefixed = format!("{}_{}", target.to_uppercase().replace('-', "_"), name);
    for key in [prefixed.as_str(), name] {
        println!("cargo:rerun-if-env-changed={key}");
        if let Some(value) = env::var_os(key) {
            if !value.is_empty() && value != "0" {
                return Some(value);
            }
        }
    }
    None
}

/// A variable cargo sets for every build script.
pub fn cargo(name: &str) -> String {
    env::var(name).unwrap_or_else(|_| panic!("cargo did not set {name} for the build script"))
}
