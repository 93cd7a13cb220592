//! The lines each test executes, for line-level test selection. The plugin records them in the
//! trampolined files (stats.json's `traced`); [`map_traced`] turns them into source lines of the
//! functions' bodies once, after the pass, and stores them as each test's `lines` with the files'
//! `line_files`. Lines are stored as flattened inclusive runs: `[3, 5, 9, 9]` is 3, 4, 5 and 9.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::coverage::StatsFile;
use crate::domain::hash::sha256_hex;
use crate::generate::line_map::LineMap;
use crate::generate::{analyze, slash_path, GenerateSettings};
use crate::workspace::project::SourceFile;

/// One file's lines in a test's record: `[file index, runs]`.
pub type FileLines = (usize, Vec<usize>);

/// What the plugin writes in stats.json's `traced`: lines in the trampolined files' numbering.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct TracedLines {
    /// The mutated files the pass saw code of, relative to `mutants/`, with `/`.
    pub files: Vec<String>,
    /// Per file, the lines holding code of a code object that started.
    pub code: Vec<FileLines>,
    /// Per test, in the order of stats.json's `tests`: the lines it executed.
    pub tests: Vec<Vec<FileLines>>,
    /// The lines that ran before the first test: at import (conftests import the project) and
    /// collection.
    #[serde(default)]
    pub collection: Vec<FileLines>,
    /// Lines were recorded only while trampolined functions ran (the tracer of Python 3.9–3.11):
    /// code that runs after its function's call returned may be missing.
    #[serde(default)]
    pub within_calls: bool,
}

/// A mutated source file whose lines are known (stats.json's `line_files`); a test's `lines`
/// index this list.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct LineFile {
    /// Relative to the project root (and to `mutants/`), with `/`: a `.meta`'s `source`.
    pub path: String,
    /// The lines of the trampolined functions' bodies that the rewrite kept whole: only on
    /// these is "executed" known.
    pub body: Vec<usize>,
    /// The body lines holding code of a code object that started in the pass.
    pub code: Vec<usize>,
    /// The body lines that ran before the first test (import, collection); `None` in stats of
    /// a runtime that did not record them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_collection: Option<Vec<usize>>,
}

/// Sorted, distinct lines as flattened inclusive runs.
pub fn runs(lines: impl IntoIterator<Item = usize>) -> Vec<usize> {
    let sorted: BTreeSet<usize> = lines.into_iter().collect();
    let mut out: Vec<usize> = Vec::new();
    for line in sorted {
        match out.last_mut() {
            Some(last) if *last + 1 == line => *last = line,
            _ => out.extend([line, line]),
        }
    }
    out
}

/// Every line of `runs`.
pub fn expand(runs: &[usize]) -> impl Iterator<Item = usize> + '_ {
    runs.chunks(2)
        .flat_map(|pair| pair[0]..=pair.get(1).copied().unwrap_or(pair[0]))
}

/// Whether `runs` holds a line of `first..=last`.
pub fn overlaps(runs: &[usize], first: usize, last: usize) -> bool {
    runs.chunks(2).any(|pair| {
        let (start, end) = (pair[0], pair.get(1).copied().unwrap_or(pair[0]));
        start <= last && first <= end
    })
}

/// Whether `runs` holds every line of `first..=last`.
pub fn covers(runs: &[usize], first: usize, last: usize) -> bool {
    (first..=last).all(|line| overlaps(runs, line, line))
}

/// Maps the plugin's `traced` lines onto the sources: for each traced file that is one of
/// `sources` and whose trampolined copy in `mutants_dir` is what generating it now renders, the
/// lines inside function bodies. Files that do not qualify are left out of `line_files`, so their
/// mutants are selected by function. Sets `line_files` (even empty: lines were recorded) and each
/// test's `lines`; clears `traced`.
pub fn map_traced(
    stats: &mut StatsFile,
    root: &Path,
    mutants_dir: &Path,
    settings: &GenerateSettings,
    sources: &[SourceFile],
) {
    let Some(traced) = stats.traced.take() else {
        return;
    };
    let by_path: HashMap<String, &SourceFile> =
        sources.iter().map(|s| (slash_path(&s.path), s)).collect();
    let mut files = Vec::new();
    // traced file index → (index in `files`, trampolined line → body line)
    let mut mapped: HashMap<usize, (usize, HashMap<usize, usize>)> = HashMap::new();
    for (i, name) in traced.files.iter().enumerate() {
        let Some(source) = by_path.get(name) else {
            continue;
        };
        let Some((body, originals)) = body_lines(root, mutants_dir, settings, source) else {
            continue;
        };
        let code = source_runs(&traced.code, i, &originals);
        let at_collection = source_runs(&traced.collection, i, &originals);
        mapped.insert(i, (files.len(), originals));
        files.push(LineFile {
            path: name.clone(),
            body: runs(body),
            code,
            at_collection: Some(at_collection),
        });
    }
    for (test, lines) in stats.tests.iter_mut().zip(traced.tests) {
        let mut by_file: Vec<FileLines> = Vec::new();
        for (traced_file, traced_runs) in lines {
            let Some((index, originals)) = mapped.get(&traced_file) else {
                continue;
            };
            let source_lines =
                runs(expand(&traced_runs).filter_map(|l| originals.get(&l).copied()));
            if !source_lines.is_empty() {
                by_file.push((*index, source_lines));
            }
        }
        by_file.sort();
        test.lines = by_file;
    }
    stats.line_files = Some(files);
    stats.lines_within_calls = traced.within_calls;
}

/// The lines of traced file `file` in `records`, as runs of the source lines they hold
/// (`originals`: trampolined line → source line).
fn source_runs(
    records: &[FileLines],
    file: usize,
    originals: &HashMap<usize, usize>,
) -> Vec<usize> {
    runs(
        records
            .iter()
            .filter(|(f, _)| *f == file)
            .flat_map(|(_, r)| expand(r))
            .filter_map(|l| originals.get(&l).copied()),
    )
}

/// The body lines of `source`'s trampolined functions that the rewrite kept whole, and for each
/// the trampolined line that holds it (inverted: trampolined → source). `None` when the file
/// cannot be generated again or its copy in `mutants/` is not what generation renders now.
fn body_lines(
    root: &Path,
    mutants_dir: &Path,
    settings: &GenerateSettings,
    source: &SourceFile,
) -> Option<(Vec<usize>, HashMap<usize, usize>)> {
    let bytes = std::fs::read(root.join(&source.path)).ok()?;
    let generated = analyze(&bytes, &source.path, &source.module, true, settings).ok()?;
    let rendered = generated.rendered?;
    let copy = std::fs::read(mutants_dir.join(&source.path)).ok()?;
    if sha256_hex(&copy) != sha256_hex(rendered.as_bytes()) {
        return None;
    }
    let text = String::from_utf8_lossy(&bytes);
    let map = LineMap::new(&text, &generated.inserted_lines);
    let mut body = Vec::new();
    let mut originals = HashMap::new();
    for &(first, last) in &generated.body_lines {
        for line in first..=last {
            if let Some(at) = map.rendered(line) {
                body.push(line);
                originals.insert(at, line);
            }
        }
    }
    Some((body, originals))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_round_trip_and_answer_overlaps() {
        let r = runs([9, 3, 4, 5, 4, 12, 11]);
        assert_eq!(r, [3, 5, 9, 9, 11, 12]);
        assert_eq!(expand(&r).collect::<Vec<_>>(), [3, 4, 5, 9, 11, 12]);
        assert!(overlaps(&r, 5, 7) && overlaps(&r, 1, 3) && overlaps(&r, 9, 9));
        assert!(!overlaps(&r, 6, 8) && !overlaps(&r, 13, 20) && !overlaps(&[], 1, 1));
        assert!(covers(&r, 3, 5) && covers(&r, 11, 12) && !covers(&r, 5, 9));
        assert!(runs([]).is_empty());
    }

    #[test]
    fn traced_lines_become_body_lines_of_the_source() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        let mutants = root.join("mutants");
        std::fs::create_dir_all(mutants.join("pkg")).expect("mkdir");
        let source = "def f(x, y=1):\n    if x:\n        return x + 1\n    return y - 1\n";
        std::fs::create_dir_all(root.join("pkg")).expect("mkdir");
        std::fs::write(root.join("pkg/m.py"), source).expect("write");
        let settings = GenerateSettings::default();
        let file = SourceFile {
            path: "pkg/m.py".into(),
            module: "pkg.m".into(),
        };
        let generated = analyze(source.as_bytes(), &file.path, &file.module, true, &settings)
            .unwrap_or_else(|_| panic!("analyzes"));
        let rendered = generated.rendered.clone().expect("rendered");
        std::fs::write(mutants.join("pkg/m.py"), &rendered).expect("write");
        let map = LineMap::new(source, &generated.inserted_lines);
        let at = |l: usize| map.rendered(l).expect("mapped");
        // A test ran lines 2 and 3 (and the dispatch line just above line 2, which is no
        // source line); another ran 2 and 4.
        let dispatch = at(2) - 1;
        let mut stats = StatsFile {
            tests: vec![
                crate::coverage::TestStats {
                    id: "t::a".into(),
                    duration: 0.0,
                    outcome: "passed".into(),
                    functions: vec![],
                    sha256: String::new(),
                    lines: vec![],
                },
                crate::coverage::TestStats {
                    id: "t::b".into(),
                    duration: 0.0,
                    outcome: "passed".into(),
                    functions: vec![],
                    sha256: String::new(),
                    lines: vec![],
                },
            ],
            traced: Some(TracedLines {
                files: vec!["other.py".into(), "pkg/m.py".into()],
                code: vec![(1, runs([1, dispatch, at(2), at(3), at(4)]))],
                tests: vec![
                    vec![(0, vec![1, 1]), (1, runs([dispatch, at(2), at(3)]))],
                    vec![(1, runs([dispatch, at(2), at(4)]))],
                ],
                collection: vec![(1, runs([dispatch, at(2)]))],
                within_calls: true,
            }),
            ..StatsFile::default()
        };
        map_traced(&mut stats, root, &mutants, &settings, &[file]);
        assert_eq!(stats.traced, None);
        let files = stats.line_files.expect("line files");
        assert_eq!(
            files,
            [LineFile {
                path: "pkg/m.py".into(),
                body: vec![2, 4],
                code: vec![2, 4],
                at_collection: Some(vec![2, 2]),
            }]
        );
        assert_eq!(stats.tests[0].lines, [(0, vec![2, 3])]);
        assert_eq!(stats.tests[1].lines, [(0, vec![2, 2, 4, 4])]);
        assert!(stats.lines_within_calls);
    }
}
