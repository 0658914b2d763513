//! KQL (Kusto Query Language) front end: lexer, parser and semantic
//! analysis, with no I/O and no dependency on any server or protocol.
//!
//! - [`parse`] turns query text into a [`Query`] syntax tree, or a
//!   [`ParseError`] with the line, column, expected tokens and a "did you
//!   mean" suggestion. Management commands (`.drop table ...`) are
//!   rejected: only queries are accepted.
//! - [`analyze`] resolves names against a [`Catalog`] of table schemas,
//!   applies KQL's type rules and reports [`Diagnostic`]s with positions
//!   and suggestions, plus the output schema of the query.
//!
//! - [`validate`] does both and returns every problem as diagnostics, the
//!   shape a `validate_only` request needs.
//!
//! The grammar follows Microsoft's Kusto.Language parser; the crate's
//! tests check that both accept and reject the same queries on the
//! official documentation examples.
//!
//! ```
//! use devops_mcp_kql::{Catalog, Column, KqlType, validate};
//!
//! let catalog = Catalog::new().with_table(
//!     "requests",
//!     vec![Column::new("timestamp", KqlType::DateTime), Column::new("duration", KqlType::Real)],
//! );
//! let analysis = validate("requests | where duraton > 100 | take 10", &catalog);
//! let problem = &analysis.diagnostics[0];
//! assert_eq!((problem.line, problem.column), (1, 18));
//! assert_eq!(problem.suggestion.as_deref(), Some("duration"));
//!
//! let analysis = validate("requests | summarize count() by bin(timestamp, 1h)", &catalog);
//! let columns: Vec<_> = analysis.output.unwrap().columns.into_iter().map(|c| c.name).collect();
//! assert_eq!(columns, ["timestamp", "count_"]);
//! ```

mod analyze;
pub mod ast;
mod catalog;
mod diagnostic;
mod error;
mod functions;
mod keywords;
mod lexer;
mod literal;
mod parser;
mod span;
mod types;

pub use analyze::{Analysis, OutputColumn, OutputSchema, RenderIntent, analyze};
pub use ast::Query;
pub use catalog::{Catalog, Column, TableSchema, app_insights_catalog};
pub use diagnostic::{Diagnostic, Severity, closest, edit_distance};
pub use error::{KqlError, ParseError};
pub use span::{LineColumn, LineIndex, Span};
pub use types::KqlType;

/// Parses a KQL query (statements separated by `;`).
///
/// # Errors
///
/// Returns a [`ParseError`] describing the first syntax error, or saying
/// that management commands are not allowed when the text starts with `.`.
pub fn parse(text: &str) -> Result<Query, ParseError> {
    parser::parse_query(text).map_err(|e| {
        let diagnostic = Diagnostic::new(text, Severity::Error, e.code, e.message, e.span)
            .expecting(e.expected)
            .suggesting(e.suggestion);
        ParseError {
            diagnostic: Box::new(diagnostic),
        }
    })
}

/// Parses and analyses `text`: a syntax error becomes the single
/// diagnostic of the result (with no output schema), otherwise the result
/// is [`analyze`]'s.
#[must_use]
pub fn validate(text: &str, catalog: &Catalog) -> Analysis {
    match parse(text) {
        Ok(query) => analyze(&query, catalog),
        Err(e) => Analysis {
            diagnostics: vec![*e.diagnostic],
            output: None,
            render: None,
        },
    }
}
