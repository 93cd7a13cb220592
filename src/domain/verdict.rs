//! The verdict a mutant ends with. README.md's verdict table repeats the variants' docs.

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
    /// The test process died from a signal (segfault, abort, out-of-memory kill), or a test ran
    /// out of memory under `memory_limit_mb` (a MemoryError).
    Crashed,
    /// The test process ended in a way that means neither pass nor fail (it exited on its own
    /// with an unexpected code before reporting, e.g. a test called `os._exit`).
    Suspicious,
    /// Not run in this session (left out by a filter, or the run was interrupted first), or not
    /// run because no test executes its line (`mutate_only_covered_lines`).
    Skipped,
    /// Marked equivalent in the project's marks file (`mutrun mark`): never run, left out of the
    /// score.
    Ignored,
    /// The type checker (`type_check_command`) reports an error inside the mutant's variant, so
    /// its tests were not run; left out of the score (Stryker's `CompileError`).
    CaughtByTypeCheck,
}

impl Verdict {
    pub const ALL: [Verdict; 9] = [
        Verdict::Killed,
        Verdict::Survived,
        Verdict::NoTests,
        Verdict::Timeout,
        Verdict::Crashed,
        Verdict::Suspicious,
        Verdict::Skipped,
        Verdict::Ignored,
        Verdict::CaughtByTypeCheck,
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
            Verdict::Ignored => "ignored",
            Verdict::CaughtByTypeCheck => "caught by type check",
        }
    }

    /// Detected by the tests, for the mutation score (killed + timeout, as Infection counts).
    pub fn is_detected(self) -> bool {
        matches!(self, Verdict::Killed | Verdict::Timeout)
    }

    /// Counted in the mutation score's denominator: every verdict but the ones that say the
    /// tests were not asked (skipped, ignored, caught by the type checker).
    pub fn is_scored(self) -> bool {
        !matches!(
            self,
            Verdict::Skipped | Verdict::Ignored | Verdict::CaughtByTypeCheck
        )
    }
}

impl std::fmt::Display for Verdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}
