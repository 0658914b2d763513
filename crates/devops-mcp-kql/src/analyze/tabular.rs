//! Tabular expressions: table names, pipelines and the schema each query
//! operator produces from its input.

use std::collections::BTreeMap;

use super::schema::wildcard_matches;
use super::{Analyzer, Binding, Col, RenderIntent, Schema, Value};
use crate::ast::{
    ColumnDecl, Expr, ExprKind, JoinCondition, NamedExpr, NamedParam, Operator, OperatorKind,
    ParamValue, ParsePatternItem, SeriesRange, SortDirection, TypeOfItem,
};
use crate::diagnostic::closest;
use crate::functions;
use crate::parser::params::{CHART_TYPES, JOIN_KINDS};
use crate::types::KqlType;

/// How a projection treats names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Style {
    /// `project`: a declared name that repeats is an error.
    Project,
    /// `extend`, `serialize`: a declared name replaces the column in place.
    Extend,
    /// `print`: unnamed columns are `print_0`, `print_1`, ...
    Print,
}

impl<'a> Analyzer<'a> {
    /// The schema of a tabular expression (reporting if it is not tabular).
    pub(crate) fn table(&mut self, e: &'a Expr) -> Schema {
        match &e.kind {
            ExprKind::Name(ident) => match self.lookup(&ident.name) {
                Some(Binding::Table(s)) => s.clone(),
                Some(Binding::Function { decl, result }) => {
                    let (decl, result) = (*decl, result.clone());
                    self.check_call_arity(&ident.name, decl, 0, e.span);
                    self.expect_table(result, e)
                }
                Some(Binding::Scalar(_)) => {
                    self.error(
                        "scalar-as-tabular",
                        e.span,
                        format!(
                            "`{}` is a scalar value, but a table is expected here.",
                            ident.name
                        ),
                        None,
                    );
                    Schema::open()
                }
                None => match self.catalog.table(&ident.name) {
                    Some(t) => Schema {
                        cols: t
                            .columns
                            .iter()
                            .map(|c| Col::new(c.name.clone(), Some(c.ty)))
                            .collect(),
                        open: false,
                    },
                    None => {
                        self.unknown_table(&ident.name, e.span);
                        Schema::open()
                    }
                },
            },
            ExprKind::Paren(inner) => self.table(inner),
            ExprKind::Pipe { input, op } => {
                let input = self.table(input);
                self.apply(input, op)
            }
            ExprKind::Operator(op) => self.source_operator(op),
            ExprKind::DataTable {
                columns, values, ..
            } => {
                let schema = self.declared_schema(columns);
                self.check_datatable_values(columns, values, e);
                schema
            }
            ExprKind::ExternalData { columns, .. } => self.declared_schema(columns),
            ExprKind::Materialize(inner) | ExprKind::ToTable { expr: inner, .. } => {
                self.table(inner)
            }
            ExprKind::DataScope { expr, .. } => self.table(expr),
            ExprKind::Call { name, args } => {
                if let Some(Binding::Function { .. }) = self.lookup(&name.name) {
                    let result = self.user_call(e, &Schema::default());
                    return self.expect_table(result, e);
                }
                match name.name.as_str() {
                    "table"
                    | "materialized_view"
                    | "external_table"
                    | "stored_query_result"
                    | "graph" => {
                        if let (Some(first), "table") = (args.first(), name.name.as_str())
                            && let ExprKind::Literal(crate::ast::Literal::String(t)) =
                                &first.expr.kind
                        {
                            if let Some(table) = self.catalog.table(t) {
                                return Schema {
                                    cols: table
                                        .columns
                                        .iter()
                                        .map(|c| Col::new(c.name.clone(), Some(c.ty)))
                                        .collect(),
                                    open: false,
                                };
                            }
                            if self.lookup(t).is_none() {
                                self.unknown_table(t, first.expr.span);
                            }
                        }
                        Schema::open()
                    }
                    "cluster" | "database" => Schema::open(),
                    _ => {
                        self.scalar(e, &Schema::default());
                        self.error(
                            "scalar-as-tabular",
                            e.span,
                            format!(
                                "`{}(...)` returns a single value, but a table is expected here.",
                                name.name
                            ),
                            None,
                        );
                        Schema::open()
                    }
                }
            }
            ExprKind::Member { .. } | ExprKind::Wildcard(_) | ExprKind::EntityGroup(_) => {
                Schema::open()
            }
            _ => {
                self.scalar(e, &Schema::default());
                self.error(
                    "scalar-as-tabular",
                    e.span,
                    "A single value is used where a table is expected; use `print` to turn values into a table."
                        .into(),
                    None,
                );
                Schema::open()
            }
        }
    }

    fn expect_table(&mut self, value: Value, e: &Expr) -> Schema {
        match value {
            Value::Table(s) => s,
            Value::Unknown => Schema::open(),
            Value::Scalar(_) => {
                self.error(
                    "scalar-as-tabular",
                    e.span,
                    "This function returns a single value, but a table is expected here.".into(),
                    None,
                );
                Schema::open()
            }
        }
    }

    fn unknown_table(&mut self, name: &str, span: crate::span::Span) {
        let mut candidates: Vec<String> = self.catalog.tables().map(|t| t.name.clone()).collect();
        candidates.extend(
            self.scopes
                .iter()
                .flat_map(|s| s.iter())
                .filter(|(_, b)| matches!(b, Binding::Table(_)))
                .map(|(n, _)| n.clone()),
        );
        let suggestion = closest(name, candidates.iter().map(String::as_str));
        let tables = self.table_list();
        let message = match &suggestion {
            Some(s) => format!("Unknown table `{name}`. Did you mean `{s}`? {tables}"),
            None => format!("Unknown table `{name}`. {tables}"),
        };
        let expected: Vec<String> = self.catalog.tables().map(|t| t.name.clone()).collect();
        self.error_expecting("unknown-table", span, message, suggestion, expected);
    }

    fn declared_schema(&mut self, columns: &[ColumnDecl]) -> Schema {
        let mut schema = Schema::default();
        for c in columns {
            let ty = c.ty.as_ref().and_then(|t| self.type_name(t));
            if schema.get(&c.name.name).is_some() {
                self.error(
                    "duplicate-column",
                    c.name.span,
                    format!("Column `{}` is declared twice.", c.name.name),
                    None,
                );
            }
            schema.cols.push(Col::new(c.name.name.clone(), ty));
        }
        schema
    }

    fn check_datatable_values(&mut self, columns: &[ColumnDecl], values: &'a [Expr], e: &Expr) {
        if columns.is_empty() {
            return;
        }
        if !values.len().is_multiple_of(columns.len()) {
            self.error(
                "datatable-shape",
                e.span,
                format!(
                    "The datatable has {} columns but {} values, which is not a whole number of rows.",
                    columns.len(),
                    values.len()
                ),
                None,
            );
        }
        for (i, v) in values.iter().enumerate() {
            let column = &columns[i % columns.len()];
            let expected = column.ty.as_ref().and_then(|t| KqlType::from_name(&t.name));
            let actual = self.scalar(v, &Schema::default());
            if let (Some(expected), Some(actual)) = (expected, actual) {
                let fits = expected == actual
                    || expected == KqlType::Dynamic
                    || (expected.is_numeric() && actual.is_numeric());
                if !fits {
                    self.error(
                        "type-mismatch",
                        v.span,
                        format!(
                            "Column `{}` has type {expected}, but this value has type {actual}.",
                            column.name.name
                        ),
                        None,
                    );
                }
            }
        }
    }

    // ----- projections ------------------------------------------------------

    /// Applies a list of projection items to `input`, adding the results to
    /// `out`.
    fn project_items(
        &mut self,
        items: &'a [NamedExpr],
        input: &Schema,
        out: &mut Schema,
        style: Style,
    ) {
        for (i, item) in items.iter().enumerate() {
            self.project_item(item, input, out, style, i);
        }
    }

    fn project_item(
        &mut self,
        item: &'a NamedExpr,
        input: &Schema,
        out: &mut Schema,
        style: Style,
        index: usize,
    ) {
        let ty = self.scalar(&item.expr, input);
        if let Some(cols) = self.tuple_columns(&item.expr, input, &[]) {
            if item.names.len() > 1 {
                for (n, c) in item.names.iter().zip(cols.iter()) {
                    self.declare(out, Col::new(n.name.clone(), c.ty), n.span, style);
                }
                for c in cols.into_iter().skip(item.names.len()) {
                    out.add_unique(c);
                }
                return;
            }
            if let Some(n) = item.names.first() {
                let ty = cols.first().and_then(|c| c.ty);
                self.declare(out, Col::new(n.name.clone(), ty), n.span, style);
                for c in cols.into_iter().skip(1) {
                    out.add_unique(c);
                }
                return;
            }
            for c in cols {
                out.add_unique(c);
            }
            return;
        }
        match item.names.as_slice() {
            [] => {
                if let ExprKind::Star = item.expr.kind {
                    for c in &input.cols {
                        out.set(c.clone());
                    }
                    return;
                }
                let is_column =
                    matches!(&item.expr.kind, ExprKind::Name(n) if input.get(&n.name).is_some());
                let name = match (style, self.result_name(&item.expr, input)) {
                    (Style::Print, _) => format!("print_{index}"),
                    (_, Some(n)) => n,
                    (_, None) => self.default_column_name(input),
                };
                if is_column || style == Style::Extend {
                    if is_column && style == Style::Project && out.get(&name).is_some() {
                        self.error(
                            "duplicate-column",
                            item.expr.span,
                            format!("Column `{name}` is projected twice."),
                            None,
                        );
                        return;
                    }
                    out.set(Col::new(name, ty));
                } else {
                    out.add_unique(Col::new(name, ty));
                }
            }
            [name] => self.declare(out, Col::new(name.name.clone(), ty), name.span, style),
            names if !self.returns_single_value(&item.expr) => {
                for n in names {
                    self.declare(out, Col::new(n.name.clone(), None), n.span, style);
                }
            }
            names => {
                self.error(
                    "not-multi-valued",
                    item.span,
                    format!(
                        "{} names are assigned, but the expression produces one value.",
                        names.len()
                    ),
                    None,
                );
                if let Some(first) = names.first() {
                    self.declare(out, Col::new(first.name.clone(), ty), first.span, style);
                }
            }
        }
    }

    /// True when `e` is known to produce one value (not a tuple).
    fn returns_single_value(&self, e: &Expr) -> bool {
        match &e.kind {
            ExprKind::Call { name, .. } => {
                functions::signature(&name.name).is_some_and(|s| s.ret != functions::Ret::Columns)
                    && !matches!(self.lookup(&name.name), Some(Binding::Function { .. }))
            }
            ExprKind::Paren(inner) => self.returns_single_value(inner),
            _ => true,
        }
    }

    fn declare(&mut self, out: &mut Schema, col: Col, span: crate::span::Span, style: Style) {
        if style == Style::Project && out.get(&col.name).is_some() {
            self.error(
                "duplicate-column",
                span,
                format!(
                    "Column `{}` is declared twice in this projection.",
                    col.name
                ),
                None,
            );
            return;
        }
        out.set(col);
    }

    // ----- operators --------------------------------------------------------

    /// An operator that starts a pipeline (`print`, `range`, `union`, ...).
    fn source_operator(&mut self, op: &'a Operator) -> Schema {
        match &op.kind {
            OperatorKind::Print(items) => {
                let mut out = Schema::default();
                self.project_items(items, &Schema::default(), &mut out, Style::Print);
                out
            }
            OperatorKind::Range {
                name,
                from,
                to,
                step,
            } => {
                let row = Schema::default();
                let f = self.scalar(from, &row);
                let t = self.scalar(to, &row);
                let s = self.scalar(step, &row);
                let ty = match (f, t) {
                    (Some(a), Some(b)) if a.is_numeric() && b.is_numeric() => {
                        Some(crate::types::promote_numeric(
                            crate::types::promote_numeric(a, b),
                            KqlType::Long,
                        ))
                    }
                    (Some(a), _) => Some(a),
                    _ => t,
                };
                if let (Some(KqlType::DateTime), Some(step_ty)) = (f, s)
                    && step_ty != KqlType::Timespan
                    && step_ty != KqlType::Dynamic
                {
                    self.error(
                        "type-mismatch",
                        step.span,
                        format!(
                            "A datetime range needs a timespan step, but this has type {step_ty}."
                        ),
                        None,
                    );
                }
                Schema {
                    cols: vec![Col::new(name.name.clone(), ty)],
                    open: false,
                }
            }
            OperatorKind::Union { .. }
            | OperatorKind::Find { .. }
            | OperatorKind::Search { .. }
            | OperatorKind::Evaluate { .. } => self.apply_with_input(None, op),
            _ => {
                self.error(
                    "missing-input",
                    op.keyword_span,
                    format!(
                        "`{}` needs an input table: write `Table | {} ...`.",
                        op.kind.name(),
                        op.kind.name()
                    ),
                    None,
                );
                self.apply(Schema::open(), op)
            }
        }
    }

    /// Applies a piped operator to its input schema.
    pub(crate) fn apply(&mut self, input: Schema, op: &'a Operator) -> Schema {
        self.apply_with_input(Some(input), op)
    }

    fn apply_with_input(&mut self, input: Option<Schema>, op: &'a Operator) -> Schema {
        let has_input = input.is_some();
        let input = input.unwrap_or_default();
        match &op.kind {
            OperatorKind::Where { predicate, .. } => {
                if let Some(name) = predicate.names.first() {
                    let text = format!("{} == ...", name.name);
                    self.error(
                        "assignment-in-filter",
                        predicate.span,
                        format!(
                            "`where {} = ...` assigns instead of comparing; use `==` to compare (`where {text}`).",
                            name.name
                        ),
                        Some("==".into()),
                    );
                }
                if predicate.names.is_empty() {
                    self.predicate(&predicate.expr, &input, "where");
                } else {
                    self.scalar(&predicate.expr, &input);
                }
                input
            }
            OperatorKind::Project(items) => {
                let mut out = Schema {
                    cols: Vec::new(),
                    open: input.open,
                };
                self.project_items(items, &input, &mut out, Style::Project);
                out.open = false;
                out
            }
            OperatorKind::Extend(items) => {
                let mut out = input.clone();
                self.project_items(items, &input, &mut out, Style::Extend);
                out
            }
            OperatorKind::Serialize { columns, .. } => {
                let mut out = input.clone();
                self.project_items(columns, &input, &mut out, Style::Extend);
                out
            }
            OperatorKind::ProjectAway(items) | OperatorKind::ProjectKeep(items) => {
                let keep = matches!(op.kind, OperatorKind::ProjectKeep(_));
                let mut selected: Vec<String> = Vec::new();
                for item in items {
                    match &item.kind {
                        ExprKind::Name(n) => {
                            if input.get(&n.name).is_some() {
                                selected.push(n.name.clone());
                            } else if !input.open {
                                self.column(&n.name, item.span, &input);
                            }
                        }
                        ExprKind::Wildcard(pattern) => {
                            selected.extend(
                                input
                                    .names()
                                    .filter(|c| wildcard_matches(pattern, c))
                                    .map(str::to_string),
                            );
                        }
                        _ => {}
                    }
                }
                Schema {
                    cols: input
                        .cols
                        .iter()
                        .filter(|c| selected.contains(&c.name) == keep)
                        .cloned()
                        .collect(),
                    open: input.open && !keep,
                }
            }
            OperatorKind::ProjectRename(items) => {
                let mut out = input.clone();
                for item in items {
                    match (item.names.as_slice(), &item.expr.kind) {
                        ([new], ExprKind::Name(old)) => match out.position(&old.name) {
                            Some(i) => out.cols[i].name = new.name.clone(),
                            None if !input.open => {
                                self.column(&old.name, item.expr.span, &input);
                            }
                            None => out.cols.push(Col::new(new.name.clone(), None)),
                        },
                        _ => self.error(
                            "rename-expected",
                            item.span,
                            "project-rename expects `NewName = ExistingColumn`.".into(),
                            None,
                        ),
                    }
                }
                out
            }
            OperatorKind::ProjectReorder(items) => {
                let mut first: Vec<Col> = Vec::new();
                for item in items {
                    match &item.expr.expr.kind {
                        ExprKind::Name(n) => match input.get(&n.name) {
                            Some(c) if !first.iter().any(|f| f.name == c.name) => {
                                first.push(c.clone())
                            }
                            Some(_) => {}
                            None if !input.open => {
                                self.column(&n.name, item.span, &input);
                            }
                            None => {}
                        },
                        ExprKind::Wildcard(pattern) => {
                            let mut matched: Vec<Col> = input
                                .cols
                                .iter()
                                .filter(|c| wildcard_matches(pattern, &c.name))
                                .filter(|c| !first.iter().any(|f| f.name == c.name))
                                .cloned()
                                .collect();
                            match item.direction {
                                Some(SortDirection::Asc | SortDirection::GrannyAsc) => {
                                    matched.sort_by_key(|c| c.name.to_lowercase());
                                }
                                Some(SortDirection::Desc | SortDirection::GrannyDesc) => {
                                    matched
                                        .sort_by_key(|c| std::cmp::Reverse(c.name.to_lowercase()));
                                }
                                None => {}
                            }
                            first.extend(matched);
                        }
                        _ => {}
                    }
                }
                let rest: Vec<Col> = input
                    .cols
                    .iter()
                    .filter(|c| !first.iter().any(|f| f.name == c.name))
                    .cloned()
                    .collect();
                first.extend(rest);
                Schema {
                    cols: first,
                    open: input.open,
                }
            }
            OperatorKind::ProjectByNames(_) => Schema::open(),
            OperatorKind::Summarize {
                aggregates,
                by,
                legacy_bin,
                ..
            } => self.summarize(&input, aggregates, by, legacy_bin.as_ref()),
            OperatorKind::Count { name } => Schema {
                cols: vec![Col::new(
                    name.as_ref()
                        .map_or_else(|| "Count".to_string(), |n| n.name.clone()),
                    Some(KqlType::Long),
                )],
                open: false,
            },
            OperatorKind::Take { count, .. } | OperatorKind::Sample { count, .. } => {
                self.count_argument(&count.expr, op.kind.name());
                input
            }
            OperatorKind::Top { count, by, .. } => {
                self.count_argument(&count.expr, "top");
                self.scalar(&by.expr.expr, &input);
                input
            }
            OperatorKind::Sort { by, .. } => {
                for key in by {
                    self.scalar(&key.expr.expr, &input);
                }
                input
            }
            OperatorKind::Distinct { columns, .. } => {
                if columns
                    .iter()
                    .any(|c| matches!(c.expr.kind, ExprKind::Star))
                {
                    return input;
                }
                let mut out = Schema::default();
                self.project_items(columns, &input, &mut out, Style::Project);
                out
            }
            OperatorKind::Join {
                params,
                right,
                condition,
            } => {
                let right_schema = self.table(right);
                let kind = self.param_word(params, "kind", JOIN_KINDS, "join kind");
                match condition {
                    Some(JoinCondition::On(keys)) => {
                        self.join_keys(keys, &input, &right_schema);
                    }
                    Some(JoinCondition::Where(predicate)) => {
                        self.join = Some((input.clone(), right_schema.clone()));
                        self.predicate(predicate, &Schema::default(), "join");
                        self.join = None;
                    }
                    None => self.error(
                        "missing-join-condition",
                        op.keyword_span,
                        "join needs an `on` clause naming the matching columns, e.g. `on Id` or `on $left.a == $right.b`."
                            .into(),
                        None,
                    ),
                }
                join_output(
                    kind.as_deref().unwrap_or("innerunique"),
                    &input,
                    &right_schema,
                )
            }
            OperatorKind::Lookup { params, right, on } => {
                let right_schema = self.table(right);
                self.param_word(params, "kind", &["inner", "leftouter"], "lookup kind");
                let keys = self.join_keys(on, &input, &right_schema);
                let mut out = input.clone();
                for c in &right_schema.cols {
                    if !keys.contains(&c.name) {
                        out.add_unique(c.clone());
                    }
                }
                out.open = input.open || right_schema.open;
                out
            }
            OperatorKind::Union { params, tables } => {
                let mut schemas = Vec::new();
                if has_input {
                    schemas.push(input.clone());
                }
                for t in tables {
                    match &t.kind {
                        ExprKind::Wildcard(pattern) => {
                            let matches: Vec<Schema> = self
                                .catalog
                                .tables()
                                .filter(|table| wildcard_matches(pattern, &table.name))
                                .map(|table| Schema {
                                    cols: table
                                        .columns
                                        .iter()
                                        .map(|c| Col::new(c.name.clone(), Some(c.ty)))
                                        .collect(),
                                    open: false,
                                })
                                .collect();
                            if matches.is_empty() {
                                schemas.push(Schema::open());
                            }
                            schemas.extend(matches);
                        }
                        _ => {
                            let s = self.table(t);
                            schemas.push(s);
                        }
                    }
                }
                let inner = self
                    .param_word(params, "kind", &["inner", "outer"], "union kind")
                    .as_deref()
                    == Some("inner");
                let mut out = union_schemas(&schemas, inner);
                if let Some(source) = params
                    .iter()
                    .find(|p| p.name == "withsource" || p.name == "with_source")
                    && let Some(word) = source.word()
                {
                    out.cols
                        .insert(0, Col::new(word.to_string(), Some(KqlType::String)));
                }
                out
            }
            OperatorKind::MvExpand {
                params,
                items,
                limit,
            } => {
                let mut out = input.clone();
                for item in items {
                    self.expand_item(item, &input, &mut out);
                }
                if let Some(index) = params.iter().find(|p| p.name == "with_itemindex")
                    && let Some(word) = index.word()
                {
                    out.set(Col::new(word.to_string(), Some(KqlType::Long)));
                }
                if let Some(limit) = limit {
                    self.count_argument(limit, "mv-expand limit");
                }
                out
            }
            OperatorKind::MvApply {
                params,
                items,
                subquery,
                ..
            } => {
                let mut expanded = input.clone();
                for item in items {
                    self.expand_item(item, &input, &mut expanded);
                }
                if let Some(index) = params.iter().find(|p| p.name == "with_itemindex")
                    && let Some(word) = index.word()
                {
                    expanded.set(Col::new(word.to_string(), Some(KqlType::Long)));
                }
                let sub = self.subquery(subquery, expanded.clone());
                // The expanded columns are replaced by what the subquery returns.
                let expanded_names: Vec<String> = items
                    .iter()
                    .filter_map(|item| item.expr.as_ref())
                    .filter_map(|e| match e.names.first() {
                        Some(n) => Some(n.name.clone()),
                        None => self.result_name(&e.expr, &input),
                    })
                    .collect();
                let mut out = Schema {
                    cols: input
                        .cols
                        .iter()
                        .filter(|c| !expanded_names.contains(&c.name))
                        .cloned()
                        .collect(),
                    open: input.open || sub.open,
                };
                for c in sub.cols {
                    out.set(c);
                }
                out
            }
            OperatorKind::Parse {
                source,
                pattern,
                params,
                ..
            } => {
                self.scalar(source, &input);
                let mut out = input.clone();
                self.param_word(
                    params,
                    "kind",
                    &["simple", "regex", "relaxed"],
                    "parse kind",
                );
                for item in pattern {
                    if let ParsePatternItem::Column(c) = item {
                        let ty = match &c.ty {
                            Some(t) => self.type_name(t),
                            None => Some(KqlType::String),
                        };
                        out.set(Col::new(c.name.name.clone(), ty));
                    }
                }
                out
            }
            OperatorKind::ParseKv { source, keys, .. } => {
                self.scalar(source, &input);
                let mut out = input.clone();
                for c in keys {
                    let ty = c.ty.as_ref().and_then(|t| self.type_name(t));
                    out.set(Col::new(c.name.name.clone(), ty));
                }
                out
            }
            OperatorKind::MakeSeries {
                aggregates,
                on,
                range,
                by,
                ..
            } => self.make_series(&input, aggregates, on, range, by),
            OperatorKind::Range { .. } | OperatorKind::Print(_) => {
                self.error(
                    "unexpected-input",
                    op.keyword_span,
                    format!("`{}` starts a query and cannot follow `|`.", op.kind.name()),
                    None,
                );
                self.source_operator(op)
            }
            OperatorKind::As { name, .. } => {
                self.bind(&name.name, Binding::Table(input.clone()));
                input
            }
            OperatorKind::Render {
                chart,
                params,
                properties,
            } => {
                self.render(chart, params, properties, &input);
                input
            }
            OperatorKind::Evaluate { call, schema, .. } => {
                self.evaluate(call, schema.as_ref(), &input)
            }
            OperatorKind::Invoke(call) => {
                if let ExprKind::Call { name, args } = &call.kind {
                    for arg in args {
                        self.scalar(&arg.expr, &Schema::default());
                    }
                    match self.lookup(&name.name) {
                        Some(Binding::Function { decl, result }) => {
                            let (decl, result) = (*decl, result.clone());
                            self.check_call_arity(&name.name, decl, args.len() + 1, call.span);
                            let result =
                                self.instantiate(decl, Some(&input), args).unwrap_or(result);
                            return self.expect_table(result, call);
                        }
                        _ => {
                            self.error(
                                "unknown-function",
                                name.span,
                                format!("`invoke` needs a function defined with `let`; `{}` is not one.", name.name),
                                None,
                            );
                        }
                    }
                }
                Schema::open()
            }
            OperatorKind::Search { predicate, .. } => {
                let mut row = input.clone();
                row.open = true;
                self.predicate(predicate, &row, "search");
                let mut out = if has_input { input } else { Schema::open() };
                out.cols
                    .insert(0, Col::new("$table", Some(KqlType::String)));
                out.open = true;
                out
            }
            OperatorKind::Find { predicate, .. } => {
                self.predicate(predicate, &Schema::open(), "find");
                Schema {
                    cols: vec![
                        Col::new("source_", Some(KqlType::String)),
                        Col::new("pack_", Some(KqlType::Dynamic)),
                    ],
                    open: true,
                }
            }
            OperatorKind::SampleDistinct { count, of, .. } => {
                self.count_argument(&count.expr, "sample-distinct");
                let ty = self.scalar(&of.expr, &input);
                let name = of
                    .names
                    .first()
                    .map(|n| n.name.clone())
                    .or_else(|| self.result_name(&of.expr, &input))
                    .unwrap_or_else(|| "Column1".to_string());
                Schema {
                    cols: vec![Col::new(name, ty)],
                    open: false,
                }
            }
            OperatorKind::GetSchema { .. } => Schema {
                cols: vec![
                    Col::new("ColumnName", Some(KqlType::String)),
                    Col::new("ColumnOrdinal", Some(KqlType::Int)),
                    Col::new("DataType", Some(KqlType::String)),
                    Col::new("ColumnType", Some(KqlType::String)),
                ],
                open: false,
            },
            OperatorKind::Partition {
                subquery,
                is_query_block,
                ..
            } => {
                if *is_query_block {
                    self.table(subquery)
                } else {
                    self.subquery(subquery, input)
                }
            }
            OperatorKind::PartitionBy { subquery, .. } => self.subquery(subquery, input),
            OperatorKind::Facet { .. } | OperatorKind::Fork(_) => Schema::open(),
            OperatorKind::Scan { declare, .. } => {
                let mut out = input.clone();
                for d in declare {
                    if let crate::ast::ParamType::Scalar(t) = &d.ty {
                        let ty = self.type_name(t);
                        out.set(Col::new(d.name.name.clone(), ty));
                    }
                }
                out.open = true;
                out
            }
            OperatorKind::Consume { .. } => Schema::default(),
            OperatorKind::Reduce { by, .. } => {
                self.scalar(&by.expr, &input);
                Schema {
                    cols: vec![
                        Col::new("Pattern", Some(KqlType::String)),
                        Col::new("Count", Some(KqlType::Long)),
                        Col::new("Representative", Some(KqlType::String)),
                    ],
                    open: false,
                }
            }
            OperatorKind::TopNested(levels) => {
                let mut out = Schema::default();
                for level in levels {
                    let name = level
                        .of
                        .names
                        .first()
                        .map(|n| n.name.clone())
                        .or_else(|| self.result_name(&level.of.expr, &input))
                        .unwrap_or_else(|| "Column1".to_string());
                    let ty = self.scalar(&level.of.expr, &input);
                    out.add_unique(Col::new(name.clone(), ty));
                    let was = self.in_aggregation;
                    self.in_aggregation = true;
                    let agg_ty = self.scalar(&level.by.expr.expr, &input);
                    self.in_aggregation = was;
                    let agg_name = level
                        .by
                        .expr
                        .names
                        .first()
                        .map(|n| n.name.clone())
                        .unwrap_or_else(|| format!("aggregated_{name}"));
                    out.add_unique(Col::new(agg_name, agg_ty));
                }
                out
            }
            OperatorKind::TopHitters { of, .. } => {
                let ty = self.scalar(&of.expr, &input);
                let name = self
                    .result_name(&of.expr, &input)
                    .unwrap_or_else(|| "Column1".into());
                Schema {
                    cols: vec![
                        Col::new(name.clone(), ty),
                        Col::new(format!("approximate_count_{name}"), Some(KqlType::Long)),
                    ],
                    open: false,
                }
            }
            OperatorKind::AssertSchema(_) | OperatorKind::ExecuteAndCache => input,
            OperatorKind::GraphToTable(outputs) => {
                for output in outputs {
                    if let Some(alias) = &output.alias {
                        self.bind(&alias.name, Binding::Table(Schema::open()));
                    }
                }
                Schema::open()
            }
            OperatorKind::MakeGraph { .. }
            | OperatorKind::GraphMatch { .. }
            | OperatorKind::GraphMarkComponents { .. }
            | OperatorKind::GraphWhereNodes(_)
            | OperatorKind::GraphWhereEdges(_)
            | OperatorKind::MacroExpand { .. }
            | OperatorKind::InlineExternalTable => Schema::open(),
        }
    }

    /// A predicate: analysed in the row and expected to be bool.
    fn predicate(&mut self, e: &'a Expr, row: &Schema, operator: &str) {
        let t = self.scalar(e, row);
        if let Some(t) = t
            && t != KqlType::Bool
            && t != KqlType::Dynamic
        {
            self.error(
                "type-mismatch",
                e.span,
                format!(
                    "The `{operator}` condition must be a bool, but this expression has type {t}."
                ),
                None,
            );
        }
    }

    /// A row count (`take 10`): must be an integer.
    fn count_argument(&mut self, e: &'a Expr, operator: &str) {
        let t = self.scalar(e, &Schema::default());
        if let Some(t) = t
            && !matches!(t, KqlType::Int | KqlType::Long | KqlType::Dynamic)
        {
            self.error(
                "type-mismatch",
                e.span,
                format!("The row count of `{operator}` must be an integer, but this has type {t}."),
                None,
            );
        }
    }

    /// The value of a word parameter (`kind=inner`), reporting values that
    /// are not among `allowed`.
    fn param_word(
        &mut self,
        params: &[NamedParam],
        name: &str,
        allowed: &[&str],
        what: &str,
    ) -> Option<String> {
        let param = params.iter().find(|p| p.name == name)?;
        let word = param.word()?.to_string();
        if !allowed.contains(&word.as_str()) {
            let suggestion = closest(&word, allowed.iter().copied());
            self.error_expecting(
                "invalid-parameter",
                param.span,
                format!(
                    "`{word}` is not a valid {what}; use one of {}.",
                    allowed.join(", ")
                ),
                suggestion,
                allowed.iter().map(|s| (*s).to_string()).collect(),
            );
        }
        Some(word)
    }

    /// Checks join keys and returns the names used on both sides.
    fn join_keys(&mut self, keys: &'a [Expr], left: &Schema, right: &Schema) -> Vec<String> {
        let mut names = Vec::new();
        for key in keys {
            self.join_key(key, left, right, &mut names);
        }
        names
    }

    /// One join condition; `a and b` is two conditions.
    fn join_key(&mut self, key: &'a Expr, left: &Schema, right: &Schema, names: &mut Vec<String>) {
        if let ExprKind::Binary {
            op: crate::ast::BinaryOp::And,
            left: a,
            right: b,
        } = &key.kind
        {
            self.join_key(a, left, right, names);
            self.join_key(b, left, right, names);
            return;
        }
        {
            match &key.kind {
                ExprKind::Name(n) => {
                    let before = self.diagnostics.len();
                    self.column(&n.name, key.span, left);
                    let left_failed = self.diagnostics.len() > before;
                    if !left_failed && right.get(&n.name).is_none() && !right.open {
                        let suggestion = closest(&n.name, right.names());
                        self.error(
                            "unknown-column",
                            key.span,
                            format!(
                                "Join key `{}` is not a column of the right side. Columns: {}.",
                                n.name,
                                right.names().collect::<Vec<_>>().join(", ")
                            ),
                            suggestion,
                        );
                    }
                    names.push(n.name.clone());
                }
                _ => {
                    self.join = Some((left.clone(), right.clone()));
                    let t = self.scalar(key, &Schema::default());
                    self.join = None;
                    if let ExprKind::Binary {
                        op: crate::ast::BinaryOp::Eq,
                        right: r,
                        ..
                    } = &key.kind
                    {
                        if let ExprKind::Member { member, .. } = &r.kind
                            && let ExprKind::Name(n) = &member.kind
                        {
                            names.push(n.name.clone());
                        }
                    } else if t.is_some() {
                        self.error(
                            "invalid-join-condition",
                            key.span,
                            "A join condition is a column name or `$left.column == $right.column`."
                                .into(),
                            None,
                        );
                    }
                }
            }
        }
    }

    fn expand_item(&mut self, item: &'a crate::ast::ExpandItem, input: &Schema, out: &mut Schema) {
        let Some(expr) = &item.expr else {
            return;
        };
        let t = self.scalar(&expr.expr, input);
        if let Some(t) = t
            && t != KqlType::Dynamic
        {
            self.error(
                "type-mismatch",
                expr.expr.span,
                format!(
                    "mv-expand and mv-apply expand dynamic arrays or bags, but this has type {t}."
                ),
                None,
            );
        }
        let ty = match &item.to_type {
            Some(items) => match items.first() {
                Some(TypeOfItem::Type(t)) => self.type_name(t),
                _ => Some(KqlType::Dynamic),
            },
            None => Some(KqlType::Dynamic),
        };
        let name = match expr.names.first() {
            Some(n) => n.name.clone(),
            None => self
                .result_name(&expr.expr, input)
                .unwrap_or_else(|| self.default_column_name(input)),
        };
        out.set(Col::new(name, ty));
    }

    /// A subquery (`mv-apply ... on (...)`, `partition ... (...)`) applied
    /// to `input`.
    fn subquery(&mut self, e: &'a Expr, input: Schema) -> Schema {
        match &e.kind {
            ExprKind::Pipe { input: inner, op } => {
                let schema = self.subquery(inner, input);
                self.apply(schema, op)
            }
            ExprKind::Operator(op) => self.apply(input, op),
            _ => self.table(e),
        }
    }

    fn summarize(
        &mut self,
        input: &Schema,
        aggregates: &'a [NamedExpr],
        by: &'a [NamedExpr],
        legacy_bin: Option<&'a Expr>,
    ) -> Schema {
        let mut out = Schema::default();
        let mut keys = Vec::new();
        for key in by {
            let before = out.cols.len();
            self.project_item(key, input, &mut out, Style::Project, 0);
            keys.extend(out.cols[before..].iter().map(|c| c.name.clone()));
        }
        if let Some(bin) = legacy_bin {
            self.scalar(bin, input);
        }
        for item in aggregates {
            let was = (self.in_aggregation, self.aggregate_seen);
            self.in_aggregation = true;
            self.aggregate_seen = false;
            let errors_before = self.diagnostics.len();
            let ty = self.scalar(&item.expr, input);
            let seen = self.aggregate_seen;
            self.in_aggregation = was.0;
            self.aggregate_seen = was.1 || seen;
            let reported = self.diagnostics.len() > errors_before;
            if !seen && !reported && !self.calls_user_function(&item.expr) {
                self.error(
                    "not-an-aggregate",
                    item.expr.span,
                    "Each summarize expression must use an aggregation function such as count(), sum(x), avg(x), dcount(x) or make_list(x); group columns go after `by`.".into(),
                    None,
                );
            }
            if let Some(cols) = self.tuple_columns(&item.expr, input, &keys) {
                for (i, c) in cols.into_iter().enumerate() {
                    let col = match item.names.get(i) {
                        Some(n) => Col::new(n.name.clone(), c.ty),
                        None => c,
                    };
                    if item.names.get(i).is_some() {
                        out.set(col);
                    } else {
                        out.add_unique(col);
                    }
                }
                continue;
            }
            let name = match item.names.first() {
                Some(n) => n.name.clone(),
                None => self
                    .result_name(&item.expr, input)
                    .unwrap_or_else(|| self.default_column_name(input)),
            };
            if !item.names.is_empty() && out.get(&name).is_some() {
                self.error(
                    "duplicate-column",
                    item.span,
                    format!("Column `{name}` is declared twice in this summarize."),
                    None,
                );
                continue;
            }
            out.add_unique(Col::new(name, ty));
        }
        out
    }

    fn calls_user_function(&self, e: &Expr) -> bool {
        match &e.kind {
            ExprKind::Call { name, args } => {
                matches!(self.lookup(&name.name), Some(Binding::Function { .. }))
                    || args.iter().any(|a| self.calls_user_function(&a.expr))
            }
            ExprKind::Binary { left, right, .. } => {
                self.calls_user_function(left) || self.calls_user_function(right)
            }
            ExprKind::Unary { operand, .. } | ExprKind::Paren(operand) => {
                self.calls_user_function(operand)
            }
            ExprKind::Name(n) => matches!(self.lookup(&n.name), Some(Binding::Function { .. })),
            _ => false,
        }
    }

    fn make_series(
        &mut self,
        input: &Schema,
        aggregates: &'a [crate::ast::SeriesAggregate],
        on: &'a NamedExpr,
        range: &'a SeriesRange,
        by: &'a [NamedExpr],
    ) -> Schema {
        let mut out = Schema::default();
        for key in by {
            self.project_item(key, input, &mut out, Style::Project, 0);
        }
        for agg in aggregates {
            let was = self.in_aggregation;
            self.in_aggregation = true;
            self.scalar(&agg.expr.expr, input);
            self.in_aggregation = was;
            if let Some(default) = &agg.default {
                self.scalar(&default.expr, &Schema::default());
            }
            let name = match agg.expr.names.first() {
                Some(n) => n.name.clone(),
                None => self
                    .result_name(&agg.expr.expr, input)
                    .unwrap_or_else(|| self.default_column_name(input)),
            };
            out.add_unique(Col::new(name, Some(KqlType::Dynamic)));
        }
        let axis_type = self.scalar(&on.expr, input);
        if let Some(t) = axis_type
            && !(t.is_summable() || t == KqlType::DateTime || t == KqlType::Dynamic)
        {
            self.error(
                    "type-mismatch",
                    on.expr.span,
                    format!("The make-series axis must be a datetime, timespan or number, but this has type {t}."),
                    None,
                );
        }
        match range {
            SeriesRange::FromToStep { from, to, step } => {
                for bound in [from, to].into_iter().flatten() {
                    self.scalar(bound, &Schema::default());
                }
                self.scalar(step, &Schema::default());
            }
            SeriesRange::InRange(args) => {
                for a in args {
                    self.scalar(&a.expr, &Schema::default());
                }
            }
        }
        let axis_name = match on.names.first() {
            Some(n) => n.name.clone(),
            None => self
                .result_name(&on.expr, input)
                .unwrap_or_else(|| "Column1".into()),
        };
        out.set(Col::new(axis_name, Some(KqlType::Dynamic)));
        out
    }

    fn render(
        &mut self,
        chart: &crate::ast::Ident,
        params: &[NamedParam],
        properties: &[NamedParam],
        input: &Schema,
    ) {
        if !CHART_TYPES.contains(&chart.name.as_str()) {
            let suggestion = closest(&chart.name, CHART_TYPES.iter().copied());
            self.error_expecting(
                "unknown-chart",
                chart.span,
                format!("`{}` is not a visualization `render` supports.", chart.name),
                suggestion,
                CHART_TYPES.iter().map(|s| (*s).to_string()).collect(),
            );
        }
        let mut props = BTreeMap::new();
        for p in params.iter().chain(properties) {
            let value = match &p.value {
                ParamValue::Expr(e) => match &e.kind {
                    ExprKind::Literal(crate::ast::Literal::String(s)) => s.clone(),
                    ExprKind::Name(n) => n.name.clone(),
                    _ => e.span.text(self.source).to_string(),
                },
                ParamValue::Names(names) => {
                    for n in names {
                        if input.get(&n.name).is_none() && !input.open {
                            self.column(&n.name, n.span, input);
                        }
                    }
                    names
                        .iter()
                        .map(|n| n.name.as_str())
                        .collect::<Vec<_>>()
                        .join(",")
                }
            };
            if let ("xcolumn", ParamValue::Expr(e)) = (p.name.as_str(), &p.value)
                && let ExprKind::Name(n) = &e.kind
                && input.get(&n.name).is_none()
                && !input.open
            {
                self.column(&n.name, n.span, input);
            }
            props.insert(p.name.clone(), value);
        }
        self.render = Some(RenderIntent {
            visualization: chart.name.clone(),
            properties: props,
        });
    }

    fn evaluate(
        &mut self,
        call: &'a Expr,
        schema: Option<&(bool, Vec<ColumnDecl>)>,
        input: &Schema,
    ) -> Schema {
        if let ExprKind::Call { name, .. } = &call.kind
            && !functions::is_known_plugin(&name.name)
        {
            let suggestion = closest(&name.name, functions::KNOWN_PLUGINS.iter().copied());
            self.error(
                "unknown-plugin",
                name.span,
                format!("Unknown plugin `{}` for evaluate.", name.name),
                suggestion,
            );
        }
        match schema {
            Some((star, columns)) => {
                let declared = self.declared_schema(columns);
                if *star {
                    let mut out = input.clone();
                    for c in declared.cols {
                        out.set(c);
                    }
                    out
                } else {
                    declared
                }
            }
            None => Schema::open(),
        }
    }
}

/// The columns a join produces for its kind.
fn join_output(kind: &str, left: &Schema, right: &Schema) -> Schema {
    match kind {
        "leftsemi" | "leftanti" | "leftantisemi" | "anti" => left.clone(),
        "rightsemi" | "rightanti" | "rightantisemi" => right.clone(),
        _ => {
            let mut out = left.clone();
            for c in &right.cols {
                out.add_unique(c.clone());
            }
            out.open = left.open || right.open;
            out
        }
    }
}

/// The columns of `union`: by name; a name with different types becomes
/// one column per type (`x_long`, `x_string`). `inner` keeps only columns
/// present in every input.
fn union_schemas(schemas: &[Schema], inner: bool) -> Schema {
    let mut types: BTreeMap<&str, Vec<Option<KqlType>>> = BTreeMap::new();
    for s in schemas {
        for c in &s.cols {
            let entry = types.entry(c.name.as_str()).or_default();
            if !entry.contains(&c.ty) {
                entry.push(c.ty);
            }
        }
    }
    let all_names: Vec<&str> = schemas.iter().flat_map(|s| s.names()).collect();
    let mut out = Schema::default();
    let mut added: Vec<(String, Option<KqlType>)> = Vec::new();
    for s in schemas {
        for c in &s.cols {
            if inner && !schemas.iter().all(|other| other.get(&c.name).is_some()) {
                continue;
            }
            let conflicting = types.get(c.name.as_str()).is_some_and(|ts| ts.len() > 1);
            if !conflicting {
                if !added.iter().any(|(n, _)| *n == c.name) {
                    added.push((c.name.clone(), c.ty));
                    out.add_unique(c.clone());
                }
                continue;
            }
            if added.iter().any(|(n, t)| *n == c.name && *t == c.ty) {
                continue;
            }
            added.push((c.name.clone(), c.ty));
            let mut name = format!("{}_{}", c.name, c.ty.map_or("unknown", |t| t.name()));
            if all_names.contains(&name.as_str()) {
                name.push('1');
            }
            out.add_unique(Col::new(name, c.ty));
        }
    }
    out.open = schemas.iter().any(|s| s.open);
    out
}
