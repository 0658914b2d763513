//! `generate_bicep`: a complete, modular, secure-by-default Bicep set from a
//! typed specification, validated before it is returned, optionally written
//! into the workspace.

use devops_mcp_azure::bicep::{BicepSpec, GeneratedBicep, WritePlan};
use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::handler::server::wrapper::Json;
use rmcp::{tool, tool_router};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::params::Parameters;
use super::{ToolError, Toolset};
use crate::delivery::{self, WrittenFile};
use crate::server::DevopsServer;

pub const TOOLSET: Toolset = Toolset::Azure;

/// Arguments of `generate_bicep`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GenerateBicepParams {
    /// What to deploy: application, workload, environments, region, database, networking, monitoring, budget and tags.
    pub spec: BicepSpec,
    /// Write the files into the workspace. Default: false (return them only).
    #[serde(default)]
    pub write: bool,
    /// Replace existing files whose content differs (the result shows a diff summary). Default: false.
    #[serde(default)]
    pub overwrite: bool,
}

/// Result of `generate_bicep`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct GenerateBicepOutput {
    /// Files, resource inventory, required secrets, validation report and next steps.
    #[serde(flatten)]
    pub generated: GeneratedBicep,
    /// What writing would do to each file (create, unchanged, differs with a diff summary).
    pub write_plan: WritePlan,
    /// Files written, when `write` was set.
    pub written: Vec<WrittenFile>,
}

/// The router with this module's one tool.
pub fn router() -> ToolRouter<DevopsServer> {
    DevopsServer::generate_bicep_router()
}

#[tool_router(router = generate_bicep_router, vis = "pub(crate)")]
impl DevopsServer {
    /// Generate Bicep; the description is what the agent reads.
    #[tool(
        name = "generate_bicep",
        description = "Generate secure-by-default Azure infrastructure as Bicep from a typed spec: App Service (django, fastapi, node, container or static workloads) with plan and autoscale, Key Vault (RBAC, purge protection), PostgreSQL Flexible Server or an external database, Log Analytics and workspace-based Application Insights with alerts, optional private networking (VNet, private endpoints, DNS, NSGs), least-privilege role assignments, budgets and tags, in Sweden Central by default. Returns main.bicep, modules, a .bicepparam per environment and a README (diagram, inventory, deployment commands, cost table), validated for syntax, resource types and security rules before it is returned. Optionally writes the files into the workspace.",
        annotations(
            title = "Generate Azure Bicep",
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    pub async fn generate_bicep(
        &self,
        Parameters(params): Parameters<GenerateBicepParams>,
    ) -> Result<Json<GenerateBicepOutput>, ToolError> {
        let types = self.bicep_types().await;
        let spec = params.spec;
        let generated = tokio::task::spawn_blocking(move || {
            devops_mcp_azure::bicep::generate(&spec, types.as_deref())
        })
        .await
        .map_err(|e| ToolError::new(format!("generation did not finish: {e}")))??;
        let workspace = self.workspace().clone();
        let write_plan = devops_mcp_azure::bicep::plan_write(&generated.files, |path| {
            workspace
                .resolve(path)
                .ok()
                .and_then(|full| std::fs::read_to_string(full).ok())
        });
        let written = if params.write {
            let conflicts = write_plan.conflicts();
            if !conflicts.is_empty() && !params.overwrite {
                return Err(ToolError::new(format!(
                    "these files exist with different content: {}; nothing was written. Review the diff in a call without `write`, then pass `overwrite: true` to replace them",
                    conflicts.join(", ")
                )));
            }
            let pairs: Vec<(String, String)> = generated
                .files
                .iter()
                .map(|f| (f.path.clone(), f.content.clone()))
                .collect();
            delivery::write_files(self.workspace(), &pairs, params.overwrite)?
        } else {
            Vec::new()
        };
        Ok(Json(GenerateBicepOutput {
            generated,
            write_plan,
            written,
        }))
    }
}
