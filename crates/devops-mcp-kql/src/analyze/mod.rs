//! Semantic analysis: resolves table, column, `let` and function names,
//! applies KQL's type rules, computes the schema each operator produces
//! and reports diagnostics with positions and "did you mean" suggestions.
//!
//! The analyzer never stops at the first problem: an unknown name gets an
//! unknown type, which is accepted everywhere, so one mistake produces one
//! diagnostic. Where the schema cannot be known statically (after
//! `evaluate bag_unpack`, on `database("x").T`, ...) the schema is marked
//! open and unknown columns are not reported.

mod scalar;
mod schema;
mod tabular;

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use crate::ast::{
    Expr, ExprKind, FunctionDecl, LetValue, ParamType, Query, Statement, StatementKind,
};
use crate::catalog::Catalog;
use crate::diagnostic::{Diagnostic, Severity, closest};
use crate::span::{LineIndex, Span};
use crate::types::KqlType;

pub(crate) use schema::{Col, Schema, wildcard_matches};

/// The result of analysing a query.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Analysis {
    /// Problems found, in source order.
    pub diagnostics: Vec<Diagnostic>,
    /// The schema of the query result: the last tabular statement.
    pub output: Option<OutputSchema>,
    /// The chart requested by a final `render` operator.
    pub render: Option<RenderIntent>,
}

impl Analysis {
    /// True when any diagnostic is an error.
    #[must_use]
    pub fn has_errors(&self) -> bool {
        self.diagnostics
            .iter()
            .any(|d| d.severity == Severity::Error)
    }

    /// The error diagnostics.
    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
    }
}

/// Columns of a query result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OutputSchema {
    /// Columns in order.
    pub columns: Vec<OutputColumn>,
    /// False when the result may have more columns than listed (for
    /// example after `evaluate bag_unpack(...)`).
    pub complete: bool,
}

/// A result column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OutputColumn {
    /// Column name.
    pub name: String,
    /// Column type, when it can be known before running the query.
    #[serde(rename = "type")]
    pub ty: Option<KqlType>,
}

/// What a `render` operator asked for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RenderIntent {
    /// The visualization (`timechart`, `barchart`, `piechart`, ...).
    pub visualization: String,
    /// Properties from `with (...)` and the legacy forms, as written.
    pub properties: BTreeMap<String, String>,
}

/// What an expression turned out to be.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    Scalar(Option<KqlType>),
    Table(Schema),
    Unknown,
}

/// What a name is bound to.
#[derive(Debug, Clone)]
pub(crate) enum Binding<'a> {
    Scalar(Option<KqlType>),
    Table(Schema),
    Function {
        decl: &'a FunctionDecl,
        result: Value,
    },
}

/// Analyzer state for one query.
pub(crate) struct Analyzer<'a> {
    catalog: &'a Catalog,
    source: &'a str,
    index: LineIndex<'a>,
    diagnostics: Vec<Diagnostic>,
    scopes: Vec<HashMap<String, Binding<'a>>>,
    next_column: usize,
    render: Option<RenderIntent>,
    /// The two sides while analysing a join condition (`$left` / `$right`).
    join: Option<(Schema, Schema)>,
    /// True while analysing the aggregates of `summarize` / `make-series`.
    in_aggregation: bool,
    /// Set when an aggregate function call was analysed.
    aggregate_seen: bool,
    /// Nesting of function instantiations (guards against recursion).
    instantiation_depth: usize,
}

/// Analyzes a parsed query against the tables of `catalog`.
#[must_use]
pub fn analyze(query: &Query, catalog: &Catalog) -> Analysis {
    let mut analyzer = Analyzer {
        catalog,
        source: &query.source,
        index: LineIndex::new(&query.source),
        diagnostics: Vec::new(),
        scopes: vec![HashMap::new()],
        next_column: 1,
        render: None,
        join: None,
        in_aggregation: false,
        aggregate_seen: false,
        instantiation_depth: 0,
    };
    let mut output = None;
    let mut last_tabular: Option<Span> = None;
    for statement in &query.statements {
        analyzer.render = None;
        match analyzer.statement(statement) {
            Some(Value::Table(schema)) => {
                last_tabular = Some(statement.span);
                output = Some(OutputSchema {
                    complete: !schema.open,
                    columns: schema
                        .cols
                        .iter()
                        .map(|c| OutputColumn {
                            name: c.name.clone(),
                            ty: c.ty,
                        })
                        .collect(),
                });
            }
            Some(Value::Scalar(_)) => analyzer.error(
                "scalar-query",
                statement.span,
                "A query must produce a table; to return a single value use `print <expression>`."
                    .into(),
                None,
            ),
            _ => {}
        }
    }
    let render = if last_tabular.is_some() {
        analyzer.render.take()
    } else {
        None
    };
    if query
        .statements
        .iter()
        .all(|s| !matches!(s.kind, StatementKind::Expr(_)))
        && !query.statements.is_empty()
    {
        analyzer.warning(
            "no-result",
            query.span,
            "The query only declares names (let/set/declare) and returns nothing; end it with a tabular expression.".into(),
        );
    }
    let mut diagnostics = analyzer.diagnostics;
    diagnostics.sort_by_key(|d| (d.span.start, d.span.end));
    Analysis {
        diagnostics,
        output,
        render,
    }
}

impl<'a> Analyzer<'a> {
    // ----- diagnostics -------------------------------------------------------

    pub(crate) fn error(
        &mut self,
        code: &'static str,
        span: Span,
        message: String,
        suggestion: Option<String>,
    ) {
        let d = Diagnostic::with_index(&self.index, Severity::Error, code, message, span)
            .suggesting(suggestion);
        self.diagnostics.push(d);
    }

    pub(crate) fn error_expecting(
        &mut self,
        code: &'static str,
        span: Span,
        message: String,
        suggestion: Option<String>,
        expected: Vec<String>,
    ) {
        let d = Diagnostic::with_index(&self.index, Severity::Error, code, message, span)
            .suggesting(suggestion)
            .expecting(expected);
        self.diagnostics.push(d);
    }

    pub(crate) fn warning(&mut self, code: &'static str, span: Span, message: String) {
        let d = Diagnostic::with_index(&self.index, Severity::Warning, code, message, span);
        self.diagnostics.push(d);
    }

    // ----- scopes ---------------------------------------------------------------

    pub(crate) fn lookup(&self, name: &str) -> Option<&Binding<'a>> {
        self.scopes.iter().rev().find_map(|scope| scope.get(name))
    }

    pub(crate) fn bind(&mut self, name: &str, binding: Binding<'a>) {
        if let Some(scope) = self.scopes.last_mut() {
            scope.insert(name.to_string(), binding);
        }
    }

    fn push_scope(&mut self) {
        self.scopes.push(HashMap::new());
    }

    fn pop_scope(&mut self) {
        self.scopes.pop();
    }

    /// Names of all `let` bindings in scope.
    pub(crate) fn bound_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.scopes.iter().flat_map(|s| s.keys().cloned()).collect();
        names.sort();
        names.dedup();
        names
    }

    /// A fresh default column name (`Column1`, ...) not used by `row`.
    pub(crate) fn default_column_name(&mut self, row: &Schema) -> String {
        loop {
            let name = format!("Column{}", self.next_column);
            self.next_column += 1;
            if row.get(&name).is_none() && self.lookup(&name).is_none() {
                return name;
            }
        }
    }

    // ----- statements ---------------------------------------------------------

    fn statement(&mut self, statement: &'a Statement) -> Option<Value> {
        match &statement.kind {
            StatementKind::Let { name, value } => {
                let binding = match value {
                    LetValue::Expr(e) => match self.value(e) {
                        Value::Scalar(t) => Binding::Scalar(t),
                        Value::Table(s) => Binding::Table(s),
                        Value::Unknown => Binding::Scalar(None),
                    },
                    LetValue::Function(decl) => {
                        let result = self.function_body(decl);
                        Binding::Function { decl, result }
                    }
                    LetValue::EntityGroup(_) => Binding::Table(Schema::open()),
                };
                self.bind(&name.name, binding);
                None
            }
            StatementKind::QueryParameters(params) => {
                for p in params {
                    let binding = self.param_binding(&p.ty);
                    self.bind(&p.name.name, binding);
                }
                None
            }
            StatementKind::Set { value, .. } => {
                if let Some(v) = value {
                    self.scalar(v, &Schema::default());
                }
                None
            }
            StatementKind::Alias { name, .. } => {
                self.bind(&name.name, Binding::Table(Schema::open()));
                None
            }
            StatementKind::Pattern(p) => {
                self.bind(&p.name.name, Binding::Table(Schema::open()));
                None
            }
            StatementKind::Restrict { .. } => None,
            StatementKind::Expr(e) => Some(self.value(e)),
        }
    }

    fn param_binding(&mut self, ty: &ParamType) -> Binding<'a> {
        match ty {
            ParamType::Scalar(t) => Binding::Scalar(self.type_name(t)),
            ParamType::Tabular { columns, has_star } => {
                let mut schema = Schema::default();
                for c in columns {
                    schema.cols.push(Col {
                        name: c.name.name.clone(),
                        ty: c.ty.as_ref().and_then(|t| self.type_name(t)),
                    });
                }
                // A tabular parameter may receive more columns than declared.
                schema.open = *has_star || !columns.is_empty();
                Binding::Table(schema)
            }
        }
    }

    /// The KQL type named by a type name, reporting unknown names.
    pub(crate) fn type_name(&mut self, t: &crate::ast::TypeName) -> Option<KqlType> {
        let ty = KqlType::from_name(&t.name);
        if ty.is_none() {
            let names = KqlType::ALL.iter().map(|t| t.name());
            let suggestion = closest(&t.name, names);
            self.error(
                "unknown-type",
                t.span,
                format!("`{}` is not a KQL type.", t.name),
                suggestion,
            );
        }
        ty
    }

    /// Analyzes a function body with its parameters bound to their declared
    /// types; the result is the function's result for every call.
    fn function_body(&mut self, decl: &'a FunctionDecl) -> Value {
        self.push_scope();
        for p in &decl.params {
            let binding = self.param_binding(&p.ty);
            if let Some(default) = &p.default {
                self.scalar(default, &Schema::default());
            }
            self.bind(&p.name.name, binding);
        }
        for s in &decl.body_statements {
            self.statement(s);
        }
        let result = match &decl.body {
            Some(body) => self.value(body),
            None => Value::Unknown,
        };
        self.pop_scope();
        result
    }

    /// Re-analyses a function body for one call: the first tabular
    /// parameter gets `input` (for `invoke`), tabular arguments give their
    /// schemas, so the result schema follows the actual data. Diagnostics
    /// inside the body were reported at its declaration and are not
    /// repeated. Returns `None` when nesting is too deep (recursion).
    pub(crate) fn instantiate(
        &mut self,
        decl: &'a FunctionDecl,
        input: Option<&Schema>,
        args: &'a [crate::ast::NamedExpr],
    ) -> Option<Value> {
        if self.instantiation_depth >= 8 {
            return None;
        }
        let diagnostics = self.diagnostics.len();
        self.instantiation_depth += 1;
        let mut values = Vec::new();
        for arg in args {
            values.push(if scalar::is_tabular_syntax(&arg.expr) {
                Some(self.table(&arg.expr))
            } else {
                match &arg.expr.kind {
                    ExprKind::Name(n) => match self.lookup(&n.name) {
                        Some(Binding::Table(s)) => Some(s.clone()),
                        _ => None,
                    },
                    _ => None,
                }
            });
        }
        self.push_scope();
        let mut args_iter = values.into_iter();
        let mut input = input.cloned();
        for p in &decl.params {
            let mut binding = self.param_binding(&p.ty);
            if matches!(p.ty, ParamType::Tabular { .. }) {
                let given = match input.take() {
                    Some(schema) => Some(schema),
                    None => args_iter.next().flatten(),
                };
                if let Some(schema) = given {
                    binding = Binding::Table(schema);
                }
            } else if input.is_none() {
                args_iter.next();
            }
            self.bind(&p.name.name, binding);
        }
        for s in &decl.body_statements {
            self.statement(s);
        }
        let result = decl.body.as_ref().map(|body| self.value(body));
        self.pop_scope();
        self.instantiation_depth -= 1;
        self.diagnostics.truncate(diagnostics);
        result
    }

    // ----- values -------------------------------------------------------------

    /// Analyzes an expression that may be tabular or scalar.
    pub(crate) fn value(&mut self, e: &'a Expr) -> Value {
        match &e.kind {
            ExprKind::Pipe { .. }
            | ExprKind::Operator(_)
            | ExprKind::DataTable { .. }
            | ExprKind::ExternalData { .. }
            | ExprKind::ToTable { .. }
            | ExprKind::Materialize(_)
            | ExprKind::DataScope { .. }
            | ExprKind::EntityGroup(_)
            | ExprKind::Wildcard(_) => Value::Table(self.table(e)),
            ExprKind::Paren(inner) => self.value(inner),
            ExprKind::Name(ident) => match self.lookup(&ident.name) {
                Some(Binding::Scalar(t)) => Value::Scalar(*t),
                Some(Binding::Table(s)) => Value::Table(s.clone()),
                Some(Binding::Function { decl, result }) => {
                    let (decl, result) = (*decl, result.clone());
                    self.check_call_arity(&ident.name, decl, 0, e.span);
                    result
                }
                None if self.catalog.table(&ident.name).is_some() => Value::Table(self.table(e)),
                None => {
                    self.unknown_name(&ident.name, e.span);
                    Value::Unknown
                }
            },
            ExprKind::Call { name, .. } => {
                if let Some(Binding::Function { .. }) = self.lookup(&name.name) {
                    return self.user_call(e, &Schema::default());
                }
                if scalar::is_tabular_function(&name.name) {
                    return Value::Table(self.table(e));
                }
                Value::Scalar(self.scalar(e, &Schema::default()))
            }
            ExprKind::Member { target, .. } if scalar::is_entity_path(target) => {
                Value::Table(self.table(e))
            }
            _ => Value::Scalar(self.scalar(e, &Schema::default())),
        }
    }

    /// A name that is neither a table, a `let` binding nor a function.
    fn unknown_name(&mut self, name: &str, span: Span) {
        let mut candidates: Vec<String> = self.catalog.tables().map(|t| t.name.clone()).collect();
        candidates.extend(self.bound_names());
        let suggestion = closest(name, candidates.iter().map(String::as_str));
        let tables = self.table_list();
        self.error(
            "unknown-name",
            span,
            format!(
                "Unknown name `{name}`: it is not a table, a `let` binding or a function. {tables}"
            ),
            suggestion,
        );
    }

    /// "Tables: a, b, c." for messages about unknown tables.
    pub(crate) fn table_list(&self) -> String {
        let names: Vec<&str> = self.catalog.tables().map(|t| t.name.as_str()).collect();
        if names.is_empty() {
            "No tables are defined.".to_string()
        } else {
            format!("Tables: {}.", names.join(", "))
        }
    }

    /// Checks the argument count of a call to a user function.
    pub(crate) fn check_call_arity(
        &mut self,
        name: &str,
        decl: &FunctionDecl,
        given: usize,
        span: Span,
    ) {
        let required = decl.params.iter().filter(|p| p.default.is_none()).count();
        let total = decl.params.len();
        if given < required || given > total {
            let expected = if required == total {
                format!("{total}")
            } else {
                format!("{required} to {total}")
            };
            self.error(
                "wrong-argument-count",
                span,
                format!("Function `{name}` takes {expected} argument(s) but {given} were given."),
                None,
            );
        }
    }
}
