//! A local HTTPS fake of the Azure Monitor Log Analytics query API for tests, holding both
//! sides to the published contract (`../shared/contracts/azure-monitor-logs/`, read in
//! place), plus a network-free `TokenCredential` whose token carries a canary.
//!
//! [`FakeLogAnalytics::start`] serves TLS on `127.0.0.1:<random port>` with a self-signed
//! certificate for `localhost`; [`FakeLogAnalytics::transport`] is an azure_core transport
//! that trusts only that certificate, so a real `LogsQueryClient` (bearer policy, retries,
//! reqwest) runs unchanged against it. Behaviour is chosen by the target: see the `WS_*` and
//! `*_RESOURCE` constants. A test ends with [`FakeLogAnalytics::assert_clean`].
//!
//! Architecture invariant: dev-only (`publish = false`); nothing outside tests depends on it.

pub mod contract;
mod credential;
mod fake;

pub use credential::{FakeCredential, canary, token_with};
pub use fake::*;
