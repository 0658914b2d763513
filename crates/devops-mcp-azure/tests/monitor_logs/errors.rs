//! Failures: each HTTP error class mapped to its variant with actionable text, retries where
//! they help and none where they do not, timeouts on both sides, inputs refused before any
//! request, and the canary token kept out of every message, `Debug` string and log line.

use std::time::{Duration, Instant};

use devops_mcp_azure::monitor_logs::{Error, LogsQuery, LogsQueryClient, LogsTarget, Timespan};

use crate::fake::{
    APP_RESOURCE, WS_ECHO, WS_FAILING, WS_FORBIDDEN, WS_SLOW, WS_STALLS, WS_SYNTAX, WS_THROTTLED,
    WS_THROTTLED_ONCE, WS_TOKEN_ECHO,
};
use crate::{FakeCredential, harness, logs, options, token_with};

fn workspace(id: &str) -> LogsTarget {
    LogsTarget::Workspace(id.to_owned())
}

/// Every text a caller could show: the error's message and its `Debug` form.
fn texts(error: &Error) -> [String; 2] {
    [error.to_string(), format!("{error:?}")]
}

#[tokio::test]
async fn syntax_error_names_the_codes_and_the_position() {
    let h = harness(3).await;
    let error = h
        .client
        .query(
            &workspace(WS_SYNTAX),
            &LogsQuery::new("AppRequests\n| joi x"),
        )
        .await
        .expect_err("syntax error");
    h.fake.assert_clean();
    assert_eq!(error.kind(), "bad_request");
    let text = error.to_string();
    for part in [
        "HTTP 400",
        "BadArgumentError",
        "SyntaxError",
        "SYN0002",
        "token `joi`",
        "at line 2, position 10 of the query",
        "fix the KQL syntax",
    ] {
        assert!(text.contains(part), "`{part}` missing from: {text}");
    }
    let Error::BadRequest { error: detail, .. } = &error else {
        panic!("not BadRequest: {error:?}");
    };
    assert_eq!(detail.location(), Some((2, 10)));
    assert_eq!(h.fake.seen().len(), 1, "a 400 is not retried");
}

#[tokio::test]
async fn forbidden_names_the_reader_role() {
    let h = harness(3).await;
    let error = h
        .client
        .query(&workspace(WS_FORBIDDEN), &LogsQuery::new("Usage"))
        .await
        .expect_err("forbidden");
    h.fake.assert_clean();
    assert_eq!(error.kind(), "forbidden");
    let text = error.to_string();
    assert!(text.contains("\"Log Analytics Reader\""), "{text}");
    assert!(text.contains("InsufficientAccessError"), "{text}");
    assert!(text.contains(WS_FORBIDDEN), "{text}");
    assert_eq!(h.fake.seen().len(), 1, "a 403 is not retried");
}

#[tokio::test]
async fn unknown_workspace_and_resource_are_not_found() {
    let h = harness(3).await;
    let missing_ws = "0b0c0d0e-0000-4000-8000-0000000000ff";
    let error = h
        .client
        .query(&workspace(missing_ws), &LogsQuery::new("Usage"))
        .await
        .expect_err("no such workspace");
    assert_eq!(error.kind(), "not_found");
    let text = error.to_string();
    assert!(
        text.contains(&format!("workspace {missing_ws} was not found")),
        "{text}"
    );
    assert!(text.contains("Workspace ID"), "{text}");

    let missing_resource = APP_RESOURCE.replace("shop-ai", "gone-ai");
    let error = h
        .client
        .query(
            &LogsTarget::Resource(missing_resource.clone()),
            &LogsQuery::new("requests"),
        )
        .await
        .expect_err("no such resource");
    assert_eq!(error.kind(), "not_found");
    let text = error.to_string();
    assert!(
        text.contains(&format!("resource {missing_resource} was not found")),
        "{text}"
    );
    assert!(text.contains("ARM resource ID"), "{text}");
    h.fake.assert_clean();
    assert_eq!(h.fake.seen().len(), 2, "a 404 is not retried");
}

#[tokio::test]
async fn throttling_is_retried_after_the_servers_delay() {
    let h = harness(2).await;
    let started = Instant::now();
    let response = h
        .client
        .query(&workspace(WS_THROTTLED_ONCE), &LogsQuery::new("Usage"))
        .await
        .expect("the retry succeeds");
    h.fake.assert_clean();
    assert!(
        started.elapsed() >= Duration::from_millis(950),
        "Retry-After: 1 was honoured ({:?})",
        started.elapsed()
    );
    assert_eq!(h.fake.seen().len(), 2);
    assert_eq!(response.tables[0].rows.len(), 1);
}

#[tokio::test]
async fn throttling_that_persists_reports_retry_after_and_attempts() {
    let h = harness(1).await;
    let error = h
        .client
        .query(&workspace(WS_THROTTLED), &LogsQuery::new("Usage"))
        .await
        .expect_err("still throttled");
    h.fake.assert_clean();
    let Error::Throttled {
        retry_after_secs,
        attempts,
        ..
    } = &error
    else {
        panic!("not Throttled: {error:?}");
    };
    assert_eq!((*retry_after_secs, *attempts), (Some(1), 2));
    assert_eq!(h.fake.seen().len(), 2);
    let text = error.to_string();
    assert!(
        text.contains("HTTP 429 after 2 attempt(s), retry after 1 s"),
        "{text}"
    );
    assert!(text.contains("ThrottledError"), "{text}");
}

#[tokio::test]
async fn server_errors_are_retried_then_reported() {
    let h = harness(2).await;
    let error = h
        .client
        .query(&workspace(WS_FAILING), &LogsQuery::new("Usage"))
        .await
        .expect_err("still failing");
    h.fake.assert_clean();
    let Error::Service {
        status, attempts, ..
    } = &error
    else {
        panic!("not Service: {error:?}");
    };
    assert_eq!((*status, *attempts), (500, 3));
    assert_eq!(h.fake.seen().len(), 3);
    assert!(error.to_string().contains("retry later"), "{error}");
}

#[tokio::test]
async fn server_timeout_is_reported_and_not_retried() {
    let h = harness(3).await;
    let mut query = LogsQuery::new("Heartbeat | summarize count() by bin(TimeGenerated, 1m)");
    query.server_timeout = Some(Duration::from_secs(1));
    let error = h
        .client
        .query(&workspace(WS_SLOW), &query)
        .await
        .expect_err("timeout");
    h.fake.assert_clean();
    let Error::Timeout {
        timeout_secs,
        client_side,
        ..
    } = &error
    else {
        panic!("not Timeout: {error:?}");
    };
    assert_eq!((*timeout_secs, *client_side), (1, false));
    let text = error.to_string();
    for part in [
        "GatewayTimeout",
        "narrow the time range",
        "server_timeout_seconds",
        "600",
    ] {
        assert!(text.contains(part), "`{part}` missing from: {text}");
    }
    assert_eq!(h.fake.seen().len(), 1, "a 504 is not retried");
    assert_eq!(h.fake.seen()[0].prefer.as_deref(), Some("wait=1"));
}

#[tokio::test]
async fn stalled_answer_ends_at_the_clients_deadline() {
    let h = harness(3).await;
    let client = h.client.with_response_margin(Duration::from_millis(300));
    let mut query = LogsQuery::new("Heartbeat");
    query.server_timeout = Some(Duration::from_secs(1));
    let started = Instant::now();
    let error = client
        .query(&workspace(WS_STALLS), &query)
        .await
        .expect_err("stalled");
    let elapsed = started.elapsed();
    h.fake.assert_clean();
    assert!(
        elapsed >= Duration::from_millis(1300) && elapsed < crate::fake::STALL,
        "{elapsed:?}"
    );
    let Error::Timeout { client_side, .. } = &error else {
        panic!("not Timeout: {error:?}");
    };
    assert!(*client_side);
    assert_eq!(h.fake.seen().len(), 1, "a timed-out try is not repeated");
    assert!(
        error.to_string().contains("narrow the time range"),
        "{error}"
    );
}

#[tokio::test]
async fn invalid_inputs_send_nothing() {
    let h = harness(0).await;
    let cases: Vec<(LogsTarget, LogsQuery, &str)> = vec![
        (
            workspace("contoso-workspace"),
            LogsQuery::new("Usage"),
            "target.workspace",
        ),
        (
            workspace(APP_RESOURCE),
            LogsQuery::new("Usage"),
            "target.workspace",
        ),
        (
            LogsTarget::Resource(WS_ECHO.to_owned()),
            LogsQuery::new("Usage"),
            "target.resource",
        ),
        (
            LogsTarget::Resource("/subscriptions/s/resourceGroups/rg".to_owned()),
            LogsQuery::new("Usage"),
            "target.resource",
        ),
        (workspace(WS_ECHO), LogsQuery::new("   "), "query"),
        (
            workspace(WS_ECHO),
            LogsQuery {
                timespan: Some(Timespan::Duration("24h".to_owned())),
                ..LogsQuery::new("Usage")
            },
            "timespan.duration",
        ),
        (
            workspace(WS_ECHO),
            LogsQuery {
                timespan: Some(Timespan::Range {
                    start: "2024-05-02T00:00:00Z".to_owned(),
                    end: "2024-05-01T00:00:00Z".to_owned(),
                }),
                ..LogsQuery::new("Usage")
            },
            "timespan.range",
        ),
        (
            workspace(WS_ECHO),
            LogsQuery {
                server_timeout: Some(Duration::from_secs(601)),
                ..LogsQuery::new("Usage")
            },
            "server_timeout_seconds",
        ),
    ];
    for (target, query, field) in cases {
        let error = h.client.query(&target, &query).await.expect_err(field);
        let Error::InvalidInput {
            field: named,
            problem,
        } = &error
        else {
            panic!("not InvalidInput: {error:?}");
        };
        assert_eq!(named, field, "{error}");
        assert!(
            problem.contains("give") || problem.contains("query"),
            "{error}"
        );
    }
    assert!(h.fake.seen().is_empty(), "nothing was sent");
    assert_eq!(h.credential.calls(), 0, "no token was fetched");
}

#[tokio::test]
async fn credential_failure_says_how_to_sign_in() {
    crate::capture_logs();
    let canary = crate::canary();
    let token = token_with(&canary);
    let fake = crate::fake::FakeLogAnalytics::start(&token).await;
    let credential = FakeCredential::failing(&token);
    let client = LogsQueryClient::new(
        &fake.endpoint(),
        credential.clone(),
        Some(options(&fake, 2)),
    )
    .expect("client");
    let error = client
        .query(&workspace(WS_ECHO), &LogsQuery::new("Usage"))
        .await
        .expect_err("no token");
    assert_eq!(error.kind(), "credential");
    let text = error.to_string();
    assert!(text.contains("AADSTS700082"), "{text}");
    assert!(text.contains("az login"), "{text}");
    assert!(
        text.contains("https://api.loganalytics.io/.default"),
        "{text}"
    );
    for text in texts(&error) {
        assert!(!text.contains(&canary), "the token leaked: {text}");
    }
    assert!(fake.seen().is_empty(), "nothing reached the service");
    assert_eq!(credential.calls(), 1, "a credential failure is not retried");
}

#[tokio::test]
async fn canary_token_never_leaks() {
    let h = harness(1).await;
    let mut collected: Vec<String> = vec![format!("{:?}", h.client)];
    for id in [
        WS_TOKEN_ECHO,
        WS_FORBIDDEN,
        WS_SYNTAX,
        WS_THROTTLED,
        WS_FAILING,
    ] {
        let error = h
            .client
            .query(&workspace(id), &LogsQuery::new("Usage"))
            .await
            .expect_err(id);
        collected.extend(texts(&error));
    }
    let ok = h
        .client
        .query(&workspace(WS_ECHO), &LogsQuery::new("Usage"))
        .await
        .expect("query");
    collected.push(format!("{ok:?}"));
    h.fake.assert_clean();

    // The token echo really carried the token, and it was scrubbed.
    let echoed = collected
        .iter()
        .find(|t| t.contains("The token is expired"))
        .expect("the 401 message");
    assert!(echoed.contains("[redacted"), "{echoed}");
    assert!(collected.iter().any(|t| t.contains("HTTP 401")));
    for text in &collected {
        assert!(!text.contains(&h.canary), "the token leaked into: {text}");
    }
    let logs = logs();
    assert!(!logs.is_empty(), "the log capture recorded nothing");
    assert!(!logs.contains(&h.canary), "the token leaked into the logs");
}
