//! The authenticated user (`GET /user`), which clients call to check a token.

use serde_json::json;

use super::Outcome;
use super::repos::user_json;
use crate::server::{Ctx, Reply};

/// `GET /user`: the token's user; 401 without a token.
pub(super) fn authenticated(ctx: &mut Ctx<'_>) -> Outcome {
    let Some(login) = ctx.login().map(str::to_owned) else {
        return Err(Reply::error(
            401,
            "Requires authentication",
            &ctx.op.docs_url,
        ));
    };
    let id = 700_000 + login.bytes().map(u64::from).sum::<u64>();
    let mut user = user_json(ctx, &login, id, false);
    user["name"] = json!(login);
    user["email"] = json!(format!("{login}@users.noreply.github.com"));
    Ok(Reply::filled(200, user))
}
