//! [`LogsQueryClient`]: one azure_core pipeline (retry, bearer token, logging, transport)
//! plus a per-try policy that counts attempts and bounds the wait for each answer, and the
//! mapping of HTTP outcomes to [`Error`].

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use azure_core::cloud::CloudConfiguration;
use azure_core::credentials::TokenCredential;
use azure_core::error::ErrorKind;
use azure_core::http::headers::{HeaderName, RETRY_AFTER, RETRY_AFTER_MS, X_MS_RETRY_AFTER_MS};
use azure_core::http::policies::auth::BearerTokenAuthorizationPolicy;
use azure_core::http::policies::{Policy, PolicyResult, RetryHeaders};
use azure_core::http::{
    AsyncRawResponse, ClientOptions, Context, Method, Pipeline, PipelineOptions,
    PipelineSendOptions, RawResponse, Request, StatusCode, Url,
};

use super::error::{Error, scrub};
use super::request::{Prepared, prepare};
use super::response::{decode_results, error_body};
use super::types::{LogsQuery, LogsResponse, LogsTarget};

/// The public-cloud endpoint.
pub const DEFAULT_ENDPOINT: &str = "https://api.loganalytics.io";
/// The public-cloud token audience; the scope is this plus `/.default`.
pub const PUBLIC_AUDIENCE: &str = "https://api.loganalytics.io";
/// Azure US Government's audience (endpoint `https://api.loganalytics.us`).
pub const US_GOVERNMENT_AUDIENCE: &str = "https://api.loganalytics.us";
/// Azure operated by 21Vianet's audience (endpoint `https://api.loganalytics.azure.cn`).
pub const CHINA_AUDIENCE: &str = "https://api.loganalytics.azure.cn";
/// How long the client waits for an answer beyond the server timeout, by default: the
/// service needs time to report its own timeout, and the answer time to travel.
pub const DEFAULT_RESPONSE_MARGIN: Duration = Duration::from_secs(30);

/// Marker type naming this client's audience in a custom cloud:
/// `Audiences::new().with::<LogsQueryAudience>("https://api.loganalytics.example".into())`.
#[derive(Debug)]
pub struct LogsQueryAudience;

/// Statuses retried by the pipeline. 504 is left out on purpose: for this API it means the
/// query ran past its server timeout, and sending it again would only time out again.
const RETRIED_STATUSES: [StatusCode; 5] = [
    StatusCode::RequestTimeout,
    StatusCode::TooManyRequests,
    StatusCode::InternalServerError,
    StatusCode::BadGateway,
    StatusCode::ServiceUnavailable,
];

/// Longest text of a non-JSON error body quoted in an error.
const QUOTED_BODY: usize = 300;

/// A client for the Log Analytics query API.
pub struct LogsQueryClient {
    /// Base URL, ending in `/v1`.
    base: Url,
    scope: String,
    pipeline: Pipeline,
    response_margin: Duration,
}

impl std::fmt::Debug for LogsQueryClient {
    // The pipeline (and its token cache) is left out on purpose.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LogsQueryClient")
            .field("base", &self.base.as_str())
            .field("scope", &self.scope)
            .field("response_margin", &self.response_margin)
            .finish_non_exhaustive()
    }
}

impl LogsQueryClient {
    /// A client for `endpoint` (default [`DEFAULT_ENDPOINT`]; sovereign clouds and tests
    /// pass another; a trailing `/v1` is accepted) that signs requests with tokens from
    /// `credential`. `options` carries the transport, retry and logging settings; its
    /// `cloud`, when set, chooses the token audience.
    pub fn new(
        endpoint: &str,
        credential: Arc<dyn TokenCredential>,
        options: Option<ClientOptions>,
    ) -> Result<Self, Error> {
        let options = options.unwrap_or_default();
        let base = base_url(endpoint)?;
        let audience = audience(&base, options.cloud.as_deref(), endpoint)?;
        let scope = format!("{}/.default", audience.trim_end_matches('/'));
        let auth: Arc<dyn Policy> = Arc::new(BearerTokenAuthorizationPolicy::new(
            credential,
            [scope.clone()],
        ));
        let attempts: Arc<dyn Policy> = Arc::new(AttemptPolicy);
        let pipeline = Pipeline::new(
            option_env!("CARGO_PKG_NAME"),
            option_env!("CARGO_PKG_VERSION"),
            options,
            Vec::new(),
            vec![auth, attempts],
            Some(PipelineOptions {
                retry_headers: RetryHeaders {
                    retry_headers: vec![X_MS_RETRY_AFTER_MS, RETRY_AFTER_MS, RETRY_AFTER],
                },
                retry_status_codes: RETRIED_STATUSES.to_vec(),
            }),
        );
        Ok(Self {
            base,
            scope,
            pipeline,
            response_margin: DEFAULT_RESPONSE_MARGIN,
        })
    }

    /// How long to wait for each answer beyond the server timeout before giving up
    /// (default [`DEFAULT_RESPONSE_MARGIN`]).
    #[must_use]
    pub fn with_response_margin(mut self, margin: Duration) -> Self {
        self.response_margin = margin;
        self
    }

    /// The base URL requests go to (ends in `/v1`).
    pub fn endpoint(&self) -> &str {
        self.base.as_str()
    }

    /// The token scope requested from the credential.
    pub fn scope(&self) -> &str {
        &self.scope
    }

    /// Run `request` against `target`. Inputs are checked first; nothing is sent when one
    /// is invalid. A 200 that carries an error comes back as `Ok` with `partial_error` set.
    pub async fn query(
        &self,
        target: &LogsTarget,
        request: &LogsQuery,
    ) -> Result<LogsResponse, Error> {
        let prepared = prepare(target, request)?;
        let url = self.url(&prepared)?;
        let mut http = Request::new(url, Method::Post);
        http.insert_header("accept", "application/json");
        http.insert_header("content-type", "application/json");
        if let Some(prefer) = &prepared.prefer {
            http.insert_header("prefer", prefer.clone());
        }
        let body = serde_json::to_vec(&prepared.body).map_err(|e| Error::InvalidInput {
            field: "query".to_owned(),
            problem: format!("cannot be encoded as JSON ({e})"),
        })?;
        http.set_body(body);

        let attempts = Arc::new(AtomicU32::new(0));
        let context = Context::new().with_value(TryState {
            attempts: attempts.clone(),
            deadline: prepared.server_timeout + self.response_margin,
        });
        let sent = self
            .pipeline
            .send(
                &context,
                &mut http,
                Some(PipelineSendOptions {
                    skip_checks: true,
                    ..PipelineSendOptions::default()
                }),
            )
            .await;
        let attempts = attempts.load(Ordering::Relaxed).max(1);
        let timeout_secs = prepared.server_timeout.as_secs();
        let response = sent.map_err(|e| self.pipeline_error(target, &e, timeout_secs))?;
        let status = u16::from(response.status());
        tracing::debug!(target = %target, status, attempts, "Log Analytics query answered");
        if status == 200 {
            return decode_results(response.body()).map_err(|detail| Error::InvalidResponse {
                target: target.to_string(),
                detail,
            });
        }
        Err(status_error(
            target,
            &self.scope,
            &response,
            attempts,
            timeout_secs,
        ))
    }

    fn url(&self, prepared: &Prepared) -> Result<Url, Error> {
        let mut url = self.base.clone();
        url.path_segments_mut()
            .map_err(|()| Error::InvalidEndpoint {
                endpoint: self.base.to_string(),
                problem: "it cannot carry a path".to_owned(),
            })?
            .extend(&prepared.segments);
        Ok(url)
    }

    fn pipeline_error(
        &self,
        target: &LogsTarget,
        error: &azure_core::Error,
        timeout_secs: u64,
    ) -> Error {
        let target_text = target.to_string();
        if let Some(late) = find_source::<ResponseLate>(error) {
            return Error::Timeout {
                target: target_text,
                timeout_secs,
                client_side: true,
                detail: format!("no complete answer within {:?}", late.waited),
            };
        }
        let detail = scrub(&chain(error));
        match error.kind() {
            ErrorKind::Credential => Error::Credential {
                scope: self.scope.clone(),
                detail,
            },
            ErrorKind::Io | ErrorKind::Connection => Error::Transport {
                target: target_text,
                endpoint: self.base.to_string(),
                detail,
            },
            // The pipeline ran with checks off, so an HTTP error status arrives as a response;
            // this arm only covers a policy that turned one into an error.
            ErrorKind::HttpResponse { status, .. } => Error::Service {
                target: target_text,
                status: u16::from(*status),
                attempts: 1,
                detail,
            },
            _ => Error::Transport {
                target: target_text,
                endpoint: self.base.to_string(),
                detail,
            },
        }
    }
}

/// `endpoint` as a base URL ending in `/v1`.
fn base_url(endpoint: &str) -> Result<Url, Error> {
    let invalid = |problem: &str| Error::InvalidEndpoint {
        endpoint: endpoint.to_owned(),
        problem: problem.to_owned(),
    };
    let mut url = Url::parse(endpoint.trim()).map_err(|e| invalid(&format!("not a URL ({e})")))?;
    if url.scheme() != "https" {
        return Err(invalid(
            "use https: access tokens are only sent over TLS (public cloud: https://api.loganalytics.io)",
        ));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(invalid("it has no host"));
    }
    if url.query().is_some() || url.fragment().is_some() || !url.username().is_empty() {
        return Err(invalid(
            "give the service root only, without query, fragment or user info",
        ));
    }
    let path = url.path().trim_end_matches('/').to_owned();
    let path = if path.to_ascii_lowercase().ends_with("/v1") {
        path
    } else {
        format!("{path}/v1")
    };
    url.set_path(&path);
    Ok(url)
}

/// The token audience: the configured cloud's, else the sovereign cloud whose endpoint this
/// is, else the public cloud's (also right for private-link and proxy endpoints).
fn audience(
    base: &Url,
    cloud: Option<&CloudConfiguration>,
    endpoint: &str,
) -> Result<String, Error> {
    match cloud {
        Some(CloudConfiguration::AzurePublic) => Ok(PUBLIC_AUDIENCE.to_owned()),
        Some(CloudConfiguration::AzureGovernment) => Ok(US_GOVERNMENT_AUDIENCE.to_owned()),
        Some(CloudConfiguration::AzureChina) => Ok(CHINA_AUDIENCE.to_owned()),
        Some(CloudConfiguration::Custom(custom)) => custom
            .audiences
            .get::<LogsQueryAudience>()
            .map(str::to_owned)
            .ok_or_else(|| Error::InvalidEndpoint {
                endpoint: endpoint.to_owned(),
                problem: "the custom cloud configuration has no audience for `LogsQueryAudience`; add one with `Audiences::with::<LogsQueryAudience>(..)`".to_owned(),
            }),
        Some(_) | None => {
            let host = base.host_str().unwrap_or_default().to_ascii_lowercase();
            Ok(match host.as_str() {
                "api.loganalytics.us" => US_GOVERNMENT_AUDIENCE,
                "api.loganalytics.azure.cn" => CHINA_AUDIENCE,
                _ => PUBLIC_AUDIENCE,
            }
            .to_owned())
        }
    }
}

/// Map a non-200 answer.
fn status_error(
    target: &LogsTarget,
    scope: &str,
    response: &RawResponse,
    attempts: u32,
    timeout_secs: u64,
) -> Error {
    let status = u16::from(response.status());
    let parsed = error_body(response.body());
    let detail = match &parsed {
        Some(error) => error.describe(),
        None => {
            let text = String::from_utf8_lossy(response.body());
            let text = text.trim();
            if text.is_empty() {
                format!("HTTP {status} with no body")
            } else {
                let quoted: String = text.chars().take(QUOTED_BODY).collect();
                scrub(&quoted)
            }
        }
    };
    let target_text = target.to_string();
    let timed_out = status == 504
        || status == 408
        || parsed.as_ref().is_some_and(|error| {
            error
                .codes()
                .iter()
                .any(|code| code.to_ascii_lowercase().contains("timeout"))
        });
    match status {
        400 if !timed_out => Error::BadRequest {
            target: target_text,
            error: Box::new(parsed.unwrap_or_else(|| super::types::LogsErrorDetail {
                code: "BadRequest".to_owned(),
                message: detail,
                ..Default::default()
            })),
        },
        401 => Error::Unauthorized {
            target: target_text,
            scope: scope.to_owned(),
            detail,
        },
        403 => Error::Forbidden {
            target: target_text,
            detail,
        },
        404 => Error::NotFound {
            target: target_text,
            detail,
            hint: match target {
                LogsTarget::Workspace(_) => {
                    "check the Workspace ID (the GUID on the workspace's Overview page, not its name), that the workspace still exists, and that the endpoint is the workspace's cloud"
                }
                LogsTarget::Resource(_) => {
                    "check the full ARM resource ID (subscription, resource group, provider namespace, type and name), that the resource still exists, and that it sends logs to a workspace"
                }
            },
        },
        429 => Error::Throttled {
            target: target_text,
            retry_after_secs: retry_after(response),
            attempts,
            detail,
        },
        _ if timed_out => Error::Timeout {
            target: target_text,
            timeout_secs,
            client_side: false,
            detail,
        },
        _ => Error::Service {
            target: target_text,
            status,
            attempts,
            detail,
        },
    }
}

/// `Retry-After` in seconds (`retry-after-ms` forms rounded up).
fn retry_after(response: &RawResponse) -> Option<u64> {
    let header = |name: &'static str| {
        response
            .headers()
            .get_optional_str(&HeaderName::from_static(name))
            .map(str::trim)
    };
    if let Some(seconds) = header("retry-after").and_then(|v| v.parse::<u64>().ok()) {
        return Some(seconds);
    }
    ["retry-after-ms", "x-ms-retry-after-ms"]
        .into_iter()
        .find_map(|name| header(name)?.parse::<u64>().ok())
        .map(|ms| ms.div_ceil(1000))
}

/// An error with its sources, each once, without the retry policy's bookkeeping notes.
fn chain(error: &azure_core::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut next: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(cause) = next {
        let text = cause.to_string();
        let noise =
            text.contains("will not be retried") || text.contains("will no longer be retried");
        if !noise && !text.is_empty() && !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        next = cause.source();
    }
    if parts.is_empty() {
        error.to_string()
    } else {
        parts.join(": ")
    }
}

fn find_source<T: std::error::Error + 'static>(error: &azure_core::Error) -> Option<&T> {
    let mut next: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(cause) = next {
        if let Some(found) = cause.downcast_ref::<T>() {
            return Some(found);
        }
        next = cause.source();
    }
    None
}

/// Per-call state the per-try policy reads from the context.
#[derive(Debug)]
struct TryState {
    attempts: Arc<AtomicU32>,
    deadline: Duration,
}

/// The answer did not arrive in time.
#[derive(Debug, thiserror::Error)]
#[error("no complete answer within {waited:?}")]
struct ResponseLate {
    waited: Duration,
}

/// Per try: count the attempt and bound the wait for the whole answer (status and body),
/// so a stalled connection ends in a timeout instead of hanging the caller.
#[derive(Debug)]
struct AttemptPolicy;

#[async_trait]
impl Policy for AttemptPolicy {
    async fn send(
        &self,
        ctx: &Context,
        request: &mut Request,
        next: &[Arc<dyn Policy>],
    ) -> PolicyResult {
        let Some(state) = ctx.value::<TryState>() else {
            return next[0].send(ctx, request, &next[1..]).await;
        };
        state.attempts.fetch_add(1, Ordering::Relaxed);
        let deadline = state.deadline;
        let exchange = async {
            let response = next[0].send(ctx, request, &next[1..]).await?;
            let (status, headers, body) = response.deconstruct();
            let bytes = body.collect().await?;
            Ok::<_, azure_core::Error>(AsyncRawResponse::from_bytes(status, headers, bytes))
        };
        match tokio::time::timeout(deadline, exchange).await {
            Ok(result) => result,
            // `Other` is not retried: a query that ran out of time would run out again.
            Err(_) => Err(azure_core::Error::new(
                ErrorKind::Other,
                ResponseLate { waited: deadline },
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use azure_core::cloud::{Audiences, CustomConfiguration};
    use azure_core::credentials::{AccessToken, TokenRequestOptions};

    #[derive(Debug)]
    struct NoCredential;

    #[async_trait]
    impl TokenCredential for NoCredential {
        async fn get_token(
            &self,
            _scopes: &[&str],
            _options: Option<TokenRequestOptions<'_>>,
        ) -> azure_core::Result<AccessToken> {
            Err(azure_core::Error::with_message(
                ErrorKind::Credential,
                "unused",
            ))
        }
    }

    fn client(endpoint: &str, cloud: Option<CloudConfiguration>) -> Result<LogsQueryClient, Error> {
        let options = ClientOptions {
            cloud: cloud.map(Arc::new),
            ..ClientOptions::default()
        };
        LogsQueryClient::new(endpoint, Arc::new(NoCredential), Some(options))
    }

    #[test]
    fn endpoints_and_scopes() {
        for (endpoint, base, scope) in [
            (
                DEFAULT_ENDPOINT,
                "https://api.loganalytics.io/v1",
                "https://api.loganalytics.io/.default",
            ),
            (
                "https://api.loganalytics.io/v1/",
                "https://api.loganalytics.io/v1",
                "https://api.loganalytics.io/.default",
            ),
            (
                "https://api.loganalytics.us",
                "https://api.loganalytics.us/v1",
                "https://api.loganalytics.us/.default",
            ),
            (
                "https://API.loganalytics.azure.cn/",
                "https://api.loganalytics.azure.cn/v1",
                "https://api.loganalytics.azure.cn/.default",
            ),
            (
                "https://proxy.example:8443/logs",
                "https://proxy.example:8443/logs/v1",
                "https://api.loganalytics.io/.default",
            ),
        ] {
            let client = client(endpoint, None).expect(endpoint);
            assert_eq!(client.endpoint(), base);
            assert_eq!(client.scope(), scope);
            let debug = format!("{client:?}");
            assert!(debug.contains(base), "{debug}");
        }
        let china = client(DEFAULT_ENDPOINT, Some(CloudConfiguration::AzureChina)).expect("china");
        assert_eq!(china.scope(), "https://api.loganalytics.azure.cn/.default");
        let mut custom = CustomConfiguration::default();
        custom.authority_host = "https://login.example".to_owned();
        custom.audiences =
            Audiences::new().with::<LogsQueryAudience>("https://logs.example/".to_owned());
        let custom = client("https://logs.example", Some(custom.into())).expect("custom");
        assert_eq!(custom.scope(), "https://logs.example/.default");
        let error = client(
            "https://logs.example",
            Some(CustomConfiguration::default().into()),
        )
        .expect_err("no audience");
        assert_eq!(error.kind(), "invalid_endpoint");
        for bad in [
            "http://api.loganalytics.io",
            "api.loganalytics.io",
            "https://x/?a=1",
            "",
        ] {
            assert_eq!(
                client(bad, None).expect_err(bad).kind(),
                "invalid_endpoint",
                "{bad}"
            );
        }
    }
}
