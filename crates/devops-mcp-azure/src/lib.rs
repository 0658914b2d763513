//! Azure domain logic for devops-mcp: pure functions from typed specifications to
//! checked artefacts (`bicep`), and the Azure Monitor Logs query client (`monitor_logs`),
//! the one module that does network I/O, with a credential the caller supplies. Knows
//! nothing of MCP, rmcp or JSON-RPC and reads no environment variables; the server crate
//! maps these types to tools and does all file writes.

pub mod bicep;
pub mod error;
pub mod monitor_logs;

pub use error::{Error, SpecProblem};
