//! The tool registry: names, annotations, filtering, and the generated
//! `tools.json` and README tool table (rewrite them with
//! `DEVOPS_MCP_UPDATE_GENERATED=1 cargo test -p devops-mcp`).

use devops_mcp::config::Overrides;
use devops_mcp::tools;
use serde_json::{Value, json};

use crate::common::{client, repo_root};

fn update_mode() -> bool {
    std::env::var_os("DEVOPS_MCP_UPDATE_GENERATED").is_some()
}

#[test]
fn every_module_registers_exactly_its_own_tool() {
    for entry in tools::ALL {
        let names: Vec<String> = (entry.router)()
            .list_all()
            .into_iter()
            .map(|tool| tool.name.to_string())
            .collect();
        assert_eq!(names, vec![entry.name.to_owned()], "module {}", entry.name);
    }
}

#[tokio::test]
async fn every_tool_carries_all_four_annotations_and_schemas() {
    let (_dir, mut client) = client(Overrides::default()).await;
    let listed = client.request("tools/list", json!({})).await.unwrap();
    let tools = listed["tools"].as_array().unwrap();
    assert_eq!(tools.len(), tools::ALL.len());
    for tool in tools {
        let name = tool["name"].as_str().unwrap();
        for hint in [
            "readOnlyHint",
            "destructiveHint",
            "idempotentHint",
            "openWorldHint",
        ] {
            assert!(
                tool["annotations"][hint].is_boolean(),
                "{name} lacks {hint}: {tool}"
            );
        }
        assert!(tool["inputSchema"]["type"] == "object", "{name}");
        assert!(
            tool["outputSchema"].is_object(),
            "{name} has no output schema"
        );
        let description = tool["description"].as_str().unwrap_or_default();
        assert!(
            description.len() > 40,
            "{name}: describe the tool for the agent"
        );
    }
}

#[tokio::test]
async fn tools_json_is_current() {
    let (_dir, mut client) = client(Overrides::default()).await;
    let listed = client.request("tools/list", json!({})).await.unwrap();
    let generated = serde_json::to_string_pretty(&listed).unwrap() + "\n";
    let path = repo_root().join("tools.json");
    if update_mode() {
        std::fs::write(&path, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "tools.json is stale: run `DEVOPS_MCP_UPDATE_GENERATED=1 cargo test -p devops-mcp` and commit it"
    );
}

#[tokio::test]
async fn readme_tool_table_is_current() {
    let (_dir, mut client) = client(Overrides::default()).await;
    let listed = client.request("tools/list", json!({})).await.unwrap();
    let mut table = String::from("| Tool | Access | What it does |\n|---|---|---|\n");
    for tool in listed["tools"].as_array().unwrap() {
        let access = match (
            tool["annotations"]["readOnlyHint"].as_bool(),
            tool["annotations"]["destructiveHint"].as_bool(),
        ) {
            (Some(true), _) => "read-only",
            (_, Some(true)) => "writes (may overwrite)",
            _ => "writes",
        };
        let summary = tool["description"]
            .as_str()
            .unwrap_or_default()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        let summary = summary
            .split(". ")
            .next()
            .unwrap_or_default()
            .trim_end_matches('.');
        table.push_str(&format!(
            "| `{}` | {access} | {summary}. |\n",
            tool["name"].as_str().unwrap()
        ));
    }
    let path = repo_root().join("README.md");
    let readme = std::fs::read_to_string(&path).unwrap();
    let (start, end) = ("<!-- tools:start -->\n", "<!-- tools:end -->");
    let from = readme.find(start).expect("README has <!-- tools:start -->") + start.len();
    let to = readme.find(end).expect("README has <!-- tools:end -->");
    if update_mode() {
        let updated = format!("{}{table}{}", &readme[..from], &readme[to..]);
        std::fs::write(&path, updated).unwrap();
        return;
    }
    assert!(
        readme[from..to] == table,
        "README tool table is stale: run `DEVOPS_MCP_UPDATE_GENERATED=1 cargo test -p devops-mcp`"
    );
}

#[tokio::test]
async fn hidden_tools_are_not_listed_and_calls_are_refused_with_the_reason() {
    let (_dir, mut client) = client(Overrides {
        exclude_tools: Some(vec!["doctor".into()]),
        ..Overrides::default()
    })
    .await;
    let listed = client.request("tools/list", json!({})).await.unwrap();
    assert!(
        !listed["tools"]
            .as_array()
            .unwrap()
            .iter()
            .any(|tool| tool["name"] == "doctor")
    );
    let error = client
        .request("tools/call", json!({ "name": "doctor", "arguments": {} }))
        .await
        .unwrap_err()
        .to_string();
    assert!(error.contains("--exclude-tools"), "{error}");
}

#[tokio::test]
async fn read_only_mode_keeps_only_read_only_tools() {
    let (_dir, mut client) = client(Overrides {
        read_only: true,
        ..Overrides::default()
    })
    .await;
    let listed = client.request("tools/list", json!({})).await.unwrap();
    for tool in listed["tools"].as_array().unwrap() {
        assert_eq!(
            tool["annotations"]["readOnlyHint"],
            Value::Bool(true),
            "{tool}"
        );
    }
    for entry in tools::ALL {
        let read_only = (entry.router)()
            .get(entry.name)
            .and_then(|tool| tool.annotations.as_ref())
            .and_then(|a| a.read_only_hint)
            .unwrap_or(false);
        if !read_only {
            let error = client
                .request("tools/call", json!({ "name": entry.name, "arguments": {} }))
                .await
                .unwrap_err()
                .to_string();
            assert!(error.contains("read-only"), "{error}");
        }
    }
}

#[test]
fn unknown_names_in_filters_are_configuration_errors() {
    let dir = tempfile::tempdir().unwrap();
    let config = devops_mcp::config::Config::load(Overrides {
        workspace: Some(dir.path().to_path_buf()),
        toolsets: Some(vec!["azrue".into()]),
        ..Overrides::default()
    })
    .unwrap();
    let error = devops_mcp::DevopsServer::new(config)
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("azrue") && error.contains("azure"),
        "{error}"
    );
}

#[tokio::test]
async fn unknown_tool_is_a_protocol_error_naming_the_tool() {
    let (_dir, mut client) = client(Overrides::default()).await;
    let error = client
        .request(
            "tools/call",
            json!({ "name": "no_such_tool", "arguments": {} }),
        )
        .await
        .unwrap_err()
        .to_string();
    assert!(error.contains("no_such_tool"), "{error}");
}

#[test]
fn a_closed_output_pipe_ends_the_listing_quietly() {
    use std::io::Read;
    let workspace = tempfile::tempdir().unwrap();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_devops-mcp"))
        // Over 64 KiB, more than a pipe buffers, so a write meets the closed pipe.
        .args([
            "--workspace",
            workspace.path().to_str().unwrap(),
            "tools",
            "--json",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Read one byte, then close the pipe, as `devops-mcp tools --json | head -c1` does.
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0u8; 1];
    stdout.read_exact(&mut first).unwrap();
    drop(stdout);
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    let status = child.wait().unwrap();
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(status.success(), "{status:?}: {stderr}");
}
