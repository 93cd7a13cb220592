//! `mutrun run`: prepare → stats → sanity passes → one job per mutant → verdicts in `.meta`.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::coverage::{self, Coverage};
use crate::domain::error::{Error, Result};
use crate::domain::exit_code::ExitCode;
use crate::domain::mutant::{FunctionKey, MutantId};
use crate::domain::verdict::Verdict;
use crate::execute::lab::{Job, JobKind, JobResult, Lab, RunEnd, Start};
use crate::execute::outcome::judge;
use crate::execute::protocol::FailedTest;
use crate::execute::test_command::{self, TestCommand};
use crate::execute::timeouts::TimeoutPolicy;
use crate::execute::worker::PytestCommand;
use crate::plan::marks::{self, Marks};
use crate::plan::prefilter;
use crate::plan::reuse::{self, Rerun};
use crate::plan::select::Selection;
use crate::record::meta::{self, VerdictRecord};
use crate::record::Recorder;
use crate::report::progress::Progress;
use crate::report::{self, Summary};
use crate::workspace::{print_generate_report, Workspace};

pub struct RunOptions {
    pub selection: Selection,
    pub jobs: Option<usize>,
    pub timeout_multiplier: Option<f64>,
    pub timeout_constant: Option<f64>,
    pub rerun: bool,
    /// List each mutant that runs with why its stored verdict could not be reused.
    pub explain: bool,
    pub live_progress: bool,
    /// Exit with [`ExitCode::ScoreBelowGate`] when the mutation score (percent) is below this.
    pub fail_under: Option<f64>,
}

/// One mutant to run, with what its job needs.
struct Planned {
    id: MutantId,
    function: FunctionKey,
    reason: Rerun,
    /// The test that killed it last time, if it still exists.
    previous_killer: Option<String>,
}

pub fn run(ws: &Workspace, options: &RunOptions, interrupted: Arc<AtomicBool>) -> Result<ExitCode> {
    let started = Instant::now();
    let generated = ws.prepare()?;
    print_generate_report(&generated);
    let meta_paths: Vec<_> = ws
        .project
        .sources
        .iter()
        .map(|s| meta::meta_path(&ws.mutants_dir, &s.path))
        .collect();
    let (mut recorder, warnings) = Recorder::load(&meta_paths);
    for warning in warnings {
        eprintln!("mutrun: warning: {warning}");
    }
    let chosen = options.selection.choose(recorder.mutants())?;
    let selected = chosen.len();
    // Marked (equivalent) mutants are never run; their verdict is `ignored` in every report.
    let resolved = Marks::load(&ws.root)?.resolve(recorder.files());
    // A mark of an operator this run does not generate is not stale, only out of scope.
    let stale: Vec<_> = resolved
        .stale
        .iter()
        .filter(|m| ws.config.operators.contains(m.key.operator))
        .cloned()
        .collect();
    for warning in marks::stale_warnings(&stale) {
        eprintln!("mutrun: warning: {warning}");
    }
    let ignored = &resolved.ignored;
    if selected == 0 {
        if !options.selection.patterns.is_empty() {
            return Err(Error::usage(format!(
                "no mutant matches {}; `mutrun list` shows the ids",
                options.selection.patterns.join(" ")
            )));
        }
        eprintln!("mutrun: no mutant is selected (diff, shard or sample); nothing to run");
        return Ok(ExitCode::Success);
    }

    // Which verdicts still hold depends on the tests as they are now: stats from the last run
    // while nothing under mutants/ changed (no Python started), else a new stats pass.
    let test_command = ws.config.test_command.clone();
    let stats_args = match &test_command {
        Some(argv) => [vec!["test_command".to_string()], argv.clone()].concat(),
        None => ws.pytest_args(),
    };
    let inputs = coverage::inputs_hash(&ws.mutants_dir, &stats_args);
    prefilter::prepare_stats(ws);
    let mut pytest = None;
    let mut command = None;
    let coverage = match (coverage::reusable(&ws.mutants_dir, &inputs), &test_command) {
        (Some(stats), _) => Coverage::new(stats),
        (None, Some(argv)) => {
            let started = start_command(ws, argv)?;
            let Some(coverage) = reach_pass(ws, &started, &inputs, &interrupted)? else {
                eprintln!("mutrun: interrupted during the reach pass; nothing to save yet");
                return Ok(ExitCode::Interrupted);
            };
            command = Some(started);
            coverage
        }
        (None, None) => {
            let started = start_python(ws)?;
            let coverage = stats_pass(ws, &started, &inputs, &interrupted)?;
            pytest = Some(started);
            coverage
        }
    };
    refuse_failing_tests(&coverage)?;

    let mut planned = plan(&recorder, &chosen, ignored, &coverage, options.rerun);
    // Verdicts that need no test run (lines no test executes).
    let decided = prefilter::decide(ws, &recorder, &coverage, planned.iter().map(|p| &p.id))?;
    planned.retain(|p| !decided.contains_key(&p.id));
    for (id, record) in decided {
        recorder.record(&id, record);
    }
    recorder.flush()?;
    let marked = chosen.iter().filter(|id| ignored.contains_key(*id)).count();
    if marked > 0 {
        eprintln!(
            "mutrun: {marked} selected mutants are marked equivalent in {} (ignored)",
            marks::MARKS_FILE
        );
    }
    print_plan(&planned, selected - marked, options.explain);
    if planned.is_empty() {
        let summary = print_summary(&recorder, &chosen, ignored, started);
        return Ok(report::gate(&summary, options.fail_under));
    }
    let policy = TimeoutPolicy {
        multiplier: options
            .timeout_multiplier
            .unwrap_or(ws.config.timeout_multiplier),
        constant: options
            .timeout_constant
            .unwrap_or(ws.config.timeout_constant),
    };

    // Mutants no test reaches get their verdict now; the rest become jobs.
    let mut jobs = Vec::new();
    for mutant in &planned {
        let tests = coverage.tests_for(&mutant.function);
        if tests.is_empty() {
            let mut record = VerdictRecord {
                verdict: Verdict::NoTests,
                seconds: 0.0,
                tests_run: vec![],
                killer: None,
                function_sha256: recorder.function_hash(&mutant.id).unwrap_or_default(),
                detail: None,
                killer_sha256: None,
                tests_sha256: None,
            };
            reuse::stamp(&mut record, &coverage, &mutant.function);
            recorder.record(&mutant.id, record);
            continue;
        }
        let seconds: f64 = tests.iter().map(|t| t.duration).sum();
        // The test that killed it last time goes first: it most likely kills it again.
        let mut order: Vec<String> = mutant.previous_killer.iter().cloned().collect();
        order.extend(
            tests
                .iter()
                .map(|t| t.id.clone())
                .filter(|id| Some(id) != mutant.previous_killer.as_ref()),
        );
        if order.len() > tests.len() {
            order.remove(0); // the old killer no longer covers the function
        }
        jobs.push(Job {
            kind: JobKind::Mutant(mutant.id.clone()),
            tests: order,
            budget: policy.budget(seconds),
            stop_on_failure: true,
            start: coverage.collection_start(&mutant.function),
        });
    }
    recorder.flush()?;
    if jobs.is_empty() {
        let summary = print_summary(&recorder, &chosen, ignored, started);
        return Ok(report::gate(&summary, options.fail_under));
    }
    let workers = options
        .jobs
        .or(ws.config.workers)
        .unwrap_or_else(num_cpus::get)
        .clamp(1, jobs.len());

    if let Some(argv) = &test_command {
        let command = match command {
            Some(command) => command,
            None => start_command(ws, argv)?,
        };
        let end = match test_command::sanity_passes(&command, &interrupted)? {
            None => RunEnd::Interrupted,
            Some(clean_seconds) => {
                for job in &mut jobs {
                    job.budget = policy.budget(clean_seconds);
                }
                let total = jobs.len();
                run_mutants(
                    |on_result| {
                        test_command::run_jobs(&command, jobs, workers, &interrupted, on_result)
                    },
                    total,
                    &mut recorder,
                    &coverage,
                    options.live_progress,
                )?
            }
        };
        recorder.flush()?;
        return finish(
            end,
            &recorder,
            &chosen,
            ignored,
            started,
            options.fail_under,
        );
    }

    let pytest = match pytest {
        Some(pytest) => pytest,
        None => start_python(ws)?,
    };
    let zygotes = if jobs.iter().any(|j| j.start == Start::Fresh) {
        workers
    } else {
        0
    };
    let (mut lab, collected) = Lab::start(
        workers,
        zygotes,
        pytest.clone(),
        &ws.log_dir(),
        interrupted.clone(),
    )?;
    lab.use_test_durations(
        coverage
            .tests
            .iter()
            .map(|t| (t.id.clone(), t.duration))
            .collect(),
    );
    for job in &mut jobs {
        if job.start != Start::Forked {
            // A fresh process starts pytest and collects before its first test; a re-collecting
            // child collects part of the suite.
            job.budget += collected.startup.mul_f64(policy.multiplier);
        }
    }

    let outcome =
        sanity_passes(ws, &mut lab, &coverage, &jobs, &policy, &pytest).and_then(|end| match end {
            RunEnd::Interrupted => Ok(RunEnd::Interrupted),
            RunEnd::Completed => {
                let total = jobs.len();
                run_mutants(
                    |on_result| lab.run(jobs, on_result),
                    total,
                    &mut recorder,
                    &coverage,
                    options.live_progress,
                )
            }
        });
    lab.shutdown();
    recorder.flush()?;
    finish(
        outcome?,
        &recorder,
        &chosen,
        ignored,
        started,
        options.fail_under,
    )
}

/// The summary, and the exit code: interrupted (with how to resume), or the score gate's.
fn finish(
    end: RunEnd,
    recorder: &Recorder,
    chosen: &HashSet<MutantId>,
    ignored: &HashMap<MutantId, String>,
    started: Instant,
    fail_under: Option<f64>,
) -> Result<ExitCode> {
    let summary = print_summary(recorder, chosen, ignored, started);
    if end == RunEnd::Interrupted {
        eprintln!("mutrun: interrupted; verdicts so far are saved in mutants/. Run `mutrun run` again to resume.");
        return Ok(ExitCode::Interrupted);
    }
    Ok(report::gate(&summary, fail_under))
}

/// Test-command mode: the command as it will run, with a leading `python`/`python3` replaced by
/// the interpreter mutrun picked (said once), so the project's venv runs the tests.
fn start_command(ws: &Workspace, argv: &[String]) -> Result<TestCommand> {
    let name = test_command::display(argv);
    let mut argv = argv.to_vec();
    if matches!(argv.first().map(String::as_str), Some("python" | "python3")) {
        let interpreter = ws.interpreter_without_pytest()?;
        eprintln!(
            "mutrun: test command `{}`, `{}` being {} (Python {}.{}.{}, from {})",
            test_command::display(&argv),
            argv[0],
            interpreter.path.display(),
            interpreter.version.0,
            interpreter.version.1,
            interpreter.version.2,
            interpreter.source
        );
        argv[0] = interpreter.path.display().to_string();
    } else {
        eprintln!("mutrun: test command `{}`", test_command::display(&argv));
    }
    Ok(ws.test_command(name, argv))
}

/// Test-command mode's stats pass: which functions the command reaches at all.
fn reach_pass(
    ws: &Workspace,
    command: &TestCommand,
    inputs: &str,
    interrupted: &AtomicBool,
) -> Result<Option<Coverage>> {
    let t = Instant::now();
    eprintln!(
        "mutrun: reach pass: running the test command once to see which functions it reaches"
    );
    let sources: Vec<_> = ws.project.sources.iter().map(|s| s.path.clone()).collect();
    let test_side = test_command::test_side_sha256(&command.name, &ws.mutants_dir, &sources);
    let Some(mut stats) =
        test_command::reach_pass(command, &ws.mutants_dir, test_side, interrupted)?
    else {
        return Ok(None);
    };
    stats.inputs_sha256 = inputs.to_string();
    coverage::save(&ws.mutants_dir, &stats)?;
    eprintln!(
        "mutrun: reach pass done: {} functions reached in {:.1} s",
        stats.tests.first().map_or(0, |t| t.functions.len()),
        t.elapsed().as_secs_f64()
    );
    Ok(Some(Coverage::new(stats)))
}

/// Finds the interpreter, says which one is used, and builds the pytest command line.
fn start_python(ws: &Workspace) -> Result<PytestCommand> {
    let interpreter = ws.interpreter()?;
    eprintln!(
        "mutrun: using {} (Python {}.{}.{}, from {})",
        interpreter.path.display(),
        interpreter.version.0,
        interpreter.version.1,
        interpreter.version.2,
        interpreter.source
    );
    Ok(ws.pytest_command(&interpreter))
}

fn stats_pass(
    ws: &Workspace,
    pytest: &PytestCommand,
    inputs: &str,
    interrupted: &AtomicBool,
) -> Result<Coverage> {
    let t = Instant::now();
    eprintln!("mutrun: stats pass: running the tests once to see which reach which functions");
    let stats = coverage::run_stats_pass(pytest, &ws.mutants_dir, inputs, interrupted)?;
    eprintln!(
        "mutrun: stats pass done: {} tests in {:.1} s",
        stats.tests.len(),
        t.elapsed().as_secs_f64()
    );
    Ok(Coverage::new(stats))
}

/// The mutants to run, each with why; every other selected mutant keeps its verdict.
fn plan(
    recorder: &Recorder,
    chosen: &HashSet<MutantId>,
    ignored: &HashMap<MutantId, String>,
    coverage: &Coverage,
    rerun: bool,
) -> Vec<Planned> {
    recorder
        .mutants()
        .filter(|(_, m)| chosen.contains(&m.id) && !ignored.contains_key(&m.id))
        .filter_map(|(file, mutant)| {
            // A verdict no test gave (skipped, caught by type check) is decided again every run.
            let undecided = mutant
                .verdict
                .as_ref()
                .is_some_and(|r| !r.verdict.is_scored());
            let reason = if rerun {
                Rerun::Forced
            } else if undecided {
                Rerun::Redecided
            } else {
                reuse::why_rerun(file, mutant, coverage)?
            };
            let previous_killer = mutant
                .verdict
                .as_ref()
                .filter(|r| r.verdict == Verdict::Killed)
                .and_then(|r| r.killer.clone())
                .filter(|k| coverage.test(k).is_some());
            Some(Planned {
                id: mutant.id.clone(),
                function: mutant.function.clone(),
                reason,
                previous_killer,
            })
        })
        .collect()
}

/// "N mutants to run (why), M verdicts reused", and with `--explain` one line per mutant.
fn print_plan(planned: &[Planned], selected: usize, explain: bool) {
    let reused = selected - planned.len();
    if planned.is_empty() {
        eprintln!("mutrun: all {selected} selected verdicts are still valid; nothing to run");
        return;
    }
    let reasons: Vec<String> = Rerun::ALL
        .iter()
        .filter_map(|reason| {
            let n = planned.iter().filter(|p| p.reason == *reason).count();
            (n > 0).then(|| format!("{n} {}", reason.describe()))
        })
        .collect();
    eprintln!(
        "mutrun: {} mutants to run ({}), {reused} verdicts reused",
        planned.len(),
        reasons.join(", ")
    );
    if explain {
        for p in planned {
            eprintln!("  {}: {}", p.id, p.reason.describe());
        }
    }
}

/// Tests that fail with no mutant active make every verdict meaningless: stop with their ids.
fn refuse_failing_tests(coverage: &Coverage) -> Result<()> {
    let failed = coverage.failed_tests();
    if !failed.is_empty() {
        let ids: Vec<String> = failed
            .iter()
            .take(10)
            .map(|t| format!("  {}", t.id))
            .collect();
        return Err(Error::with_code(
            format!(
                "{} tests fail with no mutant active, so no verdict could be trusted:\n{}\n\
                 Fix them (or deselect them with `pytest_add_cli_args` under [tool.mutrun]) and run again. \
                 Details: mutants/.mutrun/logs/stats.log",
                failed.len(),
                ids.join("\n")
            ),
            ExitCode::SanityPassFailed,
        ));
    }
    Ok(())
}

/// The clean pass (no mutant: every test the jobs use must pass in a forked child) and the
/// forced-fail pass (every trampoline raises: some test must fail).
fn sanity_passes(
    ws: &Workspace,
    lab: &mut Lab,
    coverage: &Coverage,
    jobs: &[Job],
    policy: &TimeoutPolicy,
    pytest: &PytestCommand,
) -> Result<RunEnd> {
    let used: BTreeSet<&str> = jobs
        .iter()
        .flat_map(|j| j.tests.iter().map(String::as_str))
        .collect();
    let mut tests: Vec<(&str, f64)> = coverage
        .tests
        .iter()
        .filter(|t| used.contains(t.id.as_str()))
        .map(|t| (t.id.as_str(), t.duration))
        .collect();
    tests.sort_by(|a, b| a.1.total_cmp(&b.1));
    let chunks = lab_chunks(&tests, lab.width());
    let clean_jobs: Vec<Job> = chunks
        .into_iter()
        .map(|(ids, seconds)| Job {
            kind: JobKind::Clean,
            tests: ids,
            budget: policy.budget(seconds) + Duration::from_secs(30),
            stop_on_failure: false,
            start: Start::Forked,
        })
        .collect();
    let t = Instant::now();
    let mut results = Vec::new();
    if lab.run(clean_jobs, |r| results.push(r))? == RunEnd::Interrupted {
        return Ok(RunEnd::Interrupted);
    }
    check_clean(&results)?;
    eprintln!(
        "mutrun: clean pass: {} tests pass in forked children ({:.1} s)",
        tests.len(),
        t.elapsed().as_secs_f64()
    );

    let total: f64 = tests.iter().map(|t| t.1).sum();
    let forced = Job {
        kind: JobKind::ForcedFail,
        tests: tests.iter().map(|t| t.0.to_string()).collect(),
        budget: policy.budget(total) + Duration::from_secs(30),
        stop_on_failure: true,
        start: Start::Forked,
    };
    let mut results = Vec::new();
    if lab.run(vec![forced], |r| results.push(r))? == RunEnd::Interrupted {
        return Ok(RunEnd::Interrupted);
    }
    let failed_any = results.iter().any(|r| {
        r.end
            .result
            .as_ref()
            .is_some_and(|res| !res.failed.is_empty())
    });
    if !failed_any {
        return Err(Error::with_code(
            format!(
                "forced-fail pass: with every mutated function raising, all {} tests still pass, so the \
                 tests do not run the code in mutants/.\n{}",
                tests.len(),
                import_diagnosis(ws, pytest)
            ),
            ExitCode::SanityPassFailed,
        ));
    }
    eprintln!(
        "mutrun: forced-fail pass: the tests fail when the mutated code raises, as they must"
    );
    Ok(RunEnd::Completed)
}

/// Splits tests (fastest first) into `n` groups of similar total duration.
fn lab_chunks(tests: &[(&str, f64)], n: usize) -> Vec<(Vec<String>, f64)> {
    let mut chunks: Vec<(Vec<String>, f64)> = vec![(Vec::new(), 0.0); n.max(1)];
    for (id, seconds) in tests.iter().rev() {
        let lightest = chunks
            .iter_mut()
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .expect("at least one chunk");
        lightest.0.push(id.to_string());
        lightest.1 += seconds;
    }
    for chunk in &mut chunks {
        chunk.0.reverse();
    }
    chunks.retain(|c| !c.0.is_empty());
    chunks
}

fn check_clean(results: &[JobResult]) -> Result<()> {
    let mut failed: Vec<&FailedTest> = Vec::new();
    let mut unknown: Vec<&str> = Vec::new();
    let mut broken: Vec<String> = Vec::new();
    for r in results {
        match &r.end.result {
            Some(result) => {
                failed.extend(result.failed.iter());
                unknown.extend(result.unknown.iter().map(String::as_str));
            }
            None => broken.push(
                crate::execute::outcome::judge(&r.end, r.timed_out)
                    .detail
                    .unwrap_or_default(),
            ),
        }
    }
    if failed.is_empty() && unknown.is_empty() && broken.is_empty() {
        return Ok(());
    }
    let mut message =
        String::from("clean pass failed: with no mutant active, in forked test processes:\n");
    for f in failed.iter().take(10) {
        message.push_str(&format!("  FAILED {} ({})\n", f.test, f.when));
        for line in f.message.lines().take(5) {
            message.push_str(&format!("      {line}\n"));
        }
    }
    if !unknown.is_empty() {
        message.push_str(&format!(
            "  {} test ids from the stats pass were not collected by the workers (first: {}); \
             test ids must not change between runs (e.g. parametrize over a set)\n",
            unknown.len(),
            unknown[0]
        ));
    }
    for b in &broken {
        message.push_str(&format!("  a test process ended without reporting: {b}\n"));
    }
    message.push_str(
        "Tests that pass alone but fail here usually depend on test order or on state from other \
         tests. Logs: mutants/.mutrun/logs/",
    );
    Err(Error::with_code(message, ExitCode::SanityPassFailed))
}

/// Where the tests import each mutated top-level package from, when that is not `mutants/`.
fn import_diagnosis(ws: &Workspace, pytest: &PytestCommand) -> String {
    let mut tops: Vec<String> = ws
        .project
        .sources
        .iter()
        .map(|s| s.module.split('.').next().unwrap_or("").to_string())
        .filter(|m| !m.is_empty())
        .collect();
    tops.sort();
    tops.dedup();
    let script = "import importlib.util, json, sys\n\
        out = {}\n\
        for name in sys.argv[1:]:\n\
        \x20   try:\n\
        \x20       spec = importlib.util.find_spec(name)\n\
        \x20       out[name] = spec.origin if spec else None\n\
        \x20   except Exception as e:\n\
        \x20       out[name] = 'error: %s' % e\n\
        print(json.dumps(out))\n";
    let mut cmd = std::process::Command::new(&pytest.python);
    cmd.arg("-c")
        .arg(script)
        .args(&tops)
        .current_dir(&pytest.cwd);
    for (k, v) in &pytest.env {
        cmd.env(k, v);
    }
    let origins: HashMap<String, Option<String>> = cmd
        .output()
        .ok()
        .and_then(|o| serde_json::from_slice(&o.stdout).ok())
        .unwrap_or_default();
    let mut lines = Vec::new();
    for (name, origin) in origins {
        match origin {
            Some(origin) if !Path::new(&origin).starts_with(&ws.mutants_dir) => lines.push(
                format!("  `import {name}` resolves to {origin}, outside mutants/"),
            ),
            None => lines.push(format!("  `import {name}` is not importable from mutants/")),
            _ => {}
        }
    }
    if lines.is_empty() {
        "The packages import from mutants/, so the tests may not call the mutated functions at all, \
         or catch every exception. Check `paths_to_mutate` and `tests_dir` under [tool.mutrun]."
            .to_string()
    } else {
        format!(
            "{}\nAn installed copy of the package shadows mutants/: uninstall it (`pip uninstall`), or \
             install it in editable mode, and check `paths_to_mutate` under [tool.mutrun].",
            lines.join("\n")
        )
    }
}

/// Runs the mutant jobs through `execute` (the pytest lab, or test-command processes) and
/// records each verdict as it arrives.
fn run_mutants(
    execute: impl FnOnce(&mut dyn FnMut(JobResult)) -> Result<RunEnd>,
    total: usize,
    recorder: &mut Recorder,
    coverage: &Coverage,
    live: bool,
) -> Result<RunEnd> {
    let mut progress = Progress::new(total, live);
    let mut write_error: Option<Error> = None;
    let end = execute(&mut |result: JobResult| {
        let JobKind::Mutant(id) = &result.job.kind else {
            return;
        };
        let judgement = judge(&result.end, result.timed_out);
        progress.record(judgement.verdict);
        let mut record = VerdictRecord {
            verdict: judgement.verdict,
            seconds: result.end.seconds,
            tests_run: result
                .end
                .result
                .as_ref()
                .map(|r| r.ran.clone())
                .unwrap_or_default(),
            killer: judgement.killer,
            function_sha256: recorder.function_hash(id).unwrap_or_default(),
            detail: judgement.detail,
            killer_sha256: None,
            tests_sha256: None,
        };
        if let Some((function, _)) = id.split() {
            reuse::stamp(&mut record, coverage, &function);
        }
        recorder.record(id, record);
        if let Err(e) = recorder.flush_if_due() {
            write_error.get_or_insert(e);
        }
    })?;
    progress.finish();
    match write_error {
        Some(e) => Err(e),
        None => Ok(end),
    }
}

fn print_summary(
    recorder: &Recorder,
    chosen: &HashSet<MutantId>,
    ignored: &HashMap<MutantId, String>,
    started: Instant,
) -> Summary {
    let summary = Summary::of(
        recorder
            .mutants()
            .filter(|(_, m)| chosen.contains(&m.id))
            .map(|(f, m)| match ignored.contains_key(&m.id) {
                true => Some(Verdict::Ignored),
                false => f.valid_verdict(m).map(|r| r.verdict),
            }),
    );
    eprintln!(
        "mutrun: {} in {:.1} s",
        summary.line(),
        started.elapsed().as_secs_f64()
    );
    if summary.count(Verdict::Survived) > 0 {
        eprintln!("mutrun: `mutrun results` lists the survivors; `mutrun show ID` shows one");
    }
    summary
}
