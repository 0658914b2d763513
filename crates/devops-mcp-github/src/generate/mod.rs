//! The workflow generator: a [`WorkflowSpec`] in, workflow files, a pipeline
//! document and the settings the repository needs out. Pure: no I/O.
//!
//! One file per workflow kind (`ci.rs`, `deploy.rs`, ...), stack-specific
//! steps in `stack.rs`, the shared job and step builders here. Every action is
//! pinned from the lock table; every job gets a timeout and explicit minimal
//! permissions; the workflow itself gets `permissions: {}`.

mod ci;
mod deploy;
mod docs;
mod infrastructure;
mod migration;
mod security_scan;
mod stack;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::emit::{Map, Node, document, str_seq};
use crate::pins::PinTable;
use crate::spec::{IdentitySource, Notification, WorkflowKind, WorkflowSpec};
use crate::{Error, validate};

/// Every action any generated workflow may use (each must be in the lock table).
pub const ACTIONS_USED: &[&str] = &[
    A_CHECKOUT,
    A_SETUP_PYTHON,
    A_SETUP_NODE,
    A_SETUP_DOTNET,
    A_SETUP_UV,
    A_CACHE,
    A_RUST_CACHE,
    A_UPLOAD,
    A_DOWNLOAD,
    A_AZURE_LOGIN,
    A_WEBAPPS_DEPLOY,
    A_BUILDX,
    A_BUILD_PUSH,
    A_UPLOAD_SARIF,
    A_SLACK,
];

pub(crate) const A_CHECKOUT: &str = "actions/checkout";
pub(crate) const A_SETUP_PYTHON: &str = "actions/setup-python";
pub(crate) const A_SETUP_NODE: &str = "actions/setup-node";
pub(crate) const A_SETUP_DOTNET: &str = "actions/setup-dotnet";
pub(crate) const A_SETUP_UV: &str = "astral-sh/setup-uv";
pub(crate) const A_CACHE: &str = "actions/cache";
pub(crate) const A_RUST_CACHE: &str = "Swatinem/rust-cache";
pub(crate) const A_UPLOAD: &str = "actions/upload-artifact";
pub(crate) const A_DOWNLOAD: &str = "actions/download-artifact";
pub(crate) const A_AZURE_LOGIN: &str = "azure/login";
pub(crate) const A_WEBAPPS_DEPLOY: &str = "azure/webapps-deploy";
pub(crate) const A_BUILDX: &str = "docker/setup-buildx-action";
pub(crate) const A_BUILD_PUSH: &str = "docker/build-push-action";
pub(crate) const A_UPLOAD_SARIF: &str = "github/codeql-action/upload-sarif";
pub(crate) const A_SLACK: &str = "slackapi/slack-github-action";

/// Tool versions installed by `run:` steps, pinned so a run is reproducible.
pub(crate) const SEMGREP_VERSION: &str = "1.185.0";
pub(crate) const ZIZMOR_VERSION: &str = "1.32.0";
pub(crate) const RUFF_VERSION: &str = "0.17.5";
pub(crate) const PIP_AUDIT_VERSION: &str = "2.10.1";
pub(crate) const CARGO_AUDIT_VERSION: &str = "0.22.2";
pub(crate) const HADOLINT_IMAGE: &str = "hadolint/hadolint:v2.15.1";
pub(crate) const TRIVY_IMAGE: &str = "aquasec/trivy:0.74.0";

/// The runner image every job uses.
const RUNNER: &str = "ubuntu-latest";

/// A generated file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct GeneratedFile {
    /// Repository-relative path, e.g. `.github/workflows/ci.yml`.
    pub path: String,
    /// Full file content.
    pub content: String,
}

/// Where a secret or variable must be defined.
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case", tag = "level", content = "environment")]
pub enum SettingScope {
    /// Repository (or organization) level.
    Repository,
    /// Level of the named GitHub environment.
    Environment(String),
}

/// A secret or variable the generated workflows read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct RequiredSetting {
    /// Name as referenced (`secrets.NAME` or `vars.NAME`).
    pub name: String,
    /// Where to define it.
    pub scope: SettingScope,
    /// What value it holds.
    pub description: String,
    /// Workflow files that read it.
    pub used_by: Vec<String>,
}

/// A GitHub environment the repository must have.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct RequiredEnvironment {
    /// Environment name.
    pub name: String,
    /// Whether it is a production environment.
    pub production: bool,
    /// Users or teams to add as required reviewers.
    pub reviewers: Vec<String>,
    /// Which refs may deploy to it.
    pub deployment_branches: String,
    /// Workflow files that deploy to it.
    pub used_by: Vec<String>,
}

/// Everything [`generate`] produces.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct GeneratedWorkflows {
    /// Workflow files and `docs/cicd-pipeline.md`, in a stable order.
    pub files: Vec<GeneratedFile>,
    /// Secrets to define, sorted by scope and name.
    pub secrets: Vec<RequiredSetting>,
    /// Variables to define, sorted by scope and name.
    pub variables: Vec<RequiredSetting>,
    /// Environments to create.
    pub environments: Vec<RequiredEnvironment>,
}

impl GeneratedWorkflows {
    /// The files as `(path, content)` pairs, the form delivery and validation take.
    #[must_use]
    pub fn as_pairs(&self) -> Vec<(String, String)> {
        self.files
            .iter()
            .map(|f| (f.path.clone(), f.content.clone()))
            .collect()
    }

    /// Only the workflow files (not the document).
    pub fn workflows(&self) -> impl Iterator<Item = &GeneratedFile> {
        self.files
            .iter()
            .filter(|f| f.path.starts_with(".github/workflows/"))
    }
}

/// Generates the workflows a spec describes, using the bundled pin table.
///
/// The output is checked with the built-in rules ([`crate::validate`]); a
/// finding there is a bug and returns [`Error::GeneratedInvalid`] instead of a
/// bad workflow.
///
/// # Errors
/// Any spec problem ([`Error::InvalidField`], [`Error::Conflict`],
/// [`Error::NameClash`]), a missing pin, or a failed self-check.
pub fn generate(spec: &WorkflowSpec) -> Result<GeneratedWorkflows, Error> {
    generate_with_pins(spec, PinTable::bundled()?)
}

/// [`generate`] with an explicit pin table (e.g. one refreshed from GitHub).
///
/// # Errors
/// As [`generate`].
pub fn generate_with_pins(
    spec: &WorkflowSpec,
    pins: &PinTable,
) -> Result<GeneratedWorkflows, Error> {
    spec.check()?;
    let mut ctx = Ctx {
        spec,
        pins,
        settings: BTreeMap::new(),
        environments: BTreeMap::new(),
        current: String::new(),
    };
    let mut files = Vec::new();
    for kind in WorkflowKind::ALL {
        if !spec.has(kind) {
            continue;
        }
        let path = file_path(spec, kind);
        ctx.current = path.clone();
        let root = match kind {
            WorkflowKind::Ci => ci::workflow(&mut ctx)?,
            WorkflowKind::Deploy => deploy::workflow(&mut ctx)?,
            WorkflowKind::DatabaseMigration => migration::workflow(&mut ctx)?,
            WorkflowKind::Infrastructure => infrastructure::workflow(&mut ctx)?,
            WorkflowKind::SecurityScan => security_scan::workflow(&mut ctx)?,
        };
        let header = [
            "Generated by devops-mcp (create_workflow). Review before merging.",
            "Actions are pinned to full commit SHAs from the devops-mcp lock table;",
            "the comment after each SHA is its release tag.",
        ];
        files.push(GeneratedFile {
            path,
            content: document(&header, &root),
        });
    }
    let (secrets, variables) = ctx.split_settings();
    let environments: Vec<RequiredEnvironment> = ctx.environments.into_values().collect();
    let doc = docs::pipeline_doc(spec, &files, &secrets, &variables, &environments, pins);
    files.push(GeneratedFile {
        path: docs_path(spec),
        content: doc,
    });
    let out = GeneratedWorkflows {
        files,
        secrets,
        variables,
        environments,
    };
    self_check(&out)?;
    Ok(out)
}

fn self_check(out: &GeneratedWorkflows) -> Result<(), Error> {
    for f in out.workflows() {
        let report = validate::validate_workflow(&f.content, &f.path, None);
        if !report.findings.is_empty() {
            let summary = report
                .findings
                .iter()
                .map(|x| {
                    format!(
                        "{}:{} {} {}",
                        x.path,
                        x.line.unwrap_or(0),
                        x.rule,
                        x.message
                    )
                })
                .collect::<Vec<_>>()
                .join("\n");
            return Err(Error::GeneratedInvalid {
                path: f.path.clone(),
                summary,
            });
        }
    }
    Ok(())
}

/// The stem used for file names and concurrency groups: `[name-]kind`.
pub(crate) fn stem(spec: &WorkflowSpec, kind: WorkflowKind) -> String {
    match &spec.name {
        Some(n) => format!("{n}-{}", kind.as_str()),
        None => kind.as_str().to_owned(),
    }
}

/// Repository-relative path of the file for `kind`.
#[must_use]
pub fn file_path(spec: &WorkflowSpec, kind: WorkflowKind) -> String {
    format!(".github/workflows/{}.yml", stem(spec, kind))
}

/// Repository-relative path of the pipeline document.
#[must_use]
pub fn docs_path(spec: &WorkflowSpec) -> String {
    match &spec.name {
        Some(n) => format!("docs/{n}-cicd-pipeline.md"),
        None => "docs/cicd-pipeline.md".to_owned(),
    }
}

/// Display name of a workflow, e.g. `api: CI`.
pub(crate) fn display_name(spec: &WorkflowSpec, title: &str) -> String {
    match &spec.name {
        Some(n) => format!("{n}: {title}"),
        None => title.to_owned(),
    }
}

/// Generation state: the spec, the pins, and the settings collected so far.
pub(crate) struct Ctx<'a> {
    pub(crate) spec: &'a WorkflowSpec,
    pins: &'a PinTable,
    settings: BTreeMap<(bool, SettingScope, String), RequiredSetting>,
    environments: BTreeMap<usize, RequiredEnvironment>,
    pub(crate) current: String,
}

impl Ctx<'_> {
    /// `uses:` value and its version comment.
    pub(crate) fn uses(&self, action: &str) -> Result<(String, String), Error> {
        let pin = self.pins.require(action)?;
        Ok((pin.uses(), pin.version.clone()))
    }

    fn record(&mut self, secret: bool, name: &str, scope: SettingScope, description: &str) {
        let current = self.current.clone();
        let entry = self
            .settings
            .entry((secret, scope.clone(), name.to_owned()))
            .or_insert_with(|| RequiredSetting {
                name: name.to_owned(),
                scope,
                description: description.to_owned(),
                used_by: Vec::new(),
            });
        if !entry.used_by.contains(&current) {
            entry.used_by.push(current);
        }
    }

    /// `${{ secrets.NAME }}`, recording that the secret is needed.
    pub(crate) fn secret(&mut self, name: &str, scope: SettingScope, description: &str) -> String {
        self.record(true, name, scope, description);
        format!("${{{{ secrets.{name} }}}}")
    }

    /// `${{ vars.NAME }}`, recording that the variable is needed.
    pub(crate) fn var(&mut self, name: &str, scope: SettingScope, description: &str) -> String {
        self.record(false, name, scope, description);
        format!("${{{{ vars.{name} }}}}")
    }

    /// Records a variable for every environment of the spec (used by jobs whose
    /// environment is chosen at run time) and returns the expression.
    pub(crate) fn var_all_envs(&mut self, name: &str, description: &str) -> String {
        let envs: Vec<String> = self
            .spec
            .environments
            .iter()
            .map(|e| e.name.clone())
            .collect();
        let mut expr = String::new();
        for e in envs {
            expr = self.var(name, SettingScope::Environment(e), description);
        }
        expr
    }

    /// Records a secret for every environment of the spec and returns the expression.
    pub(crate) fn secret_all_envs(&mut self, name: &str, description: &str) -> String {
        let envs: Vec<String> = self
            .spec
            .environments
            .iter()
            .map(|e| e.name.clone())
            .collect();
        let mut expr = String::new();
        for e in envs {
            expr = self.secret(name, SettingScope::Environment(e), description);
        }
        expr
    }

    /// Records that the current workflow deploys to environment `index`.
    pub(crate) fn use_environment(&mut self, index: usize) {
        let Some(env) = self.spec.environments.get(index) else {
            return;
        };
        let current = self.current.clone();
        let branch = self.spec.default_branch.clone();
        let entry = self
            .environments
            .entry(index)
            .or_insert_with(|| RequiredEnvironment {
                name: env.name.clone(),
                production: env.is_production(),
                reviewers: env.reviewers.clone(),
                deployment_branches: if env.is_production() {
                    format!("release tags (e.g. `v*`) and `{branch}`; protected branches only")
                } else {
                    format!("`{branch}`")
                },
                used_by: Vec::new(),
            });
        if !entry.used_by.contains(&current) {
            entry.used_by.push(current);
        }
    }

    fn split_settings(&self) -> (Vec<RequiredSetting>, Vec<RequiredSetting>) {
        let mut secrets = Vec::new();
        let mut vars = Vec::new();
        for ((is_secret, _, _), s) in &self.settings {
            if *is_secret {
                secrets.push(s.clone());
            } else {
                vars.push(s.clone());
            }
        }
        (secrets, vars)
    }

    /// The three Azure OIDC identifiers for a job in `scope`, as `with:` values.
    pub(crate) fn azure_ids(&mut self, scope: &[SettingScope]) -> [String; 3] {
        const IDS: [(&str, &str); 3] = [
            (
                "AZURE_CLIENT_ID",
                "Application (client) ID of the Entra ID app registration or user-assigned managed identity with a federated credential for this repository",
            ),
            ("AZURE_TENANT_ID", "Directory (tenant) ID of that identity"),
            (
                "AZURE_SUBSCRIPTION_ID",
                "Azure subscription ID to deploy to",
            ),
        ];
        let source = self.spec.azure_identity;
        IDS.map(|(name, desc)| {
            let mut expr = String::new();
            for s in scope {
                expr = match source {
                    IdentitySource::Secrets => self.secret(name, s.clone(), desc),
                    IdentitySource::Variables => self.var(name, s.clone(), desc),
                };
            }
            expr
        })
    }

    /// The `azure/login` step (OIDC, never a JSON credentials secret).
    pub(crate) fn azure_login(&mut self, scope: &[SettingScope]) -> Result<Node, Error> {
        let [client, tenant, sub] = self.azure_ids(scope);
        self.step_uses(
            "Log in to Azure with OpenID Connect",
            A_AZURE_LOGIN,
            Some(
                Map::new()
                    .with("client-id", client)
                    .with("tenant-id", tenant)
                    .with("subscription-id", sub),
            ),
        )
    }

    /// A `uses:` step with its pin comment.
    pub(crate) fn step_uses(
        &self,
        name: &str,
        action: &str,
        with: Option<Map>,
    ) -> Result<Node, Error> {
        self.step_uses_id(name, None, action, with)
    }

    /// A `uses:` step with an id.
    pub(crate) fn step_uses_id(
        &self,
        name: &str,
        id: Option<&str>,
        action: &str,
        with: Option<Map>,
    ) -> Result<Node, Error> {
        self.step_uses_full(name, id, None, action, with)
    }

    /// A `uses:` step with an optional id and condition.
    pub(crate) fn step_uses_full(
        &self,
        name: &str,
        id: Option<&str>,
        cond: Option<&str>,
        action: &str,
        with: Option<Map>,
    ) -> Result<Node, Error> {
        let (uses, version) = self.uses(action)?;
        let mut m = Map::new().with("name", name);
        if let Some(id) = id {
            m.push("id", id);
        }
        if let Some(cond) = cond {
            m.push("if", cond);
        }
        m = m.with_comment("uses", uses, &version);
        if let Some(w) = with {
            m.push("with", w);
        }
        Ok(m.into())
    }

    /// `actions/checkout` without persisted credentials.
    pub(crate) fn checkout(&self) -> Result<Node, Error> {
        self.step_uses(
            "Check out the repository",
            A_CHECKOUT,
            Some(Map::new().with("persist-credentials", false)),
        )
    }

    /// The notification job, if the spec asks for one.
    pub(crate) fn notify_job(
        &mut self,
        needs: &[String],
        only_on_failure: bool,
        what: &str,
    ) -> Result<Option<Job>, Error> {
        let Some(notification) = self.spec.notification.clone() else {
            return Ok(None);
        };
        let result = "${{ contains(needs.*.result, 'failure') && 'failed' || (contains(needs.*.result, 'cancelled') && 'was cancelled' || 'succeeded') }}";
        let run_url =
            "${{ github.server_url }}/${{ github.repository }}/actions/runs/${{ github.run_id }}";
        let mut job = Job::new("Notify", 10);
        job.needs = needs.to_vec();
        job.if_ = Some(if only_on_failure {
            "failure()".to_owned()
        } else {
            "always()".to_owned()
        });
        match notification {
            Notification::Slack { webhook_secret } => {
                let hook = self.secret(
                    &webhook_secret,
                    SettingScope::Repository,
                    "Slack incoming webhook URL for pipeline notifications",
                );
                let payload = format!(
                    "text: \"{what} {result} for ${{{{ github.repository }}}} (${{{{ github.workflow }}}}): {run_url}\"\n"
                );
                job.steps.push(
                    self.step_uses(
                        "Send Slack notification",
                        A_SLACK,
                        Some(
                            Map::new()
                                .with("webhook", hook)
                                .with("webhook-type", "incoming-webhook")
                                .with("payload", payload),
                        ),
                    )?,
                );
            }
            Notification::Email {
                to_secret,
                server_secret,
                username_secret,
                password_secret,
            } => {
                let to = self.secret(
                    &to_secret,
                    SettingScope::Repository,
                    "Recipient address of pipeline notification e-mails",
                );
                let server = self.secret(
                    &server_secret,
                    SettingScope::Repository,
                    "SMTP server host name (SMTPS on port 465)",
                );
                let user = self.secret(
                    &username_secret,
                    SettingScope::Repository,
                    "SMTP user name, also used as the sender address",
                );
                let pass = self.secret(
                    &password_secret,
                    SettingScope::Repository,
                    "SMTP password or app password",
                );
                let script = "\
mail=\"$RUNNER_TEMP/notification.txt\"
{
  printf 'From: %s\\r\\n' \"$SMTP_USERNAME\"
  printf 'To: %s\\r\\n' \"$NOTIFY_EMAIL_TO\"
  printf 'Subject: %s %s: %s\\r\\n' \"$REPOSITORY\" \"$WORKFLOW\" \"$RESULT\"
  printf '\\r\\n%s %s for %s.\\r\\n%s\\r\\n' \"$WHAT\" \"$RESULT\" \"$REPOSITORY\" \"$RUN_URL\"
} > \"$mail\"
curl --silent --show-error --fail --ssl-reqd \\
  --url \"smtps://${SMTP_SERVER}:465\" \\
  --user \"${SMTP_USERNAME}:${SMTP_PASSWORD}\" \\
  --mail-from \"$SMTP_USERNAME\" \\
  --mail-rcpt \"$NOTIFY_EMAIL_TO\" \\
  --upload-file \"$mail\"
";
                job.steps.push(step_run_env(
                    "Send e-mail notification",
                    script,
                    Map::new()
                        .with("NOTIFY_EMAIL_TO", to)
                        .with("SMTP_SERVER", server)
                        .with("SMTP_USERNAME", user)
                        .with("SMTP_PASSWORD", pass)
                        .with("WHAT", what)
                        .with("RESULT", result)
                        .with("REPOSITORY", "${{ github.repository }}")
                        .with("WORKFLOW", "${{ github.workflow }}")
                        .with("RUN_URL", run_url),
                ));
            }
        }
        Ok(Some(job))
    }
}

/// A `run:` step.
pub(crate) fn step_run(name: &str, script: &str) -> Node {
    Map::new().with("name", name).with("run", script).into()
}

/// A `run:` step with an id.
pub(crate) fn step_run_id(name: &str, id: &str, script: &str) -> Node {
    Map::new()
        .with("name", name)
        .with("id", id)
        .with("run", script)
        .into()
}

/// A `run:` step with an id and environment variables.
pub(crate) fn step_run_env_id(name: &str, id: &str, script: &str, env: Map) -> Node {
    Map::new()
        .with("name", name)
        .with("id", id)
        .with("env", env)
        .with("run", script)
        .into()
}

/// A `run:` step with environment variables (how values reach scripts).
pub(crate) fn step_run_env(name: &str, script: &str, env: Map) -> Node {
    Map::new()
        .with("name", name)
        .with("env", env)
        .with("run", script)
        .into()
}

/// A permission scope with its reason (zizmor's pedantic persona wants one).
pub(crate) struct Permission {
    pub(crate) scope: &'static str,
    pub(crate) level: &'static str,
    pub(crate) reason: &'static str,
}

pub(crate) const READ_CONTENTS: Permission = Permission {
    scope: "contents",
    level: "read",
    reason: "check out the repository",
};
pub(crate) const ID_TOKEN: Permission = Permission {
    scope: "id-token",
    level: "write",
    reason: "request the OIDC token azure/login exchanges for an Azure access token",
};
pub(crate) const ID_TOKEN_CALLED: Permission = Permission {
    scope: "id-token",
    level: "write",
    reason: "granted to the called workflow, whose jobs log in to Azure with OIDC",
};
pub(crate) const SECURITY_EVENTS: Permission = Permission {
    scope: "security-events",
    level: "write",
    reason: "upload SARIF results to code scanning",
};
pub(crate) const ACTIONS_READ: Permission = Permission {
    scope: "actions",
    level: "read",
    reason: "let the SARIF upload read the workflow run",
};

/// A job under construction.
pub(crate) struct Job {
    pub(crate) name: String,
    pub(crate) needs: Vec<String>,
    pub(crate) if_: Option<String>,
    pub(crate) timeout: u32,
    pub(crate) environment: Option<(String, Option<String>)>,
    pub(crate) permissions: Vec<Permission>,
    pub(crate) concurrency: Option<Map>,
    pub(crate) outputs: Option<Map>,
    pub(crate) env: Option<Map>,
    pub(crate) working_directory: Option<String>,
    pub(crate) services: Option<Map>,
    pub(crate) steps: Vec<Node>,
    /// A reusable workflow call instead of steps: (uses, with, secrets).
    pub(crate) call: Option<(String, Map, Option<Map>)>,
}

impl Job {
    pub(crate) fn new(name: &str, timeout: u32) -> Self {
        Self {
            name: name.to_owned(),
            needs: Vec::new(),
            if_: None,
            timeout,
            environment: None,
            permissions: Vec::new(),
            concurrency: None,
            outputs: None,
            env: None,
            working_directory: None,
            services: None,
            steps: Vec::new(),
            call: None,
        }
    }

    pub(crate) fn into_map(self) -> Map {
        let mut m = Map::new().with("name", self.name);
        match self.needs.len() {
            0 => {}
            1 => m.push("needs", self.needs[0].clone()),
            _ => m.push("needs", str_seq(&self.needs)),
        }
        if let Some(cond) = self.if_ {
            m.push("if", cond);
        }
        let mut perms = Map::new();
        for p in &self.permissions {
            perms = if p.scope == "contents" && p.level == "read" {
                perms.with(p.scope, p.level)
            } else {
                perms.with_comment(p.scope, p.level, p.reason)
            };
        }
        if let Some((uses, with, secrets)) = self.call {
            m.push("permissions", perms);
            m.push("uses", uses);
            m.push("with", with);
            if let Some(s) = secrets {
                m.push("secrets", s);
            }
            return m;
        }
        m.push("runs-on", RUNNER);
        m.push("timeout-minutes", self.timeout);
        if let Some((name, url)) = self.environment {
            m.push(
                "environment",
                Map::new().with("name", name).with_opt("url", url),
            );
        }
        m.push("permissions", perms);
        if let Some(c) = self.concurrency {
            m.push("concurrency", c);
        }
        if let Some(o) = self.outputs {
            m.push("outputs", o);
        }
        if let Some(e) = self.env {
            m.push("env", e);
        }
        if let Some(wd) = self.working_directory {
            m.push(
                "defaults",
                Map::new().with("run", Map::new().with("working-directory", wd)),
            );
        }
        if let Some(s) = self.services {
            m.push("services", s);
        }
        m.push("steps", Node::Seq(self.steps));
        m
    }
}

/// Assembles a workflow: name, triggers, no default permissions, a
/// concurrency group, bash as the shell, and the jobs.
pub(crate) fn workflow_root(
    name: &str,
    on: Map,
    concurrency: Map,
    jobs: Vec<(String, Job)>,
) -> Map {
    let mut root = Map::new().with("name", name);
    root.push_spaced("on", on);
    root.push_spaced("permissions", Map::new());
    root.push_spaced("concurrency", concurrency);
    root.push_spaced(
        "defaults",
        Map::new().with("run", Map::new().with("shell", "bash")),
    );
    let mut jobs_map = Map::new();
    for (i, (id, job)) in jobs.into_iter().enumerate() {
        if i == 0 {
            jobs_map.push(&id, job.into_map());
        } else {
            jobs_map.push_spaced(&id, job.into_map());
        }
    }
    root.push_spaced("jobs", jobs_map);
    root
}

/// A concurrency group map.
pub(crate) fn concurrency(group: &str, cancel: impl Into<Node>) -> Map {
    Map::new()
        .with("group", group)
        .with("cancel-in-progress", cancel)
}

/// The working directory as a job default, when it is not the root.
pub(crate) fn working_dir(spec: &WorkflowSpec) -> Option<String> {
    (spec.working_directory != ".").then(|| spec.working_directory.clone())
}

/// A path inside the working directory, for `with:` inputs (which do not
/// follow `defaults.run.working-directory`).
pub(crate) fn in_wd(spec: &WorkflowSpec, rel: &str) -> String {
    if spec.working_directory == "." {
        rel.to_owned()
    } else {
        format!("{}/{}", spec.working_directory.trim_end_matches('/'), rel)
    }
}

/// Upper-snake form of an environment name, for repository-level variable names.
pub(crate) fn env_suffix(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect()
}

/// A bash function that calls a URL until it answers 2xx/3xx, used by every
/// smoke test. Retries and interval come from the spec.
pub(crate) fn smoke_test_fn(spec: &WorkflowSpec) -> String {
    format!(
        "\
smoke_test() {{
  local url=\"$1\"
  for attempt in $(seq 1 {retries}); do
    if curl --silent --show-error --fail --location --max-time 20 --output /dev/null \"$url\"; then
      echo \"Smoke test passed: $url (attempt $attempt)\"
      return 0
    fi
    echo \"Attempt $attempt/{retries} failed for $url; retrying in {interval}s\"
    sleep {interval}
  done
  echo \"::error::Smoke test failed after {retries} attempts: $url\"
  return 1
}}
",
        retries = spec.deployment.smoke_test_retries,
        interval = spec.deployment.smoke_test_interval_seconds,
    )
}

#[cfg(test)]
mod tests {
    //! One test per secure default, over a full set of every stack and target.

    use super::*;
    use crate::spec::{DeployTarget, EnvironmentSpec, Stack};
    use crate::validate::yaml::{MNode, MValue, parse};

    fn full_sets() -> Vec<GeneratedWorkflows> {
        let mut out = Vec::new();
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
                let mut spec = WorkflowSpec::new(kinds, stack);
                spec.deploy_target = Some(target);
                spec.environments = vec![
                    EnvironmentSpec {
                        name: "staging".into(),
                        production: None,
                        reviewers: vec![],
                        url: None,
                        bicep_parameters: None,
                    },
                    EnvironmentSpec {
                        name: "production".into(),
                        production: None,
                        reviewers: vec!["octocat".into()],
                        url: None,
                        bicep_parameters: None,
                    },
                ];
                spec.notification = Some(Notification::Slack {
                    webhook_secret: "SLACK_WEBHOOK_URL".into(),
                });
                out.push(generate(&spec).unwrap());
            }
        }
        out
    }

    /// Every parsed workflow with its path.
    fn workflows() -> Vec<(String, MNode)> {
        full_sets()
            .iter()
            .flat_map(|g| {
                g.workflows()
                    .map(|f| (f.path.clone(), parse(&f.content).unwrap()))
                    .collect::<Vec<_>>()
            })
            .collect()
    }

    fn jobs(wf: &MNode) -> Vec<(&str, &MNode)> {
        wf.get("jobs")
            .unwrap()
            .entries()
            .iter()
            .map(|(k, v)| (k.as_str().unwrap(), v))
            .collect()
    }

    fn steps(job: &MNode) -> &[MNode] {
        job.get("steps").map(MNode::items).unwrap_or_default()
    }

    fn uses(step: &MNode) -> Option<&str> {
        step.get("uses").and_then(MNode::as_str)
    }

    #[test]
    fn azure_login_uses_oidc_ids_never_a_credentials_secret() {
        let mut logins = 0;
        for (path, wf) in workflows() {
            for (_, job) in jobs(&wf) {
                for step in steps(job) {
                    if uses(step).is_some_and(|u| u.starts_with("azure/login@")) {
                        logins += 1;
                        let with = step.get("with").unwrap();
                        for key in ["client-id", "tenant-id", "subscription-id"] {
                            let v = with.get(key).and_then(MNode::as_str).unwrap();
                            assert!(
                                v.starts_with("${{ secrets.AZURE_")
                                    || v.starts_with("${{ vars.AZURE_"),
                                "{path}"
                            );
                        }
                        assert!(with.get("creds").is_none(), "{path}");
                    }
                }
            }
        }
        assert!(logins > 20);
    }

    #[test]
    fn id_token_write_only_on_jobs_that_log_in_or_call_a_workflow_that_does() {
        for (path, wf) in workflows() {
            assert!(!crate::validate::rules_grants_write(
                wf.get("permissions").unwrap(),
                "id-token"
            ));
            for (id, job) in jobs(&wf) {
                let grants = job
                    .get("permissions")
                    .and_then(|p| p.get("id-token"))
                    .and_then(MNode::as_str)
                    == Some("write");
                let logs_in = steps(job)
                    .iter()
                    .any(|s| uses(s).is_some_and(|u| u.starts_with("azure/login@")));
                let calls = job.get("uses").is_some();
                assert_eq!(grants, logs_in || calls, "{path} job {id}");
            }
        }
    }

    #[test]
    fn top_level_permissions_are_empty_and_every_job_lists_its_own() {
        for (path, wf) in workflows() {
            assert_eq!(
                wf.get("permissions").unwrap().value,
                MValue::Map(vec![]),
                "{path}"
            );
            for (id, job) in jobs(&wf) {
                let perms = job
                    .get("permissions")
                    .unwrap_or_else(|| panic!("{path} {id}"));
                for (scope, level) in perms.entries() {
                    let scope = scope.as_str().unwrap();
                    let level = level.as_str().unwrap();
                    let allowed = matches!(
                        (scope, level),
                        ("contents", "read")
                            | ("id-token", "write")
                            | ("security-events", "write")
                            | ("actions", "read")
                    );
                    assert!(allowed, "{path} {id}: {scope}: {level}");
                }
            }
        }
    }

    #[test]
    fn every_action_is_pinned_from_the_lock_table_with_its_version() {
        let table = PinTable::bundled().unwrap();
        for g in full_sets() {
            for f in g.workflows() {
                for line in f.content.lines().filter(|l| {
                    l.trim_start()
                        .trim_start_matches("- ")
                        .starts_with("uses: ")
                }) {
                    let value = line.split_once("uses: ").unwrap().1;
                    if value.starts_with("$/") {
                        continue;
                    }
                    let (action, rest) = value.split_once('@').unwrap();
                    let (sha, version) = rest.split_once(" # ").unwrap();
                    let pin = table.get(action).unwrap();
                    assert_eq!(
                        (sha, version),
                        (pin.sha.as_str(), pin.version.as_str()),
                        "{}",
                        f.path
                    );
                }
            }
        }
    }

    #[test]
    fn checkout_never_persists_credentials() {
        for (path, wf) in workflows() {
            for (_, job) in jobs(&wf) {
                for step in steps(job)
                    .iter()
                    .filter(|s| uses(s).is_some_and(|u| u.starts_with("actions/checkout@")))
                {
                    let v = step.get("with").and_then(|w| w.get("persist-credentials"));
                    assert_eq!(v.map(|v| &v.value), Some(&MValue::Bool(false)), "{path}");
                }
            }
        }
    }

    #[test]
    fn run_scripts_contain_no_expressions() {
        for (path, wf) in workflows() {
            for (_, job) in jobs(&wf) {
                for step in steps(job) {
                    if let Some(run) = step.get("run").and_then(MNode::as_str) {
                        assert!(!run.contains("${{"), "{path}: {run}");
                    }
                }
            }
        }
    }

    #[test]
    fn no_pull_request_target_trigger() {
        for (path, wf) in workflows() {
            assert!(
                wf.get("on").unwrap().get("pull_request_target").is_none(),
                "{path}"
            );
            assert!(
                wf.get("on").unwrap().get("workflow_run").is_none(),
                "{path}"
            );
        }
    }

    #[test]
    fn every_workflow_has_a_concurrency_group() {
        for (path, wf) in workflows() {
            let c = wf.get("concurrency").unwrap();
            assert!(
                c.get("group")
                    .and_then(MNode::as_str)
                    .is_some_and(|g| !g.is_empty()),
                "{path}"
            );
        }
    }

    #[test]
    fn every_job_with_steps_has_a_timeout() {
        for (path, wf) in workflows() {
            for (id, job) in jobs(&wf) {
                if job.get("uses").is_none() {
                    assert!(
                        matches!(job.get("timeout-minutes").map(|t| &t.value), Some(MValue::Int(n)) if *n > 0),
                        "{path} {id}"
                    );
                }
            }
        }
    }

    #[test]
    fn every_job_that_deploys_has_an_environment() {
        for (path, wf) in workflows() {
            for (id, job) in jobs(&wf) {
                let deploys = steps(job).iter().any(|s| {
                    uses(s).is_some_and(|u| u.starts_with("azure/webapps-deploy@"))
                        || s.get("run").and_then(MNode::as_str).is_some_and(|r| {
                            r.contains("az deployment group create")
                                || r.contains("az deployment sub create")
                                || r.contains("slot swap")
                                || r.contains("az containerapp update")
                                || r.contains("traffic set")
                        })
                });
                if deploys {
                    assert!(job.get("environment").is_some(), "{path} {id}");
                }
            }
        }
    }

    #[test]
    fn production_needs_reviewers_and_deploys_only_on_release_or_dispatch() {
        let g = &full_sets()[0];
        let prod = g.environments.iter().find(|e| e.production).unwrap();
        assert_eq!(prod.reviewers, vec!["octocat".to_owned()]);
        let deploy = g
            .files
            .iter()
            .find(|f| f.path.ends_with("/deploy.yml"))
            .unwrap();
        let wf = parse(&deploy.content).unwrap();
        let cond = wf
            .get("jobs")
            .unwrap()
            .get("deploy-production")
            .unwrap()
            .get("if")
            .unwrap()
            .as_str()
            .unwrap();
        assert!(
            cond.contains("github.event_name == 'release'") && !cond.contains("'push'"),
            "{cond}"
        );
    }

    #[test]
    fn output_is_deterministic() {
        assert_eq!(full_sets(), full_sets());
    }
}
