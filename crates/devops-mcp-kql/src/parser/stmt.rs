//! Statements: the query block (`;`-separated statements), `let` with
//! scalar, tabular and function values, `set`, `declare
//! query_parameters`, `declare pattern`, `alias` and `restrict`.

use super::{PResult, Parser};
use crate::ast::{
    ColumnDecl, Expr, FunctionDecl, FunctionParam, LetValue, ParamType, PatternDecl, Query,
    Statement, StatementKind,
};
use crate::lexer::Tok;
use crate::span::Span;

impl Parser<'_> {
    /// The whole query: directives, statements, end of text.
    pub(crate) fn parse_query_block(&mut self) -> PResult<Query> {
        let mut directives = Vec::new();
        while let Some(t) = self.eat(Tok::Directive) {
            directives.push(t.span);
        }
        if self.at(Tok::Dot) {
            let end = self.span(2);
            let span = self.span(0).to(if self.kind(1) == Tok::Eof {
                self.span(0)
            } else {
                end
            });
            let command = span.text(self.src).trim().to_string();
            let mut error = self.error_at(
                span,
                format!(
                    "`{command}` is a management command; only queries are allowed here (no `.` commands such as .drop, .set or .show)."
                ),
            );
            error.code = "management-command";
            return Err(error);
        }
        let statements = self.parse_statement_list()?;
        if !self.at(Tok::Eof) {
            let mut error = self.error_at(
                self.span(0),
                format!("Unexpected {} after the end of the query.", self.found()),
            );
            if self.at(Tok::Semicolon) {
                error.message = "Unexpected `;`: statements cannot be empty.".into();
            } else if matches!(self.kind(0), Tok::Ident | Tok::Keyword) {
                error.message = format!(
                    "Unexpected {}: expected `|` before a query operator, `;` between statements, or the end of the query.",
                    self.found()
                );
                error.expected = vec!["|".into(), ";".into()];
            }
            return Err(error);
        }
        Ok(Query {
            statements,
            directives,
            span: Span::new(0, self.src.len()),
            source: self.src.to_string(),
        })
    }

    /// Statements separated by `;` (a trailing `;` is allowed).
    pub(crate) fn parse_statement_list(&mut self) -> PResult<Vec<Statement>> {
        let mut statements = Vec::new();
        while let Some(statement) = self.parse_statement()? {
            statements.push(statement);
            if self.eat(Tok::Semicolon).is_none() {
                let before = self.pos;
                if self.at(Tok::Eof) || self.at_list_end(0) {
                    break;
                }
                if self.parse_statement()?.is_some() {
                    self.pos = before;
                    return Err(self.error_expected(&[";"]));
                }
                self.pos = before;
                break;
            }
        }
        Ok(statements)
    }

    fn scan_possible_statement(&self) -> bool {
        if self.kind(0) != Tok::Keyword {
            return false;
        }
        match self.text(0) {
            "alias" => self.is_kw_at(1, "database"),
            "let" => self.scan_name(1).is_some(),
            "declare" => self.is_kw_at(1, "pattern") || self.is_kw_at(1, "query_parameters"),
            "restrict" => self.is_kw_at(1, "access"),
            "set" => true,
            _ => false,
        }
    }

    fn parse_statement(&mut self) -> PResult<Option<Statement>> {
        let start = self.span(0);
        if self.scan_possible_statement() {
            let kind = match self.text(0) {
                "alias" => self.parse_alias()?,
                "let" => self.parse_let()?,
                "set" => self.parse_set()?,
                "declare" if self.is_kw_at(1, "pattern") => self.parse_pattern()?,
                "declare" => self.parse_query_parameters()?,
                _ => self.parse_restrict()?,
            };
            return Ok(Some(Statement {
                kind,
                span: self.span_from(start),
            }));
        }
        Ok(self.parse_expression()?.map(|e| Statement {
            span: e.span,
            kind: StatementKind::Expr(e),
        }))
    }

    fn parse_alias(&mut self) -> PResult<StatementKind> {
        self.bump();
        self.expect_kw("database")?;
        let name = self.expect_name()?;
        self.expect(Tok::Eq)?;
        let value = self.expect_unnamed_expression()?;
        Ok(StatementKind::Alias { name, value })
    }

    fn parse_let(&mut self) -> PResult<StatementKind> {
        self.bump();
        let name = self.expect_name()?;
        self.expect(Tok::Eq)?;
        let value = if self.at_kw("materialize") {
            let start = self.bump().span;
            self.expect(Tok::LParen)?;
            let inner = self.expect_expression()?;
            self.expect(Tok::RParen)?;
            LetValue::Expr(Expr {
                kind: crate::ast::ExprKind::Materialize(Box::new(inner)),
                span: self.span_from(start),
            })
        } else if self.at_kw("entity_group") {
            if self.scan_function_call_start(0) {
                LetValue::Expr(self.parse_function_call()?)
            } else {
                self.bump();
                self.expect(Tok::LBracket)?;
                let items = self.comma_list(
                    true,
                    false,
                    |p| p.at_list_end(0),
                    "entity",
                    Self::parse_unnamed_expression,
                )?;
                self.expect(Tok::RBracket)?;
                LetValue::EntityGroup(items)
            }
        } else if self.scan_function_declaration_start() {
            LetValue::Function(self.parse_function_declaration()?)
        } else {
            LetValue::Expr(self.expect_expression()?)
        };
        Ok(StatementKind::Let { name, value })
    }

    fn scan_function_declaration_start(&self) -> bool {
        let offset = usize::from(self.at_kw("view"));
        if self.kind(offset) != Tok::LParen {
            return false;
        }
        if matches!(self.kind(offset + 1), Tok::RParen | Tok::Star) {
            return true;
        }
        self.scan_extended_name(offset + 1)
            .is_some_and(|len| self.kind(offset + 1 + len) == Tok::Colon)
    }

    fn parse_function_declaration(&mut self) -> PResult<FunctionDecl> {
        self.enter()?;
        let result = self.parse_function_declaration_inner();
        self.leave();
        result
    }

    fn parse_function_declaration_inner(&mut self) -> PResult<FunctionDecl> {
        let start = self.span(0);
        let is_view = self.eat_kw("view").is_some();
        self.expect(Tok::LParen)?;
        let params = self.comma_list(
            false,
            false,
            |p| p.at_list_end(0),
            "parameter",
            Self::parse_function_param,
        )?;
        self.expect(Tok::RParen)?;
        self.expect(Tok::LBrace)?;
        let mut body_statements = Vec::new();
        loop {
            let statement_start = self.span(0);
            let kind = if self.at_kw("let") && self.scan_name(1).is_some() {
                self.parse_let()?
            } else if self.at_kw("declare") && self.is_kw_at(1, "query_parameters") {
                self.parse_query_parameters()?
            } else {
                break;
            };
            body_statements.push(Statement {
                kind,
                span: self.span_from(statement_start),
            });
            self.expect(Tok::Semicolon)?;
        }
        let body = self.parse_expression()?.map(Box::new);
        self.eat(Tok::Semicolon);
        self.expect(Tok::RBrace)?;
        Ok(FunctionDecl {
            is_view,
            params,
            body_statements,
            body,
            span: self.span_from(start),
        })
    }

    /// `name: type [= default]` or `name: (schema)` / `name: (*)`.
    pub(crate) fn parse_function_param(&mut self) -> PResult<Option<FunctionParam>> {
        let start = self.span(0);
        let Some(name) = self.parse_extended_name() else {
            if self.at(Tok::Colon) {
                return Err(self.error_expected(&["parameter name"]));
            }
            return Ok(None);
        };
        self.expect(Tok::Colon)?;
        let ty = if self.at(Tok::LParen) {
            self.bump();
            if self.eat(Tok::Star).is_some() {
                self.expect(Tok::RParen)?;
                ParamType::Tabular {
                    columns: Vec::new(),
                    has_star: true,
                }
            } else {
                let columns: Vec<ColumnDecl> = self.comma_list(
                    false,
                    true,
                    |p| p.at_list_end(0),
                    "column declaration",
                    Self::parse_column_decl,
                )?;
                self.expect(Tok::RParen)?;
                ParamType::Tabular {
                    columns,
                    has_star: false,
                }
            }
        } else {
            ParamType::Scalar(self.expect_param_type()?)
        };
        let default = if self.eat(Tok::Eq).is_some() {
            match self.parse_literal()? {
                Some(v) => Some(v),
                None if self.is_identifier_like(0) => {
                    self.parse_name().map(super::params::name_expr)
                }
                None => return Err(self.error_expected(&["literal value"])),
            }
        } else {
            None
        };
        Ok(Some(FunctionParam {
            name,
            ty,
            default,
            span: self.span_from(start),
        }))
    }

    fn parse_set(&mut self) -> PResult<StatementKind> {
        self.bump();
        let name = self.expect_name()?;
        let value = if self.eat(Tok::Eq).is_some() {
            Some(self.expect_unnamed_expression()?)
        } else {
            None
        };
        Ok(StatementKind::Set { name, value })
    }

    fn parse_query_parameters(&mut self) -> PResult<StatementKind> {
        self.bump();
        self.expect_kw("query_parameters")?;
        self.expect(Tok::LParen)?;
        let params = self.comma_list(
            true,
            false,
            |p| p.at_list_end(0),
            "parameter",
            Self::parse_function_param,
        )?;
        self.expect(Tok::RParen)?;
        Ok(StatementKind::QueryParameters(params))
    }

    fn parse_restrict(&mut self) -> PResult<StatementKind> {
        self.bump();
        self.expect_kw("access")?;
        self.expect_kw("to")?;
        self.expect(Tok::LParen)?;
        let entities = self.comma_list(
            true,
            false,
            |p| p.at_list_end(0),
            "table",
            |p| {
                if let Some(w) = p.parse_wildcarded_name() {
                    return Ok(Some(w));
                }
                if p.scan_function_call_start(0) {
                    let mut e = p.parse_function_call()?;
                    while p.eat(Tok::Dot).is_some() {
                        let member = if let Some(w) = p.parse_wildcarded_name() {
                            w
                        } else {
                            match p.parse_selector_or_call()? {
                                Some(m) => m,
                                None => return Err(p.error_expected(&["name"])),
                            }
                        };
                        let span = e.span.to(member.span);
                        e = Expr {
                            kind: crate::ast::ExprKind::Member {
                                target: Box::new(e),
                                member: Box::new(member),
                            },
                            span,
                        };
                    }
                    return Ok(Some(e));
                }
                Ok(p.parse_name().map(super::params::name_expr))
            },
        )?;
        self.expect(Tok::RParen)?;
        let properties = if self.eat_kw("with").is_some() {
            self.expect(Tok::LParen)?;
            let props = self.parse_property_list()?;
            self.expect(Tok::RParen)?;
            props
        } else {
            Vec::new()
        };
        Ok(StatementKind::Restrict {
            entities,
            properties,
        })
    }

    /// `declare pattern name [= (params) [[path:type]] { (args)[.[path]] = { body }; ... }]`.
    fn parse_pattern(&mut self) -> PResult<StatementKind> {
        let start = self.bump().span;
        self.bump();
        let name = self.expect_name()?;
        if self.eat(Tok::Eq).is_some() {
            self.expect(Tok::LParen)?;
            self.comma_list(
                false,
                false,
                |p| p.at_list_end(0),
                "parameter",
                Self::parse_column_decl,
            )?;
            self.expect(Tok::RParen)?;
            if self.eat(Tok::LBracket).is_some() {
                if self.parse_column_decl()?.is_none() {
                    return Err(self.error_expected(&["parameter"]));
                }
                self.expect(Tok::RBracket)?;
            }
            self.expect(Tok::LBrace)?;
            let mut matches = 0;
            while self.eat(Tok::LParen).is_some() {
                self.comma_list(
                    true,
                    false,
                    |p| p.at_list_end(0),
                    "value",
                    Self::parse_unnamed_expression,
                )?;
                self.expect(Tok::RParen)?;
                if self.eat(Tok::Dot).is_some() {
                    self.expect(Tok::LBracket)?;
                    if self.parse_literal()?.is_none() {
                        return Err(self.error_expected(&["string literal"]));
                    }
                    self.expect(Tok::RBracket)?;
                }
                self.expect(Tok::Eq)?;
                self.expect(Tok::LBrace)?;
                while self.at_kw("let") {
                    self.parse_let()?;
                    self.expect(Tok::Semicolon)?;
                }
                self.parse_expression()?;
                self.eat(Tok::Semicolon);
                self.expect(Tok::RBrace)?;
                self.expect(Tok::Semicolon)?;
                matches += 1;
            }
            if matches == 0 {
                return Err(self.error_expected(&["("]));
            }
            self.expect(Tok::RBrace)?;
        }
        Ok(StatementKind::Pattern(PatternDecl {
            name,
            span: self.span_from(start),
        }))
    }
}
