//! A worker killed from outside mid-run (`kill -9` of the long-lived pytest process, not of the
//! child it forked) is restarted and the mutant it was running runs again: the run ends with the
//! verdicts of a run never disturbed. A *child* killed by a signal is a verdict (`crashed`), not a
//! reason to re-run; and a worker that cannot start again ends the run with a clear error instead
//! of a restart loop. No process is left behind in any case.
//!
//! The hazards fixture has three mutants that loop until their CPU budget (2 s) runs out, so a
//! worker whose child has been running for a second is running one of them (no other mutant
//! takes that long): the tests wait for that moment in the process table, never for a fixed time.

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Child, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;

/// Every mutant's (verdict, detail) from `mutrun results --all --json`.
fn verdicts_with_detail(project: &Path) -> BTreeMap<String, (String, String)> {
    let out = common::mutrun(project, &["results", "--all", "--json"]);
    assert!(out.status.success(), "{}", common::text(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("results JSON");
    doc["mutants"]
        .as_array()
        .expect("mutants")
        .iter()
        .map(|m| {
            let id = m["id"].as_str().expect("id").to_string();
            let verdict = m["verdict"].as_str().unwrap_or("none").to_string();
            let detail = m["detail"].as_str().unwrap_or("").to_string();
            (id, (verdict, detail))
        })
        .collect()
}

/// The verdicts of one undisturbed `-j 2` run of the hazards fixture.
fn undisturbed() -> &'static BTreeMap<String, String> {
    static VERDICTS: OnceLock<BTreeMap<String, String>> = OnceLock::new();
    VERDICTS.get_or_init(|| {
        let (_guard, project) = common::fixture("hazards");
        common::run_ok(&project, &["-j", "2"]);
        let verdicts = common::verdicts(&project);
        assert!(verdicts.values().all(|v| v != "none"), "{verdicts:?}");
        verdicts
    })
}

/// `mutrun run -j 2` on `project` in the background, output to files beside it.
fn start_run(project: &Path, env: &[(&str, &Path)]) -> Child {
    let mut cmd = common::mutrun_command(project, &["run", "--no-progress", "-j", "2"]);
    for (key, value) in env {
        cmd.env(key, value);
    }
    cmd.stdout(Stdio::from(
        std::fs::File::create(project.with_extension("stdout")).expect("stdout file"),
    ))
    .stderr(Stdio::from(
        std::fs::File::create(project.with_extension("stderr")).expect("stderr file"),
    ))
    .spawn()
    .expect("start mutrun")
}

fn output_of(project: &Path) -> String {
    let out = std::fs::read_to_string(project.with_extension("stdout")).unwrap_or_default();
    let err = std::fs::read_to_string(project.with_extension("stderr")).unwrap_or_default();
    format!("--- stdout\n{out}\n--- stderr\n{err}")
}

/// The parent pid of `pid`, from `/proc/PID/stat`.
fn parent_of(pid: i32) -> Option<i32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = stat.get(stat.rfind(')')? + 2..)?;
    rest.split_whitespace().nth(1)?.parse().ok()
}

/// Processes whose parent is `parent`.
fn children_of(parent: i32) -> Vec<i32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<i32>().ok())
        .filter(|pid| parent_of(*pid) == Some(parent))
        .collect()
}

/// Whether `pid` was started with `MUTRUN_MODE=worker` (a worker; its forked children inherit
/// the environment, but their parent is the worker, not mutrun).
fn is_worker(pid: i32) -> bool {
    use mutrun::execute::protocol::{Mode, ENV_MODE};
    let worker = format!("{ENV_MODE}={}", Mode::Worker);
    std::fs::read(format!("/proc/{pid}/environ"))
        .map(|env| env.split(|b| *b == 0).any(|var| var == worker.as_bytes()))
        .unwrap_or(false)
}

/// Waits until a worker of `mutrun` has a child that has been alive for a second (an
/// endless-loop mutant in flight); returns (worker pid, child pid).
fn wait_for_long_child(mutrun: &mut Child, project: &Path) -> (i32, i32) {
    let deadline = Instant::now() + Duration::from_secs(300);
    let mut first_seen: BTreeMap<i32, Instant> = BTreeMap::new();
    loop {
        if let Some(status) = mutrun.try_wait().expect("poll mutrun") {
            panic!(
                "mutrun ended ({status}) before a mutant ran long:\n{}",
                output_of(project)
            );
        }
        assert!(
            Instant::now() < deadline,
            "no long-running child seen:\n{}",
            output_of(project)
        );
        let now = Instant::now();
        for worker in children_of(mutrun.id() as i32) {
            if !is_worker(worker) {
                continue;
            }
            for child in children_of(worker) {
                let seen = *first_seen.entry(child).or_insert(now);
                if now - seen > Duration::from_millis(1000) {
                    return (worker, child);
                }
            }
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn finish(mut mutrun: Child, project: &Path) -> (Option<i32>, String) {
    let status = mutrun.wait().expect("wait for mutrun");
    let output = output_of(project);
    let left = common::wait_for_no_processes_under(project);
    assert!(left.is_empty(), "processes left behind: {left:?}\n{output}");
    (status.code(), output)
}

#[test]
fn a_worker_killed_mid_run_is_restarted_and_its_mutant_runs_again() {
    let expected = undisturbed();
    let (_guard, project) = common::fixture("hazards");
    let mut mutrun = start_run(&project, &[]);
    let (worker, child) = wait_for_long_child(&mut mutrun, &project);
    kill(Pid::from_raw(worker), Signal::SIGKILL).expect("kill the worker");
    let (code, output) = finish(mutrun, &project);
    assert_eq!(code, Some(0), "{output}");
    // The user is told, once, which worker died, how, and that its mutant runs again.
    let warnings: Vec<&str> = output
        .lines()
        .filter(|l| l.contains("mutrun: warning: worker"))
        .collect();
    assert_eq!(warnings.len(), 1, "{output}");
    assert!(
        warnings[0].contains(&format!("(pid {worker}) died (killed by SIGKILL)")),
        "{output}"
    );
    assert!(
        warnings[0].contains("while running hazards.loops.count_up:"),
        "{output}"
    );
    assert!(
        warnings[0].contains("started a new worker; the mutant runs again"),
        "{output}"
    );
    // Its child died with it (the orphan check above covers the rest).
    assert!(
        std::fs::metadata(format!("/proc/{child}")).is_err() || parent_of(child) != Some(worker),
        "the child of the killed worker is still alive"
    );
    assert_eq!(&common::verdicts(&project), expected, "{output}");
}

#[test]
fn a_child_killed_by_a_signal_is_crashed_not_run_again() {
    let expected = undisturbed();
    let (_guard, project) = common::fixture("hazards");
    let mut mutrun = start_run(&project, &[]);
    let (_worker, child) = wait_for_long_child(&mut mutrun, &project);
    kill(Pid::from_raw(child), Signal::SIGKILL).expect("kill the child");
    let (code, output) = finish(mutrun, &project);
    assert_eq!(code, Some(0), "{output}");
    assert!(!output.contains("mutrun: warning: worker"), "{output}");
    // Exactly the killed child's mutant differs: an endless loop, crashed instead of timeout.
    let got = verdicts_with_detail(&project);
    let differing: Vec<(&String, &(String, String))> = got
        .iter()
        .filter(|(id, (verdict, _))| expected.get(*id) != Some(verdict))
        .collect();
    assert_eq!(differing.len(), 1, "{differing:?}\n{output}");
    let (id, (verdict, detail)) = differing[0];
    assert!(id.starts_with("hazards.loops.count_up:"), "{id}");
    assert_eq!(expected[id], "timeout");
    assert_eq!(verdict, "crashed");
    assert_eq!(detail, "killed by SIGKILL");
}

#[test]
fn a_worker_that_cannot_start_again_ends_the_run_with_a_clear_error() {
    let (_guard, project) = common::fixture("hazards");
    // A conftest that kills the worker collecting the tests once the marker file exists.
    let marker = project.with_extension("die");
    std::fs::write(
        project.join("tests/conftest.py"),
        "import os\n\
         if os.environ.get('MUTRUN_MODE') == 'worker' and os.path.exists(os.environ['DIE_MARKER']):\n\
         \x20   os.kill(os.getpid(), 9)\n",
    )
    .expect("write conftest");
    let mut mutrun = start_run(&project, &[("DIE_MARKER", &marker)]);
    let (worker, _child) = wait_for_long_child(&mut mutrun, &project);
    std::fs::write(&marker, "").expect("write marker");
    kill(Pid::from_raw(worker), Signal::SIGKILL).expect("kill the worker");
    let started = Instant::now();
    let (code, output) = finish(mutrun, &project);
    assert_eq!(code, Some(1), "{output}");
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "the run took {:?} to give up",
        started.elapsed()
    );
    assert!(
        output.contains(
            "mutrun: error: worker 0 died (killed by SIGKILL) while collecting the tests"
        ) || output.contains(
            "mutrun: error: worker 1 died (killed by SIGKILL) while collecting the tests"
        ),
        "{output}"
    );
    assert!(output.contains("worker-"), "names the log: {output}");
    // The verdicts found before are kept; the rest stay pending for the next run.
    let saved = common::saved_verdicts(&project);
    assert!(saved < undisturbed().len(), "{output}");
}

#[test]
fn a_mutant_under_which_every_worker_dies_ends_the_run_instead_of_looping() {
    let (_guard, project) = common::fixture("simple");
    // Under this one mutant, a test kills its parent: the worker, not the child.
    std::fs::write(
        project.join("tests/conftest.py"),
        "import os\n\
         import pytest\n\n\
         @pytest.fixture(autouse=True)\n\
         def kill_the_worker_under_one_mutant():\n\
         \x20   if os.environ.get('MUTANT_UNDER_TEST') == 'simple.calc.add:2':\n\
         \x20       os.kill(os.getppid(), 9)\n\
         \x20   yield\n",
    )
    .expect("write conftest");
    let out = common::mutrun(&project, &["run", "--no-progress", "-j", "2"]);
    let output = common::text(&out);
    assert_eq!(out.status.code(), Some(1), "{output}");
    let restarts = output
        .lines()
        .filter(|l| {
            l.starts_with("mutrun: warning: worker")
                && l.contains("died (killed by SIGKILL) while running simple.calc.add:2; started a new worker; the mutant runs again")
        })
        .count();
    assert_eq!(restarts, 2, "{output}");
    assert!(
        output.contains("died (killed by SIGKILL) running simple.calc.add:2: 3 processes in a row died under it, so mutrun stops rather than restart them for ever"),
        "{output}"
    );
    assert!(
        output.contains("# pragma: no mutate"),
        "says what to do: {output}"
    );
    // No verdict is invented for it.
    assert_eq!(
        common::verdicts(&project)
            .get("simple.calc.add:2")
            .map(String::as_str),
        Some("none"),
        "{output}"
    );
    let left = common::wait_for_no_processes_under(&project);
    assert!(left.is_empty(), "processes left behind: {left:?}\n{output}");
}
