//! A realistic, deterministic Application Insights data set for demos,
//! tests, alert-rule testing and benchmarks.
//!
//! One day of telemetry from a small shop (a frontend and an orders API
//! calling a database, a cache and a payments API) in the classic tables
//! (`requests`, `dependencies`, `exceptions`, `traces`, `customMetrics`)
//! and the workspace-based ones (`AppRequests`, `AppDependencies`,
//! `AppExceptions`, `AppTraces`), with the same events in both forms.
//! Every dependency, exception and trace carries its request's
//! `operation_Id`; `customDimensions` / `Properties` are property bags.
//!
//! Two incidents are planted, at fixed times of the day:
//! - an error spike from 10:00 to 10:30 (30% of requests fail with 5xx
//!   and an `HttpRequestException`; outside it exactly one request in 200
//!   fails, so any window of 15 minutes stays near 0.5%);
//! - a slow dependency from 14:00 to 14:45: calls to `payments-api` take
//!   3.5 to 8 s (normally 40 to 400 ms; no other dependency exceeds 1.5 s).
//!
//! The same `seed` and `rows` always give the same files. Generation
//! streams: nothing but one batch of rows is kept in memory, so a million
//! requests can be written as Parquet for benchmarks.

use std::collections::BTreeMap;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use datafusion::arrow::array::ArrayRef;
use datafusion::arrow::datatypes::{DataType, Field, Schema as ArrowSchema, TimeUnit};
use datafusion::arrow::record_batch::RecordBatch;
use serde::Serialize;
use serde_json::{Map, Value as Json, json};

use crate::catalog::{Catalog, Column};
use crate::error::KqlError;
use crate::execute::value::{NANOS_PER_SECOND, Value, build_array, format_datetime};
use crate::types::KqlType;

/// The file format of a sample data set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SampleFormat {
    /// One `.jsonl` file per table plus a `.schema.json` sidecar.
    JsonLines,
    /// One `.parquet` file per table plus a `.schema.json` sidecar
    /// (datetimes as UTC timestamps, dynamic values as JSON text).
    Parquet,
}

/// What was written.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SampleSummary {
    /// Rows per table.
    pub tables: BTreeMap<String, u64>,
    /// Files written.
    pub files: Vec<PathBuf>,
    /// First instant of the data (ISO 8601).
    pub start: String,
    /// End of the data (exclusive).
    pub end: String,
    /// The error spike: start and end (exclusive).
    pub error_spike: (String, String),
    /// The slow dependency: its target, start and end (exclusive).
    pub slow_dependency: (String, String, String),
}

/// 2024-06-03T00:00:00Z, a Monday.
const START_NS: i64 = 1_717_372_800 * NANOS_PER_SECOND;
const HOUR: i64 = 3600 * NANOS_PER_SECOND;
const MINUTE: i64 = 60 * NANOS_PER_SECOND;
const DAY: i64 = 24 * HOUR;
const SPIKE: (i64, i64) = (START_NS + 10 * HOUR, START_NS + 10 * HOUR + 30 * MINUTE);
const SLOW: (i64, i64) = (START_NS + 14 * HOUR, START_NS + 14 * HOUR + 45 * MINUTE);
const SLOW_TARGET: &str = "payments-api";
const BATCH: usize = 65_536;

/// Writes the sample data set as JSON lines (see the module docs).
/// `tables_json` is the text of `contracts/app-insights/tables.json`
/// (table schemas); without it a built-in subset of the columns is used.
///
/// # Errors
///
/// [`KqlError::DataSource`] when the folder or a file cannot be written,
/// [`KqlError::InvalidSchemaJson`] when `tables_json` is not usable.
pub fn write_sample_telemetry(
    dir: &Path,
    rows: usize,
    seed: u64,
    tables_json: Option<&str>,
) -> Result<SampleSummary, KqlError> {
    write_sample_telemetry_as(dir, rows, seed, tables_json, SampleFormat::JsonLines)
}

/// [`write_sample_telemetry`] in a chosen format.
///
/// # Errors
///
/// As [`write_sample_telemetry`].
pub fn write_sample_telemetry_as(
    dir: &Path,
    rows: usize,
    seed: u64,
    tables_json: Option<&str>,
    format: SampleFormat,
) -> Result<SampleSummary, KqlError> {
    let catalog = match tables_json {
        Some(text) => Catalog::from_schema_json(text)?,
        None => builtin_catalog(),
    };
    std::fs::create_dir_all(dir).map_err(|e| io(dir, &e))?;
    let generator = Generator { rows, seed };
    let mut summary = SampleSummary {
        tables: BTreeMap::new(),
        files: Vec::new(),
        start: format_datetime(START_NS),
        end: format_datetime(START_NS + DAY),
        error_spike: (format_datetime(SPIKE.0), format_datetime(SPIKE.1)),
        slow_dependency: (
            SLOW_TARGET.into(),
            format_datetime(SLOW.0),
            format_datetime(SLOW.1),
        ),
    };
    for (table, kind) in TABLES {
        let Some(schema) = catalog.table(table) else {
            continue;
        };
        let columns = schema.columns.clone();
        let extension = match format {
            SampleFormat::JsonLines => "jsonl",
            SampleFormat::Parquet => "parquet",
        };
        let path = dir.join(format!("{table}.{extension}"));
        let mut writer = TableWriter::create(&path, &columns, format)?;
        let mut count = 0u64;
        generator.for_each(*kind, |event| {
            let row: Vec<Value> = columns
                .iter()
                .map(|c| event.cell(table, &c.name, c.ty))
                .collect();
            count += 1;
            writer.push(row)
        })?;
        writer.finish()?;
        let sidecar = dir.join(format!("{table}.schema.json"));
        let schema_json = json!({
            "columns": columns.iter().map(|c| json!({"name": c.name, "type": c.ty.name()})).collect::<Vec<_>>()
        });
        std::fs::write(
            &sidecar,
            serde_json::to_vec_pretty(&schema_json).unwrap_or_default(),
        )
        .map_err(|e| io(&sidecar, &e))?;
        summary.tables.insert((*table).to_string(), count);
        summary.files.push(path);
        summary.files.push(sidecar);
    }
    Ok(summary)
}

fn io(path: &Path, e: &dyn std::fmt::Display) -> KqlError {
    KqlError::DataSource {
        path: path.display().to_string(),
        reason: e.to_string(),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Request,
    Dependency,
    Exception,
    Trace,
    Metric,
}

const TABLES: &[(&str, Kind)] = &[
    ("requests", Kind::Request),
    ("dependencies", Kind::Dependency),
    ("exceptions", Kind::Exception),
    ("traces", Kind::Trace),
    ("customMetrics", Kind::Metric),
    ("AppRequests", Kind::Request),
    ("AppDependencies", Kind::Dependency),
    ("AppExceptions", Kind::Exception),
    ("AppTraces", Kind::Trace),
];

/// SplitMix64: small, fast, and the same everywhere.
struct Rng(u64);

impl Rng {
    fn new(seed: u64, stream: u64) -> Self {
        let mut r = Rng(seed ^ stream.wrapping_mul(0x9e37_79b9_7f4a_7c15));
        r.next();
        r
    }
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next() % n }
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
    /// Log-normal with the given median and spread.
    fn lognormal(&mut self, median: f64, sigma: f64) -> f64 {
        let u1 = self.unit().max(1e-12);
        let u2 = self.unit();
        let z = (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos();
        median * (sigma * z).exp()
    }
    fn hex(&mut self, digits: usize) -> String {
        let mut s = String::new();
        while s.len() < digits {
            s.push_str(&format!("{:016x}", self.next()));
        }
        s.truncate(digits);
        s
    }
}

const ROUTES: &[(&str, &str, f64)] = &[
    ("GET /api/orders", "/api/orders", 80.0),
    ("POST /api/orders", "/api/orders", 150.0),
    ("GET /api/products/{id}", "/api/products/", 40.0),
    ("POST /api/checkout", "/api/checkout", 220.0),
    ("GET /health", "/health", 5.0),
    ("GET /", "/", 60.0),
];
const REGIONS: &[&str] = &["westeurope", "eastus", "southeastasia", "brazilsouth"];
const CUSTOMERS: &[&str] = &[
    "contoso",
    "fabrikam",
    "northwind",
    "adventureworks",
    "tailspin",
];
const CITIES: &[(&str, &str)] = &[
    ("Amsterdam", "Netherlands"),
    ("Seattle", "United States"),
    ("Singapore", "Singapore"),
    ("São Paulo", "Brazil"),
    ("Berlin", "Germany"),
];
const ROLES: &[&str] = &["frontend", "orders-api"];
const BROWSERS: &[&str] = &["Chrome 125.0", "Edge 125.0", "Firefox 126.0", "Safari 17.4"];

/// One request and what it caused.
struct Request {
    index: u64,
    ts: i64,
    id: String,
    operation_id: String,
    route: usize,
    url: String,
    duration_ms: f64,
    success: bool,
    result_code: u16,
    role: &'static str,
    instance: String,
    region: &'static str,
    customer: &'static str,
    city: usize,
    ip: String,
    session: String,
    user: String,
    browser: &'static str,
    deps: Vec<Dependency>,
    exception: Option<(&'static str, String, &'static str)>,
}

struct Dependency {
    ts: i64,
    id: String,
    name: String,
    target: &'static str,
    kind: &'static str,
    data: String,
    duration_ms: f64,
    success: bool,
    result_code: String,
}

struct Generator {
    rows: usize,
    seed: u64,
}

impl Generator {
    fn request(&self, i: u64) -> Request {
        let mut rng = Rng::new(self.seed, i + 1);
        let rows = self.rows.max(1) as i64;
        let slot = DAY / rows;
        // 128-bit: `i * DAY` overflows 64 bits beyond ~100,000 rows.
        let offset = i128::from(i) * i128::from(DAY) / i128::from(rows);
        let ts =
            START_NS + i64::try_from(offset).unwrap_or(0) + rng.below(slot.max(1) as u64) as i64;
        let ts = ts - ts.rem_euclid(100);
        let route = rng.below(ROUTES.len() as u64) as usize;
        let in_spike = ts >= SPIKE.0 && ts < SPIKE.1;
        let block = i / 200;
        let mut block_rng = Rng::new(self.seed ^ 0x5eed, block + 1);
        let baseline_failure = i % 200 == block_rng.below(200);
        let failed = if in_spike {
            rng.unit() < 0.3
        } else {
            baseline_failure
        };
        let operation_id = rng.hex(32);
        let id = rng.hex(16);
        let customer = *rng.pick(CUSTOMERS);
        let region = *rng.pick(REGIONS);
        let city = rng.below(CITIES.len() as u64) as usize;
        let role = ROLES[usize::from(route != 5)];
        let instance = format!("{role}-{}", rng.below(3));
        let ip = format!("10.{}.{}.0", rng.below(250), rng.below(250));
        let session = rng.hex(12);
        let user = format!("user{}", rng.below(5000));
        let browser = *rng.pick(BROWSERS);
        let url = match route {
            2 => format!(
                "https://shop.example.com/api/products/{}",
                rng.below(900) + 100
            ),
            _ => format!("https://shop.example.com{}", ROUTES[route].1),
        };
        // Dependencies.
        let mut deps = Vec::new();
        let mut dep_total = 0.0;
        let calls: &[(&str, &str)] = match route {
            0 | 1 => &[("orders-db", "SQL"), ("cache", "Redis")],
            2 => &[("cache", "Redis")],
            3 => &[
                ("orders-db", "SQL"),
                (SLOW_TARGET, "HTTP"),
                ("inventory-api", "HTTP"),
            ],
            5 => &[("orders-api", "HTTP")],
            _ => &[],
        };
        let mut offset = rng.below(3_000_000) as i64;
        for (target, kind) in calls {
            let slow = *target == SLOW_TARGET && ts >= SLOW.0 && ts < SLOW.1;
            let duration = if slow {
                3500.0 + rng.unit() * 4500.0
            } else {
                let median = match *kind {
                    "SQL" => 12.0,
                    "Redis" => 1.5,
                    _ => 90.0,
                };
                let upper = if *target == SLOW_TARGET {
                    400.0
                } else {
                    1500.0
                };
                let lower = if *target == SLOW_TARGET { 40.0 } else { 0.2 };
                rng.lognormal(median, 0.6).clamp(lower, upper)
            };
            let dep_failed = failed && *kind == "HTTP" && in_spike;
            let (name, data) = match *kind {
                "SQL" => (
                    "SQL: orders-db".to_string(),
                    format!("SELECT * FROM Orders WHERE CustomerId = @p0 -- {customer}"),
                ),
                "Redis" => (
                    "GET".to_string(),
                    format!("GET product:{}", rng.below(900) + 100),
                ),
                _ => (
                    format!("POST /{}", target.split('-').next().unwrap_or("api")),
                    format!(
                        "https://{target}.internal/v1/{}",
                        if *target == SLOW_TARGET {
                            "charge"
                        } else {
                            "items"
                        }
                    ),
                ),
            };
            deps.push(Dependency {
                ts: ts + offset,
                id: rng.hex(16),
                name,
                target,
                kind,
                data,
                duration_ms: (duration * 1000.0).round() / 1000.0,
                success: !dep_failed,
                result_code: match *kind {
                    "HTTP" if dep_failed => "503".into(),
                    "HTTP" => "200".into(),
                    "SQL" => "0".into(),
                    _ => String::new(),
                },
            });
            offset += (duration * 1e6) as i64;
            dep_total += duration;
        }
        let base = rng.lognormal(ROUTES[route].2, 0.5).min(2500.0);
        let duration_ms = ((base + dep_total) * 1000.0).round() / 1000.0;
        let result_code = if failed {
            if in_spike {
                *rng.pick(&[500u16, 503, 502])
            } else {
                *rng.pick(&[500u16, 404])
            }
        } else if route == 1 {
            201
        } else {
            200
        };
        let success = !failed || result_code == 404;
        let exception = if failed && result_code >= 500 {
            Some(if in_spike {
                (
                    "System.Net.Http.HttpRequestException",
                    format!(
                        "Response status code does not indicate success: 503 (Service Unavailable) calling {SLOW_TARGET}"
                    ),
                    "Shop.Payments.Client.ChargeAsync",
                )
            } else {
                let (t, m, f) = *rng.pick(&[
                    (
                        "System.TimeoutException",
                        "The operation has timed out.",
                        "Shop.Orders.Repository.QueryAsync",
                    ),
                    (
                        "System.InvalidOperationException",
                        "Sequence contains no elements",
                        "Shop.Orders.Service.GetOrder",
                    ),
                    (
                        "Microsoft.Data.SqlClient.SqlException",
                        "Execution Timeout Expired.",
                        "Shop.Orders.Repository.QueryAsync",
                    ),
                ]);
                (t, m.to_string(), f)
            })
        } else {
            None
        };
        Request {
            index: i,
            ts,
            id,
            operation_id,
            route,
            url,
            duration_ms,
            success,
            result_code,
            role,
            instance,
            region,
            customer,
            city,
            ip,
            session,
            user,
            browser,
            deps,
            exception,
        }
    }

    /// Calls `f` with every event of `kind`, in time order per request.
    fn for_each(
        &self,
        kind: Kind,
        mut f: impl FnMut(Event<'_>) -> Result<(), KqlError>,
    ) -> Result<(), KqlError> {
        if kind == Kind::Metric {
            let mut rng = Rng::new(self.seed, u64::MAX);
            let mut ts = START_NS;
            while ts < START_NS + DAY {
                for role in ROLES {
                    for instance in 0..3 {
                        for metric in ["CpuPercent", "MemoryWorkingSetMB"] {
                            let base = if metric == "CpuPercent" { 35.0 } else { 820.0 };
                            let busy = if ts >= SPIKE.0 && ts < SPIKE.1 {
                                1.6
                            } else {
                                1.0
                            };
                            let value =
                                (base * busy * (0.8 + rng.unit() * 0.4) * 100.0).round() / 100.0;
                            f(Event::Metric {
                                ts,
                                role,
                                instance,
                                name: metric,
                                value,
                            })?;
                        }
                    }
                }
                ts += MINUTE;
            }
            return Ok(());
        }
        for i in 0..self.rows as u64 {
            let request = self.request(i);
            match kind {
                Kind::Request => f(Event::Request(&request))?,
                Kind::Dependency => {
                    for d in &request.deps {
                        f(Event::Dependency(&request, d))?;
                    }
                }
                Kind::Exception => {
                    if request.exception.is_some() {
                        f(Event::Exception(&request))?;
                    }
                }
                Kind::Trace => {
                    f(Event::Trace(&request, 0))?;
                    if !request.success || request.index.is_multiple_of(3) {
                        f(Event::Trace(&request, 1))?;
                    }
                }
                Kind::Metric => {}
            }
        }
        Ok(())
    }
}

/// One row to write.
enum Event<'a> {
    Request(&'a Request),
    Dependency(&'a Request, &'a Dependency),
    Exception(&'a Request),
    Trace(&'a Request, u8),
    Metric {
        ts: i64,
        role: &'static str,
        instance: u64,
        name: &'static str,
        value: f64,
    },
}

const APP_ID: &str = "6f1c3f4e-2b8a-4c39-9a51-2c4d9e8b7a10";
const IKEY: &str = "0c3a5f8e-7d21-4b6e-a9f4-1e2d3c4b5a69";
const RESOURCE_ID: &str = "/subscriptions/00000000-0000-0000-0000-000000000000/resourcegroups/shop-rg/providers/microsoft.insights/components/shop-ai";

impl Event<'_> {
    fn request(&self) -> Option<&Request> {
        match self {
            Event::Request(r)
            | Event::Dependency(r, _)
            | Event::Exception(r)
            | Event::Trace(r, _) => Some(r),
            Event::Metric { .. } => None,
        }
    }

    /// The value of column `column` of `table` for this event, in the
    /// column's type.
    fn cell(&self, table: &str, column: &str, ty: KqlType) -> Value {
        let v = self.raw(table, column);
        match (v, ty) {
            (Value::Null, KqlType::String) => Value::String(String::new()),
            (v, ty) if crate::execute::value::value_type(&v) == Some(ty) => v,
            (Value::Bool(b), KqlType::String) => {
                Value::String(if b { "True".into() } else { "False".into() })
            }
            (v, ty) => v.convert(ty),
        }
    }

    fn raw(&self, table: &str, column: &str) -> Value {
        let workspace = table.starts_with("App");
        let key: String = column.to_ascii_lowercase().replace('_', "");
        let s = |t: &str| Value::String(t.to_string());
        // Columns common to all events.
        match key.as_str() {
            // Microseconds, so that Parquet timestamps hold the same instants.
            "timestamp" | "timegenerated" => {
                return Value::DateTime(self.ts() - self.ts().rem_euclid(1000));
            }
            "appid" => return s(APP_ID),
            "appname" => return s("shop-ai"),
            "ikey" => return s(IKEY),
            "itemcount" => return Value::Int(1),
            "sdkversion" => return s("dotnet:2.22.0-997"),
            "type" if workspace => return s(table),
            "tenantid" => return s("8f2a6c1e-4b3d-4e5f-9a8b-7c6d5e4f3a2b"),
            "resourceid" => return s(RESOURCE_ID),
            "resourceguid" => return s("2d6e8a4c-1b3f-4c5d-8e7f-9a0b1c2d3e4f"),
            "sourcesystem" => return s("Azure"),
            "subscriptionid" => return s("00000000-0000-0000-0000-000000000000"),
            "billedsize" => return Value::Real(512.0),
            "isbillable" => return s("true"),
            "itemtype" => {
                return s(match self {
                    Event::Request(_) => "request",
                    Event::Dependency(..) => "dependency",
                    Event::Exception(_) => "exception",
                    Event::Trace(..) => "trace",
                    Event::Metric { .. } => "customMetric",
                });
            }
            "itemid" => {
                return s(&match self {
                    Event::Request(r) => format!("{}-r", r.id),
                    Event::Dependency(_, d) => format!("{}-d", d.id),
                    Event::Exception(r) => format!("{}-e", r.id),
                    Event::Trace(r, n) => format!("{}-t{n}", r.id),
                    Event::Metric {
                        ts, instance, name, ..
                    } => format!("{ts:x}-{instance}-{name}"),
                });
            }
            _ => {}
        }
        if let Event::Metric {
            role,
            instance,
            name,
            value,
            ..
        } = self
        {
            return match key.as_str() {
                "name" => s(name),
                "value" | "valuesum" | "valuemin" | "valuemax" => Value::Real(*value),
                "valuecount" => Value::Int(1),
                "valuestddev" => Value::Real(0.0),
                "cloudrolename" | "approlename" => s(role),
                "cloudroleinstance" | "approleinstance" => s(&format!("{role}-{instance}")),
                "customdimensions" | "properties" => Value::Dynamic(
                    json!({"Instance": format!("{role}-{instance}"), "Unit": if *name == "CpuPercent" { "Percent" } else { "Megabytes" }}),
                ),
                _ => Value::Null,
            };
        }
        let Some(r) = self.request() else {
            return Value::Null;
        };
        let (city, country) = CITIES[r.city];
        match key.as_str() {
            "operationid" => return s(&r.operation_id),
            "operationname" => return s(ROUTES[r.route].0),
            "cloudrolename" | "approlename" => return s(r.role),
            "cloudroleinstance" | "approleinstance" => return s(&r.instance),
            "clientcity" => return s(city),
            "clientcountryorregion" => return s(country),
            "clientstateorprovince" => return s(""),
            "clientip" => return s(&r.ip),
            "clienttype" => return s("PC"),
            "clientos" => return s("Windows 10"),
            "clientbrowser" => return s(r.browser),
            "clientmodel" => return s("Other"),
            "sessionid" => return s(&r.session),
            "userid" => return s(&r.user),
            "userauthenticatedid" => return s(&format!("{}@{}.example", r.user, r.customer)),
            "useraccountid" => return s(r.customer),
            "applicationversion" | "appversion" => return s("2.3.1"),
            "operationsyntheticsource" | "syntheticsource" => {
                return s(if r.route == 4 {
                    "Availability Monitoring"
                } else {
                    ""
                });
            }
            _ => {}
        }
        match self {
            Event::Request(r) => match key.as_str() {
                "id" => s(&r.id),
                "name" => s(ROUTES[r.route].0),
                "url" => s(&r.url),
                "duration" | "durationms" => Value::Real(r.duration_ms),
                "resultcode" => s(&r.result_code.to_string()),
                "success" => Value::Bool(r.success),
                "operationparentid" | "parentid" => s(&r.operation_id),
                "source" => s(""),
                "performancebucket" => s(bucket(r.duration_ms)),
                "customdimensions" | "properties" => Value::Dynamic(json!({
                    "Region": r.region,
                    "Customer": r.customer,
                    "Environment": "prod",
                    "Version": "2.3.1",
                    "Tags": if r.route == 3 { json!(["checkout", "payments"]) } else { json!(["catalog"]) },
                })),
                "custommeasurements" | "measurements" => {
                    Value::Dynamic(json!({"ItemsInCart": (r.index % 7) + 1}))
                }
                _ => Value::Null,
            },
            Event::Dependency(r, d) => match key.as_str() {
                "id" => s(&d.id),
                "name" => s(&d.name),
                "target" => s(d.target),
                "type" | "dependencytype" => s(d.kind),
                "data" => s(&d.data),
                "duration" | "durationms" => Value::Real(d.duration_ms),
                "resultcode" => s(&d.result_code),
                "success" => Value::Bool(d.success),
                "operationparentid" | "parentid" => s(&r.id),
                "performancebucket" => s(bucket(d.duration_ms)),
                "customdimensions" | "properties" => {
                    Value::Dynamic(json!({"Attempt": "1", "Region": r.region}))
                }
                "custommeasurements" | "measurements" => Value::Null,
                _ => Value::Null,
            },
            Event::Exception(r) => {
                let Some((ty, message, method)) = &r.exception else {
                    return Value::Null;
                };
                match key.as_str() {
                    "type" | "exceptiontype" | "outertype" | "innermosttype" => s(ty),
                    "message" | "outermessage" | "innermostmessage" => s(message),
                    "method" | "outermethod" | "innermostmethod" => s(method),
                    "assembly" | "outerassembly" | "innermostassembly" => {
                        s("Shop.Api, Version=2.3.1.0")
                    }
                    "problemid" => s(&format!("{ty} at {method}")),
                    "handledat" => s("UserCode"),
                    "severitylevel" => Value::Int(3),
                    "operationparentid" | "parentid" => s(&r.id),
                    "details" => Value::Dynamic(json!([{
                        "outerId": "0",
                        "message": message,
                        "type": ty,
                        "id": "1",
                        "parsedStack": [{"level": 0, "method": method, "assembly": "Shop.Api", "line": 42}]
                    }])),
                    "customdimensions" | "properties" => {
                        Value::Dynamic(json!({"Region": r.region, "Customer": r.customer}))
                    }
                    _ => Value::Null,
                }
            }
            Event::Trace(r, n) => match key.as_str() {
                "message" => s(&trace_message(r, *n)),
                "severitylevel" => Value::Int(if *n == 1 && !r.success { 3 } else { 1 }),
                "operationparentid" | "parentid" => s(&r.id),
                "customdimensions" | "properties" => {
                    Value::Dynamic(json!({"Category": "Shop.Api.Controllers", "Region": r.region}))
                }
                _ => Value::Null,
            },
            Event::Metric { .. } => Value::Null,
        }
    }

    fn ts(&self) -> i64 {
        match self {
            Event::Request(r) | Event::Exception(r) => r.ts,
            Event::Dependency(_, d) => d.ts,
            Event::Trace(r, n) => r.ts + i64::from(*n) * (r.duration_ms * 1e6) as i64,
            Event::Metric { ts, .. } => *ts,
        }
    }
}

fn trace_message(r: &Request, n: u8) -> String {
    if n == 0 {
        format!(
            "Executing endpoint '{}' for customer {} in {}",
            ROUTES[r.route].0, r.customer, r.region
        )
    } else if r.success {
        format!(
            "Request {} completed with status {} in {} ms",
            r.id,
            r.result_code,
            r.duration_ms.round() as i64
        )
    } else {
        format!(
            "Request {} failed with status {} in {} ms",
            r.id,
            r.result_code,
            r.duration_ms.round() as i64
        )
    }
}

fn bucket(ms: f64) -> &'static str {
    match ms {
        m if m < 250.0 => "<250ms",
        m if m < 500.0 => "250ms-500ms",
        m if m < 1000.0 => "500ms-1sec",
        m if m < 3000.0 => "1sec-3sec",
        m if m < 7000.0 => "3sec-7sec",
        _ => "7sec-15sec",
    }
}

/// Writes rows of one table.
enum TableWriter {
    Json {
        out: BufWriter<std::fs::File>,
        names: Vec<String>,
        path: PathBuf,
    },
    Parquet {
        writer: Box<parquet::arrow::ArrowWriter<std::fs::File>>,
        columns: Vec<Column>,
        schema: Arc<ArrowSchema>,
        buffer: Vec<Vec<Value>>,
        path: PathBuf,
    },
}

fn storage_type(ty: KqlType) -> DataType {
    match ty {
        KqlType::DateTime => DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
        KqlType::Timespan => DataType::Duration(TimeUnit::Microsecond),
        other => crate::execute::value::arrow_type(other),
    }
}

impl TableWriter {
    fn create(path: &Path, columns: &[Column], format: SampleFormat) -> Result<Self, KqlError> {
        let file = std::fs::File::create(path).map_err(|e| io(path, &e))?;
        Ok(match format {
            SampleFormat::JsonLines => TableWriter::Json {
                out: BufWriter::new(file),
                names: columns.iter().map(|c| c.name.clone()).collect(),
                path: path.to_path_buf(),
            },
            SampleFormat::Parquet => {
                let schema = Arc::new(ArrowSchema::new(
                    columns
                        .iter()
                        .map(|c| Field::new(&c.name, storage_type(c.ty), true))
                        .collect::<Vec<_>>(),
                ));
                let props = parquet::file::properties::WriterProperties::builder()
                    .set_compression(parquet::basic::Compression::SNAPPY)
                    // Several row groups, so that scans run in parallel.
                    .set_max_row_group_row_count(Some(131_072))
                    .build();
                let writer =
                    parquet::arrow::ArrowWriter::try_new(file, schema.clone(), Some(props))
                        .map_err(|e| io(path, &e))?;
                TableWriter::Parquet {
                    writer: Box::new(writer),
                    columns: columns.to_vec(),
                    schema,
                    buffer: vec![Vec::new(); columns.len()],
                    path: path.to_path_buf(),
                }
            }
        })
    }

    fn push(&mut self, row: Vec<Value>) -> Result<(), KqlError> {
        match self {
            TableWriter::Json { out, names, path } => {
                let mut map = Map::new();
                for (name, v) in names.iter().zip(row) {
                    map.insert(name.clone(), v.to_json());
                }
                serde_json::to_writer(&mut *out, &Json::Object(map)).map_err(|e| io(path, &e))?;
                out.write_all(b"\n").map_err(|e| io(path, &e))
            }
            TableWriter::Parquet { buffer, .. } => {
                for (column, v) in buffer.iter_mut().zip(row) {
                    column.push(v);
                }
                if buffer.first().is_some_and(|c| c.len() >= BATCH) {
                    self.flush()?;
                }
                Ok(())
            }
        }
    }

    fn flush(&mut self) -> Result<(), KqlError> {
        if let TableWriter::Parquet {
            writer,
            columns,
            schema,
            buffer,
            path,
        } = self
        {
            if buffer.first().is_none_or(Vec::is_empty) {
                return Ok(());
            }
            let arrays: Vec<ArrayRef> = columns
                .iter()
                .zip(buffer.iter_mut())
                .map(|(c, values)| {
                    let engine = build_array(c.ty, std::mem::take(values));
                    match c.ty {
                        KqlType::DateTime | KqlType::Timespan => {
                            let micros = datafusion::arrow::compute::kernels::numeric::div(
                                &engine,
                                &datafusion::arrow::array::Int64Array::new_scalar(1000),
                            )?;
                            let intermediate = if c.ty == KqlType::DateTime {
                                DataType::Timestamp(TimeUnit::Microsecond, None)
                            } else {
                                DataType::Duration(TimeUnit::Microsecond)
                            };
                            let a = datafusion::arrow::compute::cast(&micros, &intermediate)?;
                            datafusion::arrow::compute::cast(&a, &storage_type(c.ty))
                        }
                        _ => Ok(engine),
                    }
                })
                .collect::<Result<_, _>>()?;
            let batch = RecordBatch::try_new(schema.clone(), arrays)?;
            writer.write(&batch).map_err(|e| io(path, &e))?;
        }
        Ok(())
    }

    fn finish(mut self) -> Result<(), KqlError> {
        self.flush()?;
        match self {
            TableWriter::Json { mut out, path, .. } => out.flush().map_err(|e| io(&path, &e)),
            TableWriter::Parquet { writer, path, .. } => {
                writer.close().map(|_| ()).map_err(|e| io(&path, &e))
            }
        }
    }
}

/// Column subsets of the Application Insights tables, used when the
/// contract's `tables.json` is not given.
fn builtin_catalog() -> Catalog {
    use KqlType::{DateTime as D, Dynamic as Y, Int as I, Real as R, String as S};
    let common: &[(&str, KqlType)] = &[
        ("timestamp", D),
        ("operation_Id", S),
        ("operation_ParentId", S),
        ("operation_Name", S),
        ("cloud_RoleName", S),
        ("cloud_RoleInstance", S),
        ("client_City", S),
        ("client_CountryOrRegion", S),
        ("session_Id", S),
        ("user_Id", S),
        ("customDimensions", Y),
        ("itemCount", I),
        ("appName", S),
    ];
    let ws_common: &[(&str, KqlType)] = &[
        ("TimeGenerated", D),
        ("OperationId", S),
        ("ParentId", S),
        ("OperationName", S),
        ("AppRoleName", S),
        ("AppRoleInstance", S),
        ("ClientCity", S),
        ("SessionId", S),
        ("UserId", S),
        ("Properties", Y),
        ("ItemCount", I),
        ("Type", S),
    ];
    type Columns = &'static [(&'static str, KqlType)];
    let tables: &[(&str, bool, Columns)] = &[
        (
            "requests",
            false,
            &[
                ("id", S),
                ("name", S),
                ("url", S),
                ("duration", R),
                ("resultCode", S),
                ("success", S),
            ],
        ),
        (
            "dependencies",
            false,
            &[
                ("id", S),
                ("name", S),
                ("target", S),
                ("type", S),
                ("data", S),
                ("duration", R),
                ("resultCode", S),
                ("success", S),
            ],
        ),
        (
            "exceptions",
            false,
            &[
                ("type", S),
                ("message", S),
                ("method", S),
                ("problemId", S),
                ("severityLevel", I),
                ("details", Y),
            ],
        ),
        ("traces", false, &[("message", S), ("severityLevel", I)]),
        (
            "customMetrics",
            false,
            &[
                ("name", S),
                ("value", R),
                ("valueCount", I),
                ("valueSum", R),
                ("valueMin", R),
                ("valueMax", R),
            ],
        ),
        (
            "AppRequests",
            true,
            &[
                ("Id", S),
                ("Name", S),
                ("Url", S),
                ("DurationMs", R),
                ("ResultCode", S),
                ("Success", KqlType::Bool),
            ],
        ),
        (
            "AppDependencies",
            true,
            &[
                ("Id", S),
                ("Name", S),
                ("Target", S),
                ("DependencyType", S),
                ("Data", S),
                ("DurationMs", R),
                ("ResultCode", S),
                ("Success", KqlType::Bool),
            ],
        ),
        (
            "AppExceptions",
            true,
            &[
                ("ExceptionType", S),
                ("Message", S),
                ("Method", S),
                ("ProblemId", S),
                ("SeverityLevel", I),
                ("Details", Y),
            ],
        ),
        ("AppTraces", true, &[("Message", S), ("SeverityLevel", I)]),
    ];
    let mut catalog = Catalog::new();
    for (name, workspace, own) in tables {
        let base = if *workspace { ws_common } else { common };
        let columns = base
            .iter()
            .chain(own.iter())
            .map(|(n, t)| Column::new(*n, *t))
            .collect();
        catalog.add_table(*name, columns);
    }
    catalog
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn large_data_sets_stay_within_the_day() {
        let g = Generator {
            rows: 2_000_000,
            seed: 1,
        };
        let last = g.request(1_999_999).ts;
        assert!(
            last > START_NS + 23 * HOUR && last < START_NS + DAY,
            "{last}"
        );
        assert!(g.request(0).ts >= START_NS);
    }
}
