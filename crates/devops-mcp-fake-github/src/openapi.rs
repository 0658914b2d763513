//! GitHub's OpenAPI description: loaded once per process, its operations
//! indexed by method and path template, and JSON-schema validators compiled
//! on first use.
//!
//! The description is OpenAPI 3.0, whose schemas are JSON Schema draft 4 plus
//! `nullable`. On load every `nullable: true` schema is rewritten to
//! `anyOf: [{type: null}, schema]` so a standard draft 4 validator can check
//! it, and every `oneOf` is read as `anyOf`: the description uses `oneOf`
//! for branches that overlap (the 422 of `git/create-blob` is a
//! `validation-error` or a `repository-rule-violation-error`, and every
//! instance of the first is also one of the second), so a strict "exactly
//! one" would reject GitHub's real answers. `$ref`s are left alone and each validator is compiled from a small
//! document holding the schema and the closure of the components it refers
//! to, so references resolve exactly as they do in the description.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use serde_json::{Map, Value, json};

use crate::Error;

/// Where the pinned npm package keeps the api.github.com description,
/// relative to a `node_modules` directory.
pub const DESCRIPTION_IN_NODE_MODULES: &str = "@octokit/openapi/generated/api.github.com.json";

/// How many validation errors one check reports; the first few say enough.
const MAX_ERRORS: usize = 8;

/// The parsed description with its operation index and validator cache.
pub(crate) struct Description {
    doc: Value,
    by_method: HashMap<String, Vec<Operation>>,
    validators: Mutex<HashMap<String, Arc<jsonschema::Validator>>>,
}

/// One operation of the description.
pub(crate) struct Operation {
    /// `operationId`, e.g. `git/create-ref`.
    pub id: String,
    /// The path template, e.g. `/repos/{owner}/{repo}/git/refs`.
    pub template: String,
    segments: Vec<Segment>,
    /// The operation's documentation page, used as `documentation_url` in errors.
    pub docs_url: String,
    parameters: Vec<Parameter>,
    request_body: Option<RequestBody>,
    /// Status code to the JSON pointer of its body schema (`None`: no body).
    responses: BTreeMap<u16, Option<String>>,
}

enum Segment {
    Literal(String),
    /// `multi`: the description marks it `x-multi-segment` (it may contain `/`).
    Param {
        name: String,
        multi: bool,
    },
}

struct Parameter {
    name: String,
    location: String,
    required: bool,
    /// JSON pointer of the parameter's schema.
    schema: String,
}

struct RequestBody {
    required: bool,
    /// JSON pointer of the JSON body schema.
    schema: String,
}

/// A request path matched to its operation.
pub(crate) struct Matched<'a> {
    pub operation: &'a Operation,
    /// Decoded path parameters.
    pub params: HashMap<String, String>,
}

/// What the description says about a response status.
pub(crate) enum ResponseRule {
    /// Declared with a JSON body checked against this schema pointer.
    Body(String),
    /// Declared without a body.
    Empty,
    /// Not declared for this operation.
    Undeclared,
}

/// Load (once per process and path) and index the description at `path`.
pub(crate) fn load(path: &Path) -> Result<Arc<Description>, Error> {
    static LOADED: OnceLock<Mutex<HashMap<PathBuf, Arc<Description>>>> = OnceLock::new();
    let cache = LOADED.get_or_init(Mutex::default);
    // Held while loading so parallel tests wait for one load instead of racing.
    let mut cache = cache.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(found) = cache.get(path) {
        return Ok(found.clone());
    }
    let failed = |message: String| Error::Description {
        path: path.to_owned(),
        message,
    };
    let text = std::fs::read_to_string(path).map_err(|e| failed(e.to_string()))?;
    let mut doc: Value = serde_json::from_str(&text).map_err(|e| failed(e.to_string()))?;
    rewrite_nullable(&mut doc);
    rewrite_one_of(&mut doc);
    let description = Arc::new(Description::index(doc).map_err(failed)?);
    cache.insert(path.to_owned(), description.clone());
    Ok(description)
}

impl Description {
    fn index(doc: Value) -> Result<Self, String> {
        let paths = doc
            .get("paths")
            .and_then(Value::as_object)
            .ok_or("no `paths` object: not an OpenAPI description")?;
        let mut by_method: HashMap<String, Vec<Operation>> = HashMap::new();
        for (template, item) in paths {
            let shared = item
                .get("parameters")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            for method in ["get", "put", "post", "delete", "patch", "head"] {
                let Some(op) = item.get(method) else { continue };
                let base = format!("/paths/{}/{method}", escape(template));
                let operation = index_operation(&doc, template, &base, op, &shared)?;
                by_method
                    .entry(method.to_ascii_uppercase())
                    .or_default()
                    .push(operation);
            }
        }
        Ok(Self {
            doc,
            by_method,
            validators: Mutex::default(),
        })
    }

    /// The operation serving `method` on the raw (still percent-encoded)
    /// `path`. When several templates match, the one with fewer segments
    /// absorbed into multi-segment parameters wins, then the one with literal
    /// segments earliest (`/secrets/public-key` beats `/secrets/{secret_name}`).
    pub(crate) fn find(&self, method: &str, path: &str) -> Option<Matched<'_>> {
        let raw: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        let mut best: Option<((usize, Vec<bool>), Matched<'_>)> = None;
        for operation in self.by_method.get(method)? {
            let mut params = Vec::new();
            let Some(absorbed) = match_segments(&operation.segments, &raw, &mut params) else {
                continue;
            };
            let literals: Vec<bool> = operation
                .segments
                .iter()
                .map(|s| matches!(s, Segment::Literal(_)))
                .collect();
            let better = match &best {
                None => true,
                Some(((best_absorbed, best_literals), _)) => {
                    absorbed < *best_absorbed
                        || (absorbed == *best_absorbed && literals > *best_literals)
                }
            };
            if better {
                best = Some((
                    (absorbed, literals),
                    Matched {
                        operation,
                        params: params.into_iter().collect(),
                    },
                ));
            }
        }
        best.map(|(_, matched)| matched)
    }

    /// Contract violations in a request's parameters and body.
    pub(crate) fn check_request(
        &self,
        matched: &Matched<'_>,
        query: &[(String, String)],
        content_type: Option<&str>,
        body: &[u8],
    ) -> (Vec<String>, Option<Value>) {
        let operation = matched.operation;
        let mut problems = Vec::new();
        for parameter in &operation.parameters {
            match parameter.location.as_str() {
                "path" => {
                    let Some(raw) = matched.params.get(&parameter.name) else {
                        problems.push(format!("path parameter `{}` missing", parameter.name));
                        continue;
                    };
                    let value = self.coerce(&parameter.schema, raw);
                    for error in self.validate(&parameter.schema, &value) {
                        problems.push(format!("path parameter `{}`: {error}", parameter.name));
                    }
                }
                "query" => {
                    let values: Vec<&String> = query
                        .iter()
                        .filter(|(name, _)| *name == parameter.name)
                        .map(|(_, value)| value)
                        .collect();
                    if values.is_empty() && parameter.required {
                        problems.push(format!(
                            "required query parameter `{}` missing",
                            parameter.name
                        ));
                    }
                    if values.len() > 1 {
                        problems.push(format!("query parameter `{}` repeated", parameter.name));
                    }
                    for raw in values {
                        let value = self.coerce(&parameter.schema, raw);
                        for error in self.validate(&parameter.schema, &value) {
                            problems.push(format!("query parameter `{}`: {error}", parameter.name));
                        }
                    }
                }
                _ => {}
            }
        }
        for (name, _) in query {
            let declared = operation
                .parameters
                .iter()
                .any(|p| p.location == "query" && p.name == *name);
            if !declared {
                problems.push(format!(
                    "query parameter `{name}` is not declared by `{}`",
                    operation.id
                ));
            }
        }
        let mut parsed = None;
        match (&operation.request_body, body.is_empty()) {
            (Some(spec), true) => {
                if spec.required {
                    problems.push("the operation requires a JSON body; none was sent".into());
                }
            }
            (Some(spec), false) => {
                if !content_type.is_some_and(|t| t.contains("json")) {
                    problems.push(format!(
                        "body sent with content-type {content_type:?}; the operation takes application/json"
                    ));
                }
                match serde_json::from_slice::<Value>(body) {
                    Ok(value) => {
                        for error in self.validate(&spec.schema, &value) {
                            problems.push(format!("body {error}"));
                        }
                        parsed = Some(value);
                    }
                    Err(e) => problems.push(format!("body is not JSON: {e}")),
                }
            }
            (None, false) => problems.push(format!(
                "`{}` takes no request body; {} bytes were sent",
                operation.id,
                body.len()
            )),
            (None, true) => {}
        }
        (problems, parsed)
    }

    /// What the description declares for `status` of `operation`.
    pub(crate) fn response_rule(&self, operation: &Operation, status: u16) -> ResponseRule {
        match operation.responses.get(&status) {
            Some(Some(pointer)) => ResponseRule::Body(pointer.clone()),
            Some(None) => ResponseRule::Empty,
            None => ResponseRule::Undeclared,
        }
    }

    /// Check `instance` against the schema at `pointer`; one line per error.
    pub(crate) fn validate(&self, pointer: &str, instance: &Value) -> Vec<String> {
        let validator = match self.validator(pointer) {
            Ok(validator) => validator,
            Err(message) => return vec![format!("schema {pointer} does not compile: {message}")],
        };
        validator
            .iter_errors(instance)
            .take(MAX_ERRORS)
            .map(|error| {
                let at = error.instance_path().to_string();
                let at = if at.is_empty() { "/".to_owned() } else { at };
                format!("at {at}: {error}")
            })
            .collect()
    }

    fn validator(&self, pointer: &str) -> Result<Arc<jsonschema::Validator>, String> {
        let mut cache = self
            .validators
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(found) = cache.get(pointer) {
            return Ok(found.clone());
        }
        let schema = self
            .doc
            .pointer(pointer)
            .ok_or_else(|| format!("no schema at {pointer}"))?
            .clone();
        let mut names = BTreeSet::new();
        self.collect_refs(&schema, &mut names);
        let mut components = Map::new();
        for name in names {
            if let Some(component) = self.component(&name) {
                components.insert(name, component.clone());
            }
        }
        let root = json!({ "allOf": [schema], "components": { "schemas": components } });
        let validator = jsonschema::options()
            .with_draft(jsonschema::Draft::Draft4)
            .should_validate_formats(true)
            .build(&root)
            .map_err(|e| e.to_string())?;
        let validator = Arc::new(validator);
        cache.insert(pointer.to_owned(), validator.clone());
        Ok(validator)
    }

    fn component(&self, name: &str) -> Option<&Value> {
        self.doc.get("components")?.get("schemas")?.get(name)
    }

    fn collect_refs(&self, value: &Value, names: &mut BTreeSet<String>) {
        match value {
            Value::Object(map) => {
                if let Some(name) = map
                    .get("$ref")
                    .and_then(Value::as_str)
                    .and_then(|r| r.strip_prefix("#/components/schemas/"))
                    && names.insert(name.to_owned())
                    && let Some(component) = self.component(name)
                {
                    self.collect_refs(component, names);
                }
                for child in map.values() {
                    self.collect_refs(child, names);
                }
            }
            Value::Array(items) => {
                for child in items {
                    self.collect_refs(child, names);
                }
            }
            _ => {}
        }
    }

    /// Follow `$ref`s until a schema body.
    fn resolve<'a>(&'a self, mut schema: &'a Value) -> &'a Value {
        for _ in 0..16 {
            let Some(name) = schema
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|r| r.strip_prefix("#/components/schemas/"))
            else {
                break;
            };
            match self.component(name) {
                Some(next) => schema = next,
                None => break,
            }
        }
        schema
    }

    /// Parameters arrive as text; give them the JSON type their schema wants
    /// so the schema check is about the value, not about it being text.
    fn coerce(&self, pointer: &str, raw: &str) -> Value {
        let schema = self.doc.pointer(pointer).map(|s| self.resolve(s));
        let kind = schema.and_then(|s| s.get("type")).and_then(Value::as_str);
        match kind {
            Some("integer") => raw
                .parse::<i64>()
                .map(Value::from)
                .unwrap_or_else(|_| Value::from(raw)),
            Some("number") => raw
                .parse::<f64>()
                .ok()
                .and_then(serde_json::Number::from_f64)
                .map(Value::Number)
                .unwrap_or_else(|| Value::from(raw)),
            Some("boolean") => match raw {
                "true" => Value::Bool(true),
                "false" => Value::Bool(false),
                _ => Value::from(raw),
            },
            _ => Value::from(raw),
        }
    }

    /// Add every property `value` lacks but the schema at `pointer` requires,
    /// with the schema's example (or a type-correct placeholder) as value.
    ///
    /// For GitHub's large objects (a repository has 75 required properties)
    /// the fake sets the fields it models and lets this fill the rest, so the
    /// response still has the documented shape.
    pub(crate) fn complete(&self, pointer: &str, value: &mut Value) {
        if let Some(schema) = self.doc.pointer(pointer) {
            self.fill(schema, value, 0);
        }
    }

    fn fill(&self, schema: &Value, value: &mut Value, depth: usize) {
        if depth > 48 {
            return;
        }
        let schema = self.resolve(schema);
        for key in ["anyOf", "oneOf"] {
            if let Some(branches) = schema.get(key).and_then(Value::as_array) {
                if value.is_null() && branches.iter().any(is_null_schema) {
                    return;
                }
                if let Some(branch) = branches.iter().find(|b| !is_null_schema(b)) {
                    self.fill(branch, value, depth + 1);
                }
            }
        }
        if let Some(parts) = schema.get("allOf").and_then(Value::as_array) {
            for part in parts {
                self.fill(part, value, depth + 1);
            }
        }
        match value {
            Value::Object(object) => {
                let empty = Map::new();
                let properties = schema
                    .get("properties")
                    .and_then(Value::as_object)
                    .unwrap_or(&empty);
                let required = schema
                    .get("required")
                    .and_then(Value::as_array)
                    .map(Vec::as_slice)
                    .unwrap_or_default();
                for key in required.iter().filter_map(Value::as_str) {
                    if !object.contains_key(key) {
                        let placeholder = properties
                            .get(key)
                            .map(|p| self.placeholder(p, depth + 1))
                            .unwrap_or(Value::Null);
                        object.insert(key.to_owned(), placeholder);
                    }
                }
                for (key, child) in object.iter_mut() {
                    if let Some(property) = properties.get(key) {
                        self.fill(property, child, depth + 1);
                    }
                }
            }
            Value::Array(items) => {
                if let Some(item) = schema.get("items") {
                    for child in items {
                        self.fill(item, child, depth + 1);
                    }
                }
            }
            _ => {}
        }
    }

    fn placeholder(&self, schema: &Value, depth: usize) -> Value {
        let schema = self.resolve(schema);
        for key in ["anyOf", "oneOf"] {
            if let Some(branches) = schema.get(key).and_then(Value::as_array) {
                if branches.iter().any(is_null_schema) {
                    return Value::Null;
                }
                if let Some(first) = branches.first() {
                    return self.placeholder(first, depth + 1);
                }
            }
        }
        if let Some(first) = schema
            .get("enum")
            .and_then(Value::as_array)
            .and_then(|e| e.first())
        {
            return first.clone();
        }
        let example = schema.get("example");
        let kind = schema.get("type").and_then(Value::as_str);
        let is_object = kind == Some("object")
            || schema.get("properties").is_some()
            || schema.get("allOf").is_some();
        match kind {
            Some("string") => match example {
                Some(Value::String(text)) => Value::from(text.clone()),
                _ => Value::from(match schema.get("format").and_then(Value::as_str) {
                    Some("date-time") => "2011-01-26T19:01:12Z",
                    Some("date") => "2011-01-26",
                    Some("uri") => "https://api.github.com/",
                    Some("email") => "octocat@github.com",
                    _ => "",
                }),
            },
            Some("integer") => match example {
                Some(n) if n.is_i64() || n.is_u64() => n.clone(),
                _ => Value::from(1),
            },
            Some("number") => match example {
                Some(n) if n.is_number() => n.clone(),
                _ => Value::from(1),
            },
            Some("boolean") => match example {
                Some(b) if b.is_boolean() => b.clone(),
                _ => Value::Bool(false),
            },
            Some("array") => Value::Array(Vec::new()),
            _ if is_object => {
                let mut object = Value::Object(Map::new());
                self.fill(schema, &mut object, depth + 1);
                object
            }
            _ => Value::Null,
        }
    }
}

fn index_operation(
    doc: &Value,
    template: &str,
    base: &str,
    op: &Value,
    shared: &[Value],
) -> Result<Operation, String> {
    let id = op
        .get("operationId")
        .and_then(Value::as_str)
        .ok_or_else(|| format!("{base}: no operationId"))?
        .to_owned();
    let own = op
        .get("parameters")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let mut parameters = Vec::new();
    let own_pointers = (0..own.len()).map(|i| format!("{base}/parameters/{i}"));
    let item = base.rsplit_once('/').map(|(item, _)| item).unwrap_or(base);
    let shared_pointers = (0..shared.len()).map(|i| format!("{item}/parameters/{i}"));
    let mut multi = BTreeSet::new();
    for (value, pointer) in own
        .iter()
        .zip(own_pointers)
        .chain(shared.iter().zip(shared_pointers))
    {
        let (value, pointer) = follow(doc, value, pointer);
        let name = value
            .get("name")
            .and_then(Value::as_str)
            .ok_or_else(|| format!("{pointer}: parameter without a name"))?
            .to_owned();
        let location = value
            .get("in")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        if value.get("x-multi-segment") == Some(&Value::Bool(true)) {
            multi.insert(name.clone());
        }
        parameters.push(Parameter {
            required: value.get("required") == Some(&Value::Bool(true)) || location == "path",
            schema: format!("{pointer}/schema"),
            name,
            location,
        });
    }
    let request_body = op.get("requestBody").and_then(|body| {
        let (body, pointer) = follow(doc, body, format!("{base}/requestBody"));
        let (media, _) = json_content(body)?;
        Some(RequestBody {
            required: body.get("required") == Some(&Value::Bool(true)),
            schema: format!("{pointer}/content/{}/schema", escape(media)),
        })
    });
    let mut responses = BTreeMap::new();
    if let Some(declared) = op.get("responses").and_then(Value::as_object) {
        for (status, response) in declared {
            let Ok(code) = status.parse::<u16>() else {
                continue;
            };
            let pointer = format!("{base}/responses/{status}");
            let (response, pointer) = follow(doc, response, pointer);
            let schema = json_content(response)
                .filter(|(_, media)| media.get("schema").is_some())
                .map(|(media, _)| format!("{pointer}/content/{}/schema", escape(media)));
            responses.insert(code, schema);
        }
    }
    let segments = template
        .trim_start_matches('/')
        .split('/')
        .map(
            |segment| match segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                Some(name) => Segment::Param {
                    multi: multi.contains(name),
                    name: name.to_owned(),
                },
                None => Segment::Literal(segment.to_owned()),
            },
        )
        .collect();
    let docs_url = op
        .get("externalDocs")
        .and_then(|d| d.get("url"))
        .and_then(Value::as_str)
        .unwrap_or("https://docs.github.com/rest")
        .to_owned();
    Ok(Operation {
        id,
        template: template.to_owned(),
        segments,
        docs_url,
        parameters,
        request_body,
        responses,
    })
}

/// Follow a `$ref` to a component (parameters, responses, request bodies),
/// returning the target and its JSON pointer.
fn follow<'a>(doc: &'a Value, value: &'a Value, pointer: String) -> (&'a Value, String) {
    if let Some(target) = value
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix('#'))
        && let Some(found) = doc.pointer(target)
    {
        return (found, target.to_owned());
    }
    (value, pointer)
}

/// The JSON media type of a `content` map: `application/json` first, else
/// any `+json` or `json` type.
fn json_content(holder: &Value) -> Option<(&str, &Value)> {
    let content = holder.get("content")?.as_object()?;
    content
        .get_key_value("application/json")
        .or_else(|| content.iter().find(|(media, _)| media.contains("json")))
        .map(|(media, value)| (media.as_str(), value))
}

fn match_segments(
    template: &[Segment],
    path: &[&str],
    params: &mut Vec<(String, String)>,
) -> Option<usize> {
    let Some((first, rest)) = template.split_first() else {
        return path.is_empty().then_some(0);
    };
    let (head, tail) = path.split_first()?;
    match first {
        Segment::Literal(literal) => {
            if literal != head {
                return None;
            }
            match_segments(rest, tail, params)
        }
        Segment::Param { name, multi: false } => {
            if head.is_empty() {
                return None;
            }
            params.push((name.clone(), percent_decode(head)));
            let found = match_segments(rest, tail, params);
            if found.is_none() {
                params.pop();
            }
            found
        }
        Segment::Param { name, multi: true } => {
            for taken in 1..=path.len() {
                let (value, remaining) = path.split_at(taken);
                if value.iter().any(|s| s.is_empty()) {
                    return None;
                }
                let decoded: Vec<String> = value.iter().map(|s| percent_decode(s)).collect();
                params.push((name.clone(), decoded.join("/")));
                if let Some(absorbed) = match_segments(rest, remaining, params) {
                    return Some(absorbed + taken - 1);
                }
                params.pop();
            }
            None
        }
    }
}

fn is_null_schema(schema: &Value) -> bool {
    schema.get("type").and_then(Value::as_str) == Some("null")
}

/// OpenAPI 3.0 `nullable: true` to plain JSON Schema.
fn rewrite_nullable(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for child in map.values_mut() {
                rewrite_nullable(child);
            }
            if map.get("nullable") == Some(&Value::Bool(true)) {
                map.remove("nullable");
                let inner = Value::Object(std::mem::take(map));
                map.insert(
                    "anyOf".into(),
                    Value::Array(vec![json!({ "type": "null" }), inner]),
                );
            }
        }
        Value::Array(items) => {
            for child in items {
                rewrite_nullable(child);
            }
        }
        _ => {}
    }
}

/// `oneOf` to `anyOf` (see the module documentation for why).
fn rewrite_one_of(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for child in map.values_mut() {
                rewrite_one_of(child);
            }
            if map.get("oneOf").is_some_and(Value::is_array)
                && !map.contains_key("anyOf")
                && let Some(branches) = map.remove("oneOf")
            {
                map.insert("anyOf".into(), branches);
            }
        }
        Value::Array(items) => {
            for child in items {
                rewrite_one_of(child);
            }
        }
        _ => {}
    }
}

/// JSON pointer escaping of one reference token.
fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// Percent-decoding of one path segment or query component.
pub(crate) fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let (Some(high), Some(low)) = (hex(bytes[i + 1]), hex(bytes[i + 2]))
        {
            out.push((high * 16 + low) as u8);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nullable_becomes_any_of_null() {
        let mut schema = json!({ "type": "string", "nullable": true });
        rewrite_nullable(&mut schema);
        assert_eq!(
            schema,
            json!({ "anyOf": [{ "type": "null" }, { "type": "string" }] })
        );
    }

    fn description() -> Arc<Description> {
        let tools = std::env::var_os("DEVOPS_MCP_TOOLS")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../.tools")));
        let path = tools
            .join("node/node_modules")
            .join(DESCRIPTION_IN_NODE_MODULES);
        load(&path).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn responses_are_checked_against_the_declared_schema() {
        let description = description();
        let matched = description
            .find("GET", "/repos/octo/app/git/ref/heads/feature/x")
            .expect("git/get-ref");
        assert_eq!(matched.operation.id, "git/get-ref");
        assert_eq!(
            matched.params["ref"], "heads/feature/x",
            "multi-segment parameter"
        );
        let ResponseRule::Body(pointer) = description.response_rule(matched.operation, 200) else {
            panic!("200 has a body");
        };
        let errors = description.validate(&pointer, &json!({ "ref": 1, "url": "not a uri" }));
        assert!(errors.iter().any(|e| e.contains("node_id")), "{errors:?}");
        assert!(
            errors.iter().any(|e| e.contains("not of type")),
            "{errors:?}"
        );

        // Filling adds what is missing but never repairs what is wrong.
        let repo = description
            .find("GET", "/repos/octo/app")
            .expect("repos/get");
        let ResponseRule::Body(pointer) = description.response_rule(repo.operation, 200) else {
            panic!("200 has a body");
        };
        let mut wrong = json!({ "id": "seven" });
        description.complete(&pointer, &mut wrong);
        let errors = description.validate(&pointer, &wrong);
        assert_eq!(errors.len(), 1, "{errors:?}");
        let mut right = json!({ "id": 7 });
        description.complete(&pointer, &mut right);
        assert_eq!(description.validate(&pointer, &right), Vec::<String>::new());
    }

    #[test]
    fn literal_segments_beat_parameters() {
        let description = description();
        let found = |path: &str| {
            description
                .find("GET", path)
                .map(|m| m.operation.id.clone())
                .unwrap_or_default()
        };
        assert_eq!(
            found("/repos/o/r/actions/secrets/public-key"),
            "actions/get-repo-public-key"
        );
        assert_eq!(
            found("/repos/o/r/actions/secrets/TOKEN"),
            "actions/get-repo-secret"
        );
        assert_eq!(
            found("/repos/o/r/branches/a/b/protection"),
            "repos/get-branch-protection"
        );
        assert_eq!(found("/repos/o/r/branches/a/b"), "repos/get-branch");
        assert!(description.find("GET", "/repos/o/r/nothing-here").is_none());
    }

    #[test]
    fn percent_decoding() {
        assert_eq!(percent_decode("heads%2Ffeature%20x"), "heads/feature x");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%zz"), "%zz");
    }
}
