//! mutrun: mutation testing for Python projects. See ARCHITECTURE.md for the stages.

pub mod atomic;
pub mod error;
pub mod exit_code;
pub mod functions;
pub mod generate;
pub mod lines;
pub mod meta;
pub mod mutant;
pub mod operators;
pub mod outcome;
pub mod pragma;
pub mod trampoline;
pub mod visit;
pub mod cli;
pub mod worker;
pub mod stats;
pub mod timeouts;
pub mod lab;
pub mod record;
pub mod report;
pub mod progress;
pub mod select;
pub mod config;
pub mod project;
pub mod copy_tree;
pub mod python;
