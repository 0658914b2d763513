//! Azure Monitor Logs queries: KQL against a Log Analytics workspace (by Workspace ID) or,
//! resource-centric, against an Azure resource such as an Application Insights component
//! (by ARM resource ID), through the Log Analytics query API.
//!
//! The API: `POST {endpoint}/v1/workspaces/{workspaceId}/query` and
//! `POST {endpoint}/v1/{resourceId}/query`, body `QueryBody` (`query`, `timespan`,
//! `workspaces`), answer `queryResults` (`tables`, `statistics`, `render`, `error`), as in
//! the data-plane Swagger `Microsoft.OperationalInsights` version **2022-10-27** (stable;
//! the URL carries `/v1` and no `api-version` parameter). Endpoint
//! `https://api.loganalytics.io` by default; sovereign clouds use
//! `https://api.loganalytics.us` and `https://api.loganalytics.azure.cn`.
//!
//! Requests go through an azure_core [`Pipeline`](azure_core::http::Pipeline) as in the
//! Azure SDK for Rust clients: the SDK's retry policy (exponential by default, honouring
//! `Retry-After`, `retry-after-ms` and `x-ms-retry-after-ms`; it retries 408, 429, 500, 502
//! and 503, and transport errors, but not 504, which this API sends when a query ran past
//! its server timeout), [`BearerTokenAuthorizationPolicy`](azure_core::http::policies::auth::BearerTokenAuthorizationPolicy)
//! with the scope `https://api.loganalytics.io/.default` (the audience follows
//! `ClientOptions::cloud`, else the sovereign endpoint's host, see [`LogsQueryAudience`]
//! for custom clouds), the SDK's logging policy (which redacts `Authorization`), and the
//! transport from `ClientOptions`. A per-try policy counts attempts and bounds the wait for
//! each complete answer to the server timeout plus a margin
//! ([`LogsQueryClient::with_response_margin`]), so a stalled connection cannot hang a
//! caller. The credential comes from the caller (the server's `azure_identity` chain).
//!
//! `Prefer` options sent, comma-separated as the other Azure SDKs send them: `wait=N`
//! (server timeout, 1 to 600 s; the service's default is 180 s), `include-statistics=true`,
//! `include-render=true`. The header is left out when no option is set.
//!
//! Inputs are checked before anything is sent (Workspace ID is a GUID; resource ID is
//! `/subscriptions/{s}[/resourceGroups/{g}]/providers/{Namespace}/{type}/{name}...`;
//! ISO 8601 durations; RFC 3339 timestamps with start before end). Cells keep their
//! column's type (see [`LogsTable::rows`]). A 200 with an `error` object is a partial
//! result: the tables come back with [`LogsResponse::partial_error`] set. Errors say what
//! to do; no message, `Debug` output or log line carries an access token (texts from the
//! service or credential are scrubbed of token-shaped strings).

mod client;
mod error;
mod request;
mod response;
mod types;

pub use client::{
    CHINA_AUDIENCE, DEFAULT_ENDPOINT, DEFAULT_RESPONSE_MARGIN, LogsQueryAudience, LogsQueryClient,
    PUBLIC_AUDIENCE, US_GOVERNMENT_AUDIENCE,
};
pub use error::{Error, READER_ROLE};
pub use request::{DEFAULT_SERVER_TIMEOUT, MAX_ADDITIONAL_WORKSPACES, MAX_SERVER_TIMEOUT};
pub use types::{
    LogsColumn, LogsColumnType, LogsErrorDetail, LogsQuery, LogsResponse, LogsTable, LogsTarget,
    Timespan,
};
