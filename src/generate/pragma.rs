//! `# pragma: no mutate` comments: which lines, blocks and definitions are left alone.
//!
//! Spellings (mutmut's first, so existing annotations keep working):
//! - `# pragma: no mutate` — no mutation on that line (on a `def` line: only that line, as mutmut).
//! - `# pragma: no mutate: function` / `# pragma: no mutate: class` on a `def`/`class` line — the whole
//!   definition. (`no mutate function`, without the colon, is accepted too.)
//! - `# pragma: no mutate start` … `# pragma: no mutate end` — every line between them, inclusive.
//!   A `start` without `end` runs to the end of the file.

use ruff_python_ast::token::{TokenKind, Tokens};
use ruff_text_size::Ranged;

use crate::domain::lines::LineIndex;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PragmaKind {
    Line,
    Definition,
    Start,
    End,
}

/// Parse one comment's text; `None` when it is not a no-mutate pragma.
fn classify(comment: &str) -> Option<PragmaKind> {
    let at = comment.find("pragma:")?;
    let rest = comment[at + "pragma:".len()..].trim_start();
    let rest = rest.strip_prefix("no mutate")?;
    let word = rest
        .trim_start_matches([':', ' ', '\t', '-'])
        .split(|c: char| !c.is_alphanumeric())
        .next()
        .unwrap_or("");
    Some(match word {
        "start" | "begin" => PragmaKind::Start,
        "end" | "stop" => PragmaKind::End,
        "function" | "class" | "def" => PragmaKind::Definition,
        _ => PragmaKind::Line,
    })
}

/// The no-mutate lines of one file.
#[derive(Debug, Clone)]
pub struct Pragmas {
    lines: LineIndex,
    /// Per 0-based line: no mutation may touch it.
    excluded: Vec<bool>,
    /// Per 0-based line: inside a `start`/`end` block.
    in_block: Vec<bool>,
    /// Per 0-based line: a definition starting here is excluded whole.
    whole_definition: Vec<bool>,
}

impl Pragmas {
    pub fn scan(source: &str, tokens: &Tokens) -> Pragmas {
        let lines = LineIndex::new(source);
        let count = lines.line_count();
        let mut excluded = vec![false; count];
        let mut in_block = vec![false; count];
        let mut whole_definition = vec![false; count];
        let mut block_start: Option<usize> = None;
        for token in tokens.iter() {
            if token.kind() != TokenKind::Comment {
                continue;
            }
            let start = usize::from(token.start());
            let Some(kind) = classify(&source[start..usize::from(token.end())]) else {
                continue;
            };
            let line = lines.line_of(start);
            match kind {
                PragmaKind::Line => excluded[line] = true,
                PragmaKind::Definition => {
                    excluded[line] = true;
                    whole_definition[line] = true;
                }
                PragmaKind::Start => {
                    block_start.get_or_insert(line);
                }
                PragmaKind::End => {
                    if let Some(first) = block_start.take() {
                        in_block[first..=line].iter_mut().for_each(|e| *e = true);
                    }
                }
            }
        }
        if let Some(first) = block_start {
            in_block[first..].iter_mut().for_each(|e| *e = true);
        }
        for (line_excluded, blocked) in excluded.iter_mut().zip(&in_block) {
            *line_excluded |= *blocked;
        }
        Pragmas {
            lines,
            excluded,
            in_block,
            whole_definition,
        }
    }

    /// True when any line of `start..end` (byte offsets) is excluded.
    pub fn excludes_range(&self, start: usize, end: usize) -> bool {
        let first = self.lines.line_of(start);
        let last = self.lines.line_of(end.max(start));
        self.excluded[first..=last].iter().any(|e| *e)
    }

    /// True when the definition whose header line holds `offset` is excluded whole, either by a
    /// definition pragma on that line or by a `start`/`end` block around it.
    pub fn excludes_definition(&self, offset: usize) -> bool {
        let line = self.lines.line_of(offset);
        self.whole_definition[line] || self.in_block[line]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pragmas(source: &str) -> Pragmas {
        let parsed = ruff_python_parser::parse_module(source).expect("test source parses");
        Pragmas::scan(source, parsed.tokens())
    }

    fn offset_of(source: &str, needle: &str) -> usize {
        source.find(needle).expect("needle in test source")
    }

    #[test]
    fn line_pragma_excludes_only_its_line() {
        let src = "def f(x=1):  # pragma: no mutate\n    return x + 1\n";
        let p = pragmas(src);
        assert!(p.excludes_range(offset_of(src, "1)"), offset_of(src, "1)") + 1));
        assert!(!p.excludes_range(offset_of(src, "x + 1"), offset_of(src, "x + 1") + 5));
        assert!(!p.excludes_definition(offset_of(src, "def")));
    }

    #[test]
    fn definition_pragma_excludes_whole_function() {
        let src = "def f():  # pragma: no mutate: function\n    return 1\n";
        let p = pragmas(src);
        assert!(p.excludes_definition(offset_of(src, "def")));
    }

    #[test]
    fn block_pragma_covers_lines_between_markers() {
        let src =
            "a = 1\n# pragma: no mutate start\nb = 2\nc = 3\n# pragma: no mutate end\nd = 4\n";
        let p = pragmas(src);
        assert!(!p.excludes_range(0, 1));
        assert!(p.excludes_range(offset_of(src, "b = 2"), offset_of(src, "b = 2") + 1));
        assert!(p.excludes_range(offset_of(src, "c = 3"), offset_of(src, "c = 3") + 1));
        assert!(!p.excludes_range(offset_of(src, "d = 4"), offset_of(src, "d = 4") + 1));
    }

    #[test]
    fn pragma_inside_a_string_is_not_a_pragma() {
        let src = "x = '# pragma: no mutate'\n";
        assert!(!pragmas(src).excludes_range(0, 1));
    }
}
