//! The Log Analytics query contract, read in place from
//! `../shared/contracts/azure-monitor-logs/` (Swagger 2.0, version 2022-10-27): operation
//! lookup by method and path, Swagger-to-JSON-Schema conversion and validation, and the
//! published examples. A missing contract folder fails the tests (it panics on load).
//!
//! Conversion notes. Swagger 2.0 schemas are JSON Schema draft 4 with extensions, read the
//! way AutoRest (the Azure SDK generator) reads them: a `type: object` schema with neither
//! `properties` nor `additionalProperties` is "any value" (the `rows` cells are declared
//! `{"type": "object"}` yet hold strings, numbers, booleans and nulls in every real answer
//! and in the contract's own examples). In requests the fake is stricter than the Swagger:
//! objects with declared properties reject unknown ones.

use std::path::PathBuf;
use std::sync::OnceLock;

use serde_json::{Map, Value, json};

/// The contract folder.
pub fn dir() -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/contracts/azure-monitor-logs"
    ))
}

fn read_json(relative: &str) -> Value {
    let path = dir().join(relative);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "cannot read the contract file {} ({e}); the tests need ../shared/contracts/azure-monitor-logs beside the repository",
            path.display()
        )
    });
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}

/// The Swagger document.
pub fn spec() -> &'static Value {
    static SPEC: OnceLock<Value> = OnceLock::new();
    SPEC.get_or_init(|| read_json("OperationalInsights.json"))
}

/// An example file (`examples/...`).
pub fn example(relative: &str) -> Value {
    read_json(&format!("examples/{relative}"))
}

/// `basePath` (`/v1`).
pub fn base_path() -> &'static str {
    spec()["basePath"].as_str().expect("basePath")
}

/// A matched operation: its template, operation object and path parameters (decoded).
pub struct Matched {
    pub template: String,
    pub operation: &'static Value,
    pub params: Vec<(String, String)>,
}

/// Find the operation for `method` and the path below `basePath`, most literal template
/// first (so `/workspaces/{id}/query` wins over `/{resourceId}/query`).
pub fn find(method: &str, path: &str) -> Option<Matched> {
    let method = method.to_ascii_lowercase();
    let segments: Vec<String> = path
        .trim_start_matches('/')
        .split('/')
        .map(crate::fake::percent_decode)
        .collect();
    let mut candidates: Vec<(usize, Matched)> = Vec::new();
    for paths in ["paths", "x-ms-paths"] {
        let Some(map) = spec()[paths].as_object() else {
            continue;
        };
        for (key, item) in map {
            let template = key.split('?').next().unwrap_or(key);
            let Some(operation) = item.get(&method) else {
                continue;
            };
            let template_segments: Vec<&str> =
                template.trim_start_matches('/').split('/').collect();
            if let Some(params) = match_template(&template_segments, &segments, operation) {
                let literals = template_segments
                    .iter()
                    .filter(|s| !s.starts_with('{'))
                    .count();
                candidates.push((
                    literals,
                    Matched {
                        template: template.to_owned(),
                        operation,
                        params,
                    },
                ));
            }
        }
    }
    candidates.sort_by_key(|candidate| std::cmp::Reverse(candidate.0));
    candidates.into_iter().next().map(|(_, matched)| matched)
}

fn match_template(
    template: &[&str],
    segments: &[String],
    operation: &'static Value,
) -> Option<Vec<(String, String)>> {
    let mut params = Vec::new();
    let mut at = 0;
    for (index, part) in template.iter().enumerate() {
        if let Some(name) = part.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
            let parameter = parameter(operation, name)?;
            // `x-ms-skip-url-encoding` parameters (ARM resource IDs) span several segments.
            let take = if parameter["x-ms-skip-url-encoding"] == true {
                segments
                    .len()
                    .checked_sub(at + (template.len() - index - 1))?
            } else {
                1
            };
            if take == 0 || at + take > segments.len() {
                return None;
            }
            params.push((name.to_owned(), segments[at..at + take].join("/")));
            at += take;
        } else {
            if segments.get(at).map(String::as_str) != Some(*part) {
                return None;
            }
            at += 1;
        }
    }
    (at == segments.len()).then_some(params)
}

/// A `$ref` followed into the document.
pub fn resolve(value: &'static Value) -> &'static Value {
    match value.get("$ref").and_then(Value::as_str) {
        Some(reference) => {
            let mut node = spec();
            for part in reference.trim_start_matches("#/").split('/') {
                node = &node[part];
            }
            node
        }
        None => value,
    }
}

/// The operation's parameter `name`, resolved.
pub fn parameter(operation: &'static Value, name: &str) -> Option<&'static Value> {
    operation["parameters"]
        .as_array()?
        .iter()
        .map(resolve)
        .find(|p| p["name"] == name)
}

/// The operation's parameters, resolved.
pub fn parameters(operation: &'static Value) -> Vec<&'static Value> {
    operation["parameters"]
        .as_array()
        .map(|items| items.iter().map(resolve).collect())
        .unwrap_or_default()
}

/// The response schema declared for `status` (else `default`).
pub fn response_schema(operation: &Value, status: u16) -> &Value {
    let responses = &operation["responses"];
    let declared = &responses[status.to_string()];
    if declared.is_null() {
        &responses["default"]["schema"]
    } else {
        &declared["schema"]
    }
}

/// Swagger schema to JSON Schema draft 4 (see the module doc).
fn convert(value: &Value, request: bool) -> Value {
    match value {
        Value::Object(map) => {
            let mut out = Map::new();
            for (key, item) in map {
                match key.as_str() {
                    "properties" | "definitions" => {
                        let converted: Map<String, Value> = item
                            .as_object()
                            .into_iter()
                            .flatten()
                            .map(|(name, schema)| (name.clone(), convert(schema, request)))
                            .collect();
                        out.insert(key.clone(), Value::Object(converted));
                    }
                    k if k.starts_with("x-") => {}
                    "description" | "title" | "example" | "readOnly" => {}
                    "required" | "enum" => {
                        out.insert(key.clone(), item.clone());
                    }
                    _ => {
                        out.insert(key.clone(), convert(item, request));
                    }
                }
            }
            let is_object = map.get("type").and_then(Value::as_str) == Some("object");
            let has_properties = map.contains_key("properties");
            let any_object = is_object
                && !has_properties
                && !map.contains_key("additionalProperties")
                && !map.contains_key("allOf");
            if any_object {
                out.remove("type");
            }
            if request && is_object && has_properties && !map.contains_key("additionalProperties") {
                out.insert("additionalProperties".to_owned(), Value::Bool(false));
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(|i| convert(i, request)).collect()),
        other => other.clone(),
    }
}

/// Validate `instance` against a Swagger `schema` of this contract; `Err` lists the problems.
pub fn validate(schema: &Value, instance: &Value, request: bool) -> Result<(), String> {
    let definitions: Map<String, Value> = spec()["definitions"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(name, definition)| (name.clone(), convert(definition, request)))
        .collect();
    let root = json!({
        "$schema": "http://json-schema.org/draft-04/schema#",
        "definitions": definitions,
        "allOf": [convert(schema, request)],
    });
    let validator =
        jsonschema::validator_for(&root).map_err(|e| format!("schema does not compile: {e}"))?;
    let errors: Vec<String> = validator
        .iter_errors(instance)
        .map(|e| format!("{e} at `{}`", e.instance_path()))
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors.join("; "))
    }
}
