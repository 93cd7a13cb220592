//! The process exit codes CI can gate on. README.md repeats this table.

/// How `mutrun` ended. Each value is stable: CI scripts compare against the numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitCode {
    /// The command did what was asked. For `run`: every mutant has a verdict (survivors included,
    /// unless a `--fail-under` gate says otherwise).
    Success = 0,
    /// mutrun itself or its environment failed (an I/O error, a worker that cannot start).
    Software = 1,
    /// The command line or the configuration is wrong; the message names the flag or key.
    Usage = 2,
    /// The mutation score is below the `--fail-under` gate.
    ScoreBelowGate = 3,
    /// A sanity pass failed: the tests fail with no mutant active, none are found, they import a
    /// mutated module from outside `mutants/`, or they still pass when every mutated function
    /// raises. No mutant verdict would be trustworthy.
    SanityPassFailed = 4,
    /// `mutrun verify` found a stored verdict that plain pytest on the patched source contradicts.
    VerifyDisagreement = 5,
    /// Interrupted by Ctrl-C or SIGTERM; verdicts computed so far are saved, `mutrun run` resumes.
    Interrupted = 130,
}

impl ExitCode {
    pub fn code(self) -> i32 {
        self as i32
    }
}
