//! The merged configuration: `[tool.mutrun]` (or mutmut's `[tool.mutmut]` / setup.cfg `[mutmut]`),
//! then CLI flags on top.
//!
//! Keys use mutmut's names, so a mutmut configuration works unchanged. Each key is declared once,
//! in `keys.rs`; `file.rs` finds the section, `value.rs` reads and checks one value (from a file or
//! a flag alike), `overrides.rs` holds the flags' values. Every error names the file, the section,
//! the key (or the flag) and what is allowed.

mod file;
mod keys;
mod overrides;
mod value;

use std::fmt;
use std::path::{Path, PathBuf};

use crate::domain::error::{Error, Result};
use crate::domain::operators::OperatorSet;

pub use overrides::CliOverrides;
pub use value::safe_relative;

pub const DEFAULT_TIMEOUT_MULTIPLIER: f64 = 3.0;
pub const DEFAULT_TIMEOUT_CONSTANT: f64 = 2.0;

/// `coverage`: what decides the tests a mutant runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CoverageLevel {
    /// The tests that execute one of the mutant's lines (the stats pass records them).
    Line,
    /// Every test that reaches the mutant's function.
    Function,
}

/// The merged configuration: file values, then CLI overrides on top.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// Files or directories to mutate, relative to the project root; `None`: auto-detect.
    pub paths_to_mutate: Option<Vec<PathBuf>>,
    /// Test files or directories handed to pytest (empty: pytest's own discovery).
    pub tests_dir: Vec<PathBuf>,
    /// Paths copied into `mutants/` even where the copy would skip them (e.g. a `build/` dir).
    pub also_copy: Vec<PathBuf>,
    /// Globs over relative source paths (`/` separators) never mutated.
    pub do_not_mutate: Vec<String>,
    /// Globs over relative source paths: when not empty, only matching files are mutated.
    pub only_mutate: Vec<String>,
    /// Regexes: a mutant whose edit touches a source line one of them matches is not generated.
    pub do_not_mutate_patterns: Vec<String>,
    /// A test covers a function only within this many frames of project code; `None`: no limit.
    pub max_stack_depth: Option<u64>,
    /// Globs (from the root) of files whose change makes every stored verdict stale.
    pub cache_invalidation_files: Vec<String>,
    /// Globs of files left out of the stats inputs hash (unless `cache_invalidation_files`).
    pub cache_invalidation_exclude: Vec<String>,
    /// Print each process started and each verdict (and log them).
    pub debug: bool,
    /// Append the debug events to `log_file_path`.
    pub log_to_file: bool,
    /// Relative to the project root.
    pub log_file_path: PathBuf,
    /// Extra arguments for every pytest process.
    pub pytest_add_cli_args: Vec<String>,
    /// mutmut's extra arguments for test selection; accepted and stored.
    pub pytest_add_cli_args_test_selection: Vec<String>,
    pub workers: Option<usize>,
    pub timeout_multiplier: f64,
    pub timeout_constant: f64,
    /// Interpreter path (a `/` in it: relative to the project root) or a name looked up on PATH.
    pub python: Option<PathBuf>,
    pub memory_limit_mb: Option<u64>,
    /// Test-command mode: the command that runs the suite when it is not pytest (`src/execute/test_command.rs`).
    pub test_command: Option<Vec<String>>,
    /// The operators mutants are generated with (`operators` minus `disable_operators`).
    pub operators: OperatorSet,
    /// Skip (verdict `skipped`) mutants on lines no test executes.
    pub mutate_only_covered_lines: bool,
    /// Which tests a mutant runs: those that execute its lines, or all that reach its function.
    pub coverage: CoverageLevel,
    /// The type checker to run once over `mutants/` (e.g. `["mypy", "pkg"]`); mutants it reports
    /// errors in are `caught by type check` and not run. Empty: none.
    pub type_check_command: Vec<String>,
    /// Where the values came from; `None` when no config file has a mutrun/mutmut section.
    pub source: Option<ConfigSource>,
    /// The keys whose value a command-line flag gave (it replaced the file's).
    pub from_flags: Vec<&'static str>,
    /// Non-fatal problems (ignored mutmut keys), one line each, for the caller to print.
    pub warnings: Vec<String>,
    /// What mutrun does instead of mutmut options it has no use for, one line each, to print.
    pub notes: Vec<String>,
}

/// mutmut's default `log_file_path`.
pub const DEFAULT_LOG_FILE: &str = "mutants/mutmut-debug.log";

impl Default for Config {
    fn default() -> Config {
        Config {
            paths_to_mutate: None,
            tests_dir: Vec::new(),
            also_copy: Vec::new(),
            do_not_mutate: Vec::new(),
            only_mutate: Vec::new(),
            do_not_mutate_patterns: Vec::new(),
            max_stack_depth: None,
            cache_invalidation_files: Vec::new(),
            cache_invalidation_exclude: Vec::new(),
            debug: false,
            log_to_file: false,
            log_file_path: PathBuf::from(DEFAULT_LOG_FILE),
            pytest_add_cli_args: Vec::new(),
            pytest_add_cli_args_test_selection: Vec::new(),
            workers: None,
            timeout_multiplier: DEFAULT_TIMEOUT_MULTIPLIER,
            timeout_constant: DEFAULT_TIMEOUT_CONSTANT,
            python: None,
            memory_limit_mb: None,
            test_command: None,
            operators: OperatorSet::default(),
            mutate_only_covered_lines: false,
            // bench/selection.py: on the bench projects line selection kills exactly the mutants
            // function-level selection kills.
            coverage: CoverageLevel::Line,
            type_check_command: Vec::new(),
            source: None,
            from_flags: Vec::new(),
            warnings: Vec::new(),
            notes: Vec::new(),
        }
    }
}

impl Config {
    /// "pyproject.toml [tool.mutrun]", or a note that no config file was found.
    pub fn describe_source(&self) -> String {
        match &self.source {
            Some(source) => source.to_string(),
            None => "no config file (pyproject.toml [tool.mutrun])".to_string(),
        }
    }
}

impl Config {
    /// Where `key`'s value came from, for an error about it: its flag (`--python`) when one gave
    /// it, else the config file and section.
    pub fn origin_of(&self, key: &str) -> String {
        match self.flag_of(key) {
            Some(flag) => flag,
            None => self.describe_source(),
        }
    }

    /// The flag that gave `key`'s value, if a flag did.
    pub fn flag_of(&self, key: &str) -> Option<String> {
        self.from_flags
            .iter()
            .find(|k| **k == key)
            .and_then(|k| keys::spec(k))
            .map(|spec| spec.flag_name())
    }
}

/// The file and section a configuration was read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigSource {
    /// Relative to the project root: `pyproject.toml` or `setup.cfg`.
    pub file: PathBuf,
    /// `[tool.mutrun]`, `[tool.mutmut]` or `[mutmut]`.
    pub section: &'static str,
}

impl fmt::Display for ConfigSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.file.display(), self.section)
    }
}

/// A configuration being read: the values so far, and `operators` / `disable_operators` as
/// written, combined into `Config::operators` once both are known.
#[derive(Default)]
struct Draft {
    config: Config,
    /// mutmut 3.8's `source_paths`: replaces `paths_to_mutate` from the same file.
    source_paths: Option<Vec<PathBuf>>,
    operators: Option<Vec<String>>,
    disable_operators: Vec<String>,
}

/// Reads the project's configuration and applies `overrides` on top.
pub fn load(project_root: &Path, overrides: &CliOverrides) -> Result<Config> {
    let mut draft = Draft::default();
    if let Some(found) = file::read_section(project_root)? {
        let origin = value::Origin::File(&found.source);
        let mut machinery = Vec::new();
        let did_you_mean = |hint: Option<&str>| {
            hint.map(|s| format!(" (did you mean `{s}`?)"))
                .unwrap_or_default()
        };
        for (key, raw) in &found.entries {
            match keys::find(key, found.section) {
                keys::Found::Key(spec) => value::apply(spec, &origin, raw, &mut draft)?,
                keys::Found::IgnoredMutmutOption => draft.config.warnings.push(format!(
                    "{} is a mutmut option mutrun does not use; ignored",
                    origin.subject(key)
                )),
                keys::Found::MutmutMachinery => machinery.push(format!("`{key}`")),
                keys::Found::UnknownInMutmutSection { hint } => {
                    draft.config.warnings.push(format!(
                        "{} is not an option mutmut 3.8 reads{}; ignored",
                        origin.subject(key),
                        did_you_mean(hint)
                    ))
                }
                keys::Found::Unknown { hint } => {
                    return Err(Error::usage(format!(
                        "{}: {} unknown key `{key}`{}; allowed: {}",
                        found.source.file.display(),
                        found.source.section,
                        did_you_mean(hint),
                        keys::allowed()
                    )));
                }
            }
        }
        if let Some(paths) = draft.source_paths.take() {
            draft.config.paths_to_mutate = Some(paths);
        }
        if !machinery.is_empty() {
            draft.config.notes.push(format!(
                "{}: {} {}",
                found.source,
                machinery.join(", "),
                keys::MACHINERY_NOTE
            ));
        }
        draft.config.source = Some(found.source);
    }
    overrides::apply(project_root, overrides, &mut draft)?;
    draft.finish()
}

impl Draft {
    /// The configuration, with `operators` minus `disable_operators` as the operator set.
    fn finish(self) -> Result<Config> {
        let mut config = self.config;
        config.operators = OperatorSet::select(self.operators.as_deref(), &self.disable_operators)
            .map_err(|e| {
                Error::usage(format!(
                    "operators (in {} or on the command line): {e}",
                    config.describe_source()
                ))
            })?;
        Ok(config)
    }
}

#[cfg(test)]
mod tests;
