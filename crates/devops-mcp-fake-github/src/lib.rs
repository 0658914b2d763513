//! A local fake of the GitHub REST API for tests, holding both sides to
//! GitHub's published contract.
//!
//! [`FakeGithub::start`] serves on `127.0.0.1:<random port>`. Every request
//! is matched to its operation in GitHub's official OpenAPI description (npm
//! `@octokit/openapi`, `api.github.com.json`, loaded once per test binary);
//! its path and query parameters and JSON body are validated against the
//! operation's schemas, and every answer the fake gives is validated against
//! the schema the description declares for its status. Whatever breaks the
//! contract, on either side, is recorded: a test ends with
//! [`FakeGithub::assert_contract_clean`].
//!
//! Behaviour is programmable, in memory: repositories (default branch,
//! files, visibility, archived, collaborators, environments, commits,
//! lightweight and annotated tags, releases), organisations, tokens (classic with scopes, sent back in `X-OAuth-Scopes`, or
//! fine-grained with permissions), classic branch protection and rulesets,
//! rate limits (primary, secondary, 429), the page size of list endpoints
//! (with `Link` headers), and the Actions secrets key pairs. Modelled
//! operations: the authenticated user, repositories, branches and tags,
//! branch rules, releases (the latest one), the git data API (refs, blobs,
//! trees, commits, tag objects), pull requests, and
//! Actions secrets for repositories, environments and organisations. A call to any other real
//! operation is itself a violation, so the fake never answers with
//! something it does not model.
//!
//! Architecture invariant: dev-only (`publish = false`); nothing outside
//! tests depends on it.

mod git;
mod model;
mod openapi;
mod routes;
mod server;
mod state;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

pub use model::{
    Access, BranchProtection, CommitInfo, Organization, Permissions, PullRequest, RateLimit,
    RecordedRequest, Release, Repository, Role, Rule, Ruleset, SecretScope, SecretsKey,
    StoredSecret, TagKind, Token, TokenKind,
};
pub use openapi::DESCRIPTION_IN_NODE_MODULES;

use git::{Commit, Kind, MODE_FILE, Person, Tag};
use model::lower;
use server::Shared;
use state::{OrgState, PendingLimit, ReleaseState, State, now_unix};

/// Why the fake cannot start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The OpenAPI description is missing or unreadable.
    #[error(
        "GitHub's OpenAPI description at {path} cannot be used: {message}; run `bash tests/setup.sh` (it installs the npm package @octokit/openapi)"
    )]
    Description {
        /// The path the test passed.
        path: PathBuf,
        /// What went wrong reading or indexing it.
        message: String,
    },
    /// No local port could be bound.
    #[error("cannot bind the fake GitHub API to 127.0.0.1: {0}")]
    Bind(#[source] std::io::Error),
}

/// A running fake GitHub API. Dropping it stops the server.
pub struct FakeGithub {
    shared: Arc<Shared>,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for FakeGithub {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl FakeGithub {
    /// Where the description lives under a `node_modules` directory.
    pub fn description_path(node_modules: &Path) -> PathBuf {
        node_modules.join(DESCRIPTION_IN_NODE_MODULES)
    }

    /// Where the project's test setup (`bash tests/setup.sh`) installs the description:
    /// under `$DEVOPS_MCP_TOOLS` when that is set, else in the workspace's `.tools`.
    pub fn installed_description() -> PathBuf {
        let tools = std::env::var_os("DEVOPS_MCP_TOOLS")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../.tools")));
        Self::description_path(&tools.join("node/node_modules"))
    }

    /// Load the description at `description` (once per process) and serve.
    pub async fn start(description: impl AsRef<Path>) -> Result<Self, Error> {
        let description = openapi::load(description.as_ref())?;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(Error::Bind)?;
        let address = listener.local_addr().map_err(Error::Bind)?;
        let shared = Arc::new(Shared {
            description,
            state: Mutex::new(State::default()),
            base_url: format!("http://{address}"),
        });
        let handler_state = shared.clone();
        let app = axum::Router::new()
            .fallback(
                move |method: axum::http::Method,
                      uri: axum::http::Uri,
                      headers: axum::http::HeaderMap,
                      body: axum::body::Bytes| {
                    let shared = handler_state.clone();
                    async move { server::handle(shared, method, uri, headers, body).await }
                },
            )
            .layer(axum::extract::DefaultBodyLimit::disable());
        let server = tokio::spawn(async move {
            // The server runs until the fake is dropped; an accept error
            // ends it, and the test then fails on a connection error.
            let _ = axum::serve(listener, app).await;
        });
        Ok(Self { shared, server })
    }

    /// The API root, e.g. `http://127.0.0.1:41234` (what a client uses as
    /// its base URL).
    pub fn url(&self) -> &str {
        &self.shared.base_url
    }

    /// Accept `secret` as a token of `token.login`.
    pub fn add_token(&self, secret: &str, token: Token) {
        self.shared.lock().tokens.insert(secret.to_owned(), token);
    }

    /// Create `owner/name`. A user-owned repository's owner is its admin;
    /// add the organisation first for an organisation-owned one.
    pub fn add_repository(&self, owner: &str, name: &str, repository: Repository) {
        self.shared.lock().add_repository(owner, name, repository);
    }

    /// Create an organisation.
    pub fn add_organization(&self, login: &str, organization: Organization) {
        let mut state = self.shared.lock();
        let id = state.id();
        state.orgs.insert(
            lower(login),
            OrgState {
                id,
                settings: organization,
                secrets: BTreeMap::new(),
                key: None,
            },
        );
    }

    /// Protect branches matching `pattern` (`main`, `release/*`, `**`).
    pub fn protect_branch(
        &self,
        owner: &str,
        repo: &str,
        pattern: &str,
        protection: BranchProtection,
    ) {
        self.with_repo(owner, repo, |r| {
            r.protections.push((pattern.to_owned(), protection))
        });
    }

    /// Add a branch ruleset.
    pub fn add_ruleset(&self, owner: &str, repo: &str, ruleset: Ruleset) {
        self.with_repo(owner, repo, |r| r.rulesets.push(ruleset));
    }

    /// Create `branch` at the head of `from`; returns its commit id.
    pub fn create_branch(
        &self,
        owner: &str,
        repo: &str,
        branch: &str,
        from: &str,
    ) -> Option<String> {
        let mut state = self.shared.lock();
        let repo = state.repo_mut(owner, repo)?;
        let sha = repo.branch_sha(from)?.clone();
        repo.refs
            .insert(format!("refs/heads/{branch}"), sha.clone());
        Some(sha)
    }

    /// Add a commit on top of `branch` that sets `path` to `content`, and
    /// move the branch to it; returns the commit id (`None`: no such
    /// repository or branch).
    pub fn commit_file(
        &self,
        owner: &str,
        repo: &str,
        branch: &str,
        path: &str,
        content: &str,
    ) -> Option<String> {
        let mut state = self.shared.lock();
        let repo = state.repo_mut(owner, repo)?;
        let parent = repo.branch_sha(branch)?.clone();
        let base_tree = repo.store.commit(&parent)?.tree.clone();
        let mut flat = repo.store.flatten(&base_tree)?;
        let blob = repo.store.put_blob(content.as_bytes().to_vec());
        flat.insert(path.to_owned(), (MODE_FILE.into(), Kind::Blob, blob));
        let tree = repo.store.build(&flat);
        let person = Person {
            name: repo.owner.clone(),
            email: format!("{}@users.noreply.github.com", repo.owner),
            time: now_unix(),
        };
        let sha = repo.store.put_commit(Commit {
            tree,
            parents: vec![parent],
            message: format!("Update {path}\n"),
            author: person.clone(),
            committer: person,
        });
        repo.refs
            .insert(format!("refs/heads/{branch}"), sha.clone());
        Some(sha)
    }

    /// Create the tag `name` on `target` (any object id: a commit, or a tag
    /// object for a tag of a tag). Returns what `refs/tags/<name>` points
    /// at: `target` for a lightweight tag, the new tag object for an
    /// annotated one. `None`: no such repository or object. An existing tag
    /// of that name is moved, as `git tag -f` and a force push would.
    pub fn create_tag(
        &self,
        owner: &str,
        repo: &str,
        name: &str,
        target: &str,
        kind: TagKind,
    ) -> Option<String> {
        let mut state = self.shared.lock();
        let repo = state.repo_mut(owner, repo)?;
        let object_type = repo.store.get(target)?.type_name();
        let points_at = match kind {
            TagKind::Lightweight => target.to_owned(),
            TagKind::Annotated { message } => repo.store.put_tag(Tag {
                object: target.to_owned(),
                object_type,
                tag: name.to_owned(),
                message: if message.ends_with('\n') {
                    message
                } else {
                    format!("{message}\n")
                },
                tagger: Person {
                    name: repo.owner.clone(),
                    email: format!("{}@users.noreply.github.com", repo.owner),
                    time: now_unix(),
                },
            }),
        };
        repo.refs
            .insert(format!("refs/tags/{name}"), points_at.clone());
        Some(points_at)
    }

    /// Publish `release`; its tag must exist (a test-setup violation otherwise).
    pub fn add_release(&self, owner: &str, repo: &str, release: Release) {
        let mut state = self.shared.lock();
        let id = state.id();
        let Some(found) = state.repo_mut(owner, repo) else {
            state.violations.push(format!(
                "test setup: repository {owner}/{repo} does not exist in the fake; add it first"
            ));
            return;
        };
        if !found
            .refs
            .contains_key(&format!("refs/tags/{}", release.tag_name))
        {
            let message = format!(
                "test setup: tag {} does not exist in {owner}/{repo}; create it before its release",
                release.tag_name
            );
            state.violations.push(message);
            return;
        }
        let created_at = found
            .releases
            .last()
            .map_or_else(now_unix, |last| last.created_at + 1);
        found.releases.push(ReleaseState {
            id,
            settings: release,
            created_at,
        });
    }

    /// Answer the next `times` requests (any operation) with `limit`.
    pub fn rate_limit(&self, limit: RateLimit, times: usize) {
        self.push_limit(None, limit, times);
    }

    /// Answer the next `times` requests to `operation_id` (e.g.
    /// `git/create-tree`) with `limit`.
    pub fn rate_limit_operation(&self, operation_id: &str, limit: RateLimit, times: usize) {
        self.push_limit(Some(operation_id.to_owned()), limit, times);
    }

    fn push_limit(&self, operation: Option<String>, limit: RateLimit, times: usize) {
        if times > 0 {
            self.shared.lock().limits.push(PendingLimit {
                limit,
                operation,
                remaining: times,
            });
        }
    }

    /// Cap every list page at `size` items, whatever `per_page` asks, so a
    /// test can make a short list span several pages.
    pub fn set_max_page_size(&self, size: usize) {
        self.shared.lock().max_page_size = size.max(1);
    }

    /// Where `html_url`s point (default `https://github.com`).
    pub fn set_html_base(&self, base: &str) {
        self.shared.lock().html_base = base.trim_end_matches('/').to_owned();
    }

    /// The key pair handed out for `scope` (others get the default pair).
    pub fn set_secrets_key(&self, scope: &SecretScope, key: SecretsKey) {
        let mut state = self.shared.lock();
        match scope.normalized() {
            SecretScope::Repository { owner, repo } => {
                if let Some(r) = state.repo_mut(&owner, &repo) {
                    r.key = Some(key);
                }
            }
            SecretScope::Environment {
                owner,
                repo,
                environment,
            } => {
                if let Some(r) = state.repo_mut(&owner, &repo) {
                    r.environment_keys.insert(environment, key);
                }
            }
            SecretScope::Organization { org } => {
                if let Some(o) = state.orgs.get_mut(&org) {
                    o.key = Some(key);
                }
            }
        }
    }

    /// The key pair handed out where no scope-specific one is set.
    pub fn set_default_secrets_key(&self, key: SecretsKey) {
        self.shared.lock().default_key = key;
    }

    /// Contract violations recorded so far, one line each.
    pub fn violations(&self) -> Vec<String> {
        self.shared.lock().violations.clone()
    }

    /// Panic, listing them, if any contract violation was recorded.
    pub fn assert_contract_clean(&self) {
        let violations = self.violations();
        assert!(
            violations.is_empty(),
            "{} contract violation(s) against GitHub's OpenAPI description:\n{}",
            violations.len(),
            violations.join("\n")
        );
    }

    /// Every request served, in order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.lock().requests.clone()
    }

    /// The commit `branch` points at.
    pub fn branch(&self, owner: &str, repo: &str, branch: &str) -> Option<String> {
        let state = self.shared.lock();
        state.repo(owner, repo)?.branch_sha(branch).cloned()
    }

    /// Every file (path to UTF-8 content, lossy) at the head of `branch`.
    pub fn files(&self, owner: &str, repo: &str, branch: &str) -> BTreeMap<String, String> {
        let state = self.shared.lock();
        let Some(repo) = state.repo(owner, repo) else {
            return BTreeMap::new();
        };
        let tree = repo
            .branch_sha(branch)
            .and_then(|sha| repo.store.commit(sha))
            .and_then(|commit| repo.store.flatten(&commit.tree))
            .unwrap_or_default();
        tree.into_iter()
            .filter_map(|(path, (_, _, sha))| {
                let content = repo.store.blob(&sha)?;
                Some((path, String::from_utf8_lossy(content).into_owned()))
            })
            .collect()
    }

    /// A commit of the repository.
    pub fn commit(&self, owner: &str, repo: &str, sha: &str) -> Option<CommitInfo> {
        let state = self.shared.lock();
        let commit = state.repo(owner, repo)?.store.commit(sha)?.clone();
        Some(CommitInfo {
            sha: sha.to_owned(),
            message: commit.message,
            tree: commit.tree,
            parents: commit.parents,
            author_name: commit.author.name,
            author_email: commit.author.email,
        })
    }

    /// Pull requests of the repository, oldest first.
    pub fn pull_requests(&self, owner: &str, repo: &str) -> Vec<PullRequest> {
        let state = self.shared.lock();
        state
            .repo(owner, repo)
            .map(|r| r.pulls.clone())
            .unwrap_or_default()
    }

    /// The stored (sealed) secret `name` of `scope`; names are case-insensitive.
    pub fn secret(&self, scope: &SecretScope, name: &str) -> Option<StoredSecret> {
        let state = self.shared.lock();
        let name = name.to_ascii_uppercase();
        match scope.normalized() {
            SecretScope::Repository { owner, repo } => {
                state.repo(&owner, &repo)?.secrets.get(&name).cloned()
            }
            SecretScope::Environment {
                owner,
                repo,
                environment,
            } => state
                .repo(&owner, &repo)?
                .environment_secrets
                .get(&environment)?
                .get(&name)
                .cloned(),
            SecretScope::Organization { org } => state.orgs.get(&org)?.secrets.get(&name).cloned(),
        }
    }

    fn with_repo(&self, owner: &str, repo: &str, change: impl FnOnce(&mut state::RepoState)) {
        let mut state = self.shared.lock();
        match state.repo_mut(owner, repo) {
            Some(found) => change(found),
            None => state.violations.push(format!(
                "test setup: repository {owner}/{repo} does not exist in the fake; add it first"
            )),
        }
    }
}
