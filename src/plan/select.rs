//! Which mutants a command acts on: ids or globs, operators, lines changed by a diff, one shard
//! of N, a reproducible random sample — in that order of narrowing.

use globset::{Glob, GlobSet, GlobSetBuilder};

use std::collections::HashSet;

use crate::domain::error::{Error, Result};
use crate::domain::hash::sha256_hex;
use crate::domain::mutant::MutantId;
use crate::domain::operators::Operator;
use crate::plan::changed_lines::ChangedLines;
use crate::record::meta::{FileMeta, MutantMeta};

/// Matches mutant ids against patterns; no pattern selects everything.
pub struct Selector {
    set: Option<GlobSet>,
}

impl Selector {
    pub fn new(patterns: &[String]) -> Result<Selector> {
        if patterns.is_empty() {
            return Ok(Selector { set: None });
        }
        let mut builder = GlobSetBuilder::new();
        for pattern in patterns {
            let glob = Glob::new(pattern)
                .map_err(|e| Error::usage(format!("`{pattern}` is not a valid id or glob: {e}")))?;
            builder.add(glob);
        }
        let set = builder
            .build()
            .map_err(|e| Error::usage(format!("invalid mutant patterns: {e}")))?;
        Ok(Selector { set: Some(set) })
    }

    pub fn matches(&self, id: &MutantId) -> bool {
        self.set
            .as_ref()
            .is_none_or(|set| set.is_match(id.as_str()))
    }
}

/// `--shard K/N`: the K-th of N parts (1-based). A mutant's part depends on its id alone, so the
/// split is the same on every machine and in every run, and new mutants do not move old ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: u64,
    pub count: u64,
}

impl Shard {
    pub fn parse(text: &str) -> Result<Shard> {
        let bad = || {
            Error::usage(format!(
                "`--shard {text}` is not K/N with 1 <= K <= N (for example `--shard 2/4`)"
            ))
        };
        let (k, n) = text.split_once('/').ok_or_else(bad)?;
        let index: u64 = k.trim().parse().map_err(|_| bad())?;
        let count: u64 = n.trim().parse().map_err(|_| bad())?;
        if index == 0 || count == 0 || index > count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }

    pub fn contains(&self, id: &MutantId) -> bool {
        stable_hash(id.as_str()) % self.count == self.index - 1
    }
}

fn stable_hash(text: &str) -> u64 {
    let hex = sha256_hex(text.as_bytes());
    u64::from_str_radix(&hex[..16], 16).unwrap_or(0)
}

/// Everything that narrows the mutants of a run.
#[derive(Default)]
pub struct Selection {
    pub patterns: Vec<String>,
    pub changed: Option<ChangedLines>,
    pub shard: Option<Shard>,
    /// `--sample N --seed S`.
    pub sample: Option<(usize, u64)>,
    /// Only mutants of these operators (`run --dead-code`); `None`: any.
    pub operators: Option<Vec<Operator>>,
}

impl Selection {
    /// The ids of the chosen mutants among `mutants`.
    pub fn choose<'a>(
        &self,
        mutants: impl Iterator<Item = (&'a FileMeta, &'a MutantMeta)>,
    ) -> Result<HashSet<MutantId>> {
        let selector = Selector::new(&self.patterns)?;
        let mut chosen: Vec<&MutantId> = mutants
            .filter(|(_, m)| selector.matches(&m.id))
            .filter(|(_, m)| {
                self.operators
                    .as_ref()
                    .is_none_or(|ops| ops.contains(&m.operator))
            })
            .filter(|(f, m)| {
                self.changed
                    .as_ref()
                    .is_none_or(|c| c.touches(&f.source, m.line, m.end_line))
            })
            .filter(|(_, m)| self.shard.is_none_or(|s| s.contains(&m.id)))
            .map(|(_, m)| &m.id)
            .collect();
        if let Some((n, seed)) = self.sample {
            chosen.sort_by_cached_key(|id| stable_hash(&format!("{seed}:{id}")));
            chosen.truncate(n);
        }
        Ok(chosen.into_iter().cloned().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_and_exact_ids_select_mutants() {
        let selector = Selector::new(&["pkg.mod.*".into(), "other.f:3".into()]).expect("valid");
        assert!(selector.matches(&MutantId("pkg.mod.A.f:1".into())));
        assert!(selector.matches(&MutantId("other.f:3".into())));
        assert!(!selector.matches(&MutantId("other.f:31".into())));
        assert!(!selector.matches(&MutantId("pkg.other.f:1".into())));
    }

    #[test]
    fn a_bad_glob_names_itself() {
        let err = Selector::new(&["pkg.[".into()])
            .err()
            .map(|e| e.to_string());
        assert!(err.is_some_and(|e| e.starts_with("`pkg.[` is not a valid id or glob")));
    }

    #[test]
    fn shards_partition_the_mutants_the_same_way_every_time() {
        let ids: Vec<MutantId> = (0..300).map(|i| MutantId(format!("m.f{i}:1"))).collect();
        let shards: Vec<Shard> = (1..=3).map(|k| Shard { index: k, count: 3 }).collect();
        for id in &ids {
            assert_eq!(shards.iter().filter(|s| s.contains(id)).count(), 1, "{id}");
        }
        for shard in &shards {
            let size = ids.iter().filter(|id| shard.contains(id)).count();
            assert!(size > 70, "shard {shard:?} has only {size} of 300");
        }
    }

    #[test]
    fn shard_syntax_errors_say_what_is_expected() {
        assert_eq!(Shard::parse("2/4").ok(), Some(Shard { index: 2, count: 4 }));
        for bad in ["0/4", "5/4", "2", "a/b", "1/0"] {
            let err = Shard::parse(bad).err().map(|e| e.to_string());
            assert!(err.is_some_and(|e| e.contains("is not K/N")), "{bad}");
        }
    }
}
