//! The one contract between the binary and the Python runtime: every environment variable, special
//! value, mode, module and file name, and every message that crosses into Python.
//!
//! The runtime reads the same names from `runtime/mutrun_protocol.py`; the test at the bottom
//! parses that file and fails when the two sides disagree (a name, a value, a message's keys).

use serde::{Deserialize, Serialize};

pub use crate::generate::trampoline::{RUNTIME_ALIAS, RUNTIME_MODULE};

/// Declares `pub const NAME: &str = value;` for each line, and (for the agreement test) the table
/// of all of them by name.
macro_rules! names {
    ($($(#[$doc:meta])* $name:ident = $value:expr;)*) => {
        $($(#[$doc])* pub const $name: &str = $value;)*
        /// Every name above, as `(constant, value)`: the runtime declares each one the same.
        #[cfg(test)]
        const NAMES: &[(&str, &str)] = &[$((stringify!($name), $name)),*];
    };
}

names! {
    // Environment variables.
    /// The mutant every trampoline serves from start-up: a mutant id, [`MUTANT_STATS`],
    /// [`MUTANT_FORCED_FAIL`], or unset.
    ENV_MUTANT = "MUTANT_UNDER_TEST";
    /// Which [`Mode`] the pytest plugin runs in.
    ENV_MODE = "MUTRUN_MODE";
    /// Fresh mode: a file of the node ids to run, one a line, in order.
    ENV_TESTS = "MUTRUN_TESTS";
    /// Fresh mode: where to write the [`ChildResult`].
    ENV_RESULT = "MUTRUN_RESULT";
    /// Stats mode: where to write `stats.json`.
    ENV_STATS_OUT = "MUTRUN_STATS_OUT";
    /// Stats mode, set to [`LINES_ON`]: also record the executed lines: per test (stats.json's
    /// `traced`, for line-level test selection) and overall (`lines.json`).
    ENV_LINES = "MUTRUN_LINES";
    /// With [`MUTANT_STATS`]: the folder where each Python process leaves the functions it
    /// reached, in `<pid>.`[`HITS_EXTENSION`], at exit.
    ENV_SUBPROCESS_HITS = "MUTRUN_SUBPROCESS_HITS";
    /// Stats mode, `max_stack_depth`: a trampoline reached through more than this many frames of
    /// project code (counted from the function itself up to the first pytest frame) records no
    /// hit. Unset: no limit.
    ENV_MAX_STACK_DEPTH = "MUTRUN_MAX_STACK_DEPTH";
    /// With [`ENV_MAX_STACK_DEPTH`]: the project code, as absolute paths under `mutants/` (the
    /// mutated files' top packages and modules, or `paths_to_mutate`), joined by `:`.
    ENV_SOURCE_ROOTS = "MUTRUN_SOURCE_ROOTS";
    /// `memory_limit_mb`: each test process caps its address space to this many MiB.
    ENV_MEMORY_LIMIT_MB = "MUTRUN_MEMORY_LIMIT_MB";
    /// Read by the runtime only, never set by mutrun: set it by hand to keep a forked child's
    /// stderr (its traceback when the plugin fails) in the worker's log.
    ENV_CHILD_STDERR = "MUTRUN_CHILD_STDERR";

    // Values.
    /// [`ENV_MUTANT`]: every trampoline records that it was reached (the stats pass).
    MUTANT_STATS = "stats";
    /// [`ENV_MUTANT`] or a request's `mutant`: every trampoline raises (the forced-fail pass).
    MUTANT_FORCED_FAIL = "fail";
    /// The value of [`ENV_LINES`] that turns line recording on.
    LINES_ON = "1";

    // Modes, the values of [`ENV_MODE`] ([`Mode`]).
    MODE_STATS = "stats";
    MODE_WORKER = "worker";
    MODE_ZYGOTE = "zygote";
    MODE_FRESH = "fresh";

    // Modules and files.
    /// The pytest plugin, loaded with `-p`.
    PLUGIN_MODULE = "mutrun_plugin";
    /// The part of the plugin `mutrun verify`'s plain pytest loads (`-p`): only the copy's
    /// conftest.py files.
    ISOLATION_PLUGIN = "mutrun_plugin.isolation";
    /// In `mutants/.mutrun/`: the stats pass's result ([`crate::coverage::StatsFile`]).
    STATS_FILE = "stats.json";
    /// In `mutants/.mutrun/`: the lines the stats pass saw run ([`crate::coverage::LineRecord`]).
    LINES_FILE = "lines.json";
    /// The extension of the files in [`ENV_SUBPROCESS_HITS`].
    HITS_EXTENSION = "hits";
    /// With [`ENV_LINES`]: the extension of the files in [`ENV_SUBPROCESS_HITS`] that hold a
    /// subprocess's lines (as [`LINES_FILE`]).
    LINES_EXTENSION = "lines";
    /// The start of the line a test process writes on its stderr when it cannot write a file of
    /// its own (`stats.json`, a result): followed by an [`OwnFileError`] as JSON.
    OWN_FILE_ERROR = "mutrun-own-file-error:";
    /// Between the runtime's own processes only: a worker's child adds this key to its result
    /// (the monotonic times it started, entered, collected and ran its tests); the worker takes
    /// it out and sends [`ChildPhases`] in `done` instead.
    CHILD_TIMES = "child_times";
    // A test's outcome in `stats.json`.
    OUTCOME_FAILED = "failed";
    OUTCOME_PASSED = "passed";
    OUTCOME_SKIPPED = "skipped";
}

/// What the pytest plugin does in a process ([`ENV_MODE`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// One plain run of the suite, every trampoline recording: writes `stats.json`.
    Stats,
    /// Collects the suite once, then forks one child per [`Request`].
    Worker,
    /// Configures pytest but collects nothing; each child collects its own tests under the mutant.
    Zygote,
    /// A plain run of [`ENV_TESTS`] with the mutant active from start-up, result to [`ENV_RESULT`].
    Fresh,
}

impl Mode {
    pub const ALL: [Mode; 4] = [Mode::Stats, Mode::Worker, Mode::Zygote, Mode::Fresh];

    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Stats => MODE_STATS,
            Mode::Worker => MODE_WORKER,
            Mode::Zygote => MODE_ZYGOTE,
            Mode::Fresh => MODE_FRESH,
        }
    }
}

impl std::fmt::Display for Mode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A request to a worker or zygote, one JSON line on its stdin: run `tests` with `mutant` active
/// (`None`: no mutant; [`MUTANT_FORCED_FAIL`]: forced fail).
#[derive(Debug, Clone, Serialize)]
pub struct Request {
    pub id: u64,
    pub mutant: Option<String>,
    pub tests: Vec<String>,
    pub stop_on_failure: bool,
    /// Test files the child collects again, with the mutant active, before running `tests`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub recollect: Vec<String>,
}

/// An event from a worker or zygote, one JSON line on its stdout.
#[derive(Debug, Deserialize, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    /// Collected (a zygote: configured); requests may come.
    Ready {
        #[serde(default)]
        tests: usize,
        /// Zygotes: functions whose module was imported before forking (by a `-p` plugin).
        #[serde(default)]
        preimported: Vec<String>,
    },
    /// The suite could not be collected; the worker exits.
    CollectError {
        #[serde(default)]
        errors: Vec<CollectError>,
    },
    /// The child for request `id` was forked.
    Started { id: u64, pid: i32 },
    /// The child for request `id` starts the test at `index` of the request's `tests` (written
    /// by the child itself on the worker's stdout): its budget grows as it goes.
    Progress { id: u64, index: usize },
    /// The child for request `id` ended.
    Done {
        id: u64,
        exit_code: Option<i32>,
        signal: Option<i32>,
        result: Option<ChildResult>,
        #[serde(default)]
        seconds: f64,
        /// The CPU seconds (user + system) the child used, from its reaping (`wait4`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        cpu_seconds: Option<f64>,
        /// The last lines the child wrote to its stderr, when it ended without a result (what a
        /// plugin said before `os._exit`: pytest-timeout's "Timeout" banner).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        stderr: Option<String>,
        /// Where a forked child's `seconds` went, when it reported a result.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        phases: Option<ChildPhases>,
    },
}

/// Where the time of one forked child went, in seconds, from the worker's fork to its reaping:
/// the parts `mutrun run -v` sums up (`execute::phases`).
#[derive(Debug, Clone, Copy, Default, Deserialize, Serialize, PartialEq)]
pub struct ChildPhases {
    /// From just before `fork()` in the worker until the child's first line ran.
    pub fork: f64,
    /// Entering the child: its process group, quiet output, the memory cap, the mutant active.
    pub enter: f64,
    /// Collecting test files again with the mutant active (zero when none are).
    pub collect: f64,
    /// Running the tests through pytest's protocol.
    pub tests: f64,
    /// Writing the result into the pipe, and the child's exit, until the worker read it all.
    pub report: f64,
    /// Ending what the child left running, and reaping it.
    pub reap: f64,
}

/// What a child reported before it exited (through a pipe, or a fresh process's [`ENV_RESULT`]).
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
pub struct ChildResult {
    #[serde(default)]
    pub ran: Vec<String>,
    #[serde(default)]
    pub failed: Vec<FailedTest>,
    #[serde(default)]
    pub unknown: Vec<String>,
    /// The forced-fail pass: how many times a trampoline raised (the tests reached the code in
    /// `mutants/`, whether or not a test failed).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub forced_raises: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct FailedTest {
    pub test: String,
    #[serde(default)]
    pub when: String,
    #[serde(default)]
    pub message: String,
    /// The failure is a MemoryError in a process under `memory_limit_mb` (verdict crashed).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub out_of_memory: bool,
}

/// A file pytest could not collect (in [`Event::CollectError`] and `stats.json`).
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct CollectError {
    #[serde(default, rename = "where")]
    pub location: String,
    #[serde(default)]
    pub message: String,
}

/// A file of its own a test process could not write (a full disk, no permission): the line
/// [`OWN_FILE_ERROR`] `{"path", "errno", "error"}` on its stderr.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct OwnFileError {
    pub path: String,
    #[serde(default)]
    pub errno: i32,
    #[serde(default)]
    pub error: String,
}

impl OwnFileError {
    /// The last such line in a process's output, if any.
    pub fn find_in(output: &str) -> Option<OwnFileError> {
        output
            .lines()
            .rev()
            .filter_map(|line| line.trim().strip_prefix(OWN_FILE_ERROR))
            .find_map(|json| serde_json::from_str(json.trim()).ok())
    }
}

#[cfg(test)]
mod tests;
