//! The Python runtime (`runtime/`), embedded in the binary and written into
//! `mutants/.mutrun/runtime/`, which every pytest process mutrun starts has first on PYTHONPATH.
//!
//! `mutrun_runtime` is what trampolined modules import (kept small: its import is every
//! process's cost); `mutrun_protocol` holds the names shared with `protocol.rs`; `mutrun_lines`
//! records executed lines (the stats pass, and the Python subprocesses its tests start); the package
//! `mutrun_plugin` is the pytest plugin (`-p mutrun_plugin`), one module per mode.

use std::path::Path;

use crate::domain::atomic::write_atomic;
use crate::domain::error::{Error, Result};

/// `(path under the runtime folder, contents)` of every runtime file.
pub const FILES: &[(&str, &str)] = &[
    (
        "mutrun_runtime.py",
        include_str!("../../runtime/mutrun_runtime.py"),
    ),
    (
        "mutrun_protocol.py",
        include_str!("../../runtime/mutrun_protocol.py"),
    ),
    (
        "mutrun_lines.py",
        include_str!("../../runtime/mutrun_lines.py"),
    ),
    (
        "mutrun_plugin/__init__.py",
        include_str!("../../runtime/mutrun_plugin/__init__.py"),
    ),
    (
        "mutrun_plugin/isolation.py",
        include_str!("../../runtime/mutrun_plugin/isolation.py"),
    ),
    (
        "mutrun_plugin/common.py",
        include_str!("../../runtime/mutrun_plugin/common.py"),
    ),
    (
        "mutrun_plugin/stats.py",
        include_str!("../../runtime/mutrun_plugin/stats.py"),
    ),
    (
        "mutrun_plugin/worker.py",
        include_str!("../../runtime/mutrun_plugin/worker.py"),
    ),
    (
        "mutrun_plugin/zygote.py",
        include_str!("../../runtime/mutrun_plugin/zygote.py"),
    ),
    (
        "mutrun_plugin/fresh.py",
        include_str!("../../runtime/mutrun_plugin/fresh.py"),
    ),
];

/// Runtime files of earlier versions that would be imported in place of the current ones.
const OBSOLETE: &[&str] = &["mutrun_plugin.py"];

/// Writes the runtime files into `dir`, skipping files whose contents are already current.
pub fn install(dir: &Path) -> Result<()> {
    for (name, contents) in FILES {
        let path = dir.join(name);
        if std::fs::read(&path).is_ok_and(|old| old == contents.as_bytes()) {
            continue;
        }
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| Error::io("create", parent, e))?;
        }
        write_atomic(&path, contents.as_bytes())?;
    }
    for name in OBSOLETE {
        let _ = std::fs::remove_file(dir.join(name));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_runtime_file_is_installed() {
        let runtime = Path::new(env!("CARGO_MANIFEST_DIR")).join("runtime");
        let mut on_disk: Vec<String> = walkdir::WalkDir::new(&runtime)
            .into_iter()
            .filter_map(|e| e.ok())
            .filter(|e| e.path().extension().is_some_and(|x| x == "py"))
            .filter_map(|e| {
                let relative = e.path().strip_prefix(&runtime).ok()?;
                Some(relative.to_string_lossy().replace('\\', "/"))
            })
            .collect();
        on_disk.sort();
        let mut installed: Vec<String> = FILES.iter().map(|(n, _)| n.to_string()).collect();
        installed.sort();
        assert_eq!(on_disk, installed);
    }
}
