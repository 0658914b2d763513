//! GitHub Actions secrets: repository, environment and organisation scopes.
//!
//! The value is sealed (libsodium `crypto_box_seal`, X25519 + XSalsa20-Poly1305)
//! to the scope's public key before it leaves the process, and only the
//! ciphertext and the key id go over the wire, as GitHub requires. Secrets
//! are write-only: there is no way to read a value back, so a GitHub scope can
//! be the destination of a `copy` but never its source.
//!
//! Requests go through octocrab's raw methods so every status is ours to map:
//! 404/403/401/422 become typed errors that say what to fix, and a rate limit
//! (429, or 403 with `Retry-After` or an exhausted `x-ratelimit-remaining`) is
//! waited out once when the wait is short enough.

use std::time::Duration;

use base64::Engine as _;
use serde::{Deserialize, Serialize};

use crate::error::SecretsError;
use crate::name::{StoreKind, validate_name};
use crate::value::{SecretValue, scrub};

/// Which repositories of an organisation may use an organisation secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrgVisibility {
    /// Every repository of the organisation.
    All,
    /// Private and internal repositories.
    Private,
    /// Only the repositories in `selected_repository_ids`.
    Selected,
}

impl OrgVisibility {
    fn as_str(self) -> &'static str {
        match self {
            OrgVisibility::All => "all",
            OrgVisibility::Private => "private",
            OrgVisibility::Selected => "selected",
        }
    }
}

/// Where a GitHub Actions secret lives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum GithubScope {
    /// A repository secret.
    Repository {
        /// Owner (user or organisation).
        owner: String,
        /// Repository name.
        repo: String,
    },
    /// A secret of one deployment environment of a repository.
    Environment {
        /// Owner (user or organisation).
        owner: String,
        /// Repository name.
        repo: String,
        /// Environment name.
        environment: String,
    },
    /// An organisation secret.
    Organization {
        /// Organisation login.
        org: String,
        /// Which repositories may use it.
        visibility: OrgVisibility,
        /// Repository ids, for visibility `selected`.
        #[serde(skip_serializing_if = "Vec::is_empty")]
        selected_repository_ids: Vec<u64>,
    },
}

impl GithubScope {
    /// Build a scope from the loose fields of tool input, checking that they
    /// describe exactly one scope.
    pub fn from_parts(
        owner: Option<&str>,
        repo: Option<&str>,
        environment: Option<&str>,
        org: Option<&str>,
        visibility: Option<OrgVisibility>,
        selected_repository_ids: Option<&[u64]>,
    ) -> Result<Self, SecretsError> {
        fn non_empty(value: Option<&str>) -> Option<&str> {
            value.map(str::trim).filter(|v| !v.is_empty())
        }
        let invalid = |field: &'static str, reason: &str| SecretsError::InvalidOption {
            field,
            reason: reason.to_owned(),
        };
        let (owner, repo, environment, org) = (
            non_empty(owner),
            non_empty(repo),
            non_empty(environment),
            non_empty(org),
        );
        if let Some(org) = org {
            if owner.is_some() || repo.is_some() || environment.is_some() {
                return Err(invalid(
                    "org",
                    "give either `org` (organisation secret) or `owner`/`repo` (repository or environment secret), not both",
                ));
            }
            check_login("org", org)?;
            let visibility = visibility.unwrap_or(OrgVisibility::Private);
            let ids = selected_repository_ids.unwrap_or_default().to_vec();
            if visibility != OrgVisibility::Selected && !ids.is_empty() {
                return Err(invalid(
                    "selected_repository_ids",
                    "repository ids apply only with visibility `selected`",
                ));
            }
            return Ok(GithubScope::Organization {
                org: org.to_owned(),
                visibility,
                selected_repository_ids: ids,
            });
        }
        if visibility.is_some() || selected_repository_ids.is_some() {
            return Err(invalid(
                "visibility",
                "`visibility` and `selected_repository_ids` apply to organisation secrets (`org`) only",
            ));
        }
        let repo = repo.ok_or_else(|| {
            invalid(
                "repo",
                "give `owner` and `repo` (or `repo` as `owner/name`) for a repository or environment secret, or `org` for an organisation secret",
            )
        })?;
        let (owner, repo) = match (owner, repo.split_once('/')) {
            (None, Some((owner, name))) => (owner, name),
            (Some(owner), None) => (owner, repo),
            (Some(_), Some(_)) => {
                return Err(invalid(
                    "repo",
                    "give `repo` as a bare name when `owner` is set",
                ));
            }
            (None, None) => {
                return Err(invalid(
                    "owner",
                    "give `owner`, or write `repo` as `owner/name`",
                ));
            }
        };
        check_login("owner", owner)?;
        check_repo(repo)?;
        Ok(match environment {
            Some(environment) => GithubScope::Environment {
                owner: owner.to_owned(),
                repo: repo.to_owned(),
                environment: environment.to_owned(),
            },
            None => GithubScope::Repository {
                owner: owner.to_owned(),
                repo: repo.to_owned(),
            },
        })
    }

    /// A short description for messages and the audit trail.
    pub fn describe(&self) -> String {
        match self {
            GithubScope::Repository { owner, repo } => format!("repository {owner}/{repo}"),
            GithubScope::Environment {
                owner,
                repo,
                environment,
            } => format!("environment `{environment}` of {owner}/{repo}"),
            GithubScope::Organization { org, .. } => format!("organisation {org}"),
        }
    }

    /// The REST path of the scope's secrets collection.
    fn collection(&self) -> String {
        match self {
            GithubScope::Repository { owner, repo } => {
                format!(
                    "/repos/{}/{}/actions/secrets",
                    segment(owner),
                    segment(repo)
                )
            }
            GithubScope::Environment {
                owner,
                repo,
                environment,
            } => format!(
                "/repos/{}/{}/environments/{}/secrets",
                segment(owner),
                segment(repo),
                segment(environment)
            ),
            GithubScope::Organization { org, .. } => {
                format!("/orgs/{}/actions/secrets", segment(org))
            }
        }
    }

    fn forbidden_hint(&self) -> &'static str {
        match self {
            GithubScope::Organization { .. } => {
                "organisation secrets also need an organisation owner, or the fine-grained organisation permission `Secrets: write`"
            }
            GithubScope::Environment { .. } => {
                "environment secrets need admin access to the repository, or the fine-grained `Environments: write` permission"
            }
            GithubScope::Repository { .. } => {
                "repository secrets need admin or write access to the repository"
            }
        }
    }
}

fn check_login(field: &'static str, value: &str) -> Result<(), SecretsError> {
    let ok = value.len() <= 39
        && value.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && !value.starts_with('-');
    if ok {
        Ok(())
    } else {
        Err(SecretsError::InvalidOption {
            field,
            reason: format!(
                "`{value}` is not a GitHub user or organisation name (letters, digits and `-`, at most 39)"
            ),
        })
    }
}

fn check_repo(value: &str) -> Result<(), SecretsError> {
    let ok = value.len() <= 100
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        && value != "."
        && value != "..";
    if ok {
        Ok(())
    } else {
        Err(SecretsError::InvalidOption {
            field: "repo",
            reason: format!(
                "`{value}` is not a repository name (letters, digits, `-`, `_` and `.`)"
            ),
        })
    }
}

/// Percent-encode one path segment (environment names may hold spaces and more).
fn segment(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// What `set` did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct GithubSetResult {
    /// The secret name as GitHub keeps it (upper case).
    pub name: String,
    /// Where it was written.
    pub scope: GithubScope,
    /// True when the secret was created, false when an existing one was replaced.
    pub created: bool,
    /// When the secret was first created, as GitHub reports it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    /// When the secret was last updated, as GitHub reports it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<String>,
    /// How a workflow reads it, e.g. `${{ secrets.DB_PASSWORD }}`.
    pub workflow_reference: String,
}

/// One secret in a listing (GitHub never returns values).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct GithubSecretInfo {
    /// Secret name.
    pub name: String,
    /// Creation time.
    pub created_at: String,
    /// Last update time.
    pub updated_at: String,
    /// For organisation secrets: `all`, `private` or `selected`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visibility: Option<String>,
}

#[derive(Deserialize)]
struct PublicKey {
    key_id: String,
    key: String,
}

#[derive(Deserialize)]
struct SecretList {
    total_count: u64,
    secrets: Vec<GithubSecretInfo>,
}

#[derive(Deserialize, Default)]
struct ErrorBody {
    #[serde(default)]
    message: String,
    #[serde(default)]
    errors: Vec<serde_json::Value>,
}

/// Options of [`GithubStore::new`].
#[derive(Debug, Clone)]
pub struct GithubOptions {
    /// API base URL; default `https://api.github.com` (GitHub Enterprise Server: `https://HOST/api/v3`).
    pub api_url: Option<String>,
    /// Longest rate-limit wait before the single retry; longer waits fail at once.
    pub max_rate_limit_wait: Duration,
    /// Connect and read timeout of each request.
    pub timeout: Duration,
}

impl Default for GithubOptions {
    fn default() -> Self {
        Self {
            api_url: None,
            max_rate_limit_wait: Duration::from_secs(60),
            timeout: Duration::from_secs(30),
        }
    }
}

/// A GitHub Actions secrets client.
#[derive(Debug, Clone)]
pub struct GithubStore {
    client: octocrab::Octocrab,
    max_rate_limit_wait: Duration,
}

/// A response reduced to what the mapping needs.
struct Reply {
    status: u16,
    body: String,
    retry_after: Option<Duration>,
}

impl GithubStore {
    /// A client authenticated with `token` (a personal access, fine-grained
    /// or installation token the caller obtained).
    pub fn new(token: &SecretValue, options: GithubOptions) -> Result<Self, SecretsError> {
        let mut builder = octocrab::Octocrab::builder()
            .personal_token(token.expose().to_owned())
            .set_connect_timeout(Some(options.timeout))
            .set_read_timeout(Some(options.timeout));
        if let Some(url) = &options.api_url {
            builder =
                builder
                    .base_uri(url.as_str())
                    .map_err(|error| SecretsError::InvalidOption {
                        field: "api_url",
                        reason: format!("`{url}` is not a URL ({error})"),
                    })?;
        }
        let client = builder
            .build()
            .map_err(|error| SecretsError::GithubTransport {
                detail: error.to_string(),
            })?;
        Ok(Self {
            client,
            max_rate_limit_wait: options.max_rate_limit_wait,
        })
    }

    /// Seal `value` to the scope's public key and create or replace secret `name`.
    pub async fn set(
        &self,
        scope: &GithubScope,
        name: &str,
        value: &SecretValue,
    ) -> Result<GithubSetResult, SecretsError> {
        validate_name(StoreKind::Github, name)?;
        if value.is_empty() {
            return Err(SecretsError::EmptyValue {
                source_desc: "the source".to_owned(),
            });
        }
        let key = self.public_key(scope).await?;
        let encrypted_value = seal(scope, &key.key, value)?;
        let mut body = serde_json::json!({
            "encrypted_value": encrypted_value,
            "key_id": key.key_id,
        });
        if let GithubScope::Organization {
            visibility,
            selected_repository_ids,
            ..
        } = scope
        {
            body["visibility"] = visibility.as_str().into();
            if *visibility == OrgVisibility::Selected {
                body["selected_repository_ids"] = selected_repository_ids.clone().into();
            }
        }
        let path = format!("{}/{}", scope.collection(), segment(name));
        let reply = self.send(scope, Method::Put, &path, Some(&body)).await?;
        let created = match reply.status {
            201 => true,
            204 => false,
            _ => return Err(error_for(scope, &reply, Some(value))),
        };
        tracing::info!(scope = %scope.describe(), name, created, "GitHub Actions secret written");
        // PUT returns no timestamps; read the metadata back.
        let info = self.info(scope, name).await?;
        let stored_name = info
            .as_ref()
            .map(|info| info.name.clone())
            .unwrap_or_else(|| name.to_ascii_uppercase());
        Ok(GithubSetResult {
            workflow_reference: format!("${{{{ secrets.{stored_name} }}}}"),
            name: stored_name,
            scope: scope.clone(),
            created,
            created_at: info.as_ref().map(|i| i.created_at.clone()),
            updated_at: info.map(|i| i.updated_at),
        })
    }

    /// Whether secret `name` exists in `scope`.
    pub async fn exists(&self, scope: &GithubScope, name: &str) -> Result<bool, SecretsError> {
        validate_name(StoreKind::Github, name)?;
        Ok(self.info(scope, name).await?.is_some())
    }

    /// Names and times of every secret in `scope`.
    pub async fn list(&self, scope: &GithubScope) -> Result<Vec<GithubSecretInfo>, SecretsError> {
        let mut all = Vec::new();
        for page in 1.. {
            let path = format!("{}?per_page=100&page={page}", scope.collection());
            let reply = self.send(scope, Method::Get, &path, None).await?;
            if reply.status != 200 {
                return Err(error_for(scope, &reply, None));
            }
            let list: SecretList = parse(scope, &reply.body)?;
            let count = list.secrets.len();
            all.extend(list.secrets);
            if count < 100 || all.len() as u64 >= list.total_count {
                break;
            }
        }
        Ok(all)
    }

    /// Delete secret `name` from `scope`.
    pub async fn delete(&self, scope: &GithubScope, name: &str) -> Result<(), SecretsError> {
        validate_name(StoreKind::Github, name)?;
        let path = format!("{}/{}", scope.collection(), segment(name));
        let reply = self.send(scope, Method::Delete, &path, None).await?;
        match reply.status {
            204 => Ok(()),
            404 => Err(SecretsError::SecretNotFound {
                store: StoreKind::Github,
                name: name.to_owned(),
                version: None,
            }),
            _ => Err(error_for(scope, &reply, None)),
        }
    }

    async fn info(
        &self,
        scope: &GithubScope,
        name: &str,
    ) -> Result<Option<GithubSecretInfo>, SecretsError> {
        let path = format!("{}/{}", scope.collection(), segment(name));
        let reply = self.send(scope, Method::Get, &path, None).await?;
        match reply.status {
            200 => parse(scope, &reply.body).map(Some),
            404 => {
                // A missing secret and a missing repository both answer 404;
                // the public key tells them apart.
                self.public_key(scope).await?;
                Ok(None)
            }
            _ => Err(error_for(scope, &reply, None)),
        }
    }

    async fn public_key(&self, scope: &GithubScope) -> Result<PublicKey, SecretsError> {
        let path = format!("{}/public-key", scope.collection());
        let reply = self.send(scope, Method::Get, &path, None).await?;
        if reply.status != 200 {
            return Err(error_for(scope, &reply, None));
        }
        parse(scope, &reply.body)
    }

    /// Send a request, waiting out one rate limit.
    async fn send(
        &self,
        scope: &GithubScope,
        method: Method,
        path: &str,
        body: Option<&serde_json::Value>,
    ) -> Result<Reply, SecretsError> {
        let first = self.send_once(method, path, body).await?;
        let Some(delay) = first.retry_after else {
            return Ok(first);
        };
        if delay > self.max_rate_limit_wait {
            return Err(SecretsError::GithubRateLimited {
                scope: scope.describe(),
                waited_secs: 0,
                retry_after_secs: delay.as_secs(),
            });
        }
        tracing::warn!(scope = %scope.describe(), wait_ms = delay.as_millis() as u64, "GitHub rate limit; retrying once");
        tokio::time::sleep(delay).await;
        let second = self.send_once(method, path, body).await?;
        match second.retry_after {
            Some(again) => Err(SecretsError::GithubRateLimited {
                scope: scope.describe(),
                waited_secs: delay.as_secs(),
                retry_after_secs: again.as_secs(),
            }),
            None => Ok(second),
        }
    }

    async fn send_once(
        &self,
        method: Method,
        path: &str,
        body: Option<&serde_json::Value>,
    ) -> Result<Reply, SecretsError> {
        let transport = |error: octocrab::Error| SecretsError::GithubTransport {
            detail: describe_octocrab(&error),
        };
        let response = match method {
            Method::Get => self.client._get(path).await,
            Method::Put => self.client._put(path, body).await,
            Method::Delete => self.client._delete(path, None::<&()>).await,
        }
        .map_err(transport)?;
        let status = response.status().as_u16();
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let retry_after = if status == 429 || status == 403 {
            rate_limit_delay(
                header("retry-after").as_deref(),
                header("x-ratelimit-remaining").as_deref(),
                header("x-ratelimit-reset").as_deref(),
            )
        } else {
            None
        };
        let body = self
            .client
            .body_to_string(response)
            .await
            .map_err(transport)?;
        tracing::debug!(%status, path, "GitHub API response");
        Ok(Reply {
            status,
            body,
            retry_after,
        })
    }
}

#[derive(Debug, Clone, Copy)]
enum Method {
    Get,
    Put,
    Delete,
}

/// How long a 403/429 asks us to wait, or `None` when it is not a rate limit.
fn rate_limit_delay(
    retry_after: Option<&str>,
    remaining: Option<&str>,
    reset: Option<&str>,
) -> Option<Duration> {
    if let Some(seconds) = retry_after.and_then(|v| v.trim().parse::<u64>().ok()) {
        return Some(Duration::from_secs(seconds));
    }
    if remaining.map(str::trim) == Some("0") {
        let reset = reset.and_then(|v| v.trim().parse::<i64>().ok())?;
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        return Some(Duration::from_secs(
            u64::try_from(reset - now).unwrap_or(0) + 1,
        ));
    }
    None
}

fn parse<T: serde::de::DeserializeOwned>(
    scope: &GithubScope,
    body: &str,
) -> Result<T, SecretsError> {
    serde_json::from_str(body).map_err(|error| SecretsError::GithubHttp {
        scope: scope.describe(),
        status: 200,
        detail: format!("unexpected response body ({error})"),
    })
}

/// Seal `value` to a base64 X25519 public key; returns base64 ciphertext.
fn seal(scope: &GithubScope, key: &str, value: &SecretValue) -> Result<String, SecretsError> {
    let invalid = |reason: String| SecretsError::GithubPublicKey {
        scope: scope.describe(),
        reason,
    };
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(key.trim())
        .map_err(|error| invalid(format!("not base64 ({error})")))?;
    let key = crypto_box::PublicKey::from_slice(&bytes)
        .map_err(|_| invalid(format!("{} bytes, an X25519 key has 32", bytes.len())))?;
    let sealed = key
        .seal(&mut crypto_box::aead::OsRng, value.expose().as_bytes())
        .map_err(|_| invalid("sealing failed".to_owned()))?;
    Ok(base64::engine::general_purpose::STANDARD.encode(sealed))
}

/// Map a non-success reply to a typed error.
fn error_for(scope: &GithubScope, reply: &Reply, value: Option<&SecretValue>) -> SecretsError {
    let body: ErrorBody = serde_json::from_str(&reply.body).unwrap_or_default();
    let mut detail = if body.message.is_empty() {
        format!("HTTP {}", reply.status)
    } else {
        body.message.clone()
    };
    if !body.errors.is_empty() {
        let errors: Vec<String> = body.errors.iter().map(ToString::to_string).collect();
        detail = format!("{detail}: {}", errors.join("; "));
    }
    if let Some(value) = value {
        detail = scrub(&detail, value);
    }
    let scope_text = scope.describe();
    match reply.status {
        401 => SecretsError::GithubUnauthorized { detail },
        403 => SecretsError::GithubForbidden {
            scope: scope_text,
            detail,
            org_hint: scope.forbidden_hint(),
        },
        404 => SecretsError::GithubNotFound {
            scope: scope_text,
            detail,
        },
        422 => SecretsError::GithubValidation {
            scope: scope_text,
            detail,
        },
        429 => SecretsError::GithubRateLimited {
            scope: scope_text,
            waited_secs: 0,
            retry_after_secs: 60,
        },
        status => SecretsError::GithubHttp {
            scope: scope_text,
            status,
            detail,
        },
    }
}

/// octocrab's error with its sources, which hold the useful part (connection refused, DNS).
fn describe_octocrab(error: &octocrab::Error) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_from_tool_fields() {
        let scope =
            GithubScope::from_parts(None, Some("octo/app"), None, None, None, None).expect("repo");
        assert_eq!(scope.collection(), "/repos/octo/app/actions/secrets");
        let scope =
            GithubScope::from_parts(Some("octo"), Some("app"), Some("prod eu"), None, None, None)
                .expect("env");
        assert_eq!(
            scope.collection(),
            "/repos/octo/app/environments/prod%20eu/secrets"
        );
        let scope =
            GithubScope::from_parts(None, None, None, Some("octo"), None, None).expect("org");
        assert_eq!(
            scope,
            GithubScope::Organization {
                org: "octo".to_owned(),
                visibility: OrgVisibility::Private,
                selected_repository_ids: Vec::new()
            }
        );
        for (owner, repo, org, vis) in [
            (Some("a"), Some("b"), Some("c"), None),
            (None, Some("b"), None, None),
            (None, None, None, None),
            (Some("a"), Some("b"), None, Some(OrgVisibility::All)),
            (Some("bad owner"), Some("b"), None, None),
        ] {
            assert!(GithubScope::from_parts(owner, repo, None, org, vis, None).is_err());
        }
        assert!(
            GithubScope::from_parts(
                None,
                None,
                None,
                Some("o"),
                Some(OrgVisibility::All),
                Some(&[1])
            )
            .is_err()
        );
    }

    #[test]
    fn rate_limit_headers() {
        assert_eq!(
            rate_limit_delay(Some("3"), None, None),
            Some(Duration::from_secs(3))
        );
        assert_eq!(rate_limit_delay(None, Some("5"), Some("1")), None);
        let soon = time::OffsetDateTime::now_utc().unix_timestamp() + 2;
        let delay = rate_limit_delay(None, Some("0"), Some(&soon.to_string())).expect("reset");
        assert!(delay <= Duration::from_secs(3));
        assert_eq!(rate_limit_delay(None, None, None), None);
    }

    #[test]
    fn sealed_box_opens_with_the_secret_key() {
        let secret = crypto_box::SecretKey::generate(&mut crypto_box::aead::OsRng);
        let public =
            base64::engine::general_purpose::STANDARD.encode(secret.public_key().as_bytes());
        let scope = GithubScope::Repository {
            owner: "o".to_owned(),
            repo: "r".to_owned(),
        };
        let sealed = seal(&scope, &public, &SecretValue::new("hello".to_owned())).expect("seal");
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(sealed)
            .expect("b64");
        assert_eq!(secret.unseal(&bytes).expect("unseal"), b"hello");
        assert_eq!(
            seal(&scope, "AAAA", &SecretValue::new("x".to_owned()))
                .expect_err("short key")
                .kind(),
            "github_public_key"
        );
    }
}
