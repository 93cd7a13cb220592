//! `mutrun results --format`: the verdicts as other tools read them — JUnit XML for CI
//! dashboards, GitHub workflow-command annotations, and the mutation-testing-report-schema JSON
//! (version 2) that Stryker's HTML report and dashboard read.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{json, Value};

use crate::coverage::Coverage;
use crate::domain::verdict::Verdict;
use crate::record::meta::{FileMeta, MutantMeta};
use crate::report::{current_verdict, one_line, ATTENTION};

/// The `--format` values of `mutrun results`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Survivors (then timeouts, crashes, suspicious) and the score, for people.
    Text,
    /// Our own JSON: a summary and one object per mutant (ARCHITECTURE.md).
    Json,
    /// JUnit XML: each mutant a test case, survivors failing.
    Junit,
    /// GitHub Actions workflow commands: a warning annotation on each survivor's line.
    Github,
    /// mutation-testing-report-schema JSON, version 2 (Stryker's report format).
    Stryker,
}

/// The schema's name for a verdict (`None`: not run yet).
pub fn stryker_status(verdict: Option<Verdict>) -> &'static str {
    match verdict {
        Some(Verdict::Killed) => "Killed",
        Some(Verdict::Survived) => "Survived",
        Some(Verdict::NoTests) => "NoCoverage",
        Some(Verdict::Timeout) => "Timeout",
        Some(Verdict::Crashed) | Some(Verdict::Suspicious) => "RuntimeError",
        Some(Verdict::Skipped) | Some(Verdict::Ignored) => "Ignored",
        Some(Verdict::CaughtByTypeCheck) => "CompileError",
        None => "Pending",
    }
}

/// The mutation-testing-report-schema (v2) document for `files`. `root` is the project root,
/// where the original sources are read from; `coverage` (from the stats pass) fills `coveredBy`
/// and the `testFiles` section.
pub fn stryker_report(files: &[FileMeta], root: &Path, coverage: Option<&Coverage>) -> Value {
    let mut report_files = serde_json::Map::new();
    for file in files {
        let source = std::fs::read_to_string(root.join(&file.source)).unwrap_or_default();
        let mutants: Vec<Value> = file
            .mutants
            .iter()
            .map(|m| stryker_mutant(file, m, coverage))
            .collect();
        report_files.insert(
            file.source.clone(),
            json!({"language": "python", "source": source, "mutants": mutants}),
        );
    }
    let mut doc = json!({
        "schemaVersion": "2",
        "thresholds": {"high": 80, "low": 60},
        "projectRoot": root.display().to_string(),
        "files": report_files,
    });
    if let Some(coverage) = coverage {
        doc["testFiles"] = stryker_test_files(coverage, root);
    }
    doc
}

fn stryker_mutant(file: &FileMeta, mutant: &MutantMeta, coverage: Option<&Coverage>) -> Value {
    let record = file.valid_verdict(mutant);
    let mut value = json!({
        "id": mutant.id.as_str(),
        "mutatorName": mutant.operator.name(),
        "replacement": mutant.replacement,
        "location": {
            "start": {"line": mutant.line, "column": mutant.column},
            "end": {"line": mutant.end_line, "column": mutant.end_column},
        },
        "status": stryker_status(record.map(|r| r.verdict)),
    });
    if let Some(record) = record {
        value["duration"] = json!((record.seconds * 1000.0).round() as u64);
        value["testsCompleted"] = json!(record.tests_run.len());
        if let Some(killer) = &record.killer {
            value["killedBy"] = json!([killer]);
        }
        if let Some(detail) = &record.detail {
            value["statusReason"] = json!(detail);
        }
    }
    if let Some(coverage) = coverage {
        let covered: Vec<&str> = coverage
            .tests_for(&mutant.function)
            .iter()
            .map(|t| t.id.as_str())
            .collect();
        value["coveredBy"] = json!(covered);
    }
    value
}

/// `testFiles`: the tests of the stats pass grouped by file (the node id up to `::`).
fn stryker_test_files(coverage: &Coverage, root: &Path) -> Value {
    let mut by_file: BTreeMap<&str, Vec<Value>> = BTreeMap::new();
    for test in &coverage.tests {
        let file = test.id.split("::").next().unwrap_or(&test.id);
        by_file
            .entry(file)
            .or_default()
            .push(json!({"id": test.id, "name": test.id}));
    }
    let mut out = serde_json::Map::new();
    for (file, tests) in by_file {
        let source = std::fs::read_to_string(root.join(file)).unwrap_or_default();
        out.insert(file.to_string(), json!({"tests": tests, "source": source}));
    }
    Value::Object(out)
}

/// JUnit XML: one `<testcase>` per mutant with a verdict; survivors (and the other verdicts
/// that need attention) are failures, `no tests` and not-run mutants are skipped.
pub fn junit(files: &[FileMeta]) -> String {
    let mut cases = String::new();
    let (mut tests, mut failures, mut skipped) = (0, 0, 0);
    for file in files {
        for mutant in &file.mutants {
            let verdict = current_verdict(file, mutant);
            tests += 1;
            let name = format!(
                "{} [{}] {} → {}",
                mutant.id,
                mutant.operator.name(),
                one_line(&mutant.original),
                one_line(&mutant.replacement)
            );
            let record = file.valid_verdict(mutant);
            let seconds = record.map_or(0.0, |r| r.seconds);
            cases.push_str(&format!(
                "    <testcase classname=\"{}\" name=\"{}\" file=\"{}\" line=\"{}\" time=\"{seconds:.3}\"",
                xml_escape(&file.module),
                xml_escape(&name),
                xml_escape(&file.source),
                mutant.line
            ));
            match verdict {
                Some(v) if ATTENTION.contains(&v) => {
                    failures += 1;
                    cases.push_str(&format!(
                        ">\n      <failure message=\"{}: {}:{}\">{}</failure>\n    </testcase>\n",
                        v.name(),
                        xml_escape(&file.source),
                        mutant.line,
                        xml_escape(record.and_then(|r| r.detail.as_deref()).unwrap_or(v.name()))
                    ));
                }
                Some(Verdict::NoTests)
                | Some(Verdict::Skipped)
                | Some(Verdict::Ignored)
                | Some(Verdict::CaughtByTypeCheck)
                | None => {
                    skipped += 1;
                    let why = verdict.map_or("not run yet", |v| v.name());
                    cases.push_str(&format!(
                        ">\n      <skipped message=\"{why}\"/>\n    </testcase>\n"
                    ));
                }
                Some(_) => cases.push_str("/>\n"),
            }
        }
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n  <testsuite name=\"mutrun\" tests=\"{tests}\" failures=\"{failures}\" skipped=\"{skipped}\" errors=\"0\">\n{cases}  </testsuite>\n</testsuites>\n"
    )
}

/// GitHub Actions workflow commands: one `::warning` per mutant that needs attention.
pub fn github(files: &[FileMeta]) -> String {
    let mut out = String::new();
    for file in files {
        for mutant in &file.mutants {
            let Some(verdict) = current_verdict(file, mutant) else {
                continue;
            };
            if !ATTENTION.contains(&verdict) {
                continue;
            }
            let message = format!(
                "{} mutant {} [{}]: {} → {} (mutrun show {})",
                verdict.name(),
                mutant.id,
                mutant.operator.name(),
                one_line(&mutant.original),
                one_line(&mutant.replacement),
                mutant.id
            );
            out.push_str(&format!(
                "::warning file={},line={},endLine={},col={},title=mutrun: {}::{}\n",
                gh_property(&file.source),
                mutant.line,
                mutant.end_line,
                mutant.column,
                verdict.name(),
                gh_data(&message)
            ));
        }
    }
    out
}

fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Control characters other than tab/newline are not allowed in XML 1.0.
            c if (c as u32) < 0x20 && c != '\t' && c != '\n' && c != '\r' => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c => out.push(c),
        }
    }
    out
}

/// Escaping of a workflow command's message (GitHub's `escapeData`).
fn gh_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escaping of a workflow command's property value (GitHub's `escapeProperty`).
fn gh_property(text: &str) -> String {
    gh_data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workflow_commands_escape_what_github_parses() {
        assert_eq!(gh_data("50% a\nb"), "50%25 a%0Ab");
        assert_eq!(gh_property("a:b,c"), "a%3Ab%2Cc");
    }

    #[test]
    fn xml_escapes_markup_and_control_characters() {
        assert_eq!(
            xml_escape("a < b && \"c\"\u{1}"),
            "a &lt; b &amp;&amp; &quot;c&quot;\\x01"
        );
    }

    #[test]
    fn every_verdict_maps_to_a_schema_status() {
        let allowed = [
            "Killed",
            "Survived",
            "NoCoverage",
            "CompileError",
            "RuntimeError",
            "Timeout",
            "Ignored",
            "Pending",
        ];
        for verdict in Verdict::ALL.iter().map(|v| Some(*v)).chain([None]) {
            assert!(allowed.contains(&stryker_status(verdict)));
        }
    }
}
