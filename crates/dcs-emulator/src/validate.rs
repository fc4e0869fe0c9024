//! Requests checked against the generated models before any handler runs: the request's JSON
//! form (path parameters, query parameters converted by their declared kind, and `body`) is
//! read strictly into the operation's request type, which then checks its own constraints.

use dcs_model::operation::{HttpMethod, ParamKind, ParamLocation};
use dcs_model::{Operation, OperationMeta, Rule, ValidationError};
use percent_encoding::percent_decode_str;
use serde_json::{Map, Value};

/// Reads `input` strictly as `T` and runs its `validate()`.
pub(crate) fn typed<T: Operation>(input: &Value) -> Result<(), ValidationError> {
    let req: T = dcs_model::strict::from_value("", input)?;
    req.validate()
}

/// Why a request was refused before reaching a handler.
#[derive(Debug)]
pub(crate) struct Refusal {
    pub(crate) code: &'static str,
    pub(crate) message: String,
}

fn invalid(field: &str, why: impl std::fmt::Display) -> Refusal {
    // The documented codes for ids; the generic "invalid parameter" for the rest.
    let code = match field {
        "task_id" => dcs_model::codes::INVALID_TASK_ID,
        "instance_id" => "DCS.4061",
        _ => "DCS.4062",
    };
    Refusal {
        code,
        message: format!("Invalid {field} parameter in the request: {why}"),
    }
}

/// Builds the request's JSON form and checks it; the form is what handlers read.
pub(crate) fn check(
    meta: &OperationMeta,
    path_params: &[(&'static str, String)],
    raw_query: &str,
    body: &[u8],
) -> Result<Value, Refusal> {
    let mut input = Map::new();
    for (name, value) in path_params {
        if *name != "project_id" {
            input.insert((*name).to_string(), Value::String(value.clone()));
        }
    }
    for pair in raw_query.split('&').filter(|s| !s.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let k = percent_decode_str(k).decode_utf8_lossy();
        let v = percent_decode_str(v).decode_utf8_lossy();
        // Parameters the operation does not declare are ignored, as the service does.
        let Some(p) = meta
            .params
            .iter()
            .find(|p| p.location == ParamLocation::Query && p.name == k)
        else {
            continue;
        };
        let value = match p.kind {
            ParamKind::Int => v
                .parse::<i64>()
                .map(Value::from)
                .map_err(|_| invalid(p.name, format!("{v:?} is not an integer")))?,
            ParamKind::Bool => match v.as_ref() {
                "true" => Value::Bool(true),
                "false" => Value::Bool(false),
                _ => return Err(invalid(p.name, format!("{v:?} is not true or false"))),
            },
            // Text, and any kind a later spec adds.
            _ => Value::String(v.into_owned()),
        };
        input.insert(p.name.to_string(), value);
    }
    if !body.iter().all(u8::is_ascii_whitespace) {
        let parsed: Value = serde_json::from_slice(body).map_err(|e| Refusal {
            code: dcs_model::codes::INVALID_BODY,
            message: format!("Message body contains invalid characters or is not JSON: body: {e}"),
        })?;
        if meta.has_body {
            input.insert("body".to_string(), parsed);
        } else if parsed != Value::Object(Map::new()) {
            return Err(Refusal {
                code: dcs_model::codes::INVALID_BODY,
                message: format!("body: {} takes no request body", meta.name),
            });
        }
    } else if meta.body_required {
        return Err(invalid("body", Rule::Missing));
    } else if meta.has_body && matches!(meta.method, HttpMethod::Post | HttpMethod::Put) {
        // The SDKs call these bodies optional, but the service reads one: an absent body is
        // checked as `{}`, so its required fields are still required.
        input.insert("body".to_string(), Value::Object(Map::new()));
    }
    let input = Value::Object(input);
    match crate::dispatch::check(meta.name, &input) {
        Some(Ok(())) => Ok(input),
        Some(Err(e)) => Err(invalid(e.field(), e.rule())),
        None => Err(Refusal {
            code: dcs_model::codes::SYSTEM_BUSY,
            message: format!("no request type for {}", meta.name),
        }),
    }
}
