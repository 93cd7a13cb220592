//! Triage and tuning on `fixtures/triage/*`: equivalent-mutant marks (`mutrun mark`/`unmark`),
//! operator selection, `mutate_only_covered_lines` and `type_check_command`.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

fn edit(project: &Path, file: &str, from: &str, to: &str) {
    let path = project.join(file);
    let text = std::fs::read_to_string(&path).expect("read");
    assert!(text.contains(from), "{file} has no `{from}`");
    std::fs::write(&path, text.replacen(from, to, 1)).expect("write");
}

/// `mutrun results --all --json`: the summary and each mutant's row by id.
fn results(project: &Path) -> (serde_json::Value, BTreeMap<String, serde_json::Value>) {
    let out = common::mutrun(project, &["results", "--all", "--json"]);
    assert!(out.status.success(), "{}", common::text(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("results JSON");
    let rows = doc["mutants"]
        .as_array()
        .expect("mutants")
        .iter()
        .map(|m| (m["id"].as_str().expect("id").to_string(), m.clone()))
        .collect();
    (doc["summary"].clone(), rows)
}

/// The id of the one mutant `mutrun list` shows with this operator and before/after line text.
fn find_id(project: &Path, operator: &str, after: &str) -> String {
    let out = common::mutrun(project, &["list", "--json"]);
    assert!(out.status.success(), "{}", common::text(&out));
    let found: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|line| serde_json::from_str::<serde_json::Value>(line).expect("list JSON"))
        .filter(|row| row["operator"] == operator && row["after"] == after)
        .map(|row| row["id"].as_str().expect("id").to_string())
        .collect();
    assert_eq!(found.len(), 1, "{operator} {after}: {found:?}");
    found[0].clone()
}

fn ok(project: &Path, args: &[&str]) -> String {
    let out = common::mutrun(project, args);
    let text = common::text(&out);
    assert!(out.status.success(), "{text}");
    text
}

#[test]
fn a_marked_mutant_stays_ignored_across_edits_until_unmarked() {
    let (_guard, project) = common::fixture("triage/basic");
    // `x < lo` → `x <= lo` in clamp is equivalent: at x == lo both return lo (== x).
    let id = find_id(&project, "compare_boundary", "if x <= lo:");
    common::run_ok(&project, &[]);
    let (_, rows) = results(&project);
    assert_eq!(rows[&id]["verdict"], "survived", "{rows:?}");

    // Unknown ids are refused with what to do; --equivalent is required.
    let out = common::mutrun(&project, &["mark", "tri.calc.clamp:99", "--equivalent"]);
    assert_eq!(out.status.code(), Some(2), "{}", common::text(&out));
    assert!(
        common::text(&out).contains("mutrun list"),
        "{}",
        common::text(&out)
    );
    let out = common::mutrun(&project, &["mark", &id]);
    assert_eq!(out.status.code(), Some(2), "{}", common::text(&out));

    ok(
        &project,
        &["mark", &id, "--equivalent", "--reason", "first"],
    );
    // Marking again only updates the reason.
    let text = ok(
        &project,
        &[
            "mark",
            &id,
            "--equivalent",
            "--reason",
            "x == lo returns lo either way",
        ],
    );
    assert!(text.contains("reason updated"), "{text}");
    let marks = std::fs::read_to_string(project.join("mutrun-marks.toml")).expect("marks file");
    assert_eq!(marks.matches("[[equivalent]]").count(), 1, "{marks}");
    assert!(marks.contains("function = \"tri.calc.clamp\""), "{marks}");
    assert!(marks.contains("operator = \"compare_boundary\""), "{marks}");
    assert!(marks.contains("original = \"<\""), "{marks}");
    assert!(marks.contains("replacement = \"<=\""), "{marks}");
    assert!(
        marks.contains("reason = \"x == lo returns lo either way\""),
        "{marks}"
    );

    let text = ok(&project, &["show", &id]);
    assert!(
        text.contains("marked equivalent in mutrun-marks.toml: x == lo returns lo either way"),
        "{text}"
    );

    // Reported as ignored at once, and left out of the score.
    let (summary, rows) = results(&project);
    assert_eq!(rows[&id]["verdict"], "ignored", "{rows:?}");
    assert_eq!(summary["counts"]["ignored"], 1, "{summary}");
    let judged: u64 = ["killed", "survived", "no tests", "timeout"]
        .iter()
        .map(|v| summary["counts"][v].as_u64().unwrap_or(0))
        .sum();
    let killed = summary["counts"]["killed"].as_u64().unwrap_or(0) as f64;
    let score = summary["score"].as_f64().expect("score");
    assert!((score - killed / judged as f64).abs() < 1e-3, "{summary}");
    let text = ok(&project, &["results", "--all"]);
    assert!(text.contains("ignored (1):"), "{text}");
    let out = common::mutrun(&project, &["results", "--format", "stryker"]);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("stryker JSON");
    let stryker = doc["files"]["tri/calc.py"]["mutants"]
        .as_array()
        .expect("mutants")
        .iter()
        .find(|m| m["id"] == id.as_str())
        .expect("marked mutant in the stryker report")
        .clone();
    assert_eq!(stryker["status"], "Ignored", "{stryker}");

    // An unrelated edit above it: a new function shifts its line, and a statement added at the
    // top of clamp renumbers its mutants. The mark follows the mutant; it is not run.
    edit(
        &project,
        "tri/calc.py",
        "def clamp(x, lo, hi):\n",
        "def double(v):\n    return v * 2\n\n\ndef clamp(x, lo, hi):\n    hi = max(hi, lo)\n",
    );
    let moved = find_id(&project, "compare_boundary", "if x <= lo:");
    assert_ne!(moved, id, "the edit was meant to renumber clamp's mutants");
    let text = common::run_ok(&project, &["--explain"]);
    assert!(
        !text.contains(&format!("  {moved}:")),
        "the marked mutant ran:\n{text}"
    );
    assert!(text.contains("marked equivalent"), "{text}");
    let (_, rows) = results(&project);
    assert_eq!(rows[&moved]["verdict"], "ignored", "{rows:?}");
    assert_eq!(rows[&moved]["line"], 7, "{:?}", rows[&moved]);

    // Unmark: it runs again (and survives, being equivalent).
    let text = ok(&project, &["unmark", &moved]);
    assert!(text.contains("unmarked"), "{text}");
    assert!(!project.join("mutrun-marks.toml").exists());
    let text = ok(&project, &["unmark", &moved]);
    assert!(text.contains("not marked"), "{text}");
    common::run_ok(&project, &[]);
    let (_, rows) = results(&project);
    assert_eq!(rows[&moved]["verdict"], "survived", "{rows:?}");
}

#[test]
fn a_mark_whose_mutant_is_gone_is_reported_stale() {
    let (_guard, project) = common::fixture("triage/basic");
    let id = find_id(&project, "compare_boundary", "return n <= 10");
    common::run_ok(&project, &[]);
    ok(&project, &["mark", &id, "--equivalent", "--reason", "r"]);
    // A run without its operator leaves the mark alone: not stale, only out of scope.
    let text = common::run_ok(&project, &["--operators", "return_none"]);
    assert!(!text.contains("stale mark"), "{text}");
    // The comparison is rewritten: the marked mutant no longer exists.
    edit(&project, "tri/calc.py", "return n < 10", "return n <= 9");
    let text = common::run_ok(&project, &[]);
    let warning = "stale mark in mutrun-marks.toml: tri.calc.is_small [compare_boundary] < → <=";
    assert!(text.contains(warning), "{text}");
    let out = common::mutrun(&project, &["results"]);
    assert!(out.status.success(), "{}", common::text(&out));
    assert!(
        common::text(&out).contains(warning),
        "{}",
        common::text(&out)
    );
}

/// `mutrun list --json ARGS` as (id, operator, line text after) rows.
fn listed(project: &Path, args: &[&str]) -> Vec<(String, String, String)> {
    let mut all = vec!["list", "--json"];
    all.extend_from_slice(args);
    let out = common::mutrun(project, &all);
    assert!(out.status.success(), "{}", common::text(&out));
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|line| serde_json::from_str::<serde_json::Value>(line).expect("list JSON"))
        .map(|row| {
            let field = |k: &str| row[k].as_str().expect("string field").to_string();
            (field("id"), field("operator"), field("after"))
        })
        .collect()
}

#[test]
fn operator_selection_yields_exactly_the_chosen_mutants() {
    let (_guard, project) = common::fixture("triage/basic");
    let row = |id: &str, op: &str, after: &str| (id.to_string(), op.to_string(), after.to_string());
    assert_eq!(
        listed(&project, &["--operators", "comparisons"]),
        [
            row("tri.calc.clamp:1", "compare_boundary", "if x <= lo:"),
            row("tri.calc.clamp:2", "compare_boundary", "if x >= hi:"),
            row("tri.calc.is_small:1", "compare_boundary", "return n <= 10"),
        ]
    );
    assert_eq!(
        listed(
            &project,
            &[
                "--operators",
                "literals,return_none",
                "--disable-operators",
                "string,string_case"
            ]
        ),
        [
            row("tri.calc.clamp:1", "return_none", "return None"),
            row("tri.calc.clamp:2", "return_none", "return None"),
            row("tri.calc.clamp:3", "return_none", "return None"),
            row("tri.calc.is_small:1", "return_none", "return None"),
            row("tri.calc.is_small:2", "number", "return n < 11"),
            row("tri.calc.partly:1", "return_none", "return None"),
            row("tri.calc.partly:2", "return_none", "return None"),
            row("tri.calc.unused:1", "return_none", "return None"),
            row("tri.calc.unused:2", "number", "return a * 3"),
        ]
    );

    // Unknown names: a usage error that lists the operators and groups.
    let out = common::mutrun(&project, &["list", "--operators", "comparison"]);
    assert_eq!(out.status.code(), Some(2), "{}", common::text(&out));
    let text = common::text(&out);
    assert!(
        text.contains("--operators: unknown operator `comparison`"),
        "{text}"
    );
    assert!(
        text.contains("compare_boundary") && text.contains("groups: all, default"),
        "{text}"
    );
    std::fs::write(
        project.join("pyproject.toml"),
        "[tool.mutrun]\npaths_to_mutate = [\"tri\"]\ndisable_operators = [\"nope\"]\n",
    )
    .expect("write config");
    let out = common::mutrun(&project, &["list"]);
    assert_eq!(out.status.code(), Some(2), "{}", common::text(&out));
    assert!(
        common::text(&out)
            .contains("[tool.mutrun] key `disable_operators`: unknown operator `nope`"),
        "{}",
        common::text(&out)
    );

    // From the config: comparisons and return_none only.
    std::fs::write(
        project.join("pyproject.toml"),
        "[tool.mutrun]\npaths_to_mutate = [\"tri\"]\noperators = [\"comparisons\", \"return_none\"]\n",
    )
    .expect("write config");
    common::run_ok(&project, &[]);
    let (_, rows) = results(&project);
    let verdicts: BTreeMap<&str, &str> = rows
        .iter()
        .map(|(id, row)| (id.as_str(), row["verdict"].as_str().unwrap_or("none")))
        .collect();
    let expected: BTreeMap<&str, &str> = [
        ("tri.calc.clamp:1", "survived"), // x <= lo
        ("tri.calc.clamp:2", "killed"),   // return None for lo
        ("tri.calc.clamp:3", "survived"), // x >= hi
        ("tri.calc.clamp:4", "killed"),
        ("tri.calc.clamp:5", "killed"),
        ("tri.calc.is_small:1", "killed"),
        ("tri.calc.is_small:2", "survived"), // n <= 10
        ("tri.calc.partly:1", "killed"),
        ("tri.calc.partly:2", "no_tests"), // return "no" → None: no test runs that line
        ("tri.calc.unused:1", "no_tests"),
    ]
    .into_iter()
    .collect();
    assert_eq!(verdicts, expected);

    // Back to every operator: the mutants are renumbered; each verdict follows its edit (none
    // lands on the edit that took its old id), and only the new mutants run.
    std::fs::write(
        project.join("pyproject.toml"),
        "[tool.mutrun]\npaths_to_mutate = [\"tri\"]\n",
    )
    .expect("write config");
    let text = common::run_ok(&project, &["--explain"]);
    let ran: Vec<&str> = text
        .lines()
        .filter_map(|l| l.strip_prefix("  "))
        .filter(|l| l.ends_with(": new"))
        .collect();
    assert_eq!(ran.len(), 20 - 10, "{text}");
    let (_, rows) = results(&project);
    let verdict = |op: &str, after: &str| rows[&find_id(&project, op, after)]["verdict"].clone();
    assert_eq!(verdict("compare_boundary", "if x <= lo:"), "survived");
    assert_eq!(verdict("compare_boundary", "return n <= 10"), "survived");
    assert_eq!(verdict("condition_negate", "if not (x < lo):"), "killed");
    assert_eq!(verdict("number", "return n < 11"), "survived");
}

#[test]
fn covered_lines_mode_skips_exactly_the_lines_no_test_executes() {
    let (_guard, project) = common::fixture("triage/basic");
    std::fs::write(
        project.join("pyproject.toml"),
        "[tool.mutrun]\npaths_to_mutate = [\"tri\"]\nmutate_only_covered_lines = true\n",
    )
    .expect("write config");
    let text = common::run_ok(&project, &[]);
    assert!(text.contains("6 mutants skipped"), "{text}");
    let skipped = |project: &Path| -> BTreeMap<String, (u64, String)> {
        let (_, rows) = results(project);
        rows.into_iter()
            .filter(|(_, row)| row["verdict"] == "skipped")
            .map(|(id, row)| {
                let line = row["line"].as_u64().expect("line");
                (id, (line, row["detail"].as_str().unwrap_or("").to_string()))
            })
            .collect()
    };
    // `return "no"` (line 16: partly is only called with True) and all of `unused` (line 20).
    let expected: BTreeMap<String, (u64, String)> = [
        ("tri.calc.partly:5", 16),
        ("tri.calc.partly:6", 16),
        ("tri.calc.partly:7", 16),
        ("tri.calc.unused:1", 20),
        ("tri.calc.unused:2", 20),
        ("tri.calc.unused:3", 20),
    ]
    .into_iter()
    .map(|(id, line)| {
        let why = format!("no test executes line {line} (mutate_only_covered_lines)");
        (id.to_string(), (line, why))
    })
    .collect();
    assert_eq!(skipped(&project), expected);
    // Every other mutant ran.
    let (summary, _) = results(&project);
    assert_eq!(summary["pending"], 0, "{summary}");
    assert_eq!(summary["counts"]["skipped"], 6, "{summary}");

    // The stats are reused (they hold the lines), and the skips decided again.
    let text = common::run_ok(&project, &[]);
    assert!(!text.contains("stats pass:"), "{text}");
    assert!(text.contains("6 mutants skipped"), "{text}");
    assert_eq!(skipped(&project), expected);

    // Without the mode the skipped mutants are decided: `unused` has no tests, and so has a
    // mutant on a line no test executes (line selection), without running anything.
    std::fs::write(
        project.join("pyproject.toml"),
        "[tool.mutrun]\npaths_to_mutate = [\"tri\"]\n",
    )
    .expect("write config");
    common::run_ok(&project, &[]);
    assert_eq!(skipped(&project), BTreeMap::new());
    let (_, rows) = results(&project);
    assert_eq!(rows["tri.calc.unused:1"]["verdict"], "no_tests");
    assert_eq!(rows["tri.calc.partly:6"]["verdict"], "no_tests");
    assert_eq!(
        rows["tri.calc.partly:6"]["detail"],
        "line 16 is executed by no test"
    );

    // The flag does the same as the key (on mutants that run: verdicts from the run without the
    // mode stay valid, so --rerun).
    let text = common::run_ok(&project, &["--covered-lines-only", "--rerun"]);
    assert!(text.contains("6 mutants skipped"), "{text}");
    assert_eq!(skipped(&project), expected);
}

/// A virtualenv with pytest and mypy under `target/test-venv-typed`, made on first use; `None`
/// (with the reason printed) when it cannot be made here (no pip, no network).
fn typed_venv() -> Option<std::path::PathBuf> {
    use std::process::Command;
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/test-venv-typed");
    let ready = |venv: &Path| {
        Command::new(venv.join("bin/python"))
            .args(["-c", "import pytest, mypy"])
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if ready(&venv) {
        return Some(venv);
    }
    // Made in place (console scripts such as `mypy` name their venv's python by absolute path,
    // so a venv cannot be built elsewhere and moved); only this test uses it.
    let _ = std::fs::remove_dir_all(&venv);
    if !common::make_venv(&venv, &["pytest", "mypy"]) {
        let _ = std::fs::remove_dir_all(&venv);
        eprintln!(
            "skipped: cannot make a virtualenv with pytest and mypy (python3 -m venv + pip install mypy failed)"
        );
        return None;
    }
    ready(&venv).then_some(venv)
}

#[test]
fn the_type_checker_catches_the_mutants_mypy_rejects() {
    let Some(venv) = typed_venv() else {
        return;
    };
    let (_guard, project) = common::fixture("triage/typed");
    let run = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_mutrun"))
            .arg("-C")
            .arg(&project)
            .args(args)
            .env("VIRTUAL_ENV", &venv)
            .env_remove(mutrun::execute::protocol::ENV_MUTANT)
            .output()
            .expect("run mutrun");
        assert!(out.status.success(), "{}", common::text(&out));
        out
    };
    let out = run(&["run", "--no-progress"]);
    let text = common::text(&out);
    assert!(
        text.contains("type check: `mypy typed` over mutants/"),
        "{text}"
    );
    let out = run(&["results", "--all", "--json"]);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("results JSON");
    let caught: BTreeMap<String, String> = doc["mutants"]
        .as_array()
        .expect("mutants")
        .iter()
        .filter(|m| m["verdict"] == "caught_by_type_check")
        .map(|m| {
            let id = m["id"].as_str().expect("id").to_string();
            (id, m["detail"].as_str().unwrap_or("").to_string())
        })
        .collect();
    let ids: Vec<&str> = caught.keys().map(String::as_str).collect();
    assert_eq!(
        ids,
        [
            "typed.text.first_word:1", // words = None: None is not indexable
            "typed.text.first_word:4", // return None from -> str
            "typed.text.greet:4",      // return None from -> str
            "typed.text.greet:5",      // "Hello, " - name.upper()
            "typed.text.total:1",      // result = None, then result += item
            "typed.text.total:5",      // return None from -> int
        ],
        "{caught:?}"
    );
    assert!(
        caught["typed.text.greet:5"].contains("Unsupported left operand type for -"),
        "{caught:?}"
    );
    // The untyped function is not checked by mypy: its mutants ran.
    let verdict = |id: &str| {
        doc["mutants"]
            .as_array()
            .expect("mutants")
            .iter()
            .find(|m| m["id"] == id)
            .map(|m| m["verdict"].clone())
            .expect("mutant")
    };
    assert_eq!(verdict("typed.text.untyped:1"), "killed");
    assert_eq!(verdict("typed.text.first_word:2"), "survived");
    // Left out of the score: 11 killed of 12 judged.
    assert_eq!(
        doc["summary"]["counts"]["caught by type check"], 6,
        "{}",
        doc["summary"]
    );
    let score = doc["summary"]["score"].as_f64().expect("score");
    assert!((score - 11.0 / 12.0).abs() < 1e-3, "{}", doc["summary"]);
}
