//! Azure domain logic for devops-mcp: pure functions from typed specifications to
//! checked artefacts. Knows nothing of MCP, rmcp or JSON-RPC and reads no environment
//! variables; the server crate maps these types to tools and does all file writes.

pub mod bicep;
pub mod error;

pub use error::{Error, SpecProblem};
