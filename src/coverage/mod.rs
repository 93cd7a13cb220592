//! The stats pass: one plain run of the whole suite with every trampoline recording, giving per
//! test its duration and the functions it reaches. Reused while nothing under `mutants/` changed.

pub mod learn;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, Ordering};

use serde::{Deserialize, Serialize};

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
    /// Hash of everything the stats depend on; set by mutrun after the pass.
    #[serde(default)]
    pub inputs_sha256: String,
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
        Coverage {
            by_id,
            collection_starts: collection_starts(&stats),
            tests: stats.tests,
            by_function,
        }
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
/// recomputed whenever any of them changes.
pub fn inputs_hash(mutants_dir: &Path, pytest_args: &[String]) -> String {
    let mut files: Vec<PathBuf> = walkdir::WalkDir::new(mutants_dir)
        .into_iter()
        .filter_entry(|e| {
            let name = e.file_name().to_string_lossy();
            name != ".mutrun" && name != "__pycache__" && name != ".pytest_cache"
        })
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_file() && !e.file_name().to_string_lossy().ends_with(".meta"))
        .map(|e| e.into_path())
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

/// Runs the stats pass and stores its result with `inputs_sha256`.
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
    save(mutants_dir, &stats)?;
    Ok(stats)
}

/// Writes `stats.json` atomically.
pub fn save(mutants_dir: &Path, stats: &StatsFile) -> Result<()> {
    let json =
        serde_json::to_vec(stats).map_err(|e| Error::other(format!("cannot encode stats: {e}")))?;
    crate::domain::atomic::write_atomic(&stats_path(mutants_dir), &json)
}
