//! Benchmark driver for `tests/bench/kql/compare.py`: writes the sample
//! data set as Parquet and times queries on the local engine.
//!
//! ```text
//! kql_bench generate --out DIR [--rows 1000000] [--seed 42] [--tables-json PATH]
//! kql_bench run --data DIR --queries FILE.json [--runs 5]
//! ```
//!
//! `run` reads `[{"name": "...", "kql": "..."}, ...]` and writes one JSON
//! line per query to stdout: `{"name", "times_ms": [...], "rows"}` (after
//! one warm-up run). `now()` is the end of the sample day, so `ago()`
//! windows select the same rows as the SQL the script compares with.

use std::io::Write;
use std::path::PathBuf;
use std::time::{Duration, Instant, SystemTime};

use anyhow::{Context, bail};
use devops_mcp_kql::{LocalEngine, RunOptions, SampleFormat, write_sample_telemetry_as};
use serde::Deserialize;

#[derive(Deserialize)]
struct BenchQuery {
    name: String,
    kql: String,
}

fn flag(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .cloned()
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("generate") => generate(&args),
        Some("run") => {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()?;
            runtime.block_on(run(&args))
        }
        _ => bail!(
            "usage: kql_bench generate --out DIR [--rows N] | run --data DIR --queries FILE [--runs N]"
        ),
    }
}

fn generate(args: &[String]) -> anyhow::Result<()> {
    let out = PathBuf::from(flag(args, "--out").context("--out DIR is required")?);
    let rows: usize = flag(args, "--rows").map_or(Ok(1_000_000), |r| r.parse())?;
    let seed: u64 = flag(args, "--seed").map_or(Ok(42), |r| r.parse())?;
    let tables = flag(args, "--tables-json").map_or_else(
        || {
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("../../../shared/contracts/app-insights/tables.json")
        },
        PathBuf::from,
    );
    let json = std::fs::read_to_string(&tables)
        .with_context(|| format!("reading {}", tables.display()))?;
    let started = Instant::now();
    let summary = write_sample_telemetry_as(&out, rows, seed, Some(&json), SampleFormat::Parquet)?;
    let mut stdout = std::io::stdout().lock();
    writeln!(
        stdout,
        "{}",
        serde_json::json!({"tables": summary.tables, "seconds": started.elapsed().as_secs_f64()})
    )?;
    Ok(())
}

async fn run(args: &[String]) -> anyhow::Result<()> {
    let data = PathBuf::from(flag(args, "--data").context("--data DIR is required")?);
    let queries = PathBuf::from(flag(args, "--queries").context("--queries FILE is required")?);
    let runs: usize = flag(args, "--runs").map_or(Ok(5), |r| r.parse())?;
    let queries: Vec<BenchQuery> = serde_json::from_str(&std::fs::read_to_string(&queries)?)?;
    let engine = LocalEngine::open(Some(&data), &[])?;
    let options = RunOptions {
        max_rows: 100,
        timeout: Some(Duration::from_secs(600)),
        memory_limit: Some(8 << 30),
        cancel: None,
        // The end of the sample day (2024-06-04T00:00:00Z).
        now: Some(SystemTime::UNIX_EPOCH + Duration::from_secs(1_717_459_200)),
    };
    let mut stdout = std::io::stdout().lock();
    for q in queries {
        let warm = engine
            .run(&q.kql, &options)
            .await
            .with_context(|| format!("query {}", q.name))?;
        let mut times = Vec::with_capacity(runs);
        for _ in 0..runs {
            let started = Instant::now();
            engine.run(&q.kql, &options).await?;
            times.push(started.elapsed().as_secs_f64() * 1000.0);
        }
        writeln!(
            stdout,
            "{}",
            serde_json::json!({"name": q.name, "times_ms": times, "rows": warm.total_rows, "first_row": warm.rows.first()})
        )?;
    }
    Ok(())
}
