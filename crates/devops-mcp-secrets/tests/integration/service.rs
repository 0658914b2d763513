//! The operations the server calls, end to end: every source into every
//! store, copies across stores, refusals, and the audit trail, with a canary
//! value that must appear in no result, error, audit line or log line.

use std::path::{Path, PathBuf};
use std::time::Duration;

use azure_core::http::RetryOptions;
use devops_mcp_secrets::github::{GithubOptions, GithubStore};
use devops_mcp_secrets::source::SourceSpec;
use devops_mcp_secrets::{
    AuditLog, CopySpec, FileReadError, GenerateSpec, KeyVaultConnector, KeyVaultOptions,
    LocalStore, SecretProperties, SecretTarget, SecretValue, SecretsError, SetRequest,
    SourceContext, StoreDetails, Stores, list_secrets, read_secret, secret_exists, set_secret,
};

use crate::common;
use crate::fake_github::{FakeGithub, TOKEN};
use crate::fake_keyvault::{FakeCredential, FakeKeyVault, TokenMode};

struct World {
    _dir: tempfile::TempDir,
    workspace: PathBuf,
    audit: PathBuf,
    stores: Stores,
    github: FakeGithub,
    vault: FakeKeyVault,
}

async fn world() -> World {
    let dir = tempfile::tempdir().expect("tempdir");
    let workspace = dir.path().join("workspace");
    std::fs::create_dir_all(&workspace).expect("workspace");
    let github = FakeGithub::start().await;
    let vault = FakeKeyVault::start().await;
    let audit = dir.path().join("state/audit.jsonl");
    let stores = Stores {
        local: Some(LocalStore::new(
            dir.path().join("config/devops-mcp/identity.txt"),
            dir.path().join("data/devops-mcp/secrets.age"),
        )),
        key_vault: Some(KeyVaultConnector::new(
            FakeCredential::new(TokenMode::Valid),
            KeyVaultOptions {
                transport: Some(vault.transport()),
                retry: Some(RetryOptions::none()),
                ..KeyVaultOptions::default()
            },
            Some(vault.url("myvault")),
        )),
        github: Some(
            GithubStore::new(
                &SecretValue::new(TOKEN.to_owned()),
                GithubOptions {
                    api_url: Some(github.url.clone()),
                    max_rate_limit_wait: Duration::from_secs(5),
                    timeout: Duration::from_secs(10),
                },
            )
            .expect("github"),
        ),
        audit: Some(AuditLog::new(audit.clone())),
        actor: Some("test".to_owned()),
    };
    World {
        _dir: dir,
        workspace,
        audit,
        stores,
        github,
        vault,
    }
}

/// A confined reader like the server's: relative paths inside `root` only.
fn reader(root: &Path) -> impl Fn(&str) -> Result<Vec<u8>, FileReadError> + Send + Sync + use<> {
    let root = root.to_path_buf();
    move |relative: &str| {
        let path = Path::new(relative);
        if path.is_absolute()
            || path
                .components()
                .any(|c| matches!(c, std::path::Component::ParentDir))
        {
            return Err(FileReadError::OutsideWorkspace(
                "`..` and absolute paths are not allowed".to_owned(),
            ));
        }
        std::fs::read(root.join(path)).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => FileReadError::NotFound,
            _ => FileReadError::Other(e.to_string()),
        })
    }
}

fn targets() -> Vec<(SecretTarget, &'static str)> {
    vec![
        (SecretTarget::Local {}, "local"),
        (SecretTarget::KeyVault { vault: None }, "key_vault"),
        (
            SecretTarget::Github {
                owner: None,
                repo: Some("octo/app".to_owned()),
                environment: None,
                org: None,
                visibility: None,
                selected_repository_ids: None,
            },
            "github",
        ),
    ]
}

/// The name each store accepts for a source (Key Vault allows no `_`).
fn name_for(store: &str, source: &str) -> String {
    match store {
        "key_vault" => format!("from-{source}"),
        _ => format!("FROM_{}", source.to_ascii_uppercase()),
    }
}

/// What a store received for `name`, read back from the store or the fake.
async fn stored_value(world: &World, store: &str, name: &str) -> String {
    match store {
        "local" => read_secret(&world.stores, &SecretTarget::Local {}, name, None)
            .await
            .expect("local value")
            .0
            .expose()
            .to_owned(),
        "key_vault" => world
            .vault
            .versions("myvault", name)
            .last()
            .expect("kv value")
            .value
            .clone(),
        _ => {
            world
                .github
                .stored("repo:octo/app", name)
                .expect("github value")
                .plaintext
        }
    }
}

#[tokio::test]
async fn every_source_into_every_store_without_a_leak() {
    common::capture_logs();
    let world = world().await;
    let canary = common::canary();
    std::fs::write(
        world.workspace.join(".env"),
        format!("OTHER=x\nAPI_KEY=\"{canary}\"\n"),
    )
    .expect(".env");
    std::fs::write(
        world.workspace.join("config.json"),
        format!("{{\"db\": {{\"password\": \"{canary}\"}}}}"),
    )
    .expect("json");
    std::fs::write(world.workspace.join("token.txt"), format!("{canary}\n")).expect("token");
    let env_canary = canary.clone();
    let env = move |name: &str| (name == "CANARY_VAR").then(|| env_canary.clone());
    let read = reader(&world.workspace);
    let mut outputs = Vec::new();

    for (target, store) in targets() {
        let sources: Vec<(&str, SourceSpec, Option<SecretValue>)> = vec![
            (
                "env",
                SourceSpec::Env {
                    name: "CANARY_VAR".to_owned(),
                },
                None,
            ),
            (
                "dotenv",
                SourceSpec::File {
                    path: ".env".to_owned(),
                    key: Some("API_KEY".to_owned()),
                },
                None,
            ),
            (
                "json",
                SourceSpec::File {
                    path: "config.json".to_owned(),
                    key: Some("/db/password".to_owned()),
                },
                None,
            ),
            (
                "whole",
                SourceSpec::File {
                    path: "token.txt".to_owned(),
                    key: None,
                },
                None,
            ),
            (
                "value",
                SourceSpec::Value {
                    value: SecretValue::new(canary.clone()),
                },
                None,
            ),
            (
                "prompt",
                SourceSpec::Prompt { description: None },
                Some(SecretValue::new(canary.clone())),
            ),
        ];
        for (label, source, prompted) in sources {
            let mut context = SourceContext {
                env: &env,
                read_file: &read,
                allow_literal: true,
                prompted,
            };
            let name = name_for(store, label);
            let outcome = set_secret(
                &world.stores,
                SetRequest {
                    target: target.clone(),
                    name: name.clone(),
                    source,
                    properties: SecretProperties::default(),
                    overwrite: false,
                },
                &mut context,
            )
            .await
            .unwrap_or_else(|e| panic!("{store} from {label}: {e}"));
            assert_eq!(
                outcome.exposed_to_model,
                label == "value",
                "{store} {label}"
            );
            assert!(!outcome.replaced);
            assert!(outcome.audit_warning.is_none());
            assert_eq!(
                stored_value(&world, store, &outcome.name).await,
                canary,
                "{store} from {label}"
            );
            outputs.push(format!("{outcome:?}"));
            outputs.push(serde_json::to_string(&outcome).expect("json"));
        }

        // A generated value: read it back, then it too must be nowhere else.
        let mut context = SourceContext {
            env: &env,
            read_file: &read,
            allow_literal: false,
            prompted: None,
        };
        let name = name_for(store, "generate");
        let outcome = set_secret(
            &world.stores,
            SetRequest {
                target: target.clone(),
                name: name.clone(),
                source: SourceSpec::Generate(GenerateSpec::default()),
                properties: SecretProperties::default(),
                overwrite: false,
            },
            &mut context,
        )
        .await
        .expect("generated");
        let generated = stored_value(&world, store, &outcome.name).await;
        assert_eq!(generated.chars().count(), 32);
        let text = format!(
            "{outcome:?}{}",
            serde_json::to_string(&outcome).expect("json")
        );
        assert!(!text.contains(&generated));
        assert!(
            !std::fs::read_to_string(&world.audit)
                .expect("audit")
                .contains(&generated)
        );
        assert!(!common::logs().contains(&generated));

        let listed = list_secrets(&world.stores, &target).await.expect("list");
        assert_eq!(listed.secrets.len(), 7, "{store}: {listed:?}");
        outputs.push(serde_json::to_string(&listed).expect("json"));
    }

    // The audit trail: one line per operation, flat JSON, no value.
    let audit = std::fs::read_to_string(&world.audit).expect("audit");
    let lines: Vec<serde_json::Value> = audit
        .lines()
        .map(|l| serde_json::from_str(l).expect("json line"))
        .collect();
    let sets: Vec<&serde_json::Value> = lines.iter().filter(|l| l["operation"] == "set").collect();
    assert_eq!(sets.len(), 21);
    assert!(
        sets.iter()
            .all(|l| l["outcome"] == "success" && l["actor"] == "test")
    );
    assert_eq!(
        sets.iter()
            .filter(|l| l["exposed_to_model"] == true)
            .count(),
        3
    );
    assert!(
        sets.iter()
            .any(|l| l["store"] == "key_vault" && l["version"].as_str().map(str::len) == Some(32))
    );
    outputs.push(audit);
    // The capture is live at TRACE for our events and the HTTP stacks'.
    let logs = common::logs();
    for event in [
        "local secret store written",
        "Key Vault secret set",
        "GitHub Actions secret written",
        "GitHub API response",
    ] {
        assert!(logs.contains(event), "no `{event}` in the captured logs");
    }
    assert!(logs.contains("TRACE"), "no TRACE events captured");
    common::assert_no_leak(&canary, &outputs);
    assert_eq!(world.github.violations(), Vec::<String>::new());
    assert_eq!(world.vault.violations(), Vec::<String>::new());
}

#[tokio::test]
async fn copies_move_values_between_stores_inside_the_process() {
    common::capture_logs();
    let world = world().await;
    let canary = common::canary();
    let env_canary = canary.clone();
    let env = move |name: &str| (name == "SOURCE").then(|| env_canary.clone());
    let read = reader(&world.workspace);
    let mut context = SourceContext {
        env: &env,
        read_file: &read,
        allow_literal: false,
        prompted: None,
    };
    let mut outputs = Vec::new();
    let set = |target: SecretTarget,
               name: &str,
               source: SourceSpec,
               properties: SecretProperties| SetRequest {
        target,
        name: name.to_owned(),
        source,
        properties,
        overwrite: false,
    };

    // env -> local, with metadata.
    let properties = SecretProperties {
        content_type: Some("text/plain".to_owned()),
        tags: [("team".to_owned(), "payments".to_owned())].into(),
        ..SecretProperties::default()
    };
    set_secret(
        &world.stores,
        set(
            SecretTarget::Local {},
            "stripe-key",
            SourceSpec::Env {
                name: "SOURCE".to_owned(),
            },
            properties,
        ),
        &mut context,
    )
    .await
    .expect("local");

    // local -> key_vault keeps content type and tags.
    let copy = SourceSpec::Copy(CopySpec {
        from: SecretTarget::Local {},
        name: "stripe-key".to_owned(),
        version: None,
    });
    let outcome = set_secret(
        &world.stores,
        set(
            SecretTarget::KeyVault { vault: None },
            "stripe-key",
            copy,
            SecretProperties::default(),
        ),
        &mut context,
    )
    .await
    .expect("local to key vault");
    assert!(
        outcome.origin.contains("copy of `stripe-key`"),
        "{}",
        outcome.origin
    );
    let StoreDetails::KeyVault(result) = &outcome.details else {
        panic!("key vault details")
    };
    assert_eq!(
        result.properties.content_type.as_deref(),
        Some("text/plain")
    );
    let stored = world.vault.versions("myvault", "stripe-key");
    assert_eq!(stored[0].value, canary);
    assert_eq!(
        stored[0].tags.as_ref().map(|t| t["team"].clone()),
        Some("payments".into())
    );
    outputs.push(format!("{outcome:?}"));

    // key_vault -> github.
    let github_target = SecretTarget::Github {
        owner: Some("octo".to_owned()),
        repo: Some("app".to_owned()),
        environment: Some("production".to_owned()),
        org: None,
        visibility: None,
        selected_repository_ids: None,
    };
    let copy = SourceSpec::Copy(CopySpec {
        from: SecretTarget::KeyVault { vault: None },
        name: "stripe-key".to_owned(),
        version: None,
    });
    let outcome = set_secret(
        &world.stores,
        set(
            github_target.clone(),
            "STRIPE_KEY",
            copy,
            SecretProperties::default(),
        ),
        &mut context,
    )
    .await
    .expect("key vault to github");
    let StoreDetails::Github(result) = &outcome.details else {
        panic!("github details")
    };
    assert_eq!(result.workflow_reference, "${{ secrets.STRIPE_KEY }}");
    assert_eq!(
        world
            .github
            .stored("env:octo/app/production", "STRIPE_KEY")
            .expect("github")
            .plaintext,
        canary
    );
    outputs.push(serde_json::to_string(&outcome).expect("json"));

    // GitHub is write-only: it cannot be a copy source.
    let copy = SourceSpec::Copy(CopySpec {
        from: github_target,
        name: "STRIPE_KEY".to_owned(),
        version: None,
    });
    let error = set_secret(
        &world.stores,
        set(
            SecretTarget::Local {},
            "back",
            copy,
            SecretProperties::default(),
        ),
        &mut context,
    )
    .await
    .expect_err("github is not readable");
    assert_eq!(error.kind(), "github_not_readable");

    // The audit trail shows each read and write, and no value.
    let audit = std::fs::read_to_string(&world.audit).expect("audit");
    let operations: Vec<String> = audit
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("json");
            format!(
                "{} {} {}",
                v["operation"].as_str().unwrap_or(""),
                v["store"].as_str().unwrap_or(""),
                v["outcome"].as_str().unwrap_or("")
            )
        })
        .collect();
    assert_eq!(
        operations,
        [
            "set local success",
            "get local success",
            "set key_vault success",
            "get key_vault success",
            "set github success",
            "get github failure",
            "set local failure",
        ]
    );
    outputs.push(audit);
    outputs.push(error.to_string());
    common::assert_no_leak(&canary, &outputs);
    assert_eq!(world.github.violations(), Vec::<String>::new());
    assert_eq!(world.vault.violations(), Vec::<String>::new());
}

#[tokio::test]
async fn bad_input_is_refused_and_nothing_is_stored() {
    common::capture_logs();
    let world = world().await;
    let canary = common::canary();
    let env = |_: &str| None;
    let read = reader(&world.workspace);
    let mut context = SourceContext {
        env: &env,
        read_file: &read,
        allow_literal: false,
        prompted: None,
    };
    let mut errors: Vec<SecretsError> = Vec::new();
    let request = |target: SecretTarget, name: &str, source: SourceSpec| SetRequest {
        target,
        name: name.to_owned(),
        source,
        properties: SecretProperties::default(),
        overwrite: false,
    };
    let literal = || SourceSpec::Value {
        value: SecretValue::new(canary.clone()),
    };
    let cases: Vec<(SetRequest, &str)> = vec![
        (
            request(
                SecretTarget::KeyVault { vault: None },
                "db_password",
                literal(),
            ),
            "invalid_name",
        ),
        (
            request(targets()[2].0.clone(), "GITHUB_TOKEN", literal()),
            "invalid_name",
        ),
        (
            request(
                SecretTarget::Local {},
                "A",
                SourceSpec::Env {
                    name: "MISSING_VAR".to_owned(),
                },
            ),
            "env_var_missing",
        ),
        (
            request(
                SecretTarget::Local {},
                "A",
                SourceSpec::File {
                    path: "nope.env".to_owned(),
                    key: None,
                },
            ),
            "file_not_found",
        ),
        (
            request(
                SecretTarget::Local {},
                "A",
                SourceSpec::File {
                    path: "../outside.env".to_owned(),
                    key: None,
                },
            ),
            "file_outside_workspace",
        ),
        (
            request(SecretTarget::Local {}, "A", literal()),
            "literal_not_allowed",
        ),
        (
            request(
                SecretTarget::KeyVault {
                    vault: Some("lockedvault".to_owned()),
                },
                "a",
                literal(),
            ),
            "literal_not_allowed",
        ),
    ];
    for (request, kind) in cases {
        let error = set_secret(&world.stores, request, &mut context)
            .await
            .expect_err(kind);
        assert_eq!(error.kind(), kind, "{error}");
        errors.push(error);
    }
    // Vault by URL that does not exist, and a forbidden vault (a prompt value this time).
    for (vault, kind) in [
        ("missingvault", "vault_not_found"),
        ("lockedvault", "key_vault_forbidden"),
    ] {
        context.prompted = Some(SecretValue::new(canary.clone()));
        let error = set_secret(
            &world.stores,
            request(
                SecretTarget::KeyVault {
                    vault: Some(world.vault.url(vault)),
                },
                "a",
                SourceSpec::Prompt { description: None },
            ),
            &mut context,
        )
        .await
        .expect_err(kind);
        assert_eq!(error.kind(), kind, "{error}");
        errors.push(error);
    }
    // An unknown store is refused when the input is parsed.
    let unknown =
        serde_json::from_str::<SecretTarget>(r#"{"store": "vault"}"#).expect_err("unknown store");
    assert!(unknown.to_string().contains("key_vault"), "{unknown}");

    // Overwrite needs the flag, checked before the value is produced.
    let env_value = canary.clone();
    let env = move |_: &str| Some(env_value.clone());
    let mut context = SourceContext {
        env: &env,
        read_file: &read,
        allow_literal: false,
        prompted: None,
    };
    set_secret(
        &world.stores,
        request(
            SecretTarget::Local {},
            "KEEP",
            SourceSpec::Env {
                name: "V".to_owned(),
            },
        ),
        &mut context,
    )
    .await
    .expect("first");
    assert!(
        secret_exists(&world.stores, &SecretTarget::Local {}, "KEEP")
            .await
            .expect("exists")
    );
    let error = set_secret(
        &world.stores,
        request(
            SecretTarget::Local {},
            "KEEP",
            SourceSpec::Env {
                name: "V".to_owned(),
            },
        ),
        &mut context,
    )
    .await
    .expect_err("exists");
    assert_eq!(error.kind(), "already_exists");
    assert!(error.to_string().contains("overwrite: true"), "{error}");
    errors.push(error);
    let mut again = request(
        SecretTarget::Local {},
        "KEEP",
        SourceSpec::Env {
            name: "V".to_owned(),
        },
    );
    again.overwrite = true;
    let outcome = set_secret(&world.stores, again, &mut context)
        .await
        .expect("overwrite");
    assert!(outcome.replaced);

    // Only KEEP was stored; nothing reached the fakes.
    let local = list_secrets(&world.stores, &SecretTarget::Local {})
        .await
        .expect("list");
    assert_eq!(
        local
            .secrets
            .iter()
            .map(|s| s.name.as_str())
            .collect::<Vec<_>>(),
        ["KEEP"]
    );
    assert_eq!(local.secrets[0].versions, Some(2));
    for vault in ["myvault", "lockedvault"] {
        assert!(world.vault.versions(vault, "a").is_empty());
    }
    assert!(
        world
            .github
            .stored("repo:octo/app", "GITHUB_TOKEN")
            .is_none()
    );

    let audit = std::fs::read_to_string(&world.audit).expect("audit");
    let failures = audit
        .lines()
        .filter(|l| l.contains("\"outcome\":\"failure\""))
        .count();
    assert_eq!(failures, 10);
    assert!(audit.contains("\"error_kind\":\"literal_not_allowed\""));
    let mut texts: Vec<String> = errors
        .iter()
        .flat_map(|e| [e.to_string(), format!("{e:?}")])
        .collect();
    texts.push(audit);
    common::assert_no_leak(&canary, &texts);
}
