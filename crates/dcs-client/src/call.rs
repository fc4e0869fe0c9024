//! One generic send path for every operation: validate, build, sign and send, classify,
//! decode. Everything that does not depend on the operation's types is in non-generic
//! functions, so 137 operations add almost no code to compile.

use crate::{DcsClient, Error};
use dcs_model::operation::{Decode, Operation, OperationMeta, ResponseKind};
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
    let resp = execute(client, meta, &req).await?;
    match O::Output::decode(resp.body()) {
        Ok(value) => Ok(Output {
            value,
            response: resp,
        }),
        Err(e) => Err(Error::decode(meta.name, resp, e)),
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
    request
        .validate()
        .map_err(|e| Error::invalid(meta.name, e))?;
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
        dcs_model::HttpMethod::Get => Method::GET,
        dcs_model::HttpMethod::Post => Method::POST,
        dcs_model::HttpMethod::Put => Method::PUT,
        dcs_model::HttpMethod::Delete => Method::DELETE,
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
    let span = tracing::debug_span!("dcs.call", operation = meta.name);
    let resp = client
        .inner
        .http
        .send(req)
        .instrument(span)
        .await
        .map_err(|e| Error::transport(meta.name, e))?;
    classify(meta, resp)
}

fn classify(meta: &'static OperationMeta, resp: Response) -> Result<Response, Error> {
    if !(200..300).contains(&resp.status()) {
        return Err(Error::service(meta.name, resp));
    }
    if resp.body_state() != BodyState::Complete {
        return Err(Error::incomplete(meta.name, resp));
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
