//! Values given on the command line: each one set replaces the config file's, after the same
//! check the file's value gets (`value.rs`).

use std::path::{Path, PathBuf};

use super::keys;
use super::value::{self, Given, Origin, Raw};
use super::Draft;
use crate::domain::error::{Error, Result};

/// Values from the command line; each one set replaces the config file's.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CliOverrides {
    pub paths_to_mutate: Option<Vec<PathBuf>>,
    pub tests_dir: Option<Vec<PathBuf>>,
    pub workers: Option<usize>,
    pub python: Option<PathBuf>,
    pub timeout_multiplier: Option<f64>,
    pub timeout_constant: Option<f64>,
    pub memory_limit_mb: Option<u64>,
    pub pytest_add_cli_args: Option<Vec<String>>,
    /// `mutrun run -- CMD ARGS…` (empty: not given).
    pub test_command: Option<Vec<String>>,
    /// `--operators` (replaces `operators`) and `--disable-operators` (replaces
    /// `disable_operators`).
    pub operators: Option<Vec<String>>,
    pub disable_operators: Option<Vec<String>>,
    /// `--covered-lines-only` (sets `mutate_only_covered_lines`).
    pub mutate_only_covered_lines: Option<bool>,
}

impl CliOverrides {
    /// The values set, each with the key it replaces, in the order they are checked.
    fn given(&self) -> Vec<(&'static str, Given)> {
        let paths = |p: &Option<Vec<PathBuf>>| p.clone().map(Given::Paths);
        let words = |w: &Option<Vec<String>>| w.clone().map(Given::Words);
        [
            ("paths_to_mutate", paths(&self.paths_to_mutate)),
            ("tests_dir", paths(&self.tests_dir)),
            (
                "test_command",
                (self.test_command.clone())
                    .filter(|argv| !argv.is_empty())
                    .map(Given::Words),
            ),
            ("workers", self.workers.map(|n| Given::Count(n as u64))),
            ("python", self.python.clone().map(Given::Path)),
            (
                "timeout_multiplier",
                self.timeout_multiplier.map(Given::Number),
            ),
            ("timeout_constant", self.timeout_constant.map(Given::Number)),
            ("memory_limit_mb", self.memory_limit_mb.map(Given::Count)),
            ("pytest_add_cli_args", words(&self.pytest_add_cli_args)),
            (
                "mutate_only_covered_lines",
                self.mutate_only_covered_lines.map(Given::Bool),
            ),
            ("operators", words(&self.operators)),
            ("disable_operators", words(&self.disable_operators)),
        ]
        .into_iter()
        .filter_map(|(key, given)| Some((key, given?)))
        .collect()
    }
}

/// Checks each value set in `cli` as its key's value is checked in a file, and sets it.
pub(super) fn apply(root: &Path, cli: &CliOverrides, draft: &mut Draft) -> Result<()> {
    for (key, given) in cli.given() {
        let spec = keys::spec(key).ok_or_else(|| {
            Error::other(format!(
                "internal error: flag for unknown config key `{key}`"
            ))
        })?;
        let given = match given {
            Given::Paths(paths) => Given::Paths(relative_to(root, &spec.flag_name(), &paths)?),
            other => other,
        };
        value::apply(spec, &Origin::CommandLine, &Raw::Given(given), draft)?;
        draft.config.from_flags.push(spec.name);
    }
    Ok(())
}

/// Paths on the command line may be absolute when inside the project: made relative to `root`
/// here (a file's must be relative from the start); the key's own check follows.
fn relative_to(root: &Path, flag: &str, paths: &[PathBuf]) -> Result<Vec<PathBuf>> {
    paths
        .iter()
        .map(|path| {
            if !path.is_absolute() {
                return Ok(path.clone());
            }
            let canonical_root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
            let canonical = path.canonicalize().unwrap_or_else(|_| path.clone());
            canonical
                .strip_prefix(&canonical_root)
                .or_else(|_| path.strip_prefix(root))
                .map(Path::to_path_buf)
                .map_err(|_| {
                    Error::usage(format!(
                        "{flag}: `{}` is outside the project root {}; mutrun reads, mutates \
                         and writes only inside it",
                        path.display(),
                        root.display()
                    ))
                })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_override_names_a_key_of_its_kind() {
        let all = CliOverrides {
            paths_to_mutate: Some(vec![PathBuf::from("src")]),
            tests_dir: Some(vec![PathBuf::from("tests")]),
            workers: Some(2),
            python: Some(PathBuf::from("python3")),
            timeout_multiplier: Some(1.5),
            timeout_constant: Some(0.5),
            memory_limit_mb: Some(64),
            pytest_add_cli_args: Some(vec!["-x".into()]),
            test_command: Some(vec!["python".into(), "-m".into(), "unittest".into()]),
            operators: Some(vec!["default".into()]),
            disable_operators: Some(vec!["string".into()]),
            mutate_only_covered_lines: Some(true),
        };
        let given = all.given();
        assert_eq!(given.len(), 12);
        let mut draft = Draft::default();
        for (key, given) in given {
            let spec = keys::spec(key).expect("a key");
            value::apply(spec, &Origin::CommandLine, &Raw::Given(given), &mut draft)
                .unwrap_or_else(|e| panic!("{key}: {e}"));
        }
        assert_eq!(draft.config.memory_limit_mb, Some(64));
        assert_eq!(draft.disable_operators, ["string"]);
    }

    #[test]
    fn an_empty_test_command_is_not_given() {
        let cli = CliOverrides {
            test_command: Some(Vec::new()),
            ..CliOverrides::default()
        };
        assert!(cli.given().is_empty());
    }
}
