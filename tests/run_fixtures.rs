//! `mutrun run` end to end on the fixture projects: the verdicts of named mutants are the ones a
//! person who reads the code and its tests expects, and a second run with nothing changed reuses
//! every verdict without starting pytest.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

fn assert_verdict(verdicts: &BTreeMap<String, String>, id: &str, expected: &str) {
    let got = verdicts
        .get(id)
        .unwrap_or_else(|| panic!("no mutant {id}; mutants: {verdicts:?}"));
    assert_eq!(got, expected, "verdict of {id}; all verdicts: {verdicts:?}");
}

/// Every mutant of the matching ids has `expected`, and there is at least one.
fn assert_all(project: &Path, verdicts: &BTreeMap<String, String>, pattern: &str, expected: &str) {
    let ids = common::mutant_ids(project, pattern);
    assert!(!ids.is_empty(), "`mutrun list {pattern}` lists no mutant");
    for id in ids {
        assert_verdict(verdicts, &id, expected);
    }
}

/// After a run, every mutant `mutrun list` shows has a verdict.
fn assert_every_mutant_judged(project: &Path, verdicts: &BTreeMap<String, String>) {
    let listed = common::mutant_ids(project, "*");
    assert_eq!(
        listed.len(),
        verdicts.len(),
        "list and results disagree: {listed:?} vs {verdicts:?}"
    );
    for id in listed {
        assert_ne!(verdicts.get(&id).map(String::as_str), Some("none"), "{id}");
    }
}

/// Appends one line to `$RUN_LOG` whenever pytest starts or runs a test, so a test can tell
/// whether `mutrun run` ran any.
const RECORDING_CONFTEST: &str = r#"import os


def _log(line):
    path = os.environ.get("RUN_LOG")
    if path:
        with open(path, "a") as f:
            f.write(line + "\n")


def pytest_configure(config):
    _log("pytest started %d" % os.getpid())


def pytest_runtest_call(item):
    _log("ran " + item.nodeid)
"#;

#[test]
fn simple_flat_layout_verdicts_then_a_second_run_reuses_them_all() {
    let (guard, project) = common::fixture("simple");
    std::fs::write(project.join("tests/conftest.py"), RECORDING_CONFTEST).expect("conftest");
    let log = guard.path().join("pytest-runs.log");

    let out = common::mutrun_command(&project, &["run", "--no-progress"])
        .env("RUN_LOG", &log)
        .output()
        .expect("run mutrun");
    let first = common::text(&out);
    assert_eq!(
        out.status.code(),
        Some(0),
        "survivors do not fail a run: {first}"
    );
    assert!(first.contains(" survived"), "{first}");
    let v = common::verdicts(&project);
    assert_every_mutant_judged(&project, &v);

    // `return a + b` → `return None`: test_add fails.
    assert_verdict(&v, "simple.calc.add:1", "killed");
    let record = common::stored_record(&project, "simple/calc.py", "simple.calc.add:1");
    assert_eq!(record["killer"], "tests/test_calc.py::test_add", "{record}");
    // `x > 0` → `x >= 0`: no test checks 0.
    assert_verdict(&v, "simple.calc.is_positive:2", "survived");
    let record = common::stored_record(&project, "simple/calc.py", "simple.calc.is_positive:2");
    assert_eq!(
        record["tests_run"],
        serde_json::json!(["tests/test_calc.py::test_is_positive"]),
        "{record}"
    );
    // No test calls unused().
    assert_all(&project, &v, "simple.calc.unused:*", "no_tests");
    // greet is wrapped by a functools.wraps decorator: its mutants run through the wrapper.
    assert_all(&project, &v, "simple.calc.greet:*", "killed");
    // Methods, classmethod, staticmethod, property getter and setter, generator.
    for killed in [
        "simple.counter.Counter.bump:2",
        "simple.counter.Counter.starting_at_ten:3",
        "simple.counter.Counter.halve:1",
        "simple.counter.Counter.doubled:1",
        "simple.counter.Counter.doubled~2:2",
        "simple.counter.accumulate:6",
    ] {
        assert_verdict(&v, killed, "killed");
    }

    // What a person reads: the survivor in `results`, and `show` with its verdict and diff.
    let results = common::mutrun(&project, &["results"]);
    let text = String::from_utf8_lossy(&results.stdout).to_string();
    assert!(
        text.contains("simple/calc.py:23  simple.calc.is_positive:2"),
        "{text}"
    );
    assert!(
        !text.contains("simple.calc.add:1"),
        "killed mutants are not listed: {text}"
    );
    let show = common::mutrun(&project, &["show", "simple.calc.is_positive:2"]);
    let text = String::from_utf8_lossy(&show.stdout).to_string();
    assert!(show.status.success(), "{}", common::text(&show));
    assert!(text.contains("verdict: survived"), "{text}");
    assert!(text.contains("-    return x > 0"), "{text}");
    assert!(text.contains("+    return x >= 0"), "{text}");

    // The project's own tests ran through mutrun (the recording conftest works).
    let ran_first = std::fs::read_to_string(&log).expect("the first run ran pytest");
    assert!(
        ran_first.contains("ran tests/test_calc.py::test_add"),
        "{ran_first}"
    );

    // Nothing changed: every verdict is reused and no pytest process starts.
    let meta_before = std::fs::read(project.join("mutants/simple/calc.py.meta")).expect("meta");
    let second = common::run_ok(&project, &[]);
    assert!(
        second.contains(&format!(
            "all {} selected verdicts are still valid; nothing to run",
            v.len()
        )),
        "{second}"
    );
    assert!(!second.contains("stats pass"), "{second}");
    assert_eq!(
        std::fs::read_to_string(&log).expect("log"),
        ran_first,
        "the second run started pytest: {second}"
    );
    assert_eq!(common::verdicts(&project), v);
    assert_eq!(
        std::fs::read(project.join("mutants/simple/calc.py.meta")).expect("meta"),
        meta_before,
        "the second run rewrote the verdicts"
    );
}

#[test]
fn kinds_every_function_kind_has_its_mutants_killed() {
    let (_guard, project) = common::fixture("kinds");
    common::run_ok(&project, &[]);
    let v = common::verdicts(&project);
    assert_every_mutant_judged(&project, &v);
    for (kind, id) in [
        (
            "plain function with *args, keyword-only and **kwargs",
            "kinds.shapes.add:1",
        ),
        ("decorated function", "kinds.shapes.decorated:1"),
        ("method calling super()", "kinds.shapes.Child.greet:3"),
        (
            "method reading a mangled attribute",
            "kinds.shapes.Child.secret:2",
        ),
        ("__init__ default value", "kinds.shapes.Child.__init__:1"),
        ("classmethod", "kinds.shapes.Child.make:3"),
        ("staticmethod", "kinds.shapes.Child.static:2"),
        ("property getter", "kinds.shapes.Child.value:3"),
        ("property setter", "kinds.shapes.Child.value~2:2"),
        ("Enum method", "kinds.shapes.Color.describe:2"),
        ("generator (send)", "kinds.shapes.countdown:6"),
        ("generator (loop)", "kinds.shapes.countdown:8"),
        (
            "async def under pytest-asyncio",
            "kinds.shapes.double_later:5",
        ),
        ("async def, awaited call", "kinds.shapes.double_later:2"),
        ("async generator", "kinds.shapes.ticks:2"),
        ("async generator, asend", "kinds.shapes.ticks:5"),
        (
            "positional-only and keyword-only default",
            "kinds.shapes.keyword_only:1",
        ),
    ] {
        assert_eq!(
            v.get(id).map(String::as_str),
            Some("killed"),
            "{kind}: {id}; all verdicts: {v:?}"
        );
    }
    // The async mutants were killed by the async tests, run by pytest-asyncio in the children.
    let record = common::stored_record(&project, "kinds/shapes.py", "kinds.shapes.double_later:5");
    assert_eq!(
        record["killer"], "tests/test_shapes.py::test_coroutine",
        "{record}"
    );
    let record = common::stored_record(&project, "kinds/shapes.py", "kinds.shapes.ticks:2");
    assert_eq!(
        record["killer"], "tests/test_shapes.py::test_async_generator",
        "{record}"
    );
}

#[test]
fn src_layout_with_conftest_session_fixture_and_import_time_table() {
    let (_guard, project) = common::fixture("src_layout");
    common::run_ok(&project, &[]);
    assert!(project
        .join("mutants/src/srcpkg/settings.py.meta")
        .is_file());
    let v = common::verdicts(&project);
    assert_every_mutant_judged(&project, &v);

    // load_settings runs once, in the session fixture of tests/conftest.py, during test_name;
    // its "size" mutants are visible only to test_size, which must run for them.
    let size_key = "srcpkg.settings.load_settings:7"; // "size" → "XXsizeXX"
    assert_verdict(&v, size_key, "killed");
    let record = common::stored_record(&project, "src/srcpkg/settings.py", size_key);
    assert_eq!(
        record["killer"], "tests/test_settings.py::test_size",
        "{record}"
    );
    assert_all(&project, &v, "srcpkg.settings.*", "killed");
    // A coroutine function and an async generator in the package.
    assert_all(&project, &v, "srcpkg.aio.*", "killed");
    // build_table runs only at import (SQUARES = build_table(10)); no test calls it, yet its
    // mutants change what square() returns.
    assert_all(&project, &v, "srcpkg.table.*", "killed");
}

#[test]
fn a_table_built_at_import_is_rebuilt_with_the_mutant_active() {
    let (_guard, project) = common::fixture("import_time");
    common::run_ok(&project, &[]);
    let v = common::verdicts(&project);
    assert_every_mutant_judged(&project, &v);
    // `index + 1` → `index - 1` in number_names(), which builds CODES when palette.codes is
    // imported (by tests/conftest.py, before any test). No test calls it; a child forked after
    // collection would see the unmutated table and call the mutant a survivor (or `no tests`).
    assert_verdict(&v, "palette.codes.number_names:2", "killed");
    assert_all(&project, &v, "palette.codes.number_names:*", "killed");
    // They start in a stage: a process that imported the package up to number_names' first
    // call, where each child takes over with the mutant active.
    let logs = common::zygote_logs(&project);
    assert!(
        logs.contains("stage of palette.codes.number_names: at its first call"),
        "{logs}"
    );
    // `label` also runs at import. A stage serves its body's mutants, but the `def` evaluated
    // its default value before that first call: "!" → "XX!XX" starts before the import, and
    // test_loud sees LOUD change.
    assert_all(&project, &v, "palette.codes.label:*", "killed");
    let meta: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(project.join("mutants/palette/codes.py.meta")).expect("read"),
    )
    .expect("json");
    let default = meta["mutants"]
        .as_array()
        .expect("mutants")
        .iter()
        .find(|m| m["function"] == "palette.codes.label" && m["original"] == "\"!\"")
        .unwrap_or_else(|| panic!("no mutant of label's default: {meta}"));
    assert_eq!(
        default["verdict"]["killer"], "tests/test_codes.py::test_loud",
        "{default}"
    );
    let record =
        common::stored_record(&project, "palette/codes.py", "palette.codes.number_names:2");
    let killer = record["killer"].as_str().unwrap_or_default();
    assert!(killer.starts_with("tests/test_codes.py::"), "{record}");

    // Every test can see what the function computed at import, so every test covers it.
    let out = common::mutrun(&project, &["tests-for", "palette.codes.number_names:2"]);
    let text = common::text(&out);
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains("tests/test_codes.py::test_codes_start_at_one"),
        "{text}"
    );
    assert!(
        text.contains("tests/test_codes.py::test_every_colour_has_a_code"),
        "{text}"
    );

    // `enumerate(names)` → `enumerate(None)` raises while tests/conftest.py imports the
    // module: pytest cannot even start, as with the mutant applied as a plain patch.
    let record =
        common::stored_record(&project, "palette/codes.py", "palette.codes.number_names:4");
    assert_eq!(record["verdict"], "killed", "{record}");
    assert_eq!(record["killer"], "tests/conftest.py", "{record}");

    // `shade` is called only by tests/test_shades.py's module-level parametrize table: its
    // mutants run in a forked child that collects that file again with the mutant active (a
    // child of the worker's collection would test the table the original built, and call them
    // survivors), and only that file's tests cover it, not the whole suite.
    assert_all(&project, &v, "palette.codes.shade:*", "killed");
    // "%s-%d" → "XX%s-%dXX" renames the parametrize ids; the renamed cases still run.
    let record = common::stored_record(&project, "palette/codes.py", "palette.codes.shade:1");
    let killer = record["killer"].as_str().unwrap_or_default();
    assert!(
        killer.starts_with("tests/test_shades.py::test_shades_are_name_dash_level["),
        "{record}"
    );
    // "%s-%d" → "%S-%D" raises while the table is built: the file fails to collect.
    let record = common::stored_record(&project, "palette/codes.py", "palette.codes.shade:2");
    assert_eq!(record["killer"], "tests/test_shades.py", "{record}");
    let out = common::mutrun(&project, &["tests-for", "palette.codes.shade:1"]);
    let text = common::text(&out);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("tests/test_shades.py::"), "{text}");
    assert!(!text.contains("tests/test_codes.py::"), "{text}");

    // Plain pytest on the patched source agrees with every verdict it can check.
    // (`shade`'s mutants break test_shades.py's import: plain pytest cannot collect the asked
    // ids, and that counts as the tests failing, not as a run that could not be checked.)
    let out = common::mutrun(&project, &["verify", "palette.codes.*"]);
    let text = common::text(&out);
    assert!(out.status.success(), "{text}");
    assert!(text.contains(" 0 disagree"), "{text}");
    assert!(text.contains(" 0 could not be checked"), "{text}");
}

#[test]
fn a_pattern_whose_compile_warns_still_warns_in_every_mutants_tests() {
    // Workers fill `re`'s cache with the patterns the stats pass left there, so each child finds
    // them compiled, but not `brackets`' pattern: `re` warns only when it compiles it, and its
    // test expects the warning. Filled in, that test would fail in every forked child (the clean
    // pass stops the run) and every mutant of `brackets` would look killed.
    let (_guard, project) = common::fixture("regex_cache");
    let text = common::run_ok(&project, &[]);
    assert!(text.contains("clean pass: 3 tests pass"), "{text}");
    let stats: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(project.join("mutants/.mutrun/stats.json")).expect("read"),
    )
    .expect("json");
    let patterns: Vec<&str> = (stats["regexes"].as_array().expect("regexes").iter())
        .filter_map(|entry| entry[0].as_str())
        .collect();
    assert!(patterns.contains(&"[a-z]+"), "{patterns:?}");
    assert!(patterns.contains(&"[[()]"), "{patterns:?}");
    let v = common::verdicts(&project);
    assert_every_mutant_judged(&project, &v);
    // "[[()]" → "XX[[()]XX": no match in "f(x[0])", still warns when compiled.
    assert_verdict(&v, "tokens.scan.brackets:1", "killed");
    // Plain pytest on the patched source agrees with every verdict.
    let out = common::mutrun(&project, &["verify"]);
    let text = common::text(&out);
    assert!(out.status.success(), "{text}");
    assert!(text.contains(" 0 disagree"), "{text}");
}
