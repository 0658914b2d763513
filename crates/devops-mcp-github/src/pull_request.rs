//! Delivering generated files to GitHub as a pull request: every file in one
//! commit on a new branch (git data API: blobs, a tree on the base tree, a
//! commit, a ref), then optionally the pull request.
//!
//! Requests go through octocrab's raw methods so every status and header is
//! ours to read: 401/403/404/422 become typed errors that name the cause
//! and the fix, and a rate limit (429, or 403 with `Retry-After` or an
//! exhausted `x-ratelimit-remaining`) is waited out once per request when
//! the wait is at most a minute. Nothing is written before the checks that
//! can fail cheaply have passed (repository, write access, the `workflow`
//! scope of a classic token, the base branch, the new branch being free),
//! and an existing branch is never moved.
//!
//! Architecture invariant: no environment reading here; the caller passes
//! the token and the API base URL to [`client`].

use crate::api::{RateLimitHeaders, encode_path, next_link, rfc3339, unix_now};
use std::time::Duration;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// Where workflow files live; GitHub guards them with the `workflow` scope.
const WORKFLOWS_DIR: &str = ".github/workflows/";
/// The longest rate-limit wait worth sitting out inside one tool call.
const MAX_RATE_LIMIT_WAIT: Duration = Duration::from_secs(60);
/// Upper bound on pages followed through `Link` headers.
const MAX_PAGES: usize = 50;
/// GitHub's public API root.
const PUBLIC_API: &str = "https://api.github.com";

/// The `github` delivery option of a tool: the repository to open the pull
/// request in. Title, body and default branch name come from the caller.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GithubDelivery {
    /// Repository owner: a user or organisation login, e.g. `octo-org`.
    pub owner: String,
    /// Repository name, e.g. `web-app`.
    pub repo: String,
    /// Branch the new branch starts from and the pull request targets. Default: the repository's default branch.
    #[serde(default)]
    pub base: Option<String>,
    /// New branch to create; it must not exist yet. Default: a fresh `devops-mcp/...` name.
    #[serde(default)]
    pub branch: Option<String>,
    /// Open a pull request (`true`) or only push the branch (`false`). Default: `true`.
    #[serde(default = "default_true")]
    pub open_pr: bool,
}

fn default_true() -> bool {
    true
}

impl GithubDelivery {
    /// The full target, with the caller's default branch name, title and body.
    pub fn into_target(
        self,
        default_branch: String,
        title: String,
        body: String,
    ) -> PullRequestTarget {
        PullRequestTarget {
            owner: self.owner,
            repo: self.repo,
            base: self.base,
            branch: self.branch.unwrap_or(default_branch),
            title,
            body,
            open_pr: self.open_pr,
        }
    }
}

/// Where and how [`open_pull_request`] delivers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PullRequestTarget {
    /// Repository owner (user or organisation login).
    pub owner: String,
    /// Repository name.
    pub repo: String,
    /// Branch to start from and to target; `None`: the repository's default branch.
    pub base: Option<String>,
    /// New branch to create; must not exist.
    pub branch: String,
    /// Pull request title.
    pub title: String,
    /// Pull request description (Markdown).
    pub body: String,
    /// `false`: push the branch only.
    pub open_pr: bool,
}

/// What was delivered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct PullRequestResult {
    /// The branch that was created.
    pub branch: String,
    /// The branch it starts from (and the pull request targets).
    pub base: String,
    /// The new commit holding every file.
    pub commit: String,
    /// The base commit it was made on.
    pub base_commit: String,
    /// Pull request number, when one was opened.
    pub number: Option<u64>,
    /// Pull request URL, when one was opened.
    pub html_url: Option<String>,
    /// Where to compare the branch with its base (and open a pull request by hand).
    pub compare_url: String,
    /// Repository-relative paths in the commit.
    pub files: Vec<String>,
}

/// Why a delivery to GitHub failed. Every message names the cause and what
/// to do about it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DeliveryError {
    /// A target field or file path cannot be used.
    #[error("invalid `github.{field}`: {message}")]
    InvalidTarget {
        /// The field (`owner`, `repo`, `base`, `branch`, `files`, ...).
        field: &'static str,
        /// What is wrong and what is allowed.
        message: String,
    },
    /// No token, or an API base URL that cannot be used.
    #[error("cannot build the GitHub client: {0}")]
    Client(String),
    /// 401: the token is not valid.
    #[error(
        "GitHub rejected the token (401 {message}): it is expired, revoked or mistyped; create a new token and pass it again"
    )]
    BadCredentials {
        /// GitHub's message.
        message: String,
    },
    /// The token may not create or change workflow files.
    #[error(
        "the token cannot create or update workflow files such as `{path}`: GitHub refuses them without the `workflow` scope (classic token) or the `Workflows: read and write` permission (fine-grained token or GitHub App){detail}; add it to the token, or deliver with `write`/`commit` and push the branch yourself"
    )]
    MissingWorkflowScope {
        /// The first workflow file of the delivery.
        path: String,
        /// What GitHub said or which scopes the token has.
        detail: String,
    },
    /// 404 on the repository.
    #[error(
        "repository `{owner}/{repo}` was not found, or the token cannot see it (404); check `github.owner` and `github.repo`, and that the token has access: a classic token needs the `repo` scope for a private repository, a fine-grained token must have the repository selected, and an organisation with SAML SSO must have authorised the token"
    )]
    RepositoryNotFound { owner: String, repo: String },
    /// 404 on a write after the repository was readable.
    #[error(
        "GitHub answered 404 when trying to {action} in `{owner}/{repo}`, which is how it refuses a token that cannot write there; a classic token needs the `repo` scope (`public_repo` for a public repository), a fine-grained token `Contents: read and write`"
    )]
    NoWriteAccess {
        owner: String,
        repo: String,
        /// What was being done.
        action: &'static str,
    },
    /// The user behind the token has no push permission.
    #[error(
        "the token's user can read `{owner}/{repo}` but has no push permission; use a token of a user with write access, or ask an admin for the Write role"
    )]
    NoPushAccess { owner: String, repo: String },
    /// The repository is archived (read-only).
    #[error(
        "repository `{owner}/{repo}` is archived and read-only; unarchive it in its settings first"
    )]
    Archived { owner: String, repo: String },
    /// The repository has no commits.
    #[error(
        "repository `{owner}/{repo}` is empty (no commits yet); push an initial commit to it first, then retry"
    )]
    EmptyRepository { owner: String, repo: String },
    /// The base branch does not exist.
    #[error(
        "base branch `{base}` does not exist in `{owner}/{repo}`; set `github.base` to an existing branch or leave it out to use the default branch `{default_branch}`"
    )]
    BaseNotFound {
        owner: String,
        repo: String,
        base: String,
        default_branch: String,
    },
    /// The new branch already exists.
    #[error(
        "branch `{branch}` already exists in `{owner}/{repo}`{at}; choose another `github.branch` (an existing branch is never moved or overwritten)"
    )]
    BranchExists {
        owner: String,
        repo: String,
        branch: String,
        /// ` at <sha>` when known.
        at: String,
    },
    /// Branch protection or a ruleset refused to create the branch.
    #[error(
        "GitHub refused to create branch `{branch}` in `{owner}/{repo}`: {message}{rules}; branch protection or a ruleset restricts creating branches with this name: choose a `github.branch` outside the protected pattern, or ask a repository admin for a bypass"
    )]
    BranchRejected {
        owner: String,
        repo: String,
        branch: String,
        /// GitHub's message.
        message: String,
        /// ` (rules on this branch: ...)` when the rules endpoint listed any.
        rules: String,
    },
    /// 403 with GitHub's message.
    #[error("GitHub refused to {action} in `{owner}/{repo}` (403): {message}; {hint}")]
    Forbidden {
        owner: String,
        repo: String,
        action: &'static str,
        /// GitHub's message.
        message: String,
        /// What to change.
        hint: String,
    },
    /// 422 with GitHub's message.
    #[error("GitHub could not {action} in `{owner}/{repo}` (422 validation failed): {message}")]
    Validation {
        owner: String,
        repo: String,
        action: &'static str,
        message: String,
    },
    /// Every file already has this content on the base branch.
    #[error(
        "every file already has this content on `{base}` of `{owner}/{repo}`; there is nothing to commit or review"
    )]
    NothingToCommit {
        owner: String,
        repo: String,
        base: String,
    },
    /// Rate limited for longer than is worth waiting, or again after one wait.
    #[error(
        "GitHub's rate limit was hit while trying to {action}; retry after {retry_at} ({seconds} s from now)"
    )]
    RateLimited {
        action: &'static str,
        /// Seconds to wait.
        seconds: u64,
        /// RFC 3339 UTC time to retry after.
        retry_at: String,
    },
    /// The branch was pushed but the pull request could not be opened.
    #[error(
        "branch `{branch}` was pushed (commit {commit}) but the pull request could not be opened: {cause}; open it by hand at {compare_url}"
    )]
    PullRequestFailed {
        branch: String,
        commit: String,
        compare_url: String,
        /// Why GitHub refused.
        cause: Box<DeliveryError>,
    },
    /// A status this module has no meaning for.
    #[error("GitHub answered {status} when trying to {action}: {message}")]
    Unexpected {
        action: &'static str,
        status: u16,
        message: String,
    },
    /// The API could not be reached or answered something unreadable.
    #[error("cannot {action}: {message}; check the network and the GitHub API base URL")]
    Transport {
        action: &'static str,
        message: String,
    },
}

/// An octocrab client for `token` against `api_base` (`None`: api.github.com;
/// GitHub Enterprise Server: `https://HOST/api/v3`). Plain `http` is only
/// accepted for loopback addresses, so a token never crosses a network in
/// clear text.
pub fn client(token: &str, api_base: Option<&str>) -> Result<octocrab::Octocrab, DeliveryError> {
    let token = token.trim();
    if token.is_empty() {
        return Err(DeliveryError::Client(
            "the GitHub token is empty; create a token with the `repo` and `workflow` scopes (or Contents, Pull requests and Workflows read and write) and pass it".into(),
        ));
    }
    let base = api_base.unwrap_or(PUBLIC_API).trim_end_matches('/');
    check_api_base(base)?;
    octocrab::Octocrab::builder()
        .personal_token(token.to_owned())
        .set_connect_timeout(Some(Duration::from_secs(15)))
        .set_read_timeout(Some(Duration::from_secs(60)))
        .base_uri(base)
        .map_err(|e| DeliveryError::Client(format!("API base URL `{base}` is not a URL: {e}")))?
        .build()
        .map_err(|e| DeliveryError::Client(e.to_string()))
}

fn check_api_base(base: &str) -> Result<(), DeliveryError> {
    let bad = |why: &str| DeliveryError::Client(format!("API base URL `{base}` {why}"));
    let (scheme, rest) = base
        .split_once("://")
        .ok_or_else(|| bad("has no scheme; use e.g. `https://github.example.com/api/v3`"))?;
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let hostname = match host.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => host.rsplit_once(':').map_or(host, |(name, _)| name),
    };
    if hostname.is_empty() {
        return Err(bad("has no host"));
    }
    match scheme {
        "https" => Ok(()),
        "http" if matches!(hostname, "127.0.0.1" | "localhost" | "::1") => Ok(()),
        "http" => Err(bad(
            "uses plain http to a remote host, which would send the token unencrypted; use https",
        )),
        _ => Err(bad("must use https")),
    }
}

/// Commit `files` (repository-relative path, content) in one commit on the
/// new branch `target.branch` from `target.base`, and open a pull request
/// unless `target.open_pr` is false.
pub async fn open_pull_request(
    client: &octocrab::Octocrab,
    target: &PullRequestTarget,
    files: &[(String, String)],
    message: &str,
) -> Result<PullRequestResult, DeliveryError> {
    check_target(target, files, message)?;
    let api = Api {
        client,
        owner: &target.owner,
        repo: &target.repo,
    };
    let repo_path = format!("/repos/{}/{}", target.owner, target.repo);

    let reply = api
        .call("read the repository", Request::Get, &repo_path)
        .await?;
    let repository = match reply.status {
        200 => reply.json("read the repository")?,
        404 => return Err(api.repository_not_found()),
        _ => return Err(api.failure("read the repository", &reply)),
    };
    let default_branch = str_field(&repository, "default_branch")
        .unwrap_or("main")
        .to_owned();
    let html_url = str_field(&repository, "html_url")
        .map(str::to_owned)
        .unwrap_or_else(|| format!("https://github.com/{}/{}", target.owner, target.repo));
    if repository.get("archived").and_then(Value::as_bool) == Some(true) {
        return Err(DeliveryError::Archived {
            owner: target.owner.clone(),
            repo: target.repo.clone(),
        });
    }
    let push = repository
        .get("permissions")
        .and_then(|p| p.get("push"))
        .and_then(Value::as_bool);
    if push == Some(false) {
        return Err(DeliveryError::NoPushAccess {
            owner: target.owner.clone(),
            repo: target.repo.clone(),
        });
    }
    let first_workflow = files
        .iter()
        .map(|(path, _)| path.as_str())
        .find(|path| path.starts_with(WORKFLOWS_DIR));
    // A classic token lists its scopes on every answer; without `workflow`
    // GitHub would refuse the tree with a bare 404 after the blobs were
    // written, so stop before writing anything.
    if let (Some(path), Some(scopes)) = (first_workflow, &reply.scopes)
        && !scopes.split(',').any(|scope| scope.trim() == "workflow")
    {
        let scopes = if scopes.trim().is_empty() {
            "none"
        } else {
            scopes.trim()
        };
        return Err(DeliveryError::MissingWorkflowScope {
            path: path.to_owned(),
            detail: format!("; this token is a classic token with the scopes: {scopes}"),
        });
    }

    let base = target
        .base
        .clone()
        .unwrap_or_else(|| default_branch.clone());
    let base_ref = format!("{repo_path}/git/ref/heads/{}", encode_path(&base));
    let reply = api
        .call("read the base branch", Request::Get, &base_ref)
        .await?;
    let base_commit = match reply.status {
        200 => object_sha(&reply.json("read the base branch")?, "read the base branch")?,
        404 => {
            return Err(DeliveryError::BaseNotFound {
                owner: target.owner.clone(),
                repo: target.repo.clone(),
                base,
                default_branch,
            });
        }
        409 => {
            return Err(DeliveryError::EmptyRepository {
                owner: target.owner.clone(),
                repo: target.repo.clone(),
            });
        }
        _ => return Err(api.failure("read the base branch", &reply)),
    };
    let action = "read the base commit";
    let reply = api
        .call(
            action,
            Request::Get,
            &format!("{repo_path}/git/commits/{base_commit}"),
        )
        .await?;
    let base_tree = match reply.status {
        200 => reply
            .json(action)?
            .get("tree")
            .and_then(|t| str_field(t, "sha"))
            .map(str::to_owned)
            .ok_or_else(|| malformed(action, "no tree.sha"))?,
        _ => return Err(api.failure(action, &reply)),
    };

    let action = "check that the new branch is free";
    let branch_ref = format!("{repo_path}/git/ref/heads/{}", encode_path(&target.branch));
    let reply = api.call(action, Request::Get, &branch_ref).await?;
    match reply.status {
        404 => {}
        200 => {
            let at = reply
                .json(action)
                .ok()
                .and_then(|v| object_sha(&v, action).ok())
                .map(|sha| format!(" at {sha}"))
                .unwrap_or_default();
            return Err(api.branch_exists(&target.branch, at));
        }
        _ => return Err(api.failure(action, &reply)),
    }

    let mut entries = Vec::with_capacity(files.len());
    for (path, content) in files {
        let action = "create a blob";
        let body = json!({ "content": content, "encoding": "utf-8" });
        let reply = api
            .call(
                action,
                Request::Post(body),
                &format!("{repo_path}/git/blobs"),
            )
            .await?;
        let sha = match reply.status {
            201 => str_field(&reply.json(action)?, "sha")
                .map(str::to_owned)
                .ok_or_else(|| malformed(action, "no sha"))?,
            _ => return Err(api.failure(action, &reply)),
        };
        entries.push(json!({ "path": path, "mode": "100644", "type": "blob", "sha": sha }));
    }

    let action = "create the tree";
    let body = json!({ "base_tree": base_tree, "tree": entries });
    let reply = api
        .call(
            action,
            Request::Post(body),
            &format!("{repo_path}/git/trees"),
        )
        .await?;
    let tree = match reply.status {
        201 => str_field(&reply.json(action)?, "sha")
            .map(str::to_owned)
            .ok_or_else(|| malformed(action, "no sha"))?,
        // The blobs went through, so writing is allowed: a refusal of the
        // tree that holds workflow files is the workflow scope.
        403 | 404 if first_workflow.is_some() => {
            return Err(DeliveryError::MissingWorkflowScope {
                path: first_workflow.unwrap_or(WORKFLOWS_DIR).to_owned(),
                detail: format!(
                    "; GitHub answered {} \"{}\" when creating the tree",
                    reply.status,
                    reply.message()
                ),
            });
        }
        _ => return Err(api.failure(action, &reply)),
    };
    if tree == base_tree {
        return Err(DeliveryError::NothingToCommit {
            owner: target.owner.clone(),
            repo: target.repo.clone(),
            base,
        });
    }

    let action = "create the commit";
    let body = json!({ "message": message, "tree": tree, "parents": [base_commit] });
    let reply = api
        .call(
            action,
            Request::Post(body),
            &format!("{repo_path}/git/commits"),
        )
        .await?;
    let commit = match reply.status {
        201 => str_field(&reply.json(action)?, "sha")
            .map(str::to_owned)
            .ok_or_else(|| malformed(action, "no sha"))?,
        _ => return Err(api.failure(action, &reply)),
    };

    let action = "create the branch";
    let body = json!({ "ref": format!("refs/heads/{}", target.branch), "sha": commit });
    let reply = api
        .call(
            action,
            Request::Post(body),
            &format!("{repo_path}/git/refs"),
        )
        .await?;
    match reply.status {
        201 => {}
        422 if reply.message().contains("already exists") => {
            return Err(api.branch_exists(&target.branch, String::new()));
        }
        422 => {
            let rules = api.branch_rules(&target.branch).await;
            return Err(DeliveryError::BranchRejected {
                owner: target.owner.clone(),
                repo: target.repo.clone(),
                branch: target.branch.clone(),
                message: reply.message(),
                rules: if rules.is_empty() {
                    String::new()
                } else {
                    format!(" (rules on this branch: {})", rules.join(", "))
                },
            });
        }
        _ => return Err(api.failure(action, &reply)),
    }

    let compare_url = format!(
        "{html_url}/compare/{}...{}?expand=1",
        encode_path(&base),
        encode_path(&target.branch)
    );
    let mut result = PullRequestResult {
        branch: target.branch.clone(),
        base: base.clone(),
        commit: commit.clone(),
        base_commit,
        number: None,
        html_url: None,
        compare_url: compare_url.clone(),
        files: files.iter().map(|(path, _)| path.clone()).collect(),
    };
    if !target.open_pr {
        return Ok(result);
    }

    let action = "open the pull request";
    let body = json!({
        "title": target.title,
        "head": target.branch,
        "base": base,
        "body": target.body,
    });
    let opened = match api
        .call(action, Request::Post(body), &format!("{repo_path}/pulls"))
        .await
    {
        Ok(reply) if reply.status == 201 => reply.json(action),
        Ok(reply) => Err(api.failure(action, &reply)),
        Err(error) => Err(error),
    };
    let pull = opened.map_err(|cause| DeliveryError::PullRequestFailed {
        branch: target.branch.clone(),
        commit: commit.clone(),
        compare_url,
        cause: Box::new(cause),
    })?;
    result.number = pull.get("number").and_then(Value::as_u64);
    result.html_url = str_field(&pull, "html_url").map(str::to_owned);
    Ok(result)
}

/// The checks that need no network, so bad input never writes anything.
fn check_target(
    target: &PullRequestTarget,
    files: &[(String, String)],
    message: &str,
) -> Result<(), DeliveryError> {
    let invalid =
        |field: &'static str, message: String| DeliveryError::InvalidTarget { field, message };
    let owner = &target.owner;
    let owner_ok = !owner.is_empty()
        && owner.len() <= 39
        && !owner.starts_with('-')
        && owner.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    if !owner_ok {
        return Err(invalid(
            "owner",
            format!(
                "`{owner}` is not a GitHub login: use 1 to 39 letters, digits or `-`, not starting with `-`"
            ),
        ));
    }
    let repo = &target.repo;
    let repo_ok = !repo.is_empty()
        && repo.len() <= 100
        && repo != "."
        && repo != ".."
        && repo
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
    if !repo_ok {
        return Err(invalid(
            "repo",
            format!("`{repo}` is not a repository name: use letters, digits, `-`, `_` and `.`"),
        ));
    }
    check_branch("branch", &target.branch)?;
    if let Some(base) = &target.base {
        check_branch("base", base)?;
        if *base == target.branch {
            return Err(invalid(
                "branch",
                format!(
                    "the new branch must differ from the base `{base}`; changes go through a new branch"
                ),
            ));
        }
    }
    if target.open_pr && target.title.trim().is_empty() {
        return Err(invalid("title", "a pull request needs a title".into()));
    }
    if message.trim().is_empty() {
        return Err(invalid("message", "the commit message is empty".into()));
    }
    if files.is_empty() {
        return Err(invalid("files", "there are no files to deliver".into()));
    }
    let mut seen = std::collections::BTreeSet::new();
    for (path, _) in files {
        let bad_part = path.split('/').any(|part| {
            part.is_empty() || part == "." || part == ".." || part.eq_ignore_ascii_case(".git")
        });
        if bad_part || path.contains('\\') || path.chars().any(char::is_control) {
            return Err(invalid(
                "files",
                format!(
                    "`{path}` is not a repository-relative path: use `/`-separated names without `.`, `..`, `.git` or empty parts"
                ),
            ));
        }
        if !seen.insert(path.as_str()) {
            return Err(invalid("files", format!("`{path}` appears twice")));
        }
    }
    Ok(())
}

/// git's branch naming rules (`git check-ref-format --branch`).
fn check_branch(field: &'static str, name: &str) -> Result<(), DeliveryError> {
    let ok = !name.is_empty()
        && name.len() <= 255
        && !name.starts_with('-')
        && !name.starts_with('/')
        && !name.ends_with('/')
        && !name.ends_with('.')
        && !name.ends_with(".lock")
        && !name.contains("..")
        && !name.contains("//")
        && !name.contains("@{")
        && name != "@"
        && !name
            .chars()
            .any(|c| c.is_control() || " ~^:?*[\\".contains(c))
        && name.split('/').all(|part| !part.starts_with('.'));
    if ok {
        Ok(())
    } else {
        Err(DeliveryError::InvalidTarget {
            field,
            message: format!(
                "`{name}` is not a valid branch name; use letters, digits, `-`, `_`, `.` and `/` (no `..`, no leading `-` or `.`, no trailing `/` or `.lock`)"
            ),
        })
    }
}

enum Request {
    Get,
    Post(Value),
}

/// One answer, read completely.
struct Reply {
    status: u16,
    body: String,
    /// `X-OAuth-Scopes`: present for classic and OAuth tokens only.
    scopes: Option<String>,
    /// `Link`.
    link: Option<String>,
}

impl Reply {
    fn json(&self, action: &'static str) -> Result<Value, DeliveryError> {
        serde_json::from_str(&self.body).map_err(|e| malformed(action, &e.to_string()))
    }

    /// GitHub's error message with the field errors it lists.
    fn message(&self) -> String {
        let Ok(value) = serde_json::from_str::<Value>(&self.body) else {
            return self.body.chars().take(300).collect();
        };
        let mut message = str_field(&value, "message")
            .unwrap_or("no message")
            .trim()
            .to_owned();
        let details: Vec<String> = value
            .get("errors")
            .and_then(Value::as_array)
            .map(|errors| {
                errors
                    .iter()
                    .filter_map(|error| match error {
                        Value::String(text) => Some(text.clone()),
                        _ => str_field(error, "message").map(str::to_owned).or_else(|| {
                            let field = str_field(error, "field")?;
                            let code = str_field(error, "code").unwrap_or("invalid");
                            Some(format!("`{field}` {code}"))
                        }),
                    })
                    .collect()
            })
            .unwrap_or_default();
        if !details.is_empty() {
            message = format!("{message} ({})", details.join("; "));
        }
        // GitHub puts details on lines after the headline
        // ("Repository rule violations found\n\nCannot create ref ...").
        let lines: Vec<&str> = message
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect();
        let last = lines.len().saturating_sub(1);
        lines
            .iter()
            .enumerate()
            .map(|(i, line)| {
                if i < last {
                    line.trim_end_matches('.')
                } else {
                    line
                }
            })
            .collect::<Vec<_>>()
            .join(": ")
    }
}

struct Api<'a> {
    client: &'a octocrab::Octocrab,
    owner: &'a str,
    repo: &'a str,
}

impl Api<'_> {
    /// Send once, and once more after a rate limit short enough to wait out.
    async fn call(
        &self,
        action: &'static str,
        request: Request,
        path: &str,
    ) -> Result<Reply, DeliveryError> {
        let transport = |e: octocrab::Error| DeliveryError::Transport {
            action,
            message: e.to_string(),
        };
        let mut waited = false;
        loop {
            let response = match &request {
                Request::Get => self.client._get(path).await,
                Request::Post(body) => self.client._post(path, Some(body)).await,
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
            let limit = RateLimitHeaders::read(header);
            let scopes = header("x-oauth-scopes");
            let link = header("link");
            let body = self
                .client
                .body_to_string(response)
                .await
                .map_err(transport)?;
            let now = unix_now();
            if let Some(wait) = limit.wait(status, now) {
                if !waited && wait <= MAX_RATE_LIMIT_WAIT {
                    waited = true;
                    tokio::time::sleep(wait).await;
                    continue;
                }
                let seconds = wait.as_secs();
                return Err(DeliveryError::RateLimited {
                    action,
                    seconds,
                    retry_at: rfc3339(
                        now.saturating_add(i64::try_from(seconds).unwrap_or(i64::MAX / 2)),
                    ),
                });
            }
            return Ok(Reply {
                status,
                body,
                scopes,
                link,
            });
        }
    }

    /// Every rule that applies to `branch` (`type (ruleset N)`), following
    /// `Link: rel="next"` pages. Best effort: it only explains a refusal, so
    /// an error here yields what was gathered so far.
    async fn branch_rules(&self, branch: &str) -> Vec<String> {
        let mut rules = Vec::new();
        let mut next = Some(format!(
            "/repos/{}/{}/rules/branches/{}?per_page=100",
            self.owner,
            self.repo,
            encode_path(branch)
        ));
        for _ in 0..MAX_PAGES {
            let Some(path) = next.take() else { break };
            let Ok(reply) = self
                .call("list the branch's rules", Request::Get, &path)
                .await
            else {
                break;
            };
            if reply.status != 200 {
                break;
            }
            let Ok(Value::Array(items)) = reply.json("list the branch's rules") else {
                break;
            };
            for item in &items {
                let kind = str_field(item, "type").unwrap_or("unknown");
                let described = match item.get("ruleset_id").and_then(Value::as_u64) {
                    Some(id) => format!("`{kind}` (ruleset {id})"),
                    None => format!("`{kind}`"),
                };
                if !rules.contains(&described) {
                    rules.push(described);
                }
            }
            next = reply.link.as_deref().and_then(next_link);
        }
        rules
    }

    fn repository_not_found(&self) -> DeliveryError {
        DeliveryError::RepositoryNotFound {
            owner: self.owner.to_owned(),
            repo: self.repo.to_owned(),
        }
    }

    fn branch_exists(&self, branch: &str, at: String) -> DeliveryError {
        DeliveryError::BranchExists {
            owner: self.owner.to_owned(),
            repo: self.repo.to_owned(),
            branch: branch.to_owned(),
            at,
        }
    }

    /// The typed error for an answer that is not the expected success.
    fn failure(&self, action: &'static str, reply: &Reply) -> DeliveryError {
        let (owner, repo) = (self.owner.to_owned(), self.repo.to_owned());
        let message = reply.message();
        match reply.status {
            401 => DeliveryError::BadCredentials { message },
            403 => DeliveryError::Forbidden {
                hint: forbidden_hint(&message),
                owner,
                repo,
                action,
                message,
            },
            404 => DeliveryError::NoWriteAccess {
                owner,
                repo,
                action,
            },
            422 => DeliveryError::Validation {
                owner,
                repo,
                action,
                message,
            },
            status => DeliveryError::Unexpected {
                action,
                status,
                message,
            },
        }
    }
}

/// What to change for a 403, from GitHub's message.
fn forbidden_hint(message: &str) -> String {
    let lower = message.to_ascii_lowercase();
    if lower.contains("saml") || lower.contains("sso") {
        "authorise the token for the organisation's SAML single sign-on (token settings, Configure SSO)".into()
    } else if lower.contains("not accessible by") {
        "the token lacks a permission: a fine-grained token or GitHub App needs Contents and Pull requests (read and write), and Workflows for `.github/workflows/` files".into()
    } else if lower.contains("archived") {
        "the repository is archived; unarchive it first".into()
    } else if lower.contains("not permitted to create") {
        "allow GitHub Actions to create pull requests in the repository or organisation settings, or use a personal token".into()
    } else {
        "check the token's permissions and the repository's branch protection and rulesets".into()
    }
}

fn str_field<'v>(value: &'v Value, key: &str) -> Option<&'v str> {
    value.get(key)?.as_str()
}

fn object_sha(reference: &Value, action: &'static str) -> Result<String, DeliveryError> {
    reference
        .get("object")
        .and_then(|o| str_field(o, "sha"))
        .map(str::to_owned)
        .ok_or_else(|| malformed(action, "no object.sha"))
}

fn malformed(action: &'static str, what: &str) -> DeliveryError {
    DeliveryError::Transport {
        action,
        message: format!("GitHub's answer could not be read ({what})"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(
        retry_after: Option<&str>,
        remaining: Option<&str>,
        reset: Option<&str>,
    ) -> RateLimitHeaders {
        RateLimitHeaders {
            retry_after: retry_after.map(str::to_owned),
            remaining: remaining.map(str::to_owned),
            reset: reset.map(str::to_owned),
        }
    }

    #[test]
    fn rate_limit_waits() {
        let now = 1_000;
        assert_eq!(
            headers(Some("7"), None, None).wait(403, now),
            Some(Duration::from_secs(7))
        );
        assert_eq!(
            headers(Some("7"), None, None).wait(429, now),
            Some(Duration::from_secs(7))
        );
        assert_eq!(
            headers(None, Some("0"), Some("1030")).wait(403, now),
            Some(Duration::from_secs(31))
        );
        assert_eq!(
            headers(None, None, None).wait(429, now),
            Some(Duration::from_secs(60))
        );
        // A plain 403 (permissions) is not a rate limit.
        assert_eq!(
            headers(None, Some("4999"), Some("1030")).wait(403, now),
            None
        );
        assert_eq!(headers(Some("7"), None, None).wait(200, now), None);
    }

    #[test]
    fn next_link_keeps_path_and_query() {
        let header = "<https://ghe.example.com/api/v3/repos/o/r/rules/branches/x?per_page=1&page=2>; rel=\"next\", <https://ghe.example.com/api/v3/repos/o/r/rules/branches/x?per_page=1&page=3>; rel=\"last\"";
        assert_eq!(
            next_link(header).as_deref(),
            Some("/api/v3/repos/o/r/rules/branches/x?per_page=1&page=2")
        );
        assert_eq!(
            next_link("<https://api.github.com/x?page=1>; rel=\"prev\""),
            None
        );
    }

    #[test]
    fn api_base_must_protect_the_token() {
        assert!(check_api_base("https://api.github.com").is_ok());
        assert!(check_api_base("https://ghe.example.com/api/v3").is_ok());
        assert!(check_api_base("http://127.0.0.1:8080").is_ok());
        assert!(check_api_base("http://[::1]:8080").is_ok());
        assert!(check_api_base("http://ghe.example.com/api/v3").is_err());
        assert!(check_api_base("ftp://ghe.example.com").is_err());
        assert!(check_api_base("ghe.example.com").is_err());
    }

    #[test]
    fn bad_targets_are_refused_before_any_request() {
        let target = PullRequestTarget {
            owner: "octo".into(),
            repo: "app".into(),
            base: None,
            branch: "devops-mcp/ci".into(),
            title: "Add CI".into(),
            body: String::new(),
            open_pr: true,
        };
        let files = vec![(
            ".github/workflows/ci.yml".to_owned(),
            "on: push\n".to_owned(),
        )];
        assert!(check_target(&target, &files, "Add CI").is_ok());
        let field = |t: &PullRequestTarget, f: &[(String, String)]| match check_target(t, f, "m") {
            Err(DeliveryError::InvalidTarget { field, .. }) => field,
            other => panic!("expected InvalidTarget, got {other:?}"),
        };
        let mut bad = target.clone();
        bad.branch = "feature..x".into();
        assert_eq!(field(&bad, &files), "branch");
        bad = target.clone();
        bad.owner = "-octo".into();
        assert_eq!(field(&bad, &files), "owner");
        bad = target.clone();
        bad.base = Some("devops-mcp/ci".into());
        assert_eq!(field(&bad, &files), "branch");
        let escape = vec![("../outside.yml".to_owned(), String::new())];
        assert_eq!(field(&target, &escape), "files");
        assert_eq!(field(&target, &[]), "files");
    }

    #[test]
    fn github_messages_read_as_one_line() {
        let reply = |body: Value| Reply {
            status: 422,
            body: body.to_string(),
            scopes: None,
            link: None,
        };
        let rules = reply(json!({
            "message": "Repository rule violations found\n\nCannot create ref due to creations being restricted.\n\n",
            "documentation_url": "https://docs.github.com/rest/git/refs#create-a-reference",
        }));
        assert_eq!(
            rules.message(),
            "Repository rule violations found: Cannot create ref due to creations being restricted."
        );
        let validation = reply(json!({
            "message": "Validation Failed",
            "errors": [
                { "resource": "PullRequest", "code": "custom", "message": "No commits between main and ci" },
                { "resource": "PullRequest", "field": "head", "code": "invalid" },
            ],
        }));
        assert_eq!(
            validation.message(),
            "Validation Failed (No commits between main and ci; `head` invalid)"
        );
    }

    #[test]
    fn branch_names_are_encoded_for_paths() {
        assert_eq!(encode_path("devops-mcp/ci-1"), "devops-mcp/ci-1");
        assert_eq!(encode_path("feat/über #1"), "feat/%C3%BCber%20%231");
    }
}
