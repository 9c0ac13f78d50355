//! Applies `libzmq/hooks/<file>.hooks` (in this package) to the copy of libzmq's
//! `src/<file>` in OUT_DIR.
//!
//! A hooks file starts with free text saying what it is for, then one or more
//! hooks. A hook is a line `@@ after: ANCHOR` or `@@ before: ANCHOR` followed
//! by the lines to insert. ANCHOR must equal (white space at both ends
//! ignored) exactly one line of the pristine file; otherwise the build stops
//! and says which anchor of which file failed, so a libzmq update can never
//! apply a hook in the wrong place.

use std::fs;
use std::path::Path;

#[derive(Debug, PartialEq)]
pub enum Position {
    Before,
    After,
}

#[derive(Debug)]
pub struct Hook {
    pub position: Position,
    pub anchor: String,
    pub lines: Vec<String>,
}

pub fn parse(text: &str) -> Result<Vec<Hook>, String> {
    let mut hooks: Vec<Hook> = Vec::new();
    for (number, line) in text.lines().enumerate() {
        if let Some(rest) = line.strip_prefix("@@ ") {
            let (position, anchor) = if let Some(a) = rest.strip_prefix("after:") {
                (Position::After, a)
            } else if let Some(a) = rest.strip_prefix("before:") {
                (Position::Before, a)
            } else {
                return Err(format!("line {}: expected `@@ after: ANCHOR` or `@@ before: ANCHOR`", number + 1));
            };
            let anchor = anchor.trim();
            if anchor.is_empty() {
                return Err(format!("line {}: empty anchor", number + 1));
            }
            hooks.push(Hook { position, anchor: anchor.to_string(), lines: Vec::new() });
        } else if let Some(hook) = hooks.last_mut() {
            hook.lines.push(line.to_string());
        }
    }
    if hooks.is_empty() {
        return Err("no `@@` hook in the file".into());
    }
    Ok(hooks)
}

/// Inserts every hook's lines into `source`, each anchored in the pristine text.
pub fn apply(source: &str, hooks: &[Hook]) -> Result<String, String> {
    let lines: Vec<&str> = source.lines().collect();
    let mut before: Vec<Vec<&str>> = vec![Vec::new(); lines.len()];
    let mut after: Vec<Vec<&str>> = vec![Vec::new(); lines.len()];
    for hook in hooks {
        let matches: Vec<usize> = (0..lines.len()).filter(|&i| lines[i].trim() == hook.anchor).collect();
        let index = match matches.as_slice() {
            [one] => *one,
            [] => return Err(format!("anchor `{}` is not in the file", hook.anchor)),
            many => return Err(format!("anchor `{}` is on {} lines, it must be on one", hook.anchor, many.len())),
        };
        let slot = if hook.position == Position::Before { &mut before[index] } else { &mut after[index] };
        slot.extend(hook.lines.iter().map(String::as_str));
    }
    let mut out = String::with_capacity(source.len() + 4096);
    for (i, line) in lines.iter().enumerate() {
        for l in before[i].iter().chain(std::iter::once(line)).chain(after[i].iter()) {
            out.push_str(l);
            out.push('\n');
        }
    }
    Ok(out)
}

/// Applies every `*.hooks` file of `hooks_dir` to `src_dir/<name>`.
/// Returns the names of the files it changed.
pub fn apply_dir(hooks_dir: &Path, src_dir: &Path) -> Result<Vec<String>, String> {
    let mut hook_files: Vec<_> = fs::read_dir(hooks_dir)
        .map_err(|e| format!("cannot read {}: {e}", hooks_dir.display()))?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "hooks"))
        .collect();
    hook_files.sort();
    let mut changed = Vec::new();
    for hook_file in hook_files {
        let target_name = hook_file.file_stem().and_then(|s| s.to_str()).unwrap_or_default().to_string();
        let target = src_dir.join(&target_name);
        let fail = |why: String| format!("hooks {} on libzmq's src/{target_name}: {why}", hook_file.display());
        let hooks = parse(&fs::read_to_string(&hook_file).map_err(|e| fail(e.to_string()))?).map_err(fail)?;
        let source = fs::read_to_string(&target).map_err(|e| fail(format!("cannot read {}: {e}", target.display())))?;
        let patched = apply(&source, &hooks).map_err(fail)?;
        fs::write(&target, patched).map_err(|e| fail(e.to_string()))?;
        changed.push(target_name);
    }
    Ok(changed)
}
