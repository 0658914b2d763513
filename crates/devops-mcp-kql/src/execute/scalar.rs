//! Scalar expressions: literals, names, operators with KQL's type rules,
//! property access on dynamic values, and calls, compiled to DataFusion
//! expressions with explicit casts (the planner never relies on
//! DataFusion's SQL coercions, which differ from KQL's).

use datafusion::common::ScalarValue;
use datafusion::logical_expr::{
    Expr, Operator as DfOp, binary_expr, cast, in_list, lit, not, when,
};
use serde_json::Value as Json;

use super::dynamic::{PathOut, PathStep, json_path};
use super::plan::{Binding, Expr2, Frame, Planner, Typed};
use super::strings::{SetKind, StrOp, Term, str_predicate, str_set_predicate};
use super::udf::{row_call, row_fn};
use super::value::{Value, arrow_type};
use crate::ast::{self, BinaryOp, ExprKind, ListOp, Literal, UnaryOp};
use crate::error::KqlError;
use crate::functions::{self, Naming};
use crate::span::Span;
use crate::types::KqlType;

/// Numeric rank for promotion: int < long < real.
fn numeric_rank(t: KqlType) -> u8 {
    match t {
        KqlType::Int | KqlType::Bool => 0,
        KqlType::Long => 1,
        _ => 2,
    }
}

fn is_num(t: KqlType) -> bool {
    t.is_numeric()
}

fn promote(a: KqlType, b: KqlType) -> KqlType {
    let t = if numeric_rank(a) >= numeric_rank(b) {
        a
    } else {
        b
    };
    match t {
        KqlType::Decimal => KqlType::Real,
        KqlType::Bool => KqlType::Int,
        other => other,
    }
}

/// A literal's value and type.
pub(crate) fn literal_value(lit: &Literal) -> Option<(Value, KqlType)> {
    Some(match lit {
        Literal::Null => (Value::Null, KqlType::Dynamic),
        Literal::Bool(v) => (v.map_or(Value::Null, Value::Bool), KqlType::Bool),
        Literal::Int(v) => (v.map_or(Value::Null, Value::Int), KqlType::Int),
        Literal::Long(v) => (v.map_or(Value::Null, Value::Long), KqlType::Long),
        Literal::Real(v) => (v.map_or(Value::Null, Value::Real), KqlType::Real),
        Literal::Decimal(v) => (
            v.as_ref()
                .and_then(|t| t.parse::<f64>().ok())
                .map_or(Value::Null, Value::Real),
            KqlType::Decimal,
        ),
        Literal::String(s) => (Value::String(s.clone()), KqlType::String),
        Literal::DateTime(v) => (
            v.and_then(|t| t.checked_mul(100))
                .map_or(Value::Null, Value::DateTime),
            KqlType::DateTime,
        ),
        Literal::Timespan(v) => (
            v.and_then(|t| t.checked_mul(100))
                .map_or(Value::Null, Value::Timespan),
            KqlType::Timespan,
        ),
        Literal::Guid(v) => (v.clone().map_or(Value::Null, Value::Guid), KqlType::Guid),
        Literal::Invalid { .. } => return None,
    })
}

/// The JSON of a `dynamic(...)` literal.
pub(crate) fn dynamic_json(v: &ast::DynamicValue) -> Json {
    match &v.kind {
        ast::DynamicKind::Null | ast::DynamicKind::ClientParameter(_) => Json::Null,
        ast::DynamicKind::Scalar(l) => match literal_value(l) {
            Some((value, _)) => value.to_json(),
            None => Json::Null,
        },
        ast::DynamicKind::Array(items) => Json::Array(items.iter().map(dynamic_json).collect()),
        ast::DynamicKind::Object(pairs) => Json::Object(
            pairs
                .iter()
                .map(|p| (p.key.clone(), dynamic_json(&p.value)))
                .collect(),
        ),
    }
}

impl<'q> Planner<'q> {
    /// Compiles a scalar expression evaluated on the rows of `row`.
    pub(crate) fn scalar(&mut self, e: &'q Expr2, row: &Frame) -> Result<Typed, KqlError> {
        match &e.kind {
            ExprKind::Literal(l) => match literal_value(l) {
                Some((v, ty)) => Ok(Typed::value(&v, ty)),
                None => Err(self.error("invalid-literal", e.span, "Invalid literal.".into())),
            },
            ExprKind::Name(ident) => self.name_value(&ident.name, e.span, row),
            ExprKind::Paren(inner) => {
                if self.is_tabular(inner) {
                    self.scalar_subquery_value(inner)
                } else {
                    self.scalar(inner, row)
                }
            }
            ExprKind::Dynamic(v) => Ok(Typed::value(
                &Value::Dynamic(dynamic_json(v)),
                KqlType::Dynamic,
            )),
            ExprKind::Member { .. } | ExprKind::Index { .. } => {
                self.property(e, row, PathOut::Dynamic)
            }
            ExprKind::Call { name, args } => self.call(&name.name, args, e.span, row),
            ExprKind::Unary { op, operand } => {
                let t = self.scalar(operand, row)?;
                let t = if t.ty == KqlType::Dynamic {
                    self.convert(t, KqlType::Real)
                } else {
                    t
                };
                Ok(match op {
                    UnaryOp::Plus => t,
                    UnaryOp::Neg => {
                        let zero = Value::Long(0).to_scalar(t.ty);
                        Typed::new(binary_expr(lit(zero), DfOp::Minus, t.expr), t.ty)
                    }
                })
            }
            ExprKind::Binary { op, left, right } => {
                if matches!(left.kind, ExprKind::Star) {
                    return Err(self.unsupported(e.span, "Searching all columns with `*`"));
                }
                let l = self.scalar(left, row)?;
                let r = self.scalar(right, row)?;
                self.binary(*op, l, r, e.span)
            }
            ExprKind::List { op, left, list } => self.list_op(*op, left, list, row),
            ExprKind::Between {
                negated,
                left,
                low,
                high,
            } => {
                let l = self.scalar(left, row)?;
                let lo = self.scalar(low, row)?;
                let mut hi = self.scalar(high, row)?;
                if l.ty == KqlType::DateTime && hi.ty == KqlType::Timespan {
                    hi = self.binary(BinaryOp::Add, lo.clone(), hi, e.span)?;
                }
                let ge = self.binary(BinaryOp::Ge, l.clone(), lo, e.span)?;
                let le = self.binary(BinaryOp::Le, l, hi, e.span)?;
                let both = ge.expr.and(le.expr);
                Ok(Typed::new(
                    if *negated { not(both) } else { both },
                    KqlType::Bool,
                ))
            }
            ExprKind::ToScalar { expr, .. } => self.scalar_subquery_value(expr),
            ExprKind::Star => Err(self.unsupported(e.span, "`*` here")),
            _ => {
                if self.is_tabular(e) {
                    self.scalar_subquery_value(e)
                } else {
                    Err(self.unsupported(e.span, "This expression"))
                }
            }
        }
    }

    /// `toscalar(T)`: the first column of the first row of `T`.
    fn scalar_subquery_value(&mut self, e: &'q Expr2) -> Result<Typed, KqlError> {
        if !self.is_tabular(e) {
            // `toscalar(2)`, `toscalar(new_guid())`: evaluated once.
            let row = Frame::one_row()?;
            return self.scalar(e, &row);
        }
        let frame = self.table(e)?;
        let Some(first) = frame.cols.first().cloned() else {
            return Err(self.error(
                "scalar-query",
                e.span,
                "toscalar() needs a table with a column.".into(),
            ));
        };
        let projected = frame.project(vec![(
            first.name.clone(),
            Typed::new(super::plan::col_ref(&first.name), first.ty),
        )])?;
        let plan = datafusion::logical_expr::LogicalPlanBuilder::from(projected.plan)
            .limit(0, Some(1))?
            .build()?;
        // Evaluated before the main query (so that it can be a `range`
        // bound or a `take` count): the first pass asks for it.
        let key = format!("{:?}|{}", e.span, plan.display_indent());
        if let Some(super::plan::Resolved::Value(v)) = self.resolved.get(&key) {
            return Ok(Typed::value(v, first.ty));
        }
        self.pending = Some(super::plan::Pending {
            key,
            frame: Frame {
                plan,
                cols: vec![first],
                order: Vec::new(),
            },
            kind: super::plan::PendingKind::Scalar,
        });
        Err(self.error(
            "pending",
            e.span,
            "This value is computed from data before the query runs.".into(),
        ))
    }

    /// A name in a row context: a column, then a `let` binding.
    fn name_value(&mut self, name: &str, span: Span, row: &Frame) -> Result<Typed, KqlError> {
        if let Some(t) = row.column(name) {
            return Ok(t);
        }
        match self.lookup(name).cloned() {
            Some(Binding::Scalar(t)) => Ok(t),
            Some(Binding::Function(decl)) => {
                match self.call_function(decl, &[], None, span, Some(row))? {
                    Binding::Scalar(t) => Ok(t),
                    _ => Err(self.error(
                        "tabular-as-scalar",
                        span,
                        format!("`{name}` is a table, but a single value is expected here."),
                    )),
                }
            }
            Some(Binding::Table(_)) => Err(self.error(
                "tabular-as-scalar",
                span,
                format!("`{name}` is a table, but a single value is expected here; use toscalar({name})."),
            )),
            None => {
                let names: Vec<&str> = row.cols.iter().map(|c| c.name.as_str()).collect();
                let suggestion = crate::diagnostic::closest(name, names.iter().copied());
                let message = match &suggestion {
                    Some(s) => format!("Unknown column `{name}`. Did you mean `{s}`? Columns: {}.", names.join(", ")),
                    None => format!("Unknown column `{name}`. Columns: {}.", names.join(", ")),
                };
                Err(self.error("unknown-column", span, message))
            }
        }
    }

    /// Property access: `d.a.b`, `d["k"]`, `d[0]`.
    pub(crate) fn property(
        &mut self,
        e: &'q Expr2,
        row: &Frame,
        out: PathOut,
    ) -> Result<Typed, KqlError> {
        let mut steps = Vec::new();
        let mut extra = Vec::new();
        let mut cursor = e;
        loop {
            match &cursor.kind {
                ExprKind::Member { target, member } => {
                    match &member.kind {
                        ExprKind::Name(n) => steps.push(PathStep::Key(n.name.clone())),
                        _ => return Err(self.unsupported(member.span, "This member access")),
                    }
                    cursor = target;
                }
                ExprKind::Index { target, index } => {
                    match &index.kind {
                        ExprKind::Literal(Literal::String(s)) => {
                            steps.push(PathStep::Key(s.clone()))
                        }
                        ExprKind::Literal(Literal::Long(Some(i))) => {
                            steps.push(PathStep::Index(*i))
                        }
                        ExprKind::Literal(Literal::Int(Some(i))) => {
                            steps.push(PathStep::Index(i64::from(*i)));
                        }
                        ExprKind::Unary {
                            op: UnaryOp::Neg,
                            operand,
                        } if matches!(operand.kind, ExprKind::Literal(Literal::Long(Some(_)))) => {
                            if let ExprKind::Literal(Literal::Long(Some(i))) = operand.kind {
                                steps.push(PathStep::Index(-i));
                            }
                        }
                        _ => {
                            let t = self.scalar(index, row)?;
                            let t = match t.ty {
                                KqlType::Int | KqlType::Long => self.convert(t, KqlType::Long),
                                _ => self.convert(t, KqlType::String),
                            };
                            steps.push(PathStep::Arg);
                            extra.push(t.expr);
                        }
                    }
                    cursor = target;
                }
                _ => break,
            }
        }
        steps.reverse();
        extra.reverse();
        // A column whose name has a dot (`['a.b']`) is not a path.
        let base = self.scalar(cursor, row)?;
        let base = if base.ty == KqlType::Dynamic || base.ty == KqlType::String {
            base
        } else {
            self.convert(base, KqlType::Dynamic)
        };
        let ty = match out {
            PathOut::Dynamic => KqlType::Dynamic,
            PathOut::String => KqlType::String,
        };
        Ok(Typed::new(json_path(base.expr, steps, extra, out), ty))
    }

    /// A binary operator with KQL's typing.
    pub(crate) fn binary(
        &mut self,
        op: BinaryOp,
        l: Typed,
        r: Typed,
        span: Span,
    ) -> Result<Typed, KqlError> {
        use KqlType::{DateTime as D, Dynamic, Timespan as S};
        match op {
            BinaryOp::Add | BinaryOp::Sub | BinaryOp::Mul | BinaryOp::Div | BinaryOp::Mod => {
                let (l, r) = self.unify_dynamic_arith(l, r);
                let df_op = match op {
                    BinaryOp::Add => DfOp::Plus,
                    BinaryOp::Sub => DfOp::Minus,
                    BinaryOp::Mul => DfOp::Multiply,
                    BinaryOp::Div => DfOp::Divide,
                    _ => DfOp::Modulo,
                };
                let int64 = |t: Typed| cast(t.expr, arrow_type(KqlType::Long));
                let f64e = |t: Typed| cast(t.expr, arrow_type(KqlType::Real));
                match (op, l.ty, r.ty) {
                    (_, a, b) if is_num(a) && is_num(b) || (a == KqlType::Bool && is_num(b)) => {
                        let ty = promote(a, b);
                        let le = cast(l.expr, arrow_type(ty));
                        let mut re = cast(r.expr, arrow_type(ty));
                        if ty != KqlType::Real && matches!(op, BinaryOp::Div | BinaryOp::Mod) {
                            re = nonzero(re, ty);
                        }
                        if op == BinaryOp::Mod {
                            // KQL's modulo is never negative: -14 % 12 == 10,
                            // -14 % -12 == 10.
                            let divisor = datafusion::functions::math::expr_fn::abs(re.clone());
                            let m = binary_expr(le, DfOp::Modulo, re);
                            let shifted = binary_expr(m, DfOp::Plus, divisor.clone());
                            return Ok(Typed::new(binary_expr(shifted, DfOp::Modulo, divisor), ty));
                        }
                        Ok(Typed::new(binary_expr(le, df_op, re), ty))
                    }
                    (BinaryOp::Add, D, S) | (BinaryOp::Add, S, D) => {
                        Ok(Typed::new(binary_expr(l.expr, DfOp::Plus, r.expr), D))
                    }
                    (BinaryOp::Sub, D, D) => {
                        Ok(Typed::new(binary_expr(l.expr, DfOp::Minus, r.expr), S))
                    }
                    (BinaryOp::Sub, D, S) => {
                        Ok(Typed::new(binary_expr(l.expr, DfOp::Minus, r.expr), D))
                    }
                    (BinaryOp::Add | BinaryOp::Sub, S, S) => {
                        Ok(Typed::new(binary_expr(l.expr, df_op, r.expr), S))
                    }
                    (BinaryOp::Mul, S, n) | (BinaryOp::Mul, n, S) if is_num(n) => {
                        let (ts, num) = if l.ty == S { (l, r) } else { (r, l) };
                        if matches!(num.ty, KqlType::Int | KqlType::Long) {
                            Ok(Typed::new(
                                binary_expr(ts.expr, DfOp::Multiply, int64(num)),
                                S,
                            ))
                        } else {
                            Ok(Typed::new(
                                cast(
                                    binary_expr(f64e(ts), DfOp::Multiply, f64e(num)),
                                    arrow_type(S),
                                ),
                                S,
                            ))
                        }
                    }
                    (BinaryOp::Div, S, n) if is_num(n) => {
                        if matches!(n, KqlType::Int | KqlType::Long) {
                            Ok(Typed::new(
                                binary_expr(l.expr, DfOp::Divide, nonzero(int64(r), KqlType::Long)),
                                S,
                            ))
                        } else {
                            Ok(Typed::new(
                                cast(binary_expr(f64e(l), DfOp::Divide, f64e(r)), arrow_type(S)),
                                S,
                            ))
                        }
                    }
                    (BinaryOp::Div, S, S) => Ok(Typed::new(
                        binary_expr(f64e(l), DfOp::Divide, f64e(r)),
                        KqlType::Real,
                    )),
                    (BinaryOp::Mod, S, S) => Ok(Typed::new(
                        binary_expr(l.expr, DfOp::Modulo, nonzero(r.expr, KqlType::Long)),
                        S,
                    )),
                    (_, a, b) => Err(self.error(
                        "type-mismatch",
                        span,
                        format!("`{}` cannot combine {a} and {b}.", op.text()),
                    )),
                }
            }
            BinaryOp::Eq
            | BinaryOp::Ne
            | BinaryOp::Lt
            | BinaryOp::Le
            | BinaryOp::Gt
            | BinaryOp::Ge => {
                let df_op = match op {
                    BinaryOp::Eq => DfOp::Eq,
                    BinaryOp::Ne => DfOp::NotEq,
                    BinaryOp::Lt => DfOp::Lt,
                    BinaryOp::Le => DfOp::LtEq,
                    BinaryOp::Gt => DfOp::Gt,
                    _ => DfOp::GtEq,
                };
                let (l, r) = self.unify_compare(l, r, matches!(op, BinaryOp::Eq | BinaryOp::Ne));
                if l.ty == Dynamic && r.ty == Dynamic && !matches!(op, BinaryOp::Eq | BinaryOp::Ne)
                {
                    let (l, r) = (
                        self.convert(l, KqlType::Real),
                        self.convert(r, KqlType::Real),
                    );
                    return Ok(Typed::new(
                        binary_expr(l.expr, df_op, r.expr),
                        KqlType::Bool,
                    ));
                }
                if matches!(op, BinaryOp::Eq | BinaryOp::Ne) {
                    return Ok(Typed::new(
                        null_aware_equality(op == BinaryOp::Eq, l, r),
                        KqlType::Bool,
                    ));
                }
                Ok(Typed::new(
                    binary_expr(l.expr, df_op, r.expr),
                    KqlType::Bool,
                ))
            }
            BinaryOp::And | BinaryOp::Or => {
                let l = self.to_bool(l);
                let r = self.to_bool(r);
                let e = if op == BinaryOp::And {
                    l.expr.and(r.expr)
                } else {
                    l.expr.or(r.expr)
                };
                Ok(Typed::new(e, KqlType::Bool))
            }
            BinaryOp::EqTilde | BinaryOp::NotTilde => {
                let (l, r) = (self.to_text(l), self.to_text(r));
                Ok(Typed::new(
                    str_predicate(
                        StrOp::Equals(false),
                        op == BinaryOp::NotTilde,
                        l.expr,
                        r.expr,
                    ),
                    KqlType::Bool,
                ))
            }
            BinaryOp::Like | BinaryOp::NotLike | BinaryOp::LikeCs | BinaryOp::NotLikeCs => {
                let (l, r) = (self.to_text(l), self.to_text(r));
                let negated = matches!(op, BinaryOp::NotLike | BinaryOp::NotLikeCs);
                let ci = matches!(op, BinaryOp::Like | BinaryOp::NotLike);
                let e = Expr::Like(datafusion::logical_expr::Like::new(
                    negated,
                    Box::new(l.expr),
                    Box::new(r.expr),
                    None,
                    ci,
                ));
                Ok(Typed::new(e, KqlType::Bool))
            }
            BinaryOp::MatchesRegex => {
                let (l, r) = (self.to_text(l), self.to_text(r));
                Ok(super::functions::regex_match(l.expr, r.expr))
            }
            _ => {
                let (strop, negated) = string_op(op);
                let (l, r) = (self.to_text(l), self.to_text(r));
                Ok(Typed::new(
                    str_predicate(strop, negated, l.expr, r.expr),
                    KqlType::Bool,
                ))
            }
        }
    }

    /// Converts a dynamic operand of arithmetic to the other side's type.
    fn unify_dynamic_arith(&mut self, l: Typed, r: Typed) -> (Typed, Typed) {
        let target = |other: KqlType| match other {
            KqlType::DateTime | KqlType::Timespan => KqlType::Timespan,
            KqlType::Dynamic => KqlType::Real,
            t if t.is_numeric() => KqlType::Real,
            t => t,
        };
        match (l.ty, r.ty) {
            (KqlType::Dynamic, o) => {
                let t = if o == KqlType::Dynamic {
                    KqlType::Real
                } else {
                    target(o)
                };
                let l = self.convert(l, t);
                let r = if o == KqlType::Dynamic {
                    self.convert(r, KqlType::Real)
                } else {
                    r
                };
                (l, r)
            }
            (o, KqlType::Dynamic) => {
                let t = target(o);
                let r = self.convert(r, t);
                (l, r)
            }
            (KqlType::Bool, o) if o.is_numeric() => (self.convert(l, KqlType::Long), r),
            _ => (l, r),
        }
    }

    /// Brings both sides of a comparison to one type.
    fn unify_compare(&mut self, l: Typed, r: Typed, equality: bool) -> (Typed, Typed) {
        use KqlType::*;
        match (l.ty, r.ty) {
            (a, b) if a == b => (l, r),
            (a, b) if is_num(a) && is_num(b) => {
                let ty = promote(a, b);
                (
                    Typed::new(cast(l.expr, arrow_type(ty)), ty),
                    Typed::new(cast(r.expr, arrow_type(ty)), ty),
                )
            }
            (Dynamic, o) => {
                let t = if is_num(o) { Real } else { o };
                let l = self.convert(l, t);
                let r = if t == o { r } else { self.convert(r, t) };
                (l, r)
            }
            (o, Dynamic) => {
                let t = if is_num(o) { Real } else { o };
                let r = self.convert(r, t);
                let l = if t == o { l } else { self.convert(l, t) };
                (l, r)
            }
            (String, Guid) | (Guid, String) => (self.to_text(l), self.to_text(r)),
            (DateTime, String) | (Timespan, String) => {
                let t = l.ty;
                let r = self.convert(r, t);
                (l, r)
            }
            (String, DateTime) | (String, Timespan) => {
                let t = r.ty;
                let l = self.convert(l, t);
                (l, r)
            }
            (Bool, o) if is_num(o) => (self.convert(l, Long), self.convert(r, Long)),
            (o, Bool) if is_num(o) => (self.convert(l, Long), self.convert(r, Long)),
            _ if equality => (self.to_text(l), self.to_text(r)),
            _ => (l, r),
        }
    }

    /// `in`, `!in`, `in~`, `!in~`, `has_any`, `has_all`.
    fn list_op(
        &mut self,
        op: ListOp,
        left: &'q Expr2,
        list: &'q [Expr2],
        row: &Frame,
    ) -> Result<Typed, KqlError> {
        let l = self.scalar(left, row)?;
        if let [only] = list
            && self.is_tabular(only)
        {
            let frame = self.table(only)?;
            let Some(first) = frame.cols.first().cloned() else {
                return Err(self.error(
                    "type-mismatch",
                    only.span,
                    "The table has no columns.".into(),
                ));
            };
            let target = if l.ty == KqlType::Dynamic {
                first.ty
            } else {
                l.ty
            };
            let l = self.convert(l, target);
            let value = self.convert(
                Typed::new(super::plan::col_ref(&first.name), first.ty),
                target,
            );
            let projected = frame.project(vec![("__in".into(), value)])?;
            let negated = matches!(op, ListOp::NotIn | ListOp::NotInCi);
            let e = if negated {
                datafusion::logical_expr::not_in_subquery(
                    l.expr,
                    std::sync::Arc::new(projected.plan),
                )
            } else {
                datafusion::logical_expr::in_subquery(l.expr, std::sync::Arc::new(projected.plan))
            };
            return Ok(Typed::new(e, KqlType::Bool));
        }
        // Constant items, with dynamic arrays flattened.
        let mut items: Vec<Typed> = Vec::new();
        let mut constants: Vec<Value> = Vec::new();
        let mut all_constant = true;
        for item in list {
            let t = self.scalar(item, row)?;
            match self.const_value(&t) {
                Some(Value::Dynamic(Json::Array(values))) => {
                    for v in values {
                        constants.push(Value::Dynamic(v));
                    }
                }
                Some(v) => constants.push(v),
                None => {
                    all_constant = false;
                    items.push(t);
                }
            }
        }
        match op {
            ListOp::HasAny | ListOp::HasAll | ListOp::InCi | ListOp::NotInCi if all_constant => {
                let terms: Vec<String> = constants.iter().map(Value::to_kql_string).collect();
                let l = self.to_text(l);
                let (kind, negated) = match op {
                    ListOp::HasAny => (SetKind::HasAny, false),
                    ListOp::HasAll => (SetKind::HasAll, false),
                    ListOp::InCi => (SetKind::InCi, false),
                    _ => (SetKind::InCi, true),
                };
                Ok(Typed::new(
                    str_set_predicate(kind, negated, l.expr, terms),
                    KqlType::Bool,
                ))
            }
            ListOp::HasAny | ListOp::HasAll | ListOp::InCi | ListOp::NotInCi => {
                let l = self.to_text(l);
                let mut parts = Vec::new();
                let strop = match op {
                    ListOp::InCi | ListOp::NotInCi => StrOp::Equals(false),
                    _ => StrOp::Has(Term::Whole, false),
                };
                for v in constants {
                    parts.push(str_predicate(
                        strop,
                        false,
                        l.expr.clone(),
                        lit(v.to_kql_string()),
                    ));
                }
                for t in items {
                    let t = self.to_text(t);
                    parts.push(str_predicate(strop, false, l.expr.clone(), t.expr));
                }
                let combined = if op == ListOp::HasAll {
                    parts.into_iter().reduce(Expr::and)
                } else {
                    parts.into_iter().reduce(Expr::or)
                }
                .unwrap_or(lit(false));
                Ok(Typed::new(
                    if op == ListOp::NotInCi {
                        not(combined)
                    } else {
                        combined
                    },
                    KqlType::Bool,
                ))
            }
            ListOp::In | ListOp::NotIn => {
                let target = if l.ty == KqlType::Dynamic {
                    constants
                        .iter()
                        .find_map(|v| match v {
                            Value::Dynamic(j) => Some(super::dynamic::json_kql_type(j)),
                            other => super::value::value_type(other),
                        })
                        .map(|t| if t.is_numeric() { KqlType::Real } else { t })
                        .unwrap_or(KqlType::String)
                } else if l.ty.is_numeric() {
                    KqlType::Real
                } else {
                    l.ty
                };
                let target = if l.ty.is_numeric()
                    && constants
                        .iter()
                        .all(|v| matches!(v, Value::Int(_) | Value::Long(_)))
                    && items.is_empty()
                {
                    promote(l.ty, KqlType::Long)
                } else {
                    target
                };
                let l = self.convert(l, target);
                let mut exprs: Vec<Expr> =
                    constants.iter().map(|v| lit(v.to_scalar(target))).collect();
                for t in items {
                    exprs.push(self.convert(t, target).expr);
                }
                Ok(Typed::new(
                    in_list(l.expr, exprs, op == ListOp::NotIn),
                    KqlType::Bool,
                ))
            }
        }
    }

    /// A value converted to a predicate.
    pub(crate) fn to_bool(&self, t: Typed) -> Typed {
        if t.ty == KqlType::Bool {
            t
        } else {
            self.convert(t, KqlType::Bool)
        }
    }

    /// A value as string text (`tostring` semantics).
    pub(crate) fn to_text(&self, t: Typed) -> Typed {
        match t.ty {
            KqlType::String => t,
            KqlType::Guid => Typed::new(t.expr, KqlType::String),
            _ => self.convert(t, KqlType::String),
        }
    }

    /// Converts with KQL's conversion rules (`tolong`, `tostring`, ...).
    pub(crate) fn convert(&self, t: Typed, ty: KqlType) -> Typed {
        use KqlType::*;
        if t.ty == ty || (t.ty == Decimal && ty == Real) || (t.ty == Real && ty == Decimal) {
            return Typed::new(t.expr, ty);
        }
        match (t.ty, ty) {
            (Int | Long | Real | Decimal | Bool, Int | Long | Real | Decimal) => {
                Typed::new(cast(t.expr, arrow_type(ty)), ty)
            }
            (Dynamic, String) => Typed::new(super::dynamic::dynamic_to_string(t.expr), String),
            (Guid, String) => Typed::new(t.expr, String),
            _ => {
                let from = t.ty;
                Typed::new(t_to_value_call(t.expr, from, ty), ty)
            }
        }
    }

    /// A sort key for dynamic values: numbers sort as numbers, the rest as
    /// text.
    pub(crate) fn dynamic_sort_key(&self, t: Typed) -> Typed {
        self.convert(t, KqlType::String)
    }

    /// The column name KQL gives an unnamed expression.
    pub(crate) fn result_name(&self, e: &Expr2, row: &Frame) -> Option<String> {
        match &e.kind {
            ExprKind::Paren(inner) => self.result_name(inner, row),
            ExprKind::Name(ident) => Some(ident.name.clone()),
            ExprKind::Member { target, member } => {
                let right = self.result_name(member, row)?;
                let dynamic_target = match &target.kind {
                    ExprKind::Name(n) => row.col(&n.name).is_none_or(|c| c.ty == KqlType::Dynamic),
                    ExprKind::Literal(_) => false,
                    _ => true,
                };
                if dynamic_target {
                    match self.result_name(target, row) {
                        Some(left) if !left.trim().is_empty() => Some(format!("{left}_{right}")),
                        _ => Some(right),
                    }
                } else {
                    Some(right)
                }
            }
            ExprKind::Index { target, index } => {
                let right = match &index.kind {
                    ExprKind::Literal(Literal::String(s)) => Some(s.clone()),
                    ExprKind::Literal(Literal::Long(Some(v))) => Some(v.to_string()),
                    ExprKind::Literal(Literal::Int(Some(v))) => Some(v.to_string()),
                    _ => None,
                }?;
                match self.result_name(target, row) {
                    Some(left) if !left.trim().is_empty() => Some(format!("{left}_{right}")),
                    _ => Some(right),
                }
            }
            ExprKind::Call { name, args } => {
                let first = args.first().map(|a| &a.expr);
                let arg_name = |i: usize| {
                    args.get(i)
                        .and_then(|a| self.result_name(&a.expr, row))
                        .unwrap_or_default()
                };
                match functions::naming(&name.name)? {
                    Naming::FirstArgument => first.and_then(|f| self.result_name(f, row)),
                    Naming::OnlyArgument if args.len() == 1 => {
                        first.and_then(|f| self.result_name(f, row))
                    }
                    Naming::OnlyArgument => None,
                    Naming::Prefix(prefix) => Some(format!("{prefix}_{}", arg_name(0))),
                    Naming::PrefixOnly(prefix) => Some(prefix.to_string()),
                    Naming::ColumnIfExists => match first.map(|f| &f.kind) {
                        Some(ExprKind::Literal(Literal::String(column)))
                            if row.col(column).is_some() =>
                        {
                            Some(column.clone())
                        }
                        _ => None,
                    },
                }
            }
            _ => None,
        }
    }

    /// Calls: user functions, aggregates (inside summarize) and built-ins.
    fn call(
        &mut self,
        name: &str,
        args: &'q [ast::NamedExpr],
        span: Span,
        row: &Frame,
    ) -> Result<Typed, KqlError> {
        if let Some(Binding::Function(decl)) = self.lookup(name).cloned() {
            return match self.call_function(decl, args, None, span, Some(row))? {
                Binding::Scalar(t) => Ok(t),
                _ => Err(self.error(
                    "tabular-as-scalar",
                    span,
                    format!(
                        "Function `{name}` returns a table, but a single value is expected here."
                    ),
                )),
            };
        }
        let is_aggregate = functions::signature(name).is_some_and(|s| s.aggregate)
            || (functions::is_known_aggregate(name) && !functions::is_known_scalar(name));
        if is_aggregate {
            if self.agg.is_some() {
                return self.aggregate_call(name, args, span);
            }
            return Err(self.error(
                "aggregate-outside-summarize",
                span,
                format!("`{name}` is an aggregation function; use it in summarize."),
            ));
        }
        self.builtin(name, args, span, row)
    }
}

/// KQL's `==` / `!=` with nulls: a null equals nothing (`==` is false,
/// `!=` is true) unless both sides are null (the result is null).
fn null_aware_equality(eq: bool, l: Typed, r: Typed) -> Expr {
    let is_lit = |e: &Expr| matches!(e, Expr::Literal(v, _) if !v.is_null());
    let strings = l.ty == KqlType::String && r.ty == KqlType::String;
    let plain = if eq {
        l.expr.clone().eq(r.expr.clone())
    } else {
        l.expr.clone().not_eq(r.expr.clone())
    };
    if strings && (is_lit(&l.expr) || is_lit(&r.expr)) {
        // Strings are rarely null (outer joins); compare as text.
        return plain;
    }
    let fallback = lit(!eq);
    let one_null = datafusion::functions::core::expr_fn::coalesce(vec![plain, fallback]);
    if is_lit(&l.expr) || is_lit(&r.expr) {
        return one_null;
    }
    when(
        l.expr.is_null().and(r.expr.is_null()),
        lit(ScalarValue::Boolean(None)),
    )
    .otherwise(one_null.clone())
    .unwrap_or(one_null)
}

/// Guards an integer divisor: zero becomes null (KQL gives null, not an
/// error, for integer division by zero).
fn nonzero(divisor: Expr, ty: KqlType) -> Expr {
    let zero = Value::Long(0).to_scalar(ty);
    let null = Value::Null.to_scalar(ty);
    when(divisor.clone().eq(lit(zero)), lit(null))
        .otherwise(divisor)
        .unwrap_or_else(|_| lit(ScalarValue::Null))
}

/// A row-function call converting values of type `from` to `to`.
fn t_to_value_call(e: Expr, from: KqlType, to: KqlType) -> Expr {
    row_call(
        &format!("kql_convert_{}", to.name()),
        &[from],
        to,
        false,
        row_fn(move |args| args.first().map_or(Value::Null, |v| v.convert(to))),
        vec![e],
    )
}

/// The string operator and negation of a binary operator.
fn string_op(op: BinaryOp) -> (StrOp, bool) {
    use BinaryOp::*;
    match op {
        Has => (StrOp::Has(Term::Whole, false), false),
        NotHas => (StrOp::Has(Term::Whole, false), true),
        HasCs => (StrOp::Has(Term::Whole, true), false),
        NotHasCs => (StrOp::Has(Term::Whole, true), true),
        HasPrefix => (StrOp::Has(Term::Prefix, false), false),
        NotHasPrefix => (StrOp::Has(Term::Prefix, false), true),
        HasPrefixCs => (StrOp::Has(Term::Prefix, true), false),
        NotHasPrefixCs => (StrOp::Has(Term::Prefix, true), true),
        HasSuffix => (StrOp::Has(Term::Suffix, false), false),
        NotHasSuffix => (StrOp::Has(Term::Suffix, false), true),
        HasSuffixCs => (StrOp::Has(Term::Suffix, true), false),
        NotHasSuffixCs => (StrOp::Has(Term::Suffix, true), true),
        Contains => (StrOp::Contains(false), false),
        NotContains => (StrOp::Contains(false), true),
        ContainsCs => (StrOp::Contains(true), false),
        NotContainsCs => (StrOp::Contains(true), true),
        StartsWith => (StrOp::StartsWith(false), false),
        NotStartsWith => (StrOp::StartsWith(false), true),
        StartsWithCs => (StrOp::StartsWith(true), false),
        NotStartsWithCs => (StrOp::StartsWith(true), true),
        EndsWith => (StrOp::EndsWith(false), false),
        NotEndsWith => (StrOp::EndsWith(false), true),
        EndsWithCs => (StrOp::EndsWith(true), false),
        NotEndsWithCs => (StrOp::EndsWith(true), true),
        _ => (StrOp::Has(Term::Whole, false), false),
    }
}
