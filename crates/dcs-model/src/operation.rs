//! The operation contract every DCS v2 operation implements, and the static description of
//! each one ([`OperationMeta`]), generated from the spec.
//!
//! A request type implements [`Operation`]: it checks itself ([`Operation::validate`]),
//! writes its path, query and body, and names its output type. The client crate sends any
//! `Operation` through one generic path; nothing here does I/O.

use crate::ids::ValidationError;
use crate::query::QueryWriter;

/// The HTTP methods DCS v2 uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum HttpMethod {
    /// `GET`
    Get,
    /// `POST`
    Post,
    /// `PUT`
    Put,
    /// `DELETE`
    Delete,
}

impl HttpMethod {
    /// The method's name, upper case.
    pub const fn as_str(self) -> &'static str {
        match self {
            HttpMethod::Get => "GET",
            HttpMethod::Post => "POST",
            HttpMethod::Put => "PUT",
            HttpMethod::Delete => "DELETE",
        }
    }
}

impl std::fmt::Display for HttpMethod {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a successful answer's body holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ResponseKind {
    /// A JSON object: the response model.
    JsonObject,
    /// Nothing of interest (the body, if any, is ignored).
    Empty,
    /// A bare JSON value (a string, an untyped object, or a list) as the whole body.
    WholeBody,
    /// Raw bytes, streamed (`DownloadHotKey`).
    Stream,
}

/// Where a parameter goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ParamLocation {
    /// A `{placeholder}` in the path.
    Path,
    /// A query-string pair.
    Query,
}

/// The wire type of a path or query parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ParamKind {
    /// Text.
    Str,
    /// An integer.
    Int,
    /// `true` or `false`.
    Bool,
}

/// One path or query parameter the caller sets (`project_id` is not one: the client fills it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ParamMeta {
    /// The name as the API spells it.
    pub name: &'static str,
    /// Path or query.
    pub location: ParamLocation,
    /// Its wire type.
    pub kind: ParamKind,
    /// Whether the request is refused without it.
    pub required: bool,
}

/// The static description of one operation, generated from the spec.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct OperationMeta {
    /// The operation name used in the official API reference, e.g. `"DeleteCenterTask"`.
    pub name: &'static str,
    /// The official SDKs' method name (snake case), e.g. `"delete_center_task"`.
    pub method_name: &'static str,
    /// The resource group (module and cargo feature), e.g. `"tasks"`.
    pub group: &'static str,
    /// The HTTP method.
    pub method: HttpMethod,
    /// The path template with `{placeholder}` segments, e.g. `/v2/{project_id}/tasks/{task_id}`.
    pub path_template: &'static str,
    /// The `Content-Type` header sent with the request, exactly as the official SDK sends it.
    pub content_type: &'static str,
    /// Whether the request may be sent again after an attempt that may have been applied
    /// (from the reviewed table in `codegen/overrides.toml`, never from the method alone).
    pub retry_safe: bool,
    /// What a successful answer holds.
    pub response_kind: ResponseKind,
    /// Whether the request has a JSON body parameter.
    pub has_body: bool,
    /// Whether that body is required.
    pub body_required: bool,
    /// The path and query parameters the caller sets, path first, in the spec's order.
    pub params: &'static [ParamMeta],
    /// What the operation does, in one English sentence.
    pub summary: &'static str,
    /// The official SDK's summary (Chinese, as the API reference has it in China).
    pub summary_zh: &'static str,
    /// The name of its English API reference page (see [`doc_url`](Self::doc_url)).
    pub reference_page: &'static str,
}

impl OperationMeta {
    /// Whether the path has a `{project_id}` placeholder (two operations have none).
    pub fn has_project_id(&self) -> bool {
        self.path_template.contains("{project_id}")
    }

    /// The English API reference page of this operation.
    pub fn doc_url(&self) -> String {
        format!(
            "https://support.huaweicloud.com/intl/en-us/api-dcs/{}.html",
            self.reference_page
        )
    }
}

/// A body that could not be decoded into the operation's output type.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot decode the response body: {message}")]
pub struct DecodeError {
    message: String,
}

impl DecodeError {
    /// An error with `message`.
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
        }
    }
    /// What went wrong (from the JSON decoder, with line and column).
    pub fn message(&self) -> &str {
        &self.message
    }
}

/// A successful answer's body, decoded.
pub trait Decode: Sized {
    /// Decodes a complete body.
    fn decode(body: &[u8]) -> Result<Self, DecodeError>;
}

/// Decodes a JSON document into `T` (the generated response models decode leniently).
pub fn decode_json<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, DecodeError> {
    serde_json::from_slice(body).map_err(|e| DecodeError::new(e.to_string()))
}

/// Decodes a whole-body string answer: a JSON string, else the body's text as it is.
pub fn decode_text(body: &[u8]) -> Result<String, DecodeError> {
    if let Ok(s) = serde_json::from_slice::<String>(body) {
        return Ok(s);
    }
    String::from_utf8(body.to_vec())
        .map_err(|_| DecodeError::new("the body is neither a JSON string nor UTF-8 text"))
}

/// Decodes a whole-body untyped answer: JSON when it is JSON, else the text as a JSON string,
/// and an empty body as `null`.
pub fn decode_any(body: &[u8]) -> Result<serde_json::Value, DecodeError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(serde_json::Value::Null);
    }
    match serde_json::from_slice(body) {
        Ok(v) => Ok(v),
        Err(_) => decode_text(body).map(serde_json::Value::String),
    }
}

/// One DCS v2 request: everything the client needs to send it.
///
/// Implemented by the generated `<Operation>Request` types only (the trait is sealed: new
/// operations come from the spec, and an endpoint the generator does not have yet is reached
/// with the client's raw call). The client crate has one generic send path over this trait.
pub trait Operation:
    sealed::Sealed
    + serde::Serialize
    + serde::de::DeserializeOwned
    + Clone
    + std::fmt::Debug
    + Send
    + Sync
    + 'static
{
    /// The operation's static description.
    const META: &'static OperationMeta;
    /// The decoded successful answer.
    type Output: Decode + std::fmt::Debug + Send + 'static;

    /// Checks every rule the caller controls (path ids, required parameters and body fields,
    /// the reviewed rules of `codegen/constraints.toml`), recording each problem in `p`.
    fn check(&self, p: &mut crate::validate::Problems);

    /// Checks the request whole; the error lists every problem at once, each with its field
    /// path. Nothing is sent when this fails.
    fn validate(&self) -> Result<(), ValidationError> {
        let mut p = crate::validate::Problems::new();
        self.check(&mut p);
        p.into_result()
    }

    /// Appends the request path to `out`, `project_id` and every path id percent-encoded.
    /// Call [`validate`](Self::validate) first.
    fn write_path(&self, project_id: &str, out: &mut String);

    /// Adds the query parameters that are set, in the spec's order.
    fn write_query(&self, query: &mut QueryWriter);

    /// The JSON body to send, if any. A `DELETE` whose body would be `{}` sends none.
    fn body(&self) -> Option<Vec<u8>>;
}

pub(crate) mod sealed {
    /// Only this crate's generated requests are operations.
    pub trait Sealed {}
}

/// An operation paged by `offset` and `limit`.
pub trait Paginated: Operation {
    /// One item of a page.
    type Item: Clone + std::fmt::Debug + Send + 'static;
    /// The offset this request asks for.
    fn offset(&self) -> Option<i64>;
    /// Sets the offset.
    fn set_offset(&mut self, offset: i64);
    /// The page size this request asks for.
    fn limit(&self) -> Option<i64>;
    /// The items of a page (empty when the field is missing).
    fn items(output: &Self::Output) -> &[Self::Item];
    /// Takes the items out of a page.
    fn into_items(output: Self::Output) -> Vec<Self::Item>;
    /// The total the service reports, when it does.
    fn total(output: &Self::Output) -> Option<i64>;
}

/// The body for a request: `None` without one, and none for a `DELETE` whose body is `{}`
/// (some gateways refuse a DELETE with a body, and `{}` says nothing).
pub fn encode_body<T: serde::Serialize>(method: HttpMethod, body: Option<&T>) -> Option<Vec<u8>> {
    let bytes = serde_json::to_vec(body?).ok()?;
    if method == HttpMethod::Delete && bytes == b"{}" {
        return None;
    }
    Some(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    const META: OperationMeta = OperationMeta {
        name: "DeleteCenterTask",
        method_name: "delete_center_task",
        group: "tasks",
        method: HttpMethod::Delete,
        path_template: "/v2/{project_id}/tasks/{task_id}",
        content_type: "application/json;charset=utf-8",
        retry_safe: true,
        response_kind: ResponseKind::Empty,
        has_body: true,
        body_required: false,
        params: &[],
        summary: "",
        summary_zh: "",
        reference_page: "DeleteCenterTask",
    };

    #[test]
    fn the_reference_page_names_the_english_page() {
        assert_eq!(
            META.doc_url(),
            "https://support.huaweicloud.com/intl/en-us/api-dcs/DeleteCenterTask.html"
        );
        assert!(META.has_project_id());
    }

    #[test]
    fn delete_bodies_that_say_nothing_are_not_sent() {
        let empty = serde_json::json!({});
        assert_eq!(encode_body(HttpMethod::Delete, Some(&empty)), None);
        assert_eq!(
            encode_body(HttpMethod::Post, Some(&empty)).as_deref(),
            Some(&b"{}"[..])
        );
        assert_eq!(
            encode_body::<serde_json::Value>(HttpMethod::Post, None),
            None
        );
    }

    #[test]
    fn whole_bodies_decode_leniently() {
        assert_eq!(decode_text(br#""ok""#).unwrap(), "ok");
        assert_eq!(decode_text(b"plain").unwrap(), "plain");
        assert!(decode_text(&[0xff, 0xfe]).is_err());
        assert_eq!(decode_any(b"").unwrap(), serde_json::Value::Null);
        assert_eq!(decode_any(b"{\"a\":1}").unwrap()["a"], 1);
        assert_eq!(decode_any(b"x").unwrap(), "x");
    }
}
