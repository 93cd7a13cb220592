//! Picks the Python interpreter (config, `$VIRTUAL_ENV`, `.venv`, the venv mutrun is installed in,
//! `python3` on PATH) and checks it once: its version, and that it can `import pytest`.

use std::ffi::OsString;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::config::Config;
use crate::domain::error::{Error, Result};

/// Oldest supported Python (older is an error).
pub const MIN_VERSION: (u32, u32) = (3, 9);
/// Newest Python mutrun is tested with (newer is a warning).
pub const MAX_TESTED_VERSION: (u32, u32) = (3, 13);

/// How long the one probe run may take (a cold start with a large site-packages is slow).
const PROBE_TIMEOUT: Duration = Duration::from_secs(60);

const HINT: &str = "set `python` under [tool.mutrun] or activate your virtualenv";

/// One process prints the version and whether pytest imports; `print(...)` with one argument
/// also parses as Python 2, so an old interpreter gets the version error, not a syntax error.
const PROBE: &str = "import sys
v = sys.version_info
print('mutrun-probe %d %d %d' % (v[0], v[1], v[2]))
try:
    import pytest
    print('pytest ' + str(pytest.__version__))
except BaseException as e:
    print('nopytest %s: %s' % (type(e).__name__, str(e).replace(chr(10), ' ')))
";

/// The interpreter every pytest process runs with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interpreter {
    /// As found, not resolved through links (a venv's `bin/python` must stay the venv's).
    pub path: PathBuf,
    pub version: (u32, u32, u32),
    /// Where it came from: "config", "$VIRTUAL_ENV", ".venv", "mutrun's venv" or "PATH".
    pub source: &'static str,
    pub pytest_version: String,
    /// Non-fatal problems (a Python newer than tested), one line each, for the caller to print.
    pub warnings: Vec<String>,
}

/// Finds the interpreter for the project and checks it can run pytest.
pub fn find(project_root: &Path, config: &Config) -> Result<Interpreter> {
    let (path, source) = locate_from_env(project_root, config)?;
    probe(project_root, path, source).and_then(require_pytest)
}

/// Finds the interpreter for a project whose tests are not pytest (test-command mode): the same
/// search and version check, without requiring pytest.
pub fn find_without_pytest(project_root: &Path, config: &Config) -> Result<Interpreter> {
    let (path, source) = locate_from_env(project_root, config)?;
    probe(project_root, path, source).map(|found| found.interpreter)
}

/// [`locate`] with this process's `$VIRTUAL_ENV`, executable and `$PATH`.
fn locate_from_env(project_root: &Path, config: &Config) -> Result<(PathBuf, &'static str)> {
    locate(
        project_root,
        config,
        std::env::var_os("VIRTUAL_ENV"),
        std::env::current_exe().ok(),
        std::env::var_os("PATH"),
    )
}

/// What the probe found: the interpreter, and whether (which) pytest imports in it.
struct Probed {
    interpreter: Interpreter,
    pytest: Option<std::result::Result<String, String>>,
    status: String,
}

fn require_pytest(found: Probed) -> Result<Interpreter> {
    let Probed {
        mut interpreter,
        pytest,
        status,
    } = found;
    let which = format!(
        "{} (from {})",
        interpreter.path.display(),
        interpreter.source
    );
    let (major, minor, patch) = interpreter.version;
    let p = interpreter.path.display();
    interpreter.pytest_version = match pytest {
        Some(Ok(v)) => v,
        Some(Err(why)) => {
            return Err(Error::other(format!(
                "pytest is not importable by {which}, Python {major}.{minor}.{patch} (`import pytest`: {why}); \
                 install pytest into {p}: {p} -m pip install pytest"
            )))
        }
        None => {
            return Err(Error::other(format!(
                "{which} stopped before checking pytest (it exited with {status}); \
                 install pytest into {p}: {p} -m pip install pytest"
            )))
        }
    };
    Ok(interpreter)
}

/// Where the interpreter is, without running it.
fn locate(
    project_root: &Path,
    config: &Config,
    virtual_env: Option<OsString>,
    mutrun_exe: Option<PathBuf>,
    path_var: Option<OsString>,
) -> Result<(PathBuf, &'static str)> {
    if let Some(python) = &config.python {
        let flag = config.flag_of("python");
        let from = match &flag {
            Some(flag) => format!("`{flag} {}`", python.display()),
            None => format!(
                "`python` = \"{}\" ({})",
                python.display(),
                config.describe_source()
            ),
        };
        let fix = match &flag {
            Some(flag) => format!("give {flag}"),
            None => "set `python` under [tool.mutrun] to".to_string(),
        };
        let found = if python.components().count() > 1 || python.is_absolute() {
            let candidate = project_root.join(python);
            candidate.is_file().then_some(candidate)
        } else {
            search_path(python.as_os_str(), path_var.as_deref())
        };
        return match found {
            Some(path) => Ok((path, "config")),
            None => Err(Error::usage(format!(
                "Python interpreter not found: {from}; {fix} an interpreter path (relative to \
                 the project root) or a name on PATH, or activate your virtualenv"
            ))),
        };
    }
    if let Some(venv) = virtual_env.filter(|v| !v.is_empty()) {
        let candidate = PathBuf::from(venv).join("bin").join("python");
        if candidate.is_file() {
            return Ok((candidate, "$VIRTUAL_ENV"));
        }
    }
    let dot_venv = project_root.join(".venv").join("bin").join("python");
    if dot_venv.is_file() {
        return Ok((dot_venv, ".venv"));
    }
    if let Some(python) = mutrun_exe.as_deref().and_then(venv_python_beside) {
        return Ok((python, "mutrun's venv"));
    }
    if let Some(path) = search_path("python3".as_ref(), path_var.as_deref()) {
        return Ok((path, "PATH"));
    }
    Err(Error::other(format!(
        "no Python interpreter found: $VIRTUAL_ENV is not set (or has no bin/python), {} does \
         not exist and there is no python3 on PATH; {HINT}",
        dot_venv.display()
    )))
}

/// The `python` beside the `mutrun` binary `exe` when `exe` sits in a virtualenv's `bin/` (the
/// folder above has a `pyvenv.cfg`), as `pip install mutrun` or `uv add --dev mutrun` put it in the
/// project's venv. Not the venv `uv tool install` or `pipx install` made for mutrun alone (their
/// receipt beside `pyvenv.cfg`): its python never has the project's pytest.
fn venv_python_beside(exe: &Path) -> Option<PathBuf> {
    let bin = exe.parent()?;
    let venv = bin.parent()?;
    let python = bin.join("python");
    let tools_own = ["uv-receipt.toml", "pipx_metadata.json"]
        .iter()
        .any(|receipt| venv.join(receipt).is_file());
    (venv.join("pyvenv.cfg").is_file() && python.is_file() && !tools_own).then_some(python)
}

/// The first executable `name` in the directories of `path_var`, made absolute.
fn search_path(name: &std::ffi::OsStr, path_var: Option<&std::ffi::OsStr>) -> Option<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    let path_var = path_var?;
    std::env::split_paths(path_var)
        .map(|dir| dir.join(name))
        .find(|candidate| {
            std::fs::metadata(candidate)
                .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        })
        .map(|found| std::path::absolute(&found).unwrap_or(found))
}

/// Runs the interpreter once and checks its version and pytest.
fn probe(project_root: &Path, path: PathBuf, source: &'static str) -> Result<Probed> {
    let which = format!("{} (from {source})", path.display());
    let (status, stdout, stderr) = run_probe(project_root, &path).map_err(|e| {
        Error::other(format!(
            "cannot run the Python interpreter {which}: {e}; {HINT}"
        ))
    })?;
    let mut version = None;
    let mut pytest: Option<std::result::Result<String, String>> = None;
    for line in stdout.lines() {
        if let Some(rest) = line.strip_prefix("mutrun-probe ") {
            let numbers: Vec<u32> = rest
                .split_whitespace()
                .filter_map(|n| n.parse().ok())
                .collect();
            if let [major, minor, patch] = numbers[..] {
                version = Some((major, minor, patch));
            }
        } else if let Some(rest) = line.strip_prefix("pytest ") {
            pytest = Some(Ok(rest.trim().to_string()));
        } else if let Some(rest) = line.strip_prefix("nopytest ") {
            pytest = Some(Err(rest.trim().to_string()));
        }
    }
    let Some(version) = version else {
        let stderr = stderr.trim();
        let detail = if stderr.is_empty() {
            String::new()
        } else {
            format!("; it printed: {}", last_lines(stderr, 5))
        };
        return Err(Error::other(format!(
            "{which} is not a working Python interpreter (it exited with {status}){detail}; {HINT}"
        )));
    };
    let shown = format!("{}.{}.{}", version.0, version.1, version.2);
    if (version.0, version.1) < MIN_VERSION {
        return Err(Error::other(format!(
            "Python {shown} at {which} is too old: mutrun needs Python {}.{} or newer; {HINT}",
            MIN_VERSION.0, MIN_VERSION.1
        )));
    }
    let mut warnings = Vec::new();
    if (version.0, version.1) > MAX_TESTED_VERSION {
        warnings.push(format!(
            "Python {shown} at {} is newer than mutrun has been tested with ({}.{} to {}.{})",
            path.display(),
            MIN_VERSION.0,
            MIN_VERSION.1,
            MAX_TESTED_VERSION.0,
            MAX_TESTED_VERSION.1
        ));
    }
    Ok(Probed {
        interpreter: Interpreter {
            path,
            version,
            source,
            pytest_version: String::new(),
            warnings,
        },
        pytest,
        status: status.to_string(),
    })
}

fn last_lines(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join(" | ")
}

/// Runs the probe with a time limit; returns the exit status text, stdout and stderr.
fn run_probe(cwd: &Path, python: &Path) -> std::io::Result<(String, String, String)> {
    let mut attempts = 0;
    let mut child = loop {
        let spawned = Command::new(python)
            .arg("-c")
            .arg(PROBE)
            .current_dir(cwd)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn();
        match spawned {
            // ETXTBSY: the file was just written and another thread's fork still holds it open.
            Err(e) if e.raw_os_error() == Some(26) && attempts < 20 => {
                attempts += 1;
                std::thread::sleep(Duration::from_millis(50));
            }
            other => break other?,
        }
    };
    let mut out_pipe = child.stdout.take();
    let mut err_pipe = child.stderr.take();
    let out_reader = std::thread::spawn(move || {
        let mut text = String::new();
        if let Some(pipe) = out_pipe.as_mut() {
            let _ = pipe.read_to_string(&mut text);
        }
        text
    });
    let err_reader = std::thread::spawn(move || {
        let mut bytes = Vec::new();
        if let Some(pipe) = err_pipe.as_mut() {
            let _ = pipe.read_to_end(&mut bytes);
        }
        String::from_utf8_lossy(&bytes).into_owned()
    });
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if started.elapsed() > PROBE_TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            return Err(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                format!(
                    "it did not finish within {} seconds",
                    PROBE_TIMEOUT.as_secs()
                ),
            ));
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let stdout = out_reader.join().unwrap_or_default();
    let stderr = err_reader.join().unwrap_or_default();
    let status = match status.code() {
        Some(code) => format!("exit code {code}"),
        None => "a signal".to_string(),
    };
    Ok((status, stdout, stderr))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    /// An executable shell script standing in for an interpreter.
    fn fake(path: &Path, stdout: &str) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        let script = format!("#!/bin/sh\nprintf '%s' '{stdout}'\n");
        std::fs::write(path, script).unwrap();
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }

    const GOOD: &str = "mutrun-probe 3 11 7\npytest 8.3.2\n";

    #[test]
    fn precedence() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("proj");
        let venv = dir.path().join("venv");
        let bin = dir.path().join("bin");
        fake(&root.join(".venv/bin/python"), GOOD);
        fake(&root.join("tools/py"), GOOD);
        fake(&venv.join("bin/python"), GOOD);
        fake(&bin.join("python3"), GOOD);
        fake(&bin.join("python3.12"), GOOD);
        let path_var = Some(OsString::from(format!("/nonexistent:{}", bin.display())));
        let venv_var = Some(venv.clone().into_os_string());
        let none = Config::default();

        let got = |config: &Config, venv: Option<OsString>| {
            locate(&root, config, venv, None, path_var.clone()).unwrap()
        };
        assert_eq!(
            got(&none, venv_var.clone()),
            (venv.join("bin/python"), "$VIRTUAL_ENV")
        );
        assert_eq!(got(&none, None), (root.join(".venv/bin/python"), ".venv"));
        let config = Config {
            python: Some(PathBuf::from("tools/py")),
            ..Config::default()
        };
        assert_eq!(
            got(&config, venv_var.clone()),
            (root.join("tools/py"), "config")
        );
        let config = Config {
            python: Some(PathBuf::from("python3.12")),
            ..Config::default()
        };
        assert_eq!(got(&config, None), (bin.join("python3.12"), "config"));
        std::fs::remove_dir_all(root.join(".venv")).unwrap();
        assert_eq!(
            got(&none, Some(OsString::from(""))),
            (bin.join("python3"), "PATH")
        );
    }

    /// mutrun installed in a venv (`pip install mutrun` into the project's venv) runs that venv's
    /// python when nothing says otherwise: after `.venv`, before PATH; not a tool's own venv.
    #[test]
    fn venv_mutrun_is_installed_in() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("proj");
        let installed = dir.path().join("installed");
        let bin = dir.path().join("bin");
        std::fs::create_dir_all(&root).unwrap();
        fake(&installed.join("bin/python"), GOOD);
        fake(&installed.join("bin/mutrun"), "");
        std::fs::write(installed.join("pyvenv.cfg"), "home = /usr/bin\n").unwrap();
        fake(&bin.join("python3"), GOOD);
        let path_var = Some(OsString::from(bin.as_os_str()));
        let exe = Some(installed.join("bin/mutrun"));

        let got = |config: &Config, venv: Option<OsString>| {
            locate(&root, config, venv, exe.clone(), path_var.clone()).unwrap()
        };
        let none = Config::default();
        let beside_mutrun = (installed.join("bin/python"), "mutrun's venv");
        let on_path = (bin.join("python3"), "PATH");
        assert_eq!(got(&none, None), beside_mutrun);
        assert_eq!(got(&none, Some(OsString::from(""))), beside_mutrun);

        // The config, $VIRTUAL_ENV and the project's .venv come first.
        let config = Config {
            python: Some(PathBuf::from("python3")),
            ..Config::default()
        };
        assert_eq!(got(&config, None), (bin.join("python3"), "config"));
        let active = dir.path().join("active");
        fake(&active.join("bin/python"), GOOD);
        assert_eq!(
            got(&none, Some(active.clone().into_os_string())),
            (active.join("bin/python"), "$VIRTUAL_ENV")
        );
        fake(&root.join(".venv/bin/python"), GOOD);
        assert_eq!(got(&none, None), (root.join(".venv/bin/python"), ".venv"));
        std::fs::remove_dir_all(root.join(".venv")).unwrap();

        // uv tool's and pipx's venvs hold mutrun alone: python3 on PATH instead.
        for receipt in ["uv-receipt.toml", "pipx_metadata.json"] {
            std::fs::write(installed.join(receipt), "").unwrap();
            assert_eq!(got(&none, None), on_path, "{receipt}");
            std::fs::remove_file(installed.join(receipt)).unwrap();
        }
        assert_eq!(got(&none, None), beside_mutrun);
        // Not a venv (no pyvenv.cfg), or a venv without bin/python: PATH.
        std::fs::remove_file(installed.join("bin/python")).unwrap();
        assert_eq!(got(&none, None), on_path);
        fake(&installed.join("bin/python"), GOOD);
        std::fs::remove_file(installed.join("pyvenv.cfg")).unwrap();
        assert_eq!(got(&none, None), on_path);
        assert_eq!(
            locate(&root, &none, None, None, path_var.clone()).unwrap(),
            on_path
        );
    }

    #[test]
    fn not_found_messages() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let err = locate(
            root,
            &Config::default(),
            None,
            None,
            Some(OsString::from("/nonexistent")),
        )
        .unwrap_err()
        .to_string();
        assert_eq!(
            err,
            format!(
                "no Python interpreter found: $VIRTUAL_ENV is not set (or has no bin/python), \
                 {}/.venv/bin/python does not exist and there is no python3 on PATH; set \
                 `python` under [tool.mutrun] or activate your virtualenv",
                root.display()
            )
        );
        let config = Config {
            python: Some(PathBuf::from("venv/bin/python")),
            ..Config::default()
        };
        let err = locate(root, &config, None, None, None)
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "Python interpreter not found: `python` = \"venv/bin/python\" (no config file \
             (pyproject.toml [tool.mutrun])); set `python` under [tool.mutrun] to an interpreter \
             path (relative to the project root) or a name on PATH, or activate your virtualenv"
        );
    }

    #[test]
    fn probe_reads_version_and_pytest() {
        let dir = tempfile::tempdir().unwrap();
        let python = dir.path().join("python");
        fake(&python, GOOD);
        let found = probe(dir.path(), python.clone(), "config")
            .and_then(require_pytest)
            .unwrap();
        assert_eq!(
            found,
            Interpreter {
                path: python,
                version: (3, 11, 7),
                source: "config",
                pytest_version: "8.3.2".into(),
                warnings: vec![],
            }
        );
    }

    #[test]
    fn probe_errors_and_warnings() {
        let dir = tempfile::tempdir().unwrap();
        let python = dir.path().join("python");
        let p = python.display();

        fake(&python, "mutrun-probe 3 8 10\npytest 7.0\n");
        let err = probe(dir.path(), python.clone(), "PATH")
            .and_then(require_pytest)
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "Python 3.8.10 at {p} (from PATH) is too old: mutrun needs Python 3.9 or newer; \
                 set `python` under [tool.mutrun] or activate your virtualenv"
            )
        );

        fake(&python, "mutrun-probe 3 14 0\npytest 8.4\n");
        let found = probe(dir.path(), python.clone(), "PATH")
            .and_then(require_pytest)
            .unwrap();
        assert_eq!(
            found.warnings,
            vec![format!(
                "Python 3.14.0 at {p} is newer than mutrun has been tested with (3.9 to 3.13)"
            )]
        );

        fake(
            &python,
            "mutrun-probe 3 11 7\nnopytest ModuleNotFoundError: No module named pytest\n",
        );
        let err = probe(dir.path(), python.clone(), ".venv")
            .and_then(require_pytest)
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "pytest is not importable by {p} (from .venv), Python 3.11.7 (`import pytest`: \
                 ModuleNotFoundError: No module named pytest); install pytest into {p}: \
                 {p} -m pip install pytest"
            )
        );

        fake(&python, "garbage");
        let err = probe(dir.path(), python.clone(), "config")
            .and_then(require_pytest)
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "{p} (from config) is not a working Python interpreter (it exited with exit \
                 code 0); set `python` under [tool.mutrun] or activate your virtualenv"
            )
        );

        let missing = dir.path().join("nope");
        let err = probe(dir.path(), missing.clone(), "config")
            .and_then(require_pytest)
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with(&format!(
                "cannot run the Python interpreter {} (from config): ",
                missing.display()
            )),
            "{err}"
        );
    }

    /// The probe script itself, against whatever python3 this machine has.
    #[test]
    fn real_python3_if_present() {
        let Some(python) = search_path("python3".as_ref(), std::env::var_os("PATH").as_deref())
        else {
            return;
        };
        let dir = tempfile::tempdir().unwrap();
        match probe(dir.path(), python, "PATH").and_then(require_pytest) {
            Ok(found) => assert_eq!(found.version.0, 3),
            Err(e) => {
                let text = e.to_string();
                assert!(
                    text.contains("-m pip install pytest") || text.contains("too old"),
                    "{text}"
                );
            }
        }
    }
}
