//! `dynamic` values: JSON text in `Utf8` columns.
//!
//! Property access (`d.a.b`, `d["k"]`, `d[0]`) walks the JSON text with
//! borrowed raw values, so reading one property of a property bag does not
//! build the whole tree. `mv-expand` turns an array (or a bag's
//! properties) into an Arrow list of JSON texts that DataFusion's unnest
//! expands.

use std::borrow::Cow;
use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, ListBuilder, StringBuilder};
use datafusion::arrow::datatypes::{DataType, Field};
use datafusion::common::{Result as DfResult, ScalarValue};
use datafusion::logical_expr::{ColumnarValue, Expr};
use serde_json::Value as Json;
use serde_json::value::RawValue;

use super::udf::{VecFn, vec_call};
use super::value::{Value, json_to_kql_string};
use crate::types::KqlType;

/// One step of a property path.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum PathStep {
    /// `.name` or `["name"]`.
    Key(String),
    /// `[i]`, negative counting from the end.
    Index(i64),
    /// `[expr]`: the next extra argument of the call (a key or an index).
    Arg,
}

/// What a path lookup returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PathOut {
    /// The JSON text (`dynamic`), null when missing.
    Dynamic,
    /// `tostring()` of it: bare strings, `""` when missing.
    String,
}

/// Follows one step from raw JSON text.
fn step<'a>(raw: &'a str, key: &StepKey) -> Option<&'a RawValue> {
    match key {
        StepKey::Key(k) => match scan_key(raw, k) {
            Scan::Found(v) => serde_json::from_str::<&RawValue>(v).ok(),
            Scan::Missing => None,
            Scan::Unsure => lookup_key(raw, k),
        },
        StepKey::Index(i) => {
            let items: Vec<&'a RawValue> = serde_json::from_str(raw).ok()?;
            let len = i64::try_from(items.len()).ok()?;
            let idx = if *i < 0 { len + i } else { *i };
            usize::try_from(idx)
                .ok()
                .and_then(|i| items.get(i).copied())
        }
    }
}

/// The result of the fast property scan.
enum Scan<'a> {
    /// The raw text of the value.
    Found(&'a str),
    /// The object has no such property.
    Missing,
    /// Escapes or unusual text: use the full parser.
    Unsure,
}

/// Finds top-level property `key` of the JSON object in `raw` by scanning
/// bytes (no allocation): keys are compared as written, values are
/// skipped by matching brackets and quotes. Anything unusual (escaped
/// keys, malformed text) answers `Unsure`.
fn scan_key<'a>(raw: &'a str, key: &str) -> Scan<'a> {
    let b = raw.as_bytes();
    let n = b.len();
    let ws = |mut i: usize| {
        while i < n && b[i].is_ascii_whitespace() {
            i += 1;
        }
        i
    };
    // End of the string starting at the quote `i` (index after the closing quote).
    let string_end = |mut i: usize| -> Option<(usize, bool)> {
        i += 1;
        let mut escaped = false;
        while i < n {
            match b[i] {
                b'\\' => {
                    escaped = true;
                    i += 2;
                    continue;
                }
                b'"' => return Some((i + 1, escaped)),
                _ => i += 1,
            }
        }
        None
    };
    let mut i = ws(0);
    if i >= n || b[i] != b'{' {
        return Scan::Unsure;
    }
    i += 1;
    loop {
        i = ws(i);
        if i >= n {
            return Scan::Unsure;
        }
        if b[i] == b'}' {
            return Scan::Missing;
        }
        if b[i] != b'"' {
            return Scan::Unsure;
        }
        let Some((key_end, escaped)) = string_end(i) else {
            return Scan::Unsure;
        };
        if escaped {
            return Scan::Unsure;
        }
        let matches = &raw[i + 1..key_end - 1] == key;
        i = ws(key_end);
        if i >= n || b[i] != b':' {
            return Scan::Unsure;
        }
        i = ws(i + 1);
        let start = i;
        // Skip the value.
        let mut depth = 0usize;
        while i < n {
            match b[i] {
                b'"' => match string_end(i) {
                    Some((end, _)) => {
                        i = end;
                        if depth == 0 {
                            break;
                        }
                        continue;
                    }
                    None => return Scan::Unsure,
                },
                b'{' | b'[' => depth += 1,
                b'}' | b']' if depth > 0 => {
                    depth -= 1;
                    if depth == 0 {
                        i += 1;
                        break;
                    }
                }
                b',' | b'}' if depth == 0 => break,
                _ => {}
            }
            i += 1;
        }
        let value = raw[start..i].trim_end();
        if value.is_empty() {
            return Scan::Unsure;
        }
        if matches {
            return Scan::Found(value);
        }
        i = ws(i);
        if i < n && b[i] == b',' {
            i += 1;
        }
    }
}

/// The value of property `key` of the JSON object in `raw`, found by
/// streaming over the members: no map is built and the other values are
/// skipped without being materialized.
fn lookup_key<'a>(raw: &'a str, key: &str) -> Option<&'a RawValue> {
    use serde::de::{Deserializer as _, IgnoredAny, MapAccess, Visitor};
    struct Find<'k>(&'k str);
    impl<'de> Visitor<'de> for Find<'_> {
        type Value = Option<&'de RawValue>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a JSON object")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut found = None;
            while let Some(k) = map.next_key::<Cow<'de, str>>()? {
                if found.is_none() && k == self.0 {
                    found = Some(map.next_value::<&'de RawValue>()?);
                } else {
                    map.next_value::<IgnoredAny>()?;
                }
            }
            Ok(found)
        }
    }
    let mut de = serde_json::Deserializer::from_str(raw);
    de.deserialize_map(Find(key)).ok().flatten()
}

enum StepKey {
    Key(String),
    Index(i64),
}

fn read_text(arg: &ColumnarValue, row: usize) -> Option<String> {
    match arg {
        ColumnarValue::Scalar(s) => match s {
            ScalarValue::Utf8(v) | ScalarValue::LargeUtf8(v) | ScalarValue::Utf8View(v) => {
                v.clone()
            }
            ScalarValue::Int64(v) => v.map(|x| x.to_string()),
            ScalarValue::Int32(v) => v.map(|x| x.to_string()),
            _ => None,
        },
        ColumnarValue::Array(a) => {
            if a.is_null(row) {
                None
            } else if let Some(s) = a.as_string_opt::<i32>() {
                Some(s.value(row).to_string())
            } else {
                ScalarValue::try_from_array(a, row).ok().and_then(|s| {
                    if s.is_null() {
                        None
                    } else {
                        Some(s.to_string())
                    }
                })
            }
        }
    }
}

/// `base.path` on dynamic (JSON text) values. Extra arguments supply the
/// `[expr]` steps, in order.
pub(crate) fn json_path(base: Expr, path: Vec<PathStep>, extra: Vec<Expr>, out: PathOut) -> Expr {
    let name = format!("kql_json_path_{path:?}_{out:?}");
    let steps = path.clone();
    let func: VecFn = Arc::new(move |args, rows| {
        let all_scalar = args.iter().all(|a| matches!(a, ColumnarValue::Scalar(_)));
        let n = if all_scalar { 1 } else { rows };
        let base = &args[0];
        let base_strings = match base {
            ColumnarValue::Array(a) => a.as_string_opt::<i32>(),
            ColumnarValue::Scalar(_) => None,
        };
        let scalar_base = match base {
            ColumnarValue::Scalar(_) => read_text(base, 0),
            ColumnarValue::Array(_) => None,
        };
        let mut builder = StringBuilder::with_capacity(n, n * 8);
        for row in 0..n {
            let text: Option<&str> = match (&base_strings, &scalar_base) {
                (Some(s), _) => (!s.is_null(row)).then(|| s.value(row)),
                (None, Some(s)) => Some(s.as_str()),
                _ => None,
            };
            let mut current: Option<&str> = text;
            let mut extra_index = 1;
            for s in &steps {
                let Some(raw) = current else { break };
                let key = match s {
                    PathStep::Key(k) => StepKey::Key(k.clone()),
                    PathStep::Index(i) => StepKey::Index(*i),
                    PathStep::Arg => {
                        let arg = args.get(extra_index);
                        extra_index += 1;
                        match arg {
                            Some(ColumnarValue::Scalar(ScalarValue::Int64(Some(i)))) => {
                                StepKey::Index(*i)
                            }
                            Some(ColumnarValue::Scalar(ScalarValue::Int32(Some(i)))) => {
                                StepKey::Index(i64::from(*i))
                            }
                            Some(a) => match read_text(a, row) {
                                Some(t) => match (a.data_type(), t.parse::<i64>()) {
                                    (DataType::Int64 | DataType::Int32, Ok(i)) => StepKey::Index(i),
                                    _ => StepKey::Key(t),
                                },
                                None => {
                                    current = None;
                                    break;
                                }
                            },
                            None => StepKey::Key(String::new()),
                        }
                    }
                };
                current = step(raw.trim_start(), &key).map(RawValue::get);
            }
            match (current, out) {
                (None, PathOut::Dynamic) => builder.append_null(),
                (None, PathOut::String) => builder.append_value(""),
                (Some(raw), PathOut::Dynamic) => {
                    if raw == "null" {
                        builder.append_null();
                    } else {
                        builder.append_value(raw);
                    }
                }
                (Some(raw), PathOut::String) => {
                    if raw.len() >= 2 && raw.starts_with('"') && !raw.contains('\\') {
                        builder.append_value(&raw[1..raw.len() - 1]);
                    } else if raw.starts_with('"') {
                        match serde_json::from_str::<String>(raw) {
                            Ok(s) => builder.append_value(s),
                            Err(_) => builder.append_value(raw),
                        }
                    } else if raw == "null" {
                        builder.append_value("");
                    } else {
                        builder.append_value(raw);
                    }
                }
            }
        }
        let array = builder.finish();
        if all_scalar {
            Ok(ColumnarValue::Scalar(ScalarValue::try_from_array(
                &array, 0,
            )?))
        } else {
            Ok(ColumnarValue::Array(Arc::new(array)))
        }
    });
    let ret = DataType::Utf8;
    let mut args = vec![base];
    args.extend(extra);
    vec_call(name, ret, false, func, args)
}

/// `tostring()` of dynamic values, vectorized.
pub(crate) fn dynamic_to_string(arg: Expr) -> Expr {
    let func: VecFn = Arc::new(|args, rows| {
        let Some(arg) = args.first() else {
            return datafusion::common::exec_err!("missing argument");
        };
        let convert = |text: Option<&str>| -> String {
            match text {
                None => String::new(),
                Some(t)
                    if t.len() >= 2
                        && t.starts_with('"')
                        && t.ends_with('"')
                        && !t.contains('\\') =>
                {
                    t[1..t.len() - 1].to_string()
                }
                Some(t) if t.starts_with('"') => {
                    serde_json::from_str::<String>(t).unwrap_or_else(|_| t.to_string())
                }
                // Numbers and bools print as written.
                Some(t)
                    if t.bytes().all(|b| b.is_ascii_digit() || b == b'-')
                        || t == "true"
                        || t == "false" =>
                {
                    t.to_string()
                }
                Some("null") => String::new(),
                Some(t) => match serde_json::from_str::<Json>(t) {
                    Ok(j) => json_to_kql_string(&j),
                    Err(_) => t.to_string(),
                },
            }
        };
        match arg {
            ColumnarValue::Scalar(_) => Ok(ColumnarValue::Scalar(ScalarValue::Utf8(Some(
                convert(read_text(arg, 0).as_deref()),
            )))),
            ColumnarValue::Array(a) => {
                let mut b = StringBuilder::with_capacity(rows, rows * 8);
                let strings = a.as_string_opt::<i32>();
                for row in 0..rows {
                    let text = strings.and_then(|s| (!s.is_null(row)).then(|| s.value(row)));
                    b.append_value(convert(text));
                }
                Ok(ColumnarValue::Array(Arc::new(b.finish())))
            }
        }
    });
    vec_call(
        "kql_dynamic_to_string".into(),
        DataType::Utf8,
        false,
        func,
        vec![arg],
    )
}

/// The elements `mv-expand` produces from one dynamic value: array
/// elements, a bag's properties as `{"key": value}` (or `["key", value]`
/// with `kind=array`), a scalar as itself; null or empty gives one null.
pub(crate) fn expansion_elements(value: &Json, bag_as_array: bool) -> Vec<Option<String>> {
    match value {
        Json::Array(items) if !items.is_empty() => items
            .iter()
            .map(|v| {
                if v.is_null() {
                    None
                } else {
                    Some(v.to_string())
                }
            })
            .collect(),
        Json::Object(map) if !map.is_empty() => map
            .iter()
            .map(|(k, v)| {
                let item = if bag_as_array {
                    Json::Array(vec![Json::String(k.clone()), v.clone()])
                } else {
                    let mut single = serde_json::Map::new();
                    single.insert(k.clone(), v.clone());
                    Json::Object(single)
                };
                Some(item.to_string())
            })
            .collect(),
        Json::Null | Json::Array(_) | Json::Object(_) => vec![None],
        other => vec![Some(other.to_string())],
    }
}

/// A list of the expansion elements of a dynamic value (for unnest),
/// limited to `limit` elements.
pub(crate) fn expansion_list(arg: Expr, bag_as_array: bool, limit: Option<usize>) -> Expr {
    let func: VecFn = Arc::new(move |args, rows| {
        let Some(arg) = args.first() else {
            return datafusion::common::exec_err!("missing argument");
        };
        let array = arg.to_array(rows)?;
        let strings = array.as_string_opt::<i32>();
        let mut builder = ListBuilder::new(StringBuilder::new());
        for row in 0..array.len() {
            let text = strings.and_then(|s| (!s.is_null(row)).then(|| s.value(row)));
            // Arrays, the common case, are split without building values.
            if let Some(t) = text.filter(|t| t.trim_start().starts_with('['))
                && let Ok(items) = serde_json::from_str::<Vec<&RawValue>>(t)
                && !items.is_empty()
            {
                let take = limit.map_or(items.len(), |l| l.max(1));
                for item in items.into_iter().take(take) {
                    let raw = item.get();
                    builder
                        .values()
                        .append_option((raw != "null").then_some(raw));
                }
                builder.append(true);
                continue;
            }
            let json = text
                .map(|t| serde_json::from_str::<Json>(t).unwrap_or(Json::String(t.to_string())))
                .unwrap_or(Json::Null);
            let mut items = expansion_elements(&json, bag_as_array);
            if let Some(limit) = limit {
                items.truncate(limit.max(1));
            }
            for item in items {
                builder.values().append_option(item);
            }
            builder.append(true);
        }
        let list: ArrayRef = Arc::new(builder.finish());
        Ok(ColumnarValue::Array(list))
    });
    let ret = DataType::List(Arc::new(Field::new("item", DataType::Utf8, true)));
    vec_call(
        format!("kql_expand_list_{bag_as_array}_{limit:?}"),
        ret,
        false,
        func,
        vec![arg],
    )
}

/// The list `0, 1, ..., n-1` where `n` is the longest expansion among the
/// arguments (the `with_itemindex` column).
pub(crate) fn expansion_index(args: Vec<Expr>, bag_as_array: bool, limit: Option<usize>) -> Expr {
    let func: VecFn = Arc::new(move |args, rows| {
        let arrays: Vec<ArrayRef> = args
            .iter()
            .map(|a| a.to_array(rows))
            .collect::<DfResult<_>>()?;
        let mut builder = ListBuilder::new(datafusion::arrow::array::Int64Builder::new());
        for row in 0..rows {
            let mut longest = 0;
            for a in &arrays {
                let json = a
                    .as_string_opt::<i32>()
                    .and_then(|s| (!s.is_null(row)).then(|| s.value(row)))
                    .map(|t| serde_json::from_str::<Json>(t).unwrap_or(Json::String(t.to_string())))
                    .unwrap_or(Json::Null);
                longest = longest.max(expansion_elements(&json, bag_as_array).len());
            }
            if let Some(limit) = limit {
                longest = longest.min(limit.max(1));
            }
            for i in 0..longest {
                builder
                    .values()
                    .append_value(i64::try_from(i).unwrap_or(i64::MAX));
            }
            builder.append(true);
        }
        Ok(ColumnarValue::Array(Arc::new(builder.finish())))
    });
    let ret = DataType::List(Arc::new(Field::new("item", DataType::Int64, true)));
    vec_call(
        format!("kql_expand_index_{bag_as_array}_{limit:?}"),
        ret,
        false,
        func,
        args,
    )
}

/// Parses dynamic text into a value (`Value::Dynamic`).
pub(crate) fn parse_dynamic(text: &str) -> Value {
    match serde_json::from_str::<Json>(text) {
        Ok(j) => Value::Dynamic(j),
        Err(_) => Value::Dynamic(Json::String(text.to_string())),
    }
}

/// The KQL type name `gettype` reports for a dynamic value.
pub(crate) fn json_type_name(j: &Json) -> &'static str {
    match j {
        Json::Null => "null",
        Json::Bool(_) => "bool",
        Json::Number(n) if n.is_i64() || n.is_u64() => {
            if n.as_i64().is_some_and(|v| i32::try_from(v).is_ok()) {
                "int"
            } else {
                "long"
            }
        }
        Json::Number(_) => "real",
        Json::String(_) => "string",
        Json::Array(_) => "array",
        Json::Object(_) => "dictionary",
    }
}

/// The KQL type of a JSON scalar, for conversions of `dynamic` values.
pub(crate) fn json_kql_type(j: &Json) -> KqlType {
    match j {
        Json::Bool(_) => KqlType::Bool,
        Json::Number(n) if n.is_i64() || n.is_u64() => KqlType::Long,
        Json::Number(_) => KqlType::Real,
        Json::String(_) => KqlType::String,
        _ => KqlType::Dynamic,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fast_key_scan_agrees_with_the_parser() {
        let text =
            r#" {"a": {"x": [1, "}"]}, "Region" : "eu", "n": -1.5e3, "t": true, "s": "q\"x"} "#;
        for key in ["a", "Region", "n", "t", "s", "missing"] {
            let fast = match scan_key(text, key) {
                Scan::Found(v) => Some(v.to_string()),
                Scan::Missing => None,
                Scan::Unsure => panic!("unsure for {key}"),
            };
            let slow = lookup_key(text, key).map(|v| v.get().to_string());
            assert_eq!(fast, slow, "{key}");
        }
        assert!(matches!(scan_key(r#"{"a\u0041": 1}"#, "aA"), Scan::Unsure));
        assert!(matches!(scan_key("[1]", "a"), Scan::Unsure));
    }
}
