//! GitHub Actions secrets for repositories, environments and organisations:
//! the public key to seal to, and write-only secrets holding the sealed box.
//!
//! The fake cannot read a sealed box (it holds no crypto on purpose); it
//! checks what GitHub can check without the private key (the key id is the
//! current one, the value is Base64 of at least a sealed box's overhead) and
//! stores the ciphertext for the test to open with the key pair it chose.

use std::collections::BTreeMap;

use base64::Engine as _;
use serde_json::{Value, json};

use super::Outcome;
use super::repos::with_link;
use crate::model::{Access, SecretsKey, StoredSecret, TokenKind};
use crate::server::{Capability, Ctx, NOT_ACCESSIBLE, Need, Reply};
use crate::state::now_rfc3339;

/// A sealed box is the 32-byte ephemeral public key plus a 16-byte tag,
/// followed by the message.
const SEALED_BOX_OVERHEAD: usize = 48;

const OPERATIONS: &[&str] = &[
    "actions/get-repo-public-key",
    "actions/create-or-update-repo-secret",
    "actions/get-repo-secret",
    "actions/list-repo-secrets",
    "actions/delete-repo-secret",
    "actions/get-environment-public-key",
    "actions/create-or-update-environment-secret",
    "actions/get-environment-secret",
    "actions/list-environment-secrets",
    "actions/delete-environment-secret",
    "actions/get-org-public-key",
    "actions/create-or-update-org-secret",
    "actions/get-org-secret",
    "actions/list-org-secrets",
    "actions/delete-org-secret",
];

pub(super) fn serves(operation: &str) -> bool {
    OPERATIONS.contains(&operation)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Scope {
    Repository,
    Environment,
    Organization,
}

pub(super) fn route(ctx: &mut Ctx<'_>) -> Outcome {
    let id = ctx.op.id.clone();
    let scope = if id.contains("-environment-") {
        Scope::Environment
    } else if id.contains("-org-") {
        Scope::Organization
    } else {
        Scope::Repository
    };
    check_access(ctx, scope)?;
    let action = id.trim_start_matches("actions/");
    if action.starts_with("get-") && action.ends_with("public-key") {
        let key = current_key(ctx, scope)?;
        return Ok(Reply::json(
            200,
            json!({
                "key_id": key.key_id,
                "key": base64::engine::general_purpose::STANDARD.encode(key.public_key),
            }),
        ));
    }
    if action.starts_with("list-") {
        let (owner_path, secrets) = {
            let store = secrets_mut(ctx, scope)?;
            let listed: Vec<(String, StoredSecret)> =
                store.iter().map(|(n, s)| (n.clone(), s.clone())).collect();
            (secret_base(ctx, scope), listed)
        };
        let total = secrets.len();
        let items: Vec<Value> = secrets
            .iter()
            .map(|(name, secret)| secret_json(ctx, scope, &owner_path, name, secret))
            .collect();
        let (page, link) = ctx.paginate(items);
        return Ok(with_link(
            Reply::json(200, json!({ "total_count": total, "secrets": page })),
            link,
        ));
    }
    let name = ctx.param("secret_name").to_ascii_uppercase();
    if action.starts_with("create-or-update-") {
        return put(ctx, scope, &name);
    }
    let base = secret_base(ctx, scope);
    let store = secrets_mut(ctx, scope)?;
    if action.starts_with("delete-") {
        return match store.remove(&name) {
            Some(_) => Ok(Reply::empty(204)),
            None => Err(ctx.not_found()),
        };
    }
    let secret = store.get(&name).cloned().ok_or_else(|| ctx.not_found())?;
    Ok(Reply::json(
        200,
        secret_json(ctx, scope, &base, &name, &secret),
    ))
}

fn put(ctx: &mut Ctx<'_>, scope: Scope, name: &str) -> Outcome {
    let docs = ctx.op.docs_url.clone();
    let invalid = |message: &str| {
        Reply::invalid(&format!("Invalid request.\n\n{message}"), &docs, Vec::new())
    };
    let valid_name = !name.is_empty()
        && !name.starts_with("GITHUB_")
        && !name.starts_with(|c: char| c.is_ascii_digit())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !valid_name {
        return Err(invalid(
            "Secret names can only contain alphanumeric characters or underscores, must not start with a number or GITHUB_.",
        ));
    }
    let encrypted = ctx
        .body_str("encrypted_value")
        .unwrap_or_default()
        .to_owned();
    let key_id = ctx.body_str("key_id").unwrap_or_default().to_owned();
    let key = current_key(ctx, scope)?;
    if key_id != key.key_id {
        return Err(invalid(&format!(
            "key_id {key_id} is not the current public key ({}); fetch the public key again",
            key.key_id
        )));
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(&encrypted)
        .map_err(|_| invalid("encrypted_value is not Base64"))?;
    if decoded.len() < SEALED_BOX_OVERHEAD {
        return Err(invalid("encrypted_value is too short to be a sealed box"));
    }
    let visibility = ctx.body_str("visibility").map(str::to_owned);
    let selected: Option<Vec<u64>> = ctx
        .body
        .as_ref()
        .and_then(|b| b.get("selected_repository_ids"))
        .and_then(Value::as_array)
        .map(|ids| ids.iter().filter_map(Value::as_u64).collect());
    if scope == Scope::Organization
        && visibility.as_deref() != Some("selected")
        && selected.is_some()
    {
        return Err(invalid(
            "selected_repository_ids apply only with visibility `selected`",
        ));
    }
    let now = now_rfc3339();
    let store = secrets_mut(ctx, scope)?;
    let created = !store.contains_key(name);
    let created_at = store
        .get(name)
        .map(|s| s.created_at.clone())
        .unwrap_or_else(|| now.clone());
    store.insert(
        name.to_owned(),
        StoredSecret {
            encrypted_value: encrypted,
            key_id,
            created_at,
            updated_at: now,
            visibility,
            selected_repository_ids: selected,
        },
    );
    Ok(if created {
        Reply::json(201, json!({}))
    } else {
        Reply::empty(204)
    })
}

/// Repository and environment secrets need write access and the `repo`
/// scope or the `Secrets` / `Environments` permission; organisation secrets
/// need an owner with `admin:org` or the organisation `Secrets` permission.
fn check_access(ctx: &mut Ctx<'_>, scope: Scope) -> Result<(), Reply> {
    match scope {
        Scope::Repository => ctx.repo_access(Need::Write(Capability::Secrets)),
        Scope::Environment => {
            ctx.repo_access(Need::Write(Capability::Environments))?;
            let environment = ctx.param("environment_name");
            let repo = ctx.repo()?;
            if repo.settings.environments.contains(&environment) {
                Ok(())
            } else {
                Err(ctx.not_found())
            }
        }
        Scope::Organization => {
            let org = ctx
                .state
                .org(&ctx.param("org"))
                .ok_or_else(|| ctx.not_found())?;
            let Some(token) = &ctx.token else {
                return Err(Reply::error(
                    401,
                    "Requires authentication",
                    &ctx.op.docs_url,
                ));
            };
            if !org.settings.admins.contains(&token.login) {
                return Err(ctx.not_found());
            }
            match &token.kind {
                TokenKind::Classic { scopes } if !scopes.contains("admin:org") => {
                    Err(ctx.not_found())
                }
                TokenKind::FineGrained { permissions }
                    if permissions.organization_secrets < Access::Write =>
                {
                    Err(Reply::error(403, NOT_ACCESSIBLE, &ctx.op.docs_url))
                }
                _ => Ok(()),
            }
        }
    }
}

fn current_key(ctx: &mut Ctx<'_>, scope: Scope) -> Result<SecretsKey, Reply> {
    let default = ctx.state.default_key.clone();
    Ok(match scope {
        Scope::Repository => ctx.repo()?.key.clone().unwrap_or(default),
        Scope::Environment => {
            let environment = ctx.param("environment_name");
            ctx.repo()?
                .environment_keys
                .get(&environment)
                .cloned()
                .unwrap_or(default)
        }
        Scope::Organization => {
            let org = ctx.param("org").to_ascii_lowercase();
            ctx.state
                .orgs
                .get(&org)
                .and_then(|o| o.key.clone())
                .unwrap_or(default)
        }
    })
}

fn secrets_mut<'s>(
    ctx: &'s mut Ctx<'_>,
    scope: Scope,
) -> Result<&'s mut BTreeMap<String, StoredSecret>, Reply> {
    let docs = ctx.op.docs_url.clone();
    let not_found = || Reply::error(404, "Not Found", &docs);
    match scope {
        Scope::Repository => Ok(&mut ctx.repo()?.secrets),
        Scope::Environment => {
            let environment = ctx.param("environment_name");
            Ok(ctx
                .repo()?
                .environment_secrets
                .entry(environment)
                .or_default())
        }
        Scope::Organization => {
            let org = ctx.param("org").to_ascii_lowercase();
            ctx.state
                .orgs
                .get_mut(&org)
                .map(|o| &mut o.secrets)
                .ok_or_else(not_found)
        }
    }
}

/// The API path secrets of this scope live under (for URLs in answers).
fn secret_base(ctx: &Ctx<'_>, scope: Scope) -> String {
    match scope {
        Scope::Repository => format!(
            "/repos/{}/{}/actions/secrets",
            ctx.param("owner"),
            ctx.param("repo")
        ),
        Scope::Environment => format!(
            "/repos/{}/{}/environments/{}/secrets",
            ctx.param("owner"),
            ctx.param("repo"),
            ctx.param("environment_name")
        ),
        Scope::Organization => format!("/orgs/{}/actions/secrets", ctx.param("org")),
    }
}

fn secret_json(
    ctx: &Ctx<'_>,
    scope: Scope,
    base: &str,
    name: &str,
    secret: &StoredSecret,
) -> Value {
    let mut value = json!({
        "name": name,
        "created_at": secret.created_at,
        "updated_at": secret.updated_at,
    });
    if scope == Scope::Organization {
        let visibility = secret
            .visibility
            .clone()
            .unwrap_or_else(|| "private".into());
        if visibility == "selected" {
            value["selected_repositories_url"] =
                json!(ctx.api(&format!("{base}/{name}/repositories")));
        }
        value["visibility"] = json!(visibility);
    }
    value
}
