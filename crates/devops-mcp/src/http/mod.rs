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

/// Build the router: every route, every layer.
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
    let streamable = SharedStreamable(Arc::new(StreamableHttpService::new(
        move || Ok(factory_server.session()),
        Arc::clone(&sessions),
        streamable_config,
    )));

    let stateless_calls = server.stateless_calls();
    let state = Arc::new(HttpState {
        limiter: guard::RateLimiter::new(config.rate_limit_per_minute),
        legacy: legacy_sse::Sessions::new(server),
        shutdown,
        config,
    });
    let hosts = Arc::new(guard::HostPolicy::new(allowed_hosts, allowed_origins));

    let legacy = Router::new()
        .route("/sse", get(legacy_sse::open_stream))
        .route("/message", post(legacy_sse::post_message))
        .layer(axum::middleware::from_fn_with_state(
            hosts,
            guard::check_host_and_origin,
        ));
    let mcp_guard = Arc::new(guard::McpGuard {
        sessions,
        max_body_bytes: state.config.max_body_bytes,
        stateless_calls,
    });
    let mcp =
        Router::new()
            .nest_service("/mcp", streamable)
            .layer(axum::middleware::from_fn_with_state(
                mcp_guard,
                guard::check_mcp_request,
            ));
    let protected =
        Router::new()
            .merge(mcp)
            .merge(legacy)
            .layer(axum::middleware::from_fn_with_state(
                state.clone(),
                auth::require_bearer,
            ));
    Router::new()
        .route(
            "/.well-known/oauth-protected-resource",
            get(auth::metadata_document),
        )
        .route(
            "/.well-known/oauth-protected-resource/mcp",
            get(auth::metadata_document),
        )
        .merge(protected)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            guard::timeout,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            guard::rate_limit,
        ))
        .with_state(state)
}

/// rmcp's Streamable HTTP service behind an `Arc`. axum clones a route's
/// service for every request, and a clone of rmcp's copies its whole
/// configuration, host and origin lists included.
#[derive(Clone)]
struct SharedStreamable(Arc<StreamableHttpService<DevopsServer, LocalSessionManager>>);

impl tower::Service<axum::extract::Request> for SharedStreamable {
    type Response = axum::response::Response;
    type Error = std::convert::Infallible;
    type Future = futures::future::BoxFuture<'static, Result<Self::Response, Self::Error>>;

    fn poll_ready(
        &mut self,
        _context: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), Self::Error>> {
        std::task::Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: axum::extract::Request) -> Self::Future {
        let service = Arc::clone(&self.0);
        Box::pin(async move { Ok(service.handle(request).await.map(axum::body::Body::new)) })
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
