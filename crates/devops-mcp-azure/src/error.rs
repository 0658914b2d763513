//! The crate's error type: every variant names the field, file or resource involved and
//! says what is allowed or what to do, because the server shows these messages to an agent
//! that must be able to correct its input from the message alone.

use std::fmt;

/// One problem found in a tool input: the JSON path of the field, what is wrong and what
/// would be accepted.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
pub struct SpecProblem {
    /// JSON path of the offending field, e.g. `environments[2].app_service_sku`.
    pub field: String,
    /// What is wrong with the value.
    pub message: String,
    /// What the field accepts.
    pub allowed: String,
}

impl fmt::Display for SpecProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "`{}`: {} (allowed: {})",
            self.field, self.message, self.allowed
        )
    }
}

/// Errors of the Azure domain crate.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The specification failed validation; every problem found is listed, not only the first.
    #[error("invalid specification: {}", join_problems(.0))]
    InvalidSpec(Vec<SpecProblem>),

    /// The Azure resource type data (bicep-types `index.json` + `types.json`) could not be read.
    #[error(
        "cannot load Azure resource type data from `{path}`: {reason}; point the server at a directory that holds the bicep-types `index.json` (run `devops-mcp bicep-types install`)"
    )]
    TypeData {
        /// File or directory that failed.
        path: String,
        /// What went wrong.
        reason: String,
    },

    /// The generator produced a file set that its own validator rejects. This is a bug in the
    /// generator, never the caller's fault; the messages say which checks failed.
    #[error("internal error: generated Bicep failed validation ({}); please report this with the spec used", .0.join("; "))]
    GeneratedInvalid(Vec<String>),
}

fn join_problems(problems: &[SpecProblem]) -> String {
    problems
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}
