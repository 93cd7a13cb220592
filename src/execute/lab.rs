//! The scheduler: keeps N workers busy with jobs, enforces each job's time budget by killing the
//! child's process group, restarts workers that die, and hands every finished job to a callback.
//!
//! Jobs for functions that ran during collection go to a *fresh* process instead of a child
//! forked after collection (see `coverage::Coverage::collection_start`): a child of a zygote (pytest
//! configured, nothing collected) when possible, else a new pytest process. A function called at
//! collection only by test files' module-level code is instead tested in a forked child that
//! collects those files again under the mutant ([`Start::Recollect`]).

use std::collections::{HashMap, HashSet, VecDeque};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError, Sender};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::domain::error::{Error, Result};
use crate::domain::mutant::MutantId;
use crate::execute::protocol::{
    ChildResult, CollectError, Mode, Request, ENV_MUTANT, ENV_RESULT, ENV_TESTS, MUTANT_FORCED_FAIL,
};
use crate::execute::timeouts;
use crate::execute::worker::{
    child_clock, end_group_of_reaped, kill_group, ChildEnd, PytestCommand, Worker, WorkerEvent,
};

/// What a job runs with.
#[derive(Debug, Clone, PartialEq)]
pub enum JobKind {
    Mutant(MutantId),
    /// No mutant active: the clean pass.
    Clean,
    /// Every trampoline raises: the forced-fail pass.
    ForcedFail,
    /// A mutant's tests with no mutant active: what they need, to confirm a quick timeout.
    Baseline(MutantId),
}

impl JobKind {
    /// The mutant's id, or which sanity pass, for messages.
    pub fn describe(&self) -> String {
        match self {
            JobKind::Mutant(id) => id.as_str().to_string(),
            JobKind::Clean => "the clean pass".to_string(),
            JobKind::ForcedFail => "the forced-fail pass".to_string(),
            JobKind::Baseline(id) => format!("the tests of {} without its mutant", id.as_str()),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Job {
    pub kind: JobKind,
    /// Node ids in the order to run them.
    pub tests: Vec<String>,
    pub budget: Duration,
    pub stop_on_failure: bool,
    pub start: Start,
}

/// Where a job's tests run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Start {
    /// In a child forked from a worker that collected the suite once.
    Forked,
    /// In a forked child that first collects these test files again under the mutant: the
    /// mutated function ran only in their module-level code at collection (a parametrize table),
    /// so only their items hold what the original computed.
    Recollect(Vec<String>),
    /// In a new pytest process, or a zygote's child, with the mutant active from start-up: the
    /// function ran at import or collection where its result may reach any test.
    Fresh,
}

#[derive(Debug)]
pub struct JobResult {
    pub job: Job,
    pub end: ChildEnd,
    /// When mutrun stopped the job because it overran its budget: the budget in force then,
    /// and the test (index in `job.tests`) it was at.
    pub overrun: Option<Overrun>,
}

impl JobResult {
    /// mutrun stopped the job because it overran its budget.
    pub fn timed_out(&self) -> bool {
        self.overrun.is_some()
    }
}

/// Where a job was when mutrun stopped it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Overrun {
    /// The budget it overran: its budget as of the test it was at ([`Lab::allowed`]).
    pub budget: Duration,
    /// The index in its tests of the test it was at; `None`: before its first test.
    pub at_test: Option<usize>,
}

/// How [`Lab::run`] ended.
#[derive(Debug, PartialEq, Eq)]
pub enum RunEnd {
    Completed,
    Interrupted,
}

/// What the workers found when they collected the suite.
#[derive(Debug, Default)]
pub struct Collected {
    pub tests: usize,
    /// The longest time a worker took from start to ready (interpreter, imports, collection):
    /// what a fresh-process job pays before its first test.
    pub startup: Duration,
}

/// Worker index used for events of fresh processes.
const FRESH: usize = usize::MAX;
/// A job whose worker dies this many times under it stops the run (the job kills its worker).
const MAX_ATTEMPTS: u32 = 3;
/// A worker slot whose worker dies this many times in a row without finishing a job stops the
/// run (something kills every worker), so a restart can never loop.
const MAX_DEATHS_IN_A_ROW: u32 = 5;

enum SlotState {
    Starting,
    Idle,
    Busy(Running),
}

struct Running {
    request: u64,
    job: Job,
    started: Instant,
    child: Option<i32>,
    /// The index in its tests of the test its child last said it starts (workers' and
    /// zygotes' children say so; fresh processes do not).
    at_test: Option<usize>,
    overrun: Option<Overrun>,
    attempts: u32,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum SlotKind {
    /// Collected the suite; serves forked children ([`Mode::Worker`]).
    Worker,
    /// Configured but collected nothing; serves fresh-process jobs ([`Mode::Zygote`]).
    Zygote,
}

impl SlotKind {
    fn mode(self) -> Mode {
        match self {
            SlotKind::Worker => Mode::Worker,
            SlotKind::Zygote => Mode::Zygote,
        }
    }
}

struct Slot {
    kind: SlotKind,
    worker: Worker,
    state: SlotState,
    /// Workers of this slot that died since it last finished a job.
    deaths: u32,
}

pub struct Lab {
    /// Workers first, then zygotes; a slot's index is its event index.
    slots: Vec<Slot>,
    /// Functions a zygote imported before forking: their fresh jobs need a real new process.
    preimported: HashSet<String>,
    fresh: HashMap<u64, Running>,
    events: Receiver<(usize, WorkerEvent)>,
    sender: Sender<(usize, WorkerEvent)>,
    pytest: PytestCommand,
    log_dir: PathBuf,
    next_request: u64,
    interrupted: Arc<AtomicBool>,
    killers: SiblingKillers,
    /// `timeout_multiplier`: what each test adds to a job's budget as it starts ([`allowed`]).
    multiplier: f64,
}

/// A forked child's budget as of the test it is at (`at_test`, an index in `job.tests`; `None`
/// before its first): its whole budget less `multiplier ×` the durations of the tests after
/// that one, which it has not started. A child stuck in its first of 300 tests (or in the import
/// before them) is stopped at about what that test needs, not what all 300 would.
pub fn allowed(
    job: &Job,
    at_test: Option<usize>,
    durations: &HashMap<String, f64>,
    multiplier: f64,
) -> Duration {
    let not_started = at_test.map_or(0, |i| i + 1);
    let later: f64 = (job.tests.iter().skip(not_started))
        .map(|t| durations.get(t).copied().unwrap_or(0.0))
        .sum();
    job.budget
        .saturating_sub(Duration::from_secs_f64((multiplier * later).max(0.0)))
}

impl Lab {
    /// Starts `count` workers (and `zygotes` zygotes, for fresh-process jobs) and waits until
    /// each is ready.
    pub fn start(
        count: usize,
        zygotes: usize,
        pytest: PytestCommand,
        log_dir: &Path,
        interrupted: Arc<AtomicBool>,
    ) -> Result<(Lab, Collected)> {
        let (sender, events) = channel();
        let mut slots = Vec::new();
        let kinds = std::iter::repeat_n(SlotKind::Worker, count.max(1))
            .chain(std::iter::repeat_n(SlotKind::Zygote, zygotes));
        for (index, kind) in kinds.enumerate() {
            let worker = Worker::spawn(index, kind.mode(), &pytest, log_dir, sender.clone())?;
            slots.push(Slot {
                kind,
                worker,
                state: SlotState::Starting,
                deaths: 0,
            });
        }
        let mut lab = Lab {
            slots,
            preimported: HashSet::new(),
            fresh: HashMap::new(),
            events,
            sender,
            pytest,
            log_dir: log_dir.to_path_buf(),
            next_request: 1,
            interrupted,
            killers: SiblingKillers::default(),
            // Until `use_test_durations`: every job has its whole budget from the start.
            multiplier: 0.0,
        };
        let mut collected = Collected::default();
        let started = Instant::now();
        while lab
            .slots
            .iter()
            .any(|s| matches!(s.state, SlotState::Starting))
        {
            if lab.interrupted.load(Ordering::SeqCst) {
                return Ok((lab, collected));
            }
            let (index, event) = match lab.events.recv_timeout(Duration::from_millis(100)) {
                Ok(message) => message,
                Err(RecvTimeoutError::Timeout) => continue,
                Err(RecvTimeoutError::Disconnected) => break,
            };
            match event {
                WorkerEvent::Ready { tests, preimported } => {
                    if lab.slots[index].kind == SlotKind::Worker {
                        collected.tests = collected.tests.max(tests);
                        collected.startup = collected.startup.max(started.elapsed());
                    }
                    lab.preimported.extend(preimported);
                    lab.slots[index].state = SlotState::Idle;
                }
                WorkerEvent::CollectError(errors) => {
                    return Err(collect_error(&errors));
                }
                WorkerEvent::Exited => {
                    let slot = &mut lab.slots[index];
                    return Err(cannot_start(slot.kind, index, &mut slot.worker));
                }
                _ => {}
            }
        }
        Ok((lab, collected))
    }

    /// The stats pass's duration of each test (by node id), which decides whether a sibling
    /// mutant's killer may run before faster tests.
    /// The stats pass's test durations (sibling killers' order, budgets as tests progress) and
    /// `timeout_multiplier`.
    pub fn use_test_durations(&mut self, durations: HashMap<String, f64>, multiplier: f64) {
        self.killers.durations = durations;
        self.multiplier = multiplier;
    }

    /// Runs `jobs`, calling `on_result` for each as it finishes, until all are done or the run is
    /// interrupted (then running children are killed and their jobs dropped).
    pub fn run(&mut self, jobs: Vec<Job>, mut on_result: impl FnMut(JobResult)) -> Result<RunEnd> {
        let mut queue: VecDeque<(Job, u32)> = jobs.into_iter().map(|j| (j, 0)).collect();
        loop {
            if self.interrupted.load(Ordering::SeqCst) {
                self.kill_running();
                return Ok(RunEnd::Interrupted);
            }
            self.dispatch(&mut queue)?;
            if queue.is_empty() && self.running() == 0 {
                return Ok(RunEnd::Completed);
            }
            match self.events.recv_timeout(Duration::from_millis(25)) {
                Ok((index, event)) => {
                    self.handle(index, event, &mut queue, &mut on_result)?;
                }
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => {
                    return Err(Error::other("all workers disconnected"));
                }
            }
            self.enforce_budgets();
        }
    }

    /// How many jobs run at once: one per worker (zygotes only stand in for fresh processes).
    pub fn width(&self) -> usize {
        self.slots
            .iter()
            .filter(|s| s.kind == SlotKind::Worker)
            .count()
    }

    fn running(&self) -> usize {
        let busy = self
            .slots
            .iter()
            .filter(|s| matches!(s.state, SlotState::Busy(_)))
            .count();
        busy + self.fresh.len()
    }

    fn dispatch(&mut self, queue: &mut VecDeque<(Job, u32)>) -> Result<()> {
        while self.running() < self.width() {
            let Some((mut job, attempts)) = queue.pop_front() else {
                return Ok(());
            };
            self.killers.put_first(&mut job);
            let request = self.next_request;
            self.next_request += 1;
            let running = Running {
                request,
                job,
                started: Instant::now(),
                child: None,
                at_test: None,
                overrun: None,
                attempts,
            };
            let wanted = if running.job.start == Start::Fresh {
                if !self.zygote_can_run(&running.job) {
                    self.start_fresh(running)?;
                    continue;
                }
                SlotKind::Zygote
            } else {
                SlotKind::Worker
            };
            let Some(slot) = self
                .slots
                .iter_mut()
                .find(|s| s.kind == wanted && matches!(s.state, SlotState::Idle))
            else {
                queue.push_front((running.job, attempts));
                return Ok(());
            };
            let mutant = match &running.job.kind {
                JobKind::Mutant(id) => Some(id.as_str().to_string()),
                JobKind::Clean | JobKind::Baseline(_) => None,
                JobKind::ForcedFail => Some(MUTANT_FORCED_FAIL.to_string()),
            };
            let sent = slot.worker.send(&Request {
                id: request,
                mutant,
                tests: running.job.tests.clone(),
                stop_on_failure: running.job.stop_on_failure,
                recollect: match &running.job.start {
                    Start::Recollect(files) => files.clone(),
                    _ => vec![],
                },
            });
            if sent.is_err() {
                // The worker is gone; its Exited event will restart it.
                queue.push_front((running.job, attempts));
                return Ok(());
            }
            slot.state = SlotState::Busy(running);
        }
        Ok(())
    }

    fn handle(
        &mut self,
        index: usize,
        event: WorkerEvent,
        queue: &mut VecDeque<(Job, u32)>,
        on_result: &mut impl FnMut(JobResult),
    ) -> Result<()> {
        if index == FRESH {
            return self.handle_fresh(event, on_result);
        }
        match event {
            WorkerEvent::Started { request, pid } => {
                if let SlotState::Busy(running) = &mut self.slots[index].state {
                    if running.request == request {
                        running.child = Some(pid);
                    }
                }
            }
            WorkerEvent::Progress {
                request,
                index: test,
            } => {
                if let SlotState::Busy(running) = &mut self.slots[index].state {
                    if running.request == request {
                        running.at_test = Some(test);
                    }
                }
            }
            WorkerEvent::Done { request, end } => {
                let state = std::mem::replace(&mut self.slots[index].state, SlotState::Idle);
                match state {
                    SlotState::Busy(running) if running.request == request => {
                        self.slots[index].deaths = 0;
                        self.killers.learn(&running.job, &end);
                        on_result(JobResult {
                            job: running.job,
                            end,
                            overrun: running.overrun,
                        });
                    }
                    other => self.slots[index].state = other,
                }
            }
            WorkerEvent::Exited => self.restart(index, queue)?,
            WorkerEvent::Ready { .. } => {
                if matches!(self.slots[index].state, SlotState::Starting) {
                    self.slots[index].state = SlotState::Idle;
                }
            }
            WorkerEvent::CollectError(errors) => return Err(collect_error(&errors)),
            WorkerEvent::Noise(_) => {}
        }
        Ok(())
    }

    /// Whether a zygote may stand in for a fresh process for `job`: there is one, and the job's
    /// function was not imported before the zygote forks.
    fn zygote_can_run(&self, job: &Job) -> bool {
        let has_zygote = self.slots.iter().any(|s| s.kind == SlotKind::Zygote);
        let preimported = match &job.kind {
            JobKind::Mutant(id) | JobKind::Baseline(id) => id
                .split()
                .is_some_and(|(function, _)| self.preimported.contains(function.as_str())),
            _ => true,
        };
        has_zygote && !preimported
    }

    /// A worker died (killed from outside, or crashed): start a new one and re-queue the job it
    /// was running, which runs again from the start (its child died with the worker, so it has
    /// no verdict). A worker that dies while collecting, a job under which workers die
    /// [`MAX_ATTEMPTS`] times, or [`MAX_DEATHS_IN_A_ROW`] deaths without a finished job end the
    /// run with an error instead.
    fn restart(&mut self, index: usize, queue: &mut VecDeque<(Job, u32)>) -> Result<()> {
        let slot = &mut self.slots[index];
        if matches!(slot.state, SlotState::Starting) {
            return Err(cannot_start(slot.kind, index, &mut slot.worker));
        }
        // "worker 0" or "zygote 2", as its log file is named.
        let name = slot.kind.mode();
        let pid = slot.worker.pid();
        let how = slot.worker.how_it_ended();
        slot.deaths += 1;
        let previous = std::mem::replace(&mut slot.state, SlotState::Starting);
        let log = slot.worker.log.display().to_string();
        if let SlotState::Busy(running) = previous {
            if let Some(child) = running.child {
                kill_group(child);
            }
            let what = running.job.kind.describe();
            if running.attempts + 1 >= MAX_ATTEMPTS {
                return Err(Error::other(format!(
                    "{name} {index} (pid {pid}) died ({how}) running {what}: {MAX_ATTEMPTS} \
                     processes in a row died under it, so mutrun stops rather than restart them \
                     for ever. \
                     Last lines of {log}:\n{}\nIf a test kills its parent process under this \
                     mutant, exclude the mutated line with `# pragma: no mutate`.",
                    slot.worker.log_tail(30)
                )));
            }
            let again = match running.job.kind {
                JobKind::Mutant(_) => "the mutant runs again",
                _ => "its tests run again",
            };
            warn(&format!(
                "{name} {index} (pid {pid}) died ({how}) while running {what}; started a new \
                 {name}; {again}"
            ));
            queue.push_front((running.job, running.attempts + 1));
        } else {
            warn(&format!(
                "{name} {index} (pid {pid}) died ({how}) between jobs; started a new {name}"
            ));
        }
        if slot.deaths >= MAX_DEATHS_IN_A_ROW {
            return Err(Error::other(format!(
                "{name} {index} died {} times in a row without finishing a job (the last one: \
                 {how}); mutrun stops rather than restart it for ever. Last lines of \
                 {log}:\n{}",
                slot.deaths,
                slot.worker.log_tail(30)
            )));
        }
        let mode = slot.kind.mode();
        let worker = Worker::spawn(
            index,
            mode,
            &self.pytest,
            &self.log_dir,
            self.sender.clone(),
        )?;
        let old = std::mem::replace(&mut self.slots[index].worker, worker);
        old.shutdown();
        Ok(())
    }

    fn enforce_budgets(&mut self) {
        let now = Instant::now();
        let multiplier = self.multiplier;
        let durations = &self.killers.durations;
        let children = self.slots.iter_mut().filter_map(|s| match &mut s.state {
            SlotState::Busy(r) => Some(r),
            _ => None,
        });
        // A fresh process says nothing of its progress: its whole budget from the start.
        let children = children.map(|r| {
            let budget = allowed(&r.job, r.at_test, durations, multiplier);
            (budget, r)
        });
        let fresh = self.fresh.values_mut().map(|r| (r.job.budget, r));
        for (budget, job) in children.chain(fresh) {
            let Some(pid) = job.child else { continue };
            if job.overrun.is_some() {
                continue;
            }
            let elapsed = now - job.started;
            if elapsed < budget {
                continue;
            }
            if timeouts::overrun(budget, elapsed, child_clock(pid)) {
                job.overrun = Some(Overrun {
                    budget,
                    at_test: job.at_test,
                });
                kill_group(pid);
            }
        }
    }

    fn kill_running(&mut self) {
        for slot in &self.slots {
            if let SlotState::Busy(Running {
                child: Some(pid), ..
            }) = slot.state
            {
                kill_group(pid);
            }
        }
        for running in self.fresh.values() {
            if let Some(pid) = running.child {
                kill_group(pid);
            }
        }
    }

    /// Stops every worker (and anything they started).
    pub fn shutdown(mut self) {
        self.kill_running();
        for slot in self.slots.drain(..) {
            slot.worker.shutdown();
        }
    }

    fn start_fresh(&mut self, running: Running) -> Result<()> {
        // A baseline runs the same tests in the same kind of process, without the mutant.
        let mutant = match &running.job.kind {
            JobKind::Mutant(id) => Some(id.as_str().to_string()),
            JobKind::Baseline(_) => None,
            _ => return Err(Error::other("only mutant jobs run in a fresh process")),
        };
        let dir = self.log_dir.join("fresh");
        std::fs::create_dir_all(&dir).map_err(|e| Error::io("create", &dir, e))?;
        let tests_file = dir.join(format!("{}.tests", running.request));
        let result_file = dir.join(format!("{}.json", running.request));
        let stderr_file = dir.join(format!("{}.stderr", running.request));
        let stderr = std::fs::File::create(&stderr_file)
            .map_err(|e| Error::io("create", &stderr_file, e))?;
        std::fs::write(&tests_file, running.job.tests.join("\n"))
            .map_err(|e| Error::io("write", &tests_file, e))?;
        let _ = std::fs::remove_file(&result_file);
        let mut files: Vec<String> = running
            .job
            .tests
            .iter()
            .map(|t| t.split("::").next().unwrap_or(t).to_string())
            .collect();
        files.sort();
        files.dedup();
        let process = format!("fresh-{}", running.request);
        let cache = self.pytest.cache_root.join(&process);
        let mut env = vec![
            (ENV_TESTS, tests_file.display().to_string()),
            (ENV_RESULT, result_file.display().to_string()),
        ];
        env.extend(mutant.map(|id| (ENV_MUTANT, id)));
        let mut cmd = self.pytest.command(Mode::Fresh, &process, &env);
        cmd.args(&files)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::from(stderr));
        let request = running.request;
        let sender = self.sender.clone();
        let mut child = cmd
            .spawn()
            .map_err(|e| Error::other(format!("cannot start a fresh pytest process: {e}")))?;
        let pid = child.id() as i32;
        let mut running = running;
        running.child = Some(pid);
        self.fresh.insert(request, running);
        std::thread::spawn(move || {
            let started = Instant::now();
            let status = child.wait();
            end_group_of_reaped(pid);
            let result: Option<ChildResult> = std::fs::read(&result_file)
                .ok()
                .and_then(|b| serde_json::from_slice(&b).ok());
            let _ = std::fs::remove_file(&result_file);
            let _ = std::fs::remove_file(&tests_file);
            let _ = std::fs::remove_dir_all(&cache);
            let stderr = result
                .is_none()
                .then(|| crate::execute::worker::log_tail(&stderr_file, 20));
            let _ = std::fs::remove_file(&stderr_file);
            let (exit_code, signal) = match status {
                Ok(status) => {
                    use std::os::unix::process::ExitStatusExt;
                    (status.code(), status.signal())
                }
                Err(_) => (None, None),
            };
            let end = ChildEnd {
                exit_code,
                signal,
                result,
                seconds: started.elapsed().as_secs_f64(),
                cpu_seconds: None,
                stderr,
                phases: None,
            };
            let _ = sender.send((FRESH, WorkerEvent::Done { request, end }));
        });
        Ok(())
    }

    fn handle_fresh(
        &mut self,
        event: WorkerEvent,
        on_result: &mut impl FnMut(JobResult),
    ) -> Result<()> {
        if let WorkerEvent::Done { request, end } = event {
            if let Some(running) = self.fresh.remove(&request) {
                self.killers.learn(&running.job, &end);
                on_result(JobResult {
                    job: running.job,
                    end,
                    overrun: running.overrun,
                });
            }
        }
        Ok(())
    }
}

/// The tests that killed mutants of each function in this run, latest first. Mutants of a function
/// run one after another, and the test that killed one usually kills the next: trying it first
/// spares the faster tests before it that would have passed. But when one of those faster tests
/// would kill it too, running the killer first is time lost: so a killer goes first only when it
/// is cheap, under [`Self::CHEAP`] and no slower than the tests it jumps (by the stats pass's
/// durations). Without that rule python-slugify's killed mutants spent 3× longer in tests: a
/// slow differential test killed one and went first for all its siblings. On isodate a killed
/// mutant ran 4.6 tests on average with fastest-first alone, and 2.5 with this.
#[derive(Debug, Default)]
struct SiblingKillers {
    by_function: HashMap<String, Vec<String>>,
    /// Each test's duration in the stats pass, in seconds.
    durations: HashMap<String, f64>,
}

impl SiblingKillers {
    /// How many distinct killers are remembered per function.
    const KEEP: usize = 4;
    /// The longest killer that may go first, in seconds: less than a forked child's own cost.
    const CHEAP: f64 = 0.01;

    /// Remembers the test that killed `job`'s mutant, if a test of the job did.
    fn learn(&mut self, job: &Job, end: &ChildEnd) {
        let JobKind::Mutant(id) = &job.kind else {
            return;
        };
        let Some(failed) = end.result.as_ref().and_then(|r| r.failed.first()) else {
            return;
        };
        if failed.out_of_memory || !job.tests.contains(&failed.test) {
            return; // crashed, or a file that failed to collect: not a test to try first
        }
        let Some((function, _)) = id.split() else {
            return;
        };
        let killers = self.by_function.entry(function.0).or_default();
        killers.retain(|t| *t != failed.test);
        killers.insert(0, failed.test.clone());
        killers.truncate(Self::KEEP);
    }

    /// Whether `killer`, one of `tests`, is cheap enough to run before the tests ahead of it:
    /// under [`Self::CHEAP`] and no slower than they are together. Called for every dispatched
    /// job, so it stops summing as soon as the answer is known.
    fn may_go_first(&self, killer: &String, tests: &[String]) -> bool {
        let seconds = |test: &String| self.durations.get(test).copied().unwrap_or(0.0);
        let needed = seconds(killer);
        if needed > Self::CHEAP {
            return false;
        }
        let mut jumped = 0.0;
        for (at, test) in tests.iter().enumerate() {
            if test == killer {
                return at > 0 && needed <= jumped;
            }
            jumped += seconds(test);
            if needed <= jumped {
                return tests[at + 1..].contains(killer);
            }
        }
        false
    }

    /// Moves the tests that killed siblings of `job`'s mutant to the front, latest killer first,
    /// each only if it is no slower than the tests before it; the other tests keep their order.
    fn put_first(&self, job: &mut Job) {
        let JobKind::Mutant(id) = &job.kind else {
            return;
        };
        let Some(killers) = id
            .split()
            .and_then(|(function, _)| self.by_function.get(&function.0))
        else {
            return;
        };
        let mut first: Vec<String> = killers
            .iter()
            .filter(|killer| self.may_go_first(killer, &job.tests))
            .cloned()
            .collect();
        if first.is_empty() {
            return;
        }
        job.tests.retain(|t| !first.contains(t));
        first.append(&mut job.tests);
        job.tests = first;
    }
}

/// Prints a warning on its own line; on a terminal, it first clears the live progress bar's line
/// (the bar draws itself again below it).
fn warn(message: &str) {
    use std::io::IsTerminal;
    let clear = if std::io::stderr().is_terminal() {
        "\r\x1b[2K"
    } else {
        ""
    };
    eprintln!("{clear}mutrun: warning: {message}");
}

/// A worker that ended before it was ready: how it ended and the end of its log. It is not
/// started again (the next one would fail the same way).
fn cannot_start(kind: SlotKind, index: usize, worker: &mut Worker) -> Error {
    let how = worker.how_it_ended();
    let tail = worker.log_tail(30);
    let tail = if tail.trim().is_empty() {
        "(empty)".to_string()
    } else {
        tail
    };
    let (name, phase) = match kind {
        SlotKind::Worker => (kind.mode().as_str(), "collecting the tests"),
        SlotKind::Zygote => (kind.mode().as_str(), "starting pytest"),
    };
    Error::other(format!(
        "{name} {index} died ({how}) while {phase}, so mutrun stops. Last lines of \
         {}:\n{tail}\nRun `python -m pytest` in mutants/ to see whether the tests start there.",
        worker.log.display()
    ))
}

fn collect_error(errors: &[CollectError]) -> Error {
    let mut message = String::from("pytest could not collect the tests in mutants/:\n");
    for error in errors.iter().take(5) {
        message.push_str(&format!("  {}: {}\n", error.location, error.message.trim()));
    }
    message
        .push_str("Run `python -m pytest --collect-only` in your project to see the full error.");
    Error::with_code(
        message,
        crate::domain::exit_code::ExitCode::SanityPassFailed,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::execute::protocol::FailedTest;

    fn job(id: &str, tests: &[&str]) -> Job {
        Job {
            kind: JobKind::Mutant(MutantId(id.to_string())),
            tests: tests.iter().map(|t| t.to_string()).collect(),
            budget: Duration::from_secs(1),
            stop_on_failure: true,
            start: Start::Forked,
        }
    }

    #[test]
    fn a_childs_budget_grows_as_it_starts_each_test() {
        // 3 × (0.1 + 0.2 + 0.3) s of tests + 0.25 s.
        let mut job = job("m.f:1", &["a", "b", "c"]);
        job.budget = Duration::from_secs_f64(2.05);
        let durations: HashMap<String, f64> = [("a", 0.1), ("b", 0.2), ("c", 0.3)]
            .map(|(t, s)| (t.to_string(), s))
            .into();
        let at = |test| allowed(&job, test, &durations, 3.0).as_secs_f64();
        assert!((at(None) - 0.25).abs() < 1e-6, "before its first test");
        assert!((at(Some(0)) - 0.55).abs() < 1e-6, "in the first");
        assert!((at(Some(2)) - 2.05).abs() < 1e-6, "in the last: all of it");
        // Before `use_test_durations` (multiplier 0), the whole budget from the start.
        assert_eq!(allowed(&job, None, &durations, 0.0), job.budget);
    }

    fn with_durations(seconds: &[(&str, f64)]) -> SiblingKillers {
        SiblingKillers {
            by_function: HashMap::new(),
            durations: seconds.iter().map(|(t, s)| (t.to_string(), *s)).collect(),
        }
    }

    fn killed_by(test: &str) -> ChildEnd {
        ChildEnd {
            exit_code: Some(0),
            signal: None,
            result: Some(ChildResult {
                ran: vec![test.to_string()],
                failed: vec![FailedTest {
                    test: test.to_string(),
                    when: "call".into(),
                    message: String::new(),
                    out_of_memory: false,
                }],
                unknown: vec![],
                forced_raises: 0,
            }),
            seconds: 0.01,
            cpu_seconds: None,
            stderr: None,
            phases: None,
        }
    }

    #[test]
    fn a_sibling_mutants_killer_runs_first_and_other_tests_keep_their_order() {
        let mut killers = with_durations(&[("a", 0.001), ("b", 0.001), ("c", 0.001), ("d", 0.001)]);
        killers.learn(&job("m.f:1", &["a", "b", "c", "d"]), &killed_by("c"));
        killers.learn(&job("m.f:2", &["a", "b", "c", "d"]), &killed_by("d"));

        let mut next = job("m.f:3", &["a", "b", "c", "d"]);
        killers.put_first(&mut next);
        assert_eq!(next.tests, ["d", "c", "a", "b"]);

        // Another function's mutants, and a killer that is not among a job's tests, change nothing.
        let mut other = job("m.g:1", &["a", "b", "c"]);
        killers.put_first(&mut other);
        assert_eq!(other.tests, ["a", "b", "c"]);
        let mut fewer = job("m.f:4", &["a", "b"]);
        killers.put_first(&mut fewer);
        assert_eq!(fewer.tests, ["a", "b"]);
    }

    #[test]
    fn a_killer_slower_than_the_tests_it_would_jump_keeps_its_place() {
        let mut killers = with_durations(&[
            ("fast", 0.001),
            ("quick", 0.002),
            ("slow", 0.004),
            ("last", 0.008),
        ]);
        let tests = ["fast", "quick", "slow", "last"];
        killers.learn(&job("m.f:1", &tests), &killed_by("slow"));
        let mut next = job("m.f:2", &tests);
        killers.put_first(&mut next);
        assert_eq!(next.tests, tests);

        // Once the tests before it take as long as it does, it goes first.
        killers.learn(&job("m.f:3", &tests), &killed_by("last"));
        let mut next = job("m.f:4", &tests);
        killers.put_first(&mut next);
        assert_eq!(next.tests, tests);
        killers.durations.insert("slow".into(), 0.005);
        let mut next = job("m.f:5", &tests);
        killers.put_first(&mut next);
        assert_eq!(next.tests, ["last", "fast", "quick", "slow"]);

        // A slow killer never goes first, however long the tests before it take.
        let slow = [
            ("fast", 0.02),
            ("quick", 0.03),
            ("slow", 0.04),
            ("last", 0.05),
        ];
        killers.durations = with_durations(&slow).durations;
        let mut next = job("m.f:6", &tests);
        killers.put_first(&mut next);
        assert_eq!(next.tests, tests);
    }

    #[test]
    fn a_file_that_failed_to_collect_is_not_remembered_as_a_killer() {
        let mut killers = SiblingKillers::default();
        killers.learn(&job("m.f:1", &["t.py::a", "t.py::b"]), &killed_by("t.py"));
        let mut next = job("m.f:2", &["t.py::a", "t.py::b"]);
        killers.put_first(&mut next);
        assert_eq!(next.tests, ["t.py::a", "t.py::b"]);
    }
}
