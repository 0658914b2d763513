//! Shared test helpers: the variant matrix, the schema, and tool discovery.

#![allow(dead_code)]

use std::path::PathBuf;

use devops_mcp_github::WorkflowSchema;
use devops_mcp_github::spec::{
    BicepScope, DatabaseEngine, DatabaseSpec, DeployTarget, EnvironmentSpec, InfrastructureSpec,
    Notification, PythonPackageManager, Stack, WorkflowKind, WorkflowSpec,
};

pub fn envs() -> Vec<EnvironmentSpec> {
    vec![
        EnvironmentSpec {
            name: "staging".to_owned(),
            production: None,
            reviewers: vec![],
            url: None,
            bicep_parameters: None,
        },
        EnvironmentSpec {
            name: "production".to_owned(),
            production: None,
            reviewers: vec!["octocat".to_owned(), "contoso/release-managers".to_owned()],
            url: Some("https://app.example.com".to_owned()),
            bicep_parameters: None,
        },
    ]
}

fn base(kinds: Vec<WorkflowKind>, stack: Stack) -> WorkflowSpec {
    let mut spec = WorkflowSpec::new(kinds.clone(), stack);
    if kinds.iter().any(|k| {
        matches!(
            k,
            WorkflowKind::Deploy | WorkflowKind::DatabaseMigration | WorkflowKind::Infrastructure
        )
    }) {
        spec.environments = envs();
    }
    if stack.is_python() && kinds.contains(&WorkflowKind::Ci) {
        spec.database = Some(DatabaseSpec {
            engine: DatabaseEngine::Postgres,
            version: "17".to_owned(),
        });
    }
    spec
}

/// Every kind × stack × applicable deploy target, plus full sets and option variants.
pub fn variants() -> Vec<(String, WorkflowSpec)> {
    let mut out = Vec::new();
    for kind in WorkflowKind::ALL {
        for stack in Stack::ALL {
            if kind == WorkflowKind::DatabaseMigration && !stack.is_python() {
                continue;
            }
            if kind == WorkflowKind::Deploy {
                for target in DeployTarget::ALL {
                    let mut spec = base(vec![kind], stack);
                    spec.deploy_target = Some(target);
                    out.push((
                        format!("{}-{}-{}", kind.as_str(), stack.as_str(), target.as_str()),
                        spec,
                    ));
                }
            } else {
                out.push((
                    format!("{}-{}", kind.as_str(), stack.as_str()),
                    base(vec![kind], stack),
                ));
            }
        }
    }
    for stack in Stack::ALL {
        for target in DeployTarget::ALL {
            let mut kinds = vec![
                WorkflowKind::Ci,
                WorkflowKind::Deploy,
                WorkflowKind::Infrastructure,
                WorkflowKind::SecurityScan,
            ];
            if stack.is_python() {
                kinds.push(WorkflowKind::DatabaseMigration);
            }
            let mut spec = base(kinds, stack);
            spec.deploy_target = Some(target);
            spec.notification = Some(Notification::Slack {
                webhook_secret: "SLACK_WEBHOOK_URL".to_owned(),
            });
            out.push((format!("full-{}-{}", stack.as_str(), target.as_str()), spec));
        }
    }
    out.extend(option_variants());
    out
}

pub fn option_variants() -> Vec<(String, WorkflowSpec)> {
    let mut out = Vec::new();
    let mut uv = base(
        vec![
            WorkflowKind::Ci,
            WorkflowKind::Deploy,
            WorkflowKind::DatabaseMigration,
            WorkflowKind::SecurityScan,
        ],
        Stack::PythonFastapi,
    );
    uv.deploy_target = Some(DeployTarget::AzureWebapp);
    uv.python_package_manager = Some(PythonPackageManager::Uv);
    uv.notification = Some(Notification::Email {
        to_secret: "NOTIFY_EMAIL_TO".to_owned(),
        server_secret: "SMTP_SERVER".to_owned(),
        username_secret: "SMTP_USERNAME".to_owned(),
        password_secret: "SMTP_PASSWORD".to_owned(),
    });
    uv.code_scanning = true;
    uv.azure_identity = devops_mcp_github::spec::IdentitySource::Variables;
    uv.name = Some("api".to_owned());
    uv.working_directory = "services/api".to_owned();
    out.push(("options-uv-email-vars".to_owned(), uv));

    let mut sub = base(vec![WorkflowKind::Infrastructure], Stack::Container);
    sub.infrastructure = Some(InfrastructureSpec {
        bicep_path: "deploy/main.bicep".to_owned(),
        scope: BicepScope::Subscription,
        location: Some("westeurope".to_owned()),
    });
    sub.environments[0].bicep_parameters = Some("deploy/staging.bicepparam".to_owned());
    sub.environments[1].bicep_parameters = Some("deploy/production.bicepparam".to_owned());
    out.push(("options-subscription-scope".to_owned(), sub));

    let mut three = base(
        vec![WorkflowKind::Deploy, WorkflowKind::Infrastructure],
        Stack::Node,
    );
    three.deploy_target = Some(DeployTarget::AzureContainerApps);
    three.environments.insert(
        0,
        EnvironmentSpec {
            name: "dev".to_owned(),
            production: None,
            reviewers: vec![],
            url: None,
            bicep_parameters: None,
        },
    );
    three.deployment.canary_minutes = 0;
    three.schedule = None;
    out.push(("options-three-environments".to_owned(), three));
    out
}

/// The repository root (the workspace), from this crate's manifest dir.
pub fn repo_root() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

pub fn schema() -> WorkflowSchema {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/contracts/github-workflow/github-workflow.schema.json"
    );
    let text = std::fs::read_to_string(path).expect("read the shared workflow schema in place");
    let value: serde_json::Value = serde_json::from_str(&text).expect("schema is JSON");
    WorkflowSchema::new(&value).expect("schema compiles")
}
