//! Domain-level tests of the generator and validator: every variant is
//! schema-valid, clean under the built-in rules, and clean under the real
//! actionlint and zizmor (`--offline`, regular persona); representative
//! workflows are snapshotted.

mod common;

use std::path::PathBuf;

use devops_mcp_github::linters::{ExternalTools, run_external};
use devops_mcp_github::spec::{DeployTarget, Stack, WorkflowKind, WorkflowSpec};
use devops_mcp_github::{Error, Severity, generate, validate};

fn tools() -> ExternalTools {
    let dir = std::env::var_os("DEVOPS_MCP_TOOLS")
        .map(PathBuf::from)
        .unwrap_or_else(|| common::repo_root().join(".tools"));
    let tools = ExternalTools::locate(Some(&dir), std::env::var_os("PATH").as_deref());
    assert!(
        tools.actionlint.is_some() && tools.zizmor.is_some(),
        "actionlint and zizmor are required: run `bash tests/setup.sh` (looked in {} and PATH)",
        dir.display()
    );
    tools
}

#[test]
fn every_variant_is_schema_valid_and_clean_under_built_in_rules() {
    let schema = common::schema();
    let variants = common::variants();
    assert!(variants.len() >= 40, "{}", variants.len());
    for (name, spec) in variants {
        let out = generate(&spec).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(out.workflows().count() >= 1, "{name}");
        let report = validate(&out.as_pairs(), Some(&schema));
        assert!(
            report.findings.is_empty(),
            "{name}: {:#?}\n{}",
            report.findings,
            out.files
                .iter()
                .map(|f| format!("--- {}\n{}", f.path, f.content))
                .collect::<String>()
        );
        assert!(report.checkers.iter().any(|c| c.name == "schema" && c.ran));
    }
}

#[test]
fn every_variant_passes_actionlint_and_zizmor_offline() {
    let tools = tools();
    let scratch = tempfile::tempdir().expect("temp dir");
    let mut pedantic_total = 0;
    let mut failures = Vec::new();
    let variants = common::variants();
    let count = variants.len();
    for (i, (name, spec)) in variants.into_iter().enumerate() {
        let out = generate(&spec).unwrap_or_else(|e| panic!("{name}: {e}"));
        let dir = scratch.path().join(format!("v{i}"));
        std::fs::create_dir_all(&dir).expect("variant dir");
        // actionlint resolves `$/` reusable workflows from the repository root.
        std::fs::create_dir_all(dir.join(".git")).expect("git marker");
        let ext = run_external(&out.as_pairs(), &tools, &dir).expect("external linters");
        for c in &ext.report.checkers {
            assert!(c.ran, "{name}: {} did not run: {}", c.name, c.detail);
        }
        pedantic_total += ext.zizmor_pedantic.expect("pedantic count");
        if !ext.report.findings.is_empty() {
            failures.push(format!("{name}: {:#?}", ext.report.findings));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // Reported for information: the pedantic persona adds code-smell findings.
    let summary = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("zizmor-pedantic.txt");
    std::fs::write(
        summary,
        format!("{pedantic_total} pedantic findings over {count} variants\n"),
    )
    .expect("write summary");
}

#[test]
fn the_external_linters_do_catch_a_bad_workflow() {
    let tools = tools();
    let scratch = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir_all(scratch.path().join(".git")).expect("git marker");
    let bad = "on: pull_request_target\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - run: echo \"${{ github.event.pull_request.title }}\"\n      - run: echo ${{ matrix.nope }}\n";
    let files = vec![(".github/workflows/bad.yml".to_owned(), bad.to_owned())];
    let ext = run_external(&files, &tools, scratch.path()).expect("run");
    let by = |checker: &str| {
        ext.report
            .findings
            .iter()
            .filter(|f| f.checker == checker)
            .count()
    };
    assert!(by("actionlint") >= 1, "{:#?}", ext.report.findings);
    assert!(by("zizmor") >= 3, "{:#?}", ext.report.findings);
    assert!(
        ext.report
            .findings
            .iter()
            .any(|f| f.rule == "template-injection" && f.line == Some(7))
    );
    let own = validate(&files, None);
    let rules: Vec<&str> = own.findings.iter().map(|f| f.rule.as_str()).collect();
    for id in [
        "GHA001", "GHA003", "GHA004", "GHA005", "GHA008", "GHA009", "GHA010",
    ] {
        assert!(rules.contains(&id), "{id} missing from {rules:?}");
    }
    assert!(
        own.checkers
            .iter()
            .any(|c| c.name == "schema" && !c.ran && c.detail.contains("not run"))
    );
}

#[test]
fn schema_findings_have_line_numbers_and_precise_messages() {
    let schema = common::schema();
    let text = "name: x\non: push\npermissions: {}\njobs:\n  build:\n    runs-on: ubuntu-latest\n    timeout-minutes: 5\n    stepz:\n      - run: echo\n";
    let report = devops_mcp_github::validate_workflow(text, "w.yml", Some(&schema));
    let schema_findings: Vec<_> = report
        .findings
        .iter()
        .filter(|f| f.checker == "schema")
        .collect();
    assert!(!schema_findings.is_empty(), "{:#?}", report.findings);
    assert!(schema_findings.iter().all(|f| f.line.is_some()));
    assert!(
        schema_findings.iter().any(|f| f.message.contains("stepz")),
        "{schema_findings:#?}"
    );
}

fn snapshot_spec(
    kinds: Vec<WorkflowKind>,
    stack: Stack,
    target: Option<DeployTarget>,
) -> WorkflowSpec {
    let mut spec = WorkflowSpec::new(kinds, stack);
    spec.deploy_target = target;
    if spec.has(WorkflowKind::Deploy)
        || spec.has(WorkflowKind::DatabaseMigration)
        || spec.has(WorkflowKind::Infrastructure)
    {
        spec.environments = common::envs();
    }
    spec
}

#[test]
fn snapshots_of_representative_workflows() {
    let mut django = snapshot_spec(
        vec![
            WorkflowKind::Ci,
            WorkflowKind::Deploy,
            WorkflowKind::DatabaseMigration,
            WorkflowKind::Infrastructure,
        ],
        Stack::PythonDjango,
        Some(DeployTarget::AzureWebapp),
    );
    django.database = Some(devops_mcp_github::spec::DatabaseSpec {
        engine: devops_mcp_github::spec::DatabaseEngine::Postgres,
        version: "17".to_owned(),
    });
    let out = generate(&django).expect("django set");
    for f in &out.files {
        let name = format!("django-{}", f.path.replace(['/', '.'], "_"));
        insta::assert_snapshot!(name, f.content);
    }
    let mut node = snapshot_spec(
        vec![WorkflowKind::Deploy, WorkflowKind::SecurityScan],
        Stack::Node,
        Some(DeployTarget::AzureContainerApps),
    );
    node.notification = Some(devops_mcp_github::spec::Notification::Slack {
        webhook_secret: "SLACK_WEBHOOK_URL".to_owned(),
    });
    let out = generate(&node).expect("node set");
    for f in out.workflows() {
        let name = format!("node-aca-{}", f.path.replace(['/', '.'], "_"));
        insta::assert_snapshot!(name, f.content);
    }
    let rust =
        generate(&snapshot_spec(vec![WorkflowKind::Ci], Stack::Rust, None)).expect("rust ci");
    insta::assert_snapshot!("rust-ci", rust.files[0].content);
    insta::assert_json_snapshot!(
        "node-aca-settings",
        (&out.secrets, &out.variables, &out.environments)
    );
}

#[test]
fn bad_input_names_the_field() {
    let field =
        |json: serde_json::Value| match WorkflowSpec::from_json(&json).and_then(|s| generate(&s)) {
            Err(Error::InvalidField { field, message }) => format!("{field}: {message}"),
            Err(Error::Conflict { field, other, .. }) => format!("{field} vs {other}"),
            Err(Error::NameClash { field, path }) => format!("clash {field} {path}"),
            Err(e) => format!("other: {e}"),
            Ok(_) => "ok".to_owned(),
        };
    let unknown = field(serde_json::json!({"kinds": ["ci"], "stack": "go"}));
    assert!(
        unknown.starts_with("stack: unknown variant `go`") && unknown.contains("python-django"),
        "{unknown}"
    );
    let target = field(
        serde_json::json!({"kinds": ["deploy"], "stack": "node", "deploy_target": "heroku", "environments": [{"name": "staging"}]}),
    );
    assert!(
        target.starts_with("deploy_target: unknown variant"),
        "{target}"
    );
    assert!(
        field(serde_json::json!({"kinds": ["deploy"], "stack": "node"}))
            .starts_with("deploy_target")
    );
    assert_eq!(
        field(
            serde_json::json!({"kinds": ["ci"], "stack": "node", "deploy_target": "azure-webapp"})
        ),
        "deploy_target vs kinds"
    );
    let cron = field(
        serde_json::json!({"kinds": ["security-scan"], "stack": "node", "schedule": "61 * * * *"}),
    );
    assert!(cron.starts_with("schedule: minute field"), "{cron}");
    let reviewers = field(
        serde_json::json!({"kinds": ["deploy"], "stack": "node", "deploy_target": "azure-webapp", "environments": [{"name": "production"}]}),
    );
    assert!(
        reviewers.starts_with("environments[0].reviewers"),
        "{reviewers}"
    );
    let clash = field(
        serde_json::json!({"kinds": ["ci"], "stack": "node", "existing_files": [".github/workflows/ci.yaml"]}),
    );
    assert_eq!(clash, "clash kinds .github/workflows/ci.yaml");
    let migration = field(
        serde_json::json!({"kinds": ["database-migration"], "stack": "node", "environments": [{"name": "staging"}]}),
    );
    assert!(migration.starts_with("migrations:"), "{migration}");
    let extra = field(serde_json::json!({"kinds": ["ci"], "stack": "node", "colour": "blue"}));
    assert!(extra.contains("unknown field `colour`"), "{extra}");
    let injection = field(
        serde_json::json!({"kinds": ["ci"], "stack": "node", "commands": {"test": "echo ${{ github.head_ref }}"}}),
    );
    assert!(injection.starts_with("commands.test"), "{injection}");
}

#[test]
fn secure_defaults_hold_on_every_variant() {
    for (name, spec) in common::variants() {
        let out = generate(&spec).expect("generate");
        for f in out.workflows() {
            let c = &f.content;
            assert!(c.contains("\npermissions: {}\n"), "{name} {}", f.path);
            assert!(!c.contains("pull_request_target"), "{name}");
            assert!(
                !c.contains("AZURE_CREDENTIALS") && !c.contains("creds:"),
                "{name}"
            );
            assert!(c.contains("\nconcurrency:\n"), "{name}");
            for line in c
                .lines()
                .filter(|l| l.contains("uses: ") && !l.contains("uses: $/"))
            {
                let (_, rest) = line.split_once('@').expect("pinned");
                let (sha, comment) = rest.split_once(" # v").expect("version comment");
                assert_eq!(sha.len(), 40, "{name}: {line}");
                assert!(
                    comment.starts_with(|ch: char| ch.is_ascii_digit()),
                    "{name}: {line}"
                );
            }
            let checkouts = c.matches("actions/checkout@").count();
            assert_eq!(
                c.matches("persist-credentials: false").count(),
                checkouts,
                "{name}"
            );
        }
        let report = validate(&out.as_pairs(), None);
        assert_eq!(
            report.count(Severity::Error) + report.count(Severity::Warning),
            0,
            "{name}"
        );
    }
}
