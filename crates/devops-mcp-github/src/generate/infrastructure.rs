//! The `infrastructure` workflow: Bicep what-if for every environment on pull
//! request (written to the job summary), deploy on the default branch (or when
//! the deploy workflow calls it, or by hand), one environment at a time.

use crate::Error;
use crate::emit::{Map, str_seq};
use crate::spec::{BicepScope, EnvironmentSpec, WorkflowKind};

use super::deploy::called_secrets;
use super::{
    Ctx, ID_TOKEN, Job, READ_CONTENTS, SettingScope, concurrency, display_name, env_suffix,
    file_path, stem, step_run, step_run_env,
};

pub(crate) fn workflow(ctx: &mut Ctx<'_>) -> Result<Map, Error> {
    let spec = ctx.spec;
    let infra = spec.infrastructure_or_default();
    let dir = match infra.bicep_path.rsplit_once('/') {
        Some((d, _)) => format!("{d}/**"),
        None => "*.bicep".to_owned(),
    };
    let mut paths = vec![dir, file_path(spec, WorkflowKind::Infrastructure)];
    for env in &spec.environments {
        if let Some(p) = &env.bicep_parameters
            && !paths.iter().any(|x| x == p)
        {
            paths.push(p.clone());
        }
    }
    let env_names: Vec<String> = spec.environments.iter().map(|e| e.name.clone()).collect();
    let filter = Map::new()
        .with("branches", str_seq([&spec.default_branch]))
        .with("paths", str_seq(&paths));
    let mut on = Map::new().with("pull_request", filter.clone());
    // When the deploy workflow is generated too, it runs this one (through
    // workflow_call) before migrating and deploying; a push trigger here would
    // deploy the same change twice.
    if !spec.has(WorkflowKind::Deploy) {
        on.push("push", filter);
    }
    on.push(
        "workflow_dispatch",
        Map::new().with(
            "inputs",
            Map::new().with(
                "environment",
                Map::new()
                    .with("description", "Environment to deploy the infrastructure to")
                    .with("type", "choice")
                    .with("required", true)
                    .with("options", str_seq(&env_names)),
            ),
        ),
    );
    let mut call = Map::new().with(
        "inputs",
        Map::new().with(
            "environment",
            Map::new()
                .with("description", "Environment to deploy the infrastructure to")
                .with("type", "string")
                .with("required", true),
        ),
    );
    let secrets = called_secrets(ctx, WorkflowKind::Infrastructure);
    if !secrets.is_empty() {
        let mut m = Map::new();
        for s in &secrets {
            m.push(s, Map::new().with("required", false));
        }
        call.push("secrets", m);
    }
    on.push("workflow_call", call);

    let own = stem(spec, WorkflowKind::Infrastructure);
    let group = format!("{own}-${{{{ inputs.environment || github.ref }}}}");
    let mut jobs = Vec::new();
    for env in &spec.environments {
        jobs.push((format!("what-if-{}", env.name), what_if_job(ctx, env)?));
    }
    for production in [false, true] {
        let mut previous: Option<String> = None;
        for (index, env) in spec.environments.iter().enumerate() {
            if env.is_production() != production {
                continue;
            }
            ctx.use_environment(index);
            let id = format!("deploy-{}", env.name);
            let job = deploy_job(ctx, env, previous.as_deref(), &own)?;
            jobs.push((id.clone(), job));
            previous = Some(id);
        }
    }
    Ok(super::workflow_root(
        &display_name(spec, "Infrastructure"),
        on,
        concurrency(&group, false),
        jobs,
    ))
}

/// The `az deployment` arguments shared by what-if and create.
fn deployment_args(ctx: &Ctx<'_>, env: &EnvironmentSpec) -> String {
    let infra = ctx.spec.infrastructure_or_default();
    let mut args = match infra.scope {
        BicepScope::ResourceGroup => "group".to_owned(),
        BicepScope::Subscription => "sub".to_owned(),
    };
    args.push_str(" {verb} ");
    match infra.scope {
        BicepScope::ResourceGroup => args.push_str("--resource-group \"$AZURE_RESOURCE_GROUP\" "),
        BicepScope::Subscription => {
            args.push_str(&format!(
                "--location {} ",
                infra.location.unwrap_or_default()
            ));
        }
    }
    args.push_str(&format!(
        "--name \"{}-${{GITHUB_RUN_ID}}\" --template-file {}",
        env.name, infra.bicep_path
    ));
    if let Some(p) = &env.bicep_parameters {
        args.push_str(&format!(" --parameters {p}"));
    }
    args
}

/// What-if on pull request, with the repository-level (pull request) identity.
fn what_if_job(ctx: &mut Ctx<'_>, env: &EnvironmentSpec) -> Result<Job, Error> {
    let spec = ctx.spec;
    let mut job = Job::new(&format!("What-if ({})", env.name), 20);
    job.if_ = Some("github.event_name == 'pull_request'".to_owned());
    job.permissions.push(READ_CONTENTS);
    job.permissions.push(ID_TOKEN);
    let mut env_map = Map::new();
    if spec.infrastructure_or_default().scope == BicepScope::ResourceGroup {
        let name = format!("AZURE_RESOURCE_GROUP_{}", env_suffix(&env.name));
        let rg = ctx.var(
            &name,
            SettingScope::Repository,
            &format!("Resource group of the {} environment, read by the pull request what-if (no environment there)", env.name),
        );
        env_map.push("AZURE_RESOURCE_GROUP", rg);
    }
    env_map.push("AZURE_CORE_NO_COLOR", "true");
    job.steps.push(ctx.checkout()?);
    job.steps
        .push(ctx.azure_login(&[SettingScope::Repository])?);
    let args = deployment_args(ctx, env).replace("{verb}", "what-if");
    let bicep = &spec.infrastructure_or_default().bicep_path;
    job.steps.push(step_run_env(
        "Bicep what-if to the job summary",
        &format!(
            "\
az bicep build --file {bicep} --stdout > /dev/null
status=0
az deployment {args} > \"$RUNNER_TEMP/what-if.txt\" 2>&1 || status=$?
{{
  echo \"### Bicep what-if: {env}\"
  echo
  echo '```text'
  sed 's/\\x1b\\[[0-9;]*m//g' \"$RUNNER_TEMP/what-if.txt\"
  echo '```'
}} >> \"$GITHUB_STEP_SUMMARY\"
if [ \"$status\" -ne 0 ]; then
  cat \"$RUNNER_TEMP/what-if.txt\" >&2
fi
exit \"$status\"
",
            env = env.name
        ),
        env_map,
    ));
    Ok(job)
}

fn deploy_job(
    ctx: &mut Ctx<'_>,
    env: &EnvironmentSpec,
    previous: Option<&str>,
    own: &str,
) -> Result<Job, Error> {
    let spec = ctx.spec;
    let scope = SettingScope::Environment(env.name.clone());
    let mut job = Job::new(&format!("Deploy infrastructure to {}", env.name), 60);
    let by_push = if env.is_production() {
        String::new()
    } else {
        " || (github.event_name == 'push' && !inputs.environment)".to_owned()
    };
    job.if_ = Some(format!(
        "!cancelled() && !failure() && (inputs.environment == '{}'{by_push})",
        env.name
    ));
    if let Some(p) = previous {
        job.needs = vec![p.to_owned()];
    }
    job.environment = Some((env.name.clone(), env.url.clone()));
    job.permissions.push(READ_CONTENTS);
    job.permissions.push(ID_TOKEN);
    job.concurrency = Some(concurrency(&format!("{own}-deploy-{}", env.name), false));
    let mut env_map = Map::new();
    if spec.infrastructure_or_default().scope == BicepScope::ResourceGroup {
        let rg = ctx.var(
            "AZURE_RESOURCE_GROUP",
            scope.clone(),
            "Resource group of the environment's Azure resources",
        );
        env_map.push("AZURE_RESOURCE_GROUP", rg);
    }
    env_map.push("AZURE_CORE_NO_COLOR", "true");
    job.steps.push(ctx.checkout()?);
    job.steps.push(ctx.azure_login(&[scope])?);
    let what_if = deployment_args(ctx, env).replace("{verb}", "what-if");
    let create = deployment_args(ctx, env).replace("{verb}", "create");
    job.env = Some(env_map);
    job.steps.push(step_run(
        "Bicep what-if to the job summary",
        &format!(
            "{{\n  echo \"### Bicep what-if: {env}\"\n  echo\n  echo '```text'\n  az deployment {what_if} --result-format ResourceIdOnly 2>&1 | sed 's/\\x1b\\[[0-9;]*m//g'\n  echo '```'\n}} >> \"$GITHUB_STEP_SUMMARY\"\n",
            env = env.name
        ),
    ));
    job.steps.push(step_run(
        "Deploy the Bicep template",
        &format!("az deployment {create} --output none --only-show-errors\n"),
    ));
    Ok(job)
}
