//! coverage.py's exclusion regexes for the project (`exclude_lines`, `exclude_also`), read from
//! the config file coverage.py itself would use, so lines it excludes can be left unmutated.
//!
//! coverage.py tries, in order, `.coveragerc` and `.coveragerc.toml` (its own files: used when
//! they exist, `[report]` or `[coverage:report]`), then `setup.cfg` and `tox.ini`
//! (`[coverage:report]`) and `pyproject.toml` (`[tool.coverage.report]`), each used only when it
//! sets some coverage option; the first file used is the only one read. `exclude_lines` replaces
//! coverage.py's default patterns, `exclude_also` adds to them. (`COVERAGE_RCFILE` and `$VAR`
//! substitution in values are not read.)

use std::path::Path;

use configparser::ini::{Ini, IniDefault};

use crate::domain::error::{Error, Result};
use crate::generate::pragma::CoverageExclusions;

/// coverage.py's default `exclude_lines` (7.x): `# pragma: no cover`, `...` stub bodies and
/// `if TYPE_CHECKING:` blocks.
pub const DEFAULT_EXCLUDE: [&str; 3] = [
    r"#\s*(pragma|PRAGMA)[:\s]?\s*(no|NO)\s*(cover|COVER)",
    r"^\s*(((async )?def .*?)?[\])]+(\s*->.*?)?:\s*)?\.\.\.\s*(#|$)",
    r"^\s*if (typing\.)?TYPE_CHECKING:",
];

/// The two options, as one config file gives them.
#[derive(Debug, Default)]
struct Options {
    /// `file [section]`, for messages.
    origin: String,
    exclude_lines: Option<Vec<String>>,
    exclude_also: Vec<String>,
}

/// The project's coverage exclusions, compiled. An unreadable config file, a value of the wrong
/// type or a regex mutrun cannot read is an error naming the file and the pattern.
pub fn exclusions(root: &Path) -> Result<CoverageExclusions> {
    let options = find_options(root)?;
    let origin = match &options {
        Some(o) if o.exclude_lines.is_some() || !o.exclude_also.is_empty() => o.origin.clone(),
        _ => "coverage.py's default exclusions".to_string(),
    };
    let options = options.unwrap_or_default();
    let mut patterns: Vec<String> = options
        .exclude_lines
        .unwrap_or_else(|| DEFAULT_EXCLUDE.iter().map(|p| p.to_string()).collect());
    patterns.extend(options.exclude_also);
    CoverageExclusions::new(&origin, patterns).map_err(Error::usage)
}

fn find_options(root: &Path) -> Result<Option<Options>> {
    for (file, our_file) in [
        (".coveragerc", true),
        (".coveragerc.toml", true),
        ("setup.cfg", false),
        ("tox.ini", false),
        ("pyproject.toml", false),
    ] {
        let path = root.join(file);
        let Ok(bytes) = std::fs::read(&path) else {
            continue;
        };
        let text = String::from_utf8_lossy(&bytes);
        let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
        let found = if file.ends_with(".toml") {
            toml_options(file, text, our_file)
        } else {
            ini_options(file, text, our_file)
        }
        .map_err(|e| Error::usage(format!("cannot read {file} as coverage.py does: {e}")))?;
        if let Some(options) = found {
            return Ok(Some(options));
        }
    }
    Ok(None)
}

/// Regexes one to a line, blank lines dropped (coverage.py's `getregexlist`).
fn regex_lines(value: &str) -> Vec<String> {
    value
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(String::from)
        .collect()
}

/// `Ok(None)` when this file is not the one coverage.py uses.
fn ini_options(file: &str, text: &str, our_file: bool) -> Result<Option<Options>, String> {
    let mut defaults = IniDefault::default();
    defaults.case_sensitive = true;
    defaults.multiline = true;
    defaults.enable_inline_comments = false;
    let sections = Ini::new_from_defaults(defaults).read(text.to_string())?;
    let sets_coverage_option = sections.iter().any(|(name, values)| {
        (name.starts_with("coverage:") || (our_file && !name.is_empty())) && !values.is_empty()
    });
    if !our_file && !sets_coverage_option {
        return Ok(None);
    }
    let prefixes: &[&str] = if our_file {
        &["coverage:", ""]
    } else {
        &["coverage:"]
    };
    let Some(section) = prefixes
        .iter()
        .map(|p| format!("{p}report"))
        .find(|s| sections.contains_key(s))
    else {
        return Ok(Some(Options {
            origin: file.to_string(),
            ..Options::default()
        }));
    };
    let values = &sections[&section];
    let get = |key: &str| {
        values
            .iter()
            .find(|(k, _)| k.to_lowercase() == key)
            .map(|(_, v)| regex_lines(v.as_deref().unwrap_or_default()))
    };
    Ok(Some(Options {
        origin: format!("{file} [{section}]"),
        exclude_lines: get("exclude_lines"),
        exclude_also: get("exclude_also").unwrap_or_default(),
    }))
}

/// `Ok(None)` when this file is not the one coverage.py uses.
fn toml_options(file: &str, text: &str, our_file: bool) -> Result<Option<Options>, String> {
    let doc: toml::Table = toml::from_str(text).map_err(|e| e.to_string())?;
    let coverage = doc
        .get("tool")
        .and_then(|t| t.get("coverage"))
        .and_then(toml::Value::as_table);
    let sets_coverage_option = coverage.is_some_and(|t| !t.is_empty());
    if !our_file && !sets_coverage_option {
        return Ok(None);
    }
    let (section, report) = match coverage.and_then(|t| t.get("report")) {
        Some(report) => ("tool.coverage.report", Some(report)),
        None if our_file => ("report", doc.get("report")),
        None => ("tool.coverage.report", None),
    };
    let Some(report) = report.and_then(toml::Value::as_table) else {
        return Ok(Some(Options {
            origin: file.to_string(),
            ..Options::default()
        }));
    };
    let origin = format!("{file} [{section}]");
    let list = |key: &str| -> Result<Option<Vec<String>>, String> {
        let Some(value) = report.get(key) else {
            return Ok(None);
        };
        let wrong = || format!("[{section}] {key} must be a list of strings (regexes)");
        let items = value.as_array().ok_or_else(wrong)?;
        let strings = items
            .iter()
            .map(|v| {
                v.as_str()
                    .map(str::trim)
                    .map(String::from)
                    .ok_or_else(wrong)
            })
            .collect::<Result<Vec<String>, String>>()?;
        Ok(Some(
            strings.into_iter().filter(|s| !s.is_empty()).collect(),
        ))
    };
    Ok(Some(Options {
        exclude_lines: list("exclude_lines")?,
        exclude_also: list("exclude_also")?.unwrap_or_default(),
        origin,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, file: &str, text: &str) {
        std::fs::write(dir.join(file), text).expect("write");
    }

    fn patterns(dir: &Path) -> (String, Vec<String>) {
        let e = exclusions(dir).expect("exclusions");
        (e.origin.clone(), e.patterns.clone())
    }

    #[test]
    fn defaults_without_any_coverage_config() {
        let dir = tempfile::tempdir().expect("temp dir");
        write(
            dir.path(),
            "pyproject.toml",
            "[tool.mutmut]\nsource_paths = ['x']\n",
        );
        let (origin, found) = patterns(dir.path());
        assert_eq!(origin, "coverage.py's default exclusions");
        assert_eq!(found, DEFAULT_EXCLUDE.map(String::from).to_vec());
    }

    #[test]
    fn pyproject_exclude_also_adds_to_the_defaults_and_exclude_lines_replaces_them() {
        let dir = tempfile::tempdir().expect("temp dir");
        write(
            dir.path(),
            "pyproject.toml",
            "[tool.coverage.report]\nexclude_also = ['raise NotImplementedError', '@(abc\\.)?abstractmethod']\n",
        );
        let (origin, found) = patterns(dir.path());
        assert_eq!(origin, "pyproject.toml [tool.coverage.report]");
        assert_eq!(found.len(), DEFAULT_EXCLUDE.len() + 2);
        assert_eq!(found[3], "raise NotImplementedError");
        write(
            dir.path(),
            "pyproject.toml",
            "[tool.coverage.report]\nexclude_lines = ['if TYPE_CHECKING:', '^\\s*\\.\\.\\.$']\n",
        );
        assert_eq!(
            patterns(dir.path()).1,
            vec![
                "if TYPE_CHECKING:".to_string(),
                "^\\s*\\.\\.\\.$".to_string()
            ]
        );
    }

    #[test]
    fn coverage_rc_wins_over_setup_cfg_and_pyproject() {
        let dir = tempfile::tempdir().expect("temp dir");
        write(
            dir.path(),
            "pyproject.toml",
            "[tool.coverage.report]\nexclude_lines = ['from pyproject']\n",
        );
        write(
            dir.path(),
            "setup.cfg",
            "[coverage:report]\nexclude_lines =\n    from setup.cfg\n    # a comment\n    second\n",
        );
        assert_eq!(
            patterns(dir.path()),
            (
                "setup.cfg [coverage:report]".to_string(),
                vec!["from setup.cfg".to_string(), "second".to_string()]
            )
        );
        // .coveragerc is coverage.py's own file: used as soon as it exists, even empty.
        write(dir.path(), ".coveragerc", "");
        assert_eq!(
            patterns(dir.path()).1,
            DEFAULT_EXCLUDE.map(String::from).to_vec()
        );
        write(
            dir.path(),
            ".coveragerc",
            "[report]\nexclude_also =\n    def __repr__\n",
        );
        let (origin, found) = patterns(dir.path());
        assert_eq!(origin, ".coveragerc [report]");
        assert_eq!(found.last().map(String::as_str), Some("def __repr__"));
    }

    #[test]
    fn setup_cfg_without_coverage_sections_is_passed_over() {
        let dir = tempfile::tempdir().expect("temp dir");
        write(dir.path(), "setup.cfg", "[mutmut]\npaths_to_mutate = x\n");
        write(
            dir.path(),
            "tox.ini",
            "[tox]\nenvlist = py\n[coverage:report]\nexclude_also = if DEBUG:\n",
        );
        let (origin, found) = patterns(dir.path());
        assert_eq!(origin, "tox.ini [coverage:report]");
        assert_eq!(found.last().map(String::as_str), Some("if DEBUG:"));
    }

    #[test]
    fn an_unreadable_regex_names_the_file_and_the_pattern() {
        let dir = tempfile::tempdir().expect("temp dir");
        write(
            dir.path(),
            "pyproject.toml",
            "[tool.coverage.report]\nexclude_also = ['if (x']\n",
        );
        let e = exclusions(dir.path()).expect_err("invalid regex");
        assert!(
            e.message()
                .contains("pyproject.toml [tool.coverage.report]")
                && e.message().contains("\"if (x\""),
            "{}",
            e.message()
        );
        write(
            dir.path(),
            "pyproject.toml",
            "[tool.coverage.report]\nexclude_also = 'not a list'\n",
        );
        let e = exclusions(dir.path()).expect_err("not a list");
        assert!(e.message().contains("must be a list"), "{}", e.message());
    }
}
