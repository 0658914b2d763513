//! The built-in scalar function library: conversion, conditional,
//! string, math, datetime and dynamic functions.
//!
//! Hot functions compile to DataFusion kernels or vectorized UDFs (`iff`,
//! `strcat`, `tolower`, `bin`, `tostring(d.x)`); the long tail is written
//! row at a time over [`Value`]s (see [`super::udf::row_call`]).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use datafusion::arrow::array::{Array, AsArray, Float64Builder, Int64Builder};
use datafusion::arrow::datatypes::{DataType, Float64Type, Int32Type, Int64Type};
use datafusion::common::ScalarValue;
use datafusion::logical_expr::{ColumnarValue, Expr, cast, is_null, lit, not, when};
use regex::Regex;
use serde_json::{Map, Value as Json};

use super::datetime as dt;
use super::dynamic::PathOut;
use super::plan::{Frame, Planner, Typed};
use super::udf::{VecFn, row_call, row_fn, vec_call};
use super::value::{NANOS_PER_DAY, Value, arrow_type};
use crate::ast::{self, ExprKind};
use crate::error::KqlError;
use crate::span::Span;
use crate::types::KqlType;

/// A compiled regular expression from a cache (patterns are usually
/// constants, so each is compiled once per process).
pub(crate) fn cached_regex(pattern: &str) -> Option<Regex> {
    static CACHE: Mutex<Option<HashMap<String, Option<Regex>>>> = Mutex::new(None);
    let mut guard = CACHE.lock().ok()?;
    let cache = guard.get_or_insert_with(HashMap::new);
    if cache.len() > 256 {
        cache.clear();
    }
    cache
        .entry(pattern.to_string())
        .or_insert_with(|| Regex::new(pattern).ok())
        .clone()
}

/// `text matches regex pattern`.
pub(crate) fn regex_match(text: Expr, pattern: Expr) -> Typed {
    let e = row_call(
        "kql_matches_regex",
        &[KqlType::String, KqlType::String],
        KqlType::Bool,
        false,
        row_fn(|a| {
            let re = cached_regex(&a[1].to_kql_string());
            re.map_or(Value::Null, |re| {
                Value::Bool(re.is_match(&a[0].to_kql_string()))
            })
        }),
        vec![text, pattern],
    );
    Typed::new(e, KqlType::Bool)
}

pub(super) fn s(v: &Value) -> String {
    v.to_kql_string()
}

pub(super) fn int(v: &Value) -> Option<i64> {
    match v {
        Value::Null => None,
        other => other.to_i64(),
    }
}

pub(super) fn real(v: &Value) -> Option<f64> {
    match v {
        Value::Null => None,
        other => other.to_f64(),
    }
}

pub(super) fn json_of(v: &Value) -> Json {
    match v {
        Value::Dynamic(j) => j.clone(),
        Value::String(t) => serde_json::from_str(t).unwrap_or(Json::String(t.clone())),
        other => other.to_json(),
    }
}

pub(super) fn array_of(v: &Value) -> Option<Vec<Json>> {
    match json_of(v) {
        Json::Array(items) => Some(items),
        _ => None,
    }
}

fn dynamic(j: Json) -> Value {
    Value::Dynamic(j)
}

fn real_value(v: f64) -> Value {
    Value::Real(v)
}

/// JSON number for a float, integral when it is one.
fn number(v: f64) -> Json {
    serde_json::Number::from_f64(v).map_or(Json::Null, Json::Number)
}

/// Translates .NET-style `\1` group references to the regex crate's `${1}`.
fn rewrite_pattern(rewrite: &str) -> String {
    let mut out = String::new();
    let mut chars = rewrite.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\'
            && let Some(d) = chars.peek().copied().filter(char::is_ascii_digit)
        {
            chars.next();
            out.push_str(&format!("${{{d}}}"));
            continue;
        }
        if c == '$' {
            out.push_str("$$");
            continue;
        }
        out.push(c);
    }
    out
}

impl<'q> Planner<'q> {
    /// A row-at-a-time function over compiled arguments.
    pub(crate) fn rowf(
        &self,
        name: &str,
        args: Vec<Typed>,
        ret: KqlType,
        f: impl Fn(&[Value]) -> Value + Send + Sync + 'static,
    ) -> Typed {
        let types: Vec<KqlType> = args.iter().map(|a| a.ty).collect();
        let exprs = args.into_iter().map(|a| a.expr).collect();
        Typed::new(row_call(name, &types, ret, false, row_fn(f), exprs), ret)
    }

    fn args(&mut self, args: &'q [ast::NamedExpr], row: &Frame) -> Result<Vec<Typed>, KqlError> {
        args.iter().map(|a| self.scalar(&a.expr, row)).collect()
    }

    fn arity(
        &self,
        name: &str,
        args: &[Typed],
        min: usize,
        max: usize,
        span: Span,
    ) -> Result<(), KqlError> {
        if args.len() < min || args.len() > max {
            return Err(self.error(
                "wrong-argument-count",
                span,
                format!(
                    "`{name}` takes {min} to {max} argument(s) but {} were given.",
                    args.len()
                ),
            ));
        }
        Ok(())
    }

    /// Brings two branch values to one type (for `iff`, `case`, `coalesce`).
    fn unify(&self, values: Vec<Typed>) -> (Vec<Typed>, KqlType) {
        let known: Vec<KqlType> = values
            .iter()
            .filter(|v| !matches!(&v.expr, Expr::Literal(s, _) if s.is_null()))
            .map(|v| v.ty)
            .collect();
        let ty = if known.is_empty() {
            values.first().map_or(KqlType::Dynamic, |v| v.ty)
        } else if known.iter().all(|t| t.is_numeric()) {
            known
                .iter()
                .copied()
                .reduce(|a, b| {
                    let rank = |t: KqlType| match t {
                        KqlType::Int => 0,
                        KqlType::Long => 1,
                        _ => 2,
                    };
                    if rank(a) >= rank(b) { a } else { b }
                })
                .unwrap_or(KqlType::Real)
        } else {
            known[0]
        };
        let values = values.into_iter().map(|v| self.convert(v, ty)).collect();
        (values, ty)
    }

    /// A call of a built-in function.
    pub(crate) fn builtin(
        &mut self,
        name: &str,
        raw: &'q [ast::NamedExpr],
        span: Span,
        row: &Frame,
    ) -> Result<Typed, KqlError> {
        use KqlType::*;
        // Functions that look at their arguments' syntax.
        match name {
            "tostring"
                if raw.len() == 1
                    && matches!(
                        raw[0].expr.kind,
                        ExprKind::Member { .. } | ExprKind::Index { .. }
                    ) =>
            {
                let t = self.property(&raw[0].expr, row, PathOut::String);
                if let Ok(t) = t {
                    return Ok(t);
                }
            }
            "column_ifexists" | "columnifexists" => {
                // The name may be any constant (a function parameter too).
                let name_value = match raw.first() {
                    Some(a) => {
                        let t = self.scalar(&a.expr, &Frame::one_row()?)?;
                        self.const_value(&t).map(|v| v.to_kql_string())
                    }
                    None => None,
                };
                if let Some(c) = name_value
                    && let Some(t) = row.column(&c)
                {
                    return Ok(t);
                }
                return match raw.get(1) {
                    Some(d) => self.scalar(&d.expr, row),
                    None => Err(self.error(
                        "wrong-argument-count",
                        span,
                        "column_ifexists takes 2 arguments.".into(),
                    )),
                };
            }
            "extract" if raw.len() == 4 => {
                let target = match &raw[3].expr.kind {
                    ExprKind::TypeOf(items) => match items.first() {
                        Some(ast::TypeOfItem::Type(t)) => KqlType::from_name(&t.name),
                        _ => None,
                    },
                    _ => None,
                };
                let args = self.args(&raw[..3], row)?;
                let t = self.extract(args);
                return Ok(match target {
                    Some(ty) => self.convert(t, ty),
                    None => t,
                });
            }
            "column_names_of" => {
                if let Some(a) = raw.first()
                    && self.is_tabular(&a.expr)
                {
                    let frame = self.table(&a.expr)?;
                    let names = frame
                        .cols
                        .iter()
                        .map(|c| Json::String(c.name.clone()))
                        .collect();
                    return Ok(Typed::value(&Value::Dynamic(Json::Array(names)), Dynamic));
                }
            }
            "toscalar" => {
                if let Some(a) = raw.first() {
                    return self.scalar(&a.expr, row);
                }
            }
            "row_number" | "prev" | "next" | "row_cumsum" | "row_rank_dense" | "row_rank_min" => {
                let args = self.args(raw, row)?;
                return self.window_call(name, args, row, span);
            }
            "datetime_add" | "datetime_diff" | "datetime_part" | "datepart" => {
                let Some(first) = raw.first() else {
                    return Err(self.error(
                        "wrong-argument-count",
                        span,
                        format!("`{name}` needs a part name."),
                    ));
                };
                let part_value = self.scalar(&first.expr, row)?;
                let part = self
                    .const_value(&part_value)
                    .map(|v| v.to_kql_string().to_lowercase());
                let args = self.args(&raw[1..], row)?;
                return match part {
                    Some(part) => self.datetime_part_function(name, &part, args, span),
                    None => {
                        // A part that is not a constant (a function parameter).
                        let mut all = vec![part_value];
                        all.extend(args);
                        Ok(self.dynamic_part_function(name, all))
                    }
                };
            }
            "format_datetime" | "format_timespan" => {
                let args = self.args(raw, row)?;
                self.arity(name, &args, 2, 2, span)?;
                let is_dt = name == "format_datetime";
                return Ok(self.rowf(name, args, String, move |a| {
                    let fmt = s(&a[1]);
                    if is_dt {
                        a[0].to_datetime()
                            .map_or(Value::String(std::string::String::new()), |v| {
                                Value::String(dt::format_datetime_with(v, &fmt))
                            })
                    } else {
                        a[0].to_timespan()
                            .map_or(Value::String(std::string::String::new()), |v| {
                                Value::String(dt::format_timespan_with(v, &fmt))
                            })
                    }
                }));
            }
            _ => {}
        }
        let args = self.args(raw, row)?;
        let arg_types: Vec<KqlType> = args.iter().map(|a| a.ty).collect();
        let t = match name {
            // ----- conversions ------------------------------------------
            "tostring" => {
                self.arity(name, &args, 1, 1, span)?;
                self.to_text(args.into_iter().next().unwrap_or(Typed::null(String)))
            }
            "toint" | "tolong" | "todouble" | "toreal" | "todecimal" | "tobool" | "toboolean"
            | "todatetime" | "totimespan" | "totime" | "toguid" => {
                self.arity(name, &args, 1, 1, span)?;
                let ty = match name {
                    "toint" => Int,
                    "tolong" => Long,
                    "todouble" | "toreal" => Real,
                    "todecimal" => Decimal,
                    "tobool" | "toboolean" => Bool,
                    "todatetime" => DateTime,
                    "totimespan" | "totime" => Timespan,
                    _ => Guid,
                };
                let a = args.into_iter().next().unwrap_or(Typed::null(ty));
                if a.ty == String || a.ty == Dynamic {
                    self.convert(a, ty)
                } else if matches!(ty, Int | Long) && matches!(a.ty, DateTime | Timespan) {
                    // Ticks.
                    let ticks = datafusion::logical_expr::binary_expr(
                        a.expr,
                        datafusion::logical_expr::Operator::Divide,
                        lit(100i64),
                    );
                    Typed::new(cast(ticks, arrow_type(ty)), ty)
                } else {
                    self.convert(a, ty)
                }
            }
            "todynamic" | "parse_json" | "toobject" | "parsejson" => {
                self.arity(name, &args, 1, 1, span)?;
                self.rowf("kql_parse_json", args, Dynamic, |a| match &a[0] {
                    Value::String(t) => super::dynamic::parse_dynamic(t),
                    Value::Dynamic(Json::String(t)) => super::dynamic::parse_dynamic(t),
                    Value::Null => Value::Null,
                    other => other.convert(Dynamic),
                })
            }
            "gettype" => self.rowf(name, args, String, |a| {
                Value::String(match &a[0] {
                    Value::Dynamic(j) => super::dynamic::json_type_name(j).into(),
                    Value::Null => "null".into(),
                    other => super::value::value_type(other)
                        .map_or("null", |t| match t {
                            Real => "real",
                            other => other.name(),
                        })
                        .into(),
                })
            }),
            // ----- null and conditional -------------------------------------
            "isnull" | "isnotnull" => {
                self.arity(name, &args, 1, 1, span)?;
                let a = args.into_iter().next().unwrap_or(Typed::null(Dynamic));
                let e = if a.ty == String {
                    lit(false)
                } else {
                    is_null(a.expr)
                };
                Typed::new(if name == "isnull" { e } else { not(e) }, Bool)
            }
            "isempty" | "isnotempty" => {
                self.arity(name, &args, 1, 1, span)?;
                let a = args.into_iter().next().unwrap_or(Typed::null(Dynamic));
                let e = match a.ty {
                    String | Guid => is_null(a.expr.clone()).or(a.expr.eq(lit(""))),
                    Dynamic => is_null(a.expr.clone()).or(a.expr.eq(lit("\"\""))),
                    _ => is_null(a.expr),
                };
                Typed::new(if name == "isempty" { e } else { not(e) }, Bool)
            }
            "iff" | "iif" => {
                self.arity(name, &args, 3, 3, span)?;
                let mut it = args.into_iter();
                let (c, a, b) = (it.next(), it.next(), it.next());
                let (Some(c), Some(a), Some(b)) = (c, a, b) else {
                    return Err(self.error(
                        "wrong-argument-count",
                        span,
                        "iff takes 3 arguments.".into(),
                    ));
                };
                let c = self.to_bool(c);
                let (values, ty) = self.unify(vec![a, b]);
                let mut v = values.into_iter();
                let (a, b) = (v.next().map(|t| t.expr), v.next().map(|t| t.expr));
                let (Some(a), Some(b)) = (a, b) else {
                    return Err(self.error(
                        "wrong-argument-count",
                        span,
                        "iff takes 3 arguments.".into(),
                    ));
                };
                Typed::new(when(c.expr, a).otherwise(b)?, ty)
            }
            "case" => {
                if args.len() < 3 || args.len() % 2 == 0 {
                    return Err(self.error(
                        "wrong-argument-count",
                        span,
                        "case takes pairs of condition and value, then an else value.".into(),
                    ));
                }
                let mut conditions = Vec::new();
                let mut values = Vec::new();
                let n = args.len();
                for (i, a) in args.into_iter().enumerate() {
                    if i + 1 == n || i % 2 == 1 {
                        values.push(a);
                    } else {
                        conditions.push(self.to_bool(a));
                    }
                }
                let (values, ty) = self.unify(values);
                let mut values = values.into_iter();
                let mut builder: Option<
                    datafusion::logical_expr::conditional_expressions::CaseBuilder,
                > = None;
                for c in conditions {
                    let Some(v) = values.next() else { break };
                    builder = Some(match builder {
                        None => when(c.expr, v.expr),
                        Some(mut b) => b.when(c.expr, v.expr),
                    });
                }
                let otherwise = values.next().map_or(Typed::null(ty).expr, |v| v.expr);
                match builder {
                    Some(mut b) => Typed::new(b.otherwise(otherwise)?, ty),
                    None => Typed::new(otherwise, ty),
                }
            }
            "coalesce" => {
                if args.is_empty() {
                    return Err(self.error(
                        "wrong-argument-count",
                        span,
                        "coalesce needs arguments.".into(),
                    ));
                }
                let (values, ty) = self.unify(args);
                let mut values: Vec<Typed> = values;
                let last = values.pop().unwrap_or(Typed::null(ty));
                let mut acc = last.expr;
                for v in values.into_iter().rev() {
                    let empty = if ty == String {
                        is_null(v.expr.clone()).or(v.expr.clone().eq(lit("")))
                    } else {
                        is_null(v.expr.clone())
                    };
                    acc = when(empty, acc).otherwise(v.expr)?;
                }
                Typed::new(acc, ty)
            }
            "not" => {
                self.arity(name, &args, 1, 1, span)?;
                let a = self.to_bool(args.into_iter().next().unwrap_or(Typed::null(Bool)));
                Typed::new(not(a.expr), Bool)
            }
            "max_of" | "min_of" => {
                let (values, ty) = self.unify(args);
                let is_max = name == "max_of";
                let ty2 = ty;
                self.rowf(name, values, ty, move |a| {
                    let mut best: Option<Value> = None;
                    for v in a.iter().filter(|v| !v.is_null()) {
                        let better = match &best {
                            None => true,
                            Some(b) => {
                                let ord = compare_values(v, b, ty2);
                                if is_max {
                                    ord == std::cmp::Ordering::Greater
                                } else {
                                    ord == std::cmp::Ordering::Less
                                }
                            }
                        };
                        if better {
                            best = Some(v.clone());
                        }
                    }
                    best.unwrap_or(Value::Null)
                })
            }
            // ----- strings ----------------------------------------------------
            "strcat" => {
                let parts: Vec<Expr> = args.into_iter().map(|a| self.to_text(a).expr).collect();
                Typed::new(
                    datafusion::functions::string::expr_fn::concat(parts),
                    String,
                )
            }
            "strcat_delim" => {
                let parts: Vec<Typed> = args.into_iter().map(|a| self.to_text(a)).collect();
                self.rowf(name, parts, String, |a| {
                    let delim = s(&a[0]);
                    Value::String(a[1..].iter().map(s).collect::<Vec<_>>().join(&delim))
                })
            }
            "strlen" => self.rowf(name, args, Long, |a| {
                Value::Long(s(&a[0]).chars().count() as i64)
            }),
            "tolower" | "toupper" => {
                let a = self.to_text(args.into_iter().next().unwrap_or(Typed::null(String)));
                let e = if name == "tolower" {
                    datafusion::functions::string::expr_fn::lower(a.expr)
                } else {
                    datafusion::functions::string::expr_fn::upper(a.expr)
                };
                Typed::new(e, String)
            }
            "substring" => {
                self.arity(name, &args, 2, 3, span)?;
                self.rowf(name, args, String, |a| {
                    let text: Vec<char> = s(&a[0]).chars().collect();
                    let len = text.len() as i64;
                    let Some(mut start) = int(&a[1]) else {
                        return Value::String(std::string::String::new());
                    };
                    if start < 0 {
                        start = (len + start).max(0);
                    }
                    let count = a.get(2).and_then(int).unwrap_or(len);
                    if start >= len || count <= 0 {
                        return Value::String(std::string::String::new());
                    }
                    let end = (start + count).min(len);
                    Value::String(text[start as usize..end as usize].iter().collect())
                })
            }
            "trim" | "trim_start" | "trim_end" => {
                self.arity(name, &args, 2, 2, span)?;
                let mode = name.to_string();
                self.rowf(name, args, String, move |a| {
                    let pattern = s(&a[0]);
                    let text = s(&a[1]);
                    let (start, end) = match mode.as_str() {
                        "trim" => (true, true),
                        "trim_start" => (true, false),
                        _ => (false, true),
                    };
                    let mut out = text.as_str();
                    if start
                        && let Some(re) = cached_regex(&format!("^(?:{pattern})+"))
                        && let Some(m) = re.find(out)
                    {
                        out = &out[m.end()..];
                    }
                    if end
                        && let Some(re) = cached_regex(&format!("(?:{pattern})+$"))
                        && let Some(m) = re.find(out)
                    {
                        out = &out[..m.start()];
                    }
                    Value::String(out.to_string())
                })
            }
            "split" => {
                self.arity(name, &args, 2, 3, span)?;
                self.rowf(name, args, Dynamic, |a| {
                    let text = s(&a[0]);
                    let delim = s(&a[1]);
                    let parts: Vec<Json> = if delim.is_empty() {
                        vec![Json::String(text)]
                    } else {
                        text.split(delim.as_str())
                            .map(|p| Json::String(p.to_string()))
                            .collect()
                    };
                    match a.get(2).and_then(int) {
                        Some(i) => match usize::try_from(i).ok().and_then(|i| parts.get(i)) {
                            Some(p) => dynamic(Json::Array(vec![p.clone()])),
                            None => dynamic(Json::Array(vec![])),
                        },
                        None => dynamic(Json::Array(parts)),
                    }
                })
            }
            "replace_string" | "replace" => self.rowf(name, args, String, |a| {
                let (text, from, to) = (s(&a[0]), s(&a[1]), s(&a[2]));
                if from.is_empty() {
                    Value::String(text)
                } else {
                    Value::String(text.replace(&from, &to))
                }
            }),
            "replace_regex" => self.rowf(name, args, String, |a| {
                let (text, re, to) = (s(&a[0]), s(&a[1]), s(&a[2]));
                match cached_regex(&re) {
                    Some(re) => Value::String(
                        re.replace_all(&text, rewrite_pattern(&to).as_str())
                            .into_owned(),
                    ),
                    None => Value::String(text),
                }
            }),
            "extract" => self.extract(args),
            "extract_all" => {
                self.arity(name, &args, 2, 3, span)?;
                self.rowf(name, args, Dynamic, |a| {
                    let Some(re) = cached_regex(&s(&a[0])) else {
                        return Value::Null;
                    };
                    let (groups, text) = if a.len() == 3 {
                        (
                            array_of(&a[1])
                                .unwrap_or_default()
                                .iter()
                                .filter_map(Json::as_i64)
                                .collect::<Vec<_>>(),
                            s(&a[2]),
                        )
                    } else {
                        (Vec::new(), s(&a[1]))
                    };
                    let mut out = Vec::new();
                    for caps in re.captures_iter(&text) {
                        if groups.is_empty() {
                            if caps.len() <= 2 {
                                let m = caps.get(if caps.len() == 2 { 1 } else { 0 });
                                out.push(Json::String(m.map_or("", |m| m.as_str()).to_string()));
                            } else {
                                out.push(Json::Array(
                                    (1..caps.len())
                                        .map(|i| {
                                            Json::String(
                                                caps.get(i).map_or("", |m| m.as_str()).to_string(),
                                            )
                                        })
                                        .collect(),
                                ));
                            }
                        } else {
                            out.push(Json::Array(
                                groups
                                    .iter()
                                    .map(|g| {
                                        Json::String(
                                            usize::try_from(*g)
                                                .ok()
                                                .and_then(|g| caps.get(g))
                                                .map_or("", |m| m.as_str())
                                                .to_string(),
                                        )
                                    })
                                    .collect(),
                            ));
                        }
                    }
                    if out.is_empty() {
                        Value::Null
                    } else {
                        dynamic(Json::Array(out))
                    }
                })
            }
            "indexof" => {
                self.arity(name, &args, 2, 5, span)?;
                self.rowf(name, args, Long, |a| {
                    let text: Vec<char> = s(&a[0]).chars().collect();
                    let lookup: Vec<char> = s(&a[1]).chars().collect();
                    let start = a.get(2).and_then(int).unwrap_or(0);
                    let length = a.get(3).and_then(int).unwrap_or(-1);
                    let occurrence = a.get(4).and_then(int).unwrap_or(1);
                    let len = text.len() as i64;
                    let start = if start < 0 {
                        (len + start).max(0)
                    } else {
                        start
                    };
                    if start > len || occurrence <= 0 {
                        return Value::Null;
                    }
                    let end = if length < 0 {
                        len
                    } else {
                        (start + length).min(len)
                    };
                    let mut seen = 0;
                    let mut i = start;
                    while i + lookup.len() as i64 <= end {
                        let from = i as usize;
                        if text[from..from + lookup.len()] == lookup[..] {
                            seen += 1;
                            if seen == occurrence {
                                return Value::Long(i);
                            }
                        }
                        i += 1;
                    }
                    Value::Long(-1)
                })
            }
            "countof" => self.rowf(name, args, Long, |a| {
                let (text, search) = (s(&a[0]), s(&a[1]));
                let regex = a.get(2).map(s).is_some_and(|k| k == "regex");
                if regex {
                    cached_regex(&search).map_or(Value::Null, |re| {
                        Value::Long(re.find_iter(&text).count() as i64)
                    })
                } else if search.is_empty() {
                    Value::Long(0)
                } else {
                    let mut count = 0;
                    let mut from = 0;
                    while let Some(p) = text[from..].find(&search) {
                        count += 1;
                        from += p + search.chars().next().map_or(1, char::len_utf8);
                    }
                    Value::Long(count)
                }
            }),
            "reverse" => self.rowf(name, args, String, |a| {
                Value::String(s(&a[0]).chars().rev().collect())
            }),
            "strrep" => self.rowf(name, args, String, |a| {
                let n = int(&a[1]).unwrap_or(0).clamp(0, 10_000) as usize;
                let delim = a.get(2).map(s).unwrap_or_default();
                Value::String(vec![s(&a[0]); n].join(&delim))
            }),
            "strcat_array" => self.rowf(name, args, String, |a| {
                let delim = s(&a[1]);
                let items = array_of(&a[0]).unwrap_or_default();
                Value::String(
                    items
                        .iter()
                        .map(super::value::json_to_kql_string)
                        .collect::<Vec<_>>()
                        .join(&delim),
                )
            }),
            "url_encode" => self.rowf(name, args, String, |a| {
                Value::String(url_encode(&s(&a[0]), false))
            }),
            "url_encode_component" => self.rowf(name, args, String, |a| {
                Value::String(url_encode(&s(&a[0]), true))
            }),
            "url_decode" => self.rowf(name, args, String, |a| Value::String(url_decode(&s(&a[0])))),
            "base64_encode_tostring" | "base64_encodestring" => {
                self.rowf(name, args, String, |a| {
                    Value::String(base64_encode_bytes(s(&a[0]).as_bytes()))
                })
            }
            "base64_decode_tostring" | "base64_decodestring" => {
                self.rowf(name, args, String, |a| {
                    base64_decode_bytes(&s(&a[0]))
                        .and_then(|b| std::string::String::from_utf8(b).ok())
                        .map_or(Value::String(std::string::String::new()), Value::String)
                })
            }
            "tohex" => self.rowf(name, args, String, |a| {
                let width = a.get(1).and_then(int).unwrap_or(0).clamp(0, 64) as usize;
                match &a[0] {
                    Value::Int(v) => Value::String(format!("{:0width$x}", *v as u32)),
                    other => match int(other) {
                        Some(v) => Value::String(format!("{v:0width$x}")),
                        None => Value::String(std::string::String::new()),
                    },
                }
            }),
            "parse_url" => self.rowf(name, args, Dynamic, |a| dynamic(parse_url(&s(&a[0])))),
            "parse_urlquery" => self.rowf(name, args, Dynamic, |a| {
                let text = s(&a[0]);
                let query = text.split_once('?').map_or(text.as_str(), |(_, q)| q);
                let mut params = Map::new();
                for pair in query.split('&').filter(|p| !p.is_empty()) {
                    let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                    params.insert(url_decode(k), Json::String(url_decode(v)));
                }
                let mut out = Map::new();
                out.insert("Query Parameters".into(), Json::Object(params));
                dynamic(Json::Object(out))
            }),
            "new_guid" => Typed::new(
                row_call(
                    "kql_new_guid",
                    &[],
                    Guid,
                    true,
                    row_fn(|_| Value::Guid(new_guid())),
                    vec![],
                ),
                Guid,
            ),
            // ----- math --------------------------------------------------------
            "abs" => {
                let ty = arg_types.first().copied().unwrap_or(Real);
                self.rowf(name, args, ty, |a| match &a[0] {
                    Value::Int(v) => Value::Int(v.wrapping_abs()),
                    Value::Long(v) => Value::Long(v.wrapping_abs()),
                    Value::Timespan(v) => Value::Timespan(v.wrapping_abs()),
                    other => real(other).map_or(Value::Null, |v| Value::Real(v.abs())),
                })
            }
            "ceiling" | "sqrt" | "exp" | "exp2" | "exp10" | "log" | "log2" | "log10" | "sin"
            | "cos" | "tan" | "asin" | "acos" | "atan" | "degrees" | "radians" | "gamma"
            | "loggamma" | "cot" => {
                self.arity(name, &args, 1, 1, span)?;
                let ty = if name == "ceiling" {
                    arg_types
                        .first()
                        .copied()
                        .filter(|t| t.is_numeric())
                        .unwrap_or(Real)
                } else {
                    Real
                };
                let f = name.to_string();
                self.rowf(name, args, ty, move |a| {
                    let Some(x) = real(&a[0]) else {
                        return Value::Null;
                    };
                    let y = match f.as_str() {
                        "ceiling" => x.ceil(),
                        "sqrt" => x.sqrt(),
                        "exp" => x.exp(),
                        "exp2" => x.exp2(),
                        "exp10" => 10f64.powf(x),
                        "log" => x.ln(),
                        "log2" => x.log2(),
                        "log10" => x.log10(),
                        "sin" => x.sin(),
                        "cos" => x.cos(),
                        "tan" => x.tan(),
                        "cot" => 1.0 / x.tan(),
                        "asin" => x.asin(),
                        "acos" => x.acos(),
                        "atan" => x.atan(),
                        "degrees" => x.to_degrees(),
                        "radians" => x.to_radians(),
                        "gamma" => gamma(x),
                        _ => gamma(x).abs().ln(),
                    };
                    if !y.is_finite() && matches!(f.as_str(), "log" | "log2" | "log10" | "sqrt") {
                        if y.is_nan() {
                            Value::Null
                        } else {
                            Value::Real(y)
                        }
                    } else {
                        real_value(y)
                    }
                })
            }
            "pow" | "atan2" => self.rowf(name, args, Real, {
                let pow = name == "pow";
                move |a| match (real(&a[0]), real(&a[1])) {
                    (Some(x), Some(y)) => Value::Real(if pow { x.powf(y) } else { x.atan2(y) }),
                    _ => Value::Null,
                }
            }),
            "sign" => self.rowf(name, args, Real, |a| {
                real(&a[0]).map_or(Value::Null, |x| {
                    Value::Real(if x > 0.0 {
                        1.0
                    } else if x < 0.0 {
                        -1.0
                    } else {
                        0.0
                    })
                })
            }),
            "pi" => Typed::value(&Value::Real(std::f64::consts::PI), Real),
            "isnan" | "isinf" | "isfinite" => {
                let f = name.to_string();
                self.rowf(name, args, Bool, move |a| match real(&a[0]) {
                    Some(x) => Value::Bool(match f.as_str() {
                        "isnan" => x.is_nan(),
                        "isinf" => x.is_infinite(),
                        _ => x.is_finite(),
                    }),
                    None => Value::Null,
                })
            }
            "round" => {
                self.arity(name, &args, 1, 2, span)?;
                let ty = match arg_types.first() {
                    Some(Int | Long) if args.len() == 1 => arg_types[0],
                    _ => Real,
                };
                self.rowf(name, args, ty, |a| {
                    let digits = a.get(1).and_then(int).unwrap_or(0).clamp(-15, 15) as i32;
                    match &a[0] {
                        Value::Int(v) if a.len() == 1 => Value::Int(*v),
                        Value::Long(v) if a.len() == 1 => Value::Long(*v),
                        other => real(other).map_or(Value::Null, |x| {
                            let m = 10f64.powi(digits);
                            Value::Real((x * m).round() / m)
                        }),
                    }
                })
            }
            "rand" => {
                let max = args.first().cloned();
                match max {
                    Some(m) => {
                        let types = [m.ty];
                        Typed::new(
                            row_call(
                                "kql_rand_n",
                                &types,
                                Long,
                                true,
                                row_fn(|a| {
                                    let n = int(&a[0]).unwrap_or(1).max(1);
                                    Value::Long((next_random() % (n as u64)) as i64)
                                }),
                                vec![m.expr],
                            ),
                            Long,
                        )
                    }
                    None => Typed::new(
                        row_call(
                            "kql_rand",
                            &[],
                            Real,
                            true,
                            row_fn(|_| {
                                Value::Real((next_random() >> 11) as f64 / (1u64 << 53) as f64)
                            }),
                            vec![],
                        ),
                        Real,
                    ),
                }
            }
            "bin_auto" => {
                let size = self.options.get("query_bin_auto_size").cloned();
                let at = self.options.get("query_bin_auto_at").cloned();
                let Some((size, size_ty)) = size else {
                    return Err(self.error(
                        "invalid-parameter",
                        span,
                        "bin_auto() needs `set query_bin_auto_size=...;`.".into(),
                    ));
                };
                let mut all = args;
                all.push(Typed::value(&size, size_ty));
                if let Some((at, at_ty)) = at {
                    all.push(Typed::value(&at, at_ty));
                }
                self.bin(all, span)?
            }
            "bin" | "floor" | "bin_at" => {
                if name == "floor" && args.len() == 1 {
                    let ty = arg_types[0];
                    return Ok(self.rowf("floor1", args, ty, |a| match &a[0] {
                        Value::Int(v) => Value::Int(*v),
                        Value::Long(v) => Value::Long(*v),
                        other => real(other).map_or(Value::Null, |x| Value::Real(x.floor())),
                    }));
                }
                self.arity(name, &args, 2, 3, span)?;
                self.bin(args, span)?
            }
            // ----- datetime ----------------------------------------------------
            "now" => {
                let base = Typed::value(&Value::DateTime(self.now), DateTime);
                match args.into_iter().next() {
                    Some(offset) => self.binary(crate::ast::BinaryOp::Add, base, offset, span)?,
                    None => base,
                }
            }
            "ago" => {
                self.arity(name, &args, 1, 1, span)?;
                let base = Typed::value(&Value::DateTime(self.now), DateTime);
                let offset = args.into_iter().next().unwrap_or(Typed::null(Timespan));
                let offset = self.convert(offset, Timespan);
                self.binary(crate::ast::BinaryOp::Sub, base, offset, span)?
            }
            "startofday" | "startofweek" | "startofmonth" | "startofyear" | "endofday"
            | "endofweek" | "endofmonth" | "endofyear" => {
                self.arity(name, &args, 1, 2, span)?;
                let f = name.to_string();
                self.rowf(name, args, DateTime, move |a| {
                    let offset = a.get(1).and_then(int).unwrap_or(0);
                    a[0].to_datetime()
                        .and_then(|v| dt::start_or_end(&f, v, offset))
                        .map_or(Value::Null, Value::DateTime)
                })
            }
            "dayofweek" => self.rowf(name, args, Timespan, |a| {
                a[0].to_datetime().map_or(Value::Null, |v| {
                    Value::Timespan(dt::day_of_week(v) * NANOS_PER_DAY)
                })
            }),
            "dayofmonth" | "dayofyear" | "hourofday" | "getmonth" | "monthofyear" | "getyear"
            | "weekofyear" | "week_of_year" => {
                let f = name.to_string();
                self.rowf(name, args, Int, move |a| {
                    a[0].to_datetime()
                        .and_then(|v| dt::calendar_part(&f, v))
                        .map_or(Value::Null, |x| Value::Int(x as i32))
                })
            }
            "make_datetime" => self.rowf(name, args, DateTime, |a| {
                let p = |i: usize, d: f64| a.get(i).and_then(real).unwrap_or(d);
                dt::make_datetime(
                    p(0, 1.0),
                    p(1, 1.0),
                    p(2, 1.0),
                    p(3, 0.0),
                    p(4, 0.0),
                    p(5, 0.0),
                )
                .map_or(Value::Null, Value::DateTime)
            }),
            "make_timespan" => self.rowf(name, args, Timespan, |a| {
                let v: Vec<f64> = a.iter().map(|x| real(x).unwrap_or(0.0)).collect();
                let (d, h, m, sec) = match v.len() {
                    2 => (0.0, v[0], v[1], 0.0),
                    3 => (0.0, v[0], v[1], v[2]),
                    4 => (v[0], v[1], v[2], v[3]),
                    _ => (0.0, 0.0, 0.0, 0.0),
                };
                let secs = ((d * 24.0 + h) * 60.0 + m) * 60.0 + sec;
                Value::Timespan((secs * 1e9) as i64)
            }),
            "unixtime_seconds_todatetime"
            | "unixtime_milliseconds_todatetime"
            | "unixtime_microseconds_todatetime"
            | "unixtime_nanoseconds_todatetime" => {
                let scale = match name {
                    "unixtime_seconds_todatetime" => 1e9,
                    "unixtime_milliseconds_todatetime" => 1e6,
                    "unixtime_microseconds_todatetime" => 1e3,
                    _ => 1.0,
                };
                self.rowf(name, args, DateTime, move |a| {
                    real(&a[0]).map_or(Value::Null, |x| Value::DateTime((x * scale).round() as i64))
                })
            }
            "datetime_utc_to_local" | "datetime_local_to_utc" => {
                // Only UTC itself: other time zones need a zone database.
                let utc = args
                    .get(1)
                    .and_then(|t| self.const_value(t))
                    .is_some_and(|v| {
                        matches!(
                            v.to_kql_string().to_ascii_uppercase().as_str(),
                            "UTC" | "ETC/UTC" | "GMT" | "ETC/GMT" | "Z"
                        )
                    });
                if !utc {
                    return Err(self.unsupported(span, "Time zones other than UTC"));
                }
                args.into_iter().next().unwrap_or(Typed::null(DateTime))
            }
            // ----- dynamic -------------------------------------------------------
            "array_length" => self.rowf(name, args, Long, |a| {
                array_of(&a[0]).map_or(Value::Null, |v| Value::Long(v.len() as i64))
            }),
            "bag_keys" => self.rowf(name, args, Dynamic, |a| match json_of(&a[0]) {
                Json::Object(m) => dynamic(Json::Array(
                    m.keys().map(|k| Json::String(k.clone())).collect(),
                )),
                _ => Value::Null,
            }),
            "pack" | "bag_pack" | "pack_dictionary" => {
                if args.len() % 2 != 0 {
                    return Err(self.error(
                        "wrong-argument-count",
                        span,
                        format!("`{name}` takes pairs of key and value."),
                    ));
                }
                self.rowf(name, args, Dynamic, |a| {
                    let mut m = Map::new();
                    for pair in a.chunks(2) {
                        m.insert(s(&pair[0]), pair[1].to_json());
                    }
                    dynamic(Json::Object(m))
                })
            }
            "pack_all" => {
                let visible = |n: &str| {
                    self.pack_all_columns
                        .as_ref()
                        .is_none_or(|cols| cols.iter().any(|c| c == n))
                };
                let packed: Vec<(std::string::String, Typed)> =
                    row.all().into_iter().filter(|(n, _)| visible(n)).collect();
                let names: Vec<std::string::String> =
                    packed.iter().map(|(n, _)| n.clone()).collect();
                let items: Vec<Typed> = packed.into_iter().map(|(_, t)| t).collect();
                let skip_null = args
                    .first()
                    .and_then(|t| self.const_value(t))
                    .and_then(|v| v.to_bool())
                    .unwrap_or(false);
                let key = format!("pack_all{names:?}{skip_null}");
                self.rowf(&key, items, Dynamic, move |a| {
                    let mut m = Map::new();
                    for (n, v) in names.iter().zip(a) {
                        if skip_null && v.is_empty() {
                            continue;
                        }
                        m.insert(n.clone(), v.to_json());
                    }
                    dynamic(Json::Object(m))
                })
            }
            "pack_array" => self.rowf(name, args, Dynamic, |a| {
                dynamic(Json::Array(a.iter().map(Value::to_json).collect()))
            }),
            "array_concat" => self.rowf(name, args, Dynamic, |a| {
                let mut out = Vec::new();
                for v in a {
                    match array_of(v) {
                        Some(items) => out.extend(items),
                        None => return Value::Null,
                    }
                }
                dynamic(Json::Array(out))
            }),
            "array_slice" => self.rowf(name, args, Dynamic, |a| {
                let Some(items) = array_of(&a[0]) else {
                    return Value::Null;
                };
                let len = items.len() as i64;
                let norm = |i: i64| if i < 0 { (len + i).max(0) } else { i.min(len) };
                let start = norm(int(&a[1]).unwrap_or(0));
                let end = norm(int(&a[2]).unwrap_or(len - 1)) + 1;
                let end = end.min(len);
                if start >= end {
                    return dynamic(Json::Array(vec![]));
                }
                dynamic(Json::Array(items[start as usize..end as usize].to_vec()))
            }),
            "array_reverse" => self.rowf(name, args, Dynamic, |a| {
                array_of(&a[0]).map_or(Value::Null, |mut v| {
                    v.reverse();
                    dynamic(Json::Array(v))
                })
            }),
            "array_sort_asc" | "array_sort_desc" => {
                let desc = name == "array_sort_desc";
                self.rowf(name, args, Dynamic, move |a| {
                    let Some(items) = array_of(&a[0]) else {
                        return Value::Null;
                    };
                    // Further arrays are reordered like the first; the
                    // last argument may be the nulls_last flag.
                    let (arrays, flag): (Vec<&Value>, Option<bool>) = match a.last() {
                        Some(Value::Bool(b)) if a.len() > 1 => {
                            (a[1..a.len() - 1].iter().collect(), Some(*b))
                        }
                        _ => (a[1..].iter().collect(), None),
                    };
                    let nulls_last = flag.unwrap_or(true);
                    let mut order: Vec<usize> = (0..items.len()).collect();
                    order.sort_by(|&i, &j| {
                        let (x, y) = (&items[i], &items[j]);
                        let o = json_cmp(x, y, nulls_last);
                        if desc && !(x.is_null() || y.is_null()) {
                            o.reverse()
                        } else {
                            o
                        }
                    });
                    let sorted = |arr: &[Json]| {
                        Json::Array(
                            order
                                .iter()
                                .map(|&i| arr.get(i).cloned().unwrap_or(Json::Null))
                                .collect(),
                        )
                    };
                    if arrays.is_empty() {
                        return dynamic(sorted(&items));
                    }
                    let mut all = vec![sorted(&items)];
                    for other in arrays {
                        all.push(sorted(&array_of(other).unwrap_or_default()));
                    }
                    dynamic(Json::Array(all))
                })
            }
            "array_sum" => self.rowf(name, args, Real, |a| {
                array_of(&a[0]).map_or(Value::Null, |v| {
                    Value::Real(v.iter().filter_map(Json::as_f64).sum())
                })
            }),
            "array_index_of" => self.rowf(name, args, Long, |a| {
                let Some(items) = array_of(&a[0]) else {
                    return Value::Null;
                };
                let needle = a[1].to_json();
                let len = items.len() as i64;
                let mut start = a.get(2).and_then(int).unwrap_or(0);
                if start < 0 {
                    start = (len + start).max(0);
                }
                let length = a.get(3).and_then(int).unwrap_or(-1);
                let occurrence = a.get(4).and_then(int).unwrap_or(1);
                if start > len || occurrence <= 0 {
                    return Value::Null;
                }
                let end = if length < 0 {
                    len
                } else {
                    (start + length).min(len)
                };
                let mut seen = 0;
                for i in start..end {
                    if json_eq(&items[i as usize], &needle) {
                        seen += 1;
                        if seen == occurrence {
                            return Value::Long(i);
                        }
                    }
                }
                Value::Long(-1)
            }),
            "set_has_element" => self.rowf(name, args, Bool, |a| {
                let Some(items) = array_of(&a[0]) else {
                    return Value::Null;
                };
                let needle = a[1].to_json();
                Value::Bool(items.iter().any(|x| json_eq(x, &needle)))
            }),
            "set_union" | "set_intersect" | "set_difference" => {
                let f = name.to_string();
                self.rowf(name, args, Dynamic, move |a| {
                    let sets: Vec<Vec<Json>> =
                        a.iter().map(|v| array_of(v).unwrap_or_default()).collect();
                    let mut out: Vec<Json> = Vec::new();
                    let push = |out: &mut Vec<Json>, x: &Json| {
                        if !out.iter().any(|y| json_eq(x, y)) {
                            out.push(x.clone());
                        }
                    };
                    match f.as_str() {
                        "set_union" => {
                            for set in &sets {
                                for x in set {
                                    push(&mut out, x);
                                }
                            }
                        }
                        "set_intersect" => {
                            if let Some(first) = sets.first() {
                                for x in first {
                                    if sets[1..].iter().all(|s| s.iter().any(|y| json_eq(x, y))) {
                                        push(&mut out, x);
                                    }
                                }
                            }
                        }
                        _ => {
                            if let Some(first) = sets.first() {
                                for x in first {
                                    if !sets[1..].iter().any(|s| s.iter().any(|y| json_eq(x, y))) {
                                        push(&mut out, x);
                                    }
                                }
                            }
                        }
                    }
                    dynamic(Json::Array(out))
                })
            }
            "bag_merge" => self.rowf(name, args, Dynamic, |a| {
                let mut m = Map::new();
                for v in a {
                    if let Json::Object(o) = json_of(v) {
                        for (k, x) in o {
                            m.entry(k).or_insert(x);
                        }
                    }
                }
                dynamic(Json::Object(m))
            }),
            "bag_remove_keys" => self.rowf(name, args, Dynamic, |a| {
                let mut bag = json_of(&a[0]);
                if !bag.is_object() {
                    return Value::Null;
                }
                for k in array_of(&a[1]).unwrap_or_default() {
                    if let Json::String(k) = k {
                        let path = key_path(&k);
                        remove_path(&mut bag, &path);
                    }
                }
                dynamic(bag)
            }),
            "bag_has_key" => self.rowf(name, args, Bool, |a| {
                let bag = json_of(&a[0]);
                if !bag.is_object() {
                    return Value::Null;
                }
                let path = key_path(&s(&a[1]));
                let mut cur = &bag;
                for k in &path {
                    match cur.get(k.as_str()) {
                        Some(v) => cur = v,
                        None => return Value::Bool(false),
                    }
                }
                Value::Bool(true)
            }),
            "zip" => self.rowf(name, args, Dynamic, |a| {
                let arrays: Vec<Vec<Json>> =
                    a.iter().map(|v| array_of(v).unwrap_or_default()).collect();
                let n = arrays.iter().map(Vec::len).max().unwrap_or(0);
                dynamic(Json::Array(
                    (0..n)
                        .map(|i| {
                            Json::Array(
                                arrays
                                    .iter()
                                    .map(|x| x.get(i).cloned().unwrap_or(Json::Null))
                                    .collect(),
                            )
                        })
                        .collect(),
                ))
            }),
            "array_iff" | "array_iif" => self.rowf(name, args, Dynamic, |a| {
                let c = array_of(&a[0]).unwrap_or_default();
                let n = c.len();
                let spread = |v: &Value| array_of(v).unwrap_or_else(|| vec![v.to_json(); n]);
                let (x, y) = (Some(spread(&a[1])), Some(spread(&a[2])));
                let out = c
                    .iter()
                    .enumerate()
                    .map(|(i, cond)| {
                        let pick = match cond {
                            Json::Bool(b) => Some(*b),
                            Json::Number(n) => n.as_f64().map(|v| v != 0.0),
                            _ => None,
                        };
                        match pick {
                            Some(true) => x
                                .as_ref()
                                .and_then(|v| v.get(i).cloned())
                                .unwrap_or(Json::Null),
                            Some(false) => y
                                .as_ref()
                                .and_then(|v| v.get(i).cloned())
                                .unwrap_or(Json::Null),
                            None => Json::Null,
                        }
                    })
                    .collect();
                dynamic(Json::Array(out))
            }),
            "range" => self.rowf("range_array", args, Dynamic, |a| {
                let step_default = Value::Long(1);
                let step = a.get(2).unwrap_or(&step_default);
                let mut out = Vec::new();
                match (&a[0], &a[1]) {
                    (Value::DateTime(x), _) | (Value::Timespan(x), _) => {
                        let is_dt = matches!(a[0], Value::DateTime(_));
                        let end = if is_dt {
                            a[1].to_datetime()
                        } else {
                            a[1].to_timespan()
                        };
                        let (Some(end), Some(st)) = (end, step.to_timespan()) else {
                            return Value::Null;
                        };
                        let mut v = *x;
                        while st > 0 && v <= end && out.len() < 1_048_576 {
                            out.push(if is_dt {
                                Value::DateTime(v).to_json()
                            } else {
                                Value::Timespan(v).to_json()
                            });
                            v += st;
                        }
                    }
                    (Value::Real(_), _) | (_, Value::Real(_)) => {
                        let (Some(x), Some(end), Some(st)) = (real(&a[0]), real(&a[1]), real(step))
                        else {
                            return Value::Null;
                        };
                        let mut i = 0.0;
                        while st != 0.0 && out.len() < 1_048_576 {
                            let v = x + i * st;
                            if (st > 0.0 && v > end) || (st < 0.0 && v < end) {
                                break;
                            }
                            out.push(number(v));
                            i += 1.0;
                        }
                    }
                    _ => {
                        let (Some(x), Some(end), Some(st)) = (int(&a[0]), int(&a[1]), int(step))
                        else {
                            return Value::Null;
                        };
                        let mut v = x;
                        while st != 0
                            && ((st > 0 && v <= end) || (st < 0 && v >= end))
                            && out.len() < 1_048_576
                        {
                            out.push(Json::from(v));
                            v += st;
                        }
                    }
                }
                dynamic(Json::Array(out))
            }),
            "repeat" => self.rowf(name, args, Dynamic, |a| {
                let n = int(&a[1]).unwrap_or(0).clamp(0, 1_048_576) as usize;
                dynamic(Json::Array(vec![a[0].to_json(); n]))
            }),
            "array_shift_left" | "array_shift_right" | "array_rotate_left"
            | "array_rotate_right" => {
                let f = name.to_string();
                self.rowf(name, args, Dynamic, move |a| {
                    let Some(items) = array_of(&a[0]) else {
                        return Value::Null;
                    };
                    let n = items.len() as i64;
                    if n == 0 {
                        return dynamic(Json::Array(items));
                    }
                    let k = int(&a[1]).unwrap_or(0);
                    let fill = a.get(2).map_or(Json::Null, Value::to_json);
                    let shift = if f.ends_with("left") { k } else { -k };
                    let out = (0..n)
                        .map(|i| {
                            let j = i + shift;
                            if f.starts_with("array_rotate") {
                                items[j.rem_euclid(n) as usize].clone()
                            } else if j >= 0 && j < n {
                                items[j as usize].clone()
                            } else {
                                fill.clone()
                            }
                        })
                        .collect();
                    dynamic(Json::Array(out))
                })
            }
            "treepath" => self.rowf(name, args, Dynamic, |a| {
                let mut paths = Vec::new();
                tree_paths(&json_of(&a[0]), "$".into(), &mut paths);
                dynamic(Json::Array(paths.into_iter().map(Json::String).collect()))
            }),
            "hash" | "hash_xxhash64" => self.rowf(name, args, Long, |a| {
                let h = xxh64(&hash_bytes(&a[0]), 0) as i64;
                match a.get(1).and_then(int) {
                    Some(m) if m > 0 => Value::Long(h.rem_euclid(m)),
                    _ => Value::Long(h),
                }
            }),
            _ => {
                if let Some(result) = self.builtin_extra(name, args, span) {
                    return result;
                }
                let known = crate::functions::is_known_scalar(name)
                    || crate::functions::is_known_aggregate(name);
                return Err(if known {
                    self.unsupported(span, &format!("The function `{name}()`"))
                } else {
                    self.error(
                        "unknown-function",
                        span,
                        format!("Unknown function `{name}`."),
                    )
                });
            }
        };
        Ok(t)
    }

    /// `extract(regex, group, text)`.
    fn extract(&self, args: Vec<Typed>) -> Typed {
        self.rowf("extract", args, KqlType::String, |a| {
            let Some(re) = cached_regex(&s(&a[0])) else {
                return Value::String(String::new());
            };
            let group = usize::try_from(int(&a[1]).unwrap_or(0)).unwrap_or(0);
            let text = s(&a[2]);
            Value::String(
                re.captures(&text)
                    .and_then(|c| c.get(group))
                    .map_or(String::new(), |m| m.as_str().to_string()),
            )
        })
    }

    /// `bin(value, size)` / `bin_at(value, size, at)`: floor to a multiple
    /// of `size` (from `at`, or from 0001-01-01 for datetimes).
    fn bin(&self, args: Vec<Typed>, span: Span) -> Result<Typed, KqlError> {
        let mut it = args.into_iter();
        let (Some(value), Some(size)) = (it.next(), it.next()) else {
            return Err(self.error(
                "wrong-argument-count",
                span,
                "bin takes 2 arguments.".into(),
            ));
        };
        let at = it.next();
        let ty = value.ty;
        match ty {
            KqlType::DateTime | KqlType::Timespan | KqlType::Long | KqlType::Int => {
                let size_ty = if ty == KqlType::Int {
                    KqlType::Long
                } else {
                    size.ty
                };
                let size = if matches!(ty, KqlType::DateTime | KqlType::Timespan) {
                    self.convert(size, KqlType::Timespan)
                } else if size.ty == KqlType::Real || size.ty == KqlType::Decimal {
                    // A fractional size on an integer: compute on reals.
                    let v = self.convert(value, KqlType::Real);
                    return self.bin(vec![v, size].into_iter().chain(at).collect(), span);
                } else {
                    self.convert(size, size_ty)
                };
                // Datetimes bin from 0001-01-01 (a Monday), which differs
                // from the Unix epoch for sizes that do not divide 1970 years.
                let origin = match (&at, ty) {
                    (Some(a), _) => {
                        let a = self.convert(a.clone(), ty);
                        a.expr
                    }
                    (None, KqlType::DateTime) => lit(dt::DOTNET_EPOCH_NANOS),
                    _ => lit(0i64),
                };
                let value_expr = cast(value.expr, DataType::Int64);
                let func: VecFn = Arc::new(bin_i64);
                let e = vec_call(
                    "kql_bin_i64".into(),
                    DataType::Int64,
                    false,
                    func,
                    vec![value_expr, size.expr, origin],
                );
                Ok(Typed::new(
                    if ty == KqlType::Int {
                        cast(e, DataType::Int32)
                    } else {
                        e
                    },
                    ty,
                ))
            }
            _ => {
                let v = self.convert(value, KqlType::Real);
                let size = self.convert(size, KqlType::Real);
                let origin = match at {
                    Some(a) => self.convert(a, KqlType::Real).expr,
                    None => lit(0.0f64),
                };
                let func: VecFn = Arc::new(bin_f64);
                Ok(Typed::new(
                    vec_call(
                        "kql_bin_f64".into(),
                        DataType::Float64,
                        false,
                        func,
                        vec![v.expr, size.expr, origin],
                    ),
                    KqlType::Real,
                ))
            }
        }
    }

    /// `datetime_add` / `datetime_diff` / `datetime_part` with the part
    /// read per row.
    fn dynamic_part_function(&self, name: &str, args: Vec<Typed>) -> Typed {
        let f = name.to_string();
        let ret = match name {
            "datetime_add" => KqlType::DateTime,
            "datetime_diff" => KqlType::Long,
            _ => KqlType::Int,
        };
        self.rowf(&format!("{name}_dynamic"), args, ret, move |a| {
            let part = s(&a[0]).to_lowercase();
            match f.as_str() {
                "datetime_add" => match (int(&a[1]), a.get(2).and_then(Value::to_datetime)) {
                    (Some(n), Some(v)) => dt::add(&part, n, v).map_or(Value::Null, Value::DateTime),
                    _ => Value::Null,
                },
                "datetime_diff" => {
                    match (a[1].to_datetime(), a.get(2).and_then(Value::to_datetime)) {
                        (Some(x), Some(y)) => {
                            dt::diff(&part, x, y).map_or(Value::Null, Value::Long)
                        }
                        _ => Value::Null,
                    }
                }
                _ => a[1]
                    .to_datetime()
                    .and_then(|v| dt::part(&part, v))
                    .map_or(Value::Null, |x| Value::Int(x as i32)),
            }
        })
    }

    fn datetime_part_function(
        &self,
        name: &str,
        part: &str,
        args: Vec<Typed>,
        span: Span,
    ) -> Result<Typed, KqlError> {
        let part = part.to_string();
        if !dt::is_known_part(&part) {
            return Err(self.error(
                "invalid-parameter",
                span,
                format!("`{part}` is not a datetime part; use year, quarter, month, week, day, hour, minute, second, millisecond, microsecond or nanosecond."),
            ));
        }
        Ok(match name {
            "datetime_add" => self.rowf(
                &format!("datetime_add_{part}"),
                args,
                KqlType::DateTime,
                move |a| match (int(&a[0]), a.get(1).and_then(Value::to_datetime)) {
                    (Some(n), Some(v)) => dt::add(&part, n, v).map_or(Value::Null, Value::DateTime),
                    _ => Value::Null,
                },
            ),
            "datetime_diff" => self.rowf(
                &format!("datetime_diff_{part}"),
                args,
                KqlType::Long,
                move |a| match (a[0].to_datetime(), a.get(1).and_then(Value::to_datetime)) {
                    (Some(x), Some(y)) => dt::diff(&part, x, y).map_or(Value::Null, Value::Long),
                    _ => Value::Null,
                },
            ),
            _ => self.rowf(
                &format!("datetime_part_{part}"),
                args,
                KqlType::Int,
                move |a| {
                    a[0].to_datetime()
                        .and_then(|v| dt::part(&part, v))
                        .map_or(Value::Null, |x| Value::Int(x as i32))
                },
            ),
        })
    }
}

/// Vectorized `bin` over `Int64` (value, size, origin).
fn bin_i64(args: &[ColumnarValue], rows: usize) -> datafusion::common::Result<ColumnarValue> {
    let scalar = |c: &ColumnarValue| match c {
        ColumnarValue::Scalar(ScalarValue::Int64(v)) => Some(*v),
        _ => None,
    };
    let all_scalar = args.iter().all(|a| matches!(a, ColumnarValue::Scalar(_)));
    let n = if all_scalar { 1 } else { rows };
    let bin = |v: Option<i64>, size: Option<i64>, origin: Option<i64>| -> Option<i64> {
        let (v, size, origin) = (v?, size?, origin?);
        if size <= 0 {
            return None;
        }
        let origin = if origin == dt::DOTNET_EPOCH_NANOS {
            i128::from(dt::DOTNET_EPOCH_DAYS) * i128::from(NANOS_PER_DAY)
        } else {
            i128::from(origin)
        };
        let origin = origin.rem_euclid(i128::from(size));
        let shifted = i128::from(v) - origin;
        let floored = shifted.div_euclid(i128::from(size)) * i128::from(size) + origin;
        i64::try_from(floored).ok()
    };
    if let (ColumnarValue::Array(values), Some(size), Some(origin)) =
        (&args[0], scalar(&args[1]), scalar(&args[2]))
    {
        let values = values.as_primitive::<Int64Type>();
        let out: datafusion::arrow::array::Int64Array =
            values.iter().map(|v| bin(v, size, origin)).collect();
        return Ok(ColumnarValue::Array(Arc::new(out)));
    }
    let arrays: Vec<_> = args
        .iter()
        .map(|a| a.to_array(n))
        .collect::<datafusion::common::Result<_>>()?;
    let mut b = Int64Builder::with_capacity(n);
    for i in 0..n {
        let get = |a: &datafusion::arrow::array::ArrayRef| {
            if a.is_null(i) {
                None
            } else {
                a.as_primitive_opt::<Int64Type>().map(|p| p.value(i))
            }
        };
        b.append_option(bin(get(&arrays[0]), get(&arrays[1]), get(&arrays[2])));
    }
    let array = b.finish();
    if all_scalar {
        Ok(ColumnarValue::Scalar(ScalarValue::try_from_array(
            &array, 0,
        )?))
    } else {
        Ok(ColumnarValue::Array(Arc::new(array)))
    }
}

/// Vectorized `bin` over `Float64` (value, size, origin).
fn bin_f64(args: &[ColumnarValue], rows: usize) -> datafusion::common::Result<ColumnarValue> {
    let all_scalar = args.iter().all(|a| matches!(a, ColumnarValue::Scalar(_)));
    let n = if all_scalar { 1 } else { rows };
    let arrays: Vec<_> = args
        .iter()
        .map(|a| a.to_array(n))
        .collect::<datafusion::common::Result<_>>()?;
    let mut b = Float64Builder::with_capacity(n);
    for i in 0..n {
        let get = |a: &datafusion::arrow::array::ArrayRef| {
            if a.is_null(i) {
                None
            } else if let Some(p) = a.as_primitive_opt::<Float64Type>() {
                Some(p.value(i))
            } else {
                a.as_primitive_opt::<Int32Type>()
                    .map(|p| f64::from(p.value(i)))
            }
        };
        let out = match (get(&arrays[0]), get(&arrays[1]), get(&arrays[2])) {
            (Some(v), Some(size), Some(origin)) if size > 0.0 => {
                Some(((v - origin) / size).floor() * size + origin)
            }
            _ => None,
        };
        b.append_option(out);
    }
    let array = b.finish();
    if all_scalar {
        Ok(ColumnarValue::Scalar(ScalarValue::try_from_array(
            &array, 0,
        )?))
    } else {
        Ok(ColumnarValue::Array(Arc::new(array)))
    }
}

/// Orders two values of the same KQL type.
pub(crate) fn compare_values(a: &Value, b: &Value, ty: KqlType) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    match ty {
        KqlType::String | KqlType::Guid => a.to_kql_string().cmp(&b.to_kql_string()),
        KqlType::DateTime => a.to_datetime().cmp(&b.to_datetime()),
        KqlType::Timespan => a.to_timespan().cmp(&b.to_timespan()),
        KqlType::Dynamic => json_cmp(&a.to_json(), &b.to_json(), true),
        _ => a
            .to_f64()
            .partial_cmp(&b.to_f64())
            .unwrap_or(Ordering::Equal),
    }
}

/// Orders JSON values: nulls at one end, numbers by value, the rest as text.
fn json_cmp(a: &Json, b: &Json, nulls_last: bool) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    match (a, b) {
        (Json::Null, Json::Null) => Ordering::Equal,
        (Json::Null, _) => {
            if nulls_last {
                Ordering::Greater
            } else {
                Ordering::Less
            }
        }
        (_, Json::Null) => {
            if nulls_last {
                Ordering::Less
            } else {
                Ordering::Greater
            }
        }
        (Json::Number(x), Json::Number(y)) => x
            .as_f64()
            .partial_cmp(&y.as_f64())
            .unwrap_or(Ordering::Equal),
        (Json::String(x), Json::String(y)) => x.cmp(y),
        (Json::Bool(x), Json::Bool(y)) => x.cmp(y),
        _ => a.to_string().cmp(&b.to_string()),
    }
}

/// Equality of JSON values, numbers compared by value.
pub(crate) fn json_eq(a: &Json, b: &Json) -> bool {
    match (a, b) {
        (Json::Number(x), Json::Number(y)) => x.as_f64() == y.as_f64(),
        _ => a == b,
    }
}

/// A key or a `$.a.b` / `$['a']` path, as a list of keys.
fn key_path(key: &str) -> Vec<String> {
    let Some(rest) = key.strip_prefix('$') else {
        return vec![key.to_string()];
    };
    let mut out = Vec::new();
    let mut chars = rest.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '.' => {
                let mut k = String::new();
                while let Some(&n) = chars.peek() {
                    if n == '.' || n == '[' {
                        break;
                    }
                    k.push(n);
                    chars.next();
                }
                out.push(k);
            }
            '[' => {
                let mut k = String::new();
                for n in chars.by_ref() {
                    if n == ']' {
                        break;
                    }
                    k.push(n);
                }
                out.push(k.trim_matches(|c| c == '\'' || c == '"').to_string());
            }
            _ => {}
        }
    }
    out
}

fn remove_path(j: &mut Json, path: &[String]) {
    match path {
        [] => {}
        [last] => {
            if let Json::Object(m) = j {
                m.remove(last);
            }
        }
        [first, rest @ ..] => {
            if let Some(inner) = j.get_mut(first.as_str()) {
                remove_path(inner, rest);
            }
        }
    }
}

fn tree_paths(j: &Json, prefix: String, out: &mut Vec<String>) {
    match j {
        Json::Object(m) => {
            for (k, v) in m {
                let p = format!("{prefix}['{k}']");
                out.push(p.clone());
                tree_paths(v, p, out);
            }
        }
        Json::Array(items) => {
            let p = format!("{prefix}[0]");
            if let Some(first) = items.first() {
                out.push(p.clone());
                tree_paths(first, p, out);
            }
        }
        _ => {}
    }
}

fn url_encode(s: &str, component: bool) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(char::from(b));
        } else if b == b' ' && !component {
            out.push('+');
        } else {
            out.push_str(&format!("%{b:02x}"));
        }
    }
    out
}

fn url_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                match std::str::from_utf8(&bytes[i + 1..i + 3])
                    .ok()
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                {
                    Some(v) => {
                        out.push(v);
                        i += 3;
                        continue;
                    }
                    None => out.push(b'%'),
                }
            }
            b'+' => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

pub(crate) fn base64_encode_bytes(data: &[u8]) -> String {
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(B64[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

pub(crate) fn base64_decode_bytes(text: &str) -> Option<Vec<u8>> {
    let significant = text.bytes().filter(|c| !c.is_ascii_whitespace()).count();
    if !significant.is_multiple_of(4) {
        return None;
    }
    let mut out = Vec::new();
    let mut buf = 0u32;
    let mut bits = 0;
    for c in text
        .bytes()
        .filter(|c| !c.is_ascii_whitespace() && *c != b'=')
    {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            _ => return None,
        };
        buf = (buf << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push(((buf >> bits) & 0xff) as u8);
        }
    }
    Some(out)
}

fn parse_url(text: &str) -> Json {
    let mut m = Map::new();
    let Some((scheme, rest)) = text.split_once("://") else {
        return Json::Object(m);
    };
    let (rest, fragment) = rest.split_once('#').map_or((rest, ""), |(a, b)| (a, b));
    let (rest, query) = rest.split_once('?').map_or((rest, ""), |(a, b)| (a, b));
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    let (userinfo, hostport) = authority
        .rsplit_once('@')
        .map_or(("", authority), |(a, b)| (a, b));
    let (user, pass) = userinfo
        .split_once(':')
        .map_or((userinfo, ""), |(a, b)| (a, b));
    let (host, port) = hostport
        .rsplit_once(':')
        .map_or((hostport, ""), |(a, b)| (a, b));
    let mut params = Map::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        params.insert(url_decode(k), Json::String(url_decode(v)));
    }
    m.insert("Scheme".into(), Json::String(scheme.into()));
    m.insert("Host".into(), Json::String(host.into()));
    m.insert("Port".into(), Json::String(port.into()));
    m.insert("Path".into(), Json::String(path.into()));
    m.insert("Username".into(), Json::String(user.into()));
    m.insert("Password".into(), Json::String(pass.into()));
    m.insert("Query Parameters".into(), Json::Object(params));
    m.insert("Fragment".into(), Json::String(fragment.into()));
    Json::Object(m)
}

/// The bytes KQL hashes for a value: UTF-8 text for strings, the
/// little-endian value for numbers, .NET ticks for datetimes.
fn hash_bytes(v: &Value) -> Vec<u8> {
    match v {
        Value::Int(x) => x.to_le_bytes().to_vec(),
        Value::Long(x) => x.to_le_bytes().to_vec(),
        Value::Real(x) => x.to_le_bytes().to_vec(),
        Value::Bool(b) => vec![u8::from(*b)],
        Value::DateTime(ns) => {
            let ticks = ns / 100 - dt::DOTNET_EPOCH_DAYS * (NANOS_PER_DAY / 100);
            ticks.to_le_bytes().to_vec()
        }
        Value::Timespan(ns) => (ns / 100).to_le_bytes().to_vec(),
        other => other.to_kql_string().into_bytes(),
    }
}

/// XXH64, the hash KQL's `hash()` uses.
pub(crate) fn xxh64(data: &[u8], seed: u64) -> u64 {
    const P1: u64 = 0x9E37_79B1_85EB_CA87;
    const P2: u64 = 0xC2B2_AE3D_27D4_EB4F;
    const P3: u64 = 0x1656_67B1_9E37_79F9;
    const P4: u64 = 0x85EB_CA77_C2B2_AE63;
    const P5: u64 = 0x27D4_EB2F_1656_67C5;
    let read64 = |b: &[u8]| u64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]);
    let read32 = |b: &[u8]| u64::from(u32::from_le_bytes([b[0], b[1], b[2], b[3]]));
    let round = |acc: u64, input: u64| {
        acc.wrapping_add(input.wrapping_mul(P2))
            .rotate_left(31)
            .wrapping_mul(P1)
    };
    let merge = |acc: u64, val: u64| (acc ^ round(0, val)).wrapping_mul(P1).wrapping_add(P4);
    let len = data.len();
    let mut rest = data;
    let mut h = if len >= 32 {
        let mut v = [
            seed.wrapping_add(P1).wrapping_add(P2),
            seed.wrapping_add(P2),
            seed,
            seed.wrapping_sub(P1),
        ];
        while rest.len() >= 32 {
            for (i, lane) in v.iter_mut().enumerate() {
                *lane = round(*lane, read64(&rest[i * 8..]));
            }
            rest = &rest[32..];
        }
        let mut h = v[0]
            .rotate_left(1)
            .wrapping_add(v[1].rotate_left(7))
            .wrapping_add(v[2].rotate_left(12))
            .wrapping_add(v[3].rotate_left(18));
        for lane in v {
            h = merge(h, lane);
        }
        h
    } else {
        seed.wrapping_add(P5)
    };
    h = h.wrapping_add(len as u64);
    while rest.len() >= 8 {
        h ^= round(0, read64(rest));
        h = h.rotate_left(27).wrapping_mul(P1).wrapping_add(P4);
        rest = &rest[8..];
    }
    if rest.len() >= 4 {
        h ^= read32(rest).wrapping_mul(P1);
        h = h.rotate_left(23).wrapping_mul(P2).wrapping_add(P3);
        rest = &rest[4..];
    }
    for b in rest {
        h ^= u64::from(*b).wrapping_mul(P5);
        h = h.rotate_left(11).wrapping_mul(P1);
    }
    h ^= h >> 33;
    h = h.wrapping_mul(P2);
    h ^= h >> 29;
    h = h.wrapping_mul(P3);
    h ^= h >> 32;
    h
}

/// A process-wide xorshift generator for `rand()` and `new_guid()`
/// (non-cryptographic, as KQL's are).
fn next_random() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static STATE: AtomicU64 = AtomicU64::new(0);
    let mut x = STATE.load(Ordering::Relaxed);
    if x == 0 {
        x = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0x9e37_79b9_7f4a_7c15, |d| d.as_nanos() as u64)
            | 1;
    }
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    STATE.store(x, Ordering::Relaxed);
    x
}

fn new_guid() -> String {
    let a = next_random();
    let b = next_random();
    format!(
        "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xfff,
        ((b >> 48) & 0x3fff) | 0x8000,
        b & 0xffff_ffff_ffff
    )
}

/// The gamma function (Lanczos approximation).
fn gamma(x: f64) -> f64 {
    if x < 0.5 {
        std::f64::consts::PI / ((std::f64::consts::PI * x).sin() * gamma(1.0 - x))
    } else {
        let g = 7.0;
        let c = [
            0.999_999_999_999_809_9,
            676.520_368_121_885_1,
            -1_259.139_216_722_402_8,
            771.323_428_777_653_1,
            -176.615_029_162_140_6,
            12.507_343_278_686_905,
            -0.138_571_095_265_720_12,
            9.984_369_578_019_572e-6,
            1.505_632_735_149_311_6e-7,
        ];
        let x = x - 1.0;
        let mut a = c[0];
        let t = x + g + 0.5;
        for (i, ci) in c.iter().enumerate().skip(1) {
            a += ci / (x + i as f64);
        }
        (2.0 * std::f64::consts::PI).sqrt() * t.powf(x + 0.5) * (-t).exp() * a
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kql_hash_is_xxh64() {
        // Values from the KQL documentation of hash().
        assert_eq!(xxh64(b"World", 0) as i64, 1_846_988_464_401_551_951);
        assert_eq!((xxh64(b"World", 0) as i64).rem_euclid(100), 51);
        assert_eq!(
            key_path("$.key2.prop1"),
            vec!["key2".to_string(), "prop1".to_string()]
        );
        assert_eq!(rewrite_pattern(r"\1-$"), "${1}-$$");
    }
}
