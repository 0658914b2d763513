//! Generating and validating a full workflow set (ci, deploy, database
//! migration, infrastructure) without external linters; the target is a
//! median under 10 ms. The schema is compiled once, as the server does.

use criterion::{Criterion, criterion_group, criterion_main};
use devops_mcp_github::spec::{
    DatabaseEngine, DatabaseSpec, DeployTarget, EnvironmentSpec, Stack, WorkflowKind, WorkflowSpec,
};
use devops_mcp_github::{WorkflowSchema, generate, validate};

fn spec() -> WorkflowSpec {
    let mut spec = WorkflowSpec::new(
        vec![
            WorkflowKind::Ci,
            WorkflowKind::Deploy,
            WorkflowKind::DatabaseMigration,
            WorkflowKind::Infrastructure,
        ],
        Stack::PythonDjango,
    );
    spec.deploy_target = Some(DeployTarget::AzureWebapp);
    spec.database = Some(DatabaseSpec {
        engine: DatabaseEngine::Postgres,
        version: "17".to_owned(),
    });
    spec.environments = vec![
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
            reviewers: vec!["octocat".to_owned()],
            url: None,
            bicep_parameters: None,
        },
    ];
    spec
}

fn bench(c: &mut Criterion) {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/contracts/github-workflow/github-workflow.schema.json"
    );
    let text = std::fs::read_to_string(path).expect("read the shared workflow schema");
    let value: serde_json::Value = serde_json::from_str(&text).expect("schema is JSON");
    let schema = WorkflowSchema::new(&value).expect("schema compiles");
    let spec = spec();
    c.bench_function("generate_and_validate_full_set", |b| {
        b.iter(|| {
            let out = generate(&spec).expect("generate");
            let report = validate(&out.as_pairs(), Some(&schema));
            assert!(report.findings.is_empty());
            out.files.len()
        });
    });
    c.bench_function("generate_full_set", |b| {
        b.iter(|| generate(&spec).expect("generate").files.len());
    });
    c.bench_function("compile_schema", |b| {
        b.iter(|| WorkflowSchema::new(&value).expect("schema compiles"));
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
