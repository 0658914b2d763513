//! Integration tests of the server crate, in one binary (faster to link):
//! the real server handler driven in-process over the MCP protocol.

#![allow(clippy::unwrap_used)]

mod bicep;
mod common;
mod kql;
mod kql_cloud;
mod pins;
mod registry;
mod secrets;
mod semgrep;
mod skill_code_blocks;
mod skills;
mod workflows;
