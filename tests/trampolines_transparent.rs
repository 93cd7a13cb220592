//! With no mutant active, the generated trampolines are invisible: plain pytest run inside
//! `mutants/` (after `mutrun generate`) reports exactly what it reports on the original project,
//! test by test, including the tests that inspect signatures, names, frames, `super()`, decorators,
//! generators and async code.

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

/// Each test's outcome (`PASSED`, `FAILED`, …) from `python -m pytest -rA` run in `dir`.
fn pytest_outcomes(dir: &Path, python_path: &[&Path]) -> BTreeMap<String, String> {
    let paths: Vec<String> = python_path
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    let out = Command::new(common::python())
        .args(["-m", "pytest", "-rA", "-p", "no:cacheprovider"])
        .current_dir(dir)
        .env("PYTHONPATH", paths.join(":"))
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .env_remove(mutrun::execute::protocol::ENV_MUTANT)
        .env_remove(mutrun::execute::protocol::ENV_MODE)
        .output()
        .expect("run pytest");
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let outcomes: BTreeMap<String, String> = text
        .lines()
        .filter_map(|line| {
            let (outcome, rest) = line.split_once(' ')?;
            let known = ["PASSED", "FAILED", "ERROR", "SKIPPED", "XFAIL", "XPASS"];
            known.contains(&outcome).then(|| {
                let id = rest.split(" - ").next().unwrap_or(rest).to_string();
                (id, outcome.to_string())
            })
        })
        .collect();
    assert!(
        !outcomes.is_empty(),
        "pytest in {} reported no test:\n{text}\n{}",
        dir.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    outcomes
}

/// `mutrun generate`, then pytest on the original and on `mutants/` (whose import root is
/// `import_root` inside it): the same outcome for every test.
fn same_outcomes_in_mutants(fixture: &str, import_root: &str) -> BTreeMap<String, String> {
    let (_guard, project) = common::fixture(fixture);
    let original = pytest_outcomes(&project, &[&project.join(import_root)]);

    let out = common::mutrun(&project, &["generate"]);
    assert!(out.status.success(), "{}", common::text(&out));
    let mutants = project.join("mutants");
    let rewritten = walkdir::WalkDir::new(&mutants)
        .into_iter()
        .filter_map(|e| e.ok())
        .filter(|e| e.path().extension().is_some_and(|x| x == "py"))
        .filter(|e| {
            std::fs::read_to_string(e.path()).is_ok_and(|t| t.contains("import mutrun_runtime"))
        })
        .count();
    assert!(rewritten > 0, "{fixture}: no trampolined file in mutants/");

    let runtime = mutants.join(".mutrun/runtime");
    let in_mutants = pytest_outcomes(&mutants, &[&runtime, &mutants.join(import_root)]);
    assert_eq!(
        in_mutants, original,
        "{fixture}: pytest in mutants/ differs"
    );
    original
}

#[test]
fn kinds_pass_the_same_in_mutants() {
    let outcomes = same_outcomes_in_mutants("kinds", ".");
    for test in [
        "tests/test_shapes.py::test_signature_and_metadata_are_the_originals",
        "tests/test_shapes.py::test_kind_predicates_are_the_originals",
        "tests/test_shapes.py::test_decorator_wraps_once",
        "tests/test_shapes.py::test_caller_frame_is_the_real_caller",
        "tests/test_shapes.py::test_logging_reports_the_function",
        "tests/test_shapes.py::test_coroutine",
        "tests/test_shapes.py::test_async_generator",
        "tests/test_shapes.py::test_generator_throw",
    ] {
        assert_eq!(
            outcomes.get(test).map(String::as_str),
            Some("PASSED"),
            "{test}: {outcomes:?}"
        );
    }
}

#[test]
fn other_fixtures_pass_the_same_in_mutants() {
    same_outcomes_in_mutants("simple", ".");
    same_outcomes_in_mutants("src_layout", "src");
    same_outcomes_in_mutants("import_time", ".");
}

#[test]
fn a_failing_test_fails_the_same_in_mutants() {
    let outcomes = same_outcomes_in_mutants("broken/failing_clean", ".");
    assert_eq!(
        outcomes["tests/test_ops.py::test_subtract_fails_without_mutants"],
        "FAILED"
    );
    assert_eq!(
        outcomes["tests/test_ops.py::test_subtract_passes"],
        "PASSED"
    );
}
