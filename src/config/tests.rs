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
         paths_to_mutate, tests_dir, also_copy, do_not_mutate, pytest_add_cli_args, \
         pytest_add_cli_args_test_selection, workers, timeout_multiplier, timeout_constant, \
         python, memory_limit_mb, test_command, operators, disable_operators, \
         mutate_only_covered_lines, coverage, type_check_command"
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
