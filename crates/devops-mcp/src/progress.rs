//! Progress notifications for long tool calls. A tool asks for a
//! [`Progress`] from its request context and reports as it goes; when the
//! client sent no progress token, reporting costs nothing and sends nothing.

use rmcp::RoleServer;
use rmcp::model::{ProgressNotificationParam, ProgressToken};
use rmcp::service::{Peer, RequestContext};

/// Reports progress of one request to its client.
#[derive(Clone)]
pub struct Progress {
    target: Option<(Peer<RoleServer>, ProgressToken)>,
}

impl std::fmt::Debug for Progress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Progress")
            .field("enabled", &self.target.is_some())
            .finish()
    }
}

impl Progress {
    /// Progress for the request in `context` (silent if it has no progress token).
    pub fn for_request(context: &RequestContext<RoleServer>) -> Self {
        Self {
            target: context
                .meta
                .get_progress_token()
                .map(|token| (context.peer.clone(), token)),
        }
    }

    /// A reporter that sends nothing, for callers outside a request.
    pub fn silent() -> Self {
        Self { target: None }
    }

    /// Report `done` out of `total` (if known) with a short message.
    pub async fn report(&self, done: f64, total: Option<f64>, message: impl Into<String>) {
        let Some((peer, token)) = &self.target else {
            return;
        };
        let mut param = ProgressNotificationParam::new(token.clone(), done)
            .with_message(crate::redact::redact(&message.into()).into_owned());
        if let Some(total) = total {
            param = param.with_total(total);
        }
        if let Err(error) = peer.notify_progress(param).await {
            tracing::debug!(%error, "progress notification not delivered");
        }
    }
}
