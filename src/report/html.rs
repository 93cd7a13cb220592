//! `mutrun report --html DIR`: one self-contained `index.html` built on Stryker's
//! mutation-testing-elements web component (embedded, so the report works offline) and the
//! mutation-testing-report-schema document of `src/report/formats.rs`.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::domain::atomic::write_atomic;
use crate::domain::error::{Error, Result};

/// The web component's browser bundle (npm mutation-testing-elements 3.9.0, Apache-2.0).
const ELEMENTS_JS: &str =
    include_str!("../../assets/mutation-testing-elements/mutation-test-elements.js");

/// Writes `dir/index.html` showing `report`; returns its path.
pub fn write(dir: &Path, report: &Value) -> Result<PathBuf> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io("create", dir, e))?;
    let path = dir.join("index.html");
    write_atomic(&path, page(report).as_bytes())?;
    Ok(path)
}

/// The page: the bundle and the report inlined into `<script>` elements.
pub fn page(report: &Value) -> String {
    let json = serde_json::to_string(report).unwrap_or_else(|_| "{}".into());
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>mutrun mutation report</title>\n<script>{}</script>\n</head>\n<body>\n\
         <mutation-test-report-app title-postfix=\"mutrun\"></mutation-test-report-app>\n\
         <script>document.querySelector('mutation-test-report-app').report = {};</script>\n\
         </body>\n</html>\n",
        script_safe(ELEMENTS_JS),
        script_safe(&json)
    )
}

/// Text that cannot end the `<script>` element it is inlined into.
fn script_safe(text: &str) -> String {
    text.replace("</script", "<\\/script")
        .replace("</SCRIPT", "<\\/SCRIPT")
        .replace("<!--", "<\\!--")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_text_cannot_close_the_script_element() {
        let report =
            serde_json::json!({"files": {"a.py": {"source": "x = '</script><script>alert(1)'"}}});
        let html = page(&report);
        assert_eq!(
            html.matches("</script>").count(),
            2,
            "only our own two closing tags"
        );
        assert!(html.contains("<\\/script><script>alert(1)"));
    }
}
