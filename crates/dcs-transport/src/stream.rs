//! Streaming responses: a successful body handed to the caller chunk by chunk, never held
//! whole.
//!
//! [`HttpClient::send_streaming`](crate::HttpClient::send_streaming) retries like `send` until
//! response headers arrive. A 2xx then becomes a [`ResponseStream`]; anything else is read
//! (bounded) into an ordinary [`Response`], since error bodies are small and callers decode
//! them the same way either way.

use crate::error::{TimeoutKind, TransportError, TransportErrorKind};
use crate::pool::{Conn, Pool};
use crate::response::Response;
use bytes::Bytes;
use http::HeaderMap;
use http_body_util::BodyExt;
use std::fmt;
use std::time::Duration;

/// What a streaming call got: exactly one of two things, so a `match` needs no catch-all.
#[derive(Debug)]
pub enum Streamed {
    /// A non-2xx answer, its body read up to the response cap.
    Buffered(Response),
    /// A 2xx answer whose body is still to be read.
    Stream(ResponseStream),
}

impl Streamed {
    /// The HTTP status.
    pub fn status(&self) -> u16 {
        match self {
            Streamed::Buffered(r) => r.status(),
            Streamed::Stream(s) => s.status(),
        }
    }

    /// Attempts made to get this answer.
    pub fn attempts(&self) -> u32 {
        match self {
            Streamed::Buffered(r) => r.attempts(),
            Streamed::Stream(s) => s.attempts(),
        }
    }
}

/// The status line and headers of a streamed answer.
pub(crate) struct Head {
    pub(crate) status: u16,
    pub(crate) headers: HeaderMap,
    pub(crate) request_id: Option<String>,
}

/// The timers a stream runs under.
#[derive(Debug, Clone, Copy)]
pub(crate) struct StreamLimits {
    /// The longest wait for one chunk (the attempt timeout).
    pub(crate) chunk_timeout: Duration,
    /// When the call's total time runs out (fixed when the call's last attempt began, from
    /// the time the client's clock left it).
    pub(crate) total_deadline: tokio::time::Instant,
}

enum State {
    /// More may come.
    Reading {
        body: hyper::body::Incoming,
        conn: Conn,
    },
    /// The body ended cleanly.
    Ended,
    /// Reading failed; the connection is gone.
    Failed,
}

/// The body of a successful answer, read with [`next_chunk`](Self::next_chunk).
///
/// Memory stays bounded by the size of one chunk as the connection delivers it (hyper's read
/// buffer), whatever the body's length; the client's response cap does not apply. The
/// connection goes back to the pool only once the body has ended cleanly: dropping the stream
/// before then closes it.
pub struct ResponseStream {
    head: Head,
    attempts: u32,
    prior_attempt_may_have_applied: bool,
    state: State,
    keep_alive: bool,
    pool: Pool,
    limits: StreamLimits,
}

impl fmt::Debug for ResponseStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = match self.state {
            State::Reading { .. } => "reading",
            State::Ended => "ended",
            State::Failed => "failed",
        };
        f.debug_struct("ResponseStream")
            .field("status", &self.head.status)
            .field("request_id", &self.head.request_id)
            .field("attempts", &self.attempts)
            .field("state", &state)
            .finish_non_exhaustive()
    }
}

impl ResponseStream {
    pub(crate) fn new(
        head: Head,
        body: hyper::body::Incoming,
        conn: Conn,
        keep_alive: bool,
        pool: Pool,
        limits: StreamLimits,
    ) -> Self {
        let mut stream = Self {
            head,
            attempts: 1,
            prior_attempt_may_have_applied: false,
            state: State::Reading { body, conn },
            keep_alive,
            pool,
            limits,
        };
        stream.end_if_done();
        stream
    }

    pub(crate) fn set_attempts(&mut self, attempts: u32, prior_applied: bool) {
        self.attempts = attempts;
        self.prior_attempt_may_have_applied = prior_applied;
    }

    /// The HTTP status (2xx).
    pub fn status(&self) -> u16 {
        self.head.status
    }

    /// The response headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.head.headers
    }

    /// The `X-Request-Id` header, if the server sent one.
    pub fn request_id(&self) -> Option<&str> {
        self.head.request_id.as_deref()
    }

    /// Attempts made to get this answer.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// Whether an earlier attempt may have been applied by the server.
    pub fn prior_attempt_may_have_applied(&self) -> bool {
        self.prior_attempt_may_have_applied
    }

    /// The next piece of the body, or `None` once it has ended cleanly.
    ///
    /// Each wait is bounded by the attempt timeout, and all of them by what is left of the
    /// total timeout. A stall or a broken connection is an error that says the request may
    /// have been applied (the server answered 2xx); after an error the stream stays failed.
    pub async fn next_chunk(&mut self) -> Result<Option<Bytes>, TransportError> {
        if tokio::runtime::Handle::try_current().is_err() {
            return Err(TransportError::no_runtime().finish(
                self.attempts,
                self.prior_attempt_may_have_applied,
                None,
            ));
        }
        loop {
            let body = match &mut self.state {
                State::Reading { body, .. } => body,
                State::Ended => return Ok(None),
                State::Failed => {
                    return Err(self.error(
                        TransportErrorKind::Io,
                        "the response stream already failed".into(),
                    ))
                }
            };
            let chunk_deadline = crate::time::timer_after(self.limits.chunk_timeout);
            let (deadline, kind) = if self.limits.total_deadline <= chunk_deadline {
                (self.limits.total_deadline, TimeoutKind::Total)
            } else {
                (chunk_deadline, TimeoutKind::Attempt)
            };
            match tokio::time::timeout_at(deadline, body.frame()).await {
                Err(_) => {
                    self.state = State::Failed;
                    let what = match kind {
                        TimeoutKind::Total => "the total timeout ran out",
                        _ => "no body data within the attempt timeout",
                    };
                    return Err(self.error(
                        TransportErrorKind::Timeout(kind),
                        format!("response body stalled: {what}"),
                    ));
                }
                Ok(None) => {
                    self.finish();
                    return Ok(None);
                }
                Ok(Some(Err(e))) => {
                    self.state = State::Failed;
                    return Err(self
                        .error(
                            TransportErrorKind::Io,
                            format!("the connection failed mid-body: {e}"),
                        )
                        .with_source(e));
                }
                Ok(Some(Ok(frame))) => {
                    // Trailers carry no body bytes: read on.
                    let Ok(data) = frame.into_data() else {
                        continue;
                    };
                    self.end_if_done();
                    if !data.is_empty() {
                        return Ok(Some(data));
                    }
                }
            }
        }
    }

    /// Ends the stream as soon as the body says it has no more (a known length fully read),
    /// so the connection is back in the pool without one more call.
    fn end_if_done(&mut self) {
        if let State::Reading { body, .. } = &self.state {
            if hyper::body::Body::is_end_stream(body) {
                self.finish();
            }
        }
    }

    fn finish(&mut self) {
        if let State::Reading { body, conn } = std::mem::replace(&mut self.state, State::Ended) {
            drop(body);
            if self.keep_alive {
                self.pool.checkin(conn);
            }
        }
    }

    fn error(&self, kind: TransportErrorKind, message: String) -> TransportError {
        TransportError::new(kind, message, true).finish(
            self.attempts,
            self.prior_attempt_may_have_applied,
            None,
        )
    }
}
