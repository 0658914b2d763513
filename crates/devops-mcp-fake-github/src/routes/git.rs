//! The git data API: refs, blobs, trees and commits, with branch protection
//! and rulesets enforced on ref changes and the `workflow` scope enforced on
//! trees that change `.github/workflows/`.

use base64::Engine as _;
use serde_json::{Value, json};

use super::Outcome;
use crate::git::{Commit, Flat, Kind, MODE_TREE, Object, Person, is_sha};
use crate::model::Rule;
use crate::server::{Capability, Ctx, Need, Reply};
use crate::state::{RepoState, now_unix, rfc3339};

const WORKFLOWS_DIR: &str = ".github/workflows/";

/// `GET /repos/{owner}/{repo}/git/ref/{ref}`.
pub(super) fn get_ref(ctx: &mut Ctx<'_>) -> Outcome {
    ctx.repo_access(Need::Read)?;
    let name = format!("refs/{}", ctx.param("ref"));
    let repo = ctx
        .state
        .repo(&ctx.param("owner"), &ctx.param("repo"))
        .ok_or_else(|| ctx.not_found())?;
    if repo.refs.is_empty() {
        return Err(Reply::error(
            409,
            "Git Repository is empty.",
            &ctx.op.docs_url,
        ));
    }
    let sha = repo.refs.get(&name).ok_or_else(|| ctx.not_found())?;
    Ok(Reply::json(200, ref_json(ctx, repo, &name, sha)))
}

/// `GET /repos/{owner}/{repo}/git/matching-refs/{ref}`.
pub(super) fn matching_refs(ctx: &mut Ctx<'_>) -> Outcome {
    ctx.repo_access(Need::Read)?;
    let prefix = format!("refs/{}", ctx.param("ref"));
    let repo = ctx
        .state
        .repo(&ctx.param("owner"), &ctx.param("repo"))
        .ok_or_else(|| ctx.not_found())?;
    let items: Vec<Value> = repo
        .refs
        .iter()
        .filter(|(name, _)| name.starts_with(&prefix))
        .map(|(name, sha)| ref_json(ctx, repo, name, sha))
        .collect();
    Ok(Reply::json(200, Value::Array(items)))
}

/// `POST /repos/{owner}/{repo}/git/refs`.
pub(super) fn create_ref(ctx: &mut Ctx<'_>) -> Outcome {
    ctx.repo_access(Need::Write(Capability::Contents))?;
    let name = ctx.body_str("ref").unwrap_or_default().to_owned();
    let sha = ctx.body_str("sha").unwrap_or_default().to_owned();
    if !name.starts_with("refs/") || name.matches('/').count() < 2 || !valid_ref_name(&name) {
        return Err(ctx.invalid("Reference name is invalid"));
    }
    let docs = ctx.op.docs_url.clone();
    let repo = ctx.repo()?;
    if repo.refs.contains_key(&name) {
        return Err(Reply::invalid(
            "Reference already exists",
            &docs,
            Vec::new(),
        ));
    }
    if repo.store.get(&sha).is_none() {
        return Err(Reply::invalid("Object does not exist", &docs, Vec::new()));
    }
    if let Some(branch) = name.strip_prefix("refs/heads/") {
        if repo
            .protection(branch)
            .is_some_and(|p| p.restrict_creations)
        {
            return Err(Reply::invalid("Reference update failed", &docs, Vec::new()));
        }
        if has_rule(repo, branch, |rule| rule == Rule::Creation) {
            return Err(rule_violation(
                &docs,
                "Cannot create ref due to creations being restricted.",
            ));
        }
    }
    repo.refs.insert(name.clone(), sha.clone());
    let repo = ctx
        .state
        .repo(&ctx.param("owner"), &ctx.param("repo"))
        .ok_or_else(|| ctx.not_found())?;
    Ok(Reply::json(201, ref_json(ctx, repo, &name, &sha)))
}

/// `PATCH /repos/{owner}/{repo}/git/refs/{ref}`.
pub(super) fn update_ref(ctx: &mut Ctx<'_>) -> Outcome {
    ctx.repo_access(Need::Write(Capability::Contents))?;
    let name = format!("refs/{}", ctx.param("ref"));
    let sha = ctx.body_str("sha").unwrap_or_default().to_owned();
    let force = ctx
        .body
        .as_ref()
        .and_then(|b| b.get("force"))
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let docs = ctx.op.docs_url.clone();
    let repo = ctx.repo()?;
    let Some(current) = repo.refs.get(&name).cloned() else {
        return Err(Reply::invalid(
            "Reference does not exist",
            &docs,
            Vec::new(),
        ));
    };
    if repo.store.commit(&sha).is_none() {
        return Err(Reply::invalid("Object does not exist", &docs, Vec::new()));
    }
    let fast_forward = repo.store.is_ancestor(&current, &sha);
    if let Some(branch) = name.strip_prefix("refs/heads/") {
        if let Some(protection) = repo.protection(branch) {
            let reason = if protection.lock_branch {
                Some("Cannot update this protected ref: the branch is locked.")
            } else if protection.required_pull_request {
                Some("Changes must be made through a pull request.")
            } else if !fast_forward && !protection.allow_force_pushes {
                Some("Cannot force-push to this branch.")
            } else {
                None
            };
            if let Some(reason) = reason {
                return Err(Reply::invalid(
                    &format!("Protected branch update failed for {name}.\n\n{reason}"),
                    &docs,
                    Vec::new(),
                ));
            }
        }
        if has_rule(repo, branch, |rule| {
            matches!(rule, Rule::Update | Rule::PullRequest { .. })
        }) {
            return Err(rule_violation(
                &docs,
                "Changes must be made through a pull request.",
            ));
        }
        if !fast_forward && has_rule(repo, branch, |rule| rule == Rule::NonFastForward) {
            return Err(rule_violation(&docs, "Cannot force-push to this branch"));
        }
    }
    if !fast_forward && !force {
        return Err(Reply::invalid(
            "Update is not a fast forward",
            &docs,
            Vec::new(),
        ));
    }
    repo.refs.insert(name.clone(), sha.clone());
    let repo = ctx
        .state
        .repo(&ctx.param("owner"), &ctx.param("repo"))
        .ok_or_else(|| ctx.not_found())?;
    Ok(Reply::json(200, ref_json(ctx, repo, &name, &sha)))
}

/// `DELETE /repos/{owner}/{repo}/git/refs/{ref}`. The description declares
/// its 422 without a body, so the fake sends none.
pub(super) fn delete_ref(ctx: &mut Ctx<'_>) -> Outcome {
    ctx.repo_access(Need::Write(Capability::Contents))?;
    let name = format!("refs/{}", ctx.param("ref"));
    let repo = ctx.repo()?;
    if !repo.refs.contains_key(&name) {
        return Err(Reply::empty(422));
    }
    if let Some(branch) = name.strip_prefix("refs/heads/") {
        let protected = repo.protection(branch).is_some_and(|p| !p.allow_deletions)
            || has_rule(repo, branch, |rule| rule == Rule::Deletion)
            || branch == repo.settings.default_branch;
        if protected {
            return Err(Reply::empty(422));
        }
    }
    repo.refs.remove(&name);
    Ok(Reply::empty(204))
}

/// `POST /repos/{owner}/{repo}/git/blobs`.
pub(super) fn create_blob(ctx: &mut Ctx<'_>) -> Outcome {
    ctx.repo_access(Need::Write(Capability::Contents))?;
    let content = ctx.body_str("content").unwrap_or_default().to_owned();
    let encoding = ctx.body_str("encoding").unwrap_or("utf-8").to_owned();
    let bytes = match encoding.as_str() {
        "utf-8" | "utf8" => content.into_bytes(),
        "base64" => base64::engine::general_purpose::STANDARD
            .decode(content.replace(['\n', '\r'], ""))
            .map_err(|_| ctx.invalid("Invalid request.\n\ncontent is not valid Base64"))?,
        other => {
            return Err(ctx.invalid(&format!(
                "Invalid request.\n\nencoding `{other}` is not supported; use `utf-8` or `base64`"
            )));
        }
    };
    let (owner, name) = (ctx.param("owner"), ctx.param("repo"));
    let repo = ctx.repo()?;
    let sha = repo.store.put_blob(bytes);
    let url = ctx.api(&format!("/repos/{owner}/{name}/git/blobs/{sha}"));
    Ok(Reply::json(201, json!({ "url": url, "sha": sha })))
}

/// `GET /repos/{owner}/{repo}/git/blobs/{file_sha}`.
pub(super) fn get_blob(ctx: &mut Ctx<'_>) -> Outcome {
    ctx.repo_access(Need::Read)?;
    let sha = ctx.param("file_sha");
    let (owner, name) = (ctx.param("owner"), ctx.param("repo"));
    let repo = ctx
        .state
        .repo(&owner, &name)
        .ok_or_else(|| ctx.not_found())?;
    let content = repo.store.blob(&sha).ok_or_else(|| ctx.not_found())?;
    let encoded = base64::engine::general_purpose::STANDARD.encode(content);
    // GitHub wraps Base64 content at 60 characters.
    let wrapped: Vec<&str> = encoded
        .as_bytes()
        .chunks(60)
        .filter_map(|chunk| std::str::from_utf8(chunk).ok())
        .collect();
    Ok(Reply::json(
        200,
        json!({
            "content": format!("{}\n", wrapped.join("\n")),
            "encoding": "base64",
            "url": ctx.api(&format!("/repos/{owner}/{name}/git/blobs/{sha}")),
            "sha": sha,
            "size": content.len(),
            "node_id": format!("B_fake{}", &sha[..12.min(sha.len())]),
        }),
    ))
}

/// `POST /repos/{owner}/{repo}/git/trees`.
pub(super) fn create_tree(ctx: &mut Ctx<'_>) -> Outcome {
    ctx.repo_access(Need::Write(Capability::Contents))?;
    let body = ctx.body.clone().unwrap_or(Value::Null);
    let entries = body
        .get("tree")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let base_tree = body
        .get("base_tree")
        .and_then(Value::as_str)
        .map(str::to_owned);
    let docs = ctx.op.docs_url.clone();
    let invalid = |message: &str| Reply::invalid(message, &docs, Vec::new());

    let repo = ctx.repo()?;
    let base: Flat = match &base_tree {
        Some(sha) => repo
            .store
            .flatten(sha)
            .ok_or_else(|| invalid("Invalid request.\n\nbase_tree is not a valid tree oid"))?,
        None => Flat::new(),
    };
    let mut flat = base.clone();
    for (index, entry) in entries.iter().enumerate() {
        let path = entry
            .get("path")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let mode = entry
            .get("mode")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let kind = entry
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let sha = entry.get("sha");
        let content = entry.get("content").and_then(Value::as_str);
        if path.is_empty()
            || path.starts_with('/')
            || path.ends_with('/')
            || path
                .split('/')
                .any(|part| part.is_empty() || part == "." || part == ".." || part == ".git")
        {
            return Err(invalid(&format!(
                "Invalid tree info: tree.path `{path}` (entry {index}) contains a malformed path component"
            )));
        }
        if sha.is_some_and(|s| !s.is_null()) && content.is_some() {
            return Err(invalid(&format!(
                "Invalid tree info: entry {index} has both tree.sha and tree.content; use one"
            )));
        }
        let mode_fits = match kind {
            "blob" => matches!(mode, "100644" | "100755" | "120000"),
            "tree" => mode == MODE_TREE,
            "commit" => mode == "160000",
            _ => false,
        };
        if !mode_fits {
            return Err(invalid(&format!(
                "Invalid tree info: entry {index} has mode {mode} for type {kind}"
            )));
        }
        remove_path(&mut flat, path);
        match (kind, sha, content) {
            (_, Some(Value::Null), _) => {}
            ("blob", _, Some(text)) => {
                let blob = repo.store.put_blob(text.as_bytes().to_vec());
                flat.insert(path.to_owned(), (mode.to_owned(), Kind::Blob, blob));
            }
            ("blob", Some(Value::String(sha)), None) => {
                if repo.store.blob(sha).is_none() {
                    return Err(invalid(&format!(
                        "Invalid tree info: tree.sha {sha} (entry {index}) is not a valid blob"
                    )));
                }
                flat.insert(path.to_owned(), (mode.to_owned(), Kind::Blob, sha.clone()));
            }
            ("tree", Some(Value::String(sha)), None) => {
                let inner = repo.store.flatten(sha).ok_or_else(|| {
                    invalid(&format!(
                        "Invalid tree info: tree.sha {sha} (entry {index}) is not a valid tree"
                    ))
                })?;
                for (inner_path, value) in inner {
                    flat.insert(format!("{path}/{inner_path}"), value);
                }
            }
            ("commit", Some(Value::String(sha)), None) if is_sha(sha) => {
                flat.insert(
                    path.to_owned(),
                    (mode.to_owned(), Kind::Commit, sha.clone()),
                );
            }
            _ => {
                return Err(invalid(&format!(
                    "Invalid tree info: entry {index} needs tree.sha or tree.content"
                )));
            }
        }
    }
    let touches_workflows = flat
        .iter()
        .filter(|(path, _)| path.starts_with(WORKFLOWS_DIR))
        .any(|(path, value)| base.get(path) != Some(value))
        || base
            .keys()
            .any(|path| path.starts_with(WORKFLOWS_DIR) && !flat.contains_key(path));
    if touches_workflows {
        ctx.workflow_access()?;
    }
    let (owner, name) = (ctx.param("owner"), ctx.param("repo"));
    let repo = ctx.repo()?;
    let sha = repo.store.build(&flat);
    let repo = ctx
        .state
        .repo(&owner, &name)
        .ok_or_else(|| ctx.not_found())?;
    Ok(Reply::json(201, tree_json(ctx, repo, &sha, false)))
}

/// `GET /repos/{owner}/{repo}/git/trees/{tree_sha}` (a tree or commit id or
/// a branch name), recursive when `recursive` is given.
pub(super) fn get_tree(ctx: &mut Ctx<'_>) -> Outcome {
    ctx.repo_access(Need::Read)?;
    let wanted = ctx.param("tree_sha");
    let recursive = ctx
        .query("recursive")
        .is_some_and(|v| !v.is_empty() && v != "0" && v != "false");
    let repo = ctx
        .state
        .repo(&ctx.param("owner"), &ctx.param("repo"))
        .ok_or_else(|| ctx.not_found())?;
    let sha = match repo.store.get(&wanted) {
        Some(Object::Tree(_)) => Some(wanted.clone()),
        Some(Object::Commit(commit)) => Some(commit.tree.clone()),
        _ => repo
            .branch_sha(&wanted)
            .and_then(|commit| repo.store.commit(commit))
            .map(|commit| commit.tree.clone()),
    };
    let sha = sha.ok_or_else(|| ctx.not_found())?;
    Ok(Reply::json(200, tree_json(ctx, repo, &sha, recursive)))
}

/// `POST /repos/{owner}/{repo}/git/commits`.
pub(super) fn create_commit(ctx: &mut Ctx<'_>) -> Outcome {
    ctx.repo_access(Need::Write(Capability::Contents))?;
    let body = ctx.body.clone().unwrap_or(Value::Null);
    let message = body
        .get("message")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let tree = body
        .get("tree")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let parents: Vec<String> = body
        .get("parents")
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    let login = ctx.login().unwrap_or("ghost").to_owned();
    let now = now_unix();
    let person = |key: &str| {
        let given = body.get(key);
        Person {
            name: given
                .and_then(|p| p.get("name"))
                .and_then(Value::as_str)
                .unwrap_or(&login)
                .to_owned(),
            email: given
                .and_then(|p| p.get("email"))
                .and_then(Value::as_str)
                .map(str::to_owned)
                .unwrap_or_else(|| format!("{login}@users.noreply.github.com")),
            time: now,
        }
    };
    let author = person("author");
    let committer = if body.get("committer").is_some() {
        person("committer")
    } else {
        author.clone()
    };
    let docs = ctx.op.docs_url.clone();
    let (owner, name) = (ctx.param("owner"), ctx.param("repo"));
    let repo = ctx.repo()?;
    if repo.store.tree(&tree).is_none() {
        return Err(Reply::invalid("Tree SHA does not exist", &docs, Vec::new()));
    }
    if parents.iter().any(|p| repo.store.commit(p).is_none()) {
        return Err(Reply::invalid(
            "Parent SHA does not exist or is not a commit object",
            &docs,
            Vec::new(),
        ));
    }
    let sha = repo.store.put_commit(Commit {
        tree,
        parents,
        message,
        author,
        committer,
    });
    let repo = ctx
        .state
        .repo(&owner, &name)
        .ok_or_else(|| ctx.not_found())?;
    let value = commit_json(ctx, repo, &sha).ok_or_else(|| ctx.not_found())?;
    Ok(Reply::json(201, value))
}

/// `GET /repos/{owner}/{repo}/git/commits/{commit_sha}`.
pub(super) fn get_commit(ctx: &mut Ctx<'_>) -> Outcome {
    ctx.repo_access(Need::Read)?;
    let sha = ctx.param("commit_sha");
    let repo = ctx
        .state
        .repo(&ctx.param("owner"), &ctx.param("repo"))
        .ok_or_else(|| ctx.not_found())?;
    let value = commit_json(ctx, repo, &sha).ok_or_else(|| ctx.not_found())?;
    Ok(Reply::json(200, value))
}

/// `GET /repos/{owner}/{repo}/git/tags/{tag_sha}`: an annotated tag object.
pub(super) fn get_tag(ctx: &mut Ctx<'_>) -> Outcome {
    ctx.repo_access(Need::Read)?;
    let sha = ctx.param("tag_sha");
    let repo = ctx
        .state
        .repo(&ctx.param("owner"), &ctx.param("repo"))
        .ok_or_else(|| ctx.not_found())?;
    if repo.refs.is_empty() {
        return Err(Reply::error(
            409,
            "Git Repository is empty.",
            &ctx.op.docs_url,
        ));
    }
    let tag = repo.store.tag(&sha).ok_or_else(|| ctx.not_found())?;
    let full = format!("/repos/{}/{}", repo.owner, repo.name);
    Ok(Reply::json(
        200,
        json!({
            "node_id": format!("TAG_fake{}", &sha[..12.min(sha.len())]),
            "tag": tag.tag,
            "sha": sha,
            "url": ctx.api(&format!("{full}/git/tags/{sha}")),
            "message": tag.message,
            "tagger": {
                "date": rfc3339(tag.tagger.time),
                "email": tag.tagger.email,
                "name": tag.tagger.name,
            },
            "object": {
                "sha": tag.object,
                "type": tag.object_type,
                "url": ctx.api(&format!("{full}/git/{}s/{}", tag.object_type, tag.object)),
            },
            "verification": {
                "verified": false,
                "reason": "unsigned",
                "signature": Value::Null,
                "payload": Value::Null,
                "verified_at": Value::Null,
            },
        }),
    ))
}

fn ref_json(ctx: &Ctx<'_>, repo: &RepoState, name: &str, sha: &str) -> Value {
    let kind = repo.store.get(sha).map_or("commit", Object::type_name);
    let full = format!("/repos/{}/{}", repo.owner, repo.name);
    json!({
        "ref": name,
        "node_id": format!("REF_fake{}", name.len()),
        "url": ctx.api(&format!("{full}/git/{name}")),
        "object": {
            "type": kind,
            "sha": sha,
            "url": ctx.api(&format!("{full}/git/{kind}s/{sha}")),
        },
    })
}

fn tree_json(ctx: &Ctx<'_>, repo: &RepoState, sha: &str, recursive: bool) -> Value {
    let full = format!("/repos/{}/{}", repo.owner, repo.name);
    let mut listed = Vec::new();
    if recursive {
        repo.store.walk(sha, "", &mut listed);
    } else if let Some(entries) = repo.store.tree(sha) {
        listed = entries
            .iter()
            .map(|e| (e.name.clone(), e.clone()))
            .collect();
    }
    let entries: Vec<Value> = listed
        .into_iter()
        .map(|(path, entry)| {
            let mut value = json!({
                "path": path,
                "mode": entry.mode,
                "type": entry.kind.as_str(),
                "sha": entry.sha,
            });
            if entry.kind != Kind::Commit {
                value["url"] = json!(ctx.api(&format!(
                    "{full}/git/{}s/{}",
                    entry.kind.as_str(),
                    entry.sha
                )));
            }
            if let Some(content) = repo.store.blob(&entry.sha) {
                value["size"] = json!(content.len());
            }
            value
        })
        .collect();
    json!({
        "sha": sha,
        "url": ctx.api(&format!("{full}/git/trees/{sha}")),
        "tree": entries,
        "truncated": false,
    })
}

fn commit_json(ctx: &Ctx<'_>, repo: &RepoState, sha: &str) -> Option<Value> {
    let commit = repo.store.commit(sha)?;
    let full = format!("/repos/{}/{}", repo.owner, repo.name);
    let person = |p: &Person| json!({ "name": p.name, "email": p.email, "date": rfc3339(p.time) });
    let parents: Vec<Value> = commit
        .parents
        .iter()
        .map(|parent| {
            json!({
                "sha": parent,
                "url": ctx.api(&format!("{full}/git/commits/{parent}")),
                "html_url": ctx.html(&format!("/{}/{}/commit/{parent}", repo.owner, repo.name)),
            })
        })
        .collect();
    Some(json!({
        "sha": sha,
        "node_id": format!("C_fake{}", &sha[..12.min(sha.len())]),
        "url": ctx.api(&format!("{full}/git/commits/{sha}")),
        "html_url": ctx.html(&format!("/{}/{}/commit/{sha}", repo.owner, repo.name)),
        "author": person(&commit.author),
        "committer": person(&commit.committer),
        "message": commit.message,
        "tree": { "sha": commit.tree, "url": ctx.api(&format!("{full}/git/trees/{}", commit.tree)) },
        "parents": parents,
        "verification": {
            "verified": false,
            "reason": "unsigned",
            "signature": Value::Null,
            "payload": Value::Null,
            "verified_at": Value::Null,
        },
    }))
}

/// Drop `path` and anything under it, and any file standing where one of
/// its parent directories must go.
fn remove_path(flat: &mut Flat, path: &str) {
    let under = format!("{path}/");
    flat.retain(|existing, _| existing != path && !existing.starts_with(&under));
    let mut parent = path;
    while let Some((dir, _)) = parent.rsplit_once('/') {
        flat.remove(dir);
        parent = dir;
    }
}

fn has_rule(repo: &RepoState, branch: &str, wanted: impl Fn(Rule) -> bool) -> bool {
    repo.rulesets_for(branch)
        .iter()
        .any(|set| set.rules.iter().any(|rule| wanted(*rule)))
}

/// GitHub's answer when a ruleset refuses a ref change.
fn rule_violation(docs: &str, reason: &str) -> Reply {
    Reply::invalid(
        &format!("Repository rule violations found\n\n{reason}\n\n"),
        docs,
        Vec::new(),
    )
}

/// git's `check-ref-format` rules for the parts a client controls.
fn valid_ref_name(name: &str) -> bool {
    !name.contains("..")
        && !name.contains("//")
        && !name.contains("@{")
        && !name.ends_with('/')
        && !name.ends_with(".lock")
        && !name.ends_with('.')
        && !name
            .chars()
            .any(|c| c.is_control() || " ~^:?*[\\".contains(c))
        && name.split('/').all(|part| !part.starts_with('.'))
}
