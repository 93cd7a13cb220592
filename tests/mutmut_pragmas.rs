//! Pragmas as mutmut 3.8 reads them, on a project written in its style (`fixtures/mutmut_pragmas`):
//! `no mutate block` functions, classes and decorated functions, a `start`/`end` region, a line
//! pragma, and the lines coverage.py excludes (`# pragma: no cover`, `exclude_also`) have no
//! mutants, their neighbours do, the code left alone is counted and listed, a misplaced region
//! stops with its file and line, and a changed exclusion regenerates.

mod common;

use std::collections::BTreeSet;
use std::path::Path;

/// `(id, line)` of every mutant `mutrun list --json` prints.
fn listed(project: &Path) -> Vec<(String, u64)> {
    let out = common::mutrun(project, &["list", "--json"]);
    assert!(out.status.success(), "{}", common::text(&out));
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|line| {
            let row: serde_json::Value = serde_json::from_str(line).expect("list JSON line");
            (
                row["id"].as_str().expect("id").to_string(),
                row["line"].as_u64().expect("line"),
            )
        })
        .collect()
}

fn functions(mutants: &[(String, u64)]) -> BTreeSet<String> {
    mutants
        .iter()
        .map(|(id, _)| id.rsplit_once(':').expect("id").0.to_string())
        .collect()
}

fn lines_of(mutants: &[(String, u64)], function: &str) -> BTreeSet<u64> {
    mutants
        .iter()
        .filter(|(id, _)| id.rsplit_once(':').expect("id").0 == function)
        .map(|(_, line)| *line)
        .collect()
}

#[test]
fn pragmas_and_coverage_exclusions_leave_their_code_alone_and_neighbours_mutated() {
    let (_guard, project) = common::fixture("mutmut_pragmas");
    let mutants = listed(&project);
    let functions = functions(&mutants);
    for alone in [
        "shapes.geometry.legacy_area",      // def line: no mutate block
        "shapes.geometry.Settings.scale",   // class line: no mutate block
        "shapes.geometry.cached_perimeter", // decorator line: no mutate block
        "shapes.geometry.Shape.corners",    // @abc.abstractmethod, excluded by exclude_also
    ] {
        assert!(
            !functions.contains(alone),
            "{alone} has mutants: {mutants:?}"
        );
    }
    for neighbour in [
        "shapes.geometry.area",
        "shapes.geometry.clamp",
        "shapes.geometry.describe",
        "shapes.geometry.report",
        "shapes.geometry.Shape.name",
        "shapes.geometry.Square.corners",
    ] {
        assert!(
            functions.contains(neighbour),
            "{neighbour} has no mutants: {mutants:?}"
        );
    }
    // clamp: lines 24-27 are the region; 28-30 are mutated.
    assert_eq!(
        lines_of(&mutants, "shapes.geometry.clamp"),
        BTreeSet::from([28, 29, 30])
    );
    // describe: line 34 has `# pragma: no mutate`.
    assert_eq!(
        lines_of(&mutants, "shapes.geometry.describe"),
        BTreeSet::from([35])
    );
    // report: `if width < 0:  # pragma: no cover` and its body are excluded.
    assert_eq!(
        lines_of(&mutants, "shapes.geometry.report"),
        BTreeSet::from([41])
    );
    // name: `if self.debug:` (exclude_also) and its body are excluded.
    assert_eq!(
        lines_of(&mutants, "shapes.geometry.Shape.name"),
        BTreeSet::from([54])
    );
    // sides: its one line, `raise NotImplementedError`, is excluded by exclude_also.
    assert!(lines_of(&mutants, "shapes.geometry.Shape.sides").is_empty());

    // The same in the `.meta` that generation writes, and the generate report counts it.
    let out = common::mutrun(&project, &["generate"]);
    let text = common::text(&out);
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains(
            "left alone: 3 functions and 3 lines by pragmas, 1 function and 5 lines by coverage \
             exclusions"
        ),
        "{text}"
    );
    let meta: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(project.join("mutants/shapes/geometry.py.meta")).expect("meta"),
    )
    .expect("json");
    let stored: BTreeSet<String> = meta["mutants"]
        .as_array()
        .expect("mutants")
        .iter()
        .map(|m| m["id"].as_str().expect("id").to_string())
        .collect();
    let listed_ids: BTreeSet<String> = mutants.iter().map(|(id, _)| id.clone()).collect();
    assert_eq!(stored, listed_ids);
    let skipped = meta["skipped"].as_array().expect("skipped in .meta");
    assert!(
        skipped
            .iter()
            .any(|s| s["function"] == "shapes.geometry.legacy_area"
                && s["whole_function"] == true
                && s["reason"] == "no_mutate_block"),
        "{skipped:?}"
    );
}

#[test]
fn list_skipped_names_each_function_and_line_run_with_its_reason() {
    let (_guard, project) = common::fixture("mutmut_pragmas");
    let out = common::mutrun(&project, &["list", "--skipped"]);
    let text = common::text(&out);
    assert!(out.status.success(), "{text}");
    for line in [
        "shapes/geometry.py:9-10  shapes.geometry.legacy_area  whole function  pragma: no mutate block",
        "shapes/geometry.py:14-15  shapes.geometry.Settings.scale  whole function  pragma: no mutate block",
        "shapes/geometry.py:19-20  shapes.geometry.cached_perimeter  whole function  pragma: no mutate block",
        "shapes/geometry.py:25-26  shapes.geometry.clamp  lines  pragma: no mutate start/end",
        "shapes/geometry.py:34  shapes.geometry.describe  lines  pragma: no mutate",
        "shapes/geometry.py:39-40  shapes.geometry.report  lines  coverage exclusion",
        "shapes/geometry.py:48-49  shapes.geometry.Shape.corners  whole function  coverage exclusion",
    ] {
        assert!(text.contains(line), "missing {line:?} in:\n{text}");
    }
    let json = common::mutrun(
        &project,
        &["list", "--skipped", "--json", "shapes.geometry.clamp"],
    );
    let rows: Vec<serde_json::Value> = String::from_utf8_lossy(&json.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect();
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0]["reason"], "no_mutate_region");
    assert_eq!(rows[0]["first_line"], 25);
}

#[test]
fn coverage_exclusions_apply_without_mutate_only_covered_lines_too() {
    let (_guard, project) = common::fixture("mutmut_pragmas");
    let config = project.join("pyproject.toml");
    let text = std::fs::read_to_string(&config).expect("read");
    std::fs::write(
        &config,
        text.replace("mutate_only_covered_lines = true\n", ""),
    )
    .expect("write");
    let mutants = listed(&project);
    assert!(
        !lines_of(&mutants, "shapes.geometry.report").contains(&40),
        "{mutants:?}"
    );
    assert!(!functions(&mutants).contains("shapes.geometry.Shape.corners"));
    // The pragmas still hold.
    assert!(!functions(&mutants).contains("shapes.geometry.legacy_area"));
}

#[test]
fn a_changed_exclusion_regenerates_the_file() {
    let (_guard, project) = common::fixture("mutmut_pragmas");
    let first = common::mutrun(&project, &["generate"]);
    assert!(first.status.success(), "{}", common::text(&first));
    let config = project.join("pyproject.toml");
    let text = std::fs::read_to_string(&config).expect("read");
    std::fs::write(&config, text.replace("\"if self\\\\.debug:\",\n", "")).expect("write");
    let second = common::mutrun(&project, &["generate"]);
    let out = common::text(&second);
    assert!(second.status.success(), "{out}");
    assert!(out.contains("1 rewritten"), "{out}");
    let meta =
        std::fs::read_to_string(project.join("mutants/shapes/geometry.py.meta")).expect("meta");
    assert!(
        meta.contains("\"line\": 53") || meta.contains("\"line\":53"),
        "the debug print is mutated now"
    );
}

#[test]
fn an_unclosed_or_unopened_region_stops_with_its_file_and_line() {
    let (_guard, project) = common::fixture("mutmut_pragmas");
    let source = project.join("shapes/geometry.py");
    let text = std::fs::read_to_string(&source).expect("read");
    std::fs::write(&source, text.replace("    # pragma: no mutate end\n", "")).expect("write");
    for args in [&["list"][..], &["generate"][..]] {
        let out = common::mutrun(&project, args);
        let err = common::text(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(
            err.contains("shapes/geometry.py:24: `# pragma: no mutate start` is never ended"),
            "{args:?}: {err}"
        );
    }
    std::fs::write(&source, text.replace("    # pragma: no mutate start\n", "")).expect("write");
    let out = common::mutrun(&project, &["list"]);
    let err = common::text(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("shapes/geometry.py:26: `# pragma: no mutate end` without a"),
        "{err}"
    );
}

#[test]
fn the_fixture_runs_and_its_mutated_neighbours_get_verdicts() {
    let (_guard, project) = common::fixture("mutmut_pragmas");
    common::run_ok(&project, &[]);
    let verdicts = common::verdicts(&project);
    assert_eq!(
        verdicts.get("shapes.geometry.area:2").map(String::as_str),
        Some("killed")
    );
    assert!(verdicts
        .keys()
        .all(|id| !id.starts_with("shapes.geometry.legacy_area")));
    assert!(verdicts.values().all(|v| v != "none"), "{verdicts:?}");
}
