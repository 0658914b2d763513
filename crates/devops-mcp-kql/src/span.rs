//! Source positions: byte spans on the query text and their conversion to
//! the 1-based line and column numbers that diagnostics report.

use serde::Serialize;

/// A half-open byte range `start..end` in the query text.
///
/// Byte offsets keep spans cheap to store on every node; [`LineIndex`]
/// turns them into line and column numbers only when a diagnostic is built.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize)]
pub struct Span {
    /// Offset of the first byte.
    pub start: usize,
    /// Offset one past the last byte.
    pub end: usize,
}

impl Span {
    /// A span from `start` to `end` (byte offsets).
    #[must_use]
    pub const fn new(start: usize, end: usize) -> Self {
        Self { start, end }
    }

    /// The smallest span covering both `self` and `other`.
    #[must_use]
    pub fn to(self, other: Span) -> Span {
        Span::new(self.start.min(other.start), self.end.max(other.end))
    }

    /// An empty span at `offset`, used for "expected X here" errors.
    #[must_use]
    pub const fn empty_at(offset: usize) -> Self {
        Self::new(offset, offset)
    }

    /// The text this span covers.
    #[must_use]
    pub fn text(self, source: &str) -> &str {
        source.get(self.start..self.end).unwrap_or("")
    }
}

/// A 1-based line and column; the column counts characters, not bytes, so
/// that editors and agents can point at the right place in non-ASCII text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct LineColumn {
    /// Line number, starting at 1.
    pub line: usize,
    /// Column number in characters, starting at 1.
    pub column: usize,
}

/// Maps byte offsets to line and column numbers.
///
/// Line breaks are the ones KQL recognises: `\r\n`, `\n`, `\r`, U+2028 and
/// U+2029.
#[derive(Debug, Clone)]
pub struct LineIndex<'a> {
    text: &'a str,
    line_starts: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    /// Indexes the line starts of `text`.
    #[must_use]
    pub fn new(text: &'a str) -> Self {
        let mut line_starts = vec![0];
        let mut chars = text.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            match c {
                '\r' => {
                    if let Some((_, '\n')) = chars.peek() {
                        chars.next();
                        line_starts.push(i + 2);
                    } else {
                        line_starts.push(i + 1);
                    }
                }
                '\n' => line_starts.push(i + 1),
                '\u{2028}' | '\u{2029}' => line_starts.push(i + c.len_utf8()),
                _ => {}
            }
        }
        Self { text, line_starts }
    }

    /// The line and column of a byte offset (clamped to the text length).
    #[must_use]
    pub fn line_column(&self, offset: usize) -> LineColumn {
        let offset = offset.min(self.text.len());
        let line = match self.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        };
        let start = self.line_starts.get(line).copied().unwrap_or(0);
        let column = self
            .text
            .get(start..offset)
            .map_or(offset - start, |s| s.chars().count());
        LineColumn {
            line: line + 1,
            column: column + 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_are_one_based_and_count_characters() {
        let text = "ab\r\nc\u{e9}d\nx";
        let index = LineIndex::new(text);
        assert_eq!(index.line_column(0), LineColumn { line: 1, column: 1 });
        assert_eq!(index.line_column(4), LineColumn { line: 2, column: 1 });
        // 'd' comes after the two-byte 'é'.
        assert_eq!(index.line_column(7), LineColumn { line: 2, column: 3 });
        assert_eq!(index.line_column(9), LineColumn { line: 3, column: 1 });
        assert_eq!(index.line_column(100), LineColumn { line: 3, column: 2 });
    }
}
