//! Mirrors the project into `mutants/`, incrementally, skipping VCS data, virtualenvs, caches and
//! build output.
//!
//! A file whose size and mtime match its copy is left alone (each copy gets its source's mtime);
//! files gone from the project are removed from the copy, except `.meta` files and `.mutrun/`.
//! Every write goes under `dest`: files are written atomically (temp file + rename), a symlink
//! that leaves the project is skipped with a warning, and a symlink inside it is recreated as a
//! relative link. Only what the record of `dest` ([`Owned`]) says mutrun wrote is ever replaced
//! or removed, and each path is recorded before it is written; anything else where the copy must
//! write stops the copy (exit 2) naming it.

use std::collections::HashSet;
use std::fs;
use std::io;
use std::path::{Component, Path, PathBuf};

use crate::domain::error::{Error, Result};
use crate::workspace::owned::{self, Kind, Owned};

/// What one [`mirror`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CopyReport {
    /// Files and links written.
    pub copied: usize,
    /// Files and links whose copy was already up to date.
    pub unchanged: usize,
    /// Files and links deleted from the copy because they left the project.
    pub removed: usize,
    /// Things skipped that the user may want to know about, one line each.
    pub warnings: Vec<String>,
}

/// Directory names never copied (VCS data, caches, virtualenvs, dependencies).
const SKIPPED_DIRS: &[&str] = &[
    ".git",
    ".hg",
    ".svn",
    ".venv",
    "venv",
    "__pycache__",
    ".pytest_cache",
    ".mypy_cache",
    ".ruff_cache",
    ".tox",
    ".nox",
    "node_modules",
];

/// Build-output directory names, skipped at the top level unless they are Python packages (a
/// `tests/data/build/` fixture deeper down is copied).
const BUILD_DIRS: &[&str] = &["build", "dist", "target"];

/// The copy's usual name at the project's top level; never copied into itself.
const MUTANTS_DIR: &str = "mutants";

/// mutrun's own folder inside `dest`, never touched by the mirror.
const MUTRUN_DIR: &str = ".mutrun";

/// Copies `root` into `dest` (`root/mutants`), leaving out `skip_files` (relative paths the
/// generator writes itself). `also_copy` paths are copied even where a skip rule would apply.
pub fn mirror(
    root: &Path,
    dest: &Path,
    skip_files: &HashSet<PathBuf>,
    also_copy: &[PathBuf],
    owned: &Owned,
) -> Result<CopyReport> {
    mirror_keeping(root, dest, skip_files, also_copy, &[], owned)
}

/// [`mirror`], keeping `keep` (paths relative to `dest` that mutrun writes there itself: the
/// `debug` log file) where the copy would remove them.
pub fn mirror_keeping(
    root: &Path,
    dest: &Path,
    skip_files: &HashSet<PathBuf>,
    also_copy: &[PathBuf],
    keep: &[PathBuf],
    owned: &Owned,
) -> Result<CopyReport> {
    let root = root
        .canonicalize()
        .map_err(|e| Error::io("open the project directory", root, e))?;
    fs::create_dir_all(dest).map_err(|e| Error::io("create directory", dest, e))?;
    let dest_canonical = dest
        .canonicalize()
        .map_err(|e| Error::io("open directory", dest, e))?;
    let mut mirror = Mirror {
        root: &root,
        dest,
        dest_in_root: dest_canonical
            .strip_prefix(&root)
            .ok()
            .map(Path::to_path_buf),
        skip_files,
        also_copy,
        keep,
        expected: HashSet::new(),
        report: CopyReport::default(),
        owned,
        blocked: Vec::new(),
    };
    for path in also_copy {
        if fs::symlink_metadata(root.join(path)).is_err() {
            mirror.report.warnings.push(format!(
                "also_copy: `{}` does not exist in the project",
                path.display()
            ));
        }
    }
    mirror.copy_dir(Path::new(""), false)?;
    if !mirror.blocked.is_empty() {
        mirror.blocked.sort();
        mirror.blocked.dedup();
        return Err(owned::in_the_way(&mirror.blocked));
    }
    mirror.remove_stale(Path::new(""), true)?;
    Ok(mirror.report)
}

struct Mirror<'a> {
    root: &'a Path,
    dest: &'a Path,
    /// `dest` relative to the root, when it is inside the project (it normally is).
    dest_in_root: Option<PathBuf>,
    skip_files: &'a HashSet<PathBuf>,
    also_copy: &'a [PathBuf],
    /// Relative paths in the copy that are mutrun's own and stay.
    keep: &'a [PathBuf],
    /// Relative paths (files, links, directories) that belong in the copy.
    expected: HashSet<PathBuf>,
    report: CopyReport,
    owned: &'a Owned,
    /// Paths the copy must write where something mutrun did not write is in the way.
    blocked: Vec<PathBuf>,
}

impl Mirror<'_> {
    /// Copies the entries of the relative directory `dir`. `in_skipped` is true inside a skipped
    /// directory entered only because an `also_copy` path lies below it.
    fn copy_dir(&mut self, dir: &Path, in_skipped: bool) -> Result<()> {
        let abs_dir = self.root.join(dir);
        let mut entries: Vec<(PathBuf, fs::FileType)> = Vec::new();
        match fs::read_dir(&abs_dir) {
            Ok(iter) => {
                for entry in iter {
                    match entry.and_then(|e| Ok((e.file_name(), e.file_type()?))) {
                        Ok((name, file_type)) => entries.push((dir.join(name), file_type)),
                        Err(e) => self
                            .report
                            .warnings
                            .push(format!("skipped an entry of {}: {e}", display_dir(dir))),
                    }
                }
            }
            Err(e) => {
                self.report
                    .warnings
                    .push(format!("skipped {}: cannot list it: {e}", display_dir(dir)));
                return Ok(());
            }
        }
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        for (rel, file_type) in entries {
            if self.is_dest(&rel) {
                continue;
            }
            let forced = self.also_copy.iter().any(|a| rel.starts_with(a));
            if file_type.is_dir() {
                let skipped = in_skipped || self.skipped_dir(&rel);
                if !skipped || forced {
                    self.make_dir(&rel)?;
                    self.expected.insert(rel.clone());
                    self.copy_dir(&rel, false)?;
                } else if self.also_copy.iter().any(|a| a.starts_with(&rel)) {
                    self.expected.insert(rel.clone());
                    self.copy_dir(&rel, true)?;
                }
            } else if in_skipped && !forced {
                continue;
            } else if file_type.is_symlink() {
                self.copy_link(&rel)?;
            } else if file_type.is_file() {
                self.expected.insert(rel.clone());
                if !self.skip_files.contains(&rel) {
                    self.copy_file(&rel)?;
                }
            }
        }
        Ok(())
    }

    fn is_dest(&self, rel: &Path) -> bool {
        rel == Path::new(MUTANTS_DIR) || self.dest_in_root.as_deref() == Some(rel)
    }

    /// VCS data, caches, virtualenvs, `*.egg-info`, and build output that is not a package.
    fn skipped_dir(&self, rel: &Path) -> bool {
        let Some(name) = rel.file_name().and_then(|n| n.to_str()) else {
            return false;
        };
        let abs = self.root.join(rel);
        SKIPPED_DIRS.contains(&name)
            || name.ends_with(".egg-info")
            || (BUILD_DIRS.contains(&name)
                && rel.parent() == Some(Path::new(""))
                && !abs.join("__init__.py").exists())
            || abs.join("pyvenv.cfg").exists()
    }

    /// Makes `dest/rel` a real directory: a file or link mutrun wrote in its place is removed
    /// first, so nothing is ever written through a link. `false` when something mutrun did not
    /// write is in the way (it is added to `blocked`).
    fn make_dir(&mut self, rel: &Path) -> Result<bool> {
        let mut path = self.dest.to_path_buf();
        let mut so_far = PathBuf::new();
        for component in rel.components() {
            let Component::Normal(part) = component else {
                return Err(Error::other(format!(
                    "internal error: `{}` is not a plain relative path",
                    rel.display()
                )));
            };
            path.push(part);
            so_far.push(part);
            match fs::symlink_metadata(&path) {
                Ok(meta) if meta.is_dir() => continue,
                Ok(_) => {
                    if self.owned.owns(&so_far) != Some(Kind::File) {
                        self.blocked.push(so_far);
                        return Ok(false);
                    }
                    fs::remove_file(&path).map_err(|e| Error::io("remove", &path, e))?;
                }
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(Error::io("inspect", &path, e)),
            }
            self.owned.will_write(&so_far, Kind::Dir)?;
            fs::create_dir(&path).map_err(|e| Error::io("create directory", &path, e))?;
        }
        Ok(true)
    }

    /// Whether a file or link may be written at `dest/rel`: nothing is there, or what is there
    /// mutrun wrote. A directory mutrun made there is removed when nothing else is in it.
    fn may_write(&mut self, rel: &Path) -> Result<bool> {
        let path = self.dest.join(rel);
        let Ok(meta) = fs::symlink_metadata(&path) else {
            return Ok(true);
        };
        let ok = if meta.is_dir() {
            self.owned.owns(rel) == Some(Kind::Dir) && self.remove_owned_dir(rel)?
        } else {
            self.owned.owns(rel) == Some(Kind::File)
        };
        if !ok {
            self.blocked.push(rel.to_path_buf());
        }
        Ok(ok)
    }

    /// Removes the directory `dest/rel` mutrun made, with what mutrun wrote in it (and the
    /// bytecode Python wrote beside it); `false`, and the rest left, when anything else is in it.
    fn remove_owned_dir(&mut self, rel: &Path) -> Result<bool> {
        let path = self.dest.join(rel);
        let Ok(iter) = fs::read_dir(&path) else {
            return Ok(false);
        };
        let mut all_gone = true;
        for entry in iter.flatten() {
            let child = rel.join(entry.file_name());
            let child_path = self.dest.join(&child);
            let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
            let gone = if is_dir && entry.file_name() == "__pycache__" {
                fs::remove_dir_all(&child_path).is_ok()
            } else if is_dir {
                self.owned.owns(&child) == Some(Kind::Dir) && self.remove_owned_dir(&child)?
            } else if self.owned.owns(&child) == Some(Kind::File) {
                fs::remove_file(&child_path).map_err(|e| Error::io("remove", &child_path, e))?;
                self.owned.removed(&child)?;
                true
            } else {
                false
            };
            all_gone &= gone;
        }
        if all_gone && fs::remove_dir(&path).is_ok() {
            self.owned.removed(rel)?;
            return Ok(true);
        }
        Ok(false)
    }

    fn copy_file(&mut self, rel: &Path) -> Result<()> {
        let source = self.root.join(rel);
        let target = self.dest.join(rel);
        let meta = match fs::metadata(&source) {
            Ok(meta) => meta,
            Err(e) => {
                self.report
                    .warnings
                    .push(format!("skipped {}: {e}", rel.display()));
                return Ok(());
            }
        };
        let modified = meta.modified().ok();
        if let (Ok(existing), Some(modified)) = (fs::symlink_metadata(&target), modified) {
            if existing.is_file()
                && existing.len() == meta.len()
                && existing.modified().ok() == Some(modified)
            {
                self.report.unchanged += 1;
                return Ok(());
            }
        }
        let parent = rel.parent().unwrap_or(Path::new(""));
        if !self.make_dir(parent)? || !self.may_write(rel)? {
            return Ok(());
        }
        let target_dir = self.dest.join(parent);
        let mut input = match fs::File::open(&source) {
            Ok(file) => file,
            Err(e) => {
                self.report
                    .warnings
                    .push(format!("skipped {}: {e}", rel.display()));
                return Ok(());
            }
        };
        let mut temp = tempfile::Builder::new()
            .prefix(".mutrun-tmp-")
            .tempfile_in(&target_dir)
            .map_err(|e| Error::io("create a temporary file in", &target_dir, e))?;
        io::copy(&mut input, temp.as_file_mut()).map_err(|e| {
            Error::other(format!(
                "cannot copy {} to {}: {e}",
                source.display(),
                target.display()
            ))
        })?;
        let file = temp.as_file();
        file.set_permissions(meta.permissions())
            .map_err(|e| Error::io("set permissions of", temp.path(), e))?;
        if let Some(modified) = modified {
            file.set_modified(modified)
                .map_err(|e| Error::io("set the modification time of", temp.path(), e))?;
        }
        self.owned.will_write(rel, Kind::File)?;
        temp.persist(&target)
            .map_err(|e| Error::io("replace", &target, e.error))?;
        self.report.copied += 1;
        Ok(())
    }

    /// A link to something inside the project becomes a relative link to the same place in the
    /// copy; a link that leaves the project is skipped.
    fn copy_link(&mut self, rel: &Path) -> Result<()> {
        let source = self.root.join(rel);
        let target = match fs::read_link(&source) {
            Ok(target) => target,
            Err(e) => {
                self.report
                    .warnings
                    .push(format!("skipped symlink {}: {e}", rel.display()));
                return Ok(());
            }
        };
        let parent = rel.parent().unwrap_or(Path::new(""));
        let joined = self.root.join(parent).join(&target);
        let resolved = joined.canonicalize().unwrap_or_else(|_| normalize(&joined));
        let Ok(inside) = resolved.strip_prefix(self.root) else {
            self.report.warnings.push(format!(
                "skipped symlink {} -> {}: it points outside the project",
                rel.display(),
                target.display()
            ));
            return Ok(());
        };
        if inside.as_os_str().is_empty() || self.is_dest_or_below(inside) {
            self.report.warnings.push(format!(
                "skipped symlink {} -> {}: it points to the project root or to mutants/",
                rel.display(),
                target.display()
            ));
            return Ok(());
        }
        let link_text = relative_link(parent, inside);
        self.expected.insert(rel.to_path_buf());
        let dest_link = self.dest.join(rel);
        if fs::read_link(&dest_link).is_ok_and(|existing| existing == link_text) {
            self.report.unchanged += 1;
            return Ok(());
        }
        if !self.make_dir(parent)? || !self.may_write(rel)? {
            return Ok(());
        }
        let temp_name = self.dest.join(parent).join(format!(
            "{}link-{}",
            owned::TEMP_PREFIX,
            std::process::id()
        ));
        let _ = fs::remove_file(&temp_name);
        std::os::unix::fs::symlink(&link_text, &temp_name)
            .map_err(|e| Error::io("create symlink", &temp_name, e))?;
        self.owned.will_write(rel, Kind::File)?;
        fs::rename(&temp_name, &dest_link).map_err(|e| Error::io("replace", &dest_link, e))?;
        self.report.copied += 1;
        Ok(())
    }

    fn is_dest_or_below(&self, rel: &Path) -> bool {
        rel.starts_with(MUTANTS_DIR)
            || self
                .dest_in_root
                .as_deref()
                .is_some_and(|d| rel.starts_with(d))
    }

    /// Deletes from `dest/dir` what mutrun wrote that is no longer in the project, keeping
    /// `.meta` files, `.mutrun/` and (in directories that still exist) caches the test runs made.
    /// What mutrun did not write stays (and so does the directory holding it), but leftover
    /// temp files of mutrun's atomic writes and the bytecode in a directory that goes.
    fn remove_stale(&mut self, dir: &Path, dir_expected: bool) -> Result<()> {
        let abs_dir = self.dest.join(dir);
        let Ok(iter) = fs::read_dir(&abs_dir) else {
            return Ok(());
        };
        let mut entries: Vec<(PathBuf, fs::FileType)> = Vec::new();
        for entry in iter.flatten() {
            if let Ok(file_type) = entry.file_type() {
                entries.push((dir.join(entry.file_name()), file_type));
            }
        }
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        for (rel, file_type) in entries {
            if dir.as_os_str().is_empty() && rel == Path::new(MUTRUN_DIR) {
                continue;
            }
            let expected = dir_expected && self.expected.contains(&rel);
            if !expected && self.keep.contains(&rel) {
                continue;
            }
            let path = self.dest.join(&rel);
            if file_type.is_dir() {
                let is_cache = rel
                    .file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| SKIPPED_DIRS.contains(&n));
                if dir_expected && is_cache {
                    continue;
                }
                if !expected
                    && rel.file_name().is_some_and(|n| n == "__pycache__")
                    && self.owned.owns(dir) == Some(Kind::Dir)
                {
                    let _ = fs::remove_dir_all(&path);
                    continue;
                }
                self.remove_stale(&rel, expected)?;
                // Only a directory mutrun made, and it stays while `.meta` files, or files mutrun
                // did not write, remain in it.
                if !expected
                    && self.owned.owns(&rel) == Some(Kind::Dir)
                    && fs::remove_dir(&path).is_ok()
                {
                    self.owned.removed(&rel)?;
                }
            } else if !expected
                && rel.extension().is_none_or(|e| e != "meta")
                && self.owned.owns(&rel) == Some(Kind::File)
            {
                fs::remove_file(&path).map_err(|e| Error::io("remove", &path, e))?;
                self.owned.removed(&rel)?;
                if !is_temp(&rel) {
                    self.report.removed += 1;
                }
            }
        }
        Ok(())
    }
}

fn is_temp(rel: &Path) -> bool {
    rel.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.starts_with(owned::TEMP_PREFIX))
}

fn display_dir(dir: &Path) -> String {
    if dir.as_os_str().is_empty() {
        "the project root".to_string()
    } else {
        format!("{}/", dir.display())
    }
}

/// `path` with `.` and `..` resolved lexically.
pub(crate) fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// The relative link text that leads from directory `from` to `to` (both relative to the root).
fn relative_link(from: &Path, to: &Path) -> PathBuf {
    let from: Vec<_> = from.components().collect();
    let to_parts: Vec<_> = to.components().collect();
    let common = from
        .iter()
        .zip(&to_parts)
        .take_while(|(a, b)| a == b)
        .count();
    let mut link = PathBuf::new();
    for _ in common..from.len() {
        link.push("..");
    }
    for part in &to_parts[common..] {
        link.push(part);
    }
    link
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(root: &Path, rel: &str, text: &str) {
        let path = root.join(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }

    fn sample() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for rel in [
            "pyproject.toml",
            "src/pkg/__init__.py",
            "src/pkg/mod.py",
            "tests/test_mod.py",
            ".git/HEAD",
            ".venv/lib/x.py",
            "env/pyvenv.cfg",
            "env/lib/y.py",
            "src/pkg/__pycache__/mod.cpython-311.pyc",
            ".pytest_cache/v",
            ".tox/a",
            "node_modules/a.js",
            "build/lib/pkg/mod.py",
            "dist/pkg.whl",
            "src/pkg.egg-info/PKG-INFO",
            "target/debug/x",
            "src/pkg/build/__init__.py",
            "data/build/keep.txt",
        ] {
            write(root, rel, rel);
        }
        dir
    }

    fn files(dir: &Path) -> Vec<String> {
        let mut out: Vec<String> = walkdir::WalkDir::new(dir)
            .into_iter()
            .filter_map(|e| e.ok())
            .filter(|e| !e.file_type().is_dir())
            .map(|e| e.path().strip_prefix(dir).unwrap().display().to_string())
            .filter(|p| !p.starts_with(".mutrun/"))
            .collect();
        out.sort();
        out
    }

    fn try_run(root: &Path, skip: &[&str], also: &[&str]) -> Result<CopyReport> {
        let skip: HashSet<PathBuf> = skip.iter().map(PathBuf::from).collect();
        let also: Vec<PathBuf> = also.iter().map(PathBuf::from).collect();
        let dest = root.join("mutants");
        fs::create_dir_all(&dest).unwrap();
        let owned = Owned::claim(root, &dest)?;
        mirror(root, &dest, &skip, &also, &owned)
    }

    fn run(root: &Path, skip: &[&str], also: &[&str]) -> CopyReport {
        try_run(root, skip, also).unwrap()
    }

    /// Marks `rel` in the copy as written by mutrun (as generation records what it writes).
    fn own(root: &Path, rel: &str) {
        let owned = Owned::claim(root, &root.join("mutants")).unwrap();
        owned.will_write(Path::new(rel), Kind::File).unwrap();
    }

    #[test]
    fn copies_the_project_without_vcs_venvs_caches_or_build_output() {
        let dir = sample();
        let report = run(dir.path(), &["src/pkg/mod.py"], &[]);
        assert_eq!(
            files(&dir.path().join("mutants")),
            vec![
                "data/build/keep.txt",
                "pyproject.toml",
                "src/pkg/__init__.py",
                "src/pkg/build/__init__.py",
                "tests/test_mod.py",
            ]
        );
        assert_eq!(report.copied, 5);
        assert!(report.warnings.is_empty(), "{:?}", report.warnings);
    }

    #[test]
    fn also_copy_overrides_skip_rules() {
        let dir = sample();
        run(dir.path(), &[], &["build/lib", "dist/pkg.whl"]);
        let copied = files(&dir.path().join("mutants"));
        assert!(
            copied.contains(&"build/lib/pkg/mod.py".to_string()),
            "{copied:?}"
        );
        assert!(copied.contains(&"dist/pkg.whl".to_string()));
        assert!(!copied.contains(&"target/debug/x".to_string()));
        let again = run(dir.path(), &[], &["build/lib", "dist/pkg.whl"]);
        assert_eq!((again.copied, again.removed), (0, 0));
    }

    #[test]
    fn incremental() {
        let dir = sample();
        let root = dir.path();
        let mutants = root.join("mutants");
        let first = run(root, &["src/pkg/mod.py"], &[]);
        assert!(first.copied > 0);

        let second = run(root, &["src/pkg/mod.py"], &[]);
        assert_eq!(second.copied, 0);
        assert_eq!(second.unchanged, first.copied);
        assert_eq!(second.removed, 0);

        // What the generator and the test runs write stays.
        own(root, "src/pkg/mod.py");
        write(&mutants, "src/pkg/mod.py", "generated");
        write(&mutants, "src/pkg/mod.py.meta", "{}");
        write(&mutants, ".mutrun/stats.json", "{}");
        write(&mutants, "src/pkg/__pycache__/x.pyc", "");
        // A file removed from the project goes; its .meta stays.
        write(root, "src/pkg/old.py", "old");
        run(root, &["src/pkg/mod.py"], &[]);
        write(&mutants, "src/pkg/old.py.meta", "{}");
        fs::remove_file(root.join("src/pkg/old.py")).unwrap();
        // A changed file is copied again, with the source's mtime.
        write(root, "tests/test_mod.py", "changed");
        let third = run(root, &["src/pkg/mod.py"], &[]);
        assert_eq!(third.copied, 1);
        assert_eq!(third.removed, 1);
        assert_eq!(
            fs::read_to_string(mutants.join("tests/test_mod.py")).unwrap(),
            "changed"
        );
        assert_eq!(
            fs::metadata(mutants.join("tests/test_mod.py"))
                .unwrap()
                .modified()
                .unwrap(),
            fs::metadata(root.join("tests/test_mod.py"))
                .unwrap()
                .modified()
                .unwrap()
        );
        assert!(!mutants.join("src/pkg/old.py").exists());
        assert!(mutants.join("src/pkg/old.py.meta").exists());
        assert!(mutants.join("src/pkg/mod.py.meta").exists());
        assert!(mutants.join(".mutrun/stats.json").exists());
        assert!(mutants.join("src/pkg/__pycache__/x.pyc").exists());
        assert_eq!(
            fs::read_to_string(mutants.join("src/pkg/mod.py")).unwrap(),
            "generated"
        );

        // A file no longer skipped (no longer mutated) is copied over the generated one.
        let fourth = run(root, &[], &[]);
        assert_eq!(fourth.copied, 1);
        assert_eq!(
            fs::read_to_string(mutants.join("src/pkg/mod.py")).unwrap(),
            "src/pkg/mod.py"
        );

        // A whole directory that left the project goes, except .meta files.
        fs::remove_dir_all(root.join("tests")).unwrap();
        let fifth = run(root, &[], &[]);
        assert_eq!(fifth.removed, 1);
        assert!(!mutants.join("tests").exists());
    }

    #[test]
    fn symlinks() {
        let dir = sample();
        let root = dir.path();
        let outside = tempfile::tempdir().unwrap();
        write(outside.path(), "secret.txt", "secret");
        std::os::unix::fs::symlink(outside.path().join("secret.txt"), root.join("leak.txt"))
            .unwrap();
        std::os::unix::fs::symlink(outside.path(), root.join("leakdir")).unwrap();
        std::os::unix::fs::symlink("../pyproject.toml", root.join("src/cfg.toml")).unwrap();
        std::os::unix::fs::symlink(root.join("src/pkg"), root.join("pkglink")).unwrap();

        let report = run(root, &[], &[]);
        let mutants = root.join("mutants");
        assert!(fs::symlink_metadata(mutants.join("leak.txt")).is_err());
        assert!(fs::symlink_metadata(mutants.join("leakdir")).is_err());
        assert_eq!(
            report.warnings,
            vec![
                format!(
                    "skipped symlink leak.txt -> {}: it points outside the project",
                    outside.path().join("secret.txt").display()
                ),
                format!(
                    "skipped symlink leakdir -> {}: it points outside the project",
                    outside.path().display()
                ),
            ]
        );
        assert_eq!(
            fs::read_link(mutants.join("src/cfg.toml")).unwrap(),
            PathBuf::from("../pyproject.toml")
        );
        // An absolute link inside the project becomes relative, so it points into the copy.
        assert_eq!(
            fs::read_link(mutants.join("pkglink")).unwrap(),
            PathBuf::from("src/pkg")
        );
        assert_eq!(
            fs::read_to_string(mutants.join("pkglink/mod.py")).unwrap(),
            "src/pkg/mod.py"
        );
        assert!(files(outside.path()) == vec!["secret.txt"]);

        let again = run(root, &[], &[]);
        assert_eq!(again.copied, 0);
    }

    #[test]
    fn never_writes_through_a_link_in_the_copy() {
        let dir = sample();
        let root = dir.path();
        let outside = tempfile::tempdir().unwrap();
        let mutants = root.join("mutants");
        run(root, &[], &[]);
        // A link mutrun made where the project now has a directory is replaced by one.
        fs::remove_dir_all(root.join("data")).unwrap();
        write(root, "elsewhere/keep.txt", "x");
        std::os::unix::fs::symlink("elsewhere", root.join("data")).unwrap();
        run(root, &[], &[]);
        assert!(fs::symlink_metadata(mutants.join("data"))
            .unwrap()
            .is_symlink());
        fs::remove_file(root.join("data")).unwrap();
        write(root, "data/build/keep.txt", "y");
        run(root, &[], &[]);
        assert!(fs::symlink_metadata(mutants.join("data")).unwrap().is_dir());
        assert!(mutants.join("data/build/keep.txt").is_file());
        // Someone replaced a directory of the copy with a link: the copy stops (exit 2) without
        // writing through it or removing it.
        fs::remove_dir_all(mutants.join("tests")).unwrap();
        std::os::unix::fs::symlink(outside.path(), mutants.join("tests")).unwrap();
        let err = try_run(root, &[], &[]).unwrap_err();
        assert_eq!(err.exit_code(), crate::domain::exit_code::ExitCode::Usage);
        assert!(
            err.to_string().starts_with(
                "mutrun must write mutants/tests, but mutrun did not write what is there now"
            ),
            "{err}"
        );
        assert!(files(outside.path()).is_empty());
        assert!(fs::symlink_metadata(mutants.join("tests"))
            .unwrap()
            .is_symlink());
    }

    #[test]
    fn files_mutrun_did_not_write_are_never_removed_or_replaced() {
        let dir = sample();
        let root = dir.path();
        let mutants = root.join("mutants");
        run(root, &[], &[]);
        // Someone put files into the copy: the next copy leaves them, even in a directory that
        // left the project.
        write(&mutants, "notes.txt", "mine");
        write(&mutants, "tests/output.json", "a test wrote it");
        fs::remove_dir_all(root.join("tests")).unwrap();
        let report = run(root, &[], &[]);
        assert_eq!(report.removed, 1, "tests/test_mod.py");
        assert_eq!(
            fs::read_to_string(mutants.join("notes.txt")).unwrap(),
            "mine"
        );
        assert!(mutants.join("tests/output.json").is_file());
        assert!(!mutants.join("tests/test_mod.py").exists());
        // One of them where the project now has a file: refused, and kept.
        write(root, "notes.txt", "project");
        let err = try_run(root, &[], &[]).unwrap_err();
        assert!(err.to_string().contains("mutants/notes.txt"), "{err}");
        assert_eq!(
            fs::read_to_string(mutants.join("notes.txt")).unwrap(),
            "mine"
        );
    }

    #[test]
    fn link_text() {
        assert_eq!(
            relative_link(Path::new("a/b"), Path::new("a/c/d")),
            PathBuf::from("../c/d")
        );
        assert_eq!(
            relative_link(Path::new(""), Path::new("x")),
            PathBuf::from("x")
        );
    }
}
