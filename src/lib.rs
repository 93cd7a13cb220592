//! mutrun: mutation testing for Python projects. See ARCHITECTURE.md for the stages.
//!
//! The stages, in the order a run passes through them: [`config`] → [`workspace`] (the copy in
//! `mutants/`) → [`generate`] → [`coverage`] (the stats pass) → [`plan`] → [`execute`] (sanity
//! passes, then the mutants) → [`record`] → [`report`]. [`domain`] holds the types they share;
//! [`commands`] composes the stages into the subcommands [`cli`] parses.

pub mod cli;
pub mod commands;
pub mod config;
pub mod coverage;
pub mod domain;
pub mod execute;
pub mod generate;
pub mod plan;
pub mod record;
pub mod report;
pub mod workspace;
