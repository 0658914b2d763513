//! Resource bodies against the Azure resource type definitions, as the Bicep compiler
//! checks them: unknown properties (with a did-you-mean), value types, enum values,
//! required and read-only properties, string pattern and length, integer and array limits.
//! Problems at the top level of a body are errors; deeper ones are warnings, because the
//! REST specifications behind the type data are often incomplete below the top level.
//!
//! A resource whose type or API version is not in the data (or when no data is loaded) is
//! recorded as unchecked and reported as information, never as valid.

use super::ast::{Expr, ExprKind, Prop, Span};
use super::eval::{Ctx, Kind, Value};
use super::{Project, Sink, did_you_mean};
use crate::bicep::rules::Severity;
use crate::bicep::types::{Property, TypeIndex, TypeNode, TypeRef};

/// Keys Bicep allows at the top of any resource body besides the type's own properties.
const BICEP_BODY_KEYS: &[&str] = &["parent", "scope", "dependsOn"];

pub(crate) fn check(project: &Project, types: Option<&TypeIndex>, sink: &mut Sink) {
    for file in &project.files {
        for r in &file.resources {
            let Some(api) = r.api_version.as_deref() else {
                sink.add_with(
                    &file.path,
                    r.type_span,
                    "BCP-SEM-010",
                    Severity::Error,
                    format!(
                        "resource type '{}' has no API version; write it as '{}@<apiVersion>'",
                        r.type_text, r.resource_type
                    ),
                );
                continue;
            };
            let Some(types) = types else {
                sink.unchecked(
                    &file.path,
                    r.span.line,
                    &r.resource_type,
                    api,
                    "no resource type data loaded",
                );
                sink.add(
                    &file.path,
                    r.type_span,
                    "BCP-TYP-008",
                    format!(
                        "{}@{api} was not type-checked: no resource type data is loaded",
                        r.resource_type
                    ),
                );
                continue;
            };
            let resolved = match types.resource(&r.resource_type, api) {
                Ok(Some(t)) => t,
                Ok(None) => {
                    let known = types.api_versions(&r.resource_type);
                    let reason = if known.is_empty() {
                        format!("{} is not in the type data", r.resource_type)
                    } else {
                        format!(
                            "API version {api} is not in the type data (it has {})",
                            known.join(", ")
                        )
                    };
                    sink.unchecked(
                        &file.path,
                        r.span.line,
                        &r.resource_type,
                        api,
                        reason.clone(),
                    );
                    sink.add(
                        &file.path,
                        r.type_span,
                        "BCP-TYP-008",
                        format!("{}@{api} was not type-checked: {reason}", r.resource_type),
                    );
                    continue;
                }
                Err(e) => {
                    sink.unchecked(&file.path, r.span.line, &r.resource_type, api, e.clone());
                    sink.add(
                        &file.path,
                        r.type_span,
                        "BCP-TYP-008",
                        format!("{}@{api} was not type-checked: {e}", r.resource_type),
                    );
                    continue;
                }
            };
            let body = r.value.body();
            let Some(props) = body.as_object() else {
                continue;
            };
            let mut checker = Checker {
                types,
                ctx: Ctx {
                    file,
                    locals: &r.loop_vars,
                },
                path: &file.path,
                sink,
                depth: 0,
            };
            if r.existing {
                checker.check_existing(props);
            } else {
                checker.check_object(props, r.span, resolved.body, 0, true);
            }
        }
    }
}

struct Checker<'a, 's> {
    types: &'a TypeIndex,
    ctx: Ctx<'a>,
    path: &'a str,
    sink: &'s mut Sink,
    depth: u32,
}

fn severity(level: usize) -> Severity {
    if level == 0 {
        Severity::Error
    } else {
        Severity::Warning
    }
}

impl<'a> Checker<'a, '_> {
    /// Type nodes live as long as the index, independent of the checker's borrows.
    fn node(&self, t: TypeRef) -> Option<&'a TypeNode> {
        let types: &'a TypeIndex = self.types;
        types.node(t).ok()
    }

    /// `existing` bodies may only name and place the resource.
    fn check_existing(&mut self, props: &[Prop]) {
        for p in props {
            if !["name", "scope", "parent"]
                .iter()
                .any(|k| k.eq_ignore_ascii_case(&p.key))
            {
                self.sink.add_with(self.path, p.key_span, "BCP-TYP-001", Severity::Error, format!("property '{}' cannot be set on an `existing` resource; only name, scope and parent", p.key));
            }
        }
    }

    /// Checks an object literal whose keys are at `level` against an object or
    /// discriminated type.
    fn check_object(&mut self, props: &[Prop], at: Span, t: TypeRef, level: usize, is_body: bool) {
        let Some(node) = self.node(t) else { return };
        match node {
            TypeNode::Object {
                name,
                properties,
                additional,
                ..
            } => {
                let defined: Vec<&Property> = properties.iter().collect();
                self.check_props(props, at, &defined, *additional, level, is_body, name);
            }
            TypeNode::Discriminated {
                name,
                discriminator,
                base,
                elements,
            } => {
                let Some(dp) = props
                    .iter()
                    .find(|p| p.key.eq_ignore_ascii_case(discriminator))
                else {
                    self.sink.add_with(
                        self.path,
                        at,
                        "BCP-TYP-004",
                        severity(level),
                        format!(
                            "{name} needs '{discriminator}' (one of {})",
                            join_keys(elements)
                        ),
                    );
                    return;
                };
                let Some(Value::Str(value)) = self.ctx.value(&dp.value) else {
                    // Shape unknown until deployment: check only what every variant shares.
                    for p in props {
                        if let Some(bp) = base.iter().find(|b| b.name.eq_ignore_ascii_case(&p.key))
                        {
                            self.check_value(&p.value, bp.ty, level, &p.key);
                        }
                    }
                    return;
                };
                let Some((_, element)) = elements
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(&value))
                else {
                    let keys: Vec<&str> = elements.iter().map(|(k, _)| k.as_str()).collect();
                    let hint = did_you_mean(&value, &keys)
                        .map(|s| format!("did you mean '{s}'? "))
                        .unwrap_or_default();
                    self.sink.add_with(self.path, dp.value.span, "BCP-TYP-009", severity(level), format!("'{value}' is not a known {discriminator} for {name}; {hint}allowed: {}", keys.join(", ")));
                    return;
                };
                let Some(TypeNode::Object {
                    name: el_name,
                    properties,
                    additional,
                    ..
                }) = self.node(*element)
                else {
                    return;
                };
                let merged: Vec<&Property> = base.iter().chain(properties).collect();
                self.check_props(props, at, &merged, *additional, level, is_body, el_name);
            }
            _ => {}
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn check_props(
        &mut self,
        props: &[Prop],
        at: Span,
        defined: &[&Property],
        additional: Option<TypeRef>,
        level: usize,
        is_body: bool,
        type_name: &str,
    ) {
        for p in props {
            if is_body
                && BICEP_BODY_KEYS
                    .iter()
                    .any(|k| k.eq_ignore_ascii_case(&p.key))
            {
                continue;
            }
            match defined.iter().find(|d| d.name.eq_ignore_ascii_case(&p.key)) {
                Some(d) if d.read_only() => {
                    self.sink.add_with(
                        self.path,
                        p.key_span,
                        "BCP-TYP-005",
                        severity(level),
                        format!(
                            "'{}' of {type_name} is read-only: Azure sets it; remove it",
                            d.name
                        ),
                    );
                }
                Some(d) => self.check_value(&p.value, d.ty, level, &d.name),
                None => match additional {
                    Some(extra) => self.check_value(&p.value, extra, level, &p.key),
                    None => {
                        let writable: Vec<&str> = defined
                            .iter()
                            .filter(|d| !d.read_only())
                            .map(|d| d.name.as_str())
                            .collect();
                        let hint = match did_you_mean(&p.key, &writable) {
                            Some(s) => format!("did you mean '{s}'?"),
                            None => format!("allowed: {}", writable.join(", ")),
                        };
                        self.sink.add_with(
                            self.path,
                            p.key_span,
                            "BCP-TYP-001",
                            severity(level),
                            format!("'{}' is not a property of {type_name}; {hint}", p.key),
                        );
                    }
                },
            }
        }
        for d in defined {
            if d.required()
                && !d.read_only()
                && !props.iter().any(|p| p.key.eq_ignore_ascii_case(&d.name))
            {
                // With `parent`, the name still has to be given; nothing else is implied.
                self.sink.add_with(
                    self.path,
                    at,
                    "BCP-TYP-004",
                    severity(level),
                    format!(
                        "{type_name} requires '{}'{}",
                        d.name,
                        d.description
                            .as_deref()
                            .map(|s| format!(" ({})", first_sentence(s)))
                            .unwrap_or_default()
                    ),
                );
            }
        }
    }

    /// Checks the value of a key at `level` against type `t`.
    fn check_value(&mut self, e: &Expr, t: TypeRef, level: usize, key: &str) {
        if self.depth > 64 {
            return;
        }
        self.depth += 1;
        self.check_value_inner(e, t, level, key);
        self.depth -= 1;
    }

    fn check_value_inner(&mut self, e: &Expr, t: TypeRef, level: usize, key: &str) {
        match &e.kind {
            ExprKind::Ternary(_, a, b) => {
                self.check_value(a, t, level, key);
                self.check_value(b, t, level, key);
                return;
            }
            ExprKind::Null => return,
            _ => {}
        }
        let Some(node) = self.node(t) else { return };
        let kind = self.ctx.kind(e);
        let sev = severity(level);
        match node {
            TypeNode::Any
            | TypeNode::Unsupported(_)
            | TypeNode::Resource { .. }
            | TypeNode::Null => {}
            TypeNode::Boolean => self.expect_kind(e, kind, Kind::Bool, sev, key),
            TypeNode::Integer { min, max } => {
                self.expect_kind(e, kind, Kind::Int, sev, key);
                if let Some(Value::Int(v)) = self.ctx.value(e)
                    && (min.is_some_and(|m| v < m) || max.is_some_and(|m| v > m))
                {
                    self.sink.add_with(
                        self.path,
                        e.span,
                        "BCP-TYP-007",
                        sev,
                        format!(
                            "'{key}' is {v}; allowed {}..{}",
                            min.map_or("".into(), |m| m.to_string()),
                            max.map_or("".into(), |m| m.to_string())
                        ),
                    );
                }
            }
            TypeNode::String {
                min_length,
                max_length,
                pattern,
                ..
            } => {
                self.expect_kind(e, kind, Kind::Str, sev, key);
                for value in self.string_values(e) {
                    let len = value.chars().count() as u64;
                    if min_length.is_some_and(|m| len < m) || max_length.is_some_and(|m| len > m) {
                        self.sink.add_with(self.path, e.span, "BCP-TYP-006", sev, format!("'{key}' value '{value}' is {len} characters; allowed length {}..{}", min_length.map_or("".into(), |m| m.to_string()), max_length.map_or("".into(), |m| m.to_string())));
                    }
                    if let Some(p) = &pattern
                        && p.matches(&value) == Some(false)
                    {
                        self.sink.add_with(
                            self.path,
                            e.span,
                            "BCP-TYP-006",
                            sev,
                            format!(
                                "'{key}' value '{value}' does not match the pattern {}",
                                p.source
                            ),
                        );
                    }
                }
            }
            TypeNode::StringLiteral(lit) => {
                self.check_enum(e, kind, std::slice::from_ref(lit), false, sev, key)
            }
            TypeNode::Union(elements) => {
                let nodes: Vec<&TypeNode> =
                    elements.iter().filter_map(|el| self.node(*el)).collect();
                let literals: Vec<String> = nodes
                    .iter()
                    .filter_map(|n| {
                        if let TypeNode::StringLiteral(s) = n {
                            Some(s.clone())
                        } else {
                            None
                        }
                    })
                    .collect();
                let open = nodes
                    .iter()
                    .any(|n| matches!(n, TypeNode::String { .. } | TypeNode::Any));
                let other_kinds: Vec<Kind> = nodes
                    .iter()
                    .filter_map(|n| match n {
                        TypeNode::Boolean => Some(Kind::Bool),
                        TypeNode::Integer { .. } => Some(Kind::Int),
                        TypeNode::Object { .. } | TypeNode::Discriminated { .. } => {
                            Some(Kind::Object)
                        }
                        TypeNode::Array { .. } => Some(Kind::Array),
                        TypeNode::Null => Some(Kind::Null),
                        _ => None,
                    })
                    .collect();
                if other_kinds.is_empty() && !literals.is_empty() {
                    self.check_enum(e, kind, &literals, open, sev, key);
                } else if kind != Kind::Any
                    && !other_kinds.contains(&kind)
                    && !(kind == Kind::Str && (open || !literals.is_empty()))
                {
                    self.sink.add_with(
                        self.path,
                        e.span,
                        "BCP-TYP-002",
                        sev,
                        format!(
                            "'{key}' expects {}, got {}",
                            union_names(&nodes),
                            kind.name()
                        ),
                    );
                } else if kind == Kind::Object
                    && let Some(obj) = self.object_literal(e)
                {
                    // A single object variant: check against it.
                    let objs: Vec<TypeRef> = elements
                        .iter()
                        .filter(|el| {
                            matches!(
                                self.node(**el),
                                Some(TypeNode::Object { .. } | TypeNode::Discriminated { .. })
                            )
                        })
                        .copied()
                        .collect();
                    if let [only] = objs.as_slice() {
                        let (props, span) = (obj.0.to_vec(), obj.1);
                        self.check_object(&props, span, *only, level + 1, false);
                    }
                }
            }
            TypeNode::Array {
                item,
                min_length,
                max_length,
            } => {
                self.expect_kind(e, kind, Kind::Array, sev, key);
                match &e.kind {
                    ExprKind::Array(items) => {
                        let n = items.len() as u64;
                        if min_length.is_some_and(|m| n < m) || max_length.is_some_and(|m| n > m) {
                            self.sink.add_with(
                                self.path,
                                e.span,
                                "BCP-TYP-007",
                                sev,
                                format!(
                                    "'{key}' has {n} items; allowed {}..{}",
                                    min_length.map_or("".into(), |m| m.to_string()),
                                    max_length.map_or("".into(), |m| m.to_string())
                                ),
                            );
                        }
                        for i in items {
                            self.check_value(i, *item, level + 1, key);
                        }
                    }
                    ExprKind::For { body, .. } => self.check_value(body, *item, level + 1, key),
                    ExprKind::Ident(name) if !self.ctx.locals.contains(name) => {
                        if let Some(v) = self.ctx.file.var(name).map(|v| v.value.clone()) {
                            self.check_value(&v, t, level, key);
                        }
                    }
                    _ => {}
                }
            }
            TypeNode::Object { .. } | TypeNode::Discriminated { .. } => {
                self.expect_kind(e, kind, Kind::Object, sev, key);
                if let Some((props, span)) = self.object_literal(e) {
                    let props = props.to_vec();
                    self.check_object(&props, span, t, level + 1, false);
                }
            }
        }
    }

    /// The object literal an expression is, directly or through a variable.
    fn object_literal<'e>(&'e self, e: &'e Expr) -> Option<(&'e [Prop], Span)> {
        match &e.kind {
            ExprKind::Object(props) => Some((props, e.span)),
            ExprKind::Ident(name) if !self.ctx.locals.contains(name) => {
                let v = self.ctx.file.var(name)?;
                match &v.value.kind {
                    ExprKind::Object(props) => Some((props, v.value.span)),
                    _ => None,
                }
            }
            _ => None,
        }
    }

    /// The possible string values of an expression: its constant value, or a parameter's
    /// `@allowed` list.
    fn string_values(&self, e: &Expr) -> Vec<String> {
        if let ExprKind::Ident(name) = &e.kind
            && let Some(p) = self.ctx.file.param(name)
            && let Some(allowed) =
                super::ast::decorator(&p.decorators, "allowed").and_then(|d| d.args.first())
            && let Some(Value::Array(values)) = self.ctx.value(allowed)
        {
            return values
                .into_iter()
                .filter_map(|v| if let Value::Str(s) = v { Some(s) } else { None })
                .collect();
        }
        match self.ctx.value(e) {
            Some(Value::Str(s)) => vec![s],
            _ => Vec::new(),
        }
    }

    fn expect_kind(&mut self, e: &Expr, got: Kind, want: Kind, sev: Severity, key: &str) {
        if got != Kind::Any && got != want && got != Kind::Null {
            self.sink.add_with(
                self.path,
                e.span,
                "BCP-TYP-002",
                sev,
                format!("'{key}' expects {}, got {}", want.name(), got.name()),
            );
        }
    }

    fn check_enum(
        &mut self,
        e: &Expr,
        kind: Kind,
        allowed: &[String],
        open: bool,
        sev: Severity,
        key: &str,
    ) {
        if kind != Kind::Any && kind != Kind::Str && kind != Kind::Null {
            self.sink.add_with(
                self.path,
                e.span,
                "BCP-TYP-002",
                sev,
                format!(
                    "'{key}' expects one of {}, got {}",
                    quote_list(allowed),
                    kind.name()
                ),
            );
            return;
        }
        if open {
            return;
        }
        for value in self.string_values(e) {
            if !allowed.iter().any(|a| a == &value) {
                let refs: Vec<&str> = allowed.iter().map(String::as_str).collect();
                let hint = did_you_mean(&value, &refs)
                    .map(|s| format!("did you mean '{s}'? "))
                    .unwrap_or_default();
                self.sink.add_with(
                    self.path,
                    e.span,
                    "BCP-TYP-003",
                    sev,
                    format!(
                        "'{key}' cannot be '{value}'; {hint}allowed: {}",
                        quote_list(allowed)
                    ),
                );
            }
        }
    }
}

fn join_keys(elements: &[(String, TypeRef)]) -> String {
    elements
        .iter()
        .map(|(k, _)| k.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

fn quote_list(items: &[String]) -> String {
    items
        .iter()
        .map(|s| format!("'{s}'"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn union_names(nodes: &[&TypeNode]) -> String {
    let mut names: Vec<&str> = nodes
        .iter()
        .map(|n| match n {
            TypeNode::Boolean => "bool",
            TypeNode::Integer { .. } => "int",
            TypeNode::String { .. } | TypeNode::StringLiteral(_) => "string",
            TypeNode::Object { .. } | TypeNode::Discriminated { .. } => "object",
            TypeNode::Array { .. } => "array",
            TypeNode::Null => "null",
            _ => "any",
        })
        .collect();
    names.sort_unstable();
    names.dedup();
    names.join(" | ")
}

fn first_sentence(s: &str) -> &str {
    let s = s.trim();
    let end = s.find(". ").map_or(s.len(), |i| i + 1);
    let cut = &s[..end];
    if cut.len() > 120 {
        cut.get(..120).unwrap_or(cut)
    } else {
        cut
    }
}
