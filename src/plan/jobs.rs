//! The mutants a run must run, each with why its stored verdict cannot be reused, and the job
//! each becomes: the tests that execute its lines (or reach its function), in the order to try
//! them, under a time budget.

use std::collections::{HashMap, HashSet};

use crate::coverage::{Coverage, MutantSpan};
use crate::domain::mutant::{FunctionKey, MutantId};
use crate::domain::verdict::Verdict;
use crate::execute::lab::{Job, JobKind};
use crate::execute::timeouts::TimeoutPolicy;
use crate::plan::reuse::{self, Rerun};
use crate::record::Recorder;

/// One mutant to run, with what its job needs.
pub struct Planned {
    pub id: MutantId,
    pub function: FunctionKey,
    /// Its file (`FileMeta::source`) and the lines a test must run to see it
    /// (`MutantMeta::reach_lines`), for line-level selection.
    pub source: String,
    pub line: usize,
    pub end_line: usize,
    pub keeps_state: bool,
    pub only_in_call: bool,
    pub reason: Rerun,
    /// The test that killed it last time, if it still exists.
    pub previous_killer: Option<String>,
}

/// The mutants to run, each with why; every other selected mutant keeps its verdict.
pub struct ToRun {
    pub planned: Vec<Planned>,
    /// Selected (and not marked) mutants whose stored verdict still holds.
    pub reused: usize,
}

/// The mutants to run, each with why, and how many selected mutants keep their verdict.
pub fn to_run(
    recorder: &Recorder,
    chosen: &HashSet<MutantId>,
    ignored: &HashMap<MutantId, String>,
    coverage: &Coverage,
    rerun: bool,
) -> ToRun {
    let mut reused = 0;
    let planned = recorder
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
                let Some(reason) = reuse::why_rerun(file, mutant, coverage) else {
                    reused += 1;
                    return None;
                };
                reason
            };
            let previous_killer = mutant
                .verdict
                .as_ref()
                .filter(|r| r.verdict == Verdict::Killed)
                .and_then(|r| r.killer.clone())
                .filter(|k| coverage.test(k).is_some());
            let span = file.span(mutant);
            Some(Planned {
                id: mutant.id.clone(),
                function: mutant.function.clone(),
                source: file.source.clone(),
                line: span.line,
                end_line: span.end_line,
                keeps_state: span.keeps_state,
                only_in_call: span.only_in_call,
                reason,
                previous_killer,
            })
        })
        .collect();
    ToRun { planned, reused }
}

impl Planned {
    pub fn span(&self) -> MutantSpan<'_> {
        MutantSpan {
            function: &self.function,
            source: &self.source,
            line: self.line,
            end_line: self.end_line,
            keeps_state: self.keeps_state,
            only_in_call: self.only_in_call,
        }
    }
}

/// "N mutants to run (why), M verdicts reused", and with `--explain` one line per mutant.
/// `reused` counts the verdicts that still hold, `decided` those decided without a test run.
pub fn print(planned: &[Planned], reused: usize, decided: usize, explain: bool) {
    if planned.is_empty() {
        let selected = reused + decided;
        crate::info!("all {selected} selected verdicts are still valid; nothing to run");
        return;
    }
    let reasons: Vec<String> = Rerun::ALL
        .iter()
        .filter_map(|reason| {
            let n = planned.iter().filter(|p| p.reason == *reason).count();
            (n > 0).then(|| format!("{n} {}", reason.describe()))
        })
        .collect();
    crate::info!(
        "{} mutants to run ({}), {} verdicts reused",
        planned.len(),
        reasons.join(", "),
        reused + decided
    );
    if explain {
        for p in planned {
            eprintln!("  {}: {}", p.id, p.reason.describe());
        }
    }
}

/// The job of each planned mutant that some test executes (`Coverage::tests_for_mutant`): those
/// tests, the one that killed it last time first (it most likely kills it again), under a budget
/// from their durations. The mutants no test executes or reaches come back apart, each with why
/// when it is its lines ("line 42 is executed by no test"): they are `no tests` without running
/// anything.
pub fn jobs<'p>(
    planned: &'p [Planned],
    coverage: &Coverage,
    policy: &TimeoutPolicy,
) -> (Vec<Job>, Vec<(&'p Planned, Option<String>)>) {
    let mut jobs = Vec::new();
    let mut unreached = Vec::new();
    for mutant in planned {
        let span = mutant.span();
        let selected = coverage.tests_for_mutant(&span);
        let tests = &selected.tests;
        if tests.is_empty() {
            unreached.push((mutant, selected.no_test_executes(&span)));
            continue;
        }
        let seconds: f64 = tests.iter().map(|t| t.duration).sum();
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
            start: coverage.start_for(&span),
        });
    }
    (jobs, unreached)
}
