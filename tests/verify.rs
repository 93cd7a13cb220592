//! `mutrun verify` re-checks stored verdicts with plain pytest on the mutant applied as a patch.

mod common;

use std::path::Path;

fn meta_path(project: &Path) -> std::path::PathBuf {
    project.join("mutants/simple/calc.py.meta")
}

#[test]
fn verify_agrees_with_a_real_run_and_catches_a_falsified_verdict() {
    let (_guard, project) = common::fixture("simple");
    let run = common::mutrun(&project, &["run", "--no-progress"]);
    assert!(run.status.success(), "{}", common::text(&run));

    let verify = common::mutrun(&project, &["verify", "simple.calc.*"]);
    let out = common::text(&verify);
    assert!(verify.status.success(), "{out}");
    assert!(out.contains("0 disagree"), "{out}");
    assert!(!out.contains("DISAGREE"), "{out}");

    // Claim that a mutant the tests kill survived: verify must say plain pytest disagrees.
    let path = meta_path(&project);
    let mut meta: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("read .meta")).expect("json");
    let mutant = meta["mutants"]
        .as_array_mut()
        .expect("mutants")
        .iter_mut()
        .find(|m| m["id"] == "simple.calc.add:1")
        .expect("simple.calc.add:1 exists");
    assert_eq!(mutant["verdict"]["verdict"], "killed");
    mutant["verdict"]["verdict"] = "survived".into();
    std::fs::write(&path, serde_json::to_string(&meta).expect("encode")).expect("write .meta");

    let verify = common::mutrun(&project, &["verify", "simple.calc.add:1"]);
    let out = common::text(&verify);
    assert_eq!(verify.status.code(), Some(5), "{out}");
    assert!(out.contains("DISAGREE simple.calc.add:1"), "{out}");
    assert!(out.contains("plain pytest: a test fails (killed)"), "{out}");
    assert!(out.contains("1 disagree"), "{out}");
}

#[test]
fn verify_before_any_run_says_to_run_first() {
    let (_guard, project) = common::fixture("simple");
    let verify = common::mutrun(&project, &["verify"]);
    let out = common::text(&verify);
    assert_eq!(verify.status.code(), Some(2), "{out}");
    assert!(out.contains("run `mutrun run` first"), "{out}");
}
