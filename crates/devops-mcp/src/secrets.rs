//! Wiring the secret stores from configuration and the environment: the
//! local store in the user's config and data folders, Key Vault with the
//! Azure credential chain, GitHub with `GITHUB_TOKEN`. Shared by the
//! `set_secret`/`list_secrets` tools and the human-only `secrets` CLI.

use std::path::PathBuf;
use std::sync::Arc;

use azure_core::credentials::TokenCredential;

use devops_mcp_secrets::{
    AuditLog, AzureCredentialConfig, FileReadError, GithubOptions, GithubStore, KeyVaultConnector,
    KeyVaultOptions, LocalStore, SecretValue, SecretsError, Stores, credential_chain,
};

use crate::config::Config;
use crate::workspace::{Workspace, WorkspaceError};

/// The age identity (0600): `<config dir>/devops-mcp/identity.txt` by default.
pub fn identity_path(config: &Config) -> PathBuf {
    match &config.backends.secrets.local_store_dir {
        Some(dir) => dir.join("identity.txt"),
        None => dirs::config_dir()
            .unwrap_or_else(std::env::temp_dir)
            .join("devops-mcp")
            .join("identity.txt"),
    }
}

/// The local store and the audit trail: `<data dir>/devops-mcp/` by default.
pub fn data_dir(config: &Config) -> PathBuf {
    match &config.backends.secrets.local_store_dir {
        Some(dir) => dir.clone(),
        None => dirs::data_dir()
            .unwrap_or_else(std::env::temp_dir)
            .join("devops-mcp"),
    }
}

/// The audit trail, JSON lines that `query_kql` can read as the `secret_audit` table.
pub fn audit_path(config: &Config) -> PathBuf {
    data_dir(config).join("secret_audit.jsonl")
}

/// Every store this configuration can reach. Key Vault and GitHub are
/// present only when credentials for them exist; the local store always is.
pub fn stores(config: &Config, actor: &str) -> Stores {
    let key_vault = azure_credential().ok().map(|credential| {
        KeyVaultConnector::new(
            credential,
            KeyVaultOptions::default(),
            config.backends.azure.key_vault.clone(),
        )
    });
    let github = github_token().and_then(|token| {
        let options = GithubOptions {
            api_url: config.backends.github.api_url.clone(),
            ..GithubOptions::default()
        };
        GithubStore::new(&token, options).ok()
    });
    Stores {
        local: Some(LocalStore::new(
            identity_path(config),
            data_dir(config).join("secrets.age"),
        )),
        key_vault,
        github,
        audit: Some(AuditLog::new(audit_path(config))),
        actor: Some(actor.to_owned()),
    }
}

/// The Azure credential chain (environment client secret or workload identity, managed
/// identity, Azure CLI / Azure Developer CLI) from the standard `AZURE_*` variables of the
/// server's environment. Key Vault and `query_kql`'s cloud backends share it, so one
/// sign-in serves both.
pub fn azure_credential() -> Result<Arc<dyn TokenCredential>, SecretsError> {
    credential_chain(&AzureCredentialConfig::from_lookup(&|name| {
        std::env::var(name).ok()
    }))
}

fn github_token() -> Option<SecretValue> {
    ["GITHUB_TOKEN", "GH_TOKEN"]
        .iter()
        .find_map(|name| std::env::var(name).ok().filter(|v| !v.trim().is_empty()))
        .map(SecretValue::new)
}

/// Read a workspace file for a `file` source, confined to the workspace.
pub fn read_workspace_file(workspace: &Workspace, path: &str) -> Result<Vec<u8>, FileReadError> {
    let full = workspace.resolve(path).map_err(|error| match error {
        WorkspaceError::Io { .. } => FileReadError::Other(error.to_string()),
        other => FileReadError::OutsideWorkspace(other.to_string()),
    })?;
    std::fs::read(&full).map_err(|error| {
        if error.kind() == std::io::ErrorKind::NotFound {
            FileReadError::NotFound
        } else {
            FileReadError::Other(error.to_string())
        }
    })
}
