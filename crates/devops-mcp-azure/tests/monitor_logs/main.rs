//! Integration tests of the Azure Monitor Logs query client, in one binary: the real client
//! (azure_core pipeline, bearer policy, retries, reqwest over TLS) against a local fake of
//! the Log Analytics query API that enforces the published contract, with a fake credential
//! whose canary token must never show up in an error, a `Debug` string or a log line.

mod errors;
mod fake_enforces;
mod queries;

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

use azure_core::http::{ClientOptions, ExponentialRetryOptions, RetryOptions};
use devops_mcp_azure::monitor_logs::LogsQueryClient;
// The fake and its contract live in a test-support crate the server's tests share.
use devops_mcp_fake_monitor_logs as fake;
use devops_mcp_fake_monitor_logs::contract;
pub use devops_mcp_fake_monitor_logs::{FakeCredential, canary, token_with};

use crate::fake::FakeLogAnalytics;

/// Client options for the fake: its transport, and quick exponential retries.
pub fn options(fake: &FakeLogAnalytics, max_retries: u32) -> ClientOptions {
    ClientOptions {
        transport: Some(fake.transport()),
        retry: RetryOptions::exponential(ExponentialRetryOptions {
            initial_delay: azure_core::time::Duration::milliseconds(50),
            max_retries,
            max_total_elapsed: azure_core::time::Duration::seconds(30),
            max_delay: azure_core::time::Duration::seconds(2),
        }),
        ..ClientOptions::default()
    }
}

/// A fake, a credential for its token, a client for both, and the canary in the token.
pub struct Harness {
    pub fake: FakeLogAnalytics,
    pub credential: Arc<FakeCredential>,
    pub client: LogsQueryClient,
    pub canary: String,
}

pub async fn harness(max_retries: u32) -> Harness {
    capture_logs();
    let canary = canary();
    let token = token_with(&canary);
    let fake = FakeLogAnalytics::start(&token).await;
    let credential = FakeCredential::new(&token);
    let client = LogsQueryClient::new(
        &fake.endpoint(),
        credential.clone(),
        Some(options(&fake, max_retries)),
    )
    .expect("client");
    Harness {
        fake,
        credential,
        client,
        canary,
    }
}

#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Write for Buffer {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("log buffer").extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

static LOGS: OnceLock<Buffer> = OnceLock::new();

/// Install (once) a TRACE subscriber recording every event into a buffer.
pub fn capture_logs() {
    LOGS.get_or_init(|| {
        let buffer = Buffer::default();
        let writer = buffer.clone();
        tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .try_init()
            .expect("install the test subscriber");
        buffer
    });
}

/// Everything logged so far.
pub fn logs() -> String {
    let buffer = LOGS.get().expect("call capture_logs first");
    String::from_utf8_lossy(&buffer.0.lock().expect("log buffer")).into_owned()
}
