//! The Python runtime (`runtime/*.py`), embedded in the binary and written into
//! `mutants/.mutrun/runtime/`, which every pytest process mutrun starts has first on PYTHONPATH.

use std::path::Path;

use crate::domain::atomic::write_atomic;
use crate::domain::error::Result;

/// `(file name, contents)` of every runtime file.
pub const FILES: &[(&str, &str)] = &[
    (
        "mutrun_runtime.py",
        include_str!("../../runtime/mutrun_runtime.py"),
    ),
    (
        "mutrun_plugin.py",
        include_str!("../../runtime/mutrun_plugin.py"),
    ),
];

/// Writes the runtime files into `dir`, skipping files whose contents are already current.
pub fn install(dir: &Path) -> Result<()> {
    for (name, contents) in FILES {
        let path = dir.join(name);
        if std::fs::read(&path).is_ok_and(|old| old == contents.as_bytes()) {
            continue;
        }
        write_atomic(&path, contents.as_bytes())?;
    }
    Ok(())
}
