//! The operations the server calls: set, list, read, delete and import across
//! stores, each recorded in the audit trail.
//!
//! [`Stores`] holds the configured stores; [`set_secret`] validates the name
//! for its store, refuses an overwrite without `overwrite: true` before the
//! value is even produced, resolves the source (a `copy` reads the other store
//! here, so the value never leaves the process), writes, and appends one audit
//! line whatever the outcome. The results are metadata only: no type in this
//! module can hold a value except the ones returned by [`read_secret`], which
//! only the human CLI calls.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use azure_core::credentials::TokenCredential;
use serde::{Deserialize, Serialize};

use crate::audit::{AuditLog, AuditOperation, AuditRecord};
use crate::error::SecretsError;
use crate::github::{GithubScope, GithubSecretInfo, GithubSetResult, GithubStore, OrgVisibility};
use crate::keyvault::{
    KeyVaultOptions, KeyVaultSecretInfo, KeyVaultSetResult, KeyVaultStore, vault_url,
};
use crate::local::{ImportReport, LocalSecretInfo, LocalSetResult, LocalStore};
use crate::name::{StoreKind, validate_name};
use crate::properties::SecretProperties;
use crate::source::{
    CopySpec, ResolvedValue, SourceContext, SourceKind, SourceSpec, resolve_local_source,
};
use crate::value::SecretValue;

/// A store, and where in it (which vault, which repository).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(tag = "store", rename_all = "snake_case", deny_unknown_fields)]
pub enum SecretTarget {
    /// The local encrypted store on this machine (the default).
    Local {},
    /// An Azure Key Vault.
    KeyVault {
        /// Vault name (`myvault`) or URL (`https://myvault.vault.azure.net/`).
        /// Default: the vault in the server configuration.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        vault: Option<String>,
    },
    /// GitHub Actions secrets of a repository, an environment or an organisation.
    Github {
        /// Repository owner (user or organisation) for repository and environment secrets.
        /// May be omitted when `repo` is written `owner/name`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        owner: Option<String>,
        /// Repository name (or `owner/name`) for repository and environment secrets.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        repo: Option<String>,
        /// Deployment environment of the repository, for environment secrets.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        environment: Option<String>,
        /// Organisation, for organisation secrets (instead of `owner`/`repo`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        org: Option<String>,
        /// Which repositories of the organisation can use an organisation secret:
        /// `all`, `private` (default) or `selected`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        visibility: Option<OrgVisibility>,
        /// Repository ids that can use an organisation secret with visibility `selected`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        selected_repository_ids: Option<Vec<u64>>,
    },
}

impl SecretTarget {
    /// The kind of store.
    pub fn kind(&self) -> StoreKind {
        match self {
            SecretTarget::Local {} => StoreKind::Local,
            SecretTarget::KeyVault { .. } => StoreKind::KeyVault,
            SecretTarget::Github { .. } => StoreKind::Github,
        }
    }

    fn github_scope(&self) -> Result<GithubScope, SecretsError> {
        match self {
            SecretTarget::Github {
                owner,
                repo,
                environment,
                org,
                visibility,
                selected_repository_ids,
            } => GithubScope::from_parts(
                owner.as_deref(),
                repo.as_deref(),
                environment.as_deref(),
                org.as_deref(),
                *visibility,
                selected_repository_ids.as_deref(),
            ),
            _ => Err(SecretsError::InvalidOption {
                field: "store",
                reason: "not a GitHub target".to_owned(),
            }),
        }
    }
}

/// Key Vault access: one credential, client options, a default vault, and a
/// client per vault (kept so the bearer challenge and token are reused).
pub struct KeyVaultConnector {
    credential: Arc<dyn TokenCredential>,
    options: KeyVaultOptions,
    default_vault: Option<String>,
    clients: Mutex<HashMap<String, Arc<KeyVaultStore>>>,
}

impl std::fmt::Debug for KeyVaultConnector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyVaultConnector")
            .field("default_vault", &self.default_vault)
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl KeyVaultConnector {
    /// Vaults reached with `credential`; `default_vault` serves targets that name none.
    pub fn new(
        credential: Arc<dyn TokenCredential>,
        options: KeyVaultOptions,
        default_vault: Option<String>,
    ) -> Self {
        Self {
            credential,
            options,
            default_vault,
            clients: Mutex::new(HashMap::new()),
        }
    }

    /// The client for `vault`, or for the default vault.
    pub fn store(&self, vault: Option<&str>) -> Result<Arc<KeyVaultStore>, SecretsError> {
        let vault = vault
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .or(self.default_vault.as_deref())
            .ok_or_else(|| SecretsError::StoreNotConfigured {
                store: StoreKind::KeyVault,
                fix: "give `vault` (a name or URL), or set `azure.key_vault` in the configuration"
                    .to_owned(),
            })?;
        let url = vault_url(vault, &self.options.cloud)?;
        let mut clients = self
            .clients
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(client) = clients.get(&url) {
            return Ok(client.clone());
        }
        let client = Arc::new(KeyVaultStore::new(
            &url,
            self.credential.clone(),
            self.options.clone(),
        )?);
        clients.insert(url, client.clone());
        Ok(client)
    }
}

/// The configured stores and the audit trail.
#[derive(Debug, Default)]
pub struct Stores {
    /// The local store, if configured.
    pub local: Option<LocalStore>,
    /// Key Vault access, if configured.
    pub key_vault: Option<KeyVaultConnector>,
    /// GitHub access (needs a token), if configured.
    pub github: Option<GithubStore>,
    /// Where operations are recorded; `None` records nothing.
    pub audit: Option<AuditLog>,
    /// Who is calling, for the audit trail (e.g. `mcp`, `cli`).
    pub actor: Option<String>,
}

/// A request to store a secret.
#[derive(Debug)]
pub struct SetRequest {
    /// Where to store it.
    pub target: SecretTarget,
    /// Its name (checked against the store's rule).
    pub name: String,
    /// Where the value comes from.
    pub source: SourceSpec,
    /// Metadata (Key Vault and local only).
    pub properties: SecretProperties,
    /// Replace an existing secret (a new version where the store keeps versions).
    pub overwrite: bool,
}

/// Store-specific details of a write.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(tag = "store", rename_all = "snake_case")]
pub enum StoreDetails {
    /// The local store.
    Local(LocalSetResult),
    /// Azure Key Vault.
    KeyVault(KeyVaultSetResult),
    /// GitHub Actions.
    Github(GithubSetResult),
}

/// The result of [`set_secret`]: metadata only, never the value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct SetOutcome {
    /// Secret name as the store keeps it.
    pub name: String,
    /// Where the value came from.
    pub source_kind: SourceKind,
    /// The source, described without the value.
    pub origin: String,
    /// True when the value passed through the model (a literal `value` source).
    pub exposed_to_model: bool,
    /// True when an existing secret was replaced (or got a new version).
    pub replaced: bool,
    /// What the store reported.
    pub details: StoreDetails,
    /// Set when the audit trail could not be written (the secret was stored).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub audit_warning: Option<String>,
}

/// One secret in a listing, whatever the store.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct SecretSummary {
    /// Secret name.
    pub name: String,
    /// Current version, where the store has versions.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Number of versions kept (local store).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub versions: Option<usize>,
    /// Creation time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    /// Last update.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub updated: Option<String>,
    /// Whether it can be read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// Content type hint.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    /// Tags.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
    /// Expiry.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
    /// Organisation secret visibility (GitHub).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub visibility: Option<String>,
    /// How a workflow reads it (GitHub).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workflow_reference: Option<String>,
}

/// The result of [`list_secrets`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct ListOutcome {
    /// Which store.
    pub store: StoreKind,
    /// Which vault, scope or file.
    pub location: String,
    /// The secrets, sorted by name.
    pub secrets: Vec<SecretSummary>,
}

/// Metadata that comes with a value read by [`read_secret`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct ReadInfo {
    /// Secret name.
    pub name: String,
    /// The version read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Content type hint.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    /// Tags.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
}

impl Stores {
    fn local(&self) -> Result<&LocalStore, SecretsError> {
        self.local
            .as_ref()
            .ok_or_else(|| SecretsError::StoreNotConfigured {
                store: StoreKind::Local,
                fix: "the server has no data directory for the local store".to_owned(),
            })
    }

    fn key_vault(&self, vault: Option<&str>) -> Result<Arc<KeyVaultStore>, SecretsError> {
        self.key_vault
            .as_ref()
            .ok_or_else(|| SecretsError::StoreNotConfigured {
                store: StoreKind::KeyVault,
                fix: "Azure credentials are not configured (see `devops-mcp doctor`)".to_owned(),
            })?
            .store(vault)
    }

    fn github(&self) -> Result<&GithubStore, SecretsError> {
        self.github
            .as_ref()
            .ok_or_else(|| SecretsError::StoreNotConfigured {
                store: StoreKind::Github,
                fix: "set GITHUB_TOKEN or GH_TOKEN to a token that can manage Actions secrets"
                    .to_owned(),
            })
    }

    /// A short description of where `target` points (for results and the audit trail).
    pub fn location(&self, target: &SecretTarget) -> String {
        match target {
            SecretTarget::Local {} => self
                .local
                .as_ref()
                .map(|l| l.store_path().display().to_string())
                .unwrap_or_else(|| "local".to_owned()),
            SecretTarget::KeyVault { vault } => self
                .key_vault(vault.as_deref())
                .map(|kv| kv.vault_url().to_owned())
                .unwrap_or_else(|_| vault.clone().unwrap_or_else(|| "key_vault".to_owned())),
            SecretTarget::Github { .. } => target
                .github_scope()
                .map(|scope| scope.describe())
                .unwrap_or_else(|_| "github".to_owned()),
        }
    }

    fn record(&self, record: AuditRecord) -> Option<String> {
        let audit = self.audit.as_ref()?;
        let record = AuditRecord {
            actor: self.actor.clone(),
            ..record
        };
        match audit.append(&record) {
            Ok(()) => None,
            Err(error) => {
                tracing::error!(%error, "audit trail not written");
                Some(error.to_string())
            }
        }
    }
}

/// Whether `name` exists at `target` (for the overwrite confirmation).
pub async fn secret_exists(
    stores: &Stores,
    target: &SecretTarget,
    name: &str,
) -> Result<bool, SecretsError> {
    validate_name(target.kind(), name)?;
    match target {
        SecretTarget::Local {} => {
            let local = stores.local()?.clone();
            let name = name.to_owned();
            blocking(move || local.exists(&name)).await
        }
        SecretTarget::KeyVault { vault } => stores.key_vault(vault.as_deref())?.exists(name).await,
        SecretTarget::Github { .. } => stores.github()?.exists(&target.github_scope()?, name).await,
    }
}

/// Store a secret as `request` says, with `context` for the sources.
pub async fn set_secret(
    stores: &Stores,
    request: SetRequest,
    context: &mut SourceContext<'_>,
) -> Result<SetOutcome, SecretsError> {
    let kind = request.source.kind();
    let mut record = AuditRecord::new(AuditOperation::Set, request.target.kind());
    record.target = Some(stores.location(&request.target));
    record.name = Some(request.name.clone());
    record.source_kind = Some(kind);
    record.exposed_to_model = Some(matches!(kind, SourceKind::Value));
    match set_inner(stores, request, context).await {
        Ok(mut outcome) => {
            record.version = match &outcome.details {
                StoreDetails::Local(result) => Some(result.version.clone()),
                StoreDetails::KeyVault(result) => Some(result.version.clone()),
                StoreDetails::Github(_) => None,
            };
            record.exposed_to_model = Some(outcome.exposed_to_model);
            outcome.audit_warning = stores.record(record);
            Ok(outcome)
        }
        Err(error) => {
            let _ = stores.record(record.failed(&error));
            Err(error)
        }
    }
}

async fn set_inner(
    stores: &Stores,
    request: SetRequest,
    context: &mut SourceContext<'_>,
) -> Result<SetOutcome, SecretsError> {
    let SetRequest {
        target,
        name,
        source,
        properties,
        overwrite,
    } = request;
    // Everything that can be checked without the value comes first.
    validate_name(target.kind(), &name)?;
    if matches!(source, SourceSpec::Value { .. }) && !context.allow_literal {
        return Err(SecretsError::LiteralNotAllowed);
    }
    if target.kind() == StoreKind::Github && !properties.is_empty() {
        return Err(SecretsError::InvalidOption {
            field: "properties",
            reason: "GitHub Actions secrets have no content type, tags, expiry or enabled flag; omit them".to_owned(),
        });
    }
    let mut valid = properties.validate()?;
    let github_scope = match &target {
        SecretTarget::Github { .. } => Some(target.github_scope()?),
        _ => None,
    };
    let exists = secret_exists(stores, &target, &name).await?;
    if exists && !overwrite {
        return Err(SecretsError::AlreadyExists {
            store: target.kind(),
            name,
        });
    }

    let resolved = match source {
        SourceSpec::Copy(copy) => {
            let (resolved, info) = resolve_copy(stores, copy).await?;
            // A copy between versioned stores keeps the content type and tags
            // unless the request sets its own.
            if properties.content_type.is_none() {
                valid.content_type = info.content_type;
            }
            if properties.tags.is_empty() {
                valid.tags = info.tags;
            }
            resolved
        }
        other => resolve_local_source(other, context)?,
    };
    let ResolvedValue {
        value,
        kind,
        exposed_to_model,
        origin,
    } = resolved;

    let (stored_name, details) = match &target {
        SecretTarget::Local {} => {
            let local = stores.local()?.clone();
            let name = name.clone();
            let result = blocking(move || local.set(&name, &value, &valid, overwrite)).await?;
            (result.name.clone(), StoreDetails::Local(result))
        }
        SecretTarget::KeyVault { vault } => {
            let result = stores
                .key_vault(vault.as_deref())?
                .set(&name, &value, &valid)
                .await?;
            (result.name.clone(), StoreDetails::KeyVault(result))
        }
        SecretTarget::Github { .. } => {
            let scope = github_scope.ok_or_else(|| SecretsError::InvalidOption {
                field: "store",
                reason: "not a GitHub target".to_owned(),
            })?;
            let result = stores.github()?.set(&scope, &name, &value).await?;
            (result.name.clone(), StoreDetails::Github(result))
        }
    };
    Ok(SetOutcome {
        name: stored_name,
        source_kind: kind,
        origin,
        exposed_to_model,
        replaced: exists,
        details,
        audit_warning: None,
    })
}

/// Read the value a `copy` source names, recording the read.
async fn resolve_copy(
    stores: &Stores,
    copy: CopySpec,
) -> Result<(ResolvedValue, ReadInfo), SecretsError> {
    let origin = format!(
        "copy of `{}`{} from {}",
        copy.name,
        copy.version
            .as_deref()
            .map(|v| format!(" version {v}"))
            .unwrap_or_default(),
        stores.location(&copy.from)
    );
    let (value, info) =
        read_secret(stores, &copy.from, &copy.name, copy.version.as_deref()).await?;
    Ok((
        ResolvedValue {
            value,
            kind: SourceKind::Copy,
            exposed_to_model: false,
            origin,
        },
        info,
    ))
}

/// Read a value (the human CLI's `get`, and the read half of `copy`). MCP
/// tools must never return what this returns.
pub async fn read_secret(
    stores: &Stores,
    target: &SecretTarget,
    name: &str,
    version: Option<&str>,
) -> Result<(SecretValue, ReadInfo), SecretsError> {
    let mut record = AuditRecord::new(AuditOperation::Get, target.kind());
    record.target = Some(stores.location(target));
    record.name = Some(name.to_owned());
    let result = read_inner(stores, target, name, version).await;
    match &result {
        Ok((_, info)) => {
            record.version = info.version.clone();
            stores.record(record);
        }
        Err(error) => {
            stores.record(record.failed(error));
        }
    }
    result
}

async fn read_inner(
    stores: &Stores,
    target: &SecretTarget,
    name: &str,
    version: Option<&str>,
) -> Result<(SecretValue, ReadInfo), SecretsError> {
    validate_name(target.kind(), name)?;
    match target {
        SecretTarget::Local {} => {
            let local = stores.local()?.clone();
            let (owned, version) = (name.to_owned(), version.map(str::to_owned));
            let (value, info) = blocking(move || local.get(&owned, version.as_deref())).await?;
            Ok((
                value,
                ReadInfo {
                    name: name.to_owned(),
                    version: Some(info.version),
                    content_type: info.content_type,
                    tags: info.tags,
                },
            ))
        }
        SecretTarget::KeyVault { vault } => {
            let (value, info) = stores
                .key_vault(vault.as_deref())?
                .get(name, version)
                .await?;
            Ok((
                value,
                ReadInfo {
                    name: info.name,
                    version: info.version,
                    content_type: info.content_type,
                    tags: info.tags,
                },
            ))
        }
        SecretTarget::Github { .. } => Err(SecretsError::GithubNotReadable),
    }
}

/// Names and metadata of the secrets at `target`, never values.
pub async fn list_secrets(
    stores: &Stores,
    target: &SecretTarget,
) -> Result<ListOutcome, SecretsError> {
    let mut record = AuditRecord::new(AuditOperation::List, target.kind());
    let location = stores.location(target);
    record.target = Some(location.clone());
    let result = list_inner(stores, target).await;
    match &result {
        Ok(_) => stores.record(record),
        Err(error) => stores.record(record.failed(error)),
    };
    let mut secrets = result?;
    secrets.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(ListOutcome {
        store: target.kind(),
        location,
        secrets,
    })
}

async fn list_inner(
    stores: &Stores,
    target: &SecretTarget,
) -> Result<Vec<SecretSummary>, SecretsError> {
    Ok(match target {
        SecretTarget::Local {} => {
            let local = stores.local()?.clone();
            blocking(move || local.list())
                .await?
                .into_iter()
                .map(summary_of_local)
                .collect()
        }
        SecretTarget::KeyVault { vault } => stores
            .key_vault(vault.as_deref())?
            .list()
            .await?
            .into_iter()
            .map(summary_of_key_vault)
            .collect(),
        SecretTarget::Github { .. } => stores
            .github()?
            .list(&target.github_scope()?)
            .await?
            .into_iter()
            .map(summary_of_github)
            .collect(),
    })
}

/// Delete `name` at `target` (all versions locally; soft delete in Key Vault).
pub async fn delete_secret(
    stores: &Stores,
    target: &SecretTarget,
    name: &str,
) -> Result<(), SecretsError> {
    let mut record = AuditRecord::new(AuditOperation::Delete, target.kind());
    record.target = Some(stores.location(target));
    record.name = Some(name.to_owned());
    let result = async {
        validate_name(target.kind(), name)?;
        match target {
            SecretTarget::Local {} => {
                let local = stores.local()?.clone();
                let name = name.to_owned();
                blocking(move || local.delete(&name)).await.map(|_| ())
            }
            SecretTarget::KeyVault { vault } => {
                stores.key_vault(vault.as_deref())?.delete(name).await
            }
            SecretTarget::Github { .. } => {
                stores.github()?.delete(&target.github_scope()?, name).await
            }
        }
    }
    .await;
    match &result {
        Ok(()) => stores.record(record),
        Err(error) => stores.record(record.failed(error)),
    };
    result
}

/// Import a `.env` document into the local store (human CLI), one audit line per secret written.
pub async fn import_dotenv(
    stores: &Stores,
    text: String,
    overwrite: bool,
) -> Result<ImportReport, SecretsError> {
    let local = stores.local()?.clone();
    let location = local.store_path().display().to_string();
    let result = blocking(move || local.import_dotenv(&text, overwrite)).await;
    match &result {
        Ok(report) => {
            for imported in &report.imported {
                let mut record = AuditRecord::new(AuditOperation::Import, StoreKind::Local);
                record.target = Some(location.clone());
                record.name = Some(imported.name.clone());
                record.version = Some(imported.version.clone());
                record.source_kind = Some(SourceKind::Import);
                stores.record(record);
            }
        }
        Err(error) => {
            let mut record = AuditRecord::new(AuditOperation::Import, StoreKind::Local);
            record.target = Some(location);
            stores.record(record.failed(error));
        }
    }
    result
}

fn summary_of_local(info: LocalSecretInfo) -> SecretSummary {
    SecretSummary {
        name: info.name,
        version: Some(info.current.version),
        versions: Some(info.versions),
        created: Some(info.created),
        updated: Some(info.current.created),
        enabled: Some(info.current.enabled),
        content_type: info.current.content_type,
        tags: info.current.tags,
        expires: info.current.expires,
        ..SecretSummary::default()
    }
}

fn summary_of_key_vault(info: KeyVaultSecretInfo) -> SecretSummary {
    SecretSummary {
        name: info.name,
        version: info.version,
        created: info.created,
        updated: info.updated,
        enabled: info.enabled,
        content_type: info.content_type,
        tags: info.tags,
        expires: info.expires,
        ..SecretSummary::default()
    }
}

fn summary_of_github(info: GithubSecretInfo) -> SecretSummary {
    SecretSummary {
        workflow_reference: Some(format!("${{{{ secrets.{} }}}}", info.name)),
        name: info.name,
        created: Some(info.created_at),
        updated: Some(info.updated_at),
        visibility: info.visibility,
        ..SecretSummary::default()
    }
}

/// Run blocking store work (file locks, encryption) off the async threads.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, SecretsError> + Send + 'static,
) -> Result<T, SecretsError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|error| SecretsError::LocalIo {
            path: std::path::PathBuf::new(),
            action: "finish the store operation",
            source: std::io::Error::other(error.to_string()),
        })?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tool_input_types_have_schemas_with_descriptions() {
        let target = serde_json::to_string(&schemars::schema_for!(SecretTarget)).expect("schema");
        for needle in [
            "key_vault",
            "github",
            "local",
            "selected_repository_ids",
            "Vault name",
        ] {
            assert!(target.contains(needle), "{needle} missing from {target}");
        }
        let source = serde_json::to_string(&schemars::schema_for!(SourceSpec)).expect("schema");
        for needle in [
            "generate",
            "django-secret-key",
            "JSON pointer",
            "writeOnly",
            "prompt",
        ] {
            assert!(source.contains(needle), "{needle} missing from {source}");
        }
        let properties =
            serde_json::to_string(&schemars::schema_for!(SecretProperties)).expect("schema");
        assert!(properties.contains("RFC 3339"), "{properties}");
    }

    #[test]
    fn targets_parse_and_refuse_unknown_fields() {
        let target: SecretTarget =
            serde_json::from_str(r#"{"store":"github","repo":"octo/app","environment":"prod"}"#)
                .expect("github");
        assert_eq!(
            target.github_scope().expect("scope"),
            GithubScope::Environment {
                owner: "octo".to_owned(),
                repo: "app".to_owned(),
                environment: "prod".to_owned()
            }
        );
        assert!(serde_json::from_str::<SecretTarget>(r#"{"store":"local","vault":"x"}"#).is_err());
        assert!(serde_json::from_str::<SecretTarget>(r#"{"store":"s3"}"#).is_err());
    }
}
