//! `list_secrets`: names and metadata of the secrets in a store, never values.

use devops_mcp_secrets::{ListOutcome, SecretTarget};
use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::handler::server::wrapper::Json;
use rmcp::{tool, tool_router};
use schemars::JsonSchema;
use serde::Deserialize;

use super::params::Parameters;
use super::{ToolError, Toolset};
use crate::server::DevopsServer;

pub const TOOLSET: Toolset = Toolset::Secrets;

/// Arguments of `list_secrets`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListSecretsParams {
    /// Which store: `{"store": "local"}` (default), `{"store": "key_vault", "vault": "kv-name"}` or `{"store": "github", "repo": "owner/name"}`.
    #[serde(default = "local_target")]
    pub target: SecretTarget,
}

fn local_target() -> SecretTarget {
    SecretTarget::Local {}
}

/// The router with this module's one tool.
pub fn router() -> ToolRouter<DevopsServer> {
    DevopsServer::list_secrets_router()
}

#[tool_router(router = list_secrets_router, vis = "pub(crate)")]
impl DevopsServer {
    /// List secrets; the description is what the agent reads.
    #[tool(
        name = "list_secrets",
        description = "List the secrets in the local encrypted store, an Azure Key Vault or a GitHub repository, environment or organisation: names, versions, dates, content types, tags and enabled state. Never returns values.",
        annotations(
            title = "List secrets",
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    pub async fn list_secrets(
        &self,
        Parameters(params): Parameters<ListSecretsParams>,
    ) -> Result<Json<ListOutcome>, ToolError> {
        let stores = crate::secrets::stores(self.config(), "mcp");
        Ok(Json(devops_mcp_secrets::list_secrets(&stores, &params.target).await?))
    }
}
