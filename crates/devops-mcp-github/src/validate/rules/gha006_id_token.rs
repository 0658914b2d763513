//! GHA006: `id-token: write` (the right to mint OIDC tokens that cloud
//! providers trust) only on jobs that log in with it, never workflow-wide.

use super::{RuleInfo, Workflow, grants_write};
use crate::validate::{Finding, Severity};

pub(super) const INFO: RuleInfo = RuleInfo {
    id: "GHA006",
    name: "id-token-without-login",
    summary: "grant `id-token: write` only to jobs that exchange the OIDC token (e.g. azure/login)",
};

/// Actions that consume the job's OIDC token.
const OIDC_CONSUMERS: &[&str] = &[
    "azure/login",
    "aws-actions/configure-aws-credentials",
    "google-github-actions/auth",
    "pypa/gh-action-pypi-publish",
    "actions/attest-build-provenance",
    "actions/attest-sbom",
    "actions/attest",
    "sigstore/gh-action-sigstore-python",
    "sigstore/cosign-installer",
    "hashicorp/vault-action",
    "octo-sts/action",
    "rust-lang/crates-io-auth-action",
];

pub(super) fn check(wf: &Workflow<'_>, info: &RuleInfo, out: &mut Vec<Finding>) {
    if let Some(perms) = wf.root.get("permissions")
        && grants_write(perms, "id-token")
    {
        out.push(wf.at(
                info,
                Severity::Error,
                perms,
                "`id-token: write` at workflow level lets every job mint cloud credentials; grant it only on the job that logs in".to_owned(),
            ));
    }
    for (id, _, job) in wf.jobs() {
        let Some(perms) = job.get("permissions") else {
            continue;
        };
        if !grants_write(perms, "id-token") || Workflow::is_call(job) {
            continue;
        }
        let consumes = Workflow::steps(job).any(|s| {
            OIDC_CONSUMERS.iter().any(|a| s.uses_action(a))
                || s.run()
                    .and_then(|r| r.as_str())
                    .is_some_and(|r| r.contains("ACTIONS_ID_TOKEN_REQUEST_URL"))
        });
        if !consumes {
            out.push(wf.at(
                info,
                Severity::Error,
                perms,
                format!("job `{id}` has `id-token: write` but no step uses the OIDC token; remove the grant"),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::validate::rules::testing::findings;

    #[test]
    fn id_token_only_where_a_login_happens() {
        let sha = "f5d393ae46f8fde4be8b75f32e3fc50e654ad0ca";
        let text = format!(
            "on: push\npermissions: {{}}\njobs:\n  a:\n    runs-on: ubuntu-latest\n    permissions:\n      id-token: write\n    steps:\n      - run: echo\n  b:\n    runs-on: ubuntu-latest\n    permissions:\n      id-token: write\n    steps:\n      - uses: azure/login@{sha} # v3.0.1\n  c:\n    permissions:\n      id-token: write\n    uses: ./.github/workflows/x.yml\n"
        );
        let f = findings("GHA006", &text);
        assert_eq!(f.len(), 1, "{f:?}");
        assert!(f[0].message.contains("`a`"));
        assert_eq!(
            findings(
                "GHA006",
                "on: push\npermissions:\n  id-token: write\njobs: {}\n"
            )
            .len(),
            1
        );
    }
}
