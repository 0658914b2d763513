//! Integration tests of the Azure Monitor Logs query client, in one binary: the real client
//! (azure_core pipeline, bearer policy, retries, reqwest over TLS) against a local fake of
//! the Log Analytics query API that enforces the published contract, with a fake credential
//! whose canary token must never show up in an error, a `Debug` string or a log line.

mod contract;
mod errors;
mod fake;
mod fake_enforces;
mod queries;

use std::hash::{BuildHasher, Hasher};
use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use azure_core::credentials::{AccessToken, TokenCredential, TokenRequestOptions};
use azure_core::http::{ClientOptions, ExponentialRetryOptions, RetryOptions};
use devops_mcp_azure::monitor_logs::LogsQueryClient;

use crate::fake::FakeLogAnalytics;

/// A hex string no other test shares.
pub fn canary() -> String {
    let state = std::collections::hash_map::RandomState::new();
    let mut first = state.build_hasher();
    first.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default(),
    );
    let mut second = state.build_hasher();
    second.write_u64(first.finish());
    format!("{:016x}{:016x}", first.finish(), second.finish())
}

/// A JWT-shaped token whose payload is `canary`.
pub fn token_with(canary: &str) -> String {
    format!("eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.{canary}.c2lnbmF0dXJlLW5vdC1jaGVja2Vk")
}

/// A `TokenCredential` that needs no network: it hands out one token, or fails with a
/// message that (badly) contains the token, as a careless credential might.
#[derive(Debug)]
pub struct FakeCredential {
    token: String,
    fails: bool,
    pub scopes: Mutex<Vec<String>>,
    pub calls: AtomicUsize,
}

impl FakeCredential {
    pub fn new(token: &str) -> Arc<Self> {
        Arc::new(Self {
            token: token.to_owned(),
            fails: false,
            scopes: Mutex::new(Vec::new()),
            calls: AtomicUsize::new(0),
        })
    }

    pub fn failing(token: &str) -> Arc<Self> {
        Arc::new(Self {
            token: token.to_owned(),
            fails: true,
            scopes: Mutex::new(Vec::new()),
            calls: AtomicUsize::new(0),
        })
    }

    pub fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }
}

#[async_trait::async_trait]
impl TokenCredential for FakeCredential {
    async fn get_token(
        &self,
        scopes: &[&str],
        _options: Option<TokenRequestOptions<'_>>,
    ) -> azure_core::Result<AccessToken> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        self.scopes.lock().expect("scopes").push(scopes.join(" "));
        if self.fails {
            return Err(azure_core::Error::with_message(
                azure_core::error::ErrorKind::Credential,
                format!(
                    "AADSTS700082: The refresh token has expired; cached access_token={} was rejected (Bearer {})",
                    self.token, self.token
                ),
            ));
        }
        Ok(AccessToken::new(
            self.token.clone(),
            time::OffsetDateTime::now_utc() + time::Duration::hours(1),
        ))
    }
}

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
