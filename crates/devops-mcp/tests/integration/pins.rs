//! `devops-mcp pins update` and `pins show` end to end: the real binary,
//! configured through `devops-mcp.toml` to talk to the local fake GitHub
//! (which holds every request and response to GitHub's OpenAPI
//! description), with the token in `GITHUB_TOKEN`.

use std::path::{Path, PathBuf};
use std::process::Output;

use devops_mcp_fake_github::{FakeGithub, Release, Repository, TagKind, Token};
use devops_mcp_github::pins::PinTable;

use crate::common;

const TOKEN: &str = "ghp_pins";
const NEW: &str = "v99.1.0";

/// A fake where every repository of the bundled table has released `NEW`
/// (an annotated tag), except `skip`; returns it with the expected commit
/// per lower-case repository.
async fn fake(skip: Option<&str>) -> (FakeGithub, Vec<(String, String)>) {
    let path = FakeGithub::description_path(&common::tools_dir().join("node/node_modules"));
    assert!(
        path.is_file(),
        "GitHub's OpenAPI description is missing at {}; run `bash tests/setup.sh`",
        path.display()
    );
    let fake = FakeGithub::start(path).await.unwrap();
    fake.add_token(TOKEN, Token::classic("octo", &[]));
    let mut released = Vec::new();
    for pin in PinTable::bundled().unwrap().iter() {
        let repository = pin.repository().to_ascii_lowercase();
        if Some(repository.as_str()) == skip || released.iter().any(|(r, _)| *r == repository) {
            continue;
        }
        let (owner, name) = repository.split_once('/').unwrap();
        fake.add_repository(owner, name, Repository::new());
        let commit = fake
            .commit_file(owner, name, "main", "action.yml", "runs: {}\n")
            .unwrap();
        fake.create_tag(owner, name, NEW, &commit, TagKind::annotated(NEW))
            .unwrap();
        fake.add_release(owner, name, Release::new(NEW));
        released.push((repository, commit));
    }
    (fake, released)
}

/// A workspace whose `devops-mcp.toml` points GitHub at the fake and the
/// lock table into the temporary folder.
fn workspace(fake: &FakeGithub) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let pins = dir.path().join("data/action-pins.toml");
    std::fs::write(
        dir.path().join("devops-mcp.toml"),
        format!(
            "[backends.github]\napi_url = {:?}\npins_file = {:?}\n",
            fake.url(),
            pins.display().to_string()
        ),
    )
    .unwrap();
    (dir, pins)
}

/// Run the binary in `dir` with only `token` (if any) in the environment
/// besides PATH and a private HOME.
async fn devops_mcp(dir: &Path, token: Option<&str>, args: &[&str]) -> Output {
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_devops-mcp"));
    command
        .args(["--workspace", dir.to_str().unwrap()])
        .args(args)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", dir.join("home"))
        .current_dir(dir);
    if let Some(token) = token {
        command.env("GITHUB_TOKEN", token);
    }
    command.output().await.unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[tokio::test]
async fn pins_update_dry_run_then_write_and_generation_uses_the_new_shas() {
    let (fake, released) = fake(None).await;
    let (dir, pins) = workspace(&fake);

    let dry = devops_mcp(dir.path(), Some(TOKEN), &["pins", "update", "--dry-run"]).await;
    let stdout = text(&dry.stdout);
    assert!(dry.status.success(), "{stdout}\n{}", text(&dry.stderr));
    assert!(
        stdout.starts_with("Major updates (read the release notes"),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!(
            "  actions/checkout: v7.0.1 -> {NEW} (3d3c42e5aac5 -> "
        )),
        "{stdout}"
    );
    assert!(stdout.contains("dry run: nothing written"), "{stdout}");
    assert!(!pins.exists(), "a dry run writes nothing");

    let write = devops_mcp(dir.path(), Some(TOKEN), &["pins", "update"]).await;
    let stdout = text(&write.stdout);
    assert!(write.status.success(), "{stdout}\n{}", text(&write.stderr));
    assert!(
        stdout.contains(&format!("to {}", pins.display())),
        "{stdout}"
    );
    let written = PinTable::read_file(&pins).unwrap().expect("the lock table");
    let bundled = PinTable::bundled().unwrap();
    assert_eq!(written.header(), bundled.header(), "header kept");
    assert_eq!(written.len(), bundled.len());
    for pin in written.iter() {
        let want = released
            .iter()
            .find(|(r, _)| *r == pin.repository().to_ascii_lowercase())
            .map(|(_, sha)| sha.as_str());
        assert_eq!(Some(pin.sha.as_str()), want, "{}", pin.action);
        assert_eq!(pin.version, NEW);
        assert!(
            pin.source.starts_with("GitHub API: releases/latest"),
            "{}",
            pin.source
        );
    }

    let show = devops_mcp(dir.path(), None, &["pins", "show", "--json"]).await;
    assert!(show.status.success(), "{}", text(&show.stderr));
    let shown: serde_json::Value = serde_json::from_slice(&show.stdout).unwrap();
    assert_eq!(shown["table"]["source"], "file");
    assert_eq!(shown["table"]["file"], pins.display().to_string());
    assert_eq!(shown["table"]["from_file"], bundled.len());

    // create_workflow, called through the binary, pins from the user's table.
    let spec = serde_json::json!({
        "spec": {
            "kinds": ["ci", "deploy"],
            "stack": "python-django",
            "deploy_target": "azure-webapp",
            "environments": [
                { "name": "staging" },
                { "name": "production", "production": true, "reviewers": ["octo-org/release-managers"] }
            ],
        }
    });
    let call = devops_mcp(
        dir.path(),
        None,
        &["call", "create_workflow", "--args", &spec.to_string()],
    )
    .await;
    assert!(
        call.status.success(),
        "{}\n{}",
        text(&call.stdout),
        text(&call.stderr)
    );
    // `call` prints the structured result of a successful call.
    let output: serde_json::Value = serde_json::from_slice(&call.stdout).unwrap();
    assert_eq!(output["pins"]["source"], "file", "{output}");
    assert_eq!(output["pins"]["file"], pins.display().to_string());
    let uses: Vec<String> = output["files"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["content"].as_str())
        .flat_map(str::lines)
        .filter_map(|l| l.split_once("uses: ").map(|(_, u)| u.to_owned()))
        .collect();
    assert!(uses.len() >= 4, "{uses:?}");
    for value in uses {
        let (action, rest) = value.split_once('@').unwrap();
        let repository = action.split('/').take(2).collect::<Vec<_>>().join("/");
        let want = released
            .iter()
            .find(|(r, _)| *r == repository.to_ascii_lowercase())
            .map(|(_, sha)| format!("{sha} # {NEW}"));
        assert_eq!(Some(rest.to_owned()), want, "{value}");
    }
    fake.assert_contract_clean();
}

#[tokio::test]
async fn pins_update_without_a_valid_token_writes_nothing_and_says_why() {
    let (fake, _) = fake(None).await;
    let (dir, pins) = workspace(&fake);

    let missing = devops_mcp(dir.path(), None, &["pins", "update"]).await;
    assert!(!missing.status.success());
    let stderr = text(&missing.stderr);
    assert!(stderr.contains("set GITHUB_TOKEN or GH_TOKEN"), "{stderr}");

    let revoked = devops_mcp(dir.path(), Some("ghp_revoked"), &["pins", "update"]).await;
    assert!(!revoked.status.success());
    let stderr = text(&revoked.stderr);
    assert!(
        stderr.contains("pins update stopped; nothing was written"),
        "{stderr}"
    );
    assert!(
        stderr.contains("GitHub rejected the token (401 Bad credentials)"),
        "{stderr}"
    );
    assert!(!pins.exists());
    fake.assert_contract_clean();
}

#[tokio::test]
async fn pins_update_keeps_an_action_it_cannot_refresh_and_exits_with_failure() {
    let (fake, _) = fake(Some("slackapi/slack-github-action")).await;
    let (dir, pins) = workspace(&fake);
    let out = dir.path().join("elsewhere/action-pins.toml");

    let run = devops_mcp(
        dir.path(),
        Some(TOKEN),
        &["pins", "update", "--out", out.to_str().unwrap(), "--json"],
    )
    .await;
    assert_eq!(run.status.code(), Some(1), "{}", text(&run.stderr));
    let report: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
    assert_eq!(report["written"], true);
    let slack = report["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["action"] == "slackapi/slack-github-action")
        .unwrap();
    assert_eq!(slack["status"], "not_refreshed");
    assert!(
        slack["note"]
            .as_str()
            .unwrap()
            .contains("repository `slackapi/slack-github-action` of action `slackapi/slack-github-action` was not found")
    );
    let written = PinTable::read_file(&out).unwrap().unwrap();
    let bundled = PinTable::bundled().unwrap();
    assert_eq!(
        written.get("slackapi/slack-github-action"),
        bundled.get("slackapi/slack-github-action"),
        "the old pin is kept as it was"
    );
    assert_eq!(written.get("actions/checkout").unwrap().version, NEW);
    assert!(!pins.exists(), "--out writes only there");
    fake.assert_contract_clean();
}
