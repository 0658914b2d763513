//! Refreshing the action pin lock table from the GitHub API, against the
//! local fake GitHub that holds every request and response to GitHub's
//! official OpenAPI description. Every test ends with zero contract
//! violations.

use std::time::Duration;

use devops_mcp_fake_github::{FakeGithub, RateLimit, Release, Repository, TagKind, Token};
use devops_mcp_github::pins::update::{
    MajorPolicy, PinStatus, PinUpdate, UpdateError, UpdateOptions, client, update,
};
use devops_mcp_github::pins::{Pin, PinTable};

const TOKEN: &str = "ghp_no_scopes";
const TODAY: &str = "2027-01-15";
const HEADER: &str = "# Test lock table.\n#\n# Kept across refreshes.";

/// A fake with a token that has no scopes at all: reading public
/// repositories needs none.
async fn fake() -> FakeGithub {
    let fake = FakeGithub::start(FakeGithub::installed_description())
        .await
        .expect("fake GitHub");
    fake.add_token(TOKEN, Token::classic("octo", &[]));
    fake
}

/// A commit on `main` of `owner/repo` tagged `tag` (annotated or not),
/// optionally released; returns the commit.
fn tag(fake: &FakeGithub, repo: &str, tag: &str, annotated: bool) -> String {
    let (owner, name) = repo.split_once('/').expect("owner/repo");
    let commit = fake
        .commit_file(owner, name, "main", "VERSION", &format!("{tag}\n"))
        .expect("commit");
    let kind = if annotated {
        TagKind::annotated(&format!("Release {tag}"))
    } else {
        TagKind::Lightweight
    };
    fake.create_tag(owner, name, tag, &commit, kind)
        .expect("tag");
    commit
}

fn release(fake: &FakeGithub, repo: &str, tag_name: &str, annotated: bool) -> String {
    let commit = tag(fake, repo, tag_name, annotated);
    let (owner, name) = repo.split_once('/').expect("owner/repo");
    fake.add_release(owner, name, Release::new(tag_name));
    commit
}

fn repo(fake: &FakeGithub, repo: &str) {
    let (owner, name) = repo.split_once('/').expect("owner/repo");
    fake.add_repository(owner, name, Repository::new());
}

fn pin(action: &str, version: &str, sha: &str) -> Pin {
    Pin {
        action: action.into(),
        version: version.into(),
        sha: sha.into(),
        source: "git rev-parse in a snapshot".into(),
        checked: "2026-11-29".into(),
    }
}

fn options() -> UpdateOptions {
    UpdateOptions::new(TODAY)
}

async fn run(fake: &FakeGithub, table: &PinTable, options: &UpdateOptions) -> PinUpdate {
    let gh = client(TOKEN, Some(fake.url())).expect("client");
    update(&gh, table, options).await.expect("update")
}

fn change<'a>(
    update: &'a PinUpdate,
    action: &str,
) -> &'a devops_mcp_github::pins::update::PinChange {
    update
        .changes
        .iter()
        .find(|c| c.action == action)
        .unwrap_or_else(|| panic!("no change for {action}"))
}

fn operations(fake: &FakeGithub) -> Vec<String> {
    fake.requests()
        .into_iter()
        .map(|r| format!("{} {}", r.operation.unwrap_or_default(), r.path))
        .collect()
}

#[tokio::test]
async fn newest_stable_release_wins_over_a_newer_prerelease_and_annotated_tags_are_peeled() {
    let fake = fake().await;
    repo(&fake, "actions/checkout");
    let old = release(&fake, "actions/checkout", "v7.0.1", false);
    let stable = release(&fake, "actions/checkout", "v7.1.0", true);
    // Newer, but a pre-release: GitHub's releases/latest skips it.
    let rc = tag(&fake, "actions/checkout", "v8.0.0-rc.1", true);
    fake.add_release(
        "actions",
        "checkout",
        Release::new("v8.0.0-rc.1").prerelease(),
    );
    repo(&fake, "docker/login-action");
    let login_old = release(&fake, "docker/login-action", "v4.0.0", true);
    let login_new = release(&fake, "docker/login-action", "v4.0.1", false);

    let table = PinTable::new(
        HEADER,
        vec![
            pin("actions/checkout", "v7.0.1", &old),
            pin("docker/login-action", "v4.0.0", &login_old),
        ],
    )
    .expect("table");
    let result = run(&fake, &table, &options()).await;

    let checkout = result.table.get("actions/checkout").expect("pin");
    assert_eq!(
        (checkout.version.as_str(), checkout.sha.as_str()),
        ("v7.1.0", stable.as_str())
    );
    assert_ne!(checkout.sha, rc);
    assert_eq!(checkout.checked, TODAY);
    assert!(
        checkout.source.starts_with("GitHub API: releases/latest of github.com/actions/checkout is v7.1.0; refs/tags/v7.1.0 -> tag object "),
        "{}",
        checkout.source
    );
    assert!(
        checkout.source.ends_with(&format!(" -> commit {stable}")),
        "{}",
        checkout.source
    );
    // The annotated tag's object is not the commit: the updater peeled it.
    let object = checkout
        .source
        .split("tag object ")
        .nth(1)
        .and_then(|s| s.split(' ').next())
        .expect("tag object id");
    assert_ne!(object, stable);
    assert!(
        operations(&fake)
            .iter()
            .any(|op| op == &format!("git/get-tag /repos/actions/checkout/git/tags/{object}"))
    );

    let login = result.table.get("docker/login-action").expect("pin");
    assert_eq!(
        login.sha, login_new,
        "a lightweight tag names the commit itself"
    );
    assert!(
        login
            .source
            .ends_with(&format!("refs/tags/v4.0.1 -> commit {login_new}"))
    );

    assert_eq!(
        change(&result, "actions/checkout").status,
        PinStatus::Updated
    );
    assert_eq!(result.table.header(), HEADER);
    assert!(result.has_changes() && !result.needs_attention());
    fake.assert_contract_clean();
}

#[tokio::test]
async fn a_repository_with_only_tags_pins_its_highest_stable_version_tag_across_pages() {
    let fake = fake().await;
    repo(&fake, "dtolnay/tagged");
    let first = tag(&fake, "dtolnay/tagged", "v1.2.0", false);
    let nine = tag(&fake, "dtolnay/tagged", "v1.9.0", true);
    let ten = tag(&fake, "dtolnay/tagged", "v1.10.0", true);
    // Not versions, or not stable, or the moving major tag at the same commit.
    tag(&fake, "dtolnay/tagged", "v1.11.0-beta.1", false);
    tag(&fake, "dtolnay/tagged", "nightly", false);
    fake.create_tag("dtolnay", "tagged", "v1", &ten, TagKind::Lightweight);
    // Tiny pages so the listing spans several (`Link: rel="next"`).
    fake.set_max_page_size(2);

    let table = PinTable::new("", vec![pin("dtolnay/tagged", "v1.2.0", &first)]).expect("table");
    let result = run(&fake, &table, &options()).await;
    let pinned = result.table.get("dtolnay/tagged").expect("pin");
    assert_eq!(
        (pinned.version.as_str(), pinned.sha.as_str()),
        ("v1.10.0", ten.as_str()),
        "v1.10.0 is above v1.9.0 ({nine}), the beta and the moving v1"
    );
    assert!(
        pinned.source.contains("the highest version tag"),
        "{}",
        pinned.source
    );
    let pages = fake
        .requests()
        .iter()
        .filter(|r| r.operation.as_deref() == Some("repos/list-tags"))
        .count();
    assert_eq!(pages, 3, "6 tags in pages of 2");
    fake.assert_contract_clean();
}

#[tokio::test]
async fn a_release_whose_tag_is_not_a_version_falls_back_to_version_tags() {
    let fake = fake().await;
    repo(&fake, "github/codeql-action");
    let old = release(&fake, "github/codeql-action", "v4.36.2", true);
    let new = release(&fake, "github/codeql-action", "v4.37.0", true);
    // codeql-action publishes CodeQL bundles as releases of the same repository.
    tag(
        &fake,
        "github/codeql-action",
        "codeql-bundle-v2.99.0",
        false,
    );
    fake.add_release(
        "github",
        "codeql-action",
        Release::new("codeql-bundle-v2.99.0").latest(),
    );

    // Two sub-actions of one repository: looked up once, pinned the same.
    let table = PinTable::new(
        "",
        vec![
            pin("github/codeql-action/upload-sarif", "v4.36.2", &old),
            pin("github/codeql-action/analyze", "v4.36.2", &old),
        ],
    )
    .expect("table");
    let result = run(&fake, &table, &options()).await;
    for action in [
        "github/codeql-action/upload-sarif",
        "github/codeql-action/analyze",
    ] {
        let pinned = result.table.get(action).expect("pin");
        assert_eq!(
            (pinned.version.as_str(), pinned.sha.as_str()),
            ("v4.37.0", new.as_str())
        );
        assert!(
            pinned.source.contains("github.com/github/codeql-action "),
            "{}",
            pinned.source
        );
    }
    let ops = operations(&fake);
    let count = |prefix: &str| ops.iter().filter(|op| op.starts_with(prefix)).count();
    assert_eq!(
        count("repos/get-latest-release /repos/github/codeql-action/"),
        1,
        "{ops:#?}"
    );
    assert_eq!(
        count("repos/list-tags /repos/github/codeql-action/"),
        1,
        "{ops:#?}"
    );
    assert_eq!(
        count("git/get-ref /repos/github/codeql-action/git/ref/tags/v4.37.0"),
        1,
        "{ops:#?}"
    );
    assert!(
        ops.iter().all(|op| !op.contains("upload-sarif")),
        "{ops:#?}"
    );
    fake.assert_contract_clean();
}

#[tokio::test]
async fn major_updates_are_followed_and_reported_or_held() {
    let fake = fake().await;
    repo(&fake, "actions/setup-node");
    let v6 = release(&fake, "actions/setup-node", "v6.0.0", false);
    let v6_latest = release(&fake, "actions/setup-node", "v6.4.2", true);
    let v7 = release(&fake, "actions/setup-node", "v7.0.0", true);
    let table = PinTable::new("", vec![pin("actions/setup-node", "v6.0.0", &v6)]).expect("table");

    let followed = run(&fake, &table, &options()).await;
    let c = change(&followed, "actions/setup-node");
    assert_eq!(
        (c.status, c.new_version.as_str(), c.new_sha.as_str()),
        (PinStatus::MajorUpdate, "v7.0.0", v7.as_str())
    );
    let summary = followed.summary();
    assert!(
        summary.starts_with("Major updates (read the release notes for breaking changes before regenerating workflows):\n  actions/setup-node: v6.0.0 -> v7.0.0"),
        "{summary}"
    );

    let held = run(
        &fake,
        &table,
        &UpdateOptions {
            major: MajorPolicy::Hold,
            ..options()
        },
    )
    .await;
    let c = change(&held, "actions/setup-node");
    assert_eq!(
        (c.status, c.new_version.as_str(), c.new_sha.as_str()),
        (PinStatus::Updated, "v6.4.2", v6_latest.as_str())
    );
    let note = c.note.as_deref().unwrap_or_default();
    assert!(note.contains("v7.0.0 is available"), "{note}");
    assert!(held.summary().contains(note));
    fake.assert_contract_clean();
}

#[tokio::test]
async fn unchanged_pins_are_rechecked_and_moved_tags_and_older_latest_releases_are_not_followed() {
    let fake = fake().await;
    repo(&fake, "azure/login");
    let login = release(&fake, "azure/login", "v3.0.1", true);
    repo(&fake, "tj-actions/changed-files");
    let honest = release(&fake, "tj-actions/changed-files", "v46.0.1", false);
    // Someone moves the release tag to another commit.
    let evil = fake
        .commit_file(
            "tj-actions",
            "changed-files",
            "main",
            "index.js",
            "steal()\n",
        )
        .expect("commit");
    fake.create_tag(
        "tj-actions",
        "changed-files",
        "v46.0.1",
        &evil,
        TagKind::Lightweight,
    );
    repo(&fake, "docker/build-push-action");
    let newer = release(&fake, "docker/build-push-action", "v7.3.0", false);
    // A backport marked latest after the newer line.
    tag(&fake, "docker/build-push-action", "v6.18.1", false);
    fake.add_release(
        "docker",
        "build-push-action",
        Release::new("v6.18.1").latest(),
    );

    let table = PinTable::new(
        "",
        vec![
            pin("azure/login", "v3.0.1", &login),
            pin("tj-actions/changed-files", "v46.0.1", &honest),
            pin("docker/build-push-action", "v7.3.0", &newer),
        ],
    )
    .expect("table");
    let result = run(&fake, &table, &options()).await;

    let same = result.table.get("azure/login").expect("pin");
    assert_eq!(
        (same.sha.as_str(), same.checked.as_str()),
        (login.as_str(), TODAY)
    );
    assert_eq!(change(&result, "azure/login").status, PinStatus::Unchanged);

    let moved = change(&result, "tj-actions/changed-files");
    assert_eq!(moved.status, PinStatus::Retagged);
    assert_eq!(moved.new_sha, honest, "the old pin is kept");
    assert!(moved.note.as_deref().unwrap_or_default().contains(&evil));
    let kept = result.table.get("tj-actions/changed-files").expect("pin");
    assert_eq!(
        kept,
        table.get("tj-actions/changed-files").expect("pin"),
        "not even re-dated"
    );

    let not_down = change(&result, "docker/build-push-action");
    assert_eq!(
        (not_down.status, not_down.new_version.as_str()),
        (PinStatus::Unchanged, "v7.3.0")
    );
    assert!(
        not_down
            .note
            .as_deref()
            .unwrap_or_default()
            .contains("older than the pinned v7.3.0")
    );
    assert!(result.needs_attention() && !result.has_changes());
    let summary = result.summary();
    assert!(summary.contains("Moved tags"), "{summary}");
    assert!(
        summary.contains("Unchanged: 2 of 3 action(s), re-checked 2027-01-15."),
        "{summary}"
    );
    fake.assert_contract_clean();
}

#[tokio::test]
async fn one_broken_action_is_reported_and_keeps_its_pin_while_the_rest_refresh() {
    let fake = fake().await;
    repo(&fake, "actions/cache");
    let old = release(&fake, "actions/cache", "v5.0.5", false);
    let new = release(&fake, "actions/cache", "v5.1.0", false);
    repo(&fake, "someone/no-versions");
    tag(&fake, "someone/no-versions", "nightly", false);
    repo(&fake, "someone/tree-tag");
    let tree_commit = release(&fake, "someone/tree-tag", "v1.0.0", false);
    let tree = fake
        .commit("someone", "tree-tag", &tree_commit)
        .expect("commit")
        .tree;
    fake.create_tag(
        "someone",
        "tree-tag",
        "v2.0.0",
        &tree,
        TagKind::annotated("a tree"),
    );
    fake.add_release("someone", "tree-tag", Release::new("v2.0.0"));

    let gone = "0123456789abcdef0123456789abcdef01234567";
    let table = PinTable::new(
        "",
        vec![
            pin("actions/cache", "v5.0.5", &old),
            pin("renamed/gone-action", "v1.0.0", gone),
            pin("someone/no-versions", "v1", gone),
            pin("someone/tree-tag", "v1.0.0", &tree_commit),
        ],
    )
    .expect("table");
    let result = run(&fake, &table, &options()).await;
    assert_eq!(result.table.get("actions/cache").expect("pin").sha, new);

    let missing = change(&result, "renamed/gone-action");
    assert_eq!(missing.status, PinStatus::NotRefreshed);
    let note = missing.note.as_deref().unwrap_or_default();
    assert!(
        note.starts_with(
            "repository `renamed/gone-action` of action `renamed/gone-action` was not found"
        ),
        "{note}"
    );
    assert_eq!(
        result.table.get("renamed/gone-action"),
        table.get("renamed/gone-action"),
        "kept as it was"
    );
    let no_versions = change(&result, "someone/no-versions")
        .note
        .clone()
        .unwrap_or_default();
    assert!(
        no_versions.contains("has no stable release and no version tag"),
        "{no_versions}"
    );
    let not_commit = change(&result, "someone/tree-tag")
        .note
        .clone()
        .unwrap_or_default();
    assert!(
        not_commit.contains("tag `v2.0.0` points at a tree, not a commit"),
        "{not_commit}"
    );
    assert!(result.needs_attention());
    assert!(
        result
            .summary()
            .contains("Not refreshed (old pin kept):\n  renamed/gone-action: v1.0.0")
    );
    fake.assert_contract_clean();
}

#[tokio::test]
async fn a_bad_token_stops_the_run_naming_the_action() {
    let fake = fake().await;
    repo(&fake, "actions/checkout");
    let sha = release(&fake, "actions/checkout", "v7.0.1", false);
    let table = PinTable::new("", vec![pin("actions/checkout", "v7.0.1", &sha)]).expect("table");
    let gh = client("ghp_revoked", Some(fake.url())).expect("client");
    let error = update(&gh, &table, &options()).await.expect_err("401");
    assert!(
        matches!(error, UpdateError::BadCredentials { .. }),
        "{error:?}"
    );
    let message = error.to_string();
    assert!(message.contains("401 Bad credentials"), "{message}");
    assert!(message.contains("`actions/checkout`"), "{message}");
    assert_eq!(fake.requests().len(), 1, "stops at the first refusal");
    assert!(client("  ", Some(fake.url())).is_err());
    fake.assert_contract_clean();
}

#[tokio::test]
async fn short_rate_limits_are_waited_out_and_long_ones_stop_the_run() {
    let fake = fake().await;
    repo(&fake, "actions/checkout");
    let old = release(&fake, "actions/checkout", "v7.0.1", false);
    let new = release(&fake, "actions/checkout", "v7.0.2", false);
    let table = PinTable::new("", vec![pin("actions/checkout", "v7.0.1", &old)]).expect("table");

    fake.rate_limit_operation(
        "repos/get-latest-release",
        RateLimit::TooManyRequests {
            retry_after: Duration::from_secs(1),
        },
        1,
    );
    let started = std::time::Instant::now();
    let result = run(&fake, &table, &options()).await;
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "Retry-After honoured"
    );
    assert_eq!(result.table.get("actions/checkout").expect("pin").sha, new);

    fake.rate_limit_operation(
        "git/get-ref",
        RateLimit::Secondary {
            retry_after: Duration::from_secs(3600),
        },
        1,
    );
    let gh = client(TOKEN, Some(fake.url())).expect("client");
    let error = update(&gh, &table, &options()).await.expect_err("limited");
    match &error {
        UpdateError::RateLimited {
            action, seconds, ..
        } => {
            assert_eq!((action.as_str(), *seconds), ("actions/checkout", 3600));
        }
        other => panic!("expected RateLimited, got {other:?}"),
    }
    assert!(error.to_string().contains("retry after"), "{error}");
    fake.assert_contract_clean();
}

#[tokio::test]
async fn workflows_generated_after_an_update_use_the_new_shas() {
    let fake = fake().await;
    let bundled = PinTable::bundled().expect("bundled");
    // Every bundled action gets a newer release in the fake.
    let mut expected = Vec::new();
    for pinned in bundled.iter() {
        let repository = pinned.repository();
        let (owner, name) = repository.split_once('/').expect("owner/repo");
        if fake.branch(owner, name, "main").is_none() {
            repo(&fake, repository);
            let sha = release(&fake, repository, "v99.1.0", true);
            expected.push((repository.to_ascii_lowercase(), sha));
        }
    }
    let result = run(&fake, bundled, &options()).await;
    assert!(!result.needs_attention(), "{}", result.summary());
    assert!(
        result
            .changes
            .iter()
            .all(|c| c.status == PinStatus::MajorUpdate)
    );
    assert_eq!(result.table.header(), bundled.header());
    let reparsed = PinTable::parse(&result.table.to_toml()).expect("written table parses");
    assert_eq!(reparsed, result.table);

    let spec = devops_mcp_github::WorkflowSpec::from_json(&serde_json::json!({
        "kinds": ["ci", "security-scan"],
        "stack": "node",
    }))
    .expect("spec");
    let generated =
        devops_mcp_github::generate::generate_with_pins(&spec, &reparsed).expect("generate");
    let mut uses = 0;
    for file in generated.workflows() {
        for line in file.content.lines() {
            let Some((_, value)) = line.split_once("uses: ") else {
                continue;
            };
            let (action, rest) = value.split_once('@').expect("pinned");
            let (sha, version) = rest.split_once(" # ").expect("version comment");
            let repository = action.split('/').take(2).collect::<Vec<_>>().join("/");
            let want = expected
                .iter()
                .find(|(r, _)| *r == repository.to_ascii_lowercase())
                .map(|(_, sha)| sha.as_str());
            assert_eq!(Some(sha), want, "{line}");
            assert_eq!(version, "v99.1.0", "{line}");
            uses += 1;
        }
    }
    assert!(uses >= 3, "{uses}");
    fake.assert_contract_clean();
}
