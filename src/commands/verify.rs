//! `mutrun verify`: re-derives stored verdicts the slow, obvious way and reports every
//! disagreement. Each mutant is written as plain source (no trampolines) into a fresh copy of the
//! original project, and its covering tests run under plain `python -m pytest` in a new process.
//! That is the truth a trampoline verdict must match.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::coverage::{self, Coverage, StatsFile};
use crate::domain::error::{Error, Result};
use crate::domain::exit_code::ExitCode;
use crate::domain::hash::sha256_hex;
use crate::domain::verdict::Verdict;
use crate::execute::protocol::{ENV_MODE, ENV_MUTANT, ISOLATION_PLUGIN};
use crate::execute::timeouts::TimeoutPolicy;
use crate::execute::worker::{end_group_of_reaped, kill_group, log_tail};
use crate::plan::select::Selector;
use crate::record::meta::{self, FileMeta};
use crate::report::before_after;
use crate::workspace::copy_tree;
use crate::workspace::python::Interpreter;
use crate::workspace::Workspace;

pub struct VerifyOptions {
    pub patterns: Vec<String>,
    pub sample: Option<usize>,
    pub seed: u64,
    pub jobs: Option<usize>,
}

/// What plain pytest said about a mutant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlainOutcome {
    /// Some test failed or errored (pytest exit 1, or 2 when collection broke).
    Detected,
    /// Every test passed (exit 0).
    Undetected,
    /// The tests did not finish within the time limit.
    TimedOut,
    /// pytest died from a signal.
    Crashed,
    /// pytest could not run the tests (internal or usage error, or no such tests: exit 3-5).
    NotRun(i32),
}

impl PlainOutcome {
    fn describe(self) -> String {
        match self {
            PlainOutcome::Detected => "a test fails (killed)".into(),
            PlainOutcome::Undetected => "every test passes (survived)".into(),
            PlainOutcome::TimedOut => "the tests did not finish in time (timeout)".into(),
            PlainOutcome::Crashed => "pytest died from a signal (crashed)".into(),
            PlainOutcome::NotRun(code) => {
                format!("pytest could not run the tests (exit code {code})")
            }
        }
    }
}

/// Whether a stored verdict and plain pytest's outcome agree; `None`: the pair says nothing
/// (pytest could not run, or the stored verdict makes no claim).
pub fn agrees(stored: Verdict, plain: PlainOutcome) -> Option<bool> {
    use PlainOutcome::*;
    let claim_detected = match stored {
        Verdict::Killed | Verdict::Timeout => true,
        Verdict::Survived | Verdict::NoTests => false,
        Verdict::Crashed => return Some(plain == Crashed || plain == Detected),
        Verdict::Suspicious | Verdict::Skipped | Verdict::Ignored | Verdict::CaughtByTypeCheck => {
            return None
        }
    };
    match plain {
        Detected | TimedOut => Some(claim_detected),
        Undetected => Some(!claim_detected),
        Crashed => Some(false),
        NotRun(_) => None,
    }
}

/// One mutant to check: the mutated file's full text and the tests to run.
struct Case {
    id: String,
    source: PathBuf,
    original: String,
    mutated: String,
    location: String,
    stored: Verdict,
    tests: Vec<String>,
    limit: Duration,
}

struct Checked {
    case: Case,
    plain: PlainOutcome,
    log: PathBuf,
    seconds: f64,
}

pub fn verify(
    ws: &Workspace,
    interpreter: &Interpreter,
    options: &VerifyOptions,
) -> Result<ExitCode> {
    let coverage = read_coverage(&ws.mutants_dir)?;
    // For `mutrun_plugin.isolation`, which plain pytest loads here.
    crate::execute::runtime::install(&ws.runtime_dir())?;
    let policy = TimeoutPolicy {
        multiplier: ws.config.timeout_multiplier,
        constant: ws.config.timeout_constant,
    };
    let cases = select_cases(ws, &coverage, &policy, options)?;
    if cases.is_empty() {
        crate::info!("verify: no mutant with a stored verdict matches; run `mutrun run` first");
        return Ok(ExitCode::Success);
    }
    let workers = options
        .jobs
        .or(ws.config.workers)
        .unwrap_or_else(num_cpus::get)
        .clamp(1, cases.len());
    crate::info!(
        "verify: checking {} mutants with plain pytest on patched copies ({workers} at a time)",
        cases.len()
    );
    let checked = run_cases(ws, interpreter, cases, workers)?;
    Ok(print_report(&checked))
}

fn read_coverage(mutants_dir: &Path) -> Result<Coverage> {
    let path = coverage::stats_path(mutants_dir);
    let bytes = std::fs::read(&path).map_err(|_| {
        Error::usage(format!(
            "no test stats in {}: run `mutrun run` first, then verify its verdicts",
            path.display()
        ))
    })?;
    let stats: StatsFile = serde_json::from_slice(&bytes).map_err(|e| {
        Error::other(format!(
            "{} is not valid stats JSON ({e}); run `mutrun run` again",
            path.display()
        ))
    })?;
    Ok(Coverage::new(stats))
}

/// Mutants with a valid stored verdict, matching the patterns, sampled when asked.
fn select_cases(
    ws: &Workspace,
    coverage: &Coverage,
    policy: &TimeoutPolicy,
    options: &VerifyOptions,
) -> Result<Vec<Case>> {
    let selector = Selector::new(&options.patterns)?;
    // Each file once, and the candidates as (file, mutant) indices: a copy of the file per
    // candidate grows with the square of a file's mutants (gigabytes on marshmallow).
    let mut files: Vec<(FileMeta, String)> = Vec::new();
    let mut candidates: Vec<(usize, usize)> = Vec::new();
    for source in &ws.project.sources {
        let meta_path = meta::meta_path(&ws.mutants_dir, &source.path);
        let Ok(Some(file)) = meta::read(&meta_path) else {
            continue;
        };
        let path = ws.root.join(&source.path);
        let text = std::fs::read_to_string(&path).map_err(|e| Error::io("read", &path, e))?;
        if sha256_hex(text.as_bytes()) != file.source_sha256 {
            crate::warning!(
                "{} changed since the last run; its mutants are not verified (run `mutrun run` first)",
                source.path.display()
            );
            continue;
        }
        for (index, mutant) in file.mutants.iter().enumerate() {
            if selector.matches(&mutant.id) && file.valid_verdict(mutant).is_some() {
                candidates.push((files.len(), index));
            }
        }
        files.push((file, text));
    }
    let id = |(f, m): &(usize, usize)| files[*f].0.mutants[*m].id.as_str();
    if let Some(n) = options.sample {
        // A reproducible sample: order by a hash of seed and id, keep the first n.
        candidates
            .sort_by_cached_key(|c| sha256_hex(format!("{}:{}", options.seed, id(c)).as_bytes()));
        candidates.truncate(n);
        candidates.sort_by(|a, b| id(a).cmp(id(b)));
    }
    let mut cases = Vec::new();
    for (f, m) in candidates {
        let (file, text) = &files[f];
        let mutant = &file.mutants[m];
        let Some(record) = file.valid_verdict(mutant) else {
            continue;
        };
        if agrees(record.verdict, PlainOutcome::Detected).is_none() {
            continue;
        }
        let covering = coverage.tests_for(&mutant.function);
        let seconds: f64 = if covering.is_empty() {
            coverage.tests.iter().map(|t| t.duration).sum()
        } else {
            covering.iter().map(|t| t.duration).sum()
        };
        // The text's hash matched the catalog's above, so the offsets fit.
        let Some(mutated) = mutant.applied_to(text) else {
            continue;
        };
        let (before, after) = before_after(text, mutant.start, mutant.end, &mutant.replacement);
        cases.push(Case {
            id: mutant.id.as_str().to_string(),
            source: PathBuf::from(&file.source),
            mutated,
            original: text.clone(),
            location: format!(
                "{}:{}  [{}] {before} → {after}",
                file.source,
                mutant.line,
                mutant.operator.name()
            ),
            stored: record.verdict,
            // No covering test (a `no tests` verdict): the whole suite must pass.
            tests: covering.iter().map(|t| t.id.clone()).collect(),
            // Plain pytest starts and collects for every mutant: allow for that on top.
            limit: policy.budget(seconds) * 3 + Duration::from_secs(60),
        });
    }
    Ok(cases)
}

/// Runs the cases on `workers` threads, each with its own copy of the project.
fn run_cases(
    ws: &Workspace,
    interpreter: &Interpreter,
    cases: Vec<Case>,
    workers: usize,
) -> Result<Vec<Checked>> {
    let base = ws.mutants_dir.join(".mutrun").join("verify");
    let queue = Mutex::new(cases.into_iter().collect::<std::collections::VecDeque<_>>());
    let done = Mutex::new(Vec::new());
    let failed = AtomicBool::new(false);
    let finished = AtomicUsize::new(0);
    let errors: Mutex<Vec<Error>> = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for n in 0..workers {
            let (queue, done, errors, failed, finished, base) =
                (&queue, &done, &errors, &failed, &finished, &base);
            scope.spawn(move || {
                let copy = base.join(format!("copy-{n}"));
                let logs = base.join("logs");
                let prepared = std::fs::create_dir_all(&logs)
                    .map_err(|e| Error::io("create", &logs, e))
                    .and_then(|()| {
                        let owned = crate::workspace::owned::Owned::all_of(&copy);
                        copy_tree::mirror(
                            &ws.root,
                            &copy,
                            &HashSet::new(),
                            &ws.config.also_copy,
                            &owned,
                        )
                    });
                if let Err(e) = prepared {
                    failed.store(true, Ordering::SeqCst);
                    errors.lock().map(|mut v| v.push(e)).ok();
                    return;
                }
                loop {
                    if failed.load(Ordering::SeqCst) {
                        return;
                    }
                    let next = queue.lock().ok().and_then(|mut q| q.pop_front());
                    let Some(case) = next else { return };
                    match check(ws, interpreter, &copy, &logs, case) {
                        Ok(checked) => {
                            let count = finished.fetch_add(1, Ordering::SeqCst) + 1;
                            if count % 10 == 0 {
                                crate::info!("verify: {count} checked");
                            }
                            done.lock().map(|mut v| v.push(checked)).ok();
                        }
                        Err(e) => {
                            failed.store(true, Ordering::SeqCst);
                            errors.lock().map(|mut v| v.push(e)).ok();
                            return;
                        }
                    }
                }
            });
        }
    });
    if let Some(error) = errors.into_inner().ok().and_then(|mut v| v.pop()) {
        return Err(error);
    }
    let mut checked = done.into_inner().unwrap_or_default();
    checked.sort_by(|a, b| a.case.id.cmp(&b.case.id));
    Ok(checked)
}

/// Writes the mutant into `copy`, runs plain pytest, restores the original file.
fn check(
    ws: &Workspace,
    interpreter: &Interpreter,
    copy: &Path,
    logs: &Path,
    case: Case,
) -> Result<Checked> {
    let target = copy.join(&case.source);
    crate::domain::atomic::write_atomic(&target, case.mutated.as_bytes())?;
    let log = logs.join(format!("{}.log", case.id.replace(['/', ':'], "_")));
    let started = Instant::now();
    let mut plain = run_plain_pytest(ws, interpreter, copy, &case.tests, case.limit, &log);
    // A parametrize id made from a value the mutant changes (`test_x[red-1]` → `test_x[XXred-1XX]`)
    // is not found under the mutant: ask for the test functions instead, which is what those
    // cases are under plain pytest.
    if matches!(plain, Ok(PlainOutcome::NotRun(4))) && ids_not_found(&log) {
        let functions = test_functions(&case.tests);
        if functions != case.tests {
            plain = run_plain_pytest(ws, interpreter, copy, &functions, case.limit, &log);
        }
    }
    crate::domain::atomic::write_atomic(&target, case.original.as_bytes())?;
    Ok(Checked {
        plain: plain?,
        seconds: started.elapsed().as_secs_f64(),
        case,
        log,
    })
}

/// `tests` with each parametrized id cut to its test function, without repeats, in order.
fn test_functions(tests: &[String]) -> Vec<String> {
    let mut seen = HashSet::new();
    tests
        .iter()
        .map(|id| id.split('[').next().unwrap_or(id).to_string())
        .filter(|id| seen.insert(id.clone()))
        .collect()
}

fn ids_not_found(log: &Path) -> bool {
    std::fs::read_to_string(log).is_ok_and(|text| text.contains("ERROR: not found: "))
}

fn run_plain_pytest(
    ws: &Workspace,
    interpreter: &Interpreter,
    copy: &Path,
    tests: &[String],
    limit: Duration,
    log: &Path,
) -> Result<PlainOutcome> {
    let outcome = run_plain_pytest_once(ws, interpreter, copy, tests, limit, log);
    let _ = std::fs::remove_dir_all(copy.with_extension("cache"));
    outcome
}

fn run_plain_pytest_once(
    ws: &Workspace,
    interpreter: &Interpreter,
    copy: &Path,
    tests: &[String],
    limit: Duration,
    log: &Path,
) -> Result<PlainOutcome> {
    let log_file = std::fs::File::create(log).map_err(|e| Error::io("create", log, e))?;
    let log_err = log_file
        .try_clone()
        .map_err(|e| Error::io("open", log, e))?;
    // Plain pytest as a first run in the project: the rootdir is the copy (node ids are paths
    // from it), only the copy's conftest.py files load (`mutrun_plugin.isolation`: not the
    // originals, nor mutants/'s, in the folders above it), and the cache starts empty.
    let cache = copy.with_extension("cache");
    let _ = std::fs::remove_dir_all(&cache);
    let mut cmd = Command::new(&interpreter.path);
    cmd.args(["-m", "pytest", "-p", ISOLATION_PLUGIN, "-x", "-q"])
        .args(&ws.config.pytest_add_cli_args)
        .arg("--rootdir")
        .arg(copy)
        .arg("-o")
        .arg(format!("cache_dir={}", cache.display()));
    if tests.is_empty() {
        cmd.args(ws.config.tests_dir.iter().map(|p| p.display().to_string()));
    } else {
        cmd.args(tests);
    }
    let mut python_path: Vec<String> = vec![ws.runtime_dir().display().to_string()];
    python_path.extend(
        ws.project
            .import_roots
            .iter()
            .map(|r| copy.join(r).display().to_string()),
    );
    if let Ok(existing) = std::env::var("PYTHONPATH") {
        python_path.push(existing);
    }
    cmd.current_dir(copy)
        .env("PYTHONPATH", python_path.join(":"))
        // No bytecode: the original and the mutant may share a size and an mtime second.
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .env(
            "PYTHONHASHSEED",
            std::env::var("PYTHONHASHSEED").unwrap_or_else(|_| "0".into()),
        )
        .env_remove(ENV_MUTANT)
        .env_remove(ENV_MODE)
        .stdin(Stdio::null())
        .stdout(Stdio::from(log_file))
        .stderr(Stdio::from(log_err));
    std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
    crate::execute::worker::same_addresses_every_run(&mut cmd);
    if let Some(mb) = ws.config.memory_limit_mb {
        // The same cap as the run's test processes: a mutant that allocates without bound must
        // not take the machine here either.
        let bytes = mb.saturating_mul(1024 * 1024);
        // SAFETY: setrlimit(2) is a plain syscall, async-signal-safe, touching no parent memory.
        unsafe {
            std::os::unix::process::CommandExt::pre_exec(&mut cmd, move || {
                use nix::sys::resource::{setrlimit, Resource};
                setrlimit(Resource::RLIMIT_AS, bytes, bytes).map_err(std::io::Error::from)
            });
        }
    }
    let mut child = cmd.spawn().map_err(|e| {
        Error::other(format!(
            "cannot run `{} -m pytest`: {e}",
            interpreter.path.display()
        ))
    })?;
    let started = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(status)) => {
                use std::os::unix::process::ExitStatusExt;
                end_group_of_reaped(child.id() as i32);
                return Ok(match (status.code(), status.signal()) {
                    (Some(0), _) => PlainOutcome::Undetected,
                    (Some(1 | 2), _) => PlainOutcome::Detected,
                    // pytest's usage-error code also ends a run whose conftest.py, or a test
                    // file holding the asked tests, fails to import (the ids are then "not
                    // found"): under the mutant, that is the suite failing.
                    (Some(4), _) if conftest_failed(log) || collection_failed(log) => {
                        PlainOutcome::Detected
                    }
                    (Some(code), _) => PlainOutcome::NotRun(code),
                    (None, _) => PlainOutcome::Crashed,
                });
            }
            Ok(None) if started.elapsed() > limit => {
                kill_group(child.id() as i32);
                let _ = child.wait();
                return Ok(PlainOutcome::TimedOut);
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => return Err(Error::other(format!("cannot wait for pytest: {e}"))),
        }
    }
}

fn conftest_failed(log: &Path) -> bool {
    std::fs::read_to_string(log).is_ok_and(|text| text.contains("while loading conftest"))
}

fn collection_failed(log: &Path) -> bool {
    std::fs::read_to_string(log).is_ok_and(|text| text.contains("ERROR collecting "))
}

fn print_report(checked: &[Checked]) -> ExitCode {
    let mut agree = 0;
    let mut disagree = 0;
    let mut unchecked = 0;
    for item in checked {
        match agrees(item.case.stored, item.plain) {
            Some(true) => agree += 1,
            Some(false) => {
                disagree += 1;
                crate::outln!("DISAGREE {}  {}", item.case.id, item.case.location);
                crate::outln!("  mutrun: {}", item.case.stored);
                crate::outln!(
                    "  plain pytest: {} in {:.1} s",
                    item.plain.describe(),
                    item.seconds
                );
                crate::outln!("  tests: {}", tests_line(&item.case.tests));
                crate::outln!("  last lines of {}:", item.log.display());
                for line in log_tail(&item.log, 15).lines() {
                    crate::outln!("    {line}");
                }
            }
            None => {
                unchecked += 1;
                crate::outln!(
                    "UNCHECKED {}  mutrun: {}; plain pytest: {} (see {})",
                    item.case.id,
                    item.case.stored,
                    item.plain.describe(),
                    item.log.display()
                );
            }
        }
    }
    crate::outln!(
        "verify: {} mutants checked: {agree} agree, {disagree} disagree, {unchecked} could not be checked",
        checked.len()
    );
    if disagree > 0 {
        ExitCode::VerifyDisagreement
    } else {
        ExitCode::Success
    }
}

fn tests_line(tests: &[String]) -> String {
    match tests.len() {
        0 => "the whole suite".into(),
        1..=3 => tests.join(" "),
        n => format!("{} and {} more", tests[..3].join(" "), n - 3),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detected_verdicts_agree_with_failing_tests_only() {
        assert_eq!(agrees(Verdict::Killed, PlainOutcome::Detected), Some(true));
        assert_eq!(agrees(Verdict::Timeout, PlainOutcome::Detected), Some(true));
        assert_eq!(agrees(Verdict::Killed, PlainOutcome::TimedOut), Some(true));
        assert_eq!(
            agrees(Verdict::Killed, PlainOutcome::Undetected),
            Some(false)
        );
        assert_eq!(
            agrees(Verdict::Survived, PlainOutcome::Detected),
            Some(false)
        );
        assert_eq!(
            agrees(Verdict::Survived, PlainOutcome::Undetected),
            Some(true)
        );
        assert_eq!(
            agrees(Verdict::NoTests, PlainOutcome::Undetected),
            Some(true)
        );
        assert_eq!(agrees(Verdict::Crashed, PlainOutcome::Crashed), Some(true));
        assert_eq!(agrees(Verdict::Survived, PlainOutcome::NotRun(4)), None);
        assert_eq!(agrees(Verdict::Suspicious, PlainOutcome::Detected), None);
    }
}
