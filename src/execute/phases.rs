//! Where forked children's time goes over a run: each part of a child's life (`ChildPhases`,
//! sent by workers with every `done`), as a median per child and a share of the summed time.
//! `mutrun run -v` prints it: the fixed cost of a mutant, beside what its tests take.

use crate::execute::protocol::ChildPhases;

/// The phases of every forked child of a run that reported them.
#[derive(Debug, Default)]
pub struct PhaseLog {
    children: Vec<ChildPhases>,
}

/// Reads one part of a child's life.
type Part = fn(&ChildPhases) -> f64;

/// Each part of a child's life, with its name as printed.
const PARTS: [(&str, Part); 6] = [
    ("fork", |p| p.fork),
    ("enter", |p| p.enter),
    ("re-collect", |p| p.collect),
    ("tests", |p| p.tests),
    ("report", |p| p.report),
    ("reap", |p| p.reap),
];

impl PhaseLog {
    pub fn add(&mut self, phases: Option<&ChildPhases>) {
        if let Some(phases) = phases {
            self.children.push(*phases);
        }
    }

    /// "N forked children, per child (median): fork 2.0 ms, …; of their summed time: tests 60%,
    /// …", or `None` when no child reported its phases.
    pub fn summary(&self) -> Option<String> {
        if self.children.is_empty() {
            return None;
        }
        let medians: Vec<String> = PARTS
            .iter()
            .map(|(name, part)| format!("{name} {:.1} ms", 1000.0 * self.median(*part)))
            .collect();
        let sums: Vec<f64> = PARTS
            .iter()
            .map(|(_, part)| self.children.iter().map(part).sum())
            .collect();
        let total: f64 = sums.iter().sum();
        let shares: Vec<String> = PARTS
            .iter()
            .zip(&sums)
            .map(|((name, _), sum)| {
                let share = if total > 0.0 {
                    100.0 * sum / total
                } else {
                    0.0
                };
                format!("{name} {share:.0}%")
            })
            .collect();
        Some(format!(
            "{} forked children, per child (median): {}; of their summed {total:.1} s: {}",
            self.children.len(),
            medians.join(", "),
            shares.join(", ")
        ))
    }

    fn median(&self, part: Part) -> f64 {
        let mut values: Vec<f64> = self.children.iter().map(part).collect();
        values.sort_by(f64::total_cmp);
        values[values.len() / 2]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn child(tests: f64) -> ChildPhases {
        ChildPhases {
            fork: 0.002,
            enter: 0.0005,
            collect: 0.0,
            tests,
            report: 0.0002,
            reap: 0.0013,
        }
    }

    #[test]
    fn medians_and_shares_of_the_reported_children() {
        let mut log = PhaseLog::default();
        assert_eq!(log.summary(), None);
        log.add(None);
        for tests in [0.006, 0.004, 0.010] {
            log.add(Some(&child(tests)));
        }
        let summary = log.summary().expect("children reported");
        assert!(
            summary.starts_with(
                "3 forked children, per child (median): fork 2.0 ms, enter 0.5 ms, \
                 re-collect 0.0 ms, tests 6.0 ms, report 0.2 ms, reap 1.3 ms; of their summed 0.0 s: "
            ),
            "{summary}"
        );
        // 20 ms of tests in 32 ms all told.
        assert!(summary.contains("tests 62%"), "{summary}");
    }
}
