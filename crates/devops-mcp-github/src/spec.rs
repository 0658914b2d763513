//! The typed specification of the workflows to generate (the `create_workflow`
//! tool input) and its checks.
//!
//! Every field has a default except `kinds` and `stack`, so a minimal spec is
//! `{"kinds": ["ci"], "stack": "node"}`. Checks that need more than one field
//! (contradictions, a production environment without reviewers, a name that
//! clashes with an existing file) live in [`WorkflowSpec::check`].

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::Error;
use crate::cron;

/// What to generate: one or more workflows for one application.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct WorkflowSpec {
    /// Workflows to generate, each into its own file under `.github/workflows/`:
    /// `ci` (lint, test, security scan on push and pull request), `deploy`
    /// (staging on merge to the default branch, production on release or manual
    /// dispatch behind required reviewers), `database-migration` (backup, migrate,
    /// validate, roll back on failure), `infrastructure` (Bicep what-if on pull
    /// request, deploy on the default branch), `security-scan` (scheduled and on
    /// demand). At least one; no duplicates.
    pub kinds: Vec<WorkflowKind>,

    /// Application stack: `python-django`, `python-fastapi`, `node`, `dotnet`,
    /// `rust` or `container` (any app built from a Dockerfile).
    pub stack: Stack,

    /// Short name for the application, used as a prefix of workflow names and
    /// file names (e.g. `api` gives `api-ci.yml`). Lowercase letters, digits and
    /// `-`, 1-40 characters. Default: none (`ci.yml`, `deploy.yml`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,

    /// Where `deploy` ships the application: `azure-webapp` (blue-green through
    /// a deployment slot) or `azure-container-apps` (canary through revision
    /// traffic split). Required when `kinds` has `deploy`; not allowed otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deploy_target: Option<DeployTarget>,

    /// Deployment environments in promotion order (e.g. staging, then
    /// production). Required for `deploy`, `database-migration` and
    /// `infrastructure`. Non-production environments deploy on push to the
    /// default branch; production environments deploy on a published release or
    /// manual dispatch and must have at least one required reviewer.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub environments: Vec<EnvironmentSpec>,

    /// Branch that CI protects and that deploys to non-production
    /// environments. Default: `main`.
    #[serde(default = "default_branch")]
    pub default_branch: String,

    /// Events and filters that start `ci`.
    #[serde(default)]
    pub triggers: Triggers,

    /// Directory of the application inside the repository (where
    /// `package.json`, `manage.py`, `*.csproj`, `Cargo.toml` or the Dockerfile
    /// context is). Relative, no `..`. Default: `.`.
    #[serde(default = "default_working_directory")]
    pub working_directory: String,

    /// Language runtime version. Defaults: Python `3.13`, Node.js `24`, .NET
    /// `10.0.x`, Rust `stable`; ignored for `container`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runtime_version: Option<String>,

    /// Python dependency manager: `pip` (requirements.txt, default) or `uv`
    /// (pyproject.toml with uv.lock). Only for the Python stacks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub python_package_manager: Option<PythonPackageManager>,

    /// Shell commands replacing the stack's defaults. Each runs in
    /// `working_directory` with bash. Must not contain `${{` (pass values
    /// through environment variables).
    #[serde(default)]
    pub commands: Commands,

    /// Database the tests need; adds a PostgreSQL service container to CI and
    /// sets `DATABASE_URL` for the test step. Default: none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database: Option<DatabaseSpec>,

    /// Migration tool for `database-migration` and the CI migration check:
    /// `django` or `alembic`. Default: `django` for python-django, `alembic` for
    /// python-fastapi; other stacks have no default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub migrations: Option<MigrationTool>,

    /// Container image settings, used by `container` and `rust` and by every
    /// stack deployed to Azure Container Apps.
    #[serde(default)]
    pub container: ContainerSpec,

    /// Deployment strategy settings (slot name, canary share, smoke tests).
    #[serde(default)]
    pub deployment: DeploymentSettings,

    /// Bicep settings for `infrastructure`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub infrastructure: Option<InfrastructureSpec>,

    /// Cron schedule (5 fields, UTC) of `security-scan`. Default: `23 4 * * 1`
    /// (Mondays 04:23 UTC).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule: Option<String>,

    /// Notification when a deploy, migration or scheduled scan finishes or fails. Default: none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notification: Option<Notification>,

    /// Where workflows read the Azure OIDC identifiers (AZURE_CLIENT_ID,
    /// AZURE_TENANT_ID, AZURE_SUBSCRIPTION_ID): `secrets` (default) or
    /// `variables`. Never a JSON credentials secret.
    #[serde(default)]
    pub azure_identity: IdentitySource,

    /// Semgrep configuration for the security scan: a registry ruleset such as
    /// `p/default` or a path in the repository such as `.semgrep/`. Default:
    /// `p/default`.
    #[serde(default = "default_semgrep_config")]
    pub semgrep_config: String,

    /// Whether `security-scan` uploads Semgrep and zizmor results as SARIF to
    /// GitHub code scanning (needs code scanning enabled on the repository;
    /// grants `security-events: write` to that job only). Default: false.
    #[serde(default)]
    pub code_scanning: bool,

    /// Repository-relative paths of files that already exist, so a generated
    /// file never silently replaces one (e.g. `.github/workflows/ci.yml`).
    /// Default: none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub existing_files: Vec<String>,
}

/// A workflow kind.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum WorkflowKind {
    /// Lint, test and scan on push and pull request.
    Ci,
    /// Deploy the application to each environment.
    Deploy,
    /// Back up and migrate the database of one environment.
    DatabaseMigration,
    /// Bicep what-if on pull request, deploy on the default branch.
    Infrastructure,
    /// Scheduled and on-demand security scan.
    SecurityScan,
}

impl WorkflowKind {
    /// All kinds, in file order.
    pub const ALL: [Self; 5] = [
        Self::Ci,
        Self::Deploy,
        Self::DatabaseMigration,
        Self::Infrastructure,
        Self::SecurityScan,
    ];

    /// The kebab-case name, also the default file stem.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ci => "ci",
            Self::Deploy => "deploy",
            Self::DatabaseMigration => "database-migration",
            Self::Infrastructure => "infrastructure",
            Self::SecurityScan => "security-scan",
        }
    }
}

/// An application stack.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Stack {
    /// Django on CPython.
    PythonDjango,
    /// FastAPI on CPython.
    PythonFastapi,
    /// Node.js with npm.
    Node,
    /// .NET with the dotnet CLI.
    Dotnet,
    /// Rust with cargo.
    Rust,
    /// Any application built from a Dockerfile.
    Container,
}

impl Stack {
    /// All stacks.
    pub const ALL: [Self; 6] = [
        Self::PythonDjango,
        Self::PythonFastapi,
        Self::Node,
        Self::Dotnet,
        Self::Rust,
        Self::Container,
    ];

    /// The kebab-case name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::PythonDjango => "python-django",
            Self::PythonFastapi => "python-fastapi",
            Self::Node => "node",
            Self::Dotnet => "dotnet",
            Self::Rust => "rust",
            Self::Container => "container",
        }
    }

    /// Whether the stack is one of the Python ones.
    #[must_use]
    pub fn is_python(self) -> bool {
        matches!(self, Self::PythonDjango | Self::PythonFastapi)
    }

    /// Whether the application ships as a container image even to Azure Web
    /// App (no App Service code runtime for it).
    #[must_use]
    pub fn ships_as_image(self) -> bool {
        matches!(self, Self::Rust | Self::Container)
    }
}

/// A deploy target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum DeployTarget {
    /// Azure App Service (Web App), blue-green through a deployment slot.
    AzureWebapp,
    /// Azure Container Apps, canary through revision traffic split.
    AzureContainerApps,
}

impl DeployTarget {
    /// Both targets.
    pub const ALL: [Self; 2] = [Self::AzureWebapp, Self::AzureContainerApps];

    /// The kebab-case name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AzureWebapp => "azure-webapp",
            Self::AzureContainerApps => "azure-container-apps",
        }
    }
}

/// A deployment environment (a GitHub environment of the same name).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EnvironmentSpec {
    /// GitHub environment name: letters, digits, `-` and `_`, 1-40 characters,
    /// unique (case-insensitive).
    pub name: String,

    /// Whether this is a production environment: deployed on release or manual
    /// dispatch only, and requires reviewers. Default: true when the name is
    /// `production` or `prod`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub production: Option<bool>,

    /// GitHub users or teams (`org/team`) who must approve deployments. Required
    /// (at least one) for production environments. Default: none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reviewers: Vec<String>,

    /// Public URL of the application in this environment, shown on the
    /// deployment. Must start with `https://`. Default: none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,

    /// Bicep parameters file for this environment (`.bicepparam` or `.json`),
    /// repository-relative. Default: none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bicep_parameters: Option<String>,
}

impl EnvironmentSpec {
    /// Whether the environment is production (explicitly or by its name).
    #[must_use]
    pub fn is_production(&self) -> bool {
        self.production.unwrap_or_else(|| {
            let n = self.name.to_ascii_lowercase();
            n == "production" || n == "prod"
        })
    }
}

/// CI triggers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Triggers {
    /// Branches whose pushes and pull requests run CI. Default: the default branch.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub branches: Vec<String>,

    /// Path globs that limit CI to changes under them. Default: all paths.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub paths: Vec<String>,

    /// Whether CI runs on pull requests (never `pull_request_target`). Default: true.
    #[serde(default = "yes")]
    pub pull_request: bool,

    /// Whether CI can be started by hand (`workflow_dispatch`). Default: true.
    #[serde(default = "yes")]
    pub manual: bool,
}

impl Default for Triggers {
    fn default() -> Self {
        Self {
            branches: Vec::new(),
            paths: Vec::new(),
            pull_request: true,
            manual: true,
        }
    }
}

/// Python dependency manager.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum PythonPackageManager {
    /// `pip install -r requirements.txt`.
    Pip,
    /// `uv sync --locked` from pyproject.toml and uv.lock.
    Uv,
}

/// Commands overriding the stack defaults.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Commands {
    /// Installs dependencies. Default per stack (e.g. `npm ci`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub install: Option<String>,
    /// Lints the code. Default per stack (e.g. `ruff check .`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lint: Option<String>,
    /// Runs the tests. Default per stack (e.g. `python -m pytest`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test: Option<String>,
    /// Builds the deployable output. Default per stack.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub build: Option<String>,
}

/// A database for the tests.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DatabaseSpec {
    /// Database engine: `postgres` (the only one supported).
    #[serde(default)]
    pub engine: DatabaseEngine,
    /// Major version of the service image (`postgres:<version>`), digits only. Default: `17`.
    #[serde(default = "default_postgres_version")]
    pub version: String,
}

/// A database engine.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum DatabaseEngine {
    /// PostgreSQL.
    #[default]
    Postgres,
}

/// A migration tool.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum MigrationTool {
    /// `python manage.py migrate`.
    Django,
    /// `alembic upgrade head`.
    Alembic,
}

/// Container image settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ContainerSpec {
    /// Dockerfile path, relative to `working_directory`. Default: `Dockerfile`.
    #[serde(default = "default_dockerfile")]
    pub dockerfile: String,
    /// Port the application listens on inside the container. Default: 8000.
    #[serde(default = "default_port")]
    pub port: u16,
    /// Image repository name in the registry, lowercase. Default: the `name`
    /// field, else `app`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
}

impl Default for ContainerSpec {
    fn default() -> Self {
        Self {
            dockerfile: default_dockerfile(),
            port: default_port(),
            image: None,
        }
    }
}

/// Deployment strategy settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DeploymentSettings {
    /// Health endpoint path the smoke tests call, starting with `/`. Default: `/health`.
    #[serde(default = "default_health_path")]
    pub health_path: String,
    /// Smoke test attempts before the deployment counts as failed (1-60). Default: 10.
    #[serde(default = "default_retries")]
    pub smoke_test_retries: u32,
    /// Seconds between smoke test attempts (1-300). Default: 15.
    #[serde(default = "default_interval")]
    pub smoke_test_interval_seconds: u32,
    /// Azure Web App deployment slot used for blue-green. Default: `staging`.
    #[serde(default = "default_slot")]
    pub slot_name: String,
    /// Share of traffic (1-50 percent) the new Container Apps revision gets
    /// during the canary phase. Default: 10.
    #[serde(default = "default_canary")]
    pub canary_percent: u32,
    /// Minutes the canary runs with its share of traffic before promotion (0-60). Default: 5.
    #[serde(default = "default_canary_minutes")]
    pub canary_minutes: u32,
}

impl Default for DeploymentSettings {
    fn default() -> Self {
        Self {
            health_path: default_health_path(),
            smoke_test_retries: default_retries(),
            smoke_test_interval_seconds: default_interval(),
            slot_name: default_slot(),
            canary_percent: default_canary(),
            canary_minutes: default_canary_minutes(),
        }
    }
}

/// Bicep settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InfrastructureSpec {
    /// Path of the main Bicep file, repository-relative. Default: `infra/main.bicep`.
    #[serde(default = "default_bicep")]
    pub bicep_path: String,
    /// Deployment scope: `resource-group` (default) or `subscription`.
    #[serde(default)]
    pub scope: BicepScope,
    /// Azure region of a subscription-scope deployment's metadata, e.g.
    /// `westeurope`. Required for `subscription` scope, not allowed otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
}

impl Default for InfrastructureSpec {
    fn default() -> Self {
        Self {
            bicep_path: default_bicep(),
            scope: BicepScope::ResourceGroup,
            location: None,
        }
    }
}

/// Scope of a Bicep deployment.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum BicepScope {
    /// `az deployment group`.
    #[default]
    ResourceGroup,
    /// `az deployment sub`.
    Subscription,
}

/// Where notifications go; the secret holds the endpoint or credentials.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case", tag = "type")]
pub enum Notification {
    /// Slack incoming webhook.
    Slack {
        /// Name of the secret holding the webhook URL. Default: `SLACK_WEBHOOK_URL`.
        #[serde(default = "default_slack_secret")]
        webhook_secret: String,
    },
    /// E-mail through an SMTP server (SMTPS, port 465), sent with curl.
    Email {
        /// Name of the secret holding the recipient address. Default: `NOTIFY_EMAIL_TO`.
        #[serde(default = "default_email_to_secret")]
        to_secret: String,
        /// Name of the secret holding the SMTP host name. Default: `SMTP_SERVER`.
        #[serde(default = "default_smtp_server_secret")]
        server_secret: String,
        /// Name of the secret holding the SMTP user (also the sender). Default: `SMTP_USERNAME`.
        #[serde(default = "default_smtp_user_secret")]
        username_secret: String,
        /// Name of the secret holding the SMTP password. Default: `SMTP_PASSWORD`.
        #[serde(default = "default_smtp_password_secret")]
        password_secret: String,
    },
}

/// Where the Azure OIDC identifiers come from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum IdentitySource {
    /// `secrets.AZURE_CLIENT_ID` and friends.
    #[default]
    Secrets,
    /// `vars.AZURE_CLIENT_ID` and friends.
    Variables,
}

fn yes() -> bool {
    true
}
fn default_branch() -> String {
    "main".to_owned()
}
fn default_working_directory() -> String {
    ".".to_owned()
}
fn default_semgrep_config() -> String {
    "p/default".to_owned()
}
fn default_postgres_version() -> String {
    "17".to_owned()
}
fn default_dockerfile() -> String {
    "Dockerfile".to_owned()
}
fn default_port() -> u16 {
    8000
}
fn default_health_path() -> String {
    "/health".to_owned()
}
fn default_retries() -> u32 {
    10
}
fn default_interval() -> u32 {
    15
}
fn default_slot() -> String {
    "staging".to_owned()
}
fn default_canary() -> u32 {
    10
}
fn default_canary_minutes() -> u32 {
    5
}
fn default_bicep() -> String {
    "infra/main.bicep".to_owned()
}
fn default_slack_secret() -> String {
    "SLACK_WEBHOOK_URL".to_owned()
}
fn default_email_to_secret() -> String {
    "NOTIFY_EMAIL_TO".to_owned()
}
fn default_smtp_server_secret() -> String {
    "SMTP_SERVER".to_owned()
}
fn default_smtp_user_secret() -> String {
    "SMTP_USERNAME".to_owned()
}
fn default_smtp_password_secret() -> String {
    "SMTP_PASSWORD".to_owned()
}

impl WorkflowSpec {
    /// A spec with defaults for everything but kinds and stack.
    #[must_use]
    pub fn new(kinds: Vec<WorkflowKind>, stack: Stack) -> Self {
        Self {
            kinds,
            stack,
            name: None,
            deploy_target: None,
            environments: Vec::new(),
            default_branch: default_branch(),
            triggers: Triggers::default(),
            working_directory: default_working_directory(),
            runtime_version: None,
            python_package_manager: None,
            commands: Commands::default(),
            database: None,
            migrations: None,
            container: ContainerSpec::default(),
            deployment: DeploymentSettings::default(),
            infrastructure: None,
            schedule: None,
            notification: None,
            azure_identity: IdentitySource::default(),
            semgrep_config: default_semgrep_config(),
            code_scanning: false,
            existing_files: Vec::new(),
        }
    }

    /// Parses a spec from JSON, naming the field of the first error.
    ///
    /// # Errors
    /// [`Error::InvalidField`] with the JSON path of the offending field and
    /// serde's message (which lists the allowed values of enums).
    pub fn from_json(value: &serde_json::Value) -> Result<Self, Error> {
        serde_path_to_error::deserialize(value).map_err(|e| {
            let path = e.path().to_string();
            let field = if path == "." { "spec".to_owned() } else { path };
            Error::field(field, e.into_inner().to_string())
        })
    }

    /// Whether the spec generates `kind`.
    #[must_use]
    pub fn has(&self, kind: WorkflowKind) -> bool {
        self.kinds.contains(&kind)
    }

    /// The migration tool in effect: explicit, or the stack's default.
    #[must_use]
    pub fn migration_tool(&self) -> Option<MigrationTool> {
        self.migrations.or(match self.stack {
            Stack::PythonDjango => Some(MigrationTool::Django),
            Stack::PythonFastapi => Some(MigrationTool::Alembic),
            _ => None,
        })
    }

    /// The Python package manager in effect (pip unless set).
    #[must_use]
    pub fn python_manager(&self) -> PythonPackageManager {
        self.python_package_manager
            .unwrap_or(PythonPackageManager::Pip)
    }

    /// The cron schedule in effect for `security-scan`.
    #[must_use]
    pub fn schedule_or_default(&self) -> &str {
        self.schedule.as_deref().unwrap_or("23 4 * * 1")
    }

    /// The image repository name in effect.
    #[must_use]
    pub fn image_name(&self) -> String {
        self.container
            .image
            .clone()
            .or_else(|| self.name.clone())
            .unwrap_or_else(|| "app".to_owned())
    }

    /// The infrastructure settings in effect.
    #[must_use]
    pub fn infrastructure_or_default(&self) -> InfrastructureSpec {
        self.infrastructure.clone().unwrap_or_default()
    }

    /// Checks everything serde cannot: ranges, formats, contradictions, clashes.
    ///
    /// # Errors
    /// The first problem found, naming its field and what is allowed.
    pub fn check(&self) -> Result<(), Error> {
        self.check_kinds()?;
        self.check_names()?;
        self.check_environments()?;
        self.check_paths_and_commands()?;
        self.check_stack_options()?;
        self.check_deployment()?;
        if let Some(s) = &self.schedule {
            cron::check(s).map_err(|m| Error::field("schedule", m))?;
            if !self.has(WorkflowKind::SecurityScan) {
                return Err(Error::conflict(
                    "schedule",
                    "kinds",
                    "a schedule only applies to `security-scan`; add it to `kinds` or drop `schedule`",
                ));
            }
        }
        self.check_notification()?;
        if self.code_scanning && !self.has(WorkflowKind::SecurityScan) {
            return Err(Error::conflict(
                "code_scanning",
                "kinds",
                "SARIF upload is part of `security-scan`; add it to `kinds` or drop `code_scanning`",
            ));
        }
        Ok(())
    }

    fn check_kinds(&self) -> Result<(), Error> {
        if self.kinds.is_empty() {
            return Err(Error::field(
                "kinds",
                "give at least one of ci, deploy, database-migration, infrastructure, security-scan",
            ));
        }
        let mut seen = Vec::new();
        for (i, k) in self.kinds.iter().enumerate() {
            if seen.contains(k) {
                return Err(Error::field(
                    format!("kinds[{i}]"),
                    format!("`{}` is listed twice", k.as_str()),
                ));
            }
            seen.push(*k);
        }
        match (self.has(WorkflowKind::Deploy), self.deploy_target) {
            (true, None) => Err(Error::field(
                "deploy_target",
                "required for `deploy`: azure-webapp or azure-container-apps",
            )),
            (false, Some(_)) => Err(Error::conflict(
                "deploy_target",
                "kinds",
                "a deploy target only applies to `deploy`; add it to `kinds` or drop `deploy_target`",
            )),
            _ => Ok(()),
        }
    }

    fn check_names(&self) -> Result<(), Error> {
        if let Some(n) = &self.name {
            let ok = !n.is_empty()
                && n.len() <= 40
                && n.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                && !n.starts_with('-')
                && !n.ends_with('-');
            if !ok {
                return Err(Error::field(
                    "name",
                    "use 1-40 lowercase letters, digits and inner `-`",
                ));
            }
        }
        check_git_ref("default_branch", &self.default_branch)?;
        for (i, b) in self.triggers.branches.iter().enumerate() {
            check_glob(&format!("triggers.branches[{i}]"), b)?;
        }
        for (i, p) in self.triggers.paths.iter().enumerate() {
            check_glob(&format!("triggers.paths[{i}]"), p)?;
        }
        let image = self.image_name();
        let image_ok = !image.is_empty()
            && image.len() <= 128
            && image
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"-_./".contains(&b))
            && image.starts_with(|c: char| c.is_ascii_alphanumeric());
        if !image_ok {
            return Err(Error::field(
                "container.image",
                "use lowercase letters, digits, `-`, `_`, `.` and `/`, starting with a letter or digit",
            ));
        }
        for kind in &self.kinds {
            let path = crate::generate::file_path(self, *kind);
            if let Some(existing) = self
                .existing_files
                .iter()
                .find(|f| normalize(f).eq_ignore_ascii_case(&path) || same_stem(f, &path))
            {
                return Err(Error::NameClash {
                    field: if self.name.is_some() { "name" } else { "kinds" }.to_owned(),
                    path: existing.clone(),
                });
            }
        }
        Ok(())
    }

    fn check_environments(&self) -> Result<(), Error> {
        let needs_envs = self.has(WorkflowKind::Deploy)
            || self.has(WorkflowKind::DatabaseMigration)
            || self.has(WorkflowKind::Infrastructure);
        if needs_envs && self.environments.is_empty() {
            return Err(Error::field(
                "environments",
                "deploy, database-migration and infrastructure need at least one environment, e.g. [{\"name\": \"staging\"}, {\"name\": \"production\", \"reviewers\": [\"octocat\"]}]",
            ));
        }
        if !needs_envs && !self.environments.is_empty() {
            return Err(Error::conflict(
                "environments",
                "kinds",
                "environments only apply to deploy, database-migration and infrastructure",
            ));
        }
        let mut names: Vec<String> = Vec::new();
        for (i, env) in self.environments.iter().enumerate() {
            let field = format!("environments[{i}]");
            let ok = !env.name.is_empty()
                && env.name.len() <= 40
                && env
                    .name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
                && env.name.starts_with(|c: char| c.is_ascii_alphabetic());
            if !ok {
                return Err(Error::field(
                    format!("{field}.name"),
                    "use 1-40 letters, digits, `-` and `_`, starting with a letter",
                ));
            }
            let lower = env.name.to_ascii_lowercase();
            if names.contains(&lower) {
                return Err(Error::field(
                    format!("{field}.name"),
                    format!("environment `{}` is listed twice", env.name),
                ));
            }
            names.push(lower);
            if env.is_production() && env.reviewers.is_empty() {
                return Err(Error::field(
                    format!("{field}.reviewers"),
                    format!(
                        "production environment `{}` needs at least one required reviewer (a GitHub user or org/team)",
                        env.name
                    ),
                ));
            }
            for (j, r) in env.reviewers.iter().enumerate() {
                let ok = !r.is_empty()
                    && r.len() <= 100
                    && r.split('/').count() <= 2
                    && r.split('/').all(|p| {
                        !p.is_empty()
                            && p.bytes()
                                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
                    });
                if !ok {
                    return Err(Error::field(
                        format!("{field}.reviewers[{j}]"),
                        "use a GitHub user name or `org/team-slug`",
                    ));
                }
            }
            if let Some(url) = &env.url
                && (!url.starts_with("https://")
                    || url.contains(char::is_whitespace)
                    || url.contains("${{"))
            {
                return Err(Error::field(
                    format!("{field}.url"),
                    "use an https:// URL without spaces or expressions",
                ));
            }
            if let Some(p) = &env.bicep_parameters {
                check_rel_path(&format!("{field}.bicep_parameters"), p)?;
                if !self.has(WorkflowKind::Infrastructure) {
                    return Err(Error::conflict(
                        format!("{field}.bicep_parameters"),
                        "kinds",
                        "Bicep parameters only apply to `infrastructure`",
                    ));
                }
            }
        }
        Ok(())
    }

    fn check_paths_and_commands(&self) -> Result<(), Error> {
        check_rel_path("working_directory", &self.working_directory)?;
        check_rel_path("container.dockerfile", &self.container.dockerfile)?;
        if let Some(infra) = &self.infrastructure {
            check_rel_path("infrastructure.bicep_path", &infra.bicep_path)?;
            if !infra.bicep_path.ends_with(".bicep") {
                return Err(Error::field(
                    "infrastructure.bicep_path",
                    "must name a .bicep file",
                ));
            }
            match (infra.scope, &infra.location) {
                (BicepScope::Subscription, None) => {
                    return Err(Error::field(
                        "infrastructure.location",
                        "required for subscription scope, e.g. westeurope",
                    ));
                }
                (BicepScope::ResourceGroup, Some(_)) => {
                    return Err(Error::conflict(
                        "infrastructure.location",
                        "infrastructure.scope",
                        "a location only applies to subscription scope (a resource group has its own)",
                    ));
                }
                (_, Some(loc))
                    if loc.is_empty()
                        || !loc
                            .bytes()
                            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()) =>
                {
                    return Err(Error::field(
                        "infrastructure.location",
                        "use an Azure region name such as westeurope",
                    ));
                }
                _ => {}
            }
            if !self.has(WorkflowKind::Infrastructure) {
                return Err(Error::conflict(
                    "infrastructure",
                    "kinds",
                    "Bicep settings only apply to `infrastructure`",
                ));
            }
        }
        let cmds = [
            ("commands.install", &self.commands.install),
            ("commands.lint", &self.commands.lint),
            ("commands.test", &self.commands.test),
            ("commands.build", &self.commands.build),
        ];
        for (field, cmd) in cmds {
            if let Some(c) = cmd {
                if c.trim().is_empty() {
                    return Err(Error::field(
                        field,
                        "must not be empty; omit it to use the stack default",
                    ));
                }
                if c.contains("${{") {
                    return Err(Error::field(
                        field,
                        "must not contain `${{`: expressions inside run scripts allow script injection; read values from environment variables instead",
                    ));
                }
                if c.chars()
                    .any(|ch| ch.is_control() && ch != '\n' && ch != '\t')
                {
                    return Err(Error::field(field, "must not contain control characters"));
                }
            }
        }
        if let Some(v) = &self.runtime_version {
            let ok = !v.is_empty()
                && v.len() <= 32
                && v.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b".-x*".contains(&b));
            if !ok {
                return Err(Error::field(
                    "runtime_version",
                    "use a version such as 3.13, 24, 10.0.x or stable",
                ));
            }
        }
        let semgrep_ok = !self.semgrep_config.is_empty()
            && !self.semgrep_config.contains("${{")
            && self
                .semgrep_config
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"/._-:".contains(&b));
        if !semgrep_ok {
            return Err(Error::field(
                "semgrep_config",
                "use a ruleset such as p/default or a repository path such as .semgrep/",
            ));
        }
        for (i, f) in self.existing_files.iter().enumerate() {
            if f.contains("..") || f.starts_with('/') {
                return Err(Error::field(
                    format!("existing_files[{i}]"),
                    "use repository-relative paths without `..`",
                ));
            }
        }
        Ok(())
    }

    fn check_stack_options(&self) -> Result<(), Error> {
        if self.python_package_manager.is_some() && !self.stack.is_python() {
            return Err(Error::conflict(
                "python_package_manager",
                "stack",
                format!(
                    "only the Python stacks use it, not `{}`",
                    self.stack.as_str()
                ),
            ));
        }
        if self.runtime_version.is_some() && self.stack == Stack::Container {
            return Err(Error::conflict(
                "runtime_version",
                "stack",
                "the container stack takes its runtime from the Dockerfile",
            ));
        }
        if let Some(db) = &self.database
            && (db.version.is_empty()
                || !db.version.bytes().all(|b| b.is_ascii_digit() || b == b'.'))
        {
            return Err(Error::field("database.version", "use a version such as 17"));
        }
        if let Some(tool) = self.migrations {
            if !self.stack.is_python() {
                return Err(Error::conflict(
                    "migrations",
                    "stack",
                    format!(
                        "{} migrations need a Python stack (python-django or python-fastapi), not `{}`",
                        match tool {
                            MigrationTool::Django => "django",
                            MigrationTool::Alembic => "alembic",
                        },
                        self.stack.as_str()
                    ),
                ));
            }
            if tool == MigrationTool::Django && self.stack != Stack::PythonDjango {
                return Err(Error::conflict(
                    "migrations",
                    "stack",
                    "django migrations need the python-django stack; use alembic for python-fastapi",
                ));
            }
        }
        if self.has(WorkflowKind::DatabaseMigration) && self.migration_tool().is_none() {
            return Err(Error::field(
                "migrations",
                format!(
                    "database-migration needs a migration tool (django or alembic), which the `{}` stack does not have",
                    self.stack.as_str()
                ),
            ));
        }
        Ok(())
    }

    fn check_deployment(&self) -> Result<(), Error> {
        let d = &self.deployment;
        if !d.health_path.starts_with('/')
            || d.health_path.len() > 200
            || !d
                .health_path
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"/-._~?=&%".contains(&b))
        {
            return Err(Error::field(
                "deployment.health_path",
                "use a URL path starting with `/`, e.g. /health",
            ));
        }
        if !(1..=60).contains(&d.smoke_test_retries) {
            return Err(Error::field(
                "deployment.smoke_test_retries",
                "allowed: 1-60",
            ));
        }
        if !(1..=300).contains(&d.smoke_test_interval_seconds) {
            return Err(Error::field(
                "deployment.smoke_test_interval_seconds",
                "allowed: 1-300",
            ));
        }
        if !(1..=50).contains(&d.canary_percent) {
            return Err(Error::field("deployment.canary_percent", "allowed: 1-50"));
        }
        if d.canary_minutes > 60 {
            return Err(Error::field("deployment.canary_minutes", "allowed: 0-60"));
        }
        let slot_ok = !d.slot_name.is_empty()
            && d.slot_name.len() <= 40
            && d.slot_name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !d.slot_name.eq_ignore_ascii_case("production");
        if !slot_ok {
            return Err(Error::field(
                "deployment.slot_name",
                "use letters, digits and `-`, and not `production` (the slot swapped into)",
            ));
        }
        if self.container.port == 0 {
            return Err(Error::field("container.port", "allowed: 1-65535"));
        }
        Ok(())
    }

    fn check_notification(&self) -> Result<(), Error> {
        let Some(n) = &self.notification else {
            return Ok(());
        };
        let names: Vec<(&str, &String)> = match n {
            Notification::Slack { webhook_secret } => {
                vec![("notification.webhook_secret", webhook_secret)]
            }
            Notification::Email {
                to_secret,
                server_secret,
                username_secret,
                password_secret,
            } => vec![
                ("notification.to_secret", to_secret),
                ("notification.server_secret", server_secret),
                ("notification.username_secret", username_secret),
                ("notification.password_secret", password_secret),
            ],
        };
        for (field, name) in names {
            let ok = !name.is_empty()
                && name
                    .bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
                && !name.starts_with(|c: char| c.is_ascii_digit())
                && !name.starts_with("GITHUB_");
            if !ok {
                return Err(Error::field(
                    field,
                    "use a secret name of uppercase letters, digits and `_`, not starting with a digit or GITHUB_",
                ));
            }
        }
        if !(self.has(WorkflowKind::Deploy)
            || self.has(WorkflowKind::DatabaseMigration)
            || self.has(WorkflowKind::SecurityScan))
        {
            return Err(Error::conflict(
                "notification",
                "kinds",
                "notifications are sent by deploy, database-migration and security-scan",
            ));
        }
        Ok(())
    }
}

fn normalize(path: &str) -> String {
    path.trim_start_matches("./").replace('\\', "/")
}

/// `ci.yml` and `ci.yaml` are the same workflow as far as a reader is concerned.
fn same_stem(existing: &str, generated: &str) -> bool {
    let e = normalize(existing).to_ascii_lowercase();
    let g = generated.to_ascii_lowercase();
    e.strip_suffix(".yaml")
        .is_some_and(|s| g.strip_suffix(".yml") == Some(s))
}

fn check_rel_path(field: &str, p: &str) -> Result<(), Error> {
    let ok = !p.is_empty()
        && !p.starts_with('/')
        && !p.contains('\\')
        && !p.split('/').any(|seg| seg == "..")
        && !p.contains("${{")
        && p.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"/._-".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(Error::field(
            field,
            "use a repository-relative path of letters, digits, `/`, `.`, `_`, `-`, without `..`",
        ))
    }
}

fn check_git_ref(field: &str, r: &str) -> Result<(), Error> {
    let ok = !r.is_empty()
        && r.len() <= 100
        && !r.starts_with(['-', '/'])
        && !r.contains("..")
        && r.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"/._-".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(Error::field(field, "use a branch name such as main"))
    }
}

fn check_glob(field: &str, g: &str) -> Result<(), Error> {
    let ok = !g.is_empty()
        && g.len() <= 200
        && !g.contains("${{")
        && g.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"/._-*!?[]+".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(Error::field(
            field,
            "use a branch name or glob of letters, digits and / . _ - * ! ? [ ] +",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_schema_describes_every_field() {
        let schema = serde_json::to_value(schemars::schema_for!(WorkflowSpec)).unwrap();
        let props = schema["properties"].as_object().unwrap();
        for (name, prop) in props {
            assert!(
                prop.get("description").is_some(),
                "{name} has no description"
            );
        }
        assert_eq!(schema["required"], serde_json::json!(["kinds", "stack"]));
    }

    #[test]
    fn minimal_spec_parses_with_defaults() {
        let spec =
            WorkflowSpec::from_json(&serde_json::json!({"kinds": ["ci"], "stack": "dotnet"}))
                .unwrap();
        assert_eq!(
            spec,
            WorkflowSpec::new(vec![WorkflowKind::Ci], Stack::Dotnet)
        );
        assert!(spec.check().is_ok());
    }

    #[test]
    fn contradictions_name_both_fields() {
        let mut spec = WorkflowSpec::new(vec![WorkflowKind::Ci], Stack::Node);
        spec.python_package_manager = Some(PythonPackageManager::Uv);
        assert!(
            matches!(spec.check(), Err(Error::Conflict { field, other, .. }) if field == "python_package_manager" && other == "stack")
        );
        let mut spec =
            WorkflowSpec::new(vec![WorkflowKind::DatabaseMigration], Stack::PythonFastapi);
        spec.environments = vec![EnvironmentSpec {
            name: "staging".into(),
            production: None,
            reviewers: vec![],
            url: None,
            bicep_parameters: None,
        }];
        spec.migrations = Some(MigrationTool::Django);
        assert!(
            matches!(spec.check(), Err(Error::Conflict { field, .. }) if field == "migrations")
        );
        spec.migrations = None;
        assert!(spec.check().is_ok());
        spec.environments[0].name = "bad name".into();
        assert!(
            matches!(spec.check(), Err(Error::InvalidField { field, .. }) if field == "environments[0].name")
        );
    }
}
