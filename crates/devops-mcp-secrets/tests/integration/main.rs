//! Integration tests for devops-mcp-secrets, in one binary: the local store
//! against the reference `age` CLI and real child processes, GitHub and Key
//! Vault against local fakes that enforce the published API contracts, and
//! the leak canary across every source and store.

mod common;
mod fake_github;
mod fake_keyvault;
mod github;
mod keyvault;
mod local_store;
mod service;
