//! `validate`: checks a set of Bicep and `.bicepparam` files without a Bicep compiler.
//!
//! Passes, in order: syntax (tree-sitter-bicep; every ERROR/MISSING node is a diagnostic),
//! resource types (bodies against the bicep-types data, when loaded), semantics (symbols,
//! modules, parameter files, names, API versions, tags) and security rules. Diagnostics
//! carry file, line, column, rule ID and severity; `#disable-next-line <id or name>`
//! comments suppress a rule on the next line, as in Bicep's own linter. The report says
//! which checks ran, and that no compiler did.

pub mod ast;
pub mod eval;
mod functions;
mod security;
mod semantics;
mod syntax;
mod typecheck;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::rules::{self, Severity};
use super::types::TypeIndex;
use ast::{FileAst, FileKind, Span};

/// One file to validate: its path (relative, `/`-separated; module paths are resolved
/// against it) and its text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct SourceFile {
    /// Relative path, e.g. `infrastructure/bicep/main.bicep`.
    pub path: String,
    /// File content.
    pub content: String,
}

impl SourceFile {
    /// Convenience constructor.
    #[must_use]
    pub fn new(path: impl Into<String>, content: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            content: content.into(),
        }
    }
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Diagnostic {
    /// File path as given.
    pub file: String,
    /// 1-based line.
    pub line: u32,
    /// 1-based column (characters).
    pub column: u32,
    /// Line where the range ends.
    pub end_line: u32,
    /// Column after the range.
    pub end_column: u32,
    /// Stable rule ID, e.g. `BCP-SEC-001` (documented in docs/bicep-rules.md).
    pub rule_id: String,
    /// Rule name, e.g. `app-https-only`.
    pub rule_name: String,
    /// Severity.
    pub severity: Severity,
    /// What is wrong and how to fix it.
    pub message: String,
}

/// A resource whose body could not be checked against type data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct UncheckedResource {
    /// File path.
    pub file: String,
    /// Line of the declaration.
    pub line: u32,
    /// Resource type.
    pub resource_type: String,
    /// API version.
    pub api_version: String,
    /// Why it was not checked.
    pub reason: String,
}

/// A check that ran.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct CheckRun {
    /// Short name: syntax, types, semantics, security.
    pub name: String,
    /// What it covered.
    pub description: String,
}

/// The result of validating a file set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct ValidationReport {
    /// Findings, sorted by file, line and column.
    pub diagnostics: Vec<Diagnostic>,
    /// Number of errors.
    pub errors: usize,
    /// Number of warnings.
    pub warnings: usize,
    /// Number of informational findings.
    pub infos: usize,
    /// Findings silenced by `#disable-next-line` comments.
    pub suppressed: usize,
    /// Files validated.
    pub files: usize,
    /// Checks that ran.
    pub checks_run: Vec<CheckRun>,
    /// Checks that did not run, and why.
    pub checks_not_run: Vec<String>,
    /// Resources whose bodies were not type-checked (never counted as valid).
    pub unchecked_resources: Vec<UncheckedResource>,
    /// Where the resource type data came from, if any was loaded.
    pub type_data: Option<String>,
    /// What to run next on a machine with the Azure CLI.
    pub next_steps: Vec<String>,
}

impl ValidationReport {
    /// Whether any error was found.
    #[must_use]
    pub fn has_errors(&self) -> bool {
        self.errors > 0
    }
}

/// Collects diagnostics for one validation run.
pub(crate) struct Sink {
    diagnostics: Vec<Diagnostic>,
    unchecked: Vec<UncheckedResource>,
}

impl Sink {
    fn new() -> Self {
        Self {
            diagnostics: Vec::new(),
            unchecked: Vec::new(),
        }
    }

    /// Adds a diagnostic with the rule's default severity.
    pub fn add(&mut self, file: &str, span: Span, rule_id: &str, message: impl Into<String>) {
        let severity = rules::rule(rule_id).map_or(Severity::Error, |r| r.severity);
        self.add_with(file, span, rule_id, severity, message);
    }

    /// Adds a diagnostic with an explicit severity.
    pub fn add_with(
        &mut self,
        file: &str,
        span: Span,
        rule_id: &str,
        severity: Severity,
        message: impl Into<String>,
    ) {
        let rule = rules::rule(rule_id);
        self.diagnostics.push(Diagnostic {
            file: file.to_owned(),
            line: span.line,
            column: span.column,
            end_line: span.end_line,
            end_column: span.end_column,
            rule_id: rule.map_or(rule_id, |r| r.id).to_owned(),
            rule_name: rule.map_or("", |r| r.name).to_owned(),
            severity,
            message: message.into(),
        });
    }

    /// Records a resource whose body was not type-checked.
    pub fn unchecked(
        &mut self,
        file: &str,
        line: u32,
        resource_type: &str,
        api_version: &str,
        reason: impl Into<String>,
    ) {
        self.unchecked.push(UncheckedResource {
            file: file.to_owned(),
            line,
            resource_type: resource_type.to_owned(),
            api_version: api_version.to_owned(),
            reason: reason.into(),
        });
    }
}

/// The parsed file set, with look-ups across files.
pub(crate) struct Project {
    pub files: Vec<FileAst>,
    /// Normalised path of each file.
    normalized: Vec<String>,
    /// For each file, the file index each of its module declarations resolves to.
    module_targets: Vec<Vec<Option<usize>>>,
}

impl Project {
    fn new(files: Vec<FileAst>) -> Self {
        let normalized: Vec<String> = files.iter().map(|f| normalize(&f.path)).collect();
        let lookup = |from: &str, target: &str| {
            let path = resolve_path(from, target)?;
            normalized.iter().position(|n| *n == path)
        };
        let module_targets = files
            .iter()
            .map(|f| f.modules.iter().map(|m| lookup(&f.path, &m.path)).collect())
            .collect();
        Self {
            files,
            normalized,
            module_targets,
        }
    }

    /// The file a module or `using` path refers to from `from` (relative to its directory).
    pub fn resolve(&self, from: &str, target: &str) -> Option<usize> {
        let path = resolve_path(from, target)?;
        self.normalized.iter().position(|n| *n == path)
    }

    /// Module declarations in other files that reference file `index`, with the caller index.
    pub fn callers(&self, index: usize) -> Vec<(usize, &ast::ModuleDecl)> {
        let mut out = Vec::new();
        for (i, f) in self.files.iter().enumerate() {
            for (j, m) in f.modules.iter().enumerate() {
                if self.module_targets[i][j] == Some(index) {
                    out.push((i, m));
                }
            }
        }
        out
    }
}

fn normalize(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for seg in path.split(['/', '\\']) {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    parts.join("/")
}

/// Resolves `target` relative to the directory of `from`; `None` for registry references
/// (`br:`, `ts:`) and paths that climb above the root.
fn resolve_path(from: &str, target: &str) -> Option<String> {
    if target.starts_with("br:")
        || target.starts_with("br/")
        || target.starts_with("ts:")
        || target.starts_with("ts/")
    {
        return None;
    }
    let from_norm = normalize(from);
    let mut dir: Vec<&str> = from_norm.split('/').collect();
    dir.pop();
    for seg in target.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                dir.pop()?;
            }
            s => dir.push(s),
        }
    }
    Some(dir.join("/"))
}

/// Below this much text, parsing on one thread is faster than starting others.
const PARALLEL_PARSE_BYTES: usize = 16 * 1024;

/// Threads used for parsing large sets: the cores this process may use (asked once, because
/// `available_parallelism` reads cgroup files on every call), at most four.
fn parse_threads() -> usize {
    static THREADS: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *THREADS.get_or_init(|| {
        std::thread::available_parallelism()
            .map_or(1, std::num::NonZero::get)
            .min(4)
    })
}

/// Parses every file; large sets are split over a few threads, because tree-sitter-bicep's
/// grammar (GLR with several conflicts) parses only a few kilobytes per millisecond.
fn parse_all(files: &[SourceFile]) -> (Vec<FileAst>, Sink) {
    let total: usize = files.iter().map(|f| f.content.len()).sum();
    let workers = if total < PARALLEL_PARSE_BYTES {
        1
    } else {
        parse_threads().min(files.len())
    };
    if workers <= 1 {
        let mut sink = Sink::new();
        let parsed = files.iter().map(|f| syntax::parse(f, &mut sink)).collect();
        return (parsed, sink);
    }
    // Largest files first, each thread taking the next one when it is done, so the threads
    // finish close together; the calling thread is one of the workers.
    let mut order: Vec<usize> = (0..files.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(files[i].content.len()));
    let next = std::sync::atomic::AtomicUsize::new(0);
    let work = || {
        let mut done = Vec::new();
        loop {
            let k = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let Some(&i) = order.get(k) else {
                return done;
            };
            let mut sink = Sink::new();
            let ast = syntax::parse(&files[i], &mut sink);
            done.push((i, ast, sink));
        }
    };
    let results: Vec<Vec<(usize, FileAst, Sink)>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (1..workers).map(|_| scope.spawn(work)).collect();
        let mut results = vec![work()];
        results.extend(handles.into_iter().map(|h| h.join().unwrap_or_default()));
        results
    });
    let mut slots: Vec<Option<(FileAst, Sink)>> = (0..files.len()).map(|_| None).collect();
    for (i, ast, sink) in results.into_iter().flatten() {
        slots[i] = Some((ast, sink));
    }
    let mut sink = Sink::new();
    let mut parsed = Vec::with_capacity(files.len());
    for (i, slot) in slots.into_iter().enumerate() {
        // A worker that panicked leaves its files unparsed; parse them here instead.
        let (ast, s) = slot.unwrap_or_else(|| {
            let mut s = Sink::new();
            (syntax::parse(&files[i], &mut s), s)
        });
        sink.diagnostics.extend(s.diagnostics);
        parsed.push(ast);
    }
    (parsed, sink)
}

/// Validates a file set. Files ending in `.bicepparam` are parameter files; everything else
/// is read as Bicep. Module paths and `using` targets are resolved within the set.
#[must_use]
pub fn validate(files: &[SourceFile], types: Option<&TypeIndex>) -> ValidationReport {
    analyze(files, types).0
}

/// Validates and also returns the parsed file set (for the generator's inventory).
pub(crate) fn analyze(
    files: &[SourceFile],
    types: Option<&TypeIndex>,
) -> (ValidationReport, Project) {
    let (parsed, mut sink) = parse_all(files);
    let project = Project::new(parsed);
    typecheck::check(&project, types, &mut sink);
    semantics::check(&project, types, &mut sink);
    security::check(&project, types, &mut sink);

    // Suppressions: `#disable-next-line` names rules by ID or name.
    let mut suppressed = 0;
    let mut kept = Vec::new();
    for d in sink.diagnostics {
        let silenced = project
            .files
            .iter()
            .find(|f| f.path == d.file)
            .is_some_and(|f| {
                f.suppressions.iter().any(|(line, codes)| {
                    *line == d.line
                        && codes.iter().any(|c| {
                            c.eq_ignore_ascii_case(&d.rule_id)
                                || c.eq_ignore_ascii_case(&d.rule_name)
                        })
                })
            });
        if silenced && !d.rule_id.starts_with("BCP-SYN") {
            suppressed += 1;
        } else {
            kept.push(d);
        }
    }
    kept.sort_by(|a, b| {
        (
            a.file.as_str(),
            a.line,
            a.column,
            a.rule_id.as_str(),
            a.message.as_str(),
        )
            .cmp(&(
                b.file.as_str(),
                b.line,
                b.column,
                b.rule_id.as_str(),
                b.message.as_str(),
            ))
    });
    kept.dedup();
    let count = |s: Severity| kept.iter().filter(|d| d.severity == s).count();
    let mut unchecked = sink.unchecked;
    unchecked.sort_by(|a, b| (a.file.as_str(), a.line).cmp(&(b.file.as_str(), b.line)));

    let type_description = match types {
        Some(t) => format!(
            "every resource body against the Azure resource type definitions from {} ({} type@version entries): unknown properties with did-you-mean, value types, enum values, required and read-only properties, string pattern and length, integer and array limits; errors at the top level of a body, warnings deeper",
            t.source(),
            t.len()
        ),
        None => "no type data loaded: every resource is reported as unchecked".to_owned(),
    };
    let mut checks_run = vec![
        CheckRun { name: "syntax".into(), description: "parse with tree-sitter-bicep; every ERROR or MISSING node is a diagnostic".into() },
        CheckRun { name: "types".into(), description: type_description },
        CheckRun {
            name: "semantics".into(),
            description: "undefined and unused parameters/variables, modules (paths, parameters, outputs), parameter files, duplicate symbols, resource name rules, curated API versions, tags, utcNow/newGuid placement".into(),
        },
        CheckRun { name: "security".into(), description: "BCP-SEC rules (docs/bicep-rules.md): App Service hardening, Key Vault, PostgreSQL, RBAC, secrets, diagnostic settings, network exposure".into() },
    ];
    if types.is_none() {
        checks_run[1].name = "types (skipped)".into();
    }
    let errors = count(Severity::Error);
    let mut next_steps = vec![
        "No Bicep compiler ran: on a machine with the Azure CLI run `az bicep build --file <main.bicep>` (full type check and linter), then `az deployment group what-if` before `az deployment group create`.".to_owned(),
    ];
    if !unchecked.is_empty() {
        next_steps.push(format!(
            "{} resource(s) were not type-checked (type or API version not in the loaded type data); `az bicep build` checks them.",
            unchecked.len()
        ));
    }
    if errors > 0 {
        next_steps.insert(0, format!("Fix the {errors} error(s) listed; each message names the rule, documented in docs/bicep-rules.md."));
    }
    let report = ValidationReport {
        errors,
        warnings: count(Severity::Warning),
        infos: count(Severity::Info),
        diagnostics: kept,
        suppressed,
        files: files.len(),
        checks_run,
        checks_not_run: vec![
            "Bicep compiler (`az bicep build`): a .NET tool, not available offline".to_owned(),
            "ARM preflight and what-if (`az deployment group what-if`): need Azure credentials"
                .to_owned(),
        ],
        unchecked_resources: unchecked,
        type_data: types.map(|t| format!("{} ({} entries)", t.source(), t.len())),
        next_steps,
    };
    (report, project)
}

/// The text a span covers in `content` (columns are characters).
fn slice(content: &str, span: Span) -> String {
    let mut out = String::new();
    let first = span.line.saturating_sub(1) as usize;
    let count = (span.end_line.saturating_sub(span.line) + 1) as usize;
    for (k, line) in content.lines().skip(first).take(count).enumerate() {
        let n = span.line + u32::try_from(k).unwrap_or(u32::MAX);
        let start = if n == span.line {
            span.column as usize - 1
        } else {
            0
        };
        let end = if n == span.end_line {
            span.end_column as usize - 1
        } else {
            line.chars().count()
        };
        if k > 0 {
            out.push('\n');
        }
        out.extend(line.chars().skip(start).take(end.saturating_sub(start)));
    }
    out
}

/// The resources a file set deploys, with names shown as the calling template computes them.
pub(crate) fn inventory(
    project: &Project,
    sources: &[SourceFile],
) -> Vec<crate::bicep::generate::InventoryItem> {
    let text = |file: &str| {
        sources
            .iter()
            .find(|s| s.path == file)
            .map_or("", |s| s.content.as_str())
    };
    // Follows a name through module parameters and variables to the expression that builds it.
    fn origin(
        project: &Project,
        sources: &[SourceFile],
        index: usize,
        e: &ast::Expr,
        depth: u32,
    ) -> String {
        let file = &project.files[index];
        let content = sources
            .iter()
            .find(|s| s.path == file.path)
            .map_or("", |s| s.content.as_str());
        if depth < 4
            && let ast::ExprKind::Ident(n) = &e.kind
        {
            if let Some(v) = file.var(n) {
                return origin(project, sources, index, &v.value, depth + 1);
            }
            if file.param(n).is_some() {
                let callers = project.callers(index);
                if let [(ci, m)] = callers.as_slice()
                    && let Some(v) = m.value.body().get("params").and_then(|p| p.get(n))
                {
                    return origin(project, sources, *ci, v, depth + 1);
                }
            }
        }
        slice(content, e.span)
    }
    let mut out = Vec::new();
    for (index, file) in project.files.iter().enumerate() {
        if file.kind != FileKind::Bicep {
            continue;
        }
        let _ = text(&file.path);
        for r in file.resources.iter().filter(|r| !r.existing) {
            let name = r
                .value
                .body()
                .get("name")
                .map(|e| origin(project, sources, index, e, 0))
                .unwrap_or_default();
            let own = match &r.value.kind {
                ast::ExprKind::If(c, _) => {
                    Some(format!("if ({})", slice(text(&file.path), c.span)))
                }
                ast::ExprKind::For { iter, .. } => Some(format!(
                    "for each in {}",
                    slice(text(&file.path), iter.span)
                )),
                _ => None,
            };
            // A module deployed under a condition makes everything in it conditional.
            let inherited =
                project
                    .callers(index)
                    .into_iter()
                    .find_map(|(ci, m)| match &m.value.kind {
                        ast::ExprKind::If(c, _) => Some(format!(
                            "if ({}) (module {})",
                            slice(text(&project.files[ci].path), c.span),
                            m.symbol
                        )),
                        _ => None,
                    });
            let condition = match (own, inherited) {
                (Some(a), Some(b)) => Some(format!("{b}, {a}")),
                (a, b) => a.or(b),
            };
            out.push(crate::bicep::generate::InventoryItem {
                resource_type: r.resource_type.clone(),
                api_version: r.api_version.clone().unwrap_or_default(),
                name,
                file: file.path.clone(),
                condition,
            });
        }
    }
    out
}

/// The closest candidate to `name` (case-insensitive edit distance), if close enough to be
/// a plausible typo.
pub(crate) fn did_you_mean<'a>(name: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let lower = name.to_ascii_lowercase();
    let mut best: Option<(usize, &'a str)> = None;
    for c in candidates {
        let d = levenshtein(&lower, &c.to_ascii_lowercase());
        let limit = (name.chars().count().max(c.chars().count()) / 3).clamp(1, 3);
        if d <= limit && best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, c));
        }
    }
    best.map(|(_, c)| c)
}

fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != *cb))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// Whether a file is a parameters file.
pub(crate) fn kind_of(path: &str) -> FileKind {
    if path.ends_with(".bicepparam") {
        FileKind::BicepParam
    } else {
        FileKind::Bicep
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions_find_typos_only() {
        assert_eq!(
            did_you_mean(
                "enableRbacAuthorisation",
                &["enableRbacAuthorization", "enableSoftDelete"]
            ),
            Some("enableRbacAuthorization")
        );
        assert_eq!(
            did_you_mean("disabled", &["Enabled", "Disabled"]),
            Some("Disabled")
        );
        assert_eq!(did_you_mean("zzz", &["location", "tags"]), None);
    }

    #[test]
    fn paths_resolve_relative_to_the_declaring_file() {
        assert_eq!(
            resolve_path("infra/bicep/main.bicep", "modules/app.bicep").as_deref(),
            Some("infra/bicep/modules/app.bicep")
        );
        assert_eq!(
            resolve_path("infra/bicep/modules/a.bicep", "../main.bicep").as_deref(),
            Some("infra/bicep/main.bicep")
        );
        assert_eq!(
            resolve_path("main.bicep", "./x.bicep").as_deref(),
            Some("x.bicep")
        );
        assert_eq!(resolve_path("main.bicep", "../../x.bicep"), None);
        assert_eq!(resolve_path("main.bicep", "br/public:avm/res/x:1.0"), None);
    }
}
