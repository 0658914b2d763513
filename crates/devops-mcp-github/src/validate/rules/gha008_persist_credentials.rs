//! GHA008: `actions/checkout` with `persist-credentials: false`, so the token
//! is not left in `.git/config` for later steps (or uploaded artifacts) to read.

use super::{RuleInfo, Workflow, is_false};
use crate::validate::{Finding, Severity};

pub(super) const INFO: RuleInfo = RuleInfo {
    id: "GHA008",
    name: "checkout-persists-credentials",
    summary: "set `persist-credentials: false` on actions/checkout",
};

pub(super) fn check(wf: &Workflow<'_>, info: &RuleInfo, out: &mut Vec<Finding>) {
    for (_, _, job) in wf.jobs() {
        for step in Workflow::steps(job) {
            if step.uses_action("actions/checkout") && !is_false(step.with("persist-credentials")) {
                let at = step.node.get("uses").unwrap_or(step.node);
                out.push(wf.at(
                    info,
                    Severity::Error,
                    at,
                    "actions/checkout keeps the token in .git/config by default; add `with: persist-credentials: false`".to_owned(),
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::validate::rules::testing::findings;

    #[test]
    fn wants_persist_credentials_false() {
        let head = "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n";
        let sha = "actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1";
        assert_eq!(
            findings("GHA008", &format!("{head}      - uses: {sha}\n")).len(),
            1
        );
        assert_eq!(findings("GHA008", &format!("{head}      - uses: {sha}\n        with:\n          persist-credentials: true\n")).len(), 1);
        assert!(findings("GHA008", &format!("{head}      - uses: {sha}\n        with:\n          persist-credentials: false\n")).is_empty());
        assert!(findings("GHA008", &format!("{head}      - uses: {sha}\n        with:\n          persist-credentials: 'false'\n")).is_empty());
    }
}
