//! The `devops-mcp` binary: parse the command line and run one command.

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use clap::Parser;
use devops_mcp::cli::{
    BicepTypesCommand, Cli, Command, SampleFileFormat, SampleTelemetryArgs, SchemasCommand,
    SecretsCommand, ServeArgs,
};
use devops_mcp::client::LocalClient;
use devops_mcp::config::Config;
use devops_mcp::{DevopsServer, doctor, logging};
use rmcp::ServiceExt;
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

/// Prints a line of a command's answer. A closed pipe (`devops-mcp tools | head`)
/// ends the program quietly, as Unix tools do, instead of panicking.
macro_rules! out {
    ($($arg:tt)*) => {
        print_line(format_args!($($arg)*))
    };
}

fn print_line(line: std::fmt::Arguments<'_>) {
    let mut stdout = std::io::stdout().lock();
    if let Err(error) = writeln!(stdout, "{line}")
        && error.kind() == std::io::ErrorKind::BrokenPipe
    {
        std::process::exit(0);
    }
}

/// mimalloc instead of the system allocator: with `override` it also serves the C code
/// (tree-sitter allocates per syntax node), which makes validate_bicep ~20% faster.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// How often skill folders given with --skills-dir are checked for changes.
const SKILLS_POLL: Duration = Duration::from_secs(1);

fn main() -> ExitCode {
    let cli = Cli::parse();
    // One-shot commands print their answer; routine INFO lines would bury it.
    let serving = matches!(&cli.command, None | Some(Command::Serve(_)));
    let level = if !serving && cli.global.log_level == devops_mcp::cli::DEFAULT_LOG_LEVEL {
        "warn"
    } else {
        cli.global.log_level.as_str()
    };
    logging::init(cli.global.log_format, level);
    // A current-thread runtime starts faster and is plenty for stdio; HTTP
    // serving uses every core.
    let serving_http = matches!(&cli.command, Some(Command::Serve(args)) if args.http.is_some());
    let runtime = if serving_http {
        tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
    } else {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
    };
    let result = match runtime {
        Ok(runtime) => runtime.block_on(run(cli)),
        Err(error) => Err(error.into()),
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            let _ = writeln!(std::io::stderr(), "error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let config = Config::load(cli.overrides())?;
    let server = DevopsServer::new(config)?;
    match cli.command {
        None => serve(server, ServeArgs::default()).await,
        Some(Command::Serve(args)) => serve(server, args).await,
        Some(Command::Tools { json }) => tools(server, json).await,
        Some(Command::Call { tool, args }) => call(server, &tool, &args).await,
        Some(Command::Skills) => {
            skills(&server);
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Doctor { json }) => doctor(&server, json).await,
        Some(Command::Pins(command)) => pins(&server, command).await,
        Some(Command::SampleTelemetry(args)) => sample_telemetry(args).await,
        Some(Command::Secrets(command)) => secrets(&server, command).await,
        Some(Command::Schemas(SchemasCommand::Install { url, from })) => {
            let target = devops_mcp::data::workflow_schema_path(server.config());
            let bytes = devops_mcp::install::fetch(&url, from.as_deref()).await?;
            devops_mcp::install::install_workflow_schema(&bytes, &target)?;
            report(&format!(
                "installed the workflow schema at {}",
                target.display()
            ));
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::BicepTypes(BicepTypesCommand::Install { version, url, from })) => {
            let target = devops_mcp::data::bicep_types_dir(server.config());
            let url = url.unwrap_or_else(|| match &version {
                Some(version) => {
                    format!("{}/{version}", devops_mcp::install::BICEP_TYPES_PACKAGE_URL)
                }
                None => devops_mcp::install::BICEP_TYPES_PACKAGE_URL.to_owned(),
            });
            let bytes = devops_mcp::install::fetch(&url, from.as_deref()).await?;
            let count = tokio::task::spawn_blocking(move || {
                devops_mcp::install::install_bicep_types(&bytes, &target).map(|n| (n, target))
            })
            .await??;
            report(&format!(
                "installed {} resource types into {}",
                count.0,
                count.1.display()
            ));
            Ok(ExitCode::SUCCESS)
        }
    }
}

async fn serve(server: DevopsServer, args: ServeArgs) -> anyhow::Result<ExitCode> {
    let shutdown = CancellationToken::new();
    tokio::spawn(wait_for_signal(shutdown.clone()));
    if server.skills().has_dirs() {
        let watcher = server.clone();
        let stop = shutdown.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(SKILLS_POLL);
            loop {
                tokio::select! {
                    _ = stop.cancelled() => break,
                    _ = tick.tick() => {
                        let server = watcher.clone();
                        // Reading the folders is blocking I/O.
                        let _ = tokio::task::spawn_blocking(move || {
                            tokio::runtime::Handle::current().block_on(server.reload_skills())
                        })
                        .await;
                    }
                }
            }
        });
    }
    if args.http.is_some() {
        let http = server.config().http.clone();
        devops_mcp::http::serve(server, http, shutdown, |addr| {
            tracing::info!("listening on http://{addr}/mcp (Streamable HTTP) and http://{addr}/sse (legacy SSE)");
            print_connect_hint(addr);
        })
        .await?;
    } else {
        tracing::info!(workspace = %server.config().workspace.display(), "serving MCP on stdio");
        let transport = devops_mcp::stdio::start(tokio::io::stdin(), tokio::io::stdout());
        let running = server
            .serve_with_ct(
                (transport.to_client, transport.from_client),
                shutdown.clone(),
            )
            .await
            .context("MCP initialization over stdio")?;
        let _ = running.waiting().await;
    }
    Ok(ExitCode::SUCCESS)
}

/// Tell the human at the terminal how to attach a client (stderr: stdout is
/// reserved even in HTTP mode, for symmetry with stdio).
#[allow(clippy::print_stderr)]
fn print_connect_hint(addr: std::net::SocketAddr) {
    eprintln!(
        "devops-mcp is listening.\n  Claude Code: claude mcp add --transport http devops http://{addr}/mcp\n  VS Code (.vscode/mcp.json): {{ \"servers\": {{ \"devops\": {{ \"type\": \"http\", \"url\": \"http://{addr}/mcp\" }} }} }}\n  Legacy SSE clients: http://{addr}/sse\n  Stop with Ctrl-C (in-flight tool calls finish first)."
    );
}

async fn wait_for_signal(shutdown: CancellationToken) {
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = terminate => {}
    }
    tracing::info!("shutdown signal received");
    shutdown.cancel();
}

async fn tools(server: DevopsServer, as_json: bool) -> anyhow::Result<ExitCode> {
    let mut client = LocalClient::connect(server).await?;
    let result = client.request("tools/list", json!({})).await?;
    if as_json {
        out!("{}", serde_json::to_string_pretty(&result)?);
        return Ok(ExitCode::SUCCESS);
    }
    let empty = Vec::new();
    let tools = result
        .get("tools")
        .and_then(Value::as_array)
        .unwrap_or(&empty);
    out!("{:<20} {:<10} DESCRIPTION", "TOOL", "ACCESS");
    for tool in tools {
        let name = tool.get("name").and_then(Value::as_str).unwrap_or("?");
        let read_only = tool
            .pointer("/annotations/readOnlyHint")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        let description = tool
            .get("description")
            .and_then(Value::as_str)
            .unwrap_or("")
            .split(". ")
            .next()
            .unwrap_or("");
        let access = if read_only { "read" } else { "write" };
        out!("{name:<20} {access:<10} {description}");
    }
    Ok(ExitCode::SUCCESS)
}

async fn call(server: DevopsServer, tool: &str, args: &str) -> anyhow::Result<ExitCode> {
    let text = match args.strip_prefix('@') {
        Some(path) => std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the arguments file {path}"))?,
        None => args.to_owned(),
    };
    let arguments: Value = serde_json::from_str(&text)
        .context("--args must be a JSON object, e.g. --args '{\"name\":\"value\"}'")?;
    let mut client = LocalClient::connect(server).await?;
    let result = client
        .request(
            "tools/call",
            json!({ "name": tool, "arguments": arguments }),
        )
        .await?;
    let is_error = result
        .get("isError")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let shown = match result.get("structuredContent") {
        Some(structured) if !is_error => structured.clone(),
        _ => result.clone(),
    };
    out!("{}", serde_json::to_string_pretty(&shown)?);
    Ok(if is_error {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// The human-only secrets CLI: the one place a value is printed.
async fn secrets(server: &DevopsServer, command: SecretsCommand) -> anyhow::Result<ExitCode> {
    use devops_mcp_secrets::SecretTarget;
    let stores = devops_mcp::secrets::stores(server.config(), "cli");
    let target = |vault: Option<String>| match vault {
        Some(vault) => SecretTarget::KeyVault { vault: Some(vault) },
        None => SecretTarget::Local {},
    };
    match command {
        SecretsCommand::List { vault } => {
            let listed = devops_mcp_secrets::list_secrets(&stores, &target(vault)).await?;
            out!("{}", serde_json::to_string_pretty(&listed)?);
        }
        SecretsCommand::Get {
            name,
            version,
            vault,
        } => {
            let (value, _) =
                devops_mcp_secrets::read_secret(&stores, &target(vault), &name, version.as_deref())
                    .await?;
            out!("{}", value.expose());
        }
        SecretsCommand::Delete { name, vault } => {
            devops_mcp_secrets::delete_secret(&stores, &target(vault), &name).await?;
            out!("deleted {name}");
        }
        SecretsCommand::Import { file, overwrite } => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("cannot read {}", file.display()))?;
            let imported = devops_mcp_secrets::import_dotenv(&stores, text, overwrite).await?;
            out!("{}", serde_json::to_string_pretty(&imported)?);
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `devops-mcp sample-telemetry`: write the data set and say what is in it.
async fn sample_telemetry(args: SampleTelemetryArgs) -> anyhow::Result<ExitCode> {
    let format = match args.format {
        SampleFileFormat::Jsonl => devops_mcp_kql::SampleFormat::JsonLines,
        SampleFileFormat::Parquet => devops_mcp_kql::SampleFormat::Parquet,
    };
    let rows = usize::try_from(args.rows).context("--rows is too large for this machine")?;
    let out = args.out.clone();
    let tables_json = args.tables_json.clone();
    let report = tokio::task::spawn_blocking(move || {
        devops_mcp::tools::query_kql::write_sample_telemetry(
            &out,
            rows,
            args.seed,
            format,
            tables_json.as_deref(),
            args.force,
        )
    })
    .await??;
    let summary = &report.summary;
    let dir = report.dir.display();
    out!(
        "wrote one day of sample Application Insights telemetry to {dir} (seed {}):",
        args.seed
    );
    for (table, count) in &summary.tables {
        out!("  {table:<16} {count:>10} rows");
    }
    for removed in &report.removed {
        out!(
            "  removed {} (the same table in another format)",
            removed.display()
        );
    }
    out!(
        "time range: {} to {} (exclusive)",
        summary.start,
        summary.end
    );
    out!("planted incidents:");
    out!(
        "  error spike      {} to {}: 30% of requests fail with 5xx and an HttpRequestException (elsewhere 1 in 200); tables requests (success == 'False'), AppRequests (Success == false), exceptions, AppExceptions",
        summary.error_spike.0,
        summary.error_spike.1
    );
    out!(
        "  slow dependency  {} to {}: calls to `{}` take 3.5-8 s (normally 40-400 ms); tables dependencies, AppDependencies",
        summary.slow_dependency.1,
        summary.slow_dependency.2,
        summary.slow_dependency.0
    );
    out!(
        "query it: add `kql_data_dir = {:?}` under [backends] in devops-mcp.toml, then call query_kql, e.g. {{\"query\": \"AppRequests | where TimeGenerated > ago(1d) | summarize failed = countif(not(Success)) by bin(TimeGenerated, 15m) | render timechart\", \"now\": \"{}\"}}",
        report.dir.display().to_string(),
        summary.end
    );
    Ok(ExitCode::SUCCESS)
}

/// `devops-mcp pins`: show the lock table in use, or refresh it from the
/// GitHub API into the user's lock table (or `--out`), atomically.
async fn pins(
    server: &DevopsServer,
    command: devops_mcp::cli::PinsCommand,
) -> anyhow::Result<ExitCode> {
    use devops_mcp::cli::PinsCommand;
    use devops_mcp_github::pins::update::{MajorPolicy, UpdateOptions};
    use devops_mcp_github::pins::{ActivePins, PinTable, today_utc};

    let github = &server.config().backends.github;
    match command {
        PinsCommand::Show { json } => {
            let active = ActivePins::load(github.pins_path().as_deref())?;
            if json {
                let pins: Vec<Value> = active
                    .table
                    .iter()
                    .map(|p| json!({ "action": p.action, "version": p.version, "sha": p.sha, "source": p.source, "checked": p.checked }))
                    .collect();
                out!(
                    "{}",
                    serde_json::to_string_pretty(&json!({ "table": active.info, "pins": pins }))?
                );
                return Ok(ExitCode::SUCCESS);
            }
            let info = &active.info;
            match &info.file {
                Some(file) => out!(
                    "lock table: {file} over the bundled table ({} of {} pins from the file)",
                    info.from_file,
                    active.table.len()
                ),
                None => out!(
                    "lock table: bundled with devops-mcp (no file at {}; run `devops-mcp pins update` to refresh)",
                    github
                        .pins_path()
                        .map_or_else(|| "-".to_owned(), |p| p.display().to_string())
                ),
            }
            out!("checked: {} to {}", info.checked, info.newest_checked);
            for pin in active.table.iter() {
                out!(
                    "  {:<36} {:<9} {} {}",
                    pin.action,
                    pin.version,
                    pin.sha,
                    pin.checked
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        PinsCommand::Update {
            dry_run,
            out,
            hold_major,
            json,
        } => {
            let target = out.or_else(|| github.pins_path()).context(
                "there is no user data folder to keep the lock table in; pass --out FILE or set `pins_file` under [backends.github] in devops-mcp.toml",
            )?;
            let token = ["GITHUB_TOKEN", "GH_TOKEN"]
                .iter()
                .find_map(|name| std::env::var(name).ok().filter(|v| !v.trim().is_empty()))
                .map(devops_mcp::redact::SecretString::new)
                .context(
                    "refreshing pins reads the GitHub API and needs a token: set GITHUB_TOKEN or GH_TOKEN (any token; public actions need no scopes)",
                )?;
            // Every bundled action (this release's generator needs them all)
            // plus whatever the target file holds, newest check winning.
            let bundled = PinTable::bundled()?;
            let base = match PinTable::read_file(&target)? {
                Some(existing) => bundled.merged(&existing),
                None => bundled.clone(),
            };
            let client =
                devops_mcp_github::pins::update::client(token.expose(), github.api_url.as_deref())?;
            let options = UpdateOptions {
                major: if hold_major {
                    MajorPolicy::Hold
                } else {
                    MajorPolicy::Follow
                },
                ..UpdateOptions::new(today_utc())
            };
            let result = devops_mcp_github::pins::update::update(&client, &base, &options)
                .await
                .context("pins update stopped; nothing was written")?;
            if !dry_run {
                result.table.write_file(&target)?;
            }
            if json {
                out!(
                    "{}",
                    serde_json::to_string_pretty(&json!({
                        "file": target.display().to_string(),
                        "written": !dry_run,
                        "checked": result.checked,
                        "changes": result.changes,
                    }))?
                );
            } else {
                out!("{}", result.summary().trim_end_matches('\n'));
                if dry_run {
                    out!(
                        "dry run: nothing written ({} left as it was)",
                        target.display()
                    );
                } else {
                    out!(
                        "wrote {} pins to {}; create_workflow uses them from now on",
                        result.table.len(),
                        target.display()
                    );
                }
            }
            Ok(if result.needs_attention() {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            })
        }
    }
}

fn report(message: &str) {
    out!("{message}");
}

fn skills(server: &DevopsServer) {
    out!("{:<28} {:<10} DESCRIPTION", "SKILL", "SOURCE");
    for (skill, origin) in server.skills().list() {
        let source = match origin {
            devops_mcp::skills::Origin::Embedded => "embedded".to_owned(),
            devops_mcp::skills::Origin::Dir(path) => path.display().to_string(),
        };
        let description: String = skill.frontmatter.description.chars().take(80).collect();
        out!("{:<28} {:<10} {}", skill.name(), source, description);
    }
}

async fn doctor(server: &DevopsServer, as_json: bool) -> anyhow::Result<ExitCode> {
    let report = doctor::run(server.config()).await;
    if as_json {
        out!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        for check in &report.checks {
            let mark = match check.status {
                doctor::Status::Ok => "ok     ",
                doctor::Status::Missing => "MISSING",
            };
            out!("{mark} {:<18} {}", check.name, check.detail);
            if let Some(fix) = &check.fix {
                out!("        fix: {fix}");
            }
        }
        out!(
            "\n{} of {} checks need attention; tools whose backend is missing say so when called.",
            report.missing,
            report.checks.len()
        );
    }
    Ok(ExitCode::SUCCESS)
}
