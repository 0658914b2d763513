//! Semantic analysis against the Application Insights catalog built from
//! the contract file `../shared/contracts/app-insights/tables.json`.

use std::path::PathBuf;
use std::sync::LazyLock;

use devops_mcp_kql::{
    Analysis, Catalog, Column, KqlType, Severity, analyze, app_insights_catalog, parse,
};

static CATALOG: LazyLock<Catalog> = LazyLock::new(|| {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/contracts/app-insights/tables.json");
    let json = std::fs::read_to_string(&path).expect("Application Insights schema is readable");
    app_insights_catalog(&json).expect("Application Insights schema is valid")
});

fn run(text: &str) -> Analysis {
    let query = parse(text).unwrap_or_else(|e| panic!("{text:?} should parse: {e}"));
    analyze(&query, &CATALOG)
}

fn clean(text: &str) -> Analysis {
    let analysis = run(text);
    assert!(
        analysis
            .diagnostics
            .iter()
            .all(|d| d.severity != Severity::Error),
        "{text:?} should have no errors: {:#?}",
        analysis.diagnostics
    );
    analysis
}

/// The single error of `text`, checked to have `code`.
fn one_error(text: &str, code: &str) -> devops_mcp_kql::Diagnostic {
    let analysis = run(text);
    let errors: Vec<_> = analysis.errors().cloned().collect();
    assert_eq!(errors.len(), 1, "{text:?}: {errors:#?}");
    assert_eq!(errors[0].code, code, "{text:?}: {}", errors[0]);
    errors[0].clone()
}

fn columns(analysis: &Analysis) -> Vec<(String, Option<KqlType>)> {
    analysis
        .output
        .as_ref()
        .expect("query has a tabular result")
        .columns
        .iter()
        .map(|c| (c.name.clone(), c.ty))
        .collect()
}

fn col(name: &str, ty: KqlType) -> (String, Option<KqlType>) {
    (name.to_string(), Some(ty))
}

#[test]
fn catalog_has_the_application_insights_tables() {
    for table in [
        "requests",
        "dependencies",
        "exceptions",
        "traces",
        "customMetrics",
        "AppRequests",
        "AppTraces",
    ] {
        assert!(CATALOG.table(table).is_some(), "{table}");
    }
    let requests = CATALOG.table("requests").expect("requests");
    let duration = requests
        .columns
        .iter()
        .find(|c| c.name == "duration")
        .expect("duration");
    assert_eq!(duration.ty, KqlType::Real);
    assert!(duration.description.is_some());
}

#[test]
fn unknown_table_lists_tables_and_suggests() {
    let d = one_error("reqeusts | take 10", "unknown-table");
    assert_eq!(d.suggestion.as_deref(), Some("requests"));
    assert!(
        d.message.contains("AppRequests") && d.message.contains("traces"),
        "{}",
        d.message
    );
    assert!(d.expected.iter().any(|t| t == "customMetrics"));
    assert_eq!((d.line, d.column, d.end_column), (1, 1, 9));
}

#[test]
fn unknown_column_suggests_the_nearest() {
    let d = one_error("requests\n| where duraton > 100", "unknown-column");
    assert_eq!(d.suggestion.as_deref(), Some("duration"));
    assert_eq!((d.line, d.column), (2, 9));
    let d = one_error("requests | project Timestamp", "unknown-column");
    assert_eq!(d.suggestion.as_deref(), Some("timestamp"));
    // After project, only the projected columns exist.
    let d = one_error(
        "requests | project name | where duration > 1",
        "unknown-column",
    );
    assert!(d.message.contains("Columns: name"), "{}", d.message);
}

#[test]
fn unknown_function_suggests_the_nearest() {
    let d = one_error("requests | extend n = tolowr(name)", "unknown-function");
    assert_eq!(d.suggestion.as_deref(), Some("tolower"));
    let d = one_error("requests | summarize dcout(user_Id)", "unknown-function");
    assert_eq!(d.suggestion.as_deref(), Some("dcount"));
    let d = one_error(
        "let square = (x:long) { x * x }; print sqare(2)",
        "unknown-function",
    );
    assert_eq!(d.suggestion.as_deref(), Some("square"));
}

#[test]
fn type_rules() {
    one_error("requests | where timestamp > 5", "type-mismatch");
    let d = one_error("requests | extend x = name + 1", "type-mismatch");
    assert!(d.message.contains("strcat"), "{}", d.message);
    one_error("requests | where ago(name) > timestamp", "type-mismatch");
    one_error("requests | where duration", "type-mismatch");
    one_error("requests | take 1.5", "type-mismatch");
    one_error("print datetime(2024-13-01)", "invalid-literal");
    one_error("datatable(a:int)[\"x\"]", "type-mismatch");
    clean("requests | where timestamp > ago(1d) and timestamp - ago(1h) < 30m and duration > 1");
    clean("requests | extend d = customDimensions.region | where d == 'eu' or tostring(d) has 'x'");
}

#[test]
fn aggregates_belong_in_summarize() {
    one_error(
        "requests | extend c = count()",
        "aggregate-outside-summarize",
    );
    one_error(
        "requests | summarize name by resultCode",
        "not-an-aggregate",
    );
    clean("requests | summarize round(avg(duration), 2), n = count() * 2 by resultCode");
}

#[test]
fn assignment_in_where_says_use_double_equals() {
    let d = one_error("requests | where success = 'False'", "assignment-in-filter");
    assert_eq!(d.suggestion.as_deref(), Some("=="));
}

#[test]
fn output_schema_of_summarize_follows_kusto_naming() {
    let analysis = clean(
        "requests | summarize count(), avg(duration), percentiles(duration, 50, 95), dcount(user_Id) \
         by bin(timestamp, 1h), resultCode",
    );
    assert_eq!(
        columns(&analysis),
        [
            col("timestamp", KqlType::DateTime),
            col("resultCode", KqlType::String),
            col("count_", KqlType::Long),
            col("avg_duration", KqlType::Real),
            col("percentile_duration_50", KqlType::Real),
            col("percentile_duration_95", KqlType::Real),
            col("dcount_user_Id", KqlType::Long),
        ]
    );
    let analysis = clean("AppRequests | summarize arg_max(TimeGenerated, *) by OperationName");
    let cols = columns(&analysis);
    assert_eq!(cols[0], col("OperationName", KqlType::String));
    assert_eq!(cols[1], col("TimeGenerated", KqlType::DateTime));
    assert_eq!(cols.iter().filter(|c| c.0 == "OperationName").count(), 1);
}

#[test]
fn extend_project_rename_and_away() {
    let analysis = clean(
        "requests | project name, duration, timestamp | extend slow = duration > 1000, name = toupper(name) \
         | project-rename started = timestamp | project-away dur*",
    );
    assert_eq!(
        columns(&analysis),
        [
            col("name", KqlType::String),
            col("started", KqlType::DateTime),
            col("slow", KqlType::Bool),
        ]
    );
    one_error("requests | project name, name", "duplicate-column");
}

#[test]
fn joins_lookups_and_unions() {
    let analysis = clean(
        "exceptions | project operation_Id, type | join kind=inner (requests | project operation_Id, name) on operation_Id",
    );
    assert_eq!(
        columns(&analysis)
            .iter()
            .map(|c| c.0.as_str())
            .collect::<Vec<_>>(),
        ["operation_Id", "type", "operation_Id1", "name"]
    );
    let analysis = clean(
        "exceptions | project operation_Id | join kind=leftsemi (requests) on $left.operation_Id == $right.operation_Id",
    );
    assert_eq!(columns(&analysis), [col("operation_Id", KqlType::String)]);
    let d = one_error(
        "requests | join kind=inner2 (exceptions) on operation_Id",
        "invalid-parameter",
    );
    assert_eq!(d.suggestion.as_deref(), Some("inner"));
    one_error(
        "requests | join (exceptions) on operationId",
        "unknown-column",
    );
    one_error(
        "requests | join (exceptions) on $left.name == $right.nam",
        "unknown-column",
    );
    let analysis = clean(
        "union withsource=Source requests, exceptions | summarize count() by Source, itemType",
    );
    assert_eq!(columns(&analysis)[0], col("Source", KqlType::String));
}

#[test]
fn let_bindings_and_functions() {
    let analysis = clean(
        "let window = 1h; let slow = (T:(duration:real), limit:long = 5) { T | where duration > 100 | take limit }; \
         requests | where timestamp > ago(window) | invoke slow() | project name",
    );
    assert_eq!(columns(&analysis), [col("name", KqlType::String)]);
    one_error(
        "let f = (n:long) { n * 2 }; print f(1, 2)",
        "wrong-argument-count",
    );
    let analysis = clean("let f = (n:long) { n * 2 }; print doubled = f(21)");
    assert_eq!(columns(&analysis), [col("doubled", KqlType::Long)]);
    one_error("let t = requests; print x = t", "tabular-as-scalar");
}

#[test]
fn dynamic_expansion_and_parse() {
    let analysis = clean(
        "traces | parse message with * 'user=' user:string ' took ' ms:long 'ms' \
         | mv-expand tag = customDimensions.tags to typeof(string) | project user, ms, tag",
    );
    assert_eq!(
        columns(&analysis),
        [
            col("user", KqlType::String),
            col("ms", KqlType::Long),
            col("tag", KqlType::String),
        ]
    );
    one_error("requests | mv-expand name", "type-mismatch");
}

#[test]
fn render_intent_is_reported() {
    let analysis = clean(
        "requests | summarize count() by bin(timestamp, 5m) | render timechart with (title='Requests', ycolumns=count_)",
    );
    let render = analysis.render.expect("render intent");
    assert_eq!(render.visualization, "timechart");
    assert_eq!(
        render.properties.get("title").map(String::as_str),
        Some("Requests")
    );
    let d = one_error("requests | render piechar", "unknown-chart");
    assert_eq!(d.suggestion.as_deref(), Some("piechart"));
}

#[test]
fn open_schemas_do_not_produce_false_errors() {
    let analysis = clean(
        "requests | project customDimensions | evaluate bag_unpack(customDimensions) | where Region == 'eu'",
    );
    assert!(!analysis.output.expect("output").complete);
    clean("database('other').SomeTable | where anything > 1");
}

#[test]
fn a_query_must_end_with_a_table() {
    one_error("print 1; 1 + 1", "scalar-query");
    let analysis = run("let x = 1;");
    assert!(
        analysis
            .diagnostics
            .iter()
            .any(|d| d.code == "no-result" && d.severity == Severity::Warning)
    );
}

#[test]
fn custom_catalogs_work() {
    let catalog = Catalog::new().with_table(
        "Heartbeat",
        vec![
            Column::new("Computer", KqlType::String),
            Column::new("TimeGenerated", KqlType::DateTime),
        ],
    );
    let query =
        parse("Heartbeat | summarize lastSeen = max(TimeGenerated) by Computer").expect("parses");
    let analysis = analyze(&query, &catalog);
    assert!(!analysis.has_errors(), "{:?}", analysis.diagnostics);
    let output = analysis.output.expect("output");
    assert_eq!(output.columns[1].name, "lastSeen");
    assert_eq!(output.columns[1].ty, Some(KqlType::DateTime));
    let json = serde_json::to_value(&output).expect("serializes");
    assert_eq!(json["columns"][1]["type"], "datetime");
}

#[test]
fn validate_reports_syntax_and_semantic_problems_alike() {
    let analysis = devops_mcp_kql::validate("requests | summarise count()", &CATALOG);
    assert_eq!(analysis.diagnostics.len(), 1);
    assert_eq!(analysis.diagnostics[0].code, "syntax");
    assert_eq!(
        analysis.diagnostics[0].suggestion.as_deref(),
        Some("summarize")
    );
    assert!(analysis.output.is_none());
    let analysis = devops_mcp_kql::validate(".drop table requests", &CATALOG);
    assert_eq!(analysis.diagnostics[0].code, "management-command");
    let analysis = devops_mcp_kql::validate("requests | take 1", &CATALOG);
    assert!(analysis.diagnostics.is_empty());
    assert!(analysis.output.is_some_and(|o| o.complete));
}
