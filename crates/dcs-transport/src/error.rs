//! What can go wrong: a configuration that cannot be used ([`ConfigError`]), and a request
//! that got no usable HTTP answer ([`TransportError`]).
//!
//! Every error says whether the request may have reached the server, how many attempts were
//! made, and (when an earlier attempt got an answer) the last status seen. No hyper or other
//! foreign type appears in this API; the underlying cause is reachable through
//! [`std::error::Error::source`] as a type-erased error.

use crate::response::Response;
use std::fmt;

/// Why an endpoint or configuration was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The endpoint is not a URL we can send to.
    #[error("invalid endpoint {url:?}: {reason}")]
    InvalidEndpoint {
        /// The URL as given, its password redacted (bounded).
        url: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// An endpoint without `http://` or `https://`. Never guessed: the message says how to
    /// write it.
    #[error(
        "endpoint {url:?} has no scheme: write https://{url} (or http://{url} for a local \
         emulator on plain HTTP)"
    )]
    MissingScheme {
        /// The URL as given, its password redacted (bounded).
        url: String,
    },
    /// `http://` to a host that is not loopback, without the explicit opt-in.
    #[error(
        "refusing plain http to non-loopback host {host:?}: use https, or opt in with allow_insecure_http"
    )]
    InsecureHttp {
        /// The host.
        host: String,
    },
    /// The credentials cannot be sent.
    #[error("invalid credentials: {0}")]
    Credentials(#[from] crate::credentials::CredentialsError),
    /// A proxy URL cannot be used (the password, if any, is not repeated).
    #[error("invalid proxy {url:?}: {reason}")]
    InvalidProxy {
        /// The URL as given, its password redacted (bounded).
        url: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A configuration value is out of range.
    #[error("invalid configuration: {0}")]
    Invalid(&'static str),
    /// The TLS stack could not be set up.
    #[error("TLS setup failed: {0}")]
    Tls(String),
}

/// Which timeout fired.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TimeoutKind {
    /// Opening the connection took too long.
    Connect,
    /// One attempt (sending, the response head, or the body) took too long.
    Attempt,
    /// The whole call, retries included, ran out of time.
    Total,
}

/// What kind of failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransportErrorKind {
    /// The request could not be built or signed; nothing was sent.
    InvalidRequest,
    /// No connection could be made (refused, DNS); nothing was sent.
    Connect,
    /// The TLS handshake failed (certificate not trusted, name mismatch, protocol); nothing
    /// was sent, and trying again will not help.
    Tls,
    /// A timeout fired.
    Timeout(TimeoutKind),
    /// The connection failed after the request may have been sent (reset, closed early, a
    /// malformed response).
    Io,
    /// The credentials provider failed or gave unusable credentials; nothing was sent.
    Credentials,
    /// The call was polled outside a tokio runtime; nothing was sent.
    Runtime,
}

/// A request that got no usable HTTP answer.
pub struct TransportError {
    kind: TransportErrorKind,
    message: String,
    may_have_been_sent: bool,
    attempts: u32,
    prior_attempt_may_have_applied: bool,
    last_answer: Option<Box<Response>>,
    source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

impl TransportError {
    pub(crate) fn new(
        kind: TransportErrorKind,
        message: impl Into<String>,
        may_have_been_sent: bool,
    ) -> Self {
        Self {
            kind,
            message: message.into(),
            may_have_been_sent,
            attempts: 1,
            prior_attempt_may_have_applied: false,
            last_answer: None,
            source: None,
        }
    }

    /// The error for a call polled outside a tokio runtime (timers and sockets need one).
    pub(crate) fn no_runtime() -> Self {
        Self::new(
            TransportErrorKind::Runtime,
            "no tokio runtime: the transport must be polled inside a tokio runtime with time and \
             I/O enabled; nothing was sent",
            false,
        )
    }

    /// Keeps `source` as the cause: any error, or one already boxed.
    pub(crate) fn with_source(
        mut self,
        source: impl Into<Box<dyn std::error::Error + Send + Sync + 'static>>,
    ) -> Self {
        self.source = Some(source.into());
        self
    }

    pub(crate) fn finish(
        mut self,
        attempts: u32,
        prior_applied: bool,
        last_answer: Option<Response>,
    ) -> Self {
        self.attempts = attempts;
        self.prior_attempt_may_have_applied = prior_applied;
        self.last_answer = last_answer.map(Box::new);
        self
    }

    /// The kind of failure.
    pub fn kind(&self) -> TransportErrorKind {
        self.kind
    }

    /// Whether a timeout fired.
    pub fn is_timeout(&self) -> bool {
        matches!(self.kind, TransportErrorKind::Timeout(_))
    }

    /// Which timeout fired, if one did.
    pub fn timeout_kind(&self) -> Option<TimeoutKind> {
        match self.kind {
            TransportErrorKind::Timeout(k) => Some(k),
            _ => None,
        }
    }

    /// Whether no connection could be made.
    pub fn is_connect(&self) -> bool {
        matches!(
            self.kind,
            TransportErrorKind::Connect
                | TransportErrorKind::Tls
                | TransportErrorKind::Timeout(TimeoutKind::Connect)
        )
    }

    /// Whether the last attempt may have reached the server (false only when it certainly
    /// did not: it failed to connect or was never built).
    pub fn may_have_been_sent(&self) -> bool {
        self.may_have_been_sent
    }

    /// Whether this attempt or an earlier one may have been applied by the server.
    pub fn may_have_been_applied(&self) -> bool {
        self.may_have_been_sent || self.prior_attempt_may_have_applied
    }

    /// Attempts made, this one included.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// The status of the last attempt that got an HTTP answer, if any did.
    pub fn last_status(&self) -> Option<u16> {
        self.last_answer.as_ref().map(|r| r.status())
    }

    /// The last HTTP answer an earlier attempt got (status, headers, bounded body, request
    /// id), if any did: retries never lose what the server said.
    pub fn last_answer(&self) -> Option<&Response> {
        self.last_answer.as_deref()
    }

    /// A short description.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Debug for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TransportError")
            .field("kind", &self.kind)
            .field("message", &self.message)
            .field("may_have_been_sent", &self.may_have_been_sent)
            .field("attempts", &self.attempts)
            .field(
                "prior_attempt_may_have_applied",
                &self.prior_attempt_may_have_applied,
            )
            .field("last_status", &self.last_status())
            .field("source", &self.source.as_ref().map(|s| s.to_string()))
            .finish()
    }
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.message)?;
        if self.attempts > 1 {
            write!(f, " (after {} attempts", self.attempts)?;
            if let Some(s) = self.last_status() {
                write!(f, ", last HTTP status {s}")?;
            }
            write!(f, ")")?;
        }
        Ok(())
    }
}

impl std::error::Error for TransportError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}
