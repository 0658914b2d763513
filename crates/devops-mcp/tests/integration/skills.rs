//! The skill library as an agent sees it: loaded through the server, with
//! the Agent Skills front matter rules, working relative links, and
//! SKILL.md files small enough for progressive disclosure.

use std::collections::BTreeSet;

use devops_mcp::config::Overrides;
use regex::Regex;
use serde_json::{Value, json};

use crate::common::client;

/// The skills issue 3 requires.
const REQUIRED: &[&str] = &[
    "azure-cost-optimization",
    "azure-resource-patterns",
    "cicd-automation",
    "database-migrations",
    "disaster-recovery",
    "infrastructure-as-code",
    "observability",
    "secrets-detection",
    "secure-coding",
];

/// SKILL.md stays an overview; details belong in references/.
const MAX_SKILL_MD_BYTES: usize = 24 * 1024;

async fn read_text(
    client: &mut devops_mcp::client::LocalClient,
    uri: &str,
) -> Result<String, String> {
    let result = client
        .request("resources/read", json!({ "uri": uri }))
        .await
        .map_err(|e| e.to_string())?;
    result["contents"][0]["text"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| format!("{uri} has no text"))
}

#[tokio::test]
async fn every_skill_follows_the_format_and_its_links_resolve() {
    let (_dir, mut client) = client(Overrides::default()).await;
    let listed = client.request("skills/list", json!({})).await.unwrap();
    let skills = listed["skills"].as_array().unwrap().clone();
    let names: BTreeSet<&str> = skills
        .iter()
        .map(|skill| skill["frontmatter"]["name"].as_str().unwrap())
        .collect();
    for required in REQUIRED {
        assert!(names.contains(required), "missing skill {required}");
    }
    let name_rule = Regex::new(r"^[a-z0-9]+(-[a-z0-9]+)*$").unwrap();
    let link = Regex::new(r"\]\(([^)#\s]+)(#[^)]*)?\)").unwrap();
    for skill in &skills {
        let uri = skill["uri"].as_str().unwrap();
        let name = skill["frontmatter"]["name"].as_str().unwrap();
        assert!(
            name_rule.is_match(name) && name.len() <= 64,
            "bad name {name}"
        );
        assert_eq!(
            uri,
            format!("skill://{name}/SKILL.md"),
            "name must equal the folder"
        );
        let description = skill["frontmatter"]["description"].as_str().unwrap();
        assert!(
            (40..=1024).contains(&description.len()),
            "{name}: description must say what and when, within 1024 characters"
        );
        let text = read_text(&mut client, uri).await.unwrap();
        assert!(
            text.len() <= MAX_SKILL_MD_BYTES,
            "{name}: SKILL.md is {} bytes; move details to references/",
            text.len()
        );
        let files: Vec<Value> = skill["resources"].as_array().cloned().unwrap_or_default();
        let mut checked = vec![(uri.to_owned(), text)];
        for file in &files {
            let file_uri = file["uri"].as_str().unwrap();
            if file_uri.ends_with(".md") && file_uri != uri {
                let text = read_text(&mut client, file_uri).await.unwrap();
                checked.push((file_uri.to_owned(), text));
            }
        }
        for (from, text) in &checked {
            for caps in link.captures_iter(text) {
                let target = &caps[1];
                if target.contains("://") || target.starts_with("mailto:") {
                    continue;
                }
                let base = from.rsplit_once('/').map(|(dir, _)| dir).unwrap_or(from);
                let mut parts: Vec<&str> = base.split('/').collect();
                for segment in target.split('/') {
                    match segment {
                        "." | "" => {}
                        ".." => {
                            parts.pop();
                        }
                        other => parts.push(other),
                    }
                }
                let resolved = parts.join("/");
                assert!(
                    resolved.starts_with(&format!("skill://{name}/")),
                    "{from}: link {target} leaves the skill"
                );
                let exists = files.iter().any(|f| f["uri"] == resolved.as_str());
                assert!(exists, "{from}: broken link {target} ({resolved})");
            }
        }
    }
}

#[tokio::test]
async fn skills_are_also_plain_resources() {
    let (_dir, mut client) = client(Overrides::default()).await;
    let listed = client.request("skills/list", json!({})).await.unwrap();
    let resources = client.request("resources/list", json!({})).await.unwrap();
    for skill in listed["skills"].as_array().unwrap() {
        let uri = &skill["uri"];
        assert!(
            resources["resources"]
                .as_array()
                .unwrap()
                .iter()
                .any(|r| &r["uri"] == uri),
            "{uri} not in resources/list"
        );
    }
}

#[tokio::test]
async fn a_skills_dir_overrides_an_embedded_skill() {
    let extra = tempfile::tempdir().unwrap();
    let dir = extra.path().join("observability");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("SKILL.md"),
        "---\nname: observability\ndescription: Local override used by the test suite to check precedence.\n---\nOverride.\n",
    )
    .unwrap();
    let (_dir, mut client) = client(Overrides {
        skills_dirs: vec![extra.path().to_path_buf()],
        ..Overrides::default()
    })
    .await;
    let text = read_text(&mut client, "skill://observability/SKILL.md")
        .await
        .unwrap();
    assert!(text.contains("Override."), "{text}");
}

#[tokio::test]
async fn unknown_resource_is_resource_not_found_with_the_uri() {
    let (_dir, mut client) = client(Overrides::default()).await;
    let error = client
        .request("resources/read", json!({ "uri": "skill://nope/SKILL.md" }))
        .await
        .unwrap_err()
        .to_string();
    assert!(error.contains("skill://nope/SKILL.md"), "{error}");
}
