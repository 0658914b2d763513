//! A `TokenCredential` that needs no network, and the canary helpers: a test hands the
//! credential a JWT-shaped token carrying a unique canary, and then checks that the canary
//! shows up in no error, `Debug` string, log line or tool result.

use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use azure_core::credentials::{AccessToken, TokenCredential, TokenRequestOptions};

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
    /// The scopes of every token request, space-joined.
    pub scopes: Mutex<Vec<String>>,
    /// Token requests so far.
    pub calls: AtomicUsize,
}

impl FakeCredential {
    /// A credential that always returns `token`.
    pub fn new(token: &str) -> Arc<Self> {
        Arc::new(Self {
            token: token.to_owned(),
            fails: false,
            scopes: Mutex::new(Vec::new()),
            calls: AtomicUsize::new(0),
        })
    }

    /// A credential that always fails, quoting `token` in its message.
    pub fn failing(token: &str) -> Arc<Self> {
        Arc::new(Self {
            token: token.to_owned(),
            fails: true,
            scopes: Mutex::new(Vec::new()),
            calls: AtomicUsize::new(0),
        })
    }

    /// Token requests so far.
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
