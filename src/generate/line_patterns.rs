//! `do_not_mutate_patterns`: regular expressions over source lines; a mutant whose edit touches a
//! line one of them matches (`re.search`, as mutmut) is not generated.

use std::collections::HashSet;
use std::fmt;

/// The configured patterns, compiled once per run. Compared and fingerprinted by their text.
#[derive(Clone, Default)]
pub struct LinePatterns {
    sources: Vec<String>,
    compiled: Vec<fancy_regex::Regex>,
}

impl LinePatterns {
    /// Compiles `patterns` (already checked by the config reader; one that does not compile here
    /// is reported the same way).
    pub fn new(patterns: &[String]) -> Result<LinePatterns, String> {
        let compiled = patterns
            .iter()
            .map(|p| {
                fancy_regex::Regex::new(p).map_err(|e| {
                    format!("do_not_mutate_patterns: `{p}` is not a valid regular expression: {e}")
                })
            })
            .collect::<Result<_, _>>()?;
        Ok(LinePatterns {
            sources: patterns.to_vec(),
            compiled,
        })
    }

    pub fn is_empty(&self) -> bool {
        self.compiled.is_empty()
    }

    /// The patterns, one per line, for the generation fingerprint.
    pub fn fingerprint(&self) -> String {
        self.sources.join("\n")
    }

    /// The 1-based numbers of the lines of `source` one pattern matches. A pattern whose
    /// matching fails (fancy_regex's backtrack limit) counts as matching: no mutant rather than
    /// one the user asked to leave alone.
    pub fn matching_lines(&self, source: &str) -> HashSet<usize> {
        if self.is_empty() {
            return HashSet::new();
        }
        source
            .split('\n')
            .enumerate()
            .filter(|(_, line)| {
                let line = line.strip_suffix('\r').unwrap_or(line);
                self.compiled
                    .iter()
                    .any(|re| re.is_match(line).unwrap_or(true))
            })
            .map(|(i, _)| i + 1)
            .collect()
    }
}

impl PartialEq for LinePatterns {
    fn eq(&self, other: &Self) -> bool {
        self.sources == other.sources
    }
}

impl fmt::Debug for LinePatterns {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("LinePatterns").field(&self.sources).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_searched_not_matched_whole() {
        let patterns =
            LinePatterns::new(&[r"log(ger)?\.".to_string(), r"^\s*assert\b".to_string()]).unwrap();
        let source = "a = 1\nlogger.info(a)\r\n  assert a\nx = 'log.'\nassertion = 2\n";
        let mut lines: Vec<_> = patterns.matching_lines(source).into_iter().collect();
        lines.sort();
        assert_eq!(lines, [2, 3, 4]);
        assert!(LinePatterns::default().matching_lines(source).is_empty());
    }

    #[test]
    fn python_syntax_and_errors() {
        // Lookarounds and named groups, as in Python's `re`.
        let patterns = LinePatterns::new(&[r"(?P<name>print)\((?!\))".to_string()]).unwrap();
        assert_eq!(
            patterns.matching_lines("print()\nprint(1)\n"),
            HashSet::from([2])
        );
        let err = LinePatterns::new(&["(".to_string()]).unwrap_err();
        assert!(err.starts_with("do_not_mutate_patterns: `(` is not a valid regular expression"));
        assert_eq!(patterns.fingerprint(), r"(?P<name>print)\((?!\))");
    }
}
