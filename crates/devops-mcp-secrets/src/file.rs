//! The `file` source: a value read from a file in the workspace.
//!
//! The caller supplies the reader, which confines paths to the workspace (this
//! crate does no path checks of its own and never opens the file itself). A
//! key selects one value: a `.env` variable, or a JSON pointer (`/db/password`)
//! in a JSON file. Without a key the whole file, trimmed, is the value.

use zeroize::{Zeroize, Zeroizing};

use crate::error::SecretsError;
use crate::value::SecretValue;

/// Why the caller's confined reader could not return a file.
#[derive(Debug)]
#[non_exhaustive]
pub enum FileReadError {
    /// No such file.
    NotFound,
    /// The path leaves the workspace (absolute, `..`, or a symlink out); the text says which.
    OutsideWorkspace(String),
    /// Any other failure, described without file content.
    Other(String),
}

/// A reader of workspace-relative paths, confined to the workspace by the caller.
pub type FileReader<'a> = &'a (dyn Fn(&str) -> Result<Vec<u8>, FileReadError> + Send + Sync);

/// Read the value at `key` (or the whole trimmed file) from workspace file `path`.
pub fn from_file(
    path: &str,
    key: Option<&str>,
    read: FileReader<'_>,
) -> Result<SecretValue, SecretsError> {
    let bytes = Zeroizing::new(read(path).map_err(|error| match error {
        FileReadError::NotFound => SecretsError::FileNotFound {
            path: path.to_owned(),
        },
        FileReadError::OutsideWorkspace(reason) => SecretsError::FileOutsideWorkspace {
            path: path.to_owned(),
            reason,
        },
        FileReadError::Other(reason) => SecretsError::FileRead {
            path: path.to_owned(),
            reason,
        },
    })?);
    let text = std::str::from_utf8(&bytes).map_err(|_| SecretsError::FileNotText {
        path: path.to_owned(),
    })?;
    let value = match key.map(str::trim) {
        None | Some("") => SecretValue::new(text.trim().to_owned()),
        Some(pointer) if pointer.starts_with('/') => json_pointer(path, text, pointer)?,
        Some(name) => dotenv_value(text, name).ok_or_else(|| SecretsError::FileKeyMissing {
            path: path.to_owned(),
            key: name.to_owned(),
            hint: "give a `.env` variable name, or a JSON pointer starting with `/` for a JSON file",
        })?,
    };
    if value.is_empty() {
        return Err(SecretsError::EmptyValue {
            source_desc: match key {
                Some(key) => format!("`{key}` in file `{path}`"),
                None => format!("file `{path}`"),
            },
        });
    }
    Ok(value)
}

/// The value of `pointer` in the JSON document `text`.
fn json_pointer(path: &str, text: &str, pointer: &str) -> Result<SecretValue, SecretsError> {
    let mut document: serde_json::Value =
        serde_json::from_str(text).map_err(|error| SecretsError::FileParse {
            path: path.to_owned(),
            format: "JSON",
            // serde_json messages hold a position, never content.
            reason: error.to_string(),
        })?;
    let result = match document.pointer_mut(pointer) {
        None => Err(SecretsError::FileKeyMissing {
            path: path.to_owned(),
            key: pointer.to_owned(),
            hint: "a JSON pointer uses `/` between keys and array indexes, e.g. `/database/password`",
        }),
        Some(serde_json::Value::String(text)) => Ok(SecretValue::new(std::mem::take(text))),
        Some(serde_json::Value::Number(number)) => Ok(SecretValue::new(number.to_string())),
        Some(serde_json::Value::Bool(flag)) => Ok(SecretValue::new(flag.to_string())),
        Some(other) => Err(SecretsError::FileKeyNotScalar {
            path: path.to_owned(),
            key: pointer.to_owned(),
            found: match other {
                serde_json::Value::Null => "null",
                serde_json::Value::Array(_) => "an array",
                _ => "an object",
            },
        }),
    };
    wipe_json(&mut document);
    result
}

/// Overwrite every string in a parsed document before it is freed: the file
/// may hold other secrets besides the one we took.
fn wipe_json(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::String(text) => text.zeroize(),
        serde_json::Value::Array(items) => items.iter_mut().for_each(wipe_json),
        serde_json::Value::Object(map) => map.values_mut().for_each(wipe_json),
        _ => {}
    }
}

/// The value of variable `name` in a `.env` document, or `None` when absent.
///
/// Follows the common dialect (python-dotenv, Docker Compose): `#` comments,
/// optional `export`, single quotes literal, double quotes with `\n`, `\t`,
/// `\"` and `\\` escapes, quoted values may span lines, an unquoted value ends
/// at ` #`. The last definition wins.
pub fn dotenv_value(text: &str, name: &str) -> Option<SecretValue> {
    DotenvEntries::new(text)
        .filter(|entry| entry.key == name)
        .last()
        .map(|entry| entry.value)
}

/// One `KEY=value` definition.
pub(crate) struct DotenvEntry<'a> {
    pub(crate) key: &'a str,
    pub(crate) value: SecretValue,
}

/// Iterator over the definitions of a `.env` document.
pub(crate) struct DotenvEntries<'a> {
    rest: &'a str,
}

impl<'a> DotenvEntries<'a> {
    pub(crate) fn new(text: &'a str) -> Self {
        Self { rest: text }
    }
}

impl<'a> Iterator for DotenvEntries<'a> {
    type Item = DotenvEntry<'a>;

    fn next(&mut self) -> Option<DotenvEntry<'a>> {
        loop {
            if self.rest.is_empty() {
                return None;
            }
            let (line, after) = split_line(self.rest);
            let trimmed = line.trim_start();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                self.rest = after;
                continue;
            }
            let statement = trimmed
                .strip_prefix("export")
                .filter(|rest| rest.starts_with([' ', '\t']))
                .map(str::trim_start)
                .unwrap_or(trimmed);
            let Some((key, value_start)) = statement.split_once('=') else {
                self.rest = after;
                continue;
            };
            let key = key.trim();
            let value_start = value_start.trim_start_matches([' ', '\t']);
            // Offset of the value within `self.rest`, so quoted values can run past this line.
            let offset = value_start.as_ptr() as usize - self.rest.as_ptr() as usize;
            let from_value = &self.rest[offset..];
            let (value, consumed) = match from_value.chars().next() {
                Some(quote @ ('"' | '\'')) => parse_quoted(&from_value[1..], quote)
                    .map(|(value, used)| (value, used + 1))
                    .unwrap_or_else(|| {
                        // No closing quote: take the rest of the line as is.
                        let (line_value, _) = split_line(from_value);
                        (
                            Zeroizing::new(line_value.trim_end().to_owned()),
                            line_value.len(),
                        )
                    }),
                _ => {
                    let (line_value, _) = split_line(from_value);
                    let without_comment =
                        match line_value.find(" #").or_else(|| line_value.find("\t#")) {
                            Some(index) => &line_value[..index],
                            None => line_value,
                        };
                    (
                        Zeroizing::new(without_comment.trim_end().to_owned()),
                        line_value.len(),
                    )
                }
            };
            // Skip to the end of the line holding the end of the value.
            let remaining = &from_value[consumed.min(from_value.len())..];
            let (_, next) = split_line(remaining);
            self.rest = next;
            if key.is_empty() {
                continue;
            }
            let mut value = value;
            return Some(DotenvEntry {
                key,
                value: SecretValue::new(std::mem::take(&mut *value)),
            });
        }
    }
}

/// Split at the first newline: (line without `\r\n`, rest after it).
fn split_line(text: &str) -> (&str, &str) {
    match text.find('\n') {
        Some(index) => (text[..index].trim_end_matches('\r'), &text[index + 1..]),
        None => (text.trim_end_matches('\r'), ""),
    }
}

/// Parse a quoted value whose opening quote was already consumed. Returns the
/// value and the number of bytes used including the closing quote.
fn parse_quoted(text: &str, quote: char) -> Option<(Zeroizing<String>, usize)> {
    let mut out = Zeroizing::new(String::with_capacity(text.len().min(4096)));
    let mut chars = text.char_indices();
    while let Some((index, c)) = chars.next() {
        if c == quote {
            return Some((out, index + 1));
        }
        if c == '\\' && quote == '"' {
            match chars.next() {
                Some((_, 'n')) => out.push('\n'),
                Some((_, 'r')) => out.push('\r'),
                Some((_, 't')) => out.push('\t'),
                Some((_, other)) => out.push(other),
                None => return None,
            }
        } else {
            out.push(c);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reader(
        content: &'static str,
    ) -> impl Fn(&str) -> Result<Vec<u8>, FileReadError> + Send + Sync {
        move |path: &str| match path {
            "missing" => Err(FileReadError::NotFound),
            "../etc/passwd" => Err(FileReadError::OutsideWorkspace(
                "`..` is not allowed".to_owned(),
            )),
            _ => Ok(content.as_bytes().to_vec()),
        }
    }

    const DOTENV: &str = "# comment\nPLAIN=abc\nexport EXPORTED=xyz\nSPACED = with space  # trailing\nDQ=\"line1\\nline2 \\\"q\\\"\"\nSQ='lit $HOME \\n'\nMULTI=\"first\nsecond\"\nAFTER=ok\nEMPTY=\nPLAIN=override\nURL=postgres://u:p@h/db?x=1#frag\n";

    fn get(key: &str) -> Option<String> {
        dotenv_value(DOTENV, key).map(|v| v.expose().to_owned())
    }

    #[test]
    fn dotenv_dialect() {
        assert_eq!(get("PLAIN").as_deref(), Some("override"));
        assert_eq!(get("EXPORTED").as_deref(), Some("xyz"));
        assert_eq!(get("SPACED").as_deref(), Some("with space"));
        assert_eq!(get("DQ").as_deref(), Some("line1\nline2 \"q\""));
        assert_eq!(get("SQ").as_deref(), Some("lit $HOME \\n"));
        assert_eq!(get("MULTI").as_deref(), Some("first\nsecond"));
        assert_eq!(get("AFTER").as_deref(), Some("ok"));
        assert_eq!(get("EMPTY").as_deref(), Some(""));
        assert_eq!(get("URL").as_deref(), Some("postgres://u:p@h/db?x=1#frag"));
        assert_eq!(get("NOPE"), None);
    }

    #[test]
    fn file_sources() {
        let env = reader(DOTENV);
        let value = from_file(".env", Some("EXPORTED"), &env).expect("key");
        assert_eq!(value.expose(), "xyz");

        let json = reader("{\"db\": {\"password\": \"pw\", \"port\": 5432, \"list\": [1]}}");
        assert_eq!(
            from_file("c.json", Some("/db/password"), &json)
                .expect("ptr")
                .expose(),
            "pw"
        );
        assert_eq!(
            from_file("c.json", Some("/db/port"), &json)
                .expect("num")
                .expose(),
            "5432"
        );
        let error = from_file("c.json", Some("/db/list"), &json).expect_err("array");
        assert_eq!(error.kind(), "file_key_not_scalar");
        let error = from_file("c.json", Some("/db/nope"), &json).expect_err("missing");
        assert_eq!(error.kind(), "file_key_missing");

        let whole = reader("  token-value\n\n");
        assert_eq!(
            from_file("token.txt", None, &whole)
                .expect("whole")
                .expose(),
            "token-value"
        );

        let error = from_file("missing", None, &whole).expect_err("missing");
        assert_eq!(error.kind(), "file_not_found");
        let error = from_file("../etc/passwd", None, &whole).expect_err("outside");
        assert_eq!(error.kind(), "file_outside_workspace");
        let error = from_file(".env", Some("EMPTY"), &env).expect_err("empty");
        assert_eq!(error.kind(), "empty_value");
        let error = from_file(".env", Some("NOPE"), &env).expect_err("no key");
        assert!(error.to_string().contains("NOPE"), "{error}");
        let bad_json = reader("{\"a\": ");
        let error = from_file("c.json", Some("/a"), &bad_json).expect_err("bad json");
        assert_eq!(error.kind(), "file_parse");
    }
}
