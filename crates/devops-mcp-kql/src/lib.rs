//! KQL (Kusto Query Language) engine: lexer, parser, semantic analysis,
//! and execution on local data with Apache DataFusion, with no dependency
//! on any server or protocol.
//!
//! - [`parse`] turns query text into a [`Query`] syntax tree, or a
//!   [`ParseError`] with the line, column, expected tokens and a "did you
//!   mean" suggestion. Management commands (`.drop table ...`) are
//!   rejected: only queries are accepted.
//! - [`analyze`] resolves names against a [`Catalog`] of table schemas,
//!   applies KQL's type rules and reports [`Diagnostic`]s with positions
//!   and suggestions, plus the output schema of the query.
//! - [`validate`] does both and returns every problem as diagnostics, the
//!   shape a `validate_only` request needs.
//! - [`LocalEngine`] runs queries on tables from JSON lines, CSV and
//!   Parquet files with KQL's semantics (joins, nulls, `bin`, string
//!   operators, dynamic values, ...) and returns a typed [`QueryResult`],
//!   with a row limit, a timeout, a memory limit and cancellation.
//! - [`write_sample_telemetry`] writes a deterministic Application
//!   Insights data set with planted incidents.
//!
//! The grammar follows Microsoft's Kusto.Language parser; the crate's
//! tests check that both accept and reject the same queries on the
//! official documentation examples, and run those examples on the engine.
//! Parsing and analysis do no I/O; only [`LocalEngine`] (the table files
//! it opens and scans) and the sample writer touch files.
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
mod execute;
mod functions;
mod keywords;
mod lexer;
mod literal;
mod local;
mod parser;
mod sample;
mod span;
mod types;

pub use analyze::{Analysis, OutputColumn, OutputSchema, RenderIntent, analyze};
pub use ast::Query;
pub use catalog::{Catalog, Column, TableSchema, app_insights_catalog};
pub use diagnostic::{Diagnostic, Severity, closest, edit_distance};
pub use error::{KqlError, ParseError};
pub use execute::{PlannedQuery, QueryResult, ResultColumn, RunOptions, Statistics};
pub use local::{LocalEngine, TableFormat};
pub use sample::{SampleFormat, SampleSummary, write_sample_telemetry, write_sample_telemetry_as};
pub use span::{LineColumn, LineIndex, Span};
pub use tokio_util::sync::CancellationToken;
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
