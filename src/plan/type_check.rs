//! `type_check_command`: runs the project's type checker (mypy, pyright) once over `mutants/`,
//! where every mutant is a variant function of its own (`_mutrun_f{i}_{n}`), and maps each error
//! reported inside a variant to that mutant: `caught by type check`, not run.
//!
//! Variants keep their annotations while a type checker is configured (`GenerateSettings::
//! annotate_variants`), so the checker checks their bodies as it checks the original's. An error
//! whose message also appears outside every variant of the same file (the project's own type
//! errors, repeated in each copy of a body) is not the mutant's.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use ruff_python_ast::statement_visitor::{walk_stmt, StatementVisitor};
use ruff_python_ast::Stmt;
use ruff_text_size::Ranged;

use crate::domain::error::{Error, Result};
use crate::domain::lines::LineIndex;
use crate::domain::mutant::{FunctionKey, MutantId};
use crate::record::meta::FileMeta;

/// One error the type checker reported: file (relative to `mutants/`, `/`-separated), line, text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckError {
    pub file: String,
    pub line: usize,
    pub message: String,
}

/// Runs `command` in `mutants_dir` (the interpreter's `bin` first on `PATH`, mypy's cache under
/// `.mutrun/`), logs its output to `.mutrun/logs/type_check.log`, and returns the errors in it.
pub fn run(
    command: &[String],
    mutants_dir: &Path,
    python: Option<&Path>,
) -> Result<Vec<CheckError>> {
    let Some((program, args)) = command.split_first() else {
        return Ok(Vec::new());
    };
    let mut path: Vec<PathBuf> = python
        .and_then(Path::parent)
        .map(Path::to_path_buf)
        .into_iter()
        .collect();
    path.extend(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    ));
    let search = std::env::join_paths(path).unwrap_or_default();
    let resolved = which_in(program, &search).unwrap_or_else(|| PathBuf::from(program));
    let state = mutants_dir.join(".mutrun");
    let output = Command::new(&resolved)
        .args(args)
        .current_dir(mutants_dir)
        .env("PATH", &search)
        .env("MYPY_CACHE_DIR", state.join("mypy_cache"))
        .stdin(Stdio::null())
        .output()
        .map_err(|e| {
            Error::usage(format!(
                "cannot run type_check_command `{}`: {e}. Install the type checker in the project's \
                 environment (e.g. `pip install mypy`) or fix `type_check_command` under [tool.mutrun]",
                command.join(" ")
            ))
        })?;
    let mut text = String::from_utf8_lossy(&output.stdout).into_owned();
    text.push_str(&String::from_utf8_lossy(&output.stderr));
    let log = state.join("logs").join("type_check.log");
    if let Some(dir) = log.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    let _ = std::fs::write(&log, &text);
    let root = mutants_dir
        .canonicalize()
        .unwrap_or_else(|_| mutants_dir.to_path_buf());
    Ok(text
        .lines()
        .filter_map(|line| parse_error(line, &root))
        .collect())
}

fn which_in(program: &str, search: &std::ffi::OsStr) -> Option<PathBuf> {
    if program.contains('/') {
        return None;
    }
    std::env::split_paths(search)
        .map(|dir| dir.join(program))
        .find(|candidate| candidate.is_file())
}

/// `path:line[:col]: error: message` (mypy) or `path:line:col - error: message` (pyright), with
/// the path relative to `root` when it is under it.
pub fn parse_error(line: &str, root: &Path) -> Option<CheckError> {
    let line = line.trim_start();
    let at = line.find(".py:").map(|i| i + 3)?;
    let (path, rest) = line.split_at(at);
    let tail = rest.get(1..)?;
    let digits = tail.chars().take_while(|c| c.is_ascii_digit()).count();
    let number: usize = tail[..digits].parse().ok()?;
    let after = tail[digits..].trim_start_matches(|c: char| c.is_ascii_digit() || c == ':');
    let after = after.trim_start_matches([' ', '-']).trim_start();
    let message = after.strip_prefix("error:")?.trim().to_string();
    let path = Path::new(path);
    let relative = if path.is_absolute() {
        let canonical = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
        canonical.strip_prefix(root).ok()?.to_path_buf()
    } else {
        path.to_path_buf()
    };
    Some(CheckError {
        file: crate::generate::slash_path(&relative),
        line: number,
        message,
    })
}

/// The variant functions of a trampolined file: (first line, last line, mutant id).
pub fn variants(rendered: &str) -> Vec<(usize, usize, MutantId)> {
    let Ok(parsed) = ruff_python_parser::parse_module(rendered) else {
        return Vec::new();
    };
    // `_mutrun_f3 = _mutrun_rt.variants('pkg.mod.A.foo', …`: which function table 3 is.
    let mut keys: HashMap<usize, String> = HashMap::new();
    for line in rendered.lines() {
        let line = line.trim_start();
        let Some(rest) = line.strip_prefix("_mutrun_f") else {
            continue;
        };
        let Some((index, tail)) = rest.split_once(" = _mutrun_rt.variants('") else {
            continue;
        };
        if let (Ok(index), Some((key, _))) = (index.parse(), tail.split_once('\'')) {
            keys.insert(index, key.to_string());
        }
    }
    let mut finder = VariantFinder { found: Vec::new() };
    finder.visit_body(parsed.suite());
    let lines = LineIndex::new(rendered);
    finder
        .found
        .into_iter()
        .filter_map(|(name, start, end)| {
            let (index, n) = name.strip_prefix("_mutrun_f")?.split_once('_')?;
            let key = keys.get(&index.parse().ok()?)?;
            let n: usize = n.parse().ok()?;
            let first = lines.position(rendered, start).0;
            let last = lines.position(rendered, end.saturating_sub(1).max(start)).0;
            Some((first, last, FunctionKey(key.clone()).mutant_id(n)))
        })
        .collect()
}

struct VariantFinder {
    found: Vec<(String, usize, usize)>,
}

impl<'a> StatementVisitor<'a> for VariantFinder {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        match stmt {
            Stmt::FunctionDef(def) => {
                if def.name.id.starts_with("_mutrun_f") {
                    self.found.push((
                        def.name.id.to_string(),
                        usize::from(def.start()),
                        usize::from(def.end()),
                    ));
                }
            }
            other => walk_stmt(self, other),
        }
    }
}

/// The mutants of `files` the `errors` catch, each with the first error's `file:line: message`.
pub fn caught(
    mutants_dir: &Path,
    files: &[&FileMeta],
    errors: &[CheckError],
) -> HashMap<MutantId, String> {
    let mut out = HashMap::new();
    for file in files {
        let here: Vec<&CheckError> = errors.iter().filter(|e| e.file == file.source).collect();
        if here.is_empty() {
            continue;
        }
        let Ok(rendered) = std::fs::read_to_string(mutants_dir.join(&file.source)) else {
            continue;
        };
        let variants = variants(&rendered);
        let inside = |e: &CheckError| {
            variants
                .iter()
                .find(|(first, last, _)| (*first..=*last).contains(&e.line))
                .map(|(_, _, id)| id.clone())
        };
        let outside: HashSet<&str> = here
            .iter()
            .filter(|e| inside(e).is_none())
            .map(|e| e.message.as_str())
            .collect();
        for error in &here {
            let Some(id) = inside(error) else {
                continue;
            };
            if outside.contains(error.message.as_str()) {
                continue;
            }
            out.entry(id).or_insert_with(|| {
                format!(
                    "type checker: {}:{}: {}",
                    error.file, error.line, error.message
                )
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mypy_and_pyright_lines_parse() {
        let root = Path::new("/nonexistent-root");
        assert_eq!(
            parse_error(
                "pkg/mod.py:12: error: Incompatible return value type (got \"None\", expected \"int\")  [return-value]",
                root
            ),
            Some(CheckError {
                file: "pkg/mod.py".into(),
                line: 12,
                message: "Incompatible return value type (got \"None\", expected \"int\")  [return-value]".into(),
            })
        );
        let pyright = parse_error(
            "  pkg/mod.py:7:12 - error: Operator \"-\" not supported",
            root,
        )
        .expect("pyright line");
        assert_eq!((pyright.line, pyright.file.as_str()), (7, "pkg/mod.py"));
        assert_eq!(parse_error("pkg/mod.py:3: note: See docs", root), None);
        assert_eq!(parse_error("Found 2 errors in 1 file", root), None);
    }

    #[test]
    fn variants_are_found_with_their_ids_and_lines() {
        let rendered = "import mutrun_runtime as _mutrun_rt\n\
            def _mutrun_f0_1(x: int) -> int:\n    return None\n\
            def _mutrun_f0_2(x: int) -> int:\n    y = 1\n    return y\n\
            _mutrun_f0 = _mutrun_rt.variants('m.f', 'f', 'f', (None, _mutrun_f0_1, _mutrun_f0_2,))\n\
            del _mutrun_f0_1, _mutrun_f0_2\n\
            def f(x: int) -> int:\n    return x\n";
        let found = variants(rendered);
        assert_eq!(
            found,
            vec![
                (2, 3, MutantId("m.f:1".into())),
                (4, 6, MutantId("m.f:2".into())),
            ]
        );
    }
}
