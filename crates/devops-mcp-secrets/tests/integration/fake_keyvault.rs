//! A local HTTPS fake of the Key Vault secrets data plane that enforces the
//! contract in `../shared/contracts/azure-keyvault-secrets/` (Swagger 2.0,
//! api-version 2025-07-01).
//!
//! It serves TLS with a self-signed rcgen certificate for `*.vault.azure.net`
//! names; the test's reqwest client trusts only that certificate and resolves
//! those names to 127.0.0.1, so the real SDK keeps its https-only bearer
//! policy and its challenge-resource check. Each request is matched to its
//! operation in the Swagger file; `api-version`, path and query parameters
//! and the JSON body (read-only properties forbidden) are validated, and so
//! is every response, against the operation's `200` schema or `KeyVaultError`.
//! A request without a bearer token gets the 401 challenge (`WWW-Authenticate:
//! Bearer authorization=..., resource="https://vault.azure.net"`); tokens are
//! checked for scope and expiry.
//!
//! Vaults by host: `myvault` works; `lockedvault` answers 403 (RBAC) once
//! authenticated; `busyvault` answers its first authenticated request with
//! 429 + `Retry-After: 1`. Lists are paged two items at a time through
//! `nextLink`, so clients must follow it.

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, OnceLock};

use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use azure_core::credentials::{AccessToken, TokenCredential, TokenRequestOptions};
use serde_json::{Value, json};
use tokio_rustls::rustls;

pub const API_VERSION: &str = "2025-07-01";
pub const VAULTS: &[&str] = &["myvault", "lockedvault", "busyvault"];
const SCOPE: &str = "https://vault.azure.net/.default";
const PAGE: usize = 2;

fn contract() -> &'static Value {
    static SPEC: OnceLock<Value> = OnceLock::new();
    SPEC.get_or_init(|| {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../../shared/contracts/azure-keyvault-secrets/secrets.json"
        );
        serde_json::from_str(&std::fs::read_to_string(path).expect("contract file"))
            .expect("contract JSON")
    })
}

// --- schema validation ----------------------------------------------------

/// Swagger 2.0 schema to JSON Schema: `x-nullable` allows null; in requests,
/// `readOnly` properties are forbidden.
fn to_json_schema(value: &Value, request: bool) -> Value {
    match value {
        Value::Object(map) => {
            if request && map.get("readOnly") == Some(&Value::Bool(true)) {
                return Value::Bool(false);
            }
            let mut out = serde_json::Map::new();
            for (key, item) in map {
                if key == "properties" {
                    let properties: serde_json::Map<String, Value> = item
                        .as_object()
                        .into_iter()
                        .flatten()
                        .map(|(name, schema)| (name.clone(), to_json_schema(schema, request)))
                        .collect();
                    out.insert(key.clone(), Value::Object(properties));
                } else {
                    out.insert(key.clone(), to_json_schema(item, request));
                }
            }
            if map.get("x-nullable") == Some(&Value::Bool(true))
                && let Some(Value::String(kind)) = map.get("type")
            {
                out.insert("type".to_owned(), json!([kind, "null"]));
            }
            Value::Object(out)
        }
        Value::Array(items) => {
            Value::Array(items.iter().map(|i| to_json_schema(i, request)).collect())
        }
        other => other.clone(),
    }
}

/// Validate against a Swagger schema (refs into `#/definitions`).
pub fn validate(schema: &Value, instance: &Value, request: bool) -> Result<(), String> {
    let mut root = to_json_schema(schema, request);
    let definitions = to_json_schema(&contract()["definitions"], request);
    if let Value::Object(map) = &mut root {
        map.insert("definitions".to_owned(), definitions);
    } else {
        root = json!({ "allOf": [root], "definitions": definitions });
    }
    let validator =
        jsonschema::validator_for(&root).map_err(|e| format!("schema does not compile: {e}"))?;
    let errors: Vec<String> = validator
        .iter_errors(instance)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors.join("; "))
    }
}

fn resolve(value: &Value) -> &Value {
    match value.get("$ref").and_then(Value::as_str) {
        Some(reference) => {
            let mut node = contract();
            for part in reference.trim_start_matches("#/").split('/') {
                node = &node[part];
            }
            node
        }
        None => value,
    }
}

// --- TLS ------------------------------------------------------------------

/// The fake's certificate (DER) and a TLS acceptor serving it.
pub struct Tls {
    pub certificate: Vec<u8>,
    acceptor: tokio_rustls::TlsAcceptor,
}

fn tls() -> Tls {
    let names: Vec<String> = VAULTS
        .iter()
        .map(|v| format!("{v}.vault.azure.net"))
        .chain(["*.vault.azure.net".to_owned()])
        .collect();
    let certified = rcgen::generate_simple_self_signed(names).expect("certificate");
    let certificate = certified.cert.der().to_vec();
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(certified.signing_key.serialize_der().into());
    let config = rustls::ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(vec![certificate.clone().into()], key)
        .expect("server config");
    Tls {
        certificate,
        acceptor: tokio_rustls::TlsAcceptor::from(Arc::new(config)),
    }
}

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
            // A failed handshake (a client that does not trust us) is dropped.
            if let Ok(tls) = self.acceptor.accept(stream).await {
                return (tls, peer);
            }
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        self.tcp.local_addr()
    }
}

// --- the test's side: credential and transport -----------------------------

/// How the fake credential behaves.
#[derive(Debug, Clone)]
pub enum TokenMode {
    /// A valid token for an hour.
    Valid,
    /// A token that expired an hour ago (the vault rejects it).
    Expired,
    /// No token at all: the sign-in has expired.
    Fails,
}

/// A `TokenCredential` that needs no network.
#[derive(Debug)]
pub struct FakeCredential {
    pub mode: TokenMode,
    pub requests: Mutex<Vec<String>>,
}

impl FakeCredential {
    pub fn new(mode: TokenMode) -> Arc<Self> {
        Arc::new(Self {
            mode,
            requests: Mutex::new(Vec::new()),
        })
    }
}

#[async_trait::async_trait]
impl TokenCredential for FakeCredential {
    async fn get_token(
        &self,
        scopes: &[&str],
        _options: Option<TokenRequestOptions<'_>>,
    ) -> azure_core::Result<AccessToken> {
        self.requests
            .lock()
            .expect("requests")
            .push(scopes.join(" "));
        let now = time::OffsetDateTime::now_utc();
        let expires = match self.mode {
            TokenMode::Valid => now + time::Duration::hours(1),
            TokenMode::Expired => now - time::Duration::hours(1),
            TokenMode::Fails => {
                return Err(azure_core::Error::with_message(
                    azure_core::error::ErrorKind::Credential,
                    "AADSTS700082: The refresh token has expired due to inactivity. Run `az login`.",
                ));
            }
        };
        Ok(AccessToken::new(
            format!("fake|{}|{}", scopes.join(" "), expires.unix_timestamp()),
            expires,
        ))
    }
}

/// Resolves the fake's vault names to loopback and every other name to a lookup failure.
struct LoopbackResolver;

impl reqwest::dns::Resolve for LoopbackResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let known = VAULTS
                .iter()
                .any(|v| host == format!("{v}.vault.azure.net"));
            if known {
                let addrs: reqwest::dns::Addrs =
                    Box::new(std::iter::once(SocketAddr::from(([127, 0, 0, 1], 0))));
                Ok(addrs)
            } else {
                Err(Box::new(std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    format!(
                        "failed to lookup address information: Name or service not known ({host})"
                    ),
                ))
                    as Box<dyn std::error::Error + Send + Sync>)
            }
        })
    }
}

// --- the fake ---------------------------------------------------------------

#[derive(Clone)]
pub struct StoredVersion {
    pub version: String,
    pub value: String,
    pub content_type: Option<String>,
    pub tags: Option<Value>,
    pub attributes: Value,
}

/// One request as the fake saw it.
#[derive(Clone, Debug)]
pub struct Seen {
    pub host: String,
    pub method: String,
    pub path_and_query: String,
    pub authorized: bool,
    pub body_len: usize,
}

#[derive(Default)]
struct State {
    port: u16,
    secrets: Mutex<BTreeMap<(String, String), Vec<StoredVersion>>>,
    violations: Mutex<Vec<String>>,
    seen: Mutex<Vec<Seen>>,
    authorized_hits: Mutex<HashMap<String, usize>>,
    counter: Mutex<u64>,
}

pub struct FakeKeyVault {
    pub port: u16,
    certificate: Vec<u8>,
    state: Arc<State>,
}

impl FakeKeyVault {
    pub async fn start() -> Self {
        let tls = tls();
        let tcp = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let port = tcp.local_addr().expect("addr").port();
        let state = Arc::new(State {
            port,
            ..State::default()
        });
        let app = axum::Router::new().fallback({
            let state = state.clone();
            move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
                let state = state.clone();
                async move { handle(&state, method, uri, headers, body) }
            }
        });
        let listener = TlsListener {
            tcp,
            acceptor: tls.acceptor,
        };
        tokio::spawn(async move {
            axum::serve(listener, app).await.expect("serve");
        });
        Self {
            port,
            certificate: tls.certificate,
            state,
        }
    }

    /// `https://<vault>.vault.azure.net:<port>/`.
    pub fn url(&self, vault: &str) -> String {
        format!("https://{vault}.vault.azure.net:{}/", self.port)
    }

    /// An SDK transport that trusts only the fake and resolves its names to loopback.
    pub fn transport(&self) -> azure_core::http::Transport {
        let client = reqwest::Client::builder()
            .tls_certs_only([
                reqwest::Certificate::from_der(&self.certificate).expect("certificate")
            ])
            .dns_resolver(LoopbackResolver)
            .no_proxy()
            .build()
            .expect("reqwest client");
        azure_core::http::Transport::new(Arc::new(client))
    }

    pub fn violations(&self) -> Vec<String> {
        self.state.violations.lock().expect("violations").clone()
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.state.seen.lock().expect("seen").clone()
    }

    pub fn versions(&self, vault: &str, name: &str) -> Vec<StoredVersion> {
        self.state
            .secrets
            .lock()
            .expect("secrets")
            .get(&(vault.to_owned(), name.to_ascii_lowercase()))
            .cloned()
            .unwrap_or_default()
    }
}

fn kv_error(
    status: StatusCode,
    code: &str,
    message: &str,
    inner: Option<&str>,
) -> (StatusCode, Value) {
    let mut error = json!({ "error": { "code": code, "message": message } });
    if let Some(inner) = inner {
        error["error"]["innererror"] = json!({ "code": inner });
    }
    (status, error)
}

fn handle(state: &State, method: Method, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
    let host = headers
        .get("host")
        .and_then(|h| h.to_str().ok())
        .unwrap_or("")
        .split(':')
        .next()
        .unwrap_or("")
        .to_owned();
    let vault = host.trim_end_matches(".vault.azure.net").to_owned();
    let authorization = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    state.seen.lock().expect("seen").push(Seen {
        host: host.clone(),
        method: method.to_string(),
        path_and_query: uri
            .path_and_query()
            .map(|p| p.to_string())
            .unwrap_or_default(),
        authorized: authorization.is_some(),
        body_len: body.len(),
    });
    let violation = |text: String| state.violations.lock().expect("violations").push(text);

    // Operation lookup in the contract.
    let path = uri.path().to_owned();
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let (template, params): (&str, HashMap<&str, String>) =
        match (method.as_str(), segments.as_slice()) {
            ("GET", ["secrets"]) => ("/secrets", HashMap::new()),
            ("GET", ["secrets", name, "versions"]) => (
                "/secrets/{secret-name}/versions",
                HashMap::from([("secret-name", (*name).to_owned())]),
            ),
            ("PUT" | "DELETE", ["secrets", name]) => (
                "/secrets/{secret-name}",
                HashMap::from([("secret-name", (*name).to_owned())]),
            ),
            ("GET", ["secrets", name, version]) => (
                "/secrets/{secret-name}/{secret-version}",
                HashMap::from([
                    ("secret-name", (*name).to_owned()),
                    ("secret-version", (*version).to_owned()),
                ]),
            ),
            _ => {
                violation(format!("{method} {path}: not an operation of the contract"));
                return (StatusCode::NOT_FOUND, "").into_response();
            }
        };
    let operation = &contract()["paths"][template][method.as_str().to_ascii_lowercase()];
    let operation_id = operation["operationId"].as_str().unwrap_or("?").to_owned();

    // Parameters.
    let query: HashMap<String, String> = uri
        .query()
        .unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty())
        .filter_map(|p| {
            p.split_once('=').map(|(k, v)| {
                (
                    crate::common::percent_decode(k),
                    crate::common::percent_decode(v),
                )
            })
        })
        .collect();
    let mut body_schema = Value::Null;
    for parameter in operation["parameters"].as_array().into_iter().flatten() {
        let parameter = resolve(parameter);
        let name = parameter["name"].as_str().unwrap_or("");
        let raw = match parameter["in"].as_str() {
            Some("path") => params.get(name).cloned(),
            Some("query") => query.get(name).cloned(),
            Some("body") => {
                body_schema = parameter["schema"].clone();
                continue;
            }
            _ => None,
        };
        let mut schema = parameter.clone();
        for key in [
            "name",
            "in",
            "description",
            "required",
            "x-ms-client-name",
            "x-ms-parameter-location",
        ] {
            schema.as_object_mut().map(|m| m.remove(key));
        }
        match raw {
            // An empty version segment means "the current version" (the SDK's get_secret without a version).
            Some(raw) if name == "secret-version" && raw.is_empty() => {}
            Some(raw) => {
                let instance = if schema["type"] == "integer" {
                    raw.parse::<i64>()
                        .map(Value::from)
                        .unwrap_or(Value::String(raw))
                } else {
                    Value::String(raw)
                };
                if let Err(e) = validate(&schema, &instance, true) {
                    violation(format!("{operation_id}: parameter {name}: {e}"));
                }
            }
            None if parameter["required"] == true => {
                violation(format!("{operation_id}: missing parameter {name}"))
            }
            None => {}
        }
    }
    if query.get("api-version").map(String::as_str) != Some(API_VERSION) {
        violation(format!(
            "{operation_id}: api-version must be {API_VERSION}, got {:?}",
            query.get("api-version")
        ));
    }

    // The challenge comes before the body is looked at.
    let Some(token) = authorization
        .as_deref()
        .and_then(|a| a.strip_prefix("Bearer "))
    else {
        let (status, body) = kv_error(
            StatusCode::UNAUTHORIZED,
            "Unauthorized",
            "AKV10000: Request is missing a Bearer or PoP token.",
            None,
        );
        check_response(state, &operation_id, operation, status, &body);
        let mut response = (status, axum::Json(body)).into_response();
        response.headers_mut().insert(
            "www-authenticate",
            "Bearer authorization=\"https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47\", resource=\"https://vault.azure.net\""
                .parse()
                .expect("header"),
        );
        return response;
    };
    let parts: Vec<&str> = token.split('|').collect();
    let (status, body) = match parts.as_slice() {
        ["fake", scope, _] if *scope != SCOPE => {
            violation(format!(
                "{operation_id}: token for scope {scope}, expected {SCOPE}"
            ));
            kv_error(
                StatusCode::UNAUTHORIZED,
                "Unauthorized",
                "AKV10022: Invalid audience.",
                None,
            )
        }
        ["fake", _, expires]
            if expires.parse::<i64>().unwrap_or(0)
                <= time::OffsetDateTime::now_utc().unix_timestamp() =>
        {
            kv_error(
                StatusCode::UNAUTHORIZED,
                "Unauthorized",
                "[TokenExpired] Error validating token: 'S2S12086'.",
                None,
            )
        }
        ["fake", _, _] => behave(
            state,
            &vault,
            &method,
            &operation_id,
            &params,
            &query,
            &headers,
            &body,
            body_schema,
        ),
        _ => kv_error(
            StatusCode::UNAUTHORIZED,
            "Unauthorized",
            "AKV10032: Invalid issuer.",
            None,
        ),
    };
    check_response(state, &operation_id, operation, status, &body);
    let mut response = (status, axum::Json(body)).into_response();
    if status == StatusCode::TOO_MANY_REQUESTS {
        response
            .headers_mut()
            .insert("retry-after", "1".parse().expect("header"));
    }
    if status == StatusCode::UNAUTHORIZED {
        response.headers_mut().insert(
            "www-authenticate",
            "Bearer authorization=\"https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47\", resource=\"https://vault.azure.net\""
                .parse()
                .expect("header"),
        );
    }
    response
}

fn check_response(
    state: &State,
    operation_id: &str,
    operation: &Value,
    status: StatusCode,
    body: &Value,
) {
    let declared = if status == StatusCode::OK {
        &operation["responses"]["200"]
    } else {
        &operation["responses"]["default"]
    };
    if let Err(e) = validate(&declared["schema"], body, false) {
        state
            .violations
            .lock()
            .expect("violations")
            .push(format!("{operation_id}: response {status}: {e}"));
    }
}

#[allow(clippy::too_many_arguments)]
fn behave(
    state: &State,
    vault: &str,
    method: &Method,
    operation_id: &str,
    params: &HashMap<&str, String>,
    query: &HashMap<String, String>,
    headers: &HeaderMap,
    body: &Bytes,
    body_schema: Value,
) -> (StatusCode, Value) {
    let violation = |text: String| state.violations.lock().expect("violations").push(text);
    let hits = {
        let mut hits = state.authorized_hits.lock().expect("hits");
        let count = hits.entry(vault.to_owned()).or_default();
        *count += 1;
        *count
    };
    match vault {
        "myvault" => {}
        "busyvault" if hits == 1 => {
            return kv_error(
                StatusCode::TOO_MANY_REQUESTS,
                "Throttled",
                "Request was not processed because too many requests were received. Reason: VaultRequestTypeLimitReached",
                None,
            );
        }
        "busyvault" => {}
        "lockedvault" => {
            return kv_error(
                StatusCode::FORBIDDEN,
                "Forbidden",
                "Caller is not authorized to perform action on resource.\r\nIf role assignments, deny assignments or role definitions were changed recently, please observe propagation time.\r\nCaller: appid=04b07795-8ddb-461a-bbee-02f9e1bf7b46;oid=00000000-0000-0000-0000-000000000000\r\nAction: 'Microsoft.KeyVault/vaults/secrets/setSecret/action'\r\nResource: 'lockedvault'\r\nAssignment: (not found)\r\nVault: lockedvault;location=westeurope\r\n",
                Some("ForbiddenByRbac"),
            );
        }
        other => {
            violation(format!("request for unknown vault {other}"));
            return kv_error(
                StatusCode::NOT_FOUND,
                "VaultNotFound",
                "no such vault",
                None,
            );
        }
    }
    let base = format!("https://{vault}.vault.azure.net:{}", state.port);
    let name = params.get("secret-name").map(|n| n.to_ascii_lowercase());
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let mut secrets = state.secrets.lock().expect("secrets");
    match (method.as_str(), operation_id) {
        ("PUT", "SetSecret") => {
            if headers.get("content-type").and_then(|v| v.to_str().ok()) != Some("application/json")
            {
                violation(format!(
                    "{operation_id}: content-type must be application/json"
                ));
            }
            let Ok(request) = serde_json::from_slice::<Value>(body) else {
                violation(format!("{operation_id}: body is not JSON"));
                return kv_error(
                    StatusCode::BAD_REQUEST,
                    "BadParameter",
                    "The request body is not valid JSON.",
                    None,
                );
            };
            if let Err(e) = validate(&body_schema, &request, true) {
                violation(format!("{operation_id}: request body: {e}"));
                return kv_error(
                    StatusCode::BAD_REQUEST,
                    "BadParameter",
                    "Invalid request body.",
                    None,
                );
            }
            let version = {
                let mut counter = state.counter.lock().expect("counter");
                *counter += 1;
                format!(
                    "{:032x}",
                    0x03bc_ccc7_c8cf_4546_a0e3_e21e_5256_0000_u128 + u128::from(*counter)
                )
            };
            let mut attributes = json!({ "enabled": true, "created": now, "updated": now, "recoveryLevel": "Recoverable+Purgeable", "recoverableDays": 90 });
            for key in ["enabled", "exp", "nbf"] {
                if let Some(value) = request["attributes"].get(key) {
                    attributes[key] = value.clone();
                }
            }
            let stored = StoredVersion {
                version: version.clone(),
                value: request["value"].as_str().unwrap_or_default().to_owned(),
                content_type: request["contentType"].as_str().map(str::to_owned),
                tags: request.get("tags").cloned(),
                attributes,
            };
            let key = (vault.to_owned(), name.clone().unwrap_or_default());
            secrets.entry(key).or_default().push(stored.clone());
            (
                StatusCode::OK,
                bundle(&base, params["secret-name"].as_str(), &stored, true),
            )
        }
        ("GET", "GetSecret") => {
            let key = (vault.to_owned(), name.clone().unwrap_or_default());
            let wanted = params.get("secret-version").filter(|v| !v.is_empty());
            let found = secrets.get(&key).and_then(|versions| match wanted {
                Some(v) => versions.iter().find(|s| &s.version == v),
                None => versions.last(),
            });
            match found {
                Some(stored) => (
                    StatusCode::OK,
                    bundle(&base, params["secret-name"].as_str(), stored, true),
                ),
                None => not_found(&params["secret-name"]),
            }
        }
        ("GET", "GetSecrets") => {
            let items: Vec<Value> = secrets
                .iter()
                .filter(|((v, _), _)| v == vault)
                .filter_map(|((_, name), versions)| {
                    let last = versions.last()?;
                    let mut item = bundle(&base, name, last, false);
                    item["id"] = format!("{base}/secrets/{name}").into();
                    Some(item)
                })
                .collect();
            page(&base, "/secrets", items, query)
        }
        ("GET", "GetSecretVersions") => {
            let key = (vault.to_owned(), name.clone().unwrap_or_default());
            match secrets.get(&key) {
                Some(versions) => {
                    let items = versions
                        .iter()
                        .map(|s| bundle(&base, &params["secret-name"], s, false))
                        .collect();
                    page(
                        &base,
                        &format!("/secrets/{}/versions", params["secret-name"]),
                        items,
                        query,
                    )
                }
                None => not_found(&params["secret-name"]),
            }
        }
        ("DELETE", "DeleteSecret") => {
            let key = (vault.to_owned(), name.clone().unwrap_or_default());
            match secrets.remove(&key) {
                Some(versions) => {
                    let last = versions.last().cloned().expect("a version");
                    let mut deleted = bundle(&base, &params["secret-name"], &last, false);
                    deleted["recoveryId"] =
                        format!("{base}/deletedsecrets/{}", params["secret-name"]).into();
                    deleted["deletedDate"] = now.into();
                    deleted["scheduledPurgeDate"] = (now + 90 * 86_400).into();
                    (StatusCode::OK, deleted)
                }
                None => not_found(&params["secret-name"]),
            }
        }
        _ => {
            violation(format!("{method} {operation_id}: not served by the fake"));
            kv_error(StatusCode::BAD_REQUEST, "BadParameter", "unsupported", None)
        }
    }
}

fn not_found(name: &str) -> (StatusCode, Value) {
    kv_error(
        StatusCode::NOT_FOUND,
        "SecretNotFound",
        &format!(
            "A secret with (name/id) {name} was not found in this key vault. If you recently deleted this secret you may be able to recover it using the correct recovery command."
        ),
        None,
    )
}

fn bundle(base: &str, name: &str, stored: &StoredVersion, with_value: bool) -> Value {
    let mut value = json!({
        "id": format!("{base}/secrets/{name}/{}", stored.version),
        "attributes": stored.attributes,
    });
    if with_value {
        value["value"] = stored.value.clone().into();
    }
    if let Some(content_type) = &stored.content_type {
        value["contentType"] = content_type.clone().into();
    }
    if let Some(tags) = &stored.tags {
        value["tags"] = tags.clone();
    }
    value
}

/// A page of `items` (two at a time) with a `nextLink` carrying `$skiptoken`.
fn page(
    base: &str,
    path: &str,
    items: Vec<Value>,
    query: &HashMap<String, String>,
) -> (StatusCode, Value) {
    let skip: usize = query
        .get("$skiptoken")
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let size = query
        .get("maxresults")
        .and_then(|m| m.parse::<usize>().ok())
        .unwrap_or(PAGE)
        .min(PAGE);
    let page: Vec<Value> = items.iter().skip(skip).take(size).cloned().collect();
    let mut body = json!({ "value": page });
    if skip + size < items.len() {
        body["nextLink"] = format!(
            "{base}{path}?api-version={API_VERSION}&$skiptoken={}",
            skip + size
        )
        .into();
    }
    (StatusCode::OK, body)
}
