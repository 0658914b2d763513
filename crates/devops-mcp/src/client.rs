//! A minimal in-process MCP client for the CLI (`devops-mcp call`, `tools
//! --json`): it drives the real server over an in-memory pipe with the same
//! JSON-RPC an agent sends, so the CLI sees exactly what an agent would.

use anyhow::{Context, bail};
use rmcp::ServiceExt;
use serde_json::{Value, json};
use tokio::io::{
    AsyncBufReadExt, AsyncWriteExt, BufReader, DuplexStream, Lines, ReadHalf, WriteHalf,
};

use crate::server::DevopsServer;

/// Protocol version the CLI speaks: the newest with an `initialize` handshake.
const PROTOCOL_VERSION: &str = "2025-11-25";

/// A connected in-process client.
pub struct LocalClient {
    writer: WriteHalf<DuplexStream>,
    reader: Lines<BufReader<ReadHalf<DuplexStream>>>,
    next_id: u64,
    _server: tokio::task::JoinHandle<()>,
}

impl LocalClient {
    /// Start `server` on an in-memory pipe and complete the handshake.
    pub async fn connect(server: DevopsServer) -> anyhow::Result<Self> {
        let (client_io, server_io) = tokio::io::duplex(1 << 20);
        let task = tokio::spawn(async move {
            match server.serve(server_io).await {
                Ok(running) => {
                    let _ = running.waiting().await;
                }
                Err(error) => tracing::error!(%error, "in-process server failed to start"),
            }
        });
        let (read, writer) = tokio::io::split(client_io);
        let mut client = Self {
            writer,
            reader: BufReader::new(read).lines(),
            next_id: 1,
            _server: task,
        };
        client
            .request(
                "initialize",
                json!({
                    "protocolVersion": PROTOCOL_VERSION,
                    "capabilities": {},
                    "clientInfo": { "name": "devops-mcp-cli", "version": env!("CARGO_PKG_VERSION") },
                }),
            )
            .await
            .context("initialize")?;
        client
            .send(&json!({ "jsonrpc": "2.0", "method": "notifications/initialized" }))
            .await?;
        Ok(client)
    }

    async fn send(&mut self, message: &Value) -> anyhow::Result<()> {
        let mut line = serde_json::to_vec(message)?;
        line.push(b'\n');
        self.writer.write_all(&line).await?;
        self.writer.flush().await?;
        Ok(())
    }

    /// Send a request and wait for its response; notifications in between
    /// (progress, logs) are logged to stderr through tracing.
    pub async fn request(&mut self, method: &str, params: Value) -> anyhow::Result<Value> {
        let id = self.next_id;
        self.next_id += 1;
        self.send(&json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }))
            .await?;
        while let Some(line) = self.reader.next_line().await? {
            let message: Value = serde_json::from_str(&line)?;
            if message.get("id") != Some(&json!(id)) {
                tracing::info!(message = %line, "notification");
                continue;
            }
            if let Some(error) = message.get("error") {
                bail!(
                    "{} (JSON-RPC error {})",
                    error
                        .get("message")
                        .and_then(Value::as_str)
                        .unwrap_or("error"),
                    error.get("code").unwrap_or(&Value::Null)
                );
            }
            return Ok(message.get("result").cloned().unwrap_or(Value::Null));
        }
        bail!("the server closed the connection before answering {method}")
    }
}
