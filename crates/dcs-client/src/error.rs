//! The one error type of every DCS operation.

use dcs_config::ProjectIdError;
use dcs_model::codes::{self, ErrorClass};
use dcs_model::{DecodeError, ErrorBody, ValidationError};
use dcs_transport::{BodyState, ConfigError, ProviderError, Response, TransportError};
use std::error::Error as _;
use std::fmt;

/// What kind of failure, for matching. More kinds may be added.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The caller's input was refused before anything was sent.
    InvalidInput,
    /// The client could not be configured (endpoint, credentials, TLS).
    Config,
    /// The service answered with an error status.
    Service,
    /// No usable HTTP answer arrived (connect failure, reset, timeout).
    Transport,
    /// The service answered with success, but the body could not be read whole (too large,
    /// interrupted, timed out). The request was applied.
    IncompleteResponse,
    /// The service answered with success, but the body is not what the API documents (not
    /// JSON, or a value that cannot be read as its documented type). The request was applied;
    /// the raw body is kept.
    Decode,
    /// The work an operation started did not finish well: a failure state, a resource that
    /// disappeared, or the wait's budget ran out (see [`Error::wait_error`]).
    Wait,
    /// The service's pages cannot be trusted: a page repeated an earlier one (the service
    /// ignored `offset`), or more pages came than its reported total allows. Paging stopped;
    /// the items handed out before are as the service sent them.
    Paging,
}

/// Why an operation failed. Accessors tell what is known; predicates answer the usual
/// questions. Foreign types (hyper, serde) never appear here.
pub struct Error {
    operation: &'static str,
    repr: Box<Repr>,
}

enum Repr {
    Invalid(ValidationError),
    /// Configuration that could not be loaded or resolved (a variable, a file); nothing was
    /// sent to the service.
    Setup {
        message: String,
    },
    /// No project id: none configured, or the IAM lookup failed (a timeout there is a
    /// timeout). Nothing was sent to the service.
    Project(ProjectIdError),
    /// No credentials anywhere: every source of the chain was skipped (each with why).
    /// Nothing was sent.
    NoCredentials(ProviderError),
    Config(ConfigError),
    Service(ServiceError),
    Transport {
        error: TransportError,
        /// The last HTTP answer's body, when an earlier attempt got one.
        last_body: Option<ErrorBody>,
    },
    /// A 2xx whose body could not be read whole.
    Incomplete(Response),
    /// A 2xx whose body could not be decoded.
    Decode {
        response: Response,
        error: DecodeError,
    },
    /// A wait for asynchronous work that ended badly.
    Wait(crate::waiter::WaitError),
    /// Pages that do not add up (a repeated page, too many pages); the answer is the page
    /// that showed it.
    Paging {
        message: String,
        response: Response,
    },
}

/// An error answer from the service, kept whole: the HTTP answer and its parsed body.
#[derive(Clone)]
pub struct ServiceError {
    response: Response,
    body: ErrorBody,
}

impl ServiceError {
    /// The parsed body (code, message, shape, limit violations, raw bytes).
    pub fn body(&self) -> &ErrorBody {
        &self.body
    }
}

impl fmt::Debug for ServiceError {
    /// Bounded: the body's own Debug abbreviates, and the raw answer is not repeated.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let r = &self.response;
        f.debug_struct("ServiceError")
            .field("status", &r.status())
            .field("request_id", &r.request_id())
            .field("attempts", &r.attempts())
            .field("body_state", &r.body_state())
            .field("outcome_uncertain", &r.outcome_uncertain())
            .field("body", &self.body)
            .finish()
    }
}

/// An answer's body, parsed (and flagged as partial when it was not read whole).
///
/// The transport already replaced our secrets byte for byte in the raw body, but a server
/// may echo one inside a JSON string with escapes (`\/`, `\u00XX`) that only decoding undoes.
/// So every decoded string is redacted too; when that changes anything, the body is written
/// again from the redacted values, so neither the fields nor the raw bytes kept for
/// diagnostics hold the secret.
fn parse_body(r: &Response) -> ErrorBody {
    let partial = r.body_state() != BodyState::Complete;
    if let Ok(mut v) = serde_json::from_slice::<serde_json::Value>(r.body()) {
        if redact_json(&mut v, r) {
            if let Ok(bytes) = serde_json::to_vec(&v) {
                return ErrorBody::parse(&bytes, partial);
            }
        }
    }
    ErrorBody::parse(r.body(), partial)
}

/// Redacts every string (keys too) in `v`; whether anything changed.
fn redact_json(v: &mut serde_json::Value, r: &Response) -> bool {
    use serde_json::Value;
    match v {
        Value::String(s) => match r.redact_text(s) {
            std::borrow::Cow::Owned(clean) => {
                *s = clean;
                true
            }
            std::borrow::Cow::Borrowed(_) => false,
        },
        Value::Array(a) => a.iter_mut().fold(false, |c, x| redact_json(x, r) | c),
        Value::Object(m) => {
            let mut changed = false;
            let entries: Vec<(String, Value)> = std::mem::take(m).into_iter().collect();
            for (k, mut x) in entries {
                changed |= redact_json(&mut x, r);
                let k = match r.redact_text(&k) {
                    std::borrow::Cow::Owned(clean) => {
                        changed = true;
                        clean
                    }
                    std::borrow::Cow::Borrowed(_) => k,
                };
                m.insert(k, x);
            }
            changed
        }
        _ => false,
    }
}

/// The longest piece of server text `Display` shows of one field.
const SHOWN_CHARS: usize = 300;

/// Writes server-controlled text on one line: control characters (CR, LF, ESC...) escaped so
/// a server cannot forge log lines or drive the terminal, and at most [`SHOWN_CHARS`]
/// characters (the accessors keep the whole value).
pub(crate) fn write_server_text(f: &mut dyn fmt::Write, text: &str) -> fmt::Result {
    for c in text.chars().take(SHOWN_CHARS) {
        if c.is_control() || is_invisible_format(c) {
            write!(f, "{}", c.escape_unicode())?;
        } else {
            f.write_char(c)?;
        }
    }
    if text.chars().nth(SHOWN_CHARS).is_some() {
        write!(f, "... ({} characters in all)", text.chars().count())?;
    }
    Ok(())
}

/// Characters that are not control characters but can still hide or reorder what a terminal
/// shows: line and paragraph separators, zero-width characters, every bidirectional
/// embedding, override, isolate and mark, and the byte-order mark.
fn is_invisible_format(c: char) -> bool {
    matches!(
        c,
        '\u{061c}'
            | '\u{200b}'..='\u{200f}'
            | '\u{2028}'..='\u{202e}'
            | '\u{2060}'..='\u{2069}'
            | '\u{feff}'
    )
}

/// Server-controlled text made safe to print on one line: control characters (CR, LF, ESC...)
/// escaped, and at most 300 characters, with the full length said when it was cut.
pub fn sanitize(text: &str) -> String {
    let mut s = String::new();
    let _ = write_server_text(&mut s, text);
    s
}

/// The `X-Request-Id` header, else the body's `request_id`.
fn request_id<'a>(r: &'a Response, body: Option<&'a ErrorBody>) -> Option<&'a str> {
    r.request_id().or(body.and_then(|b| b.request_id()))
}

impl Error {
    pub(crate) fn invalid(operation: &'static str, e: ValidationError) -> Self {
        Self {
            operation,
            repr: Box::new(Repr::Invalid(e)),
        }
    }
    pub(crate) fn load(operation: &'static str, e: impl fmt::Display) -> Self {
        Self {
            operation,
            repr: Box::new(Repr::Setup {
                message: e.to_string(),
            }),
        }
    }
    pub(crate) fn project(operation: &'static str, e: ProjectIdError) -> Self {
        Self {
            operation,
            repr: Box::new(Repr::Project(e)),
        }
    }
    /// For a failed IAM project lookup: IAM's trace id, for a support case.
    pub fn iam_trace_id(&self) -> Option<&str> {
        match &*self.repr {
            Repr::Project(e) => e.iam_trace_id(),
            _ => None,
        }
    }
    pub(crate) fn decode(operation: &'static str, response: Response, error: DecodeError) -> Self {
        Self {
            operation,
            repr: Box::new(Repr::Decode { response, error }),
        }
    }
    pub(crate) fn config(operation: &'static str, e: ConfigError) -> Self {
        Self {
            operation,
            repr: Box::new(Repr::Config(e)),
        }
    }
    /// An error answer.
    pub(crate) fn service(operation: &'static str, response: Response) -> Self {
        let body = parse_body(&response);
        Self {
            operation,
            repr: Box::new(Repr::Service(ServiceError { response, body })),
        }
    }
    pub(crate) fn transport(operation: &'static str, error: TransportError) -> Self {
        // The credentials chain found nothing: a configuration problem, not the network's.
        if error.kind() == dcs_transport::TransportErrorKind::Credentials {
            if let Some(p @ ProviderError::NoneFound { .. }) = error
                .source()
                .and_then(|s| s.downcast_ref::<ProviderError>())
            {
                return Self {
                    operation,
                    repr: Box::new(Repr::NoCredentials(p.clone())),
                };
            }
        }
        let last_body = error.last_answer().map(parse_body);
        Self {
            operation,
            repr: Box::new(Repr::Transport { error, last_body }),
        }
    }
    /// A wait that ended badly.
    pub(crate) fn wait(operation: &'static str, e: crate::waiter::WaitError) -> Self {
        Self {
            operation,
            repr: Box::new(Repr::Wait(e)),
        }
    }
    /// Pages that do not add up: `message` says how; `response` is the page that showed it.
    pub(crate) fn paging(operation: &'static str, message: String, response: Response) -> Self {
        Self {
            operation,
            repr: Box::new(Repr::Paging { message, response }),
        }
    }
    /// A success answer whose body could not be read whole.
    pub(crate) fn incomplete(operation: &'static str, response: Response) -> Self {
        Self {
            operation,
            repr: Box::new(Repr::Incomplete(response)),
        }
    }

    /// The kind of failure.
    pub fn kind(&self) -> ErrorKind {
        match &*self.repr {
            Repr::Invalid(_) => ErrorKind::InvalidInput,
            Repr::Config(_) | Repr::Setup { .. } | Repr::NoCredentials(_) => ErrorKind::Config,
            // IAM did not answer: the network's failure, like any call's.
            Repr::Project(e) if e.transport_error().is_some() => ErrorKind::Transport,
            Repr::Project(_) => ErrorKind::Config,
            Repr::Service(_) => ErrorKind::Service,
            // A request that could not be built or signed never left: that is about the
            // input, not the network.
            Repr::Transport { error, .. }
                if error.kind() == dcs_transport::TransportErrorKind::InvalidRequest =>
            {
                ErrorKind::InvalidInput
            }
            Repr::Transport { .. } => ErrorKind::Transport,
            Repr::Incomplete { .. } => ErrorKind::IncompleteResponse,
            Repr::Decode { .. } => ErrorKind::Decode,
            Repr::Paging { .. } => ErrorKind::Paging,
            Repr::Wait(_) => ErrorKind::Wait,
        }
    }

    /// How a wait for asynchronous work ended badly, when this error is one.
    pub fn wait_error(&self) -> Option<&crate::waiter::WaitError> {
        match &*self.repr {
            Repr::Wait(w) => Some(w),
            _ => None,
        }
    }
    /// A wait's budget ran out before the work finished.
    pub fn is_wait_timeout(&self) -> bool {
        matches!(
            self.wait_error().map(|w| w.failure()),
            Some(crate::waiter::WaitFailure::TimedOut { .. })
        )
    }
    /// The failure state a wait ended on (`CREATEFAILED`, `FAIL`, `failed`, ...), if it did.
    pub fn failure_state(&self) -> Option<&str> {
        match self.wait_error().map(|w| w.failure()) {
            Some(crate::waiter::WaitFailure::FailureState { state }) => Some(state),
            _ => None,
        }
    }

    /// The operation that failed, e.g. `DeleteCenterTask`.
    pub fn operation(&self) -> &'static str {
        self.operation
    }

    /// The HTTP status of the last answer, if one arrived.
    pub fn status(&self) -> Option<u16> {
        match &*self.repr {
            Repr::Service(s) => Some(s.response.status()),
            Repr::Transport { error, .. } => error.last_status(),
            Repr::Incomplete(r) => Some(r.status()),
            Repr::Decode { response, .. } | Repr::Paging { response, .. } => {
                Some(response.status())
            }
            _ => None,
        }
    }

    /// The service's error code (`DCS.4001`, `APIGW.0301`...), exactly as sent. For a
    /// transport failure after retries: the code of the last answer an earlier attempt got.
    pub fn error_code(&self) -> Option<&str> {
        self.error_body().and_then(|b| b.error_code())
    }

    /// The service's error message, exactly as sent (for a non-JSON body: its text). For a
    /// transport failure after retries: the message of the last answer an earlier attempt got.
    pub fn error_msg(&self) -> Option<&str> {
        self.error_body().and_then(|b| b.error_msg())
    }

    /// The parsed body of the service's last error answer, if there was one.
    pub fn error_body(&self) -> Option<&ErrorBody> {
        match &*self.repr {
            Repr::Service(s) => Some(&s.body),
            Repr::Transport { last_body, .. } => last_body.as_ref(),
            _ => None,
        }
    }

    /// The request id: the `X-Request-Id` header, else the body's `request_id`.
    pub fn request_id(&self) -> Option<&str> {
        match &*self.repr {
            Repr::Service(s) => request_id(&s.response, Some(&s.body)),
            Repr::Transport { error, last_body } => error
                .last_answer()
                .and_then(|r| request_id(r, last_body.as_ref())),
            Repr::Incomplete(r) => r.request_id(),
            Repr::Decode { response, .. } | Repr::Paging { response, .. } => response.request_id(),
            _ => None,
        }
    }

    /// For a success whose body could not be decoded: the raw body as received.
    pub fn raw_body(&self) -> Option<&[u8]> {
        match &*self.repr {
            Repr::Decode { response, .. } | Repr::Incomplete(response) => Some(response.body()),
            _ => None,
        }
    }

    /// The whole service error, when the service answered with one.
    pub fn service_error(&self) -> Option<&ServiceError> {
        match &*self.repr {
            Repr::Service(s) => Some(s),
            _ => None,
        }
    }

    /// The validation failure, when the input was refused.
    pub fn validation_error(&self) -> Option<&ValidationError> {
        match &*self.repr {
            Repr::Invalid(v) => Some(v),
            _ => None,
        }
    }

    /// Attempts made (0 when nothing was sent).
    pub fn attempts(&self) -> u32 {
        match &*self.repr {
            Repr::Service(s) => s.response.attempts(),
            Repr::Transport { error, .. } => error.attempts(),
            Repr::Incomplete(r) => r.attempts(),
            Repr::Decode { response, .. } | Repr::Paging { response, .. } => response.attempts(),
            _ => 0,
        }
    }

    /// Any 404 answer except the API gateway's "no such API" (`APIGW.0101`, a wrong region,
    /// endpoint or path; see [`is_no_such_api`](Self::is_no_such_api)).
    ///
    /// This is broad: an HTML 404 from a proxy in front of the endpoint, or another DCS code
    /// (`DCS.4022`: the *instance* does not exist) count too. To decide that the resource a
    /// call named is gone (a delete that finds nothing to delete), use
    /// [`is_dcs_not_found`](Self::is_dcs_not_found).
    pub fn is_not_found(&self) -> bool {
        self.status_is(404) && self.service_error().is_some() && !self.is_no_such_api()
    }
    /// The service said the resource the call named does not exist: a 404 whose body is a
    /// DCS error body (top-level `error_code`, read whole) carrying
    /// [`codes::NOT_FOUND`] (`DCS.4001`), the code the API reference documents for a
    /// missing resource and the Task Center sends for a task that is not there. For a
    /// delete, this is the one answer that means "already gone".
    ///
    /// Not true for an HTML or plain-text 404 (a proxy, a wrong endpoint), a 404 without a
    /// code, the gateway's `APIGW.0101`, or any other code (`DCS.4022`: the instance does
    /// not exist): those are failures to report with their status, code and body.
    pub fn is_dcs_not_found(&self) -> bool {
        let Some(s) = self.service_error() else {
            return false;
        };
        s.response.status() == 404
            && s.response.body_state() == BodyState::Complete
            && s.body.shape() == dcs_model::BodyShape::Standard
            && s.body.error_code() == Some(codes::NOT_FOUND)
    }
    /// The API gateway's 404 `APIGW.0101`: no API at this path on this endpoint (a wrong
    /// region or endpoint, usually).
    pub fn is_no_such_api(&self) -> bool {
        self.service_error().is_some() && self.error_code() == Some(codes::GATEWAY_API_NOT_FOUND)
    }
    /// Whether the service's error code is `code` (e.g. [`codes::TASK_STILL_RUNNING`]).
    pub fn error_code_is(&self, code: &str) -> bool {
        self.error_code() == Some(code)
    }
    /// 401 (bad signature, unknown AK, expired signature...).
    pub fn is_unauthorized(&self) -> bool {
        self.status_is(401) && self.service_error().is_some()
    }
    /// 403.
    pub fn is_forbidden(&self) -> bool {
        self.status_is(403) && self.service_error().is_some()
    }
    /// 429 or the gateway's throttling code `APIGW.0308`.
    pub fn is_throttled(&self) -> bool {
        self.service_error().is_some()
            && (self.status_is(429) || self.error_code() == Some(codes::GATEWAY_THROTTLED))
    }
    /// 5xx from the service.
    pub fn is_server_error(&self) -> bool {
        self.service_error()
            .is_some_and(|s| s.response.status() >= 500)
    }
    /// `DCS.4017`: the task is still running.
    pub fn is_task_running(&self) -> bool {
        self.error_code() == Some(codes::TASK_STILL_RUNNING)
    }
    /// What the service's error code means, from the API reference's appendix
    /// (`codegen/errors.toml`): status, meaning, what to do, and its class. `None` when there
    /// is no code or it is not a documented one.
    pub fn code_info(&self) -> Option<&'static dcs_model::codes::CodeInfo> {
        self.service_error()?;
        dcs_model::codes::describe(self.error_code()?)
    }
    /// The instance does not exist (a documented "no such instance" code, such as
    /// [`codes::INSTANCE_NOT_FOUND`]). Not true for another resource's absence, a proxy's
    /// HTML 404 or the gateway's "no such API".
    pub fn is_instance_not_found(&self) -> bool {
        self.class() == Some(ErrorClass::InstanceNotFound)
    }
    /// Another DCS resource (a backup, an analysis, a migration task, a template...) does not
    /// exist, by its documented code.
    pub fn is_resource_not_found(&self) -> bool {
        self.class() == Some(ErrorClass::ResourceNotFound)
    }
    /// The instance is not RUNNING, or another operation or task runs on it (a documented
    /// "busy" code such as [`codes::INSTANCE_STATE_NOT_ALLOWED`]): wait until it is RUNNING
    /// and idle, then send again.
    pub fn is_instance_busy(&self) -> bool {
        self.class() == Some(ErrorClass::InstanceBusy)
    }
    /// A quota would be exceeded, by its documented code.
    pub fn is_quota_exceeded(&self) -> bool {
        self.class() == Some(ErrorClass::QuotaExceeded)
    }

    fn class(&self) -> Option<ErrorClass> {
        self.code_info()?.class
    }

    /// A timeout fired (of a call, or of the IAM project lookup before it).
    pub fn is_timeout(&self) -> bool {
        match &*self.repr {
            Repr::Transport { error, .. } => error.is_timeout(),
            Repr::Project(e) => e.is_timeout(),
            Repr::Incomplete(r) => r.body_state() == BodyState::TimedOut,
            _ => false,
        }
    }
    /// No connection could be made (for a call, or for the IAM project lookup before it).
    pub fn is_connect(&self) -> bool {
        match &*self.repr {
            Repr::Transport { error, .. } => error.is_connect(),
            Repr::Project(e) => e.transport_error().is_some_and(TransportError::is_connect),
            _ => false,
        }
    }
    /// No credentials were found anywhere: the error lists every source looked at and why
    /// it had none. Nothing was sent.
    pub fn is_no_credentials(&self) -> bool {
        matches!(&*self.repr, Repr::NoCredentials(_))
    }
    /// The caller's input was refused; nothing was sent.
    pub fn is_invalid_input(&self) -> bool {
        self.kind() == ErrorKind::InvalidInput
    }
    /// The answer's body was larger than the configured cap and was cut.
    pub fn is_body_too_large(&self) -> bool {
        match &*self.repr {
            Repr::Service(s) => s.response.body_state() == BodyState::Truncated,
            Repr::Incomplete(r) => r.body_state() == BodyState::Truncated,
            _ => false,
        }
    }
    /// Whether the request may have been applied although this error is reported: an earlier
    /// attempt may have reached the server (so a final 404 may be our own earlier success),
    /// the status may come after the service acted (500, 502, 503, 504), the request may
    /// have been sent before the connection failed, or the service said 2xx but its body was
    /// cut or unreadable (then it was applied: see [`was_applied`](Self::was_applied)).
    pub fn is_outcome_uncertain(&self) -> bool {
        match &*self.repr {
            Repr::Service(s) => s.response.outcome_uncertain(),
            Repr::Transport { error, .. } => error.may_have_been_applied(),
            Repr::Incomplete(_) | Repr::Decode { .. } => true,
            _ => false,
        }
    }
    /// The service answered 2xx, so the request was applied, although its answer could not be
    /// read whole or decoded.
    pub fn was_applied(&self) -> bool {
        matches!(&*self.repr, Repr::Incomplete(_) | Repr::Decode { .. })
    }
    /// Whether sending the same request again is worth trying: a throttle, a 5xx, a timeout or
    /// a connection failure. (Whether it is *safe* depends on the operation: see
    /// `OperationMeta::retry_safe`.)
    pub fn is_retryable(&self) -> bool {
        self.is_throttled() || self.is_server_error() || self.is_timeout() || self.is_connect()
    }
    /// A header of the last answer (as text), if one arrived and carried it.
    pub fn header(&self, name: &str) -> Option<&str> {
        let r = match &*self.repr {
            Repr::Service(s) => Some(&s.response),
            Repr::Transport { error, .. } => error.last_answer(),
            Repr::Incomplete(r) => Some(r),
            Repr::Decode { response, .. } => Some(response),
            _ => None,
        }?;
        r.headers().get(name).and_then(|v| v.to_str().ok())
    }
    /// A 401 caused by the local clock: the gateway's "signature expired" answer
    /// (`APIGW.0301`) with a plausible measure of the offset, from the message's two times or
    /// the server's `Date`. A server date that is no use (1970, 9999, more than a year from
    /// ours) measures nothing, so it is not called clock skew: exactly when
    /// [`clock_skew_secs`](Self::clock_skew_secs) is `Some`.
    pub fn is_clock_skew(&self) -> bool {
        self.clock_skew_secs().is_some()
    }
    /// For a clock-skew 401: server time minus our signing time, in seconds (positive: our
    /// clock is behind). Taken from the message when it names both times
    /// (`signature time:..,server time:..`), else from the server's `Date` header.
    pub fn clock_skew_secs(&self) -> Option<i64> {
        self.clock_skew()?.secs()
    }

    fn clock_skew(&self) -> Option<dcs_transport::ClockSkew> {
        let s = self.service_error()?;
        s.response
            .clock_skew_for(s.body.error_code(), s.body.error_msg())
    }

    fn status_is(&self, s: u16) -> bool {
        self.status() == Some(s)
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Error");
        d.field("operation", &self.operation)
            .field("kind", &self.kind());
        match &*self.repr {
            Repr::Invalid(v) => d.field("validation", v),
            Repr::Config(c) => d.field("config", c),
            Repr::Setup { message } => d.field("setup", message),
            Repr::Project(e) => d.field("project", e),
            Repr::NoCredentials(e) => d.field("credentials", e),
            Repr::Service(s) => d.field("service", s),
            Repr::Transport { error, last_body } => {
                d.field("transport", error).field("last_body", last_body)
            }
            Repr::Incomplete(r) => d
                .field("status", &r.status())
                .field("request_id", &r.request_id())
                .field("body_state", &r.body_state())
                .field("body_prefix_len", &r.body().len())
                .field("attempts", &r.attempts()),
            Repr::Decode { response, error } => d
                .field("status", &response.status())
                .field("request_id", &response.request_id())
                .field("decode", error)
                .field("body_len", &response.body().len()),
            Repr::Wait(w) => d.field("wait", w),
            Repr::Paging { message, response } => d
                .field("paging", message)
                .field("request_id", &response.request_id()),
        };
        d.finish()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} failed: ", self.operation)?;
        match &*self.repr {
            Repr::Invalid(v) => write!(f, "{v} (nothing was sent)"),
            Repr::Config(c) => write!(f, "{c}"),
            Repr::Setup { message } => write!(f, "{message} (nothing was sent)"),
            Repr::NoCredentials(e) => write!(f, "{e} (nothing was sent)"),
            Repr::Project(e) => {
                write!(f, "no project id: {e} (nothing was sent)")?;
                if let Some(t) = e.iam_trace_id() {
                    f.write_str(" (IAM trace id ")?;
                    write_server_text(f, t)?;
                    f.write_str(")")?;
                }
                Ok(())
            }
            Repr::Service(s) => {
                let r = &s.response;
                write!(f, "HTTP {}", r.status())?;
                if let Some(c) = s.body.error_code() {
                    f.write_str(" ")?;
                    write_server_text(f, c)?;
                }
                if let Some(m) = s.body.error_msg() {
                    f.write_str(": ")?;
                    write_server_text(f, m)?;
                }
                if let Some(id) = self.request_id() {
                    f.write_str(" (request id ")?;
                    write_server_text(f, id)?;
                    f.write_str(")")?;
                }
                if let Some(info) = self.code_info() {
                    write!(f, " [{}: {}", info.code, info.meaning)?;
                    if let Some(a) = info.action {
                        write!(f, " {a}")?;
                    }
                    f.write_str("]")?;
                }
                if r.attempts() > 1 {
                    write!(f, " after {} attempts", r.attempts())?;
                }
                if r.prior_attempt_may_have_applied() {
                    write!(
                        f,
                        "; an earlier attempt may have been applied, so the outcome is uncertain"
                    )?;
                } else if r.outcome_uncertain() {
                    write!(
                        f,
                        "; a {} may come after the service acted, so the outcome is uncertain",
                        r.status()
                    )?;
                }
                if r.body_state() != BodyState::Complete {
                    write!(
                        f,
                        "; the response body was not read whole ({:?})",
                        r.body_state()
                    )?;
                }
                if self.is_no_such_api() {
                    f.write_str(
                        "; the gateway knows no such API here: check the region and endpoint",
                    )?;
                }
                if self.is_clock_skew() {
                    f.write_str("; the local clock is off: synchronise it (NTP)")?;
                }
                Ok(())
            }
            Repr::Transport { error, last_body } => {
                write!(f, "{error}")?;
                if let Some(code) = last_body.as_ref().and_then(|b| b.error_code()) {
                    f.write_str("; the last answer before that was ")?;
                    write_server_text(f, code)?;
                }
                Ok(())
            }
            Repr::Incomplete(r) => {
                write!(
                    f,
                    "the service answered HTTP {}, so the request was applied, but its body could not be read whole ({:?} after {} bytes)",
                    r.status(),
                    r.body_state(),
                    r.body().len()
                )?;
                if let Some(id) = r.request_id() {
                    f.write_str(" (request id ")?;
                    write_server_text(f, id)?;
                    f.write_str(")")?;
                }
                Ok(())
            }
            Repr::Decode { response, error } => {
                write!(
                    f,
                    "the service answered HTTP {}, so the request was applied, but its body ({} bytes) is not what the API documents: ",
                    response.status(),
                    response.body().len()
                )?;
                write_server_text(f, error.message())
            }
            Repr::Wait(w) => write!(f, "{w}"),
            Repr::Paging { message, response } => {
                f.write_str(message)?;
                if let Some(id) = response.request_id() {
                    f.write_str(" (last request id ")?;
                    write_server_text(f, id)?;
                    f.write_str(")")?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &*self.repr {
            Repr::Invalid(v) => Some(v),
            Repr::Config(c) => Some(c),
            Repr::Transport { error, .. } => Some(error),
            Repr::Project(e) => Some(e),
            Repr::NoCredentials(e) => Some(e),
            _ => None,
        }
    }
}
