//! Lines changed by a unified diff (`mutrun run --in-diff FILE`, `--since GIT_REF`): a pull
//! request's run tests only the mutants on lines it touched.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;
use std::process::Command;

use crate::domain::error::{Error, Result};

/// Per file (path relative to the project root, `/`-separated), the 1-based line numbers of the
/// new version that the diff added or changed.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct ChangedLines {
    files: HashMap<String, BTreeSet<usize>>,
}

impl ChangedLines {
    /// Whether any line in `first..=last` of `file` changed.
    pub fn touches(&self, file: &str, first: usize, last: usize) -> bool {
        self.files
            .get(file)
            .is_some_and(|lines| lines.range(first..=last.max(first)).next().is_some())
    }

    pub fn files(&self) -> usize {
        self.files.len()
    }

    /// Parses a unified diff (`git diff`, `diff -u`). Paths lose their `a/`/`b/` prefixes;
    /// deleted files are ignored (they have no mutants).
    pub fn parse(diff: &str) -> Result<ChangedLines> {
        let mut changed = ChangedLines::default();
        let mut file: Option<String> = None;
        let mut line = 0usize;
        let mut saw_hunk = false;
        for text in diff.lines() {
            if let Some(path) = text.strip_prefix("+++ ") {
                let path = path.split('\t').next().unwrap_or(path).trim();
                file = (path != "/dev/null").then(|| strip_side_prefix(path).to_string());
                continue;
            }
            if text.starts_with("--- ") {
                continue;
            }
            if let Some(header) = text.strip_prefix("@@ ") {
                line = hunk_new_start(header).ok_or_else(|| {
                    Error::usage(format!("bad hunk header in the diff: `@@ {header}`"))
                })?;
                saw_hunk = true;
                continue;
            }
            let Some(path) = &file else { continue };
            match text.as_bytes().first() {
                Some(b'+') => {
                    changed.files.entry(path.clone()).or_default().insert(line);
                    line += 1;
                }
                Some(b'-') | Some(b'\\') => {}
                _ => line += 1,
            }
        }
        if !saw_hunk && !diff.trim().is_empty() {
            return Err(Error::usage(
                "the diff has no hunks (`@@ … @@` lines): pass a unified diff, such as `git diff` prints",
            ));
        }
        Ok(changed)
    }

    /// The lines changed since `git_ref` in the work tree of `root` (`git diff --relative`, so paths
    /// are relative to the project root even when it is a folder of a larger repository).
    pub fn since(root: &Path, git_ref: &str) -> Result<ChangedLines> {
        let output = Command::new("git")
            .args([
                "diff",
                "--relative",
                "--unified=0",
                "--no-color",
                "--no-ext-diff",
                git_ref,
                "--",
            ])
            .current_dir(root)
            .output()
            .map_err(|e| Error::usage(format!("--since needs git, which could not run: {e}")))?;
        if !output.status.success() {
            return Err(Error::usage(format!(
                "`git diff {git_ref}` failed in {}: {}",
                root.display(),
                String::from_utf8_lossy(&output.stderr).trim()
            )));
        }
        ChangedLines::parse(&String::from_utf8_lossy(&output.stdout))
    }

    /// Reads a diff file (`-` for stdin).
    pub fn from_file(path: &Path) -> Result<ChangedLines> {
        let text = if path == Path::new("-") {
            let mut text = String::new();
            std::io::Read::read_to_string(&mut std::io::stdin(), &mut text)
                .map_err(|e| Error::usage(format!("cannot read the diff from stdin: {e}")))?;
            text
        } else {
            std::fs::read_to_string(path).map_err(|e| {
                Error::usage(format!("cannot read the diff {}: {e}", path.display()))
            })?
        };
        ChangedLines::parse(&text)
    }
}

fn strip_side_prefix(path: &str) -> &str {
    path.strip_prefix("b/")
        .or_else(|| path.strip_prefix("a/"))
        .unwrap_or(path)
}

/// `-a,b +c,d @@ …` → `c`.
fn hunk_new_start(header: &str) -> Option<usize> {
    let new = header.split_whitespace().find(|p| p.starts_with('+'))?;
    new[1..].split(',').next()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const DIFF: &str = "\
diff --git a/pkg/mod.py b/pkg/mod.py
index 1..2 100644
--- a/pkg/mod.py
+++ b/pkg/mod.py
@@ -3,2 +3,3 @@ def f():
 keep = 1
-old = 2
+new = 2
+added = 3
@@ -20 +21 @@
-x
+y
--- a/gone.py
+++ /dev/null
@@ -1 +0,0 @@
-bye
";

    #[test]
    fn added_lines_are_numbered_in_the_new_file() {
        let changed = ChangedLines::parse(DIFF).expect("parses");
        assert!(!changed.touches("pkg/mod.py", 3, 3));
        assert!(changed.touches("pkg/mod.py", 4, 4));
        assert!(changed.touches("pkg/mod.py", 5, 5));
        assert!(!changed.touches("pkg/mod.py", 6, 20));
        assert!(changed.touches("pkg/mod.py", 21, 21));
        assert!(changed.touches("pkg/mod.py", 1, 30));
        assert!(!changed.touches("other.py", 1, 100));
        assert_eq!(changed.files(), 1);
    }

    #[test]
    fn text_that_is_not_a_diff_is_refused() {
        let err = ChangedLines::parse("hello\n").err().map(|e| e.to_string());
        assert!(err.is_some_and(|e| e.contains("no hunks")));
    }
}
