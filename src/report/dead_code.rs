//! `mutrun run --dead-code`: which statements no test misses when they are removed, and which
//! functions no test reaches, as `file:line` ranges — code to delete, or tests to write.
//!
//! The run generates the statement-removal mutants (`statement_drop`, `call_statement_removal`)
//! besides the configured operators and runs only those; this module reads the verdicts back
//! from the `.meta` files and the reach of each function from `stats.json`.

use std::path::Path;

use crate::coverage::{self, Coverage};
use crate::domain::error::Result;
use crate::domain::lines::LineIndex;
use crate::domain::operators::Operator;
use crate::domain::verdict::Verdict;
use crate::generate::pragma::Pragmas;
use crate::plan::select::Selector;
use crate::record::meta::{self, FileMeta};
use crate::report::current_verdict;

/// The operators a dead-code run adds to the selection and runs: each removes one statement.
pub const OPERATORS: &[Operator] = &[Operator::StatementDrop, Operator::CallStatementRemoval];

/// One place the report points at: `file:first-last`, and what is there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub file: String,
    pub first_line: usize,
    pub last_line: usize,
    /// The function key (unreached functions) or the removed statement's first line (statements).
    pub what: String,
}

impl Finding {
    /// `pkg/mod.py:12` or `pkg/mod.py:12-15`.
    pub fn location(&self) -> String {
        if self.first_line == self.last_line {
            format!("{}:{}", self.file, self.first_line)
        } else {
            format!("{}:{}-{}", self.file, self.first_line, self.last_line)
        }
    }
}

/// What `--dead-code` found.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct DeadCode {
    /// Statements whose removal every covering test passed (survived), adjacent lines of one
    /// file merged, in file and line order.
    pub unnoticed: Vec<Finding>,
    /// Functions no test reaches, in file and line order.
    pub unreached: Vec<Finding>,
}

/// The findings among the stored mutants whose id matches `patterns` (all when empty). A
/// function counts as unreached when the last stats pass saw no test reach it.
pub fn find(root: &Path, mutants_dir: &Path, patterns: &[String]) -> Result<DeadCode> {
    let selector = Selector::new(patterns)?;
    let coverage = coverage::read(mutants_dir).map(Coverage::new);
    let mut files: Vec<FileMeta> = Vec::new();
    for path in meta::find_all(mutants_dir) {
        match meta::read(&path) {
            Ok(Some(file)) => files.push(file),
            Ok(None) => {}
            Err(e) => crate::warning!("{e}"),
        }
    }
    files.sort_by(|a, b| a.source.cmp(&b.source));
    let mut found = DeadCode::default();
    for file in &files {
        let mut statements: Vec<Finding> = file
            .mutants
            .iter()
            .filter(|m| OPERATORS.contains(&m.operator) && selector.matches(&m.id))
            .filter(|m| current_verdict(file, m) == Some(Verdict::Survived))
            .map(|m| Finding {
                file: file.source.clone(),
                first_line: m.line,
                last_line: m.end_line,
                what: crate::report::one_line(&m.original),
            })
            .collect();
        statements.sort_by_key(|f| (f.first_line, f.last_line));
        found.unnoticed.extend(merge_adjacent(statements));

        let Some(coverage) = &coverage else {
            continue;
        };
        let ends = function_end_lines(root, file);
        for function in &file.functions {
            let selected = file
                .mutants
                .iter()
                .any(|m| m.function == function.key && selector.matches(&m.id));
            if !selected || !coverage.tests_for(&function.key).is_empty() {
                continue;
            }
            let last_line = ends
                .iter()
                .find(|(key, _)| *key == function.key.as_str())
                .map_or(function.line, |(_, end)| *end);
            found.unreached.push(Finding {
                file: file.source.clone(),
                first_line: function.line,
                last_line: last_line.max(function.line),
                what: function.key.as_str().to_string(),
            });
        }
    }
    found
        .unreached
        .sort_by(|a, b| (&a.file, a.first_line).cmp(&(&b.file, b.first_line)));
    Ok(found)
}

/// Consecutive findings (the next starts on the line after the previous ends, or inside it)
/// become one range; the text is the first one's.
fn merge_adjacent(findings: Vec<Finding>) -> Vec<Finding> {
    let mut merged: Vec<Finding> = Vec::new();
    for finding in findings {
        match merged.last_mut() {
            Some(last) if finding.first_line <= last.last_line + 1 => {
                last.last_line = last.last_line.max(finding.last_line);
            }
            _ => merged.push(finding),
        }
    }
    merged
}

/// Each trampolinable function's key and last line, from the source as it is now (empty when
/// it cannot be read or parsed: the report then names the `def` line alone).
fn function_end_lines(root: &Path, file: &FileMeta) -> Vec<(String, usize)> {
    let Ok(source) = std::fs::read_to_string(root.join(&file.source)) else {
        return Vec::new();
    };
    let Ok(parsed) = ruff_python_parser::parse_module(&source) else {
        return Vec::new();
    };
    let lines = LineIndex::new(&source);
    let Ok(pragmas) = Pragmas::scan(&source, parsed.tokens()) else {
        return Vec::new();
    };
    crate::generate::functions::find(parsed.syntax(), &file.module, &pragmas)
        .into_iter()
        .map(|site| {
            let end = usize::from(ruff_text_size::Ranged::end(site.def));
            // The range ends after the last statement's text; a trailing newline is not a line.
            let end = source[..end].trim_end_matches(['\n', '\r']).len();
            let (line, _) = lines.position(&source, end.saturating_sub(1));
            (site.key.as_str().to_string(), line)
        })
        .collect()
}

/// The report `run --dead-code` prints on stdout.
pub fn report_text(found: &DeadCode) -> String {
    let mut out = String::new();
    if found.unnoticed.is_empty() && found.unreached.is_empty() {
        out.push_str("no dead code found: every statement's removal fails a test, and every function is reached\n");
        return out;
    }
    let width = found
        .unnoticed
        .iter()
        .chain(&found.unreached)
        .map(|f| f.location().chars().count())
        .max()
        .unwrap_or(0);
    if !found.unnoticed.is_empty() {
        out.push_str(&format!(
            "statements no test needs ({}): removing them fails no test — delete them, or test what they do\n",
            found.unnoticed.len()
        ));
        for finding in &found.unnoticed {
            out.push_str(&format!(
                "  {:<width$}  {}\n",
                finding.location(),
                finding.what
            ));
        }
    }
    if !found.unreached.is_empty() {
        out.push_str(&format!(
            "functions no test reaches ({}): delete them, or write tests that call them\n",
            found.unreached.len()
        ));
        for finding in &found.unreached {
            out.push_str(&format!(
                "  {:<width$}  {}\n",
                finding.location(),
                finding.what
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(first_line: usize, last_line: usize, what: &str) -> Finding {
        Finding {
            file: "pkg/mod.py".into(),
            first_line,
            last_line,
            what: what.into(),
        }
    }

    #[test]
    fn adjacent_statements_merge_into_one_range() {
        let merged = merge_adjacent(vec![
            finding(3, 3, "a = 1"),
            finding(4, 5, "b = f(…"),
            finding(7, 7, "c = 2"),
        ]);
        assert_eq!(merged, [finding(3, 5, "a = 1"), finding(7, 7, "c = 2")]);
        assert_eq!(merged[0].location(), "pkg/mod.py:3-5");
        assert_eq!(merged[1].location(), "pkg/mod.py:7");
    }

    #[test]
    fn the_report_lists_both_kinds() {
        let found = DeadCode {
            unnoticed: vec![finding(9, 9, "checked = len(prices)")],
            unreached: vec![finding(13, 16, "pkg.mod.refund")],
        };
        assert_eq!(
            report_text(&found),
            "statements no test needs (1): removing them fails no test — delete them, or test what they do\n\
             \x20 pkg/mod.py:9      checked = len(prices)\n\
             functions no test reaches (1): delete them, or write tests that call them\n\
             \x20 pkg/mod.py:13-16  pkg.mod.refund\n"
        );
        assert!(report_text(&DeadCode::default()).starts_with("no dead code found"));
    }
}
