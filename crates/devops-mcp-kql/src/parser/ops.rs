//! Tabular query operators: `where`, `project`, `summarize`, `join`, ...
//! each parsed with its parameters and clauses.

use super::expr::unnamed;
use super::params::{self, Allowed};
use super::{PResult, Parser};
use crate::ast::{
    ColumnDecl, ExpandItem, Expr, ExprKind, ForkBranch, GraphPatternItem, GraphPatternKind,
    GraphToTableOutput, Ident, JoinCondition, NamedExpr, NullsOrder, Operator, OperatorKind,
    OrderedExpr, ParsePatternItem, ScanStep, SeriesAggregate, SeriesRange, SortDirection,
    TopNestedLevel, TypeOfItem,
};
use crate::diagnostic::closest;
use crate::keywords::{self, CBI};
use crate::lexer::{self, Tok};
use crate::span::Span;

/// Operator names, for "did you mean" on a misspelled operator.
pub(crate) const OPERATOR_NAMES: &[&str] = &[
    "as",
    "consume",
    "count",
    "distinct",
    "evaluate",
    "extend",
    "facet",
    "filter",
    "find",
    "fork",
    "getschema",
    "graph-match",
    "graph-mark-components",
    "graph-shortest-paths",
    "graph-to-table",
    "invoke",
    "join",
    "limit",
    "lookup",
    "make-graph",
    "make-series",
    "mv-apply",
    "mv-expand",
    "order",
    "parse",
    "parse-kv",
    "parse-where",
    "partition",
    "print",
    "project",
    "project-away",
    "project-keep",
    "project-rename",
    "project-reorder",
    "range",
    "reduce",
    "render",
    "sample",
    "sample-distinct",
    "scan",
    "search",
    "serialize",
    "sort",
    "summarize",
    "take",
    "top",
    "top-hitters",
    "top-nested",
    "union",
    "where",
];

/// Keywords that are query operators only when they cannot be names.
const OPERATOR_KEYWORDS: &[&str] = &[
    "as",
    "assert-schema",
    "consume",
    "count",
    "distinct",
    "__executeAndCache",
    "extend",
    "filter",
    "find",
    "getschema",
    "graph-match",
    "graph-to-table",
    "invoke",
    "join",
    "limit",
    "macro-expand",
    "make-graph",
    "graph-mark-components",
    "make-series",
    "mvapply",
    "mv-apply",
    "mvexpand",
    "mv-expand",
    "order",
    "parse",
    "parse-where",
    "parse-kv",
    "print",
    "project",
    "project-away",
    "project-keep",
    "project-rename",
    "project-by-names",
    "project-reorder",
    "sample",
    "sample-distinct",
    "scan",
    "search",
    "serialize",
    "sort",
    "summarize",
    "take",
    "top",
    "top-hitters",
    "top-nested",
    "union",
    "where",
];

fn op_expr(kind: OperatorKind, keyword_span: Span, span: Span) -> Expr {
    Expr {
        kind: ExprKind::Operator(Box::new(Operator {
            kind,
            keyword_span,
            span,
        })),
        span,
    }
}

impl Parser<'_> {
    /// True when the next tokens must be a query operator (rather than an
    /// expression that happens to start with an operator's name).
    pub(crate) fn scan_possible_query_operator(&self) -> bool {
        if self.kind(0) != Tok::Keyword {
            return false;
        }
        let known_param_next = || self.scan_known_param(params::NONE, false, 1).is_some();
        match self.text(0) {
            "evaluate" => self.scan_name(1).is_some() || known_param_next(),
            "facet" => self.is_kw_at(1, "by"),
            "partition" | "reduce" => self.is_kw_at(1, "by") || known_param_next(),
            "range" => self
                .scan_name(1)
                .is_some_and(|len| self.is_kw_at(1 + len, "from")),
            "inline_external_table" => self.kind(1) == Tok::LParen || self.is_kw_at(1, "kind"),
            "render" => {
                params::CHART_TYPES
                    .iter()
                    .any(|c| self.match_text(1, c).is_some())
                    || self.is_identifier_like(1)
            }
            text if OPERATOR_KEYWORDS.contains(&text) => {
                keywords::keyword_flags(text).is_none_or(|flags| flags & CBI == 0)
            }
            _ => false,
        }
    }

    /// Operators that start a query without piped input.
    pub(crate) fn parse_unpiped_operator(&mut self) -> PResult<Option<Expr>> {
        if self.kind(0) != Tok::Keyword {
            return Ok(None);
        }
        self.enter()?;
        let result = self.parse_unpiped_operator_inner();
        self.leave();
        result
    }

    fn parse_unpiped_operator_inner(&mut self) -> PResult<Option<Expr>> {
        match self.text(0) {
            "evaluate" => self.parse_evaluate().map(Some),
            "find" => self.parse_find().map(Some),
            "macro-expand" => self.parse_macro_expand().map(Some),
            "print" => self.parse_print().map(Some),
            "search" => self.parse_search().map(Some),
            "union" => self.parse_union().map(Some),
            _ => Ok(None),
        }
    }

    /// Operators that apply to piped input.
    pub(crate) fn parse_piped_operator(&mut self) -> PResult<Option<Expr>> {
        if self.kind(0) != Tok::Keyword {
            return Ok(None);
        }
        self.enter()?;
        let result = self.parse_piped_operator_inner();
        self.leave();
        result
    }

    fn parse_piped_operator_inner(&mut self) -> PResult<Option<Expr>> {
        let op = match self.text(0) {
            "as" => self.parse_as()?,
            "consume" => self.parse_consume()?,
            "count" if self.kind(1) != Tok::LParen => self.parse_count()?,
            "distinct" => self.parse_distinct()?,
            "evaluate" => self.parse_evaluate()?,
            "__executeAndCache" => {
                let t = self.bump();
                op_expr(OperatorKind::ExecuteAndCache, t.span, t.span)
            }
            "extend" => self.parse_extend()?,
            "facet" => self.parse_facet()?,
            "where" | "filter" => self.parse_where()?,
            "find" => self.parse_find()?,
            "fork" => self.parse_fork()?,
            "getschema" => self.parse_getschema()?,
            "invoke" => self.parse_invoke()?,
            "join" => self.parse_join()?,
            "lookup" => self.parse_lookup()?,
            "make-series" => self.parse_make_series()?,
            "mvapply" | "mv-apply" => self.parse_mv_apply()?,
            "mvexpand" | "mv-expand" => self.parse_mv_expand()?,
            "parse" => self.parse_parse(false)?,
            "parse-where" => self.parse_parse(true)?,
            "parse-kv" => self.parse_parse_kv()?,
            "__partitionby" => self.parse_partition_by()?,
            "partition" => self.parse_partition()?,
            "project" => self.parse_project()?,
            "project-away" | "project-keep" => self.parse_project_away_keep()?,
            "project-rename" => self.parse_project_rename()?,
            "project-reorder" => self.parse_project_reorder()?,
            "project-by-names" => self.parse_project_by_names()?,
            "range" if self.kind(1) != Tok::LParen => self.parse_range()?,
            "inline_external_table" if self.kind(1) == Tok::LParen || self.is_kw_at(1, "kind") => {
                return Err(self.error_at(
                    self.span(0),
                    "`inline_external_table` is not supported: query tables by name instead."
                        .into(),
                ));
            }
            "reduce" => self.parse_reduce()?,
            "render" => self.parse_render()?,
            "sample" => self.parse_sample()?,
            "sample-distinct" => self.parse_sample_distinct()?,
            "scan" => self.parse_scan()?,
            "search" => self.parse_search()?,
            "serialize" => self.parse_serialize()?,
            "sort" | "order" => self.parse_sort()?,
            "summarize" => self.parse_summarize()?,
            "take" | "limit" => self.parse_take()?,
            "top" => self.parse_top()?,
            "top-hitters" => self.parse_top_hitters()?,
            "top-nested" => self.parse_top_nested()?,
            "union" => self.parse_union()?,
            "make-graph" => self.parse_make_graph()?,
            "graph-match" => self.parse_graph_match(false)?,
            "graph-shortest-paths" => self.parse_graph_match(true)?,
            "graph-to-table" => self.parse_graph_to_table()?,
            "graph-mark-components" => self.parse_graph_mark_components()?,
            "graph-where-nodes" | "graph-where-edges" => self.parse_graph_where()?,
            "assert-schema" => {
                let t = self.bump();
                let columns = self.parse_row_schema(false)?;
                op_expr(
                    OperatorKind::AssertSchema(columns),
                    t.span,
                    self.span_from(t.span),
                )
            }
            _ => return Ok(None),
        };
        Ok(Some(op))
    }

    /// The operator after `|`: an error names the operators and suggests
    /// the closest one for a typo.
    pub(crate) fn parse_required_operator(&mut self) -> PResult<Expr> {
        if let Some(op) = self.parse_piped_operator()? {
            return Ok(op);
        }
        if let Some(op) = self.parse_unpiped_operator()? {
            return Ok(op);
        }
        let mut error = self.error_expected(&["query operator"]);
        error.expected = OPERATOR_NAMES.iter().map(|s| (*s).to_string()).collect();
        if matches!(self.kind(0), Tok::Ident | Tok::Keyword) {
            let word = self.dashed_word();
            error.suggestion = closest(&word, OPERATOR_NAMES.iter().copied());
            error.message = match &error.suggestion {
                Some(s) => format!("Unknown query operator `{word}`. Did you mean `{s}`?"),
                None => format!(
                    "Unknown query operator `{word}`; expected a query operator such as where, project, extend, summarize, join, take, sort or render."
                ),
            };
            error.span = self.span(0);
        }
        Err(error)
    }

    /// The word at the cursor including adjacent `-word` parts (`mv-expnd`).
    fn dashed_word(&self) -> String {
        let len = self.scan_dashed_name(0).max(1);
        let span = self.span(0).to(self.span(len - 1));
        span.text(self.src).to_string()
    }

    // ----- list helpers -----------------------------------------------------

    /// A comma-separated list. `end` is checked before each element; a
    /// trailing comma is accepted only when `allow_trailing` is set.
    pub(crate) fn comma_list<T>(
        &mut self,
        one_or_more: bool,
        allow_trailing: bool,
        end: fn(&Self) -> bool,
        what: &str,
        mut element: impl FnMut(&mut Self) -> PResult<Option<T>>,
    ) -> PResult<Vec<T>> {
        let mut items = Vec::new();
        if !end(self)
            && let Some(first) = element(self)?
        {
            items.push(first);
            while self.eat(Tok::Comma).is_some() {
                if end(self) {
                    if allow_trailing {
                        break;
                    }
                    return Err(self.error_expected(&[what]));
                }
                match element(self)? {
                    Some(item) => items.push(item),
                    None if allow_trailing => break,
                    None => return Err(self.error_expected(&[what])),
                }
            }
        }
        if one_or_more && items.is_empty() {
            return Err(self.error_expected(&[what]));
        }
        Ok(items)
    }

    fn named_list(&mut self, one_or_more: bool, end: fn(&Self) -> bool) -> PResult<Vec<NamedExpr>> {
        self.comma_list(
            one_or_more,
            false,
            end,
            "expression",
            Self::parse_named_expression,
        )
    }

    fn list_end(p: &Self) -> bool {
        p.at_list_end(0)
    }

    /// `expr [asc|desc|granny-asc|granny-desc] [nulls first|last]`.
    pub(crate) fn parse_ordered(&mut self) -> PResult<Option<OrderedExpr>> {
        let Some(e) = self.parse_named_expression()? else {
            return Ok(None);
        };
        let (direction, nulls) = self.parse_ordering(true)?;
        Ok(Some(OrderedExpr {
            span: self.span_from(e.span),
            expr: e,
            direction,
            nulls,
        }))
    }

    fn parse_ordering(
        &mut self,
        allow_nulls: bool,
    ) -> PResult<(Option<SortDirection>, Option<NullsOrder>)> {
        let direction = if self.kind(0) == Tok::Keyword {
            let d = match self.text(0) {
                "asc" => Some(SortDirection::Asc),
                "desc" => Some(SortDirection::Desc),
                "granny-asc" => Some(SortDirection::GrannyAsc),
                "granny-desc" => Some(SortDirection::GrannyDesc),
                _ => None,
            };
            if d.is_some() {
                self.bump();
            }
            d
        } else {
            None
        };
        let mut nulls = None;
        if allow_nulls && self.eat_kw("nulls").is_some() {
            nulls = Some(if self.eat_kw("first").is_some() {
                NullsOrder::First
            } else if self.eat_kw("last").is_some() {
                NullsOrder::Last
            } else {
                return Err(self.error_expected(&["first", "last"]));
            });
        }
        Ok((direction, nulls))
    }

    fn expect_ordered(&mut self) -> PResult<OrderedExpr> {
        match self.parse_ordered()? {
            Some(o) => Ok(o),
            None => Err(self.missing_expression()),
        }
    }

    /// `name` or `name.x[0]` (a column or entity path, no calls).
    fn parse_simple_path(&mut self) -> PResult<Option<Expr>> {
        let Some(mut e) = self.parse_path_element()? else {
            return Ok(None);
        };
        loop {
            match self.kind(0) {
                Tok::Dot => {
                    self.bump();
                    let member = match self.parse_path_element()? {
                        Some(m) => m,
                        None => return Err(self.error_expected(&["name"])),
                    };
                    let span = e.span.to(member.span);
                    e = Expr {
                        kind: ExprKind::Member {
                            target: Box::new(e),
                            member: Box::new(member),
                        },
                        span,
                    };
                }
                Tok::LBracket => {
                    let index = match self.parse_path_element()? {
                        Some(i) => i,
                        None => return Err(self.error_expected(&["["])),
                    };
                    let span = e.span.to(index.span);
                    e = Expr {
                        kind: ExprKind::Index {
                            target: Box::new(e),
                            index: Box::new(index),
                        },
                        span,
                    };
                }
                _ => return Ok(Some(e)),
            }
        }
    }

    /// An entity reference that may end in a wildcard: `T*`,
    /// `database("db").T*`, `cluster("c").database("d").T`.
    fn parse_wildcarded_entity(&mut self) -> PResult<Option<Expr>> {
        if self.scan_wildcarded_name(0).is_some() {
            return Ok(self.parse_wildcarded_name());
        }
        let Some(mut e) = self.parse_selector_or_call()? else {
            return Ok(None);
        };
        loop {
            match self.kind(0) {
                Tok::Dot => {
                    self.bump();
                    let member = if self.scan_wildcarded_name(0).is_some() {
                        self.parse_wildcarded_name()
                    } else {
                        self.parse_selector_or_call()?
                    };
                    let Some(member) = member else {
                        return Err(self.error_expected(&["name"]));
                    };
                    let is_wildcard = matches!(member.kind, ExprKind::Wildcard(_));
                    let span = e.span.to(member.span);
                    e = Expr {
                        kind: ExprKind::Member {
                            target: Box::new(e),
                            member: Box::new(member),
                        },
                        span,
                    };
                    if is_wildcard {
                        return Ok(Some(e));
                    }
                }
                Tok::LBracket => {
                    let Some(index) = self.parse_path_element()? else {
                        return Err(self.error_expected(&["["]));
                    };
                    let span = e.span.to(index.span);
                    e = Expr {
                        kind: ExprKind::Index {
                            target: Box::new(e),
                            index: Box::new(index),
                        },
                        span,
                    };
                }
                _ => return Ok(Some(e)),
            }
        }
    }

    /// A table in `find in (...)` / `search in (...)`: a name (optionally
    /// piped into `as`) or a wildcarded entity path.
    fn parse_find_operand(&mut self) -> PResult<Option<Expr>> {
        let Some(e) = self.parse_wildcarded_entity()? else {
            return Ok(None);
        };
        if matches!(e.kind, ExprKind::Name(_)) && self.at(Tok::Bar) && self.at_kw_offset(1, "as") {
            self.bump();
            let op = self.parse_as()?;
            let span = e.span.to(op.span);
            let ExprKind::Operator(op) = op.kind else {
                return Ok(Some(e));
            };
            return Ok(Some(Expr {
                kind: ExprKind::Pipe {
                    input: Box::new(e),
                    op,
                },
                span,
            }));
        }
        Ok(Some(e))
    }

    fn at_kw_offset(&self, offset: usize, text: &str) -> bool {
        self.is_kw_at(offset, text)
    }

    fn parse_find_in_clause(&mut self) -> PResult<Option<Vec<Expr>>> {
        if self.eat_kw("in").is_none() {
            return Ok(None);
        }
        self.expect(Tok::LParen)?;
        let tables = self.comma_list(
            true,
            false,
            Self::list_end,
            "table name",
            Self::parse_find_operand,
        )?;
        self.expect(Tok::RParen)?;
        Ok(Some(tables))
    }

    fn parse_data_scope(&mut self) -> PResult<Option<String>> {
        if self.eat_kw("datascope").is_none() {
            return Ok(None);
        }
        self.expect(Tok::Eq)?;
        match self.eat_one_of(&["all", "hotcache"]) {
            Some((scope, _)) => Ok(Some(scope)),
            None => Err(self.error_expected(&["all", "hotcache"])),
        }
    }

    /// `to typeof(...)` after an `mv-expand` / `mv-apply` item.
    fn parse_to_typeof(&mut self) -> PResult<Option<Vec<TypeOfItem>>> {
        if self.eat_kw("to").is_none() {
            return Ok(None);
        }
        if !(self.at_kw("typeof") && self.kind(1) == Tok::LParen) {
            return Err(self.error_expected(&["typeof"]));
        }
        match self.parse_typeof()?.kind {
            ExprKind::TypeOf(items) => Ok(Some(items)),
            _ => Ok(None),
        }
    }

    /// A sub-pipeline that starts with an operator (`mv-apply ... on (...)`).
    fn parse_contextual_subquery(&mut self) -> PResult<Expr> {
        self.expect(Tok::LParen)?;
        let sub = if self.at_kw("__contextual_datatable") {
            let e = self.expect_unnamed_expression()?;
            self.parse_pipe_tail(e)?
        } else {
            self.parse_operator_pipeline()?
        };
        self.expect(Tok::RParen)?;
        Ok(sub)
    }

    // ----- operators ----------------------------------------------------------

    fn parse_as(&mut self) -> PResult<Expr> {
        let kw = self.bump();
        let params = self.parse_params(params::AS, Allowed::DeclaredOrKnown, true)?;
        let name = self.expect_name()?;
        Ok(op_expr(
            OperatorKind::As { params, name },
            kw.span,
            self.span_from(kw.span),
        ))
    }

    fn parse_consume(&mut self) -> PResult<Expr> {
        let kw = self.bump();
        let params = self.parse_params(params::CONSUME, Allowed::DeclaredOrKnown, false)?;
        Ok(op_expr(
            OperatorKind::Consume { params },
            kw.span,
            self.span_from(kw.span),
        ))
    }

    fn parse_count(&mut self) -> PResult<Expr> {
        let kw = self.bump();
        let name = if self.eat_kw("as").is_some() {
            match self.eat(Tok::Ident) {
                Some(t) => Some(Ident {
                    name: t.span.text(self.src).to_string(),
                    quoting: crate::ast::Quoting::Plain,
                    span: t.span,
                }),
                None => return Err(self.error_expected(&["identifier"])),
            }
        } else {
            None
        };
        Ok(op_expr(
            OperatorKind::Count { name },
            kw.span,
            self.span_from(kw.span),
        ))
    }

    fn parse_distinct(&mut self) -> PResult<Expr> {
        let kw = self.bump();
        let params = self.parse_params(params::DISTINCT, Allowed::DeclaredOrKnown, true)?;
        let columns = self.comma_list(true, false, Self::list_end, "column", |p| {
            if let Some(star) = p.eat(Tok::Star) {
                return Ok(Some(unnamed(Expr {
                    kind: ExprKind::Star,
                    span: star.span,
                })));
            }
            p.parse_named_expression()
        })?;
        Ok(op_expr(
            OperatorKind::Distinct { params, columns },
            kw.span,
            self.span_from(kw.span),
        ))
    }

    fn parse_evaluate(&mut self) -> PResult<Expr> {
        let kw = self.bump();
        let params = self.parse_params(params::EVALUATE, Allowed::DeclaredOrKnown, false)?;
        if !self.scan_function_call_start(0) {
            let mut error = self.error_expected(&["plugin call"]);
            if self.scan_name(0).is_some() {
                error.message = format!("Expected `(` after the plugin name `{}`.", self.text(0));
            }
            return Err(error);
        }
        let call = self.parse_function_call()?;
        let schema = if self.eat(Tok::Colon).is_some() {
            self.expect(Tok::LParen)?;
            self.eat(Tok::Comma);
            let star = self.eat(Tok::Star).is_some();
            if star {
                self.eat(Tok::Comma);
            }
            let columns = self.comma_list(
                false,
                true,
                Self::list_end,
                "column declaration",
                Self::parse_column_decl,
            )?;
            self.expect(Tok::RParen)?;
            Some((star, columns))
        } else {
            None
        };
        Ok(op_expr(
            OperatorKind::Evaluate {
                params,
                call,
                schema,
            },
            kw.span,
            self.span_from(kw.span),
        ))
    }

    fn parse_extend(&mut self) -> PResult<Expr> {
        let kw = self.bump();
        let columns = self.named_list(true, Self::list_end)?;
        Ok(op_expr(
            OperatorKind::Extend(columns),
            kw.span,
            self.span_from(kw.span),
        ))
    }

    fn parse_facet(&mut self) -> PResult<Expr> {
        let kw = self.bump();
        self.expect_kw("by")?;
        let by = self.comma_list(
            true,
            false,
            |p| p.at_kw("with") || p.at_list_end(0),
            "column",
            Self::parse_simple_path,
        )?;
        let with = if self.eat_kw("with").is_some() {
            if self.eat(Tok::LParen).is_some() {
                let e = self.parse_operator_pipeline()?;
                self.expect(Tok::RParen)?;
                Some(e)
            } else {
                Some(self.parse_required_operator()?)
            }
        } else {
            None
        };
        Ok(op_expr(
            OperatorKind::Facet { by, with },
            kw.span,
            self.span_from(kw.span),
        ))
    }

    fn parse_where(&mut self) -> PResult<Expr> {
        let kw = self.bump();
        let params = self.parse_params(params::NONE, Allowed::DeclaredOrKnown, true)?;
        let predicate = self.expect_named_expression()?;
        Ok(op_expr(
            OperatorKind::Where { params, predicate },
            kw.span,
            self.span_from(kw.span),
        ))
    }

    fn parse_getschema(&mut self) -> PResult<Expr> {
        let kw = self.bump();
        let params = self
            .parse_specific_param(&params::GETSCHEMA_KIND)?
            .into_iter()
            .collect();
        Ok(op_expr(
            OperatorKind::GetSchema { params },
            kw.span,
            self.span_from(kw.span),
        ))
    }

    fn parse_find(&mut self) -> PResult<Expr> {
        let kw = self.bump();
        let data_scope = self.parse_data_scope()?;
        let params = self.parse_params(params::FIND, Allowed::DeclaredOrKnown, false)?;
        let tables = self.parse_find_in_clause()?;
        if !params.is_empty() || tables.is_some() {
            self.expect_kw("where")?;
        } else {
            self.eat_kw("where");
        }
        let predicate = self.expect_unnamed_expression()?;
        let mut project = None;
        if self.at_kw("project") {
            self.bump();
            project = Some(self.comma_list(
                true,
                false,
                |_| false,
                "column",
                Self::parse_find_project_column,
            )?);
        } else if self.eat_kw("project-smart").is_some() {
            project = Some(Vec::new());
        }
        let project_away = if self.eat_kw("__projectAway").is_some() {
            Some(self.comma_list(
                true,
                false,
                |_| false,
                "column",
                Self::parse_find_project_column,
            )?)
        } else {
            None
        };
        Ok(op_expr(
            OperatorKind::Find {
                params,
                data_scope,
                tables,
                predicate,
                project,
                project_away,
            },
            kw.span,
            self.span_from(kw.span),
        ))
    }

    /// `pack(*)`, `*` or `name[:type]` in `find ... project`.
    fn parse_find_project_column(&mut self) -> PResult<Option<Expr>> {
        if self.at_kw("pack") && self.kind(1) == Tok::LParen {
            let start = self.bump().span;
            self.expect(Tok::LParen)?;
            let star = self.expect(Tok::Star)?;
            self.expect(Tok::RParen)?;
            let span = self.span_from(start);
            return Ok(Some(Expr {
                kind: ExprKind::Call {
                    name: Ident {
                        name: "pack".into(),
                        quoting: crate::ast::Quoting::Plain,
                        span: start,
                    },
                    args: vec![unnamed(Expr {
                        kind: ExprKind::Star,
                        span: star.span,
                    })],
                },
                span,
            }));
        }
        if let Some(star) = self.eat(Tok::Star) {
            return Ok(Some(Expr {
                kind: ExprKind::Star,
                span: star.span,
            }));
        }
        let Some(name) = self.parse_name() else {
            return Ok(None);
        };
        if self.eat(Tok::Colon).is_some() {
            if !self.scan_param_type_extended(0) {
                return Err(self.error_expected(&["type name"]));
            }
            self.bump();
        }
        Ok(Some(super::params::name_expr(name)))
    }

    fn parse_fork(&mut self) -> PResult<Expr> {
        let kw = self.bump();
        let mut branches = Vec::new();
        loop {
            let name = match self.scan_name(0) {
                Some(len) if self.kind(len) == Tok::Eq => {
                    let name = self.parse_name();
                    self.bump();
                    name
                }
                _ => None,
            };
            if name.is_none() && !self.at(Tok::LParen) {
                break;
            }
            let branch_start = name.as_ref().map_or(self.span(0), |n| n.span);
            self.expect(Tok::LParen)?;
            let e = match self.parse_piped_operator()? {
                Some(first) => self.parse_pipe_tail(first)?,
                None => match self.parse_unpiped_operator()? {
                    Some(first) => self.parse_pipe_tail(first)?,
                    None => self.expect_expression()?,
                },
            };
            self.expect(Tok::RParen)?;
            branches.push(ForkBranch {
                name,
                expr: e,
                span: self.span_from(branch_start),
            });
        }
        if branches.is_empty() {
            return Err(self.error_expected(&["("]));
        }
        Ok(op_expr(
            OperatorKind::Fork(branches),
            kw.span,
            self.span_from(kw.span),
        ))
    }

    fn parse_invoke(&mut self) -> PResult<Expr> {
        let kw = self.bump();
        if !self.scan_function_call_start(0) {
            return Err(self.error_expected(&["function call"]));
        }
        let mut call = self.parse_function_call()?;
        while self.at(Tok::Dot) && self.scan_function_call_start(1) {
            self.bump();
            let member = self.parse_function_call()?;
            let span = call.span.to(member.span);
            call = Expr {
                kind: ExprKind::Member {
                    target: Box::new(call),
                    member: Box::new(member),
                },
                span,
            };
        }
        Ok(op_expr(
            OperatorKind::Invoke(call),
            kw.span,
            self.span_from(kw.span),
        ))
    }

    fn parse_join(&mut self) -> PResult<Expr> {
        let kw = self.bump();
        let params = self.parse_params(params::JOIN, Allowed::DeclaredOrKnown, true)?;
        let right = self.expect_unnamed_expression()?;
        let condition = if self.eat_kw("on").is_some() {
            Some(JoinCondition::On(self.comma_list(
                true,
                false,
                |_| false,
                "join key",
                Self::parse_unnamed_expression,
            )?))
        } else if self.eat_kw("where").is_some() {
            Some(JoinCondition::Where(self.expect_unnamed_expression()?))
        } else {
            None
        };
        Ok(op_expr(
            OperatorKind::Join {
                params,
                right,
                condition,
            },
            kw.span,
            self.span_from(kw.span),
        ))
    }

    fn parse_lookup(&mut self) -> PResult<Expr> {
        let kw = self.bump();
        let params = self.parse_params(params::LOOKUP, Allowed::DeclaredOrKnown, true)?;
        let right = self.expect_unnamed_expression()?;
        self.expect_kw("on")?;
        let on = self.comma_list(
            true,
            false,
            |_| false,
            "lookup key",
            Self::parse_unnamed_expression,
        )?;
        Ok(op_expr(
            OperatorKind::Lookup { params, right, on },
            kw.span,
            self.span_from(kw.span),
        ))
    }

    fn parse_make_series(&mut self) -> PResult<Expr> {
        let kw = self.bump();
        let params = self.parse_params(params::MAKE_SERIES, Allowed::DeclaredOrKnown, true)?;
        let aggregates = self.comma_list(
            true,
            false,
            |p| p.at_kw("on") || p.at_kw("from") || p.at_kw("in") || p.at_list_end(0),
            "aggregate",
            |p| {
                let start = p.span(0);
                let Some(expr) = p.parse_named_expression()? else {
                    return Ok(None);
                };
                let default = if p.eat_kw("default").is_some() {
                    p.expect(Tok::Eq)?;
                    Some(p.expect_named_expression()?)
                } else {
                    None
                };
                Ok(Some(SeriesAggregate {
                    expr,
                    default,
                    span: p.span_from(start),
                }))
            },
        )?;
        self.expect_kw("on")?;
        let on = self.expect_named_expression()?;
        let range = if self.at_kw("from") || self.at_kw("to") || self.at_kw("step") {
            let from = if self.eat_kw("from").is_some() {
                Some(Box::new(self.expect_unnamed_expression()?))
            } else {
                None
            };
            let to = if self.eat_kw("to").is_some() {
                Some(Box::new(self.expect_unnamed_expression()?))
            } else {
                None
            };
            self.expect_kw("step")?;
            let step = Box::new(self.expect_unnamed_expression()?);
            SeriesRange::FromToStep { from, to, step }
        } else {
            self.expect_kw("in")?;
            self.expect_kw("range")?;
            self.expect(Tok::LParen)?;
            let args = self.named_list(false, Self::list_end)?;
            self.expect(Tok::RParen)?;
            SeriesRange::InRange(args)
        };
        let by = if self.eat_kw("by").is_some() {
            self.named_list(true, |_| false)?
        } else {
            Vec::new()
        };
        Ok(op_expr(
            OperatorKind::MakeSeries {
                params,
                aggregates,
                on,
                range,
                by,
            },
            kw.span,
            self.span_from(kw.span),
        ))
    }

    fn parse_expand_item(&mut self) -> PResult<Option<ExpandItem>> {
        let start = self.span(0);
        if self.at_kw("to") {
            return Err(self.error_expected(&["expression"]));
        }
        let Some(e) = self.parse_named_expression()? else {
            return Ok(None);
        };
        let to_type = self.parse_to_typeof()?;
        Ok(Some(ExpandItem {
            expr: Some(e),
            to_type,
            span: self.span_from(start),
        }))
    }

    fn parse_mv_expand(&mut self) -> PResult<Expr> {
        let kw = self.bump();
        let params = self.parse_params(params::MV_EXPAND, Allowed::DeclaredOrKnown, true)?;
        let items = self.comma_list(
            true,
            false,
            |p| p.at_kw("limit") || p.at_list_end(0),
            "column to expand",
            Self::parse_expand_item,
        )?;
        let limit = if self.eat_kw("limit").is_some() {
            Some(self.expect_unnamed_expression()?)
        } else {
            None
        };
        Ok(op_expr(
            OperatorKind::MvExpand {
                params,
                items,
                limit,
            },
            kw.span,
            self.span_from(kw.span),
        ))
    }

    fn parse_mv_apply(&mut self) -> PResult<Expr> {
        let kw = self.bump();
        let params = self.parse_params(params::MV_APPLY, Allowed::DeclaredOrKnown, true)?;
        let mut items = None;
        if self.at_kw("to") {
            let reset = self.pos;
            let start = self.span(0);
            let to_type = self.parse_to_typeof()?;
            if self.at(Tok::Comma) {
                self.pos = reset;
            } else {
                items = Some(vec![ExpandItem {
                    expr: None,
                    to_type,
                    span: self.span_from(start),
                }]);
            }
        }
        let items = match items {
            Some(items) => items,
            None => self.comma_list(
                true,
                false,
                |p| {
                    let clause = p.at_kw("limit") || p.at_kw("id") || p.at_kw("on");
                    let ends = clause
                        && !matches!(p.kind(1), Tok::Comma | Tok::Eq)
                        && !p.is_kw_at(1, "to");
                    ends || p.at_list_end(0)
                },
                "column to expand",
                Self::parse_expand_item,
            )?,
        };
        let limit = if self.eat_kw("limit").is_some() {
            Some(self.expect_unnamed_expression()?)
        } else {
            None
        };
        let id = if self.eat_kw("id").is_some() {
            Some(self.expect_unnamed_expression()?)
        } else {
            None
        };
        self.expect_kw("on")?;
        let subquery = self.parse_contextual_subquery()?;
        Ok(op_expr(
            OperatorKind::MvApply {
                params,
                items,
                limit,
                id,
                subquery,
            },
            kw.span,
            self.span_from(kw.span),
        ))
    }

    fn parse_parse(&mut self, is_where: bool) -> PResult<Expr> {
        let kw = self.bump();
        let params = self.parse_params(params::PARSE, Allowed::DeclaredOrKnown, true)?;
        let source = self.expect_unnamed_expression()?;
        self.expect_kw("with")?;
        let mut pattern = Vec::new();
        loop {
            if let Some(star) = self.eat(Tok::Star) {
                pattern.push(ParsePatternItem::Star(star.span));
            } else if self.at(Tok::Str) {
                let start = self.span(0);
                let mut value = String::new();
                while self.at(Tok::Str) {
                    let t = self.bump();
                    value.push_str(&lexer::string_value(t.span.text(self.src)));
                }
                pattern.push(ParsePatternItem::Text(value, self.span_from(start)));
            } else if self.at(Tok::Colon) {
                return Err(self.error_expected(&["column name"]));
            } else if let Some(name) = self.parse_extended_name() {
                let ty = if self.eat(Tok::Colon).is_some() {
                    Some(self.expect_param_type()?)
                } else {
                    None
                };
                pattern.push(ParsePatternItem::Column(ColumnDecl {
                    span: self.span_from(name.span),
                    name,
                    ty,
                }));
            } else {
                break;
            }
        }
        Ok(op_expr(
            OperatorKind::Parse {
                is_where,
                params,
                source,
                pattern,
            },
            kw.span,
            self.span_from(kw.span),
        ))
    }

    fn parse_parse_kv(&mut self) -> PResult<Expr> {
        let kw = self.bump();
        let source = self.expect_unnamed_expression()?;
        self.expect_kw("as")?;
        let keys = self.parse_row_schema(false)?;
        let properties = if self.eat_kw("with").is_some() {
            self.expect(Tok::LParen)?;
            let props =
                self.parse_param_comma_list(params::PARSE_KV_WITH, Allowed::DeclaredOnly)?;
            self.expect(Tok::RParen)?;
            props
        } else {
            Vec::new()
        };
        Ok(op_expr(
            OperatorKind::ParseKv {
                source,
                keys,
                properties,
            },
            kw.span,
            self.span_from(kw.span),
        ))
    }

    fn parse_partition_by(&mut self) -> PResult<Expr> {
        let kw = self.bump();
        let params = self.parse_params(params::PARTITION, Allowed::DeclaredOrKnown, false)?;
        let Some(by) = self.parse_simple_path()? else {
            return Err(self.error_expected(&["column"]));
        };
        let id = if self.eat_kw("id").is_some() {
            match self.parse_literal()? {
                Some(v) => Some(v),
                None => return Err(self.error_expected(&["literal"])),
            }
        } else {
            None
        };
        let subquery = self.parse_contextual_subquery()?;
        Ok(op_expr(
            OperatorKind::PartitionBy {
                params,
                by,
                id,
                subquery,
            },
            kw.span,
            self.span_from(kw.span),
        ))
    }

    fn parse_partition(&mut self) -> PResult<Expr> {
        let kw = self.bump();
        let params = self.parse_params(params::PARTITION, Allowed::DeclaredOrKnown, false)?;
        self.expect_kw("by")?;
        let Some(by) = self.parse_simple_path()? else {
            return Err(self.error_expected(&["column"]));
        };
        let scope = if self.eat_kw("in").is_some() {
            if self.scan_function_call_start(0) {
                Some(self.parse_function_call()?)
            } else if self.at_kw("dynamic") && self.kind(1) == Tok::LParen {
                self.parse_literal()?
            } else {
                return Err(self.error_expected(&["function call", "dynamic"]));
            }
        } else {
            None
        };
        let (subquery, is_query_block) = if self.eat(Tok::LBrace).is_some() {
            let e = self.expect_expression()?;
            self.expect(Tok::RBrace)?;
            (e, true)
        } else if self.eat(Tok::LParen).is_some() {
            let e = self.parse_operator_pipeline()?;
            self.expect(Tok::RParen)?;
            (e, false)
        } else {
            return Err(self.error_expected(&["(", "{"]));
        };
        Ok(op_expr(
            OperatorKind::Partition {
                params,
                by,
                scope,
                subquery,
                is_query_block,
            },
            kw.span,
            self.span_from(kw.span),
        ))
    }

    fn parse_project(&mut self) -> PResult<Expr> {
        let kw = self.bump();
        let columns = self.named_list(false, Self::list_end)?;
        Ok(op_expr(
            OperatorKind::Project(columns),
            kw.span,
            self.span_from(kw.span),
        ))
    }

    fn parse_project_rename(&mut self) -> PResult<Expr> {
        let kw = self.bump();
        let columns = self.named_list(false, Self::list_end)?;
        Ok(op_expr(
            OperatorKind::ProjectRename(columns),
            kw.span,
            self.span_from(kw.span),
        ))
    }

    fn parse_name_or_wildcard(&mut self) -> PResult<Option<Expr>> {
        if let Some(w) = self.parse_wildcarded_name() {
            return Ok(Some(w));
        }
        Ok(self.parse_name().map(super::params::name_expr))
    }

    fn parse_project_away_keep(&mut self) -> PResult<Expr> {
        let kw = self.bump();
        let keep = kw.span.text(self.src) == "project-keep";
        let columns = self.comma_list(
            false,
            false,
            Self::list_end,
            "column",
            Self::parse_name_or_wildcard,
        )?;
        let kind = if keep {
            OperatorKind::ProjectKeep(columns)
        } else {
            OperatorKind::ProjectAway(columns)
        };
        Ok(op_expr(kind, kw.span, self.span_from(kw.span)))
    }

    fn parse_project_reorder(&mut self) -> PResult<Expr> {
        let kw = self.bump();
        let columns = self.comma_list(false, false, Self::list_end, "column", |p| {
            let Some(e) = p.parse_name_or_wildcard()? else {
                return Ok(None);
            };
            let (direction, _) = p.parse_ordering(false)?;
            Ok(Some(OrderedExpr {
                span: p.span_from(e.span),
                expr: unnamed(e),
                direction,
                nulls: None,
            }))
        })?;
        Ok(op_expr(
            OperatorKind::ProjectReorder(columns),
            kw.span,
            self.span_from(kw.span),
        ))
    }

    fn parse_project_by_names(&mut self) -> PResult<Expr> {
        let kw = self.bump();
        let columns = self.comma_list(
            false,
            false,
            Self::list_end,
            "column",
            Self::parse_unnamed_expression,
        )?;
        Ok(op_expr(
            OperatorKind::ProjectByNames(columns),
            kw.span,
            self.span_from(kw.span),
        ))
    }

    fn parse_range(&mut self) -> PResult<Expr> {
        let kw = self.bump();
        let name = self.expect_name()?;
        self.expect_kw("from")?;
        let from = self.expect_unnamed_expression()?;
        self.expect_kw("to")?;
        let to = self.expect_unnamed_expression()?;
        self.expect_kw("step")?;
        let step = self.expect_unnamed_expression()?;
        Ok(op_expr(
            OperatorKind::Range {
                name,
                from,
                to,
                step,
            },
            kw.span,
            self.span_from(kw.span),
        ))
    }

    fn parse_reduce(&mut self) -> PResult<Expr> {
        let kw = self.bump();
        let params = self.parse_params(params::REDUCE_WITH, Allowed::DeclaredOrKnown, false)?;
        self.expect_kw("by")?;
        let by = self.expect_named_expression()?;
        let with = if self.eat_kw("with").is_some() {
            self.parse_param_comma_list(params::REDUCE_WITH, Allowed::DeclaredOrKnown)?
        } else {
            Vec::new()
        };
        Ok(op_expr(
            OperatorKind::Reduce { params, by, with },
            kw.span,
            self.span_from(kw.span),
        ))
    }

    fn parse_render(&mut self) -> PResult<Expr> {
        let kw = self.bump();
        let chart = if let Some((name, span)) = self.eat_one_of(params::CHART_TYPES) {
            Ident {
                name,
                quoting: crate::ast::Quoting::Plain,
                span,
            }
        } else if self.at(Tok::Ident) {
            let t = self.bump();
            Ident {
                name: t.span.text(self.src).to_string(),
                quoting: crate::ast::Quoting::Plain,
                span: t.span,
            }
        } else {
            let mut error = self.error_expected(&["chart type"]);
            error.expected = params::CHART_TYPES
                .iter()
                .map(|s| (*s).to_string())
                .collect();
            return Err(error);
        };
        let mut legacy = Vec::new();
        loop {
            let param = if let Some(p) = self.parse_specific_param(&params::RENDER_KIND)? {
                Some(p)
            } else if let Some(p) = self.parse_specific_param(&params::RENDER_TITLE)? {
                Some(p)
            } else if let Some(p) = self.parse_specific_param(&params::RENDER_ACCUMULATE)? {
                Some(p)
            } else if self.at_kw("with") && self.kind(1) != Tok::LParen {
                self.parse_specific_param(&params::RENDER_WITH_LEGACY)?
            } else {
                self.parse_specific_param(&params::RENDER_BY_LEGACY)?
            };
            match param {
                Some(p) => legacy.push(p),
                None => break,
            }
        }
        let properties = if self.eat_kw("with").is_some() {
            self.expect(Tok::LParen)?;
            self.eat(Tok::Comma);
            let props = self.parse_param_comma_list(params::RENDER_WITH, Allowed::DeclaredOnly)?;
            self.expect(Tok::RParen)?;
            props
        } else {
            Vec::new()
        };
        Ok(op_expr(
            OperatorKind::Render {
                chart,
                params: legacy,
                properties,
            },
            kw.span,
            self.span_from(kw.span),
        ))
    }

    fn parse_sample(&mut self) -> PResult<Expr> {
        let kw = self.bump();
        let params = self.parse_params(params::NONE, Allowed::DeclaredOrKnown, true)?;
        let count = self.expect_named_expression()?;
        Ok(op_expr(
            OperatorKind::Sample { params, count },
            kw.span,
            self.span_from(kw.span),
        ))
    }

    fn parse_sample_distinct(&mut self) -> PResult<Expr> {
        let kw = self.bump();
        let params = self.parse_params(params::NONE, Allowed::DeclaredOrKnown, true)?;
        let count = self.expect_named_expression()?;
        self.expect_kw("of")?;
        let of = self.expect_named_expression()?;
        Ok(op_expr(
            OperatorKind::SampleDistinct { params, count, of },
            kw.span,
            self.span_from(kw.span),
        ))
    }

    fn scan_clause_end(p: &Self) -> bool {
        ["partition", "order", "by", "declare", "with"]
            .iter()
            .any(|k| p.at_kw(k))
            || p.at_list_end(0)
    }

    fn parse_scan(&mut self) -> PResult<Expr> {
        let kw = self.bump();
        let params = self.parse_params(params::SCAN, Allowed::DeclaredOrKnown, false)?;
        let order_by = if self.eat_kw("order").is_some() {
            self.expect_kw("by")?;
            self.comma_list(
                true,
                false,
                Self::scan_clause_end,
                "sort key",
                Self::parse_ordered,
            )?
        } else {
            Vec::new()
        };
        let partition_by = if self.eat_kw("partition").is_some() {
            self.expect_kw("by")?;
            self.comma_list(
                true,
                false,
                Self::scan_clause_end,
                "column",
                Self::parse_unnamed_expression,
            )?
        } else {
            Vec::new()
        };
        let declare = if self.eat_kw("declare").is_some() {
            self.expect(Tok::LParen)?;
            let d = self.comma_list(
                false,
                false,
                Self::list_end,
                "declaration",
                Self::parse_function_param,
            )?;
            self.expect(Tok::RParen)?;
            d
        } else {
            Vec::new()
        };
        self.expect_kw("with")?;
        self.expect(Tok::LParen)?;
        let mut steps = Vec::new();
        while self.at_kw("step") {
            steps.push(self.parse_scan_step()?);
        }
        self.expect(Tok::RParen)?;
        Ok(op_expr(
            OperatorKind::Scan {
                params,
                order_by,
                partition_by,
                declare,
                steps,
            },
            kw.span,
            self.span_from(kw.span),
        ))
    }

    fn parse_scan_step(&mut self) -> PResult<ScanStep> {
        let start = self.bump().span;
        let name = self.expect_extended_name()?;
        let optional = self.eat_kw("optional").is_some();
        let output = if self.eat_kw("output").is_some() {
            self.expect(Tok::Eq)?;
            match self.eat_one_of(&["all", "last", "none"]) {
                Some((o, _)) => Some(o),
                None => return Err(self.error_expected(&["all", "last", "none"])),
            }
        } else {
            None
        };
        self.expect(Tok::Colon)?;
        let predicate = self.expect_unnamed_expression()?;
        let assignments = if self.eat(Tok::FatArrow).is_some() {
            self.comma_list(true, false, Self::list_end, "assignment", |p| {
                let Some(name) = p.parse_extended_name() else {
                    return Ok(None);
                };
                p.expect(Tok::Eq)?;
                let value = p.expect_unnamed_expression()?;
                Ok(Some((name, value)))
            })?
        } else {
            Vec::new()
        };
        self.expect(Tok::Semicolon)?;
        Ok(ScanStep {
            name,
            optional,
            output,
            predicate,
            assignments,
            span: self.span_from(start),
        })
    }

    fn parse_search(&mut self) -> PResult<Expr> {
        let kw = self.bump();
        let params = self.parse_params(params::SEARCH, Allowed::DeclaredOrKnown, true)?;
        let data_scope = self.parse_data_scope()?;
        let tables = self.parse_find_in_clause()?;
        let predicate = match self.parse_unnamed_expression()? {
            Some(e) => e,
            None => match self.eat(Tok::Star) {
                Some(star) => {
                    let star = Expr {
                        kind: ExprKind::Star,
                        span: star.span,
                    };
                    if self.eat_kw("and").is_some() {
                        let right = self.expect_unnamed_expression()?;
                        let span = star.span.to(right.span);
                        Expr {
                            kind: ExprKind::Binary {
                                op: crate::ast::BinaryOp::And,
                                left: Box::new(star),
                                right: Box::new(right),
                            },
                            span,
                        }
                    } else {
                        star
                    }
                }
                None => return Err(self.missing_expression()),
            },
        };
        Ok(op_expr(
            OperatorKind::Search {
                params,
                data_scope,
                tables,
                predicate,
            },
            kw.span,
            self.span_from(kw.span),
        ))
    }

    fn parse_serialize(&mut self) -> PResult<Expr> {
        let kw = self.bump();
        let params = self.parse_params(params::NONE, Allowed::DeclaredOrKnown, true)?;
        let columns = self.named_list(false, Self::list_end)?;
        Ok(op_expr(
            OperatorKind::Serialize { params, columns },
            kw.span,
            self.span_from(kw.span),
        ))
    }

    fn parse_sort(&mut self) -> PResult<Expr> {
        let kw = self.bump();
        let params = self.parse_params(params::SORT, Allowed::DeclaredOrKnown, false)?;
        self.expect_kw("by")?;
        let by = self.comma_list(true, false, Self::list_end, "sort key", Self::parse_ordered)?;
        Ok(op_expr(
            OperatorKind::Sort { params, by },
            kw.span,
            self.span_from(kw.span),
        ))
    }

    fn parse_summarize(&mut self) -> PResult<Expr> {
        let kw = self.bump();
        let params = self.parse_params(params::SUMMARIZE, Allowed::DeclaredOrKnown, true)?;
        let aggregates = self.named_list(false, |p| p.at_kw("by") || p.at_list_end(0))?;
        let mut by = Vec::new();
        let mut legacy_bin = None;
        if self.eat_kw("by").is_some() {
            by = self.named_list(true, |p| {
                (p.at_kw("bin") && p.kind(1) == Tok::Eq && is_literal_token(p.kind(2)))
                    || p.at_list_end(0)
            })?;
            if self.at_kw("bin") && self.kind(1) == Tok::Eq {
                self.bump();
                self.bump();
                legacy_bin = Some(self.expect_unnamed_expression()?);
            }
        }
        Ok(op_expr(
            OperatorKind::Summarize {
                params,
                aggregates,
                by,
                legacy_bin,
            },
            kw.span,
            self.span_from(kw.span),
        ))
    }

    fn parse_take(&mut self) -> PResult<Expr> {
        let kw = self.bump();
        let params = self.parse_params(params::NONE, Allowed::DeclaredOrKnown, true)?;
        let count = self.expect_named_expression()?;
        Ok(op_expr(
            OperatorKind::Take { params, count },
            kw.span,
            self.span_from(kw.span),
        ))
    }

    fn parse_top(&mut self) -> PResult<Expr> {
        let kw = self.bump();
        let params = self.parse_params(params::TOP, Allowed::DeclaredOrKnown, true)?;
        let count = self.expect_named_expression()?;
        self.expect_kw("by")?;
        let by = self.expect_ordered()?;
        Ok(op_expr(
            OperatorKind::Top { params, count, by },
            kw.span,
            self.span_from(kw.span),
        ))
    }

    fn parse_top_hitters(&mut self) -> PResult<Expr> {
        let kw = self.bump();
        let count = self.expect_named_expression()?;
        self.expect_kw("of")?;
        let of = self.expect_named_expression()?;
        let by = if self.eat_kw("by").is_some() {
            Some(self.expect_named_expression()?)
        } else {
            None
        };
        Ok(op_expr(
            OperatorKind::TopHitters { count, of, by },
            kw.span,
            self.span_from(kw.span),
        ))
    }

    fn parse_top_nested(&mut self) -> PResult<Expr> {
        let start = self.span(0);
        let levels = self.comma_list(true, false, Self::list_end, "top-nested", |p| {
            let Some(kw) = p.eat_kw("top-nested") else {
                return Ok(None);
            };
            let count = p.parse_named_expression()?;
            p.expect_kw("of")?;
            let of = p.expect_named_expression()?;
            let others = if p.eat_kw("with").is_some() {
                p.expect_kw("others")?;
                p.expect(Tok::Eq)?;
                Some(match p.parse_literal()? {
                    Some(v) => v,
                    None => p.expect_unnamed_expression()?,
                })
            } else {
                None
            };
            p.expect_kw("by")?;
            let by = p.expect_ordered()?;
            Ok(Some(TopNestedLevel {
                count,
                of,
                others,
                by,
                span: p.span_from(kw.span),
            }))
        })?;
        Ok(op_expr(
            OperatorKind::TopNested(levels),
            start,
            self.span_from(start),
        ))
    }

    fn parse_union_operand(&mut self) -> PResult<Option<Expr>> {
        if self.at(Tok::LParen) {
            let open = self.bump();
            let inner = self.expect_expression()?;
            self.expect(Tok::RParen)?;
            return Ok(Some(Expr {
                kind: ExprKind::Paren(Box::new(inner)),
                span: self.span_from(open.span),
            }));
        }
        self.parse_wildcarded_entity()
    }

    fn parse_union(&mut self) -> PResult<Expr> {
        let kw = self.bump();
        let params = self.parse_params(params::UNION, Allowed::DeclaredOrKnown, true)?;
        let tables = self.comma_list(
            true,
            false,
            Self::list_end,
            "table",
            Self::parse_union_operand,
        )?;
        Ok(op_expr(
            OperatorKind::Union { params, tables },
            kw.span,
            self.span_from(kw.span),
        ))
    }

    fn parse_print(&mut self) -> PResult<Expr> {
        let kw = self.bump();
        let columns = self.named_list(true, Self::list_end)?;
        Ok(op_expr(
            OperatorKind::Print(columns),
            kw.span,
            self.span_from(kw.span),
        ))
    }

    fn parse_macro_expand(&mut self) -> PResult<Expr> {
        let kw = self.bump();
        let params = self.parse_params(params::UNION, Allowed::DeclaredOrKnown, true)?;
        let entity_group = if self.at_kw("entity_group") {
            if self.scan_function_call_start(0) {
                self.parse_function_call()?
            } else {
                let start = self.bump().span;
                self.expect(Tok::LBracket)?;
                let items = self.comma_list(
                    true,
                    false,
                    Self::list_end,
                    "entity",
                    Self::parse_unnamed_expression,
                )?;
                self.expect(Tok::RBracket)?;
                Expr {
                    kind: ExprKind::EntityGroup(items),
                    span: self.span_from(start),
                }
            }
        } else if (self.text(0) == "database" || self.text(0) == "cluster")
            && self.kind(1) == Tok::LParen
        {
            match self.parse_wildcarded_entity()? {
                Some(e) => e,
                None => return Err(self.error_expected(&["entity group"])),
            }
        } else {
            match self.parse_name() {
                Some(n) => super::params::name_expr(n),
                None => return Err(self.error_expected(&["entity group"])),
            }
        };
        let scope_name = if self.eat_kw("as").is_some() {
            Some(self.expect_name()?)
        } else {
            None
        };
        self.expect(Tok::LParen)?;
        let statements = self.parse_statement_list()?;
        self.expect(Tok::RParen)?;
        Ok(op_expr(
            OperatorKind::MacroExpand {
                params,
                entity_group,
                scope_name,
                statements,
            },
            kw.span,
            self.span_from(kw.span),
        ))
    }

    fn parse_make_graph(&mut self) -> PResult<Expr> {
        let kw = self.bump();
        let params = self.parse_params(params::MAKE_GRAPH, Allowed::DeclaredOrKnown, true)?;
        let source = self.expect_name()?;
        let directed = if self.eat_text("-->").is_some() {
            true
        } else if self.eat_text("--").is_some() {
            false
        } else {
            return Err(self.error_expected(&["-->", "--"]));
        };
        let target = self.expect_name()?;
        let mut node_tables = Vec::new();
        let mut node_id = None;
        if self.at_kw("with_node_id") {
            self.bump();
            self.expect(Tok::Eq)?;
            node_id = Some(self.expect_name()?);
        } else if self.eat_kw("with").is_some() {
            node_tables = self.comma_list(
                true,
                false,
                |p| p.at_list_end(0) || p.at_kw("partitioned-by"),
                "node table",
                |p| {
                    let Some(table) = p.parse_call_or_path_or_unary()? else {
                        return Ok(None);
                    };
                    p.expect_kw("on")?;
                    let key = p.expect_name()?;
                    Ok(Some((table, key)))
                },
            )?;
        }
        let partitioned_by = if self.eat_kw("partitioned-by").is_some() {
            let Some(Expr {
                kind: ExprKind::Name(column),
                ..
            }) = self.parse_simple_path()?
            else {
                return Err(self.error_expected(&["column"]));
            };
            let sub = self.parse_contextual_subquery()?;
            Some((column, sub))
        } else {
            None
        };
        Ok(op_expr(
            OperatorKind::MakeGraph {
                params,
                source,
                directed,
                target,
                node_tables,
                node_id,
                partitioned_by,
            },
            kw.span,
            self.span_from(kw.span),
        ))
    }

    /// `-x`, `+x` or a primary with selectors (no binary operators).
    fn parse_call_or_path_or_unary(&mut self) -> PResult<Option<Expr>> {
        if matches!(self.kind(0), Tok::Minus | Tok::Plus) {
            let op = if self.at(Tok::Minus) {
                crate::ast::UnaryOp::Neg
            } else {
                crate::ast::UnaryOp::Plus
            };
            let start = self.bump().span;
            let Some(operand) = self.parse_call_or_path()? else {
                return Err(self.missing_expression());
            };
            let span = start.to(operand.span);
            return Ok(Some(Expr {
                kind: ExprKind::Unary {
                    op,
                    operand: Box::new(operand),
                },
                span,
            }));
        }
        self.parse_call_or_path()
    }

    fn parse_graph_match(&mut self, shortest_paths: bool) -> PResult<Expr> {
        let kw = self.bump();
        let specs = if shortest_paths {
            params::GRAPH_SHORTEST_PATHS
        } else {
            params::GRAPH_MATCH
        };
        let params = self.parse_params(specs, Allowed::DeclaredOrKnown, true)?;
        let patterns = self.comma_list(
            true,
            false,
            |_| false,
            "pattern",
            |p| {
                let mut items = Vec::new();
                while let Some(item) = p.parse_graph_pattern_item()? {
                    items.push(item);
                }
                Ok((!items.is_empty()).then_some(items))
            },
        )?;
        let predicate = if self.eat_kw("where").is_some() {
            Some(self.expect_expression()?)
        } else {
            None
        };
        let project = if self.eat_kw("project").is_some() {
            Some(self.named_list(true, Self::list_end)?)
        } else {
            None
        };
        Ok(op_expr(
            OperatorKind::GraphMatch {
                shortest_paths,
                params,
                patterns,
                predicate,
                project,
            },
            kw.span,
            self.span_from(kw.span),
        ))
    }

    fn parse_graph_pattern_item(&mut self) -> PResult<Option<GraphPatternItem>> {
        let start = self.span(0);
        let kind = if self.eat(Tok::LParen).is_some() {
            let name = self.parse_name();
            self.expect(Tok::RParen)?;
            GraphPatternKind::Node(name)
        } else if let Some(arrow) = ["-->", "<--", "--"]
            .into_iter()
            .find(|a| self.match_text(0, a).is_some())
        {
            self.eat_text(arrow);
            GraphPatternKind::Edge {
                name: None,
                range: None,
                direction: arrow.to_string(),
            }
        } else if let Some((open, _)) = self.eat_one_of(&["-[", "<-["]) {
            let name = self.parse_name();
            let range = if self.eat(Tok::Star).is_some() {
                let Some(low) = self.parse_call_or_path_or_unary()? else {
                    return Err(self.missing_expression());
                };
                self.expect(Tok::DotDot)?;
                let Some(high) = self.parse_call_or_path_or_unary()? else {
                    return Err(self.missing_expression());
                };
                Some(Box::new((low, high)))
            } else {
                None
            };
            let Some((close, _)) = self.eat_one_of(&["]->", "]-"]) else {
                return Err(self.error_expected(&["]->", "]-"]));
            };
            GraphPatternKind::Edge {
                name,
                range,
                direction: format!("{open}...{close}"),
            }
        } else {
            return Ok(None);
        };
        Ok(Some(GraphPatternItem {
            kind,
            span: self.span_from(start),
        }))
    }

    fn parse_graph_to_table(&mut self) -> PResult<Expr> {
        let kw = self.bump();
        let outputs = self.comma_list(
            true,
            false,
            |_| false,
            "nodes or edges",
            |p| {
                let start = p.span(0);
                let entity = if p.at_kw("nodes") {
                    "nodes"
                } else if p.at_kw("edges") {
                    "edges"
                } else {
                    return Ok(None);
                };
                p.bump();
                let alias = if p.eat_kw("as").is_some() {
                    Some(p.expect_name()?)
                } else {
                    None
                };
                let specs = if entity == "nodes" {
                    params::GRAPH_TO_TABLE_NODES
                } else {
                    params::GRAPH_TO_TABLE_EDGES
                };
                let params = p.parse_params(specs, Allowed::DeclaredOrKnown, true)?;
                Ok(Some(GraphToTableOutput {
                    entity: entity.to_string(),
                    alias,
                    params,
                    span: p.span_from(start),
                }))
            },
        )?;
        Ok(op_expr(
            OperatorKind::GraphToTable(outputs),
            kw.span,
            self.span_from(kw.span),
        ))
    }

    fn parse_graph_mark_components(&mut self) -> PResult<Expr> {
        let kw = self.bump();
        let params = self.parse_params(
            params::GRAPH_MARK_COMPONENTS,
            Allowed::DeclaredOrKnown,
            true,
        )?;
        Ok(op_expr(
            OperatorKind::GraphMarkComponents { params },
            kw.span,
            self.span_from(kw.span),
        ))
    }

    fn parse_graph_where(&mut self) -> PResult<Expr> {
        let kw = self.bump();
        let nodes = kw.span.text(self.src) == "graph-where-nodes";
        let predicate = self.expect_unnamed_expression()?;
        let kind = if nodes {
            OperatorKind::GraphWhereNodes(predicate)
        } else {
            OperatorKind::GraphWhereEdges(predicate)
        };
        Ok(op_expr(kind, kw.span, self.span_from(kw.span)))
    }
}

fn is_literal_token(kind: Tok) -> bool {
    matches!(
        kind,
        Tok::Long | Tok::Real | Tok::Bool | Tok::Str | Tok::Timespan | Tok::Typed(_) | Tok::RawGuid
    )
}
