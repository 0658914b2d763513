//! Request guards shared by every route: per-client rate limit, request
//! timeout, and (for the legacy SSE routes, which rmcp does not cover)
//! Host/Origin checks against DNS rebinding.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::HttpState;

/// Clients remembered by the rate limiter before the idle ones are dropped.
const MAX_TRACKED_CLIENTS: usize = 10_000;

/// How much of an oversized body is read and thrown away before the `413`
/// is sent, and for how long at most: a client that writes its whole request
/// before reading the answer (Python's `http.client`, many scripts) would
/// otherwise see a connection reset instead of the error.
const DRAIN_MAX_BYTES: usize = 64 << 20;
const DRAIN_MAX_TIME: Duration = Duration::from_secs(5);

/// A token bucket per client address.
#[derive(Debug)]
pub(crate) struct RateLimiter {
    per_minute: u32,
    buckets: Mutex<HashMap<IpAddr, Bucket>>,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    updated: Instant,
}

impl RateLimiter {
    pub fn new(per_minute: u32) -> Self {
        Self {
            per_minute,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Take one token for `client`; `Err(wait)` when it has none left.
    fn check(&self, client: IpAddr) -> Result<(), Duration> {
        if self.per_minute == 0 {
            return Ok(());
        }
        let capacity = f64::from(self.per_minute);
        let per_second = capacity / 60.0;
        let now = Instant::now();
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if buckets.len() >= MAX_TRACKED_CLIENTS {
            buckets
                .retain(|_, bucket| now.duration_since(bucket.updated) < Duration::from_secs(60));
        }
        let bucket = buckets.entry(client).or_insert(Bucket {
            tokens: capacity,
            updated: now,
        });
        let elapsed = now.duration_since(bucket.updated).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * per_second).min(capacity);
        bucket.updated = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - bucket.tokens) / per_second))
        }
    }
}

/// The `429` for a client over its rate limit; `None` when it may go on.
pub(super) fn rate_limit_refusal(state: &HttpState, request: &Request) -> Option<Response> {
    let client = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::from([127, 0, 0, 1]), |ConnectInfo(addr)| addr.ip());
    // The limit protects a server exposed to a network; the local agent on
    // loopback is the user themself and must not be throttled.
    if client.is_loopback() {
        return None;
    }
    let wait = state.limiter.check(client).err()?;
    let mut response = (
        StatusCode::TOO_MANY_REQUESTS,
        "rate limit exceeded; retry after the number of seconds in Retry-After",
    )
        .into_response();
    let seconds = wait.as_secs().max(1).to_string();
    if let Ok(value) = HeaderValue::from_str(&seconds) {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
    Some(response)
}

/// How long a request may take to its response head. Streams (SSE bodies)
/// are not cut: a long tool call answers through its stream, not timed here.
pub(super) fn request_timeout(state: &HttpState) -> Duration {
    Duration::from_secs(state.config.request_timeout_secs.max(1))
}

/// The `504` for a request that took longer than [`request_timeout`].
pub(super) fn timeout_response() -> Response {
    (
        StatusCode::GATEWAY_TIMEOUT,
        "the request took longer than the server's request timeout",
    )
        .into_response()
}

/// What the `/mcp` guard needs: the session table and the body limit.
pub(crate) struct McpGuard {
    pub sessions: Arc<rmcp::transport::streamable_http_server::session::local::LocalSessionManager>,
    pub max_body_bytes: usize,
    /// In-flight stateless calls, which `notifications/cancelled` reaches here.
    pub stateless_calls: Arc<super::StatelessCalls>,
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

/// `rmcp`'s answer to `request`, with the protocol errors it answers
/// loosely made exact: malformed JSON gets `400` with `-32700` (not `415`),
/// JSON that is no JSON-RPC message gets `400` with `-32600`, and `DELETE`
/// of an unknown session gets `404`.
pub(super) async fn check_mcp_request<F>(
    guard: &McpGuard,
    request: Request,
    rmcp: impl FnOnce(Request) -> F,
) -> Response
where
    F: Future<Output = Response>,
{
    use rmcp::transport::streamable_http_server::session::SessionManager;
    if request.method() == Method::DELETE {
        let id = request
            .headers()
            .get("mcp-session-id")
            .and_then(|value| value.to_str().ok())
            .map(std::sync::Arc::<str>::from);
        if let Some(id) = id
            && !guard.sessions.has_session(&id).await.unwrap_or(false)
        {
            return (StatusCode::NOT_FOUND, "unknown or closed session").into_response();
        }
        return rmcp(request).await;
    }
    if request.method() != Method::POST {
        return rmcp(request).await;
    }
    const JSON: &[u8] = b"application/json";
    let json_body = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.as_bytes().get(..JSON.len()))
        .is_some_and(|prefix| prefix.eq_ignore_ascii_case(JSON));
    if !json_body {
        return rmcp(request).await;
    }
    let (parts, body) = request.into_parts();
    let bytes = match read_body_or_drain(body, guard.max_body_bytes).await {
        Some(bytes) => bytes,
        None => {
            return jsonrpc_error(
                StatusCode::PAYLOAD_TOO_LARGE,
                -32600,
                &format!("request body over {} bytes", guard.max_body_bytes),
            );
        }
    };
    if let Err(error) = serde_json::from_slice::<serde::de::IgnoredAny>(&bytes) {
        return jsonrpc_error(
            StatusCode::BAD_REQUEST,
            -32700,
            &format!("parse error: {error}"),
        );
    }
    if !parts.headers.contains_key("mcp-session-id") {
        // Without a session rmcp drops notifications; route cancellations here.
        let peer = super::stateless_cancel::peer_ip(&parts.extensions);
        for id in super::stateless_cancel::cancelled_ids(&bytes) {
            if guard.stateless_calls.cancel(&parts.headers, peer, &id) {
                tracing::info!(request_id = %id, "cancelled a stateless call");
            }
        }
    }
    let response = rmcp(Request::from_parts(parts, axum::body::Body::from(bytes))).await;
    if response.status() == StatusCode::UNSUPPORTED_MEDIA_TYPE {
        // The body was JSON, so rmcp refused the message shape, not the media type.
        return jsonrpc_error(
            StatusCode::BAD_REQUEST,
            -32600,
            "invalid request: the body is JSON but not a JSON-RPC message (or batch) this server accepts",
        );
    }
    super::quick_reply::coalesce(response).await
}

/// The body, when it is at most `limit` bytes. A longer one is read on and
/// discarded (bounded by [`DRAIN_MAX_BYTES`] and [`DRAIN_MAX_TIME`]) so the
/// client is reading when the `413` comes, and `None` is returned.
async fn read_body_or_drain(body: axum::body::Body, limit: usize) -> Option<axum::body::Bytes> {
    use futures::StreamExt;
    let mut stream = body.into_data_stream();
    let mut collected = Vec::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.ok()?;
        if collected.len() + chunk.len() > limit {
            let mut drained = collected.len() + chunk.len();
            let _ = tokio::time::timeout(DRAIN_MAX_TIME, async {
                while drained < DRAIN_MAX_BYTES {
                    match stream.next().await {
                        Some(Ok(chunk)) => drained += chunk.len(),
                        _ => break,
                    }
                }
            })
            .await;
            return None;
        }
        collected.extend_from_slice(&chunk);
    }
    Some(collected.into())
}

/// Which `Host` and `Origin` values the legacy routes accept.
#[derive(Debug)]
pub(crate) struct HostPolicy {
    hosts: Vec<String>,
    origins: Vec<String>,
}

impl HostPolicy {
    pub fn new(hosts: Vec<String>, origins: Vec<String>) -> Self {
        Self { hosts, origins }
    }

    fn host_allowed(&self, host: &str) -> bool {
        let bare = strip_port(host);
        self.hosts
            .iter()
            .any(|allowed| allowed.eq_ignore_ascii_case(host) || allowed.eq_ignore_ascii_case(bare))
    }

    fn origin_allowed(&self, origin: &str) -> bool {
        self.origins
            .iter()
            .any(|allowed| match allowed.strip_suffix(":*") {
                Some(prefix) => {
                    origin.eq_ignore_ascii_case(prefix)
                        || origin
                            .get(..prefix.len() + 1)
                            .is_some_and(|head| head.eq_ignore_ascii_case(&format!("{prefix}:")))
                }
                None => allowed.eq_ignore_ascii_case(origin),
            })
    }
}

fn strip_port(host: &str) -> &str {
    if let Some(rest) = host.strip_prefix('[') {
        return rest.split(']').next().unwrap_or(rest);
    }
    match host.rsplit_once(':') {
        Some((name, port)) if port.chars().all(|c| c.is_ascii_digit()) => name,
        _ => host,
    }
}

pub(super) async fn check_host_and_origin(
    State(policy): State<Arc<HostPolicy>>,
    request: Request,
    next: Next,
) -> Response {
    let headers = request.headers();
    let host = headers
        .get(header::HOST)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    if !policy.host_allowed(host) {
        return (
            StatusCode::FORBIDDEN,
            "Host header not allowed (DNS-rebinding protection); add it to http.allowed_hosts",
        )
            .into_response();
    }
    if let Some(origin) = headers.get(header::ORIGIN) {
        let allowed = origin
            .to_str()
            .is_ok_and(|origin| policy.origin_allowed(origin));
        if !allowed && request.method() != Method::OPTIONS {
            return (
                StatusCode::FORBIDDEN,
                "Origin not allowed; add it to http.allowed_origins",
            )
                .into_response();
        }
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_refuses_after_capacity() {
        let limiter = RateLimiter::new(2);
        let client = IpAddr::from([10, 0, 0, 1]);
        assert!(limiter.check(client).is_ok());
        assert!(limiter.check(client).is_ok());
        assert!(limiter.check(client).is_err());
        assert!(limiter.check(IpAddr::from([10, 0, 0, 2])).is_ok());
    }

    #[test]
    fn host_policy_matches_ports_and_wildcards() {
        let policy = HostPolicy::new(
            vec!["localhost".into(), "127.0.0.1".into(), "::1".into()],
            vec!["http://localhost:*".into()],
        );
        assert!(policy.host_allowed("localhost:8765"));
        assert!(policy.host_allowed("[::1]:8765"));
        assert!(!policy.host_allowed("evil.example:8765"));
        assert!(policy.origin_allowed("http://localhost:6274"));
        assert!(policy.origin_allowed("http://localhost"));
        assert!(!policy.origin_allowed("http://localhost.evil.example"));
        assert!(!policy.origin_allowed("https://evil.example"));
    }
}
