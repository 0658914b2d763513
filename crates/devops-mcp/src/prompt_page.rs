//! The one-time loopback page behind the `prompt` secret source: the human
//! types the value into a form served on 127.0.0.1, so it goes from the
//! browser to the server and never through the model or the MCP client.
//!
//! Each page lives at an unguessable path, accepts one submission, and shuts
//! down after it or after a timeout.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Form, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use devops_mcp_secrets::SecretValue;
use tokio::sync::oneshot;

/// A page waiting for its one value.
pub struct PromptPage {
    /// The URL to send the user to.
    pub url: String,
    receiver: oneshot::Receiver<SecretValue>,
    shutdown: Option<oneshot::Sender<()>>,
}

#[derive(serde::Deserialize)]
struct Submission {
    value: String,
}

struct PageState {
    title: String,
    sender: Mutex<Option<oneshot::Sender<SecretValue>>>,
}

impl PromptPage {
    /// Serve a form asking for `what` on a random loopback port and path.
    pub async fn start(what: &str) -> std::io::Result<Self> {
        let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0))).await?;
        let addr = listener.local_addr()?;
        let token = format!(
            "{}{}",
            uuid::Uuid::new_v4().simple(),
            uuid::Uuid::new_v4().simple()
        );
        let (sender, receiver) = oneshot::channel();
        let state = Arc::new(PageState {
            title: what.to_owned(),
            sender: Mutex::new(Some(sender)),
        });
        let path = format!("/secret/{token}");
        let app = axum::Router::new()
            .route(&path, get(show).post(submit))
            .with_state(state);
        let (shutdown, stop) = oneshot::channel::<()>();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = stop.await;
                })
                .await;
        });
        Ok(Self {
            url: format!("http://{addr}{path}"),
            receiver,
            shutdown: Some(shutdown),
        })
    }

    /// Wait for the value, at most `limit`.
    pub async fn value(mut self, limit: Duration) -> Option<SecretValue> {
        let value = tokio::time::timeout(limit, &mut self.receiver)
            .await
            .ok()
            .and_then(Result::ok);
        if let Some(stop) = self.shutdown.take() {
            let _ = stop.send(());
        }
        value
    }
}

impl Drop for PromptPage {
    fn drop(&mut self) {
        if let Some(stop) = self.shutdown.take() {
            let _ = stop.send(());
        }
    }
}

fn no_store(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
        ),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    response
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

async fn show(State(state): State<Arc<PageState>>) -> Response {
    let open = state
        .sender
        .lock()
        .map(|slot| slot.is_some())
        .unwrap_or(false);
    if !open {
        return no_store((StatusCode::GONE, "This page has been used already.").into_response());
    }
    let title = escape(&state.title);
    no_store(
        Html(format!(
            "<!doctype html><html><head><meta charset=\"utf-8\"><title>devops-mcp: {title}</title>\
<style>body{{font-family:sans-serif;max-width:40em;margin:4em auto}}input{{width:100%;padding:.5em}}</style></head>\
<body><h1>Enter {title}</h1><p>The value goes straight to devops-mcp on this machine; the AI assistant never sees it. This page works once.</p>\
<form method=\"post\"><input type=\"password\" name=\"value\" autocomplete=\"off\" autofocus required>\
<p><button type=\"submit\">Store secret</button></p></form></body></html>"
        ))
        .into_response(),
    )
}

async fn submit(State(state): State<Arc<PageState>>, Form(form): Form<Submission>) -> Response {
    let sender = state.sender.lock().ok().and_then(|mut slot| slot.take());
    let Some(sender) = sender else {
        return no_store((StatusCode::GONE, "This page has been used already.").into_response());
    };
    if form.value.is_empty() {
        return no_store(
            (StatusCode::BAD_REQUEST, "Empty value; go back and type it.").into_response(),
        );
    }
    let _ = sender.send(SecretValue::new(form.value));
    no_store(Html("<!doctype html><p>Stored. You can close this tab.</p>").into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_page_takes_one_value_then_closes() {
        let page = PromptPage::start("the <test> key").await.unwrap();
        let url = page.url.clone();
        let client = reqwest::Client::new();
        let form = client.get(&url).send().await.unwrap().text().await.unwrap();
        assert!(form.contains("the &lt;test&gt; key"), "{form}");
        let posted = client
            .post(&url)
            .form(&[("value", "canary-prompt-3b1f")])
            .send()
            .await
            .unwrap();
        assert!(posted.status().is_success());
        let again = client
            .post(&url)
            .form(&[("value", "second")])
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), StatusCode::GONE);
        let value = page.value(Duration::from_secs(2)).await.unwrap();
        assert_eq!(value.expose(), "canary-prompt-3b1f");
    }
}
