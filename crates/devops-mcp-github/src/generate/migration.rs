//! The `database-migration` workflow: for one environment (chosen by hand or
//! by the deploy workflow, after infrastructure and before the application),
//! take an on-demand server backup, record the applied migrations, migrate,
//! validate, and migrate back to the recorded state on failure. Production
//! approval comes from the environment's required reviewers.

use crate::Error;
use crate::emit::{Map, str_seq};
use crate::spec::{MigrationTool, PythonPackageManager, WorkflowKind};

use super::deploy::called_secrets;
use super::stack;
use super::{
    Ctx, ID_TOKEN, Job, READ_CONTENTS, SettingScope, concurrency, display_name, stem, step_run,
    step_run_id, working_dir,
};

pub(crate) fn workflow(ctx: &mut Ctx<'_>) -> Result<Map, Error> {
    let spec = ctx.spec;
    let env_names: Vec<String> = spec.environments.iter().map(|e| e.name.clone()).collect();
    for i in 0..spec.environments.len() {
        ctx.use_environment(i);
    }
    let mut call = Map::new().with(
        "inputs",
        Map::new().with(
            "environment",
            Map::new()
                .with("description", "Environment whose database to migrate")
                .with("type", "string")
                .with("required", true),
        ),
    );
    let secrets = called_secrets(ctx, WorkflowKind::DatabaseMigration);
    if !secrets.is_empty() {
        let mut m = Map::new();
        for s in &secrets {
            m.push(s, Map::new().with("required", false));
        }
        call.push("secrets", m);
    }
    let on = Map::new()
        .with(
            "workflow_dispatch",
            Map::new().with(
                "inputs",
                Map::new().with(
                    "environment",
                    Map::new()
                        .with("description", "Environment whose database to migrate")
                        .with("type", "choice")
                        .with("required", true)
                        .with("options", str_seq(&env_names)),
                ),
            ),
        )
        .with("workflow_call", call);
    let own = stem(spec, WorkflowKind::DatabaseMigration);
    let group = format!("{own}-${{{{ inputs.environment }}}}");
    let mut jobs = vec![("migrate".to_owned(), migrate_job(ctx)?)];
    if let Some(job) = ctx.notify_job(&["migrate".to_owned()], false, "Database migration")? {
        jobs.push(("notify".to_owned(), job));
    }
    Ok(super::workflow_root(
        &display_name(spec, "Database migration"),
        on,
        concurrency(&group, false),
        jobs,
    ))
}

fn migrate_job(ctx: &mut Ctx<'_>) -> Result<Job, Error> {
    let spec = ctx.spec;
    let tool = spec.migration_tool().unwrap_or(MigrationTool::Alembic);
    let p = if spec.python_manager() == PythonPackageManager::Uv {
        "uv run "
    } else {
        ""
    };
    let mut job = Job::new("Migrate ${{ inputs.environment }}", 60);
    job.environment = Some(("${{ inputs.environment }}".to_owned(), None));
    job.permissions.push(READ_CONTENTS);
    job.permissions.push(ID_TOKEN);
    let db = ctx.secret_all_envs(
        "DATABASE_URL",
        "Connection URL of the environment's database (the application settings and migrations read DATABASE_URL)",
    );
    let rg = ctx.var_all_envs(
        "AZURE_RESOURCE_GROUP",
        "Resource group of the environment's Azure resources",
    );
    let server = ctx.var_all_envs(
        "AZURE_POSTGRES_SERVER",
        "Name of the Azure Database for PostgreSQL flexible server (for the pre-migration backup)",
    );
    job.env = Some(
        Map::new()
            .with("DATABASE_URL", db)
            .with("AZURE_RESOURCE_GROUP", rg)
            .with("AZURE_POSTGRES_SERVER", server),
    );
    job.working_directory = working_dir(spec);
    job.steps.push(ctx.checkout()?);
    job.steps.extend(stack::setup(ctx, false)?);
    if let Some(install) = stack::install(spec) {
        job.steps.push(step_run("Install dependencies", &install));
    }
    let scopes: Vec<SettingScope> = spec
        .environments
        .iter()
        .map(|e| SettingScope::Environment(e.name.clone()))
        .collect();
    job.steps.push(ctx.azure_login(&scopes)?);
    job.steps.push(step_run(
        "Back up the database server",
        "backup=\"pre-migration-${GITHUB_RUN_ID}-${GITHUB_RUN_ATTEMPT}\"\naz postgres flexible-server backup create --resource-group \"$AZURE_RESOURCE_GROUP\" --name \"$AZURE_POSTGRES_SERVER\" --backup-name \"$backup\" --only-show-errors\necho \"On-demand backup $backup of $AZURE_POSTGRES_SERVER created\" >> \"$GITHUB_STEP_SUMMARY\"\n",
    ));
    match tool {
        MigrationTool::Django => {
            job.steps.push(step_run_id(
                "Record the applied migrations",
                "before",
                &format!("{p}python manage.py showmigrations --plan > \"$RUNNER_TEMP/migrations-before.txt\"\n"),
            ));
            job.steps.push(step_run(
                "Migrate",
                &format!("{p}python manage.py migrate --noinput\n"),
            ));
            job.steps.push(step_run(
                "Validate",
                &format!("{p}python manage.py migrate --check\n{p}python manage.py check --database default\n"),
            ));
            job.steps.push(
                Map::new()
                    .with("name", "Roll back to the recorded migrations")
                    .with("if", "failure() && steps.before.outcome == 'success'")
                    .with("run", django_rollback(p))
                    .into(),
            );
        }
        MigrationTool::Alembic => {
            job.steps.push(step_run_id(
                "Record the current revision",
                "before",
                &format!("revision=$({p}alembic current | awk 'NF {{ print $1 }}' | head -n 1)\necho \"revision=$revision\" >> \"$GITHUB_OUTPUT\"\necho \"Revision before migrating: ${{revision:-base}}\"\n"),
            ));
            job.steps
                .push(step_run("Migrate", &format!("{p}alembic upgrade head\n")));
            job.steps.push(step_run(
                "Validate",
                &format!("current=$({p}alembic current | awk 'NF {{ print $1 }}' | sort)\nheads=$({p}alembic heads | awk 'NF {{ print $1 }}' | sort)\nif [ \"$current\" != \"$heads\" ]; then\n  echo \"::error::Database is at '$current', expected the heads '$heads'\"\n  exit 1\nfi\n"),
            ));
            job.steps.push(
                Map::new()
                    .with("name", "Roll back to the recorded revision")
                    .with("if", "failure() && steps.before.outcome == 'success'")
                    .with("env", Map::new().with("REVISION", "${{ steps.before.outputs.revision }}"))
                    .with("run", format!("{p}alembic downgrade \"${{REVISION:-base}}\"\necho \"::warning::Migrations rolled back to ${{REVISION:-base}}\"\n"))
                    .into(),
            );
        }
    }
    Ok(job)
}

/// Migrates every app whose applied migrations changed back to its last
/// migration before the run (or `zero`), newest apps first.
fn django_rollback(p: &str) -> String {
    format!(
        r#"{p}python manage.py showmigrations --plan > "$RUNNER_TEMP/migrations-after.txt"
python3 - "$RUNNER_TEMP/migrations-before.txt" "$RUNNER_TEMP/migrations-after.txt" > "$RUNNER_TEMP/rollback.txt" <<'PY'
import re
import sys


def parse(path):
    rows = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            m = re.match(r"\s*\[(X| )\]\s+(\w+)\.(\w+)", line)
            if m:
                rows.append((m.group(1) == "X", m.group(2), m.group(3)))
    return rows


before = {{}}
for applied, app, name in parse(sys.argv[1]):
    if applied:
        before[app] = name
after = {{}}
order = []
for applied, app, name in parse(sys.argv[2]):
    if app not in order:
        order.append(app)
    if applied:
        after[app] = name
for app in reversed(order):
    if after.get(app) != before.get(app):
        print(app, before.get(app, "zero"))
PY
while read -r app target; do
  {p}python manage.py migrate "$app" "$target" --noinput
done < "$RUNNER_TEMP/rollback.txt"
echo "::warning::Migrations rolled back to the state before this run"
"#
    )
}
