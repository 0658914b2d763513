//! The catalogue of validation rules: stable IDs, short names, default severities and
//! one-line summaries. It is the single source of truth for `docs/bicep-rules.md` (a test
//! fails when the page and this list disagree) and for `#disable-next-line` look-ups.
//!
//! ID scheme: `BCP-<AREA>-<NNN>`, where AREA is SYN (syntax), TYP (resource types), SEM
//! (semantics) or SEC (security). IDs are never reused or renumbered; a retired rule keeps
//! its number.

use schemars::JsonSchema;
use serde::Serialize;

/// How serious a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// For information; nothing is wrong.
    Info,
    /// Likely a problem, or a problem deeper in a resource body.
    Warning,
    /// The template is wrong or insecure; `generate_bicep` never returns a set with one.
    Error,
}

impl Severity {
    /// Lower-case name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Info => "info",
            Self::Warning => "warning",
            Self::Error => "error",
        }
    }
}

/// A validation rule.
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    /// Stable ID, e.g. `BCP-SEC-001`.
    pub id: &'static str,
    /// Short kebab-case name, e.g. `app-https-only`.
    pub name: &'static str,
    /// Default severity (type checks lower it to warning below the top level of a body).
    pub severity: Severity,
    /// One line: what the rule checks.
    pub summary: &'static str,
}

macro_rules! rules {
    ($($id:literal, $name:literal, $sev:ident, $summary:literal;)*) => {
        /// Every rule, in ID order.
        pub const RULES: &[Rule] = &[$(Rule { id: $id, name: $name, severity: Severity::$sev, summary: $summary }),*];
    };
}

rules! {
    "BCP-SYN-001", "syntax-error", Error, "The file does not parse as Bicep.";
    "BCP-SYN-002", "missing-token", Error, "The parser had to assume a missing token (bracket, quote, value).";
    "BCP-TYP-001", "unknown-property", Error, "A property that the resource type does not define (with a did-you-mean).";
    "BCP-TYP-002", "wrong-value-type", Error, "A value of the wrong type (string for a boolean, object for an array, ...).";
    "BCP-TYP-003", "value-not-allowed", Error, "A value outside the property's allowed (enum) values.";
    "BCP-TYP-004", "missing-required-property", Error, "A property the resource type requires is not set.";
    "BCP-TYP-005", "read-only-property", Error, "A read-only property is written.";
    "BCP-TYP-006", "string-constraint", Error, "A string breaks the property's pattern or length rules.";
    "BCP-TYP-007", "range-constraint", Error, "A number or array breaks the property's minimum/maximum.";
    "BCP-TYP-008", "unchecked-resource-type", Info, "The resource type or API version is not in the loaded type data, so its body was not checked.";
    "BCP-TYP-009", "unknown-discriminator", Error, "A discriminator value (e.g. a sites/config name) that the type does not define.";
    "BCP-SEM-001", "undefined-symbol", Error, "A name or function that is not declared or built in.";
    "BCP-SEM-002", "unused-parameter", Warning, "A parameter that nothing uses.";
    "BCP-SEM-003", "unused-variable", Warning, "A variable that nothing uses.";
    "BCP-SEM-004", "module-not-found", Error, "A module path that is not among the files validated.";
    "BCP-SEM-005", "module-parameter-unknown", Error, "A module is given a parameter the module does not declare.";
    "BCP-SEM-006", "module-parameter-missing", Error, "A module parameter without default is not given.";
    "BCP-SEM-007", "module-output-undefined", Error, "A module output is read that the module does not declare.";
    "BCP-SEM-008", "module-output-unused", Warning, "A module declares an output that no caller reads.";
    "BCP-SEM-009", "module-file-unused", Warning, "A file under modules/ that no module declaration references.";
    "BCP-SEM-010", "api-version-not-curated", Warning, "An API version that is not in the curated table of checked versions.";
    "BCP-SEM-011", "resource-name-rules", Error, "A resource name that breaks the type's length or character rules.";
    "BCP-SEM-012", "missing-tags", Warning, "A resource that supports tags has none.";
    "BCP-SEM-013", "params-file-mismatch", Error, "A .bicepparam file does not match its template (missing template, unknown or missing parameters).";
    "BCP-SEM-014", "duplicate-symbol", Error, "Two declarations share a name.";
    "BCP-SEM-015", "deployment-function-misuse", Error, "utcNow() or newGuid() outside a parameter default.";
    "BCP-SEM-016", "parameter-value-invalid", Error, "A parameter value breaks its declared type or @allowed/@minLength/@maxLength/@minValue/@maxValue.";
    "BCP-SEC-001", "app-https-only", Error, "App Service apps and slots must set httpsOnly: true.";
    "BCP-SEC-002", "app-min-tls-version", Error, "App Service minTlsVersion and scmMinTlsVersion must be 1.2 or higher.";
    "BCP-SEC-003", "app-ftps-disabled", Error, "App Service ftpsState must be Disabled.";
    "BCP-SEC-004", "app-remote-debugging-disabled", Error, "App Service remote debugging must be off.";
    "BCP-SEC-005", "app-managed-identity", Error, "App Service apps and slots must have a system-assigned managed identity.";
    "BCP-SEC-006", "app-settings-use-key-vault", Error, "Secret app settings must be Key Vault references, not values.";
    "BCP-SEC-007", "kv-rbac-authorization", Error, "Key Vault must use Azure RBAC authorization, not access policies.";
    "BCP-SEC-008", "kv-soft-delete", Error, "Key Vault soft delete must not be disabled.";
    "BCP-SEC-009", "kv-purge-protection", Error, "Key Vault purge protection must be on.";
    "BCP-SEC-010", "kv-private-access", Error, "A Key Vault behind a private endpoint must disable public network access.";
    "BCP-SEC-011", "pg-private-access", Error, "A PostgreSQL server behind a private endpoint or in a VNet must disable public network access.";
    "BCP-SEC-012", "pg-tls-enforced", Error, "PostgreSQL must require TLS 1.2 or higher (require_secure_transport, ssl_min_protocol_version).";
    "BCP-SEC-013", "pg-entra-auth", Error, "PostgreSQL must enable Microsoft Entra authentication.";
    "BCP-SEC-014", "rbac-no-privileged-roles", Error, "Role assignments must not grant Owner, Contributor, User Access Administrator or RBAC Administrator.";
    "BCP-SEC-015", "rbac-built-in-role-ids", Warning, "Role assignments should use a known built-in role definition ID.";
    "BCP-SEC-016", "secure-secret-params", Error, "Parameters that carry secrets must be @secure().";
    "BCP-SEC-017", "no-secret-literals", Error, "Secrets must not be written as literals (defaults, properties, parameter files).";
    "BCP-SEC-018", "no-secrets-in-outputs", Error, "Outputs must not return secrets.";
    "BCP-SEC-019", "unique-global-names", Warning, "Globally unique names should include uniqueString(...) or guid(...).";
    "BCP-SEC-020", "diagnostic-settings", Warning, "Resources that emit logs or metrics must send them to Log Analytics with a diagnostic setting.";
    "BCP-SEC-021", "pg-firewall-open", Error, "PostgreSQL firewall rules must not open the server to the internet.";
    "BCP-SEC-022", "nsg-open-management-ports", Error, "NSG rules must not allow SSH/RDP from the internet.";
}

/// Looks a rule up by ID or name (case-insensitive).
#[must_use]
pub fn rule(id_or_name: &str) -> Option<&'static Rule> {
    RULES
        .iter()
        .find(|r| r.id.eq_ignore_ascii_case(id_or_name) || r.name.eq_ignore_ascii_case(id_or_name))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn ids_and_names_are_unique_and_well_formed() {
        let mut ids = BTreeSet::new();
        let mut names = BTreeSet::new();
        for r in RULES {
            assert!(ids.insert(r.id), "duplicate id {}", r.id);
            assert!(names.insert(r.name), "duplicate name {}", r.name);
            let parts: Vec<&str> = r.id.split('-').collect();
            assert_eq!(parts.len(), 3, "{}", r.id);
            assert_eq!(parts[0], "BCP");
            assert!(["SYN", "TYP", "SEM", "SEC"].contains(&parts[1]), "{}", r.id);
            assert_eq!(parts[2].len(), 3);
        }
    }

    /// The rule pages in docs/bicep-rules.md and this catalogue must list the same rules.
    #[test]
    fn docs_page_documents_every_rule() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/bicep-rules.md");
        let doc = std::fs::read_to_string(path).expect("docs/bicep-rules.md exists");
        let documented: BTreeSet<String> = doc
            .lines()
            .filter_map(|l| l.strip_prefix("## "))
            .filter_map(|h| h.split_whitespace().next())
            .filter(|id| id.starts_with("BCP-"))
            .map(str::to_owned)
            .collect();
        let known: BTreeSet<String> = RULES.iter().map(|r| r.id.to_owned()).collect();
        assert_eq!(
            documented, known,
            "docs/bicep-rules.md headings vs rules::RULES"
        );
        for r in RULES {
            let heading = format!("## {} {}", r.id, r.name);
            let at = doc
                .find(&heading)
                .unwrap_or_else(|| panic!("heading `{heading}` missing"));
            let section = &doc[at..];
            let end = section[3..].find("\n## ").map_or(section.len(), |e| e + 3);
            let section = &section[..end];
            for part in ["**What**", "**Why**", "**How to fix**"] {
                assert!(section.contains(part), "{} lacks {part}", r.id);
            }
        }
    }
}
