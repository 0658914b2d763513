//! The fake's programmable world, as tests describe it: repositories,
//! organisations, tokens, branch protection, rulesets, tags and releases,
//! rate limits and the Actions secrets key pairs; and what tests read back
//! from it.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

/// A repository to create in the fake.
#[derive(Debug, Clone)]
pub struct Repository {
    /// The default branch; it gets one commit holding `files` (unless empty).
    pub default_branch: String,
    /// Private repositories are invisible (404) to anyone without access.
    pub private: bool,
    /// Archived repositories refuse every write with 403.
    pub archived: bool,
    /// Files of the initial commit, by path. No files: an empty repository.
    pub files: BTreeMap<String, String>,
    /// Users with a role on the repository; a user-owned repository's owner is admin.
    pub collaborators: BTreeMap<String, Role>,
    /// Deployment environments (for environment secrets).
    pub environments: BTreeSet<String>,
}

impl Default for Repository {
    fn default() -> Self {
        Self {
            default_branch: "main".into(),
            private: false,
            archived: false,
            files: BTreeMap::from([("README.md".to_owned(), "# repository\n".to_owned())]),
            collaborators: BTreeMap::new(),
            environments: BTreeSet::new(),
        }
    }
}

impl Repository {
    /// A public repository with `main` holding a README.
    pub fn new() -> Self {
        Self::default()
    }

    /// Name the default branch.
    pub fn default_branch(mut self, name: &str) -> Self {
        self.default_branch = name.into();
        self
    }

    /// Make it private.
    pub fn private(mut self) -> Self {
        self.private = true;
        self
    }

    /// Archive it (read-only).
    pub fn archived(mut self) -> Self {
        self.archived = true;
        self
    }

    /// Add a file to the initial commit.
    pub fn file(mut self, path: &str, content: &str) -> Self {
        self.files.insert(path.into(), content.into());
        self
    }

    /// No initial commit at all (GitHub answers 409 "Git Repository is empty.").
    pub fn empty(mut self) -> Self {
        self.files.clear();
        self
    }

    /// Give `login` a role.
    pub fn collaborator(mut self, login: &str, role: Role) -> Self {
        self.collaborators.insert(login.into(), role);
        self
    }

    /// Add a deployment environment.
    pub fn environment(mut self, name: &str) -> Self {
        self.environments.insert(name.into());
        self
    }
}

/// A user's role on a repository.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    Read,
    Triage,
    Write,
    Maintain,
    Admin,
}

/// An organisation (owner of repositories, holder of organisation secrets).
#[derive(Debug, Clone, Default)]
pub struct Organization {
    /// Organisation owners: admin on every repository of the organisation.
    pub admins: BTreeSet<String>,
    /// Members: read access to the organisation's repositories.
    pub members: BTreeSet<String>,
}

impl Organization {
    pub fn new() -> Self {
        Self::default()
    }

    /// Make `login` an owner.
    pub fn admin(mut self, login: &str) -> Self {
        self.admins.insert(login.into());
        self
    }

    /// Make `login` a member.
    pub fn member(mut self, login: &str) -> Self {
        self.members.insert(login.into());
        self
    }
}

/// Access a fine-grained token grants for one permission.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub enum Access {
    #[default]
    None,
    Read,
    Write,
}

/// The repository and organisation permissions of a fine-grained token (or
/// GitHub App installation) the fake checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Permissions {
    /// `Contents`: git data, branches.
    pub contents: Access,
    /// `Workflows`: creating or changing `.github/workflows/` files.
    pub workflows: Access,
    /// `Pull requests`.
    pub pull_requests: Access,
    /// `Secrets` (repository Actions secrets).
    pub secrets: Access,
    /// `Environments` (environment secrets).
    pub environments: Access,
    /// Organisation `Secrets`.
    pub organization_secrets: Access,
}

impl Permissions {
    /// Write on everything.
    pub fn all() -> Self {
        Self {
            contents: Access::Write,
            workflows: Access::Write,
            pull_requests: Access::Write,
            secrets: Access::Write,
            environments: Access::Write,
            organization_secrets: Access::Write,
        }
    }
}

/// What kind of token, and what it may do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenKind {
    /// A classic personal access token or OAuth token: its scopes are sent
    /// back in `X-OAuth-Scopes` on every response, as GitHub does.
    Classic { scopes: BTreeSet<String> },
    /// A fine-grained personal access token: no `X-OAuth-Scopes` header,
    /// missing permissions answer 403 "Resource not accessible by personal
    /// access token".
    FineGrained { permissions: Permissions },
}

/// A token the fake accepts, and whose it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    /// The user the token authenticates.
    pub login: String,
    pub kind: TokenKind,
}

impl Token {
    /// A classic token of `login` with `scopes` (e.g. `["repo", "workflow"]`).
    pub fn classic(login: &str, scopes: &[&str]) -> Self {
        Self {
            login: login.into(),
            kind: TokenKind::Classic {
                scopes: scopes.iter().map(|s| (*s).to_owned()).collect(),
            },
        }
    }

    /// A fine-grained token of `login`.
    pub fn fine_grained(login: &str, permissions: Permissions) -> Self {
        Self {
            login: login.into(),
            kind: TokenKind::FineGrained { permissions },
        }
    }
}

/// Classic branch protection for branches matching a pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BranchProtection {
    /// Changes must come through a pull request (no direct ref updates).
    pub required_pull_request: bool,
    /// Nobody may create a branch matching the pattern ("Restrict pushes
    /// that create matching branches").
    pub restrict_creations: bool,
    /// Read-only branch.
    pub lock_branch: bool,
    pub allow_force_pushes: bool,
    pub allow_deletions: bool,
}

impl Default for BranchProtection {
    /// What a typical `main` protection looks like: pull requests required.
    fn default() -> Self {
        Self {
            required_pull_request: true,
            restrict_creations: false,
            lock_branch: false,
            allow_force_pushes: false,
            allow_deletions: false,
        }
    }
}

/// A repository ruleset targeting branches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ruleset {
    pub id: u64,
    pub name: String,
    /// `refs/heads/<glob>`, `~DEFAULT_BRANCH` or `~ALL`.
    pub include: Vec<String>,
    /// Same forms as `include`.
    pub exclude: Vec<String>,
    pub rules: Vec<Rule>,
}

/// A ruleset rule the fake enforces or reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// Only bypass actors may create matching refs.
    Creation,
    /// Only bypass actors may update matching refs.
    Update,
    /// Only bypass actors may delete matching refs.
    Deletion,
    /// Changes through pull requests with this many approvals.
    PullRequest {
        required_approving_review_count: u32,
    },
    /// Commits must have verified signatures.
    RequiredSignatures,
    /// No force pushes.
    NonFastForward,
    /// No merge commits.
    RequiredLinearHistory,
}

impl Rule {
    pub(crate) fn type_name(self) -> &'static str {
        match self {
            Rule::Creation => "creation",
            Rule::Update => "update",
            Rule::Deletion => "deletion",
            Rule::PullRequest { .. } => "pull_request",
            Rule::RequiredSignatures => "required_signatures",
            Rule::NonFastForward => "non_fast_forward",
            Rule::RequiredLinearHistory => "required_linear_history",
        }
    }
}

/// How a tag is made: a bare ref to the target, or a tag object in between.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TagKind {
    /// `git tag NAME`: `refs/tags/NAME` points straight at the target.
    Lightweight,
    /// `git tag -a NAME -m MESSAGE`: the ref points at a tag object, which
    /// points at the target (clients must peel it).
    Annotated {
        /// The tag message.
        message: String,
    },
}

impl TagKind {
    /// An annotated tag with `message`.
    pub fn annotated(message: &str) -> Self {
        Self::Annotated {
            message: message.into(),
        }
    }
}

/// A GitHub release of an existing tag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Release {
    /// The tag the release belongs to (it must exist in the repository).
    pub tag_name: String,
    /// Release title; `None` is shown as the tag name by GitHub.
    pub name: Option<String>,
    /// Drafts are invisible to `releases/latest`.
    pub draft: bool,
    /// Pre-releases are skipped by `releases/latest`.
    pub prerelease: bool,
    /// Marked "latest" explicitly (`make_latest: true`); otherwise the most
    /// recently created stable release is the latest.
    pub make_latest: bool,
}

impl Release {
    /// A published, stable release of `tag_name`.
    pub fn new(tag_name: &str) -> Self {
        Self {
            tag_name: tag_name.into(),
            name: None,
            draft: false,
            prerelease: false,
            make_latest: false,
        }
    }

    /// Mark it a pre-release.
    pub fn prerelease(mut self) -> Self {
        self.prerelease = true;
        self
    }

    /// Make it a draft.
    pub fn draft(mut self) -> Self {
        self.draft = true;
        self
    }

    /// Mark it the latest release explicitly, whatever was created after it.
    pub fn latest(mut self) -> Self {
        self.make_latest = true;
        self
    }
}

/// A rate-limit answer the fake gives instead of serving a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RateLimit {
    /// Primary limit exhausted: 403, `x-ratelimit-remaining: 0`,
    /// `x-ratelimit-reset` this far in the future, no `Retry-After`.
    Primary { reset_in: Duration },
    /// Secondary limit: 403 with `Retry-After`.
    Secondary { retry_after: Duration },
    /// 429 Too Many Requests with `Retry-After`.
    TooManyRequests { retry_after: Duration },
}

/// An X25519 key pair the fake hands out as an Actions secrets public key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretsKey {
    pub key_id: String,
    pub public_key: [u8; 32],
    /// Kept so a test can open the sealed boxes it finds in [`StoredSecret`].
    pub private_key: [u8; 32],
}

impl Default for SecretsKey {
    /// Alice's key pair from RFC 7748 section 6.1: a real X25519 pair, so
    /// values sealed to it can be opened in tests.
    fn default() -> Self {
        Self {
            key_id: "568250167242549743".into(),
            private_key: hex32("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a"),
            public_key: hex32("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a"),
        }
    }
}

fn hex32(hex: &str) -> [u8; 32] {
    let mut out = [0u8; 32];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = hex
            .get(2 * i..2 * i + 2)
            .and_then(|pair| u8::from_str_radix(pair, 16).ok())
            .unwrap_or_default();
    }
    out
}

/// Where an Actions secret lives.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum SecretScope {
    Repository {
        owner: String,
        repo: String,
    },
    Environment {
        owner: String,
        repo: String,
        environment: String,
    },
    Organization {
        org: String,
    },
}

impl SecretScope {
    pub fn repository(owner: &str, repo: &str) -> Self {
        Self::Repository {
            owner: owner.into(),
            repo: repo.into(),
        }
    }

    pub fn environment(owner: &str, repo: &str, environment: &str) -> Self {
        Self::Environment {
            owner: owner.into(),
            repo: repo.into(),
            environment: environment.into(),
        }
    }

    pub fn organization(org: &str) -> Self {
        Self::Organization { org: org.into() }
    }

    /// Owner and repository names compare case-insensitively on GitHub.
    pub(crate) fn normalized(&self) -> Self {
        match self {
            Self::Repository { owner, repo } => Self::repository(&lower(owner), &lower(repo)),
            Self::Environment {
                owner,
                repo,
                environment,
            } => Self::environment(&lower(owner), &lower(repo), environment),
            Self::Organization { org } => Self::organization(&lower(org)),
        }
    }
}

pub(crate) fn lower(text: &str) -> String {
    text.to_ascii_lowercase()
}

/// An Actions secret as the fake stored it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredSecret {
    /// Base64 of the sealed box, exactly as sent.
    pub encrypted_value: String,
    /// The key id the client said it sealed to.
    pub key_id: String,
    pub created_at: String,
    pub updated_at: String,
    /// Organisation secrets: `all`, `private` or `selected`.
    pub visibility: Option<String>,
    /// Organisation secrets with visibility `selected`.
    pub selected_repository_ids: Option<Vec<u64>>,
}

/// One request as the fake saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedRequest {
    pub method: String,
    /// Path as sent (still percent-encoded).
    pub path: String,
    /// Raw query string, empty when none.
    pub query: String,
    /// The matched `operationId`, when the path is a GitHub operation.
    pub operation: Option<String>,
    /// The status the fake answered.
    pub status: u16,
}

/// A pull request the fake holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PullRequest {
    pub number: u64,
    pub title: String,
    pub body: Option<String>,
    /// Head branch name.
    pub head: String,
    /// Head commit at creation.
    pub head_sha: String,
    /// Base branch name.
    pub base: String,
    pub draft: bool,
    /// `open` or `closed`.
    pub state: String,
    /// Login of the author.
    pub user: String,
}

/// A commit the fake holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitInfo {
    pub sha: String,
    pub message: String,
    pub tree: String,
    pub parents: Vec<String>,
    pub author_name: String,
    pub author_email: String,
}
