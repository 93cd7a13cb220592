//! mutrun supports CPython 3.9 to 3.13: the `kinds` fixture (every function kind the trampoline
//! handles) must get the same verdict for every mutant under each of them, but for the one
//! difference line recording within calls makes ([`traced_within_calls_only`]). Versions not installed
//! on this machine (as `python3.X` on PATH or under pyenv) are listed and left out.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

const VERSIONS: &[&str] = &["3.9", "3.10", "3.11", "3.12", "3.13"];

/// An interpreter of `version` (major.minor) on this machine, if there is one.
fn find_interpreter(version: &str) -> Option<PathBuf> {
    let mut candidates = vec![PathBuf::from(format!("python{version}"))];
    let pyenv_root = std::env::var_os("PYENV_ROOT")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".pyenv")));
    if let Some(versions) = pyenv_root.map(|r| r.join("versions")) {
        if let Ok(entries) = std::fs::read_dir(versions) {
            let mut found: Vec<PathBuf> = entries
                .filter_map(|e| e.ok())
                .filter(|e| {
                    let name = e.file_name().to_string_lossy().to_string();
                    name.strip_prefix(version)
                        .is_some_and(|rest| rest.is_empty() || rest.starts_with('.'))
                })
                .map(|e| e.path().join("bin/python"))
                .collect();
            found.sort();
            candidates.extend(found);
        }
    }
    candidates.into_iter().find(|python| {
        Command::new(python)
            .args(["-c", "import sys; print('%d.%d' % sys.version_info[:2])"])
            .output()
            .is_ok_and(|o| {
                o.status.success() && String::from_utf8_lossy(&o.stdout).trim() == version
            })
    })
}

/// Both tests make the venvs they need; one at a time, or the second finds half a venv.
static VENVS: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// A venv for `version` under `target/` with pytest and pytest-asyncio (made once, then reused).
fn venv_python(version: &str, base: &Path) -> Option<PathBuf> {
    let _one_at_a_time = VENVS.lock().unwrap_or_else(|e| e.into_inner());
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("target/test-venv-{version}"));
    let python = venv.join("bin/python");
    let ready = |p: &Path| {
        Command::new(p)
            .args(["-c", "import pytest, pytest_asyncio"])
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if ready(&python) {
        return Some(python);
    }
    let made = Command::new(base)
        .args(["-m", "venv"])
        .arg(&venv)
        .status()
        .is_ok_and(|s| s.success())
        && Command::new(&python)
            .args(["-m", "pip", "install", "-q", "pytest", "pytest-asyncio"])
            .status()
            .is_ok_and(|s| s.success());
    (made && ready(&python)).then_some(python)
}

/// Every mutant's verdict and `only_in_call`, by id.
type Mutants = BTreeMap<String, (String, bool)>;

/// [`Mutants`], read from the `.meta` files under `mutants/`.
fn mutants(project: &Path) -> Mutants {
    let mut out = BTreeMap::new();
    for entry in walkdir::WalkDir::new(project.join("mutants"))
        .into_iter()
        .filter_map(|e| e.ok())
        .filter(|e| e.path().extension().is_some_and(|x| x == "meta"))
    {
        let text = std::fs::read_to_string(entry.path()).expect("read .meta");
        let meta: serde_json::Value = serde_json::from_str(&text).expect(".meta is JSON");
        for mutant in meta["mutants"].as_array().expect("mutants array") {
            let id = mutant["id"].as_str().expect("id").to_string();
            let verdict = mutant["verdict"]["verdict"]
                .as_str()
                .unwrap_or("<none>")
                .to_string();
            let only_in_call = mutant["only_in_call"].as_bool().unwrap_or(false);
            out.insert(id, (verdict, only_in_call));
        }
    }
    out
}

#[test]
fn every_supported_python_gives_the_same_verdicts_on_kinds() {
    let mut by_version: Vec<(String, Mutants)> = Vec::new();
    let mut missing = Vec::new();
    for version in VERSIONS {
        let Some(base) = find_interpreter(version) else {
            missing.push(*version);
            continue;
        };
        let Some(python) = venv_python(version, &base) else {
            missing.push(*version);
            continue;
        };
        let (_guard, project) = common::fixture("kinds");
        let output = Command::new(env!("CARGO_BIN_EXE_mutrun"))
            .arg("-C")
            .arg(&project)
            .args(["run", "--no-progress", "--python"])
            .arg(&python)
            .output()
            .expect("run mutrun");
        assert!(
            output.status.success(),
            "Python {version}: {}",
            common::text(&output)
        );
        let found = mutants(&project);
        assert!(
            found.values().any(|(v, _)| v == "killed")
                && found.values().all(|(v, _)| v != "<none>"),
            "Python {version}: not every mutant got a verdict: {found:?}"
        );
        by_version.push((version.to_string(), found));
    }
    eprintln!(
        "tested Python {}; not installed here: {}",
        by_version
            .iter()
            .map(|(v, _)| v.as_str())
            .collect::<Vec<_>>()
            .join(", "),
        if missing.is_empty() {
            "none".to_string()
        } else {
            missing.join(", ")
        }
    );
    assert!(!by_version.is_empty(), "no CPython 3.9-3.13 found at all");
    let (first_version, first) = &by_version[0];
    for (version, found) in &by_version[1..] {
        let differing: Vec<String> = first
            .iter()
            .filter(|(id, (verdict, only_in_call))| {
                found.get(*id).is_none_or(|(other, _)| {
                    other != verdict
                        && !traced_within_calls_only(
                            first_version,
                            verdict,
                            version,
                            other,
                            *only_in_call,
                        )
                })
            })
            .map(|(id, (verdict, _))| {
                format!(
                    "{id}: {first_version} {verdict}, {version} {:?}",
                    found.get(id).map(|(v, _)| v)
                )
            })
            .collect();
        assert!(
            differing.is_empty() && first.len() == found.len(),
            "verdicts differ between Python versions:\n{}",
            differing.join("\n")
        );
    }
}

/// The one difference the versions may show: code that can run after its function's call
/// returned (`only_in_call` false: a generator's body, a nested function) whose lines no test
/// executes is `no_tests` where lines are recorded everywhere (3.12+, `sys.monitoring`) and
/// `survived` where they are recorded only within calls (3.9-3.11), which selects it by function.
fn traced_within_calls_only(
    older: &str,
    older_verdict: &str,
    newer: &str,
    newer_verdict: &str,
    only_in_call: bool,
) -> bool {
    let within_calls = |version: &str| ["3.9", "3.10", "3.11"].contains(&version);
    !only_in_call
        && within_calls(older)
        && !within_calls(newer)
        && older_verdict == "survived"
        && newer_verdict == "no_tests"
}

/// Each mutant's verdict and the tests chosen for it (sorted), by id.
type Selected = BTreeMap<String, (String, Vec<String>)>;

/// Each mutant's verdict (from the `.meta` files) and the tests `mutrun tests-for` chooses for
/// it. (Which of the chosen tests a killed mutant ran depends on their measured durations: test
/// order, not selection.)
fn verdicts_and_tests(project: &Path) -> Selected {
    let mut out = BTreeMap::new();
    for entry in walkdir::WalkDir::new(project.join("mutants"))
        .into_iter()
        .filter_map(|e| e.ok())
        .filter(|e| e.path().extension().is_some_and(|x| x == "meta"))
    {
        let text = std::fs::read_to_string(entry.path()).expect("read .meta");
        let meta: serde_json::Value = serde_json::from_str(&text).expect(".meta is JSON");
        for mutant in meta["mutants"].as_array().expect("mutants array") {
            let id = mutant["id"].as_str().expect("id").to_string();
            let verdict = mutant["verdict"]["verdict"]
                .as_str()
                .unwrap_or("<none>")
                .to_string();
            let chosen = common::mutrun(project, &["tests-for", &id]);
            assert!(chosen.status.success(), "{}", common::text(&chosen));
            let mut tests: Vec<String> = String::from_utf8_lossy(&chosen.stdout)
                .lines()
                .filter_map(|l| l.split_whitespace().last())
                .filter(|t| t.contains("::"))
                .map(str::to_string)
                .collect();
            tests.sort();
            out.insert(id, (verdict, tests));
        }
    }
    out
}

/// Line-level selection records lines with `sys.monitoring` on 3.12+ and with a trace function
/// before: both must choose the same tests for every mutant of `fixtures/line_selection` (a
/// branch one test reaches, a line only a subprocess executes, a session fixture's lines, a line
/// no test executes).
#[test]
fn every_supported_python_selects_the_same_tests_by_line() {
    let mut by_version: Vec<(String, Selected)> = Vec::new();
    for version in VERSIONS {
        let Some(python) = find_interpreter(version).and_then(|base| venv_python(version, &base))
        else {
            continue;
        };
        let (_guard, project) = common::fixture("line_selection");
        let output = Command::new(env!("CARGO_BIN_EXE_mutrun"))
            .arg("-C")
            .arg(&project)
            .args(["run", "--no-progress", "--python"])
            .arg(&python)
            .output()
            .expect("run mutrun");
        assert!(
            output.status.success(),
            "Python {version}: {}",
            common::text(&output)
        );
        let found = verdicts_and_tests(&project);
        // `return "A"` (branchy.grade.grade's mutants 4-6) runs test_top alone.
        let top = &found["branchy.grade.grade:5"];
        assert_eq!(
            (top.0.as_str(), top.1.as_slice()),
            (
                "killed",
                ["tests/test_grade.py::test_top".to_string()].as_slice()
            ),
            "Python {version}: {found:#?}"
        );
        assert!(
            found.values().any(|(v, _)| v == "no_tests"),
            "Python {version}: {found:#?}"
        );
        by_version.push((version.to_string(), found));
    }
    let tracer = by_version
        .iter()
        .filter(|(v, _)| v.as_str() < "3.12")
        .count();
    let monitoring = by_version.len() - tracer;
    eprintln!(
        "line selection: {tracer} versions with the tracer, {monitoring} with sys.monitoring"
    );
    assert!(!by_version.is_empty(), "no CPython 3.9-3.13 found at all");
    let (first_version, first) = &by_version[0];
    for (version, found) in &by_version[1..] {
        let differing: Vec<String> = first
            .iter()
            .filter(|(id, v)| found.get(*id) != Some(*v))
            .map(|(id, v)| format!("{id}: {first_version} {v:?}, {version} {:?}", found.get(id)))
            .collect();
        assert!(
            differing.is_empty() && first.len() == found.len(),
            "line selection differs between Python versions:\n{}",
            differing.join("\n")
        );
    }
}
