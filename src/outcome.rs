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

/// A verdict with the facts behind it.
#[derive(Debug, Clone, PartialEq)]
pub struct Judgement {
    pub verdict: Verdict,
    /// The first failing test, for a killed mutant.
    pub killer: Option<String>,
    /// The signal, exit code or budget behind a verdict that is not plain killed/survived.
    pub detail: Option<String>,
}

/// Maps how a mutant's test process ended to its verdict:
///
/// | ending | verdict |
/// |---|---|
/// | mutrun killed it after its time budget | timeout |
/// | it reported, and a test failed | killed |
/// | it reported, every test passed | survived |
/// | it reported, but none of its tests exist any more | no tests |
/// | it reported, and its first failure is a MemoryError under `memory_limit_mb` | crashed |
/// | it died from a signal before reporting | crashed |
/// | it exited before reporting (a test called `os._exit`) | suspicious |
pub fn judge(end: &crate::worker::ChildEnd, timed_out: bool) -> Judgement {
    let plain = |verdict, detail: Option<String>| Judgement {
        verdict,
        killer: None,
        detail,
    };
    if timed_out {
        return plain(
            Verdict::Timeout,
            Some(format!("stopped after {:.1} s", end.seconds)),
        );
    }
    match (&end.result, end.signal, end.exit_code) {
        (Some(result), _, _) => match result.failed.first() {
            Some(failed) if failed.out_of_memory => plain(
                Verdict::Crashed,
                Some(format!(
                    "ran out of memory under the memory cap (`memory_limit_mb`): MemoryError in {}",
                    failed.test
                )),
            ),
            Some(failed) => Judgement {
                verdict: Verdict::Killed,
                killer: Some(failed.test.clone()),
                detail: None,
            },
            None if result.ran.is_empty() => plain(
                Verdict::NoTests,
                Some(format!(
                    "none of its tests were found: {}",
                    result.unknown.join(", ")
                )),
            ),
            None => plain(Verdict::Survived, None),
        },
        (None, Some(signal), _) => plain(Verdict::Crashed, Some(signal_name(signal))),
        (None, None, Some(code)) => plain(
            Verdict::Suspicious,
            Some(format!(
                "the test process exited with code {code} before reporting: a test or the code \
                 under test ended the process (os._exit), so no test result exists (plain pytest \
                 stops there too)"
            )),
        ),
        (None, None, None) => plain(
            Verdict::Suspicious,
            Some("the test process vanished".into()),
        ),
    }
}

fn signal_name(signal: i32) -> String {
    let name = nix::sys::signal::Signal::try_from(signal)
        .map(|s| s.as_str().to_string())
        .unwrap_or_else(|_| format!("signal {signal}"));
    format!("killed by {name}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::worker::{ChildEnd, ChildResult, FailedTest};

    fn reported(failed: &[&str], ran: &[&str]) -> ChildEnd {
        ChildEnd {
            exit_code: Some(0),
            signal: None,
            result: Some(ChildResult {
                ran: ran.iter().map(|s| s.to_string()).collect(),
                failed: failed
                    .iter()
                    .map(|t| FailedTest {
                        test: t.to_string(),
                        when: "call".into(),
                        message: String::new(),
                        out_of_memory: false,
                    })
                    .collect(),
                unknown: vec![],
            }),
            seconds: 0.1,
        }
    }

    #[test]
    fn endings_map_to_verdicts() {
        let killed = judge(&reported(&["t::a"], &["t::a"]), false);
        assert_eq!(killed.verdict, Verdict::Killed);
        assert_eq!(killed.killer.as_deref(), Some("t::a"));
        assert_eq!(
            judge(&reported(&[], &["t::a"]), false).verdict,
            Verdict::Survived
        );
        assert_eq!(
            judge(&reported(&[], &["t::a"]), true).verdict,
            Verdict::Timeout
        );
        let segv = ChildEnd {
            signal: Some(11),
            ..ChildEnd::default()
        };
        let crashed = judge(&segv, false);
        assert_eq!(crashed.verdict, Verdict::Crashed);
        assert_eq!(crashed.detail.as_deref(), Some("killed by SIGSEGV"));
        let exited = ChildEnd {
            exit_code: Some(3),
            ..ChildEnd::default()
        };
        assert_eq!(judge(&exited, false).verdict, Verdict::Suspicious);
    }
}
