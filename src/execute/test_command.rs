//! Test-command mode, for suites that are not pytest (`python -m unittest`, Django's
//! `manage.py test`, nox): every mutant runs the whole command as a new process with
//! `MUTANT_UNDER_TEST` set, which the trampolines read when they are imported.
//!
//! There is no per-test selection here. The reach pass (the command run once with
//! `MUTANT_UNDER_TEST=stats`; every Python process it starts leaves the trampolines it reached in
//! `.mutrun/command-hits/` at exit) says which functions the suite reaches at all, so mutants of
//! the others are `no tests` without running. Its result is stored as a `stats.json` whose one
//! "test" is the command, so reuse of verdicts, `tests-for` and the reports work as in pytest mode.
//!
//! Exit status of a mutant's command: 0 → survived, any other code → killed, a signal →
//! crashed, over its budget → timeout (budget: the clean run's duration × multiplier + constant).

use std::collections::{BTreeSet, VecDeque};
use std::fs::File;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::coverage::{StatsFile, TestStats};
use crate::domain::error::{Error, Result};
use crate::domain::exit_code::ExitCode;
use crate::domain::hash::sha256_hex;
use crate::execute::lab::{Job, JobKind, JobResult, Overrun, RunEnd};
use crate::execute::protocol::{ChildResult, FailedTest};
use crate::execute::protocol::{
    ENV_MUTANT, ENV_SUBPROCESS_HITS, HITS_EXTENSION, MUTANT_FORCED_FAIL, MUTANT_STATS,
    OUTCOME_PASSED,
};
use crate::execute::worker::{
    child_clock, end_group_of_reaped, kill_group, own_group_dying_with_mutrun,
    same_addresses_every_run, ChildEnd,
};

/// How the project's own test command is started, in `mutants/`, seeing the mutated code.
#[derive(Debug, Clone)]
pub struct TestCommand {
    /// The command as configured, with a leading `python`/`python3` replaced by the interpreter
    /// mutrun picked (so the project's venv runs it).
    pub argv: Vec<String>,
    /// The command as the user wrote it: its "test id" in stats, verdicts and reports.
    pub name: String,
    pub cwd: PathBuf,
    pub env: Vec<(String, String)>,
    pub log_dir: PathBuf,
}

/// The name the command goes by in reports: its "test id".
pub fn display(argv: &[String]) -> String {
    argv.iter()
        .map(|a| {
            if a.is_empty() || a.contains(|c: char| c.is_whitespace() || c == '"' || c == '\'') {
                format!("{a:?}")
            } else {
                a.clone()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// What one run of the command did.
#[derive(Debug)]
pub struct CommandEnd {
    pub status: std::process::ExitStatus,
    pub seconds: f64,
    pub timed_out: bool,
    pub log: PathBuf,
}

impl CommandEnd {
    fn passed(&self) -> bool {
        !self.timed_out && self.status.success()
    }

    fn describe(&self) -> String {
        if self.timed_out {
            return format!("stopped after {:.1} s", self.seconds);
        }
        crate::execute::worker::describe_exit(self.status)
    }
}

impl TestCommand {
    /// The command, in its own process group, killed if mutrun dies, output into `log`.
    fn command(&self, mutant: Option<&str>, log: &Path) -> Result<Command> {
        let Some((program, args)) = self.argv.split_first() else {
            return Err(Error::usage(
                "test_command is empty: give the command that runs your tests, e.g. \
                 test_command = [\"python\", \"-m\", \"unittest\"]",
            ));
        };
        if let Some(dir) = log.parent() {
            std::fs::create_dir_all(dir)
                .map_err(|e| Error::other(format!("cannot create {}: {e}", dir.display())))?;
        }
        let out = File::create(log)
            .map_err(|e| Error::other(format!("cannot write {}: {e}", log.display())))?;
        let err = out
            .try_clone()
            .map_err(|e| Error::other(format!("cannot write {}: {e}", log.display())))?;
        crate::domain::debug_log::event(|| {
            format!(
                "starting the test command ({}): {} (in {}, output in {})",
                mutant.unwrap_or("no mutant"),
                display(&self.argv),
                self.cwd.display(),
                log.display()
            )
        });
        let mut cmd = Command::new(program);
        cmd.args(args)
            .current_dir(&self.cwd)
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .env_remove(ENV_MUTANT)
            .env_remove(ENV_SUBPROCESS_HITS)
            .env_remove("PYTHONDONTWRITEBYTECODE");
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        if let Some(mutant) = mutant {
            cmd.env(ENV_MUTANT, mutant);
        }
        own_group_dying_with_mutrun(&mut cmd);
        same_addresses_every_run(&mut cmd);
        Ok(cmd)
    }

    fn spawn(
        &self,
        mutant: Option<&str>,
        log: &Path,
        extra_env: &[(&str, String)],
    ) -> Result<Child> {
        let mut cmd = self.command(mutant, log)?;
        for (k, v) in extra_env {
            cmd.env(k, v);
        }
        cmd.spawn().map_err(|e| {
            Error::usage(format!(
                "cannot start the test command `{}`: {e}. Check test_command in the config (or the \
                 command after `--`; mutant ids and globs go before the `--`)",
                display(&self.argv)
            ))
        })
    }

    /// Runs the command once to its end (or its budget), e.g. for a sanity pass.
    fn run_once(
        &self,
        mutant: Option<&str>,
        log_name: &str,
        extra_env: &[(&str, String)],
        budget: Option<Duration>,
        interrupted: &AtomicBool,
    ) -> Result<Option<CommandEnd>> {
        let log = self.log_dir.join(log_name);
        let mut child = self.spawn(mutant, &log, extra_env)?;
        let started = Instant::now();
        loop {
            if interrupted.load(Ordering::SeqCst) {
                stop(&mut child);
                return Ok(None);
            }
            if let Some(status) = child.try_wait().map_err(|e| Error::other(e.to_string()))? {
                let seconds = started.elapsed().as_secs_f64();
                end_group_of_reaped(child.id() as i32);
                return Ok(Some(CommandEnd {
                    status,
                    seconds,
                    timed_out: false,
                    log,
                }));
            }
            if let Some(budget) = budget {
                let pid = child.id() as i32;
                if crate::execute::timeouts::overrun(budget, started.elapsed(), child_clock(pid)) {
                    let status = stop(&mut child);
                    let seconds = started.elapsed().as_secs_f64();
                    return Ok(Some(CommandEnd {
                        status,
                        seconds,
                        timed_out: true,
                        log,
                    }));
                }
            }
            std::thread::sleep(POLL);
        }
    }
}

const POLL: Duration = Duration::from_millis(5);

/// Kills the child's whole group and reaps it.
fn stop(child: &mut Child) -> std::process::ExitStatus {
    kill_group(child.id() as i32);
    child
        .wait()
        .unwrap_or_else(|_| std::process::ExitStatus::from_raw(9))
}

/// The reach pass: the command once with every trampoline recording; the functions reached
/// become the one "test" of a `stats.json`. The command must pass (it runs no mutant).
pub fn reach_pass(
    command: &TestCommand,
    mutants_dir: &Path,
    test_side_sha256: String,
    interrupted: &AtomicBool,
) -> Result<Option<StatsFile>> {
    let hits_dir = mutants_dir.join(".mutrun").join("command-hits");
    let _ = std::fs::remove_dir_all(&hits_dir);
    std::fs::create_dir_all(&hits_dir)
        .map_err(|e| Error::other(format!("cannot create {}: {e}", hits_dir.display())))?;
    let env = [(ENV_SUBPROCESS_HITS, hits_dir.display().to_string())];
    let Some(end) = command.run_once(Some(MUTANT_STATS), "reach.log", &env, None, interrupted)?
    else {
        return Ok(None);
    };
    if !end.passed() {
        return Err(failed_clean(
            command,
            &end,
            "the reach pass (no mutant active)",
        ));
    }
    let mut functions = BTreeSet::new();
    for entry in std::fs::read_dir(&hits_dir)
        .map_err(|e| Error::other(format!("cannot read {}: {e}", hits_dir.display())))?
        .flatten()
    {
        if entry
            .path()
            .extension()
            .is_some_and(|e| e == HITS_EXTENSION)
        {
            let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
            functions.extend(text.lines().filter(|l| !l.is_empty()).map(str::to_string));
        }
    }
    let _ = std::fs::remove_dir_all(&hits_dir);
    Ok(Some(StatsFile {
        format: 1,
        python: String::new(),
        tests: vec![TestStats {
            id: command.name.clone(),
            duration: end.seconds,
            outcome: OUTCOME_PASSED.into(),
            functions: functions.into_iter().collect(),
            sha256: test_side_sha256,
            lines: vec![],
        }],
        ..StatsFile::default()
    }))
}

/// Hash of what the command's verdicts depend on besides the mutated functions themselves: the
/// command and every file under `mutants/` that is not a mutated source (tests, data, config).
pub fn test_side_sha256(name: &str, mutants_dir: &Path, sources: &[PathBuf]) -> String {
    let sources: BTreeSet<PathBuf> = sources.iter().map(|s| mutants_dir.join(s)).collect();
    let mut files: Vec<PathBuf> = walkdir::WalkDir::new(mutants_dir)
        .into_iter()
        .filter_entry(|e| {
            let name = e.file_name().to_string_lossy();
            name != ".mutrun" && name != "__pycache__" && !name.ends_with(".meta")
        })
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_file() && !sources.contains(e.path()))
        .map(|e| e.into_path())
        .collect();
    files.sort();
    let mut text = name.to_string();
    for file in files {
        let bytes = std::fs::read(&file).unwrap_or_default();
        let rel = file.strip_prefix(mutants_dir).unwrap_or(&file);
        text.push_str(&format!("\n{} {}", rel.display(), sha256_hex(&bytes)));
    }
    sha256_hex(text.as_bytes())
}

/// The clean pass (the command passes with no mutant active; its duration sets the budgets)
/// and the forced-fail pass (with every trampoline raising, the command must fail).
pub fn sanity_passes(command: &TestCommand, interrupted: &AtomicBool) -> Result<Option<f64>> {
    let Some(clean) = command.run_once(None, "clean.log", &[], None, interrupted)? else {
        return Ok(None);
    };
    if !clean.passed() {
        return Err(failed_clean(
            command,
            &clean,
            "the clean pass (no mutant active)",
        ));
    }
    crate::info!(
        "clean pass: `{}` passes with no mutant active ({:.1} s)",
        command.name,
        clean.seconds
    );
    // Generous: the forced-fail run usually stops early, but must not be cut off as a timeout.
    let budget = Duration::from_secs_f64(clean.seconds * 10.0 + 60.0);
    let Some(forced) = command.run_once(
        Some(MUTANT_FORCED_FAIL),
        "forced-fail.log",
        &[],
        Some(budget),
        interrupted,
    )?
    else {
        return Ok(None);
    };
    if forced.passed() {
        return Err(Error::with_code(
            format!(
                "forced-fail pass: with every mutated function raising, `{}` still exits 0, so it \
                 does not run the code in mutants/. The command runs in mutants/ with PYTHONPATH \
                 set to the mutated copy: make it import the package by name (not an installed \
                 copy or an absolute path). Output: {}",
                command.name,
                forced.log.display()
            ),
            ExitCode::SanityPassFailed,
        ));
    }
    crate::info!("forced-fail pass: the command fails when the mutated code raises, as it must");
    Ok(Some(clean.seconds))
}

fn failed_clean(command: &TestCommand, end: &CommandEnd, pass: &str) -> Error {
    Error::with_code(
        format!(
            "{pass}: `{}` {} in mutants/, so no verdict could be trusted. Its last lines:\n{}\n\
             Make the command pass in the project first (it runs in mutants/, a copy of it). \
             Output: {}",
            command.name,
            end.describe(),
            indent(&crate::execute::worker::log_tail(&end.log, 15)),
            end.log.display()
        ),
        ExitCode::SanityPassFailed,
    )
}

fn indent(text: &str) -> String {
    text.lines()
        .map(|l| format!("  {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Runs each mutant job as its own command process, `width` at a time, reporting each ending to
/// `on_result` as a [`JobResult`] shaped like a pytest child's, so verdicts are judged alike.
pub fn run_jobs(
    command: &TestCommand,
    jobs: Vec<Job>,
    width: usize,
    interrupted: &AtomicBool,
    on_result: &mut dyn FnMut(JobResult),
) -> Result<RunEnd> {
    struct Running {
        job: Job,
        child: Child,
        started: Instant,
        slot: usize,
    }
    let mut queue: VecDeque<Job> = jobs.into();
    let mut running: Vec<Running> = Vec::new();
    let mut free: Vec<usize> = (0..width.max(1)).rev().collect();
    loop {
        if interrupted.load(Ordering::SeqCst) {
            for mut r in running.drain(..) {
                stop(&mut r.child);
            }
            return Ok(RunEnd::Interrupted);
        }
        while let Some(slot) = free.pop() {
            let Some(job) = queue.pop_front() else {
                free.push(slot);
                break;
            };
            let mutant = match &job.kind {
                JobKind::Mutant(id) => Some(id.to_string()),
                JobKind::Clean | JobKind::Baseline(_) => None,
                JobKind::ForcedFail => Some(MUTANT_FORCED_FAIL.to_string()),
            };
            let log = command.log_dir.join(format!("command-{slot}.log"));
            let child = command.spawn(mutant.as_deref(), &log, &[])?;
            running.push(Running {
                job,
                child,
                started: Instant::now(),
                slot,
            });
        }
        if running.is_empty() {
            return Ok(RunEnd::Completed);
        }
        let mut index = 0;
        while index < running.len() {
            let r = &mut running[index];
            let status = r
                .child
                .try_wait()
                .map_err(|e| Error::other(e.to_string()))?;
            let timed_out = status.is_none()
                && crate::execute::timeouts::overrun(
                    r.job.budget,
                    r.started.elapsed(),
                    child_clock(r.child.id() as i32),
                );
            let status = match (status, timed_out) {
                (Some(status), _) => status,
                (None, true) => stop(&mut r.child),
                (None, false) => {
                    index += 1;
                    continue;
                }
            };
            let done = running.swap_remove(index);
            // A command says nothing of its progress: its whole budget was in force.
            let overrun = timed_out.then_some(Overrun {
                budget: done.job.budget,
                at_test: None,
            });
            free.push(done.slot);
            let seconds = done.started.elapsed().as_secs_f64();
            let log = command.log_dir.join(format!("command-{}.log", done.slot));
            let end = child_end(&command.name, status, seconds, &log);
            on_result(JobResult {
                job: done.job,
                end,
                overrun,
            });
        }
        std::thread::sleep(POLL);
    }
}

/// A command's ending in the shape `outcome::judge` reads: an exit code reports (0: every test
/// passed; else the command is the failing "test"), a signal does not.
fn child_end(name: &str, status: std::process::ExitStatus, seconds: f64, log: &Path) -> ChildEnd {
    let id = name.to_string();
    let result = status.code().map(|code| ChildResult {
        ran: vec![id.clone()],
        failed: if code == 0 {
            vec![]
        } else {
            vec![FailedTest {
                test: id.clone(),
                when: "call".into(),
                message: format!(
                    "exit code {code}\n{}",
                    crate::execute::worker::log_tail(log, 12)
                ),
                out_of_memory: false,
            }]
        },
        unknown: vec![],
        forced_raises: 0,
    });
    ChildEnd {
        exit_code: status.code(),
        signal: status.signal(),
        result,
        seconds,
        cpu_seconds: None,
        stderr: None,
        phases: None,
    }
}
