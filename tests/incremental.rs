//! Incremental runs: after each step of editing a project, exactly the mutants whose verdict
//! could have changed run again (as `mutrun run --explain` lists them), and every other verdict
//! is reused.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

/// Runs `mutrun run --explain` and returns the mutants it ran, each with the reason it gave.
fn rerun(project: &Path) -> BTreeMap<String, String> {
    let out = common::mutrun(project, &["run", "--explain", "--no-progress"]);
    assert!(out.status.success(), "{}", common::text(&out));
    String::from_utf8_lossy(&out.stderr)
        .lines()
        .filter_map(|line| line.strip_prefix("  "))
        .filter_map(|line| line.split_once(": "))
        .map(|(id, why)| (id.to_string(), why.to_string()))
        .collect()
}

fn edit(project: &Path, file: &str, from: &str, to: &str) {
    let path = project.join(file);
    let text = std::fs::read_to_string(&path).expect("read");
    assert!(text.contains(from), "{file} has no `{from}`");
    std::fs::write(&path, text.replacen(from, to, 1)).expect("write");
}

fn ids_of(ran: &BTreeMap<String, String>, prefix: &str) -> Vec<String> {
    ran.keys()
        .filter(|id| id.starts_with(prefix))
        .cloned()
        .collect()
}

fn verdict_of(project: &Path, id: &str) -> String {
    let out = common::mutrun(project, &["results", "--all", "--json"]);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("results JSON");
    doc["mutants"]
        .as_array()
        .expect("mutants")
        .iter()
        .find(|m| m["id"] == id)
        .map(|m| m["verdict"].as_str().unwrap_or("none").to_string())
        .unwrap_or_else(|| panic!("no {id} in results"))
}

#[test]
fn each_edit_reruns_exactly_the_mutants_it_can_affect() {
    let (_guard, project) = common::fixture("simple");
    let first = rerun(&project);
    assert!(first.values().all(|why| why == "new"), "{first:?}");
    let all = first.len();
    assert!(all > 30, "{first:?}");

    // Nothing changed: nothing runs.
    assert_eq!(rerun(&project), BTreeMap::new());

    // 1. A function body changes: its mutants, and only they, run again.
    edit(&project, "simple/calc.py", "return a + b", "return b + a");
    let ran = rerun(&project);
    assert!(!ran.is_empty());
    assert_eq!(
        ids_of(&ran, ""),
        ids_of(&ran, "simple.calc.add:"),
        "{ran:?}"
    );
    // `return a + b` → `return None` is another edit now (`b + a`): that one is new.
    assert!(
        ran.values()
            .all(|why| why == "function changed" || why == "new"),
        "{ran:?}"
    );
    assert!(ran.values().any(|why| why == "function changed"), "{ran:?}");

    // 2. A test changes: the mutants it killed and the survivors it covers run again.
    assert_eq!(
        verdict_of(&project, "simple.calc.is_positive:2"),
        "survived"
    );
    edit(
        &project,
        "tests/test_calc.py",
        "assert is_positive(-5) is False",
        "assert is_positive(-5) is False\n    assert is_positive(0) is False",
    );
    let ran = rerun(&project);
    assert_eq!(
        ids_of(&ran, ""),
        ids_of(&ran, "simple.calc.is_positive:"),
        "{ran:?}"
    );
    assert_eq!(
        ran["simple.calc.is_positive:1"],
        "killing test changed or removed"
    );
    assert_eq!(
        ran["simple.calc.is_positive:2"],
        "covering tests added or changed"
    );
    // The strengthened test now kills the boundary mutant.
    assert_eq!(verdict_of(&project, "simple.calc.is_positive:2"), "killed");

    // 3. A test is added that covers a function with a survivor: that survivor runs again;
    //    the function's killed mutants keep their verdicts (their killers are unchanged).
    let survivor = "simple.calc.is_positive:3";
    assert_eq!(verdict_of(&project, survivor), "survived");
    let path = project.join("tests/test_calc.py");
    let mut text = std::fs::read_to_string(&path).expect("read");
    text.push_str("\n\ndef test_is_positive_one():\n    assert is_positive(1) is True\n");
    std::fs::write(&path, text).expect("write");
    let ran = rerun(&project);
    assert_eq!(
        ran.keys().cloned().collect::<Vec<_>>(),
        [survivor],
        "{ran:?}"
    );
    assert_eq!(ran[survivor], "covering tests added or changed");
    assert_eq!(verdict_of(&project, survivor), "killed");

    // 4. The killing test is deleted: the mutants it killed run again (and now no test covers
    //    `add`, so they are `no tests`).
    edit(
        &project,
        "tests/test_calc.py",
        "def test_add():\n    assert add(2, 3) == 5\n",
        "",
    );
    let ran = rerun(&project);
    assert_eq!(
        ids_of(&ran, ""),
        ids_of(&ran, "simple.calc.add:"),
        "{ran:?}"
    );
    assert!(!ran.is_empty());
    assert!(
        ran.values()
            .all(|why| why == "killing test changed or removed"),
        "{ran:?}"
    );
    assert_eq!(verdict_of(&project, "simple.calc.add:1"), "no_tests");

    // 5. A test file is renamed: its tests have new node ids, so the counter mutants they
    //    decided run again; the calc mutants keep theirs.
    std::fs::rename(
        project.join("tests/test_counter.py"),
        project.join("tests/test_counting.py"),
    )
    .expect("rename");
    let ran = rerun(&project);
    assert!(!ran.is_empty());
    assert_eq!(ids_of(&ran, ""), ids_of(&ran, "simple.counter."), "{ran:?}");
    assert_eq!(rerun(&project), BTreeMap::new());
}
