//! `mutrun run`, the pipeline: prepare (copy, generate) → coverage (stats pass) → plan → sanity
//! passes → execute, one job per mutant → verdicts recorded in `.meta` as they arrive → summary.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Instant;

use crate::coverage::learn::learn;
use crate::coverage::Coverage;
use crate::domain::error::{Error, Result};
use crate::domain::exit_code::ExitCode;
use crate::domain::mutant::MutantId;
use crate::domain::verdict::Verdict;
use crate::execute::executor::{self, Executor};
use crate::execute::lab::{Job, JobKind, JobResult, RunEnd};
use crate::execute::outcome::judge;
use crate::execute::phases::PhaseLog;
use crate::execute::suite::LazySuite;
use crate::execute::timeouts::TimeoutPolicy;
use crate::plan::jobs;
use crate::plan::marks::{self, Marks};
use crate::plan::prefilter;
use crate::plan::reuse;
use crate::plan::select::Selection;
use crate::record::meta::VerdictRecord;
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

pub fn run(ws: &Workspace, options: &RunOptions, interrupted: Arc<AtomicBool>) -> Result<ExitCode> {
    let started = Instant::now();
    let generated = ws.prepare()?;
    print_generate_report(&generated);
    let mut recorder = Recorder::load_project(ws);
    let scope = Scope::choose(ws, &options.selection, &recorder)?;
    if scope.chosen.is_empty() {
        if !options.selection.patterns.is_empty() {
            return Err(Error::usage(format!(
                "no mutant matches {}; `mutrun list` shows the ids",
                options.selection.patterns.join(" ")
            )));
        }
        crate::info!("no mutant is selected (diff, shard or sample); nothing to run");
        return Ok(ExitCode::Success);
    }

    // Which verdicts still hold depends on the tests as they are now.
    prefilter::prepare_stats(ws);
    let mut suite = LazySuite::new(ws);
    let Some(coverage) = learn(ws, &mut suite, &interrupted)? else {
        eprintln!("mutrun: interrupted during the reach pass; nothing to save yet");
        return Ok(ExitCode::Interrupted);
    };
    refuse_failing_tests(&coverage)?;
    let mut restored = HashSet::new();
    restore_mutated(ws, &recorder, "the stats pass", &mut restored)?;

    // Plan: what must run, and the verdicts that need no test.
    let jobs::ToRun {
        mut planned,
        reused,
    } = jobs::to_run(
        &recorder,
        &scope.chosen,
        &scope.ignored,
        &coverage,
        options.rerun,
    );
    let decided = prefilter::decide(ws, &recorder, &coverage, planned.iter().map(|p| &p.id))?;
    planned.retain(|p| !decided.contains_key(&p.id));
    let decided_count = decided.len();
    for (id, record) in decided {
        recorder.record(&id, record);
    }
    recorder.flush()?;
    scope.say_marked();
    jobs::print(&planned, reused, decided_count, options.explain);
    if planned.is_empty() {
        return finish(
            RunEnd::Completed,
            &recorder,
            &scope,
            started,
            options.fail_under,
        );
    }
    let policy = TimeoutPolicy {
        multiplier: options
            .timeout_multiplier
            .unwrap_or(ws.config.timeout_multiplier),
        constant: options
            .timeout_constant
            .unwrap_or(ws.config.timeout_constant),
    };
    let (mut jobs, unreached) = jobs::jobs(&planned, &coverage, &policy);
    for (mutant, why) in unreached {
        let mut record = VerdictRecord::new(
            Verdict::NoTests,
            recorder.function_hash(&mutant.id).unwrap_or_default(),
        )
        .with_detail(why);
        reuse::stamp(&mut record, &coverage, &mutant.span());
        recorder.record(&mutant.id, record);
    }
    recorder.flush()?;
    if jobs.is_empty() {
        return finish(
            RunEnd::Completed,
            &recorder,
            &scope,
            started,
            options.fail_under,
        );
    }

    // Sanity, then execute, recording each verdict as it arrives.
    let workers = options
        .jobs
        .or(ws.config.workers)
        .unwrap_or_else(num_cpus::get)
        .clamp(1, jobs.len());
    let mut executor = executor::start(
        ws,
        suite.into_started()?,
        &mut jobs,
        workers,
        &coverage,
        &policy,
        interrupted,
    )?;
    let end = executor
        .sanity(&mut jobs, &coverage, &policy)
        .and_then(|end| match end {
            RunEnd::Interrupted => Ok(RunEnd::Interrupted),
            RunEnd::Completed => {
                restore_mutated(ws, &recorder, "the sanity passes", &mut restored)?;
                run_mutants(
                    executor.as_mut(),
                    jobs,
                    &mut recorder,
                    &coverage,
                    options.live_progress,
                )
            }
        });
    executor.shutdown();
    recorder.flush()?;
    let end = end?;
    // Leave mutants/ as generation wrote it, whatever the mutants' tests wrote.
    restore_mutated(ws, &recorder, "the mutants' tests", &mut restored)?;
    finish(end, &recorder, &scope, started, options.fail_under)
}

/// Writes back the mutated files a test overwrote during a pass (`generate::restore`), so the
/// processes started afterwards import the mutants, and names each such file once per run.
fn restore_mutated(
    ws: &Workspace,
    recorder: &Recorder,
    during: &str,
    said: &mut HashSet<std::path::PathBuf>,
) -> Result<()> {
    let restored =
        crate::generate::restore(&ws.root, &ws.mutants_dir, recorder.files(), &ws.settings())?;
    let new: Vec<String> = restored
        .into_iter()
        .filter(|p| said.insert(p.clone()))
        .map(|p| format!("mutants/{}", p.display()))
        .collect();
    if !new.is_empty() {
        crate::warning!(
            "a test wrote over {} during {during}; mutrun wrote the mutated \
             copy back, so every test process from now on runs the mutants (tests that \
             regenerate package sources write into mutants/, not into your project)",
            new.join(", ")
        );
    }
    Ok(())
}

/// The mutants this run acts on, and those of them marked equivalent (never run: `ignored`).
struct Scope {
    chosen: HashSet<MutantId>,
    ignored: HashMap<MutantId, String>,
}

impl Scope {
    fn choose(ws: &Workspace, selection: &Selection, recorder: &Recorder) -> Result<Scope> {
        let chosen = selection.choose(recorder.mutants())?;
        let resolved = Marks::load(&ws.root)?.resolve(recorder.files());
        // A mark of an operator this run does not generate is not stale, only out of scope.
        let stale: Vec<_> = resolved
            .stale
            .iter()
            .filter(|m| ws.config.operators.contains(m.key.operator))
            .cloned()
            .collect();
        for warning in marks::stale_warnings(&stale) {
            crate::warning!("{warning}");
        }
        Ok(Scope {
            chosen,
            ignored: resolved.ignored,
        })
    }

    /// How many chosen mutants are marked equivalent.
    fn marked(&self) -> usize {
        self.chosen
            .iter()
            .filter(|id| self.ignored.contains_key(*id))
            .count()
    }

    fn say_marked(&self) {
        let marked = self.marked();
        if marked > 0 {
            crate::info!(
                "{marked} selected mutants are marked equivalent in {} (ignored)",
                marks::MARKS_FILE
            );
        }
    }
}

/// The summary, and the exit code: interrupted (with how to resume), or the score gate's.
fn finish(
    end: RunEnd,
    recorder: &Recorder,
    scope: &Scope,
    started: Instant,
    fail_under: Option<f64>,
) -> Result<ExitCode> {
    let summary = print_summary(recorder, &scope.chosen, &scope.ignored, started);
    if end == RunEnd::Interrupted {
        eprintln!("mutrun: interrupted; verdicts so far are saved in mutants/. Run `mutrun run` again to resume.");
        return Ok(ExitCode::Interrupted);
    }
    Ok(report::gate(&summary, fail_under))
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

/// Runs the mutant jobs through `executor` (the pytest lab, or test-command processes) and
/// records each verdict as it arrives.
fn run_mutants(
    executor: &mut dyn Executor,
    jobs: Vec<Job>,
    recorder: &mut Recorder,
    coverage: &Coverage,
    live: bool,
) -> Result<RunEnd> {
    let mut progress = Progress::new(jobs.len(), live);
    let mut phases = PhaseLog::default();
    let mut write_error: Option<Error> = None;
    let end = executor.run(jobs, &mut |result: JobResult| {
        let JobKind::Mutant(id) = &result.job.kind else {
            return;
        };
        let judgement = judge(&result.end, result.timed_out());
        progress.record(judgement.verdict);
        phases.add(result.end.phases.as_ref());
        let tests_run = (result.end.result.as_ref())
            .map(|r| r.ran.clone())
            .unwrap_or_default();
        let mut record = VerdictRecord::new(
            judgement.verdict,
            recorder.function_hash(id).unwrap_or_default(),
        )
        .with_run(result.end.seconds, tests_run, judgement.killer)
        .with_detail(judgement.detail);
        if let Some((file, mutant)) = recorder.get(id) {
            reuse::stamp(&mut record, coverage, &file.span(mutant));
        }
        recorder.record(id, record);
        if let Err(e) = recorder.flush_if_due() {
            write_error.get_or_insert(e);
        }
    })?;
    progress.finish();
    if let Some(summary) = phases.summary() {
        crate::detail!("{summary}");
    }
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
    crate::info!(
        "{} in {:.1} s",
        summary.line(),
        started.elapsed().as_secs_f64()
    );
    if summary.count(Verdict::Survived) > 0 {
        crate::info!("`mutrun results` lists the survivors; `mutrun show ID` shows one");
    }
    summary
}
