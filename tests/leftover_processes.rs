//! What a pass or a forked child starts ends with it: tests that start a `sleep` and never wait
//! for it (one in a session of its own), and mutants that loop until their timeout, leave no
//! process behind once `mutrun run` returns; plain pytest leaves them all.

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

/// Live processes whose command line is exactly `sleep SECONDS`, as `pid (parent pid, group)`.
fn sleeps(seconds: &str) -> Vec<String> {
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return found;
    };
    for entry in entries.filter_map(|e| e.ok()) {
        let cmdline = std::fs::read(entry.path().join("cmdline")).unwrap_or_default();
        if cmdline != format!("sleep\0{seconds}\0").as_bytes() {
            continue;
        }
        let stat = std::fs::read_to_string(entry.path().join("stat")).unwrap_or_default();
        let fields: Vec<&str> = stat
            .rsplit_once(')')
            .map(|(_, rest)| rest.split_whitespace().collect())
            .unwrap_or_default();
        if fields.first().is_some_and(|s| *s == "Z" || *s == "X") {
            continue;
        }
        found.push(format!(
            "{} (parent {}, group {})",
            entry.file_name().to_string_lossy(),
            fields.get(1).unwrap_or(&"?"),
            fields.get(2).unwrap_or(&"?")
        ));
    }
    found
}

/// Ends the `sleep SECONDS` processes this test's own plain pytest runs left.
fn end_sleeps(seconds: &str) {
    for entry in sleeps(seconds) {
        if let Some(pid) = entry.split(' ').next().and_then(|p| p.parse::<i32>().ok()) {
            let _ = nix::sys::signal::kill(
                nix::unistd::Pid::from_raw(pid),
                nix::sys::signal::Signal::SIGKILL,
            );
        }
    }
}

fn run_with_marker(project: &Path, seconds: &str) -> std::process::Output {
    common::mutrun_command(project, &["run", "--no-progress"])
        .env("LEFTOVER_SLEEP", seconds)
        .output()
        .expect("run mutrun")
}

#[test]
fn processes_the_tests_start_end_with_their_pass_or_child() {
    let (_guard, project) = common::fixture("leftovers");
    // A number no other process on the machine sleeps for.
    let seconds = (3_000_000 + std::process::id()).to_string();

    let out = run_with_marker(&project, &seconds);
    let text = common::text(&out);
    assert!(out.status.success(), "{text}");
    // Killed processes vanish within milliseconds; give a loaded machine a moment.
    let deadline = Instant::now() + Duration::from_secs(5);
    while !sleeps(&seconds).is_empty() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    let left = sleeps(&seconds);
    assert!(left.is_empty(), "left behind: {left:?}\n{text}");
    assert!(common::processes_under(&project).is_empty());

    let v = common::verdicts(&project);
    for (id, verdict) in [
        ("chores.work.scaled:1", "killed"),
        ("chores.work.scaled:2", "killed"),
        ("chores.work.countdown:3", "killed"),  // > → >=
        ("chores.work.countdown:5", "timeout"), // i -= 1 → i = 1
        ("chores.work.countdown:6", "timeout"), // i -= 1 → i += 1
    ] {
        assert_eq!(v[id], verdict, "{id}: {v:?}");
    }

    // Plain pytest agrees with every verdict (and, being plain, leaves its sleeps running).
    let verify = common::mutrun_command(&project, &["verify"])
        .env("LEFTOVER_SLEEP", &seconds)
        .output()
        .expect("run verify");
    end_sleeps(&seconds);
    let text = common::text(&verify);
    assert!(verify.status.success(), "{text}");
    assert!(
        text.contains("0 disagree, 0 could not be checked"),
        "{text}"
    );
}
