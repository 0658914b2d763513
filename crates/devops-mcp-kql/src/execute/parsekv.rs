//! `parse-kv`: extracts typed columns from key/value text, with explicit
//! pair and key/value delimiters (optionally greedy values, quotes and an
//! escape character), a regular expression with key and value groups, or,
//! without options, keys found by name followed by `:` or `=`.

use std::sync::Arc;

use datafusion::arrow::array::{Array, AsArray, ListBuilder, StringBuilder};
use datafusion::arrow::datatypes::{DataType, Field};
use datafusion::logical_expr::ColumnarValue;

use super::functions::cached_regex;
use super::plan::{Expr2, Frame, Planner, Typed, col_ref, project_plan, set_column};
use super::udf::{VecFn, vec_call};
use crate::ast::{self, ColumnDecl};
use crate::error::KqlError;
use crate::span::Span;
use crate::types::KqlType;

/// How `parse-kv` splits its text.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Options {
    pair_delimiter: Option<String>,
    kv_delimiter: Option<String>,
    quote: Vec<char>,
    escape: Option<char>,
    greedy: bool,
    regex: Option<String>,
}

/// Reads a value that may be quoted: returns it and the rest.
fn read_value<'t>(
    text: &'t str,
    options: &Options,
    stop: &dyn Fn(&str) -> bool,
) -> (String, &'t str) {
    let (open, close) = match options.quote.as_slice() {
        [q] => (Some(*q), Some(*q)),
        [o, c, ..] => (Some(*o), Some(*c)),
        [] => (None, None),
    };
    let trimmed = text.trim_start();
    if let (Some(o), Some(c)) = (open, close)
        && trimmed.starts_with(o)
    {
        let mut out = String::new();
        let mut chars = trimmed[o.len_utf8()..].char_indices();
        while let Some((i, ch)) = chars.next() {
            if Some(ch) == options.escape {
                if let Some((_, next)) = chars.next() {
                    out.push(next);
                }
                continue;
            }
            if ch == c {
                let rest = &trimmed[o.len_utf8() + i + c.len_utf8()..];
                return (out, rest);
            }
            out.push(ch);
        }
        return (out, "");
    }
    let mut end = trimmed.len();
    for (i, _) in trimmed.char_indices() {
        if stop(&trimmed[i..]) {
            end = i;
            break;
        }
    }
    (trimmed[..end].trim_end().to_string(), &trimmed[end..])
}

/// All key/value pairs of `text`.
fn pairs(text: &str, keys: &[String], options: &Options) -> Vec<(String, String)> {
    let mut out = Vec::new();
    if let Some(pattern) = &options.regex {
        if let Some(re) = cached_regex(pattern) {
            for caps in re.captures_iter(text) {
                if let (Some(k), Some(v)) = (caps.get(1), caps.get(2)) {
                    out.push((k.as_str().trim().to_string(), v.as_str().trim().to_string()));
                }
            }
        }
        return out;
    }
    match (&options.pair_delimiter, &options.kv_delimiter) {
        (Some(pd), Some(kd)) => {
            let mut rest = text;
            while !rest.is_empty() {
                // Key.
                let (key, after_key) = read_value(rest, options, &|s: &str| {
                    s.starts_with(kd.as_str()) || s.starts_with(pd.as_str())
                });
                let Some(after) = after_key.trim_start().strip_prefix(kd.as_str()) else {
                    // Not a pair: skip to the next delimiter.
                    match after_key.find(pd.as_str()) {
                        Some(i) => rest = &after_key[i + pd.len()..],
                        None => break,
                    }
                    continue;
                };
                let stop = |s: &str| {
                    if !s.starts_with(pd.as_str()) {
                        return false;
                    }
                    if !options.greedy {
                        return true;
                    }
                    // Greedy: the value ends where the next pair starts.
                    let next = &s[pd.len()..];
                    let segment = next.split(pd.as_str()).next().unwrap_or("");
                    segment.contains(kd.as_str())
                };
                let (value, after_value) = read_value(after, options, &stop);
                out.push((key.trim().to_string(), value));
                rest = after_value.strip_prefix(pd.as_str()).unwrap_or(after_value);
                rest = rest.trim_start_matches(pd.as_str());
            }
        }
        _ => {
            // No delimiters: each wanted key followed by `:` or `=`.
            for key in keys {
                let mut from = 0;
                while let Some(pos) = text[from..].find(key.as_str()) {
                    let start = from + pos;
                    let before_ok = start == 0
                        || !text[..start]
                            .chars()
                            .next_back()
                            .is_some_and(char::is_alphanumeric);
                    let after = text[start + key.len()..].trim_start();
                    if before_ok
                        && let Some(value_text) =
                            after.strip_prefix(':').or_else(|| after.strip_prefix('='))
                    {
                        let (value, _) = read_value(value_text, options, &|s: &str| {
                            s.starts_with([',', ';']) || s.starts_with(char::is_whitespace)
                        });
                        out.push((key.clone(), value));
                        break;
                    }
                    from = start + key.len();
                }
            }
        }
    }
    out
}

impl<'q> Planner<'q> {
    /// `parse-kv expr as (key:type, ...) [with (options)]`.
    pub(crate) fn parse_kv(
        &mut self,
        input: Frame,
        source: &'q Expr2,
        keys: &'q [ColumnDecl],
        properties: &'q [ast::NamedParam],
        span: Span,
    ) -> Result<Frame, KqlError> {
        let one = Frame::one_row()?;
        let mut options = Options {
            pair_delimiter: None,
            kv_delimiter: None,
            quote: Vec::new(),
            escape: None,
            greedy: false,
            regex: None,
        };
        for p in properties {
            let value = match &p.value {
                ast::ParamValue::Expr(e) => {
                    let t = self.scalar(e, &one)?;
                    self.const_value(&t).map(|v| v.to_kql_string())
                }
                ast::ParamValue::Names(_) => None,
            };
            let Some(value) = value else {
                return Err(self.error(
                    "invalid-parameter",
                    p.span,
                    format!("`{}` needs a constant.", p.name),
                ));
            };
            match p.name.as_str() {
                "pair_delimiter" => options.pair_delimiter = Some(value),
                "kv_delimiter" => options.kv_delimiter = Some(value),
                "quote" => options.quote = value.chars().collect(),
                "escape" => options.escape = value.chars().next(),
                "greedy" => options.greedy = value.eq_ignore_ascii_case("true"),
                "regex" => options.regex = Some(value),
                other => {
                    return Err(self.error(
                        "invalid-parameter",
                        p.span,
                        format!("`{other}` is not a parse-kv option."),
                    ));
                }
            }
        }
        if options.regex.is_none()
            && options.pair_delimiter.is_some() != options.kv_delimiter.is_some()
        {
            return Err(self.error(
                "invalid-parameter",
                span,
                "parse-kv needs both pair_delimiter and kv_delimiter (or neither).".into(),
            ));
        }
        let text = self.scalar(source, &input)?;
        let text = self.to_text(text);
        let names: Vec<String> = keys.iter().map(|k| k.name.name.clone()).collect();
        let wanted = names.clone();
        let opts = options.clone();
        let func: VecFn = Arc::new(move |args, rows| {
            let array = args[0].to_array(rows)?;
            let strings = array.as_string::<i32>();
            let mut builder = ListBuilder::new(StringBuilder::new());
            for row in 0..strings.len() {
                let text = if strings.is_null(row) {
                    ""
                } else {
                    strings.value(row)
                };
                let found = pairs(text, &wanted, &opts);
                for key in &wanted {
                    builder.values().append_option(
                        found
                            .iter()
                            .find(|(k, _)| k == key)
                            .map(|(_, v)| v.as_str()),
                    );
                }
                builder.append(true);
            }
            Ok(ColumnarValue::Array(Arc::new(builder.finish())))
        });
        let list_type = DataType::List(Arc::new(Field::new("item", DataType::Utf8, true)));
        let call = vec_call(
            format!("kql_parse_kv_{names:?}_{options:?}"),
            list_type,
            false,
            func,
            vec![text.expr],
        );
        let internal = self.fresh("kv");
        let mut staged = input.all();
        staged.push((internal.clone(), Typed::new(call, KqlType::Dynamic)));
        let staged = input.project(staged)?;
        let mut out = input.all();
        for (i, key) in keys.iter().enumerate() {
            let ty = key
                .ty
                .as_ref()
                .and_then(|t| KqlType::from_name(&t.name))
                .unwrap_or(KqlType::String);
            let element = Typed::new(
                super::aggregate::list_element(col_ref(&internal), i, KqlType::String),
                KqlType::String,
            );
            let value = if ty == KqlType::String {
                element
            } else {
                self.convert(element, ty)
            };
            set_column(&mut out, key.name.name.clone(), value);
        }
        project_plan(staged.plan, out, input.order)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(pd: &str, kd: &str, greedy: bool) -> Options {
        Options {
            pair_delimiter: Some(pd.into()),
            kv_delimiter: Some(kd.into()),
            quote: Vec::new(),
            escape: None,
            greedy,
            regex: None,
        }
    }

    #[test]
    fn delimited_pairs() {
        let text = "name=John Doe phone=555 5555 city=New York";
        let p = pairs(text, &[], &opts(" ", "=", false));
        assert_eq!(p[0], ("name".to_string(), "John".to_string()));
        let p = pairs(text, &[], &opts(" ", "=", true));
        assert_eq!(p[1], ("phone".to_string(), "555 5555".to_string()));
        let mut quoted = opts(" ", "=", false);
        quoted.quote = vec!['"'];
        let p = pairs(
            r#"failure="connection aborted" "event time"=2021"#,
            &[],
            &quoted,
        );
        assert_eq!(
            p,
            vec![
                ("failure".to_string(), "connection aborted".to_string()),
                ("event time".to_string(), "2021".to_string()),
            ]
        );
    }
}
