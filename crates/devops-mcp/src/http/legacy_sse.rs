//! The HTTP+SSE transport of protocol 2024-11-05, for clients that predate
//! Streamable HTTP: `GET /sse` opens an event stream whose first event names
//! the endpoint (`/message?sessionId=...`) where the client POSTs its
//! JSON-RPC messages; every server message comes back on the stream.
//!
//! rmcp 3.x has no server for it, so each session runs the ordinary rmcp
//! service over a pair of bounded channels (rmcp's generic Sink + Stream
//! transport). The session ends, and is forgotten, when the stream closes.

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures::channel::mpsc;
use futures::{SinkExt, StreamExt};
use rmcp::ServiceExt;
use rmcp::model::{ClientJsonRpcMessage, ServerJsonRpcMessage};
use serde::Deserialize;
use tokio_util::sync::CancellationToken;

use super::HttpState;
use crate::server::DevopsServer;

/// Messages buffered per direction before a sender waits.
const CHANNEL_CAPACITY: usize = 64;
/// Open legacy sessions at most; more get 503.
const MAX_SESSIONS: usize = 1024;
/// How long a POST waits for room in a full session queue.
const ENQUEUE_TIMEOUT: Duration = Duration::from_secs(10);

/// Open legacy sessions by id.
pub(crate) struct Sessions {
    server: DevopsServer,
    senders: Mutex<HashMap<String, mpsc::Sender<ClientJsonRpcMessage>>>,
}

impl std::fmt::Debug for Sessions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sessions").finish_non_exhaustive()
    }
}

impl Sessions {
    pub fn new(server: DevopsServer) -> Self {
        Self {
            server,
            senders: Mutex::new(HashMap::new()),
        }
    }

    fn lock(
        &self,
    ) -> std::sync::MutexGuard<'_, HashMap<String, mpsc::Sender<ClientJsonRpcMessage>>> {
        self.senders.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Forgets the session and stops its service when the event stream is dropped.
struct SessionGuard {
    id: String,
    state: Arc<HttpState>,
    cancel: CancellationToken,
}

impl Drop for SessionGuard {
    fn drop(&mut self) {
        self.state.legacy.lock().remove(&self.id);
        self.cancel.cancel();
        tracing::debug!(session = %self.id, "legacy SSE session closed");
    }
}

/// `GET /sse`: open a session and stream its messages.
pub(super) async fn open_stream(State(state): State<Arc<HttpState>>) -> Response {
    if state.legacy.lock().len() >= MAX_SESSIONS {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            "too many open SSE sessions; close one or use Streamable HTTP at /mcp",
        )
            .into_response();
    }
    let id = uuid::Uuid::new_v4().simple().to_string();
    let (to_server, from_client) = mpsc::channel::<ClientJsonRpcMessage>(CHANNEL_CAPACITY);
    let (to_client, from_server) = mpsc::channel::<ServerJsonRpcMessage>(CHANNEL_CAPACITY);
    state.legacy.lock().insert(id.clone(), to_server);

    let cancel = state.shutdown.child_token();
    let service = state.legacy.server.session();
    let service_cancel = cancel.clone();
    tokio::spawn(async move {
        match service
            .serve_with_ct((to_client, from_client), service_cancel)
            .await
        {
            Ok(running) => {
                let _ = running.waiting().await;
            }
            Err(error) => tracing::debug!(%error, "legacy SSE session ended before initialize"),
        }
    });

    let guard = SessionGuard {
        id: id.clone(),
        state: state.clone(),
        cancel: cancel.clone(),
    };
    let endpoint = Event::default()
        .event("endpoint")
        .data(format!("/message?sessionId={id}"));
    let messages = from_server.map(move |message| {
        let _keep_session_while_streaming = &guard;
        let event = Event::default()
            .event("message")
            .json_data(&message)
            .unwrap_or_else(|_| Event::default().comment("unserializable message dropped"));
        Ok::<_, Infallible>(event)
    });
    let stream = futures::stream::once(async move { Ok::<_, Infallible>(endpoint) })
        .chain(messages)
        .take_until(cancel.cancelled_owned());
    Sse::new(stream)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response()
}

#[derive(Debug, Deserialize)]
pub(super) struct MessageQuery {
    #[serde(rename = "sessionId")]
    session_id: String,
}

fn jsonrpc_error(status: StatusCode, code: i32, message: &str) -> Response {
    (
        status,
        axum::Json(serde_json::json!({
            "jsonrpc": "2.0",
            "id": null,
            "error": { "code": code, "message": message },
        })),
    )
        .into_response()
}

/// `POST /message?sessionId=...`: hand one JSON-RPC message to the session.
pub(super) async fn post_message(
    State(state): State<Arc<HttpState>>,
    Query(query): Query<MessageQuery>,
    body: Body,
) -> Response {
    let sender = state.legacy.lock().get(&query.session_id).cloned();
    let Some(mut sender) = sender else {
        return (
            StatusCode::NOT_FOUND,
            "unknown or closed session; open a new one with GET /sse",
        )
            .into_response();
    };
    let bytes = match axum::body::to_bytes(body, state.config.max_body_bytes).await {
        Ok(bytes) => bytes,
        Err(_) => {
            return (
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("request body over {} bytes", state.config.max_body_bytes),
            )
                .into_response();
        }
    };
    let message: ClientJsonRpcMessage = match serde_json::from_slice(&bytes) {
        Ok(message) => message,
        Err(error) if error.is_syntax() || error.is_eof() => {
            return jsonrpc_error(
                StatusCode::BAD_REQUEST,
                -32700,
                &format!("parse error: {error}"),
            );
        }
        Err(error) => {
            return jsonrpc_error(
                StatusCode::BAD_REQUEST,
                -32600,
                &format!("invalid JSON-RPC message: {error}"),
            );
        }
    };
    match tokio::time::timeout(ENQUEUE_TIMEOUT, sender.send(message)).await {
        Ok(Ok(())) => (StatusCode::ACCEPTED, "Accepted").into_response(),
        Ok(Err(_)) => (
            StatusCode::GONE,
            "the session has ended; open a new one with GET /sse",
        )
            .into_response(),
        Err(_) => (
            StatusCode::SERVICE_UNAVAILABLE,
            "the session is not reading its messages; retry later",
        )
            .into_response(),
    }
}
