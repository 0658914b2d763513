//! `mv-expand` and `parse` / `parse-where`.
//!
//! `mv-expand` turns each expanded dynamic value into an Arrow list of
//! JSON texts and lets DataFusion's `Unnest` expand them; several columns
//! expand in parallel (the shorter ones padded with nulls), which is
//! KQL's semantics. `parse` compiles its pattern to one regular
//! expression whose capture groups become the new columns.

use std::sync::Arc;

use datafusion::arrow::array::{Array, AsArray, ListBuilder, StringBuilder};
use datafusion::arrow::datatypes::{DataType, Field};
use datafusion::common::{Column, UnnestOptions};
use datafusion::logical_expr::{ColumnarValue, LogicalPlanBuilder, is_not_null};

use super::dynamic::{expansion_index, expansion_list};
use super::functions::cached_regex;
use super::plan::{Expr2, Frame, Planner, Typed, col_ref, project_plan, set_column};
use super::udf::{VecFn, vec_call};
use super::value::Value;
use crate::ast::{self, ExpandItem, ParsePatternItem, TypeOfItem};
use crate::error::KqlError;
use crate::span::Span;
use crate::types::KqlType;

impl<'q> Planner<'q> {
    /// `mv-expand [kind=bag|array] [with_itemindex=i] items [limit n]`.
    pub(crate) fn mv_expand(
        &mut self,
        input: Frame,
        params: &'q [ast::NamedParam],
        items: &'q [ExpandItem],
        limit: Option<&'q Expr2>,
        span: Span,
    ) -> Result<Frame, KqlError> {
        let bag_as_array = params
            .iter()
            .any(|p| (p.name == "kind" || p.name == "bagexpansion") && p.word() == Some("array"));
        let index_name = params
            .iter()
            .find(|p| p.name == "with_itemindex")
            .and_then(|p| p.word())
            .map(str::to_string);
        let limit = match limit {
            Some(e) => Some(self.row_count(e)?),
            None => None,
        };
        let mut expanded: Vec<(String, String, KqlType)> = Vec::new();
        let mut projection = input.all();
        let mut list_args = Vec::new();
        for item in items {
            let Some(named) = &item.expr else {
                return Err(self.unsupported(item.span, "mv-expand without an expression"));
            };
            let t = self.scalar(&named.expr, &input)?;
            let t = if t.ty == KqlType::Dynamic {
                t
            } else {
                self.convert(t, KqlType::Dynamic)
            };
            let name = self.item_name(named, &input);
            let target = match &item.to_type {
                Some(types) => match types.first() {
                    Some(TypeOfItem::Type(tn)) => {
                        KqlType::from_name(&tn.name).unwrap_or(KqlType::Dynamic)
                    }
                    _ => KqlType::Dynamic,
                },
                None => KqlType::Dynamic,
            };
            let internal = self.fresh("mv");
            list_args.push(t.expr.clone());
            projection.push((
                internal.clone(),
                Typed::new(
                    expansion_list(t.expr, bag_as_array, limit),
                    KqlType::Dynamic,
                ),
            ));
            expanded.push((name, internal, target));
        }
        if expanded.is_empty() {
            return Err(self.error(
                "missing-input",
                span,
                "mv-expand needs a column to expand.".into(),
            ));
        }
        let index_internal = self.fresh("mvi");
        if index_name.is_some() {
            projection.push((
                index_internal.clone(),
                Typed::new(
                    expansion_index(list_args, bag_as_array, limit),
                    KqlType::Long,
                ),
            ));
        }
        let lists = input.project(projection)?;
        let mut unnest: Vec<Column> = expanded
            .iter()
            .map(|(_, internal, _)| Column::new_unqualified(internal))
            .collect();
        if index_name.is_some() {
            unnest.push(Column::new_unqualified(&index_internal));
        }
        let options = UnnestOptions::new().with_preserve_nulls(false);
        let plan = LogicalPlanBuilder::from(lists.plan)
            .unnest_columns_with_options(unnest, options)?
            .build()?;
        let mut out = input.all();
        for (name, internal, target) in &expanded {
            let element = Typed::new(col_ref(internal), KqlType::Dynamic);
            let value = if *target == KqlType::Dynamic {
                element
            } else {
                self.convert(element, *target)
            };
            set_column(&mut out, name.clone(), value);
        }
        if let Some(index) = index_name {
            set_column(
                &mut out,
                index,
                Typed::new(col_ref(&index_internal), KqlType::Long),
            );
        }
        project_plan(plan, out, Vec::new())
    }

    /// `mv-apply items on (subquery)`: each row's expansion goes through
    /// the subquery on its own (the planner partitions aggregations,
    /// `top` and `take` by a row id) and the results are joined back to
    /// the row's other columns.
    pub(crate) fn mv_apply(
        &mut self,
        input: Frame,
        params: &'q [ast::NamedParam],
        items: &'q [ExpandItem],
        limit: Option<&'q Expr2>,
        subquery: &'q Expr2,
        span: Span,
    ) -> Result<Frame, KqlError> {
        if self.partition.is_some() {
            return Err(self.unsupported(span, "mv-apply inside mv-apply"));
        }
        let rid = self.fresh("rid");
        let numbered = {
            let e = datafusion::functions_window::expr_fn::row_number();
            let name = e.schema_name().to_string();
            let plan = LogicalPlanBuilder::window_plan(input.plan.clone(), vec![e])?;
            let mut items = input.all();
            items.push((
                rid.clone(),
                Typed::new(
                    datafusion::logical_expr::cast(col_ref(&name), DataType::Int64),
                    KqlType::Long,
                ),
            ));
            project_plan(plan, items, Vec::new())?
        };
        let expanded_names: Vec<String> = items
            .iter()
            .filter_map(|i| i.expr.as_ref())
            .map(|e| self.item_name(e, &input))
            .collect();
        let expanded = self.mv_expand(numbered.clone(), params, items, limit, span)?;
        self.partition = Some(rid.clone());
        let result = self.apply_subquery(expanded, subquery);
        self.partition = None;
        let sub = result?;
        if sub.col(&rid).is_none() {
            return Err(self.unsupported(span, "This mv-apply subquery"));
        }
        // Join the subquery's rows back to the other columns of their row.
        let left_cols: Vec<(String, Typed)> = numbered
            .all()
            .into_iter()
            .filter(|(n, _)| !expanded_names.contains(n))
            .collect();
        let left = numbered.project(left_cols)?;
        let la = self.fresh("l");
        let ra = self.fresh("r");
        let left_plan = LogicalPlanBuilder::from(left.plan.clone())
            .alias(la.as_str())?
            .build()?;
        let right_plan = LogicalPlanBuilder::from(sub.plan.clone())
            .alias(ra.as_str())?
            .build()?;
        let q = |a: &str, n: &str| {
            datafusion::logical_expr::Expr::Column(datafusion::common::Column::new(Some(a), n))
        };
        let plan = LogicalPlanBuilder::from(left_plan)
            .join_with_expr_keys(
                right_plan,
                datafusion::common::JoinType::Inner,
                (vec![q(&la, &rid)], vec![q(&ra, &rid)]),
                None,
            )?
            // Rows come out in the order of the input rows.
            .sort(vec![q(&la, &rid).sort(true, false)])?
            .build()?;
        let mut out: Vec<(String, Typed)> = left
            .cols
            .iter()
            .filter(|c| c.name != rid)
            .map(|c| (c.name.clone(), Typed::new(q(&la, &c.name), c.ty)))
            .collect();
        for c in sub.cols.iter().filter(|c| c.name != rid) {
            set_column(&mut out, c.name.clone(), Typed::new(q(&ra, &c.name), c.ty));
        }
        project_plan(plan, out, Vec::new())
    }

    /// A subquery pipeline applied to `input` (its first operator reads it).
    fn apply_subquery(&mut self, input: Frame, e: &'q Expr2) -> Result<Frame, KqlError> {
        match &e.kind {
            ast::ExprKind::Pipe { input: inner, op } => {
                let frame = self.apply_subquery(input, inner)?;
                self.apply(frame, op)
            }
            ast::ExprKind::Operator(op) => self.apply(input, op),
            ast::ExprKind::Paren(inner) => self.apply_subquery(input, inner),
            _ => Err(self.unsupported(e.span, "This mv-apply subquery")),
        }
    }

    /// `parse [kind=simple|regex|relaxed] [flags=...] expr with pattern`.
    pub(crate) fn parse_op(
        &mut self,
        input: Frame,
        is_where: bool,
        params: &'q [ast::NamedParam],
        source: &'q Expr2,
        pattern: &'q [ParsePatternItem],
        span: Span,
    ) -> Result<Frame, KqlError> {
        let kind = params
            .iter()
            .find(|p| p.name == "kind")
            .and_then(|p| p.word())
            .unwrap_or("simple")
            .to_string();
        let flags = params
            .iter()
            .find(|p| p.name == "flags")
            .and_then(|p| match &p.value {
                ast::ParamValue::Expr(e) => match &e.kind {
                    ast::ExprKind::Literal(ast::Literal::String(s)) => Some(s.clone()),
                    ast::ExprKind::Name(n) => Some(n.name.clone()),
                    _ => None,
                },
                ast::ParamValue::Names(_) => None,
            })
            .unwrap_or_default();
        let text = self.scalar(source, &input)?;
        let text = self.to_text(text);
        let (regex, columns) = parse_regex(&kind, &flags, pattern);
        if cached_regex(&regex).is_none() {
            return Err(self.error(
                "invalid-parameter",
                span,
                format!("The parse pattern does not compile as a regular expression: {regex}"),
            ));
        }
        let types: Vec<KqlType> = columns.iter().map(|(_, t)| *t).collect();
        // In simple mode a typed column that does not convert fails the
        // whole match; relaxed mode only nulls that column.
        let strict = kind != "relaxed";
        let re_text = regex.clone();
        let group_names: Vec<String> = (0..types.len()).map(|g| format!("c{g}")).collect();
        // Simple and relaxed patterns are matched directly (Kusto does
        // not treat them as regular expressions either); kind=regex uses
        // the regex.
        let pieces = (kind != "regex").then(|| simple_pieces(pattern, kind == "relaxed"));
        let func: VecFn = Arc::new(move |args, rows| {
            let array = args[0].to_array(rows)?;
            let strings = array.as_string::<i32>();
            let re = cached_regex(&re_text);
            let mut builder = ListBuilder::new(StringBuilder::new());
            let mut spans: Vec<Option<(usize, usize)>> = Vec::new();
            for row in 0..strings.len() {
                let text = if strings.is_null(row) {
                    ""
                } else {
                    strings.value(row)
                };
                let captured: Option<Vec<Option<&str>>> = match &pieces {
                    Some(pieces) => {
                        spans.clear();
                        spans.resize(group_names.len(), None);
                        match_pieces(text, pieces, 0, 0, &mut spans)
                            .then(|| spans.iter().map(|s| s.map(|(a, b)| &text[a..b])).collect())
                    }
                    None => re.as_ref().and_then(|re| re.captures(text)).map(|caps| {
                        group_names
                            .iter()
                            .map(|g| caps.name(g).map(|m| m.as_str()))
                            .collect()
                    }),
                };
                let valid = captured.as_ref().is_some_and(|values| {
                    !strict
                        || values.iter().zip(&types).all(|(v, ty)| {
                            *ty == KqlType::String
                                || !Value::String(v.unwrap_or_default().to_string())
                                    .convert(*ty)
                                    .is_null()
                        })
                });
                match captured {
                    Some(values) if valid => {
                        for v in values {
                            builder.values().append_option(v);
                        }
                        builder.append(true);
                    }
                    _ => builder.append(false),
                }
            }
            Ok(ColumnarValue::Array(Arc::new(builder.finish())))
        });
        let list_type = DataType::List(Arc::new(Field::new("item", DataType::Utf8, true)));
        let captures = vec_call(
            format!("kql_parse_{regex}"),
            list_type,
            false,
            func,
            vec![text.expr],
        );
        let internal = self.fresh("parse");
        let mut with_list = input.all();
        with_list.push((internal.clone(), Typed::new(captures, KqlType::Dynamic)));
        let mut staged = input.project(with_list)?;
        if is_where {
            staged.plan = LogicalPlanBuilder::from(staged.plan)
                .filter(is_not_null(col_ref(&internal)))?
                .build()?;
        }
        let mut out = input.all();
        for (i, (name, ty)) in columns.iter().enumerate() {
            let element = Typed::new(
                super::aggregate::list_element(col_ref(&internal), i, KqlType::String),
                KqlType::String,
            );
            let value = if *ty == KqlType::String {
                element
            } else {
                self.convert(element, *ty)
            };
            set_column(&mut out, name.clone(), value);
        }
        let order = input.order.clone();
        project_plan(staged.plan, out, order)
    }
}

/// A piece of a simple or relaxed `parse` pattern.
#[derive(Debug, Clone)]
enum Piece {
    /// `*`.
    Skip,
    /// A literal.
    Text(String),
    /// Column `index`; numeric columns match digits (`real` a number);
    /// in relaxed mode they fall back to any text.
    Column {
        index: usize,
        number: Option<bool>,
        relaxed: bool,
    },
}

fn simple_pieces(pattern: &[ParsePatternItem], relaxed: bool) -> Vec<Piece> {
    let mut pieces = Vec::new();
    let mut index = 0;
    for item in pattern {
        match item {
            ParsePatternItem::Star(_) => pieces.push(Piece::Skip),
            ParsePatternItem::Text(t, _) => pieces.push(Piece::Text(t.clone())),
            ParsePatternItem::Column(c) => {
                let ty =
                    c.ty.as_ref()
                        .and_then(|t| KqlType::from_name(&t.name))
                        .unwrap_or(KqlType::String);
                let number = match ty {
                    KqlType::Int | KqlType::Long => Some(false),
                    KqlType::Real | KqlType::Decimal => Some(true),
                    _ => None,
                };
                pieces.push(Piece::Column {
                    index,
                    number,
                    relaxed,
                });
                index += 1;
            }
        }
    }
    pieces
}

/// Byte ends of the numbers at the start of `text`, longest first
/// (`-?\d+`, or with a fraction and exponent for reals).
fn number_ends(text: &str, real: bool) -> Vec<usize> {
    let b = text.as_bytes();
    let mut i = usize::from(b.first() == Some(&b'-'));
    let digits_start = i;
    let mut ends = Vec::new();
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
        ends.push(i);
    }
    if ends.is_empty() || i == digits_start {
        return Vec::new();
    }
    if real && i < b.len() && b[i] == b'.' {
        i += 1;
        ends.push(i);
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
            ends.push(i);
        }
    }
    ends.reverse();
    ends
}

/// Matches pieces `i..` at byte `pos` (anchored at the start, not at the
/// end), backtracking like the equivalent lazy regular expression.
fn match_pieces(
    text: &str,
    pieces: &[Piece],
    i: usize,
    pos: usize,
    spans: &mut [Option<(usize, usize)>],
) -> bool {
    let Some(piece) = pieces.get(i) else {
        return true;
    };
    let last = i + 1 == pieces.len();
    let rest = &text[pos..];
    let lazy_ends = |spans: &mut [Option<(usize, usize)>], index: Option<usize>| -> bool {
        if last {
            if let Some(k) = index {
                spans[k] = Some((pos, text.len()));
            }
            return true;
        }
        let attempt = |end: usize, spans: &mut [Option<(usize, usize)>]| {
            if let Some(k) = index {
                spans[k] = Some((pos, end));
            }
            match_pieces(text, pieces, i + 1, end, spans)
        };
        match &pieces[i + 1] {
            Piece::Text(t) if !t.is_empty() => rest
                .match_indices(t.as_str())
                .any(|(o, _)| attempt(pos + o, spans)),
            _ => (pos..=text.len())
                .filter(|e| text.is_char_boundary(*e))
                .any(|end| attempt(end, spans)),
        }
    };
    match piece {
        Piece::Text(t) => {
            rest.starts_with(t.as_str()) && match_pieces(text, pieces, i + 1, pos + t.len(), spans)
        }
        Piece::Skip => lazy_ends(spans, None),
        Piece::Column {
            index,
            number: None,
            ..
        } => lazy_ends(spans, Some(*index)),
        Piece::Column {
            index,
            number: Some(real),
            relaxed,
        } => {
            for end in number_ends(rest, *real) {
                spans[*index] = Some((pos, pos + end));
                if match_pieces(text, pieces, i + 1, pos + end, spans) {
                    return true;
                }
            }
            *relaxed && lazy_ends(spans, Some(*index))
        }
    }
}

/// The regular expression of a `parse` pattern and its columns; column
/// `i` is the named group `c{i}` (the pattern's own groups, in regex
/// mode, do not shift them).
fn parse_regex(
    kind: &str,
    flags: &str,
    pattern: &[ParsePatternItem],
) -> (String, Vec<(String, KqlType)>) {
    let mut regex = String::new();
    let f: String = flags.chars().filter(|c| "imsUx".contains(*c)).collect();
    if !f.is_empty() {
        regex.push_str(&format!("(?{f})"));
    }
    let is_regex = kind == "regex";
    if !is_regex {
        regex.push('^');
    }
    let mut columns = Vec::new();
    for (i, item) in pattern.iter().enumerate() {
        let last = i + 1 == pattern.len();
        match item {
            ParsePatternItem::Star(_) => {
                regex.push_str(if last || is_regex { ".*" } else { ".*?" })
            }
            ParsePatternItem::Text(t, _) => {
                if is_regex {
                    regex.push_str(t);
                } else {
                    regex.push_str(&regex::escape(t));
                }
            }
            ParsePatternItem::Column(c) => {
                let ty =
                    c.ty.as_ref()
                        .and_then(|t| KqlType::from_name(&t.name))
                        .unwrap_or(KqlType::String);
                let number = match ty {
                    KqlType::Int | KqlType::Long => Some(r"-?\d+"),
                    KqlType::Real | KqlType::Decimal => Some(r"-?\d+(?:\.\d*)?(?:[eE][+-]?\d+)?"),
                    _ => None,
                };
                let any = if last || is_regex { ".*" } else { ".*?" };
                let body = match (number, kind) {
                    (Some(n), "relaxed") => format!("{n}|{any}"),
                    (Some(n), _) => n.to_string(),
                    (None, _) => any.to_string(),
                };
                regex.push_str(&format!("(?P<c{}>{body})", columns.len()));
                columns.push((c.name.name.clone(), ty));
            }
        }
    }
    (regex, columns)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn simple_patterns() {
        let span = Span::default();
        let col = |n: &str, t: Option<&str>| {
            ParsePatternItem::Column(ast::ColumnDecl {
                name: ast::Ident {
                    name: n.into(),
                    quoting: ast::Quoting::Plain,
                    span,
                },
                ty: t.map(|t| ast::TypeName {
                    name: t.into(),
                    span,
                }),
                span,
            })
        };
        let pattern = vec![
            ParsePatternItem::Star(span),
            ParsePatternItem::Text("took ".into(), span),
            col("ms", Some("long")),
            ParsePatternItem::Text("ms".into(), span),
            ParsePatternItem::Star(span),
        ];
        let (re, cols) = parse_regex("simple", "", &pattern);
        assert_eq!(re, r"^.*?took (?P<c0>-?\d+)ms.*");
        assert_eq!(cols, vec![("ms".to_string(), KqlType::Long)]);
        let pieces = simple_pieces(&pattern, false);
        let mut spans = vec![None];
        let text = "x took 1 took 42ms done";
        assert!(match_pieces(text, &pieces, 0, 0, &mut spans));
        assert_eq!(spans[0].map(|(a, b)| &text[a..b]), Some("42"));
        assert!(!match_pieces("took ms", &pieces, 0, 0, &mut [None]));
    }
}
