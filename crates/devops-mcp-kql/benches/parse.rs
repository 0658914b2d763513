//! Front-end latency: parse, analyse and plan typical Application
//! Insights queries against the Application Insights catalog. The target
//! for parse + analyse + plan (to a DataFusion logical plan) is under
//! 1 ms per query.

use std::hint::black_box;
use std::path::PathBuf;

use criterion::{Criterion, criterion_group, criterion_main};
use devops_mcp_kql::{
    Catalog, LocalEngine, RunOptions, SampleFormat, analyze, app_insights_catalog, parse,
    write_sample_telemetry_as,
};

/// Queries of the kind an agent investigating production writes.
const QUERIES: &[(&str, &str)] = &[
    (
        "error_rate_by_bin",
        "requests
| where timestamp > ago(1d)
| summarize total = count(), failed = countif(success == \"False\"), p95 = percentile(duration, 95)
    by bin(timestamp, 5m), cloud_RoleName
| extend failure_rate = todouble(failed) / total
| where failure_rate > 0.05
| order by timestamp desc
| render timechart",
    ),
    (
        "join_exceptions",
        "let window = 6h;
exceptions
| where timestamp > ago(window)
| join kind=leftouter (requests | where timestamp > ago(window) | project operation_Id, request_name = name, duration) on operation_Id
| summarize exceptions = count(), slowest = max(duration) by type, request_name
| top 10 by exceptions desc",
    ),
    (
        "custom_dimensions",
        "AppRequests
| where TimeGenerated > ago(1h) and Success == false
| extend region = tostring(Properties.Region), build = tostring(Properties['build'])
| mv-expand tag = Properties.tags to typeof(string)
| parse Url with * \"/api/\" endpoint:string \"?\" *
| summarize dcount(UserId), make_set(tag, 10) by region, endpoint
| project-rename users = dcount_UserId",
    ),
];

fn catalog() -> Catalog {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/contracts/app-insights/tables.json");
    let json = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "cannot read the Application Insights schema at {}: {e}",
            path.display()
        )
    });
    app_insights_catalog(&json).expect("the Application Insights schema is valid")
}

fn bench(c: &mut Criterion) {
    let catalog = catalog();
    // A small Parquet sample so that planning resolves real tables.
    let dir = tempfile::tempdir().expect("temp dir");
    let json = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../../shared/contracts/app-insights/tables.json"),
    )
    .expect("tables.json");
    write_sample_telemetry_as(dir.path(), 100, 1, Some(&json), SampleFormat::Parquet)
        .expect("sample written");
    let engine = LocalEngine::open(Some(dir.path()), &[]).expect("sample opens");
    let options = RunOptions::default();
    for (name, query) in QUERIES {
        let parsed = parse(query).expect("benchmark query parses");
        let analysis = analyze(&parsed, &catalog);
        assert!(
            !analysis.has_errors(),
            "benchmark query {name} has errors: {:?}",
            analysis.diagnostics
        );
        c.bench_function(&format!("parse/{name}"), |b| {
            b.iter(|| parse(black_box(query)))
        });
        c.bench_function(&format!("parse_and_analyze/{name}"), |b| {
            b.iter(|| {
                let parsed = parse(black_box(query)).expect("parses");
                analyze(&parsed, black_box(&catalog))
            })
        });
        engine.plan(query, &options).expect("benchmark query plans");
        c.bench_function(&format!("parse_analyze_plan/{name}"), |b| {
            b.iter(|| engine.plan(black_box(query), &options).expect("plans"))
        });
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
