//! The curated table of API versions the validator accepts without comment, with the date
//! it was last checked. A version outside the table is not necessarily wrong, but it was
//! not reviewed: it may be a preview, retired, or missing properties the security rules
//! rely on.
//!
//! Source: the API versions of Azure/bicep-types-az (snapshot 1f896de2, 2026-08-20) for each
//! type, keeping the latest stable version and the stable versions of the two years before
//! it that are in common use.

/// When the table was last compared with the type data.
pub const CHECKED_ON: &str = "2026-11-29";

/// Resource type (as ARM spells it) and the API versions accepted.
pub const CURATED: &[(&str, &[&str])] = &[
    (
        "Microsoft.App/containerApps",
        &["2024-03-01", "2025-01-01", "2025-07-01", "2026-01-01"],
    ),
    (
        "Microsoft.App/managedEnvironments",
        &["2024-03-01", "2025-01-01", "2025-07-01", "2026-01-01"],
    ),
    ("Microsoft.Authorization/roleAssignments", &["2022-04-01"]),
    (
        "Microsoft.Consumption/budgets",
        &["2023-05-01", "2023-11-01", "2024-08-01", "2026-06-01"],
    ),
    (
        "Microsoft.ContainerRegistry/registries",
        &["2023-07-01", "2025-04-01", "2025-11-01"],
    ),
    (
        "Microsoft.DBforPostgreSQL/flexibleServers",
        &["2024-08-01", "2025-08-01"],
    ),
    (
        "Microsoft.DBforPostgreSQL/flexibleServers/configurations",
        &["2024-08-01", "2025-08-01"],
    ),
    (
        "Microsoft.DBforPostgreSQL/flexibleServers/databases",
        &["2024-08-01", "2025-08-01"],
    ),
    (
        "Microsoft.DBforPostgreSQL/flexibleServers/firewallRules",
        &["2024-08-01", "2025-08-01"],
    ),
    ("Microsoft.Insights/actionGroups", &["2023-01-01"]),
    ("Microsoft.Insights/autoscalesettings", &["2022-10-01"]),
    ("Microsoft.Insights/components", &["2020-02-02"]),
    (
        "Microsoft.Insights/diagnosticSettings",
        &["2021-05-01-preview"],
    ),
    (
        "Microsoft.Insights/metricAlerts",
        &["2018-03-01", "2024-03-01-preview", "2026-01-01"],
    ),
    (
        "Microsoft.Insights/scheduledQueryRules",
        &["2023-12-01", "2025-01-01-preview", "2026-03-01"],
    ),
    (
        "Microsoft.KeyVault/vaults",
        &["2023-07-01", "2024-11-01", "2025-05-01", "2026-02-01"],
    ),
    (
        "Microsoft.KeyVault/vaults/secrets",
        &["2023-07-01", "2024-11-01", "2025-05-01", "2026-02-01"],
    ),
    (
        "Microsoft.Network/networkSecurityGroups",
        &[
            "2024-05-01",
            "2024-07-01",
            "2025-01-01",
            "2025-05-01",
            "2025-09-01",
        ],
    ),
    (
        "Microsoft.Network/privateDnsZones",
        &["2020-06-01", "2024-06-01"],
    ),
    (
        "Microsoft.Network/privateDnsZones/virtualNetworkLinks",
        &["2020-06-01", "2024-06-01"],
    ),
    (
        "Microsoft.Network/privateEndpoints",
        &[
            "2024-05-01",
            "2024-07-01",
            "2025-01-01",
            "2025-05-01",
            "2025-09-01",
        ],
    ),
    (
        "Microsoft.Network/privateEndpoints/privateDnsZoneGroups",
        &[
            "2024-05-01",
            "2024-07-01",
            "2025-01-01",
            "2025-05-01",
            "2025-09-01",
        ],
    ),
    (
        "Microsoft.Network/virtualNetworks",
        &[
            "2024-05-01",
            "2024-07-01",
            "2025-01-01",
            "2025-05-01",
            "2025-09-01",
        ],
    ),
    (
        "Microsoft.Network/virtualNetworks/subnets",
        &[
            "2024-05-01",
            "2024-07-01",
            "2025-01-01",
            "2025-05-01",
            "2025-09-01",
        ],
    ),
    (
        "Microsoft.OperationalInsights/workspaces",
        &["2023-09-01", "2025-02-01", "2025-07-01", "2026-03-01"],
    ),
    (
        "Microsoft.Storage/storageAccounts",
        &[
            "2023-05-01",
            "2024-01-01",
            "2025-01-01",
            "2025-06-01",
            "2026-04-01",
        ],
    ),
    (
        "Microsoft.Storage/storageAccounts/blobServices",
        &[
            "2023-05-01",
            "2024-01-01",
            "2025-01-01",
            "2025-06-01",
            "2026-04-01",
        ],
    ),
    (
        "Microsoft.Storage/storageAccounts/blobServices/containers",
        &[
            "2023-05-01",
            "2024-01-01",
            "2025-01-01",
            "2025-06-01",
            "2026-04-01",
        ],
    ),
    (
        "Microsoft.Web/serverfarms",
        &["2023-12-01", "2024-04-01", "2024-11-01", "2025-03-01"],
    ),
    (
        "Microsoft.Web/sites",
        &["2023-12-01", "2024-04-01", "2024-11-01", "2025-03-01"],
    ),
    (
        "Microsoft.Web/sites/config",
        &["2023-12-01", "2024-04-01", "2024-11-01", "2025-03-01"],
    ),
    (
        "Microsoft.Web/sites/slots",
        &["2023-12-01", "2024-04-01", "2024-11-01", "2025-03-01"],
    ),
    (
        "Microsoft.Web/sites/slots/config",
        &["2023-12-01", "2024-04-01", "2024-11-01", "2025-03-01"],
    ),
];

/// The curated versions of a type (case-insensitive), if the type is in the table.
#[must_use]
pub fn curated(resource_type: &str) -> Option<&'static [&'static str]> {
    CURATED
        .iter()
        .find(|(t, _)| t.eq_ignore_ascii_case(resource_type))
        .map(|(_, v)| *v)
}

/// The newest curated version of a type.
#[must_use]
pub fn latest(resource_type: &str) -> Option<&'static str> {
    curated(resource_type).and_then(|v| v.iter().copied().filter(|v| !v.contains("preview")).max())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every type@version the shared type data has at its latest version is curated, so
    /// the generator (which uses those versions) never trips its own rule.
    #[test]
    fn latest_type_data_versions_are_curated() {
        let types = crate::bicep::types::TypeIndex::load_dir(std::path::Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../../shared/contracts/bicep-types"
        )))
        .expect("types");
        for key in types.keys() {
            let (ty, api) = key.split_once('@').expect("key");
            if ty.eq_ignore_ascii_case("Microsoft.KeyVault/vaults/accessPolicies")
                || api == "2016-09-01"
            {
                continue;
            }
            let list = curated(ty).unwrap_or_else(|| panic!("{ty} not curated"));
            assert!(list.contains(&api), "{key} not curated");
        }
        let mut sorted: Vec<&str> = CURATED.iter().map(|(t, _)| *t).collect();
        sorted.sort_unstable_by_key(|t| t.to_ascii_lowercase());
        assert_eq!(sorted, CURATED.iter().map(|(t, _)| *t).collect::<Vec<_>>());
    }
}
