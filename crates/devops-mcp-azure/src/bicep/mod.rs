//! Bicep for Azure App Service workloads: a typed specification ([`BicepSpec`]), a pure
//! generator that renders a modular, secure-by-default file set, and a validator that checks
//! Bicep (generated or hand-written) for syntax, resource types, semantics and security.

pub mod api_versions;
pub mod catalog;
pub mod generate;
pub mod naming;
pub mod roles;
pub mod rules;
pub mod secrets;
pub mod spec;
pub mod types;
pub mod validate;
pub mod write;

pub use generate::{GeneratedBicep, GeneratedFile, InventoryItem, RequiredSecret, generate};
pub use spec::BicepSpec;
pub use types::TypeIndex;
pub use validate::{Diagnostic, SourceFile, ValidationReport, validate};
pub use write::{WritePlan, plan_write};
