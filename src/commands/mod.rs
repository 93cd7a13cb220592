//! The subcommands other than `run`: `generate`, `list`, `show`, `results`, `apply`, `mark`;
//! mutmut's own commands are in `compat.rs`.

pub mod compat;
pub mod run;
pub mod verify;

pub use compat::{badge, completions, export_cicd_stats, print_time_estimates, CICD_STATS_FILE};

use std::path::Path;

use serde::Serialize;

use crate::config::CliOverrides;
use crate::coverage::{self, Chosen, Coverage};
use crate::domain::error::{Error, Result};
use crate::domain::exit_code::ExitCode;
use crate::domain::hash::sha256_hex;
use crate::domain::mutant::MutantId;
use crate::domain::verdict::Verdict;
use crate::generate::{analyze, FileMutants};
use crate::plan::marks::{self, Marks};
use crate::plan::select::Selector;
use crate::record::meta::{self, FileMeta, MutantMeta, VerdictRecord};
use crate::report::formats::{self, Format};
use crate::report::html;
use crate::report::{self, before_after, unified_diff};
use crate::workspace::project::SourceFile;
use crate::workspace::{print_generate_report, Workspace};

pub fn generate(ws: &Workspace) -> Result<ExitCode> {
    let started = std::time::Instant::now();
    let report = ws.prepare()?;
    print_generate_report(&report);
    crate::info!("generated in {:.2} s", started.elapsed().as_secs_f64());
    Ok(ExitCode::Success)
}

/// The mutants of one source file, derived from its current text.
fn file_mutants(ws: &Workspace, source: &SourceFile) -> Result<Option<(String, FileMutants)>> {
    let path = ws.root.join(&source.path);
    let bytes = std::fs::read(&path).map_err(|e| Error::io("read", &path, e))?;
    match analyze(&bytes, &source.path, &source.module, false, &ws.settings()) {
        Ok(file) => Ok(Some((String::from_utf8_lossy(&bytes).into_owned(), file))),
        Err(crate::generate::SourceProblem::Pragma(error)) => {
            Err(Error::usage(error.describe(&source.path)))
        }
        Err(problem) => {
            crate::warning!("{}", problem.describe(&source.path));
            Ok(None)
        }
    }
}

#[derive(Serialize)]
struct ListRow<'a> {
    id: &'a str,
    file: &'a str,
    line: usize,
    column: usize,
    operator: &'static str,
    before: String,
    after: String,
}

pub fn list(ws: &Workspace, patterns: &[String], json: bool) -> Result<ExitCode> {
    let selector = Selector::new(patterns)?;
    let mut count = 0;
    let mut out = String::new();
    for source in &ws.project.sources {
        let Some((text, file)) = file_mutants(ws, source)? else {
            continue;
        };
        for mutant in file.meta.mutants.iter().filter(|m| selector.matches(&m.id)) {
            count += 1;
            let (before, after) =
                before_after(&text, mutant.start, mutant.end, &mutant.replacement);
            let row = ListRow {
                id: mutant.id.as_str(),
                file: &file.meta.source,
                line: mutant.line,
                column: mutant.column,
                operator: mutant.operator.name(),
                before,
                after,
            };
            if json {
                out.push_str(&serde_json::to_string(&row).unwrap_or_default());
            } else {
                out.push_str(&format!(
                    "{}  {}:{}  {}  {} → {}",
                    row.id, row.file, row.line, row.operator, row.before, row.after
                ));
            }
            out.push('\n');
        }
    }
    crate::out!("{out}");
    if !json {
        crate::info!("{count} mutants");
    }
    Ok(ExitCode::Success)
}

#[derive(Serialize)]
struct SkippedRow<'a> {
    function: &'a str,
    file: &'a str,
    first_line: usize,
    last_line: usize,
    lines: usize,
    whole_function: bool,
    reason: crate::generate::pragma::SkipReason,
}

/// `list --skipped`: the functions and lines pragmas and coverage exclusions leave alone, those
/// of functions matching `patterns` (globs over `module.qualname`) when given.
pub fn list_skipped(ws: &Workspace, patterns: &[String], json: bool) -> Result<ExitCode> {
    let selector = Selector::new(patterns)?;
    let mut out = String::new();
    let mut counts = crate::generate::SkipCounts::default();
    for source in &ws.project.sources {
        let Some((_, file)) = file_mutants(ws, source)? else {
            continue;
        };
        let chosen: Vec<_> = file
            .meta
            .skipped
            .iter()
            .filter(|s| selector.matches(&MutantId(s.function.as_str().to_string())))
            .cloned()
            .collect();
        counts.add(crate::generate::SkipCounts::of(&chosen));
        for skipped in &chosen {
            let row = SkippedRow {
                function: skipped.function.as_str(),
                file: &file.meta.source,
                first_line: skipped.first_line,
                last_line: skipped.last_line,
                lines: skipped.lines,
                whole_function: skipped.whole_function,
                reason: skipped.reason,
            };
            if json {
                out.push_str(&serde_json::to_string(&row).unwrap_or_default());
            } else {
                let lines = if row.first_line == row.last_line {
                    format!("{}:{}", row.file, row.first_line)
                } else {
                    format!("{}:{}-{}", row.file, row.first_line, row.last_line)
                };
                let what = if row.whole_function {
                    "whole function"
                } else {
                    "lines"
                };
                out.push_str(&format!(
                    "{lines}  {}  {what}  {}",
                    row.function,
                    row.reason.label()
                ));
            }
            out.push('\n');
        }
    }
    crate::out!("{out}");
    if !json {
        match crate::workspace::skipped_line(&counts) {
            Some(line) => crate::info!("{line}"),
            None => crate::info!("no code is left alone by pragmas or coverage exclusions"),
        }
    }
    Ok(ExitCode::Success)
}

/// The source file whose module is the longest prefix of the mutant's function key.
fn source_of<'a>(ws: &'a Workspace, id: &MutantId) -> Result<&'a SourceFile> {
    let (function, _) = id.split().ok_or_else(|| {
        Error::usage(format!(
            "`{id}` is not a mutant id; ids look like `package.module.function:3` (see `mutrun list`)"
        ))
    })?;
    ws.project
        .sources
        .iter()
        .filter(|s| function.as_str().starts_with(&format!("{}.", s.module)) || s.module.is_empty())
        .max_by_key(|s| s.module.len())
        .ok_or_else(|| {
            Error::usage(format!(
                "no source file defines mutant `{id}`; `mutrun list` shows the ids"
            ))
        })
}

fn find_mutant<'a>(
    ws: &'a Workspace,
    id: &str,
) -> Result<(&'a SourceFile, String, FileMeta, MutantMeta)> {
    if let Some(error) = compat::mutmut_id_error(ws, id) {
        return Err(error);
    }
    let id = MutantId(id.to_string());
    let source = source_of(ws, &id)?;
    let (text, file) = file_mutants(ws, source)?.ok_or_else(|| {
        Error::usage(format!(
            "{} cannot be mutated (see the warning)",
            source.path.display()
        ))
    })?;
    // While the source is unchanged, ids are those of the last generation (which may have used
    // another operator selection, `run --operators`), as `results` shows them.
    let catalog = meta::read(&meta::meta_path(&ws.mutants_dir, &source.path))
        .ok()
        .flatten()
        .filter(|stored| stored.source_sha256 == sha256_hex(text.as_bytes()))
        .unwrap_or(file.meta);
    let mutant = catalog
        .mutants
        .iter()
        .find(|m| m.id == id)
        .cloned()
        .ok_or_else(|| {
            Error::usage(format!(
                "no mutant `{id}` in {} as it is now; `mutrun list '{}*'` shows its mutants",
                source.path.display(),
                id.split().map(|(f, _)| f.0).unwrap_or_default()
            ))
        })?;
    Ok((source, text, catalog, mutant))
}

/// `text` with `mutant` applied; `find_mutant` made the catalog from this very text, so the
/// offsets fit unless the file changed in between.
fn mutated_text(text: &str, mutant: &MutantMeta) -> Result<String> {
    mutant.applied_to(text).ok_or_else(|| {
        Error::usage(format!(
            "the source of `{}` changed while mutrun read it; run the command again",
            mutant.id
        ))
    })
}

/// The stored verdict of `mutant` (of `source`, whose catalog is `file`): valid for the
/// function as it is now, or stale (recorded for an older version of it).
fn stored_verdict(
    ws: &Workspace,
    source: &SourceFile,
    file: &FileMeta,
    mutant: &MutantMeta,
) -> (Option<VerdictRecord>, Option<VerdictRecord>) {
    let stored = meta::read(&meta::meta_path(&ws.mutants_dir, &source.path))
        .ok()
        .flatten();
    let recorded = stored.as_ref().and_then(|stored| {
        let m = stored.mutants.iter().find(|m| m.id == mutant.id)?;
        m.verdict.clone()
    });
    let current = file.function(&mutant.function).map(|f| f.sha256.as_str());
    match recorded {
        Some(record) if Some(record.function_sha256.as_str()) == current => (Some(record), None),
        other => (None, other),
    }
}

pub fn show(ws: &Workspace, id: &str) -> Result<ExitCode> {
    let (source, text, file, mutant) = find_mutant(ws, id)?;
    let (verdict, stale) = stored_verdict(ws, source, &file, &mutant);
    let color = crate::domain::term::color_stdout();
    crate::outln!(
        "{}  [{}]  {}:{}",
        mutant.id,
        mutant.operator.name(),
        file.source,
        mutant.line
    );
    match &verdict {
        Some(record) => {
            let mut line = format!("verdict: {}", record.verdict);
            if let Some(killer) = &record.killer {
                line.push_str(&format!(" by {killer}"));
            }
            if let Some(detail) = &record.detail {
                line.push_str(&format!(" ({detail})"));
            }
            crate::outln!("{line}");
            if !record.tests_run.is_empty() {
                crate::outln!("tests run ({}):", record.tests_run.len());
                for test in record.tests_run.iter().take(20) {
                    crate::outln!("  {test}");
                }
                if record.tests_run.len() > 20 {
                    crate::outln!("  … {} more", record.tests_run.len() - 20);
                }
            }
        }
        None => match stale {
            Some(old) => crate::outln!(
                "verdict: not run since its function changed (it was {}; `mutrun run '{}'`)",
                old.verdict,
                mutant.id
            ),
            None => crate::outln!("verdict: not run yet (`mutrun run '{}'`)", mutant.id),
        },
    }
    if let Some(key) = file.key_of(&mutant) {
        if let Some(reason) = Marks::load(&ws.root)?.reason(&key) {
            crate::outln!(
                "marked equivalent in {}: {reason} (reported as ignored; `mutrun unmark {}` removes the mark)",
                marks::MARKS_FILE,
                mutant.id
            );
        }
    }
    print_covering_tests(ws, &file, &mutant);
    crate::out!(
        "{}",
        unified_diff(&file.source, &text, &mutated_text(&text, &mutant)?, color)
    );
    Ok(ExitCode::Success)
}

/// `show`'s list of the tests the mutant runs (those that execute its lines, or reach its
/// function), from the last stats pass.
fn print_covering_tests(ws: &Workspace, file: &FileMeta, mutant: &MutantMeta) {
    let Some(stats) = coverage::read(&ws.mutants_dir) else {
        crate::outln!("covering tests: not known yet (`mutrun run` records which tests reach which functions)");
        return;
    };
    let coverage = Coverage::of(ws, stats);
    let span = file.span(mutant);
    let selected = coverage.tests_for_mutant(&span);
    let tests = &selected.tests;
    if let Some(why) = selected.no_test_executes(&span) {
        crate::outln!(
            "covering tests: none ({why}; {} tests reach {})",
            coverage.tests_for(&mutant.function).len(),
            mutant.function.as_str()
        );
        return;
    }
    if tests.is_empty() {
        crate::outln!(
            "covering tests: none (no test reaches {})",
            mutant.function.as_str()
        );
        return;
    }
    match selected.chosen {
        Chosen::Lines => crate::outln!(
            "covering tests: the {} that execute {} (fastest first):",
            tests.len(),
            coverage::lines_text(&span)
        ),
        _ => crate::outln!("covering tests ({}, fastest first):", tests.len()),
    }
    for test in tests.iter().take(20) {
        crate::outln!("  {:>9.4} s  {}", test.duration, test.id);
    }
    if tests.len() > 20 {
        crate::outln!(
            "  … {} more (`mutrun tests-for {}`)",
            tests.len() - 20,
            mutant.id
        );
    }
}

/// `mutrun tests-for ID`: the tests the mutant runs (those that execute its lines, or that reach
/// its function), in the order a run uses them (fastest first), from the last stats pass.
pub fn tests_for(ws: &Workspace, id: &str) -> Result<ExitCode> {
    let (_, _, file, mutant) = find_mutant(ws, id)?;
    let stats = coverage::read(&ws.mutants_dir).ok_or_else(|| {
        Error::usage("no test stats yet: run `mutrun run` first (its stats pass records which tests reach which functions)")
    })?;
    let coverage = Coverage::of(ws, stats);
    let span = file.span(&mutant);
    let selected = coverage.tests_for_mutant(&span);
    let tests = &selected.tests;
    if let Some(why) = selected.no_test_executes(&span) {
        crate::outln!(
            "{why} (verdict: no tests; {} tests reach {})",
            coverage.tests_for(&mutant.function).len(),
            mutant.function.as_str()
        );
        return Ok(ExitCode::Success);
    }
    if tests.is_empty() {
        crate::outln!(
            "no test reaches {} (verdict: no tests)",
            mutant.function.as_str()
        );
        return Ok(ExitCode::Success);
    }
    for test in tests {
        crate::outln!("{:>9.4} s  {}", test.duration, test.id);
    }
    match selected.chosen {
        Chosen::Lines => crate::info!(
            "{} tests execute {} of {}, fastest first",
            tests.len(),
            coverage::lines_text(&span),
            mutant.function.as_str()
        ),
        _ => crate::info!(
            "{} tests reach {}, fastest first",
            tests.len(),
            mutant.function.as_str()
        ),
    }
    Ok(ExitCode::Success)
}

pub fn apply(ws: &Workspace, id: &str) -> Result<ExitCode> {
    let (source, text, _, mutant) = find_mutant(ws, id)?;
    let stored = meta::read(&meta::meta_path(&ws.mutants_dir, &source.path))
        .ok()
        .flatten();
    if let Some(stored) = stored {
        if stored.source_sha256 != sha256_hex(text.as_bytes()) {
            return Err(Error::usage(format!(
                "{} changed since its mutants were generated; run `mutrun generate` (or `mutrun run`) \
                 and check the mutant with `mutrun show {id}` before applying it",
                source.path.display()
            )));
        }
    }
    let path = ws.root.join(&source.path);
    crate::domain::atomic::write_atomic(&path, mutated_text(&text, &mutant)?.as_bytes())?;
    crate::outln!(
        "applied {} to {}:{}",
        mutant.id,
        source.path.display(),
        mutant.line
    );
    Ok(ExitCode::Success)
}

/// Every readable `.meta` under `mutants_dir`, with the project's marked mutants `ignored` (stale
/// marks are warned about); an error telling to run first when there is none.
fn stored_results(mutants_dir: &Path) -> Result<Vec<FileMeta>> {
    let mut files = stored_metas(mutants_dir)?;
    let root = mutants_dir.parent().unwrap_or(Path::new("."));
    let stale = Marks::load(root)?.overlay(&mut files);
    for warning in marks::stale_warnings(&stale) {
        crate::warning!("{warning}");
    }
    Ok(files)
}

fn stored_metas(mutants_dir: &Path) -> Result<Vec<FileMeta>> {
    let paths = meta::find_all(mutants_dir);
    if paths.is_empty() {
        return Err(Error::usage(format!(
            "no results in {}: run `mutrun run` first",
            mutants_dir.display()
        )));
    }
    let mut files = Vec::new();
    for path in paths {
        match meta::read(&path) {
            Ok(Some(meta)) => files.push(meta),
            Ok(None) => {}
            Err(e) => crate::warning!("{e}"),
        }
    }
    Ok(files)
}

/// `mutrun report --html DIR`: the Stryker report as one self-contained page.
pub fn html_report(mutants_dir: &Path, dir: &Path) -> Result<ExitCode> {
    let files = stored_results(mutants_dir)?;
    let root = mutants_dir.parent().unwrap_or(Path::new("."));
    let coverage = coverage::read(mutants_dir).map(Coverage::new);
    let doc = formats::stryker_report(&files, root, coverage.as_ref());
    let path = html::write(dir, &doc)?;
    crate::outln!("{}", path.display());
    crate::info!("wrote the HTML report; open it in a browser (it works offline)");
    Ok(ExitCode::Success)
}

/// What `mutrun results` prints: the mutants that need attention (or all), or the table by
/// operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResultsView {
    Mutants { all: bool },
    ByOperator,
}

pub fn results(
    mutants_dir: &Path,
    view: ResultsView,
    format: Format,
    fail_under: Option<f64>,
) -> Result<ExitCode> {
    if view == ResultsView::ByOperator && !matches!(format, Format::Text | Format::Json) {
        return Err(Error::usage(
            "--by-operator prints a table (or JSON with --json); it does not combine with \
             --format junit, github or stryker",
        ));
    }
    let files = stored_results(mutants_dir)?;
    let summary = report::Summary::of(
        files
            .iter()
            .flat_map(|f| f.mutants.iter().map(move |m| report::current_verdict(f, m))),
    );
    let all = match view {
        ResultsView::Mutants { all } => all,
        ResultsView::ByOperator => {
            let rows = report::by_operator(&files);
            if format == Format::Json {
                let doc = serde_json::json!({ "summary": summary, "by_operator": rows });
                crate::outln!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
            } else {
                crate::out!("{}", report::by_operator_text(&rows, &summary));
            }
            return Ok(report::gate(&summary, fail_under));
        }
    };
    match format {
        Format::Text => crate::out!("{}", report::results_text(&files, all)),
        Format::Json => {
            let rows: Vec<report::ResultRow> = files
                .iter()
                .flat_map(|f| f.mutants.iter().map(move |m| report::result_row(f, m)))
                .filter(|r| all || r.verdict.is_some_and(|v| report::LISTED.contains(&v)))
                .collect();
            let doc = serde_json::json!({ "summary": summary, "mutants": rows });
            crate::outln!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
        }
        Format::Junit => crate::out!("{}", formats::junit(&files)),
        Format::Github => crate::out!("{}", formats::github(&files)),
        Format::Stryker => {
            let root = mutants_dir.parent().unwrap_or(Path::new("."));
            let coverage = coverage::read(mutants_dir).map(Coverage::new);
            let doc = formats::stryker_report(&files, root, coverage.as_ref());
            crate::outln!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
        }
    }
    Ok(report::gate(&summary, fail_under))
}

/// CLI project options as config overrides.
pub fn overrides(project: &crate::cli::ProjectArgs, workers: Option<usize>) -> CliOverrides {
    CliOverrides {
        paths_to_mutate: (!project.paths_to_mutate.is_empty())
            .then(|| project.paths_to_mutate.clone()),
        python: project.python.clone(),
        workers,
        ..CliOverrides::default()
    }
}

/// `--operators` / `--disable-operators` added to `overrides`.
pub fn with_operators(
    mut overrides: CliOverrides,
    args: &crate::cli::OperatorArgs,
) -> CliOverrides {
    overrides.operators = (!args.operators.is_empty()).then(|| args.operators.clone());
    overrides.disable_operators =
        (!args.disable_operators.is_empty()).then(|| args.disable_operators.clone());
    overrides
}

/// `mutrun mark ID --equivalent [--reason TEXT] [--force]`: records the mutant in the project's
/// marks file (marking it again replaces the reason). A mutant tests kill (or that timed out) is
/// not equivalent, so marking one is almost always a slip: refused without `--force`, or asked
/// about (y/N) when stdin and stderr are a terminal.
pub fn mark(ws: &Workspace, id: &str, reason: Option<&str>, force: bool) -> Result<ExitCode> {
    let (source, _, file, mutant) = find_mutant(ws, id)?;
    if let (Some(record), false) = (stored_verdict(ws, source, &file, &mutant).0, force) {
        if matches!(record.verdict, Verdict::Killed | Verdict::Timeout) {
            let by = record
                .killer
                .as_deref()
                .map(|k| format!(" by {k}"))
                .unwrap_or_default();
            let why = format!(
                "{id} is {}{by}: the tests tell it from the original, so it is not equivalent",
                record.verdict
            );
            if !confirm(&format!("{why}. Mark it equivalent anyway?")) {
                return Err(Error::usage(format!(
                    "{why}; not marked (`mutrun show {id}` shows it; `--force` marks it anyway)"
                )));
            }
        }
    }
    let key = file
        .key_of(&mutant)
        .ok_or_else(|| Error::other(format!("{id} is missing from its own catalog")))?;
    let reason = reason
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .unwrap_or("marked equivalent")
        .to_string();
    let mut all = Marks::load(&ws.root)?;
    let previous = all.insert(key, reason.clone());
    all.save(&ws.root)?;
    match previous {
        Some(old) if old == reason => crate::outln!("{id} was already marked equivalent: {reason}"),
        Some(_) => crate::outln!("{id}: reason updated: {reason}"),
        None => crate::outln!("marked {id} equivalent: {reason}"),
    }
    crate::info!(
        "{} lists the marks; commit it. `mutrun unmark {id}` undoes this.",
        marks::MARKS_FILE
    );
    Ok(ExitCode::Success)
}

/// Asks `question` with `[y/N]` on stderr when stdin and stderr are a terminal; `false` (no)
/// when they are not, or on anything but `y`/`yes`.
fn confirm(question: &str) -> bool {
    use std::io::{BufRead, IsTerminal, Write};
    if !(std::io::stdin().is_terminal() && std::io::stderr().is_terminal()) {
        return false;
    }
    eprint!("mutrun: {question} [y/N] ");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    if std::io::stdin().lock().read_line(&mut answer).is_err() {
        return false;
    }
    matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes")
}

/// `mutrun unmark ID`: removes the mutant's mark; the mutant runs and counts again.
pub fn unmark(ws: &Workspace, id: &str) -> Result<ExitCode> {
    let (_, _, file, mutant) = find_mutant(ws, id)?;
    let key = file
        .key_of(&mutant)
        .ok_or_else(|| Error::other(format!("{id} is missing from its own catalog")))?;
    let mut all = Marks::load(&ws.root)?;
    match all.remove(&key) {
        Some(_) => {
            all.save(&ws.root)?;
            crate::outln!("unmarked {id}; `mutrun run` tests it again");
        }
        None => crate::outln!("{id} is not marked; nothing to do"),
    }
    Ok(ExitCode::Success)
}
