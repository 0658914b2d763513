//! `generate_bicep` and `validate_bicep` through the protocol, with the
//! official resource type data from ../shared/contracts/bicep-types.

use serde_json::json;

use crate::common::{call, configured_client};

fn prod_spec() -> serde_json::Value {
    json!({
        "app_name": "shop",
        "workload": "django",
        "database": { "kind": "postgresql-flexible" },
        "networking": { "mode": "private" },
        "monitoring": { "alert_emails": ["ops@example.com"] },
        "tags": { "owner": "platform-team", "cost_center": "cc-1234", "data_classification": "confidential", "compliance": "gdpr" },
        "environments": [{ "name": "prod" }]
    })
}

#[tokio::test]
async fn generates_a_validated_set_writes_it_and_validates_it_again() {
    let (dir, mut client) = configured_client().await;
    let out = call(
        &mut client,
        "generate_bicep",
        json!({ "spec": prod_spec(), "write": true }),
    )
    .await
    .unwrap();
    assert_eq!(out["validation"]["errors"], 0, "{}", out["validation"]);
    assert!(
        out["validation"]["type_data"].is_string(),
        "type data was not loaded"
    );
    let files = out["files"].as_array().unwrap();
    assert!(
        files
            .iter()
            .any(|f| f["path"].as_str().unwrap().ends_with("main.bicep"))
    );
    assert!(
        files
            .iter()
            .all(|f| f["sha256"].as_str().unwrap().len() == 64)
    );
    assert!(
        out["written"]
            .as_array()
            .unwrap()
            .iter()
            .all(|w| w["change"] == "created")
    );
    assert!(dir.path().join("infrastructure/bicep/main.bicep").is_file());

    let report = call(
        &mut client,
        "validate_bicep",
        json!({ "path": "infrastructure/bicep" }),
    )
    .await
    .unwrap();
    assert_eq!(report["errors"], 0, "{report}");
    assert!(report["files"].as_u64().unwrap() >= 3);

    // Edits are not overwritten silently; nothing is written.
    let main = dir.path().join("infrastructure/bicep/main.bicep");
    std::fs::write(&main, "// hand edited\n").unwrap();
    let error = call(
        &mut client,
        "generate_bicep",
        json!({ "spec": prod_spec(), "write": true }),
    )
    .await
    .unwrap_err();
    assert!(error.contains("overwrite"), "{error}");
    assert_eq!(std::fs::read_to_string(&main).unwrap(), "// hand edited\n");
}

#[tokio::test]
async fn bad_specs_name_the_field_and_what_is_allowed() {
    let (_dir, mut client) = configured_client().await;
    let cases = [
        (
            json!({ "app_name": "shop", "workload": "django", "region": "atlantis" }),
            "region",
        ),
        (
            json!({ "app_name": "shop", "workload": "cobol" }),
            "workload",
        ),
        (
            json!({ "app_name": "Shop_App!", "workload": "django" }),
            "app_name",
        ),
        (
            json!({ "app_name": "shop", "workload": "django", "networking": { "mode": "private" },
                 "environments": [{ "name": "dev", "sku": "F1" }] }),
            "sku",
        ),
    ];
    for (spec, field) in cases {
        let error = call(
            &mut client,
            "generate_bicep",
            json!({ "spec": spec.clone() }),
        )
        .await
        .unwrap_err();
        assert!(error.contains(field), "{spec}: {error}");
    }
}

#[tokio::test]
async fn planted_problems_are_reported_at_their_lines() {
    let (_dir, mut client) = configured_client().await;
    let bicep = "param location string = resourceGroup().location\n\nresource site 'Microsoft.Web/sites@2025-03-01' = {\n  name: 'app-demo'\n  location: location\n  properties: {\n    httpsOnly: false\n    siteConfig: {\n      minTlsVersion: '1.0'\n    }\n  }\n}\n";
    let report = call(&mut client, "validate_bicep", json!({ "content": bicep }))
        .await
        .unwrap();
    let lines: Vec<u64> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|d| d["line"].as_u64())
        .collect();
    assert!(lines.contains(&7), "httpsOnly false on line 7: {report}");
    assert!(lines.contains(&9), "TLS 1.0 on line 9: {report}");
}
