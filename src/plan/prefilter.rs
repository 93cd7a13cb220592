//! Verdicts decided before any test runs: `mutate_only_covered_lines` (`skipped`: no test
//! executes the mutant's lines) and `type_check_command` (`caught by type check`). They are
//! decided again by every run, never reused.

use std::collections::HashMap;

use crate::config::CoverageLevel;
use crate::coverage::{self, Coverage};
use crate::domain::error::Result;
use crate::domain::mutant::MutantId;
use crate::domain::verdict::Verdict;
use crate::plan::covered_lines::ExecutedLines;
use crate::plan::reuse;
use crate::plan::type_check;
use crate::record::meta::VerdictRecord;
use crate::record::Recorder;
use crate::workspace::Workspace;

/// Before the stats pass: `mutate_only_covered_lines` and line-level selection need the
/// executed lines, which stats reused from a pass without them lack; forgetting those stats
/// makes this run record them. (A test command's reach pass records no lines.)
pub fn prepare_stats(ws: &Workspace) {
    let lines_missing = || coverage::read_lines(&ws.mutants_dir).is_none();
    let per_test_missing = || {
        ws.config.test_command.is_none()
            && coverage::read(&ws.mutants_dir).is_some_and(|s| !coverage::has_lines(&s))
    };
    if (ws.config.mutate_only_covered_lines && lines_missing())
        || (ws.config.coverage == CoverageLevel::Line && per_test_missing())
    {
        let _ = std::fs::remove_file(coverage::stats_path(&ws.mutants_dir));
    }
}

/// The verdicts of the `candidates` (mutants about to run) that need no test run.
pub fn decide<'a>(
    ws: &Workspace,
    recorder: &Recorder,
    coverage: &Coverage,
    candidates: impl Iterator<Item = &'a MutantId>,
) -> Result<HashMap<MutantId, VerdictRecord>> {
    let candidates: Vec<&MutantId> = candidates.collect();
    let mut decided = skip_uncovered(ws, recorder, coverage, &candidates);
    let left: Vec<&MutantId> = candidates
        .into_iter()
        .filter(|id| !decided.contains_key(*id))
        .collect();
    decided.extend(type_check(ws, recorder, coverage, &left)?);
    Ok(decided)
}

fn record(
    recorder: &Recorder,
    coverage: &Coverage,
    id: &MutantId,
    verdict: Verdict,
    detail: String,
) -> Option<VerdictRecord> {
    let (file, mutant) = recorder.get(id)?;
    let mut record = VerdictRecord::new(verdict, recorder.function_hash(id).unwrap_or_default())
        .with_detail(Some(detail));
    reuse::stamp(&mut record, coverage, &file.span(mutant));
    Some(record)
}

/// `type_check_command`: one run of the type checker over `mutants/`; the candidates it reports
/// an error inside of are `caught by type check`.
fn type_check(
    ws: &Workspace,
    recorder: &Recorder,
    coverage: &Coverage,
    candidates: &[&MutantId],
) -> Result<HashMap<MutantId, VerdictRecord>> {
    let command = &ws.config.type_check_command;
    if command.is_empty() || candidates.is_empty() {
        return Ok(HashMap::new());
    }
    let started = std::time::Instant::now();
    crate::info!("type check: `{}` over mutants/", command.join(" "));
    let python = ws.interpreter().ok().map(|i| i.path);
    let errors = type_check::run(command, &ws.mutants_dir, python.as_deref())?;
    let files: Vec<_> = recorder.files().collect();
    let caught = type_check::caught(&ws.mutants_dir, &files, &errors);
    let mut decided = HashMap::new();
    for id in candidates {
        if let Some(detail) = caught.get(*id) {
            if let Some(r) = record(
                recorder,
                coverage,
                id,
                Verdict::CaughtByTypeCheck,
                detail.clone(),
            ) {
                decided.insert((*id).clone(), r);
            }
        }
    }
    crate::info!(
        "type check: {} errors, {} mutants caught ({:.1} s; output in mutants/.mutrun/logs/type_check.log)",
        errors.len(),
        decided.len(),
        started.elapsed().as_secs_f64()
    );
    Ok(decided)
}

/// `mutate_only_covered_lines`: the candidates no test executes are `skipped`.
fn skip_uncovered(
    ws: &Workspace,
    recorder: &Recorder,
    coverage: &Coverage,
    candidates: &[&MutantId],
) -> HashMap<MutantId, VerdictRecord> {
    let mut decided = HashMap::new();
    if !ws.config.mutate_only_covered_lines {
        return decided;
    }
    let recorded = coverage::read_lines(&ws.mutants_dir).unwrap_or_default();
    // Only the files that hold a candidate are generated again to map their lines.
    let sources: std::collections::HashSet<&str> = candidates
        .iter()
        .filter_map(|id| recorder.get(id))
        .map(|(file, _)| file.source.as_str())
        .collect();
    let files = recorder
        .files()
        .filter(|f| sources.contains(f.source.as_str()));
    let lines = ExecutedLines::new(&ws.root, &ws.settings(), files, &recorded);
    for id in candidates {
        let Some((file, mutant)) = recorder.get(id) else {
            continue;
        };
        let Some(reason) = lines.skip_reason(file, mutant, coverage) else {
            continue;
        };
        if let Some(r) = record(recorder, coverage, id, Verdict::Skipped, reason) {
            decided.insert((*id).clone(), r);
        }
    }
    if !decided.is_empty() {
        crate::info!(
            "{} mutants skipped: no test executes their lines (mutate_only_covered_lines)",
            decided.len()
        );
    }
    decided
}
