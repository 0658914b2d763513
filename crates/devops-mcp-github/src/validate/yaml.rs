//! YAML parsing with positions: a small tree over yaml-rust2's marked events,
//! so every diagnostic can name a line, and a conversion to JSON for the
//! schema check.

use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};

/// A YAML node with its position (1-based line and column).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct MNode {
    pub(crate) value: MValue,
    pub(crate) line: usize,
    pub(crate) col: usize,
}

/// A YAML value under YAML 1.2 core schema resolution.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum MValue {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Seq(Vec<MNode>),
    Map(Vec<(MNode, MNode)>),
}

impl MNode {
    /// The value of `key` in a mapping.
    pub(crate) fn get(&self, key: &str) -> Option<&MNode> {
        match &self.value {
            MValue::Map(entries) => entries
                .iter()
                .find(|(k, _)| k.as_str() == Some(key))
                .map(|(_, v)| v),
            _ => None,
        }
    }

    /// The key node of `key` in a mapping (for positions).
    pub(crate) fn key_node(&self, key: &str) -> Option<&MNode> {
        match &self.value {
            MValue::Map(entries) => entries
                .iter()
                .find(|(k, _)| k.as_str() == Some(key))
                .map(|(k, _)| k),
            _ => None,
        }
    }

    pub(crate) fn as_str(&self) -> Option<&str> {
        match &self.value {
            MValue::Str(s) => Some(s),
            _ => None,
        }
    }

    pub(crate) fn entries(&self) -> &[(MNode, MNode)] {
        match &self.value {
            MValue::Map(e) => e,
            _ => &[],
        }
    }

    pub(crate) fn items(&self) -> &[MNode] {
        match &self.value {
            MValue::Seq(s) => s,
            _ => &[],
        }
    }

    pub(crate) fn is_map(&self) -> bool {
        matches!(self.value, MValue::Map(_))
    }

    /// The scalar as text (numbers and booleans as written in canonical form).
    pub(crate) fn scalar_text(&self) -> Option<String> {
        match &self.value {
            MValue::Str(s) => Some(s.clone()),
            MValue::Bool(b) => Some(b.to_string()),
            MValue::Int(i) => Some(i.to_string()),
            MValue::Float(f) => Some(f.to_string()),
            MValue::Null => Some(String::new()),
            _ => None,
        }
    }

    /// Converts to JSON (mapping keys become strings).
    pub(crate) fn to_json(&self) -> serde_json::Value {
        use serde_json::Value;
        match &self.value {
            MValue::Null => Value::Null,
            MValue::Bool(b) => Value::Bool(*b),
            MValue::Int(i) => Value::from(*i),
            MValue::Float(f) => serde_json::Number::from_f64(*f).map_or(Value::Null, Value::Number),
            MValue::Str(s) => Value::String(s.clone()),
            MValue::Seq(items) => Value::Array(items.iter().map(MNode::to_json).collect()),
            MValue::Map(entries) => {
                let mut m = serde_json::Map::new();
                for (k, v) in entries {
                    m.insert(k.scalar_text().unwrap_or_default(), v.to_json());
                }
                Value::Object(m)
            }
        }
    }

    /// The deepest node along a JSON pointer (`/jobs/build/steps/0`).
    pub(crate) fn at_pointer(&self, pointer: &str) -> &MNode {
        let mut node = self;
        for raw in pointer.split('/').skip(1) {
            let seg = raw.replace("~1", "/").replace("~0", "~");
            let next = match &node.value {
                MValue::Map(entries) => entries
                    .iter()
                    .find(|(k, _)| k.scalar_text().as_deref() == Some(seg.as_str()))
                    .map(|(_, v)| v),
                MValue::Seq(items) => seg.parse::<usize>().ok().and_then(|i| items.get(i)),
                _ => None,
            };
            match next {
                Some(n) => node = n,
                None => break,
            }
        }
        node
    }
}

/// A YAML syntax error with its position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SyntaxError {
    pub(crate) line: usize,
    pub(crate) col: usize,
    pub(crate) message: String,
}

enum Frame {
    Seq(Vec<MNode>, Marker, usize),
    Map(Vec<(MNode, MNode)>, Option<MNode>, Marker, usize),
}

#[derive(Default)]
struct Builder {
    stack: Vec<Frame>,
    docs: Vec<MNode>,
    anchors: Vec<(usize, MNode)>,
    error: Option<String>,
}

impl Builder {
    fn push_value(&mut self, node: MNode, anchor: usize) {
        if anchor > 0 {
            self.anchors.push((anchor, node.clone()));
        }
        match self.stack.last_mut() {
            Some(Frame::Seq(items, ..)) => items.push(node),
            Some(Frame::Map(entries, pending, ..)) => match pending.take() {
                Some(key) => entries.push((key, node)),
                None => *pending = Some(node),
            },
            None => self.docs.push(node),
        }
    }
}

impl MarkedEventReceiver for Builder {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        // yaml-rust2 markers: 1-based lines, 0-based columns.
        let at = |value| MNode {
            value,
            line: mark.line(),
            col: mark.col() + 1,
        };
        match ev {
            Event::Scalar(text, style, anchor, _tag) => {
                let value = if style == TScalarStyle::Plain {
                    resolve_plain(&text)
                } else {
                    MValue::Str(text)
                };
                self.push_value(at(value), anchor);
            }
            Event::SequenceStart(anchor, _) => {
                self.stack.push(Frame::Seq(Vec::new(), mark, anchor))
            }
            Event::MappingStart(anchor, _) => {
                self.stack.push(Frame::Map(Vec::new(), None, mark, anchor));
            }
            Event::SequenceEnd => {
                if let Some(Frame::Seq(items, m, anchor)) = self.stack.pop() {
                    let node = MNode {
                        value: MValue::Seq(items),
                        line: m.line(),
                        col: m.col() + 1,
                    };
                    self.push_value(node, anchor);
                }
            }
            Event::MappingEnd => {
                if let Some(Frame::Map(entries, _, m, anchor)) = self.stack.pop() {
                    let node = MNode {
                        value: MValue::Map(entries),
                        line: m.line(),
                        col: m.col() + 1,
                    };
                    self.push_value(node, anchor);
                }
            }
            Event::Alias(id) => {
                let found = self
                    .anchors
                    .iter()
                    .rev()
                    .find(|(a, _)| *a == id)
                    .map(|(_, n)| n.clone());
                match found {
                    Some(n) => self.push_value(n, 0),
                    None => self.error = Some(format!("unknown alias at line {}", mark.line())),
                }
            }
            _ => {}
        }
    }
}

fn resolve_plain(s: &str) -> MValue {
    match s {
        "" | "~" | "null" | "Null" | "NULL" => return MValue::Null,
        "true" | "True" | "TRUE" => return MValue::Bool(true),
        "false" | "False" | "FALSE" => return MValue::Bool(false),
        _ => {}
    }
    let int = if let Some(h) = s.strip_prefix("0x") {
        i64::from_str_radix(h, 16).ok()
    } else if let Some(o) = s.strip_prefix("0o") {
        i64::from_str_radix(o, 8).ok()
    } else if s
        .bytes()
        .enumerate()
        .all(|(i, b)| b.is_ascii_digit() || (i == 0 && (b == b'-' || b == b'+')))
        && s.bytes().any(|b| b.is_ascii_digit())
    {
        s.parse::<i64>().ok()
    } else {
        None
    };
    if let Some(i) = int {
        return MValue::Int(i);
    }
    let floaty = s.bytes().any(|b| b.is_ascii_digit())
        && s.bytes()
            .all(|b| b.is_ascii_digit() || b"+-.eE".contains(&b));
    if floaty && let Ok(f) = s.parse::<f64>() {
        return MValue::Float(f);
    }
    match s {
        ".inf" | ".Inf" | ".INF" | "+.inf" => MValue::Float(f64::INFINITY),
        "-.inf" | "-.Inf" | "-.INF" => MValue::Float(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => MValue::Float(f64::NAN),
        _ => MValue::Str(s.to_owned()),
    }
}

/// Parses a single-document YAML text.
pub(crate) fn parse(text: &str) -> Result<MNode, SyntaxError> {
    let mut builder = Builder::default();
    let mut parser = Parser::new_from_str(text);
    parser.load(&mut builder, true).map_err(|e| SyntaxError {
        line: e.marker().line(),
        col: e.marker().col() + 1,
        message: e.info().to_owned(),
    })?;
    if let Some(message) = builder.error {
        return Err(SyntaxError {
            line: 1,
            col: 1,
            message,
        });
    }
    match builder.docs.len() {
        0 => Err(SyntaxError {
            line: 1,
            col: 1,
            message: "the file is empty".to_owned(),
        }),
        1 => Ok(builder.docs.remove(0)),
        n => Err(SyntaxError {
            line: 1,
            col: 1,
            message: format!("a workflow file holds one YAML document, found {n}"),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_one_based_lines_and_columns() {
        let root =
            parse("name: x\non:\n  push: {}\njobs:\n  a:\n    runs-on: ubuntu-latest\n").unwrap();
        let a = root.get("jobs").unwrap().get("a").unwrap();
        let runs_on = a.get("runs-on").unwrap();
        assert_eq!(runs_on.line, 6);
        assert_eq!(runs_on.col, 14);
        assert_eq!(root.key_node("jobs").unwrap().line, 4);
        assert_eq!(root.at_pointer("/jobs/a/runs-on").line, 6);
        assert_eq!(root.at_pointer("/jobs/missing/x").line, a.line - 1);
    }

    #[test]
    fn resolves_yaml_1_2_core_scalars() {
        let root = parse("a: on\nb: true\nc: 30\nd: 3.10\ne: '30'\nf: ~\ng: 0x1f\n").unwrap();
        let j = root.to_json();
        assert_eq!(j["a"], "on");
        assert_eq!(j["b"], true);
        assert_eq!(j["c"], 30);
        assert_eq!(j["d"], 3.1);
        assert_eq!(j["e"], "30");
        assert!(j["f"].is_null());
        assert_eq!(j["g"], 31);
    }

    #[test]
    fn reports_syntax_errors_with_a_line() {
        let err = parse("a: [1, 2\nb: c\n").unwrap_err();
        assert!(err.line >= 1, "{err:?}");
        assert!(parse("").is_err());
        let anchors = parse("x: &a {k: v}\ny: *a\n").unwrap();
        assert_eq!(
            anchors.get("y").unwrap().get("k").unwrap().as_str(),
            Some("v")
        );
    }
}
