//! The crate's error type: every failure names the input field or resource
//! involved and what the caller can do about it.

/// Errors from generating or validating GitHub Actions workflows.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A specification field has a value that cannot be used.
    #[error("invalid `{field}`: {message}")]
    InvalidField {
        /// Dotted path of the field in the specification, e.g. `environments[1].reviewers`.
        field: String,
        /// What is wrong and which values are allowed.
        message: String,
    },

    /// Two specification fields contradict each other.
    #[error("`{field}` conflicts with `{other}`: {message}")]
    Conflict {
        /// The field that cannot be honoured.
        field: String,
        /// The field it conflicts with.
        other: String,
        /// How to resolve the conflict.
        message: String,
    },

    /// A generated file would overwrite a file the caller said already exists.
    #[error(
        "`{field}`: the workflow file `{path}` already exists in the repository; choose another `name` or remove the existing file first"
    )]
    NameClash {
        /// The field that decides the file name.
        field: String,
        /// The clashing repository-relative path.
        path: String,
    },

    /// The bundled or supplied action pin table cannot be used.
    #[error("action pin table is invalid: {0}; fix data/action-pins.toml")]
    PinTable(String),

    /// A workflow needs an action the pin table does not list.
    #[error(
        "no pin for action `{action}` in the lock table; add its newest release tag and commit SHA to data/action-pins.toml"
    )]
    MissingPin {
        /// `owner/repo[/path]` of the action.
        action: String,
    },

    /// The GitHub workflow JSON schema could not be compiled.
    #[error(
        "the GitHub workflow JSON schema could not be compiled: {0}; pass the SchemaStore `github-workflow.json` file"
    )]
    Schema(String),

    /// A generated workflow failed the crate's own checks (a bug, never returned for valid input by design).
    #[error("generated workflow `{path}` failed validation: {summary}")]
    GeneratedInvalid {
        /// Repository-relative path of the generated file.
        path: String,
        /// The findings, one per line.
        summary: String,
    },
}

impl Error {
    pub(crate) fn field(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::InvalidField {
            field: field.into(),
            message: message.into(),
        }
    }

    pub(crate) fn conflict(
        field: impl Into<String>,
        other: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self::Conflict {
            field: field.into(),
            other: other.into(),
            message: message.into(),
        }
    }
}
