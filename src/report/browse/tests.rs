//! The browser without a terminal: the state machine driven by keys, and the screens it draws
//! into ratatui's `TestBackend`, compared line by line.
//!
//! The fixture is `fixtures/simple` as a real run leaves it: the catalog is generated from its
//! sources, the verdicts and stats are the ones `mutrun run` records (is_positive:2 and :3
//! survive, `unused` has no tests, the rest are killed).

use std::path::{Path, PathBuf};

use ratatui::backend::TestBackend;
use ratatui::Terminal;

use super::app::{App, Effect, FileData, Focus, Key, Mode, Pane, RunEnded, Status};
use super::view;
use crate::coverage::{Coverage, StatsFile, TestStats};
use crate::domain::verdict::Verdict;
use crate::generate::analyze;
use crate::record::meta::{FileMeta, VerdictRecord};

fn fixture_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/simple")
}

/// (test id, duration, functions it reaches), as the stats pass records them for the fixture.
const TESTS: &[(&str, f64, &[&str])] = &[
    ("tests/test_calc.py::test_add", 0.0004, &["simple.calc.add"]),
    (
        "tests/test_calc.py::test_is_positive",
        0.0003,
        &["simple.calc.is_positive"],
    ),
    (
        "tests/test_calc.py::test_greet_is_decorated_and_mutated",
        0.0002,
        &["simple.calc.greet"],
    ),
    (
        "tests/test_calc.py::test_percent",
        0.0002,
        &["simple.calc.percent"],
    ),
    (
        "tests/test_counter.py::test_bump",
        0.0002,
        &[
            "simple.counter.Counter.__init__",
            "simple.counter.Counter.bump",
        ],
    ),
    (
        "tests/test_counter.py::test_classmethod",
        0.0001,
        &[
            "simple.counter.Counter.__init__",
            "simple.counter.Counter.starting_at_ten",
        ],
    ),
    (
        "tests/test_counter.py::test_staticmethod",
        0.0001,
        &["simple.counter.Counter.halve"],
    ),
    (
        "tests/test_counter.py::test_property_and_setter",
        0.0001,
        &[
            "simple.counter.Counter.__init__",
            "simple.counter.Counter.doubled",
            "simple.counter.Counter.doubled~2",
        ],
    ),
    (
        "tests/test_counter.py::test_generator_via_send",
        0.0001,
        &["simple.counter.accumulate"],
    ),
];

fn coverage() -> Coverage {
    Coverage::new(StatsFile {
        format: 1,
        python: "3.11.7".into(),
        tests: TESTS
            .iter()
            .map(|(id, duration, functions)| TestStats {
                id: id.to_string(),
                duration: *duration,
                outcome: "passed".into(),
                functions: functions.iter().map(|f| f.to_string()).collect(),
                sha256: String::new(),
                lines: vec![],
            })
            .collect(),
        collection_hits: vec![],
        collection_hit_files: Default::default(),
        collect_errors: vec![],
        shadowed: Default::default(),
        inputs_sha256: String::new(),
        ..StatsFile::default()
    })
}

/// The catalog of `fixtures/simple/<path>` with the verdicts of a real run.
fn file_meta(path: &str, module: &str, verdicts: bool) -> FileMeta {
    let bytes = std::fs::read(fixture_root().join(path)).expect("fixture source");
    let mut meta = match analyze(
        &bytes,
        Path::new(path),
        module,
        false,
        &crate::generate::GenerateSettings::default(),
    ) {
        Ok(file) => file.meta,
        Err(problem) => panic!("{}", problem.describe(Path::new(path))),
    };
    if verdicts {
        let coverage = coverage();
        let hashes: Vec<(String, String)> = meta
            .functions
            .iter()
            .map(|f| (f.key.0.clone(), f.sha256.clone()))
            .collect();
        for mutant in &mut meta.mutants {
            let tests: Vec<String> = coverage
                .tests_for(&mutant.function)
                .iter()
                .map(|t| t.id.clone())
                .collect();
            let verdict = if tests.is_empty() {
                Verdict::NoTests
            } else if mutant.id.0 == "simple.calc.is_positive:2"
                || mutant.id.0 == "simple.calc.is_positive:3"
            {
                Verdict::Survived
            } else {
                Verdict::Killed
            };
            let killer = (verdict == Verdict::Killed).then(|| tests[0].clone());
            let function_sha256 = hashes
                .iter()
                .find(|(k, _)| *k == mutant.function.0)
                .map(|(_, h)| h.clone())
                .unwrap_or_default();
            let tests_run = if verdict == Verdict::Killed {
                vec![tests[0].clone()]
            } else {
                tests
            };
            mutant.verdict = Some(
                VerdictRecord::new(verdict, function_sha256).with_run(0.01, tests_run, killer),
            );
        }
    }
    meta
}

fn fixture_app() -> App {
    App::new(
        fixture_root(),
        vec![
            FileData::new(file_meta("simple/calc.py", "simple.calc", true)),
            FileData::new(file_meta("simple/counter.py", "simple.counter", true)),
        ],
        Some(coverage()),
    )
}

/// The screen `app` draws at `width`x`height`, one string per row, trailing spaces cut.
fn screen(app: &App, width: u16, height: u16) -> Vec<String> {
    if width == 0 {
        return vec![String::new(); height as usize];
    }
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("test terminal");
    terminal.draw(|frame| view::draw(frame, app)).expect("draw");
    let buffer = terminal.backend().buffer();
    buffer
        .content
        .chunks(buffer.area.width as usize)
        .map(|row| {
            row.iter()
                .map(|cell| cell.symbol())
                .collect::<String>()
                .trim_end()
                .to_string()
        })
        .collect()
}

fn assert_screen(actual: &[String], expected: &str) {
    let expected: Vec<&str> = expected.lines().collect();
    let actual: Vec<&str> = actual.iter().map(String::as_str).collect();
    assert!(
        actual == expected,
        "screen differs.\n--- actual\n{}\n--- expected\n{}",
        actual.join("\n"),
        expected.join("\n")
    );
}

fn keys(app: &mut App, keys: &[Key]) -> Vec<Effect> {
    keys.iter().map(|k| app.on_key(*k)).collect()
}

#[test]
fn the_first_screen_lists_files_and_functions_with_counts_and_the_first_diff() {
    let app = fixture_app();
    assert_screen(
        &screen(&app, 80, 24),
        "\
mutrun browse · 39 mutants: 34 killed, 2 survived, 3 no tests · score 87.2%
┌ Functions ───────────────────┐┌ Mutants in simple/calc.py (16) ──────────────┐
│>simple/calc.py      2S 3N 11K││>killed       19 add:1  a + b → None          │
│   add                      2K││ killed       19 add:2  + → -                 │
│   is_positive           2S 1K││ killed       23 is_positive:1  x > 0 → None  │
│   unused                   3N││ survived     23 is_positive:2  > → >=        │
│   greet                    4K││ survived     23 is_positive:3  0 → 1         │
│   percent                  4K││ no tests     27 unused:1  x * 2 → None       │
│ simple/counter.py         23K││ no tests     27 unused:2  * → /              │
└──────────────────────────────┘└──────────────────────────────────────────────┘
┌ simple.calc.add:1 · return_none ─────────────────────────────────────────────┐
│killed by tests/test_calc.py::test_add · 0.01 s                               │
│@@ -16,7 +16,7 @@                                                             │
│                                                                              │
│                                                                              │
│ def add(a, b):                                                               │
│-    return a + b                                                             │
│+    return None                                                              │
│                                                                              │
│                                                                              │
│ def is_positive(x):                                                          │
└──────────────────────────────────────────────────────────────────────────────┘
t shows the tests that reach the selected mutant, f filters by status
↑↓ move ⏎ open esc back f filter / search t tests r rerun R func a apply q quit",
    );
}

#[test]
fn filtering_to_survivors_then_opening_one_shows_its_diff() {
    let mut app = fixture_app();
    keys(&mut app, &[Key::Char('f')]);
    assert_eq!(app.filter, Some(Status::Verdict(Verdict::Survived)));
    keys(&mut app, &[Key::Down, Key::Enter, Key::Down]);
    assert_eq!(app.focus, Focus::Mutants);
    assert_screen(
        &screen(&app, 80, 24),
        "\
mutrun browse · 39 mutants: 34 killed, 2 survived, 3 no tests · score 87.2%
┌ Functions · survived ────────┐┌ Mutants of is_positive (2) ──────────────────┐
│ simple/calc.py      2S 3N 11K││ survived     23 is_positive:2  > → >=        │
│>  is_positive           2S 1K││>survived     23 is_positive:3  0 → 1         │
│                              ││                                              │
│                              ││                                              │
│                              ││                                              │
│                              ││                                              │
│                              ││                                              │
└──────────────────────────────┘└──────────────────────────────────────────────┘
┌ simple.calc.is_positive:3 · number ──────────────────────────────────────────┐
│survived: 1 test ran, none failed · 0.01 s                                    │
│@@ -20,7 +20,7 @@                                                             │
│                                                                              │
│                                                                              │
│ def is_positive(x):                                                          │
│-    return x > 0                                                             │
│+    return x > 1                                                             │
│                                                                              │
│                                                                              │
│ def unused(x):                                                               │
└──────────────────────────────────────────────────────────────────────────────┘
filter: survived (2 mutants)
↑↓ move ⏎ open esc back f filter / search t tests r rerun R func a apply q quit",
    );
    // The filter cycles through the statuses present, then back to all of them.
    keys(&mut app, &[Key::Char('f')]);
    assert_eq!(app.filter, Some(Status::Verdict(Verdict::NoTests)));
    keys(&mut app, &[Key::Char('f'), Key::Char('f')]);
    assert_eq!(app.filter, None);
    keys(&mut app, &[Key::Char('F')]);
    assert_eq!(app.filter, Some(Status::Verdict(Verdict::Killed)));
}

#[test]
fn t_lists_the_covering_tests_and_marks_the_killer() {
    let mut app = fixture_app();
    keys(&mut app, &[Key::Char('t')]);
    assert_eq!(app.pane, Pane::Tests);
    let lines = screen(&app, 80, 24);
    assert_eq!(
        lines[10],
        "┌ Tests · simple.calc.add:1 · return_none ─────────────────────────────────────┐"
    );
    assert_eq!(
        lines[11],
        "│killed by tests/test_calc.py::test_add · 0.01 s                               │"
    );
    assert_eq!(
        lines[12],
        "│1 test reaches simple.calc.add:                                               │"
    );
    assert_eq!(
        lines[13],
        "│   0.0004 s  tests/test_calc.py::test_add  killed it                          │"
    );
    // A function with several covering tests lists them fastest first.
    keys(&mut app, &[Key::Char('/')]);
    for c in "__init__".chars() {
        app.on_key(Key::Char(c));
    }
    keys(&mut app, &[Key::Enter, Key::Down]);
    let lines = screen(&app, 80, 24);
    assert!(
        lines[12].contains("3 tests reach simple.counter.Counter.__init__, fastest first:"),
        "{}",
        lines.join("\n")
    );
    assert!(
        lines[13].contains("test_classmethod  killed it"),
        "{}",
        lines[13]
    );
    assert!(
        lines[14].contains("test_property_and_setter"),
        "{}",
        lines[14]
    );
    assert!(lines[15].contains("test_bump"), "{}", lines[15]);
    // Without stats, it says how to get them.
    app.coverage = None;
    let lines = screen(&app, 80, 24);
    assert!(
        lines[12].contains("no test stats yet: `mutrun run`"),
        "{}",
        lines[12]
    );
}

#[test]
fn search_narrows_both_lists_and_esc_clears_it() {
    let mut app = fixture_app();
    keys(&mut app, &[Key::Char('/')]);
    assert_eq!(app.mode, Mode::Search);
    for c in "unused".chars() {
        app.on_key(Key::Char(c));
    }
    let lines = screen(&app, 80, 24);
    assert!(lines[1].contains("Functions · /unused"), "{}", lines[1]);
    assert!(lines[2].contains(">simple/calc.py"), "{}", lines[2]);
    assert!(lines[3].contains("  unused"), "{}", lines[3]);
    assert!(lines[4].starts_with("│    "), "{}", lines[4]);
    assert!(
        lines[1].contains("Mutants in simple/calc.py (3)"),
        "{}",
        lines[1]
    );
    assert_eq!(lines[23], "type to search  ⏎ keep  esc clear");
    keys(&mut app, &[Key::Enter]);
    assert_eq!(app.mode, Mode::Normal);
    assert_eq!(app.search, "unused");
    // A search that matches nothing says so.
    keys(&mut app, &[Key::Char('/'), Key::Char('z'), Key::Char('z')]);
    let lines = screen(&app, 80, 24);
    assert!(lines[2].contains("no mutant matches"), "{}", lines[2]);
    keys(&mut app, &[Key::Esc]);
    assert_eq!(app.search, "");
    assert_eq!(app.rows.len(), 2 + 5 + 7);
}

#[test]
fn r_reruns_in_place_and_the_new_verdict_replaces_the_old_under_the_filter() {
    let mut app = fixture_app();
    keys(&mut app, &[Key::Char('f'), Key::Down, Key::Enter]);
    let effects = keys(&mut app, &[Key::Char('r')]);
    let Effect::Run(request) = &effects[0] else {
        panic!("r must start a run: {effects:?}");
    };
    assert_eq!(request.pattern, "simple.calc.is_positive:2");
    assert_eq!(request.file, 0);
    let lines = screen(&app, 80, 24);
    assert!(
        lines[2].contains(">running…     23 is_positive:2"),
        "{}",
        lines[2]
    );
    assert!(lines[22].starts_with("re-running simple.calc.is_positive:2 …"));
    // r on the next one while it runs: queued behind it.
    assert_eq!(
        keys(&mut app, &[Key::Down, Key::Char('r')]),
        [Effect::None, Effect::None]
    );
    let lines = screen(&app, 80, 24);
    assert!(
        lines[3].contains(">queued       23 is_positive:3"),
        "{}",
        lines[3]
    );
    assert_eq!(
        lines[22],
        "queued simple.calc.is_positive:3 (after the re-run in progress)"
    );
    app.run_output("mutrun: 1 mutants: 1 killed · score 100.0% in 0.9 s".into());

    // The run ends having killed it: the row keeps its place with the new verdict, and the
    // queued one starts.
    let mut meta = file_meta("simple/calc.py", "simple.calc", true);
    for mutant in &mut meta.mutants {
        if mutant.id.0 == "simple.calc.is_positive:2" {
            if let Some(record) = &mut mutant.verdict {
                record.verdict = Verdict::Killed;
                record.killer = Some("tests/test_calc.py::test_is_positive".into());
            }
        }
    }
    let next = app.run_finished(RunEnded {
        code: Some(0),
        meta: Ok(meta.clone()),
        coverage: None,
    });
    assert_eq!(
        next.map(|n| n.pattern),
        Some("simple.calc.is_positive:3".to_string())
    );
    let lines = screen(&app, 80, 24);
    assert!(lines[0].contains("35 killed, 1 survived"), "{}", lines[0]);
    assert!(
        lines[2].contains(" killed       23 is_positive:2"),
        "{}",
        lines[2]
    );
    assert!(
        lines[3].contains(">running…     23 is_positive:3"),
        "{}",
        lines[3]
    );

    // A failing run says why and shows its output.
    app.run_output("mutrun: error: the tests fail".into());
    let next = app.run_finished(RunEnded {
        code: Some(4),
        meta: Ok(meta),
        coverage: None,
    });
    assert_eq!(next, None);
    assert_eq!(app.pane, Pane::Output);
    let lines = screen(&app, 80, 24);
    assert_eq!(
        lines[22],
        "re-run of simple.calc.is_positive:3 failed (exit 4): mutrun: error: the tests fa"
    );
    assert!(
        lines[11].contains("mutrun: error: the tests fail"),
        "{}",
        lines[11]
    );

    // R: every mutant of the function.
    let effects = keys(&mut app, &[Key::Char('R')]);
    let Effect::Run(request) = &effects[0] else {
        panic!("R must start a run: {effects:?}");
    };
    assert_eq!(request.pattern, "simple.calc.is_positive:*");
    assert_eq!(request.ids.len(), 3);
    // The filter changing drops the re-run mutant that no longer survives.
    keys(&mut app, &[Key::Char('F'), Key::Char('f')]);
    assert_eq!(app.mutants.len(), 1);
}

#[test]
fn a_asks_before_applying_and_n_cancels() {
    let mut app = fixture_app();
    keys(&mut app, &[Key::Char('f'), Key::Down, Key::Enter]);
    assert_eq!(keys(&mut app, &[Key::Char('a')]), [Effect::None]);
    let Mode::ConfirmApply(r) = app.mode else {
        panic!("a must ask first");
    };
    let lines = screen(&app, 80, 24);
    assert_eq!(
        lines[8..15].join("\n"),
        "\
│ ┌ Apply this mutant to your source? ───────────────────────────────────────┐ │
└─│Write simple.calc.is_positive:2 into simple/calc.py (line 23)?            │─┘
┌ │- return x > 0                                                            │─┐
│s│+ return x >= 0                                                           │ │
│@│                                                                          │ │
│ │y apply   n cancel                                                        │ │
│ └──────────────────────────────────────────────────────────────────────────┘ │"
    );
    assert_eq!(lines[23], "y apply  n cancel");
    // Other keys do nothing while it asks; n (or q, esc) cancels.
    assert_eq!(
        keys(&mut app, &[Key::Down, Key::Char('r')]),
        [Effect::None, Effect::None]
    );
    assert_eq!(app.mode, Mode::ConfirmApply(r));
    assert_eq!(keys(&mut app, &[Key::Char('n')]), [Effect::None]);
    assert_eq!(app.mode, Mode::Normal);
    assert_eq!(screen(&app, 80, 24)[22], "apply cancelled");
    keys(&mut app, &[Key::Char('a')]);
    assert_eq!(keys(&mut app, &[Key::Char('y')]), [Effect::Apply(r)]);
}

#[test]
fn apply_writes_the_mutant_and_refuses_a_changed_source() {
    let temp = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir_all(temp.path().join("simple")).expect("mkdir");
    let original = std::fs::read_to_string(fixture_root().join("simple/calc.py")).expect("read");
    std::fs::write(temp.path().join("simple/calc.py"), &original).expect("write");
    let meta = file_meta("simple/calc.py", "simple.calc", true);
    let mutant = meta
        .mutants
        .iter()
        .find(|m| m.id.0 == "simple.calc.is_positive:2")
        .expect("the survivor");
    let message = super::apply(temp.path(), &meta, mutant).expect("applied");
    assert_eq!(
        message,
        "applied simple.calc.is_positive:2 to simple/calc.py:23 (`git diff` shows it)"
    );
    let now = std::fs::read_to_string(temp.path().join("simple/calc.py")).expect("read");
    assert_eq!(now, original.replace("return x > 0", "return x >= 0"));
    // The file no longer matches the catalog: a second apply is refused, the file untouched.
    let error = super::apply(temp.path(), &meta, mutant).expect_err("refused");
    assert!(
        error.contains("simple/calc.py changed since its mutants were generated"),
        "{error}"
    );
    assert_eq!(
        std::fs::read_to_string(temp.path().join("simple/calc.py")).expect("read"),
        now
    );

    // The app then shows the stored edit instead of a wrong diff, and refuses to ask.
    let mut app = App::new(
        temp.path().to_path_buf(),
        vec![FileData::new(meta)],
        Some(coverage()),
    );
    keys(&mut app, &[Key::Char('f'), Key::Down, Key::Enter]);
    let lines = screen(&app, 80, 24);
    assert!(lines[12].contains("simple/calc.py changed since its mutants were generated"));
    keys(&mut app, &[Key::Char('a')]);
    assert_eq!(app.mode, Mode::Normal);
    assert!(lines.len() == 24);
    let lines = screen(&app, 80, 24);
    assert!(
        lines[22].starts_with("simple/calc.py changed since its mutants were generated"),
        "{}",
        lines[22]
    );
}

#[test]
fn no_prior_run_is_an_error_that_says_how_to_start_one() {
    let temp = tempfile::tempdir().expect("temp dir");
    let error = match super::load(temp.path()) {
        Ok(_) => panic!("nothing to browse"),
        Err(e) => e,
    };
    assert_eq!(error.exit_code(), crate::domain::exit_code::ExitCode::Usage);
    assert!(error
        .message()
        .starts_with("nothing to browse: no mutation results in"));
    assert!(error.message().contains("Start a run with `mutrun run`"));
}

#[test]
fn generated_but_never_run_opens_with_a_hint() {
    let app = App::new(
        fixture_root(),
        vec![FileData::new(file_meta(
            "simple/calc.py",
            "simple.calc",
            false,
        ))],
        None,
    );
    let lines = screen(&app, 80, 24);
    assert_eq!(lines[0], "mutrun browse · 16 mutants: 16 not run yet");
    assert!(lines[2].contains(">not run      19 add:1"), "{}", lines[2]);
    assert!(lines[11].contains("not run: r runs it (`mutrun run 'simple.calc.add:1'`)"));
    assert!(
        lines[22].starts_with("no verdicts yet: press R"),
        "{}",
        lines[22]
    );
}

#[test]
fn every_size_draws_without_panicking_and_wide_ones_put_the_diff_beside() {
    let mut app = fixture_app();
    for (w, h) in [
        (0, 0),
        (1, 1),
        (10, 3),
        (20, 8),
        (40, 12),
        (80, 24),
        (100, 30),
        (200, 60),
    ] {
        let lines = screen(&app, w, h);
        assert_eq!(lines.len(), h as usize);
    }
    let lines = screen(&app, 160, 30);
    assert!(lines[1].contains("┌ Functions"), "{}", lines[1]);
    assert!(
        lines[1].contains("┌ simple.calc.add:1 · return_none"),
        "{}",
        lines[1]
    );
    assert!(
        lines[2].contains("│killed by tests/test_calc.py::test_add"),
        "{}",
        lines[2]
    );
    // Narrow: the footer keeps the keys that fit.
    let lines = screen(&app, 40, 12);
    assert_eq!(lines[11], "↑↓ move ⏎ open esc back f filter");
    // Scrolling a long list keeps the selection on screen.
    keys(&mut app, &[Key::End]);
    let lines = screen(&app, 80, 24);
    assert!(lines[8].contains(">  accumulate"), "{}", lines.join("\n"));
    keys(&mut app, &[Key::Home]);
    let lines = screen(&app, 80, 24);
    assert!(lines[2].contains(">simple/calc.py"), "{}", lines[2]);
}

#[test]
fn q_and_ctrl_c_quit() {
    let mut app = fixture_app();
    assert_eq!(keys(&mut app, &[Key::Char('q')]), [Effect::Quit]);
    let mut app = fixture_app();
    keys(&mut app, &[Key::Char('/')]);
    assert_eq!(keys(&mut app, &[Key::Interrupt]), [Effect::Quit]);
    assert!(app.quit);
}

/// 10,000 mutants in 100 files: loading the `.meta` files and drawing the first screen takes
/// well under a second (no Python, no source read beyond the first diff).
#[test]
fn ten_thousand_mutants_load_and_draw_fast() {
    let template = file_meta("simple/calc.py", "simple.calc", true);
    let temp = tempfile::tempdir().expect("temp dir");
    let mutants_dir = temp.path().join("mutants");
    for i in 0..100 {
        let mut meta = template.clone();
        meta.source = format!("pkg/mod{i}.py");
        meta.module = format!("pkg.mod{i}");
        let mut mutants = Vec::new();
        for k in 0..100 {
            let mut m = template.mutants[k % template.mutants.len()].clone();
            m.id.0 = format!("{}:{}", m.function.0, k + 1);
            mutants.push(m);
        }
        meta.mutants = mutants;
        let path = crate::record::meta::meta_path(&mutants_dir, Path::new(&meta.source));
        crate::record::meta::write(&path, &meta).expect("write meta");
    }
    let started = std::time::Instant::now();
    let mut app = super::load(temp.path()).expect("load");
    screen(&app, 80, 24);
    for _ in 0..50 {
        app.on_key(Key::Down);
    }
    keys(&mut app, &[Key::Char('f'), Key::Char('/'), Key::Char('x')]);
    screen(&app, 80, 24);
    let elapsed = started.elapsed();
    assert_eq!(app.summary.total, 10_000);
    let limit = if cfg!(debug_assertions) { 5.0 } else { 1.0 };
    assert!(
        elapsed.as_secs_f64() < limit,
        "loading and drawing 10k mutants took {elapsed:?}"
    );
}

#[test]
fn e_marks_the_survivor_equivalent_in_the_marks_file_and_shows_it_ignored() {
    let temp = tempfile::tempdir().expect("temp dir");
    let mut app = App::new(
        temp.path().to_path_buf(),
        vec![FileData::new(file_meta(
            "simple/calc.py",
            "simple.calc",
            true,
        ))],
        Some(coverage()),
    );
    // Filter to survivors, open the first one, press e.
    keys(&mut app, &[Key::Char('f'), Key::Enter]);
    let r = app.selected_mutant().expect("a survivor is selected");
    assert_eq!(app.status_of(r), Status::Verdict(Verdict::Survived));
    let effects = keys(&mut app, &[Key::Char('e')]);
    assert_eq!(effects, [Effect::MarkEquivalent(r)]);
    let (file, mutant) = app.mutant(r).expect("mutant");
    let (meta, mutant) = (file.meta.clone(), mutant.clone());
    let message = super::mark_equivalent(temp.path(), &meta, &mutant).expect("marked");
    assert!(message.contains("mutrun-marks.toml"), "{message}");
    app.marked(r, Ok(message));
    assert_eq!(app.status_of(r), Status::Verdict(Verdict::Ignored));
    let marks = crate::plan::marks::Marks::load(temp.path()).expect("marks file");
    let key = meta.key_of(&mutant).expect("key");
    assert_eq!(marks.reason(&key), Some("marked in mutrun browse"));
    assert_eq!(app.summary.count(Verdict::Ignored), 1);
}

#[test]
fn e_on_a_killed_mutant_asks_y_n_in_the_status_line_and_no_is_the_default() {
    let mut app = fixture_app();
    // The first function's first mutant is killed.
    keys(&mut app, &[Key::Enter]);
    let r = app.selected_mutant().expect("a mutant is selected");
    assert_eq!(app.status_of(r), Status::Verdict(Verdict::Killed));
    assert_eq!(keys(&mut app, &[Key::Char('e')]), [Effect::None]);
    assert_eq!(app.mode, Mode::ConfirmMark(r));
    let lines = screen(&app, 120, 24);
    assert!(lines[22].contains("is killed"), "{}", lines[22]);
    assert!(lines[22].ends_with("Mark it anyway? y/N"), "{}", lines[22]);
    assert_eq!(lines[23], "y mark equivalent  n cancel");
    // Enter (the default), n, esc and q cancel; other keys wait for an answer.
    assert_eq!(keys(&mut app, &[Key::Down]), [Effect::None]);
    assert_eq!(app.mode, Mode::ConfirmMark(r));
    assert_eq!(keys(&mut app, &[Key::Enter]), [Effect::None]);
    assert_eq!(app.mode, Mode::Normal);
    assert_eq!(screen(&app, 120, 24)[22], "not marked");
    keys(&mut app, &[Key::Char('e')]);
    assert_eq!(
        keys(&mut app, &[Key::Char('y')]),
        [Effect::MarkEquivalent(r)]
    );
}

#[test]
fn without_color_keeps_the_text_and_the_reverse_video_but_no_colour() {
    let app = fixture_app();
    let mut terminal = Terminal::new(TestBackend::new(100, 24)).expect("test terminal");
    terminal
        .draw(|frame| {
            view::draw(frame, &app);
            view::without_color(frame.buffer_mut());
        })
        .expect("draw");
    let buffer = terminal.backend().buffer();
    assert!(buffer
        .content
        .iter()
        .all(|c| c.fg == ratatui::style::Color::Reset && c.bg == ratatui::style::Color::Reset));
    assert!(buffer
        .content
        .iter()
        .any(|c| c.modifier.contains(ratatui::style::Modifier::REVERSED)));
    let text: String = buffer.content.iter().map(|c| c.symbol()).collect();
    assert!(text.contains("simple/calc.py"), "{text}");
}
