//! GHA010: `timeout-minutes` on every job; the default is six hours of
//! runner time for a hung step.

use super::{RuleInfo, Workflow};
use crate::validate::{Finding, Severity};

pub(super) const INFO: RuleInfo = RuleInfo {
    id: "GHA010",
    name: "missing-timeout",
    summary: "set `timeout-minutes` on every job",
};

pub(super) fn check(wf: &Workflow<'_>, info: &RuleInfo, out: &mut Vec<Finding>) {
    for (id, key, job) in wf.jobs() {
        if Workflow::is_call(job) || job.get("timeout-minutes").is_some() {
            continue;
        }
        out.push(wf.at(
            info,
            Severity::Warning,
            key,
            format!("job `{id}` has no `timeout-minutes` (default: 360); set one a little above its usual duration"),
        ));
    }
}

#[cfg(test)]
mod tests {
    use crate::validate::rules::testing::findings;

    #[test]
    fn wants_a_timeout_on_normal_jobs_only() {
        let text = "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo\n  b:\n    runs-on: ubuntu-latest\n    timeout-minutes: 5\n    steps:\n      - run: echo\n  c:\n    uses: ./.github/workflows/x.yml\n";
        let f = findings("GHA010", text);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].line, Some(3));
    }
}
