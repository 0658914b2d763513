//! Route handlers, one module per API area, dispatched by `operationId`.
//! An operation the fake does not model is a violation, so a client that
//! starts calling something new fails its tests until the fake learns it.

mod git;
mod pulls;
mod repos;
mod secrets;
mod users;

use crate::server::{Ctx, Reply};

/// A handler's answer: `Err` carries an error reply so `?` can return early.
type Outcome = Result<Reply, Reply>;

pub(crate) fn route(ctx: &mut Ctx<'_>) -> Reply {
    let outcome = match ctx.op.id.as_str() {
        "repos/get" => repos::get(ctx),
        "repos/list-branches" => repos::list_branches(ctx),
        "repos/get-branch-rules" => repos::branch_rules(ctx),
        "repos/list-tags" => repos::list_tags(ctx),
        "repos/get-latest-release" => repos::latest_release(ctx),
        "git/get-ref" => git::get_ref(ctx),
        "git/list-matching-refs" => git::matching_refs(ctx),
        "git/create-ref" => git::create_ref(ctx),
        "git/update-ref" => git::update_ref(ctx),
        "git/delete-ref" => git::delete_ref(ctx),
        "git/create-blob" => git::create_blob(ctx),
        "git/get-blob" => git::get_blob(ctx),
        "git/create-tree" => git::create_tree(ctx),
        "git/get-tree" => git::get_tree(ctx),
        "git/create-commit" => git::create_commit(ctx),
        "git/get-commit" => git::get_commit(ctx),
        "git/get-tag" => git::get_tag(ctx),
        "pulls/create" => pulls::create(ctx),
        "pulls/get" => pulls::get(ctx),
        "pulls/list" => pulls::list(ctx),
        "users/get-authenticated" => users::authenticated(ctx),
        id if secrets::serves(id) => secrets::route(ctx),
        other => {
            let message = format!(
                "`{other}` ({}) is a real GitHub operation the fake does not model; teach the fake (crates/devops-mcp-fake-github/src/routes) before calling it",
                ctx.op.template
            );
            ctx.state.violations.push(message.clone());
            let mut reply = Reply::error(501, &message, &ctx.op.docs_url);
            reply.reported = true;
            Ok(reply)
        }
    };
    outcome.unwrap_or_else(|reply| reply)
}
