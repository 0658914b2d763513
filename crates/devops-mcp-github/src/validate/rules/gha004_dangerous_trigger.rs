//! GHA004: no `pull_request_target` (it runs with the base repository's
//! secrets and a write token on events from forks); `workflow_run` has the
//! same risk and gets a warning.

use super::{RuleInfo, Workflow};
use crate::validate::yaml::{MNode, MValue};
use crate::validate::{Finding, Severity};

pub(super) const INFO: RuleInfo = RuleInfo {
    id: "GHA004",
    name: "dangerous-trigger",
    summary: "`pull_request_target` (and `workflow_run`) run privileged on untrusted input",
};

fn triggers(on: &MNode) -> Vec<(&str, &MNode)> {
    match &on.value {
        MValue::Str(s) => vec![(s.as_str(), on)],
        MValue::Seq(items) => items
            .iter()
            .filter_map(|i| i.as_str().map(|s| (s, i)))
            .collect(),
        MValue::Map(entries) => entries
            .iter()
            .filter_map(|(k, _)| k.as_str().map(|s| (s, k)))
            .collect(),
        _ => Vec::new(),
    }
}

pub(super) fn check(wf: &Workflow<'_>, info: &RuleInfo, out: &mut Vec<Finding>) {
    let Some(on) = wf.root.get("on") else { return };
    for (name, node) in triggers(on) {
        match name {
            "pull_request_target" => out.push(wf.at(
                info,
                Severity::Error,
                node,
                "`pull_request_target` gives fork pull requests a privileged token and secrets; use `pull_request` (and a separate, reviewed workflow for anything that needs write access)".to_owned(),
            )),
            "workflow_run" => out.push(wf.at(
                info,
                Severity::Warning,
                node,
                "`workflow_run` runs privileged after untrusted workflows; never check out or execute artifacts from the triggering run".to_owned(),
            )),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::validate::Severity;
    use crate::validate::rules::testing::findings;

    #[test]
    fn flags_privileged_triggers_in_every_form() {
        let jobs = "jobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo\n";
        assert_eq!(
            findings("GHA004", &format!("on: pull_request_target\n{jobs}")).len(),
            1
        );
        assert_eq!(
            findings(
                "GHA004",
                &format!("on: [push, pull_request_target]\n{jobs}")
            )
            .len(),
            1
        );
        let f = findings(
            "GHA004",
            &format!("on:\n  workflow_run:\n    workflows: [x]\n{jobs}"),
        );
        assert_eq!(f[0].severity, Severity::Warning);
        assert!(findings("GHA004", &format!("on: pull_request\n{jobs}")).is_empty());
    }
}
