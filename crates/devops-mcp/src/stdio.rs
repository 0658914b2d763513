//! The stdio transport: newline-delimited JSON-RPC on stdin/stdout.
//!
//! rmcp's own stdio transport drops a line that is not JSON without a word.
//! JSON-RPC 2.0 asks for a `-32700 Parse error` reply (with a null id), and an
//! IDE user debugging a broken client deserves one, so this transport reads
//! the lines itself, answers unparsable or oversized input, and hands every
//! well-formed message to rmcp through rmcp's Sink + Stream transport.

use futures::channel::mpsc;
use futures::{SinkExt, StreamExt};
use rmcp::model::{ClientJsonRpcMessage, ServerJsonRpcMessage};
use serde_json::json;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};

/// Longest accepted message line, in bytes.
pub const MAX_LINE_BYTES: usize = 16 * 1024 * 1024;
const QUEUE: usize = 64;

/// The two halves rmcp serves over, and the task that pumps the pipes.
pub struct StdioTransport {
    pub to_client: mpsc::Sender<ServerJsonRpcMessage>,
    pub from_client: mpsc::Receiver<ClientJsonRpcMessage>,
}

/// Start pumping `input` and `output`; serve rmcp on the returned halves.
pub fn start<R, W>(input: R, output: W) -> StdioTransport
where
    R: AsyncRead + Unpin + Send + 'static,
    W: AsyncWrite + Unpin + Send + 'static,
{
    let (to_client, mut outgoing) = mpsc::channel::<ServerJsonRpcMessage>(QUEUE);
    let (mut incoming, from_client) = mpsc::channel::<ClientJsonRpcMessage>(QUEUE);
    // One writer owns stdout, so replies from rmcp and our own error replies
    // never interleave inside a line.
    let (mut lines_tx, mut lines_rx) = mpsc::channel::<Vec<u8>>(QUEUE);
    let mut lines_for_rmcp = lines_tx.clone();
    tokio::spawn(async move {
        while let Some(message) = outgoing.next().await {
            match serde_json::to_vec(&message) {
                Ok(line) => {
                    if lines_for_rmcp.send(line).await.is_err() {
                        break;
                    }
                }
                Err(error) => tracing::error!(%error, "cannot serialize an outgoing message"),
            }
        }
    });
    tokio::spawn(async move {
        let mut output = output;
        while let Some(mut line) = lines_rx.next().await {
            line.push(b'\n');
            if output.write_all(&line).await.is_err() || output.flush().await.is_err() {
                break;
            }
        }
    });
    tokio::spawn(async move {
        let mut reader = BufReader::new(input);
        let mut buffer = Vec::new();
        loop {
            buffer.clear();
            let read = (&mut reader)
                .take(MAX_LINE_BYTES as u64 + 1)
                .read_until(b'\n', &mut buffer)
                .await;
            match read {
                Ok(0) => break,
                Ok(_) => {}
                Err(error) => {
                    tracing::error!(%error, "stdin read failed");
                    break;
                }
            }
            if buffer.len() > MAX_LINE_BYTES && !buffer.ends_with(b"\n") {
                // Skip the rest of the oversized line, then say why.
                let mut rest = Vec::new();
                let _ = reader.read_until(b'\n', &mut rest).await;
                let reply = error_line(
                    -32600,
                    &format!("message larger than {MAX_LINE_BYTES} bytes"),
                );
                if lines_tx.send(reply).await.is_err() {
                    break;
                }
                continue;
            }
            let line = trim_line(&buffer);
            if line.is_empty() {
                continue;
            }
            match serde_json::from_slice::<ClientJsonRpcMessage>(line) {
                Ok(message) => {
                    if incoming.send(message).await.is_err() {
                        break;
                    }
                }
                Err(error) => {
                    let reply = match error.classify() {
                        serde_json::error::Category::Syntax | serde_json::error::Category::Eof => {
                            error_line(-32700, &format!("parse error: {error}"))
                        }
                        _ => invalid_request(line, &error),
                    };
                    if lines_tx.send(reply).await.is_err() {
                        break;
                    }
                }
            }
        }
    });
    StdioTransport {
        to_client,
        from_client,
    }
}

fn trim_line(buffer: &[u8]) -> &[u8] {
    let line = buffer.strip_suffix(b"\n").unwrap_or(buffer);
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    line.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(line)
}

fn error_line(code: i32, message: &str) -> Vec<u8> {
    json!({ "jsonrpc": "2.0", "id": null, "error": { "code": code, "message": message } })
        .to_string()
        .into_bytes()
}

/// JSON that is not a JSON-RPC message: answer with its id when it has one.
fn invalid_request(line: &[u8], error: &serde_json::Error) -> Vec<u8> {
    let id = serde_json::from_slice::<serde_json::Value>(line)
        .ok()
        .and_then(|value| value.get("id").cloned())
        .filter(|id| id.is_string() || id.is_number())
        .unwrap_or(serde_json::Value::Null);
    json!({
        "jsonrpc": "2.0",
        "id": id,
        "error": { "code": -32600, "message": format!("invalid JSON-RPC message: {error}") },
    })
    .to_string()
    .into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn unparsable_and_invalid_lines_get_json_rpc_errors() {
        let (client, server_side) = tokio::io::duplex(1 << 16);
        let (server_read, server_write) = tokio::io::split(server_side);
        let mut transport = start(server_read, server_write);
        let (client_read, mut client_write) = tokio::io::split(client);
        client_write
            .write_all(b"{oops\n{\"id\":9,\"x\":1}\n\n{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}\n")
            .await
            .unwrap();
        let mut lines = BufReader::new(client_read).lines();
        let first: serde_json::Value =
            serde_json::from_str(&lines.next_line().await.unwrap().unwrap()).unwrap();
        assert_eq!(first["error"]["code"], -32700);
        assert_eq!(first["id"], serde_json::Value::Null);
        let second: serde_json::Value =
            serde_json::from_str(&lines.next_line().await.unwrap().unwrap()).unwrap();
        assert_eq!(second["error"]["code"], -32600);
        assert_eq!(second["id"], 9);
        // The valid message still reaches the server.
        let message = transport.from_client.next().await.unwrap();
        assert!(serde_json::to_string(&message).unwrap().contains("ping"));
    }
}
