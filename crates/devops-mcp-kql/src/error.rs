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
}
