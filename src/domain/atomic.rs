//! Atomic file writes: a temp file in the same directory, then a rename, so a reader (or a later
//! run after `kill -9`) sees either the old file or the new one, never half of one.

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use crate::domain::error::{Error, Result};

pub fn write_atomic(path: &Path, contents: &[u8]) -> Result<()> {
    let dir = path
        .parent()
        .ok_or_else(|| Error::other(format!("{} has no parent directory", path.display())))?;
    std::fs::create_dir_all(dir).map_err(|e| Error::io("create directory", dir, e))?;
    let mut temp = tempfile::Builder::new()
        .prefix(".mutrun-tmp-")
        .tempfile_in(dir)
        .map_err(|e| Error::io("create a temporary file in", dir, e))?;
    temp.write_all(contents)
        .map_err(|e| Error::io("write", temp.path(), e))?;
    // Keep the mode of the file being replaced (`apply` writes into the user's sources); a new
    // file gets the usual rw-r--r-- instead of the temp file's private rw-------.
    let mode = std::fs::metadata(path).map_or(0o644, |m| m.permissions().mode() & 0o7777);
    temp.as_file()
        .set_permissions(std::fs::Permissions::from_mode(mode))
        .map_err(|e| Error::io("set the permissions of", temp.path(), e))?;
    temp.persist(path)
        .map_err(|e| Error::io("replace", path, e.error))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_replaced_file_keeps_its_mode_and_a_new_one_is_world_readable() {
        let dir = tempfile::tempdir().expect("temp dir");
        let script = dir.path().join("run.py");
        std::fs::write(&script, "old").expect("write");
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        write_atomic(&script, b"new").expect("replace");
        let mode = |p: &Path| std::fs::metadata(p).expect("stat").permissions().mode() & 0o777;
        assert_eq!(mode(&script), 0o755);
        assert_eq!(std::fs::read(&script).expect("read"), b"new");
        let fresh = dir.path().join("new.txt");
        write_atomic(&fresh, b"x").expect("write");
        assert_eq!(mode(&fresh), 0o644);
    }
}
