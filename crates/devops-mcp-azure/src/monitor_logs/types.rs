//! The Logs query client's inputs (what to query, how) and outputs (typed tables, statistics,
//! visualization, partial errors). Inputs are tool-input shaped: serde with unknown fields
//! denied and a JSON schema whose descriptions an agent reads.

use std::fmt;
use std::time::Duration;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// What a query runs against.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum LogsTarget {
    /// A Log Analytics workspace by its Workspace ID: the GUID on the workspace's Overview
    /// page (also called customer ID), not its name or ARM resource ID.
    Workspace(String),
    /// An Azure resource by its full ARM resource ID, for a resource-centric query over the
    /// logs that resource sent to any workspace, e.g. an Application Insights component
    /// `/subscriptions/{subscription}/resourceGroups/{group}/providers/Microsoft.Insights/components/{name}`.
    Resource(String),
}

impl fmt::Display for LogsTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LogsTarget::Workspace(id) => write!(f, "workspace {}", id.trim()),
            LogsTarget::Resource(id) => write!(f, "resource {}", id.trim()),
        }
    }
}

/// The time range a query covers, applied in addition to any time filter inside the query.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Timespan {
    /// The period that ends now, as an ISO 8601 duration: `PT30M`, `PT12H`, `P1D`, `P7D`,
    /// `P2W`, `P1DT12H`; fractional seconds allowed (`PT0.5S`).
    Duration(String),
    /// An absolute range.
    Range {
        /// Start, RFC 3339 with an offset, e.g. `2024-05-01T00:00:00Z`; must be before `end`.
        start: String,
        /// End, RFC 3339 with an offset, e.g. `2024-05-02T00:00:00Z`.
        end: String,
    },
    /// A duration from a start time.
    StartDuration {
        /// Start, RFC 3339 with an offset, e.g. `2024-05-01T00:00:00Z`.
        start: String,
        /// ISO 8601 duration from `start`, e.g. `PT6H`.
        duration: String,
    },
}

/// One log query.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LogsQuery {
    /// The KQL query, e.g. `AppRequests | where Success == false | summarize count() by Name`.
    /// Required, not blank.
    pub query: String,
    /// The time range, applied in addition to any time filter in the query. Default: none,
    /// so only the query's own filters limit the data read (give one: it keeps queries cheap).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timespan: Option<Timespan>,
    /// How long the service may run the query, in whole seconds from 1 to 600 (sent as
    /// `Prefer: wait=N`). Default: the service's 180 s.
    #[serde(
        default,
        rename = "server_timeout_seconds",
        with = "optional_seconds",
        skip_serializing_if = "Option::is_none"
    )]
    #[schemars(with = "Option<u16>", range(min = 1, max = 600))]
    pub server_timeout: Option<Duration>,
    /// Also return the service's query statistics (CPU, data scanned, rows). Default: false.
    #[serde(default)]
    pub include_statistics: bool,
    /// Also return the visualization the query's `render` operator asks for. Default: false.
    #[serde(default)]
    pub include_render: bool,
    /// More workspaces to query together with the target (cross-workspace query): workspace
    /// IDs, qualified names or ARM resource IDs, at most 100. Default: none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub additional_workspaces: Vec<String>,
}

impl LogsQuery {
    /// A query with every option at its default.
    pub fn new(query: impl Into<String>) -> Self {
        Self {
            query: query.into(),
            timespan: None,
            server_timeout: None,
            include_statistics: false,
            include_render: false,
            additional_workspaces: Vec::new(),
        }
    }
}

/// `Option<Duration>` as whole seconds.
mod optional_seconds {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(
        value: &Option<Duration>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match value {
            Some(duration) => serializer.serialize_u64(duration.as_secs()),
            None => serializer.serialize_none(),
        }
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<Duration>, D::Error> {
        Ok(Option::<u64>::deserialize(deserializer)?.map(Duration::from_secs))
    }
}

/// A query result.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct LogsResponse {
    /// Result tables; the query's main output is the first (`PrimaryResult`).
    pub tables: Vec<LogsTable>,
    /// Query statistics, when requested and sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub statistics: Option<serde_json::Value>,
    /// Visualization (`render`) information, when requested and sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub render: Option<serde_json::Value>,
    /// Set when the service answered with a partial result: the tables are incomplete
    /// (e.g. a result limit was hit, or part of the query failed) and this says why.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub partial_error: Option<LogsErrorDetail>,
}

/// One result table.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct LogsTable {
    /// Table name, e.g. `PrimaryResult`.
    pub name: String,
    /// Columns, in cell order.
    pub columns: Vec<LogsColumn>,
    /// Rows; each has one cell per column. Cells keep their column's type: `bool` is a JSON
    /// boolean; `int`, `long` and `real` are JSON numbers (`long` exact to 64 bits; a `real`
    /// NaN or infinity stays the service's string); `dynamic` is the JSON value itself;
    /// `datetime` (ISO 8601), `timespan` (`[-][d.]hh:mm:ss[.fffffff]`), `guid`, `string` and
    /// `decimal` (exact digits) are strings; a missing value is null.
    pub rows: Vec<Vec<serde_json::Value>>,
}

/// One column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct LogsColumn {
    /// Column name.
    pub name: String,
    /// Column type.
    #[serde(rename = "type")]
    pub column_type: LogsColumnType,
}

/// A column's data type (the Kusto scalar types).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, JsonSchema)]
#[serde(into = "String")]
#[schemars(with = "String")]
pub enum LogsColumnType {
    /// `bool`.
    Bool,
    /// `datetime`.
    Datetime,
    /// `dynamic` (JSON).
    Dynamic,
    /// `guid`.
    Guid,
    /// `int` (32-bit).
    Int,
    /// `long` (64-bit).
    Long,
    /// `real` (64-bit floating point).
    Real,
    /// `string`.
    String,
    /// `timespan`.
    Timespan,
    /// `decimal` (128-bit decimal).
    Decimal,
    /// A type this client does not know, as the service named it.
    Unknown(std::string::String),
}

impl LogsColumnType {
    /// The type from its wire name (case-insensitive; `boolean` and `date` are Kusto aliases).
    pub fn parse(name: &str) -> Self {
        match name.to_ascii_lowercase().as_str() {
            "bool" | "boolean" => Self::Bool,
            "datetime" | "date" => Self::Datetime,
            "dynamic" => Self::Dynamic,
            "guid" | "uuid" | "uniqueid" => Self::Guid,
            "int" | "int32" => Self::Int,
            "long" | "int64" => Self::Long,
            "real" | "double" => Self::Real,
            "string" => Self::String,
            "timespan" | "time" => Self::Timespan,
            "decimal" => Self::Decimal,
            _ => Self::Unknown(name.to_owned()),
        }
    }

    /// The wire name.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Bool => "bool",
            Self::Datetime => "datetime",
            Self::Dynamic => "dynamic",
            Self::Guid => "guid",
            Self::Int => "int",
            Self::Long => "long",
            Self::Real => "real",
            Self::String => "string",
            Self::Timespan => "timespan",
            Self::Decimal => "decimal",
            Self::Unknown(name) => name,
        }
    }
}

impl From<LogsColumnType> for std::string::String {
    fn from(value: LogsColumnType) -> Self {
        value.as_str().to_owned()
    }
}

impl fmt::Display for LogsColumnType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An error object of the query API (`errorInfo` / `errorDetail`), with its inner errors.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, JsonSchema)]
pub struct LogsErrorDetail {
    /// Machine-readable code, e.g. `PartialError`, `BadArgumentError`, `SYN0002`.
    pub code: String,
    /// Human-readable message.
    pub message: String,
    /// The request property responsible.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// The value of `target` responsible.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// Resources responsible (e.g. the workspaces a partial error concerns).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub resources: Vec<String>,
    /// Query line of a syntax or semantic error (1-based).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    /// Position in that line.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub position: Option<u64>,
    /// The query token at that position.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    /// Further errors (e.g. one per failed part of a partial result).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub details: Vec<LogsErrorDetail>,
    /// The more specific error this one wraps.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub innererror: Option<Box<LogsErrorDetail>>,
}

/// Most details a description lists; a partial error can carry hundreds.
const DESCRIBED_DETAILS: usize = 5;

impl LogsErrorDetail {
    /// One line: the error chain from outer to innermost, then the details.
    pub fn describe(&self) -> String {
        let mut text = String::new();
        let mut node = Some(self);
        while let Some(error) = node {
            if !text.is_empty() {
                text.push_str(" > ");
            }
            text.push_str(&error.headline());
            node = error.innererror.as_deref();
        }
        let details: Vec<&LogsErrorDetail> = self.all_details();
        if !details.is_empty() {
            text.push_str("; details: ");
            let shown: Vec<String> = details
                .iter()
                .take(DESCRIBED_DETAILS)
                .map(|detail| {
                    let mut line = detail.headline();
                    if let Some(inner) = &detail.innererror {
                        line.push_str(" > ");
                        line.push_str(&inner.describe());
                    }
                    line
                })
                .collect();
            text.push_str(&shown.join(" | "));
            if details.len() > DESCRIBED_DETAILS {
                text.push_str(&format!(
                    " | and {} more",
                    details.len() - DESCRIBED_DETAILS
                ));
            }
        }
        text
    }

    fn headline(&self) -> String {
        let mut text = match (self.code.is_empty(), self.message.is_empty()) {
            (false, false) => format!("{}: {}", self.code, self.message),
            (false, true) => self.code.clone(),
            (true, false) => self.message.clone(),
            (true, true) => "(no message)".to_owned(),
        };
        let mut extras = Vec::new();
        if let (Some(line), Some(position)) = (self.line, self.position) {
            extras.push(format!("line {line}, position {position}"));
        }
        if let Some(token) = &self.token {
            extras.push(format!("token `{token}`"));
        }
        if let Some(target) = &self.target {
            extras.push(format!("target `{target}`"));
        }
        if !self.resources.is_empty() {
            extras.push(format!("resources {}", self.resources.join(", ")));
        }
        if !extras.is_empty() {
            text.push_str(&format!(" ({})", extras.join("; ")));
        }
        text
    }

    /// Details of this error and of its inner errors.
    fn all_details(&self) -> Vec<&LogsErrorDetail> {
        let mut out = Vec::new();
        let mut node = Some(self);
        while let Some(error) = node {
            out.extend(error.details.iter());
            node = error.innererror.as_deref();
        }
        out
    }

    /// Every code in the error, its inner errors and details.
    pub fn codes(&self) -> Vec<&str> {
        let mut out = vec![self.code.as_str()];
        if let Some(inner) = &self.innererror {
            out.extend(inner.codes());
        }
        for detail in &self.details {
            out.extend(detail.codes());
        }
        out
    }

    /// The innermost `(line, position)` the service reported.
    pub fn location(&self) -> Option<(u64, u64)> {
        self.innererror
            .as_deref()
            .and_then(LogsErrorDetail::location)
            .or(self.line.zip(self.position))
            .or_else(|| self.details.iter().find_map(LogsErrorDetail::location))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn query_input_is_strict_and_speaks_seconds() {
        let query: LogsQuery = serde_json::from_value(json!({
            "query": "Usage",
            "timespan": {"range": {"start": "2024-05-01T00:00:00Z", "end": "2024-05-02T00:00:00Z"}},
            "server_timeout_seconds": 300,
            "include_statistics": true
        }))
        .expect("valid input");
        assert_eq!(query.server_timeout, Some(Duration::from_secs(300)));
        assert_eq!(
            serde_json::to_value(&query).expect("serialize")["server_timeout_seconds"],
            300
        );
        for bad in [
            json!({"query": "Usage", "timeout": 3}),
            json!({"query": "Usage", "timespan": {"duration": "P1D", "end": "x"}}),
            json!({"query": "Usage", "timespan": {"range": {"start": "a", "end": "b", "tz": "c"}}}),
            json!({"timespan": {"duration": "P1D"}}),
        ] {
            assert!(
                serde_json::from_value::<LogsQuery>(bad.clone()).is_err(),
                "{bad}"
            );
        }
        let target: LogsTarget =
            serde_json::from_value(json!({"workspace": "63613592-b6f7-4c3d-a390-22ba13102111"}))
                .expect("target");
        assert_eq!(
            target.to_string(),
            "workspace 63613592-b6f7-4c3d-a390-22ba13102111"
        );
        let schema = serde_json::to_value(schemars::schema_for!(LogsQuery)).expect("schema");
        let timeout = &schema["properties"]["server_timeout_seconds"];
        assert_eq!(
            (timeout["minimum"].as_u64(), timeout["maximum"].as_u64()),
            (Some(1), Some(600))
        );
        assert_eq!(schema["additionalProperties"], false);
    }

    #[test]
    fn column_types_round_trip_their_names() {
        for name in [
            "bool", "datetime", "dynamic", "guid", "int", "long", "real", "string", "timespan",
            "decimal",
        ] {
            let parsed = LogsColumnType::parse(name);
            assert!(!matches!(parsed, LogsColumnType::Unknown(_)), "{name}");
            assert_eq!(parsed.as_str(), name);
            assert_eq!(serde_json::to_value(&parsed).expect("serialize"), name);
        }
        assert_eq!(LogsColumnType::parse("Int64"), LogsColumnType::Long);
        assert_eq!(
            LogsColumnType::parse("money"),
            LogsColumnType::Unknown("money".to_owned())
        );
    }
}
