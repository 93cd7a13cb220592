//! mutrun: mutation testing for Python projects. See ARCHITECTURE.md for the stages.

pub mod error;
pub mod exit_code;
pub mod mutant;
pub mod operators;
pub mod visit;
