//! Scalar expressions: name resolution against the row, operator and
//! function typing, and the column name a projection gives an expression.

use super::{Analyzer, Binding, Schema, Value};
use crate::ast::{BinaryOp, Expr, ExprKind, Literal, NamedExpr, UnaryOp};
use crate::diagnostic::closest;
use crate::functions::{self, Arg, Naming, Ret};
use crate::span::Span;
use crate::types::{KqlType, comparable, promote_numeric};

/// Functions whose call produces a table.
pub(crate) fn is_tabular_function(name: &str) -> bool {
    matches!(
        name,
        "table"
            | "database"
            | "cluster"
            | "materialized_view"
            | "external_table"
            | "stored_query_result"
            | "graph"
    )
}

/// True for `cluster(...)`, `database(...)` and paths built on them.
pub(crate) fn is_entity_path(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Call { name, .. } => matches!(name.name.as_str(), "cluster" | "database"),
        ExprKind::Member { target, .. } => is_entity_path(target),
        _ => false,
    }
}

/// True for expressions that are syntactically tabular.
pub(crate) fn is_tabular_syntax(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Pipe { .. }
        | ExprKind::Operator(_)
        | ExprKind::DataTable { .. }
        | ExprKind::ExternalData { .. }
        | ExprKind::ToTable { .. }
        | ExprKind::Materialize(_) => true,
        ExprKind::Paren(inner) => is_tabular_syntax(inner),
        _ => false,
    }
}

fn literal_type(lit: &Literal) -> Option<KqlType> {
    Some(match lit {
        Literal::Null | Literal::Invalid { .. } => return None,
        Literal::Bool(_) => KqlType::Bool,
        Literal::Int(_) => KqlType::Int,
        Literal::Long(_) => KqlType::Long,
        Literal::Real(_) => KqlType::Real,
        Literal::Decimal(_) => KqlType::Decimal,
        Literal::String(_) => KqlType::String,
        Literal::DateTime(_) => KqlType::DateTime,
        Literal::Timespan(_) => KqlType::Timespan,
        Literal::Guid(_) => KqlType::Guid,
    })
}

fn type_desc(t: Option<KqlType>) -> String {
    t.map_or_else(|| "unknown".to_string(), |t| t.name().to_string())
}

/// Result type of arithmetic, or `Err` when the types do not combine.
fn arithmetic(op: BinaryOp, l: KqlType, r: KqlType) -> Result<Option<KqlType>, ()> {
    use KqlType::{DateTime as D, Dynamic, Timespan as S};
    if l == Dynamic || r == Dynamic {
        return Ok(None);
    }
    let num = |t: KqlType| t.is_numeric();
    let t = match op {
        BinaryOp::Add => match (l, r) {
            _ if num(l) && num(r) => promote_numeric(l, r),
            (D, S) | (S, D) => D,
            (S, S) => S,
            _ => return Err(()),
        },
        BinaryOp::Sub => match (l, r) {
            _ if num(l) && num(r) => promote_numeric(l, r),
            (D, D) | (S, S) => S,
            (D, S) => D,
            _ => return Err(()),
        },
        BinaryOp::Mul => match (l, r) {
            _ if num(l) && num(r) => promote_numeric(l, r),
            (S, n) | (n, S) if num(n) => S,
            _ => return Err(()),
        },
        BinaryOp::Div => match (l, r) {
            _ if num(l) && num(r) => promote_numeric(l, r),
            (S, n) if num(n) => S,
            (S, S) => KqlType::Real,
            _ => return Err(()),
        },
        BinaryOp::Mod => match (l, r) {
            _ if num(l) && num(r) => promote_numeric(l, r),
            (S, S) => S,
            _ => return Err(()),
        },
        _ => return Err(()),
    };
    Ok(Some(t))
}

/// A name fragment from a literal argument (`95` -> `95`, `99.9` -> `99_9`).
fn name_fragment(e: &Expr) -> String {
    let text = match &e.kind {
        ExprKind::Literal(Literal::Long(Some(v))) => v.to_string(),
        ExprKind::Literal(Literal::Int(Some(v))) => v.to_string(),
        ExprKind::Literal(Literal::Real(Some(v))) => v.to_string(),
        ExprKind::Literal(Literal::String(s)) => s.clone(),
        _ => String::new(),
    };
    text.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

impl<'a> Analyzer<'a> {
    /// The type of a scalar expression evaluated on rows of `row`.
    pub(crate) fn scalar(&mut self, e: &'a Expr, row: &Schema) -> Option<KqlType> {
        match &e.kind {
            ExprKind::Literal(lit) => {
                if let Literal::Invalid { ty, reason } = lit {
                    self.error(
                        "invalid-literal",
                        e.span,
                        format!("Invalid {ty} literal: {reason}."),
                        None,
                    );
                }
                literal_type(lit)
            }
            ExprKind::Name(ident) => self.column(&ident.name, e.span, row),
            ExprKind::Paren(inner) if !is_tabular_syntax(inner) => self.scalar(inner, row),
            ExprKind::Dynamic(_) => Some(KqlType::Dynamic),
            ExprKind::Star | ExprKind::At | ExprKind::TypeOf(_) | ExprKind::Wildcard(_) => None,
            ExprKind::Member { target, member } => self.member(target, member, row),
            ExprKind::Index { target, index } => {
                let t = self.scalar(target, row);
                self.scalar(index, row);
                match t {
                    None => None,
                    Some(KqlType::Dynamic) => Some(KqlType::Dynamic),
                    Some(other) => {
                        self.error(
                            "type-mismatch",
                            e.span,
                            format!("`[...]` indexes dynamic arrays and property bags, but this value has type {other}."),
                            None,
                        );
                        None
                    }
                }
            }
            ExprKind::Call { .. } => self.call(e, row),
            ExprKind::Unary { op, operand } => {
                let t = self.scalar(operand, row);
                match t {
                    Some(t) if t.is_summable() || t == KqlType::Dynamic => Some(t),
                    None => None,
                    Some(other) => {
                        let symbol = if *op == UnaryOp::Neg { "-" } else { "+" };
                        self.error(
                            "type-mismatch",
                            e.span,
                            format!("Unary `{symbol}` needs a number or timespan, not {other}."),
                            None,
                        );
                        None
                    }
                }
            }
            ExprKind::Binary { op, left, right } => self.binary(*op, left, right, e.span, row),
            ExprKind::List { left, list, .. } => {
                self.scalar(left, row);
                if list.len() == 1 && self.is_table_operand(&list[0]) {
                    let schema = self.table(&list[0]);
                    if !schema.open && schema.cols.len() != 1 {
                        self.error(
                            "type-mismatch",
                            list[0].span,
                            format!(
                                "The table on the right of `in` must have exactly one column, this one has {}.",
                                schema.cols.len()
                            ),
                            None,
                        );
                    }
                } else {
                    for item in list {
                        self.scalar(item, row);
                    }
                }
                Some(KqlType::Bool)
            }
            ExprKind::Between {
                left, low, high, ..
            } => {
                let l = self.scalar(left, row);
                for bound in [low, high] {
                    let b = self.scalar(bound, row);
                    if let (Some(l), Some(b)) = (l, b) {
                        let ok =
                            comparable(l, b) || (l == KqlType::DateTime && b == KqlType::Timespan);
                        if !ok {
                            self.error(
                                "type-mismatch",
                                bound.span,
                                format!("`between` compares {l} with {b}."),
                                None,
                            );
                        }
                    }
                }
                Some(KqlType::Bool)
            }
            ExprKind::ToScalar { expr, .. } => match self.value(expr) {
                Value::Table(schema) => schema.cols.first().and_then(|c| c.ty),
                Value::Scalar(t) => t,
                Value::Unknown => None,
            },
            ExprKind::Paren(_)
            | ExprKind::Pipe { .. }
            | ExprKind::Operator(_)
            | ExprKind::DataTable { .. }
            | ExprKind::ExternalData { .. }
            | ExprKind::ToTable { .. }
            | ExprKind::Materialize(_)
            | ExprKind::DataScope { .. }
            | ExprKind::EntityGroup(_) => {
                self.table(e);
                self.error(
                    "tabular-as-scalar",
                    e.span,
                    "A table is used where a single value is expected; wrap it in toscalar(...) to use its first value."
                        .into(),
                    None,
                );
                None
            }
        }
    }

    /// True when a list operand of `in` is a table (a subquery or a table name).
    fn is_table_operand(&self, e: &Expr) -> bool {
        if is_tabular_syntax(e) {
            return true;
        }
        match &e.kind {
            ExprKind::Name(ident) => match self.lookup(&ident.name) {
                Some(Binding::Table(_)) => true,
                Some(Binding::Function { result, .. }) => matches!(result, Value::Table(_)),
                Some(Binding::Scalar(_)) => false,
                None => self.catalog.table(&ident.name).is_some(),
            },
            ExprKind::Call { name, .. } => match self.lookup(&name.name) {
                Some(Binding::Function { result, .. }) => matches!(result, Value::Table(_)),
                Some(_) => false,
                None => is_tabular_function(&name.name),
            },
            _ => false,
        }
    }

    /// Resolves a name used as a value in a row context.
    pub(crate) fn column(&mut self, name: &str, span: Span, row: &Schema) -> Option<KqlType> {
        if let Some(col) = row.get(name) {
            return col.ty;
        }
        match self.lookup(name) {
            Some(Binding::Scalar(t)) => return *t,
            Some(Binding::Table(_)) => {
                self.error(
                    "tabular-as-scalar",
                    span,
                    format!("`{name}` is a table, but a single value is expected here; use toscalar({name}) or a column."),
                    None,
                );
                return None;
            }
            Some(Binding::Function { decl, result }) => {
                let (decl, result) = (*decl, result.clone());
                self.check_call_arity(name, decl, 0, span);
                return match result {
                    Value::Scalar(t) => t,
                    _ => None,
                };
            }
            None => {}
        }
        if row.open {
            return None;
        }
        if self.catalog.table(name).is_some() {
            self.error(
                "tabular-as-scalar",
                span,
                format!("`{name}` is a table, but a column or value is expected here."),
                None,
            );
            return None;
        }
        let mut candidates: Vec<String> = row.names().map(str::to_string).collect();
        candidates.extend(
            self.scopes
                .iter()
                .flat_map(|s| s.iter())
                .filter(|(_, b)| matches!(b, Binding::Scalar(_)))
                .map(|(n, _)| n.clone()),
        );
        let suggestion = closest(name, candidates.iter().map(String::as_str));
        let listed: Vec<&str> = row.names().take(30).collect();
        let more = if row.cols.len() > 30 { ", ..." } else { "" };
        let columns = if listed.is_empty() {
            "The input has no columns.".to_string()
        } else {
            format!("Columns: {}{more}.", listed.join(", "))
        };
        let message = match &suggestion {
            Some(s) => format!("Unknown column `{name}`. Did you mean `{s}`? {columns}"),
            None => format!("Unknown column `{name}`. {columns}"),
        };
        self.error_expecting(
            "unknown-column",
            span,
            message,
            suggestion,
            row.names().map(str::to_string).collect(),
        );
        None
    }

    fn member(&mut self, target: &'a Expr, member: &'a Expr, row: &Schema) -> Option<KqlType> {
        if let (ExprKind::Name(side), ExprKind::Name(col)) = (&target.kind, &member.kind)
            && (side.name == "$left" || side.name == "$right")
        {
            let Some((left, right)) = self.join.clone() else {
                self.error(
                    "misplaced-join-side",
                    target.span,
                    format!(
                        "`{}` can only be used in the `on` clause of join or lookup.",
                        side.name
                    ),
                    None,
                );
                return None;
            };
            let schema = if side.name == "$left" { left } else { right };
            return self.column(&col.name, member.span, &schema);
        }
        let t = self.scalar(target, row);
        match t {
            None => None,
            Some(KqlType::Dynamic) => Some(KqlType::Dynamic),
            Some(other) => {
                let span = target.span.to(member.span);
                self.error(
                    "type-mismatch",
                    span,
                    format!(
                        "`.` reads a property of a dynamic value, but this value has type {other}; convert it first, e.g. parse_json(...)."
                    ),
                    None,
                );
                None
            }
        }
    }

    fn binary(
        &mut self,
        op: BinaryOp,
        left: &'a Expr,
        right: &'a Expr,
        span: Span,
        row: &Schema,
    ) -> Option<KqlType> {
        let l = self.scalar(left, row);
        let r = self.scalar(right, row);
        match op {
            BinaryOp::Add | BinaryOp::Sub | BinaryOp::Mul | BinaryOp::Div | BinaryOp::Mod => {
                let (Some(lt), Some(rt)) = (l, r) else {
                    return None;
                };
                match arithmetic(op, lt, rt) {
                    Ok(t) => t,
                    Err(()) => {
                        let hint = if op == BinaryOp::Add
                            && (lt == KqlType::String || rt == KqlType::String)
                        {
                            " To join strings use strcat(...)."
                        } else {
                            ""
                        };
                        self.error(
                            "type-mismatch",
                            span,
                            format!("`{}` cannot combine {lt} and {rt}.{hint}", op.text()),
                            None,
                        );
                        None
                    }
                }
            }
            BinaryOp::Lt
            | BinaryOp::Le
            | BinaryOp::Gt
            | BinaryOp::Ge
            | BinaryOp::Eq
            | BinaryOp::Ne => {
                if let (Some(lt), Some(rt)) = (l, r)
                    && !comparable(lt, rt)
                {
                    self.error(
                            "type-mismatch",
                            span,
                            format!(
                                "`{}` compares {lt} with {rt}; convert one side (tostring, tolong, todatetime, ...).",
                                op.text()
                            ),
                            None,
                        );
                }
                Some(KqlType::Bool)
            }
            BinaryOp::And | BinaryOp::Or => {
                for (t, e) in [(l, left), (r, right)] {
                    if let Some(t) = t
                        && t != KqlType::Bool
                        && t != KqlType::Dynamic
                    {
                        self.error(
                            "type-mismatch",
                            e.span,
                            format!(
                                "`{}` needs bool operands, but this has type {t}.",
                                op.text()
                            ),
                            None,
                        );
                    }
                }
                Some(KqlType::Bool)
            }
            _ => Some(KqlType::Bool),
        }
    }

    /// The value of a call to a user-defined function.
    pub(crate) fn user_call(&mut self, e: &'a Expr, row: &Schema) -> Value {
        let ExprKind::Call { name, args } = &e.kind else {
            return Value::Unknown;
        };
        for arg in args {
            if is_tabular_syntax(&arg.expr) || self.is_table_operand(&arg.expr) {
                self.table(&arg.expr);
            } else {
                self.scalar(&arg.expr, row);
            }
        }
        match self.lookup(&name.name) {
            Some(Binding::Function { decl, result }) => {
                let (decl, result) = (*decl, result.clone());
                self.check_call_arity(&name.name, decl, args.len(), e.span);
                let takes_table = decl
                    .params
                    .iter()
                    .any(|p| matches!(p.ty, crate::ast::ParamType::Tabular { .. }));
                if takes_table {
                    self.instantiate(decl, None, args).unwrap_or(result)
                } else {
                    result
                }
            }
            _ => Value::Unknown,
        }
    }

    fn call(&mut self, e: &'a Expr, row: &Schema) -> Option<KqlType> {
        let ExprKind::Call { name, args } = &e.kind else {
            return None;
        };
        let fname = name.name.as_str();
        if let Some(Binding::Function { .. }) = self.lookup(fname) {
            return match self.user_call(e, row) {
                Value::Scalar(t) => t,
                Value::Table(_) => {
                    self.error(
                        "tabular-as-scalar",
                        e.span,
                        format!("Function `{fname}` returns a table, but a single value is expected here."),
                        None,
                    );
                    None
                }
                Value::Unknown => None,
            };
        }
        if let Some(sig) = functions::signature(fname) {
            return self.builtin_call(sig, e.span, name.span, args, row);
        }
        let is_aggregate = functions::is_known_aggregate(fname);
        if is_aggregate || functions::is_known_scalar(fname) {
            if is_aggregate && !functions::is_known_scalar(fname) {
                self.check_aggregate_context(fname, name.span);
            }
            for arg in args {
                if is_tabular_syntax(&arg.expr) || self.is_table_operand(&arg.expr) {
                    self.table(&arg.expr);
                } else {
                    self.scalar(&arg.expr, row);
                }
            }
            return None;
        }
        if is_tabular_function(fname) {
            self.error(
                "tabular-as-scalar",
                e.span,
                format!("`{fname}(...)` returns a table, but a single value is expected here."),
                None,
            );
            return None;
        }
        for arg in args {
            self.scalar(&arg.expr, row);
        }
        let mut candidates: Vec<&str> = functions::SIGNATURES.iter().map(|s| s.name).collect();
        candidates.extend(functions::KNOWN_SCALAR_FUNCTIONS.iter().copied());
        candidates.extend(functions::KNOWN_AGGREGATE_FUNCTIONS.iter().copied());
        let user: Vec<String> = self
            .scopes
            .iter()
            .flat_map(|s| s.iter())
            .filter(|(_, b)| matches!(b, Binding::Function { .. }))
            .map(|(n, _)| n.clone())
            .collect();
        candidates.extend(user.iter().map(String::as_str));
        let suggestion = closest(fname, candidates);
        let message = match &suggestion {
            Some(s) => format!("Unknown function `{fname}`. Did you mean `{s}`?"),
            None => format!(
                "Unknown function `{fname}`: it is not a KQL function or a `let`-defined function."
            ),
        };
        self.error("unknown-function", name.span, message, suggestion);
        None
    }

    fn check_aggregate_context(&mut self, fname: &str, span: Span) {
        self.aggregate_seen = true;
        if !self.in_aggregation {
            self.error(
                "aggregate-outside-summarize",
                span,
                format!(
                    "`{fname}` is an aggregation function; it can only be used in summarize, make-series or top-nested (e.g. `| summarize {fname}(...) by ...`)."
                ),
                None,
            );
        }
    }

    fn builtin_call(
        &mut self,
        sig: &'static functions::Signature,
        span: Span,
        name_span: Span,
        args: &'a [NamedExpr],
        row: &Schema,
    ) -> Option<KqlType> {
        if sig.aggregate {
            self.check_aggregate_context(sig.name, name_span);
        }
        if args.len() < sig.min || args.len() > sig.max {
            let expected = if sig.min == sig.max {
                format!("{}", sig.min)
            } else if sig.max >= 64 {
                format!("at least {}", sig.min)
            } else {
                format!("{} to {}", sig.min, sig.max)
            };
            self.error(
                "wrong-argument-count",
                span,
                format!(
                    "`{}` takes {expected} argument(s) but {} were given.",
                    sig.name,
                    args.len()
                ),
                None,
            );
        }
        // Aggregates nested inside an aggregate's arguments are not allowed,
        // but a scalar function may wrap aggregates.
        let was_in_aggregation = self.in_aggregation;
        if sig.aggregate {
            self.in_aggregation = false;
        }
        let mut types = Vec::with_capacity(args.len());
        for (i, arg) in args.iter().enumerate() {
            let kind = sig
                .args
                .get(i)
                .or_else(|| sig.args.last())
                .copied()
                .unwrap_or(Arg::Scalar);
            let t = if kind == Arg::TypeOf || matches!(arg.expr.kind, ExprKind::Star) {
                None
            } else {
                self.scalar(&arg.expr, row)
            };
            if !functions::accepts(kind, t) {
                self.error(
                    "type-mismatch",
                    arg.expr.span,
                    format!(
                        "Argument {} of `{}` must be {}, but this has type {}.",
                        i + 1,
                        sig.name,
                        functions::describe(kind),
                        type_desc(t)
                    ),
                    None,
                );
            }
            types.push(t);
        }
        self.in_aggregation = was_in_aggregation;
        let arg_type = |i: usize| types.get(i).copied().flatten();
        match sig.ret {
            Ret::T(t) => Some(t),
            Ret::Arg(i) => {
                if matches!(sig.name, "iff" | "iif" | "case" | "coalesce") {
                    types
                        .iter()
                        .skip(if sig.name == "coalesce" { 0 } else { 1 })
                        .copied()
                        .flatten()
                        .next()
                } else {
                    arg_type(i)
                }
            }
            Ret::Widened(i) => arg_type(i).map(|t| match t {
                KqlType::Int | KqlType::Bool => KqlType::Long,
                other => other,
            }),
            Ret::Average => arg_type(0).map(|t| match t {
                KqlType::DateTime | KqlType::Timespan | KqlType::Decimal => t,
                _ => KqlType::Real,
            }),
            Ret::Columns => {
                if sig.name.starts_with("percentile") {
                    arg_type(0).map(|t| match t {
                        KqlType::Int => KqlType::Long,
                        KqlType::Decimal => KqlType::Real,
                        other => other,
                    })
                } else {
                    arg_type(0)
                }
            }
        }
    }

    /// The column name a projection gives `e` when no name is declared,
    /// following Kusto's rules; `None` means "use a default name".
    pub(crate) fn result_name(&self, e: &Expr, row: &Schema) -> Option<String> {
        match &e.kind {
            ExprKind::Paren(inner) => self.result_name(inner, row),
            ExprKind::Name(ident) => Some(ident.name.clone()),
            ExprKind::Member { target, member } => {
                let right = self.result_name(member, row)?;
                if self.is_dynamic_or_unknown(target, row) {
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
                if name.name.starts_with("covariance") && args.len() >= 2 {
                    return Some(format!("{}_{}_{}", name.name, arg_name(0), arg_name(1)));
                }
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
                            if row.get(column).is_some() =>
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

    /// Whether `e` is dynamic or of unknown type, without reporting.
    fn is_dynamic_or_unknown(&self, e: &Expr, row: &Schema) -> bool {
        match &e.kind {
            ExprKind::Name(ident) => match row.get(&ident.name) {
                Some(col) => col.ty.is_none_or(|t| t == KqlType::Dynamic),
                None => match self.lookup(&ident.name) {
                    Some(Binding::Scalar(t)) => t.is_none_or(|t| t == KqlType::Dynamic),
                    _ => true,
                },
            },
            ExprKind::Call { name, .. } => functions::signature(&name.name)
                .is_none_or(|s| matches!(s.ret, Ret::T(KqlType::Dynamic) | Ret::Arg(_))),
            ExprKind::Literal(_) => false,
            _ => true,
        }
    }

    /// Columns produced by a multi-column aggregate (`percentiles`,
    /// `arg_max`, `take_any`), or `None` for single-column calls.
    pub(crate) fn tuple_columns(
        &self,
        e: &Expr,
        row: &Schema,
        by_keys: &[String],
    ) -> Option<Vec<super::Col>> {
        let ExprKind::Call { name, args } = &e.kind else {
            return None;
        };
        let sig = functions::signature(&name.name)?;
        if sig.ret != Ret::Columns {
            return None;
        }
        let value_type = |a: &NamedExpr| -> Option<KqlType> {
            match &a.expr.kind {
                ExprKind::Name(ident) => row.get(&ident.name).and_then(|c| c.ty),
                _ => None,
            }
        };
        let mut cols = Vec::new();
        match sig.name {
            "percentile" | "percentiles" | "percentilew" | "percentilesw" => {
                let first = args.first()?;
                let skip = if sig.name.ends_with('w') { 2 } else { 1 };
                let value_name = self.result_name(&first.expr, row).unwrap_or_default();
                let ty = value_type(first).map(|t| match t {
                    KqlType::Int => KqlType::Long,
                    KqlType::Decimal => KqlType::Real,
                    other => other,
                });
                for p in args.iter().skip(skip) {
                    cols.push(super::Col::new(
                        format!("percentile_{value_name}_{}", name_fragment(&p.expr)),
                        ty,
                    ));
                }
            }
            _ => {
                let any = sig.name == "take_any" || sig.name == "any";
                let mut seen: Vec<String> = Vec::new();
                for (i, arg) in args.iter().enumerate() {
                    if matches!(arg.expr.kind, ExprKind::Star) {
                        for c in &row.cols {
                            let excluded = by_keys.contains(&c.name) || seen.contains(&c.name);
                            if !excluded {
                                seen.push(c.name.clone());
                                cols.push(c.clone());
                            }
                        }
                        continue;
                    }
                    let name = if let Some(n) = arg.names.first() {
                        n.name.clone()
                    } else {
                        match self.result_name(&arg.expr, row) {
                            Some(n) if matches!(arg.expr.kind, ExprKind::Name(_)) => n,
                            Some(n) if any => format!("any_{n}"),
                            Some(n) => n,
                            None if any => "any_".to_string(),
                            None => format!("{}_{i}", sig.name),
                        }
                    };
                    if i > 0 && by_keys.contains(&name) {
                        continue;
                    }
                    seen.push(name.clone());
                    cols.push(super::Col::new(name, value_type(arg)));
                }
            }
        }
        Some(cols)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arithmetic_rules() {
        use KqlType::*;
        assert_eq!(arithmetic(BinaryOp::Add, Int, Long), Ok(Some(Long)));
        assert_eq!(
            arithmetic(BinaryOp::Sub, DateTime, DateTime),
            Ok(Some(Timespan))
        );
        assert_eq!(
            arithmetic(BinaryOp::Add, DateTime, Timespan),
            Ok(Some(DateTime))
        );
        assert_eq!(
            arithmetic(BinaryOp::Div, Timespan, Timespan),
            Ok(Some(Real))
        );
        assert_eq!(
            arithmetic(BinaryOp::Mul, Timespan, Long),
            Ok(Some(Timespan))
        );
        assert_eq!(arithmetic(BinaryOp::Add, String, String), Err(()));
        assert_eq!(arithmetic(BinaryOp::Add, Dynamic, Long), Ok(None));
    }
}
