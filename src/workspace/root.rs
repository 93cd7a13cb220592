//! Where the project is when no `-C DIR` is given: the nearest folder, from the current one
//! upwards, holding a file that configures a Python project, as pytest and ruff find theirs.
//!
//! What counts, in each folder: `pyproject.toml` (any: it is the project's file whatever its
//! tables), `pytest.ini` or `.pytest.ini` (any, as for pytest), `setup.cfg` with a `[mutmut]`,
//! `[mutrun]` or `[tool:pytest]` section, `tox.ini` with a `[pytest]` section. A `setup.cfg` or
//! `tox.ini` without such a section configures other tools and does not count. Folders inside
//! a `mutants/` copy (one holding `.mutrun/`) are passed over, so a command run in the copy
//! finds the real project.

use std::path::{Path, PathBuf};

use super::MUTANTS_DIR;

/// The folder and the file that made it the root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub root: PathBuf,
    pub marker: &'static str,
}

/// The project root for a command run in `start` (absolute), or `None` when no folder at or
/// above it qualifies.
pub fn discover(start: &Path) -> Option<Found> {
    let mut found = None;
    for dir in start.ancestors() {
        if is_mutants_copy(dir) {
            // Anything found so far is inside the copy.
            found = None;
            continue;
        }
        if found.is_none() {
            found = marker(dir).map(|marker| Found {
                root: dir.to_path_buf(),
                marker,
            });
        }
    }
    found
}

fn is_mutants_copy(dir: &Path) -> bool {
    dir.file_name().is_some_and(|n| n == MUTANTS_DIR) && dir.join(".mutrun").is_dir()
}

/// The file in `dir` that makes it a project root, if one does.
pub fn marker(dir: &Path) -> Option<&'static str> {
    if dir.join("pyproject.toml").is_file() {
        return Some("pyproject.toml");
    }
    for name in ["pytest.ini", ".pytest.ini"] {
        if dir.join(name).is_file() {
            return Some(name);
        }
    }
    if has_section(&dir.join("setup.cfg"), &["mutmut", "mutrun", "tool:pytest"]) {
        return Some("setup.cfg");
    }
    if has_section(&dir.join("tox.ini"), &["pytest"]) {
        return Some("tox.ini");
    }
    None
}

/// Whether the INI file at `path` has a `[section]` header for one of `sections` (a header
/// line: `[name]` at the start of a line, spaces around the name allowed, as configparser).
fn has_section(path: &Path, sections: &[&str]) -> bool {
    let Ok(text) = std::fs::read_to_string(path) else {
        return false;
    };
    text.lines().any(|line| {
        let line = line.trim_end();
        line.strip_prefix('[')
            .and_then(|rest| rest.split_once(']'))
            .is_some_and(|(name, _)| sections.contains(&name.trim()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(path: &Path, text: &str) {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(path, text).expect("write");
    }

    #[test]
    fn the_nearest_configuring_folder_wins() {
        let tmp = tempfile::tempdir().expect("tmp");
        let top = tmp.path();
        write(&top.join("pyproject.toml"), "[project]\nname = 'x'\n");
        write(&top.join("pkg/sub/mod.py"), "");
        // A setup.cfg that configures flake8 only does not make pkg a root.
        write(
            &top.join("pkg/setup.cfg"),
            "[flake8]\nmax-line-length = 100\n",
        );
        let found = discover(&top.join("pkg/sub")).expect("found");
        assert_eq!(found.root, top);
        assert_eq!(found.marker, "pyproject.toml");
        write(
            &top.join("pkg/setup.cfg"),
            "[flake8]\n[mutmut]\nsource_paths=sub\n",
        );
        let found = discover(&top.join("pkg/sub")).expect("found");
        assert_eq!((found.root, found.marker), (top.join("pkg"), "setup.cfg"));
    }

    #[test]
    fn tox_ini_counts_with_a_pytest_section_only() {
        let tmp = tempfile::tempdir().expect("tmp");
        let dir = tmp.path().join("a");
        write(&dir.join("tox.ini"), "[tox]\nenvlist = py3\n");
        assert_eq!(marker(&dir), None);
        write(&dir.join("tox.ini"), "[tox]\n[ pytest ]\naddopts = -q\n");
        assert_eq!(marker(&dir), Some("tox.ini"));
        write(&dir.join("pytest.ini"), "");
        assert_eq!(marker(&dir), Some("pytest.ini"));
    }

    #[test]
    fn a_mutants_copy_is_passed_over() {
        let tmp = tempfile::tempdir().expect("tmp");
        let top = tmp.path();
        write(&top.join("pyproject.toml"), "");
        write(&top.join("mutants/pyproject.toml"), "");
        write(&top.join("mutants/.mutrun/stats.json"), "{}");
        write(&top.join("mutants/pkg/a.py"), "");
        let found = discover(&top.join("mutants/pkg")).expect("found");
        assert_eq!(found.root, top);
    }
}
