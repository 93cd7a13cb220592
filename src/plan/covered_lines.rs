//! `mutate_only_covered_lines`: which mutants sit on lines no test executes. The stats pass
//! records the lines of the trampolined files that ran (`coverage::LineRecord`); this maps them back
//! to the original sources through the rewrite's insertions (`trampoline::inserted_lines`).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

use crate::coverage::{Coverage, LineRecord};
use crate::domain::hash::sha256_hex;
use crate::generate::line_map::LineMap;
use crate::generate::{analyze, GenerateSettings};
use crate::record::meta::{FileMeta, MutantMeta};

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
        // The lines its check reads: the mutant's whole reach.
        let reason = || {
            Some(format!(
                "no test executes {} (mutate_only_covered_lines)",
                crate::coverage::lines_text(&file.span(mutant))
            ))
        };
        if coverage.tests_for(&mutant.function).is_empty() {
            return reason();
        }
        if !coverage.lines_cover(&file.span(mutant)) {
            return None;
        }
        let lines = self.files.get(&file.source)?;
        let mut has_code = false;
        let (first, last) = mutant.reach_lines();
        for line in first..=last {
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
}
