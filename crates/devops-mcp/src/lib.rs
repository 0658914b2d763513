//! devops-mcp: a Model Context Protocol server that gives AI agents a DevOps
//! team's hands.
//!
//! This crate is the thin layer between MCP and the domain crates: the CLI,
//! configuration, the rmcp server handler, the transports (stdio, Streamable
//! HTTP, legacy HTTP+SSE), the skill and prompt catalogues, and one module per
//! tool. Domain logic lives in the `devops-mcp-*` crates and knows nothing of
//! MCP. See docs/ARCHITECTURE.md for the map.

pub mod cli;
pub mod client;
pub mod config;
pub mod data;
pub mod delivery;
pub mod doctor;
#[cfg(feature = "conformance")]
pub mod fixtures;
pub mod http;
pub mod install;
pub mod logging;
pub mod notify;
pub mod progress;
pub mod prompt_page;
pub mod prompts;
pub mod redact;
pub mod secrets;
pub mod server;
pub mod skills;
pub mod stdio;
pub mod tools;
pub mod workspace;

pub use server::DevopsServer;
