//! The fake itself: a local HTTPS server of the Log Analytics query API that enforces the contract in
//! `../shared/contracts/azure-monitor-logs/` (see `contract.rs`).
//!
//! It serves TLS with a self-signed rcgen certificate for `localhost`; the test transport
//! trusts only that certificate and pins `localhost` to 127.0.0.1, so the SDK's bearer
//! policy (https only) runs unchanged and nothing leaves the machine. Every request is
//! matched to an operation of the Swagger under its `basePath`; the fake checks the method
//! (the client must POST the body form), the absence of query parameters the operation does
//! not declare, `Content-Type: application/json`, the body against the operation's body
//! schema (`queryBody`: `query` required, declared properties and types only, unknown ones
//! rejected) and the `timespan` syntax (ISO 8601 duration or interval), the `Prefer` header
//! (RFC 7240 list of the documented preferences, `wait` 1..=600, `include-*` true/false, no
//! repeats) and `Authorization: Bearer <the token the test's credential handed out>`.
//! Breaches are recorded as violations and answered with a 400. Every response body it sends
//! is validated against the operation's declared response schema (`queryResults` for 200,
//! `errorResponse` otherwise); a mismatch is a violation too.
//!
//! Behaviour by target: see the `WS_*` and `*_RESOURCE` constants.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use tokio_rustls::rustls;

use crate::contract;

/// The contract example's workspace: answers `la-post-example.json` for its own request.
pub const WS_EXAMPLE: &str = "63613592-b6f7-4c3d-a390-22ba13102111";
/// Answers one table with a column of each of the ten types, in the service's wire forms.
pub const WS_TYPES: &str = "0b0c0d0e-0000-4000-8000-000000000001";
/// Answers the request it received (body as `dynamic`, `Prefer` as `string`).
pub const WS_ECHO: &str = "0b0c0d0e-0000-4000-8000-000000000002";
/// Answers a partial result: rows plus an `error` with details.
pub const WS_PARTIAL: &str = "0b0c0d0e-0000-4000-8000-000000000003";
/// Answers 400 with a syntax error at line 2, position 10.
pub const WS_SYNTAX: &str = "0b0c0d0e-0000-4000-8000-000000000004";
/// Answers 403 InsufficientAccessError.
pub const WS_FORBIDDEN: &str = "0b0c0d0e-0000-4000-8000-000000000005";
/// Answers its first request 429 with `Retry-After: 1`, then results.
pub const WS_THROTTLED_ONCE: &str = "0b0c0d0e-0000-4000-8000-000000000006";
/// Answers every request 429 with `Retry-After: 1`.
pub const WS_THROTTLED: &str = "0b0c0d0e-0000-4000-8000-000000000007";
/// Answers every request 500.
pub const WS_FAILING: &str = "0b0c0d0e-0000-4000-8000-000000000008";
/// Runs for [`SLOW_QUERY`], honouring `Prefer: wait`: past it, 504 GatewayTimeout.
pub const WS_SLOW: &str = "0b0c0d0e-0000-4000-8000-000000000009";
/// Ignores `Prefer: wait` and stalls for [`STALL`] before answering.
pub const WS_STALLS: &str = "0b0c0d0e-0000-4000-8000-00000000000a";
/// Answers 401 with a message that repeats the presented `Authorization` header.
pub const WS_TOKEN_ECHO: &str = "0b0c0d0e-0000-4000-8000-00000000000b";
/// The contract example's resource (its ID as the example writes it, with a leading `/`):
/// answers `la-post-resource-centric-example.json` for its own request.
pub const EXAMPLE_RESOURCE: &str = "/subscriptions/fffa080af-c2d8-40ad-9cce-e1a450bawb57/resourceGroups/test-resourcegroup/providers/Microsoft.Storage/storageAccounts/storageaccountname";
/// An Application Insights component: answers like [`WS_ECHO`].
pub const APP_RESOURCE: &str = "/subscriptions/00000000-0000-0000-0000-0000000000aa/resourceGroups/shop-rg/providers/Microsoft.Insights/components/shop-ai";

/// How long a [`WS_SLOW`] query runs.
pub const SLOW_QUERY: Duration = Duration::from_secs(2);
/// How long [`WS_STALLS`] stalls (bounded, so the fake always finishes).
pub const STALL: Duration = Duration::from_secs(10);

/// Preferences the query API documents.
const PREFERENCES: [&str; 5] = [
    "wait",
    "include-statistics",
    "include-render",
    "include-dataSources",
    "include-permissions",
];

// --- TLS ----------------------------------------------------------------------

struct TlsListener {
    tcp: tokio::net::TcpListener,
    acceptor: tokio_rustls::TlsAcceptor,
}

impl axum::serve::Listener for TlsListener {
    type Io = tokio_rustls::server::TlsStream<tokio::net::TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            let Ok((stream, peer)) = self.tcp.accept().await else {
                continue;
            };
            // A client that does not trust the certificate is dropped.
            if let Ok(tls) = self.acceptor.accept(stream).await {
                return (tls, peer);
            }
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        self.tcp.local_addr()
    }
}

// --- the fake ---------------------------------------------------------------------

/// One request as the fake saw it.
#[derive(Clone, Debug)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub prefer: Option<String>,
    pub body: String,
}

#[derive(Default)]
struct State {
    token: String,
    violations: Mutex<Vec<String>>,
    seen: Mutex<Vec<Seen>>,
    hits: Mutex<HashMap<String, usize>>,
}

impl State {
    fn violation(&self, text: String) {
        self.violations.lock().expect("violations").push(text);
    }
}

pub struct FakeLogAnalytics {
    pub port: u16,
    certificate: Vec<u8>,
    state: Arc<State>,
}

impl FakeLogAnalytics {
    /// Start on 127.0.0.1, accepting only `Bearer {token}`.
    pub async fn start(token: &str) -> Self {
        let certified =
            rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).expect("certificate");
        let certificate = certified.cert.der().to_vec();
        let key =
            rustls::pki_types::PrivateKeyDer::Pkcs8(certified.signing_key.serialize_der().into());
        let config = rustls::ServerConfig::builder()
            .with_no_client_auth()
            .with_single_cert(vec![certificate.clone().into()], key)
            .expect("server config");
        let tcp = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let port = tcp.local_addr().expect("addr").port();
        let state = Arc::new(State {
            token: token.to_owned(),
            ..State::default()
        });
        let app = axum::Router::new().fallback({
            let state = state.clone();
            move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
                let state = state.clone();
                async move { handle(&state, method, uri, headers, body).await }
            }
        });
        let listener = TlsListener {
            tcp,
            acceptor: tokio_rustls::TlsAcceptor::from(Arc::new(config)),
        };
        tokio::spawn(async move {
            axum::serve(listener, app).await.expect("serve");
        });
        Self {
            port,
            certificate,
            state,
        }
    }

    /// The endpoint to give the client.
    pub fn endpoint(&self) -> String {
        format!("https://localhost:{}", self.port)
    }

    /// A reqwest client that trusts only the fake and pins `localhost` to it.
    pub fn http_client(&self) -> reqwest::Client {
        reqwest::Client::builder()
            .tls_certs_only([reqwest::Certificate::from_der(&self.certificate).expect("cert")])
            .resolve("localhost", SocketAddr::from(([127, 0, 0, 1], self.port)))
            .no_proxy()
            .build()
            .expect("reqwest client")
    }

    /// The same, as an SDK transport.
    pub fn transport(&self) -> azure_core::http::Transport {
        azure_core::http::Transport::new(Arc::new(self.http_client()))
    }

    pub fn violations(&self) -> Vec<String> {
        self.state.violations.lock().expect("violations").clone()
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.state.seen.lock().expect("seen").clone()
    }

    /// Panic if any request or response broke the contract.
    pub fn assert_clean(&self) {
        let violations = self.violations();
        assert!(
            violations.is_empty(),
            "contract violations: {violations:#?}"
        );
    }
}

fn error_body(code: &str, message: &str) -> Value {
    json!({ "error": { "code": code, "message": message, "correlationId": "00000000-0000-0000-0000-0000000000cc" } })
}

/// A response, after checking its body against the operation's declared schema.
fn reply(
    state: &State,
    operation: Option<&Value>,
    status: StatusCode,
    headers: &[(&'static str, String)],
    body: &str,
) -> Response {
    if let Some(operation) = operation {
        let parsed: Value = serde_json::from_str(body).unwrap_or(Value::Null);
        let schema = contract::response_schema(operation, status.as_u16());
        if let Err(e) = contract::validate(schema, &parsed, false) {
            state.violation(format!(
                "the fake's own {status} response breaks the contract: {e}"
            ));
        }
    }
    let mut response = (status, body.to_owned()).into_response();
    response.headers_mut().insert(
        "content-type",
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    for (name, value) in headers {
        response
            .headers_mut()
            .insert(*name, HeaderValue::from_str(value).expect("header value"));
    }
    response
}

async fn handle(
    state: &State,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let body_text = String::from_utf8_lossy(&body).into_owned();
    state.seen.lock().expect("seen").push(Seen {
        method: method.to_string(),
        path: uri.path().to_owned(),
        prefer: header("prefer"),
        body: body_text.clone(),
    });

    let bad = |text: String| {
        state.violation(text.clone());
        reply(
            state,
            None,
            StatusCode::BAD_REQUEST,
            &[],
            &error_body("FakeContractViolation", &text).to_string(),
        )
    };

    let Some(path) = uri.path().strip_prefix(contract::base_path()) else {
        return bad(format!(
            "{} is not under basePath {}",
            uri.path(),
            contract::base_path()
        ));
    };
    let Some(matched) = contract::find(method.as_str(), path) else {
        return bad(format!("{method} {path}: not an operation of the contract"));
    };
    let operation = matched.operation;
    let operation_id = operation["operationId"].as_str().unwrap_or("?");
    if method != Method::POST {
        return bad(format!(
            "{operation_id}: the client must POST the query in a body, not {method}"
        ));
    }

    // Query parameters: only declared ones (the POST operations declare none).
    let declared_query: Vec<&str> = contract::parameters(operation)
        .iter()
        .filter(|p| p["in"] == "query")
        .filter_map(|p| p["name"].as_str())
        .collect();
    for pair in uri
        .query()
        .unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty())
    {
        let name = percent_decode(pair.split('=').next().unwrap_or(""));
        if !declared_query.contains(&name.as_str()) {
            return bad(format!(
                "{operation_id}: undeclared query parameter `{name}`"
            ));
        }
    }

    // Path parameters: present and of their declared type (all strings here).
    for parameter in contract::parameters(operation) {
        let name = parameter["name"].as_str().unwrap_or("");
        match parameter["in"].as_str() {
            Some("path") => {
                let value = matched
                    .params
                    .iter()
                    .find(|(n, _)| n == name)
                    .map(|(_, v)| v);
                match value {
                    Some(value) if !value.is_empty() => {
                        let mut schema = parameter.clone();
                        for key in ["name", "in", "description", "required"] {
                            schema.as_object_mut().map(|m| m.remove(key));
                        }
                        if let Err(e) = contract::validate(&schema, &json!(value), true) {
                            return bad(format!("{operation_id}: path parameter {name}: {e}"));
                        }
                    }
                    _ => return bad(format!("{operation_id}: missing path parameter {name}")),
                }
            }
            Some("header") => {
                if let Some(value) = header(name)
                    && name.eq_ignore_ascii_case("prefer")
                    && let Err(e) = check_prefer(&value)
                {
                    return bad(format!("{operation_id}: Prefer `{value}`: {e}"));
                }
            }
            Some("body") => {
                let content_type = header("content-type").unwrap_or_default();
                if content_type.split(';').next().map(str::trim) != Some("application/json") {
                    return bad(format!(
                        "{operation_id}: Content-Type must be application/json, got `{content_type}`"
                    ));
                }
                let Ok(instance) = serde_json::from_slice::<Value>(&body) else {
                    return bad(format!("{operation_id}: the body is not JSON"));
                };
                if let Err(e) = contract::validate(&parameter["schema"], &instance, true) {
                    return bad(format!("{operation_id}: body: {e}"));
                }
                if let Some(timespan) = instance.get("timespan").and_then(Value::as_str)
                    && !iso_timespan(timespan)
                {
                    return bad(format!(
                        "{operation_id}: body timespan `{timespan}` is not an ISO 8601 duration or interval"
                    ));
                }
            }
            _ => {}
        }
    }

    // Authentication comes before any data is looked at.
    let expected = format!("Bearer {}", state.token);
    match header("authorization") {
        None => {
            return reply(
                state,
                Some(operation),
                StatusCode::UNAUTHORIZED,
                &[(
                    "www-authenticate",
                    "Bearer authorization_uri=\"https://login.microsoftonline.com/common/oauth2/authorize\", error=\"invalid_token\"".to_owned(),
                )],
                &error_body("AuthorizationRequiredError", "Valid authentication was not provided").to_string(),
            );
        }
        Some(presented) if presented != expected => {
            return reply(
                state,
                Some(operation),
                StatusCode::UNAUTHORIZED,
                &[],
                &error_body(
                    "InvalidTokenError",
                    "The provided authentication is not valid for this resource",
                )
                .to_string(),
            );
        }
        Some(_) => {}
    }

    let param = |name: &str| {
        matched
            .params
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
    };
    let request: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let prefer = preferences(header("prefer").as_deref().unwrap_or(""));
    let key = param("workspaceId")
        .map(|ws| ws.to_ascii_lowercase())
        .or_else(|| param("resourceId").map(|r| format!("/{r}")))
        .unwrap_or_default();
    let hit = {
        let mut hits = state.hits.lock().expect("hits");
        let count = hits.entry(key.clone()).or_default();
        *count += 1;
        *count
    };
    let ok = |body: String| reply(state, Some(operation), StatusCode::OK, &[], &body);
    let fail = |status: StatusCode, headers: &[(&'static str, String)], body: Value| {
        reply(state, Some(operation), status, headers, &body.to_string())
    };
    // Spliced into the body text, so the raw digits of the body's numbers stay as written.
    let extras = |body: &str| {
        let mut text = body.trim_end().trim_end_matches('}').to_owned();
        if prefer.get("include-statistics").map(String::as_str) == Some("true") {
            text.push_str(r#","statistics":{"query":{"executionTime":0.012,"resourceUsage":{"cache":{"memory":{"hits":2,"misses":0}}}}}"#);
        }
        if prefer.get("include-render").map(String::as_str) == Some("true") {
            text.push_str(r#","render":{"visualization":"table","title":"","accumulate":false,"kind":"","by":null}"#);
        }
        text.push('}');
        text
    };
    let count_table = r#"{"tables":[{"name":"PrimaryResult","columns":[{"name":"Count","type":"long"}],"rows":[[1]]}]}"#;

    match key.as_str() {
        WS_EXAMPLE => serve_example(
            state,
            operation,
            "2022-10-27_Preview/la-post-example.json",
            &request,
        ),
        k if k.eq_ignore_ascii_case(EXAMPLE_RESOURCE) => serve_example(
            state,
            operation,
            "2022-10-27/la-post-resource-centric-example.json",
            &request,
        ),
        WS_TYPES => ok(extras(TYPES_BODY)),
        WS_ECHO => ok(extras(&echo(&request, header("prefer")).to_string())),
        k if k.eq_ignore_ascii_case(APP_RESOURCE) => {
            ok(extras(&echo(&request, header("prefer")).to_string()))
        }
        WS_PARTIAL => ok(PARTIAL_BODY.to_owned()),
        WS_SYNTAX => fail(
            StatusCode::BAD_REQUEST,
            &[],
            serde_json::from_str(SYNTAX_BODY).expect("syntax body"),
        ),
        WS_FORBIDDEN => fail(
            StatusCode::FORBIDDEN,
            &[],
            error_body(
                "InsufficientAccessError",
                "The provided credentials have insufficient access to perform the requested operation",
            ),
        ),
        WS_THROTTLED_ONCE if hit == 1 => fail(
            StatusCode::TOO_MANY_REQUESTS,
            &[("retry-after", "1".to_owned())],
            error_body("ThrottledError", "Too many requests; retry after 1 second"),
        ),
        WS_THROTTLED_ONCE => ok(count_table.to_owned()),
        WS_THROTTLED => fail(
            StatusCode::TOO_MANY_REQUESTS,
            &[("retry-after", "1".to_owned())],
            error_body("ThrottledError", "Too many requests; retry after 1 second"),
        ),
        WS_FAILING => fail(
            StatusCode::INTERNAL_SERVER_ERROR,
            &[],
            error_body("InternalServerError", "Something went wrong on the server"),
        ),
        WS_SLOW => {
            let wait = prefer
                .get("wait")
                .and_then(|w| w.parse::<u64>().ok())
                .map_or(Duration::from_secs(180), Duration::from_secs);
            if wait < SLOW_QUERY {
                tokio::time::sleep(wait).await;
                fail(
                    StatusCode::GATEWAY_TIMEOUT,
                    &[],
                    json!({"error": {"code": "GatewayTimeout", "message": "Gateway timeout",
                        "innererror": {"code": "GatewayTimeout", "message": format!("The query ran longer than the server timeout of {} s", wait.as_secs())}}}),
                )
            } else {
                tokio::time::sleep(SLOW_QUERY).await;
                ok(count_table.to_owned())
            }
        }
        WS_STALLS => {
            tokio::time::sleep(STALL).await;
            ok(count_table.to_owned())
        }
        WS_TOKEN_ECHO => fail(
            StatusCode::UNAUTHORIZED,
            &[],
            error_body(
                "InvalidTokenError",
                &format!(
                    "The token is expired. Authorization: {}",
                    header("authorization").unwrap_or_default()
                ),
            ),
        ),
        _ => {
            let (code, message) = if key.starts_with('/') {
                (
                    "ResourceNotFoundError",
                    format!("The resource {key} could not be found"),
                )
            } else {
                (
                    "WorkspaceNotFoundError",
                    format!("Workspace {key} could not be found"),
                )
            };
            fail(StatusCode::NOT_FOUND, &[], error_body(code, &message))
        }
    }
}

/// The example's 200 body, when the request is the example's own.
fn serve_example(state: &State, operation: &Value, file: &str, request: &Value) -> Response {
    let example = contract::example(file);
    let expected = &example["parameters"]["body"];
    if request != expected {
        return reply(
            state,
            Some(operation),
            StatusCode::BAD_REQUEST,
            &[],
            &error_body(
                "BadArgumentError",
                &format!("this fake serves {file} only for its request {expected}, got {request}"),
            )
            .to_string(),
        );
    }
    reply(
        state,
        Some(operation),
        StatusCode::OK,
        &[],
        &example["responses"]["200"]["body"].to_string(),
    )
}

/// The request, as a one-row table: the body (a `dynamic`, sent as a JSON string like the
/// service sends dynamic values) and the `Prefer` header.
fn echo(request: &Value, prefer: Option<String>) -> Value {
    json!({"tables": [{
        "name": "PrimaryResult",
        "columns": [{"name": "Body", "type": "dynamic"}, {"name": "Prefer", "type": "string"}],
        "rows": [[request.to_string(), prefer]]
    }]})
}

/// Every column type in the service's wire form: numbers as JSON numbers (`long` at the
/// 64-bit limits), `bool` as JSON booleans, `dynamic` as a string of JSON, `decimal` as a
/// string (and once as a bare number with more digits than an f64 holds), `real` NaN as a
/// string; the last row is all nulls.
pub const TYPES_BODY: &str = r#"{"tables":[{"name":"PrimaryResult","columns":[
 {"name":"Flag","type":"bool"},{"name":"When","type":"datetime"},{"name":"Props","type":"dynamic"},
 {"name":"Id","type":"guid"},{"name":"Small","type":"int"},{"name":"Big","type":"long"},
 {"name":"Ratio","type":"real"},{"name":"Name","type":"string"},{"name":"Elapsed","type":"timespan"},
 {"name":"Price","type":"decimal"}],
 "rows":[
 [true,"2024-05-01T12:34:56.789Z","{\"region\":\"westeurope\",\"ids\":[1,2,3],\"big\":9007199254740993}","b438b4f6-912a-46d5-9cb1-b44069212abc",2147483647,9223372036854775807,0.25,"ok","1.02:03:04.5670000","79228162514264337593543950335"],
 [false,"2024-05-01T00:00:00Z","[]","00000000-0000-0000-0000-000000000000",-2147483648,-9223372036854775808,"NaN","","-00:00:01",0.1234567890123456789012345678],
 [null,null,null,null,null,null,null,null,null,null]
 ]}]}"#;

/// A partial result as the service sends it: rows, and an error with per-part details.
const PARTIAL_BODY: &str = r#"{"tables":[{"name":"PrimaryResult","columns":[{"name":"Computer","type":"string"},{"name":"Count","type":"long"}],"rows":[["web-1",3]]}],
 "error":{"code":"PartialError","message":"There were some errors when processing your query.",
 "details":[{"code":"EngineError","message":"Something went wrong processing your query on the server.","resources":["/subscriptions/00000000-0000-0000-0000-0000000000aa/resourcegroups/shop-rg/providers/microsoft.operationalinsights/workspaces/second"],
 "innererror":{"code":"-2133196790","message":"Query result set has exceeded the internal record count limit 500000","severity":2,"severityName":"Error"}}]}}"#;

/// A syntax error as the service sends it, three levels deep, with line and position.
const SYNTAX_BODY: &str = r#"{"error":{"message":"The request had some invalid properties","code":"BadArgumentError","correlationId":"00000000-0000-0000-0000-0000000000cc",
 "innererror":{"code":"SyntaxError","message":"A recognition error occurred in the query.",
 "innererror":{"code":"SYN0002","message":"Query could not be parsed at 'joi' on line [2,10]","line":2,"pos":10,"token":"joi"}}}}"#;

/// The `Prefer` header as `name -> value` (last wins; checked elsewhere).
fn preferences(header: &str) -> HashMap<String, String> {
    header
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (name, value) = p.split_once('=').unwrap_or((p, ""));
            (
                name.trim().to_owned(),
                value.trim().trim_matches('"').to_owned(),
            )
        })
        .collect()
}

/// RFC 7240: `Prefer = 1#preference`, `preference = token [ BWS "=" BWS word ]
/// *( OWS ";" [ OWS parameter ] )`; here also: documented names only, once each, and
/// their documented values.
fn check_prefer(header: &str) -> Result<(), String> {
    let tchar = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c);
    let mut seen: Vec<String> = Vec::new();
    for preference in header.split(',') {
        let preference = preference.trim();
        if preference.is_empty() {
            return Err("an empty list element".to_owned());
        }
        let head = preference.split(';').next().unwrap_or("").trim();
        let (name, value) = match head.split_once('=') {
            Some((name, value)) => (name.trim(), Some(value.trim())),
            None => (head, None),
        };
        if name.is_empty() || !name.chars().all(tchar) {
            return Err(format!("`{name}` is not a token"));
        }
        let value = value.map(|v| {
            v.strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .unwrap_or(v)
        });
        if let Some(value) = value
            && (value.is_empty() || !value.chars().all(tchar))
        {
            return Err(format!("the value of `{name}` is not a token"));
        }
        let Some(known) = PREFERENCES.iter().find(|p| p.eq_ignore_ascii_case(name)) else {
            return Err(format!("`{name}` is not a preference of this API"));
        };
        if seen.iter().any(|s| s.eq_ignore_ascii_case(name)) {
            return Err(format!("`{name}` is given twice"));
        }
        seen.push(name.to_owned());
        match (*known, value) {
            ("wait", Some(v)) if v.parse::<u64>().is_ok_and(|s| (1..=600).contains(&s)) => {}
            ("wait", _) => return Err("`wait` takes whole seconds from 1 to 600".to_owned()),
            (_, Some("true" | "false")) => {}
            (other, _) => return Err(format!("`{other}` takes true or false")),
        }
    }
    Ok(())
}

/// ISO 8601 duration (`PnYnMnWnDTnHnMnS`), or an interval of two timestamps or of a
/// timestamp and a duration.
fn iso_timespan(text: &str) -> bool {
    let duration =
        regex::Regex::new(r"^P(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(\d+H)?(\d+M)?(\d+([.,]\d+)?S)?)?$")
            .expect("regex");
    let timestamp =
        regex::Regex::new(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
            .expect("regex");
    let is_duration = |t: &str| duration.is_match(t) && t != "P" && !t.ends_with('T');
    match text.split_once('/') {
        None => is_duration(text),
        Some((a, b)) => {
            (timestamp.is_match(a) && (timestamp.is_match(b) || is_duration(b)))
                || (is_duration(a) && timestamp.is_match(b))
        }
    }
}

/// Decode `%XX` escapes in a path segment.
pub fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = (bytes[i] == b'%' && i + 2 < bytes.len())
            .then(|| u8::from_str_radix(std::str::from_utf8(&bytes[i + 1..i + 3]).ok()?, 16).ok())
            .flatten();
        match escaped {
            Some(byte) => {
                out.push(byte);
                i += 3;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}
