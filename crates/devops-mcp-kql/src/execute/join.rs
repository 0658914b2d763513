//! `join`, `lookup` and `union`.
//!
//! KQL's default join kind is `innerunique`: the left side keeps one row
//! per key (`DISTINCT ON` the keys) before an inner join. Output columns
//! are the left ones then the right ones, a right name that is taken
//! getting a numeric suffix (`Key1`); `*semi`/`*anti` keep one side.
//! In outer joins the missing side's strings are empty, not null, because
//! KQL strings are never null. `union` aligns columns by name; a name
//! with different types becomes one column per type (`x_long`,
//! `x_string`).

use datafusion::common::{Column, JoinType};
use datafusion::logical_expr::{Expr, LogicalPlanBuilder, cast, lit, when};

use super::plan::{Expr2, Frame, Planner, Typed, add_unique, col_ref, project_plan};
use super::value::arrow_type;
use crate::ast::{self, BinaryOp, ExprKind, JoinCondition};
use crate::error::KqlError;
use crate::span::Span;
use crate::types::KqlType;

/// The name a pipeline gives itself with a final `as`.
fn as_name(e: &Expr2) -> Option<String> {
    match &e.kind {
        ExprKind::Paren(inner) => as_name(inner),
        ExprKind::Pipe { op, .. } => match &op.kind {
            ast::OperatorKind::As { name, .. } => Some(name.name.clone()),
            _ => None,
        },
        _ => None,
    }
}

fn qualified(alias: &str, name: &str) -> Expr {
    Expr::Column(Column::new(Some(alias), name))
}

/// A column of a side with strings made non-null (outer joins).
fn non_null_string(e: Expr, ty: KqlType) -> Expr {
    if ty == KqlType::String {
        when(e.clone().is_null(), lit(""))
            .otherwise(e.clone())
            .unwrap_or(e)
    } else {
        e
    }
}

impl<'q> Planner<'q> {
    /// `left | join kind=... (right) on keys`.
    pub(crate) fn join(
        &mut self,
        left: Frame,
        params: &'q [ast::NamedParam],
        right: &'q Expr2,
        condition: Option<&'q JoinCondition>,
        span: Span,
    ) -> Result<Frame, KqlError> {
        let kind = params
            .iter()
            .find(|p| p.name == "kind")
            .and_then(|p| p.word())
            .unwrap_or("innerunique")
            .to_string();
        let right = self.table(right)?;
        let keys = match condition {
            Some(JoinCondition::On(keys)) => self.join_keys(keys, &left, &right)?,
            Some(JoinCondition::Where(e)) => {
                return Err(self.unsupported(e.span, "`join ... where`"));
            }
            None => {
                return Err(self.error(
                    "missing-join-condition",
                    span,
                    "join needs an `on` clause.".into(),
                ));
            }
        };
        self.join_frames(left, right, &kind, &keys, span, false)
    }

    /// Joins two frames on key column pairs. With `drop_right_keys`
    /// (lookup), the right key columns are left out.
    fn join_frames(
        &mut self,
        left: Frame,
        right: Frame,
        kind: &str,
        keys: &[(String, String)],
        span: Span,
        drop_right_keys: bool,
    ) -> Result<Frame, KqlError> {
        let join_type = match kind {
            "inner" | "innerunique" => JoinType::Inner,
            "leftouter" => JoinType::Left,
            "rightouter" => JoinType::Right,
            "fullouter" => JoinType::Full,
            "leftsemi" => JoinType::LeftSemi,
            "leftanti" | "anti" | "leftantisemi" => JoinType::LeftAnti,
            "rightsemi" => JoinType::RightSemi,
            "rightanti" | "rightantisemi" => JoinType::RightAnti,
            other => {
                return Err(self.error(
                    "invalid-parameter",
                    span,
                    format!("`{other}` is not a join kind; use innerunique, inner, leftouter, rightouter, fullouter, leftsemi, leftanti, rightsemi or rightanti."),
                ));
            }
        };
        let mut left_plan = left.plan.clone();
        if kind == "innerunique" {
            // One left row per key (the first one met).
            let group: Vec<Expr> = keys.iter().map(|(l, _)| col_ref(l)).collect();
            let key_names: Vec<&str> = keys.iter().map(|(l, _)| l.as_str()).collect();
            let aggs: Vec<Expr> = left
                .cols
                .iter()
                .filter(|c| !key_names.contains(&c.name.as_str()))
                .map(|c| {
                    datafusion::functions_aggregate::expr_fn::first_value(col_ref(&c.name), vec![])
                        .alias(&c.name)
                })
                .collect();
            let deduped = LogicalPlanBuilder::from(left_plan)
                .aggregate(group, aggs)?
                .build()?;
            left_plan = project_plan(deduped, left.all(), Vec::new())?.plan;
        }
        let la = self.fresh("l");
        let ra = self.fresh("r");
        let left_plan = LogicalPlanBuilder::from(left_plan)
            .alias(la.as_str())?
            .build()?;
        let right_plan = LogicalPlanBuilder::from(right.plan.clone())
            .alias(ra.as_str())?
            .build()?;
        let mut left_keys = Vec::new();
        let mut right_keys = Vec::new();
        for (l, r) in keys {
            let lt = left.col(l).map_or(KqlType::Dynamic, |c| c.ty);
            let rt = right.col(r).map_or(KqlType::Dynamic, |c| c.ty);
            let (le, re) = (qualified(&la, l), qualified(&ra, r));
            if lt == rt || (arrow_type(lt) == arrow_type(rt)) {
                left_keys.push(le);
                right_keys.push(re);
            } else if lt.is_numeric() && rt.is_numeric() {
                left_keys.push(cast(le, arrow_type(KqlType::Real)));
                right_keys.push(cast(re, arrow_type(KqlType::Real)));
            } else {
                let lt_typed = self.to_text(Typed::new(le, lt));
                let rt_typed = self.to_text(Typed::new(re, rt));
                left_keys.push(lt_typed.expr);
                right_keys.push(rt_typed.expr);
            }
        }
        let plan = LogicalPlanBuilder::from(left_plan)
            .join_with_expr_keys(right_plan, join_type, (left_keys, right_keys), None)?
            .build()?;
        let left_nullable = matches!(join_type, JoinType::Right | JoinType::Full);
        let right_nullable = matches!(join_type, JoinType::Left | JoinType::Full);
        let mut items: Vec<(String, Typed)> = Vec::new();
        let keep_left = !matches!(join_type, JoinType::RightSemi | JoinType::RightAnti);
        let keep_right = !matches!(join_type, JoinType::LeftSemi | JoinType::LeftAnti);
        if keep_left {
            for c in &left.cols {
                let mut e = qualified(&la, &c.name);
                if left_nullable {
                    e = non_null_string(e, c.ty);
                }
                add_unique(&mut items, c.name.clone(), Typed::new(e, c.ty));
            }
        }
        if keep_right {
            for c in &right.cols {
                if drop_right_keys && keys.iter().any(|(_, r)| *r == c.name) {
                    continue;
                }
                let mut e = qualified(&ra, &c.name);
                if right_nullable {
                    e = non_null_string(e, c.ty);
                }
                add_unique(&mut items, c.name.clone(), Typed::new(e, c.ty));
            }
        }
        project_plan(plan, items, Vec::new())
    }

    /// The `on` clause: `a`, `$left.a == $right.b`, `a and b`.
    fn join_keys(
        &self,
        keys: &'q [Expr2],
        left: &Frame,
        right: &Frame,
    ) -> Result<Vec<(String, String)>, KqlError> {
        let mut out = Vec::new();
        for key in keys {
            self.join_key(key, left, right, &mut out)?;
        }
        Ok(out)
    }

    fn join_key(
        &self,
        key: &Expr2,
        left: &Frame,
        right: &Frame,
        out: &mut Vec<(String, String)>,
    ) -> Result<(), KqlError> {
        let side = |e: &Expr2| -> Option<(bool, String)> {
            if let ExprKind::Member { target, member } = &e.kind
                && let (ExprKind::Name(t), ExprKind::Name(m)) = (&target.kind, &member.kind)
            {
                return match t.name.as_str() {
                    "$left" => Some((true, m.name.clone())),
                    "$right" => Some((false, m.name.clone())),
                    _ => None,
                };
            }
            None
        };
        match &key.kind {
            ExprKind::Name(n) => {
                if left.col(&n.name).is_none() || right.col(&n.name).is_none() {
                    return Err(self.error(
                        "unknown-column",
                        key.span,
                        format!("Join key `{}` must be a column of both sides.", n.name),
                    ));
                }
                out.push((n.name.clone(), n.name.clone()));
                Ok(())
            }
            ExprKind::Binary {
                op: BinaryOp::And,
                left: a,
                right: b,
            } => {
                self.join_key(a, left, right, out)?;
                self.join_key(b, left, right, out)
            }
            ExprKind::Binary {
                op: BinaryOp::Eq,
                left: a,
                right: b,
            } => match (side(a), side(b)) {
                (Some((true, l)), Some((false, r))) | (Some((false, r)), Some((true, l))) => {
                    out.push((l, r));
                    Ok(())
                }
                _ => Err(self.unsupported(key.span, "This join condition")),
            },
            ExprKind::Paren(inner) => self.join_key(inner, left, right, out),
            _ => Err(self.unsupported(key.span, "This join condition")),
        }
    }

    /// `lookup [kind=leftouter|inner] (right) on keys`.
    pub(crate) fn lookup_op(
        &mut self,
        left: Frame,
        params: &'q [ast::NamedParam],
        right: &'q Expr2,
        on: &'q [Expr2],
        span: Span,
    ) -> Result<Frame, KqlError> {
        let kind = params
            .iter()
            .find(|p| p.name == "kind")
            .and_then(|p| p.word())
            .unwrap_or("leftouter")
            .to_string();
        let right = self.table(right)?;
        let keys = self.join_keys(on, &left, &right)?;
        let kind = if kind == "inner" {
            "inner"
        } else {
            "leftouter"
        };
        self.join_frames(left, right, kind, &keys, span, true)
    }

    /// `union [kind=inner|outer] [withsource=Name] tables`.
    pub(crate) fn union(
        &mut self,
        input: Option<Frame>,
        params: &'q [ast::NamedParam],
        tables: &'q [Expr2],
        span: Span,
    ) -> Result<Frame, KqlError> {
        let mut frames: Vec<(String, Frame)> = Vec::new();
        if let Some(f) = input {
            frames.push(("union_arg0".into(), f));
        }
        for t in tables {
            match &t.kind {
                ExprKind::Wildcard(pattern) => {
                    for name in self.table_names_matching(pattern) {
                        let f = self.table_by_name(&name, t.span)?;
                        frames.push((name, f));
                    }
                }
                ExprKind::Name(n) => {
                    let f = self.table(t)?;
                    frames.push((n.name.clone(), f));
                }
                _ => {
                    let f = self.table(t)?;
                    let name = as_name(t).unwrap_or_else(|| format!("union_arg{}", frames.len()));
                    frames.push((name, f));
                }
            }
        }
        if frames.is_empty() {
            return Err(self.error(
                "missing-input",
                span,
                "union needs at least one table.".into(),
            ));
        }
        let inner = params
            .iter()
            .any(|p| p.name == "kind" && p.word() == Some("inner"));
        let source = params
            .iter()
            .find(|p| p.name == "withsource" || p.name == "with_source")
            .and_then(|p| p.word())
            .map(str::to_string);
        // Output columns: by name, one per (name, type).
        let mut columns: Vec<(String, KqlType)> = Vec::new();
        for (_, f) in &frames {
            for c in &f.cols {
                if inner && !frames.iter().all(|(_, g)| g.col(&c.name).is_some()) {
                    continue;
                }
                if !columns.iter().any(|(n, t)| *n == c.name && *t == c.ty) {
                    columns.push((c.name.clone(), c.ty));
                }
            }
        }
        let mut names: Vec<String> = Vec::new();
        for (n, t) in &columns {
            let mut name = if columns.iter().filter(|(m, _)| m == n).count() > 1 {
                let renamed = format!("{n}_{}", t.name());
                if columns.iter().any(|(m, _)| *m == renamed) {
                    format!("{renamed}1")
                } else {
                    renamed
                }
            } else {
                n.clone()
            };
            while names.contains(&name) {
                name.push('1');
            }
            names.push(name);
        }
        let mut plan: Option<LogicalPlanBuilder> = None;
        for (table_name, f) in frames {
            let mut items: Vec<(String, Typed)> = Vec::new();
            if let Some(s) = &source {
                items.push((
                    s.clone(),
                    Typed::new(lit(table_name.clone()), KqlType::String),
                ));
            }
            for ((n, t), out_name) in columns.iter().zip(&names) {
                let value = match f.col(n) {
                    Some(c) if c.ty == *t => Typed::new(col_ref(n), *t),
                    _ => Typed::null(*t),
                };
                items.push((out_name.clone(), value));
            }
            let projected = f.project(items)?;
            plan = Some(match plan {
                None => LogicalPlanBuilder::from(projected.plan),
                Some(b) => b.union(projected.plan)?,
            });
        }
        let Some(plan) = plan else {
            return Err(self.error(
                "missing-input",
                span,
                "union needs at least one table.".into(),
            ));
        };
        let plan = plan.build()?;
        let mut cols: Vec<(String, Typed)> = Vec::new();
        if let Some(s) = &source {
            cols.push((s.clone(), Typed::new(col_ref(s), KqlType::String)));
        }
        for ((_, t), n) in columns.iter().zip(&names) {
            cols.push((n.clone(), Typed::new(col_ref(n), *t)));
        }
        project_plan(plan, cols, Vec::new())
    }

    /// `search [kind=case_sensitive] [in (tables)] predicate`: the rows of
    /// every table (the piped input, the listed tables, or all tables and
    /// `let` views) that match, with a `$table` column. A bare string
    /// matches rows with a column that `has` it; a predicate naming
    /// columns a table lacks skips that table.
    pub(crate) fn search(
        &mut self,
        input: Option<Frame>,
        params: &'q [ast::NamedParam],
        tables: Option<&'q [Expr2]>,
        predicate: &'q Expr2,
        span: Span,
    ) -> Result<Frame, KqlError> {
        let case_sensitive = params
            .iter()
            .any(|p| p.name == "kind" && p.word() == Some("case_sensitive"));
        let mut sources: Vec<(String, Frame)> = Vec::new();
        match (input, tables) {
            (Some(frame), _) => sources.push(("".into(), frame)),
            (None, Some(list)) => {
                for t in list {
                    match &t.kind {
                        ExprKind::Wildcard(pattern) => {
                            for name in self.table_names_matching(pattern) {
                                let f = self.table_by_name(&name, t.span)?;
                                sources.push((name, f));
                            }
                        }
                        ExprKind::Name(n) => {
                            let f = self.table(t)?;
                            sources.push((n.name.clone(), f));
                        }
                        _ => {
                            let f = self.table(t)?;
                            sources.push((format!("search_arg{}", sources.len()), f));
                        }
                    }
                }
            }
            (None, None) => {
                for name in self.table_names_matching("*") {
                    let f = self.table_by_name(&name, span)?;
                    sources.push((name, f));
                }
            }
        }
        let mut filtered: Vec<(String, Frame)> = Vec::new();
        for (name, frame) in sources {
            let condition = match &predicate.kind {
                ExprKind::Literal(ast::Literal::String(term)) => {
                    let strop =
                        super::strings::StrOp::Has(super::strings::Term::Whole, case_sensitive);
                    let mut any: Option<Expr> = None;
                    for c in &frame.cols {
                        let text = self.to_text(Typed::new(col_ref(&c.name), c.ty));
                        let hit = super::strings::str_predicate(
                            strop,
                            false,
                            text.expr,
                            lit(term.clone()),
                        );
                        any = Some(match any {
                            Some(a) => a.or(hit),
                            None => hit,
                        });
                    }
                    any.unwrap_or(lit(false))
                }
                _ => match self.scalar(predicate, &frame) {
                    Ok(t) => self.to_bool(t).expr,
                    Err(KqlError::Plan { diagnostic }) if diagnostic.code == "unknown-column" => {
                        continue;
                    }
                    Err(e) => return Err(e),
                },
            };
            let plan = LogicalPlanBuilder::from(frame.plan)
                .filter(condition)?
                .build()?;
            filtered.push((
                name,
                Frame {
                    plan,
                    cols: frame.cols,
                    order: Vec::new(),
                },
            ));
        }
        if filtered.is_empty() {
            return self.empty_frame(vec![("$table".into(), KqlType::String)]);
        }
        // Union by name, with the table name first.
        let mut columns: Vec<(String, KqlType)> = Vec::new();
        for (_, f) in &filtered {
            for c in &f.cols {
                if !columns.iter().any(|(n, t)| *n == c.name && *t == c.ty) {
                    columns.push((c.name.clone(), c.ty));
                }
            }
        }
        let mut plan: Option<LogicalPlanBuilder> = None;
        for (name, f) in filtered {
            let mut items: Vec<(String, Typed)> =
                vec![("$table".into(), Typed::new(lit(name), KqlType::String))];
            for (n, t) in &columns {
                let value = match f.col(n) {
                    Some(c) if c.ty == *t => Typed::new(col_ref(n), *t),
                    _ => Typed::null(*t),
                };
                items.push((format!("{n}_{}", t.name()), value));
            }
            let projected = f.project(items)?;
            plan = Some(match plan {
                None => LogicalPlanBuilder::from(projected.plan),
                Some(b) => b.union(projected.plan)?,
            });
        }
        let Some(plan) = plan else {
            return self.empty_frame(vec![("$table".into(), KqlType::String)]);
        };
        let plan = plan.build()?;
        let mut out: Vec<(String, Typed)> = vec![(
            "$table".into(),
            Typed::new(col_ref("$table"), KqlType::String),
        )];
        for (n, t) in &columns {
            out.push((
                n.clone(),
                Typed::new(col_ref(&format!("{n}_{}", t.name())), *t),
            ));
        }
        project_plan(plan, out, Vec::new())
    }
}
