//! Successful queries: the contract's own examples, every column type, what reaches the
//! wire (path, body, `Prefer`, token scope), statistics, render and partial results.

use std::time::Duration;

use devops_mcp_azure::monitor_logs::{
    LogsColumnType, LogsQuery, LogsTarget, PUBLIC_AUDIENCE, Timespan,
};
use serde_json::{Value, json};

use crate::contract;
use crate::fake::{
    APP_RESOURCE, EXAMPLE_RESOURCE, WS_ECHO, WS_EXAMPLE, WS_PARTIAL, WS_SLOW, WS_TYPES,
};
use crate::harness;

fn query_of(example: &Value) -> LogsQuery {
    let body = &example["parameters"]["body"];
    let mut query = LogsQuery::new(body["query"].as_str().expect("example query"));
    query.timespan = body["timespan"]
        .as_str()
        .map(|t| Timespan::Duration(t.to_owned()));
    query
}

#[tokio::test]
async fn workspace_example_from_the_contract_comes_back_typed() {
    let h = harness(0).await;
    let example = contract::example("2022-10-27_Preview/la-post-example.json");
    assert_eq!(example["parameters"]["workspaceId"], WS_EXAMPLE);
    let response = h
        .client
        .query(
            &LogsTarget::Workspace(WS_EXAMPLE.to_owned()),
            &query_of(&example),
        )
        .await
        .expect("query");
    h.fake.assert_clean();

    let wire = &example["responses"]["200"]["body"]["tables"][0];
    let table = &response.tables[0];
    assert_eq!(table.name, "PrimaryResult");
    assert_eq!(
        table.columns.len(),
        wire["columns"].as_array().expect("columns").len()
    );
    assert_eq!(table.rows.len(), 2);
    let column = |name: &str| {
        table
            .columns
            .iter()
            .position(|c| c.name == name)
            .unwrap_or_else(|| panic!("column {name}"))
    };
    assert_eq!(
        table.columns[column("TimeGenerated")].column_type,
        LogsColumnType::Datetime
    );
    assert_eq!(
        table.columns[column("IsBillable")].column_type,
        LogsColumnType::Bool
    );
    let row = &table.rows[0];
    // The example sends numbers and booleans as strings; they come back typed.
    assert_eq!(row[column("BatchesWithinSla")], json!(1));
    assert_eq!(row[column("AvgLatencyInSeconds")], json!(1.286));
    assert_eq!(row[column("Quantity")], json!(0.076408));
    assert_eq!(row[column("IsBillable")], json!(true));
    assert_eq!(row[column("TimeGenerated")], json!("2017-08-24T06:59:59Z"));
    assert_eq!(row[column("LinkedResourceUri")], Value::Null);
    assert_eq!(row[column("Computer")], json!("ContosoSQLSrv1"));
    assert_eq!(table.rows[1][column("AvgLatencyInSeconds")], json!(1.7));
    assert!(response.partial_error.is_none());
    assert!(response.statistics.is_none() && response.render.is_none());

    let seen = h.fake.seen();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].method, "POST");
    assert_eq!(seen[0].path, format!("/v1/workspaces/{WS_EXAMPLE}/query"));
    assert_eq!(seen[0].prefer, None);
}

#[tokio::test]
async fn resource_centric_example_from_the_contract_comes_back_typed() {
    let h = harness(0).await;
    let example = contract::example("2022-10-27/la-post-resource-centric-example.json");
    assert_eq!(
        format!(
            "/{}",
            example["parameters"]["resourceId"].as_str().expect("id")
        ),
        EXAMPLE_RESOURCE
    );
    let response = h
        .client
        .query(
            &LogsTarget::Resource(EXAMPLE_RESOURCE.to_owned()),
            &query_of(&example),
        )
        .await
        .expect("query");
    h.fake.assert_clean();
    let table = &response.tables[0];
    assert_eq!(table.columns[1].column_type, LogsColumnType::Long);
    assert_eq!(table.rows, vec![vec![json!("operation1"), json!(10)]]);
    assert_eq!(
        h.fake.seen()[0].path,
        format!("/v1{EXAMPLE_RESOURCE}/query")
    );
}

#[tokio::test]
async fn every_column_type_keeps_its_type() {
    let h = harness(0).await;
    let response = h
        .client
        .query(
            &LogsTarget::Workspace(WS_TYPES.to_owned()),
            &LogsQuery::new("AllTypes"),
        )
        .await
        .expect("query");
    h.fake.assert_clean();
    let table = &response.tables[0];
    let types: Vec<&str> = table
        .columns
        .iter()
        .map(|c| c.column_type.as_str())
        .collect();
    assert_eq!(
        types,
        [
            "bool", "datetime", "dynamic", "guid", "int", "long", "real", "string", "timespan",
            "decimal"
        ]
    );
    assert!(
        table
            .columns
            .iter()
            .all(|c| !matches!(c.column_type, LogsColumnType::Unknown(_))),
        "every contract type is known"
    );
    assert_eq!(
        table.rows[0],
        vec![
            json!(true),
            json!("2024-05-01T12:34:56.789Z"),
            json!({"region": "westeurope", "ids": [1, 2, 3], "big": 9_007_199_254_740_993_u64}),
            json!("b438b4f6-912a-46d5-9cb1-b44069212abc"),
            json!(2_147_483_647),
            json!(9_223_372_036_854_775_807_i64),
            json!(0.25),
            json!("ok"),
            json!("1.02:03:04.5670000"),
            json!("79228162514264337593543950335"),
        ]
    );
    assert_eq!(
        table.rows[1],
        vec![
            json!(false),
            json!("2024-05-01T00:00:00Z"),
            json!([]),
            json!("00000000-0000-0000-0000-000000000000"),
            json!(-2_147_483_648_i64),
            json!(i64::MIN),
            json!("NaN"),
            json!(""),
            json!("-00:00:01"),
            json!("0.1234567890123456789012345678"),
        ]
    );
    assert!(table.rows[2].iter().all(Value::is_null));
    // Exact past 2^53 in the serialized output too, not only in memory.
    let text = serde_json::to_string(&response).expect("serialize");
    assert!(
        text.contains("9223372036854775807") && text.contains("9007199254740993"),
        "{text}"
    );
    assert!(text.contains(r#""type":"decimal""#), "{text}");
}

#[tokio::test]
async fn request_body_prefer_and_scope_reach_the_wire() {
    let h = harness(0).await;
    let mut query =
        LogsQuery::new("AppRequests\n| where Success == false\n| summarize count() by Name");
    query.timespan = Some(Timespan::Range {
        start: "2024-05-01T02:00:00+02:00".to_owned(),
        end: "2024-05-02T00:00:00Z".to_owned(),
    });
    query.server_timeout = Some(Duration::from_secs(120));
    query.include_statistics = true;
    query.include_render = true;
    query.additional_workspaces = vec![WS_TYPES.to_uppercase(), "contoso-retail".to_owned()];
    let target = LogsTarget::Workspace(WS_ECHO.to_owned());
    let response = h.client.query(&target, &query).await.expect("query");
    h.fake.assert_clean();

    let table = &response.tables[0];
    assert_eq!(table.columns[0].column_type, LogsColumnType::Dynamic);
    assert_eq!(
        table.rows[0][0],
        json!({
            "query": "AppRequests\n| where Success == false\n| summarize count() by Name",
            "timespan": "2024-05-01T00:00:00Z/2024-05-02T00:00:00Z",
            "workspaces": [WS_TYPES, "contoso-retail"],
        })
    );
    assert_eq!(
        table.rows[0][1],
        json!("wait=120,include-statistics=true,include-render=true")
    );
    let statistics = response.statistics.expect("statistics were asked for");
    assert!(statistics["query"]["executionTime"].is_number());
    assert_eq!(
        response.render.expect("render was asked for")["visualization"],
        "table"
    );

    // A second query reuses the cached token.
    let mut plain = LogsQuery::new("AppRequests | take 1");
    plain.timespan = Some(Timespan::StartDuration {
        start: "2024-05-01T00:00:00Z".to_owned(),
        duration: "P1W".to_owned(),
    });
    let response = h.client.query(&target, &plain).await.expect("query");
    h.fake.assert_clean();
    assert_eq!(
        response.tables[0].rows[0],
        vec![
            json!({"query": "AppRequests | take 1", "timespan": "2024-05-01T00:00:00Z/P7D"}),
            Value::Null
        ]
    );
    assert!(response.statistics.is_none() && response.render.is_none());
    assert_eq!(
        h.fake.seen()[1].prefer,
        None,
        "no Prefer header without options"
    );
    assert_eq!(
        *h.credential.scopes.lock().expect("scopes"),
        [format!("{PUBLIC_AUDIENCE}/.default")]
    );
    assert_eq!(h.credential.calls(), 1);
}

#[tokio::test]
async fn app_insights_component_is_queried_by_resource_path() {
    let h = harness(0).await;
    let mut query = LogsQuery::new("requests | summarize count() by resultCode");
    query.timespan = Some(Timespan::Duration("pt30m".to_owned()));
    let response = h
        .client
        .query(&LogsTarget::Resource(format!(" {APP_RESOURCE}/ ")), &query)
        .await
        .expect("query");
    h.fake.assert_clean();
    assert_eq!(h.fake.seen()[0].path, format!("/v1{APP_RESOURCE}/query"));
    assert_eq!(
        response.tables[0].rows[0][0],
        json!({"query": "requests | summarize count() by resultCode", "timespan": "PT30M"})
    );
}

#[tokio::test]
async fn partial_result_keeps_rows_and_says_why() {
    let h = harness(0).await;
    let response = h
        .client
        .query(
            &LogsTarget::Workspace(WS_PARTIAL.to_owned()),
            &LogsQuery::new("union *"),
        )
        .await
        .expect("a partial result is not an error");
    h.fake.assert_clean();
    assert_eq!(
        response.tables[0].rows,
        vec![vec![json!("web-1"), json!(3)]]
    );
    let partial = response.partial_error.expect("partial error");
    assert_eq!(partial.code, "PartialError");
    assert_eq!(partial.details.len(), 1);
    assert_eq!(partial.details[0].resources.len(), 1);
    let description = partial.describe();
    assert!(
        description.contains("exceeded the internal record count limit"),
        "{description}"
    );
    let serialized = serde_json::to_value(&partial).expect("serialize");
    assert_eq!(
        serialized["details"][0]["innererror"]["code"],
        "-2133196790"
    );
}

#[tokio::test]
async fn slow_query_within_its_server_timeout_succeeds() {
    let h = harness(0).await;
    let mut query = LogsQuery::new("Heartbeat | summarize count()");
    query.server_timeout = Some(Duration::from_secs(5));
    let started = std::time::Instant::now();
    let response = h
        .client
        .query(&LogsTarget::Workspace(WS_SLOW.to_owned()), &query)
        .await
        .expect("query");
    h.fake.assert_clean();
    assert!(started.elapsed() >= crate::fake::SLOW_QUERY);
    assert_eq!(response.tables[0].rows, vec![vec![json!(1)]]);
    assert_eq!(h.fake.seen()[0].prefer.as_deref(), Some("wait=5"));
}
