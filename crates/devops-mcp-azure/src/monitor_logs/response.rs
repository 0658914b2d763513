//! Reading the query API's answers: a `queryResults` body becomes typed tables, and an
//! `errorInfo` object (a failed request's, or a partial result's) becomes a
//! [`LogsErrorDetail`]. Pure.
//!
//! Cells are read as raw JSON so each can be typed by its column: the service sends `long`
//! as a JSON number (exact in 64 bits here, where JavaScript would round past 2^53), `bool`
//! as a JSON boolean, `dynamic` as a string holding JSON, `decimal` as a string; older
//! payloads and the published examples send numbers and booleans as strings, which are
//! converted. A `decimal` that arrives as a JSON number keeps its exact digits.

use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{Number, Value};

use super::error::scrub;
use super::types::{LogsColumn, LogsColumnType, LogsErrorDetail, LogsResponse, LogsTable};

/// Deepest error nesting read; the service nests three or four levels.
const MAX_ERROR_DEPTH: usize = 16;

#[derive(Deserialize)]
struct WireResults {
    #[serde(default)]
    tables: Option<Vec<WireTable>>,
    #[serde(default)]
    statistics: Option<Value>,
    #[serde(default)]
    render: Option<Value>,
    #[serde(default)]
    error: Option<Value>,
}

#[derive(Deserialize)]
struct WireTable {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    columns: Option<Vec<WireColumn>>,
    #[serde(default)]
    rows: Option<Vec<Vec<Box<RawValue>>>>,
}

#[derive(Deserialize)]
struct WireColumn {
    #[serde(default)]
    name: Option<String>,
    #[serde(default, rename = "type")]
    column_type: Option<String>,
}

/// A 200 body to a typed response; `Err` says what is wrong with it.
pub(crate) fn decode_results(body: &[u8]) -> Result<LogsResponse, String> {
    let wire: WireResults = serde_json::from_slice(body)
        .map_err(|e| format!("the body is not a query result object ({e})"))?;
    let partial_error = wire.error.as_ref().and_then(error_detail);
    let tables = match (wire.tables, &partial_error) {
        (Some(tables), _) => tables,
        // A failed query can come back as 200 with only an error.
        (None, Some(_)) => Vec::new(),
        (None, None) => return Err("it has neither `tables` nor `error`".to_owned()),
    };
    let tables = tables
        .into_iter()
        .enumerate()
        .map(|(index, table)| decode_table(index, table))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(LogsResponse {
        tables,
        statistics: wire.statistics.filter(|v| !v.is_null()),
        render: wire.render.filter(|v| !v.is_null()),
        partial_error,
    })
}

fn decode_table(index: usize, table: WireTable) -> Result<LogsTable, String> {
    let name = table.name.unwrap_or_else(|| format!("Table_{index}"));
    let columns: Vec<LogsColumn> = table
        .columns
        .unwrap_or_default()
        .into_iter()
        .enumerate()
        .map(|(position, column)| LogsColumn {
            name: column
                .name
                .unwrap_or_else(|| format!("Column{}", position + 1)),
            column_type: LogsColumnType::parse(column.column_type.as_deref().unwrap_or("")),
        })
        .collect();
    let rows = table
        .rows
        .unwrap_or_default()
        .into_iter()
        .enumerate()
        .map(|(row_index, row)| {
            if row.len() != columns.len() {
                return Err(format!(
                    "table `{name}` row {row_index} has {} cells for {} columns",
                    row.len(),
                    columns.len()
                ));
            }
            Ok(row
                .iter()
                .zip(&columns)
                .map(|(raw, column)| typed_cell(&column.column_type, raw))
                .collect())
        })
        .collect::<Result<Vec<Vec<Value>>, String>>()?;
    Ok(LogsTable {
        name,
        columns,
        rows,
    })
}

/// One cell, typed by its column.
pub(crate) fn typed_cell(column_type: &LogsColumnType, raw: &RawValue) -> Value {
    let text = raw.get().trim();
    if *column_type == LogsColumnType::Decimal && is_json_number(text) {
        return Value::String(text.to_owned());
    }
    // A number outside f64's range does not parse as a `Value`: keep its text.
    let value =
        serde_json::from_str::<Value>(text).unwrap_or_else(|_| Value::String(text.to_owned()));
    match (column_type, value) {
        (_, Value::Null) => Value::Null,
        (LogsColumnType::Bool, Value::String(s)) => match s.trim().to_ascii_lowercase().as_str() {
            "true" | "1" => Value::Bool(true),
            "false" | "0" => Value::Bool(false),
            _ => Value::String(s),
        },
        (LogsColumnType::Bool, Value::Number(n)) => match n.as_u64() {
            Some(0) => Value::Bool(false),
            Some(1) => Value::Bool(true),
            _ => Value::Number(n),
        },
        (LogsColumnType::Int | LogsColumnType::Long, Value::String(s)) => {
            let trimmed = s.trim();
            trimmed
                .parse::<i64>()
                .map(Number::from)
                .or_else(|_| trimmed.parse::<u64>().map(Number::from))
                .map_or(Value::String(s), Value::Number)
        }
        (LogsColumnType::Real, Value::String(s)) => {
            let trimmed = s.trim();
            // NaN and the infinities have no JSON number: they stay strings.
            if is_json_number(trimmed) {
                trimmed
                    .parse::<f64>()
                    .ok()
                    .and_then(Number::from_f64)
                    .map_or(Value::String(s), Value::Number)
            } else {
                Value::String(s)
            }
        }
        (LogsColumnType::Decimal, Value::Number(n)) => Value::String(n.to_string()),
        (LogsColumnType::Dynamic, Value::String(s)) => {
            serde_json::from_str::<Value>(&s).unwrap_or(Value::String(s))
        }
        (_, value) => value,
    }
}

/// JSON number syntax: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
fn is_json_number(text: &str) -> bool {
    let bytes = text.as_bytes();
    let mut i = usize::from(bytes.first() == Some(&b'-'));
    let digits = |i: &mut usize| {
        let start = *i;
        while bytes.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        *i - start
    };
    let int_start = i;
    let int_len = digits(&mut i);
    if int_len == 0 || (int_len > 1 && bytes[int_start] == b'0') {
        return false;
    }
    if bytes.get(i) == Some(&b'.') {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    }
    if matches!(bytes.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(bytes.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == bytes.len()
}

/// An `errorInfo` / `errorDetail` object (`None` when `value` is not an object), with every
/// text scrubbed of tokens.
pub(crate) fn error_detail(value: &Value) -> Option<LogsErrorDetail> {
    value.is_object().then(|| detail_at(value, 0))
}

fn detail_at(value: &Value, depth: usize) -> LogsErrorDetail {
    let text = |key: &str| {
        value.get(key).and_then(|v| match v {
            Value::String(s) => Some(scrub(s)),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        })
    };
    let number = |keys: &[&str]| {
        keys.iter().find_map(|key| match value.get(*key)? {
            Value::Number(n) => n.as_u64(),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        })
    };
    let nested = depth < MAX_ERROR_DEPTH;
    LogsErrorDetail {
        code: text("code").unwrap_or_default(),
        message: text("message").unwrap_or_default(),
        target: text("target"),
        value: text("value"),
        resources: value
            .get("resources")
            .and_then(Value::as_array)
            .map(|items| items.iter().filter_map(Value::as_str).map(scrub).collect())
            .unwrap_or_default(),
        line: number(&["line"]),
        position: number(&["pos", "position"]),
        token: text("token"),
        details: value
            .get("details")
            .and_then(Value::as_array)
            .filter(|_| nested)
            .map(|items| {
                items
                    .iter()
                    .filter(|item| item.is_object())
                    .map(|item| detail_at(item, depth + 1))
                    .collect()
            })
            .unwrap_or_default(),
        innererror: value
            .get("innererror")
            .filter(|inner| nested && inner.is_object())
            .map(|inner| Box::new(detail_at(inner, depth + 1))),
    }
}

/// The `error` object of an error body (`{"error": {...}}`), if the body is one.
pub(crate) fn error_body(body: &[u8]) -> Option<LogsErrorDetail> {
    let value: Value = serde_json::from_slice(body).ok()?;
    error_detail(value.get("error")?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn cell(column_type: &str, raw: &str) -> Value {
        let raw = RawValue::from_string(raw.to_owned()).expect("raw JSON");
        typed_cell(&LogsColumnType::parse(column_type), &raw)
    }

    #[test]
    fn cells_keep_their_types() {
        assert_eq!(cell("bool", "true"), json!(true));
        assert_eq!(cell("bool", "\"False\""), json!(false));
        assert_eq!(cell("bool", "1"), json!(true));
        assert_eq!(cell("int", "\"42\""), json!(42));
        assert_eq!(
            cell("long", "9223372036854775807"),
            json!(9_223_372_036_854_775_807_i64)
        );
        assert_eq!(
            cell("long", "\"-9007199254740993\""),
            json!(-9_007_199_254_740_993_i64)
        );
        assert_eq!(cell("real", "\"1.286\""), json!(1.286));
        assert_eq!(cell("real", "\"NaN\""), json!("NaN"));
        assert_eq!(cell("real", "\"-Infinity\""), json!("-Infinity"));
        assert_eq!(cell("real", "1e400"), json!("1e400"));
        assert_eq!(
            cell("decimal", "79228162514264337593543950335"),
            json!("79228162514264337593543950335")
        );
        assert_eq!(
            cell("decimal", "0.1234567890123456789012345678"),
            json!("0.1234567890123456789012345678")
        );
        assert_eq!(cell("decimal", "\"1.50\""), json!("1.50"));
        assert_eq!(
            cell("dynamic", r#""{\"a\":[1,2],\"big\":9007199254740993}""#),
            json!({"a": [1, 2], "big": 9_007_199_254_740_993_u64})
        );
        assert_eq!(cell("dynamic", "\"not json\""), json!("not json"));
        assert_eq!(cell("dynamic", "{\"a\":1}"), json!({"a": 1}));
        assert_eq!(
            cell("timespan", "\"1.02:03:04.5670000\""),
            json!("1.02:03:04.5670000")
        );
        assert_eq!(
            cell("guid", "\"b438b4f6-912a-46d5-9cb1-b44069212abc\""),
            json!("b438b4f6-912a-46d5-9cb1-b44069212abc")
        );
        assert_eq!(
            cell("datetime", "\"2017-08-24T06:59:59Z\""),
            json!("2017-08-24T06:59:59Z")
        );
        assert_eq!(cell("string", "\"10\""), json!("10"));
        assert_eq!(cell("long", "null"), Value::Null);
        assert_eq!(cell("weird", "[1]"), json!([1]));
    }

    #[test]
    fn json_number_syntax() {
        for good in ["0", "-1", "1.5", "1e5", "1E-5", "-0.0e+1"] {
            assert!(is_json_number(good), "{good}");
        }
        for bad in [
            "", "-", "01", "1.", ".5", "1e", "NaN", "Infinity", "1 ", "+1",
        ] {
            assert!(!is_json_number(bad), "{bad}");
        }
    }

    #[test]
    fn results_and_their_shape_errors() {
        let body = br#"{"tables":[{"name":"PrimaryResult","columns":[{"name":"n","type":"long"}],"rows":[[1],[null]]}],
            "statistics":{"query":{"executionTime":0.1}},"render":null,
            "error":{"code":"PartialError","message":"There were some errors","details":[{"code":"EngineError","message":"m","innererror":{"code":"-2133196790","message":"inner"}}]}}"#;
        let response = decode_results(body).expect("decodes");
        assert_eq!(
            response.tables[0].rows,
            vec![vec![json!(1)], vec![Value::Null]]
        );
        assert!(response.render.is_none());
        assert!(response.statistics.is_some());
        let partial = response.partial_error.expect("partial error");
        assert_eq!(
            partial.details[0]
                .innererror
                .as_ref()
                .map(|e| e.code.as_str()),
            Some("-2133196790")
        );
        assert!(
            partial
                .describe()
                .contains("EngineError: m > -2133196790: inner")
        );

        assert!(decode_results(b"[]").is_err());
        assert!(decode_results(b"{}").is_err());
        let ragged =
            br#"{"tables":[{"name":"T","columns":[{"name":"a","type":"int"}],"rows":[[1,2]]}]}"#;
        assert!(
            decode_results(ragged)
                .expect_err("ragged")
                .contains("2 cells for 1 columns")
        );
    }

    #[test]
    fn error_bodies_keep_inner_errors_and_locations() {
        let body = br#"{"error":{"message":"The request had some invalid properties","code":"BadArgumentError","correlationId":"c",
            "innererror":{"code":"SyntaxError","message":"A recognition error occurred in the query.",
            "innererror":{"code":"SYN0002","message":"Query could not be parsed at 'joi' on line [2,244]","line":2,"pos":244,"token":"joi"}}}}"#;
        let error = error_body(body).expect("error body");
        assert_eq!(error.location(), Some((2, 244)));
        assert_eq!(
            error.codes(),
            ["BadArgumentError", "SyntaxError", "SYN0002"]
        );
        assert!(error.describe().contains("SYN0002: Query could not be parsed at 'joi' on line [2,244] (line 2, position 244; token `joi`)"));
        assert!(error_body(b"not json").is_none());
        assert!(error_body(br#"{"error":"text"}"#).is_none());
    }
}
