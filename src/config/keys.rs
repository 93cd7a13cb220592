//! Every configuration key, declared once: its name, the kind of value it takes and the field it
//! sets, the sections it may come from, its command-line flag, and its row in README.md.
//!
//! Adding a key: a field in `Config` (with its default), one entry here, and its README row (a
//! test checks the row). A flag for it: the clap argument in `src/cli.rs`, a `CliOverrides` field
//! and its line in `CliOverrides::given`.

use super::file::Section;
use super::value::{split_globs, split_paths, split_test_paths, Kind};
use super::CoverageLevel;

/// One configuration key.
pub struct KeySpec {
    /// The key as written in `[tool.mutrun]` (mutmut's name).
    pub name: &'static str,
    /// What its value may be, how a string form is split, and the `Config` field it sets.
    pub kind: Kind,
    /// The sections it is read from.
    pub sections: &'static [Section],
    /// The command-line flag that sets it, if there is one (`--` for the command after `--`).
    pub flag: Option<&'static str>,
    /// Its meaning, as README.md's configuration table says it.
    #[cfg_attr(not(test), expect(dead_code, reason = "the README test reads it"))]
    pub doc: &'static str,
    /// Its default, as README.md's configuration table says it.
    #[cfg_attr(not(test), expect(dead_code, reason = "the README test reads it"))]
    pub default: &'static str,
}

impl KeySpec {
    /// How an error names a value given on the command line: the flag, else `--` and the key with
    /// dashes (the name `CliOverrides` fields without a flag of their own go by).
    pub fn flag_name(&self) -> String {
        match self.flag {
            Some(flag) => flag.to_string(),
            None => format!("--{}", self.name.replace('_', "-")),
        }
    }
}

/// Every key mutrun reads, in the order the "allowed" list shows them.
pub const KEYS: &[KeySpec] = &[
    KeySpec {
        name: "paths_to_mutate",
        kind: Kind::Paths {
            split: split_paths,
            set: |d, v| d.config.paths_to_mutate = Some(v),
        },
        sections: &Section::ALL,
        flag: Some("--paths-to-mutate"),
        doc: "files or directories to mutate",
        default: "`src/<pkg>`, else top-level packages and modules (never tests)",
    },
    KeySpec {
        name: "source_paths",
        kind: Kind::Paths {
            split: split_paths,
            set: |d, v| d.source_paths = Some(v),
        },
        sections: &Section::ALL,
        flag: None,
        doc: "mutmut 3.8's name for `paths_to_mutate`; wins when both are given",
        default: "—",
    },
    KeySpec {
        name: "tests_dir",
        kind: Kind::Paths {
            split: split_test_paths,
            set: |d, v| d.config.tests_dir = v,
        },
        sections: &Section::ALL,
        flag: None,
        doc: "where pytest looks for tests",
        default: "pytest's own configuration",
    },
    KeySpec {
        name: "also_copy",
        kind: Kind::Paths {
            split: split_paths,
            set: |d, v| d.config.also_copy = v,
        },
        sections: &Section::ALL,
        flag: None,
        doc: "extra files or folders the tests need in `mutants/`",
        default: "—",
    },
    KeySpec {
        name: "do_not_mutate",
        kind: Kind::Globs {
            split: split_globs,
            set: |d, v| d.config.do_not_mutate = v,
        },
        sections: &Section::ALL,
        flag: None,
        doc: "globs of source files to leave alone (matched against the path from the project \
              root, `*` crossing `/`, as mutmut's `fnmatch`)",
        default: "—",
    },
    KeySpec {
        name: "only_mutate",
        kind: Kind::Globs {
            split: split_globs,
            set: |d, v| d.config.only_mutate = v,
        },
        sections: &Section::ALL,
        flag: None,
        doc: "globs of source files: when given, only files matching one are mutated (matched as \
              `do_not_mutate`'s)",
        default: "— (every source)",
    },
    KeySpec {
        name: "do_not_mutate_patterns",
        kind: Kind::Regexes {
            set: |d, v| d.config.do_not_mutate_patterns = v,
        },
        sections: &Section::ALL,
        flag: None,
        doc: "regular expressions: a mutant whose edit touches a source line one of them matches \
              (`re.search`) is not generated",
        default: "—",
    },
    KeySpec {
        name: "max_stack_depth",
        kind: Kind::Depth {
            set: |d, v| d.config.max_stack_depth = v,
        },
        sections: &Section::ALL,
        flag: None,
        doc: "a test covers a function only when the call is within this many frames of project \
              code (`paths_to_mutate`) from the test; deeper calls do not count (the stats pass)",
        default: "`-1` (no limit)",
    },
    KeySpec {
        name: "pytest_add_cli_args",
        kind: Kind::Args {
            set: |d, v| d.config.pytest_add_cli_args = v,
        },
        sections: &Section::ALL,
        flag: None,
        doc: "extra pytest arguments",
        default: "—",
    },
    KeySpec {
        name: "pytest_add_cli_args_test_selection",
        kind: Kind::Args {
            set: |d, v| d.config.pytest_add_cli_args_test_selection = v,
        },
        sections: &Section::ALL,
        flag: None,
        doc: "pytest arguments that choose the suite (`-m \"not slow\"`, a test folder): every pytest \
              process mutrun starts collects with them, then runs the tests it picks by node id",
        default: "—",
    },
    KeySpec {
        name: "workers",
        kind: Kind::Count {
            what: "a positive integer",
            // On 64-bit targets every u64 fits.
            set: |d, n| d.config.workers = Some(usize::try_from(n).unwrap_or(usize::MAX)),
        },
        sections: &Section::ALL,
        flag: Some("--jobs"),
        doc: "worker processes (`-j N`)",
        default: "number of cores",
    },
    KeySpec {
        name: "timeout_multiplier",
        kind: Kind::Number {
            what: "a number greater than 0",
            ok: |x| x > 0.0,
            set: |d, x| d.config.timeout_multiplier = x,
        },
        sections: &Section::ALL,
        flag: Some("--timeout-multiplier"),
        doc: "a mutant may take this × its tests' measured time …",
        default: "`3.0`",
    },
    KeySpec {
        name: "timeout_constant",
        kind: Kind::Number {
            what: "a number of seconds, 0 or more",
            ok: |x| x >= 0.0,
            set: |d, x| d.config.timeout_constant = x,
        },
        sections: &Section::ALL,
        flag: Some("--timeout-constant"),
        doc: "… plus this many seconds (a mutant's first attempt gets 0.25 s instead; a timeout there stands only when the mutant took more than 10 × (or `timeout_multiplier` ×, if larger) what its tests take without it, else it runs again with the full budget)",
        default: "`2.0`",
    },
    KeySpec {
        name: "python",
        kind: Kind::Interpreter {
            set: |d, p| d.config.python = Some(p),
        },
        sections: &Section::ALL,
        flag: Some("--python"),
        doc: "the interpreter",
        default: "see above",
    },
    KeySpec {
        name: "memory_limit_mb",
        kind: Kind::Count {
            what: "a positive integer (megabytes)",
            set: |d, n| d.config.memory_limit_mb = Some(n),
        },
        sections: &Section::ALL,
        flag: None,
        doc: "address-space cap for each test process: a mutant that runs out of memory under it \
              (a MemoryError, or a kill) ends as `crashed` instead of exhausting the machine",
        default: "no cap",
    },
    KeySpec {
        name: "test_command",
        kind: Kind::Command {
            empty: |subject, _| {
                format!(
                    "{subject} is empty: give the command that runs your tests, e.g. \
                     [\"python\", \"-m\", \"unittest\"] (or remove the key to use pytest)"
                )
            },
            set: |d, v| d.config.test_command = Some(v),
        },
        sections: &Section::ALL,
        flag: Some("--"),
        doc: "run this command for every mutant instead of pytest, for unittest, Django or nox \
              suites (see below); `mutrun run -- CMD ARGS…` on the command line",
        default: "— (pytest)",
    },
    KeySpec {
        name: "operators",
        kind: Kind::Operators {
            set: |d, v| d.operators = Some(v),
        },
        sections: &Section::ALL,
        flag: Some("--operators"),
        doc: "the operators (names or groups, below) to generate mutants with; `--operators a,b` \
              on `run`/`list`",
        default: "`[\"default\"]`",
    },
    KeySpec {
        name: "disable_operators",
        kind: Kind::Operators {
            set: |d, v| d.disable_operators = v,
        },
        sections: &Section::ALL,
        flag: Some("--disable-operators"),
        doc: "operators or groups to leave out; `--disable-operators a,b` on `run`/`list`",
        default: "—",
    },
    KeySpec {
        name: "mutate_only_covered_lines",
        kind: Kind::Bool {
            set: |d, b| d.config.mutate_only_covered_lines = b,
        },
        sections: &Section::ALL,
        flag: Some("--covered-lines-only"),
        doc: "`true`: mutants on lines no test executes are `skipped` (no test run for them), for \
              large projects with little test coverage; `--covered-lines-only` on `run`",
        default: "`false`",
    },
    KeySpec {
        name: "coverage",
        kind: Kind::Choice {
            names: &["line", "function"],
            set: |d, i| {
                d.config.coverage = match i {
                    0 => CoverageLevel::Line,
                    _ => CoverageLevel::Function,
                }
            },
        },
        sections: &Section::ALL,
        flag: None,
        doc: "which tests a mutant runs: `\"line\"`, the tests that execute its code (the stats \
              pass records them); `\"function\"`, every test that reaches its function — for \
              suites whose tests take different paths from run to run (randomised tests, \
              hypothesis, time-dependent code), or objects kept across tests that initialise \
              attributes lazily (see below)",
        default: "`\"line\"`",
    },
    KeySpec {
        name: "type_check_command",
        kind: Kind::Args {
            set: |d, v| d.config.type_check_command = v,
        },
        sections: &Section::ALL,
        flag: None,
        doc: "the type checker, run once per `mutrun run` over `mutants/` (e.g. `[\"mypy\", \
              \"src/pkg\"]`, or pyright): mutants it reports an error in are `caught by type \
              check` and not run (below); `[]`: none",
        default: "—",
    },
    KeySpec {
        name: "cache_invalidation_files",
        kind: Kind::Globs {
            split: split_globs,
            set: |d, v| d.config.cache_invalidation_files = v,
        },
        sections: &Section::ALL,
        flag: None,
        doc: "globs (from the project root, `**` for any folders) of files the tests depend on \
              beyond their own source (data, lock files): when one changes, every stored verdict \
              is tested again",
        default: "—",
    },
    KeySpec {
        name: "cache_invalidation_exclude",
        kind: Kind::Globs {
            split: split_globs,
            set: |d, v| d.config.cache_invalidation_exclude = v,
        },
        sections: &Section::ALL,
        flag: None,
        doc: "globs (`*` crossing `/`) of files whose changes never call for a new stats pass \
              (notes, docs); a `cache_invalidation_files` file is never excluded",
        default: "—",
    },
    KeySpec {
        name: "debug",
        kind: Kind::Bool {
            set: |d, b| d.config.debug = b,
        },
        sections: &Section::ALL,
        flag: None,
        doc: "`true`: print each Python process mutrun starts (command and mode) and each verdict \
              as it arrives, on stderr, and write them to the log file",
        default: "`false`",
    },
    KeySpec {
        name: "log_to_file",
        kind: Kind::Bool {
            set: |d, b| d.config.log_to_file = b,
        },
        sections: &Section::ALL,
        flag: None,
        doc: "`true`: append what `debug` prints, with times and process ids, to `log_file_path`",
        default: "`false`",
    },
    KeySpec {
        name: "log_file_path",
        kind: Kind::Path {
            set: |d, p| d.config.log_file_path = p,
        },
        sections: &Section::ALL,
        flag: None,
        doc: "the log file of `debug` and `log_to_file`, inside the project",
        default: "`\"mutants/mutmut-debug.log\"`",
    },
];

/// mutmut 3.8 options that steer mutmut's own process machinery. mutrun accepts them in mutmut's
/// sections and says once, in one line, what it does instead.
const MUTMUT_MACHINERY: &[&str] = &[
    "process_isolation",
    "forkserver_warmup",
    "hot_fork_warmup",
    "max_forkserver_restarts",
    "preload_modules_file",
    "use_setproctitle",
    "track_dependencies",
    "dependency_tracking_depth",
    "on_dependency_change",
    "use_git_change_detection",
];

/// What mutrun does instead of the machinery keys: the end of the one-line note.
pub const MACHINERY_NOTE: &str = "steer mutmut's own processes and caches; mutrun needs none of \
     them: it forks each mutant from a pytest worker that has collected the suite (a fresh process \
     where import-time state matters), and tests a stored verdict again when its function, a \
     covering test or a `cache_invalidation_files` file changes";

/// mutmut 2.x's setup.cfg keys, which mutrun accepts in mutmut's sections and ignores with a
/// warning.
const MUTMUT_IGNORED: &[&str] = &[
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

/// What a key read in a section is.
pub enum Found {
    Key(&'static KeySpec),
    /// A mutmut 2 option mutrun does not use, in a mutmut section: a warning.
    IgnoredMutmutOption,
    /// A mutmut 3.8 option for mutmut's own machinery, in a mutmut section: one note for all.
    MutmutMachinery,
    /// Not a key mutmut knows, in a mutmut section (that section is mutmut's): a warning, with
    /// the known key it is closest to, if one is close.
    UnknownInMutmutSection {
        hint: Option<&'static str>,
    },
    /// Not a key here: an error, with the known key it is closest to, if one is close.
    Unknown {
        hint: Option<&'static str>,
    },
}

/// The key `name` as read in `section`.
pub fn find(name: &str, section: Section) -> Found {
    if let Some(spec) = spec(name).filter(|spec| spec.sections.contains(&section)) {
        return Found::Key(spec);
    }
    let hint = suggestion(name);
    if !section.is_mutmut() {
        return Found::Unknown { hint };
    }
    if MUTMUT_MACHINERY.contains(&name) {
        Found::MutmutMachinery
    } else if MUTMUT_IGNORED.contains(&name) {
        Found::IgnoredMutmutOption
    } else {
        Found::UnknownInMutmutSection { hint }
    }
}

/// The declaration of key `name`.
pub fn spec(name: &str) -> Option<&'static KeySpec> {
    KEYS.iter().find(|spec| spec.name == name)
}

/// The keys, comma-separated, for "allowed: …".
pub fn allowed() -> String {
    KEYS.iter()
        .map(|spec| spec.name)
        .collect::<Vec<_>>()
        .join(", ")
}

/// The known key closest to a misspelt one, if it is close.
fn suggestion(key: &str) -> Option<&'static str> {
    let normalized = key.to_ascii_lowercase().replace('-', "_");
    KEYS.iter()
        .map(|spec| (spec.name, strsim::levenshtein(&normalized, spec.name)))
        .filter(|(name, distance)| *distance <= 2.max(name.len() / 5))
        .min_by_key(|(_, distance)| *distance)
        .map(|(name, _)| name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readme_has_a_row_for_every_key() {
        let readme = include_str!("../../README.md");
        for spec in KEYS {
            let row = format!("| `{}` | {} | {} |", spec.name, spec.doc, spec.default);
            assert!(
                readme.contains(&row),
                "README.md lacks the row for {}: {row}",
                spec.name
            );
        }
    }

    #[test]
    fn every_flag_is_a_flag_of_mutrun_run() {
        use clap::CommandFactory;
        let cli = crate::cli::Cli::command();
        let run = cli
            .find_subcommand("run")
            .expect("mutrun has a run subcommand");
        for spec in KEYS {
            let Some(flag) = spec.flag else { continue };
            let found = match flag.strip_prefix("--").filter(|long| !long.is_empty()) {
                Some(long) => run.get_arguments().any(|arg| arg.get_long() == Some(long)),
                None => run.get_arguments().any(|arg| arg.is_last_set()),
            };
            assert!(found, "`mutrun run` has no {flag} for `{}`", spec.name);
        }
    }

    #[test]
    fn documented_defaults_are_the_defaults() {
        use super::super::value::{apply, Origin, Raw};
        use super::super::{Config, ConfigSource, Draft};
        let source = ConfigSource {
            file: "pyproject.toml".into(),
            section: "[tool.mutrun]",
        };
        let mut checked = 0;
        for spec in KEYS {
            // Only defaults written as one TOML value, e.g. `3.0` (not "`src/<pkg>`, else …").
            let Some(literal) = spec
                .default
                .strip_prefix('`')
                .and_then(|d| d.strip_suffix('`'))
            else {
                continue;
            };
            let table: toml::Table = format!("v = {literal}").parse().expect(spec.name);
            let mut draft = Draft::default();
            apply(
                spec,
                &Origin::File(&source),
                &Raw::Toml(table["v"].clone()),
                &mut draft,
            )
            .expect(spec.name);
            assert_eq!(
                draft.finish().expect(spec.name),
                Config::default(),
                "{}",
                spec.name
            );
            checked += 1;
        }
        assert_eq!(checked, 8);
    }

    #[test]
    fn names_are_unique_and_no_ignored_mutmut_option_is_a_key() {
        for (i, spec) in KEYS.iter().enumerate() {
            assert!(
                KEYS[..i].iter().all(|other| other.name != spec.name),
                "{} twice",
                spec.name
            );
            assert!(!MUTMUT_IGNORED.contains(&spec.name), "{}", spec.name);
            assert!(!MUTMUT_MACHINERY.contains(&spec.name), "{}", spec.name);
        }
    }

    #[test]
    fn suggestions() {
        assert_eq!(suggestion("wrokers"), Some("workers"));
        assert_eq!(suggestion("Paths-To-Mutate"), Some("paths_to_mutate"));
        assert_eq!(suggestion("bogus"), None);
    }
}
