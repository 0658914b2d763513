//! The built-in workflow rules. One rule = one file, registered by one line in
//! [`RULES`]; IDs are stable and documented in `docs/workflow-rules.md`.

mod gha001_unpinned_action;
mod gha002_pin_comment;
mod gha003_expression_in_run;
mod gha004_dangerous_trigger;
mod gha005_workflow_permissions;
mod gha006_id_token;
mod gha007_azure_credentials;
mod gha008_persist_credentials;
mod gha009_concurrency;
mod gha010_timeout;
mod gha011_deploy_environment;
mod gha012_job_permissions;

use serde::Serialize;

use super::yaml::{MNode, MValue};
use super::{Finding, Severity};

/// Description of a built-in rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RuleInfo {
    /// Stable ID, e.g. `GHA001`.
    pub id: &'static str,
    /// Short kebab-case name.
    pub name: &'static str,
    /// One-line summary.
    pub summary: &'static str,
}

type Check = fn(&Workflow<'_>, &RuleInfo, &mut Vec<Finding>);

/// Every built-in rule, in ID order.
pub static RULES: &[RuleInfo] = &[
    gha001_unpinned_action::INFO,
    gha002_pin_comment::INFO,
    gha003_expression_in_run::INFO,
    gha004_dangerous_trigger::INFO,
    gha005_workflow_permissions::INFO,
    gha006_id_token::INFO,
    gha007_azure_credentials::INFO,
    gha008_persist_credentials::INFO,
    gha009_concurrency::INFO,
    gha010_timeout::INFO,
    gha011_deploy_environment::INFO,
    gha012_job_permissions::INFO,
];

static CHECKS: &[Check] = &[
    gha001_unpinned_action::check,
    gha002_pin_comment::check,
    gha003_expression_in_run::check,
    gha004_dangerous_trigger::check,
    gha005_workflow_permissions::check,
    gha006_id_token::check,
    gha007_azure_credentials::check,
    gha008_persist_credentials::check,
    gha009_concurrency::check,
    gha010_timeout::check,
    gha011_deploy_environment::check,
    gha012_job_permissions::check,
];

pub(crate) fn run_all(wf: &Workflow<'_>, findings: &mut Vec<Finding>) {
    for (info, check) in RULES.iter().zip(CHECKS) {
        check(wf, info, findings);
    }
}

/// A parsed workflow with helpers the rules share.
pub(crate) struct Workflow<'a> {
    pub(crate) root: &'a MNode,
    lines: Vec<&'a str>,
    path: &'a str,
}

/// A step with the job it belongs to.
pub(crate) struct Step<'a> {
    pub(crate) node: &'a MNode,
}

impl Step<'_> {
    /// `owner/repo[/path]` and ref of a `uses:` step, if any.
    pub(crate) fn action(&self) -> Option<(&str, &str)> {
        let uses = self.node.get("uses")?.as_str()?;
        Some(uses.split_once('@').unwrap_or((uses, "")))
    }

    /// Whether the step uses `action` (case-insensitive, any ref).
    pub(crate) fn uses_action(&self, action: &str) -> bool {
        self.action()
            .is_some_and(|(a, _)| a.eq_ignore_ascii_case(action))
    }

    pub(crate) fn with(&self, input: &str) -> Option<&MNode> {
        self.node.get("with")?.get(input)
    }

    pub(crate) fn run(&self) -> Option<&MNode> {
        self.node.get("run")
    }
}

impl<'a> Workflow<'a> {
    pub(crate) fn new(root: &'a MNode, text: &'a str, path: &'a str) -> Self {
        Self {
            root,
            lines: text.lines().collect(),
            path,
        }
    }

    /// `(id, key node, job node)` for every job.
    pub(crate) fn jobs(&self) -> Vec<(&'a str, &'a MNode, &'a MNode)> {
        self.root
            .get("jobs")
            .map(|j| {
                j.entries()
                    .iter()
                    .map(|(k, v)| (k.as_str().unwrap_or(""), k, v))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Whether a job calls a reusable workflow (no steps of its own).
    pub(crate) fn is_call(job: &MNode) -> bool {
        job.get("uses").is_some()
    }

    pub(crate) fn steps(job: &'a MNode) -> impl Iterator<Item = Step<'a>> {
        job.get("steps")
            .map(MNode::items)
            .unwrap_or_default()
            .iter()
            .map(|node| Step { node })
    }

    /// Text of a 1-based line.
    pub(crate) fn line(&self, n: usize) -> &str {
        n.checked_sub(1)
            .and_then(|i| self.lines.get(i))
            .copied()
            .unwrap_or("")
    }

    /// The first line at or after `from` containing `needle`.
    pub(crate) fn find_line(&self, from: usize, needle: &str) -> Option<usize> {
        (from.max(1)..=self.lines.len()).find(|&n| self.line(n).contains(needle))
    }

    pub(crate) fn finding(
        &self,
        info: &RuleInfo,
        severity: Severity,
        line: usize,
        column: usize,
        message: String,
    ) -> Finding {
        Finding {
            checker: "devops-mcp".to_owned(),
            rule: info.id.to_owned(),
            severity,
            path: self.path.to_owned(),
            line: Some(line),
            column: Some(column),
            message,
            help: Some(format!(
                "{} ({}): see docs/workflow-rules.md#{}",
                info.id,
                info.name,
                info.id.to_ascii_lowercase()
            )),
        }
    }

    pub(crate) fn at(
        &self,
        info: &RuleInfo,
        severity: Severity,
        node: &MNode,
        message: String,
    ) -> Finding {
        self.finding(info, severity, node.line, node.col, message)
    }
}

/// Whether a permissions node grants `scope: write` (or everything).
pub(crate) fn grants_write(perms: &MNode, scope: &str) -> bool {
    match &perms.value {
        MValue::Str(s) => s == "write-all",
        MValue::Map(_) => perms.get(scope).and_then(MNode::as_str) == Some("write"),
        _ => false,
    }
}

/// Whether a YAML value is `false` (boolean or string).
pub(crate) fn is_false(node: Option<&MNode>) -> bool {
    match node.map(|n| &n.value) {
        Some(MValue::Bool(false)) => true,
        Some(MValue::Str(s)) => s.eq_ignore_ascii_case("false"),
        _ => false,
    }
}

#[cfg(test)]
pub(crate) mod testing {
    use super::super::{Finding, validate_workflow};

    /// Findings of one rule on a workflow text.
    pub(crate) fn findings(rule: &str, text: &str) -> Vec<Finding> {
        validate_workflow(text, ".github/workflows/t.yml", None)
            .findings
            .into_iter()
            .filter(|f| f.rule == rule)
            .collect()
    }
}

#[cfg(test)]
mod doc_tests {
    /// The rules document is the rules' reference: every rule has a section.
    #[test]
    fn every_rule_is_documented() {
        let doc = include_str!("../../../../../docs/workflow-rules.md");
        for rule in super::RULES {
            assert!(
                doc.contains(&format!("## {}\n", rule.id)),
                "{} has no section",
                rule.id
            );
            assert!(
                doc.contains(&format!("**{}.**", rule.name)),
                "{} name missing",
                rule.id
            );
        }
    }
}
