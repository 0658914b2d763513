//! Integration tests of the Bicep module, in one binary: planted problems in fixtures,
//! checkov over generated variants, snapshots of generated files.

mod checkov;
mod fixtures;
mod snapshots;

use std::path::{Path, PathBuf};

use devops_mcp_azure::bicep::{BicepSpec, GeneratedBicep, TypeIndex, generate};

/// The shared, trimmed bicep-types contract, read in place.
pub fn types() -> &'static TypeIndex {
    static TYPES: std::sync::OnceLock<TypeIndex> = std::sync::OnceLock::new();
    TYPES.get_or_init(|| {
        TypeIndex::load_dir(&shared_types_dir()).expect("load ../shared/contracts/bicep-types")
    })
}

pub fn shared_types_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/contracts/bicep-types")
}

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Representative specs: name, spec JSON.
pub fn variants() -> Vec<(&'static str, serde_json::Value)> {
    vec![
        (
            "django-postgres-private-prod",
            serde_json::json!({
                "app_name": "shop",
                "workload": "django",
                "database": {"kind": "postgresql-flexible"},
                "networking": {"mode": "private"},
                "monitoring": {"alert_emails": ["ops@example.com"]},
                "tags": {"owner": "platform-team", "cost_center": "cc-1234", "data_classification": "confidential", "compliance": "gdpr"},
                "environments": [{"name": "prod"}]
            }),
        ),
        (
            "fastapi-public-dev",
            serde_json::json!({
                "app_name": "orders-api",
                "workload": "fastapi",
                "environments": [{"name": "dev"}],
                "runtime": {"version": "3.12", "secrets": ["JWT_SIGNING_KEY"], "settings": {"LOG_LEVEL": "info"}}
            }),
        ),
        (
            "container-external-staging",
            serde_json::json!({
                "app_name": "worker",
                "workload": "container",
                "runtime": {"container_image": "ghcr.io/acme/worker:1.2.0", "container_port": 8000},
                "database": {"kind": "external", "provider": "supabase"},
                "environments": [{"name": "staging"}],
                "budget": {"amount": 80, "contacts": ["finance@example.com"]}
            }),
        ),
        (
            "static-site",
            serde_json::json!({"app_name": "site", "workload": "static"}),
        ),
    ]
}

pub fn generate_variant(spec: &serde_json::Value) -> GeneratedBicep {
    let spec = BicepSpec::from_json(spec.clone()).expect("variant spec parses");
    generate(&spec, Some(types())).expect("variant generates")
}
