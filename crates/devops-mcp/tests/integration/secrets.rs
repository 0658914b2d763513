//! `set_secret` and `list_secrets` through the protocol, on the local store,
//! with canary values that must never come back.

use serde_json::json;

use crate::common::{call, configured_client};

const CANARY: &str = "canary-9d41f2-do-not-leak";

#[tokio::test]
async fn values_move_from_source_to_store_and_never_come_back() {
    let (dir, mut client) = configured_client().await;
    std::fs::write(
        dir.path().join(".env"),
        format!("DB_PASSWORD={CANARY}\nOTHER=1\n"),
    )
    .unwrap();

    let generated = call(
        &mut client,
        "set_secret",
        json!({ "name": "django-secret-key", "source": { "kind": "generate", "format": "django-secret-key" } }),
    )
    .await
    .unwrap();
    assert_eq!(generated["exposed_to_model"], false, "{generated}");

    let from_file = call(
        &mut client,
        "set_secret",
        json!({ "name": "db-password", "source": { "kind": "file", "path": ".env", "key": "DB_PASSWORD" } }),
    )
    .await
    .unwrap();
    assert!(!from_file.to_string().contains(CANARY), "{from_file}");

    let listed = call(&mut client, "list_secrets", json!({})).await.unwrap();
    let names: Vec<&str> = listed["secrets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"db-password") && names.contains(&"django-secret-key"),
        "{listed}"
    );
    assert!(!listed.to_string().contains(CANARY));

    // An existing secret is not replaced without consent (this client cannot be asked).
    let error = call(
        &mut client,
        "set_secret",
        json!({ "name": "db-password", "source": { "kind": "generate" } }),
    )
    .await
    .unwrap_err();
    assert!(error.contains("overwrite: true"), "{error}");
    let replaced = call(
        &mut client,
        "set_secret",
        json!({ "name": "db-password", "source": { "kind": "generate" }, "overwrite": true }),
    )
    .await
    .unwrap();
    assert_eq!(replaced["replaced"], true, "{replaced}");

    // The audit trail records every operation, never the value.
    let audit =
        std::fs::read_to_string(dir.path().join(".secrets-store/secret_audit.jsonl")).unwrap();
    assert!(audit.lines().count() >= 4, "{audit}");
    assert!(!audit.contains(CANARY));
}

#[tokio::test]
async fn bad_input_gets_clear_errors_and_stores_nothing() {
    let (dir, mut client) = configured_client().await;
    let cases = [
        (
            json!({ "name": "bad name!", "source": { "kind": "generate" } }),
            "name",
        ),
        (
            json!({ "name": "x", "source": { "kind": "env", "name": "DEVOPS_MCP_TEST_SURELY_UNSET" } }),
            "DEVOPS_MCP_TEST_SURELY_UNSET",
        ),
        (
            json!({ "name": "x", "source": { "kind": "file", "path": "missing.env" } }),
            "missing.env",
        ),
        (
            json!({ "name": "x", "source": { "kind": "file", "path": "../outside.env" } }),
            "workspace",
        ),
        (
            json!({ "name": "x", "source": { "kind": "value", "value": CANARY } }),
            "literal",
        ),
        (
            json!({ "name": "x", "target": { "store": "floppy" }, "source": { "kind": "generate" } }),
            "target",
        ),
        (
            json!({ "name": "x", "source": { "kind": "prompt" } }),
            "elicitation",
        ),
    ];
    for (arguments, expected) in cases {
        let error = call(&mut client, "set_secret", arguments.clone())
            .await
            .unwrap_err();
        assert!(
            error.to_lowercase().contains(&expected.to_lowercase()),
            "{arguments}: {error}"
        );
        assert!(!error.contains(CANARY), "canary in error: {error}");
    }
    let listed = call(&mut client, "list_secrets", json!({})).await.unwrap();
    assert!(listed["secrets"].as_array().unwrap().is_empty(), "{listed}");
    let _ = dir;
}
