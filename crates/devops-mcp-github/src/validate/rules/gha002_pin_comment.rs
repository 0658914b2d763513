//! GHA002: a SHA-pinned `uses:` carries a `# vX.Y.Z` comment, so reviewers and
//! update tools can tell which release the SHA is.

use super::{RuleInfo, Workflow};
use crate::validate::{Finding, Severity};

pub(super) const INFO: RuleInfo = RuleInfo {
    id: "GHA002",
    name: "pin-without-version-comment",
    summary: "a SHA-pinned action should say which release it is with a `# vX.Y.Z` comment",
};

pub(super) fn check(wf: &Workflow<'_>, info: &RuleInfo, out: &mut Vec<Finding>) {
    for (_, _, job) in wf.jobs() {
        for step in Workflow::steps(job) {
            let Some(uses) = step.node.get("uses") else {
                continue;
            };
            let Some((_, r)) = step.action() else {
                continue;
            };
            if r.len() != 40 || !r.bytes().all(|b| b.is_ascii_hexdigit()) {
                continue;
            }
            let line = wf.line(uses.line);
            let comment = line.split_once(" #").map(|(_, c)| c.trim()).unwrap_or("");
            if !comment.bytes().any(|b| b.is_ascii_digit()) {
                out.push(wf.at(
                    info,
                    Severity::Warning,
                    uses,
                    "SHA-pinned action without a version comment; append `# vX.Y.Z` naming the release the SHA belongs to".to_owned(),
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::validate::rules::testing::findings;

    #[test]
    fn wants_a_version_comment_after_a_sha() {
        let sha = "3d3c42e5aac5ba805825da76410c181273ba90b1";
        let text = format!(
            "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@{sha}\n      - uses: actions/checkout@{sha} # v7.0.1\n"
        );
        let f = findings("GHA002", &text);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].line, Some(6));
    }
}
