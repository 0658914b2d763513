//! `query_kql` through the protocol on the cloud backends (`log_analytics`, `app_insights`):
//! the real server and Log Analytics client against the contract-enforcing fake of the
//! query API, over TLS, signed with a credential whose token carries a canary that must
//! never show up in a result, an error or a log line.

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

use azure_core::http::{ClientOptions, RetryOptions};
use devops_mcp::DevopsServer;
use devops_mcp::client::LocalClient;
use devops_mcp::config::{Config, Overrides};
use devops_mcp_fake_monitor_logs::{
    APP_RESOURCE, FakeCredential, FakeLogAnalytics, WS_ECHO, WS_FORBIDDEN, WS_PARTIAL, WS_SYNTAX,
    WS_TYPES, canary, token_with,
};
use serde_json::{Value, json};

/// A fake, a client of a server pointed at it, and the canary in the token.
struct Cloud {
    fake: FakeLogAnalytics,
    client: LocalClient,
    canary: String,
    _dir: tempfile::TempDir,
}

/// A server whose `[backends.azure]` sends cloud queries to the fake (`logs_endpoint`),
/// with `extra` more TOML lines there, signed by a credential holding a canary token.
async fn cloud(extra: &str) -> Cloud {
    cloud_with(extra, false).await
}

/// The same; with `credential_fails`, the credential fails quoting its token.
async fn cloud_with(extra: &str, credential_fails: bool) -> Cloud {
    capture_logs();
    let canary = canary();
    let token = token_with(&canary);
    let fake = FakeLogAnalytics::start(&token).await;
    let dir = tempfile::tempdir().unwrap();
    let config = format!(
        "[backends.azure]\nlogs_endpoint = {:?}\n{extra}\n[backends.secrets]\nlocal_store_dir = {:?}\n",
        fake.endpoint(),
        dir.path().join(".secrets-store").display().to_string()
    );
    std::fs::write(dir.path().join("devops-mcp.toml"), config).unwrap();
    let config = Config::load(Overrides {
        workspace: Some(dir.path().to_path_buf()),
        ..Overrides::default()
    })
    .unwrap();
    let server = DevopsServer::new(config).unwrap();
    let credential = if credential_fails {
        FakeCredential::failing(&token)
    } else {
        FakeCredential::new(&token)
    };
    server.set_azure_logs_connection(
        credential,
        ClientOptions {
            transport: Some(fake.transport()),
            retry: RetryOptions::none(),
            ..ClientOptions::default()
        },
    );
    let client = LocalClient::connect(server).await.unwrap();
    Cloud {
        fake,
        client,
        canary,
        _dir: dir,
    }
}

impl Cloud {
    /// Call `query_kql`: `Ok((structuredContent, text))` or `Err(error text)`, after
    /// checking that neither carries the canary.
    async fn query(&mut self, arguments: Value) -> Result<(Value, String), String> {
        let result = self
            .client
            .request(
                "tools/call",
                json!({"name": "query_kql", "arguments": arguments}),
            )
            .await
            .unwrap();
        assert!(
            !result.to_string().contains(&self.canary),
            "the token leaked into a result: {result}"
        );
        let text = result["content"][0]["text"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        if result["isError"] == true {
            return Err(text);
        }
        Ok((result["structuredContent"].clone(), text))
    }

    /// The fake saw no contract breach, and no log line carries the token.
    fn assert_clean(&self) {
        self.fake.assert_clean();
        assert!(
            !logs().contains(&self.canary),
            "the token leaked into the logs"
        );
    }
}

#[tokio::test]
async fn workspace_query_keeps_types_statistics_and_render() {
    let mut cloud = cloud("").await;
    let (result, text) = cloud
        .query(json!({"query": "Types | take 3", "backend": "log_analytics", "workspace_id": WS_TYPES, "timeout_seconds": 30}))
        .await
        .unwrap();
    assert_eq!(result["backend"], "log_analytics");
    assert_eq!(result["target"], format!("workspace {WS_TYPES}"));
    assert_eq!(result["timespan"], "P1D");
    let types: Vec<&str> = result["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        [
            "bool", "datetime", "dynamic", "guid", "int", "long", "real", "string", "timespan",
            "decimal"
        ]
    );
    let first = &result["rows"][0];
    assert_eq!(first[0], true);
    assert_eq!(
        first[2]["region"], "westeurope",
        "dynamic stays JSON: {first}"
    );
    assert_eq!(first[4], 2147483647);
    assert_eq!(first[5].as_i64(), Some(i64::MAX), "long is exact: {first}");
    assert_eq!(first[6], 0.25);
    assert_eq!(first[9], "79228162514264337593543950335");
    assert!(
        result["rows"][2]
            .as_array()
            .unwrap()
            .iter()
            .all(Value::is_null)
    );
    assert_eq!(
        (&result["total_rows"], &result["truncated"]),
        (&json!(3), &json!(false))
    );
    assert_eq!(result["statistics"]["rows"], 3);
    assert_eq!(result["statistics"]["elapsed_ms"], 12.0);
    assert!(
        result["statistics"]["service"]["query"].is_object(),
        "{result}"
    );
    assert_eq!(result["render"]["visualization"], "table");
    assert_eq!(result["warnings"], json!([]));
    assert!(
        text.contains("3 rows x 10 columns") && text.contains("| Flag: bool |"),
        "{text}"
    );
    let seen = cloud.fake.seen();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].path, format!("/v1/workspaces/{WS_TYPES}/query"));
    let prefer = seen[0].prefer.clone().unwrap_or_default();
    for preference in ["wait=30", "include-statistics=true", "include-render=true"] {
        assert!(prefer.contains(preference), "{prefer}");
    }
    let body: Value = serde_json::from_str(&seen[0].body).unwrap();
    assert_eq!(body, json!({"query": "Types | take 3", "timespan": "P1D"}));
    assert!(
        logs().contains("Log Analytics query answered"),
        "the client's log lines are captured"
    );
    cloud.assert_clean();
}

#[tokio::test]
async fn configured_workspace_absolute_range_and_more_workspaces() {
    let mut cloud = cloud(&format!("log_analytics_workspace = {WS_ECHO:?}")).await;
    let (result, _) = cloud
        .query(json!({
            "query": "AppRequests | count",
            "backend": "log_analytics",
            "start": "2024-06-03T00:00:00Z",
            "end": "2024-06-04T00:00:00Z",
            "additional_workspaces": ["second-workspace"]
        }))
        .await
        .unwrap();
    assert_eq!(result["target"], format!("workspace {WS_ECHO}"));
    // The echo workspace answers with the request body it received, as `dynamic`.
    let body = &result["rows"][0][0];
    assert_eq!(
        body,
        &json!({
            "query": "AppRequests | count",
            "timespan": "2024-06-03T00:00:00Z/2024-06-04T00:00:00Z",
            "workspaces": ["second-workspace"]
        })
    );
    assert_eq!(
        result["columns"],
        json!([{"name": "Body", "type": "dynamic"}, {"name": "Prefer", "type": "string"}])
    );
    cloud.assert_clean();
}

#[tokio::test]
async fn app_insights_queries_the_resource() {
    let mut cloud = cloud("").await;
    let (result, text) = cloud
        .query(json!({"query": "requests | take 1", "backend": "app_insights", "resource_id": APP_RESOURCE, "timespan": "PT6H"}))
        .await
        .unwrap();
    assert_eq!(result["backend"], "app_insights");
    assert_eq!(result["target"], format!("resource {APP_RESOURCE}"));
    assert_eq!(result["rows"][0][0]["timespan"], "PT6H");
    assert!(
        text.starts_with(&format!("resource {APP_RESOURCE} (PT6H): 1 row")),
        "{text}"
    );
    let seen = cloud.fake.seen();
    assert_eq!(seen[0].path, format!("/v1{APP_RESOURCE}/query"));
    cloud.assert_clean();
}

#[tokio::test]
async fn rows_past_max_rows_are_cut_and_counted() {
    let mut cloud = cloud(&format!("log_analytics_workspace = {WS_TYPES:?}")).await;
    let (result, text) = cloud
        .query(json!({"query": "Types", "backend": "log_analytics", "max_rows": 2}))
        .await
        .unwrap();
    assert_eq!(result["rows"].as_array().unwrap().len(), 2);
    assert_eq!(result["truncated"], true);
    assert_eq!(result["total_rows"], 3);
    assert!(text.contains("truncated to the first 2 rows"), "{text}");
    cloud.assert_clean();
}

#[tokio::test]
async fn a_partial_result_comes_back_with_a_warning() {
    let mut cloud = cloud("").await;
    let (result, text) = cloud
        .query(json!({"query": "Heartbeat | summarize count() by Computer", "backend": "log_analytics", "workspace_id": WS_PARTIAL}))
        .await
        .unwrap();
    assert_eq!(result["rows"], json!([["web-1", 3]]));
    let warning = &result["warnings"][0];
    assert_eq!(warning["code"], "PartialError");
    assert_eq!(warning["source"], "service");
    let message = warning["message"].as_str().unwrap();
    assert!(
        message.contains("internal record count limit") && message.contains("incomplete"),
        "{message}"
    );
    assert_eq!(warning["error"]["details"][0]["code"], "EngineError");
    assert!(
        text.contains("- warning [PartialError]: partial result"),
        "{text}"
    );
    cloud.assert_clean();
}

#[tokio::test]
async fn service_errors_say_what_to_do() {
    let mut cloud = cloud("").await;
    let forbidden = cloud
        .query(
            json!({"query": "Heartbeat", "backend": "log_analytics", "workspace_id": WS_FORBIDDEN}),
        )
        .await
        .unwrap_err();
    assert!(
        forbidden.contains("HTTP 403") && forbidden.contains("\"Log Analytics Reader\" role"),
        "{forbidden}"
    );
    let syntax = cloud
        .query(json!({"query": "Heartbeat\n| joi x", "backend": "log_analytics", "workspace_id": WS_SYNTAX}))
        .await
        .unwrap_err();
    assert!(syntax.contains("line 2, position 10"), "{syntax}");
    // Checked by the client before anything is sent, named as this tool's arguments.
    let bad_duration = cloud
        .query(json!({"query": "Heartbeat", "backend": "log_analytics", "workspace_id": WS_TYPES, "timespan": "one day"}))
        .await
        .unwrap_err();
    assert!(
        bad_duration.starts_with("invalid `timespan`"),
        "{bad_duration}"
    );
    let bad_workspace = cloud
        .query(json!({"query": "Heartbeat", "backend": "log_analytics", "workspace_id": "my-workspace"}))
        .await
        .unwrap_err();
    assert!(
        bad_workspace.starts_with("invalid `workspace_id`"),
        "{bad_workspace}"
    );
    let backwards = cloud
        .query(json!({"query": "Heartbeat", "backend": "log_analytics", "workspace_id": WS_TYPES, "start": "2024-06-04T00:00:00Z", "end": "2024-06-03T00:00:00Z"}))
        .await
        .unwrap_err();
    assert!(
        backwards.starts_with("invalid `start`/`end`"),
        "{backwards}"
    );
    assert_eq!(
        cloud.fake.seen().len(),
        2,
        "only the two valid requests were sent"
    );
    cloud.assert_clean();
}

#[tokio::test]
async fn a_credential_failure_says_how_to_sign_in_without_the_token() {
    let mut cloud = cloud_with("", true).await;
    let error = cloud
        .query(json!({"query": "Heartbeat", "backend": "log_analytics", "workspace_id": WS_TYPES}))
        .await
        .unwrap_err();
    assert!(
        error.contains("cannot get an Azure access token")
            && error.contains("AZURE_CLIENT_SECRET")
            && error.contains("az login"),
        "{error}"
    );
    assert!(
        cloud.fake.seen().is_empty(),
        "nothing is sent without a token"
    );
    cloud.assert_clean();
}

#[tokio::test]
async fn missing_target_and_contradictions_are_refused_before_sending() {
    let mut cloud = cloud("").await;
    let missing = cloud
        .query(json!({"query": "Heartbeat", "backend": "log_analytics"}))
        .await
        .unwrap_err();
    assert!(
        missing.contains("`workspace_id`")
            && missing.contains("`log_analytics_workspace` under [backends.azure]"),
        "{missing}"
    );
    let missing = cloud
        .query(json!({"query": "requests", "backend": "app_insights"}))
        .await
        .unwrap_err();
    assert!(missing.contains("needs `resource_id`"), "{missing}");
    for (arguments, expected) in [
        (
            json!({"query": "print 1", "resource_id": APP_RESOURCE}),
            "`resource_id` applies to the cloud backends",
        ),
        (
            json!({"query": "Heartbeat", "backend": "log_analytics", "workspace_id": WS_TYPES, "now": "2024-06-04T00:00:00Z"}),
            "`now` applies to backend `local` only",
        ),
        (
            json!({"query": "Heartbeat", "backend": "log_analytics", "workspace_id": WS_TYPES, "timespan": "P1D", "start": "2024-06-03T00:00:00Z", "end": "2024-06-04T00:00:00Z"}),
            "`timespan` and `start`/`end` are both set",
        ),
        (
            json!({"query": "requests", "backend": "app_insights", "resource_id": APP_RESOURCE, "workspace_id": WS_TYPES}),
            "`workspace_id` is for backend `log_analytics`",
        ),
    ] {
        let error = cloud.query(arguments.clone()).await.unwrap_err();
        assert!(error.contains(expected), "{arguments}: {error}");
    }
    assert!(cloud.fake.seen().is_empty(), "{:?}", cloud.fake.seen());
    cloud.assert_clean();
}

#[tokio::test]
async fn validate_only_checks_syntax_locally_without_azure() {
    let mut cloud = cloud("").await;
    let (result, text) = cloud
        .query(json!({"query": "NoSuchTable | summarize count() by bin(TimeGenerated, 1h) | render timechart", "backend": "log_analytics", "validate_only": true}))
        .await
        .unwrap();
    assert_eq!(
        (&result["valid"], &result["syntax_only"]),
        (&json!(true), &json!(true))
    );
    assert_eq!(result["render"]["visualization"], "timechart");
    assert!(text.contains("nothing was sent to Azure"), "{text}");
    let (result, text) = cloud
        .query(json!({"query": "AppRequests\n| whre Success == false", "backend": "app_insights", "validate_only": true}))
        .await
        .unwrap();
    assert_eq!(result["valid"], false);
    assert_eq!(result["diagnostics"][0]["line"], 2, "{result}");
    assert!(text.contains("2 | | whre Success == false"), "{text}");
    assert!(cloud.fake.seen().is_empty());
    cloud.assert_clean();
}

#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Write for Buffer {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

static LOGS: OnceLock<Buffer> = OnceLock::new();

/// Install (once per test binary) a TRACE subscriber that records every event, so the
/// tests can look for the token in what the server and the Azure SDK log.
fn capture_logs() {
    LOGS.get_or_init(|| {
        let buffer = Buffer::default();
        let writer = buffer.clone();
        // Another subscriber installed first would leave this buffer empty and the
        // log check vacuous: fail instead.
        let installed = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .try_init();
        assert!(
            installed.is_ok(),
            "another test installed a tracing subscriber"
        );
        buffer
    });
}

/// Everything logged so far.
fn logs() -> String {
    String::from_utf8_lossy(&LOGS.get().unwrap().0.lock().unwrap()).into_owned()
}
