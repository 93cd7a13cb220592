//! The Rust end of a worker: a long-lived `python -m pytest` process that collects the suite once
//! and then forks one child per request (the messages are in `protocol.rs`).
//!
//! Each worker has a reader thread that turns its stdout lines into [`WorkerEvent`]s on one
//! channel shared by all workers, so the scheduler waits on a single receiver.

use std::io::{BufRead, BufReader, Write};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::Sender;

use crate::domain::error::{Error, Result};
use crate::execute::protocol::{
    ChildResult, CollectError, Event, Mode, Request, ENV_MODE, ENV_MUTANT, PLUGIN_MODULE,
};

/// How to start a pytest process inside `mutants/`: interpreter, working directory, environment
/// and the pytest arguments the user configured.
#[derive(Debug, Clone)]
pub struct PytestCommand {
    pub python: PathBuf,
    pub cwd: PathBuf,
    pub env: Vec<(String, String)>,
    pub pytest_args: Vec<String>,
    /// Where each process keeps its own pytest cache (`cache_dir`), one folder per process.
    pub cache_root: PathBuf,
}

impl PytestCommand {
    /// `python -m pytest -p mutrun_plugin <args> --rootdir <mutants/> -o cache_dir=<its own>`
    /// with our environment, in its own process group, killed if mutrun dies (so `kill -9` of
    /// mutrun leaves no orphans). `process` names the process's cache folder (`worker-0`).
    ///
    /// The rootdir is `mutants/` whatever the configuration says (a config file in a parent
    /// folder, in a monorepo, would make it that folder): node ids are then paths relative to the
    /// working directory in every process, which fresh processes and `verify` pass as arguments.
    /// pytest's cache plugin stays loaded, so `--ff`, `--sw` and the like in `addopts` are
    /// accepted, but each process has a folder of its own (processes sharing one would race),
    /// and the plugin turns off every option that would reorder or deselect the tests mutrun
    /// asks for (`mutrun_plugin.setup`).
    pub fn command(&self, mode: Mode, process: &str, extra_env: &[(&str, String)]) -> Command {
        let mut cmd = self.python_command();
        cmd.args(["-m", "pytest", "-p", PLUGIN_MODULE])
            .args(&self.pytest_args)
            .arg("--rootdir")
            .arg(&self.cwd)
            .arg("-o")
            .arg(format!(
                "cache_dir={}",
                self.cache_root.join(process).display()
            ));
        cmd.env(ENV_MODE, mode.as_str());
        for (k, v) in extra_env {
            cmd.env(k, v);
        }
        same_addresses_every_run(&mut cmd);
        crate::domain::debug_log::event(|| {
            let extra: Vec<String> = extra_env.iter().map(|(k, v)| format!("{k}={v}")).collect();
            format!(
                "starting a pytest process ({} mode{}{}): {} -m pytest -p {PLUGIN_MODULE} -p no:cacheprovider {} (in {})",
                mode.as_str(),
                if extra.is_empty() { "" } else { ", " },
                extra.join(" "),
                self.python.display(),
                self.pytest_args.join(" "),
                self.cwd.display()
            )
        });
        cmd
    }

    /// `python` in the folder and environment every process of ours gets, in its own process
    /// group, killed if mutrun dies.
    fn python_command(&self) -> Command {
        let mut cmd = Command::new(&self.python);
        cmd.current_dir(&self.cwd)
            // A MUTANT_UNDER_TEST left in the user's shell must not leak into our processes.
            .env_remove(ENV_MUTANT)
            // Bytecode caching on: every fresh process re-imports the trampolined modules, and
            // compiling them is most of its cost. (A cache prefix under mutants/ was tried: it made
            // every new mutants/ folder recompile the stdlib and site-packages, seconds per run.)
            .env_remove("PYTHONDONTWRITEBYTECODE");
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        own_group_dying_with_mutrun(&mut cmd);
        cmd
    }

    /// `python -m compileall` of `files`: writes their bytecode cache as an import would
    /// (timestamp-checked `.pyc` files under `__pycache__`, each written atomically), silently.
    pub fn compile_files(&self, files: &[PathBuf]) -> Command {
        let mut cmd = self.python_command();
        cmd.args(["-m", "compileall", "-q", "--invalidation-mode", "timestamp"])
            .args(files)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        cmd
    }
}

/// Starts `cmd` in its own process group (so a timeout can kill all of it) and has the kernel
/// kill it if mutrun dies (so `kill -9` of mutrun leaves no orphans).
pub fn own_group_dying_with_mutrun(cmd: &mut Command) {
    cmd.process_group(0);
    // SAFETY: prctl is async-signal-safe and touches no memory of the parent.
    unsafe {
        cmd.pre_exec(|| {
            nix::sys::prctl::set_pdeathsig(nix::sys::signal::Signal::SIGKILL)
                .map_err(std::io::Error::from)
        });
    }
}

/// Turns off address-space randomisation for `cmd` (Linux `personality(ADDR_NO_RANDOMIZE)`).
///
/// Every process mutrun starts must collect the same test ids, but before Python 3.12
/// `hash(None)` is the address of `None`, so a `parametrize` over a set of tuples holding `None`
/// (isodate's test_date.py) orders, and numbers, its cases differently in every process. With the
/// same addresses in every process the order is the same. Where the kernel refuses, nothing changes.
pub fn same_addresses_every_run(cmd: &mut Command) {
    use nix::sys::personality::{self, Persona};
    // SAFETY: personality(2) is a plain syscall, async-signal-safe, touching no parent memory.
    unsafe {
        cmd.pre_exec(|| {
            if let Ok(current) = personality::get() {
                let _ = personality::set(current | Persona::ADDR_NO_RANDOMIZE);
            }
            Ok(())
        });
    }
}

/// How one child (or fresh process) ended.
#[derive(Debug, Clone, Default)]
pub struct ChildEnd {
    pub exit_code: Option<i32>,
    pub signal: Option<i32>,
    pub result: Option<ChildResult>,
    pub seconds: f64,
    /// The CPU seconds it used (forked children; not known for fresh processes).
    pub cpu_seconds: Option<f64>,
    /// The last lines of its stderr, when it ended without a result.
    pub stderr: Option<String>,
    /// Where a forked child's time went (workers and zygotes; not fresh processes).
    pub phases: Option<crate::execute::protocol::ChildPhases>,
}

/// An event from worker number `.0`.
#[derive(Debug)]
pub enum WorkerEvent {
    Ready {
        tests: usize,
        /// Zygotes: functions whose module was imported before forking (by a conftest).
        preimported: Vec<String>,
    },
    CollectError(Vec<CollectError>),
    Started {
        request: u64,
        pid: i32,
    },
    /// The child of `request` starts the test at `index` of its tests.
    Progress {
        request: u64,
        index: usize,
    },
    Done {
        request: u64,
        end: ChildEnd,
    },
    /// The worker's stdout closed: it exited or was killed.
    Exited,
    /// A line that is not protocol (kept for the error message if the worker then dies).
    Noise(String),
}

/// A running worker process.
pub struct Worker {
    pub index: usize,
    child: Child,
    stdin: Option<ChildStdin>,
    pub log: PathBuf,
}

impl Worker {
    /// Starts process `index` in `mode` ([`Mode::Worker`], or [`Mode::Zygote`]: configured, nothing collected,
    /// each child a cheap fresh process); its events arrive on `events` tagged with `index`.
    pub fn spawn(
        index: usize,
        mode: Mode,
        pytest: &PytestCommand,
        log_dir: &Path,
        events: Sender<(usize, WorkerEvent)>,
    ) -> Result<Worker> {
        std::fs::create_dir_all(log_dir).map_err(|e| Error::io("create", log_dir, e))?;
        let log = log_dir.join(format!("{mode}-{index}.log"));
        let log_file = std::fs::File::create(&log).map_err(|e| Error::io("create", &log, e))?;
        let mut cmd = pytest.command(mode, &format!("{mode}-{index}"), &[]);
        cmd.stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(log_file));
        let mut child = cmd.spawn().map_err(|e| {
            Error::other(format!(
                "cannot start worker `{} -m pytest`: {e}",
                pytest.python.display()
            ))
        })?;
        let stdout = child
            .stdout
            .take()
            .ok_or_else(|| Error::other("worker has no stdout pipe"))?;
        let stdin = child.stdin.take();
        std::thread::spawn(move || read_events(index, stdout, events));
        Ok(Worker {
            index,
            child,
            stdin,
            log,
        })
    }

    pub fn send(&mut self, request: &Request) -> Result<()> {
        let stdin = self
            .stdin
            .as_mut()
            .ok_or_else(|| Error::other("worker stdin is closed"))?;
        let mut line = serde_json::to_string(request)
            .map_err(|e| Error::other(format!("cannot encode request: {e}")))?;
        line.push('\n');
        stdin
            .write_all(line.as_bytes())
            .and_then(|()| stdin.flush())
            .map_err(|e| Error::other(format!("worker {} stopped accepting work: {e}", self.index)))
    }

    pub fn pid(&self) -> i32 {
        self.child.id() as i32
    }

    /// Closes stdin (the worker exits at EOF), waits briefly, then kills its process group.
    pub fn shutdown(mut self) {
        drop(self.stdin.take());
        let deadline = std::time::Instant::now() + std::time::Duration::from_millis(500);
        while std::time::Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        kill_group(self.pid());
        let _ = self.child.wait();
    }

    /// The last lines of the worker's log, for error messages.
    pub fn log_tail(&self, lines: usize) -> String {
        log_tail(&self.log, lines)
    }

    /// How the worker ended, once its stdout has closed: "killed by SIGKILL", "exit code 3".
    /// Waits up to a second for the process to finish dying (and reaps it).
    pub fn how_it_ended(&mut self) -> String {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(1);
        loop {
            match self.child.try_wait() {
                Ok(Some(status)) => return describe_exit(status),
                Ok(None) if std::time::Instant::now() < deadline => {
                    std::thread::sleep(std::time::Duration::from_millis(5));
                }
                Ok(None) => return "closed its output but is still running".to_string(),
                Err(e) => return format!("its status is unknown: {e}"),
            }
        }
    }
}

/// "killed by SIGKILL", "exit code 3".
pub fn describe_exit(status: std::process::ExitStatus) -> String {
    use std::os::unix::process::ExitStatusExt;
    match (status.code(), status.signal()) {
        (Some(code), _) => format!("exit code {code}"),
        (None, Some(signal)) => match nix::sys::signal::Signal::try_from(signal) {
            Ok(name) => format!("killed by {}", name.as_str()),
            Err(_) => format!("killed by signal {signal}"),
        },
        (None, None) => "ended".to_string(),
    }
}

pub fn log_tail(path: &Path, lines: usize) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

/// SIGKILL to a whole process group (a worker and anything it started, or one child), and to
/// every descendant of its leader that left the group (`start_new_session=True` in a test): the
/// test processes mutrun starts are subreapers, so what their tests started and left running is
/// still among their descendants.
pub fn kill_group(pgid: i32) {
    if pgid > 0 {
        let pid = nix::unistd::Pid::from_raw(pgid);
        let descendants = descendants(pgid);
        for stray in &descendants {
            let _ = nix::sys::signal::kill(
                nix::unistd::Pid::from_raw(*stray),
                nix::sys::signal::Signal::SIGKILL,
            );
        }
        let group = nix::sys::signal::killpg(pid, nix::sys::signal::Signal::SIGKILL);
        if group.is_err() {
            // A child killed before it made its own group (right after the fork) is still in
            // its worker's group: kill the process itself.
            let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGKILL);
        }
    }
}

/// After a process that led its own group ended and was reaped: SIGKILL to what is left of its
/// group (what its tests started and left running). Its descendants are no longer its, so only
/// the group.
pub fn end_group_of_reaped(pgid: i32) {
    if pgid > 0 {
        let _ = nix::sys::signal::killpg(
            nix::unistd::Pid::from_raw(pgid),
            nix::sys::signal::Signal::SIGKILL,
        );
    }
}

/// The pids of every living descendant of `pid`, from `/proc` (none where there is no `/proc`).
pub fn descendants(pid: i32) -> Vec<i32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    let mut children: std::collections::HashMap<i32, Vec<i32>> = std::collections::HashMap::new();
    for entry in entries.filter_map(|e| e.ok()) {
        let Some(child) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<i32>().ok())
        else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        // The parent's pid is the second field after the parenthesised command name.
        let parent = stat
            .rfind(')')
            .and_then(|end| stat[end + 1..].split_whitespace().nth(1))
            .and_then(|p| p.parse::<i32>().ok());
        if let Some(parent) = parent {
            children.entry(parent).or_default().push(child);
        }
    }
    let mut found = Vec::new();
    let mut pending = vec![pid];
    while let Some(next) = pending.pop() {
        for child in children.get(&next).into_iter().flatten() {
            if !found.contains(child) && *child != pid {
                found.push(*child);
                pending.push(*child);
            }
        }
    }
    found
}

fn read_events(
    index: usize,
    stdout: std::process::ChildStdout,
    events: Sender<(usize, WorkerEvent)>,
) {
    for line in BufReader::new(stdout).lines() {
        let Ok(line) = line else { break };
        let event = match serde_json::from_str::<Event>(&line) {
            Ok(Event::Ready { tests, preimported }) => WorkerEvent::Ready { tests, preimported },
            Ok(Event::CollectError { errors }) => WorkerEvent::CollectError(errors),
            Ok(Event::Started { id, pid }) => WorkerEvent::Started { request: id, pid },
            Ok(Event::Progress { id, index }) => WorkerEvent::Progress { request: id, index },
            Ok(Event::Done {
                id,
                exit_code,
                signal,
                result,
                seconds,
                cpu_seconds,
                stderr,
                phases,
            }) => WorkerEvent::Done {
                request: id,
                end: ChildEnd {
                    exit_code,
                    signal,
                    result,
                    seconds,
                    cpu_seconds,
                    stderr,
                    phases,
                },
            },
            Err(_) => WorkerEvent::Noise(line),
        };
        if events.send((index, event)).is_err() {
            return;
        }
    }
    let _ = events.send((index, WorkerEvent::Exited));
}

/// CPU seconds (user + system) a process has used so far, from `/proc/PID/stat`.
pub fn cpu_seconds(pid: i32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name, which is in parentheses and may hold spaces.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) / clock_ticks())
}

/// Seconds process `pid` was ready to run but waited for a CPU (`/proc/PID/schedstat`'s second
/// field, in nanoseconds).
pub fn cpu_wait_seconds(pid: i32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/schedstat")).ok()?;
    let waiting: f64 = stat.split_whitespace().nth(1)?.parse().ok()?;
    Some(waiting / 1e9)
}

/// What the system says of running child `pid`, for [`crate::execute::timeouts::overrun`].
pub fn child_clock(pid: i32) -> crate::execute::timeouts::ChildClock {
    crate::execute::timeouts::ChildClock {
        cpu: cpu_seconds(pid),
        waiting: cpu_wait_seconds(pid).unwrap_or(0.0),
    }
}

fn clock_ticks() -> f64 {
    nix::unistd::sysconf(nix::unistd::SysconfVar::CLK_TCK)
        .ok()
        .flatten()
        .map_or(100.0, |t| t as f64)
}

/// Environment for every pytest process mutrun starts: the runtime and the project's import
/// roots first on `PYTHONPATH`, and a fixed hash seed so every process collects the same ids.
pub fn python_env(runtime_dir: &Path, import_roots: &[PathBuf]) -> Vec<(String, String)> {
    let mut paths: Vec<String> = vec![runtime_dir.display().to_string()];
    paths.extend(import_roots.iter().map(|p| p.display().to_string()));
    if let Ok(existing) = std::env::var("PYTHONPATH") {
        if !existing.is_empty() {
            paths.push(existing);
        }
    }
    let mut env = vec![("PYTHONPATH".to_string(), paths.join(":"))];
    if std::env::var_os("PYTHONHASHSEED").is_none() {
        env.push(("PYTHONHASHSEED".into(), "0".into()));
    }
    env
}
