//! Protocol fixtures for the official MCP conformance suite, compiled only
//! with the `conformance` feature (never in release builds).
//!
//! The suite probes protocol behaviour through tools, resources and prompts it
//! expects by name (`test_simple_text`, `test://static-text`, ...). These
//! fixtures run inside the real server handler and transports, so the suite
//! exercises our protocol stack, not a separate test server.

#![allow(deprecated)] // Logging, sampling and legacy subscriptions are still part of 2025-11-25.

use std::collections::HashSet;
use std::sync::{LazyLock, Mutex};
use std::time::Duration;

use rmcp::model::RequestStateCodec;
use rmcp::model::{
    AudioContent, CallToolRequestParams, CallToolResponse, CallToolResult, ClientCapabilities,
    ContentBlock, CreateMessageRequest, CreateMessageRequestParams, ElicitRequest,
    ElicitRequestParams, ElicitationAction, ElicitationSchema, GetPromptRequestParams,
    GetPromptResponse, GetPromptResult, ImageContent, InputRequest, InputRequests,
    InputRequiredResult, InputResponses, ListRootsRequest, LoggingLevel,
    LoggingMessageNotificationParam, ProgressNotificationParam, Prompt, PromptArgument,
    PromptMessage, ReadResourceResult, Resource, ResourceContents, ResourceTemplate, Role,
    SamplingMessage, Tool,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData, RoleServer};
use serde_json::{Value, json};

use crate::server::DevopsServer;

/// A 1x1 PNG and a silent WAV, the smallest valid media the suite accepts.
const PNG: &str = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8/5+hHgAHggJ/PchI7wAAAABJRU5ErkJggg==";
const WAV: &str = "UklGRiQAAABXQVZFZm10IBAAAAABAAEARKwAAIhYAQACABAAZGF0YQAAAAA=";

/// Seals `requestState` for the SEP-2322 fixtures with a per-process key.
static STATE_CODEC: LazyLock<RequestStateCodec> = LazyLock::new(|| {
    let mut key = uuid::Uuid::new_v4().as_bytes().to_vec();
    key.extend_from_slice(uuid::Uuid::new_v4().as_bytes());
    RequestStateCodec::new(key)
});

/// URIs a legacy client subscribed to with `resources/subscribe`.
static SUBSCRIPTIONS: LazyLock<Mutex<HashSet<String>>> =
    LazyLock::new(|| Mutex::new(HashSet::new()));

fn schema(value: Value) -> std::sync::Arc<serde_json::Map<String, Value>> {
    match value {
        Value::Object(map) => std::sync::Arc::new(map),
        _ => std::sync::Arc::new(serde_json::Map::new()),
    }
}

fn no_args() -> Value {
    json!({ "type": "object", "properties": {} })
}

/// Every fixture tool: name, description, input schema.
fn tool_specs() -> Vec<(&'static str, &'static str, Value)> {
    vec![
        ("test_simple_text", "Returns simple text content", no_args()),
        ("test_image_content", "Returns image content", no_args()),
        ("test_audio_content", "Returns audio content", no_args()),
        (
            "test_embedded_resource",
            "Returns an embedded resource",
            no_args(),
        ),
        (
            "test_multiple_content_types",
            "Returns text, image and resource content",
            no_args(),
        ),
        (
            "test_tool_with_logging",
            "Sends log notifications while running",
            no_args(),
        ),
        (
            "test_error_handling",
            "Always returns a tool error",
            no_args(),
        ),
        (
            "test_tool_with_progress",
            "Reports progress while running",
            no_args(),
        ),
        (
            "test_sampling",
            "Asks the client's model for a completion",
            json!({ "type": "object", "properties": { "prompt": { "type": "string" } }, "required": ["prompt"] }),
        ),
        (
            "test_elicitation",
            "Asks the user for input",
            json!({ "type": "object", "properties": { "message": { "type": "string" } }, "required": ["message"] }),
        ),
        (
            "test_elicitation_sep1034_defaults",
            "Elicitation with defaults (SEP-1034)",
            no_args(),
        ),
        (
            "test_elicitation_sep1330_enums",
            "Elicitation with enum schemas (SEP-1330)",
            no_args(),
        ),
        (
            "json_schema_2020_12_tool",
            "Tool whose input schema uses JSON Schema 2020-12 features",
            json!({
                "$schema": "https://json-schema.org/draft/2020-12/schema",
                "type": "object",
                "$defs": { "address": { "$anchor": "address", "type": "object",
                    "properties": { "street": { "type": "string" }, "city": { "type": "string" } } } },
                "properties": { "name": { "type": "string" }, "address": { "$ref": "#/$defs/address" } },
                "allOf": [{ "anyOf": [{ "required": ["name"] }, { "required": ["address"] }] }],
                "if": { "required": ["address"] },
                "then": { "properties": { "address": { "required": ["street"] } } },
                "else": { "required": ["name"] },
                "additionalProperties": false
            }),
        ),
        (
            "test_reconnection",
            "Answers after a short pause (SSE reconnection)",
            no_args(),
        ),
        (
            "test_custom_header",
            "Echoes a value carried in a custom header (SEP-2243)",
            json!({ "type": "object", "properties": { "value": { "type": "string", "x-mcp-header": "Value" } }, "required": ["value"] }),
        ),
        (
            "test_trigger_tool_change",
            "Sends tools/list_changed to subscriptions",
            no_args(),
        ),
        (
            "test_trigger_prompt_change",
            "Sends prompts/list_changed to subscriptions",
            no_args(),
        ),
        (
            "test_missing_capability",
            "Needs the sampling client capability",
            no_args(),
        ),
        (
            "test_streaming_elicitation",
            "Returns an input_required elicitation",
            no_args(),
        ),
        (
            "test_logging_tool",
            "Logs only when the request asks for a level",
            no_args(),
        ),
        (
            "test_input_required_result_elicitation",
            "Needs an elicitation input (SEP-2322)",
            no_args(),
        ),
        (
            "test_input_required_result_sampling",
            "Needs a sampling input (SEP-2322)",
            no_args(),
        ),
        (
            "test_input_required_result_list_roots",
            "Needs a roots/list input (SEP-2322)",
            no_args(),
        ),
        (
            "test_input_required_result_request_state",
            "Round-trips sealed requestState (SEP-2322)",
            no_args(),
        ),
        (
            "test_input_required_result_multiple_inputs",
            "Needs three inputs in one round (SEP-2322)",
            no_args(),
        ),
        (
            "test_input_required_result_multi_round",
            "Needs inputs over two rounds (SEP-2322)",
            no_args(),
        ),
        (
            "test_input_required_result_tampered_state",
            "Rejects tampered requestState (SEP-2322)",
            no_args(),
        ),
        (
            "test_input_required_result_capabilities",
            "Asks only for declared capabilities (SEP-2322)",
            no_args(),
        ),
    ]
}

pub fn tools() -> Vec<Tool> {
    tool_specs()
        .into_iter()
        .map(|(name, description, input)| Tool::new(name, description, schema(input)))
        .collect()
}

pub fn has_tool(name: &str) -> bool {
    tool_specs().iter().any(|(tool, _, _)| *tool == name)
}

fn text(message: impl Into<String>) -> Result<CallToolResponse, ErrorData> {
    Ok(CallToolResult::success(vec![ContentBlock::text(message.into())]).into())
}

fn elicit(message: &str, properties: Value, required: &[&str]) -> InputRequest {
    let requested = json!({ "type": "object", "properties": properties, "required": required });
    let schema: ElicitationSchema = serde_json::from_value(requested)
        .unwrap_or_else(|_| ElicitationSchema::builder().build_unchecked());
    InputRequest::Elicitation(ElicitRequest::new(
        ElicitRequestParams::FormElicitationParams {
            meta: None,
            message: message.into(),
            requested_schema: schema,
        },
    ))
}

fn sample(prompt: &str) -> InputRequest {
    InputRequest::CreateMessage(CreateMessageRequest::new(CreateMessageRequestParams::new(
        vec![SamplingMessage::user_text(prompt)],
        100,
    )))
}

fn input_required(
    requests: Vec<(&str, InputRequest)>,
    state: Option<Value>,
) -> Result<CallToolResponse, ErrorData> {
    let requests: InputRequests = requests
        .into_iter()
        .map(|(key, request)| (key.to_owned(), request))
        .collect();
    let sealed = match state {
        Some(state) => Some(
            STATE_CODEC
                .seal_json(&state)
                .map_err(|e| ErrorData::internal_error(e.to_string(), None))?,
        ),
        None => None,
    };
    Ok(InputRequiredResult::new(Some(requests), sealed).into())
}

fn response<'a>(
    responses: Option<&'a InputResponses>,
    key: &str,
) -> Option<&'a serde_json::Map<String, Value>> {
    responses?.get(key)?.as_object()
}

fn open_state(sealed: Option<&str>) -> Result<Option<Value>, ErrorData> {
    match sealed {
        None => Ok(None),
        Some(sealed) => STATE_CODEC.open_json(sealed).map(Some).map_err(|_| {
            ErrorData::invalid_params("requestState failed integrity verification", None)
        }),
    }
}

fn action_name(action: &ElicitationAction) -> &'static str {
    match action {
        ElicitationAction::Accept => "accept",
        ElicitationAction::Decline => "decline",
        ElicitationAction::Cancel => "cancel",
        _ => "unknown",
    }
}

async fn elicit_now(
    context: &RequestContext<RoleServer>,
    message: &str,
    requested: Value,
) -> Result<CallToolResponse, ErrorData> {
    let schema: ElicitationSchema = serde_json::from_value(requested)
        .map_err(|e| ErrorData::internal_error(e.to_string(), None))?;
    match context
        .peer
        .create_elicitation(ElicitRequestParams::FormElicitationParams {
            meta: None,
            message: message.into(),
            requested_schema: schema,
        })
        .await
    {
        Ok(result) => text(format!(
            "Elicitation completed: action={}, content={}",
            action_name(&result.action),
            result.content.map(|c| c.to_string()).unwrap_or_default()
        )),
        Err(error) => Ok(CallToolResult::error(vec![ContentBlock::text(format!(
            "Elicitation error: {error}"
        ))])
        .into()),
    }
}

/// Run one fixture tool.
pub async fn call_tool(
    server: &DevopsServer,
    request: CallToolRequestParams,
    context: RequestContext<RoleServer>,
) -> Result<CallToolResponse, ErrorData> {
    let args = request.arguments.clone().unwrap_or_default();
    let responses = request.input_responses.as_ref();
    let state = request.request_state.as_deref();
    match request.name.as_ref() {
        "test_simple_text" => text("This is a simple text response for testing."),
        "test_image_content" => Ok(CallToolResult::success(vec![ContentBlock::image(PNG, "image/png")]).into()),
        "test_audio_content" => Ok(CallToolResult::success(vec![ContentBlock::Audio(AudioContent::new(WAV, "audio/wav"))]).into()),
        "test_embedded_resource" => Ok(CallToolResult::success(vec![ContentBlock::resource(
            ResourceContents::text("This is an embedded resource content.", "test://embedded-resource")
                .with_mime_type("text/plain"),
        )])
        .into()),
        "test_multiple_content_types" => Ok(CallToolResult::success(vec![
            ContentBlock::text("Multiple content types test:"),
            ContentBlock::image(PNG, "image/png"),
            ContentBlock::resource(
                ResourceContents::text(r#"{"test":"data","value":123}"#, "test://mixed-content-resource")
                    .with_mime_type("application/json"),
            ),
        ])
        .into()),
        "test_tool_with_logging" => {
            for message in ["Tool execution started", "Tool processing data", "Tool execution completed"] {
                let param = LoggingMessageNotificationParam::new(LoggingLevel::Info, json!(message))
                    .with_logger("devops-mcp");
                let _ = context.peer.notify_logging_message(param).await;
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            text("Logging test completed")
        }
        "test_error_handling" => Ok(CallToolResult::error(vec![ContentBlock::text(
            "This tool intentionally returns an error for testing",
        )])
        .into()),
        "test_tool_with_progress" => {
            let token = context.meta.get_progress_token();
            for (progress, message) in [(0.0, "Starting"), (50.0, "Halfway"), (100.0, "Complete")] {
                if let Some(token) = &token {
                    let param = ProgressNotificationParam::new(token.clone(), progress)
                        .with_total(100.0)
                        .with_message(message);
                    let _ = context.peer.notify_progress(param).await;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            text("Progress test completed")
        }
        "test_sampling" => {
            let prompt = args.get("prompt").and_then(Value::as_str).unwrap_or("Hello");
            let params = CreateMessageRequestParams::new(vec![SamplingMessage::user_text(prompt)], 100);
            match context.peer.create_message(params).await {
                Ok(result) => {
                    let reply = result
                        .message
                        .content
                        .first()
                        .and_then(|c| c.as_text())
                        .map(|t| t.text.clone())
                        .unwrap_or_default();
                    text(format!("LLM response: {reply}"))
                }
                Err(error) => Ok(CallToolResult::error(vec![ContentBlock::text(format!("Sampling error: {error}"))]).into()),
            }
        }
        "test_elicitation" => {
            let message = args
                .get("message")
                .and_then(Value::as_str)
                .unwrap_or("Please provide your information");
            elicit_now(
                &context,
                message,
                json!({ "type": "object", "properties": {
                    "username": { "type": "string", "description": "User's response" },
                    "email": { "type": "string", "description": "User's email address" }
                }, "required": ["username", "email"] }),
            )
            .await
        }
        "test_elicitation_sep1034_defaults" => {
            elicit_now(
                &context,
                "Please provide values (all have defaults)",
                json!({ "type": "object", "properties": {
                    "name": { "type": "string", "description": "User's name", "default": "John Doe" },
                    "age": { "type": "integer", "description": "User's age", "default": 30 },
                    "score": { "type": "number", "description": "User's score", "default": 95.5 },
                    "status": { "type": "string", "description": "User's status", "enum": ["active", "inactive", "pending"], "default": "active" },
                    "verified": { "type": "boolean", "description": "Whether user is verified", "default": true }
                } }),
            )
            .await
        }
        "test_elicitation_sep1330_enums" => {
            elicit_now(
                &context,
                "Test enum schema improvements",
                json!({ "type": "object", "properties": {
                    "untitledSingle": { "type": "string", "enum": ["option1", "option2", "option3"] },
                    "titledSingle": { "type": "string", "oneOf": [
                        { "const": "value1", "title": "First Option" },
                        { "const": "value2", "title": "Second Option" },
                        { "const": "value3", "title": "Third Option" } ] },
                    "legacyEnum": { "type": "string", "enum": ["opt1", "opt2", "opt3"],
                        "enumNames": ["Option One", "Option Two", "Option Three"] },
                    "untitledMulti": { "type": "array", "items": { "type": "string", "enum": ["option1", "option2", "option3"] } },
                    "titledMulti": { "type": "array", "items": { "anyOf": [
                        { "const": "value1", "title": "First Choice" },
                        { "const": "value2", "title": "Second Choice" },
                        { "const": "value3", "title": "Third Choice" } ] } }
                } }),
            )
            .await
        }
        "json_schema_2020_12_tool" => {
            let name = args.get("name").and_then(Value::as_str).unwrap_or("world");
            text(format!("Hello, {name}!"))
        }
        "test_reconnection" => {
            tokio::time::sleep(Duration::from_millis(100)).await;
            text("Reconnection test completed")
        }
        "test_custom_header" => {
            let value = args
                .get("value")
                .and_then(Value::as_str)
                .ok_or_else(|| ErrorData::invalid_params("value must be a string", None))?;
            text(value)
        }
        "test_trigger_tool_change" => {
            server.notify_tool_list_changed().await;
            text("Tool list change triggered")
        }
        "test_trigger_prompt_change" => {
            server.notify_prompt_list_changed().await;
            text("Prompt list change triggered")
        }
        "test_missing_capability" => {
            let capabilities = context.meta.client_capabilities().unwrap_or_default();
            if capabilities.sampling.is_none() {
                return Err(ErrorData::missing_required_client_capability(
                    ClientCapabilities::builder().enable_sampling().build(),
                ));
            }
            text("Required capability declared")
        }
        "test_streaming_elicitation" => input_required(
            vec![("streaming_elicitation", elicit("Provide a value", json!({ "value": { "type": "string" } }), &["value"]))],
            None,
        ),
        "test_logging_tool" => {
            if let Some(level) = context.meta.log_level() {
                let param = LoggingMessageNotificationParam::new(level, json!("logLevel was requested"))
                    .with_logger("devops-mcp");
                let _ = context.peer.notify_logging_message(param).await;
            }
            text("Logging tool completed")
        }
        "test_input_required_result_elicitation" => match response(responses, "user_name") {
            Some(reply) => {
                let name = reply.get("content").and_then(|c| c.get("name")).and_then(Value::as_str).unwrap_or("friend");
                text(format!("Hello, {name}!"))
            }
            None => input_required(
                vec![("user_name", elicit("What is your name?", json!({ "name": { "type": "string" } }), &["name"]))],
                None,
            ),
        },
        "test_input_required_result_sampling" => match response(responses, "capital_question") {
            Some(reply) => {
                let answer = reply.get("content").and_then(|c| c.get("text")).and_then(Value::as_str).unwrap_or("(no text)");
                text(format!("Sampling response: {answer}"))
            }
            None => input_required(vec![("capital_question", sample("What is the capital of France?"))], None),
        },
        "test_input_required_result_list_roots" => match response(responses, "client_roots") {
            Some(reply) => {
                let roots = reply
                    .get("roots")
                    .and_then(Value::as_array)
                    .map(|roots| roots.iter().filter_map(|r| r.get("uri").and_then(Value::as_str)).collect::<Vec<_>>().join(", "))
                    .unwrap_or_default();
                text(format!("Client roots: [{roots}]"))
            }
            None => input_required(vec![("client_roots", InputRequest::ListRoots(ListRootsRequest::default()))], None),
        },
        "test_input_required_result_request_state" | "test_input_required_result_tampered_state" => {
            match open_state(state)? {
                Some(_) => text("Confirmed: state-ok"),
                None => input_required(
                    vec![("confirm", elicit("Please confirm", json!({ "ok": { "type": "boolean" } }), &["ok"]))],
                    Some(json!({ "stage": "confirm" })),
                ),
            }
        }
        "test_input_required_result_multiple_inputs" => {
            let opened = open_state(state)?;
            let complete = ["user_name", "greeting", "client_roots"].iter().all(|key| response(responses, key).is_some());
            if complete && opened.is_some() {
                text("All inputs received")
            } else {
                input_required(
                    vec![
                        ("user_name", elicit("What is your name?", json!({ "name": { "type": "string" } }), &["name"])),
                        ("greeting", sample("Generate a greeting")),
                        ("client_roots", InputRequest::ListRoots(ListRootsRequest::default())),
                    ],
                    Some(json!({ "stage": "gather" })),
                )
            }
        }
        "test_input_required_result_multi_round" => {
            let round = open_state(state)?
                .and_then(|state| state.get("round").and_then(Value::as_i64))
                .unwrap_or(0);
            match round {
                0 => input_required(
                    vec![("step1", elicit("Step 1: What is your name?", json!({ "name": { "type": "string" } }), &["name"]))],
                    Some(json!({ "round": 1 })),
                ),
                1 => input_required(
                    vec![("step2", elicit("Step 2: What is your favorite color?", json!({ "color": { "type": "string" } }), &["color"]))],
                    Some(json!({ "round": 2 })),
                ),
                _ => text("Multi-round flow complete"),
            }
        }
        "test_input_required_result_capabilities" => {
            if responses.is_some() {
                return text("Capability-aware flow complete");
            }
            let capabilities = context.meta.client_capabilities().unwrap_or_default();
            let mut requests = Vec::new();
            if capabilities.elicitation.is_some() {
                requests.push(("user_name", elicit("What is your name?", json!({ "name": { "type": "string" } }), &["name"])));
            }
            if capabilities.sampling.is_some() {
                requests.push(("greeting", sample("Generate a greeting")));
            }
            if capabilities.roots.is_some() {
                requests.push(("client_roots", InputRequest::ListRoots(ListRootsRequest::default())));
            }
            if requests.is_empty() {
                text("Client declared no MRTR-capable capabilities")
            } else {
                input_required(requests, None)
            }
        }
        other => Err(ErrorData::invalid_params(format!("unknown fixture tool {other}"), None)),
    }
}

/// The capabilities the fixtures need besides the server's own.
pub fn extend_capabilities(
    mut capabilities: rmcp::model::ServerCapabilities,
) -> rmcp::model::ServerCapabilities {
    if let Some(resources) = capabilities.resources.as_mut() {
        resources.subscribe = Some(true);
    }
    if let Some(tools) = capabilities.tools.as_mut() {
        tools.list_changed = Some(true);
    }
    if let Some(prompts) = capabilities.prompts.as_mut() {
        prompts.list_changed = Some(true);
    }
    capabilities
}

pub fn resources() -> Vec<Resource> {
    vec![
        Resource::new("test://static-text", "Static Text Resource")
            .with_description("A static text resource for testing")
            .with_mime_type("text/plain"),
        Resource::new("test://static-binary", "Static Binary Resource")
            .with_description("A static binary resource for testing")
            .with_mime_type("image/png"),
    ]
}

pub fn resource_templates() -> Vec<ResourceTemplate> {
    vec![
        ResourceTemplate::new("test://template/{id}/data", "Dynamic Resource")
            .with_description("A dynamic resource with parameter substitution")
            .with_mime_type("application/json"),
    ]
}

pub fn is_resource_template(uri: &str) -> bool {
    uri == "test://template/{id}/data"
}

pub fn read_resource(uri: &str) -> Option<ReadResourceResult> {
    let contents = match uri {
        "test://static-text" => {
            ResourceContents::text("This is the content of the static text resource.", uri)
                .with_mime_type("text/plain")
        }
        "test://static-binary" => ResourceContents::blob(PNG, uri).with_mime_type("image/png"),
        _ => {
            let id = uri
                .strip_prefix("test://template/")?
                .strip_suffix("/data")?;
            ResourceContents::text(
                json!({ "id": id, "templateTest": true, "data": format!("Data for ID: {id}") })
                    .to_string(),
                uri,
            )
            .with_mime_type("application/json")
        }
    };
    Some(ReadResourceResult::new(vec![contents]))
}

pub fn subscribe(uri: &str) {
    SUBSCRIPTIONS
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(uri.to_owned());
}

pub fn unsubscribe(uri: &str) {
    SUBSCRIPTIONS
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .remove(uri);
}

pub fn prompts() -> Vec<Prompt> {
    vec![
        Prompt::new(
            "test_simple_prompt",
            Some("A simple test prompt with no arguments"),
            None,
        ),
        Prompt::new(
            "test_prompt_with_arguments",
            Some("A test prompt that accepts arguments"),
            Some(vec![
                PromptArgument::new("arg1")
                    .with_description("First test argument")
                    .with_required(true),
                PromptArgument::new("arg2")
                    .with_description("Second test argument")
                    .with_required(false),
            ]),
        ),
        Prompt::new(
            "test_prompt_with_embedded_resource",
            Some("A test prompt with an embedded resource"),
            None,
        ),
        Prompt::new(
            "test_prompt_with_image",
            Some("A test prompt with an image"),
            None,
        ),
        Prompt::new(
            "test_input_required_result_prompt",
            Some("A prompt that needs elicited input (SEP-2322)"),
            None,
        ),
    ]
}

/// `prompts/get` for a fixture prompt, or `None` when `request` names none.
pub fn get_prompt(
    request: &GetPromptRequestParams,
) -> Option<Result<GetPromptResponse, ErrorData>> {
    let arg = |name: &str| {
        request
            .arguments
            .as_ref()
            .and_then(|args| args.get(name))
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned()
    };
    let result = match request.name.as_str() {
        "test_simple_prompt" => GetPromptResult::new(vec![PromptMessage::new_text(
            Role::User,
            "This is a simple test prompt.",
        )]),
        "test_prompt_with_arguments" => GetPromptResult::new(vec![PromptMessage::new_text(
            Role::User,
            format!(
                "Prompt with arguments: arg1='{}', arg2='{}'",
                arg("arg1"),
                arg("arg2")
            ),
        )]),
        "test_prompt_with_embedded_resource" => GetPromptResult::new(vec![
            PromptMessage::new_text(Role::User, "Here is a resource:"),
            PromptMessage::new_resource(
                Role::User,
                "test://static-text".into(),
                Some("text/plain".into()),
                Some("Resource content for prompt".into()),
                None,
                None,
                None,
            ),
        ]),
        "test_prompt_with_image" => GetPromptResult::new(vec![
            PromptMessage::new_text(Role::User, "Here is an image:"),
            PromptMessage::new(
                Role::User,
                ContentBlock::Image(ImageContent::new(PNG, "image/png")),
            ),
        ]),
        "test_input_required_result_prompt" => {
            let reply = response(request.input_responses.as_ref(), "user_context");
            return Some(match reply {
                Some(reply) => {
                    let context = reply
                        .get("content")
                        .and_then(|c| c.get("context"))
                        .and_then(Value::as_str)
                        .unwrap_or("(no context)");
                    Ok(GetPromptResult::new(vec![PromptMessage::new_text(
                        Role::User,
                        format!("Prompt with elicited context: {context}"),
                    )])
                    .into())
                }
                None => {
                    let mut requests = InputRequests::new();
                    requests.insert(
                        "user_context".into(),
                        elicit(
                            "What context should the prompt use?",
                            json!({ "context": { "type": "string" } }),
                            &["context"],
                        ),
                    );
                    Ok(InputRequiredResult::from_input_requests(requests).into())
                }
            });
        }
        _ => return None,
    };
    Some(Ok(result.into()))
}

/// Completion values for fixture prompt arguments, or `None` for other prompts.
pub fn complete_prompt(prompt: &str, argument: &str) -> Option<Vec<String>> {
    if !prompts().iter().any(|p| p.name == prompt) {
        return None;
    }
    let values: &[&str] = match argument {
        "name" => &["Alice", "Bob", "Charlie"],
        "style" => &["friendly", "formal", "casual"],
        _ => &[],
    };
    let mut values: Vec<String> = values.iter().map(|v| (*v).to_owned()).collect();
    if values.is_empty() {
        values.push(prompt.to_owned());
    }
    Some(values)
}

pub fn complete_resource(argument: &str) -> Vec<String> {
    if argument == "id" {
        vec!["1".into(), "2".into(), "3".into()]
    } else {
        Vec::new()
    }
}
