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
