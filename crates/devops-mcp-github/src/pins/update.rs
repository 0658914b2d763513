//! Refreshing a lock table from the GitHub API (`devops-mcp pins update`).
//!
//! For every pinned action, in the action's own repository (`owner/repo`,
//! the first two segments of `owner/repo/path`):
//!
//! 1. the newest stable release: `GET /repos/{o}/{r}/releases/latest`
//!    (GitHub skips drafts and pre-releases). When the repository has no
//!    releases (404), or the latest one's tag is not a version (`vX.Y.Z`),
//!    the highest stable version tag from `GET /repos/{o}/{r}/tags` (all
//!    pages) instead;
//! 2. its commit: `GET /repos/{o}/{r}/git/ref/tags/{tag}`, peeling
//!    annotated tags with `GET /repos/{o}/{r}/git/tags/{sha}` until a
//!    commit is reached.
//!
//! Version policy, as Dependabot and Renovate do it: updates within and
//! across major versions are taken, but a new major is reported apart
//! ([`PinStatus::MajorUpdate`]) so its breaking changes get a review;
//! [`MajorPolicy::Hold`] keeps each action within its pinned major instead.
//! A pin is never downgraded (GitHub's "latest" flag can sit on an older
//! line), and a pin whose own tag now names another commit is not followed
//! ([`PinStatus::Retagged`]): a release tag that moves is how a compromised
//! action looks (tj-actions/changed-files, 2025).
//!
//! A problem with one action (missing repository, no release, a tag that
//! is not a commit) keeps its old pin and is reported; a bad token, a rate
//! limit that outlasts the wait, or an unreachable API stops the whole run
//! with an error, since every later request would fail the same way.
//!
//! Architecture invariant: no environment reading here; the caller passes
//! the client (see [`client`]) and the date.

use crate::api::{RateLimitHeaders, encode_path, next_link, rfc3339, unix_now};
use std::collections::HashMap;
use std::fmt::Write as _;
use std::time::Duration;

use serde::Serialize;
use serde_json::Value;

use super::{Pin, PinTable, ReleaseVersion};

/// Upper bound on pages of tags followed through `Link` headers (100 each).
const MAX_PAGES: usize = 50;
/// Annotated tags of annotated tags are legal; this bounds the peeling.
const MAX_TAG_DEPTH: usize = 8;

/// What to do when an action's newest release is a new major version.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MajorPolicy {
    /// Take it, and report it as a major update to review (the default).
    #[default]
    Follow,
    /// Stay on the newest release of the pinned major; report that a newer
    /// major exists.
    Hold,
}

/// How to refresh.
#[derive(Debug, Clone)]
pub struct UpdateOptions {
    /// The `checked` date to record, `YYYY-MM-DD` (normally [`super::today_utc`]).
    pub today: String,
    /// Whether to cross major versions.
    pub major: MajorPolicy,
    /// The longest rate-limit wait sat out (once per request) before
    /// giving up with [`UpdateError::RateLimited`].
    pub max_rate_limit_wait: Duration,
}

impl UpdateOptions {
    /// Follow majors, record `today`, wait out rate limits of up to a minute.
    #[must_use]
    pub fn new(today: impl Into<String>) -> Self {
        Self {
            today: today.into(),
            major: MajorPolicy::Follow,
            max_rate_limit_wait: Duration::from_secs(60),
        }
    }
}

/// What happened to one pin.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PinStatus {
    /// Same version and commit; only `checked` and `source` were renewed.
    Unchanged,
    /// A newer release within the same major version.
    Updated,
    /// A newer major version: read its release notes for breaking changes.
    MajorUpdate,
    /// The pinned version's tag now names another commit. The old pin is
    /// kept; find out why the tag moved before trusting the new commit.
    Retagged,
    /// The action could not be looked up; the old pin is kept (see `note`).
    NotRefreshed,
}

/// One pin before and after the refresh.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PinChange {
    /// `owner/repo[/path]`.
    pub action: String,
    /// The pinned version before.
    pub old_version: String,
    /// The pinned commit before.
    pub old_sha: String,
    /// The version now in the table.
    pub new_version: String,
    /// The commit now in the table.
    pub new_sha: String,
    /// What happened.
    pub status: PinStatus,
    /// Why, when it is not a plain update: the error, the held major, a
    /// "latest" release older than the pin, the commit a moved tag names.
    pub note: Option<String>,
}

/// The refreshed table and what changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PinUpdate {
    /// The new table: the old header, every action of the old table.
    pub table: PinTable,
    /// One entry per action, in action order.
    pub changes: Vec<PinChange>,
    /// The `checked` date recorded.
    pub checked: String,
}

impl PinUpdate {
    /// Whether any version or commit changed.
    #[must_use]
    pub fn has_changes(&self) -> bool {
        self.changes
            .iter()
            .any(|c| matches!(c.status, PinStatus::Updated | PinStatus::MajorUpdate))
    }

    /// Whether something needs a human: an action that could not be
    /// refreshed, or a tag that moved.
    #[must_use]
    pub fn needs_attention(&self) -> bool {
        self.changes
            .iter()
            .any(|c| matches!(c.status, PinStatus::Retagged | PinStatus::NotRefreshed))
    }

    /// A human-readable diff: major updates first (to review), then other
    /// updates, moved tags, failures, and a count of unchanged pins.
    #[must_use]
    pub fn summary(&self) -> String {
        let mut out = String::new();
        let short = |sha: &str| sha.chars().take(12).collect::<String>();
        let group = |out: &mut String, status: PinStatus, title: &str, arrow: bool| {
            let rows: Vec<&PinChange> =
                self.changes.iter().filter(|c| c.status == status).collect();
            if rows.is_empty() {
                return;
            }
            let _ = writeln!(out, "{title}");
            for c in rows {
                if arrow {
                    let _ = writeln!(
                        out,
                        "  {}: {} -> {} ({} -> {})",
                        c.action,
                        c.old_version,
                        c.new_version,
                        short(&c.old_sha),
                        short(&c.new_sha)
                    );
                } else {
                    let _ = writeln!(
                        out,
                        "  {}: {} ({})",
                        c.action,
                        c.old_version,
                        short(&c.old_sha)
                    );
                }
                if let Some(note) = &c.note {
                    let _ = writeln!(out, "      {note}");
                }
            }
        };
        group(
            &mut out,
            PinStatus::MajorUpdate,
            "Major updates (read the release notes for breaking changes before regenerating workflows):",
            true,
        );
        group(&mut out, PinStatus::Updated, "Updates:", true);
        group(
            &mut out,
            PinStatus::Retagged,
            "Moved tags (old pin kept: the pinned version's tag now names another commit; find out why before trusting it):",
            false,
        );
        group(
            &mut out,
            PinStatus::NotRefreshed,
            "Not refreshed (old pin kept):",
            false,
        );
        let unchanged: Vec<&PinChange> = self
            .changes
            .iter()
            .filter(|c| c.status == PinStatus::Unchanged)
            .collect();
        let _ = writeln!(
            out,
            "Unchanged: {} of {} action(s), re-checked {}.",
            unchanged.len(),
            self.changes.len(),
            self.checked
        );
        for c in unchanged.iter().filter(|c| c.note.is_some()) {
            let _ = writeln!(
                out,
                "  {}: {}",
                c.action,
                c.note.as_deref().unwrap_or_default()
            );
        }
        out
    }
}

/// Why a refresh, or the lookup of one action, failed. Each message names
/// the action and what to do.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum UpdateError {
    /// No token, or an API base URL that cannot be used.
    #[error("cannot build the GitHub client: {0}")]
    Client(String),
    /// 401: the token is not valid.
    #[error(
        "GitHub rejected the token (401 {message}) while looking up `{action}`: it is expired, revoked or mistyped; use a valid token (any classic or fine-grained token can read public repositories)"
    )]
    BadCredentials { action: String, message: String },
    /// Rate limited for longer than is worth waiting, or again after one wait.
    #[error(
        "GitHub's rate limit was hit while looking up `{action}`; retry after {retry_at} ({seconds} s from now)"
    )]
    RateLimited {
        action: String,
        /// Seconds to wait.
        seconds: u64,
        /// RFC 3339 UTC time to retry after.
        retry_at: String,
    },
    /// The API could not be reached.
    #[error(
        "cannot reach the GitHub API while looking up `{action}`: {message}; check the network and the API base URL"
    )]
    Transport { action: String, message: String },
    /// 404 on the repository.
    #[error(
        "repository `{repository}` of action `{action}` was not found, or the token cannot see it (404); check the action's name in the lock table (the repository may have been renamed or deleted) and that the token can read it"
    )]
    RepositoryNotFound { action: String, repository: String },
    /// 301/302/307: the repository was renamed or transferred.
    #[error(
        "repository `{repository}` of action `{action}` has moved (GitHub answered {status}, to {location}); the action was renamed or transferred: use its new `owner/repo` in the lock table and in your workflows"
    )]
    Moved {
        action: String,
        repository: String,
        status: u16,
        location: String,
    },
    /// 403 that is not a rate limit.
    #[error("GitHub refused to show `{repository}` for action `{action}` (403 {message}); {hint}")]
    Forbidden {
        action: String,
        repository: String,
        message: String,
        hint: String,
    },
    /// No release and no stable version tag.
    #[error(
        "`{repository}` (action `{action}`) has no stable release and no version tag such as v1.2.3{within}; pin it by hand (with its commit SHA and a `source` saying how) or remove it from the lock table"
    )]
    NoRelease {
        action: String,
        repository: String,
        /// ` within v<major>` when the major was held.
        within: String,
    },
    /// A tag named by a release or listing is missing.
    #[error(
        "`{repository}` (action `{action}`): tag `{tag}` does not exist (404), though {named_by} names it; the release may be in the middle of being published or deleted: retry later or pin by hand"
    )]
    TagNotFound {
        action: String,
        repository: String,
        tag: String,
        /// What named the tag (`releases/latest`, the tag list, the lock table).
        named_by: String,
    },
    /// A tag that ends at a tree or blob, or nests too deep.
    #[error(
        "`{repository}` (action `{action}`): tag `{tag}` points at {kind}, not a commit, so a workflow cannot run it; pin it by hand"
    )]
    NotACommit {
        action: String,
        repository: String,
        tag: String,
        /// `a tree`, `a blob`, `tags nested deeper than 8`, ...
        kind: String,
    },
    /// A status with no meaning here (5xx, ...).
    #[error("GitHub answered {status} when {what} for action `{action}`: {message}; retry later")]
    Unexpected {
        action: String,
        what: String,
        status: u16,
        message: String,
    },
    /// An answer that could not be read.
    #[error("GitHub's answer when {what} for action `{action}` could not be read: {message}")]
    Malformed {
        action: String,
        what: String,
        message: String,
    },
}

impl UpdateError {
    /// Errors every later request would hit too: the run stops.
    #[must_use]
    pub fn is_fatal(&self) -> bool {
        matches!(
            self,
            Self::Client(_)
                | Self::BadCredentials { .. }
                | Self::RateLimited { .. }
                | Self::Transport { .. }
        )
    }
}

/// An octocrab client for refreshing pins with `token` against `api_base`
/// (`None`: api.github.com; GitHub Enterprise Server: `https://HOST/api/v3`).
/// Plain `http` is only accepted for loopback addresses.
///
/// # Errors
/// [`UpdateError::Client`] for an empty token or an unusable base URL.
pub fn client(token: &str, api_base: Option<&str>) -> Result<octocrab::Octocrab, UpdateError> {
    if token.trim().is_empty() {
        return Err(UpdateError::Client(
            "the GitHub token is empty; refreshing pins needs a token (any classic or fine-grained token can read public repositories, no scopes needed)".into(),
        ));
    }
    crate::pull_request::client(token, api_base).map_err(|e| match e {
        crate::pull_request::DeliveryError::Client(message) => UpdateError::Client(message),
        other => UpdateError::Client(other.to_string()),
    })
}

/// Refresh every pin of `current` from the GitHub API.
///
/// # Errors
/// A fatal [`UpdateError`] (see [`UpdateError::is_fatal`]); a problem with
/// one action is reported in its [`PinChange`] instead.
pub async fn update(
    client: &octocrab::Octocrab,
    current: &PinTable,
    options: &UpdateOptions,
) -> Result<PinUpdate, UpdateError> {
    let mut lookup = Lookup {
        client,
        options,
        latest: HashMap::new(),
        tags: HashMap::new(),
        commits: HashMap::new(),
    };
    let mut pins = Vec::with_capacity(current.len());
    let mut changes = Vec::with_capacity(current.len());
    for pin in current.iter() {
        let (new_pin, status, note) = match lookup.refresh(pin).await {
            Ok(refreshed) => refreshed,
            Err(error) if error.is_fatal() => return Err(error),
            Err(error) => (
                pin.clone(),
                PinStatus::NotRefreshed,
                Some(error.to_string()),
            ),
        };
        changes.push(PinChange {
            action: pin.action.clone(),
            old_version: pin.version.clone(),
            old_sha: pin.sha.clone(),
            new_version: new_pin.version.clone(),
            new_sha: new_pin.sha.clone(),
            status,
            note,
        });
        pins.push(new_pin);
    }
    let table = PinTable::new(current.header(), pins).map_err(|e| UpdateError::Malformed {
        action: "(table)".into(),
        what: "building the refreshed table".into(),
        message: e.to_string(),
    })?;
    Ok(PinUpdate {
        table,
        changes,
        checked: options.today.clone(),
    })
}

/// The version to pin for a repository and how it was chosen.
#[derive(Debug, Clone)]
struct Candidate {
    tag: String,
    version: ReleaseVersion,
    /// How it was chosen, for `source`.
    how: String,
    /// Something the user should know (a held major).
    note: Option<String>,
}

/// A tag resolved to its commit, with the path taken.
#[derive(Debug, Clone)]
struct Resolved {
    commit: String,
    /// `refs/tags/v1 -> tag object X -> commit Y`.
    path: String,
}

struct Lookup<'a> {
    client: &'a octocrab::Octocrab,
    options: &'a UpdateOptions,
    /// `releases/latest` by lower-case repository: the tag, or `None`
    /// when it names no release (404) or a non-version tag.
    latest: HashMap<String, Result<Option<String>, UpdateError>>,
    /// Stable version tags by lower-case repository.
    tags: HashMap<String, Result<Vec<(ReleaseVersion, String)>, UpdateError>>,
    /// Resolved tags by (lower-case repository, tag).
    commits: HashMap<(String, String), Result<Resolved, UpdateError>>,
}

impl Lookup<'_> {
    async fn refresh(
        &mut self,
        pin: &Pin,
    ) -> Result<(Pin, PinStatus, Option<String>), UpdateError> {
        let repository = pin.repository().to_owned();
        let pinned = ReleaseVersion::parse(&pin.version).ok_or_else(|| UpdateError::Malformed {
            action: pin.action.clone(),
            what: "reading the lock table".into(),
            message: format!("version `{}` is not a release tag", pin.version),
        })?;
        let newest = self.newest(&pin.action, &repository, pinned).await?;
        let mut note = newest.note.clone();
        let (tag, how) = if newest.version < pinned {
            note = Some(format!(
                "GitHub's newest release ({}) is older than the pinned {}; kept {}",
                newest.tag, pin.version, pin.version
            ));
            (pin.version.clone(), "the pinned version".to_owned())
        } else {
            (newest.tag.clone(), newest.how.clone())
        };
        let resolved = self.resolve(&pin.action, &repository, &tag, &how).await?;
        let fresh = Pin {
            action: pin.action.clone(),
            version: tag.clone(),
            sha: resolved.commit.clone(),
            source: format!(
                "GitHub API: {how} of github.com/{repository} is {tag}; {}",
                resolved.path
            ),
            checked: self.options.today.clone(),
        };
        if tag == pin.version {
            if resolved.commit == pin.sha {
                return Ok((fresh, PinStatus::Unchanged, note));
            }
            return Ok((
                pin.clone(),
                PinStatus::Retagged,
                Some(format!(
                    "tag {tag} of github.com/{repository} now names commit {} ({}); compare it with the pinned {} before pinning it by hand",
                    resolved.commit, resolved.path, pin.sha
                )),
            ));
        }
        let status = match ReleaseVersion::parse(&tag) {
            Some(version) if version.major() == pinned.major() => PinStatus::Updated,
            _ => PinStatus::MajorUpdate,
        };
        Ok((fresh, status, note))
    }

    /// The newest stable release of `repository` under the major policy.
    async fn newest(
        &mut self,
        action: &str,
        repository: &str,
        pinned: ReleaseVersion,
    ) -> Result<Candidate, UpdateError> {
        let latest = self.latest_release(action, repository).await?;
        let mut candidate = match latest {
            Some(tag) => match ReleaseVersion::parse(&tag) {
                Some(version) => Candidate {
                    tag,
                    version,
                    how: "releases/latest".into(),
                    note: None,
                },
                None => self.highest_tag(action, repository, None).await?,
            },
            None => self.highest_tag(action, repository, None).await?,
        };
        if self.options.major == MajorPolicy::Hold && candidate.version.major() > pinned.major() {
            let newer = candidate.tag.clone();
            let mut held = self
                .highest_tag(action, repository, Some(pinned.major()))
                .await?;
            held.note = Some(format!(
                "{newer} is available (a new major version); held within v{} (major updates held)",
                pinned.major()
            ));
            candidate = held;
        }
        Ok(candidate)
    }

    /// The tag of `releases/latest`; `None` when the repository has no
    /// stable release (404).
    async fn latest_release(
        &mut self,
        action: &str,
        repository: &str,
    ) -> Result<Option<String>, UpdateError> {
        let key = repository.to_ascii_lowercase();
        if let Some(cached) = self.latest.get(&key) {
            return cached.clone();
        }
        let what = "reading the latest release";
        let path = format!("/repos/{repository}/releases/latest");
        let result = async {
            let reply = self.get(action, &path).await?;
            match reply.status {
                200 => {
                    let body = reply.json(action, what)?;
                    let tag = body
                        .get("tag_name")
                        .and_then(Value::as_str)
                        .ok_or_else(|| malformed(action, what, "no tag_name"))?;
                    Ok(Some(tag.to_owned()))
                }
                404 => Ok(None),
                _ => Err(reply.failure(action, repository, what)),
            }
        }
        .await;
        self.latest.insert(key, result.clone());
        result
    }

    /// The highest stable version tag (within `major` when given).
    async fn highest_tag(
        &mut self,
        action: &str,
        repository: &str,
        major: Option<u64>,
    ) -> Result<Candidate, UpdateError> {
        let tags = self.stable_tags(action, repository).await?;
        let (version, tag) = tags
            .iter()
            .filter(|(v, _)| major.is_none_or(|m| v.major() == m))
            .max()
            .cloned()
            .ok_or_else(|| UpdateError::NoRelease {
                action: action.to_owned(),
                repository: repository.to_owned(),
                within: major.map(|m| format!(" within v{m}")).unwrap_or_default(),
            })?;
        Ok(Candidate {
            tag,
            version,
            how: match major {
                Some(m) => format!("the highest v{m} version tag"),
                None => "the highest version tag (no release names one)".into(),
            },
            note: None,
        })
    }

    /// Every stable version tag of the repository, from all pages of
    /// `GET /repos/{o}/{r}/tags`.
    async fn stable_tags(
        &mut self,
        action: &str,
        repository: &str,
    ) -> Result<Vec<(ReleaseVersion, String)>, UpdateError> {
        let key = repository.to_ascii_lowercase();
        if let Some(cached) = self.tags.get(&key) {
            return cached.clone();
        }
        let what = "listing tags";
        let result = async {
            let mut tags = Vec::new();
            let mut next = Some(format!("/repos/{repository}/tags?per_page=100"));
            for _ in 0..MAX_PAGES {
                let Some(path) = next.take() else { break };
                let reply = self.get(action, &path).await?;
                if reply.status != 200 {
                    return Err(reply.failure(action, repository, what));
                }
                let Value::Array(items) = reply.json(action, what)? else {
                    return Err(malformed(action, what, "not a list"));
                };
                for item in &items {
                    let name = item
                        .get("name")
                        .and_then(Value::as_str)
                        .ok_or_else(|| malformed(action, what, "a tag without a name"))?;
                    if let Some(version) = ReleaseVersion::parse(name) {
                        tags.push((version, name.to_owned()));
                    }
                }
                next = reply.link.as_deref().and_then(next_link);
            }
            Ok(tags)
        }
        .await;
        self.tags.insert(key, result.clone());
        result
    }

    /// The commit `tag` finally names, peeling annotated tags.
    async fn resolve(
        &mut self,
        action: &str,
        repository: &str,
        tag: &str,
        named_by: &str,
    ) -> Result<Resolved, UpdateError> {
        let key = (repository.to_ascii_lowercase(), tag.to_owned());
        if let Some(cached) = self.commits.get(&key) {
            return cached.clone();
        }
        let result = async {
            let what = "reading the tag";
            let reply = self
                .get(
                    action,
                    &format!("/repos/{repository}/git/ref/tags/{}", encode_path(tag)),
                )
                .await?;
            let (mut kind, mut sha) = match reply.status {
                200 => object_of(&reply.json(action, what)?, action, what)?,
                404 | 409 => {
                    return Err(UpdateError::TagNotFound {
                        action: action.to_owned(),
                        repository: repository.to_owned(),
                        tag: tag.to_owned(),
                        named_by: named_by.to_owned(),
                    });
                }
                _ => return Err(reply.failure(action, repository, what)),
            };
            let mut path = format!("refs/tags/{tag}");
            for _ in 0..MAX_TAG_DEPTH {
                match kind.as_str() {
                    "commit" => {
                        path.push_str(&format!(" -> commit {sha}"));
                        return Ok(Resolved { commit: sha, path });
                    }
                    "tag" => {
                        path.push_str(&format!(" -> tag object {sha}"));
                        let what = "reading the annotated tag";
                        let reply = self
                            .get(action, &format!("/repos/{repository}/git/tags/{sha}"))
                            .await?;
                        if reply.status != 200 {
                            return Err(reply.failure(action, repository, what));
                        }
                        (kind, sha) = object_of(&reply.json(action, what)?, action, what)?;
                    }
                    other => {
                        return Err(UpdateError::NotACommit {
                            action: action.to_owned(),
                            repository: repository.to_owned(),
                            tag: tag.to_owned(),
                            kind: format!("a {other}"),
                        });
                    }
                }
            }
            Err(UpdateError::NotACommit {
                action: action.to_owned(),
                repository: repository.to_owned(),
                tag: tag.to_owned(),
                kind: format!("tags nested deeper than {MAX_TAG_DEPTH}"),
            })
        }
        .await;
        if let Ok(resolved) = &result
            && !is_commit_sha(&resolved.commit)
        {
            let error = malformed(
                action,
                "reading the tag",
                "the commit id is not 40 hex digits",
            );
            self.commits.insert(key, Err(error.clone()));
            return Err(error);
        }
        self.commits.insert(key, result.clone());
        result
    }

    /// GET once, and once more after a rate limit short enough to wait out.
    async fn get(&self, action: &str, path: &str) -> Result<Reply, UpdateError> {
        let transport = |e: octocrab::Error| UpdateError::Transport {
            action: action.to_owned(),
            message: e.to_string(),
        };
        let mut waited = false;
        loop {
            let response = self.client._get(path).await.map_err(transport)?;
            let status = response.status().as_u16();
            let header = |name: &str| {
                response
                    .headers()
                    .get(name)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned)
            };
            let limit = RateLimitHeaders::read(header);
            let link = header("link");
            let location = header("location");
            let body = self
                .client
                .body_to_string(response)
                .await
                .map_err(transport)?;
            let now = unix_now();
            if let Some(wait) = limit.wait(status, now) {
                if !waited && wait <= self.options.max_rate_limit_wait {
                    waited = true;
                    tokio::time::sleep(wait).await;
                    continue;
                }
                let seconds = wait.as_secs();
                return Err(UpdateError::RateLimited {
                    action: action.to_owned(),
                    seconds,
                    retry_at: rfc3339(
                        now.saturating_add(i64::try_from(seconds).unwrap_or(i64::MAX / 2)),
                    ),
                });
            }
            let reply = Reply {
                status,
                body,
                link,
                location,
            };
            if status == 401 {
                return Err(UpdateError::BadCredentials {
                    action: action.to_owned(),
                    message: reply.message(),
                });
            }
            return Ok(reply);
        }
    }
}

/// One answer, read completely.
struct Reply {
    status: u16,
    body: String,
    link: Option<String>,
    location: Option<String>,
}

impl Reply {
    fn json(&self, action: &str, what: &str) -> Result<Value, UpdateError> {
        serde_json::from_str(&self.body).map_err(|e| malformed(action, what, &e.to_string()))
    }

    /// GitHub's `message`, or the start of the body.
    fn message(&self) -> String {
        serde_json::from_str::<Value>(&self.body)
            .ok()
            .and_then(|v| v.get("message").and_then(Value::as_str).map(str::to_owned))
            .unwrap_or_else(|| self.body.chars().take(200).collect())
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// The error for an answer that is not the expected success.
    fn failure(&self, action: &str, repository: &str, what: &str) -> UpdateError {
        let (action, repository) = (action.to_owned(), repository.to_owned());
        match self.status {
            404 => UpdateError::RepositoryNotFound { action, repository },
            301 | 302 | 307 | 308 => {
                let location = self
                    .location
                    .clone()
                    .or_else(|| {
                        serde_json::from_str::<Value>(&self.body)
                            .ok()
                            .and_then(|v| v.get("url").and_then(Value::as_str).map(str::to_owned))
                    })
                    .unwrap_or_else(|| "an address GitHub did not give".into());
                UpdateError::Moved {
                    action,
                    repository,
                    status: self.status,
                    location,
                }
            }
            403 | 451 => {
                let message = self.message();
                let lower = message.to_ascii_lowercase();
                let hint = if lower.contains("saml") || lower.contains("sso") {
                    "authorise the token for the organisation's SAML single sign-on (token settings, Configure SSO)"
                } else if self.status == 451 || lower.contains("blocked") {
                    "the repository is blocked on GitHub; choose another action and remove this one from the lock table"
                } else {
                    "check that the token can read the repository (a fine-grained token needs it selected, with Contents: read)"
                };
                UpdateError::Forbidden {
                    action,
                    repository,
                    message,
                    hint: hint.to_owned(),
                }
            }
            status => UpdateError::Unexpected {
                action,
                what: what.to_owned(),
                status,
                message: self.message(),
            },
        }
    }
}

/// `object.type` and `object.sha` of a ref or tag object.
fn object_of(value: &Value, action: &str, what: &str) -> Result<(String, String), UpdateError> {
    let object = value
        .get("object")
        .ok_or_else(|| malformed(action, what, "no object"))?;
    let field = |key: &str| {
        object
            .get(key)
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| malformed(action, what, &format!("no object.{key}")))
    };
    Ok((field("type")?, field("sha")?))
}

fn malformed(action: &str, what: &str, message: &str) -> UpdateError {
    UpdateError::Malformed {
        action: action.to_owned(),
        what: what.to_owned(),
        message: message.to_owned(),
    }
}

fn is_commit_sha(sha: &str) -> bool {
    sha.len() == 40
        && sha
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_order_numerically_and_prefer_full_tags() {
        let v = |t: &str| ReleaseVersion::parse(t).unwrap();
        assert!(v("v10.0.0") > v("v9.9.9"));
        assert!(v("v4.0.0") > v("v4"));
        assert!(v("v4.1") > v("v4.0.9"));
        assert!(v("2.0.0") > v("v1.9.0"));
        for not_stable in [
            "v8.0.0-beta.1",
            "v1.0.0+build",
            "codeql-bundle-v2.20.0",
            "v1.2.3.4",
            "v",
            "latest",
            "v1..2",
        ] {
            assert!(ReleaseVersion::parse(not_stable).is_none(), "{not_stable}");
        }
    }

    #[test]
    fn rate_limit_waits() {
        let h =
            |retry: Option<&str>, remaining: Option<&str>, reset: Option<&str>| RateLimitHeaders {
                retry_after: retry.map(str::to_owned),
                remaining: remaining.map(str::to_owned),
                reset: reset.map(str::to_owned),
            };
        assert_eq!(
            h(Some("7"), None, None).wait(429, 0),
            Some(Duration::from_secs(7))
        );
        assert_eq!(
            h(None, Some("0"), Some("1030")).wait(403, 1000),
            Some(Duration::from_secs(31))
        );
        assert_eq!(h(None, Some("10"), None).wait(403, 0), None);
        assert_eq!(h(Some("7"), None, None).wait(200, 0), None);
    }

    #[test]
    fn next_link_and_encoding() {
        assert_eq!(
            next_link("<https://api.github.com/repos/o/r/tags?per_page=100&page=2>; rel=\"next\", <https://api.github.com/repos/o/r/tags?per_page=100&page=3>; rel=\"last\"").as_deref(),
            Some("/repos/o/r/tags?per_page=100&page=2")
        );
        assert_eq!(next_link("<https://x/y?page=1>; rel=\"prev\""), None);
        assert_eq!(encode_path("release/v1.0+x"), "release/v1.0%2Bx");
    }

    #[test]
    fn fatal_errors_are_the_ones_every_request_would_hit() {
        assert!(UpdateError::Client("x".into()).is_fatal());
        assert!(
            !UpdateError::RepositoryNotFound {
                action: "a/b".into(),
                repository: "a/b".into()
            }
            .is_fatal()
        );
    }
}
