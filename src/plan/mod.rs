//! Which mutants a run acts on and which must run: selection (ids, globs, operators, diffs,
//! shards), equivalence marks, reuse of stored verdicts, and the verdicts decided before any test
//! runs (uncovered lines, type checking).

pub mod changed_lines;
pub mod covered_lines;
pub mod jobs;
pub mod marks;
pub mod prefilter;
pub mod reuse;
pub mod select;
pub mod type_check;
