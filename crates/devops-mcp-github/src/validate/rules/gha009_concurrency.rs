//! GHA009: a `concurrency` group, so two runs never deploy or migrate over each
//! other and superseded CI runs stop.

use super::{RuleInfo, Workflow};
use crate::validate::{Finding, Severity};

pub(super) const INFO: RuleInfo = RuleInfo {
    id: "GHA009",
    name: "missing-concurrency",
    summary: "set a `concurrency` group at workflow level (or on every job)",
};

pub(super) fn check(wf: &Workflow<'_>, info: &RuleInfo, out: &mut Vec<Finding>) {
    if wf.root.get("concurrency").is_some() {
        return;
    }
    let jobs = wf.jobs();
    let uncovered: Vec<&str> = jobs
        .iter()
        .filter(|(_, _, job)| job.get("concurrency").is_none())
        .map(|(id, _, _)| *id)
        .collect();
    if !uncovered.is_empty() {
        let at = wf.root.key_node("jobs").unwrap_or(wf.root);
        out.push(wf.at(
            info,
            Severity::Warning,
            at,
            format!(
                "no workflow-level `concurrency` and job(s) {} have none; add e.g. `concurrency: {{group: ${{{{ github.workflow }}}}-${{{{ github.ref }}}}, cancel-in-progress: true}}` (false for deployments)",
                uncovered.join(", ")
            ),
        ));
    }
}

#[cfg(test)]
mod tests {
    use crate::validate::rules::testing::findings;

    #[test]
    fn wants_a_concurrency_group() {
        let jobs = "jobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo\n";
        assert_eq!(findings("GHA009", &format!("on: push\n{jobs}")).len(), 1);
        assert!(findings("GHA009", &format!("on: push\nconcurrency: ci\n{jobs}")).is_empty());
    }
}
