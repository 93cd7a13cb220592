//! `mutate_only_covered_lines`: which mutants sit on lines no test executes. The stats pass
//! records the lines of the trampolined files that ran (`coverage::LineRecord`); this maps them back
//! to the original sources through the rewrite's insertions (`trampoline::inserted_lines`).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

use crate::coverage::{Coverage, LineRecord};
use crate::domain::hash::sha256_hex;
use crate::generate::{analyze, GenerateSettings};
use crate::record::meta::{FileMeta, MutantMeta};

/// Where each original line is in the rewritten file.
#[derive(Debug, Default, PartialEq)]
pub struct LineMap {
    /// `rendered[l - 1]`: the rewritten file's line holding original line `l`; `None` when the
    /// rewrite split that line (its text is on more than one line).
    rendered: Vec<Option<usize>>,
}

impl LineMap {
    /// The map for `source` rewritten by inserting, at each byte offset, that many line breaks.
    pub fn new(source: &str, inserted: &[(usize, usize)]) -> LineMap {
        let mut starts = vec![0];
        starts.extend(source.match_indices('\n').map(|(i, _)| i + 1));
        if starts.last() == Some(&source.len()) && !source.is_empty() {
            starts.pop();
        }
        let mut rendered = Vec::with_capacity(starts.len());
        let mut shift = 0;
        let mut inserts = inserted.iter().peekable();
        for (i, &start) in starts.iter().enumerate() {
            let end = starts.get(i + 1).copied().unwrap_or(usize::MAX);
            // Insertions at the start of this line push it down; ones inside it split it (and
            // push only the lines after it down).
            let mut split = false;
            let mut later = 0;
            while let Some(&&(offset, breaks)) = inserts.peek() {
                if offset >= end {
                    break;
                }
                if offset <= start {
                    shift += breaks;
                } else {
                    split |= breaks > 0;
                    later += breaks;
                }
                inserts.next();
            }
            rendered.push((!split).then_some(i + 1 + shift));
            shift += later;
        }
        LineMap { rendered }
    }

    pub fn rendered(&self, line: usize) -> Option<usize> {
        self.rendered.get(line.checked_sub(1)?).copied().flatten()
    }
}

/// The executed lines of every mutated file, in original line numbers.
pub struct ExecutedLines {
    files: HashMap<String, FileLines>,
}

struct FileLines {
    map: LineMap,
    executed: HashSet<usize>,
    code: HashSet<usize>,
}

impl ExecutedLines {
    /// Maps `recorded` (from the stats pass) onto the sources of `files`, read from `root` and
    /// generated again with `settings` to find the rewrite's insertions. A file whose source
    /// changed since its `.meta` is left out: its mutants are never skipped.
    pub fn new<'a>(
        root: &Path,
        settings: &GenerateSettings,
        files: impl Iterator<Item = &'a FileMeta>,
        recorded: &BTreeMap<String, LineRecord>,
    ) -> ExecutedLines {
        let mut out = HashMap::new();
        for file in files {
            let Ok(bytes) = std::fs::read(root.join(&file.source)) else {
                continue;
            };
            if sha256_hex(&bytes) != file.source_sha256 {
                continue;
            }
            let Ok(generated) = analyze(
                &bytes,
                Path::new(&file.source),
                &file.module,
                true,
                settings,
            ) else {
                continue;
            };
            let source = String::from_utf8_lossy(&bytes);
            let record = recorded.get(&file.source).cloned().unwrap_or_default();
            out.insert(
                file.source.clone(),
                FileLines {
                    map: LineMap::new(&source, &generated.inserted_lines),
                    executed: record.executed.into_iter().collect(),
                    code: record.code.into_iter().collect(),
                },
            );
        }
        ExecutedLines { files: out }
    }

    /// Why `mutant` is skipped (no test executes its lines), or `None` when a test may execute
    /// it. Skipped: its function reaches no test, or none of its lines ran although one of them
    /// holds code of a code object that started. A line with no code of its own (a folded
    /// constant, a continuation line) or one the rewrite split never counts as unexecuted.
    pub fn skip_reason(
        &self,
        file: &FileMeta,
        mutant: &MutantMeta,
        coverage: &Coverage,
    ) -> Option<String> {
        let reason = || {
            Some(format!(
                "no test executes line {} (mutate_only_covered_lines)",
                mutant.line
            ))
        };
        if coverage.tests_for(&mutant.function).is_empty() {
            return reason();
        }
        let lines = self.files.get(&file.source)?;
        let mut has_code = false;
        for line in mutant.line..=mutant.end_line.max(mutant.line) {
            let rendered = lines.map.rendered(line)?;
            if lines.executed.contains(&rendered) {
                return None;
            }
            has_code |= lines.code.contains(&rendered);
        }
        if has_code {
            reason()
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_move_down_past_insertions_and_split_lines_are_unknown() {
        let source = "a\nb\nc d\ne\n";
        // Two lines before `b`; one break inside `c d` (after `c `); one line before `e`.
        let map = LineMap::new(source, &[(2, 2), (6, 1), (8, 1)]);
        assert_eq!(map.rendered(1), Some(1));
        assert_eq!(map.rendered(2), Some(4));
        assert_eq!(map.rendered(3), None);
        assert_eq!(map.rendered(4), Some(8));
        assert_eq!(map.rendered(5), None);
        assert_eq!(map.rendered(0), None);
    }

    #[test]
    fn source_lines_map_onto_the_rewritten_file_with_annotated_variants() {
        let source = "import os\n\n\ndef add(a, /, b: int = 1, *rest: str, k: \"T\", **kw: object) -> int:\n    return a + b\n";
        let settings = GenerateSettings {
            annotate_variants: true,
            ..GenerateSettings::default()
        };
        let generated = analyze(source.as_bytes(), Path::new("m.py"), "m", true, &settings)
            .unwrap_or_else(|_| panic!("analyzes"));
        let rendered = generated.rendered.expect("rendered");
        assert!(
            rendered.contains(
                "def _mutrun_f0_2(a, /, b: int, *rest: str, k: \"T\", **kw: object) -> int:"
            ),
            "{rendered}"
        );
        let map = LineMap::new(source, &generated.inserted_lines);
        let lines: Vec<&str> = rendered.lines().collect();
        for (i, original) in source.lines().enumerate() {
            let at = map.rendered(i + 1).expect("mapped");
            assert_eq!(lines[at - 1], original, "line {}", i + 1);
        }
    }

    #[test]
    fn a_same_line_insertion_without_breaks_keeps_the_line() {
        let map = LineMap::new("x = 1; y = 2\nz\n", &[(7, 0)]);
        assert_eq!(map.rendered(1), Some(1));
        assert_eq!(map.rendered(2), Some(2));
    }
}
