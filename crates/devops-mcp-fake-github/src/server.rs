//! The HTTP side: every request is matched to its operation in the
//! description and checked against it, answered by a route (or by a scripted
//! rate limit), and the answer is checked against the status it claims
//! before it is sent. Whatever breaks the contract is recorded as a
//! violation for the test to assert on.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Uri};
use axum::response::Response;
use serde_json::{Value, json};

use crate::model::{Access, Permissions, RateLimit, RecordedRequest, Role, Token, TokenKind};
use crate::openapi::{Description, Operation, ResponseRule, percent_decode};
use crate::routes;
use crate::state::{RepoState, State, now_unix};

/// Documentation pages GitHub links from rate-limit errors.
const RATE_LIMIT_DOCS: &str = "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api";
const SECONDARY_LIMIT_DOCS: &str = "https://docs.github.com/free-pro-team@latest/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits";
/// GitHub's answer to a fine-grained token lacking a permission.
pub(crate) const NOT_ACCESSIBLE: &str = "Resource not accessible by personal access token";
const PRIMARY_LIMIT: u64 = 5000;

pub(crate) struct Shared {
    pub description: Arc<Description>,
    pub state: Mutex<State>,
    /// `http://127.0.0.1:<port>`, the API root clients use.
    pub base_url: String,
}

impl Shared {
    pub(crate) fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A route's answer.
pub(crate) struct Reply {
    pub status: u16,
    pub body: Option<Value>,
    pub headers: Vec<(String, String)>,
    /// Fill the required fields the route did not model from the schema.
    pub fill: bool,
    /// Already reported as a violation; do not check the answer again.
    pub reported: bool,
}

impl Reply {
    pub(crate) fn json(status: u16, body: Value) -> Self {
        Self {
            status,
            body: Some(body),
            headers: Vec::new(),
            fill: false,
            reported: false,
        }
    }

    pub(crate) fn empty(status: u16) -> Self {
        Self {
            status,
            body: None,
            headers: Vec::new(),
            fill: false,
            reported: false,
        }
    }

    /// A body whose unmodelled required fields get schema placeholders.
    pub(crate) fn filled(status: u16, body: Value) -> Self {
        Self {
            fill: true,
            ..Self::json(status, body)
        }
    }

    /// GitHub's `basic-error` shape.
    pub(crate) fn error(status: u16, message: &str, docs: &str) -> Self {
        Self::json(
            status,
            json!({ "message": message, "documentation_url": docs, "status": status.to_string() }),
        )
    }

    /// GitHub's `validation-error` shape.
    pub(crate) fn invalid(message: &str, docs: &str, errors: Vec<Value>) -> Self {
        let mut body = json!({ "message": message, "documentation_url": docs, "status": "422" });
        if !errors.is_empty() {
            body["errors"] = Value::Array(errors);
        }
        Self::json(422, body)
    }

    pub(crate) fn header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_owned(), value.into()));
        self
    }
}

/// What a route may need from the token and the user's role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Capability {
    Contents,
    PullRequests,
    Secrets,
    Environments,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Need {
    Read,
    Write(Capability),
}

/// Everything a route sees of one request.
pub(crate) struct Ctx<'a> {
    pub state: &'a mut State,
    pub op: &'a Operation,
    params: &'a HashMap<String, String>,
    query: &'a [(String, String)],
    raw_query: &'a str,
    path: &'a str,
    pub body: Option<Value>,
    pub token: Option<Token>,
    pub base: &'a str,
}

impl Ctx<'_> {
    /// A path parameter (the description guarantees it is there).
    pub(crate) fn param(&self, name: &str) -> String {
        self.params.get(name).cloned().unwrap_or_default()
    }

    pub(crate) fn query(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    pub(crate) fn body_str(&self, key: &str) -> Option<&str> {
        self.body.as_ref()?.get(key)?.as_str()
    }

    /// An absolute API URL for `path`.
    pub(crate) fn api(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub(crate) fn html(&self, path: &str) -> String {
        format!("{}{path}", self.state.html_base)
    }

    pub(crate) fn login(&self) -> Option<&str> {
        self.token.as_ref().map(|t| t.login.as_str())
    }

    pub(crate) fn not_found(&self) -> Reply {
        Reply::error(404, "Not Found", &self.op.docs_url)
    }

    pub(crate) fn invalid(&self, message: &str) -> Reply {
        Reply::invalid(message, &self.op.docs_url, Vec::new())
    }

    fn classic_scopes(&self) -> Option<&std::collections::BTreeSet<String>> {
        match &self.token.as_ref()?.kind {
            TokenKind::Classic { scopes } => Some(scopes),
            TokenKind::FineGrained { .. } => None,
        }
    }

    fn permissions(&self) -> Option<Permissions> {
        match &self.token.as_ref()?.kind {
            TokenKind::FineGrained { permissions } => Some(*permissions),
            TokenKind::Classic { .. } => None,
        }
    }

    /// Check the caller may do `need` on `{owner}/{repo}` (path parameters),
    /// answering as GitHub does when not: 404 for what the caller may not
    /// see or a classic token's missing scope, 403 for a fine-grained
    /// token's missing permission or an archived repository.
    pub(crate) fn repo_access(&self, need: Need) -> Result<(), Reply> {
        let (owner, name) = (self.param("owner"), self.param("repo"));
        let repo = self
            .state
            .repo(&owner, &name)
            .ok_or_else(|| self.not_found())?;
        let role = self.login().and_then(|login| self.state.role(repo, login));
        let scopes = self.classic_scopes();
        let scope_sees_private = scopes.is_none_or(|s| s.contains("repo"));
        let visible = !repo.settings.private || (role.is_some() && scope_sees_private);
        if !visible {
            return Err(self.not_found());
        }
        let (capability, wanted) = match need {
            Need::Read => return Ok(()),
            Need::Write(capability) => (capability, Role::Write),
        };
        if self.token.is_none() {
            return Err(Reply::error(
                401,
                "Requires authentication",
                &self.op.docs_url,
            ));
        }
        let fine_grained = self.permissions();
        if role.is_none_or(|role| role < wanted) {
            return Err(match fine_grained {
                Some(_) => Reply::error(403, NOT_ACCESSIBLE, &self.op.docs_url),
                None => self.not_found(),
            });
        }
        if let Some(scopes) = scopes {
            let public_ok = !repo.settings.private
                && matches!(capability, Capability::Contents | Capability::PullRequests)
                && scopes.contains("public_repo");
            if !scopes.contains("repo") && !public_ok {
                return Err(self.not_found());
            }
        }
        if let Some(permissions) = fine_grained {
            let granted = match capability {
                Capability::Contents => permissions.contents,
                Capability::PullRequests => permissions.pull_requests,
                Capability::Secrets => permissions.secrets,
                Capability::Environments => permissions.environments,
            };
            if granted < Access::Write {
                return Err(Reply::error(403, NOT_ACCESSIBLE, &self.op.docs_url));
            }
        }
        if repo.settings.archived {
            return Err(Reply::error(
                403,
                "Repository was archived so is read-only.",
                &self.op.docs_url,
            ));
        }
        Ok(())
    }

    /// GitHub refuses to create or change `.github/workflows/` files for a
    /// token without the `workflow` scope (classic: 404, as if the
    /// repository were missing) or the `Workflows` permission (403).
    pub(crate) fn workflow_access(&self) -> Result<(), Reply> {
        if let Some(scopes) = self.classic_scopes() {
            if !scopes.contains("workflow") {
                return Err(self.not_found());
            }
        } else if let Some(permissions) = self.permissions()
            && permissions.workflows < Access::Write
        {
            return Err(Reply::error(403, NOT_ACCESSIBLE, &self.op.docs_url));
        }
        Ok(())
    }

    /// The repository of the `{owner}/{repo}` path parameters; call after
    /// [`Ctx::repo_access`].
    pub(crate) fn repo(&mut self) -> Result<&mut RepoState, Reply> {
        let (owner, name) = (self.param("owner"), self.param("repo"));
        let docs = self.op.docs_url.clone();
        self.state
            .repo_mut(&owner, &name)
            .ok_or_else(|| Reply::error(404, "Not Found", &docs))
    }

    /// One page of `items` and its `Link` header, the way GitHub pages:
    /// `per_page` (default 30, at most 100, and at most the fake's
    /// configured page size) and `page` (from 1).
    pub(crate) fn paginate(&self, items: Vec<Value>) -> (Vec<Value>, Option<String>) {
        let per_page = self
            .query("per_page")
            .and_then(|v| v.parse::<usize>().ok())
            .unwrap_or(30)
            .clamp(1, 100)
            .min(self.state.max_page_size.max(1));
        let page = self
            .query("page")
            .and_then(|v| v.parse::<usize>().ok())
            .unwrap_or(1)
            .max(1);
        let last = items.len().div_ceil(per_page).max(1);
        let page_items: Vec<Value> = items
            .into_iter()
            .skip((page - 1) * per_page)
            .take(per_page)
            .collect();
        let link_to = |target: usize| {
            let mut pairs: Vec<&str> = self
                .raw_query
                .split('&')
                .filter(|pair| !pair.is_empty() && !pair.starts_with("page="))
                .collect();
            let page_pair = format!("page={target}");
            pairs.push(&page_pair);
            format!("{}{}?{}", self.base, self.path, pairs.join("&"))
        };
        let mut links = Vec::new();
        if page < last {
            links.push(format!("<{}>; rel=\"next\"", link_to(page + 1)));
            links.push(format!("<{}>; rel=\"last\"", link_to(last)));
        }
        if page > 1 {
            links.push(format!("<{}>; rel=\"first\"", link_to(1)));
            links.push(format!("<{}>; rel=\"prev\"", link_to(page - 1)));
        }
        let link = (!links.is_empty()).then(|| links.join(", "));
        (page_items, link)
    }
}

/// Serve one request.
pub(crate) async fn handle(
    shared: Arc<Shared>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (status, headers, body) = serve(&shared, &method, &uri, &headers, &body);
    let mut response = Response::new(match body {
        Some(value) => Body::from(value.to_string()),
        None => Body::empty(),
    });
    *response.status_mut() =
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    for (name, value) in headers {
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(&value),
        ) {
            response.headers_mut().append(name, value);
        }
    }
    response
}

fn serve(
    shared: &Shared,
    method: &Method,
    uri: &Uri,
    request_headers: &HeaderMap,
    body: &[u8],
) -> (u16, Vec<(String, String)>, Option<Value>) {
    let description = &shared.description;
    let mut state = shared.lock();
    let path = uri.path();
    let raw_query = uri.query().unwrap_or("");
    let query = parse_query(raw_query);
    let method_name = method.as_str().to_owned();
    let request_id = state.requests.len() + 1;
    let header = |name: &str| {
        request_headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };

    let Some(matched) = description.find(&method_name, path) else {
        state.violations.push(format!(
            "request {method_name} {path}: no operation in GitHub's description serves this method and path"
        ));
        let reply = Reply::error(404, "Not Found", "https://docs.github.com/rest");
        state.requests.push(RecordedRequest {
            method: method_name,
            path: path.to_owned(),
            query: raw_query.to_owned(),
            operation: None,
            status: 404,
        });
        return (404, common_headers(request_id, None, &reply), reply.body);
    };
    let op = matched.operation;
    let where_ = format!("{method_name} {path} ({})", op.id);
    let (problems, parsed) =
        description.check_request(&matched, &query, header("content-type").as_deref(), body);
    for problem in &problems {
        state
            .violations
            .push(format!("request {where_}: {problem}"));
    }

    let token = match header("authorization") {
        None => Ok(None),
        Some(value) => {
            let secret = value
                .strip_prefix("Bearer ")
                .or_else(|| value.strip_prefix("bearer "))
                .or_else(|| value.strip_prefix("token "))
                .unwrap_or("")
                .trim();
            match state.tokens.get(secret) {
                Some(token) => Ok(Some(token.clone())),
                None => Err(Reply::error(
                    401,
                    "Bad credentials",
                    "https://docs.github.com/rest",
                )),
            }
        }
    };
    let token_key = token
        .as_ref()
        .ok()
        .and_then(|t| t.as_ref())
        .map(|t| t.login.clone())
        .unwrap_or_default();
    let used = {
        let counter = state.used.entry(token_key).or_default();
        *counter += 1;
        *counter
    };

    let mut reply = if let Some(first) = problems.first() {
        // GitHub rejects a body its schema refuses with 422 "Invalid request".
        Reply::invalid(
            &format!("Invalid request.\n\n{first}"),
            &op.docs_url,
            Vec::new(),
        )
    } else {
        match token {
            Err(reply) => reply,
            Ok(token) => match take_limit(&mut state, &op.id) {
                Some(limit) => limit_reply(limit, used),
                None => {
                    let mut ctx = Ctx {
                        state: &mut state,
                        op,
                        params: &matched.params,
                        query: &query,
                        raw_query,
                        path,
                        body: parsed,
                        token,
                        base: &shared.base_url,
                    };
                    routes::route(&mut ctx)
                }
            },
        }
    };

    if !reply.reported {
        for problem in check_response(description, op, &mut reply) {
            state
                .violations
                .push(format!("response {} to {where_}: {problem}", reply.status));
        }
    }
    let token_for_headers = header("authorization").and_then(|value| {
        let secret = value.split_whitespace().last().unwrap_or("").to_owned();
        state.tokens.get(&secret).cloned()
    });
    let mut headers = common_headers(request_id, token_for_headers.as_ref(), &reply);
    if !reply
        .headers
        .iter()
        .any(|(n, _)| n == "x-ratelimit-remaining")
    {
        let reset = now_unix() + 3600;
        headers.extend([
            ("x-ratelimit-limit".into(), PRIMARY_LIMIT.to_string()),
            (
                "x-ratelimit-remaining".into(),
                PRIMARY_LIMIT.saturating_sub(used).to_string(),
            ),
            ("x-ratelimit-used".into(), used.to_string()),
            ("x-ratelimit-reset".into(), reset.to_string()),
            ("x-ratelimit-resource".into(), "core".into()),
        ]);
    }
    state.requests.push(RecordedRequest {
        method: method_name,
        path: path.to_owned(),
        query: raw_query.to_owned(),
        operation: Some(op.id.clone()),
        status: reply.status,
    });
    (reply.status, headers, reply.body)
}

fn common_headers(
    request_id: usize,
    token: Option<&Token>,
    reply: &Reply,
) -> Vec<(String, String)> {
    let mut headers = vec![
        (
            "x-github-api-version-selected".to_owned(),
            "2022-11-28".to_owned(),
        ),
        (
            "x-github-media-type".to_owned(),
            "github.v3; format=json".to_owned(),
        ),
        (
            "x-github-request-id".to_owned(),
            format!("FAKE:{request_id:08X}"),
        ),
    ];
    if reply.body.is_some() {
        headers.push((
            "content-type".into(),
            "application/json; charset=utf-8".into(),
        ));
    }
    if let Some(Token {
        kind: TokenKind::Classic { scopes },
        ..
    }) = token
    {
        let scopes: Vec<&str> = scopes.iter().map(String::as_str).collect();
        headers.push(("x-oauth-scopes".into(), scopes.join(", ")));
    }
    headers.extend(reply.headers.iter().cloned());
    headers
}

/// Check an answer against what the description declares for its status.
///
/// Statuses the operation does not declare are a violation, except the
/// ones GitHub sends from any endpoint (bad credentials, missing resource
/// or access, rate limits, validation failures), which are checked against
/// GitHub's generic `basic-error` / `validation-error` shapes instead.
fn check_response(description: &Description, op: &Operation, reply: &mut Reply) -> Vec<String> {
    match description.response_rule(op, reply.status) {
        ResponseRule::Body(pointer) => match reply.body.as_mut() {
            Some(body) => {
                if reply.fill {
                    description.complete(&pointer, body);
                }
                description.validate(&pointer, body)
            }
            None => {
                vec!["the description declares a JSON body for this status; none was sent".into()]
            }
        },
        ResponseRule::Empty => match reply.body {
            Some(_) => {
                vec!["the description declares no body for this status; one was sent".into()]
            }
            None => Vec::new(),
        },
        ResponseRule::Undeclared => {
            let generic = match reply.status {
                401 | 403 | 404 | 429 => "/components/schemas/basic-error",
                422 => "/components/schemas/validation-error",
                status => {
                    return vec![format!("status {status} is not declared for `{}`", op.id)];
                }
            };
            match &reply.body {
                Some(body) => description.validate(generic, body),
                None => vec!["an error status without a body".into()],
            }
        }
    }
}

fn take_limit(state: &mut State, operation: &str) -> Option<RateLimit> {
    let index = state.limits.iter().position(|pending| {
        pending.remaining > 0
            && pending
                .operation
                .as_deref()
                .is_none_or(|only| only == operation)
    })?;
    let pending = &mut state.limits[index];
    pending.remaining -= 1;
    let limit = pending.limit;
    if pending.remaining == 0 {
        state.limits.remove(index);
    }
    Some(limit)
}

fn limit_reply(limit: RateLimit, used: u64) -> Reply {
    let secondary = "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID FAKE.";
    match limit {
        RateLimit::Primary { reset_in } => Reply::error(
            403,
            "API rate limit exceeded for user ID 1. If you reach out to GitHub Support for help, please include the request ID FAKE.",
            RATE_LIMIT_DOCS,
        )
        .header("x-ratelimit-limit", PRIMARY_LIMIT.to_string())
        .header("x-ratelimit-remaining", "0")
        .header("x-ratelimit-used", used.max(PRIMARY_LIMIT).to_string())
        .header(
            "x-ratelimit-reset",
            (now_unix() + i64::try_from(reset_in.as_secs()).unwrap_or(i64::MAX / 2)).to_string(),
        )
        .header("x-ratelimit-resource", "core"),
        RateLimit::Secondary { retry_after } => Reply::error(403, secondary, SECONDARY_LIMIT_DOCS)
            .header("retry-after", retry_after.as_secs().to_string()),
        RateLimit::TooManyRequests { retry_after } => {
            Reply::error(429, secondary, SECONDARY_LIMIT_DOCS)
                .header("retry-after", retry_after.as_secs().to_string())
        }
    }
}

fn parse_query(raw: &str) -> Vec<(String, String)> {
    raw.split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            (
                percent_decode(&name.replace('+', " ")),
                percent_decode(&value.replace('+', " ")),
            )
        })
        .collect()
}
