//! The Logs query client's error type, and the scrubber that keeps access tokens out of every
//! message: each variant names the target (workspace or resource) and says what to do next,
//! because the server hands these texts to an agent that must act on them alone.

use std::sync::OnceLock;

use regex::Regex;

use super::types::LogsErrorDetail;

/// The least-privileged built-in role that can run log queries.
pub const READER_ROLE: &str = "Log Analytics Reader";

/// Errors of [`super::LogsQueryClient`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A query input is invalid; nothing was sent.
    #[error("invalid `{field}`: {problem}")]
    InvalidInput {
        /// The input field, e.g. `target.workspace`, `timespan.range.start`.
        field: String,
        /// What is wrong and what is accepted.
        problem: String,
    },

    /// The endpoint (or cloud) given to the client cannot be used.
    #[error("invalid Log Analytics endpoint `{endpoint}`: {problem}")]
    InvalidEndpoint {
        /// The endpoint as given.
        endpoint: String,
        /// What is wrong and what is accepted.
        problem: String,
    },

    /// The credential could not produce an access token; nothing reached Log Analytics.
    #[error(
        "cannot get an Azure access token for scope `{scope}`: {detail}; sign in (`az login`), or configure the server's service principal, workload identity or managed identity"
    )]
    Credential {
        /// The token scope requested.
        scope: String,
        /// The credential's failure, tokens removed.
        detail: String,
    },

    /// HTTP 401: Log Analytics did not accept the token.
    #[error(
        "Log Analytics did not accept the access token for {target} (HTTP 401: {detail}); sign in again (`az login`), and check that the credential's tenant is the one that holds the workspace and that the endpoint's cloud matches the token audience `{scope}`"
    )]
    Unauthorized {
        /// `workspace <id>` or `resource <id>`.
        target: String,
        /// The scope the token was requested for.
        scope: String,
        /// The service's error code and message.
        detail: String,
    },

    /// HTTP 403: the identity may not read the logs.
    #[error(
        "the signed-in identity may not query {target} (HTTP 403: {detail}); assign it the \"{}\" role (or a role with `Microsoft.OperationalInsights/workspaces/query/read`) on the workspace, or for a resource-centric query on the resource or its resource group, then retry (new role assignments can take a few minutes to apply)",
        READER_ROLE
    )]
    Forbidden {
        /// `workspace <id>` or `resource <id>`.
        target: String,
        /// The service's error code and message.
        detail: String,
    },

    /// HTTP 404: no such workspace or resource.
    #[error("{target} was not found (HTTP 404: {detail}); {hint}")]
    NotFound {
        /// `workspace <id>` or `resource <id>`.
        target: String,
        /// The service's error code and message.
        detail: String,
        /// What to check.
        hint: &'static str,
    },

    /// HTTP 400: the service rejected the query or the request.
    #[error("Log Analytics rejected the query for {target} (HTTP 400: {}){}; {}", .error.describe(), location_hint(.error), bad_request_advice(.error))]
    BadRequest {
        /// `workspace <id>` or `resource <id>`.
        target: String,
        /// The service's error, with its inner errors.
        error: Box<LogsErrorDetail>,
    },

    /// HTTP 429 after the client's retries.
    #[error(
        "Log Analytics throttled the query for {target} (HTTP 429 after {attempts} attempt(s){}: {detail}); wait before retrying, run fewer queries at the same time, and make queries cheaper (narrower time range, filter early)",
        .retry_after_secs.map(|s| format!(", retry after {s} s")).unwrap_or_default()
    )]
    Throttled {
        /// `workspace <id>` or `resource <id>`.
        target: String,
        /// The last `Retry-After`, in seconds.
        retry_after_secs: Option<u64>,
        /// Requests sent, retries included.
        attempts: u32,
        /// The service's error code and message.
        detail: String,
    },

    /// The query ran past its timeout: the service's (`Prefer: wait`, HTTP 504) or the
    /// client's own wait for the answer.
    #[error(
        "the query for {target} {}: {detail}; narrow the time range (`timespan`), filter and summarize early in the query, or raise `server_timeout_seconds` (at most 600)",
        if *.client_side {
            format!("got no answer within its server timeout of {timeout_secs} s plus the client's margin")
        } else {
            format!("ran past its server timeout of {timeout_secs} s")
        }
    )]
    Timeout {
        /// `workspace <id>` or `resource <id>`.
        target: String,
        /// The server timeout in force, seconds.
        timeout_secs: u64,
        /// True when the client gave up waiting, false when the service reported the timeout.
        client_side: bool,
        /// What was seen.
        detail: String,
    },

    /// Another HTTP error status (5xx after the client's retries, or an unexpected one).
    #[error(
        "Log Analytics answered HTTP {status} for {target} after {attempts} attempt(s): {detail}; {}",
        if *.status >= 500 { "the service is having trouble: retry later, and check https://azure.status.microsoft/ if it persists" } else { "check the request; this status is not expected from the query API" }
    )]
    Service {
        /// `workspace <id>` or `resource <id>`.
        target: String,
        /// HTTP status.
        status: u16,
        /// Requests sent, retries included.
        attempts: u32,
        /// The service's error code and message.
        detail: String,
    },

    /// The service could not be reached (DNS, TCP, TLS), after the client's retries.
    #[error(
        "cannot reach Log Analytics at {endpoint} for {target}: {detail}; check the network, proxy and endpoint (public cloud: https://api.loganalytics.io)"
    )]
    Transport {
        /// `workspace <id>` or `resource <id>`.
        target: String,
        /// The endpoint.
        endpoint: String,
        /// The transport failure.
        detail: String,
    },

    /// A 200 response that is not a query result.
    #[error(
        "Log Analytics sent a response for {target} that is not a query result: {detail}; retry, and report it if it persists"
    )]
    InvalidResponse {
        /// `workspace <id>` or `resource <id>`.
        target: String,
        /// What is wrong with it.
        detail: String,
    },
}

impl Error {
    /// A stable machine-readable name of the variant, for the server's error mapping.
    pub fn kind(&self) -> &'static str {
        match self {
            Error::InvalidInput { .. } => "invalid_input",
            Error::InvalidEndpoint { .. } => "invalid_endpoint",
            Error::Credential { .. } => "credential",
            Error::Unauthorized { .. } => "unauthorized",
            Error::Forbidden { .. } => "forbidden",
            Error::NotFound { .. } => "not_found",
            Error::BadRequest { .. } => "bad_request",
            Error::Throttled { .. } => "throttled",
            Error::Timeout { .. } => "timeout",
            Error::Service { .. } => "service",
            Error::Transport { .. } => "transport",
            Error::InvalidResponse { .. } => "invalid_response",
        }
    }

    pub(crate) fn input(field: impl Into<String>, problem: impl Into<String>) -> Self {
        Error::InvalidInput {
            field: field.into(),
            problem: problem.into(),
        }
    }
}

fn location_hint(error: &LogsErrorDetail) -> String {
    match error.location() {
        Some((line, position)) => format!(" at line {line}, position {position} of the query"),
        None => String::new(),
    }
}

fn bad_request_advice(error: &LogsErrorDetail) -> &'static str {
    let codes = error.codes();
    let has = |needle: &str| {
        codes
            .iter()
            .any(|code| code.to_ascii_lowercase().contains(needle))
    };
    if has("syntax") || has("syn0") {
        "fix the KQL syntax and run it again"
    } else if has("semantic") || has("sem0") {
        "check table, column and function names (they are case-sensitive) and run it again"
    } else {
        "check the query, `timespan` and `additional_workspaces`, then run it again"
    }
}

/// Remove anything shaped like an access token: JWTs, `Bearer <token>` and
/// `access_token=<token>` forms. Every message built from service or credential text
/// passes through here, so a credential or proxy that echoes a token cannot leak it.
pub(crate) fn scrub(text: &str) -> String {
    static PATTERNS: OnceLock<Option<[Regex; 3]>> = OnceLock::new();
    let patterns = PATTERNS.get_or_init(|| {
        Some([
            Regex::new(r"eyJ[A-Za-z0-9_\-]*\.[A-Za-z0-9_\-]+\.?[A-Za-z0-9_\-]*").ok()?,
            Regex::new(r"(?i)(bearer|pop)(\s+|%20)[^\s,;'\x22]+").ok()?,
            Regex::new(
                r#"(?i)((access|refresh|id)_?token|client_secret|assertion)(["']?\s*[:=]\s*["']?)[^\s,;'"&}]+"#,
            )
            .ok()?,
        ])
    });
    // The patterns are literals covered by the unit tests; should one ever fail to
    // compile, withhold the text rather than risk passing a token on.
    let Some([jwt, bearer, assignment]) = patterns else {
        return "[message withheld: it could not be checked for tokens]".to_owned();
    };
    // Prefixed forms first, so a JWT after `Bearer` is replaced once.
    let text = bearer.replace_all(text, "$1 [redacted]");
    let text = assignment.replace_all(&text, "$1$3[redacted]");
    jwt.replace_all(&text, "[redacted token]").into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scrub_removes_tokens_in_every_shape() {
        let jwt = "eyJ0eXAiOiJKV1QifQ.eyJhdWQiOiJ4In0.c2lnbmF0dXJl";
        for text in [
            format!("token {jwt} expired"),
            "Authorization: Bearer abc.def-123 was rejected".to_owned(),
            format!("Authorization: Bearer {jwt}, retry"),
            "header bearer%20abc123".to_owned(),
            r#"{"access_token":"abc123","expires_in":3599}"#.to_owned(),
            "refresh_token=abc123&x=1".to_owned(),
        ] {
            let clean = scrub(&text);
            assert!(!clean.contains("abc"), "{clean}");
            assert!(!clean.contains("c2lnbmF0dXJl"), "{clean}");
            assert!(clean.contains("redacted"), "{clean}");
        }
        assert_eq!(scrub("plain message"), "plain message");
        assert_eq!(
            scrub(&format!("got Bearer {jwt}; and {jwt}")),
            "got Bearer [redacted]; and [redacted token]"
        );
    }
}
