//! Running tests against mutants: the worker processes and the protocol they speak, the scheduler
//! that keeps them busy under time budgets, the test-command runner for suites that are not pytest,
//! and how a child's ending becomes a verdict.

pub mod executor;
pub mod lab;
pub mod outcome;
pub mod output;
pub mod phases;
pub mod protocol;
pub mod quick_timeouts;
pub mod runtime;
pub mod sanity;
pub mod suite;
pub mod test_command;
pub mod timeouts;
pub mod worker;
