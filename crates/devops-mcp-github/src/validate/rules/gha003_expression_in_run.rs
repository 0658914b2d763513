//! GHA003: no `${{ }}` expansion of untrusted input inside `run:`. Expressions
//! are substituted into the script text before the shell sees it, so a branch
//! name or issue title can become shell code; pass values through `env:`.

use super::{RuleInfo, Workflow};
use crate::validate::{Finding, Severity};

pub(super) const INFO: RuleInfo = RuleInfo {
    id: "GHA003",
    name: "expression-in-run",
    summary: "`${{ }}` expressions inside `run:` allow script injection; pass values through `env:`",
};

/// Contexts an outsider (or a dispatcher) can put arbitrary text into.
const UNTRUSTED: &[&str] = &[
    "github.event.",
    "github.head_ref",
    "github.ref_name",
    "github.actor",
    "github.triggering_actor",
    "inputs.",
    "github.event_path",
    "steps.",
    "needs.",
    "env.",
    "vars.",
    "matrix.",
];

/// Contexts with values GitHub controls (ids, fixed URLs, runner paths).
const SAFE: &[&str] = &[
    "github.sha",
    "github.run_id",
    "github.run_number",
    "github.run_attempt",
    "github.repository",
    "github.repository_id",
    "github.repository_owner",
    "github.repository_owner_id",
    "github.server_url",
    "github.api_url",
    "github.graphql_url",
    "github.workspace",
    "github.job",
    "github.event_name",
    "github.ref_type",
    "runner.os",
    "runner.arch",
    "runner.temp",
    "runner.tool_cache",
    "job.status",
    "strategy.job-index",
    "strategy.job-total",
];

/// Context references in an expression, with quoted literals removed.
fn references(expr: &str) -> Vec<String> {
    let mut cleaned = String::new();
    let mut in_str = false;
    for c in expr.chars() {
        if c == '\'' {
            in_str = !in_str;
            cleaned.push(' ');
        } else if !in_str {
            cleaned.push(c);
        }
    }
    cleaned
        .split(|c: char| !(c.is_ascii_alphanumeric() || "._-*[]".contains(c)))
        .filter(|t| t.contains('.') && t.starts_with(|c: char| c.is_ascii_alphabetic()))
        .map(str::to_owned)
        .collect()
}

fn classify(expr: &str) -> Option<Severity> {
    let refs = references(expr);
    if refs.iter().any(|r| {
        UNTRUSTED
            .iter()
            .any(|u| r.starts_with(u) || r == u.trim_end_matches('.'))
    }) || refs.iter().any(|r| r.starts_with("secrets."))
    {
        return Some(Severity::Error);
    }
    if refs.iter().all(|r| SAFE.contains(&r.as_str())) {
        return None;
    }
    Some(Severity::Warning)
}

pub(super) fn check(wf: &Workflow<'_>, info: &RuleInfo, out: &mut Vec<Finding>) {
    for (_, _, job) in wf.jobs() {
        for step in Workflow::steps(job) {
            let Some(run) = step.run() else { continue };
            let Some(script) = run.as_str() else { continue };
            let mut rest = script;
            while let Some(start) = rest.find("${{") {
                let after = &rest[start + 3..];
                let Some(end) = after.find("}}") else { break };
                let expr = after[..end].trim();
                let whole = &rest[start..start + 3 + end + 2];
                if let Some(severity) = classify(expr) {
                    let line = wf.find_line(run.line, whole).unwrap_or(run.line);
                    let col = wf.line(line).find("${{").map_or(run.col, |c| c + 1);
                    out.push(wf.finding(
                        info,
                        severity,
                        line,
                        col,
                        format!(
                            "`{whole}` is expanded into the script before it runs; set it in the step's `env:` (e.g. `VALUE: {whole}`) and use \"$VALUE\" in the script"
                        ),
                    ));
                }
                rest = &after[end + 2..];
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::rules::testing::findings;

    #[test]
    fn classifies_contexts() {
        assert_eq!(classify("github.event.issue.title"), Some(Severity::Error));
        assert_eq!(classify("inputs.environment"), Some(Severity::Error));
        assert_eq!(classify("secrets.TOKEN"), Some(Severity::Error));
        assert_eq!(classify("github.sha"), None);
        assert_eq!(classify("format('{0}', github.run_id)"), None);
        assert_eq!(classify("hashFiles('**/x')"), None);
        assert_eq!(classify("github.token"), Some(Severity::Warning));
    }

    #[test]
    fn reports_the_line_inside_a_block_script() {
        let text = "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: |\n          echo hi\n          echo \"${{ github.event.pull_request.title }}\"\n      - run: echo ${{ github.sha }}\n      - env:\n          T: ${{ github.head_ref }}\n        run: echo \"$T\"\n";
        let f = findings("GHA003", text);
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].line, Some(8));
        assert_eq!(f[0].severity, Severity::Error);
    }
}
