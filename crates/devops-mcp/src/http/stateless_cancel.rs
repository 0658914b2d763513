//! Cancellation by notification on a stateless Streamable HTTP server.
//!
//! A stateless server has no session, so rmcp answers each POST with a fresh
//! service and drops notifications: a 2025-era client's
//! `notifications/cancelled` arrives as an unrelated POST and would never
//! reach the call it names. This table maps in-flight stateless requests to
//! their cancellation tokens, keyed by the caller (its credential and
//! address) and the request id, so the `/mcp` guard can cancel the call.
//!
//! Request ids are only unique per client, so a key is scoped to the caller;
//! when several in-flight calls still share a key (two clients behind one
//! address with the same credential and the same id), the notification is
//! ambiguous and ignored, which the protocol allows ("MAY ignore").

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex, PoisonError};

use axum::extract::ConnectInfo;
use axum::http::HeaderMap;
use rmcp::model::RequestId;
use sha2::{Digest, Sha256};
use tokio_util::sync::CancellationToken;

/// Who sent a request and which request it was.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct CallKey {
    /// SHA-256 of the `Authorization` header (empty when there is none):
    /// the credential itself is never kept.
    credential: [u8; 32],
    /// The peer's IP address; the port changes between connections.
    peer: Option<IpAddr>,
    /// The JSON-RPC id, as JSON text (`7` and `"7"` are different ids).
    id: String,
}

impl CallKey {
    fn new(headers: &HeaderMap, peer: Option<IpAddr>, id: &str) -> Self {
        let credential = headers
            .get(axum::http::header::AUTHORIZATION)
            .map(|value| Sha256::digest(value.as_bytes()).into())
            .unwrap_or_default();
        Self {
            credential,
            peer,
            id: id.to_owned(),
        }
    }
}

/// In-flight stateless requests and their cancellation tokens.
#[derive(Debug, Default)]
pub(crate) struct StatelessCalls {
    calls: Mutex<HashMap<CallKey, Vec<(u64, CancellationToken)>>>,
    next_serial: std::sync::atomic::AtomicU64,
}

/// Removes a request from the table when its handler ends.
#[derive(Debug)]
pub(crate) struct Registration {
    calls: Arc<StatelessCalls>,
    key: CallKey,
    serial: u64,
}

impl Drop for Registration {
    fn drop(&mut self) {
        let mut calls = self
            .calls
            .calls
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(entries) = calls.get_mut(&self.key) {
            entries.retain(|(serial, _)| *serial != self.serial);
            if entries.is_empty() {
                calls.remove(&self.key);
            }
        }
    }
}

impl StatelessCalls {
    /// Record a request served without a session, so a later
    /// `notifications/cancelled` from the same caller can reach it.
    /// Requests inside a session (or not over HTTP) are not recorded:
    /// rmcp routes their cancellations itself.
    pub fn register(
        self: &Arc<Self>,
        parts: Option<&axum::http::request::Parts>,
        id: &RequestId,
        ct: &CancellationToken,
    ) -> Option<Registration> {
        let parts = parts?;
        if parts.headers.contains_key("mcp-session-id") {
            return None;
        }
        let id = serde_json::to_string(id).ok()?;
        let key = CallKey::new(&parts.headers, peer_ip(&parts.extensions), &id);
        let serial = self
            .next_serial
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.calls
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(key.clone())
            .or_default()
            .push((serial, ct.clone()));
        Some(Registration {
            calls: Arc::clone(self),
            key,
            serial,
        })
    }

    /// Cancel the caller's request `id` (JSON text). Returns whether a call
    /// was cancelled.
    pub fn cancel(&self, headers: &HeaderMap, peer: Option<IpAddr>, id: &str) -> bool {
        let key = CallKey::new(headers, peer, id);
        let calls = self.calls.lock().unwrap_or_else(PoisonError::into_inner);
        match calls.get(&key).map(Vec::as_slice) {
            Some([(_, ct)]) => {
                ct.cancel();
                true
            }
            Some(entries) if entries.len() > 1 => {
                tracing::warn!(
                    request_id = %id,
                    calls = entries.len(),
                    "ignoring notifications/cancelled: several in-flight calls from this caller share the id"
                );
                false
            }
            _ => false,
        }
    }
}

/// The peer address axum recorded for the connection.
pub(crate) fn peer_ip(extensions: &axum::http::Extensions) -> Option<IpAddr> {
    extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip())
}

/// The request ids that a JSON-RPC message (or batch) cancels, as JSON text.
pub(crate) fn cancelled_ids(body: &[u8]) -> Vec<String> {
    #[derive(serde::Deserialize)]
    struct Message {
        method: Option<String>,
        params: Option<Params>,
    }
    #[derive(serde::Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Params {
        request_id: Option<serde_json::Value>,
    }
    #[derive(serde::Deserialize)]
    #[serde(untagged)]
    enum Body {
        One(Message),
        Batch(Vec<Message>),
    }
    let messages = match serde_json::from_slice::<Body>(body) {
        Ok(Body::One(message)) => vec![message],
        Ok(Body::Batch(messages)) => messages,
        Err(_) => return Vec::new(),
    };
    messages
        .into_iter()
        .filter(|m| m.method.as_deref() == Some("notifications/cancelled"))
        .filter_map(|m| m.params?.request_id)
        .filter(|id| id.is_string() || id.is_number())
        .map(|id| id.to_string())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(auth: Option<&str>, session: Option<&str>) -> axum::http::request::Parts {
        let mut builder = axum::http::Request::builder();
        if let Some(auth) = auth {
            builder = builder.header("authorization", auth);
        }
        if let Some(session) = session {
            builder = builder.header("mcp-session-id", session);
        }
        let mut parts = builder.body(()).unwrap().into_parts().0;
        parts
            .extensions
            .insert(ConnectInfo(SocketAddr::from(([127, 0, 0, 1], 40000))));
        parts
    }

    const LOCALHOST: Option<IpAddr> = Some(IpAddr::V4(std::net::Ipv4Addr::LOCALHOST));

    #[test]
    fn a_cancel_reaches_only_the_callers_request() {
        let calls = Arc::new(StatelessCalls::default());
        let mine = CancellationToken::new();
        let theirs = CancellationToken::new();
        let _a = calls.register(
            Some(&parts(Some("Bearer a"), None)),
            &RequestId::Number(3),
            &mine,
        );
        let _b = calls.register(
            Some(&parts(Some("Bearer b"), None)),
            &RequestId::Number(3),
            &theirs,
        );
        let headers = parts(Some("Bearer a"), None).headers;
        assert!(
            !calls.cancel(&headers, LOCALHOST, "\"3\""),
            "a string id is another id"
        );
        assert!(calls.cancel(&headers, LOCALHOST, "3"));
        assert!(mine.is_cancelled());
        assert!(!theirs.is_cancelled());
    }

    #[test]
    fn ambiguous_and_finished_requests_are_not_cancelled() {
        let calls = Arc::new(StatelessCalls::default());
        let (one, two) = (CancellationToken::new(), CancellationToken::new());
        let first = calls.register(Some(&parts(None, None)), &RequestId::Number(1), &one);
        let second = calls.register(Some(&parts(None, None)), &RequestId::Number(1), &two);
        let headers = HeaderMap::new();
        assert!(!calls.cancel(&headers, LOCALHOST, "1"));
        drop(first);
        assert!(calls.cancel(&headers, LOCALHOST, "1"));
        assert!(two.is_cancelled() && !one.is_cancelled());
        drop(second);
        assert!(
            calls.calls.lock().unwrap().is_empty(),
            "finished calls leave the table"
        );
    }

    #[test]
    fn session_requests_are_left_to_rmcp() {
        let calls = Arc::new(StatelessCalls::default());
        let ct = CancellationToken::new();
        let session = parts(None, Some("abc"));
        assert!(
            calls
                .register(Some(&session), &RequestId::Number(1), &ct)
                .is_none()
        );
        assert!(calls.register(None, &RequestId::Number(1), &ct).is_none());
    }

    #[test]
    fn cancelled_ids_come_from_single_messages_and_batches() {
        let one = br#"{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":4,"reason":"x"}}"#;
        assert_eq!(cancelled_ids(one), ["4"]);
        let batch =
            br#"[{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":"r-1"}},
                         {"jsonrpc":"2.0","id":9,"method":"ping"}]"#;
        assert_eq!(cancelled_ids(batch), ["\"r-1\""]);
        assert!(cancelled_ids(br#"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#).is_empty());
        assert!(cancelled_ids(b"not json").is_empty());
    }
}
