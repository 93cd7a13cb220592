//! The `mutrun` binary: parses the command line and hands each subcommand to its stage.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use clap::{CommandFactory, FromArgMatches};

use mutrun::cli::{Cli, Command};
use mutrun::commands;
use mutrun::commands::run::{self, RunOptions};
use mutrun::commands::verify;
use mutrun::domain::error::{Error, Result};
use mutrun::domain::exit_code::ExitCode;
use mutrun::domain::term;
use mutrun::plan::changed_lines::ChangedLines;
use mutrun::plan::select::{Selection, Shard};
use mutrun::record::merge;
use mutrun::report::browse;
use mutrun::report::dead_code;
use mutrun::report::formats::Format;
use mutrun::workspace::{confine, root};
use mutrun::workspace::{Workspace, MUTANTS_DIR};

fn main() {
    let cli = parse();
    term::init(cli.color.into(), cli.verbosity());
    let code = match dispatch(cli) {
        Ok(code) => code,
        Err(error) => {
            term::error(&error);
            error.exit_code()
        }
    };
    std::process::exit(code.code());
}

/// The command line, or the end of the process: help and version on stdout (exit 0), a usage
/// error as `mutrun: error: …` with clap's usage lines (exit 2).
fn parse() -> Cli {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let color = match color_flag(&args) {
        Some("always") => clap::ColorChoice::Always,
        Some("never") => clap::ColorChoice::Never,
        _ => clap::ColorChoice::Auto,
    };
    let parsed = Cli::command()
        .color(color)
        .try_get_matches_from(&args)
        .and_then(|mut matches| Cli::from_arg_matches_mut(&mut matches));
    match parsed {
        Ok(cli) => cli,
        Err(e) if !e.use_stderr() => {
            // --help, --version: what was asked for, on stdout.
            let _ = e.print();
            std::process::exit(0);
        }
        Err(e) => {
            let text = e.render().to_string();
            let text = text.strip_prefix("error: ").unwrap_or(&text);
            term::init(
                match color {
                    clap::ColorChoice::Always => term::ColorChoice::Always,
                    clap::ColorChoice::Never => term::ColorChoice::Never,
                    clap::ColorChoice::Auto => term::ColorChoice::Auto,
                },
                term::Verbosity::Normal,
            );
            term::error(text.trim_end());
            std::process::exit(ExitCode::Usage.code());
        }
    }
}

/// The value of `--color WHEN` / `--color=WHEN` before clap has parsed (so clap's own help and
/// errors follow it too).
fn color_flag(args: &[std::ffi::OsString]) -> Option<&str> {
    let mut words = args.iter().skip(1).map(|a| a.to_str().unwrap_or(""));
    let mut value = None;
    while let Some(word) = words.next() {
        match word {
            "--" => break,
            "--color" => value = words.next(),
            _ => {
                if let Some(v) = word.strip_prefix("--color=") {
                    value = Some(v);
                }
            }
        }
    }
    value
}

/// The project root: `-C DIR` as given, else the nearest folder at or above the current one
/// that configures a project (`workspace/root.rs`), said on stderr when it is not the current
/// folder, else the current folder.
fn project_dir(dir: Option<PathBuf>) -> Result<PathBuf> {
    if let Some(dir) = dir {
        return Ok(dir);
    }
    let cwd = std::env::current_dir()
        .map_err(|e| Error::other(format!("cannot read the current folder: {e}")))?;
    match root::discover(&cwd) {
        Some(found) if found.root != cwd => {
            mutrun::info!(
                "project root: {} (its {}; -C DIR picks another)",
                found.root.display(),
                found.marker
            );
            Ok(found.root)
        }
        Some(found) => {
            mutrun::detail!("project root: the current folder (its {})", found.marker);
            Ok(PathBuf::from("."))
        }
        None => {
            mutrun::detail!(
                "project root: the current folder (no pyproject.toml, pytest.ini, setup.cfg or \
                 tox.ini that configures a project here or above)"
            );
            Ok(PathBuf::from("."))
        }
    }
}

fn dispatch(cli: Cli) -> Result<ExitCode> {
    if let Command::Completions(args) = &cli.command {
        return Ok(commands::completions(args.shell));
    }
    let dir = project_dir(cli.dir)?;
    let dir: &Path = &dir;
    // Every command reads or writes mutants/: never through a link that leads elsewhere.
    confine::check_mutants_dir(dir, &dir.join(MUTANTS_DIR))?;
    match cli.command {
        Command::Run(args) => {
            let mut overrides = commands::with_operators(
                commands::overrides(&args.project, args.jobs),
                &args.operators,
            );
            overrides.test_command =
                (!args.test_command.is_empty()).then(|| args.test_command.clone());
            overrides.mutate_only_covered_lines = args.covered_lines_only.then_some(true);
            let mut ws = Workspace::open(dir, &overrides)?;
            if args.dead_code {
                ws.config.operators = ws.config.operators.with(dead_code::OPERATORS);
            }
            let interrupted = Arc::new(AtomicBool::new(false));
            let flag = interrupted.clone();
            // First Ctrl-C: stop dispatching, save, summarise. Second: leave at once.
            let _ = ctrlc::set_handler(move || {
                if flag.swap(true, Ordering::SeqCst) {
                    std::process::exit(ExitCode::Interrupted.code());
                }
            });
            let changed = match (&args.in_diff, &args.since) {
                (Some(diff), _) => Some(ChangedLines::from_file(diff)?),
                (None, Some(git_ref)) => Some(ChangedLines::since(&ws.root, git_ref)?),
                (None, None) => None,
            };
            let selection = Selection {
                patterns: args.patterns,
                changed,
                shard: args.shard.as_deref().map(Shard::parse).transpose()?,
                sample: args.sample.map(|n| (n, args.seed)),
                operators: args.dead_code.then(|| dead_code::OPERATORS.to_vec()),
            };
            let patterns = selection.patterns.clone();
            let options = RunOptions {
                selection,
                jobs: args.jobs,
                timeout_multiplier: args.timeout_multiplier,
                timeout_constant: args.timeout_constant,
                rerun: args.rerun,
                explain: args.explain,
                live_progress: !args.no_progress,
                fail_under: args.fail_under,
            };
            let code = run::run(&ws, &options, interrupted)?;
            if args.dead_code && code != ExitCode::Interrupted {
                let found = dead_code::find(&ws.root, &ws.mutants_dir, &patterns)?;
                mutrun::out!("{}", dead_code::report_text(&found));
            }
            Ok(code)
        }
        Command::Generate(project) => {
            let ws = Workspace::open(dir, &commands::overrides(&project, None))?;
            commands::generate(&ws)
        }
        Command::List(args) => {
            let overrides =
                commands::with_operators(commands::overrides(&args.project, None), &args.operators);
            let ws = Workspace::open(dir, &overrides)?;
            if args.skipped {
                commands::list_skipped(&ws, &args.patterns, args.json)
            } else {
                commands::list(&ws, &args.patterns, args.json)
            }
        }
        Command::Show(args) => {
            let ws = Workspace::open(dir, &commands::overrides(&args.project, None))?;
            commands::show(&ws, &args.id)
        }
        Command::Apply(args) => {
            let ws = Workspace::open(dir, &commands::overrides(&args.project, None))?;
            commands::apply(&ws, &args.id)
        }
        Command::TestsFor(args) => {
            let ws = Workspace::open(dir, &commands::overrides(&args.project, None))?;
            commands::tests_for(&ws, &args.id)
        }
        Command::Browse(args) => {
            let mut run_args = Vec::new();
            if let Some(python) = &args.project.python {
                run_args.push("--python".to_string());
                run_args.push(python.display().to_string());
            }
            for path in &args.project.paths_to_mutate {
                run_args.push("--paths-to-mutate".to_string());
                run_args.push(path.display().to_string());
            }
            browse::browse(dir, run_args)
        }
        Command::Mark(args) => {
            let ws = Workspace::open(dir, &commands::overrides(&args.project, None))?;
            commands::mark(&ws, &args.id, args.reason.as_deref(), args.force)
        }
        Command::Unmark(args) => {
            let ws = Workspace::open(dir, &commands::overrides(&args.project, None))?;
            commands::unmark(&ws, &args.id)
        }
        Command::PrintTimeEstimates(args) => {
            let ws = Workspace::open(dir, &commands::overrides(&args.project, None))?;
            commands::print_time_estimates(&ws, &args.patterns)
        }
        Command::ExportCicdStats => commands::export_cicd_stats(&dir.join(MUTANTS_DIR)),
        Command::Badge(args) => {
            let input = args
                .input
                .unwrap_or_else(|| dir.join(MUTANTS_DIR).join(commands::CICD_STATS_FILE));
            commands::badge(&input, &args.output, &args.label)
        }
        Command::Completions(args) => Ok(commands::completions(args.shell)),
        Command::Report(args) => commands::html_report(&dir.join(MUTANTS_DIR), &args.html),
        Command::Merge(args) => {
            let ws = Workspace::open(dir, &commands::overrides(&args.project, None))?;
            merge::merge(&ws, &args.dirs)
        }
        Command::Verify(args) => {
            let ws = Workspace::open(dir, &commands::overrides(&args.project, args.jobs))?;
            let interpreter = ws.interpreter()?;
            let options = verify::VerifyOptions {
                patterns: args.patterns,
                sample: args.sample,
                seed: args.seed,
                jobs: args.jobs,
            };
            verify::verify(&ws, &interpreter, &options)
        }
        Command::Results(args) => {
            let root = dir.join(MUTANTS_DIR);
            let format = if args.json { Format::Json } else { args.format };
            let view = if args.by_operator {
                commands::ResultsView::ByOperator
            } else {
                commands::ResultsView::Mutants { all: args.all }
            };
            commands::results(&root, view, format, args.fail_under)
        }
    }
}
