//! Secret stores for devops-mcp: the value moves from its source to a store
//! inside this process and never comes back out.
//!
//! - [`SecretValue`] is the only holder of a value: `***` when printed,
//!   zeroized on drop, never serialized.
//! - Sources ([`source`]): `generate`, `env`, `file`, `copy`, `value` (only
//!   when the operator allows it) and `prompt` (resolved by the server).
//! - Stores: [`LocalStore`] (age-encrypted file, versions kept),
//!   [`KeyVaultStore`] (Azure SDK) and [`GithubStore`] (Actions secrets,
//!   sealed boxes).
//! - [`AuditLog`]: one JSON line per operation, never a value.
//!
//! Invariants: no value in any `Display`, `Debug`, error, log line or
//! serialized result; no environment variable read here (callers pass
//! lookups and credentials in); no MCP types.

pub mod audit;
pub mod credential;
pub mod error;
pub mod file;
mod fsx;
pub mod generate;
pub mod github;
pub mod keyvault;
pub mod local;
pub mod name;
pub mod properties;
pub mod service;
pub mod source;
pub mod value;

pub use audit::{AuditLog, AuditOperation, AuditOutcome, AuditRecord};
pub use credential::{AzureCloud, AzureCredentialConfig, CredentialChain, credential_chain};
pub use error::SecretsError;
pub use file::{FileReadError, FileReader};
pub use generate::{Charset, GenerateFormat, GenerateSpec, generate};
pub use github::{GithubOptions, GithubScope, GithubStore};
pub use keyvault::{KeyVaultOptions, KeyVaultStore};
pub use local::LocalStore;
pub use name::{StoreKind, validate_name};
pub use properties::{SecretProperties, ValidProperties};
pub use service::{
    KeyVaultConnector, ListOutcome, ReadInfo, SecretSummary, SecretTarget, SetOutcome, SetRequest,
    StoreDetails, Stores, delete_secret, import_dotenv, list_secrets, read_secret, secret_exists,
    set_secret,
};
pub use source::{CopySpec, ResolvedValue, SourceContext, SourceKind, SourceSpec};
pub use value::SecretValue;
