//! Where to send requests and how: the endpoint, timeouts, body cap, retries, user agent.

use crate::retry::RetryPolicy;
use std::fmt;
use std::net::IpAddr;
use std::time::Duration;

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

/// URL scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    /// `https`
    Https,
    /// `http` (loopback, or explicitly allowed)
    Http,
}

/// A service endpoint: scheme and authority, no path.
#[derive(Clone, PartialEq, Eq)]
pub struct Endpoint {
    scheme: Scheme,
    authority: String,
    host: String,
}

impl Endpoint {
    /// Parses `https://host[:port]` (a trailing `/` is allowed). Without a scheme, `https://`
    /// is assumed. Paths, queries, fragments and user info are refused.
    pub fn parse(url: &str) -> Result<Self, ConfigError> {
        let bad = |reason| ConfigError::InvalidEndpoint {
            url: redact_url(url).chars().take(200).collect(),
            reason,
        };
        let trimmed = url.trim();
        let (scheme, rest) = if let Some(r) = strip_prefix_ci(trimmed, "https://") {
            (Scheme::Https, r)
        } else if let Some(r) = strip_prefix_ci(trimmed, "http://") {
            (Scheme::Http, r)
        } else if trimmed.contains("://") {
            return Err(bad("only http and https are supported"));
        } else {
            (Scheme::Https, trimmed)
        };
        let authority = rest.strip_suffix('/').unwrap_or(rest);
        if authority.is_empty() {
            return Err(bad("no host"));
        }
        if authority.contains(['/', '?', '#']) {
            return Err(bad("an endpoint has no path, query or fragment"));
        }
        if authority.contains('@') {
            return Err(bad("user info is not allowed in an endpoint"));
        }
        if !authority
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-.:[]_".contains(&b))
        {
            return Err(bad("the host holds characters a host name cannot have"));
        }
        let uri: http::Uri = format!("{}://{authority}/", scheme.as_str())
            .parse()
            .map_err(|_| bad("not a valid URL"))?;
        let host = uri.host().ok_or_else(|| bad("no host"))?.to_string();
        let after_host = authority.rsplit_once(']').map_or(authority, |(_, r)| r);
        if let Some((_, port)) = after_host.rsplit_once(':') {
            match port.parse::<u16>() {
                Ok(p) if p > 0 => {}
                _ => return Err(bad("the port must be a number from 1 to 65535")),
            }
        }
        Ok(Self {
            scheme,
            authority: authority.to_ascii_lowercase(),
            host: host.to_ascii_lowercase(),
        })
    }

    /// `https://{service}.{region}.myhuaweicloud.com`, the public endpoint pattern.
    pub fn for_region(service: &str, region: &str) -> Result<Self, ConfigError> {
        let ok =
            |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
        if !ok(service) || !ok(region) {
            return Err(ConfigError::InvalidEndpoint {
                url: format!("{service}.{region}").chars().take(200).collect(),
                reason: "service and region are letters, digits and '-'",
            });
        }
        Self::parse(&format!("https://{service}.{region}.myhuaweicloud.com"))
    }

    /// The scheme.
    pub fn scheme(&self) -> Scheme {
        self.scheme
    }

    /// `host[:port]` as given, lower-cased.
    pub fn authority(&self) -> &str {
        &self.authority
    }

    /// The host alone (IPv6 in brackets).
    pub fn host(&self) -> &str {
        &self.host
    }

    /// Whether the host is exactly `localhost` or a loopback IP literal. Other names, even
    /// `*.localhost`, go through DNS and may resolve anywhere, so they do not count.
    pub fn is_loopback(&self) -> bool {
        let h = self.host.trim_start_matches('[').trim_end_matches(']');
        h == "localhost"
            || h.parse::<IpAddr>()
                .map(|ip| ip.is_loopback())
                .unwrap_or(false)
    }

    /// `scheme://authority`.
    pub fn base_url(&self) -> String {
        format!("{}://{}", self.scheme.as_str(), self.authority)
    }
}

impl fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Endpoint({})", self.base_url())
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.base_url())
    }
}

impl Scheme {
    fn as_str(self) -> &'static str {
        match self {
            Scheme::Https => "https",
            Scheme::Http => "http",
        }
    }
}

/// `url` with the password of its user info (`scheme://user:PASSWORD@host`) replaced by
/// `** redacted **`, for every message that quotes a URL someone configured (endpoints,
/// proxies, credential services). The user info is taken to end at the *last* `@`, so a
/// password holding `@`, `/` or `#` (written without percent-encoding) is hidden whole; a
/// URL without `@` is returned as it is.
pub fn redact_url(url: &str) -> String {
    let (scheme, rest) = match url.find("://") {
        Some(at) => url.split_at(at + 3),
        None => ("", url),
    };
    match rest.rsplit_once('@') {
        Some((info, host)) => match info.split_once(':') {
            Some((user, _)) => format!("{scheme}{user}:{}@{host}", crate::credentials::REDACTED),
            None => url.to_string(),
        },
        None => url.to_string(),
    }
}

fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    if s.len() >= prefix.len()
        && s.as_bytes()[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes())
    {
        Some(&s[prefix.len()..])
    } else {
        None
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints() {
        let e = Endpoint::parse("https://dcs.cn-north-4.myhuaweicloud.com/").unwrap();
        assert_eq!(e.authority(), "dcs.cn-north-4.myhuaweicloud.com");
        assert!(!e.is_loopback());
        let e = Endpoint::parse("dcs.example.internal:8443").unwrap();
        assert_eq!(e.scheme(), Scheme::Https);
        assert_eq!(e.authority(), "dcs.example.internal:8443");
        for l in [
            "http://127.0.0.1:1",
            "http://localhost:9",
            "http://[::1]:80",
            "http://127.9.9.9",
        ] {
            assert!(Endpoint::parse(l).unwrap().is_loopback(), "{l}");
        }
        for not_loopback in [
            "http://evil.localhost",
            "http://127.0.0.1.nip.io",
            "http://10.0.0.1",
        ] {
            assert!(
                !Endpoint::parse(not_loopback).unwrap().is_loopback(),
                "{not_loopback}"
            );
        }
        for bad in [
            "",
            "https://",
            "ftp://x",
            "https://h/path",
            "https://h?x=1",
            "https://u:p@h",
            "https://h:",
            "https://h:0",
            "https://h:99999",
            "https://h o",
        ] {
            assert!(Endpoint::parse(bad).is_err(), "{bad:?}");
        }
        assert_eq!(
            Endpoint::for_region("dcs", "cn-north-4")
                .unwrap()
                .base_url(),
            "https://dcs.cn-north-4.myhuaweicloud.com"
        );
        assert!(Endpoint::for_region("dcs", "cn/north").is_err());
    }
}
