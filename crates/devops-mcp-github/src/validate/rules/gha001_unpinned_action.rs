//! GHA001: every action and remote reusable workflow is pinned to a full
//! commit SHA (tags and branches can be moved to malicious code).

use super::{RuleInfo, Workflow};
use crate::validate::{Finding, Severity};

pub(super) const INFO: RuleInfo = RuleInfo {
    id: "GHA001",
    name: "unpinned-action",
    summary: "actions and reusable workflows must be pinned to a full 40-character commit SHA",
};

fn is_sha(r: &str) -> bool {
    r.len() == 40 && r.bytes().all(|b| b.is_ascii_hexdigit())
}

fn problem(uses: &str) -> Option<String> {
    if uses.starts_with("./") || uses.starts_with("$/") {
        return None;
    }
    if let Some(image) = uses.strip_prefix("docker://") {
        return (!image.contains("@sha256:")).then(|| {
            format!("container action `{uses}` is not pinned by digest; use docker://image@sha256:<digest>")
        });
    }
    match uses.split_once('@') {
        Some((_, r)) if is_sha(r) => None,
        Some((a, r)) => Some(format!(
            "`{a}` is pinned to the mutable ref `{r}`; pin the full commit SHA of that release and keep the tag as a comment (`@<sha> # {r}`)"
        )),
        None => Some(format!(
            "`{uses}` has no ref at all; pin it to a full commit SHA"
        )),
    }
}

pub(super) fn check(wf: &Workflow<'_>, info: &RuleInfo, out: &mut Vec<Finding>) {
    for (_, _, job) in wf.jobs() {
        if let Some(uses) = job.get("uses")
            && let Some(msg) = uses.as_str().and_then(problem)
        {
            out.push(wf.at(info, Severity::Error, uses, msg));
        }
        for step in Workflow::steps(job) {
            if let Some(uses) = step.node.get("uses")
                && let Some(msg) = uses.as_str().and_then(problem)
            {
                out.push(wf.at(info, Severity::Error, uses, msg));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::validate::rules::testing::findings;

    #[test]
    fn flags_tags_branches_and_unpinned_images_but_not_shas_or_local() {
        let text = "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1\n      - uses: ./local\n      - uses: docker://alpine:3\n  b:\n    uses: o/r/.github/workflows/x.yml@main\n";
        let f = findings("GHA001", text);
        let lines: Vec<_> = f.iter().map(|x| x.line.unwrap()).collect();
        assert_eq!(lines, vec![6, 9, 11], "{f:?}");
    }
}
