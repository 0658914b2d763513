//! Pull requests: open, read and list (same-repository heads only).

use serde_json::{Value, json};

use super::Outcome;
use super::repos::{repository_json, user_json, with_link};
use crate::model::PullRequest;
use crate::server::{Capability, Ctx, Need, Reply};
use crate::state::{RepoState, now_rfc3339};

/// `POST /repos/{owner}/{repo}/pulls`.
pub(super) fn create(ctx: &mut Ctx<'_>) -> Outcome {
    ctx.repo_access(Need::Write(Capability::PullRequests))?;
    let title = ctx.body_str("title").map(str::to_owned);
    let head_given = ctx.body_str("head").unwrap_or_default().to_owned();
    let base = ctx.body_str("base").unwrap_or_default().to_owned();
    let body = ctx.body_str("body").map(str::to_owned);
    let draft = ctx
        .body
        .as_ref()
        .and_then(|b| b.get("draft"))
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let login = ctx.login().unwrap_or("ghost").to_owned();
    let docs = ctx.op.docs_url.clone();
    let field_error = |field: &str| {
        Reply::invalid(
            "Validation Failed",
            &docs,
            vec![json!({ "resource": "PullRequest", "field": field, "code": "invalid" })],
        )
    };
    let custom = |message: String| {
        Reply::invalid(
            "Validation Failed",
            &docs,
            vec![json!({ "resource": "PullRequest", "code": "custom", "message": message })],
        )
    };
    let Some(title) = title.filter(|t| !t.trim().is_empty()) else {
        return Err(Reply::invalid(
            "Validation Failed",
            &docs,
            vec![json!({ "resource": "PullRequest", "field": "title", "code": "missing_field" })],
        ));
    };
    let repo = ctx.repo()?;
    let head = match head_given.split_once(':') {
        Some((owner, branch)) if owner.eq_ignore_ascii_case(&repo.owner) => branch.to_owned(),
        Some(_) => return Err(field_error("head")),
        None => head_given.clone(),
    };
    let Some(head_sha) = repo.branch_sha(&head).cloned() else {
        return Err(field_error("head"));
    };
    let Some(base_sha) = repo.branch_sha(&base).cloned() else {
        return Err(field_error("base"));
    };
    if repo.store.is_ancestor(&head_sha, &base_sha) {
        return Err(custom(format!("No commits between {base} and {head}")));
    }
    if repo
        .pulls
        .iter()
        .any(|p| p.state == "open" && p.head == head && p.base == base)
    {
        return Err(custom(format!(
            "A pull request already exists for {}:{head}.",
            repo.owner
        )));
    }
    let number = repo.pulls.len() as u64 + 1;
    repo.pulls.push(PullRequest {
        number,
        title,
        body,
        head,
        head_sha,
        base,
        draft,
        state: "open".into(),
        user: login,
    });
    let (owner, name) = (ctx.param("owner"), ctx.param("repo"));
    let repo = ctx
        .state
        .repo(&owner, &name)
        .ok_or_else(|| ctx.not_found())?;
    let pull = repo.pulls.last().ok_or_else(|| ctx.not_found())?;
    Ok(Reply::filled(201, pull_json(ctx, repo, pull)))
}

/// `GET /repos/{owner}/{repo}/pulls/{pull_number}`.
pub(super) fn get(ctx: &mut Ctx<'_>) -> Outcome {
    ctx.repo_access(Need::Read)?;
    let number: u64 = ctx.param("pull_number").parse().unwrap_or(0);
    let repo = ctx
        .state
        .repo(&ctx.param("owner"), &ctx.param("repo"))
        .ok_or_else(|| ctx.not_found())?;
    let pull = repo
        .pulls
        .iter()
        .find(|p| p.number == number)
        .ok_or_else(|| ctx.not_found())?;
    Ok(Reply::filled(200, pull_json(ctx, repo, pull)))
}

/// `GET /repos/{owner}/{repo}/pulls`, filtered by `state`, `head`
/// (`owner:branch`) and `base`, paginated.
pub(super) fn list(ctx: &mut Ctx<'_>) -> Outcome {
    ctx.repo_access(Need::Read)?;
    let state = ctx.query("state").unwrap_or("open").to_owned();
    let head = ctx.query("head").map(str::to_owned);
    let base = ctx.query("base").map(str::to_owned);
    let repo = ctx
        .state
        .repo(&ctx.param("owner"), &ctx.param("repo"))
        .ok_or_else(|| ctx.not_found())?;
    let items: Vec<Value> = repo
        .pulls
        .iter()
        .filter(|p| state == "all" || p.state == state)
        .filter(|p| {
            head.as_deref()
                .is_none_or(|wanted| match wanted.split_once(':') {
                    Some((owner, branch)) => {
                        owner.eq_ignore_ascii_case(&repo.owner) && branch == p.head
                    }
                    None => wanted == p.head,
                })
        })
        .filter(|p| base.as_deref().is_none_or(|wanted| wanted == p.base))
        .map(|p| pull_json(ctx, repo, p))
        .collect();
    let (page, link) = ctx.paginate(items);
    let mut reply = with_link(Reply::json(200, Value::Array(page)), link);
    reply.fill = true;
    Ok(reply)
}

fn pull_json(ctx: &Ctx<'_>, repo: &RepoState, pull: &PullRequest) -> Value {
    let full = format!("{}/{}", repo.owner, repo.name);
    let api = ctx.api(&format!("/repos/{full}/pulls/{}", pull.number));
    let html = ctx.html(&format!("/{full}/pull/{}", pull.number));
    let repository = repository_json(ctx, repo);
    let owner = repository["owner"].clone();
    let author_id = 900_000 + pull.user.len() as u64;
    let base_sha = repo.branch_sha(&pull.base).cloned().unwrap_or_default();
    let now = now_rfc3339();
    let side = |branch: &str, sha: &str| {
        json!({
            "label": format!("{}:{branch}", repo.owner),
            "ref": branch,
            "sha": sha,
            "user": owner,
            "repo": repository,
        })
    };
    let mut value = json!({
        "url": api,
        "id": repo.id * 1000 + pull.number,
        "node_id": format!("PR_fake{}_{}", repo.id, pull.number),
        "html_url": html,
        "diff_url": format!("{html}.diff"),
        "patch_url": format!("{html}.patch"),
        "issue_url": ctx.api(&format!("/repos/{full}/issues/{}", pull.number)),
        "commits_url": format!("{api}/commits"),
        "review_comments_url": format!("{api}/comments"),
        "comments_url": ctx.api(&format!("/repos/{full}/issues/{}/comments", pull.number)),
        "statuses_url": ctx.api(&format!("/repos/{full}/statuses/{}", pull.head_sha)),
        "number": pull.number,
        "state": pull.state,
        "locked": false,
        "title": pull.title,
        "user": user_json(ctx, &pull.user, author_id, false),
        "body": pull.body,
        "labels": [],
    });
    let rest = json!({
        "milestone": Value::Null,
        "created_at": now,
        "updated_at": now,
        "closed_at": Value::Null,
        "merged_at": Value::Null,
        "merge_commit_sha": Value::Null,
        "assignee": Value::Null,
        "assignees": [],
        "requested_reviewers": [],
        "requested_teams": [],
        "head": side(&pull.head, &pull.head_sha),
        "base": side(&pull.base, &base_sha),
        "author_association": "OWNER",
        "auto_merge": Value::Null,
        "draft": pull.draft,
        "merged": false,
        "mergeable": Value::Null,
        "mergeable_state": "unknown",
        "merged_by": Value::Null,
        "comments": 0,
        "review_comments": 0,
        "maintainer_can_modify": false,
        "commits": 1,
        "additions": 0,
        "deletions": 0,
        "changed_files": 0,
    });
    if let (Some(object), Value::Object(more)) = (value.as_object_mut(), rest) {
        object.extend(more);
    }
    value
}
