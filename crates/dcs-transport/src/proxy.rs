//! HTTP proxies: an explicit proxy URL or the usual environment variables, CONNECT
//! tunnelling with basic authentication, and the hosts that never go through a proxy.
//!
//! The environment is read through an injected lookup ([`ProxySettings::from_lookup`]), so
//! tests never touch the process environment. Loopback, link-local (169.254.0.0/16, which
//! holds the ECS metadata service, and fe80::/10) and `localhost` are never proxied, whatever
//! the configuration says. The password is percent-decoded from the URL's user info, kept as
//! a [`SecretString`], and shown as `** redacted **` in `Debug`, `Display` and errors.

use crate::credentials::{SecretString, REDACTED};
use crate::endpoint::{redact_url, Endpoint, Scheme};
use crate::error::ConfigError;
use hyper_util::rt::TokioIo;
use std::fmt;
use std::future::Future;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

/// A proxy server reached over plain HTTP, tunnelling with `CONNECT`.
#[derive(Clone, PartialEq, Eq)]
pub struct Proxy {
    host: String,
    port: u16,
    user: Option<String>,
    password: Option<SecretString>,
}

impl Proxy {
    /// Parses `http://[user[:password]@]host[:port]` (port 80 when absent; a trailing `/` is
    /// allowed; user and password percent-decoded). Without a scheme, `http://` is assumed,
    /// as curl does. Errors never repeat the password.
    pub fn parse(url: &str) -> Result<Self, ConfigError> {
        let shown = redact_url(url);
        let bad = |reason| ConfigError::InvalidProxy {
            url: shown.chars().take(200).collect(),
            reason,
        };
        let trimmed = url.trim();
        let rest = if let Some(r) = strip_prefix_ci(trimmed, "http://") {
            r
        } else if trimmed.contains("://") {
            return Err(bad("only http:// proxies are supported"));
        } else {
            trimmed
        };
        let rest = rest.strip_suffix('/').unwrap_or(rest);
        let (userinfo, hostport) = match rest.rsplit_once('@') {
            Some((u, h)) => (Some(u), h),
            None => (None, rest),
        };
        if hostport.is_empty() || hostport.contains(['/', '?', '#', '@']) {
            return Err(bad("expected http://[user:password@]host[:port]"));
        }
        // Host and port, as an endpoint would have them (brackets for IPv6).
        let endpoint = Endpoint::parse(&format!("http://{hostport}"))
            .map_err(|_| bad("the host or port is not valid"))?;
        let host = endpoint.host().to_string();
        let after_host = hostport.rsplit_once(']').map_or(hostport, |(_, r)| r);
        let port = match after_host.rsplit_once(':') {
            Some((_, p)) => p.parse().map_err(|_| bad("the port is not valid"))?,
            None => 80,
        };
        let (user, password) = match userinfo {
            None => (None, None),
            Some(info) => {
                let (u, p) = match info.split_once(':') {
                    Some((u, p)) => (u, Some(p)),
                    None => (info, None),
                };
                let decode = |s: &str| {
                    percent_encoding::percent_decode_str(s)
                        .decode_utf8()
                        .map(|c| c.into_owned())
                        .map_err(|_| bad("the user info is not valid UTF-8 once decoded"))
                };
                (
                    Some(decode(u)?),
                    p.map(decode).transpose()?.map(SecretString::new),
                )
            }
        };
        Ok(Self {
            host,
            port,
            user,
            password,
        })
    }

    /// The proxy's host (IPv6 in brackets).
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The proxy's port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `http://host:port`, what to dial.
    pub(crate) fn uri(&self) -> String {
        format!("http://{}:{}", self.host, self.port)
    }

    /// The `Proxy-Authorization` value, when the URL carried a user.
    pub(crate) fn authorization(&self) -> Option<SecretString> {
        let user = self.user.as_deref()?;
        let pass = self.password.as_ref().map_or("", |p| p.expose_secret());
        let plain = zeroize::Zeroizing::new(format!("{user}:{pass}"));
        Some(SecretString::new(format!(
            "Basic {}",
            base64(plain.as_bytes()).as_str()
        )))
    }
}

impl fmt::Debug for Proxy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Proxy({self})")
    }
}

impl fmt::Display for Proxy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("http://")?;
        if let Some(u) = &self.user {
            write!(f, "{u}")?;
            if self.password.is_some() {
                write!(f, ":{REDACTED}")?;
            }
            f.write_str("@")?;
        }
        write!(f, "{}:{}", self.host, self.port)
    }
}

/// One `NO_PROXY` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Bypass {
    /// `*`: nothing is proxied.
    All,
    /// A host and its subdomains (`example.com`, `.example.com`).
    Domain(String),
    /// An address, or a network in CIDR form.
    Net(IpAddr, u8),
}

/// Which proxy to use for which host: a proxy for `https://` endpoints, one for `http://`
/// endpoints, and the hosts that bypass them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProxySettings {
    https: Option<Proxy>,
    http: Option<Proxy>,
    bypass: Vec<Bypass>,
}

impl ProxySettings {
    /// `proxy` for every endpoint, `https://` and `http://` alike.
    pub fn all(proxy: Proxy) -> Self {
        Self {
            https: Some(proxy.clone()),
            http: Some(proxy),
            bypass: Vec::new(),
        }
    }

    /// Adds `NO_PROXY`-style entries (comma-separated: `*`, host names with or without a
    /// leading `.`, IP addresses, CIDR networks).
    pub fn no_proxy(mut self, list: &str) -> Self {
        self.bypass.extend(parse_no_proxy(list));
        self
    }

    /// The settings the environment gives, read through `lookup` (the process environment in
    /// production: `|k| std::env::var(k).ok()`): `HTTPS_PROXY`, `HTTP_PROXY` and `NO_PROXY`,
    /// each upper-case first, then lower-case. Empty values count as unset.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |upper: &str, lower: &str| {
            lookup(upper)
                .filter(|v| !v.trim().is_empty())
                .or_else(|| lookup(lower).filter(|v| !v.trim().is_empty()))
        };
        let https = get("HTTPS_PROXY", "https_proxy")
            .map(|v| Proxy::parse(&v))
            .transpose()?;
        let http = get("HTTP_PROXY", "http_proxy")
            .map(|v| Proxy::parse(&v))
            .transpose()?;
        let bypass = get("NO_PROXY", "no_proxy")
            .map(|v| parse_no_proxy(&v))
            .unwrap_or_default();
        Ok(Self {
            https,
            http,
            bypass,
        })
    }

    /// The proxy for `endpoint`, or `None` when it is reached directly: no proxy for its
    /// scheme, a `NO_PROXY` match, or a host that is never proxied (loopback, link-local,
    /// `localhost`).
    pub fn proxy_for(&self, endpoint: &Endpoint) -> Option<&Proxy> {
        let proxy = match endpoint.scheme() {
            Scheme::Https => self.https.as_ref()?,
            Scheme::Http => self.http.as_ref()?,
        };
        let host = endpoint
            .host()
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_ascii_lowercase();
        if never_proxied(&host) {
            return None;
        }
        let ip = host.parse::<IpAddr>().ok();
        let bypassed = self.bypass.iter().any(|b| match b {
            Bypass::All => true,
            Bypass::Domain(d) => host == *d || host.ends_with(&format!(".{d}")),
            Bypass::Net(net, bits) => ip.is_some_and(|ip| in_network(ip, *net, *bits)),
        });
        (!bypassed).then_some(proxy)
    }
}

/// Loopback, link-local (the metadata service lives at 169.254.169.254) and `localhost`.
fn never_proxied(host: &str) -> bool {
    if host == "localhost" || host.ends_with(".localhost") {
        return true;
    }
    match host.parse::<IpAddr>() {
        Ok(IpAddr::V4(v4)) => v4.is_loopback() || v4.is_link_local() || v4.is_unspecified(),
        Ok(IpAddr::V6(v6)) => {
            v6.is_loopback()
                || v6.is_unspecified()
                || (v6.segments()[0] & 0xffc0) == 0xfe80
                || v6
                    .to_ipv4_mapped()
                    .is_some_and(|v4| v4.is_loopback() || v4.is_link_local())
        }
        Err(_) => false,
    }
}

fn parse_no_proxy(list: &str) -> Vec<Bypass> {
    list.split(',')
        .map(|e| e.trim().to_ascii_lowercase())
        .filter(|e| !e.is_empty())
        .filter_map(|e| {
            if e == "*" {
                return Some(Bypass::All);
            }
            if let Some((net, bits)) = e.split_once('/') {
                let net: IpAddr = net.parse().ok()?;
                let max = if net.is_ipv4() { 32 } else { 128 };
                let bits: u8 = bits.parse().ok().filter(|b| *b <= max)?;
                return Some(Bypass::Net(net, bits));
            }
            let bare = e.trim_start_matches('[').trim_end_matches(']');
            if let Ok(ip) = bare.parse::<IpAddr>() {
                let bits = if ip.is_ipv4() { 32 } else { 128 };
                return Some(Bypass::Net(ip, bits));
            }
            // `host:port` entries name the host; the port is not checked.
            let host = e.rsplit_once(':').map_or(e.as_str(), |(h, _)| h);
            Some(Bypass::Domain(
                host.trim_start_matches("*.")
                    .trim_start_matches('.')
                    .to_string(),
            ))
        })
        .collect()
}

fn in_network(ip: IpAddr, net: IpAddr, bits: u8) -> bool {
    let prefix = |a: u128, b: u128, width: u32| {
        let bits = u32::from(bits).min(width);
        if bits == 0 {
            return true;
        }
        let shift = width - bits;
        (a >> shift) == (b >> shift)
    };
    match (ip, net) {
        (IpAddr::V4(a), IpAddr::V4(b)) => {
            prefix(u128::from(u32::from(a)), u128::from(u32::from(b)), 32)
        }
        (IpAddr::V6(a), IpAddr::V6(b)) => prefix(u128::from(a), u128::from(b), 128),
        _ => false,
    }
}

fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    (s.len() >= prefix.len()
        && s.as_bytes()[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes()))
    .then(|| &s[prefix.len()..])
}

/// Standard base64 with padding (RFC 4648), for the basic-auth header.
fn base64(input: &[u8]) -> zeroize::Zeroizing<String> {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = zeroize::Zeroizing::new(String::with_capacity(input.len().div_ceil(3) * 4));
    for group in input.chunks(3) {
        let b = [
            group[0],
            group.get(1).copied().unwrap_or(0),
            group.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= group.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Opens a tunnel to `authority` (`host:port`) through the proxy on `stream`: sends
/// `CONNECT`, and reads the proxy's answer head. Nothing of the request has been sent when
/// this fails.
async fn connect_tunnel(
    stream: &mut tokio::net::TcpStream,
    authority: &str,
    authorization: Option<&SecretString>,
) -> Result<(), BoxError> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut head = zeroize::Zeroizing::new(format!(
        "CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\n"
    ));
    if let Some(auth) = authorization {
        head.push_str("Proxy-Authorization: ");
        head.push_str(auth.expose_secret());
        head.push_str("\r\n");
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).await?;
    // The answer head, read a byte at a time so nothing of the tunnel is consumed.
    let mut answer = Vec::with_capacity(128);
    let mut byte = [0u8; 1];
    while !answer.ends_with(b"\r\n\r\n") {
        if answer.len() >= 8 * 1024 {
            return Err("the proxy's answer to CONNECT has no end".into());
        }
        if stream.read(&mut byte).await? == 0 {
            return Err("the proxy closed the connection in answer to CONNECT".into());
        }
        answer.push(byte[0]);
    }
    let line = String::from_utf8_lossy(&answer);
    let status = line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse::<u16>().ok())
        .ok_or("the proxy's answer to CONNECT is not HTTP")?;
    match status {
        200..=299 => Ok(()),
        407 => Err("the proxy refused the tunnel: 407 proxy authentication required".into()),
        s => Err(format!("the proxy refused the tunnel with status {s}").into()),
    }
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Where a connection is dialed: the endpoint itself, or a tunnel through a proxy.
#[derive(Clone)]
pub(crate) struct Dialer {
    http: hyper_util::client::legacy::connect::HttpConnector,
    via: Option<Arc<Tunnel>>,
}

struct Tunnel {
    proxy: http::Uri,
    /// `host:port` of the endpoint, as CONNECT names it.
    target: String,
    authorization: Option<SecretString>,
}

impl Dialer {
    /// Dials `endpoint` directly, or through `proxy`.
    pub(crate) fn new(
        http: hyper_util::client::legacy::connect::HttpConnector,
        endpoint: &Endpoint,
        proxy: Option<&Proxy>,
    ) -> Result<Self, ConfigError> {
        let via = match proxy {
            None => None,
            Some(p) => {
                let uri = p.uri().parse().map_err(|_| ConfigError::InvalidProxy {
                    url: p.to_string(),
                    reason: "the host or port is not valid",
                })?;
                let target = if endpoint.authority() == endpoint.host() {
                    let port = match endpoint.scheme() {
                        Scheme::Https => 443,
                        Scheme::Http => 80,
                    };
                    format!("{}:{port}", endpoint.host())
                } else {
                    endpoint.authority().to_string()
                };
                Some(Arc::new(Tunnel {
                    proxy: uri,
                    target,
                    authorization: p.authorization(),
                }))
            }
        };
        Ok(Self { http, via })
    }
}

impl tower_service::Service<http::Uri> for Dialer {
    type Response = TokioIo<tokio::net::TcpStream>;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, BoxError>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        self.http.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, dst: http::Uri) -> Self::Future {
        let mut http = self.http.clone();
        match self.via.clone() {
            None => Box::pin(async move { http.call(dst).await.map_err(Into::into) }),
            Some(tunnel) => Box::pin(async move {
                let io = http
                    .call(tunnel.proxy.clone())
                    .await
                    .map_err(|e| format!("cannot reach the proxy: {e}"))?;
                let mut tcp = io.into_inner();
                connect_tunnel(&mut tcp, &tunnel.target, tunnel.authorization.as_ref()).await?;
                Ok(TokioIo::new(tcp))
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_known_values() {
        for (plain, encoded) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("user:p@ss:w/rd", "dXNlcjpwQHNzOncvcmQ="),
        ] {
            assert_eq!(base64(plain.as_bytes()).as_str(), encoded, "{plain}");
        }
    }

    #[test]
    fn networks() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        assert!(in_network(ip("10.1.2.3"), ip("10.0.0.0"), 8));
        assert!(!in_network(ip("11.1.2.3"), ip("10.0.0.0"), 8));
        assert!(in_network(ip("fd00::1"), ip("fd00::"), 8));
        assert!(!in_network(ip("10.1.2.3"), ip("fd00::"), 8));
        assert!(in_network(ip("1.2.3.4"), ip("0.0.0.0"), 0));
    }
}
