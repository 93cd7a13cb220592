//! What a user sees when the project is not as mutrun expects (`fixtures/broken/*`): the message
//! names the file, key or test at fault, and the exit code is the documented one.

mod common;

/// `mutrun run` on a copy of `fixtures/broken/NAME`: (exit code, stdout + stderr).
fn run_broken(name: &str) -> (tempfile::TempDir, std::path::PathBuf, Option<i32>, String) {
    let (guard, project) = common::fixture(&format!("broken/{name}"));
    let out = common::mutrun(&project, &["run", "--no-progress"]);
    let text = common::text(&out);
    (guard, project, out.status.code(), text)
}

#[test]
fn a_file_that_does_not_parse_is_named_with_its_position_and_the_rest_still_runs() {
    let (_guard, project, code, text) = run_broken("syntax_error");
    assert_eq!(code, Some(0), "{text}");
    // `pkg/bad.py:LINE:COL: syntax error …; copied unmutated`
    let warning = text
        .lines()
        .find(|l| l.starts_with("mutrun: warning: pkg/bad.py:"))
        .unwrap_or_else(|| panic!("no warning naming pkg/bad.py:\n{text}"));
    let position: Vec<&str> = warning["mutrun: warning: pkg/bad.py:".len()..]
        .splitn(3, ':')
        .collect();
    assert!(
        position.len() == 3
            && position[0].parse::<usize>().is_ok_and(|l| l >= 5)
            && position[1].parse::<usize>().is_ok(),
        "no line:column in {warning}"
    );
    assert!(position[2].contains("syntax error"), "{warning}");
    assert!(warning.contains("copied unmutated"), "{warning}");
    // The good file is mutated and its mutants are judged; the bad one has none.
    let v = common::verdicts(&project);
    assert!(!v.is_empty(), "{text}");
    assert!(
        v.keys().all(|id| id.starts_with("pkg.good.double:")),
        "{v:?}"
    );
    assert!(v.values().all(|v| v == "killed"), "{v:?}");
    // The unparsable file is still in mutants/, as it was, for the tests that might import it.
    assert_eq!(
        std::fs::read(project.join("mutants/pkg/bad.py")).expect("copied"),
        std::fs::read(project.join("pkg/bad.py")).expect("original")
    );
}

#[test]
fn no_sources_names_the_places_searched_and_the_config_key() {
    let (_guard, project, code, text) = run_broken("no_sources");
    assert_eq!(code, Some(2), "{text}");
    assert!(
        text.contains("mutrun: error: no Python files to mutate found"),
        "{text}"
    );
    assert!(text.contains("src/"), "{text}");
    assert!(text.contains("project root"), "{text}");
    assert!(text.contains("`paths_to_mutate`"), "{text}");
    assert!(text.contains("[tool.mutrun] in pyproject.toml"), "{text}");
    assert!(
        !project.join("mutants").exists(),
        "nothing is written: {text}"
    );
}

#[test]
fn an_unknown_config_key_is_named_with_its_file() {
    let (_guard, _project, code, text) = run_broken("bad_config/unknown_key");
    assert_eq!(code, Some(2), "{text}");
    assert!(text.contains("pyproject.toml"), "{text}");
    assert!(text.contains("unknown key `wrokers`"), "{text}");
    assert!(text.contains("did you mean `workers`?"), "{text}");
}

#[test]
fn a_config_value_of_the_wrong_type_is_named_with_its_file() {
    let (_guard, _project, code, text) = run_broken("bad_config/wrong_type");
    assert_eq!(code, Some(2), "{text}");
    assert!(text.contains("pyproject.toml"), "{text}");
    assert!(text.contains("`workers`"), "{text}");
    assert!(text.contains("positive integer"), "{text}");
    assert!(text.contains(r#"got "4""#), "{text}");
}

#[test]
fn a_test_failing_without_mutants_is_named_and_stops_the_run_with_code_4() {
    let (_guard, project, code, text) = run_broken("failing_clean");
    assert_eq!(code, Some(4), "{text}");
    assert!(
        text.contains("tests/test_ops.py::test_subtract_fails_without_mutants"),
        "{text}"
    );
    assert!(
        !text.contains("tests/test_ops.py::test_subtract_passes"),
        "only the failing test is named: {text}"
    );
    assert!(text.contains("fail with no mutant active"), "{text}");
    // No verdict is recorded from a suite that fails on the original code.
    assert_eq!(common::saved_verdicts(&project), 0, "{text}");
}
