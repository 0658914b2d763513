//! The MCP server handler: tools, skills, resources, prompts, completions and
//! logging, over whichever transport carries the session.

#![allow(deprecated)] // LoggingLevel and notify_logging_message: still part of 2025-11-25.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::handler::server::tool::ToolCallContext;
use rmcp::model::{
    CacheScope, CallToolRequestParams, CallToolResponse, CompleteRequestParams, CompleteResult,
    CompletionInfo, GetPromptRequestParams, GetPromptResponse, GetSkillRequestParams,
    GetSkillResult, Implementation, ListPromptsResult, ListResourceTemplatesResult,
    ListResourcesResult, ListSkillsResult, ListToolsResult, LoggingLevel,
    LoggingMessageNotificationParam, PaginatedRequestParams, ProtocolVersion,
    ReadResourceDirectoryRequestParams, ReadResourceDirectoryResult, ReadResourceRequestParams,
    ReadResourceResponse, ReadResourceResult, Reference, ResourceTemplate, ServerCapabilities,
    ServerConfig, SetLevelRequestParams, SubscriptionFilter, Tool,
};
use rmcp::service::{NotificationContext, RequestContext, SubscriptionContext};
use rmcp::{ErrorData, RoleServer, ServerHandler};

use crate::config::Config;
use crate::notify::{Change, Notifier};
use crate::prompts::{Prompts, TEMPLATE_URI_PREFIX};
use crate::skills::Skills;
use crate::tools::{self, Toolset};
use crate::workspace::Workspace;

/// What the server tells an agent at `initialize`: what it is for and where
/// to start. The tool list in it is the configured one.
fn instructions(tools: &[Tool]) -> String {
    let names: Vec<&str> = tools.iter().map(|tool| tool.name.as_ref()).collect();
    format!(
        "devops-mcp gives you a DevOps team's tools for Azure and GitHub. Before planning, get \
the `session` prompt (or read the skills in resources/list, e.g. skill://cicd-automation/SKILL.md); \
each task prompt (provision-infrastructure, create-cicd-pipeline, ...) names the skills, the tools \
in order and the quality gates. Tools here: {}. Secrets: name where the value comes from, never \
paste it. Files are written only inside the workspace and never silently overwritten. Call \
`doctor` when a tool reports a missing backend.",
        names.join(", ")
    )
}

/// How long clients may cache list results (2026-07-28 caching hints). Lists
/// change only when skill folders change, and that is announced.
const LIST_TTL_MS: u64 = 60_000;

/// A failure to build the server from its configuration.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServerError {
    #[error("unknown toolset `{name}` in --toolsets; known toolsets: {known}")]
    UnknownToolset { name: String, known: String },
    #[error("unknown tool `{name}` in {option}; known tools: {known}")]
    UnknownTool {
        name: String,
        option: &'static str,
        known: String,
    },
    #[error(transparent)]
    Skills(#[from] crate::skills::SkillsError),
    #[error(transparent)]
    Prompts(#[from] crate::prompts::PromptFileError),
}

struct Shared {
    config: Config,
    workspace: Workspace,
    tools: ToolRouter<DevopsServer>,
    /// Tools the configuration hides, with the reason a call to one is refused.
    hidden: BTreeMap<String, String>,
    skills: Skills,
    prompts: Prompts,
    notifier: Notifier,
    /// Tool calls under way, so a shutdown can let them finish.
    in_flight: tokio_util::task::TaskTracker,
    /// Stateless HTTP calls, so a `notifications/cancelled` can reach them.
    stateless_calls: Arc<crate::http::StatelessCalls>,
    /// The Azure resource type data, loaded on first use.
    bicep_types: tokio::sync::OnceCell<Option<Arc<devops_mcp_azure::bicep::TypeIndex>>>,
    /// The semgrep scanner, created when first found.
    scanner: std::sync::Mutex<Option<Arc<devops_mcp_scan::Scanner>>>,
    /// The workflow JSON schema, compiled on first use.
    workflow_schema: std::sync::OnceLock<Option<Arc<devops_mcp_github::WorkflowSchema>>>,
    /// The local KQL engine (reopened when its data folder changes) and the
    /// runtime its queries run on.
    kql: tools::query_kql::KqlCache,
}

/// The server. Cheap to clone; [`DevopsServer::session`] gives each session
/// its own logging level while sharing everything else.
#[derive(Clone)]
pub struct DevopsServer {
    shared: Arc<Shared>,
    /// The level set with `logging/setLevel` on this session; `None` until set.
    log_level: Arc<Mutex<Option<LoggingLevel>>>,
}

impl std::fmt::Debug for DevopsServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DevopsServer")
            .field("workspace", &self.shared.config.workspace)
            .finish_non_exhaustive()
    }
}

impl DevopsServer {
    /// Build the server: register the tools the configuration allows, load skills and prompts.
    pub fn new(config: Config) -> Result<Self, ServerError> {
        let (tools, hidden) = build_tools(&config)?;
        let skills = Skills::load(&config.skills_dirs)?;
        let prompts = Prompts::embedded()?;
        Ok(Self {
            shared: Arc::new(Shared {
                workspace: Workspace::new(config.workspace.clone()),
                config,
                tools,
                hidden,
                skills,
                prompts,
                notifier: Notifier::default(),
                in_flight: tokio_util::task::TaskTracker::new(),
                stateless_calls: Arc::default(),
                workflow_schema: std::sync::OnceLock::new(),
                scanner: std::sync::Mutex::new(None),
                bicep_types: tokio::sync::OnceCell::new(),
                kql: tools::query_kql::KqlCache::default(),
            }),
            log_level: Arc::new(Mutex::new(None)),
        })
    }

    /// A handler for a new session: shared state, fresh per-session state.
    pub fn session(&self) -> Self {
        Self {
            shared: Arc::clone(&self.shared),
            log_level: Arc::new(Mutex::new(None)),
        }
    }

    pub fn config(&self) -> &Config {
        &self.shared.config
    }

    pub fn workspace(&self) -> &Workspace {
        &self.shared.workspace
    }

    pub fn skills(&self) -> &Skills {
        &self.shared.skills
    }

    pub fn prompts(&self) -> &Prompts {
        &self.shared.prompts
    }

    /// The tools this configuration serves, sorted by name.
    pub fn visible_tools(&self) -> Vec<Tool> {
        self.shared.tools.list_all()
    }

    /// The workflow schema, loaded and compiled by `load` on first use.
    pub(crate) fn cached_workflow_schema(
        &self,
        load: impl FnOnce() -> Option<devops_mcp_github::WorkflowSchema>,
    ) -> Option<Arc<devops_mcp_github::WorkflowSchema>> {
        self.shared
            .workflow_schema
            .get_or_init(|| load().map(Arc::new))
            .clone()
    }

    /// The type data, loaded by `load` on a blocking thread the first time. Calls that
    /// arrive during that load wait for it rather than each taking a thread of their own.
    pub(crate) async fn cached_bicep_types(
        &self,
        load: impl FnOnce(&Config) -> Option<devops_mcp_azure::bicep::TypeIndex> + Send + 'static,
    ) -> Option<Arc<devops_mcp_azure::bicep::TypeIndex>> {
        self.shared
            .bicep_types
            .get_or_init(|| async {
                let shared = Arc::clone(&self.shared);
                tokio::task::spawn_blocking(move || load(&shared.config).map(Arc::new))
                    .await
                    .ok()
                    .flatten()
            })
            .await
            .clone()
    }

    /// The scanner, created by `create` the first time it succeeds.
    pub(crate) fn cached_scanner<E>(
        &self,
        create: impl FnOnce() -> Result<devops_mcp_scan::Scanner, E>,
    ) -> Result<Arc<devops_mcp_scan::Scanner>, E> {
        let mut slot = self
            .shared
            .scanner
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if let Some(scanner) = slot.as_ref() {
            return Ok(Arc::clone(scanner));
        }
        let scanner = Arc::new(create()?);
        *slot = Some(Arc::clone(&scanner));
        Ok(scanner)
    }

    /// The table of in-flight stateless HTTP calls, for the `/mcp` guard.
    pub(crate) fn stateless_calls(&self) -> Arc<crate::http::StatelessCalls> {
        Arc::clone(&self.shared.stateless_calls)
    }

    /// The local KQL engine cache of `query_kql`.
    pub(crate) fn kql_cache(&self) -> &tools::query_kql::KqlCache {
        &self.shared.kql
    }

    /// Wait, at most `grace`, for the tool calls under way to finish.
    pub async fn drain(&self, grace: std::time::Duration) {
        self.shared.in_flight.close();
        if tokio::time::timeout(grace, self.shared.in_flight.wait())
            .await
            .is_err()
        {
            tracing::warn!(
                running = self.shared.in_flight.len(),
                "grace period over; cancelling the remaining tool calls"
            );
        }
    }

    /// Re-read skill folders on disk and tell clients when anything changed.
    pub async fn reload_skills(&self) -> bool {
        let changed = self.shared.skills.reload();
        if changed {
            tracing::info!("skills changed on disk; notifying clients");
            self.shared.notifier.broadcast(Change::Resources).await;
        }
        changed
    }

    /// Tell clients the tool list changed.
    pub async fn notify_tool_list_changed(&self) {
        self.shared.notifier.broadcast(Change::Tools).await;
    }

    /// Tell clients the prompt list changed.
    pub async fn notify_prompt_list_changed(&self) {
        self.shared.notifier.broadcast(Change::Prompts).await;
    }

    /// Send a log message to the client when it asked for this level: with
    /// `logging/setLevel` on a session, or (2026-07-28) in the request's `_meta`.
    pub async fn log_to_client(
        &self,
        context: &RequestContext<RoleServer>,
        level: LoggingLevel,
        message: impl Into<String>,
    ) {
        let wanted = context.meta.log_level().or_else(|| {
            let stateless = context
                .protocol_version()
                .is_some_and(|version| version >= ProtocolVersion::V_2026_07_28);
            if stateless {
                None
            } else {
                *self.log_level.lock().unwrap_or_else(|e| e.into_inner())
            }
        });
        let Some(wanted) = wanted else { return };
        if severity(level) < severity(wanted) {
            return;
        }
        let message = crate::redact::redact(&message.into()).into_owned();
        let param = LoggingMessageNotificationParam::new(level, serde_json::Value::String(message))
            .with_logger("devops-mcp");
        if let Err(error) = context.peer.notify_logging_message(param).await {
            tracing::debug!(%error, "log notification not delivered");
        }
    }
}

/// Why `params` do not deserialize as `T`, if they don't.
fn params_error<T: serde::de::DeserializeOwned>(params: serde_json::Value) -> Option<String> {
    serde_json::from_value::<T>(params)
        .err()
        .map(|error| error.to_string())
}

fn severity(level: LoggingLevel) -> u8 {
    match level {
        LoggingLevel::Debug => 0,
        LoggingLevel::Info => 1,
        LoggingLevel::Notice => 2,
        LoggingLevel::Warning => 3,
        LoggingLevel::Error => 4,
        LoggingLevel::Critical => 5,
        LoggingLevel::Alert => 6,
        LoggingLevel::Emergency => 7,
    }
}

/// Register every tool, then remove the ones the configuration hides,
/// remembering why so a call to a hidden tool gets a useful refusal.
fn build_tools(
    config: &Config,
) -> Result<(ToolRouter<DevopsServer>, BTreeMap<String, String>), ServerError> {
    let known_tools = || {
        tools::ALL
            .iter()
            .map(|entry| entry.name)
            .collect::<Vec<_>>()
            .join(", ")
    };
    for name in &config.toolsets {
        if !Toolset::ALL.iter().any(|set| set.name() == name) {
            return Err(ServerError::UnknownToolset {
                name: name.clone(),
                known: Toolset::ALL
                    .iter()
                    .map(|set| set.name())
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        }
    }
    for (option, names) in [
        ("--tools", &config.tools),
        ("--exclude-tools", &config.exclude_tools),
    ] {
        for name in names {
            if !tools::ALL.iter().any(|entry| entry.name == name) {
                return Err(ServerError::UnknownTool {
                    name: name.clone(),
                    option,
                    known: known_tools(),
                });
            }
        }
    }

    // rmcp caches every schema it generates in thread-locals of the calling
    // thread, beside the copy each tool keeps: generated on a short-lived
    // thread, those cached copies are freed when it ends, instead of living
    // as long as the main thread.
    let routers: Vec<ToolRouter<DevopsServer>> = std::thread::scope(|scope| {
        scope
            .spawn(|| tools::ALL.iter().map(|entry| (entry.router)()).collect())
            .join()
    })
    .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
    let mut router = ToolRouter::new();
    let mut hidden = BTreeMap::new();
    for (entry, mut tool_router) in tools::ALL.iter().zip(routers) {
        let read_only = tool_router
            .get(entry.name)
            .and_then(|tool| tool.annotations.as_ref())
            .and_then(|annotations| annotations.read_only_hint)
            .unwrap_or(false);
        let reason = if config.read_only && !read_only {
            Some("the server runs in read-only mode (--read-only); restart it without --read-only to allow changes".to_owned())
        } else if !config.toolsets.is_empty()
            && !config
                .toolsets
                .iter()
                .any(|set| set == entry.toolset.name())
        {
            Some(format!(
                "its toolset `{}` is not enabled; add it to --toolsets",
                entry.toolset.name()
            ))
        } else if !config.tools.is_empty() && !config.tools.iter().any(|name| name == entry.name) {
            Some("it is not in --tools; add it there to enable it".to_owned())
        } else if config.exclude_tools.iter().any(|name| name == entry.name) {
            Some("it is listed in --exclude-tools".to_owned())
        } else {
            None
        };
        match reason {
            Some(reason) => {
                hidden.insert(entry.name.to_owned(), reason);
            }
            None => router.merge(std::mem::take(&mut tool_router)),
        }
    }
    Ok((router, hidden))
}

fn resource_templates() -> Vec<ResourceTemplate> {
    vec![
        ResourceTemplate::new("skill://{name}/SKILL.md", "skill")
            .with_description("The SKILL.md of a DevOps skill; complete `name` for the list")
            .with_mime_type("text/markdown"),
        ResourceTemplate::new(format!("{TEMPLATE_URI_PREFIX}{{name}}"), "template")
            .with_description(
                "A document template (infrastructure, cicd-pipeline, observability-plan, runbook)",
            )
            .with_mime_type("text/markdown"),
    ]
}

/// Values offered for prompt arguments that take one of a known set.
fn argument_values(argument: &str) -> &'static [&'static str] {
    match argument {
        "environment" => &["dev", "staging", "prod"],
        "region" => devops_mcp_azure::bicep::catalog::REGIONS,
        "stack" => &[
            "python-django",
            "python-fastapi",
            "node",
            "dotnet",
            "rust",
            "container",
        ],
        "workload" => &["django", "fastapi", "node", "container", "static"],
        "target" | "deploy_target" => &["azure-webapp", "azure-container-apps"],
        "store" => &["local", "key_vault", "github"],
        "backend" => &["local", "log_analytics", "app_insights"],
        _ => &[],
    }
}

fn complete_from(candidates: Vec<String>, prefix: &str) -> Result<CompleteResult, ErrorData> {
    let prefix = prefix.to_lowercase();
    let mut values: Vec<String> = candidates
        .into_iter()
        .filter(|value| value.to_lowercase().starts_with(&prefix))
        .collect();
    let total = values.len();
    values.truncate(CompletionInfo::MAX_VALUES);
    let info = CompletionInfo::with_pagination(
        values,
        u32::try_from(total).ok(),
        total > CompletionInfo::MAX_VALUES,
    )
    .map_err(|error| ErrorData::internal_error(error, None))?;
    Ok(CompleteResult::new(info))
}

impl ServerHandler for DevopsServer {
    fn get_info(&self) -> ServerConfig {
        let capabilities = ServerCapabilities::builder()
            .enable_logging()
            .enable_completions()
            .enable_prompts()
            .enable_resources()
            .enable_resources_list_changed()
            .enable_tools()
            .enable_skills_with_directory_read()
            .build();
        #[cfg(feature = "conformance")]
        let capabilities = crate::fixtures::extend_capabilities(capabilities);
        ServerConfig::new(capabilities)
            .with_server_info(
                Implementation::new("devops-mcp", env!("CARGO_PKG_VERSION"))
                    .with_title("DevOps MCP server"),
            )
            .with_instructions(instructions(&self.visible_tools()))
    }

    async fn on_initialized(&self, context: NotificationContext<RoleServer>) {
        // Debug formatting quotes and escapes what the client chose to send.
        if let Some(client) = context.peer.peer_info() {
            tracing::info!(
                client = ?client.client_info.name,
                version = ?client.client_info.version,
                protocol = %client.protocol_version,
                "session started"
            );
        }
        self.shared.notifier.add_peer(context.peer);
    }

    fn accepted_subscription_filter(
        &self,
        requested: &SubscriptionFilter,
    ) -> Option<SubscriptionFilter> {
        Some(requested.supported_by(&self.get_info().capabilities))
    }

    async fn listen(&self, context: SubscriptionContext) -> Result<(), ErrorData> {
        let key = self.shared.notifier.add_sink(context.sink().clone());
        context.cancelled().await;
        self.shared.notifier.remove_sink(key);
        Ok(())
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        let mut tools = self.visible_tools();
        #[cfg(feature = "conformance")]
        tools.extend(crate::fixtures::tools());
        tools.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(ListToolsResult::with_all_items(tools)
            .with_ttl_ms(LIST_TTL_MS)
            .with_cache_scope(CacheScope::Public))
    }

    fn get_tool(&self, name: &str) -> Option<Tool> {
        #[cfg(feature = "conformance")]
        if let Some(tool) = crate::fixtures::tools()
            .into_iter()
            .find(|t| t.name == name)
        {
            return Some(tool);
        }
        self.shared.tools.get(name).cloned()
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        if let Some(reason) = self.shared.hidden.get(request.name.as_ref()) {
            return Err(ErrorData::invalid_params(
                format!("tool `{}` is disabled: {reason}", request.name),
                None,
            ));
        }
        #[cfg(feature = "conformance")]
        if crate::fixtures::has_tool(&request.name) {
            return crate::fixtures::call_tool(self, request, context).await;
        }
        if !self.shared.tools.has_route(&request.name) {
            return Err(ErrorData::invalid_params(
                format!(
                    "unknown tool `{}`; tools/list names the tools this server has",
                    request.name
                ),
                None,
            ));
        }
        // Per call, so debug (as tower-http logs requests): at info this line
        // cost a tenth of the HTTP throughput of a cheap tool.
        tracing::debug!(tool = %request.name, "tools/call");
        let _in_flight = self.shared.in_flight.token();
        let _cancellable = self.shared.stateless_calls.register(
            context.extensions.get::<axum::http::request::Parts>(),
            &context.id,
            &context.ct,
        );
        self.shared
            .tools
            .call(ToolCallContext::new(self, request, context))
            .await
    }

    async fn list_resources(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourcesResult, ErrorData> {
        let mut resources = self.shared.skills.resources();
        resources.extend(self.shared.prompts.template_resources());
        #[cfg(feature = "conformance")]
        resources.extend(crate::fixtures::resources());
        Ok(ListResourcesResult::with_all_items(resources)
            .with_ttl_ms(LIST_TTL_MS)
            .with_cache_scope(CacheScope::Public))
    }

    async fn list_resource_templates(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourceTemplatesResult, ErrorData> {
        #[allow(unused_mut)]
        let mut templates = resource_templates();
        #[cfg(feature = "conformance")]
        templates.extend(crate::fixtures::resource_templates());
        Ok(ListResourceTemplatesResult::with_all_items(templates)
            .with_ttl_ms(LIST_TTL_MS)
            .with_cache_scope(CacheScope::Public))
    }

    async fn read_resource(
        &self,
        request: ReadResourceRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<ReadResourceResponse, ErrorData> {
        let uri = request.uri.as_str();
        if let Some(result) = self.shared.skills.read_resource(uri) {
            return Ok(result.into());
        }
        if let Some(contents) = self.shared.prompts.read_template(uri) {
            return Ok(ReadResourceResult::new(vec![contents]).into());
        }
        #[cfg(feature = "conformance")]
        if let Some(result) = crate::fixtures::read_resource(uri) {
            return Ok(result.into());
        }
        Err(ErrorData::resource_not_found(
            format!(
                "no resource at {uri}; resources/list and resources/templates/list show what exists"
            ),
            Some(serde_json::json!({ "uri": uri })),
        ))
    }

    async fn list_prompts(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListPromptsResult, ErrorData> {
        #[allow(unused_mut)]
        let mut prompts = self.shared.prompts.list();
        #[cfg(feature = "conformance")]
        prompts.extend(crate::fixtures::prompts());
        Ok(ListPromptsResult::with_all_items(prompts)
            .with_ttl_ms(LIST_TTL_MS)
            .with_cache_scope(CacheScope::Public))
    }

    async fn get_prompt(
        &self,
        request: GetPromptRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<GetPromptResponse, ErrorData> {
        #[cfg(feature = "conformance")]
        if let Some(result) = crate::fixtures::get_prompt(&request) {
            return result;
        }
        self.shared
            .prompts
            .get(&request.name, request.arguments.as_ref())
            .map(Into::into)
    }

    async fn complete(
        &self,
        request: CompleteRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<CompleteResult, ErrorData> {
        let argument = &request.argument;
        let candidates: Vec<String> = match &request.r#ref {
            Reference::Prompt(prompt) => {
                #[cfg(feature = "conformance")]
                if let Some(values) = crate::fixtures::complete_prompt(&prompt.name, &argument.name)
                {
                    return complete_from(values, &argument.value);
                }
                // An argument we do not know has no suggestions: an empty
                // completion, as the protocol expects, not an error.
                if self
                    .shared
                    .prompts
                    .has_argument(&prompt.name, &argument.name)
                {
                    argument_values(&argument.name)
                        .iter()
                        .map(|value| (*value).to_owned())
                        .collect()
                } else {
                    Vec::new()
                }
            }
            Reference::Resource(template) => match template.uri.as_str() {
                "skill://{name}/SKILL.md" => self.shared.skills.names(),
                uri if uri == format!("{TEMPLATE_URI_PREFIX}{{name}}") => {
                    self.shared.prompts.template_names()
                }
                #[cfg(feature = "conformance")]
                uri if crate::fixtures::is_resource_template(uri) => {
                    crate::fixtures::complete_resource(&argument.name)
                }
                _ => Vec::new(),
            },
            _ => {
                return Err(ErrorData::invalid_params(
                    "completion/complete supports ref/prompt and ref/resource",
                    None,
                ));
            }
        };
        complete_from(candidates, &argument.value)
    }

    async fn set_level(
        &self,
        request: SetLevelRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<(), ErrorData> {
        *self.log_level.lock().unwrap_or_else(|e| e.into_inner()) = Some(request.level);
        Ok(())
    }

    #[cfg(feature = "conformance")]
    async fn subscribe(
        &self,
        request: rmcp::model::SubscribeRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<(), ErrorData> {
        crate::fixtures::subscribe(&request.uri);
        Ok(())
    }

    #[cfg(feature = "conformance")]
    async fn unsubscribe(
        &self,
        request: rmcp::model::UnsubscribeRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<(), ErrorData> {
        crate::fixtures::unsubscribe(&request.uri);
        Ok(())
    }

    /// rmcp routes a known method whose params do not parse here, as if the
    /// method were unknown; answer `-32602` with serde's reason instead of
    /// `-32601`, so the client learns what is wrong with its params.
    async fn on_custom_request(
        &self,
        request: rmcp::model::CustomRequest,
        _context: RequestContext<RoleServer>,
    ) -> Result<rmcp::model::CustomResult, ErrorData> {
        let params = request.params.clone().unwrap_or(serde_json::Value::Null);
        // A method we know whose params do not parse: say why. Anything else
        // routed here (unknown, or removed in this protocol version such as
        // `initialize` on 2026-07-28) is not found.
        let problem = match request.method.as_str() {
            "tools/call" => params_error::<CallToolRequestParams>(params),
            "resources/read" => params_error::<ReadResourceRequestParams>(params),
            "prompts/get" => params_error::<GetPromptRequestParams>(params),
            "completion/complete" => params_error::<CompleteRequestParams>(params),
            "skills/get" => params_error::<GetSkillRequestParams>(params),
            "resources/directory/read" => {
                params_error::<ReadResourceDirectoryRequestParams>(params)
            }
            _ => None,
        };
        Err(match problem {
            Some(problem) => ErrorData::invalid_params(
                format!("invalid params for {}: {problem}", request.method),
                None,
            ),
            None => ErrorData::new(
                rmcp::model::ErrorCode::METHOD_NOT_FOUND,
                format!("method not found: {}", request.method),
                None,
            ),
        })
    }

    async fn list_skills(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListSkillsResult, ErrorData> {
        Ok(self.shared.skills.list_skills())
    }

    async fn get_skill(
        &self,
        request: GetSkillRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<GetSkillResult, ErrorData> {
        self.shared.skills.get_skill(&request.uri)
    }

    async fn read_resource_directory(
        &self,
        request: ReadResourceDirectoryRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<ReadResourceDirectoryResult, ErrorData> {
        self.shared.skills.read_resource_directory(&request.uri)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn calls_during_the_first_type_data_load_wait_for_that_one_load() {
        let workspace = tempfile::tempdir().expect("tempdir");
        let config = Config::for_workspace(workspace.path()).expect("config");
        let server = DevopsServer::new(config).expect("server");
        let loads = Arc::new(AtomicUsize::new(0));
        let calls = (0..16).map(|_| {
            let server = server.clone();
            let loads = Arc::clone(&loads);
            tokio::spawn(async move {
                server
                    .cached_bicep_types(move |_| {
                        loads.fetch_add(1, Ordering::SeqCst);
                        std::thread::sleep(std::time::Duration::from_millis(50));
                        None
                    })
                    .await
            })
        });
        for call in futures::future::join_all(calls).await {
            assert!(call.expect("call finishes").is_none());
        }
        assert_eq!(loads.load(Ordering::SeqCst), 1);
        assert!(matches!(server.shared.bicep_types.get(), Some(None)));
    }
}
