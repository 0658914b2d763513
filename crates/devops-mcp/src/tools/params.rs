//! Tool arguments with errors that name the field.
//!
//! rmcp's own `Parameters` reports serde's message alone ("unknown variant
//! `cobol`"), which leaves an agent guessing which of forty fields it got
//! wrong. This wrapper has the same name (rmcp's `#[tool]` macro finds the
//! input schema by that name) and reports the JSON path too.

use rmcp::ErrorData;
use rmcp::handler::server::common::FromContextPart;
use rmcp::handler::server::tool::ToolCallContext;
use schemars::JsonSchema;
use serde::de::DeserializeOwned;

/// The deserialized arguments of a tool call.
#[derive(Debug, Clone)]
pub struct Parameters<P>(pub P);

impl<P: JsonSchema> JsonSchema for Parameters<P> {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        P::schema_name()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        P::json_schema(generator)
    }
}

impl<S, P: DeserializeOwned> FromContextPart<ToolCallContext<'_, S>> for Parameters<P> {
    fn from_context_part(context: &mut ToolCallContext<'_, S>) -> Result<Self, ErrorData> {
        let arguments = serde_json::Value::Object(context.arguments.take().unwrap_or_default());
        serde_path_to_error::deserialize(arguments)
            .map(Parameters)
            .map_err(|error| {
                let path = error.path().to_string();
                let at = if path == "." {
                    String::new()
                } else {
                    format!(" at `{path}`")
                };
                // rmcp turns this prefix into a tool error the model reads.
                ErrorData::invalid_params(
                    format!(
                        "failed to deserialize parameters:{at}: {}; fix that argument (the tool's input schema lists what is allowed) and call again",
                        error.inner()
                    ),
                    None,
                )
            })
    }
}
