//! A disk that fills during the stats pass: mutrun says "No space left on device" (exit 1, an
//! I/O error), not "check that pytest passes". `mutants/` is a small tmpfs mounted by the test,
//! which needs root (as in CI's containers); elsewhere the test says why it skipped.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

/// A tmpfs of `size` mounted on `dir`, unmounted when dropped.
struct Mounted(PathBuf);

impl Mounted {
    fn tmpfs(dir: &Path, size: &str) -> Option<Mounted> {
        std::fs::create_dir_all(dir).expect("create mount point");
        let mounted = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir)
            .output()
            .is_ok_and(|o| o.status.success());
        mounted.then(|| Mounted(dir.to_path_buf()))
    }
}

impl Drop for Mounted {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

#[test]
fn a_disk_full_during_the_stats_pass_is_said_as_such() {
    let (_guard, project) = common::fixture("full_disk");
    // Room for the copy, the runtime and the log, not for stats.json (4,000 tests, ~0.8 MB).
    let Some(_mount) = Mounted::tmpfs(&project.join("mutants"), "600k") else {
        eprintln!(
            "skipped: cannot mount a tmpfs here (needs root): the full-disk case is not checked"
        );
        return;
    };
    let out = common::mutrun(&project, &["run", "--no-progress"]);
    let text = common::text(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("the stats pass could not write")
            && text.contains("stats.json: No space left on device (os error 28)"),
        "{text}"
    );
    assert!(
        !text.contains("Check that `python -m pytest` passes"),
        "{text}"
    );
    // The partial file is gone: the space is the user's again.
    assert!(!project.join("mutants/.mutrun/stats.json.tmp").exists());
}
