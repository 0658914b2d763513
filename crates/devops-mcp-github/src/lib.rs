//! GitHub Actions workflow generation and validation for devops-mcp.
//!
//! - [`generate`]: a typed [`WorkflowSpec`] in, workflow files (as
//!   `(path, content)` pairs), `docs/cicd-pipeline.md`, and the secrets,
//!   variables and environments the repository needs out. Pure.
//! - [`validate`]: YAML syntax, the GitHub workflow JSON schema (when the
//!   caller passes it) and built-in security rules with stable IDs. Pure.
//! - [`linters`]: actionlint and zizmor as child processes, merged into the
//!   same report.
//! - [`pins`]: the action pin lock table, its file (read, atomic write) and
//!   its refresh from the GitHub API ([`pins::update`]).
//! - [`pull_request`]: delivery to GitHub through octocrab: a branch, one
//!   commit with every file (git data API) and a pull request.
//!
//! Architecture invariant: this crate knows nothing of MCP and reads no
//! environment variables (tokens and API URLs come from the caller); writing
//! into the workspace and committing to the local repository are the server's
//! job.

mod api;
mod cron;
mod emit;
mod error;
pub mod generate;
pub mod linters;
pub mod pins;
pub mod pull_request;
pub mod spec;
pub mod validate;

pub use error::Error;
pub use generate::{
    GeneratedFile, GeneratedWorkflows, RequiredEnvironment, RequiredSetting, SettingScope, generate,
};
pub use spec::WorkflowSpec;
pub use validate::{
    CheckerRun, Finding, Severity, ValidationReport, WorkflowSchema, validate, validate_workflow,
};
