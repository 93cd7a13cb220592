//! Where each line of a source file is in its trampolined rewrite, and back: the rewrite only
//! inserts lines (variants, the dispatch statement), so an original line moves down by the
//! insertions above it, unless an insertion splits it. Used to read the stats pass's executed
//! lines (recorded in the trampolined files) as source lines.

use std::collections::HashMap;

/// Where each original line is in the rewritten file.
#[derive(Debug, Default, PartialEq)]
pub struct LineMap {
    /// `rendered[l - 1]`: the rewritten file's line holding original line `l`; `None` when the
    /// rewrite split that line (its text is on more than one line).
    rendered: Vec<Option<usize>>,
}

impl LineMap {
    /// The map for `source` rewritten by inserting, at each byte offset, that many line breaks.
    pub fn new(source: &str, inserted: &[(usize, usize)]) -> LineMap {
        let mut starts = vec![0];
        starts.extend(source.match_indices('\n').map(|(i, _)| i + 1));
        if starts.last() == Some(&source.len()) && !source.is_empty() {
            starts.pop();
        }
        let mut rendered = Vec::with_capacity(starts.len());
        let mut shift = 0;
        let mut inserts = inserted.iter().peekable();
        for (i, &start) in starts.iter().enumerate() {
            let end = starts.get(i + 1).copied().unwrap_or(usize::MAX);
            // Insertions at the start of this line push it down; ones inside it split it (and
            // push only the lines after it down).
            let mut split = false;
            let mut later = 0;
            while let Some(&&(offset, breaks)) = inserts.peek() {
                if offset >= end {
                    break;
                }
                if offset <= start {
                    shift += breaks;
                } else {
                    split |= breaks > 0;
                    later += breaks;
                }
                inserts.next();
            }
            rendered.push((!split).then_some(i + 1 + shift));
            shift += later;
        }
        LineMap { rendered }
    }

    pub fn rendered(&self, line: usize) -> Option<usize> {
        self.rendered.get(line.checked_sub(1)?).copied().flatten()
    }

    /// The other way: the original line each line of the rewritten file holds, for the original
    /// lines the rewrite did not split (inserted lines hold none).
    pub fn originals(&self) -> HashMap<usize, usize> {
        self.rendered
            .iter()
            .enumerate()
            .filter_map(|(i, r)| r.map(|r| (r, i + 1)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_move_down_past_insertions_and_split_lines_are_unknown() {
        let source = "a\nb\nc d\ne\n";
        // Two lines before `b`; one break inside `c d` (after `c `); one line before `e`.
        let map = LineMap::new(source, &[(2, 2), (6, 1), (8, 1)]);
        assert_eq!(map.rendered(1), Some(1));
        assert_eq!(map.rendered(2), Some(4));
        assert_eq!(map.rendered(3), None);
        assert_eq!(map.rendered(4), Some(8));
        assert_eq!(map.rendered(5), None);
        assert_eq!(map.rendered(0), None);
        let back = map.originals();
        assert_eq!(back.get(&4), Some(&2));
        assert_eq!(back.get(&8), Some(&4));
        assert_eq!((back.get(&2), back.get(&5)), (None, None));
    }

    #[test]
    fn a_same_line_insertion_without_breaks_keeps_the_line() {
        let map = LineMap::new("x = 1; y = 2\nz\n", &[(7, 0)]);
        assert_eq!(map.rendered(1), Some(1));
        assert_eq!(map.rendered(2), Some(2));
    }
}
