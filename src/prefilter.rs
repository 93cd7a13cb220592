//! Verdicts decided before any test runs: `mutate_only_covered_lines` (`skipped`: no test
//! executes the mutant's lines). They are decided again by every run, never reused.

use std::collections::HashMap;

use crate::covered_lines::ExecutedLines;
use crate::meta::VerdictRecord;
use crate::mutant::MutantId;
use crate::outcome::Verdict;
use crate::record::Recorder;
use crate::reuse;
use crate::stats::{self, Coverage};
use crate::workspace::Workspace;

/// Before the stats pass: `mutate_only_covered_lines` needs the executed lines, which stats
/// reused from a pass without them lack; forgetting those stats makes this run record them.
pub fn prepare_stats(ws: &Workspace) {
    if ws.config.mutate_only_covered_lines && stats::read_lines(&ws.mutants_dir).is_none() {
        let _ = std::fs::remove_file(stats::stats_path(&ws.mutants_dir));
    }
}

/// The verdicts of the `candidates` (mutants about to run) that need no test run.
pub fn decide<'a>(
    ws: &Workspace,
    recorder: &Recorder,
    coverage: &Coverage,
    candidates: impl Iterator<Item = &'a MutantId>,
) -> HashMap<MutantId, VerdictRecord> {
    let mut decided = HashMap::new();
    if !ws.config.mutate_only_covered_lines {
        return decided;
    }
    let recorded = stats::read_lines(&ws.mutants_dir).unwrap_or_default();
    let lines = ExecutedLines::new(&ws.root, &ws.settings(), recorder.files(), &recorded);
    for id in candidates {
        let Some((file, mutant)) = recorder.get(id) else {
            continue;
        };
        let Some(reason) = lines.skip_reason(file, mutant, coverage) else {
            continue;
        };
        let mut record = VerdictRecord {
            verdict: Verdict::Skipped,
            seconds: 0.0,
            tests_run: vec![],
            killer: None,
            function_sha256: recorder.function_hash(id).unwrap_or_default(),
            detail: Some(reason),
            killer_sha256: None,
            tests_sha256: None,
        };
        reuse::stamp(&mut record, coverage, &mutant.function);
        decided.insert(id.clone(), record);
    }
    if !decided.is_empty() {
        eprintln!(
            "mutrun: {} mutants skipped: no test executes their lines (mutate_only_covered_lines)",
            decided.len()
        );
    }
    decided
}
