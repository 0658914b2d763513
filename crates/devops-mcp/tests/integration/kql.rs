//! `query_kql` through the protocol on the local backend: sample telemetry
//! in a configured folder, the embedded default with no folder, the secret
//! audit trail as a table, limits (rows, timeout, cancellation), and the
//! `sample-telemetry` command of the real binary.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use devops_mcp::DevopsServer;
use devops_mcp::client::LocalClient;
use devops_mcp::config::{Config, Overrides};
use rmcp::ServiceExt;
use serde_json::{Value, json};
use tokio::io::{
    AsyncBufReadExt, AsyncWriteExt, BufReader, DuplexStream, Lines, ReadHalf, WriteHalf,
};

use crate::common::call;

/// `now` for the sample day: its end, so `ago()` reaches into it.
const SAMPLE_END: &str = "2024-06-04T00:00:00Z";

/// A regular expression over four million rows: tens of seconds in a debug
/// build. Its work is driven by batches of a table source, where DataFusion
/// yields, so a cancel or timeout stops it rather than leaving it running on
/// a worker thread (see docs/kql.md on operators that do not yield).
const LONG_QUERY: &str = "range x from 1 to 4000000 step 1 | extend s = extract('([0-9]+)7([0-9])', 2, strcat(tostring(x), 'abc', tostring(x * 7))) | summarize dcount(s), count()";

/// A server whose workspace holds `devops-mcp.toml` with `backends` (TOML
/// lines) and a private secret store, so nothing of the user's is read.
fn server_with(backends: &str) -> (tempfile::TempDir, DevopsServer) {
    let dir = tempfile::tempdir().unwrap();
    let config = format!(
        "[backends]\n{backends}\n[backends.secrets]\nlocal_store_dir = {:?}\n",
        dir.path().join(".secrets-store").display().to_string()
    );
    std::fs::write(dir.path().join("devops-mcp.toml"), config).unwrap();
    let config = Config::load(Overrides {
        workspace: Some(dir.path().to_path_buf()),
        ..Overrides::default()
    })
    .unwrap();
    (dir, DevopsServer::new(config).unwrap())
}

/// A client on a workspace with sample telemetry (`rows` requests) in
/// `telemetry/`, configured with a path relative to the workspace.
async fn sample_client(rows: usize) -> (tempfile::TempDir, LocalClient) {
    let (dir, server) = server_with("kql_data_dir = \"telemetry\"");
    devops_mcp_kql::write_sample_telemetry(&dir.path().join("telemetry"), rows, 7, None).unwrap();
    (dir, LocalClient::connect(server).await.unwrap())
}

/// A client with no data folder configured.
async fn bare_client() -> (tempfile::TempDir, LocalClient) {
    let (dir, server) = server_with("");
    (dir, LocalClient::connect(server).await.unwrap())
}

/// The output schema `tools/list` declares for `query_kql`, compiled.
async fn output_validator(client: &mut LocalClient) -> jsonschema::Validator {
    let listed = client.request("tools/list", json!({})).await.unwrap();
    let tool = listed["tools"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "query_kql")
        .expect("query_kql is listed")
        .clone();
    jsonschema::validator_for(&tool["outputSchema"]).unwrap()
}

/// Run a query; the structured result, checked against the output schema.
async fn query(client: &mut LocalClient, arguments: Value) -> Value {
    let validator = output_validator(client).await;
    let result = call(client, "query_kql", arguments.clone())
        .await
        .unwrap_or_else(|e| panic!("{arguments}: {e}"));
    let problems: Vec<String> = validator
        .iter_errors(&result)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        problems.is_empty(),
        "output does not match the schema: {problems:?}\n{result}"
    );
    result
}

fn column<'a>(result: &'a Value, name: &str) -> Vec<&'a Value> {
    let index = result["columns"]
        .as_array()
        .unwrap()
        .iter()
        .position(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no column {name}: {}", result["columns"]));
    result["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| &row[index])
        .collect()
}

fn types(result: &Value) -> Vec<(String, String)> {
    result["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["name"].as_str().unwrap().to_owned(),
                c["type"].as_str().unwrap_or("?").to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn typical_queries_on_sample_telemetry() {
    let (_dir, mut client) = sample_client(3_000).await;

    let hourly = query(
        &mut client,
        json!({"query": "requests | summarize n = count() by bin(timestamp, 1h) | order by timestamp asc"}),
    )
    .await;
    assert_eq!(
        types(&hourly),
        [
            ("timestamp".into(), "datetime".into()),
            ("n".into(), "long".into())
        ]
    );
    assert_eq!(hourly["total_rows"], 24, "{hourly}");
    assert_eq!(hourly["rows"][0][0], "2024-06-03T00:00:00Z");
    let total: i64 = column(&hourly, "n")
        .iter()
        .map(|v| v.as_i64().unwrap())
        .sum();
    assert_eq!(total, 3_000);
    assert_eq!(hourly["statistics"]["rows"], 24);
    assert!(hourly["statistics"]["bytes_scanned"].as_u64().unwrap() > 0);
    assert_eq!(hourly["render"], Value::Null);

    // The planted error spike, and nothing else, crosses a 5% error rate.
    let spike = query(
        &mut client,
        json!({"query": "requests | summarize failed = countif(success == 'False'), total = count() by bin(timestamp, 15m) | extend rate = 100.0 * failed / total | where rate > 5 | order by timestamp asc | project timestamp, rate"}),
    )
    .await;
    let windows: Vec<&str> = column(&spike, "timestamp")
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(
        windows,
        ["2024-06-03T10:00:00Z", "2024-06-03T10:15:00Z"],
        "{spike}"
    );
    assert!(column(&spike, "rate").iter().all(|v| v.is_f64()), "{spike}");

    let latency = query(
        &mut client,
        json!({"query": "dependencies | summarize percentiles(duration, 50, 95) by target | order by percentile_duration_95 desc"}),
    )
    .await;
    assert_eq!(
        types(&latency),
        [
            ("target".into(), "string".into()),
            ("percentile_duration_50".into(), "real".into()),
            ("percentile_duration_95".into(), "real".into())
        ]
    );
    // The slow payments-api window puts it on top.
    assert_eq!(latency["rows"][0][0], "payments-api", "{latency}");

    let chart = query(
        &mut client,
        json!({"query": "requests | summarize count() by bin(timestamp, 1h), cloud_RoleName | render timechart with (title='Requests')"}),
    )
    .await;
    assert_eq!(chart["render"]["visualization"], "timechart", "{chart}");
    assert_eq!(
        chart["render"]["properties"]["title"], "Requests",
        "{chart}"
    );

    // `now` moves ago() onto the recorded day; the current time finds nothing there.
    let recent = json!({"query": "requests | where timestamp > ago(1h) | count"});
    let replayed = query(
        &mut client,
        json!({"query": recent["query"], "now": SAMPLE_END}),
    )
    .await;
    let in_last_hour = replayed["rows"][0][0].as_i64().unwrap();
    assert!(in_last_hour > 0 && in_last_hour < 3_000, "{replayed}");
    let today = query(&mut client, recent).await;
    assert_eq!(today["rows"][0][0], 0, "{today}");

    // The text content is a readable preview of the same result.
    let raw = client
        .request(
            "tools/call",
            json!({"name": "query_kql", "arguments": {"query": "requests | summarize count() by cloud_RoleName | order by cloud_RoleName asc"}}),
        )
        .await
        .unwrap();
    let text = raw["content"][0]["text"].as_str().unwrap();
    assert!(text.starts_with("2 rows x 2 columns"), "{text}");
    assert!(
        text.contains("| cloud_RoleName: string | count_: long |"),
        "{text}"
    );
    assert!(text.contains("| frontend |"), "{text}");
}

#[tokio::test]
async fn rows_are_limited_with_the_total_counted() {
    let (_dir, mut client) = sample_client(500).await;
    let limited = query(
        &mut client,
        json!({"query": "requests | project timestamp, name | order by timestamp asc", "max_rows": 7}),
    )
    .await;
    assert_eq!(limited["rows"].as_array().unwrap().len(), 7);
    assert_eq!(limited["truncated"], true);
    assert_eq!(limited["total_rows"], 500);

    let default = query(
        &mut client,
        json!({"query": "requests | project timestamp"}),
    )
    .await;
    assert_eq!(
        default["rows"].as_array().unwrap().len(),
        200,
        "default max_rows"
    );
    assert_eq!(default["truncated"], true);

    let all = query(
        &mut client,
        json!({"query": "requests | take 40", "max_rows": 40}),
    )
    .await;
    assert_eq!(all["truncated"], false);
    assert_eq!(all["total_rows"], 40);

    for bad in [json!(0), json!(10_001)] {
        let error = call(
            &mut client,
            "query_kql",
            json!({"query": "print 1", "max_rows": bad}),
        )
        .await
        .unwrap_err();
        assert!(error.contains("max_rows"), "{error}");
    }
}

#[tokio::test]
async fn validate_only_reports_positions_and_suggestions_without_running() {
    let (_dir, mut client) = sample_client(200).await;
    let good = query(
        &mut client,
        json!({"query": "requests | summarize count() by bin(timestamp, 1h) | render columnchart", "validate_only": true}),
    )
    .await;
    assert_eq!(good["valid"], true, "{good}");
    assert_eq!(
        good["columns"],
        json!([{"name": "timestamp", "type": "datetime"}, {"name": "count_", "type": "long"}])
    );
    assert_eq!(good["render"]["visualization"], "columnchart");
    assert!(
        good.get("rows").is_none(),
        "validate_only must not run: {good}"
    );

    let typo = query(
        &mut client,
        json!({"query": "requests\n| where duraton > 100", "validate_only": true}),
    )
    .await;
    assert_eq!(typo["valid"], false);
    let problem = &typo["diagnostics"][0];
    assert_eq!(problem["code"], "unknown-column", "{typo}");
    assert_eq!(
        (problem["line"].as_u64(), problem["column"].as_u64()),
        (Some(2), Some(9))
    );
    assert_eq!(problem["suggestion"], "duration");

    let syntax = query(
        &mut client,
        json!({"query": "requests | summarise count()", "validate_only": true}),
    )
    .await;
    assert_eq!(syntax["valid"], false);
    assert_eq!(
        syntax["diagnostics"][0]["suggestion"], "summarize",
        "{syntax}"
    );
    assert_eq!(syntax["diagnostics"][0]["column"], 12);
    let raw = client
        .request(
            "tools/call",
            json!({"name": "query_kql", "arguments": {"query": "requests | summarise count()", "validate_only": true}}),
        )
        .await
        .unwrap();
    let text = raw["content"][0]["text"].as_str().unwrap();
    assert!(
        text.starts_with("The query is not valid (1 error):"),
        "{text}"
    );
    assert!(text.contains("Did you mean `summarize`?"), "{text}");
    assert!(
        text.contains("1 | requests | summarise count()\n               ^^^^^^^^^"),
        "{text}"
    );

    // Run instead of validate: the same problems as a tool error the agent reads.
    let error = call(
        &mut client,
        "query_kql",
        json!({"query": "requests\n| where duraton > 100"}),
    )
    .await
    .unwrap_err();
    assert!(
        error.contains("line 2, column 9 [unknown-column]"),
        "{error}"
    );
    assert!(error.contains("Did you mean `duration`?"), "{error}");
    assert!(
        error.contains("2 | | where duraton > 100\n            ^^^^^^^"),
        "{error}"
    );
    let error = call(
        &mut client,
        "query_kql",
        json!({"query": ".drop table requests"}),
    )
    .await
    .unwrap_err();
    assert!(error.contains("management-command"), "{error}");
}

#[tokio::test]
async fn unknown_table_lists_tables_and_says_how_to_add_data() {
    let (_dir, mut client) = bare_client().await;
    let error = call(
        &mut client,
        "query_kql",
        json!({"query": "requests | take 5"}),
    )
    .await
    .unwrap_err();
    assert!(error.contains("[unknown-table]"), "{error}");
    assert!(error.contains("Tables: secret_audit."), "{error}");
    assert!(error.contains("kql_data_dir"), "{error}");
    assert!(
        error.contains("devops-mcp sample-telemetry --out DIR"),
        "{error}"
    );

    let (dir, mut client) = sample_client(100).await;
    let error = call(
        &mut client,
        "query_kql",
        json!({"query": "request | take 5"}),
    )
    .await
    .unwrap_err();
    assert!(error.contains("Did you mean `requests`?"), "{error}");
    for table in ["AppRequests", "dependencies", "exceptions", "secret_audit"] {
        assert!(error.contains(table), "{table} not listed: {error}");
    }
    let folder = dir.path().canonicalize().unwrap().join("telemetry");
    assert!(error.contains(&folder.display().to_string()), "{error}");
}

#[tokio::test]
async fn a_broken_data_folder_is_named_with_the_fix() {
    let (_dir, server) = server_with("kql_data_dir = \"no-such-folder\"");
    let mut client = LocalClient::connect(server).await.unwrap();
    let error = call(&mut client, "query_kql", json!({"query": "print 1"}))
        .await
        .unwrap_err();
    assert!(
        error.contains("no-such-folder") && error.contains("cannot be read"),
        "{error}"
    );
    assert!(
        error.contains("kql_data_dir") && error.contains("sample-telemetry --out"),
        "{error}"
    );

    let (dir, mut client) = sample_client(50).await;
    std::fs::write(
        dir.path().join("telemetry/broken.jsonl"),
        "{\"a\": 1}\nnot json\n",
    )
    .unwrap();
    let error = call(
        &mut client,
        "query_kql",
        json!({"query": "requests | count"}),
    )
    .await
    .unwrap_err();
    assert!(
        error.contains("broken.jsonl") && error.contains("line 2"),
        "{error}"
    );
    assert!(error.contains("Fix or remove that file"), "{error}");
    std::fs::remove_file(dir.path().join("telemetry/broken.jsonl")).unwrap();
    let counted = query(&mut client, json!({"query": "requests | count"})).await;
    assert_eq!(counted["rows"], json!([[50]]));
}

#[tokio::test]
async fn embedded_engine_runs_without_a_data_folder() {
    let (_dir, mut client) = bare_client().await;
    let printed = query(
        &mut client,
        json!({"query": "print n = 1 + 2, s = strcat('a', 'b'), t = datetime(2024-01-31 10:00:00.5), d = 90m, j = dynamic({'k': [1, 2]})"}),
    )
    .await;
    assert_eq!(
        types(&printed),
        [
            ("n".into(), "long".into()),
            ("s".into(), "string".into()),
            ("t".into(), "datetime".into()),
            ("d".into(), "timespan".into()),
            ("j".into(), "dynamic".into())
        ]
    );
    assert_eq!(
        printed["rows"][0],
        json!([3, "ab", "2024-01-31T10:00:00.5Z", "01:30:00", {"k": [1, 2]}])
    );

    let table = query(
        &mut client,
        json!({"query": "datatable(service: string, ms: real) ['api', 120.0, 'api', 80.0, 'web', 30.5] | summarize avg(ms) by service | order by service asc"}),
    )
    .await;
    assert_eq!(table["rows"], json!([["api", 100.0], ["web", 30.5]]));

    let series = query(
        &mut client,
        json!({"query": "range x from 1 to 1000 step 1 | summarize total = sum(x), p = percentile(x, 90)"}),
    )
    .await;
    assert_eq!(series["rows"], json!([[500500, 900]]));
}

#[tokio::test]
async fn secret_audit_trail_is_a_table() {
    let (_dir, mut client) = bare_client().await;
    // Before any secret operation the table exists, empty, with its columns.
    let empty = query(
        &mut client,
        json!({"query": "secret_audit | where outcome == 'failure' | project timestamp, name, error_kind, exposed_to_model"}),
    )
    .await;
    assert_eq!(empty["total_rows"], 0);
    assert_eq!(
        types(&empty),
        [
            ("timestamp".into(), "datetime".into()),
            ("name".into(), "string".into()),
            ("error_kind".into(), "string".into()),
            ("exposed_to_model".into(), "bool".into())
        ]
    );

    call(
        &mut client,
        "set_secret",
        json!({"name": "api-key", "source": {"kind": "generate"}}),
    )
    .await
    .unwrap();
    call(
        &mut client,
        "set_secret",
        json!({"name": "db-password", "source": {"kind": "env", "name": "DEVOPS_MCP_TEST_VARIABLE_THAT_IS_NOT_SET"}}),
    )
    .await
    .unwrap_err();

    let trail = query(
        &mut client,
        json!({"query": "secret_audit | where timestamp > ago(1h) | project name, operation, store, source_kind, exposed_to_model, outcome, error_kind, actor | order by name asc"}),
    )
    .await;
    let rows = trail["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 2, "{trail}");
    assert_eq!(
        rows[0],
        json!([
            "api-key", "set", "local", "generate", false, "success", "", "mcp"
        ])
    );
    assert_eq!(rows[1][0], "db-password");
    assert_eq!(rows[1][5], "failure");
    assert_ne!(rows[1][6], "", "a failure carries its error kind: {trail}");
}

#[tokio::test]
async fn new_files_in_the_data_folder_are_picked_up() {
    let (dir, mut client) = sample_client(100).await;
    let before = query(&mut client, json!({"query": "requests | count"})).await;
    assert_eq!(before["rows"][0][0], 100);
    std::fs::write(
        dir.path().join("telemetry/deploys.csv"),
        "timestamp,service,ok\n2024-06-03T09:58:00Z,orders-api,true\n2024-06-03T13:00:00Z,frontend,false\n",
    )
    .unwrap();
    let deploys = query(
        &mut client,
        json!({"query": "deploys | where ok == false | project timestamp, service"}),
    )
    .await;
    assert_eq!(
        deploys["rows"],
        json!([["2024-06-03T13:00:00Z", "frontend"]])
    );
    assert_eq!(types(&deploys)[0].1, "datetime");
}

#[tokio::test]
async fn a_query_past_its_timeout_stops() {
    let (_dir, mut client) = bare_client().await;
    let started = Instant::now();
    let error = call(
        &mut client,
        "query_kql",
        json!({"query": LONG_QUERY, "timeout_seconds": 1}),
    )
    .await
    .unwrap_err();
    assert!(error.contains("did not finish within 1 s"), "{error}");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    // The server still answers.
    let after = query(&mut client, json!({"query": "print 1"})).await;
    assert_eq!(after["rows"], json!([[1]]));
}

#[tokio::test]
async fn the_memory_limit_is_configured_by_the_operator() {
    let join = json!({"query": "range x from 1 to 100000 step 1 | extend k = x | join kind=inner (range y from 1 to 100000 step 1 | extend k = y) on k | count"});
    let (_dir, server) = server_with("kql_memory_limit_mb = 1");
    let mut client = LocalClient::connect(server).await.unwrap();
    let error = call(&mut client, "query_kql", join.clone())
        .await
        .unwrap_err();
    assert!(
        error.contains("more than 1048576 bytes of memory"),
        "{error}"
    );
    assert!(error.contains("kql_memory_limit_mb"), "{error}");
    let (_dir, mut client) = bare_client().await;
    let counted = query(&mut client, join).await;
    assert_eq!(counted["rows"], json!([[100000]]));
}

/// A raw JSON-RPC connection, for what `LocalClient` cannot do: send a
/// notification while a request is under way.
struct Raw {
    writer: WriteHalf<DuplexStream>,
    reader: Lines<BufReader<ReadHalf<DuplexStream>>>,
}

impl Raw {
    async fn connect(server: DevopsServer) -> Self {
        let (client_io, server_io) = tokio::io::duplex(1 << 20);
        tokio::spawn(async move {
            if let Ok(running) = server.serve(server_io).await {
                let _ = running.waiting().await;
            }
        });
        let (read, writer) = tokio::io::split(client_io);
        let mut raw = Self {
            writer,
            reader: BufReader::new(read).lines(),
        };
        raw.send(json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
            "protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "test", "version": "1"}}}))
            .await;
        raw.until(|m| m["id"] == 0).await;
        raw.send(json!({"jsonrpc": "2.0", "method": "notifications/initialized"}))
            .await;
        raw
    }

    async fn send(&mut self, message: Value) {
        let mut line = serde_json::to_vec(&message).unwrap();
        line.push(b'\n');
        self.writer.write_all(&line).await.unwrap();
        self.writer.flush().await.unwrap();
    }

    /// Read messages until one matches; all of them, in order.
    async fn until(&mut self, wanted: impl Fn(&Value) -> bool) -> Vec<Value> {
        let mut seen = Vec::new();
        loop {
            let line = tokio::time::timeout(Duration::from_secs(60), self.reader.next_line())
                .await
                .expect("a message within 60 s")
                .unwrap()
                .expect("the connection is open");
            let message: Value = serde_json::from_str(&line).unwrap();
            let done = wanted(&message);
            seen.push(message);
            if done {
                return seen;
            }
        }
    }
}

#[tokio::test]
async fn cancel_stops_a_running_query_promptly() {
    let (_dir, server) = server_with("");
    let mut raw = Raw::connect(server.clone()).await;
    raw.send(
        json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {
        "name": "query_kql", "arguments": {"query": LONG_QUERY, "timeout_seconds": 600},
        "_meta": {"progressToken": "kql-1"}}}),
    )
    .await;
    // Wait until the query has run for a while (a heartbeat after the start).
    let seen = raw
        .until(|m| {
            m["method"] == "notifications/progress" && m["params"]["progress"].as_f64() >= Some(1.0)
        })
        .await;
    assert!(
        seen.iter().all(|m| m.get("id") != Some(&json!(1))),
        "the query ended before it could be cancelled: {seen:?}"
    );
    raw.send(
        json!({"jsonrpc": "2.0", "method": "notifications/cancelled",
        "params": {"requestId": 1, "reason": "test"}}),
    )
    .await;
    let cancelled = Instant::now();
    // The server keeps answering on the same connection, and never answers the cancelled call.
    raw.send(
        json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {
        "name": "query_kql", "arguments": {"query": "print x = 42"}}}),
    )
    .await;
    let seen = raw.until(|m| m["id"] == 2).await;
    assert!(
        seen.iter().all(|m| m.get("id") != Some(&json!(1))),
        "{seen:?}"
    );
    let answer = seen.last().unwrap();
    assert_eq!(
        answer["result"]["structuredContent"]["rows"],
        json!([[42]]),
        "{answer}"
    );
    // The cancelled call's handler is gone within moments: draining waits for it.
    server.drain(Duration::from_secs(30)).await;
    assert!(
        cancelled.elapsed() < Duration::from_secs(5),
        "the cancelled query ran on for {:?}",
        cancelled.elapsed()
    );
}

#[tokio::test]
async fn query_kql_is_listed_read_only_with_its_schemas() {
    let (_dir, mut client) = bare_client().await;
    let listed = client.request("tools/list", json!({})).await.unwrap();
    let tool = listed["tools"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "query_kql")
        .expect("query_kql is listed")
        .clone();
    let annotations = &tool["annotations"];
    assert_eq!(annotations["readOnlyHint"], true);
    assert_eq!(annotations["destructiveHint"], false);
    assert_eq!(annotations["idempotentHint"], true);
    // The cloud backends reach Azure.
    assert_eq!(annotations["openWorldHint"], true);
    let input = &tool["inputSchema"];
    assert_eq!(input["required"], json!(["query"]));
    assert_eq!(input["additionalProperties"], false);
    let mut fields: Vec<&str> = input["properties"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    fields.sort_unstable();
    assert_eq!(
        fields,
        [
            "additional_workspaces",
            "backend",
            "end",
            "max_rows",
            "now",
            "query",
            "resource_id",
            "start",
            "timeout_seconds",
            "timespan",
            "validate_only",
            "workspace_id"
        ]
    );
    for (name, field) in input["properties"].as_object().unwrap() {
        assert!(
            field["description"].as_str().is_some_and(|d| d.len() > 20),
            "{name} has no description: {field}"
        );
    }
    assert_eq!(input["properties"]["max_rows"]["maximum"], 10_000);
    assert_eq!(input["properties"]["max_rows"]["default"], 200);
    let schema = jsonschema::validator_for(&tool["outputSchema"]).unwrap();
    assert!(
        !schema.is_valid(&json!({"backend": "local"})),
        "columns are required"
    );

    // Tools of other toolsets can be switched off; query_kql is `observability`.
    let (_dir, server) = crate::common::server(Overrides {
        toolsets: Some(vec!["observability".into()]),
        ..Overrides::default()
    });
    let names: Vec<String> = server
        .visible_tools()
        .iter()
        .map(|t| t.name.to_string())
        .collect();
    assert_eq!(names, ["query_kql"]);
    let (_dir, server) = crate::common::server(Overrides {
        read_only: true,
        ..Overrides::default()
    });
    assert!(server.visible_tools().iter().any(|t| t.name == "query_kql"));
}

fn sample_command(out: &Path, extra: &[&str]) -> std::process::Output {
    let workspace = out.parent().unwrap();
    std::process::Command::new(env!("CARGO_BIN_EXE_devops-mcp"))
        .args([
            "--workspace",
            &workspace.display().to_string(),
            "sample-telemetry",
            "--out",
        ])
        .arg(out)
        .args(extra)
        .env_remove("DEVOPS_MCP_CONFIG")
        .output()
        .unwrap()
}

fn files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[tokio::test]
async fn sample_telemetry_command_writes_a_queryable_folder() {
    let root = tempfile::tempdir().unwrap();
    let out: PathBuf = root.path().join("telemetry");
    let first = sample_command(&out, &["--rows", "300", "--seed", "3"]);
    let stdout = String::from_utf8_lossy(&first.stdout);
    assert!(
        first.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&first.stderr)
    );
    assert!(
        stdout.contains("requests") && stdout.contains("300 rows"),
        "{stdout}"
    );
    assert!(
        stdout.contains("2024-06-03T10:00:00Z") && stdout.contains("payments-api"),
        "{stdout}"
    );
    assert!(stdout.contains("kql_data_dir"), "{stdout}");
    let written = files(&out);
    assert!(
        written.contains(&"requests.jsonl".to_owned()),
        "{written:?}"
    );
    assert!(
        written.contains(&"requests.schema.json".to_owned()),
        "{written:?}"
    );
    assert!(
        !written.iter().any(|f| f.starts_with(".sample-telemetry")),
        "staging left behind: {written:?}"
    );

    // A second run needs --force; with it, Parquet replaces the JSON lines.
    let again = sample_command(&out, &["--rows", "300"]);
    assert!(!again.status.success());
    let stderr = String::from_utf8_lossy(&again.stderr);
    assert!(
        stderr.contains("not empty") && stderr.contains("--force"),
        "{stderr}"
    );
    let parquet = sample_command(&out, &["--rows", "300", "--format", "parquet", "--force"]);
    assert!(
        parquet.status.success(),
        "{}",
        String::from_utf8_lossy(&parquet.stderr)
    );
    let written = files(&out);
    assert!(
        written.contains(&"requests.parquet".to_owned()),
        "{written:?}"
    );
    assert!(
        !written.iter().any(|f| f.ends_with(".jsonl")),
        "{written:?}"
    );

    // An unrelated folder is refused and left alone.
    let mine = root.path().join("mine");
    std::fs::create_dir(&mine).unwrap();
    std::fs::write(mine.join("notes.txt"), "keep").unwrap();
    let refused = sample_command(&mine, &[]);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("notes.txt"));
    assert_eq!(files(&mine), ["notes.txt"]);

    // The server reads the Parquet folder.
    let (_dir, server) = server_with(&format!("kql_data_dir = {:?}", out.display().to_string()));
    let mut client = LocalClient::connect(server).await.unwrap();
    let counted = query(
        &mut client,
        json!({"query": "AppRequests | summarize n = count(), failed = countif(not(Success))"}),
    )
    .await;
    assert_eq!(counted["rows"][0][0], 300, "{counted}");
}
