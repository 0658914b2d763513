//! `summarize`, `count`, `make-series` and the aggregation functions.
//!
//! An aggregate expression such as `100.0 * countif(failed) / count()` is
//! split in two: each aggregation call becomes a DataFusion aggregate
//! (`__aggN`), and the expression around them is computed by a projection
//! after the `Aggregate` node. KQL-specific aggregates are UDAFs:
//! `make_list` / `make_set` / `make_bag` build JSON, `percentile(s)` use
//! the nearest-rank definition on the exact values (what Kusto's t-digest
//! returns on the small inputs of its documentation), `arg_max(x, *)` is
//! `first_value(c ORDER BY x DESC)` for every other column.

use std::collections::HashSet;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, ListArray};
use datafusion::arrow::datatypes::{DataType, Field, FieldRef, Float64Type, Int64Type};
use datafusion::common::{Result as DfResult, ScalarValue};
use datafusion::functions_aggregate::expr_fn as agg;
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::{
    Accumulator, AggregateUDF, AggregateUDFImpl, ColumnarValue, Expr, ExprFunctionExt,
    LogicalPlanBuilder, Signature, Volatility, cast, lit, when,
};
use serde_json::{Map, Value as Json};

use super::plan::{Expr2, Frame, Planner, Typed, add_unique, col_ref, project_plan, set_column};
use super::udf::{VecFn, vec_call};
use super::value::{Value, arrow_type};
use crate::ast::{self, ExprKind, NamedExpr, SeriesAggregate, SeriesRange};
use crate::error::KqlError;
use crate::span::Span;
use crate::types::KqlType;

/// The aggregates collected while planning one `summarize`.
#[derive(Debug)]
pub(crate) struct AggState {
    pub(crate) input: Frame,
    pub(crate) exprs: Vec<(String, Expr)>,
}

impl<'q> Planner<'q> {
    /// `summarize aggregates by keys`.
    pub(crate) fn summarize(
        &mut self,
        input: Frame,
        aggregates: &'q [NamedExpr],
        by: &'q [NamedExpr],
    ) -> Result<Frame, KqlError> {
        let items: Vec<&'q NamedExpr> = aggregates.iter().collect();
        let (keys, outputs, agg_exprs) = self.aggregate_parts(&input, &items, by)?;
        let group: Vec<Expr> = keys.iter().map(|(n, t)| t.expr.clone().alias(n)).collect();
        let aggr: Vec<Expr> = agg_exprs.into_iter().map(|(n, e)| e.alias(n)).collect();
        let plan = LogicalPlanBuilder::from(input.plan)
            .aggregate(group, aggr)?
            .build()?;
        let mut items: Vec<(String, Typed)> = keys
            .iter()
            .map(|(n, t)| (n.clone(), Typed::new(col_ref(n), t.ty)))
            .collect();
        for (name, t, declared) in outputs {
            if declared {
                set_column(&mut items, name, t);
            } else {
                add_unique(&mut items, name, t);
            }
        }
        project_plan(plan, items, Vec::new())
    }

    /// Plans the keys and aggregates of `summarize`: returns the keys
    /// (name, expression on the input), the outputs (name, expression
    /// after aggregation, declared name?) and the aggregate calls.
    #[allow(clippy::type_complexity)]
    fn aggregate_parts(
        &mut self,
        input: &Frame,
        aggregates: &[&'q NamedExpr],
        by: &'q [NamedExpr],
    ) -> Result<
        (
            Vec<(String, Typed)>,
            Vec<(String, Typed, bool)>,
            Vec<(String, Expr)>,
        ),
        KqlError,
    > {
        let mut keys: Vec<(String, Typed)> = Vec::new();
        for key in by {
            let t = self.scalar(&key.expr, input)?;
            let name = self.item_name(key, input);
            set_column(&mut keys, name, t);
        }
        // Inside mv-apply, every row's expansion is aggregated on its own.
        if let Some(partition) = self.partition.clone()
            && input.col(&partition).is_some()
            && !keys.iter().any(|(n, _)| *n == partition)
        {
            keys.insert(
                0,
                (
                    partition.clone(),
                    Typed::new(col_ref(&partition), KqlType::Long),
                ),
            );
        }
        let key_names: Vec<String> = keys.iter().map(|(n, _)| n.clone()).collect();
        let saved = self.agg.replace(AggState {
            input: input.clone(),
            exprs: Vec::new(),
        });
        let mut outputs: Vec<(String, Typed, bool)> = Vec::new();
        let result = (|| -> Result<(), KqlError> {
            for &item in aggregates {
                if let Some(cols) = self.tuple_aggregate(item, input, &key_names)? {
                    for (i, (name, t)) in cols.into_iter().enumerate() {
                        match item.names.get(i) {
                            Some(n) => outputs.push((n.name.clone(), t, true)),
                            None => outputs.push((name, t, false)),
                        }
                    }
                    continue;
                }
                let t = self.scalar(&item.expr, input)?;
                let (name, declared) = match item.names.first() {
                    Some(n) => (n.name.clone(), true),
                    None => (self.item_name(item, input), false),
                };
                outputs.push((name, t, declared));
            }
            Ok(())
        })();
        let state = std::mem::replace(&mut self.agg, saved);
        result?;
        let exprs = state.map(|s| s.exprs).unwrap_or_default();
        Ok((keys, outputs, exprs))
    }

    /// Aggregates that produce several columns: `arg_max(x, *)`,
    /// `arg_min`, `take_any(*)`/`take_any(a, b)`, `percentiles(x, ...)`.
    fn tuple_aggregate(
        &mut self,
        item: &'q NamedExpr,
        input: &Frame,
        keys: &[String],
    ) -> Result<Option<Vec<(String, Typed)>>, KqlError> {
        let ExprKind::Call { name, args } = &item.expr.kind else {
            return Ok(None);
        };
        let fname = name.name.as_str();
        match fname {
            "arg_max" | "arg_min" | "argmax" | "argmin" => {
                let Some(first) = args.first() else {
                    return Err(self.error(
                        "wrong-argument-count",
                        item.span,
                        format!("`{fname}` needs arguments."),
                    ));
                };
                let key = self.scalar_in_agg(&first.expr, input)?;
                let desc = fname.contains("max");
                let order = vec![key.expr.clone().sort(!desc, false)];
                let key_name = match first.names.first() {
                    Some(n) => n.name.clone(),
                    None => self
                        .result_name(&first.expr, input)
                        .unwrap_or_else(|| format!("{fname}_0")),
                };
                let mut cols = Vec::new();
                let extreme = if desc {
                    agg::max(key.expr.clone())
                } else {
                    agg::min(key.expr.clone())
                };
                // With all keys null, KQL still returns a row's values.
                let extreme_col = self.push_agg(extreme);
                cols.push((key_name.clone(), Typed::new(col_ref(&extreme_col), key.ty)));
                let mut seen: Vec<String> = vec![key_name];
                for (i, arg) in args.iter().enumerate().skip(1) {
                    if matches!(arg.expr.kind, ExprKind::Star) {
                        for c in &input.cols {
                            if keys.contains(&c.name) || seen.contains(&c.name) {
                                continue;
                            }
                            seen.push(c.name.clone());
                            let e = agg::first_value(col_ref(&c.name), order.clone());
                            let internal = self.push_agg(e);
                            cols.push((c.name.clone(), Typed::new(col_ref(&internal), c.ty)));
                        }
                        continue;
                    }
                    let t = self.scalar_in_agg(&arg.expr, input)?;
                    let name = match arg.names.first() {
                        Some(n) => n.name.clone(),
                        None => self
                            .result_name(&arg.expr, input)
                            .unwrap_or_else(|| format!("{fname}_{i}")),
                    };
                    if keys.contains(&name) || seen.contains(&name) {
                        continue;
                    }
                    seen.push(name.clone());
                    let e = agg::first_value(t.expr, order.clone());
                    let internal = self.push_agg(e);
                    cols.push((name, Typed::new(col_ref(&internal), t.ty)));
                }
                Ok(Some(cols))
            }
            "take_any" | "any" => {
                let mut cols = Vec::new();
                let mut seen: Vec<String> = Vec::new();
                for arg in args {
                    if matches!(arg.expr.kind, ExprKind::Star) {
                        for c in &input.cols {
                            if keys.contains(&c.name) || seen.contains(&c.name) {
                                continue;
                            }
                            seen.push(c.name.clone());
                            let internal =
                                self.push_agg(agg::first_value(col_ref(&c.name), vec![]));
                            cols.push((c.name.clone(), Typed::new(col_ref(&internal), c.ty)));
                        }
                        continue;
                    }
                    let t = self.scalar_in_agg(&arg.expr, input)?;
                    let name = match arg.names.first() {
                        Some(n) => n.name.clone(),
                        None => match self.result_name(&arg.expr, input) {
                            Some(n) if matches!(arg.expr.kind, ExprKind::Name(_)) => n,
                            Some(n) => format!("any_{n}"),
                            None => "any_".to_string(),
                        },
                    };
                    if !cols.is_empty() && keys.contains(&name) {
                        continue;
                    }
                    seen.push(name.clone());
                    let internal = self.push_agg(agg::first_value(t.expr, vec![]));
                    cols.push((name, Typed::new(col_ref(&internal), t.ty)));
                }
                Ok(Some(cols))
            }
            "percentiles" | "percentile" if args.len() >= 2 => {
                if fname == "percentile" {
                    return Ok(None);
                }
                let value = self.scalar_in_agg(&args[0].expr, input)?;
                let value_name = self.result_name(&args[0].expr, input).unwrap_or_default();
                let mut ps = Vec::new();
                let mut names = Vec::new();
                for a in &args[1..] {
                    let t = self.scalar(&a.expr, &Frame::one_row()?)?;
                    match self.const_value(&t) {
                        Some(Value::Dynamic(Json::Array(items))) => {
                            for v in items.iter().filter_map(Json::as_f64) {
                                ps.push(v);
                                names.push(format!("percentile_{value_name}_{}", fragment(v)));
                            }
                        }
                        Some(v) => {
                            let p = v.to_f64().unwrap_or(50.0);
                            ps.push(p);
                            names.push(format!("percentile_{value_name}_{}", fragment(p)));
                        }
                        None => {
                            return Err(self.error(
                                "not-constant",
                                a.expr.span,
                                "Percentiles must be constants.".into(),
                            ));
                        }
                    }
                }
                let (list, ty) = percentiles_expr(value, &ps);
                let internal = self.push_agg(list);
                let cols = names
                    .into_iter()
                    .enumerate()
                    .map(|(i, n)| (n, Typed::new(list_element(col_ref(&internal), i, ty), ty)))
                    .collect();
                Ok(Some(cols))
            }
            _ => Ok(None),
        }
    }

    /// Compiles an aggregate's argument on the input rows (no nested
    /// aggregates).
    fn scalar_in_agg(&mut self, e: &'q Expr2, input: &Frame) -> Result<Typed, KqlError> {
        let saved = self.agg.take();
        let result = self.scalar(e, input);
        self.agg = saved;
        result
    }

    /// Registers an aggregate expression; returns its internal column.
    fn push_agg(&mut self, e: Expr) -> String {
        let name = self.fresh("agg");
        if let Some(state) = self.agg.as_mut() {
            state.exprs.push((name.clone(), e));
        }
        name
    }

    /// One aggregation call inside a `summarize` expression.
    pub(crate) fn aggregate_call(
        &mut self,
        name: &str,
        args: &'q [NamedExpr],
        span: Span,
    ) -> Result<Typed, KqlError> {
        use KqlType::*;
        let input = match &self.agg {
            Some(state) => state.input.clone(),
            None => {
                return Err(self.error(
                    "aggregate-outside-summarize",
                    span,
                    format!("`{name}` needs summarize."),
                ));
            }
        };
        let mut compiled = Vec::new();
        for a in args {
            if matches!(a.expr.kind, ExprKind::Star) {
                continue;
            }
            compiled.push(self.scalar_in_agg(&a.expr, &input)?);
        }
        let arg = |i: usize| compiled.get(i).cloned();
        let need = |i: usize| -> Result<Typed, KqlError> {
            arg(i).ok_or_else(|| {
                self.error(
                    "wrong-argument-count",
                    span,
                    format!("`{name}` needs more arguments."),
                )
            })
        };
        let (base, cond_index) = match name.strip_suffix("if") {
            Some(b)
                if matches!(
                    b,
                    "count"
                        | "sum"
                        | "avg"
                        | "min"
                        | "max"
                        | "dcount"
                        | "stdev"
                        | "variance"
                        | "stdevp"
                        | "variancep"
                        | "take_any"
                        | "make_list_"
                        | "make_set_"
                        | "make_bag_"
                        | "any"
                        | "count_distinct"
                ) =>
            {
                (
                    b.trim_end_matches('_'),
                    Some(if b == "count" { 0 } else { 1 }),
                )
            }
            _ => (name, None),
        };
        let condition = match cond_index {
            Some(i) => Some(self.to_bool(need(i)?).expr),
            None => None,
        };
        let with_filter = |e: Expr| -> Result<Expr, KqlError> {
            Ok(match &condition {
                Some(c) => e.filter(c.clone()).build()?,
                None => e,
            })
        };
        let (expr, ty) = match base {
            "count" => {
                // KQL's count(x) counts rows, like count().
                (with_filter(agg::count(lit(1i64)))?, Long)
            }
            "sum" => {
                let x = need(0)?;
                let ty = match x.ty {
                    Int | Long | Bool => Long,
                    Timespan => Timespan,
                    _ => Real,
                };
                let x = self.convert(x, ty);
                let e = with_filter(agg::sum(x.expr))?;
                (coalesce_zero(e, ty), ty)
            }
            "avg" => {
                let x = need(0)?;
                let keep = matches!(x.ty, DateTime | Timespan);
                let ty = if keep { x.ty } else { Real };
                let as_real = Typed::new(cast(x.expr, DataType::Float64), Real);
                let e = with_filter(agg::avg(as_real.expr))?;
                let e = if keep {
                    cast(e, DataType::Int64)
                } else {
                    when(e.clone().is_null(), lit(f64::NAN)).otherwise(e)?
                };
                (e, ty)
            }
            "min" | "max" => {
                let x = need(0)?;
                let x = if x.ty == Dynamic {
                    self.convert(x, Real)
                } else {
                    x
                };
                let ty = x.ty;
                let e = if base == "min" {
                    agg::min(x.expr)
                } else {
                    agg::max(x.expr)
                };
                (with_filter(e)?, ty)
            }
            "dcount" | "count_distinct" => {
                let x = need(0)?;
                (with_filter(agg::count_distinct(x.expr))?, Long)
            }
            "stdev" | "stdevp" | "variance" | "variancep" => {
                let x = need(0)?;
                let x = cast(x.expr, DataType::Float64);
                let e = match base {
                    "stdev" => agg::stddev(x),
                    "stdevp" => agg::stddev_pop(x),
                    "variance" => agg::var_sample(x),
                    _ => agg::var_pop(x),
                };
                (coalesce_zero(with_filter(e)?, Real), Real)
            }
            "take_any" | "any" => {
                let x = need(0)?;
                let ty = x.ty;
                (with_filter(agg::first_value(x.expr, vec![]))?, ty)
            }
            "make_list"
            | "make_set"
            | "make_bag"
            | "make_list_with_nulls"
            | "makelist"
            | "makeset"
            | "make_dictionary" => {
                let x = need(0)?;
                let limit_index = if cond_index.is_some() { 2 } else { 1 };
                let limit = match arg(limit_index) {
                    Some(t) => self
                        .const_value(&t)
                        .and_then(|v| v.to_i64())
                        .and_then(|v| usize::try_from(v).ok()),
                    None => None,
                };
                let kind = match base {
                    "make_set" | "makeset" => ListKind::Set,
                    "make_bag" | "make_dictionary" => ListKind::Bag,
                    "make_list_with_nulls" => ListKind::ListWithNulls,
                    _ => ListKind::List,
                };
                let udaf = ListAgg {
                    name: format!("kql_{kind:?}_{}_{limit:?}", x.ty.name()),
                    kind,
                    ty: x.ty,
                    limit,
                    signature: Signature::variadic_any(Volatility::Immutable),
                };
                let e = AggregateUDF::new_from_impl(udaf).call(vec![x.expr]);
                (with_filter(e)?, Dynamic)
            }
            "percentile" => {
                let x = need(0)?;
                let p = need(1)?;
                let p = self
                    .const_value(&p)
                    .and_then(|v| v.to_f64())
                    .unwrap_or(50.0);
                let (list, ty) = percentiles_expr(x, &[p]);
                let internal = self.push_agg(with_filter(list)?);
                return Ok(Typed::new(list_element(col_ref(&internal), 0, ty), ty));
            }
            "percentiles_array" => {
                let x = need(0)?;
                let mut ps = Vec::new();
                for t in compiled.iter().skip(1) {
                    match self.const_value(t) {
                        Some(Value::Dynamic(Json::Array(items))) => {
                            ps.extend(items.iter().filter_map(Json::as_f64))
                        }
                        Some(v) => ps.extend(v.to_f64()),
                        None => {}
                    }
                }
                let (list, ty) = percentiles_expr(x, &ps);
                let internal = self.push_agg(with_filter(list)?);
                return Ok(Typed::new(list_to_json(col_ref(&internal), ty), Dynamic));
            }
            _ => {
                return Err(self.unsupported(span, &format!("The aggregation function `{name}()`")));
            }
        };
        let internal = self.push_agg(expr);
        Ok(Typed::new(col_ref(&internal), ty))
    }

    /// `count` (the operator).
    pub(crate) fn count(&mut self, input: Frame, name: &str) -> Result<Frame, KqlError> {
        let partition = self.partition.clone().filter(|p| input.col(p).is_some());
        let group: Vec<Expr> = partition.iter().map(|p| col_ref(p)).collect();
        let plan = LogicalPlanBuilder::from(input.plan)
            .aggregate(group, vec![agg::count(lit(1i64)).alias(name)])?
            .build()?;
        let mut items: Vec<(String, Typed)> = partition
            .iter()
            .map(|p| (p.clone(), Typed::new(col_ref(p), KqlType::Long)))
            .collect();
        items.push((name.to_string(), Typed::new(col_ref(name), KqlType::Long)));
        project_plan(plan, items, Vec::new())
    }

    /// `make-series aggregates on axis from a to b step s by keys`.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn make_series(
        &mut self,
        input: Frame,
        params: &'q [ast::NamedParam],
        aggregates: &'q [SeriesAggregate],
        on: &'q NamedExpr,
        range: &'q SeriesRange,
        by: &'q [NamedExpr],
        span: Span,
    ) -> Result<Frame, KqlError> {
        let one = Frame::one_row()?;
        let (from, to, step) = match range {
            SeriesRange::FromToStep { from, to, step } => {
                let f = match from {
                    Some(e) => Some(self.scalar(e, &one)?),
                    None => None,
                };
                let t = match to {
                    Some(e) => Some(self.scalar(e, &one)?),
                    None => None,
                };
                (f, t, self.scalar(step, &one)?)
            }
            SeriesRange::InRange(args) if args.len() == 3 => (
                Some(self.scalar(&args[0].expr, &one)?),
                Some(self.scalar(&args[1].expr, &one)?),
                self.scalar(&args[2].expr, &one)?,
            ),
            SeriesRange::InRange(_) => {
                return Err(self.error(
                    "wrong-argument-count",
                    span,
                    "range() takes start, stop and step.".into(),
                ));
            }
        };
        let axis = self.scalar(&on.expr, &input)?;
        let axis_name = self.item_name(on, &input);
        // Without `from` / `to` the axis spans the data: from the bin of
        // its first value to just past its last one.
        let from = match from {
            Some(f) => f,
            None => {
                let min = self.data_scalar(&input, agg::min(axis.expr.clone()), axis.ty, span)?;
                let step_value = self.const_value(&step).unwrap_or(Value::Null);
                let start = match (axis.ty, &min, step_value.to_timespan(), step_value.to_f64()) {
                    (
                        KqlType::DateTime | KqlType::Timespan,
                        Value::DateTime(v) | Value::Timespan(v),
                        Some(st),
                        _,
                    ) if st > 0 => {
                        let binned = v.div_euclid(st) * st;
                        if axis.ty == KqlType::DateTime {
                            Value::DateTime(binned)
                        } else {
                            Value::Timespan(binned)
                        }
                    }
                    (_, v, _, Some(st)) if st > 0.0 => v
                        .to_f64()
                        .map_or(Value::Null, |x| Value::Real((x / st).floor() * st)),
                    (_, v, _, _) => v.clone(),
                };
                Typed::value(&start, axis.ty)
            }
        };
        let to = match to {
            Some(t) => t,
            None => {
                let max = self.data_scalar(&input, agg::max(axis.expr.clone()), axis.ty, span)?;
                let past = match max {
                    Value::DateTime(v) => Value::DateTime(v + 100),
                    Value::Timespan(v) => Value::Timespan(v + 100),
                    other => other
                        .to_f64()
                        .map_or(Value::Null, |x| Value::Real(x + 1e-9)),
                };
                Typed::value(&past, axis.ty)
            }
        };
        let (Some(fv), Some(tv), Some(sv)) = (
            self.const_value(&from),
            self.const_value(&to),
            self.const_value(&step),
        ) else {
            return Err(self.unsupported(span, "make-series with bounds that are not constants"));
        };
        let axis_ty = axis.ty;
        // Bin positions in the axis' integer or real domain.
        let (start, stop, size, real_axis) = match axis_ty {
            KqlType::DateTime => (fv.to_datetime(), tv.to_datetime(), sv.to_timespan(), false),
            KqlType::Timespan => (fv.to_timespan(), tv.to_timespan(), sv.to_timespan(), false),
            _ => (None, None, None, true),
        };
        let nonempty = params
            .iter()
            .any(|p| p.name == "kind" && p.word() == Some("nonempty"));
        let (nbins, axis_values, index_expr, in_range): (usize, Vec<Value>, Expr, Expr) =
            if real_axis {
                let (Some(a), Some(b), Some(st)) = (fv.to_f64(), tv.to_f64(), sv.to_f64()) else {
                    return Err(self.error(
                        "invalid-parameter",
                        span,
                        "make-series bounds must be numbers.".into(),
                    ));
                };
                if st <= 0.0 {
                    return Err(self.error(
                        "invalid-parameter",
                        span,
                        "The make-series step must be positive.".into(),
                    ));
                }
                let n = (((b - a) / st).ceil().max(0.0) as usize).min(1_000_000);
                let values = (0..n)
                    .map(|i| {
                        if axis_ty == KqlType::Real {
                            Value::Real(a + i as f64 * st)
                        } else {
                            Value::Long((a + i as f64 * st) as i64)
                        }
                    })
                    .collect();
                let x = cast(axis.expr.clone(), DataType::Float64);
                let idx = cast(
                    datafusion::functions::math::expr_fn::floor((x.clone() - lit(a)) / lit(st)),
                    DataType::Int64,
                );
                (n, values, idx, x.clone().gt_eq(lit(a)).and(x.lt(lit(b))))
            } else {
                let (Some(a), Some(b), Some(st)) = (start, stop, size) else {
                    return Err(self.error("invalid-parameter", span, "make-series bounds must be datetimes (or timespans) and the step a timespan.".into()));
                };
                if st <= 0 {
                    return Err(self.error(
                        "invalid-parameter",
                        span,
                        "The make-series step must be positive.".into(),
                    ));
                }
                let n = usize::try_from(
                    ((i128::from(b) - i128::from(a) + i128::from(st) - 1) / i128::from(st)).max(0),
                )
                .unwrap_or(0)
                .min(1_000_000);
                let values = (0..n)
                    .map(|i| {
                        let v = a + i as i64 * st;
                        if axis_ty == KqlType::DateTime {
                            Value::DateTime(v)
                        } else {
                            Value::Timespan(v)
                        }
                    })
                    .collect();
                let idx = (axis.expr.clone() - lit(a)) / lit(st);
                (
                    n,
                    values,
                    idx,
                    axis.expr.clone().gt_eq(lit(a)).and(axis.expr.lt(lit(b))),
                )
            };
        let filtered = Frame {
            plan: LogicalPlanBuilder::from(input.plan.clone())
                .filter(in_range)?
                .build()?,
            cols: input.cols.clone(),
            order: Vec::new(),
        };
        // Stage 1: aggregate by keys and bin index.
        let items: Vec<&'q NamedExpr> = aggregates.iter().map(|a| &a.expr).collect();
        let (keys, outputs, agg_exprs) = self.aggregate_parts(&filtered, &items, by)?;
        let bin_name = self.fresh("bin");
        let mut group: Vec<Expr> = keys.iter().map(|(n, t)| t.expr.clone().alias(n)).collect();
        group.push(index_expr.alias(&bin_name));
        let aggr: Vec<Expr> = agg_exprs.into_iter().map(|(n, e)| e.alias(n)).collect();
        let stage1 = LogicalPlanBuilder::from(filtered.plan)
            .aggregate(group, aggr)?
            .build()?;
        let mut values: Vec<(String, Typed)> = keys
            .iter()
            .map(|(n, t)| (n.clone(), Typed::new(col_ref(n), t.ty)))
            .collect();
        values.push((
            bin_name.clone(),
            Typed::new(col_ref(&bin_name), KqlType::Long),
        ));
        let mut series_cols = Vec::new();
        for (i, (name, t, _)) in outputs.into_iter().enumerate() {
            let internal = format!("{bin_name}_v{i}");
            values.push((internal.clone(), t));
            let default = match aggregates.get(i).and_then(|a| a.default.as_ref()) {
                Some(d) => {
                    let dv = self.scalar(&d.expr, &one)?;
                    self.const_value(&dv).map_or(Json::Null, |v| v.to_json())
                }
                None => Json::from(0),
            };
            series_cols.push((name, internal, default));
        }
        let stage1 = project_plan(stage1, values, Vec::new())?;
        // Stage 2: one row per key with the series as arrays.
        let group: Vec<Expr> = keys.iter().map(|(n, _)| col_ref(n)).collect();
        let mut aggr = Vec::new();
        for (name, internal, default) in &series_cols {
            let ty = stage1.col(internal).map_or(KqlType::Dynamic, |c| c.ty);
            let udaf = SeriesAgg {
                name: format!("kql_series_{nbins}_{default}_{}", ty.name()),
                nbins,
                default: default.clone(),
                ty,
                signature: Signature::variadic_any(Volatility::Immutable),
            };
            aggr.push(
                AggregateUDF::new_from_impl(udaf)
                    .call(vec![col_ref(&bin_name), col_ref(internal)])
                    .alias(name),
            );
        }
        let stage2 = LogicalPlanBuilder::from(stage1.plan)
            .aggregate(group, aggr)?
            .build()?;
        let mut out: Vec<(String, Typed)> = keys
            .iter()
            .map(|(n, t)| (n.clone(), Typed::new(col_ref(n), t.ty)))
            .collect();
        for (name, _, _) in &series_cols {
            add_unique(
                &mut out,
                name.clone(),
                Typed::new(col_ref(name), KqlType::Dynamic),
            );
        }
        let axis_json = Json::Array(axis_values.iter().map(Value::to_json).collect());
        set_column(
            &mut out,
            axis_name,
            Typed::value(&Value::Dynamic(axis_json), KqlType::Dynamic),
        );
        let frame = project_plan(stage2, out, Vec::new())?;
        if nonempty || !keys.is_empty() {
            return Ok(frame);
        }
        Ok(frame)
    }

    /// The value of one aggregate over `input`, computed from the data
    /// before the rest of the query is planned.
    fn data_scalar(
        &mut self,
        input: &Frame,
        aggregate: Expr,
        ty: KqlType,
        span: Span,
    ) -> Result<Value, KqlError> {
        let plan = LogicalPlanBuilder::from(input.plan.clone())
            .aggregate(Vec::<Expr>::new(), vec![aggregate.alias("v")])?
            .build()?;
        let frame = project_plan(
            plan,
            vec![("v".into(), Typed::new(col_ref("v"), ty))],
            Vec::new(),
        )?;
        let key = format!("data_scalar|{span:?}|{}", frame.plan.display_indent());
        if let Some(super::plan::Resolved::Value(v)) = self.resolved.get(&key) {
            return Ok(v.clone());
        }
        self.pending = Some(super::plan::Pending {
            key,
            frame,
            kind: super::plan::PendingKind::Scalar,
        });
        Err(self.error(
            "pending",
            span,
            "This value is computed from the data first.".into(),
        ))
    }

    /// Window functions (`row_number()`, `prev()`, `next()`,
    /// `row_cumsum()`) over the frame's current order.
    pub(crate) fn window_call(
        &mut self,
        name: &str,
        args: Vec<Typed>,
        row: &Frame,
        span: Span,
    ) -> Result<Typed, KqlError> {
        use datafusion::functions_window::expr_fn as win;
        let order = row.order.clone();
        let (e, ty) = match name {
            "row_number" => {
                let start = args
                    .first()
                    .and_then(|t| self.const_value(t))
                    .and_then(|v| v.to_i64())
                    .unwrap_or(1);
                let e = if order.is_empty() {
                    win::row_number()
                } else {
                    win::row_number().order_by(order).build()?
                };
                let n = cast(self.push_window(e), DataType::Int64);
                return Ok(Typed::new(n + lit(start - 1), KqlType::Long));
            }
            "prev" | "next" => {
                let Some(x) = args.first().cloned() else {
                    return Err(self.error(
                        "wrong-argument-count",
                        span,
                        format!("`{name}` needs a column."),
                    ));
                };
                let offset = args
                    .get(1)
                    .and_then(|t| self.const_value(t))
                    .and_then(|v| v.to_i64())
                    .unwrap_or(1);
                let default = args
                    .get(2)
                    .and_then(|t| self.const_value(t))
                    .map(|v| v.to_scalar(x.ty));
                let e = if name == "prev" {
                    win::lag(x.expr, Some(offset), default)
                } else {
                    win::lead(x.expr, Some(offset), default)
                };
                (e.order_by(order).build()?, x.ty)
            }
            "row_cumsum" => {
                let Some(x) = args.first().cloned() else {
                    return Err(self.error(
                        "wrong-argument-count",
                        span,
                        "row_cumsum needs a column.".into(),
                    ));
                };
                let ty = match x.ty {
                    KqlType::Int | KqlType::Long => KqlType::Long,
                    other => other,
                };
                let x = self.convert(x, ty);
                let frame = datafusion::logical_expr::WindowFrame::new(Some(true));
                let e = Expr::from(datafusion::logical_expr::expr::WindowFunction::new(
                    datafusion::logical_expr::expr::WindowFunctionDefinition::AggregateUDF(
                        datafusion::functions_aggregate::sum::sum_udaf(),
                    ),
                    vec![x.expr],
                ))
                .order_by(order)
                .window_frame(frame)
                .build()?;
                (e, ty)
            }
            _ => return Err(self.unsupported(span, &format!("The window function `{name}()`"))),
        };
        Ok(Typed::new(self.push_window(e), ty))
    }

    /// Registers a window expression; returns a reference to its output
    /// column (DataFusion names window outputs after the expression).
    fn push_window(&mut self, e: Expr) -> Expr {
        let name = e.schema_name().to_string();
        self.windows.push((name.clone(), e));
        col_ref(&name)
    }

    /// Adds the window functions collected while compiling an expression
    /// as a `Window` node over `plan`.
    pub(crate) fn materialize_windows(
        &mut self,
        plan: datafusion::logical_expr::LogicalPlan,
    ) -> Result<datafusion::logical_expr::LogicalPlan, KqlError> {
        if self.windows.is_empty() {
            return Ok(plan);
        }
        let exprs: Vec<Expr> = std::mem::take(&mut self.windows)
            .into_iter()
            .map(|(_, e)| e)
            .collect();
        Ok(LogicalPlanBuilder::window_plan(plan, exprs)?)
    }
}

/// The name fragment of a percentile (`95` -> `95`, `99.9` -> `99_9`).
fn fragment(p: f64) -> String {
    let text = if p.fract() == 0.0 {
        format!("{}", p as i64)
    } else {
        format!("{p}")
    };
    text.replace(['.', '-'], "_")
}

/// `make_set(x)` over values of type `ty`.
pub(crate) fn make_set_expr(x: Expr, ty: KqlType) -> Expr {
    let udaf = ListAgg {
        name: format!("kql_{:?}_{}_None", ListKind::Set, ty.name()),
        kind: ListKind::Set,
        ty,
        limit: None,
        signature: Signature::variadic_any(Volatility::Immutable),
    };
    AggregateUDF::new_from_impl(udaf).call(vec![x])
}

/// `0` instead of null for sums (KQL's sum of nothing is 0).
fn coalesce_zero(e: Expr, ty: KqlType) -> Expr {
    let zero = Value::Long(0).to_scalar(ty);
    when(e.clone().is_null(), lit(zero))
        .otherwise(e.clone())
        .unwrap_or(e)
}

/// The percentiles aggregate over `x`: a list of the requested
/// percentiles, and the element type.
fn percentiles_expr(x: Typed, ps: &[f64]) -> (Expr, KqlType) {
    let (ty, input) = match x.ty {
        KqlType::Int | KqlType::Long | KqlType::Bool => {
            (KqlType::Long, cast(x.expr, DataType::Int64))
        }
        KqlType::DateTime | KqlType::Timespan => (x.ty, x.expr),
        _ => (KqlType::Real, cast(x.expr, DataType::Float64)),
    };
    let udaf = PercentileAgg {
        name: format!("kql_percentiles_{ps:?}_{}", ty.name()),
        ps: ps.iter().map(|p| p.to_bits()).collect(),
        integer: arrow_type(ty) == DataType::Int64,
        signature: Signature::variadic_any(Volatility::Immutable),
    };
    (AggregateUDF::new_from_impl(udaf).call(vec![input]), ty)
}

/// Element `i` of a list column.
pub(crate) fn list_element(list: Expr, i: usize, ty: KqlType) -> Expr {
    let func: VecFn = Arc::new(move |args, rows| {
        let array = args[0].to_array(rows)?;
        let list = array.as_list::<i32>();
        let offsets = list.value_offsets();
        // The index of element `i` of row `r` in the flat values, if any.
        let at = |r: usize| -> Option<usize> {
            if list.is_null(r) {
                return None;
            }
            let (start, end) = (
                usize::try_from(offsets[r]).ok()?,
                usize::try_from(offsets[r + 1]).ok()?,
            );
            (start + i < end).then_some(start + i)
        };
        let values = list.values();
        let out: ArrayRef = match values.data_type() {
            DataType::Utf8 => {
                let strings = values.as_string::<i32>();
                let mut b = datafusion::arrow::array::StringBuilder::with_capacity(
                    list.len(),
                    list.len() * 8,
                );
                for r in 0..list.len() {
                    match at(r).filter(|k| strings.is_valid(*k)) {
                        Some(k) => b.append_value(strings.value(k)),
                        None => b.append_null(),
                    }
                }
                Arc::new(b.finish())
            }
            DataType::Int64 => {
                let p = values.as_primitive::<Int64Type>();
                Arc::new(
                    (0..list.len())
                        .map(|r| at(r).filter(|k| p.is_valid(*k)).map(|k| p.value(k)))
                        .collect::<datafusion::arrow::array::Int64Array>(),
                )
            }
            DataType::Float64 => {
                let p = values.as_primitive::<Float64Type>();
                Arc::new(
                    (0..list.len())
                        .map(|r| at(r).filter(|k| p.is_valid(*k)).map(|k| p.value(k)))
                        .collect::<datafusion::arrow::array::Float64Array>(),
                )
            }
            _ => {
                let dt = arrow_type(ty);
                let scalars: Vec<ScalarValue> = (0..list.len())
                    .map(|r| match at(r) {
                        Some(k) => ScalarValue::try_from_array(values, k),
                        None => ScalarValue::try_from(&dt),
                    })
                    .collect::<DfResult<_>>()?;
                if scalars.is_empty() {
                    datafusion::arrow::array::new_empty_array(&dt)
                } else {
                    ScalarValue::iter_to_array(scalars)?
                }
            }
        };
        let dt = arrow_type(ty);
        let out = if out.data_type() == &dt {
            out
        } else {
            datafusion::arrow::compute::cast(&out, &dt)?
        };
        Ok(ColumnarValue::Array(out))
    });
    vec_call(
        format!("kql_list_element_{i}_{}", ty.name()),
        arrow_type(ty),
        false,
        func,
        vec![list],
    )
}

/// A list column as a JSON array (dynamic).
fn list_to_json(list: Expr, ty: KqlType) -> Expr {
    let func: VecFn = Arc::new(move |args, rows| {
        let array = args[0].to_array(rows)?;
        let list = array.as_list::<i32>();
        let mut b = datafusion::arrow::array::StringBuilder::new();
        for r in 0..list.len() {
            if list.is_null(r) {
                b.append_null();
                continue;
            }
            let inner = list.value(r);
            let items: Vec<Json> = (0..inner.len())
                .map(|i| Value::from_array(inner.as_ref(), i, ty).to_json())
                .collect();
            b.append_value(Json::Array(items).to_string());
        }
        Ok(ColumnarValue::Array(Arc::new(b.finish())))
    });
    vec_call(
        format!("kql_list_json_{}", ty.name()),
        DataType::Utf8,
        false,
        func,
        vec![list],
    )
}

// ----- UDAFs -------------------------------------------------------------------

/// What a [`ListAgg`] builds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum ListKind {
    List,
    ListWithNulls,
    Set,
    Bag,
}

/// DataFusion compares and hashes user-defined aggregates; ours are the same
/// aggregate exactly when their names (which carry their parameters) are.
macro_rules! identified_by_name {
    ($t:ty) => {
        impl fmt::Debug for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.name)
            }
        }
        impl PartialEq for $t {
            fn eq(&self, other: &Self) -> bool {
                self.name == other.name
            }
        }
        impl Eq for $t {}
        impl Hash for $t {
            fn hash<H: Hasher>(&self, state: &mut H) {
                self.name.hash(state);
            }
        }
    };
}
/// `make_list`, `make_set`, `make_bag`: JSON arrays / bags.
struct ListAgg {
    name: String,
    kind: ListKind,
    ty: KqlType,
    limit: Option<usize>,
    signature: Signature,
}

identified_by_name!(ListAgg);

impl AggregateUDFImpl for ListAgg {
    fn name(&self) -> &str {
        &self.name
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn return_type(&self, _arg_types: &[DataType]) -> DfResult<DataType> {
        Ok(DataType::Utf8)
    }
    fn accumulator(&self, _args: AccumulatorArgs) -> DfResult<Box<dyn Accumulator>> {
        Ok(Box::new(ListAccumulator {
            kind: self.kind,
            ty: self.ty,
            limit: self.limit.unwrap_or(1_048_576),
            items: Vec::new(),
            seen: HashSet::new(),
            bag: Map::new(),
        }))
    }
    fn state_fields(&self, args: StateFieldsArgs) -> DfResult<Vec<FieldRef>> {
        Ok(vec![Arc::new(Field::new(
            format!("{}_state", args.name),
            DataType::Utf8,
            true,
        ))])
    }
}

#[derive(Debug)]
struct ListAccumulator {
    kind: ListKind,
    ty: KqlType,
    limit: usize,
    items: Vec<Json>,
    seen: HashSet<String>,
    bag: Map<String, Json>,
}

impl ListAccumulator {
    fn add(&mut self, v: Json) {
        match self.kind {
            ListKind::Bag => {
                if let Json::Object(m) = v {
                    for (k, x) in m {
                        if self.bag.len() >= self.limit {
                            break;
                        }
                        self.bag.entry(k).or_insert(x);
                    }
                }
            }
            _ if self.items.len() >= self.limit => {}
            ListKind::Set => {
                if v.is_null() {
                    return;
                }
                if let Json::Array(items) = v {
                    // make_set of arrays is the union of their elements.
                    for item in items {
                        self.add(item);
                    }
                    return;
                }
                if self.seen.insert(v.to_string()) {
                    self.items.push(v);
                }
            }
            ListKind::List => {
                if !v.is_null() {
                    self.items.push(v);
                }
            }
            ListKind::ListWithNulls => self.items.push(v),
        }
    }

    fn result(&self) -> Json {
        match self.kind {
            ListKind::Bag => Json::Object(self.bag.clone()),
            _ => Json::Array(self.items.clone()),
        }
    }
}

impl Accumulator for ListAccumulator {
    fn update_batch(&mut self, values: &[ArrayRef]) -> DfResult<()> {
        let Some(array) = values.first() else {
            return Ok(());
        };
        for row in 0..array.len() {
            let v = Value::from_array(array.as_ref(), row, self.ty);
            let json = match (&v, self.ty) {
                (Value::String(s), KqlType::String)
                    if s.is_empty() && self.kind != ListKind::ListWithNulls =>
                {
                    Json::String(String::new())
                }
                _ => v.to_json(),
            };
            self.add(json);
        }
        Ok(())
    }
    fn evaluate(&mut self) -> DfResult<ScalarValue> {
        Ok(ScalarValue::Utf8(Some(self.result().to_string())))
    }
    fn size(&self) -> usize {
        std::mem::size_of_val(self) + self.items.len() * 32 + self.bag.len() * 48
    }
    fn state(&mut self) -> DfResult<Vec<ScalarValue>> {
        Ok(vec![ScalarValue::Utf8(Some(self.result().to_string()))])
    }
    fn merge_batch(&mut self, states: &[ArrayRef]) -> DfResult<()> {
        let Some(array) = states.first() else {
            return Ok(());
        };
        let strings = array.as_string::<i32>();
        for row in 0..strings.len() {
            if strings.is_null(row) {
                continue;
            }
            match serde_json::from_str::<Json>(strings.value(row)) {
                Ok(Json::Array(items)) => {
                    for item in items {
                        self.add(item);
                    }
                }
                Ok(Json::Object(m)) => self.add(Json::Object(m)),
                _ => {}
            }
        }
        Ok(())
    }
}

/// `percentile(s)`: nearest-rank percentiles of the exact values.
struct PercentileAgg {
    name: String,
    ps: Vec<u64>,
    integer: bool,
    signature: Signature,
}

identified_by_name!(PercentileAgg);

impl PercentileAgg {
    fn element(&self) -> DataType {
        if self.integer {
            DataType::Int64
        } else {
            DataType::Float64
        }
    }
}

impl AggregateUDFImpl for PercentileAgg {
    fn name(&self) -> &str {
        &self.name
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn return_type(&self, _arg_types: &[DataType]) -> DfResult<DataType> {
        Ok(DataType::List(Arc::new(Field::new(
            "item",
            self.element(),
            true,
        ))))
    }
    fn accumulator(&self, _args: AccumulatorArgs) -> DfResult<Box<dyn Accumulator>> {
        Ok(Box::new(PercentileAccumulator {
            ps: self.ps.iter().map(|b| f64::from_bits(*b)).collect(),
            integer: self.integer,
            ints: Vec::new(),
            reals: Vec::new(),
        }))
    }
    fn state_fields(&self, args: StateFieldsArgs) -> DfResult<Vec<FieldRef>> {
        Ok(vec![Arc::new(Field::new(
            format!("{}_state", args.name),
            DataType::List(Arc::new(Field::new("item", self.element(), true))),
            true,
        ))])
    }
    fn groups_accumulator_supported(&self, _args: AccumulatorArgs) -> bool {
        true
    }
    fn create_groups_accumulator(
        &self,
        _args: AccumulatorArgs,
    ) -> DfResult<Box<dyn datafusion::logical_expr::GroupsAccumulator>> {
        Ok(Box::new(PercentileGroups {
            ps: self.ps.iter().map(|b| f64::from_bits(*b)).collect(),
            integer: self.integer,
            groups: Vec::new(),
        }))
    }
}

/// Per-group percentile state: every group's values in one vector each
/// (DataFusion's fast path for grouped aggregation).
struct PercentileGroups {
    ps: Vec<f64>,
    integer: bool,
    groups: Vec<PercentileAccumulator>,
}

impl PercentileGroups {
    fn grow(&mut self, total: usize) {
        while self.groups.len() < total {
            self.groups.push(PercentileAccumulator {
                ps: self.ps.clone(),
                integer: self.integer,
                ints: Vec::new(),
                reals: Vec::new(),
            });
        }
    }
}

impl datafusion::logical_expr::GroupsAccumulator for PercentileGroups {
    fn update_batch(
        &mut self,
        values: &[ArrayRef],
        group_indices: &[usize],
        opt_filter: Option<&datafusion::arrow::array::BooleanArray>,
        total_num_groups: usize,
    ) -> DfResult<()> {
        self.grow(total_num_groups);
        let Some(array) = values.first() else {
            return Ok(());
        };
        let keep = |row: usize| opt_filter.is_none_or(|f| f.is_valid(row) && f.value(row));
        if self.integer {
            if let Some(p) = array.as_primitive_opt::<Int64Type>() {
                for (row, g) in group_indices.iter().enumerate() {
                    if p.is_valid(row) && keep(row) {
                        self.groups[*g].ints.push(p.value(row));
                    }
                }
            }
        } else if let Some(p) = array.as_primitive_opt::<Float64Type>() {
            for (row, g) in group_indices.iter().enumerate() {
                if p.is_valid(row) && keep(row) && !p.value(row).is_nan() {
                    self.groups[*g].reals.push(p.value(row));
                }
            }
        }
        Ok(())
    }

    fn evaluate(&mut self, emit_to: datafusion::logical_expr::EmitTo) -> DfResult<ArrayRef> {
        let groups = emit_to.take_needed(&mut self.groups);
        let mut values = Vec::with_capacity(groups.len());
        for mut g in groups {
            values.push(g.evaluate()?);
        }
        ScalarValue::iter_to_array(values)
    }

    fn state(&mut self, emit_to: datafusion::logical_expr::EmitTo) -> DfResult<Vec<ArrayRef>> {
        let groups = emit_to.take_needed(&mut self.groups);
        let template = PercentileAccumulator {
            ps: Vec::new(),
            integer: self.integer,
            ints: Vec::new(),
            reals: Vec::new(),
        };
        Ok(vec![Arc::new(template.value_lists(&groups))])
    }

    fn merge_batch(
        &mut self,
        values: &[ArrayRef],
        group_indices: &[usize],
        _opt_filter: Option<&datafusion::arrow::array::BooleanArray>,
        total_num_groups: usize,
    ) -> DfResult<()> {
        self.grow(total_num_groups);
        let Some(array) = values.first() else {
            return Ok(());
        };
        let list: &ListArray = array.as_list::<i32>();
        for (row, g) in group_indices.iter().enumerate() {
            if !list.is_null(row) {
                let inner = list.value(row);
                self.groups[*g].add_array(inner.as_ref());
            }
        }
        Ok(())
    }

    fn size(&self) -> usize {
        self.groups
            .iter()
            .map(|g| 64 + g.ints.capacity() * 8 + g.reals.capacity() * 8)
            .sum()
    }
}

#[derive(Debug)]
struct PercentileAccumulator {
    ps: Vec<f64>,
    integer: bool,
    ints: Vec<i64>,
    reals: Vec<f64>,
}

/// Nearest rank: the smallest value with at least `p`% of the values at
/// or below it.
fn rank(n: usize, p: f64) -> usize {
    let r = (p / 100.0 * n as f64).ceil() as usize;
    r.clamp(1, n) - 1
}

impl PercentileAccumulator {
    fn add_array(&mut self, array: &dyn Array) {
        if self.integer {
            if let Some(p) = array.as_primitive_opt::<Int64Type>() {
                self.ints.extend(p.iter().flatten());
            }
        } else if let Some(p) = array.as_primitive_opt::<Float64Type>() {
            self.reals
                .extend(p.iter().flatten().filter(|v| !v.is_nan()));
        }
    }

    fn values(&self) -> ScalarValue {
        ScalarValue::List(Arc::new(self.value_lists(std::slice::from_ref(self))))
    }

    /// One list per accumulator, built from the raw values (no scalar
    /// per element: the state of a group can hold millions of values).
    fn value_lists(&self, groups: &[PercentileAccumulator]) -> ListArray {
        use datafusion::arrow::buffer::OffsetBuffer;
        let (values, lengths): (ArrayRef, Vec<usize>) = if self.integer {
            let all: Vec<i64> = groups.iter().flat_map(|g| g.ints.iter().copied()).collect();
            (
                Arc::new(datafusion::arrow::array::Int64Array::from(all)),
                groups.iter().map(|g| g.ints.len()).collect(),
            )
        } else {
            let all: Vec<f64> = groups
                .iter()
                .flat_map(|g| g.reals.iter().copied())
                .collect();
            (
                Arc::new(datafusion::arrow::array::Float64Array::from(all)),
                groups.iter().map(|g| g.reals.len()).collect(),
            )
        };
        let field = Arc::new(Field::new("item", values.data_type().clone(), true));
        ListArray::new(field, OffsetBuffer::from_lengths(lengths), values, None)
    }
}

impl Accumulator for PercentileAccumulator {
    fn update_batch(&mut self, values: &[ArrayRef]) -> DfResult<()> {
        if let Some(a) = values.first() {
            self.add_array(a.as_ref());
        }
        Ok(())
    }
    fn evaluate(&mut self) -> DfResult<ScalarValue> {
        // Selection, not a full sort: O(n) per percentile.
        let results: Vec<ScalarValue> = if self.integer {
            let n = self.ints.len();
            self.ps
                .iter()
                .map(|p| {
                    ScalarValue::Int64(
                        (n > 0).then(|| *self.ints.select_nth_unstable(rank(n, *p)).1),
                    )
                })
                .collect()
        } else {
            let n = self.reals.len();
            self.ps
                .iter()
                .map(|p| {
                    ScalarValue::Float64((n > 0).then(|| {
                        *self
                            .reals
                            .select_nth_unstable_by(rank(n, *p), f64::total_cmp)
                            .1
                    }))
                })
                .collect()
        };
        let dt = if self.integer {
            DataType::Int64
        } else {
            DataType::Float64
        };
        Ok(ScalarValue::List(ScalarValue::new_list_nullable(
            &results, &dt,
        )))
    }
    fn size(&self) -> usize {
        std::mem::size_of_val(self) + self.ints.capacity() * 8 + self.reals.capacity() * 8
    }
    fn state(&mut self) -> DfResult<Vec<ScalarValue>> {
        Ok(vec![self.values()])
    }
    fn merge_batch(&mut self, states: &[ArrayRef]) -> DfResult<()> {
        let Some(array) = states.first() else {
            return Ok(());
        };
        let list: &ListArray = array.as_list::<i32>();
        for row in 0..list.len() {
            if !list.is_null(row) {
                let inner = list.value(row);
                self.add_array(inner.as_ref());
            }
        }
        Ok(())
    }
}

/// The series of `make-series`: values placed by bin index, `default`
/// elsewhere.
struct SeriesAgg {
    name: String,
    nbins: usize,
    default: Json,
    ty: KqlType,
    signature: Signature,
}

identified_by_name!(SeriesAgg);

impl AggregateUDFImpl for SeriesAgg {
    fn name(&self) -> &str {
        &self.name
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn return_type(&self, _arg_types: &[DataType]) -> DfResult<DataType> {
        Ok(DataType::Utf8)
    }
    fn accumulator(&self, _args: AccumulatorArgs) -> DfResult<Box<dyn Accumulator>> {
        Ok(Box::new(SeriesAccumulator {
            ty: self.ty,
            values: vec![self.default.clone(); self.nbins],
            default: self.default.clone(),
        }))
    }
    fn state_fields(&self, args: StateFieldsArgs) -> DfResult<Vec<FieldRef>> {
        Ok(vec![Arc::new(Field::new(
            format!("{}_state", args.name),
            DataType::Utf8,
            true,
        ))])
    }
}

#[derive(Debug)]
struct SeriesAccumulator {
    ty: KqlType,
    values: Vec<Json>,
    default: Json,
}

impl Accumulator for SeriesAccumulator {
    fn update_batch(&mut self, values: &[ArrayRef]) -> DfResult<()> {
        let (Some(idx), Some(v)) = (values.first(), values.get(1)) else {
            return Ok(());
        };
        let idx = idx.as_primitive::<Int64Type>();
        for row in 0..idx.len() {
            if idx.is_null(row) {
                continue;
            }
            let Ok(i) = usize::try_from(idx.value(row)) else {
                continue;
            };
            if let Some(slot) = self.values.get_mut(i) {
                let value = Value::from_array(v.as_ref(), row, self.ty);
                if !value.is_null() {
                    *slot = value.to_json();
                }
            }
        }
        Ok(())
    }
    fn evaluate(&mut self) -> DfResult<ScalarValue> {
        Ok(ScalarValue::Utf8(Some(
            Json::Array(self.values.clone()).to_string(),
        )))
    }
    fn size(&self) -> usize {
        std::mem::size_of_val(self) + self.values.len() * 24
    }
    fn state(&mut self) -> DfResult<Vec<ScalarValue>> {
        self.evaluate().map(|v| vec![v])
    }
    fn merge_batch(&mut self, states: &[ArrayRef]) -> DfResult<()> {
        // Partial series only differ where a bin had data: keep any value
        // that is not the default.
        let Some(array) = states.first() else {
            return Ok(());
        };
        let strings = array.as_string::<i32>();
        for row in 0..strings.len() {
            if strings.is_null(row) {
                continue;
            }
            if let Ok(Json::Array(items)) = serde_json::from_str::<Json>(strings.value(row)) {
                for (slot, item) in self.values.iter_mut().zip(items) {
                    if item != self.default && !item.is_null() {
                        *slot = item;
                    }
                }
            }
        }
        Ok(())
    }
}
