//! Renderers of the application modules: App Service plan, app, staging slot and autoscale
//! (`modules/appservice.bicep`) and the least-privilege role assignments
//! (`modules/roles.bicep`).

use super::api;
use super::infra::diagnostics;
use super::text::{Out, q};
use crate::bicep::roles;
use crate::bicep::spec::{Resolved, ResolvedDatabase, Workload};

/// Name of the Key Vault secret holding the database connection string.
pub(crate) const DATABASE_URL_SECRET: &str = "database-url";

fn app_settings(r: &Resolved, o: &mut Out) {
    let kv_ref = |secret: &str| {
        format!("'@Microsoft.KeyVault(VaultName=${{keyVaultName}};SecretName={secret})'")
    };
    let mut settings: Vec<(String, String)> = vec![
        ("APP_ENVIRONMENT".into(), "environmentName".into()),
        (
            "APPLICATIONINSIGHTS_CONNECTION_STRING".into(),
            "appInsights.properties.ConnectionString".into(),
        ),
        (
            "ApplicationInsightsAgent_EXTENSION_VERSION".into(),
            "'~3'".into(),
        ),
        ("AZURE_KEY_VAULT_NAME".into(), "keyVaultName".into()),
    ];
    match r.workload {
        Workload::Django | Workload::Fastapi | Workload::Node => {
            settings.push(("SCM_DO_BUILD_DURING_DEPLOYMENT".into(), "'true'".into()))
        }
        Workload::Static => {
            settings.push(("SCM_DO_BUILD_DURING_DEPLOYMENT".into(), "'false'".into()))
        }
        Workload::Container => {
            let port = r.runtime.container_port.unwrap_or(8080);
            settings.push(("WEBSITES_PORT".into(), q(&port.to_string())));
            settings.push((
                "WEBSITES_ENABLE_APP_SERVICE_STORAGE".into(),
                "'false'".into(),
            ));
        }
    }
    if !matches!(r.database, ResolvedDatabase::None) {
        settings.push(("DATABASE_URL".into(), kv_ref(DATABASE_URL_SECRET)));
    }
    for s in &r.runtime.secrets {
        settings.push((s.env_var.clone(), kv_ref(&s.vault_secret)));
    }
    for (k, v) in &r.runtime.settings {
        settings.push((k.clone(), q(v)));
    }
    o.open("appSettings: [");
    for (name, value) in settings {
        o.open("{")
            .line(&format!("name: {}", q(&name)))
            .line(&format!("value: {value}"))
            .close("}");
    }
    o.close("]");
}

/// The `siteConfig` variable, identical for the app and its staging slot so that a swap
/// never changes security settings.
fn site_config(r: &Resolved, o: &mut Out) {
    o.line("// Identical for the app and its staging slot, so that a swap never changes security settings.");
    o.open("var siteConfig = {");
    o.line(&format!("linuxFxVersion: {}", q(&r.runtime.linux_fx)));
    if let Some(cmd) = &r.runtime.startup_command {
        o.line(&format!("appCommandLine: {}", q(cmd)));
    }
    o.line("alwaysOn: alwaysOn");
    o.line("http20Enabled: true");
    o.line("minTlsVersion: '1.2'");
    o.line("scmMinTlsVersion: '1.2'");
    o.line("ftpsState: 'Disabled'");
    o.line("remoteDebuggingEnabled: false");
    o.line("use32BitWorkerProcess: false");
    o.line(&format!(
        "healthCheckPath: {}",
        q(&r.runtime.health_check_path)
    ));
    if r.runtime.acr_pull {
        o.line("acrUseManagedIdentityCreds: true");
    }
    if r.is_private() {
        o.line("// Only private (RFC 1918) traffic goes through the VNet; see README before routing all egress.");
        o.line("vnetRouteAllEnabled: false");
    }
    app_settings(r, o);
    o.close("}");
    o.line("");
}

/// The body of the app or slot after its name.
fn site_body(r: &Resolved, o: &mut Out, plan_id: &str) {
    let kind = if r.workload == Workload::Container {
        "app,linux,container"
    } else {
        "app,linux"
    };
    o.line("location: location")
        .line("tags: tags")
        .line(&format!("kind: {}", q(kind)));
    o.open("identity: {")
        .line("type: 'SystemAssigned'")
        .close("}");
    o.open("properties: {");
    o.line(&format!("serverFarmId: {plan_id}"));
    o.line("httpsOnly: true");
    o.line("clientAffinityEnabled: false");
    o.line("keyVaultReferenceIdentity: 'SystemAssigned'");
    if r.is_private() {
        o.line("virtualNetworkSubnetId: appSubnetId");
    }
    o.line("siteConfig: siteConfig");
    o.close("}");
}

/// Parameters the app module and the slot module share.
fn shared_params(r: &Resolved, o: &mut Out) {
    o.description("Azure region of the resources.");
    o.line("param location string").line("");
    o.description("Tags applied to every resource.");
    o.line("param tags object").line("");
    o.description("Resource ID of the Log Analytics workspace that receives diagnostics.");
    o.line("param workspaceId string").line("");
    o.description("Deployment environment, exposed to the app as APP_ENVIRONMENT.");
    o.line("param environmentName string").line("");
    o.description("Keep the app loaded (not available on Free).");
    o.line("param alwaysOn bool").line("");
    o.description("Key Vault that holds the app's secrets.");
    o.line("param keyVaultName string").line("");
    o.description("Application Insights component that receives telemetry.");
    o.line("param appInsightsName string").line("");
    if r.is_private() {
        o.description("Subnet for regional VNet integration.");
        o.line("param appSubnetId string").line("");
    }
}

fn app_insights_reference(o: &mut Out) {
    o.open(&format!(
        "resource appInsights 'Microsoft.Insights/components@{}' existing = {{",
        api::COMPONENTS
    ));
    o.line("name: appInsightsName");
    o.close("}");
    o.line("");
}

fn header(o: &mut Out, lines: &[&str]) {
    for l in lines {
        o.line(&format!("// {l}"));
    }
    o.line("// Generated by devops-mcp generate_bicep; regenerate rather than edit by hand.");
    o.line("");
}

/// `modules/appservice.bicep`.
pub(super) fn app_service(r: &Resolved) -> String {
    let slots = r.any_slot();
    let autoscale = r.any_autoscale();
    let mut o = Out::new();
    header(
        &mut o,
        &[
            "App Service plan (Linux), the app with a system-assigned identity, an optional staging slot for",
            "blue-green deployments, and autoscale on CPU and memory.",
        ],
    );
    shared_params(r, &mut o);
    o.description("Name of the App Service plan.");
    o.line("@minLength(1)")
        .line("@maxLength(60)")
        .line("param planName string")
        .line("");
    o.description("Name of the app (part of its default host name).");
    o.line("@minLength(2)")
        .line("@maxLength(60)")
        .line("param siteName string")
        .line("");
    o.description("App Service plan SKU.");
    o.line("param skuName string").line("");
    o.description("Number of plan instances (autoscale's default count).");
    o.line("@minValue(1)")
        .line("@maxValue(30)")
        .line("param instanceCount int")
        .line("");
    if r.zone_uniform().is_none() {
        o.description("Spread instances across availability zones.");
        o.line("param zoneRedundant bool").line("");
    }
    if slots {
        o.description("Create a 'staging' deployment slot for blue-green deployments.");
        o.line("param enableStagingSlot bool").line("");
    }
    if autoscale {
        o.description("Turn autoscale on.");
        o.line("param autoscaleEnabled bool").line("");
        o.description("Fewest instances autoscale keeps.");
        o.line("@minValue(1)")
            .line("@maxValue(30)")
            .line("param autoscaleMinInstances int")
            .line("");
        o.description("Most instances autoscale adds.");
        o.line("@minValue(1)")
            .line("@maxValue(30)")
            .line("param autoscaleMaxInstances int")
            .line("");
        o.description("Average CPU percentage that adds an instance (half of it removes one).");
        o.line("@minValue(10)")
            .line("@maxValue(95)")
            .line("param autoscaleCpuPercent int")
            .line("");
    }
    app_insights_reference(&mut o);
    o.open(&format!(
        "resource plan 'Microsoft.Web/serverfarms@{}' = {{",
        api::WEB
    ));
    o.line("name: planName")
        .line("location: location")
        .line("tags: tags")
        .line("kind: 'linux'");
    o.open("sku: {")
        .line("name: skuName")
        .line("capacity: instanceCount")
        .close("}");
    let zone = r
        .zone_uniform()
        .map_or_else(|| "zoneRedundant".to_owned(), |z| z.to_string());
    o.open("properties: {")
        .line("reserved: true")
        .line(&format!("zoneRedundant: {zone}"))
        .close("}");
    o.close("}");
    o.line("");
    diagnostics(&mut o, "plan", false, true, None);
    o.line("");
    site_config(r, &mut o);
    o.open(&format!(
        "resource site 'Microsoft.Web/sites@{}' = {{",
        api::WEB
    ));
    o.line("name: siteName");
    site_body(r, &mut o, "plan.id");
    o.close("}");
    o.line("");
    diagnostics(&mut o, "site", true, true, None);
    o.line("");
    if slots {
        o.line("// The slot is a module so that its body is unconditional and scanners read it in full.");
        o.open("module stagingSlot 'staging-slot.bicep' = if (enableStagingSlot) {");
        o.line("name: take('${deployment().name}-slot', 64)");
        o.open("params: {");
        o.line("location: location")
            .line("tags: tags")
            .line("workspaceId: workspaceId")
            .line("environmentName: environmentName");
        o.line("alwaysOn: alwaysOn")
            .line("keyVaultName: keyVaultName")
            .line("appInsightsName: appInsightsName");
        if r.is_private() {
            o.line("appSubnetId: appSubnetId");
        }
        o.line("siteName: site.name").line("planId: plan.id");
        o.close("}");
        o.close("}");
        o.line("");
    }
    if autoscale {
        o.open(&format!("resource autoscale 'Microsoft.Insights/autoscalesettings@{}' = if (autoscaleEnabled) {{", api::AUTOSCALE));
        o.line("name: 'autoscale-${planName}'")
            .line("location: location")
            .line("tags: tags");
        o.open("properties: {");
        o.line("enabled: true");
        o.line("targetResourceUri: plan.id");
        o.open("profiles: [");
        o.open("{");
        o.line("name: 'cpu-and-memory'");
        o.open("capacity: {");
        o.line("minimum: string(autoscaleMinInstances)");
        o.line("maximum: string(autoscaleMaxInstances)");
        o.line("default: string(instanceCount)");
        o.close("}");
        o.open("rules: [");
        for (metric, op, threshold, direction, cooldown) in [
            (
                "CpuPercentage",
                "GreaterThan",
                "autoscaleCpuPercent",
                "Increase",
                "PT10M",
            ),
            ("MemoryPercentage", "GreaterThan", "80", "Increase", "PT10M"),
            (
                "CpuPercentage",
                "LessThan",
                "autoscaleCpuPercent / 2",
                "Decrease",
                "PT15M",
            ),
            ("MemoryPercentage", "LessThan", "50", "Decrease", "PT15M"),
        ] {
            o.open("{");
            o.open("metricTrigger: {");
            o.line(&format!("metricName: '{metric}'"));
            o.line("metricResourceUri: plan.id");
            o.line("timeGrain: 'PT1M'");
            o.line("statistic: 'Average'");
            o.line("timeWindow: 'PT10M'");
            o.line("timeAggregation: 'Average'");
            o.line(&format!("operator: '{op}'"));
            o.line(&format!("threshold: {threshold}"));
            o.close("}");
            o.open("scaleAction: {");
            o.line(&format!("direction: '{direction}'"));
            o.line("type: 'ChangeCount'");
            o.line("value: '1'");
            o.line(&format!("cooldown: '{cooldown}'"));
            o.close("}");
            o.close("}");
        }
        o.close("]");
        o.close("}");
        o.close("]");
        o.close("}");
        o.close("}");
        o.line("");
        diagnostics(&mut o, "autoscale", true, true, Some("autoscaleEnabled"));
        o.line("");
    }
    o.description("Principal ID of the app's system-assigned identity.");
    o.line("output principalId string = site.identity.principalId");
    if slots {
        o.description("Principal ID of the staging slot's identity (empty without a slot).");
        o.line("output slotPrincipalId string = enableStagingSlot ? stagingSlot!.outputs.principalId : ''");
    }
    o.description("Default host name of the app.");
    o.line("output defaultHostName string = site.properties.defaultHostName");
    o.description("Resource ID of the App Service plan.");
    o.line("output planId string = plan.id");
    o.finish()
}

/// `modules/staging-slot.bicep`: the blue-green slot of the app.
pub(super) fn staging_slot(r: &Resolved) -> String {
    let mut o = Out::new();
    header(
        &mut o,
        &[
            "The 'staging' deployment slot of the app: same configuration and hardening, its own identity.",
        ],
    );
    shared_params(r, &mut o);
    o.description("Name of the app the slot belongs to.");
    o.line("param siteName string").line("");
    o.description("Resource ID of the App Service plan.");
    o.line("param planId string").line("");
    app_insights_reference(&mut o);
    o.open(&format!(
        "resource site 'Microsoft.Web/sites@{}' existing = {{",
        api::WEB
    ));
    o.line("name: siteName");
    o.close("}");
    o.line("");
    site_config(r, &mut o);
    o.open(&format!(
        "resource stagingSlot 'Microsoft.Web/sites/slots@{}' = {{",
        api::WEB
    ));
    o.line("parent: site").line("name: 'staging'");
    site_body(r, &mut o, "planId");
    o.close("}");
    o.line("");
    diagnostics(&mut o, "stagingSlot", true, true, None);
    o.line("");
    o.description("Principal ID of the slot's system-assigned identity.");
    o.line("output principalId string = stagingSlot.identity.principalId");
    o.finish()
}

/// `modules/roles.bicep`.
pub(super) fn roles() -> String {
    let mut o = Out::new();
    o.line("// Least-privilege access for the app's identities: Key Vault Secrets User on the vault only.");
    o.line("// Generated by devops-mcp generate_bicep; regenerate rather than edit by hand.");
    o.line("");
    o.description("Key Vault the identities may read secrets from.");
    o.line("param keyVaultName string").line("");
    o.description("Principal IDs of the managed identities (app and slot).");
    o.line("param principalIds array").line("");
    o.line(&format!(
        "// Built-in role '{}': read secret values, nothing else.",
        roles::KEY_VAULT_SECRETS_USER.name
    ));
    o.line(&format!(
        "var keyVaultSecretsUserRoleId = {}",
        q(roles::KEY_VAULT_SECRETS_USER.id)
    ));
    o.line("");
    o.open(&format!(
        "resource keyVault 'Microsoft.KeyVault/vaults@{}' existing = {{",
        api::KEY_VAULT
    ));
    o.line("name: keyVaultName");
    o.close("}");
    o.line("");
    o.open(&format!("resource secretsUser 'Microsoft.Authorization/roleAssignments@{}' = [for principalId in principalIds: {{", api::ROLE_ASSIGNMENTS));
    o.line("name: guid(keyVault.id, principalId, keyVaultSecretsUserRoleId)");
    o.line("scope: keyVault");
    o.open("properties: {");
    o.line("roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', keyVaultSecretsUserRoleId)");
    o.line("principalId: principalId");
    o.line("principalType: 'ServicePrincipal'");
    o.close("}");
    o.close("}]");
    o.finish()
}
