//! GHA007: Azure sign-in uses OpenID Connect (client-id, tenant-id,
//! subscription-id) and never a long-lived `AZURE_CREDENTIALS` JSON secret.

use super::{RuleInfo, Workflow};
use crate::validate::{Finding, Severity};

pub(super) const INFO: RuleInfo = RuleInfo {
    id: "GHA007",
    name: "azure-credentials-secret",
    summary: "log in to Azure with OIDC federated credentials, not a client-secret JSON (`creds`, AZURE_CREDENTIALS)",
};

pub(super) fn check(wf: &Workflow<'_>, info: &RuleInfo, out: &mut Vec<Finding>) {
    let mut flagged_lines = Vec::new();
    for (_, _, job) in wf.jobs() {
        for step in Workflow::steps(job) {
            if !step.uses_action("azure/login") {
                continue;
            }
            if let Some(creds) = step.with("creds") {
                flagged_lines.push(creds.line);
                out.push(wf.at(
                    info,
                    Severity::Error,
                    creds,
                    "azure/login with `creds` uses a long-lived client secret; use OIDC: `client-id`, `tenant-id`, `subscription-id` and `id-token: write`".to_owned(),
                ));
                continue;
            }
            let identity = step
                .with("auth-type")
                .and_then(|a| a.as_str())
                .is_some_and(|a| a.eq_ignore_ascii_case("IDENTITY"));
            let missing: Vec<&str> = ["client-id", "tenant-id", "subscription-id"]
                .into_iter()
                .filter(|k| step.with(k).is_none())
                .collect();
            let allow_no_sub = step
                .with("allow-no-subscriptions")
                .is_some_and(|v| v.scalar_text().as_deref() == Some("true"));
            let missing: Vec<&str> = missing
                .into_iter()
                .filter(|k| !(allow_no_sub && *k == "subscription-id"))
                .collect();
            if !identity && !missing.is_empty() {
                let at = step.node.get("uses").unwrap_or(step.node);
                out.push(wf.at(
                    info,
                    Severity::Error,
                    at,
                    format!("azure/login without {}; OIDC needs client-id, tenant-id and subscription-id", missing.join(", ")),
                ));
            }
        }
    }
    let mut line = 0;
    while let Some(n) = wf.find_line(line + 1, "secrets.AZURE_CREDENTIALS") {
        if !flagged_lines.contains(&n) {
            let col = wf
                .line(n)
                .find("secrets.AZURE_CREDENTIALS")
                .map_or(1, |c| c + 1);
            out.push(wf.finding(
                info,
                Severity::Error,
                n,
                col,
                "`AZURE_CREDENTIALS` is a long-lived service principal secret; use OIDC federated credentials instead".to_owned(),
            ));
        }
        line = n;
    }
}

#[cfg(test)]
mod tests {
    use crate::validate::rules::testing::findings;

    #[test]
    fn rejects_creds_and_incomplete_oidc() {
        let login = "azure/login@f5d393ae46f8fde4be8b75f32e3fc50e654ad0ca # v3.0.1";
        let head = "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n";
        let creds = format!(
            "{head}      - uses: {login}\n        with:\n          creds: ${{{{ secrets.AZURE_CREDENTIALS }}}}\n"
        );
        assert_eq!(findings("GHA007", &creds).len(), 1);
        let partial =
            format!("{head}      - uses: {login}\n        with:\n          client-id: x\n");
        assert!(
            findings("GHA007", &partial)[0]
                .message
                .contains("tenant-id, subscription-id")
        );
        let good = format!(
            "{head}      - uses: {login}\n        with:\n          client-id: a\n          tenant-id: b\n          subscription-id: c\n"
        );
        assert!(findings("GHA007", &good).is_empty());
        let env = format!(
            "{head}      - run: echo\n        env:\n          C: ${{{{ secrets.AZURE_CREDENTIALS }}}}\n"
        );
        assert_eq!(findings("GHA007", &env)[0].line, Some(8));
    }
}
