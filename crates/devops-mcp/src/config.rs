//! Server configuration: `devops-mcp.toml`, environment variables and flags.
//!
//! Precedence, highest first: command-line flags, environment variables
//! (clap reads `DEVOPS_MCP_*` for each flag), the configuration file, built-in
//! defaults. The file is strict: an unknown key is an error that names the key,
//! so a typo never silently falls back to a default.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// The configuration file looked up in the workspace when `--config` is not given.
pub const CONFIG_FILE_NAME: &str = "devops-mcp.toml";

/// Everything the server needs to know, after merging file, environment and flags.
#[derive(Debug, Clone)]
pub struct Config {
    /// Root of the user's project. Tools read and write only below it.
    pub workspace: PathBuf,
    /// Hide every tool that changes something (destructive or writing tools).
    pub read_only: bool,
    /// Only tools in these toolsets are served; empty means all toolsets.
    pub toolsets: Vec<String>,
    /// Only these tools are served; empty means all (after toolsets).
    pub tools: Vec<String>,
    /// These tools are never served.
    pub exclude_tools: Vec<String>,
    /// Extra skill folders; a skill here overrides the embedded one of the same name.
    pub skills_dirs: Vec<PathBuf>,
    /// Where external tools (semgrep, zizmor, actionlint, checkov) are looked up before PATH.
    pub tools_dir: Option<PathBuf>,
    /// HTTP transport settings.
    pub http: HttpConfig,
    /// Settings for the cloud and local backends.
    pub backends: BackendsConfig,
}

/// Settings of the Streamable HTTP and legacy SSE listener.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HttpConfig {
    /// Address to listen on. Loopback by default.
    pub bind: SocketAddr,
    /// Serve Streamable HTTP without sessions (every request stands alone).
    pub stateless: bool,
    /// Extra `Host` header values accepted besides loopback names (DNS-rebinding protection).
    pub allowed_hosts: Vec<String>,
    /// Browser origins allowed to call the server (`Origin` header); empty allows only loopback origins.
    pub allowed_origins: Vec<String>,
    /// File holding the bearer token clients must present.
    pub auth_token_file: Option<PathBuf>,
    /// Authorization servers announced in the OAuth protected-resource metadata (RFC 9728).
    pub authorization_servers: Vec<String>,
    /// Largest accepted request body, in bytes.
    pub max_body_bytes: usize,
    /// Requests per minute one client address may make.
    pub rate_limit_per_minute: u32,
    /// Longest time a plain (non-streaming) HTTP request may take, in seconds.
    pub request_timeout_secs: u64,
    /// Bearer token, set from the environment or a token file, never from the config file.
    #[serde(skip)]
    pub auth_token: Option<crate::redact::SecretString>,
}

impl Default for HttpConfig {
    fn default() -> Self {
        Self {
            bind: SocketAddr::from(([127, 0, 0, 1], 8765)),
            stateless: false,
            allowed_hosts: Vec::new(),
            allowed_origins: Vec::new(),
            auth_token_file: None,
            authorization_servers: Vec::new(),
            max_body_bytes: 4 * 1024 * 1024,
            rate_limit_per_minute: 6000,
            request_timeout_secs: 600,
            auth_token: None,
        }
    }
}

/// Backend settings: where cloud credentials and local data live.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BackendsConfig {
    /// Explicit path of the semgrep executable.
    pub semgrep_path: Option<PathBuf>,
    /// Folder with the Azure resource type definitions (bicep-types `types.json` files).
    pub bicep_types_dir: Option<PathBuf>,
    /// Path of the GitHub workflow JSON schema (SchemaStore).
    pub workflow_schema: Option<PathBuf>,
    /// Folder with local log tables (JSON lines, CSV, Parquet) for `query_kql`;
    /// a relative path is relative to the workspace.
    pub kql_data_dir: Option<PathBuf>,
    /// Memory one local `query_kql` query may use for sorts, joins and
    /// aggregations, in MiB (default 1024).
    pub kql_memory_limit_mb: Option<u64>,
    /// Azure settings.
    pub azure: AzureConfig,
    /// GitHub settings.
    pub github: GithubConfig,
    /// Secret store settings.
    pub secrets: SecretsConfig,
}

/// Azure settings. Credentials come from the standard Azure credential chain.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AzureConfig {
    /// Default Key Vault name or URL.
    pub key_vault: Option<String>,
    /// Default Log Analytics workspace ID.
    pub log_analytics_workspace: Option<String>,
    /// The Log Analytics query API endpoint `query_kql` sends cloud queries to. Default
    /// `https://api.loganalytics.io`; Azure US Government `https://api.loganalytics.us`,
    /// Azure operated by 21Vianet `https://api.loganalytics.azure.cn`.
    pub logs_endpoint: Option<String>,
    /// Authority host for sovereign clouds.
    pub authority_host: Option<String>,
}

/// GitHub settings. The token comes from `GITHUB_TOKEN` or `GH_TOKEN`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GithubConfig {
    /// API base URL, for GitHub Enterprise Server.
    pub api_url: Option<String>,
    /// The action pin lock table `devops-mcp pins update` writes and
    /// `create_workflow` lays over the bundled one. Default:
    /// `<user data dir>/devops-mcp/action-pins.toml`.
    pub pins_file: Option<PathBuf>,
}

impl GithubConfig {
    /// Where the user's action pin lock table lives; `None` when neither
    /// `pins_file` is set nor a user data folder exists (never a shared
    /// temporary folder: anyone could plant pins there).
    pub fn pins_path(&self) -> Option<PathBuf> {
        self.pins_file
            .clone()
            .or_else(|| dirs::data_dir().map(|dir| dir.join("devops-mcp").join("action-pins.toml")))
    }
}

/// Secret store settings.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SecretsConfig {
    /// Allow `set_secret` with a literal value from the agent (the value then passes through the model).
    pub allow_literal_values: bool,
    /// Always ask the user before overwriting a secret, even with `overwrite: true`.
    pub always_confirm_overwrite: bool,
    /// Folder for the local store, its age identity and the audit trail. Default: the
    /// identity in the user's config folder, the store and audit trail in the data folder.
    pub local_store_dir: Option<PathBuf>,
}

/// The configuration file as written by the user.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct FileConfig {
    workspace: Option<PathBuf>,
    read_only: Option<bool>,
    toolsets: Option<Vec<String>>,
    tools: Option<Vec<String>>,
    exclude_tools: Option<Vec<String>>,
    skills_dirs: Option<Vec<PathBuf>>,
    tools_dir: Option<PathBuf>,
    http: Option<HttpConfig>,
    backends: Option<BackendsConfig>,
}

/// Values given on the command line or through `DEVOPS_MCP_*` variables.
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    pub config_file: Option<PathBuf>,
    pub workspace: Option<PathBuf>,
    pub read_only: bool,
    pub toolsets: Option<Vec<String>>,
    pub tools: Option<Vec<String>>,
    pub exclude_tools: Option<Vec<String>>,
    pub skills_dirs: Vec<PathBuf>,
    pub tools_dir: Option<PathBuf>,
    pub http_bind: Option<SocketAddr>,
    pub stateless: bool,
    pub allowed_hosts: Vec<String>,
    pub allowed_origins: Vec<String>,
    pub auth_token: Option<String>,
    pub auth_token_file: Option<PathBuf>,
}

/// A configuration that cannot be used, with what to change.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    #[error("cannot read configuration file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("invalid configuration file {path}: {message}")]
    Parse { path: PathBuf, message: String },
    #[error(
        "workspace {path} is not a directory: {reason}; pass --workspace DIR or set DEVOPS_MCP_WORKSPACE"
    )]
    Workspace { path: PathBuf, reason: String },
    #[error("cannot read the bearer token file {path}: {source}")]
    TokenFile {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the bearer token in {path} is empty; put a long random token in it")]
    EmptyToken { path: PathBuf },
}

impl Config {
    /// Build the configuration from overrides, reading the config file they
    /// name, or `devops-mcp.toml` in the workspace when it exists.
    pub fn load(overrides: Overrides) -> Result<Self, ConfigError> {
        let start_dir = match &overrides.workspace {
            Some(dir) => dir.clone(),
            None => std::env::current_dir().map_err(|source| ConfigError::Workspace {
                path: PathBuf::from("."),
                reason: source.to_string(),
            })?,
        };
        let file_path = overrides
            .config_file
            .clone()
            .or_else(|| Some(start_dir.join(CONFIG_FILE_NAME)).filter(|path| path.is_file()));
        let file = match &file_path {
            Some(path) => read_file_config(path)?,
            None => FileConfig::default(),
        };
        Self::merge(file, overrides, file_path.as_deref())
    }

    fn merge(
        file: FileConfig,
        overrides: Overrides,
        file_path: Option<&Path>,
    ) -> Result<Self, ConfigError> {
        // A relative path in the file is relative to the file, as users expect.
        let base = file_path
            .and_then(Path::parent)
            .map(Path::to_path_buf)
            .unwrap_or_default();
        let relative_to_file = |path: PathBuf| {
            if path.is_absolute() {
                path
            } else {
                base.join(path)
            }
        };
        let workspace = overrides
            .workspace
            .or(file.workspace.map(relative_to_file))
            .map_or_else(std::env::current_dir, Ok)
            .map_err(|source| ConfigError::Workspace {
                path: PathBuf::from("."),
                reason: source.to_string(),
            })?;
        let workspace = workspace
            .canonicalize()
            .map_err(|source| ConfigError::Workspace {
                path: workspace.clone(),
                reason: source.to_string(),
            })?;
        if !workspace.is_dir() {
            return Err(ConfigError::Workspace {
                path: workspace,
                reason: "not a directory".into(),
            });
        }

        let mut http = file.http.unwrap_or_default();
        if let Some(bind) = overrides.http_bind {
            http.bind = bind;
        }
        http.stateless |= overrides.stateless;
        http.allowed_hosts.extend(overrides.allowed_hosts);
        http.allowed_origins.extend(overrides.allowed_origins);
        if let Some(path) = overrides.auth_token_file {
            http.auth_token_file = Some(path);
        } else if let Some(path) = http.auth_token_file.take() {
            http.auth_token_file = Some(relative_to_file(path));
        }
        http.auth_token = match (overrides.auth_token, &http.auth_token_file) {
            (Some(token), _) if !token.trim().is_empty() => {
                Some(crate::redact::SecretString::new(token.trim().to_owned()))
            }
            (_, Some(path)) => Some(read_token_file(path)?),
            _ => None,
        };

        let mut skills_dirs: Vec<PathBuf> = file
            .skills_dirs
            .unwrap_or_default()
            .into_iter()
            .map(relative_to_file)
            .collect();
        skills_dirs.extend(overrides.skills_dirs);

        Ok(Self {
            workspace,
            read_only: overrides.read_only || file.read_only.unwrap_or(false),
            toolsets: overrides.toolsets.or(file.toolsets).unwrap_or_default(),
            tools: overrides.tools.or(file.tools).unwrap_or_default(),
            exclude_tools: overrides
                .exclude_tools
                .or(file.exclude_tools)
                .unwrap_or_default(),
            skills_dirs,
            tools_dir: overrides.tools_dir.or(file.tools_dir.map(relative_to_file)),
            http,
            backends: file.backends.unwrap_or_default(),
        })
    }

    /// A configuration for tests and embedding: defaults rooted at `workspace`.
    pub fn for_workspace(workspace: impl Into<PathBuf>) -> Result<Self, ConfigError> {
        Self::merge(
            FileConfig::default(),
            Overrides {
                workspace: Some(workspace.into()),
                ..Overrides::default()
            },
            None,
        )
    }
}

fn read_file_config(path: &Path) -> Result<FileConfig, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    // toml's error names the unknown key and its line, thanks to deny_unknown_fields.
    toml::from_str(&text).map_err(|error| ConfigError::Parse {
        path: path.to_path_buf(),
        message: error.to_string().trim().to_owned(),
    })
}

fn read_token_file(path: &Path) -> Result<crate::redact::SecretString, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::TokenFile {
        path: path.to_path_buf(),
        source,
    })?;
    let token = text.trim();
    if token.is_empty() {
        return Err(ConfigError::EmptyToken {
            path: path.to_path_buf(),
        });
    }
    Ok(crate::redact::SecretString::new(token.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_key_is_named_in_the_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(CONFIG_FILE_NAME);
        std::fs::write(&path, "read_only = true\nredonly = true\n").unwrap();
        let error = Config::load(Overrides {
            workspace: Some(dir.path().to_path_buf()),
            ..Overrides::default()
        })
        .unwrap_err();
        let message = error.to_string();
        assert!(message.contains("redonly"), "{message}");
        assert!(message.contains("unknown field"), "{message}");
    }

    #[test]
    fn nested_unknown_key_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(CONFIG_FILE_NAME);
        std::fs::write(&path, "[http]\nbnd = \"127.0.0.1:1\"\n").unwrap();
        let message = Config::load(Overrides {
            workspace: Some(dir.path().to_path_buf()),
            ..Overrides::default()
        })
        .unwrap_err()
        .to_string();
        assert!(message.contains("bnd"), "{message}");
    }

    #[test]
    fn flags_override_file_and_file_overrides_defaults() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(CONFIG_FILE_NAME),
            "toolsets = [\"azure\"]\nexclude_tools = [\"set_secret\"]\n[http]\nbind = \"127.0.0.1:9999\"\n",
        )
        .unwrap();
        let config = Config::load(Overrides {
            workspace: Some(dir.path().to_path_buf()),
            toolsets: Some(vec!["github".into()]),
            ..Overrides::default()
        })
        .unwrap();
        assert_eq!(config.toolsets, vec!["github".to_owned()]);
        assert_eq!(config.exclude_tools, vec!["set_secret".to_owned()]);
        assert_eq!(config.http.bind.port(), 9999);
        assert!(!config.read_only);
    }

    #[test]
    fn missing_workspace_says_how_to_fix() {
        let message = Config::for_workspace("/definitely/not/here")
            .unwrap_err()
            .to_string();
        assert!(message.contains("--workspace"), "{message}");
    }
}
