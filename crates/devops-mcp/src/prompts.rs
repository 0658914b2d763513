//! Templates and task prompts, served as MCP prompts; templates are also
//! readable as resources at `devops-mcp://templates/<name>`.
//!
//! Each prompt is a Markdown file under `crates/devops-mcp/prompts/` with YAML
//! front matter (`name`, `title`, `description`, `arguments`) and a body in
//! which `{{argument}}` or `{{argument|default}}` is replaced by the argument.
//! The files are embedded at build time, so adding a prompt is adding a file.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use include_dir::{Dir, include_dir};
use regex::Regex;
use rmcp::ErrorData;
use rmcp::model::{
    GetPromptResult, Prompt, PromptArgument, PromptMessage, Resource, ResourceContents, Role,
};
use serde::Deserialize;

static PROMPT_FILES: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/prompts");

/// URI prefix of the templates served as resources.
pub const TEMPLATE_URI_PREFIX: &str = "devops-mcp://templates/";

static PLACEHOLDER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\{\{\s*([a-z][a-z0-9_]*)\s*(?:\|([^}]*))?\}\}").expect("constant pattern")
});

/// What kind of prompt a file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A document to fill in (`prompts/templates/`).
    Template,
    /// A step-by-step task for the agent (`prompts/tasks/`).
    Task,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FrontMatter {
    name: String,
    title: Option<String>,
    description: String,
    #[serde(default)]
    arguments: Vec<ArgumentSpec>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct ArgumentSpec {
    name: String,
    description: String,
    #[serde(default)]
    required: bool,
}

/// One prompt, parsed.
#[derive(Debug, Clone)]
pub struct PromptFile {
    pub kind: Kind,
    pub name: String,
    pub title: Option<String>,
    pub description: String,
    arguments: Vec<ArgumentSpec>,
    body: String,
}

/// Every prompt, by name.
#[derive(Debug)]
pub struct Prompts {
    by_name: BTreeMap<String, PromptFile>,
}

/// A prompt file that cannot be served; a build of the server with one is broken.
#[derive(Debug, thiserror::Error)]
#[error("prompt file {path}: {message}")]
pub struct PromptFileError {
    pub path: String,
    pub message: String,
}

impl Prompts {
    /// Parse the embedded prompt files.
    pub fn embedded() -> Result<Self, PromptFileError> {
        let mut by_name = BTreeMap::new();
        for (folder, kind) in [("templates", Kind::Template), ("tasks", Kind::Task)] {
            let Some(dir) = PROMPT_FILES.get_dir(folder) else {
                continue;
            };
            for file in dir.files() {
                let path = file.path().to_string_lossy().into_owned();
                if !path.ends_with(".md") {
                    continue;
                }
                let text = file.contents_utf8().ok_or_else(|| PromptFileError {
                    path: path.clone(),
                    message: "not UTF-8".into(),
                })?;
                let prompt = parse(kind, &path, text)?;
                by_name.insert(prompt.name.clone(), prompt);
            }
        }
        Ok(Self { by_name })
    }

    pub fn iter(&self) -> impl Iterator<Item = &PromptFile> {
        self.by_name.values()
    }

    /// The answer to `prompts/list`.
    pub fn list(&self) -> Vec<Prompt> {
        self.by_name.values().map(PromptFile::to_prompt).collect()
    }

    /// The answer to `prompts/get`.
    pub fn get(
        &self,
        name: &str,
        arguments: Option<&serde_json::Map<String, serde_json::Value>>,
    ) -> Result<GetPromptResult, ErrorData> {
        let prompt = self.by_name.get(name).ok_or_else(|| {
            ErrorData::invalid_params(
                format!(
                    "unknown prompt `{name}`; prompts/list names the prompts this server has ({})",
                    self.by_name.keys().cloned().collect::<Vec<_>>().join(", ")
                ),
                None,
            )
        })?;
        prompt.render(arguments)
    }

    /// Templates as resources.
    pub fn template_resources(&self) -> Vec<Resource> {
        self.by_name
            .values()
            .filter(|prompt| prompt.kind == Kind::Template)
            .map(|prompt| {
                let mut resource = Resource::new(
                    format!("{TEMPLATE_URI_PREFIX}{}", prompt.name),
                    prompt.name.clone(),
                )
                .with_description(prompt.description.clone())
                .with_mime_type("text/markdown")
                .with_size(prompt.body.len() as u64);
                resource.title = prompt.title.clone();
                resource
            })
            .collect()
    }

    /// `resources/read` of a template: its Markdown with the placeholders left in.
    pub fn read_template(&self, uri: &str) -> Option<ResourceContents> {
        let name = uri.strip_prefix(TEMPLATE_URI_PREFIX)?;
        let prompt = self
            .by_name
            .get(name)
            .filter(|prompt| prompt.kind == Kind::Template)?;
        Some(ResourceContents::text(prompt.body.clone(), uri).with_mime_type("text/markdown"))
    }

    /// Names of the templates, for completing the resource template.
    pub fn template_names(&self) -> Vec<String> {
        self.by_name
            .values()
            .filter(|prompt| prompt.kind == Kind::Template)
            .map(|prompt| prompt.name.clone())
            .collect()
    }

    /// Whether `prompt` has an argument called `argument`.
    pub fn has_argument(&self, prompt: &str, argument: &str) -> bool {
        self.by_name
            .get(prompt)
            .is_some_and(|p| p.arguments.iter().any(|a| a.name == argument))
    }
}

impl PromptFile {
    fn to_prompt(&self) -> Prompt {
        let arguments = self
            .arguments
            .iter()
            .map(|arg| {
                PromptArgument::new(arg.name.clone())
                    .with_description(arg.description.clone())
                    .with_required(arg.required)
            })
            .collect::<Vec<_>>();
        let mut prompt = Prompt::new(
            self.name.clone(),
            Some(self.description.clone()),
            (!arguments.is_empty()).then_some(arguments),
        );
        prompt.title = self.title.clone();
        prompt
    }

    fn render(
        &self,
        arguments: Option<&serde_json::Map<String, serde_json::Value>>,
    ) -> Result<GetPromptResult, ErrorData> {
        let empty = serde_json::Map::new();
        let given = arguments.unwrap_or(&empty);
        for key in given.keys() {
            if !self.arguments.iter().any(|arg| &arg.name == key) {
                return Err(ErrorData::invalid_params(
                    format!(
                        "prompt `{}` has no argument `{key}`; its arguments are: {}",
                        self.name,
                        self.argument_names()
                    ),
                    None,
                ));
            }
        }
        let value_of = |name: &str| -> Option<String> {
            match given.get(name)? {
                serde_json::Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
                serde_json::Value::String(_) | serde_json::Value::Null => None,
                other => Some(other.to_string()),
            }
        };
        for arg in self.arguments.iter().filter(|arg| arg.required) {
            if value_of(&arg.name).is_none() {
                return Err(ErrorData::invalid_params(
                    format!(
                        "prompt `{}` needs the argument `{}` ({})",
                        self.name, arg.name, arg.description
                    ),
                    None,
                ));
            }
        }
        let text = PLACEHOLDER.replace_all(&self.body, |caps: &regex::Captures<'_>| {
            let name = caps.get(1).map_or("", |m| m.as_str());
            value_of(name)
                .or_else(|| caps.get(2).map(|m| m.as_str().trim().to_owned()))
                .unwrap_or_else(|| format!("<{name}: not given>"))
        });
        let mut messages = vec![PromptMessage::new_text(Role::User, text.into_owned())];
        // Link the skills the prompt names, so a client can attach them.
        for uri in skill_links(&self.body) {
            let name = uri
                .strip_prefix("skill://")
                .and_then(|rest| rest.split('/').next())
                .unwrap_or_default()
                .to_owned();
            messages.push(PromptMessage::new_resource_link(
                Role::User,
                Resource::new(uri, name).with_mime_type("text/markdown"),
            ));
        }
        Ok(GetPromptResult::new(messages).with_description(self.description.clone()))
    }

    fn argument_names(&self) -> String {
        if self.arguments.is_empty() {
            return "(none)".into();
        }
        self.arguments
            .iter()
            .map(|arg| arg.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

fn skill_links(body: &str) -> Vec<String> {
    static LINK: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"skill://[a-z0-9-]+/SKILL\.md").expect("constant pattern"));
    let mut links: Vec<String> = LINK
        .find_iter(body)
        .map(|m| m.as_str().to_owned())
        .collect();
    links.sort();
    links.dedup();
    links
}

fn parse(kind: Kind, path: &str, text: &str) -> Result<PromptFile, PromptFileError> {
    let error = |message: String| PromptFileError {
        path: path.to_owned(),
        message,
    };
    let rest = text
        .strip_prefix("---\n")
        .ok_or_else(|| error("must start with `---` front matter".into()))?;
    let end = rest
        .find("\n---\n")
        .ok_or_else(|| error("front matter is not closed with `---`".into()))?;
    let front: FrontMatter =
        yaml_serde::from_str(&rest[..end]).map_err(|e| error(format!("front matter: {e}")))?;
    let body = rest[end + 5..].trim_start_matches('\n').to_owned();
    let stem = path
        .rsplit('/')
        .next()
        .and_then(|file| file.strip_suffix(".md"))
        .unwrap_or_default();
    if front.name != stem {
        return Err(error(format!(
            "name `{}` must equal the file name `{stem}`",
            front.name
        )));
    }
    for caps in PLACEHOLDER.captures_iter(&body) {
        let name = caps.get(1).map_or("", |m| m.as_str());
        if !front.arguments.iter().any(|arg| arg.name == name) {
            return Err(error(format!(
                "placeholder `{{{{{name}}}}}` is not a declared argument"
            )));
        }
    }
    Ok(PromptFile {
        kind,
        name: front.name,
        title: front.title,
        description: front.description,
        arguments: front.arguments,
        body,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "---\nname: demo\ntitle: Demo\ndescription: A demo.\narguments:\n  - name: application_name\n    description: The app.\n    required: true\n  - name: region\n    description: Azure region.\n---\nDeploy {{application_name}} to {{region|swedencentral}}. See skill://observability/SKILL.md.\n";

    #[test]
    fn renders_arguments_and_defaults() {
        let prompt = parse(Kind::Task, "tasks/demo.md", SAMPLE).unwrap();
        let mut args = serde_json::Map::new();
        args.insert("application_name".into(), "shop".into());
        let result = prompt.render(Some(&args)).unwrap();
        let json = serde_json::to_string(&result).unwrap();
        assert!(json.contains("Deploy shop to swedencentral"), "{json}");
        assert!(json.contains("skill://observability/SKILL.md"), "{json}");
    }

    #[test]
    fn missing_required_and_unknown_arguments_are_errors() {
        let prompt = parse(Kind::Task, "tasks/demo.md", SAMPLE).unwrap();
        let message = prompt.render(None).unwrap_err().message;
        assert!(message.contains("application_name"), "{message}");
        let mut args = serde_json::Map::new();
        args.insert("application_name".into(), "shop".into());
        args.insert("colour".into(), "blue".into());
        let message = prompt.render(Some(&args)).unwrap_err().message;
        assert!(message.contains("colour"), "{message}");
    }

    #[test]
    fn undeclared_placeholder_is_rejected() {
        let text = SAMPLE.replace("{{region|swedencentral}}", "{{zone}}");
        assert!(parse(Kind::Task, "tasks/demo.md", &text).is_err());
    }

    #[test]
    fn every_embedded_prompt_parses() {
        let prompts = Prompts::embedded().unwrap();
        for prompt in prompts.iter() {
            assert!(!prompt.description.is_empty(), "{}", prompt.name);
        }
    }
}
