//! Real projects' pytest setups: pytest-xdist in `addopts`, pytest's cache options in `addopts`,
//! and a project in a monorepo (pytest's config in a parent folder, a conftest.py with
//! `pytest_addoption` at the project root). Each runs as plain pytest runs it, with the verdicts
//! plain pytest on the patched source gives (`mutrun verify`: 0 disagreements).

mod common;

use std::path::Path;

/// The verdicts of the `shapes` package every fixture here holds.
fn assert_shapes_verdicts(project: &Path) {
    let v = common::verdicts(project);
    for (id, verdict) in [
        ("shapes.area.rectangle:1", "killed"),   // return None
        ("shapes.area.rectangle:2", "killed"),   // * → /
        ("shapes.area.is_square:1", "killed"),   // return None
        ("shapes.area.is_square:2", "killed"),   // == → !=
        ("shapes.area.is_square:3", "survived"), // and → or
        ("shapes.area.is_square:4", "survived"), // > → >=
        ("shapes.area.is_square:5", "survived"), // 0 → 1
    ] {
        assert_eq!(v[id], verdict, "{id}: {v:?}");
    }
    assert_eq!(v.len(), 7, "{v:?}");
}

/// `mutrun verify` on every mutant: plain pytest on the patched source agrees with each verdict.
fn assert_verify_agrees(python: &Path, project: &Path) {
    let out = common::mutrun_with(python, project, &["verify"]);
    let text = common::text(&out);
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains("7 mutants checked: 7 agree, 0 disagree, 0 could not be checked"),
        "{text}"
    );
}

fn run(python: &Path, project: &Path) -> String {
    let out = common::mutrun_with(python, project, &["run", "--no-progress"]);
    let text = common::text(&out);
    assert!(out.status.success(), "{text}");
    text
}

#[test]
fn xdist_in_addopts_runs_every_test_in_mutruns_own_processes() {
    let python = common::python_with_plugins();
    let (_guard, project) = common::fixture("xdist_addopts");
    let (code, plain) = common::plain_pytest(&python, &project, &[]);
    assert_eq!(code, Some(0), "{plain}");
    assert!(
        plain.contains("created: 2/2 workers"),
        "xdist is active: {plain}"
    );

    let text = run(&python, &project);
    assert!(text.contains("stats pass done: 3 tests"), "{text}");
    assert!(text.contains("clean pass: 3 tests pass"), "{text}");
    assert_shapes_verdicts(&project);
    assert_verify_agrees(&python, &project);
}

#[test]
fn cache_options_in_addopts_are_accepted_and_never_deselect_or_reorder() {
    let python = common::python_with_plugins();
    let (_guard, project) = common::fixture("cache_addopts");
    let (code, plain) = common::plain_pytest(&python, &project, &[]);
    assert_eq!(code, Some(0), "{plain}");

    // A first run whose suite has a failing test: refused, and each process's own cache now
    // remembers that failure (`--lf`, `--sw` would then run only it).
    let failing = project.join("tests/test_failing.py");
    std::fs::write(&failing, "def test_broken():\n    assert 1 == 2\n").expect("write test");
    let out = common::mutrun_with(&python, &project, &["run", "--no-progress"]);
    let text = common::text(&out);
    assert_eq!(out.status.code(), Some(4), "{text}");
    assert!(text.contains("test_broken"), "{text}");
    assert!(!text.contains("unrecognized arguments"), "{text}");

    // Fixed: every test runs again, in every pass.
    std::fs::write(&failing, "def test_broken():\n    assert 1 == 1\n").expect("write test");
    let text = run(&python, &project);
    assert!(text.contains("stats pass done: 4 tests"), "{text}");
    assert_shapes_verdicts(&project);
    assert_verify_agrees(&python, &project);
    // Nothing writes pytest's cache into the copy (each process has its own under .mutrun/).
    assert!(!project.join("mutants/.pytest_cache").exists());
}

#[test]
fn a_monorepo_project_loads_only_the_copied_conftest_and_the_shared_one_above() {
    let python = common::python();
    let (_guard, monorepo) = common::fixture("monorepo");
    let project = monorepo.join("proj");
    // Plain pytest in the project: the monorepo's pytest.ini and conftest.py (fixture `unit`),
    // the project's conftest.py (option --scale).
    let (code, plain) = common::plain_pytest(&python, &project, &[]);
    assert_eq!(code, Some(0), "{plain}");

    let text = run(&python, &project);
    assert!(!text.contains("already added"), "{text}");
    assert!(text.contains("stats pass done: 3 tests"), "{text}");
    assert_shapes_verdicts(&project);
    assert_verify_agrees(&python, &project);
}
