//! What people read: `list` rows, `show` diffs, and the `results` summary with the score.

pub mod browse;
pub mod dead_code;
pub mod formats;
pub mod html;
pub mod progress;

use std::collections::BTreeMap;

use serde::Serialize;

use crate::domain::exit_code::ExitCode;
use crate::domain::operators::Operator;
use crate::domain::verdict::Verdict;
use crate::record::meta::{FileMeta, MutantMeta};

/// The source line an edit starts on, before and after the edit, trimmed to one readable line.
pub fn before_after(source: &str, start: usize, end: usize, replacement: &str) -> (String, String) {
    let line_start = source[..start].rfind('\n').map_or(0, |i| i + 1);
    let line_end = source[end..].find('\n').map_or(source.len(), |i| end + i);
    let before = &source[line_start..line_end];
    let after = format!(
        "{}{}{}",
        &source[line_start..start],
        replacement,
        &source[end..line_end]
    );
    (one_line(before), one_line(&after))
}

/// First line, trimmed, with `…` when something was cut.
pub fn one_line(text: &str) -> String {
    let mut lines = text.trim().lines();
    let first = lines.next().unwrap_or("").trim();
    let mut out: String = first.chars().take(100).collect();
    if lines.next().is_some() || first.chars().count() > 100 {
        out.push('…');
    }
    out
}

/// A unified diff of `path` from `old` to `new`, coloured when `color` is set.
pub fn unified_diff(path: &str, old: &str, new: &str, color: bool) -> String {
    let diff = similar::TextDiff::from_lines(old, new);
    let text = diff
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{path}"), &format!("b/{path}"))
        .to_string();
    if !color {
        return text;
    }
    text.lines()
        .map(|line| {
            let code = if line.starts_with("+++") || line.starts_with("---") {
                "1"
            } else if line.starts_with('+') {
                "32"
            } else if line.starts_with('-') {
                "31"
            } else if line.starts_with("@@") {
                "36"
            } else {
                return format!("{line}\n");
            };
            format!("\x1b[{code}m{line}\x1b[0m\n")
        })
        .collect()
}

/// Counts by verdict and the two scores.
#[derive(Debug, Default, Serialize, Clone, PartialEq)]
pub struct Summary {
    pub total: usize,
    pub counts: BTreeMap<String, usize>,
    /// Mutants without a verdict yet.
    pub pending: usize,
    /// (killed + timeout) / every mutant with a scored verdict (not skipped, ignored or caught by
    /// type check).
    pub score: Option<f64>,
    /// The same, leaving out mutants no test reaches.
    pub covered_score: Option<f64>,
}

/// The exit code for `--fail-under`: success unless the score is below the gate (then says so).
pub fn gate(summary: &Summary, fail_under: Option<f64>) -> ExitCode {
    match gate_failure(summary, fail_under) {
        Some(message) => {
            crate::domain::term::error(&message);
            ExitCode::ScoreBelowGate
        }
        None => ExitCode::Success,
    }
}

/// Why `--fail-under PERCENT` fails for `summary`, or `None` when the score meets the gate.
/// A run with no judged mutant has no score and passes any gate.
pub fn gate_failure(summary: &Summary, fail_under: Option<f64>) -> Option<String> {
    let gate = fail_under?;
    let score = summary.score? * 100.0;
    (score < gate).then(|| {
        format!("mutation score {score:.1}% is below --fail-under {gate}%: kill more survivors or lower the gate")
    })
}

impl Summary {
    pub fn of(verdicts: impl Iterator<Item = Option<Verdict>>) -> Summary {
        let mut summary = Summary::default();
        let mut by: BTreeMap<Verdict, usize> = BTreeMap::new();
        for verdict in verdicts {
            summary.total += 1;
            match verdict {
                Some(v) => *by.entry(v).or_default() += 1,
                None => summary.pending += 1,
            }
        }
        let count = |v: Verdict| by.get(&v).copied().unwrap_or(0);
        let detected = count(Verdict::Killed) + count(Verdict::Timeout);
        let judged: usize = by
            .iter()
            .filter(|(v, _)| v.is_scored())
            .map(|(_, n)| n)
            .sum();
        let covered = judged - count(Verdict::NoTests);
        summary.score = (judged > 0).then(|| detected as f64 / judged as f64);
        summary.covered_score = (covered > 0).then(|| detected as f64 / covered as f64);
        summary.counts = by
            .into_iter()
            .map(|(v, n)| (v.name().to_string(), n))
            .collect();
        summary
    }

    pub fn count(&self, verdict: Verdict) -> usize {
        self.counts.get(verdict.name()).copied().unwrap_or(0)
    }

    /// `1297 mutants: 938 killed, 322 survived, … · score 72.3% (covered 74.4%)`.
    pub fn line(&self) -> String {
        let mut parts: Vec<String> = Verdict::ALL
            .iter()
            .filter(|v| self.count(**v) > 0)
            .map(|v| format!("{} {}", self.count(*v), v.name()))
            .collect();
        if self.pending > 0 {
            parts.push(format!("{} not run yet", self.pending));
        }
        let mut line = format!("{} mutants: {}", self.total, parts.join(", "));
        if let Some(score) = self.score {
            line.push_str(&format!(" · score {:.1}%", score * 100.0));
        }
        if let Some(covered) = self.covered_score {
            line.push_str(&format!(" (covered {:.1}%)", covered * 100.0));
        }
        line
    }
}

/// One row of `mutrun results --by-operator`: an operator's mutants by verdict, and its scores
/// (the same formulas as [`Summary`]), as Infection's per-mutator table shows them.
#[derive(Debug, Serialize, Clone, PartialEq)]
pub struct OperatorRow {
    /// The operator's name, or `total` for the table's last row.
    pub operator: String,
    pub mutants: usize,
    pub killed: usize,
    pub survived: usize,
    pub timeout: usize,
    /// Crashed or suspicious: the test process ended without a pass or fail.
    pub errors: usize,
    pub no_tests: usize,
    /// Not in a column above: not run yet, skipped, ignored, caught by type check.
    pub other: usize,
    pub score: Option<f64>,
    pub covered_score: Option<f64>,
}

impl OperatorRow {
    fn new(operator: &str, summary: &Summary) -> OperatorRow {
        let killed = summary.count(Verdict::Killed);
        let survived = summary.count(Verdict::Survived);
        let timeout = summary.count(Verdict::Timeout);
        let errors = summary.count(Verdict::Crashed) + summary.count(Verdict::Suspicious);
        let no_tests = summary.count(Verdict::NoTests);
        OperatorRow {
            operator: operator.to_string(),
            mutants: summary.total,
            killed,
            survived,
            timeout,
            errors,
            no_tests,
            other: summary.total - killed - survived - timeout - errors - no_tests,
            score: summary.score,
            covered_score: summary.covered_score,
        }
    }
}

/// One row per operator that has mutants, in catalog order.
pub fn by_operator(files: &[FileMeta]) -> Vec<OperatorRow> {
    let mut verdicts: BTreeMap<Operator, Vec<Option<Verdict>>> = BTreeMap::new();
    for file in files {
        for mutant in &file.mutants {
            verdicts
                .entry(mutant.operator)
                .or_default()
                .push(current_verdict(file, mutant));
        }
    }
    verdicts
        .into_iter()
        .map(|(op, v)| OperatorRow::new(op.name(), &Summary::of(v.into_iter())))
        .collect()
}

/// The text of `mutrun results --by-operator`: the table, a `total` row, and what the columns
/// mean.
pub fn by_operator_text(rows: &[OperatorRow], summary: &Summary) -> String {
    let header = [
        "operator", "mutants", "killed", "survived", "timeout", "errors", "no tests", "other",
        "score", "covered",
    ];
    let percent = |s: Option<f64>| s.map_or("-".to_string(), |s| format!("{:.1}%", s * 100.0));
    let total = OperatorRow::new("total", summary);
    let cells: Vec<[String; 10]> = rows
        .iter()
        .chain([&total])
        .map(|r| {
            [
                r.operator.clone(),
                r.mutants.to_string(),
                r.killed.to_string(),
                r.survived.to_string(),
                r.timeout.to_string(),
                r.errors.to_string(),
                r.no_tests.to_string(),
                r.other.to_string(),
                percent(r.score),
                percent(r.covered_score),
            ]
        })
        .collect();
    let widths: Vec<usize> = (0..header.len())
        .map(|i| {
            cells
                .iter()
                .map(|row| row[i].chars().count())
                .chain([header[i].len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |row: &[&str]| -> String {
        let mut out = format!("{:<w$}", row[0], w = widths[0]);
        for (cell, w) in row.iter().zip(&widths).skip(1) {
            out.push_str(&format!("  {cell:>w$}"));
        }
        out.push('\n');
        out
    };
    let mut out = line(&header);
    for (i, row) in cells.iter().enumerate() {
        if i == cells.len() - 1 {
            let rule: usize = widths.iter().sum::<usize>() + 2 * (widths.len() - 1);
            out.push_str(&"-".repeat(rule));
            out.push('\n');
        }
        out.push_str(&line(&row.iter().map(String::as_str).collect::<Vec<_>>()));
    }
    out.push_str(
        "errors: crashed or suspicious · other: not run yet, skipped, ignored, caught by type check\n\
         score: (killed + timeout) / (mutants - other) · covered: the same without no tests\n",
    );
    out
}

/// The verdicts `results` lists without `--all`, in the order it lists them: as mutmut's
/// `results`, every mutant a test does not catch, `no tests` included (mutmut also lists the
/// ones not run, skipped and caught by a type checker; the summary line counts those).
pub const LISTED: [Verdict; 5] = [
    Verdict::Survived,
    Verdict::NoTests,
    Verdict::Timeout,
    Verdict::Crashed,
    Verdict::Suspicious,
];

/// The verdicts that fail a JUnit case and get a GitHub annotation.
pub const ATTENTION: [Verdict; 4] = [
    Verdict::Survived,
    Verdict::Timeout,
    Verdict::Crashed,
    Verdict::Suspicious,
];

#[derive(Debug, Serialize)]
pub struct ResultRow<'a> {
    pub id: &'a str,
    pub verdict: Option<Verdict>,
    pub file: &'a str,
    pub line: usize,
    pub operator: &'static str,
    pub original: &'a str,
    pub replacement: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub killer: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<&'a str>,
}

/// The verdict of `mutant` if it is still valid for the current function source.
pub fn current_verdict(file: &FileMeta, mutant: &MutantMeta) -> Option<Verdict> {
    file.valid_verdict(mutant).map(|r| r.verdict)
}

pub fn result_row<'a>(file: &'a FileMeta, mutant: &'a MutantMeta) -> ResultRow<'a> {
    let record = file.valid_verdict(mutant);
    ResultRow {
        id: mutant.id.as_str(),
        verdict: record.map(|r| r.verdict),
        file: &file.source,
        line: mutant.line,
        operator: mutant.operator.name(),
        original: &mutant.original,
        replacement: &mutant.replacement,
        killer: record.and_then(|r| r.killer.as_deref()),
        detail: record.and_then(|r| r.detail.as_deref()),
    }
}

/// The text of `mutrun results`.
pub fn results_text(files: &[FileMeta], all: bool) -> String {
    let mut out = String::new();
    let order: Vec<Option<Verdict>> = if all {
        Verdict::ALL
            .iter()
            .map(|v| Some(*v))
            .chain([None])
            .collect()
    } else {
        LISTED.iter().map(|v| Some(*v)).collect()
    };
    for wanted in order {
        let rows: Vec<ResultRow> = files
            .iter()
            .flat_map(|f| f.mutants.iter().map(move |m| (f, m)))
            .filter(|(f, m)| current_verdict(f, m) == wanted)
            .map(|(f, m)| result_row(f, m))
            .collect();
        if rows.is_empty() {
            continue;
        }
        let title = wanted.map_or("not run yet", |v| v.name());
        out.push_str(&format!("{title} ({}):\n", rows.len()));
        for row in rows {
            out.push_str(&format!(
                "  {}:{}  {}  [{}] {} → {}",
                row.file,
                row.line,
                row.id,
                row.operator,
                one_line(row.original),
                one_line(row.replacement)
            ));
            if let Some(detail) = row.detail {
                out.push_str(&format!("  ({detail})"));
            }
            out.push('\n');
        }
        out.push('\n');
    }
    let summary = Summary::of(
        files
            .iter()
            .flat_map(|f| f.mutants.iter().map(move |m| current_verdict(f, m))),
    );
    out.push_str(&summary.line());
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn before_after_shows_the_whole_line() {
        let src = "def f(a, b):\n    return a + b\n";
        let at = src.find('+').unwrap_or_default();
        assert_eq!(
            before_after(src, at, at + 1, "-"),
            ("return a + b".to_string(), "return a - b".to_string())
        );
    }

    #[test]
    fn by_operator_table_has_a_row_per_operator_and_a_total() {
        let summary = |v: &[Verdict]| Summary::of(v.iter().map(|v| Some(*v)));
        let rows = vec![
            OperatorRow::new(
                "binary_op",
                &summary(&[Verdict::Killed, Verdict::Crashed, Verdict::Ignored]),
            ),
            OperatorRow::new("number", &summary(&[Verdict::Survived])),
        ];
        assert_eq!((rows[0].errors, rows[0].other), (1, 1));
        assert_eq!(rows[0].score, Some(0.5));
        let total = summary(&[
            Verdict::Killed,
            Verdict::Crashed,
            Verdict::Ignored,
            Verdict::Survived,
        ]);
        let text = by_operator_text(&rows, &total);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            "operator   mutants  killed  survived  timeout  errors  no tests  other  score  covered"
        );
        assert_eq!(
            lines[1],
            "binary_op        3       1         0        0       1         0      1  50.0%    50.0%"
        );
        assert_eq!(
            lines[2],
            "number           1       0         1        0       0         0      0   0.0%     0.0%"
        );
        assert!(lines[3].chars().all(|c| c == '-'));
        assert!(lines[4].starts_with("total            4       1         1"));
    }

    #[test]
    fn scores_follow_infection() {
        let verdicts = [
            Some(Verdict::Killed),
            Some(Verdict::Timeout),
            Some(Verdict::Survived),
            Some(Verdict::NoTests),
            None,
        ];
        let summary = Summary::of(verdicts.into_iter());
        assert_eq!(summary.total, 5);
        assert_eq!(summary.pending, 1);
        assert_eq!(summary.score, Some(0.5));
        assert_eq!(summary.covered_score, Some(2.0 / 3.0));
        assert_eq!(
            summary.line(),
            "5 mutants: 1 killed, 1 survived, 1 no tests, 1 timeout, 1 not run yet · score 50.0% (covered 66.7%)"
        );
    }
}
