//! The one interface `mutrun run` runs mutants through, whatever runs the tests: the pytest lab
//! (warm workers forking a child per mutant) or the test-command runner (a new process per
//! mutant). Each checks the suite first (the sanity passes), then runs the jobs.

use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Duration;

use crate::coverage::Coverage;
use crate::domain::error::Result;
use crate::execute::lab::{Job, JobResult, Lab, RunEnd, Start};
use crate::execute::quick_timeouts;
use crate::execute::sanity;
use crate::execute::suite::Suite;
use crate::execute::test_command::{self, TestCommand};
use crate::execute::timeouts::TimeoutPolicy;
use crate::execute::worker::PytestCommand;
use crate::workspace::Workspace;

pub trait Executor {
    /// The clean pass and the forced-fail pass, which must hold before any verdict can be
    /// trusted. `Completed` when both do; an error that says what failed when not. May set the
    /// jobs' budgets from what the clean pass measured.
    fn sanity(
        &mut self,
        jobs: &mut [Job],
        coverage: &Coverage,
        policy: &TimeoutPolicy,
    ) -> Result<RunEnd>;

    /// Runs `jobs`, handing each result to `on_result` as it arrives, until all are done or the
    /// run is interrupted.
    fn run(&mut self, jobs: Vec<Job>, on_result: &mut dyn FnMut(JobResult)) -> Result<RunEnd>;

    /// Ends every process the executor started.
    fn shutdown(self: Box<Self>);
}

/// Starts what runs `jobs` for `suite`, `workers` at a time. For pytest that is the lab: its
/// workers collect the suite before this returns, and jobs that need a process of their own get
/// that start-up time added to their budgets.
pub fn start<'w>(
    ws: &'w Workspace,
    suite: Suite,
    jobs: &mut [Job],
    workers: usize,
    coverage: &Coverage,
    policy: &TimeoutPolicy,
    interrupted: Arc<AtomicBool>,
) -> Result<Box<dyn Executor + 'w>> {
    match suite {
        Suite::Command(command) => Ok(Box::new(CommandRunner {
            command,
            workers,
            interrupted,
        })),
        Suite::Pytest(pytest) => {
            PytestLab::start(ws, pytest, jobs, workers, coverage, policy, interrupted)
                .map(|lab| Box::new(lab) as Box<dyn Executor + 'w>)
        }
    }
}

/// pytest: long-lived workers that collected the suite once; a forked child per job.
struct PytestLab<'w> {
    ws: &'w Workspace,
    pytest: PytestCommand,
    lab: Lab,
    policy: TimeoutPolicy,
    /// The workers' start-up time (import + collection), part of non-forked jobs' budgets.
    startup: Duration,
}

impl<'w> PytestLab<'w> {
    fn start(
        ws: &'w Workspace,
        pytest: PytestCommand,
        jobs: &mut [Job],
        workers: usize,
        coverage: &Coverage,
        policy: &TimeoutPolicy,
        interrupted: Arc<AtomicBool>,
    ) -> Result<Self> {
        let zygotes = if jobs.iter().any(|j| j.start == Start::Fresh) {
            workers
        } else {
            0
        };
        let (mut lab, collected) =
            Lab::start(workers, zygotes, pytest.clone(), &ws.log_dir(), interrupted)?;
        lab.use_test_durations(
            coverage
                .tests
                .iter()
                .map(|t| (t.id.clone(), t.duration))
                .collect(),
            policy.multiplier,
        );
        for job in jobs.iter_mut() {
            if job.start != Start::Forked {
                // A fresh process starts pytest and collects before its first test; a
                // re-collecting child collects part of the suite.
                job.budget += collected.startup.mul_f64(policy.multiplier);
            }
        }
        Ok(PytestLab {
            ws,
            pytest,
            lab,
            policy: *policy,
            startup: collected.startup,
        })
    }
}

impl Executor for PytestLab<'_> {
    fn sanity(
        &mut self,
        jobs: &mut [Job],
        coverage: &Coverage,
        policy: &TimeoutPolicy,
    ) -> Result<RunEnd> {
        sanity::passes(self.ws, &mut self.lab, coverage, jobs, policy, &self.pytest)
    }

    fn run(&mut self, jobs: Vec<Job>, on_result: &mut dyn FnMut(JobResult)) -> Result<RunEnd> {
        let (end, quick) =
            quick_timeouts::run(&mut self.lab, &self.policy, self.startup, jobs, on_result)?;
        if let Some(summary) = quick.summary() {
            crate::detail!("{summary}");
        }
        Ok(end)
    }

    fn shutdown(self: Box<Self>) {
        self.lab.shutdown();
    }
}

/// Test-command mode: the whole command, as a new process per job.
struct CommandRunner {
    command: TestCommand,
    workers: usize,
    interrupted: Arc<AtomicBool>,
}

impl Executor for CommandRunner {
    fn sanity(
        &mut self,
        jobs: &mut [Job],
        _coverage: &Coverage,
        policy: &TimeoutPolicy,
    ) -> Result<RunEnd> {
        let Some(clean_seconds) = test_command::sanity_passes(&self.command, &self.interrupted)?
        else {
            return Ok(RunEnd::Interrupted);
        };
        // Every job runs the whole command: its budget is the clean run's.
        for job in jobs.iter_mut() {
            job.budget = policy.budget(clean_seconds);
        }
        Ok(RunEnd::Completed)
    }

    fn run(&mut self, jobs: Vec<Job>, on_result: &mut dyn FnMut(JobResult)) -> Result<RunEnd> {
        test_command::run_jobs(
            &self.command,
            jobs,
            self.workers,
            &self.interrupted,
            on_result,
        )
    }

    fn shutdown(self: Box<Self>) {}
}
