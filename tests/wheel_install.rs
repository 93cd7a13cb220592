//! The wheel Python users install (`pip install .`, `uv tool install .`, `pipx install .`): built
//! from this working tree by maturin (from PyPI) and installed into fresh environments, it puts a
//! `mutrun` on their PATH that reports Cargo.toml's version, runs the project's Python (the venv's
//! own when mutrun is installed in the project's venv; never a tool's venv, which has no pytest)
//! and runs `fixtures/simple` end to end.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;
use std::time::Instant;

const VERSION: &str = env!("CARGO_PKG_VERSION");

/// A venv under `target/tmp` with maturin, uv and pipx, made on first use and then reused.
/// maturin and uv are binaries; pipx, a script whose `#!` line names the temp dir the venv was
/// made in, runs as `python -m pipx` (uv not as `python -m uv`, which sets `$VIRTUAL_ENV` for the
/// programs uv runs).
fn tool(name: &str) -> Command {
    static PYTHON: OnceLock<PathBuf> = OnceLock::new();
    let python = PYTHON.get_or_init(|| {
        let venv = Path::new(env!("CARGO_TARGET_TMPDIR")).join("wheel-tools");
        let ready = |venv: &Path| {
            let bin = venv.join("bin");
            [
                Command::new(bin.join("maturin")).arg("--version"),
                Command::new(bin.join("uv")).arg("--version"),
                Command::new(bin.join("python")).args(["-m", "pipx", "--version"]),
            ]
            .iter_mut()
            .all(|cmd| cmd.output().is_ok_and(|o| o.status.success()))
        };
        if !ready(&venv) {
            // Made in a temp dir and renamed, so a concurrent run never sees half a venv.
            let temp = venv.with_extension(format!("tmp{}", std::process::id()));
            assert!(
                common::make_venv(&temp, &["maturin>=1.9,<2", "uv", "pipx"]),
                "could not make a venv with maturin, uv and pipx (python3 -m venv + pip)"
            );
            let _ = std::fs::remove_dir_all(&venv);
            if std::fs::rename(&temp, &venv).is_err() {
                let _ = std::fs::remove_dir_all(&temp);
            }
            assert!(ready(&venv), "no maturin, uv or pipx in {}", venv.display());
        }
        venv.join("bin/python")
    });
    if name == "pipx" {
        let mut cmd = Command::new(python);
        cmd.args(["-m", name]);
        cmd
    } else {
        Command::new(python.with_file_name(name))
    }
}

/// The wheel, built once per test run by `maturin build --release` from the working tree. It
/// builds in cargo's own target dir, where `cargo test --release` has just built the same crate
/// with the same profile: only the stripped binary is linked again (and is `target/release/mutrun`
/// until the next cargo build links the unstripped one back; both are the same program).
fn wheel() -> &'static Path {
    static WHEEL: OnceLock<PathBuf> = OnceLock::new();
    WHEEL.get_or_init(|| {
        let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("wheel");
        let _ = std::fs::remove_dir_all(&out);
        let mut maturin = tool("maturin");
        let started = Instant::now();
        let built = maturin
            .args(["build", "--release", "--quiet", "--out"])
            .arg(&out)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .expect("run maturin");
        assert!(built.status.success(), "{}", common::text(&built));
        let wheels: Vec<PathBuf> = std::fs::read_dir(&out)
            .expect("maturin's output dir")
            .map(|e| e.expect("dir entry").path())
            .collect();
        let [wheel] = &wheels[..] else {
            panic!("maturin built not one wheel but {wheels:?}");
        };
        let name = wheel.file_name().expect("name").to_string_lossy();
        assert!(
            name.starts_with(&format!("mutrun-{VERSION}-py3-none-")),
            "the wheel's name carries Cargo.toml's version {VERSION}: {name}"
        );
        eprintln!(
            "built {name} ({} bytes) in {:.1} s",
            std::fs::metadata(wheel).expect("wheel").len(),
            started.elapsed().as_secs_f64()
        );
        wheel.clone()
    })
}

/// The files in the wheel (a zip), read by Python's zipfile.
fn wheel_files(wheel: &Path) -> Vec<String> {
    let out = Command::new(common::python())
        .args([
            "-c",
            "import sys, zipfile; print('\\n'.join(zipfile.ZipFile(sys.argv[1]).namelist()))",
        ])
        .arg(wheel)
        .output()
        .expect("run python");
    assert!(out.status.success(), "{}", common::text(&out));
    let mut files: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect();
    files.sort();
    files
}

/// `mutrun -C PROJECT ARGS`, mutrun started by `mutrun()` (its path, or `uvx … mutrun`), as a user
/// runs it: no `$VIRTUAL_ENV`, no `python` configured.
fn installed(mutrun: &dyn Fn() -> Command, project: &Path, args: &[&str]) -> Command {
    let mut cmd = mutrun();
    cmd.arg("-C").arg(project).args(args);
    cmd.env_remove("VIRTUAL_ENV")
        .env_remove("MUTANT_UNDER_TEST");
    cmd
}

fn output(mut cmd: Command) -> Output {
    cmd.output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"))
}

/// `PROGRAM ARGS` (`mutrun --version`, `python -m mutrun --version`) prints Cargo.toml's version.
fn assert_version(program: &Path, args: &[&str]) {
    let mut cmd = Command::new(program);
    cmd.args(args);
    let out = output(cmd);
    assert!(out.status.success(), "{}", common::text(&out));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        format!("mutrun {VERSION}"),
        "{} {args:?}",
        program.display()
    );
}

/// A full `mutrun run` on a copy of `fixtures/simple` with `path_var` as PATH; checks that it used
/// the interpreter `expect(project)` names (after setting the project up) and two named verdicts.
fn assert_runs_simple(
    mutrun: &dyn Fn() -> Command,
    path_var: &std::ffi::OsStr,
    expect: &dyn Fn(&Path) -> (PathBuf, &'static str),
) {
    let (_guard, project) = common::fixture("simple");
    let (python, source) = expect(&project);
    let mut run = installed(mutrun, &project, &["run", "--no-progress"]);
    run.env("PATH", path_var);
    let out = output(run);
    let text = common::text(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    let using = format!("mutrun: using {} (Python ", python.display());
    assert!(
        text.contains(&using) && text.contains(&format!(", from {source})\n")),
        "expected `{using}…, from {source})`: {text}"
    );

    let out = output(installed(mutrun, &project, &["results", "--all", "--json"]));
    assert!(out.status.success(), "{}", common::text(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("results JSON");
    let verdicts: BTreeMap<&str, &str> = doc["mutants"]
        .as_array()
        .expect("mutants")
        .iter()
        .map(|m| {
            (
                m["id"].as_str().expect("id"),
                m["verdict"].as_str().unwrap_or("none"),
            )
        })
        .collect();
    // `return a + b` → `return None`: test_add fails. `x > 0` → `x >= 0`: no test checks 0.
    assert_eq!(
        verdicts.get("simple.calc.add:1"),
        Some(&"killed"),
        "{verdicts:?}"
    );
    assert_eq!(
        verdicts.get("simple.calc.is_positive:2"),
        Some(&"survived"),
        "{verdicts:?}"
    );
}

/// PATH with the shared test venv's `bin` first: its `python3` has pytest.
fn path_with_test_python() -> std::ffi::OsString {
    let test_bin = common::python()
        .parent()
        .expect("test venv bin")
        .to_path_buf();
    let rest = std::env::var_os("PATH").unwrap_or_default();
    std::env::join_paths(std::iter::once(test_bin).chain(std::env::split_paths(&rest)))
        .expect("PATH")
}

/// `pip install mutrun` into the project's venv: `mutrun` (and `python -m mutrun`) in its `bin/`,
/// running that venv's python, even with another python3 (the test venv's, with pytest) first on
/// PATH.
#[test]
fn pip_install_into_the_projects_venv() {
    let wheel = wheel();
    let mut files = wheel_files(wheel);
    files.retain(|f| !f.starts_with(&format!("mutrun-{VERSION}.dist-info/")));
    assert_eq!(
        files,
        [
            format!("mutrun-{VERSION}.data/scripts/mutrun"),
            "mutrun/__init__.py".to_string(),
            "mutrun/__main__.py".to_string(),
        ],
        "the wheel holds the binary and the `python -m mutrun` shim, nothing else"
    );

    let temp = tempfile::tempdir().expect("temp dir");
    let venv = temp.path().join("venv");
    let started = Instant::now();
    assert!(
        common::make_venv(&venv, &[wheel.to_str().expect("UTF-8 path"), "pytest"]),
        "pip install of the wheel and pytest into a fresh venv"
    );
    eprintln!(
        "venv + pip install wheel and pytest: {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let mutrun = venv.join("bin/mutrun");
    assert_version(&mutrun, &["--version"]);

    let python = venv.join("bin/python");
    assert_version(&python, &["-m", "mutrun", "--version"]);
    let path_var = path_with_test_python();
    let expect = |_: &Path| (python.clone(), "mutrun's venv");
    assert_runs_simple(&|| Command::new(&mutrun), &path_var, &expect);
}

/// `uv tool install`, `pipx install` and `uvx`: `mutrun` in the tool's own venv, which has no
/// pytest; it runs python3 from PATH (or the project's .venv).
#[test]
fn uv_tool_and_pipx_install() {
    let wheel = wheel();
    let temp = tempfile::tempdir().expect("temp dir");
    let path_var = path_with_test_python();
    let test_python3 = common::python().with_file_name("python3");
    let on_path = |_: &Path| (test_python3.clone(), "PATH");

    let uv_bin = temp.path().join("uv-bin");
    let uv = || {
        let mut cmd = tool("uv");
        cmd.env("UV_TOOL_DIR", temp.path().join("uv-tools"))
            .env("UV_TOOL_BIN_DIR", &uv_bin)
            .env("UV_CACHE_DIR", temp.path().join("uv-cache"))
            .env("UV_PYTHON_DOWNLOADS", "never")
            .env("PATH", &path_var);
        cmd
    };
    let mut install = uv();
    install.args(["tool", "install", "--quiet"]).arg(wheel);
    let out = output(install);
    assert!(
        out.status.success(),
        "uv tool install: {}",
        common::text(&out)
    );
    assert_version(&uv_bin.join("mutrun"), &["--version"]);
    let mutrun = uv_bin.join("mutrun");
    assert_runs_simple(&|| Command::new(&mutrun), &path_var, &on_path);

    // uvx: mutrun in a throwaway venv in uv's cache, whose bin/ uvx puts first on PATH: it runs
    // the project's .venv (here a link to the test venv).
    let uvx = || {
        let mut cmd = uv();
        cmd.args(["tool", "run", "--isolated", "--from"])
            .arg(wheel)
            .arg("mutrun");
        cmd
    };
    let dot_venv = |project: &Path| {
        let test_venv = common::python()
            .parent()
            .and_then(Path::parent)
            .expect("test venv")
            .to_path_buf();
        std::os::unix::fs::symlink(test_venv, project.join(".venv")).expect("link .venv");
        (project.join(".venv/bin/python"), ".venv")
    };
    assert_runs_simple(&uvx, &path_var, &dot_venv);

    let pipx_bin = temp.path().join("pipx-bin");
    let pipx = output({
        let mut cmd = tool("pipx");
        cmd.args(["install", "--quiet"])
            .arg(wheel)
            .env("PIPX_HOME", temp.path().join("pipx-home"))
            .env("PIPX_BIN_DIR", &pipx_bin)
            .env("PIPX_MAN_DIR", temp.path().join("pipx-man"))
            .env("PATH", &path_var);
        cmd
    });
    assert!(
        pipx.status.success(),
        "pipx install: {}",
        common::text(&pipx)
    );
    assert_version(&pipx_bin.join("mutrun"), &["--version"]);
    let mutrun = pipx_bin.join("mutrun");
    assert_runs_simple(&|| Command::new(&mutrun), &path_var, &on_path);
}
