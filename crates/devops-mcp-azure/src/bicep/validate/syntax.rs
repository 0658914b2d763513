//! Parsing with tree-sitter-bicep: syntax diagnostics for every ERROR and MISSING node,
//! then the owned tree of [`super::ast`].
//!
//! The grammar (tree-sitter-bicep 1.1) does not know the `.bicepparam` assignment form
//! `param name = value`. Parameter files are therefore parsed with each statement-leading
//! `param` keyword read as `var` (padded to the same width, so columns stay exact), and those
//! declarations become parameter assignments again afterwards.

use std::cell::RefCell;

use tree_sitter::{Node, Parser, Tree};

use super::ast::{Builder, FileAst, FileKind, LineIndex};
use super::{Sink, SourceFile, kind_of};

/// Most syntax diagnostics reported per file: after a bad token the parser's recovery can
/// produce a cascade that helps nobody.
const MAX_SYNTAX_DIAGNOSTICS: usize = 25;

/// Parses one file, reporting syntax errors into `sink`.
pub(crate) fn parse(file: &SourceFile, sink: &mut Sink) -> FileAst {
    let kind = kind_of(&file.path);
    let (text, param_lines) = match kind {
        FileKind::Bicep => (file.content.clone(), Vec::new()),
        FileKind::BicepParam => rewrite_params(&file.content),
    };
    let lines = LineIndex::new(&text);
    let Some(tree) = parse_tree(&text) else {
        sink.add(
            &file.path,
            super::ast::Span {
                line: 1,
                column: 1,
                end_line: 1,
                end_column: 1,
            },
            "BCP-SYN-001",
            "the parser could not read this file",
        );
        return FileAst::empty(&file.path, kind);
    };
    let root = tree.root_node();
    let mut reported = 0;
    let builder = Builder::new(&text, &lines);
    let mut ast = builder.file(&file.path, kind, root);
    let unterminated = builder.unterminated_strings();
    for span in &unterminated {
        reported += 1;
        sink.add(&file.path, *span, "BCP-SYN-001", "this string is not closed on its line: Bicep strings end on the line they start (use ''' for multi-line text)");
    }
    report_errors(root, &text, &lines, &file.path, sink, &mut reported);
    if kind == FileKind::BicepParam {
        let (assignments, vars): (Vec<_>, Vec<_>) = ast
            .vars
            .into_iter()
            .partition(|v| param_lines.contains(&v.span.line));
        ast.vars = vars;
        ast.params = assignments
            .into_iter()
            .map(|v| super::ast::ParamDecl {
                name: v.name,
                span: v.span,
                ty: String::new(),
                value: Some(v.value),
                decorators: Vec::new(),
            })
            .collect();
    }
    ast
}

thread_local! {
    /// One parser per thread, reused: a new one costs a dozen allocations and the
    /// language set-up, which for a small template is a fair part of its validation.
    static PARSER: RefCell<Option<Parser>> = const { RefCell::new(None) };
}

/// The tree-sitter tree of `text`, `None` when the parser gives up.
fn parse_tree(text: &str) -> Option<Tree> {
    // Taken out of the cell while parsing, so a nested call (there is none today)
    // would build its own parser instead of panicking on the borrow.
    let cached = PARSER.with(|cell| cell.borrow_mut().take());
    let mut parser = match cached {
        Some(parser) => parser,
        None => {
            let mut parser = Parser::new();
            let language: tree_sitter::Language = tree_sitter_bicep::LANGUAGE.into();
            parser.set_language(&language).ok()?;
            parser
        }
    };
    parser.reset();
    let tree = parser.parse(text, None);
    PARSER.with(|cell| *cell.borrow_mut() = Some(parser));
    tree
}

/// Rewrites statement-leading `param` to `var  ` and returns the lines changed.
fn rewrite_params(content: &str) -> (String, Vec<u32>) {
    let mut out = String::with_capacity(content.len());
    let mut changed = Vec::new();
    let mut depth: i32 = 0;
    for (i, line) in content.split_inclusive('\n').enumerate() {
        let trimmed = line.trim_start();
        let indent = line.len() - trimmed.len();
        if depth == 0 && trimmed.starts_with("param") && trimmed[5..].starts_with([' ', '\t']) {
            out.push_str(&line[..indent]);
            out.push_str("var  ");
            out.push_str(&trimmed[5..]);
            changed.push(u32::try_from(i + 1).unwrap_or(u32::MAX));
        } else {
            out.push_str(line);
        }
        depth += bracket_delta(line);
    }
    (out, changed)
}

/// Net change of bracket depth on a line, ignoring brackets inside single-quoted strings
/// and after `//` comments.
fn bracket_delta(line: &str) -> i32 {
    let mut delta = 0;
    let mut in_string = false;
    let mut prev = '\0';
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        if in_string {
            if c == '\'' && prev != '\\' {
                in_string = false;
            }
        } else {
            match c {
                '\'' => in_string = true,
                '/' if chars.peek() == Some(&'/') => break,
                '{' | '[' | '(' => delta += 1,
                '}' | ']' | ')' => delta -= 1,
                _ => {}
            }
        }
        prev = if prev == '\\' && c == '\\' { '\0' } else { c };
    }
    delta
}

fn report_errors(
    node: Node<'_>,
    text: &str,
    lines: &LineIndex<'_>,
    path: &str,
    sink: &mut Sink,
    reported: &mut usize,
) {
    if *reported >= MAX_SYNTAX_DIAGNOSTICS {
        return;
    }
    if node.is_missing() {
        *reported += 1;
        // An unclosed string was already reported at its opening quote.
        if node.parent().is_some_and(|p| p.kind() == "string") {
            return;
        }
        let what = if node.is_named() {
            node.kind().replace('_', " ")
        } else {
            format!("`{}`", node.kind())
        };
        sink.add(
            path,
            lines.span(node),
            "BCP-SYN-002",
            format!("missing {what}"),
        );
        return;
    }
    if node.is_error() {
        *reported += 1;
        let snippet: String = text
            .get(node.byte_range())
            .unwrap_or("")
            .chars()
            .take(40)
            .collect();
        let snippet = snippet.lines().next().unwrap_or("");
        let snippet = snippet.split("//").next().unwrap_or("").trim();
        let message = if snippet.is_empty() {
            "unexpected end of input".to_owned()
        } else {
            format!("unexpected `{snippet}`: this is not valid Bicep here")
        };
        sink.add(path, lines.span(node), "BCP-SYN-001", message);
        return;
    }
    if !node.has_error() {
        return;
    }
    let mut c = node.walk();
    for child in node.children(&mut c) {
        report_errors(child, text, lines, path, sink, reported);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_one(path: &str, text: &str) -> (FileAst, Vec<super::super::Diagnostic>) {
        let mut sink = Sink::new();
        let ast = parse(&SourceFile::new(path, text), &mut sink);
        (ast, sink.diagnostics)
    }

    #[test]
    fn param_files_parse_without_errors_and_keep_columns() {
        let (ast, diags) = parse_one(
            "main.dev.bicepparam",
            "using 'main.bicep'\n\nparam env = 'dev'\nparam tags = {\n  param: 'x'\n}\nvar local = 1\n",
        );
        assert!(diags.is_empty(), "{diags:?}");
        assert_eq!(ast.using.as_ref().map(|u| u.0.as_str()), Some("main.bicep"));
        let names: Vec<&str> = ast.params.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["env", "tags"]);
        assert_eq!((ast.params[0].span.line, ast.params[0].span.column), (3, 7));
        assert_eq!(ast.vars.len(), 1);
    }

    #[test]
    fn errors_are_reported_at_their_position() {
        let (_, diags) = parse_one(
            "x.bicep",
            "param a string\nvar b = 'unterminated\nvar c = 1\n",
        );
        assert_eq!((diags[0].line, diags[0].column), (2, 9), "{diags:?}");
        let (_, diags) = parse_one("z.bicep", "param a string\nvar b = )\nvar c = 1\n");
        assert_eq!(diags[0].line, 2, "{diags:?}");
        let (_, diags) = parse_one(
            "y.bicep",
            "resource r 'A.B/c@2020-01-01' = {\n  name: 'x'\n  properties: {\n}\n",
        );
        assert!(
            diags
                .iter()
                .any(|d| d.rule_id == "BCP-SYN-002" || d.rule_id == "BCP-SYN-001"),
            "{diags:?}"
        );
    }
}
