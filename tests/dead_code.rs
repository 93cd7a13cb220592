//! `mutrun run --dead-code` on `fixtures/dead_code`: the report lists the one statement no test
//! needs and the one function no test calls, and nothing else; only statement removals run.

mod common;

#[test]
fn the_report_lists_the_useless_statement_and_the_unreached_function_only() {
    let (_guard, project) = common::fixture("dead_code");
    let out = common::mutrun(&project, &["run", "--no-progress", "--dead-code"]);
    assert!(out.status.success(), "{}", common::text(&out));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "statements no test needs (1): removing them fails no test — delete them, or test what they do\n\
         \x20 dead/shop.py:9      checked = len(prices)\n\
         functions no test reaches (1): delete them, or write tests that call them\n\
         \x20 dead/shop.py:13-16  dead.shop.refund\n",
        "{}",
        common::text(&out)
    );

    // Only statement removals ran: every other mutant is still waiting.
    let out = common::mutrun(&project, &["results", "--all", "--json"]);
    assert!(out.status.success(), "{}", common::text(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let mutants = doc["mutants"].as_array().expect("mutants");
    let judged: Vec<(&str, &str)> = mutants
        .iter()
        .filter(|m| !m["verdict"].is_null())
        .map(|m| {
            (
                m["operator"].as_str().unwrap_or(""),
                m["original"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        judged,
        [
            ("statement_drop", "amount = 0"),
            ("statement_drop", "amount += price"),
            ("statement_drop", "checked = len(prices)"),
            ("statement_drop", "fee = 1"),
            ("statement_drop", "self.items = []"),
            ("statement_drop", "raise ValueError(\"negative price\")"),
            ("call_statement_removal", "self.items.append(price)"),
        ]
    );
    assert!(
        mutants.len() > judged.len(),
        "the configured operators' mutants are generated too"
    );
}
