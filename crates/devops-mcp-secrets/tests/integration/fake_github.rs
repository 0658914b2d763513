//! A local fake of GitHub's Actions secrets API that holds both sides to the
//! published contract.
//!
//! Every request is matched to its operation in GitHub's OpenAPI description
//! (npm `@octokit/openapi`, `api.github.com.json`), and its parameters and
//! JSON body are validated against the operation's schemas; every response
//! the fake sends is validated against the schema declared for its status
//! (errors against `basic-error` / `validation-error`). Violations are
//! recorded and fail the test. Sealed boxes are opened with PyNaCl, an
//! implementation independent of the `crypto_box` crate used by the client,
//! with a key pair PyNaCl generated.
//!
//! Scenarios by name: `octo/app` (with environment `production`) and org
//! `octo-org` exist; `octo/locked` answers 403; `octo/busy` answers its first
//! request with 429 + `Retry-After: 1`; `octo/throttled` always answers 403
//! with a secondary rate limit and `Retry-After: 1`; `octo/rotating` rotates
//! its key after handing it out, so the PUT is refused with 422. Any other
//! repository, environment or organisation is 404. The token must be
//! `test-token`, else 401.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, OnceLock};

use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::common;

const DOCS: &str = "https://docs.github.com/rest/actions/secrets";
pub const TOKEN: &str = "test-token";

/// The OpenAPI description, loaded once per test process.
fn spec() -> &'static Value {
    static SPEC: OnceLock<Value> = OnceLock::new();
    SPEC.get_or_init(|| {
        let path = common::tools_dir()
            .join("node/node_modules/@octokit/openapi/generated/api.github.com.json");
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("{}: {e}; run `bash tests/setup.sh`", path.display()));
        serde_json::from_str(&text).expect("OpenAPI JSON")
    })
}

/// The operations the client may call, literal paths before templated ones.
const TEMPLATES: &[&str] = &[
    "/repos/{owner}/{repo}/actions/secrets/public-key",
    "/repos/{owner}/{repo}/actions/secrets",
    "/repos/{owner}/{repo}/actions/secrets/{secret_name}",
    "/repos/{owner}/{repo}/environments/{environment_name}/secrets/public-key",
    "/repos/{owner}/{repo}/environments/{environment_name}/secrets",
    "/repos/{owner}/{repo}/environments/{environment_name}/secrets/{secret_name}",
    "/orgs/{org}/actions/secrets/public-key",
    "/orgs/{org}/actions/secrets",
    "/orgs/{org}/actions/secrets/{secret_name}",
];

#[derive(Clone)]
struct KeyPair {
    key_id: String,
    public: String,
    private: String,
}

/// A secret as the fake stores it: the plaintext PyNaCl recovered.
#[derive(Clone)]
pub struct Stored {
    pub plaintext: String,
    pub created_at: String,
    pub updated_at: String,
    pub visibility: Option<String>,
    pub selected_repository_ids: Option<Vec<u64>>,
}

#[derive(Default)]
struct State {
    keys: Mutex<Vec<KeyPair>>,
    /// Index in `keys` of the current key of each scope.
    current_key: Mutex<HashMap<String, usize>>,
    secrets: Mutex<BTreeMap<(String, String), Stored>>,
    violations: Mutex<Vec<String>>,
    requests: Mutex<Vec<String>>,
    hits: Mutex<HashMap<String, usize>>,
    clock: Mutex<u32>,
}

/// A running fake.
pub struct FakeGithub {
    pub url: String,
    state: Arc<State>,
}

impl FakeGithub {
    pub async fn start() -> Self {
        let state = Arc::new(State::default());
        *state.keys.lock().expect("keys") = generate_keys(3);
        let app = axum::Router::new().fallback({
            let state = state.clone();
            move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
                let state = state.clone();
                async move { handle(&state, method, uri, headers, body).await }
            }
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        tokio::spawn(async move {
            axum::serve(listener, app).await.expect("serve");
        });
        Self { url, state }
    }

    /// Contract violations seen so far (must stay empty).
    pub fn violations(&self) -> Vec<String> {
        self.state.violations.lock().expect("violations").clone()
    }

    /// `METHOD /path?query` of every request, in order.
    pub fn requests(&self) -> Vec<String> {
        self.state.requests.lock().expect("requests").clone()
    }

    /// The decrypted secret `name` of `scope` (`repo:o/r`, `env:o/r/e`, `org:o`).
    pub fn stored(&self, scope: &str, name: &str) -> Option<Stored> {
        self.state
            .secrets
            .lock()
            .expect("secrets")
            .get(&(scope.to_owned(), name.to_owned()))
            .cloned()
    }
}

/// PyNaCl key pairs: (base64 private, base64 public).
fn generate_keys(count: usize) -> Vec<KeyPair> {
    let script = "import base64,sys,nacl.public\nfor _ in range(int(sys.argv[1])):\n    k=nacl.public.PrivateKey.generate()\n    print(base64.b64encode(bytes(k)).decode(), base64.b64encode(bytes(k.public_key)).decode())\n";
    let output = std::process::Command::new(common::venv_python())
        .args(["-c", script, &count.to_string()])
        .output()
        .expect("run python");
    assert!(
        output.status.success(),
        "PyNaCl keygen: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout)
        .expect("utf8")
        .lines()
        .enumerate()
        .map(|(index, line)| {
            let (private, public) = line.split_once(' ').expect("two keys");
            KeyPair {
                key_id: format!("56831093{index}"),
                public: public.to_owned(),
                private: private.to_owned(),
            }
        })
        .collect()
}

/// Open a sealed box with PyNaCl; `None` when it does not open.
async fn unseal(private: &str, ciphertext: &str) -> Option<String> {
    use tokio::io::AsyncWriteExt;
    let script = "import sys,base64,nacl.public\npriv,ct=sys.stdin.read().split()\nbox=nacl.public.SealedBox(nacl.public.PrivateKey(base64.b64decode(priv)))\nsys.stdout.write(box.decrypt(base64.b64decode(ct)).decode())\n";
    let mut child = tokio::process::Command::new(common::venv_python())
        .args(["-c", script])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn python");
    let mut stdin = child.stdin.take().expect("stdin");
    stdin
        .write_all(format!("{private}\n{ciphertext}\n").as_bytes())
        .await
        .expect("write stdin");
    drop(stdin);
    let output = child.wait_with_output().await.expect("python");
    output
        .status
        .success()
        .then(|| String::from_utf8(output.stdout).expect("utf8 plaintext"))
}

/// Match `path` against a template; returns the decoded parameters.
fn match_template(template: &str, path: &str) -> Option<HashMap<String, String>> {
    let t: Vec<&str> = template.trim_start_matches('/').split('/').collect();
    let p: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    if t.len() != p.len() {
        return None;
    }
    let mut params = HashMap::new();
    for (t, p) in t.iter().zip(p) {
        if let Some(name) = t.strip_prefix('{').and_then(|t| t.strip_suffix('}')) {
            params.insert(name.to_owned(), common::percent_decode(p));
        } else if t != &p {
            return None;
        }
    }
    Some(params)
}

/// Turn OpenAPI 3.0 `nullable` into JSON Schema and collect referenced components.
fn to_json_schema(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut out = serde_json::Map::new();
            for (key, item) in map {
                if key == "nullable" {
                    continue;
                }
                out.insert(key.clone(), to_json_schema(item));
            }
            if map.get("nullable") == Some(&Value::Bool(true))
                && let Some(Value::String(kind)) = map.get("type")
            {
                out.insert("type".to_owned(), json!([kind, "null"]));
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(to_json_schema).collect()),
        other => other.clone(),
    }
}

fn collect_refs(value: &Value, found: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(reference)) = map.get("$ref")
                && let Some(name) = reference.strip_prefix("#/components/schemas/")
                && !found.iter().any(|f| f == name)
            {
                found.push(name.to_owned());
                if let Some(target) = spec()["components"]["schemas"].get(name) {
                    collect_refs(target, found);
                }
            }
            map.values().for_each(|v| collect_refs(v, found));
        }
        Value::Array(items) => items.iter().for_each(|v| collect_refs(v, found)),
        _ => {}
    }
}

/// Validate `instance` against an OpenAPI schema object (with `$ref`s into components).
pub fn validate(schema: &Value, instance: &Value) -> Result<(), String> {
    let mut names = Vec::new();
    collect_refs(schema, &mut names);
    let mut components = serde_json::Map::new();
    for name in names {
        components.insert(
            name.clone(),
            to_json_schema(&spec()["components"]["schemas"][&name]),
        );
    }
    let mut root = to_json_schema(schema);
    if let Value::Object(map) = &mut root {
        map.insert("components".to_owned(), json!({ "schemas": components }));
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

/// Resolve `{"$ref": "#/components/<kind>/<name>"}` one level.
fn resolve(value: &Value) -> &Value {
    match value.get("$ref").and_then(Value::as_str) {
        Some(reference) => {
            let mut node = spec();
            for part in reference.trim_start_matches("#/").split('/') {
                node = &node[part];
            }
            node
        }
        None => value,
    }
}

fn scope_key(template: &str, params: &HashMap<String, String>) -> String {
    if template.starts_with("/orgs/") {
        format!("org:{}", params["org"])
    } else if template.contains("/environments/") {
        format!(
            "env:{}/{}/{}",
            params["owner"], params["repo"], params["environment_name"]
        )
    } else {
        format!("repo:{}/{}", params["owner"], params["repo"])
    }
}

fn now(state: &State) -> String {
    let mut clock = state.clock.lock().expect("clock");
    *clock += 1;
    format!("2026-01-01T00:{:02}:{:02}Z", *clock / 60 % 60, *clock % 60)
}

struct Reply {
    status: StatusCode,
    body: Option<Value>,
    headers: Vec<(&'static str, String)>,
}

fn reply(status: StatusCode, body: Option<Value>) -> Reply {
    Reply {
        status,
        body,
        headers: Vec::new(),
    }
}

fn error(status: StatusCode, message: &str) -> Reply {
    reply(
        status,
        Some(
            json!({ "message": message, "documentation_url": DOCS, "status": status.as_u16().to_string() }),
        ),
    )
}

async fn handle(
    state: &State,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path().to_owned();
    state.requests.lock().expect("requests").push(format!(
        "{method} {}",
        uri.path_and_query().map(|p| p.as_str()).unwrap_or("")
    ));
    let violation = |text: String| state.violations.lock().expect("violations").push(text);

    let Some((template, params)) = TEMPLATES
        .iter()
        .find_map(|t| match_template(t, &path).map(|p| (*t, p)))
    else {
        violation(format!(
            "{method} {path}: no such operation in the client's set"
        ));
        return (StatusCode::NOT_FOUND, "unknown path").into_response();
    };
    let operation = &spec()["paths"][template][method.as_str().to_ascii_lowercase()];
    if operation.is_null() {
        violation(format!(
            "{method} {template}: method not in the OpenAPI description"
        ));
        return (StatusCode::METHOD_NOT_ALLOWED, "").into_response();
    }
    let operation_id = operation["operationId"].as_str().unwrap_or("?").to_owned();

    // Parameters: path and query values against their schemas.
    let query: HashMap<String, String> = uri
        .query()
        .unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty())
        .filter_map(|p| {
            p.split_once('=')
                .map(|(k, v)| (common::percent_decode(k), common::percent_decode(v)))
        })
        .collect();
    for parameter in operation["parameters"].as_array().into_iter().flatten() {
        let parameter = resolve(parameter);
        let name = parameter["name"].as_str().unwrap_or("");
        let raw = match parameter["in"].as_str() {
            Some("path") => params.get(name).cloned(),
            Some("query") => query.get(name).cloned(),
            _ => None,
        };
        match raw {
            Some(raw) => {
                let instance = if parameter["schema"]["type"] == "integer" {
                    raw.parse::<i64>()
                        .map(Value::from)
                        .unwrap_or(Value::String(raw))
                } else {
                    Value::String(raw)
                };
                if let Err(e) = validate(&parameter["schema"], &instance) {
                    violation(format!("{operation_id}: parameter {name}: {e}"));
                }
            }
            None if parameter["required"] == true => {
                violation(format!("{operation_id}: missing required parameter {name}"));
            }
            None => {}
        }
    }
    for name in query.keys() {
        let declared = operation["parameters"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|p| resolve(p)["name"] == name.as_str());
        if !declared {
            violation(format!("{operation_id}: undeclared query parameter {name}"));
        }
    }
    if headers
        .get("x-github-api-version")
        .and_then(|v| v.to_str().ok())
        != Some("2022-11-28")
    {
        violation(format!(
            "{operation_id}: missing X-GitHub-Api-Version: 2022-11-28"
        ));
    }

    // Request body against the declared schema.
    let request_schema =
        &resolve(&operation["requestBody"])["content"]["application/json"]["schema"];
    let request_body: Option<Value> = if body.is_empty() {
        None
    } else {
        match serde_json::from_slice(&body) {
            Ok(value) => Some(value),
            Err(e) => {
                violation(format!("{operation_id}: request body is not JSON: {e}"));
                None
            }
        }
    };
    let mut body_invalid = false;
    match (&request_body, request_schema.is_null()) {
        (Some(instance), false) => {
            if let Err(e) = validate(request_schema, instance) {
                violation(format!("{operation_id}: request body: {e}"));
                body_invalid = true;
            }
        }
        (Some(_), true) => violation(format!("{operation_id}: unexpected request body")),
        (None, false) if operation["requestBody"]["required"] == true => {
            violation(format!("{operation_id}: missing required request body"));
            body_invalid = true;
        }
        _ => {}
    }

    let reply = if body_invalid {
        reply(
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(
                json!({ "message": "Invalid request.", "documentation_url": DOCS, "errors": [{"code": "invalid", "resource": "Secret"}] }),
            ),
        )
    } else {
        behave(
            state,
            &method,
            template,
            &params,
            &query,
            &headers,
            request_body,
        )
        .await
    };

    // The response against the schema declared for its status.
    let declared = &operation["responses"][reply.status.as_str()];
    let response_schema = if declared.is_null() {
        match reply.status {
            StatusCode::UNPROCESSABLE_ENTITY => {
                json!({ "$ref": "#/components/schemas/validation-error" })
            }
            _ => json!({ "$ref": "#/components/schemas/basic-error" }),
        }
    } else {
        resolve(declared)["content"]["application/json"]["schema"].clone()
    };
    match (&reply.body, response_schema.is_null()) {
        (Some(body), false) => {
            if let Err(e) = validate(&response_schema, body) {
                violation(format!("{operation_id}: response {}: {e}", reply.status));
            }
        }
        (Some(_), true) => violation(format!(
            "{operation_id}: response {} must have no body",
            reply.status
        )),
        (None, false) => violation(format!(
            "{operation_id}: response {} needs a JSON body",
            reply.status
        )),
        (None, true) => {}
    }
    let mut response = match reply.body {
        Some(body) => (reply.status, axum::Json(body)).into_response(),
        None => reply.status.into_response(),
    };
    for (name, value) in reply.headers {
        response
            .headers_mut()
            .insert(name, value.parse().expect("header value"));
    }
    response
}

async fn behave(
    state: &State,
    method: &Method,
    template: &str,
    params: &HashMap<String, String>,
    query: &HashMap<String, String>,
    headers: &HeaderMap,
    body: Option<Value>,
) -> Reply {
    let authorization = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if authorization != format!("Bearer {TOKEN}") && authorization != format!("token {TOKEN}") {
        return error(StatusCode::UNAUTHORIZED, "Bad credentials");
    }
    let scope = scope_key(template, params);
    let hits = {
        let mut hits = state.hits.lock().expect("hits");
        let count = hits.entry(scope.clone()).or_default();
        *count += 1;
        *count
    };
    match scope.as_str() {
        "repo:octo/app" | "env:octo/app/production" | "org:octo-org" | "repo:octo/rotating" => {}
        "repo:octo/busy" if hits == 1 => {
            let mut reply = error(StatusCode::TOO_MANY_REQUESTS, "API rate limit exceeded");
            reply.headers.push(("retry-after", "1".to_owned()));
            return reply;
        }
        "repo:octo/busy" => {}
        "repo:octo/throttled" => {
            let mut reply = error(
                StatusCode::FORBIDDEN,
                "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
            );
            reply.headers.push(("retry-after", "1".to_owned()));
            return reply;
        }
        "repo:octo/locked" => {
            return error(
                StatusCode::FORBIDDEN,
                "Resource not accessible by personal access token",
            );
        }
        _ => return error(StatusCode::NOT_FOUND, "Not Found"),
    }

    let key_index = *state
        .current_key
        .lock()
        .expect("current key")
        .entry(scope.clone())
        .or_insert(0);
    let name = params.get("secret_name").map(|n| n.to_ascii_uppercase());
    let is_org = scope.starts_with("org:");
    match (method.as_str(), template.ends_with("/public-key"), name) {
        ("GET", true, _) => {
            let key = state.keys.lock().expect("keys")[key_index].clone();
            if scope == "repo:octo/rotating" {
                // Hand out the key, then rotate: the client's PUT will carry a stale key id.
                state
                    .current_key
                    .lock()
                    .expect("current key")
                    .insert(scope.clone(), key_index + 1);
            }
            reply(
                StatusCode::OK,
                Some(json!({ "key_id": key.key_id, "key": key.public })),
            )
        }
        ("GET", false, None) => {
            let per_page: usize = query
                .get("per_page")
                .and_then(|v| v.parse().ok())
                .unwrap_or(30);
            let page: usize = query.get("page").and_then(|v| v.parse().ok()).unwrap_or(1);
            let secrets = state.secrets.lock().expect("secrets");
            let all: Vec<Value> = secrets
                .iter()
                .filter(|((s, _), _)| *s == scope)
                .map(|((_, name), stored)| secret_json(name, stored, is_org))
                .collect();
            let page_items: Vec<Value> = all
                .iter()
                .skip((page - 1) * per_page)
                .take(per_page)
                .cloned()
                .collect();
            reply(
                StatusCode::OK,
                Some(json!({ "total_count": all.len(), "secrets": page_items })),
            )
        }
        ("GET", false, Some(name)) => {
            match state
                .secrets
                .lock()
                .expect("secrets")
                .get(&(scope.clone(), name.clone()))
            {
                Some(stored) => reply(StatusCode::OK, Some(secret_json(&name, stored, is_org))),
                None => error(StatusCode::NOT_FOUND, "Not Found"),
            }
        }
        ("PUT", false, Some(name)) => {
            let body = body.unwrap_or_default();
            let key = state.keys.lock().expect("keys")[key_index].clone();
            if body["key_id"] != key.key_id.as_str() {
                return reply(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    Some(
                        json!({ "message": "Validation Failed", "documentation_url": DOCS,
                        "errors": [{"resource": "Secret", "field": "key_id", "code": "invalid"}] }),
                    ),
                );
            }
            let Some(plaintext) =
                unseal(&key.private, body["encrypted_value"].as_str().unwrap_or("")).await
            else {
                return reply(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    Some(
                        json!({ "message": "Validation Failed", "documentation_url": DOCS,
                        "errors": [{"resource": "Secret", "field": "encrypted_value", "code": "invalid"}] }),
                    ),
                );
            };
            let time = now(state);
            let mut secrets = state.secrets.lock().expect("secrets");
            let existing = secrets.get(&(scope.clone(), name.clone())).cloned();
            let stored = Stored {
                plaintext,
                created_at: existing
                    .as_ref()
                    .map(|e| e.created_at.clone())
                    .unwrap_or_else(|| time.clone()),
                updated_at: time,
                visibility: body["visibility"].as_str().map(str::to_owned),
                selected_repository_ids: body["selected_repository_ids"]
                    .as_array()
                    .map(|ids| ids.iter().filter_map(Value::as_u64).collect()),
            };
            secrets.insert((scope, name), stored);
            match existing {
                None => reply(StatusCode::CREATED, Some(json!({}))),
                Some(_) => reply(StatusCode::NO_CONTENT, None),
            }
        }
        ("DELETE", false, Some(name)) => {
            match state
                .secrets
                .lock()
                .expect("secrets")
                .remove(&(scope, name))
            {
                Some(_) => reply(StatusCode::NO_CONTENT, None),
                None => error(StatusCode::NOT_FOUND, "Not Found"),
            }
        }
        _ => error(StatusCode::NOT_FOUND, "Not Found"),
    }
}

fn secret_json(name: &str, stored: &Stored, is_org: bool) -> Value {
    let mut value =
        json!({ "name": name, "created_at": stored.created_at, "updated_at": stored.updated_at });
    if is_org {
        let visibility = stored
            .visibility
            .clone()
            .unwrap_or_else(|| "private".to_owned());
        if visibility == "selected" {
            value["selected_repositories_url"] =
                format!("https://api.github.com/orgs/octo-org/actions/secrets/{name}/repositories")
                    .into();
        }
        value["visibility"] = visibility.into();
    }
    value
}
