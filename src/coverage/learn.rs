//! The coverage a run plans with: the stored stats while nothing under `mutants/` changed (no
//! Python is started), else a new stats pass (pytest) or reach pass (a test command).

use std::sync::atomic::AtomicBool;
use std::time::Instant;

use crate::coverage::{self, Coverage};
use crate::domain::error::Result;
use crate::execute::suite::{self, LazySuite, Suite};
use crate::execute::test_command::{self, TestCommand};
use crate::execute::worker::PytestCommand;
use crate::workspace::Workspace;

/// The coverage for this run, or `None` when the run was interrupted before it was known.
pub fn learn(
    ws: &Workspace,
    suite: &mut LazySuite,
    interrupted: &AtomicBool,
) -> Result<Option<Coverage>> {
    let inputs = coverage::inputs_hash(&ws.mutants_dir, &suite::stats_args(ws));
    if let Some(stats) = coverage::reusable(&ws.mutants_dir, &inputs) {
        return Ok(Some(Coverage::of(ws, stats)));
    }
    match suite.get()? {
        Suite::Command(command) => reach_pass(ws, command, &inputs, interrupted),
        Suite::Pytest(pytest) => stats_pass(ws, pytest, &inputs, interrupted).map(Some),
    }
}

/// Test-command mode's stats pass: which functions the command reaches at all.
fn reach_pass(
    ws: &Workspace,
    command: &TestCommand,
    inputs: &str,
    interrupted: &AtomicBool,
) -> Result<Option<Coverage>> {
    let t = Instant::now();
    eprintln!(
        "mutrun: reach pass: running the test command once to see which functions it reaches"
    );
    let sources: Vec<_> = ws.project.sources.iter().map(|s| s.path.clone()).collect();
    let test_side = test_command::test_side_sha256(&command.name, &ws.mutants_dir, &sources);
    let Some(mut stats) =
        test_command::reach_pass(command, &ws.mutants_dir, test_side, interrupted)?
    else {
        return Ok(None);
    };
    stats.inputs_sha256 = inputs.to_string();
    coverage::save(&ws.mutants_dir, &stats)?;
    eprintln!(
        "mutrun: reach pass done: {} functions reached in {:.1} s",
        stats.tests.first().map_or(0, |t| t.functions.len()),
        t.elapsed().as_secs_f64()
    );
    Ok(Some(Coverage::of(ws, stats)))
}

fn stats_pass(
    ws: &Workspace,
    pytest: &PytestCommand,
    inputs: &str,
    interrupted: &AtomicBool,
) -> Result<Coverage> {
    let t = Instant::now();
    eprintln!("mutrun: stats pass: running the tests once to see which reach which functions");
    let mut stats = coverage::run_stats_pass(pytest, &ws.mutants_dir, inputs, interrupted)?;
    let pass = t.elapsed().as_secs_f64();
    coverage::lines::map_traced(
        &mut stats,
        &ws.root,
        &ws.mutants_dir,
        &ws.settings(),
        &ws.project.sources,
    );
    coverage::save(&ws.mutants_dir, &stats)?;
    eprintln!(
        "mutrun: stats pass done: {} tests in {pass:.1} s",
        stats.tests.len(),
    );
    Ok(Coverage::of(ws, stats))
}
