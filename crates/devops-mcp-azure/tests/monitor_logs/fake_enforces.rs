//! The fake is only worth testing against if it rejects what the contract rejects: raw
//! requests that break it are recorded as violations, responses that break it would be
//! caught, and the contract's examples satisfy it.

use serde_json::{Value, json};

use crate::contract;
use crate::fake::{FakeLogAnalytics, TYPES_BODY, WS_ECHO};
use crate::{canary, token_with};

async fn send(
    fake: &FakeLogAnalytics,
    token: Option<&str>,
    path: &str,
    content_type: &str,
    prefer: Option<&str>,
    body: &str,
) -> (u16, Value) {
    let mut request = fake
        .http_client()
        .post(format!("{}{path}", fake.endpoint()))
        .header("content-type", content_type)
        .body(body.to_owned());
    if let Some(token) = token {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    if let Some(prefer) = prefer {
        request = request.header("prefer", prefer);
    }
    let response = request.send().await.expect("send");
    let status = response.status().as_u16();
    let text = response.text().await.unwrap_or_default();
    let body = serde_json::from_str::<Value>(&text).unwrap_or(Value::Null);
    (status, body)
}

#[tokio::test]
async fn fake_rejects_requests_that_break_the_contract() {
    let token = token_with(&canary());
    let fake = FakeLogAnalytics::start(&token).await;
    let path = format!("/v1/workspaces/{WS_ECHO}/query");
    let json = "application/json";

    let (status, _) = send(
        &fake,
        Some(&token),
        &path,
        json,
        None,
        r#"{"query":"Usage"}"#,
    )
    .await;
    assert_eq!(status, 200, "a valid request is served");
    fake.assert_clean();

    let cases: [(&str, &str, Option<&str>, &str, &str); 10] = [
        (
            &path,
            json,
            None,
            r#"{"query":"Usage","maxRows":10}"#,
            "maxRows",
        ),
        (&path, json, None, r#"{"timespan":"P1D"}"#, "query"),
        (&path, json, None, r#"{"query":42}"#, "42"),
        (
            &path,
            json,
            None,
            r#"{"query":"Usage","workspaces":"a,b"}"#,
            "workspaces",
        ),
        (
            &path,
            json,
            None,
            r#"{"query":"Usage","timespan":"1 day"}"#,
            "timespan",
        ),
        (
            &path,
            "text/plain",
            None,
            r#"{"query":"Usage"}"#,
            "Content-Type",
        ),
        (
            &path,
            json,
            Some("wait=abc"),
            r#"{"query":"Usage"}"#,
            "wait",
        ),
        (
            &path,
            json,
            Some("wait=30, wait=60"),
            r#"{"query":"Usage"}"#,
            "twice",
        ),
        (
            &path,
            json,
            Some("include-everything=true"),
            r#"{"query":"Usage"}"#,
            "include-everything",
        ),
        (
            "/v2/workspaces/x/query",
            json,
            None,
            r#"{"query":"Usage"}"#,
            "basePath",
        ),
    ];
    for (index, (path, content_type, prefer, body, needle)) in cases.into_iter().enumerate() {
        let (status, answer) = send(&fake, Some(&token), path, content_type, prefer, body).await;
        assert_eq!(status, 400, "case {index}: {answer}");
        let violations = fake.violations();
        assert_eq!(violations.len(), index + 1, "case {index}: {violations:#?}");
        assert!(
            violations[index].contains(needle),
            "case {index}: `{needle}` not in {}",
            violations[index]
        );
    }

    let before = fake.violations().len();
    let (status, answer) = send(&fake, None, &path, json, None, r#"{"query":"Usage"}"#).await;
    assert_eq!(
        (status, answer["error"]["code"].as_str()),
        (401, Some("AuthorizationRequiredError"))
    );
    let (status, answer) = send(
        &fake,
        Some("other"),
        &path,
        json,
        None,
        r#"{"query":"Usage"}"#,
    )
    .await;
    assert_eq!(
        (status, answer["error"]["code"].as_str()),
        (401, Some("InvalidTokenError"))
    );
    assert_eq!(
        fake.violations().len(),
        before,
        "a 401 is the contract's answer, not a breach"
    );
}

#[tokio::test]
async fn response_validation_can_fail() {
    let operation = contract::find("post", &format!("/workspaces/{WS_ECHO}/query"))
        .expect("operation")
        .operation;
    assert_eq!(operation["operationId"], "Query_Execute");
    let ok = contract::response_schema(operation, 200);
    let error = contract::response_schema(operation, 429);
    contract::validate(ok, &serde_json::from_str(TYPES_BODY).expect("json"), false)
        .expect("the typed table is a queryResults");
    for broken in [
        json!({}),
        json!({"tables": [{"name": "T", "columns": []}]}),
        json!({"tables": [{"name": "T", "columns": [{"name": "a", "type": "money"}], "rows": []}]}),
        json!({"tables": [], "error": {"message": "no code"}}),
    ] {
        assert!(contract::validate(ok, &broken, false).is_err(), "{broken}");
    }
    contract::validate(
        error,
        &json!({"error": {"code": "c", "message": "m"}}),
        false,
    )
    .expect("an errorResponse");
    assert!(contract::validate(error, &json!({"message": "m"}), false).is_err());
}

#[tokio::test]
async fn contract_routes_resource_paths_and_examples_validate() {
    let resource = contract::find(
        "post",
        "/subscriptions/s/resourceGroups/g/providers/Microsoft.Insights/components/c/query",
    )
    .expect("resource operation");
    assert_eq!(resource.operation["operationId"], "Query_ResourceExecute");
    assert_eq!(resource.template, "/{resourceId}/query");
    assert_eq!(
        resource.params,
        [(
            "resourceId".to_owned(),
            "subscriptions/s/resourceGroups/g/providers/Microsoft.Insights/components/c".to_owned()
        )]
    );
    assert!(contract::find("post", "/workspaces/x/metadata/extra").is_none());

    for (file, operation_id) in [
        ("2022-10-27_Preview/la-post-example.json", "Query_Execute"),
        ("v1/oms-post-example.json", "Query_Execute"),
        (
            "2022-10-27/la-post-resource-centric-example.json",
            "Query_ResourceExecute",
        ),
    ] {
        let example = contract::example(file);
        let path = match example["parameters"]["workspaceId"].as_str() {
            Some(workspace) => format!("/workspaces/{workspace}/query"),
            None => format!(
                "/{}/query",
                example["parameters"]["resourceId"]
                    .as_str()
                    .expect("resourceId")
            ),
        };
        let matched = contract::find("post", &path).expect("operation");
        assert_eq!(matched.operation["operationId"], operation_id, "{file}");
        let body_schema = &contract::parameters(matched.operation)
            .into_iter()
            .find(|p| p["in"] == "body")
            .expect("body parameter")["schema"];
        contract::validate(body_schema, &example["parameters"]["body"], true)
            .unwrap_or_else(|e| panic!("{file} request: {e}"));
        contract::validate(
            contract::response_schema(matched.operation, 200),
            &example["responses"]["200"]["body"],
            false,
        )
        .unwrap_or_else(|e| panic!("{file} response: {e}"));
    }
}
