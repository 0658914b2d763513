//! The KQL lexer: turns query text into tokens.
//!
//! The rules follow Microsoft's Kusto lexer so that both agree on where a
//! token ends: keywords are case-sensitive and matched longest-first
//! (`project-away`, `!in~`, `matches regex`, `hint.strategy` are single
//! tokens), a type keyword directly followed by `(` is a typed literal whose
//! content runs to the closing parenthesis on the same line
//! (`datetime(2024-01-01 10:00)`, `int(null)`), and numbers with a unit
//! suffix are timespans (`1d`, `30min`, `100ms`, `1tick`). Comments (`//` to
//! the end of the line) and whitespace are skipped; a token remembers
//! whether any came before it, because some constructs (signed numbers,
//! wildcards, `-->`) require adjacent tokens.

use crate::keywords::{self, is_identifier_byte};
use crate::span::Span;

/// Which scalar type a parenthesised typed literal (`datetime(...)`) has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TypedKind {
    Bool,
    Int,
    Long,
    Real,
    Decimal,
    DateTime,
    Timespan,
    Guid,
}

/// The kind of a token. Keyword-ness of a word is carried by `Keyword`;
/// the text itself is looked up through the span when needed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tok {
    Ident,
    Keyword,
    Bool,
    Long,
    Real,
    Timespan,
    Str,
    Typed(TypedKind),
    RawGuid,
    LParen,
    RParen,
    LBracket,
    RBracket,
    LBrace,
    RBrace,
    Bar,
    LessBar,
    Plus,
    Minus,
    Star,
    Slash,
    Percent,
    Dot,
    DotDot,
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    EqEq,
    BangEq,
    LtGt,
    EqTilde,
    BangTilde,
    FatArrow,
    Colon,
    Semicolon,
    Comma,
    At,
    Question,
    Bang,
    Directive,
    Eof,
}

/// One token: its kind, where it is, and whether whitespace or a comment
/// precedes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Token {
    pub kind: Tok,
    pub span: Span,
    pub trivia_before: bool,
}

/// A lexical error: an unterminated string, an invalid escape sequence or a
/// character that is not part of KQL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LexError {
    pub message: String,
    pub span: Span,
    pub expected: Vec<String>,
}

/// Splits `text` into tokens, ending with a `Tok::Eof` token.
pub(crate) fn tokenize(text: &str) -> Result<Vec<Token>, LexError> {
    let mut lexer = Lexer {
        text,
        bytes: text.as_bytes(),
        pos: 0,
    };
    let mut tokens = Vec::with_capacity(text.len() / 4 + 1);
    loop {
        let trivia_start = lexer.pos;
        lexer.skip_trivia();
        let trivia_before = lexer.pos > trivia_start;
        let start = lexer.pos;
        if start >= text.len() {
            tokens.push(Token {
                kind: Tok::Eof,
                span: Span::empty_at(start),
                trivia_before,
            });
            return Ok(tokens);
        }
        let kind = lexer.next_kind()?;
        tokens.push(Token {
            kind,
            span: Span::new(start, lexer.pos),
            trivia_before,
        });
    }
}

struct Lexer<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Lexer<'a> {
    fn peek(&self, offset: usize) -> u8 {
        self.bytes.get(self.pos + offset).copied().unwrap_or(0)
    }

    fn rest(&self) -> &'a str {
        self.text.get(self.pos..).unwrap_or("")
    }

    fn skip_trivia(&mut self) {
        loop {
            let rest = self.rest();
            let Some(c) = rest.chars().next() else {
                return;
            };
            if is_whitespace(c) {
                self.pos += c.len_utf8();
            } else if rest.starts_with("//") {
                self.pos += line_length(rest);
            } else {
                return;
            }
        }
    }

    fn error(&self, start: usize, end: usize, message: String, expected: &[&str]) -> LexError {
        LexError {
            message,
            span: Span::new(start, end),
            expected: expected.iter().map(|s| (*s).to_string()).collect(),
        }
    }

    fn next_kind(&mut self) -> Result<Tok, LexError> {
        let start = self.pos;
        let c = self.peek(0);
        if !c.is_ascii_alphanumeric() {
            if let Some((kind, len)) = self.punctuation() {
                self.pos += len;
                return Ok(kind);
            }
            if is_quote(c) || (c == b'@' && is_quote(self.peek(1))) {
                if let Some(result) = self.string_literal() {
                    return result.map(|()| Tok::Str);
                }
            } else if c == b'#' {
                self.pos += line_length(self.rest());
                return Ok(Tok::Directive);
            }
        }

        if let Some(kind) = self.keyword()? {
            return Ok(kind);
        }

        if is_identifier_start(c) {
            let word_len = identifier_length(self.bytes, self.pos);
            let word = &self.text[self.pos..self.pos + word_len];
            if matches!(word, "true" | "True" | "TRUE" | "false" | "False" | "FALSE") {
                self.pos += word_len;
                return Ok(Tok::Bool);
            }
            if let Some(len) = raw_guid_length(self.bytes, self.pos) {
                self.pos += len;
                return Ok(Tok::RawGuid);
            }
            if word_len == 1 && (c == b'h' || c == b'H') {
                let next = self.peek(1);
                if is_quote(next) || next == b'@' {
                    let saved = self.pos;
                    self.pos += 1;
                    if let Some(result) = self.string_literal() {
                        return result.map(|()| Tok::Str);
                    }
                    self.pos = saved;
                }
            }
            self.pos += word_len;
            return Ok(Tok::Ident);
        }

        if c.is_ascii_digit() {
            if let Some(len) = raw_guid_length(self.bytes, self.pos) {
                self.pos += len;
                return Ok(Tok::RawGuid);
            }
            if let Some(len) = real_length(self.bytes, self.pos) {
                self.pos += len;
                return Ok(Tok::Real);
            }
            if let Some(len) = timespan_length(self.text, self.pos) {
                self.pos += len;
                return Ok(Tok::Timespan);
            }
            if let Some(len) = long_length(self.bytes, self.pos) {
                self.pos += len;
                return Ok(Tok::Long);
            }
            let digits = digits_length(self.bytes, self.pos);
            let after = self.bytes.get(self.pos + digits).copied().unwrap_or(0);
            if after.is_ascii_alphabetic() || after == b'_' {
                self.pos += identifier_length(self.bytes, self.pos + digits) + digits;
                return Ok(Tok::Ident);
            }
            // Digits followed by something a number cannot end with, such as
            // `0x` without hex digits.
            let end = self.pos + digits + 1;
            return Err(self.error(
                start,
                end.min(self.text.len()),
                format!(
                    "Invalid number `{}`.",
                    &self.text[start..end.min(self.text.len())]
                ),
                &[],
            ));
        }

        let ch = self.rest().chars().next().unwrap_or('\0');
        Err(self.error(
            start,
            start + ch.len_utf8(),
            format!("Unexpected character `{ch}`: it is not part of the KQL language."),
            &[],
        ))
    }

    /// Fixed punctuation, tried before keywords as the Kusto lexer does.
    fn punctuation(&self) -> Option<(Tok, usize)> {
        let c2 = self.peek(1);
        let token = match self.peek(0) {
            b'(' => (Tok::LParen, 1),
            b')' => (Tok::RParen, 1),
            b'[' => (Tok::LBracket, 1),
            b']' => (Tok::RBracket, 1),
            b'{' => (Tok::LBrace, 1),
            b'}' => (Tok::RBrace, 1),
            b'|' => (Tok::Bar, 1),
            b'.' if c2 == b'.' => (Tok::DotDot, 2),
            b'.' => (Tok::Dot, 1),
            b'+' => (Tok::Plus, 1),
            b'-' => (Tok::Minus, 1),
            b'*' => (Tok::Star, 1),
            b'/' => (Tok::Slash, 1),
            b'%' => (Tok::Percent, 1),
            b'<' if c2 == b'=' => (Tok::Le, 2),
            b'<' if c2 == b'|' => (Tok::LessBar, 2),
            b'<' if c2 == b'>' => (Tok::LtGt, 2),
            b'<' => (Tok::Lt, 1),
            b'>' if c2 == b'=' => (Tok::Ge, 2),
            b'>' => (Tok::Gt, 1),
            b'=' if c2 == b'=' => (Tok::EqEq, 2),
            b'=' if c2 == b'>' => (Tok::FatArrow, 2),
            b'=' if c2 == b'~' => (Tok::EqTilde, 2),
            b'=' => (Tok::Eq, 1),
            b'!' if c2 == b'=' => (Tok::BangEq, 2),
            b'!' if c2 == b'~' => (Tok::BangTilde, 2),
            b':' => (Tok::Colon, 1),
            b';' => (Tok::Semicolon, 1),
            b',' => (Tok::Comma, 1),
            b'@' if !is_quote(c2) => (Tok::At, 1),
            b'?' => (Tok::Question, 1),
            _ => return None,
        };
        Some(token)
    }

    /// The longest keyword at the current position, if it is a whole token
    /// (not followed by an identifier character). A type keyword directly
    /// followed by `(` becomes a typed literal.
    fn keyword(&mut self) -> Result<Option<Tok>, LexError> {
        let rest = self.rest();
        let word_len = identifier_length_any(self.bytes, self.pos);
        let word = &rest[..word_len];
        // Compound keywords continue a word with `-`, `.`, `~` or a space
        // (`project-away`, `hint.strategy`, `in~`, `matches regex`) or
        // start with `!`; other words need no compound lookup.
        let may_continue =
            matches!(self.peek(word_len), b'-' | b'.' | b'~' | b' ') || rest.starts_with('!');
        let compound = if may_continue {
            keywords::longest_compound_keyword(rest)
        } else {
            None
        };
        let matched = match compound {
            Some(keyword) if keyword.len() > word_len => Some(keyword),
            _ if word_len > 0 && keywords::is_keyword(word) => Some(word),
            _ if rest.starts_with('!') => Some("!"),
            _ => None,
        };
        let Some(matched) = matched else {
            return Ok(None);
        };
        let next = self.peek(matched.len());
        if next == b'('
            && let Some(kind) = typed_kind(matched)
        {
            return self.typed_literal(matched.len(), kind).map(Some);
        }
        if is_identifier_byte(next) {
            return Ok(None);
        }
        self.pos += matched.len();
        Ok(Some(if matched == "!" {
            Tok::Bang
        } else {
            Tok::Keyword
        }))
    }

    /// A typed literal such as `datetime(2024-01-01)`: the content is kept
    /// raw here and validated when the literal is built.
    fn typed_literal(&mut self, keyword_len: usize, kind: TypedKind) -> Result<Tok, LexError> {
        let start = self.pos;
        let mut pos = start + keyword_len + 1;
        while pos < self.bytes.len()
            && self.bytes[pos] != b')'
            && !is_line_break_byte_at(self.text, pos)
        {
            pos += 1;
        }
        if self.bytes.get(pos) == Some(&b')') {
            self.pos = pos + 1;
            Ok(Tok::Typed(kind))
        } else {
            Err(self.error(
                start,
                pos,
                format!(
                    "The literal `{}` is missing its closing `)` (a typed literal must end on the line it starts).",
                    &self.text[start..pos]
                ),
                &[")"],
            ))
        }
    }

    /// A string literal at the current position (after an optional `h`
    /// already consumed by the caller): `'...'`, `"..."`, `@'...'`,
    /// `@"..."`, or a multi-line ```` ```...``` ```` / `~~~...~~~`.
    /// Returns `None` when no string starts here.
    fn string_literal(&mut self) -> Option<Result<(), LexError>> {
        let start = self.pos;
        let mut pos = self.pos;
        let mut verbatim = false;
        if self.bytes.get(pos) == Some(&b'@') {
            verbatim = true;
            pos += 1;
        }
        let rest = self.text.get(pos..).unwrap_or("");
        for fence in ["```", "~~~"] {
            if rest.starts_with(fence) {
                let content = &rest[3..];
                return Some(match content.find(fence) {
                    Some(end) => {
                        self.pos = pos + 3 + end + 3;
                        Ok(())
                    }
                    None => Err(self.error(
                        start,
                        self.text.len(),
                        format!("The multi-line string is missing its closing {fence}."),
                        &[fence],
                    )),
                });
            }
        }
        let quote = *self.bytes.get(pos)?;
        if quote != b'\'' && quote != b'"' {
            return None;
        }
        pos += 1;
        while let Some(&b) = self.bytes.get(pos) {
            if b == quote {
                if verbatim && self.bytes.get(pos + 1) == Some(&quote) {
                    pos += 2;
                    continue;
                }
                self.pos = pos + 1;
                return Some(Ok(()));
            }
            if b == b'\\' && !verbatim {
                match escape_length(self.bytes, pos) {
                    Some(len) => {
                        pos += len;
                        continue;
                    }
                    None => {
                        let end = (pos + 2).min(self.text.len());
                        let end = (end..=self.text.len())
                            .find(|&e| self.text.is_char_boundary(e))
                            .unwrap_or(self.text.len());
                        return Some(Err(self.error(
                            pos,
                            end,
                            format!(
                                "Invalid escape sequence `{}` in a string literal: use `\\\\` for a backslash, or a verbatim string @'...'.",
                                &self.text[pos..end]
                            ),
                            &[],
                        )));
                    }
                }
            }
            if b == b'\r' || b == b'\n' {
                break;
            }
            pos += 1;
        }
        let quote_char = char::from(quote);
        Some(Err(self.error(
            start,
            pos,
            format!("The string literal is missing its closing {quote_char} (a quoted string cannot span lines; use ```...``` for multi-line text)."),
            &[if quote == b'\'' { "'" } else { "\"" }],
        )))
    }
}

fn typed_kind(keyword: &str) -> Option<TypedKind> {
    Some(match keyword {
        "long" | "int64" => TypedKind::Long,
        "int" | "int32" => TypedKind::Int,
        "real" | "double" => TypedKind::Real,
        "decimal" => TypedKind::Decimal,
        "bool" => TypedKind::Bool,
        "datetime" | "date" => TypedKind::DateTime,
        "time" | "timespan" => TypedKind::Timespan,
        "guid" => TypedKind::Guid,
        _ => return None,
    })
}

fn is_quote(b: u8) -> bool {
    matches!(b, b'\'' | b'"' | b'`' | b'~')
}

fn is_identifier_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_' || b == b'$'
}

/// Whitespace as KQL defines it (ASCII plus the Unicode spaces and the BOM).
pub(crate) fn is_whitespace(c: char) -> bool {
    matches!(
        c,
        '\t' | ' ' | '\r' | '\n' | '\u{000c}' | '\u{00a0}' | '\u{1680}' | '\u{180e}' | '\u{2000}'
            ..='\u{200b}'
                | '\u{202f}'
                | '\u{205f}'
                | '\u{3000}'
                | '\u{feff}'
                | '\u{2028}'
                | '\u{2029}'
    )
}

fn is_line_break_byte_at(text: &str, pos: usize) -> bool {
    match text.as_bytes().get(pos) {
        Some(b'\r' | b'\n') => true,
        Some(0xE2) => text
            .get(pos..)
            .is_some_and(|r| r.starts_with('\u{2028}') || r.starts_with('\u{2029}')),
        _ => false,
    }
}

/// Length of the rest of the line, including its line break.
fn line_length(rest: &str) -> usize {
    let iter = rest.char_indices();
    for (i, c) in iter {
        match c {
            '\n' | '\u{2028}' | '\u{2029}' => return i + c.len_utf8(),
            '\r' => {
                return if rest[i + 1..].starts_with('\n') {
                    i + 2
                } else {
                    i + 1
                };
            }
            _ => {}
        }
    }
    rest.len()
}

/// Length of an identifier (`[A-Za-z_$][A-Za-z0-9_]*`) at `pos`, or 0.
fn identifier_length(bytes: &[u8], pos: usize) -> usize {
    match bytes.get(pos) {
        Some(&b) if is_identifier_start(b) => {
            1 + bytes[pos + 1..]
                .iter()
                .take_while(|b| is_identifier_byte(**b))
                .count()
        }
        _ => 0,
    }
}

/// Length of the run of identifier characters at `pos` (digits allowed
/// first), used to find whole-word keywords.
fn identifier_length_any(bytes: &[u8], pos: usize) -> usize {
    bytes[pos..]
        .iter()
        .take_while(|b| is_identifier_byte(**b))
        .count()
}

fn digits_length(bytes: &[u8], pos: usize) -> usize {
    bytes[pos.min(bytes.len())..]
        .iter()
        .take_while(|b| b.is_ascii_digit())
        .count()
}

fn next_is_identifier_char(bytes: &[u8], pos: usize) -> bool {
    bytes.get(pos).is_some_and(|b| is_identifier_byte(*b))
}

fn long_length(bytes: &[u8], pos: usize) -> Option<usize> {
    if bytes.get(pos) == Some(&b'0') && matches!(bytes.get(pos + 1), Some(b'x' | b'X')) {
        let hex = bytes[pos + 2..]
            .iter()
            .take_while(|b| b.is_ascii_hexdigit())
            .count();
        if hex > 0 && !next_is_identifier_char(bytes, pos + 2 + hex) {
            return Some(2 + hex);
        }
    }
    let len = digits_length(bytes, pos);
    (len > 0 && !next_is_identifier_char(bytes, pos + len)).then_some(len)
}

fn exponent_length(bytes: &[u8], pos: usize) -> Option<usize> {
    if !matches!(bytes.get(pos), Some(b'e' | b'E')) {
        return None;
    }
    let mut p = pos + 1;
    if matches!(bytes.get(p), Some(b'+' | b'-')) {
        p += 1;
    }
    let digits = digits_length(bytes, p);
    (digits > 0).then_some(p + digits - pos)
}

fn real_length(bytes: &[u8], start: usize) -> Option<usize> {
    let digits = digits_length(bytes, start);
    if digits == 0 {
        return None;
    }
    let mut pos = start + digits;
    let at = |p: usize| bytes.get(p).copied().unwrap_or(0);
    if at(pos) == b'.' && (at(pos + 1) != b'.' || at(pos + 2) == b'.') {
        pos += 1;
        pos += digits_length(bytes, pos);
        if let Some(exp) = exponent_length(bytes, pos) {
            pos += exp;
        }
    } else {
        pos += exponent_length(bytes, pos)?;
    }
    (!next_is_identifier_char(bytes, pos)).then_some(pos - start)
}

/// Unit suffixes of timespan literals, as in `10min` or `1.5h`.
pub(crate) const TIMESPAN_SUFFIXES: &[&str] = &[
    "m",
    "min",
    "minute",
    "minutes",
    "s",
    "sec",
    "second",
    "seconds",
    "d",
    "day",
    "days",
    "h",
    "hr",
    "hrs",
    "hour",
    "hours",
    "ms",
    "milli",
    "millis",
    "millisec",
    "millisecond",
    "milliseconds",
    "micro",
    "micros",
    "microsec",
    "microsecond",
    "microseconds",
    "nano",
    "nanos",
    "nanosec",
    "nanosecond",
    "nanoseconds",
    "tick",
    "ticks",
];

fn timespan_length(text: &str, start: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut len = digits_length(bytes, start);
    if len == 0 {
        return None;
    }
    if bytes.get(start + len) == Some(&b'.') {
        let fraction = digits_length(bytes, start + len + 1);
        if fraction > 0 {
            len += 1 + fraction;
        }
    }
    let rest = text.get(start + len..).unwrap_or("");
    let suffix = TIMESPAN_SUFFIXES
        .iter()
        .filter(|s| rest.starts_with(**s))
        .map(|s| s.len())
        .max()?;
    let len = len + suffix;
    (!next_is_identifier_char(bytes, start + len)).then_some(len)
}

/// Length of a bare GUID (`8-4-4-4-12` hex digits) at `pos`.
fn raw_guid_length(bytes: &[u8], pos: usize) -> Option<usize> {
    const GROUPS: [usize; 5] = [8, 4, 4, 4, 12];
    let mut p = pos;
    for (i, group) in GROUPS.iter().enumerate() {
        if i > 0 {
            if bytes.get(p) != Some(&b'-') {
                return None;
            }
            p += 1;
        }
        let hex = bytes.get(p..p + group)?;
        if !hex.iter().all(u8::is_ascii_hexdigit) {
            return None;
        }
        p += group;
    }
    Some(p - pos)
}

/// Length of the escape sequence starting with the backslash at `pos`.
fn escape_length(bytes: &[u8], pos: usize) -> Option<usize> {
    let hex = |from: usize, n: usize| {
        bytes
            .get(from..from + n)
            .is_some_and(|s| s.iter().all(u8::is_ascii_hexdigit))
    };
    match bytes.get(pos + 1)? {
        b'\\' | b'\'' | b'"' | b'a' | b'b' | b'f' | b'n' | b'r' | b't' | b'v' => Some(2),
        b'u' => hex(pos + 2, 4).then_some(6),
        b'U' => hex(pos + 2, 8).then_some(10),
        b'x' => hex(pos + 2, 2).then_some(4),
        b'0'..=b'7' => {
            let octal = |p: usize| matches!(bytes.get(p), Some(b'0'..=b'7'));
            if octal(pos + 2) {
                if octal(pos + 3) && bytes[pos + 1] <= b'3' {
                    Some(4)
                } else {
                    Some(3)
                }
            } else {
                Some(2)
            }
        }
        _ => None,
    }
}

/// Decodes the value of a string literal token (quotes, `@`, `h` and
/// escapes removed).
pub(crate) fn string_value(token_text: &str) -> String {
    let mut text = token_text;
    if text.starts_with(['h', 'H']) {
        text = &text[1..];
    }
    let verbatim = text.starts_with('@');
    if verbatim {
        text = &text[1..];
    }
    if (text.starts_with("```") || text.starts_with("~~~")) && text.len() >= 6 {
        return text[3..text.len() - 3].to_string();
    }
    let Some(quote) = text.chars().next() else {
        return String::new();
    };
    let inner = text.get(1..text.len().saturating_sub(1)).unwrap_or("");
    if verbatim {
        let doubled: String = [quote, quote].iter().collect();
        return inner.replace(&doubled, &quote.to_string());
    }
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let Some(e) = chars.next() else {
            break;
        };
        let mut take_hex = |n: usize| {
            let digits: String = (0..n).filter_map(|_| chars.next()).collect();
            u32::from_str_radix(&digits, 16)
                .ok()
                .and_then(char::from_u32)
        };
        match e {
            'a' => out.push('\u{7}'),
            'b' => out.push('\u{8}'),
            'f' => out.push('\u{c}'),
            'n' => out.push('\n'),
            'r' => out.push('\r'),
            't' => out.push('\t'),
            'v' => out.push('\u{b}'),
            'u' => out.extend(take_hex(4)),
            'U' => out.extend(take_hex(8)),
            'x' => out.extend(take_hex(2)),
            '0'..='7' => {
                let mut value = e.to_digit(8).unwrap_or(0);
                for _ in 0..2 {
                    match chars.peek().and_then(|c| c.to_digit(8)) {
                        Some(d) if value * 8 + d <= 0xff => {
                            value = value * 8 + d;
                            chars.next();
                        }
                        _ => break,
                    }
                }
                out.extend(char::from_u32(value));
            }
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<(Tok, String)> {
        tokenize(text)
            .unwrap()
            .into_iter()
            .map(|t| (t.kind, t.span.text(text).to_string()))
            .collect()
    }

    #[test]
    fn compound_keywords_and_typed_literals_are_single_tokens() {
        let toks =
            kinds("T | project-away x | where y !in~ (datetime(2024-01-01 10:00), 1d, 1.5h)");
        let texts: Vec<&str> = toks.iter().map(|(_, t)| t.as_str()).collect();
        assert_eq!(
            texts,
            [
                "T",
                "|",
                "project-away",
                "x",
                "|",
                "where",
                "y",
                "!in~",
                "(",
                "datetime(2024-01-01 10:00)",
                ",",
                "1d",
                ",",
                "1.5h",
                ")",
                ""
            ]
        );
        assert_eq!(toks[9].0, Tok::Typed(TypedKind::DateTime));
        assert_eq!(toks[11].0, Tok::Timespan);
    }

    #[test]
    fn numbers() {
        assert_eq!(kinds("1")[0].0, Tok::Long);
        assert_eq!(kinds("0x1F")[0].0, Tok::Long);
        assert_eq!(kinds("1.5")[0].0, Tok::Real);
        assert_eq!(kinds("1e3")[0].0, Tok::Real);
        assert_eq!(kinds("10ms")[0].0, Tok::Timespan);
        assert_eq!(kinds("1tick")[0].0, Tok::Timespan);
        assert_eq!(kinds("10mins")[0].0, Tok::Ident);
        let range = kinds("1..2");
        assert_eq!(range[0].0, Tok::Long);
        assert_eq!(range[1].0, Tok::DotDot);
    }

    #[test]
    fn strings_in_every_form() {
        for (text, value) in [
            (r"'a\'b'", "a'b"),
            (r#""a\"b\n""#, "a\"b\n"),
            (r"@'c:\dir'", r"c:\dir"),
            (r#"@"say ""hi""""#, r#"say "hi""#),
            ("h'secret'", "secret"),
            ("H@'sec\\ret'", "sec\\ret"),
            ("```line1\nline2```", "line1\nline2"),
            ("~~~x~~~", "x"),
            (r"'\u0041\x42\103'", "ABC"),
        ] {
            let toks = tokenize(text).unwrap();
            assert_eq!(toks[0].kind, Tok::Str, "{text}");
            assert_eq!(toks[0].span.end, text.len(), "{text}");
            assert_eq!(string_value(text), value, "{text}");
        }
    }

    #[test]
    fn lexical_errors() {
        assert!(tokenize("print 'abc").is_err());
        assert!(tokenize(r"print '\d'").is_err());
        assert!(tokenize("print 'a\nb'").is_err());
        assert!(tokenize("print datetime(2020-01-01").is_err());
        assert!(tokenize("print \u{e9}").is_err());
    }

    #[test]
    fn comments_and_trivia() {
        let toks = tokenize("a // comment\n| b").unwrap();
        assert_eq!(toks.len(), 4);
        assert!(toks[1].trivia_before);
        assert!(!toks[0].trivia_before);
    }
}
