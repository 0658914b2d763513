//! `generate`: renders a [`BicepSpec`] into a modular Bicep file set (main template,
//! modules, one parameters file per environment) plus a README, validates the set with the
//! same checks as `validate`, and returns it with its resource inventory, the secrets it
//! needs and next steps. Pure: nothing is read or written; the caller decides where the
//! files go (see [`crate::bicep::write::plan_write`]).

mod app;
mod infra;
mod main_file;
mod ops;
mod readme;
pub(crate) mod text;

use schemars::JsonSchema;
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::spec::{self, BicepSpec, ResolvedDatabase};
use super::types::TypeIndex;
use super::validate::{self, SourceFile, ValidationReport};
use crate::error::Error;

/// API versions the generator writes: each is present in the bicep-types index
/// (`../shared/contracts/bicep-types/index.json`), which a test checks.
pub(crate) mod api {
    /// Microsoft.Web sites, slots, serverfarms.
    pub const WEB: &str = "2025-03-01";
    /// Microsoft.KeyVault vaults and secrets.
    pub const KEY_VAULT: &str = "2026-02-01";
    /// Microsoft.DBforPostgreSQL flexibleServers and children.
    pub const POSTGRES: &str = "2025-08-01";
    /// Microsoft.Insights components.
    pub const COMPONENTS: &str = "2020-02-02";
    /// Microsoft.Insights actionGroups.
    pub const ACTION_GROUPS: &str = "2023-01-01";
    /// Microsoft.Insights metricAlerts.
    pub const METRIC_ALERTS: &str = "2026-01-01";
    /// Microsoft.Insights scheduledQueryRules.
    pub const QUERY_RULES: &str = "2026-03-01";
    /// Microsoft.Insights autoscalesettings.
    pub const AUTOSCALE: &str = "2022-10-01";
    /// Microsoft.Insights diagnosticSettings (the version templates use; 2016-09-01 is legacy).
    pub const DIAGNOSTIC_SETTINGS: &str = "2021-05-01-preview";
    /// Microsoft.OperationalInsights workspaces.
    pub const WORKSPACES: &str = "2026-03-01";
    /// Microsoft.Network virtual networks, NSGs, private endpoints.
    pub const NETWORK: &str = "2025-09-01";
    /// Microsoft.Network private DNS zones and links.
    pub const PRIVATE_DNS: &str = "2024-06-01";
    /// Microsoft.Authorization roleAssignments.
    pub const ROLE_ASSIGNMENTS: &str = "2022-04-01";
    /// Microsoft.Consumption budgets.
    pub const BUDGETS: &str = "2026-06-01";
}

/// One generated file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct GeneratedFile {
    /// Path relative to the workspace, `/`-separated (starts with the spec's `output_dir`).
    pub path: String,
    /// File content (UTF-8, `\n` line ends).
    pub content: String,
    /// SHA-256 of the content, lower-case hex.
    pub sha256: String,
}

impl GeneratedFile {
    fn new(path: String, content: String) -> Self {
        let sha256 = sha256_hex(&content);
        Self {
            path,
            content,
            sha256,
        }
    }
}

/// Lower-case hex SHA-256 of a text.
#[must_use]
pub fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// One resource the templates deploy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct InventoryItem {
    /// Resource type, e.g. `Microsoft.KeyVault/vaults`.
    pub resource_type: String,
    /// API version.
    pub api_version: String,
    /// Name as a Bicep expression (as main.bicep computes it where the module receives it).
    pub name: String,
    /// File that declares it.
    pub file: String,
    /// Deployed only under a condition or once per element of a list, as written.
    pub condition: Option<String>,
}

/// A secret the deployment needs: where it comes from and where it ends up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct RequiredSecret {
    /// Environment variable that must hold the value when the deployment runs.
    pub environment_variable: String,
    /// `@secure()` parameter of main.bicep it feeds.
    pub parameter: String,
    /// Key Vault secret it is stored in (per environment's vault).
    pub key_vault_secret: String,
    /// App setting that references it with `@Microsoft.KeyVault(...)`, if any.
    pub app_setting: Option<String>,
    /// What it is.
    pub description: String,
}

/// The result of `generate`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct GeneratedBicep {
    /// Files: main.bicep, modules, parameters files, README.
    pub files: Vec<GeneratedFile>,
    /// Resources the templates deploy.
    pub inventory: Vec<InventoryItem>,
    /// Secrets to provide at deployment.
    pub secrets: Vec<RequiredSecret>,
    /// The validation of the Bicep files (never contains errors).
    pub validation: ValidationReport,
    /// What to do next.
    pub next_steps: Vec<String>,
}

/// Generates and validates the Bicep file set for a spec.
///
/// # Errors
/// [`Error::InvalidSpec`] listing every problem of the spec (field, what is wrong, what is
/// allowed); [`Error::GeneratedInvalid`] if the generated set fails its own validation, which
/// is a bug.
pub fn generate(spec: &BicepSpec, types: Option<&TypeIndex>) -> Result<GeneratedBicep, Error> {
    let r = spec::resolve(spec)?;
    let bicep_dir = format!("{}/bicep", r.output_dir);
    let mut files: Vec<(String, String)> =
        vec![(format!("{bicep_dir}/main.bicep"), main_file::main_bicep(&r))];
    for env in &r.envs {
        files.push((
            format!("{bicep_dir}/main.{}.bicepparam", env.name),
            main_file::params_file(&r, env),
        ));
    }
    let mut modules = vec![
        ("monitoring", infra::monitoring(&r)),
        ("keyvault", infra::key_vault(&r)),
    ];
    if r.is_private() {
        modules.push(("network", infra::network(&r)));
    }
    if r.has_postgres() {
        modules.push(("postgresql", infra::postgres(&r)));
    }
    modules.push(("appservice", app::app_service(&r)));
    if r.any_slot() {
        modules.push(("staging-slot", app::staging_slot(&r)));
    }
    modules.push(("roles", app::roles()));
    modules.push(("alerts", ops::alerts(&r)));
    if r.budget.is_some() {
        modules.push(("budget", ops::budget(&r)));
    }
    if r.monitoring.activity_log_export {
        modules.push(("activity-log", ops::activity_log()));
    }
    for (name, content) in modules {
        files.push((format!("{bicep_dir}/modules/{name}.bicep"), content));
    }

    let sources: Vec<SourceFile> = files
        .iter()
        .map(|(p, c)| SourceFile::new(p.clone(), c.clone()))
        .collect();
    let (report, project) = validate::analyze(&sources, types);
    if report.has_errors() {
        let errors = report
            .diagnostics
            .iter()
            .filter(|d| d.severity == super::rules::Severity::Error)
            .map(|d| {
                format!(
                    "{}:{}:{} {} {}",
                    d.file, d.line, d.column, d.rule_id, d.message
                )
            })
            .collect();
        return Err(Error::GeneratedInvalid(errors));
    }
    let inventory = validate::inventory(&project, &sources);
    let secrets = required_secrets(&r);
    let next_steps = next_steps(&r, &report);
    let readme = readme::render(&r, &inventory, &secrets, &report, &next_steps);
    files.push((format!("{}/README.md", r.output_dir), readme));
    Ok(GeneratedBicep {
        files: files
            .into_iter()
            .map(|(p, c)| GeneratedFile::new(p, c))
            .collect(),
        inventory,
        secrets,
        validation: report,
        next_steps,
    })
}

fn required_secrets(r: &spec::Resolved) -> Vec<RequiredSecret> {
    let mut out = Vec::new();
    match &r.database {
        ResolvedDatabase::Postgres { admin_login, .. } => out.push(RequiredSecret {
            environment_variable: "POSTGRES_ADMIN_PASSWORD".into(),
            parameter: "postgresAdminPassword".into(),
            key_vault_secret: app::DATABASE_URL_SECRET.into(),
            app_setting: Some("DATABASE_URL".into()),
            description: format!(
                "Password of the PostgreSQL administrator '{admin_login}' (at least 12 characters, three of: upper case, lower case, digits, symbols). The template stores the full connection string in Key Vault; keep the password itself in your deployment secret store."
            ),
        }),
        ResolvedDatabase::External { provider } => out.push(RequiredSecret {
            environment_variable: "DATABASE_URL".into(),
            parameter: "databaseUrl".into(),
            key_vault_secret: app::DATABASE_URL_SECRET.into(),
            app_setting: Some("DATABASE_URL".into()),
            description: format!("Connection string of the {provider} database, with TLS required (e.g. `?sslmode=require`)."),
        }),
        ResolvedDatabase::None => {}
    }
    for s in &r.runtime.secrets {
        out.push(RequiredSecret {
            environment_variable: s.env_var.clone(),
            parameter: s.param.clone(),
            key_vault_secret: s.vault_secret.clone(),
            app_setting: Some(s.env_var.clone()),
            description: format!("Secret app setting {}.", s.env_var),
        });
    }
    out
}

fn next_steps(r: &spec::Resolved, report: &ValidationReport) -> Vec<String> {
    let mut steps = vec![
        format!(
            "Run `az bicep build --file {}/bicep/main.bicep` on a machine with the Azure CLI: no Bicep compiler ran here ({} check(s) ran, {} warning(s), {} resource(s) not type-checked).",
            r.output_dir,
            report.checks_run.len(),
            report.warnings,
            report.unchecked_resources.len()
        ),
        "Create one resource group per environment, set the secret environment variables, then run `az deployment group what-if` and, after review, `az deployment group create` (commands in the README).".to_owned(),
        "Grant the deploying identity Contributor and Role Based Access Control Administrator (limited to Key Vault Secrets User) on each resource group; see the README's Permissions section.".to_owned(),
    ];
    if r.monitoring.alert_emails.is_empty() {
        steps.push("No alert e-mail addresses were given: set `monitoring.alert_emails` (or add receivers to the action group) so alerts reach someone.".to_owned());
    }
    if r.tags.iter().any(|(_, v)| v == "unassigned") {
        steps.push("Set `tags.owner` and `tags.cost_center`: they are 'unassigned'.".to_owned());
    }
    if r.has_postgres() {
        steps.push("Add a Microsoft Entra administrator to PostgreSQL (`az postgres flexible-server microsoft-entra-admin create`), move the app to token authentication with its managed identity, then set passwordAuth to 'Disabled'.".to_owned());
    }
    if r.runtime.acr_pull {
        steps.push("Grant the app's identity (output principalId) AcrPull on the container registry so it can pull the image.".to_owned());
    }
    if r.envs.iter().any(|e| e.staging_slot) {
        steps.push("Deploy to the 'staging' slot, check it, then swap: `az webapp deployment slot swap --slot staging --target-slot production`.".to_owned());
    }
    steps
}

#[cfg(test)]
mod tests;
