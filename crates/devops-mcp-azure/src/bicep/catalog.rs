//! Static Azure facts the spec validator and the generator rely on: public regions, App
//! Service plan SKUs and what each tier can do, PostgreSQL flexible server SKUs, versions
//! and storage sizes, and rough list prices for the README cost table.
//!
//! Every table says when it was recorded, because Azure adds regions and SKUs over time and
//! a stale table must be recognisable as stale rather than silently wrong.

/// When the region and SKU tables below were last compared with Azure's published lists.
pub const TABLES_RECORDED: &str = "2025-06";

/// When the rough prices below were recorded (approximate USD list prices, Linux,
/// pay-as-you-go); the README prints this date next to the cost table.
pub const PRICES_RECORDED: &str = "2025-06";

/// Programmatic names of Azure public-cloud regions (`az account list-locations`,
/// `metadata.regionType == Physical`), including access-restricted ones.
pub const REGIONS: &[&str] = &[
    "australiacentral",
    "australiacentral2",
    "australiaeast",
    "australiasoutheast",
    "belgiumcentral",
    "brazilsouth",
    "brazilsoutheast",
    "canadacentral",
    "canadaeast",
    "centralindia",
    "centralus",
    "centraluseuap",
    "chilecentral",
    "eastasia",
    "eastus",
    "eastus2",
    "eastus2euap",
    "francecentral",
    "francesouth",
    "germanynorth",
    "germanywestcentral",
    "indonesiacentral",
    "israelcentral",
    "italynorth",
    "japaneast",
    "japanwest",
    "jioindiacentral",
    "jioindiawest",
    "koreacentral",
    "koreasouth",
    "malaysiawest",
    "mexicocentral",
    "newzealandnorth",
    "northcentralus",
    "northeurope",
    "norwayeast",
    "norwaywest",
    "polandcentral",
    "qatarcentral",
    "southafricanorth",
    "southafricawest",
    "southcentralus",
    "southeastasia",
    "southindia",
    "spaincentral",
    "swedencentral",
    "swedensouth",
    "switzerlandnorth",
    "switzerlandwest",
    "uaecentral",
    "uaenorth",
    "uksouth",
    "ukwest",
    "westcentralus",
    "westeurope",
    "westindia",
    "westus",
    "westus2",
    "westus3",
];

/// Normalises a region as users write it ("Sweden Central", "swedencentral") and returns
/// the programmatic name if it is a known public region.
#[must_use]
pub fn normalize_region(input: &str) -> Option<&'static str> {
    let wanted: String = input
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-' && *c != '_')
        .flat_map(char::to_lowercase)
        .collect();
    REGIONS.iter().copied().find(|r| *r == wanted)
}

/// Regions with availability zones, where zone-redundant App Service plans and
/// zone-redundant PostgreSQL high availability can be deployed.
pub const ZONE_REGIONS: &[&str] = &[
    "australiaeast",
    "belgiumcentral",
    "brazilsouth",
    "canadacentral",
    "centralindia",
    "centralus",
    "chilecentral",
    "eastasia",
    "eastus",
    "eastus2",
    "francecentral",
    "germanywestcentral",
    "indonesiacentral",
    "israelcentral",
    "italynorth",
    "japaneast",
    "japanwest",
    "koreacentral",
    "malaysiawest",
    "mexicocentral",
    "newzealandnorth",
    "northeurope",
    "norwayeast",
    "polandcentral",
    "qatarcentral",
    "southafricanorth",
    "southcentralus",
    "southeastasia",
    "spaincentral",
    "swedencentral",
    "switzerlandnorth",
    "uaenorth",
    "uksouth",
    "westeurope",
    "westus2",
    "westus3",
];

/// Whether a (normalised) region has availability zones.
#[must_use]
pub fn has_zones(region: &str) -> bool {
    ZONE_REGIONS.contains(&region)
}

/// App Service plan pricing tiers, ordered by capability.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum PlanTier {
    /// F1: shared compute, no VNet integration, no Always On, one instance.
    Free,
    /// B1-B3: dedicated, VNet integration, up to 3 instances, no slots, no autoscale.
    Basic,
    /// S1-S3: slots, autoscale, up to 10 instances.
    Standard,
    /// P1v2-P3v2.
    PremiumV2,
    /// P0v3-P3v3 and memory-optimised P1mv3-P5mv3.
    PremiumV3,
    /// P0v4-P3v4 and P1mv4-P5mv4.
    PremiumV4,
}

impl PlanTier {
    /// Tier name as App Service reports it in `sku.tier`.
    #[must_use]
    pub fn arm_name(self) -> &'static str {
        match self {
            Self::Free => "Free",
            Self::Basic => "Basic",
            Self::Standard => "Standard",
            Self::PremiumV2 => "PremiumV2",
            Self::PremiumV3 => "PremiumV3",
            Self::PremiumV4 => "PremiumV4",
        }
    }

    /// Largest instance count the tier allows.
    #[must_use]
    pub fn max_instances(self) -> u32 {
        match self {
            Self::Free => 1,
            Self::Basic => 3,
            Self::Standard => 10,
            Self::PremiumV2 | Self::PremiumV3 | Self::PremiumV4 => 30,
        }
    }

    /// Regional VNet integration (outbound) needs Basic or higher.
    #[must_use]
    pub fn supports_vnet_integration(self) -> bool {
        self >= Self::Basic
    }

    /// Deployment slots (blue-green) need Standard or higher.
    #[must_use]
    pub fn supports_slots(self) -> bool {
        self >= Self::Standard
    }

    /// Autoscale rules need Standard or higher.
    #[must_use]
    pub fn supports_autoscale(self) -> bool {
        self >= Self::Standard
    }

    /// Zone redundancy needs Premium v2 or newer (and at least two instances).
    #[must_use]
    pub fn supports_zone_redundancy(self) -> bool {
        self >= Self::PremiumV2
    }

    /// Always On is not available on Free.
    #[must_use]
    pub fn supports_always_on(self) -> bool {
        self >= Self::Basic
    }
}

/// One App Service plan SKU the generator accepts.
#[derive(Debug, Clone, Copy)]
pub struct PlanSku {
    /// SKU name as ARM expects it in `sku.name`.
    pub name: &'static str,
    /// Pricing tier.
    pub tier: PlanTier,
    /// Rough monthly price per instance in USD (Linux, pay-as-you-go), see [`PRICES_RECORDED`].
    pub usd_per_month: f64,
}

/// Linux App Service plan SKUs. Shared (D1) is Windows-only and Isolated needs an App
/// Service Environment, so neither is offered.
pub const PLAN_SKUS: &[PlanSku] = &[
    PlanSku {
        name: "F1",
        tier: PlanTier::Free,
        usd_per_month: 0.0,
    },
    PlanSku {
        name: "B1",
        tier: PlanTier::Basic,
        usd_per_month: 13.14,
    },
    PlanSku {
        name: "B2",
        tier: PlanTier::Basic,
        usd_per_month: 26.28,
    },
    PlanSku {
        name: "B3",
        tier: PlanTier::Basic,
        usd_per_month: 52.56,
    },
    PlanSku {
        name: "S1",
        tier: PlanTier::Standard,
        usd_per_month: 69.35,
    },
    PlanSku {
        name: "S2",
        tier: PlanTier::Standard,
        usd_per_month: 138.70,
    },
    PlanSku {
        name: "S3",
        tier: PlanTier::Standard,
        usd_per_month: 277.40,
    },
    PlanSku {
        name: "P1v2",
        tier: PlanTier::PremiumV2,
        usd_per_month: 83.95,
    },
    PlanSku {
        name: "P2v2",
        tier: PlanTier::PremiumV2,
        usd_per_month: 167.90,
    },
    PlanSku {
        name: "P3v2",
        tier: PlanTier::PremiumV2,
        usd_per_month: 335.80,
    },
    PlanSku {
        name: "P0v3",
        tier: PlanTier::PremiumV3,
        usd_per_month: 61.32,
    },
    PlanSku {
        name: "P1v3",
        tier: PlanTier::PremiumV3,
        usd_per_month: 124.10,
    },
    PlanSku {
        name: "P2v3",
        tier: PlanTier::PremiumV3,
        usd_per_month: 248.20,
    },
    PlanSku {
        name: "P3v3",
        tier: PlanTier::PremiumV3,
        usd_per_month: 496.40,
    },
    PlanSku {
        name: "P1mv3",
        tier: PlanTier::PremiumV3,
        usd_per_month: 150.38,
    },
    PlanSku {
        name: "P2mv3",
        tier: PlanTier::PremiumV3,
        usd_per_month: 300.76,
    },
    PlanSku {
        name: "P3mv3",
        tier: PlanTier::PremiumV3,
        usd_per_month: 601.52,
    },
    PlanSku {
        name: "P4mv3",
        tier: PlanTier::PremiumV3,
        usd_per_month: 1203.04,
    },
    PlanSku {
        name: "P5mv3",
        tier: PlanTier::PremiumV3,
        usd_per_month: 2406.08,
    },
    PlanSku {
        name: "P0v4",
        tier: PlanTier::PremiumV4,
        usd_per_month: 67.45,
    },
    PlanSku {
        name: "P1v4",
        tier: PlanTier::PremiumV4,
        usd_per_month: 136.51,
    },
    PlanSku {
        name: "P2v4",
        tier: PlanTier::PremiumV4,
        usd_per_month: 273.02,
    },
    PlanSku {
        name: "P3v4",
        tier: PlanTier::PremiumV4,
        usd_per_month: 546.04,
    },
    PlanSku {
        name: "P1mv4",
        tier: PlanTier::PremiumV4,
        usd_per_month: 165.42,
    },
    PlanSku {
        name: "P2mv4",
        tier: PlanTier::PremiumV4,
        usd_per_month: 330.84,
    },
    PlanSku {
        name: "P3mv4",
        tier: PlanTier::PremiumV4,
        usd_per_month: 661.67,
    },
    PlanSku {
        name: "P4mv4",
        tier: PlanTier::PremiumV4,
        usd_per_month: 1323.34,
    },
    PlanSku {
        name: "P5mv4",
        tier: PlanTier::PremiumV4,
        usd_per_month: 2646.69,
    },
];

/// Looks a plan SKU up by name, ignoring case (`p1v3` = `P1v3`).
#[must_use]
pub fn plan_sku(name: &str) -> Option<&'static PlanSku> {
    PLAN_SKUS
        .iter()
        .find(|s| s.name.eq_ignore_ascii_case(name.trim()))
}

/// Comma-separated SKU names for error messages.
#[must_use]
pub fn plan_sku_names() -> String {
    PLAN_SKUS
        .iter()
        .map(|s| s.name)
        .collect::<Vec<_>>()
        .join(", ")
}

/// PostgreSQL flexible server compute tiers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PgTier {
    /// `Standard_B*`: burstable, no high availability.
    Burstable,
    /// `Standard_D*`.
    GeneralPurpose,
    /// `Standard_E*`.
    MemoryOptimized,
}

impl PgTier {
    /// Tier name as ARM expects it in `sku.tier`.
    #[must_use]
    pub fn arm_name(self) -> &'static str {
        match self {
            Self::Burstable => "Burstable",
            Self::GeneralPurpose => "GeneralPurpose",
            Self::MemoryOptimized => "MemoryOptimized",
        }
    }
}

/// A PostgreSQL flexible server compute SKU.
#[derive(Debug, Clone, PartialEq)]
pub struct PgSku {
    /// Full ARM name, e.g. `Standard_D2ds_v5`.
    pub name: String,
    /// Compute tier.
    pub tier: PgTier,
    /// vCores.
    pub vcores: u32,
    /// Rough monthly compute price in USD, see [`PRICES_RECORDED`].
    pub usd_per_month: f64,
}

/// Burstable SKUs with their rough monthly price (USD).
const PG_BURSTABLE: &[(&str, u32, f64)] = &[
    ("B1ms", 1, 12.41),
    ("B2s", 2, 49.64),
    ("B2ms", 2, 99.28),
    ("B4ms", 4, 198.56),
    ("B8ms", 8, 397.12),
    ("B12ms", 12, 595.68),
    ("B16ms", 16, 794.24),
    ("B20ms", 20, 992.80),
];

/// (family suffix, tier, vCore sizes, rough USD per vCore-month).
const PG_FAMILIES: &[(&str, PgTier, &[u32], f64)] = &[
    (
        "s_v3",
        PgTier::GeneralPurpose,
        &[2, 4, 8, 16, 32, 48, 64],
        64.97,
    ),
    (
        "ds_v4",
        PgTier::GeneralPurpose,
        &[2, 4, 8, 16, 32, 48, 64],
        64.97,
    ),
    (
        "ds_v5",
        PgTier::GeneralPurpose,
        &[2, 4, 8, 16, 32, 48, 64, 96],
        64.97,
    ),
    (
        "ads_v5",
        PgTier::GeneralPurpose,
        &[2, 4, 8, 16, 32, 48, 64, 96],
        64.97,
    ),
    (
        "s_v3",
        PgTier::MemoryOptimized,
        &[2, 4, 8, 16, 32, 48, 64],
        89.43,
    ),
    (
        "ds_v4",
        PgTier::MemoryOptimized,
        &[2, 4, 8, 16, 20, 32, 48, 64],
        89.43,
    ),
    (
        "ds_v5",
        PgTier::MemoryOptimized,
        &[2, 4, 8, 16, 20, 32, 48, 64, 96],
        89.43,
    ),
    (
        "ads_v5",
        PgTier::MemoryOptimized,
        &[2, 4, 8, 16, 20, 32, 48, 64, 96],
        89.43,
    ),
];

/// Looks a PostgreSQL flexible server SKU up; accepts `Standard_D2ds_v5` or `D2ds_v5`,
/// ignoring case.
#[must_use]
pub fn pg_sku(name: &str) -> Option<PgSku> {
    let trimmed = name.trim();
    let short = trimmed
        .strip_prefix("Standard_")
        .or_else(|| trimmed.strip_prefix("standard_"))
        .unwrap_or(trimmed);
    for (sku, vcores, price) in PG_BURSTABLE {
        if sku.eq_ignore_ascii_case(short) {
            return Some(PgSku {
                name: format!("Standard_{sku}"),
                tier: PgTier::Burstable,
                vcores: *vcores,
                usd_per_month: *price,
            });
        }
    }
    for (suffix, tier, sizes, per_vcore) in PG_FAMILIES {
        let letter = if *tier == PgTier::GeneralPurpose {
            "D"
        } else {
            "E"
        };
        for size in *sizes {
            let candidate = format!("{letter}{size}{suffix}");
            if candidate.eq_ignore_ascii_case(short) {
                return Some(PgSku {
                    name: format!("Standard_{candidate}"),
                    tier: *tier,
                    vcores: *size,
                    usd_per_month: f64::from(*size) * per_vcore,
                });
            }
        }
    }
    None
}

/// A short description of the accepted PostgreSQL SKUs for error messages.
#[must_use]
pub fn pg_sku_summary() -> String {
    let burstable: Vec<String> = PG_BURSTABLE
        .iter()
        .map(|(s, _, _)| format!("Standard_{s}"))
        .collect();
    format!(
        "{}; Standard_D<n>s_v3, Standard_D<n>ds_v4, Standard_D<n>ds_v5, Standard_D<n>ads_v5 (GeneralPurpose); Standard_E<n>s_v3, Standard_E<n>ds_v4, Standard_E<n>ds_v5, Standard_E<n>ads_v5 (MemoryOptimized), n = 2, 4, 8, 16, 32, 48, 64 (96 for v5)",
        burstable.join(", ")
    )
}

/// PostgreSQL major versions flexible server accepts for new servers (11 and 12 are retired).
pub const PG_VERSIONS: &[&str] = &["13", "14", "15", "16", "17", "18"];

/// Storage sizes (GiB) flexible server offers on Premium SSD.
pub const PG_STORAGE_GB: &[u32] = &[32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32767];

/// Rough price of PostgreSQL Premium SSD storage, USD per GiB-month.
pub const PG_STORAGE_USD_PER_GB: f64 = 0.115;

/// Rough price of one private endpoint, USD per month (excluding data processed).
pub const PRIVATE_ENDPOINT_USD: f64 = 7.30;

/// Rough price of one private DNS zone, USD per month.
pub const PRIVATE_DNS_ZONE_USD: f64 = 0.50;

/// Rough price of one metric alert rule (one time series), USD per month.
pub const METRIC_ALERT_USD: f64 = 0.10;

/// Rough price of one log search alert rule evaluated every 5 minutes, USD per month.
pub const LOG_ALERT_USD: f64 = 1.50;

/// Rough Log Analytics ingestion price, USD per GB (first 5 GB per billing account free).
pub const LOG_ANALYTICS_USD_PER_GB: f64 = 2.30;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_are_sorted_unique_and_normalised() {
        let mut sorted = REGIONS.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted, REGIONS);
        assert_eq!(normalize_region("Sweden Central"), Some("swedencentral"));
        assert_eq!(normalize_region("westeurope"), Some("westeurope"));
        assert_eq!(normalize_region("mars-north"), None);
    }

    #[test]
    fn plan_skus_map_to_tiers() {
        assert_eq!(plan_sku("p1v3").map(|s| s.tier), Some(PlanTier::PremiumV3));
        assert_eq!(plan_sku("B1").map(|s| s.tier), Some(PlanTier::Basic));
        assert!(plan_sku("D1").is_none());
        assert!(!PlanTier::Free.supports_vnet_integration());
        assert!(PlanTier::Basic.supports_vnet_integration());
        assert!(!PlanTier::Basic.supports_slots());
        assert!(PlanTier::Standard.supports_autoscale());
    }

    #[test]
    fn pg_skus_parse_with_and_without_prefix() {
        let d2 = pg_sku("D2ds_v5").expect("known sku");
        assert_eq!(d2.name, "Standard_D2ds_v5");
        assert_eq!(d2.tier, PgTier::GeneralPurpose);
        assert_eq!(
            pg_sku("standard_b1ms").map(|s| s.tier),
            Some(PgTier::Burstable)
        );
        assert_eq!(
            pg_sku("Standard_E4ds_v5").map(|s| s.tier),
            Some(PgTier::MemoryOptimized)
        );
        assert!(pg_sku("Standard_D3ds_v5").is_none());
    }
}
