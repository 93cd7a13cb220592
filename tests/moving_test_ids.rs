//! A test whose id differs in every process (a parametrize value holding the pid or the time, as
//! marshmallow 4.4.0's `datetime.now()` cases do) still runs in workers and fresh processes: it is
//! matched to the stats pass's id by its position among the cases of its test function.

mod common;

/// The id holds the collecting process's pid; `unused` also runs at collection, so its mutants
/// run in fresh processes, which collect (and name the case) once more.
const MOVING_IDS: &str = r#"import os

import pytest

from simple.calc import unused

SIX = unused(3)


@pytest.mark.parametrize("pid", [os.getpid()])
def test_unused(pid):
    assert SIX == 6
    assert unused(pid) == 2 * pid
"#;

#[test]
fn a_test_whose_id_changes_in_every_process_runs_under_the_stats_pass_id() {
    let (_guard, project) = common::fixture("simple");
    std::fs::write(project.join("tests/test_moving_ids.py"), MOVING_IDS).expect("write test");

    // Before, the clean pass stopped the run: the workers had not collected the stats pass's id.
    common::run_ok(&project, &[]);

    let out = common::mutrun(&project, &["results", "--all", "--json"]);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("results JSON");
    let listed = common::text(&common::mutrun(
        &project,
        &["tests-for", "simple.calc.unused:1"],
    ));
    let mutants: Vec<&serde_json::Value> = doc["mutants"]
        .as_array()
        .expect("mutants")
        .iter()
        .filter(|m| {
            m["id"]
                .as_str()
                .unwrap_or("")
                .starts_with("simple.calc.unused:")
        })
        .collect();
    assert!(!mutants.is_empty(), "no mutants of unused: {doc}");
    for m in mutants {
        assert_eq!(m["verdict"], "killed", "{m}");
        let killer = m["killer"].as_str().expect("killer");
        assert!(
            killer.starts_with("tests/test_moving_ids.py::test_unused[") && listed.contains(killer),
            "the killer is named by the stats pass's id ({killer}); tests-for lists: {listed}"
        );
    }
}
