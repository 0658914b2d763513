//! A small owned syntax tree of one Bicep (or `.bicepparam`) file, built from the
//! tree-sitter-bicep parse tree: declarations with their decorators, expressions with
//! positions, nested resources, and `#disable-next-line` comments.
//!
//! The checks work on this tree rather than on tree-sitter nodes so that they can be written
//! as plain pattern matches, and so that positions are already converted to 1-based lines
//! and character columns.

use tree_sitter::Node;

/// A 1-based position range (columns count characters, not bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Span {
    /// First line.
    pub line: u32,
    /// First column.
    pub column: u32,
    /// Last line.
    pub end_line: u32,
    /// Column after the last character.
    pub end_column: u32,
}

/// Converts byte offsets to line/character positions.
pub struct LineIndex<'a> {
    text: &'a str,
    starts: Vec<usize>,
    /// Whether each line is pure ASCII (then byte and character columns agree).
    ascii: Vec<bool>,
}

impl<'a> LineIndex<'a> {
    /// Indexes the line starts of `text`.
    #[must_use]
    pub fn new(text: &'a str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        let ascii = starts
            .iter()
            .enumerate()
            .map(|(i, &s)| {
                text.get(s..starts.get(i + 1).copied().unwrap_or(text.len()))
                    .is_some_and(str::is_ascii)
            })
            .collect();
        Self {
            text,
            starts,
            ascii,
        }
    }

    /// 1-based line and character column of a byte offset.
    #[must_use]
    pub fn position(&self, byte: usize) -> (u32, u32) {
        let line = self
            .starts
            .partition_point(|&s| s <= byte)
            .saturating_sub(1);
        self.point(line, byte - self.starts[line])
    }

    /// 1-based line and character column of a 0-based row and byte column.
    fn point(&self, row: usize, byte_column: usize) -> (u32, u32) {
        let col = if self.ascii.get(row).copied().unwrap_or(false) {
            byte_column
        } else {
            let start = self.starts.get(row).copied().unwrap_or(0);
            let end = (start + byte_column).min(self.text.len());
            self.text
                .get(start..end)
                .map_or(byte_column, |s| s.chars().count())
        };
        (
            u32::try_from(row + 1).unwrap_or(u32::MAX),
            u32::try_from(col + 1).unwrap_or(u32::MAX),
        )
    }

    /// The span of a tree-sitter node.
    #[must_use]
    pub fn span(&self, node: Node<'_>) -> Span {
        let (s, e) = (node.start_position(), node.end_position());
        let (line, column) = self.point(s.row, s.column);
        let (end_line, end_column) = self.point(e.row, e.column);
        Span {
            line,
            column,
            end_line,
            end_column,
        }
    }
}

/// An expression.
#[derive(Debug, Clone)]
pub struct Expr {
    /// Where it is.
    pub span: Span,
    /// What it is.
    pub kind: ExprKind,
}

/// Part of a string literal.
#[derive(Debug, Clone)]
pub enum StrPart {
    /// Literal text (escapes already decoded).
    Text(String),
    /// `${...}`.
    Interp(Expr),
}

/// Expression kinds.
#[derive(Debug, Clone)]
pub enum ExprKind {
    /// A string, possibly interpolated.
    Str(Vec<StrPart>),
    /// An integer.
    Int(i64),
    /// `true` / `false`.
    Bool(bool),
    /// `null`.
    Null,
    /// `{ ... }`.
    Object(Vec<Prop>),
    /// `[ ... ]`.
    Array(Vec<Expr>),
    /// A name.
    Ident(String),
    /// `a.b` (also `a.?b` and `a!.b`).
    Member(Box<Expr>, String, Span),
    /// `a[i]`.
    Index(Box<Expr>, Box<Expr>),
    /// `f(...)` or `ns.f(...)` / `resource.f(...)`: callee object (if any), name, arguments.
    Call(Option<Box<Expr>>, String, Vec<Expr>),
    /// `parent::child`.
    ResourceAccess(Box<Expr>, String),
    /// `!a`, `-a`.
    Unary(String, Box<Expr>),
    /// `a op b`.
    Binary(String, Box<Expr>, Box<Expr>),
    /// `c ? a : b`.
    Ternary(Box<Expr>, Box<Expr>, Box<Expr>),
    /// `x => body` or `(x, y) => body`.
    Lambda(Vec<String>, Box<Expr>),
    /// `[for item in items: body]` / `[for (item, i) in items: body]`.
    For {
        /// Loop variables.
        vars: Vec<String>,
        /// What is iterated.
        iter: Box<Expr>,
        /// The body.
        body: Box<Expr>,
    },
    /// `if (cond) body` (resource and module bodies).
    If(Box<Expr>, Box<Expr>),
    /// Anything the checks do not look into (parse errors, type syntax).
    Other,
}

/// An object property.
#[derive(Debug, Clone)]
pub struct Prop {
    /// Key (unquoted).
    pub key: String,
    /// Where the key is.
    pub key_span: Span,
    /// The value.
    pub value: Expr,
}

impl Expr {
    /// The literal text of a string without interpolation.
    #[must_use]
    pub fn as_plain_str(&self) -> Option<&str> {
        match &self.kind {
            ExprKind::Str(parts) if parts.is_empty() => Some(""),
            ExprKind::Str(parts) if parts.len() == 1 => match &parts[0] {
                StrPart::Text(t) => Some(t),
                StrPart::Interp(_) => None,
            },
            _ => None,
        }
    }

    /// Object properties, if this is an object.
    #[must_use]
    pub fn as_object(&self) -> Option<&[Prop]> {
        match &self.kind {
            ExprKind::Object(props) => Some(props),
            _ => None,
        }
    }

    /// A property of an object by key (case-insensitive, as ARM treats keys).
    #[must_use]
    pub fn get(&self, key: &str) -> Option<&Expr> {
        self.as_object()?
            .iter()
            .find(|p| p.key.eq_ignore_ascii_case(key))
            .map(|p| &p.value)
    }

    /// Follows a path of keys through nested objects.
    #[must_use]
    pub fn path(&self, keys: &[&str]) -> Option<&Expr> {
        keys.iter().try_fold(self, |e, k| e.get(k))
    }

    /// Strips `if` and `for` wrappers off a resource or module body.
    #[must_use]
    pub fn body(&self) -> &Expr {
        match &self.kind {
            ExprKind::If(_, b) => b.body(),
            ExprKind::For { body, .. } => body.body(),
            _ => self,
        }
    }

    /// Calls `f` on this expression and every sub-expression, depth first.
    pub fn walk<'a>(&'a self, f: &mut dyn FnMut(&'a Expr)) {
        f(self);
        match &self.kind {
            ExprKind::Str(parts) => {
                for p in parts {
                    if let StrPart::Interp(e) = p {
                        e.walk(f);
                    }
                }
            }
            ExprKind::Object(props) => props.iter().for_each(|p| p.value.walk(f)),
            ExprKind::Array(items) => items.iter().for_each(|e| e.walk(f)),
            ExprKind::Member(o, _, _) | ExprKind::ResourceAccess(o, _) | ExprKind::Unary(_, o) => {
                o.walk(f)
            }
            ExprKind::Index(a, b) | ExprKind::Binary(_, a, b) | ExprKind::If(a, b) => {
                a.walk(f);
                b.walk(f);
            }
            ExprKind::Call(callee, _, args) => {
                if let Some(c) = callee {
                    c.walk(f);
                }
                args.iter().for_each(|e| e.walk(f));
            }
            ExprKind::Ternary(a, b, c) => {
                a.walk(f);
                b.walk(f);
                c.walk(f);
            }
            ExprKind::Lambda(_, body) => body.walk(f),
            ExprKind::For { iter, body, .. } => {
                iter.walk(f);
                body.walk(f);
            }
            ExprKind::Int(_)
            | ExprKind::Bool(_)
            | ExprKind::Null
            | ExprKind::Ident(_)
            | ExprKind::Other => {}
        }
    }
}

/// A decorator such as `@secure()` or `@maxLength(24)`.
#[derive(Debug, Clone)]
pub struct Decorator {
    /// Name without namespace (`sys.` is dropped).
    pub name: String,
    /// Arguments.
    pub args: Vec<Expr>,
    /// Where it is.
    pub span: Span,
}

/// Finds a decorator by name (case-insensitive).
#[must_use]
pub fn decorator<'a>(decorators: &'a [Decorator], name: &str) -> Option<&'a Decorator> {
    decorators
        .iter()
        .find(|d| d.name.eq_ignore_ascii_case(name))
}

/// A `param` declaration (in a `.bicepparam` file: an assignment).
#[derive(Debug, Clone)]
pub struct ParamDecl {
    /// Name.
    pub name: String,
    /// Where the name is.
    pub span: Span,
    /// Declared type as written (`string`, `int`, `object`, `'a' | 'b'`, ...).
    pub ty: String,
    /// Default value (in `.bicepparam`: the assigned value).
    pub value: Option<Expr>,
    /// Decorators.
    pub decorators: Vec<Decorator>,
}

/// A `var` declaration.
#[derive(Debug, Clone)]
pub struct VarDecl {
    /// Name.
    pub name: String,
    /// Where the name is.
    pub span: Span,
    /// Value.
    pub value: Expr,
}

/// A `resource` declaration (nested ones are flattened, with their full type).
#[derive(Debug, Clone)]
pub struct ResourceDecl {
    /// Symbolic name.
    pub symbol: String,
    /// Where the symbolic name is.
    pub span: Span,
    /// The type string as written.
    pub type_text: String,
    /// Where the type string is.
    pub type_span: Span,
    /// Full resource type (`Microsoft.KeyVault/vaults/secrets`), nested types expanded.
    pub resource_type: String,
    /// API version (inherited from the parent for nested types without one).
    pub api_version: Option<String>,
    /// `existing` reference rather than a deployment.
    pub existing: bool,
    /// The body: object, possibly wrapped in `if`/`for`.
    pub value: Expr,
    /// Symbol of the lexically enclosing resource, for nested declarations.
    pub lexical_parent: Option<String>,
    /// Loop variables in scope in the body (from this and enclosing `for`s).
    pub loop_vars: Vec<String>,
    /// Decorators.
    pub decorators: Vec<Decorator>,
}

/// A `module` declaration.
#[derive(Debug, Clone)]
pub struct ModuleDecl {
    /// Symbolic name.
    pub symbol: String,
    /// Where the symbolic name is.
    pub span: Span,
    /// Path as written.
    pub path: String,
    /// Where the path is.
    pub path_span: Span,
    /// Body, possibly wrapped in `if`/`for`.
    pub value: Expr,
}

/// An `output` declaration.
#[derive(Debug, Clone)]
pub struct OutputDecl {
    /// Name.
    pub name: String,
    /// Where the name is.
    pub span: Span,
    /// Declared type as written.
    pub ty: String,
    /// Value.
    pub value: Expr,
    /// Decorators.
    pub decorators: Vec<Decorator>,
}

/// Whether a file is a template or a parameters file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// `.bicep`.
    Bicep,
    /// `.bicepparam`.
    BicepParam,
}

/// One parsed file.
#[derive(Debug, Clone)]
pub struct FileAst {
    /// Path as given.
    pub path: String,
    /// Template or parameters.
    pub kind: FileKind,
    /// `targetScope = '...'`.
    pub target_scope: Option<String>,
    /// `using '...'` of a parameters file, with its span.
    pub using: Option<(String, Span)>,
    /// Parameters.
    pub params: Vec<ParamDecl>,
    /// Variables.
    pub vars: Vec<VarDecl>,
    /// Resources, nested ones flattened.
    pub resources: Vec<ResourceDecl>,
    /// Modules.
    pub modules: Vec<ModuleDecl>,
    /// Outputs.
    pub outputs: Vec<OutputDecl>,
    /// User-defined functions, types and imported symbols: names that may be referenced.
    pub other_symbols: Vec<String>,
    /// `#disable-next-line` comments: the line they apply to and the rule codes listed.
    pub suppressions: Vec<(u32, Vec<String>)>,
}

impl FileAst {
    /// A file with no declarations (used when the parser could not run at all).
    #[must_use]
    pub fn empty(path: &str, kind: FileKind) -> Self {
        Self {
            path: path.to_owned(),
            kind,
            target_scope: None,
            using: None,
            params: Vec::new(),
            vars: Vec::new(),
            resources: Vec::new(),
            modules: Vec::new(),
            outputs: Vec::new(),
            other_symbols: Vec::new(),
            suppressions: Vec::new(),
        }
    }

    /// A parameter by name.
    #[must_use]
    pub fn param(&self, name: &str) -> Option<&ParamDecl> {
        self.params.iter().find(|p| p.name == name)
    }

    /// A variable by name.
    #[must_use]
    pub fn var(&self, name: &str) -> Option<&VarDecl> {
        self.vars.iter().find(|v| v.name == name)
    }

    /// A resource by symbol.
    #[must_use]
    pub fn resource(&self, symbol: &str) -> Option<&ResourceDecl> {
        self.resources.iter().find(|r| r.symbol == symbol)
    }

    /// A module by symbol.
    #[must_use]
    pub fn module(&self, symbol: &str) -> Option<&ModuleDecl> {
        self.modules.iter().find(|m| m.symbol == symbol)
    }
}

/// Builds the tree of one file from its tree-sitter parse.
pub struct Builder<'a> {
    src: &'a str,
    lines: &'a LineIndex<'a>,
    /// Single-quoted strings that run past their line (Bicep forbids it; the grammar not).
    unterminated: std::cell::RefCell<Vec<Span>>,
}

impl<'a> Builder<'a> {
    /// A builder over `src` (the text that was parsed).
    #[must_use]
    pub fn new(src: &'a str, lines: &'a LineIndex<'a>) -> Self {
        Self {
            src,
            lines,
            unterminated: std::cell::RefCell::new(Vec::new()),
        }
    }

    /// Strings seen so far that do not end on their line.
    #[must_use]
    pub fn unterminated_strings(&self) -> Vec<Span> {
        self.unterminated.borrow().clone()
    }

    fn text(&self, node: Node<'_>) -> &'a str {
        self.src.get(node.byte_range()).unwrap_or("")
    }

    /// Builds the file tree from the root node.
    #[must_use]
    pub fn file(&self, path: &str, kind: FileKind, root: Node<'_>) -> FileAst {
        let mut file = FileAst::empty(path, kind);
        let mut pending: Vec<Decorator> = Vec::new();
        let mut cursor = root.walk();
        for child in root.named_children(&mut cursor) {
            match child.kind() {
                "decorators" => pending.extend(self.decorators(child)),
                "diagnostic_comment" => {
                    let text = self.text(child);
                    let codes = text
                        .trim_start_matches('#')
                        .split_whitespace()
                        .skip(1)
                        .take_while(|w| !w.starts_with("//"))
                        .map(str::to_owned)
                        .collect();
                    file.suppressions
                        .push((self.lines.span(child).line + 1, codes));
                }
                "comment" => {}
                "target_scope_assignment" => {
                    file.target_scope = child
                        .named_children(&mut child.walk())
                        .find(|n| n.kind() == "string")
                        .and_then(|n| self.expr(n).as_plain_str().map(str::to_owned));
                }
                "using_statement" => {
                    if let Some(s) = child
                        .named_children(&mut child.walk())
                        .find(|n| n.kind() == "string")
                    {
                        let e = self.expr(s);
                        if let Some(p) = e.as_plain_str() {
                            file.using = Some((p.to_owned(), e.span));
                        }
                    }
                }
                "parameter_declaration" => {
                    if let Some(p) = self.param(child, std::mem::take(&mut pending)) {
                        file.params.push(p);
                    }
                }
                "variable_declaration" => {
                    pending.clear();
                    if let Some(v) = self.var(child) {
                        file.vars.push(v);
                    }
                }
                "resource_declaration" => {
                    let decorators = std::mem::take(&mut pending);
                    self.resource(child, None, &[], decorators, &mut file.resources);
                }
                "module_declaration" => {
                    pending.clear();
                    if let Some(m) = self.module(child) {
                        file.modules.push(m);
                    }
                }
                "output_declaration" => {
                    if let Some(o) = self.output(child, std::mem::take(&mut pending)) {
                        file.outputs.push(o);
                    }
                }
                "user_defined_function" | "type_declaration" => {
                    pending.clear();
                    let name = child
                        .child_by_field_name("name")
                        .or_else(|| first_named(child, "identifier"));
                    if let Some(n) = name {
                        file.other_symbols.push(self.text(n).to_owned());
                    }
                }
                "import_statement" | "import_functionality" | "import_with_statement" => {
                    let mut c = child.walk();
                    for n in child.named_children(&mut c) {
                        if n.kind() == "identifier" {
                            file.other_symbols.push(self.text(n).to_owned());
                        }
                    }
                }
                _ => pending.clear(),
            }
        }
        file
    }

    fn decorators(&self, node: Node<'_>) -> Vec<Decorator> {
        let mut out = Vec::new();
        let mut c = node.walk();
        for d in node.named_children(&mut c) {
            if d.kind() != "decorator" {
                continue;
            }
            let Some(inner) = d.named_child(0) else {
                continue;
            };
            let span = self.lines.span(d);
            let e = self.expr(inner);
            match e.kind {
                ExprKind::Call(_, name, args) => out.push(Decorator { name, args, span }),
                ExprKind::Ident(name) => out.push(Decorator {
                    name,
                    args: Vec::new(),
                    span,
                }),
                _ => {}
            }
        }
        out
    }

    fn type_text(&self, node: Option<Node<'_>>) -> String {
        node.map(|n| self.text(n).trim().to_owned())
            .unwrap_or_default()
    }

    /// Children after the `=` token, i.e. the value of a declaration.
    fn value_after_eq<'t>(&self, node: Node<'t>) -> Option<Node<'t>> {
        let mut seen_eq = false;
        let mut c = node.walk();
        for child in node.children(&mut c) {
            if seen_eq && child.is_named() && child.kind() != "comment" {
                return Some(child);
            }
            if child.kind() == "=" {
                seen_eq = true;
            }
        }
        None
    }

    fn param(&self, node: Node<'_>, decorators: Vec<Decorator>) -> Option<ParamDecl> {
        let name = first_named(node, "identifier")?;
        let ty = node
            .named_children(&mut node.walk())
            .find(|n| n.kind() != "identifier" || n.id() != name.id())
            .filter(|n| n.kind() == "type" || n.kind().ends_with("_type"));
        Some(ParamDecl {
            name: self.text(name).to_owned(),
            span: self.lines.span(name),
            ty: self.type_text(ty),
            value: self.value_after_eq(node).map(|v| self.expr(v)),
            decorators,
        })
    }

    fn var(&self, node: Node<'_>) -> Option<VarDecl> {
        let name = first_named(node, "identifier")?;
        let value = self.value_after_eq(node)?;
        Some(VarDecl {
            name: self.text(name).to_owned(),
            span: self.lines.span(name),
            value: self.expr(value),
        })
    }

    fn output(&self, node: Node<'_>, decorators: Vec<Decorator>) -> Option<OutputDecl> {
        let name = first_named(node, "identifier")?;
        let ty = node
            .named_children(&mut node.walk())
            .find(|n| n.kind() == "type" || n.kind().ends_with("_type"));
        let value = self.value_after_eq(node)?;
        Some(OutputDecl {
            name: self.text(name).to_owned(),
            span: self.lines.span(name),
            ty: self.type_text(ty),
            value: self.expr(value),
            decorators,
        })
    }

    fn module(&self, node: Node<'_>) -> Option<ModuleDecl> {
        let name = first_named(node, "identifier")?;
        let path = first_named(node, "string")?;
        let path_expr = self.expr(path);
        let value = self.value_after_eq(node)?;
        Some(ModuleDecl {
            symbol: self.text(name).to_owned(),
            span: self.lines.span(name),
            path: path_expr.as_plain_str().unwrap_or_default().to_owned(),
            path_span: path_expr.span,
            value: self.expr(value),
        })
    }

    fn resource(
        &self,
        node: Node<'_>,
        parent: Option<&ResourceDecl>,
        outer_loop_vars: &[String],
        decorators: Vec<Decorator>,
        out: &mut Vec<ResourceDecl>,
    ) {
        let Some(name) = first_named(node, "identifier") else {
            return;
        };
        let Some(type_node) = first_named(node, "string") else {
            return;
        };
        let type_expr = self.expr(type_node);
        let type_text = type_expr.as_plain_str().unwrap_or_default().to_owned();
        let (raw_type, raw_api) = match type_text.split_once('@') {
            Some((t, a)) => (t.to_owned(), Some(a.to_owned())),
            None => (type_text.clone(), None),
        };
        let (resource_type, api_version) = match parent {
            Some(p) if !raw_type.contains('/') => (
                format!("{}/{}", p.resource_type, raw_type),
                raw_api.or_else(|| p.api_version.clone()),
            ),
            _ => (raw_type, raw_api),
        };
        let existing = {
            let mut c = node.walk();
            node.children(&mut c).any(|n| n.kind() == "existing")
        };
        let Some(value_node) = self.value_after_eq(node) else {
            return;
        };
        let mut loop_vars = outer_loop_vars.to_vec();
        collect_loop_vars(self, value_node, &mut loop_vars);
        let decl = ResourceDecl {
            symbol: self.text(name).to_owned(),
            span: self.lines.span(name),
            type_text,
            type_span: type_expr.span,
            resource_type,
            api_version,
            existing,
            value: self.expr(value_node),
            lexical_parent: parent.map(|p| p.symbol.clone()),
            loop_vars: loop_vars.clone(),
            decorators,
        };
        // Nested resources live in object_property nodes of the body object.
        let nested: Vec<Node<'_>> = {
            let mut found = Vec::new();
            let body = unwrap_body(value_node);
            if body.kind() == "object" {
                let mut c = body.walk();
                for prop in body.named_children(&mut c) {
                    if prop.kind() == "object_property"
                        && let Some(r) = first_named(prop, "resource_declaration")
                    {
                        found.push(r);
                    }
                    if prop.kind() == "resource_declaration" {
                        found.push(prop);
                    }
                }
            }
            found
        };
        out.push(decl);
        let index = out.len() - 1;
        for n in nested {
            let parent_decl = out[index].clone();
            self.resource(n, Some(&parent_decl), &loop_vars, Vec::new(), out);
        }
    }

    /// Converts an expression node.
    #[must_use]
    pub fn expr(&self, node: Node<'_>) -> Expr {
        let span = self.lines.span(node);
        let kind = match node.kind() {
            "string" => ExprKind::Str(self.string_parts(node)),
            "number" => self
                .text(node)
                .parse()
                .map_or(ExprKind::Other, ExprKind::Int),
            "boolean" => ExprKind::Bool(self.text(node) == "true"),
            "null" => ExprKind::Null,
            "identifier" | "compatible_identifier" => ExprKind::Ident(self.text(node).to_owned()),
            "object" => ExprKind::Object(self.object(node)),
            "array" => {
                let mut c = node.walk();
                ExprKind::Array(
                    node.named_children(&mut c)
                        .filter(|n| !is_trivia(*n))
                        .map(|n| self.expr(n))
                        .collect(),
                )
            }
            "parenthesized_expression" => {
                return node
                    .named_children(&mut node.walk())
                    .find(|n| !is_trivia(*n))
                    .map_or(
                        Expr {
                            span,
                            kind: ExprKind::Other,
                        },
                        |n| self.expr(n),
                    );
            }
            "member_expression" => {
                let object = node.child_by_field_name("object").map(|n| self.expr(n));
                let prop = node.child_by_field_name("property");
                match (object, prop) {
                    (Some(o), Some(p)) => {
                        ExprKind::Member(Box::new(o), self.text(p).to_owned(), self.lines.span(p))
                    }
                    _ => ExprKind::Other,
                }
            }
            "subscript_expression" => {
                match (
                    node.child_by_field_name("object"),
                    node.child_by_field_name("index"),
                ) {
                    (Some(o), Some(i)) => {
                        ExprKind::Index(Box::new(self.expr(o)), Box::new(self.expr(i)))
                    }
                    _ => ExprKind::Other,
                }
            }
            "resource_expression" => match (
                node.child_by_field_name("object"),
                node.child_by_field_name("resource"),
            ) {
                (Some(o), Some(r)) => {
                    ExprKind::ResourceAccess(Box::new(self.expr(o)), self.text(r).to_owned())
                }
                _ => ExprKind::Other,
            },
            "call_expression" => self.call(node),
            "unary_expression" => match (
                node.child_by_field_name("operator"),
                node.child_by_field_name("argument"),
            ) {
                (Some(op), Some(arg)) => {
                    ExprKind::Unary(self.text(op).to_owned(), Box::new(self.expr(arg)))
                }
                _ => ExprKind::Other,
            },
            "binary_expression" => match (
                node.child_by_field_name("left"),
                node.child_by_field_name("operator"),
                node.child_by_field_name("right"),
            ) {
                (Some(l), Some(op), Some(r)) => ExprKind::Binary(
                    self.text(op).to_owned(),
                    Box::new(self.expr(l)),
                    Box::new(self.expr(r)),
                ),
                _ => ExprKind::Other,
            },
            "ternary_expression" => match (
                node.child_by_field_name("condition"),
                node.child_by_field_name("consequence"),
                node.child_by_field_name("alternative"),
            ) {
                (Some(c), Some(a), Some(b)) => ExprKind::Ternary(
                    Box::new(self.expr(c)),
                    Box::new(self.expr(a)),
                    Box::new(self.expr(b)),
                ),
                _ => ExprKind::Other,
            },
            "lambda_expression" => {
                let mut c = node.walk();
                let named: Vec<Node<'_>> = node
                    .named_children(&mut c)
                    .filter(|n| !is_trivia(*n))
                    .collect();
                match named.split_last() {
                    Some((body, params)) => {
                        let mut names = Vec::new();
                        for p in params {
                            collect_identifiers(self, *p, &mut names);
                        }
                        ExprKind::Lambda(names, Box::new(self.expr(*body)))
                    }
                    None => ExprKind::Other,
                }
            }
            "for_statement" => self.for_expr(node),
            "if_statement" => {
                let mut c = node.walk();
                let named: Vec<Node<'_>> = node
                    .named_children(&mut c)
                    .filter(|n| !is_trivia(*n))
                    .collect();
                match named.as_slice() {
                    [cond, body, ..] => {
                        ExprKind::If(Box::new(self.expr(*cond)), Box::new(self.expr(*body)))
                    }
                    _ => ExprKind::Other,
                }
            }
            _ => ExprKind::Other,
        };
        Expr { span, kind }
    }

    fn for_expr(&self, node: Node<'_>) -> ExprKind {
        let mut vars = Vec::new();
        let mut iter = None;
        let body = node.child_by_field_name("body");
        let initializer = node.child_by_field_name("initializer");
        let mut c = node.walk();
        let mut after_in = false;
        for child in node.children(&mut c) {
            match child.kind() {
                "for_loop_parameters" => {
                    let mut cc = child.walk();
                    for p in child.named_children(&mut cc) {
                        if matches!(p.kind(), "loop_variable" | "loop_enumerator" | "identifier") {
                            vars.push(self.text(p).to_owned());
                        }
                    }
                }
                "in" => after_in = true,
                _ if after_in
                    && child.is_named()
                    && iter.is_none()
                    && Some(child.id()) != body.map(|b| b.id())
                    && !is_trivia(child) =>
                {
                    iter = Some(self.expr(child));
                }
                _ => {}
            }
        }
        if let Some(init) = initializer {
            vars.push(self.text(init).to_owned());
        }
        match (iter, body) {
            (Some(iter), Some(body)) => ExprKind::For {
                vars,
                iter: Box::new(iter),
                body: Box::new(self.expr(body)),
            },
            _ => ExprKind::Other,
        }
    }

    fn call(&self, node: Node<'_>) -> ExprKind {
        let args = node
            .child_by_field_name("arguments")
            .map(|a| {
                let mut c = a.walk();
                a.named_children(&mut c)
                    .filter(|n| !is_trivia(*n))
                    .map(|n| self.expr(n))
                    .collect()
            })
            .unwrap_or_default();
        let Some(function) = node.child_by_field_name("function") else {
            return ExprKind::Other;
        };
        match function.kind() {
            "identifier" => ExprKind::Call(None, self.text(function).to_owned(), args),
            "member_expression" => {
                let object = function.child_by_field_name("object").map(|n| self.expr(n));
                let prop = function
                    .child_by_field_name("property")
                    .map(|p| self.text(p).to_owned());
                match (object, prop) {
                    (Some(o), Some(p)) => ExprKind::Call(Some(Box::new(o)), p, args),
                    _ => ExprKind::Other,
                }
            }
            _ => ExprKind::Other,
        }
    }

    fn object(&self, node: Node<'_>) -> Vec<Prop> {
        let mut props = Vec::new();
        let mut c = node.walk();
        for child in node.named_children(&mut c) {
            if child.kind() != "object_property" {
                continue;
            }
            let mut cc = child.walk();
            let named: Vec<Node<'_>> = child
                .named_children(&mut cc)
                .filter(|n| !is_trivia(*n))
                .collect();
            let [key, value, ..] = named.as_slice() else {
                continue;
            };
            if key.kind() == "resource_declaration" || key.kind() == "decorators" {
                continue;
            }
            let key_text = match key.kind() {
                "string" => self.expr(*key).as_plain_str().map(str::to_owned),
                _ => Some(self.text(*key).to_owned()),
            };
            let Some(key_text) = key_text else { continue };
            props.push(Prop {
                key: key_text,
                key_span: self.lines.span(*key),
                value: self.expr(*value),
            });
        }
        props
    }

    fn string_parts(&self, node: Node<'_>) -> Vec<StrPart> {
        let raw = self.text(node);
        if raw.starts_with("'''") {
            let inner = raw.trim_start_matches("'''").trim_end_matches("'''");
            // A multi-line string starting with a line break drops that first break.
            let inner = inner
                .strip_prefix("\r\n")
                .or_else(|| inner.strip_prefix('\n'))
                .unwrap_or(inner);
            return vec![StrPart::Text(inner.to_owned())];
        }
        if raw.contains('\n') {
            let span = self.lines.span(node);
            self.unterminated.borrow_mut().push(Span {
                end_line: span.line,
                end_column: span.column + 1,
                ..span
            });
        }
        let mut parts: Vec<StrPart> = Vec::new();
        let push_text = |parts: &mut Vec<StrPart>, t: &str| {
            if let Some(StrPart::Text(last)) = parts.last_mut() {
                last.push_str(t);
            } else {
                parts.push(StrPart::Text(t.to_owned()));
            }
        };
        let mut c = node.walk();
        for child in node.named_children(&mut c) {
            match child.kind() {
                "string_content" => push_text(&mut parts, self.text(child)),
                "escape_sequence" => {
                    let t = self.text(child);
                    let decoded = match t {
                        "\\n" => "\n".to_owned(),
                        "\\r" => "\r".to_owned(),
                        "\\t" => "\t".to_owned(),
                        "\\\\" => "\\".to_owned(),
                        "\\'" => "'".to_owned(),
                        "\\$" => "$".to_owned(),
                        other => other
                            .strip_prefix("\\u{")
                            .and_then(|h| h.strip_suffix('}'))
                            .and_then(|h| u32::from_str_radix(h, 16).ok())
                            .and_then(char::from_u32)
                            .map_or_else(|| other.to_owned(), String::from),
                    };
                    push_text(&mut parts, &decoded);
                }
                "interpolation" => {
                    if let Some(inner) = child
                        .named_children(&mut child.walk())
                        .find(|n| !is_trivia(*n))
                    {
                        parts.push(StrPart::Interp(self.expr(inner)));
                    }
                }
                _ => {}
            }
        }
        parts
    }
}

fn is_trivia(node: Node<'_>) -> bool {
    matches!(node.kind(), "comment" | "diagnostic_comment")
}

fn first_named<'t>(node: Node<'t>, kind: &str) -> Option<Node<'t>> {
    let mut c = node.walk();
    node.named_children(&mut c).find(|n| n.kind() == kind)
}

fn unwrap_body(node: Node<'_>) -> Node<'_> {
    match node.kind() {
        "if_statement" => {
            let mut c = node.walk();
            node.named_children(&mut c)
                .filter(|n| !is_trivia(*n))
                .nth(1)
                .map_or(node, unwrap_body)
        }
        "for_statement" => node.child_by_field_name("body").map_or(node, unwrap_body),
        _ => node,
    }
}

fn collect_loop_vars(b: &Builder<'_>, node: Node<'_>, out: &mut Vec<String>) {
    if node.kind() == "for_statement" {
        if let ExprKind::For { vars, .. } = b.for_expr(node) {
            out.extend(vars);
        }
        if let Some(body) = node.child_by_field_name("body") {
            collect_loop_vars(b, body, out);
        }
    }
}

fn collect_identifiers(b: &Builder<'_>, node: Node<'_>, out: &mut Vec<String>) {
    if node.kind() == "identifier" {
        out.push(b.text(node).to_owned());
        return;
    }
    let mut c = node.walk();
    for child in node.named_children(&mut c) {
        collect_identifiers(b, child, out);
    }
}
