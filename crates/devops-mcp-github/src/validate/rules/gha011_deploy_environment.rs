//! GHA011: a job that deploys declares an `environment`, which is what gives
//! it required reviewers, branch restrictions and environment-scoped secrets.

use super::{RuleInfo, Workflow};
use crate::validate::{Finding, Severity};

pub(super) const INFO: RuleInfo = RuleInfo {
    id: "GHA011",
    name: "deploy-without-environment",
    summary: "jobs that deploy must declare an `environment` (approvals, protection rules, scoped secrets)",
};

const DEPLOY_ACTIONS: &[&str] = &[
    "azure/webapps-deploy",
    "azure/arm-deploy",
    "azure/container-apps-deploy-action",
    "azure/functions-action",
    "azure/k8s-deploy",
    "azure/static-web-apps-deploy",
    "aws-actions/amazon-ecs-deploy-task-definition",
    "google-github-actions/deploy-cloudrun",
];

const DEPLOY_COMMANDS: &[&str] = &[
    "az webapp deploy",
    "az webapp deployment slot swap",
    "az deployment group create",
    "az deployment sub create",
    "az deployment mg create",
    "az deployment tenant create",
    "az containerapp update",
    "az containerapp up",
    "az containerapp ingress traffic set",
    "az functionapp deployment",
    "kubectl apply",
    "helm upgrade",
    "terraform apply",
];

pub(super) fn check(wf: &Workflow<'_>, info: &RuleInfo, out: &mut Vec<Finding>) {
    for (id, key, job) in wf.jobs() {
        if Workflow::is_call(job) || job.get("environment").is_some() {
            continue;
        }
        let deploys = Workflow::steps(job).find_map(|s| {
            if let Some(a) = DEPLOY_ACTIONS.iter().find(|a| s.uses_action(a)) {
                return Some(format!("uses {a}"));
            }
            let run = s.run()?.as_str()?;
            DEPLOY_COMMANDS
                .iter()
                .find(|c| run.contains(*c))
                .map(|c| format!("runs `{c}`"))
        });
        if let Some(what) = deploys {
            out.push(wf.at(
                info,
                Severity::Error,
                key,
                format!("job `{id}` deploys ({what}) without an `environment`; add `environment: <name>` and configure its protection rules"),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::validate::rules::testing::findings;

    #[test]
    fn deploy_jobs_need_an_environment() {
        let text = "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: az deployment group create -g x -f main.bicep\n  b:\n    runs-on: ubuntu-latest\n    environment: production\n    steps:\n      - run: az deployment group create -g x -f main.bicep\n  c:\n    runs-on: ubuntu-latest\n    steps:\n      - run: az deployment group what-if -g x -f main.bicep\n";
        let f = findings("GHA011", text);
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].line, Some(3));
    }
}
