//! Input checks and the request they become: the URL path, the `QueryBody` JSON and the
//! `Prefer` header. Pure: every check runs before any token is fetched or byte is sent, and
//! each error names the field and what it accepts.

use std::time::Duration;

use serde_json::{Map, Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::error::Error;
use super::types::{LogsQuery, LogsTarget, Timespan};

/// The service's upper bound for `Prefer: wait`.
pub const MAX_SERVER_TIMEOUT: Duration = Duration::from_secs(600);
/// The service's timeout when the request sets none.
pub const DEFAULT_SERVER_TIMEOUT: Duration = Duration::from_secs(180);
/// Most additional workspaces one query may name.
pub const MAX_ADDITIONAL_WORKSPACES: usize = 100;

/// A request ready to send.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Prepared {
    /// Path segments after `/v1`, unencoded (`workspaces`, id, `query`).
    pub segments: Vec<String>,
    /// The JSON body.
    pub body: Value,
    /// The `Prefer` header value, if any preference is set.
    pub prefer: Option<String>,
    /// The server timeout in force.
    pub server_timeout: Duration,
}

/// Check `target` and `query` and build the request.
pub(crate) fn prepare(target: &LogsTarget, query: &LogsQuery) -> Result<Prepared, Error> {
    let mut segments = match target {
        LogsTarget::Workspace(id) => {
            vec![
                "workspaces".to_owned(),
                workspace_id(id, "target.workspace")?,
            ]
        }
        LogsTarget::Resource(id) => resource_id(id, "target.resource")?,
    };
    segments.push("query".to_owned());

    if query.query.trim().is_empty() {
        return Err(Error::input(
            "query",
            "the KQL query is empty; give a query such as `AppRequests | take 10`",
        ));
    }
    let mut body = Map::new();
    body.insert("query".to_owned(), Value::String(query.query.clone()));
    if let Some(timespan) = &query.timespan {
        body.insert(
            "timespan".to_owned(),
            Value::String(timespan_value(timespan)?),
        );
    }
    if !query.additional_workspaces.is_empty() {
        body.insert(
            "workspaces".to_owned(),
            json!(additional_workspaces(&query.additional_workspaces)?),
        );
    }

    let mut preferences = Vec::new();
    if let Some(timeout) = query.server_timeout {
        if timeout.subsec_nanos() != 0 || timeout.is_zero() || timeout > MAX_SERVER_TIMEOUT {
            return Err(Error::input(
                "server_timeout_seconds",
                format!(
                    "{:?} is not allowed; give whole seconds from 1 to {} (the service's default is {})",
                    timeout,
                    MAX_SERVER_TIMEOUT.as_secs(),
                    DEFAULT_SERVER_TIMEOUT.as_secs()
                ),
            ));
        }
        preferences.push(format!("wait={}", timeout.as_secs()));
    }
    if query.include_statistics {
        preferences.push("include-statistics=true".to_owned());
    }
    if query.include_render {
        preferences.push("include-render=true".to_owned());
    }
    Ok(Prepared {
        segments,
        body: Value::Object(body),
        prefer: (!preferences.is_empty()).then(|| preferences.join(",")),
        server_timeout: query.server_timeout.unwrap_or(DEFAULT_SERVER_TIMEOUT),
    })
}

/// A workspace ID: a GUID, lower-cased.
pub(crate) fn workspace_id(id: &str, field: &str) -> Result<String, Error> {
    let id = id.trim();
    if is_guid(id) {
        return Ok(id.to_ascii_lowercase());
    }
    let hint = if id.to_ascii_lowercase().starts_with("/subscriptions/") {
        "this is an ARM resource ID; query it as `resource`, or give the workspace's Workspace ID"
    } else if id.is_empty() {
        "it is empty"
    } else {
        "a workspace name is not accepted"
    };
    Err(Error::input(
        field,
        format!(
            "`{id}` is not a Workspace ID ({hint}); the Workspace ID is a GUID such as `63613592-b6f7-4c3d-a390-22ba13102111`, shown on the workspace's Overview page or by `az monitor log-analytics workspace show --query customerId`"
        ),
    ))
}

fn is_guid(text: &str) -> bool {
    let groups: Vec<&str> = text.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(group, len)| group.len() == len && group.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// An ARM resource ID split into its segments (`subscriptions`, id, ..., `providers`, ...).
pub(crate) fn resource_id(id: &str, field: &str) -> Result<Vec<String>, Error> {
    let id = id.trim();
    let example = "`/subscriptions/{subscription}/resourceGroups/{group}/providers/Microsoft.Insights/components/{name}`";
    let invalid = |problem: &str| {
        Error::input(
            field,
            format!(
                "`{id}` is not a full ARM resource ID: {problem}; give one like {example} (the resource's JSON view in the portal, or `az resource show --query id`)"
            ),
        )
    };
    if is_guid(id) {
        return Err(invalid(
            "it is a GUID; to query a workspace by its Workspace ID use `workspace`",
        ));
    }
    let Some(rest) = id
        .strip_prefix('/')
        .filter(|_| id.to_ascii_lowercase().starts_with("/subscriptions/"))
    else {
        return Err(invalid("it must start with `/subscriptions/`"));
    };
    if id
        .chars()
        .any(|c| c.is_control() || matches!(c, '?' | '#' | '\\'))
    {
        return Err(invalid("it contains `?`, `#`, `\\` or a control character"));
    }
    let segments: Vec<&str> = rest.trim_end_matches('/').split('/').collect();
    if segments
        .iter()
        .any(|s| s.trim().is_empty() || *s == "." || *s == "..")
    {
        return Err(invalid("it has an empty, `.` or `..` segment"));
    }
    let Some(providers) = segments
        .iter()
        .position(|s| s.eq_ignore_ascii_case("providers"))
    else {
        return Err(invalid(
            "it has no `/providers/{namespace}/{type}/{name}` part",
        ));
    };
    let scope = &segments[..providers];
    let scope_ok = match scope {
        [_, _] => true,
        [_, _, group, _] => group.eq_ignore_ascii_case("resourceGroups"),
        _ => false,
    };
    if !scope_ok {
        return Err(invalid(
            "before `/providers/` it must be `/subscriptions/{subscription}` optionally followed by `/resourceGroups/{group}`",
        ));
    }
    let provided = &segments[providers + 1..];
    let namespace_ok = provided
        .first()
        .is_some_and(|ns| ns.contains('.') && !ns.starts_with('.') && !ns.ends_with('.'));
    if !namespace_ok {
        return Err(invalid(
            "after `/providers/` comes a resource provider namespace such as `Microsoft.Insights`",
        ));
    }
    if provided.len() < 3 || provided.len().is_multiple_of(2) {
        return Err(invalid(
            "after the namespace come `{type}/{name}` pairs, e.g. `components/my-app`",
        ));
    }
    Ok(segments.iter().map(|s| (*s).to_owned()).collect())
}

/// The `timespan` body value: a canonical ISO 8601 duration or interval.
pub(crate) fn timespan_value(timespan: &Timespan) -> Result<String, Error> {
    match timespan {
        Timespan::Duration(duration) => iso_duration(duration, "timespan.duration"),
        Timespan::Range { start, end } => {
            let (start_at, start) = timestamp(start, "timespan.range.start")?;
            let (end_at, end) = timestamp(end, "timespan.range.end")?;
            if start_at >= end_at {
                return Err(Error::input(
                    "timespan.range",
                    format!(
                        "start `{start}` is not before end `{end}`; give a start earlier than the end"
                    ),
                ));
            }
            Ok(format!("{start}/{end}"))
        }
        Timespan::StartDuration { start, duration } => {
            let (_, start) = timestamp(start, "timespan.start_duration.start")?;
            let duration = iso_duration(duration, "timespan.start_duration.duration")?;
            Ok(format!("{start}/{duration}"))
        }
    }
}

/// An RFC 3339 timestamp, parsed and re-written in UTC.
fn timestamp(text: &str, field: &str) -> Result<(OffsetDateTime, String), Error> {
    let text = text.trim();
    let invalid = |why: String| {
        Error::input(
            field,
            format!(
                "`{text}` is not an RFC 3339 timestamp ({why}); give one with a date, a time and an offset, e.g. `2024-05-01T00:00:00Z` or `2024-05-01T08:30:00+02:00`"
            ),
        )
    };
    let parsed = OffsetDateTime::parse(text, &Rfc3339).map_err(|e| invalid(e.to_string()))?;
    let utc = parsed.to_offset(time::UtcOffset::UTC);
    let formatted = utc.format(&Rfc3339).map_err(|e| invalid(e.to_string()))?;
    Ok((utc, formatted))
}

/// An ISO 8601 duration (`PnYnMnWnDTnHnMnS`), checked and re-written without weeks
/// (`P2W` becomes `P14D`), so the service's parser sees the plainest form.
pub(crate) fn iso_duration(text: &str, field: &str) -> Result<String, Error> {
    let original = text.trim();
    let invalid = |why: &str| {
        Error::input(
            field,
            format!(
                "`{original}` is not an ISO 8601 duration ({why}); give one such as `PT30M`, `PT12H`, `P1D`, `P7D` or `P1DT12H`"
            ),
        )
    };
    let upper = original.to_ascii_uppercase();
    let Some(body) = upper.strip_prefix('P') else {
        return Err(invalid("it must start with `P`"));
    };
    let (date, time) = match body.split_once('T') {
        Some((date, time)) => {
            if time.is_empty() {
                return Err(invalid("`T` must be followed by hours, minutes or seconds"));
            }
            (date, Some(time))
        }
        None => (body, None),
    };
    let date_parts = components(date, &['Y', 'M', 'W', 'D']).map_err(|why| invalid(&why))?;
    let time_parts = match time {
        Some(time) => components(time, &['H', 'M', 'S']).map_err(|why| invalid(&why))?,
        None => Vec::new(),
    };
    if date_parts.is_empty() && time_parts.is_empty() {
        return Err(invalid("it has no component"));
    }
    let fractional = |parts: &[(char, String)], allowed: char| {
        parts
            .iter()
            .any(|(unit, number)| *unit != allowed && number.contains('.'))
    };
    if fractional(&date_parts, '\0') || fractional(&time_parts, 'S') {
        return Err(invalid("only seconds may have a fraction"));
    }
    let all_zero = date_parts
        .iter()
        .chain(&time_parts)
        .all(|(_, number)| number.chars().all(|c| c == '0' || c == '.'));
    if all_zero {
        return Err(invalid("it is zero; give a positive length"));
    }

    let mut days: u64 = 0;
    let mut out = String::from("P");
    for (unit, number) in &date_parts {
        let value: u64 = number
            .parse()
            .map_err(|_| invalid("a number is too large"))?;
        match unit {
            'W' => days = days.saturating_add(value.saturating_mul(7)),
            'D' => days = days.saturating_add(value),
            _ if value > 0 => out.push_str(&format!("{value}{unit}")),
            _ => {}
        }
    }
    if days > 0 {
        out.push_str(&format!("{days}D"));
    }
    if !time_parts.is_empty() {
        let mut time_out = String::new();
        for (unit, number) in &time_parts {
            if *unit == 'S' && number.contains('.') {
                time_out.push_str(&format!("{number}S"));
            } else {
                let value: u64 = number
                    .parse()
                    .map_err(|_| invalid("a number is too large"))?;
                if value > 0 {
                    time_out.push_str(&format!("{value}{unit}"));
                }
            }
        }
        if !time_out.is_empty() {
            out.push('T');
            out.push_str(&time_out);
        }
    }
    Ok(out)
}

/// `number unit` pairs, units in the given order, each at most once; `,` is read as `.`.
fn components(text: &str, order: &[char]) -> Result<Vec<(char, String)>, String> {
    let mut parts = Vec::new();
    let mut number = String::new();
    let mut next_unit = 0;
    for c in text.chars() {
        if c.is_ascii_digit() || c == '.' || c == ',' {
            number.push(if c == ',' { '.' } else { c });
            continue;
        }
        let Some(position) = order.iter().position(|u| *u == c) else {
            return Err(format!("unexpected `{c}`"));
        };
        if position < next_unit {
            return Err(format!("`{c}` is repeated or out of order"));
        }
        let valid_number = !number.is_empty()
            && !number.starts_with('.')
            && !number.ends_with('.')
            && number.matches('.').count() <= 1;
        if !valid_number {
            return Err(format!("`{c}` needs a number before it"));
        }
        parts.push((c, std::mem::take(&mut number)));
        next_unit = position + 1;
    }
    if !number.is_empty() {
        return Err(format!("`{number}` has no unit"));
    }
    Ok(parts)
}

fn additional_workspaces(workspaces: &[String]) -> Result<Vec<String>, Error> {
    if workspaces.len() > MAX_ADDITIONAL_WORKSPACES {
        return Err(Error::input(
            "additional_workspaces",
            format!(
                "{} workspaces given; a query can name at most {MAX_ADDITIONAL_WORKSPACES}",
                workspaces.len()
            ),
        ));
    }
    let mut out: Vec<String> = Vec::with_capacity(workspaces.len());
    for (index, workspace) in workspaces.iter().enumerate() {
        let field = format!("additional_workspaces[{index}]");
        let workspace = workspace.trim();
        if workspace.is_empty() || workspace.chars().any(char::is_control) {
            return Err(Error::input(
                field,
                "empty or has control characters; give a Workspace ID (GUID), a qualified workspace name or an ARM resource ID",
            ));
        }
        let value = if is_guid(workspace) {
            workspace.to_ascii_lowercase()
        } else if workspace.starts_with('/') {
            resource_id(workspace, &field)?;
            workspace.trim_end_matches('/').to_owned()
        } else {
            workspace.to_owned()
        };
        if !out.iter().any(|seen| seen.eq_ignore_ascii_case(&value)) {
            out.push(value);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const WS: &str = "63613592-b6f7-4c3d-a390-22ba13102111";
    const APP: &str = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/Microsoft.Insights/components/shop";

    fn field_of(error: Error) -> String {
        match error {
            Error::InvalidInput { field, problem } => {
                assert!(!problem.is_empty());
                field
            }
            other => panic!("not an input error: {other}"),
        }
    }

    #[test]
    fn durations_are_checked_and_canonical() {
        for (given, sent) in [
            ("PT30M", "PT30M"),
            ("pt12h", "PT12H"),
            ("P1D", "P1D"),
            ("P2W", "P14D"),
            ("P1W2D", "P9D"),
            ("P1DT12H", "P1DT12H"),
            ("PT0.5S", "PT0.5S"),
            ("PT1,5S", "PT1.5S"),
            ("P1Y2M", "P1Y2M"),
            ("PT0H30M", "PT30M"),
        ] {
            assert_eq!(iso_duration(given, "d").expect(given), sent, "{given}");
        }
        for bad in [
            "", "1D", "P", "PT", "P1H", "PT1D", "P1DT", "PT1.5H", "P0D", "PT0S", "P1D1D", "PT1M1H",
            "P-1D", "PTS", "P.5D", "P1.D", "24h", "P1D/P2D",
        ] {
            assert_eq!(
                field_of(iso_duration(bad, "d").expect_err(bad)),
                "d",
                "{bad}"
            );
        }
    }

    #[test]
    fn ranges_need_rfc3339_and_order() {
        let range = |start: &str, end: &str| Timespan::Range {
            start: start.to_owned(),
            end: end.to_owned(),
        };
        assert_eq!(
            timespan_value(&range("2024-05-01T02:00:00+02:00", "2024-05-01T12:00:00Z"))
                .expect("valid"),
            "2024-05-01T00:00:00Z/2024-05-01T12:00:00Z"
        );
        let error = timespan_value(&range("2024-05-02T00:00:00Z", "2024-05-01T00:00:00Z"))
            .expect_err("reversed");
        assert_eq!(field_of(error), "timespan.range");
        let error =
            timespan_value(&range("2024-05-01", "2024-05-02T00:00:00Z")).expect_err("no time");
        assert_eq!(field_of(error), "timespan.range.start");
        let error = timespan_value(&range("2024-05-01T00:00:00Z", "2024-05-01T00:00:00Z"))
            .expect_err("empty");
        assert_eq!(field_of(error), "timespan.range");
        assert_eq!(
            timespan_value(&Timespan::StartDuration {
                start: "2024-05-01T00:00:00.250Z".to_owned(),
                duration: "P1W".to_owned()
            })
            .expect("valid"),
            "2024-05-01T00:00:00.25Z/P7D"
        );
    }

    #[test]
    fn targets_are_checked() {
        assert_eq!(
            workspace_id(&WS.to_ascii_uppercase(), "w").expect("guid"),
            WS
        );
        for bad in [
            "",
            "my-workspace",
            APP,
            "63613592-b6f7-4c3d-a390-22ba1310211",
        ] {
            assert_eq!(field_of(workspace_id(bad, "w").expect_err(bad)), "w");
        }
        let segments = resource_id(APP, "r").expect("app insights");
        assert_eq!(segments.first().map(String::as_str), Some("subscriptions"));
        assert_eq!(segments.last().map(String::as_str), Some("shop"));
        resource_id(
            "/subscriptions/s/providers/Microsoft.Compute/virtualMachines/vm/providers/Microsoft.Insights/diagnosticSettings/d",
            "r",
        )
        .expect("subscription-level extension resource");
        for bad in [
            WS,
            "subscriptions/s/resourceGroups/rg/providers/Microsoft.Insights/components/x",
            "/subscriptions/s/resourceGroups/rg",
            "/subscriptions/s/resourceGroups/rg/providers/Insights/components/x",
            "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Insights/components",
            "/subscriptions/s/resourceGroups//providers/Microsoft.Insights/components/x",
            "/subscriptions/s/other/rg/providers/Microsoft.Insights/components/x",
            "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Insights/components/x?y",
            "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Insights/components/../x",
        ] {
            assert_eq!(
                field_of(resource_id(bad, "r").expect_err(bad)),
                "r",
                "{bad}"
            );
        }
    }

    #[test]
    fn request_has_body_and_prefer() {
        let mut query = LogsQuery::new("Usage | take 10");
        query.timespan = Some(Timespan::Duration("P1D".to_owned()));
        query.server_timeout = Some(Duration::from_secs(300));
        query.include_statistics = true;
        query.include_render = true;
        query.additional_workspaces = vec![
            WS.to_ascii_uppercase(),
            WS.to_owned(),
            "contoso-ws".to_owned(),
            format!("{APP}/"),
        ];
        let prepared =
            prepare(&LogsTarget::Resource(APP.to_owned()), &query).expect("valid request");
        assert_eq!(prepared.segments.last().map(String::as_str), Some("query"));
        assert_eq!(
            prepared.body,
            json!({"query": "Usage | take 10", "timespan": "P1D", "workspaces": [WS, "contoso-ws", APP]})
        );
        assert_eq!(
            prepared.prefer.as_deref(),
            Some("wait=300,include-statistics=true,include-render=true")
        );
        assert_eq!(prepared.server_timeout, Duration::from_secs(300));

        let plain =
            prepare(&LogsTarget::Workspace(WS.to_owned()), &LogsQuery::new("x")).expect("plain");
        assert_eq!(plain.segments, ["workspaces", WS, "query"]);
        assert_eq!(plain.body, json!({"query": "x"}));
        assert_eq!(plain.prefer, None);
        assert_eq!(plain.server_timeout, DEFAULT_SERVER_TIMEOUT);
    }

    #[test]
    fn bad_options_name_their_field() {
        let target = LogsTarget::Workspace(WS.to_owned());
        let with = |change: &dyn Fn(&mut LogsQuery)| {
            let mut query = LogsQuery::new("Usage");
            change(&mut query);
            field_of(prepare(&target, &query).expect_err("invalid"))
        };
        assert_eq!(with(&|q| q.query = "  ".to_owned()), "query");
        for timeout in [0, 601] {
            assert_eq!(
                with(&|q| q.server_timeout = Some(Duration::from_secs(timeout))),
                "server_timeout_seconds"
            );
        }
        assert_eq!(
            with(&|q| q.server_timeout = Some(Duration::from_millis(1500))),
            "server_timeout_seconds"
        );
        assert_eq!(
            with(&|q| q.additional_workspaces = vec![" ".to_owned()]),
            "additional_workspaces[0]"
        );
        assert_eq!(
            with(&|q| q.additional_workspaces = vec![WS.to_owned(), "/subscriptions/x".to_owned()]),
            "additional_workspaces[1]"
        );
        assert_eq!(
            with(&|q| q.additional_workspaces = vec![WS.to_owned(); 101]),
            "additional_workspaces"
        );
    }
}
