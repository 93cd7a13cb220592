//! Runs mutant jobs with quick first budgets, and confirms each quick timeout against its tests'
//! baseline before it becomes a verdict (the rule is in [`crate::execute::timeouts`]).
//!
//! 1. Every mutant job runs with its quick budget; results pass straight on, except quick
//!    timeouts, which are held back as suspects.
//! 2. Each suspect's tests run once without the mutant, in the same kind of process (forked,
//!    re-collecting or fresh), under its full budget: the baseline.
//! 3. A suspect whose mutant used more than `CONFIRM_FACTOR` (10) × its baseline is passed on as
//!    the timeout it is; the others run again with their full budgets, and that verdict stands.
//!
//! Suspects are not recorded until confirmed: a run interrupted between the stages runs them
//! again next time.

use std::collections::HashMap;
use std::time::Duration;

use crate::domain::error::Result;
use crate::domain::mutant::MutantId;
use crate::execute::lab::{Job, JobKind, JobResult, Lab, RunEnd, Start};
use crate::execute::timeouts::{confirmed, TimeoutPolicy, Usage};
use crate::execute::worker::ChildEnd;

/// What happened to the quick timeouts of one run, for `mutrun run -v`.
#[derive(Debug, Default)]
pub struct QuickTimeoutCount {
    /// Timeouts that stood against their baseline.
    pub confirmed: usize,
    /// Suspects run again with their full budget.
    pub rerun: usize,
    /// Seconds of children spent on suspects and their baselines (not on the runs again).
    pub seconds: f64,
}

impl QuickTimeoutCount {
    /// The line `mutrun run -v` prints, when there were quick timeouts.
    pub fn summary(&self) -> Option<String> {
        (self.confirmed + self.rerun > 0).then(|| {
            format!(
                "quick timeouts: {} confirmed against their tests' time without the mutant, {} \
                 ran again with the full budget; {:.1} s in children",
                self.confirmed, self.rerun, self.seconds
            )
        })
    }
}

/// Runs `jobs` in `lab` as the module says, handing every verdict-bearing result to `on_result`.
/// `startup` is the workers' start-up time, which non-forked jobs' budgets hold
/// `timeout_multiplier` times.
pub fn run(
    lab: &mut Lab,
    policy: &TimeoutPolicy,
    startup: Duration,
    mut jobs: Vec<Job>,
    on_result: &mut dyn FnMut(JobResult),
) -> Result<(RunEnd, QuickTimeoutCount)> {
    let mut count = QuickTimeoutCount::default();
    let full = set_quick_budgets(policy, startup, &mut jobs);
    let mut suspects = Vec::new();
    let end = lab.run(jobs, |result| match quick_timeout(&result, &full) {
        true => suspects.push(result),
        false => on_result(result),
    })?;
    if end == RunEnd::Interrupted || suspects.is_empty() {
        return Ok((end, count));
    }

    let baselines = suspects
        .iter()
        .filter_map(|suspect| baseline_job(suspect, &full))
        .collect();
    let mut baselines_used: HashMap<MutantId, Usage> = HashMap::new();
    count.seconds = suspects.iter().map(|s| s.end.seconds).sum();
    let end = lab.run(baselines, |result| {
        count.seconds += result.end.seconds;
        if let JobKind::Baseline(id) = &result.job.kind {
            if passed(&result) {
                baselines_used.insert(id.clone(), usage(&result.end));
            }
        }
    })?;
    if end == RunEnd::Interrupted {
        return Ok((end, count));
    }

    let mut again = Vec::new();
    for suspect in suspects {
        let JobKind::Mutant(id) = suspect.job.kind.clone() else {
            continue;
        };
        // What it overran: its budget as of the test it was stopped in.
        let overran = suspect.overrun.map_or(suspect.job.budget, |o| o.budget);
        let stands = baselines_used.get(&id).is_some_and(|&baseline| {
            confirmed(overran, usage(&suspect.end), baseline, policy.multiplier)
        });
        if stands {
            count.confirmed += 1;
            on_result(suspect);
        } else {
            count.rerun += 1;
            let mut job = suspect.job;
            job.budget = full[&id];
            again.push(job);
        }
    }
    let end = lab.run(again, on_result)?;
    Ok((end, count))
}

/// Cuts the budget of every mutant job to its quick budget: their full budgets. A fresh or
/// re-collecting job's full budget allows `timeout_multiplier` × the workers' `startup`; its
/// quick one allows the start-up once (a zygote's child starts faster than a worker: the
/// baseline tells when it did not).
fn set_quick_budgets(
    policy: &TimeoutPolicy,
    startup: Duration,
    jobs: &mut [Job],
) -> HashMap<MutantId, Duration> {
    let extra_startup = startup.mul_f64((policy.multiplier - 1.0).max(0.0));
    let mut full = HashMap::new();
    for job in jobs.iter_mut() {
        let JobKind::Mutant(id) = &job.kind else {
            continue;
        };
        if let Some(mut quick) = policy.quick(job.budget) {
            if job.start != Start::Forked {
                quick = quick.saturating_sub(extra_startup);
            }
            full.insert(id.clone(), job.budget);
            job.budget = quick;
        }
    }
    full
}

/// Whether `result` is a timeout under a quick budget (a job that has a full one).
fn quick_timeout(result: &JobResult, full: &HashMap<MutantId, Duration>) -> bool {
    match &result.job.kind {
        JobKind::Mutant(id) => result.timed_out() && full.contains_key(id),
        _ => false,
    }
}

/// The suspect's tests, in the order it ran them, up to the one it was stopped in (the first
/// when it was stopped before any), without its mutant, under its full budget.
fn baseline_job(suspect: &JobResult, full: &HashMap<MutantId, Duration>) -> Option<Job> {
    let JobKind::Mutant(id) = &suspect.job.kind else {
        return None;
    };
    let reached = suspect.overrun.and_then(|o| o.at_test).unwrap_or(0);
    let tests = suspect
        .job
        .tests
        .iter()
        .take(reached + 1)
        .cloned()
        .collect();
    Some(Job {
        kind: JobKind::Baseline(id.clone()),
        tests,
        budget: *full.get(id)?,
        stop_on_failure: true,
        start: suspect.job.start.clone(),
    })
}

/// Whether a baseline's tests all passed within their budget (one that failed or overran says
/// nothing about what the tests need).
fn passed(result: &JobResult) -> bool {
    let reported = result.end.result.as_ref();
    !result.timed_out() && reported.is_some_and(|r| r.failed.is_empty())
}

fn usage(end: &ChildEnd) -> Usage {
    Usage {
        seconds: end.seconds,
        cpu: end.cpu_seconds,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(id: &str, start: Start) -> Job {
        Job {
            kind: JobKind::Mutant(MutantId(id.to_string())),
            tests: vec!["tests/test_a.py::test_a".to_string()],
            budget: Duration::from_secs_f64(2.3),
            stop_on_failure: true,
            start,
        }
    }

    #[test]
    fn mutant_jobs_get_a_quick_budget_and_sanity_jobs_do_not() {
        let policy = TimeoutPolicy {
            multiplier: 3.0,
            constant: 2.0,
        };
        let mut clean = job("m.f:1", Start::Forked);
        clean.kind = JobKind::Clean;
        let mut fresh = job("m.g:1", Start::Fresh);
        fresh.budget += Duration::from_secs(3); // 3 × a start-up of 1 s
        let mut jobs = vec![job("m.f:1", Start::Forked), fresh, clean];
        let full = set_quick_budgets(&policy, Duration::from_secs(1), &mut jobs);
        assert_eq!(full.len(), 2);
        // 3 × 0.1 s of tests + 0.25 s; the fresh job its 1 s start-up once on top.
        let quick = |job: &Job| job.budget.as_secs_f64();
        assert!(
            (quick(&jobs[0]) - 0.55).abs() < 1e-6,
            "{:?}",
            jobs[0].budget
        );
        assert!(
            (quick(&jobs[1]) - 1.55).abs() < 1e-6,
            "{:?}",
            jobs[1].budget
        );
        assert_eq!(jobs[2].budget, Duration::from_secs_f64(2.3));
    }
}
