//! The Azure credential chain Key Vault users expect, built from the SDK's
//! credential types.
//!
//! Order, as in the other Azure SDKs' `DefaultAzureCredential`: environment
//! (a client secret, else a workload identity federated token), managed
//! identity, then developer tools (Azure CLI, Azure Developer CLI). The SDK
//! for Rust ships no chained credential, so [`CredentialChain`] is one: it
//! tries each source in order, sticks to the first that returns a token, and
//! reports every source's failure when none does.
//!
//! The settings come from the caller ([`AzureCredentialConfig::from_lookup`]
//! takes the caller's environment lookup): this crate reads no variables.
//! The managed identity probe is bounded by a short timeout until it has
//! worked once, so a developer machine without IMDS falls through to the
//! Azure CLI in seconds instead of waiting for IMDS retries.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use azure_core::cloud::{CloudConfiguration, CustomConfiguration};
use azure_core::credentials::{AccessToken, Secret, TokenCredential, TokenRequestOptions};
use azure_core::error::ErrorKind;
use azure_core::http::ClientOptions;
use azure_identity::{
    ClientSecretCredential, ClientSecretCredentialOptions, DeveloperToolsCredential,
    ManagedIdentityCredential, ManagedIdentityCredentialOptions, UserAssignedId,
    WorkloadIdentityCredential, WorkloadIdentityCredentialOptions,
};

use crate::error::SecretsError;
use crate::value::SecretValue;

/// An Azure cloud: which sign-in authority and which Key Vault DNS suffix.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum AzureCloud {
    /// Azure public cloud (`login.microsoftonline.com`, `vault.azure.net`).
    #[default]
    Public,
    /// Azure US Government (`login.microsoftonline.us`, `vault.usgovcloudapi.net`).
    Government,
    /// Azure operated by 21Vianet (`login.chinacloudapi.cn`, `vault.azure.cn`).
    China,
    /// Another cloud: its authority host and vault DNS suffix.
    Custom {
        /// Sign-in authority, e.g. `https://login.example.cloud`.
        authority_host: String,
        /// Vault DNS suffix, e.g. `vault.example.cloud`.
        vault_dns_suffix: String,
    },
}

impl AzureCloud {
    /// The cloud whose authority is `authority_host` (as in `AZURE_AUTHORITY_HOST`).
    pub fn from_authority_host(authority_host: &str) -> Self {
        let host = authority_host
            .trim()
            .trim_start_matches("https://")
            .trim_end_matches('/')
            .to_ascii_lowercase();
        match host.as_str() {
            "" | "login.microsoftonline.com" => AzureCloud::Public,
            "login.microsoftonline.us" => AzureCloud::Government,
            "login.chinacloudapi.cn" => AzureCloud::China,
            _ => AzureCloud::Custom {
                authority_host: format!("https://{host}"),
                vault_dns_suffix: "vault.azure.net".to_owned(),
            },
        }
    }

    /// DNS suffix of vault host names in this cloud.
    pub fn vault_dns_suffix(&self) -> &str {
        match self {
            AzureCloud::Public => "vault.azure.net",
            AzureCloud::Government => "vault.usgovcloudapi.net",
            AzureCloud::China => "vault.azure.cn",
            AzureCloud::Custom {
                vault_dns_suffix, ..
            } => vault_dns_suffix,
        }
    }

    fn configuration(&self) -> CloudConfiguration {
        match self {
            AzureCloud::Public => CloudConfiguration::AzurePublic,
            AzureCloud::Government => CloudConfiguration::AzureGovernment,
            AzureCloud::China => CloudConfiguration::AzureChina,
            AzureCloud::Custom { authority_host, .. } => {
                let mut custom = CustomConfiguration::default();
                custom.authority_host = authority_host.clone();
                custom.into()
            }
        }
    }

    fn client_options(&self) -> ClientOptions {
        ClientOptions {
            cloud: Some(Arc::new(self.configuration())),
            ..ClientOptions::default()
        }
    }
}

/// What the chain needs, as read by the caller from its environment or configuration.
#[derive(Debug, Clone, Default)]
pub struct AzureCredentialConfig {
    /// Directory (tenant) id (`AZURE_TENANT_ID`).
    pub tenant_id: Option<String>,
    /// Application (client) id (`AZURE_CLIENT_ID`); also selects a user-assigned managed identity.
    pub client_id: Option<String>,
    /// Client secret of the application (`AZURE_CLIENT_SECRET`).
    pub client_secret: Option<SecretValue>,
    /// Federated token file for workload identity (`AZURE_FEDERATED_TOKEN_FILE`).
    pub federated_token_file: Option<PathBuf>,
    /// The cloud (`AZURE_AUTHORITY_HOST`, or the configuration).
    pub cloud: AzureCloud,
    /// How long managed identity may take before the chain moves on, until it has worked once.
    pub managed_identity_probe_timeout: Duration,
}

impl AzureCredentialConfig {
    /// Read the standard `AZURE_*` variables through the caller's `lookup`.
    pub fn from_lookup(lookup: &dyn Fn(&str) -> Option<String>) -> Self {
        let get = |name: &str| {
            lookup(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        Self {
            tenant_id: get("AZURE_TENANT_ID"),
            client_id: get("AZURE_CLIENT_ID"),
            client_secret: lookup("AZURE_CLIENT_SECRET")
                .filter(|v| !v.is_empty())
                .map(SecretValue::new),
            federated_token_file: get("AZURE_FEDERATED_TOKEN_FILE").map(PathBuf::from),
            cloud: get("AZURE_AUTHORITY_HOST")
                .map(|host| AzureCloud::from_authority_host(&host))
                .unwrap_or_default(),
            managed_identity_probe_timeout: Duration::from_secs(2),
        }
    }

    /// Which sources the chain will try, in order (for `doctor` and errors).
    pub fn source_names(&self) -> Vec<&'static str> {
        let mut names = Vec::new();
        if self.tenant_id.is_some() && self.client_id.is_some() {
            if self.client_secret.is_some() {
                names.push("EnvironmentCredential (client secret)");
            } else if self.federated_token_file.is_some() {
                names.push("WorkloadIdentityCredential");
            }
        }
        names.push("ManagedIdentityCredential");
        names.push("DeveloperToolsCredential (Azure CLI, Azure Developer CLI)");
        names
    }
}

/// Build the chain described in the module documentation.
pub fn credential_chain(
    config: &AzureCredentialConfig,
) -> Result<Arc<dyn TokenCredential>, SecretsError> {
    let error = |source: &str, error: azure_core::Error| SecretsError::AzureCredential {
        detail: format!("{source}: {error}"),
    };
    let mut sources: Vec<(&'static str, Arc<dyn TokenCredential>)> = Vec::new();
    if let (Some(tenant), Some(client)) = (&config.tenant_id, &config.client_id) {
        if let Some(secret) = &config.client_secret {
            let credential = ClientSecretCredential::new(
                tenant,
                client.clone(),
                Secret::new(secret.expose().to_owned()),
                Some(ClientSecretCredentialOptions {
                    client_options: config.cloud.client_options(),
                }),
            )
            .map_err(|e| error("client secret credential", e))?;
            sources.push(("EnvironmentCredential (client secret)", credential));
        } else if let Some(file) = &config.federated_token_file {
            let mut options = WorkloadIdentityCredentialOptions {
                client_id: Some(client.clone()),
                tenant_id: Some(tenant.clone()),
                token_file_path: Some(file.clone()),
                ..WorkloadIdentityCredentialOptions::default()
            };
            options.credential_options.client_options = config.cloud.client_options();
            let credential = WorkloadIdentityCredential::new(Some(options))
                .map_err(|e| error("workload identity credential", e))?;
            sources.push(("WorkloadIdentityCredential", credential));
        }
    }
    match ManagedIdentityCredential::new(Some(ManagedIdentityCredentialOptions {
        user_assigned_id: config.client_id.clone().map(UserAssignedId::ClientId),
        ..ManagedIdentityCredentialOptions::default()
    })) {
        Ok(credential) => sources.push((
            "ManagedIdentityCredential",
            Arc::new(Probed {
                inner: credential,
                timeout: config.managed_identity_probe_timeout,
                proven: AtomicBool::new(false),
            }),
        )),
        // An unsupported environment (e.g. a resource id on App Service) skips the source.
        Err(e) => tracing::debug!(error = %e, "managed identity unavailable"),
    }
    let tools =
        DeveloperToolsCredential::new(None).map_err(|e| error("developer tools credential", e))?;
    sources.push((
        "DeveloperToolsCredential (Azure CLI, Azure Developer CLI)",
        tools,
    ));
    Ok(Arc::new(CredentialChain::new(sources)))
}

/// Tries credentials in order and keeps the first that works.
pub struct CredentialChain {
    sources: Vec<(&'static str, Arc<dyn TokenCredential>)>,
    chosen: AtomicUsize,
}

impl CredentialChain {
    /// A chain of named credentials, tried in the given order.
    pub fn new(sources: Vec<(&'static str, Arc<dyn TokenCredential>)>) -> Self {
        Self {
            sources,
            chosen: AtomicUsize::new(usize::MAX),
        }
    }
}

impl std::fmt::Debug for CredentialChain {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self.sources.iter().map(|(name, _)| *name).collect();
        f.debug_struct("CredentialChain")
            .field("sources", &names)
            .finish_non_exhaustive()
    }
}

#[async_trait::async_trait]
impl TokenCredential for CredentialChain {
    async fn get_token(
        &self,
        scopes: &[&str],
        options: Option<TokenRequestOptions<'_>>,
    ) -> azure_core::Result<AccessToken> {
        let chosen = self.chosen.load(Ordering::Relaxed);
        if let Some((name, source)) = self.sources.get(chosen) {
            return source.get_token(scopes, options).await.map_err(|error| {
                azure_core::Error::with_message(ErrorKind::Credential, format!("{name}: {error}"))
            });
        }
        let mut failures = Vec::new();
        for (index, (name, source)) in self.sources.iter().enumerate() {
            match source.get_token(scopes, options.clone()).await {
                Ok(token) => {
                    tracing::debug!(credential = name, "Azure credential chosen");
                    self.chosen.store(index, Ordering::Relaxed);
                    return Ok(token);
                }
                Err(error) => failures.push(format!("{name}: {error}")),
            }
        }
        Err(azure_core::Error::with_message(
            ErrorKind::Credential,
            format!("every credential failed: {}", failures.join("; ")),
        ))
    }
}

/// A credential bounded by a timeout until its first success.
struct Probed {
    inner: Arc<dyn TokenCredential>,
    timeout: Duration,
    proven: AtomicBool,
}

impl std::fmt::Debug for Probed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Probed")
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

#[async_trait::async_trait]
impl TokenCredential for Probed {
    async fn get_token(
        &self,
        scopes: &[&str],
        options: Option<TokenRequestOptions<'_>>,
    ) -> azure_core::Result<AccessToken> {
        if self.proven.load(Ordering::Relaxed) {
            return self.inner.get_token(scopes, options).await;
        }
        let token = tokio::time::timeout(self.timeout, self.inner.get_token(scopes, options))
            .await
            .map_err(|_| {
                azure_core::Error::with_message(
                    ErrorKind::Credential,
                    format!(
                        "no managed identity endpoint answered within {:?}",
                        self.timeout
                    ),
                )
            })??;
        self.proven.store(true, Ordering::Relaxed);
        Ok(token)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Fixed(Option<&'static str>, AtomicUsize);

    #[async_trait::async_trait]
    impl TokenCredential for Fixed {
        async fn get_token(
            &self,
            _scopes: &[&str],
            _options: Option<TokenRequestOptions<'_>>,
        ) -> azure_core::Result<AccessToken> {
            self.1.fetch_add(1, Ordering::Relaxed);
            match self.0 {
                Some(token) => Ok(AccessToken::new(
                    token,
                    time::OffsetDateTime::now_utc() + time::Duration::hours(1),
                )),
                None => Err(azure_core::Error::with_message(
                    ErrorKind::Credential,
                    "not signed in",
                )),
            }
        }
    }

    #[tokio::test]
    async fn chain_takes_the_first_working_source_and_sticks_to_it() {
        let failing = Arc::new(Fixed(None, AtomicUsize::new(0)));
        let working = Arc::new(Fixed(Some("t2"), AtomicUsize::new(0)));
        let chain = CredentialChain::new(vec![
            ("first", failing.clone()),
            ("second", working.clone()),
        ]);
        let token = chain.get_token(&["s"], None).await.expect("token");
        assert_eq!(token.token.secret(), "t2");
        chain.get_token(&["s"], None).await.expect("again");
        assert_eq!(
            failing.1.load(Ordering::Relaxed),
            1,
            "the failed source is not retried"
        );
        assert_eq!(working.1.load(Ordering::Relaxed), 2);
    }

    #[tokio::test]
    async fn chain_reports_every_failure() {
        let chain = CredentialChain::new(vec![
            ("first", Arc::new(Fixed(None, AtomicUsize::new(0)))),
            ("second", Arc::new(Fixed(None, AtomicUsize::new(0)))),
        ]);
        let error = chain.get_token(&["s"], None).await.expect_err("no token");
        let text = error.to_string();
        assert!(
            text.contains("first: ") && text.contains("second: "),
            "{text}"
        );
        assert!(matches!(error.kind(), ErrorKind::Credential));
    }

    #[test]
    fn config_from_lookup_and_clouds() {
        let dir = tempfile::tempdir().expect("tempdir");
        let token_file = dir.path().join("token");
        std::fs::write(&token_file, "eyJhbGciOiJSUzI1NiJ9.e30.c2ln").expect("token file");
        let token_path = token_file.display().to_string();
        let lookup = move |name: &str| match name {
            "AZURE_TENANT_ID" => Some("72f988bf-86f1-41af-91ab-2d7cd011db47".to_owned()),
            "AZURE_CLIENT_ID" => Some("00000000-0000-0000-0000-000000000001".to_owned()),
            "AZURE_FEDERATED_TOKEN_FILE" => Some(token_path.clone()),
            "AZURE_AUTHORITY_HOST" => Some("https://login.microsoftonline.us/".to_owned()),
            _ => None,
        };
        let config = AzureCredentialConfig::from_lookup(&lookup);
        assert_eq!(config.cloud, AzureCloud::Government);
        assert_eq!(config.cloud.vault_dns_suffix(), "vault.usgovcloudapi.net");
        assert_eq!(config.source_names()[0], "WorkloadIdentityCredential");
        let chain = credential_chain(&config).expect("chain");
        assert!(format!("{chain:?}").contains("WorkloadIdentityCredential"));
        assert_eq!(
            AzureCloud::from_authority_host("login.chinacloudapi.cn"),
            AzureCloud::China
        );

        // A configured but broken source is an error, not silently skipped.
        let broken = AzureCredentialConfig {
            federated_token_file: Some(dir.path().join("missing")),
            ..config
        };
        let error = credential_chain(&broken).expect_err("missing token file");
        assert_eq!(error.kind(), "azure_credential");
        assert!(error.to_string().contains("federated token"), "{error}");
    }
}
