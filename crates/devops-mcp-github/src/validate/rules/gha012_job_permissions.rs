//! GHA012: job permissions are explicit scopes, not `write-all`/`read-all`.

use super::{RuleInfo, Workflow};
use crate::validate::{Finding, Severity};

pub(super) const INFO: RuleInfo = RuleInfo {
    id: "GHA012",
    name: "broad-job-permissions",
    summary: "grant jobs individual permission scopes, not `write-all` or `read-all`",
};

pub(super) fn check(wf: &Workflow<'_>, info: &RuleInfo, out: &mut Vec<Finding>) {
    for (id, _, job) in wf.jobs() {
        let Some(perms) = job.get("permissions") else {
            continue;
        };
        match perms.as_str() {
            Some("write-all") => out.push(wf.at(
                info,
                Severity::Error,
                perms,
                format!("job `{id}` has `write-all`; list only the scopes it needs, e.g. `contents: read`"),
            )),
            Some("read-all") => out.push(wf.at(
                info,
                Severity::Warning,
                perms,
                format!("job `{id}` has `read-all`; list only the scopes it needs, e.g. `contents: read`"),
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
    fn broad_grants_are_flagged() {
        let text = "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    permissions: write-all\n    steps:\n      - run: echo\n  b:\n    runs-on: ubuntu-latest\n    permissions: read-all\n    steps:\n      - run: echo\n";
        let f = findings("GHA012", text);
        assert_eq!(f.len(), 2);
        assert_eq!(f[0].severity, Severity::Error);
        assert_eq!(f[1].severity, Severity::Warning);
    }
}
