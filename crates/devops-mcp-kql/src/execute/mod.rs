//! Execution: runs an analysed KQL query on Apache DataFusion and returns
//! a typed result.
//!
//! The planner ([`plan`]) folds the syntax tree into a DataFusion logical
//! plan with KQL's semantics (see `docs/kql.md`); this module runs it in a
//! session with a memory pool, a timeout and a cancellation token, and
//! turns the Arrow batches into JSON rows typed by the KQL schema the
//! planner tracked. It must be called inside a Tokio runtime (DataFusion
//! spawns tasks on it).

mod aggregate;
mod datetime;
mod dynamic;
mod eval;
mod expand;
mod functions;
mod functions_extra;
mod join;
mod parsekv;
pub(crate) mod plan;
mod plugins;
mod scalar;
mod strings;
mod udf;
pub(crate) mod value;
mod yields;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use datafusion::dataframe::DataFrame;
use datafusion::execution::SessionStateBuilder;
use datafusion::execution::runtime_env::RuntimeEnvBuilder;
use datafusion::physical_plan::{ExecutionPlan, execute_stream};
use datafusion::prelude::SessionConfig;
use futures::StreamExt;
use serde::Serialize;
use tokio_util::sync::CancellationToken;

use crate::analyze::RenderIntent;
use crate::catalog::Catalog;
use crate::diagnostic::{Diagnostic, Severity};
use crate::error::KqlError;
use crate::types::KqlType;
use plan::{Frame, Planner, TableResolver};
use value::Value;

pub(crate) use udf::VecFn;

/// A vectorized UDF call (for the data sources).
pub(crate) fn vec_udf(
    name: &str,
    ret: datafusion::arrow::datatypes::DataType,
    func: VecFn,
    args: Vec<datafusion::logical_expr::Expr>,
) -> datafusion::logical_expr::Expr {
    udf::vec_call(name.to_string(), ret, false, func, args)
}

/// Text converted to `ty` with KQL's conversion rules.
pub(crate) fn text_to(
    expr: datafusion::logical_expr::Expr,
    ty: KqlType,
) -> datafusion::logical_expr::Expr {
    udf::row_call(
        &format!("kql_text_to_{}", ty.name()),
        &[KqlType::String],
        ty,
        false,
        udf::row_fn(move |a| a.first().map_or(Value::Null, |v| v.convert(ty))),
        vec![expr],
    )
}

/// Dynamic text parsed as JSON (a plain string when it is not JSON).
pub(crate) fn parse_dynamic_text(text: &str) -> Value {
    dynamic::parse_dynamic(text)
}

/// Rows per batch: the unit operators work in, and after which they can
/// yield to a cancellation.
pub(crate) const BATCH_SIZE: usize = 8192;

/// How to run a query.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// At most this many rows are returned; the result says when more
    /// existed (`truncated`) and how many (`total_rows`).
    pub max_rows: usize,
    /// The query fails with [`KqlError::Timeout`] after this long.
    pub timeout: Option<Duration>,
    /// Memory the query may use for its operators (sorts, joins,
    /// aggregations), in bytes; beyond it the query fails with
    /// [`KqlError::MemoryLimit`].
    pub memory_limit: Option<usize>,
    /// Cancels the query when triggered ([`KqlError::Cancelled`]).
    pub cancel: Option<CancellationToken>,
    /// The time `now()` and `ago()` refer to; the current time when
    /// unset. Setting it makes alert queries reproducible on recorded data.
    pub now: Option<SystemTime>,
}

impl Default for RunOptions {
    fn default() -> Self {
        Self {
            max_rows: 200,
            timeout: Some(Duration::from_secs(60)),
            memory_limit: Some(1 << 30),
            cancel: None,
            now: None,
        }
    }
}

/// A result column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ResultColumn {
    /// Column name.
    pub name: String,
    /// KQL type.
    #[serde(rename = "type")]
    pub ty: KqlType,
}

/// Execution statistics.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Statistics {
    /// Rows the query produced (before the row limit).
    pub rows: u64,
    /// Wall time from parsing to the last row, in milliseconds.
    pub elapsed_ms: f64,
    /// Bytes read from the table files.
    pub bytes_scanned: u64,
}

/// The result of a query: typed columns and JSON rows.
///
/// Cells are JSON: numbers and bools as such, datetimes as ISO 8601 text
/// ending in `Z`, timespans as `[d.]hh:mm:ss[.fffffff]`, dynamic values as
/// JSON, null as `null` (a string is never null: it is `""`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QueryResult {
    /// Columns in order.
    pub columns: Vec<ResultColumn>,
    /// Rows (at most `max_rows`).
    pub rows: Vec<Vec<serde_json::Value>>,
    /// True when the query produced more rows than were returned.
    pub truncated: bool,
    /// Rows the query produced.
    pub total_rows: u64,
    /// The chart a final `render` asked for.
    pub render: Option<RenderIntent>,
    /// Timing and volume.
    pub statistics: Statistics,
    /// Warnings from semantic analysis.
    pub warnings: Vec<Diagnostic>,
}

impl QueryResult {
    /// The index of the column named `name`.
    #[must_use]
    pub fn column_index(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.name == name)
    }
}

/// Sources of bytes-scanned counts beyond DataFusion's own metrics.
pub(crate) trait ScanAccounting {
    /// Bytes of in-memory tables (JSON lines, CSV) the last plan read.
    fn memory_bytes(&self) -> u64;
}

/// A query parsed, analysed and planned, not yet run. `Display` shows the
/// DataFusion logical plan (before optimization).
#[derive(Debug, Clone)]
pub struct PlannedQuery {
    /// The result columns.
    pub columns: Vec<ResultColumn>,
    /// The chart a final `render` asked for.
    pub render: Option<RenderIntent>,
    /// Warnings from semantic analysis.
    pub warnings: Vec<Diagnostic>,
    frame: Frame,
}

impl std::fmt::Display for PlannedQuery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.frame.plan.display_indent())
    }
}

/// The engine time of `now`.
fn now_nanos(options: &RunOptions) -> i64 {
    let now = options.now.unwrap_or_else(SystemTime::now);
    let now = match now.duration_since(SystemTime::UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_nanos()).unwrap_or(i64::MAX),
        Err(e) => -i64::try_from(e.duration().as_nanos()).unwrap_or(i64::MAX),
    };
    // Truncate to KQL's 100 ns resolution.
    now - now.rem_euclid(value::NANOS_PER_TICK)
}

/// Parses, analyses and plans `text` (the `resolved` values computed by
/// earlier passes). `Err(Ok(pending))` means the planner needs a value
/// computed from data first.
fn plan_pass(
    query: &crate::ast::Query,
    analysis: &crate::analyze::Analysis,
    tables: &dyn TableResolver,
    now: i64,
    resolved: &Arc<HashMap<String, plan::Resolved>>,
) -> Result<PlannedQuery, Result<Box<plan::Pending>, KqlError>> {
    let mut planner = Planner::new(&query.source, tables, now, resolved.clone());
    let frame = match planner.plan_query(query) {
        Ok(frame) => frame,
        Err(e) => {
            return Err(match planner.pending.take() {
                Some(p) => Ok(Box::new(p)),
                None => Err(e),
            });
        }
    };
    let render = planner.render.take().or_else(|| analysis.render.clone());
    let columns = frame
        .cols
        .iter()
        .map(|c| ResultColumn {
            name: c.name.clone(),
            ty: c.ty,
        })
        .collect();
    let warnings = analysis
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Warning)
        .cloned()
        .collect();
    Ok(PlannedQuery {
        columns,
        render,
        warnings,
        frame,
    })
}

fn parse_and_analyze(
    text: &str,
    catalog: &Catalog,
) -> Result<(crate::ast::Query, crate::analyze::Analysis), KqlError> {
    let query = crate::parse(text)?;
    let analysis = crate::analyze(&query, catalog);
    if analysis.has_errors() {
        return Err(KqlError::Invalid {
            diagnostics: analysis.errors().cloned().collect(),
        });
    }
    Ok((query, analysis))
}

/// Parses, analyses and plans `text` without touching data; a query that
/// needs values computed from data first (`toscalar(T)` as a `range`
/// bound, `bag_unpack`) is reported as such.
pub(crate) fn plan_query(
    text: &str,
    catalog: &Catalog,
    tables: &dyn TableResolver,
    options: &RunOptions,
) -> Result<PlannedQuery, KqlError> {
    let (query, analysis) = parse_and_analyze(text, catalog)?;
    match plan_pass(&query, &analysis, tables, now_nanos(options), &Arc::new(HashMap::new())) {
        Ok(planned) => Ok(planned),
        Err(Err(e)) => Err(e),
        Err(Ok(_)) => Err(KqlError::Execution {
            message: "the query needs values computed from data (toscalar, bag_unpack) before it can be planned; run it instead".into(),
        }),
    }
}

/// Parses, analyses, plans and runs `text`.
pub(crate) async fn run_query<R: TableResolver + ScanAccounting>(
    text: &str,
    catalog: &Catalog,
    tables: &R,
    options: &RunOptions,
) -> Result<QueryResult, KqlError> {
    let started = Instant::now();
    let (query, analysis) = parse_and_analyze(text, catalog)?;
    let now = now_nanos(options);
    // The plan's stop points watch a child of the caller's token, which
    // is also cancelled when this future is dropped (an aborted task, a
    // client gone): the operators' tasks then end at their next batch
    // instead of running on until the dropped stream aborts them.
    let halt = options
        .cancel
        .as_ref()
        .map_or_else(CancellationToken::new, CancellationToken::child_token);
    let _halt_when_dropped = halt.clone().drop_guard();
    let stop = yields::StopSignal {
        token: Some(halt),
        deadline: options.timeout.map(|t| Instant::now() + t),
    };
    let work = async {
        let mut resolved: HashMap<String, plan::Resolved> = HashMap::new();
        for _ in 0..64 {
            let shared = Arc::new(resolved.clone());
            match plan_pass(&query, &analysis, tables, now, &shared) {
                Ok(planned) => {
                    let collected =
                        execute(planned.frame, options, &stop, options.max_rows).await?;
                    return Ok((planned.render, planned.warnings, collected));
                }
                Err(Err(e)) => return Err(e),
                Err(Ok(pending)) => {
                    let pending = *pending;
                    let ty = pending
                        .frame
                        .cols
                        .first()
                        .map_or(KqlType::Dynamic, |c| c.ty);
                    let (_, rows, _, _) = execute(pending.frame, options, &stop, 1).await?;
                    let first = rows
                        .into_iter()
                        .next()
                        .and_then(|r| r.into_iter().next())
                        .unwrap_or(serde_json::Value::Null);
                    let value = match pending.kind {
                        plan::PendingKind::Scalar => plan::Resolved::Value(json_value(first, ty)),
                        plan::PendingKind::Names => plan::Resolved::Names(
                            first
                                .as_array()
                                .map(|a| {
                                    a.iter()
                                        .filter_map(|v| v.as_str().map(str::to_string))
                                        .collect()
                                })
                                .unwrap_or_default(),
                        ),
                    };
                    resolved.insert(pending.key, value);
                }
            }
        }
        Err(KqlError::Execution {
            message: "the query needs too many values computed from data".into(),
        })
    };
    let timeout = |limit: Duration| KqlError::Timeout {
        seconds: limit.as_secs_f64(),
    };
    let outcome = match (&options.cancel, options.timeout, stop.deadline) {
        (Some(token), Some(limit), Some(deadline)) => tokio::select! {
            r = work => r,
            () = token.cancelled() => Err(KqlError::Cancelled),
            () = tokio::time::sleep_until(deadline.into()) => Err(timeout(limit)),
        },
        (None, Some(limit), Some(deadline)) => tokio::select! {
            r = work => r,
            () = tokio::time::sleep_until(deadline.into()) => Err(timeout(limit)),
        },
        (Some(token), _, _) => tokio::select! {
            r = work => r,
            () = token.cancelled() => Err(KqlError::Cancelled),
        },
        (None, _, _) => work.await,
    };
    // The plan's yield points end a stopped query with an error of their
    // own, which may arrive before the select sees the token or the timer.
    let outcome = match outcome {
        Err(_) if stop.cancelled() => Err(KqlError::Cancelled),
        Err(_) if stop.timed_out() => Err(timeout(options.timeout.unwrap_or_default())),
        other => other,
    };
    let (render, warnings, (columns, rows, total, parquet_bytes)) =
        outcome.map_err(|e| match e {
            KqlError::Execution { message } if message.contains("Resources exhausted") => {
                KqlError::MemoryLimit {
                    limit_bytes: options.memory_limit.unwrap_or(0),
                    message,
                }
            }
            other => other,
        })?;
    Ok(QueryResult {
        columns,
        truncated: total > rows.len() as u64,
        rows,
        total_rows: total,
        render,
        statistics: Statistics {
            rows: total,
            elapsed_ms: started.elapsed().as_secs_f64() * 1000.0,
            bytes_scanned: parquet_bytes + tables.memory_bytes(),
        },
        warnings,
    })
}

/// A result cell back as a value of type `ty`.
fn json_value(j: serde_json::Value, ty: KqlType) -> Value {
    match (j, ty) {
        (serde_json::Value::Null, _) => Value::Null,
        (serde_json::Value::String(s), KqlType::String) => Value::String(s),
        (serde_json::Value::String(s), KqlType::Guid) => Value::Guid(s),
        (j, KqlType::Dynamic) => Value::Dynamic(j),
        (serde_json::Value::String(s), ty) => Value::String(s).convert(ty),
        (j, ty) => Value::Dynamic(j).convert(ty),
    }
}

type Collected = (Vec<ResultColumn>, Vec<Vec<serde_json::Value>>, u64, u64);

/// Runs a planned frame and collects up to `max_rows` rows.
async fn execute(
    frame: Frame,
    options: &RunOptions,
    stop: &yields::StopSignal,
    max_rows: usize,
) -> Result<Collected, KqlError> {
    let mut runtime = RuntimeEnvBuilder::new();
    if let Some(limit) = options.memory_limit {
        runtime = runtime.with_memory_limit(limit, 1.0);
    }
    let runtime = runtime.build_arc()?;
    let mut config = SessionConfig::new().with_batch_size(BATCH_SIZE);
    let parquet = &mut config.options_mut().execution.parquet;
    parquet.schema_force_view_types = false;
    // Late materialization: filters (and TopK's dynamic filter) are applied
    // while decoding, so columns are only decoded for surviving rows.
    parquet.pushdown_filters = true;
    parquet.reorder_filters = true;
    let state = SessionStateBuilder::new()
        .with_config(config)
        .with_runtime_env(runtime)
        .with_default_features()
        .with_physical_optimizer_rules(yields::physical_optimizer_rules(stop))
        .build();
    let task_ctx = state.task_ctx();
    let df = DataFrame::new(state, frame.plan);
    let physical = df.create_physical_plan().await?;
    let mut stream = execute_stream(physical.clone(), task_ctx)?;
    let columns: Vec<ResultColumn> = frame
        .cols
        .iter()
        .map(|c| ResultColumn {
            name: c.name.clone(),
            ty: c.ty,
        })
        .collect();
    let mut rows = Vec::new();
    let mut total: u64 = 0;
    while let Some(batch) = stream.next().await {
        let batch = batch?;
        let n = batch.num_rows();
        let wanted = max_rows.saturating_sub(rows.len()).min(n);
        for r in 0..wanted {
            let row = columns
                .iter()
                .enumerate()
                .map(|(i, c)| Value::from_array(batch.column(i).as_ref(), r, c.ty).to_json())
                .collect();
            rows.push(row);
        }
        total += n as u64;
    }
    Ok((columns, rows, total, bytes_scanned(physical.as_ref())))
}

/// Sum of the `bytes_scanned` metrics of a physical plan (Parquet scans).
fn bytes_scanned(plan: &dyn ExecutionPlan) -> u64 {
    let own = plan
        .metrics()
        .and_then(|m| m.sum_by_name("bytes_scanned"))
        .map_or(0, |v| v.as_usize() as u64);
    own + plan
        .children()
        .into_iter()
        .map(|c| bytes_scanned(c.as_ref()))
        .sum::<u64>()
}
