//! How the client behaves: timeouts, body cap, retries, user agent, pool limits, proxy.

use crate::error::ConfigError;
use crate::retry::RetryPolicy;
use std::time::Duration;

/// Default cap on response bytes read: 1 MiB.
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 1024 * 1024;

/// How the client behaves. Every field has a default a careful user would choose.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    pub(crate) connect_timeout: Duration,
    pub(crate) attempt_timeout: Duration,
    pub(crate) total_timeout: Duration,
    pub(crate) max_response_bytes: usize,
    pub(crate) retry: RetryPolicy,
    pub(crate) user_agent: String,
    pub(crate) allow_insecure_http: bool,
    pub(crate) pool_idle_timeout: Duration,
    pub(crate) pool_max_idle_per_host: usize,
    pub(crate) pool_max_connections_per_host: usize,
    pub(crate) pool_max_connection_lifetime: Duration,
    pub(crate) correct_clock_skew: bool,
    pub(crate) proxy: Option<crate::proxy::ProxySettings>,
}

impl Default for ClientConfig {
    /// Connect 5 s, per attempt 30 s, total 90 s, 1 MiB response cap, the default
    /// [`RetryPolicy`], idle connections kept 90 s (up to 64 per host), at most 256
    /// connections open, none used after 5 minutes.
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(5),
            attempt_timeout: Duration::from_secs(30),
            total_timeout: Duration::from_secs(90),
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            retry: RetryPolicy::default(),
            user_agent: default_user_agent(),
            allow_insecure_http: false,
            pool_idle_timeout: Duration::from_secs(90),
            pool_max_idle_per_host: 64,
            pool_max_connections_per_host: 256,
            pool_max_connection_lifetime: Duration::from_secs(300),
            correct_clock_skew: true,
            proxy: None,
        }
    }
}

/// `huaweicloud-dcs-rust-sdk/<version>`: the SDK's name (its crates share one version), not
/// a service's; any service's crate sends it.
pub fn default_user_agent() -> String {
    format!("huaweicloud-dcs-rust-sdk/{}", env!("CARGO_PKG_VERSION"))
}

impl ClientConfig {
    /// Time allowed to get a connection: DNS, TCP and the TLS handshake together (and, when
    /// the pool is at its cap, the wait for a free connection).
    pub fn connect_timeout(mut self, d: Duration) -> Self {
        self.connect_timeout = d;
        self
    }
    /// Time allowed for one attempt: sending, the response head and the whole body (covers a
    /// server that stalls before headers or mid-body).
    pub fn attempt_timeout(mut self, d: Duration) -> Self {
        self.attempt_timeout = d;
        self
    }
    /// Time allowed for the whole call, retries and backoff included.
    pub fn total_timeout(mut self, d: Duration) -> Self {
        self.total_timeout = d;
        self
    }
    /// The most response-body bytes read; beyond it reading stops and the response is flagged
    /// as truncated.
    pub fn max_response_bytes(mut self, n: usize) -> Self {
        self.max_response_bytes = n;
        self
    }
    /// The retry policy.
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }
    /// Appends `suffix` to the default User-Agent (after a space).
    pub fn user_agent_suffix(mut self, suffix: &str) -> Self {
        self.user_agent = format!("{} {suffix}", default_user_agent());
        self
    }
    /// Allows `http://` to hosts that are not loopback. Off by default: credentials-signed
    /// requests should not cross a network in the clear.
    pub fn allow_insecure_http(mut self, allow: bool) -> Self {
        self.allow_insecure_http = allow;
        self
    }
    /// How long an idle pooled connection is kept (zero: connections are never reused).
    pub fn pool_idle_timeout(mut self, d: Duration) -> Self {
        self.pool_idle_timeout = d;
        self
    }
    /// How many idle connections are kept (the oldest is closed beyond it; zero: connections
    /// are never reused).
    pub fn pool_max_idle_per_host(mut self, n: usize) -> Self {
        self.pool_max_idle_per_host = n;
        self
    }
    /// The most connections open at once (at least 1). Calls beyond it wait, within their
    /// connect timeout, for a connection to come back or close; one that gets none in time
    /// fails with a connect timeout that says the pool was full (nothing sent).
    pub fn pool_max_connections_per_host(mut self, n: usize) -> Self {
        self.pool_max_connections_per_host = n;
        self
    }
    /// How long a connection may be used after it was opened; an older one is closed rather
    /// than reused, so DNS is resolved again now and then (zero: connections are never reused).
    pub fn pool_max_connection_lifetime(mut self, d: Duration) -> Self {
        self.pool_max_connection_lifetime = d;
        self
    }
    /// After the gateway's expired-signature 401 (`APIGW.0301`, "signature expired") that
    /// shows a plausible offset, add that offset to the signing clock (for this client's
    /// later calls too) and send once more, whatever the method: the 401 proves nothing was
    /// applied. On by default; off, such a 401 is returned as it comes (and diagnosed).
    pub fn correct_clock_skew(mut self, yes: bool) -> Self {
        self.correct_clock_skew = yes;
        self
    }
    /// Sends through a proxy (see [`ProxySettings`](crate::proxy::ProxySettings): an explicit
    /// one with [`ProxySettings::all`](crate::proxy::ProxySettings::all), or the
    /// environment's with [`ProxySettings::from_lookup`](crate::proxy::ProxySettings::from_lookup)).
    /// No proxy by default.
    pub fn proxy(mut self, settings: crate::proxy::ProxySettings) -> Self {
        self.proxy = Some(settings);
        self
    }
    /// The proxy settings, when some were given.
    pub fn get_proxy(&self) -> Option<&crate::proxy::ProxySettings> {
        self.proxy.as_ref()
    }
    /// Whether clock-skew correction is on.
    pub fn get_correct_clock_skew(&self) -> bool {
        self.correct_clock_skew
    }
    /// The retry policy in force.
    pub fn get_retry(&self) -> &RetryPolicy {
        &self.retry
    }
    /// The per-attempt timeout in force.
    pub fn get_attempt_timeout(&self) -> Duration {
        self.attempt_timeout
    }
    /// The response cap in force.
    pub fn get_max_response_bytes(&self) -> usize {
        self.max_response_bytes
    }

    pub(crate) fn check(&self) -> Result<(), ConfigError> {
        if self.connect_timeout.is_zero()
            || self.attempt_timeout.is_zero()
            || self.total_timeout.is_zero()
        {
            return Err(ConfigError::Invalid("timeouts must be greater than zero"));
        }
        if self.pool_max_connections_per_host == 0 {
            return Err(ConfigError::Invalid(
                "the pool must allow at least one connection",
            ));
        }
        if http::HeaderValue::from_str(&self.user_agent).is_err() {
            return Err(ConfigError::Invalid("user agent must be visible ASCII"));
        }
        Ok(())
    }
}
