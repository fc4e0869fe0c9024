//! Where requests go: an endpoint is a scheme and an authority, checked once.

use crate::error::ConfigError;
use std::fmt;
use std::net::IpAddr;

/// URL scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
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
    /// Parses `https://host[:port]` or `http://host[:port]` (a trailing `/` is allowed).
    /// Paths, queries, fragments and user info are refused, and so is a URL without a scheme
    /// ([`ConfigError::MissingScheme`]): `127.0.0.1:18080` could be an emulator on plain http
    /// or a TLS server, and guessing wrong gives a confusing TLS error later.
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
            return Err(ConfigError::MissingScheme {
                url: redact_url(trimmed).chars().take(200).collect(),
            });
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints() {
        let e = Endpoint::parse("https://dcs.cn-north-4.myhuaweicloud.com/").unwrap();
        assert_eq!(e.authority(), "dcs.cn-north-4.myhuaweicloud.com");
        assert!(!e.is_loopback());
        let e = Endpoint::parse("https://dcs.example.internal:8443").unwrap();
        assert_eq!(e.scheme(), Scheme::Https);
        assert_eq!(e.authority(), "dcs.example.internal:8443");
        // No scheme: refused with the fix, never taken as https.
        let e = Endpoint::parse("127.0.0.1:18080").unwrap_err();
        assert_eq!(
            e,
            ConfigError::MissingScheme {
                url: "127.0.0.1:18080".into()
            }
        );
        let m = e.to_string();
        assert!(m.contains("http://127.0.0.1:18080"), "{m}");
        assert!(m.contains("https://127.0.0.1:18080"), "{m}");
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
    }
}
