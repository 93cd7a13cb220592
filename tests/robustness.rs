//! The robustness suite of issue 7: one small project per kind of bad input under
//! `fixtures/robust/`, each test asserting what a user sees (the verdict of named mutants, or a
//! message naming the cause and what to do) and that no process is left behind.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// `mutrun run --no-progress ARGS` on a fresh copy of `fixtures/robust/NAME`:
/// (guard, project, exit code, stdout + stderr).
fn run_case(name: &str, args: &[&str]) -> (tempfile::TempDir, PathBuf, Option<i32>, String) {
    let (guard, project) = common::fixture(&format!("robust/{name}"));
    let (code, text) = run_again(&project, args);
    (guard, project, code, text)
}

/// `mutrun run --no-progress ARGS` on `project` as it is: (exit code, stdout + stderr).
fn run_again(project: &Path, args: &[&str]) -> (Option<i32>, String) {
    let mut all = vec!["run", "--no-progress"];
    all.extend_from_slice(args);
    let out = common::mutrun(project, &all);
    (out.status.code(), common::text(&out))
}

/// No process (worker, child, subprocess of a test) is left running under `project`.
fn assert_nothing_left(project: &Path) {
    let left = common::wait_for_no_processes_under(project);
    assert!(left.is_empty(), "processes left behind: {left:?}");
}

/// Verdict (and detail) of every mutant, from `mutrun results --all --json`.
fn details(project: &Path) -> BTreeMap<String, (String, String)> {
    let out = common::mutrun(project, &["results", "--all", "--json"]);
    assert!(out.status.success(), "{}", common::text(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("results JSON");
    doc["mutants"]
        .as_array()
        .expect("mutants")
        .iter()
        .map(|m| {
            let id = m["id"].as_str().expect("id").to_string();
            let verdict = m["verdict"].as_str().unwrap_or("none").to_string();
            let detail = m["detail"].as_str().unwrap_or("").to_string();
            (id, (verdict, detail))
        })
        .collect()
}

// --- 1. sources that are not UTF-8 -------------------------------------------------------------

#[test]
fn sources_that_are_not_utf8_are_named_and_copied_unmutated_and_the_rest_runs() {
    let (_guard, project, code, text) = run_case("non_utf8", &["-j", "1"]);
    assert_eq!(code, Some(0), "{text}");
    // latin-1 with a cookie: named with its encoding.
    assert!(
        text.contains(
            "mutrun: warning: enc/latin.py:1:1: declares encoding latin-1; mutrun mutates UTF-8 \
             sources only, copied unmutated"
        ),
        "{text}"
    );
    // A stray byte and no cookie: named with the byte's position and what to do.
    let raw = text
        .lines()
        .find(|l| l.starts_with("mutrun: warning: enc/raw.py:"))
        .unwrap_or_else(|| panic!("no warning naming enc/raw.py:\n{text}"));
    assert!(
        raw.starts_with("mutrun: warning: enc/raw.py:3:4: not valid UTF-8"),
        "{raw}"
    );
    assert!(raw.contains("Save it as UTF-8"), "{raw}");
    // Both are in mutants/ byte for byte (the tests import the latin-1 one).
    for file in ["enc/latin.py", "enc/raw.py"] {
        assert_eq!(
            std::fs::read(project.join("mutants").join(file)).expect("copied"),
            std::fs::read(project.join(file)).expect("original"),
            "{file}"
        );
    }
    let v = common::verdicts(&project);
    assert!(!v.is_empty(), "{text}");
    assert!(
        v.keys().all(|id| id.starts_with("enc.good.double:")),
        "{v:?}"
    );
    assert!(v.values().all(|v| v == "killed"), "{v:?}");
    assert_nothing_left(&project);
}

// --- 2. a project with no tests -----------------------------------------------------------------

#[test]
fn a_project_without_tests_stops_with_code_4_and_says_to_write_or_point_at_tests() {
    let (_guard, project, code, text) = run_case("no_tests", &[]);
    assert_eq!(code, Some(4), "{text}");
    assert!(
        text.contains("mutrun: error: pytest found no tests in mutants/"),
        "{text}"
    );
    assert!(text.contains("Write tests pytest collects"), "{text}");
    assert!(text.contains("`tests_dir`"), "{text}");
    assert_eq!(common::saved_verdicts(&project), 0, "{text}");
    assert_nothing_left(&project);
}

// --- 4. a mutant that allocates without bound ---------------------------------------------------

#[test]
fn a_mutant_that_allocates_without_bound_crashes_under_the_memory_cap() {
    // fixtures/robust/memory sets `memory_limit_mb = 300`.
    let (_guard, project, code, text) = run_case("memory", &["-j", "2"]);
    assert_eq!(code, Some(0), "{text}");
    let v = details(&project);
    // `i += 1` → `i = 1` and `i -= 1`: the loop appends a megabyte forever.
    for id in ["hog.grow.megabytes:12", "hog.grow.megabytes:13"] {
        let (verdict, detail) = &v[id];
        assert_eq!(verdict, "crashed", "{id}: {v:?}");
        assert!(
            detail.contains("ran out of memory under the memory cap (`memory_limit_mb`)")
                && detail.contains("tests/test_grow.py::test_megabytes"),
            "{id}: {detail}"
        );
    }
    // `while i < n` → `while not (i < n)`: no allocation, a plain wrong answer.
    assert_eq!(v["hog.grow.megabytes:4"].0, "killed", "{v:?}");
    // The other function is judged as usual.
    assert_eq!(v["hog.grow.half:1"].0, "killed", "{v:?}");
    assert_eq!(
        v.values()
            .filter(|(verdict, _)| verdict == "crashed")
            .count(),
        2,
        "only the two endless allocations crash: {v:?}"
    );
    let show = common::mutrun(&project, &["show", "hog.grow.megabytes:12"]);
    let shown = String::from_utf8_lossy(&show.stdout).to_string();
    assert!(
        shown.contains("verdict: crashed (ran out of memory under the memory cap"),
        "{shown}"
    );
    assert_nothing_left(&project);
}
