//! `query_kql`: run or validate a KQL query. The `local` backend is the
//! embedded engine (`devops-mcp-kql` on DataFusion) over the files of
//! `[backends] kql_data_dir` plus the server's secret audit trail as the
//! table `secret_audit`; with no folder configured it still runs queries
//! that build their own data (`print`, `datatable`, `range`).
//!
//! Queries run on a runtime of their own ([`KqlCache`]): DataFusion is CPU
//! bound, and on the protocol's runtime (a single thread under stdio) a long
//! query would hold up every other request, progress notifications and the
//! cancellation that should stop it. The engine is opened once and reopened
//! only when the data folder's files change, so repeated calls reuse its
//! parsed JSON lines and CSV tables.
//!
//! The cloud backends, `log_analytics` (a workspace by its Workspace ID)
//! and `app_insights` (a resource-centric query by ARM resource ID), send
//! the query to the Log Analytics query API through
//! `devops_mcp_azure::monitor_logs`, signed with the server's Azure
//! credential chain (the one Key Vault uses). Their results take the local
//! result's shape: typed columns, at most `max_rows` rows of the primary
//! table, the service's statistics and render information, and a partial
//! error as a warning beside the rows it did return.
//!
//! The module also holds the one-shot writer behind `devops-mcp
//! sample-telemetry`, which creates a data folder to point `kql_data_dir` at.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock, PoisonError};
use std::time::{Duration, Instant, SystemTime};

use azure_core::credentials::TokenCredential;
use azure_core::http::ClientOptions;
use devops_mcp_azure::monitor_logs::{
    self, LogsColumnType, LogsErrorDetail, LogsQuery, LogsQueryClient, LogsResponse, LogsTarget,
    Timespan,
};
use devops_mcp_kql::{
    Analysis, Diagnostic, KqlError, KqlType, LocalEngine, QueryResult, RunOptions, SampleFormat,
    SampleSummary, Severity,
};
use rmcp::RoleServer;
use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::model::{CallToolResult, ContentBlock, JsonObject};
use rmcp::service::RequestContext;
use rmcp::{tool, tool_router};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::params::Parameters;
use super::{ToolError, Toolset};
use crate::config::Config;
use crate::progress::Progress;
use crate::server::DevopsServer;

pub const TOOLSET: Toolset = Toolset::Observability;

/// Rows returned when the call does not say.
const DEFAULT_MAX_ROWS: u32 = 200;
/// The most rows one call may ask for: more would not fit an agent's context.
const MAX_MAX_ROWS: u32 = 10_000;
/// Query timeout when the call does not say, in seconds.
const DEFAULT_TIMEOUT_SECONDS: u32 = 60;
/// The longest timeout a call may ask for, in seconds.
const MAX_TIMEOUT_SECONDS: u32 = 600;
/// Memory for a query's sorts, joins and aggregations unless configured.
const DEFAULT_MEMORY_LIMIT_MB: u64 = 1024;
/// How often a running query reports progress.
const HEARTBEAT: Duration = Duration::from_secs(1);
/// How long past its timeout a query may take before the call gives up on
/// it: the engine's own timer cannot fire while it parses a large JSON lines
/// file, which it does without yielding.
const TIMEOUT_GRACE: Duration = Duration::from_secs(1);
/// Rows and characters per cell shown in the text preview.
const PREVIEW_ROWS: usize = 20;
const PREVIEW_CELL_CHARS: usize = 60;
/// The table name of the server's secret audit trail.
const AUDIT_TABLE: &str = "secret_audit";
/// File extensions the local engine reads as tables.
const TABLE_EXTENSIONS: &[&str] = &["jsonl", "ndjson", "csv", "parquet"];
/// The cloud backends' time range when the call gives none.
const DEFAULT_TIMESPAN: &str = "P1D";

/// Where a query runs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum KqlBackend {
    /// The embedded engine: the tables of the configured local data folder plus `secret_audit`, or tables the query builds (`print`, `datatable`, `range`).
    #[default]
    Local,
    /// Azure Monitor Log Analytics: the workspace `workspace_id` (default: the server's configured workspace), with the server's Azure credential.
    LogAnalytics,
    /// Application Insights, or any Azure resource, by its ARM resource ID `resource_id`: a resource-centric Log Analytics query over the logs the resource sent, with the server's Azure credential.
    AppInsights,
}

impl KqlBackend {
    fn name(self) -> &'static str {
        match self {
            KqlBackend::Local => "local",
            KqlBackend::LogAnalytics => "log_analytics",
            KqlBackend::AppInsights => "app_insights",
        }
    }

    fn is_cloud(self) -> bool {
        self != KqlBackend::Local
    }
}

/// Arguments of `query_kql`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct QueryKqlParams {
    /// The KQL query, e.g. `requests | where timestamp > ago(1h) | summarize count() by bin(timestamp, 5m) | render timechart`. Queries only: management commands (`.show`, `.drop`, ...) are refused.
    pub query: String,
    /// Where to run it: `local` (default), the embedded engine over the files of the server's `[backends] kql_data_dir` folder (JSON lines, CSV, Parquet; table name = file stem) plus the table `secret_audit` (the server's secret audit trail); `log_analytics`, an Azure Log Analytics workspace (`workspace_id`); `app_insights`, an Application Insights component or other Azure resource by ARM ID (`resource_id`). The cloud backends sign in with the server's Azure credential (environment service principal or workload identity, managed identity, or `az login`).
    #[serde(default)]
    pub backend: KqlBackend,
    /// At most this many rows are returned (1 to 10000, default 200); the result says `truncated` and gives `total_rows` when the query produced more.
    #[serde(default = "default_max_rows")]
    #[schemars(range(min = 1, max = 10000))]
    pub max_rows: u32,
    /// Only parse and check the query against the table schemas, without running it: returns `valid`, the diagnostics (line, column, suggestion) and the result columns. Default false. On a cloud backend only the syntax is checked, locally, and nothing is sent to Azure (the tables are known only to the service).
    #[serde(default)]
    pub validate_only: bool,
    /// Stop the query after this many seconds (1 to 600, default 60); on a cloud backend it is the service's server timeout.
    #[serde(default = "default_timeout_seconds")]
    #[schemars(range(min = 1, max = 600))]
    pub timeout_seconds: u32,
    /// The instant `now()` and `ago()` refer to, as RFC 3339 (e.g. `2024-06-04T00:00:00Z`); default the current time. Set it to test an alert query on recorded data. Backend `local` only.
    #[serde(default)]
    pub now: Option<String>,
    /// Backend `log_analytics`: the workspace's Workspace ID, the GUID on its Overview page (not its name or ARM ID). Default: `log_analytics_workspace` under [backends.azure] in the server's devops-mcp.toml.
    #[serde(default)]
    pub workspace_id: Option<String>,
    /// Backend `app_insights` (required there): the ARM resource ID of the Application Insights component, e.g. `/subscriptions/{subscription}/resourceGroups/{group}/providers/Microsoft.Insights/components/{name}`; any Azure resource's ID gives a resource-centric query over the logs it sent.
    #[serde(default)]
    pub resource_id: Option<String>,
    /// Cloud backends: the period ending now that the query covers, an ISO 8601 duration (`PT30M`, `PT12H`, `P1D`, `P7D`); default `P1D`. Applied in addition to time filters in the query. Not together with `start`/`end`.
    #[serde(default)]
    pub timespan: Option<String>,
    /// Cloud backends: start of an absolute time range instead of `timespan`, RFC 3339 (e.g. `2024-06-03T00:00:00Z`); needs `end`.
    #[serde(default)]
    pub start: Option<String>,
    /// Cloud backends: end of the absolute time range, RFC 3339 (e.g. `2024-06-04T00:00:00Z`); needs `start`.
    #[serde(default)]
    pub end: Option<String>,
    /// Cloud backends: more workspaces to query together with the target (a cross-workspace query): Workspace IDs, qualified names or ARM resource IDs, at most 100. Default none.
    #[serde(default)]
    pub additional_workspaces: Vec<String>,
}

fn default_max_rows() -> u32 {
    DEFAULT_MAX_ROWS
}

fn default_timeout_seconds() -> u32 {
    DEFAULT_TIMEOUT_SECONDS
}

/// The router with this module's one tool.
pub fn router() -> ToolRouter<DevopsServer> {
    DevopsServer::query_kql_router()
}

#[tool_router(router = query_kql_router, vis = "pub(crate)")]
impl DevopsServer {
    /// Run KQL; the description is what the agent reads.
    #[tool(
        name = "query_kql",
        description = "Run a KQL (Kusto Query Language) query, or only validate it, and get typed results: columns with KQL types, rows (at most max_rows, default 200, with `truncated` and `total_rows`), statistics (rows, elapsed ms, bytes scanned) and the chart a final `render` asks for. Backend `local` runs on the server's embedded engine over the JSON lines, CSV and Parquet files of its configured data folder (table = file stem; e.g. Application Insights exports or `devops-mcp sample-telemetry` data) and its secret audit trail (table `secret_audit`), with KQL semantics (summarize, bin, percentiles, joins, parse, mv-expand, dynamic values, ...). Set `now` to replay an alert query on recorded data. Backends `log_analytics` (a Log Analytics workspace by Workspace ID, default the configured one) and `app_insights` (an Application Insights component or other Azure resource by ARM resource ID) run the query in Azure Monitor with the server's Azure credential, over `timespan` (default P1D) or `start`/`end`, with typed columns, the service's statistics and render, and partial results flagged as warnings. Syntax and semantic errors come back with line, column and a did-you-mean suggestion; an unknown table lists the tables that exist. Sends progress while a query runs and stops it when cancelled or after timeout_seconds.",
        output_schema = output_schema(),
        annotations(
            title = "Query logs with KQL",
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    pub async fn query_kql(
        &self,
        Parameters(params): Parameters<QueryKqlParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResult, ToolError> {
        let request = QueryRequest::from_params(params)?;
        match request.backend {
            KqlBackend::Local => self.query_local(request, &context).await,
            KqlBackend::LogAnalytics | KqlBackend::AppInsights => {
                self.query_cloud(request, &context).await
            }
        }
    }
}

/// A call's arguments, checked.
struct QueryRequest {
    query: String,
    backend: KqlBackend,
    max_rows: usize,
    validate_only: bool,
    timeout: Duration,
    now: Option<SystemTime>,
    /// The cloud backends' arguments; `None` for `local`.
    cloud: Option<CloudArgs>,
}

/// The arguments only the cloud backends take, checked for contradictions.
struct CloudArgs {
    workspace_id: Option<String>,
    resource_id: Option<String>,
    timespan: Timespan,
    additional_workspaces: Vec<String>,
}

impl CloudArgs {
    fn from_params(params: &mut QueryKqlParams) -> Result<Option<Self>, ToolError> {
        let backend = params.backend;
        if !backend.is_cloud() {
            let cloud_only = [
                ("workspace_id", params.workspace_id.is_some()),
                ("resource_id", params.resource_id.is_some()),
                ("timespan", params.timespan.is_some()),
                ("start", params.start.is_some()),
                ("end", params.end.is_some()),
                (
                    "additional_workspaces",
                    !params.additional_workspaces.is_empty(),
                ),
            ];
            if let Some((field, _)) = cloud_only.iter().find(|(_, set)| *set) {
                return Err(ToolError::new(format!(
                    "`{field}` applies to the cloud backends (`log_analytics`, `app_insights`), not to backend `local`; leave it out, or set `backend` to the cloud backend you mean"
                )));
            }
            return Ok(None);
        }
        if params.now.is_some() {
            return Err(ToolError::new(format!(
                "`now` applies to backend `local` only (it replays recorded data); on backend `{}` `now()` is the service's clock: choose the period with `timespan` or `start`/`end`",
                backend.name()
            )));
        }
        match backend {
            KqlBackend::LogAnalytics if params.resource_id.is_some() => {
                return Err(ToolError::new(
                    "`resource_id` is for backend `app_insights`; backend `log_analytics` queries the workspace `workspace_id`. Leave one of them out",
                ));
            }
            KqlBackend::AppInsights if params.workspace_id.is_some() => {
                return Err(ToolError::new(
                    "`workspace_id` is for backend `log_analytics`; backend `app_insights` queries the resource `resource_id` (to query the workspace an Application Insights component writes to, use backend `log_analytics` with that workspace's ID)",
                ));
            }
            _ => {}
        }
        let timespan = match (params.timespan.take(), params.start.take(), params.end.take()) {
            (Some(_), Some(_), _) | (Some(_), _, Some(_)) => {
                return Err(ToolError::new(
                    "`timespan` and `start`/`end` are both set; give either a duration ending now (`timespan`, e.g. `P1D`) or an absolute range (`start` and `end`), not both",
                ));
            }
            (None, Some(_), None) => {
                return Err(ToolError::new(
                    "`start` is set without `end`; give both (RFC 3339, e.g. `2024-06-03T00:00:00Z` and `2024-06-04T00:00:00Z`), or a duration ending now with `timespan`",
                ));
            }
            (None, None, Some(_)) => {
                return Err(ToolError::new(
                    "`end` is set without `start`; give both (RFC 3339), or a duration ending now with `timespan`",
                ));
            }
            (None, Some(start), Some(end)) => Timespan::Range { start, end },
            (Some(duration), None, None) => Timespan::Duration(duration),
            (None, None, None) => Timespan::Duration(DEFAULT_TIMESPAN.to_owned()),
        };
        Ok(Some(Self {
            workspace_id: params.workspace_id.take(),
            resource_id: params.resource_id.take(),
            timespan,
            additional_workspaces: std::mem::take(&mut params.additional_workspaces),
        }))
    }

    /// What to query: the given workspace or resource, else the configured workspace.
    fn target(&self, backend: KqlBackend, config: &Config) -> Result<LogsTarget, ToolError> {
        match backend {
            KqlBackend::AppInsights => match &self.resource_id {
                Some(id) => Ok(LogsTarget::Resource(id.clone())),
                None => Err(ToolError::new(
                    "backend `app_insights` needs `resource_id`: the ARM resource ID of the Application Insights component, e.g. `/subscriptions/{subscription}/resourceGroups/{group}/providers/Microsoft.Insights/components/{name}` (`az monitor app-insights component show -g GROUP -a NAME --query id -o tsv` prints it)",
                )),
            },
            _ => match self
                .workspace_id
                .clone()
                .or_else(|| config.backends.azure.log_analytics_workspace.clone())
            {
                Some(id) => Ok(LogsTarget::Workspace(id)),
                None => Err(ToolError::new(
                    "backend `log_analytics` needs a workspace and none is set: pass `workspace_id`, the Workspace ID (a GUID) on the workspace's Overview page in the Azure portal (`az monitor log-analytics workspace show -g GROUP -n NAME --query customerId -o tsv` prints it), or have the server's operator set `log_analytics_workspace` under [backends.azure] in devops-mcp.toml. To query an Application Insights component by its resource ID instead, use backend `app_insights` with `resource_id`",
                )),
            },
        }
    }
}

impl QueryRequest {
    fn from_params(mut params: QueryKqlParams) -> Result<Self, ToolError> {
        if params.query.trim().is_empty() {
            return Err(ToolError::new(
                "`query` is empty; give a KQL query such as `print now()` or `requests | take 10`",
            ));
        }
        if !(1..=MAX_MAX_ROWS).contains(&params.max_rows) {
            return Err(ToolError::new(format!(
                "`max_rows` must be between 1 and {MAX_MAX_ROWS} (got {}); summarize or filter in the query to see less",
                params.max_rows
            )));
        }
        if !(1..=MAX_TIMEOUT_SECONDS).contains(&params.timeout_seconds) {
            return Err(ToolError::new(format!(
                "`timeout_seconds` must be between 1 and {MAX_TIMEOUT_SECONDS} (got {})",
                params.timeout_seconds
            )));
        }
        let cloud = CloudArgs::from_params(&mut params)?;
        let now = params.now.as_deref().map(parse_instant).transpose()?;
        Ok(Self {
            query: params.query,
            backend: params.backend,
            max_rows: params.max_rows as usize,
            validate_only: params.validate_only,
            timeout: Duration::from_secs(u64::from(params.timeout_seconds)),
            now,
            cloud,
        })
    }
}

/// An RFC 3339 instant.
fn parse_instant(text: &str) -> Result<SystemTime, ToolError> {
    time::OffsetDateTime::parse(text.trim(), &time::format_description::well_known::Rfc3339)
        .map(SystemTime::from)
        .map_err(|error| {
            ToolError::new(format!(
                "`now` is not an RFC 3339 instant ({error}); write it like `2024-06-04T00:00:00Z`"
            ))
        })
}

impl DevopsServer {
    async fn query_local(
        &self,
        request: QueryRequest,
        context: &RequestContext<RoleServer>,
    ) -> Result<CallToolResult, ToolError> {
        let data = LocalData::from_config(self.config());
        let engine = self.kql_cache().engine(&data).await?;
        if request.validate_only {
            let analysis = engine.validate(&request.query);
            return Ok(validation_result(
                request.backend,
                &analysis,
                &request.query,
                &data,
            ));
        }
        let runtime = self.kql_cache().runtime()?;
        // Cancelled when the client cancels the call, and when this call
        // ends for any reason (the drop guard), so no query outlives its call.
        let token = context.ct.child_token();
        let _stop_query = token.clone().drop_guard();
        let options = RunOptions {
            max_rows: request.max_rows,
            timeout: Some(request.timeout),
            memory_limit: Some(memory_limit(self.config())),
            cancel: Some(token),
            now: request.now,
        };
        let query = request.query.clone();
        let running = Arc::clone(&engine);
        let mut task = AbortOnDrop(
            runtime
                .handle()
                .spawn(async move { running.run(&query, &options).await }),
        );
        let progress = Progress::for_request(context);
        progress.report(0.0, None, "query started").await;
        let started = Instant::now();
        let mut heartbeat =
            tokio::time::interval_at(tokio::time::Instant::now() + HEARTBEAT, HEARTBEAT);
        let deadline = tokio::time::sleep(request.timeout + TIMEOUT_GRACE);
        tokio::pin!(deadline);
        let mut beats = 0.0;
        let outcome = loop {
            tokio::select! {
                joined = &mut task.0 => {
                    break joined.map_err(|error| {
                        ToolError::new(format!("the query stopped unexpectedly: {error}"))
                    })?;
                }
                () = context.ct.cancelled() => break Err(KqlError::Cancelled),
                () = &mut deadline => {
                    break Err(KqlError::Timeout { seconds: request.timeout.as_secs_f64() });
                }
                _ = heartbeat.tick() => {
                    beats += 1.0;
                    let message = format!("query running ({} s)", started.elapsed().as_secs());
                    progress.report(beats, None, message).await;
                }
            }
        };
        match outcome {
            Ok(result) => Ok(query_result(request.backend, &result)),
            Err(error) => Err(ToolError::new(
                crate::redact::redact(&describe_error(&error, &data, &request)).into_owned(),
            )),
        }
    }
}

// ----- the cloud backends ------------------------------------------------------------

impl DevopsServer {
    /// Use `credential` and `options` (transport, retries, proxy) for `query_kql`'s cloud
    /// backends instead of the Azure credential chain of the server's environment and the
    /// default transport: for programs that embed the server with a credential of their
    /// own, and for tests against a local fake of the Log Analytics API. The endpoint stays
    /// `logs_endpoint` under [backends.azure]. Applies from the next query on.
    pub fn set_azure_logs_connection(
        &self,
        credential: Arc<dyn TokenCredential>,
        options: ClientOptions,
    ) {
        let mut logs = self
            .kql_cache()
            .logs
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        logs.connection = Some((credential, options));
        logs.client = None;
    }

    async fn query_cloud(
        &self,
        request: QueryRequest,
        context: &RequestContext<RoleServer>,
    ) -> Result<CallToolResult, ToolError> {
        let Some(cloud) = &request.cloud else {
            return Err(ToolError::new(
                "the cloud arguments are missing; this is a bug in the server",
            ));
        };
        if request.validate_only {
            return Ok(cloud_validation_result(request.backend, &request.query));
        }
        let target = cloud.target(request.backend, self.config())?;
        let client = self.kql_cache().logs_client(self.config())?;
        let mut query = LogsQuery::new(request.query.clone());
        query.timespan = Some(cloud.timespan.clone());
        query.server_timeout = Some(request.timeout);
        query.include_statistics = true;
        query.include_render = true;
        query.additional_workspaces = cloud.additional_workspaces.clone();

        let progress = Progress::for_request(context);
        progress
            .report(0.0, None, format!("query sent to {target}"))
            .await;
        let started = Instant::now();
        let running = client.query(&target, &query);
        tokio::pin!(running);
        let mut heartbeat =
            tokio::time::interval_at(tokio::time::Instant::now() + HEARTBEAT, HEARTBEAT);
        let mut beats = 0.0;
        // Dropping the request future on cancellation closes the connection; the
        // service may still finish the query, but nobody waits for it.
        let outcome = loop {
            tokio::select! {
                answered = &mut running => break answered,
                () = context.ct.cancelled() => {
                    return Err(ToolError::new(format!("the query for {target} was cancelled")));
                }
                _ = heartbeat.tick() => {
                    beats += 1.0;
                    let message = format!("query running ({} s)", started.elapsed().as_secs());
                    progress.report(beats, None, message).await;
                }
            }
        };
        match outcome {
            Ok(response) => Ok(cloud_result(
                request.backend,
                &target,
                &cloud.timespan,
                &response,
                request.max_rows,
                started.elapsed(),
            )),
            Err(error) => {
                tracing::info!(backend = request.backend.name(), kind = error.kind(), "cloud KQL query failed");
                Err(ToolError::new(
                    crate::redact::redact(&describe_logs_error(&error)).into_owned(),
                ))
            }
        }
    }
}

/// What the agent reads when the Log Analytics client fails: its own text (written for
/// an agent), with the client's field names turned into this tool's argument names and
/// the server-side settings named.
fn describe_logs_error(error: &monitor_logs::Error) -> String {
    match error {
        monitor_logs::Error::InvalidInput { field, problem } => {
            let ours = match field.as_str() {
                "target.workspace" => "workspace_id",
                "target.resource" => "resource_id",
                "timespan.duration" | "timespan" => "timespan",
                "timespan.range.start" | "timespan.start_duration.start" => "start",
                "timespan.range.end" => "end",
                "timespan.range" => "start`/`end",
                "server_timeout" | "server_timeout_seconds" => "timeout_seconds",
                // `query` and `additional_workspaces[i]` are this tool's names too.
                other => other,
            };
            format!("invalid `{ours}`: {problem}")
        }
        monitor_logs::Error::InvalidEndpoint { .. } => format!(
            "{error}; the server's operator sets it with `logs_endpoint` under [backends.azure] in devops-mcp.toml"
        ),
        monitor_logs::Error::Credential { .. } => format!(
            "{error}. The server's Azure credential chain tries, in order: AZURE_TENANT_ID + AZURE_CLIENT_ID + AZURE_CLIENT_SECRET (or AZURE_FEDERATED_TOKEN_FILE) in the server's environment, a managed identity, then the Azure CLI / Azure Developer CLI sign-in of the user running the server"
        ),
        // The client speaks of its own field; the agent sets `timeout_seconds`.
        monitor_logs::Error::Timeout { .. } => error.to_string().replace(
            "raise `server_timeout_seconds` (at most 600)",
            &format!("raise `timeout_seconds` (at most {MAX_TIMEOUT_SECONDS})"),
        ),
        other => other.to_string(),
    }
}

/// The structured result of a cloud query, with a text preview. Truncation and the
/// row count apply to the primary table (the query's main output, `PrimaryResult`).
fn cloud_result(
    backend: KqlBackend,
    target: &LogsTarget,
    timespan: &Timespan,
    response: &LogsResponse,
    max_rows: usize,
    wall: Duration,
) -> CallToolResult {
    let primary = response
        .tables
        .iter()
        .find(|t| t.name == "PrimaryResult")
        .or_else(|| response.tables.first());
    let (columns, all_rows): (Vec<(&str, &LogsColumnType)>, &[Vec<Value>]) = match primary {
        Some(table) => (
            table
                .columns
                .iter()
                .map(|c| (c.name.as_str(), &c.column_type))
                .collect(),
            &table.rows,
        ),
        None => (Vec::new(), &[]),
    };
    let total_rows = all_rows.len();
    let truncated = total_rows > max_rows;
    let rows = &all_rows[..total_rows.min(max_rows)];
    let service_statistics = response.statistics.clone();
    // The service reports its own execution time in seconds; without it, the call's wall time.
    let elapsed_ms = service_statistics
        .as_ref()
        .and_then(|s| s.pointer("/query/executionTime"))
        .and_then(Value::as_f64)
        .map_or(wall.as_secs_f64() * 1000.0, |seconds| seconds * 1000.0);
    let mut statistics = json!({"rows": total_rows, "elapsed_ms": elapsed_ms});
    if let Some(service) = &service_statistics {
        statistics["service"] = service.clone();
    }
    let render = response.render.as_ref().and_then(render_from_service);
    let warnings: Vec<Value> = response
        .partial_error
        .iter()
        .map(|error| {
            json!({
                "severity": "warning",
                "code": if error.code.is_empty() { "PartialError" } else { error.code.as_str() },
                "message": format!("partial result: {}; the rows returned are incomplete, narrow the time range or the query and run it again", error.describe()),
                "source": "service",
                "error": error,
            })
        })
        .collect();
    let structured = json!({
        "backend": backend.name(),
        "validate_only": false,
        "target": target.to_string(),
        "timespan": timespan_text(timespan),
        "columns": columns
            .iter()
            .map(|(name, ty)| json!({"name": name, "type": kql_type_name(ty)}))
            .collect::<Vec<_>>(),
        "rows": rows,
        "truncated": truncated,
        "total_rows": total_rows,
        "statistics": statistics,
        "render": render.as_ref().map(|(visualization, properties)| json!({
            "visualization": visualization,
            "properties": properties
                .iter()
                .map(|(k, v)| (k.clone(), Value::from(v.as_str())))
                .collect::<serde_json::Map<String, Value>>(),
        })),
        "warnings": warnings,
    });
    let preview_columns: Vec<(&str, &str)> =
        columns.iter().map(|(name, ty)| (*name, ty.as_str())).collect();
    let warning_lines: Vec<String> = response
        .partial_error
        .iter()
        .map(partial_error_line)
        .collect();
    let mut text = format!("{} ({}): ", target, timespan_text(timespan));
    text.push_str(&render_preview(&PreviewData {
        total_rows: u64::try_from(total_rows).unwrap_or(u64::MAX),
        columns: &preview_columns,
        rows,
        truncated,
        elapsed_ms,
        bytes_scanned: None,
        render,
        warnings: &warning_lines,
    }));
    if response.tables.len() > 1 {
        text.push_str(&format!(
            "\n(the service returned {} tables; only the primary one is shown)",
            response.tables.len()
        ));
    }
    let mut call_result = CallToolResult::structured(structured);
    call_result.content = vec![ContentBlock::text(text)];
    call_result
}

fn partial_error_line(error: &LogsErrorDetail) -> String {
    format!(
        "- warning [{}]: partial result: {}; the rows above are incomplete, narrow the time range or the query and run it again",
        if error.code.is_empty() { "PartialError" } else { &error.code },
        error.describe()
    )
}

/// A column type's KQL name, or null for a type this server does not know.
fn kql_type_name(ty: &LogsColumnType) -> Value {
    KqlType::ALL
        .iter()
        .find(|t| t.name() == ty.as_str())
        .map_or(Value::Null, |t| Value::from(t.name()))
}

/// The time range as sent, for the agent to see what it queried.
fn timespan_text(timespan: &Timespan) -> String {
    match timespan {
        Timespan::Duration(duration) => duration.trim().to_owned(),
        Timespan::Range { start, end } => format!("{}/{}", start.trim(), end.trim()),
        Timespan::StartDuration { start, duration } => {
            format!("{}/{}", start.trim(), duration.trim())
        }
    }
}

/// The service's render object (`visualization`, `title`, `kind`, `xColumn`, ...) as a
/// visualization and its set properties, as text.
fn render_from_service(render: &Value) -> Option<(String, Vec<(String, String)>)> {
    let object = render.as_object()?;
    let visualization = object.get("visualization")?.as_str()?.trim();
    if visualization.is_empty() {
        return None;
    }
    let mut properties: Vec<(String, String)> = object
        .iter()
        .filter(|(key, _)| key.as_str() != "visualization")
        .filter_map(|(key, value)| {
            let text = match value {
                Value::Null => return None,
                Value::String(text) => text.clone(),
                Value::Array(items) => items
                    .iter()
                    .map(|item| match item {
                        Value::String(text) => text.clone(),
                        other => other.to_string(),
                    })
                    .collect::<Vec<_>>()
                    .join(", "),
                other => other.to_string(),
            };
            (!text.is_empty()).then(|| (key.clone(), text))
        })
        .collect();
    properties.sort();
    Some((visualization.to_owned(), properties))
}

/// `validate_only` on a cloud backend: the syntax, checked locally. The tables live in
/// the workspace, so names and types are left to the service.
fn cloud_validation_result(backend: KqlBackend, query: &str) -> CallToolResult {
    let (diagnostics, render) = match devops_mcp_kql::parse(query) {
        Ok(parsed) => (
            Vec::new(),
            devops_mcp_kql::analyze(&parsed, &devops_mcp_kql::Catalog::new()).render,
        ),
        Err(error) => (vec![*error.diagnostic], None),
    };
    let valid = diagnostics.is_empty();
    let structured = json!({
        "backend": backend.name(),
        "validate_only": true,
        "syntax_only": true,
        "valid": valid,
        "diagnostics": diagnostics,
        "columns": [],
        "columns_complete": false,
        "render": render,
    });
    let mut text = if valid {
        format!(
            "The query's syntax is valid. Only the syntax was checked, locally; nothing was sent to Azure, so table, column and function names are checked by backend `{}` when the query runs.",
            backend.name()
        )
    } else {
        "The query is not valid KQL (1 error; only the syntax was checked, locally, and nothing was sent to Azure):".to_owned()
    };
    if let Some(render) = &render {
        text.push_str(&format!(" Render: {}.", render.visualization));
    }
    for diagnostic in &diagnostics {
        text.push('\n');
        text.push_str(&diagnostic_line(diagnostic));
        if let Some(caret) = caret(query, diagnostic) {
            text.push('\n');
            text.push_str(&caret);
        }
    }
    let mut call_result = CallToolResult::structured(structured);
    call_result.content = vec![ContentBlock::text(text)];
    call_result
}

/// The Log Analytics client `query_kql` shares across calls (its bearer policy caches
/// the token), and what it is built from.
#[derive(Default)]
struct LogsState {
    /// A credential and client options set by [`DevopsServer::set_azure_logs_connection`].
    connection: Option<(Arc<dyn TokenCredential>, ClientOptions)>,
    client: Option<Arc<LogsQueryClient>>,
}

/// Aborts a spawned query when the call that waits for it goes away.
struct AbortOnDrop<T>(tokio::task::JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

fn memory_limit(config: &Config) -> usize {
    let mib = config
        .backends
        .kql_memory_limit_mb
        .unwrap_or(DEFAULT_MEMORY_LIMIT_MB)
        .max(1);
    usize::try_from(mib.saturating_mul(1 << 20)).unwrap_or(usize::MAX)
}

// ----- results -------------------------------------------------------------------

/// The structured result of a query that ran, with a text preview.
fn query_result(backend: KqlBackend, result: &QueryResult) -> CallToolResult {
    let structured = json!({
        "backend": backend.name(),
        "validate_only": false,
        "columns": result.columns,
        "rows": result.rows,
        "truncated": result.truncated,
        "total_rows": result.total_rows,
        "statistics": result.statistics,
        "render": result.render,
        "warnings": result.warnings,
    });
    let mut call_result = CallToolResult::structured(structured);
    call_result.content = vec![ContentBlock::text(preview(result))];
    call_result
}

/// The structured result of `validate_only`, with a short text.
fn validation_result(
    backend: KqlBackend,
    analysis: &Analysis,
    query: &str,
    data: &LocalData,
) -> CallToolResult {
    let valid = !analysis.has_errors();
    let (columns, complete) = match &analysis.output {
        Some(output) => (
            output
                .columns
                .iter()
                .map(|c| json!({"name": c.name, "type": c.ty}))
                .collect::<Vec<_>>(),
            output.complete,
        ),
        None => (Vec::new(), false),
    };
    let structured = json!({
        "backend": backend.name(),
        "validate_only": true,
        "valid": valid,
        "diagnostics": analysis.diagnostics,
        "columns": columns,
        "columns_complete": complete,
        "render": analysis.render,
    });
    let mut text = if valid {
        let names: Vec<String> = analysis
            .output
            .iter()
            .flat_map(|o| &o.columns)
            .map(|c| match c.ty {
                Some(ty) => format!("{} ({})", c.name, ty.name()),
                None => c.name.clone(),
            })
            .collect();
        let more = if complete {
            ""
        } else {
            " (and columns known only when it runs)"
        };
        format!(
            "The query is valid. Result columns: {}{more}.",
            if names.is_empty() {
                "none".to_owned()
            } else {
                names.join(", ")
            }
        )
    } else {
        let errors = analysis
            .diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .count();
        format!("The query is not valid ({errors} error{}):", plural(errors))
    };
    if let Some(render) = &analysis.render {
        text.push_str(&format!(" Render: {}.", render.visualization));
    }
    for diagnostic in &analysis.diagnostics {
        text.push('\n');
        text.push_str(&diagnostic_line(diagnostic));
        if let Some(caret) = caret(query, diagnostic) {
            text.push('\n');
            text.push_str(&caret);
        }
    }
    if analysis
        .diagnostics
        .iter()
        .any(|d| d.code == "unknown-table")
    {
        text.push('\n');
        text.push_str(&data.how_to_add_tables());
    }
    let mut call_result = CallToolResult::structured(structured);
    call_result.content = vec![ContentBlock::text(text)];
    call_result
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// A compact text view of a result: a summary line and the first rows as a
/// Markdown table, which is what most agents read first.
fn preview(result: &QueryResult) -> String {
    let columns: Vec<(&str, &str)> = result
        .columns
        .iter()
        .map(|c| (c.name.as_str(), c.ty.name()))
        .collect();
    let render = result.render.as_ref().map(|r| {
        (
            r.visualization.clone(),
            r.properties
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        )
    });
    let warnings: Vec<String> = result.warnings.iter().map(diagnostic_line).collect();
    render_preview(&PreviewData {
        total_rows: result.total_rows,
        columns: &columns,
        rows: &result.rows,
        truncated: result.truncated,
        elapsed_ms: result.statistics.elapsed_ms,
        bytes_scanned: Some(result.statistics.bytes_scanned),
        render,
        warnings: &warnings,
    })
}

/// What a text preview shows, from either backend's result.
struct PreviewData<'a> {
    total_rows: u64,
    /// Name and type of each column.
    columns: &'a [(&'a str, &'a str)],
    /// The returned rows.
    rows: &'a [Vec<Value>],
    truncated: bool,
    elapsed_ms: f64,
    bytes_scanned: Option<u64>,
    /// Visualization and its properties.
    render: Option<(String, Vec<(String, String)>)>,
    /// One line each.
    warnings: &'a [String],
}

fn render_preview(data: &PreviewData<'_>) -> String {
    let mut text = format!(
        "{} row{} x {} column{} in {:.0} ms",
        data.total_rows,
        plural(usize::try_from(data.total_rows).unwrap_or(usize::MAX)),
        data.columns.len(),
        plural(data.columns.len()),
        data.elapsed_ms,
    );
    if let Some(bytes) = data.bytes_scanned {
        text.push_str(&format!(" ({} scanned)", human_bytes(bytes)));
    }
    if data.truncated {
        text.push_str(&format!(
            "; truncated to the first {} rows (raise max_rows, or summarize)",
            data.rows.len()
        ));
    }
    text.push('.');
    if let Some((visualization, properties)) = &data.render {
        text.push_str(&format!(" Render: {visualization}"));
        if !properties.is_empty() {
            let properties: Vec<String> =
                properties.iter().map(|(k, v)| format!("{k}={v}")).collect();
            text.push_str(&format!(" ({})", properties.join(", ")));
        }
        text.push('.');
    }
    if !data.columns.is_empty() {
        text.push_str("\n\n|");
        for (name, ty) in data.columns {
            text.push_str(&format!(" {name}: {ty} |"));
        }
        text.push_str("\n|");
        text.push_str(&"---|".repeat(data.columns.len()));
        for row in data.rows.iter().take(PREVIEW_ROWS) {
            text.push_str("\n|");
            for cell in row {
                text.push_str(&format!(" {} |", preview_cell(cell)));
            }
        }
        if data.rows.len() > PREVIEW_ROWS {
            text.push_str(&format!(
                "\n\n(first {PREVIEW_ROWS} of {} returned rows shown; structuredContent.rows has them all)",
                data.rows.len()
            ));
        }
    }
    for warning in data.warnings {
        text.push('\n');
        text.push_str(warning);
    }
    text
}

fn preview_cell(cell: &Value) -> String {
    let text = match cell {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let text = text.replace('|', "\\|").replace(['\n', '\r'], " ");
    if text.chars().count() > PREVIEW_CELL_CHARS {
        let cut: String = text.chars().take(PREVIEW_CELL_CHARS - 1).collect();
        format!("{cut}…")
    } else {
        text
    }
}

fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64;
    let mut unit = "B";
    for next in UNITS {
        if value < 1024.0 {
            break;
        }
        value /= 1024.0;
        unit = next;
    }
    format!("{value:.1} {unit}")
}

/// One diagnostic on one line: where, what, and the suggestion.
fn diagnostic_line(d: &Diagnostic) -> String {
    let severity = match d.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    let mut line = format!(
        "- {severity} at line {}, column {} [{}]: {}",
        d.line, d.column, d.code, d.message
    );
    if let Some(suggestion) = &d.suggestion
        && !d.message.contains("Did you mean")
    {
        line.push_str(&format!(" Did you mean `{suggestion}`?"));
    }
    if d.code == "syntax" && !d.expected.is_empty() && !d.message.contains("Expected") {
        let shown: Vec<&str> = d.expected.iter().take(12).map(String::as_str).collect();
        line.push_str(&format!(" Expected one of: {}.", shown.join(", ")));
    }
    line
}

/// The query line of a diagnostic with a caret under the problem.
fn caret(query: &str, d: &Diagnostic) -> Option<String> {
    let text = query.lines().nth(d.line.checked_sub(1)?)?;
    let start = d.column.max(1);
    let end = if d.end_line == d.line {
        d.end_column.max(start + 1)
    } else {
        text.chars().count() + 1
    };
    let gutter = format!("{} | ", d.line);
    Some(format!(
        "{gutter}{text}\n{}{}",
        " ".repeat(gutter.chars().count() + start - 1),
        "^".repeat(end - start)
    ))
}

/// What the agent reads when a query fails: the problems with positions,
/// and what to do about them.
fn describe_error(error: &KqlError, data: &LocalData, request: &QueryRequest) -> String {
    let diagnostics = error.diagnostics();
    if diagnostics.is_empty() {
        return match error {
            KqlError::Timeout { .. } => format!(
                "{error} (timeout_seconds is {}, at most {MAX_TIMEOUT_SECONDS})",
                request.timeout.as_secs()
            ),
            KqlError::MemoryLimit { .. } => format!(
                "{error}; the server operator sets the limit with `kql_memory_limit_mb` under [backends] in devops-mcp.toml"
            ),
            KqlError::DataSource { .. } => format!(
                "{error}. Fix or remove that file in the local data folder{}",
                data.dir_note()
            ),
            other => other.to_string(),
        };
    }
    let errors = diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count();
    let mut text = match error {
        KqlError::Plan { .. } => {
            "The local engine cannot run this query (it is valid KQL):".to_owned()
        }
        _ => format!(
            "The query is not valid KQL ({errors} error{}):",
            plural(errors)
        ),
    };
    for diagnostic in &diagnostics {
        text.push('\n');
        text.push_str(&diagnostic_line(diagnostic));
        if let Some(caret) = caret(&request.query, diagnostic) {
            text.push('\n');
            text.push_str(&caret);
        }
    }
    if matches!(error, KqlError::Plan { .. }) {
        text.push_str("\nRewrite that part with operators and functions the engine runs (docs/kql.md lists them).");
    }
    if diagnostics.iter().any(|d| d.code == "unknown-table") {
        text.push('\n');
        text.push_str(&data.how_to_add_tables());
    }
    text.push_str(
        "\nFix the query and call again; `validate_only: true` checks a query without running it.",
    );
    text
}

// ----- the local data and the engine cache -----------------------------------------

/// Where the local backend's tables come from, per the configuration.
#[derive(Debug, Clone)]
struct LocalData {
    /// The configured folder, made absolute against the workspace.
    dir: Option<PathBuf>,
    /// The secret audit trail (it may not exist yet).
    audit: PathBuf,
}

impl LocalData {
    fn from_config(config: &Config) -> Self {
        let dir = config.backends.kql_data_dir.as_ref().map(|dir| {
            if dir.is_absolute() {
                dir.clone()
            } else {
                config.workspace.join(dir)
            }
        });
        Self {
            dir,
            audit: crate::secrets::audit_path(config),
        }
    }

    fn dir_note(&self) -> String {
        match &self.dir {
            Some(dir) => format!(" ({})", dir.display()),
            None => String::new(),
        }
    }

    /// How to get more tables, for an unknown-table error.
    fn how_to_add_tables(&self) -> String {
        match &self.dir {
            Some(dir) => format!(
                "The local tables are the .jsonl, .ndjson, .csv and .parquet files in {} (table name = file stem) plus `{AUDIT_TABLE}`; add a file there to add a table.",
                dir.display()
            ),
            None => format!(
                "No local data folder is configured, so the local backend has only `{AUDIT_TABLE}` (the server's secret audit trail) and tables the query builds itself (`print`, `datatable`, `range`). To query logs, set `kql_data_dir` under [backends] in devops-mcp.toml to a folder of .jsonl, .csv or .parquet files (table name = file stem), or create sample Application Insights data with `devops-mcp sample-telemetry --out DIR` and point `kql_data_dir` at DIR."
            ),
        }
    }
}

/// The state `query_kql` keeps between calls: the query runtime and the
/// opened engine. One per server, shared by all sessions.
#[derive(Default)]
pub struct KqlCache {
    runtime: OnceLock<Result<Arc<QueryRuntime>, String>>,
    state: Arc<tokio::sync::Mutex<EngineState>>,
    /// The cloud backends' client, built on first use.
    logs: std::sync::Mutex<LogsState>,
}

impl std::fmt::Debug for KqlCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KqlCache").finish_non_exhaustive()
    }
}

impl KqlCache {
    /// The Log Analytics client for the configured endpoint: the one built before, else a
    /// new one with the injected connection or the environment's credential chain.
    fn logs_client(&self, config: &Config) -> Result<Arc<LogsQueryClient>, ToolError> {
        let mut logs = self.logs.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(client) = &logs.client {
            return Ok(Arc::clone(client));
        }
        let (credential, options) = match &logs.connection {
            Some((credential, options)) => (Arc::clone(credential), Some(options.clone())),
            None => {
                let credential = crate::secrets::azure_credential().map_err(|error| {
                    ToolError::new(format!(
                        "the server's Azure credential cannot be set up: {error}; fix the AZURE_* variables of the server's environment (AZURE_TENANT_ID, AZURE_CLIENT_ID with AZURE_CLIENT_SECRET or AZURE_FEDERATED_TOKEN_FILE), or unset them to use a managed identity or `az login`"
                    ))
                })?;
                (credential, None)
            }
        };
        let endpoint = config
            .backends
            .azure
            .logs_endpoint
            .as_deref()
            .unwrap_or(monitor_logs::DEFAULT_ENDPOINT);
        let client = LogsQueryClient::new(endpoint, credential, options)
            .map_err(|error| ToolError::new(describe_logs_error(&error)))?;
        let client = Arc::new(client);
        logs.client = Some(Arc::clone(&client));
        Ok(client)
    }

    /// The runtime queries run on, started on first use.
    fn runtime(&self) -> Result<Arc<QueryRuntime>, ToolError> {
        self.runtime
            .get_or_init(|| QueryRuntime::start().map(Arc::new))
            .clone()
            .map_err(|error| ToolError::new(format!("the query runtime could not start: {error}")))
    }

    /// The engine for `data`: the cached one while the folder's files are
    /// unchanged, else a fresh one. The audit table is refreshed either way.
    async fn engine(&self, data: &LocalData) -> Result<Arc<LocalEngine>, ToolError> {
        let mut state = Arc::clone(&self.state).lock_owned().await;
        let data = data.clone();
        tokio::task::spawn_blocking(move || state.prepare(&data))
            .await
            .map_err(|error| ToolError::new(format!("opening the local tables failed: {error}")))?
    }
}

/// A multi-threaded Tokio runtime for DataFusion's work. Shut down in the
/// background when dropped, since the server may be dropped on an async thread.
struct QueryRuntime(Option<tokio::runtime::Runtime>);

impl QueryRuntime {
    fn start() -> Result<Self, String> {
        let threads = std::thread::available_parallelism().map_or(2, usize::from);
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(threads)
            .thread_name("devops-mcp-kql")
            .enable_all()
            .build()
            .map(|runtime| Self(Some(runtime)))
            .map_err(|error| error.to_string())
    }

    fn handle(&self) -> tokio::runtime::Handle {
        match &self.0 {
            Some(runtime) => runtime.handle().clone(),
            // Only `drop` empties it.
            None => tokio::runtime::Handle::current(),
        }
    }
}

impl Drop for QueryRuntime {
    fn drop(&mut self) {
        if let Some(runtime) = self.0.take() {
            runtime.shutdown_background();
        }
    }
}

/// Size and modification time of a file, to notice changes.
type Stamp = (u64, SystemTime);

#[derive(Default)]
struct EngineState {
    audit: Option<AuditTable>,
    opened: Option<OpenedEngine>,
}

struct OpenedEngine {
    dir: Option<PathBuf>,
    listing: Vec<(OsString, Stamp)>,
    audit_file: Option<PathBuf>,
    engine: Arc<LocalEngine>,
}

impl EngineState {
    fn prepare(&mut self, data: &LocalData) -> Result<Arc<LocalEngine>, ToolError> {
        let listing = match &data.dir {
            Some(dir) => list_folder(dir)?,
            None => Vec::new(),
        };
        // A table of the user's own named `secret_audit` wins over ours.
        let own_audit = listing.iter().any(|(name, _)| {
            is_table_file(Path::new(name))
                && Path::new(name)
                    .file_stem()
                    .is_some_and(|s| s == AUDIT_TABLE)
        });
        let audit_file = if own_audit {
            None
        } else {
            if self.audit.is_none() {
                self.audit = Some(AuditTable::create()?);
            }
            match &mut self.audit {
                Some(audit) => Some(audit.refresh(&data.audit)?),
                None => None,
            }
        };
        if let Some(opened) = &self.opened
            && opened.dir == data.dir
            && opened.listing == listing
            && opened.audit_file == audit_file
        {
            return Ok(Arc::clone(&opened.engine));
        }
        let extra: Vec<(String, PathBuf)> = audit_file
            .iter()
            .map(|path| (AUDIT_TABLE.to_owned(), path.clone()))
            .collect();
        let engine = LocalEngine::open(data.dir.as_deref(), &extra).map_err(|error| {
            ToolError::new(format!(
                "{error}. Fix or remove that file in the local data folder{} (`kql_data_dir` under [backends] in devops-mcp.toml)",
                data.dir_note()
            ))
        })?;
        tracing::info!(
            tables = engine.catalog().tables().count(),
            dir = ?data.dir,
            "opened the local KQL tables"
        );
        let engine = Arc::new(engine);
        self.opened = Some(OpenedEngine {
            dir: data.dir.clone(),
            listing,
            audit_file,
            engine: Arc::clone(&engine),
        });
        Ok(engine)
    }
}

fn is_table_file(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| TABLE_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
}

/// Name, size and modification time of every file directly in `dir`.
fn list_folder(dir: &Path) -> Result<Vec<(OsString, Stamp)>, ToolError> {
    let not_usable = |error: std::io::Error| {
        ToolError::new(format!(
            "the local data folder {} (`kql_data_dir` under [backends] in devops-mcp.toml) cannot be read: {error}; fix the path, or create sample data there with `devops-mcp sample-telemetry --out {}`",
            dir.display(),
            dir.display()
        ))
    };
    let mut listing = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(not_usable)?.flatten() {
        let Ok(meta) = std::fs::metadata(entry.path()) else {
            continue;
        };
        if meta.is_file() {
            listing.push((
                entry.file_name(),
                (
                    meta.len(),
                    meta.modified().unwrap_or(SystemTime::UNIX_EPOCH),
                ),
            ));
        }
    }
    listing.sort();
    Ok(listing)
}

/// The secret audit trail as a table with a declared schema: a private
/// copy of the trail (whole lines only) next to a sidecar schema. Declared,
/// because the trail omits empty fields and inference from its first lines
/// would drop columns (`error_kind` until a failure); copied, because the
/// sidecar must sit beside the table file and the trail's folder is not ours
/// to write into. The trail is small: a line per secret operation.
struct AuditTable {
    dir: tempfile::TempDir,
    source: Option<Option<Stamp>>,
}

/// Columns of the audit trail (`devops_mcp_secrets::AuditRecord`; a test
/// checks they match) with their KQL types.
const AUDIT_COLUMNS: &[(&str, &str, &str)] = &[
    ("timestamp", "datetime", "When, UTC."),
    (
        "operation",
        "string",
        "set, get, list, delete, import or restore.",
    ),
    ("store", "string", "local, key_vault or github."),
    (
        "target",
        "string",
        "Which vault, repository scope or store file.",
    ),
    ("name", "string", "Secret name (empty for list)."),
    ("version", "string", "Version written or read."),
    (
        "source_kind",
        "string",
        "Where a written value came from: generate, env, file, copy, value, prompt or import.",
    ),
    (
        "exposed_to_model",
        "bool",
        "True when the value passed through the model.",
    ),
    ("outcome", "string", "success or failure."),
    ("error_kind", "string", "The error code of a failure."),
    ("actor", "string", "Who asked: mcp or cli."),
];

impl AuditTable {
    fn create() -> Result<Self, ToolError> {
        let failed = |error: std::io::Error| {
            ToolError::new(format!("cannot prepare the `{AUDIT_TABLE}` table: {error}"))
        };
        let dir = tempfile::Builder::new()
            .prefix("devops-mcp-kql-")
            .tempdir()
            .map_err(failed)?;
        let columns: Vec<Value> = AUDIT_COLUMNS
            .iter()
            .map(|(name, ty, description)| json!({"name": name, "type": ty, "description": description}))
            .collect();
        let sidecar = serde_json::to_vec_pretty(&json!({ "columns": columns }))
            .map_err(|error| failed(std::io::Error::other(error)))?;
        std::fs::write(
            dir.path().join(format!("{AUDIT_TABLE}.schema.json")),
            sidecar,
        )
        .map_err(failed)?;
        Ok(Self { dir, source: None })
    }

    /// Copy the trail at `source` when it changed; the table file's path.
    fn refresh(&mut self, source: &Path) -> Result<PathBuf, ToolError> {
        let target = self.dir.path().join(format!("{AUDIT_TABLE}.jsonl"));
        let stamp = std::fs::metadata(source)
            .ok()
            .filter(|meta| meta.is_file())
            .map(|meta| {
                (
                    meta.len(),
                    meta.modified().unwrap_or(SystemTime::UNIX_EPOCH),
                )
            });
        if self.source == Some(stamp) && target.is_file() {
            return Ok(target);
        }
        let failed = |error: std::io::Error| {
            ToolError::new(format!(
                "cannot read the secret audit trail {} for the `{AUDIT_TABLE}` table: {error}",
                source.display()
            ))
        };
        let mut lines = match stamp {
            Some(_) => std::fs::read(source).map_err(failed)?,
            None => Vec::new(),
        };
        // A line being appended right now is left for the next call.
        let complete = lines.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
        lines.truncate(complete);
        let staged = self.dir.path().join(format!(".{AUDIT_TABLE}.jsonl.tmp"));
        std::fs::write(&staged, &lines).map_err(failed)?;
        std::fs::rename(&staged, &target).map_err(failed)?;
        self.source = Some(stamp);
        Ok(target)
    }
}

// ----- the output schema -------------------------------------------------------

/// The output schema, written by hand: the engine's types are not JSON
/// Schema types, and one object covers both a run and `validate_only`.
pub fn output_schema() -> Arc<JsonObject> {
    let types: Vec<&str> = KqlType::ALL.iter().map(|t| t.name()).collect();
    let schema = json!({
        "type": "object",
        "description": "A query result (validate_only false) or a validation report (validate_only true).",
        "properties": {
            "backend": {"type": "string", "description": "Where the query ran or was checked.", "enum": ["local", "log_analytics", "app_insights"]},
            "target": {"type": "string", "description": "Cloud backends: the workspace or resource queried."},
            "timespan": {"type": "string", "description": "Cloud backends: the time range applied, an ISO 8601 duration ending now or a `start/end` interval."},
            "validate_only": {"type": "boolean", "description": "True for a validation report: `valid`, `diagnostics` and the predicted `columns`; false for a result: `columns`, `rows`, `truncated`, `total_rows`, `statistics`."},
            "columns": {
                "type": "array",
                "description": "Result columns in order, with their KQL types (in a validation report `type` is null when only a run can tell).",
                "items": {
                    "type": "object",
                    "properties": {
                        "name": {"type": "string"},
                        "type": {"type": ["string", "null"], "enum": types.iter().map(|t| Value::from(*t)).chain([Value::Null]).collect::<Vec<_>>()}
                    },
                    "required": ["name", "type"]
                }
            },
            "rows": {
                "type": "array",
                "description": "Rows, each an array of cells in column order. Cells are JSON: numbers and bools as such, datetime as ISO 8601 UTC text (`2024-06-03T10:00:00Z`), timespan as `[d.]hh:mm:ss[.fffffff]`, dynamic as JSON, guid and string as text, null as null (a string is never null).",
                "items": {"type": "array"}
            },
            "truncated": {"type": "boolean", "description": "True when the query produced more rows than max_rows; only the first max_rows are in `rows`."},
            "total_rows": {"type": "integer", "minimum": 0, "description": "Rows the query produced."},
            "statistics": {
                "type": "object",
                "description": "Rows produced and time in milliseconds (local: wall time; cloud: the service's execution time); local: bytes read from table files; cloud: the service's own statistics object as sent, in `service`.",
                "properties": {
                    "rows": {"type": "integer", "minimum": 0},
                    "elapsed_ms": {"type": "number", "minimum": 0},
                    "bytes_scanned": {"type": "integer", "minimum": 0},
                    "service": {"type": "object"}
                },
                "required": ["rows", "elapsed_ms"]
            },
            "render": {
                "description": "The chart a final `render` operator asks for (timechart, barchart, piechart, ...) with its properties as written; null without `render`.",
                "anyOf": [
                    {"type": "null"},
                    {
                        "type": "object",
                        "properties": {
                            "visualization": {"type": "string"},
                            "properties": {"type": "object", "additionalProperties": {"type": "string"}}
                        },
                        "required": ["visualization", "properties"]
                    }
                ]
            },
            "warnings": {"type": "array", "description": "Warnings from checking the query (it ran anyway), or from the service: a partial result (the rows are incomplete) with the service's error.", "items": {"anyOf": [{"$ref": "#/$defs/diagnostic"}, {"$ref": "#/$defs/service_warning"}]}},
            "syntax_only": {"type": "boolean", "description": "validate_only on a cloud backend: true; only the syntax was checked, locally, and names are checked by the service when the query runs."},
            "valid": {"type": "boolean", "description": "validate_only: true when the query has no errors."},
            "diagnostics": {"type": "array", "description": "validate_only: every error and warning, in source order.", "items": {"$ref": "#/$defs/diagnostic"}},
            "columns_complete": {"type": "boolean", "description": "validate_only: false when the query can add columns only a run reveals (e.g. `evaluate bag_unpack`)."}
        },
        "required": ["backend", "validate_only", "columns"],
        "$defs": {
            "service_warning": {
                "type": "object",
                "description": "A problem the cloud service reported beside its result, e.g. a partial result.",
                "properties": {
                    "severity": {"type": "string", "enum": ["warning"]},
                    "code": {"type": "string"},
                    "message": {"type": "string"},
                    "source": {"type": "string", "enum": ["service"]},
                    "error": {"type": "object", "description": "The service's error object (code, message, details, innererror)."}
                },
                "required": ["severity", "code", "message", "source"]
            },
            "diagnostic": {
                "type": "object",
                "description": "A problem in the query: where (1-based line and column, in characters; end_column is just past the end; span is the byte range), what (a stable code such as `syntax`, `unknown-table`, `unknown-column`, `type-mismatch`), what would be valid there and the closest fix.",
                "properties": {
                    "severity": {"type": "string", "enum": ["error", "warning"]},
                    "code": {"type": "string"},
                    "message": {"type": "string"},
                    "line": {"type": "integer", "minimum": 1},
                    "column": {"type": "integer", "minimum": 1},
                    "end_line": {"type": "integer", "minimum": 1},
                    "end_column": {"type": "integer", "minimum": 1},
                    "span": {
                        "type": "object",
                        "properties": {"start": {"type": "integer", "minimum": 0}, "end": {"type": "integer", "minimum": 0}},
                        "required": ["start", "end"]
                    },
                    "expected": {"type": "array", "items": {"type": "string"}},
                    "suggestion": {"type": ["string", "null"]}
                },
                "required": ["severity", "code", "message", "line", "column", "end_line", "end_column", "span", "expected", "suggestion"]
            }
        }
    });
    match schema {
        Value::Object(object) => Arc::new(object),
        _ => Arc::new(JsonObject::new()),
    }
}

// ----- `devops-mcp sample-telemetry` -------------------------------------------------

/// Why `devops-mcp sample-telemetry` wrote nothing.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SampleError {
    #[error(
        "{dir} is not empty (it holds {entries}); choose a new or empty folder, or pass --force to replace the sample's tables in it (other files are kept)"
    )]
    NotEmpty { dir: PathBuf, entries: String },
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "cannot read the table schemas {path}: {source}; give the tables.json of Application Insights table schemas, or leave --tables-json out"
    )]
    TablesJson {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Kql(#[from] KqlError),
}

/// What `devops-mcp sample-telemetry` wrote.
#[derive(Debug)]
pub struct SampleReport {
    /// The folder, absolute.
    pub dir: PathBuf,
    /// Tables, rows, files and the planted incidents.
    pub summary: SampleSummary,
    /// Files of the same tables in another format that were removed (`--force`),
    /// so each table has one file.
    pub removed: Vec<PathBuf>,
}

/// Write the sample Application Insights data set into `out`: generated in
/// a staging folder inside it and moved into place file by file, so a
/// server reading the folder never sees half a table. A non-empty `out` is
/// refused unless `force`.
pub fn write_sample_telemetry(
    out: &Path,
    rows: usize,
    seed: u64,
    format: SampleFormat,
    tables_json: Option<&Path>,
    force: bool,
) -> Result<SampleReport, SampleError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| SampleError::Io { path, source }
    };
    let tables_json = tables_json
        .map(|path| {
            std::fs::read_to_string(path).map_err(|source| SampleError::TablesJson {
                path: path.to_path_buf(),
                source,
            })
        })
        .transpose()?;
    std::fs::create_dir_all(out).map_err(io(out))?;
    let dir = out.canonicalize().map_err(io(out))?;
    let mut existing: Vec<String> = std::fs::read_dir(&dir)
        .map_err(io(&dir))?
        .flatten()
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect();
    if !existing.is_empty() && !force {
        existing.sort();
        let shown = existing.len().min(5);
        let mut entries = existing[..shown].join(", ");
        if existing.len() > shown {
            entries.push_str(&format!(" and {} more", existing.len() - shown));
        }
        return Err(SampleError::NotEmpty { dir, entries });
    }
    let staging = tempfile::Builder::new()
        .prefix(".sample-telemetry-")
        .tempdir_in(&dir)
        .map_err(io(&dir))?;
    let mut summary = devops_mcp_kql::write_sample_telemetry_as(
        staging.path(),
        rows,
        seed,
        tables_json.as_deref(),
        format,
    )?;
    let mut removed = Vec::new();
    let mut files = Vec::new();
    for staged in &summary.files {
        let Some(name) = staged.file_name() else {
            continue;
        };
        let target = dir.join(name);
        // Another format of the same table would make the engine refuse
        // the folder (two files for one table).
        if is_table_file(&target)
            && let Some(stem) = target.file_stem()
        {
            for extension in TABLE_EXTENSIONS {
                let other = dir.join(stem).with_extension(extension);
                if other != target && other.is_file() {
                    std::fs::remove_file(&other).map_err(io(&other))?;
                    removed.push(other);
                }
            }
        }
        std::fs::rename(staged, &target).map_err(io(&target))?;
        files.push(target);
    }
    summary.files = files;
    Ok(SampleReport {
        dir,
        summary,
        removed,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn audit_columns_match_the_audit_record() {
        let schema = schemars::schema_for!(devops_mcp_secrets::AuditRecord);
        let mut fields: Vec<String> = schema
            .get("properties")
            .and_then(Value::as_object)
            .map(|p| p.keys().cloned().collect())
            .unwrap_or_default();
        fields.sort();
        let mut ours: Vec<String> = AUDIT_COLUMNS
            .iter()
            .map(|(n, _, _)| (*n).to_owned())
            .collect();
        ours.sort();
        assert_eq!(
            fields, ours,
            "update AUDIT_COLUMNS to the audit record's fields"
        );
    }

    #[test]
    fn arguments_are_checked_with_the_field_named() {
        let params = |value: Value| serde_json::from_value::<QueryKqlParams>(value).unwrap();
        let error = QueryRequest::from_params(params(json!({"query": "print 1", "max_rows": 0})))
            .err()
            .unwrap();
        assert!(error.0.contains("max_rows"), "{}", error.0);
        let error =
            QueryRequest::from_params(params(json!({"query": "print 1", "timeout_seconds": 601})))
                .err()
                .unwrap();
        assert!(error.0.contains("timeout_seconds"), "{}", error.0);
        let error = QueryRequest::from_params(params(json!({"query": "  "})))
            .err()
            .unwrap();
        assert!(error.0.contains("empty"), "{}", error.0);
        let error =
            QueryRequest::from_params(params(json!({"query": "print 1", "now": "yesterday"})))
                .err()
                .unwrap();
        assert!(error.0.contains("RFC 3339"), "{}", error.0);
        let request = QueryRequest::from_params(params(
            json!({"query": "print 1", "now": "2024-06-04T00:00:00Z"}),
        ))
        .unwrap();
        assert_eq!(
            request.now,
            Some(SystemTime::UNIX_EPOCH + Duration::from_secs(1_717_459_200))
        );
        assert_eq!(request.max_rows, 200);
        assert_eq!(request.timeout, Duration::from_secs(60));
        assert!(
            serde_json::from_value::<QueryKqlParams>(
                json!({"query": "print 1", "backend": "kusto_cluster"})
            )
            .is_err()
        );
        assert!(
            serde_json::from_value::<QueryKqlParams>(json!({"query": "print 1", "limit": 3}))
                .is_err()
        );
    }

    #[test]
    fn cloud_arguments_are_checked_with_the_field_named() {
        let check = |value: Value| {
            QueryRequest::from_params(serde_json::from_value::<QueryKqlParams>(value).unwrap())
        };
        for (arguments, field) in [
            (json!({"query": "T", "resource_id": "/subscriptions/x"}), "`resource_id`"),
            (json!({"query": "T", "timespan": "P1D"}), "`timespan`"),
            (json!({"query": "T", "additional_workspaces": ["w"]}), "`additional_workspaces`"),
            (json!({"query": "T", "backend": "log_analytics", "now": "2024-06-04T00:00:00Z"}), "`now`"),
            (json!({"query": "T", "backend": "log_analytics", "timespan": "P1D", "start": "2024-06-03T00:00:00Z", "end": "2024-06-04T00:00:00Z"}), "`timespan` and `start`/`end`"),
            (json!({"query": "T", "backend": "app_insights", "start": "2024-06-03T00:00:00Z"}), "`start` is set without `end`"),
            (json!({"query": "T", "backend": "log_analytics", "end": "2024-06-03T00:00:00Z"}), "`end` is set without `start`"),
            (json!({"query": "T", "backend": "log_analytics", "resource_id": "/subscriptions/x"}), "`resource_id` is for backend `app_insights`"),
            (json!({"query": "T", "backend": "app_insights", "workspace_id": "w"}), "`workspace_id` is for backend `log_analytics`"),
        ] {
            let error = check(arguments.clone()).err().unwrap();
            assert!(error.0.contains(field), "{arguments}: {}", error.0);
        }
        let request = check(json!({"query": "T", "backend": "log_analytics"})).unwrap();
        let cloud = request.cloud.unwrap();
        assert_eq!(cloud.timespan, Timespan::Duration("P1D".to_owned()));
        let request = check(json!({"query": "T", "backend": "app_insights", "resource_id": "/r", "start": "a", "end": "b"})).unwrap();
        assert_eq!(
            request.cloud.unwrap().timespan,
            Timespan::Range { start: "a".to_owned(), end: "b".to_owned() }
        );
        assert!(check(json!({"query": "T"})).unwrap().cloud.is_none());
    }

    #[test]
    fn service_render_becomes_text_properties() {
        let (visualization, properties) = render_from_service(&json!({
            "visualization": "timechart", "title": "Errors", "accumulate": false, "kind": "",
            "by": null, "ycolumns": ["a", "b"]
        }))
        .unwrap();
        assert_eq!(visualization, "timechart");
        assert_eq!(
            properties,
            vec![
                ("accumulate".to_owned(), "false".to_owned()),
                ("title".to_owned(), "Errors".to_owned()),
                ("ycolumns".to_owned(), "a, b".to_owned()),
            ]
        );
        assert!(render_from_service(&json!({"visualization": ""})).is_none());
    }

    #[test]
    fn caret_points_at_the_span() {
        let query = "requests\n| where duraton > 100";
        let catalog = devops_mcp_kql::Catalog::new().with_table(
            "requests",
            vec![devops_mcp_kql::Column::new("duration", KqlType::Real)],
        );
        let analysis = devops_mcp_kql::validate(query, &catalog);
        let shown = caret(query, &analysis.diagnostics[0]).unwrap();
        assert_eq!(shown, "2 | | where duraton > 100\n            ^^^^^^^");
    }

    #[test]
    fn preview_cells_are_one_line_and_short() {
        assert_eq!(preview_cell(&json!("a|b\nc")), "a\\|b c");
        assert_eq!(preview_cell(&Value::Null), "");
        assert_eq!(preview_cell(&json!({"k": 1})), "{\"k\":1}");
        assert_eq!(
            preview_cell(&json!("x".repeat(100))).chars().count(),
            PREVIEW_CELL_CHARS
        );
        assert_eq!(human_bytes(512), "512 B");
        assert_eq!(human_bytes(3 * 1024 * 1024 / 2), "1.5 MiB");
    }

    #[test]
    fn audit_copy_keeps_whole_lines_and_follows_changes() {
        let source_dir = tempfile::tempdir().unwrap();
        let source = source_dir.path().join("secret_audit.jsonl");
        let mut table = AuditTable::create().unwrap();
        let path = table.refresh(&source).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"");
        std::fs::write(&source, "{\"a\":1}\n{\"a\":").unwrap();
        table.refresh(&source).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "{\"a\":1}\n");
        std::fs::write(&source, "{\"a\":1}\n{\"a\":2}\n").unwrap();
        table.refresh(&source).unwrap();
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "{\"a\":1}\n{\"a\":2}\n"
        );
    }
}
