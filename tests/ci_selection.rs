//! What CI runs: shards that merge into the verdicts of one unsharded run, runs limited to the
//! lines of a diff, and reproducible samples.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

/// Every mutant's verdict (`none` when it has none) from `mutrun results --all --json`.
fn verdicts(project: &Path) -> BTreeMap<String, String> {
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
            (id, verdict)
        })
        .collect()
}

fn run(project: &Path, args: &[&str]) -> String {
    let mut all = vec!["run", "--no-progress"];
    all.extend_from_slice(args);
    let out = common::mutrun(project, &all);
    assert!(out.status.success(), "{}", common::text(&out));
    common::text(&out)
}

#[test]
fn three_shards_merged_equal_one_unsharded_run() {
    let (_whole_guard, whole) = common::fixture("simple");
    run(&whole, &[]);
    let expected = verdicts(&whole);
    assert!(expected.values().all(|v| v != "none"), "{expected:?}");

    let mut shard_dirs = Vec::new();
    let mut guards = Vec::new();
    let mut seen = 0;
    for k in 1..=3 {
        let (guard, shard) = common::fixture("simple");
        run(&shard, &["--shard", &format!("{k}/3")]);
        let got = verdicts(&shard);
        let judged: Vec<&String> = got.keys().filter(|id| got[*id] != "none").collect();
        seen += judged.len();
        for id in judged {
            assert_eq!(got[id], expected[id], "{id} in shard {k}");
        }
        shard_dirs.push(shard.join("mutants").display().to_string());
        guards.push(guard);
    }
    assert_eq!(
        seen,
        expected.len(),
        "the shards must cover every mutant exactly once"
    );

    let (_merged_guard, merged) = common::fixture("simple");
    let mut args = vec!["merge"];
    args.extend(shard_dirs.iter().map(String::as_str));
    let out = common::mutrun(&merged, &args);
    assert!(out.status.success(), "{}", common::text(&out));
    assert_eq!(verdicts(&merged), expected);
    // The merged folder is complete: a run there has nothing left to do.
    let text = run(&merged, &[]);
    assert!(text.contains("nothing to run"), "{text}");
}

#[test]
fn in_diff_runs_only_mutants_on_changed_lines() {
    let (_guard, project) = common::fixture("simple");
    let diff = "\
--- a/simple/calc.py
+++ b/simple/calc.py
@@ -23 +23 @@ def is_positive(x):
-    return x > 0
+    return x > 0
";
    let diff_path = project.join("change.diff");
    std::fs::write(&diff_path, diff).expect("write diff");
    run(
        &project,
        &["--in-diff", diff_path.to_str().expect("utf-8 path")],
    );
    let got = verdicts(&project);
    let judged: Vec<&str> = got
        .iter()
        .filter(|(_, v)| *v != "none")
        .map(|(id, _)| id.as_str())
        .collect();
    assert!(!judged.is_empty());
    assert!(
        judged
            .iter()
            .all(|id| id.starts_with("simple.calc.is_positive:")),
        "{judged:?}"
    );
    assert_eq!(
        judged.len(),
        got.keys()
            .filter(|id| id.starts_with("simple.calc.is_positive:"))
            .count()
    );

    let bad = project.join("not.diff");
    std::fs::write(&bad, "this is not a diff\n").expect("write");
    let out = common::mutrun(
        &project,
        &["run", "--in-diff", bad.to_str().expect("utf-8")],
    );
    assert_eq!(out.status.code(), Some(2), "{}", common::text(&out));
    assert!(
        common::text(&out).contains("no hunks"),
        "{}",
        common::text(&out)
    );
}

#[test]
fn a_sample_is_the_same_for_the_same_seed() {
    let judged = |seed: &str| {
        let (_guard, project) = common::fixture("simple");
        run(&project, &["--sample", "5", "--seed", seed]);
        let got = verdicts(&project);
        got.into_iter()
            .filter(|(_, v)| v != "none")
            .map(|(id, _)| id)
            .collect::<Vec<_>>()
    };
    let first = judged("7");
    assert_eq!(first.len(), 5, "{first:?}");
    assert_eq!(judged("7"), first);
    assert_ne!(judged("8"), first);
}

#[test]
fn tests_for_lists_the_covering_tests_fastest_first() {
    let (_guard, project) = common::fixture("simple");
    let out = common::mutrun(&project, &["tests-for", "simple.calc.add:1"]);
    assert_eq!(out.status.code(), Some(2), "{}", common::text(&out));
    assert!(common::text(&out).contains("run `mutrun run` first"));

    run(&project, &[]);
    let out = common::mutrun(&project, &["tests-for", "simple.calc.add:1"]);
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(out.status.success(), "{}", common::text(&out));
    assert!(
        text.trim_end().ends_with("tests/test_calc.py::test_add"),
        "{text}"
    );
    let out = common::mutrun(&project, &["tests-for", "simple.calc.unused:1"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("no test reaches simple.calc.unused"));
}

#[test]
fn since_a_git_ref_runs_only_mutants_on_lines_changed_since() {
    let (_guard, project) = common::fixture("simple");
    let git = |args: &[&str]| {
        let out = std::process::Command::new("git")
            .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
            .args(args)
            .current_dir(&project)
            .output()
            .expect("git");
        assert!(out.status.success(), "git {args:?}: {}", common::text(&out));
    };
    git(&["init", "-q"]);
    git(&["add", "-A"]);
    git(&["commit", "-q", "-m", "base"]);
    let calc = project.join("simple/calc.py");
    let text = std::fs::read_to_string(&calc).expect("read");
    std::fs::write(&calc, text.replacen("return x * 2", "return x * 3", 1)).expect("write");

    run(&project, &["--since", "HEAD"]);
    let got = verdicts(&project);
    let judged: Vec<&str> = got
        .iter()
        .filter(|(_, v)| *v != "none")
        .map(|(id, _)| id.as_str())
        .collect();
    assert!(!judged.is_empty());
    assert!(
        judged
            .iter()
            .all(|id| id.starts_with("simple.calc.unused:")),
        "{judged:?}"
    );

    let out = common::mutrun(&project, &["run", "--since", "no-such-ref"]);
    assert_eq!(out.status.code(), Some(2), "{}", common::text(&out));
    assert!(common::text(&out).contains("git diff no-such-ref"));
}
