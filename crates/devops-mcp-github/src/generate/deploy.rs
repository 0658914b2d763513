//! The `deploy` workflow: build once, then per environment run the
//! infrastructure and migration workflows (when generated), deploy and smoke
//! test; blue-green through a slot swap on Azure Web App, canary through a
//! revision traffic split on Azure Container Apps; roll back on failure and on
//! demand.

use crate::Error;
use crate::emit::{Map, Node, str_seq};
use crate::spec::{DeployTarget, EnvironmentSpec, IdentitySource, Notification, WorkflowKind};

use super::stack;
use super::{
    A_DOWNLOAD, A_UPLOAD, A_WEBAPPS_DEPLOY, Ctx, ID_TOKEN, ID_TOKEN_CALLED, Job, READ_CONTENTS,
    SettingScope, concurrency, display_name, file_path, smoke_test_fn, stem, step_run,
    step_run_env, step_run_env_id, step_run_id, working_dir,
};

/// How the application ships.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Shipping {
    /// A code package deployed to a Web App.
    Code,
    /// A container image pushed to Azure Container Registry.
    Image,
}

fn shipping(ctx: &Ctx<'_>) -> Shipping {
    match ctx.spec.deploy_target {
        Some(DeployTarget::AzureWebapp) if !ctx.spec.stack.ships_as_image() => Shipping::Code,
        _ => Shipping::Image,
    }
}

pub(crate) fn workflow(ctx: &mut Ctx<'_>) -> Result<Map, Error> {
    let spec = ctx.spec;
    let target = spec.deploy_target.unwrap_or(DeployTarget::AzureWebapp);
    let env_names: Vec<String> = spec.environments.iter().map(|e| e.name.clone()).collect();
    let default_env = env_names.first().cloned().unwrap_or_default();
    let on = Map::new()
        .with(
            "push",
            Map::new().with("branches", str_seq([&spec.default_branch])),
        )
        .with("release", Map::new().with("types", str_seq(["published"])))
        .with(
            "workflow_dispatch",
            Map::new().with(
                "inputs",
                Map::new()
                    .with(
                        "environment",
                        Map::new()
                            .with("description", "Environment to deploy to or roll back")
                            .with("type", "choice")
                            .with("required", true)
                            .with("default", default_env)
                            .with("options", str_seq(&env_names)),
                    )
                    .with(
                        "action",
                        Map::new()
                            .with(
                                "description",
                                "Deploy the current commit, or roll back to the previous version",
                            )
                            .with("type", "choice")
                            .with("required", true)
                            .with("default", "deploy")
                            .with("options", str_seq(["deploy", "rollback"])),
                    ),
            ),
        );
    let own = stem(spec, WorkflowKind::Deploy);
    let group = format!("{own}-${{{{ github.ref }}}}");

    let mut jobs: Vec<(String, Job)> = vec![("build".to_owned(), build_job(ctx)?)];
    let mut deploy_ids = Vec::new();
    for production in [false, true] {
        let mut previous: Option<String> = None;
        for (index, env) in spec.environments.iter().enumerate() {
            if env.is_production() != production {
                continue;
            }
            ctx.use_environment(index);
            let cond = deploy_condition(env);
            let mut chain_needs: Vec<String> = previous.iter().cloned().collect();
            if spec.has(WorkflowKind::Infrastructure) {
                let id = format!("infrastructure-{}", env.name);
                let job = call_job(
                    ctx,
                    &format!("Infrastructure ({})", env.name),
                    WorkflowKind::Infrastructure,
                    env,
                    &chain_needs,
                    &cond,
                );
                jobs.push((id.clone(), job));
                chain_needs = vec![id];
            }
            if spec.has(WorkflowKind::DatabaseMigration) {
                let id = format!("migrate-{}", env.name);
                let job = call_job(
                    ctx,
                    &format!("Database migration ({})", env.name),
                    WorkflowKind::DatabaseMigration,
                    env,
                    &chain_needs,
                    &cond,
                );
                jobs.push((id.clone(), job));
                chain_needs = vec![id];
            }
            let id = format!("deploy-{}", env.name);
            let mut needs = vec!["build".to_owned()];
            needs.extend(chain_needs);
            let job = match target {
                DeployTarget::AzureWebapp => webapp_job(ctx, env, needs, &cond, &own)?,
                DeployTarget::AzureContainerApps => containerapp_job(ctx, env, needs, &cond, &own)?,
            };
            jobs.push((id.clone(), job));
            deploy_ids.push(id.clone());
            previous = Some(id);
        }
    }
    jobs.push(("rollback".to_owned(), rollback_job(ctx, target, &own)?));
    let mut notify_needs = deploy_ids;
    notify_needs.push("rollback".to_owned());
    if let Some(job) = ctx.notify_job(&notify_needs, false, "Deployment")? {
        jobs.push(("notify".to_owned(), job));
    }
    Ok(super::workflow_root(
        &display_name(spec, "Deploy"),
        on,
        concurrency(&group, false),
        jobs,
    ))
}

/// When a deploy job for `env` runs: non-production on push to the default
/// branch, production on a published release, either on manual dispatch.
/// `!cancelled() && !failure()` lets a job run when an earlier optional job was
/// skipped but never after a failure.
fn deploy_condition(env: &EnvironmentSpec) -> String {
    let event = if env.is_production() {
        "release"
    } else {
        "push"
    };
    format!(
        "!cancelled() && !failure() && (github.event_name == '{event}' || (github.event_name == 'workflow_dispatch' && inputs.action == 'deploy' && inputs.environment == '{}'))",
        env.name
    )
}

fn build_job(ctx: &mut Ctx<'_>) -> Result<Job, Error> {
    let spec = ctx.spec;
    let mut job = Job::new("Build", 30);
    job.if_ =
        Some("github.event_name != 'workflow_dispatch' || inputs.action == 'deploy'".to_owned());
    job.permissions.push(READ_CONTENTS);
    job.working_directory = working_dir(spec);
    job.steps.push(ctx.checkout()?);
    match shipping(ctx) {
        Shipping::Code => {
            // No dependency caches here: a release must not restore state
            // that an untrusted run could have written (cache poisoning).
            job.steps.extend(stack::setup(ctx, false)?);
            if let Some(install) = stack::install(spec) {
                job.steps.push(step_run("Install dependencies", &install));
            }
            if let Some(build) = stack::build(spec) {
                job.steps.push(step_run("Build", &build));
            }
            if let Some(prep) = stack::package_prepare(spec) {
                job.steps
                    .push(step_run("Prepare the deployment package", &prep));
            }
            job.steps.push(
                ctx.step_uses(
                    "Upload the deployment package",
                    A_UPLOAD,
                    Some(
                        Map::new()
                            .with("name", "app")
                            .with("path", stack::package_path(spec))
                            .with("if-no-files-found", "error")
                            .with("retention-days", 7u32),
                    ),
                )?,
            );
        }
        Shipping::Image => {
            job.steps
                .push(ctx.step_uses("Set up Docker Buildx", super::A_BUILDX, None)?);
            job.steps.push(stack::build_image(
                ctx,
                &format!("{}:${{{{ github.sha }}}}", spec.image_name()),
                Some("${{ runner.temp }}/image.tar"),
            )?);
            job.steps.push(
                ctx.step_uses(
                    "Upload the image archive",
                    A_UPLOAD,
                    Some(
                        Map::new()
                            .with("name", "image")
                            .with("path", "${{ runner.temp }}/image.tar")
                            .with("if-no-files-found", "error")
                            .with("retention-days", 7u32),
                    ),
                )?,
            );
        }
    }
    Ok(job)
}

/// A job calling the infrastructure or migration workflow for one environment.
fn call_job(
    ctx: &mut Ctx<'_>,
    name: &str,
    kind: WorkflowKind,
    env: &EnvironmentSpec,
    needs: &[String],
    cond: &str,
) -> Job {
    let mut job = Job::new(name, 0);
    job.needs = needs.to_vec();
    job.if_ = Some(cond.to_owned());
    job.permissions.push(READ_CONTENTS);
    job.permissions.push(ID_TOKEN_CALLED);
    let secrets = called_secrets(ctx, kind);
    let secrets_map = (!secrets.is_empty()).then(|| {
        let mut m = Map::new();
        for s in &secrets {
            m.push(s, format!("${{{{ secrets.{s} }}}}"));
        }
        m
    });
    job.call = Some((
        format!("$/{}", file_path(ctx.spec, kind)),
        Map::new().with("environment", env.name.clone()),
        secrets_map,
    ));
    job
}

/// Secrets a called workflow declares (and the caller passes on): the Azure
/// identity when it lives in secrets, the database URL of migrations, and the
/// notification secrets. Environment-level secrets still take precedence in
/// the called jobs, which declare the environment.
pub(crate) fn called_secrets(ctx: &Ctx<'_>, kind: WorkflowKind) -> Vec<String> {
    let spec = ctx.spec;
    let mut out = Vec::new();
    if spec.azure_identity == IdentitySource::Secrets {
        out.extend(
            [
                "AZURE_CLIENT_ID",
                "AZURE_TENANT_ID",
                "AZURE_SUBSCRIPTION_ID",
            ]
            .map(str::to_owned),
        );
    }
    if kind == WorkflowKind::DatabaseMigration {
        out.push("DATABASE_URL".to_owned());
        match &spec.notification {
            Some(Notification::Slack { webhook_secret }) => out.push(webhook_secret.clone()),
            Some(Notification::Email {
                to_secret,
                server_secret,
                username_secret,
                password_secret,
            }) => out.extend(
                [to_secret, server_secret, username_secret, password_secret].map(Clone::clone),
            ),
            None => {}
        }
    }
    out
}

fn env_scope(env: &EnvironmentSpec) -> SettingScope {
    SettingScope::Environment(env.name.clone())
}

fn deploy_job_base(
    env: &EnvironmentSpec,
    needs: Vec<String>,
    cond: &str,
    own: &str,
    timeout: u32,
) -> Job {
    let mut job = Job::new(&format!("Deploy to {}", env.name), timeout);
    job.needs = needs;
    job.if_ = Some(cond.to_owned());
    job.environment = Some((env.name.clone(), env.url.clone()));
    job.permissions.push(ID_TOKEN);
    job.concurrency = Some(concurrency(&format!("{own}-{}", env.name), false));
    job
}

fn download(ctx: &Ctx<'_>, name: &str) -> Result<Node, Error> {
    ctx.step_uses(
        &format!(
            "Download the {} artifact",
            if name == "app" {
                "deployment package"
            } else {
                "image"
            }
        ),
        A_DOWNLOAD,
        Some(
            Map::new()
                .with("name", name)
                .with("path", format!("${{{{ runner.temp }}}}/{name}")),
        ),
    )
}

/// Loads the image archive, pushes it to the environment's registry and
/// outputs its full reference.
fn push_image_script(image: &str) -> String {
    format!(
        "\
docker load --input \"$RUNNER_TEMP/image/image.tar\"
login_server=$(az acr show --name \"$AZURE_CONTAINER_REGISTRY\" --query loginServer --output tsv)
az acr login --name \"$AZURE_CONTAINER_REGISTRY\"
target=\"${{login_server}}/{image}:${{GITHUB_SHA}}\"
docker tag \"{image}:${{GITHUB_SHA}}\" \"$target\"
docker push \"$target\"
echo \"image=$target\" >> \"$GITHUB_OUTPUT\"
"
    )
}

fn webapp_job(
    ctx: &mut Ctx<'_>,
    env: &EnvironmentSpec,
    needs: Vec<String>,
    cond: &str,
    own: &str,
) -> Result<Job, Error> {
    let spec = ctx.spec;
    let scope = env_scope(env);
    let mut job = deploy_job_base(env, needs, cond, own, 45);
    let rg = ctx.var(
        "AZURE_RESOURCE_GROUP",
        scope.clone(),
        "Resource group of the environment's Azure resources",
    );
    let app = ctx.var(
        "AZURE_WEBAPP_NAME",
        scope.clone(),
        "Name of the Azure Web App (it needs a deployment slot named in the pipeline document)",
    );
    let mut env_map = Map::new()
        .with("AZURE_RESOURCE_GROUP", rg.clone())
        .with("AZURE_WEBAPP_NAME", app.clone())
        .with("SLOT", spec.deployment.slot_name.clone());
    let image = shipping(ctx) == Shipping::Image;
    if image {
        let acr = ctx.var(
            "AZURE_CONTAINER_REGISTRY",
            scope.clone(),
            "Name of the Azure Container Registry the Web App pulls from",
        );
        env_map.push("AZURE_CONTAINER_REGISTRY", acr);
    }
    job.env = Some(env_map);
    job.steps
        .push(download(ctx, if image { "image" } else { "app" })?);
    job.steps.push(ctx.azure_login(&[scope])?);
    let mut with = Map::new()
        .with("app-name", app)
        .with("resource-group-name", rg)
        .with("slot-name", spec.deployment.slot_name.clone());
    if image {
        job.steps.push(step_run_id(
            "Push the image to Azure Container Registry",
            "push",
            &push_image_script(&spec.image_name()),
        ));
        with.push("images", "${{ steps.push.outputs.image }}");
    } else {
        with.push("package", "${{ runner.temp }}/app");
    }
    job.steps.push(ctx.step_uses(
        &format!("Deploy to the {} slot", spec.deployment.slot_name),
        A_WEBAPPS_DEPLOY,
        Some(with),
    )?);
    let smoke = smoke_test_fn(spec);
    let health = &spec.deployment.health_path;
    job.steps.push(step_run(
        "Smoke test the slot",
        &format!(
            "{smoke}host=$(az webapp show --resource-group \"$AZURE_RESOURCE_GROUP\" --name \"$AZURE_WEBAPP_NAME\" --slot \"$SLOT\" --query defaultHostName --output tsv)\nsmoke_test \"https://${{host}}{health}\"\n"
        ),
    ));
    job.steps.push(step_run_id(
        "Swap the slot into production",
        "swap",
        "az webapp deployment slot swap --resource-group \"$AZURE_RESOURCE_GROUP\" --name \"$AZURE_WEBAPP_NAME\" --slot \"$SLOT\" --target-slot production\n",
    ));
    job.steps.push(step_run(
        "Smoke test production",
        &format!(
            "{smoke}host=$(az webapp show --resource-group \"$AZURE_RESOURCE_GROUP\" --name \"$AZURE_WEBAPP_NAME\" --query defaultHostName --output tsv)\nsmoke_test \"https://${{host}}{health}\"\n"
        ),
    ));
    job.steps.push(
        Map::new()
            .with("name", "Roll back (swap the previous version back)")
            .with("if", "failure() && steps.swap.outcome == 'success'")
            .with(
                "run",
                "az webapp deployment slot swap --resource-group \"$AZURE_RESOURCE_GROUP\" --name \"$AZURE_WEBAPP_NAME\" --slot \"$SLOT\" --target-slot production\necho \"::warning::Rolled back: the previous version is in production again\"\n",
            )
            .into(),
    );
    Ok(job)
}

const CONTAINERAPP_ARGS: &str = "app=(--name \"$AZURE_CONTAINERAPP_NAME\" --resource-group \"$AZURE_RESOURCE_GROUP\" --only-show-errors)\n";

fn containerapp_job(
    ctx: &mut Ctx<'_>,
    env: &EnvironmentSpec,
    needs: Vec<String>,
    cond: &str,
    own: &str,
) -> Result<Job, Error> {
    let spec = ctx.spec;
    let scope = env_scope(env);
    let d = &spec.deployment;
    let mut job = deploy_job_base(env, needs, cond, own, 60 + d.canary_minutes);
    let rg = ctx.var(
        "AZURE_RESOURCE_GROUP",
        scope.clone(),
        "Resource group of the environment's Azure resources",
    );
    let app = ctx.var(
        "AZURE_CONTAINERAPP_NAME",
        scope.clone(),
        "Name of the Azure Container App (ingress enabled)",
    );
    let acr = ctx.var("AZURE_CONTAINER_REGISTRY", scope.clone(), "Name of the Azure Container Registry the Container App pulls from (grant the app's identity AcrPull)");
    job.env = Some(
        Map::new()
            .with("AZURE_RESOURCE_GROUP", rg)
            .with("AZURE_CONTAINERAPP_NAME", app)
            .with("AZURE_CONTAINER_REGISTRY", acr),
    );
    job.steps.push(download(ctx, "image")?);
    job.steps.push(ctx.azure_login(&[scope])?);
    job.steps.push(step_run_id(
        "Push the image to Azure Container Registry",
        "push",
        &push_image_script(&spec.image_name()),
    ));
    let canary = d.canary_percent;
    let stable = 100 - canary;
    job.steps.push(step_run_env_id(
        &format!("Create the new revision with {canary}% of traffic"),
        "canary",
        &format!(
            "\
az config set extension.use_dynamic_install=yes_without_prompt --only-show-errors
{CONTAINERAPP_ARGS}az containerapp revision set-mode \"${{app[@]}}\" --mode multiple > /dev/null
previous=$(az containerapp show \"${{app[@]}}\" --query properties.latestReadyRevisionName --output tsv)
if [ -n \"$previous\" ]; then
  # Pin all traffic to the running revision so the new one starts at 0%.
  az containerapp ingress traffic set \"${{app[@]}}\" --revision-weight \"$previous=100\" > /dev/null
fi
suffix=\"r${{GITHUB_RUN_ID}}-${{GITHUB_RUN_ATTEMPT}}\"
az containerapp update \"${{app[@]}}\" --image \"$IMAGE\" --revision-suffix \"$suffix\" > /dev/null
new=\"${{AZURE_CONTAINERAPP_NAME}}--${{suffix}}\"
echo \"previous=$previous\" >> \"$GITHUB_OUTPUT\"
echo \"new=$new\" >> \"$GITHUB_OUTPUT\"
ready=\"\"
for attempt in $(seq 1 60); do
  state=$(az containerapp revision show \"${{app[@]}}\" --revision \"$new\" --query properties.runningState --output tsv)
  case \"$state\" in
    Running|RunningAtMaxScale) ready=yes; break ;;
    Failed|Degraded) echo \"::error::Revision $new is $state\"; exit 1 ;;
  esac
  echo \"Revision $new is ${{state:-provisioning}} (check $attempt/60)\"
  sleep 10
done
if [ -z \"$ready\" ]; then
  echo \"::error::Revision $new did not start in 10 minutes\"
  exit 1
fi
if [ -n \"$previous\" ] && [ \"$previous\" != \"$new\" ]; then
  az containerapp ingress traffic set \"${{app[@]}}\" --revision-weight \"$previous={stable}\" \"$new={canary}\" > /dev/null
else
  az containerapp ingress traffic set \"${{app[@]}}\" --revision-weight \"$new=100\" > /dev/null
fi
"
        ),
        Map::new().with("IMAGE", "${{ steps.push.outputs.image }}"),
    ));
    let smoke = smoke_test_fn(spec);
    let health = &d.health_path;
    let revisions = Map::new()
        .with("NEW_REVISION", "${{ steps.canary.outputs.new }}")
        .with("PREVIOUS_REVISION", "${{ steps.canary.outputs.previous }}");
    job.steps.push(step_run_env(
        "Smoke test the new revision",
        &format!(
            "{smoke}{CONTAINERAPP_ARGS}fqdn=$(az containerapp revision show \"${{app[@]}}\" --revision \"$NEW_REVISION\" --query properties.fqdn --output tsv)\nsmoke_test \"https://${{fqdn}}{health}\"\n"
        ),
        revisions.clone(),
    ));
    let wait = if d.canary_minutes > 0 {
        format!(
            "echo \"Canary runs with {canary}% of traffic for {m} minute(s)\"\nsleep {s}\n",
            m = d.canary_minutes,
            s = d.canary_minutes * 60
        )
    } else {
        String::new()
    };
    job.steps.push(step_run(
        "Observe the canary",
        &format!(
            "{smoke}{wait}{CONTAINERAPP_ARGS}fqdn=$(az containerapp show \"${{app[@]}}\" --query properties.configuration.ingress.fqdn --output tsv)\nsmoke_test \"https://${{fqdn}}{health}\"\n"
        ),
    ));
    job.steps.push(step_run_env(
        "Promote the new revision to 100% of traffic",
        &format!(
            "{smoke}{CONTAINERAPP_ARGS}az containerapp ingress traffic set \"${{app[@]}}\" --revision-weight \"$NEW_REVISION=100\" > /dev/null\nfqdn=$(az containerapp show \"${{app[@]}}\" --query properties.configuration.ingress.fqdn --output tsv)\nsmoke_test \"https://${{fqdn}}{health}\"\n"
        ),
        revisions.clone(),
    ));
    job.steps.push(
        Map::new()
            .with("name", "Roll back (all traffic to the previous revision)")
            .with("if", "failure() && steps.canary.outputs.previous != ''")
            .with("env", revisions)
            .with(
                "run",
                format!(
                    "{CONTAINERAPP_ARGS}az containerapp ingress traffic set \"${{app[@]}}\" --revision-weight \"$PREVIOUS_REVISION=100\" > /dev/null\nif [ -n \"$NEW_REVISION\" ]; then\n  az containerapp revision deactivate \"${{app[@]}}\" --revision \"$NEW_REVISION\" > /dev/null || true\nfi\necho \"::warning::Rolled back: all traffic is on $PREVIOUS_REVISION again\"\n"
                ),
            )
            .into(),
    );
    Ok(job)
}

/// Manual rollback of one environment (workflow_dispatch with action=rollback).
fn rollback_job(ctx: &mut Ctx<'_>, target: DeployTarget, own: &str) -> Result<Job, Error> {
    let spec = ctx.spec;
    let mut job = Job::new("Roll back ${{ inputs.environment }}", 30);
    job.if_ =
        Some("github.event_name == 'workflow_dispatch' && inputs.action == 'rollback'".to_owned());
    job.environment = Some(("${{ inputs.environment }}".to_owned(), None));
    job.permissions.push(ID_TOKEN);
    job.concurrency = Some(concurrency(
        &format!("{own}-${{{{ inputs.environment }}}}"),
        false,
    ));
    let scopes: Vec<SettingScope> = spec
        .environments
        .iter()
        .map(|e| SettingScope::Environment(e.name.clone()))
        .collect();
    let rg = ctx.var_all_envs(
        "AZURE_RESOURCE_GROUP",
        "Resource group of the environment's Azure resources",
    );
    let smoke = smoke_test_fn(spec);
    let health = &spec.deployment.health_path;
    match target {
        DeployTarget::AzureWebapp => {
            let app = ctx.var_all_envs("AZURE_WEBAPP_NAME", "Name of the Azure Web App (it needs a deployment slot named in the pipeline document)");
            job.env = Some(
                Map::new()
                    .with("AZURE_RESOURCE_GROUP", rg)
                    .with("AZURE_WEBAPP_NAME", app)
                    .with("SLOT", spec.deployment.slot_name.clone()),
            );
            job.steps.push(ctx.azure_login(&scopes)?);
            job.steps.push(step_run(
                "Swap the previous version back into production",
                &format!(
                    "{smoke}az webapp deployment slot swap --resource-group \"$AZURE_RESOURCE_GROUP\" --name \"$AZURE_WEBAPP_NAME\" --slot \"$SLOT\" --target-slot production\nhost=$(az webapp show --resource-group \"$AZURE_RESOURCE_GROUP\" --name \"$AZURE_WEBAPP_NAME\" --query defaultHostName --output tsv)\nsmoke_test \"https://${{host}}{health}\"\n"
                ),
            ));
        }
        DeployTarget::AzureContainerApps => {
            let app = ctx.var_all_envs(
                "AZURE_CONTAINERAPP_NAME",
                "Name of the Azure Container App (ingress enabled)",
            );
            job.env = Some(
                Map::new()
                    .with("AZURE_RESOURCE_GROUP", rg)
                    .with("AZURE_CONTAINERAPP_NAME", app),
            );
            job.steps.push(ctx.azure_login(&scopes)?);
            job.steps.push(step_run(
                "Send all traffic to the previous revision",
                &format!(
                    "{smoke}az config set extension.use_dynamic_install=yes_without_prompt --only-show-errors\n{CONTAINERAPP_ARGS}current=$(az containerapp ingress traffic show \"${{app[@]}}\" --query \"max_by(@, &weight).revisionName\" --output tsv)\nprevious=$(az containerapp revision list \"${{app[@]}}\" --query \"sort_by([?properties.active], &properties.createdTime)[].name\" --output tsv | grep --invert-match --line-regexp --fixed-strings \"$current\" | tail -n 1 || true)\nif [ -z \"$previous\" ]; then\n  echo \"::error::No earlier active revision to roll back to (current: $current)\"\n  exit 1\nfi\naz containerapp ingress traffic set \"${{app[@]}}\" --revision-weight \"$previous=100\" > /dev/null\necho \"Traffic moved from $current to $previous\"\nfqdn=$(az containerapp show \"${{app[@]}}\" --query properties.configuration.ingress.fqdn --output tsv)\nsmoke_test \"https://${{fqdn}}{health}\"\n"
                ),
            ));
        }
    }
    Ok(job)
}
