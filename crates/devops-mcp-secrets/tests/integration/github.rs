//! GitHub Actions secrets through octocrab against the contract-checking fake.

use std::time::{Duration, Instant};

use devops_mcp_secrets::github::{GithubOptions, GithubScope, GithubStore, OrgVisibility};
use devops_mcp_secrets::{SecretValue, SecretsError};

use crate::common;
use crate::fake_github::{FakeGithub, TOKEN};

fn client(fake: &FakeGithub, token: &str) -> GithubStore {
    GithubStore::new(
        &SecretValue::new(token.to_owned()),
        GithubOptions {
            api_url: Some(fake.url.clone()),
            max_rate_limit_wait: Duration::from_secs(5),
            timeout: Duration::from_secs(10),
        },
    )
    .expect("client")
}

fn repo(name: &str) -> GithubScope {
    GithubScope::Repository {
        owner: "octo".to_owned(),
        repo: name.to_owned(),
    }
}

fn texts_of_error(error: &SecretsError) -> Vec<String> {
    vec![error.to_string(), format!("{error:?}")]
}

#[tokio::test]
async fn sets_repository_environment_and_org_secrets() {
    common::capture_logs();
    let fake = FakeGithub::start().await;
    let github = client(&fake, TOKEN);
    let canary = common::canary();
    let value = SecretValue::new(canary.clone());

    // Repository: created, then replaced.
    let created = github
        .set(&repo("app"), "db_password", &value)
        .await
        .expect("repo secret");
    assert_eq!(created.name, "DB_PASSWORD");
    assert!(created.created);
    assert_eq!(created.workflow_reference, "${{ secrets.DB_PASSWORD }}");
    assert!(created.updated_at.is_some() && created.created_at.is_some());
    let stored = fake.stored("repo:octo/app", "DB_PASSWORD").expect("stored");
    assert_eq!(
        stored.plaintext, canary,
        "PyNaCl must open the sealed box to the value"
    );
    let second_value = SecretValue::new(format!("{canary}-2"));
    let replaced = github
        .set(&repo("app"), "DB_PASSWORD", &second_value)
        .await
        .expect("replace");
    assert!(!replaced.created);
    assert_eq!(replaced.created_at, created.created_at);
    assert_ne!(replaced.updated_at, created.updated_at);
    assert_eq!(
        fake.stored("repo:octo/app", "DB_PASSWORD")
            .expect("stored")
            .plaintext,
        format!("{canary}-2")
    );

    // Environment.
    let environment = GithubScope::Environment {
        owner: "octo".to_owned(),
        repo: "app".to_owned(),
        environment: "production".to_owned(),
    };
    let env_result = github
        .set(&environment, "DEPLOY_KEY", &value)
        .await
        .expect("environment secret");
    assert_eq!(env_result.scope, environment);
    assert_eq!(
        fake.stored("env:octo/app/production", "DEPLOY_KEY")
            .expect("env")
            .plaintext,
        canary
    );

    // Organisation, visible to selected repositories.
    let org = GithubScope::Organization {
        org: "octo-org".to_owned(),
        visibility: OrgVisibility::Selected,
        selected_repository_ids: vec![1296269, 1296270],
    };
    let org_result = github
        .set(&org, "NPM_TOKEN", &value)
        .await
        .expect("org secret");
    assert!(org_result.created);
    let stored = fake.stored("org:octo-org", "NPM_TOKEN").expect("org");
    assert_eq!(stored.plaintext, canary);
    assert_eq!(stored.visibility.as_deref(), Some("selected"));
    assert_eq!(stored.selected_repository_ids, Some(vec![1296269, 1296270]));

    // Listing, existence, deletion.
    let listed = github.list(&repo("app")).await.expect("list");
    assert_eq!(
        listed.iter().map(|s| s.name.as_str()).collect::<Vec<_>>(),
        vec!["DB_PASSWORD"]
    );
    let org_listed = github.list(&org).await.expect("org list");
    assert_eq!(org_listed[0].visibility.as_deref(), Some("selected"));
    assert!(
        github
            .exists(&repo("app"), "DB_PASSWORD")
            .await
            .expect("exists")
    );
    assert!(!github.exists(&repo("app"), "NOPE").await.expect("absent"));
    github
        .delete(&repo("app"), "DB_PASSWORD")
        .await
        .expect("delete");
    assert!(
        !github
            .exists(&repo("app"), "DB_PASSWORD")
            .await
            .expect("deleted")
    );
    let error = github
        .delete(&repo("app"), "DB_PASSWORD")
        .await
        .expect_err("delete twice");
    assert_eq!(error.kind(), "secret_not_found");

    // The wire carried only ciphertext, and nothing leaked anywhere.
    let results = vec![
        format!("{created:?}"),
        serde_json::to_string(&created).expect("json"),
        format!("{replaced:?}{env_result:?}{org_result:?}{listed:?}"),
        fake.requests().join("\n"),
    ];
    common::assert_no_leak(&canary, &results);
    assert_eq!(fake.violations(), Vec::<String>::new());
}

#[tokio::test]
async fn errors_are_typed_and_clear() {
    common::capture_logs();
    let fake = FakeGithub::start().await;
    let github = client(&fake, TOKEN);
    let canary = common::canary();
    let value = SecretValue::new(canary.clone());
    let mut texts = Vec::new();

    let error = github
        .set(&repo("missing"), "A", &value)
        .await
        .expect_err("404");
    assert_eq!(error.kind(), "github_not_found");
    assert!(
        error.to_string().contains("repository octo/missing"),
        "{error}"
    );
    texts.extend(texts_of_error(&error));

    let error = github
        .set(&repo("locked"), "A", &value)
        .await
        .expect_err("403");
    assert_eq!(error.kind(), "github_forbidden");
    assert!(error.to_string().contains("Secrets: write"), "{error}");
    texts.extend(texts_of_error(&error));

    let error = client(&fake, "wrong-token")
        .set(&repo("app"), "A", &value)
        .await
        .expect_err("401");
    assert_eq!(error.kind(), "github_unauthorized");
    texts.extend(texts_of_error(&error));

    let error = github
        .set(&repo("rotating"), "A", &value)
        .await
        .expect_err("422");
    assert_eq!(error.kind(), "github_validation");
    assert!(error.to_string().contains("key_id"), "{error}");
    texts.extend(texts_of_error(&error));

    let error = github
        .set(&repo("app"), "GITHUB_TOKEN", &value)
        .await
        .expect_err("bad name");
    assert_eq!(error.kind(), "invalid_name");
    texts.extend(texts_of_error(&error));

    let environment = GithubScope::Environment {
        owner: "octo".to_owned(),
        repo: "app".to_owned(),
        environment: "staging".to_owned(),
    };
    let error = github
        .set(&environment, "A", &value)
        .await
        .expect_err("unknown environment");
    assert_eq!(error.kind(), "github_not_found");
    texts.extend(texts_of_error(&error));

    // Nothing was stored by any failed call.
    assert!(fake.stored("repo:octo/rotating", "A").is_none());
    assert!(fake.stored("repo:octo/app", "A").is_none());
    common::assert_no_leak(&canary, &texts);
    assert_eq!(fake.violations(), Vec::<String>::new());
}

#[tokio::test]
async fn rate_limits_are_retried_once_after_the_delay() {
    common::capture_logs();
    let fake = FakeGithub::start().await;
    let github = client(&fake, TOKEN);
    let value = SecretValue::new(common::canary());

    // 429 + Retry-After: 1 on the first request, then fine.
    let started = Instant::now();
    let result = github
        .set(&repo("busy"), "TOKEN_A", &value)
        .await
        .expect("after one retry");
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "the client did not wait"
    );
    assert!(result.created);
    let key_requests = fake
        .requests()
        .iter()
        .filter(|r| r.as_str() == "GET /repos/octo/busy/actions/secrets/public-key")
        .count();
    assert_eq!(key_requests, 2, "{:?}", fake.requests());

    // 403 secondary rate limit every time: one retry, then a typed error.
    let started = Instant::now();
    let error = github
        .set(&repo("throttled"), "TOKEN_A", &value)
        .await
        .expect_err("throttled");
    assert!(started.elapsed() >= Duration::from_secs(1));
    assert_eq!(error.kind(), "github_rate_limited");
    let throttled_requests = fake
        .requests()
        .iter()
        .filter(|r| r.contains("/octo/throttled/"))
        .count();
    assert_eq!(throttled_requests, 2, "exactly one retry");

    // A wait longer than the configured maximum fails at once.
    let impatient = GithubStore::new(
        &SecretValue::new(TOKEN.to_owned()),
        GithubOptions {
            api_url: Some(fake.url.clone()),
            max_rate_limit_wait: Duration::from_millis(100),
            timeout: Duration::from_secs(10),
        },
    )
    .expect("client");
    let started = Instant::now();
    let error = impatient
        .set(&repo("throttled"), "TOKEN_A", &value)
        .await
        .expect_err("no wait");
    assert_eq!(error.kind(), "github_rate_limited");
    assert!(started.elapsed() < Duration::from_secs(1));
    assert_eq!(fake.violations(), Vec::<String>::new());
}

/// The fake's checks can fail: a request that breaks the contract is
/// recorded, and a response missing a required field does not validate.
#[tokio::test]
async fn the_fake_enforces_the_contract() {
    let fake = FakeGithub::start().await;
    let response = reqwest::Client::new()
        .put(format!("{}/repos/octo/app/actions/secrets/X", fake.url))
        .header("authorization", format!("Bearer {TOKEN}"))
        .header("content-type", "application/json")
        .body(r#"{"encrypted_value": "not base64!"}"#)
        .send()
        .await
        .expect("request");
    assert_eq!(response.status().as_u16(), 422);
    let violations = fake.violations().join("\n");
    assert!(violations.contains("key_id"), "{violations}");
    assert!(
        violations.contains("encrypted_value") || violations.contains("does not match"),
        "{violations}"
    );
    assert!(violations.contains("X-GitHub-Api-Version"), "{violations}");

    let schema = serde_json::json!({ "$ref": "#/components/schemas/actions-secret" });
    assert!(crate::fake_github::validate(&schema, &serde_json::json!({ "name": "X" })).is_err());
    assert!(
        crate::fake_github::validate(
            &schema,
            &serde_json::json!({ "name": "X", "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z" })
        )
        .is_ok()
    );
}
