//! Shared test helpers.

use std::path::{Path, PathBuf};

use devops_mcp::DevopsServer;
use devops_mcp::client::LocalClient;
use devops_mcp::config::{Config, Overrides};

/// The repository root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A server on a fresh temporary workspace, with `overrides` applied.
pub fn server(overrides: Overrides) -> (tempfile::TempDir, DevopsServer) {
    let dir = tempfile::tempdir().unwrap();
    let config = Config::load(Overrides {
        workspace: Some(dir.path().to_path_buf()),
        ..overrides
    })
    .unwrap();
    (dir, DevopsServer::new(config).unwrap())
}

/// A connected in-process client.
pub async fn client(overrides: Overrides) -> (tempfile::TempDir, LocalClient) {
    let (dir, server) = server(overrides);
    (dir, LocalClient::connect(server).await.unwrap())
}

/// The shared contracts folder (`../shared/contracts` beside the repository).
pub fn contracts() -> PathBuf {
    repo_root().join("../shared/contracts")
}

/// The tools dir the test command installs into.
pub fn tools_dir() -> PathBuf {
    std::env::var_os("DEVOPS_MCP_TOOLS")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join(".tools"))
}

/// A client on a workspace whose `devops-mcp.toml` points the backends at
/// the shared contracts and the installed tools, as a configured user's would.
pub async fn configured_client() -> (tempfile::TempDir, LocalClient) {
    let dir = tempfile::tempdir().unwrap();
    let config = format!(
        "tools_dir = {:?}\n[backends]\nworkflow_schema = {:?}\nbicep_types_dir = {:?}\n[backends.secrets]\nlocal_store_dir = {:?}\n",
        tools_dir().display().to_string(),
        contracts()
            .join("github-workflow/github-workflow.schema.json")
            .display()
            .to_string(),
        contracts().join("bicep-types").display().to_string(),
        dir.path().join(".secrets-store").display().to_string(),
    );
    std::fs::write(dir.path().join("devops-mcp.toml"), config).unwrap();
    let config = Config::load(Overrides {
        workspace: Some(dir.path().to_path_buf()),
        ..Overrides::default()
    })
    .unwrap();
    let server = DevopsServer::new(config).unwrap();
    (dir, LocalClient::connect(server).await.unwrap())
}

/// Call a tool; `Ok(structuredContent)` or `Err(error text)` for a tool error.
pub async fn call(
    client: &mut LocalClient,
    tool: &str,
    arguments: serde_json::Value,
) -> Result<serde_json::Value, String> {
    let result = client
        .request(
            "tools/call",
            serde_json::json!({ "name": tool, "arguments": arguments }),
        )
        .await
        .map_err(|e| format!("protocol error: {e}"))?;
    if result["isError"] == true {
        return Err(result["content"][0]["text"]
            .as_str()
            .unwrap_or_default()
            .to_owned());
    }
    Ok(result["structuredContent"].clone())
}
