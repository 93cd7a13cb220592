//! Verdicts and messages that say what happened: pytest-timeout's thread method (`os._exit` after
//! its banner) is a timeout, not "suspicious"; a subset whose only tests are `xfail(strict=True)`
//! passes the forced-fail pass; a test that forks without `os._exit` passes the clean pass as it
//! passes plain pytest. Each agrees with plain pytest on the patched source (`mutrun verify`).
//! `mutrun run -v` says where the forked children's time went.

mod common;

use std::path::Path;

fn verify_agrees(python: &Path, project: &Path, args: &[&str], count: usize) {
    let mut all = vec!["verify"];
    all.extend_from_slice(args);
    let out = common::mutrun_with(python, project, &all);
    let text = common::text(&out);
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains(&format!(
            "{count} mutants checked: {count} agree, 0 disagree, 0 could not be checked"
        )),
        "{text}"
    );
}

/// `mutrun results --all --json`'s detail of mutant `id`.
fn detail(project: &Path, id: &str) -> String {
    let out = common::mutrun(project, &["results", "--all", "--json"]);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("results JSON");
    doc["mutants"]
        .as_array()
        .expect("mutants")
        .iter()
        .find(|m| m["id"] == id)
        .and_then(|m| m["detail"].as_str())
        .unwrap_or_default()
        .to_string()
}

#[test]
fn pytest_timeouts_thread_method_is_a_timeout() {
    let python = common::python_with_plugins();
    let (_guard, project) = common::fixture("plugin_timeout");
    let out = common::mutrun_with(&python, &project, &["run", "--no-progress"]);
    let text = common::text(&out);
    assert!(out.status.success(), "{text}");
    let v = common::verdicts(&project);
    // `i -= 1` → `i = 1` and `i += 1`: endless; pytest-timeout (1 s, thread) ends the process.
    for id in ["chores.work.countdown:5", "chores.work.countdown:6"] {
        assert_eq!(v[id], "timeout", "{id}: {v:?}");
        let said = detail(&project, id);
        assert!(said.contains("pytest-timeout stopped the tests"), "{said}");
    }
    assert_eq!(v["chores.work.countdown:3"], "killed", "{v:?}"); // > → >=
    assert!(!v.values().any(|v| v == "suspicious"), "{v:?}");
    verify_agrees(&python, &project, &[], v.len());
}

#[test]
fn a_subset_covered_only_by_strict_xfail_tests_runs() {
    let python = common::python();
    let (_guard, project) = common::fixture("strict_xfail");
    let out = common::mutrun_with(
        &python,
        &project,
        &["run", "--no-progress", "bugs.known.broken*"],
    );
    let text = common::text(&out);
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains("forced-fail pass: the tests call the mutated code")
            && text.contains("they expect an exception (xfail)"),
        "{text}"
    );
    assert!(!text.contains("do not run the code"), "{text}");
    let v = common::verdicts(&project);
    // `total = 0` → `total = 1`: the sum comes out right, the strict xfail passes: XPASS(strict).
    assert_eq!(v["bugs.known.broken_sum:2"], "killed", "{v:?}");
    // `values[1:]` → `values[2:]`: still wrong, still xfails.
    assert_eq!(v["bugs.known.broken_sum:3"], "survived", "{v:?}");
    assert_eq!(v["bugs.known.double:1"], "none", "not in the subset: {v:?}");
    verify_agrees(&python, &project, &["bugs.known.broken*"], 6);
}

#[test]
fn a_test_that_forks_without_exiting_passes_the_clean_pass() {
    let python = common::python();
    let (_guard, project) = common::fixture("forking_test");
    let (code, plain) = common::plain_pytest(&python, &project, &["-p", "no:cacheprovider"]);
    assert_eq!(code, Some(0), "{plain}");

    let out = common::mutrun_with(&python, &project, &["run", "--no-progress"]);
    let text = common::text(&out);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("clean pass: 2 tests pass"), "{text}");
    let v = common::verdicts(&project);
    for id in ["calc.ops.add:1", "calc.ops.add:2", "calc.ops.times:2"] {
        assert_eq!(v[id], "killed", "{id}: {v:?}");
    }
    verify_agrees(&python, &project, &[], v.len());
}

#[test]
fn verbose_run_says_where_the_forked_childrens_time_went() {
    let (_guard, project) = common::fixture("simple");
    let out = common::mutrun(&project, &["-v", "run", "--no-progress"]);
    let text = common::text(&out);
    assert!(out.status.success(), "{text}");
    let line = text
        .lines()
        .find(|l| l.contains("forked children, per child (median): fork "))
        .unwrap_or_else(|| panic!("no phases line in:\n{text}"));
    for part in ["enter", "re-collect", "tests", "report", "reap"] {
        assert!(
            line.contains(&format!(" {part} ")),
            "{part} missing: {line}"
        );
    }
    // Without -v the line is not printed.
    let quiet = common::run_ok(&project, &["--rerun"]);
    assert!(!quiet.contains("forked children, per child"), "{quiet}");
}
