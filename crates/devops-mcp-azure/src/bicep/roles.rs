//! Built-in Azure role definitions the generator assigns and the validator recognises, by
//! their fixed GUIDs (the same in every tenant), and the privileged ones that a workload
//! identity must never hold.

/// A built-in role.
#[derive(Debug, Clone, Copy)]
pub struct BuiltInRole {
    /// Role name as the portal shows it.
    pub name: &'static str,
    /// Role definition GUID.
    pub id: &'static str,
}

/// Key Vault Secrets User: read secret values (what App Service Key Vault references need).
pub const KEY_VAULT_SECRETS_USER: BuiltInRole = BuiltInRole {
    name: "Key Vault Secrets User",
    id: "4633458b-17de-408a-b874-0445c86b69e6",
};
/// AcrPull: pull images from Azure Container Registry.
pub const ACR_PULL: BuiltInRole = BuiltInRole {
    name: "AcrPull",
    id: "7f951dda-4ed3-4680-a7ca-43fe172d538d",
};

/// Roles that grant control over resources or access: never for a workload identity.
pub const PRIVILEGED: &[BuiltInRole] = &[
    BuiltInRole {
        name: "Owner",
        id: "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
    },
    BuiltInRole {
        name: "Contributor",
        id: "b24988ac-6180-42a0-ab88-20f7382dd24c",
    },
    BuiltInRole {
        name: "User Access Administrator",
        id: "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9",
    },
    BuiltInRole {
        name: "Role Based Access Control Administrator",
        id: "f58310d9-a9f6-439a-9e8d-f62e7b41a168",
    },
];

/// Data-plane and reader roles recognised as built-in and narrowly scoped.
pub const KNOWN: &[BuiltInRole] = &[
    KEY_VAULT_SECRETS_USER,
    BuiltInRole {
        name: "Key Vault Secrets Officer",
        id: "b86a8fe4-44ce-4948-aee5-eccb2c155cd7",
    },
    BuiltInRole {
        name: "Key Vault Administrator",
        id: "00482a5a-887f-4fb3-b363-3b7fe8e74483",
    },
    BuiltInRole {
        name: "Key Vault Reader",
        id: "21090545-7ca7-4776-b22c-e363652d74d2",
    },
    BuiltInRole {
        name: "Key Vault Crypto User",
        id: "12338af0-0e69-4776-bea7-57ae8d297424",
    },
    BuiltInRole {
        name: "Key Vault Certificates Officer",
        id: "a4417e6f-fecd-4de8-b567-7b0420556985",
    },
    ACR_PULL,
    BuiltInRole {
        name: "AcrPush",
        id: "8311e382-0749-4cb8-b61a-304f252e45ec",
    },
    BuiltInRole {
        name: "Reader",
        id: "acdd72a7-3385-48ef-bd42-f606fba81ae7",
    },
    BuiltInRole {
        name: "Monitoring Metrics Publisher",
        id: "3913510d-42f4-4e42-8a64-420c390055eb",
    },
    BuiltInRole {
        name: "Monitoring Reader",
        id: "43d0d8ad-25c7-4714-9337-8ba259a9fe05",
    },
    BuiltInRole {
        name: "Monitoring Contributor",
        id: "749f88d5-cbae-40b8-bcfc-e573ddc772fa",
    },
    BuiltInRole {
        name: "Log Analytics Reader",
        id: "73c42c96-874c-492b-b04d-ab87d138a893",
    },
    BuiltInRole {
        name: "Log Analytics Contributor",
        id: "92aaf0da-9dab-42b6-94a3-d43ce8d16293",
    },
    BuiltInRole {
        name: "Storage Blob Data Reader",
        id: "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1",
    },
    BuiltInRole {
        name: "Storage Blob Data Contributor",
        id: "ba92f5b4-2d11-453d-a403-e96b0029c9fe",
    },
    BuiltInRole {
        name: "Storage Queue Data Contributor",
        id: "974c5e8b-45b9-4653-ba55-5f855dd0fb88",
    },
    BuiltInRole {
        name: "Website Contributor",
        id: "de139f84-1756-47ae-9be6-808fbbe84772",
    },
    BuiltInRole {
        name: "Web Plan Contributor",
        id: "2cc479cb-7b4d-49a8-b449-8c00fd0f0a4b",
    },
    BuiltInRole {
        name: "App Configuration Data Reader",
        id: "516239f1-63e1-4d78-a4de-a74fb236a071",
    },
    BuiltInRole {
        name: "Cognitive Services OpenAI User",
        id: "5e0bd9bd-7b93-4f28-af87-19fc36ad61bd",
    },
    BuiltInRole {
        name: "Azure Service Bus Data Receiver",
        id: "4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0",
    },
    BuiltInRole {
        name: "Azure Service Bus Data Sender",
        id: "69a216fc-b8fb-44d8-bc22-1f3c2cd27a39",
    },
    BuiltInRole {
        name: "Azure Event Hubs Data Receiver",
        id: "a638d3c7-ab3a-418d-83e6-5f17a39d4fde",
    },
    BuiltInRole {
        name: "Azure Event Hubs Data Sender",
        id: "2b629674-e913-4c01-ae53-ef4638d8f975",
    },
];

/// Finds the role a role definition ID (GUID or full resource ID) refers to among `roles`.
#[must_use]
pub fn find<'a>(roles: &'a [BuiltInRole], role_definition_id: &str) -> Option<&'a BuiltInRole> {
    let lower = role_definition_id.to_ascii_lowercase();
    roles.iter().find(|r| lower.contains(r.id))
}
