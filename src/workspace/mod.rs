//! The project as mutrun sees it: its root, config, sources, and the `mutants/` folder; and the
//! "prepare" step every command that needs fresh mutants runs first (copy → generate → runtime).

pub mod confine;
pub mod copy_tree;
pub mod owned;
pub mod project;
pub mod python;

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use crate::config::{self, CliOverrides, Config};
use crate::domain::error::{Error, Result};
use crate::execute::runtime;
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
        confine::check_config_paths(&root, &config, overrides)?;
        refuse_configured_mutants(&config)?;
        confine::check_mutants_dir(&root, &root.join(MUTANTS_DIR))?;
        for warning in &config.warnings {
            eprintln!("mutrun: warning: {warning}");
        }
        let project = project::discover(&root, &config)?;
        Ok(Workspace {
            mutants_dir: root.join(MUTANTS_DIR),
            root,
            config,
            project,
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
        let copy = copy_tree::mirror(
            &self.root,
            &self.mutants_dir,
            &sources,
            &self.config.also_copy,
            &owned,
        )?;
        for warning in &copy.warnings {
            eprintln!("mutrun: warning: {warning}");
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
        }
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
            eprintln!("mutrun: warning: {warning}");
        }
        Ok(interpreter)
    }

    /// Test-command mode's interpreter: found the same way, pytest not required.
    pub fn interpreter_without_pytest(&self) -> Result<Interpreter> {
        let interpreter = python::find_without_pytest(&self.root, &self.config)?;
        for warning in &interpreter.warnings {
            eprintln!("mutrun: warning: {warning}");
        }
        Ok(interpreter)
    }

    /// The pytest arguments every process gets: the configured extra args, then the tests dirs.
    pub fn pytest_args(&self) -> Vec<String> {
        let mut args = self.config.pytest_add_cli_args.clone();
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
        eprintln!("mutrun: warning: {problem}");
    }
    eprintln!(
        "mutrun: {} mutants in {} files ({} rewritten, {} unchanged){}",
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
}
