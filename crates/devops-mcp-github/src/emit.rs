//! A small, deterministic YAML emitter for workflow files.
//!
//! Why not a serializer: generated workflows need comments after `uses:`
//! (`# v7.0.1`) and on permissions (zizmor's `undocumented-permissions`),
//! literal blocks for `run:` scripts, key order as written and blank lines
//! between jobs. The emitter only writes the subset of YAML workflows need and
//! quotes every scalar that a YAML 1.1 or 1.2 parser could read as anything
//! but the intended string.

use std::fmt::Write as _;

/// A YAML value to emit.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Node {
    /// A string, quoted when needed; multi-line strings become literal blocks.
    Str(String),
    /// A plain token written as is: numbers and booleans.
    Raw(String),
    /// A sequence.
    Seq(Vec<Node>),
    /// A mapping with keys in insertion order.
    Map(Map),
}

/// An ordered mapping whose entries may carry a trailing comment.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct Map {
    entries: Vec<Entry>,
}

#[derive(Debug, Clone, PartialEq)]
struct Entry {
    key: String,
    value: Node,
    comment: Option<String>,
    blank_before: bool,
}

impl Map {
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// Adds `key: value`.
    pub(crate) fn with(mut self, key: &str, value: impl Into<Node>) -> Self {
        self.push(key, value);
        self
    }

    /// Adds `key: value # comment`.
    pub(crate) fn with_comment(mut self, key: &str, value: impl Into<Node>, comment: &str) -> Self {
        self.entries.push(Entry {
            key: key.to_owned(),
            value: value.into(),
            comment: Some(comment.to_owned()),
            blank_before: false,
        });
        self
    }

    /// Adds `key: value` only when the value is present.
    pub(crate) fn with_opt(mut self, key: &str, value: Option<impl Into<Node>>) -> Self {
        if let Some(v) = value {
            self.push(key, v);
        }
        self
    }

    pub(crate) fn push(&mut self, key: &str, value: impl Into<Node>) {
        self.entries.push(Entry {
            key: key.to_owned(),
            value: value.into(),
            comment: None,
            blank_before: false,
        });
    }

    /// Adds an entry preceded by an empty line (between jobs, top-level keys).
    pub(crate) fn push_spaced(&mut self, key: &str, value: impl Into<Node>) {
        self.entries.push(Entry {
            key: key.to_owned(),
            value: value.into(),
            comment: None,
            blank_before: true,
        });
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

impl From<&str> for Node {
    fn from(s: &str) -> Self {
        Node::Str(s.to_owned())
    }
}
impl From<String> for Node {
    fn from(s: String) -> Self {
        Node::Str(s)
    }
}
impl From<&String> for Node {
    fn from(s: &String) -> Self {
        Node::Str(s.clone())
    }
}
impl From<bool> for Node {
    fn from(b: bool) -> Self {
        Node::Raw(b.to_string())
    }
}
impl From<u32> for Node {
    fn from(n: u32) -> Self {
        Node::Raw(n.to_string())
    }
}
impl From<Map> for Node {
    fn from(m: Map) -> Self {
        Node::Map(m)
    }
}
impl From<Vec<Node>> for Node {
    fn from(v: Vec<Node>) -> Self {
        Node::Seq(v)
    }
}

/// A sequence of strings.
pub(crate) fn str_seq<S: AsRef<str>>(items: impl IntoIterator<Item = S>) -> Node {
    Node::Seq(
        items
            .into_iter()
            .map(|s| Node::Str(s.as_ref().to_owned()))
            .collect(),
    )
}

/// Renders a document whose root is a mapping, with a leading comment block.
pub(crate) fn document(header: &[&str], root: &Map) -> String {
    let mut out = String::new();
    for line in header {
        if line.is_empty() {
            out.push_str("#\n");
        } else {
            let _ = writeln!(out, "# {line}");
        }
    }
    write_map(&mut out, root, 0, false);
    out
}

fn indent(out: &mut String, n: usize) {
    for _ in 0..n {
        out.push(' ');
    }
}

/// Writes a mapping at `level` spaces. When `inline_first` is set the first
/// key continues the current line (after `- `).
fn write_map(out: &mut String, map: &Map, level: usize, inline_first: bool) {
    for (i, e) in map.entries.iter().enumerate() {
        if e.blank_before && i > 0 {
            out.push('\n');
        }
        if !(inline_first && i == 0) {
            indent(out, level);
        }
        out.push_str(&key_text(&e.key));
        out.push(':');
        write_value(out, &e.value, level, e.comment.as_deref());
    }
}

fn write_comment(out: &mut String, comment: Option<&str>) {
    if let Some(c) = comment {
        out.push_str(" # ");
        out.push_str(c);
    }
}

/// Writes the value part after `key:` (or after `-`), ending with a newline.
fn write_value(out: &mut String, value: &Node, level: usize, comment: Option<&str>) {
    match value {
        Node::Raw(s) => {
            out.push(' ');
            out.push_str(s);
            write_comment(out, comment);
            out.push('\n');
        }
        // A literal block cannot start with a space without an indentation
        // indicator; such strings fall through to double quotes.
        Node::Str(s) if s.contains('\n') && !s.starts_with([' ', '\n']) => {
            let body = s.trim_end_matches('\n');
            out.push_str(" |");
            if !s.ends_with('\n') {
                out.push('-');
            }
            write_comment(out, comment);
            out.push('\n');
            for line in body.split('\n') {
                if !line.is_empty() {
                    indent(out, level + 2);
                    out.push_str(line);
                }
                out.push('\n');
            }
        }
        Node::Str(s) => {
            out.push(' ');
            out.push_str(&scalar_text(s));
            write_comment(out, comment);
            out.push('\n');
        }
        Node::Map(m) if m.is_empty() => {
            out.push_str(" {}");
            write_comment(out, comment);
            out.push('\n');
        }
        Node::Map(m) => {
            write_comment(out, comment);
            out.push('\n');
            write_map(out, m, level + 2, false);
        }
        Node::Seq(items) if items.is_empty() => {
            out.push_str(" []");
            write_comment(out, comment);
            out.push('\n');
        }
        Node::Seq(items) => {
            write_comment(out, comment);
            out.push('\n');
            for item in items {
                indent(out, level + 2);
                out.push('-');
                match item {
                    Node::Map(m) if !m.is_empty() => {
                        out.push(' ');
                        write_map(out, m, level + 4, true);
                    }
                    other => write_value(out, other, level + 2, None),
                }
            }
        }
    }
}

fn key_text(key: &str) -> String {
    // Workflow keys are identifiers; `on` stays plain as GitHub documents it.
    if key == "on" || is_plain_safe(key) {
        key.to_owned()
    } else {
        single_quoted(key)
    }
}

/// The text of a single-line string scalar: plain when that is unambiguous.
pub(crate) fn scalar_text(s: &str) -> String {
    if is_plain_safe(s) {
        s.to_owned()
    } else if s.chars().any(char::is_control) {
        double_quoted(s)
    } else {
        single_quoted(s)
    }
}

fn single_quoted(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

fn double_quoted(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Whether `s` reads back as the same string when written plain, under both
/// YAML 1.1 (booleans like `yes`/`on`, sexagesimal numbers) and YAML 1.2.
fn is_plain_safe(s: &str) -> bool {
    let Some(first) = s.chars().next() else {
        return false;
    };
    if s.trim() != s || s.chars().any(char::is_control) {
        return false;
    }
    if "-?:,[]{}#&*!|>'\"%@`".contains(first) {
        // `-` and `?` and `:` are fine when not followed by a space, but a
        // leading `-` can still read as a number; keep it simple and quote.
        return false;
    }
    if s.contains(": ") || s.contains(" #") || s.ends_with(':') {
        return false;
    }
    let lower = s.to_ascii_lowercase();
    const RESERVED: &[&str] = &[
        "true", "false", "yes", "no", "y", "n", "on", "off", "null", "~", ".nan", ".inf", "-.inf",
        "+.inf",
    ];
    if RESERVED.contains(&lower.as_str()) {
        return false;
    }
    !looks_numeric(s)
}

fn looks_numeric(s: &str) -> bool {
    let body = s.strip_prefix(['+', '-']).unwrap_or(s);
    let Some(first) = body.chars().next() else {
        return false;
    };
    // Anything starting with a digit or `.digit` may be an int, float, octal,
    // hex, sexagesimal (1.1) or date; quoting it is always correct.
    first.is_ascii_digit() || (first == '.' && body[1..].starts_with(|c: char| c.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_ambiguous_scalars() {
        assert_eq!(scalar_text("ubuntu-latest"), "ubuntu-latest");
        assert_eq!(scalar_text("3.13"), "'3.13'");
        assert_eq!(scalar_text("22"), "'22'");
        assert_eq!(scalar_text("on"), "'on'");
        assert_eq!(scalar_text("No"), "'No'");
        assert_eq!(scalar_text(""), "''");
        assert_eq!(scalar_text("a: b"), "'a: b'");
        assert_eq!(scalar_text("it's"), "it's");
        assert_eq!(scalar_text("'x'"), "'''x'''");
        assert_eq!(scalar_text("!cancelled()"), "'!cancelled()'");
        assert_eq!(scalar_text("*.yml"), "'*.yml'");
        assert_eq!(scalar_text("${{ github.sha }}"), "${{ github.sha }}");
        assert_eq!(scalar_text("a\tb"), "\"a\\tb\"");
    }

    #[test]
    fn renders_nested_structures_with_comments_and_blocks() {
        let step = Map::new()
            .with("name", "Check out")
            .with_comment("uses", "actions/checkout@abc", "v7.0.1")
            .with("with", Map::new().with("persist-credentials", false));
        let run = Map::new().with("run", "echo one\necho two\n");
        let root = Map::new()
            .with("name", "CI")
            .with("permissions", Map::new())
            .with("steps", Node::Seq(vec![step.into(), run.into()]))
            .with("empty", Node::Seq(vec![]))
            .with("list", str_seq(["a", "on"]));
        let text = document(&["generated"], &root);
        assert_eq!(
            text,
            "# generated\nname: CI\npermissions: {}\nsteps:\n  - name: Check out\n    uses: actions/checkout@abc # v7.0.1\n    with:\n      persist-credentials: false\n  - run: |\n      echo one\n      echo two\nempty: []\nlist:\n  - a\n  - 'on'\n"
        );
    }
}
