//! The KQL parser: recursive descent over the token list, with a
//! precedence-climbing expression parser.
//!
//! The grammar (which tokens may follow which, which keywords may stand for
//! names, which operator parameters exist) follows Microsoft's
//! Kusto.Language parser, so that the two agree on what is valid KQL; the
//! test `tests/oracle.rs` checks that agreement on the documentation
//! corpus. Unlike Kusto.Language, which recovers from errors to serve an
//! editor, this parser stops at the first error and reports it with what
//! was expected there.
//!
//! Nesting is limited to [`MAX_DEPTH`] levels so that hostile input (a
//! thousand open parentheses) gets an error instead of a stack overflow.

mod expr;
mod ops;
pub(crate) mod params;
mod stmt;

use crate::ast::{ColumnDecl, Ident, Quoting, TypeName};
use crate::keywords::{self, CBI, EXT, TYPE};
use crate::lexer::{self, Tok, Token};
use crate::span::Span;

/// Deepest nesting the parser accepts, counted in expressions, argument
/// lists, operators, sub-pipelines and function bodies (a parenthesised
/// expression or a call counts two). A debug build handles about twice this
/// depth within a 2 MiB thread stack (tests/parse.rs checks the limit);
/// real queries stay far below it.
pub(crate) const MAX_DEPTH: usize = 64;

/// The first syntax problem found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SyntaxError {
    pub code: &'static str,
    pub message: String,
    pub span: Span,
    pub expected: Vec<String>,
    pub suggestion: Option<String>,
}

pub(crate) type PResult<T> = Result<T, Box<SyntaxError>>;

/// Parser state: the tokens and a cursor.
pub(crate) struct Parser<'a> {
    src: &'a str,
    toks: Vec<Token>,
    pos: usize,
    depth: usize,
}

/// Parses a whole query text.
pub(crate) fn parse_query(text: &str) -> PResult<crate::ast::Query> {
    let toks = lexer::tokenize(text).map_err(|e| {
        Box::new(SyntaxError {
            code: "syntax",
            message: e.message,
            span: e.span,
            expected: e.expected,
            suggestion: None,
        })
    })?;
    let mut parser = Parser {
        src: text,
        toks,
        pos: 0,
        depth: 0,
    };
    parser.parse_query_block()
}

impl<'a> Parser<'a> {
    // ----- token access -------------------------------------------------

    pub(crate) fn tok(&self, offset: usize) -> Token {
        let last = self.toks.len() - 1;
        self.toks[(self.pos + offset).min(last)]
    }

    pub(crate) fn kind(&self, offset: usize) -> Tok {
        self.tok(offset).kind
    }

    pub(crate) fn text(&self, offset: usize) -> &'a str {
        let span = self.tok(offset).span;
        self.src.get(span.start..span.end).unwrap_or("")
    }

    pub(crate) fn span(&self, offset: usize) -> Span {
        self.tok(offset).span
    }

    /// Span of the previously consumed token (for node ends).
    pub(crate) fn prev_span(&self) -> Span {
        if self.pos == 0 {
            Span::empty_at(0)
        } else {
            self.toks[self.pos - 1].span
        }
    }

    /// A span from `start` to the end of the previously consumed token.
    pub(crate) fn span_from(&self, start: Span) -> Span {
        let end = self.prev_span().end.max(start.start);
        Span::new(start.start, end)
    }

    pub(crate) fn at(&self, kind: Tok) -> bool {
        self.kind(0) == kind
    }

    pub(crate) fn is_kw_at(&self, offset: usize, text: &str) -> bool {
        self.kind(offset) == Tok::Keyword && self.text(offset) == text
    }

    pub(crate) fn at_kw(&self, text: &str) -> bool {
        self.is_kw_at(0, text)
    }

    pub(crate) fn bump(&mut self) -> Token {
        let tok = self.tok(0);
        if self.pos < self.toks.len() - 1 {
            self.pos += 1;
        }
        tok
    }

    pub(crate) fn eat(&mut self, kind: Tok) -> Option<Token> {
        if self.at(kind) {
            Some(self.bump())
        } else {
            None
        }
    }

    pub(crate) fn eat_kw(&mut self, text: &str) -> Option<Token> {
        if self.at_kw(text) {
            Some(self.bump())
        } else {
            None
        }
    }

    pub(crate) fn expect(&mut self, kind: Tok) -> PResult<Token> {
        match self.eat(kind) {
            Some(tok) => Ok(tok),
            None => Err(self.error_expected(&[tok_display(kind)])),
        }
    }

    pub(crate) fn expect_kw(&mut self, text: &str) -> PResult<Token> {
        match self.eat_kw(text) {
            Some(tok) => Ok(tok),
            None => Err(self.error_expected(&[text])),
        }
    }

    /// Number of adjacent tokens starting at `offset` whose texts together
    /// spell `text` (only the first may be preceded by whitespace).
    pub(crate) fn match_text(&self, offset: usize, text: &str) -> Option<usize> {
        let mut consumed = 0;
        let mut i = 0;
        loop {
            let tok = self.tok(offset + i);
            if tok.kind == Tok::Eof || (i > 0 && tok.trivia_before) {
                return None;
            }
            let t = self.text(offset + i);
            if t.is_empty() || !text[consumed..].starts_with(t) {
                return None;
            }
            consumed += t.len();
            i += 1;
            if consumed == text.len() {
                return Some(i);
            }
        }
    }

    /// Consumes the adjacent tokens spelling `text`, returning their span.
    pub(crate) fn eat_text(&mut self, text: &str) -> Option<Span> {
        let len = self.match_text(0, text)?;
        let start = self.span(0);
        self.pos += len;
        Some(self.span_from(start))
    }

    /// Consumes the first of `texts` that the next tokens spell.
    pub(crate) fn eat_one_of(&mut self, texts: &[&str]) -> Option<(String, Span)> {
        texts
            .iter()
            .find(|t| self.match_text(0, t).is_some())
            .and_then(|t| self.eat_text(t).map(|span| ((*t).to_string(), span)))
    }

    // ----- errors -------------------------------------------------------

    /// How the current token is described in messages.
    pub(crate) fn found(&self) -> String {
        match self.kind(0) {
            Tok::Eof => "the end of the query".to_string(),
            _ => {
                let text = self.text(0);
                let short: String = text.chars().take(40).collect();
                format!("`{short}`")
            }
        }
    }

    pub(crate) fn error_expected(&self, expected: &[&str]) -> Box<SyntaxError> {
        let list = expected
            .iter()
            .map(|e| {
                let descriptive = e.chars().all(|c| c.is_ascii_alphabetic() || c == ' ')
                    && !keywords::is_keyword(e);
                if descriptive {
                    (*e).to_string()
                } else {
                    format!("`{e}`")
                }
            })
            .collect::<Vec<_>>();
        let what = match list.len() {
            0 => "something else".to_string(),
            1 => list[0].clone(),
            _ => format!(
                "{} or {}",
                list[..list.len() - 1].join(", "),
                list[list.len() - 1]
            ),
        };
        Box::new(SyntaxError {
            code: "syntax",
            message: format!("Expected {what} but found {}.", self.found()),
            span: self.span(0),
            expected: expected.iter().map(|e| (*e).to_string()).collect(),
            suggestion: None,
        })
    }

    pub(crate) fn error_at(&self, span: Span, message: String) -> Box<SyntaxError> {
        Box::new(SyntaxError {
            code: "syntax",
            message,
            span,
            expected: Vec::new(),
            suggestion: None,
        })
    }

    /// Error for a keyword used where a name is needed.
    pub(crate) fn keyword_as_name_error(&self, offset: usize) -> Box<SyntaxError> {
        let text = self.text(offset);
        let mut error = self.error_at(
            self.span(offset),
            format!("`{text}` is a keyword; to use it as a name write it as ['{text}']."),
        );
        error.suggestion = Some(format!("['{text}']"));
        error.expected = vec!["name".to_string()];
        error
    }

    pub(crate) fn enter(&mut self) -> PResult<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.error_at(
                self.span(0),
                "The query is nested too deeply; simplify it (for example by moving sub-expressions into `let` statements).".to_string(),
            ));
        }
        Ok(())
    }

    pub(crate) fn leave(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }

    // ----- lists --------------------------------------------------------

    /// True at `)`, `]`, `}`, `|`, `;` or the end: the tokens that end any
    /// comma-separated list.
    pub(crate) fn at_list_end(&self, offset: usize) -> bool {
        matches!(
            self.kind(offset),
            Tok::RParen | Tok::RBracket | Tok::RBrace | Tok::Bar | Tok::Semicolon | Tok::Eof
        )
    }

    // ----- names --------------------------------------------------------

    fn flags(&self, offset: usize) -> u8 {
        if self.kind(offset) == Tok::Keyword {
            keywords::keyword_flags(self.text(offset)).unwrap_or(0)
        } else {
            0
        }
    }

    /// An identifier, or a keyword that may always be used as one.
    pub(crate) fn is_identifier_like(&self, offset: usize) -> bool {
        self.kind(offset) == Tok::Ident || self.flags(offset) & CBI != 0
    }

    /// A keyword allowed as a declared name (`extend where = 1`).
    pub(crate) fn is_extended_keyword(&self, offset: usize) -> bool {
        self.flags(offset) & (CBI | EXT) != 0
    }

    /// A type keyword such as `int` or `datetime`.
    pub(crate) fn is_type_keyword(&self, offset: usize) -> bool {
        self.flags(offset) & TYPE != 0
    }

    /// Length of `[ 'name' ]` (one or more adjacent string literals).
    pub(crate) fn scan_bracketed_name(&self, offset: usize) -> Option<usize> {
        if self.kind(offset) != Tok::LBracket {
            return None;
        }
        let mut n = 1;
        while self.kind(offset + n) == Tok::Str {
            n += 1;
        }
        (n > 1 && self.kind(offset + n) == Tok::RBracket).then_some(n + 1)
    }

    /// Length of a client parameter `{name}` or `{name[0]}` (no spaces).
    pub(crate) fn scan_braced_name(&self, offset: usize) -> Option<usize> {
        if self.kind(offset) != Tok::LBrace {
            return None;
        }
        let adjacent = |n: usize| !self.tok(offset + n).trivia_before;
        let word = self.kind(offset + 1);
        if !(word == Tok::Ident || word == Tok::Keyword) || !adjacent(1) {
            return None;
        }
        let mut n = 2;
        if self.kind(offset + n) == Tok::LBracket && adjacent(n) {
            n += 1;
            if self.kind(offset + n) == Tok::Minus && adjacent(n) {
                n += 1;
            }
            if self.kind(offset + n) != Tok::Long || !adjacent(n) {
                return None;
            }
            n += 1;
            if self.kind(offset + n) != Tok::RBracket || !adjacent(n) {
                return None;
            }
            n += 1;
        }
        (self.kind(offset + n) == Tok::RBrace && adjacent(n)).then_some(n + 1)
    }

    /// Length of a name (identifier, allowed keyword, bracketed or braced).
    pub(crate) fn scan_name(&self, offset: usize) -> Option<usize> {
        match self.kind(offset) {
            Tok::LBracket => self.scan_bracketed_name(offset),
            Tok::LBrace => self.scan_braced_name(offset),
            _ => self.is_identifier_like(offset).then_some(1),
        }
    }

    /// Like [`Parser::scan_name`], also allowing extended keywords.
    pub(crate) fn scan_extended_name(&self, offset: usize) -> Option<usize> {
        self.scan_name(offset)
            .or_else(|| self.is_extended_keyword(offset).then_some(1))
    }

    fn bracketed_name(&mut self) -> Ident {
        let open = self.bump();
        let mut name = String::new();
        while self.at(Tok::Str) {
            let tok = self.bump();
            name.push_str(&lexer::string_value(tok.span.text(self.src)));
        }
        self.bump();
        Ident {
            name,
            quoting: Quoting::Bracketed,
            span: self.span_from(open.span),
        }
    }

    fn braced_name(&mut self, len: usize) -> Ident {
        let start = self.span(0);
        let inner_start = self.span(1).start;
        let inner_end = self.span(len - 2).end;
        self.pos += len;
        Ident {
            name: self.src[inner_start..inner_end].to_string(),
            quoting: Quoting::Braced,
            span: self.span_from(start),
        }
    }

    fn token_ident(&mut self) -> Ident {
        let tok = self.bump();
        Ident {
            name: tok.span.text(self.src).to_string(),
            quoting: Quoting::Plain,
            span: tok.span,
        }
    }

    /// Parses a name if one is here.
    pub(crate) fn parse_name(&mut self) -> Option<Ident> {
        match self.kind(0) {
            Tok::LBracket => self.scan_bracketed_name(0).map(|_| self.bracketed_name()),
            Tok::LBrace => self.scan_braced_name(0).map(|len| self.braced_name(len)),
            _ => self.is_identifier_like(0).then(|| self.token_ident()),
        }
    }

    /// Parses a name, also accepting extended keywords.
    pub(crate) fn parse_extended_name(&mut self) -> Option<Ident> {
        match self.kind(0) {
            Tok::LBracket | Tok::LBrace => self.parse_name(),
            _ => (self.is_identifier_like(0) || self.is_extended_keyword(0))
                .then(|| self.token_ident()),
        }
    }

    /// A required name, with a helpful error when a keyword is in the way.
    pub(crate) fn expect_name(&mut self) -> PResult<Ident> {
        match self.parse_name() {
            Some(name) => Ok(name),
            None if self.kind(0) == Tok::Keyword => Err(self.keyword_as_name_error(0)),
            None => Err(self.error_expected(&["name"])),
        }
    }

    /// A required name that may be an extended keyword.
    pub(crate) fn expect_extended_name(&mut self) -> PResult<Ident> {
        match self.parse_extended_name() {
            Some(name) => Ok(name),
            None if self.kind(0) == Tok::Keyword => Err(self.keyword_as_name_error(0)),
            None => Err(self.error_expected(&["name"])),
        }
    }

    /// Length of a name in "rename" position: identifiers, bracketed and
    /// braced names and extended keywords (`extend where = 1`).
    pub(crate) fn scan_rename_name(&self, offset: usize) -> Option<usize> {
        match self.kind(offset) {
            Tok::Ident => Some(1),
            Tok::LBracket => self.scan_bracketed_name(offset),
            Tok::LBrace => (self.is_identifier_like(offset + 1)
                && self.kind(offset + 2) == Tok::RBrace)
                .then_some(3),
            _ => self.is_extended_keyword(offset).then_some(1),
        }
    }

    /// Parses a rename-position name.
    pub(crate) fn parse_rename_name(&mut self) -> Option<Ident> {
        match self.kind(0) {
            Tok::LBracket | Tok::LBrace => self.parse_name(),
            Tok::Ident => Some(self.token_ident()),
            _ => self.is_extended_keyword(0).then(|| self.token_ident()),
        }
    }

    /// Length of a `Table*`-style wildcarded name (parts must be adjacent).
    pub(crate) fn scan_wildcarded_name(&self, offset: usize) -> Option<usize> {
        let word = |i: usize| self.kind(i) == Tok::Ident || self.is_extended_keyword(i);
        let mut i = offset;
        if self.kind(i) == Tok::Star {
            i += 1;
        } else if word(i) && self.kind(i + 1) == Tok::Star && !self.tok(i + 1).trivia_before {
            i += 2;
        } else {
            return None;
        }
        while (word(i) || matches!(self.kind(i), Tok::Long | Tok::Star))
            && !self.tok(i).trivia_before
        {
            i += 1;
        }
        Some(i - offset)
    }

    /// Parses a wildcarded name into a `Wildcard` expression.
    pub(crate) fn parse_wildcarded_name(&mut self) -> Option<crate::ast::Expr> {
        let len = self.scan_wildcarded_name(0)?;
        let start = self.span(0);
        let end = self.span(len - 1);
        self.pos += len;
        let span = start.to(end);
        Some(crate::ast::Expr {
            kind: crate::ast::ExprKind::Wildcard(span.text(self.src).to_string()),
            span,
        })
    }

    /// Length of a dashed name such as `a-b` (adjacent words and dashes),
    /// used only to report that such a name needs brackets.
    pub(crate) fn scan_dashed_name(&self, offset: usize) -> usize {
        let word = |i: usize| matches!(self.kind(i), Tok::Ident | Tok::Keyword);
        if !word(offset) {
            return 0;
        }
        let mut i = offset + 1;
        while (word(i) || self.kind(i) == Tok::Minus) && !self.tok(i).trivia_before {
            i += 1;
        }
        i - offset
    }

    // ----- types and schemas ---------------------------------------------

    /// A scalar type keyword from the basic set (`int`, `string`, ...).
    pub(crate) fn scan_param_type(&self, offset: usize) -> bool {
        self.is_type_keyword(offset) && keywords::PARAM_TYPES.contains(&self.text(offset))
    }

    /// A scalar type keyword including storage types (`float`, `uint`, ...).
    pub(crate) fn scan_param_type_extended(&self, offset: usize) -> bool {
        self.scan_param_type(offset)
            || (self.is_type_keyword(offset)
                && keywords::EXTENDED_PARAM_TYPES.contains(&self.text(offset)))
    }

    fn type_name(&mut self) -> TypeName {
        let tok = self.bump();
        TypeName {
            name: tok.span.text(self.src).to_string(),
            span: tok.span,
        }
    }

    /// A required scalar type after `:`.
    pub(crate) fn expect_param_type(&mut self) -> PResult<TypeName> {
        if self.scan_param_type(0) {
            return Ok(self.type_name());
        }
        let found = self.text(0);
        let mut error = self.error_expected(&["type name"]);
        if matches!(self.kind(0), Tok::Ident | Tok::Keyword) {
            error.message = format!(
                "`{found}` is not a KQL type; use one of bool, datetime, decimal, dynamic, guid, int, long, real, string, timespan."
            );
            error.suggestion =
                crate::diagnostic::closest(found, keywords::PARAM_TYPES.iter().copied());
        }
        error.expected = keywords::PARAM_TYPES
            .iter()
            .map(|s| (*s).to_string())
            .collect();
        Err(error)
    }

    /// A required type in `typeof(...)`: extended types or any identifier.
    pub(crate) fn expect_extended_type(&mut self) -> PResult<TypeName> {
        if self.scan_param_type_extended(0) || self.is_identifier_like(0) {
            return Ok(self.type_name());
        }
        Err(self.error_expected(&["type name"]))
    }

    /// `name : type` (a column declaration in a schema).
    pub(crate) fn parse_column_decl(&mut self) -> PResult<Option<ColumnDecl>> {
        let Some(name) = self.parse_extended_name() else {
            if self.at(Tok::Colon) {
                return Err(self.error_expected(&["column name"]));
            }
            return Ok(None);
        };
        self.expect(Tok::Colon)?;
        let ty = self.expect_param_type()?;
        Ok(Some(ColumnDecl {
            span: name.span.to(ty.span),
            name,
            ty: Some(ty),
        }))
    }

    /// `( [,] name:type, ... [,] )`: a row schema; trailing comma allowed.
    pub(crate) fn parse_row_schema(&mut self, one_or_more: bool) -> PResult<Vec<ColumnDecl>> {
        self.expect(Tok::LParen)?;
        self.eat(Tok::Comma);
        let columns = self.parse_column_decl_list(one_or_more)?;
        self.expect(Tok::RParen)?;
        Ok(columns)
    }

    fn parse_column_decl_list(&mut self, one_or_more: bool) -> PResult<Vec<ColumnDecl>> {
        let mut columns = Vec::new();
        if !self.at_list_end(0) {
            loop {
                match self.parse_column_decl()? {
                    Some(column) => columns.push(column),
                    None => return Err(self.error_expected(&["column declaration"])),
                }
                if self.eat(Tok::Comma).is_none() || self.at_list_end(0) {
                    break;
                }
            }
        }
        if one_or_more && columns.is_empty() {
            return Err(self.error_expected(&["column declaration"]));
        }
        Ok(columns)
    }
}

/// How a token kind is shown in "expected" lists.
pub(crate) fn tok_display(kind: Tok) -> &'static str {
    match kind {
        Tok::LParen => "(",
        Tok::RParen => ")",
        Tok::LBracket => "[",
        Tok::RBracket => "]",
        Tok::LBrace => "{",
        Tok::RBrace => "}",
        Tok::Bar => "|",
        Tok::Comma => ",",
        Tok::Colon => ":",
        Tok::Semicolon => ";",
        Tok::Eq => "=",
        Tok::EqEq => "==",
        Tok::DotDot => "..",
        Tok::Dot => ".",
        Tok::FatArrow => "=>",
        Tok::Str => "string literal",
        Tok::Ident => "identifier",
        Tok::Long => "number",
        _ => "token",
    }
}
