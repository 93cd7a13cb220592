//! The `mutrun` binary: parses the command line and hands each subcommand to its stage.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use clap::Parser;

use mutrun::cli::{Cli, Command};
use mutrun::commands;
use mutrun::commands::run::{self, RunOptions};
use mutrun::commands::verify;
use mutrun::domain::error::Result;
use mutrun::domain::exit_code::ExitCode;
use mutrun::plan::changed_lines::ChangedLines;
use mutrun::plan::select::{Selection, Shard};
use mutrun::record::merge;
use mutrun::report::browse;
use mutrun::report::dead_code;
use mutrun::report::formats::Format;
use mutrun::workspace::confine;
use mutrun::workspace::{Workspace, MUTANTS_DIR};

fn main() {
    let cli = Cli::parse();
    let code = match dispatch(cli) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("mutrun: error: {error}");
            error.exit_code()
        }
    };
    std::process::exit(code.code());
}

fn dispatch(cli: Cli) -> Result<ExitCode> {
    // Every command reads or writes mutants/: never through a link that leads elsewhere.
    confine::check_mutants_dir(&cli.dir, &cli.dir.join(MUTANTS_DIR))?;
    match cli.command {
        Command::Run(args) => {
            let mut overrides = commands::with_operators(
                commands::overrides(&args.project, args.jobs),
                &args.operators,
            );
            overrides.test_command =
                (!args.test_command.is_empty()).then(|| args.test_command.clone());
            overrides.mutate_only_covered_lines = args.covered_lines_only.then_some(true);
            let mut ws = Workspace::open(&cli.dir, &overrides)?;
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
                print!("{}", dead_code::report_text(&found));
            }
            Ok(code)
        }
        Command::Generate(project) => {
            let ws = Workspace::open(&cli.dir, &commands::overrides(&project, None))?;
            commands::generate(&ws)
        }
        Command::List(args) => {
            let overrides =
                commands::with_operators(commands::overrides(&args.project, None), &args.operators);
            let ws = Workspace::open(&cli.dir, &overrides)?;
            if args.skipped {
                commands::list_skipped(&ws, &args.patterns, args.json)
            } else {
                commands::list(&ws, &args.patterns, args.json)
            }
        }
        Command::Show(args) => {
            let ws = Workspace::open(&cli.dir, &commands::overrides(&args.project, None))?;
            commands::show(&ws, &args.id)
        }
        Command::Apply(args) => {
            let ws = Workspace::open(&cli.dir, &commands::overrides(&args.project, None))?;
            commands::apply(&ws, &args.id)
        }
        Command::TestsFor(args) => {
            let ws = Workspace::open(&cli.dir, &commands::overrides(&args.project, None))?;
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
            browse::browse(&cli.dir, run_args)
        }
        Command::Mark(args) => {
            let ws = Workspace::open(&cli.dir, &commands::overrides(&args.project, None))?;
            commands::mark(&ws, &args.id, args.reason.as_deref())
        }
        Command::Unmark(args) => {
            let ws = Workspace::open(&cli.dir, &commands::overrides(&args.project, None))?;
            commands::unmark(&ws, &args.id)
        }
        Command::Report(args) => commands::html_report(&cli.dir.join(MUTANTS_DIR), &args.html),
        Command::Merge(args) => {
            let ws = Workspace::open(&cli.dir, &commands::overrides(&args.project, None))?;
            merge::merge(&ws, &args.dirs)
        }
        Command::Verify(args) => {
            let ws = Workspace::open(&cli.dir, &commands::overrides(&args.project, args.jobs))?;
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
            let root = cli.dir.join(MUTANTS_DIR);
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
