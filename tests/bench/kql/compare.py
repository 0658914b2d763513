#!/usr/bin/env python3
"""Compare the embedded KQL engine with DuckDB on the sample telemetry.

Generates the Application Insights sample data set as Parquet (1 million
requests by default) with the engine's own generator, runs ten typical
Application Insights queries through the engine (the `kql_bench` example
of crates/devops-mcp-kql) and the equivalent SQL through DuckDB on the same
files, in the same run, and prints the median times and their ratio. The
target is a ratio within 2x.

Run with the project's tool venv (duckdb and pyarrow are installed there):

    /work/main/.tools/venv/bin/python tests/bench/kql/compare.py [--rows N] [--runs N]

Options:
    --rows N        requests rows in the sample (default 1000000)
    --runs N        timed runs per query after one warm-up (default 5)
    --data DIR      where the Parquet files go (default: a folder in the
                    system temp dir, reused when it already holds N rows)
    --bench-bin P   a prebuilt kql_bench binary (default: cargo build --release)
    --threads N     DuckDB threads (default: the CPU count, which is also
                    the number of partitions DataFusion uses)
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[3]
CRATE = ROOT / "crates" / "devops-mcp-kql"

# `now()` of the KQL runs is 2024-06-04T00:00:00Z, the end of the sample day.
QUERIES = [
    (
        "filter_summarize_bin",
        "requests | where timestamp > ago(12h) | summarize n = count(), avg_ms = avg(duration) by bin(timestamp, 5m)",
        "SELECT time_bucket(INTERVAL '5 minutes', timestamp) AS timestamp, count(*) AS n, avg(duration) AS avg_ms "
        "FROM requests WHERE timestamp > TIMESTAMPTZ '2024-06-03 12:00:00+00' GROUP BY 1",
    ),
    (
        "percentiles",
        "requests | summarize percentiles(duration, 50, 95, 99) by name",
        "SELECT name, quantile_disc(duration, [0.5, 0.95, 0.99]) AS p FROM requests GROUP BY name",
    ),
    (
        "dcount",
        "requests | summarize users = dcount(user_Id), sessions = dcount(session_Id) by bin(timestamp, 1h)",
        "SELECT time_bucket(INTERVAL '1 hour', timestamp) AS timestamp, count(DISTINCT user_Id) AS users, "
        "count(DISTINCT session_Id) AS sessions FROM requests GROUP BY 1",
    ),
    (
        "countif_error_rate",
        "requests | summarize total = count(), failed = countif(success == 'False') by bin(timestamp, 15m) "
        "| extend rate = 100.0 * failed / total | where rate > 5",
        "SELECT * FROM (SELECT time_bucket(INTERVAL '15 minutes', timestamp) AS timestamp, count(*) AS total, "
        "count(*) FILTER (WHERE success = 'False') AS failed FROM requests GROUP BY 1) WHERE 100.0 * failed / total > 5",
    ),
    (
        "join_exceptions",
        "exceptions | join kind=inner (requests | where success == 'False') on operation_Id | summarize n = count() by type, name",
        "SELECT e.type, r.name, count(*) AS n FROM exceptions e JOIN requests r ON e.operation_Id = r.operation_Id "
        "WHERE r.success = 'False' GROUP BY 1, 2",
    ),
    (
        "top_n",
        "requests | top 10 by duration desc | project timestamp, name, duration, operation_Id",
        "SELECT timestamp, name, duration, operation_Id FROM requests ORDER BY duration DESC LIMIT 10",
    ),
    (
        "mv_expand_custom_dimensions",
        "requests | mv-expand tag = customDimensions.Tags to typeof(string) | summarize n = count() by tag",
        "SELECT tag, count(*) AS n FROM (SELECT unnest(json_extract_string(customDimensions, '$.Tags[*]')) AS tag "
        "FROM requests) GROUP BY tag",
    ),
    (
        "parse_traces",
        "traces | where message startswith 'Request ' "
        "| parse message with 'Request ' id ' ' outcome ' with status ' status:int ' in ' ms:long ' ms' "
        "| summarize n = count(), avg_ms = avg(ms) by outcome, status",
        "SELECT p.outcome, CAST(p.status AS INTEGER) AS status, count(*) AS n, avg(CAST(p.ms AS BIGINT)) AS avg_ms FROM ("
        "SELECT regexp_extract(message, '^Request (.*?) (.*?) with status (-?\\d+) in (-?\\d+) ms', "
        "['id', 'outcome', 'status', 'ms']) AS p FROM traces WHERE starts_with(message, 'Request ')) GROUP BY 1, 2",
    ),
    (
        "custom_dimension_property",
        "requests | extend region = tostring(customDimensions.Region) "
        "| summarize n = count(), p95 = percentile(duration, 95) by region",
        "SELECT json_extract_string(customDimensions, '$.Region') AS region, count(*) AS n, "
        "quantile_disc(duration, 0.95) AS p95 FROM requests GROUP BY 1",
    ),
    (
        "slow_dependency_p95",
        "dependencies | summarize p95 = percentile(duration, 95), n = count() by target, bin(timestamp, 15m) "
        "| where p95 > 3000",
        "SELECT * FROM (SELECT target, time_bucket(INTERVAL '15 minutes', timestamp) AS timestamp, "
        "quantile_disc(duration, 0.95) AS p95, count(*) AS n FROM dependencies GROUP BY 1, 2) WHERE p95 > 3000",
    ),
]


def build_bench() -> Path:
    target = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    subprocess.run(
        ["cargo", "build", "--release", "-p", "devops-mcp-kql", "--example", "kql_bench"],
        cwd=ROOT,
        check=True,
    )
    return target / "release" / "examples" / "kql_bench"


def ensure_data(bench: Path, data: Path, rows: int) -> None:
    marker = data / "rows.txt"
    if marker.exists() and marker.read_text().strip() == str(rows):
        return
    data.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    out = subprocess.run(
        [str(bench), "generate", "--out", str(data), "--rows", str(rows)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    print(f"generated {out.strip()} in {time.perf_counter() - started:.1f}s", file=sys.stderr)
    marker.write_text(str(rows))


def run_kql(bench: Path, data: Path, runs: int) -> dict[str, dict]:
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump([{"name": n, "kql": k} for n, k, _ in QUERIES], f)
        queries = f.name
    out = subprocess.run(
        [str(bench), "run", "--data", str(data), "--queries", queries, "--runs", str(runs)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    os.unlink(queries)
    results = {}
    for line in out.splitlines():
        r = json.loads(line)
        results[r["name"]] = r
    return results


def run_duckdb(data: Path, runs: int, threads: int) -> dict[str, dict]:
    con = duckdb.connect()
    con.execute(f"SET threads = {threads}")
    for parquet in sorted(data.glob("*.parquet")):
        con.execute(f"CREATE VIEW \"{parquet.stem}\" AS SELECT * FROM read_parquet('{parquet}')")
    results = {}
    for name, _, sql in QUERIES:
        # Arrow results: columnar like the engine's, and no Python objects.
        rows = con.execute(sql).to_arrow_table().num_rows  # warm-up
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            con.execute(sql).to_arrow_table()
            times.append((time.perf_counter() - started) * 1000)
        results[name] = {"times_ms": times, "rows": rows}
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--data", type=Path)
    parser.add_argument("--bench-bin", type=Path)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 2)
    args = parser.parse_args()
    data = args.data or Path(tempfile.gettempdir()) / f"devops-mcp-kql-bench-{args.rows}"
    bench = args.bench_bin or build_bench()
    ensure_data(bench, data, args.rows)
    kql = run_kql(bench, data, args.runs)
    sql = run_duckdb(data, args.runs, args.threads)
    print(f"{args.rows} requests rows, {args.runs} runs per query, {args.threads} threads, medians in ms")
    print(f"{'query':32} {'kql':>10} {'duckdb':>10} {'ratio':>7} {'rows kql/duckdb':>16}")
    ratios = []
    worst = 0.0
    for name, _, _ in QUERIES:
        k = statistics.median(kql[name]["times_ms"])
        d = statistics.median(sql[name]["times_ms"])
        ratio = k / d if d > 0 else float("inf")
        ratios.append(ratio)
        worst = max(worst, ratio)
        rows = f"{kql[name]['rows']}/{sql[name]['rows']}"
        print(f"{name:32} {k:10.1f} {d:10.1f} {ratio:7.2f} {rows:>16}")
    geo = statistics.geometric_mean(ratios)
    total_k = sum(statistics.median(kql[n]["times_ms"]) for n, _, _ in QUERIES)
    total_d = sum(statistics.median(sql[n]["times_ms"]) for n, _, _ in QUERIES)
    print(f"{'total':32} {total_k:10.1f} {total_d:10.1f} {total_k / total_d:7.2f}")
    print(f"geometric mean ratio {geo:.2f}, worst {worst:.2f} (target: within 2x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
