//! Expressions: precedence levels, primaries, literals, `dynamic(...)`,
//! `typeof(...)`, function calls and pipelines.
//!
//! Precedence, loosest first: `or`; `and`; equality (`==`, `!=`, `in`,
//! `has_any`, `between`, ...; not associative); relational (`<`, `>=`;
//! not associative); `+ -`; `* / %`; string operators (`has`, `contains`,
//! `=~`, `matches regex`, ...; not associative, binding tighter than
//! arithmetic, as in Kusto); unary `- +`; postfix `.member`, `[index]`.

use super::params::{self, name_expr};
use super::{PResult, Parser};
use crate::ast::{
    BinaryOp, DynamicKind, DynamicPair, DynamicValue, Expr, ExprKind, Ident, ListOp, Literal,
    NamedExpr, NamedParam, TypeOfItem, UnaryOp,
};
use crate::lexer::{self, Tok, TypedKind};
use crate::literal;
use crate::span::Span;

fn expr(kind: ExprKind, span: Span) -> Expr {
    Expr { kind, span }
}

fn boxed(e: Expr) -> Box<Expr> {
    Box::new(e)
}

impl Parser<'_> {
    // ----- pipelines -----------------------------------------------------

    /// A full expression, including pipelines (`T | where ...`).
    pub(crate) fn parse_expression(&mut self) -> PResult<Option<Expr>> {
        self.enter()?;
        let result = self.parse_pipe_expression();
        self.leave();
        result
    }

    /// Like [`Parser::parse_expression`] but missing is an error.
    pub(crate) fn expect_expression(&mut self) -> PResult<Expr> {
        match self.parse_expression()? {
            Some(e) => Ok(e),
            None => Err(self.missing_expression()),
        }
    }

    fn parse_pipe_expression(&mut self) -> PResult<Option<Expr>> {
        let first = if self.scan_possible_query_operator() {
            match self.parse_unpiped_operator()? {
                Some(op) => Some(op),
                None => match self.parse_piped_operator()? {
                    Some(op) => Some(op),
                    None => self.parse_unnamed_expression()?,
                },
            }
        } else {
            match self.parse_unnamed_expression()? {
                Some(e) => Some(e),
                None => match self.parse_unpiped_operator()? {
                    Some(op) => Some(op),
                    None => self.parse_piped_operator()?,
                },
            }
        };
        match first {
            Some(e) => self.parse_pipe_tail(e).map(Some),
            None => Ok(None),
        }
    }

    /// `| operator` repeated after `input`.
    pub(crate) fn parse_pipe_tail(&mut self, mut input: Expr) -> PResult<Expr> {
        while self.eat(Tok::Bar).is_some() {
            let op = self.parse_required_operator()?;
            let span = input.span.to(op.span);
            let op = match op.kind {
                ExprKind::Operator(op) => op,
                _ => {
                    return Err(
                        self.error_at(op.span, "Expected a query operator after `|`.".into())
                    );
                }
            };
            input = expr(
                ExprKind::Pipe {
                    input: boxed(input),
                    op,
                },
                span,
            );
        }
        Ok(input)
    }

    /// A pipeline that starts with an operator applied to an implicit
    /// input (used by `fork`, `facet`, `partition`, `mv-apply`).
    pub(crate) fn parse_operator_pipeline(&mut self) -> PResult<Expr> {
        self.enter()?;
        let first = self.parse_required_operator();
        let result = first.and_then(|first| self.parse_pipe_tail(first));
        self.leave();
        result
    }

    /// True when an expression contains a top-level `|` before it ends,
    /// i.e. it is a tabular expression.
    fn scan_pipe_before_end(&self) -> bool {
        let mut depth = 0usize;
        let mut i = 0;
        loop {
            match self.kind(i) {
                Tok::Eof | Tok::Semicolon => return false,
                Tok::Comma if depth == 0 => return false,
                Tok::RParen => {
                    if depth == 0 {
                        return false;
                    }
                    depth -= 1;
                }
                Tok::LParen => depth += 1,
                Tok::Bar if depth == 0 => return true,
                _ => {}
            }
            i += 1;
        }
    }

    // ----- named and unnamed expressions -----------------------------------

    /// `expr`, `name = expr` or `(a, b) = expr`.
    pub(crate) fn parse_named_expression(&mut self) -> PResult<Option<NamedExpr>> {
        let start = self.span(0);
        if let Some(len) = self.scan_rename_name(0)
            && self.kind(len) == Tok::Eq
        {
            let name = self.parse_rename_name();
            self.bump();
            let value = self.expect_unnamed_expression()?;
            return Ok(Some(NamedExpr {
                names: name.into_iter().collect(),
                span: self.span_from(start),
                expr: value,
            }));
        }
        let dashed = self.scan_dashed_name(0);
        if dashed > 0 && self.kind(dashed) == Tok::Eq {
            let span = self.span(0).to(self.span(dashed - 1));
            let name = span.text(self.src);
            let mut error = self.error_at(
                span,
                format!("The name `{name}` needs to be bracketed as ['{name}'] to be used as a column name."),
            );
            error.suggestion = Some(format!("['{name}']"));
            return Err(error);
        }
        if let Some(len) = self.scan_rename_list(0)
            && self.kind(len) == Tok::Eq
        {
            self.bump();
            let mut names = Vec::new();
            loop {
                match self.parse_rename_name() {
                    Some(n) => names.push(n),
                    None => return Err(self.error_expected(&["name"])),
                }
                if self.eat(Tok::Comma).is_none() {
                    break;
                }
            }
            self.expect(Tok::RParen)?;
            self.expect(Tok::Eq)?;
            let value = self.expect_unnamed_expression()?;
            return Ok(Some(NamedExpr {
                names,
                span: self.span_from(start),
                expr: value,
            }));
        }
        Ok(self.parse_unnamed_expression()?.map(unnamed))
    }

    /// Like [`Parser::parse_named_expression`] but missing is an error.
    pub(crate) fn expect_named_expression(&mut self) -> PResult<NamedExpr> {
        match self.parse_named_expression()? {
            Some(e) => Ok(e),
            None => Err(self.missing_expression()),
        }
    }

    fn scan_rename_list(&self, offset: usize) -> Option<usize> {
        if self.kind(offset) != Tok::LParen {
            return None;
        }
        let mut i = offset + 1;
        while !self.at_list_end(i) {
            i += self.scan_rename_name(i)?;
            if self.kind(i) == Tok::Comma {
                i += 1;
            } else {
                break;
            }
        }
        (self.kind(i) == Tok::RParen).then_some(i + 1 - offset)
    }

    /// An expression without pipes at the top level (pipes may appear
    /// inside parentheses).
    pub(crate) fn parse_unnamed_expression(&mut self) -> PResult<Option<Expr>> {
        self.enter()?;
        let result = self.parse_or();
        self.leave();
        result
    }

    /// Like [`Parser::parse_unnamed_expression`] but missing is an error.
    pub(crate) fn expect_unnamed_expression(&mut self) -> PResult<Expr> {
        match self.parse_unnamed_expression()? {
            Some(e) => Ok(e),
            None => Err(self.missing_expression()),
        }
    }

    /// The error for a missing expression, pointing out keywords that
    /// would need brackets to be used as names.
    pub(crate) fn missing_expression(&self) -> Box<super::SyntaxError> {
        let mut error = self.error_expected(&["expression"]);
        if self.kind(0) == Tok::Keyword && !self.at_list_end(1) {
            let text = self.text(0);
            error.message = format!(
                "Expected an expression but found the keyword `{text}`; if `{text}` is meant as a name, write ['{text}']."
            );
        }
        error
    }

    fn binary(&self, op: BinaryOp, left: Expr, right: Expr) -> Expr {
        let span = left.span.to(right.span);
        expr(
            ExprKind::Binary {
                op,
                left: boxed(left),
                right: boxed(right),
            },
            span,
        )
    }

    fn parse_or(&mut self) -> PResult<Option<Expr>> {
        let Some(mut left) = self.parse_and()? else {
            return Ok(None);
        };
        while self.eat_kw("or").is_some() {
            let right = self.require(Self::parse_and)?;
            left = self.binary(BinaryOp::Or, left, right);
        }
        Ok(Some(left))
    }

    fn parse_and(&mut self) -> PResult<Option<Expr>> {
        let Some(mut left) = self.parse_equality()? else {
            return Ok(None);
        };
        while self.eat_kw("and").is_some() {
            let right = self.require(Self::parse_equality)?;
            left = self.binary(BinaryOp::And, left, right);
        }
        Ok(Some(left))
    }

    fn require(&mut self, f: fn(&mut Self) -> PResult<Option<Expr>>) -> PResult<Expr> {
        match f(self)? {
            Some(e) => Ok(e),
            None => Err(self.missing_expression()),
        }
    }

    fn parse_equality(&mut self) -> PResult<Option<Expr>> {
        if self.at(Tok::Star) && self.kind(1) == Tok::EqEq {
            let star = self.bump();
            self.bump();
            let right = self.require(Self::parse_relational)?;
            return Ok(Some(self.binary(
                BinaryOp::Eq,
                expr(ExprKind::Star, star.span),
                right,
            )));
        }
        let Some(left) = self.parse_relational()? else {
            return Ok(None);
        };
        let op = match self.kind(0) {
            Tok::EqEq => Some(BinaryOp::Eq),
            Tok::BangEq | Tok::LtGt => Some(BinaryOp::Ne),
            _ => None,
        };
        if let Some(op) = op {
            self.bump();
            let right = self.require(Self::parse_relational)?;
            return Ok(Some(self.binary(op, left, right)));
        }
        if self.kind(0) != Tok::Keyword {
            return Ok(Some(left));
        }
        let list_op = match self.text(0) {
            "in" if !self.is_kw_at(1, "range") => Some(ListOp::In),
            "in~" => Some(ListOp::InCi),
            "!in" => Some(ListOp::NotIn),
            "!in~" => Some(ListOp::NotInCi),
            "has_any" => Some(ListOp::HasAny),
            "has_all" => Some(ListOp::HasAll),
            _ => None,
        };
        if let Some(op) = list_op {
            self.bump();
            let list = self.parse_in_list()?;
            let span = self.span_from(left.span);
            return Ok(Some(expr(
                ExprKind::List {
                    op,
                    left: boxed(left),
                    list,
                },
                span,
            )));
        }
        let negated = match self.text(0) {
            "between" => false,
            "!between" => true,
            _ => return Ok(Some(left)),
        };
        self.bump();
        self.expect(Tok::LParen)?;
        let low = self.expect_unnamed_expression()?;
        self.expect(Tok::DotDot)?;
        let high = self.expect_unnamed_expression()?;
        self.expect(Tok::RParen)?;
        let span = self.span_from(left.span);
        Ok(Some(expr(
            ExprKind::Between {
                negated,
                left: boxed(left),
                low: boxed(low),
                high: boxed(high),
            },
            span,
        )))
    }

    /// `( a, b, c )` or `( tabular expression )` after `in`, `has_any`, ...
    fn parse_in_list(&mut self) -> PResult<Vec<Expr>> {
        self.expect(Tok::LParen)?;
        let list = if self.scan_possible_query_operator() || self.scan_pipe_before_end() {
            vec![self.expect_expression()?]
        } else {
            let mut list = vec![self.expect_unnamed_expression()?];
            while self.eat(Tok::Comma).is_some() {
                list.push(self.expect_unnamed_expression()?);
            }
            list
        };
        self.expect(Tok::RParen)?;
        Ok(list)
    }

    fn parse_relational(&mut self) -> PResult<Option<Expr>> {
        let Some(left) = self.parse_additive()? else {
            return Ok(None);
        };
        let op = match self.kind(0) {
            Tok::Lt => BinaryOp::Lt,
            Tok::Le => BinaryOp::Le,
            Tok::Gt => BinaryOp::Gt,
            Tok::Ge => BinaryOp::Ge,
            _ => return Ok(Some(left)),
        };
        self.bump();
        let right = self.require(Self::parse_additive)?;
        Ok(Some(self.binary(op, left, right)))
    }

    fn parse_additive(&mut self) -> PResult<Option<Expr>> {
        let Some(mut left) = self.parse_multiplicative()? else {
            return Ok(None);
        };
        loop {
            let op = match self.kind(0) {
                Tok::Plus => BinaryOp::Add,
                Tok::Minus => BinaryOp::Sub,
                _ => return Ok(Some(left)),
            };
            self.bump();
            let right = self.require(Self::parse_multiplicative)?;
            left = self.binary(op, left, right);
        }
    }

    fn parse_multiplicative(&mut self) -> PResult<Option<Expr>> {
        let Some(mut left) = self.parse_string_operation()? else {
            return Ok(None);
        };
        loop {
            let op = match self.kind(0) {
                Tok::Star => BinaryOp::Mul,
                Tok::Slash => BinaryOp::Div,
                Tok::Percent => BinaryOp::Mod,
                _ => return Ok(Some(left)),
            };
            self.bump();
            let right = self.require(Self::parse_string_operation)?;
            left = self.binary(op, left, right);
        }
    }

    /// The string operator at `offset`, if any.
    fn string_operator(&self, offset: usize) -> Option<BinaryOp> {
        use BinaryOp::*;
        match self.kind(offset) {
            Tok::EqTilde => return Some(EqTilde),
            Tok::BangTilde => return Some(NotTilde),
            Tok::Colon => return Some(Search),
            Tok::Keyword => {}
            _ => return None,
        }
        Some(match self.text(offset) {
            "has" => Has,
            "!has" => NotHas,
            "has_cs" => HasCs,
            "!has_cs" => NotHasCs,
            "hasprefix" => HasPrefix,
            "!hasprefix" => NotHasPrefix,
            "hasprefix_cs" => HasPrefixCs,
            "!hasprefix_cs" => NotHasPrefixCs,
            "hassuffix" => HasSuffix,
            "!hassuffix" => NotHasSuffix,
            "hassuffix_cs" => HasSuffixCs,
            "!hassuffix_cs" => NotHasSuffixCs,
            "like" => Like,
            "notlike" => NotLike,
            "likecs" => LikeCs,
            "notlikecs" => NotLikeCs,
            "contains" => Contains,
            "notcontains" | "!contains" => NotContains,
            "containscs" | "contains_cs" => ContainsCs,
            "notcontainscs" | "!contains_cs" => NotContainsCs,
            "startswith" => StartsWith,
            "!startswith" => NotStartsWith,
            "startswith_cs" => StartsWithCs,
            "!startswith_cs" => NotStartsWithCs,
            "endswith" => EndsWith,
            "!endswith" => NotEndsWith,
            "endswith_cs" => EndsWithCs,
            "!endswith_cs" => NotEndsWithCs,
            "matches regex" => MatchesRegex,
            _ => return None,
        })
    }

    fn parse_string_operation(&mut self) -> PResult<Option<Expr>> {
        if self.at(Tok::Star)
            && let Some(op) = self.string_operator(1)
        {
            let star = self.bump();
            self.bump();
            let right = self.require(Self::parse_unary)?;
            return Ok(Some(self.binary(
                op,
                expr(ExprKind::Star, star.span),
                right,
            )));
        }
        let Some(left) = self.parse_unary()? else {
            return Ok(None);
        };
        match self.string_operator(0) {
            Some(op) => {
                self.bump();
                let right = self.require(Self::parse_unary)?;
                Ok(Some(self.binary(op, left, right)))
            }
            None => Ok(Some(left)),
        }
    }

    fn parse_unary(&mut self) -> PResult<Option<Expr>> {
        let op = match self.kind(0) {
            Tok::Minus => UnaryOp::Neg,
            Tok::Plus => UnaryOp::Plus,
            _ => return self.parse_call_or_path(),
        };
        let start = self.bump().span;
        let operand = match self.parse_call_or_path()? {
            Some(e) => e,
            None => return Err(self.missing_expression()),
        };
        let span = start.to(operand.span);
        Ok(Some(expr(
            ExprKind::Unary {
                op,
                operand: boxed(operand),
            },
            span,
        )))
    }

    /// A primary expression followed by `.member` and `[index]` selectors.
    pub(crate) fn parse_call_or_path(&mut self) -> PResult<Option<Expr>> {
        if self.at_kw("totable") {
            return self.parse_to_table().map(Some);
        }
        let Some(mut e) = self.parse_primary()? else {
            return Ok(None);
        };
        loop {
            match self.kind(0) {
                Tok::Dot => {
                    self.bump();
                    let member = match self.parse_selector_or_call()? {
                        Some(m) => m,
                        None => return Err(self.error_expected(&["name"])),
                    };
                    let span = e.span.to(member.span);
                    e = expr(
                        ExprKind::Member {
                            target: boxed(e),
                            member: boxed(member),
                        },
                        span,
                    );
                }
                Tok::LBracket => {
                    let index = self.parse_bracketed_expression()?;
                    let span = self.span_from(e.span);
                    e = expr(
                        ExprKind::Index {
                            target: boxed(e),
                            index: boxed(index),
                        },
                        span,
                    );
                }
                _ => return Ok(Some(e)),
            }
        }
    }

    /// `[ expr ]`.
    fn parse_bracketed_expression(&mut self) -> PResult<Expr> {
        self.expect(Tok::LBracket)?;
        let inner = self.expect_unnamed_expression()?;
        self.expect(Tok::RBracket)?;
        Ok(inner)
    }

    /// After `.`: a function call or a path element.
    pub(crate) fn parse_selector_or_call(&mut self) -> PResult<Option<Expr>> {
        if self.scan_function_call_start(0) {
            return self.parse_function_call().map(Some);
        }
        self.parse_path_element()
    }

    /// A name, `@`, `[name]`, `[Wild*]` or `[expr]`.
    pub(crate) fn parse_path_element(&mut self) -> PResult<Option<Expr>> {
        if self.at(Tok::LBracket) {
            if self.scan_wildcarded_name(1).is_some() {
                self.bump();
                let wildcard = self.parse_wildcarded_name();
                self.expect(Tok::RBracket)?;
                return Ok(wildcard);
            }
            if self.scan_bracketed_name(0).is_some() {
                return Ok(self.parse_name().map(name_expr));
            }
            return self.parse_bracketed_expression().map(Some);
        }
        if self.at(Tok::At) {
            let at = self.bump();
            return Ok(Some(expr(ExprKind::At, at.span)));
        }
        if self.kind(0) == Tok::Keyword
            && matches!(self.text(0), "kind" | "withsource" | "with_source")
        {
            let tok = self.bump();
            return Ok(Some(name_expr(Ident {
                name: tok.span.text(self.src).to_string(),
                quoting: crate::ast::Quoting::Plain,
                span: tok.span,
            })));
        }
        Ok(self.parse_name().map(name_expr))
    }

    /// A name followed directly by `(`.
    pub(crate) fn scan_function_call_start(&self, offset: usize) -> bool {
        self.scan_name(offset)
            .is_some_and(|len| self.kind(offset + len) == Tok::LParen)
    }

    /// `name(args)`.
    pub(crate) fn parse_function_call(&mut self) -> PResult<Expr> {
        let start = self.span(0);
        let name = match self.parse_name() {
            Some(n) => n,
            None => return Err(self.error_expected(&["function name"])),
        };
        let args = self.parse_arguments()?;
        Ok(expr(ExprKind::Call { name, args }, self.span_from(start)))
    }

    /// `( [*|named expression], ... )`.
    pub(crate) fn parse_arguments(&mut self) -> PResult<Vec<NamedExpr>> {
        self.enter()?;
        let result = self.parse_arguments_inner();
        self.leave();
        result
    }

    fn parse_arguments_inner(&mut self) -> PResult<Vec<NamedExpr>> {
        self.expect(Tok::LParen)?;
        let mut args = Vec::new();
        if !self.at_list_end(0) {
            loop {
                let arg = if self.at(Tok::Star) && matches!(self.kind(1), Tok::RParen | Tok::Comma)
                {
                    let star = self.bump();
                    unnamed(expr(ExprKind::Star, star.span))
                } else {
                    self.expect_named_expression()?
                };
                args.push(arg);
                if self.eat(Tok::Comma).is_none() {
                    break;
                }
            }
        }
        self.expect(Tok::RParen)?;
        Ok(args)
    }

    fn parse_primary(&mut self) -> PResult<Option<Expr>> {
        match self.kind(0) {
            Tok::Long
            | Tok::Real
            | Tok::Bool
            | Tok::Typed(_)
            | Tok::Timespan
            | Tok::RawGuid
            | Tok::Str => return self.parse_literal(),
            Tok::LParen => {
                let open = self.bump();
                let inner = self.expect_expression()?;
                self.expect(Tok::RParen)?;
                return Ok(Some(expr(
                    ExprKind::Paren(boxed(inner)),
                    self.span_from(open.span),
                )));
            }
            Tok::Keyword => match self.text(0) {
                "dynamic" => return self.parse_literal(),
                "datatable" => return self.parse_datatable().map(Some),
                "externaldata" | "external_data" => return self.parse_externaldata().map(Some),
                "toscalar" => return self.parse_to_scalar().map(Some),
                "__contextual_datatable" => return self.parse_contextual_datatable().map(Some),
                "materialized-view-combine" => {
                    return Err(self.error_at(
                        self.span(0),
                        "`materialized-view-combine` is only available to materialized view definitions, not to queries.".into(),
                    ));
                }
                _ => {}
            },
            _ => {}
        }
        if self.at_kw("typeof") && self.kind(1) == Tok::LParen {
            return self.parse_typeof().map(Some);
        }
        if self.scan_function_call_start(0) {
            return self.parse_function_call().map(Some);
        }
        if let Some(selector) = self.parse_path_element()? {
            if self.at_kw("datascope") {
                self.bump();
                self.expect(Tok::Eq)?;
                let Some((scope, _)) = self.eat_one_of(&["all", "hotcache"]) else {
                    return Err(self.error_expected(&["all", "hotcache"]));
                };
                let span = self.span_from(selector.span);
                return Ok(Some(expr(
                    ExprKind::DataScope {
                        expr: boxed(selector),
                        scope,
                    },
                    span,
                )));
            }
            return Ok(Some(selector));
        }
        if self.kind(0) == Tok::Keyword && self.keyword_in_name_position() {
            return Err(self.keyword_as_name_error(0));
        }
        Ok(None)
    }

    /// A keyword followed by a token that only follows names (an infix
    /// operator, `)`, `,`, `.`, `|`, ...): the keyword was meant as a name.
    fn keyword_in_name_position(&self) -> bool {
        match self.kind(1) {
            Tok::EqEq
            | Tok::BangEq
            | Tok::EqTilde
            | Tok::BangTilde
            | Tok::Gt
            | Tok::Ge
            | Tok::Lt
            | Tok::Le
            | Tok::Star
            | Tok::Slash
            | Tok::Percent
            | Tok::RParen
            | Tok::RBracket
            | Tok::RBrace
            | Tok::Dot
            | Tok::Comma
            | Tok::Colon
            | Tok::Bar => true,
            Tok::Keyword => {
                self.string_operator(1).is_some()
                    || matches!(
                        self.text(1),
                        "and"
                            | "or"
                            | "in"
                            | "in~"
                            | "!in"
                            | "!in~"
                            | "has_any"
                            | "has_all"
                            | "between"
                            | "!between"
                    )
            }
            _ => false,
        }
    }

    // ----- literals --------------------------------------------------------

    /// A literal: numbers, strings (adjacent strings concatenate), bools,
    /// typed literals, `dynamic(...)`, `typeof(...)`, signed numbers and
    /// client parameters `{name}`.
    pub(crate) fn parse_literal(&mut self) -> PResult<Option<Expr>> {
        let tok = self.tok(0);
        let text = self.text(0);
        let literal = match tok.kind {
            Tok::Str => {
                let mut value = String::new();
                while self.at(Tok::Str) {
                    let t = self.bump();
                    value.push_str(&lexer::string_value(t.span.text(self.src)));
                }
                return Ok(Some(expr(
                    ExprKind::Literal(Literal::String(value)),
                    self.span_from(tok.span),
                )));
            }
            Tok::Bool => Literal::Bool(Some(text.eq_ignore_ascii_case("true"))),
            Tok::Long => literal::long_literal(text),
            Tok::Real => literal::real_literal(text),
            Tok::Timespan => literal::timespan_token_literal(text),
            Tok::Typed(kind) => literal::typed_literal(kind, text),
            Tok::RawGuid => {
                let mut error = self.error_at(
                    tok.span,
                    format!("A bare GUID is not allowed here; write guid({text})."),
                );
                error.suggestion = Some(format!("guid({text})"));
                return Err(error);
            }
            Tok::Keyword if text == "dynamic" => {
                if self.kind(1) != Tok::LParen {
                    return Ok(None);
                }
                return self.parse_dynamic().map(Some);
            }
            Tok::Keyword if text == "typeof" && self.kind(1) == Tok::LParen => {
                return self.parse_typeof().map(Some);
            }
            Tok::Plus | Tok::Minus => return Ok(self.parse_signed_number(false)),
            Tok::LBrace => {
                return Ok(self
                    .scan_braced_name(0)
                    .map(|len| self.braced_name(len))
                    .map(name_expr));
            }
            _ => return Ok(None),
        };
        self.bump();
        Ok(Some(expr(ExprKind::Literal(literal), tok.span)))
    }

    /// `-1`, `+2.5`, `-1d` with the sign directly before the number.
    fn parse_signed_number(&mut self, force_real: bool) -> Option<Expr> {
        let sign = self.tok(0);
        let number = self.tok(1);
        let number_text = self.text(1);
        let digit_first = number_text
            .as_bytes()
            .first()
            .is_some_and(u8::is_ascii_digit);
        if number.trivia_before
            || !digit_first
            || !matches!(number.kind, Tok::Long | Tok::Real | Tok::Timespan)
        {
            return None;
        }
        let negative = sign.kind == Tok::Minus;
        self.bump();
        self.bump();
        let span = sign.span.to(number.span);
        let literal = match number.kind {
            Tok::Long if force_real => literal::real_literal(number_text),
            Tok::Long => {
                literal::long_literal(&format!("{}{number_text}", if negative { "-" } else { "" }))
            }
            Tok::Real => literal::real_literal(number_text),
            _ => literal::timespan_token_literal(number_text),
        };
        let literal = match (literal, negative) {
            (Literal::Real(Some(v)), true) => Literal::Real(Some(-v)),
            (Literal::Timespan(Some(v)), true) => Literal::Timespan(Some(-v)),
            (other, _) => other,
        };
        Some(expr(ExprKind::Literal(literal), span))
    }

    /// A real-number parameter value (`ymin=0`).
    pub(crate) fn parse_forced_real(&mut self) -> PResult<Option<Expr>> {
        let tok = self.tok(0);
        let text = self.text(0);
        match tok.kind {
            Tok::Long | Tok::Real if text.as_bytes().first().is_some_and(u8::is_ascii_digit) => {
                self.bump();
                Ok(Some(expr(
                    ExprKind::Literal(literal::real_literal(text)),
                    tok.span,
                )))
            }
            Tok::Plus | Tok::Minus => Ok(self.parse_signed_number(true)),
            Tok::LBrace => Ok(self
                .scan_braced_name(0)
                .map(|len| self.braced_name(len))
                .map(name_expr)),
            _ => Ok(None),
        }
    }

    /// `dynamic( json )`.
    fn parse_dynamic(&mut self) -> PResult<Expr> {
        let start = self.bump().span;
        self.expect(Tok::LParen)?;
        let value = match self.parse_json_value()? {
            Some(v) => v,
            None => return Err(self.error_expected(&["JSON value"])),
        };
        self.expect(Tok::RParen)?;
        Ok(expr(ExprKind::Dynamic(value), self.span_from(start)))
    }

    fn parse_json_value(&mut self) -> PResult<Option<DynamicValue>> {
        self.enter()?;
        let result = self.parse_json_value_inner();
        self.leave();
        result
    }

    fn parse_json_value_inner(&mut self) -> PResult<Option<DynamicValue>> {
        let start = self.span(0);
        let kind = match self.kind(0) {
            Tok::Long | Tok::Real | Tok::Typed(TypedKind::Long | TypedKind::Real) => {
                self.parse_literal()?.map(|e| literal_kind(e.kind))
            }
            Tok::Minus => {
                if !matches!(
                    self.kind(1),
                    Tok::Long | Tok::Real | Tok::Typed(TypedKind::Long | TypedKind::Real)
                ) {
                    return Ok(None);
                }
                self.bump();
                self.parse_literal()?.map(|e| match literal_kind(e.kind) {
                    DynamicKind::Scalar(Literal::Long(Some(n))) => {
                        DynamicKind::Scalar(Literal::Long(Some(n.wrapping_neg())))
                    }
                    DynamicKind::Scalar(Literal::Real(Some(n))) => {
                        DynamicKind::Scalar(Literal::Real(Some(-n)))
                    }
                    other => other,
                })
            }
            Tok::Bool
            | Tok::Typed(
                TypedKind::Bool
                | TypedKind::DateTime
                | TypedKind::Timespan
                | TypedKind::Guid
                | TypedKind::Decimal,
            )
            | Tok::Timespan
            | Tok::RawGuid
            | Tok::Str => self.parse_literal()?.map(|e| literal_kind(e.kind)),
            Tok::Keyword if self.text(0) == "dynamic" => match self.parse_literal()? {
                Some(Expr {
                    kind: ExprKind::Dynamic(v),
                    ..
                }) => Some(v.kind),
                _ => None,
            },
            Tok::Keyword if self.text(0) == "null" => {
                self.bump();
                Some(DynamicKind::Null)
            }
            Tok::LBracket => {
                self.bump();
                let mut items = Vec::new();
                if !self.at_list_end(0) {
                    loop {
                        match self.parse_json_value()? {
                            Some(v) => items.push(v),
                            None => return Err(self.error_expected(&["JSON value"])),
                        }
                        if self.eat(Tok::Comma).is_none() {
                            break;
                        }
                    }
                }
                self.expect(Tok::RBracket)?;
                Some(DynamicKind::Array(items))
            }
            Tok::LBrace => {
                if let Some(len) = self.scan_braced_name(0) {
                    let name = self.braced_name(len);
                    Some(DynamicKind::ClientParameter(name.name))
                } else {
                    self.bump();
                    let mut pairs = Vec::new();
                    if !self.at_list_end(0) {
                        loop {
                            let (key, key_span) = match self.eat(Tok::Str) {
                                Some(t) => (lexer::string_value(t.span.text(self.src)), t.span),
                                None => return Err(self.error_expected(&["string literal"])),
                            };
                            self.expect(Tok::Colon)?;
                            let value = match self.parse_json_value()? {
                                Some(v) => v,
                                None => return Err(self.error_expected(&["JSON value"])),
                            };
                            pairs.push(DynamicPair {
                                key,
                                key_span,
                                value,
                            });
                            if self.eat(Tok::Comma).is_none() {
                                break;
                            }
                        }
                    }
                    self.expect(Tok::RBrace)?;
                    Some(DynamicKind::Object(pairs))
                }
            }
            _ => None,
        };
        Ok(kind.map(|kind| DynamicValue {
            kind,
            span: self.span_from(start),
        }))
    }

    /// `typeof(T)` or `typeof(name:T, ...)` / `typeof(*, name:T)`.
    pub(crate) fn parse_typeof(&mut self) -> PResult<Expr> {
        let start = self.bump().span;
        self.expect(Tok::LParen)?;
        let scalar = self.scan_param_type_extended(0)
            || (self.kind(0) == Tok::Ident && self.kind(1) == Tok::RParen);
        let items = if scalar {
            vec![TypeOfItem::Type(self.expect_extended_type()?)]
        } else {
            let mut items = Vec::new();
            if !self.at_list_end(0) {
                loop {
                    if let Some(star) = self.eat(Tok::Star) {
                        items.push(TypeOfItem::Star(star.span));
                    } else {
                        match self.parse_column_decl()? {
                            Some(c) => items.push(TypeOfItem::Column(c)),
                            None => return Err(self.error_expected(&["column declaration"])),
                        }
                    }
                    if self.eat(Tok::Comma).is_none() {
                        break;
                    }
                }
            }
            items
        };
        self.expect(Tok::RParen)?;
        Ok(expr(ExprKind::TypeOf(items), self.span_from(start)))
    }

    // ----- table-producing primaries --------------------------------------

    /// `datatable [params] (schema) [ values ]`.
    fn parse_datatable(&mut self) -> PResult<Expr> {
        let start = self.bump().span;
        let params = self.parse_params(params::NONE, params::Allowed::DeclaredOrKnown, false)?;
        let columns = self.parse_row_schema(false)?;
        self.expect(Tok::LBracket)?;
        self.eat(Tok::Comma);
        let mut values = Vec::new();
        if !self.at_list_end(0) {
            loop {
                match self.parse_literal()? {
                    Some(v) => values.push(v),
                    None => {
                        let mut error = self.error_expected(&["literal value"]);
                        if self.at_kw("null") {
                            error.message =
                                "A datatable cell cannot be a bare `null`; write a typed null such as int(null) or string(\"\") for strings.".into();
                        }
                        return Err(error);
                    }
                }
                if self.eat(Tok::Comma).is_none() || self.at_list_end(0) {
                    break;
                }
            }
        }
        self.expect(Tok::RBracket)?;
        Ok(expr(
            ExprKind::DataTable {
                params,
                columns,
                values,
            },
            self.span_from(start),
        ))
    }

    /// `__contextual_datatable(id, schema)` (an internal form).
    fn parse_contextual_datatable(&mut self) -> PResult<Expr> {
        let start = self.bump().span;
        let _id = match self.parse_literal()? {
            Some(e) => e,
            None => self.expect_unnamed_expression()?,
        };
        let columns = self.parse_row_schema(false)?;
        Ok(expr(
            ExprKind::DataTable {
                params: Vec::new(),
                columns,
                values: Vec::new(),
            },
            self.span_from(start),
        ))
    }

    /// `externaldata (schema) [ uris ] [with (props)]`.
    fn parse_externaldata(&mut self) -> PResult<Expr> {
        let start = self.bump().span;
        let _params = self.parse_params(params::NONE, params::Allowed::DeclaredOrKnown, false)?;
        let columns = self.parse_row_schema(false)?;
        self.expect(Tok::LBracket)?;
        let mut uris = Vec::new();
        if !self.at_list_end(0) {
            loop {
                uris.push(self.expect_expression()?);
                if self.eat(Tok::Comma).is_none() || self.at_list_end(0) {
                    break;
                }
            }
        }
        self.expect(Tok::RBracket)?;
        let properties = if self.eat_kw("with").is_some() {
            self.expect(Tok::LParen)?;
            let props = self.parse_property_list()?;
            self.expect(Tok::RParen)?;
            props
        } else {
            Vec::new()
        };
        Ok(expr(
            ExprKind::ExternalData {
                columns,
                uris,
                properties,
            },
            self.span_from(start),
        ))
    }

    /// `name = value, ...` where values are literals or names (`externaldata
    /// ... with (format="csv")`, `restrict ... with (...)`).
    pub(crate) fn parse_property_list(&mut self) -> PResult<Vec<NamedParam>> {
        let mut props = Vec::new();
        if self.at_list_end(0) {
            return Ok(props);
        }
        loop {
            let start = self.span(0);
            let Some(name) = self.parse_rename_name() else {
                return Err(self.error_expected(&["property name"]));
            };
            self.expect(Tok::Eq)?;
            let value = match self.kind(0) {
                Tok::Str | Tok::Long | Tok::Real | Tok::Bool | Tok::Typed(_) => {
                    self.parse_literal()?
                }
                Tok::RawGuid => {
                    let t = self.bump();
                    Some(expr(
                        ExprKind::Literal(Literal::Guid(Some(
                            t.span.text(self.src).to_ascii_lowercase(),
                        ))),
                        t.span,
                    ))
                }
                _ => self.parse_rename_name().map(name_expr),
            };
            let Some(value) = value else {
                return Err(self.error_expected(&["value"]));
            };
            props.push(NamedParam {
                name: name.name,
                name_span: name.span,
                value: crate::ast::ParamValue::Expr(value),
                span: self.span_from(start),
            });
            if self.eat(Tok::Comma).is_none() {
                return Ok(props);
            }
        }
    }

    /// `toscalar([kind=nooptimization] expr)`.
    fn parse_to_scalar(&mut self) -> PResult<Expr> {
        let start = self.bump().span;
        let params = self
            .parse_specific_param(&params::TOSCALAR_KIND)?
            .into_iter()
            .collect();
        self.expect(Tok::LParen)?;
        let inner = self.expect_expression()?;
        self.expect(Tok::RParen)?;
        Ok(expr(
            ExprKind::ToScalar {
                params,
                expr: boxed(inner),
            },
            self.span_from(start),
        ))
    }

    /// `totable([kind=nooptimization] expr)`.
    fn parse_to_table(&mut self) -> PResult<Expr> {
        let start = self.bump().span;
        let params = self
            .parse_specific_param(&params::TOSCALAR_KIND)?
            .into_iter()
            .collect();
        self.expect(Tok::LParen)?;
        let inner = self.expect_expression()?;
        self.expect(Tok::RParen)?;
        Ok(expr(
            ExprKind::ToTable {
                params,
                expr: boxed(inner),
            },
            self.span_from(start),
        ))
    }
}

/// Wraps an expression as an unnamed item.
pub(crate) fn unnamed(e: Expr) -> NamedExpr {
    NamedExpr {
        names: Vec::new(),
        span: e.span,
        expr: e,
    }
}

fn literal_kind(kind: ExprKind) -> DynamicKind {
    match kind {
        ExprKind::Literal(lit) => DynamicKind::Scalar(lit),
        ExprKind::Dynamic(v) => v.kind,
        ExprKind::Name(ident) => DynamicKind::ClientParameter(ident.name),
        _ => DynamicKind::Null,
    }
}
