//! `mutrun browse` driven as a person would, in a real terminal: tmux runs the binary in a
//! 100x30 pane, `send-keys` types, `capture-pane` reads the screen. On `fixtures/simple` after
//! `mutrun run`: filter to survivors, open one, re-run it, apply it, quit — the screen checked at
//! each step, the source file after the apply, and the terminal's modes after the exit (no raw
//! mode left behind, also after Ctrl-C and SIGTERM). Needs tmux (`.ci/run` installs it); without
//! it these tests say so and pass.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

fn tmux_installed() -> bool {
    let found = Command::new("tmux")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        eprintln!("SKIPPED: tmux is not installed (apt-get install tmux); the browse end-to-end test needs it");
    }
    found
}

/// Shell single quotes.
fn quoted(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

fn venv_root() -> PathBuf {
    common::python()
        .parent()
        .and_then(Path::parent)
        .expect("venv root")
        .to_path_buf()
}

/// One tmux server (its own socket, no user config) running `mutrun browse` in one pane; the
/// server is killed on drop.
struct Pane {
    socket: String,
    pid_file: PathBuf,
}

impl Pane {
    /// Starts `mutrun -C project browse` in a `width`x`height` pane. After browse exits, the
    /// pane's shell prints `browse exited: CODE` and the terminal's modes (`stty -a`).
    fn browse(name: &str, project: &Path, width: u16, height: u16) -> Pane {
        let socket = format!("mutrun-test-{name}-{}", std::process::id());
        let pid_file = project.with_file_name(format!("{name}.pid"));
        // The inner shell writes its pid and becomes mutrun, so the pid file names mutrun.
        let inner = format!(
            "echo $$ > {}; exec env VIRTUAL_ENV={} {} -C {} browse",
            quoted(&pid_file.display().to_string()),
            quoted(&venv_root().display().to_string()),
            quoted(env!("CARGO_BIN_EXE_mutrun")),
            quoted(&project.display().to_string()),
        );
        let command = format!(
            "sh -c {}; echo \"browse exited: $?\"; stty -a; sleep 600",
            quoted(&inner)
        );
        let pane = Pane { socket, pid_file };
        let out = pane.tmux(&[
            "new-session",
            "-d",
            "-s",
            "browse",
            "-x",
            &width.to_string(),
            "-y",
            &height.to_string(),
            &command,
        ]);
        assert!(
            out.status.success(),
            "tmux new-session: {}",
            common::text(&out)
        );
        pane
    }

    fn tmux(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .args(["-u", "-L", &self.socket, "-f", "/dev/null"])
            .args(args)
            .env("LC_ALL", "C.UTF-8")
            .output()
            .expect("run tmux")
    }

    fn send(&self, keys: &[&str]) {
        for key in keys {
            let out = self.tmux(&["send-keys", "-t", "browse", key]);
            assert!(
                out.status.success(),
                "send-keys {key}: {}",
                common::text(&out)
            );
        }
    }

    fn screen(&self) -> String {
        let out = self.tmux(&["capture-pane", "-p", "-t", "browse"]);
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Polls the screen until it contains every one of `texts` (deadline: `seconds`); returns it.
    fn wait_for(&self, texts: &[&str], seconds: u64) -> String {
        let deadline = Instant::now() + Duration::from_secs(seconds);
        loop {
            let screen = self.screen();
            if texts.iter().all(|t| screen.contains(t)) {
                return screen;
            }
            if Instant::now() > deadline {
                let missing: Vec<&&str> = texts.iter().filter(|t| !screen.contains(**t)).collect();
                panic!("after {seconds} s the screen still lacks {missing:?}:\n{screen}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// mutrun's pid, once the pane has started it.
    fn pid(&self) -> i32 {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(pid) = std::fs::read_to_string(&self.pid_file)
                .ok()
                .and_then(|t| t.trim().parse().ok())
            {
                return pid;
            }
            assert!(Instant::now() < deadline, "the pane never started mutrun");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Pane {
    fn drop(&mut self) {
        let _ = self.tmux(&["kill-server"]);
    }
}

/// The `stty -a` the pane printed after browse exited shows a cooked terminal: canonical
/// input and echo on, as before browse started.
fn assert_terminal_restored(screen: &str) {
    let words: Vec<&str> = screen.split_whitespace().collect();
    assert!(
        words.contains(&"icanon") && words.contains(&"echo") && !words.contains(&"-icanon"),
        "the terminal was left in raw mode:\n{screen}"
    );
}

/// The stored verdict record of `id` in `project`'s `.meta` for `source`.
fn stored_record(project: &Path, source: &str, id: &str) -> serde_json::Value {
    let path = project.join("mutants").join(format!("{source}.meta"));
    let meta: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&path).expect("read .meta")).expect("meta JSON");
    meta["mutants"]
        .as_array()
        .and_then(|ms| ms.iter().find(|m| m["id"] == id))
        .map(|m| m["verdict"].clone())
        .unwrap_or_else(|| panic!("{id} is not in {}", path.display()))
}

#[test]
fn browse_filters_opens_reruns_applies_and_quits_in_a_real_terminal() {
    if !tmux_installed() {
        return;
    }
    let (_guard, project) = common::fixture("simple");
    let run = common::mutrun(&project, &["run", "--no-progress"]);
    assert!(run.status.success(), "{}", common::text(&run));
    let calc = project.join("simple/calc.py");
    let original = std::fs::read_to_string(&calc).expect("read calc.py");
    let before = stored_record(&project, "simple/calc.py", "simple.calc.is_positive:2");

    let pane = Pane::browse("flow", &project, 100, 30);
    // The first screen: the counts of the run, both files, the keys.
    let screen = pane.wait_for(
        &[
            "39 mutants: 34 killed, 2 survived, 3 no tests",
            ">simple/calc.py",
            "simple/counter.py",
            "Mutants in simple/calc.py (16)",
            "q quit",
        ],
        30,
    );
    assert!(
        screen.contains("killed by tests/test_calc.py::test_add"),
        "{screen}"
    );
    assert!(screen.contains("esc back  f filter"), "{screen}");

    // Resized to 80x24 it redraws to fit (the keys closer together), and back again.
    pane.tmux(&["resize-window", "-t", "browse", "-x", "80", "-y", "24"]);
    let screen = pane.wait_for(&["esc back f filter / search t tests", "q quit"], 30);
    assert_eq!(screen.lines().count(), 24, "{screen}");
    assert!(screen.lines().all(|l| l.chars().count() <= 80), "{screen}");
    pane.tmux(&["resize-window", "-t", "browse", "-x", "100", "-y", "30"]);
    pane.wait_for(&["esc back  f filter", "q quit"], 30);

    // f: survivors only; counter.py has none and leaves the list.
    pane.send(&["f"]);
    let screen = pane.wait_for(
        &[
            "filter: survived (2 mutants)",
            "survived     23 is_positive:2  > → >=",
            "survived     23 is_positive:3  0 → 1",
        ],
        30,
    );
    assert!(!screen.contains("simple/counter.py"), "{screen}");
    assert!(!screen.contains("killed       19 add:1"), "{screen}");

    // Down to is_positive, enter: its survivors, the first one's diff.
    pane.send(&["j", "Enter"]);
    pane.wait_for(
        &[
            "Mutants of is_positive (2)",
            "simple.calc.is_positive:2",
            "survived: 1 test ran, none failed",
            "-    return x > 0",
            "+    return x >= 0",
        ],
        30,
    );

    // r: re-runs it with `mutrun run`; the verdict comes back (still survived) and is stored anew.
    pane.send(&["r"]);
    let screen = pane.wait_for(&["re-ran simple.calc.is_positive:2: survived"], 120);
    assert!(
        screen.contains(">survived     23 is_positive:2"),
        "{screen}"
    );
    let after = stored_record(&project, "simple/calc.py", "simple.calc.is_positive:2");
    assert_eq!(after["verdict"], "survived");
    assert_ne!(
        before["seconds"], after["seconds"],
        "the mutant did not run again"
    );

    // a: asks first, and writes nothing until y.
    pane.send(&["a"]);
    pane.wait_for(
        &[
            "Apply this mutant to your source?",
            "Write simple.calc.is_positive:2 into simple/calc.py (line 23)?",
            "- return x > 0",
            "+ return x >= 0",
            "y apply  n cancel",
        ],
        30,
    );
    assert_eq!(std::fs::read_to_string(&calc).expect("read"), original);
    pane.send(&["y"]);
    pane.wait_for(
        &[
            "applied simple.calc.is_positive:2 to simple/calc.py:23",
            "simple/calc.py changed since its mutants were generated",
        ],
        30,
    );
    assert_eq!(
        std::fs::read_to_string(&calc).expect("read"),
        original.replace("    return x > 0\n", "    return x >= 0\n"),
        "apply must change exactly the mutated line"
    );

    // q: exits 0 and leaves the terminal as it found it.
    pane.send(&["q"]);
    let screen = pane.wait_for(&["browse exited: 0", "icanon"], 30);
    assert_terminal_restored(&screen);
}

#[test]
fn ctrl_c_and_sigterm_restore_the_terminal() {
    if !tmux_installed() {
        return;
    }
    let (_guard, project) = common::fixture("simple");
    let run = common::mutrun(&project, &["run", "--no-progress"]);
    assert!(run.status.success(), "{}", common::text(&run));

    // Ctrl-C in raw mode is a key: browse quits normally.
    let pane = Pane::browse("ctrlc", &project, 80, 24);
    pane.wait_for(&["39 mutants", "q quit"], 30);
    pane.send(&["C-c"]);
    let screen = pane.wait_for(&["browse exited: 0", "icanon"], 30);
    assert_terminal_restored(&screen);

    // A SIGTERM from elsewhere: the handler restores the terminal, exit code 130.
    let pane = Pane::browse("sigterm", &project, 80, 24);
    pane.wait_for(&["39 mutants", "q quit"], 30);
    let killed = Command::new("kill")
        .args(["-TERM", &pane.pid().to_string()])
        .status()
        .expect("run kill");
    assert!(killed.success());
    let screen = pane.wait_for(&["browse exited: 130", "icanon"], 30);
    assert_terminal_restored(&screen);
}

#[test]
fn browse_without_a_run_says_how_to_start_one() {
    let (_guard, project) = common::fixture("simple");
    let out = common::mutrun(&project, &["browse"]);
    assert_eq!(out.status.code(), Some(2), "{}", common::text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("nothing to browse: no mutation results in")
            && stderr.contains("Start a run with `mutrun run`"),
        "{stderr}"
    );
    assert!(out.stdout.is_empty(), "{}", common::text(&out));
}
