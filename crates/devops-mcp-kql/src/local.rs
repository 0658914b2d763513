//! The local data source: tables from JSON lines, CSV and Parquet files.
//!
//! This is the one module of the crate that reads files. A folder given
//! by the caller holds one table per file (`requests.jsonl`,
//! `deps.csv`, `big.parquet`; the table name is the file stem); a sidecar
//! `<stem>.schema.json` (`{"columns": [{"name": "...", "type": "long"}]}`
//! with KQL type names) declares the schema, otherwise it is inferred
//! from the first rows (JSON lines, CSV) or read from the file (Parquet).
//! Single files can be added under any name (the server's audit log).
//!
//! Parquet is scanned by DataFusion (projection and filter pushdown);
//! JSON lines and CSV are parsed into memory on first use and cached
//! until the file changes.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use datafusion::arrow::array::{Array, ArrayRef, AsArray};
use datafusion::arrow::datatypes::{DataType, Field, Schema as ArrowSchema, SchemaRef, TimeUnit};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::catalog::MemTable;
use datafusion::datasource::file_format::parquet::ParquetFormat;
use datafusion::datasource::listing::{
    ListingOptions, ListingTable, ListingTableConfig, ListingTableUrl,
};
use datafusion::datasource::provider_as_source;
use datafusion::logical_expr::{ColumnarValue, Expr, LogicalPlanBuilder, cast};
use serde::Deserialize;
use serde_json::Value as Json;

use crate::analyze::Analysis;
use crate::catalog::{Catalog, Column};
use crate::error::KqlError;
use crate::execute::plan::{Frame, TableResolver, Typed, col_ref, project_plan};
use crate::execute::value::{Value, arrow_type, build_array, parse_datetime_text};
use crate::execute::{
    PlannedQuery, QueryResult, RunOptions, ScanAccounting, plan_query, run_query,
};
use crate::types::KqlType;

/// The file formats a table can have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableFormat {
    /// One JSON object per line (`.jsonl`, `.ndjson`).
    JsonLines,
    /// Comma-separated values with a header row (`.csv`).
    Csv,
    /// Apache Parquet (`.parquet`).
    Parquet,
}

impl TableFormat {
    /// The format of a file, from its extension.
    #[must_use]
    pub fn from_path(path: &Path) -> Option<TableFormat> {
        match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
            "jsonl" | "ndjson" => Some(TableFormat::JsonLines),
            "csv" => Some(TableFormat::Csv),
            "parquet" => Some(TableFormat::Parquet),
            _ => None,
        }
    }
}

/// A table backed by a file.
#[derive(Debug, Clone)]
struct LocalTable {
    name: String,
    path: PathBuf,
    format: TableFormat,
    columns: Vec<Column>,
    /// Arrow schema of a Parquet file.
    file_schema: Option<SchemaRef>,
    /// Parquet columns whose statistics say they hold no nulls (their
    /// strings need no null-to-empty conversion at the scan).
    no_nulls: Vec<String>,
}

/// A sidecar schema file.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SidecarSchema {
    columns: Vec<SidecarColumn>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SidecarColumn {
    name: String,
    #[serde(rename = "type")]
    ty: String,
    #[serde(default)]
    description: Option<String>,
}

type CacheEntry = ((SystemTime, u64), Arc<MemTable>, u64);

/// The embedded KQL engine over local files.
///
/// ```no_run
/// # async fn demo() -> Result<(), devops_mcp_kql::KqlError> {
/// use devops_mcp_kql::{LocalEngine, RunOptions};
/// let engine = LocalEngine::open(Some(std::path::Path::new("telemetry")), &[])?;
/// let result = engine
///     .run("requests | summarize count() by bin(timestamp, 1h)", &RunOptions::default())
///     .await?;
/// println!("{} rows", result.total_rows);
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct LocalEngine {
    tables: BTreeMap<String, LocalTable>,
    catalog: Catalog,
    cache: Mutex<HashMap<String, CacheEntry>>,
}

impl LocalEngine {
    /// An engine with no tables (queries build their own data with
    /// `datatable`, `range`, `print`).
    #[must_use]
    pub fn empty() -> Self {
        Self {
            tables: BTreeMap::new(),
            catalog: Catalog::new(),
            cache: Mutex::new(HashMap::new()),
        }
    }

    /// Opens the tables of folder `dir` (every `.jsonl`, `.ndjson`, `.csv`
    /// and `.parquet` file directly in it) plus `extra_tables` (name and
    /// file path, any of those formats).
    ///
    /// # Errors
    ///
    /// [`KqlError::DataSource`] when the folder or a file cannot be read,
    /// a sidecar schema is invalid, or two files define the same table.
    pub fn open(dir: Option<&Path>, extra_tables: &[(String, PathBuf)]) -> Result<Self, KqlError> {
        let mut files: Vec<(String, PathBuf)> = Vec::new();
        if let Some(dir) = dir {
            let entries = std::fs::read_dir(dir).map_err(|e| KqlError::DataSource {
                path: dir.display().to_string(),
                reason: format!("cannot list the folder: {e}"),
            })?;
            for entry in entries.flatten() {
                let path = entry.path();
                if !path.is_file() || TableFormat::from_path(&path).is_none() {
                    continue;
                }
                let Some(stem) = path.file_stem().and_then(|s| s.to_str()) else {
                    continue;
                };
                files.push((stem.to_string(), path));
            }
        }
        files.sort();
        files.extend(extra_tables.iter().cloned());
        let mut engine = Self::empty();
        for (name, path) in files {
            if let Some(existing) = engine.tables.get(&name) {
                return Err(KqlError::DataSource {
                    path: path.display().to_string(),
                    reason: format!(
                        "table `{name}` is already defined by {}; rename one of the files",
                        existing.path.display()
                    ),
                });
            }
            let table = load_table(&name, &path)?;
            engine
                .catalog
                .add_table(name.clone(), table.columns.clone());
            engine.tables.insert(name, table);
        }
        Ok(engine)
    }

    /// The tables and their KQL schemas, for semantic analysis and for
    /// showing agents what exists.
    #[must_use]
    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    /// Parses and analyses `query` against the engine's tables without
    /// running it.
    #[must_use]
    pub fn validate(&self, query: &str) -> Analysis {
        crate::validate(query, &self.catalog)
    }

    /// Runs a query. Must be called inside a Tokio runtime.
    ///
    /// # Errors
    ///
    /// [`KqlError::Parse`] / [`KqlError::Invalid`] with positions and
    /// suggestions for bad queries (an unknown table lists the tables that
    /// exist), [`KqlError::Plan`] for constructs the engine does not run,
    /// [`KqlError::Timeout`], [`KqlError::Cancelled`],
    /// [`KqlError::MemoryLimit`], [`KqlError::DataSource`] for unreadable
    /// files and [`KqlError::Execution`] for other failures.
    pub async fn run(&self, query: &str, options: &RunOptions) -> Result<QueryResult, KqlError> {
        let resolver = Resolver {
            engine: self,
            memory_bytes: AtomicU64::new(0),
        };
        run_query(query, &self.catalog, &resolver, options).await
    }

    /// Parses, analyses and plans `query` without running it (what
    /// [`LocalEngine::run`] does before execution); the result shows the
    /// logical plan. JSON lines and CSV tables the query names are loaded.
    ///
    /// # Errors
    ///
    /// As [`LocalEngine::run`], except the execution errors.
    pub fn plan(&self, query: &str, options: &RunOptions) -> Result<PlannedQuery, KqlError> {
        let resolver = Resolver {
            engine: self,
            memory_bytes: AtomicU64::new(0),
        };
        plan_query(query, &self.catalog, &resolver, options)
    }

    /// The in-memory table of a JSON lines or CSV file (cached until the
    /// file changes) and its size in bytes.
    fn memory_table(&self, table: &LocalTable) -> Result<(Arc<MemTable>, u64), KqlError> {
        let meta = std::fs::metadata(&table.path).map_err(|e| io_error(&table.path, &e))?;
        let stamp = (
            meta.modified().unwrap_or(SystemTime::UNIX_EPOCH),
            meta.len(),
        );
        if let Ok(cache) = self.cache.lock()
            && let Some((s, t, size)) = cache.get(&table.name)
            && *s == stamp
        {
            return Ok((t.clone(), *size));
        }
        let batches = match table.format {
            TableFormat::JsonLines => read_json_lines(&table.path, &table.columns)?,
            _ => read_csv(&table.path, &table.columns)?,
        };
        let schema = engine_schema(&table.columns);
        let mem = Arc::new(MemTable::try_new(schema, vec![batches])?);
        if let Ok(mut cache) = self.cache.lock() {
            cache.insert(table.name.clone(), (stamp, mem.clone(), meta.len()));
        }
        Ok((mem, meta.len()))
    }
}

/// Resolves table names for one query and counts the bytes it reads.
struct Resolver<'a> {
    engine: &'a LocalEngine,
    memory_bytes: AtomicU64,
}

impl TableResolver for Resolver<'_> {
    fn scan(&self, name: &str) -> Option<Result<Frame, KqlError>> {
        let table = self.engine.tables.get(name)?;
        Some(self.scan_table(table))
    }

    fn table_names(&self) -> Vec<String> {
        self.engine.tables.keys().cloned().collect()
    }
}

impl ScanAccounting for Resolver<'_> {
    fn memory_bytes(&self) -> u64 {
        self.memory_bytes.load(Ordering::Relaxed)
    }
}

impl Resolver<'_> {
    fn scan_table(&self, table: &LocalTable) -> Result<Frame, KqlError> {
        match table.format {
            TableFormat::Parquet => {
                let path = table
                    .path
                    .canonicalize()
                    .map_err(|e| io_error(&table.path, &e))?;
                let url = ListingTableUrl::parse(path.to_string_lossy()).map_err(|e| {
                    KqlError::DataSource {
                        path: table.path.display().to_string(),
                        reason: e.to_string(),
                    }
                })?;
                let schema = table
                    .file_schema
                    .clone()
                    .ok_or_else(|| KqlError::DataSource {
                        path: table.path.display().to_string(),
                        reason: "the Parquet schema was not read".into(),
                    })?;
                let options = ListingOptions::new(Arc::new(ParquetFormat::default()))
                    .with_file_extension(".parquet");
                let config = ListingTableConfig::new(url)
                    .with_listing_options(options)
                    .with_schema(schema.clone());
                let provider = ListingTable::try_new(config)?;
                let plan = LogicalPlanBuilder::scan(
                    table.name.as_str(),
                    provider_as_source(Arc::new(provider)),
                    None,
                )?
                .build()?;
                let mut items = Vec::new();
                for c in &table.columns {
                    let storage = schema
                        .field_with_name(&c.name)
                        .map(|f| f.data_type().clone())
                        .unwrap_or(DataType::Utf8);
                    let e = Expr::Column(datafusion::common::Column::new(
                        Some(table.name.as_str()),
                        &c.name,
                    ));
                    let nullable = !table.no_nulls.contains(&c.name);
                    items.push((
                        c.name.clone(),
                        Typed::new(storage_to_engine(e, &storage, c.ty, nullable), c.ty),
                    ));
                }
                project_plan(plan, items, Vec::new())
            }
            TableFormat::JsonLines | TableFormat::Csv => {
                let (mem, size) = self.engine.memory_table(table)?;
                self.memory_bytes.fetch_add(size, Ordering::Relaxed);
                let plan =
                    LogicalPlanBuilder::scan(table.name.as_str(), provider_as_source(mem), None)?
                        .build()?;
                let items = table
                    .columns
                    .iter()
                    .map(|c| (c.name.clone(), Typed::new(col_ref(&c.name), c.ty)))
                    .collect();
                project_plan(plan, items, Vec::new())
            }
        }
    }
}

fn io_error(path: &Path, e: &std::io::Error) -> KqlError {
    KqlError::DataSource {
        path: path.display().to_string(),
        reason: e.to_string(),
    }
}

fn engine_schema(columns: &[Column]) -> SchemaRef {
    Arc::new(ArrowSchema::new(
        columns
            .iter()
            .map(|c| Field::new(&c.name, arrow_type(c.ty), true))
            .collect::<Vec<_>>(),
    ))
}

/// Reads a table's schema: the sidecar, or inferred from the file.
fn load_table(name: &str, path: &Path) -> Result<LocalTable, KqlError> {
    let format = TableFormat::from_path(path).ok_or_else(|| KqlError::DataSource {
        path: path.display().to_string(),
        reason: "unknown file type; use .jsonl, .ndjson, .csv or .parquet".into(),
    })?;
    let declared = read_sidecar(path)?;
    let (file_schema, no_nulls) = if format == TableFormat::Parquet {
        let (schema, no_nulls) = parquet_schema(path)?;
        (Some(schema), no_nulls)
    } else {
        (None, Vec::new())
    };
    let columns = match (declared, &file_schema) {
        (Some(columns), _) => columns,
        (None, Some(schema)) => schema
            .fields()
            .iter()
            .map(|f| Column::new(f.name().clone(), kql_type_of_arrow(f.data_type())))
            .collect(),
        (None, None) => match format {
            TableFormat::JsonLines => infer_json_lines(path)?,
            _ => infer_csv(path)?,
        },
    };
    Ok(LocalTable {
        name: name.to_string(),
        path: path.to_path_buf(),
        format,
        columns,
        file_schema,
        no_nulls,
    })
}

/// The sidecar `<stem>.schema.json` next to a data file, if any.
fn read_sidecar(path: &Path) -> Result<Option<Vec<Column>>, KqlError> {
    let Some(stem) = path.file_stem().and_then(|s| s.to_str()) else {
        return Ok(None);
    };
    let sidecar = path.with_file_name(format!("{stem}.schema.json"));
    if !sidecar.is_file() {
        return Ok(None);
    }
    let text = std::fs::read_to_string(&sidecar).map_err(|e| io_error(&sidecar, &e))?;
    let parsed: SidecarSchema = serde_json::from_str(&text).map_err(|e| KqlError::DataSource {
        path: sidecar.display().to_string(),
        reason: format!("invalid schema file ({e}); expected {{\"columns\": [{{\"name\": \"...\", \"type\": \"string\"}}]}}"),
    })?;
    let mut columns = Vec::new();
    for c in parsed.columns {
        let ty = KqlType::from_name(&c.ty).ok_or_else(|| KqlError::DataSource {
            path: sidecar.display().to_string(),
            reason: format!(
                "column `{}` has unknown type `{}`; use bool, datetime, dynamic, guid, int, long, real, string, timespan or decimal",
                c.name, c.ty
            ),
        })?;
        columns.push(Column {
            name: c.name,
            ty,
            description: c.description,
        });
    }
    Ok(Some(columns))
}

/// The Arrow schema of a Parquet file, and the top-level columns that
/// hold no nulls according to the row group statistics.
fn parquet_schema(path: &Path) -> Result<(SchemaRef, Vec<String>), KqlError> {
    let file = std::fs::File::open(path).map_err(|e| io_error(path, &e))?;
    let builder = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file)
        .map_err(|e| KqlError::DataSource {
            path: path.display().to_string(),
            reason: format!("not a readable Parquet file: {e}"),
        })?;
    let schema = builder.schema().clone();
    let metadata = builder.metadata();
    let descr = metadata.file_metadata().schema_descr();
    let mut no_nulls = Vec::new();
    for field in schema.fields() {
        // Only flat columns map one to one onto Parquet leaf columns.
        let Some(leaf) =
            (0..descr.num_columns()).find(|i| descr.column(*i).path().string() == *field.name())
        else {
            continue;
        };
        let all_counted_zero = metadata.row_groups().iter().all(|rg| {
            rg.column(leaf)
                .statistics()
                .and_then(|s| s.null_count_opt())
                .is_some_and(|n| n == 0)
        });
        if all_counted_zero {
            no_nulls.push(field.name().clone());
        }
    }
    Ok((schema, no_nulls))
}

/// The KQL type for an Arrow storage type.
fn kql_type_of_arrow(dt: &DataType) -> KqlType {
    match dt {
        DataType::Boolean => KqlType::Bool,
        DataType::Int8 | DataType::Int16 | DataType::Int32 | DataType::UInt8 | DataType::UInt16 => {
            KqlType::Int
        }
        DataType::Int64 | DataType::UInt32 | DataType::UInt64 => KqlType::Long,
        DataType::Float16 | DataType::Float32 | DataType::Float64 => KqlType::Real,
        DataType::Decimal128(..) | DataType::Decimal256(..) => KqlType::Decimal,
        DataType::Timestamp(..) | DataType::Date32 | DataType::Date64 => KqlType::DateTime,
        DataType::Duration(_) | DataType::Time32(_) | DataType::Time64(_) => KqlType::Timespan,
        DataType::List(_)
        | DataType::LargeList(_)
        | DataType::Struct(_)
        | DataType::Map(..)
        | DataType::FixedSizeList(..) => KqlType::Dynamic,
        _ => KqlType::String,
    }
}

/// Converts a stored Parquet column to the engine representation of `ty`.
fn storage_to_engine(e: Expr, storage: &DataType, ty: KqlType, nullable: bool) -> Expr {
    let is_text = matches!(
        storage,
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View
    );
    // Already in the engine's representation: a plain column, so that
    // filters (and TopK's dynamic filter) reach the Parquet scan.
    if !is_text && *storage == arrow_type(ty) && ty != KqlType::DateTime && ty != KqlType::Timespan
    {
        return e;
    }
    match (storage, ty) {
        (DataType::Timestamp(..) | DataType::Date32 | DataType::Date64, KqlType::DateTime) => cast(
            cast(e, DataType::Timestamp(TimeUnit::Nanosecond, None)),
            DataType::Int64,
        ),
        (DataType::Duration(_), KqlType::Timespan) => cast(
            cast(e, DataType::Duration(TimeUnit::Nanosecond)),
            DataType::Int64,
        ),
        (DataType::Utf8, KqlType::String) if !nullable => e,
        (_, KqlType::String) if is_text => datafusion::functions::core::expr_fn::coalesce(vec![
            cast(e, DataType::Utf8),
            datafusion::logical_expr::lit(""),
        ]),
        (_, KqlType::Guid | KqlType::Dynamic) if is_text => cast(e, DataType::Utf8),
        (_, _) if is_text => {
            let t = Typed::new(cast(e, DataType::Utf8), KqlType::String);
            convert_text(t, ty).expr
        }
        (
            DataType::List(_)
            | DataType::LargeList(_)
            | DataType::Struct(_)
            | DataType::Map(..)
            | DataType::FixedSizeList(..),
            _,
        ) => nested_to_json(e),
        _ => cast(e, arrow_type(ty)),
    }
}

/// Text converted with KQL's rules.
fn convert_text(t: Typed, ty: KqlType) -> Typed {
    let e = crate::execute::text_to(t.expr, ty);
    Typed::new(e, ty)
}

/// Nested Arrow values (lists, structs, maps) as JSON text.
fn nested_to_json(e: Expr) -> Expr {
    let func: crate::execute::VecFn = Arc::new(|args, rows| {
        let array = args[0].to_array(rows)?;
        let mut b = datafusion::arrow::array::StringBuilder::new();
        for r in 0..array.len() {
            if array.is_null(r) {
                b.append_null();
            } else {
                b.append_value(arrow_to_json(array.as_ref(), r).to_string());
            }
        }
        Ok(ColumnarValue::Array(Arc::new(b.finish())))
    });
    crate::execute::vec_udf("kql_nested_to_json", DataType::Utf8, func, vec![e])
}

/// One Arrow value as JSON.
fn arrow_to_json(array: &dyn Array, row: usize) -> Json {
    if array.is_null(row) {
        return Json::Null;
    }
    match array.data_type() {
        DataType::List(_) => {
            let list = array.as_list::<i32>();
            let inner = list.value(row);
            Json::Array(
                (0..inner.len())
                    .map(|i| arrow_to_json(inner.as_ref(), i))
                    .collect(),
            )
        }
        DataType::LargeList(_) => {
            let list = array.as_list::<i64>();
            let inner = list.value(row);
            Json::Array(
                (0..inner.len())
                    .map(|i| arrow_to_json(inner.as_ref(), i))
                    .collect(),
            )
        }
        DataType::Struct(fields) => {
            let s = array.as_struct();
            Json::Object(
                fields
                    .iter()
                    .enumerate()
                    .map(|(i, f)| (f.name().clone(), arrow_to_json(s.column(i).as_ref(), row)))
                    .collect(),
            )
        }
        DataType::Map(..) => {
            let m = array.as_map();
            let entries = m.value(row);
            let keys = entries.column(0);
            let values = entries.column(1);
            Json::Object(
                (0..entries.len())
                    .map(|i| {
                        let k = arrow_to_json(keys.as_ref(), i);
                        let key = match k {
                            Json::String(s) => s,
                            other => other.to_string(),
                        };
                        (key, arrow_to_json(values.as_ref(), i))
                    })
                    .collect(),
            )
        }
        other => {
            let ty = kql_type_of_arrow(other);
            let converted: ArrayRef =
                match datafusion::arrow::compute::cast(&array.slice(row, 1), &arrow_type(ty)) {
                    Ok(a) => a,
                    Err(_) => return Json::Null,
                };
            Value::from_array(converted.as_ref(), 0, ty).to_json()
        }
    }
}

// ----- JSON lines -------------------------------------------------------------

const SAMPLE_ROWS: usize = 1000;
const BATCH_ROWS: usize = 65_536;

fn read_lines(path: &Path) -> Result<String, KqlError> {
    std::fs::read_to_string(path).map_err(|e| io_error(path, &e))
}

/// Infers a JSON lines schema from the first rows.
fn infer_json_lines(path: &Path) -> Result<Vec<Column>, KqlError> {
    let text = read_lines(path)?;
    let mut order: Vec<String> = Vec::new();
    let mut kinds: HashMap<String, Vec<Json>> = HashMap::new();
    for (i, line) in text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .take(SAMPLE_ROWS)
        .enumerate()
    {
        let OrderedObject(pairs) =
            serde_json::from_str(line).map_err(|e| KqlError::DataSource {
                path: path.display().to_string(),
                reason: format!("line {} is not a JSON object: {e}", i + 1),
            })?;
        for (k, v) in pairs {
            if !kinds.contains_key(&k) {
                order.push(k.clone());
            }
            kinds.entry(k).or_default().push(v);
        }
    }
    Ok(order
        .into_iter()
        .map(|name| {
            let ty = infer_type(kinds.get(&name).map_or(&[][..], Vec::as_slice));
            Column::new(name, ty)
        })
        .collect())
}

/// A JSON object's members in file order (serde_json's map sorts them).
struct OrderedObject(Vec<(String, Json)>);

impl<'de> Deserialize<'de> for OrderedObject {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = OrderedObject;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<OrderedObject, A::Error> {
                let mut pairs = Vec::new();
                while let Some((k, v)) = map.next_entry::<String, Json>()? {
                    pairs.push((k, v));
                }
                Ok(OrderedObject(pairs))
            }
        }
        deserializer.deserialize_map(Visitor)
    }
}

/// The KQL type that fits all sample values of a column.
fn infer_type(values: &[Json]) -> KqlType {
    let present: Vec<&Json> = values.iter().filter(|v| !v.is_null()).collect();
    if present.is_empty() {
        return KqlType::String;
    }
    if present.iter().all(|v| v.is_boolean()) {
        return KqlType::Bool;
    }
    if present.iter().all(|v| v.is_i64() || v.is_u64()) {
        return KqlType::Long;
    }
    if present.iter().all(|v| v.is_number()) {
        return KqlType::Real;
    }
    if present.iter().all(|v| v.is_string()) {
        let texts: Vec<&str> = present.iter().filter_map(|v| v.as_str()).collect();
        return infer_text_type(&texts);
    }
    if present.iter().all(|v| v.is_object() || v.is_array()) {
        return KqlType::Dynamic;
    }
    KqlType::Dynamic
}

/// `datetime` when every text is an ISO 8601 date, else `string`.
fn infer_text_type(texts: &[&str]) -> KqlType {
    let looks_like_date = |s: &str| {
        let b = s.as_bytes();
        b.len() >= 10
            && b[..4].iter().all(u8::is_ascii_digit)
            && b[4] == b'-'
            && b[7] == b'-'
            && parse_datetime_text(s).is_some()
    };
    let non_empty: Vec<&&str> = texts.iter().filter(|s| !s.is_empty()).collect();
    if !non_empty.is_empty() && non_empty.iter().all(|s| looks_like_date(s)) {
        KqlType::DateTime
    } else {
        KqlType::String
    }
}

/// A JSON value as a cell of a column of type `ty`.
fn json_cell(v: Option<&Json>, ty: KqlType) -> Value {
    match (v, ty) {
        (None | Some(Json::Null), KqlType::String) => Value::String(String::new()),
        (None | Some(Json::Null), _) => Value::Null,
        (Some(Json::String(s)), KqlType::String) => Value::String(s.clone()),
        (Some(Json::String(s)), KqlType::Dynamic) => {
            // Text that holds JSON (how exports often store bags).
            match serde_json::from_str::<Json>(s) {
                Ok(j @ (Json::Object(_) | Json::Array(_))) => Value::Dynamic(j),
                _ => Value::Dynamic(Json::String(s.clone())),
            }
        }
        (Some(j), KqlType::Dynamic) => Value::Dynamic(j.clone()),
        (Some(j), _) => Value::Dynamic(j.clone()).convert(ty),
    }
}

fn read_json_lines(path: &Path, columns: &[Column]) -> Result<Vec<RecordBatch>, KqlError> {
    let text = read_lines(path)?;
    let schema = engine_schema(columns);
    let mut batches = Vec::new();
    let mut cells: Vec<Vec<Value>> = vec![Vec::with_capacity(BATCH_ROWS); columns.len()];
    let flush =
        |cells: &mut Vec<Vec<Value>>, batches: &mut Vec<RecordBatch>| -> Result<(), KqlError> {
            if cells.first().is_none_or(Vec::is_empty) && !columns.is_empty() {
                return Ok(());
            }
            let arrays: Vec<ArrayRef> = columns
                .iter()
                .zip(cells.iter_mut())
                .map(|(c, values)| build_array(c.ty, std::mem::take(values)))
                .collect();
            batches.push(RecordBatch::try_new(schema.clone(), arrays)?);
            Ok(())
        };
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let value: Json = serde_json::from_str(line).map_err(|e| KqlError::DataSource {
            path: path.display().to_string(),
            reason: format!("line {} is not JSON: {e}", i + 1),
        })?;
        let Json::Object(map) = value else {
            return Err(KqlError::DataSource {
                path: path.display().to_string(),
                reason: format!("line {} is not a JSON object", i + 1),
            });
        };
        for (c, out) in columns.iter().zip(cells.iter_mut()) {
            out.push(json_cell(map.get(&c.name), c.ty));
        }
        if cells.first().is_some_and(|c| c.len() >= BATCH_ROWS) {
            flush(&mut cells, &mut batches)?;
        }
    }
    flush(&mut cells, &mut batches)?;
    Ok(batches)
}

// ----- CSV --------------------------------------------------------------------------

/// Splits CSV text into records (RFC 4180: quoted fields, doubled quotes,
/// newlines inside quotes).
fn csv_records(text: &str) -> Vec<Vec<String>> {
    let mut records = Vec::new();
    let mut record = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    let mut any = false;
    while let Some(c) = chars.next() {
        any = true;
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    field.push('"');
                    chars.next();
                }
                '"' => quoted = false,
                other => field.push(other),
            }
            continue;
        }
        match c {
            '"' if field.is_empty() => quoted = true,
            ',' => record.push(std::mem::take(&mut field)),
            '\r' => {}
            '\n' => {
                record.push(std::mem::take(&mut field));
                if !(record.len() == 1 && record[0].is_empty()) {
                    records.push(std::mem::take(&mut record));
                } else {
                    record.clear();
                }
                any = false;
            }
            other => field.push(other),
        }
    }
    if any {
        record.push(field);
        records.push(record);
    }
    records
}

fn infer_csv(path: &Path) -> Result<Vec<Column>, KqlError> {
    let text = read_lines(path)?;
    let records = csv_records(&text);
    let Some(header) = records.first() else {
        return Err(KqlError::DataSource {
            path: path.display().to_string(),
            reason: "the CSV file is empty; it needs a header row".into(),
        });
    };
    let sample: Vec<&Vec<String>> = records.iter().skip(1).take(SAMPLE_ROWS).collect();
    Ok(header
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let texts: Vec<&str> = sample
                .iter()
                .filter_map(|r| r.get(i).map(String::as_str))
                .filter(|s| !s.is_empty())
                .collect();
            let ty = if texts.is_empty() {
                KqlType::String
            } else if texts.iter().all(|s| s.parse::<i64>().is_ok()) {
                KqlType::Long
            } else if texts.iter().all(|s| s.parse::<f64>().is_ok()) {
                KqlType::Real
            } else if texts
                .iter()
                .all(|s| matches!(s.to_ascii_lowercase().as_str(), "true" | "false"))
            {
                KqlType::Bool
            } else {
                infer_text_type(&texts)
            };
            Column::new(name.trim().to_string(), ty)
        })
        .collect())
}

fn read_csv(path: &Path, columns: &[Column]) -> Result<Vec<RecordBatch>, KqlError> {
    let text = read_lines(path)?;
    let records = csv_records(&text);
    let header: Vec<String> = records
        .first()
        .map(|h| h.iter().map(|s| s.trim().to_string()).collect())
        .unwrap_or_default();
    let positions: Vec<Option<usize>> = columns
        .iter()
        .map(|c| header.iter().position(|h| *h == c.name))
        .collect();
    let schema = engine_schema(columns);
    let mut batches = Vec::new();
    for chunk in records.get(1..).unwrap_or(&[]).chunks(BATCH_ROWS) {
        let arrays: Vec<ArrayRef> = columns
            .iter()
            .zip(&positions)
            .map(|(c, pos)| {
                let values = chunk.iter().map(|r| {
                    let text = pos.and_then(|p| r.get(p)).map_or("", String::as_str);
                    match c.ty {
                        KqlType::String => Value::String(text.to_string()),
                        _ if text.is_empty() => Value::Null,
                        KqlType::Dynamic => crate::execute::parse_dynamic_text(text),
                        ty => Value::String(text.to_string()).convert(ty),
                    }
                });
                build_array(c.ty, values)
            })
            .collect();
        batches.push(RecordBatch::try_new(schema.clone(), arrays)?);
    }
    Ok(batches)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quoting() {
        let records = csv_records("a,b\n1,\"x, \"\"y\"\"\"\n\n2,z\n");
        assert_eq!(
            records,
            vec![
                vec!["a".to_string(), "b".to_string()],
                vec!["1".to_string(), "x, \"y\"".to_string()],
                vec!["2".to_string(), "z".to_string()],
            ]
        );
    }

    #[test]
    fn json_inference() {
        let values = [serde_json::json!(1), serde_json::json!(2)];
        assert_eq!(infer_type(&values), KqlType::Long);
        let values = [serde_json::json!("2024-01-01T00:00:00Z")];
        assert_eq!(infer_type(&values), KqlType::DateTime);
        let values = [serde_json::json!({"a": 1})];
        assert_eq!(infer_type(&values), KqlType::Dynamic);
    }
}
