//! Runtime values and their physical representation.
//!
//! Every KQL type has one Arrow representation inside the engine (see
//! [`arrow_type`]): `datetime` is an `Int64` of nanoseconds since the Unix
//! epoch and `timespan` an `Int64` of nanoseconds, so that comparisons,
//! `bin()` and arithmetic are plain integer kernels and no DataFusion type
//! coercion ever changes their meaning; `dynamic` is JSON text in a `Utf8`
//! column (an Arrow null is the dynamic null). The planner tracks the KQL
//! type of every column next to the Arrow plan, so an `Int64` is never
//! ambiguous.
//!
//! [`Value`] is one cell, used for constants, the row-at-a-time function
//! library, `datatable` and the JSON of query results.

use std::sync::Arc;

use chrono::{DateTime, Datelike, Timelike, Utc};
use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, BooleanBuilder, Float64Builder, Int32Builder, Int64Builder,
    StringBuilder,
};
use datafusion::arrow::datatypes::{DataType, Float64Type, Int32Type, Int64Type};
use datafusion::common::ScalarValue;
use serde_json::Value as Json;

use crate::types::KqlType;

/// Nanoseconds in one KQL tick (100 ns).
pub(crate) const NANOS_PER_TICK: i64 = 100;
/// Nanoseconds per second.
pub(crate) const NANOS_PER_SECOND: i64 = 1_000_000_000;
/// Nanoseconds per day.
pub(crate) const NANOS_PER_DAY: i64 = 86_400 * NANOS_PER_SECOND;

/// The Arrow type that holds values of a KQL type inside the engine.
pub(crate) fn arrow_type(ty: KqlType) -> DataType {
    match ty {
        KqlType::Bool => DataType::Boolean,
        KqlType::Int => DataType::Int32,
        KqlType::Long | KqlType::DateTime | KqlType::Timespan => DataType::Int64,
        KqlType::Real | KqlType::Decimal => DataType::Float64,
        KqlType::String | KqlType::Guid | KqlType::Dynamic => DataType::Utf8,
    }
}

/// One KQL value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    /// A null of any type (strings are never null: they are empty).
    Null,
    /// `bool`.
    Bool(bool),
    /// `int`.
    Int(i32),
    /// `long`.
    Long(i64),
    /// `real` (and `decimal`, which the engine computes as a double).
    Real(f64),
    /// `string`.
    String(String),
    /// `guid`, lowercase canonical text.
    Guid(String),
    /// `datetime`: nanoseconds since 1970-01-01T00:00:00Z.
    DateTime(i64),
    /// `timespan`: nanoseconds.
    Timespan(i64),
    /// `dynamic`.
    Dynamic(Json),
}

impl Value {
    /// True for nulls, including the dynamic null.
    pub(crate) fn is_null(&self) -> bool {
        matches!(self, Value::Null | Value::Dynamic(Json::Null))
    }

    /// KQL's `isempty`: null, or an empty string.
    pub(crate) fn is_empty(&self) -> bool {
        match self {
            Value::String(s) | Value::Guid(s) => s.is_empty(),
            Value::Dynamic(Json::String(s)) => s.is_empty(),
            other => other.is_null(),
        }
    }

    /// Reads row `row` of an engine array holding values of type `ty`.
    pub(crate) fn from_array(array: &dyn Array, row: usize, ty: KqlType) -> Value {
        if array.is_null(row) {
            return match ty {
                KqlType::String => Value::String(String::new()),
                _ => Value::Null,
            };
        }
        match (ty, array.data_type()) {
            (KqlType::Bool, DataType::Boolean) => Value::Bool(array.as_boolean().value(row)),
            (KqlType::Int, DataType::Int32) => {
                Value::Int(array.as_primitive::<Int32Type>().value(row))
            }
            (_, DataType::Int64) => {
                let v = array.as_primitive::<Int64Type>().value(row);
                match ty {
                    KqlType::DateTime => Value::DateTime(v),
                    KqlType::Timespan => Value::Timespan(v),
                    KqlType::Real | KqlType::Decimal => Value::Real(v as f64),
                    _ => Value::Long(v),
                }
            }
            (_, DataType::Int32) => Value::Int(array.as_primitive::<Int32Type>().value(row)),
            (_, DataType::Float64) => Value::Real(array.as_primitive::<Float64Type>().value(row)),
            (_, DataType::Utf8) => {
                let s = array.as_string::<i32>().value(row);
                match ty {
                    KqlType::Dynamic => {
                        Value::Dynamic(serde_json::from_str(s).unwrap_or(Json::String(s.into())))
                    }
                    KqlType::Guid => Value::Guid(s.to_string()),
                    _ => Value::String(s.to_string()),
                }
            }
            (_, DataType::Boolean) => Value::Bool(array.as_boolean().value(row)),
            _ => Value::Null,
        }
    }

    /// The value as a JSON value: the form of result cells and of
    /// elements of `make_list`, `pack`, ... (datetimes as ISO 8601 text
    /// with `Z`, timespans as `[d.]hh:mm:ss[.fffffff]`).
    pub(crate) fn to_json(&self) -> Json {
        match self {
            Value::Null => Json::Null,
            Value::Bool(b) => Json::Bool(*b),
            Value::Int(v) => Json::from(*v),
            Value::Long(v) => Json::from(*v),
            Value::Real(v) => real_json(*v),
            Value::String(s) | Value::Guid(s) => Json::String(s.clone()),
            Value::DateTime(v) => Json::String(format_datetime(*v)),
            Value::Timespan(v) => Json::String(format_timespan(*v)),
            Value::Dynamic(j) => j.clone(),
        }
    }

    /// KQL's `tostring`: the text of the value, `""` for null, JSON for
    /// arrays and bags, the bare text of a dynamic string.
    pub(crate) fn to_kql_string(&self) -> String {
        match self {
            Value::Null => String::new(),
            Value::Bool(b) => b.to_string(),
            Value::Int(v) => v.to_string(),
            Value::Long(v) => v.to_string(),
            Value::Real(v) => format_real(*v),
            Value::String(s) | Value::Guid(s) => s.clone(),
            Value::DateTime(v) => format_datetime_full(*v),
            Value::Timespan(v) => format_timespan(*v),
            Value::Dynamic(j) => json_to_kql_string(j),
        }
    }

    /// Converts to `ty` with KQL's conversion rules (`tolong`, `todouble`,
    /// `todatetime`, ...); what does not convert is null (empty for
    /// strings).
    pub(crate) fn convert(&self, ty: KqlType) -> Value {
        match ty {
            KqlType::String => Value::String(self.to_kql_string()),
            KqlType::Dynamic => match self {
                Value::Null => Value::Dynamic(Json::Null),
                Value::Dynamic(j) => Value::Dynamic(j.clone()),
                other => Value::Dynamic(other.to_json()),
            },
            KqlType::Bool => self.to_bool().map_or(Value::Null, Value::Bool),
            KqlType::Int => self
                .to_i64()
                .and_then(|v| i32::try_from(v).ok())
                .map_or(Value::Null, Value::Int),
            KqlType::Long => self.to_i64().map_or(Value::Null, Value::Long),
            KqlType::Real | KqlType::Decimal => self.to_f64().map_or(Value::Null, Value::Real),
            KqlType::DateTime => self.to_datetime().map_or(Value::Null, Value::DateTime),
            KqlType::Timespan => self.to_timespan().map_or(Value::Null, Value::Timespan),
            KqlType::Guid => match self {
                Value::Guid(g) => Value::Guid(g.clone()),
                other => {
                    let text = other.to_kql_string();
                    let text = text.trim();
                    let dashed;
                    let text = if text.len() == 32 && text.bytes().all(|b| b.is_ascii_hexdigit()) {
                        dashed = format!(
                            "{}-{}-{}-{}-{}",
                            &text[..8],
                            &text[8..12],
                            &text[12..16],
                            &text[16..20],
                            &text[20..]
                        );
                        dashed.as_str()
                    } else {
                        text
                    };
                    crate::literal::parse_guid(text).map_or(Value::Null, Value::Guid)
                }
            },
        }
    }

    pub(crate) fn to_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            Value::Int(v) => Some(*v != 0),
            Value::Long(v) => Some(*v != 0),
            Value::Real(v) => Some(*v != 0.0),
            Value::String(s) => parse_bool(s),
            Value::Dynamic(Json::Bool(b)) => Some(*b),
            Value::Dynamic(Json::Number(n)) => n.as_f64().map(|v| v != 0.0),
            Value::Dynamic(Json::String(s)) => parse_bool(s),
            _ => None,
        }
    }

    pub(crate) fn to_i64(&self) -> Option<i64> {
        match self {
            Value::Bool(b) => Some(i64::from(*b)),
            Value::Int(v) => Some(i64::from(*v)),
            Value::Long(v) => Some(*v),
            Value::Real(v) => real_to_i64(*v),
            Value::DateTime(v) | Value::Timespan(v) => Some(v / NANOS_PER_TICK),
            Value::String(s) => parse_i64(s),
            Value::Dynamic(Json::Number(n)) => {
                n.as_i64().or_else(|| n.as_f64().and_then(real_to_i64))
            }
            Value::Dynamic(Json::Bool(b)) => Some(i64::from(*b)),
            Value::Dynamic(Json::String(s)) => parse_i64(s),
            _ => None,
        }
    }

    pub(crate) fn to_f64(&self) -> Option<f64> {
        match self {
            Value::Bool(b) => Some(f64::from(u8::from(*b))),
            Value::Int(v) => Some(f64::from(*v)),
            Value::Long(v) => Some(*v as f64),
            Value::Real(v) => Some(*v),
            Value::DateTime(v) | Value::Timespan(v) => Some((*v / NANOS_PER_TICK) as f64),
            Value::String(s) => parse_f64(s),
            Value::Dynamic(Json::Number(n)) => n.as_f64(),
            Value::Dynamic(Json::Bool(b)) => Some(f64::from(u8::from(*b))),
            Value::Dynamic(Json::String(s)) => parse_f64(s),
            _ => None,
        }
    }

    pub(crate) fn to_datetime(&self) -> Option<i64> {
        match self {
            Value::DateTime(v) => Some(*v),
            Value::String(s) | Value::Dynamic(Json::String(s)) => parse_datetime_text(s),
            _ => None,
        }
    }

    pub(crate) fn to_timespan(&self) -> Option<i64> {
        match self {
            Value::Timespan(v) => Some(*v),
            Value::Int(v) => Some(i64::from(*v) * NANOS_PER_TICK),
            Value::Long(v) => v.checked_mul(NANOS_PER_TICK),
            Value::Real(v) => real_to_i64(*v * NANOS_PER_TICK as f64),
            Value::String(s) | Value::Dynamic(Json::String(s)) => parse_timespan_text(s),
            Value::Dynamic(Json::Number(n)) => n
                .as_i64()
                .and_then(|v| v.checked_mul(NANOS_PER_TICK))
                .or_else(|| {
                    n.as_f64()
                        .and_then(|v| real_to_i64(v * NANOS_PER_TICK as f64))
                }),
            _ => None,
        }
    }

    /// The value as a DataFusion scalar in the engine representation of `ty`.
    pub(crate) fn to_scalar(&self, ty: KqlType) -> ScalarValue {
        let v = if self.ty_matches(ty) {
            self.clone()
        } else {
            self.convert(ty)
        };
        match (ty, v) {
            (KqlType::Bool, Value::Bool(b)) => ScalarValue::Boolean(Some(b)),
            (KqlType::Bool, _) => ScalarValue::Boolean(None),
            (KqlType::Int, Value::Int(i)) => ScalarValue::Int32(Some(i)),
            (KqlType::Int, _) => ScalarValue::Int32(None),
            (KqlType::Long, Value::Long(i))
            | (KqlType::DateTime, Value::DateTime(i))
            | (KqlType::Timespan, Value::Timespan(i)) => ScalarValue::Int64(Some(i)),
            (KqlType::Long | KqlType::DateTime | KqlType::Timespan, _) => ScalarValue::Int64(None),
            (KqlType::Real | KqlType::Decimal, Value::Real(f)) => ScalarValue::Float64(Some(f)),
            (KqlType::Real | KqlType::Decimal, _) => ScalarValue::Float64(None),
            (KqlType::String, v) => ScalarValue::Utf8(Some(v.to_kql_string())),
            (KqlType::Guid, Value::Guid(g)) => ScalarValue::Utf8(Some(g)),
            (KqlType::Guid, _) => ScalarValue::Utf8(None),
            (KqlType::Dynamic, Value::Dynamic(Json::Null) | Value::Null) => ScalarValue::Utf8(None),
            (KqlType::Dynamic, Value::Dynamic(j)) => ScalarValue::Utf8(Some(j.to_string())),
            (KqlType::Dynamic, other) => ScalarValue::Utf8(Some(other.to_json().to_string())),
        }
    }

    /// True when the value already has the representation of `ty`.
    fn ty_matches(&self, ty: KqlType) -> bool {
        matches!(
            (self, ty),
            (Value::Bool(_), KqlType::Bool)
                | (Value::Int(_), KqlType::Int)
                | (Value::Long(_), KqlType::Long)
                | (Value::Real(_), KqlType::Real | KqlType::Decimal)
                | (Value::String(_), KqlType::String)
                | (Value::Guid(_), KqlType::Guid)
                | (Value::DateTime(_), KqlType::DateTime)
                | (Value::Timespan(_), KqlType::Timespan)
                | (Value::Dynamic(_), KqlType::Dynamic)
        )
    }
}

/// Builds an engine array of type `ty` from values, converting each.
pub(crate) fn build_array(ty: KqlType, values: impl IntoIterator<Item = Value>) -> ArrayRef {
    let values = values.into_iter();
    match ty {
        KqlType::Bool => {
            let mut b = BooleanBuilder::with_capacity(values.size_hint().0);
            for v in values {
                b.append_option(v.to_bool_strict());
            }
            Arc::new(b.finish())
        }
        KqlType::Int => {
            let mut b = Int32Builder::with_capacity(values.size_hint().0);
            for v in values {
                b.append_option(match v {
                    Value::Int(i) => Some(i),
                    Value::Null => None,
                    other => match other.convert(KqlType::Int) {
                        Value::Int(i) => Some(i),
                        _ => None,
                    },
                });
            }
            Arc::new(b.finish())
        }
        KqlType::Long | KqlType::DateTime | KqlType::Timespan => {
            let mut b = Int64Builder::with_capacity(values.size_hint().0);
            for v in values {
                b.append_option(match (ty, v) {
                    (KqlType::Long, Value::Long(i))
                    | (KqlType::DateTime, Value::DateTime(i))
                    | (KqlType::Timespan, Value::Timespan(i)) => Some(i),
                    (_, Value::Null) => None,
                    (_, other) => match other.convert(ty) {
                        Value::Long(i) | Value::DateTime(i) | Value::Timespan(i) => Some(i),
                        _ => None,
                    },
                });
            }
            Arc::new(b.finish())
        }
        KqlType::Real | KqlType::Decimal => {
            let mut b = Float64Builder::with_capacity(values.size_hint().0);
            for v in values {
                b.append_option(match v {
                    Value::Real(f) => Some(f),
                    Value::Null => None,
                    other => other.to_f64(),
                });
            }
            Arc::new(b.finish())
        }
        KqlType::String => {
            let mut b = StringBuilder::with_capacity(values.size_hint().0, 16);
            for v in values {
                match v {
                    Value::String(s) => b.append_value(s),
                    other => b.append_value(other.to_kql_string()),
                }
            }
            Arc::new(b.finish())
        }
        KqlType::Guid => {
            let mut b = StringBuilder::with_capacity(values.size_hint().0, 36);
            for v in values {
                match v.convert(KqlType::Guid) {
                    Value::Guid(g) => b.append_value(g),
                    _ => b.append_null(),
                }
            }
            Arc::new(b.finish())
        }
        KqlType::Dynamic => {
            let mut b = StringBuilder::with_capacity(values.size_hint().0, 16);
            for v in values {
                match v {
                    Value::Null | Value::Dynamic(Json::Null) => b.append_null(),
                    Value::Dynamic(j) => b.append_value(j.to_string()),
                    other => b.append_value(other.to_json().to_string()),
                }
            }
            Arc::new(b.finish())
        }
    }
}

impl Value {
    /// A bool only from values that are bools (used when building arrays).
    fn to_bool_strict(&self) -> Option<bool> {
        match self {
            Value::Null => None,
            other => other.to_bool(),
        }
    }
}

/// The KQL type of a value (`None` for an untyped null).
pub(crate) fn value_type(v: &Value) -> Option<KqlType> {
    Some(match v {
        Value::Null => return None,
        Value::Bool(_) => KqlType::Bool,
        Value::Int(_) => KqlType::Int,
        Value::Long(_) => KqlType::Long,
        Value::Real(_) => KqlType::Real,
        Value::String(_) => KqlType::String,
        Value::Guid(_) => KqlType::Guid,
        Value::DateTime(_) => KqlType::DateTime,
        Value::Timespan(_) => KqlType::Timespan,
        Value::Dynamic(_) => KqlType::Dynamic,
    })
}

fn real_json(v: f64) -> Json {
    if v.is_finite() {
        if v.fract() == 0.0 && v.abs() < 1e15 {
            // Keep whole reals recognisable as reals in JSON output.
            serde_json::Number::from_f64(v).map_or(Json::Null, Json::Number)
        } else {
            serde_json::Number::from_f64(v).map_or(Json::Null, Json::Number)
        }
    } else if v.is_nan() {
        Json::String("NaN".into())
    } else if v > 0.0 {
        Json::String("Infinity".into())
    } else {
        Json::String("-Infinity".into())
    }
}

fn real_to_i64(v: f64) -> Option<i64> {
    if v.is_finite() && v.abs() < 9.2e18 {
        Some(v.trunc() as i64)
    } else {
        None
    }
}

fn parse_bool(s: &str) -> Option<bool> {
    match s.trim().to_ascii_lowercase().as_str() {
        "true" | "1" => Some(true),
        "false" | "0" => Some(false),
        _ => None,
    }
}

fn parse_i64(s: &str) -> Option<i64> {
    let t = s.trim();
    t.parse::<i64>()
        .ok()
        .or_else(|| t.parse::<f64>().ok().and_then(real_to_i64))
}

pub(crate) fn parse_f64(s: &str) -> Option<f64> {
    let t = s.trim();
    match t {
        "NaN" | "nan" => Some(f64::NAN),
        "Infinity" | "inf" | "+Infinity" => Some(f64::INFINITY),
        "-Infinity" | "-inf" => Some(f64::NEG_INFINITY),
        _ => t.parse::<f64>().ok().filter(|v| v.is_finite()),
    }
}

/// KQL's text for a real: shortest round-trip digits, no trailing `.0`.
pub(crate) fn format_real(v: f64) -> String {
    if v.is_nan() {
        "NaN".into()
    } else if v.is_infinite() {
        if v > 0.0 {
            "Infinity".into()
        } else {
            "-Infinity".into()
        }
    } else {
        let s = format!("{v}");
        if s.len() > 20 {
            format!("{v:e}").replace('e', "E+").replace("E+-", "E-")
        } else {
            s
        }
    }
}

/// Text of a dynamic value as `tostring` gives it: bare strings, JSON
/// for the rest, empty for null.
pub(crate) fn json_to_kql_string(j: &Json) -> String {
    match j {
        Json::Null => String::new(),
        Json::String(s) => s.clone(),
        Json::Number(n) => n
            .as_f64()
            .filter(|_| n.is_f64())
            .map_or_else(|| n.to_string(), format_real),
        other => other.to_string(),
    }
}

/// ISO 8601 text of a datetime: `2024-01-31T10:00:00Z`, with a fraction
/// of up to 7 digits when it is not zero.
pub(crate) fn format_datetime(ns: i64) -> String {
    let secs = ns.div_euclid(NANOS_PER_SECOND);
    let sub = ns.rem_euclid(NANOS_PER_SECOND);
    let Some(dt) = DateTime::<Utc>::from_timestamp(secs, 0) else {
        return String::new();
    };
    let base = format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
        dt.year(),
        dt.month(),
        dt.day(),
        dt.hour(),
        dt.minute(),
        dt.second()
    );
    let ticks = sub / NANOS_PER_TICK;
    if ticks == 0 {
        format!("{base}Z")
    } else {
        let frac = format!("{ticks:07}");
        format!("{base}.{}Z", frac.trim_end_matches('0'))
    }
}

/// `tostring()` of a datetime: ISO 8601 with all 7 fraction digits
/// (`2024-01-31T10:00:00.0000000Z`), as Kusto prints it.
pub(crate) fn format_datetime_full(ns: i64) -> String {
    let short = format_datetime(ns);
    let Some(base) = short.get(..19) else {
        return short;
    };
    let ticks = ns.rem_euclid(NANOS_PER_SECOND) / NANOS_PER_TICK;
    format!("{base}.{ticks:07}Z")
}

/// KQL's text of a timespan: `[-][d.]hh:mm:ss[.fffffff]`.
pub(crate) fn format_timespan(ns: i64) -> String {
    let ticks = ns / NANOS_PER_TICK;
    let sign = if ticks < 0 { "-" } else { "" };
    let t = ticks.unsigned_abs();
    let tps = 10_000_000u64;
    let days = t / (86_400 * tps);
    let rem = t % (86_400 * tps);
    let hours = rem / (3600 * tps);
    let minutes = rem % (3600 * tps) / (60 * tps);
    let seconds = rem % (60 * tps) / tps;
    let frac = rem % tps;
    let mut out = String::from(sign);
    if days > 0 {
        out.push_str(&format!("{days}."));
    }
    out.push_str(&format!("{hours:02}:{minutes:02}:{seconds:02}"));
    if frac > 0 {
        out.push_str(&format!(".{frac:07}"));
    }
    out
}

/// Parses datetime text (ISO 8601 and the other forms KQL accepts) to
/// nanoseconds since the epoch.
pub(crate) fn parse_datetime_text(s: &str) -> Option<i64> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    crate::literal::parse_datetime(s).and_then(|ticks| ticks.checked_mul(NANOS_PER_TICK))
}

/// Parses timespan text (`1.02:03:04.5`, `02:00:00`, `1d`, `30m`) to
/// nanoseconds.
pub(crate) fn parse_timespan_text(s: &str) -> Option<i64> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    crate::literal::parse_timespan_content(s).and_then(|ticks| ticks.checked_mul(NANOS_PER_TICK))
}

/// The chrono datetime of an engine datetime.
pub(crate) fn to_chrono(ns: i64) -> Option<DateTime<Utc>> {
    let secs = ns.div_euclid(NANOS_PER_SECOND);
    let sub = u32::try_from(ns.rem_euclid(NANOS_PER_SECOND)).ok()?;
    DateTime::<Utc>::from_timestamp(secs, sub)
}

/// The engine datetime of a chrono datetime.
pub(crate) fn from_chrono(dt: DateTime<Utc>) -> Option<i64> {
    dt.timestamp()
        .checked_mul(NANOS_PER_SECOND)
        .and_then(|s| s.checked_add(i64::from(dt.timestamp_subsec_nanos())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(format_datetime(0), "1970-01-01T00:00:00Z");
        assert_eq!(format_datetime(1_500_000_000), "1970-01-01T00:00:01.5Z");
        assert_eq!(format_timespan(90 * 60 * NANOS_PER_SECOND), "01:30:00");
        assert_eq!(
            format_timespan(NANOS_PER_DAY + 500_000_000),
            "1.00:00:00.5000000"
        );
        assert_eq!(format_timespan(-NANOS_PER_SECOND), "-00:00:01");
        assert_eq!(format_real(1.0), "1");
        assert_eq!(format_real(0.5), "0.5");
        assert_eq!(parse_timespan_text("00:00:01.5"), Some(1_500_000_000));
        assert_eq!(
            parse_datetime_text("2024-01-31T10:00:00Z").map(format_datetime),
            Some("2024-01-31T10:00:00Z".to_string())
        );
    }

    #[test]
    fn conversions() {
        assert_eq!(
            Value::String("12".into()).convert(KqlType::Long),
            Value::Long(12)
        );
        assert_eq!(
            Value::String("x".into()).convert(KqlType::Long),
            Value::Null
        );
        assert_eq!(Value::Real(2.7).convert(KqlType::Long), Value::Long(2));
        assert_eq!(
            Value::Dynamic(serde_json::json!("a")).to_kql_string(),
            "a".to_string()
        );
        assert_eq!(
            Value::Dynamic(serde_json::json!({"a": 1})).to_kql_string(),
            r#"{"a":1}"#.to_string()
        );
        let array = build_array(KqlType::String, vec![Value::Null, Value::Long(3)]);
        assert_eq!(
            Value::from_array(&array, 0, KqlType::String),
            Value::String(String::new())
        );
        assert_eq!(
            Value::from_array(&array, 1, KqlType::String),
            Value::String("3".into())
        );
    }
}
