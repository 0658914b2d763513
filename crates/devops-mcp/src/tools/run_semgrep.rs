//! `run_semgrep`: scan the workspace offline with semgrep and our bundled
//! rule packs, with progress notifications and prompt cancellation.

use std::sync::Arc;

use devops_mcp_scan::{ScanProgress, ScanReport, ScanRequest, Scanner};
use rmcp::RoleServer;
use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::handler::server::wrapper::Json;
use rmcp::service::RequestContext;
use rmcp::{tool, tool_router};

use super::params::Parameters;
use super::{ToolError, Toolset};
use crate::progress::Progress;
use crate::server::DevopsServer;

pub const TOOLSET: Toolset = Toolset::Security;

/// The router with this module's one tool.
pub fn router() -> ToolRouter<DevopsServer> {
    DevopsServer::run_semgrep_router()
}

#[tool_router(router = run_semgrep_router, vis = "pub(crate)")]
impl DevopsServer {
    /// Scan with semgrep; the description is what the agent reads.
    #[tool(
        name = "run_semgrep",
        description = "Scan a workspace path offline with the real semgrep engine and devops-mcp's bundled rule packs (secrets, github-actions, bicep, python-django, dockerfile) plus optional user rules from the workspace. Returns typed findings (rule, severity, CWE/OWASP, file and line, snippet with secrets redacted, fix suggestion, stable fingerprint), counts by severity and a pass/fail verdict against a severity threshold; optionally writes SARIF 2.1.0. Supports include/exclude globs and diff-aware scans (baseline_ref: only findings new since a git ref). Sends progress while it runs and stops promptly when cancelled.",
        annotations(
            title = "Security scan with semgrep",
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    pub async fn run_semgrep(
        &self,
        Parameters(request): Parameters<ScanRequest>,
        context: RequestContext<RoleServer>,
    ) -> Result<Json<ScanReport>, ToolError> {
        let scanner = self.scanner()?;
        let progress = Progress::for_request(&context);
        let (events, mut received) = tokio::sync::mpsc::unbounded_channel::<ScanProgress>();
        let forward = tokio::spawn(async move {
            let mut step = 0.0;
            while let Some(event) = received.recv().await {
                step += 1.0;
                let message = match event {
                    ScanProgress::Queued => "waiting for another scan of this workspace".to_owned(),
                    ScanProgress::Started { packs, user_rules } => format!(
                        "semgrep started with packs {}{}",
                        packs.join(", "),
                        if user_rules { " and user rules" } else { "" }
                    ),
                    ScanProgress::Message { text } => text,
                    ScanProgress::Heartbeat { elapsed_secs } => {
                        format!("scanning ({elapsed_secs} s)")
                    }
                    ScanProgress::Finished { findings, elapsed_ms } => {
                        format!("finished: {findings} findings in {elapsed_ms} ms")
                    }
                };
                progress.report(step, None, message).await;
            }
        });
        let report = scanner
            .scan(
                self.workspace().root(),
                &request,
                &context.ct,
                &move |event| {
                    let _ = events.send(event);
                },
            )
            .await;
        let _ = forward.await;
        Ok(Json(report?))
    }
}

impl DevopsServer {
    /// The shared scanner (it queues scans of the same workspace); located
    /// on first use so installing semgrep later works without a restart.
    fn scanner(&self) -> Result<Arc<Scanner>, ToolError> {
        self.cached_scanner(|| {
            let tools_dir = crate::doctor::tools_dir(self.config());
            let semgrep = devops_mcp_scan::locate_semgrep(
                tools_dir.as_deref(),
                self.config().backends.semgrep_path.as_deref(),
                std::env::var_os("PATH").as_deref(),
            )?;
            Ok(Scanner::new(devops_mcp_scan::ScanOptions::new(semgrep)))
        })
    }
}
