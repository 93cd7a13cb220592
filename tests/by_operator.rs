//! `mutrun results --by-operator` on `fixtures/simple`: one row per operator with the counts of
//! its mutants by verdict (counted by hand from the fixture's source and tests), as text and JSON.

mod common;

use serde_json::Value;

/// `(mutants, killed, survived, timeout, errors, no tests)` of one JSON row.
fn counts(row: &Value) -> [u64; 6] {
    [
        "mutants", "killed", "survived", "timeout", "errors", "no_tests",
    ]
    .map(|key| {
        row[key]
            .as_u64()
            .unwrap_or_else(|| panic!("{key} in {row}"))
    })
}

#[test]
fn simple_counts_per_operator() {
    let (_guard, project) = common::fixture("simple");
    common::run_ok(&project, &[]);

    let out = common::mutrun(&project, &["results", "--by-operator", "--json"]);
    assert!(out.status.success(), "{}", common::text(&out));
    let doc: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let rows = doc["by_operator"].as_array().expect("by_operator rows");
    let row = |name: &str| {
        rows.iter()
            .find(|r| r["operator"] == name)
            .unwrap_or_else(|| panic!("no row for {name} in {doc}"))
    };
    // return_none: add, is_positive, greet, percent, bump, starting_at_ten, halve and doubled
    // are killed; `unused` has no test.
    assert_eq!(counts(row("return_none")), [9, 8, 0, 0, 0, 1]);
    // number: is_positive's `0 → 1` survives (5 and -5 do not tell), unused's `2` has no test,
    // percent, bump, starting_at_ten, halve, both doubled and accumulate's are killed.
    assert_eq!(counts(row("number")), [9, 7, 1, 0, 0, 1]);
    assert_eq!(row("number")["score"], 7.0 / 9.0);
    assert_eq!(row("number")["covered_score"], 7.0 / 8.0);
    // compare_boundary: is_positive's `>` → `>=`, the fixture's known survivor.
    assert_eq!(counts(row("compare_boundary")), [1, 0, 1, 0, 0, 0]);
    assert_eq!(row("compare_boundary")["score"], 0.0);
    // binary_op: add, greet, percent, halve and both doubled killed; unused's `*` no tests.
    assert_eq!(counts(row("binary_op")), [7, 6, 0, 0, 0, 1]);
    // Rows sum to the summary, and operators without mutants have no row.
    let total: u64 = rows
        .iter()
        .map(|r| r["mutants"].as_u64().unwrap_or(0))
        .sum();
    assert_eq!(Some(total), doc["summary"]["total"].as_u64());
    assert!(rows.iter().all(|r| r["mutants"].as_u64() > Some(0)));
    assert!(rows.iter().all(|r| r["operator"] != "lambda_body"));

    let out = common::mutrun(&project, &["results", "--by-operator"]);
    assert!(out.status.success(), "{}", common::text(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    let line = |name: &str| {
        text.lines()
            .find(|l| l.split_whitespace().next() == Some(name))
            .unwrap_or_else(|| panic!("no {name} line in:\n{text}"))
            .split_whitespace()
            .collect::<Vec<_>>()
    };
    assert_eq!(
        line("operator"),
        [
            "operator", "mutants", "killed", "survived", "timeout", "errors", "no", "tests",
            "other", "score", "covered"
        ]
    );
    assert_eq!(
        line("number"),
        ["number", "9", "7", "1", "0", "0", "1", "0", "77.8%", "87.5%"]
    );
    assert_eq!(
        line("compare_boundary"),
        [
            "compare_boundary",
            "1",
            "0",
            "1",
            "0",
            "0",
            "0",
            "0",
            "0.0%",
            "0.0%"
        ]
    );
    assert_eq!(line("total")[1], total.to_string());

    let out = common::mutrun(&project, &["results", "--by-operator", "--format", "junit"]);
    assert_eq!(out.status.code(), Some(2), "{}", common::text(&out));
}
