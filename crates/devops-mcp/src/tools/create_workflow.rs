//! `create_workflow`: GitHub Actions pipelines from a typed specification,
//! validated by our rules, the official schema and (when installed) actionlint
//! and zizmor, then delivered to the workspace or a local branch.

use devops_mcp_github::pull_request::{GithubDelivery, PullRequestResult};
use devops_mcp_github::{
    GeneratedWorkflows, RequiredEnvironment, RequiredSetting, ValidationReport, WorkflowSpec,
};
use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::handler::server::wrapper::Json;

use super::params::Parameters;
use rmcp::{tool, tool_router};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{FileOut, ToolError, Toolset};
use crate::delivery::{self, CommitOptions, CommitResult, WrittenFile};
use crate::server::DevopsServer;

pub const TOOLSET: Toolset = Toolset::Github;

/// Arguments of `create_workflow`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateWorkflowParams {
    /// What to generate (workflow kinds, stack, deploy target, environments, ...).
    pub spec: WorkflowSpec,
    /// Write the files into the workspace (`.github/workflows/`, `docs/cicd-pipeline.md`). Default: false (return them only).
    #[serde(default)]
    pub write: bool,
    /// Replace existing files whose content differs. Default: false (such a file is an error).
    #[serde(default)]
    pub overwrite: bool,
    /// Commit the files on a new branch of the workspace's git repository, leaving the working tree untouched.
    #[serde(default)]
    pub commit: Option<CommitOptions>,
    /// Push the files to GitHub as one commit on a new branch and open a pull request (needs GITHUB_TOKEN with the `repo` and `workflow` scopes).
    #[serde(default)]
    pub github: Option<GithubDelivery>,
}

/// Result of `create_workflow`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct CreateWorkflowOutput {
    /// Generated files with their content and SHA-256.
    pub files: Vec<FileOut>,
    /// Secrets the repository must define (set them with `set_secret`, store `github`).
    pub secrets: Vec<RequiredSetting>,
    /// Variables the repository must define.
    pub variables: Vec<RequiredSetting>,
    /// Environments to create, with their required reviewers.
    pub environments: Vec<RequiredEnvironment>,
    /// Validation of the generated files (no errors, or the call would have failed).
    pub validation: ValidationReport,
    /// zizmor findings under its pedantic persona, when zizmor ran (informational).
    pub zizmor_pedantic: Option<usize>,
    /// Which action pin lock table the `uses:` SHAs come from, and when its pins were checked.
    pub pins: devops_mcp_github::pins::PinTableInfo,
    /// Files written into the workspace, when `write` was set.
    pub written: Vec<WrittenFile>,
    /// The commit, when `commit` was set.
    pub commit: Option<CommitResult>,
    /// The pushed branch and pull request, when `github` was set.
    pub pull_request: Option<PullRequestResult>,
    /// What to do next.
    pub next_steps: Vec<String>,
}

/// The router with this module's one tool.
pub fn router() -> ToolRouter<DevopsServer> {
    DevopsServer::create_workflow_router()
}

#[tool_router(router = create_workflow_router, vis = "pub(crate)")]
impl DevopsServer {
    /// Generate workflows; the description is what the agent reads.
    #[tool(
        name = "create_workflow",
        description = "Generate secure GitHub Actions workflows from a typed spec: ci, deploy (Azure Web App blue-green or Container Apps canary, production behind required reviewers), database-migration, infrastructure (Bicep what-if and deploy) and security-scan, for python-django, python-fastapi, node, dotnet, rust or container stacks. Every workflow uses OIDC azure/login, SHA-pinned actions, minimal permissions and timeouts, and is validated (built-in rules, the official schema, actionlint and zizmor when installed) before it is returned. Optionally writes the files into the workspace or commits them on a new local branch.",
        annotations(
            title = "Create GitHub Actions workflows",
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    pub async fn create_workflow(
        &self,
        Parameters(params): Parameters<CreateWorkflowParams>,
    ) -> Result<Json<CreateWorkflowOutput>, ToolError> {
        // Existing files are protected at write time: an identical file is
        // "unchanged", a different one needs `overwrite: true`.
        let pins = devops_mcp_github::pins::ActivePins::load(
            self.config().backends.github.pins_path().as_deref(),
        )?;
        let generated: GeneratedWorkflows =
            devops_mcp_github::generate::generate_with_pins(&params.spec, &pins.table)?;
        let pairs = generated.as_pairs();
        let (validation, pedantic) = self.validate_workflow_files(&pairs).await?;
        if validation.has_errors() {
            return Err(ToolError::new(format!(
                "the generated workflows failed validation, so nothing was written; this is a bug in devops-mcp, please report it with the spec. Findings: {}",
                serde_json::to_string(&validation.findings).unwrap_or_default()
            )));
        }
        let written = if params.write {
            delivery::write_files(self.workspace(), &pairs, params.overwrite)?
        } else {
            Vec::new()
        };
        let commit = match &params.commit {
            Some(options) => Some(
                delivery::commit_files(
                    self.workspace(),
                    &pairs,
                    options,
                    &delivery::default_branch("workflows"),
                    &commit_message(&generated),
                )
                .await?,
            ),
            None => None,
        };
        let pull_request = match params.github {
            Some(target) => Some(self.open_workflow_pull_request(target, &generated, &pairs).await?),
            None => None,
        };
        let mut next_steps = Vec::new();
        if !generated.secrets.is_empty() {
            next_steps.push(format!(
                "Set the secrets with set_secret (store `github`), e.g. {}",
                generated
                    .secrets
                    .iter()
                    .map(|s| s.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        if !generated.environments.is_empty() {
            next_steps.push("Create the GitHub environments listed, with their required reviewers, before the first deploy".into());
        }
        if let Some(pr) = &pull_request {
            next_steps.push(format!(
                "Review the pull request {} and merge it once the checks pass",
                pr.html_url.as_deref().unwrap_or(&pr.compare_url)
            ));
        }
        if !params.write && params.commit.is_none() && pull_request.is_none() {
            next_steps.push("Call again with `write: true` or `commit: {}` to deliver the files".into());
        }
        next_steps.push("Read docs/cicd-pipeline.md in the result for stages, rollback and testing strategy".into());
        Ok(Json(CreateWorkflowOutput {
            files: pairs.iter().map(|(p, c)| FileOut::new(p, c)).collect(),
            secrets: generated.secrets,
            variables: generated.variables,
            environments: generated.environments,
            validation,
            zizmor_pedantic: pedantic,
            pins: pins.info,
            written,
            commit,
            pull_request,
            next_steps,
        }))
    }
}

impl DevopsServer {
    /// Push the files and open a pull request with the token from the environment.
    async fn open_workflow_pull_request(
        &self,
        target: GithubDelivery,
        generated: &GeneratedWorkflows,
        files: &[(String, String)],
    ) -> Result<PullRequestResult, ToolError> {
        let token = ["GITHUB_TOKEN", "GH_TOKEN"]
            .iter()
            .find_map(|name| std::env::var(name).ok().filter(|v| !v.trim().is_empty()))
            .map(crate::redact::SecretString::new)
            .ok_or_else(|| {
                ToolError::new(
                    "opening a pull request needs a GitHub token: start the server with GITHUB_TOKEN set (scopes `repo` and `workflow`), or use `commit` to commit locally",
                )
            })?;
        let client = devops_mcp_github::pull_request::client(
            token.expose(),
            self.config().backends.github.api_url.as_deref(),
        )?;
        let message = commit_message(generated);
        let title = message.lines().next().unwrap_or("Add GitHub Actions workflows").to_owned();
        let target = target.into_target(delivery::default_branch("workflows"), title, message.clone());
        Ok(devops_mcp_github::pull_request::open_pull_request(&client, &target, files, &message).await?)
    }
}

fn commit_message(generated: &GeneratedWorkflows) -> String {
    let names: Vec<&str> = generated
        .workflows()
        .map(|file| file.path.rsplit('/').next().unwrap_or(&file.path))
        .collect();
    format!(
        "Add GitHub Actions workflows: {}\n\nGenerated by devops-mcp create_workflow. Actions are pinned by commit SHA,\nAzure login uses OIDC, and every job has minimal permissions and a timeout.",
        names.join(", ")
    )
}
