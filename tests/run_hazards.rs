//! Mutants that hang or crash the interpreter end as `timeout` and `crashed`; a run stopped
//! halfway by Ctrl-C (SIGINT) or by `kill -9` leaves no process behind, and the next `mutrun run`
//! resumes it to the verdicts of a run never interrupted.
//!
//! Timing: the hazards fixture has three mutants that loop forever. Each burns its whole quick
//! CPU budget (3 × its test's half-second sleep + 0.25 s) before it is stopped, and then its
//! test runs once more without the mutant to confirm the timeout, so once the first verdicts are
//! on disk the run has seconds of work left whatever the machine's speed or load; the tests wait
//! for those verdicts (the recorder writes them at most once a second), never for a fixed time.

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Child, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;

/// The verdicts of one uninterrupted run of the hazards fixture, shared by the tests here.
fn uninterrupted() -> &'static BTreeMap<String, String> {
    static VERDICTS: OnceLock<BTreeMap<String, String>> = OnceLock::new();
    VERDICTS.get_or_init(|| {
        let (_guard, project) = common::fixture("hazards");
        common::run_ok(&project, &[]);
        let verdicts = common::verdicts(&project);
        assert!(verdicts.values().all(|v| v != "none"), "{verdicts:?}");
        verdicts
    })
}

#[test]
fn an_endless_loop_times_out_and_a_null_pointer_read_crashes() {
    let v = uninterrupted();
    // `while i < n` → `while not (i < n)`: count_up(0) never ends.
    assert_eq!(v["hazards.loops.count_up:3"], "timeout", "{v:?}");
    // `i += 1` → `i = 1` and `i -= 1`: count_up(3) never ends.
    assert_eq!(v["hazards.loops.count_up:5"], "timeout", "{v:?}");
    assert_eq!(v["hazards.loops.count_up:6"], "timeout", "{v:?}");
    // `i < n` → `i <= n`: ends, with the wrong count.
    assert_eq!(v["hazards.loops.count_up:4"], "killed", "{v:?}");
    // `NULL if unsafe else addressof(buf)` → `NULL if not (unsafe) …`: strlen(NULL).
    assert_eq!(v["hazards.memory._address:2"], "crashed", "{v:?}");
    // `factorial(n - 1)` → `factorial(n + 1)`: RecursionError, a plain failure.
    assert_eq!(v["hazards.recursion.factorial:9"], "killed", "{v:?}");
    // `n <= 1` → `n < 1`: factorial(1) = 1 * factorial(0) = 1 all the same.
    assert_eq!(v["hazards.recursion.factorial:2"], "survived", "{v:?}");
    assert_eq!(
        v.values().filter(|v| *v == "timeout").count(),
        3,
        "only the three endless loops time out: {v:?}"
    );
}

#[test]
fn the_reports_say_why_a_mutant_timed_out_or_crashed() {
    // A fresh run of only the two mutants, so this test does not wait for the shared one.
    let (_guard, project) = common::fixture("hazards");
    common::run_ok(
        &project,
        &["hazards.loops.count_up:3", "hazards.memory._address:2"],
    );
    let show = common::mutrun(&project, &["show", "hazards.memory._address:2"]);
    let text = String::from_utf8_lossy(&show.stdout).to_string();
    assert!(
        text.contains("verdict: crashed (killed by SIGSEGV)"),
        "{text}"
    );
    let show = common::mutrun(&project, &["show", "hazards.loops.count_up:3"]);
    let text = String::from_utf8_lossy(&show.stdout).to_string();
    assert!(text.contains("verdict: timeout (stopped after"), "{text}");
    let results = common::mutrun(&project, &["results"]);
    let text = String::from_utf8_lossy(&results.stdout).to_string();
    assert!(text.contains("timeout (1):"), "{text}");
    assert!(text.contains("crashed (1):"), "{text}");
}

/// Starts `mutrun run` on `project` with one worker (so the endless loops run one after the
/// other), its output going to files beside the project.
fn start_run(project: &Path) -> Child {
    let out = project.with_extension("stdout");
    let err = project.with_extension("stderr");
    common::mutrun_command(project, &["run", "--no-progress", "-j", "1"])
        .stdout(Stdio::from(
            std::fs::File::create(out).expect("stdout file"),
        ))
        .stderr(Stdio::from(
            std::fs::File::create(err).expect("stderr file"),
        ))
        .spawn()
        .expect("start mutrun")
}

fn output_of(project: &Path) -> String {
    let out = std::fs::read_to_string(project.with_extension("stdout")).unwrap_or_default();
    let err = std::fs::read_to_string(project.with_extension("stderr")).unwrap_or_default();
    format!("--- stdout\n{out}\n--- stderr\n{err}")
}

/// Waits until the run has saved at least one verdict (it is then halfway: the endless loops
/// still to come keep it busy for seconds). Fails if the run ends first.
fn wait_until_halfway(child: &mut Child, project: &Path) -> usize {
    let deadline = Instant::now() + Duration::from_secs(300);
    loop {
        let saved = common::saved_verdicts(project);
        if saved > 0 {
            // The check for processes left behind sees this run's workers (or it proves nothing).
            let running = common::processes_under(project);
            assert!(
                !running.is_empty() || child.try_wait().expect("poll").is_some(),
                "no process of the running mutrun found under {}",
                project.display()
            );
            return saved;
        }
        if let Some(status) = child.try_wait().expect("poll mutrun") {
            panic!(
                "mutrun ended ({status}) before saving a verdict:\n{}",
                output_of(project)
            );
        }
        assert!(
            Instant::now() < deadline,
            "no verdict saved:\n{}",
            output_of(project)
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Sends the run SIGINT (Ctrl-C) and waits for it: it must exit 130 saying `message`.
fn ctrl_c(child: &mut Child, project: &Path, message: &str) {
    kill(Pid::from_raw(child.id() as i32), Signal::SIGINT).expect("send SIGINT");
    let status = child.wait().expect("wait for mutrun");
    let output = output_of(project);
    assert_eq!(status.code(), Some(130), "{output}");
    assert!(output.contains(message), "want `{message}`:\n{output}");
}

/// After an interrupted run: no process is left, some but not all verdicts are saved, and the
/// next run reuses those, runs the rest, and ends with the uninterrupted run's verdicts.
fn resume_and_compare(project: &Path, total: usize) {
    let left = common::wait_for_no_processes_under(project);
    assert!(
        left.is_empty(),
        "processes of the interrupted run are left: {left:?}"
    );
    let saved = common::saved_verdicts(project);
    assert!(
        saved > 0 && saved < total,
        "the interrupted run saved {saved} of {total} verdicts"
    );

    let resumed = common::run_ok(project, &[]);
    let expected = format!(
        "{} mutants to run ({} new), {saved} verdicts reused",
        total - saved,
        total - saved
    );
    assert!(resumed.contains(&expected), "want `{expected}`:\n{resumed}");
    assert_eq!(&common::verdicts(project), uninterrupted());
    let left = common::wait_for_no_processes_under(project);
    assert!(
        left.is_empty(),
        "processes of the resumed run are left: {left:?}"
    );
}

#[test]
fn ctrl_c_halfway_saves_verdicts_and_says_how_to_resume() {
    let total = uninterrupted().len();
    let (_guard, project) = common::fixture("hazards");
    let mut child = start_run(&project);
    wait_until_halfway(&mut child, &project);
    ctrl_c(
        &mut child,
        &project,
        "interrupted; verdicts so far are saved in mutants/. Run `mutrun run` again to resume.",
    );
    resume_and_compare(&project, total);
}

#[test]
fn ctrl_c_during_the_stats_pass_stops_it_and_every_process_it_started() {
    // The stats pass and the bytecode compiler beside it; test_count_up's half second keeps the
    // pass running while the signal arrives.
    let (_guard, project) = common::fixture("hazards");
    let mut child = start_run(&project);
    let stats_log = project.join("mutants/.mutrun/logs/stats.log");
    let deadline = Instant::now() + Duration::from_secs(120);
    while !stats_log.exists() {
        assert!(
            child.try_wait().expect("poll").is_none(),
            "{}",
            output_of(&project)
        );
        assert!(
            Instant::now() < deadline,
            "no stats pass started:\n{}",
            output_of(&project)
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    ctrl_c(
        &mut child,
        &project,
        "interrupted during the stats pass; nothing was lost, run `mutrun run` again",
    );
    let left = common::wait_for_no_processes_under(&project);
    assert!(
        left.is_empty(),
        "processes of the stats pass are left: {left:?}"
    );
    assert_eq!(common::saved_verdicts(&project), 0);
}

#[test]
fn kill_9_halfway_then_run_again_resumes() {
    let total = uninterrupted().len();
    let (_guard, project) = common::fixture("hazards");
    let mut child = start_run(&project);
    wait_until_halfway(&mut child, &project);
    child.kill().expect("SIGKILL mutrun");
    let status = child.wait().expect("wait for mutrun");
    assert!(
        status.code().is_none(),
        "mutrun ended on its own: {status}\n{}",
        output_of(&project)
    );
    resume_and_compare(&project, total);
}

#[test]
fn a_quick_timeout_stands_for_an_endless_loop_and_a_slow_first_use_runs_again_with_the_full_budget()
{
    // `count_down`: two mutants never end; its test needs milliseconds, so each is stopped at
    // the quick budget (0.25 s of CPU), and its test without the mutant confirms it.
    // `double`: its test is charged microseconds by the stats pass, but in each mutant's child it
    // builds a table for 0.6 s: past the quick budget, so it runs again under the full one (2 s).
    let (_guard, project) = common::fixture("first_use");
    let out = common::mutrun(&project, &["run", "--no-progress", "-v"]);
    let text = common::text(&out);
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains(
            "quick timeouts: 2 confirmed against their tests' time without the mutant, 3 ran \
             again with the full budget"
        ),
        "{text}"
    );
    let v = common::verdicts(&project);
    assert_eq!(v["first_use.count_down:4"], "timeout", "{v:?}");
    assert_eq!(v["first_use.count_down:5"], "timeout", "{v:?}");
    for id in [
        "first_use.double:1",
        "first_use.double:2",
        "first_use.double:3",
    ] {
        assert_eq!(v[id], "killed", "{v:?}");
    }
    // Each was stopped in the first of its two tests, well before the 2 s the second one
    // sleeps would have added to its budget.
    for id in ["first_use.count_down:4", "first_use.count_down:5"] {
        let show = common::text(&common::mutrun(&project, &["show", id]));
        let seconds: f64 = show
            .split("stopped after ")
            .nth(1)
            .and_then(|rest| rest.split(' ').next())
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("no `stopped after N s` in:\n{show}"));
        assert!(seconds < 2.0, "{show}");
    }
}
