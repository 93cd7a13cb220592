//! Per-mutant time budgets, and the rule that decides when a running child has overrun its own.
//!
//! The budget is `multiplier × (measured seconds of the tests it runs) + constant`. A child is
//! stopped when it has used that much *CPU* time, or three times that much wall time: on a busy
//! machine wall time stretches while CPU time does not, so a slow-but-healthy child is not
//! called a timeout (mutmut's issue #545), while an infinite loop burns CPU and is caught at
//! about its budget. The wall-clock cap catches mutants that sleep or block forever.

use std::time::Duration;

#[derive(Debug, Clone, Copy)]
pub struct TimeoutPolicy {
    pub multiplier: f64,
    pub constant: f64,
}

/// How many budgets of wall time a child may take before it is stopped regardless of CPU use.
const WALL_FACTOR: f64 = 3.0;

impl TimeoutPolicy {
    /// The budget for running tests whose stats-pass durations add up to `test_seconds`.
    pub fn budget(&self, test_seconds: f64) -> Duration {
        Duration::from_secs_f64(self.multiplier * test_seconds.max(0.0) + self.constant)
    }
}

/// Whether a child that started `elapsed` ago and used `cpu` seconds of CPU is over `budget`.
pub fn overrun(budget: Duration, elapsed: Duration, cpu: Option<f64>) -> bool {
    if elapsed.as_secs_f64() >= budget.as_secs_f64() * WALL_FACTOR {
        return true;
    }
    match cpu {
        Some(cpu) => elapsed >= budget && cpu >= budget.as_secs_f64(),
        None => elapsed >= budget,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn busy_machine_does_not_time_out_a_starved_child() {
        let budget = Duration::from_secs(2);
        // 3 s of wall time but only 0.5 s of CPU: starved, not stuck.
        assert!(!overrun(budget, Duration::from_secs(3), Some(0.5)));
        // Burning CPU for the whole budget: stuck.
        assert!(overrun(budget, Duration::from_secs(2), Some(2.0)));
        // Sleeping forever: caught by the wall-clock cap.
        assert!(overrun(budget, Duration::from_secs(6), Some(0.0)));
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
