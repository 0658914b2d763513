//! The tool registry: one module per tool, registered by one line in
//! [`register!`]. A module's name is its tool's name, which a test checks.
//!
//! Each module defines its parameter and output types (their doc comments are
//! the JSON schema the agent reads), its `TOOLSET`, and a `router()` built by
//! rmcp's `#[tool_router]` with the tool's annotations.

use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::model::{ContentBlock, IntoContents};

use crate::server::DevopsServer;

/// Groups of tools that can be switched on together with `--toolsets`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Toolset {
    /// The server itself: health checks.
    Server,
    /// Azure infrastructure (Bicep).
    Azure,
    /// GitHub Actions workflows.
    Github,
    /// Secret stores.
    Secrets,
    /// Logs and telemetry (KQL).
    Observability,
    /// Security scanning.
    Security,
}

impl Toolset {
    pub const ALL: &[Toolset] = &[
        Toolset::Server,
        Toolset::Azure,
        Toolset::Github,
        Toolset::Secrets,
        Toolset::Observability,
        Toolset::Security,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Toolset::Server => "server",
            Toolset::Azure => "azure",
            Toolset::Github => "github",
            Toolset::Secrets => "secrets",
            Toolset::Observability => "observability",
            Toolset::Security => "security",
        }
    }
}

/// One registered tool.
pub struct ToolEntry {
    pub name: &'static str,
    pub toolset: Toolset,
    pub router: fn() -> ToolRouter<DevopsServer>,
}

macro_rules! register {
    ($($module:ident),* $(,)?) => {
        $(pub mod $module;)*
        /// Every tool the server has, in registration order.
        pub const ALL: &[ToolEntry] = &[
            $(ToolEntry { name: stringify!($module), toolset: $module::TOOLSET, router: $module::router },)*
        ];
    };
}

pub mod params;

register![
    create_workflow,
    doctor,
    generate_bicep,
    list_secrets,
    query_kql,
    run_semgrep,
    set_secret,
    validate_bicep,
    validate_workflow,
];

/// A generated file as returned to the agent.
#[derive(Debug, Clone, serde::Serialize, schemars::JsonSchema)]
pub struct FileOut {
    /// Workspace-relative path.
    pub path: String,
    /// Full content.
    pub content: String,
    /// SHA-256 of the content, hex.
    pub sha256: String,
}

impl FileOut {
    pub fn new(path: &str, content: &str) -> Self {
        use sha2::Digest;
        let digest = sha2::Sha256::digest(content.as_bytes());
        Self {
            path: path.to_owned(),
            content: content.to_owned(),
            sha256: digest.iter().map(|b| format!("{b:02x}")).collect(),
        }
    }
}

/// A failure the agent can act on, returned as a tool error result
/// (`isError: true`) rather than a protocol error, so the model reads it.
#[derive(Debug, Clone)]
pub struct ToolError(pub String);

impl ToolError {
    pub fn new(message: impl Into<String>) -> Self {
        Self(message.into())
    }
}

impl<E: std::error::Error> From<E> for ToolError {
    fn from(error: E) -> Self {
        Self(crate::redact::redact(&error.to_string()).into_owned())
    }
}

impl IntoContents for ToolError {
    fn into_contents(self) -> Vec<ContentBlock> {
        vec![ContentBlock::text(self.0)]
    }
}
