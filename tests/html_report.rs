//! `mutrun report --html DIR` writes a self-contained page that headless Chromium renders with
//! the known survivor listed. Needs node/npm (playwright-core is installed into target/ on first
//! use) and Chromium (`/usr/bin/chromium`, or `$CHROMIUM`); `.ci/run` installs it.
//! The screenshot is kept as `target/html-check/report.png`.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

/// target/html-check with playwright-core installed and the check script copied in.
fn checker() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/html-check");
    std::fs::create_dir_all(&dir).expect("create target/html-check");
    if !dir.join("node_modules/playwright-core").is_dir() {
        let installed = Command::new("npm")
            .args(["install", "--silent", "--no-save", "playwright-core@1"])
            .current_dir(&dir)
            .output()
            .expect("npm must be installed");
        assert!(installed.status.success(), "{}", common::text(&installed));
    }
    let script = dir.join("check_report.mjs");
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/html/check_report.mjs"),
        &script,
    )
    .expect("copy the check script");
    script
}

#[test]
fn the_html_report_lists_the_known_survivor_in_a_real_browser() {
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    assert!(
        Path::new(&chromium).exists(),
        "Chromium is needed at {chromium} (apt-get install chromium, or set $CHROMIUM)"
    );
    let (_guard, project) = common::fixture("simple");
    let run = common::mutrun(&project, &["run", "--no-progress"]);
    assert!(run.status.success(), "{}", common::text(&run));
    let html_dir = project.join("report");
    let out = common::mutrun(
        &project,
        &["report", "--html", html_dir.to_str().expect("utf-8")],
    );
    assert!(out.status.success(), "{}", common::text(&out));
    let page = html_dir.join("index.html");
    let html = std::fs::read_to_string(&page).expect("index.html");
    assert!(
        !html.contains("src=\"http"),
        "the report must not load anything from the network"
    );

    let script = checker();
    let screenshot = script.with_file_name("report.png");
    let checked = Command::new("node")
        .arg(&script)
        .arg(&page)
        .arg("calc.py")
        .arg(&screenshot)
        .env("CHROMIUM", &chromium)
        .output()
        .expect("run node");
    assert!(checked.status.success(), "{}", common::text(&checked));
    let found: serde_json::Value =
        serde_json::from_slice(&checked.stdout).expect("JSON from the check");
    assert_eq!(found["errors"], serde_json::json!([]), "page errors");
    let dots = found["dots"].as_array().expect("dots");
    let survivor = dots
        .iter()
        .find(|d| d["id"] == "simple.calc.is_positive:2")
        .unwrap_or_else(|| panic!("the known survivor is not on the page: {dots:?}"));
    assert!(
        survivor["class"]
            .as_str()
            .is_some_and(|c| c.contains("Survived")),
        "{survivor:?}"
    );
    let texts: Vec<&str> = found["texts"]
        .as_array()
        .expect("texts")
        .iter()
        .filter_map(|t| t.as_str())
        .collect();
    assert!(texts.contains(&"is_positive"), "the source is shown");
    assert!(screenshot.exists());
}
