//! Semantic checks across the file set: symbols (undefined, unused, duplicate), modules
//! (paths, parameters, outputs, unused module files), parameter files against their
//! templates, parameter values against their decorators, placement of utcNow/newGuid,
//! resource names against Azure's naming rules, curated API versions and tags.

use std::collections::{BTreeMap, BTreeSet};

use super::ast::{Decorator, Expr, ExprKind, FileAst, FileKind, ParamDecl, Span, decorator};
use super::eval::{Ctx, Kind, Value};
use super::{Project, Sink, did_you_mean, functions};
use crate::bicep::rules::Severity;
use crate::bicep::types::{TypeIndex, TypeNode};
use crate::bicep::{api_versions, naming};

pub(crate) fn check(project: &Project, types: Option<&TypeIndex>, sink: &mut Sink) {
    // Module file index -> output names read by callers (None = all, e.g. `mod.outputs` whole).
    let mut outputs_read: BTreeMap<usize, Option<BTreeSet<String>>> = BTreeMap::new();
    for (index, file) in project.files.iter().enumerate() {
        duplicates(file, sink);
        symbols(file, sink);
        deployment_functions(file, sink);
        for p in &file.params {
            if file.kind == FileKind::Bicep
                && let Some(v) = &p.value
            {
                check_param_value(&Ctx::new(file), p, v, &file.path, sink, "default value");
            }
        }
        match file.kind {
            FileKind::Bicep => {
                modules(project, index, sink, &mut outputs_read);
                names(project, index, sink);
                api_version_table(file, sink);
                tags(file, types, sink);
            }
            FileKind::BicepParam => params_file(project, file, sink),
        }
    }
    for (index, file) in project.files.iter().enumerate() {
        if file.kind != FileKind::Bicep {
            continue;
        }
        let callers = project.callers(index);
        if callers.is_empty() {
            let p = file.path.replace('\\', "/");
            if p.starts_with("modules/") || p.contains("/modules/") {
                sink.add(&file.path, Span { line: 1, column: 1, end_line: 1, end_column: 1 }, "BCP-SEM-009", "no module declaration in the validated files references this module; remove it or add a `module` that deploys it");
            }
            continue;
        }
        match outputs_read.get(&index) {
            Some(None) => {}
            read => {
                let read = read.and_then(Option::as_ref);
                for o in &file.outputs {
                    if !read.is_some_and(|r| r.contains(&o.name)) {
                        sink.add(&file.path, o.span, "BCP-SEM-008", format!("output '{}' is never read by the {} module declaration(s) that deploy this file; remove it or use it", o.name, callers.len()));
                    }
                }
            }
        }
    }
}

fn duplicates(file: &FileAst, sink: &mut Sink) {
    let mut seen: BTreeMap<&str, Span> = BTreeMap::new();
    let mut names: Vec<(&str, Span)> = Vec::new();
    names.extend(file.params.iter().map(|p| (p.name.as_str(), p.span)));
    names.extend(file.vars.iter().map(|v| (v.name.as_str(), v.span)));
    names.extend(
        file.resources
            .iter()
            .filter(|r| r.lexical_parent.is_none())
            .map(|r| (r.symbol.as_str(), r.span)),
    );
    names.extend(file.modules.iter().map(|m| (m.symbol.as_str(), m.span)));
    for (name, span) in names {
        if let Some(first) = seen.get(name) {
            sink.add(
                &file.path,
                span,
                "BCP-SEM-014",
                format!(
                    "'{name}' is already declared on line {}; rename one of them",
                    first.line
                ),
            );
        } else {
            seen.insert(name, span);
        }
    }
    let mut outputs = BTreeSet::new();
    for o in &file.outputs {
        if !outputs.insert(o.name.as_str()) {
            sink.add(
                &file.path,
                o.span,
                "BCP-SEM-014",
                format!("output '{}' is declared twice", o.name),
            );
        }
    }
}

/// Every expression of a file with the locals in scope where it appears.
fn expressions(file: &FileAst) -> Vec<(&Expr, Vec<String>)> {
    let mut out: Vec<(&Expr, Vec<String>)> = Vec::new();
    fn decorators<'a>(ds: &'a [Decorator], out: &mut Vec<(&'a Expr, Vec<String>)>) {
        for d in ds {
            for a in &d.args {
                out.push((a, Vec::new()));
            }
        }
    }
    for p in &file.params {
        if let Some(v) = &p.value {
            out.push((v, Vec::new()));
        }
    }
    for p in &file.params {
        decorators(&p.decorators, &mut out);
    }
    for v in &file.vars {
        out.push((&v.value, Vec::new()));
    }
    for r in &file.resources {
        out.push((&r.value, r.loop_vars.clone()));
        decorators(&r.decorators, &mut out);
    }
    for m in &file.modules {
        out.push((&m.value, Vec::new()));
    }
    for o in &file.outputs {
        out.push((&o.value, Vec::new()));
        decorators(&o.decorators, &mut out);
    }
    out
}

/// Walks an expression keeping track of loop and lambda variables.
fn visit<'a>(e: &'a Expr, locals: &mut Vec<String>, f: &mut dyn FnMut(&'a Expr, &[String])) {
    f(e, locals);
    match &e.kind {
        ExprKind::For { vars, iter, body } => {
            visit(iter, locals, f);
            let n = locals.len();
            locals.extend(vars.iter().cloned());
            visit(body, locals, f);
            locals.truncate(n);
        }
        ExprKind::Lambda(params, body) => {
            let n = locals.len();
            locals.extend(params.iter().cloned());
            visit(body, locals, f);
            locals.truncate(n);
        }
        ExprKind::Str(parts) => {
            for p in parts {
                if let super::ast::StrPart::Interp(x) = p {
                    visit(x, locals, f);
                }
            }
        }
        ExprKind::Object(props) => props.iter().for_each(|p| visit(&p.value, locals, f)),
        ExprKind::Array(items) => items.iter().for_each(|i| visit(i, locals, f)),
        ExprKind::Member(o, _, _) | ExprKind::ResourceAccess(o, _) | ExprKind::Unary(_, o) => {
            visit(o, locals, f)
        }
        ExprKind::Index(a, b) | ExprKind::Binary(_, a, b) | ExprKind::If(a, b) => {
            visit(a, locals, f);
            visit(b, locals, f);
        }
        ExprKind::Call(callee, _, args) => {
            if let Some(c) = callee {
                visit(c, locals, f);
            }
            args.iter().for_each(|a| visit(a, locals, f));
        }
        ExprKind::Ternary(a, b, c) => {
            visit(a, locals, f);
            visit(b, locals, f);
            visit(c, locals, f);
        }
        ExprKind::Int(_)
        | ExprKind::Bool(_)
        | ExprKind::Null
        | ExprKind::Ident(_)
        | ExprKind::Other => {}
    }
}

fn symbols(file: &FileAst, sink: &mut Sink) {
    let mut declared: BTreeSet<&str> = BTreeSet::new();
    declared.extend(file.params.iter().map(|p| p.name.as_str()));
    declared.extend(file.vars.iter().map(|v| v.name.as_str()));
    declared.extend(file.resources.iter().map(|r| r.symbol.as_str()));
    declared.extend(file.modules.iter().map(|m| m.symbol.as_str()));
    declared.extend(file.other_symbols.iter().map(String::as_str));
    let user_functions: BTreeSet<&str> = file.other_symbols.iter().map(String::as_str).collect();
    let candidates: Vec<&str> = declared.iter().copied().collect();
    let mut used: BTreeSet<String> = BTreeSet::new();
    for (e, locals) in expressions(file) {
        let mut locals = locals;
        visit(e, &mut locals, &mut |x, scope| match &x.kind {
            ExprKind::Ident(name) => {
                // Empty names come from tokens the parser had to invent (reported as syntax).
                if name.is_empty()
                    || scope.contains(name)
                    || functions::NAMESPACES.contains(&name.as_str())
                {
                    return;
                }
                if declared.contains(name.as_str()) {
                    used.insert(name.clone());
                } else {
                    let hint = did_you_mean(name, &candidates)
                        .map(|s| format!("; did you mean '{s}'?"))
                        .unwrap_or_default();
                    sink.add(
                        &file.path,
                        x.span,
                        "BCP-SEM-001",
                        format!("'{name}' is not declared{hint}"),
                    );
                }
            }
            ExprKind::Call(None, name, _)
                if !functions::is_builtin(name)
                    && !user_functions.contains(name.as_str())
                    && !scope.contains(name) =>
            {
                let hint = did_you_mean(name, functions::all())
                    .map(|s| format!("; did you mean '{s}'?"))
                    .unwrap_or_default();
                sink.add(
                    &file.path,
                    x.span,
                    "BCP-SEM-001",
                    format!("'{name}' is not a Bicep function{hint}"),
                );
            }
            _ => {}
        });
    }
    // Resources reference their parent through `parent:` (an identifier, counted above) or
    // by nesting, which counts as a use.
    for r in &file.resources {
        if let Some(p) = &r.lexical_parent {
            used.insert(p.clone());
        }
    }
    if file.kind == FileKind::Bicep {
        for p in &file.params {
            if !used.contains(&p.name) {
                sink.add(
                    &file.path,
                    p.span,
                    "BCP-SEM-002",
                    format!("parameter '{}' is never used; remove it or use it", p.name),
                );
            }
        }
    }
    for v in &file.vars {
        if !used.contains(&v.name) {
            sink.add(
                &file.path,
                v.span,
                "BCP-SEM-003",
                format!("variable '{}' is never used; remove it or use it", v.name),
            );
        }
    }
}

fn deployment_functions(file: &FileAst, sink: &mut Sink) {
    let mut exprs: Vec<&Expr> = file.vars.iter().map(|v| &v.value).collect();
    exprs.extend(file.resources.iter().map(|r| &r.value));
    exprs.extend(file.modules.iter().map(|m| &m.value));
    exprs.extend(file.outputs.iter().map(|o| &o.value));
    for e in exprs {
        e.walk(&mut |x| {
            if let ExprKind::Call(_, name, _) = &x.kind
                && (name.eq_ignore_ascii_case("utcNow") || name.eq_ignore_ascii_case("newGuid"))
            {
                sink.add(&file.path, x.span, "BCP-SEM-015", format!("{name}() can only be used as a parameter default value; declare `param x string = {name}()` and use the parameter"));
            }
        });
    }
}

/// Checks a value given to a parameter (default, module argument or parameters-file
/// assignment) against the parameter's declared type and decorators.
fn check_param_value(
    ctx: &Ctx<'_>,
    p: &ParamDecl,
    value: &Expr,
    path: &str,
    sink: &mut Sink,
    what: &str,
) {
    let declared = Kind::of_declared(&p.ty);
    let got = ctx.kind(value);
    if declared != Kind::Any && got != Kind::Any && got != declared && got != Kind::Null {
        sink.add(
            path,
            value.span,
            "BCP-SEM-016",
            format!(
                "{what} for '{}' is {}, but the parameter is declared {}",
                p.name,
                got.name(),
                p.ty
            ),
        );
        return;
    }
    let constant = ctx.value(value);
    if let Some(allowed) = allowed_values(p, ctx.file)
        && let Some(v) = &constant
        && !allowed.contains(v)
    {
        let list: Vec<String> = allowed.iter().map(show).collect();
        sink.add(
            path,
            value.span,
            "BCP-SEM-016",
            format!(
                "{what} {} for '{}' is not one of @allowed {}",
                show(v),
                p.name,
                list.join(", ")
            ),
        );
    }
    let bound_of = |name: &str| -> Option<i64> { int_decorator(p, ctx.file, name) };
    if declared == Kind::Str || got == Kind::Str {
        let b = ctx.bound(value);
        if let Some(max) = bound_of("maxLength")
            && b.min_len() as i64 > max
        {
            sink.add(
                path,
                value.span,
                "BCP-SEM-016",
                format!(
                    "{what} for '{}' is at least {} characters; @maxLength is {max}",
                    p.name,
                    b.min_len()
                ),
            );
        } else if let (Some(max), Some(len)) = (bound_of("maxLength"), b.max_len())
            && len as i64 > max
        {
            sink.add(
                path,
                value.span,
                "BCP-SEM-016",
                format!(
                    "{what} for '{}' can be {len} characters; @maxLength is {max}",
                    p.name
                ),
            );
        }
        if let (Some(min), Some(len)) = (bound_of("minLength"), b.max_len())
            && (len as i64) < min
        {
            sink.add(
                path,
                value.span,
                "BCP-SEM-016",
                format!(
                    "{what} for '{}' is at most {len} characters; @minLength is {min}",
                    p.name
                ),
            );
        }
    }
    if let Some(Value::Int(v)) = constant {
        if let Some(min) = bound_of("minValue")
            && v < min
        {
            sink.add(
                path,
                value.span,
                "BCP-SEM-016",
                format!("{what} {v} for '{}' is below @minValue {min}", p.name),
            );
        }
        if let Some(max) = bound_of("maxValue")
            && v > max
        {
            sink.add(
                path,
                value.span,
                "BCP-SEM-016",
                format!("{what} {v} for '{}' is above @maxValue {max}", p.name),
            );
        }
    }
}

fn allowed_values(p: &ParamDecl, file: &FileAst) -> Option<Vec<Value>> {
    let arg = decorator(&p.decorators, "allowed")?.args.first()?;
    match Ctx::new(file).value(arg)? {
        Value::Array(v) => Some(v),
        _ => None,
    }
}

fn int_decorator(p: &ParamDecl, file: &FileAst, name: &str) -> Option<i64> {
    let arg = decorator(&p.decorators, name)?.args.first()?;
    match Ctx::new(file).value(arg)? {
        Value::Int(i) => Some(i),
        _ => None,
    }
}

fn show(v: &Value) -> String {
    match v {
        Value::Str(s) => format!("'{s}'"),
        Value::Int(i) => i.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Null => "null".to_owned(),
        Value::Array(_) => "[...]".to_owned(),
        Value::Object(_) => "{...}".to_owned(),
    }
}

fn param_required(p: &ParamDecl) -> bool {
    p.value.is_none() && !p.ty.trim().ends_with('?')
}

fn modules(
    project: &Project,
    index: usize,
    sink: &mut Sink,
    outputs_read: &mut BTreeMap<usize, Option<BTreeSet<String>>>,
) {
    let file = &project.files[index];
    let ctx = Ctx::new(file);
    for m in &file.modules {
        if m.path.starts_with("br:")
            || m.path.starts_with("br/")
            || m.path.starts_with("ts:")
            || m.path.starts_with("ts/")
        {
            continue;
        }
        let Some(target) = project.resolve(&file.path, &m.path) else {
            sink.add(&file.path, m.path_span, "BCP-SEM-004", format!("module file '{}' is not among the validated files; check the path (relative to this file) or include the file", m.path));
            continue;
        };
        let module = &project.files[target];
        let body = m.value.body();
        if let Some(props) = body.as_object() {
            for p in props {
                const KEYS: &[&str] = &["name", "params", "scope", "dependsOn", "identity"];
                if !KEYS.iter().any(|k| k.eq_ignore_ascii_case(&p.key)) {
                    let hint = did_you_mean(&p.key, KEYS)
                        .map(|s| format!("did you mean '{s}'? "))
                        .unwrap_or_default();
                    sink.add(
                        &file.path,
                        p.key_span,
                        "BCP-TYP-001",
                        format!(
                            "'{}' is not a module property; {hint}allowed: {}",
                            p.key,
                            KEYS.join(", ")
                        ),
                    );
                }
            }
        }
        let given = body.get("params");
        let given_props = given.and_then(Expr::as_object).unwrap_or(&[]);
        let declared: Vec<&str> = module.params.iter().map(|p| p.name.as_str()).collect();
        for gp in given_props {
            match module.param(&gp.key) {
                None => {
                    let hint = did_you_mean(&gp.key, &declared)
                        .map(|s| format!("did you mean '{s}'? "))
                        .unwrap_or_default();
                    sink.add(
                        &file.path,
                        gp.key_span,
                        "BCP-SEM-005",
                        format!(
                            "module '{}' has no parameter '{}'; {hint}it declares: {}",
                            m.path,
                            gp.key,
                            declared.join(", ")
                        ),
                    );
                }
                Some(p) => check_param_value(&ctx, p, &gp.value, &file.path, sink, "value"),
            }
        }
        // Only an object literal shows which parameters are given.
        if given.is_none_or(|g| g.as_object().is_some()) {
            for p in &module.params {
                if param_required(p) && !given_props.iter().any(|g| g.key == p.name) {
                    sink.add(
                        &file.path,
                        m.span,
                        "BCP-SEM-006",
                        format!(
                            "module '{}' needs parameter '{}' (it has no default)",
                            m.path, p.name
                        ),
                    );
                }
            }
        }
    }
    // Output reads: `mod.outputs.x` / `mod.outputs['x']` / `mod.outputs`.
    let module_files: BTreeMap<&str, Option<usize>> = file
        .modules
        .iter()
        .map(|m| (m.symbol.as_str(), project.resolve(&file.path, &m.path)))
        .collect();
    let module_outputs = |e: &Expr| -> Option<(String, usize)> {
        let ExprKind::Member(inner, prop, _) = &e.kind else {
            return None;
        };
        let ExprKind::Ident(sym) = &inner.kind else {
            return None;
        };
        match module_files.get(sym.as_str()) {
            Some(Some(t)) if prop == "outputs" => Some((sym.clone(), *t)),
            _ => None,
        }
    };
    // `mod.outputs` nodes that are read one output at a time (the others are used whole).
    let mut consumed: Vec<Span> = Vec::new();
    for (e, _) in expressions(file) {
        e.walk(&mut |x| {
            let (object, name, span) = match &x.kind {
                ExprKind::Member(o, name, span) => (o, Some(name.clone()), *span),
                ExprKind::Index(o, i) => (o, i.as_plain_str().map(str::to_owned), i.span),
                _ => return,
            };
            let Some((sym, target)) = module_outputs(object) else {
                return;
            };
            let Some(name) = name else { return };
            consumed.push(object.span);
            let module = &project.files[target];
            if module.outputs.iter().any(|o| o.name == name) {
                if let Some(set) = outputs_read
                    .entry(target)
                    .or_insert_with(|| Some(BTreeSet::new()))
                {
                    set.insert(name);
                }
            } else {
                let declared: Vec<&str> = module.outputs.iter().map(|o| o.name.as_str()).collect();
                let hint = did_you_mean(&name, &declared)
                    .map(|s| format!("did you mean '{s}'? "))
                    .unwrap_or_default();
                let m = file
                    .module(&sym)
                    .map_or(module.path.as_str(), |m| m.path.as_str());
                sink.add(
                    &file.path,
                    span,
                    "BCP-SEM-007",
                    format!(
                        "module '{sym}' ({m}) has no output '{name}'; {hint}it declares: {}",
                        declared.join(", ")
                    ),
                );
            }
        });
    }
    for (e, _) in expressions(file) {
        e.walk(&mut |x| {
            if let Some((_, target)) = module_outputs(x)
                && !consumed.contains(&x.span)
            {
                outputs_read.insert(target, None);
            }
        });
    }
}

fn params_file(project: &Project, file: &FileAst, sink: &mut Sink) {
    let Some((using, span)) = &file.using else {
        sink.add(
            &file.path,
            Span {
                line: 1,
                column: 1,
                end_line: 1,
                end_column: 1,
            },
            "BCP-SEM-013",
            "a parameters file needs `using '<template>.bicep'` as its first statement",
        );
        return;
    };
    let Some(target) = project.resolve(&file.path, using) else {
        sink.add(&file.path, *span, "BCP-SEM-013", format!("template '{using}' is not among the validated files; check the path (relative to this file)"));
        return;
    };
    let template = &project.files[target];
    let declared: Vec<&str> = template.params.iter().map(|p| p.name.as_str()).collect();
    let ctx = Ctx::new(file);
    for a in &file.params {
        match template.param(&a.name) {
            None => {
                let hint = did_you_mean(&a.name, &declared)
                    .map(|s| format!("did you mean '{s}'? "))
                    .unwrap_or_default();
                sink.add(
                    &file.path,
                    a.span,
                    "BCP-SEM-013",
                    format!(
                        "'{}' declares no parameter '{}'; {hint}it declares: {}",
                        using,
                        a.name,
                        declared.join(", ")
                    ),
                );
            }
            Some(p) => {
                if let Some(v) = &a.value {
                    check_param_value(&ctx, p, v, &file.path, sink, "value");
                }
            }
        }
    }
    for p in &template.params {
        if param_required(p) && !file.params.iter().any(|a| a.name == p.name) {
            sink.add(
                &file.path,
                *span,
                "BCP-SEM-013",
                format!(
                    "parameter '{}' of '{using}' has no default and is not set here",
                    p.name
                ),
            );
        }
    }
}

/// Resource names against Azure's naming rules. A name that is a parameter of a module is
/// checked with each value the callers pass.
fn names(project: &Project, index: usize, sink: &mut Sink) {
    let file = &project.files[index];
    for r in &file.resources {
        if r.existing {
            continue;
        }
        let Some(rule) = naming::rule_for(&r.resource_type) else {
            continue;
        };
        let Some(name_expr) = r.value.body().get("name") else {
            continue;
        };
        let ctx = Ctx {
            file,
            locals: &r.loop_vars,
        };
        let mut candidates: Vec<(String, Span, super::eval::StrBound)> = Vec::new();
        let forwarded = match &name_expr.kind {
            ExprKind::Ident(n) if file.param(n).is_some() && file.var(n).is_none() => {
                Some(n.clone())
            }
            _ => None,
        };
        match forwarded {
            Some(param) => {
                let own = ctx.bound(name_expr);
                candidates.push((file.path.clone(), name_expr.span, own));
                for (ci, m) in project.callers(index) {
                    let caller = &project.files[ci];
                    if let Some(v) = m.value.body().get("params").and_then(|p| p.get(&param)) {
                        candidates.push((caller.path.clone(), v.span, Ctx::new(caller).bound(v)));
                    }
                }
            }
            None => candidates.push((file.path.clone(), name_expr.span, ctx.bound(name_expr))),
        }
        for (path, span, bound) in candidates {
            let problems = bound.violations(rule);
            if !problems.is_empty() {
                sink.add(
                    &path,
                    span,
                    "BCP-SEM-011",
                    format!(
                        "{} '{}': {}",
                        rule.resource_type,
                        r.symbol,
                        problems.join("; ")
                    ),
                );
            }
        }
    }
}

fn api_version_table(file: &FileAst, sink: &mut Sink) {
    for r in &file.resources {
        let Some(api) = &r.api_version else { continue };
        let Some(list) = api_versions::curated(&r.resource_type) else {
            continue;
        };
        if !list.contains(&api.as_str()) {
            let latest = api_versions::latest(&r.resource_type).unwrap_or("");
            sink.add_with(
                &file.path,
                r.type_span,
                "BCP-SEM-010",
                Severity::Warning,
                format!(
                    "API version {api} of {} is not in the curated table (checked {}); use {latest} or another of {}",
                    r.resource_type,
                    api_versions::CHECKED_ON,
                    list.join(", ")
                ),
            );
        }
    }
}

/// Top-level types that carry tags when no type data says otherwise.
fn taggable_without_types(resource_type: &str) -> bool {
    let lower = resource_type.to_ascii_lowercase();
    lower.matches('/').count() == 1
        && ![
            "microsoft.authorization/",
            "microsoft.insights/diagnosticsettings",
            "microsoft.resources/deployments",
            "microsoft.consumption/",
        ]
        .iter()
        .any(|p| lower.starts_with(p))
}

fn tags(file: &FileAst, types: Option<&TypeIndex>, sink: &mut Sink) {
    for r in &file.resources {
        if r.existing {
            continue;
        }
        let body = r.value.body();
        if body.as_object().is_none() || body.get("tags").is_some() {
            continue;
        }
        let taggable = match (types, &r.api_version) {
            (Some(t), Some(api)) => match t.resource(&r.resource_type, api) {
                Ok(Some(rt)) => match t.node(rt.body) {
                    Ok(TypeNode::Object { properties, .. }) => properties
                        .iter()
                        .any(|p| p.name == "tags" && !p.read_only()),
                    _ => false,
                },
                _ => taggable_without_types(&r.resource_type),
            },
            _ => taggable_without_types(&r.resource_type),
        };
        if taggable {
            sink.add(&file.path, r.span, "BCP-SEM-012", format!("{} '{}' has no tags; add `tags: tags` (environment, project, cost-center, owner, ...)", r.resource_type, r.symbol));
        }
    }
}
