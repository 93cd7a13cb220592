//! The configuration loader end to end: files, sections, values, errors and CLI overrides.

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
    assert!(config.debug);
    assert_eq!(config.max_stack_depth, Some(8));
    assert_eq!(config.describe_source(), "pyproject.toml [tool.mutmut]");
    assert!(config.warnings.is_empty(), "{:?}", config.warnings);
}

/// Every key mutmut 3.8.1's `configuration.py` reads, as a mutmut 3.8 user writes them.
#[test]
fn every_mutmut_3_8_key_is_accepted() {
    let config = load_ok(&[(
        "pyproject.toml",
        r#"
[tool.mutmut]
source_paths = ["src/app"]
paths_to_mutate = ["src/old"]
tests_dir = ["tests/"]
only_mutate = ["src/app/api/*", "src/app/core.py"]
do_not_mutate = ["*/generated/*"]
do_not_mutate_patterns = ['log\.(debug|info)\(', '^\s*print\(', "x{1,3}"]
also_copy = ["fixtures"]
max_stack_depth = 3
debug = true
mutate_only_covered_lines = true
pytest_add_cli_args = ["-p", "no:randomly"]
pytest_add_cli_args_test_selection = ["-m", "not slow"]
timeout_multiplier = 15.0
timeout_constant = 1.0
type_check_command = []
use_setproctitle = false
track_dependencies = true
dependency_tracking_depth = -1
cache_invalidation_files = ["data/*.json", "uv.lock"]
cache_invalidation_exclude = ["notes/*"]
on_dependency_change = "rerun"
use_git_change_detection = false
process_isolation = "forkserver"
forkserver_warmup = "import"
max_forkserver_restarts = 3
preload_modules_file = "preload.txt"
log_to_file = true
log_file_path = "mutants/debug.log"
"#,
    )]);
    // source_paths wins over the old paths_to_mutate, whatever the order.
    assert_eq!(config.paths_to_mutate, Some(vec![PathBuf::from("src/app")]));
    assert_eq!(config.tests_dir, vec![PathBuf::from("tests")]);
    assert_eq!(config.only_mutate, ["src/app/api/*", "src/app/core.py"]);
    assert_eq!(config.do_not_mutate, ["*/generated/*"]);
    assert_eq!(
        config.do_not_mutate_patterns,
        [r"log\.(debug|info)\(", r"^\s*print\(", "x{1,3}"]
    );
    assert_eq!(config.also_copy, [PathBuf::from("fixtures")]);
    assert_eq!(config.max_stack_depth, Some(3));
    assert!(config.debug && config.log_to_file && config.mutate_only_covered_lines);
    assert_eq!(
        config.pytest_add_cli_args_test_selection,
        ["-m", "not slow"]
    );
    assert_eq!(config.timeout_multiplier, 15.0);
    assert_eq!(config.timeout_constant, 1.0);
    assert!(config.type_check_command.is_empty());
    assert_eq!(config.cache_invalidation_files, ["data/*.json", "uv.lock"]);
    assert_eq!(config.cache_invalidation_exclude, ["notes/*"]);
    assert_eq!(config.log_file_path, PathBuf::from("mutants/debug.log"));
    assert!(config.warnings.is_empty(), "{:?}", config.warnings);
    // One note, one line, for all the machinery keys present (a TOML table's keys come sorted).
    assert_eq!(config.notes.len(), 1, "{:?}", config.notes);
    let note = &config.notes[0];
    assert!(!note.contains('\n'));
    assert!(
        note.starts_with(
            "pyproject.toml [tool.mutmut]: `dependency_tracking_depth`, `forkserver_warmup`, \
             `max_forkserver_restarts`, `on_dependency_change`, `preload_modules_file`, \
             `process_isolation`, `track_dependencies`, `use_git_change_detection`, \
             `use_setproctitle` steer mutmut's own processes and caches; mutrun needs none"
        ),
        "{note}"
    );
    // The same in the other order: source_paths still wins.
    let config = load_ok(&[(
        "pyproject.toml",
        "[tool.mutmut]\nsource_paths = [\"a\"]\npaths_to_mutate = [\"b\"]\n",
    )]);
    assert_eq!(config.paths_to_mutate, Some(vec![PathBuf::from("a")]));
    assert!(config.notes.is_empty());
}

#[test]
fn mutmut_defaults_where_mutrun_gives_the_meaning() {
    let config = load_ok(&[("pyproject.toml", "[tool.mutmut]\n")]);
    assert_eq!(config.max_stack_depth, None);
    assert!(!config.debug && !config.log_to_file);
    assert_eq!(
        config.log_file_path,
        PathBuf::from("mutants/mutmut-debug.log")
    );
    assert!(config.only_mutate.is_empty() && config.do_not_mutate_patterns.is_empty());
    let config = load_ok(&[("pyproject.toml", "[tool.mutmut]\nmax_stack_depth = -1\n")]);
    assert_eq!(config.max_stack_depth, None);
}

#[test]
fn mutmut_keys_in_setup_cfg() {
    let config = load_ok(&[(
        "setup.cfg",
        "[mutmut]\nsource_paths = src/app\nonly_mutate =\n    src/app/*\n\
         do_not_mutate_patterns =\n    log\\.(debug|info)\n    x{1,3}\n\
         max_stack_depth = 2\ndebug = true\nprocess_isolation = fork\ntype_check_command =\n",
    )]);
    assert_eq!(config.paths_to_mutate, Some(vec![PathBuf::from("src/app")]));
    assert_eq!(config.only_mutate, ["src/app/*"]);
    // Lines, not commas: a comma may be part of a regular expression.
    assert_eq!(
        config.do_not_mutate_patterns,
        [r"log\.(debug|info)", "x{1,3}"]
    );
    assert_eq!(config.max_stack_depth, Some(2));
    assert!(config.debug);
    assert!(config.type_check_command.is_empty());
    assert_eq!(config.notes.len(), 1);
    assert!(
        config.notes[0].starts_with("setup.cfg [mutmut]: `process_isolation` steer"),
        "{}",
        config.notes[0]
    );
}

#[test]
fn unknown_keys_in_mutmut_sections_are_warnings() {
    let config = load_ok(&[(
        "pyproject.toml",
        "[tool.mutmut]\nsource_paths = [\"src\"]\nmax_stack_dept = 2\nbogus = 1\n",
    )]);
    assert_eq!(
        config.warnings,
        [
            "pyproject.toml: [tool.mutmut] key `bogus` is not an option mutmut 3.8 reads; ignored",
            "pyproject.toml: [tool.mutmut] key `max_stack_dept` is not an option mutmut 3.8 reads \
             (did you mean `max_stack_depth`?); ignored",
        ]
    );
    let config = load_ok(&[("setup.cfg", "[mutmut]\nbogus = 1\n")]);
    assert_eq!(
        config.warnings,
        ["setup.cfg: [mutmut] key `bogus` is not an option mutmut 3.8 reads; ignored"]
    );
    // Machinery keys are mutmut's: in [tool.mutrun] they are unknown, with a suggestion.
    let got = load_err(&[(
        "pyproject.toml",
        "[tool.mutrun]\nprocess_isolation = \"fork\"\n",
    )]);
    assert!(
        got.starts_with("pyproject.toml: [tool.mutrun] unknown key `process_isolation`; allowed: "),
        "{got}"
    );
    let got = load_err(&[("pyproject.toml", "[tool.mutrun]\nonly_mutat = []\n")]);
    assert!(
        got.starts_with(
            "pyproject.toml: [tool.mutrun] unknown key `only_mutat` (did you mean `only_mutate`?)"
        ),
        "{got}"
    );
}

#[test]
fn wrong_values_of_mutmut_keys() {
    let cases: &[(&str, &str)] = &[
        (
            "max_stack_depth = 0",
            "pyproject.toml: [tool.mutmut] key `max_stack_depth` must be -1 (no limit) or a positive integer, got 0",
        ),
        (
            "max_stack_depth = \"3\"",
            "pyproject.toml: [tool.mutmut] key `max_stack_depth` must be -1 (no limit) or a positive integer, got \"3\"",
        ),
        (
            "do_not_mutate_patterns = [\"log(\"]",
            "pyproject.toml: [tool.mutmut] key `do_not_mutate_patterns`: `log(` is not a valid regular expression: ",
        ),
        (
            "only_mutate = [\"src/[a.py\"]",
            "pyproject.toml: [tool.mutmut] key `only_mutate`: `src/[a.py` is not a valid glob: unclosed character class; missing ']'",
        ),
        (
            "log_file_path = \"/tmp/x.log\"",
            "pyproject.toml: [tool.mutmut] key `log_file_path`: `/tmp/x.log` is an absolute path; ",
        ),
        (
            "debug = \"yes\"",
            "pyproject.toml: [tool.mutmut] key `debug` must be true or false, got \"yes\"",
        ),
        (
            "source_paths = [\"../elsewhere\"]",
            "pyproject.toml: [tool.mutmut] key `source_paths`: `../elsewhere` is outside the project",
        ),
    ];
    for (body, expected) in cases {
        let got = load_err(&[("pyproject.toml", &format!("[tool.mutmut]\n{body}\n"))]);
        assert!(got.starts_with(expected), "for {body}: {got}");
    }
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
        vec!["setup.cfg: [mutmut] key `runner` is a mutmut option mutrun does not use; ignored"]
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
         paths_to_mutate, source_paths, tests_dir, also_copy, do_not_mutate, only_mutate, \
         do_not_mutate_patterns, max_stack_depth, pytest_add_cli_args, \
         pytest_add_cli_args_test_selection, workers, timeout_multiplier, timeout_constant, \
         python, memory_limit_mb, test_command, operators, disable_operators, \
         mutate_only_covered_lines, coverage, type_check_command, cache_invalidation_files, \
         cache_invalidation_exclude, debug, log_to_file, log_file_path"
    );
    // mutmut 2's options are only tolerated in mutmut's sections.
    let got = load_err(&[("pyproject.toml", "[tool.mutrun]\nrunner = 'pytest'\n")]);
    assert!(
        got.starts_with("pyproject.toml: [tool.mutrun] unknown key `runner`; allowed: "),
        "{got}"
    );
    // In mutmut's own section an unknown key is a warning: that section is mutmut's.
    let config = load_ok(&[("pyproject.toml", "[tool.mutmut]\npaths-to-mutate = 'x'\n")]);
    assert_eq!(
        config.warnings,
        ["pyproject.toml: [tool.mutmut] key `paths-to-mutate` is not an option mutmut 3.8 reads \
          (did you mean `paths_to_mutate`?); ignored"]
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
        load_err(&[(
            "pyproject.toml",
            "[tool.mutrun]\nalso_copy = [\"data/../../x\"]\n"
        )]),
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
