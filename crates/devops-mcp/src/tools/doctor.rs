//! `doctor`: which backends work right now, and how to fix the ones that don't.

use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::handler::server::wrapper::Json;
use rmcp::{tool, tool_router};

use super::{ToolError, Toolset};
use crate::doctor::Report;
use crate::server::DevopsServer;

pub const TOOLSET: Toolset = Toolset::Server;

/// The router with this module's one tool.
pub fn router() -> ToolRouter<DevopsServer> {
    DevopsServer::doctor_router()
}

#[tool_router(router = doctor_router, vis = "pub(crate)")]
impl DevopsServer {
    /// Health check of every backend, for agents and humans alike.
    #[tool(
        name = "doctor",
        description = "Check the server's backends: external checkers (semgrep, zizmor, actionlint, checkov), Azure and GitHub credentials, and whether the workspace is writable. Call it first when a tool reports a missing backend; each missing item says how to fix it.",
        annotations(
            title = "Check backends",
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    pub async fn doctor(&self) -> Result<Json<Report>, ToolError> {
        Ok(Json(crate::doctor::run(self.config()).await))
    }
}
