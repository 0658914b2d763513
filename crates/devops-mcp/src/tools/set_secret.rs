//! `set_secret`: store a secret in the local encrypted store, Azure Key Vault
//! or GitHub Actions, with the value moving from its source to the store
//! inside the server, never through the model.

use std::time::Duration;

use devops_mcp_secrets::{
    SecretProperties, SecretTarget, SetOutcome, SetRequest, SourceContext, SourceSpec,
};
use rmcp::RoleServer;
use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::handler::server::tool::InputResponses;
use rmcp::model::{
    CallToolResponse, CallToolResult, ElicitRequest, ElicitRequestParams, ElicitationAction,
    ElicitationSchema, InputRequest, InputRequests, InputRequiredResult, ProtocolVersion,
};
use rmcp::service::RequestContext;
use rmcp::{tool, tool_router};
use schemars::JsonSchema;
use serde::Deserialize;

use super::params::Parameters;
use super::{ToolError, Toolset};
use crate::prompt_page::PromptPage;
use crate::server::DevopsServer;

pub const TOOLSET: Toolset = Toolset::Secrets;

/// How long the one-time page waits for the human to type a value.
const PROMPT_TIMEOUT: Duration = Duration::from_secs(600);

/// Arguments of `set_secret`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SetSecretParams {
    /// Where to store it: `{"store": "local"}` (default, encrypted on this machine), `{"store": "key_vault", "vault": "kv-name"}` or `{"store": "github", "repo": "owner/name", "environment": "production"}`.
    #[serde(default = "local_target")]
    pub target: SecretTarget,
    /// Secret name. Key Vault: letters, digits and `-`, 1-127. GitHub: letters, digits and `_`, not starting with a digit or `GITHUB_`.
    pub name: String,
    /// Where the value comes from, never the value itself: `{"kind": "generate", "format": "password"}`, `{"kind": "env", "name": "DB_PASSWORD"}`, `{"kind": "file", "path": ".env", "key": "DB_PASSWORD"}`, `{"kind": "copy", "from": {"store": "local"}, "name": "db-password"}`, or `{"kind": "prompt", "description": "the Stripe API key"}` (the user types it into a one-time local page). A literal `{"kind": "value", ...}` is refused unless the operator enabled it.
    pub source: SourceSpec,
    /// Metadata: content type, tags, enabled, expires and not-before (Key Vault and local store).
    #[serde(default)]
    pub properties: SecretProperties,
    /// Replace an existing secret (stores that keep versions keep the old one). Without it the user is asked to confirm when the client supports elicitation, else an existing secret is an error.
    #[serde(default)]
    pub overwrite: bool,
}

fn local_target() -> SecretTarget {
    SecretTarget::Local {}
}

/// The router with this module's one tool.
pub fn router() -> ToolRouter<DevopsServer> {
    DevopsServer::set_secret_router()
}

#[tool_router(router = set_secret_router, vis = "pub(crate)")]
impl DevopsServer {
    /// Store a secret; the description is what the agent reads.
    #[tool(
        name = "set_secret",
        description = "Store a secret in the local encrypted store, Azure Key Vault or GitHub Actions (repository, environment or organisation) without the value passing through you: name where it comes from (generate a random value, an environment variable of the server, a workspace file such as .env, a copy from another store, or a one-time local page where the user types it). Returns the secret's id, version and how to reference it (Key Vault reference for App Service, ${{ secrets.NAME }} for workflows), never the value. Asks before overwriting.",
        output_schema = rmcp::handler::server::common::schema_for_output::<SetOutcome>(),
        annotations(
            title = "Set a secret",
            read_only_hint = false,
            destructive_hint = true,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    pub async fn set_secret(
        &self,
        Parameters(params): Parameters<SetSecretParams>,
        InputResponses(responses): InputResponses,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ToolError> {
        let stores = crate::secrets::stores(self.config(), "mcp");
        let mut overwrite = params.overwrite && !self.config().backends.secrets.always_confirm_overwrite;
        let exists = devops_mcp_secrets::secret_exists(&stores, &params.target, &params.name).await?;
        if exists && !overwrite {
            let stateless = context
                .protocol_version()
                .is_some_and(|version| version >= ProtocolVersion::V_2026_07_28);
            if stateless {
                // 2026-07-28 forbids server-to-client requests: ask through an
                // input_required result and read the answer from the retry.
                match overwrite_answer(responses.as_ref()) {
                    Some(true) => overwrite = true,
                    Some(false) => {
                        return Err(ToolError::new(format!(
                            "the user chose to keep the existing `{}`; nothing was changed",
                            params.name
                        )));
                    }
                    None if can_elicit(&context) => {
                        return Ok(ask_overwrite(&params.name)?.into());
                    }
                    None => overwrite = self.confirm_overwrite(&context, &params.name, params.overwrite).await?,
                }
            } else {
                overwrite = self.confirm_overwrite(&context, &params.name, params.overwrite).await?;
            }
        }
        let prompted = match &params.source {
            SourceSpec::Prompt { description } => {
                let what = description.clone().unwrap_or_else(|| format!("the value of {}", params.name));
                Some(self.prompt_for_value(&context, &what).await?)
            }
            _ => None,
        };
        let workspace = self.workspace().clone();
        let env = |name: &str| std::env::var(name).ok();
        let read_file = move |path: &str| crate::secrets::read_workspace_file(&workspace, path);
        let mut source_context = SourceContext {
            env: &env,
            read_file: &read_file,
            allow_literal: self.config().backends.secrets.allow_literal_values,
            prompted,
        };
        let request = SetRequest {
            target: params.target,
            name: params.name,
            source: params.source,
            properties: params.properties,
            overwrite,
        };
        let outcome = devops_mcp_secrets::set_secret(&stores, request, &mut source_context).await?;
        let structured = serde_json::to_value(&outcome).map_err(|e| ToolError::new(e.to_string()))?;
        Ok(CallToolResult::structured(structured).into())
    }
}

/// The key of the overwrite question in an input_required round.
const CONFIRM_KEY: &str = "confirm_overwrite";

fn can_elicit(context: &RequestContext<RoleServer>) -> bool {
    context
        .client_capabilities()
        .and_then(|capabilities| capabilities.elicitation)
        .is_some()
}

fn overwrite_schema() -> Result<ElicitationSchema, ToolError> {
    serde_json::from_value(serde_json::json!({
        "type": "object",
        "properties": { "overwrite": { "type": "boolean", "title": "Replace it", "default": false } },
        "required": ["overwrite"]
    }))
    .map_err(|e| ToolError::new(e.to_string()))
}

/// An input_required result asking the user whether to replace `name`.
fn ask_overwrite(name: &str) -> Result<InputRequiredResult, ToolError> {
    let mut requests = InputRequests::new();
    requests.insert(
        CONFIRM_KEY.to_owned(),
        InputRequest::Elicitation(ElicitRequest::new(ElicitRequestParams::FormElicitationParams {
            meta: None,
            message: format!("The secret `{name}` already exists. Replace it with a new value?"),
            requested_schema: overwrite_schema()?,
        })),
    );
    Ok(InputRequiredResult::from_input_requests(requests))
}

/// The user's answer from a retried call: `Some(true)` only for an accepted "yes".
fn overwrite_answer(responses: Option<&rmcp::model::InputResponses>) -> Option<bool> {
    let answer = responses?.get(CONFIRM_KEY)?;
    let accepted = answer.get("action").and_then(serde_json::Value::as_str) == Some("accept");
    let yes = answer
        .pointer("/content/overwrite")
        .and_then(serde_json::Value::as_bool)
        .unwrap_or(false);
    Some(accepted && yes)
}

impl DevopsServer {
    /// Ask the user whether to replace an existing secret, when the client can ask.
    async fn confirm_overwrite(
        &self,
        context: &RequestContext<RoleServer>,
        name: &str,
        asked_to_overwrite: bool,
    ) -> Result<bool, ToolError> {
        if !can_elicit(context) {
            return Err(ToolError::new(if asked_to_overwrite {
                format!("`{name}` exists and the server requires the user to confirm overwrites, but this client cannot ask (no elicitation support); ask the user to overwrite it themselves")
            } else {
                format!("`{name}` already exists; pass `overwrite: true` to replace it (stores that keep versions keep the old value)")
            }));
        }
        let schema = overwrite_schema()?;
        let answer = context
            .peer
            .create_elicitation(ElicitRequestParams::FormElicitationParams {
                meta: None,
                message: format!("The secret `{name}` already exists. Replace it with a new value?"),
                requested_schema: schema,
            })
            .await
            .map_err(|e| ToolError::new(format!("could not ask the user to confirm the overwrite: {e}; pass `overwrite: true` if they agree")))?;
        let confirmed = answer.action == ElicitationAction::Accept
            && answer
                .content
                .as_ref()
                .and_then(|content| content.get("overwrite"))
                .and_then(serde_json::Value::as_bool)
                .unwrap_or(false);
        if confirmed {
            Ok(true)
        } else {
            Err(ToolError::new(format!("the user chose to keep the existing `{name}`; nothing was changed")))
        }
    }

    /// Send the user to a one-time local page and wait for the value they type.
    async fn prompt_for_value(
        &self,
        context: &RequestContext<RoleServer>,
        what: &str,
    ) -> Result<devops_mcp_secrets::SecretValue, ToolError> {
        let supports_url = context
            .client_capabilities()
            .and_then(|capabilities| capabilities.elicitation)
            .and_then(|elicitation| elicitation.url)
            .is_some();
        if !supports_url {
            return Err(ToolError::new(
                "the `prompt` source needs a client with URL-mode elicitation (protocol 2025-11-25); use `env`, `file` or `generate` instead, or ask the user to run `devops-mcp secrets import`",
            ));
        }
        let page = PromptPage::start(what).await?;
        let answer = context
            .peer
            .create_elicitation(ElicitRequestParams::UrlElicitationParams {
                meta: None,
                message: format!("Open this local page to enter {what}. The value goes straight to devops-mcp; the assistant never sees it."),
                url: page.url.clone(),
                elicitation_id: uuid::Uuid::new_v4().to_string(),
            })
            .await
            .map_err(|e| ToolError::new(format!("could not send the user to the entry page: {e}")))?;
        if answer.action != ElicitationAction::Accept {
            return Err(ToolError::new("the user declined to enter the value; nothing was stored"));
        }
        page.value(PROMPT_TIMEOUT)
            .await
            .ok_or_else(|| ToolError::new("no value was entered within 10 minutes; nothing was stored"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_an_accepted_yes_confirms_an_overwrite() {
        let answer = |value: serde_json::Value| {
            let mut responses = rmcp::model::InputResponses::new();
            responses.insert(CONFIRM_KEY.to_owned(), value);
            overwrite_answer(Some(&responses))
        };
        assert_eq!(
            answer(serde_json::json!({ "action": "accept", "content": { "overwrite": true } })),
            Some(true)
        );
        assert_eq!(
            answer(serde_json::json!({ "action": "accept", "content": { "overwrite": false } })),
            Some(false)
        );
        assert_eq!(
            answer(serde_json::json!({ "action": "decline" })),
            Some(false)
        );
        assert_eq!(overwrite_answer(None), None);
        assert!(serde_json::to_string(&ask_overwrite("db-password").unwrap())
            .unwrap()
            .contains(CONFIRM_KEY));
    }
}
