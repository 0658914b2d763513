//! Reference data the server loads at run time rather than shipping: the
//! GitHub workflow JSON schema and the Azure resource type definitions.
//!
//! Each comes from a configured path, else from the user's cache
//! (`<cache>/devops-mcp/...`), where the `install` commands put it. A missing
//! file is not an error: the checks that need it report that they did not run.

use std::path::PathBuf;

use crate::config::Config;

/// Cache folder for downloaded reference data.
pub fn cache_dir() -> PathBuf {
    dirs::cache_dir()
        .unwrap_or_else(std::env::temp_dir)
        .join("devops-mcp")
}

/// Where the GitHub workflow schema is read from.
pub fn workflow_schema_path(config: &Config) -> PathBuf {
    config
        .backends
        .workflow_schema
        .clone()
        .unwrap_or_else(|| cache_dir().join("schemas").join("github-workflow.json"))
}

/// Where the Azure resource type definitions are read from.
pub fn bicep_types_dir(config: &Config) -> PathBuf {
    config
        .backends
        .bicep_types_dir
        .clone()
        .unwrap_or_else(|| cache_dir().join("bicep-types"))
}

/// The official URL of the workflow schema, for `devops-mcp schemas install`.
pub const WORKFLOW_SCHEMA_URL: &str = "https://json.schemastore.org/github-workflow.json";
