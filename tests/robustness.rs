//! The robustness suite of issue 7: one small project per kind of bad input under
//! `fixtures/robust/`, each test asserting what a user sees (the verdict of named mutants, or a
//! message naming the cause and what to do) and that no process is left behind.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// `mutrun run --no-progress ARGS` on a fresh copy of `fixtures/robust/NAME`:
/// (guard, project, exit code, stdout + stderr).
fn run_case(name: &str, args: &[&str]) -> (tempfile::TempDir, PathBuf, Option<i32>, String) {
    let (guard, project) = common::fixture(&format!("robust/{name}"));
    let (code, text) = run_again(&project, args);
    (guard, project, code, text)
}

/// `mutrun run --no-progress ARGS` on `project` as it is: (exit code, stdout + stderr).
fn run_again(project: &Path, args: &[&str]) -> (Option<i32>, String) {
    let mut all = vec!["run", "--no-progress"];
    all.extend_from_slice(args);
    let out = common::mutrun(project, &all);
    (out.status.code(), common::text(&out))
}

/// No process (worker, child, subprocess of a test) is left running under `project`.
fn assert_nothing_left(project: &Path) {
    let left = common::wait_for_no_processes_under(project);
    assert!(left.is_empty(), "processes left behind: {left:?}");
}

/// Verdict (and detail) of every mutant, from `mutrun results --all --json`.
fn details(project: &Path) -> BTreeMap<String, (String, String)> {
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

// --- 1. sources that are not UTF-8 -------------------------------------------------------------

#[test]
fn sources_that_are_not_utf8_are_named_and_copied_unmutated_and_the_rest_runs() {
    let (_guard, project, code, text) = run_case("non_utf8", &["-j", "1"]);
    assert_eq!(code, Some(0), "{text}");
    // latin-1 with a cookie: named with its encoding.
    assert!(
        text.contains(
            "mutrun: warning: enc/latin.py:1:1: declares encoding latin-1; mutrun mutates UTF-8 \
             sources only, copied unmutated"
        ),
        "{text}"
    );
    // A stray byte and no cookie: named with the byte's position and what to do.
    let raw = text
        .lines()
        .find(|l| l.starts_with("mutrun: warning: enc/raw.py:"))
        .unwrap_or_else(|| panic!("no warning naming enc/raw.py:\n{text}"));
    assert!(
        raw.starts_with("mutrun: warning: enc/raw.py:3:4: not valid UTF-8"),
        "{raw}"
    );
    assert!(raw.contains("Save it as UTF-8"), "{raw}");
    // Both are in mutants/ byte for byte (the tests import the latin-1 one).
    for file in ["enc/latin.py", "enc/raw.py"] {
        assert_eq!(
            std::fs::read(project.join("mutants").join(file)).expect("copied"),
            std::fs::read(project.join(file)).expect("original"),
            "{file}"
        );
    }
    let v = common::verdicts(&project);
    assert!(!v.is_empty(), "{text}");
    assert!(
        v.keys().all(|id| id.starts_with("enc.good.double:")),
        "{v:?}"
    );
    assert!(v.values().all(|v| v == "killed"), "{v:?}");
    assert_nothing_left(&project);
}

// --- 2. a project with no tests -----------------------------------------------------------------

#[test]
fn a_project_without_tests_stops_with_code_4_and_says_to_write_or_point_at_tests() {
    let (_guard, project, code, text) = run_case("no_tests", &[]);
    assert_eq!(code, Some(4), "{text}");
    assert!(
        text.contains("mutrun: error: pytest found no tests in mutants/"),
        "{text}"
    );
    assert!(text.contains("Write tests pytest collects"), "{text}");
    assert!(text.contains("`tests_dir`"), "{text}");
    assert_eq!(common::saved_verdicts(&project), 0, "{text}");
    assert_nothing_left(&project);
}

// --- 4. a mutant that allocates without bound ---------------------------------------------------

#[test]
fn a_mutant_that_allocates_without_bound_crashes_under_the_memory_cap() {
    // fixtures/robust/memory sets `memory_limit_mb = 300`.
    let (_guard, project, code, text) = run_case("memory", &["-j", "2"]);
    assert_eq!(code, Some(0), "{text}");
    let v = details(&project);
    // `i += 1` → `i = 1` and `i -= 1`: the loop appends a megabyte forever.
    for id in ["hog.grow.megabytes:12", "hog.grow.megabytes:13"] {
        let (verdict, detail) = &v[id];
        assert_eq!(verdict, "crashed", "{id}: {v:?}");
        assert!(
            detail.contains("ran out of memory under the memory cap (`memory_limit_mb`)")
                && detail.contains("tests/test_grow.py::test_megabytes"),
            "{id}: {detail}"
        );
    }
    // `while i < n` → `while not (i < n)`: no allocation, a plain wrong answer.
    assert_eq!(v["hog.grow.megabytes:4"].0, "killed", "{v:?}");
    // The other function is judged as usual.
    assert_eq!(v["hog.grow.half:1"].0, "killed", "{v:?}");
    assert_eq!(
        v.values()
            .filter(|(verdict, _)| verdict == "crashed")
            .count(),
        2,
        "only the two endless allocations crash: {v:?}"
    );
    let show = common::mutrun(&project, &["show", "hog.grow.megabytes:12"]);
    let shown = String::from_utf8_lossy(&show.stdout).to_string();
    assert!(
        shown.contains("verdict: crashed (ran out of memory under the memory cap"),
        "{shown}"
    );
    // Plain pytest on the patched source, under the same cap, fails the test as well.
    let verify = common::mutrun(&project, &["verify", "hog.grow.megabytes:12"]);
    let checked = common::text(&verify);
    assert_eq!(verify.status.code(), Some(0), "{checked}");
    assert!(checked.contains("1 mutants checked: 1 agree"), "{checked}");
    assert_nothing_left(&project);
}

// --- 3. tests that import the package from outside mutants/ ------------------------------------

#[test]
fn tests_that_import_the_original_package_are_refused_naming_the_modules_and_the_fix() {
    // One test file puts the original checkout first on sys.path; another loads a module from a
    // file of the checkout by path. Neither ever reaches a mutant, so without this check every
    // mutant would end as `no tests` and the run would look fine.
    let (_guard, project, code, text) = run_case("outside_import", &[]);
    assert_eq!(code, Some(4), "{text}");
    assert!(
        text.contains(
            "mutrun: error: the tests import 2 mutated modules from outside mutants/, so they test \
             the original code"
        ),
        "{text}"
    );
    let original = project
        .canonicalize()
        .expect("project path")
        .join("shadow/core.py");
    for module in ["shadow.core", "core_by_path"] {
        let line = format!("  `{module}` from {}", original.display());
        assert!(text.contains(&line), "no line {line:?} in:\n{text}");
    }
    assert!(
        text.contains("do not put the project directory or an absolute path in front of sys.path"),
        "{text}"
    );
    assert!(text.contains("`pip install -e .`"), "{text}");
    assert_eq!(common::saved_verdicts(&project), 0, "{text}");
    assert_nothing_left(&project);
}

// --- 5. os._exit in the middle of a test --------------------------------------------------------

#[test]
fn a_test_process_that_calls_os_exit_is_suspicious_and_the_other_mutants_are_judged() {
    // One worker, so the mutants after each os._exit run in the same worker's next children.
    let (_guard, project, code, text) = run_case("os_exit", &["-j", "1"]);
    assert_eq!(code, Some(0), "{text}");
    let v = details(&project);
    assert!(v.values().all(|(verdict, _)| verdict != "none"), "{v:?}");
    // `if ok:` → `if not (ok):`: finish(True) calls os._exit(0). Plain pytest would stop there
    // and exit 0 without having run (or reported) the test: not a pass, not a failure.
    let (verdict, detail) = &v["quitter.core.finish:1"];
    assert_eq!(verdict, "suspicious", "{v:?}");
    assert!(
        detail.starts_with("the test process exited with code 0 before reporting")
            && detail.contains("os._exit"),
        "{detail}"
    );
    // `code != 0` → `code == 0`, `not (code != 0)`, `code != 1`: check(0) calls os._exit(1).
    for id in [
        "quitter.core.check:1",
        "quitter.core.check:2",
        "quitter.core.check:3",
    ] {
        let (verdict, detail) = &v[id];
        assert_eq!(verdict, "suspicious", "{id}: {v:?}");
        assert!(
            detail.starts_with("the test process exited with code 1 before reporting"),
            "{id}: {detail}"
        );
    }
    assert_eq!(
        v.values()
            .filter(|(verdict, _)| verdict == "suspicious")
            .count(),
        4,
        "{v:?}"
    );
    // The rest are judged as plain pytest judges them.
    assert_eq!(v["quitter.core.finish:2"].0, "killed", "{v:?}"); // "done" → "XXdoneXX"
    for id in [
        "quitter.core.triple:1",
        "quitter.core.triple:2",
        "quitter.core.triple:3",
    ] {
        assert_eq!(v[id].0, "killed", "{id}: {v:?}");
    }
    // `os._exit(0)` → `os._exit(1)`: on a line no test executes (the mutant that turns
    // `if ok:` around reaches it, but no test runs it unmutated).
    assert_eq!(v["quitter.core.finish:5"].0, "no_tests", "{v:?}");
    assert_nothing_left(&project);
}

// --- 6. tests that clear the environment or change directory ------------------------------------

#[test]
fn tests_that_clear_the_environment_or_change_directory_do_not_change_verdicts() {
    let (_guard, project, code, text) = run_case("environment", &["-j", "2"]);
    assert_eq!(code, Some(0), "{text}");
    let v = common::verdicts(&project);
    // scale() is reached only after `os.environ.clear()`, shout() only after `os.chdir`, and
    // negate() by a later test file: every mutant of each is killed, as plain pytest kills it.
    assert_eq!(v.len(), 9, "{v:?}");
    for (id, verdict) in &v {
        assert_eq!(verdict, "killed", "{id}: {v:?}");
    }
    for function in ["scale", "shout", "negate"] {
        let prefix = format!("envy.core.{function}:");
        assert!(v.keys().any(|id| id.starts_with(&prefix)), "{v:?}");
    }
    assert_nothing_left(&project);
}

// --- 7. a test that starts a subprocess importing the package ------------------------------------

#[test]
fn a_function_only_a_subprocess_calls_is_covered_and_its_mutants_are_killed() {
    let (_guard, project, code, text) = run_case("subprocess_import", &["-j", "2"]);
    assert_eq!(code, Some(0), "{text}");
    let v = common::verdicts(&project);
    // banner() runs only in `python -c "import spawn.core; ..."` started by the test: the stats
    // pass sees it there, and the subprocess runs the mutant the test process runs.
    let banner: Vec<_> = v
        .iter()
        .filter(|(id, _)| id.starts_with("spawn.core.banner:"))
        .collect();
    assert!(!banner.is_empty(), "{v:?}");
    for (id, verdict) in &banner {
        assert_eq!(*verdict, "killed", "{id}: {v:?}");
    }
    let show = common::mutrun(&project, &["show", banner[0].0]);
    let shown = String::from_utf8_lossy(&show.stdout).to_string();
    assert!(
        shown.contains("killed by tests/test_spawn.py::test_banner_in_a_subprocess"),
        "{shown}"
    );
    assert!(
        v.iter()
            .filter(|(id, _)| id.starts_with("spawn.core.width:"))
            .all(|(_, verdict)| verdict == "killed"),
        "{v:?}"
    );
    assert_nothing_left(&project);
}

// --- 8. identifiers outside ASCII -------------------------------------------------------------

#[test]
fn unicode_identifiers_get_mutants_verdicts_and_show() {
    let (_guard, project, code, text) = run_case("unicode", &["-j", "2"]);
    assert_eq!(code, Some(0), "{text}");
    let v = common::verdicts(&project);
    for id in [
        "uni.maße.größe:1",
        "uni.maße.größe:2",
        "uni.maße.größe:3",
        "uni.maße.Ωmega.__init__:1",
        "uni.maße.Ωmega.doppelt:1",
        "uni.maße.Ωmega.doppelt:2",
        // `def ﬁrst`: Python reads the ligature as `first` (NFKC), and so do the ids.
        "uni.maße.first:1",
    ] {
        assert_eq!(v.get(id).map(String::as_str), Some("killed"), "{id}: {v:?}");
    }
    let show = common::mutrun(&project, &["show", "uni.maße.Ωmega.doppelt:2"]);
    let shown = String::from_utf8_lossy(&show.stdout).to_string();
    assert!(show.status.success(), "{}", common::text(&show));
    assert!(
        shown.contains("verdict: killed by tests/test_maße.py::test_ωmega"),
        "{shown}"
    );
    assert!(
        shown.contains("-        return self.wert + self.wert")
            && shown.contains("+        return self.wert - self.wert"),
        "{shown}"
    );
    let list = common::mutant_ids(&project, "uni.maße.größe:*");
    assert_eq!(list.len(), 3, "{list:?}");
    assert_nothing_left(&project);
}

// --- 9. a 5,000-line module ---------------------------------------------------------------------

/// `big/gen.py`: 1,000 functions of five lines each, `f_I(x)` returning `x + I`.
fn five_thousand_lines() -> String {
    let mut text = String::new();
    for i in 0..1000 {
        text.push_str(&format!(
            "def f_{i}(x):\n    \"\"\"Step {i}.\"\"\"\n    return x + {i}\n\n\n"
        ));
    }
    text
}

#[test]
fn a_five_thousand_line_module_is_mutated_and_run() {
    let (_guard, project) = common::fixture("robust/big");
    let source = five_thousand_lines();
    assert_eq!(source.lines().count(), 5000);
    std::fs::write(project.join("big/gen.py"), source).expect("write big/gen.py");
    let (code, text) = run_again(&project, &["-j", "2"]);
    assert_eq!(code, Some(0), "{text}");
    let v = common::verdicts(&project);
    // return None, `+` → `-`, I → I + 1 in each function.
    assert_eq!(v.len(), 3000, "{text}");
    assert!(v.values().all(|v| v != "none"), "{text}");
    // The tests call f_0, f_250, f_500 and f_999.
    for i in [250, 500, 999] {
        for n in 1..=3 {
            let id = format!("big.gen.f_{i}:{n}");
            assert_eq!(v[&id], "killed", "{id}");
        }
    }
    assert_eq!(v["big.gen.f_0:1"], "killed");
    assert_eq!(v["big.gen.f_0:2"], "survived", "x - 0 == x + 0");
    assert_eq!(v["big.gen.f_0:3"], "killed");
    assert_eq!(v["big.gen.f_1:1"], "no_tests");
    assert_eq!(v["big.gen.f_998:3"], "no_tests");
    assert_eq!(
        v.values().filter(|v| *v == "no_tests").count(),
        3000 - 12,
        "only the four called functions are run"
    );
    let show = common::mutrun(&project, &["show", "big.gen.f_999:2"]);
    let shown = String::from_utf8_lossy(&show.stdout).to_string();
    assert!(shown.contains("big/gen.py:4998"), "{shown}");
    assert!(shown.contains("+    return x - 999"), "{shown}");
    assert_nothing_left(&project);
}

// --- 10. a read-only project directory ---------------------------------------------------------

/// Runs `mutrun ARGS` in `project` as a user without write access to it: as ourselves when we
/// are not root; as `nobody` (through `setpriv`) when we are, since root writes anywhere. `None`
/// when we are root and cannot drop privileges.
fn mutrun_unprivileged(project: &Path, args: &[&str]) -> Option<std::process::Output> {
    let cmd = common::mutrun_command(project, args);
    if !running_as_root() {
        let mut cmd = cmd;
        return Some(cmd.output().expect("run mutrun"));
    }
    let mut wrapped = std::process::Command::new("setpriv");
    wrapped
        .args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
        .arg(cmd.get_program())
        .args(cmd.get_args());
    for (key, value) in cmd.get_envs() {
        match value {
            Some(value) => wrapped.env(key, value),
            None => wrapped.env_remove(key),
        };
    }
    let out = wrapped.output().ok()?;
    // setpriv missing or not permitted: exit 127/1 before mutrun said anything.
    let said = String::from_utf8_lossy(&out.stderr).contains("mutrun");
    said.then_some(out)
}

/// Whether this process runs as root (`/proc/self` belongs to the effective user).
fn running_as_root() -> bool {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

/// `chmod -R a-w` (directories keep r-x, files r--).
fn read_only_tree(dir: &Path) {
    for entry in walkdir::WalkDir::new(dir).contents_first(true) {
        let entry = entry.expect("walk");
        let mode = if entry.file_type().is_dir() {
            0o555
        } else {
            0o444
        };
        set_mode(entry.path(), mode);
    }
}

/// Makes the tree under `.0` writable again when dropped, so the temp dir can be removed even
/// when an assertion failed halfway.
struct WritableAgain(PathBuf);

impl Drop for WritableAgain {
    fn drop(&mut self) {
        for entry in walkdir::WalkDir::new(&self.0).into_iter().flatten() {
            let mode = if entry.file_type().is_dir() {
                0o755
            } else {
                0o644
            };
            use std::os::unix::fs::PermissionsExt;
            let _ = std::fs::set_permissions(entry.path(), std::fs::Permissions::from_mode(mode));
        }
    }
}

/// Every file under `dir` but `mutants/`, with its content.
fn files_outside_mutants(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_entry(|e| e.path() != dir.join("mutants"))
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let bytes = std::fs::read(e.path()).expect("read");
            (e.path().to_path_buf(), bytes)
        })
        .collect()
}

#[test]
fn a_read_only_project_says_mutants_must_be_writable_and_a_writable_mutants_dir_works() {
    let (guard, project) = common::fixture("robust/two_files");
    // An unprivileged user must reach the project through the temp dir.
    set_mode(guard.path(), 0o755);
    let before = files_outside_mutants(&project);
    let _restore = WritableAgain(project.clone());
    read_only_tree(&project);
    match mutrun_unprivileged(&project, &["run", "--no-progress", "-j", "2"]) {
        None => eprintln!(
            "skipped the read-only half: running as root, which writes through any permission, \
             and setpriv could not run mutrun as nobody"
        ),
        Some(out) => {
            let text = common::text(&out);
            assert_eq!(out.status.code(), Some(1), "{text}");
            assert!(
                text.contains("mutrun: error: cannot create ")
                    && text.contains("/mutants: Permission denied"),
                "{text}"
            );
            assert!(
                text.contains(
                    "mutrun writes only into mutants/ inside the project: make the project \
                     directory writable, or create a mutants/ folder in it that you can write to"
                ),
                "{text}"
            );
            assert!(!project.join("mutants").exists(), "{text}");
        }
    }

    // A writable mutants/ in the otherwise read-only project: the run works and writes nothing
    // else (checked by content, since root is not stopped by the permissions).
    set_mode(&project, 0o755);
    std::fs::create_dir(project.join("mutants")).expect("create mutants/");
    set_mode(&project, 0o555);
    let out = common::mutrun(&project, &["run", "--no-progress", "-j", "2"]);
    let text = common::text(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    let v = common::verdicts(&project);
    assert_eq!(v["duo.first.add:1"], "killed", "{v:?}");
    assert_eq!(v["duo.second.label:1"], "killed", "{v:?}");
    assert!(v.values().all(|v| v != "none"), "{v:?}");
    assert_eq!(
        files_outside_mutants(&project),
        before,
        "mutrun wrote outside mutants/"
    );
    assert_nothing_left(&project);
}

// --- 11. a truncated or corrupt .meta file -----------------------------------------------------

#[test]
fn a_corrupt_meta_file_is_named_and_only_its_mutants_run_again() {
    let (_guard, project, code, text) = run_case("two_files", &["-j", "2"]);
    assert_eq!(code, Some(0), "{text}");
    let first = details(&project);
    let count = |prefix: &str| first.keys().filter(|id| id.starts_with(prefix)).count();
    let (in_first, in_second) = (count("duo.first."), count("duo.second."));
    assert!(in_first > 0 && in_second > 0, "{first:?}");
    let meta = project.join("mutants/duo/first.py.meta");
    let whole = std::fs::read(&meta).expect("read .meta");
    let damages: [(&str, Vec<u8>); 2] = [
        ("truncated", whole[..whole.len() / 2].to_vec()),
        (
            "valid JSON of the wrong shape",
            br#"{"hello": ["world"]}"#.to_vec(),
        ),
    ];
    for (damage, bytes) in damages {
        std::fs::write(&meta, bytes).expect("damage .meta");
        let (code, text) = run_again(&project, &["-j", "2"]);
        assert_eq!(code, Some(0), "{damage}: {text}");
        let warning = text
            .lines()
            .find(|l| l.starts_with("mutrun: warning:") && l.contains("first.py.meta is corrupt"))
            .unwrap_or_else(|| panic!("{damage}: no warning naming first.py.meta:\n{text}"));
        assert!(
            warning.contains("its mutants are generated again and run again"),
            "{warning}"
        );
        assert!(!text.contains("second.py.meta"), "{damage}: {text}");
        // Only first.py's mutants run; second.py's verdicts are reused.
        assert!(
            text.contains(&format!(
                "mutrun: {in_first} mutants to run ({in_first} new), {in_second} verdicts reused"
            )),
            "{damage}: {text}"
        );
        assert_eq!(
            details(&project),
            first,
            "{damage}: same verdicts as before"
        );
    }
    assert_nothing_left(&project);
}
