//! Equivalent-mutant marks: `mutrun-marks.toml` at the project root (committed with the project),
//! read on every run and report. A marked mutant is `ignored`: never run, left out of the score.
//!
//! A mark names its mutant by what survives unrelated edits and line moves: the function key
//! (`module.qualname`), the operator, the edited text and its replacement, and which occurrence of
//! that same change it is inside the function (1-based, in source order). Format in ARCHITECTURE.md.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::domain::atomic::write_atomic;
use crate::domain::error::{Error, Result};
use crate::domain::mutant::{MutantId, MutantKey};
use crate::domain::verdict::Verdict;
use crate::record::meta::{FileMeta, VerdictRecord};

/// The marks file's name, at the project root.
pub const MARKS_FILE: &str = "mutrun-marks.toml";

/// One equivalent mutant and why it cannot be killed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mark {
    #[serde(flatten)]
    pub key: MutantKey,
    pub reason: String,
}

impl Mark {
    /// `module.qualname [operator] original → replacement (#n)`, for warnings.
    pub fn describe(&self) -> String {
        format!(
            "{} [{}] {} → {} (occurrence {})",
            self.key.function,
            self.key.operator.name(),
            self.key.original,
            self.key.replacement,
            self.key.occurrence
        )
    }
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct MarksDoc {
    #[serde(default)]
    equivalent: Vec<Mark>,
}

/// The marks of one project, sorted by key.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Marks {
    marks: BTreeMap<MutantKey, String>,
}

/// Marks matched against the current mutants.
#[derive(Debug, Default)]
pub struct Resolved {
    /// Marked mutants and their reasons.
    pub ignored: HashMap<MutantId, String>,
    /// Marks whose mutant no longer exists.
    pub stale: Vec<Mark>,
}

pub fn path(root: &Path) -> PathBuf {
    root.join(MARKS_FILE)
}

impl Marks {
    /// Reads `root/mutrun-marks.toml`; no file means no marks. A file that cannot be parsed is an
    /// error naming it (and the line), so a bad merge is noticed rather than marks silently lost.
    pub fn load(root: &Path) -> Result<Marks> {
        let path = path(root);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Marks::default()),
            Err(e) => return Err(Error::io("read", &path, e)),
        };
        let doc: MarksDoc = toml::from_str(&text).map_err(|e| {
            Error::usage(format!(
                "{} cannot be read: {e}\nFix the file (each [[equivalent]] entry needs function, \
                 operator, original, replacement, occurrence and reason) or remove it.",
                path.display()
            ))
        })?;
        let mut marks = Marks::default();
        for mark in doc.equivalent {
            marks.marks.insert(mark.key, mark.reason);
        }
        Ok(marks)
    }

    /// Writes the marks to `root/mutrun-marks.toml` atomically, sorted, one entry per table; with
    /// no marks left the file is removed.
    pub fn save(&self, root: &Path) -> Result<()> {
        let path = path(root);
        if self.marks.is_empty() {
            return match std::fs::remove_file(&path) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                    Err(Error::io("remove", &path, e))
                }
                _ => Ok(()),
            };
        }
        write_atomic(&path, self.render().as_bytes())
    }

    fn render(&self) -> String {
        let quote = |s: &str| toml::Value::String(s.to_string()).to_string();
        let mut out = String::from(
            "# Equivalent mutants: mutrun reports them as `ignored`, never runs them, and leaves them\n\
             # out of the score. Written by `mutrun mark ID --equivalent --reason \"…\"` and\n\
             # `mutrun unmark ID`; commit this file with the project.\n",
        );
        for (key, reason) in &self.marks {
            out.push_str(&format!(
                "\n[[equivalent]]\nfunction = {}\noperator = {}\noriginal = {}\nreplacement = {}\noccurrence = {}\nreason = {}\n",
                quote(&key.function),
                quote(key.operator.name()),
                quote(&key.original),
                quote(&key.replacement),
                key.occurrence,
                quote(reason)
            ));
        }
        out
    }

    pub fn is_empty(&self) -> bool {
        self.marks.is_empty()
    }

    /// Marks `key` with `reason`; returns the previous reason when it was marked already.
    pub fn insert(&mut self, key: MutantKey, reason: String) -> Option<String> {
        self.marks.insert(key, reason)
    }

    /// Removes the mark of `key`; returns its reason when there was one.
    pub fn remove(&mut self, key: &MutantKey) -> Option<String> {
        self.marks.remove(key)
    }

    pub fn reason(&self, key: &MutantKey) -> Option<&str> {
        self.marks.get(key).map(String::as_str)
    }

    /// Matches the marks against the mutants of `files`.
    pub fn resolve<'a>(&self, files: impl Iterator<Item = &'a FileMeta>) -> Resolved {
        let mut resolved = Resolved::default();
        if self.marks.is_empty() {
            return resolved;
        }
        let mut found = std::collections::HashSet::new();
        for file in files {
            for (mutant, key) in file.mutants.iter().zip(file.mutant_keys()) {
                if let Some(reason) = self.marks.get(&key) {
                    resolved.ignored.insert(mutant.id.clone(), reason.clone());
                    found.insert(key);
                }
            }
        }
        resolved.stale = self
            .marks
            .iter()
            .filter(|(key, _)| !found.contains(*key))
            .map(|(key, reason)| Mark {
                key: key.clone(),
                reason: reason.clone(),
            })
            .collect();
        resolved
    }

    /// Gives every marked mutant of `files` the verdict `ignored` (in memory, for reports: the
    /// `.meta` files keep their verdicts, so `unmark` brings the old one back). Returns the stale
    /// marks.
    pub fn overlay(&self, files: &mut [FileMeta]) -> Vec<Mark> {
        let resolved = self.resolve(files.iter());
        for file in files.iter_mut() {
            let hashes: HashMap<_, _> = file
                .functions
                .iter()
                .map(|f| (f.key.clone(), f.sha256.clone()))
                .collect();
            for mutant in &mut file.mutants {
                if let Some(reason) = resolved.ignored.get(&mutant.id) {
                    mutant.verdict = Some(ignored_record(
                        reason,
                        hashes.get(&mutant.function).cloned().unwrap_or_default(),
                    ));
                }
            }
        }
        resolved.stale
    }
}

/// The verdict record reports show for a marked mutant.
pub fn ignored_record(reason: &str, function_sha256: String) -> VerdictRecord {
    VerdictRecord::new(Verdict::Ignored, function_sha256)
        .with_detail(Some(format!("equivalent: {reason}")))
}

/// One warning line per stale mark, saying how to clear it.
pub fn stale_warnings(stale: &[Mark]) -> Vec<String> {
    stale
        .iter()
        .map(|mark| {
            format!(
                "stale mark in {MARKS_FILE}: {} no longer exists (its code changed or its operator \
                 is disabled); remove the entry or mark the mutant again",
                mark.describe()
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::operators::Operator;
    use crate::record::meta::test_catalog::{self, mutant};

    fn file() -> FileMeta {
        test_catalog::file(vec![
            mutant("m.f:1", Operator::BinaryOp, "+", "-"),
            mutant("m.f:2", Operator::Number, "1", "2"),
            mutant("m.f:3", Operator::BinaryOp, "+", "-"),
        ])
    }

    #[test]
    fn repeated_changes_are_told_apart_by_occurrence() {
        let keys = file().mutant_keys();
        assert_eq!(keys[0].occurrence, 1);
        assert_eq!(keys[1].occurrence, 1);
        assert_eq!(keys[2].occurrence, 2);
        assert_ne!(keys[0], keys[2]);
    }

    #[test]
    fn the_file_round_trips_sorted_and_overlays_ignored() {
        let dir = tempfile::tempdir().expect("temp dir");
        let f = file();
        let mut marks = Marks::default();
        marks.insert(f.mutant_keys()[2].clone(), "a \"quoted\" reason".into());
        marks.insert(f.mutant_keys()[0].clone(), "first".into());
        marks.save(dir.path()).expect("save");
        let text = std::fs::read_to_string(path(dir.path())).expect("read");
        assert!(
            text.find("occurrence = 1") < text.find("occurrence = 2"),
            "{text}"
        );
        let loaded = Marks::load(dir.path()).expect("load");
        assert_eq!(loaded, marks);
        let mut files = vec![f];
        assert!(loaded.overlay(&mut files).is_empty());
        let verdicts: Vec<_> = files[0]
            .mutants
            .iter()
            .map(|m| files[0].valid_verdict(m).map(|r| r.verdict))
            .collect();
        assert_eq!(
            verdicts,
            [Some(Verdict::Ignored), None, Some(Verdict::Ignored)]
        );
        marks.remove(&files[0].mutant_keys()[0]);
        marks.remove(&files[0].mutant_keys()[2]);
        marks.save(dir.path()).expect("save");
        assert!(!path(dir.path()).exists());
    }

    #[test]
    fn a_mark_without_its_mutant_is_stale() {
        let mut marks = Marks::default();
        let mut key = file().mutant_keys()[0].clone();
        key.original = "*".into();
        marks.insert(key, "gone".into());
        let resolved = marks.resolve([file()].iter());
        assert!(resolved.ignored.is_empty());
        assert_eq!(resolved.stale.len(), 1);
    }

    #[test]
    fn a_broken_file_is_an_error_naming_it() {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(path(dir.path()), "[[equivalent]]\nfunction = 3\n").expect("write");
        let error = Marks::load(dir.path()).expect_err("must fail");
        assert!(error.to_string().contains(MARKS_FILE), "{error}");
    }
}
