//! Line-level test selection end to end: a mutant runs only the tests that executed one of its
//! lines in the stats pass (`fixtures/line_selection`: branches only some tests reach, a line only a
//! subprocess executes, a session fixture's lines, a line no test executes), `coverage =
//! "function"` goes back to every test that reaches the function, a test edit re-runs only the
//! mutants whose lines that test executes, and on the other fixtures both settings give the same
//! verdicts.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

const SOURCE: &str = "branchy/grade.py";
const TESTS: &str = "tests/test_grade.py";

/// One mutant of the fixture, as its `.meta` stores it.
#[derive(Debug, Clone)]
struct Stored {
    id: String,
    line: usize,
    original: String,
    replacement: String,
    verdict: Option<String>,
    tests_run: Vec<String>,
    killer: Option<String>,
    detail: Option<String>,
}

fn stored(project: &Path) -> Vec<Stored> {
    let path = project.join("mutants").join(format!("{SOURCE}.meta"));
    let meta: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("read .meta")).expect("json");
    meta["mutants"]
        .as_array()
        .expect("mutants")
        .iter()
        .map(|m| Stored {
            id: m["id"].as_str().expect("id").to_string(),
            line: m["line"].as_u64().expect("line") as usize,
            original: m["original"].as_str().expect("original").to_string(),
            replacement: m["replacement"].as_str().expect("replacement").to_string(),
            verdict: m["verdict"]["verdict"].as_str().map(str::to_string),
            tests_run: m["verdict"]["tests_run"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|t| t.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default(),
            killer: m["verdict"]["killer"].as_str().map(str::to_string),
            detail: m["verdict"]["detail"].as_str().map(str::to_string),
        })
        .collect()
}

/// The line of the fixture's source that holds `text`.
fn line_of(text: &str) -> usize {
    let source = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/line_selection")
            .join(SOURCE),
    )
    .expect("read fixture source");
    source
        .lines()
        .position(|l| l.contains(text))
        .map(|i| i + 1)
        .unwrap_or_else(|| panic!("no `{text}` in {SOURCE}"))
}

/// The mutant on the line holding `text` that turns `original` into `replacement`.
fn find<'a>(all: &'a [Stored], text: &str, original: &str, replacement: &str) -> &'a Stored {
    let line = line_of(text);
    all.iter()
        .find(|m| m.line == line && m.original == original && m.replacement == replacement)
        .unwrap_or_else(|| panic!("no mutant {original} → {replacement} on line {line}: {all:#?}"))
}

fn test(name: &str) -> String {
    format!("{TESTS}::{name}")
}

fn set(tests: &[String]) -> BTreeSet<&str> {
    tests.iter().map(String::as_str).collect()
}

/// The node ids `mutrun tests-for ID` prints.
fn tests_for(project: &Path, id: &str) -> (Vec<String>, String) {
    let out = common::mutrun(project, &["tests-for", id]);
    assert!(out.status.success(), "{}", common::text(&out));
    let ids = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().last().map(str::to_string))
        .filter(|l| l.contains("::"))
        .collect();
    (ids, common::text(&out))
}

fn set_coverage(project: &Path, level: &str) {
    let path = project.join("pyproject.toml");
    let text = std::fs::read_to_string(&path).expect("read pyproject");
    // The fixture opts into line selection; other fixtures have no `coverage` line.
    let text: String = text
        .lines()
        .filter(|line| !line.starts_with("coverage = "))
        .map(|line| format!("{line}\n"))
        .collect();
    std::fs::write(
        &path,
        text.replace(
            "[tool.mutrun]\n",
            &format!("[tool.mutrun]\ncoverage = \"{level}\"\n"),
        ),
    )
    .expect("write pyproject");
}

#[test]
fn a_mutant_runs_only_the_tests_that_execute_its_lines() {
    let (_guard, project) = common::fixture("line_selection");
    common::run_ok(&project, &[]);
    let all = stored(&project);

    // `return "A"` runs in test_top only.
    let top = find(&all, "return \"A\"", "\"A\"", "\"XXAXX\"");
    assert_eq!(top.verdict.as_deref(), Some("killed"), "{top:?}");
    assert_eq!(top.tests_run, [test("test_top")], "{top:?}");
    let (listed, text) = tests_for(&project, &top.id);
    assert_eq!(listed, [test("test_top")], "{text}");
    assert!(
        text.contains(&format!("execute line {}", top.line)),
        "{text}"
    );

    // The other branch's line runs in test_middle and test_low only: a survivor there ran both.
    let middle = find(&all, "label = ", ">=", ">");
    assert_eq!(middle.verdict.as_deref(), Some("survived"), "{middle:?}");
    assert_eq!(
        set(&middle.tests_run),
        BTreeSet::from([test("test_middle").as_str(), test("test_low").as_str()]),
        "{middle:?}"
    );

    // `return -x * 2` runs in no test: `no tests`, and `show` says why.
    let unexecuted = find(&all, "return -x * 2", "*", "/");
    assert_eq!(
        unexecuted.verdict.as_deref(),
        Some("no_tests"),
        "{unexecuted:?}"
    );
    let why = format!("line {} is executed by no test", unexecuted.line);
    assert_eq!(unexecuted.detail.as_deref(), Some(why.as_str()));
    let show = common::mutrun(&project, &["show", &unexecuted.id]);
    assert!(
        common::text(&show).contains(&why),
        "{}",
        common::text(&show)
    );
    // The condition above it runs (test_magnitude_of_a_positive_number).
    let condition = find(&all, "if x < 0", "x < 0", "not (x < 0)");
    assert_eq!(
        condition.tests_run,
        [test("test_magnitude_of_a_positive_number")],
        "{condition:?}"
    );

    // `return x * 4` runs only in the subprocess test_double_twice_in_a_subprocess starts.
    let twice = find(&all, "return x * 4", "*", "/");
    assert_eq!(twice.verdict.as_deref(), Some("killed"), "{twice:?}");
    assert_eq!(
        twice.tests_run,
        [test("test_double_twice_in_a_subprocess")],
        "{twice:?}"
    );

    // A session fixture's lines count for every test that uses it, not only the first.
    let row = find(&all, "* 10", "*", "/");
    let (listed, text) = tests_for(&project, &row.id);
    assert_eq!(
        listed.iter().collect::<BTreeSet<_>>(),
        [test("test_table_first"), test("test_table_second")]
            .iter()
            .collect(),
        "{text}"
    );

    // `or` -> `and` on the condition's second line changes the whole condition: it runs the
    // tests that evaluate it, test_member_is_eligible too, which stops at its first line.
    let swap = find(&all, "or age >= 65", "or", "and");
    assert_eq!(swap.verdict.as_deref(), Some("killed"), "{swap:?}");
    assert_eq!(
        swap.killer.as_deref(),
        Some(test("test_member_is_eligible").as_str()),
        "{swap:?}"
    );

    // `scale` fills a module-level cache: only the first test runs the filling line, yet the
    // second reads what it computed. Its mutants run every test that reaches `scale`, and
    // test_scale_value kills the filling's mutant as plain pytest does.
    let filling = find(&all, "len(name) * 10", "*", "/");
    assert_eq!(filling.verdict.as_deref(), Some("killed"), "{filling:?}");
    assert_eq!(
        filling.killer.as_deref(),
        Some(test("test_scale_value").as_str()),
        "{filling:?}"
    );
    // The test that executes the filling line is planned first: the likeliest killer. (A
    // sibling mutant's killer may still jump ahead when the child runs, so the plan is what
    // `tests-for` shows, not `tests_run`.)
    let (planned, text) = tests_for(&project, &filling.id);
    assert_eq!(
        planned,
        [test("test_scale_is_positive"), test("test_scale_value")],
        "{text}"
    );

    // A generator's body after its first `yield` runs at the consumer's later next() calls,
    // after the call that started it returned: its mutants run test_countdown and are killed
    // there, as plain pytest kills them (whether the lines were recorded everywhere, on 3.12+,
    // or only within calls, where they are selected by function).
    let step = line_of("n -= 1");
    let steps: Vec<&Stored> = all.iter().filter(|m| m.line == step).collect();
    assert!(!steps.is_empty(), "{all:#?}");
    for mutant in steps {
        assert_eq!(mutant.verdict.as_deref(), Some("killed"), "{mutant:?}");
        assert_eq!(
            mutant.killer.as_deref(),
            Some(test("test_countdown").as_str()),
            "{mutant:?}"
        );
    }

    // A second run reuses every verdict.
    let again = common::run_ok(&project, &[]);
    assert!(again.contains("nothing to run"), "{again}");
}

#[test]
fn coverage_function_runs_every_test_that_reaches_the_function() {
    let (_guard, project) = common::fixture("line_selection");
    set_coverage(&project, "function");
    common::run_ok(&project, &[]);
    let all = stored(&project);
    let reaching_grade = BTreeSet::from([test("test_top"), test("test_middle"), test("test_low")]);
    let survivors: Vec<&Stored> = all
        .iter()
        .filter(|m| {
            m.id.starts_with("branchy.grade.grade:") && m.verdict.as_deref() == Some("survived")
        })
        .collect();
    assert!(!survivors.is_empty(), "{all:#?}");
    for m in survivors {
        assert_eq!(
            m.tests_run.iter().cloned().collect::<BTreeSet<_>>(),
            reaching_grade,
            "{m:?}"
        );
    }
    // The line no test executes is judged by the tests that reach its function.
    let unexecuted = find(&all, "return -x * 2", "*", "/");
    assert_eq!(
        unexecuted.verdict.as_deref(),
        Some("survived"),
        "{unexecuted:?}"
    );
    let top = find(&all, "return \"A\"", "\"A\"", "\"XXAXX\"");
    let (listed, _) = tests_for(&project, &top.id);
    assert_eq!(listed.len(), 3, "{listed:?}");
}

#[test]
fn a_test_edit_reruns_only_the_mutants_whose_lines_that_test_executes() {
    let (_guard, project) = common::fixture("line_selection");
    common::run_ok(&project, &[]);
    let all = stored(&project);
    let tests_file = project.join(TESTS);
    let text = std::fs::read_to_string(&tests_file).expect("read tests");
    std::fs::write(
        &tests_file,
        text.replace(
            "    assert grade(95) == \"A\"\n",
            "    assert grade(95) == \"A\", \"top\"\n",
        ),
    )
    .expect("write tests");
    let out = common::run_ok(&project, &["--explain"]);
    let rerun: BTreeSet<&str> = out
        .lines()
        .filter_map(|l| l.trim().split_once(": "))
        .map(|(id, _)| id)
        .filter(|id| id.starts_with("branchy."))
        .collect();
    let top = find(&all, "return \"A\"", "\"A\"", "\"XXAXX\"");
    assert!(rerun.contains(top.id.as_str()), "{out}");
    // Mutants no test_top line reaches keep their verdicts.
    for m in all
        .iter()
        .filter(|m| !m.tests_run.contains(&test("test_top")))
    {
        if m.id.starts_with("branchy.grade.grade:") && m.line > top.line {
            assert!(!rerun.contains(m.id.as_str()), "{} ran again:\n{out}", m.id);
        }
    }
    for m in all
        .iter()
        .filter(|m| !m.id.starts_with("branchy.grade.grade:"))
    {
        assert!(!rerun.contains(m.id.as_str()), "{} ran again:\n{out}", m.id);
    }
}

/// Every verdict of `fixture` under `coverage = level`.
fn verdicts_with(fixture: &str, level: &str) -> BTreeMap<String, String> {
    let (_guard, project) = common::fixture(fixture);
    set_coverage(&project, level);
    common::run_ok(&project, &[]);
    common::verdicts(&project)
}

fn same_verdicts_both_ways(fixture: &str) {
    let by_line = verdicts_with(fixture, "line");
    let by_function = verdicts_with(fixture, "function");
    assert!(!by_line.is_empty());
    let differ: Vec<String> = by_line
        .iter()
        .filter(|(id, v)| by_function.get(*id) != Some(v))
        .map(|(id, v)| format!("{id}: line {v}, function {:?}", by_function.get(id)))
        .collect();
    assert!(differ.is_empty(), "{fixture}:\n{}", differ.join("\n"));
    assert_eq!(by_line.len(), by_function.len());
}

#[test]
fn both_settings_give_the_same_verdicts_on_simple() {
    same_verdicts_both_ways("simple");
}

#[test]
fn both_settings_give_the_same_verdicts_on_src_layout() {
    same_verdicts_both_ways("src_layout");
}

#[test]
fn both_settings_give_the_same_verdicts_on_hazards() {
    same_verdicts_both_ways("hazards");
}

/// `(verdict, tests_run)` of each mutant of `fixtures/import_lines`.
fn import_lines_verdicts(project: &Path) -> BTreeMap<String, (String, Vec<String>)> {
    let path = project.join("mutants/registry/__init__.py.meta");
    let meta: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("read .meta")).expect("json");
    let mut out = BTreeMap::new();
    for m in meta["mutants"].as_array().expect("mutants") {
        let verdict = m["verdict"]["verdict"]
            .as_str()
            .unwrap_or("none")
            .to_string();
        let tests: Vec<String> = m["verdict"]["tests_run"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|t| t.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        out.insert(m["id"].as_str().expect("id").to_string(), (verdict, tests));
    }
    out
}

#[test]
fn a_mutant_of_a_function_run_at_import_runs_forked_by_line_unless_its_code_ran_or_was_kept_there()
{
    let (_guard, project) = common::fixture("import_lines");
    common::run_ok(&project, &[]);
    let v = import_lines_verdicts(&project);
    let big = "tests/test_registry.py::test_big".to_string();
    // make_label ran at import without taking its first branch: a mutant there changes nothing
    // the worker inherited, so a forked child runs just the test that executes the line.
    assert_eq!(
        v["registry.make_label:7"],
        ("survived".into(), vec![big]),
        "{v:?}"
    );
    // Its last line ran at import (DEFAULT): only a process where the mutant was active from
    // the start sees DEFAULT change, and test_default then kills it.
    for id in ["registry.make_label:8", "registry.make_label:9"] {
        assert_eq!(v[id].0, "killed", "{id}: {v:?}");
    }
    // No conftest imports the package: the tests' files do, as pytest collects them, where a
    // stage could not hand over, so these fresh mutants start before the import.
    let logs = common::zygote_logs(&project);
    assert!(
        logs.contains("stage of registry.make_label: not called while the conftests loaded"),
        "{logs}"
    );
    // `check` is made at import and runs later: CHECK is the closure made then, so its
    // mutants need a fresh start too, where test_check kills them. Its line never ran at
    // import, so where lines are recorded everywhere (3.12+) they run test_check alone; the
    // 3.9-3.11 tracer, on only within trampolined calls, never sees CHECK run: every test.
    let check = "tests/test_registry.py::test_check".to_string();
    for id in ["registry.make_checker:1", "registry.make_checker:2"] {
        assert_eq!(v[id].0, "killed", "{id}: {v:?}");
        assert_eq!(v[id].1.last(), Some(&check), "{id}: {v:?}");
        if records_lines_everywhere() {
            assert_eq!(v[id].1, vec![check.clone()], "{id}: {v:?}");
        }
    }
}

/// Whether the tests' Python records lines with `sys.monitoring` (3.12+), everywhere, rather
/// than with a trace function on only within trampolined calls.
fn records_lines_everywhere() -> bool {
    let output = std::process::Command::new(common::python())
        .args(["-c", "import sys; print(sys.version_info >= (3, 12))"])
        .output()
        .expect("run the tests' python");
    String::from_utf8_lossy(&output.stdout).trim() == "True"
}

#[test]
fn both_settings_give_the_same_verdicts_on_import_lines() {
    same_verdicts_both_ways("import_lines");
}
