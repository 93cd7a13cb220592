//! Reads one value into its typed form and checks it, the same way whether it came from a file or
//! a flag: the one place each kind of value is validated and each error about it is worded.

use std::path::{Component, Path, PathBuf};

use super::keys::{self, KeySpec};
use super::{ConfigSource, Draft};
use crate::domain::error::{Error, Result};
use crate::domain::operators::OperatorSet;

/// Splits the string form of a list (a setup.cfg value, or a TOML string where a list may be).
pub type Split = fn(&str) -> Result<Vec<String>, String>;

/// What a key's value may be, and the field it sets (through `set`).
pub enum Kind {
    /// Paths inside the project, normalized; a string is split by `split`.
    Paths {
        split: Split,
        set: fn(&mut Draft, Vec<PathBuf>),
    },
    /// Glob patterns, each one valid.
    Globs {
        split: Split,
        set: fn(&mut Draft, Vec<String>),
    },
    /// Command-line arguments; a string is split into shell words.
    Args { set: fn(&mut Draft, Vec<String>) },
    /// Regular expressions (Python's `re` syntax, as far as `fancy_regex` reads it), each one
    /// valid; a string is split into lines (a comma may be part of a pattern).
    Regexes { set: fn(&mut Draft, Vec<String>) },
    /// One path inside the project, normalized.
    Path { set: fn(&mut Draft, PathBuf) },
    /// A stack depth: -1 (no limit) or an integer, 1 or more.
    Depth { set: fn(&mut Draft, Option<u64>) },
    /// A command: arguments, at least one; `empty(subject, shown)` words the error otherwise.
    Command {
        empty: fn(&str, &str) -> String,
        set: fn(&mut Draft, Vec<String>),
    },
    /// Operator or group names, each one known.
    Operators { set: fn(&mut Draft, Vec<String>) },
    /// An integer, 1 or more.
    Count {
        what: &'static str,
        set: fn(&mut Draft, u64),
    },
    /// A finite number that `ok` accepts.
    Number {
        what: &'static str,
        ok: fn(f64) -> bool,
        set: fn(&mut Draft, f64),
    },
    /// An interpreter path or name, not empty.
    Interpreter { set: fn(&mut Draft, PathBuf) },
    /// true or false (setup.cfg: also yes/no, on/off, 1/0).
    Bool { set: fn(&mut Draft, bool) },
    /// One of a few words; `set` gets the chosen one's index in `names`.
    Choice {
        names: &'static [&'static str],
        set: fn(&mut Draft, usize),
    },
}

/// A value as given: from one of the two file formats, or from a flag.
#[derive(Debug, Clone)]
pub enum Raw {
    Toml(toml::Value),
    Ini(String),
    Given(Given),
}

/// A value given on the command line, already typed by clap.
#[derive(Debug, Clone)]
pub enum Given {
    /// Relative to the project root (`overrides.rs` has made absolute ones relative).
    Paths(Vec<PathBuf>),
    Words(Vec<String>),
    Count(u64),
    Number(f64),
    Path(PathBuf),
    Bool(bool),
}

impl Raw {
    /// The value as the user wrote it, for "got ..." in messages.
    fn shown(&self) -> String {
        match self {
            Raw::Toml(value) => value.to_string(),
            Raw::Ini(text) => format!("{text:?}"),
            Raw::Given(Given::Count(n)) => n.to_string(),
            Raw::Given(Given::Number(x)) => x.to_string(),
            Raw::Given(Given::Path(path)) => format!("{:?}", path.display().to_string()),
            Raw::Given(Given::Bool(b)) => b.to_string(),
            Raw::Given(Given::Words(words)) => format!("{words:?}"),
            Raw::Given(Given::Paths(paths)) => format!("{paths:?}"),
        }
    }
}

/// Where a value came from, for messages.
pub enum Origin<'a> {
    File(&'a ConfigSource),
    CommandLine,
}

impl Origin<'_> {
    /// What an error is about: "pyproject.toml: [tool.mutrun] key `workers`", or "--jobs".
    pub fn subject(&self, key: &str) -> String {
        match self {
            Origin::File(source) => {
                format!("{}: {} key `{key}`", source.file.display(), source.section)
            }
            Origin::CommandLine => keys::spec(key)
                .map(KeySpec::flag_name)
                .unwrap_or_else(|| key.to_string()),
        }
    }
}

const PATHS: &str = "a list of paths relative to the project root";
const GLOBS: &str = "a list of glob patterns";
const ARGS: &str = "a list of command-line arguments (strings)";
const NAMES: &str = "a list of operator names";
const REGEXES: &str = "a list of regular expressions";
const PATH: &str = "a path relative to the project root (a string)";
const DEPTH: &str = "-1 (no limit) or a positive integer";
const INTERPRETER: &str = "an interpreter path or name (a non-empty string)";

/// Reads `raw` as `spec`'s kind of value, checks it, and sets it in `draft`.
pub fn apply(spec: &KeySpec, origin: &Origin, raw: &Raw, draft: &mut Draft) -> Result<()> {
    let subject = origin.subject(spec.name);
    let must_be =
        |what: &str| Error::usage(format!("{subject} must be {what}, got {}", raw.shown()));
    let problem = |problem: String| Error::usage(format!("{subject}: {problem}"));
    let list = |what: &str, split: Split| -> Result<Vec<String>> {
        let text = match raw {
            Raw::Toml(toml::Value::Array(items)) => {
                return items
                    .iter()
                    .map(|item| match item {
                        toml::Value::String(s) => Ok(s.clone()),
                        _ => Err(must_be(what)),
                    })
                    .collect();
            }
            Raw::Toml(toml::Value::String(s)) | Raw::Ini(s) => s,
            Raw::Given(Given::Words(words)) => return Ok(words.clone()),
            Raw::Given(Given::Paths(paths)) => {
                return Ok(paths
                    .iter()
                    .map(|p| p.to_string_lossy().into_owned())
                    .collect())
            }
            _ => return Err(must_be(what)),
        };
        split(text).map_err(problem)
    };
    match spec.kind {
        Kind::Paths { split, set } => {
            let paths = list(PATHS, split)?
                .iter()
                .map(|item| safe_relative(item).map_err(problem))
                .collect::<Result<_>>()?;
            set(draft, paths);
        }
        Kind::Globs { split, set } => {
            let globs = list(GLOBS, split)?;
            for glob in &globs {
                globset::Glob::new(glob)
                    .map_err(|e| problem(format!("`{glob}` is not a valid glob: {}", e.kind())))?;
            }
            set(draft, globs);
        }
        Kind::Args { set } => set(draft, list(ARGS, split_args)?),
        Kind::Regexes { set } => {
            let patterns = list(REGEXES, split_lines)?;
            for pattern in &patterns {
                fancy_regex::Regex::new(pattern).map_err(|e| {
                    problem(format!(
                        "`{pattern}` is not a valid regular expression: {e}"
                    ))
                })?;
            }
            set(draft, patterns);
        }
        Kind::Path { set } => match raw {
            Raw::Toml(toml::Value::String(s)) | Raw::Ini(s) if !s.trim().is_empty() => {
                set(draft, safe_relative(s.trim()).map_err(problem)?)
            }
            Raw::Given(Given::Path(path)) => set(
                draft,
                safe_relative(&path.to_string_lossy()).map_err(problem)?,
            ),
            _ => return Err(must_be(PATH)),
        },
        Kind::Depth { set } => {
            let parsed = match raw {
                Raw::Toml(toml::Value::Integer(n)) => Some(*n),
                Raw::Ini(s) => s.trim().parse::<i64>().ok(),
                Raw::Given(Given::Count(n)) => i64::try_from(*n).ok(),
                _ => None,
            };
            match parsed {
                Some(-1) => set(draft, None),
                Some(n) if n >= 1 => set(draft, Some(n.unsigned_abs())),
                _ => return Err(must_be(DEPTH)),
            }
        }
        Kind::Command { empty, set } => {
            let argv = list(ARGS, split_args)?;
            if argv.is_empty() {
                return Err(Error::usage(empty(&subject, &raw.shown())));
            }
            set(draft, argv);
        }
        Kind::Operators { set } => {
            let names = list(NAMES, split_names)?;
            OperatorSet::select(Some(&names), &[]).map_err(|e| problem(e.to_string()))?;
            set(draft, names);
        }
        Kind::Count { what, set } => {
            let parsed = match raw {
                Raw::Toml(toml::Value::Integer(n)) => u64::try_from(*n).ok(),
                Raw::Ini(s) => s
                    .trim()
                    .parse::<i64>()
                    .ok()
                    .and_then(|n| u64::try_from(n).ok()),
                Raw::Given(Given::Count(n)) => Some(*n),
                _ => None,
            };
            match parsed {
                Some(n) if n >= 1 => set(draft, n),
                _ if matches!(origin, Origin::CommandLine) => return Err(must_be("at least 1")),
                _ => return Err(must_be(what)),
            }
        }
        Kind::Number { what, ok, set } => {
            let parsed = match raw {
                Raw::Toml(toml::Value::Float(x)) => Some(*x),
                Raw::Toml(toml::Value::Integer(n)) => Some(*n as f64),
                Raw::Ini(s) => s.trim().parse::<f64>().ok(),
                Raw::Given(Given::Number(x)) => Some(*x),
                _ => None,
            };
            match parsed {
                Some(x) if x.is_finite() && ok(x) => set(draft, x),
                _ => return Err(must_be(what)),
            }
        }
        Kind::Interpreter { set } => match raw {
            // A flag's path is taken as given, not trimmed.
            Raw::Given(Given::Path(path)) if path.as_os_str().is_empty() => {
                return Err(Error::usage(format!("{subject} must not be empty")))
            }
            Raw::Given(Given::Path(path)) => set(draft, path.clone()),
            Raw::Toml(toml::Value::String(s)) | Raw::Ini(s) if !s.trim().is_empty() => {
                set(draft, PathBuf::from(s.trim()))
            }
            _ => return Err(must_be(INTERPRETER)),
        },
        Kind::Bool { set } => {
            let parsed = match raw {
                Raw::Toml(toml::Value::Boolean(b)) | Raw::Given(Given::Bool(b)) => Some(*b),
                Raw::Ini(s) => match s.trim().to_ascii_lowercase().as_str() {
                    "true" | "yes" | "on" | "1" => Some(true),
                    "false" | "no" | "off" | "0" => Some(false),
                    _ => None,
                },
                _ => None,
            };
            set(draft, parsed.ok_or_else(|| must_be("true or false"))?);
        }
        Kind::Choice { names, set } => {
            let word = match raw {
                Raw::Toml(toml::Value::String(s)) | Raw::Ini(s) => Some(s.trim()),
                Raw::Given(Given::Words(words)) if words.len() == 1 => Some(words[0].as_str()),
                _ => None,
            };
            let shown: Vec<String> = names.iter().map(|n| format!("\"{n}\"")).collect();
            let index = word
                .and_then(|w| names.iter().position(|n| *n == w))
                .ok_or_else(|| must_be(&format!("one of {}", shown.join(", "))))?;
            set(draft, index);
        }
    }
    Ok(())
}

/// Lines and commas (mutmut splits `paths_to_mutate` on both).
pub fn split_paths(text: &str) -> Result<Vec<String>, String> {
    Ok(pieces(text.split(['\n', ','])))
}

/// Lines only (setup.cfg's multi-line values, as mutmut splits them).
pub fn split_lines(text: &str) -> Result<Vec<String>, String> {
    Ok(pieces(text.split('\n')))
}

/// Like [`split_paths`], and mutmut 2's `:` between test directories.
pub fn split_test_paths(text: &str) -> Result<Vec<String>, String> {
    Ok(pieces(text.split(['\n', ',', ':'])))
}

/// Operator names in a setup.cfg value: separated by commas, spaces or newlines.
fn split_names(text: &str) -> Result<Vec<String>, String> {
    Ok(pieces(text.split(|c: char| c == ',' || c.is_whitespace())))
}

/// Lines, and commas outside `{a,b}` alternations.
pub fn split_globs(text: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut depth = 0usize;
    for c in text.chars() {
        match c {
            '{' => {
                depth += 1;
                current.push(c);
            }
            '}' => {
                depth = depth.saturating_sub(1);
                current.push(c);
            }
            '\n' => {
                out.push(std::mem::take(&mut current));
                depth = 0;
            }
            ',' if depth == 0 => out.push(std::mem::take(&mut current)),
            _ => current.push(c),
        }
    }
    out.push(current);
    Ok(pieces(out.iter().map(String::as_str)))
}

/// The non-empty trimmed pieces.
fn pieces<'a>(parts: impl Iterator<Item = &'a str>) -> Vec<String> {
    parts
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// Shell words (POSIX rules, by `shlex`): whitespace separates, quotes group, backslash escapes,
/// a backslash at the end is dropped. An unterminated quote is an error naming the quote.
fn split_args(text: &str) -> Result<Vec<String>, String> {
    if let Some(words) = shlex::split(text) {
        return Ok(words);
    }
    // shlex refuses a trailing backslash; read it as a line continuation, as the shell does.
    if let Some(words) = shlex::split(&format!("{text}\n")) {
        return Ok(words);
    }
    // Otherwise a quote is open: a `'` closes it only when it is a single one.
    let quote = if shlex::split(&format!("{text}'")).is_some() {
        '\''
    } else {
        '"'
    };
    Err(format!("unterminated {quote} quote in {text:?}"))
}

/// A path inside the project, normalized (`./`, `a/../b`, trailing `/` removed); `.` for the root.
/// Refuses absolute paths and paths that leave the project.
pub fn safe_relative(text: &str) -> Result<PathBuf, String> {
    let path = Path::new(text);
    let absolute = || {
        format!(
            "`{text}` is an absolute path; paths must be relative to the project root: \
             mutrun reads, mutates and writes only inside it"
        )
    };
    if path.is_absolute() {
        return Err(absolute());
    }
    let mut parts: Vec<&std::ffi::OsStr> = Vec::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::Normal(part) => parts.push(part),
            Component::ParentDir => {
                if parts.pop().is_none() {
                    return Err(format!(
                        "`{text}` is outside the project; paths must stay inside the project \
                         root: mutrun reads, mutates and writes only there (copy what is needed \
                         into the project)"
                    ));
                }
            }
            Component::RootDir | Component::Prefix(_) => return Err(absolute()),
        }
    }
    if parts.is_empty() {
        return Ok(PathBuf::from("."));
    }
    Ok(parts.iter().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_words() {
        let ok = |text: &str| split_args(text).unwrap();
        assert_eq!(
            ok("-x -k \"not slow\"\n--tb=short"),
            ["-x", "-k", "not slow", "--tb=short"]
        );
        assert_eq!(
            ok("a\\ b 'c\\d' \"e\\\"f\\$g\\h\""),
            ["a b", "c\\d", "e\"f$g\\h"]
        );
        assert_eq!(ok("a''b ''"), ["ab", ""]);
        assert_eq!(ok("abc\\"), ["abc"]);
        assert_eq!(ok(" \t "), Vec::<String>::new());
        assert_eq!(
            split_args("-k 'oops").unwrap_err(),
            "unterminated ' quote in \"-k 'oops\""
        );
        assert_eq!(
            split_args("it's \"x").unwrap_err(),
            "unterminated ' quote in \"it's \\\"x\""
        );
        assert_eq!(
            split_args("-k \"it's").unwrap_err(),
            "unterminated \" quote in \"-k \\\"it's\""
        );
        assert_eq!(
            split_args("\"abc\\").unwrap_err(),
            "unterminated \" quote in \"\\\"abc\\\\\""
        );
    }

    #[test]
    fn lists() {
        assert_eq!(split_paths(" a/, b\nc ,").unwrap(), ["a/", "b", "c"]);
        assert_eq!(split_test_paths("t1:t2,t3").unwrap(), ["t1", "t2", "t3"]);
        assert_eq!(
            split_globs("*_pb2.py, src/{a,b}/gen.py\nx").unwrap(),
            ["*_pb2.py", "src/{a,b}/gen.py", "x"]
        );
        assert_eq!(split_names("a, b\nc").unwrap(), ["a", "b", "c"]);
    }
}
