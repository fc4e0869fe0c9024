//! Temporary credentials from the ECS/BMS metadata service, with the official SDKs' wire flow:
//!
//! 1. `PUT /meta-data/latest/api/token` with `X-Metadata-Token-Ttl-Seconds: 21600` gets a
//!    session token (kept, and renewed before its time is up). A 404, 405 or 503 means the
//!    service has no tokens: the next step goes without one (retried after 24 hours).
//! 2. `GET /openstack/latest/securitykey`, with `X-Metadata-Token` when a token is held.
//! 3. A 401 gets a new token and one more try, unless its body says
//!    `Please configure Cloud Service Agency first`: the server has no agency, a hard error.
//!
//! Plain HTTP to `http://169.254.169.254` (or `HUAWEICLOUD_SDK_METADATA_ENDPOINT`), through
//! the [`Context`]'s network setup (an unsigned client of the transport: link-local and
//! loopback addresses are never proxied), 1 s to connect, 3 s for an exchange, one attempt.
//!
//! Not every answer at that address is the metadata service's. "Not an ECS server" ("not
//! configured", and the chain moves on, listing why) when:
//! - nothing answers the connect;
//! - something answers before the service ever showed itself (no token, no credentials from
//!   this provider yet) with what the service never sends: a status other than 200, 401 and
//!   (for the token) 404, 405 or 503 (a proxy's 403, a sandbox's 407), or a 200 that is not a
//!   token or not the credential JSON (an HTML page).
//!
//! Once the service has answered as itself, any failure is "broken" and stops the chain.

use crate::context::Context;
use crate::fetch::{ExpiringCredentials, FetchCredentials, FetchFuture};
use dcs_transport::{
    Credentials, Endpoint, HttpClient, Method, ProviderError, Request, Response, Scheme, SdkDate,
    SecretString,
};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The provider's name in errors.
pub const PROVIDER: &str = "ecs-metadata";
/// The metadata service's address.
pub const DEFAULT_METADATA_ENDPOINT: &str = "http://169.254.169.254";
/// Variable overriding the metadata base URL (`http://host[:port]`).
pub const ENV_METADATA_ENDPOINT: &str = "HUAWEICLOUD_SDK_METADATA_ENDPOINT";
/// Variable turning the metadata provider off when `true`.
pub const ENV_METADATA_DISABLED: &str = "HUAWEICLOUD_SDK_METADATA_DISABLED";

const TOKEN_PATH: &str = "/meta-data/latest/api/token";
const KEY_PATH: &str = "/openstack/latest/securitykey";
const TOKEN_TTL_HEADER: &str = "X-Metadata-Token-Ttl-Seconds";
const TOKEN_HEADER: &str = "X-Metadata-Token";
const TOKEN_TTL: Duration = Duration::from_secs(21_600);
/// A held token is replaced this long before its TTL runs out.
const TOKEN_MARGIN: Duration = Duration::from_secs(300);
/// After the service said it has no tokens, ask again after this long.
const NO_TOKEN_RETRY: Duration = Duration::from_secs(24 * 3600);
/// What the metadata service says when the server has no agency.
pub const NO_AGENCY_MESSAGE: &str = "Please configure Cloud Service Agency first";

#[derive(Debug)]
enum TokenState {
    Unknown,
    Held { token: SecretString, at: Duration },
    Unsupported { at: Duration },
}

/// Fetches temporary credentials from the metadata service (wrap it in a
/// [`CachingProvider`](crate::cache::CachingProvider)).
#[derive(Debug)]
pub struct MetadataProvider {
    endpoint: Endpoint,
    client: HttpClient,
    clock: Arc<dyn dcs_transport::Clock>,
    token: tokio::sync::Mutex<TokenState>,
    /// Whether the service has ever answered as itself (a token, or credentials).
    proven: AtomicBool,
}

/// What a credential service's answer was, for messages: status, type and size, never the
/// body (it may hold secrets).
pub(crate) fn unquoted(resp: &Response) -> String {
    let kind = resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .map(|t| format!("{}, ", t.chars().take(60).collect::<String>()))
        .unwrap_or_default();
    format!(
        "({kind}{} bytes; a credentials endpoint's answer is never quoted, as it may hold secrets)",
        resp.body().len()
    )
}

/// Whether an answer is a web page (by its type, or by its first byte).
fn looks_like_html(resp: &Response) -> bool {
    let typed = resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.to_ascii_lowercase().contains("html"));
    typed
        || resp
            .body()
            .iter()
            .find(|b| !b.is_ascii_whitespace())
            .is_some_and(|&b| b == b'<')
}

impl MetadataProvider {
    /// The provider for this context: `None` when `HUAWEICLOUD_SDK_METADATA_DISABLED=true`;
    /// an error when that variable is neither `true` nor `false`, or the endpoint variable
    /// is not a plain `http://host[:port]` URL, or the client cannot be set up. Does no I/O.
    pub fn from_context(ctx: &Context) -> Result<Option<Self>, ProviderError> {
        let broken = |e: String| ProviderError::broken(PROVIDER, e);
        match ctx
            .var(ENV_METADATA_DISABLED)
            .map_err(|e| broken(e.to_string()))?
        {
            None => {}
            Some(v) if v.trim().eq_ignore_ascii_case("true") => return Ok(None),
            Some(v) if v.trim().eq_ignore_ascii_case("false") => {}
            Some(_) => {
                return Err(broken(format!(
                    "{ENV_METADATA_DISABLED} must be true or false"
                )))
            }
        }
        let base = ctx
            .var(ENV_METADATA_ENDPOINT)
            .map_err(|e| broken(e.to_string()))?;
        let endpoint = match &base {
            None => Endpoint::parse(DEFAULT_METADATA_ENDPOINT)
                .map_err(|e| broken(format!("default endpoint: {e}")))?,
            Some(url) => parse_plain_http(url)
                .map_err(|e| broken(format!("{ENV_METADATA_ENDPOINT}: {e}")))?,
        };
        let client = ctx
            .credential_service_client(endpoint.clone())
            .map_err(|e| broken(format!("cannot set up its client: {e}")))?;
        Ok(Some(Self {
            endpoint,
            client,
            clock: ctx.clock().clone(),
            token: tokio::sync::Mutex::new(TokenState::Unknown),
            proven: AtomicBool::new(false),
        }))
    }

    /// The base URL asked.
    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    async fn send(
        &self,
        method: Method,
        path: &str,
        header: Option<(&'static str, &str)>,
    ) -> Result<Response, ProviderError> {
        let mut req = Request::new(method.clone(), path);
        if let Some((name, value)) = header {
            req = req.header(name, value);
        }
        self.client.send(&req).await.map_err(|e| {
            if e.is_connect() {
                ProviderError::not_configured(
                    PROVIDER,
                    format!(
                        "no metadata service at {} (not an ECS server?): {e}",
                        self.endpoint
                    ),
                )
            } else {
                ProviderError::broken(PROVIDER, format!("{method} {}{path}: {e}", self.endpoint))
            }
        })
    }

    /// The error for an answer the metadata service would not give: "not configured" (not
    /// an ECS server, something else answers at the address) until the service has shown
    /// itself, "broken" after.
    fn unexpected(&self, what: String) -> ProviderError {
        if self.proven.load(Ordering::Relaxed) {
            ProviderError::broken(PROVIDER, what)
        } else {
            ProviderError::not_configured(
                PROVIDER,
                format!(
                    "{what}, which is not the metadata service's answer: not an ECS server (a \
                     proxy or a sandbox answers at {})",
                    self.endpoint
                ),
            )
        }
    }

    /// The token to use: a held one still within its TTL, none when the service has no
    /// tokens, or a new one. `renew` asks for a new one whatever is held, and then a "no
    /// tokens" answer is an error.
    async fn token(
        &self,
        state: &mut TokenState,
        renew: bool,
    ) -> Result<Option<SecretString>, ProviderError> {
        let now = self.clock.monotonic();
        if !renew {
            match state {
                TokenState::Held { token, at }
                    if now.saturating_sub(*at) < TOKEN_TTL - TOKEN_MARGIN =>
                {
                    return Ok(Some(token.clone()))
                }
                TokenState::Unsupported { at } if now.saturating_sub(*at) < NO_TOKEN_RETRY => {
                    return Ok(None)
                }
                _ => {}
            }
        }
        let ttl = TOKEN_TTL.as_secs().to_string();
        let resp = self
            .send(Method::PUT, TOKEN_PATH, Some((TOKEN_TTL_HEADER, &ttl)))
            .await?;
        match resp.status() {
            200 => {
                let text = std::str::from_utf8(resp.body()).unwrap_or_default();
                let token = text.trim();
                if token.is_empty()
                    || token.len() > 4096
                    || !token.bytes().all(|b| b.is_ascii_graphic())
                    || looks_like_html(&resp)
                {
                    return Err(self.unexpected(format!(
                        "PUT {TOKEN_PATH} answered 200 without a usable token {}",
                        unquoted(&resp)
                    )));
                }
                let token = SecretString::new(token);
                *state = TokenState::Held {
                    token: token.clone(),
                    at: now,
                };
                self.proven.store(true, Ordering::Relaxed);
                Ok(Some(token))
            }
            404 | 405 | 503 if !renew => {
                *state = TokenState::Unsupported { at: now };
                Ok(None)
            }
            s => Err(self.unexpected(format!("PUT {TOKEN_PATH} answered {s} {}", unquoted(&resp)))),
        }
    }

    async fn get_key(&self, token: Option<&SecretString>) -> Result<Response, ProviderError> {
        let header = token.map(|t| (TOKEN_HEADER, t.expose_secret()));
        self.send(Method::GET, KEY_PATH, header).await
    }

    async fn fetch_now(&self) -> Result<ExpiringCredentials, ProviderError> {
        let mut state = self.token.lock().await;
        let token = self.token(&mut state, false).await?;
        let mut resp = self.get_key(token.as_ref()).await?;
        if resp.status() == 401 {
            no_agency_check(&resp)?;
            let token = self.token(&mut state, true).await?;
            resp = self.get_key(token.as_ref()).await?;
            if resp.status() == 401 {
                no_agency_check(&resp)?;
            }
        }
        if resp.status() != 200 {
            return Err(self.unexpected(format!(
                "GET {KEY_PATH} answered {} {}",
                resp.status(),
                unquoted(&resp)
            )));
        }
        if looks_like_html(&resp) {
            return Err(self.unexpected(format!(
                "GET {KEY_PATH} answered 200 with a web page {}",
                unquoted(&resp)
            )));
        }
        let found = credentials_from_json(resp.body()).map_err(|e| {
            if serde_json::from_slice::<serde_json::Value>(resp.body()).is_ok() {
                // JSON, but not as documented: the service, broken.
                ProviderError::broken(PROVIDER, e)
            } else {
                self.unexpected(format!("GET {KEY_PATH} answered 200: {e}"))
            }
        })?;
        self.proven.store(true, Ordering::Relaxed);
        Ok(found)
    }
}

fn no_agency_check(resp: &Response) -> Result<(), ProviderError> {
    if String::from_utf8_lossy(resp.body()).contains(NO_AGENCY_MESSAGE) {
        return Err(ProviderError::broken(
            PROVIDER,
            "this ECS server has no agency: the metadata service says \
             \"Please configure Cloud Service Agency first\"; give the server an agency \
             authorised for the service, or configure credentials another way",
        ));
    }
    Ok(())
}

impl FetchCredentials for MetadataProvider {
    fn name(&self) -> &'static str {
        PROVIDER
    }
    fn fetch(&self) -> FetchFuture<'_> {
        Box::pin(self.fetch_now())
    }
}

/// `http://host[:port]` (scheme optional); TLS and paths are refused.
pub(crate) fn parse_plain_http(url: &str) -> Result<Endpoint, String> {
    let with_scheme = if url.contains("://") {
        url.trim().to_string()
    } else {
        format!("http://{}", url.trim())
    };
    let e = Endpoint::parse(&with_scheme).map_err(|e| e.to_string())?;
    if e.scheme() != Scheme::Http {
        return Err("only plain http:// is supported for this service".into());
    }
    Ok(e)
}

/// Reads temporary credentials from a metadata-style JSON body: a `credential` (or
/// `credentials`) object with `access`, `secret`, `securitytoken`, `expires_at`, or their
/// camel/snake-case aliases. The error never quotes the body.
pub(crate) fn credentials_from_json(body: &[u8]) -> Result<ExpiringCredentials, String> {
    let v: serde_json::Value =
        serde_json::from_slice(body).map_err(|e| format!("the answer is not JSON ({e})"))?;
    let obj = v
        .get("credential")
        .or_else(|| v.get("credentials"))
        .ok_or("the answer has no \"credential\" object")?;
    let pick = |keys: &[&str]| -> Option<String> {
        keys.iter()
            .find_map(|k| obj.get(*k).and_then(|x| x.as_str()))
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
    };
    let ak = pick(&["access", "accessKeyId", "access_key_id"])
        .ok_or("the answer has no access key (\"access\")")?;
    let sk = pick(&["secret", "secretAccessKey", "secret_access_key"])
        .ok_or("the answer has no secret key (\"secret\")")?;
    let token = pick(&["securitytoken", "securityToken", "security_token"]);
    let expiry_text =
        pick(&["expires_at", "expiration"]).ok_or("the answer has no expiry (\"expires_at\")")?;
    let expires_at = parse_rfc3339(&expiry_text)
        .ok_or_else(|| format!("the expiry {expiry_text:?} is not an RFC 3339 time"))?;
    let mut credentials = Credentials::new(ak, sk);
    if let Some(t) = token {
        credentials = credentials.with_security_token(t);
    }
    credentials
        .validate()
        .map_err(|e| format!("the answer's credentials are unusable: {e}"))?;
    Ok(ExpiringCredentials {
        credentials,
        expires_at: Some(expires_at),
    })
}

/// `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`.
///
/// The text comes from a server, so it is read byte by byte and never cut at a byte offset of
/// the `str`: any input, however broken (`2026-01-01T00:00:0é`), gives `None`, never a panic.
pub fn parse_rfc3339(text: &str) -> Option<SystemTime> {
    let b = text.as_bytes();
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') {
        return None;
    }
    if b[13] != b':' || b[16] != b':' {
        return None;
    }
    // Two or four ASCII digits at `at`, as a number.
    let digits = |at: usize, n: usize| -> Option<u32> {
        b.get(at..at + n)?.iter().try_fold(0u32, |acc, &d| {
            d.is_ascii_digit().then(|| acc * 10 + u32::from(d - b'0'))
        })
    };
    let (year, month, day) = (digits(0, 4)?, digits(5, 2)?, digits(8, 2)?);
    let (hour, minute, second) = (digits(11, 2)?, digits(14, 2)?, digits(17, 2)?);
    let compact = format!("{year:04}{month:02}{day:02}T{hour:02}{minute:02}{second:02}Z");
    let whole = SdkDate::parse(&compact).ok()?.unix_seconds();
    let mut rest = &b[19..];
    let mut nanos: u32 = 0;
    if let Some(frac) = rest.strip_prefix(b".") {
        let count = frac.iter().take_while(|d| d.is_ascii_digit()).count();
        if count == 0 {
            return None;
        }
        for (i, d) in frac[..count].iter().enumerate().take(9) {
            nanos += u32::from(d - b'0') * 10u32.pow(8 - i as u32);
        }
        rest = &frac[count..];
    }
    let offset: i64 = match rest {
        b"Z" | b"z" => 0,
        [sign, h1, h2, b':', m1, m2] => {
            let sign = match sign {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let two = |a: u8, c: u8| -> Option<i64> {
                (a.is_ascii_digit() && c.is_ascii_digit())
                    .then(|| i64::from(a - b'0') * 10 + i64::from(c - b'0'))
            };
            let (h, m) = (two(*h1, *h2)?, two(*m1, *m2)?);
            if h > 23 || m > 59 {
                return None;
            }
            sign * (h * 3600 + m * 60)
        }
        _ => return None,
    };
    let unix = whole - offset;
    if unix < 0 {
        return None;
    }
    Some(UNIX_EPOCH + Duration::new(unix as u64, nanos))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_with_and_without_fractions() {
        let base = UNIX_EPOCH + Duration::from_secs(1_578_455_407);
        assert_eq!(parse_rfc3339("2020-01-08T03:50:07Z"), Some(base));
        assert_eq!(
            parse_rfc3339("2020-01-08T03:50:07.574000Z"),
            Some(base + Duration::from_millis(574))
        );
        assert_eq!(
            parse_rfc3339("2020-01-08T11:50:07+08:00"),
            Some(base),
            "offsets are applied"
        );
        for bad in [
            "",
            "2020-01-08",
            "2020-01-08T03:50:07",
            "2020-01-08T03:50:07.Z",
            "2020-13-08T03:50:07Z",
            "2020-01-08T03:50:07Zjunk",
            "2020/01/08T03:50:07Z",
            // Issue 16 row 4: non-ASCII where digits belong never panics.
            "2026-01-01T00:00:0\u{e9}",
            "2026-01-01T00:00:00\u{e9}",
            "2026-01-01T00:00:00+0\u{e9}:00",
            "2026-01-01T00:00:00.1\u{e9}",
            "\u{e9}026-01-01T00:00:00Z",
            "2026-01-01T00:00:00+1\u{e9}1",
            "+026-01-01T00:00:00Z",
        ] {
            assert_eq!(parse_rfc3339(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn json_aliases_and_wrappers() {
        let a = credentials_from_json(
            br#"{"credential":{"access":"AK","secret":"SK","securitytoken":"T","expires_at":"2020-01-08T03:50:07.574000Z"}}"#,
        )
        .unwrap();
        let b = credentials_from_json(
            br#"{"credentials":{"accessKeyId":"AK","secretAccessKey":"SK","securityToken":"T","expiration":"2020-01-08T03:50:07.574Z"}}"#,
        )
        .unwrap();
        assert_eq!(a, b);
        assert_eq!(a.credentials.access_key_id(), "AK");
        let e = credentials_from_json(
            br#"{"credential":{"access":"AK","secret":"canary-sk","expires_at":"soon"}}"#,
        )
        .unwrap_err();
        assert!(e.contains("soon") && !e.contains("canary"), "{e}");
        assert!(credentials_from_json(b"{}")
            .unwrap_err()
            .contains("credential"));
    }

    #[test]
    fn plain_http_only() {
        assert_eq!(
            parse_plain_http("127.0.0.1:8080").unwrap().base_url(),
            "http://127.0.0.1:8080"
        );
        assert!(parse_plain_http("https://169.254.169.254").is_err());
        assert!(parse_plain_http("http://h/path").is_err());
    }
}
