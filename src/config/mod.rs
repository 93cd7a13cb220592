//! Reads `[tool.mutrun]` (or mutmut's `[tool.mutmut]` / setup.cfg `[mutmut]`) and merges CLI flags.
//!
//! Keys use mutmut's names, so a mutmut configuration works unchanged. Values are validated here,
//! once, and every error names the file, the section, the key and what is allowed.

use std::fmt;
use std::path::{Component, Path, PathBuf};

use crate::domain::error::{Error, Result};
use crate::domain::operators::OperatorSet;

pub const DEFAULT_TIMEOUT_MULTIPLIER: f64 = 3.0;
pub const DEFAULT_TIMEOUT_CONSTANT: f64 = 2.0;

/// The merged configuration: file values, then CLI overrides on top.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// Files or directories to mutate, relative to the project root; `None`: auto-detect.
    pub paths_to_mutate: Option<Vec<PathBuf>>,
    /// Test files or directories handed to pytest (empty: pytest's own discovery).
    pub tests_dir: Vec<PathBuf>,
    /// Paths copied into `mutants/` even where the copy would skip them (e.g. a `build/` dir).
    pub also_copy: Vec<PathBuf>,
    /// Globs over relative source paths (`/` separators) never mutated.
    pub do_not_mutate: Vec<String>,
    /// Extra arguments for every pytest process.
    pub pytest_add_cli_args: Vec<String>,
    /// mutmut's extra arguments for test selection; accepted and stored.
    pub pytest_add_cli_args_test_selection: Vec<String>,
    pub workers: Option<usize>,
    pub timeout_multiplier: f64,
    pub timeout_constant: f64,
    /// Interpreter path (a `/` in it: relative to the project root) or a name looked up on PATH.
    pub python: Option<PathBuf>,
    pub memory_limit_mb: Option<u64>,
    /// Test-command mode: the command that runs the suite when it is not pytest (`src/execute/test_command.rs`).
    pub test_command: Option<Vec<String>>,
    /// The operators mutants are generated with (`operators` minus `disable_operators`).
    pub operators: OperatorSet,
    /// Skip (verdict `skipped`) mutants on lines no test executes.
    pub mutate_only_covered_lines: bool,
    /// The type checker to run once over `mutants/` (e.g. `["mypy", "pkg"]`); mutants it reports
    /// errors in are `caught by type check` and not run. Empty: none.
    pub type_check_command: Vec<String>,
    /// Where the values came from; `None` when no config file has a mutrun/mutmut section.
    pub source: Option<ConfigSource>,
    /// Non-fatal problems (ignored mutmut keys), one line each, for the caller to print.
    pub warnings: Vec<String>,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            paths_to_mutate: None,
            tests_dir: Vec::new(),
            also_copy: Vec::new(),
            do_not_mutate: Vec::new(),
            pytest_add_cli_args: Vec::new(),
            pytest_add_cli_args_test_selection: Vec::new(),
            workers: None,
            timeout_multiplier: DEFAULT_TIMEOUT_MULTIPLIER,
            timeout_constant: DEFAULT_TIMEOUT_CONSTANT,
            python: None,
            memory_limit_mb: None,
            test_command: None,
            operators: OperatorSet::default(),
            mutate_only_covered_lines: false,
            type_check_command: Vec::new(),
            source: None,
            warnings: Vec::new(),
        }
    }
}

impl Config {
    /// "pyproject.toml [tool.mutrun]", or a note that no config file was found.
    pub fn describe_source(&self) -> String {
        match &self.source {
            Some(source) => source.to_string(),
            None => "no config file (pyproject.toml [tool.mutrun])".to_string(),
        }
    }
}

/// The file and section a configuration was read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigSource {
    /// Relative to the project root: `pyproject.toml` or `setup.cfg`.
    pub file: PathBuf,
    /// `[tool.mutrun]`, `[tool.mutmut]` or `[mutmut]`.
    pub section: &'static str,
}

impl fmt::Display for ConfigSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.file.display(), self.section)
    }
}

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
    /// `mutrun run -- CMD ARGS…`
    pub test_command: Option<Vec<String>>,
    /// `--operators` (replaces `operators`) and `--disable-operators` (replaces
    /// `disable_operators`).
    pub operators: Option<Vec<String>>,
    pub disable_operators: Option<Vec<String>>,
    /// `--covered-lines-only` (sets `mutate_only_covered_lines`).
    pub mutate_only_covered_lines: Option<bool>,
}

/// Reads the project's configuration and applies `overrides` on top.
pub fn load(project_root: &Path, overrides: &CliOverrides) -> Result<Config> {
    let mut config = Config::default();
    let mut selection = OperatorNames::default();
    if let Some((source, entries)) = read_section(project_root)? {
        let ctx = Ctx {
            file: source.file.display().to_string(),
            section: source.section,
        };
        for (key, value) in &entries {
            if key == "operators" || key == "disable_operators" {
                let names = string_list(&ctx, key, value, "a list of operator names", split_names)?;
                // Each name is checked here, so the error names the key it came from.
                OperatorSet::select(Some(&names), &[])
                    .map_err(|e| Error::usage(format!("{}: {e}", ctx.key(key))))?;
                match key.as_str() {
                    "operators" => selection.enable = Some(names),
                    _ => selection.disable = names,
                }
                continue;
            }
            apply_key(&ctx, &mut config, key, value)?;
        }
        config.source = Some(source);
    }
    apply_overrides(project_root, &mut config, overrides)?;
    for (flag, names) in [
        ("--operators", &overrides.operators),
        ("--disable-operators", &overrides.disable_operators),
    ] {
        if let Some(names) = names {
            OperatorSet::select(Some(names), &[])
                .map_err(|e| Error::usage(format!("{flag}: {e}")))?;
        }
    }
    if let Some(names) = &overrides.operators {
        selection.enable = Some(names.clone());
    }
    if let Some(names) = &overrides.disable_operators {
        selection.disable = names.clone();
    }
    config.operators = OperatorSet::select(selection.enable.as_deref(), &selection.disable)
        .map_err(|e| {
            Error::usage(format!(
                "operators (in {} or on the command line): {e}",
                config.describe_source()
            ))
        })?;
    Ok(config)
}

// ---------------------------------------------------------------------------------------------
// Keys

/// Every key mutrun reads, in the order the "allowed" list shows them.
pub const KEYS: &[&str] = &[
    "paths_to_mutate",
    "tests_dir",
    "also_copy",
    "do_not_mutate",
    "pytest_add_cli_args",
    "pytest_add_cli_args_test_selection",
    "workers",
    "timeout_multiplier",
    "timeout_constant",
    "python",
    "memory_limit_mb",
    "test_command",
    "operators",
    "disable_operators",
    "mutate_only_covered_lines",
    "type_check_command",
];

/// `operators` and `disable_operators` as written, combined once both are known.
#[derive(Default)]
struct OperatorNames {
    enable: Option<Vec<String>>,
    disable: Vec<String>,
}

/// mutmut options (3.x, and 2.x's setup.cfg keys) that mutrun accepts in mutmut's sections and
/// ignores with a warning.
const MUTMUT_IGNORED: &[&str] = &[
    "max_stack_depth",
    "debug",
    "use_setproctitle",
    // mutmut 2.x
    "runner",
    "backup",
    "dict_synonyms",
    "total",
    "swallow_output",
    "use_coverage",
    "use_patch_file",
    "pre_mutation",
    "post_mutation",
    "rerun_all",
    "disable_mutation_types",
    "enable_mutation_types",
    "simple_output",
    "no_progress",
    "ci",
    "test_time_base",
    "test_time_multiplier",
];

/// A raw value from one of the two file formats.
#[derive(Debug, Clone)]
enum Raw {
    Toml(toml::Value),
    Ini(String),
}

impl Raw {
    /// The value as the user wrote it, for "got ..." in messages.
    fn shown(&self) -> String {
        match self {
            Raw::Toml(value) => value.to_string(),
            Raw::Ini(text) => format!("{text:?}"),
        }
    }
}

/// Where a value came from, for messages.
struct Ctx {
    file: String,
    section: &'static str,
}

impl Ctx {
    fn key(&self, key: &str) -> String {
        format!("{}: {} key `{key}`", self.file, self.section)
    }

    fn is_mutmut(&self) -> bool {
        self.section != "[tool.mutrun]"
    }
}

fn allowed_keys() -> String {
    KEYS.join(", ")
}

fn apply_key(ctx: &Ctx, config: &mut Config, key: &str, value: &Raw) -> Result<()> {
    if !KEYS.contains(&key) {
        if ctx.is_mutmut() && MUTMUT_IGNORED.contains(&key) {
            config.warnings.push(format!(
                "{} is a mutmut option mutrun does not use; ignored",
                ctx.key(key)
            ));
            return Ok(());
        }
        let hint = suggestion(key)
            .map(|s| format!(" (did you mean `{s}`?)"))
            .unwrap_or_default();
        return Err(Error::usage(format!(
            "{}: {} unknown key `{key}`{hint}; allowed: {}",
            ctx.file,
            ctx.section,
            allowed_keys()
        )));
    }
    match key {
        "paths_to_mutate" => config.paths_to_mutate = Some(paths(ctx, key, value, false)?),
        "tests_dir" => config.tests_dir = paths(ctx, key, value, true)?,
        "also_copy" => config.also_copy = paths(ctx, key, value, false)?,
        "do_not_mutate" => config.do_not_mutate = globs(ctx, key, value)?,
        "pytest_add_cli_args" => config.pytest_add_cli_args = args(ctx, key, value)?,
        "test_command" => {
            let argv = args(ctx, key, value)?;
            if argv.is_empty() {
                return Err(Error::usage(format!(
                    "{} is empty: give the command that runs your tests, e.g. [\"python\", \"-m\", \"unittest\"] \
                     (or remove the key to use pytest)",
                    ctx.key(key)
                )));
            }
            config.test_command = Some(argv);
        }
        "pytest_add_cli_args_test_selection" => {
            config.pytest_add_cli_args_test_selection = args(ctx, key, value)?
        }
        "workers" => {
            let n = positive_int(ctx, key, value, "a positive integer")?;
            config.workers = Some(
                usize::try_from(n)
                    .map_err(|_| Error::usage(format!("{} is too large: {n}", ctx.key(key))))?,
            );
        }
        "memory_limit_mb" => {
            config.memory_limit_mb = Some(positive_int(
                ctx,
                key,
                value,
                "a positive integer (megabytes)",
            )?)
        }
        "timeout_multiplier" => {
            config.timeout_multiplier =
                number(ctx, key, value, "a number greater than 0", |x| x > 0.0)?
        }
        "timeout_constant" => {
            config.timeout_constant =
                number(ctx, key, value, "a number of seconds, 0 or more", |x| {
                    x >= 0.0
                })?
        }
        "python" => config.python = Some(interpreter(ctx, key, value)?),
        "mutate_only_covered_lines" => config.mutate_only_covered_lines = boolean(ctx, key, value)?,
        "type_check_command" => {
            config.type_check_command = args(ctx, key, value)?;
            if config.type_check_command.is_empty() {
                return Err(Error::usage(format!(
                    "{} must name a command, e.g. [\"mypy\", \"src/pkg\"], got {}",
                    ctx.key(key),
                    value.shown()
                )));
            }
        }
        _ => {
            return Err(Error::other(format!(
                "internal error: config key `{key}` has no reader"
            )))
        }
    }
    Ok(())
}

/// The known key closest to a misspelt one, if it is close.
fn suggestion(key: &str) -> Option<&'static str> {
    let normalized = key.to_ascii_lowercase().replace('-', "_");
    KEYS.iter()
        .map(|k| (*k, edit_distance(&normalized, k)))
        .filter(|(k, d)| *d <= 2.max(k.len() / 5))
        .min_by_key(|(_, d)| *d)
        .map(|(k, _)| k)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = if ca == *cb {
                prev
            } else {
                1 + prev.min(row[j]).min(cur)
            };
            prev = cur;
        }
    }
    row[b.len()]
}

// ---------------------------------------------------------------------------------------------
// Value readers

/// A list of strings: a TOML array of strings, or one string split by `split`.
fn string_list(
    ctx: &Ctx,
    key: &str,
    value: &Raw,
    what: &str,
    split: fn(&str) -> Result<Vec<String>, String>,
) -> Result<Vec<String>> {
    let wrong = || {
        Error::usage(format!(
            "{} must be {what}, got {}",
            ctx.key(key),
            value.shown()
        ))
    };
    let text = match value {
        Raw::Toml(toml::Value::Array(items)) => {
            return items
                .iter()
                .map(|item| match item {
                    toml::Value::String(s) => Ok(s.clone()),
                    _ => Err(wrong()),
                })
                .collect();
        }
        Raw::Toml(toml::Value::String(s)) => s,
        Raw::Toml(_) => return Err(wrong()),
        Raw::Ini(s) => s,
    };
    split(text).map_err(|problem| Error::usage(format!("{}: {problem}", ctx.key(key))))
}

fn paths(ctx: &Ctx, key: &str, value: &Raw, tests: bool) -> Result<Vec<PathBuf>> {
    let split = if tests { split_test_paths } else { split_paths };
    let items = string_list(
        ctx,
        key,
        value,
        "a list of paths relative to the project root",
        split,
    )?;
    items
        .iter()
        .map(|item| {
            safe_relative(item)
                .map_err(|problem| Error::usage(format!("{}: {problem}", ctx.key(key))))
        })
        .collect()
}

fn globs(ctx: &Ctx, key: &str, value: &Raw) -> Result<Vec<String>> {
    let items = string_list(ctx, key, value, "a list of glob patterns", split_globs)?;
    for item in &items {
        globset::Glob::new(item).map_err(|e| {
            Error::usage(format!(
                "{}: `{item}` is not a valid glob: {}",
                ctx.key(key),
                e.kind()
            ))
        })?;
    }
    Ok(items)
}

fn args(ctx: &Ctx, key: &str, value: &Raw) -> Result<Vec<String>> {
    string_list(
        ctx,
        key,
        value,
        "a list of command-line arguments (strings)",
        split_args,
    )
}

fn boolean(ctx: &Ctx, key: &str, value: &Raw) -> Result<bool> {
    let parsed = match value {
        Raw::Toml(toml::Value::Boolean(b)) => Some(*b),
        Raw::Toml(_) => None,
        Raw::Ini(s) => match s.trim().to_ascii_lowercase().as_str() {
            "true" | "yes" | "on" | "1" => Some(true),
            "false" | "no" | "off" | "0" => Some(false),
            _ => None,
        },
    };
    parsed.ok_or_else(|| {
        Error::usage(format!(
            "{} must be true or false, got {}",
            ctx.key(key),
            value.shown()
        ))
    })
}

fn positive_int(ctx: &Ctx, key: &str, value: &Raw, what: &str) -> Result<u64> {
    let parsed = match value {
        Raw::Toml(toml::Value::Integer(n)) => Some(*n),
        Raw::Toml(_) => None,
        Raw::Ini(s) => s.trim().parse::<i64>().ok(),
    };
    match parsed {
        Some(n) if n >= 1 => Ok(n as u64),
        _ => Err(Error::usage(format!(
            "{} must be {what}, got {}",
            ctx.key(key),
            value.shown()
        ))),
    }
}

fn number(ctx: &Ctx, key: &str, value: &Raw, what: &str, ok: fn(f64) -> bool) -> Result<f64> {
    let parsed = match value {
        Raw::Toml(toml::Value::Float(x)) => Some(*x),
        Raw::Toml(toml::Value::Integer(n)) => Some(*n as f64),
        Raw::Toml(_) => None,
        Raw::Ini(s) => s.trim().parse::<f64>().ok(),
    };
    match parsed {
        Some(x) if x.is_finite() && ok(x) => Ok(x),
        _ => Err(Error::usage(format!(
            "{} must be {what}, got {}",
            ctx.key(key),
            value.shown()
        ))),
    }
}

fn interpreter(ctx: &Ctx, key: &str, value: &Raw) -> Result<PathBuf> {
    let text = match value {
        Raw::Toml(toml::Value::String(s)) => s.trim(),
        Raw::Ini(s) => s.trim(),
        Raw::Toml(_) => "",
    };
    if text.is_empty() {
        return Err(Error::usage(format!(
            "{} must be an interpreter path or name (a non-empty string), got {}",
            ctx.key(key),
            value.shown()
        )));
    }
    Ok(PathBuf::from(text))
}

/// Lines and commas (mutmut splits `paths_to_mutate` on both).
fn split_paths(text: &str) -> Result<Vec<String>, String> {
    Ok(text
        .split(['\n', ','])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect())
}

/// Like [`split_paths`], and mutmut 2's `:` between test directories.
fn split_test_paths(text: &str) -> Result<Vec<String>, String> {
    Ok(text
        .split(['\n', ',', ':'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect())
}

/// Lines, and commas outside `{a,b}` alternations.
fn split_globs(text: &str) -> Result<Vec<String>, String> {
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
    Ok(out
        .iter()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect())
}

/// Shell-like words: whitespace separates, quotes group, backslash escapes.
/// Operator names in a setup.cfg value: separated by commas, spaces or newlines.
fn split_names(text: &str) -> Result<Vec<String>, String> {
    Ok(text
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|name| !name.is_empty())
        .map(String::from)
        .collect())
}

fn split_args(text: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut in_word = false;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(c) => current.push(c),
                        None => return Err(format!("unterminated ' quote in {text:?}")),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(c @ ('"' | '\\' | '$' | '`')) => current.push(c),
                            Some(c) => {
                                current.push('\\');
                                current.push(c);
                            }
                            None => return Err(format!("unterminated \" quote in {text:?}")),
                        },
                        Some(c) => current.push(c),
                        None => return Err(format!("unterminated \" quote in {text:?}")),
                    }
                }
            }
            '\\' => {
                in_word = true;
                if let Some(c) = chars.next() {
                    if c != '\n' {
                        current.push(c);
                    }
                }
            }
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut current));
                    in_word = false;
                }
            }
            c => {
                in_word = true;
                current.push(c);
            }
        }
    }
    if in_word {
        words.push(current);
    }
    Ok(words)
}

/// A path inside the project, normalized (`./`, `a/../b`, trailing `/` removed); `.` for the root.
/// Refuses absolute paths and paths that leave the project.
pub fn safe_relative(text: &str) -> Result<PathBuf, String> {
    let path = Path::new(text);
    if path.is_absolute() {
        return Err(format!(
            "`{text}` is an absolute path; paths must be relative to the project root: \
             mutrun reads, mutates and writes only inside it"
        ));
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
            Component::RootDir | Component::Prefix(_) => {
                return Err(format!(
                    "`{text}` is an absolute path; paths must be relative to the project root: \
                     mutrun reads, mutates and writes only inside it"
                ))
            }
        }
    }
    if parts.is_empty() {
        return Ok(PathBuf::from("."));
    }
    Ok(parts.iter().collect())
}

// ---------------------------------------------------------------------------------------------
// Finding the section

/// A section's keys and values, in file order.
type Entries = Vec<(String, Raw)>;

/// The first of `[tool.mutrun]`, `[tool.mutmut]` (pyproject.toml), `[mutmut]` (setup.cfg).
fn read_section(root: &Path) -> Result<Option<(ConfigSource, Entries)>> {
    let pyproject = root.join("pyproject.toml");
    if pyproject.is_file() {
        let text =
            std::fs::read_to_string(&pyproject).map_err(|e| Error::io("read", &pyproject, e))?;
        let doc: toml::Table = text.parse().map_err(|e: toml::de::Error| {
            let (line, col) = e
                .span()
                .map(|span| line_col(&text, span.start))
                .unwrap_or((1, 1));
            Error::usage(format!(
                "pyproject.toml:{line}:{col}: not valid TOML: {}",
                e.message().trim_end()
            ))
        })?;
        if let Some(tool) = doc.get("tool") {
            let toml::Value::Table(tool) = tool else {
                return Err(Error::usage(
                    "pyproject.toml: `tool` must be a table ([tool.*] sections)",
                ));
            };
            for (name, section) in [("mutrun", "[tool.mutrun]"), ("mutmut", "[tool.mutmut]")] {
                let Some(value) = tool.get(name) else {
                    continue;
                };
                let toml::Value::Table(table) = value else {
                    return Err(Error::usage(format!(
                        "pyproject.toml: `tool.{name}` must be a table ({section}), got {value}"
                    )));
                };
                let entries = table
                    .iter()
                    .map(|(k, v)| (k.clone(), Raw::Toml(v.clone())))
                    .collect();
                let source = ConfigSource {
                    file: PathBuf::from("pyproject.toml"),
                    section,
                };
                return Ok(Some((source, entries)));
            }
        }
    }
    let setup_cfg = root.join("setup.cfg");
    if setup_cfg.is_file() {
        let text =
            std::fs::read_to_string(&setup_cfg).map_err(|e| Error::io("read", &setup_cfg, e))?;
        if let Some(entries) = ini_section(&text, "mutmut") {
            let entries = entries.into_iter().map(|(k, v)| (k, Raw::Ini(v))).collect();
            let source = ConfigSource {
                file: PathBuf::from("setup.cfg"),
                section: "[mutmut]",
            };
            return Ok(Some((source, entries)));
        }
    }
    Ok(None)
}

/// 1-based line and column (in characters) of byte `offset`.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map(|i| i + 1).unwrap_or(0);
    let col = before[line_start..].chars().count() + 1;
    (line, col)
}

/// The entries of `[section]` in an INI file, the way Python's configparser reads them: keys
/// lowercased, `=` or `:` separators, indented continuation lines, `#`/`;` comment lines.
/// `None` when the section is absent.
fn ini_section(text: &str, section: &str) -> Option<Vec<(String, String)>> {
    let mut found = false;
    let mut in_section = false;
    let mut entries: Vec<(String, String)> = Vec::new();
    // Index into `entries` of the key whose value continuation lines extend.
    let mut current: Option<usize> = None;
    for raw_line in text.lines() {
        let line = raw_line.trim_end();
        let trimmed = line.trim_start();
        let indented = line.len() != trimmed.len();
        if trimmed.starts_with('#') || trimmed.starts_with(';') {
            continue;
        }
        if trimmed.is_empty() {
            if let (true, Some(i)) = (in_section, current) {
                entries[i].1.push('\n');
            }
            continue;
        }
        if indented {
            if let (true, Some(i)) = (in_section, current) {
                entries[i].1.push('\n');
                entries[i].1.push_str(trimmed);
            }
            continue;
        }
        if let Some(name) = trimmed.strip_prefix('[').and_then(|r| r.strip_suffix(']')) {
            in_section = name.trim() == section;
            found |= in_section;
            current = None;
            continue;
        }
        if !in_section {
            current = None;
            continue;
        }
        let split_at = trimmed.find(['=', ':']);
        let (key, value) = match split_at {
            Some(i) => (&trimmed[..i], trimmed[i + 1..].trim()),
            None => (trimmed, ""),
        };
        let key = key.trim().to_lowercase();
        if let Some(i) = entries.iter().position(|(k, _)| *k == key) {
            entries[i].1 = value.to_string();
            current = Some(i);
        } else {
            entries.push((key, value.to_string()));
            current = Some(entries.len() - 1);
        }
    }
    if !found {
        return None;
    }
    for entry in &mut entries {
        entry.1 = entry.1.trim().to_string();
    }
    Some(entries)
}

// ---------------------------------------------------------------------------------------------
// Command line

fn apply_overrides(root: &Path, config: &mut Config, cli: &CliOverrides) -> Result<()> {
    if let Some(paths) = &cli.paths_to_mutate {
        config.paths_to_mutate = Some(cli_paths(root, "--paths-to-mutate", paths)?);
    }
    if let Some(paths) = &cli.tests_dir {
        config.tests_dir = cli_paths(root, "--tests-dir", paths)?;
    }
    if let Some(argv) = &cli.test_command {
        if !argv.is_empty() {
            config.test_command = Some(argv.clone());
        }
    }
    if let Some(workers) = cli.workers {
        if workers == 0 {
            return Err(Error::usage("--jobs must be at least 1, got 0"));
        }
        config.workers = Some(workers);
    }
    if let Some(python) = &cli.python {
        if python.as_os_str().is_empty() {
            return Err(Error::usage("--python must not be empty"));
        }
        config.python = Some(python.clone());
    }
    if let Some(x) = cli.timeout_multiplier {
        if !(x.is_finite() && x > 0.0) {
            return Err(Error::usage(format!(
                "--timeout-multiplier must be a number greater than 0, got {x}"
            )));
        }
        config.timeout_multiplier = x;
    }
    if let Some(x) = cli.timeout_constant {
        if !(x.is_finite() && x >= 0.0) {
            return Err(Error::usage(format!(
                "--timeout-constant must be a number of seconds, 0 or more, got {x}"
            )));
        }
        config.timeout_constant = x;
    }
    if let Some(mb) = cli.memory_limit_mb {
        if mb == 0 {
            return Err(Error::usage("--memory-limit-mb must be at least 1, got 0"));
        }
        config.memory_limit_mb = Some(mb);
    }
    if let Some(args) = &cli.pytest_add_cli_args {
        config.pytest_add_cli_args = args.clone();
    }
    if let Some(only) = cli.mutate_only_covered_lines {
        config.mutate_only_covered_lines = only;
    }
    Ok(())
}

/// CLI paths: relative to the project root, or absolute inside it.
fn cli_paths(root: &Path, flag: &str, paths: &[PathBuf]) -> Result<Vec<PathBuf>> {
    paths
        .iter()
        .map(|path| {
            let relative = if path.is_absolute() {
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
                    })?
            } else {
                path.clone()
            };
            safe_relative(&relative.to_string_lossy())
                .map_err(|problem| Error::usage(format!("{flag}: {problem}")))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn project(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (path, text) in files {
            let path = dir.path().join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        dir
    }

    fn load_err(files: &[(&str, &str)]) -> String {
        let dir = project(files);
        load(dir.path(), &CliOverrides::default())
            .unwrap_err()
            .to_string()
    }

    fn load_ok(files: &[(&str, &str)]) -> Config {
        let dir = project(files);
        load(dir.path(), &CliOverrides::default()).unwrap()
    }

    #[test]
    fn defaults_without_config() {
        let config = load_ok(&[("pyproject.toml", "[project]\nname = 'x'\n")]);
        assert_eq!(config, Config::default());
        assert_eq!(config.timeout_multiplier, 3.0);
        assert_eq!(config.timeout_constant, 2.0);
        assert_eq!(config.source, None);
        assert_eq!(
            config.describe_source(),
            "no config file (pyproject.toml [tool.mutrun])"
        );
    }

    #[test]
    fn reads_tool_mutrun() {
        let config = load_ok(&[(
            "pyproject.toml",
            r#"
[tool.mutrun]
paths_to_mutate = ["src/pkg", "./lib/"]
tests_dir = "tests"
also_copy = ["data"]
do_not_mutate = ["*/generated/*"]
pytest_add_cli_args = ["-p", "no:randomly"]
pytest_add_cli_args_test_selection = ["-m", "not slow"]
workers = 4
timeout_multiplier = 2
timeout_constant = 0.5
python = ".venv/bin/python"
memory_limit_mb = 2048
"#,
        )]);
        assert_eq!(
            config.paths_to_mutate,
            Some(vec![PathBuf::from("src/pkg"), PathBuf::from("lib")])
        );
        assert_eq!(config.tests_dir, vec![PathBuf::from("tests")]);
        assert_eq!(config.also_copy, vec![PathBuf::from("data")]);
        assert_eq!(config.do_not_mutate, vec!["*/generated/*"]);
        assert_eq!(config.pytest_add_cli_args, vec!["-p", "no:randomly"]);
        assert_eq!(
            config.pytest_add_cli_args_test_selection,
            vec!["-m", "not slow"]
        );
        assert_eq!(config.workers, Some(4));
        assert_eq!(config.timeout_multiplier, 2.0);
        assert_eq!(config.timeout_constant, 0.5);
        assert_eq!(config.python, Some(PathBuf::from(".venv/bin/python")));
        assert_eq!(config.memory_limit_mb, Some(2048));
        assert_eq!(config.describe_source(), "pyproject.toml [tool.mutrun]");
        assert!(config.warnings.is_empty());
    }

    #[test]
    fn tool_mutrun_wins_over_tool_mutmut_and_setup_cfg() {
        let config = load_ok(&[
            (
                "pyproject.toml",
                "[tool.mutmut]\nworkers = 2\n[tool.mutrun]\nworkers = 3\n",
            ),
            ("setup.cfg", "[mutmut]\nworkers = 5\n"),
        ]);
        assert_eq!(config.workers, Some(3));
        assert_eq!(config.source.unwrap().section, "[tool.mutrun]");
    }

    #[test]
    fn falls_back_to_tool_mutmut() {
        let config = load_ok(&[
            (
                "pyproject.toml",
                "[tool.mutmut]\npaths_to_mutate = [\"src/\"]\ndebug = true\nmax_stack_depth = 8\n",
            ),
            ("setup.cfg", "[mutmut]\nworkers = 5\n"),
        ]);
        assert_eq!(config.paths_to_mutate, Some(vec![PathBuf::from("src")]));
        assert_eq!(config.workers, None);
        assert_eq!(config.describe_source(), "pyproject.toml [tool.mutmut]");
        assert_eq!(
            config.warnings,
            vec![
                "pyproject.toml: [tool.mutmut] key `debug` is a mutmut option mutrun does not use; ignored",
                "pyproject.toml: [tool.mutmut] key `max_stack_depth` is a mutmut option mutrun does not use; ignored",
            ]
        );
    }

    #[test]
    fn falls_back_to_setup_cfg() {
        let config = load_ok(&[
            ("pyproject.toml", "[project]\nname = 'x'\n"),
            (
                "setup.cfg",
                "[metadata]\nname = x\n\n[mutmut]\n# comment\npaths_to_mutate=src/a/,src/b\n\
                 tests_dir =\n    tests/unit\n    tests/integration\n\
                 pytest_add_cli_args = -x -k \"not slow\"\n    --tb=short\n\
                 Workers: 2\ntimeout_multiplier = 1.5\nrunner = python -m pytest -x\n\
                 do_not_mutate = *_pb2.py, src/{a,b}/gen.py\n\n[other]\nworkers = 9\n",
            ),
        ]);
        assert_eq!(
            config.paths_to_mutate,
            Some(vec![PathBuf::from("src/a"), PathBuf::from("src/b")])
        );
        assert_eq!(
            config.tests_dir,
            vec![
                PathBuf::from("tests/unit"),
                PathBuf::from("tests/integration")
            ]
        );
        assert_eq!(
            config.pytest_add_cli_args,
            vec!["-x", "-k", "not slow", "--tb=short"]
        );
        assert_eq!(config.workers, Some(2));
        assert_eq!(config.timeout_multiplier, 1.5);
        assert_eq!(config.do_not_mutate, vec!["*_pb2.py", "src/{a,b}/gen.py"]);
        assert_eq!(config.describe_source(), "setup.cfg [mutmut]");
        assert_eq!(
            config.warnings,
            vec![
                "setup.cfg: [mutmut] key `runner` is a mutmut option mutrun does not use; ignored"
            ]
        );
    }

    #[test]
    fn setup_cfg_used_without_pyproject() {
        let config = load_ok(&[("setup.cfg", "[mutmut]\npaths_to_mutate = lib\n")]);
        assert_eq!(config.paths_to_mutate, Some(vec![PathBuf::from("lib")]));
    }

    #[test]
    fn setup_cfg_without_mutmut_section_is_no_config() {
        let config = load_ok(&[("setup.cfg", "[metadata]\nname = x\n")]);
        assert_eq!(config.source, None);
    }

    #[test]
    fn cli_overrides_win() {
        let dir = project(&[(
            "pyproject.toml",
            "[tool.mutrun]\nworkers = 4\npython = \"python3.11\"\npaths_to_mutate = [\"src\"]\n",
        )]);
        let overrides = CliOverrides {
            workers: Some(1),
            python: Some(PathBuf::from("/usr/bin/python3")),
            paths_to_mutate: Some(vec![dir.path().join("lib/mod.py")]),
            tests_dir: Some(vec![PathBuf::from("t")]),
            timeout_multiplier: Some(5.0),
            timeout_constant: Some(0.0),
            memory_limit_mb: Some(100),
            pytest_add_cli_args: Some(vec!["-q".into()]),
            operators: None,
            disable_operators: None,
            mutate_only_covered_lines: Some(true),
            test_command: None,
        };
        let config = load(dir.path(), &overrides).unwrap();
        assert_eq!(config.workers, Some(1));
        assert_eq!(config.python, Some(PathBuf::from("/usr/bin/python3")));
        assert_eq!(
            config.paths_to_mutate,
            Some(vec![PathBuf::from("lib/mod.py")])
        );
        assert_eq!(config.tests_dir, vec![PathBuf::from("t")]);
        assert_eq!(config.timeout_multiplier, 5.0);
        assert_eq!(config.timeout_constant, 0.0);
        assert_eq!(config.memory_limit_mb, Some(100));
        assert_eq!(config.pytest_add_cli_args, vec!["-q"]);
    }

    #[test]
    fn cli_errors() {
        let dir = project(&[]);
        let err = |o: CliOverrides| load(dir.path(), &o).unwrap_err().to_string();
        assert_eq!(
            err(CliOverrides {
                workers: Some(0),
                ..Default::default()
            }),
            "--jobs must be at least 1, got 0"
        );
        assert_eq!(
            err(CliOverrides {
                paths_to_mutate: Some(vec![PathBuf::from("../elsewhere")]),
                ..Default::default()
            }),
            "--paths-to-mutate: `../elsewhere` is outside the project; paths must stay inside \
             the project root: mutrun reads, mutates and writes only there (copy what is needed \
             into the project)"
        );
        assert_eq!(
            err(CliOverrides {
                paths_to_mutate: Some(vec![PathBuf::from("/definitely/not/here")]),
                ..Default::default()
            }),
            format!(
                "--paths-to-mutate: `/definitely/not/here` is outside the project root {}; \
                 mutrun reads, mutates and writes only inside it",
                dir.path().display()
            )
        );
        assert_eq!(
            err(CliOverrides {
                timeout_multiplier: Some(0.0),
                ..Default::default()
            }),
            "--timeout-multiplier must be a number greater than 0, got 0"
        );
    }

    #[test]
    fn wrong_types_name_key_file_and_what_is_allowed() {
        let cases: &[(&str, &str)] = &[
            (
                "workers = \"4\"",
                "pyproject.toml: [tool.mutrun] key `workers` must be a positive integer, got \"4\"",
            ),
            (
                "workers = 0",
                "pyproject.toml: [tool.mutrun] key `workers` must be a positive integer, got 0",
            ),
            (
                "timeout_multiplier = 0",
                "pyproject.toml: [tool.mutrun] key `timeout_multiplier` must be a number greater than 0, got 0",
            ),
            (
                "timeout_constant = -1.5",
                "pyproject.toml: [tool.mutrun] key `timeout_constant` must be a number of seconds, 0 or more, got -1.5",
            ),
            (
                "memory_limit_mb = 1.5",
                "pyproject.toml: [tool.mutrun] key `memory_limit_mb` must be a positive integer (megabytes), got 1.5",
            ),
            (
                "paths_to_mutate = 3",
                "pyproject.toml: [tool.mutrun] key `paths_to_mutate` must be a list of paths relative to the project root, got 3",
            ),
            (
                "tests_dir = [\"tests\", 1]",
                "pyproject.toml: [tool.mutrun] key `tests_dir` must be a list of paths relative to the project root, got [\"tests\", 1]",
            ),
            (
                "pytest_add_cli_args = true",
                "pyproject.toml: [tool.mutrun] key `pytest_add_cli_args` must be a list of command-line arguments (strings), got true",
            ),
            (
                "pytest_add_cli_args = \"-k 'oops\"",
                "pyproject.toml: [tool.mutrun] key `pytest_add_cli_args`: unterminated ' quote in \"-k 'oops\"",
            ),
            (
                "python = 3",
                "pyproject.toml: [tool.mutrun] key `python` must be an interpreter path or name (a non-empty string), got 3",
            ),
            (
                "do_not_mutate = [\"src/[a.py\"]",
                "pyproject.toml: [tool.mutrun] key `do_not_mutate`: `src/[a.py` is not a valid glob: unclosed character class; missing ']'",
            ),
        ];
        for (body, expected) in cases {
            let got = load_err(&[("pyproject.toml", &format!("[tool.mutrun]\n{body}\n"))]);
            assert_eq!(&got, expected, "for {body}");
        }
    }

    #[test]
    fn setup_cfg_wrong_value() {
        assert_eq!(
            load_err(&[("setup.cfg", "[mutmut]\nworkers = many\n")]),
            "setup.cfg: [mutmut] key `workers` must be a positive integer, got \"many\""
        );
    }

    #[test]
    fn operator_selection_from_file_and_flags() {
        use crate::domain::operators::Operator;
        let config = load_ok(&[(
            "pyproject.toml",
            "[tool.mutrun]\noperators = [\"comparisons\", \"number\"]\ndisable_operators = [\"is_swap\"]\n",
        )]);
        assert!(config.operators.contains(Operator::Number));
        assert!(config.operators.contains(Operator::InSwap));
        assert!(!config.operators.contains(Operator::IsSwap));
        assert!(!config.operators.contains(Operator::String));
        let got = load_err(&[("pyproject.toml", "[tool.mutrun]\noperators = [\"nope\"]\n")]);
        assert!(
            got.starts_with("pyproject.toml: [tool.mutrun] key `operators`: unknown operator `nope`; operators: number, "),
            "{got}"
        );
        let dir = project(&[]);
        let cli = CliOverrides {
            disable_operators: Some(vec!["string".into(), "nope".into()]),
            ..CliOverrides::default()
        };
        let got = load(dir.path(), &cli).expect_err("unknown").to_string();
        assert!(
            got.starts_with("--disable-operators: unknown operator `nope`"),
            "{got}"
        );
    }

    #[test]
    fn unknown_keys() {
        assert_eq!(
            load_err(&[("pyproject.toml", "[tool.mutrun]\nwrokers = 4\n")]),
            "pyproject.toml: [tool.mutrun] unknown key `wrokers` (did you mean `workers`?); allowed: \
             paths_to_mutate, tests_dir, also_copy, do_not_mutate, pytest_add_cli_args, \
             pytest_add_cli_args_test_selection, workers, timeout_multiplier, timeout_constant, \
             python, memory_limit_mb, test_command, operators, disable_operators, \
             mutate_only_covered_lines, type_check_command"
        );
        // mutmut's own options are only tolerated in mutmut's sections.
        let got = load_err(&[("pyproject.toml", "[tool.mutrun]\ndebug = true\n")]);
        assert!(
            got.starts_with("pyproject.toml: [tool.mutrun] unknown key `debug`; allowed: "),
            "{got}"
        );
        let got = load_err(&[("pyproject.toml", "[tool.mutmut]\npaths-to-mutate = 'x'\n")]);
        assert!(
            got.starts_with(
                "pyproject.toml: [tool.mutmut] unknown key `paths-to-mutate` (did you mean `paths_to_mutate`?); allowed: "
            ),
            "{got}"
        );
        let got = load_err(&[("setup.cfg", "[mutmut]\nbogus = 1\n")]);
        assert!(
            got.starts_with("setup.cfg: [mutmut] unknown key `bogus`; allowed: "),
            "{got}"
        );
    }

    #[test]
    fn unsafe_paths_are_refused() {
        assert_eq!(
            load_err(&[(
                "pyproject.toml",
                "[tool.mutrun]\npaths_to_mutate = [\"/etc\"]\n"
            )]),
            "pyproject.toml: [tool.mutrun] key `paths_to_mutate`: `/etc` is an absolute path; \
             paths must be relative to the project root: mutrun reads, mutates and writes only \
             inside it"
        );
        assert_eq!(
            load_err(&[("pyproject.toml", "[tool.mutrun]\nalso_copy = [\"data/../../x\"]\n")]),
            "pyproject.toml: [tool.mutrun] key `also_copy`: `data/../../x` is outside the project; \
             paths must stay inside the project root: mutrun reads, mutates and writes only there \
             (copy what is needed into the project)"
        );
        assert_eq!(
            load_err(&[("setup.cfg", "[mutmut]\ntests_dir = ../tests\n")]),
            "setup.cfg: [mutmut] key `tests_dir`: `../tests` is outside the project; \
             paths must stay inside the project root: mutrun reads, mutates and writes only there \
             (copy what is needed into the project)"
        );
        // Normalized, still inside: fine.
        let config = load_ok(&[(
            "pyproject.toml",
            "[tool.mutrun]\npaths_to_mutate = [\"src/../lib/\", \".\"]\n",
        )]);
        assert_eq!(
            config.paths_to_mutate,
            Some(vec![PathBuf::from("lib"), PathBuf::from(".")])
        );
    }

    #[test]
    fn invalid_toml_names_line_and_column() {
        let got = load_err(&[(
            "pyproject.toml",
            "[project]\nname = \"x\"\n[tool.mutrun]\nworkers = = 4\n",
        )]);
        assert!(
            got.starts_with("pyproject.toml:4:11: not valid TOML: "),
            "{got}"
        );
    }

    #[test]
    fn section_that_is_not_a_table() {
        assert_eq!(
            load_err(&[("pyproject.toml", "[tool]\nmutrun = 3\n")]),
            "pyproject.toml: `tool.mutrun` must be a table ([tool.mutrun]), got 3"
        );
    }

    #[test]
    fn string_forms_of_lists() {
        let config = load_ok(&[(
            "pyproject.toml",
            "[tool.mutrun]\npaths_to_mutate = \"src/a,src/b\"\npytest_add_cli_args = \"-x --tb=short\"\n",
        )]);
        assert_eq!(
            config.paths_to_mutate,
            Some(vec![PathBuf::from("src/a"), PathBuf::from("src/b")])
        );
        assert_eq!(config.pytest_add_cli_args, vec!["-x", "--tb=short"]);
    }

    #[test]
    fn ini_reader() {
        let text = "[mutmut]\nA = 1\n  continued\n\n  after blank\n; c\nb: 2\n[x]\nc = 3\n";
        let entries = ini_section(text, "mutmut").unwrap();
        assert_eq!(
            entries,
            vec![
                ("a".to_string(), "1\ncontinued\n\nafter blank".to_string()),
                ("b".to_string(), "2".to_string()),
            ]
        );
        assert_eq!(ini_section(text, "missing"), None);
    }
}
