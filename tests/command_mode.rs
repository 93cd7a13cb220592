//! Test-command mode on `fixtures/unittest_suite` (a unittest suite, no pytest involved): the
//! verdicts of named mutants, reuse on a second run, the `-- CMD` form, and the sanity passes'
//! messages.

mod common;

use std::path::Path;

fn verdict(v: &std::collections::BTreeMap<String, String>, id: &str) -> String {
    v.get(id)
        .cloned()
        .unwrap_or_else(|| panic!("{id} missing from {v:?}"))
}

fn no_processes_left(project: &Path) {
    let left = common::wait_for_no_processes_under(project);
    assert!(left.is_empty(), "processes left behind: {left:?}");
}

#[test]
fn a_unittest_suite_gets_a_verdict_for_every_mutant() {
    let (_guard, project) = common::fixture("unittest_suite");
    let out = common::run_ok(&project, &["-j", "2"]);
    assert!(out.contains("reach pass"), "{out}");
    assert!(out.contains("clean pass: `python -m unittest"), "{out}");
    let v = common::verdicts(&project);
    // `width * height` → `None`: test_area fails.
    assert_eq!(verdict(&v, "shapes.area.rectangle:10"), "killed");
    // `or` → `and`: rectangle(-1, 4) no longer raises.
    assert_eq!(verdict(&v, "shapes.area.rectangle:4"), "killed");
    // `width < 0` → `width <= 0`: no test uses a zero side.
    assert_eq!(verdict(&v, "shapes.area.rectangle:2"), "survived");
    // The message of the ValueError is never checked.
    assert_eq!(verdict(&v, "shapes.area.rectangle:8"), "survived");
    // The suite never calls hexagon: its mutants are not run at all.
    for (id, verdict) in &v {
        if id.starts_with("shapes.area.hexagon:") {
            assert_eq!(verdict, "no_tests", "{id}");
        }
    }
    let killed = common::stored_record(&project, "shapes/area.py", "shapes.area.rectangle:10");
    assert_eq!(
        killed["killer"], "python -m unittest discover -s tests -t .",
        "{killed}"
    );
    no_processes_left(&project);

    // Nothing changed: every verdict is reused and no command runs.
    let again = common::run_ok(&project, &[]);
    assert!(again.contains("nothing to run"), "{again}");

    // A changed test file re-runs the mutants the command reaches, and only those.
    let test_file = project.join("tests/test_area.py");
    let text = std::fs::read_to_string(&test_file).expect("read test");
    std::fs::write(&test_file, format!("{text}\n# edited\n")).expect("write test");
    let rerun = common::run_ok(&project, &[]);
    assert!(rerun.contains("15 mutants to run"), "{rerun}");
    assert_eq!(common::verdicts(&project), v);
    no_processes_left(&project);
}

#[test]
fn the_command_after_two_dashes_replaces_the_config() {
    let (_guard, project) = common::fixture("unittest_suite");
    let config = project.join("pyproject.toml");
    let text = std::fs::read_to_string(&config).expect("read config");
    let without: String = text
        .lines()
        .filter(|l| !l.starts_with("test_command"))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(&config, without).expect("write config");
    let out = common::run_ok(
        &project,
        &[
            "-j",
            "2",
            "shapes.area.rectangle:*",
            "--",
            "python",
            "-m",
            "unittest",
            "discover",
            "-s",
            "tests",
            "-t",
            ".",
        ],
    );
    assert!(out.contains("test command `python -m unittest"), "{out}");
    let v = common::verdicts(&project);
    assert_eq!(verdict(&v, "shapes.area.rectangle:10"), "killed");
    assert_eq!(verdict(&v, "shapes.area.rectangle:2"), "survived");
}

#[test]
fn a_command_that_fails_without_mutants_stops_the_run_with_its_output() {
    let (_guard, project) = common::fixture("unittest_suite");
    let out = common::mutrun(
        &project,
        &[
            "run",
            "--no-progress",
            "--",
            "python",
            "-c",
            "import sys; print('the suite is broken'); sys.exit(3)",
        ],
    );
    let text = common::text(&out);
    assert_eq!(out.status.code(), Some(4), "{text}");
    assert!(
        text.contains("exit status: 3") || text.contains("exit code 3"),
        "{text}"
    );
    assert!(text.contains("the suite is broken"), "{text}");
    assert!(text.contains("Make the command pass"), "{text}");
    no_processes_left(&project);
}

#[test]
fn a_command_that_never_runs_the_mutated_code_fails_the_forced_fail_pass() {
    let (_guard, project) = common::fixture("unittest_suite");
    // It imports the package (so the reach pass sees the module) but calls nothing in it.
    let out = common::mutrun(
        &project,
        &[
            "run",
            "--no-progress",
            "--",
            "python",
            "-c",
            "import shapes.area",
        ],
    );
    let text = common::text(&out);
    // Nothing is reached: every mutant is `no tests`, and no command needs to run.
    assert!(out.status.success(), "{text}");
    let v = common::verdicts(&project);
    assert!(v.values().all(|verdict| verdict == "no_tests"), "{v:?}");

    // A command that calls the code but swallows every error cannot fail.
    let out = common::mutrun(
        &project,
        &[
            "run",
            "--no-progress",
            "--",
            "python",
            "-c",
            "import shapes.area\ntry:\n    shapes.area.rectangle(1, 2)\nexcept BaseException:\n    pass",
        ],
    );
    let text = common::text(&out);
    assert_eq!(out.status.code(), Some(4), "{text}");
    assert!(text.contains("forced-fail pass"), "{text}");
    no_processes_left(&project);
}
