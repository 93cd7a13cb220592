//! Finds the Python files to mutate and the dotted module name each one is imported as.
//!
//! With `paths_to_mutate` unset, sources are auto-detected: everything under `src/` (src layout),
//! else the top-level packages and modules (flat layout). Tests, docs, examples, build scripts,
//! hidden directories and virtualenvs are never sources.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

use globset::{Glob, GlobSet, GlobSetBuilder};
use walkdir::WalkDir;

use crate::config::Config;
use crate::domain::error::{Error, Result};

/// One file to mutate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFile {
    /// Relative to the project root.
    pub path: PathBuf,
    /// Dotted module name, `pkg.sub.mod`; a package's `__init__.py` is `pkg.sub`.
    pub module: String,
}

/// The sources of a project and where they are imported from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Project {
    pub root: PathBuf,
    /// Sorted by path.
    pub sources: Vec<SourceFile>,
    /// Relative directories that must be on `PYTHONPATH` (`src`, `.`), sorted.
    pub import_roots: Vec<PathBuf>,
}

/// Directory names never searched for sources.
const SKIPPED_DIRS: &[&str] = &[
    "tests",
    "test",
    "testing",
    "docs",
    "doc",
    "examples",
    "example",
    "venv",
    "__pycache__",
    "node_modules",
    "site-packages",
];

/// Top-level directories never searched for sources (build output, mutrun's own copy).
const SKIPPED_TOP_DIRS: &[&str] = &["mutants", "build", "dist", "target"];

/// Top-level files that are tooling, not the project's code.
const SKIPPED_TOP_FILES: &[&str] = &["setup.py", "noxfile.py", "fabfile.py", "conftest.py"];

/// Finds the project's sources according to `config`.
pub fn discover(root: &Path, config: &Config) -> Result<Project> {
    let excluded = Exclusions::new(config)?;
    let mut found: BTreeMap<PathBuf, SourceFile> = BTreeMap::new();
    match &config.paths_to_mutate {
        Some(paths) => {
            for path in paths {
                explicit(root, path, &excluded, &mut found)?;
            }
            if found.is_empty() {
                let listed: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
                let given = match config.flag_of("paths_to_mutate") {
                    Some(flag) => format!("{flag} {}", listed.join(" ")),
                    None => format!(
                        "paths_to_mutate = [{}] ({})",
                        listed.join(", "),
                        config.describe_source()
                    ),
                };
                return Err(Error::usage(format!(
                    "no Python files to mutate in {given}{}",
                    excluded.note()
                )));
            }
        }
        None => {
            auto_detect(root, &excluded, &mut found)?;
            if found.is_empty() {
                return Err(Error::usage(format!(
                    "no Python files to mutate found in {}: searched src/ (packages and modules) \
                     and the project root (directories with __init__.py, top-level *.py modules){}; \
                     set `paths_to_mutate` under [tool.mutrun] in pyproject.toml",
                    root.display(),
                    excluded.note()
                )));
            }
        }
    }
    let mut sources: Vec<SourceFile> = found.into_values().collect();
    join_namespace_portions(root, &mut sources);
    refuse_duplicate_modules(&sources)?;
    let mut import_roots: Vec<PathBuf> = sources
        .iter()
        .map(|s| source_import_root(root, s))
        .collect();
    import_roots.sort();
    import_roots.dedup();
    Ok(Project {
        root: root.to_path_buf(),
        sources,
        import_roots,
    })
}

/// `do_not_mutate` and `only_mutate` globs and the configured test directories.
struct Exclusions {
    globs: GlobSet,
    tests_dirs: Vec<PathBuf>,
    any_globs: bool,
    /// `only_mutate`; `None` when not given.
    only: Option<GlobSet>,
}

/// The globs of `key` as one set (`*` crosses `/`, as in mutmut's `fnmatch`).
fn glob_set(key: &str, patterns: &[String]) -> Result<GlobSet> {
    let mut builder = GlobSetBuilder::new();
    for pattern in patterns {
        let glob = Glob::new(pattern).map_err(|e| {
            Error::usage(format!(
                "{key}: `{pattern}` is not a valid glob: {}",
                e.kind()
            ))
        })?;
        builder.add(glob);
    }
    builder
        .build()
        .map_err(|e| Error::usage(format!("{key}: {e}")))
}

impl Exclusions {
    fn new(config: &Config) -> Result<Exclusions> {
        let globs = glob_set("do_not_mutate", &config.do_not_mutate)?;
        let only = match config.only_mutate.is_empty() {
            true => None,
            false => Some(glob_set("only_mutate", &config.only_mutate)?),
        };
        Ok(Exclusions {
            only,
            globs,
            tests_dirs: config
                .tests_dir
                .iter()
                .filter(|p| p.as_os_str() != ".")
                .cloned()
                .collect(),
            any_globs: !config.do_not_mutate.is_empty(),
        })
    }

    /// True when `rel` (or a directory above it) matches `do_not_mutate` or is a tests dir, or
    /// `only_mutate` is given and `rel` (or a directory above it) matches none of it.
    fn excludes(&self, rel: &Path) -> bool {
        if self.tests_dirs.iter().any(|t| rel.starts_with(t)) {
            return true;
        }
        if let Some(only) = &self.only {
            let included = rel
                .ancestors()
                .filter(|a| !a.as_os_str().is_empty())
                .any(|a| only.is_match(slash_path(a)));
            if !included {
                return true;
            }
        }
        if !self.any_globs {
            return false;
        }
        rel.ancestors()
            .filter(|a| !a.as_os_str().is_empty())
            .any(|a| self.globs.is_match(slash_path(a)))
    }

    fn note(&self) -> &'static str {
        match (self.any_globs, self.only.is_some()) {
            (true, true) => " (after keeping files matching only_mutate and removing those matching do_not_mutate)",
            (true, false) => " (after removing files matching do_not_mutate)",
            (false, true) => " (after keeping files matching only_mutate)",
            (false, false) => "",
        }
    }
}

/// A relative path with `/` separators, as globs see it.
fn slash_path(path: &Path) -> String {
    path.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

fn auto_detect(
    root: &Path,
    excluded: &Exclusions,
    found: &mut BTreeMap<PathBuf, SourceFile>,
) -> Result<()> {
    let src = root.join("src");
    if src.is_dir() && !src.join("__init__.py").is_file() {
        walk(
            root,
            Path::new("src"),
            Some(Path::new("src")),
            excluded,
            found,
        )?;
        if !found.is_empty() {
            return Ok(());
        }
    }
    let entries = std::fs::read_dir(root).map_err(|e| Error::io("list", root, e))?;
    let mut names: Vec<(String, bool)> = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| Error::io("list", root, e))?;
        let Ok(file_type) = entry.file_type() else {
            continue;
        };
        if file_type.is_symlink() {
            continue;
        }
        if let Some(name) = entry.file_name().to_str() {
            names.push((name.to_string(), file_type.is_dir()));
        }
    }
    names.sort();
    for (name, is_dir) in names {
        let rel = PathBuf::from(&name);
        if is_dir {
            if skipped_dir(root, &rel) || !root.join(&rel).join("__init__.py").is_file() {
                continue;
            }
            walk(root, &rel, Some(Path::new(".")), excluded, found)?;
        } else if is_source_name(&name) && !SKIPPED_TOP_FILES.contains(&name.as_str()) {
            add(root, &rel, Some(Path::new(".")), excluded, found);
        }
    }
    Ok(())
}

/// One `paths_to_mutate` entry: a `.py` file or a directory to search.
fn explicit(
    root: &Path,
    rel: &Path,
    excluded: &Exclusions,
    found: &mut BTreeMap<PathBuf, SourceFile>,
) -> Result<()> {
    let abs = root.join(rel);
    let meta = std::fs::metadata(&abs).map_err(|_| {
        Error::usage(format!(
            "paths_to_mutate: `{}` does not exist in {}",
            rel.display(),
            root.display()
        ))
    })?;
    if meta.is_dir() {
        return walk(root, rel, None, excluded, found);
    }
    if rel.extension().and_then(|e| e.to_str()) != Some("py") {
        return Err(Error::usage(format!(
            "paths_to_mutate: `{}` is not a Python file (.py) or a directory",
            rel.display()
        )));
    }
    if !excluded.excludes(rel) && !found.contains_key(rel) {
        let (_, module) = import_root(root, rel);
        let source = SourceFile {
            path: rel.to_path_buf(),
            module,
        };
        found.insert(rel.to_path_buf(), source);
    }
    Ok(())
}

/// Every source file under the relative directory `start` (`.` for the root); with
/// `expected_root`, only files imported from that directory (auto-detection).
fn walk(
    root: &Path,
    start: &Path,
    expected_root: Option<&Path>,
    excluded: &Exclusions,
    found: &mut BTreeMap<PathBuf, SourceFile>,
) -> Result<()> {
    let base = root.join(start);
    let walker = WalkDir::new(&base)
        .follow_links(false)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|entry| {
            entry.depth() == 0
                || !entry.file_type().is_dir()
                || !skipped_dir(root, &relative(root, entry.path()))
        });
    for entry in walker {
        let entry = entry.map_err(|e| {
            Error::other(format!("cannot search {} for sources: {e}", base.display()))
        })?;
        if !entry.file_type().is_file() {
            continue;
        }
        let rel = relative(root, entry.path());
        let Some(name) = rel.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        if !is_source_name(name) {
            continue;
        }
        if rel.parent() == Some(Path::new("")) && SKIPPED_TOP_FILES.contains(&name) {
            continue;
        }
        add(root, &rel, expected_root, excluded, found);
    }
    Ok(())
}

fn relative(root: &Path, path: &Path) -> PathBuf {
    let rel = path.strip_prefix(root).unwrap_or(path);
    rel.components()
        .filter(|c| !matches!(c, Component::CurDir))
        .collect()
}

/// A `.py` file that is not a test module.
fn is_source_name(name: &str) -> bool {
    let Some(stem) = name.strip_suffix(".py") else {
        return false;
    };
    !(stem.starts_with("test_") || stem.ends_with("_test") || stem == "conftest")
}

/// Directories never searched: tests, docs, examples, hidden, virtualenvs, caches, build output.
fn skipped_dir(root: &Path, rel: &Path) -> bool {
    let Some(name) = rel.file_name().and_then(|n| n.to_str()) else {
        return true;
    };
    if name.starts_with('.') || SKIPPED_DIRS.contains(&name) || name.ends_with(".egg-info") {
        return true;
    }
    if rel.parent() == Some(Path::new("")) && SKIPPED_TOP_DIRS.contains(&name) {
        return true;
    }
    root.join(rel).join("pyvenv.cfg").exists()
}

/// Adds a file found by searching a directory: only importable ones (identifier names, and
/// imported from `expected_root` when given).
fn add(
    root: &Path,
    rel: &Path,
    expected_root: Option<&Path>,
    excluded: &Exclusions,
    found: &mut BTreeMap<PathBuf, SourceFile>,
) {
    if excluded.excludes(rel) || found.contains_key(rel) {
        return;
    }
    let (from, module) = import_root(root, rel);
    if !module.split('.').all(is_identifier) {
        return;
    }
    if expected_root.is_some_and(|expected| expected != from) {
        return;
    }
    found.insert(
        rel.to_path_buf(),
        SourceFile {
            path: rel.to_path_buf(),
            module,
        },
    );
}

fn is_identifier(part: &str) -> bool {
    let mut chars = part.chars();
    matches!(chars.next(), Some(c) if c == '_' || c.is_alphabetic())
        && chars.all(|c| c == '_' || c.is_alphanumeric())
}

/// The directory a file is imported from (relative, `.` for the root) and its module name.
///
/// Walks up while the parent directory has an `__init__.py` (a regular package): the directory
/// holding the topmost package is the import root. Files under `src/` (when `src` itself is not a
/// package) count from `src`. A file in a directory without `__init__.py` that is neither the
/// project root nor `src/` is a module of a namespace package (PEP 420): Python, run from the
/// project root, imports `nspkg/a/ops.py` as `nspkg.a.ops`, so its name counts from the root
/// through each such directory (when all their names are identifiers; otherwise it is imported
/// from its own directory).
pub fn import_root(root: &Path, rel: &Path) -> (PathBuf, String) {
    let mut parts: Vec<String> = Vec::new();
    let stem = rel
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    if stem != "__init__" {
        parts.push(stem);
    }
    let parent = rel.parent().unwrap_or(Path::new("")).to_path_buf();
    let mut dir = parent.clone();
    let src_layout = rel.starts_with("src") && !root.join("src").join("__init__.py").is_file();
    let in_regular_package = root.join(&parent).join("__init__.py").is_file();
    let namespace = !src_layout
        && !in_regular_package
        && !parent.as_os_str().is_empty()
        && parent
            .components()
            .all(|c| matches!(c, Component::Normal(n) if n.to_str().is_some_and(is_identifier)));
    loop {
        if dir.as_os_str().is_empty() {
            break;
        }
        let is_package = root.join(&dir).join("__init__.py").is_file();
        if src_layout {
            if dir == Path::new("src") {
                break;
            }
        } else if !is_package && !namespace {
            break;
        }
        if let Some(name) = dir.file_name() {
            parts.push(name.to_string_lossy().into_owned());
        }
        dir = dir.parent().unwrap_or(Path::new("")).to_path_buf();
    }
    parts.reverse();
    let import_root = if dir.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        dir
    };
    (import_root, parts.join("."))
}

/// The directory `source` is imported from, given its (final) module name: as many levels above
/// the file as the name has parts.
fn source_import_root(root: &Path, source: &SourceFile) -> PathBuf {
    let (from, module) = import_root(root, &source.path);
    if module == source.module {
        return from;
    }
    let mut dir = source.path.parent().unwrap_or(Path::new("")).to_path_buf();
    let levels = source.module.split('.').count()
        - usize::from(source.path.file_stem().is_some_and(|s| s != "__init__"));
    for _ in 0..levels {
        dir = dir.parent().unwrap_or(Path::new("")).to_path_buf();
    }
    if dir.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        dir
    }
}

/// A directory that holds a module of a namespace package (`nspkg/b` for `nspkg/b/ops.py`,
/// named `nspkg.b.ops`) is a namespace portion, and so is each directory above it: a regular
/// package inside one (`nspkg/b/sub/__init__.py`) is imported as `nspkg.b.sub`, not `sub`.
fn join_namespace_portions(root: &Path, sources: &mut [SourceFile]) {
    let mut portions: std::collections::BTreeSet<PathBuf> = std::collections::BTreeSet::new();
    for source in sources.iter() {
        let parent = source.path.parent().unwrap_or(Path::new(""));
        let (from, _) = import_root(root, &source.path);
        if from == Path::new(".")
            && !parent.as_os_str().is_empty()
            && !root.join(parent).join("__init__.py").is_file()
        {
            portions.extend(
                parent
                    .ancestors()
                    .filter(|a| !a.as_os_str().is_empty())
                    .map(Path::to_path_buf),
            );
        }
    }
    if portions.is_empty() {
        return;
    }
    for source in sources.iter_mut() {
        let (from, module) = import_root(root, &source.path);
        if portions.contains(&from) {
            let prefix: Vec<String> = from
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            source.module = format!("{}.{module}", prefix.join("."));
        }
    }
}

/// Two sources Python would import under the same name (the same module in two import roots):
/// their mutant ids would collide, so the run is refused, naming both files.
fn refuse_duplicate_modules(sources: &[SourceFile]) -> Result<()> {
    let mut seen: BTreeMap<&str, &Path> = BTreeMap::new();
    let mut clashes: Vec<String> = Vec::new();
    for source in sources {
        if let Some(first) = seen.insert(&source.module, &source.path) {
            clashes.push(format!(
                "  `{}`: {} and {}",
                source.module,
                first.display(),
                source.path.display()
            ));
            seen.insert(&source.module, first);
        }
    }
    if clashes.is_empty() {
        return Ok(());
    }
    Err(Error::usage(format!(
        "{} module names belong to more than one file to mutate, so their mutant ids would \
         collide:\n{}\nPython imports only one file under a name: give each directory of a \
         package an `__init__.py` (or none, for a namespace package under the project root), or \
         leave one of the files out of `paths_to_mutate` (or add it to `do_not_mutate`)",
        clashes.len(),
        clashes.join("\n")
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(files: &[&str]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for path in files {
            let path = dir.path().join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, "x = 1\n").unwrap();
        }
        dir
    }

    fn found(dir: &tempfile::TempDir, config: &Config) -> Vec<(String, String)> {
        discover(dir.path(), config)
            .unwrap()
            .sources
            .into_iter()
            .map(|s| (s.path.display().to_string(), s.module))
            .collect()
    }

    fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
        items
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn src_layout() {
        let dir = tree(&[
            "src/pkg/__init__.py",
            "src/pkg/core.py",
            "src/pkg/sub/__init__.py",
            "src/pkg/sub/deep.py",
            "src/pkg/tests/test_core.py",
            "src/pkg/test_inline.py",
            "src/pkg/inline_test.py",
            "src/pkg/conftest.py",
            "src/pkg/__pycache__/core.py",
            "src/single.py",
            "src/pkg.egg-info/x.py",
            "tests/test_pkg.py",
            "setup.py",
            "toplevel.py",
        ]);
        let project = discover(dir.path(), &Config::default()).unwrap();
        assert_eq!(
            found(&dir, &Config::default()),
            pairs(&[
                ("src/pkg/__init__.py", "pkg"),
                ("src/pkg/core.py", "pkg.core"),
                ("src/pkg/sub/__init__.py", "pkg.sub"),
                ("src/pkg/sub/deep.py", "pkg.sub.deep"),
                ("src/single.py", "single"),
            ])
        );
        assert_eq!(project.import_roots, vec![PathBuf::from("src")]);
    }

    #[test]
    fn src_namespace_packages_count_from_src() {
        let dir = tree(&[
            "src/ns/pkg/__init__.py",
            "src/ns/pkg/mod.py",
            "src/ns/plain.py",
        ]);
        assert_eq!(
            found(&dir, &Config::default()),
            pairs(&[
                ("src/ns/pkg/__init__.py", "ns.pkg"),
                ("src/ns/pkg/mod.py", "ns.pkg.mod"),
                ("src/ns/plain.py", "ns.plain"),
            ])
        );
    }

    #[test]
    fn flat_layout() {
        let dir = tree(&[
            "pkg/__init__.py",
            "pkg/a.py",
            "pkg/data-files/script.py",
            "tool.py",
            "setup.py",
            "noxfile.py",
            "conftest.py",
            "test_tool.py",
            "tests/__init__.py",
            "tests/test_a.py",
            "docs/__init__.py",
            "docs/conf.py",
            "examples/__init__.py",
            "notpkg/b.py",
            ".hidden/__init__.py",
            "venv/__init__.py",
            "env/__init__.py",
            "env/pyvenv.cfg",
            "mutants/pkg/__init__.py",
            "build/lib/__init__.py",
        ]);
        let project = discover(dir.path(), &Config::default()).unwrap();
        assert_eq!(
            found(&dir, &Config::default()),
            pairs(&[
                ("pkg/__init__.py", "pkg"),
                ("pkg/a.py", "pkg.a"),
                ("tool.py", "tool"),
            ])
        );
        assert_eq!(project.import_roots, vec![PathBuf::from(".")]);
    }

    #[test]
    fn single_module_project() {
        let dir = tree(&["mylib.py", "test_mylib.py", "setup.py"]);
        assert_eq!(
            found(&dir, &Config::default()),
            pairs(&[("mylib.py", "mylib")])
        );
    }

    #[test]
    fn empty_src_falls_back_to_flat() {
        let dir = tree(&["src/README.txt", "pkg/__init__.py"]);
        assert_eq!(
            found(&dir, &Config::default()),
            pairs(&[("pkg/__init__.py", "pkg")])
        );
    }

    #[test]
    fn src_that_is_a_package_is_flat() {
        let dir = tree(&["src/__init__.py", "src/app.py"]);
        let project = discover(dir.path(), &Config::default()).unwrap();
        assert_eq!(
            found(&dir, &Config::default()),
            pairs(&[("src/__init__.py", "src"), ("src/app.py", "src.app")])
        );
        assert_eq!(project.import_roots, vec![PathBuf::from(".")]);
    }

    #[test]
    fn explicit_paths_and_exclusions() {
        let dir = tree(&[
            "lib/pkg/__init__.py",
            "lib/pkg/a.py",
            "lib/pkg/gen/__init__.py",
            "lib/pkg/gen/out.py",
            "lib/pkg/b_pb2.py",
            "lib/pkg/tests/test_a.py",
            "scripts/tool.py",
            "scripts/my-tool.py",
            "other/__init__.py",
        ]);
        let config = Config {
            paths_to_mutate: Some(vec![
                PathBuf::from("lib"),
                PathBuf::from("scripts/my-tool.py"),
                PathBuf::from("lib/pkg/a.py"),
            ]),
            do_not_mutate: vec!["*_pb2.py".into(), "lib/pkg/gen".into()],
            ..Config::default()
        };
        let project = discover(dir.path(), &config).unwrap();
        assert_eq!(
            found(&dir, &config),
            pairs(&[
                ("lib/pkg/__init__.py", "pkg"),
                ("lib/pkg/a.py", "pkg.a"),
                ("scripts/my-tool.py", "scripts.my-tool"),
            ])
        );
        assert_eq!(
            project.import_roots,
            vec![PathBuf::from("."), PathBuf::from("lib")]
        );
    }

    #[test]
    fn namespace_package_portions_count_from_the_project_root() {
        let dir = tree(&[
            "nspkg/a/ops.py",
            "nspkg/b/ops.py",
            "nspkg/b/sub/__init__.py",
            "nspkg/b/sub/deep.py",
            "nspkg/top.py",
        ]);
        let config = Config {
            paths_to_mutate: Some(vec![PathBuf::from("nspkg")]),
            ..Config::default()
        };
        let project = discover(dir.path(), &config).unwrap();
        assert_eq!(
            found(&dir, &config),
            pairs(&[
                ("nspkg/a/ops.py", "nspkg.a.ops"),
                ("nspkg/b/ops.py", "nspkg.b.ops"),
                ("nspkg/b/sub/__init__.py", "nspkg.b.sub"),
                ("nspkg/b/sub/deep.py", "nspkg.b.sub.deep"),
                ("nspkg/top.py", "nspkg.top"),
            ])
        );
        assert_eq!(project.import_roots, vec![PathBuf::from(".")]);
    }

    #[test]
    fn two_files_with_one_module_name_are_refused() {
        let dir = tree(&[
            "one/pkg/__init__.py",
            "one/pkg/m.py",
            "two/pkg/__init__.py",
            "two/pkg/m.py",
        ]);
        let config = Config {
            paths_to_mutate: Some(vec![PathBuf::from("one"), PathBuf::from("two")]),
            ..Config::default()
        };
        let err = discover(dir.path(), &config).unwrap_err();
        assert_eq!(err.exit_code(), crate::domain::exit_code::ExitCode::Usage);
        let text = err.to_string();
        assert!(
            text.starts_with(
                "2 module names belong to more than one file to mutate, so their mutant ids \
                 would collide:\n  `pkg`: one/pkg/__init__.py and two/pkg/__init__.py\n  \
                 `pkg.m`: one/pkg/m.py and two/pkg/m.py\n"
            ),
            "{text}"
        );
    }

    #[test]
    fn only_mutate_keeps_matching_files_as_mutmut_does() {
        let dir = tree(&[
            "src/app/__init__.py",
            "src/app/api/__init__.py",
            "src/app/api/routes.py",
            "src/app/api/deep/inner.py",
            "src/app/core.py",
            "src/app/cli.py",
        ]);
        // `*` crosses `/` (fnmatch); do_not_mutate still removes from what only_mutate keeps.
        let config = Config {
            only_mutate: vec!["src/app/api/*".into(), "*core.py".into()],
            do_not_mutate: vec!["*/deep/*".into()],
            ..Config::default()
        };
        assert_eq!(
            found(&dir, &config),
            pairs(&[
                ("src/app/api/__init__.py", "app.api"),
                ("src/app/api/routes.py", "app.api.routes"),
                ("src/app/core.py", "app.core"),
            ])
        );
        let config = Config {
            only_mutate: vec!["nothing/*".into()],
            ..Config::default()
        };
        let err = discover(dir.path(), &config).unwrap_err().to_string();
        assert!(
            err.contains("(after keeping files matching only_mutate)"),
            "{err}"
        );
    }

    #[test]
    fn configured_tests_dir_is_never_mutated() {
        let dir = tree(&["app.py", "checks/__init__.py", "checks/helpers.py"]);
        let config = Config {
            paths_to_mutate: Some(vec![PathBuf::from(".")]),
            tests_dir: vec![PathBuf::from("checks")],
            ..Config::default()
        };
        assert_eq!(found(&dir, &config), pairs(&[("app.py", "app")]));
    }

    #[test]
    fn nothing_found() {
        let dir = tree(&["README.md", "tests/test_x.py"]);
        let err = discover(dir.path(), &Config::default())
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            format!(
                "no Python files to mutate found in {}: searched src/ (packages and modules) and \
                 the project root (directories with __init__.py, top-level *.py modules); set \
                 `paths_to_mutate` under [tool.mutrun] in pyproject.toml",
                dir.path().display()
            )
        );
    }

    #[test]
    fn explicit_path_errors() {
        let dir = tree(&["pkg/__init__.py", "notes.txt", "pkg/gen.py"]);
        let err = |paths: &[&str], globs: &[&str]| {
            let config = Config {
                paths_to_mutate: Some(paths.iter().map(PathBuf::from).collect()),
                do_not_mutate: globs.iter().map(|g| g.to_string()).collect(),
                ..Config::default()
            };
            discover(dir.path(), &config).unwrap_err().to_string()
        };
        assert_eq!(
            err(&["pkgg"], &[]),
            format!(
                "paths_to_mutate: `pkgg` does not exist in {}",
                dir.path().display()
            )
        );
        assert_eq!(
            err(&["notes.txt"], &[]),
            "paths_to_mutate: `notes.txt` is not a Python file (.py) or a directory"
        );
        assert_eq!(
            err(&["pkg"], &["pkg/*"]),
            "no Python files to mutate in paths_to_mutate = [pkg] (no config file \
             (pyproject.toml [tool.mutrun])) (after removing files matching do_not_mutate)"
        );
    }
}
