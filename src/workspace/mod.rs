//! The project as mutrun sees it: its root, config, sources, and the `mutants/` folder; and the
//! "prepare" step every command that needs fresh mutants runs first (copy → generate → runtime).

pub mod confine;
pub mod copy_tree;
pub mod coverage_config;
pub mod owned;
pub mod project;
pub mod python;
pub mod root;

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use crate::config::{self, CliOverrides, Config};
use crate::domain::debug_log;
use crate::domain::error::{Error, Result};
use crate::execute::runtime;
use crate::generate::line_patterns::LinePatterns;
use crate::generate::pragma::CoverageExclusions;
use crate::generate::{self, GenerateReport, GenerateSettings};
use owned::Owned;
use project::Project;
use python::Interpreter;

/// Name of the folder, beside the project's files, that holds the mutated copy.
pub const MUTANTS_DIR: &str = "mutants";

pub struct Workspace {
    pub root: PathBuf,
    pub mutants_dir: PathBuf,
    pub config: Config,
    pub project: Project,
    /// coverage.py's exclusions: lines the project excludes from coverage are not mutated.
    /// (mutmut 3.8 reads them only with `mutate_only_covered_lines`; mutrun always does, since
    /// code its authors exclude from coverage is code they do not mean to test.)
    pub coverage_exclusions: CoverageExclusions,
}

impl Workspace {
    /// Reads the config and finds the sources; writes nothing.
    pub fn open(dir: &Path, overrides: &CliOverrides) -> Result<Workspace> {
        let root = dir.canonicalize().map_err(|e| {
            Error::usage(format!(
                "cannot use {} as the project root: {e}",
                dir.display()
            ))
        })?;
        let config = config::load(&root, overrides)?;
        // Checked here, so `settings()` can compile them again without a way to fail.
        LinePatterns::new(&config.do_not_mutate_patterns).map_err(Error::usage)?;
        confine::check_config_paths(&root, &config, overrides)?;
        refuse_configured_mutants(&config)?;
        confine::check_mutants_dir(&root, &root.join(MUTANTS_DIR))?;
        for warning in &config.warnings {
            crate::warning!("{warning}");
        }
        for note in &config.notes {
            crate::info!("note: {note}");
        }
        if config.debug || config.log_to_file {
            debug_log::init(config.debug, Some(root.join(&config.log_file_path)));
        }
        let project = project::discover(&root, &config)?;
        let coverage_exclusions = coverage_config::exclusions(&root)?;
        Ok(Workspace {
            mutants_dir: root.join(MUTANTS_DIR),
            root,
            config,
            project,
            coverage_exclusions,
        })
    }

    /// Mirrors the project into `mutants/`, rewrites changed sources, writes the runtime.
    pub fn prepare(&self) -> Result<GenerateReport> {
        let sources: HashSet<PathBuf> = self
            .project
            .sources
            .iter()
            .map(|s| s.path.clone())
            .collect();
        writable_mutants_dir(&self.mutants_dir)?;
        let owned = Owned::claim(&self.root, &self.mutants_dir)?;
        let copy = copy_tree::mirror_keeping(
            &self.root,
            &self.mutants_dir,
            &sources,
            &self.config.also_copy,
            self.log_file_in_mutants().as_slice(),
            &owned,
        )?;
        for warning in &copy.warnings {
            crate::warning!("{warning}");
        }
        let files: Vec<(PathBuf, String)> = self
            .project
            .sources
            .iter()
            .map(|s| (s.path.clone(), s.module.clone()))
            .collect();
        let report = generate::generate_all(
            &self.root,
            &self.mutants_dir,
            &files,
            &self.settings(),
            &owned,
        )?;
        runtime::install(&self.runtime_dir())?;
        owned.compact()?;
        Ok(report)
    }

    /// What generation depends on from the configuration.
    pub fn settings(&self) -> GenerateSettings {
        GenerateSettings {
            operators: self.config.operators.clone(),
            annotate_variants: !self.config.type_check_command.is_empty(),
            coverage_exclusions: Some(self.coverage_exclusions.clone()),
            // Compiled in `open` already: an error is impossible here.
            line_patterns: LinePatterns::new(&self.config.do_not_mutate_patterns)
                .unwrap_or_default(),
        }
    }

    /// The `debug` / `log_to_file` log file, relative to `mutants/`, when it is in there: the copy
    /// keeps it and the stats inputs hash leaves it out.
    pub fn log_file_in_mutants(&self) -> Option<PathBuf> {
        if !(self.config.debug || self.config.log_to_file) {
            return None;
        }
        self.config
            .log_file_path
            .strip_prefix(MUTANTS_DIR)
            .ok()
            .filter(|rel| !rel.as_os_str().is_empty())
            .map(Path::to_path_buf)
    }

    pub fn runtime_dir(&self) -> PathBuf {
        self.mutants_dir.join(".mutrun").join("runtime")
    }

    pub fn log_dir(&self) -> PathBuf {
        self.mutants_dir.join(".mutrun").join("logs")
    }

    pub fn interpreter(&self) -> Result<Interpreter> {
        let interpreter = python::find(&self.root, &self.config)?;
        for warning in &interpreter.warnings {
            crate::warning!("{warning}");
        }
        Ok(interpreter)
    }

    /// Test-command mode's interpreter: found the same way, pytest not required.
    pub fn interpreter_without_pytest(&self) -> Result<Interpreter> {
        let interpreter = python::find_without_pytest(&self.root, &self.config)?;
        for warning in &interpreter.warnings {
            crate::warning!("{warning}");
        }
        Ok(interpreter)
    }

    /// The pytest arguments every process gets: the configured extra args, the arguments that
    /// choose the suite (`pytest_add_cli_args_test_selection`: every process mutrun starts
    /// collects the suite, then runs the tests it picks by node id), then the tests dirs.
    pub fn pytest_args(&self) -> Vec<String> {
        let mut args = self.config.pytest_add_cli_args.clone();
        args.extend(
            self.config
                .pytest_add_cli_args_test_selection
                .iter()
                .cloned(),
        );
        args.extend(
            self.config
                .tests_dir
                .iter()
                .map(|p| p.display().to_string()),
        );
        args
    }
}

/// `paths_to_mutate`, `tests_dir` or `also_copy` naming the project's own `mutants` folder.
fn refuse_configured_mutants(config: &Config) -> Result<()> {
    let origin = match &config.source {
        Some(source) => format!("{}: {} key ", source.file.display(), source.section),
        None => String::new(),
    };
    owned::refuse_configured_mutants(
        &[
            (
                "paths_to_mutate",
                config.paths_to_mutate.as_deref().unwrap_or(&[]),
            ),
            ("tests_dir", &config.tests_dir),
            ("also_copy", &config.also_copy),
        ],
        &origin,
    )
}

/// Creates `mutants/` if needed and checks that it can be written: the one place mutrun writes,
/// so a read-only project fails here with what to do, not halfway through the copy.
fn writable_mutants_dir(dir: &Path) -> Result<()> {
    use nix::unistd::{access, AccessFlags};
    let refused = |why: String| {
        Error::other(format!(
            "{why}. mutrun writes only into mutants/ inside the project: make the project \
             directory writable, or create a mutants/ folder in it that you can write to"
        ))
    };
    if let Err(e) = std::fs::create_dir_all(dir) {
        return Err(refused(format!("cannot create {}: {e}", dir.display())));
    }
    if let Err(e) = access(dir, AccessFlags::W_OK | AccessFlags::X_OK) {
        return Err(refused(format!("cannot write to {}: {e}", dir.display())));
    }
    Ok(())
}

/// Prints the generation summary and each file that was copied unmutated.
pub fn print_generate_report(report: &GenerateReport) {
    for problem in report.problems.iter().chain(&report.warnings) {
        crate::warning!("{problem}");
    }
    crate::info!(
        "{} mutants in {} files ({} rewritten, {} unchanged){}",
        report.mutants,
        report.files_rewritten + report.files_unchanged,
        report.files_rewritten,
        report.files_unchanged,
        if report.problems.is_empty() {
            String::new()
        } else {
            format!(
                "; {} files copied unmutated (see warnings)",
                report.problems.len()
            )
        }
    );
    if let Some(line) = skipped_line(&report.skipped) {
        crate::info!("{line} (`mutrun list --skipped` lists them)");
    }
}

/// `left alone: 2 functions and 5 lines by pragmas, 1 function by coverage exclusions`, or
/// `None` when nothing was.
pub fn skipped_line(counts: &generate::SkipCounts) -> Option<String> {
    if counts.is_empty() {
        return None;
    }
    let part = |functions: usize, lines: usize, by: &str| {
        let mut what = Vec::new();
        if functions > 0 {
            what.push(plural(functions, "function"));
        }
        if lines > 0 {
            what.push(plural(lines, "line"));
        }
        (!what.is_empty()).then(|| format!("{} by {by}", what.join(" and ")))
    };
    let parts: Vec<String> = [
        part(counts.pragma_functions, counts.pragma_lines, "pragmas"),
        part(
            counts.coverage_functions,
            counts.coverage_lines,
            "coverage exclusions",
        ),
    ]
    .into_iter()
    .flatten()
    .collect();
    Some(format!("left alone: {}", parts.join(", ")))
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}
