//! Shared helpers for the integration tests: a Python with pytest, a scratch copy of a fixture,
//! and running the real `mutrun` binary.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

/// The interpreter the tests run projects with: `$MUTRUN_TEST_PYTHON`, else a venv under
/// `target/test-venv` made on first use with pytest and pytest-asyncio (so `cargo test` works on a
/// fresh machine that has python3 and pip access).
pub fn python() -> PathBuf {
    static PYTHON: OnceLock<PathBuf> = OnceLock::new();
    PYTHON
        .get_or_init(|| {
            if let Some(p) = std::env::var_os("MUTRUN_TEST_PYTHON") {
                return PathBuf::from(p);
            }
            let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/test-venv");
            let python = venv.join("bin/python");
            if has_pytest(&python) {
                return python;
            }
            // Build in a temp dir and rename, so parallel test binaries never see half a venv.
            let temp = venv.with_extension(format!("tmp{}", std::process::id()));
            let ok = Command::new("python3")
                .args(["-m", "venv"])
                .arg(&temp)
                .status()
                .is_ok_and(|s| s.success())
                && Command::new(temp.join("bin/python"))
                    .args(["-m", "pip", "install", "-q", "pytest", "pytest-asyncio"])
                    .status()
                    .is_ok_and(|s| s.success());
            assert!(
                ok,
                "could not create a test venv with pytest (python3 -m venv + pip)"
            );
            if std::fs::rename(&temp, &venv).is_err() {
                let _ = std::fs::remove_dir_all(&temp);
            }
            assert!(has_pytest(&python), "no pytest in {}", python.display());
            python
        })
        .clone()
}

fn has_pytest(python: &Path) -> bool {
    Command::new(python)
        .args(["-c", "import pytest"])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// A fresh copy of `fixtures/NAME` in a temp dir (removed when the guard drops).
pub fn fixture(name: &str) -> (tempfile::TempDir, PathBuf) {
    let source = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(name);
    let temp = tempfile::tempdir().expect("temp dir");
    let dest = temp.path().join(name.replace('/', "_"));
    copy_dir(&source, &dest);
    (temp, dest)
}

pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create dir");
    for entry in std::fs::read_dir(from).expect("read fixture dir") {
        let entry = entry.expect("dir entry");
        let name = entry.file_name();
        if name == "mutants" || name == "__pycache__" || name == ".pytest_cache" || name == ".venv"
        {
            continue;
        }
        let target = to.join(&name);
        if entry.file_type().expect("file type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy file");
        }
    }
}

/// Runs the real binary in `dir` with the test interpreter.
pub fn mutrun(dir: &Path, args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mutrun"));
    cmd.arg("-C").arg(dir).args(args);
    // `$MUTRUN_TEST_PYTHON` must be a virtualenv's python: mutrun finds it through $VIRTUAL_ENV.
    let venv = python()
        .parent()
        .and_then(Path::parent)
        .expect("venv root")
        .to_path_buf();
    cmd.env("VIRTUAL_ENV", venv);
    cmd.output().expect("run mutrun")
}

pub fn text(output: &Output) -> String {
    format!(
        "status: {}\n--- stdout\n{}\n--- stderr\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}
