//! A test that regenerates a package source (`calc/g.py`, as code-generator and snapshot tests
//! do) writes over the mutated copy in `mutants/` during every pass (issue 17): mutrun writes the
//! mutated copy back after each pass, so the workers import the mutants, and the next run's
//! generation notices a copy that differs from what it rendered.

mod common;

use std::path::Path;

fn run(project: &Path) -> (Option<i32>, String) {
    let out = common::mutrun(project, &["run", "--no-progress", "-j", "2"]);
    (out.status.code(), common::text(&out))
}

#[test]
fn mutants_of_a_file_a_test_regenerates_are_killed_as_plain_pytest_kills_them() {
    let (_guard, project) = common::fixture("files/codegen");
    let source_before = std::fs::read(project.join("calc/g.py")).expect("read");
    let (code, text) = run(&project);
    assert_eq!(code, Some(0), "{text}");
    assert_eq!(
        text.matches("mutrun: warning: a test wrote over mutants/calc/g.py during the stats pass; mutrun wrote the mutated copy back, so every test process from now on runs the mutants").count(),
        1,
        "one warning, once: {text}"
    );
    let v = common::verdicts(&project);
    // `a + b` → `a - b`, `return None`; the same for sub and mul: each is killed by its test,
    // which only a trampolined calc/g.py can do.
    for id in [
        "calc.g.add:1",
        "calc.g.add:2",
        "calc.g.sub:1",
        "calc.g.sub:2",
        "calc.g.mul:1",
        "calc.g.mul:2",
    ] {
        assert_eq!(v.get(id).map(String::as_str), Some("killed"), "{id}: {v:?}");
    }
    assert!(v.values().all(|v| v != "none" && v != "no_tests"), "{v:?}");
    // The project's own file is never touched: the test wrote into mutants/.
    assert_eq!(
        std::fs::read(project.join("calc/g.py")).expect("read"),
        source_before
    );
    // mutants/calc/g.py is the trampolined module again at the end of the run.
    let copy = std::fs::read_to_string(project.join("mutants/calc/g.py")).expect("read");
    assert!(
        copy.contains("import mutrun_runtime as _mutrun_rt"),
        "{copy}"
    );

    // Plain pytest on each patched source agrees.
    let verify = common::mutrun(&project, &["verify", "calc.g.*"]);
    let checked = common::text(&verify);
    assert_eq!(verify.status.code(), Some(0), "{checked}");
    assert!(
        checked.contains("6 mutants checked: 6 agree, 0 disagree"),
        "{checked}"
    );

    // The next run: a copy overwritten after the run (here by hand, as a test would) is noticed
    // by its hash and rendered again; every verdict is reused.
    std::fs::write(project.join("mutants/calc/g.py"), &source_before).expect("write");
    let (code, text) = run(&project);
    assert_eq!(code, Some(0), "{text}");
    assert!(
        text.contains("mutrun: warning: mutants/calc/g.py changed since mutrun wrote it (a test that writes package sources?); wrote its mutated copy again"),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "all {} selected verdicts are still valid; nothing to run",
            v.len()
        )),
        "{text}"
    );
    assert_eq!(common::verdicts(&project), v);
    let copy = std::fs::read_to_string(project.join("mutants/calc/g.py")).expect("read");
    assert!(
        copy.contains("import mutrun_runtime as _mutrun_rt"),
        "{copy}"
    );
    let left = common::wait_for_no_processes_under(&project);
    assert!(left.is_empty(), "processes left behind: {left:?}");
}
