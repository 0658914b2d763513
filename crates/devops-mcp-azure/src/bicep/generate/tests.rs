//! Generator tests: one per secure default (each also proves that the matching lint rule
//! fires when the default is removed, so neither side can rot silently), API versions,
//! naming limits, determinism, and a matrix of specs that must all validate cleanly.

use std::path::Path;
use std::sync::OnceLock;

use serde_json::json;

use super::*;
use crate::bicep::rules::Severity;
use crate::bicep::{roles, validate::validate};

fn types() -> &'static TypeIndex {
    static TYPES: OnceLock<TypeIndex> = OnceLock::new();
    TYPES.get_or_init(|| {
        TypeIndex::load_dir(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/contracts/bicep-types"),
        )
        .expect("shared bicep-types")
    })
}

fn gen_json(spec: serde_json::Value) -> GeneratedBicep {
    let spec = BicepSpec::from_json(spec).expect("spec parses");
    generate(&spec, Some(types())).unwrap_or_else(|e| panic!("generate failed: {e}"))
}

fn private_prod() -> GeneratedBicep {
    gen_json(json!({
        "app_name": "shop",
        "workload": "django",
        "database": {"kind": "postgresql-flexible"},
        "networking": {"mode": "private"},
        "monitoring": {"alert_emails": ["ops@example.com"]}
    }))
}

fn file<'a>(g: &'a GeneratedBicep, suffix: &str) -> &'a str {
    g.files
        .iter()
        .find(|f| f.path.ends_with(suffix))
        .map(|f| f.content.as_str())
        .unwrap_or_else(|| panic!("no file {suffix}"))
}

fn sources(g: &GeneratedBicep) -> Vec<SourceFile> {
    g.files
        .iter()
        .filter(|f| !f.path.ends_with(".md"))
        .map(|f| SourceFile::new(f.path.clone(), f.content.clone()))
        .collect()
}

/// Replaces `from` with `to` in one generated file, validates the set again and returns
/// the rule IDs reported as errors or warnings.
fn rules_after_edit(g: &GeneratedBicep, suffix: &str, from: &str, to: &str) -> Vec<String> {
    let mut files = sources(g);
    let f = files
        .iter_mut()
        .find(|f| f.path.ends_with(suffix))
        .expect("file");
    assert!(f.content.contains(from), "`{from}` not in {suffix}");
    f.content = f.content.replacen(from, to, 1);
    validate(&files, Some(types()))
        .diagnostics
        .into_iter()
        .filter(|d| d.severity >= Severity::Warning)
        .map(|d| d.rule_id)
        .collect()
}

#[test]
fn generated_set_is_clean_and_complete() {
    let g = private_prod();
    assert_eq!(g.validation.errors, 0, "{:#?}", g.validation.diagnostics);
    assert_eq!(g.validation.warnings, 0, "{:#?}", g.validation.diagnostics);
    assert!(
        g.validation.unchecked_resources.is_empty(),
        "{:#?}",
        g.validation.unchecked_resources
    );
    let paths: Vec<&str> = g.files.iter().map(|f| f.path.as_str()).collect();
    for expected in [
        "infrastructure/bicep/main.bicep",
        "infrastructure/bicep/main.dev.bicepparam",
        "infrastructure/bicep/main.staging.bicepparam",
        "infrastructure/bicep/main.prod.bicepparam",
        "infrastructure/bicep/modules/appservice.bicep",
        "infrastructure/bicep/modules/keyvault.bicep",
        "infrastructure/bicep/modules/postgresql.bicep",
        "infrastructure/bicep/modules/monitoring.bicep",
        "infrastructure/bicep/modules/network.bicep",
        "infrastructure/bicep/modules/roles.bicep",
        "infrastructure/bicep/modules/budget.bicep",
        "infrastructure/README.md",
    ] {
        assert!(paths.contains(&expected), "missing {expected} in {paths:?}");
    }
    for f in &g.files {
        assert_eq!(f.sha256, sha256_hex(&f.content), "{}", f.path);
    }
}

#[test]
fn https_only_on_app_and_slot() {
    let g = private_prod();
    assert_eq!(
        file(&g, "appservice.bicep")
            .matches("httpsOnly: true")
            .count(),
        1
    );
    assert_eq!(
        file(&g, "staging-slot.bicep")
            .matches("httpsOnly: true")
            .count(),
        1
    );
    assert!(
        rules_after_edit(
            &g,
            "appservice.bicep",
            "httpsOnly: true",
            "httpsOnly: false"
        )
        .contains(&"BCP-SEC-001".to_owned())
    );
}

#[test]
fn min_tls_is_1_2() {
    let g = private_prod();
    let app = file(&g, "appservice.bicep");
    assert!(app.contains("minTlsVersion: '1.2'") && app.contains("scmMinTlsVersion: '1.2'"));
    assert!(
        rules_after_edit(
            &g,
            "appservice.bicep",
            "minTlsVersion: '1.2'",
            "minTlsVersion: '1.0'"
        )
        .contains(&"BCP-SEC-002".to_owned())
    );
}

#[test]
fn ftps_is_disabled() {
    let g = private_prod();
    assert!(file(&g, "appservice.bicep").contains("ftpsState: 'Disabled'"));
    assert!(file(&g, "staging-slot.bicep").contains("ftpsState: 'Disabled'"));
    assert!(
        rules_after_edit(
            &g,
            "appservice.bicep",
            "ftpsState: 'Disabled'",
            "ftpsState: 'AllAllowed'"
        )
        .contains(&"BCP-SEC-003".to_owned())
    );
}

#[test]
fn remote_debugging_is_off() {
    let g = private_prod();
    assert!(file(&g, "appservice.bicep").contains("remoteDebuggingEnabled: false"));
    assert!(
        rules_after_edit(
            &g,
            "appservice.bicep",
            "remoteDebuggingEnabled: false",
            "remoteDebuggingEnabled: true"
        )
        .contains(&"BCP-SEC-004".to_owned())
    );
}

#[test]
fn app_and_slot_have_system_assigned_identity() {
    let g = private_prod();
    assert!(file(&g, "appservice.bicep").contains("type: 'SystemAssigned'"));
    assert!(file(&g, "staging-slot.bicep").contains("type: 'SystemAssigned'"));
    assert!(
        rules_after_edit(
            &g,
            "appservice.bicep",
            "type: 'SystemAssigned'",
            "type: 'None'"
        )
        .contains(&"BCP-SEC-005".to_owned())
    );
}

#[test]
fn app_settings_reference_key_vault_not_values() {
    let g = private_prod();
    let app = file(&g, "appservice.bicep");
    assert!(app.contains(
        "value: '@Microsoft.KeyVault(VaultName=${keyVaultName};SecretName=database-url)'"
    ));
    assert!(app.contains(
        "value: '@Microsoft.KeyVault(VaultName=${keyVaultName};SecretName=django-secret-key)'"
    ));
    // No secure parameter reaches the app module; secret values only go to the vault module.
    assert!(!file(&g, "main.bicep").contains("djangoSecretKey: djangoSecretKey"));
    assert!(
        rules_after_edit(
            &g,
            "appservice.bicep",
            "value: '@Microsoft.KeyVault(VaultName=${keyVaultName};SecretName=django-secret-key)'",
            "value: 'not-so-secret'"
        )
        .contains(&"BCP-SEC-006".to_owned())
    );
}

#[test]
fn key_vault_uses_rbac_soft_delete_and_purge_protection() {
    let g = private_prod();
    let kv = file(&g, "keyvault.bicep");
    for needle in [
        "enableRbacAuthorization: true",
        "enableSoftDelete: true",
        "softDeleteRetentionInDays: 90",
        "enablePurgeProtection: true",
    ] {
        assert!(kv.contains(needle), "{needle}");
    }
    assert!(!kv.contains("accessPolicies"));
    assert!(
        rules_after_edit(
            &g,
            "keyvault.bicep",
            "enableRbacAuthorization: true",
            "enableRbacAuthorization: false"
        )
        .contains(&"BCP-SEC-007".to_owned())
    );
    assert!(
        rules_after_edit(
            &g,
            "keyvault.bicep",
            "enableSoftDelete: true",
            "enableSoftDelete: false"
        )
        .contains(&"BCP-SEC-008".to_owned())
    );
    assert!(
        rules_after_edit(
            &g,
            "keyvault.bicep",
            "enablePurgeProtection: true",
            "enablePurgeProtection: false"
        )
        .contains(&"BCP-SEC-009".to_owned())
    );
}

#[test]
fn key_vault_public_access_is_disabled_when_private() {
    let g = private_prod();
    let kv = file(&g, "keyvault.bicep");
    assert!(kv.contains("publicNetworkAccess: 'Disabled'") && kv.contains("defaultAction: 'Deny'"));
    assert!(kv.contains("groupIds: [\n            'vault'"));
    assert!(
        rules_after_edit(
            &g,
            "keyvault.bicep",
            "publicNetworkAccess: 'Disabled'",
            "publicNetworkAccess: 'Enabled'"
        )
        .contains(&"BCP-SEC-010".to_owned())
    );
    let public = gen_json(json!({"app_name": "shop", "workload": "node"}));
    assert!(file(&public, "keyvault.bicep").contains("publicNetworkAccess: 'Enabled'"));
    assert!(
        !public
            .files
            .iter()
            .any(|f| f.path.ends_with("network.bicep"))
    );
}

#[test]
fn postgres_is_private_tls_enforced_and_entra_enabled() {
    let g = private_prod();
    let pg = file(&g, "postgresql.bicep");
    for needle in [
        "publicNetworkAccess: 'Disabled'",
        "activeDirectoryAuth: 'Enabled'",
        "name: 'require_secure_transport'",
        "value: 'ON'",
        "name: 'ssl_min_protocol_version'",
        "value: 'TLSv1.2'",
        "groupIds: [\n            'postgresqlServer'",
    ] {
        assert!(pg.contains(needle), "{needle}");
    }
    assert!(
        !pg.contains("firewallRules"),
        "no firewall rules when private"
    );
    assert!(
        rules_after_edit(
            &g,
            "postgresql.bicep",
            "publicNetworkAccess: 'Disabled'",
            "publicNetworkAccess: 'Enabled'"
        )
        .contains(&"BCP-SEC-011".to_owned())
    );
    assert!(
        rules_after_edit(&g, "postgresql.bicep", "value: 'ON'", "value: 'OFF'")
            .contains(&"BCP-SEC-012".to_owned())
    );
    assert!(
        rules_after_edit(
            &g,
            "postgresql.bicep",
            "activeDirectoryAuth: 'Enabled'",
            "activeDirectoryAuth: 'Disabled'"
        )
        .contains(&"BCP-SEC-013".to_owned())
    );
}

#[test]
fn role_assignments_are_least_privilege_built_ins() {
    let g = private_prod();
    let roles_file = file(&g, "roles.bicep");
    assert!(roles_file.contains(roles::KEY_VAULT_SECRETS_USER.id));
    assert!(
        roles_file.contains("scope: keyVault"),
        "scoped to the vault, not the resource group"
    );
    assert!(roles_file.contains("principalType: 'ServicePrincipal'"));
    for f in &g.files {
        for p in roles::PRIVILEGED {
            assert!(!f.content.contains(p.id), "{} mentions {}", f.path, p.name);
        }
    }
    let owner = roles::PRIVILEGED[0].id;
    assert!(
        rules_after_edit(&g, "roles.bicep", roles::KEY_VAULT_SECRETS_USER.id, owner)
            .contains(&"BCP-SEC-014".to_owned())
    );
}

#[test]
fn secret_params_are_secure_and_never_output() {
    let g = private_prod();
    let main = file(&g, "main.bicep");
    for p in ["postgresAdminPassword", "djangoSecretKey"] {
        let at = main
            .find(&format!("param {p} string"))
            .expect("param declared");
        assert!(
            main[..at].rfind("@secure()").is_some_and(|s| at - s < 200),
            "{p} is @secure()"
        );
    }
    assert!(file(&g, "keyvault.bicep").contains("@secure()\nparam secretValues object"));
    assert!(file(&g, "postgresql.bicep").contains("@secure()\nparam administratorPassword string"));
    for f in &g.files {
        for line in f.content.lines().filter(|l| l.starts_with("output ")) {
            assert!(
                !line.contains("Password")
                    && !line.contains("secret")
                    && !line.contains("ConnectionString"),
                "{}: {line}",
                f.path
            );
        }
        if f.path.ends_with(".bicepparam") {
            assert!(
                f.content
                    .contains("readEnvironmentVariable('POSTGRES_ADMIN_PASSWORD')")
            );
        }
    }
    let leaked = rules_after_edit(
        &g,
        "main.bicep",
        "output keyVaultName string = keyVaultName",
        "output keyVaultName string = djangoSecretKey",
    );
    assert!(leaked.contains(&"BCP-SEC-018".to_owned()), "{leaked:?}");
    let unsecured = rules_after_edit(
        &g,
        "main.bicep",
        "@secure()\n@minLength(12)\nparam postgresAdminPassword",
        "@minLength(12)\nparam postgresAdminPassword",
    );
    assert!(
        unsecured.contains(&"BCP-SEC-016".to_owned()),
        "{unsecured:?}"
    );
    let literal = rules_after_edit(
        &g,
        "main.prod.bicepparam",
        "readEnvironmentVariable('POSTGRES_ADMIN_PASSWORD')",
        "'Sup3r-secret-pw'",
    );
    assert!(literal.contains(&"BCP-SEC-017".to_owned()), "{literal:?}");
}

#[test]
fn names_use_unique_string_within_type_rules_for_the_longest_app_name() {
    // 32 characters, the longest the spec allows, with the longest environment name.
    let g = gen_json(
        json!({"app_name": "a-very-long-application-name-32c", "workload": "node", "database": {"kind": "postgresql-flexible"},
        "networking": {"mode": "private"}}),
    );
    assert_eq!(g.validation.errors, 0, "{:#?}", g.validation.diagnostics);
    assert!(
        !g.validation
            .diagnostics
            .iter()
            .any(|d| d.rule_id == "BCP-SEM-011" || d.rule_id == "BCP-SEC-019"),
        "{:#?}",
        g.validation.diagnostics
    );
    let main = file(&g, "main.bicep");
    assert!(main.contains("var suffix = uniqueString(resourceGroup().id)"));
    assert!(
        main.contains("var keyVaultName = 'kvaverylong${suffix}'"),
        "kv stem cut to 9 characters"
    );
    // kv + 9 + 13 = 24, app-<32>-staging-<13> = 58, psql-<32>-staging-<13> = 59.
    for item in &g.inventory {
        if let Some(rule) = crate::bicep::naming::rule_for(&item.resource_type)
            && rule.globally_unique
        {
            assert!(
                item.name.contains("suffix") || item.name.contains("uniqueString"),
                "{} {}",
                item.resource_type,
                item.name
            );
        }
    }
    // The checks are not vacuous: one more character in the Key Vault stem breaks the rule.
    let longer = rules_after_edit(
        &g,
        "main.bicep",
        "'kvaverylong${suffix}'",
        "'kvaverylongx${suffix}'",
    );
    assert!(longer.contains(&"BCP-SEM-011".to_owned()), "{longer:?}");
    let fixed = rules_after_edit(&g, "main.bicep", "'kvaverylong${suffix}'", "'kvaverylong'");
    assert!(fixed.contains(&"BCP-SEC-019".to_owned()), "{fixed:?}");
}

#[test]
fn every_taggable_resource_is_tagged() {
    let g = private_prod();
    assert!(
        !g.validation
            .diagnostics
            .iter()
            .any(|d| d.rule_id == "BCP-SEM-012")
    );
    let tagged = g
        .files
        .iter()
        .map(|f| f.content.matches("tags: tags").count())
        .sum::<usize>();
    assert!(tagged >= 20, "{tagged}");
    let main = file(&g, "main.bicep");
    for key in [
        "environment: environmentName",
        "project: 'shop'",
        "'cost-center':",
        "owner:",
        "'data-classification':",
        "compliance:",
    ] {
        assert!(main.contains(key), "{key}");
    }
    assert!(
        rules_after_edit(
            &g,
            "keyvault.bicep",
            "  name: keyVaultName\n  location: location\n  tags: tags\n",
            "  name: keyVaultName\n  location: location\n"
        )
        .contains(&"BCP-SEM-012".to_owned())
    );
}

#[test]
fn diagnostic_settings_send_to_log_analytics() {
    let g = private_prod();
    assert!(
        !g.validation
            .diagnostics
            .iter()
            .any(|d| d.rule_id == "BCP-SEC-020")
    );
    let settings = g
        .inventory
        .iter()
        .filter(|i| i.resource_type == "Microsoft.Insights/diagnosticSettings")
        .count();
    // workspace, vault, its endpoint, 2 NSGs, VNet, server, its endpoint, plan, app, autoscale, slot, activity log.
    assert_eq!(settings, 13, "{:#?}", g.inventory);
    for f in g.files.iter().filter(|f| f.path.contains("/modules/")) {
        for block in f
            .content
            .split("resource ")
            .filter(|b| b.contains("'Microsoft.Insights/diagnosticSettings@"))
        {
            assert!(block.contains("workspaceId: workspaceId"), "{}", f.path);
        }
    }
    assert!(
        rules_after_edit(
            &g,
            "keyvault.bicep",
            "  scope: keyVault\n",
            "  scope: resourceGroup()\n"
        )
        .contains(&"BCP-SEC-020".to_owned())
    );
}

#[test]
fn api_versions_come_from_the_type_index() {
    for g in [
        private_prod(),
        gen_json(json!({"app_name": "site", "workload": "static"})),
    ] {
        for item in &g.inventory {
            assert!(
                types().contains(&item.resource_type, &item.api_version),
                "{}@{} not in index.json",
                item.resource_type,
                item.api_version
            );
        }
    }
}

#[test]
fn generation_is_deterministic() {
    assert_eq!(private_prod(), private_prod());
}

#[test]
fn no_type_data_means_unchecked_not_valid() {
    let spec = BicepSpec::from_json(json!({"app_name": "shop", "workload": "node"})).expect("spec");
    let g = generate(&spec, None).expect("generates without type data");
    // Every deployed resource (and every `existing` reference) is listed as unchecked.
    assert!(g.validation.unchecked_resources.len() >= g.inventory.len());
    for item in &g.inventory {
        assert!(
            g.validation
                .unchecked_resources
                .iter()
                .any(|u| u.resource_type == item.resource_type && u.file == item.file),
            "{item:?}"
        );
    }
    assert!(
        g.validation
            .diagnostics
            .iter()
            .all(|d| d.rule_id == "BCP-TYP-008" && d.severity == Severity::Info)
    );
    assert!(
        g.validation
            .checks_run
            .iter()
            .any(|c| c.name == "types (skipped)")
    );
}

#[test]
fn report_states_that_no_compiler_ran() {
    let g = private_prod();
    assert!(
        g.validation
            .checks_not_run
            .iter()
            .any(|c| c.contains("az bicep build"))
    );
    assert!(
        g.validation
            .next_steps
            .iter()
            .any(|s| s.contains("what-if"))
    );
    assert!(file(&g, "README.md").contains("az deployment group what-if"));
}

#[test]
fn readme_has_every_required_section() {
    let g = private_prod();
    let readme = file(&g, "README.md");
    for section in [
        "```mermaid",
        "## Resource inventory",
        "## Configuration by environment",
        "## Deployment",
        "az deployment group create",
        "## Permissions",
        "## Monitoring",
        "## Disaster recovery",
        "## Rough monthly cost",
        crate::bicep::catalog::PRICES_RECORDED,
    ] {
        assert!(readme.contains(section), "{section}");
    }
    let rows = readme
        .lines()
        .filter(|l| l.starts_with("| `Microsoft."))
        .count();
    assert_eq!(rows, g.inventory.len());
}

#[test]
fn required_secrets_say_where_they_live() {
    let g = private_prod();
    let names: Vec<(&str, &str)> = g
        .secrets
        .iter()
        .map(|s| (s.environment_variable.as_str(), s.key_vault_secret.as_str()))
        .collect();
    assert_eq!(
        names,
        [
            ("POSTGRES_ADMIN_PASSWORD", "database-url"),
            ("DJANGO_SECRET_KEY", "django-secret-key")
        ]
    );
    let external = gen_json(
        json!({"app_name": "svc", "workload": "container", "runtime": {"container_image": "ghcr.io/a/b:1"},
        "database": {"kind": "external", "provider": "supabase"}}),
    );
    assert_eq!(external.secrets[0].environment_variable, "DATABASE_URL");
    assert!(file(&external, "main.bicep").contains("@secure()\nparam databaseUrl string"));
    assert!(!file(&external, "main.bicep").contains("postgres"));
}

#[test]
fn a_matrix_of_specs_validates_without_errors_or_warnings() {
    let workloads = ["django", "fastapi", "node", "container", "static"];
    let mut count = 0;
    for (wi, workload) in workloads.iter().enumerate() {
        for mode in ["public", "private"] {
            for db in ["none", "postgresql-flexible", "external"] {
                if *workload == "static" && db != "none" {
                    continue;
                }
                for envs in [
                    json!([{"name": "dev"}]),
                    json!([{"name": "prod", "app_service_sku": "P2v3", "instance_count": 3}]),
                    json!([{"name": "dev"}, {"name": "staging"}, {"name": "prod"}]),
                ] {
                    let mut spec = json!({
                        "app_name": format!("app{wi}-{mode}"),
                        "workload": workload,
                        "networking": {"mode": mode},
                        "database": {"kind": db},
                        "environments": envs,
                        "monitoring": {"activity_log_export": wi % 2 == 0},
                        "budget": {"enabled": wi != 1}
                    });
                    if *workload == "container" {
                        spec["runtime"] =
                            json!({"container_image": "myregistry.azurecr.io/app:2.0.1"});
                    }
                    let g = gen_json(spec.clone());
                    assert_eq!(
                        g.validation.errors + g.validation.warnings,
                        0,
                        "{spec}: {:#?}",
                        g.validation.diagnostics
                    );
                    count += 1;
                }
            }
        }
    }
    assert_eq!(count, 78);
}

#[test]
fn output_dir_prefixes_every_path() {
    let g =
        gen_json(json!({"app_name": "shop", "workload": "node", "output_dir": "deploy/azure/"}));
    assert!(
        g.files.iter().all(|f| f.path.starts_with("deploy/azure/")),
        "{:?}",
        g.files.iter().map(|f| &f.path).collect::<Vec<_>>()
    );
}

#[test]
fn invalid_spec_fails_before_anything_is_generated() {
    let spec = BicepSpec::from_json(
        json!({"app_name": "shop", "workload": "node", "networking": {"mode": "private"},
        "environments": [{"name": "dev", "app_service_sku": "F1"}]}),
    )
    .expect("parses");
    match generate(&spec, Some(types())) {
        Err(Error::InvalidSpec(p)) => assert_eq!(p[0].field, "environments[0].app_service_sku"),
        other => panic!("expected InvalidSpec, got {other:?}"),
    }
}
