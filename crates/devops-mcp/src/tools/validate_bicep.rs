//! `validate_bicep`: check Bicep the user wrote (or we generated) for syntax,
//! resource types, semantics and security, with file, line and column.

use std::path::Path;
use std::sync::Arc;

use devops_mcp_azure::bicep::{SourceFile, TypeIndex, ValidationReport};
use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::handler::server::wrapper::Json;
use rmcp::{tool, tool_router};
use schemars::JsonSchema;
use serde::Deserialize;

use super::params::Parameters;
use super::{ToolError, Toolset};
use crate::server::DevopsServer;

pub const TOOLSET: Toolset = Toolset::Azure;

/// Files read from a folder at most, so a mistaken path does not read a whole disk.
const MAX_FILES: usize = 500;

/// Less Bicep than this validates in well under a millisecond (tree-sitter-bicep parses a
/// few KiB per millisecond), so it runs in place rather than hopping to a blocking thread.
const INLINE_BYTES: usize = 1024;

/// Arguments of `validate_bicep`: exactly one of `path` or `content`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ValidateBicepParams {
    /// Workspace-relative path of a `.bicep` file, or of a folder whose `.bicep` and `.bicepparam` files are checked together (modules resolve within it), e.g. `infrastructure/bicep`.
    #[serde(default)]
    pub path: Option<String>,
    /// Bicep text to check instead of a file.
    #[serde(default)]
    pub content: Option<String>,
}

/// The router with this module's one tool.
pub fn router() -> ToolRouter<DevopsServer> {
    DevopsServer::validate_bicep_router()
}

#[tool_router(router = validate_bicep_router, vis = "pub(crate)")]
impl DevopsServer {
    /// Validate Bicep; the description is what the agent reads.
    #[tool(
        name = "validate_bicep",
        description = "Check Bicep files (a workspace file or folder, or text): syntax (tree-sitter-bicep), resource bodies against the official Azure resource type definitions (unknown or misspelled properties with did-you-mean, wrong types, enum values, missing required and read-only properties), undefined or unused symbols, missing module files, resource names outside Azure's rules, API versions, secrets in literals or outputs, missing tags, and security rules with stable IDs (HTTPS only, TLS 1.2, FTPS off, Key Vault RBAC and purge protection, public access, managed identity, least privilege). Every finding has file, line, column and how to fix. No Bicep compiler runs offline; the report says which checks ran.",
        annotations(
            title = "Validate Bicep",
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    pub async fn validate_bicep(
        &self,
        Parameters(params): Parameters<ValidateBicepParams>,
    ) -> Result<Json<ValidationReport>, ToolError> {
        let files = match (params.path, params.content) {
            (Some(_), Some(_)) | (None, None) => {
                return Err(ToolError::new(
                    "give exactly one of `path` (a workspace file or folder) or `content` (Bicep text)",
                ));
            }
            (None, Some(content)) => vec![SourceFile {
                path: "main.bicep".into(),
                content,
            }],
            (Some(path), None) => read_bicep(self, &path)?,
        };
        let types = self.bicep_types().await;
        let size: usize = files.iter().map(|f| f.content.len()).sum();
        let validate = move || devops_mcp_azure::bicep::validate(&files, types.as_deref());
        if size < INLINE_BYTES {
            return Ok(Json(validate()));
        }
        let report = tokio::task::spawn_blocking(validate)
            .await
            .map_err(|e| ToolError::new(format!("validation did not finish: {e}")))?;
        Ok(Json(report))
    }
}

impl DevopsServer {
    /// The resource type data, loaded once (off the async threads); `None`
    /// when none is installed, and the reports then say types were not checked.
    pub(crate) async fn bicep_types(&self) -> Option<Arc<TypeIndex>> {
        self.cached_bicep_types(|config| {
            let dir = crate::data::bicep_types_dir(config);
            if !dir.join("index.json").is_file() {
                return None;
            }
            match TypeIndex::load_dir(&dir) {
                Ok(index) => Some(index),
                Err(error) => {
                    tracing::warn!(%error, "Azure resource type data unusable; run `devops-mcp bicep-types install`");
                    None
                }
            }
        })
        .await
    }
}

fn read_bicep(server: &DevopsServer, path: &str) -> Result<Vec<SourceFile>, ToolError> {
    let full = server.workspace().resolve(path)?;
    if !full.is_dir() {
        let content = std::fs::read_to_string(&full).map_err(|e| {
            ToolError::new(format!("cannot read `{path}`: {e}; give a workspace-relative .bicep file or folder"))
        })?;
        return Ok(vec![SourceFile {
            path: path.trim_start_matches("./").to_owned(),
            content,
        }]);
    }
    let mut files = Vec::new();
    collect(server.workspace().root(), &full, &mut files)?;
    if files.is_empty() {
        return Err(ToolError::new(format!(
            "`{path}` has no .bicep files; give a .bicep file or a folder that holds some"
        )));
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(files)
}

fn collect(root: &Path, dir: &Path, out: &mut Vec<SourceFile>) -> Result<(), ToolError> {
    for entry in std::fs::read_dir(dir)?.flatten() {
        let path = entry.path();
        let file_type = entry.file_type()?;
        // Symlinks are not followed: they could lead outside the workspace.
        if file_type.is_symlink() {
            continue;
        }
        if file_type.is_dir() {
            collect(root, &path, out)?;
        } else if path
            .extension()
            .is_some_and(|ext| ext == "bicep" || ext == "bicepparam")
        {
            if out.len() >= MAX_FILES {
                return Err(ToolError::new(format!(
                    "more than {MAX_FILES} Bicep files; give a narrower folder"
                )));
            }
            out.push(SourceFile {
                path: path
                    .strip_prefix(root)
                    .unwrap_or(&path)
                    .to_string_lossy()
                    .into_owned(),
                content: std::fs::read_to_string(&path)?,
            });
        }
    }
    Ok(())
}
