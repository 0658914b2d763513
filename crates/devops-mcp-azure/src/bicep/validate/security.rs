//! The security rules (`BCP-SEC-*`), each documented in docs/bicep-rules.md: App Service
//! hardening, Key Vault, PostgreSQL, role assignments, secrets in parameters, literals and
//! outputs, globally unique names, diagnostic settings and network exposure.
//!
//! Values are evaluated with [`Ctx`]: literals, variables and parameter defaults. A value
//! that cannot be known before deployment is not reported, except where the platform
//! default is itself insecure (then a missing property is reported too).

use super::ast::{Expr, ExprKind, FileAst, FileKind, Prop, ResourceDecl, Span, StrPart, decorator};
use super::eval::{Ctx, Value};
use super::{Project, Sink};
use crate::bicep::naming;
use crate::bicep::roles;
use crate::bicep::rules::Severity;
use crate::bicep::secrets::looks_secret;
use crate::bicep::types::{TypeIndex, TypeNode};

/// Resource types that emit logs or metrics through diagnostic settings: (type, has log
/// categories, has metrics). Application Insights components are left out on purpose:
/// workspace-based components already store their telemetry in the workspace.
pub(crate) const DIAGNOSTIC_TYPES: &[(&str, bool, bool)] = &[
    ("Microsoft.App/managedEnvironments", true, true),
    ("Microsoft.ContainerRegistry/registries", true, true),
    ("Microsoft.DBforPostgreSQL/flexibleServers", true, true),
    ("Microsoft.Insights/autoscalesettings", true, true),
    ("Microsoft.KeyVault/vaults", true, true),
    ("Microsoft.Network/networkSecurityGroups", true, false),
    ("Microsoft.Network/privateEndpoints", false, true),
    ("Microsoft.Network/virtualNetworks", true, true),
    ("Microsoft.OperationalInsights/workspaces", true, true),
    ("Microsoft.Storage/storageAccounts", false, true),
    ("Microsoft.Web/serverfarms", false, true),
    ("Microsoft.Web/sites", true, true),
    ("Microsoft.Web/sites/slots", true, true),
];

fn is_type(r: &ResourceDecl, t: &str) -> bool {
    r.resource_type.eq_ignore_ascii_case(t)
}

pub(crate) fn check(project: &Project, types: Option<&TypeIndex>, sink: &mut Sink) {
    let private_groups = private_link_groups(project);
    for (index, file) in project.files.iter().enumerate() {
        match file.kind {
            FileKind::Bicep => {
                secure_params(file, sink);
                secret_outputs(file, sink);
                for r in file.resources.iter().filter(|r| !r.existing) {
                    let ctx = Ctx {
                        file,
                        locals: &r.loop_vars,
                    };
                    let body = r.value.body();
                    if body.as_object().is_none() {
                        continue;
                    }
                    let rc = Res {
                        r,
                        body,
                        ctx,
                        path: &file.path,
                    };
                    if is_type(r, "Microsoft.Web/sites") || is_type(r, "Microsoft.Web/sites/slots")
                    {
                        app_service(&rc, sink);
                    }
                    if is_type(r, "Microsoft.Web/sites/config")
                        || is_type(r, "Microsoft.Web/sites/slots/config")
                    {
                        app_config(&rc, sink);
                    }
                    if is_type(r, "Microsoft.KeyVault/vaults") {
                        key_vault(
                            &rc,
                            private_groups
                                .iter()
                                .any(|g| g.eq_ignore_ascii_case("vault")),
                            sink,
                        );
                    }
                    if is_type(r, "Microsoft.KeyVault/vaults/accessPolicies") {
                        sink.add(rc.path, r.span, "BCP-SEC-007", "access policies bypass Azure RBAC; set enableRbacAuthorization: true on the vault and grant roles such as Key Vault Secrets User instead");
                    }
                    if is_type(r, "Microsoft.DBforPostgreSQL/flexibleServers") {
                        postgres(
                            &rc,
                            private_groups
                                .iter()
                                .any(|g| g.eq_ignore_ascii_case("postgresqlServer")),
                            sink,
                        );
                    }
                    if is_type(
                        r,
                        "Microsoft.DBforPostgreSQL/flexibleServers/configurations",
                    ) {
                        postgres_config(&rc, sink);
                    }
                    if is_type(r, "Microsoft.DBforPostgreSQL/flexibleServers/firewallRules") {
                        firewall(&rc, sink);
                    }
                    if is_type(r, "Microsoft.Authorization/roleAssignments") {
                        role_assignment(&rc, sink);
                    }
                    if is_type(r, "Microsoft.Network/networkSecurityGroups")
                        && let Some(ExprKind::Array(rules)) =
                            body.path(&["properties", "securityRules"]).map(|e| &e.kind)
                    {
                        for rule in rules {
                            nsg_rule(&rc, rule.get("properties"), rule.span, sink);
                        }
                    }
                    if is_type(r, "Microsoft.Network/networkSecurityGroups/securityRules") {
                        nsg_rule(&rc, body.get("properties"), r.span, sink);
                    }
                    secret_literals(&rc, types, sink);
                    unique_names(project, index, &rc, sink);
                }
                diagnostics(file, sink);
            }
            FileKind::BicepParam => params_file_secrets(project, file, sink),
        }
    }
}

/// A resource being checked.
struct Res<'a> {
    r: &'a ResourceDecl,
    body: &'a Expr,
    ctx: Ctx<'a>,
    path: &'a str,
}

impl<'a> Res<'a> {
    /// Follows variables: `siteConfig: siteConfig` leads to the variable's object.
    fn deref(&self, mut e: &'a Expr) -> &'a Expr {
        for _ in 0..8 {
            match &e.kind {
                ExprKind::Ident(n) if !self.ctx.locals.contains(n) => match self.ctx.file.var(n) {
                    Some(v) => e = &v.value,
                    None => break,
                },
                _ => break,
            }
        }
        e
    }

    fn at(&self, keys: &[&str]) -> Option<&'a Expr> {
        let mut cur = self.deref(self.body);
        for k in keys {
            cur = self.deref(cur.get(k)?);
        }
        Some(cur)
    }

    fn value(&self, keys: &[&str]) -> Option<Value> {
        self.at(keys).and_then(|e| self.ctx.value(e))
    }

    /// Span of the deepest existing key on the path (or the resource symbol).
    fn span(&self, keys: &[&str]) -> Span {
        let mut span = self.r.span;
        let mut cur = self.deref(self.body);
        for k in keys {
            let Some(props) = cur.as_object() else { break };
            let Some(p) = props.iter().find(|p| p.key.eq_ignore_ascii_case(k)) else {
                break;
            };
            span = p.key_span;
            cur = self.deref(&p.value);
        }
        span
    }

    fn name(&self) -> String {
        format!("{} '{}'", self.r.resource_type, self.r.symbol)
    }
}

/// Private-link group IDs that some private endpoint in the set connects to.
fn private_link_groups(project: &Project) -> Vec<String> {
    let mut out = Vec::new();
    for file in &project.files {
        for r in file
            .resources
            .iter()
            .filter(|r| is_type(r, "Microsoft.Network/privateEndpoints"))
        {
            let ctx = Ctx {
                file,
                locals: &r.loop_vars,
            };
            let Some(ExprKind::Array(conns)) = r
                .value
                .body()
                .path(&["properties", "privateLinkServiceConnections"])
                .map(|e| &e.kind)
            else {
                continue;
            };
            for c in conns {
                if let Some(Value::Array(groups)) = c
                    .path(&["properties", "groupIds"])
                    .and_then(|g| ctx.value(g))
                {
                    out.extend(
                        groups
                            .into_iter()
                            .filter_map(|g| if let Value::Str(s) = g { Some(s) } else { None }),
                    );
                }
            }
        }
    }
    out
}

fn app_service(rc: &Res<'_>, sink: &mut Sink) {
    match rc.value(&["properties", "httpsOnly"]) {
        Some(Value::Bool(true)) => {}
        Some(Value::Bool(false)) => sink.add(rc.path, rc.span(&["properties", "httpsOnly"]), "BCP-SEC-001", format!("{} serves plain HTTP; set properties.httpsOnly: true", rc.name())),
        Some(_) => {}
        None if rc.at(&["properties", "httpsOnly"]).is_none() => sink.add(rc.path, rc.span(&["properties", "httpsOnly"]), "BCP-SEC-001", format!("{} does not set httpsOnly, so it also serves plain HTTP; set properties.httpsOnly: true", rc.name())),
        None => {}
    }
    let site_config = ["properties", "siteConfig"];
    tls(rc, &[&site_config[..], &["minTlsVersion"]].concat(), sink);
    tls(
        rc,
        &[&site_config[..], &["scmMinTlsVersion"]].concat(),
        sink,
    );
    ftps(rc, &["properties", "siteConfig", "ftpsState"], sink);
    if rc.value(&["properties", "siteConfig", "remoteDebuggingEnabled"]) == Some(Value::Bool(true))
    {
        sink.add(
            rc.path,
            rc.span(&["properties", "siteConfig", "remoteDebuggingEnabled"]),
            "BCP-SEC-004",
            format!(
                "{} enables remote debugging; set remoteDebuggingEnabled: false",
                rc.name()
            ),
        );
    }
    match (rc.at(&["identity", "type"]), rc.value(&["identity", "type"])) {
        (_, Some(Value::Str(t))) if t.to_ascii_lowercase().contains("systemassigned") => {}
        (_, Some(Value::Str(t))) if t.eq_ignore_ascii_case("UserAssigned") => sink.add_with(
            rc.path,
            rc.span(&["identity", "type"]),
            "BCP-SEC-005",
            Severity::Warning,
            format!("{} has only a user-assigned identity; add SystemAssigned so Key Vault references and role assignments follow the app's lifecycle", rc.name()),
        ),
        (Some(_), None) => {}
        _ => sink.add(
            rc.path,
            rc.span(&["identity", "type"]),
            "BCP-SEC-005",
            format!("{} has no system-assigned managed identity; add identity: {{ type: 'SystemAssigned' }} so it can read Key Vault without stored credentials", rc.name()),
        ),
    }
    if let Some(ExprKind::Array(settings)) = rc
        .at(&["properties", "siteConfig", "appSettings"])
        .map(|e| &e.kind)
    {
        for s in settings {
            let name = s
                .get("name")
                .and_then(|n| rc.ctx.value(n))
                .and_then(|v| v.as_str().map(str::to_owned));
            if let (Some(name), Some(value)) = (name, s.get("value")) {
                setting(rc, &name, value, sink);
            }
        }
    }
    if let Some(ExprKind::Array(conns)) = rc
        .at(&["properties", "siteConfig", "connectionStrings"])
        .map(|e| &e.kind)
    {
        for c in conns {
            if let Some(value) = c.get("connectionString") {
                let name = c
                    .get("name")
                    .and_then(|n| rc.ctx.value(n))
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_else(|| "connection string".into());
                setting(rc, &format!("{name} connectionString"), value, sink);
            }
        }
    }
}

fn tls(rc: &Res<'_>, keys: &[&str], sink: &mut Sink) {
    if let Some(Value::Str(v)) = rc.value(keys)
        && (v == "1.0" || v == "1.1")
    {
        let key = keys.last().copied().unwrap_or("minTlsVersion");
        sink.add(
            rc.path,
            rc.span(keys),
            "BCP-SEC-002",
            format!("{} allows TLS {v}; set {key}: '1.2' (or '1.3')", rc.name()),
        );
    }
}

fn ftps(rc: &Res<'_>, keys: &[&str], sink: &mut Sink) {
    match rc.value(keys) {
        Some(Value::Str(v)) if v.eq_ignore_ascii_case("Disabled") => {}
        Some(Value::Str(v)) if v.eq_ignore_ascii_case("FtpsOnly") => sink.add_with(rc.path, rc.span(keys), "BCP-SEC-003", Severity::Warning, format!("{} still accepts FTPS deployments; set ftpsState: 'Disabled' and deploy with zip deploy or containers", rc.name())),
        Some(Value::Str(v)) => sink.add(rc.path, rc.span(keys), "BCP-SEC-003", format!("{} has ftpsState '{v}', which allows FTP; set ftpsState: 'Disabled'", rc.name())),
        Some(_) => {}
        None if rc.at(keys).is_none() => sink.add(rc.path, rc.span(keys), "BCP-SEC-003", format!("{} does not set ftpsState, so FTP(S) stays available; set ftpsState: 'Disabled'", rc.name())),
        None => {}
    }
}

fn app_config(rc: &Res<'_>, sink: &mut Sink) {
    let name = rc
        .body
        .get("name")
        .and_then(|n| rc.ctx.value(n))
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default();
    match name.to_ascii_lowercase().as_str() {
        "web" => {
            tls(rc, &["properties", "minTlsVersion"], sink);
            tls(rc, &["properties", "scmMinTlsVersion"], sink);
            if rc.at(&["properties", "ftpsState"]).is_some() {
                ftps(rc, &["properties", "ftpsState"], sink);
            }
            if rc.value(&["properties", "remoteDebuggingEnabled"]) == Some(Value::Bool(true)) {
                sink.add(
                    rc.path,
                    rc.span(&["properties", "remoteDebuggingEnabled"]),
                    "BCP-SEC-004",
                    format!(
                        "{} enables remote debugging; set remoteDebuggingEnabled: false",
                        rc.name()
                    ),
                );
            }
        }
        "appsettings" => {
            if let Some(props) = rc.at(&["properties"]).and_then(Expr::as_object) {
                for p in props {
                    setting(rc, &p.key, &p.value, sink);
                }
            }
        }
        _ => {}
    }
}

/// Whether a string expression is a Key Vault reference (`@Microsoft.KeyVault(...)`).
fn is_key_vault_reference(e: &Expr, ctx: &Ctx<'_>) -> bool {
    if let Some(Value::Str(s)) = ctx.value(e) {
        return s.trim_start().starts_with("@Microsoft.KeyVault(");
    }
    match &e.kind {
        ExprKind::Str(parts) => {
            matches!(parts.first(), Some(StrPart::Text(t)) if t.trim_start().starts_with("@Microsoft.KeyVault("))
        }
        ExprKind::Ident(n) => ctx
            .file
            .var(n)
            .is_some_and(|v| is_key_vault_reference(&v.value, ctx)),
        _ => false,
    }
}

/// Whether an expression carries a `@secure()` parameter's value (directly or through
/// variables and interpolation).
fn carries_secure_param(e: &Expr, ctx: &Ctx<'_>, depth: u32) -> Option<String> {
    if depth > 8 {
        return None;
    }
    let mut found = None;
    e.walk(&mut |x| {
        if found.is_some() {
            return;
        }
        match &x.kind {
            ExprKind::Ident(n) if !ctx.locals.contains(n) => {
                if let Some(p) = ctx.file.param(n)
                    && decorator(&p.decorators, "secure").is_some()
                {
                    found = Some(n.clone());
                } else if let Some(v) = ctx.file.var(n) {
                    found = carries_secure_param(&v.value, ctx, depth + 1);
                }
            }
            ExprKind::Call(_, f, _)
                if f.to_ascii_lowercase().starts_with("list")
                    || f.eq_ignore_ascii_case("getSecret") =>
            {
                found = Some(format!("{f}()"));
            }
            _ => {}
        }
    });
    found
}

fn setting(rc: &Res<'_>, name: &str, value: &Expr, sink: &mut Sink) {
    if is_key_vault_reference(value, &rc.ctx) {
        return;
    }
    if let Some(source) = carries_secure_param(value, &rc.ctx, 0) {
        sink.add(rc.path, value.span, "BCP-SEC-006", format!("app setting '{name}' of {} holds the secret {source} in plain configuration; store it in Key Vault and set the value to '@Microsoft.KeyVault(VaultName=<vault>;SecretName=<name>)'", rc.name()));
        return;
    }
    if looks_secret(name) {
        sink.add(rc.path, value.span, "BCP-SEC-006", format!("app setting '{name}' of {} looks like a secret but is not a Key Vault reference; store the value in Key Vault and set '@Microsoft.KeyVault(VaultName=<vault>;SecretName=<name>)'", rc.name()));
    }
}

fn key_vault(rc: &Res<'_>, behind_private_endpoint: bool, sink: &mut Sink) {
    match rc.value(&["properties", "enableRbacAuthorization"]) {
        Some(Value::Bool(true)) => {}
        Some(Value::Bool(false)) => sink.add(rc.path, rc.span(&["properties", "enableRbacAuthorization"]), "BCP-SEC-007", format!("{} uses access policies; set enableRbacAuthorization: true and grant built-in roles", rc.name())),
        _ if rc.at(&["properties", "enableRbacAuthorization"]).is_none() => sink.add_with(
            rc.path,
            rc.span(&["properties", "enableRbacAuthorization"]),
            "BCP-SEC-007",
            Severity::Warning,
            format!("{} does not set enableRbacAuthorization; API versions before 2026-02-01 default to access policies, so set it to true explicitly", rc.name()),
        ),
        _ => {}
    }
    if let Some(ExprKind::Array(p)) = rc.at(&["properties", "accessPolicies"]).map(|e| &e.kind)
        && !p.is_empty()
    {
        sink.add(
            rc.path,
            rc.span(&["properties", "accessPolicies"]),
            "BCP-SEC-007",
            format!(
                "{} grants access policies; use Azure RBAC role assignments instead",
                rc.name()
            ),
        );
    }
    if rc.value(&["properties", "enableSoftDelete"]) == Some(Value::Bool(false)) {
        sink.add(rc.path, rc.span(&["properties", "enableSoftDelete"]), "BCP-SEC-008", format!("{} disables soft delete; remove enableSoftDelete: false (deleted secrets must stay recoverable)", rc.name()));
    }
    if let Some(Value::Int(days)) = rc.value(&["properties", "softDeleteRetentionInDays"])
        && days < 7
    {
        sink.add(
            rc.path,
            rc.span(&["properties", "softDeleteRetentionInDays"]),
            "BCP-SEC-008",
            format!(
                "{} keeps deleted items only {days} days; use 7-90 (90 recommended)",
                rc.name()
            ),
        );
    }
    match (
        rc.at(&["properties", "enablePurgeProtection"]),
        rc.value(&["properties", "enablePurgeProtection"]),
    ) {
        (_, Some(Value::Bool(true))) | (Some(_), None) => {}
        _ => sink.add(
            rc.path,
            rc.span(&["properties", "enablePurgeProtection"]),
            "BCP-SEC-009",
            format!(
                "{} can be purged during its retention period; set enablePurgeProtection: true",
                rc.name()
            ),
        ),
    }
    if behind_private_endpoint {
        match rc.value(&["properties", "publicNetworkAccess"]) {
            Some(Value::Str(v)) if v.eq_ignore_ascii_case("Disabled") => {}
            Some(Value::Str(_)) | None => sink.add(rc.path, rc.span(&["properties", "publicNetworkAccess"]), "BCP-SEC-010", format!("{} is reached through a private endpoint but keeps its public endpoint; set publicNetworkAccess: 'Disabled'", rc.name())),
            Some(_) => {}
        }
    }
}

fn postgres(rc: &Res<'_>, behind_private_endpoint: bool, sink: &mut Sink) {
    let vnet = rc
        .at(&["properties", "network", "delegatedSubnetResourceId"])
        .is_some();
    if behind_private_endpoint || vnet {
        match rc.value(&["properties", "network", "publicNetworkAccess"]) {
            Some(Value::Str(v)) if v.eq_ignore_ascii_case("Disabled") => {}
            Some(Value::Str(_)) | None => sink.add(rc.path, rc.span(&["properties", "network", "publicNetworkAccess"]), "BCP-SEC-011", format!("{} is reached privately but keeps public access; set properties.network.publicNetworkAccess: 'Disabled'", rc.name())),
            Some(_) => {}
        }
    }
    match (rc.at(&["properties", "authConfig", "activeDirectoryAuth"]), rc.value(&["properties", "authConfig", "activeDirectoryAuth"])) {
        (_, Some(Value::Str(v))) if v.eq_ignore_ascii_case("Enabled") => {}
        (Some(_), None) => {}
        _ => sink.add(
            rc.path,
            rc.span(&["properties", "authConfig", "activeDirectoryAuth"]),
            "BCP-SEC-013",
            format!("{} does not enable Microsoft Entra authentication; set properties.authConfig.activeDirectoryAuth: 'Enabled' (and tenantId)", rc.name()),
        ),
    }
}

fn postgres_config(rc: &Res<'_>, sink: &mut Sink) {
    let name = rc
        .body
        .get("name")
        .and_then(|n| rc.ctx.value(n))
        .and_then(|v| v.as_str().map(str::to_ascii_lowercase))
        .unwrap_or_default();
    let value = rc
        .value(&["properties", "value"])
        .and_then(|v| v.as_str().map(str::to_ascii_lowercase));
    let Some(value) = value else { return };
    let bad = match name.rsplit('/').next().unwrap_or("") {
        "require_secure_transport" => value == "off" || value == "0" || value == "false",
        "ssl_min_protocol_version" => value == "tlsv1" || value == "tlsv1.0" || value == "tlsv1.1",
        _ => false,
    };
    if bad {
        sink.add(rc.path, rc.span(&["properties", "value"]), "BCP-SEC-012", format!("{} sets {name} = {value}, which allows unencrypted or old-TLS connections; use require_secure_transport = ON and ssl_min_protocol_version = TLSv1.2", rc.name()));
    }
}

fn firewall(rc: &Res<'_>, sink: &mut Sink) {
    let start = rc
        .value(&["properties", "startIpAddress"])
        .and_then(|v| v.as_str().map(str::to_owned));
    let end = rc
        .value(&["properties", "endIpAddress"])
        .and_then(|v| v.as_str().map(str::to_owned));
    match (start.as_deref(), end.as_deref()) {
        (Some("0.0.0.0"), Some("255.255.255.255")) => sink.add(rc.path, rc.r.span, "BCP-SEC-021", format!("{} opens the server to the whole internet; allow specific addresses or use private networking", rc.name())),
        (Some("0.0.0.0"), Some("0.0.0.0")) => sink.add_with(rc.path, rc.r.span, "BCP-SEC-021", Severity::Warning, format!("{} lets every Azure service of every tenant connect; prefer private networking or the app's outbound addresses", rc.name())),
        _ => {}
    }
}

fn role_assignment(rc: &Res<'_>, sink: &mut Sink) {
    let Some(Value::Str(id)) = rc.value(&["properties", "roleDefinitionId"]) else {
        return;
    };
    if let Some(role) = roles::find(roles::PRIVILEGED, &id) {
        sink.add(rc.path, rc.span(&["properties", "roleDefinitionId"]), "BCP-SEC-014", format!("{} grants {} ({}); grant the narrow built-in role the workload needs instead (e.g. Key Vault Secrets User)", rc.name(), role.name, role.id));
    } else if roles::find(roles::KNOWN, &id).is_none() {
        sink.add(rc.path, rc.span(&["properties", "roleDefinitionId"]), "BCP-SEC-015", format!("{} uses role definition '{id}', which is not a recognised built-in role; check it grants only what the principal needs", rc.name()));
    }
}

fn nsg_rule(rc: &Res<'_>, props: Option<&Expr>, span: Span, sink: &mut Sink) {
    let Some(props) = props else { return };
    let get = |k: &str| props.get(k).and_then(|e| rc.ctx.value(e));
    let text = |k: &str| get(k).and_then(|v| v.as_str().map(str::to_ascii_lowercase));
    if text("access").as_deref() != Some("allow") || text("direction").as_deref() != Some("inbound")
    {
        return;
    }
    let mut sources: Vec<String> = text("sourceAddressPrefix").into_iter().collect();
    if let Some(Value::Array(v)) = get("sourceAddressPrefixes") {
        sources.extend(
            v.into_iter()
                .filter_map(|x| x.as_str().map(str::to_ascii_lowercase)),
        );
    }
    let open = sources
        .iter()
        .any(|s| matches!(s.as_str(), "*" | "internet" | "any" | "0.0.0.0/0"));
    if !open {
        return;
    }
    let mut ports: Vec<String> = text("destinationPortRange").into_iter().collect();
    if let Some(Value::Array(v)) = get("destinationPortRanges") {
        ports.extend(v.into_iter().filter_map(|x| match x {
            Value::Str(s) => Some(s),
            Value::Int(i) => Some(i.to_string()),
            _ => None,
        }));
    }
    if let Some(Value::Int(i)) = get("destinationPortRange") {
        ports.push(i.to_string());
    }
    let covers = |port: u32| {
        ports.iter().any(|p| {
            p == "*"
                || p == &port.to_string()
                || p.split_once('-').is_some_and(|(a, b)| {
                    a.parse::<u32>().is_ok_and(|a| a <= port)
                        && b.parse::<u32>().is_ok_and(|b| b >= port)
                })
        })
    };
    for (port, what) in [(22, "SSH"), (3389, "RDP")] {
        if covers(port) {
            sink.add(rc.path, span, "BCP-SEC-022", format!("{} allows {what} (port {port}) from the internet; restrict the source or use Azure Bastion", rc.name()));
        }
    }
}

/// Parameters that carry secrets must be `@secure()`, and must not have literal defaults.
fn secure_params(file: &FileAst, sink: &mut Sink) {
    for p in &file.params {
        let secure = decorator(&p.decorators, "secure").is_some();
        let ty = p.ty.trim().trim_end_matches('?');
        if !secure && looks_secret(&p.name) && (ty == "string" || ty == "object") {
            sink.add(&file.path, p.span, "BCP-SEC-016", format!("parameter '{}' looks like a secret but is not @secure(), so its value is logged in the deployment history; add @secure()", p.name));
        }
        if secure
            && let Some(v) = &p.value
            && let Some(Value::Str(s)) = Ctx::new(file).value(v)
            && !s.is_empty()
        {
            sink.add(&file.path, v.span, "BCP-SEC-017", format!("secure parameter '{}' has a literal default, so the secret is in source control; remove the default and pass the value at deployment", p.name));
        }
    }
}

/// Literal secrets in resource bodies: properties that look secret or that the type data
/// marks sensitive.
fn secret_literals(rc: &Res<'_>, types: Option<&TypeIndex>, sink: &mut Sink) {
    let sensitive = sensitive_paths(rc.r, types);
    fn walk(
        rc: &Res<'_>,
        props: &[Prop],
        path: &mut Vec<String>,
        sensitive: &[Vec<String>],
        sink: &mut Sink,
    ) {
        for p in props {
            path.push(p.key.to_ascii_lowercase());
            let marked = sensitive.iter().any(|s| s == path);
            let is_vault_secret_value = is_type(rc.r, "Microsoft.KeyVault/vaults/secrets")
                && path.as_slice() == ["properties", "value"];
            if (marked || is_vault_secret_value || looks_secret(&p.key))
                && let Some(Value::Str(s)) = rc.ctx.value(&p.value)
                && !s.is_empty()
                && !s.starts_with("@Microsoft.KeyVault(")
            {
                sink.add(rc.path, p.value.span, "BCP-SEC-017", format!("'{}' of {} is a literal secret; pass it as a @secure() parameter (set from an environment variable or Key Vault at deployment)", p.key, rc.name()));
            } else if marked
                && let ExprKind::Ident(n) = &p.value.kind
                && let Some(param) = rc.ctx.file.param(n)
                && decorator(&param.decorators, "secure").is_none()
            {
                sink.add(rc.path, p.value.span, "BCP-SEC-016", format!("'{}' of {} is sensitive but parameter '{n}' is not @secure(); add @secure()", p.key, rc.name()));
            }
            if let Some(inner) = p.value.as_object() {
                walk(rc, inner, path, sensitive, sink);
            }
            path.pop();
        }
    }
    if let Some(props) = rc.body.as_object() {
        walk(rc, props, &mut Vec::new(), &sensitive, sink);
    }
}

/// Property paths (lower-case) the type data marks sensitive, to two levels.
fn sensitive_paths(r: &ResourceDecl, types: Option<&TypeIndex>) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let (Some(types), Some(api)) = (types, &r.api_version) else {
        return out;
    };
    let Ok(Some(rt)) = types.resource(&r.resource_type, api) else {
        return out;
    };
    let Ok(TypeNode::Object { properties, .. }) = types.node(rt.body) else {
        return out;
    };
    for p in properties {
        let key = p.name.to_ascii_lowercase();
        match types.node(p.ty) {
            Ok(TypeNode::String {
                sensitive: true, ..
            }) => out.push(vec![key]),
            Ok(TypeNode::Object {
                properties: inner, ..
            }) => {
                for q in inner {
                    if let Ok(TypeNode::String {
                        sensitive: true, ..
                    }) = types.node(q.ty)
                    {
                        out.push(vec![key.clone(), q.name.to_ascii_lowercase()]);
                    }
                }
            }
            _ => {}
        }
    }
    out
}

fn secret_outputs(file: &FileAst, sink: &mut Sink) {
    let ctx = Ctx::new(file);
    for o in &file.outputs {
        if decorator(&o.decorators, "secure").is_some() {
            continue;
        }
        if let Some(source) = carries_secure_param(&o.value, &ctx, 0) {
            sink.add(&file.path, o.span, "BCP-SEC-018", format!("output '{}' returns {source}, a secret, which anyone who can read the deployment sees; remove the output or read the secret from Key Vault where it is needed", o.name));
        } else if looks_secret(&o.name) {
            sink.add(&file.path, o.span, "BCP-SEC-018", format!("output '{}' looks like a secret and outputs are stored in plain text in the deployment history; remove it or mark it @secure()", o.name));
        }
    }
}

fn params_file_secrets(project: &Project, file: &FileAst, sink: &mut Sink) {
    let template = file
        .using
        .as_ref()
        .and_then(|(u, _)| project.resolve(&file.path, u))
        .map(|i| &project.files[i]);
    let ctx = Ctx::new(file);
    for a in &file.params {
        let secure = template
            .and_then(|t| t.param(&a.name))
            .is_some_and(|p| decorator(&p.decorators, "secure").is_some());
        if !(secure || looks_secret(&a.name)) {
            continue;
        }
        if let Some(v) = &a.value
            && let Some(Value::Str(s)) = ctx.value(v)
            && !s.is_empty()
        {
            sink.add(&file.path, v.span, "BCP-SEC-017", format!("secret parameter '{}' is set to a literal in a file that is committed; use readEnvironmentVariable('{}') or az.getSecret(...)", a.name, env_name(&a.name)));
        }
    }
}

fn env_name(param: &str) -> String {
    crate::bicep::secrets::words(param)
        .join("_")
        .to_ascii_uppercase()
}

/// Globally unique names should not be fixed strings: the second deployment anywhere in
/// Azure would collide.
fn unique_names(project: &Project, index: usize, rc: &Res<'_>, sink: &mut Sink) {
    let Some(rule) = naming::rule_for(&rc.r.resource_type) else {
        return;
    };
    if !rule.globally_unique {
        return;
    }
    let Some(name) = rc.body.get("name") else {
        return;
    };
    let file = &project.files[index];
    let mut exprs: Vec<(Ctx<'_>, &Expr)> = vec![(rc.ctx, name)];
    if let ExprKind::Ident(n) = &name.kind
        && file.param(n).is_some()
    {
        exprs.clear();
        for (ci, m) in project.callers(index) {
            if let Some(v) = m.value.body().get("params").and_then(|p| p.get(n)) {
                exprs.push((Ctx::new(&project.files[ci]), v));
            }
        }
        if exprs.is_empty() {
            return;
        }
    }
    for (ctx, e) in exprs {
        if !has_unique_part(e, &ctx, 0) {
            sink.add(rc.path, name.span, "BCP-SEC-019", format!("{} needs a name unique across Azure; build it with uniqueString(resourceGroup().id) (within {} characters) so redeployments elsewhere do not collide", rc.name(), rule.max));
        }
    }
}

fn has_unique_part(e: &Expr, ctx: &Ctx<'_>, depth: u32) -> bool {
    if depth > 8 {
        return true;
    }
    let mut found = false;
    e.walk(&mut |x| match &x.kind {
        ExprKind::Call(_, f, _)
            if f.eq_ignore_ascii_case("uniqueString") || f.eq_ignore_ascii_case("guid") =>
        {
            found = true
        }
        ExprKind::Ident(n) if !ctx.locals.contains(n) => {
            if let Some(v) = ctx.file.var(n) {
                found |= has_unique_part(&v.value, ctx, depth + 1);
            } else if ctx.file.param(n).is_some_and(|p| p.value.is_none()) || ctx.locals.contains(n)
            {
                // A parameter without default is chosen by the deployer: assume they made it unique.
                found = true;
            }
        }
        _ => {}
    });
    found
}

/// Every resource of a type that supports diagnostic settings has one in the same file,
/// sending to a Log Analytics workspace with categories the type has.
fn diagnostics(file: &FileAst, sink: &mut Sink) {
    let settings: Vec<&ResourceDecl> = file
        .resources
        .iter()
        .filter(|r| is_type(r, "Microsoft.Insights/diagnosticSettings"))
        .collect();
    for r in file.resources.iter().filter(|r| !r.existing) {
        let Some((_, logs, metrics)) = DIAGNOSTIC_TYPES.iter().find(|(t, _, _)| is_type(r, t))
        else {
            continue;
        };
        let mine: Vec<&&ResourceDecl> = settings
            .iter()
            .filter(|d| matches!(d.value.body().get("scope").map(|s| &s.kind), Some(ExprKind::Ident(n)) if *n == r.symbol))
            .collect();
        if mine.is_empty() {
            sink.add(&file.path, r.span, "BCP-SEC-020", format!("{} '{}' has no diagnostic setting; add a Microsoft.Insights/diagnosticSettings resource with scope: {} that sends {} to the Log Analytics workspace", r.resource_type, r.symbol, r.symbol, what(*logs, *metrics)));
            continue;
        }
        for d in mine {
            let body = d.value.body();
            if body.path(&["properties", "workspaceId"]).is_none() {
                sink.add(&file.path, d.span, "BCP-SEC-020", format!("diagnostic setting '{}' does not send to a Log Analytics workspace; set properties.workspaceId", d.symbol));
            }
            let non_empty = |k: &str| matches!(body.path(&["properties", k]).map(|e| &e.kind), Some(ExprKind::Array(items)) if !items.is_empty());
            if !logs && non_empty("logs") {
                sink.add_with(&file.path, d.span, "BCP-SEC-020", Severity::Error, format!("{} has no log categories, so this diagnostic setting fails to deploy; keep only metrics", r.resource_type));
            }
            if !metrics && non_empty("metrics") {
                sink.add_with(&file.path, d.span, "BCP-SEC-020", Severity::Error, format!("{} has no metrics, so this diagnostic setting fails to deploy; keep only logs", r.resource_type));
            }
        }
    }
}

fn what(logs: bool, metrics: bool) -> &'static str {
    match (logs, metrics) {
        (true, true) => "its logs (categoryGroup 'allLogs') and metrics ('AllMetrics')",
        (true, false) => "its logs (categoryGroup 'allLogs')",
        _ => "its metrics ('AllMetrics')",
    }
}
