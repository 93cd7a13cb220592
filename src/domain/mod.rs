//! The types every stage shares and may import: mutant ids and keys, operators, verdicts, the
//! error type and exit codes, line positions, hashing and atomic writes, the terminal
//! conventions every message follows (`term`) and the debug log. Nothing here imports a stage.

pub mod atomic;
pub mod debug_log;
pub mod error;
pub mod exit_code;
pub mod hash;
pub mod lines;
pub mod mutant;
pub mod operators;
pub mod term;
pub mod verdict;
