//! `run_semgrep` through the protocol, with the real semgrep.

use std::path::Path;

use serde_json::json;

use crate::common::{call, configured_client, repo_root};

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

#[tokio::test]
async fn finds_planted_issues_and_passes_the_clean_twin() {
    let (dir, mut client) = configured_client().await;
    let fixtures = repo_root().join("tests/fixtures/scan");
    copy_tree(
        &fixtures.join("vulnerable-app"),
        &dir.path().join("vulnerable"),
    );
    copy_tree(&fixtures.join("clean-app"), &dir.path().join("clean"));

    let report = call(&mut client, "run_semgrep", json!({ "path": "vulnerable" }))
        .await
        .unwrap();
    assert_eq!(report["verdict"], "fail", "{report}");
    let findings = report["findings"].as_array().unwrap();
    assert!(findings.len() >= 20, "only {} findings", findings.len());
    let manifest: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(fixtures.join("vulnerable-app.manifest.json")).unwrap(),
    )
    .unwrap();
    let text = report.to_string();
    for canary in manifest["canaries"].as_array().into_iter().flatten() {
        let canary = canary.as_str().unwrap_or_default();
        assert!(
            !canary.is_empty() && !text.contains(canary),
            "canary leaked: {canary}"
        );
    }

    let clean = call(&mut client, "run_semgrep", json!({ "path": "clean" }))
        .await
        .unwrap();
    assert_eq!(clean["verdict"], "pass", "{clean}");
    assert!(clean["findings"].as_array().unwrap().is_empty());

    let error = call(&mut client, "run_semgrep", json!({ "path": "../outside" }))
        .await
        .unwrap_err();
    assert!(error.contains("workspace"), "{error}");
    let error = call(&mut client, "run_semgrep", json!({ "rules": "p/default" }))
        .await
        .unwrap_err();
    assert!(
        error.contains("offline") || error.contains("registry"),
        "{error}"
    );
}
