//! GHA005: the workflow sets `permissions: {}` at the top so no job inherits
//! the repository's default token permissions; jobs grant what they need.

use super::{RuleInfo, Workflow};
use crate::validate::yaml::MValue;
use crate::validate::{Finding, Severity};

pub(super) const INFO: RuleInfo = RuleInfo {
    id: "GHA005",
    name: "workflow-permissions",
    summary: "set `permissions: {}` at workflow level and grant minimal permissions per job",
};

pub(super) fn check(wf: &Workflow<'_>, info: &RuleInfo, out: &mut Vec<Finding>) {
    let Some(perms) = wf.root.get("permissions") else {
        let at = wf
            .root
            .key_node("jobs")
            .or_else(|| wf.root.key_node("on"))
            .unwrap_or(wf.root);
        out.push(wf.at(
            info,
            Severity::Error,
            at,
            "no top-level `permissions`: every job gets the repository's default token permissions (often read-write); add `permissions: {}` and grant per job".to_owned(),
        ));
        return;
    };
    match &perms.value {
        MValue::Map(entries) if entries.is_empty() => {}
        MValue::Str(s) if s == "write-all" => out.push(wf.at(
            info,
            Severity::Error,
            perms,
            "`permissions: write-all` gives every job write access to everything; use `permissions: {}` and grant per job".to_owned(),
        )),
        MValue::Map(entries) if entries.iter().any(|(_, v)| v.as_str() == Some("write")) => {
            out.push(wf.at(
                info,
                Severity::Error,
                perms,
                "top-level permissions grant write access to every job; move each write grant to the job that needs it and set `permissions: {}` here".to_owned(),
            ));
        }
        _ => out.push(wf.at(
            info,
            Severity::Warning,
            perms,
            "top-level permissions apply to every job; prefer `permissions: {}` here and per-job grants".to_owned(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use crate::validate::Severity;
    use crate::validate::rules::testing::findings;

    #[test]
    fn wants_empty_top_level_permissions() {
        let jobs = "jobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo\n";
        assert_eq!(
            findings("GHA005", &format!("on: push\n{jobs}"))[0].severity,
            Severity::Error
        );
        assert_eq!(
            findings(
                "GHA005",
                &format!("on: push\npermissions: write-all\n{jobs}")
            )[0]
            .severity,
            Severity::Error
        );
        assert_eq!(
            findings(
                "GHA005",
                &format!("on: push\npermissions:\n  contents: write\n{jobs}")
            )[0]
            .severity,
            Severity::Error
        );
        assert_eq!(
            findings(
                "GHA005",
                &format!("on: push\npermissions:\n  contents: read\n{jobs}")
            )[0]
            .severity,
            Severity::Warning
        );
        assert!(findings("GHA005", &format!("on: push\npermissions: {{}}\n{jobs}")).is_empty());
    }
}
