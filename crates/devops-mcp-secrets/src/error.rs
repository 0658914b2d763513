//! The crate's error type.
//!
//! Every message names the resource and says what to do next, and none holds
//! a secret value: variants carry names, paths and service messages that were
//! scrubbed of the value before they got here.

use std::path::PathBuf;

use crate::name::StoreKind;

/// Everything that can go wrong while resolving, storing or listing a secret.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SecretsError {
    // --- input -----------------------------------------------------------
    #[error("secret name `{name}` is not valid for the {store} store: {rule}")]
    InvalidName {
        store: StoreKind,
        name: String,
        rule: &'static str,
    },
    #[error("`{field}` is not valid: {reason}")]
    InvalidOption { field: &'static str, reason: String },
    #[error("the {store} store is not available: {fix}")]
    StoreNotConfigured { store: StoreKind, fix: String },

    // --- sources ---------------------------------------------------------
    #[error(
        "environment variable `{name}` is not set in the server's environment; set it before starting the server or choose another source"
    )]
    EnvVarMissing { name: String },
    #[error("environment variable `{name}` is empty; an empty secret is not stored")]
    EnvVarEmpty { name: String },
    #[error(
        "file `{path}` was not found in the workspace; give a path relative to the workspace root"
    )]
    FileNotFound { path: String },
    #[error("file `{path}` is outside the workspace ({reason}); give a path inside the workspace")]
    FileOutsideWorkspace { path: String, reason: String },
    #[error("cannot read file `{path}`: {reason}")]
    FileRead { path: String, reason: String },
    #[error("file `{path}` is not UTF-8 text")]
    FileNotText { path: String },
    #[error("file `{path}` has no key `{key}`; {hint}")]
    FileKeyMissing {
        path: String,
        key: String,
        hint: &'static str,
    },
    #[error(
        "`{key}` in `{path}` is {found}, not a string, number or boolean; point at a single value"
    )]
    FileKeyNotScalar {
        path: String,
        key: String,
        found: &'static str,
    },
    #[error("`{path}` is not valid {format}: {reason}")]
    FileParse {
        path: String,
        format: &'static str,
        reason: String,
    },
    #[error("the value read from {source_desc} is empty; an empty secret is not stored")]
    EmptyValue { source_desc: String },
    #[error(
        "literal values are disabled: the value would pass through the model. Use another source (generate, env, file, copy, prompt), or ask the operator to set `secrets.allow_literal_values = true`"
    )]
    LiteralNotAllowed,
    #[error("the `{kind}` source must be resolved by the server before calling the store")]
    SourceNeedsCaller { kind: &'static str },
    #[error(
        "GitHub Actions secrets are write-only: their values cannot be read back; copy from the local store or a Key Vault instead"
    )]
    GithubNotReadable,
    #[error("the random number generator failed: {reason}")]
    Random { reason: String },

    // --- any store -------------------------------------------------------
    #[error(
        "secret `{name}` already exists in the {store} store; pass `overwrite: true` to add a new version (the old one is kept where the store keeps versions)"
    )]
    AlreadyExists { store: StoreKind, name: String },
    #[error("secret `{name}`{} was not found in the {store} store", version.as_deref().map(|v| format!(" version `{v}`")).unwrap_or_default())]
    SecretNotFound {
        store: StoreKind,
        name: String,
        version: Option<String>,
    },
    #[error(
        "secret `{name}` version `{version}` in the {store} store is disabled; enable it or pick another version"
    )]
    SecretDisabled {
        store: StoreKind,
        name: String,
        version: String,
    },

    // --- local store -----------------------------------------------------
    #[error("local secret store `{path}`: cannot {action}: {source}")]
    LocalIo {
        path: PathBuf,
        action: &'static str,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "identity file `{path}` is readable by other users (mode {mode:o}); run `chmod 600 {path}`",
        path = path.display()
    )]
    IdentityPermissions { path: PathBuf, mode: u32 },
    #[error("identity file `{path}` does not hold an age X25519 identity (AGE-SECRET-KEY-1...): {reason}", path = path.display())]
    IdentityInvalid { path: PathBuf, reason: String },
    #[error(
        "local secret store `{path}` cannot be decrypted with identity `{identity}`: {reason}. Restore the identity that wrote it, or move the store aside to start a new one",
        path = path.display(),
        identity = identity.display()
    )]
    LocalDecrypt {
        path: PathBuf,
        identity: PathBuf,
        reason: String,
    },
    #[error("local secret store `{path}` is damaged: {reason}", path = path.display())]
    LocalCorrupt { path: PathBuf, reason: String },
    #[error("cannot encrypt the local secret store: {reason}")]
    LocalEncrypt { reason: String },

    // --- audit -----------------------------------------------------------
    #[error("cannot append to the audit trail `{path}`: {source}", path = path.display())]
    Audit {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    // --- GitHub ----------------------------------------------------------
    #[error(
        "GitHub {scope}: not found ({detail}); check the owner, repository, environment or organisation name and that the token can see it"
    )]
    GithubNotFound { scope: String, detail: String },
    #[error(
        "GitHub {scope}: the token is not allowed to manage Actions secrets ({detail}); it needs the `repo` scope (classic token; `admin:org` for organisation secrets) or the fine-grained `Secrets: write` permission ({org_hint})"
    )]
    GithubForbidden {
        scope: String,
        detail: String,
        org_hint: &'static str,
    },
    #[error("GitHub rejected the token ({detail}); set a valid token (GITHUB_TOKEN or GH_TOKEN)")]
    GithubUnauthorized { detail: String },
    #[error("GitHub {scope}: the request was rejected as invalid: {detail}")]
    GithubValidation { scope: String, detail: String },
    #[error(
        "GitHub {scope}: rate limited, still limited after waiting {waited_secs}s; try again in {retry_after_secs}s"
    )]
    GithubRateLimited {
        scope: String,
        waited_secs: u64,
        retry_after_secs: u64,
    },
    #[error("GitHub {scope}: unexpected HTTP {status}: {detail}")]
    GithubHttp {
        scope: String,
        status: u16,
        detail: String,
    },
    #[error("GitHub {scope}: the public key is not valid: {reason}")]
    GithubPublicKey { scope: String, reason: String },
    #[error("GitHub API request failed: {detail}")]
    GithubTransport { detail: String },

    // --- Azure Key Vault -------------------------------------------------
    #[error("`{vault}` is not a Key Vault name or URL: {reason}")]
    InvalidVault { vault: String, reason: String },
    #[error(
        "Key Vault `{vault}` was not found ({detail}); check the vault name, or give its full URL for a sovereign cloud"
    )]
    VaultNotFound { vault: String, detail: String },
    #[error(
        "Key Vault `{vault}`: access denied for {operation} ({detail}); assign the `{role}` role on the vault to the signed-in identity (or an access policy granting secret {permission})"
    )]
    KeyVaultForbidden {
        vault: String,
        operation: &'static str,
        role: &'static str,
        permission: &'static str,
        detail: String,
    },
    #[error(
        "no Azure credential could get a token ({detail}); sign in again with `az login`, or set AZURE_TENANT_ID and AZURE_CLIENT_ID with AZURE_CLIENT_SECRET or AZURE_FEDERATED_TOKEN_FILE, or run where a managed identity is available"
    )]
    AzureCredential { detail: String },
    #[error(
        "Key Vault `{vault}` rejected the access token ({detail}); the credential may have expired: sign in again (`az login`) or renew the client secret"
    )]
    KeyVaultUnauthorized { vault: String, detail: String },
    #[error(
        "Key Vault `{vault}` is throttling requests ({detail}); try again in {retry_after_secs}s"
    )]
    KeyVaultThrottled {
        vault: String,
        retry_after_secs: u64,
        detail: String,
    },
    #[error(
        "Key Vault `{vault}`: secret `{name}` is deleted but recoverable (soft delete); recover it (`az keyvault secret recover`) or purge it before setting it again"
    )]
    KeyVaultDeletedConflict { vault: String, name: String },
    #[error("Key Vault `{vault}`: HTTP {status}{}: {detail}", code.as_deref().map(|c| format!(" {c}")).unwrap_or_default())]
    KeyVaultHttp {
        vault: String,
        status: u16,
        code: Option<String>,
        detail: String,
    },
    #[error("Key Vault `{vault}`: {detail}")]
    KeyVaultOther { vault: String, detail: String },
}

impl SecretsError {
    /// A stable snake_case code for the audit trail and for mapping errors to
    /// tool results without parsing messages.
    pub fn kind(&self) -> &'static str {
        match self {
            SecretsError::InvalidName { .. } => "invalid_name",
            SecretsError::InvalidOption { .. } => "invalid_option",
            SecretsError::StoreNotConfigured { .. } => "store_not_configured",
            SecretsError::EnvVarMissing { .. } => "env_var_missing",
            SecretsError::EnvVarEmpty { .. } => "env_var_empty",
            SecretsError::FileNotFound { .. } => "file_not_found",
            SecretsError::FileOutsideWorkspace { .. } => "file_outside_workspace",
            SecretsError::FileRead { .. } => "file_read",
            SecretsError::FileNotText { .. } => "file_not_text",
            SecretsError::FileKeyMissing { .. } => "file_key_missing",
            SecretsError::FileKeyNotScalar { .. } => "file_key_not_scalar",
            SecretsError::FileParse { .. } => "file_parse",
            SecretsError::EmptyValue { .. } => "empty_value",
            SecretsError::LiteralNotAllowed => "literal_not_allowed",
            SecretsError::SourceNeedsCaller { .. } => "source_needs_caller",
            SecretsError::GithubNotReadable => "github_not_readable",
            SecretsError::Random { .. } => "random",
            SecretsError::AlreadyExists { .. } => "already_exists",
            SecretsError::SecretNotFound { .. } => "secret_not_found",
            SecretsError::SecretDisabled { .. } => "secret_disabled",
            SecretsError::LocalIo { .. } => "local_io",
            SecretsError::IdentityPermissions { .. } => "identity_permissions",
            SecretsError::IdentityInvalid { .. } => "identity_invalid",
            SecretsError::LocalDecrypt { .. } => "local_decrypt",
            SecretsError::LocalCorrupt { .. } => "local_corrupt",
            SecretsError::LocalEncrypt { .. } => "local_encrypt",
            SecretsError::Audit { .. } => "audit",
            SecretsError::GithubNotFound { .. } => "github_not_found",
            SecretsError::GithubForbidden { .. } => "github_forbidden",
            SecretsError::GithubUnauthorized { .. } => "github_unauthorized",
            SecretsError::GithubValidation { .. } => "github_validation",
            SecretsError::GithubRateLimited { .. } => "github_rate_limited",
            SecretsError::GithubHttp { .. } => "github_http",
            SecretsError::GithubPublicKey { .. } => "github_public_key",
            SecretsError::GithubTransport { .. } => "github_transport",
            SecretsError::InvalidVault { .. } => "invalid_vault",
            SecretsError::VaultNotFound { .. } => "vault_not_found",
            SecretsError::KeyVaultForbidden { .. } => "key_vault_forbidden",
            SecretsError::AzureCredential { .. } => "azure_credential",
            SecretsError::KeyVaultUnauthorized { .. } => "key_vault_unauthorized",
            SecretsError::KeyVaultThrottled { .. } => "key_vault_throttled",
            SecretsError::KeyVaultDeletedConflict { .. } => "key_vault_deleted_conflict",
            SecretsError::KeyVaultHttp { .. } => "key_vault_http",
            SecretsError::KeyVaultOther { .. } => "key_vault_other",
        }
    }

    /// Whether the agent caused this with its input (bad name, missing file,
    /// refused literal, ...) rather than the environment or a remote service.
    pub fn is_input_error(&self) -> bool {
        matches!(
            self,
            SecretsError::InvalidName { .. }
                | SecretsError::InvalidOption { .. }
                | SecretsError::EnvVarMissing { .. }
                | SecretsError::EnvVarEmpty { .. }
                | SecretsError::FileNotFound { .. }
                | SecretsError::FileOutsideWorkspace { .. }
                | SecretsError::FileNotText { .. }
                | SecretsError::FileKeyMissing { .. }
                | SecretsError::FileKeyNotScalar { .. }
                | SecretsError::FileParse { .. }
                | SecretsError::EmptyValue { .. }
                | SecretsError::LiteralNotAllowed
                | SecretsError::GithubNotReadable
                | SecretsError::AlreadyExists { .. }
                | SecretsError::SecretNotFound { .. }
                | SecretsError::InvalidVault { .. }
        )
    }
}
