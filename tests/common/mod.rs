//! Shared helpers for the integration tests: a Python with pytest, a scratch copy of a fixture,
//! and running the real `mutrun` binary.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

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
            let ok = make_venv(&temp, &["pytest", "pytest-asyncio"]);
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

/// An interpreter with pytest and the pytest plugins real projects configure (pytest-xdist,
/// pytest-timeout): a venv under `target/test-venv-plugins`, made on first use, for the fixtures
/// whose configuration needs them.
pub fn python_with_plugins() -> PathBuf {
    static PYTHON: OnceLock<PathBuf> = OnceLock::new();
    PYTHON
        .get_or_init(|| {
            let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/test-venv-plugins");
            let python = venv.join("bin/python");
            let has_plugins = |python: &Path| {
                Command::new(python)
                    .args(["-c", "import pytest, xdist, pytest_timeout"])
                    .output()
                    .is_ok_and(|o| o.status.success())
            };
            if has_plugins(&python) {
                return python;
            }
            let temp = venv.with_extension(format!("tmp{}", std::process::id()));
            let ok = make_venv(&temp, &["pytest", "pytest-xdist", "pytest-timeout"]);
            assert!(
                ok,
                "could not create a venv with pytest-xdist and pytest-timeout"
            );
            if std::fs::rename(&temp, &venv).is_err() {
                let _ = std::fs::remove_dir_all(&temp);
            }
            assert!(has_plugins(&python), "no plugins in {}", python.display());
            python
        })
        .clone()
}

/// The real binary's command line for `dir`, run with the venv of `python`.
pub fn mutrun_with(python: &Path, dir: &Path, args: &[&str]) -> Output {
    let mut cmd = mutrun_command(dir, args);
    let venv = python.parent().and_then(Path::parent).expect("venv root");
    cmd.env("VIRTUAL_ENV", venv);
    cmd.output().expect("run mutrun")
}

/// Plain `python -m pytest ARGS` in `dir`, as a user runs it: its exit code and output.
pub fn plain_pytest(python: &Path, dir: &Path, args: &[&str]) -> (Option<i32>, String) {
    let out = Command::new(python)
        .args(["-m", "pytest"])
        .args(args)
        .current_dir(dir)
        .env_remove(mutrun::execute::protocol::ENV_MUTANT)
        .output()
        .expect("run pytest");
    (out.status.code(), text(&out))
}

fn has_pytest(python: &Path) -> bool {
    Command::new(python)
        .args(["-c", "import pytest"])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// `python3 -m venv dir`, then `pip install packages` into it: whether both succeeded.
pub fn make_venv(dir: &Path, packages: &[&str]) -> bool {
    Command::new("python3")
        .args(["-m", "venv"])
        .arg(dir)
        .status()
        .is_ok_and(|s| s.success())
        && Command::new(dir.join("bin/python"))
            .args(["-m", "pip", "install", "-q"])
            .args(packages)
            .status()
            .is_ok_and(|s| s.success())
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
        // A `mutants/` mutrun wrote (a fixture run in place) is left out; a fixture's own folder
        // named `mutants` (tests/files_owned.rs) is part of it.
        let mutrun_output = name == "mutants" && entry.path().join(".mutrun").exists();
        if mutrun_output || name == "__pycache__" || name == ".pytest_cache" || name == ".venv" {
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
    mutrun_command(dir, args).output().expect("run mutrun")
}

/// The real binary's command line for `dir` with the test interpreter, not started yet (to run
/// it in the background, or with extra environment).
pub fn mutrun_command(dir: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mutrun"));
    cmd.arg("-C").arg(dir).args(args);
    // `$MUTRUN_TEST_PYTHON` must be a virtualenv's python: mutrun finds it through $VIRTUAL_ENV.
    let venv = python()
        .parent()
        .and_then(Path::parent)
        .expect("venv root")
        .to_path_buf();
    cmd.env("VIRTUAL_ENV", venv);
    cmd.env_remove(mutrun::execute::protocol::ENV_MUTANT);
    cmd
}

/// `mutrun run --no-progress ARGS`, which must succeed; returns its output as text.
pub fn run_ok(project: &Path, args: &[&str]) -> String {
    let mut all = vec!["run", "--no-progress"];
    all.extend_from_slice(args);
    let out = mutrun(project, &all);
    let text = text(&out);
    assert!(out.status.success(), "{text}");
    text
}

/// Every mutant's verdict (`none` when it has none) from `mutrun results --all --json`.
pub fn verdicts(project: &Path) -> BTreeMap<String, String> {
    let out = mutrun(project, &["results", "--all", "--json"]);
    assert!(out.status.success(), "{}", text(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("results JSON");
    doc["mutants"]
        .as_array()
        .expect("mutants")
        .iter()
        .map(|m| {
            let id = m["id"].as_str().expect("id").to_string();
            let verdict = m["verdict"].as_str().unwrap_or("none").to_string();
            (id, verdict)
        })
        .collect()
}

/// The ids `mutrun list --json PATTERN` prints, in its order.
pub fn mutant_ids(project: &Path, pattern: &str) -> Vec<String> {
    let out = mutrun(project, &["list", "--json", pattern]);
    assert!(out.status.success(), "{}", text(&out));
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|line| {
            let row: serde_json::Value = serde_json::from_str(line).expect("list JSON line");
            row["id"].as_str().expect("id").to_string()
        })
        .collect()
}

/// The stored verdict record of mutant `id` in `mutants/<source>.meta` (`null` when none).
pub fn stored_record(project: &Path, source: &str, id: &str) -> serde_json::Value {
    let path = project.join("mutants").join(format!("{source}.meta"));
    let meta: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("read .meta")).expect("json");
    meta["mutants"]
        .as_array()
        .expect("mutants")
        .iter()
        .find(|m| m["id"] == id)
        .unwrap_or_else(|| panic!("no {id} in {}", path.display()))["verdict"]
        .clone()
}

/// How many mutants have a verdict in the `.meta` files on disk right now (a file being replaced
/// or not written yet counts as none).
pub fn saved_verdicts(project: &Path) -> usize {
    walkdir::WalkDir::new(project.join("mutants"))
        .into_iter()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".py.meta"))
        .filter_map(|e| std::fs::read_to_string(e.path()).ok())
        .filter_map(|text| serde_json::from_str::<serde_json::Value>(&text).ok())
        .map(|meta| {
            meta["mutants"]
                .as_array()
                .map(|ms| ms.iter().filter(|m| !m["verdict"].is_null()).count())
                .unwrap_or(0)
        })
        .sum()
}

/// Live processes (zombies aside) whose working directory or command line is under `dir`,
/// each as `pid: command line`.
pub fn processes_under(dir: &Path) -> Vec<String> {
    let dir = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
    let needle = dir.display().to_string();
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return found;
    };
    for entry in entries.filter_map(|e| e.ok()) {
        let name = entry.file_name().to_string_lossy().to_string();
        if name.parse::<u32>().is_err() || name == std::process::id().to_string() {
            continue;
        }
        let proc_dir = entry.path();
        // The state follows the parenthesised command name: skip zombies (Z) and dead (X).
        let stat = std::fs::read_to_string(proc_dir.join("stat")).unwrap_or_default();
        let state = stat.rsplit_once(')').map(|(_, rest)| rest.trim_start());
        if state.is_none_or(|s| s.starts_with('Z') || s.starts_with('X')) {
            continue;
        }
        let cmdline = std::fs::read(proc_dir.join("cmdline"))
            .map(|b| String::from_utf8_lossy(&b).replace('\0', " "))
            .unwrap_or_default();
        let in_dir =
            std::fs::read_link(proc_dir.join("cwd")).is_ok_and(|cwd| cwd.starts_with(&dir));
        if in_dir || cmdline.contains(&needle) {
            found.push(format!("{name}: {}", cmdline.trim()));
        }
    }
    found
}

/// Waits (up to a minute: processes killed with SIGKILL vanish within milliseconds) until no
/// process runs under `dir`; returns those still there.
pub fn wait_for_no_processes_under(dir: &Path) -> Vec<String> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let left = processes_under(dir);
        if left.is_empty() || Instant::now() > deadline {
            return left;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

pub fn text(output: &Output) -> String {
    format!(
        "status: {}\n--- stdout\n{}\n--- stderr\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// What the zygotes of the last run wrote in their logs.
pub fn zygote_logs(project: &Path) -> String {
    let dir = project.join("mutants/.mutrun/logs");
    let mut text = String::new();
    for entry in std::fs::read_dir(&dir)
        .expect("read the logs folder")
        .flatten()
    {
        let name = entry.file_name().to_string_lossy().to_string();
        if name.starts_with("zygote-") {
            text += &std::fs::read_to_string(entry.path()).unwrap_or_default();
        }
    }
    text
}
