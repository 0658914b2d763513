//! The `security-scan` workflow: on a schedule and on demand, Semgrep on the
//! code, zizmor on the workflows and the stack's dependency audit (an image
//! scan for the container stack); optionally uploads SARIF to code scanning.

use crate::Error;
use crate::emit::Map;
use crate::spec::WorkflowKind;

use super::ci::{dependency_audit, semgrep_and_zizmor};
use super::{
    A_UPLOAD_SARIF, ACTIONS_READ, Ctx, Job, READ_CONTENTS, SECURITY_EVENTS, concurrency,
    display_name, stem,
};

pub(crate) fn workflow(ctx: &mut Ctx<'_>) -> Result<Map, Error> {
    let spec = ctx.spec;
    let on = Map::new()
        .with(
            "schedule",
            crate::emit::Node::Seq(vec![
                Map::new().with("cron", spec.schedule_or_default()).into(),
            ]),
        )
        .with("workflow_dispatch", Map::new());
    let group = format!(
        "{}-${{{{ github.ref }}}}",
        stem(spec, WorkflowKind::SecurityScan)
    );
    let mut job = Job::new("Security scan", 45);
    job.permissions.push(READ_CONTENTS);
    if spec.code_scanning {
        job.permissions.push(SECURITY_EVENTS);
        job.permissions.push(ACTIONS_READ);
    }
    job.steps.push(ctx.checkout()?);
    if spec.code_scanning {
        job.steps.extend(semgrep_and_zizmor(spec, true));
        for (file, category) in [("semgrep.sarif", "semgrep"), ("zizmor.sarif", "zizmor")] {
            // Upload even when a later scanner fails, never after cancellation.
            let step = ctx.step_uses_full(
                &format!("Upload {category} results to code scanning"),
                None,
                Some("!cancelled()"),
                A_UPLOAD_SARIF,
                Some(
                    Map::new()
                        .with("sarif_file", file)
                        .with("category", category),
                ),
            )?;
            job.steps.push(step);
        }
    } else {
        job.steps.extend(semgrep_and_zizmor(spec, false));
    }
    job.steps.extend(dependency_audit(ctx)?);
    let mut jobs = vec![("scan".to_owned(), job)];
    if let Some(n) = ctx.notify_job(&["scan".to_owned()], true, "Scheduled security scan")? {
        jobs.push(("notify".to_owned(), n));
    }
    Ok(super::workflow_root(
        &display_name(spec, "Security scan"),
        on,
        concurrency(&group, true),
        jobs,
    ))
}
