//! A project configured for mutmut 3.8 (`fixtures/mutmut_config`: `source_paths`, `only_mutate`,
//! `do_not_mutate`, `do_not_mutate_patterns`, `max_stack_depth`,
//! `pytest_add_cli_args_test_selection`, `cache_invalidation_files` and machinery keys) runs with
//! no edit, and its mutants get the verdicts mutmut's semantics give.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

/// `mutrun list --json` rows: id → source line.
fn lines_by_id(project: &Path) -> BTreeMap<String, u64> {
    let out = common::mutrun(project, &["list", "--json"]);
    assert!(out.status.success(), "{}", common::text(&out));
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|line| {
            let row: serde_json::Value = serde_json::from_str(line).expect("list JSON line");
            let id = row["id"].as_str().expect("id").to_string();
            (id, row["line"].as_u64().expect("line"))
        })
        .collect()
}

/// The mutants `mutrun run --explain` ran, each with the reason it gave.
fn rerun(project: &Path) -> (BTreeMap<String, String>, String) {
    let out = common::mutrun(project, &["run", "--explain", "--no-progress"]);
    let text = common::text(&out);
    assert!(out.status.success(), "{text}");
    let ran = String::from_utf8_lossy(&out.stderr)
        .lines()
        .filter_map(|line| line.strip_prefix("  "))
        .filter_map(|line| line.split_once(": "))
        .map(|(id, why)| (id.to_string(), why.to_string()))
        .collect();
    (ran, text)
}

fn edit(project: &Path, file: &str, from: &str, to: &str) {
    let path = project.join(file);
    let text = std::fs::read_to_string(&path).expect("read");
    assert!(text.contains(from), "{file} has no `{from}`");
    std::fs::write(&path, text.replacen(from, to, 1)).expect("write");
}

fn of<'a>(verdicts: &'a BTreeMap<String, String>, function: &str) -> Vec<&'a str> {
    verdicts
        .iter()
        .filter(|(id, _)| id.rsplit_once(':').is_some_and(|(f, _)| f == function))
        .map(|(_, verdict)| verdict.as_str())
        .collect()
}

#[test]
fn a_mutmut_3_8_configuration_runs_unchanged_with_mutmut_semantics() {
    let (_guard, project) = common::fixture("mutmut_config");
    let (first, text) = rerun(&project);
    assert!(
        !first.is_empty() && first.values().all(|why| why == "new"),
        "{text}"
    );

    // The machinery keys: one note, one line, naming them; no warning about the configuration.
    let notes: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("mutrun: note: "))
        .collect();
    assert_eq!(notes.len(), 1, "{text}");
    assert!(
        notes[0].starts_with(
            "mutrun: note: pyproject.toml [tool.mutmut]: `process_isolation`, \
             `track_dependencies`, `use_setproctitle` steer mutmut's own processes and caches; \
             mutrun needs none of them"
        ),
        "{text}"
    );
    assert!(!text.contains("warning"), "{text}");

    let verdicts = common::verdicts(&project);
    // source_paths: the package under src/ is found from it, with its import name.
    // max_stack_depth = 2: `total` (called by the test) and `scaled` (one frame of project code
    // below it) are covered; `summed`, reached only three frames deep, has no tests.
    for function in ["ledger.chain.total", "ledger.chain.scaled"] {
        let got = of(&verdicts, function);
        assert!(
            !got.is_empty() && got.iter().all(|v| *v == "killed"),
            "{function}: {got:?}"
        );
    }
    let summed = of(&verdicts, "ledger.chain.summed");
    assert!(
        !summed.is_empty() && summed.iter().all(|v| *v == "no_tests"),
        "{verdicts:?}"
    );
    // only_mutate leaves experimental.py alone; do_not_mutate the generated package (which
    // only_mutate lists).
    assert!(
        verdicts
            .keys()
            .all(|id| id.starts_with("ledger.chain.") || id.starts_with("ledger.money.")),
        "{verdicts:?}"
    );
    // do_not_mutate_patterns: no mutant on the `log.debug(` line (11) nor on the line with the
    // `# audit trail` comment (16); the lines around them are mutated.
    let lines = lines_by_id(&project);
    let money_lines: Vec<u64> = lines
        .iter()
        .filter(|(id, _)| id.starts_with("ledger.money."))
        .map(|(_, line)| *line)
        .collect();
    assert!(
        money_lines.contains(&12) && money_lines.contains(&17),
        "{lines:?}"
    );
    assert!(
        !money_lines.contains(&11) && !money_lines.contains(&16),
        "{lines:?}"
    );
    // pytest_add_cli_args_test_selection (`-m "not slow"`): the slow test, which fails, is not
    // part of the suite mutrun runs.
    let stats = std::fs::read_to_string(project.join("mutants/.mutrun/stats.json")).expect("stats");
    assert!(stats.contains("tests/test_chain.py::test_total"), "{stats}");
    assert!(
        !stats.contains("test_slow_and_failing_on_purpose"),
        "{stats}"
    );
    let killed_or_survived = verdicts
        .values()
        .filter(|v| *v == "killed" || *v == "survived")
        .count();

    // Nothing changed: nothing runs.
    assert_eq!(rerun(&project).0, BTreeMap::new());

    // A change to a file `cache_invalidation_files` names tests every verdict again whose tests
    // ran (the `no tests` ones have nothing to re-run), and the verdicts come out the same.
    edit(
        &project,
        "data/rates.json",
        "\"USD\": 92",
        "\"USD\": 92, \"GBP\": 117",
    );
    let (ran, text) = rerun(&project);
    assert!(
        text.contains("mutrun: a file `cache_invalidation_files` names changed"),
        "{text}"
    );
    assert_eq!(ran.len(), killed_or_survived, "{text}");
    assert!(
        ran.keys().all(|id| !id.starts_with("ledger.chain.summed")),
        "{ran:?}"
    );
    assert_eq!(common::verdicts(&project), verdicts);
    // A file it does not name changes nothing.
    std::fs::write(project.join("data/notes.txt"), "x").expect("write");
    assert_eq!(rerun(&project).0, BTreeMap::new());

    // A deeper max_stack_depth repeats the stats pass: `summed` is covered now, and killed.
    edit(
        &project,
        "pyproject.toml",
        "max_stack_depth = 2",
        "max_stack_depth = 3",
    );
    let (ran, text) = rerun(&project);
    assert!(text.contains("stats pass done"), "{text}");
    assert!(
        !ran.is_empty() && ran.keys().all(|id| id.starts_with("ledger.chain.summed:")),
        "{text}"
    );
    let summed = common::verdicts(&project);
    let summed = of(&summed, "ledger.chain.summed");
    assert!(summed.iter().all(|v| *v != "no_tests"), "{summed:?}");
}

#[test]
fn unknown_keys_warn_in_mutmuts_section_and_stop_in_mutruns() {
    let (_guard, project) = common::fixture("mutmut_config");
    edit(
        &project,
        "pyproject.toml",
        "max_stack_depth = 2",
        "max_stack_depth = 2\nmax_stack_dept = 3",
    );
    let out = common::mutrun(&project, &["list"]);
    let text = common::text(&out);
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains(
            "mutrun: warning: pyproject.toml: [tool.mutmut] key `max_stack_dept` is not an \
             option mutmut 3.8 reads (did you mean `max_stack_depth`?); ignored"
        ),
        "{text}"
    );

    // [tool.mutrun] is mutrun's own: a key it does not know stops it, with a suggestion.
    let path = project.join("pyproject.toml");
    let text = std::fs::read_to_string(&path).expect("read");
    std::fs::write(
        &path,
        format!("{text}\n[tool.mutrun]\nsource_paths = [\"src/ledger\"]\nonly_mutat = []\n"),
    )
    .expect("write");
    let out = common::mutrun(&project, &["list"]);
    let text = common::text(&out);
    assert_eq!(out.status.code(), Some(2), "{text}");
    assert!(
        text.contains(
            "pyproject.toml: [tool.mutrun] unknown key `only_mutat` (did you mean `only_mutate`?)"
        ),
        "{text}"
    );
}

#[test]
fn debug_prints_processes_and_verdicts_and_logs_them() {
    let (_guard, project) = common::fixture("mutmut_config");
    edit(
        &project,
        "pyproject.toml",
        "max_stack_depth = 2",
        "max_stack_depth = 2\ndebug = true",
    );
    let out = common::mutrun(&project, &["run", "--no-progress", "ledger.chain.*"]);
    let text = common::text(&out);
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains("mutrun: debug: starting a pytest process (stats mode"),
        "{text}"
    );
    assert!(
        text.contains("mutrun: debug: ledger.chain.total:1: killed ("),
        "{text}"
    );
    let log = project.join("mutants/mutmut-debug.log");
    let logged = std::fs::read_to_string(&log).expect("the log file");
    assert!(
        logged.contains("ledger.chain.total:1: killed ("),
        "{logged}"
    );
    // The log is mutrun's own: the next run keeps it, and it changes no stats.
    let (_, text) = rerun(&project);
    assert!(!text.contains("stats pass"), "{text}");
    assert!(log.is_file());
}
