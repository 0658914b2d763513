//! Execution conformance: runs every example of the KQL documentation
//! corpus (`../shared/conformance/kql-docs/cases.jsonl`) on the local
//! engine and compares the result with the table the documentation shows,
//! following the corpus README: instants compared as instants, numbers
//! with a tolerance, dynamic values as parsed JSON, null and empty equal,
//! unordered outputs as multisets, approximate results with a wider
//! tolerance, nondeterministic ones by shape only.
//!
//! It reports the pass rate overall, on the cases whose operators and
//! functions are all in issue 7's list, and per operator, and fails when
//! a case that passed in `tests/kql_exec_baseline.json` fails now (a
//! ratchet). `KQL_UPDATE_BASELINE=1` rewrites the baseline.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use devops_mcp_kql::{KqlType, LocalEngine, QueryResult, RunOptions};
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

#[derive(Deserialize)]
struct Case {
    id: String,
    query: String,
    #[serde(default)]
    operators: Vec<String>,
    #[serde(default)]
    columns: Vec<String>,
    #[serde(default)]
    rows: Vec<Vec<String>>,
    #[serde(default)]
    flags: Vec<String>,
    #[serde(default)]
    extra_tables: Vec<Json>,
}

#[derive(Serialize, Deserialize)]
struct Baseline {
    /// Cases not flagged `sandbox_plugin`.
    eligible: usize,
    /// Of those, cases that pass.
    passed: usize,
    /// Cases whose operators and functions are all in the list.
    in_scope: usize,
    /// Of those, cases that pass.
    in_scope_passed: usize,
    /// Ids of the passing cases; none of them may fail later.
    passing: BTreeSet<String>,
}

/// Operators and functions issue 7 requires.
const OPERATORS: &[&str] = &[
    "where",
    "project",
    "project-away",
    "project-rename",
    "project-reorder",
    "extend",
    "summarize",
    "count",
    "take",
    "limit",
    "top",
    "sort",
    "order",
    "distinct",
    "join",
    "union",
    "mv-expand",
    "parse",
    "make-series",
    "range",
    "datatable",
    "print",
    "let",
    "as",
    "render",
];
const FUNCTIONS: &[&str] = &[
    "ago",
    "now",
    "bin",
    "datetime_add",
    "datetime_diff",
    "startofday",
    "startofweek",
    "startofmonth",
    "startofyear",
    "endofday",
    "endofweek",
    "endofmonth",
    "endofyear",
    "format_datetime",
    "strcat",
    "split",
    "extract",
    "replace_string",
    "tolower",
    "toupper",
    "has_any",
    "iff",
    "iif",
    "case",
    "coalesce",
    "isnull",
    "isempty",
    "isnotnull",
    "isnotempty",
    "tostring",
    "toint",
    "tolong",
    "todouble",
    "toreal",
    "todatetime",
    "totimespan",
    "parse_json",
    "todynamic",
    "array_length",
    "bag_keys",
    "pack",
    "bag_pack",
    "pack_array",
    "count",
    "countif",
    "dcount",
    "dcountif",
    "sum",
    "sumif",
    "avg",
    "avgif",
    "min",
    "max",
    "percentile",
    "percentiles",
    "stdev",
    "variance",
    "make_list",
    "make_set",
    "arg_max",
    "arg_min",
    "take_any",
];

fn in_scope(case: &Case) -> bool {
    case.operators.iter().all(|o| match o.strip_suffix("()") {
        Some(f) => FUNCTIONS.contains(&f),
        None => OPERATORS.contains(&o.as_str()),
    })
}

fn corpus() -> Vec<Case> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/conformance/kql-docs/cases.jsonl");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read the KQL corpus at {}: {e}", path.display()));
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).expect("corpus line is a JSON case"))
        .collect()
}

fn baseline_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/kql_exec_baseline.json")
}

// ----- comparing cells ----------------------------------------------------------

/// Nanoseconds since the epoch of a documented datetime.
fn doc_datetime(text: &str) -> Option<i64> {
    // The engine's own parser accepts every form the docs use; go through
    // a query-free path: `todatetime` semantics via the public API is
    // async, so parse here with the forms that appear.
    let t = text.trim().trim_end_matches('Z');
    let t = t.replace('T', " ");
    let (date, time) = t.split_once(' ').unwrap_or((&t, "00:00:00"));
    let d: Vec<i64> = date.split('-').filter_map(|p| p.parse().ok()).collect();
    if d.len() != 3 {
        return us_datetime(text);
    }
    let (h, m, s, frac) = clock(time)?;
    Some(
        civil(d[0], d[1], d[2]) * 86_400_000_000_000
            + (h * 3600 + m * 60 + s) * 1_000_000_000
            + frac,
    )
}

/// `2/17/2016 8:40 AM` and `2/17/2016 8:40:03 PM`.
fn us_datetime(text: &str) -> Option<i64> {
    let mut parts = text.split_whitespace();
    let date = parts.next()?;
    let d: Vec<i64> = date.split('/').filter_map(|p| p.parse().ok()).collect();
    if d.len() != 3 {
        return None;
    }
    let time = parts.next().unwrap_or("0:00");
    let (mut h, m, s, frac) = clock(time)?;
    match parts.next() {
        Some("PM") if h < 12 => h += 12,
        Some("AM") if h == 12 => h = 0,
        _ => {}
    }
    Some(
        civil(d[2], d[0], d[1]) * 86_400_000_000_000
            + (h * 3600 + m * 60 + s) * 1_000_000_000
            + frac,
    )
}

fn clock(time: &str) -> Option<(i64, i64, i64, i64)> {
    let c: Vec<&str> = time.split(':').collect();
    if c.len() < 2 {
        return None;
    }
    let h = c[0].parse().ok()?;
    let m = c[1].parse().ok()?;
    let (s, frac) = match c.get(2) {
        Some(sec) => match sec.split_once('.') {
            Some((w, f)) => {
                let mut digits: String = f.chars().take(9).collect();
                while digits.len() < 9 {
                    digits.push('0');
                }
                (w.parse().ok()?, digits.parse().ok()?)
            }
            None => (sec.parse().ok()?, 0),
        },
        None => (0, 0),
    };
    Some((h, m, s, frac))
}

fn civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Nanoseconds of a timespan text `[-][d.]hh:mm:ss[.f]`.
fn doc_timespan(text: &str) -> Option<i64> {
    let t = text.trim();
    let (neg, t) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t),
    };
    let (days, clock_text) = match t.split_once(':') {
        Some((head, _)) if head.contains('.') => {
            let (d, _) = head.split_once('.')?;
            (d.parse::<i64>().ok()?, &t[d.len() + 1..])
        }
        _ => (0, t),
    };
    let (h, m, s, frac) = clock(clock_text)?;
    let v = days * 86_400_000_000_000 + (h * 3600 + m * 60 + s) * 1_000_000_000 + frac;
    Some(if neg { -v } else { v })
}

fn doc_number(text: &str) -> Option<f64> {
    let t = text.trim().replace(',', "");
    match t.as_str() {
        "NaN" => Some(f64::NAN),
        "Infinity" | "∞" => Some(f64::INFINITY),
        "-Infinity" | "-∞" => Some(f64::NEG_INFINITY),
        _ => t.parse().ok(),
    }
}

fn close(a: f64, b: f64, tolerance: f64) -> bool {
    if a.is_nan() || b.is_nan() {
        return a.is_nan() && b.is_nan();
    }
    if a.is_infinite() || b.is_infinite() {
        return a == b;
    }
    (a - b).abs() <= tolerance * a.abs().max(b.abs()).max(1.0)
}

fn json_close(a: &Json, b: &Json, tolerance: f64) -> bool {
    match (a, b) {
        (Json::Number(x), Json::Number(y)) => close(
            x.as_f64().unwrap_or(0.0),
            y.as_f64().unwrap_or(0.0),
            tolerance,
        ),
        (Json::Array(x), Json::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| json_close(p, q, tolerance))
        }
        (Json::Object(x), Json::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| json_close(v, w, tolerance)))
        }
        (Json::String(x), Json::String(y)) => {
            x == y
                || match (doc_datetime(x), doc_datetime(y)) {
                    (Some(p), Some(q)) => p == q,
                    _ => false,
                }
        }
        (Json::String(x), other) | (other, Json::String(x)) => {
            serde_json::from_str::<Json>(x).is_ok_and(|v| json_close(&v, other, tolerance))
        }
        _ => a == b,
    }
}

/// The docs sometimes write JSON with single quotes: `['a', 1]`.
fn single_quoted(text: &str) -> Option<Json> {
    if text.contains('"') || !text.contains('\'') {
        return None;
    }
    serde_json::from_str(&text.replace('\'', "\"")).ok()
}

/// The docs sometimes show arrays of strings unquoted: `[yes, no, yes]`.
fn bare_list(text: &str) -> Option<Json> {
    let inner = text.strip_prefix('[')?.strip_suffix(']')?;
    Some(Json::Array(
        inner
            .split(',')
            .map(|item| {
                let item = item.trim().trim_matches('\'');
                serde_json::from_str::<Json>(item)
                    .unwrap_or_else(|_| Json::String(item.to_string()))
            })
            .collect(),
    ))
}

fn unescape(text: &str) -> String {
    text.replace("\\\\", "\\").replace("\\\"", "\"")
}

/// Does the documented cell `expected` match the actual value?
fn cell_matches(expected: &str, actual: &Json, ty: KqlType, tolerance: f64) -> bool {
    let e = expected.trim();
    if e.is_empty() || e == "null" {
        return match actual {
            Json::Null => true,
            Json::String(s) => s.is_empty(),
            Json::Array(a) => a.is_empty() && e.is_empty(),
            Json::Object(o) => o.is_empty() && e.is_empty(),
            _ => false,
        };
    }
    match (ty, actual) {
        (_, Json::Null) => false,
        (KqlType::DateTime, Json::String(s)) => {
            doc_datetime(e).is_some() && doc_datetime(e) == doc_datetime(s)
        }
        (KqlType::Timespan, Json::String(s)) => match (doc_timespan(e), doc_timespan(s)) {
            (Some(x), Some(y)) => x == y,
            _ => e == s,
        },
        (KqlType::Bool, Json::Bool(b)) => {
            e.eq_ignore_ascii_case(if *b { "true" } else { "false" })
                || e == if *b { "1" } else { "0" }
        }
        (_, Json::Number(n)) => {
            doc_number(e).is_some_and(|x| close(x, n.as_f64().unwrap_or(f64::NAN), tolerance))
        }
        (_, Json::String(s)) if matches!(s.as_str(), "NaN" | "Infinity" | "-Infinity") => {
            doc_number(e).is_some_and(|x| close(x, doc_number(s).unwrap_or(0.0), tolerance))
        }
        (KqlType::Dynamic, value) => {
            let parsed = serde_json::from_str::<Json>(e)
                .or_else(|_| serde_json::from_str::<Json>(&unescape(e)))
                .or_else(|_| single_quoted(e).ok_or(()))
                .or_else(|_| bare_list(e).ok_or(()))
                .unwrap_or_else(|_| Json::String(e.to_string()));
            json_close(&parsed, value, tolerance)
                || matches!(value, Json::String(s) if s == e || *s == unescape(e))
        }
        (_, Json::String(s)) => s == e || *s == unescape(e) || s.trim() == e,
        (_, Json::Bool(b)) => e.eq_ignore_ascii_case(if *b { "true" } else { "false" }),
        (_, other) => {
            serde_json::from_str::<Json>(e).is_ok_and(|v| json_close(&v, other, tolerance))
        }
    }
}

fn row_matches(expected: &[String], actual: &[Json], types: &[KqlType], tolerance: f64) -> bool {
    expected.len() == actual.len()
        && expected
            .iter()
            .zip(actual)
            .zip(types)
            .all(|((e, a), t)| cell_matches(e, a, *t, tolerance))
}

/// Compares a result with a documented table; `Err` says why not.
fn compare(
    case: &Case,
    columns: &[String],
    rows: &[Vec<String>],
    result: &QueryResult,
) -> Result<(), String> {
    let flags: BTreeSet<&str> = case.flags.iter().map(String::as_str).collect();
    let names: Vec<&str> = result.columns.iter().map(|c| c.name.as_str()).collect();
    let types: Vec<KqlType> = result.columns.iter().map(|c| c.ty).collect();
    if names.len() != columns.len() {
        return Err(format!("columns {names:?}, documented {columns:?}"));
    }
    if !flags.contains("doc_column_names_suspect")
        && names != columns.iter().map(String::as_str).collect::<Vec<_>>()
    {
        return Err(format!("columns {names:?}, documented {columns:?}"));
    }
    if flags.contains("nondeterministic") {
        return Ok(());
    }
    let tolerance = if flags.contains("approximate") {
        0.05
    } else {
        1e-6
    };
    let partial = flags.contains("partial_output");
    if !partial && rows.len() as u64 != result.total_rows {
        return Err(format!(
            "{} rows, documented {}",
            result.total_rows,
            rows.len()
        ));
    }
    let unordered = flags.contains("unordered_output") || partial;
    if unordered {
        let mut used = vec![false; result.rows.len()];
        for expected in rows {
            let found =
                result.rows.iter().enumerate().find(|(i, actual)| {
                    !used[*i] && row_matches(expected, actual, &types, tolerance)
                });
            match found {
                Some((i, _)) => used[i] = true,
                None => {
                    return Err(format!(
                        "documented row {expected:?} not found in {}",
                        serde_json::to_string(&result.rows).unwrap_or_default()
                    ));
                }
            }
        }
        return Ok(());
    }
    for (i, (expected, actual)) in rows.iter().zip(&result.rows).enumerate() {
        if !row_matches(expected, actual, &types, tolerance) {
            return Err(format!(
                "row {i}: documented {expected:?}, got {}",
                serde_json::to_string(actual).unwrap_or_default()
            ));
        }
    }
    Ok(())
}

fn check(case: &Case, result: &QueryResult) -> Result<(), String> {
    let first = compare(case, &case.columns, &case.rows, result);
    if first.is_ok() || case.extra_tables.is_empty() {
        return first;
    }
    // Several result sets: the engine returns the last one.
    for table in &case.extra_tables {
        let columns: Vec<String> = table
            .get("columns")
            .and_then(|c| serde_json::from_value(c.clone()).ok())
            .unwrap_or_default();
        let rows: Vec<Vec<String>> = table
            .get("rows")
            .and_then(|r| serde_json::from_value(r.clone()).ok())
            .unwrap_or_default();
        if compare(case, &columns, &rows, result).is_ok() {
            return Ok(());
        }
    }
    first
}

#[test]
fn documentation_examples_run_with_documented_results() {
    let cases = corpus();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    let engine = LocalEngine::empty();
    let options = RunOptions {
        max_rows: 100_000,
        timeout: Some(Duration::from_secs(20)),
        memory_limit: Some(1 << 30),
        cancel: None,
        now: Some(SystemTime::now()),
    };
    let mut passing = BTreeSet::new();
    let mut failures: Vec<(String, String)> = Vec::new();
    let mut per_operator: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let (mut eligible, mut scope_total, mut scope_passed) = (0, 0, 0);
    for case in &cases {
        if case.flags.iter().any(|f| f == "sandbox_plugin") {
            continue;
        }
        eligible += 1;
        let scoped = in_scope(case);
        scope_total += usize::from(scoped);
        let outcome = match runtime.block_on(engine.run(&case.query, &options)) {
            Ok(result) => check(case, &result),
            Err(e) => Err(format!("error: {e}")),
        };
        let ok = outcome.is_ok();
        for op in &case.operators {
            let entry = per_operator.entry(op.clone()).or_default();
            entry.1 += 1;
            entry.0 += usize::from(ok);
        }
        match outcome {
            Ok(()) => {
                passing.insert(case.id.clone());
                scope_passed += usize::from(scoped);
            }
            Err(why) => failures.push((case.id.clone(), why)),
        }
    }
    let passed = passing.len();
    eprintln!(
        "KQL execution conformance: {passed}/{eligible} cases pass ({:.1}%); in the issue's scope {scope_passed}/{scope_total} ({:.1}%)",
        100.0 * passed as f64 / eligible.max(1) as f64,
        100.0 * scope_passed as f64 / scope_total.max(1) as f64
    );
    eprintln!("per operator or function (passed/total), most frequent first:");
    let mut ops: Vec<(&String, &(usize, usize))> = per_operator.iter().collect();
    ops.sort_by_key(|(name, (_, total))| (std::cmp::Reverse(*total), (*name).clone()));
    for (op, (ok, total)) in ops.iter().take(60) {
        eprintln!("  {op:<32} {ok:>4}/{total:<4}");
    }
    let report: String = failures
        .iter()
        .map(|(id, why)| format!("{id}: {}\n", why.replace('\n', " ")))
        .collect();
    let report_path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("kql_exec_failures.txt");
    std::fs::write(&report_path, report).expect("report is writable");
    eprintln!("failures written to {}", report_path.display());

    let baseline_file = baseline_path();
    let current = Baseline {
        eligible,
        passed,
        in_scope: scope_total,
        in_scope_passed: scope_passed,
        passing,
    };
    if std::env::var_os("KQL_UPDATE_BASELINE").is_some_and(|v| v == "1") {
        let json = serde_json::to_string_pretty(&current).expect("baseline serializes");
        std::fs::write(&baseline_file, json + "\n").expect("baseline file is writable");
        eprintln!("baseline rewritten: {passed} passing");
        return;
    }
    let baseline: Baseline = serde_json::from_str(
        &std::fs::read_to_string(&baseline_file)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", baseline_file.display())),
    )
    .expect("baseline file is valid JSON");
    let regressed: Vec<String> = baseline
        .passing
        .difference(&current.passing)
        .map(|id| {
            let why = failures
                .iter()
                .find(|(f, _)| f == id)
                .map_or("", |(_, w)| w.as_str());
            format!("{id}: {why}")
        })
        .collect();
    assert!(
        regressed.is_empty()
            && passed >= baseline.passed
            && scope_passed >= baseline.in_scope_passed,
        "execution conformance regressed ({passed} pass, baseline {}); cases that passed before:\n{}",
        baseline.passed,
        regressed.join("\n")
    );
    if passed > baseline.passed {
        eprintln!("conformance improved; run with KQL_UPDATE_BASELINE=1 to raise the baseline");
    }
}
