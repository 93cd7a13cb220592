//! The sanity passes of a pytest run, in the workers' forked children: the clean pass (no mutant
//! active: every test the jobs use must pass) and the forced-fail pass (every trampoline raises:
//! some test must reach one, and so fail or expect the exception, or the tests do not run the code
//! in `mutants/`).

use std::collections::{BTreeSet, HashMap};
use std::path::Path;
use std::time::{Duration, Instant};

use crate::coverage::Coverage;
use crate::domain::error::{Error, Result};
use crate::domain::exit_code::ExitCode;
use crate::execute::lab::{Job, JobKind, JobResult, Lab, RunEnd, Start};
use crate::execute::outcome::judge;
use crate::execute::protocol::FailedTest;
use crate::execute::timeouts::TimeoutPolicy;
use crate::execute::worker::PytestCommand;
use crate::workspace::Workspace;

/// The clean pass (no mutant: every test the jobs use must pass in a forked child) and the
/// forced-fail pass (every trampoline raises: some test must reach one, and so fail or expect
/// the exception).
pub fn passes(
    ws: &Workspace,
    lab: &mut Lab,
    coverage: &Coverage,
    jobs: &[Job],
    policy: &TimeoutPolicy,
    pytest: &PytestCommand,
) -> Result<RunEnd> {
    let used: BTreeSet<&str> = jobs
        .iter()
        .flat_map(|j| j.tests.iter().map(String::as_str))
        .collect();
    let mut tests: Vec<(&str, f64)> = coverage
        .tests
        .iter()
        .filter(|t| used.contains(t.id.as_str()))
        .map(|t| (t.id.as_str(), t.duration))
        .collect();
    tests.sort_by(|a, b| a.1.total_cmp(&b.1));
    let chunks = lab_chunks(&tests, lab.width());
    let clean_jobs: Vec<Job> = chunks
        .into_iter()
        .map(|(ids, seconds)| Job {
            kind: JobKind::Clean,
            tests: ids,
            budget: policy.budget(seconds) + Duration::from_secs(30),
            stop_on_failure: false,
            start: Start::Forked,
        })
        .collect();
    let t = Instant::now();
    let mut results = Vec::new();
    if lab.run(clean_jobs, |r| results.push(r))? == RunEnd::Interrupted {
        return Ok(RunEnd::Interrupted);
    }
    check_clean(&results)?;
    crate::info!(
        "clean pass: {} tests pass in forked children ({:.1} s)",
        tests.len(),
        t.elapsed().as_secs_f64()
    );

    let total: f64 = tests.iter().map(|t| t.1).sum();
    let forced = Job {
        kind: JobKind::ForcedFail,
        tests: tests.iter().map(|t| t.0.to_string()).collect(),
        budget: policy.budget(total) + Duration::from_secs(30),
        stop_on_failure: true,
        start: Start::Forked,
    };
    let mut results = Vec::new();
    if lab.run(vec![forced], |r| results.push(r))? == RunEnd::Interrupted {
        return Ok(RunEnd::Interrupted);
    }
    let reported = results.iter().filter_map(|r| r.end.result.as_ref());
    let failed_any = reported.clone().any(|res| !res.failed.is_empty());
    let raised: u64 = reported.map(|res| res.forced_raises).sum();
    // The pass checks that the tests run the code in mutants/: a mutated function they call
    // raised. A test failing shows it; so does a raise no test failed on (a test marked
    // `xfail(strict=True)` expects an exception: with the forced one it xfails as it did before,
    // and a mutant that makes it pass is killed as XPASS(strict); a test that catches exceptions).
    if !failed_any && raised == 0 {
        return Err(Error::with_code(
            format!(
                "forced-fail pass: with every mutated function raising, none of the {} tests called \
                 one, so the tests do not run the code in mutants/.\n{}",
                tests.len(),
                import_diagnosis(ws, pytest)
            ),
            ExitCode::SanityPassFailed,
        ));
    }
    if failed_any {
        crate::info!("forced-fail pass: the tests fail when the mutated code raises, as they must");
    } else {
        crate::info!(
            "forced-fail pass: the tests call the mutated code ({raised} forced raises) but \
             none failed on it: they expect an exception (xfail) or catch it; their mutants are \
             judged as plain pytest would"
        );
    }
    Ok(RunEnd::Completed)
}

/// Splits tests (fastest first) into `n` groups of similar total duration.
fn lab_chunks(tests: &[(&str, f64)], n: usize) -> Vec<(Vec<String>, f64)> {
    let mut chunks: Vec<(Vec<String>, f64)> = vec![(Vec::new(), 0.0); n.max(1)];
    for (id, seconds) in tests.iter().rev() {
        let lightest = chunks
            .iter_mut()
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .expect("at least one chunk");
        lightest.0.push(id.to_string());
        lightest.1 += seconds;
    }
    for chunk in &mut chunks {
        chunk.0.reverse();
    }
    chunks.retain(|c| !c.0.is_empty());
    chunks
}

fn check_clean(results: &[JobResult]) -> Result<()> {
    let mut failed: Vec<&FailedTest> = Vec::new();
    let mut unknown: Vec<&str> = Vec::new();
    let mut broken: Vec<String> = Vec::new();
    for r in results {
        match &r.end.result {
            Some(result) => {
                failed.extend(result.failed.iter());
                unknown.extend(result.unknown.iter().map(String::as_str));
            }
            None => broken.push(judge(&r.end, r.timed_out()).detail.unwrap_or_default()),
        }
    }
    if failed.is_empty() && unknown.is_empty() && broken.is_empty() {
        return Ok(());
    }
    let mut message =
        String::from("clean pass failed: with no mutant active, in forked test processes:\n");
    for f in failed.iter().take(10) {
        message.push_str(&format!("  FAILED {} ({})\n", f.test, f.when));
        for line in f.message.lines().take(5) {
            message.push_str(&format!("      {line}\n"));
        }
    }
    if !unknown.is_empty() {
        message.push_str(&format!(
            "  {} test ids from the stats pass were not collected by the workers (first: {}); \
             test ids must not change between runs (e.g. parametrize over a set)\n",
            unknown.len(),
            unknown[0]
        ));
    }
    for b in &broken {
        message.push_str(&format!("  a test process ended without reporting: {b}\n"));
    }
    message.push_str(
        "Tests that pass alone but fail here usually depend on test order or on state from other \
         tests. Logs: mutants/.mutrun/logs/",
    );
    Err(Error::with_code(message, ExitCode::SanityPassFailed))
}

/// Where the tests import each mutated top-level package from, when that is not `mutants/`.
fn import_diagnosis(ws: &Workspace, pytest: &PytestCommand) -> String {
    let mut tops: Vec<String> = ws
        .project
        .sources
        .iter()
        .map(|s| s.module.split('.').next().unwrap_or("").to_string())
        .filter(|m| !m.is_empty())
        .collect();
    tops.sort();
    tops.dedup();
    let script = "import importlib.util, json, sys\n\
        out = {}\n\
        for name in sys.argv[1:]:\n\
        \x20   try:\n\
        \x20       spec = importlib.util.find_spec(name)\n\
        \x20       out[name] = spec.origin if spec else None\n\
        \x20   except Exception as e:\n\
        \x20       out[name] = 'error: %s' % e\n\
        print(json.dumps(out))\n";
    let mut cmd = std::process::Command::new(&pytest.python);
    cmd.arg("-c")
        .arg(script)
        .args(&tops)
        .current_dir(&pytest.cwd);
    for (k, v) in &pytest.env {
        cmd.env(k, v);
    }
    let origins: HashMap<String, Option<String>> = cmd
        .output()
        .ok()
        .and_then(|o| serde_json::from_slice(&o.stdout).ok())
        .unwrap_or_default();
    let mut lines = Vec::new();
    for (name, origin) in origins {
        match origin {
            Some(origin) if !Path::new(&origin).starts_with(&ws.mutants_dir) => lines.push(
                format!("  `import {name}` resolves to {origin}, outside mutants/"),
            ),
            None => lines.push(format!("  `import {name}` is not importable from mutants/")),
            _ => {}
        }
    }
    if lines.is_empty() {
        "The packages import from mutants/, so the tests may not call the mutated functions at all, \
         or catch every exception. Check `paths_to_mutate` and `tests_dir` under [tool.mutrun]."
            .to_string()
    } else {
        format!(
            "{}\nAn installed copy of the package shadows mutants/: uninstall it (`pip uninstall`), or \
             install it in editable mode, and check `paths_to_mutate` under [tool.mutrun].",
            lines.join("\n")
        )
    }
}
