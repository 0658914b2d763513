//! The fake's in-memory state behind one lock: what tests programmed and
//! what clients changed, plus the request log and contract violations.

use std::collections::{BTreeMap, HashMap};

use crate::git::{Commit, Flat, Kind, MODE_FILE, Person, Store};
use crate::model::{
    BranchProtection, Organization, PullRequest, RateLimit, RecordedRequest, Release, Repository,
    Role, Ruleset, SecretsKey, StoredSecret, Token, lower,
};

pub(crate) struct RepoState {
    pub id: u64,
    /// Display spellings; lookups use lower case.
    pub owner: String,
    pub name: String,
    pub settings: Repository,
    pub store: Store,
    /// Full ref name (`refs/heads/main`) to commit id.
    pub refs: BTreeMap<String, String>,
    /// Classic protection rules by branch name pattern.
    pub protections: Vec<(String, BranchProtection)>,
    pub rulesets: Vec<Ruleset>,
    pub pulls: Vec<PullRequest>,
    /// Releases in creation order.
    pub releases: Vec<ReleaseState>,
    pub secrets: BTreeMap<String, StoredSecret>,
    pub environment_secrets: BTreeMap<String, BTreeMap<String, StoredSecret>>,
    pub key: Option<SecretsKey>,
    pub environment_keys: HashMap<String, SecretsKey>,
    pub created_at: String,
}

impl RepoState {
    pub(crate) fn branch_sha(&self, branch: &str) -> Option<&String> {
        self.refs.get(&format!("refs/heads/{branch}"))
    }

    /// The classic protection covering `branch`, if any.
    pub(crate) fn protection(&self, branch: &str) -> Option<BranchProtection> {
        self.protections
            .iter()
            .find(|(pattern, _)| glob(pattern, branch))
            .map(|(_, protection)| *protection)
    }

    /// Rulesets whose conditions include `branch`.
    pub(crate) fn rulesets_for(&self, branch: &str) -> Vec<&Ruleset> {
        let matches = |pattern: &String| match pattern.as_str() {
            "~ALL" => true,
            "~DEFAULT_BRANCH" => branch == self.settings.default_branch,
            other => other
                .strip_prefix("refs/heads/")
                .is_some_and(|glob_pattern| glob(glob_pattern, branch)),
        };
        self.rulesets
            .iter()
            .filter(|set| set.include.iter().any(matches) && !set.exclude.iter().any(matches))
            .collect()
    }
}

/// A release as the fake holds it.
pub(crate) struct ReleaseState {
    pub id: u64,
    pub settings: Release,
    /// Creation time; each release is a second after the one before, so
    /// "most recent" is well defined however fast a test runs.
    pub created_at: i64,
}

pub(crate) struct OrgState {
    pub id: u64,
    pub settings: Organization,
    pub secrets: BTreeMap<String, StoredSecret>,
    pub key: Option<SecretsKey>,
}

/// A rate-limit answer waiting to be given.
pub(crate) struct PendingLimit {
    pub limit: RateLimit,
    /// Only requests to this operation, or any when `None`.
    pub operation: Option<String>,
    pub remaining: usize,
}

pub(crate) struct State {
    pub repos: BTreeMap<(String, String), RepoState>,
    pub orgs: BTreeMap<String, OrgState>,
    pub tokens: HashMap<String, Token>,
    pub limits: Vec<PendingLimit>,
    /// Largest page any list endpoint returns (GitHub: 100).
    pub max_page_size: usize,
    pub default_key: SecretsKey,
    /// Where `html_url`s point.
    pub html_base: String,
    pub next_id: u64,
    pub requests: Vec<RecordedRequest>,
    pub violations: Vec<String>,
    /// Requests served per token, for `x-ratelimit-used`.
    pub used: HashMap<String, u64>,
}

impl Default for State {
    fn default() -> Self {
        Self {
            repos: BTreeMap::new(),
            orgs: BTreeMap::new(),
            tokens: HashMap::new(),
            limits: Vec::new(),
            max_page_size: 100,
            default_key: SecretsKey::default(),
            html_base: "https://github.com".into(),
            next_id: 1000,
            requests: Vec::new(),
            violations: Vec::new(),
            used: HashMap::new(),
        }
    }
}

impl State {
    pub(crate) fn id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    pub(crate) fn add_repository(&mut self, owner: &str, name: &str, settings: Repository) {
        let id = self.id();
        let mut repo = RepoState {
            id,
            owner: owner.into(),
            name: name.into(),
            store: Store::default(),
            refs: BTreeMap::new(),
            protections: Vec::new(),
            rulesets: Vec::new(),
            pulls: Vec::new(),
            releases: Vec::new(),
            secrets: BTreeMap::new(),
            environment_secrets: BTreeMap::new(),
            key: None,
            environment_keys: HashMap::new(),
            created_at: now_rfc3339(),
            settings,
        };
        if !repo.settings.files.is_empty() {
            let mut flat = Flat::new();
            for (path, content) in &repo.settings.files {
                let sha = repo.store.put_blob(content.clone().into_bytes());
                flat.insert(path.clone(), (MODE_FILE.into(), Kind::Blob, sha));
            }
            let tree = repo.store.build(&flat);
            let person = Person {
                name: owner.into(),
                email: format!("{owner}@users.noreply.github.com"),
                time: now_unix(),
            };
            let commit = repo.store.put_commit(Commit {
                tree,
                parents: Vec::new(),
                message: "Initial commit".into(),
                author: person.clone(),
                committer: person,
            });
            let branch = format!("refs/heads/{}", repo.settings.default_branch);
            repo.refs.insert(branch, commit);
        }
        self.repos.insert((lower(owner), lower(name)), repo);
    }

    pub(crate) fn repo(&self, owner: &str, name: &str) -> Option<&RepoState> {
        self.repos.get(&(lower(owner), lower(name)))
    }

    pub(crate) fn repo_mut(&mut self, owner: &str, name: &str) -> Option<&mut RepoState> {
        self.repos.get_mut(&(lower(owner), lower(name)))
    }

    pub(crate) fn org(&self, login: &str) -> Option<&OrgState> {
        self.orgs.get(&lower(login))
    }

    /// The role `login` has on a repository (`None`: no access beyond what
    /// public visibility gives).
    pub(crate) fn role(&self, repo: &RepoState, login: &str) -> Option<Role> {
        let mut role = repo.settings.collaborators.get(login).copied();
        let owner_org = self.org(&repo.owner);
        match owner_org {
            Some(org) => {
                if org.settings.admins.contains(login) {
                    role = Some(Role::Admin);
                } else if org.settings.members.contains(login) {
                    role = role.max(Some(Role::Read));
                }
            }
            None => {
                if lower(login) == lower(&repo.owner) {
                    role = Some(Role::Admin);
                }
            }
        }
        role
    }
}

/// Branch-name patterns as GitHub matches them (`fnmatch` with
/// `FNM_PATHNAME`): `*` and `?` stop at `/`, `**` crosses it.
pub(crate) fn glob(pattern: &str, text: &str) -> bool {
    let p = pattern.as_bytes();
    let t = text.as_bytes();
    glob_from(p, t)
}

fn glob_from(p: &[u8], t: &[u8]) -> bool {
    match p.first() {
        None => t.is_empty(),
        Some(b'*') if p.get(1) == Some(&b'*') => {
            let rest = &p[2..];
            (0..=t.len()).any(|i| glob_from(rest, &t[i..]))
        }
        Some(b'*') => {
            let rest = &p[1..];
            for i in 0..=t.len() {
                if glob_from(rest, &t[i..]) {
                    return true;
                }
                if t.get(i) == Some(&b'/') {
                    break;
                }
            }
            false
        }
        Some(b'?') => t.first().is_some_and(|c| *c != b'/') && glob_from(&p[1..], &t[1..]),
        Some(c) => t.first() == Some(c) && glob_from(&p[1..], &t[1..]),
    }
}

pub(crate) fn now_unix() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

pub(crate) fn rfc3339(unix: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| "1970-01-01T00:00:00Z".into())
}

pub(crate) fn now_rfc3339() -> String {
    rfc3339(now_unix())
}

#[cfg(test)]
mod tests {
    use super::glob;

    #[test]
    fn branch_patterns() {
        assert!(glob("main", "main"));
        assert!(glob("release/*", "release/1.0"));
        assert!(!glob("release/*", "release/1.0/hotfix"));
        assert!(glob("release/**", "release/1.0/hotfix"));
        assert!(glob("*", "feature"));
        assert!(!glob("*", "feature/x"));
        assert!(glob("devops-mcp/*", "devops-mcp/workflows"));
        assert!(!glob("main", "main2"));
    }
}
