//! The `ci` workflow: lint, test (with a database service when needed) and
//! build on push and pull request, plus a security job running Semgrep, zizmor
//! on the workflows themselves and the stack's dependency audit.

use crate::Error;
use crate::emit::{Map, str_seq};
use crate::spec::{Stack, WorkflowKind};

use super::stack::{self, CI_IMAGE};
use super::{
    Ctx, Job, READ_CONTENTS, SEMGREP_VERSION, ZIZMOR_VERSION, concurrency, display_name, stem,
    step_run, step_run_env, working_dir,
};

pub(crate) fn workflow(ctx: &mut Ctx<'_>) -> Result<Map, Error> {
    let spec = ctx.spec;
    let branches = if spec.triggers.branches.is_empty() {
        vec![spec.default_branch.clone()]
    } else {
        spec.triggers.branches.clone()
    };
    let mut filter = Map::new().with("branches", str_seq(&branches));
    if !spec.triggers.paths.is_empty() {
        filter.push("paths", str_seq(&spec.triggers.paths));
    }
    let mut on = Map::new().with("push", filter.clone());
    if spec.triggers.pull_request {
        on.push("pull_request", filter);
    }
    if spec.triggers.manual {
        on.push("workflow_dispatch", Map::new());
    }
    let group = format!(
        "{}-${{{{ github.event.pull_request.number || github.ref }}}}",
        stem(spec, WorkflowKind::Ci)
    );
    let jobs = vec![
        ("test".to_owned(), test_job(ctx)?),
        ("security".to_owned(), security_job(ctx)?),
    ];
    Ok(super::workflow_root(
        &display_name(spec, "CI"),
        on,
        concurrency(&group, true),
        jobs,
    ))
}

fn test_job(ctx: &mut Ctx<'_>) -> Result<Job, Error> {
    let spec = ctx.spec;
    let mut job = Job::new("Lint, test and build", 30);
    job.permissions.push(READ_CONTENTS);
    job.working_directory = working_dir(spec);
    job.services = stack::services(spec);
    job.steps.push(ctx.checkout()?);
    job.steps.extend(stack::setup(ctx, true)?);
    if let Some(install) = stack::install(spec) {
        job.steps.push(step_run("Install dependencies", &install));
    }
    job.steps.push(step_run("Lint", &stack::lint(spec)));
    if spec.stack == Stack::Container {
        job.steps.push(stack::build_image(ctx, CI_IMAGE, None)?);
    }
    if let Some(check) = stack::migration_check(spec) {
        let env = stack::test_env(spec).unwrap_or_default();
        job.steps
            .push(step_run_env("Apply and revert migrations", &check, env));
    }
    let test = stack::test(spec);
    match stack::test_env(spec) {
        Some(env) => job.steps.push(step_run_env("Test", &test, env)),
        None => job.steps.push(step_run("Test", &test)),
    }
    if spec.stack != Stack::Container
        && let Some(build) = stack::build(spec)
    {
        job.steps.push(step_run("Build", &build));
    }
    Ok(job)
}

fn security_job(ctx: &mut Ctx<'_>) -> Result<Job, Error> {
    let spec = ctx.spec;
    let mut job = Job::new("Security scan", 30);
    job.permissions.push(READ_CONTENTS);
    job.steps.push(ctx.checkout()?);
    job.steps.extend(semgrep_and_zizmor(spec, false));
    job.steps.extend(dependency_audit(ctx)?);
    Ok(job)
}

/// Semgrep on the code and zizmor on the workflows; with `sarif` both write
/// result files for upload instead of failing on findings.
pub(crate) fn semgrep_and_zizmor(
    spec: &crate::spec::WorkflowSpec,
    sarif: bool,
) -> Vec<crate::emit::Node> {
    let config = stack::shell_word(&spec.semgrep_config);
    let (semgrep, zizmor) = if sarif {
        (
            format!(
                "pipx run --spec semgrep=={SEMGREP_VERSION} semgrep scan --config {config} --metrics=off --sarif --output semgrep.sarif"
            ),
            format!(
                "pipx run --spec zizmor=={ZIZMOR_VERSION} zizmor --no-exit-codes --format sarif .github/workflows > zizmor.sarif"
            ),
        )
    } else {
        (
            format!(
                "pipx run --spec semgrep=={SEMGREP_VERSION} semgrep scan --config {config} --metrics=off --error"
            ),
            format!(
                "pipx run --spec zizmor=={ZIZMOR_VERSION} zizmor --format github .github/workflows"
            ),
        )
    };
    vec![
        step_run_env(
            "Semgrep",
            &semgrep,
            Map::new().with("SEMGREP_ENABLE_VERSION_CHECK", "0"),
        ),
        step_run_env(
            "zizmor (GitHub Actions security)",
            &zizmor,
            Map::new().with("GH_TOKEN", "${{ github.token }}"),
        ),
    ]
}

/// The stack's dependency audit (with the setup it needs), or an image scan
/// for the container stack.
pub(crate) fn dependency_audit(ctx: &mut Ctx<'_>) -> Result<Vec<crate::emit::Node>, Error> {
    let spec = ctx.spec;
    let mut steps = Vec::new();
    let wd = working_dir(spec);
    let in_dir = |script: String| match &wd {
        Some(d) => format!("cd {}\n{script}", stack::shell_word(d)),
        None => script,
    };
    if spec.stack == Stack::Container {
        steps.extend(stack::setup(ctx, false)?);
        steps.push(stack::build_image(ctx, CI_IMAGE, None)?);
        steps.push(step_run(
            "Scan the image for vulnerabilities",
            &stack::image_scan(CI_IMAGE),
        ));
        return Ok(steps);
    }
    steps.extend(stack::setup(ctx, false)?);
    if stack::audit_needs_install(spec)
        && let Some(install) = stack::install(spec)
    {
        steps.push(step_run("Install dependencies", &in_dir(install)));
    }
    if let Some(audit) = stack::audit(spec) {
        steps.push(step_run("Audit dependencies", &in_dir(audit)));
    }
    Ok(steps)
}
