//! Azure Key Vault secrets through the Azure SDK for Rust.
//!
//! A vault is given by name (resolved with the cloud's DNS suffix) or by URL.
//! Credentials come from the caller (see [`crate::credential`]); the SDK's
//! bearer policy answers the vault's 401 challenge and checks that the
//! challenge's resource matches the vault host. The value travels only inside
//! the SDK request; responses that echo it are reduced to metadata at once.
//! SDK errors become typed errors: a vault that does not resolve, a 403 that
//! names the RBAC role to assign, a credential that cannot get or use a token,
//! throttling with its `Retry-After`, soft-deleted name conflicts.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use azure_core::credentials::TokenCredential;
use azure_core::error::ErrorKind;
use azure_core::http::headers::HeaderName;
use azure_core::http::{ClientOptions, RetryOptions, Transport};
use azure_security_keyvault_secrets::models::{
    Secret, SecretAttributes, SecretClientGetSecretOptions, SecretProperties as SdkProperties,
    SetSecretParameters,
};
use azure_security_keyvault_secrets::{ResourceExt as _, SecretClient, SecretClientOptions};
use futures::TryStreamExt as _;
use serde::Serialize;

use crate::credential::AzureCloud;
use crate::error::SecretsError;
use crate::name::{StoreKind, validate_name};
use crate::properties::{ValidProperties, format_time};
use crate::value::{SecretValue, scrub};

/// Most entries a listing collects (a vault holds at most a few thousand secrets in practice).
const MAX_LISTED: usize = 25_000;

/// Options of [`KeyVaultStore::new`].
#[derive(Clone, Default)]
pub struct KeyVaultOptions {
    /// The cloud, for vault names given without a URL. Default: public.
    pub cloud: AzureCloud,
    /// HTTP transport; `None` uses the SDK's reqwest client. Tests pass a client
    /// that trusts a local certificate.
    pub transport: Option<Transport>,
    /// Retry policy; `None` keeps the SDK's default (exponential, honours `Retry-After`).
    pub retry: Option<RetryOptions>,
    /// REST API version; `None` keeps the SDK's default.
    pub api_version: Option<String>,
}

impl std::fmt::Debug for KeyVaultOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyVaultOptions")
            .field("cloud", &self.cloud)
            .field("custom_transport", &self.transport.is_some())
            .field("api_version", &self.api_version)
            .finish_non_exhaustive()
    }
}

/// A client for the secrets of one vault.
pub struct KeyVaultStore {
    client: SecretClient,
    vault_url: String,
}

impl std::fmt::Debug for KeyVaultStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyVaultStore")
            .field("vault_url", &self.vault_url)
            .finish_non_exhaustive()
    }
}

/// What `set` did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct KeyVaultSetResult {
    /// Secret name.
    pub name: String,
    /// Vault URL.
    pub vault_url: String,
    /// Full secret identifier, including the version.
    pub id: String,
    /// The new version.
    pub version: String,
    /// App Service / Functions app setting value that always follows the
    /// current version: `@Microsoft.KeyVault(SecretUri=https://VAULT/secrets/NAME/)`.
    pub app_service_reference: String,
    /// The same, pinned to this version.
    pub app_service_reference_pinned: String,
    /// Metadata of the new version.
    pub properties: KeyVaultSecretInfo,
}

/// Metadata of a secret or a version (never the value).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct KeyVaultSecretInfo {
    /// Secret name.
    pub name: String,
    /// Version, when the identifier has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Identifier URL.
    pub id: String,
    /// Whether it can be read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// Content type hint.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    /// Tags.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
    /// Creation time, RFC 3339.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    /// Last update, RFC 3339.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub updated: Option<String>,
    /// Expiry, RFC 3339.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
    /// Activation, RFC 3339.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_before: Option<String>,
    /// True for secrets Key Vault manages for a certificate.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub managed: Option<bool>,
}

/// Which operation, for the role named in a 403.
#[derive(Debug, Clone, Copy)]
enum Operation {
    Set,
    Get,
    List,
    Delete,
}

impl Operation {
    fn describe(self) -> &'static str {
        match self {
            Operation::Set => "setting a secret",
            Operation::Get => "reading a secret",
            Operation::List => "listing secrets",
            Operation::Delete => "deleting a secret",
        }
    }

    /// The least-privileged built-in role that allows the operation.
    fn role(self) -> &'static str {
        match self {
            Operation::Set | Operation::Delete => "Key Vault Secrets Officer",
            Operation::Get => "Key Vault Secrets User",
            Operation::List => "Key Vault Reader",
        }
    }

    fn permission(self) -> &'static str {
        match self {
            Operation::Set => "set",
            Operation::Get => "get",
            Operation::List => "list",
            Operation::Delete => "delete",
        }
    }
}

/// Turn a vault name or URL into the vault URL (`https://HOST/`).
pub fn vault_url(vault: &str, cloud: &AzureCloud) -> Result<String, SecretsError> {
    let vault = vault.trim();
    let invalid = |reason: &str| SecretsError::InvalidVault {
        vault: vault.to_owned(),
        reason: reason.to_owned(),
    };
    if vault.contains("://") {
        let url = azure_core::http::Url::parse(vault)
            .map_err(|e| invalid(&format!("not a URL ({e})")))?;
        if url.scheme() != "https" {
            return Err(invalid("Key Vault URLs use https"));
        }
        let host = url
            .host_str()
            .ok_or_else(|| invalid("the URL has no host"))?;
        if !matches!(url.path(), "" | "/") || url.query().is_some() {
            return Err(invalid(
                "give the vault URL only, e.g. https://myvault.vault.azure.net/",
            ));
        }
        let port = url.port().map(|p| format!(":{p}")).unwrap_or_default();
        return Ok(format!("https://{host}{port}/"));
    }
    let ok = (3..=24).contains(&vault.len())
        && vault.starts_with(|c: char| c.is_ascii_alphabetic())
        && vault.ends_with(|c: char| c.is_ascii_alphanumeric())
        && vault.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && !vault.contains("--");
    if !ok {
        return Err(invalid(
            "vault names have 3 to 24 letters, digits and single dashes, start with a letter and end with a letter or digit; or give the vault URL",
        ));
    }
    Ok(format!(
        "https://{}.{}/",
        vault.to_ascii_lowercase(),
        cloud.vault_dns_suffix()
    ))
}

impl KeyVaultStore {
    /// A client for `vault` (name or URL) using `credential`.
    pub fn new(
        vault: &str,
        credential: Arc<dyn TokenCredential>,
        options: KeyVaultOptions,
    ) -> Result<Self, SecretsError> {
        let vault_url = vault_url(vault, &options.cloud)?;
        let mut client_options = SecretClientOptions {
            client_options: ClientOptions {
                transport: options.transport,
                ..ClientOptions::default()
            },
            ..SecretClientOptions::default()
        };
        if let Some(retry) = options.retry {
            client_options.client_options.retry = retry;
        }
        if let Some(api_version) = options.api_version {
            client_options.api_version = api_version;
        }
        let client =
            SecretClient::new(&vault_url, credential, Some(client_options)).map_err(|error| {
                SecretsError::InvalidVault {
                    vault: vault.to_owned(),
                    reason: error.to_string(),
                }
            })?;
        Ok(Self { client, vault_url })
    }

    /// The vault URL (`https://HOST/`).
    pub fn vault_url(&self) -> &str {
        &self.vault_url
    }

    /// Set `name` to `value` (a new version) with `properties`.
    pub async fn set(
        &self,
        name: &str,
        value: &SecretValue,
        properties: &ValidProperties,
    ) -> Result<KeyVaultSetResult, SecretsError> {
        validate_name(StoreKind::KeyVault, name)?;
        if value.is_empty() {
            return Err(SecretsError::EmptyValue {
                source_desc: "the source".to_owned(),
            });
        }
        let parameters = SetSecretParameters {
            value: Some(value.expose().to_owned()),
            content_type: properties.content_type.clone(),
            tags: (!properties.tags.is_empty()).then(|| {
                properties
                    .tags
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect::<HashMap<_, _>>()
            }),
            secret_attributes: Some(SecretAttributes {
                enabled: Some(properties.enabled),
                expires: properties.expires,
                not_before: properties.not_before,
                ..SecretAttributes::default()
            }),
        };
        let content = parameters
            .try_into()
            .map_err(|e| self.map_error(e, Operation::Set, name, Some(value)))?;
        let response = self
            .client
            .set_secret(name, content, None)
            .await
            .map_err(|e| self.map_error(e, Operation::Set, name, Some(value)))?;
        let secret = response
            .into_model()
            .map_err(|e| self.map_error(e, Operation::Set, name, Some(value)))?;
        let properties = info_of_secret(secret);
        let version = properties.version.clone().unwrap_or_default();
        tracing::info!(vault = %self.vault_url, name, version, "Key Vault secret set");
        let base = format!("{}secrets/{}/", self.vault_url, properties.name);
        Ok(KeyVaultSetResult {
            name: properties.name.clone(),
            vault_url: self.vault_url.clone(),
            id: properties.id.clone(),
            app_service_reference: format!("@Microsoft.KeyVault(SecretUri={base})"),
            app_service_reference_pinned: format!("@Microsoft.KeyVault(SecretUri={base}{version})"),
            version,
            properties,
        })
    }

    /// The value of `name` (current version, or `version`) with its metadata.
    pub async fn get(
        &self,
        name: &str,
        version: Option<&str>,
    ) -> Result<(SecretValue, KeyVaultSecretInfo), SecretsError> {
        validate_name(StoreKind::KeyVault, name)?;
        let options = SecretClientGetSecretOptions {
            secret_version: version.map(str::to_owned),
            ..SecretClientGetSecretOptions::default()
        };
        let response = self
            .client
            .get_secret(name, Some(options))
            .await
            .map_err(|e| self.map_error(e, Operation::Get, name, None))?;
        let mut secret: Secret = response
            .into_model()
            .map_err(|e| self.map_error(e, Operation::Get, name, None))?;
        let value = SecretValue::new(secret.value.take().unwrap_or_default());
        Ok((value, info_of_secret(secret)))
    }

    /// Whether `name` exists (listing its versions, so no value is transferred).
    pub async fn exists(&self, name: &str) -> Result<bool, SecretsError> {
        match self.versions(name).await {
            Ok(versions) => Ok(!versions.is_empty()),
            Err(SecretsError::SecretNotFound { .. }) => Ok(false),
            Err(error) => Err(error),
        }
    }

    /// Metadata of every secret in the vault.
    pub async fn list(&self) -> Result<Vec<KeyVaultSecretInfo>, SecretsError> {
        let pager = self
            .client
            .list_secret_properties(None)
            .map_err(|e| self.map_error(e, Operation::List, "", None))?;
        self.collect(pager, "").await
    }

    /// Metadata of every version of `name`.
    pub async fn versions(&self, name: &str) -> Result<Vec<KeyVaultSecretInfo>, SecretsError> {
        validate_name(StoreKind::KeyVault, name)?;
        let pager = self
            .client
            .list_secret_properties_versions(name, None)
            .map_err(|e| self.map_error(e, Operation::List, name, None))?;
        self.collect(pager, name).await
    }

    /// Drain a pager, bounded: a server whose `nextLink` never ends must not
    /// keep us looping.
    async fn collect(
        &self,
        mut pager: azure_core::http::Pager<
            azure_security_keyvault_secrets::models::ListSecretPropertiesResult,
        >,
        name: &str,
    ) -> Result<Vec<KeyVaultSecretInfo>, SecretsError> {
        let mut items = Vec::new();
        while let Some(item) = pager
            .try_next()
            .await
            .map_err(|e| self.map_error(e, Operation::List, name, None))?
        {
            if items.len() >= MAX_LISTED {
                return Err(SecretsError::KeyVaultOther {
                    vault: self.vault_url.clone(),
                    detail: format!("the listing goes past {MAX_LISTED} entries; stopped"),
                });
            }
            items.push(info_of_properties(item));
        }
        Ok(items)
    }

    /// Delete `name` (soft delete where the vault has it enabled).
    pub async fn delete(&self, name: &str) -> Result<(), SecretsError> {
        validate_name(StoreKind::KeyVault, name)?;
        self.client
            .delete_secret(name, None)
            .await
            .map_err(|e| self.map_error(e, Operation::Delete, name, None))?;
        Ok(())
    }

    fn map_error(
        &self,
        error: azure_core::Error,
        operation: Operation,
        name: &str,
        value: Option<&SecretValue>,
    ) -> SecretsError {
        let vault = self.vault_url.clone();
        let clean = |text: String| match value {
            Some(value) => scrub(&text, value),
            None => text,
        };
        match error.kind() {
            ErrorKind::HttpResponse {
                status,
                error_code,
                raw_response,
            } => {
                let status = u16::from(*status);
                let (code, message) = raw_response
                    .as_ref()
                    .and_then(|raw| {
                        serde_json::from_slice::<serde_json::Value>(raw.body().as_ref()).ok()
                    })
                    .map(|body| {
                        let error = &body["error"];
                        let inner = error["innererror"]["code"].as_str().map(str::to_owned);
                        (
                            error["code"].as_str().map(str::to_owned).or(inner),
                            error["message"].as_str().unwrap_or_default().to_owned(),
                        )
                    })
                    .unwrap_or((error_code.clone(), String::new()));
                let code = code.or_else(|| error_code.clone());
                let detail = clean(if message.is_empty() {
                    format!("HTTP {status}")
                } else {
                    message
                });
                let retry_after = raw_response
                    .as_ref()
                    .and_then(|raw| {
                        raw.headers()
                            .get_optional_str(&HeaderName::from_static("retry-after"))
                    })
                    .and_then(|v| v.trim().parse::<u64>().ok());
                match status {
                    401 => SecretsError::KeyVaultUnauthorized { vault, detail },
                    403 if detail.to_ascii_lowercase().contains("disabled") => {
                        SecretsError::SecretDisabled {
                            store: StoreKind::KeyVault,
                            name: name.to_owned(),
                            version: "current".to_owned(),
                        }
                    }
                    403 => SecretsError::KeyVaultForbidden {
                        vault,
                        operation: operation.describe(),
                        role: operation.role(),
                        permission: operation.permission(),
                        detail,
                    },
                    404 if code.as_deref() == Some("SecretNotFound") || !name.is_empty() => {
                        SecretsError::SecretNotFound {
                            store: StoreKind::KeyVault,
                            name: name.to_owned(),
                            version: None,
                        }
                    }
                    409 if detail.contains("deleted") => SecretsError::KeyVaultDeletedConflict {
                        vault,
                        name: name.to_owned(),
                    },
                    429 => SecretsError::KeyVaultThrottled {
                        vault,
                        retry_after_secs: retry_after.unwrap_or(10),
                        detail,
                    },
                    _ => SecretsError::KeyVaultHttp {
                        vault,
                        status,
                        code,
                        detail,
                    },
                }
            }
            ErrorKind::Credential => SecretsError::AzureCredential {
                detail: clean(chain(&error)),
            },
            ErrorKind::Io | ErrorKind::Connection => {
                let detail = clean(chain(&error));
                let lower = detail.to_ascii_lowercase();
                if lower.contains("dns error")
                    || lower.contains("lookup")
                    || lower.contains("name or service not known")
                {
                    SecretsError::VaultNotFound { vault, detail }
                } else {
                    SecretsError::KeyVaultOther {
                        vault,
                        detail: format!("cannot reach the vault: {detail}"),
                    }
                }
            }
            _ => SecretsError::KeyVaultOther {
                vault,
                detail: clean(chain(&error)),
            },
        }
    }
}

/// An error with its sources, where transport errors keep their useful part.
fn chain(error: &azure_core::Error) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

fn times(attributes: Option<&SecretAttributes>) -> [Option<String>; 4] {
    let format = |t: Option<time::OffsetDateTime>| t.map(format_time);
    match attributes {
        Some(a) => [
            format(a.created),
            format(a.updated),
            format(a.expires),
            format(a.not_before),
        ],
        None => [None, None, None, None],
    }
}

fn info_of_secret(mut secret: Secret) -> KeyVaultSecretInfo {
    // The value, if the response carried one, is dropped here: wipe it.
    if let Some(value) = secret.value.take() {
        drop(SecretValue::new(value));
    }
    let (name, version) = secret
        .resource_id()
        .map(|id| (id.name, id.version))
        .unwrap_or_default();
    let [created, updated, expires, not_before] = times(secret.attributes.as_ref());
    KeyVaultSecretInfo {
        name,
        version,
        id: secret.id.clone().unwrap_or_default(),
        enabled: secret.attributes.as_ref().and_then(|a| a.enabled),
        content_type: secret.content_type.clone(),
        tags: secret
            .tags
            .clone()
            .unwrap_or_default()
            .into_iter()
            .collect(),
        created,
        updated,
        expires,
        not_before,
        managed: secret.managed,
    }
}

fn info_of_properties(properties: SdkProperties) -> KeyVaultSecretInfo {
    let (name, version) = properties
        .resource_id()
        .map(|id| (id.name, id.version))
        .unwrap_or_default();
    let [created, updated, expires, not_before] = times(properties.attributes.as_ref());
    KeyVaultSecretInfo {
        name,
        version,
        id: properties.id.clone().unwrap_or_default(),
        enabled: properties.attributes.as_ref().and_then(|a| a.enabled),
        content_type: properties.content_type,
        tags: properties.tags.unwrap_or_default().into_iter().collect(),
        created,
        updated,
        expires,
        not_before,
        managed: properties.managed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vault_names_and_urls() {
        let public = AzureCloud::Public;
        assert_eq!(
            vault_url("MyVault", &public).expect("name"),
            "https://myvault.vault.azure.net/"
        );
        assert_eq!(
            vault_url("myvault", &AzureCloud::China).expect("china"),
            "https://myvault.vault.azure.cn/"
        );
        assert_eq!(
            vault_url("https://myvault.vault.usgovcloudapi.net", &public).expect("url"),
            "https://myvault.vault.usgovcloudapi.net/"
        );
        for bad in [
            "ab",
            "1vault",
            "my--vault",
            "vault-",
            "http://myvault.vault.azure.net/",
            "https://v.vault.azure.net/secrets/x",
        ] {
            assert_eq!(
                vault_url(bad, &public).expect_err(bad).kind(),
                "invalid_vault"
            );
        }
    }
}
