//! Repositories: the repository itself, its branches and tags, its latest
//! release, and the ruleset rules that apply to a branch.

use serde_json::{Value, json};

use super::Outcome;
use crate::model::{Role, Rule};
use crate::server::{Ctx, Need, Reply};
use crate::state::{ReleaseState, RepoState, rfc3339};

/// `GET /repos/{owner}/{repo}`.
pub(super) fn get(ctx: &mut Ctx<'_>) -> Outcome {
    ctx.repo_access(Need::Read)?;
    let (owner, name) = (ctx.param("owner"), ctx.param("repo"));
    let repo = ctx
        .state
        .repo(&owner, &name)
        .ok_or_else(|| ctx.not_found())?;
    Ok(Reply::filled(200, repository_json(ctx, repo)))
}

/// `GET /repos/{owner}/{repo}/branches`, paginated.
pub(super) fn list_branches(ctx: &mut Ctx<'_>) -> Outcome {
    ctx.repo_access(Need::Read)?;
    let (owner, name) = (ctx.param("owner"), ctx.param("repo"));
    let repo = ctx
        .state
        .repo(&owner, &name)
        .ok_or_else(|| ctx.not_found())?;
    let only = ctx.query("protected").map(|v| v == "true");
    let items: Vec<Value> = repo
        .refs
        .iter()
        .filter_map(|(reference, sha)| Some((reference.strip_prefix("refs/heads/")?, sha)))
        .map(|(branch, sha)| {
            let protected =
                repo.protection(branch).is_some() || !repo.rulesets_for(branch).is_empty();
            (branch, sha, protected)
        })
        .filter(|(_, _, protected)| only.is_none_or(|wanted| wanted == *protected))
        .map(|(branch, sha, protected)| {
            json!({
                "name": branch,
                "commit": { "sha": sha, "url": ctx.api(&format!("/repos/{}/{}/commits/{sha}", repo.owner, repo.name)) },
                "protected": protected,
                "protection_url": ctx.api(&format!("/repos/{}/{}/branches/{branch}/protection", repo.owner, repo.name)),
            })
        })
        .collect();
    let (page, link) = ctx.paginate(items);
    Ok(with_link(Reply::json(200, Value::Array(page)), link))
}

/// `GET /repos/{owner}/{repo}/tags`, paginated. GitHub lists tags newest
/// name first (not in version order: `v10` sorts before `v9`), each with
/// the commit it finally points at (annotated tags peeled).
pub(super) fn list_tags(ctx: &mut Ctx<'_>) -> Outcome {
    ctx.repo_access(Need::Read)?;
    let (owner, name) = (ctx.param("owner"), ctx.param("repo"));
    let repo = ctx
        .state
        .repo(&owner, &name)
        .ok_or_else(|| ctx.not_found())?;
    let full = format!("/repos/{}/{}", repo.owner, repo.name);
    let mut items: Vec<Value> = repo
        .refs
        .iter()
        .filter_map(|(reference, sha)| Some((reference.strip_prefix("refs/tags/")?, sha)))
        .filter_map(|(tag, sha)| {
            let commit = repo.store.peel(sha)?;
            Some(json!({
                "name": tag,
                "commit": { "sha": commit, "url": ctx.api(&format!("{full}/commits/{commit}")) },
                "zipball_url": ctx.api(&format!("{full}/zipball/refs/tags/{tag}")),
                "tarball_url": ctx.api(&format!("{full}/tarball/refs/tags/{tag}")),
                "node_id": format!("REF_fake{}", tag.len()),
            }))
        })
        .collect();
    items.reverse();
    let (page, link) = ctx.paginate(items);
    Ok(with_link(Reply::json(200, Value::Array(page)), link))
}

/// `GET /repos/{owner}/{repo}/releases/latest`: the release marked latest,
/// else the most recently created one that is neither a draft nor a
/// pre-release; 404 when there is none.
pub(super) fn latest_release(ctx: &mut Ctx<'_>) -> Outcome {
    ctx.repo_access(Need::Read)?;
    let (owner, name) = (ctx.param("owner"), ctx.param("repo"));
    let repo = ctx
        .state
        .repo(&owner, &name)
        .ok_or_else(|| ctx.not_found())?;
    let stable = || {
        repo.releases
            .iter()
            .filter(|r| !r.settings.draft && !r.settings.prerelease)
    };
    let latest = stable()
        .filter(|r| r.settings.make_latest)
        .max_by_key(|r| r.created_at)
        .or_else(|| stable().max_by_key(|r| r.created_at))
        .ok_or_else(|| ctx.not_found())?;
    Ok(Reply::filled(200, release_json(ctx, repo, latest)))
}

/// A release as GitHub's `release` schema (unmodelled fields are filled).
fn release_json(ctx: &Ctx<'_>, repo: &RepoState, release: &ReleaseState) -> Value {
    let full = format!("{}/{}", repo.owner, repo.name);
    let id = release.id;
    let tag = &release.settings.tag_name;
    let owner_org = ctx.state.org(&repo.owner);
    let owner_id = owner_org.map(|org| org.id).unwrap_or(repo.id + 500_000);
    let created = rfc3339(release.created_at);
    json!({
        "url": ctx.api(&format!("/repos/{full}/releases/{id}")),
        "html_url": ctx.html(&format!("/{full}/releases/tag/{tag}")),
        "assets_url": ctx.api(&format!("/repos/{full}/releases/{id}/assets")),
        "upload_url": format!("https://uploads.github.com/repos/{full}/releases/{id}/assets{{?name,label}}"),
        "tarball_url": ctx.api(&format!("/repos/{full}/tarball/{tag}")),
        "zipball_url": ctx.api(&format!("/repos/{full}/zipball/{tag}")),
        "id": id,
        "node_id": format!("RE_fake{id}"),
        "tag_name": tag,
        "target_commitish": repo.settings.default_branch,
        "name": release.settings.name.clone().unwrap_or_else(|| tag.clone()),
        "body": Value::Null,
        "draft": release.settings.draft,
        "prerelease": release.settings.prerelease,
        "immutable": false,
        "created_at": created,
        "published_at": created,
        "updated_at": created,
        "author": user_json(ctx, &repo.owner, owner_id, owner_org.is_some()),
        "assets": [],
    })
}

/// `GET /repos/{owner}/{repo}/rules/branches/{branch}`, paginated: every
/// rule of every active ruleset that targets the branch.
pub(super) fn branch_rules(ctx: &mut Ctx<'_>) -> Outcome {
    ctx.repo_access(Need::Read)?;
    let (owner, name, branch) = (ctx.param("owner"), ctx.param("repo"), ctx.param("branch"));
    let repo = ctx
        .state
        .repo(&owner, &name)
        .ok_or_else(|| ctx.not_found())?;
    let source = format!("{}/{}", repo.owner, repo.name);
    let items: Vec<Value> = repo
        .rulesets_for(&branch)
        .into_iter()
        .flat_map(|set| set.rules.iter().map(move |rule| (set.id, *rule)))
        .map(|(id, rule)| {
            let mut value = json!({
                "type": rule.type_name(),
                "ruleset_source_type": "Repository",
                "ruleset_source": source,
                "ruleset_id": id,
            });
            match rule {
                Rule::Update => {
                    value["parameters"] = json!({ "update_allows_fetch_and_merge": false });
                }
                Rule::PullRequest {
                    required_approving_review_count,
                } => {
                    value["parameters"] = json!({
                        "allowed_merge_methods": ["merge", "squash", "rebase"],
                        "dismiss_stale_reviews_on_push": false,
                        "require_code_owner_review": false,
                        "require_last_push_approval": false,
                        "required_approving_review_count": required_approving_review_count,
                        "required_review_thread_resolution": false,
                    });
                }
                _ => {}
            }
            value
        })
        .collect();
    let (page, link) = ctx.paginate(items);
    Ok(with_link(Reply::json(200, Value::Array(page)), link))
}

pub(super) fn with_link(reply: Reply, link: Option<String>) -> Reply {
    match link {
        Some(link) => reply.header("link", link),
        None => reply,
    }
}

/// A user as GitHub's `simple-user` (unmodelled fields are filled later).
pub(super) fn user_json(ctx: &Ctx<'_>, login: &str, id: u64, organization: bool) -> Value {
    json!({
        "login": login,
        "id": id,
        "node_id": format!("U_fake{id}"),
        "url": ctx.api(&format!("/users/{login}")),
        "html_url": ctx.html(&format!("/{login}")),
        "avatar_url": format!("https://avatars.githubusercontent.com/u/{id}?v=4"),
        "type": if organization { "Organization" } else { "User" },
        "site_admin": false,
    })
}

/// A repository as GitHub's `full-repository` / `repository` (unmodelled
/// fields are filled from the schema).
pub(super) fn repository_json(ctx: &Ctx<'_>, repo: &RepoState) -> Value {
    let full_name = format!("{}/{}", repo.owner, repo.name);
    let owner_org = ctx.state.org(&repo.owner);
    let owner_id = owner_org.map(|org| org.id).unwrap_or(repo.id + 500_000);
    let role = ctx.login().and_then(|login| ctx.state.role(repo, login));
    let pushed = repo.created_at.clone();
    let mut value = json!({
        "id": repo.id,
        "node_id": format!("R_fake{}", repo.id),
        "name": repo.name,
        "full_name": full_name,
        "owner": user_json(ctx, &repo.owner, owner_id, owner_org.is_some()),
        "private": repo.settings.private,
        "visibility": if repo.settings.private { "private" } else { "public" },
        "html_url": ctx.html(&format!("/{full_name}")),
        "description": Value::Null,
        "fork": false,
        "url": ctx.api(&format!("/repos/{full_name}")),
        "git_refs_url": ctx.api(&format!("/repos/{full_name}/git/refs{{/sha}}")),
        "pulls_url": ctx.api(&format!("/repos/{full_name}/pulls{{/number}}")),
        "clone_url": ctx.html(&format!("/{full_name}.git")),
        "default_branch": repo.settings.default_branch,
        "archived": repo.settings.archived,
        "disabled": false,
        "created_at": repo.created_at,
        "updated_at": pushed,
        "pushed_at": pushed,
        "homepage": Value::Null,
        "language": Value::Null,
        "mirror_url": Value::Null,
        "license": Value::Null,
    });
    if ctx.token.is_some() {
        let at_least = |wanted: Role| {
            role.is_some_and(|r| r >= wanted) || (wanted == Role::Read && !repo.settings.private)
        };
        value["permissions"] = json!({
            "admin": at_least(Role::Admin),
            "maintain": at_least(Role::Maintain),
            "push": at_least(Role::Write),
            "triage": at_least(Role::Triage),
            "pull": at_least(Role::Read),
        });
    }
    value
}
