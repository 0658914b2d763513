//! Command-line interface. Every flag can also be set through the
//! `DEVOPS_MCP_*` variable named in its help; flags win over variables, which
//! win over `devops-mcp.toml`.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::config::Overrides;
use crate::logging::LogFormat;

#[derive(Debug, Parser)]
#[command(
    name = "devops-mcp",
    version,
    about = "MCP server that gives AI agents a DevOps team's hands: Bicep, GitHub Actions, secrets, KQL and security scanning.",
    long_about = None,
    after_help = "Start with `devops-mcp serve` (stdio, for IDEs) or `devops-mcp serve --http 127.0.0.1:8765`.\nConfiguration precedence: flags > DEVOPS_MCP_* variables > devops-mcp.toml > defaults."
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The log filter when neither RUST_LOG nor --log-level is given. rmcp's own
/// info lines and spans (a Debug dump of every client and notification) are
/// its internals; the server logs the session start itself.
pub const DEFAULT_LOG_LEVEL: &str = "info,rmcp=warn";

#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Configuration file (default: devops-mcp.toml in the workspace, when present).
    #[arg(long, global = true, env = "DEVOPS_MCP_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Project root; tools read and write only inside it (default: current directory).
    #[arg(long, global = true, env = "DEVOPS_MCP_WORKSPACE", value_name = "DIR")]
    pub workspace: Option<PathBuf>,
    /// Hide every tool that changes anything.
    #[arg(long, global = true, env = "DEVOPS_MCP_READ_ONLY")]
    pub read_only: bool,
    /// Only serve tools of these toolsets (server, azure, github, secrets, observability, security).
    #[arg(
        long,
        global = true,
        env = "DEVOPS_MCP_TOOLSETS",
        value_delimiter = ',',
        value_name = "SET,..."
    )]
    pub toolsets: Option<Vec<String>>,
    /// Only serve these tools.
    #[arg(
        long,
        global = true,
        env = "DEVOPS_MCP_ENABLED_TOOLS",
        value_delimiter = ',',
        value_name = "TOOL,..."
    )]
    pub tools: Option<Vec<String>>,
    /// Never serve these tools.
    #[arg(
        long,
        global = true,
        env = "DEVOPS_MCP_EXCLUDE_TOOLS",
        value_delimiter = ',',
        value_name = "TOOL,..."
    )]
    pub exclude_tools: Option<Vec<String>>,
    /// Extra skill folder (repeatable); its skills override embedded ones of the same name and are reloaded on change.
    #[arg(
        long = "skills-dir",
        global = true,
        env = "DEVOPS_MCP_SKILLS_DIR",
        value_delimiter = ':',
        value_name = "DIR"
    )]
    pub skills_dirs: Vec<PathBuf>,
    /// Folder whose bin/ holds external checkers (semgrep, zizmor, actionlint, checkov); searched before PATH.
    #[arg(long, global = true, env = "DEVOPS_MCP_TOOLS", value_name = "DIR")]
    pub tools_dir: Option<PathBuf>,
    /// Log line format on stderr.
    #[arg(long, global = true, env = "DEVOPS_MCP_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
    /// Default log filter when RUST_LOG is unset.
    #[arg(
        long,
        global = true,
        env = "DEVOPS_MCP_LOG_LEVEL",
        default_value = DEFAULT_LOG_LEVEL,
        value_name = "LEVEL"
    )]
    pub log_level: String,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve MCP over stdio (default) or HTTP.
    Serve(ServeArgs),
    /// List the tools (a table, or with --json exactly what tools/list returns).
    Tools {
        /// Print the tools/list result as JSON (the source of tools.json).
        #[arg(long)]
        json: bool,
    },
    /// Call one tool without an agent and print its structured result.
    Call {
        /// Tool name, as in `devops-mcp tools`.
        tool: String,
        /// Arguments as JSON, or @FILE to read them from a file.
        #[arg(long, default_value = "{}", value_name = "JSON|@FILE")]
        args: String,
    },
    /// List the skills the server serves.
    Skills,
    /// Read and manage stored secrets (for humans: values are printed here, never to agents).
    #[command(subcommand)]
    Secrets(SecretsCommand),
    /// Manage the GitHub workflow JSON schema used by validate_workflow.
    #[command(subcommand)]
    Schemas(SchemasCommand),
    /// Manage the Azure resource type data used by validate_bicep.
    #[command(subcommand, name = "bicep-types")]
    BicepTypes(BicepTypesCommand),
    /// Show or refresh the action pin lock table create_workflow pins actions from.
    #[command(subcommand)]
    Pins(PinsCommand),
    /// Write a sample Application Insights data set (one day, two planted incidents) for query_kql's local backend.
    #[command(name = "sample-telemetry")]
    SampleTelemetry(SampleTelemetryArgs),
    /// Check each backend and say how to fix what is missing.
    Doctor {
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum SecretsCommand {
    /// List secret names and metadata.
    List {
        /// An Azure Key Vault (name or URL) instead of the local store.
        #[arg(long)]
        vault: Option<String>,
    },
    /// Print a secret's value to stdout.
    Get {
        name: String,
        /// A specific version (default: the current one).
        #[arg(long)]
        version: Option<String>,
        /// An Azure Key Vault (name or URL) instead of the local store.
        #[arg(long)]
        vault: Option<String>,
    },
    /// Delete a secret (Key Vault keeps it recoverable while soft delete lasts).
    Delete {
        name: String,
        /// An Azure Key Vault (name or URL) instead of the local store.
        #[arg(long)]
        vault: Option<String>,
    },
    /// Import every KEY=value of a .env file into the local store.
    Import {
        file: PathBuf,
        /// Replace secrets that exist (a new version is kept).
        #[arg(long)]
        overwrite: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum SchemasCommand {
    /// Download the workflow schema from SchemaStore into the cache (or the configured path).
    Install {
        /// Where to download it from.
        #[arg(long, default_value = crate::data::WORKFLOW_SCHEMA_URL)]
        url: String,
        /// Install from a local copy instead of downloading.
        #[arg(long, value_name = "FILE")]
        from: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum BicepTypesCommand {
    /// Download the Azure.Bicep.Types.Az NuGet package and extract its type data into the cache.
    Install {
        /// Package version (default: the newest).
        #[arg(long)]
        version: Option<String>,
        /// Package URL (default: nuget.org).
        #[arg(long)]
        url: Option<String>,
        /// Install from a local .nupkg instead of downloading.
        #[arg(long, value_name = "FILE")]
        from: Option<PathBuf>,
    },
}

#[derive(Debug, Args)]
pub struct SampleTelemetryArgs {
    /// Folder to write the tables into (created when missing; must be empty unless --force).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Requests to generate; dependencies, exceptions, traces and metrics follow from them.
    #[arg(long, default_value_t = 10_000, value_parser = clap::value_parser!(u64).range(1..=10_000_000))]
    pub rows: u64,
    /// Random seed: the same seed and rows always give the same files.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// File format of the tables (each gets a .schema.json sidecar either way).
    #[arg(long, value_enum, default_value_t = SampleFileFormat::Jsonl)]
    pub format: SampleFileFormat,
    /// Application Insights table schemas (tables.json: table names to columns) for the full column sets; default a built-in subset.
    #[arg(long, value_name = "FILE")]
    pub tables_json: Option<PathBuf>,
    /// Write into a non-empty folder, replacing the sample's tables there (other files are kept).
    #[arg(long)]
    pub force: bool,
}

/// Table file formats of `sample-telemetry`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SampleFileFormat {
    /// JSON lines (`.jsonl`).
    Jsonl,
    /// Apache Parquet (`.parquet`), for large data sets.
    Parquet,
}

#[derive(Debug, Subcommand)]
pub enum PinsCommand {
    /// Resolve every pinned action's newest release to its commit through the GitHub API (token from GITHUB_TOKEN or GH_TOKEN) and write the lock table.
    #[command(
        after_help = "Writes `[backends.github] pins_file` (default <user data dir>/devops-mcp/action-pins.toml), which create_workflow lays over the bundled table. Major updates are taken and listed apart for review; --hold-major stays within each pinned major. A pin whose tag moved to another commit is kept and reported. Exit status 1 when an action could not be refreshed or its tag moved (the rest is still written)."
    )]
    Update {
        /// Print what would change; write nothing.
        #[arg(long)]
        dry_run: bool,
        /// Write the table here instead (maintainers: crates/devops-mcp-github/data/action-pins.toml).
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// Stay within each action's pinned major version (report newer majors).
        #[arg(long)]
        hold_major: bool,
        /// Print the changes as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Print the pin table create_workflow uses: where it comes from, each pin and when it was checked.
    Show {
        /// Print it as JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Args, Default)]
pub struct ServeArgs {
    /// Serve Streamable HTTP at /mcp (and legacy SSE at /sse) on this address instead of stdio.
    #[arg(long, env = "DEVOPS_MCP_HTTP", value_name = "ADDR", num_args = 0..=1, default_missing_value = "127.0.0.1:8765")]
    pub http: Option<SocketAddr>,
    /// Streamable HTTP without sessions.
    #[arg(long, env = "DEVOPS_MCP_STATELESS")]
    pub stateless: bool,
    /// Accept this Host header too (repeatable), for a server behind a proxy.
    #[arg(long = "allowed-host", value_name = "HOST")]
    pub allowed_hosts: Vec<String>,
    /// Accept requests from this browser origin too (repeatable), e.g. https://app.example.com:443.
    #[arg(long = "allowed-origin", value_name = "ORIGIN")]
    pub allowed_origins: Vec<String>,
    /// File holding the bearer token clients must send (required to bind a non-loopback address).
    #[arg(long, env = "DEVOPS_MCP_AUTH_TOKEN_FILE", value_name = "FILE")]
    pub auth_token_file: Option<PathBuf>,
}

impl Cli {
    /// The configuration overrides these arguments carry.
    pub fn overrides(&self) -> Overrides {
        let serve = match &self.command {
            Some(Command::Serve(serve)) => Some(serve),
            _ => None,
        };
        Overrides {
            config_file: self.global.config.clone(),
            workspace: self.global.workspace.clone(),
            read_only: self.global.read_only,
            toolsets: self.global.toolsets.clone(),
            tools: self.global.tools.clone(),
            exclude_tools: self.global.exclude_tools.clone(),
            skills_dirs: self.global.skills_dirs.clone(),
            tools_dir: self.global.tools_dir.clone(),
            http_bind: serve.and_then(|s| s.http),
            stateless: serve.is_some_and(|s| s.stateless),
            allowed_hosts: serve.map(|s| s.allowed_hosts.clone()).unwrap_or_default(),
            allowed_origins: serve.map(|s| s.allowed_origins.clone()).unwrap_or_default(),
            // Read here, not through clap, so the token never shows in --help output.
            auth_token: std::env::var("DEVOPS_MCP_AUTH_TOKEN").ok(),
            auth_token_file: serve.and_then(|s| s.auth_token_file.clone()),
        }
    }
}
