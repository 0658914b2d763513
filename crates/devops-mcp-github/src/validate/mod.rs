//! Workflow validation: YAML syntax, the official GitHub workflow JSON schema
//! (when the caller supplies it), and the built-in security rules with stable
//! IDs (`GHA001`...), each finding with a line number. External linters
//! (actionlint, zizmor) are in [`crate::linters`] and merge into the same report.

mod rules;
pub(crate) mod yaml;

use serde::{Deserialize, Serialize};

use crate::Error;
use yaml::MNode;

pub use rules::{RULES, RuleInfo};

#[cfg(test)]
pub(crate) use rules::grants_write as rules_grants_write;

/// How serious a finding is.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Must be fixed: the workflow is invalid or insecure.
    Error,
    /// Should be fixed.
    Warning,
    /// For information.
    Info,
}

/// One problem in one file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Finding {
    /// Which checker found it: `yaml`, `schema`, `devops-mcp`, `actionlint`, `zizmor`.
    pub checker: String,
    /// Stable rule ID: `GHA001`.. for built-in rules, `schema`, `syntax`, or the
    /// external tool's rule (actionlint kind, zizmor audit ident).
    pub rule: String,
    /// How serious it is.
    pub severity: Severity,
    /// Repository-relative path of the file.
    pub path: String,
    /// 1-based line, when known.
    pub line: Option<usize>,
    /// 1-based column, when known.
    pub column: Option<usize>,
    /// What is wrong.
    pub message: String,
    /// How to fix it, or where the rule is documented.
    pub help: Option<String>,
}

/// Whether a checker ran, and if not, why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct CheckerRun {
    /// Checker name.
    pub name: String,
    /// Whether it ran on every file.
    pub ran: bool,
    /// Version, or why it did not run.
    pub detail: String,
}

/// The result of validating one or more workflow files.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ValidationReport {
    /// Findings of every checker, sorted by path, line and rule.
    pub findings: Vec<Finding>,
    /// Which checkers ran.
    pub checkers: Vec<CheckerRun>,
}

impl ValidationReport {
    /// Whether any finding is an error.
    #[must_use]
    pub fn has_errors(&self) -> bool {
        self.findings.iter().any(|f| f.severity == Severity::Error)
    }

    /// Number of findings of `severity`.
    #[must_use]
    pub fn count(&self, severity: Severity) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == severity)
            .count()
    }

    /// Adds another report's findings and checkers (external linters).
    pub fn merge(&mut self, other: ValidationReport) {
        self.findings.extend(other.findings);
        for c in other.checkers {
            self.set_checker(c);
        }
        self.sort();
    }

    pub(crate) fn set_checker(&mut self, run: CheckerRun) {
        match self.checkers.iter_mut().find(|c| c.name == run.name) {
            Some(existing) => {
                existing.ran &= run.ran;
                if existing.detail != run.detail && !run.detail.is_empty() {
                    existing.detail = run.detail;
                }
            }
            None => self.checkers.push(run),
        }
    }

    fn sort(&mut self) {
        self.findings.sort_by(|a, b| {
            (&a.path, a.line, &a.rule, &a.message).cmp(&(&b.path, b.line, &b.rule, &b.message))
        });
        self.findings.dedup();
    }
}

/// The GitHub workflow JSON schema, compiled once and reused.
pub struct WorkflowSchema {
    root: jsonschema::Validator,
    normal_job: jsonschema::Validator,
    reusable_job: jsonschema::Validator,
}

impl std::fmt::Debug for WorkflowSchema {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WorkflowSchema")
    }
}

impl WorkflowSchema {
    /// Compiles the SchemaStore `github-workflow.json` schema.
    ///
    /// Two extra validators for the job definitions give precise messages
    /// where the schema's `oneOf` (normal job or reusable workflow call) would
    /// only say "not valid under any of the schemas".
    ///
    /// # Errors
    /// [`Error::Schema`] when the document is not a compilable schema or lacks
    /// the job definitions.
    pub fn new(schema: &serde_json::Value) -> Result<Self, Error> {
        let root = jsonschema::validator_for(schema).map_err(|e| Error::Schema(e.to_string()))?;
        let definitions = schema
            .get("definitions")
            .ok_or_else(|| Error::Schema("no `definitions` in the schema".to_owned()))?;
        let sub = |name: &str| -> Result<jsonschema::Validator, Error> {
            if definitions.get(name).is_none() {
                return Err(Error::Schema(format!(
                    "no `definitions/{name}` in the schema"
                )));
            }
            let doc = serde_json::json!({
                "$schema": "http://json-schema.org/draft-07/schema#",
                "$ref": format!("#/definitions/{name}"),
                "definitions": definitions,
            });
            jsonschema::validator_for(&doc).map_err(|e| Error::Schema(e.to_string()))
        };
        Ok(Self {
            root,
            normal_job: sub("normalJob")?,
            reusable_job: sub("reusableWorkflowCallJob")?,
        })
    }

    fn check(&self, root: &MNode, path: &str, findings: &mut Vec<Finding>) {
        let instance = root.to_json();
        let mut seen_jobs = Vec::new();
        for err in self.root.iter_errors(&instance) {
            let pointer = err.instance_path().as_str().to_owned();
            let segs: Vec<&str> = pointer.split('/').collect();
            // `/jobs/<id>` failing the oneOf: explain with the job schema it was meant for.
            if segs.len() == 3 && segs[1] == "jobs" {
                if seen_jobs.contains(&pointer) {
                    continue;
                }
                seen_jobs.push(pointer.clone());
                if let Some(job) = instance.pointer(&pointer) {
                    let validator = if job.get("uses").is_some() {
                        &self.reusable_job
                    } else {
                        &self.normal_job
                    };
                    let before = findings.len();
                    for sub in validator.iter_errors(job) {
                        let p = format!("{pointer}{}", sub.instance_path().as_str());
                        findings.push(schema_finding(root, path, &p, &sub.to_string()));
                    }
                    if findings.len() > before {
                        continue;
                    }
                }
            }
            findings.push(schema_finding(root, path, &pointer, &err.to_string()));
        }
    }
}

fn schema_finding(root: &MNode, path: &str, pointer: &str, message: &str) -> Finding {
    let node = root.at_pointer(pointer);
    let location = if pointer.is_empty() {
        "/".to_owned()
    } else {
        pointer.to_owned()
    };
    let mut message = message.to_owned();
    if message.len() > 400 {
        let mut cut = 400;
        while !message.is_char_boundary(cut) {
            cut -= 1;
        }
        message.truncate(cut);
        message.push_str("...");
    }
    Finding {
        checker: "schema".to_owned(),
        rule: "schema".to_owned(),
        severity: Severity::Error,
        path: path.to_owned(),
        line: Some(node.line),
        column: Some(node.col),
        message: format!("{location}: {message}"),
        help: Some("see the workflow syntax reference: https://docs.github.com/actions/reference/workflows-and-actions/workflow-syntax".to_owned()),
    }
}

/// Validates one workflow file's text.
///
/// Without a schema the report lists the `schema` checker as not run.
#[must_use]
pub fn validate_workflow(
    text: &str,
    path: &str,
    schema: Option<&WorkflowSchema>,
) -> ValidationReport {
    let mut report = ValidationReport::default();
    check_one(text, path, schema, &mut report);
    finish(&mut report, schema.is_some());
    report
}

/// Validates several files (`(path, content)`); files that are not YAML
/// (`.yml`/`.yaml`) are skipped, so a generated set can be passed whole.
#[must_use]
pub fn validate(files: &[(String, String)], schema: Option<&WorkflowSchema>) -> ValidationReport {
    let mut report = ValidationReport::default();
    for (path, text) in files {
        if path.ends_with(".yml") || path.ends_with(".yaml") {
            check_one(text, path, schema, &mut report);
        }
    }
    finish(&mut report, schema.is_some());
    report
}

fn finish(report: &mut ValidationReport, with_schema: bool) {
    report.set_checker(CheckerRun {
        name: "yaml".to_owned(),
        ran: true,
        detail: "yaml-rust2 (YAML 1.2)".to_owned(),
    });
    report.set_checker(CheckerRun {
        name: "schema".to_owned(),
        ran: with_schema,
        detail: if with_schema {
            "GitHub workflow JSON schema (SchemaStore)".to_owned()
        } else {
            "not run: no workflow JSON schema configured (`devops-mcp schemas install` fetches it)"
                .to_owned()
        },
    });
    report.set_checker(CheckerRun {
        name: "devops-mcp".to_owned(),
        ran: true,
        detail: format!(
            "{} built-in rules (GHA001-GHA{:03})",
            RULES.len(),
            RULES.len()
        ),
    });
    report.sort();
}

fn check_one(
    text: &str,
    path: &str,
    schema: Option<&WorkflowSchema>,
    report: &mut ValidationReport,
) {
    let root = match yaml::parse(text) {
        Ok(root) => root,
        Err(e) => {
            report.findings.push(Finding {
                checker: "yaml".to_owned(),
                rule: "syntax".to_owned(),
                severity: Severity::Error,
                path: path.to_owned(),
                line: Some(e.line),
                column: Some(e.col),
                message: format!("YAML syntax error: {}", e.message),
                help: None,
            });
            return;
        }
    };
    if !root.is_map() {
        report.findings.push(Finding {
            checker: "yaml".to_owned(),
            rule: "syntax".to_owned(),
            severity: Severity::Error,
            path: path.to_owned(),
            line: Some(root.line),
            column: Some(root.col),
            message: "a workflow must be a YAML mapping with `on` and `jobs`".to_owned(),
            help: None,
        });
        return;
    }
    if let Some(schema) = schema {
        schema.check(&root, path, &mut report.findings);
    }
    rules::run_all(
        &rules::Workflow::new(&root, text, path),
        &mut report.findings,
    );
}
