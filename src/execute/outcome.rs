//! How a child process's ending maps to a mutant's verdict.

use crate::domain::verdict::Verdict;

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
/// | it exited before reporting after pytest-timeout's `Timeout` banner | timeout |
/// | it exited before reporting (a test called `os._exit`) | suspicious |
pub fn judge(end: &crate::execute::worker::ChildEnd, timed_out: bool) -> Judgement {
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
        (None, None, Some(_)) if plugin_timeout(end.stderr.as_deref()) => plain(
            Verdict::Timeout,
            Some(
                "pytest-timeout stopped the tests: its thread method writes its `Timeout` banner \
                 and ends the process with os._exit, as under plain pytest"
                    .into(),
            ),
        ),
        (None, None, Some(code)) => plain(
            Verdict::Suspicious,
            Some(format!(
                "the test process exited with code {code} before reporting: a test or the code \
                 under test ended the process (os._exit), so no test result exists (plain pytest \
                 stops there too){}",
                last_words(end.stderr.as_deref())
            )),
        ),
        (None, None, None) => plain(
            Verdict::Suspicious,
            Some("the test process vanished".into()),
        ),
    }
}

/// Whether the last output of a process that ended without a result holds pytest-timeout's
/// banner, `++++ Timeout ++++` (its thread method writes it, dumps the threads' stacks, writes it
/// again and calls `os._exit(1)`).
fn plugin_timeout(output: Option<&str>) -> bool {
    output.is_some_and(|text| {
        text.lines().any(|line| {
            let line = line.trim();
            line.starts_with('+')
                && line.ends_with('+')
                && line.trim_matches('+').trim() == "Timeout"
        })
    })
}

/// "; its last words on stderr: …" when the process wrote any before it ended.
fn last_words(stderr: Option<&str>) -> String {
    let lines: Vec<&str> = stderr
        .unwrap_or_default()
        .lines()
        .map(str::trim_end)
        .filter(|l| !l.trim().is_empty())
        .collect();
    if lines.is_empty() {
        return String::new();
    }
    format!(
        "; its last words on stderr:\n{}",
        lines[lines.len().saturating_sub(3)..].join("\n")
    )
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
    use crate::execute::protocol::{ChildResult, FailedTest};
    use crate::execute::worker::ChildEnd;

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
                forced_raises: 0,
            }),
            seconds: 0.1,
            cpu_seconds: None,
            stderr: None,
            phases: None,
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

        // pytest-timeout's thread method: its banner, then os._exit(1).
        let banner = ChildEnd {
            exit_code: Some(1),
            stderr: Some(
                "\n+++++++ Timeout +++++++\n~~~ Stack of MainThread ~~~\n  File \"x.py\"\n+++++++ Timeout +++++++\n"
                    .into(),
            ),
            ..ChildEnd::default()
        };
        let timeout = judge(&banner, false);
        assert_eq!(timeout.verdict, Verdict::Timeout);
        assert!(timeout
            .detail
            .unwrap_or_default()
            .contains("pytest-timeout"));
        let said = ChildEnd {
            exit_code: Some(3),
            stderr: Some("bye\n".into()),
            ..ChildEnd::default()
        };
        let suspicious = judge(&said, false);
        assert_eq!(suspicious.verdict, Verdict::Suspicious);
        assert!(suspicious
            .detail
            .unwrap_or_default()
            .ends_with("stderr:\nbye"));
    }
}
