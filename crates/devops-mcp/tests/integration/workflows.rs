//! `create_workflow` and `validate_workflow` through the protocol, with the
//! real schema and, as installed by the test command, actionlint and zizmor.

use serde_json::json;

use crate::common::{call, configured_client};

fn django_spec() -> serde_json::Value {
    json!({
        "kinds": ["ci", "deploy", "database-migration", "infrastructure"],
        "stack": "python-django",
        "deploy_target": "azure-webapp",
        "environments": [
            { "name": "staging" },
            { "name": "production", "production": true, "reviewers": ["octo-org/release-managers"] }
        ],
        "database": { "engine": "postgres" }
    })
}

#[tokio::test]
async fn generated_workflows_pass_every_checker_and_are_written_once() {
    let (dir, mut client) = configured_client().await;
    let out = call(
        &mut client,
        "create_workflow",
        json!({ "spec": django_spec(), "write": true }),
    )
    .await
    .unwrap();
    let checkers = out["validation"]["checkers"].as_array().unwrap();
    for name in ["schema", "actionlint", "zizmor"] {
        let ran = checkers
            .iter()
            .any(|c| c["name"].as_str().unwrap_or_default().contains(name) && c["ran"] == true);
        assert!(ran, "{name} did not run: {checkers:?}");
    }
    assert!(
        out["validation"]["findings"].as_array().unwrap().is_empty(),
        "{}",
        out["validation"]
    );
    let written = out["written"].as_array().unwrap();
    assert!(written.iter().all(|w| w["change"] == "created"));
    assert!(dir.path().join(".github/workflows").is_dir());
    assert!(dir.path().join("docs/cicd-pipeline.md").is_file());

    // Same spec again: nothing changes.
    let again = call(
        &mut client,
        "create_workflow",
        json!({ "spec": django_spec(), "write": true }),
    )
    .await
    .unwrap();
    assert!(
        again["written"]
            .as_array()
            .unwrap()
            .iter()
            .all(|w| w["change"] == "unchanged")
    );

    // A user's edit is never overwritten silently, and nothing is half-written.
    let ci = written[0]["path"].as_str().unwrap().to_owned();
    std::fs::write(dir.path().join(&ci), "# my own edits\n").unwrap();
    let error = call(
        &mut client,
        "create_workflow",
        json!({ "spec": django_spec(), "write": true }),
    )
    .await
    .unwrap_err();
    assert!(error.contains("overwrite"), "{error}");
    assert_eq!(
        std::fs::read_to_string(dir.path().join(&ci)).unwrap(),
        "# my own edits\n"
    );
}

#[tokio::test]
async fn bad_specs_get_errors_that_name_the_field() {
    let (_dir, mut client) = configured_client().await;
    let error = call(
        &mut client,
        "create_workflow",
        json!({ "spec": { "kinds": ["ci"], "stack": "cobol" } }),
    )
    .await
    .unwrap_err();
    assert!(
        error.contains("stack") && error.contains("python-django"),
        "{error}"
    );
    let error = call(
        &mut client,
        "create_workflow",
        json!({ "spec": { "kinds": ["security-scan"], "stack": "node", "schedule": "99 * * * *" } }),
    )
    .await
    .unwrap_err();
    assert!(error.contains("schedule"), "{error}");
}

#[tokio::test]
async fn validate_workflow_reports_planted_problems_with_lines() {
    let (_dir, mut client) = configured_client().await;
    let bad = "name: bad\non: [push, pull_request_target]\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - run: echo \"${{ github.event.pull_request.title }}\"\n";
    let out = call(&mut client, "validate_workflow", json!({ "content": bad }))
        .await
        .unwrap();
    assert_eq!(out["valid"], false);
    let findings = out["report"]["findings"].as_array().unwrap();
    let lines: Vec<u64> = findings.iter().filter_map(|f| f["line"].as_u64()).collect();
    assert!(
        lines.contains(&7),
        "unpinned checkout on line 7: {findings:?}"
    );
    assert!(
        lines.contains(&8),
        "template injection on line 8: {findings:?}"
    );
    let error = call(
        &mut client,
        "validate_workflow",
        json!({ "path": "../etc" }),
    )
    .await
    .unwrap_err();
    assert!(error.contains("leaves the workspace"), "{error}");
    let error = call(&mut client, "validate_workflow", json!({}))
        .await
        .unwrap_err();
    assert!(error.contains("exactly one"), "{error}");
}
