//! The HTTP listener: Streamable HTTP at `/mcp` (rmcp), the legacy HTTP+SSE
//! transport of protocol 2024-11-05 at `/sse` + `/message`, and the OAuth
//! protected-resource metadata, behind authentication, DNS-rebinding checks,
//! a rate limit and a request timeout.

mod auth;
mod guard;
mod legacy_sse;
mod quick_reply;
mod stateless_cancel;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use axum::routing::{get, post};
use axum::serve::ListenerExt;
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::{StreamableHttpServerConfig, StreamableHttpService};
use tokio_util::sync::CancellationToken;

use crate::config::HttpConfig;
use crate::server::DevopsServer;

pub use auth::protected_resource_metadata;
pub(crate) use stateless_cancel::StatelessCalls;

/// How long in-flight tool calls may run on after a shutdown signal.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(30);

/// A listener that cannot start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HttpError {
    #[error(
        "refusing to listen on {addr}: a non-loopback address needs bearer authentication; \
         set DEVOPS_MCP_AUTH_TOKEN or --auth-token-file, or bind 127.0.0.1"
    )]
    UnauthenticatedPublicBind { addr: SocketAddr },
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("HTTP server failed: {0}")]
    Serve(std::io::Error),
}

/// Settings every HTTP handler needs.
#[derive(Debug)]
pub(crate) struct HttpState {
    pub config: HttpConfig,
    pub legacy: legacy_sse::Sessions,
    pub limiter: guard::RateLimiter,
    pub shutdown: CancellationToken,
}

/// Host names accepted in the `Host` header besides the configured ones.
const LOOPBACK_HOSTS: &[&str] = &["localhost", "127.0.0.1", "::1", "[::1]"];

/// Browser origins accepted besides the configured ones.
const LOOPBACK_ORIGINS: &[&str] = &["http://localhost:*", "http://127.0.0.1:*", "http://[::1]:*"];

/// Build the router: every route behind its guards.
pub fn router(server: DevopsServer, config: HttpConfig, shutdown: CancellationToken) -> Router {
    let mut allowed_hosts: Vec<String> = LOOPBACK_HOSTS.iter().map(|s| (*s).to_owned()).collect();
    allowed_hosts.extend(config.allowed_hosts.iter().cloned());
    let mut allowed_origins: Vec<String> =
        LOOPBACK_ORIGINS.iter().map(|s| (*s).to_owned()).collect();
    allowed_origins.extend(config.allowed_origins.iter().cloned());

    let streamable_config = StreamableHttpServerConfig::default()
        .with_legacy_session_mode(!config.stateless)
        .with_allowed_hosts(allowed_hosts.clone())
        .with_allowed_origins(allowed_origins.clone())
        .with_max_request_body_bytes(config.max_body_bytes)
        .with_cancellation_token(shutdown.child_token());
    let factory_server = server.clone();
    let sessions = Arc::new(LocalSessionManager::default());
    let rmcp = StreamableHttpService::new(
        move || Ok(factory_server.session()),
        Arc::clone(&sessions),
        streamable_config,
    );

    let stateless_calls = server.stateless_calls();
    let state = Arc::new(HttpState {
        limiter: guard::RateLimiter::new(config.rate_limit_per_minute),
        legacy: legacy_sse::Sessions::new(server),
        shutdown,
        config,
    });
    let hosts = Arc::new(guard::HostPolicy::new(allowed_hosts, allowed_origins));
    let mcp = McpEndpoint(Arc::new(McpEndpointParts {
        guard: guard::McpGuard {
            sessions,
            max_body_bytes: state.config.max_body_bytes,
            stateless_calls,
        },
        state: Arc::clone(&state),
        rmcp,
    }));

    let legacy = Router::new()
        .route("/sse", get(legacy_sse::open_stream))
        .route("/message", post(legacy_sse::post_message))
        .layer(axum::middleware::from_fn_with_state(
            hosts,
            guard::check_host_and_origin,
        ))
        .layer(axum::middleware::from_fn_with_state(
            Arc::clone(&state),
            guard_protected,
        ));
    let public = Router::new()
        .route(
            "/.well-known/oauth-protected-resource",
            get(auth::metadata_document),
        )
        .route(
            "/.well-known/oauth-protected-resource/mcp",
            get(auth::metadata_document),
        )
        .layer(axum::middleware::from_fn_with_state(
            Arc::clone(&state),
            guard_public,
        ));
    Router::new()
        .merge(public)
        .merge(legacy)
        .with_state(state)
        .route_service("/mcp", mcp)
}

/// Whether a route needs the bearer token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Access {
    Public,
    Bearer,
}

/// `handler`'s response to `request` after the guards every route passes,
/// in order: the rate limit, the request timeout and, for `Access::Bearer`,
/// authentication.
async fn guarded<F>(
    state: &HttpState,
    request: Request,
    access: Access,
    handler: impl FnOnce(Request) -> F,
) -> Response
where
    F: Future<Output = Response>,
{
    if let Some(refusal) = guard::rate_limit_refusal(state, &request) {
        return refusal;
    }
    // The guarded future goes straight into `timeout`: held in a variable or
    // parameter first, it would take its (several KiB) size twice.
    let limit = guard::request_timeout(state);
    tokio::time::timeout(limit, async {
        if access == Access::Bearer
            && let Some(refusal) = auth::bearer_refusal(state, request.headers())
        {
            return refusal;
        }
        handler(request).await
    })
    .await
    .unwrap_or_else(|_| guard::timeout_response())
}

async fn guard_public(
    State(state): State<Arc<HttpState>>,
    request: Request,
    next: Next,
) -> Response {
    guarded(&state, request, Access::Public, |request| next.run(request)).await
}

async fn guard_protected(
    State(state): State<Arc<HttpState>>,
    request: Request,
    next: Next,
) -> Response {
    guarded(&state, request, Access::Bearer, |request| next.run(request)).await
}

/// `POST/GET/DELETE /mcp`: the guards, then rmcp's Streamable HTTP service.
/// One service rather than a stack of axum middleware, which would clone a
/// boxed service and box a future per layer on every call.
#[derive(Clone)]
struct McpEndpoint(Arc<McpEndpointParts>);

struct McpEndpointParts {
    state: Arc<HttpState>,
    guard: guard::McpGuard,
    rmcp: StreamableHttpService<DevopsServer, LocalSessionManager>,
}

impl tower::Service<Request> for McpEndpoint {
    type Response = Response;
    type Error = std::convert::Infallible;
    type Future = futures::future::BoxFuture<'static, Result<Response, Self::Error>>;

    fn poll_ready(
        &mut self,
        _context: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), Self::Error>> {
        std::task::Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let endpoint = Arc::clone(&self.0);
        Box::pin(async move {
            let McpEndpointParts { state, guard, rmcp } = &*endpoint;
            let response = guarded(state, request, Access::Bearer, |request| {
                guard::check_mcp_request(guard, request, |request| async move {
                    rmcp.handle(request).await.map(Body::new)
                })
            })
            .await;
            Ok(response)
        })
    }
}

/// Listen on `config.bind` until `shutdown` is cancelled, then let in-flight
/// calls finish (up to a grace period) before closing the streams.
pub async fn serve(
    server: DevopsServer,
    config: HttpConfig,
    shutdown: CancellationToken,
    on_listening: impl FnOnce(SocketAddr),
) -> Result<(), HttpError> {
    let addr = config.bind;
    if !addr.ip().is_loopback() && config.auth_token.is_none() {
        return Err(HttpError::UnauthenticatedPublicBind { addr });
    }
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|source| HttpError::Bind { addr, source })?;
    let local = listener.local_addr().map_err(HttpError::Serve)?;
    on_listening(local);

    // Streams (SSE) are closed by this token; the listener stops first.
    let streams = CancellationToken::new();
    let app = router(server.clone(), config, streams.clone());
    // Without TCP_NODELAY a kept-alive client waits ~40 ms for a delayed ACK
    // on every SSE reply, which is written in several small chunks.
    let listener = listener.tap_io(|tcp| {
        if let Err(error) = tcp.set_nodelay(true) {
            tracing::debug!(%error, "cannot set TCP_NODELAY");
        }
    });
    let graceful = {
        let shutdown = shutdown.clone();
        let streams = streams.clone();
        async move {
            shutdown.cancelled().await;
            tracing::info!("shutting down: waiting for in-flight tool calls");
            server.drain(SHUTDOWN_GRACE).await;
            streams.cancel();
        }
    };
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(graceful)
    .await
    .map_err(HttpError::Serve)
}

#[cfg(test)]
mod tests {
    use axum::extract::ConnectInfo;
    use axum::http::{Method, StatusCode, header};
    use tower::ServiceExt;

    use super::*;
    use crate::config::Config;
    use crate::redact::SecretString;

    const TOKEN: &str = "http-guard-test-token";

    fn server(workspace: &tempfile::TempDir) -> DevopsServer {
        let config = Config::for_workspace(workspace.path()).expect("config");
        DevopsServer::new(config).expect("server")
    }

    /// A router that allows two requests per minute per client and wants `TOKEN`.
    fn strict_router(workspace: &tempfile::TempDir) -> Router {
        let config = HttpConfig {
            rate_limit_per_minute: 2,
            auth_token: Some(SecretString::new(TOKEN.to_owned())),
            ..HttpConfig::default()
        };
        router(server(workspace), config, CancellationToken::new())
    }

    fn request(method: Method, path: &str, client: [u8; 4], token: Option<&str>) -> Request {
        let mut builder = Request::builder()
            .method(method)
            .uri(path)
            .header(header::HOST, "127.0.0.1:8765");
        if let Some(token) = token {
            builder = builder.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        let mut request = builder.body(Body::empty()).expect("request");
        request
            .extensions_mut()
            .insert(ConnectInfo(SocketAddr::from((client, 40_000))));
        request
    }

    async fn send(router: &Router, request: Request) -> Response {
        router.clone().oneshot(request).await.expect("infallible")
    }

    #[tokio::test]
    async fn a_remote_client_over_its_rate_limit_is_refused_on_every_route() {
        let workspace = tempfile::tempdir().expect("tempdir");
        let router = strict_router(&workspace);
        let remote = [10, 0, 0, 7];
        let metadata = "/.well-known/oauth-protected-resource";

        let first = send(&router, request(Method::GET, metadata, remote, None)).await;
        assert_eq!(first.status(), StatusCode::OK);
        let second = send(
            &router,
            request(Method::DELETE, "/mcp", remote, Some(TOKEN)),
        )
        .await;
        assert_ne!(second.status(), StatusCode::TOO_MANY_REQUESTS);

        for path in ["/mcp", "/sse", metadata] {
            let refused = send(&router, request(Method::GET, path, remote, Some(TOKEN))).await;
            assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS, "{path}");
            assert!(
                refused.headers().contains_key(header::RETRY_AFTER),
                "{path}"
            );
        }
        // Another client has its own budget; loopback is never limited.
        let other = send(&router, request(Method::GET, metadata, [10, 0, 0, 8], None)).await;
        assert_eq!(other.status(), StatusCode::OK);
        for _ in 0..5 {
            let local = send(
                &router,
                request(Method::GET, metadata, [127, 0, 0, 1], None),
            )
            .await;
            assert_eq!(local.status(), StatusCode::OK);
        }
    }

    #[tokio::test]
    async fn mcp_and_legacy_routes_want_the_token_and_the_metadata_does_not() {
        let workspace = tempfile::tempdir().expect("tempdir");
        let router = strict_router(&workspace);
        let local = [127, 0, 0, 1];
        let protected = [
            (Method::POST, "/mcp"),
            (Method::GET, "/sse"),
            (Method::POST, "/message?sessionId=x"),
        ];
        for (method, path) in protected {
            let refused = send(&router, request(method.clone(), path, local, None)).await;
            assert_eq!(refused.status(), StatusCode::UNAUTHORIZED, "{path}");
            assert!(refused.headers().contains_key(header::WWW_AUTHENTICATE));
            let wrong = send(&router, request(method, path, local, Some("nope"))).await;
            assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED, "{path}");
        }
        let delete = send(&router, request(Method::DELETE, "/mcp", local, Some(TOKEN))).await;
        assert_ne!(delete.status(), StatusCode::UNAUTHORIZED);
        for path in [
            "/.well-known/oauth-protected-resource",
            "/.well-known/oauth-protected-resource/mcp",
        ] {
            let open = send(&router, request(Method::GET, path, local, None)).await;
            assert_eq!(open.status(), StatusCode::OK, "{path}");
        }
    }

    #[tokio::test]
    async fn a_request_without_a_response_head_in_time_gets_504() {
        let workspace = tempfile::tempdir().expect("tempdir");
        let config = HttpConfig {
            request_timeout_secs: 1,
            ..HttpConfig::default()
        };
        let state = HttpState {
            limiter: guard::RateLimiter::new(config.rate_limit_per_minute),
            legacy: legacy_sse::Sessions::new(server(&workspace)),
            shutdown: CancellationToken::new(),
            config,
        };
        let request = request(Method::GET, "/mcp", [127, 0, 0, 1], None);
        let response = guarded(&state, request, Access::Public, |_| std::future::pending()).await;
        assert_eq!(response.status(), StatusCode::GATEWAY_TIMEOUT);
    }
}
