//! Key Vault through the real Azure SDK client against the HTTPS fake.

use std::sync::Arc;
use std::time::{Duration, Instant};

use azure_core::credentials::TokenCredential;
use azure_core::http::{ExponentialRetryOptions, RetryOptions};
use devops_mcp_secrets::{
    KeyVaultOptions, KeyVaultStore, SecretProperties, SecretValue, SecretsError,
};

use crate::common;
use crate::fake_keyvault::{FakeCredential, FakeKeyVault, TokenMode};

fn store(fake: &FakeKeyVault, vault: &str, credential: Arc<dyn TokenCredential>) -> KeyVaultStore {
    KeyVaultStore::new(
        &fake.url(vault),
        credential,
        KeyVaultOptions {
            transport: Some(fake.transport()),
            retry: Some(RetryOptions::none()),
            ..KeyVaultOptions::default()
        },
    )
    .expect("store")
}

fn texts(error: &SecretsError) -> Vec<String> {
    vec![error.to_string(), format!("{error:?}")]
}

#[tokio::test]
async fn set_list_get_delete_with_the_bearer_challenge() {
    common::capture_logs();
    let fake = FakeKeyVault::start().await;
    let credential = FakeCredential::new(TokenMode::Valid);
    let vault = store(&fake, "myvault", credential.clone());
    let canary = common::canary();
    let value = SecretValue::new(canary.clone());
    let properties = SecretProperties {
        content_type: Some("text/plain".to_owned()),
        tags: [("env".to_owned(), "prod".to_owned())].into(),
        enabled: Some(true),
        expires: Some("2030-01-31T00:00:00Z".to_owned()),
        not_before: Some("2026-01-01T00:00:00Z".to_owned()),
    }
    .validate()
    .expect("properties");

    let set = vault
        .set("db-password", &value, &properties)
        .await
        .expect("set");
    assert_eq!(set.name, "db-password");
    assert_eq!(set.version.len(), 32);
    assert_eq!(
        set.id,
        format!("{}secrets/db-password/{}", fake.url("myvault"), set.version)
    );
    assert_eq!(
        set.app_service_reference,
        format!(
            "@Microsoft.KeyVault(SecretUri={}secrets/db-password/)",
            fake.url("myvault")
        )
    );
    assert_eq!(
        set.app_service_reference_pinned,
        format!(
            "@Microsoft.KeyVault(SecretUri={}secrets/db-password/{})",
            fake.url("myvault"),
            set.version
        )
    );
    assert_eq!(set.properties.content_type.as_deref(), Some("text/plain"));
    assert_eq!(
        set.properties.expires.as_deref(),
        Some("2030-01-31T00:00:00Z")
    );
    assert_eq!(
        set.properties.tags.get("env").map(String::as_str),
        Some("prod")
    );

    // The service received the value and the attributes as unix times.
    let stored = fake.versions("myvault", "db-password");
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].value, canary);
    assert_eq!(stored[0].attributes["exp"], 1_896_048_000);
    assert_eq!(stored[0].attributes["nbf"], 1_767_225_600);
    assert_eq!(stored[0].content_type.as_deref(), Some("text/plain"));

    // The challenge: the first request went without token and without body,
    // got 401, and was retried with both.
    let seen = fake.seen();
    assert!(
        !seen[0].authorized && seen[0].body_len == 0,
        "{:?}",
        seen[0]
    );
    assert!(seen[1].authorized && seen[1].body_len > 0, "{:?}", seen[1]);
    assert_eq!(seen[0].path_and_query, seen[1].path_and_query);
    assert_eq!(
        (seen[0].method.as_str(), seen[0].host.as_str()),
        ("PUT", "myvault.vault.azure.net")
    );
    assert!(seen[1].path_and_query.contains("api-version=2025-07-01"));
    assert_eq!(
        credential
            .requests
            .lock()
            .expect("requests")
            .first()
            .map(String::as_str),
        Some("https://vault.azure.net/.default")
    );

    // A new version keeps the old one.
    let second = vault
        .set(
            "db-password",
            &SecretValue::new(format!("{canary}-2")),
            &properties,
        )
        .await
        .expect("second version");
    assert_ne!(second.version, set.version);
    assert_eq!(
        vault.versions("db-password").await.expect("versions").len(),
        2
    );

    // Listing follows nextLink (the fake pages two at a time).
    for name in ["a-one", "a-two", "a-three"] {
        vault
            .set(name, &value, &properties)
            .await
            .expect("more secrets");
    }
    let mut names: Vec<String> = vault
        .list()
        .await
        .expect("list")
        .into_iter()
        .map(|s| s.name)
        .collect();
    names.sort();
    assert_eq!(names, ["a-one", "a-three", "a-two", "db-password"]);
    assert!(
        fake.seen()
            .iter()
            .any(|s| common::percent_decode(&s.path_and_query).contains("$skiptoken=2"))
    );

    // get (for copy) returns the value; the current one and a pinned one.
    let (current, info) = vault.get("db-password", None).await.expect("get");
    assert_eq!(current.expose(), format!("{canary}-2"));
    assert_eq!(info.version.as_deref(), Some(second.version.as_str()));
    assert!(
        fake.seen()
            .iter()
            .any(|s| s.path_and_query.starts_with("/secrets/db-password/?"))
    );
    let (old, _) = vault
        .get("db-password", Some(&set.version))
        .await
        .expect("get version");
    assert_eq!(old.expose(), canary);

    assert!(vault.exists("db-password").await.expect("exists"));
    assert!(!vault.exists("nope").await.expect("absent"));
    vault.delete("db-password").await.expect("delete");
    let error = vault.get("db-password", None).await.expect_err("deleted");
    assert_eq!(error.kind(), "secret_not_found");

    let results = vec![
        format!("{set:?}{second:?}{info:?}"),
        serde_json::to_string(&set).expect("json"),
        texts(&error).join(" "),
    ];
    common::assert_no_leak(&canary, &results);
    assert_eq!(fake.violations(), Vec::<String>::new());
}

#[tokio::test]
async fn bad_input_and_refusals_are_typed_errors() {
    common::capture_logs();
    let fake = FakeKeyVault::start().await;
    let canary = common::canary();
    let value = SecretValue::new(canary.clone());
    let enabled = SecretProperties::default().validate().expect("properties");
    let mut all = Vec::new();

    // Vault not found: the name does not resolve.
    let missing = store(&fake, "missingvault", FakeCredential::new(TokenMode::Valid));
    let error = missing
        .set("a", &value, &enabled)
        .await
        .expect_err("no vault");
    assert_eq!(error.kind(), "vault_not_found", "{error}");
    assert!(error.to_string().contains("missingvault"), "{error}");
    all.extend(texts(&error));

    // 403: the role to assign is named.
    let locked = store(&fake, "lockedvault", FakeCredential::new(TokenMode::Valid));
    let error = locked
        .set("a", &value, &enabled)
        .await
        .expect_err("forbidden");
    assert_eq!(error.kind(), "key_vault_forbidden");
    assert!(
        error.to_string().contains("Key Vault Secrets Officer"),
        "{error}"
    );
    all.extend(texts(&error));
    let error = locked.list().await.expect_err("forbidden list");
    assert!(error.to_string().contains("Key Vault Reader"), "{error}");

    // The sign-in has expired: no token at all.
    let signed_out = store(&fake, "myvault", FakeCredential::new(TokenMode::Fails));
    let error = signed_out
        .set("a", &value, &enabled)
        .await
        .expect_err("no token");
    assert_eq!(error.kind(), "azure_credential");
    assert!(error.to_string().contains("az login"), "{error}");
    all.extend(texts(&error));

    // An expired token: the vault rejects it.
    let expired = store(&fake, "myvault", FakeCredential::new(TokenMode::Expired));
    let error = expired
        .set("a", &value, &enabled)
        .await
        .expect_err("expired token");
    assert_eq!(error.kind(), "key_vault_unauthorized");
    assert!(error.to_string().contains("expired"), "{error}");
    all.extend(texts(&error));

    // 429 with retries off: the wait is in the error.
    let busy = store(&fake, "busyvault", FakeCredential::new(TokenMode::Valid));
    let error = busy
        .set("a", &value, &enabled)
        .await
        .expect_err("throttled");
    assert_eq!(error.kind(), "key_vault_throttled");
    assert!(
        matches!(
            error,
            SecretsError::KeyVaultThrottled {
                retry_after_secs: 1,
                ..
            }
        ),
        "{error:?}"
    );
    all.extend(texts(&error));

    // Names and vaults are checked before any request.
    let vault = store(&fake, "myvault", FakeCredential::new(TokenMode::Valid));
    let before = fake.seen().len();
    let error = vault
        .set("db_password", &value, &enabled)
        .await
        .expect_err("bad name");
    assert_eq!(error.kind(), "invalid_name");
    assert!(
        error.to_string().contains("^[0-9A-Za-z-]{1,127}$"),
        "{error}"
    );
    assert_eq!(fake.seen().len(), before, "no request for a bad name");
    let error = KeyVaultStore::new(
        "http://myvault.vault.azure.net",
        FakeCredential::new(TokenMode::Valid),
        KeyVaultOptions::default(),
    )
    .expect_err("http vault");
    assert_eq!(error.kind(), "invalid_vault");

    // Nothing was stored by any of them.
    for vault in ["myvault", "lockedvault", "busyvault"] {
        assert!(fake.versions(vault, "a").is_empty(), "{vault}");
    }
    common::assert_no_leak(&canary, &all);
    assert_eq!(fake.violations(), Vec::<String>::new());
}

#[tokio::test]
async fn the_sdk_retry_honours_retry_after() {
    common::capture_logs();
    let fake = FakeKeyVault::start().await;
    let vault = KeyVaultStore::new(
        &fake.url("busyvault"),
        FakeCredential::new(TokenMode::Valid),
        KeyVaultOptions {
            transport: Some(fake.transport()),
            retry: Some(RetryOptions::exponential(ExponentialRetryOptions {
                max_retries: 1,
                max_total_elapsed: time::Duration::seconds(10),
                ..ExponentialRetryOptions::default()
            })),
            ..KeyVaultOptions::default()
        },
    )
    .expect("store");
    let started = Instant::now();
    let set = vault
        .set(
            "after-wait",
            &SecretValue::new(common::canary()),
            &SecretProperties::default().validate().expect("p"),
        )
        .await
        .expect("retried after Retry-After");
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "the SDK did not wait for Retry-After"
    );
    assert_eq!(set.name, "after-wait");
    assert_eq!(fake.violations(), Vec::<String>::new());
}

/// The fake's checks can fail: a body with a read-only property and a
/// wrong api-version are recorded as violations.
#[tokio::test]
async fn the_fake_enforces_the_contract() {
    let schema = serde_json::json!({ "$ref": "#/definitions/SecretSetParameters" });
    let with_read_only = serde_json::json!({ "value": "x", "attributes": { "created": 1 } });
    assert!(crate::fake_keyvault::validate(&schema, &with_read_only, true).is_err());
    assert!(
        crate::fake_keyvault::validate(&schema, &serde_json::json!({ "value": "x" }), true).is_ok()
    );
    assert!(
        crate::fake_keyvault::validate(&schema, &serde_json::json!({ "tags": {} }), true).is_err()
    );

    let fake = FakeKeyVault::start().await;
    let vault = KeyVaultStore::new(
        &fake.url("myvault"),
        FakeCredential::new(TokenMode::Valid),
        KeyVaultOptions {
            transport: Some(fake.transport()),
            retry: Some(RetryOptions::none()),
            api_version: Some("7.4".to_owned()),
            ..KeyVaultOptions::default()
        },
    )
    .expect("store");
    let _ = vault.list().await;
    let violations = fake.violations().join("\n");
    assert!(
        violations.contains("api-version must be 2025-07-01"),
        "{violations}"
    );
}
