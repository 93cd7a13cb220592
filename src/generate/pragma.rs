//! Code left alone: `# pragma: no mutate` comments, read as mutmut 3.8 reads them, and the lines
//! coverage.py is configured to exclude (`# pragma: no cover`, `exclude_lines`, `exclude_also`).
//!
//! Spellings (mutmut's; a comment holding `# pragma:` and `no mutate`, the word after `no mutate`
//! and an optional `:` deciding):
//! - `# pragma: no mutate` — the line it ends; at the end of a statement also the statement's first
//!   line (mutmut marks that line), on a compound statement's header the header only.
//! - `# pragma: no mutate block` (or `: block`) ending a `def`/`class` line or a decorator line —
//!   the whole definition; ending another compound header (`if`, `for`, `with`, `try`, `else`, …)
//!   — the header and its indented body (not the `elif`/`else` after it). On a line of its own —
//!   from the next statement to the end of the block that statement is in.
//!   `no mutate: function` / `: class` (mutrun's older spelling) reads as `block`.
//! - `# pragma: no mutate start` … `# pragma: no mutate end`, each on a line of its own — every
//!   line between them, inclusive. An `end` without a `start`, a `start` never closed, a region
//!   opened inside another, or a `block` inside a region or after a `block` in the same body is
//!   an error ([`PragmaError`]), as in mutmut.
//!
//! Coverage exclusions ([`CoverageExclusions`]) follow coverage.py's reading of its regexes (a
//! matched line excludes its statement; a matched line that opens a suite excludes the suite; a
//! matched decorator or signature excludes the definition), then mutmut's: every statement
//! starting on an excluded line is left alone whole, an `if` with its `elif`/`else`, a `try` with
//! its handlers.

use std::collections::BTreeSet;

use ruff_python_ast::token::{TokenKind, Tokens};
use ruff_text_size::Ranged;
use serde::{Deserialize, Serialize};

use crate::domain::lines::LineIndex;

/// Why code was left alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SkipReason {
    /// `# pragma: no mutate` on the line.
    NoMutate,
    /// `# pragma: no mutate block`.
    NoMutateBlock,
    /// Between `# pragma: no mutate start` and `# pragma: no mutate end`.
    NoMutateRegion,
    /// coverage.py is configured to exclude it (`# pragma: no cover`, `exclude_lines`, …).
    CoverageExcluded,
}

impl SkipReason {
    /// How `list --skipped` names it.
    pub fn label(self) -> &'static str {
        match self {
            SkipReason::NoMutate => "pragma: no mutate",
            SkipReason::NoMutateBlock => "pragma: no mutate block",
            SkipReason::NoMutateRegion => "pragma: no mutate start/end",
            SkipReason::CoverageExcluded => "coverage exclusion",
        }
    }

    pub fn is_pragma(self) -> bool {
        self != SkipReason::CoverageExcluded
    }
}

/// A misplaced `start`/`end`/`block` pragma: the file cannot be read as its author meant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PragmaError {
    /// 1-based line of the offending comment.
    pub line: usize,
    pub message: String,
}

impl PragmaError {
    pub fn describe(&self, path: &std::path::Path) -> String {
        format!("{}:{}: {}", path.display(), self.line, self.message)
    }
}

/// coverage.py's exclusion regexes for this project, compiled once.
#[derive(Debug, Clone)]
pub struct CoverageExclusions {
    /// Where they come from (`pyproject.toml [tool.coverage.report]`, or coverage.py's defaults).
    pub origin: String,
    pub patterns: Vec<String>,
    regex: regex::Regex,
}

impl PartialEq for CoverageExclusions {
    fn eq(&self, other: &Self) -> bool {
        self.patterns == other.patterns
    }
}

impl CoverageExclusions {
    /// Compiles `patterns` (Python `re` syntax) as coverage.py joins them: one alternation,
    /// searched with `re.MULTILINE`. The error names `origin` and the pattern at fault.
    pub fn new(origin: &str, patterns: Vec<String>) -> Result<CoverageExclusions, String> {
        for pattern in &patterns {
            if let Err(e) = regex::RegexBuilder::new(&python_regex(pattern))
                .multi_line(true)
                .build()
            {
                return Err(format!(
                    "{origin}: cannot read the exclusion regex {pattern:?} (mutrun reads \
                     coverage.py's patterns with Rust's regex syntax, which has no look-around \
                     or backreferences): {e}"
                ));
            }
        }
        let joined = patterns
            .iter()
            .map(|p| format!("(?:{})", python_regex(p)))
            .collect::<Vec<_>>()
            .join("|");
        let regex = regex::RegexBuilder::new(&joined)
            .multi_line(true)
            .build()
            .map_err(|e| format!("{origin}: cannot read the exclusion regexes: {e}"))?;
        Ok(CoverageExclusions {
            origin: origin.to_string(),
            patterns,
            regex,
        })
    }

    /// 0-based lines touched by a match, as coverage.py's `lines_matching` counts them (a match
    /// ending just after a newline touches the next line too). `text` has `\n` line ends.
    fn lines_matching(&self, text: &str) -> BTreeSet<usize> {
        let mut lines = BTreeSet::new();
        let mut counted_to = 0;
        let mut line = 0;
        for found in self.regex.find_iter(text) {
            line += text[counted_to..found.start()].matches('\n').count();
            counted_to = found.start();
            let last = line + text[found.start()..found.end()].matches('\n').count();
            lines.extend(line..=last);
        }
        lines
    }
}

/// Python `re` spellings the regex crate writes differently: `\Z` (end of text) is `\z`.
fn python_regex(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len());
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('Z') => out.push_str("\\z"),
                Some(next) => {
                    out.push('\\');
                    out.push(next);
                }
                None => out.push('\\'),
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PragmaKind {
    Bare,
    Block,
    Start,
    End,
}

/// Reads one comment as mutmut does; `None` when it is not a no-mutate pragma.
fn classify(comment: &str) -> Option<PragmaKind> {
    if !comment.contains("# pragma:") {
        return None;
    }
    let at = comment.find("no mutate")?;
    let tail = comment[at + "no mutate".len()..].trim();
    let tail = tail.trim_start_matches([':', ' ']);
    let word = tail
        .split(',')
        .next()
        .and_then(|w| w.split_whitespace().next());
    Some(match word {
        Some("block" | "function" | "class") => PragmaKind::Block,
        Some("start") => PragmaKind::Start,
        Some("end") => PragmaKind::End,
        _ => PragmaKind::Bare,
    })
}

/// One logical line: a simple statement, or a compound statement's header (with a one-line body
/// when it has one), or a decorator.
#[derive(Debug, Clone)]
struct Logical {
    /// 0-based first and last line.
    first: usize,
    last: usize,
    /// Indentation depth (number of enclosing indented blocks).
    depth: usize,
    /// Column (bytes) of its first token.
    column: usize,
    /// The kind of its first token (`def`, `if`, `@`, `else`, …).
    first_kind: TokenKind,
    /// The kind of the token after `async`, for `async def`/`for`/`with`.
    second_kind: TokenKind,
    /// Ends with `:` outside brackets.
    ends_with_colon: bool,
}

impl Logical {
    fn keyword(&self) -> TokenKind {
        if self.first_kind == TokenKind::Async {
            self.second_kind
        } else {
            self.first_kind
        }
    }

    fn is_definition(&self) -> bool {
        matches!(self.keyword(), TokenKind::Def | TokenKind::Class)
    }

    /// A clause that continues the statement above it (`elif`, `else`, `except`, `finally`).
    fn is_continuation(&self) -> bool {
        matches!(
            self.first_kind,
            TokenKind::Elif | TokenKind::Else | TokenKind::Except | TokenKind::Finally
        )
    }
}

/// A pragma comment and where it stands.
#[derive(Debug, Clone, Copy)]
struct Comment {
    kind: PragmaKind,
    /// 0-based line and column (in bytes from the line start).
    line: usize,
    column: usize,
    /// On a line of its own (not after code).
    standalone: bool,
    /// After code, inside brackets: the line is part of a statement that goes on.
    in_brackets: bool,
    /// Standalone: the index of the next logical line; after code: of the one it ends.
    logical: usize,
}

/// Logical lines and pragma comments of a token stream.
struct Layout {
    logical: Vec<Logical>,
    comments: Vec<Comment>,
}

fn layout(source: &str, tokens: &Tokens, lines: &LineIndex) -> Layout {
    let mut logical: Vec<Logical> = Vec::new();
    let mut comments = Vec::new();
    let mut open: Option<Logical> = None;
    let mut nesting: usize = 0;
    let mut depth: usize = 0;
    let mut previous_kind = TokenKind::Newline;
    for token in tokens.iter() {
        let kind = token.kind();
        let start = usize::from(token.start());
        match kind {
            TokenKind::Indent => depth += 1,
            TokenKind::Dedent => depth = depth.saturating_sub(1),
            TokenKind::Newline => {
                if let Some(mut line) = open.take() {
                    line.ends_with_colon = previous_kind == TokenKind::Colon;
                    line.last = line.last.max(lines.line_of(start));
                    logical.push(line);
                }
                nesting = 0;
            }
            TokenKind::NonLogicalNewline | TokenKind::EndOfFile => {}
            TokenKind::Comment => {
                let text = &source[start..usize::from(token.end())];
                if let Some(pragma) = classify(text) {
                    let line = lines.line_of(start);
                    comments.push(Comment {
                        kind: pragma,
                        line,
                        column: start - lines.line_start(line),
                        standalone: open.is_none(),
                        in_brackets: nesting > 0,
                        logical: logical.len(),
                    });
                }
            }
            _ => {
                let line = lines.line_of(start);
                match &mut open {
                    None => {
                        open = Some(Logical {
                            first: line,
                            last: line,
                            depth,
                            column: start - lines.line_start(line),
                            first_kind: kind,
                            second_kind: TokenKind::Unknown,
                            ends_with_colon: false,
                        });
                    }
                    Some(current) if current.second_kind == TokenKind::Unknown => {
                        current.second_kind = kind;
                    }
                    Some(_) => {}
                }
                if let Some(current) = &mut open {
                    let end = usize::from(token.end()).saturating_sub(1).max(start);
                    current.last = current.last.max(lines.line_of(end));
                }
                match kind {
                    TokenKind::Lpar | TokenKind::Lsqb | TokenKind::Lbrace => nesting += 1,
                    TokenKind::Rpar | TokenKind::Rsqb | TokenKind::Rbrace => {
                        nesting = nesting.saturating_sub(1)
                    }
                    _ => {}
                }
                previous_kind = kind;
                continue;
            }
        }
        if !kind.is_trivia() {
            previous_kind = kind;
        }
    }
    if let Some(mut line) = open.take() {
        line.ends_with_colon = previous_kind == TokenKind::Colon;
        logical.push(line);
    }
    Layout { logical, comments }
}

impl Layout {
    /// The last line of the indented body under logical line `i`, when it has one.
    fn body_end(&self, i: usize) -> Option<usize> {
        let header = &self.logical[i];
        let next = self.logical.get(i + 1)?;
        if !header.ends_with_colon || next.depth <= header.depth {
            return None;
        }
        Some(self.block_end(i + 1, header.depth + 1))
    }

    /// The last line of the run of logical lines from `i` at depth `depth` or deeper.
    fn block_end(&self, i: usize, depth: usize) -> usize {
        let mut end = self.logical[i].last;
        for line in &self.logical[i..] {
            if line.depth < depth {
                break;
            }
            end = end.max(line.last);
        }
        end
    }

    /// The last line of the statement starting at logical line `i`: its body, and for an `if`,
    /// loop or `try` the `elif`/`else`/`except`/`finally` clauses after it.
    fn statement_end(&self, i: usize) -> usize {
        let header = &self.logical[i];
        let mut end = self.body_end(i).unwrap_or(header.last);
        if header.is_continuation() {
            return end;
        }
        let mut j = i + 1;
        while let Some(line) = self.logical.get(j) {
            if line.first <= end {
                j += 1;
                continue;
            }
            if line.depth == header.depth && line.is_continuation() {
                end = self.body_end(j).unwrap_or(line.last);
                j += 1;
                continue;
            }
            break;
        }
        end
    }

    /// For a decorator at logical line `i`, the index of the `def`/`class` it decorates.
    fn decorated(&self, i: usize) -> Option<usize> {
        let depth = self.logical[i].depth;
        (i..self.logical.len())
            .take_while(|&j| self.logical[j].depth == depth)
            .find(|&j| self.logical[j].first_kind != TokenKind::At)
            .filter(|&j| self.logical[j].is_definition())
    }
}

/// The code of one file that no mutation may touch, and why.
#[derive(Debug, Clone)]
pub struct Pragmas {
    lines: LineIndex,
    /// Per 0-based line: why no mutation may touch it.
    line: Vec<Option<SkipReason>>,
    /// Per 0-based line: a `def`/`class` starting here is left alone whole (mutmut's "ignored
    /// node" lines: `block` pragmas and coverage exclusions).
    whole: Vec<Option<SkipReason>>,
}

impl Pragmas {
    /// The `# pragma: no mutate` comments of a file.
    pub fn scan(source: &str, tokens: &Tokens) -> Result<Pragmas, PragmaError> {
        Pragmas::scan_with(source, tokens, None)
    }

    /// The pragmas and, when given, coverage.py's exclusions.
    pub fn scan_with(
        source: &str,
        tokens: &Tokens,
        exclusions: Option<&CoverageExclusions>,
    ) -> Result<Pragmas, PragmaError> {
        let lines = LineIndex::new(source);
        let count = lines.line_count();
        let layout = layout(source, tokens, &lines);
        let mut pragmas = Pragmas {
            lines,
            line: vec![None; count],
            whole: vec![None; count],
        };
        pragmas.read_comments(&layout)?;
        if let Some(exclusions) = exclusions {
            pragmas.read_exclusions(source, &layout, exclusions);
        }
        Ok(pragmas)
    }

    fn mark(&mut self, first: usize, last: usize, reason: SkipReason, whole: bool) {
        let last = last.min(self.line.len().saturating_sub(1));
        for line in first..=last {
            self.line[line].get_or_insert(reason);
            if whole {
                self.whole[line].get_or_insert(reason);
            }
        }
    }

    fn read_comments(&mut self, layout: &Layout) -> Result<(), PragmaError> {
        // An open `start`: its line. An open standalone `block`: its line, depth and last line.
        let mut region: Option<usize> = None;
        let mut block: Option<(usize, usize, usize)> = None;
        for comment in &layout.comments {
            let line = comment.line;
            if !comment.standalone {
                if comment.in_brackets {
                    if comment.kind == PragmaKind::Bare {
                        self.mark(line, line, SkipReason::NoMutate, false);
                    }
                    continue;
                }
                let Some(statement) = layout.logical.get(comment.logical) else {
                    continue;
                };
                if comment.kind == PragmaKind::Block {
                    let target = if statement.first_kind == TokenKind::At {
                        layout.decorated(comment.logical)
                    } else {
                        Some(comment.logical)
                    };
                    if let Some((t, end)) =
                        target.and_then(|t| layout.body_end(t).map(|end| (t, end)))
                    {
                        let whole = layout.logical[t].is_definition();
                        let first = if whole {
                            statement.first
                        } else {
                            layout.logical[t].first
                        };
                        self.mark(first, end, SkipReason::NoMutateBlock, true);
                        continue;
                    }
                }
                self.mark(
                    statement.first,
                    statement.first,
                    SkipReason::NoMutate,
                    false,
                );
                self.mark(line, line, SkipReason::NoMutate, false);
                continue;
            }
            // A comment on a line of its own.
            let owner = layout
                .logical
                .get(comment.logical)
                .filter(|next| !self.is_footer(layout, comment, next));
            let same_body_block = |block: Option<(usize, usize, usize)>| {
                block.filter(|&(_, depth, end)| {
                    owner.is_some_and(|next| next.depth == depth && next.first <= end)
                })
            };
            match comment.kind {
                PragmaKind::Bare => self.mark(line, line, SkipReason::NoMutate, false),
                PragmaKind::Start => {
                    if let Some(open) = region {
                        return Err(error(
                            line,
                            format!(
                                "`# pragma: no mutate start` inside the region opened at line {}: \
                                 regions cannot nest; end that one with `# pragma: no mutate end` \
                                 first",
                                open + 1
                            ),
                        ));
                    }
                    if let Some((opened, _, _)) = same_body_block(block) {
                        return Err(after_block(line, opened, "start"));
                    }
                    region = Some(line);
                }
                PragmaKind::End => {
                    let Some(open) = region.take() else {
                        return Err(error(
                            line,
                            "`# pragma: no mutate end` without a `# pragma: no mutate start` \
                             above it: remove it, or put the start (on a line of its own) where \
                             the region begins"
                                .to_string(),
                        ));
                    };
                    self.mark(open, line, SkipReason::NoMutateRegion, false);
                }
                PragmaKind::Block => {
                    if let Some(open) = region {
                        return Err(error(
                            line,
                            format!(
                                "`# pragma: no mutate block` inside the region opened at line {}: \
                                 the region already leaves this code alone; remove one of them",
                                open + 1
                            ),
                        ));
                    }
                    if let Some((opened, _, _)) = same_body_block(block) {
                        return Err(after_block(line, opened, "block"));
                    }
                    match owner {
                        Some(next) => {
                            let end = layout.block_end(comment.logical, next.depth);
                            self.mark(line, end, SkipReason::NoMutateBlock, false);
                            block = Some((line, next.depth, end));
                        }
                        None => self.mark(line, line, SkipReason::NoMutate, false),
                    }
                }
            }
        }
        if let Some(open) = region {
            return Err(error(
                open,
                "`# pragma: no mutate start` is never ended: add `# pragma: no mutate end`, on a \
                 line of its own, where the region ends"
                    .to_string(),
            ));
        }
        Ok(())
    }

    /// A comment line after the last statement of a block, indented as deep as that block: it
    /// belongs to the block that ends (as LibCST reads it), not to the statement after it.
    fn is_footer(&self, layout: &Layout, comment: &Comment, next: &Logical) -> bool {
        let Some(previous) = comment.logical.checked_sub(1).map(|i| &layout.logical[i]) else {
            return false;
        };
        if previous.depth <= next.depth {
            return false;
        }
        // The outermost block that ends here: its statements' column.
        layout.logical[..comment.logical]
            .iter()
            .rev()
            .take_while(|line| line.depth > next.depth)
            .find(|line| line.depth == next.depth + 1)
            .is_some_and(|line| comment.column >= line.column)
    }

    fn read_exclusions(&mut self, source: &str, layout: &Layout, exclusions: &CoverageExclusions) {
        let text;
        let source = if source.contains('\r') {
            text = source.replace("\r\n", "\n");
            &text
        } else {
            source
        };
        let count = self.line.len();
        // Each line inside a logical line → that logical line's index.
        let mut logical_of: Vec<Option<usize>> = vec![None; count];
        for (i, line) in layout.logical.iter().enumerate() {
            for slot in logical_of.iter_mut().take(line.last + 1).skip(line.first) {
                *slot = Some(i);
            }
        }
        let first_line = |line: usize| {
            logical_of
                .get(line)
                .copied()
                .flatten()
                .map_or(line, |i| layout.logical[i].first)
        };
        // coverage.py: matched lines, as the first lines of their statements.
        let matched: BTreeSet<usize> = exclusions
            .lines_matching(source)
            .into_iter()
            .filter(|&l| l < count)
            .map(first_line)
            .collect();
        // A matched line in a suite's header (or a matched decorator) excludes the suite.
        let mut excluded = matched.clone();
        let mut excluding: Option<usize> = None;
        let mut decorators_excluded = false;
        for (i, line) in layout.logical.iter().enumerate() {
            if let Some(depth) = excluding {
                if line.depth <= depth {
                    excluding = None;
                } else {
                    excluded.insert(line.first);
                    continue;
                }
            }
            if line.first_kind == TokenKind::At {
                decorators_excluded |= matched.contains(&line.first);
                if decorators_excluded {
                    excluded.insert(line.first);
                }
                continue;
            }
            let hit = decorators_excluded || matched.range(line.first..=line.last).next().is_some();
            decorators_excluded = false;
            if hit && layout.body_end(i).is_some() {
                excluded.insert(line.first);
                excluding = Some(line.depth);
            }
        }
        // mutmut: each statement starting on an excluded line is left alone whole.
        for (i, line) in layout.logical.iter().enumerate() {
            if !excluded.contains(&line.first) {
                continue;
            }
            let end = if line.first_kind == TokenKind::At || line.is_continuation() {
                layout.body_end(i).unwrap_or(line.last)
            } else {
                layout.statement_end(i)
            };
            self.mark(line.first, end, SkipReason::CoverageExcluded, true);
        }
        for line in excluded {
            if line < count {
                self.mark(line, line, SkipReason::CoverageExcluded, true);
            }
        }
    }

    /// True when any line of `start..end` (byte offsets) is left alone.
    pub fn excludes_range(&self, start: usize, end: usize) -> bool {
        self.range_reason(start, end).is_some()
    }

    /// Why a line of `start..end` (byte offsets) is left alone, if one is.
    pub fn range_reason(&self, start: usize, end: usize) -> Option<SkipReason> {
        let first = self.lines.line_of(start);
        let last = self.lines.line_of(end.max(start));
        self.line[first..=last.min(self.line.len() - 1)]
            .iter()
            .find_map(|r| *r)
    }

    /// Why the definition whose `def`/`class` line holds `offset` is left alone whole, if it is.
    pub fn definition_reason(&self, offset: usize) -> Option<SkipReason> {
        self.whole
            .get(self.lines.line_of(offset))
            .copied()
            .flatten()
    }

    /// True when the definition whose `def`/`class` line holds `offset` is left alone whole.
    pub fn excludes_definition(&self, offset: usize) -> bool {
        self.definition_reason(offset).is_some()
    }

    /// Why every line of `start..end` (byte offsets) is left alone: the first line's reason, when
    /// none of them may be mutated.
    pub fn whole_range_reason(&self, start: usize, end: usize) -> Option<SkipReason> {
        let first = self.lines.line_of(start);
        let last = self.lines.line_of(end.max(start)).min(self.line.len() - 1);
        let reasons = &self.line[first..=last];
        reasons
            .iter()
            .all(Option::is_some)
            .then(|| reasons[0])
            .flatten()
    }

    /// Why the 0-based `line` is left alone, if it is.
    pub fn line_reason(&self, line: usize) -> Option<SkipReason> {
        self.line.get(line).copied().flatten()
    }
}

fn error(line: usize, message: String) -> PragmaError {
    PragmaError {
        line: line + 1,
        message,
    }
}

fn after_block(line: usize, block: usize, what: &str) -> PragmaError {
    error(
        line,
        format!(
            "`# pragma: no mutate {what}` after the `# pragma: no mutate block` at line {}, which \
             already leaves the rest of this block alone; remove one of them",
            block + 1
        ),
    )
}

#[cfg(test)]
mod tests;
