//! The stats pass: one plain run of the whole suite with every trampoline recording, giving per
//! test its duration, the functions it reaches and the lines of their bodies it executes; and the
//! tests each mutant needs from that ([`Coverage::tests_for_mutant`]). Reused while nothing under
//! `mutants/` changed.

pub mod learn;
pub mod lines;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, Ordering};

use serde::{Deserialize, Serialize};

use crate::config::CoverageLevel;
use crate::domain::error::{Error, Result};
use crate::domain::exit_code::ExitCode;
use crate::domain::hash::sha256_hex;
use crate::domain::mutant::FunctionKey;
use crate::execute::lab::Start;
use crate::execute::output::CapturedOutput;
use crate::execute::protocol::{
    CollectError, Mode, ENV_MUTANT, ENV_STATS_OUT, LINES_FILE, MUTANT_STATS, OUTCOME_FAILED,
    STATS_FILE,
};
use crate::execute::worker::{end_group_of_reaped, kill_group, PytestCommand};
use crate::workspace::Workspace;

/// `mutants/.mutrun/stats.json`, written by the plugin in stats mode (format in ARCHITECTURE.md).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct StatsFile {
    pub format: u32,
    #[serde(default)]
    pub python: String,
    pub tests: Vec<TestStats>,
    #[serde(default)]
    pub collection_hits: Vec<String>,
    /// For the collection hits made only by the module-level code of test files (a parametrize
    /// table built with the function): those files, relative to the rootdir. A hit missing here
    /// came from elsewhere (a project module's import, a conftest), so every test covers it.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub collection_hit_files: BTreeMap<String, Vec<String>>,
    /// Files pytest could not collect (an import error, a syntax error in a test).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub collect_errors: Vec<CollectError>,
    /// Mutated modules the tests loaded from outside `mutants/` (module → file it came from).
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub shadowed: std::collections::BTreeMap<String, String>,
    /// Modules from outside the project the pass had loaded (the standard library, installed
    /// packages), in load order: a zygote imports them before it forks (`zygote.preload`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub preload: Vec<String>,
    /// The patterns (pattern, flags) in `re`'s cache at the end of the pass: workers and zygotes
    /// compile them before they fork (`common.warm_regex_cache`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub regexes: Vec<(String, i64)>,
    /// Hash of everything the stats depend on; set by mutrun after the pass.
    #[serde(default)]
    pub inputs_sha256: String,
    /// The lines each test executed, as the plugin recorded them (trampolined files' numbering);
    /// mutrun maps them into `line_files` and each test's `lines`, and drops this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub traced: Option<lines::TracedLines>,
    /// The files whose lines tests' `lines` index; `None`: lines were not recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line_files: Option<Vec<lines::LineFile>>,
    /// The lines were recorded only within trampolined calls (`TracedLines::within_calls`): a
    /// mutant whose code may run after its function returned (`only_in_call` false) cannot be
    /// called unexecuted, and is selected by function.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub lines_within_calls: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TestStats {
    pub id: String,
    pub duration: f64,
    pub outcome: String,
    #[serde(default)]
    pub functions: Vec<String>,
    /// Hash of the test function's source: a changed test invalidates the verdicts it decided.
    #[serde(default)]
    pub sha256: String,
    /// The source lines of the functions' bodies it executed, per file of `line_files`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub lines: Vec<lines::FileLines>,
}

/// The lines of one trampolined file the stats pass saw (1-based, ascending), in
/// `mutants/.mutrun/lines.json` (`mutate_only_covered_lines`): `{file relative to mutants/:
/// LineRecord}`. `code`: the lines holding code of the code objects that started.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct LineRecord {
    pub executed: Vec<usize>,
    pub code: Vec<usize>,
}

/// Stats turned around for scheduling: which tests reach each function, fastest first.
#[derive(Debug, Clone)]
pub struct Coverage {
    pub tests: Vec<TestStats>,
    by_function: HashMap<FunctionKey, Vec<usize>>,
    by_id: HashMap<String, usize>,
    /// Where the mutants of each function that ran before any test (import, collection) run
    /// their tests: a forked child would inherit whatever it computed unmutated (see
    /// [`Coverage::collection_start`]).
    collection_starts: HashMap<FunctionKey, Start>,
    /// The files whose lines are known (`line_files`), by path: (index, the file).
    line_files: HashMap<String, (usize, lines::LineFile)>,
    /// Select a mutant's tests by the lines they execute ([`Coverage::by_lines`]).
    by_lines: bool,
    /// `StatsFile::lines_within_calls`.
    lines_within_calls: bool,
}

/// Where in a source file a mutant is: what line-level selection needs to know of it.
#[derive(Debug, Clone, Copy)]
pub struct MutantSpan<'a> {
    pub function: &'a FunctionKey,
    /// The source file, relative to the project root with `/` (a `.meta`'s `source`).
    pub source: &'a str,
    /// The first and last line a test must run to see it (`MutantMeta::reach_lines`).
    pub line: usize,
    pub end_line: usize,
    /// Its function may keep state between tests (`FunctionMeta::keeps_state`).
    pub keeps_state: bool,
    /// Its code runs only within its function's own call (`MutantMeta::only_in_call`).
    pub only_in_call: bool,
}

/// How a mutant's tests were chosen ([`Coverage::tests_for_mutant`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Chosen {
    /// The tests that reach its function: function-level selection (the setting, a function
    /// that ran at import or collection, a default value, no line known to hold its code).
    Function,
    /// The tests that execute a line of its edit.
    Lines,
    /// None: its lines hold code, but no test executes them.
    NoTestExecutes,
}

/// A mutant's tests, fastest first, and how they were chosen.
#[derive(Debug, Clone)]
pub struct MutantTests<'a> {
    pub tests: Vec<&'a TestStats>,
    pub chosen: Chosen,
}

/// "line 42" or "lines 42-44".
pub fn lines_text(span: &MutantSpan) -> String {
    if span.end_line > span.line {
        format!("lines {}-{}", span.line, span.end_line)
    } else {
        format!("line {}", span.line)
    }
}

impl MutantTests<'_> {
    /// Why no test runs, when none does by lines: "line 42 is executed by no test".
    pub fn no_test_executes(&self, span: &MutantSpan) -> Option<String> {
        (self.chosen == Chosen::NoTestExecutes).then(|| {
            let verb = if span.end_line > span.line {
                "are"
            } else {
                "is"
            };
            format!("{} {verb} executed by no test", lines_text(span))
        })
    }
}

impl Coverage {
    pub fn new(stats: StatsFile) -> Coverage {
        let mut by_function: HashMap<FunctionKey, Vec<usize>> = HashMap::new();
        for (index, test) in stats.tests.iter().enumerate() {
            for function in &test.functions {
                by_function
                    .entry(FunctionKey(function.clone()))
                    .or_default()
                    .push(index);
            }
        }
        let fastest_first = |a: &usize, b: &usize| {
            stats.tests[*a]
                .duration
                .total_cmp(&stats.tests[*b].duration)
                .then(a.cmp(b))
        };
        for tests in by_function.values_mut() {
            tests.sort_by(fastest_first);
            tests.dedup();
        }
        // What a function computed at import (a module-level table) can reach any test, whether
        // or not the test calls the function: every test covers it, unless its only calls came
        // from test files' module-level code, whose tests are then the ones it reaches. The tests
        // that call it come first (the likeliest to fail), then the rest, each part fastest first.
        let mut everyone: Vec<usize> = (0..stats.tests.len()).collect();
        everyone.sort_by(fastest_first);
        for function in &stats.collection_hits {
            let reached: Vec<usize> = match stats.collection_hit_files.get(function) {
                Some(files) => everyone
                    .iter()
                    .copied()
                    .filter(|i| files.iter().any(|f| test_file(&stats.tests[*i].id) == f))
                    .collect(),
                None => everyone.clone(),
            };
            let tests = by_function
                .entry(FunctionKey(function.clone()))
                .or_default();
            let direct: HashSet<usize> = tests.iter().copied().collect();
            tests.extend(reached.into_iter().filter(|i| !direct.contains(i)));
        }
        let by_id = stats
            .tests
            .iter()
            .enumerate()
            .map(|(i, t)| (t.id.clone(), i))
            .collect();
        let line_files = stats
            .line_files
            .iter()
            .flatten()
            .enumerate()
            .map(|(i, f)| (f.path.clone(), (i, f.clone())))
            .collect();
        Coverage {
            by_id,
            collection_starts: collection_starts(&stats),
            lines_within_calls: stats.lines_within_calls,
            tests: stats.tests,
            by_function,
            line_files,
            by_lines: false,
        }
    }

    /// The coverage `ws` plans with: by line unless its configuration says `coverage = "function"`.
    pub fn of(ws: &Workspace, stats: StatsFile) -> Coverage {
        Coverage::new(stats).by_lines(ws.config.coverage == CoverageLevel::Line)
    }

    /// Selects each mutant's tests by the lines they execute (`coverage = "line"`), where the
    /// stats know them; otherwise by function.
    pub fn by_lines(mut self, on: bool) -> Coverage {
        self.by_lines = on;
        self
    }

    /// The tests a mutant runs, fastest first. By line: of the tests that reach its function,
    /// those that executed a line of its edit; none when its lines hold code no test executed.
    /// By function when line selection is off, when the function may keep state between tests
    /// (a cache it fills serves later tests what a mutant computed), when a line of the edit ran
    /// at import or collection (what it computed there reaches tests that never execute it),
    /// when the lines may have run unrecorded ([`Self::lines_cover`]), when a line of the edit is
    /// outside the function's body as the stats know it (a default value, a line the rewrite
    /// split) or in a file without lines, and when no line of the edit holds code that started;
    /// the tests that execute its lines then come first, as the likeliest killers.
    ///
    /// A function that ran at import or collection still runs its mutants from a fresh start
    /// ([`Self::start_for`]) when they are in code that import kept (a decorator's wrapper), but
    /// if none of the edit's lines ran before the first test, what import computed is the
    /// original's apart from that code, which changes nothing until a line of it runs: only the
    /// tests that executed one can see the mutant.
    pub fn tests_for_mutant(&self, span: &MutantSpan) -> MutantTests<'_> {
        let tests = self.tests_for(span.function);
        let by_function = |tests| MutantTests {
            tests,
            chosen: Chosen::Function,
        };
        if !self.by_lines || tests.is_empty() {
            return by_function(tests);
        }
        let Some((index, file)) = self.line_files.get(span.source) else {
            return by_function(tests);
        };
        let (first, last) = (span.line, span.end_line.max(span.line));
        if !lines::covers(&file.body, first, last) {
            return by_function(tests);
        }
        let executing: Vec<&TestStats> = tests
            .iter()
            .copied()
            .filter(|t| {
                t.lines
                    .iter()
                    .any(|(f, runs)| f == index && lines::overlaps(runs, first, last))
            })
            .collect();
        if span.keeps_state || !self.lines_cover(span) || self.ran_before_tests(span, file) {
            // Every test that reaches it; those that execute its lines first (the likeliest
            // killers), then the ones that may read what it kept or computed, or run its code
            // unrecorded.
            let mut ordered = executing.clone();
            ordered.extend(
                tests
                    .iter()
                    .copied()
                    .filter(|t| !executing.iter().any(|e| std::ptr::eq(*e, *t))),
            );
            return by_function(ordered);
        }
        if !executing.is_empty() {
            return MutantTests {
                tests: executing,
                chosen: Chosen::Lines,
            };
        }
        if lines::overlaps(&file.code, first, last) {
            return MutantTests {
                tests: Vec::new(),
                chosen: Chosen::NoTestExecutes,
            };
        }
        by_function(tests)
    }

    /// Whether a line of the mutant's edit may have run before the first test: its function ran
    /// at import or collection, and the stats do not show that line never did.
    fn ran_before_tests(&self, span: &MutantSpan, file: &lines::LineFile) -> bool {
        if self.collection_start(span.function) == Start::Forked {
            return false;
        }
        let (first, last) = (span.line, span.end_line.max(span.line));
        file.at_collection
            .as_ref()
            .is_none_or(|at_collection| lines::overlaps(at_collection, first, last))
    }

    /// Whether the stats' lines tell every run of the mutant's code: not when they were recorded
    /// only within calls and its code may run after its function returned.
    pub fn lines_cover(&self, span: &MutantSpan) -> bool {
        span.only_in_call || !self.lines_within_calls
    }

    /// Where the mutant at `span` must run its tests: its function's [`Self::collection_start`],
    /// but in a forked child when, by line, none of its lines ran before the first test. Up to
    /// its first line the mutated code runs as the original does, so an import that never ran
    /// that line computed what it would have computed under the mutant, and the worker's state
    /// is the mutant's. Not when what the import kept may run the line later: code in a nested
    /// `def`, lambda or generator, or a generator's body (`only_in_call`), or a function that
    /// keeps state. Needs the lines run at collection, and the edit within the traced body.
    pub fn start_for(&self, span: &MutantSpan) -> Start {
        let start = self.collection_start(span.function);
        if start == Start::Forked || !self.by_lines || span.keeps_state || !span.only_in_call {
            return start;
        }
        let Some((_, file)) = self.line_files.get(span.source) else {
            return start;
        };
        let (first, last) = (span.line, span.end_line.max(span.line));
        if lines::covers(&file.body, first, last) && !self.ran_before_tests(span, file) {
            return Start::Forked;
        }
        start
    }

    /// Where the mutants of `function` must run their tests.
    pub fn collection_start(&self, function: &FunctionKey) -> Start {
        self.collection_starts
            .get(function)
            .cloned()
            .unwrap_or(Start::Forked)
    }

    /// The test with node id `id`, if the stats pass saw it.
    pub fn test(&self, id: &str) -> Option<&TestStats> {
        self.by_id.get(id).map(|i| &self.tests[*i])
    }

    /// Covering tests of `function`, fastest first.
    pub fn tests_for(&self, function: &FunctionKey) -> Vec<&TestStats> {
        self.by_function
            .get(function)
            .map(|ids| ids.iter().map(|i| &self.tests[*i]).collect())
            .unwrap_or_default()
    }

    pub fn failed_tests(&self) -> Vec<&TestStats> {
        self.tests
            .iter()
            .filter(|t| t.outcome == OUTCOME_FAILED)
            .collect()
    }
}

/// A function that ran at import or collection needs a process in which it ran mutated from the
/// start, unless only test files' module-level code called it: then re-collecting those files in
/// a forked child will do.
fn collection_starts(stats: &StatsFile) -> HashMap<FunctionKey, Start> {
    stats
        .collection_hits
        .iter()
        .map(|function| {
            let start = match stats.collection_hit_files.get(function) {
                Some(files) if !files.is_empty() => Start::Recollect(files.clone()),
                _ => Start::Fresh,
            };
            (FunctionKey(function.clone()), start)
        })
        .collect()
}

/// The file part of a pytest node id (`tests/test_x.py::TestA::test_b[1]` → `tests/test_x.py`).
fn test_file(id: &str) -> &str {
    id.split("::").next().unwrap_or(id)
}

/// Hash of every file under `mutants_dir` the tests can see (sources, tests, config), so stats are
/// recomputed whenever any of them changes; but files `exclude` matches (their path relative to
/// `mutants_dir`, `/`-separated: `cache_invalidation_exclude`).
pub fn inputs_hash(
    mutants_dir: &Path,
    pytest_args: &[String],
    exclude: impl Fn(&str) -> bool,
) -> String {
    let mut files: Vec<PathBuf> = walkdir::WalkDir::new(mutants_dir)
        .into_iter()
        .filter_entry(|e| {
            let name = e.file_name().to_string_lossy();
            name != ".mutrun" && name != "__pycache__" && name != ".pytest_cache"
        })
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_file() && !e.file_name().to_string_lossy().ends_with(".meta"))
        .map(|e| e.into_path())
        .filter(|path| {
            !path
                .strip_prefix(mutants_dir)
                .is_ok_and(|rel| exclude(&crate::generate::slash_path(rel)))
        })
        .collect();
    files.sort();
    let mut all = Vec::new();
    all.extend(pytest_args.join("\0").as_bytes());
    for file in files {
        all.extend(file.to_string_lossy().as_bytes());
        all.push(0);
        all.extend(std::fs::read(&file).unwrap_or_default());
        all.push(0);
    }
    sha256_hex(&all)
}

/// Whether the stats recorded the lines each test executes (a pass with `MUTRUN_LINES=1`).
pub fn has_lines(stats: &StatsFile) -> bool {
    stats.line_files.is_some()
}

/// Where a stats pass run with `MUTRUN_LINES=1` writes the executed lines (before `stats.json`).
pub fn lines_path(mutants_dir: &Path) -> PathBuf {
    mutants_dir.join(".mutrun").join(LINES_FILE)
}

/// The executed lines the last stats pass recorded, if it recorded them.
pub fn read_lines(mutants_dir: &Path) -> Option<BTreeMap<String, LineRecord>> {
    let bytes = std::fs::read(lines_path(mutants_dir)).ok()?;
    serde_json::from_slice(&bytes).ok()
}

pub fn stats_path(mutants_dir: &Path) -> PathBuf {
    mutants_dir.join(".mutrun").join(STATS_FILE)
}

/// The stats of the last run, whatever changed since (for reports).
pub fn read(mutants_dir: &Path) -> Option<StatsFile> {
    let bytes = std::fs::read(stats_path(mutants_dir)).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// Stats from an earlier run whose inputs are unchanged.
pub fn reusable(mutants_dir: &Path, inputs_sha256: &str) -> Option<StatsFile> {
    let stats = read(mutants_dir)?;
    (stats.inputs_sha256 == inputs_sha256).then_some(stats)
}

/// A stats pass whose tests could not all be collected, or that found none, gives no verdict
/// a meaning: stop with what pytest said.
fn refuse_unusable(stats: &StatsFile, log: &Path) -> Result<()> {
    if !stats.collect_errors.is_empty() {
        let shown: Vec<String> = stats
            .collect_errors
            .iter()
            .take(5)
            .map(|e| format!("  {}:\n{}", e.location, indent(&e.message)))
            .collect();
        return Err(Error::with_code(
            format!(
                "pytest could not collect {} test files in mutants/ (the tests must pass there with no mutant):\n{}\n\
                 If they pass in your project, the copy lacks something they need: add it to `also_copy` under \
                 [tool.mutrun]. Full output: {}",
                stats.collect_errors.len(),
                shown.join("\n"),
                log.display()
            ),
            ExitCode::SanityPassFailed,
        ));
    }
    if !stats.shadowed.is_empty() {
        let shown: Vec<String> = stats
            .shadowed
            .iter()
            .take(10)
            .map(|(module, file)| format!("  `{module}` from {file}"))
            .collect();
        return Err(Error::with_code(
            format!(
                "the tests import {} mutated modules from outside mutants/, so they test the original code \
                 and no mutant can be judged:\n{}\n\
                 Let the tests import the package by its name from the path pytest gives them: do not put \
                 the project directory or an absolute path in front of sys.path, and load no module from \
                 a file path. If the package is installed, uninstall it (`pip uninstall`) or install it \
                 in editable mode (`pip install -e .`). Output: {}",
                stats.shadowed.len(),
                shown.join("\n"),
                log.display()
            ),
            ExitCode::SanityPassFailed,
        ));
    }
    if stats.tests.is_empty() {
        return Err(Error::with_code(
            format!(
                "pytest found no tests in mutants/ (the copy of your project), so no mutant can be judged. \
                 Write tests pytest collects (test_*.py files with test_ functions), or, if you have tests, \
                 set `tests_dir` (or `pytest_add_cli_args`) under [tool.mutrun] so pytest finds them from \
                 the project root. Output: {}",
                log.display()
            ),
            ExitCode::SanityPassFailed,
        ));
    }
    Ok(())
}

fn indent(text: &str) -> String {
    text.lines()
        .map(|l| format!("    {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Runs the stats pass; its result carries `inputs_sha256` (the caller maps its lines and saves it).
pub fn run_stats_pass(
    pytest: &PytestCommand,
    mutants_dir: &Path,
    inputs_sha256: &str,
    interrupted: &AtomicBool,
) -> Result<StatsFile> {
    let out = stats_path(mutants_dir);
    let log = mutants_dir.join(".mutrun").join("logs").join("stats.log");
    let _ = std::fs::remove_file(&out);
    let mut output = CapturedOutput::new(&log)?;
    let mut child = pytest
        .command(
            Mode::Stats,
            "stats",
            &[
                (ENV_MUTANT, MUTANT_STATS.to_string()),
                (ENV_STATS_OUT, out.display().to_string()),
            ],
        )
        .stdin(Stdio::null())
        .stdout(output.stdout())
        .stderr(output.stderr())
        .spawn()
        .map_err(|e| {
            Error::other(format!(
                "cannot run `{} -m pytest`: {e}",
                pytest.python.display()
            ))
        })?;
    let status = loop {
        if interrupted.load(Ordering::SeqCst) {
            kill_group(child.id() as i32);
            let _ = child.wait();
            return Err(Error::with_code(
                "interrupted during the stats pass; nothing was lost, run `mutrun run` again",
                ExitCode::Interrupted,
            ));
        }
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) => std::thread::sleep(std::time::Duration::from_millis(20)),
            Err(e) => return Err(Error::other(format!("cannot wait for the stats pass: {e}"))),
        }
    };
    end_group_of_reaped(child.id() as i32);
    let output = output.finish();
    let Ok(bytes) = std::fs::read(&out) else {
        // A file of its own it could not write (a full disk) is that error, not the tests'.
        if let Some(error) = output.os_error("the stats pass") {
            return Err(error);
        }
        return Err(Error::with_code(
            format!(
                "the stats pass (pytest with mutrun recording) ended with {status} and wrote no stats.\n\
                 Last lines of {}:\n{}\n\
                 Check that `python -m pytest` passes in your project, and that `pytest_add_cli_args` is right.",
                log.display(),
                output.last_lines(25)
            ),
            ExitCode::SanityPassFailed,
        ));
    };
    let mut stats: StatsFile = serde_json::from_slice(&bytes)
        .map_err(|e| Error::other(format!("{} is not valid stats JSON: {e}", out.display())))?;
    refuse_unusable(&stats, &log)?;
    stats.inputs_sha256 = inputs_sha256.to_string();
    Ok(stats)
}

/// Writes `stats.json` atomically.
pub fn save(mutants_dir: &Path, stats: &StatsFile) -> Result<()> {
    let json =
        serde_json::to_vec(stats).map_err(|e| Error::other(format!("cannot encode stats: {e}")))?;
    crate::domain::atomic::write_atomic(&stats_path(mutants_dir), &json)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two tests reach `m.f` (body lines 2-5): `a` executes line 3, `b` line 2.
    fn stats(lines_within_calls: bool) -> StatsFile {
        let test = |id: &str, line: usize| TestStats {
            id: id.into(),
            duration: 0.1,
            outcome: "passed".into(),
            functions: vec!["m.f".into()],
            sha256: String::new(),
            lines: vec![(0, vec![line, line])],
        };
        StatsFile {
            format: 1,
            tests: vec![test("t::a", 3), test("t::b", 2)],
            line_files: Some(vec![lines::LineFile {
                path: "m.py".into(),
                body: vec![2, 5],
                code: vec![2, 5],
                at_collection: Some(vec![]),
            }]),
            lines_within_calls,
            ..StatsFile::default()
        }
    }

    fn chosen(stats: StatsFile, line: usize, only_in_call: bool) -> (Chosen, Vec<String>) {
        let coverage = Coverage::new(stats).by_lines(true);
        let function = FunctionKey("m.f".into());
        let selected = coverage.tests_for_mutant(&MutantSpan {
            function: &function,
            source: "m.py",
            line,
            end_line: line,
            keeps_state: false,
            only_in_call,
        });
        let ids = selected.tests.iter().map(|t| t.id.clone()).collect();
        (selected.chosen, ids)
    }

    /// `stats`, where `m.f` also ran at import, executing `at_collection` then.
    fn ran_at_import(lines_within_calls: bool, at_collection: Vec<usize>) -> StatsFile {
        let mut stats = stats(lines_within_calls);
        stats.collection_hits = vec!["m.f".into()];
        if let Some(files) = stats.line_files.as_mut() {
            files[0].at_collection = Some(at_collection);
        }
        stats
    }

    #[test]
    fn code_import_kept_but_never_ran_is_selected_by_line_when_lines_were_recorded_everywhere() {
        // A decorator's wrapper: the decorator ran at import, the wrapper's lines 3-4 did not.
        let stats = || ran_at_import(false, vec![2, 2]);
        let coverage = Coverage::new(stats()).by_lines(true);
        let function = FunctionKey("m.f".into());
        let span = MutantSpan {
            function: &function,
            source: "m.py",
            line: 3,
            end_line: 3,
            keeps_state: false,
            only_in_call: false,
        };
        assert_eq!(coverage.start_for(&span), Start::Fresh);
        assert_eq!(
            chosen(stats(), 3, false),
            (Chosen::Lines, vec!["t::a".into()])
        );
        assert_eq!(chosen(stats(), 4, false), (Chosen::NoTestExecutes, vec![]));
    }

    #[test]
    fn a_line_that_ran_at_import_is_selected_by_function_with_its_executors_first() {
        // What line 2 computed at import reaches every test; `t::b` executes it again.
        let everyone = || ran_at_import(false, vec![2, 2]);
        assert_eq!(
            chosen(everyone(), 2, false),
            (Chosen::Function, vec!["t::b".into(), "t::a".into()])
        );
        // Recorded within calls only: the wrapper may have run unrecorded.
        let within_calls = || ran_at_import(true, vec![2, 2]);
        assert_eq!(
            chosen(within_calls(), 4, false),
            (Chosen::Function, vec!["t::a".into(), "t::b".into()])
        );
        assert_eq!(
            chosen(within_calls(), 2, false),
            (Chosen::Function, vec!["t::b".into(), "t::a".into()])
        );
    }

    #[test]
    fn a_line_no_test_executes_has_no_tests_when_lines_were_recorded_everywhere() {
        assert_eq!(
            chosen(stats(false), 4, false),
            (Chosen::NoTestExecutes, vec![])
        );
        assert_eq!(
            chosen(stats(false), 3, false),
            (Chosen::Lines, vec!["t::a".into()])
        );
    }

    #[test]
    fn code_that_may_run_after_its_call_is_selected_by_function_when_lines_were_recorded_within_calls(
    ) {
        // A generator's later lines or a closure's may have run after the call returned, where
        // the 3.9-3.11 tracer records nothing: every test that reaches the function, those that
        // execute the line first.
        assert_eq!(
            chosen(stats(true), 4, false),
            (Chosen::Function, vec!["t::a".into(), "t::b".into()])
        );
        assert_eq!(
            chosen(stats(true), 2, false),
            (Chosen::Function, vec!["t::b".into(), "t::a".into()])
        );
        // Code that runs only within its function's call was seen wherever it ran.
        assert_eq!(
            chosen(stats(true), 4, true),
            (Chosen::NoTestExecutes, vec![])
        );
        assert_eq!(
            chosen(stats(true), 3, true),
            (Chosen::Lines, vec!["t::a".into()])
        );
    }
}
