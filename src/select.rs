//! Which mutants a command acts on: ids or globs given on the command line.

use globset::{Glob, GlobSet, GlobSetBuilder};

use crate::error::{Error, Result};
use crate::mutant::MutantId;

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
}
