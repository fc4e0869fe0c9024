//! One generic send path for every operation: validate, build, sign and send, classify,
//! decode. Everything that does not depend on the operation's types is in non-generic
//! functions, so 137 operations add almost no code to compile.

use crate::{DcsClient, Error};
use dcs_model::operation::{Decode, HttpMethod, Operation, OperationMeta, ResponseKind};
use dcs_model::query::QueryWriter;
use dcs_transport::signer::HEADER_PROJECT_ID;
use dcs_transport::{BodyState, Method, Request, Response, ResponseStream, Streamed};
use std::time::Duration;
use tracing::Instrument;

/// Per-call overrides of the client's configuration.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RequestOptions {
    /// Limit for one attempt (connect, send, headers and body).
    pub attempt_timeout: Option<Duration>,
    /// Limit for the whole call, retries included.
    pub total_timeout: Option<Duration>,
    /// How many bytes of an answer are read before reading stops and the error says the
    /// body was cut (the client's default is 1 MiB).
    pub max_response_bytes: Option<usize>,
    /// Attempts at most (1 means no retry).
    pub max_attempts: Option<u32>,
    /// Whether the request is checked against the reviewed rules before it is sent (the
    /// default). `Some(false)` sends what was set as it is: for the day the service accepts
    /// a value the API reference does not document. The service still checks it.
    pub validate: Option<bool>,
    /// After an "instance busy" refusal (`Error::is_instance_busy`) of an operation that is
    /// safe to send again: wait until the instance is RUNNING and idle, then send again,
    /// within this budget. Off (`None`) by default.
    pub busy_retry: Option<Duration>,
    /// While a busy instance is waited out: the longest pause between two looks at it (the
    /// instance waiter's own when unset).
    pub busy_retry_interval: Option<Duration>,
}

impl RequestOptions {
    /// No overrides.
    pub fn new() -> Self {
        Self::default()
    }
    /// Sets the attempt timeout.
    pub fn attempt_timeout(mut self, d: Duration) -> Self {
        self.attempt_timeout = Some(d);
        self
    }
    /// Sets the total timeout.
    pub fn total_timeout(mut self, d: Duration) -> Self {
        self.total_timeout = Some(d);
        self
    }
    /// Sets the response body cap.
    pub fn max_response_bytes(mut self, n: usize) -> Self {
        self.max_response_bytes = Some(n);
        self
    }
    /// Sets the number of attempts.
    pub fn max_attempts(mut self, n: u32) -> Self {
        self.max_attempts = Some(n);
        self
    }
    /// Waits for a busy instance and sends again, within `budget` (see
    /// [`busy_retry`](Self::busy_retry)).
    pub fn busy_retry(mut self, budget: Duration) -> Self {
        self.busy_retry = Some(budget);
        self
    }
    /// The longest pause between two looks at a busy instance (see
    /// [`busy_retry_interval`](Self::busy_retry_interval)).
    pub fn busy_retry_interval(mut self, d: Duration) -> Self {
        self.busy_retry_interval = Some(d);
        self
    }
    /// Turns the check against the reviewed rules on (the default) or off; off sends what
    /// was set as it is, and only the service checks it.
    pub fn validate(mut self, on: bool) -> Self {
        self.validate = Some(on);
        self
    }
}

/// A successful answer: the decoded value, and what is known about the exchange.
#[derive(Debug, Clone)]
pub struct Output<T> {
    value: T,
    response: Response,
}

impl<T> Output<T> {
    /// The decoded value.
    pub fn value(&self) -> &T {
        &self.value
    }
    /// Takes the decoded value.
    pub fn into_inner(self) -> T {
        self.value
    }
    /// Takes the HTTP answer, for an error that keeps it.
    pub(crate) fn into_response(self) -> Response {
        self.response
    }
    /// The request id (`X-Request-Id`), for support cases.
    pub fn request_id(&self) -> Option<&str> {
        self.response.request_id()
    }
    /// The HTTP status.
    pub fn status(&self) -> u16 {
        self.response.status()
    }
    /// Attempts it took.
    pub fn attempts(&self) -> u32 {
        self.response.attempts()
    }
    /// A header of the answer, as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
    }
    /// The body as received (nothing the decoder ignored is lost).
    pub fn raw_body(&self) -> &[u8] {
        self.response.body()
    }
}

impl<T> std::ops::Deref for Output<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.value
    }
}

/// A call being prepared: the request, per-call options, and a clone of the client.
#[derive(Debug, Clone)]
#[must_use = "nothing is sent until .send().await"]
pub struct CallBuilder<O> {
    client: DcsClient,
    request: O,
    options: RequestOptions,
}

impl<O: Operation> CallBuilder<O> {
    /// A call of `request` on `client`.
    pub fn new(client: DcsClient, request: O) -> Self {
        Self {
            client,
            request,
            options: RequestOptions::default(),
        }
    }
    /// The request as set so far.
    pub fn request(&self) -> &O {
        &self.request
    }
    /// The request, to change it in place.
    pub fn request_mut(&mut self) -> &mut O {
        &mut self.request
    }
    /// Takes the request.
    pub fn into_request(self) -> O {
        self.request
    }
    /// Replaces the per-call options.
    pub fn with_options(mut self, options: RequestOptions) -> Self {
        self.options = options;
        self
    }
    /// The client this call goes through.
    pub fn client(&self) -> &DcsClient {
        &self.client
    }
    pub(crate) fn options(&self) -> &RequestOptions {
        &self.options
    }

    /// Validates, sends, and decodes the answer. Invalid input is refused before any byte is
    /// sent.
    pub async fn send(self) -> Result<Output<O::Output>, Error> {
        send_request(&self.client, &self.request, &self.options).await
    }

    /// Validates and sends, and hands out a successful answer's body as a stream of chunks,
    /// never buffered whole and not cut at the response cap (for `DownloadHotKey`'s export).
    pub async fn send_stream(self) -> Result<ByteStream, Error> {
        let meta = O::META;
        let project = self.client.project_for(meta).await?;
        let req = prepare(&self.request, &self.options, project.as_deref())?;
        let span = tracing::debug_span!("dcs.call", operation = meta.name, stream = true);
        let streamed = self
            .client
            .inner
            .http
            .send_streaming(&req)
            .instrument(span)
            .await
            .map_err(|e| Error::transport(meta.name, e))?;
        match streamed {
            // The transport buffers only non-2xx answers: the service's error.
            Streamed::Buffered(resp) => Err(Error::service(meta.name, resp)),
            Streamed::Stream(inner) => Ok(ByteStream {
                operation: meta.name,
                inner,
                received: 0,
            }),
        }
    }
}

/// The generic part of a call: build, send, then decode into `O::Output`.
pub(crate) async fn send_request<O: Operation>(
    client: &DcsClient,
    request: &O,
    options: &RequestOptions,
) -> Result<Output<O::Output>, Error> {
    let meta = O::META;
    if meta.response_kind == ResponseKind::Stream {
        return Err(Error::invalid(
            meta.name,
            dcs_model::ValidationError::new(
                "send",
                dcs_model::Rule::Shape {
                    message: format!(
                        "{} answers a byte stream: call send_stream() instead of send()",
                        meta.name
                    ),
                },
            ),
        ));
    }
    let project = client.project_for(meta).await?;
    let req = prepare(request, options, project.as_deref())?;
    let resp = match execute(client, meta, &req).await {
        Ok(r) => r,
        Err(e) => match options.busy_retry {
            Some(budget) if e.is_instance_busy() && meta.retry_safe => {
                busy_retry(
                    client,
                    meta,
                    request,
                    &req,
                    budget,
                    options.busy_retry_interval,
                    e,
                )
                .await?
            }
            _ => return Err(e),
        },
    };
    match O::Output::decode(resp.body()) {
        Ok(value) => Ok(Output {
            value,
            response: resp,
        }),
        Err(e) => Err(Error::decode(meta.name, resp, e)),
    }
}

/// After an "instance busy" refusal of a retry-safe operation: waits until the instance is
/// RUNNING and idle, then sends the same request again, as long as the budget lasts. The
/// refusal proves nothing was applied, and only operations whose retry safety was reviewed
/// are ever sent twice. The last refusal is returned when the budget runs out or the request
/// names no instance.
async fn busy_retry<O: Operation>(
    client: &DcsClient,
    meta: &'static OperationMeta,
    request: &O,
    req: &Request,
    budget: Duration,
    interval: Option<Duration>,
    mut last: Error,
) -> Result<Response, Error> {
    let instance = serde_json::to_value(request).ok().and_then(|v| {
        v.get("instance_id")
            .and_then(|x| x.as_str().map(String::from))
    });
    let Some(instance) = instance else {
        return Err(last);
    };
    let clock = client.clock();
    let deadline = clock.monotonic() + budget;
    loop {
        let now = clock.monotonic();
        if now >= deadline {
            return Err(last);
        }
        tracing::debug!(operation = meta.name, instance = %instance, "instance busy: waiting for RUNNING before sending again");
        let mut waiter = client
            .wait_until_instance_running(instance.clone())
            .budget(deadline - now);
        if let Some(i) = interval {
            waiter = waiter.interval(i);
        }
        waiter.wait().await?;
        match execute(client, meta, req).await {
            Ok(r) => return Ok(r),
            Err(e) if e.is_instance_busy() => last = e,
            Err(e) => return Err(e),
        }
    }
}

/// Validates the request and writes it as a transport request. Generic only in the calls it
/// makes on the request; everything else is in [`build`].
fn prepare<O: Operation>(
    request: &O,
    options: &RequestOptions,
    project: Option<&str>,
) -> Result<Request, Error> {
    let meta = O::META;
    if options.validate != Some(false) {
        request
            .validate()
            .map_err(|e| Error::invalid(meta.name, e))?;
    } else {
        // Even unchecked, a path id must not change the route (`a/b`, `..`): that is not the
        // service's rule but the URL's.
        let mut p = dcs_model::validate::Problems::new();
        request.check(&mut p);
        if let Err(e) = p.into_result() {
            if let Some((field, rule)) = e.problems().find(|(f, _)| {
                meta.params.iter().any(|x| {
                    x.location == dcs_model::operation::ParamLocation::Path && x.name == *f
                })
            }) {
                return Err(Error::invalid(
                    meta.name,
                    dcs_model::ValidationError::new(field.to_string(), rule.clone()),
                ));
            }
        }
    }
    let project_in_path = match (meta.has_project_id(), project) {
        (true, Some(p)) => p,
        (true, None) => {
            return Err(Error::config(
                meta.name,
                dcs_transport::ConfigError::Invalid(
                    "a project id is required: set it on the client builder or in HUAWEICLOUD_SDK_PROJECT_ID",
                ),
            ))
        }
        (false, _) => "",
    };
    let mut path = String::with_capacity(meta.path_template.len() + 48);
    request.write_path(project_in_path, &mut path);
    let mut query = QueryWriter::new();
    request.write_query(&mut query);
    Ok(build(
        meta,
        project,
        path,
        query.into_pairs(),
        request.body(),
        options,
    ))
}

fn build(
    meta: &'static OperationMeta,
    project: Option<&str>,
    path: String,
    query: Vec<(String, String)>,
    body: Option<Vec<u8>>,
    options: &RequestOptions,
) -> Request {
    let method = match meta.method {
        HttpMethod::Get => Method::GET,
        HttpMethod::Post => Method::POST,
        HttpMethod::Put => Method::PUT,
        HttpMethod::Delete => Method::DELETE,
        // A method added later is a standard name too, which always parses.
        other => Method::from_bytes(other.as_str().as_bytes()).unwrap_or(Method::GET),
    };
    let mut req = Request::new(method, path)
        .content_type(meta.content_type)
        .idempotent(meta.retry_safe);
    for (k, v) in query {
        req = req.query(k, v);
    }
    if let Some(p) = project {
        req = req.header(HEADER_PROJECT_ID, p);
    }
    if let Some(b) = body {
        req = req.body(b);
    }
    apply_options(req, options)
}

/// The per-call options that the transport applies.
pub(crate) fn apply_options(mut req: Request, options: &RequestOptions) -> Request {
    if let Some(d) = options.attempt_timeout {
        req = req.attempt_timeout(d);
    }
    if let Some(d) = options.total_timeout {
        req = req.total_timeout(d);
    }
    if let Some(n) = options.max_response_bytes {
        req = req.max_response_bytes(n);
    }
    if let Some(n) = options.max_attempts {
        req = req.max_attempts(n);
    }
    req
}

/// Sends and classifies: a non-2xx answer is a service error, a 2xx cut short is an
/// incomplete answer; only a whole 2xx goes on to be decoded.
async fn execute(
    client: &DcsClient,
    meta: &'static OperationMeta,
    req: &Request,
) -> Result<Response, Error> {
    let resp = execute_named(client, meta.name, req).await?;
    classify_named(meta.name, resp)
}

/// Sends `req` for the operation `name`; any HTTP answer is `Ok`.
pub(crate) async fn execute_named(
    client: &DcsClient,
    name: &'static str,
    req: &Request,
) -> Result<Response, Error> {
    let span = tracing::debug_span!("dcs.call", operation = name);
    client
        .inner
        .http
        .send(req)
        .instrument(span)
        .await
        .map_err(|e| Error::transport(name, e))
}

/// A non-2xx answer is the service's error, a 2xx cut short an incomplete answer.
pub(crate) fn classify_named(name: &'static str, resp: Response) -> Result<Response, Error> {
    if !(200..300).contains(&resp.status()) {
        return Err(Error::service(name, resp));
    }
    if resp.body_state() != BodyState::Complete {
        return Err(Error::incomplete(name, resp));
    }
    Ok(resp)
}

/// A successful answer's body, chunk by chunk.
#[derive(Debug)]
pub struct ByteStream {
    operation: &'static str,
    inner: ResponseStream,
    received: u64,
}

impl ByteStream {
    /// The next chunk, or `None` at the end of the body. An error mid-body says the service
    /// answered 2xx (so the request was applied) and how far it got.
    pub async fn next_chunk(&mut self) -> Result<Option<Vec<u8>>, Error> {
        match self.inner.next_chunk().await {
            Ok(Some(b)) => {
                self.received += b.len() as u64;
                Ok(Some(b.to_vec()))
            }
            Ok(None) => Ok(None),
            Err(e) => Err(Error::transport(self.operation, e)),
        }
    }
    /// Bytes received so far.
    pub fn received(&self) -> u64 {
        self.received
    }
    /// The request id of the answer.
    pub fn request_id(&self) -> Option<&str> {
        self.inner.request_id()
    }
    /// The HTTP status.
    pub fn status(&self) -> u16 {
        self.inner.status()
    }
}

/// What every operation's call type (`dcs_client::calls::<Op>Call`) is: a prepared call of one
/// operation. For code written over any operation; implemented by the generated call types
/// only.
pub trait OperationCall: sealed::Sealed + Sized {
    /// The operation's request type.
    type Operation: Operation;
    /// The generic builder underneath.
    fn into_builder(self) -> CallBuilder<Self::Operation>;
}

pub(crate) mod sealed {
    /// Only the generated call types are operation calls.
    pub trait Sealed {}
}

/// The methods every generated call type (`dcs_client::calls::<Op>Call`) shares, over the
/// generic [`CallBuilder`] it wraps. `send` or `send_stream` finishes the call.
#[allow(unused_macros)] // a build without any resource group has no call type
macro_rules! call_methods {
    ($call:ident, $req:ty, send) => {
        impl $call {
            /// Checks the request against the reviewed rules, sends it, and decodes the
            /// answer. Invalid input is refused with every problem named, before any byte is
            /// sent.
            pub async fn send(
                self,
            ) -> Result<$crate::Output<<$req as $crate::Operation>::Output>, $crate::Error> {
                self.0.send().await
            }
        }
        $crate::call::call_methods!(@common $call, $req);
    };
    ($call:ident, $req:ty, send_stream) => {
        impl $call {
            /// Checks and sends the request, and hands out a successful answer's body as a
            /// stream of chunks, never buffered whole.
            pub async fn send_stream(self) -> Result<$crate::ByteStream, $crate::Error> {
                self.0.send_stream().await
            }
        }
        $crate::call::call_methods!(@common $call, $req);
    };
    (@common $call:ident, $req:ty) => {
        impl $call {
            /// Replaces the per-call options (timeouts, attempts, response cap, validation).
            pub fn with_options(self, options: $crate::RequestOptions) -> Self {
                Self(self.0.with_options(options))
            }
            /// Checks the request as set so far, without sending it; the error lists every
            /// problem.
            pub fn validate(&self) -> Result<(), dcs_model::ValidationError> {
                <$req as $crate::Operation>::validate(self.0.request())
            }
            /// The request as set so far.
            pub fn request(&self) -> &$req {
                self.0.request()
            }
            /// The request, to change it in place.
            pub fn request_mut(&mut self) -> &mut $req {
                self.0.request_mut()
            }
            /// Takes the request.
            pub fn into_request(self) -> $req {
                self.0.into_request()
            }
            /// The generic builder underneath (the same call, for code written over any
            /// operation).
            pub fn into_builder(self) -> $crate::CallBuilder<$req> {
                self.0
            }
        }
        impl From<$call> for $crate::CallBuilder<$req> {
            fn from(c: $call) -> Self {
                c.0
            }
        }
        impl $crate::call::sealed::Sealed for $call {}
        impl $crate::OperationCall for $call {
            type Operation = $req;
            fn into_builder(self) -> $crate::CallBuilder<$req> {
                self.0
            }
        }
    };
}
pub(crate) use call_methods;

/// `into_paginator` for the call types of paged operations.
#[allow(unused_macros)] // a build without a paged operation uses none
macro_rules! paged_call {
    ($call:ident, $req:ty) => {
        impl $call {
            /// Pages through every result from the request's `offset` (0 when unset), `limit`
            /// items at a time (the service's default when unset).
            pub fn into_paginator(self) -> $crate::Paginator<$req> {
                self.0.into_paginator()
            }
        }
    };
}
pub(crate) use paged_call;
