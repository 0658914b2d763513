//! A reader of the Azure resource type definitions in the JSON format of `Azure/bicep-types`
//! (the `types.json` files of `bicep-types-az` and of the NuGet package
//! `Azure.Bicep.Types.Az`), as the Bicep compiler uses them to type-check resource bodies.
//!
//! Format: `index.json` maps `"<Type>@<apiVersion>"` to `"<file>#/<n>"`; each `types.json` is a
//! flat array of type nodes (`$type`: `ResourceType`, `ObjectType`, `StringType`, ...) that
//! refer to each other by `{"$ref": "#/<n>"}`. Property flags are bits: Required = 1,
//! ReadOnly = 2, WriteOnly = 4, DeployTimeConstant = 8, Identifier = 16. Look-ups ignore case,
//! as the compiler's do.
//!
//! Parsing is pure ([`TypeIndex::from_sources`]); reading a directory, and each file on
//! first use, lives in [`load`].
//! Files are parsed lazily on first use, because the full upstream package holds thousands
//! of files of which a template needs a handful.

mod load;

use std::collections::HashMap;
use std::sync::OnceLock;

use regex::Regex;
use serde_json::Value;

use crate::error::Error;

/// Property flag: the property must be set.
pub const FLAG_REQUIRED: u32 = 1;
/// Property flag: the property is set by Azure and cannot be written.
pub const FLAG_READ_ONLY: u32 = 2;
/// Property flag: the property can be written but is never returned.
pub const FLAG_WRITE_ONLY: u32 = 4;
/// Property flag: the value must be known when the deployment starts.
pub const FLAG_DEPLOY_TIME_CONSTANT: u32 = 8;

/// A reference to a type node: file number and index within the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TypeRef {
    file: usize,
    index: usize,
}

/// A property of an object type.
#[derive(Debug, Clone)]
pub struct Property {
    /// Property name as the type data spells it.
    pub name: String,
    /// Its type.
    pub ty: TypeRef,
    /// Flag bits (`FLAG_*`).
    pub flags: u32,
    /// Description from the REST API specification.
    pub description: Option<String>,
}

impl Property {
    /// Whether the property must be set.
    #[must_use]
    pub fn required(&self) -> bool {
        self.flags & FLAG_REQUIRED != 0
    }

    /// Whether the property is read-only (and not also required, which the data uses for
    /// identifiers such as `name`).
    #[must_use]
    pub fn read_only(&self) -> bool {
        self.flags & FLAG_READ_ONLY != 0 && self.flags & FLAG_REQUIRED == 0
    }
}

/// The `pattern` of a string type, compiled on first use (most are never needed, and
/// bounded repetitions of Unicode classes are slow to compile).
#[derive(Debug)]
pub struct Pattern {
    /// The pattern as written in the type data (.NET syntax).
    pub source: String,
    compiled: OnceLock<Option<(Regex, Option<char>)>>,
}

impl Clone for Pattern {
    fn clone(&self) -> Self {
        Self::new(&self.source)
    }
}

impl Pattern {
    fn new(source: &str) -> Self {
        Self {
            source: source.to_owned(),
            compiled: OnceLock::new(),
        }
    }

    /// The regex and, for a trailing negative look-behind `(?<!c)$` (which `regex` cannot
    /// express and the data uses for "does not end in c"), the forbidden last character.
    fn compiled(&self) -> Option<&(Regex, Option<char>)> {
        self.compiled
            .get_or_init(|| {
                let source = self.source.as_str();
                let mut forbidden_last = None;
                let mut text = source.to_owned();
                if let Some(stripped) = source.strip_suffix('$')
                    && let Some(start) = stripped.rfind("(?<!")
                {
                    let inner = &stripped[start + 4..stripped.len().saturating_sub(1)];
                    let mut chars = inner.chars();
                    let c = match (chars.next(), chars.next(), chars.next()) {
                        (Some('\\'), Some(c), None) | (Some(c), None, None) => Some(c),
                        _ => None,
                    };
                    if let Some(c) = c
                        && stripped.ends_with(')')
                    {
                        forbidden_last = Some(c);
                        text = format!("{}$", &stripped[..start]);
                    }
                }
                Regex::new(&text).ok().map(|re| (re, forbidden_last))
            })
            .as_ref()
    }

    /// Whether the pattern can be checked at all.
    #[must_use]
    pub fn checkable(&self) -> bool {
        self.compiled().is_some()
    }

    /// `Some(true/false)` when checkable.
    #[must_use]
    pub fn matches(&self, value: &str) -> Option<bool> {
        let (re, forbidden_last) = self.compiled()?;
        let tail_ok = forbidden_last.is_none_or(|c| !value.ends_with(c));
        Some(re.is_match(value) && tail_ok)
    }
}

/// One node of the type graph.
#[derive(Debug, Clone)]
pub enum TypeNode {
    /// Anything goes.
    Any,
    /// `null`.
    Null,
    /// `true` / `false`.
    Boolean,
    /// An integer with optional bounds.
    Integer {
        /// Smallest allowed value.
        min: Option<i64>,
        /// Largest allowed value.
        max: Option<i64>,
    },
    /// A string with optional rules.
    String {
        /// Shortest allowed length.
        min_length: Option<u64>,
        /// Longest allowed length.
        max_length: Option<u64>,
        /// Pattern the value must match.
        pattern: Option<Pattern>,
        /// Whether the value is a secret.
        sensitive: bool,
    },
    /// Exactly this string.
    StringLiteral(String),
    /// Any one of the elements.
    Union(Vec<TypeRef>),
    /// An array.
    Array {
        /// Element type.
        item: TypeRef,
        /// Fewest elements.
        min_length: Option<u64>,
        /// Most elements.
        max_length: Option<u64>,
    },
    /// An object with known properties.
    Object {
        /// Type name (for messages).
        name: String,
        /// Properties, in the order of the data.
        properties: Vec<Property>,
        /// Type of properties not listed, if any are allowed.
        additional: Option<TypeRef>,
        /// Whether the whole object is a secret.
        sensitive: bool,
    },
    /// An object whose shape depends on the value of one property.
    Discriminated {
        /// Type name (for messages).
        name: String,
        /// The property whose value selects the element.
        discriminator: String,
        /// Properties every element has.
        base: Vec<Property>,
        /// Discriminator value to element type.
        elements: Vec<(String, TypeRef)>,
    },
    /// A resource type: name and body.
    Resource {
        /// `Type@apiVersion`.
        name: String,
        /// Body type.
        body: TypeRef,
    },
    /// A node kind this reader does not model (function types and the like).
    Unsupported(String),
}

struct TypeFile {
    path: String,
    content: TypeFileContent,
    parsed: OnceLock<Result<Vec<TypeNode>, String>>,
}

/// A `types.json` file's text, or where to read it on first use: the full upstream
/// package is over a gigabyte of JSON, of which a template needs a few files.
enum TypeFileContent {
    Text(String),
    OnDisk(std::path::PathBuf),
}

/// An entry of `index.json`.
#[derive(Debug, Clone)]
struct IndexEntry {
    /// `Type@apiVersion` as spelled in the index.
    key: String,
    file: usize,
    index: usize,
}

/// The resource type definitions the validator checks bodies against.
pub struct TypeIndex {
    entries: HashMap<String, IndexEntry>,
    versions: HashMap<String, Vec<String>>,
    files: Vec<TypeFile>,
    source: String,
}

impl std::fmt::Debug for TypeIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TypeIndex")
            .field("source", &self.source)
            .field("resource_types", &self.entries.len())
            .field("files", &self.files.len())
            .finish()
    }
}

/// A resolved resource type: where its body is.
#[derive(Debug, Clone)]
pub struct ResourceType {
    /// `Type@apiVersion` as the index spells it.
    pub name: String,
    /// The body type.
    pub body: TypeRef,
}

impl TypeIndex {
    /// Builds an index from the text of `index.json` and of the `types.json` files it
    /// references (path relative to the index, as written in it, and content). Files the
    /// index references but that are not supplied make their resource types unchecked.
    ///
    /// # Errors
    /// [`Error::TypeData`] when `index.json` is not in the bicep-types format.
    pub fn from_sources(
        source: &str,
        index_json: &str,
        files: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Self, Error> {
        Self::build(
            source,
            index_json,
            files
                .into_iter()
                .map(|(path, text)| (path, TypeFileContent::Text(text))),
        )
    }

    fn build(
        source: &str,
        index_json: &str,
        files: impl IntoIterator<Item = (String, TypeFileContent)>,
    ) -> Result<Self, Error> {
        let bad = |reason: String| Error::TypeData {
            path: format!("{source}/index.json"),
            reason,
        };
        let index: Value =
            serde_json::from_str(index_json).map_err(|e| bad(format!("not JSON: {e}")))?;
        let resources = index
            .get("resources")
            .and_then(Value::as_object)
            .ok_or_else(|| bad("no \"resources\" object".to_owned()))?;
        let mut file_numbers: HashMap<String, usize> = HashMap::new();
        let mut type_files = Vec::new();
        for (path, content) in files {
            file_numbers.insert(path.clone(), type_files.len());
            type_files.push(TypeFile {
                path,
                content,
                parsed: OnceLock::new(),
            });
        }
        let mut entries = HashMap::new();
        let mut versions: HashMap<String, Vec<String>> = HashMap::new();
        for (key, value) in resources {
            let Some(reference) = value.get("$ref").and_then(Value::as_str) else {
                return Err(bad(format!("entry {key:?} has no $ref")));
            };
            let Some((file, index)) = reference.split_once("#/") else {
                return Err(bad(format!(
                    "entry {key:?} has a $ref without #/: {reference:?}"
                )));
            };
            let index: usize = index
                .parse()
                .map_err(|_| bad(format!("entry {key:?}: bad index in {reference:?}")))?;
            let Some((ty, api)) = key.split_once('@') else {
                return Err(bad(format!("entry {key:?} is not Type@apiVersion")));
            };
            versions
                .entry(ty.to_ascii_lowercase())
                .or_default()
                .push(api.to_owned());
            let Some(&file) = file_numbers.get(file) else {
                continue;
            };
            entries.insert(
                key.to_ascii_lowercase(),
                IndexEntry {
                    key: key.clone(),
                    file,
                    index,
                },
            );
        }
        for list in versions.values_mut() {
            list.sort();
            list.dedup();
        }
        Ok(Self {
            entries,
            versions,
            files: type_files,
            source: source.to_owned(),
        })
    }

    /// Where the data came from (a directory path), for reports.
    #[must_use]
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Number of `Type@apiVersion` entries that can be checked.
    #[must_use]
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether no resource type can be checked.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// API versions the data knows for a resource type (sorted), whether or not their files
    /// were supplied.
    #[must_use]
    pub fn api_versions(&self, resource_type: &str) -> &[String] {
        self.versions
            .get(&resource_type.to_ascii_lowercase())
            .map_or(&[], Vec::as_slice)
    }

    /// Whether `Type@apiVersion` is in the index (case-insensitive).
    #[must_use]
    pub fn contains(&self, resource_type: &str, api_version: &str) -> bool {
        self.entries
            .contains_key(&format!("{resource_type}@{api_version}").to_ascii_lowercase())
    }

    /// Every `Type@apiVersion` key of the index whose file was supplied, sorted.
    #[must_use]
    pub fn keys(&self) -> Vec<&str> {
        let mut keys: Vec<&str> = self.entries.values().map(|e| e.key.as_str()).collect();
        keys.sort_unstable();
        keys
    }

    /// Resolves a resource type at an API version.
    ///
    /// # Errors
    /// A message when the type's file is malformed (the caller reports the resource as
    /// unchecked with it).
    pub fn resource(
        &self,
        resource_type: &str,
        api_version: &str,
    ) -> Result<Option<ResourceType>, String> {
        let Some(entry) = self
            .entries
            .get(&format!("{resource_type}@{api_version}").to_ascii_lowercase())
        else {
            return Ok(None);
        };
        let at = TypeRef {
            file: entry.file,
            index: entry.index,
        };
        match self.node(at)? {
            TypeNode::Resource { name, body } => Ok(Some(ResourceType {
                name: name.clone(),
                body: *body,
            })),
            other => Err(format!(
                "{} entry #/{} is not a ResourceType but {other:?}",
                self.files[entry.file].path, entry.index
            )),
        }
    }

    /// The node a reference points to.
    ///
    /// # Errors
    /// A message when the file is malformed or the index is out of range.
    pub fn node(&self, at: TypeRef) -> Result<&TypeNode, String> {
        let file = self
            .files
            .get(at.file)
            .ok_or_else(|| format!("no type file #{}", at.file))?;
        let nodes = file
            .parsed
            .get_or_init(|| match &file.content {
                TypeFileContent::Text(text) => parse_file(at.file, text),
                TypeFileContent::OnDisk(path) => {
                    load::read_type_file(path).and_then(|text| parse_file(at.file, &text))
                }
            })
            .as_ref()
            .map_err(|e| format!("{}: {e}", file.path))?;
        nodes
            .get(at.index)
            .ok_or_else(|| format!("{}: no type #/{}", file.path, at.index))
    }
}

fn parse_file(file: usize, text: &str) -> Result<Vec<TypeNode>, String> {
    let value: Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
    let items = value.as_array().ok_or("not a JSON array of types")?;
    items
        .iter()
        .enumerate()
        .map(|(i, item)| parse_node(file, item).map_err(|e| format!("type #/{i}: {e}")))
        .collect()
}

fn reference(file: usize, v: Option<&Value>) -> Result<TypeRef, String> {
    let text = v
        .and_then(|v| v.get("$ref"))
        .and_then(Value::as_str)
        .ok_or("missing $ref")?;
    let index = text
        .strip_prefix("#/")
        .ok_or_else(|| format!("cross-file $ref {text:?} is not supported"))?;
    let index = index.parse().map_err(|_| format!("bad $ref {text:?}"))?;
    Ok(TypeRef { file, index })
}

fn properties(file: usize, v: Option<&Value>) -> Result<Vec<Property>, String> {
    let Some(map) = v.and_then(Value::as_object) else {
        return Ok(Vec::new());
    };
    map.iter()
        .map(|(name, p)| {
            Ok(Property {
                name: name.clone(),
                ty: reference(file, p.get("type"))?,
                flags: p
                    .get("flags")
                    .and_then(Value::as_u64)
                    .and_then(|f| u32::try_from(f).ok())
                    .unwrap_or(0),
                description: p
                    .get("description")
                    .and_then(Value::as_str)
                    .map(str::to_owned),
            })
        })
        .collect()
}

fn parse_node(file: usize, v: &Value) -> Result<TypeNode, String> {
    let kind = v.get("$type").and_then(Value::as_str).ok_or("no $type")?;
    let u = |key: &str| v.get(key).and_then(Value::as_u64);
    let i = |key: &str| v.get(key).and_then(Value::as_i64);
    let sensitive = v.get("sensitive").and_then(Value::as_bool).unwrap_or(false);
    Ok(match kind {
        "AnyType" => TypeNode::Any,
        "NullType" => TypeNode::Null,
        "BooleanType" => TypeNode::Boolean,
        "IntegerType" => TypeNode::Integer {
            min: i("minValue"),
            max: i("maxValue"),
        },
        "StringType" => TypeNode::String {
            min_length: u("minLength"),
            max_length: u("maxLength"),
            pattern: v.get("pattern").and_then(Value::as_str).map(Pattern::new),
            sensitive,
        },
        "StringLiteralType" => TypeNode::StringLiteral(
            v.get("value")
                .and_then(Value::as_str)
                .ok_or("no value")?
                .to_owned(),
        ),
        "UnionType" => TypeNode::Union(
            v.get("elements")
                .and_then(Value::as_array)
                .ok_or("no elements")?
                .iter()
                .map(|e| reference(file, Some(e)))
                .collect::<Result<_, _>>()?,
        ),
        "ArrayType" => TypeNode::Array {
            item: reference(file, v.get("itemType"))?,
            min_length: u("minLength"),
            max_length: u("maxLength"),
        },
        "ObjectType" => TypeNode::Object {
            name: v
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or("object")
                .to_owned(),
            properties: properties(file, v.get("properties"))?,
            additional: v
                .get("additionalProperties")
                .map(|a| reference(file, Some(a)))
                .transpose()?,
            sensitive,
        },
        "DiscriminatedObjectType" => TypeNode::Discriminated {
            name: v
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or("object")
                .to_owned(),
            discriminator: v
                .get("discriminator")
                .and_then(Value::as_str)
                .ok_or("no discriminator")?
                .to_owned(),
            base: properties(file, v.get("baseProperties"))?,
            elements: v
                .get("elements")
                .and_then(Value::as_object)
                .ok_or("no elements")?
                .iter()
                .map(|(k, e)| Ok((k.clone(), reference(file, Some(e))?)))
                .collect::<Result<_, String>>()?,
        },
        "ResourceType" => TypeNode::Resource {
            name: v
                .get("name")
                .and_then(Value::as_str)
                .ok_or("no name")?
                .to_owned(),
            body: reference(file, v.get("body"))?,
        },
        other => TypeNode::Unsupported(other.to_owned()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn shared_types() -> TypeIndex {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../../shared/contracts/bicep-types");
        TypeIndex::load_dir(&dir).expect("shared bicep-types load")
    }

    #[test]
    fn loads_the_shared_contract_and_resolves_a_vault() {
        let types = shared_types();
        assert!(types.len() >= 30, "{}", types.len());
        let vault = types
            .resource("microsoft.keyvault/VAULTS", "2026-02-01")
            .expect("parses")
            .expect("present");
        let TypeNode::Object { properties, .. } = types.node(vault.body).expect("node") else {
            panic!("object body")
        };
        let location = properties
            .iter()
            .find(|p| p.name == "location")
            .expect("location");
        assert!(location.required());
        let id = properties.iter().find(|p| p.name == "id").expect("id");
        assert!(id.read_only());
        assert!(
            types
                .resource("Microsoft.KeyVault/vaults", "1999-01-01")
                .expect("ok")
                .is_none()
        );
        assert_eq!(
            types.api_versions("Microsoft.Insights/diagnosticSettings"),
            ["2016-09-01", "2021-05-01-preview"]
        );
    }

    #[test]
    fn look_behind_pattern_is_rewritten() {
        let p = Pattern::new("^[a-zA-Z0-9][-_a-zA-Z0-9]{0,79}(?<!-)$");
        assert_eq!(p.matches("allow-all"), Some(true));
        assert_eq!(p.matches("allow-"), Some(false));
        assert_eq!(p.matches("-x"), Some(false));
        let q = Pattern::new("^[a-z]+$");
        assert_eq!(q.matches("abc"), Some(true));
    }

    #[test]
    fn type_files_are_read_on_first_use_only() {
        let dir = tempfile::tempdir().expect("tempdir");
        let index = r##"{"resources": {
            "Microsoft.A/things@2024-01-01": {"$ref": "a/types.json#/1"},
            "Microsoft.B/things@2024-01-01": {"$ref": "b/types.json#/0"},
            "Microsoft.C/things@2024-01-01": {"$ref": "c/types.json#/0"}
        }}"##;
        std::fs::write(dir.path().join("index.json"), index).expect("index");
        for sub in ["a", "b"] {
            std::fs::create_dir(dir.path().join(sub)).expect("dir");
        }
        let a = r##"[{"$type": "ObjectType", "name": "body", "properties": {}},
                    {"$type": "ResourceType", "name": "Microsoft.A/things@2024-01-01", "body": {"$ref": "#/0"}}]"##;
        std::fs::write(dir.path().join("a/types.json"), a).expect("a");
        // Broken, but never needed unless Microsoft.B is checked.
        std::fs::write(dir.path().join("b/types.json"), "not json").expect("b");

        let types = TypeIndex::load_dir(dir.path()).expect("loads without reading the files");
        assert_eq!(
            types.len(),
            2,
            "c/types.json is missing, so Microsoft.C is unchecked"
        );
        let found = types
            .resource("Microsoft.A/things", "2024-01-01")
            .expect("a parses")
            .expect("a present");
        assert_eq!(found.name, "Microsoft.A/things@2024-01-01");
        let broken = types
            .resource("Microsoft.B/things", "2024-01-01")
            .expect_err("b is malformed");
        assert!(broken.contains("b/types.json"), "{broken}");
    }

    #[test]
    fn malformed_index_is_a_type_data_error() {
        let err = TypeIndex::from_sources("mem", "{}", Vec::new()).unwrap_err();
        assert!(matches!(err, Error::TypeData { .. }), "{err}");
    }
}
