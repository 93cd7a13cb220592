//! How this project's tests are started: pytest (the default) or the configured test command,
//! with the interpreter mutrun picked, in `mutants/`, with the runtime and the mutated import
//! roots first on `PYTHONPATH`. Every test process of a run starts from the one [`Suite`] built
//! here.

use std::path::PathBuf;

use crate::config::CoverageLevel;
use crate::domain::error::Result;
use crate::execute::protocol::{
    ENV_LINES, ENV_MAX_STACK_DEPTH, ENV_MEMORY_LIMIT_MB, ENV_SOURCE_ROOTS, LINES_ON,
};
use crate::execute::test_command::{self, TestCommand};
use crate::execute::worker::{python_env, PytestCommand};
use crate::workspace::python::Interpreter;
use crate::workspace::Workspace;

/// The command every test process of the run is started from.
pub enum Suite {
    Pytest(PytestCommand),
    /// Test-command mode (`test_command` in the config): suites that are not pytest.
    Command(TestCommand),
}

impl Suite {
    /// Finds the interpreter, says which one is used, and builds the suite's command.
    pub fn start(ws: &Workspace) -> Result<Suite> {
        match &ws.config.test_command {
            Some(argv) => start_command(ws, argv).map(Suite::Command),
            None => start_pytest(ws).map(Suite::Pytest),
        }
    }
}

/// The suite, started only when first needed: a run whose verdicts all still hold starts no
/// Python at all.
pub struct LazySuite<'w> {
    ws: &'w Workspace,
    started: Option<Suite>,
}

impl<'w> LazySuite<'w> {
    pub fn new(ws: &'w Workspace) -> Self {
        LazySuite { ws, started: None }
    }

    pub fn get(&mut self) -> Result<&Suite> {
        if self.started.is_none() {
            self.started = Some(Suite::start(self.ws)?);
        }
        Ok(self.started.as_ref().expect("started just above"))
    }

    pub fn into_started(self) -> Result<Suite> {
        match self.started {
            Some(suite) => Ok(suite),
            None => Suite::start(self.ws),
        }
    }
}

/// What the stats depend on besides the files under `mutants/`: the pytest arguments and
/// `max_stack_depth`, or the test command.
pub fn stats_args(ws: &Workspace) -> Vec<String> {
    match &ws.config.test_command {
        Some(argv) => [vec!["test_command".to_string()], argv.clone()].concat(),
        None => {
            let mut args = ws.pytest_args();
            if let Some(depth) = ws.config.max_stack_depth {
                // Not a pytest argument: a value no argument list can end with.
                args.push(format!("\0max_stack_depth={depth}"));
            }
            args
        }
    }
}

/// `max_stack_depth`'s project code: `paths_to_mutate` in `mutants/`, else each mutated file's
/// top package or module there (`src/pkg`, `app.py`), so tests and tooling never count.
fn source_roots(ws: &Workspace) -> Vec<PathBuf> {
    let mut roots: Vec<PathBuf> = match &ws.config.paths_to_mutate {
        Some(paths) => paths.clone(),
        None => ws
            .project
            .sources
            .iter()
            .map(|source| {
                let (import_root, _) =
                    crate::workspace::project::import_root(&ws.root, &source.path);
                let below = source
                    .path
                    .strip_prefix(&import_root)
                    .unwrap_or(&source.path);
                match below.components().next() {
                    Some(top) => import_root.join(top),
                    None => source.path.clone(),
                }
            })
            // `./pkg` → `pkg`.
            .map(|root| {
                root.components()
                    .filter(|c| !matches!(c, std::path::Component::CurDir))
                    .collect()
            })
            .collect(),
    };
    roots.sort();
    roots.dedup();
    roots.iter().map(|r| ws.mutants_dir.join(r)).collect()
}

/// How every pytest process of this project is started.
fn pytest_command(ws: &Workspace, interpreter: &Interpreter) -> PytestCommand {
    let mut env = python_env(&ws.runtime_dir(), &mutated_import_roots(ws));
    if let Some(mb) = ws.config.memory_limit_mb {
        // Applied by each forked child (RLIMIT_AS), never by the worker that serves them.
        env.push((ENV_MEMORY_LIMIT_MB.into(), mb.to_string()));
    }
    if ws.config.mutate_only_covered_lines || ws.config.coverage == CoverageLevel::Line {
        // The stats pass records the lines each test executes (stats.json) and all executed
        // lines (`.mutrun/lines.json`).
        env.push((ENV_LINES.into(), LINES_ON.into()));
    }
    if let Some(depth) = ws.config.max_stack_depth {
        // Read by the runtime in the stats pass only (and the subprocesses its tests start).
        env.push((ENV_MAX_STACK_DEPTH.into(), depth.to_string()));
        let roots: Vec<String> = source_roots(ws)
            .iter()
            .map(|r| r.display().to_string())
            .collect();
        env.push((ENV_SOURCE_ROOTS.into(), roots.join(":")));
    }
    PytestCommand {
        python: interpreter.path.clone(),
        cwd: ws.mutants_dir.clone(),
        env,
        pytest_args: ws.pytest_args(),
        cache_root: ws.mutants_dir.join(".mutrun").join("cache"),
    }
}

/// Test-command mode: how the project's own command is started.
fn test_command(ws: &Workspace, name: String, argv: Vec<String>) -> TestCommand {
    TestCommand {
        argv,
        name,
        cwd: ws.mutants_dir.clone(),
        env: python_env(&ws.runtime_dir(), &mutated_import_roots(ws)),
        log_dir: ws.log_dir(),
    }
}

fn mutated_import_roots(ws: &Workspace) -> Vec<PathBuf> {
    ws.project
        .import_roots
        .iter()
        .map(|r| ws.mutants_dir.join(r))
        .collect()
}

/// Finds the interpreter, says which one is used, and builds the pytest command line.
fn start_pytest(ws: &Workspace) -> Result<PytestCommand> {
    let interpreter = ws.interpreter()?;
    crate::info!(
        "using {} (Python {}.{}.{}, from {})",
        interpreter.path.display(),
        interpreter.version.0,
        interpreter.version.1,
        interpreter.version.2,
        interpreter.source
    );
    let command = pytest_command(ws, &interpreter);
    crate::detail!(
        "pytest command (in {}): {} -m pytest -p mutrun_plugin -p no:cacheprovider {}; \
         environment: {}",
        command.cwd.display(),
        command.python.display(),
        command.pytest_args.join(" "),
        command
            .env
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(" ")
    );
    Ok(command)
}

/// Test-command mode: the command as it will run, with a leading `python`/`python3` replaced by
/// the interpreter mutrun picked (said once), so the project's venv runs the tests.
fn start_command(ws: &Workspace, argv: &[String]) -> Result<TestCommand> {
    let name = test_command::display(argv);
    let mut argv = argv.to_vec();
    if matches!(argv.first().map(String::as_str), Some("python" | "python3")) {
        let interpreter = ws.interpreter_without_pytest()?;
        crate::info!(
            "test command `{}`, `{}` being {} (Python {}.{}.{}, from {})",
            test_command::display(&argv),
            argv[0],
            interpreter.path.display(),
            interpreter.version.0,
            interpreter.version.1,
            interpreter.version.2,
            interpreter.source
        );
        argv[0] = interpreter.path.display().to_string();
    } else {
        crate::info!("test command `{}`", test_command::display(&argv));
    }
    Ok(test_command(ws, name, argv))
}
