//! Errors of the KQL front end.

use crate::diagnostic::Diagnostic;

/// A query that does not parse, with the position of the first problem,
/// what was expected there and a "did you mean" suggestion when one fits.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{diagnostic}")]
pub struct ParseError {
    /// The problem, with line, column, expected tokens and suggestion.
    pub diagnostic: Box<Diagnostic>,
}

/// Everything that can go wrong in this crate.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KqlError {
    /// The query text is not valid KQL (or is a management command).
    #[error(transparent)]
    Parse(#[from] ParseError),
    /// The table schema JSON given to build a catalog is not usable.
    #[error(
        "table schema JSON is invalid: {reason}; expected an object mapping table names to arrays of {{\"name\", \"type\"}} columns"
    )]
    InvalidSchemaJson {
        /// What is wrong with it.
        reason: String,
    },
    /// A column in the table schema JSON has a type KQL does not have.
    #[error(
        "column `{column}` of table `{table}` has unknown type `{ty}`; use one of bool, datetime, dynamic, guid, int, long, real, string, timespan, decimal"
    )]
    UnknownColumnType {
        /// The table.
        table: String,
        /// The column.
        column: String,
        /// The type as given.
        ty: String,
    },
    /// Semantic analysis found errors (unknown tables or columns, type
    /// mismatches, ...); each diagnostic has a position and suggestions.
    #[error("{}", summarize(diagnostics))]
    Invalid {
        /// The error diagnostics, in source order.
        diagnostics: Vec<Diagnostic>,
    },
    /// The query is valid KQL but the local engine cannot run part of it
    /// (an unsupported operator or function), or a value it needs is not
    /// usable; the diagnostic points at the construct.
    #[error("{diagnostic}")]
    Plan {
        /// What and where.
        diagnostic: Box<Diagnostic>,
    },
    /// Running the query failed.
    #[error("query execution failed: {message}")]
    Execution {
        /// The engine's message.
        message: String,
    },
    /// The query ran longer than the timeout.
    #[error(
        "the query did not finish within {seconds} s; narrow the time range or add filters, or raise the timeout"
    )]
    Timeout {
        /// The timeout.
        seconds: f64,
    },
    /// The caller cancelled the query.
    #[error("the query was cancelled")]
    Cancelled,
    /// The query needed more memory than allowed.
    #[error(
        "the query needs more than {limit_bytes} bytes of memory; summarize or filter earlier, or raise the memory limit ({message})"
    )]
    MemoryLimit {
        /// The limit.
        limit_bytes: usize,
        /// The engine's message.
        message: String,
    },
    /// A table file cannot be read or its schema is unusable.
    #[error("table data `{path}` cannot be used: {reason}")]
    DataSource {
        /// The file or folder.
        path: String,
        /// What is wrong, and what to do.
        reason: String,
    },
}

/// "N errors: first message".
fn summarize(diagnostics: &[Diagnostic]) -> String {
    match diagnostics {
        [] => "the query is invalid".to_string(),
        [one] => one.to_string(),
        [first, rest @ ..] => format!("{first} (and {} more errors)", rest.len()),
    }
}

impl KqlError {
    /// The diagnostics (with positions and suggestions) this error
    /// carries, for a tool result.
    #[must_use]
    pub fn diagnostics(&self) -> Vec<Diagnostic> {
        match self {
            KqlError::Parse(e) => vec![(*e.diagnostic).clone()],
            KqlError::Invalid { diagnostics } => diagnostics.clone(),
            KqlError::Plan { diagnostic } => vec![(**diagnostic).clone()],
            _ => Vec::new(),
        }
    }
}

impl From<datafusion::error::DataFusionError> for KqlError {
    fn from(e: datafusion::error::DataFusionError) -> Self {
        let message = e.to_string();
        KqlError::Execution { message }
    }
}

impl From<datafusion::arrow::error::ArrowError> for KqlError {
    fn from(e: datafusion::arrow::error::ArrowError) -> Self {
        KqlError::Execution {
            message: e.to_string(),
        }
    }
}
