//! The planner: folds the KQL syntax tree into a DataFusion
//! [`LogicalPlan`], keeping the KQL name and type of every column in a
//! [`Frame`] next to it.
//!
//! Statements bind names (`let` scalars become expressions, `let` tables
//! become plans, `let` functions are inlined at each call with their
//! parameters bound); a pipeline is planned input first, then each
//! operator on top. Every operator ends with a projection that gives its
//! columns their KQL names, unqualified, so the next operator refers to
//! them by name alone.

use std::collections::HashMap;
use std::sync::Arc;

use datafusion::arrow::datatypes::{Field, Schema as ArrowSchema};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::catalog::MemTable;
use datafusion::common::{Column, ScalarValue};
use datafusion::datasource::provider_as_source;
use datafusion::logical_expr::{
    Expr, ExprFunctionExt, LogicalPlan, LogicalPlanBuilder, SortExpr, lit,
};

use super::value::{Value, arrow_type, build_array};
use crate::analyze::RenderIntent;
use crate::ast::{
    self, ExprKind, FunctionDecl, LetValue, NamedExpr, NullsOrder, Operator, OperatorKind,
    ParamType, Query, SortDirection, StatementKind,
};
use crate::diagnostic::{Diagnostic, Severity};
use crate::error::KqlError;
use crate::span::{LineIndex, Span};
use crate::types::KqlType;

/// A planned table: the DataFusion plan and the KQL columns it produces,
/// in order. Field `i` of the plan's schema is `cols[i]`, unqualified.
#[derive(Clone, Debug)]
pub(crate) struct Frame {
    pub(crate) plan: LogicalPlan,
    pub(crate) cols: Vec<FrameCol>,
    /// The sort keys the rows are known to be in (after `sort`, `top`,
    /// `range`), used by window functions such as `row_number()`.
    pub(crate) order: Vec<SortExpr>,
}

/// A column of a [`Frame`].
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct FrameCol {
    pub(crate) name: String,
    pub(crate) ty: KqlType,
}

impl Frame {
    /// The column named `name`.
    pub(crate) fn col(&self, name: &str) -> Option<&FrameCol> {
        self.cols.iter().find(|c| c.name == name)
    }

    /// A reference to column `name`.
    pub(crate) fn column(&self, name: &str) -> Option<Typed> {
        self.col(name).map(|c| Typed::new(col_ref(&c.name), c.ty))
    }

    /// All columns as typed references, in order.
    pub(crate) fn all(&self) -> Vec<(String, Typed)> {
        self.cols
            .iter()
            .map(|c| (c.name.clone(), Typed::new(col_ref(&c.name), c.ty)))
            .collect()
    }

    /// Projects named expressions (the new frame has exactly these columns).
    pub(crate) fn project(&self, items: Vec<(String, Typed)>) -> Result<Frame, KqlError> {
        project_plan(self.plan.clone(), items, Vec::new())
    }

    /// A frame with a single row and no columns (`print`).
    pub(crate) fn one_row() -> Result<Frame, KqlError> {
        Ok(Frame {
            plan: LogicalPlanBuilder::empty(true).build()?,
            cols: Vec::new(),
            order: Vec::new(),
        })
    }
}

/// Builds a projection of `items` over `plan`.
pub(crate) fn project_plan(
    plan: LogicalPlan,
    items: Vec<(String, Typed)>,
    order: Vec<SortExpr>,
) -> Result<Frame, KqlError> {
    let cols = items
        .iter()
        .map(|(name, t)| FrameCol {
            name: name.clone(),
            ty: t.ty,
        })
        .collect();
    let exprs: Vec<Expr> = items
        .into_iter()
        .map(|(name, t)| t.expr.alias(name))
        .collect();
    // A Projection built directly: the builder's column normalization
    // walks the whole plan for every expression, which makes planning
    // quadratic in the number of operators. The planner's references are
    // already unambiguous (unique unqualified names, or qualified after
    // joins).
    let plan = match datafusion::logical_expr::Projection::try_new(
        exprs.clone(),
        Arc::new(plan.clone()),
    ) {
        Ok(projection) => LogicalPlan::Projection(projection),
        Err(_) => LogicalPlanBuilder::from(plan).project(exprs)?.build()?,
    };
    Ok(Frame { plan, cols, order })
}

/// An unqualified reference to a column by its exact name.
pub(crate) fn col_ref(name: &str) -> Expr {
    Expr::Column(Column::new_unqualified(name))
}

/// A scalar expression with its KQL type.
#[derive(Clone, Debug)]
pub(crate) struct Typed {
    pub(crate) expr: Expr,
    pub(crate) ty: KqlType,
}

impl Typed {
    pub(crate) fn new(expr: Expr, ty: KqlType) -> Self {
        Self { expr, ty }
    }

    /// A constant.
    pub(crate) fn value(v: &Value, ty: KqlType) -> Self {
        Self::new(lit(v.to_scalar(ty)), ty)
    }

    /// A typed null.
    pub(crate) fn null(ty: KqlType) -> Self {
        Self::value(&Value::Null, ty)
    }
}

/// What a name is bound to while planning.
#[derive(Clone)]
pub(crate) enum Binding<'q> {
    Scalar(Typed),
    Table(Box<Frame>),
    Function(&'q FunctionDecl),
}

/// Where the planner finds the tables a query names.
pub(crate) trait TableResolver: Send + Sync {
    /// A frame scanning table `name`, or `None` when no such table exists.
    fn scan(&self, name: &str) -> Option<Result<Frame, KqlError>>;
    /// The names of all tables, for messages.
    fn table_names(&self) -> Vec<String>;
}

/// Planner state for one query.
pub(crate) struct Planner<'q> {
    pub(crate) source: &'q str,
    index: LineIndex<'q>,
    tables: &'q dyn TableResolver,
    scopes: Vec<HashMap<String, Binding<'q>>>,
    /// `now()` for the whole query, in engine nanoseconds.
    pub(crate) now: i64,
    pub(crate) render: Option<RenderIntent>,
    next_id: usize,
    depth: usize,
    /// Set while planning the aggregates of `summarize`.
    pub(crate) agg: Option<super::aggregate::AggState>,
    /// Window functions met while compiling the current expression.
    pub(crate) windows: Vec<(String, Expr)>,
    /// The columns `pack_all()` packs inside `extend`.
    pub(crate) pack_all_columns: Option<Vec<String>>,
    /// Request options from `set` statements (`query_bin_auto_size`, ...).
    pub(crate) options: HashMap<String, (Value, KqlType)>,
    /// Values computed from data in earlier planning passes.
    pub(crate) resolved: Arc<HashMap<String, Resolved>>,
    /// What this pass needs computed before it can finish.
    pub(crate) pending: Option<Pending>,
    /// Inside `mv-apply`: the row id column that partitions the subquery.
    pub(crate) partition: Option<String>,
}

/// A value the planner needs computed from data (`toscalar(T)`, the
/// columns `bag_unpack` produces) before it can plan the rest: the runner
/// executes `frame`, records the result under `key` and plans again.
#[derive(Debug, Clone)]
pub(crate) struct Pending {
    pub(crate) key: String,
    pub(crate) frame: Frame,
    pub(crate) kind: PendingKind,
}

/// What to take from a pending frame's result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PendingKind {
    /// The first column of the first row.
    Scalar,
    /// The first column of the first row, a JSON array of names.
    Names,
}

/// A computed value.
#[derive(Debug, Clone)]
pub(crate) enum Resolved {
    Value(Value),
    Names(Vec<String>),
}

const MAX_DEPTH: usize = 64;

impl<'q> Planner<'q> {
    pub(crate) fn new(
        source: &'q str,
        tables: &'q dyn TableResolver,
        now: i64,
        resolved: Arc<HashMap<String, Resolved>>,
    ) -> Self {
        Self {
            source,
            index: LineIndex::new(source),
            tables,
            scopes: vec![HashMap::new()],
            now,
            render: None,
            next_id: 0,
            depth: 0,
            agg: None,
            windows: Vec::new(),
            pack_all_columns: None,
            options: HashMap::new(),
            resolved,
            pending: None,
            partition: None,
        }
    }

    // ----- errors and names -----------------------------------------------

    /// An error at `span` with a code and message, for constructs the
    /// engine does not run.
    pub(crate) fn error(&self, code: &'static str, span: Span, message: String) -> KqlError {
        KqlError::Plan {
            diagnostic: Box::new(Diagnostic::with_index(
                &self.index,
                Severity::Error,
                code,
                message,
                span,
            )),
        }
    }

    /// "`what` is not supported by the local engine" at `span`.
    pub(crate) fn unsupported(&self, span: Span, what: &str) -> KqlError {
        self.error(
            "unsupported",
            span,
            format!("{what} is not supported by the local KQL engine yet."),
        )
    }

    /// A fresh internal column name.
    pub(crate) fn fresh(&mut self, prefix: &str) -> String {
        self.next_id += 1;
        format!("__{prefix}{}", self.next_id)
    }

    pub(crate) fn lookup(&self, name: &str) -> Option<&Binding<'q>> {
        self.scopes.iter().rev().find_map(|s| s.get(name))
    }

    pub(crate) fn bind(&mut self, name: &str, binding: Binding<'q>) {
        if let Some(scope) = self.scopes.last_mut() {
            scope.insert(name.to_string(), binding);
        }
    }

    pub(crate) fn push_scope(&mut self) {
        self.scopes.push(HashMap::new());
    }

    pub(crate) fn pop_scope(&mut self) {
        self.scopes.pop();
    }

    fn enter(&mut self, span: Span) -> Result<(), KqlError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.error(
                "too-deep",
                span,
                "The query nests too deeply (recursive functions?).".into(),
            ));
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.depth -= 1;
    }

    // ----- statements --------------------------------------------------------

    /// Plans the query; the result is its last tabular statement.
    pub(crate) fn plan_query(&mut self, query: &'q Query) -> Result<Frame, KqlError> {
        let mut result = None;
        for statement in &query.statements {
            match &statement.kind {
                StatementKind::Let { name, value } => {
                    let binding = self.let_binding(value)?;
                    self.bind(&name.name, binding);
                }
                StatementKind::QueryParameters(params) => {
                    for p in params {
                        let binding = self.param_default(p)?;
                        self.bind(&p.name.name, binding);
                    }
                }
                StatementKind::Set { name, value } => {
                    let v = match value {
                        Some(e) => {
                            let t = self.scalar(e, &Frame::one_row()?)?;
                            self.const_value(&t).map(|v| (v, t.ty))
                        }
                        None => Some((Value::Bool(true), KqlType::Bool)),
                    };
                    if let Some(v) = v {
                        self.options.insert(name.name.clone(), v);
                    }
                }
                StatementKind::Restrict { .. } => {}
                StatementKind::Pattern(_) | StatementKind::Alias { .. } => {
                    return Err(self.unsupported(statement.span, "This statement"));
                }
                StatementKind::Expr(e) => {
                    if self.is_tabular(e) {
                        self.render = None;
                        result = Some(self.table(e)?);
                    } else {
                        return Err(self.error(
                            "scalar-query",
                            e.span,
                            "A query must produce a table; to return a single value use `print <expression>`.".into(),
                        ));
                    }
                }
            }
        }
        result.ok_or_else(|| {
            self.error(
                "no-result",
                query.span,
                "The query declares names but returns nothing; end it with a tabular expression."
                    .into(),
            )
        })
    }

    fn let_binding(&mut self, value: &'q LetValue) -> Result<Binding<'q>, KqlError> {
        Ok(match value {
            LetValue::Expr(e) => {
                if self.is_tabular(e) {
                    Binding::Table(Box::new(self.table(e)?))
                } else {
                    Binding::Scalar(self.scalar(e, &Frame::one_row()?)?)
                }
            }
            LetValue::Function(decl) => Binding::Function(decl),
            LetValue::EntityGroup(items) => {
                let span = items.first().map_or(Span::default(), |e| e.span);
                return Err(self.unsupported(span, "entity_group"));
            }
        })
    }

    fn param_default(&mut self, p: &'q ast::FunctionParam) -> Result<Binding<'q>, KqlError> {
        match &p.ty {
            ParamType::Scalar(t) => {
                let ty = KqlType::from_name(&t.name).unwrap_or(KqlType::Dynamic);
                match &p.default {
                    Some(d) => {
                        let v = self.scalar(d, &Frame::one_row()?)?;
                        Ok(Binding::Scalar(self.convert(v, ty)))
                    }
                    None => Ok(Binding::Scalar(Typed::null(ty))),
                }
            }
            ParamType::Tabular { .. } => Err(self.unsupported(p.span, "A tabular query parameter")),
        }
    }

    // ----- tabular expressions -----------------------------------------------

    /// True when `e` denotes a table rather than a scalar.
    pub(crate) fn is_tabular(&self, e: &Expr2) -> bool {
        match &e.kind {
            ExprKind::Pipe { .. }
            | ExprKind::Operator(_)
            | ExprKind::DataTable { .. }
            | ExprKind::ExternalData { .. }
            | ExprKind::ToTable { .. }
            | ExprKind::Materialize(_)
            | ExprKind::DataScope { .. } => true,
            ExprKind::Paren(inner) => self.is_tabular(inner),
            ExprKind::Name(n) => match self.lookup(&n.name) {
                Some(Binding::Table(_)) => true,
                Some(Binding::Scalar(_)) => false,
                Some(Binding::Function(decl)) => self.returns_table(decl),
                None => self.tables.scan(&n.name).is_some(),
            },
            ExprKind::Call { name, .. } => match self.lookup(&name.name) {
                Some(Binding::Function(decl)) => self.returns_table(decl),
                Some(_) => false,
                None => matches!(name.name.as_str(), "table" | "view"),
            },
            _ => false,
        }
    }

    /// Whether a user function returns a table (judged from its body).
    fn returns_table(&self, decl: &FunctionDecl) -> bool {
        let Some(body) = &decl.body else {
            return false;
        };
        let tabular_params: Vec<&str> = decl
            .params
            .iter()
            .filter(|p| matches!(p.ty, ParamType::Tabular { .. }))
            .map(|p| p.name.name.as_str())
            .collect();
        let local_tables: Vec<&str> = decl
            .body_statements
            .iter()
            .filter_map(|s| match &s.kind {
                StatementKind::Let {
                    name,
                    value: LetValue::Expr(e),
                } if self.is_tabular(e) => Some(name.name.as_str()),
                _ => None,
            })
            .collect();
        fn head(e: &Expr2) -> &Expr2 {
            match &e.kind {
                ExprKind::Paren(inner) => head(inner),
                _ => e,
            }
        }
        let body = head(body);
        if let ExprKind::Name(n) = &body.kind
            && (tabular_params.contains(&n.name.as_str())
                || local_tables.contains(&n.name.as_str()))
        {
            return true;
        }
        self.is_tabular(body)
    }

    /// Plans a tabular expression.
    pub(crate) fn table(&mut self, e: &'q Expr2) -> Result<Frame, KqlError> {
        self.enter(e.span)?;
        let result = self.table_inner(e);
        self.leave();
        result
    }

    fn table_inner(&mut self, e: &'q Expr2) -> Result<Frame, KqlError> {
        match &e.kind {
            ExprKind::Name(ident) => match self.lookup(&ident.name).cloned() {
                Some(Binding::Table(frame)) => Ok(*frame),
                Some(Binding::Function(decl)) => self.call_tabular(decl, &[], None, e.span),
                Some(Binding::Scalar(_)) => Err(self.error(
                    "scalar-as-tabular",
                    e.span,
                    format!("`{}` is a scalar value, but a table is expected here.", ident.name),
                )),
                None => self.scan_table(&ident.name, e.span),
            },
            ExprKind::Paren(inner) | ExprKind::Materialize(inner) => self.table(inner),
            ExprKind::ToTable { expr, .. } | ExprKind::DataScope { expr, .. } => self.table(expr),
            ExprKind::Pipe { input, op } => {
                let frame = self.table(input)?;
                self.apply(frame, op)
            }
            ExprKind::Operator(op) => self.source_operator(op),
            ExprKind::DataTable {
                columns, values, ..
            } => self.datatable(columns, values, e.span),
            ExprKind::Call { name, args } => match self.lookup(&name.name).cloned() {
                Some(Binding::Function(decl)) => self.call_tabular(decl, args, None, e.span),
                _ if name.name == "table" => match args.first().map(|a| &a.expr.kind) {
                    Some(ExprKind::Literal(ast::Literal::String(t))) => {
                        let t = t.clone();
                        match self.lookup(&t).cloned() {
                            Some(Binding::Table(frame)) => Ok(*frame),
                            _ => self.scan_table(&t, e.span),
                        }
                    }
                    _ => Err(self.unsupported(e.span, "`table()` with a computed name")),
                },
                _ => Err(self.error(
                    "scalar-as-tabular",
                    e.span,
                    format!("`{}(...)` does not return a table.", name.name),
                )),
            },
            ExprKind::ExternalData { .. } => Err(self.unsupported(e.span, "externaldata")),
            _ => Err(self.error(
                "scalar-as-tabular",
                e.span,
                "A single value is used where a table is expected; use `print` to turn values into a table.".into(),
            )),
        }
    }

    /// Names of the tables (and `let` tables and views) matching a `*`
    /// wildcard.
    pub(crate) fn table_names_matching(&self, pattern: &str) -> Vec<String> {
        let mut names: Vec<String> = self
            .tables
            .table_names()
            .into_iter()
            .filter(|n| crate::analyze::wildcard_matches(pattern, n))
            .collect();
        for scope in &self.scopes {
            for (name, binding) in scope {
                let tabular = match binding {
                    Binding::Table(_) => true,
                    Binding::Function(decl) => decl.params.is_empty() && self.returns_table(decl),
                    Binding::Scalar(_) => false,
                };
                if tabular
                    && crate::analyze::wildcard_matches(pattern, name)
                    && !names.contains(name)
                {
                    names.push(name.clone());
                }
            }
        }
        names.sort();
        names
    }

    /// A table by name: a `let` binding or view, then a stored table.
    pub(crate) fn table_by_name(&mut self, name: &str, span: Span) -> Result<Frame, KqlError> {
        match self.lookup(name).cloned() {
            Some(Binding::Table(frame)) => Ok(*frame),
            Some(Binding::Function(decl)) => self.call_tabular(decl, &[], None, span),
            _ => self.scan_table(name, span),
        }
    }

    fn scan_table(&self, name: &str, span: Span) -> Result<Frame, KqlError> {
        match self.tables.scan(name) {
            Some(frame) => frame,
            None => {
                let names = self.tables.table_names();
                let suggestion = crate::diagnostic::closest(name, names.iter().map(String::as_str));
                let list = if names.is_empty() {
                    "No tables are defined.".to_string()
                } else {
                    format!("Tables: {}.", names.join(", "))
                };
                let message = match &suggestion {
                    Some(s) => format!("Unknown table `{name}`. Did you mean `{s}`? {list}"),
                    None => format!("Unknown table `{name}`. {list}"),
                };
                let diagnostic = Diagnostic::with_index(
                    &self.index,
                    Severity::Error,
                    "unknown-table",
                    message,
                    span,
                )
                .suggesting(suggestion)
                .expecting(names);
                Err(KqlError::Plan {
                    diagnostic: Box::new(diagnostic),
                })
            }
        }
    }

    /// Inlines a call of a user function that returns a table. `input` is
    /// the piped table for `invoke`.
    pub(crate) fn call_tabular(
        &mut self,
        decl: &'q FunctionDecl,
        args: &'q [NamedExpr],
        input: Option<Frame>,
        span: Span,
    ) -> Result<Frame, KqlError> {
        self.enter(span)?;
        let result = self.call_function(decl, args, input, span, None);
        self.leave();
        match result? {
            Binding::Table(frame) => Ok(*frame),
            _ => Err(self.error(
                "scalar-as-tabular",
                span,
                "This function returns a single value, but a table is expected here.".into(),
            )),
        }
    }

    /// Binds the parameters of a user function to the arguments and plans
    /// its body; scalar arguments are compiled in `row`.
    pub(crate) fn call_function(
        &mut self,
        decl: &'q FunctionDecl,
        args: &'q [NamedExpr],
        input: Option<Frame>,
        span: Span,
        row: Option<&Frame>,
    ) -> Result<Binding<'q>, KqlError> {
        let mut bindings = Vec::new();
        let mut input = input;
        let mut positional = args.iter().filter(|a| a.names.is_empty());
        for p in &decl.params {
            let named = args
                .iter()
                .find(|a| a.names.first().is_some_and(|n| n.name == p.name.name));
            let binding = match &p.ty {
                ParamType::Tabular { .. } => {
                    if let Some(frame) = input.take() {
                        Binding::Table(Box::new(frame))
                    } else {
                        match named.or_else(|| positional.next()) {
                            Some(arg) => Binding::Table(Box::new(self.table(&arg.expr)?)),
                            None => {
                                return Err(self.error(
                                    "wrong-argument-count",
                                    span,
                                    format!("Missing table argument `{}`.", p.name.name),
                                ));
                            }
                        }
                    }
                }
                ParamType::Scalar(t) => {
                    let ty = KqlType::from_name(&t.name).unwrap_or(KqlType::Dynamic);
                    let arg = named.or_else(|| positional.next());
                    let value = match (arg, &p.default) {
                        (Some(arg), _) => {
                            let frame = match row {
                                Some(f) => f.clone(),
                                None => Frame::one_row()?,
                            };
                            self.scalar(&arg.expr, &frame)?
                        }
                        (None, Some(default)) => self.scalar(default, &Frame::one_row()?)?,
                        (None, None) => {
                            return Err(self.error(
                                "wrong-argument-count",
                                span,
                                format!("Missing argument `{}`.", p.name.name),
                            ));
                        }
                    };
                    let value = if t.name == "dynamic" || value.ty == ty {
                        value
                    } else {
                        self.convert(value, ty)
                    };
                    Binding::Scalar(value)
                }
            };
            bindings.push((p.name.name.clone(), binding));
        }
        self.push_scope();
        for (name, binding) in bindings {
            self.bind(&name, binding);
        }
        let result = self.function_body(decl, row);
        self.pop_scope();
        result
    }

    fn function_body(
        &mut self,
        decl: &'q FunctionDecl,
        row: Option<&Frame>,
    ) -> Result<Binding<'q>, KqlError> {
        for s in &decl.body_statements {
            if let StatementKind::Let { name, value } = &s.kind {
                let binding = self.let_binding(value)?;
                self.bind(&name.name, binding);
            }
        }
        let Some(body) = &decl.body else {
            return Err(self.error("no-result", decl.span, "The function body is empty.".into()));
        };
        if self.is_tabular(body) {
            Ok(Binding::Table(Box::new(self.table(body)?)))
        } else {
            let frame = match row {
                Some(f) => f.clone(),
                None => Frame::one_row()?,
            };
            Ok(Binding::Scalar(self.scalar(body, &frame)?))
        }
    }

    // ----- operators ------------------------------------------------------------

    /// An operator that starts a pipeline.
    fn source_operator(&mut self, op: &'q Operator) -> Result<Frame, KqlError> {
        match &op.kind {
            OperatorKind::Print(items) => {
                let input = Frame::one_row()?;
                let mut out: Vec<(String, Typed)> = Vec::new();
                for (i, item) in items.iter().enumerate() {
                    let t = self.scalar(&item.expr, &input)?;
                    let name = match item.names.first() {
                        Some(n) => n.name.clone(),
                        None => format!("print_{i}"),
                    };
                    set_column(&mut out, name, t);
                }
                input.project(out)
            }
            OperatorKind::Range {
                name,
                from,
                to,
                step,
            } => self.range(&name.name, from, to, step, op.span),
            OperatorKind::Union { params, tables } => self.union(None, params, tables, op.span),
            OperatorKind::Search {
                params,
                tables,
                predicate,
                ..
            } => self.search(None, params, tables.as_deref(), predicate, op.span),
            _ => Err(self.unsupported(op.keyword_span, &format!("`{}`", op.kind.name()))),
        }
    }

    /// Applies a piped operator to `input`.
    pub(crate) fn apply(&mut self, input: Frame, op: &'q Operator) -> Result<Frame, KqlError> {
        match &op.kind {
            OperatorKind::Where { predicate, .. } => {
                let p = self.scalar(&predicate.expr, &input)?;
                let p = self.to_bool(p);
                let plan = LogicalPlanBuilder::from(input.plan)
                    .filter(p.expr)?
                    .build()?;
                Ok(Frame {
                    plan,
                    cols: input.cols,
                    order: input.order,
                })
            }
            OperatorKind::Project(items) => {
                let mut out: Vec<(String, Typed)> = Vec::new();
                if let Some(p) = self.partition_of(&input) {
                    out.push((p.clone(), Typed::new(col_ref(&p), KqlType::Long)));
                }
                for item in items {
                    let t = self.scalar(&item.expr, &input)?;
                    let name = self.item_name(item, &input);
                    if item.names.len() > 1 {
                        return Err(self.unsupported(item.span, "Assigning several names"));
                    }
                    set_column(&mut out, name, t);
                }
                let order = input.order.clone();
                let mut frame = input.project(out)?;
                frame.order = order;
                Ok(frame)
            }
            OperatorKind::Extend(items) | OperatorKind::Serialize { columns: items, .. } => {
                // `pack_all()` sees the columns the operator received, not
                // the ones it adds.
                let saved = self
                    .pack_all_columns
                    .replace(input.cols.iter().map(|c| c.name.clone()).collect());
                let mut frame = input;
                let mut result = Ok(());
                for item in items {
                    if item.names.len() > 1 {
                        result = Err(self.unsupported(item.span, "Assigning several names"));
                        break;
                    }
                    match self.extend_one(frame.clone(), item) {
                        Ok(f) => frame = f,
                        Err(e) => {
                            result = Err(e);
                            break;
                        }
                    }
                }
                self.pack_all_columns = saved;
                result.map(|()| frame)
            }
            OperatorKind::ProjectAway(items) | OperatorKind::ProjectKeep(items) => {
                let keep = matches!(op.kind, OperatorKind::ProjectKeep(_));
                let selected = selected_columns(&input, items);
                let partition = self.partition_of(&input);
                let out: Vec<(String, Typed)> = input
                    .all()
                    .into_iter()
                    .filter(|(n, _)| selected.contains(n) == keep || Some(n) == partition.as_ref())
                    .collect();
                let order = input.order.clone();
                let mut frame = input.project(out)?;
                frame.order = order;
                Ok(frame)
            }
            OperatorKind::ProjectRename(items) => {
                let mut out = input.all();
                for item in items {
                    if let ([new], ExprKind::Name(old)) = (item.names.as_slice(), &item.expr.kind)
                        && let Some(entry) = out.iter_mut().find(|(n, _)| *n == old.name)
                    {
                        entry.0 = new.name.clone();
                    }
                }
                input.project(out)
            }
            OperatorKind::ProjectByNames(items) => {
                let mut out: Vec<(String, Typed)> = Vec::new();
                let one = Frame::one_row()?;
                for item in items {
                    let patterns: Vec<String> = match &item.kind {
                        ExprKind::Wildcard(p) => vec![p.clone()],
                        _ => {
                            let t = self.scalar(item, &one)?;
                            match self.const_value(&t) {
                                Some(Value::Dynamic(serde_json::Value::Array(items))) => items
                                    .iter()
                                    .map(|v| {
                                        v.as_str().map_or_else(|| v.to_string(), str::to_string)
                                    })
                                    .collect(),
                                Some(v) => vec![v.to_kql_string()],
                                None => {
                                    return Err(self.error(
                                        "not-constant",
                                        item.span,
                                        "project-by-names takes constant names.".into(),
                                    ));
                                }
                            }
                        }
                    };
                    for p in patterns {
                        for c in &input.cols {
                            if crate::analyze::wildcard_matches(&p, &c.name)
                                && !out.iter().any(|(n, _)| *n == c.name)
                            {
                                out.push((c.name.clone(), Typed::new(col_ref(&c.name), c.ty)));
                            }
                        }
                    }
                }
                input.project(out)
            }
            OperatorKind::ProjectReorder(items) => {
                let out = reorder(&input, items);
                let order = input.order.clone();
                let mut frame = input.project(out)?;
                frame.order = order;
                Ok(frame)
            }
            OperatorKind::Summarize { aggregates, by, .. } => self.summarize(input, aggregates, by),
            OperatorKind::Count { name } => {
                let name = name.as_ref().map_or("Count", |n| n.name.as_str());
                self.count(input, name)
            }
            OperatorKind::Take { count, .. } | OperatorKind::Sample { count, .. }
                if self.partition_of(&input).is_some() =>
            {
                let n = self.row_count(&count.expr)?;
                self.top_per_partition(input, n, Vec::new())
            }
            OperatorKind::Top { count, by, .. } if self.partition_of(&input).is_some() => {
                let n = self.row_count(&count.expr)?;
                let keys = self.sort_keys(&input, std::slice::from_ref(by))?;
                self.top_per_partition(input, n, keys)
            }
            OperatorKind::Take { count, .. } | OperatorKind::Sample { count, .. } => {
                let n = self.row_count(&count.expr)?;
                let plan = LogicalPlanBuilder::from(input.plan)
                    .limit(0, Some(n))?
                    .build()?;
                Ok(Frame {
                    plan,
                    cols: input.cols,
                    order: input.order,
                })
            }
            OperatorKind::Top { count, by, .. } => {
                let n = self.row_count(&count.expr)?;
                let keys = self.sort_keys(&input, std::slice::from_ref(by))?;
                let plan = LogicalPlanBuilder::from(input.plan)
                    .sort_with_limit(keys.clone(), Some(n))?
                    .build()?;
                Ok(Frame {
                    plan,
                    cols: input.cols,
                    order: keys,
                })
            }
            OperatorKind::Sort { by, .. } => {
                let keys = self.sort_keys(&input, by)?;
                let plan = LogicalPlanBuilder::from(input.plan)
                    .sort(keys.clone())?
                    .build()?;
                Ok(Frame {
                    plan,
                    cols: input.cols,
                    order: keys,
                })
            }
            OperatorKind::Distinct { columns, .. } => self.distinct(input, columns),
            OperatorKind::MvApply {
                params,
                items,
                limit,
                subquery,
                ..
            } => self.mv_apply(input, params, items, limit.as_ref(), subquery, op.span),
            OperatorKind::ParseKv {
                source,
                keys,
                properties,
            } => self.parse_kv(input, source, keys, properties, op.span),
            OperatorKind::Join {
                params,
                right,
                condition,
            } => self.join(input, params, right, condition.as_ref(), op.span),
            OperatorKind::Lookup { params, right, on } => {
                self.lookup_op(input, params, right, on, op.span)
            }
            OperatorKind::Union { params, tables } => {
                self.union(Some(input), params, tables, op.span)
            }
            OperatorKind::Search {
                params,
                tables,
                predicate,
                ..
            } => self.search(Some(input), params, tables.as_deref(), predicate, op.span),
            OperatorKind::MvExpand {
                params,
                items,
                limit,
            } => self.mv_expand(input, params, items, limit.as_ref(), op.span),
            OperatorKind::Parse {
                is_where,
                params,
                source,
                pattern,
            } => self.parse_op(input, *is_where, params, source, pattern, op.span),
            OperatorKind::MakeSeries {
                aggregates,
                on,
                range,
                by,
                params,
            } => self.make_series(input, params, aggregates, on, range, by, op.span),
            OperatorKind::As { name, .. } => {
                self.bind(&name.name, Binding::Table(Box::new(input.clone())));
                Ok(input)
            }
            OperatorKind::Render {
                chart,
                params,
                properties,
            } => {
                self.render = Some(render_intent(self.source, chart, params, properties));
                Ok(input)
            }
            OperatorKind::Invoke(call) => match &call.kind {
                ExprKind::Call { name, args } => match self.lookup(&name.name).cloned() {
                    Some(Binding::Function(decl)) => {
                        self.call_tabular(decl, args, Some(input), call.span)
                    }
                    _ => Err(self.error(
                        "unknown-function",
                        name.span,
                        format!(
                            "`invoke` needs a function defined with `let`; `{}` is not one.",
                            name.name
                        ),
                    )),
                },
                _ => Err(self.unsupported(call.span, "This invoke target")),
            },
            OperatorKind::GetSchema { .. } => self.getschema(&input),
            OperatorKind::Evaluate { call, schema, .. } => {
                self.evaluate(input, call, schema.as_ref(), op.span)
            }
            OperatorKind::AssertSchema(_) | OperatorKind::ExecuteAndCache => Ok(input),
            OperatorKind::Range { .. } | OperatorKind::Print(_) => Err(self.error(
                "unexpected-input",
                op.keyword_span,
                format!("`{}` starts a query and cannot follow `|`.", op.kind.name()),
            )),
            _ => Err(self.unsupported(
                op.keyword_span,
                &format!("The `{}` operator", op.kind.name()),
            )),
        }
    }

    /// `extend name = expr` (one item): replaces a same-named column in
    /// place or appends.
    fn extend_one(&mut self, input: Frame, item: &'q NamedExpr) -> Result<Frame, KqlError> {
        let t = self.scalar(&item.expr, &input)?;
        let name = self.item_name(item, &input);
        let plan = self.materialize_windows(input.plan.clone())?;
        let mut out = input.all();
        set_column(&mut out, name, t);
        project_plan(plan, out, input.order)
    }

    /// The output name of a projection item: its declared name, the name
    /// KQL derives from the expression, or `ColumnN`.
    pub(crate) fn item_name(&mut self, item: &NamedExpr, input: &Frame) -> String {
        if let Some(n) = item.names.first() {
            return n.name.clone();
        }
        match self.result_name(&item.expr, input) {
            Some(n) => n,
            None => {
                let mut i = 1;
                loop {
                    let name = format!("Column{i}");
                    if input.col(&name).is_none() {
                        return name;
                    }
                    i += 1;
                }
            }
        }
    }

    /// A constant row count (`take 10`).
    pub(crate) fn row_count(&mut self, e: &'q Expr2) -> Result<usize, KqlError> {
        let t = self.scalar(e, &Frame::one_row()?)?;
        match self.const_value(&t) {
            Some(v) => match v.to_i64() {
                Some(n) if n >= 0 => Ok(usize::try_from(n).unwrap_or(usize::MAX)),
                Some(_) => Ok(0),
                None => Err(self.error(
                    "type-mismatch",
                    e.span,
                    "The row count must be a number.".into(),
                )),
            },
            None => Err(self.error(
                "not-constant",
                e.span,
                "The row count must be a constant.".into(),
            )),
        }
    }

    /// Sort keys with KQL's defaults: descending; nulls last when
    /// descending and first when ascending.
    pub(crate) fn sort_keys(
        &mut self,
        input: &Frame,
        by: &'q [ast::OrderedExpr],
    ) -> Result<Vec<SortExpr>, KqlError> {
        let mut keys = Vec::new();
        for key in by {
            let t = self.scalar(&key.expr.expr, input)?;
            let t = if t.ty == KqlType::Dynamic {
                self.dynamic_sort_key(t)
            } else {
                t
            };
            let asc = matches!(
                key.direction,
                Some(SortDirection::Asc | SortDirection::GrannyAsc)
            );
            let nulls_first = match key.nulls {
                Some(NullsOrder::First) => true,
                Some(NullsOrder::Last) => false,
                None => asc,
            };
            keys.push(t.expr.sort(asc, nulls_first));
        }
        Ok(keys)
    }

    /// The mv-apply partition column, when `input` has it.
    pub(crate) fn partition_of(&self, input: &Frame) -> Option<String> {
        self.partition.clone().filter(|p| input.col(p).is_some())
    }

    /// `take n` / `top n by ...` inside mv-apply: per row's expansion.
    fn top_per_partition(
        &mut self,
        input: Frame,
        n: usize,
        keys: Vec<SortExpr>,
    ) -> Result<Frame, KqlError> {
        let Some(partition) = self.partition_of(&input) else {
            return Ok(input);
        };
        let mut rank = datafusion::functions_window::expr_fn::row_number()
            .partition_by(vec![col_ref(&partition)]);
        if !keys.is_empty() {
            rank = rank.order_by(keys.clone());
        }
        let rank = rank.build()?;
        let rank_name = rank.schema_name().to_string();
        let windowed = LogicalPlanBuilder::window_plan(input.plan.clone(), vec![rank])?;
        let filtered = LogicalPlanBuilder::from(windowed)
            .filter(col_ref(&rank_name).lt_eq(lit(n as u64)))?
            .build()?;
        let sorted = if keys.is_empty() {
            filtered
        } else {
            LogicalPlanBuilder::from(filtered)
                .sort(keys.clone())?
                .build()?
        };
        project_plan(sorted, input.all(), keys)
    }

    fn distinct(&mut self, input: Frame, columns: &'q [NamedExpr]) -> Result<Frame, KqlError> {
        if columns
            .iter()
            .any(|c| matches!(c.expr.kind, ExprKind::Star))
        {
            let plan = LogicalPlanBuilder::from(input.plan).distinct()?.build()?;
            return Ok(Frame {
                plan,
                cols: input.cols,
                order: Vec::new(),
            });
        }
        let mut out: Vec<(String, Typed)> = Vec::new();
        for item in columns {
            let t = self.scalar(&item.expr, &input)?;
            let name = self.item_name(item, &input);
            set_column(&mut out, name, t);
        }
        let projected = input.project(out)?;
        let plan = LogicalPlanBuilder::from(projected.plan)
            .distinct()?
            .build()?;
        Ok(Frame {
            plan,
            cols: projected.cols,
            order: Vec::new(),
        })
    }

    fn range(
        &mut self,
        name: &str,
        from: &'q Expr2,
        to: &'q Expr2,
        step: &'q Expr2,
        span: Span,
    ) -> Result<Frame, KqlError> {
        let row = Frame::one_row()?;
        let (f, t, s) = (
            self.scalar(from, &row)?,
            self.scalar(to, &row)?,
            self.scalar(step, &row)?,
        );
        let (Some(fv), Some(tv), Some(sv)) = (
            self.const_value(&f),
            self.const_value(&t),
            self.const_value(&s),
        ) else {
            return Err(self.unsupported(span, "`range` with bounds that are not constants"));
        };
        const LIMIT: usize = 10_000_000;
        let too_many = || {
            self.error(
                "range-too-large",
                span,
                format!("`range` would produce more than {LIMIT} rows."),
            )
        };
        let (ty, values): (KqlType, Vec<Value>) = match (f.ty, s.ty) {
            (KqlType::DateTime, _) | (KqlType::Timespan, _) => {
                let (Some(a), Some(b), Some(st)) = (
                    if f.ty == KqlType::DateTime {
                        fv.to_datetime()
                    } else {
                        fv.to_timespan()
                    },
                    if f.ty == KqlType::DateTime {
                        tv.to_datetime()
                    } else {
                        tv.to_timespan()
                    },
                    sv.to_timespan(),
                ) else {
                    return self.empty_frame(vec![(name.to_string(), f.ty)]);
                };
                let mut values = Vec::new();
                if st != 0 {
                    let mut x = a;
                    while (st > 0 && x <= b) || (st < 0 && x >= b) {
                        values.push(if f.ty == KqlType::DateTime {
                            Value::DateTime(x)
                        } else {
                            Value::Timespan(x)
                        });
                        if values.len() > LIMIT {
                            return Err(too_many());
                        }
                        x += st;
                    }
                }
                (f.ty, values)
            }
            _ if [f.ty, t.ty, s.ty].contains(&KqlType::Real)
                || [f.ty, t.ty, s.ty].contains(&KqlType::Decimal) =>
            {
                let (Some(a), Some(b), Some(st)) = (fv.to_f64(), tv.to_f64(), sv.to_f64()) else {
                    return self.empty_frame(vec![(name.to_string(), KqlType::Real)]);
                };
                let mut values = Vec::new();
                if st != 0.0 {
                    let mut i = 0.0;
                    loop {
                        let x = a + i * st;
                        if (st > 0.0 && x > b + 1e-12) || (st < 0.0 && x < b - 1e-12) {
                            break;
                        }
                        values.push(Value::Real(x));
                        if values.len() > LIMIT {
                            return Err(too_many());
                        }
                        i += 1.0;
                    }
                }
                (KqlType::Real, values)
            }
            _ => {
                let (Some(a), Some(b), Some(st)) = (fv.to_i64(), tv.to_i64(), sv.to_i64()) else {
                    return self.empty_frame(vec![(name.to_string(), KqlType::Long)]);
                };
                let count = if st == 0 || (st > 0 && a > b) || (st < 0 && a < b) {
                    0
                } else {
                    ((i128::from(b) - i128::from(a)) / i128::from(st) + 1) as u128
                };
                if count > LIMIT as u128 {
                    return Err(too_many());
                }
                let values = (0..count as i64).map(|i| Value::Long(a + i * st)).collect();
                (KqlType::Long, values)
            }
        };
        let frame = self.values_frame(vec![(name.to_string(), ty)], vec![values])?;
        let order = vec![col_ref(name).sort(true, true)];
        Ok(Frame { order, ..frame })
    }

    fn datatable(
        &mut self,
        columns: &'q [ast::ColumnDecl],
        values: &'q [Expr2],
        span: Span,
    ) -> Result<Frame, KqlError> {
        let cols: Vec<(String, KqlType)> = columns
            .iter()
            .map(|c| {
                let ty =
                    c.ty.as_ref()
                        .and_then(|t| KqlType::from_name(&t.name))
                        .unwrap_or(KqlType::Dynamic);
                (c.name.name.clone(), ty)
            })
            .collect();
        if cols.is_empty() {
            return Err(self.error("datatable-shape", span, "A datatable needs columns.".into()));
        }
        let mut data: Vec<Vec<Value>> = vec![Vec::new(); cols.len()];
        let row = Frame::one_row()?;
        for (i, v) in values.iter().enumerate() {
            let t = self.scalar(v, &row)?;
            let Some(value) = self.const_value(&t) else {
                return Err(self.error(
                    "not-constant",
                    v.span,
                    "datatable values must be constants.".into(),
                ));
            };
            data[i % cols.len()].push(value);
        }
        let rows = values.len() / cols.len();
        for column in &mut data {
            column.truncate(rows);
        }
        self.values_frame(cols, data)
    }

    /// A frame over literal columns.
    pub(crate) fn values_frame(
        &mut self,
        cols: Vec<(String, KqlType)>,
        data: Vec<Vec<Value>>,
    ) -> Result<Frame, KqlError> {
        let fields: Vec<Field> = cols
            .iter()
            .map(|(n, t)| Field::new(n, arrow_type(*t), true))
            .collect();
        let schema = Arc::new(ArrowSchema::new(fields));
        let arrays = cols
            .iter()
            .zip(data)
            .map(|((_, t), values)| build_array(*t, values))
            .collect();
        let batch = RecordBatch::try_new(schema.clone(), arrays)?;
        // Batches of the session's size rather than one: operators work
        // (and yield to cancellation) batch by batch, so a `range` of
        // millions of rows must not arrive as a single batch.
        let batches = (0..batch.num_rows().max(1))
            .step_by(super::BATCH_SIZE)
            .map(|at| batch.slice(at, super::BATCH_SIZE.min(batch.num_rows() - at)))
            .collect();
        let table = MemTable::try_new(schema, vec![batches])?;
        let name = self.fresh("values");
        let plan =
            LogicalPlanBuilder::scan(name, provider_as_source(Arc::new(table)), None)?.build()?;
        let items = cols
            .iter()
            .map(|(n, t)| (n.clone(), Typed::new(col_ref(n), *t)))
            .collect();
        project_plan(plan, items, Vec::new())
    }

    /// A frame with the given columns and no rows.
    pub(crate) fn empty_frame(&mut self, cols: Vec<(String, KqlType)>) -> Result<Frame, KqlError> {
        let n = cols.len();
        self.values_frame(cols, vec![Vec::new(); n])
    }

    fn getschema(&mut self, input: &Frame) -> Result<Frame, KqlError> {
        let mut names = Vec::new();
        let mut ordinals = Vec::new();
        let mut data_types = Vec::new();
        let mut column_types = Vec::new();
        for (i, c) in input.cols.iter().enumerate() {
            names.push(Value::String(c.name.clone()));
            ordinals.push(Value::Int(i32::try_from(i).unwrap_or(i32::MAX)));
            data_types.push(Value::String(system_type(c.ty).into()));
            column_types.push(Value::String(c.ty.name().into()));
        }
        self.values_frame(
            vec![
                ("ColumnName".into(), KqlType::String),
                ("ColumnOrdinal".into(), KqlType::Int),
                ("DataType".into(), KqlType::String),
                ("ColumnType".into(), KqlType::String),
            ],
            vec![names, ordinals, data_types, column_types],
        )
    }

    /// A constant expression's value, when it has no column references.
    pub(crate) fn const_value(&self, t: &Typed) -> Option<Value> {
        super::eval::const_eval(&t.expr).map(|s| scalar_to_value(&s, t.ty))
    }
}

/// Shorthand for the AST expression type (DataFusion's `Expr` is used
/// unqualified in this module).
pub(crate) type Expr2 = ast::Expr;

/// Reads a DataFusion scalar as a [`Value`] of KQL type `ty`.
pub(crate) fn scalar_to_value(s: &ScalarValue, ty: KqlType) -> Value {
    match s.to_array() {
        Ok(array) => Value::from_array(array.as_ref(), 0, ty),
        Err(_) => Value::Null,
    }
}

/// Adds or replaces a column in a projection list.
pub(crate) fn set_column(out: &mut Vec<(String, Typed)>, name: String, t: Typed) {
    match out.iter_mut().find(|(n, _)| *n == name) {
        Some(entry) => entry.1 = t,
        None => out.push((name, t)),
    }
}

/// Adds a column, renaming it `name1`, `name2`, ... when taken.
pub(crate) fn add_unique(out: &mut Vec<(String, Typed)>, name: String, t: Typed) {
    let mut candidate = name.clone();
    let mut n = 1;
    while out.iter().any(|(c, _)| *c == candidate) {
        candidate = format!("{name}{n}");
        n += 1;
    }
    out.push((candidate, t));
}

fn selected_columns(input: &Frame, items: &[Expr2]) -> Vec<String> {
    let mut selected = Vec::new();
    for item in items {
        match &item.kind {
            ExprKind::Name(n) => selected.push(n.name.clone()),
            ExprKind::Wildcard(pattern) => selected.extend(
                input
                    .cols
                    .iter()
                    .filter(|c| crate::analyze::wildcard_matches(pattern, &c.name))
                    .map(|c| c.name.clone()),
            ),
            _ => {}
        }
    }
    selected
}

fn reorder(input: &Frame, items: &[ast::OrderedExpr]) -> Vec<(String, Typed)> {
    let all = input.all();
    let mut first: Vec<(String, Typed)> = Vec::new();
    for item in items {
        match &item.expr.expr.kind {
            ExprKind::Name(n) => {
                if let Some(c) = all.iter().find(|(name, _)| *name == n.name)
                    && !first.iter().any(|(f, _)| *f == n.name)
                {
                    first.push(c.clone());
                }
            }
            ExprKind::Wildcard(pattern) => {
                let mut matched: Vec<(String, Typed)> = all
                    .iter()
                    .filter(|(name, _)| crate::analyze::wildcard_matches(pattern, name))
                    .filter(|(name, _)| !first.iter().any(|(f, _)| f == name))
                    .cloned()
                    .collect();
                match item.direction {
                    Some(SortDirection::Asc | SortDirection::GrannyAsc) => {
                        matched.sort_by_key(|(n, _)| n.to_lowercase());
                    }
                    Some(SortDirection::Desc | SortDirection::GrannyDesc) => {
                        matched.sort_by_key(|(n, _)| std::cmp::Reverse(n.to_lowercase()));
                    }
                    None => {}
                }
                first.extend(matched);
            }
            _ => {}
        }
    }
    let rest: Vec<(String, Typed)> = all
        .into_iter()
        .filter(|(n, _)| !first.iter().any(|(f, _)| f == n))
        .collect();
    first.extend(rest);
    first
}

/// The .NET type name `getschema` reports.
fn system_type(ty: KqlType) -> &'static str {
    match ty {
        KqlType::Bool => "System.Boolean",
        KqlType::DateTime => "System.DateTime",
        KqlType::Dynamic => "System.Object",
        KqlType::Guid => "System.Guid",
        KqlType::Int => "System.Int32",
        KqlType::Long => "System.Int64",
        KqlType::Real => "System.Double",
        KqlType::String => "System.String",
        KqlType::Timespan => "System.TimeSpan",
        KqlType::Decimal => "System.Data.SqlTypes.SqlDecimal",
    }
}

fn render_intent(
    source: &str,
    chart: &ast::Ident,
    params: &[ast::NamedParam],
    properties: &[ast::NamedParam],
) -> RenderIntent {
    let mut props = std::collections::BTreeMap::new();
    for p in params.iter().chain(properties) {
        let value = match &p.value {
            ast::ParamValue::Expr(e) => match &e.kind {
                ExprKind::Literal(ast::Literal::String(s)) => s.clone(),
                ExprKind::Name(n) => n.name.clone(),
                _ => e.span.text(source).to_string(),
            },
            ast::ParamValue::Names(names) => names
                .iter()
                .map(|n| n.name.as_str())
                .collect::<Vec<_>>()
                .join(","),
        };
        props.insert(p.name.clone(), value);
    }
    RenderIntent {
        visualization: chart.name.clone(),
        properties: props,
    }
}
