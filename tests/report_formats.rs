//! `mutrun results --format`: the Stryker report validates against the published
//! mutation-testing-report-schema (fetched from npm), the JUnit XML parses and fails exactly the
//! survivors, and the GitHub annotations point at the survivors' lines.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

/// The schema file of the npm package `mutation-testing-report-schema`, fetched once into target/.
fn stryker_schema() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/report-schema");
    let schema = dir.join("package/src/mutation-testing-report-schema.json");
    if schema.exists() {
        return schema;
    }
    std::fs::create_dir_all(&dir).expect("create target/report-schema");
    let packed = Command::new("npm")
        .args(["pack", "mutation-testing-report-schema@3", "--silent"])
        .current_dir(&dir)
        .output()
        .expect("npm must be installed to fetch the report schema");
    assert!(
        packed.status.success(),
        "npm pack failed: {}",
        common::text(&packed)
    );
    let tarball = String::from_utf8_lossy(&packed.stdout).trim().to_string();
    let unpacked = Command::new("tar")
        .args(["xzf", &tarball])
        .current_dir(&dir)
        .status()
        .expect("tar");
    assert!(
        unpacked.success() && schema.exists(),
        "no schema in {tarball}"
    );
    schema
}

/// The test interpreter with `jsonschema` installed (pip, on first use).
fn python_with_jsonschema() -> PathBuf {
    let python = common::python();
    let has = |p: &Path| {
        Command::new(p)
            .args(["-c", "import jsonschema"])
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if !has(&python) {
        let installed = Command::new(&python)
            .args(["-m", "pip", "install", "-q", "jsonschema"])
            .status()
            .is_ok_and(|s| s.success());
        assert!(
            installed && has(&python),
            "could not pip install jsonschema"
        );
    }
    python
}

fn run_simple() -> (tempfile::TempDir, PathBuf) {
    let (guard, project) = common::fixture("simple");
    let run = common::mutrun(&project, &["run", "--no-progress"]);
    assert!(run.status.success(), "{}", common::text(&run));
    (guard, project)
}

#[test]
fn stryker_report_validates_against_the_published_schema() {
    let (_guard, project) = run_simple();
    let out = common::mutrun(&project, &["results", "--format", "stryker"]);
    assert!(out.status.success(), "{}", common::text(&out));
    let report_path = project.join("report.json");
    std::fs::write(&report_path, &out.stdout).expect("write report");

    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let mutants = report["files"]["simple/calc.py"]["mutants"]
        .as_array()
        .expect("calc.py mutants");
    let survivor = mutants
        .iter()
        .find(|m| m["id"] == "simple.calc.is_positive:2")
        .expect("the known survivor");
    assert_eq!(survivor["status"], "Survived");
    assert_eq!(survivor["location"]["start"]["line"], 23);
    assert_eq!(
        survivor["coveredBy"],
        serde_json::json!(["tests/test_calc.py::test_is_positive"])
    );
    let killed = mutants
        .iter()
        .find(|m| m["id"] == "simple.calc.add:2")
        .expect("a killed mutant");
    assert_eq!(killed["status"], "Killed");
    assert_eq!(
        killed["killedBy"],
        serde_json::json!(["tests/test_calc.py::test_add"])
    );
    assert!(report["testFiles"]["tests/test_calc.py"]["tests"].is_array());

    let script = "import json, sys, jsonschema\n\
        schema = json.load(open(sys.argv[1]))\n\
        report = json.load(open(sys.argv[2]))\n\
        jsonschema.Draft7Validator(schema).validate(report)\n\
        print('valid')\n";
    let validated = Command::new(python_with_jsonschema())
        .args(["-c", script])
        .arg(stryker_schema())
        .arg(&report_path)
        .output()
        .expect("run python");
    assert!(
        validated.status.success(),
        "the report does not validate: {}",
        common::text(&validated)
    );
}

#[test]
fn junit_fails_exactly_the_survivors_and_github_annotates_them() {
    let (_guard, project) = run_simple();
    let out = common::mutrun(&project, &["results", "--format", "junit"]);
    assert!(out.status.success(), "{}", common::text(&out));
    let xml_path = project.join("junit.xml");
    std::fs::write(&xml_path, &out.stdout).expect("write junit");
    let script = "import sys, xml.etree.ElementTree as ET\n\
        root = ET.parse(sys.argv[1]).getroot()\n\
        for case in root.iter('testcase'):\n\
        \x20   state = 'failed' if case.find('failure') is not None else 'skipped' if case.find('skipped') is not None else 'passed'\n\
        \x20   print(case.get('name').split(' ')[0], state)\n";
    let parsed = Command::new(common::python())
        .args(["-c", script])
        .arg(&xml_path)
        .output()
        .expect("run python");
    assert!(parsed.status.success(), "{}", common::text(&parsed));
    let states = String::from_utf8_lossy(&parsed.stdout).to_string();
    let failed: Vec<&str> = states
        .lines()
        .filter(|l| l.ends_with(" failed"))
        .map(|l| l.trim_end_matches(" failed"))
        .collect();
    assert_eq!(
        failed,
        ["simple.calc.is_positive:2", "simple.calc.is_positive:3"],
        "{states}"
    );
    assert!(states.contains("simple.calc.unused:1 skipped"), "{states}");
    assert!(states.contains("simple.calc.add:1 passed"), "{states}");

    let out = common::mutrun(&project, &["results", "--format", "github"]);
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(
        lines
            .iter()
            .all(|l| l.starts_with("::warning file=simple/calc.py,line=23,")),
        "{text}"
    );
    assert!(lines[0].contains("simple.calc.is_positive:2"), "{text}");
}
