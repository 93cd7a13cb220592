//! Which stored verdicts a run may reuse. A verdict stays valid while the mutated function's
//! source is unchanged **and** the tests that decided it are unchanged: for a killed mutant, its
//! killing test still exists with the same source; for every other verdict, the set of tests the
//! mutant runs (those that execute its lines, or reach its function: `Coverage::tests_for_mutant`;
//! node ids and source hashes, from the stats pass) is the same. So editing a test re-runs only
//! the mutants whose lines it executes. This is Stryker's incremental rule; mutmut keeps
//! survivors forever, however the tests change.

use crate::coverage::{Coverage, MutantSpan};
use crate::domain::hash::sha256_hex;
use crate::domain::verdict::Verdict;
use crate::record::meta::{FileMeta, MutantMeta, VerdictRecord};

/// Why a mutant runs (again) in this run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Rerun {
    /// It has never had a verdict.
    New,
    /// Its function's source changed since the verdict.
    FunctionChanged,
    /// The test that killed it was removed or its source changed.
    KillerChanged,
    /// A test that covers its function was added, removed or changed.
    CoveringTestsChanged,
    /// `--rerun` asked for it.
    Forced,
    /// Its last verdict was decided without tests (skipped for its lines, caught by the type
    /// checker); every run decides such verdicts again (`src/plan/prefilter.rs`).
    Redecided,
}

impl Rerun {
    pub fn describe(self) -> &'static str {
        match self {
            Rerun::New => "new",
            Rerun::FunctionChanged => "function changed",
            Rerun::KillerChanged => "killing test changed or removed",
            Rerun::CoveringTestsChanged => "covering tests added or changed",
            Rerun::Forced => "--rerun",
            Rerun::Redecided => "skipped or caught by type check last time",
        }
    }

    pub const ALL: [Rerun; 6] = [
        Rerun::New,
        Rerun::FunctionChanged,
        Rerun::KillerChanged,
        Rerun::CoveringTestsChanged,
        Rerun::Forced,
        Rerun::Redecided,
    ];
}

/// Why `mutant` must run, or `None` when its stored verdict is still valid under `coverage`.
pub fn why_rerun(file: &FileMeta, mutant: &MutantMeta, coverage: &Coverage) -> Option<Rerun> {
    let Some(record) = &mutant.verdict else {
        return Some(Rerun::New);
    };
    if file.valid_verdict(mutant).is_none() {
        return Some(Rerun::FunctionChanged);
    }
    if record.verdict == Verdict::Killed {
        // A killer that was no test (a test module that failed to import under the mutant) has
        // no hash: such a verdict is judged by the covering tests below.
        if let (Some(killer), Some(then)) = (&record.killer, &record.killer_sha256) {
            let now = coverage.test(killer).map(|t| t.sha256.as_str());
            return match now {
                Some(now) if now == then => None,
                _ => Some(Rerun::KillerChanged),
            };
        }
    }
    let now = tests_fingerprint(coverage, &file.span(mutant));
    match record.tests_sha256.as_deref() {
        Some(then) if then == now => None,
        _ => Some(Rerun::CoveringTestsChanged),
    }
}

/// A hash of the tests the mutant at `span` runs: their node ids and source hashes, in id order.
pub fn tests_fingerprint(coverage: &Coverage, span: &MutantSpan) -> String {
    let mut tests: Vec<(&str, &str)> = coverage
        .tests_for_mutant(span)
        .tests
        .iter()
        .map(|t| (t.id.as_str(), t.sha256.as_str()))
        .collect();
    tests.sort();
    let mut text = String::new();
    for (id, sha) in tests {
        text.push_str(id);
        text.push('\0');
        text.push_str(sha);
        text.push('\n');
    }
    sha256_hex(text.as_bytes())
}

/// Stamps `record` with what `why_rerun` will compare next time.
pub fn stamp(record: &mut VerdictRecord, coverage: &Coverage, span: &MutantSpan) {
    record.tests_sha256 = Some(tests_fingerprint(coverage, span));
    record.killer_sha256 = record
        .killer
        .as_deref()
        .and_then(|k| coverage.test(k))
        .map(|t| t.sha256.clone());
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::coverage::{StatsFile, TestStats};
    use crate::domain::operators::Operator;
    use crate::record::meta::test_catalog;

    fn coverage(tests: &[(&str, &str)]) -> Coverage {
        Coverage::new(StatsFile {
            format: 1,
            python: String::new(),
            tests: tests
                .iter()
                .map(|(id, sha)| TestStats {
                    id: id.to_string(),
                    duration: 0.1,
                    outcome: "passed".into(),
                    functions: vec!["m.f".into()],
                    sha256: sha.to_string(),
                    lines: vec![],
                })
                .collect(),
            collection_hits: vec![],
            collection_hit_files: Default::default(),
            collect_errors: vec![],
            shadowed: Default::default(),
            inputs_sha256: String::new(),
            ..StatsFile::default()
        })
    }

    fn file_with(verdict: Option<VerdictRecord>) -> FileMeta {
        let mut mutant = test_catalog::mutant("m.f:1", Operator::Number, "1", "2");
        mutant.verdict = verdict;
        test_catalog::file(vec![mutant])
    }

    fn judged(verdict: Verdict, killer: Option<&str>, at: &Coverage) -> VerdictRecord {
        let mut record =
            VerdictRecord::new(verdict, "F".into()).with_run(0.1, vec![], killer.map(String::from));
        let file = test_catalog::file(vec![test_catalog::mutant(
            "m.f:1",
            Operator::Number,
            "1",
            "2",
        )]);
        stamp(&mut record, at, &file.span(&file.mutants[0]));
        record
    }

    fn rerun(file: &FileMeta, now: &Coverage) -> Option<Rerun> {
        why_rerun(file, &file.mutants[0], now)
    }

    #[test]
    fn a_killed_verdict_lives_while_its_killer_is_unchanged() {
        let then = coverage(&[("t::a", "1"), ("t::b", "2")]);
        let file = file_with(Some(judged(Verdict::Killed, Some("t::a"), &then)));
        assert_eq!(rerun(&file, &then), None);
        // Another covering test changing does not matter to a killed mutant.
        assert_eq!(
            rerun(&file, &coverage(&[("t::a", "1"), ("t::b", "9")])),
            None
        );
        assert_eq!(
            rerun(&file, &coverage(&[("t::a", "7"), ("t::b", "2")])),
            Some(Rerun::KillerChanged)
        );
        assert_eq!(
            rerun(&file, &coverage(&[("t::b", "2")])),
            Some(Rerun::KillerChanged)
        );
    }

    #[test]
    fn a_kill_by_a_failed_import_lives_while_the_covering_tests_are_unchanged() {
        let then = coverage(&[("t::a", "1")]);
        let file = file_with(Some(judged(
            Verdict::Killed,
            Some("tests/test_m.py"),
            &then,
        )));
        assert_eq!(rerun(&file, &then), None);
        assert_eq!(
            rerun(&file, &coverage(&[("t::a", "2")])),
            Some(Rerun::CoveringTestsChanged)
        );
    }

    #[test]
    fn a_survivor_is_rerun_when_a_covering_test_is_added_or_changed() {
        let then = coverage(&[("t::a", "1")]);
        let file = file_with(Some(judged(Verdict::Survived, None, &then)));
        assert_eq!(rerun(&file, &then), None);
        assert_eq!(
            rerun(&file, &coverage(&[("t::a", "1"), ("t::new", "3")])),
            Some(Rerun::CoveringTestsChanged)
        );
        assert_eq!(
            rerun(&file, &coverage(&[("t::a", "2")])),
            Some(Rerun::CoveringTestsChanged)
        );
    }

    #[test]
    fn new_and_changed_functions_are_rerun() {
        let now = coverage(&[("t::a", "1")]);
        assert_eq!(rerun(&file_with(None), &now), Some(Rerun::New));
        let mut file = file_with(Some(judged(Verdict::Survived, None, &now)));
        file.functions[0].sha256 = "G".into();
        assert_eq!(rerun(&file, &now), Some(Rerun::FunctionChanged));
    }
}
