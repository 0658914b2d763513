//! `validate_workflow`: check GitHub Actions workflows the user wrote (or we
//! generated) with built-in security rules, the official schema, and
//! actionlint and zizmor when they are installed.

use devops_mcp_github::{ValidationReport, WorkflowSchema};
use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::handler::server::wrapper::Json;

use super::params::Parameters;
use rmcp::{tool, tool_router};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{ToolError, Toolset};
use crate::server::DevopsServer;

pub const TOOLSET: Toolset = Toolset::Github;

/// Arguments of `validate_workflow`: exactly one of `path` or `content`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ValidateWorkflowParams {
    /// Workspace-relative path of a workflow file, or of a folder whose `.yml`/`.yaml` files are all checked (e.g. `.github/workflows`).
    #[serde(default)]
    pub path: Option<String>,
    /// Workflow YAML text to check instead of a file.
    #[serde(default)]
    pub content: Option<String>,
}

/// Result of `validate_workflow`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ValidateWorkflowOutput {
    /// True when no finding is an error.
    pub valid: bool,
    /// Files checked.
    pub files: Vec<String>,
    /// Findings of every checker, and which checkers ran.
    pub report: ValidationReport,
    /// zizmor findings under its pedantic persona, when zizmor ran (informational).
    pub zizmor_pedantic: Option<usize>,
}

/// The router with this module's one tool.
pub fn router() -> ToolRouter<DevopsServer> {
    DevopsServer::validate_workflow_router()
}

#[tool_router(router = validate_workflow_router, vis = "pub(crate)")]
impl DevopsServer {
    /// Validate workflows; the description is what the agent reads.
    #[tool(
        name = "validate_workflow",
        description = "Check GitHub Actions workflow YAML (a workspace file or folder, or text) for security and correctness: unpinned actions, missing or broad permissions, untrusted input in run steps, pull_request_target, long-lived cloud credentials, missing timeouts and concurrency, and the official workflow schema; actionlint and zizmor run too when installed. Findings have file, line, rule ID and how to fix.",
        annotations(
            title = "Validate GitHub Actions workflows",
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    pub async fn validate_workflow(
        &self,
        Parameters(params): Parameters<ValidateWorkflowParams>,
    ) -> Result<Json<ValidateWorkflowOutput>, ToolError> {
        let files = match (params.path, params.content) {
            (Some(_), Some(_)) | (None, None) => {
                return Err(ToolError::new(
                    "give exactly one of `path` (a workspace file or folder) or `content` (YAML text)",
                ));
            }
            (None, Some(content)) => vec![(".github/workflows/workflow.yml".to_owned(), content)],
            (Some(path), None) => read_workflows(self, &path)?,
        };
        let (report, zizmor_pedantic) = self.validate_workflow_files(&files).await?;
        Ok(Json(ValidateWorkflowOutput {
            valid: !report.has_errors(),
            files: files.into_iter().map(|(path, _)| path).collect(),
            report,
            zizmor_pedantic,
        }))
    }
}

impl DevopsServer {
    /// Every check we have, on `(path, content)` pairs: built-in rules and the
    /// schema always, actionlint and zizmor when installed.
    pub(crate) async fn validate_workflow_files(
        &self,
        files: &[(String, String)],
    ) -> Result<(ValidationReport, Option<usize>), ToolError> {
        let schema = self.workflow_schema();
        let mut report = devops_mcp_github::validate(files, schema.as_deref());
        let tools = devops_mcp_github::linters::ExternalTools::locate(
            crate::doctor::tools_dir(self.config()).as_deref(),
            std::env::var_os("PATH").as_deref(),
        );
        let files = files.to_vec();
        // The linters are blocking child processes.
        let external = tokio::task::spawn_blocking(move || {
            let scratch = tempfile::tempdir()?;
            devops_mcp_github::linters::run_external(&files, &tools, scratch.path())
                .map_err(|e| std::io::Error::other(e.to_string()))
        })
        .await
        .map_err(|e| ToolError::new(format!("linters did not finish: {e}")))?
        .map_err(|e| ToolError::new(format!("running actionlint/zizmor failed: {e}")))?;
        report.merge(external.report);
        Ok((report, external.zizmor_pedantic))
    }

    /// The workflow schema, compiled once; `None` when it is not installed.
    pub(crate) fn workflow_schema(&self) -> Option<std::sync::Arc<WorkflowSchema>> {
        self.cached_workflow_schema(|| {
            let path = crate::data::workflow_schema_path(self.config());
            let text = std::fs::read_to_string(&path).ok()?;
            let value: serde_json::Value = serde_json::from_str(&text).ok()?;
            match WorkflowSchema::new(&value) {
                Ok(schema) => Some(schema),
                Err(error) => {
                    tracing::warn!(path = %path.display(), %error, "workflow schema unusable");
                    None
                }
            }
        })
    }
}

/// Read one workflow file, or every YAML file in a folder.
fn read_workflows(server: &DevopsServer, path: &str) -> Result<Vec<(String, String)>, ToolError> {
    let full = server.workspace().resolve(path)?;
    let relative = |p: &std::path::Path| {
        p.strip_prefix(server.workspace().root())
            .unwrap_or(p)
            .to_string_lossy()
            .into_owned()
    };
    if full.is_dir() {
        let mut files = Vec::new();
        for entry in std::fs::read_dir(&full)?.flatten() {
            let p = entry.path();
            let yaml = p
                .extension()
                .is_some_and(|ext| ext == "yml" || ext == "yaml");
            if yaml && p.is_file() {
                files.push((relative(&p), std::fs::read_to_string(&p)?));
            }
        }
        files.sort();
        if files.is_empty() {
            return Err(ToolError::new(format!(
                "`{path}` has no .yml or .yaml files; give a workflow file or .github/workflows"
            )));
        }
        return Ok(files);
    }
    let content = std::fs::read_to_string(&full).map_err(|e| {
        ToolError::new(format!("cannot read `{path}`: {e}; give a workspace-relative workflow file"))
    })?;
    Ok(vec![(relative(&full), content)])
}
