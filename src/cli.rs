//! The command line: every subcommand and flag, documented as `mutrun --help` shows them.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::domain::term::{ColorChoice, Verbosity};
use crate::report::formats::Format;

#[derive(Debug, Parser)]
#[command(
    name = "mutrun",
    version,
    about = "Fast mutation testing for Python projects",
    long_about = "mutrun copies your project into mutants/, rewrites every function into a \
trampoline holding the original and its mutants, and runs the covering pytest tests of each \
mutant in a child forked from a warm, already-collected pytest session.\n\n\
Start with `mutrun run` in the project root, then `mutrun results`."
)]
pub struct Cli {
    /// The project root. Without it, the nearest folder at or above the current one with a
    /// pyproject.toml, pytest.ini, a setup.cfg with a [mutmut], [mutrun] or [tool:pytest]
    /// section, or a tox.ini with a [pytest] section (else the current folder).
    #[arg(short = 'C', long = "dir", global = true, value_name = "PATH")]
    pub dir: Option<PathBuf>,

    /// Colour: auto (on a terminal, unless NO_COLOR is set), always, never.
    #[arg(
        long,
        global = true,
        value_enum,
        default_value_t = ColorArg::Auto,
        value_name = "WHEN"
    )]
    pub color: ColorArg,

    /// Say less: no progress or step lines on stderr (errors, warnings and the output asked
    /// for stay).
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,

    /// Say more: each step's timing, the project root and config found, the pytest command.
    #[arg(short, long, global = true)]
    pub verbose: bool,

    #[command(subcommand)]
    pub command: Command,
}

impl Cli {
    pub fn verbosity(&self) -> Verbosity {
        match (self.quiet, self.verbose) {
            (true, _) => Verbosity::Quiet,
            (false, true) => Verbosity::Verbose,
            (false, false) => Verbosity::Normal,
        }
    }
}

/// `--color WHEN`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorArg {
    Auto,
    Always,
    Never,
}

impl From<ColorArg> for ColorChoice {
    fn from(arg: ColorArg) -> ColorChoice {
        match arg {
            ColorArg::Auto => ColorChoice::Auto,
            ColorArg::Always => ColorChoice::Always,
            ColorArg::Never => ColorChoice::Never,
        }
    }
}

/// `mutrun completions SHELL`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Generate mutants, run the tests against each, and record verdicts in mutants/.
    Run(RunArgs),
    /// Copy the project into mutants/ and write the trampolined files, without running tests.
    Generate(ProjectArgs),
    /// List mutants: id, file:line, operator and the change.
    List(ListArgs),
    /// Print one mutant as a unified diff of its source file, with its verdict.
    Show(ShowArgs),
    /// Print survivors (then timeouts, crashes, suspicious) and the mutation score.
    Results(ResultsArgs),
    /// Write a mutant into the original source file.
    Apply(ShowArgs),
    /// Re-check stored verdicts with plain pytest on the mutant applied as a plain patch.
    Verify(VerifyArgs),
    /// Merge the verdicts of other mutants/ folders (CI shards) into this project's.
    Merge(MergeArgs),
    /// List the tests that reach a mutant's function, fastest first (from the last stats pass).
    #[command(alias = "tests-for-mutant")]
    TestsFor(ShowArgs),
    /// Print each mutant's worst-case time: the summed durations of the tests that reach its
    /// function (from the stats pass, which runs first if there is none), fastest first.
    PrintTimeEstimates(EstimateArgs),
    /// Write the counts by verdict to mutants/mutmut-cicd-stats.json, with mutmut's fields.
    ExportCicdStats,
    /// Write a Shields endpoint badge (JSON) of the mutation score from export-cicd-stats.
    Badge(BadgeArgs),
    /// Print a shell completion script: `mutrun completions bash > ~/.local/share/bash-completion/completions/mutrun`.
    Completions(CompletionsArgs),
    /// Write a report for people: `--html DIR` writes DIR/index.html (self-contained, offline).
    Report(ReportArgs),
    /// Browse the stored verdicts in the terminal: survivors, their diffs and tests; re-run and
    /// apply mutants.
    Browse(BrowseArgs),
    /// Mark a mutant equivalent (it cannot be killed): recorded in mutrun-marks.toml, then
    /// reported as `ignored`, never run, and left out of the score.
    Mark(MarkArgs),
    /// Remove a mutant's mark from mutrun-marks.toml: it runs and counts again.
    Unmark(ShowArgs),
}

/// Options that pick what to mutate and how to run Python; they override `[tool.mutrun]`.
#[derive(Debug, Args, Clone, Default)]
pub struct ProjectArgs {
    /// Source files or directories to mutate (overrides `paths_to_mutate`).
    #[arg(long = "paths-to-mutate", value_name = "PATH", num_args = 1..)]
    pub paths_to_mutate: Vec<PathBuf>,

    /// The Python interpreter (overrides `python`; default: $VIRTUAL_ENV, .venv, the venv mutrun is
    /// installed in, python3).
    #[arg(long, value_name = "PATH")]
    pub python: Option<PathBuf>,
}

/// Which operators to generate mutants with; they override `operators` / `disable_operators`.
#[derive(Debug, Args, Clone, Default)]
pub struct OperatorArgs {
    /// Only these operators or groups, comma-separated (e.g. `comparisons,return_none`; groups:
    /// default, all, literals, arithmetic, comparisons, logic, calls, control_flow, values, and
    /// the opt-in statement: call_value, assign_drop, statement_drop).
    #[arg(long, value_name = "NAMES", value_delimiter = ',')]
    pub operators: Vec<String>,

    /// Leave out these operators or groups, comma-separated.
    #[arg(long, value_name = "NAMES", value_delimiter = ',')]
    pub disable_operators: Vec<String>,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Only these mutants: ids or globs such as 'pkg.mod.*' or 'pkg.mod.func:3'.
    #[arg(value_name = "ID-OR-GLOB")]
    pub patterns: Vec<String>,

    #[command(flatten)]
    pub project: ProjectArgs,

    #[command(flatten)]
    pub operators: OperatorArgs,

    /// Skip mutants on lines no test executes (sets `mutate_only_covered_lines`).
    #[arg(long)]
    pub covered_lines_only: bool,

    /// Number of worker processes (default: `workers` in config, else the number of cores).
    #[arg(
        short = 'j',
        long = "jobs",
        visible_alias = "max-children",
        value_name = "N"
    )]
    pub jobs: Option<usize>,

    /// Multiply the covering tests' measured duration by this for a mutant's time budget.
    #[arg(long, value_name = "X")]
    pub timeout_multiplier: Option<f64>,

    /// Seconds added to every mutant's time budget.
    #[arg(long, value_name = "SECONDS")]
    pub timeout_constant: Option<f64>,

    /// Find dead code: run only the statement removals (`statement_drop`, added to the
    /// selection, and `call_statement_removal`), then list the statements whose removal no test
    /// notices and the functions no test reaches, as file:line ranges.
    #[arg(long)]
    pub dead_code: bool,

    /// Run every selected mutant again, even those with a still-valid verdict.
    #[arg(long)]
    pub rerun: bool,

    /// List each mutant that runs and why its stored verdict could not be reused.
    #[arg(long)]
    pub explain: bool,

    /// Only mutants on lines this unified diff adds or changes (`-` reads stdin).
    #[arg(long, value_name = "FILE", conflicts_with = "since")]
    pub in_diff: Option<PathBuf>,

    /// Only mutants on lines changed since this git ref (`git diff REF`), e.g. `origin/main`.
    #[arg(long, value_name = "GIT_REF")]
    pub since: Option<String>,

    /// Only the K-th of N parts of the mutants (stable across machines), for parallel CI jobs.
    #[arg(long, value_name = "K/N")]
    pub shard: Option<String>,

    /// Only a reproducible random sample of this many mutants.
    #[arg(long, value_name = "N")]
    pub sample: Option<usize>,

    /// The seed of `--sample`.
    #[arg(long, value_name = "S", default_value_t = 0)]
    pub seed: u64,

    /// Never draw a live progress bar (a plain line every few seconds instead).
    #[arg(long)]
    pub no_progress: bool,

    /// Exit with code 3 when the mutation score (percent, 0-100) is below this.
    #[arg(long, value_name = "PERCENT", value_parser = parse_percent)]
    pub fail_under: Option<f64>,

    /// Test-command mode: run this command (not pytest) for every mutant, e.g.
    /// `mutrun run -- python -m unittest`. Replaces `test_command` in the config.
    #[arg(last = true, value_name = "CMD")]
    pub test_command: Vec<String>,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Only mutants whose id matches one of these globs.
    #[arg(value_name = "GLOB")]
    pub patterns: Vec<String>,

    #[command(flatten)]
    pub project: ProjectArgs,

    #[command(flatten)]
    pub operators: OperatorArgs,

    /// Print JSON lines instead of a table.
    #[arg(long)]
    pub json: bool,

    /// List the code left alone instead: functions and lines that `# pragma: no mutate` comments
    /// or coverage.py's exclusions keep from being mutated.
    #[arg(long)]
    pub skipped: bool,
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// A mutant id, as `mutrun list` prints it.
    #[arg(value_name = "ID")]
    pub id: String,

    #[command(flatten)]
    pub project: ProjectArgs,
}

#[derive(Debug, Args)]
pub struct MarkArgs {
    /// A mutant id, as `mutrun list` prints it.
    #[arg(value_name = "ID")]
    pub id: String,

    /// The mutant is equivalent: no test can tell it from the original (the only kind of mark).
    #[arg(long, required = true)]
    pub equivalent: bool,

    /// Why it cannot be killed, kept in the marks file (marking again replaces it).
    #[arg(long, value_name = "TEXT")]
    pub reason: Option<String>,

    /// Mark it even though tests kill it (without this, a killed or timed-out mutant is refused,
    /// or asked about on a terminal).
    #[arg(long)]
    pub force: bool,

    #[command(flatten)]
    pub project: ProjectArgs,
}

#[derive(Debug, Args)]
pub struct ResultsArgs {
    /// List every mutant, not only the ones that need attention.
    #[arg(long)]
    pub all: bool,

    /// A table per operator instead: mutants, killed, survived, timeouts, errors, no tests and
    /// the score (with --json: `{"summary", "by_operator": [...]}`).
    #[arg(long, conflicts_with = "all")]
    pub by_operator: bool,

    /// Print machine-readable JSON (the same as `--format json`).
    #[arg(long)]
    pub json: bool,

    /// Output format: text, json, junit (CI dashboards), github (annotations), stryker
    /// (mutation-testing-report-schema v2).
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,

    /// Exit with code 3 when the mutation score (percent, 0-100) is below this.
    #[arg(long, value_name = "PERCENT", value_parser = parse_percent)]
    pub fail_under: Option<f64>,
}

#[derive(Debug, Args)]
pub struct BrowseArgs {
    /// Passed on to the `mutrun run` that `r`/`R` start.
    #[command(flatten)]
    pub project: ProjectArgs,

    /// mutmut's flag to list killed mutants too: accepted; mutrun's browser always lists every
    /// verdict (`f` filters by one).
    #[arg(long)]
    pub show_killed: bool,
}

#[derive(Debug, Args)]
pub struct EstimateArgs {
    /// Only mutants whose id matches one of these ids or globs.
    #[arg(value_name = "ID-OR-GLOB")]
    pub patterns: Vec<String>,

    #[command(flatten)]
    pub project: ProjectArgs,
}

#[derive(Debug, Args)]
pub struct BadgeArgs {
    /// The stats `export-cicd-stats` wrote.
    #[arg(long, value_name = "FILE")]
    pub input: Option<PathBuf>,

    /// Where to write the badge JSON.
    #[arg(long, value_name = "FILE", required = true)]
    pub output: PathBuf,

    /// The badge's label.
    #[arg(long, value_name = "TEXT", default_value = "mutation")]
    pub label: String,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub shell: Shell,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The folder to write index.html into (created if missing).
    #[arg(long, value_name = "DIR", required = true)]
    pub html: PathBuf,
}

#[derive(Debug, Args)]
pub struct MergeArgs {
    /// mutants/ folders (or project roots holding one) from `mutrun run --shard` jobs.
    #[arg(value_name = "DIR", required = true)]
    pub dirs: Vec<PathBuf>,

    #[command(flatten)]
    pub project: ProjectArgs,
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// Only these mutants: ids or globs (default: every mutant with a stored verdict).
    #[arg(value_name = "ID-OR-GLOB")]
    pub patterns: Vec<String>,

    #[command(flatten)]
    pub project: ProjectArgs,

    /// Check a reproducible random sample of this many mutants.
    #[arg(long, value_name = "N")]
    pub sample: Option<usize>,

    /// The seed of `--sample`.
    #[arg(long, value_name = "S", default_value_t = 0)]
    pub seed: u64,

    /// Number of pytest processes at once (default: `workers` in config, else the number of cores).
    #[arg(short = 'j', long = "jobs", value_name = "N")]
    pub jobs: Option<usize>,
}

fn parse_percent(text: &str) -> Result<f64, String> {
    match text.trim_end_matches('%').parse::<f64>() {
        Ok(p) if (0.0..=100.0).contains(&p) => Ok(p),
        _ => Err(format!("`{text}` is not a percentage between 0 and 100")),
    }
}
