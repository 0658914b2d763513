//! `evaluate` plugins. `bag_unpack` needs the property names found in the
//! data to know its output columns: the first planning pass asks for
//! them (a `make_set(bag_keys(...))` over the input) and the next pass
//! plans with them.

use datafusion::logical_expr::{Expr, LogicalPlanBuilder};
use serde_json::Value as Json;

use super::dynamic::{PathOut, PathStep, json_path};
use super::plan::{Frame, Pending, PendingKind, Planner, Resolved, Typed, col_ref, project_plan};
use super::value::Value;
use crate::ast::{self, ColumnDecl, ExprKind};
use crate::error::KqlError;
use crate::span::Span;
use crate::types::KqlType;

impl<'q> Planner<'q> {
    /// `evaluate plugin(args) [: schema]`.
    pub(crate) fn evaluate(
        &mut self,
        input: Frame,
        call: &'q ast::Expr,
        schema: Option<&'q (bool, Vec<ColumnDecl>)>,
        span: Span,
    ) -> Result<Frame, KqlError> {
        let ExprKind::Call { name, args } = &call.kind else {
            return Err(self.unsupported(call.span, "This evaluate call"));
        };
        match name.name.as_str() {
            "bag_unpack" => self.bag_unpack(input, args, schema, span),
            other => Err(self.unsupported(name.span, &format!("The `{other}` plugin"))),
        }
    }

    fn bag_unpack(
        &mut self,
        input: Frame,
        args: &'q [ast::NamedExpr],
        schema: Option<&'q (bool, Vec<ColumnDecl>)>,
        span: Span,
    ) -> Result<Frame, KqlError> {
        let positional: Vec<&ast::NamedExpr> = args.iter().filter(|a| a.names.is_empty()).collect();
        let named = |n: &str| {
            args.iter()
                .find(|a| a.names.first().is_some_and(|x| x.name == n))
        };
        let Some(column) = positional.first() else {
            return Err(self.error(
                "wrong-argument-count",
                span,
                "bag_unpack needs the dynamic column to unpack.".into(),
            ));
        };
        let bag = self.scalar(&column.expr, &input)?;
        let bag_name = match &column.expr.kind {
            ExprKind::Name(n) => Some(n.name.clone()),
            _ => None,
        };
        let one = Frame::one_row()?;
        let constant = |planner: &mut Self, e: &'q ast::Expr| -> Result<Option<Value>, KqlError> {
            let t = planner.scalar(e, &one)?;
            Ok(planner.const_value(&t))
        };
        let prefix = match positional.get(1).or(named("OutputColumnPrefix").as_ref()) {
            Some(a) => constant(self, &a.expr)?
                .map(|v| v.to_kql_string())
                .unwrap_or_default(),
            None => String::new(),
        };
        let conflict = match positional.get(2).or(named("columnsConflict").as_ref()) {
            Some(a) => constant(self, &a.expr)?
                .map(|v| v.to_kql_string())
                .unwrap_or_default(),
            None => "error".to_string(),
        };
        let ignored: Vec<String> = match positional.get(3).or(named("ignoredProperties").as_ref()) {
            Some(a) => match constant(self, &a.expr)? {
                Some(Value::Dynamic(Json::Array(items))) => items
                    .iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect(),
                _ => Vec::new(),
            },
            None => Vec::new(),
        };
        // The properties: declared, or found in the data.
        let keys: Vec<(String, KqlType)> = match schema {
            Some((_, columns)) => columns
                .iter()
                .map(|c| {
                    let ty =
                        c.ty.as_ref()
                            .and_then(|t| KqlType::from_name(&t.name))
                            .unwrap_or(KqlType::Dynamic);
                    (c.name.name.clone(), ty)
                })
                .collect(),
            None => {
                let names = self.bag_keys_of(&input, &bag, span)?;
                names.into_iter().map(|n| (n, KqlType::Dynamic)).collect()
            }
        };
        let mut out: Vec<(String, Typed)> = input
            .all()
            .into_iter()
            .filter(|(n, _)| Some(n) != bag_name.as_ref())
            .collect();
        let declared_star = schema.is_none_or(|(star, _)| *star);
        if !declared_star {
            out.clear();
        }
        for (key, ty) in keys {
            if ignored.contains(&key) {
                continue;
            }
            let name = format!("{prefix}{key}");
            let value = Typed::new(
                json_path(
                    bag.expr.clone(),
                    vec![PathStep::Key(key.clone())],
                    Vec::new(),
                    PathOut::Dynamic,
                ),
                KqlType::Dynamic,
            );
            let value = if ty == KqlType::Dynamic {
                value
            } else {
                self.convert(value, ty)
            };
            match out.iter().position(|(n, _)| *n == name) {
                Some(i) if schema.is_some() => out[i].1 = value,
                Some(i) => match conflict.as_str() {
                    "replace_source" => out[i].1 = value,
                    "keep_source" => {}
                    _ => {
                        return Err(self.error(
                            "column-conflict",
                            span,
                            format!("bag_unpack: property `{key}` conflicts with column `{name}`; pass columnsConflict='replace_source' or 'keep_source', or an OutputColumnPrefix."),
                        ));
                    }
                },
                None => out.push((name, value)),
            }
        }
        input.project(out)
    }

    /// The property names of a dynamic expression over all input rows,
    /// sorted (computed by a pass over the data).
    fn bag_keys_of(
        &mut self,
        input: &Frame,
        bag: &Typed,
        span: Span,
    ) -> Result<Vec<String>, KqlError> {
        let keys = self.rowf(
            "bag_keys",
            vec![bag.clone()],
            KqlType::Dynamic,
            |a| match &a[0] {
                Value::Dynamic(Json::Object(m)) => Value::Dynamic(Json::Array(
                    m.keys().map(|k| Json::String(k.clone())).collect(),
                )),
                _ => Value::Null,
            },
        );
        let set = super::aggregate::make_set_expr(keys.expr, KqlType::Dynamic);
        let plan = LogicalPlanBuilder::from(input.plan.clone())
            .aggregate(Vec::<Expr>::new(), vec![set.alias("keys")])?
            .build()?;
        let frame = project_plan(
            plan,
            vec![("keys".into(), Typed::new(col_ref("keys"), KqlType::Dynamic))],
            Vec::new(),
        )?;
        let key = format!("bag_unpack|{span:?}|{}", frame.plan.display_indent());
        if let Some(Resolved::Names(names)) = self.resolved.get(&key) {
            let mut names = names.clone();
            names.sort();
            return Ok(names);
        }
        self.pending = Some(Pending {
            key,
            frame,
            kind: PendingKind::Names,
        });
        Err(self.error(
            "pending",
            span,
            "bag_unpack reads the data to find its columns.".into(),
        ))
    }
}
