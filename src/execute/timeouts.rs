//! Per-mutant time budgets, and the rule that decides when a running child has overrun its own.
//!
//! The budget is `multiplier × (measured seconds of the tests it runs) + constant`. A child is
//! stopped when it has used that much *CPU* time, or three times that much wall time of its own:
//! on a busy machine wall time stretches while CPU time does not, so a slow-but-healthy child is
//! not called a timeout (mutmut's issue #545), while an infinite loop burns CPU and is caught at
//! about its budget. The wall-clock cap catches mutants that sleep or block forever; it leaves
//! out the time the child was ready to run but waited for a CPU (Linux's schedstat), so a
//! starved child does not reach it either.
//!
//! A mutant's first attempt gets a *quick* budget: the constant cut to
//! [`QUICK_CONSTANT`]. Tests take milliseconds where the constant takes seconds, so an endless
//! loop is stopped in a small multiple of what its tests need. A child that overruns the quick
//! budget is only a suspect: its tests then run once more without the mutant (the *baseline*),
//! and the timeout stands when the mutant took more than [`CONFIRM_FACTOR`] × what they took
//! ([`confirmed`]). Otherwise the quick budget was too tight for this child (a test that imports
//! something heavy on first use, a loaded machine) and the mutant runs again with the full
//! budget (`quick_timeouts`).

use std::time::Duration;

#[derive(Debug, Clone, Copy)]
pub struct TimeoutPolicy {
    pub multiplier: f64,
    pub constant: f64,
}

/// The constant of a mutant's quick first budget, in seconds: far above a forked child's own
/// cost (about 10 ms), far below the full budget's default 2 s.
pub const QUICK_CONSTANT: f64 = 0.25;

/// How many budgets of wall time a child may take before it is stopped regardless of CPU use.
const WALL_FACTOR: f64 = 3.0;

impl TimeoutPolicy {
    /// The budget for running tests whose stats-pass durations add up to `test_seconds`.
    pub fn budget(&self, test_seconds: f64) -> Duration {
        Duration::from_secs_f64(self.multiplier * test_seconds.max(0.0) + self.constant)
    }

    /// The quick first budget for a job whose full budget is `full`: its constant cut to
    /// [`QUICK_CONSTANT`]. None when the constant is that small already (no second stage).
    pub fn quick(&self, full: Duration) -> Option<Duration> {
        let cut = self.constant - QUICK_CONSTANT;
        (cut > 0.0).then(|| full.saturating_sub(Duration::from_secs_f64(cut)))
    }
}

/// What the system says of a running child ([`crate::execute::worker::child_clock`]).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ChildClock {
    /// CPU seconds it used, when known.
    pub cpu: Option<f64>,
    /// Seconds it was ready to run but waited for a CPU: the machine's load, not the child's.
    pub waiting: f64,
}

/// Whether a child that started `elapsed` ago, with `clock`, is over `budget`.
pub fn overrun(budget: Duration, elapsed: Duration, clock: ChildClock) -> bool {
    let budget = budget.as_secs_f64();
    let own = (elapsed.as_secs_f64() - clock.waiting).max(0.0);
    if own >= budget * WALL_FACTOR {
        return true;
    }
    match clock.cpu {
        Some(cpu) => elapsed.as_secs_f64() >= budget && cpu >= budget,
        None => own >= budget,
    }
}

/// What a child used: wall seconds, and CPU seconds when known.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Usage {
    pub seconds: f64,
    pub cpu: Option<f64>,
}

/// How many times what its tests need without it a mutant must have used, when stopped at its
/// quick budget, for the timeout to stand there ([`confirmed`]), unless `timeout_multiplier` is
/// larger. An endless loop stuck in a test of a few milliseconds reaches it at once. A mutant
/// that only makes its tests a few times slower (a quadratic path: cachetools' `TLRUCache.expire`
/// cleaning its heap on every call made a 20 ms test take 350 ms, and the child 6x its baseline)
/// finishes, and plain pytest passes it: it must run again under the full budget, which it
/// survives, not stand as a timeout. With `timeout_multiplier` alone (3) it stood in some runs
/// and not in others.
pub const CONFIRM_FACTOR: f64 = 10.0;

/// Whether a mutant's child that overran its quick budget `quick` (having used `suspect`) is a
/// timeout: its tests, run without the mutant in the same kind of child, used `baseline`, and
/// the mutant used more than [`CONFIRM_FACTOR`] (or `multiplier`, if larger) × that. A child
/// stopped for its CPU use is measured in CPU, which a busy machine does not stretch; one
/// stopped by the wall-clock cap in wall time. A slow baseline (a first-use import, a loaded
/// machine) says the budget, not the mutant, was at fault.
pub fn confirmed(quick: Duration, suspect: Usage, baseline: Usage, multiplier: f64) -> bool {
    let quick = quick.as_secs_f64();
    let need = match (suspect.cpu, baseline.cpu) {
        (Some(used), Some(need)) if used >= quick => need,
        _ => baseline.seconds,
    };
    need * multiplier.max(CONFIRM_FACTOR) <= quick
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn busy_machine_does_not_time_out_a_starved_child() {
        let budget = Duration::from_secs(2);
        let clock = |cpu, waiting| ChildClock {
            cpu: Some(cpu),
            waiting,
        };
        // 3 s of wall time but only 0.5 s of CPU: starved, not stuck.
        assert!(!overrun(budget, Duration::from_secs(3), clock(0.5, 2.5)));
        // Burning CPU for the whole budget: stuck.
        assert!(overrun(budget, Duration::from_secs(2), clock(2.0, 0.0)));
        // Sleeping forever: caught by the wall-clock cap.
        assert!(overrun(budget, Duration::from_secs(6), clock(0.0, 0.0)));
        // Past the wall-clock cap, but most of it waiting for a CPU: still starved.
        assert!(!overrun(budget, Duration::from_secs(7), clock(1.0, 6.0)));
        // Without CPU figures: wall time of its own.
        let unknown = ChildClock {
            cpu: None,
            waiting: 1.0,
        };
        assert!(!overrun(budget, Duration::from_secs(2), unknown));
        assert!(overrun(budget, Duration::from_secs(3), unknown));
    }

    #[test]
    fn the_quick_budget_cuts_only_the_constant() {
        let policy = TimeoutPolicy {
            multiplier: 3.0,
            constant: 2.0,
        };
        let quick = policy.quick(policy.budget(0.1)).expect("a quick budget");
        assert!((quick.as_secs_f64() - 0.55).abs() < 1e-6, "{quick:?}");
        let small = TimeoutPolicy {
            multiplier: 3.0,
            constant: 0.2,
        };
        assert_eq!(small.quick(small.budget(0.1)), None);
    }

    #[test]
    fn a_quick_timeout_stands_only_against_a_fast_baseline() {
        let used = |seconds, cpu| Usage {
            seconds,
            cpu: Some(cpu),
        };
        let quick = Duration::from_secs_f64(0.55);
        let looped = used(0.6, 0.56);
        let fast = used(0.05, 0.05);
        // The tests take 0.05 s without the mutant: it ran more than 10x that.
        assert!(confirmed(quick, looped, fast, 3.0));
        // They take 0.3 s of CPU without it too (a first-use import): try again.
        assert!(!confirmed(quick, looped, used(0.3, 0.3), 3.0));
        // A mutant that made them 6x slower may well finish: try again with the full budget.
        assert!(!confirmed(quick, looped, used(0.09, 0.09), 3.0));
        // A larger timeout_multiplier asks for more.
        assert!(!confirmed(quick, looped, fast, 20.0));
        // A busy machine stretched the baseline's wall time, not its CPU: the loop stands.
        let stretched = used(0.4, 0.05);
        assert!(confirmed(quick, looped, stretched, 3.0));
        // Stopped by the wall-clock cap (it slept): compared in wall time.
        let slept = used(1.7, 0.01);
        assert!(!confirmed(quick, slept, stretched, 3.0));
        assert!(confirmed(quick, slept, fast, 3.0));
    }

    #[test]
    fn budget_scales_measured_time() {
        let policy = TimeoutPolicy {
            multiplier: 3.0,
            constant: 2.0,
        };
        assert_eq!(policy.budget(1.0), Duration::from_secs(5));
    }
}
