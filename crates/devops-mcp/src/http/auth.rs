//! Bearer authentication and the OAuth protected-resource metadata (RFC 9728)
//! that tells a standard MCP client where to get a token.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use subtle::ConstantTimeEq;

use super::HttpState;

/// The `401` for a request without the configured bearer token; `None` when
/// the token is right or none is configured.
pub(super) fn bearer_refusal(state: &HttpState, headers: &HeaderMap) -> Option<Response> {
    let expected = state.config.auth_token.as_ref()?;
    let presented = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| {
            value
                .strip_prefix("Bearer ")
                .or_else(|| value.strip_prefix("bearer "))
        })
        .map(str::trim);
    let valid = presented
        .is_some_and(|token| bool::from(token.as_bytes().ct_eq(expected.expose().as_bytes())));
    if valid {
        return None;
    }
    let metadata_url = format!(
        "{}/.well-known/oauth-protected-resource/mcp",
        base_url(headers)
    );
    let error = if presented.is_some() {
        ", error=\"invalid_token\""
    } else {
        ""
    };
    let challenge =
        format!("Bearer realm=\"devops-mcp\", resource_metadata=\"{metadata_url}\"{error}");
    let mut response = (
        StatusCode::UNAUTHORIZED,
        axum::Json(serde_json::json!({
            "error": "unauthorized",
            "message": "send `Authorization: Bearer <token>` with the token configured on the server (DEVOPS_MCP_AUTH_TOKEN or --auth-token-file)",
        })),
    )
        .into_response();
    if let Ok(value) = HeaderValue::from_str(&challenge) {
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, value);
    }
    Some(response)
}

/// `GET /.well-known/oauth-protected-resource[/mcp]`.
pub(super) async fn metadata_document(
    State(state): State<Arc<HttpState>>,
    headers: HeaderMap,
) -> Response {
    axum::Json(protected_resource_metadata(
        &base_url(&headers),
        &state.config.authorization_servers,
    ))
    .into_response()
}

/// The RFC 9728 document for the resource at `<base>/mcp`.
pub fn protected_resource_metadata(
    base: &str,
    authorization_servers: &[String],
) -> serde_json::Value {
    let mut document = serde_json::json!({
        "resource": format!("{base}/mcp"),
        "bearer_methods_supported": ["header"],
        "resource_name": "devops-mcp",
    });
    if !authorization_servers.is_empty() {
        document["authorization_servers"] = serde_json::json!(authorization_servers);
    }
    document
}

/// `http://<Host>` of the request; the server itself never terminates TLS.
fn base_url(headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|value| value.to_str().ok())
        .filter(|host| {
            host.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-.:[]".contains(c))
        })
        .unwrap_or("localhost");
    let scheme = headers
        .get("x-forwarded-proto")
        .and_then(|value| value.to_str().ok())
        .filter(|proto| *proto == "https")
        .unwrap_or("http");
    format!("{scheme}://{host}")
}
