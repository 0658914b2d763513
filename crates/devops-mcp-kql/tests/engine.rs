//! The local engine end to end: KQL semantics where they differ from SQL,
//! typed results, limits, cancellation and errors.

use std::path::Path;
use std::time::Duration;

use devops_mcp_kql::{CancellationToken, KqlError, KqlType, LocalEngine, QueryResult, RunOptions};
use serde_json::{Value as Json, json};

async fn run_on(engine: &LocalEngine, query: &str) -> QueryResult {
    engine
        .run(query, &RunOptions::default())
        .await
        .unwrap_or_else(|e| panic!("query failed: {e}\n{query}"))
}

async fn run(query: &str) -> QueryResult {
    run_on(&LocalEngine::empty(), query).await
}

fn names(result: &QueryResult) -> Vec<&str> {
    result.columns.iter().map(|c| c.name.as_str()).collect()
}

const JOIN_DATA: &str = "let X = datatable(Key:string, Value1:long)['a',1,'b',2,'b',3,'c',4];
let Y = datatable(Key:string, Value2:long)['b',10,'c',20,'c',30,'d',40];";

#[tokio::test]
async fn every_join_kind() {
    let cases: [(&str, &[&str], usize); 9] = [
        ("innerunique", &["Key", "Value1", "Key1", "Value2"], 3),
        ("inner", &["Key", "Value1", "Key1", "Value2"], 4),
        ("leftouter", &["Key", "Value1", "Key1", "Value2"], 5),
        ("rightouter", &["Key", "Value1", "Key1", "Value2"], 5),
        ("fullouter", &["Key", "Value1", "Key1", "Value2"], 6),
        ("leftsemi", &["Key", "Value1"], 3),
        ("leftanti", &["Key", "Value1"], 1),
        ("rightsemi", &["Key", "Value2"], 3),
        ("rightanti", &["Key", "Value2"], 1),
    ];
    for (kind, columns, rows) in cases {
        let r = run(&format!("{JOIN_DATA} X | join kind={kind} Y on Key")).await;
        assert_eq!(names(&r), columns, "{kind}");
        assert_eq!(r.total_rows, rows as u64, "{kind}: {:?}", r.rows);
    }
    // The default is innerunique: one left row per key.
    let r = run(&format!("{JOIN_DATA} X | join Y on Key | where Key == 'b'")).await;
    assert_eq!(
        r.rows,
        vec![vec![json!("b"), json!(2), json!("b"), json!(10)]]
    );
    // Outer joins leave the missing side's strings empty.
    let r = run(&format!(
        "{JOIN_DATA} X | join kind=leftouter Y on Key | where Key == 'a'"
    ))
    .await;
    assert_eq!(
        r.rows,
        vec![vec![json!("a"), json!(1), json!(""), Json::Null]]
    );
    // $left / $right keys with different names.
    let r = run(&format!(
        "{JOIN_DATA} X | join kind=inner (Y | project K2 = Key, Value2) on $left.Key == $right.K2 | count"
    ))
    .await;
    assert_eq!(r.rows[0][0], json!(4));
}

#[tokio::test]
async fn bin_floors_numbers_datetimes_and_timespans() {
    let r = run(
        "print a = bin(-7, 5), b = bin(7.5, 2.0), c = bin(datetime(2024-01-03 10:59:59), 1h), d = bin(90m, 1h), e = bin(datetime(2024-01-03), 7d)",
    )
    .await;
    assert_eq!(
        r.rows[0],
        vec![
            json!(-10),
            json!(6.0),
            json!("2024-01-03T10:00:00Z"),
            json!("01:00:00"),
            json!("2024-01-01T00:00:00Z")
        ]
    );
    // 7-day bins start on Mondays (from 0001-01-01), not on the epoch's Thursday.
    assert_eq!(r.columns[4].ty, KqlType::DateTime);
}

#[tokio::test]
async fn string_operators_follow_kql_case_rules() {
    let r = run(
        "print s = 'The Quick-Brown fox'
        | extend has1 = s has 'quick', has2 = s has 'uick', has3 = s has_cs 'quick', has4 = s hasprefix 'bro',
                 c1 = s contains 'QUICK', c2 = s contains_cs 'QUICK', eq = s =~ 'the quick-brown FOX',
                 inci = 'FOX' in~ ('fox', 'dog'), incs = 'FOX' in ('fox', 'dog'), any = s has_any ('cat', 'fox'),
                 sw = s startswith 'the', sw2 = s startswith_cs 'the'",
    )
    .await;
    let values: Vec<&Json> = r.rows[0].iter().skip(1).collect();
    let expected = [
        true, false, false, true, true, false, true, true, false, true, true, false,
    ];
    assert_eq!(
        values,
        expected
            .iter()
            .map(|b| Box::leak(Box::new(json!(b))) as &Json)
            .collect::<Vec<_>>()
    );
}

#[tokio::test]
async fn nulls_behave_as_in_kql() {
    let r = run("datatable(v:int, s:string)[5, 'a', int(null), 'b']
        | extend gt = v > 3, eq = v == int(null), ne = v != 5, n = isnull(v), e = isempty(s)")
    .await;
    assert_eq!(
        r.rows[0][2..],
        [
            json!(true),
            json!(false),
            json!(false),
            json!(false),
            json!(false)
        ]
    );
    assert_eq!(
        r.rows[1][2..],
        [
            Json::Null,
            Json::Null,
            json!(true),
            json!(true),
            json!(false)
        ]
    );
    // `where v != 5` keeps the null row, as Kusto does.
    let r = run("datatable(v:int)[5, int(null)] | where v != 5 | count").await;
    assert_eq!(r.rows[0][0], json!(1));
    // Strings are never null.
    let r = run("print s = tostring(int(null)) | extend n = isnull(s), e = isempty(s)").await;
    assert_eq!(r.rows[0], vec![json!(""), json!(false), json!(true)]);
}

#[tokio::test]
async fn dynamic_values_and_property_access() {
    let r = run(
        r#"print d = parse_json('{"a": {"b": [10, 20, 30]}, "k": "v", "n": 1.5}')
        | extend x = d.a.b[1], y = d["k"], z = tostring(d.k), lst = d.a.b[-1], absent = d.nope, len = array_length(d.a.b), keys = bag_keys(d)"#,
    )
    .await;
    assert_eq!(
        names(&r),
        ["d", "x", "y", "z", "lst", "absent", "len", "keys"]
    );
    assert_eq!(
        r.rows[0][1..],
        [
            json!(20),
            json!("v"),
            json!("v"),
            json!(30),
            Json::Null,
            json!(3),
            json!(["a", "k", "n"])
        ]
    );
    assert_eq!(r.columns[3].ty, KqlType::String);
    let r = run("print d = dynamic({'Region': 'eu'}) | where d.Region == 'eu' | extend p = pack('r', d.Region, 'n', 1), a = pack_array(1, 'x')").await;
    assert_eq!(
        r.rows[0][1..],
        [json!({"r": "eu", "n": 1}), json!([1, "x"])]
    );
}

#[tokio::test]
async fn aggregates_and_their_names() {
    let r = run(
        "datatable(k:string, v:long, t:datetime)['a', 1, datetime(2024-01-01), 'a', 3, datetime(2024-01-03), 'b', 2, datetime(2024-01-02), 'a', 3, datetime(2024-01-02)]
        | summarize count(), countif(v > 1), dcount(v), make_list(v), make_set(v), sum(v), avg(v), min(t), max(t), take_any(v) by k
        | order by k asc",
    )
    .await;
    assert_eq!(
        names(&r),
        [
            "k", "count_", "countif_", "dcount_v", "list_v", "set_v", "sum_v", "avg_v", "min_t",
            "max_t", "v"
        ]
    );
    assert_eq!(
        r.rows[0][1..7],
        [
            json!(3),
            json!(2),
            json!(2),
            json!([1, 3, 3]),
            json!([1, 3]),
            json!(7)
        ]
    );
    let r = run(
        "datatable(k:string, v:long, t:string)['a', 1, 'x', 'a', 9, 'y', 'b', 2, 'z']
        | summarize arg_max(v, *) by k | order by k asc",
    )
    .await;
    assert_eq!(names(&r), ["k", "v", "t"]);
    assert_eq!(r.rows[0], vec![json!("a"), json!(9), json!("y")]);
    let r = run("range x from 1 to 100 step 1 | summarize percentiles(x, 50, 95), p = percentile(x, 99), stdev(x), variance(x)").await;
    assert_eq!(
        names(&r),
        [
            "percentile_x_50",
            "percentile_x_95",
            "p",
            "stdev_x",
            "variance_x"
        ]
    );
    assert_eq!(r.rows[0][..3], [json!(50), json!(95), json!(99)]);
    let r = run("datatable(x:long)[] | summarize count(), sum(x)").await;
    assert_eq!(r.rows, vec![vec![json!(0), json!(0)]]);
}

#[tokio::test]
async fn operators_beyond_the_basics() {
    let r = run(
        "datatable(id:int, tags:dynamic)[1, dynamic(['a','b']), 2, dynamic([])]
        | mv-expand with_itemindex=i tag = tags to typeof(string)",
    )
    .await;
    assert_eq!(names(&r), ["id", "tags", "tag", "i"]);
    assert_eq!(r.total_rows, 3);
    assert_eq!(r.columns[2].ty, KqlType::String);
    let r = run("print m = 'GET /api/orders 200 took 153 ms' | parse m with verb ' ' path ' ' code:int ' took ' ms:long ' ms'").await;
    assert_eq!(
        r.rows[0][1..],
        [json!("GET"), json!("/api/orders"), json!(200), json!(153)]
    );
    let r = run(
        "datatable(t:datetime, v:long)[datetime(2024-01-01 00:10), 1, datetime(2024-01-01 02:20), 5]
        | make-series total = sum(v) default = 0 on t from datetime(2024-01-01) to datetime(2024-01-01 04:00) step 1h",
    )
    .await;
    assert_eq!(r.rows[0][0], json!([1, 0, 5, 0]));
    // Without from/to the axis spans the data.
    let r = run(
        "datatable(t:datetime, v:long)[datetime(2024-01-01 00:10), 1, datetime(2024-01-01 02:20), 5]
        | make-series total = sum(v) on t step 1h",
    )
    .await;
    assert_eq!(r.rows[0][0], json!([1, 0, 5]));
    assert_eq!(
        r.rows[0][1],
        json!([
            "2024-01-01T00:00:00Z",
            "2024-01-01T01:00:00Z",
            "2024-01-01T02:00:00Z"
        ])
    );
    // toscalar() computed first, then used as a constant.
    let r = run("let n = toscalar(range x from 1 to 3 step 1 | count); range y from 1 to n step 1 | summarize sum(y)").await;
    assert_eq!(r.rows[0][0], json!(6));
    let r = run("let f = (x:long) { x * 2 }; let T = range i from 1 to 3 step 1; T | extend y = f(i) | as R | union (R | where i == 1) | count").await;
    assert_eq!(r.rows[0][0], json!(4));
    let r =
        run("range x from 1 to 5 step 1 | top 2 by x | render columnchart with (title='t')").await;
    assert_eq!(r.rows, vec![vec![json!(5)], vec![json!(4)]]);
    let render = r.render.expect("render intent");
    assert_eq!(render.visualization, "columnchart");
    assert_eq!(
        render.properties.get("title").map(String::as_str),
        Some("t")
    );
    let r = run("range x from 1 to 3 step 1 | project-rename y = x | project-reorder y | extend z = y | project-away y | distinct z | count").await;
    assert_eq!(r.rows[0][0], json!(3));
}

#[tokio::test]
async fn results_are_typed_json() {
    let r = run("print d = datetime(2024-01-31 10:00:00.5), t = 1d + 2h + 500ms, b = true, i = int(7), r = 1.5, s = 'x', g = guid(74be27de-1e4e-49d9-b579-fe0b331d3642), j = dynamic([1, {'a': null}])").await;
    let types: Vec<KqlType> = r.columns.iter().map(|c| c.ty).collect();
    assert_eq!(
        types,
        [
            KqlType::DateTime,
            KqlType::Timespan,
            KqlType::Bool,
            KqlType::Int,
            KqlType::Real,
            KqlType::String,
            KqlType::Guid,
            KqlType::Dynamic
        ]
    );
    assert_eq!(
        r.rows[0],
        vec![
            json!("2024-01-31T10:00:00.5Z"),
            json!("1.02:00:00.5000000"),
            json!(true),
            json!(7),
            json!(1.5),
            json!("x"),
            json!("74be27de-1e4e-49d9-b579-fe0b331d3642"),
            json!([1, {"a": null}]),
        ]
    );
}

#[tokio::test]
async fn row_limit_reports_truncation_and_total() {
    let options = RunOptions {
        max_rows: 10,
        ..RunOptions::default()
    };
    let r = LocalEngine::empty()
        .run("range x from 1 to 1000 step 1", &options)
        .await
        .expect("runs");
    assert_eq!(r.rows.len(), 10);
    assert!(r.truncated);
    assert_eq!(r.total_rows, 1000);
    assert_eq!(r.statistics.rows, 1000);
}

#[tokio::test]
async fn cancellation_timeout_and_memory_limit() {
    let heavy = "range x from 1 to 5000000 step 1 | extend s = strcat('k', x % 1000003) | summarize count() by s | count";
    let token = CancellationToken::new();
    token.cancel();
    let options = RunOptions {
        cancel: Some(token),
        ..RunOptions::default()
    };
    assert!(matches!(
        LocalEngine::empty().run(heavy, &options).await,
        Err(KqlError::Cancelled)
    ));
    let options = RunOptions {
        timeout: Some(Duration::from_millis(1)),
        ..RunOptions::default()
    };
    assert!(matches!(
        LocalEngine::empty().run(heavy, &options).await,
        Err(KqlError::Timeout { .. })
    ));
    let options = RunOptions {
        memory_limit: Some(256 * 1024),
        timeout: Some(Duration::from_secs(120)),
        ..RunOptions::default()
    };
    let result = LocalEngine::empty()
        .run(
            "range x from 1 to 2000000 step 1 | summarize make_list(x) by k = x % 100000 | count",
            &options,
        )
        .await;
    assert!(
        matches!(result, Err(KqlError::MemoryLimit { .. })),
        "{result:?}"
    );
}

#[tokio::test]
async fn errors_carry_positions_and_suggestions() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join("requests.jsonl"),
        "{\"name\": \"a\", \"duration\": 1.5}\n",
    )
    .expect("write");
    let engine = LocalEngine::open(Some(dir.path()), &[]).expect("opens");
    let err = engine
        .run("request | take 1", &RunOptions::default())
        .await
        .expect_err("unknown table");
    let d = &err.diagnostics()[0];
    assert_eq!(d.code, "unknown-table");
    assert_eq!((d.line, d.column), (1, 1));
    assert_eq!(d.suggestion.as_deref(), Some("requests"));
    assert!(d.message.contains("Tables: requests."), "{}", d.message);
    let err = engine
        .run("requests\n| where duraton > 1", &RunOptions::default())
        .await
        .expect_err("unknown column");
    let d = &err.diagnostics()[0];
    assert_eq!((d.code, d.line, d.column), ("unknown-column", 2, 9));
    assert_eq!(d.suggestion.as_deref(), Some("duration"));
    let err = engine
        .run("requests | summarise count()", &RunOptions::default())
        .await
        .expect_err("syntax");
    assert!(matches!(err, KqlError::Parse(_)));
    let err = engine
        .run(".drop table requests", &RunOptions::default())
        .await
        .expect_err("command");
    assert_eq!(err.diagnostics()[0].code, "management-command");
    let err = engine
        .run("requests | evaluate autocluster()", &RunOptions::default())
        .await
        .expect_err("unsupported");
    assert_eq!(err.diagnostics()[0].code, "unsupported");
}

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).expect("file written");
}

#[tokio::test]
async fn local_tables_from_json_lines_csv_parquet_and_extra_paths() {
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    write(
        d,
        "events.jsonl",
        "{\"ts\": \"2024-01-01T00:00:00Z\", \"n\": 1, \"ok\": true, \"bag\": {\"a\": 1}, \"s\": \"x\"}\n{\"ts\": \"2024-01-01T01:00:00Z\", \"n\": 2, \"ok\": false, \"bag\": {\"a\": 2}}\n",
    );
    write(
        d,
        "hosts.csv",
        "host,cpu,seen\nweb-1,0.5,2024-01-01 00:00:00\n\"db,1\",0.75,2024-01-02 00:00:00\n",
    );
    write(d, "typed.csv", "id,when\n1,2024-01-01\n");
    write(
        d,
        "typed.schema.json",
        r#"{"columns": [{"name": "id", "type": "string"}, {"name": "when", "type": "datetime"}]}"#,
    );
    write(d, "notes.txt", "ignored");
    let audit = tempfile::NamedTempFile::with_suffix(".jsonl").expect("temp file");
    std::fs::write(
        audit.path(),
        "{\"tool\": \"query_kql\", \"at\": \"2024-01-01T00:00:00Z\"}\n",
    )
    .expect("write");
    let engine = LocalEngine::open(
        Some(d),
        &[("AuditLog".to_string(), audit.path().to_path_buf())],
    )
    .expect("opens");
    let tables: Vec<&str> = engine.catalog().tables().map(|t| t.name.as_str()).collect();
    assert_eq!(tables, ["AuditLog", "events", "hosts", "typed"]);
    let events = engine.catalog().table("events").expect("events");
    let types: Vec<KqlType> = events.columns.iter().map(|c| c.ty).collect();
    assert_eq!(
        types,
        [
            KqlType::DateTime,
            KqlType::Long,
            KqlType::Bool,
            KqlType::Dynamic,
            KqlType::String
        ]
    );
    let r = run_on(
        &engine,
        "events | where ok == false | project n, a = bag.a, s",
    )
    .await;
    assert_eq!(r.rows, vec![vec![json!(2), json!(2), json!("")]]);
    let r = run_on(&engine, "hosts | where host == 'db,1' | project cpu, seen").await;
    assert_eq!(
        r.rows,
        vec![vec![json!(0.75), json!("2024-01-02T00:00:00Z")]]
    );
    let r = run_on(&engine, "typed | project id, when").await;
    assert_eq!(r.columns[0].ty, KqlType::String);
    assert_eq!(
        r.rows,
        vec![vec![json!("1"), json!("2024-01-01T00:00:00Z")]]
    );
    let r = run_on(&engine, "AuditLog | summarize count() by tool").await;
    assert_eq!(r.rows, vec![vec![json!("query_kql"), json!(1)]]);
    assert!(r.statistics.bytes_scanned > 0);
    // A file that changes is read again.
    write(
        d,
        "events.jsonl",
        "{\"ts\": \"2024-01-01T00:00:00Z\", \"n\": 5, \"ok\": true, \"bag\": {}, \"s\": \"y\"}\n",
    );
    let r = run_on(&engine, "events | project n").await;
    assert_eq!(r.rows, vec![vec![json!(5)]]);
    // Two files for one table are an error that names both.
    write(d, "hosts.jsonl", "{}\n");
    let err = LocalEngine::open(Some(d), &[]).expect_err("duplicate");
    assert!(err.to_string().contains("hosts"), "{err}");
}

#[test]
fn deep_queries_plan_and_run_on_a_small_stack() {
    // The parser caps nesting; planning and running the deepest accepted
    // query must fit a 2 MiB thread stack (Tokio's default) even in a
    // debug build.
    let mut depth = 40;
    let query = loop {
        let q = format!(
            "print x = {}1{}",
            "strcat(".repeat(depth),
            ")".repeat(depth)
        );
        if devops_mcp_kql::parse(&q).is_ok() {
            break q;
        }
        depth -= 1;
    };
    let parens = loop {
        let q = format!("print x = {}1{}", "(".repeat(depth), ")".repeat(depth));
        if devops_mcp_kql::parse(&q).is_ok() {
            break q;
        }
        depth -= 1;
    };
    let handle = std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(async {
                let engine = LocalEngine::empty();
                let a = engine
                    .run(&query, &RunOptions::default())
                    .await
                    .expect("runs");
                let b = engine
                    .run(&parens, &RunOptions::default())
                    .await
                    .expect("runs");
                (a.rows, b.rows)
            })
        })
        .expect("thread");
    let (a, b) = handle.join().expect("no stack overflow");
    assert_eq!(a, vec![vec![json!("1")]]);
    assert_eq!(b, vec![vec![json!(1)]]);
}

fn assert_send<T: Send>(_: &T) {}

#[test]
fn the_engine_can_be_shared_and_its_queries_spawned() {
    fn shared<T: Send + Sync>() {}
    shared::<LocalEngine>();
    let engine = LocalEngine::empty();
    let options = RunOptions::default();
    let future = engine.run("print 1", &options);
    // The server runs queries on a multi-threaded runtime.
    assert_send(&future);
    drop(future);
}
