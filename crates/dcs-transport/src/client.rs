//! The HTTP client: signs each attempt (or, for the link-local credential services, sends
//! it unsigned), sends it over a pooled HTTP/1.1 connection (TCP or rustls), reads at most a
//! bounded number of response bytes, and retries what is safe. Every reading of time comes
//! from the injected [`Clock`]; timers are armed for what is left by that clock.

use crate::config::ClientConfig;
use crate::credentials::Credentials;
use crate::date::SdkDate;
use crate::endpoint::{Endpoint, Scheme};
use crate::error::{ConfigError, TimeoutKind, TransportError, TransportErrorKind};
use crate::pool::{phase, Conn, ConnectError, Lifetimes, Pool};
use crate::provider::ProvideCredentials;
use crate::response::{redact, BodyState, Response, SigningSecrets};

pub use crate::response::REQUEST_ID_HEADER;
use crate::retry::{is_retryable_status, parse_retry_after, status_may_follow_apply, RetryBudget};
use crate::signer::{self, SignableRequest};
use crate::stream::{Head, ResponseStream, StreamLimits, Streamed};
use crate::time::{timer_after, Clock, KeptReading, Sleeper, SystemClock, TokioSleeper};
use bytes::{Bytes, BytesMut};
use http::header::{HeaderName, HeaderValue};
use http::Method;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::connect::HttpConnector;
use std::future::Future;
use std::sync::atomic::{AtomicI64, AtomicU8, AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::Poll;
use std::time::{Duration, SystemTime};
use tracing::Instrument;

/// How long to wait for a connection's task to say why it closed before the request went out.
const CAUSE_WAIT: Duration = Duration::from_millis(100);

/// The longest single timer we arm (one year): longer configured timeouts mean "never".
const MAX_TIMER: Duration = Duration::from_secs(365 * 24 * 3600);

/// One request to send. The path must already be percent-encoded (the model crates do it).
#[derive(Debug, Clone)]
pub struct Request {
    method: Method,
    path: String,
    query: Vec<(String, String)>,
    body: Bytes,
    content_type: &'static str,
    idempotent: bool,
    headers: Vec<(&'static str, String)>,
    overrides: Overrides,
}

/// Per-request settings that replace the client's [`ClientConfig`] for one call.
#[derive(Debug, Clone, Copy, Default)]
struct Overrides {
    attempt_timeout: Option<Duration>,
    total_timeout: Option<Duration>,
    max_response_bytes: Option<usize>,
    max_attempts: Option<u32>,
}

/// Headers the transport writes itself; a request cannot set them.
const RESERVED_HEADERS: [&str; 5] = [
    "Host",
    "Content-Length",
    "Transfer-Encoding",
    "Connection",
    "Content-Type",
];

/// Headers the signer writes; a request of a signing client cannot set them (an unsigned
/// client's can: a credential service may want its own `Authorization`).
const SIGNING_HEADERS: [&str; 3] = [
    "Authorization",
    signer::HEADER_SDK_DATE,
    signer::HEADER_SECURITY_TOKEN,
];

impl Request {
    /// A request without a body. Idempotency follows the method (GET, HEAD, PUT, DELETE and
    /// OPTIONS are idempotent).
    pub fn new(method: Method, path: impl Into<String>) -> Self {
        let idempotent = matches!(
            method,
            Method::GET | Method::HEAD | Method::PUT | Method::DELETE | Method::OPTIONS
        );
        Self {
            method,
            path: path.into(),
            query: Vec::new(),
            body: Bytes::new(),
            content_type: "application/json",
            idempotent,
            headers: Vec::new(),
            overrides: Overrides::default(),
        }
    }

    /// Adds a header, sent and signed like the client's own. One with the name of a header
    /// the client sends by default (`X-Project-Id`, `User-Agent`) replaces it for this request.
    /// The transport's own headers (`Host`, `Content-Type`, `Content-Length`,
    /// `Transfer-Encoding`, `Connection`, and for a signing client `Authorization`,
    /// `X-Sdk-Date`, `X-Security-Token`) cannot be set here.
    /// An invalid name or value, a reserved name or the same name twice fails the call with
    /// [`TransportErrorKind::InvalidRequest`] before anything is sent.
    pub fn header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    /// Replaces the client's per-attempt timeout for this request.
    pub fn attempt_timeout(mut self, d: Duration) -> Self {
        self.overrides.attempt_timeout = Some(d);
        self
    }

    /// Replaces the client's total timeout (retries and backoff included) for this request.
    pub fn total_timeout(mut self, d: Duration) -> Self {
        self.overrides.total_timeout = Some(d);
        self
    }

    /// Replaces the client's cap on response-body bytes read for this request.
    pub fn max_response_bytes(mut self, n: usize) -> Self {
        self.overrides.max_response_bytes = Some(n);
        self
    }

    /// Replaces the retry policy's number of attempts (the first included, at least 1) for
    /// this request.
    pub fn max_attempts(mut self, n: u32) -> Self {
        self.overrides.max_attempts = Some(n.max(1));
        self
    }

    /// The headers added with [`header`](Self::header).
    pub fn headers(&self) -> impl Iterator<Item = (&'static str, &str)> + '_ {
        self.headers.iter().map(|(n, v)| (*n, v.as_str()))
    }

    /// Adds a query pair.
    pub fn query(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.query.push((key.into(), value.into()));
        self
    }

    /// Sets the body bytes (empty means no body).
    pub fn body(mut self, body: impl Into<Bytes>) -> Self {
        self.body = body.into();
        self
    }

    /// Sets the Content-Type header (always sent, as the official SDKs do).
    pub fn content_type(mut self, ct: &'static str) -> Self {
        self.content_type = ct;
        self
    }

    /// Overrides whether the request may be retried after it may have been sent.
    pub fn idempotent(mut self, yes: bool) -> Self {
        self.idempotent = yes;
        self
    }

    /// The method.
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// The path.
    pub fn path(&self) -> &str {
        &self.path
    }
}

/// Builds an [`HttpClient`].
pub struct HttpClientBuilder {
    endpoint: Endpoint,
    fallbacks: Vec<Endpoint>,
    credentials: Option<Credentials>,
    provider: Option<Arc<dyn ProvideCredentials>>,
    proxy: Option<Result<crate::proxy::Proxy, ConfigError>>,
    extra_roots: Vec<u8>,
    project_id: Option<String>,
    config: ClientConfig,
    clock: Arc<dyn Clock>,
    sleeper: Arc<dyn Sleeper>,
    jitter: Jitter,
}

/// A source of uniform random numbers in `[0, 1)` for backoff jitter.
pub type Jitter = Arc<dyn Fn() -> f64 + Send + Sync>;

impl std::fmt::Debug for HttpClientBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpClientBuilder")
            .field("endpoint", &self.endpoint)
            .field("fallback_endpoints", &self.fallbacks)
            .field("credentials", &self.credentials)
            .field("credentials_provider", &self.provider)
            .field("proxy", &self.proxy)
            .field("project_id", &self.project_id)
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl HttpClientBuilder {
    /// Endpoints to fall back on, in order, when a connection to the one in use cannot be
    /// made. Replaces any given before; an empty list (the default) means the client's one
    /// endpoint only.
    ///
    /// Each endpoint gets a connection pool of its own. An attempt goes to the endpoint in
    /// use (at first the one given to [`HttpClient::builder`]); when its connect phase fails
    /// (DNS, TCP refused or timed out, TLS handshake, the connection closed before the
    /// request was written: nothing was sent) the same attempt moves on to the next
    /// endpoint, wrapping round to the first, signed again for that endpoint's `Host`. Each
    /// endpoint is tried at most once per attempt, all within the attempt's timeout, and
    /// moving on spends no retry attempt and no retry budget: only when every endpoint
    /// failed to connect does the attempt fail, with the last endpoint's error, for the
    /// retry policy to judge as before. An endpoint that connects stays in use for later
    /// attempts and calls (sticky) until its own connect fails.
    ///
    /// Anything after the request may have been written (a reset, a timeout waiting for the
    /// answer, any HTTP status) never moves to another endpoint: that is the retry policy's
    /// decision alone, and a retry goes to the endpoint in use. A wait for a free connection
    /// in a full pool is not an endpoint failure either.
    pub fn fallback_endpoints(mut self, endpoints: Vec<Endpoint>) -> Self {
        self.fallbacks = endpoints;
        self
    }
    /// Signs every attempt with what `provider` returns at that moment, in place of the fixed
    /// credentials given to [`HttpClient::builder`] (which are then neither used nor checked).
    /// A provider error fails the call before anything is sent
    /// ([`TransportErrorKind::Credentials`]).
    pub fn credentials_provider(mut self, provider: Arc<dyn ProvideCredentials>) -> Self {
        self.provider = Some(provider);
        self
    }
    /// Sends every request through the proxy at `url` (`http://[user:password@]host[:port]`),
    /// except to hosts that are never proxied (loopback, link-local, `localhost`). Replaces
    /// any proxy in the [`ClientConfig`]; a URL that cannot be used fails [`build`](Self::build).
    pub fn proxy(mut self, url: &str) -> Self {
        self.proxy = Some(crate::proxy::Proxy::parse(url));
        self
    }
    /// Trusts the CA certificates in `pem` (one or more `BEGIN CERTIFICATE` blocks) in
    /// addition to the built-in web PKI roots: for a corporate TLS-inspecting proxy or a
    /// private endpoint. Callable more than once; a bundle without a usable certificate fails
    /// [`build`](Self::build).
    pub fn ca_bundle_pem(mut self, pem: impl AsRef<[u8]>) -> Self {
        self.extra_roots.extend_from_slice(pem.as_ref());
        self.extra_roots.push(b'\n');
        self
    }
    /// Sends `X-Project-Id` with every request (a request's own `X-Project-Id` header
    /// replaces it for that request).
    pub fn project_id(mut self, id: impl Into<String>) -> Self {
        self.project_id = Some(id.into());
        self
    }
    /// Replaces the configuration.
    pub fn config(mut self, config: ClientConfig) -> Self {
        self.config = config;
        self
    }
    /// Injects the clock used for signing dates and deadlines.
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }
    /// Injects the sleeper used between retries.
    pub fn sleeper(mut self, sleeper: Arc<dyn Sleeper>) -> Self {
        self.sleeper = sleeper;
        self
    }
    /// Injects the jitter source (uniform in `[0, 1)`), so backoff schedules are exact in
    /// tests.
    pub fn jitter(mut self, jitter: Jitter) -> Self {
        self.jitter = jitter;
        self
    }

    /// Checks everything and builds the client (TLS roots loaded, pool ready). Building needs
    /// no runtime; sending needs a tokio runtime.
    pub fn build(mut self) -> Result<HttpClient, ConfigError> {
        self.config.check()?;
        if let Some(p) = self.proxy {
            self.config.proxy = Some(crate::proxy::ProxySettings::all(p?));
        }
        let credentials = match (self.provider, self.credentials) {
            // Keys that cannot change are signed with directly: no provider call, clone and
            // check before every attempt. Keys that fail the check stay behind the provider,
            // so the failure is reported at the call, as for any provider.
            (Some(p), _) => match p.fixed_credentials().filter(|c| c.validate().is_ok()) {
                Some(c) => CredentialSource::Fixed(Arc::new(c)),
                None => CredentialSource::Provider(p),
            },
            (None, Some(c)) => {
                c.validate()?;
                CredentialSource::Fixed(Arc::new(c))
            }
            // `builder_unsigned`: nothing to sign with.
            (None, None) => CredentialSource::Unsigned,
        };
        let mut endpoints = Vec::with_capacity(1 + self.fallbacks.len());
        endpoints.push(self.endpoint);
        endpoints.append(&mut self.fallbacks);
        for endpoint in &endpoints {
            if endpoint.scheme() == Scheme::Http
                && !endpoint.is_loopback()
                && !self.config.allow_insecure_http
            {
                return Err(ConfigError::InsecureHttp {
                    host: endpoint.host().to_string(),
                });
            }
        }
        let mut fixed = Vec::with_capacity(3);
        fixed.push(("User-Agent", self.config.user_agent.clone()));
        if let Some(p) = &self.project_id {
            if p.is_empty() || HeaderValue::from_str(p).is_err() {
                return Err(ConfigError::Invalid(
                    "project id must be non-empty visible ASCII",
                ));
            }
            fixed.push((signer::HEADER_PROJECT_ID, p.clone()));
        }
        let provider = rustls::crypto::CryptoProvider::get_default()
            .cloned()
            .unwrap_or_else(|| Arc::new(rustls::crypto::ring::default_provider()));
        let tls = tls_config(provider, &self.extra_roots)?;
        let pools = endpoints
            .iter()
            .map(|e| pool_for(e, &self.config, &tls, &self.clock))
            .collect::<Result<Vec<_>, _>>()?;
        let budget = self.config.retry.new_budget();
        Ok(HttpClient {
            inner: Arc::new(Inner {
                endpoints,
                pools,
                current: AtomicUsize::new(0),
                credentials,
                fixed_headers: fixed,
                config: self.config,
                clock: self.clock,
                sleeper: self.sleeper,
                jitter: self.jitter,
                budget,
                clock_offset: AtomicI64::new(0),
            }),
        })
    }
}

/// The connection pool for `endpoint`: its own dialer (direct or through the proxy the
/// configuration names for it) and TLS.
fn pool_for(
    endpoint: &Endpoint,
    config: &ClientConfig,
    tls: &rustls::ClientConfig,
    clock: &Arc<dyn Clock>,
) -> Result<Pool, ConfigError> {
    let mut http = HttpConnector::new();
    http.enforce_http(false);
    http.set_nodelay(true);
    // The TCP connect gets its own limit, never longer than an attempt; an attempt timer
    // that fires before any connection was made is reported as a connect timeout too.
    http.set_connect_timeout(Some(config.connect_timeout.min(config.attempt_timeout)));
    let https = hyper_rustls::HttpsConnectorBuilder::new()
        .with_tls_config(tls.clone())
        .https_or_http()
        .enable_http1()
        .wrap_connector(crate::proxy::Dialer::new(
            http,
            endpoint,
            config.proxy.as_ref().and_then(|p| p.proxy_for(endpoint)),
        )?);
    let scheme = match endpoint.scheme() {
        Scheme::Https => http::uri::Scheme::HTTPS,
        Scheme::Http => http::uri::Scheme::HTTP,
    };
    let invalid = || ConfigError::Invalid("the endpoint's authority is not valid");
    let authority = http::uri::Authority::try_from(endpoint.authority()).map_err(|_| invalid())?;
    let dst = http::Uri::builder()
        .scheme(scheme)
        .authority(authority)
        .path_and_query("/")
        .build()
        .map_err(|_| invalid())?;
    Ok(Pool::new(
        https,
        dst,
        config.pool_max_idle_per_host,
        config.pool_max_connections_per_host,
        Lifetimes {
            idle: config.pool_idle_timeout,
            max: config.pool_max_connection_lifetime,
        },
        clock.clone(),
    ))
}

/// An HTTP client that signs every request (or, built with
/// [`builder_unsigned`](HttpClient::builder_unsigned), none). Cheap to clone (one shared
/// pool); build one and reuse it.
#[derive(Clone)]
pub struct HttpClient {
    inner: Arc<Inner>,
}

/// Where each attempt's credentials come from.
#[derive(Debug)]
enum CredentialSource {
    /// Checked once at build; each attempt shares them.
    Fixed(Arc<Credentials>),
    /// Asked before every attempt.
    Provider(Arc<dyn ProvideCredentials>),
    /// Requests go out unsigned.
    Unsigned,
}

struct Inner {
    /// The endpoint given to the builder, then the fallbacks, in order.
    endpoints: Vec<Endpoint>,
    /// One pool per endpoint, in the same order.
    pools: Vec<Pool>,
    /// The index of the endpoint in use: the one an attempt tries first.
    current: AtomicUsize,
    credentials: CredentialSource,
    fixed_headers: Vec<(&'static str, String)>,
    config: ClientConfig,
    clock: Arc<dyn Clock>,
    sleeper: Arc<dyn Sleeper>,
    jitter: Jitter,
    budget: RetryBudget,
    /// Seconds added to the clock when signing, learnt from the gateway's expired-signature
    /// answers.
    clock_offset: AtomicI64,
}

impl std::fmt::Debug for HttpClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpClient")
            .field("endpoints", &self.inner.endpoints)
            .field("current", &self.inner.current.load(Ordering::Relaxed))
            .field("credentials", &self.inner.credentials)
            .field("config", &self.inner.config)
            .finish()
    }
}

/// The limits in force for one call: the client's configuration, with the request's
/// overrides.
#[derive(Debug, Clone, Copy)]
struct Limits {
    attempt_timeout: Duration,
    total_timeout: Duration,
    max_response_bytes: usize,
    max_attempts: u32,
}

impl Limits {
    fn for_request(config: &ClientConfig, req: &Request) -> Result<Self, TransportError> {
        let o = &req.overrides;
        let limits = Self {
            attempt_timeout: o.attempt_timeout.unwrap_or(config.attempt_timeout),
            total_timeout: o.total_timeout.unwrap_or(config.total_timeout),
            max_response_bytes: o.max_response_bytes.unwrap_or(config.max_response_bytes),
            max_attempts: o.max_attempts.unwrap_or(config.retry.get_max_attempts()),
        };
        if limits.attempt_timeout.is_zero() || limits.total_timeout.is_zero() {
            return Err(TransportError::new(
                TransportErrorKind::InvalidRequest,
                "a request's timeouts must be greater than zero",
                false,
            )
            .finish(0, false, None));
        }
        Ok(limits)
    }
}

/// A call's future, boxed where it is defined (see [`HttpClient::send`]).
type BoxedCall<'a, T> =
    std::pin::Pin<Box<dyn Future<Output = Result<T, TransportError>> + Send + 'a>>;

/// When an attempt's time is up: by the client's clock (for decisions), and as a deadline of
/// tokio's timer (for waits), fixed once when the attempt starts.
#[derive(Debug, Clone, Copy)]
struct Until {
    deadline: Duration,
    timer: tokio::time::Instant,
    /// A reading of the client's clock taken just before, for the first look at idle
    /// connections (none: read the clock then).
    look: KeptReading,
}

/// When an attempt starts: the wall-clock time it is signed with, and the client's
/// monotonic reading its deadlines count from.
#[derive(Debug, Clone, Copy)]
struct AttemptStart {
    signing: SystemTime,
    at: Duration,
}

/// Why a request did not get an answer on one endpoint.
enum SendFailure {
    /// The endpoint could not be reached (DNS, TCP, TLS, a connection closed before the
    /// request was written): nothing was sent, and another endpoint may be tried.
    Unreachable(TransportError),
    /// Anything else: the request may have been sent, or the failure is not the endpoint's.
    Other(TransportError),
}

/// What one attempt produced.
enum Attempt {
    Answer(Response),
    /// A 2xx whose body is left for the caller to read (streaming calls only).
    Stream(ResponseStream),
    Failed(TransportError),
}

impl HttpClient {
    /// Starts building a client for `endpoint` signed with `credentials`.
    pub fn builder(endpoint: Endpoint, credentials: Credentials) -> HttpClientBuilder {
        Self::builder_from(endpoint, Some(credentials), None)
    }

    /// Starts building a client for `endpoint` that asks `provider` for credentials before
    /// every attempt (see [`HttpClientBuilder::credentials_provider`]).
    pub fn builder_with_provider(
        endpoint: Endpoint,
        provider: Arc<dyn ProvideCredentials>,
    ) -> HttpClientBuilder {
        Self::builder_from(endpoint, None, Some(provider))
    }

    /// Starts building a client for `endpoint` that signs nothing: for services that take no
    /// AK/SK signature, such as the link-local credential services (ECS metadata, Pod
    /// Identity). Everything else (pool, timeouts, retries, proxy rules, TLS, body cap) is as
    /// for a signing client, and a request may carry its own `Authorization` header.
    pub fn builder_unsigned(endpoint: Endpoint) -> HttpClientBuilder {
        Self::builder_from(endpoint, None, None)
    }

    fn builder_from(
        endpoint: Endpoint,
        credentials: Option<Credentials>,
        provider: Option<Arc<dyn ProvideCredentials>>,
    ) -> HttpClientBuilder {
        HttpClientBuilder {
            endpoint,
            fallbacks: Vec::new(),
            credentials,
            provider,
            proxy: None,
            extra_roots: Vec::new(),
            project_id: None,
            config: ClientConfig::default(),
            clock: Arc::new(SystemClock),
            sleeper: Arc::new(TokioSleeper),
            jitter: Arc::new(fastrand::f64),
        }
    }

    /// The endpoint given to [`builder`](Self::builder) (the first one tried).
    pub fn endpoint(&self) -> &Endpoint {
        &self.inner.endpoints[0]
    }

    /// Every endpoint in the order they are tried: the builder's, then the
    /// [fallbacks](HttpClientBuilder::fallback_endpoints).
    pub fn endpoints(&self) -> &[Endpoint] {
        &self.inner.endpoints
    }

    /// The endpoint in use: the one the next attempt tries first. It changes only when an
    /// attempt could not connect to it and connected to another.
    pub fn current_endpoint(&self) -> &Endpoint {
        &self.inner.endpoints[self.current_index()]
    }

    fn current_index(&self) -> usize {
        self.inner.current.load(Ordering::Relaxed) % self.inner.endpoints.len()
    }

    /// The configuration.
    pub fn config(&self) -> &ClientConfig {
        &self.inner.config
    }

    /// Tokens left in the client-wide retry budget.
    pub fn retry_budget_available(&self) -> u32 {
        self.inner.budget.available()
    }

    /// Takes the cost of one retry (twice that after a timeout) from the client-wide retry
    /// budget, for a caller that sends a request again on its own (a bulk run requeueing a
    /// throttled delete): `false`, and nothing taken, when the budget cannot pay, and then the
    /// request should not be sent again. Retries this client makes itself are paid the same
    /// way.
    pub fn try_spend_retry(&self, after_timeout: bool) -> bool {
        self.inner
            .budget
            .try_spend(self.inner.config.retry.cost(after_timeout))
    }

    /// Sends `req`, retrying what the policy allows. Any HTTP status is an `Ok` answer; `Err`
    /// means no usable answer arrived.
    pub async fn send(&self, req: &Request) -> Result<Response, TransportError> {
        self.boxed_send(req).await
    }

    // `send` and `send_streaming` await a call boxed by a plain function of this crate. An
    // async fn's state machine is compiled by the crate that awaits it, so unboxed, every
    // crate awaiting a call (dcs-config, dcs-client) compiled the retries, the pool and
    // hyper's connection again; boxed in an async fn, the same.
    fn boxed_send<'a>(&'a self, req: &'a Request) -> BoxedCall<'a, Response> {
        Box::pin(self.send_buffered(req))
    }

    fn boxed_send_streaming<'a>(&'a self, req: &'a Request) -> BoxedCall<'a, Streamed> {
        Box::pin(self.send_streaming_inner(req))
    }

    async fn send_buffered(&self, req: &Request) -> Result<Response, TransportError> {
        let span = tracing::debug_span!(
            "dcs.http",
            method = %req.method,
            path = %req.path,
            attempts = tracing::field::Empty,
            status = tracing::field::Empty,
            request_id = tracing::field::Empty,
            elapsed_us = tracing::field::Empty,
        );
        // Timed only when someone records the span: each clock reading costs.
        let t0 = (!span.is_disabled()).then(|| self.inner.clock.monotonic());
        let out = self.send_inner(req, false).instrument(span.clone()).await;
        if let Some(t0) = t0 {
            let elapsed = self.inner.clock.monotonic().saturating_sub(t0);
            span.record("elapsed_us", elapsed.as_micros() as u64);
        }
        match out {
            Ok(Streamed::Buffered(r)) => {
                span.record("attempts", r.attempts);
                span.record("status", r.status);
                if let Some(id) = &r.request_id {
                    span.record("request_id", id.as_str());
                }
                Ok(r)
            }
            // A buffered call never leaves a body unread.
            Ok(Streamed::Stream(s)) => Err(TransportError::new(
                TransportErrorKind::Io,
                "internal error: a buffered call produced a stream",
                true,
            )
            .finish(s.attempts(), false, None)),
            Err(e) => {
                span.record("attempts", e.attempts());
                Err(e)
            }
        }
    }

    /// Sends `req` like [`send`](Self::send), retrying what the policy allows until response
    /// headers arrive, but leaves a successful (2xx) body for the caller to read chunk by
    /// chunk: [`Streamed::Stream`]. Any other answer is read (bounded) into a
    /// [`Streamed::Buffered`] response. The response cap does not apply to a stream; the
    /// attempt timeout bounds each wait for a chunk, and the total timeout still bounds the
    /// whole call.
    pub async fn send_streaming(&self, req: &Request) -> Result<Streamed, TransportError> {
        self.boxed_send_streaming(req).await
    }

    async fn send_streaming_inner(&self, req: &Request) -> Result<Streamed, TransportError> {
        let span = tracing::debug_span!(
            "dcs.http",
            method = %req.method,
            path = %req.path,
            streaming = true,
            attempts = tracing::field::Empty,
            status = tracing::field::Empty,
        );
        let out = self.send_inner(req, true).instrument(span.clone()).await;
        match &out {
            Ok(s) => {
                span.record("attempts", s.attempts());
                span.record("status", s.status());
            }
            Err(e) => {
                span.record("attempts", e.attempts());
            }
        }
        out
    }

    async fn send_inner(&self, req: &Request, streaming: bool) -> Result<Streamed, TransportError> {
        let inner = &*self.inner;
        if tokio::runtime::Handle::try_current().is_err() {
            return Err(TransportError::no_runtime().finish(0, false, None));
        }
        let limits = Limits::for_request(&inner.config, req)?;
        let start = inner.clock.monotonic();
        let deadline = start.saturating_add(limits.total_timeout);
        // The first attempt starts on the reading just taken; later ones read the clock.
        let mut reading = KeptReading::taken(start);
        let mut attempt: u32 = 0;
        let mut prior_applied = false;
        let mut last_answer: Option<Response> = None;
        // The one re-signed attempt after an expired signature: it does not count against
        // the retry policy's attempts.
        let mut skew_retried = false;
        loop {
            attempt += 1;
            let offset = inner.clock_offset.load(Ordering::Relaxed);
            let now = shift(inner.clock.now(), offset);
            let at = reading.now(&*inner.clock);
            let remaining = deadline.saturating_sub(at);
            if remaining.is_zero() {
                return Err(TransportError::new(
                    TransportErrorKind::Timeout(TimeoutKind::Total),
                    "total timeout elapsed before the next attempt",
                    false,
                )
                .finish(attempt - 1, prior_applied, last_answer));
            }
            let (budget_for_attempt, kind) = if remaining < limits.attempt_timeout {
                (remaining, TimeoutKind::Total)
            } else {
                (limits.attempt_timeout, TimeoutKind::Attempt)
            };
            let outcome = self
                .attempt(
                    req,
                    AttemptStart { signing: now, at },
                    budget_for_attempt,
                    kind,
                    limits.max_response_bytes,
                    streaming.then(|| StreamLimits {
                        chunk_timeout: limits.attempt_timeout,
                        total_deadline: timer_after(remaining),
                    }),
                )
                .await;
            let may_retry = attempt - u32::from(skew_retried) < limits.max_attempts;
            match outcome {
                Attempt::Answer(mut resp) => {
                    tracing::debug!(
                        attempt,
                        status = resp.status,
                        request_id = resp.request_id.as_deref().unwrap_or(""),
                        "answer"
                    );
                    resp.clock_correction_secs = offset;
                    // The gateway refused the signature as expired: nothing was applied, so
                    // whatever the method, sign again once with the clock corrected by the
                    // offset the answer shows (when it shows a plausible one).
                    if !skew_retried && inner.config.correct_clock_skew {
                        if let Some(skew) = resp.expired_signature_skew() {
                            tracing::warn!(
                                skew_secs = skew,
                                "the local clock is off; signing again with it corrected"
                            );
                            inner
                                .clock_offset
                                .store(offset.saturating_add(skew), Ordering::Relaxed);
                            skew_retried = true;
                            resp.attempts = attempt;
                            last_answer = Some(resp);
                            continue;
                        }
                    }
                    // An answer proves the request arrived, so only idempotent requests are
                    // sent again after a server error. A throttle (429) is the exception: the
                    // gateway refused the request before it reached the service, so sending
                    // it again is safe for every operation.
                    let retryable =
                        (is_retryable_status(resp.status) && req.idempotent) || resp.status == 429;
                    if retryable && may_retry {
                        let hint = resp
                            .headers
                            .get(http::header::RETRY_AFTER)
                            .and_then(|v| v.to_str().ok())
                            .and_then(|v| parse_retry_after(v, inner.clock.now()));
                        if let Some(wait) = self.plan_retry(attempt, hint, deadline, false) {
                            prior_applied |= status_may_follow_apply(resp.status);
                            resp.attempts = attempt;
                            last_answer = Some(resp);
                            self.sleep(wait).await;
                            continue;
                        }
                    }
                    if (200..300).contains(&resp.status) {
                        inner.budget.refund(1);
                    }
                    resp.attempts = attempt;
                    resp.prior_attempt_may_have_applied = prior_applied;
                    return Ok(Streamed::Buffered(resp));
                }
                Attempt::Stream(mut s) => {
                    inner.budget.refund(1);
                    s.set_attempts(attempt, prior_applied);
                    return Ok(Streamed::Stream(s));
                }
                Attempt::Failed(err) => {
                    tracing::debug!(attempt, error = %err, "attempt failed");
                    // Never retry what could not be built, a failed TLS handshake, or a call
                    // out of total time; retry the rest when it certainly did not arrive, or
                    // when arriving twice is harmless.
                    let permanent = matches!(
                        err.kind(),
                        TransportErrorKind::InvalidRequest
                            | TransportErrorKind::Credentials
                            | TransportErrorKind::Tls
                            | TransportErrorKind::Timeout(TimeoutKind::Total)
                    );
                    let retryable = !permanent && (req.idempotent || !err.may_have_been_sent());
                    if retryable && may_retry {
                        if let Some(wait) =
                            self.plan_retry(attempt, None, deadline, err.is_timeout())
                        {
                            prior_applied |= err.may_have_been_sent();
                            self.sleep(wait).await;
                            continue;
                        }
                    }
                    return Err(err.finish(attempt, prior_applied, last_answer));
                }
            }
        }
    }

    /// The wait before the next attempt, or `None` when we should stop: the server asked for
    /// longer than we honour, the wait would cross the deadline, or the budget is empty.
    fn plan_retry(
        &self,
        attempt: u32,
        retry_after: Option<Duration>,
        deadline: Duration,
        after_timeout: bool,
    ) -> Option<Duration> {
        let policy = &self.inner.config.retry;
        let mut wait = policy.backoff(attempt - 1, (self.inner.jitter)());
        if let Some(hint) = retry_after {
            if hint > policy.get_max_retry_after() {
                tracing::debug!(?hint, "server asks to wait longer than we honour");
                return None;
            }
            wait = wait.max(hint);
        }
        if self.inner.clock.monotonic().saturating_add(wait) >= deadline {
            tracing::debug!(?wait, "no time left for another attempt");
            return None;
        }
        if !self.inner.budget.try_spend(policy.cost(after_timeout)) {
            tracing::debug!("retry budget exhausted");
            return None;
        }
        Some(wait)
    }

    async fn sleep(&self, d: Duration) {
        if !d.is_zero() {
            self.inner.sleeper.sleep(d).await;
        }
    }

    /// What is left until `deadline` (a reading of the injected clock), as a timer can take
    /// it.
    fn left(&self, deadline: Duration) -> Duration {
        deadline
            .saturating_sub(self.inner.clock.monotonic())
            .min(MAX_TIMER)
    }

    /// The credentials to sign the next attempt with: the fixed ones, or the provider's
    /// answer (checked), within `deadline`; `None` for an unsigned client. Nothing has been
    /// sent when this fails.
    async fn credentials(
        &self,
        timer: tokio::time::Instant,
    ) -> Result<Option<Arc<Credentials>>, TransportError> {
        let provider = match &self.inner.credentials {
            CredentialSource::Fixed(c) => return Ok(Some(c.clone())),
            CredentialSource::Provider(p) => p,
            CredentialSource::Unsigned => return Ok(None),
        };
        let failed = |m: String| TransportError::new(TransportErrorKind::Credentials, m, false);
        let creds = match tokio::time::timeout_at(timer, provider.provide_credentials()).await {
            Err(_) => {
                return Err(failed(
                    "the credentials provider did not answer within the attempt's time".into(),
                ))
            }
            Ok(Err(e)) => {
                return Err(failed(format!("the credentials provider failed: {e}")).with_source(e))
            }
            Ok(Ok(c)) => c,
        };
        creds.validate().map_err(|e| {
            failed(format!(
                "the credentials provider returned unusable credentials: {e}"
            ))
            .with_source(e)
        })?;
        Ok(Some(Arc::new(creds)))
    }

    fn build_request(
        &self,
        req: &Request,
        now: SystemTime,
        credentials: Option<&Credentials>,
        endpoint: &Endpoint,
    ) -> Result<http::Request<Full<Bytes>>, TransportError> {
        let inner = &*self.inner;
        let invalid = |m: String| TransportError::new(TransportErrorKind::InvalidRequest, m, false);
        let mut headers: Vec<(&str, &str)> = Vec::with_capacity(5 + req.headers.len());
        headers.push(("Content-Type", req.content_type));
        for (n, v) in &inner.fixed_headers {
            // A request's own header of the same name replaces the client's default.
            if !req.headers.iter().any(|(rn, _)| rn.eq_ignore_ascii_case(n)) {
                headers.push((n, v.as_str()));
            }
        }
        for (n, v) in &req.headers {
            let signing =
                credentials.is_some() && SIGNING_HEADERS.iter().any(|r| r.eq_ignore_ascii_case(n));
            if signing || RESERVED_HEADERS.iter().any(|r| r.eq_ignore_ascii_case(n)) {
                return Err(invalid(format!(
                    "header {n} is written by the transport and cannot be set per request"
                )));
            }
            if HeaderName::from_bytes(n.as_bytes()).is_err() {
                return Err(invalid(format!("invalid header name {n:?}")));
            }
            if !v.bytes().all(|b| b == b'\t' || (b' '..=b'~').contains(&b)) {
                return Err(invalid(format!(
                    "invalid value for header {n}: visible ASCII, spaces and tabs only"
                )));
            }
            headers.push((n, v.as_str()));
        }
        if let Some(tok) = credentials.and_then(|c| c.security_token()) {
            headers.push((signer::HEADER_SECURITY_TOKEN, tok.expose_secret()));
        }
        let query: Vec<(&str, &str)> = req
            .query
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let signable = SignableRequest {
            method: req.method.as_str(),
            authority: endpoint.authority(),
            path: &req.path,
            query: &query,
            headers: &headers,
            body: &req.body,
        };
        let signed = match credentials {
            Some(c) => Some(
                signer::sign(
                    &signable,
                    c.access_key_id(),
                    c.secret_access_key(),
                    SdkDate::from_system_time(now),
                )
                .map_err(|e| invalid(format!("cannot sign the request: {e}")))?,
            ),
            None => None,
        };

        // HTTP/1.1 origin form: the path alone, the authority goes in the signed Host header.
        // An empty path is the root (as the signer signs it); any other must be absolute.
        let path = if req.path.is_empty() {
            "/"
        } else {
            req.path.as_str()
        };
        if !path.starts_with('/') {
            return Err(invalid(format!(
                "the request path {path:?} does not start with '/'"
            )));
        }
        let path_and_query = if query.is_empty() {
            http::uri::PathAndQuery::try_from(path)
        } else {
            http::uri::PathAndQuery::try_from(format!(
                "{path}?{}",
                signer::canonical_query_string(&query)
            ))
        }
        .map_err(|_| invalid("the request path is not a valid URI path".into()))?;
        let uri = http::Uri::from(path_and_query);
        let mut builder = http::Request::builder().method(req.method.clone()).uri(uri);
        let map = builder
            .headers_mut()
            .ok_or_else(|| invalid("the request path is not a valid URI".into()))?;
        let mut put = |name: &str, value: &str, sensitive: bool| -> Result<(), TransportError> {
            let n = match known_header(name) {
                Some(n) => n,
                None => HeaderName::from_bytes(name.as_bytes())
                    .map_err(|_| invalid(format!("invalid header name {name:?}")))?,
            };
            let mut v = HeaderValue::from_str(value)
                .map_err(|_| invalid(format!("invalid value for header {name}")))?;
            v.set_sensitive(sensitive);
            map.insert(n, v);
            Ok(())
        };
        for (n, v) in &headers {
            let sensitive = n.eq_ignore_ascii_case(signer::HEADER_SECURITY_TOKEN)
                || n.eq_ignore_ascii_case("Authorization");
            put(n, signer::trim_header_value(v), sensitive)?;
        }
        for (n, v) in signed.iter().flat_map(|out| out.added_headers.iter()) {
            put(n, v, *n == "Authorization")?;
        }
        builder
            .body(Full::new(req.body.clone()))
            .map_err(|e| invalid(format!("cannot build the request: {e}")))
    }

    /// Sends `http_req` on a connection of `pool`: an idle one, or a new one. `connected` is
    /// called once a connection has taken the request (it may have been sent). `Err` is a
    /// failure before the request was written, or after it may have been.
    async fn send_on(
        &self,
        pool: &Pool,
        mut http_req: http::Request<Full<Bytes>>,
        until: Until,
        timeout_kind: TimeoutKind,
        budget: Duration,
        connected: impl Fn(),
    ) -> Result<(Conn, http::Response<hyper::body::Incoming>), SendFailure> {
        let mut reading = until.look;
        loop {
            // Until a connection takes the request, nothing has been sent: a timer that fires
            // here is a connect timeout, safe to retry whatever the method. The connect
            // timeout bounds DNS, TCP and TLS together (a server that accepts TCP and never
            // answers the ClientHello must not hold the attempt for the attempt timeout).
            let Until {
                deadline, timer, ..
            } = until;
            let now = reading.now(&*self.inner.clock);
            let connect_budget = deadline
                .saturating_sub(now)
                .min(MAX_TIMER)
                .min(self.inner.config.connect_timeout);
            let waiting = AtomicU8::new(phase::CONNECTING);
            let mut checkout = std::pin::pin!(pool.checkout(&waiting, now));
            // Most calls find an idle connection ready at the first look: they need no
            // connect timer. Only a checkout that has to wait (connect, full pool) gets one.
            let first =
                std::future::poll_fn(|cx| Poll::Ready(Future::poll(checkout.as_mut(), cx))).await;
            let checked_out = match first {
                Poll::Ready(r) => Ok(r),
                Poll::Pending => {
                    let connect_timer = timer.min(timer_after(connect_budget));
                    tokio::time::timeout_at(connect_timer, checkout.as_mut()).await
                }
            };
            let mut conn = match checked_out {
                Err(_) => {
                    let ms = connect_budget.as_millis();
                    let pool_full = waiting.load(Ordering::Relaxed) == phase::POOL_FULL;
                    let message = if pool_full {
                        format!(
                            "the connection pool was full ({} connections to this host) and \
                             none came free within {ms} ms; nothing was sent",
                            self.inner.config.pool_max_connections_per_host
                        )
                    } else {
                        format!("no connection (DNS, TCP and TLS) within {ms} ms; nothing was sent")
                    };
                    let err = TransportError::new(
                        TransportErrorKind::Timeout(TimeoutKind::Connect),
                        message,
                        false,
                    );
                    // A full pool is our own limit, not the endpoint failing.
                    return Err(if pool_full {
                        SendFailure::Other(err)
                    } else {
                        SendFailure::Unreachable(err)
                    });
                }
                Ok(Err(e)) => return Err(SendFailure::Unreachable(classify_connect_error(e))),
                Ok(Ok(c)) => c,
            };
            match tokio::time::timeout_at(timer, conn.tx.try_send_request(http_req)).await {
                Err(_) => {
                    connected();
                    return Err(SendFailure::Other(TransportError::new(
                        TransportErrorKind::Timeout(timeout_kind),
                        format!("no response within {} ms", budget.as_millis()),
                        true,
                    )));
                }
                Ok(Ok(head)) => {
                    connected();
                    return Ok((conn, head));
                }
                Ok(Err(mut e)) => match e.take_message() {
                    // A pooled connection the server had already closed refused the request
                    // before writing any of it: send it on another one. This is not a new
                    // attempt, and each pass drops a connection, so it ends.
                    Some(back) if conn.reused => {
                        tracing::debug!(error = %e.error(), "idle connection was closed; reconnecting");
                        http_req = back;
                    }
                    Some(_) => {
                        // hyper only says "closed"; the connection's task knows why.
                        let wait = self.left(deadline).min(CAUSE_WAIT);
                        let err = match conn.failure(wait).await {
                            Some(cause) => TransportError::new(
                                TransportErrorKind::Connect,
                                format!(
                                    "the new connection failed before the request was sent: {}",
                                    error_chain(&cause)
                                ),
                                false,
                            )
                            .with_source(cause),
                            None => TransportError::new(
                                TransportErrorKind::Connect,
                                "the new connection closed before the request was sent",
                                false,
                            )
                            .with_source(e.into_error()),
                        };
                        return Err(SendFailure::Unreachable(err));
                    }
                    None => {
                        connected();
                        return Err(SendFailure::Other(classify_send_error(e.into_error())));
                    }
                },
            }
        }
    }

    async fn attempt(
        &self,
        req: &Request,
        start: AttemptStart,
        budget: Duration,
        timeout_kind: TimeoutKind,
        cap: usize,
        stream: Option<StreamLimits>,
    ) -> Attempt {
        let AttemptStart { signing: now, at } = start;
        // Clamp so a huge configured timeout ("never") cannot overflow the timer.
        let deadline = at.saturating_add(budget.min(MAX_TIMER));
        let timer = timer_after(budget);
        let asked = matches!(self.inner.credentials, CredentialSource::Provider(_));
        let credentials = match self.credentials(timer).await {
            Ok(c) => c,
            Err(e) => return Attempt::Failed(e),
        };
        // The first endpoint looks at its idle connections with `at`, unless a provider was
        // asked (it may have fetched for a while): then with a new reading. Any further
        // endpoint reads the clock again.
        let mut reading = if asked {
            KeptReading::default()
        } else {
            KeptReading::taken(at)
        };
        // Each endpoint at most once, starting with the one in use; a connect that fails
        // (nothing was sent) moves on to the next, signed again for its Host.
        let count = self.inner.endpoints.len();
        let first = self.current_index();
        let mut tried = 0;
        let (pool, conn, head) = loop {
            let at = (first + tried) % count;
            let endpoint = &self.inner.endpoints[at];
            let http_req = match self.build_request(req, now, credentials.as_deref(), endpoint) {
                Ok(r) => r,
                Err(e) => return Attempt::Failed(e),
            };
            let pool = &self.inner.pools[at];
            let connected = || {
                if at != first {
                    // Sticky from the moment it takes the request: later attempts (a retry
                    // of this request included) and calls start here. Left alone if another call
                    // moved it meanwhile.
                    let _ = self.inner.current.compare_exchange(
                        first,
                        at,
                        Ordering::Relaxed,
                        Ordering::Relaxed,
                    );
                    tracing::info!(endpoint = %endpoint, "now using this endpoint");
                }
            };
            match self
                .send_on(
                    pool,
                    http_req,
                    Until {
                        deadline,
                        timer,
                        look: std::mem::take(&mut reading),
                    },
                    timeout_kind,
                    budget,
                    connected,
                )
                .await
            {
                Ok((conn, head)) => break (pool, conn, head),
                Err(SendFailure::Unreachable(e))
                    if tried + 1 < count && self.inner.clock.monotonic() < deadline =>
                {
                    tracing::warn!(
                        endpoint = %endpoint,
                        error = %e,
                        "cannot connect (nothing was sent); trying the next endpoint"
                    );
                    tried += 1;
                }
                Err(SendFailure::Unreachable(e) | SendFailure::Other(e)) => {
                    return Attempt::Failed(e)
                }
            }
        };
        let (parts, mut body) = head.into_parts();
        let request_id = parts
            .headers
            .get(REQUEST_ID_HEADER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        if let Some(limits) = stream {
            if parts.status.is_success() {
                let keep_alive = keeps_alive(&parts);
                return Attempt::Stream(ResponseStream::new(
                    Head {
                        status: parts.status.as_u16(),
                        headers: parts.headers,
                        request_id,
                    },
                    body,
                    conn,
                    keep_alive,
                    pool.clone(),
                    limits,
                ));
            }
        }
        // Room for the whole body at once when its length is announced (within the cap), so
        // a large answer is not copied again at every doubling.
        let announced = parts
            .headers
            .get(http::header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok())
            .unwrap_or(0);
        let mut buf = BytesMut::with_capacity(announced.min(cap));
        let mut state = BodyState::Complete;
        loop {
            match tokio::time::timeout_at(timer, body.frame()).await {
                Err(_) => {
                    state = BodyState::TimedOut;
                    break;
                }
                Ok(None) => break,
                Ok(Some(Err(e))) => {
                    tracing::debug!(error = %e, "response body interrupted");
                    state = BodyState::Interrupted;
                    break;
                }
                Ok(Some(Ok(frame))) => {
                    if let Ok(data) = frame.into_data() {
                        let room = cap - buf.len();
                        if data.len() > room {
                            buf.extend_from_slice(&data[..room]);
                            state = BodyState::Truncated;
                            break;
                        }
                        buf.extend_from_slice(&data);
                    }
                }
            }
        }
        drop(body);
        if state == BodyState::Complete && keeps_alive(&parts) {
            pool.checkin(conn);
        } else {
            // Unread bytes may still be on their way, or the server is closing it: the
            // connection cannot carry another request, and dropping it closes it now.
            drop::<Conn>(conn);
        }
        let mut body = buf.freeze();
        let mut secrets_redacted = false;
        // A server that echoes our request (some gateways put the canonical request in
        // their 401 message) would hand the token to every log that prints the error; the
        // secret key is never sent, but a body that holds it is cleaned all the same.
        let token = credentials
            .as_ref()
            .and_then(|c| c.security_token())
            .map(|t| t.expose_secret());
        let sk = credentials
            .as_ref()
            .map(|c| c.secret_access_key().expose_secret());
        for secret in [token, sk].into_iter().flatten() {
            if let Some(clean) = redact(&body, secret.as_bytes()) {
                body = clean;
                secrets_redacted = true;
            }
        }
        Attempt::Answer(Response {
            status: parts.status.as_u16(),
            headers: parts.headers,
            body,
            body_state: state,
            secrets_redacted,
            request_id,
            attempts: 1,
            prior_attempt_may_have_applied: false,
            signed_at: now,
            secrets: SigningSecrets(credentials),
            clock_correction_secs: 0,
        })
    }
}

/// The TLS settings: rustls' safe defaults, the web PKI roots, and any extra CA certificates.
fn tls_config(
    provider: Arc<rustls::crypto::CryptoProvider>,
    extra_pem: &[u8],
) -> Result<rustls::ClientConfig, ConfigError> {
    use rustls::pki_types::{pem::PemObject, CertificateDer};
    let mut roots = rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    if !extra_pem.is_empty() {
        let mut added = 0;
        for cert in CertificateDer::pem_slice_iter(extra_pem) {
            let cert =
                cert.map_err(|e| ConfigError::Tls(format!("cannot read the CA bundle: {e}")))?;
            roots
                .add(cert)
                .map_err(|e| ConfigError::Tls(format!("unusable CA certificate: {e}")))?;
            added += 1;
        }
        if added == 0 {
            return Err(ConfigError::Tls(
                "the CA bundle holds no PEM certificate".into(),
            ));
        }
    }
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| ConfigError::Tls(e.to_string()))?
        .with_root_certificates(roots)
        .with_no_client_auth())
}

/// `t` moved by `secs` seconds (either way); unchanged if that would overflow.
fn shift(t: SystemTime, secs: i64) -> SystemTime {
    let d = Duration::from_secs(secs.unsigned_abs());
    let moved = if secs >= 0 {
        t.checked_add(d)
    } else {
        t.checked_sub(d)
    };
    moved.unwrap_or(t)
}

/// Whether the server will keep the connection open after this answer: never when it says
/// `Connection: close`; otherwise HTTP/1.1 always, HTTP/1.0 only if it says `keep-alive`.
fn keeps_alive(parts: &http::response::Parts) -> bool {
    let has = |token: &str| {
        parts
            .headers
            .get_all(http::header::CONNECTION)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .any(|t| t.trim().eq_ignore_ascii_case(token))
    };
    if has("close") {
        false
    } else if parts.version == http::Version::HTTP_10 {
        has("keep-alive")
    } else {
        true
    }
}

/// The headers this client always sends, without parsing their names each time.
fn known_header(name: &str) -> Option<HeaderName> {
    use http::header;
    // Built at compile time: `from_static` checks its name again at every call otherwise.
    const SDK_DATE: HeaderName = HeaderName::from_static("x-sdk-date");
    const PROJECT_ID: HeaderName = HeaderName::from_static("x-project-id");
    const SECURITY_TOKEN: HeaderName = HeaderName::from_static("x-security-token");
    const CONTENT_SHA256: HeaderName = HeaderName::from_static("x-sdk-content-sha256");
    Some(match name {
        "Content-Type" => header::CONTENT_TYPE,
        "User-Agent" => header::USER_AGENT,
        "Host" => header::HOST,
        "Authorization" => header::AUTHORIZATION,
        signer::HEADER_SDK_DATE => SDK_DATE,
        signer::HEADER_PROJECT_ID => PROJECT_ID,
        signer::HEADER_SECURITY_TOKEN => SECURITY_TOKEN,
        signer::HEADER_CONTENT_SHA256 => CONTENT_SHA256,
        _ => return None,
    })
}

/// A connect that failed: nothing was sent.
fn classify_connect_error(e: ConnectError) -> TransportError {
    let mut timed_out = false;
    let mut src: Option<&(dyn std::error::Error + 'static)> = Some(&*e);
    while let Some(s) = src {
        if let Some(io) = s.downcast_ref::<std::io::Error>() {
            if io.kind() == std::io::ErrorKind::TimedOut {
                timed_out = true;
            }
        }
        src = s.source();
    }
    let detail = error_chain(&*e);
    if mentions_tls_error(&*e) {
        TransportError::new(
            TransportErrorKind::Tls,
            format!("TLS handshake failed: {detail}"),
            false,
        )
    } else if timed_out {
        TransportError::new(
            TransportErrorKind::Timeout(TimeoutKind::Connect),
            format!("connect timed out: {detail}"),
            false,
        )
    } else {
        TransportError::new(
            TransportErrorKind::Connect,
            format!("connection failed: {detail}"),
            false,
        )
    }
    .with_source(e)
}

/// A connection that failed after it took the request: some or all of it may have arrived.
fn classify_send_error(e: hyper::Error) -> TransportError {
    let detail = error_chain(&e);
    TransportError::new(
        TransportErrorKind::Io,
        format!("connection failed after the request may have been sent: {detail}"),
        true,
    )
    .with_source(e)
}

/// Whether a rustls error sits anywhere in the chain. `io::Error` hides its inner error from
/// `source()` (it returns the inner error's source), and hyper-rustls wraps the handshake's
/// `io::Error` in another, so look inside each `io::Error` too.
fn mentions_tls_error(e: &(dyn std::error::Error + 'static)) -> bool {
    if e.downcast_ref::<rustls::Error>().is_some() {
        return true;
    }
    if let Some(inner) = e
        .downcast_ref::<std::io::Error>()
        .and_then(|io| io.get_ref())
    {
        if mentions_tls_error(inner) {
            return true;
        }
    }
    e.source().is_some_and(mentions_tls_error)
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut src = e.source();
    while let Some(c) = src {
        let t = c.to_string();
        if !s.contains(&t) {
            s.push_str(": ");
            s.push_str(&t);
        }
        src = c.source();
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(version: http::Version, connection: &[&str]) -> http::response::Parts {
        let mut b = http::Response::builder().version(version);
        for v in connection {
            b = b.header(http::header::CONNECTION, *v);
        }
        b.body(()).unwrap().into_parts().0
    }

    /// The names built at compile time are exactly what parsing the transport's own header
    /// names gives (a typo there would send a header the gateway does not know).
    #[test]
    fn the_transports_header_names_are_known_and_agree_with_parsing() {
        for name in [
            "Content-Type",
            "User-Agent",
            "Host",
            "Authorization",
            signer::HEADER_SDK_DATE,
            signer::HEADER_PROJECT_ID,
            signer::HEADER_SECURITY_TOKEN,
            signer::HEADER_CONTENT_SHA256,
        ] {
            let parsed = HeaderName::from_bytes(name.as_bytes()).unwrap();
            assert_eq!(known_header(name), Some(parsed), "{name}");
        }
        assert_eq!(known_header("X-Custom-Thing"), None);
    }

    #[test]
    fn keeps_alive_reads_the_connection_header_by_version() {
        use http::Version;
        assert!(keeps_alive(&answer(Version::HTTP_11, &[])));
        assert!(keeps_alive(&answer(Version::HTTP_11, &["keep-alive"])));
        assert!(!keeps_alive(&answer(Version::HTTP_11, &["close"])));
        assert!(!keeps_alive(&answer(Version::HTTP_11, &["Upgrade, CLOSE"])));
        assert!(!keeps_alive(&answer(Version::HTTP_11, &["te", " close "])));
        assert!(keeps_alive(&answer(Version::HTTP_11, &["closed"])));
        assert!(!keeps_alive(&answer(Version::HTTP_10, &[])));
        assert!(keeps_alive(&answer(Version::HTTP_10, &["Keep-Alive"])));
        assert!(!keeps_alive(&answer(
            Version::HTTP_10,
            &["keep-alive, close"]
        )));
    }
}
