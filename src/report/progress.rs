//! Live progress for `mutrun run`: a bar with counts, rate and ETA on a terminal; a plain line
//! every ten seconds otherwise, so CI logs stay readable; nothing with `-q`.

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};

use crate::domain::term::{self, Verbosity};
use crate::domain::verdict::Verdict;

const PLAIN_EVERY: Duration = Duration::from_secs(10);

pub struct Progress {
    bar: Option<ProgressBar>,
    total: usize,
    done: usize,
    counts: BTreeMap<Verdict, usize>,
    started: Instant,
    last_line: Instant,
}

impl Progress {
    pub fn new(total: usize, live: bool) -> Progress {
        let shown = term::verbosity() >= Verbosity::Normal;
        let bar = (shown && live && std::io::stderr().is_terminal()).then(|| {
            let bar = ProgressBar::new(total as u64);
            // `--color never` and NO_COLOR: the bar's characters only, no colour codes.
            let template = if term::color_stderr() {
                "{bar:30.cyan/blue} {pos}/{len} {msg} [{per_sec}, ETA {eta}]"
            } else {
                "{bar:30} {pos}/{len} {msg} [{per_sec}, ETA {eta}]"
            };
            let style = ProgressStyle::with_template(template)
                .unwrap_or_else(|_| ProgressStyle::default_bar());
            bar.set_style(style);
            bar.enable_steady_tick(Duration::from_millis(200));
            bar
        });
        Progress {
            bar,
            total,
            done: 0,
            counts: BTreeMap::new(),
            started: Instant::now(),
            last_line: Instant::now(),
        }
    }

    pub fn record(&mut self, verdict: Verdict) {
        self.done += 1;
        *self.counts.entry(verdict).or_default() += 1;
        match &self.bar {
            Some(bar) => {
                bar.set_message(self.counts_text());
                bar.inc(1);
            }
            None if self.last_line.elapsed() >= PLAIN_EVERY => {
                self.last_line = Instant::now();
                crate::info!("{}", self.line());
            }
            None => {}
        }
    }

    fn counts_text(&self) -> String {
        self.counts
            .iter()
            .map(|(v, n)| format!("{n} {}", v.name()))
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn line(&self) -> String {
        let elapsed = self.started.elapsed().as_secs_f64();
        let rate = self.done as f64 / elapsed.max(1e-9);
        let eta = (self.total - self.done) as f64 / rate.max(1e-9);
        format!(
            "{}/{} mutants ({}) {:.1} mutants/s, ETA {:.0} s",
            self.done,
            self.total,
            self.counts_text(),
            rate,
            eta
        )
    }

    pub fn finish(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
        if self.done > 0 {
            crate::info!("{}", self.line());
        }
    }
}
