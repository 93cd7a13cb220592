//! The verdict a mutant ends with, and how a child process's ending maps to it.

use serde::{Deserialize, Serialize};

/// What running a mutant's tests showed. README.md repeats this list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// A covering test failed with the mutant active: the tests notice this change.
    Killed,
    /// Every covering test passed with the mutant active: a gap in the tests.
    Survived,
    /// No test reaches the mutated function, so nothing was run.
    NoTests,
    /// The tests ran longer than the mutant's time budget and were stopped (counts as detected).
    Timeout,
    /// The test process died from a signal (segfault, abort, out-of-memory kill).
    Crashed,
    /// The test process ended in a way that means neither pass nor fail (it exited on its own
    /// with an unexpected code before reporting, e.g. a test called `os._exit`).
    Suspicious,
    /// Not run in this session (left out by a filter, or the run was interrupted first).
    Skipped,
}

impl Verdict {
    pub const ALL: [Verdict; 7] = [
        Verdict::Killed,
        Verdict::Survived,
        Verdict::NoTests,
        Verdict::Timeout,
        Verdict::Crashed,
        Verdict::Suspicious,
        Verdict::Skipped,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Verdict::Killed => "killed",
            Verdict::Survived => "survived",
            Verdict::NoTests => "no tests",
            Verdict::Timeout => "timeout",
            Verdict::Crashed => "crashed",
            Verdict::Suspicious => "suspicious",
            Verdict::Skipped => "skipped",
        }
    }

    /// Detected by the tests, for the mutation score (killed + timeout, as Infection counts).
    pub fn is_detected(self) -> bool {
        matches!(self, Verdict::Killed | Verdict::Timeout)
    }
}

impl std::fmt::Display for Verdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}
