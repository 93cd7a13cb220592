//! The `.meta` store: one JSON file beside each mutated file in `mutants/`, holding the file's
//! mutant catalog and every verdict computed for it. Format in ARCHITECTURE.md.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::coverage::MutantSpan;
use crate::domain::atomic::write_atomic;
use crate::domain::error::{Error, Result};
use crate::domain::mutant::{FunctionKey, MutantId, MutantKey};
use crate::domain::operators::Operator;
use crate::domain::verdict::Verdict;

/// Bumped when the layout changes incompatibly; older files are then recomputed.
pub const META_FORMAT: u32 = 1;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FileMeta {
    pub format: u32,
    /// The mutrun version that generated the catalog; another version regenerates it.
    pub mutrun_version: String,
    /// The source file, relative to the project root, with `/` separators.
    pub source: String,
    pub module: String,
    pub source_sha256: String,
    /// Hash of the file generation wrote at the source's place in `mutants/` (the trampolined
    /// module, or the source itself when it has no mutants): a file that differs was overwritten
    /// (by a test that writes package sources) and is written again. Absent in `.meta` files of
    /// mutrun versions before it: their file is rendered again once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rendered_sha256: Option<String>,
    pub functions: Vec<FunctionMeta>,
    pub mutants: Vec<MutantMeta>,
    /// Code inside functions left alone by pragmas or coverage exclusions (`list --skipped`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub skipped: Vec<SkippedCode>,
}

/// A function, or a run of lines in one, that pragmas or coverage exclusions leave alone.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SkippedCode {
    pub function: FunctionKey,
    /// 1-based lines, inclusive.
    pub first_line: usize,
    pub last_line: usize,
    /// Lines of code in it (blank and comment-only lines not counted).
    pub lines: usize,
    /// The whole function is left alone (else a run of its lines).
    pub whole_function: bool,
    pub reason: crate::generate::pragma::SkipReason,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FunctionMeta {
    pub key: FunctionKey,
    pub qualname: String,
    /// 1-based line of the `def`.
    pub line: usize,
    /// Hash of the function's source text (with decorators) and the mutrun version: a verdict
    /// stays valid while this is unchanged.
    pub sha256: String,
    /// It may store what it computed where later tests find it (`generate::state`): its
    /// mutants select tests by function, not by line.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub keeps_state: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MutantMeta {
    pub id: MutantId,
    pub function: FunctionKey,
    pub operator: Operator,
    /// 1-based line and column of the edit's start and end in the original file.
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
    /// Byte offsets of the edit in the original file.
    pub start: usize,
    pub end: usize,
    /// The original text of the edited range and its replacement.
    pub original: String,
    pub replacement: String,
    /// The first and last line of the code whose evaluation the edit changes (the smallest
    /// statement or expression holding it, `Mutation::reach`), when wider than the edit's own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reach: Option<(usize, usize)>,
    /// Its code runs only while its function's own call runs (`Mutation::only_in_call`): when
    /// none of its lines ran at import, a forked child may test it though its function ran there.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub only_in_call: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verdict: Option<VerdictRecord>,
}

impl MutantMeta {
    /// The lines a test must run to see this mutant: those of the code whose evaluation the
    /// edit changes (`reach`), else the edit's own.
    pub fn reach_lines(&self) -> (usize, usize) {
        self.reach
            .unwrap_or((self.line, self.end_line.max(self.line)))
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct VerdictRecord {
    pub verdict: Verdict,
    /// Wall-clock seconds the mutant's test process took.
    pub seconds: f64,
    /// Node ids of the tests that ran, in the order they ran.
    #[serde(default)]
    pub tests_run: Vec<String>,
    /// The first test that failed, for a killed mutant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub killer: Option<String>,
    /// The function hash this verdict was computed for.
    pub function_sha256: String,
    /// Extra facts for non-obvious verdicts (the signal, the exit code, the timeout).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Source hash of the killing test when it killed (see `src/plan/reuse.rs`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub killer_sha256: Option<String>,
    /// Hash of the covering tests (ids and source hashes) when the verdict was reached.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tests_sha256: Option<String>,
}

impl MutantMeta {
    /// `text` with this mutant's edit made, or `None` when its offsets do not fit `text` (the
    /// source is not the one the catalog was made from). `show`, `apply`, `browse` and `verify`
    /// all patch a source this way.
    pub fn applied_to(&self, text: &str) -> Option<String> {
        Some(format!(
            "{}{}{}",
            text.get(..self.start)?,
            self.replacement,
            text.get(self.end..)?
        ))
    }
}

impl VerdictRecord {
    /// The one constructor: `verdict`, reached on the function source whose hash is
    /// `function_sha256`. What a test run adds (`with_run`), a reason (`with_detail`) and the
    /// reuse stamps (`plan::reuse::stamp`) are set after.
    pub fn new(verdict: Verdict, function_sha256: String) -> Self {
        VerdictRecord {
            verdict,
            seconds: 0.0,
            tests_run: Vec::new(),
            killer: None,
            function_sha256,
            detail: None,
            killer_sha256: None,
            tests_sha256: None,
        }
    }

    /// The facts of the test process behind the verdict: its seconds, the tests it ran, in order,
    /// and the first that failed.
    pub fn with_run(
        mut self,
        seconds: f64,
        tests_run: Vec<String>,
        killer: Option<String>,
    ) -> Self {
        self.seconds = seconds;
        self.tests_run = tests_run;
        self.killer = killer;
        self
    }

    /// The signal, exit code, budget or reason behind a verdict that is not plain killed/survived.
    pub fn with_detail(mut self, detail: Option<String>) -> Self {
        self.detail = detail;
        self
    }
}

impl FileMeta {
    /// Where `mutant` (one of this file's) is, for line-level selection.
    pub fn span<'a>(&'a self, mutant: &'a MutantMeta) -> MutantSpan<'a> {
        let (line, end_line) = mutant.reach_lines();
        MutantSpan {
            function: &mutant.function,
            source: &self.source,
            line,
            end_line,
            keeps_state: self.keeps_state(&mutant.function),
            only_in_call: mutant.only_in_call,
        }
    }

    /// Whether `function` may keep state between tests (`FunctionMeta::keeps_state`).
    pub fn keeps_state(&self, function: &FunctionKey) -> bool {
        self.functions
            .iter()
            .any(|f| &f.key == function && f.keeps_state)
    }

    /// The keys of every mutant of this file, in catalog order (what marks and carried-over
    /// verdicts find a mutant by across edits that do not touch it).
    pub fn mutant_keys(&self) -> Vec<MutantKey> {
        let mut seen: HashMap<(&str, Operator, &str, &str), usize> = HashMap::new();
        self.mutants
            .iter()
            .map(|m| {
                let n = seen
                    .entry((
                        m.function.as_str(),
                        m.operator,
                        m.original.as_str(),
                        m.replacement.as_str(),
                    ))
                    .or_default();
                *n += 1;
                MutantKey {
                    function: m.function.as_str().to_string(),
                    operator: m.operator,
                    original: m.original.clone(),
                    replacement: m.replacement.clone(),
                    occurrence: *n,
                }
            })
            .collect()
    }

    /// The key of `mutant`, one of this file's mutants.
    pub fn key_of(&self, mutant: &MutantMeta) -> Option<MutantKey> {
        let at = self.mutants.iter().position(|m| m.id == mutant.id)?;
        self.mutant_keys().into_iter().nth(at)
    }

    pub fn function(&self, key: &FunctionKey) -> Option<&FunctionMeta> {
        self.functions.iter().find(|f| &f.key == key)
    }

    /// Whether the stored verdict of `mutant` still applies to the current function source.
    pub fn valid_verdict<'m>(&self, mutant: &'m MutantMeta) -> Option<&'m VerdictRecord> {
        let record = mutant.verdict.as_ref()?;
        let function = self.function(&mutant.function)?;
        (function.sha256 == record.function_sha256).then_some(record)
    }
}

/// `mutants/<source>.meta` for a source path relative to the project root.
pub fn meta_path(mutants_dir: &Path, source: &Path) -> PathBuf {
    let mut name = source.as_os_str().to_os_string();
    name.push(".meta");
    mutants_dir.join(name)
}

/// Reads one `.meta` file. `Ok(None)` when it does not exist; an unreadable or corrupt file is an
/// error the caller may downgrade to a warning and recompute.
pub fn read(path: &Path) -> Result<Option<FileMeta>> {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Error::io("read", path, e)),
    };
    let meta: FileMeta = serde_json::from_slice(&bytes)
        .map_err(|e| Error::other(format!("{} is corrupt ({e})", path.display())))?;
    if meta.format != META_FORMAT {
        return Ok(None);
    }
    Ok(Some(meta))
}

pub fn write(path: &Path, meta: &FileMeta) -> Result<()> {
    let json = serde_json::to_vec_pretty(meta)
        .map_err(|e| Error::other(format!("cannot serialise {}: {e}", path.display())))?;
    write_atomic(path, &json)
}

/// Every `.meta` file under `mutants_dir` (outside `.mutrun/`), sorted by path.
pub fn find_all(mutants_dir: &Path) -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = walkdir::WalkDir::new(mutants_dir)
        .into_iter()
        .filter_entry(|e| e.file_name() != ".mutrun")
        .filter_map(|e| e.ok())
        .filter(|e| {
            e.file_type().is_file() && e.file_name().to_string_lossy().ends_with(".py.meta")
        })
        .map(|e| e.into_path())
        .collect();
    paths.sort();
    paths
}

/// Catalogs for unit tests: `m.py`, one function `m.f` (hash `F`) with the given mutants.
#[cfg(test)]
pub mod test_catalog {
    use super::*;

    /// Mutant `id` of `m.f` on line 1: `original` → `replacement`, without a verdict.
    pub fn mutant(id: &str, operator: Operator, original: &str, replacement: &str) -> MutantMeta {
        MutantMeta {
            id: MutantId(id.into()),
            function: FunctionKey("m.f".into()),
            operator,
            line: 1,
            column: 1,
            end_line: 1,
            end_column: 2,
            start: 0,
            end: 1,
            original: original.into(),
            replacement: replacement.into(),
            reach: None,
            only_in_call: false,
            verdict: None,
        }
    }

    /// `m.py` holding `m.f` and `mutants`.
    pub fn file(mutants: Vec<MutantMeta>) -> FileMeta {
        FileMeta {
            format: 1,
            mutrun_version: "0".into(),
            source: "m.py".into(),
            module: "m".into(),
            source_sha256: String::new(),
            rendered_sha256: None,
            functions: vec![FunctionMeta {
                key: FunctionKey("m.f".into()),
                qualname: "f".into(),
                line: 1,
                sha256: "F".into(),
                keeps_state: false,
            }],
            mutants,
            skipped: Vec::new(),
        }
    }
}
