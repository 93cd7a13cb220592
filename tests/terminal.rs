//! Terminal conventions and mutmut habits, on the real binary: colour (`NO_COLOR`, `--color`),
//! `-q`, shell completions, a closed pipe, errors that name the flag, the project root found
//! from a subfolder, and mutmut's commands (`--max-children`, `export-cicd-stats`,
//! `print-time-estimates`, mutmut ids, `mark` on a killed mutant).

mod common;

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_mutrun");

/// A colour SGR sequence (foreground or background, basic, bright, 256 or RGB).
fn has_color(text: &str) -> bool {
    let mut rest = text;
    while let Some(at) = rest.find("\x1b[") {
        rest = &rest[at + 2..];
        let Some(end) = rest.find(|c: char| !(c.is_ascii_digit() || c == ';')) else {
            break;
        };
        if rest[end..].starts_with('m') {
            let colored = rest[..end].split(';').any(|p| {
                matches!(
                    p.parse::<u32>(),
                    Ok(30..=37 | 38 | 40..=47 | 48 | 90..=97 | 100..=107)
                )
            });
            if colored {
                return true;
            }
        }
    }
    false
}

/// `sh -c SCRIPT` under a pseudo-terminal (`script`), with `env` added: its output as text.
fn under_tty(script: &str, env: &[(&str, &str)]) -> String {
    let mut cmd = Command::new("script");
    cmd.args(["-qec", script, "/dev/null"]);
    cmd.env_remove("NO_COLOR");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("script (util-linux) runs");
    common::text(&out)
}

fn quote(path: &Path) -> String {
    format!("'{}'", path.display())
}

#[test]
fn no_color_and_color_never_give_no_colour_on_a_terminal_and_always_gives_it_in_a_pipe() {
    let (_guard, project) = common::fixture("simple");
    let show = format!("{BIN} -C {} show simple.calc.add:2", quote(&project));
    let colored = under_tty(&show, &[]);
    assert!(
        has_color(&colored),
        "a terminal gets a coloured diff:\n{colored}"
    );
    let no_color = under_tty(&show, &[("NO_COLOR", "1")]);
    assert!(no_color.contains("+    return a - b"), "{no_color}");
    assert!(!has_color(&no_color), "NO_COLOR:\n{no_color:?}");
    let never = format!(
        "{BIN} --color never -C {} show simple.calc.add:2",
        quote(&project)
    );
    let never = under_tty(&never, &[]);
    assert!(never.contains("+    return a - b"), "{never}");
    assert!(!has_color(&never), "--color never:\n{never:?}");
    // Into a pipe: no colour by default, colour with --color always (even with NO_COLOR).
    let piped = common::mutrun(&project, &["show", "simple.calc.add:2"]);
    assert!(!has_color(&common::text(&piped)));
    let always = common::mutrun_command(
        &project,
        &["--color", "always", "show", "simple.calc.add:2"],
    )
    .env("NO_COLOR", "1")
    .output()
    .expect("run");
    assert!(
        has_color(&String::from_utf8_lossy(&always.stdout)),
        "{}",
        common::text(&always)
    );
}

#[test]
fn color_never_keeps_a_whole_run_with_its_progress_bar_free_of_colour_on_a_terminal() {
    let (_guard, project) = common::fixture("simple");
    let python = common::python();
    let run = format!(
        "{BIN} --color never -C {} run --python {} -j 1",
        quote(&project),
        quote(&python)
    );
    let text = under_tty(&run, &[]);
    assert!(text.contains("39 mutants: 34 killed"), "{text}");
    assert!(!has_color(&text), "{text:?}");
    // An error's label is coloured on a terminal by default, and not with NO_COLOR.
    let bad = format!("{BIN} -C {} show nope:1", quote(&project));
    assert!(has_color(&under_tty(&bad, &[])));
    assert!(!has_color(&under_tty(&bad, &[("NO_COLOR", "1")])));
}

#[test]
fn quiet_prints_nothing_on_a_full_run_but_still_prints_errors() {
    let (_guard, project) = common::fixture("simple");
    let out = common::mutrun(&project, &["-q", "run"]);
    assert_eq!(out.status.code(), Some(0), "{}", common::text(&out));
    assert!(
        out.stdout.is_empty() && out.stderr.is_empty(),
        "-q prints nothing on a run that works: {}",
        common::text(&out)
    );
    assert_eq!(common::verdicts(&project).len(), 39);
    // What was asked for is still printed.
    let results = common::mutrun(&project, &["-q", "results"]);
    assert!(String::from_utf8_lossy(&results.stdout).contains("survived (2):"));
    assert!(results.stderr.is_empty(), "{}", common::text(&results));
    // Errors too, naming the flag that gave the bad value.
    let out = common::mutrun(
        &project,
        &["-q", "run", "--rerun", "--python", "/nonexistent"],
    );
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.starts_with("mutrun: error: "), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
}

#[test]
fn a_bad_python_flag_names_the_flag_not_the_config_file() {
    let (_guard, project) = common::fixture("simple");
    let out = common::mutrun(&project, &["run", "--python", "/nonexistent"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let error = stderr
        .lines()
        .find(|l| l.starts_with("mutrun: error: "))
        .unwrap_or_else(|| panic!("{stderr}"));
    assert!(error.contains("`--python /nonexistent`"), "{error}");
    assert!(error.contains("give --python"), "{error}");
    assert!(!error.contains("pyproject.toml"), "{error}");
    // A usage error from clap has the same shape and exit code.
    let out = common::mutrun(&project, &["run", "--no-such-flag"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with("mutrun: error: unexpected argument '--no-such-flag'"),
        "{stderr}"
    );
}

#[test]
fn completions_for_bash_zsh_and_fish_parse() {
    let dir = tempfile::tempdir().expect("tmp");
    for (shell, check) in [
        ("bash", vec!["bash", "-n"]),
        ("zsh", vec!["zsh", "-n"]),
        ("fish", vec!["fish", "--no-execute"]),
    ] {
        let out = Command::new(BIN)
            .args(["completions", shell])
            .output()
            .expect("run");
        assert!(out.status.success(), "{shell}: {}", common::text(&out));
        let script = String::from_utf8_lossy(&out.stdout);
        assert!(script.contains("print-time-estimates"), "{shell}");
        assert!(script.contains("max-children"), "{shell}");
        let path = dir.path().join(format!("mutrun.{shell}"));
        std::fs::write(&path, script.as_bytes()).expect("write");
        let parsed = Command::new(check[0]).args(&check[1..]).arg(&path).output();
        match parsed {
            Ok(parsed) => assert!(
                parsed.status.success(),
                "{shell} does not parse the script: {}",
                common::text(&parsed)
            ),
            // bash is always there; zsh and fish only where installed (.ci/run installs them).
            Err(_) if shell != "bash" => eprintln!("{shell} not installed: not checked"),
            Err(e) => panic!("bash: {e}"),
        }
    }
}

/// `mutrun ARGS` with its stdout closed before it writes: (exit code, stderr).
fn into_closed_pipe(project: &Path, args: &[&str]) -> (Option<i32>, String) {
    let mut child = common::mutrun_command(project, args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    drop(child.stdout.take());
    let mut stderr = String::new();
    if let Some(mut err) = child.stderr.take() {
        let _ = err.read_to_string(&mut stderr);
    }
    let status = child.wait().expect("wait");
    (status.code(), stderr)
}

#[test]
fn a_closed_pipe_ends_quietly() {
    let (_guard, project) = common::fixture("simple");
    for args in [
        &["show", "simple.calc.add:2"][..],
        &["list"][..],
        &["completions", "bash"][..],
    ] {
        let (code, stderr) = into_closed_pipe(&project, args);
        assert_eq!(code, Some(0), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert!(!stderr.contains("Broken pipe"), "{args:?}: {stderr}");
    }
    // As a shell pipeline, with the pipeline's status being mutrun's.
    let out = Command::new("bash")
        .arg("-c")
        .arg(format!(
            "set -o pipefail; {BIN} -C {} list | head -1",
            quote(&project)
        ))
        .output()
        .expect("bash");
    assert_eq!(out.status.code(), Some(0), "{}", common::text(&out));
    assert!(!common::text(&out).contains("panicked"));
}

#[test]
fn the_project_root_is_found_from_a_subfolder_and_said() {
    let (_guard, project) = common::fixture("simple");
    let sub = project.join("simple");
    let out = Command::new(BIN)
        .arg("generate")
        .current_dir(&sub)
        .output()
        .expect("run");
    let text = common::text(&out);
    assert!(out.status.success(), "{text}");
    let canonical = project.canonicalize().expect("canonical");
    assert!(
        text.contains(&format!(
            "mutrun: project root: {} (its pyproject.toml",
            canonical.display()
        )),
        "{text}"
    );
    assert!(
        project.join("mutants/simple/calc.py.meta").is_file(),
        "{text}"
    );
    assert!(
        !sub.join("mutants").exists(),
        "no mutants/ inside the package"
    );
    // From the root itself nothing is said; -C still wins.
    let out = Command::new(BIN)
        .arg("list")
        .current_dir(&project)
        .output()
        .expect("run");
    assert!(!common::text(&out).contains("project root"));
    let out = Command::new(BIN)
        .args(["-C", "..", "list"])
        .current_dir(&sub)
        .output()
        .expect("run");
    let text = common::text(&out);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("simple.calc.add:1"), "{text}");
    assert!(!text.contains("project root"), "{text}");
}

#[test]
fn mutmut_commands_and_options_work_on_a_run() {
    let (_guard, project) = common::fixture("simple");
    // `--max-children N` is `-j N`.
    let out = common::mutrun(&project, &["run", "--no-progress", "--max-children", "1"]);
    assert_eq!(out.status.code(), Some(0), "{}", common::text(&out));
    assert_eq!(common::verdicts(&project).len(), 39);

    // `results` lists the no-tests mutants, as mutmut's does.
    let results = common::mutrun(&project, &["results"]);
    let text = String::from_utf8_lossy(&results.stdout);
    assert!(text.contains("no tests (3):"), "{text}");
    assert!(text.contains("simple.calc.unused:1"), "{text}");
    assert!(!text.contains("killed ("), "{text}");

    // export-cicd-stats: mutmut's file, mutmut's fields.
    let out = common::mutrun(&project, &["export-cicd-stats"]);
    assert!(out.status.success(), "{}", common::text(&out));
    let stats: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(project.join("mutants/mutmut-cicd-stats.json")).expect("read"),
    )
    .expect("json");
    for (key, value) in [
        ("killed", 34),
        ("survived", 2),
        ("total", 39),
        ("no_tests", 3),
        ("skipped", 0),
        ("suspicious", 0),
        ("timeout", 0),
        ("check_was_interrupted_by_user", 0),
        ("segfault", 0),
    ] {
        assert_eq!(stats[key], value, "{key} in {stats}");
    }
    let badge = project.join("badge.json");
    let out = common::mutrun(
        &project,
        &["badge", "--output", &badge.display().to_string()],
    );
    assert!(out.status.success(), "{}", common::text(&out));
    let badge: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&badge).expect("read")).expect("json");
    assert_eq!(badge["message"], "87.2%", "{badge}");

    // print-time-estimates: no-tests mutants first, then by the summed test time.
    let out = common::mutrun(&project, &["print-time-estimates"]);
    assert!(out.status.success(), "{}", common::text(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 39, "{text}");
    assert_eq!(lines[0], "<no tests>  simple.calc.unused:1", "{text}");
    let times: Vec<f64> = lines[3..]
        .iter()
        .map(|l| {
            let (ms, _) = l.trim().split_once(" ms  ").expect("N ms  ID");
            ms.parse().expect("a number")
        })
        .collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "{text}");
    let only = common::mutrun(&project, &["print-time-estimates", "simple.calc.add:*"]);
    assert_eq!(String::from_utf8_lossy(&only.stdout).lines().count(), 2);

    // A mutmut id gets the way to mutrun's.
    let out = common::mutrun(&project, &["show", "simple.calc.x_add__mutmut_2"]);
    assert_eq!(out.status.code(), Some(2));
    let text = common::text(&out);
    assert!(text.contains("is a mutmut id"), "{text}");
    assert!(text.contains("`mutrun list 'simple.calc.add:*'`"), "{text}");

    // Marking a killed mutant equivalent is refused without --force (no terminal to ask on).
    let out = common::mutrun(&project, &["mark", "simple.calc.add:2", "--equivalent"]);
    assert_eq!(out.status.code(), Some(2), "{}", common::text(&out));
    let text = common::text(&out);
    assert!(text.contains("simple.calc.add:2 is killed"), "{text}");
    assert!(text.contains("--force"), "{text}");
    assert!(!project.join("mutrun-marks.toml").exists());
    let out = common::mutrun(
        &project,
        &["mark", "simple.calc.add:2", "--equivalent", "--force"],
    );
    assert!(out.status.success(), "{}", common::text(&out));
    assert!(project.join("mutrun-marks.toml").is_file());
    // A survivor is marked without a question.
    let out = common::mutrun(
        &project,
        &["mark", "simple.calc.is_positive:2", "--equivalent"],
    );
    assert!(out.status.success(), "{}", common::text(&out));
}
