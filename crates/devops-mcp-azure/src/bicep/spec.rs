//! The typed input of `generate_bicep` ([`BicepSpec`]) and its resolution into a fully
//! defaulted, cross-checked model ([`Resolved`]) that the generator renders.
//!
//! Every field is documented because the doc comments become the JSON schema an agent
//! reads. Resolution collects every problem it finds (not only the first) so that an agent
//! can fix its input in one round trip; each problem names the JSON path of the field and
//! what the field accepts.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::catalog::{self, PgTier};
use crate::error::{Error, SpecProblem};

/// Specification of the Azure infrastructure for one web application: an App Service app
/// with its plan, Key Vault, optional PostgreSQL, networking, monitoring, alerts, budget and
/// role assignments, for one or more environments. Everything except `app_name` and
/// `workload` has a default.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BicepSpec {
    /// Application name, used in every resource name (followed by a
    /// `uniqueString(resourceGroup().id)` suffix where Azure needs global uniqueness) and in
    /// the `project` tag. 2-32 characters: lower-case letters, digits and single hyphens,
    /// starting with a letter and ending with a letter or digit; may not contain the
    /// reserved words `microsoft` or `windows`. Example: `shop-api`.
    pub app_name: String,

    /// What runs on App Service (Linux): `django` and `fastapi` (Python), `node`,
    /// `container` (a container image, see `runtime.container_image`) or `static` (a static
    /// or single-page site served by pm2 on Node).
    pub workload: Workload,

    /// Runtime details: language version, startup command, health check path, container
    /// image, plain app settings and the names of secret app settings. Defaults depend on
    /// the workload.
    #[serde(default)]
    pub runtime: RuntimeSpec,

    /// Environments to generate, each with optional overrides. One `main.<name>.bicepparam`
    /// is generated per environment. Default: dev, staging and prod with their defaults.
    #[serde(default = "default_environments")]
    pub environments: Vec<EnvironmentSpec>,

    /// Azure region for every resource, as a programmatic name (`swedencentral`,
    /// `westeurope`, `eastus2`, ...) or display name (`Sweden Central`). Validated against the
    /// list of Azure public regions. Default: `swedencentral`.
    #[serde(default = "default_region")]
    pub region: String,

    /// Database: `{"kind": "none"}` (default), `{"kind": "postgresql-flexible", ...}` for an
    /// Azure Database for PostgreSQL flexible server, or `{"kind": "external", ...}` for a
    /// database hosted elsewhere (e.g. Supabase) whose connection string is kept in Key Vault.
    #[serde(default)]
    pub database: DatabaseSpec,

    /// Networking: `public` (default) or `private` (VNet with subnets and NSGs, App Service
    /// VNet integration, private endpoints and private DNS zones for Key Vault and
    /// PostgreSQL, public network access to both disabled).
    #[serde(default)]
    pub networking: NetworkingSpec,

    /// Monitoring: Log Analytics retention, alert e-mail receivers and alert thresholds.
    #[serde(default)]
    pub monitoring: MonitoringSpec,

    /// Monthly cost budget on the resource group, with notification thresholds and contacts.
    #[serde(default)]
    pub budget: BudgetSpec,

    /// Tags put on every resource (`environment` and `project` are added automatically).
    #[serde(default)]
    pub tags: TagsSpec,

    /// Directory (relative to the workspace) that receives `bicep/` and `README.md`.
    /// Relative path without `..`, `.` or empty segments. Default: `infrastructure`.
    #[serde(default)]
    pub output_dir: Option<String>,
}

impl BicepSpec {
    /// Parses a spec from JSON, naming the JSON path of the field that failed (serde alone
    /// reports only a line and column).
    ///
    /// # Errors
    /// [`Error::InvalidSpec`] with the path of the field and serde's description of what it
    /// expected (for enums, the list of allowed values).
    pub fn from_json(value: serde_json::Value) -> Result<Self, Error> {
        serde_path_to_error::deserialize(value).map_err(|e| {
            let field = e.path().to_string();
            let inner = e.into_inner().to_string();
            Error::InvalidSpec(vec![SpecProblem {
                field: if field == "." {
                    "(spec)".to_owned()
                } else {
                    field
                },
                message: inner,
                allowed: "see the tool's input schema".to_owned(),
            }])
        })
    }
}

fn default_region() -> String {
    "swedencentral".to_owned()
}

fn default_environments() -> Vec<EnvironmentSpec> {
    [
        EnvironmentName::Dev,
        EnvironmentName::Staging,
        EnvironmentName::Prod,
    ]
    .into_iter()
    .map(EnvironmentSpec::named)
    .collect()
}

/// Application workload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Workload {
    /// Django on Python (App Service's Oryx build detects `wsgi.py`).
    Django,
    /// FastAPI on Python, served by gunicorn with uvicorn workers.
    Fastapi,
    /// Node.js (`npm start`).
    Node,
    /// A Linux container image.
    Container,
    /// Static files or a single-page app served by pm2 on Node.
    Static,
}

impl Workload {
    /// Lower-case name as in the spec.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Django => "django",
            Self::Fastapi => "fastapi",
            Self::Node => "node",
            Self::Container => "container",
            Self::Static => "static",
        }
    }
}

impl fmt::Display for Workload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Runtime details of the app.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RuntimeSpec {
    /// Language version. Python workloads: `3.10`-`3.14` (default `3.12`). Node and static:
    /// `20`, `22` or `24` (default `22`). Not allowed for `container`.
    #[serde(default)]
    pub version: Option<String>,

    /// Startup command (`appCommandLine`). Defaults: fastapi runs gunicorn with uvicorn
    /// workers on `main:app`; static runs `pm2 serve /home/site/wwwroot --no-daemon --spa`;
    /// django, node and container use the platform default.
    #[serde(default)]
    pub startup_command: Option<String>,

    /// HTTP path App Service probes for health (must start with `/`). Default: `/health`
    /// (`/` for static).
    #[serde(default)]
    pub health_check_path: Option<String>,

    /// Container image for `container` (required there, not allowed elsewhere), e.g.
    /// `ghcr.io/acme/shop:1.4.2` or `acme.azurecr.io/shop@sha256:...`. Images from
    /// `*.azurecr.io` are pulled with the app's managed identity.
    #[serde(default)]
    pub container_image: Option<String>,

    /// Port the container listens on (`WEBSITES_PORT`), 1-65535; only for `container`.
    /// Default: 8080.
    #[serde(default)]
    pub container_port: Option<u16>,

    /// Plain (non-secret) app settings, name to value. Names: letters, digits, `_`, `.` and
    /// `-`, starting with a letter or `_`. Names that look secret (password, token, key,
    /// secret, connection string) are rejected: list those in `secrets` instead.
    #[serde(default)]
    pub settings: BTreeMap<String, String>,

    /// Names of secret app settings (upper-case letters, digits and `_`, e.g.
    /// `STRIPE_API_KEY`). Each becomes a `@secure()` parameter read from the environment
    /// variable of the same name at deployment, a Key Vault secret, and an app setting that
    /// references it with `@Microsoft.KeyVault(...)`. Default: `["DJANGO_SECRET_KEY"]` for
    /// django, none otherwise.
    #[serde(default)]
    pub secrets: Option<Vec<String>>,
}

/// Environment names.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum EnvironmentName {
    /// Development.
    Dev,
    /// Pre-production.
    Staging,
    /// Production.
    Prod,
}

impl EnvironmentName {
    /// Lower-case name as in the spec, the `environment` tag and the file names.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Dev => "dev",
            Self::Staging => "staging",
            Self::Prod => "prod",
        }
    }
}

impl fmt::Display for EnvironmentName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One environment and its overrides; every override is optional.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EnvironmentSpec {
    /// `dev`, `staging` or `prod`; each at most once.
    pub name: EnvironmentName,

    /// App Service plan SKU (Linux): F1, B1-B3, S1-S3, P1v2-P3v2, P0v3-P3v3, P1mv3-P5mv3,
    /// P0v4-P3v4, P1mv4-P5mv4. Defaults: dev `B1`, staging `P0v3`, prod `P1v3`. Private
    /// networking needs B1 or higher, deployment slots and autoscale need S1 or higher.
    #[serde(default)]
    pub app_service_sku: Option<String>,

    /// Number of plan instances (autoscale's default count when autoscale is on), 1 up to
    /// the tier's maximum (F1 1, Basic 3, Standard 10, Premium 30). Defaults: dev 1,
    /// staging 1, prod 2.
    #[serde(default)]
    pub instance_count: Option<u32>,

    /// Autoscale on CPU and memory. Default: on for prod (2-5 instances) when the SKU
    /// supports it (Standard or higher), off elsewhere.
    #[serde(default)]
    pub autoscale: Option<AutoscaleSpec>,

    /// Blue-green deployment: a `staging` deployment slot to deploy to and swap from.
    /// Needs S1 or higher. Default: true for prod when the SKU supports slots.
    #[serde(default)]
    pub staging_slot: Option<bool>,

    /// Zone-redundant App Service plan. Needs Premium v2 or newer, at least 2 instances and
    /// a region with availability zones. Default: true for prod when all three hold.
    #[serde(default)]
    pub zone_redundant: Option<bool>,

    /// PostgreSQL overrides for this environment (only with `database.kind =
    /// postgresql-flexible`).
    #[serde(default)]
    pub database: Option<PostgresOverrides>,

    /// Log Analytics retention in days (30-730). Default: `monitoring.log_retention_days`,
    /// else 30 (dev, staging) or 90 (prod).
    #[serde(default)]
    pub log_retention_days: Option<u32>,

    /// Monthly budget amount in the billing currency (whole units, at least 1). Default:
    /// `budget.amount`, else 50 (dev), 150 (staging), 500 (prod).
    #[serde(default)]
    pub budget_amount: Option<u32>,

    /// Resource group name used in the deployment commands of the README (1-90
    /// characters: letters, digits, `_`, `-`, `.`, `(`, `)`; not ending in `.`). Default:
    /// `rg-<app_name>-<environment>`.
    #[serde(default)]
    pub resource_group: Option<String>,
}

impl EnvironmentSpec {
    /// An environment with no overrides.
    #[must_use]
    pub fn named(name: EnvironmentName) -> Self {
        Self {
            name,
            app_service_sku: None,
            instance_count: None,
            autoscale: None,
            staging_slot: None,
            zone_redundant: None,
            database: None,
            log_retention_days: None,
            budget_amount: None,
            resource_group: None,
        }
    }
}

/// Autoscale settings of the App Service plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AutoscaleSpec {
    /// Whether autoscale is on. Default: true.
    #[serde(default = "default_true")]
    pub enabled: bool,
    /// Fewest instances (1 or more). Default: 2.
    #[serde(default)]
    pub min_instances: Option<u32>,
    /// Most instances (at least `min_instances`, at most the tier's maximum). Default: 5.
    #[serde(default)]
    pub max_instances: Option<u32>,
    /// Average CPU percentage over 10 minutes above which one instance is added (scale-in
    /// happens below half of it). 10-95. Default: 70.
    #[serde(default)]
    pub cpu_scale_out_percent: Option<u32>,
}

fn default_true() -> bool {
    true
}

/// Database choice.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum DatabaseSpec {
    /// No database.
    #[default]
    None,
    /// Azure Database for PostgreSQL flexible server.
    PostgresqlFlexible(PostgresSpec),
    /// A database hosted elsewhere (e.g. Supabase, Neon): only its connection string is
    /// handled, kept in Key Vault and referenced from the app settings.
    External(ExternalDatabaseSpec),
}

/// PostgreSQL flexible server settings shared by all environments (per-environment values
/// go in `environments[].database`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PostgresSpec {
    /// Major version: 13, 14, 15, 16, 17 or 18. Default: `17`.
    #[serde(default)]
    pub version: Option<String>,
    /// Database created on the server: 1-63 letters, digits and `_`, starting with a letter
    /// or `_`. Default: the app name with `-` replaced by `_`.
    #[serde(default)]
    pub database_name: Option<String>,
    /// Administrator login: 1-63 lower-case letters, digits and `_`, starting with a letter,
    /// not starting with `pg_` and not a reserved name (admin, administrator, root, guest,
    /// public, azure_superuser, azure_pg_admin). Default: `pgadmin`. Its password is a
    /// deployment-time secret (environment variable `POSTGRES_ADMIN_PASSWORD`).
    #[serde(default)]
    pub admin_login: Option<String>,
    /// With `networking.mode = public` only: add the firewall rule that lets Azure services
    /// (including App Service) reach the server. Default: true; without it the app cannot
    /// connect until you add rules for its outbound IPs.
    #[serde(default)]
    pub allow_azure_services: Option<bool>,
    /// Compute SKU for every environment (per-environment `database.sku` wins), e.g.
    /// `Standard_B1ms` (Burstable), `Standard_D2ds_v5` (GeneralPurpose), `Standard_E2ds_v5`
    /// (MemoryOptimized). Defaults: dev `Standard_B1ms`, staging `Standard_B2s`, prod
    /// `Standard_D2ds_v5`.
    #[serde(default)]
    pub sku: Option<String>,
    /// Storage in GiB for every environment: 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192,
    /// 16384 or 32767. Defaults: 32 (dev, staging), 128 (prod).
    #[serde(default)]
    pub storage_gb: Option<u32>,
    /// Backup retention in days for every environment, 7-35. Defaults: 7 (dev, staging),
    /// 35 (prod).
    #[serde(default)]
    pub backup_retention_days: Option<u32>,
    /// Geo-redundant backups for every environment. Default: true for prod only.
    #[serde(default)]
    pub geo_redundant_backup: Option<bool>,
    /// High availability for every environment: `disabled` (default), `same-zone` or
    /// `zone-redundant`. Not available on Burstable SKUs.
    #[serde(default)]
    pub high_availability: Option<HighAvailability>,
}

impl PostgresSpec {
    /// The spec-level values as per-environment defaults.
    fn defaults(&self) -> PostgresOverrides {
        PostgresOverrides {
            sku: self.sku.clone(),
            storage_gb: self.storage_gb,
            backup_retention_days: self.backup_retention_days,
            geo_redundant_backup: self.geo_redundant_backup,
            high_availability: self.high_availability,
        }
    }
}

/// PostgreSQL values that may differ per environment.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PostgresOverrides {
    /// Compute SKU, e.g. `Standard_B1ms` (Burstable), `Standard_D2ds_v5` (GeneralPurpose),
    /// `Standard_E2ds_v5` (MemoryOptimized). Defaults: dev `Standard_B1ms`, staging
    /// `Standard_B2s`, prod `Standard_D2ds_v5`.
    #[serde(default)]
    pub sku: Option<String>,
    /// Storage in GiB: 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384 or 32767.
    /// Defaults: 32 (dev, staging), 128 (prod).
    #[serde(default)]
    pub storage_gb: Option<u32>,
    /// Backup retention in days, 7-35. Defaults: 7 (dev, staging), 35 (prod).
    #[serde(default)]
    pub backup_retention_days: Option<u32>,
    /// Geo-redundant backups (restorable in the paired region). Default: true for prod only.
    #[serde(default)]
    pub geo_redundant_backup: Option<bool>,
    /// High availability: `disabled` (default), `same-zone` or `zone-redundant` (needs a
    /// region with availability zones). Not available on Burstable SKUs.
    #[serde(default)]
    pub high_availability: Option<HighAvailability>,
}

/// PostgreSQL high availability mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum HighAvailability {
    /// No standby.
    Disabled,
    /// Standby in the same availability zone.
    SameZone,
    /// Standby in another availability zone.
    ZoneRedundant,
}

impl HighAvailability {
    /// ARM value of `highAvailability.mode`.
    #[must_use]
    pub fn arm_name(self) -> &'static str {
        match self {
            Self::Disabled => "Disabled",
            Self::SameZone => "SameZone",
            Self::ZoneRedundant => "ZoneRedundant",
        }
    }
}

/// A database hosted outside this deployment.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExternalDatabaseSpec {
    /// Who hosts it (free text for the README, e.g. `supabase`). Default: `external`.
    #[serde(default)]
    pub provider: Option<String>,
}

/// Networking mode.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum NetworkMode {
    /// Services keep their public endpoints (protected by TLS, RBAC and firewall rules).
    #[default]
    Public,
    /// Key Vault and PostgreSQL are reachable only through private endpoints in a VNet
    /// that the app joins with VNet integration.
    Private,
}

/// Network settings.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NetworkingSpec {
    /// `public` (default) or `private`.
    #[serde(default)]
    pub mode: NetworkMode,
    /// VNet address space (private mode), a private IPv4 CIDR of /24 or larger inside
    /// 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16. Default: `10.20.0.0/16`.
    #[serde(default)]
    pub address_space: Option<String>,
    /// Subnet delegated to App Service for VNet integration, /28 or larger inside the
    /// address space. Default: the first /24 (or /25 of a /24 space).
    #[serde(default)]
    pub app_subnet: Option<String>,
    /// Subnet for private endpoints, /28 or larger inside the address space, not
    /// overlapping the app subnet. Default: the second /24 (or /25 of a /24 space).
    #[serde(default)]
    pub private_endpoint_subnet: Option<String>,
}

/// Monitoring and alerting.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MonitoringSpec {
    /// Log Analytics retention in days for every environment (30-730); per-environment
    /// `log_retention_days` wins. Default: 30 for dev and staging, 90 for prod.
    #[serde(default)]
    pub log_retention_days: Option<u32>,
    /// E-mail addresses of the action group that every alert notifies. Default: none (the
    /// action group is created without receivers and the README says to add some).
    #[serde(default)]
    pub alert_emails: Vec<String>,
    /// Alert when the share of failed requests over 15 minutes exceeds this percentage
    /// (1-100). Default: 5.
    #[serde(default)]
    pub error_rate_percent: Option<u32>,
    /// Alert when the 95th percentile of request duration over 15 minutes exceeds this many
    /// milliseconds (100-120000). Default: 3000.
    #[serde(default)]
    pub p95_latency_ms: Option<u32>,
    /// Alert when the plan's average CPU over 15 minutes exceeds this percentage (1-100).
    /// Default: 80.
    #[serde(default)]
    pub cpu_percent: Option<u32>,
    /// Alert when the plan's average memory over 15 minutes exceeds this percentage
    /// (1-100). Default: 80.
    #[serde(default)]
    pub memory_percent: Option<u32>,
    /// Alert when PostgreSQL reports more failed connections than this within 15 minutes
    /// (1-10000). Default: 5.
    #[serde(default)]
    pub db_connection_failures: Option<u32>,
    /// Export the subscription's activity log to the workspace (a subscription-scope
    /// diagnostic setting) so that failed deployments raise an alert. Needs the deploying
    /// identity to hold Monitoring Contributor on the subscription. Default: true.
    #[serde(default)]
    pub activity_log_export: Option<bool>,
}

/// Cost budget.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BudgetSpec {
    /// Whether to create a monthly budget on each environment's resource group. Default: true.
    #[serde(default = "default_true")]
    pub enabled: bool,
    /// Monthly amount for every environment in the billing currency; per-environment
    /// `budget_amount` wins. Default: 50 dev, 150 staging, 500 prod.
    #[serde(default)]
    pub amount: Option<u32>,
    /// Percentages of the amount at which actual spend notifies (1-1000). Default: 50, 80, 100.
    #[serde(default = "default_thresholds")]
    pub thresholds: Vec<u32>,
    /// Percentages of the amount at which forecast spend notifies (1-1000). Default: 100.
    /// At most 5 notifications in total.
    #[serde(default = "default_forecast_thresholds")]
    pub forecast_thresholds: Vec<u32>,
    /// E-mail addresses to notify. Default: `monitoring.alert_emails`; when both are empty
    /// the resource group's Owners are notified.
    #[serde(default)]
    pub contacts: Vec<String>,
}

impl Default for BudgetSpec {
    fn default() -> Self {
        Self {
            enabled: true,
            amount: None,
            thresholds: default_thresholds(),
            forecast_thresholds: default_forecast_thresholds(),
            contacts: Vec::new(),
        }
    }
}

fn default_thresholds() -> Vec<u32> {
    vec![50, 80, 100]
}

fn default_forecast_thresholds() -> Vec<u32> {
    vec![100]
}

/// Data classification tag values.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum DataClassification {
    /// Public data.
    Public,
    /// Internal data (default).
    #[default]
    Internal,
    /// Confidential data.
    Confidential,
    /// Restricted data.
    Restricted,
}

impl DataClassification {
    /// Tag value.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Public => "public",
            Self::Internal => "internal",
            Self::Confidential => "confidential",
            Self::Restricted => "restricted",
        }
    }
}

/// Tags.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TagsSpec {
    /// `cost-center` tag. Default: `unassigned`.
    #[serde(default)]
    pub cost_center: Option<String>,
    /// `owner` tag (team or e-mail). Default: `unassigned`.
    #[serde(default)]
    pub owner: Option<String>,
    /// `data-classification` tag: public, internal (default), confidential or restricted.
    #[serde(default)]
    pub data_classification: DataClassification,
    /// `compliance` tag, e.g. `gdpr`, `pci-dss`, `iso27001`. Default: `none`.
    #[serde(default)]
    pub compliance: Option<String>,
    /// More tags, name to value (names up to 512 characters without `<>%&\?/`, values up to
    /// 256 characters; at most 50 tags in total).
    #[serde(default)]
    pub additional: BTreeMap<String, String>,
}

// ---------------------------------------------------------------------------------------
// Resolved model
// ---------------------------------------------------------------------------------------

/// A spec with every default applied and every cross-field rule checked.
#[derive(Debug, Clone)]
pub(crate) struct Resolved {
    pub app_name: String,
    pub workload: Workload,
    pub runtime: ResolvedRuntime,
    pub region: &'static str,
    pub database: ResolvedDatabase,
    pub network: Option<ResolvedNetwork>,
    pub monitoring: ResolvedMonitoring,
    pub budget: Option<ResolvedBudget>,
    /// Tags without `environment`, in output order.
    pub tags: Vec<(String, String)>,
    pub output_dir: String,
    pub envs: Vec<ResolvedEnv>,
}

impl Resolved {
    /// The most production-like environment; its values become the template defaults.
    pub fn top_env(&self) -> &ResolvedEnv {
        // `envs` is never empty after resolution and is sorted dev < staging < prod.
        &self.envs[self.envs.len() - 1]
    }

    pub fn has_postgres(&self) -> bool {
        matches!(self.database, ResolvedDatabase::Postgres { .. })
    }

    pub fn is_private(&self) -> bool {
        self.network.is_some()
    }

    pub fn any_slot(&self) -> bool {
        self.envs.iter().any(|e| e.staging_slot)
    }

    /// Zone redundancy when every environment has the same setting (then it is written as a
    /// literal instead of a parameter).
    pub fn zone_uniform(&self) -> Option<bool> {
        let first = self.envs.first()?.zone_redundant;
        self.envs
            .iter()
            .all(|e| e.zone_redundant == first)
            .then_some(first)
    }

    pub fn any_autoscale(&self) -> bool {
        self.envs.iter().any(|e| e.autoscale.is_some())
    }
}

#[derive(Debug, Clone)]
pub(crate) struct ResolvedRuntime {
    /// `linuxFxVersion`, e.g. `PYTHON|3.12`.
    pub linux_fx: String,
    pub startup_command: Option<String>,
    pub health_check_path: String,
    pub container_port: Option<u16>,
    /// Whether the image comes from Azure Container Registry (pull with managed identity).
    pub acr_pull: bool,
    pub settings: Vec<(String, String)>,
    pub secrets: Vec<AppSecret>,
}

/// A secret value the deployment needs: where it comes from and where it ends up.
#[derive(Debug, Clone)]
pub(crate) struct AppSecret {
    /// App setting and deployment environment variable name, e.g. `DJANGO_SECRET_KEY`.
    pub env_var: String,
    /// Bicep parameter name, e.g. `djangoSecretKey`.
    pub param: String,
    /// Key Vault secret name, e.g. `django-secret-key`.
    pub vault_secret: String,
}

#[derive(Debug, Clone)]
pub(crate) enum ResolvedDatabase {
    None,
    Postgres {
        version: String,
        database_name: String,
        admin_login: String,
        allow_azure_services: bool,
    },
    External {
        provider: String,
    },
}

#[derive(Debug, Clone)]
pub(crate) struct ResolvedNetwork {
    pub address_space: String,
    pub app_subnet: String,
    pub pe_subnet: String,
}

#[derive(Debug, Clone)]
pub(crate) struct ResolvedMonitoring {
    pub alert_emails: Vec<String>,
    pub error_rate_percent: u32,
    pub p95_latency_ms: u32,
    pub cpu_percent: u32,
    pub memory_percent: u32,
    pub db_connection_failures: u32,
    pub activity_log_export: bool,
}

#[derive(Debug, Clone)]
pub(crate) struct ResolvedBudget {
    pub thresholds: Vec<u32>,
    pub forecast_thresholds: Vec<u32>,
    pub contacts: Vec<String>,
}

#[derive(Debug, Clone)]
pub(crate) struct ResolvedEnv {
    pub name: EnvironmentName,
    pub sku: &'static catalog::PlanSku,
    pub instances: u32,
    pub autoscale: Option<ResolvedAutoscale>,
    pub staging_slot: bool,
    pub zone_redundant: bool,
    pub always_on: bool,
    pub postgres: Option<ResolvedPostgresEnv>,
    pub log_retention_days: u32,
    pub budget_amount: u32,
    pub resource_group: String,
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct ResolvedAutoscale {
    pub min: u32,
    pub max: u32,
    pub cpu_percent: u32,
}

#[derive(Debug, Clone)]
pub(crate) struct ResolvedPostgresEnv {
    pub sku: catalog::PgSku,
    pub storage_gb: u32,
    pub backup_retention_days: u32,
    pub geo_redundant_backup: bool,
    pub high_availability: HighAvailability,
}

/// Collects problems while resolving.
#[derive(Default)]
struct Problems(Vec<SpecProblem>);

impl Problems {
    fn add(
        &mut self,
        field: impl Into<String>,
        message: impl Into<String>,
        allowed: impl Into<String>,
    ) {
        self.0.push(SpecProblem {
            field: field.into(),
            message: message.into(),
            allowed: allowed.into(),
        });
    }
}

const APP_NAME_ALLOWED: &str = "2-32 lower-case letters, digits and single hyphens, starting with a letter and ending with a letter or digit, e.g. `shop-api`";

/// Resolves a spec: applies defaults, checks every field and every cross-field rule.
pub(crate) fn resolve(spec: &BicepSpec) -> Result<Resolved, Error> {
    let mut p = Problems::default();

    check_app_name(&spec.app_name, &mut p);
    let region = match catalog::normalize_region(&spec.region) {
        Some(r) => r,
        None => {
            p.add(
                "region",
                format!("unknown Azure region {:?}", spec.region),
                format!(
                    "an Azure public region (list recorded {}): {}",
                    catalog::TABLES_RECORDED,
                    catalog::REGIONS.join(", ")
                ),
            );
            "swedencentral"
        }
    };
    let output_dir = resolve_output_dir(spec.output_dir.as_deref(), &mut p);
    let runtime = resolve_runtime(spec, &mut p);
    let network = resolve_network(&spec.networking, &mut p);
    let database = resolve_database(spec, &runtime, &mut p);
    let monitoring = resolve_monitoring(&spec.monitoring, &mut p);
    let budget = resolve_budget(&spec.budget, &monitoring, &mut p);
    let tags = resolve_tags(&spec.app_name, &spec.tags, &mut p);
    let envs = resolve_envs(spec, region, network.is_some(), &mut p);

    if !p.0.is_empty() {
        return Err(Error::InvalidSpec(p.0));
    }
    Ok(Resolved {
        app_name: spec.app_name.clone(),
        workload: spec.workload,
        runtime,
        region,
        database,
        network,
        monitoring,
        budget,
        tags,
        output_dir,
        envs,
    })
}

fn check_app_name(name: &str, p: &mut Problems) {
    let len = name.chars().count();
    let chars_ok = name
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    let first_ok = name.chars().next().is_some_and(|c| c.is_ascii_lowercase());
    let last_ok = name
        .chars()
        .last()
        .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    if !(2..=32).contains(&len) || !chars_ok || !first_ok || !last_ok || name.contains("--") {
        p.add(
            "app_name",
            format!("{name:?} cannot be used in Azure resource names"),
            APP_NAME_ALLOWED,
        );
    } else if name.contains("microsoft") || name.contains("windows") {
        p.add(
            "app_name",
            format!("{name:?} contains a word Azure reserves (ReservedResourceName)"),
            "a name without `microsoft` or `windows`",
        );
    }
}

fn resolve_output_dir(dir: Option<&str>, p: &mut Problems) -> String {
    let Some(dir) = dir else {
        return "infrastructure".to_owned();
    };
    let trimmed = dir.trim_end_matches('/');
    let ok = !trimmed.is_empty()
        && !trimmed.starts_with('/')
        && !trimmed.contains('\\')
        && !trimmed.contains(':')
        && trimmed.split('/').all(|seg| {
            !seg.is_empty()
                && seg != "."
                && seg != ".."
                && seg
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
        });
    if !ok {
        p.add(
            "output_dir",
            format!("{dir:?} is not a relative path inside the workspace"),
            "a relative path of segments made of letters, digits, `.`, `_` and `-`, without `..`, `.`, empty segments, `\\` or a leading `/`, e.g. `infrastructure` or `deploy/azure`",
        );
        return "infrastructure".to_owned();
    }
    trimmed.to_owned()
}

fn looks_secret(name: &str) -> bool {
    super::secrets::looks_secret(name)
}

fn resolve_runtime(spec: &BicepSpec, p: &mut Problems) -> ResolvedRuntime {
    let rt = &spec.runtime;
    let w = spec.workload;
    let linux_fx = match w {
        Workload::Django | Workload::Fastapi => {
            let v = rt.version.clone().unwrap_or_else(|| "3.12".to_owned());
            const PY: &[&str] = &["3.10", "3.11", "3.12", "3.13", "3.14"];
            if !PY.contains(&v.as_str()) {
                p.add(
                    "runtime.version",
                    format!("Python {v:?} is not offered by App Service on Linux"),
                    PY.join(", "),
                );
            }
            format!("PYTHON|{v}")
        }
        Workload::Node | Workload::Static => {
            let raw = rt.version.clone().unwrap_or_else(|| "22".to_owned());
            let v = raw.trim_end_matches("-lts").to_owned();
            const NODE: &[&str] = &["20", "22", "24"];
            if !NODE.contains(&v.as_str()) {
                p.add(
                    "runtime.version",
                    format!("Node {raw:?} is not offered by App Service on Linux"),
                    "20, 22, 24 (optionally with -lts)",
                );
            }
            format!("NODE|{v}-lts")
        }
        Workload::Container => {
            if rt.version.is_some() {
                p.add(
                    "runtime.version",
                    "a container workload has no language version",
                    "omit it; the image decides",
                );
            }
            match &rt.container_image {
                Some(image) if valid_image(image) => format!("DOCKER|{image}"),
                Some(image) => {
                    p.add(
                        "runtime.container_image",
                        format!("{image:?} is not an image reference"),
                        "registry/repository:tag or registry/repository@sha256:<digest> in lower case, e.g. `ghcr.io/acme/shop:1.4.2`",
                    );
                    "DOCKER|invalid".to_owned()
                }
                None => {
                    p.add(
                        "runtime.container_image",
                        "a container workload needs an image",
                        "e.g. `ghcr.io/acme/shop:1.4.2`",
                    );
                    "DOCKER|invalid".to_owned()
                }
            }
        }
    };
    if w != Workload::Container {
        if rt.container_image.is_some() {
            p.add(
                "runtime.container_image",
                format!("only the container workload takes an image, not {w}"),
                "omit it, or set workload to `container`",
            );
        }
        if rt.container_port.is_some() {
            p.add(
                "runtime.container_port",
                format!("only the container workload takes a port, not {w}"),
                "omit it",
            );
        }
    }
    if rt.container_port == Some(0) {
        p.add("runtime.container_port", "port 0 is not a port", "1-65535");
    }
    let startup_command = match (&rt.startup_command, w) {
        (Some(c), _) => {
            if c.trim().is_empty() || c.contains('\n') || c.len() > 1024 {
                p.add("runtime.startup_command", "the startup command must be one non-empty line", "a single line of at most 1024 characters");
            }
            Some(c.trim().to_owned())
        }
        (None, Workload::Fastapi) => Some(
            "gunicorn --workers 2 --worker-class uvicorn.workers.UvicornWorker --bind 0.0.0.0:8000 --timeout 120 main:app".to_owned(),
        ),
        (None, Workload::Static) => Some("pm2 serve /home/site/wwwroot --no-daemon --spa".to_owned()),
        (None, _) => None,
    };
    let health_check_path = rt.health_check_path.clone().unwrap_or_else(|| {
        if w == Workload::Static {
            "/".to_owned()
        } else {
            "/health".to_owned()
        }
    });
    if !health_check_path.starts_with('/')
        || health_check_path.len() > 256
        || health_check_path
            .chars()
            .any(|c| c.is_whitespace() || c == '\'' || c == '$' || c == '\\')
    {
        p.add(
            "runtime.health_check_path",
            format!("{health_check_path:?} is not a URL path"),
            "a path starting with `/`, without spaces, quotes, `$` or `\\`, e.g. `/health`",
        );
    }

    let mut settings = Vec::new();
    for (name, value) in &rt.settings {
        let field = format!("runtime.settings.{name}");
        if !valid_setting_name(name) {
            p.add(&field, format!("{name:?} is not a valid app setting name"), "letters, digits, `_`, `.` and `-`, starting with a letter or `_`, at most 128 characters");
        } else if looks_secret(name) {
            p.add(&field, format!("{name:?} looks like a secret; a plain app setting would hold its value in the template"), "list the name in `runtime.secrets` so it is stored in Key Vault");
        } else if reserved_setting(name) {
            p.add(
                &field,
                format!("{name:?} is set by the generator"),
                "another name",
            );
        }
        if value.len() > 4096 {
            p.add(
                &field,
                "the value is longer than 4096 characters",
                "a shorter value",
            );
        }
        settings.push((name.clone(), value.clone()));
    }

    let secret_names: Vec<String> = match &rt.secrets {
        Some(list) => list.clone(),
        None if w == Workload::Django => vec!["DJANGO_SECRET_KEY".to_owned()],
        None => Vec::new(),
    };
    let mut seen = BTreeSet::new();
    let mut secrets = Vec::new();
    for (i, name) in secret_names.iter().enumerate() {
        let field = format!("runtime.secrets[{i}]");
        let valid = !name.is_empty()
            && name.len() <= 100
            && name.chars().next().is_some_and(|c| c.is_ascii_uppercase())
            && name
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
            && !name.contains("__")
            && !name.ends_with('_');
        if !valid {
            p.add(&field, format!("{name:?} is not a usable secret name"), "upper-case letters, digits and single `_`, starting with a letter, e.g. `STRIPE_API_KEY`");
            continue;
        }
        if !seen.insert(name.clone()) {
            p.add(
                &field,
                format!("{name:?} is listed twice"),
                "each name once",
            );
            continue;
        }
        if rt.settings.contains_key(name) {
            p.add(
                &field,
                format!("{name:?} is also a plain setting"),
                "a name used in either `settings` or `secrets`",
            );
        }
        if reserved_setting(name) || name == "DATABASE_URL" || name == "POSTGRES_ADMIN_PASSWORD" {
            p.add(
                &field,
                format!("{name:?} is managed by the generator"),
                "another name",
            );
            continue;
        }
        secrets.push(AppSecret {
            env_var: name.clone(),
            param: camel_case(name),
            vault_secret: name.to_ascii_lowercase().replace('_', "-"),
        });
    }

    let acr_pull = rt
        .container_image
        .as_deref()
        .and_then(|i| i.split('/').next())
        .is_some_and(|host| host.ends_with(".azurecr.io"));

    ResolvedRuntime {
        linux_fx,
        startup_command,
        health_check_path,
        container_port: if w == Workload::Container {
            Some(rt.container_port.unwrap_or(8080))
        } else {
            None
        },
        acr_pull: w == Workload::Container && acr_pull,
        settings,
        secrets,
    }
}

fn reserved_setting(name: &str) -> bool {
    const RESERVED: &[&str] = &[
        "APPLICATIONINSIGHTS_CONNECTION_STRING",
        "ApplicationInsightsAgent_EXTENSION_VERSION",
        "SCM_DO_BUILD_DURING_DEPLOYMENT",
        "WEBSITES_PORT",
        "WEBSITES_ENABLE_APP_SERVICE_STORAGE",
        "AZURE_KEY_VAULT_NAME",
        "APP_ENVIRONMENT",
    ];
    RESERVED.iter().any(|r| r.eq_ignore_ascii_case(name))
}

fn valid_setting_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 128
        && name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c))
}

fn valid_image(image: &str) -> bool {
    let ok_chars = image
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "./:@_-".contains(c));
    let has_tag_or_digest = image.contains('@')
        || image
            .rsplit('/')
            .next()
            .is_some_and(|last| last.contains(':') && !last.ends_with(':'));
    !image.is_empty()
        && image.len() <= 512
        && ok_chars
        && has_tag_or_digest
        && !image.starts_with('/')
        && !image.contains("//")
}

/// `STRIPE_API_KEY` -> `stripeApiKey`.
pub(crate) fn camel_case(env_name: &str) -> String {
    let mut out = String::new();
    for (i, part) in env_name.split('_').filter(|s| !s.is_empty()).enumerate() {
        let lower = part.to_ascii_lowercase();
        if i == 0 {
            out.push_str(&lower);
        } else {
            let mut chars = lower.chars();
            if let Some(f) = chars.next() {
                out.push(f.to_ascii_uppercase());
                out.push_str(chars.as_str());
            }
        }
    }
    out
}

/// An IPv4 CIDR block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Cidr {
    pub addr: u32,
    pub prefix: u32,
}

impl Cidr {
    pub fn parse(s: &str) -> Option<Self> {
        let (ip, prefix) = s.split_once('/')?;
        let prefix: u32 = prefix.parse().ok()?;
        if prefix > 32 {
            return None;
        }
        let octets: Vec<u32> = ip
            .split('.')
            .map(|o| o.parse::<u8>().map(u32::from))
            .collect::<Result<_, _>>()
            .ok()?;
        if octets.len() != 4 {
            return None;
        }
        let addr = (octets[0] << 24) | (octets[1] << 16) | (octets[2] << 8) | octets[3];
        let cidr = Self { addr, prefix };
        // Host bits must be zero, as Azure requires for address prefixes.
        if addr & !cidr.mask() != 0 {
            return None;
        }
        Some(cidr)
    }

    fn mask(self) -> u32 {
        if self.prefix == 0 {
            0
        } else {
            u32::MAX << (32 - self.prefix)
        }
    }

    fn last(self) -> u32 {
        self.addr | !self.mask()
    }

    pub fn contains(self, other: Self) -> bool {
        other.prefix >= self.prefix && other.addr & self.mask() == self.addr
    }

    pub fn overlaps(self, other: Self) -> bool {
        self.addr <= other.last() && other.addr <= self.last()
    }

    fn is_private(self) -> bool {
        let private = [
            Self {
                addr: 10 << 24,
                prefix: 8,
            },
            Self {
                addr: (172 << 24) | (16 << 16),
                prefix: 12,
            },
            Self {
                addr: (192 << 24) | (168 << 16),
                prefix: 16,
            },
        ];
        private.iter().any(|p| p.contains(self))
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let a = self.addr;
        write!(
            f,
            "{}.{}.{}.{}/{}",
            a >> 24,
            (a >> 16) & 255,
            (a >> 8) & 255,
            a & 255,
            self.prefix
        )
    }
}

fn resolve_network(spec: &NetworkingSpec, p: &mut Problems) -> Option<ResolvedNetwork> {
    if spec.mode == NetworkMode::Public {
        for (field, value) in [
            ("networking.address_space", &spec.address_space),
            ("networking.app_subnet", &spec.app_subnet),
            (
                "networking.private_endpoint_subnet",
                &spec.private_endpoint_subnet,
            ),
        ] {
            if value.is_some() {
                p.add(
                    field,
                    "address ranges only apply to private networking",
                    "omit it, or set networking.mode to `private`",
                );
            }
        }
        return None;
    }
    let space_text = spec
        .address_space
        .clone()
        .unwrap_or_else(|| "10.20.0.0/16".to_owned());
    let Some(space) = Cidr::parse(&space_text) else {
        p.add(
            "networking.address_space",
            format!("{space_text:?} is not an IPv4 CIDR block"),
            "e.g. `10.20.0.0/16` (host bits zero)",
        );
        return None;
    };
    if !space.is_private() {
        p.add(
            "networking.address_space",
            format!("{space} is not a private range"),
            "a block inside 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16",
        );
    }
    if space.prefix > 24 {
        p.add(
            "networking.address_space",
            format!("{space} is too small for two subnets"),
            "a /24 or larger block, e.g. `10.20.0.0/16`",
        );
        return None;
    }
    let sub_prefix = if space.prefix == 24 { 25 } else { 24 };
    let default_app = Cidr {
        addr: space.addr,
        prefix: sub_prefix,
    };
    let default_pe = Cidr {
        addr: space.addr + (1u32 << (32 - sub_prefix)),
        prefix: sub_prefix,
    };
    let mut subnet = |field: &str, value: &Option<String>, default: Cidr| -> Option<Cidr> {
        let Some(text) = value else {
            return Some(default);
        };
        match Cidr::parse(text) {
            Some(c) if !space.contains(c) => {
                p.add(
                    field,
                    format!("{c} is outside the address space {space}"),
                    format!("a block inside {space}"),
                );
                None
            }
            Some(c) if c.prefix > 28 => {
                p.add(
                    field,
                    format!("{c} is smaller than /28"),
                    "a /28 or larger block (App Service recommends /26)",
                );
                None
            }
            Some(c) => Some(c),
            None => {
                p.add(
                    field,
                    format!("{text:?} is not an IPv4 CIDR block"),
                    "e.g. `10.20.1.0/24` (host bits zero)",
                );
                None
            }
        }
    };
    let app = subnet("networking.app_subnet", &spec.app_subnet, default_app);
    let pe = subnet(
        "networking.private_endpoint_subnet",
        &spec.private_endpoint_subnet,
        default_pe,
    );
    let (app, pe) = (app?, pe?);
    if app.overlaps(pe) {
        p.add(
            "networking.private_endpoint_subnet",
            format!("{pe} overlaps the app subnet {app}"),
            "a block that does not overlap networking.app_subnet",
        );
        return None;
    }
    Some(ResolvedNetwork {
        address_space: space.to_string(),
        app_subnet: app.to_string(),
        pe_subnet: pe.to_string(),
    })
}

fn resolve_database(
    spec: &BicepSpec,
    runtime: &ResolvedRuntime,
    p: &mut Problems,
) -> ResolvedDatabase {
    let _ = runtime;
    match &spec.database {
        DatabaseSpec::None => ResolvedDatabase::None,
        DatabaseSpec::External(ext) => {
            if spec.workload == Workload::Static {
                p.add(
                    "database.kind",
                    "a static site has no server code to use a database",
                    "`none` for the static workload",
                );
            }
            let provider = ext
                .provider
                .clone()
                .unwrap_or_else(|| "external".to_owned());
            if provider.len() > 64
                || provider
                    .chars()
                    .any(|c| c.is_control() || c == '\'' || c == '`')
            {
                p.add(
                    "database.provider",
                    "the provider must be a short plain name",
                    "at most 64 characters without quotes or control characters, e.g. `supabase`",
                );
            }
            ResolvedDatabase::External { provider }
        }
        DatabaseSpec::PostgresqlFlexible(pg) => {
            if spec.workload == Workload::Static {
                p.add(
                    "database.kind",
                    "a static site has no server code to use a database",
                    "`none` for the static workload",
                );
            }
            let version = pg.version.clone().unwrap_or_else(|| "17".to_owned());
            if !catalog::PG_VERSIONS.contains(&version.as_str()) {
                p.add(
                    "database.version",
                    format!("PostgreSQL {version:?} is not offered for new flexible servers"),
                    catalog::PG_VERSIONS.join(", "),
                );
            }
            let database_name = pg
                .database_name
                .clone()
                .unwrap_or_else(|| spec.app_name.replace('-', "_"));
            let db_ok = (1..=63).contains(&database_name.len())
                && database_name
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                && database_name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_');
            if !db_ok {
                p.add(
                    "database.database_name",
                    format!("{database_name:?} is not a valid database name"),
                    "1-63 letters, digits and `_`, starting with a letter or `_`",
                );
            }
            let admin_login = pg
                .admin_login
                .clone()
                .unwrap_or_else(|| "pgadmin".to_owned());
            const RESERVED: &[&str] = &[
                "admin",
                "administrator",
                "root",
                "guest",
                "public",
                "azure_superuser",
                "azure_pg_admin",
                "postgres",
                "sa",
            ];
            let login_ok = (1..=63).contains(&admin_login.len())
                && admin_login
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_ascii_lowercase())
                && admin_login
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
                && !admin_login.starts_with("pg_")
                && !RESERVED.contains(&admin_login.as_str());
            if !login_ok {
                p.add("database.admin_login", format!("{admin_login:?} cannot be a flexible server administrator login"), "1-63 lower-case letters, digits and `_`, starting with a letter, not `pg_...` and not admin, administrator, root, guest, public, postgres, sa, azure_superuser or azure_pg_admin");
            }
            let public = spec.networking.mode == NetworkMode::Public;
            if !public && pg.allow_azure_services.is_some() {
                p.add(
                    "database.allow_azure_services",
                    "firewall rules only apply to public networking",
                    "omit it with networking.mode = private",
                );
            }
            ResolvedDatabase::Postgres {
                version,
                database_name,
                admin_login,
                allow_azure_services: public && pg.allow_azure_services.unwrap_or(true),
            }
        }
    }
}

fn valid_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && s.len() <= 254
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains('@')
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "._%+-@".contains(c))
}

fn in_range(
    p: &mut Problems,
    field: &str,
    value: Option<u32>,
    default: u32,
    range: std::ops::RangeInclusive<u32>,
) -> u32 {
    let v = value.unwrap_or(default);
    if !range.contains(&v) {
        p.add(
            field,
            format!("{v} is out of range"),
            format!("{}-{}", range.start(), range.end()),
        );
    }
    v
}

fn resolve_monitoring(m: &MonitoringSpec, p: &mut Problems) -> ResolvedMonitoring {
    for (i, email) in m.alert_emails.iter().enumerate() {
        if !valid_email(email) {
            p.add(
                format!("monitoring.alert_emails[{i}]"),
                format!("{email:?} is not an e-mail address"),
                "an address like ops@example.com",
            );
        }
    }
    if m.alert_emails.len() > 1000 {
        p.add(
            "monitoring.alert_emails",
            "too many receivers",
            "at most 1000 e-mail receivers",
        );
    }
    if let Some(days) = m.log_retention_days
        && !(30..=730).contains(&days)
    {
        p.add(
            "monitoring.log_retention_days",
            format!("{days} is out of range"),
            "30-730",
        );
    }
    ResolvedMonitoring {
        alert_emails: m.alert_emails.clone(),
        error_rate_percent: in_range(
            p,
            "monitoring.error_rate_percent",
            m.error_rate_percent,
            5,
            1..=100,
        ),
        p95_latency_ms: in_range(
            p,
            "monitoring.p95_latency_ms",
            m.p95_latency_ms,
            3000,
            100..=120_000,
        ),
        cpu_percent: in_range(p, "monitoring.cpu_percent", m.cpu_percent, 80, 1..=100),
        memory_percent: in_range(
            p,
            "monitoring.memory_percent",
            m.memory_percent,
            80,
            1..=100,
        ),
        db_connection_failures: in_range(
            p,
            "monitoring.db_connection_failures",
            m.db_connection_failures,
            5,
            1..=10_000,
        ),
        activity_log_export: m.activity_log_export.unwrap_or(true),
    }
}

fn resolve_budget(
    b: &BudgetSpec,
    m: &ResolvedMonitoring,
    p: &mut Problems,
) -> Option<ResolvedBudget> {
    if !b.enabled {
        return None;
    }
    for (field, list) in [
        ("budget.thresholds", &b.thresholds),
        ("budget.forecast_thresholds", &b.forecast_thresholds),
    ] {
        for (i, t) in list.iter().enumerate() {
            if !(1..=1000).contains(t) {
                p.add(
                    format!("{field}[{i}]"),
                    format!("{t} is out of range"),
                    "a percentage of the amount, 1-1000",
                );
            }
        }
        let unique: BTreeSet<_> = list.iter().collect();
        if unique.len() != list.len() {
            p.add(field, "a threshold is listed twice", "distinct percentages");
        }
    }
    let total = b.thresholds.len() + b.forecast_thresholds.len();
    if total == 0 || total > 5 {
        p.add(
            "budget.thresholds",
            format!("{total} notifications in total"),
            "1-5 notifications (thresholds plus forecast_thresholds)",
        );
    }
    if let Some(0) = b.amount {
        p.add(
            "budget.amount",
            "a budget of 0 cannot be created",
            "a whole amount of at least 1",
        );
    }
    for (i, email) in b.contacts.iter().enumerate() {
        if !valid_email(email) {
            p.add(
                format!("budget.contacts[{i}]"),
                format!("{email:?} is not an e-mail address"),
                "an address like finance@example.com",
            );
        }
    }
    if b.contacts.len() > 50 {
        p.add(
            "budget.contacts",
            "too many contacts",
            "at most 50 e-mail addresses",
        );
    }
    let mut thresholds = b.thresholds.clone();
    thresholds.sort_unstable();
    let mut forecast = b.forecast_thresholds.clone();
    forecast.sort_unstable();
    let contacts = if b.contacts.is_empty() {
        m.alert_emails.iter().take(50).cloned().collect()
    } else {
        b.contacts.clone()
    };
    Some(ResolvedBudget {
        thresholds,
        forecast_thresholds: forecast,
        contacts,
    })
}

fn valid_tag_value(v: &str) -> bool {
    v.chars().count() <= 256 && !v.chars().any(char::is_control)
}

fn resolve_tags(app_name: &str, t: &TagsSpec, p: &mut Problems) -> Vec<(String, String)> {
    let mut tags = vec![
        ("project".to_owned(), app_name.to_owned()),
        (
            "cost-center".to_owned(),
            t.cost_center
                .clone()
                .unwrap_or_else(|| "unassigned".to_owned()),
        ),
        (
            "owner".to_owned(),
            t.owner.clone().unwrap_or_else(|| "unassigned".to_owned()),
        ),
        (
            "data-classification".to_owned(),
            t.data_classification.as_str().to_owned(),
        ),
        (
            "compliance".to_owned(),
            t.compliance.clone().unwrap_or_else(|| "none".to_owned()),
        ),
    ];
    for (field, value) in [
        ("tags.cost_center", &tags[1].1),
        ("tags.owner", &tags[2].1),
        ("tags.compliance", &tags[4].1),
    ] {
        if value.is_empty() || !valid_tag_value(value) {
            p.add(
                field,
                "a tag value must be 1-256 characters without control characters",
                "a short text such as `cc-1234`",
            );
        }
    }
    for (name, value) in &t.additional {
        let field = format!("tags.additional.{name}");
        let name_ok = !name.is_empty()
            && name.chars().count() <= 512
            && !name
                .chars()
                .any(|c| "<>%&\\?/".contains(c) || c.is_control());
        if !name_ok {
            p.add(
                &field,
                format!("{name:?} is not a valid tag name"),
                "1-512 characters without < > % & \\ ? / or control characters",
            );
        }
        const FIXED: &[&str] = &[
            "environment",
            "project",
            "cost-center",
            "owner",
            "data-classification",
            "compliance",
        ];
        if FIXED.iter().any(|f| f.eq_ignore_ascii_case(name)) {
            p.add(
                &field,
                format!("{name:?} is set by the generator"),
                "the dedicated field in `tags` (environment and project are automatic)",
            );
        }
        if !valid_tag_value(value) {
            p.add(
                &field,
                "a tag value must be at most 256 characters without control characters",
                "a shorter value",
            );
        }
        tags.push((name.clone(), value.clone()));
    }
    if tags.len() + 1 > 50 {
        p.add(
            "tags.additional",
            format!("{} tags in total", tags.len() + 1),
            "at most 50 tags per resource, including the 6 standard ones",
        );
    }
    tags
}

fn resolve_envs(
    spec: &BicepSpec,
    region: &str,
    private: bool,
    p: &mut Problems,
) -> Vec<ResolvedEnv> {
    if spec.environments.is_empty() {
        p.add(
            "environments",
            "no environment given",
            "one to three of dev, staging, prod",
        );
    }
    let mut seen = BTreeSet::new();
    let mut envs = Vec::new();
    for (i, e) in spec.environments.iter().enumerate() {
        let f = |name: &str| format!("environments[{i}].{name}");
        if !seen.insert(e.name) {
            p.add(
                f("name"),
                format!("{} is listed twice", e.name),
                "each of dev, staging, prod at most once",
            );
            continue;
        }
        let prod = e.name == EnvironmentName::Prod;
        let sku_name = e.app_service_sku.clone().unwrap_or_else(|| {
            match e.name {
                EnvironmentName::Dev => "B1",
                EnvironmentName::Staging => "P0v3",
                EnvironmentName::Prod => "P1v3",
            }
            .to_owned()
        });
        let sku = match catalog::plan_sku(&sku_name) {
            Some(s) => s,
            None => {
                let why = if sku_name.eq_ignore_ascii_case("D1") {
                    "Shared (D1) plans are Windows-only".to_owned()
                } else if sku_name.to_ascii_uppercase().starts_with('I') {
                    "Isolated plans need an App Service Environment, which this generator does not create".to_owned()
                } else {
                    format!("unknown App Service plan SKU {sku_name:?}")
                };
                p.add(f("app_service_sku"), why, catalog::plan_sku_names());
                continue;
            }
        };
        let tier = sku.tier;
        if private && !tier.supports_vnet_integration() {
            p.add(
                f("app_service_sku"),
                format!("networking.mode = private needs VNet integration, which the {} ({}) tier does not offer", sku.name, tier.arm_name()),
                "B1 or higher with private networking (or networking.mode = public)",
            );
        }
        let instances = e.instance_count.unwrap_or(if prod { 2 } else { 1 }).min(
            if e.instance_count.is_none() {
                tier.max_instances()
            } else {
                u32::MAX
            },
        );
        if instances == 0 || instances > tier.max_instances() {
            p.add(
                f("instance_count"),
                format!("{instances} instances on {}", sku.name),
                format!(
                    "1-{} for the {} tier",
                    tier.max_instances(),
                    tier.arm_name()
                ),
            );
        }
        let autoscale = match &e.autoscale {
            Some(a) if a.enabled => {
                if !tier.supports_autoscale() {
                    p.add(
                        f("autoscale"),
                        format!(
                            "autoscale needs Standard or higher; {} is {}",
                            sku.name,
                            tier.arm_name()
                        ),
                        "an S1+ SKU, or autoscale.enabled = false",
                    );
                }
                let min = a
                    .min_instances
                    .unwrap_or(instances.max(2).min(tier.max_instances()));
                let max = a
                    .max_instances
                    .unwrap_or(5.max(min).min(tier.max_instances().max(min)));
                if min == 0 || min > max || max > tier.max_instances() {
                    p.add(
                        f("autoscale"),
                        format!("min {min} / max {max} instances"),
                        format!(
                            "1 <= min_instances <= max_instances <= {}",
                            tier.max_instances()
                        ),
                    );
                }
                if instances < min || instances > max {
                    p.add(
                        f("instance_count"),
                        format!("{instances} is outside the autoscale range {min}-{max}"),
                        format!("{min}-{max}"),
                    );
                }
                let cpu = a.cpu_scale_out_percent.unwrap_or(70);
                if !(10..=95).contains(&cpu) {
                    p.add(
                        f("autoscale.cpu_scale_out_percent"),
                        format!("{cpu} is out of range"),
                        "10-95",
                    );
                }
                Some(ResolvedAutoscale {
                    min,
                    max,
                    cpu_percent: cpu,
                })
            }
            Some(_) => None,
            None if prod && tier.supports_autoscale() => {
                let min = instances.clamp(1, tier.max_instances());
                let max = 5.max(min).min(tier.max_instances());
                Some(ResolvedAutoscale {
                    min,
                    max,
                    cpu_percent: 70,
                })
            }
            None => None,
        };
        let staging_slot = match e.staging_slot {
            Some(true) => {
                if !tier.supports_slots() {
                    p.add(
                        f("staging_slot"),
                        format!(
                            "deployment slots need Standard or higher; {} is {}",
                            sku.name,
                            tier.arm_name()
                        ),
                        "an S1+ SKU, or staging_slot = false",
                    );
                }
                true
            }
            Some(false) => false,
            None => prod && tier.supports_slots(),
        };
        let zone_capable =
            tier.supports_zone_redundancy() && instances >= 2 && catalog::has_zones(region);
        let zone_redundant = match e.zone_redundant {
            Some(true) => {
                if !zone_capable {
                    p.add(
                        f("zone_redundant"),
                        format!("zone redundancy needs Premium v2 or newer, at least 2 instances and a region with availability zones (got {}, {instances} instance(s), {region})", sku.name),
                        "zone_redundant = false, or a P*v2/v3/v4 SKU with instance_count >= 2 in a zonal region",
                    );
                }
                true
            }
            Some(false) => false,
            None => prod && zone_capable,
        };
        let postgres = resolve_pg_env(spec, e, i, region, p);
        if e.database.is_some() && !matches!(spec.database, DatabaseSpec::PostgresqlFlexible(_)) {
            p.add(
                f("database"),
                "database overrides need database.kind = postgresql-flexible",
                "omit it",
            );
        }
        let default_retention =
            spec.monitoring
                .log_retention_days
                .unwrap_or(if prod { 90 } else { 30 });
        let log_retention_days = e.log_retention_days.unwrap_or(default_retention);
        if !(30..=730).contains(&log_retention_days) {
            p.add(
                f("log_retention_days"),
                format!("{log_retention_days} is out of range"),
                "30-730",
            );
        }
        let budget_amount = e
            .budget_amount
            .or(spec.budget.amount)
            .unwrap_or(match e.name {
                EnvironmentName::Dev => 50,
                EnvironmentName::Staging => 150,
                EnvironmentName::Prod => 500,
            });
        if budget_amount == 0 {
            p.add(
                f("budget_amount"),
                "a budget of 0 cannot be created",
                "a whole amount of at least 1",
            );
        }
        let resource_group = e
            .resource_group
            .clone()
            .unwrap_or_else(|| format!("rg-{}-{}", spec.app_name, e.name));
        let rg_ok = (1..=90).contains(&resource_group.chars().count())
            && resource_group
                .chars()
                .all(|c| c.is_alphanumeric() || "_-.()".contains(c))
            && !resource_group.ends_with('.');
        if !rg_ok {
            p.add(
                f("resource_group"),
                format!("{resource_group:?} is not a valid resource group name"),
                "1-90 letters, digits, `_`, `-`, `.`, `(`, `)`, not ending in `.`",
            );
        }
        envs.push(ResolvedEnv {
            name: e.name,
            sku,
            instances,
            autoscale,
            staging_slot,
            zone_redundant,
            always_on: tier.supports_always_on(),
            postgres,
            log_retention_days,
            budget_amount,
            resource_group,
        });
    }
    envs.sort_by_key(|e| e.name);
    envs
}

fn resolve_pg_env(
    spec: &BicepSpec,
    e: &EnvironmentSpec,
    i: usize,
    region: &str,
    p: &mut Problems,
) -> Option<ResolvedPostgresEnv> {
    let DatabaseSpec::PostgresqlFlexible(pg) = &spec.database else {
        return None;
    };
    let prod = e.name == EnvironmentName::Prod;
    let o = e.database.clone().unwrap_or_default();
    let d = &pg.defaults();
    let (field_prefix, sku_src) = if o.sku.is_some() {
        (format!("environments[{i}].database"), o.sku.clone())
    } else {
        ("database".to_owned(), d.sku.clone())
    };
    let sku_name = sku_src.unwrap_or_else(|| {
        match e.name {
            EnvironmentName::Dev => "Standard_B1ms",
            EnvironmentName::Staging => "Standard_B2s",
            EnvironmentName::Prod => "Standard_D2ds_v5",
        }
        .to_owned()
    });
    let field = |name: &str, overridden: bool| {
        if overridden {
            format!("environments[{i}].database.{name}")
        } else {
            format!("database.{name}")
        }
    };
    let Some(sku) = catalog::pg_sku(&sku_name) else {
        p.add(
            format!("{field_prefix}.sku"),
            format!("unknown PostgreSQL flexible server SKU {sku_name:?}"),
            catalog::pg_sku_summary(),
        );
        return None;
    };
    let storage_gb = o
        .storage_gb
        .or(d.storage_gb)
        .unwrap_or(if prod { 128 } else { 32 });
    if !catalog::PG_STORAGE_GB.contains(&storage_gb) {
        p.add(
            field("storage_gb", o.storage_gb.is_some()),
            format!("{storage_gb} GiB is not an offered size"),
            catalog::PG_STORAGE_GB
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", "),
        );
    }
    let backup_retention_days = o
        .backup_retention_days
        .or(d.backup_retention_days)
        .unwrap_or(if prod { 35 } else { 7 });
    if !(7..=35).contains(&backup_retention_days) {
        p.add(
            field("backup_retention_days", o.backup_retention_days.is_some()),
            format!("{backup_retention_days} days is out of range"),
            "7-35",
        );
    }
    let geo_redundant_backup = o
        .geo_redundant_backup
        .or(d.geo_redundant_backup)
        .unwrap_or(prod);
    let high_availability = o
        .high_availability
        .or(d.high_availability)
        .unwrap_or(HighAvailability::Disabled);
    let ha_field = field("high_availability", o.high_availability.is_some());
    if high_availability != HighAvailability::Disabled && sku.tier == PgTier::Burstable {
        p.add(
            &ha_field,
            format!(
                "high availability is not offered on Burstable SKUs ({})",
                sku.name
            ),
            "`disabled`, or a GeneralPurpose/MemoryOptimized SKU such as Standard_D2ds_v5",
        );
    }
    if high_availability == HighAvailability::ZoneRedundant && !catalog::has_zones(region) {
        p.add(
            &ha_field,
            format!("{region} has no availability zones"),
            "`same-zone` or `disabled` in this region",
        );
    }
    Some(ResolvedPostgresEnv {
        sku,
        storage_gb,
        backup_retention_days,
        geo_redundant_backup,
        high_availability,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(json: serde_json::Value) -> BicepSpec {
        BicepSpec::from_json(json).expect("spec parses")
    }

    fn problems(json: serde_json::Value) -> Vec<SpecProblem> {
        match resolve(&spec(json)) {
            Err(Error::InvalidSpec(p)) => p,
            other => panic!("expected InvalidSpec, got {other:?}"),
        }
    }

    #[test]
    fn minimal_spec_gets_issue_defaults() {
        let r = resolve(&spec(
            serde_json::json!({"app_name": "shop", "workload": "django"}),
        ))
        .expect("valid");
        assert_eq!(r.region, "swedencentral");
        let skus: Vec<&str> = r.envs.iter().map(|e| e.sku.name).collect();
        assert_eq!(skus, ["B1", "P0v3", "P1v3"]);
        let prod = r.top_env();
        assert!(prod.autoscale.is_some(), "autoscale on for prod");
        assert!(prod.staging_slot, "blue-green slot on prod");
        assert!(r.envs[0].autoscale.is_none() && !r.envs[0].staging_slot);
        assert_eq!(r.runtime.secrets[0].env_var, "DJANGO_SECRET_KEY");
        assert_eq!(r.runtime.secrets[0].param, "djangoSecretKey");
        assert_eq!(r.runtime.secrets[0].vault_secret, "django-secret-key");
    }

    #[test]
    fn unknown_workload_names_the_field_and_lists_allowed_values() {
        let err =
            BicepSpec::from_json(serde_json::json!({"app_name": "shop", "workload": "rails"}))
                .unwrap_err();
        let text = err.to_string();
        assert!(text.contains("`workload`"), "{text}");
        assert!(text.contains("django") && text.contains("static"), "{text}");
    }

    #[test]
    fn unknown_field_is_rejected() {
        let err = BicepSpec::from_json(
            serde_json::json!({"app_name": "shop", "workload": "node", "regoin": "x"}),
        )
        .unwrap_err();
        assert!(err.to_string().contains("regoin"), "{err}");
    }

    #[test]
    fn unknown_region_lists_regions() {
        let p = problems(
            serde_json::json!({"app_name": "shop", "workload": "node", "region": "mars-north"}),
        );
        assert_eq!(p[0].field, "region");
        assert!(p[0].allowed.contains("swedencentral"));
    }

    #[test]
    fn display_region_names_are_accepted() {
        let r = resolve(&spec(
            serde_json::json!({"app_name": "shop", "workload": "node", "region": "West Europe"}),
        ))
        .expect("valid");
        assert_eq!(r.region, "westeurope");
    }

    #[test]
    fn unknown_sku_and_shared_sku_are_rejected_with_the_list() {
        let p = problems(serde_json::json!({"app_name": "shop", "workload": "node",
            "environments": [{"name": "dev", "app_service_sku": "X9"}, {"name": "prod", "app_service_sku": "D1"}]}));
        assert_eq!(p.len(), 2);
        assert_eq!(p[0].field, "environments[0].app_service_sku");
        assert!(p[0].allowed.contains("P1v3"));
        assert!(p[1].message.contains("Windows-only"));
    }

    #[test]
    fn private_networking_with_free_tier_conflicts() {
        let p = problems(serde_json::json!({"app_name": "shop", "workload": "node",
            "networking": {"mode": "private"},
            "environments": [{"name": "dev", "app_service_sku": "F1"}]}));
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].field, "environments[0].app_service_sku");
        assert!(
            p[0].message.contains("VNet integration"),
            "{}",
            p[0].message
        );
        assert!(p[0].allowed.contains("B1"));
    }

    #[test]
    fn slot_and_autoscale_on_basic_conflict() {
        let p = problems(serde_json::json!({"app_name": "shop", "workload": "node",
            "environments": [{"name": "prod", "app_service_sku": "B2", "staging_slot": true, "autoscale": {"enabled": true}}]}));
        let fields: Vec<&str> = p.iter().map(|x| x.field.as_str()).collect();
        assert!(
            fields.contains(&"environments[0].staging_slot"),
            "{fields:?}"
        );
        assert!(fields.contains(&"environments[0].autoscale"), "{fields:?}");
    }

    #[test]
    fn defaults_adapt_to_a_basic_prod_sku() {
        let r = resolve(&spec(
            serde_json::json!({"app_name": "shop", "workload": "node",
            "environments": [{"name": "prod", "app_service_sku": "B2"}]}),
        ))
        .expect("valid");
        assert!(r.top_env().autoscale.is_none());
        assert!(!r.top_env().staging_slot);
        assert!(!r.top_env().zone_redundant);
    }

    #[test]
    fn bad_names_are_rejected() {
        for name in [
            "A",
            "1app",
            "app-",
            "my--app",
            "my_app",
            "a-very-long-application-name-over-32",
            "microsoft-shop",
        ] {
            let p = problems(serde_json::json!({"app_name": name, "workload": "node"}));
            assert_eq!(p[0].field, "app_name", "{name}");
        }
    }

    #[test]
    fn postgres_rules() {
        let p = problems(serde_json::json!({"app_name": "shop", "workload": "django",
            "database": {"kind": "postgresql-flexible", "version": "9", "backup_retention_days": 3, "storage_gb": 50, "admin_login": "admin"},
            "environments": [{"name": "dev", "database": {"high_availability": "zone-redundant"}}]}));
        let fields: Vec<&str> = p.iter().map(|x| x.field.as_str()).collect();
        assert!(fields.contains(&"database.version"), "{fields:?}");
        assert!(
            fields.contains(&"database.backup_retention_days"),
            "{fields:?}"
        );
        assert!(fields.contains(&"database.storage_gb"), "{fields:?}");
        assert!(fields.contains(&"database.admin_login"), "{fields:?}");
        assert!(
            fields.contains(&"environments[0].database.high_availability"),
            "{fields:?}"
        );
    }

    #[test]
    fn postgres_prod_defaults_geo_backup() {
        let r = resolve(&spec(
            serde_json::json!({"app_name": "shop", "workload": "django",
            "database": {"kind": "postgresql-flexible"}}),
        ))
        .expect("valid");
        let pg: Vec<bool> = r
            .envs
            .iter()
            .map(|e| e.postgres.as_ref().expect("pg").geo_redundant_backup)
            .collect();
        assert_eq!(pg, [false, false, true]);
    }

    #[test]
    fn network_ranges_are_checked() {
        let p = problems(serde_json::json!({"app_name": "shop", "workload": "node",
            "networking": {"mode": "private", "address_space": "8.8.0.0/16"}}));
        assert_eq!(p[0].field, "networking.address_space");
        let p = problems(serde_json::json!({"app_name": "shop", "workload": "node",
            "networking": {"mode": "private", "app_subnet": "10.20.0.0/24", "private_endpoint_subnet": "10.20.0.128/25"}}));
        assert_eq!(p[0].field, "networking.private_endpoint_subnet");
        let r = resolve(&spec(
            serde_json::json!({"app_name": "shop", "workload": "node",
            "networking": {"mode": "private", "address_space": "10.1.0.0/24"}}),
        ))
        .expect("valid");
        let n = r.network.expect("private");
        assert_eq!(
            (n.app_subnet.as_str(), n.pe_subnet.as_str()),
            ("10.1.0.0/25", "10.1.0.128/25")
        );
    }

    #[test]
    fn secret_looking_plain_settings_are_refused() {
        let p = problems(serde_json::json!({"app_name": "shop", "workload": "node",
            "runtime": {"settings": {"STRIPE_API_KEY": "sk_live_x"}}}));
        assert_eq!(p[0].field, "runtime.settings.STRIPE_API_KEY");
        assert!(p[0].allowed.contains("runtime.secrets"));
    }

    #[test]
    fn output_dir_must_stay_inside_the_workspace() {
        for dir in ["../x", "/abs", "a/../b", "a//b", "C:\\x"] {
            let p = problems(
                serde_json::json!({"app_name": "shop", "workload": "node", "output_dir": dir}),
            );
            assert_eq!(p[0].field, "output_dir", "{dir}");
        }
    }

    #[test]
    fn container_needs_a_pinned_image() {
        let p = problems(serde_json::json!({"app_name": "shop", "workload": "container"}));
        assert_eq!(p[0].field, "runtime.container_image");
        let p = problems(
            serde_json::json!({"app_name": "shop", "workload": "container", "runtime": {"container_image": "nginx"}}),
        );
        assert_eq!(p[0].field, "runtime.container_image");
        let r = resolve(&spec(
            serde_json::json!({"app_name": "shop", "workload": "container",
            "runtime": {"container_image": "acme.azurecr.io/shop:1.0"}}),
        ))
        .expect("valid");
        assert!(r.runtime.acr_pull);
        assert_eq!(r.runtime.linux_fx, "DOCKER|acme.azurecr.io/shop:1.0");
    }

    #[test]
    fn unknown_fields_inside_tagged_and_nested_objects_are_rejected() {
        let err =
            BicepSpec::from_json(serde_json::json!({"app_name": "shop", "workload": "django",
            "database": {"kind": "postgresql-flexible", "verison": "16"}}))
            .unwrap_err();
        assert!(err.to_string().contains("verison"), "{err}");
        let err =
            BicepSpec::from_json(serde_json::json!({"app_name": "shop", "workload": "django",
            "environments": [{"name": "prod", "sku": "P1v3"}]}))
            .unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("environments[0]") && text.contains("sku"),
            "{text}"
        );
    }

    #[test]
    fn json_schema_documents_every_field_and_closes_objects() {
        let schema = serde_json::to_value(schemars::schema_for!(BicepSpec)).expect("schema");
        let props = schema["properties"].as_object().expect("properties");
        for (name, p) in props {
            assert!(
                p.get("description")
                    .is_some_and(|d| d.as_str().is_some_and(|s| s.len() > 20)),
                "{name} lacks a description"
            );
        }
        assert_eq!(schema["additionalProperties"], serde_json::json!(false));
        let text = schema.to_string();
        for needle in [
            "swedencentral",
            "postgresql-flexible",
            "zone-redundant",
            "B1",
            "P1v3",
        ] {
            assert!(text.contains(needle), "schema does not mention {needle}");
        }
    }

    #[test]
    fn cidr_parsing() {
        assert!(Cidr::parse("10.0.0.1/24").is_none(), "host bits");
        assert!(Cidr::parse("10.0.0.0/33").is_none());
        let a = Cidr::parse("10.0.0.0/16").expect("cidr");
        let b = Cidr::parse("10.0.4.0/24").expect("cidr");
        assert!(a.contains(b) && a.overlaps(b) && !b.contains(a));
        assert_eq!(b.to_string(), "10.0.4.0/24");
    }
}
