//! The sample Application Insights data set: schemas from the contract,
//! correlated ids, determinism, and alert queries that must find the
//! planted incidents (and nothing else).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use devops_mcp_kql::{
    LocalEngine, QueryResult, RunOptions, SampleFormat, write_sample_telemetry,
    write_sample_telemetry_as,
};

fn tables_json() -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/contracts/app-insights/tables.json");
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

fn options() -> RunOptions {
    RunOptions {
        max_rows: 10_000,
        // "Now" is the end of the sample day, so `ago()` works on it.
        now: Some(SystemTime::UNIX_EPOCH + Duration::from_secs(1_717_372_800 + 86_400)),
        ..RunOptions::default()
    }
}

async fn run(engine: &LocalEngine, query: &str) -> QueryResult {
    engine
        .run(query, &options())
        .await
        .unwrap_or_else(|e| panic!("query failed: {e}\n{query}"))
}

fn strings(result: &QueryResult, column: &str) -> Vec<String> {
    let i = result.column_index(column).expect("column exists");
    result
        .rows
        .iter()
        .map(|r| r[i].as_str().unwrap_or_default().to_string())
        .collect()
}

fn sample(dir: &Path, rows: usize) -> LocalEngine {
    let json = tables_json();
    write_sample_telemetry(dir, rows, 42, Some(&json)).expect("sample written");
    LocalEngine::open(Some(dir), &[]).expect("sample opens")
}

#[tokio::test]
async fn sample_has_the_contract_tables_with_correlated_ids() {
    let dir = tempfile::tempdir().expect("temp dir");
    let engine = sample(dir.path(), 5_000);
    let tables: BTreeSet<String> = engine.catalog().tables().map(|t| t.name.clone()).collect();
    for t in [
        "requests",
        "dependencies",
        "exceptions",
        "traces",
        "customMetrics",
        "AppRequests",
        "AppDependencies",
        "AppExceptions",
        "AppTraces",
    ] {
        assert!(tables.contains(t), "missing table {t}: {tables:?}");
    }
    // The contract's schema is what the sidecar declares.
    let contract = devops_mcp_kql::app_insights_catalog(&tables_json()).expect("contract");
    assert_eq!(
        engine.catalog().table("requests").map(|t| t.columns.len()),
        contract.table("requests").map(|t| t.columns.len())
    );
    let counts = run(&engine, "requests | count").await;
    assert_eq!(counts.rows[0][0], serde_json::json!(5000));
    // Every exception, dependency and trace belongs to a request.
    for table in ["exceptions", "dependencies", "traces"] {
        let orphans = run(
            &engine,
            &format!("{table} | join kind=leftanti requests on operation_Id | count"),
        )
        .await;
        assert_eq!(
            orphans.rows[0][0],
            serde_json::json!(0),
            "{table} has orphans"
        );
    }
    let workspace = run(
        &engine,
        "AppExceptions | join kind=inner (AppRequests | where Success == false) on OperationId | count",
    )
    .await;
    let classic = run(&engine, "exceptions | count").await;
    assert_eq!(workspace.rows[0][0], classic.rows[0][0]);
    // customDimensions is a property bag.
    let regions = run(
        &engine,
        "requests | summarize n = count() by Region = tostring(customDimensions.Region) | order by Region asc",
    )
    .await;
    assert_eq!(
        strings(&regions, "Region"),
        ["brazilsouth", "eastus", "southeastasia", "westeurope"]
    );
}

#[tokio::test]
async fn error_rate_alert_fires_only_in_the_spike_window() {
    let dir = tempfile::tempdir().expect("temp dir");
    let engine = sample(dir.path(), 6_000);
    let alert = "requests
        | where timestamp > ago(1d)
        | summarize total = count(), failed = countif(success == 'False') by bin(timestamp, 15m)
        | extend error_rate = 100.0 * failed / total
        | where error_rate > 5
        | order by timestamp asc";
    let fired = run(&engine, alert).await;
    assert_eq!(
        strings(&fired, "timestamp"),
        ["2024-06-03T10:00:00Z", "2024-06-03T10:15:00Z"],
        "{:?}",
        fired.rows
    );
    // The same alert on the workspace-based table.
    let fired = run(
        &engine,
        "AppRequests | summarize rate = 100.0 * countif(not(Success)) / count() by bin(TimeGenerated, 15m) | where rate > 5 | order by TimeGenerated asc",
    )
    .await;
    assert_eq!(
        strings(&fired, "TimeGenerated"),
        ["2024-06-03T10:00:00Z", "2024-06-03T10:15:00Z"]
    );
}

#[tokio::test]
async fn latency_alert_finds_only_the_slow_dependency() {
    let dir = tempfile::tempdir().expect("temp dir");
    let engine = sample(dir.path(), 6_000);
    let alert = "dependencies
        | summarize p95 = percentile(duration, 95) by target, bin(timestamp, 15m)
        | where p95 > 3000
        | order by timestamp asc";
    let fired = run(&engine, alert).await;
    let targets: BTreeSet<String> = strings(&fired, "target").into_iter().collect();
    assert_eq!(targets, BTreeSet::from(["payments-api".to_string()]));
    assert_eq!(
        strings(&fired, "timestamp"),
        [
            "2024-06-03T14:00:00Z",
            "2024-06-03T14:15:00Z",
            "2024-06-03T14:30:00Z"
        ]
    );
}

#[test]
fn generation_is_deterministic() {
    let json = tables_json();
    let a = tempfile::tempdir().expect("temp dir");
    let b = tempfile::tempdir().expect("temp dir");
    let sa = write_sample_telemetry(a.path(), 500, 7, Some(&json)).expect("written");
    let sb = write_sample_telemetry(b.path(), 500, 7, Some(&json)).expect("written");
    assert_eq!(sa.tables, sb.tables);
    for file in ["requests.jsonl", "dependencies.jsonl", "traces.jsonl"] {
        let x = std::fs::read(a.path().join(file)).expect("file");
        let y = std::fs::read(b.path().join(file)).expect("file");
        assert!(x == y, "{file} differs between runs with the same seed");
    }
    let c = tempfile::tempdir().expect("temp dir");
    write_sample_telemetry(c.path(), 500, 8, Some(&json)).expect("written");
    let x = std::fs::read(a.path().join("requests.jsonl")).expect("file");
    let z = std::fs::read(c.path().join("requests.jsonl")).expect("file");
    assert!(x != z, "a different seed gives different data");
}

#[tokio::test]
async fn parquet_and_json_lines_give_the_same_answers() {
    let json = tables_json();
    let jl = tempfile::tempdir().expect("temp dir");
    let pq = tempfile::tempdir().expect("temp dir");
    write_sample_telemetry_as(jl.path(), 3_000, 1, Some(&json), SampleFormat::JsonLines)
        .expect("written");
    write_sample_telemetry_as(pq.path(), 3_000, 1, Some(&json), SampleFormat::Parquet)
        .expect("written");
    let a = LocalEngine::open(Some(jl.path()), &[]).expect("opens");
    let b = LocalEngine::open(Some(pq.path()), &[]).expect("opens");
    for query in [
        "requests | summarize n = count(), p95 = percentile(duration, 95), users = dcount(user_Id) by bin(timestamp, 1h) | order by timestamp asc",
        "requests | mv-expand tag = customDimensions.Tags to typeof(string) | summarize count() by tag | order by tag asc",
        "exceptions | summarize count() by type, bin(timestamp, 6h) | order by timestamp asc, type asc",
        "AppRequests | where Success == false | top 5 by DurationMs desc | project OperationId, DurationMs, TimeGenerated",
    ] {
        let x = run(&a, query).await;
        let y = run(&b, query).await;
        assert_eq!(x.columns, y.columns, "{query}");
        assert_eq!(x.rows, y.rows, "{query}");
    }
    let result = run(&b, "requests | take 1").await;
    assert!(result.statistics.bytes_scanned > 0);
}
