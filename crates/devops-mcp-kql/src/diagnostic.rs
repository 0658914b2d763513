//! Diagnostics an agent can act on: what is wrong, where (line and
//! column), what was expected, and a "did you mean" suggestion found by
//! edit distance.

use std::fmt;

use serde::Serialize;

use crate::span::{LineIndex, Span};

/// How serious a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The query cannot run as written.
    Error,
    /// The query runs but probably does not do what was meant.
    Warning,
}

/// One problem found in a query.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// A stable identifier for the kind of problem (`syntax`,
    /// `management-command`, `unknown-table`, `unknown-column`,
    /// `unknown-function`, `type-mismatch`, ...).
    pub code: &'static str,
    /// What is wrong, in one or two sentences.
    pub message: String,
    /// 1-based line of the start of the problem.
    pub line: usize,
    /// 1-based column (in characters) of the start of the problem.
    pub column: usize,
    /// 1-based line of the end of the problem.
    pub end_line: usize,
    /// 1-based column just past the end of the problem.
    pub end_column: usize,
    /// Byte range of the problem in the query text.
    pub span: Span,
    /// What would have been valid at this position (tokens or kinds of
    /// element), when known.
    pub expected: Vec<String>,
    /// The closest valid name or token, when the problem looks like a typo.
    pub suggestion: Option<String>,
}

impl Diagnostic {
    /// Builds a diagnostic for `span` in `text`.
    pub(crate) fn new(
        text: &str,
        severity: Severity,
        code: &'static str,
        message: String,
        span: Span,
    ) -> Self {
        Self::with_index(&LineIndex::new(text), severity, code, message, span)
    }

    /// Like [`Diagnostic::new`], reusing a line index.
    pub(crate) fn with_index(
        index: &LineIndex<'_>,
        severity: Severity,
        code: &'static str,
        message: String,
        span: Span,
    ) -> Self {
        let start = index.line_column(span.start);
        let end = index.line_column(span.end);
        Self {
            severity,
            code,
            message,
            line: start.line,
            column: start.column,
            end_line: end.line,
            end_column: end.column,
            span,
            expected: Vec::new(),
            suggestion: None,
        }
    }

    /// Sets what was expected.
    #[must_use]
    pub(crate) fn expecting(mut self, expected: Vec<String>) -> Self {
        self.expected = expected;
        self
    }

    /// Sets the suggestion.
    #[must_use]
    pub(crate) fn suggesting(mut self, suggestion: Option<String>) -> Self {
        self.suggestion = suggestion;
        self
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let severity = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(
            f,
            "{severity} at line {}, column {}: {}",
            self.line, self.column, self.message
        )?;
        if let Some(suggestion) = &self.suggestion
            && !self.message.contains("Did you mean")
        {
            write!(f, " Did you mean `{suggestion}`?")?;
        }
        Ok(())
    }
}

/// Optimal-string-alignment edit distance (insertions, deletions,
/// substitutions and adjacent transpositions), compared case-insensitively
/// because case slips are the most common typo in KQL names.
#[must_use]
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().flat_map(char::to_lowercase).collect();
    let b: Vec<char> = b.chars().flat_map(char::to_lowercase).collect();
    let (n, m) = (a.len(), b.len());
    if n == 0 || m == 0 {
        return n.max(m);
    }
    let width = m + 1;
    let mut d = vec![0usize; (n + 1) * width];
    for i in 0..=n {
        d[i * width] = i;
    }
    for (j, cell) in d.iter_mut().enumerate().take(m + 1) {
        *cell = j;
    }
    for i in 1..=n {
        for j in 1..=m {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[(i - 1) * width + j] + 1)
                .min(d[i * width + j - 1] + 1)
                .min(d[(i - 1) * width + j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[(i - 2) * width + j - 2] + 1);
            }
            d[i * width + j] = best;
        }
    }
    d[n * width + m]
}

/// The candidate closest to `name`, if it is close enough to be a likely
/// typo: at most one edit for short names, up to a third of the length for
/// longer ones. An exact case-insensitive match always wins.
#[must_use]
pub fn closest<'a, I>(name: &str, candidates: I) -> Option<String>
where
    I: IntoIterator<Item = &'a str>,
{
    let limit = (name.chars().count() / 3).max(1);
    let mut best: Option<(usize, &str)> = None;
    for candidate in candidates {
        if candidate == name {
            continue;
        }
        if candidate.eq_ignore_ascii_case(name) {
            return Some(candidate.to_string());
        }
        let distance = edit_distance(name, candidate);
        if distance <= limit && best.is_none_or(|(d, _)| distance < d) {
            best = Some((distance, candidate));
        }
    }
    best.map(|(_, c)| c.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances() {
        assert_eq!(edit_distance("where", "where"), 0);
        assert_eq!(edit_distance("wehre", "where"), 1);
        assert_eq!(edit_distance("summarise", "summarize"), 1);
        assert_eq!(edit_distance("projct", "project"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("Timestamp", "timestamp"), 0);
    }

    #[test]
    fn closest_candidate() {
        let ops = ["where", "project", "summarize", "extend"];
        assert_eq!(closest("wher", ops), Some("where".to_string()));
        assert_eq!(closest("summarise", ops), Some("summarize".to_string()));
        assert_eq!(closest("xyz", ops), None);
        assert_eq!(
            closest("timestamp", ["TimeGenerated", "Timestamp"]),
            Some("Timestamp".to_string())
        );
    }
}
