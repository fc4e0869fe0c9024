//! Error bodies: a lenient reader for whatever the server sends back, and
//! strict writers for the two shapes the DCS service and its API gateway
//! produce.
//!
//! [`ErrorBody::parse`] follows the same order as the official SDKs:
//!
//! 1. `encoded_authorization_message` is kept whenever it is present;
//! 2. the code/message pair is taken from `error_code`/`error_msg`, else
//!    `errorCode`/`errorMsg`, else `code`/`message` (one member of a pair is
//!    enough; a `null` member counts as missing);
//! 3. when the top-level object has none of these, nested object values are
//!    searched depth first, in document order, down to [`MAX_NESTED_DEPTH`];
//! 4. a body that is not JSON becomes the message as (lossy UTF-8) text.
//!
//! Values are never cut or dropped. A code sent as a JSON number is kept as
//! its decimal text (integers exactly; fractions in their shortest
//! round-trip form); a code or message of another non-string type is kept
//! as its compact JSON text. Values over their documented limits are kept
//! whole and reported through [`ErrorBody::violations`].

use serde::Serialize;
use std::fmt;

use crate::ids::{Rule, ValidationError};
use crate::json::{member, Node, Text};
use crate::limits::{
    ERROR_CODE_MAX_CHARS, ERROR_EXT_MSG_MAX_CHARS, ERROR_MSG_MAX_CHARS, RAW_BODY_KEEP_BYTES,
};

/// How deep below the top-level object [`ErrorBody::parse`] looks for a
/// code/message pair.
pub const MAX_NESTED_DEPTH: usize = 8;

/// The key pairs recognised as code/message, in priority order.
const PAIRS: [(&str, &str, BodyShape); 3] = [
    ("error_code", "error_msg", BodyShape::Standard),
    ("errorCode", "errorMsg", BodyShape::CamelCase),
    ("code", "message", BodyShape::CodeMessage),
];

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// Which shape the server's error body had.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyShape {
    /// No body, or only whitespace.
    Empty,
    /// A top-level `error_code`/`error_msg` pair (DCS and API gateway).
    Standard,
    /// A top-level `errorCode`/`errorMsg` pair.
    CamelCase,
    /// A top-level `code`/`message` pair.
    CodeMessage,
    /// One of the pairs above, found inside a nested object such as
    /// `{"error": {"code": ..., "message": ...}}`.
    Nested,
    /// Valid JSON without any known code/message pair.
    JsonWithoutError,
    /// Not JSON at all (HTML pages, plain text, invalid UTF-8, cut-off
    /// JSON).
    NotJson,
}

/// A field whose value exceeded its documented limit; the value was kept
/// whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LimitViolation {
    /// `"error_code"`, `"error_msg"` or `"error_ext_msg"`.
    pub field: &'static str,
    /// The documented maximum, in characters.
    pub max_chars: usize,
    /// The length actually received, in characters.
    pub actual_chars: usize,
}

/// The parsed, lenient, lossless view of an error body.
///
/// Its `Debug` output is bounded: long texts and the raw bytes are shown as a short prefix
/// and a length, so logging an error never prints megabytes. The accessors return
/// everything.
#[derive(Clone, PartialEq, Eq)]
pub struct ErrorBody {
    error_code: Option<String>,
    error_msg: Option<String>,
    error_ext_msg: Option<String>,
    request_id: Option<String>,
    encoded_authorization_message: Option<String>,
    shape: BodyShape,
    violations: Vec<LimitViolation>,
    raw: Vec<u8>,
    raw_truncated: bool,
    code_was_number: bool,
}

/// A code/message pair found in some object.
struct Found<'a> {
    code: Option<Text>,
    msg: Option<Text>,
    shape: BodyShape,
    /// The object holding the pair.
    object: &'a [(String, Node)],
}

/// Looks for one of the known pairs directly in `object`.
fn pair_in(object: &[(String, Node)]) -> Option<Found<'_>> {
    PAIRS.iter().find_map(|&(code_key, msg_key, shape)| {
        let code = member(object, code_key).and_then(Node::to_text);
        let msg = member(object, msg_key).and_then(Node::to_text);
        (code.is_some() || msg.is_some()).then_some(Found {
            code,
            msg,
            shape,
            object,
        })
    })
}

/// Searches the object values of `object` (not `object` itself), depth
/// first, for a pair. `depth` is the depth of `object`.
fn nested_pair(object: &[(String, Node)], depth: usize) -> Option<Found<'_>> {
    if depth >= MAX_NESTED_DEPTH {
        return None;
    }
    object.iter().find_map(|(_, value)| {
        let inner = value.as_object()?;
        pair_in(inner).or_else(|| nested_pair(inner, depth + 1))
    })
}

fn text_of(object: &[(String, Node)], key: &str) -> Option<String> {
    member(object, key)
        .and_then(Node::to_text)
        .map(|text| text.text)
}

impl ErrorBody {
    /// Parses an error body.
    ///
    /// `truncated` tells that the transport stopped reading at its cap, so
    /// `raw` is only a prefix of what the server sent. Never panics, for any
    /// bytes.
    pub fn parse(raw: &[u8], truncated: bool) -> ErrorBody {
        let kept = raw.get(..RAW_BODY_KEEP_BYTES).unwrap_or(raw);
        let mut out = ErrorBody {
            error_code: None,
            error_msg: None,
            error_ext_msg: None,
            request_id: None,
            encoded_authorization_message: None,
            shape: BodyShape::Empty,
            violations: Vec::new(),
            raw: kept.to_vec(),
            raw_truncated: truncated || raw.len() > kept.len(),
            code_was_number: false,
        };

        let body = raw.strip_prefix(UTF8_BOM).unwrap_or(raw);
        if body.iter().all(u8::is_ascii_whitespace) {
            return out;
        }
        match Node::parse(body) {
            Ok(node) => out.fill_from_json(&node),
            Err(_) => {
                out.shape = BodyShape::NotJson;
                out.error_msg = Some(String::from_utf8_lossy(raw).into_owned());
            }
        }
        out.violations = out.check_limits();
        out
    }

    fn fill_from_json(&mut self, node: &Node) {
        self.shape = BodyShape::JsonWithoutError;
        let Some(top) = node.as_object() else {
            return;
        };
        self.encoded_authorization_message = text_of(top, "encoded_authorization_message");
        self.request_id = text_of(top, "request_id");
        self.error_ext_msg = text_of(top, "error_ext_msg");

        let found = match pair_in(top) {
            Some(found) => found,
            None => match nested_pair(top, 0) {
                Some(found) => Found {
                    shape: BodyShape::Nested,
                    ..found
                },
                None => return,
            },
        };
        self.shape = found.shape;
        self.code_was_number = found.code.as_ref().is_some_and(|code| code.was_number);
        self.error_code = found.code.map(|code| code.text);
        self.error_msg = found.msg.map(|msg| msg.text);
        // Fields missing at the top level may sit next to a nested pair.
        let inner = found.object;
        let fill = |slot: &mut Option<String>, key: &str| {
            if slot.is_none() {
                *slot = text_of(inner, key);
            }
        };
        fill(
            &mut self.encoded_authorization_message,
            "encoded_authorization_message",
        );
        fill(&mut self.request_id, "request_id");
        fill(&mut self.error_ext_msg, "error_ext_msg");
    }

    fn check_limits(&self) -> Vec<LimitViolation> {
        [
            ("error_code", &self.error_code, ERROR_CODE_MAX_CHARS),
            ("error_msg", &self.error_msg, ERROR_MSG_MAX_CHARS),
            (
                "error_ext_msg",
                &self.error_ext_msg,
                ERROR_EXT_MSG_MAX_CHARS,
            ),
        ]
        .into_iter()
        .filter_map(|(field, value, max_chars)| {
            let actual_chars = value.as_deref()?.chars().count();
            (actual_chars > max_chars).then_some(LimitViolation {
                field,
                max_chars,
                actual_chars,
            })
        })
        .collect()
    }

    /// The error code (`error_code`, `errorCode` or `code`), if any.
    pub fn error_code(&self) -> Option<&str> {
        self.error_code.as_deref()
    }

    /// The error message (`error_msg`, `errorMsg` or `message`), if any. For
    /// bodies that are not JSON this is the whole body as lossy UTF-8 text.
    pub fn error_msg(&self) -> Option<&str> {
        self.error_msg.as_deref()
    }

    /// The `error_ext_msg` field, if present and not `null`.
    pub fn error_ext_msg(&self) -> Option<&str> {
        self.error_ext_msg.as_deref()
    }

    /// The body's own `request_id` field (API gateways send one).
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }

    /// The `encoded_authorization_message` field, if present.
    pub fn encoded_authorization_message(&self) -> Option<&str> {
        self.encoded_authorization_message.as_deref()
    }

    /// Which shape the body had.
    pub fn shape(&self) -> BodyShape {
        self.shape
    }

    /// The fields among `error_code`, `error_msg` and `error_ext_msg` whose
    /// values exceed their documented limits (the values are kept whole).
    pub fn violations(&self) -> &[LimitViolation] {
        &self.violations
    }

    /// The start of the raw body: at most [`RAW_BODY_KEEP_BYTES`] bytes.
    pub fn raw(&self) -> &[u8] {
        &self.raw
    }

    /// `true` when [`raw`](Self::raw) is not the whole body: either the
    /// transport cut it, or it was longer than [`RAW_BODY_KEEP_BYTES`].
    pub fn raw_truncated(&self) -> bool {
        self.raw_truncated
    }

    /// `true` when the error code arrived as a JSON number.
    pub fn code_was_number(&self) -> bool {
        self.code_was_number
    }
}

fn check_field(field: &'static str, value: &str, max: usize) -> Result<(), ValidationError> {
    let actual = value.chars().count();
    if actual > max {
        return Err(ValidationError::new(
            field,
            Rule::FieldTooLong { max, actual },
        ));
    }
    Ok(())
}

/// A DCS error body as the service writes it. The fields are private, so the only way to
/// build one is through [`DcsErrorBody::new`] and [`DcsErrorBody::with_ext_msg`], which
/// enforce the documented limits.
///
/// Serialises as `{"error_code":..,"error_msg":..,"error_ext_msg":..}`, with
/// `error_ext_msg` written as `null` when it is `None`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DcsErrorBody {
    error_code: String,
    error_msg: String,
    error_ext_msg: Option<String>,
}

impl DcsErrorBody {
    /// The error code, e.g. `DCS.4017` (at most [`ERROR_CODE_MAX_CHARS`] characters).
    pub fn error_code(&self) -> &str {
        &self.error_code
    }
    /// The error message (at most [`ERROR_MSG_MAX_CHARS`] characters).
    pub fn error_msg(&self) -> &str {
        &self.error_msg
    }
    /// Extra detail (at most [`ERROR_EXT_MSG_MAX_CHARS`] characters).
    pub fn error_ext_msg(&self) -> Option<&str> {
        self.error_ext_msg.as_deref()
    }

    /// Builds a body without `error_ext_msg`.
    ///
    /// Fails with [`Rule::FieldTooLong`] naming `error_code` or `error_msg`
    /// when a value is over its documented limit.
    pub fn new(code: impl Into<String>, msg: impl Into<String>) -> Result<Self, ValidationError> {
        let error_code = code.into();
        let error_msg = msg.into();
        check_field("error_code", &error_code, ERROR_CODE_MAX_CHARS)?;
        check_field("error_msg", &error_msg, ERROR_MSG_MAX_CHARS)?;
        Ok(Self {
            error_code,
            error_msg,
            error_ext_msg: None,
        })
    }

    /// Sets `error_ext_msg`, failing with [`Rule::FieldTooLong`] naming
    /// `error_ext_msg` when it is over its documented limit.
    pub fn with_ext_msg(self, ext: impl Into<String>) -> Result<Self, ValidationError> {
        let ext = ext.into();
        check_field("error_ext_msg", &ext, ERROR_EXT_MSG_MAX_CHARS)?;
        Ok(Self {
            error_ext_msg: Some(ext),
            ..self
        })
    }

    /// The body as compact JSON bytes.
    pub fn to_json(&self) -> Vec<u8> {
        // Serialising plain strings cannot fail.
        serde_json::to_vec(self).unwrap_or_default()
    }
}

/// An API-gateway error body (`{error_msg, error_code, request_id}`).
///
/// Gateway codes such as `APIGW.0301` are not bound by the DCS limits, so
/// nothing is checked here.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GatewayErrorBody {
    /// The gateway error code, e.g. `APIGW.0301`.
    pub error_code: String,
    /// The error message.
    pub error_msg: String,
    /// The gateway's request id.
    pub request_id: String,
}

impl GatewayErrorBody {
    /// The body as compact JSON bytes.
    pub fn to_json(&self) -> Vec<u8> {
        // Serialising plain strings cannot fail.
        serde_json::to_vec(self).unwrap_or_default()
    }
}

/// At most this many characters of a text are shown by `Debug`.
const DEBUG_TEXT_CHARS: usize = 256;

/// A text for `Debug`: whole when short, else a prefix and the full length.
struct Abbrev<'a>(Option<&'a str>);

impl fmt::Debug for Abbrev<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            None => f.write_str("None"),
            Some(t) if t.chars().count() <= DEBUG_TEXT_CHARS => write!(f, "{t:?}"),
            Some(t) => {
                let head: String = t.chars().take(DEBUG_TEXT_CHARS).collect();
                write!(f, "{head:?}... ({} characters)", t.chars().count())
            }
        }
    }
}

impl fmt::Debug for ErrorBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let raw_text = String::from_utf8_lossy(&self.raw);
        f.debug_struct("ErrorBody")
            .field("error_code", &Abbrev(self.error_code.as_deref()))
            .field("error_msg", &Abbrev(self.error_msg.as_deref()))
            .field("error_ext_msg", &Abbrev(self.error_ext_msg.as_deref()))
            .field("request_id", &Abbrev(self.request_id.as_deref()))
            .field(
                "encoded_authorization_message",
                &Abbrev(self.encoded_authorization_message.as_deref()),
            )
            .field("shape", &self.shape)
            .field("violations", &self.violations)
            .field("raw", &Abbrev(Some(&raw_text)))
            .field("raw_len", &self.raw.len())
            .field("raw_truncated", &self.raw_truncated)
            .field("code_was_number", &self.code_was_number)
            .finish()
    }
}

#[cfg(test)]
mod debug_tests {
    use super::*;

    #[test]
    fn debug_output_is_bounded_but_accessors_are_whole() {
        let big = format!(
            r#"{{"error_code":"DCS.5000","error_msg":"{}"}}"#,
            "m".repeat(50_000)
        );
        let body = ErrorBody::parse(big.as_bytes(), false);
        let dbg = format!("{body:?}");
        assert!(dbg.len() < 2_000, "{} bytes of Debug", dbg.len());
        assert!(dbg.contains("(50000 characters)"));
        assert!(dbg.contains("DCS.5000"));
        assert_eq!(body.error_msg().map(str::len), Some(50_000));
    }
}
