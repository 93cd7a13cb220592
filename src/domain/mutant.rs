//! The types at the seam between finding mutations and running them: a [`Mutation`] (a text
//! edit inside one function), a [`Mutant`] (a numbered, identified mutation), and their ids.
//!
//! A mutant id reads `module.Qualified.name:N`, e.g. `isodate.isodates.parse_date:12`: stable while
//! the function's source is unchanged (N counts mutations in source order inside the function),
//! readable, free of shell metacharacters, and glob-able (`'isodate.isodates.*'`).

use serde::{Deserialize, Serialize};

use crate::domain::operators::Operator;

/// One text edit that turns a function into a mutant of it.
///
/// `start..end` are byte offsets into the original file's text; `replacement` replaces exactly
/// that slice. Keeping edits textual (not re-printed ASTs) keeps comments and formatting, so
/// `show` and `apply` produce the diff a person would have written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mutation {
    pub operator: Operator,
    pub start: usize,
    pub end: usize,
    pub replacement: String,
    /// The edit lies in a parameter's default value of the trampolined function itself. Such a
    /// mutant is switched on by swapping the function's `__defaults__`, not by a variant body,
    /// because defaults are evaluated once, when the `def` runs.
    pub in_default: bool,
    /// The source range of the smallest statement or expression holding the whole edit: the
    /// code whose evaluation the edit changes. An `or` turned `and` changes the whole boolean
    /// expression, including operands before the edit that a test may have stopped at; a test
    /// that runs no line of this range cannot see the mutant.
    pub reach: (usize, usize),
    /// The edited code runs only while the trampolined function's own call runs: not in a
    /// nested `def`, class, lambda or generator expression (kept and run later), nor in the body
    /// of a generator or coroutine function (resumed later), nor in a default value.
    pub only_in_call: bool,
}

/// A trampolined function's identity: `module` plus `qualname` (`Class.method`, `func`).
/// A second definition under the same qualname in one module (an `if`/`else` pair) gets `~2`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct FunctionKey(pub String);

impl FunctionKey {
    pub fn new(module: &str, qualname: &str) -> FunctionKey {
        if module.is_empty() {
            FunctionKey(qualname.to_string())
        } else {
            FunctionKey(format!("{module}.{qualname}"))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The id of this function's mutant number `n` (1-based).
    pub fn mutant_id(&self, n: usize) -> MutantId {
        MutantId(format!("{}:{n}", self.0))
    }
}

/// `module.qualname:N`, see the module docs.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct MutantId(pub String);

impl MutantId {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The function part and the number, or `None` if this is not a well-formed id.
    pub fn split(&self) -> Option<(FunctionKey, usize)> {
        let (function, number) = self.0.rsplit_once(':')?;
        let n = number.parse().ok()?;
        Some((FunctionKey(function.to_string()), n))
    }
}

impl std::fmt::Display for MutantId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::fmt::Display for FunctionKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mutant_ids_round_trip() {
        let key = FunctionKey::new("pkg.mod", "Class.method");
        let id = key.mutant_id(12);
        assert_eq!(id.as_str(), "pkg.mod.Class.method:12");
        assert_eq!(id.split(), Some((key, 12)));
        assert_eq!(MutantId("nonsense".into()).split(), None);
    }
}

/// What identifies a mutant across edits that do not touch it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct MutantKey {
    /// The function key, `module.qualname` (as in mutant ids, without `:N`).
    pub function: String,
    pub operator: Operator,
    /// The original text of the edited range and its replacement.
    pub original: String,
    pub replacement: String,
    /// Which one of the function's mutants with this same operator, original and replacement
    /// (1-based, in source order).
    pub occurrence: usize,
}
