//! SDK-HMAC-SHA256 request signing, and (feature `verify`) its verification, as pure functions.
//!
//! Nothing here reads a clock, the environment or the network: the caller passes the request
//! parts, the key and the timestamp, and gets back the headers to add. The canonical request is
//! streamed straight into SHA-256 when signing, so no intermediate text is built; the same
//! writer produces the text form for debugging and for the conformance vectors.
//!
//! The rules follow the official Python SDK (the vectors in `shared/vectors/signing.json` were
//! produced by it), including its quirks: the whole path is percent-decoded (invalid UTF-8
//! becomes U+FFFD) before each segment is re-encoded, so an encoded `/` splits a segment; a
//! non-JSON `Content-Type` (exact key) adds `X-Sdk-Content-Sha256: UNSIGNED-PAYLOAD`; an empty
//! body always hashes as the empty string.

use crate::credentials::SecretString;
use crate::date::{DateParseError, SdkDate};
use hmac::{KeyInit, Mac};
use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use sha2::{Digest, Sha256};

/// The algorithm name written at the start of the Authorization header.
pub const ALGORITHM: &str = "SDK-HMAC-SHA256";
/// Hex SHA-256 of the empty string: the payload hash of a request without a body.
pub const EMPTY_PAYLOAD_SHA256: &str =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
/// The payload-hash value that tells the gateway the body is not signed.
pub const UNSIGNED_PAYLOAD: &str = "UNSIGNED-PAYLOAD";
/// The gateway rejects an `X-Sdk-Date` more than this many seconds from its own clock.
pub const MAX_CLOCK_SKEW_SECS: i64 = 15 * 60;

/// The date header.
pub const HEADER_SDK_DATE: &str = "X-Sdk-Date";
/// The header carrying a payload hash (or `UNSIGNED-PAYLOAD`).
pub const HEADER_CONTENT_SHA256: &str = "X-Sdk-Content-Sha256";
/// The header carrying a temporary credential's security token (a secret: never logged).
pub const HEADER_SECURITY_TOKEN: &str = "X-Security-Token";
/// The header naming the project a request acts in.
pub const HEADER_PROJECT_ID: &str = "X-Project-Id";

/// Everything but `A-Z a-z 0-9 - _ . ~` is percent-encoded (upper-case hex).
const ENCODE_SET: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// The parts of an HTTP request that the signature covers. Everything is borrowed.
#[derive(Debug, Clone, Copy)]
pub struct SignableRequest<'a> {
    /// HTTP method, any case (it is upper-cased for signing).
    pub method: &'a str,
    /// `host` or `host:port`, exactly as in the endpoint URL. Used for `Host` unless the
    /// headers already carry one.
    pub authority: &'a str,
    /// The resource path as sent on the wire (already percent-encoded).
    pub path: &'a str,
    /// Query pairs as strings, in any order.
    pub query: &'a [(&'a str, &'a str)],
    /// Headers in the caller's spelling, without `Authorization`.
    pub headers: &'a [(&'a str, &'a str)],
    /// The exact body bytes; empty when there is no body.
    pub body: &'a [u8],
}

/// Why a request could not be signed (or a signature could not be checked).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SigningError {
    /// Two headers differ only in case; the canonical form would be ambiguous.
    #[error("header {0:?} is given more than once (names are case-insensitive)")]
    DuplicateHeader(String),
    /// A header name is not an HTTP token, a value or the authority contains CR or LF (which
    /// would forge canonical lines), or the caller passed its own `Authorization`.
    #[error("header {0:?} cannot be signed: bad name, a line break, or a reserved header")]
    InvalidHeader(String),
    /// The request carries an `X-Sdk-Date` that is not `YYYYMMDDTHHMMSSZ`.
    #[error(transparent)]
    InvalidDate(#[from] DateParseError),
}

/// What signing adds to a request.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SigningOutput {
    /// Headers to add, in this order: `Host`, `X-Sdk-Date` and `X-Sdk-Content-Sha256` when the
    /// signer added them, then `Authorization` last. The caller's own headers must be sent with
    /// their values trimmed (see [`trim_header_value`]): that is what was signed.
    pub added_headers: Vec<(&'static str, String)>,
    /// `;`-joined lower-case names of the signed headers.
    pub signed_headers: String,
    /// Lower-case hex signature.
    pub signature: String,
}

impl SigningOutput {
    /// The value of the Authorization header.
    pub fn authorization(&self) -> &str {
        self.added_headers
            .last()
            .map(|(_, v)| v.as_str())
            .unwrap_or_default()
    }
}

/// The intermediate texts of a signature, for debugging and conformance tests.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CanonicalForm {
    /// The canonical request.
    pub canonical_request: String,
    /// The string to sign.
    pub string_to_sign: String,
    /// `;`-joined signed header names.
    pub signed_headers: String,
    /// The payload hash line.
    pub payload_hash: String,
}

/// Header values are signed and sent with leading and trailing white space removed (the
/// characters Python's `str.strip()` removes).
pub fn trim_header_value(v: &str) -> &str {
    v.trim_matches(|c: char| c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c))
}

/// The canonical query string of `query`: pairs sorted by raw key then value, each part
/// percent-encoded, joined with `&`. The client sends exactly this on the wire.
pub fn canonical_query_string(query: &[(&str, &str)]) -> String {
    let mut buf = Vec::new();
    write_canonical_query(&mut buf, query);
    String::from_utf8_lossy(&buf).into_owned()
}

/// Percent-encodes one path segment or query component the way the signer does.
pub fn encode_component(s: &str) -> percent_encoding::PercentEncode<'_> {
    utf8_percent_encode(s, ENCODE_SET)
}

/// Where canonical bytes go: a hasher when signing, a buffer when showing the text.
trait Sink {
    fn put(&mut self, bytes: &[u8]);
    fn put_str(&mut self, s: &str) {
        self.put(s.as_bytes());
    }
    fn put_lower(&mut self, s: &str) {
        for chunk in s.as_bytes().chunks(32) {
            let mut buf = [0u8; 32];
            for (d, c) in buf.iter_mut().zip(chunk) {
                *d = c.to_ascii_lowercase();
            }
            self.put(&buf[..chunk.len()]);
        }
    }
    fn put_encoded(&mut self, s: &str) {
        for piece in encode_component(s) {
            self.put_str(piece);
        }
    }
}

impl Sink for Sha256 {
    fn put(&mut self, bytes: &[u8]) {
        self.update(bytes);
    }
}

impl Sink for Vec<u8> {
    fn put(&mut self, bytes: &[u8]) {
        self.extend_from_slice(bytes);
    }
}

/// One signed header: its name in any case (written lower-case) and its trimmed value.
#[derive(Clone, Copy)]
struct SignedHeader<'a> {
    name: &'a str,
    value: &'a str,
}

/// An HTTP header name: one or more token characters (RFC 9110).
fn is_token(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

fn cmp_lower(a: &str, b: &str) -> std::cmp::Ordering {
    a.bytes()
        .map(|c| c.to_ascii_lowercase())
        .cmp(b.bytes().map(|c| c.to_ascii_lowercase()))
}

/// Everything the canonical request needs, gathered once.
struct Prepared<'a> {
    headers: Vec<SignedHeader<'a>>,
    payload_hash: PayloadHash<'a>,
    date_text: [u8; 16],
    add_host: bool,
    add_date: bool,
    add_unsigned_marker: bool,
}

enum PayloadHash<'a> {
    Given(&'a str),
    Computed([u8; 64]),
}

impl PayloadHash<'_> {
    fn as_str(&self) -> &str {
        match self {
            PayloadHash::Given(s) => s,
            // Hex digits are ASCII.
            PayloadHash::Computed(b) => std::str::from_utf8(b).unwrap_or_default(),
        }
    }
}

fn hex32(bytes: &[u8]) -> [u8; 64] {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = [0u8; 64];
    for (i, b) in bytes.iter().take(32).enumerate() {
        out[2 * i] = DIGITS[usize::from(b >> 4)];
        out[2 * i + 1] = DIGITS[usize::from(b & 0xf)];
    }
    out
}

fn sha256_hex(bytes: &[u8]) -> [u8; 64] {
    hex32(&Sha256::digest(bytes))
}

fn prepare<'a>(
    req: &SignableRequest<'a>,
    now: SdkDate,
    date_slot: &'a mut [u8; 16],
) -> Result<Prepared<'a>, SigningError> {
    let mut headers: Vec<SignedHeader<'a>> = Vec::with_capacity(req.headers.len() + 3);
    let mut has_host = false;
    let mut date_header: Option<&'a str> = None;
    let mut content_sha: Option<&'a str> = None;
    let mut add_unsigned_marker = false;
    if req.authority.is_empty() || !req.authority.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(SigningError::InvalidHeader("Host".to_string()));
    }
    for &(name, value) in req.headers {
        if !is_token(name)
            || value.contains(['\r', '\n'])
            || name.eq_ignore_ascii_case("authorization")
        {
            return Err(SigningError::InvalidHeader(name.to_string()));
        }
        let value = trim_header_value(value);
        if name.eq_ignore_ascii_case("host") {
            has_host = true;
        } else if name.eq_ignore_ascii_case(HEADER_SDK_DATE) {
            date_header = Some(value);
        } else if name.eq_ignore_ascii_case(HEADER_CONTENT_SHA256) {
            content_sha = Some(value);
        }
        // Python looks the content type up by its exact key and tests case-sensitive prefixes.
        if name == "Content-Type"
            && !value.starts_with("application/json")
            && !value.starts_with("application/bson")
        {
            add_unsigned_marker = true;
        }
        if !name.contains('_') {
            headers.push(SignedHeader { name, value });
        }
    }
    if content_sha.is_some() {
        add_unsigned_marker = false;
    }
    let date = match date_header {
        Some(text) => SdkDate::parse(text)?,
        None => now,
    };
    let add_date = date_header.is_none();
    let add_host = !has_host;
    *date_slot = date.to_bytes();
    let date_slot: &'a [u8; 16] = date_slot;
    // The slot holds ASCII written by SdkDate.
    let date_str = std::str::from_utf8(date_slot).unwrap_or_default();
    if add_date {
        headers.push(SignedHeader {
            name: HEADER_SDK_DATE,
            value: date_str,
        });
    }
    if add_host {
        headers.push(SignedHeader {
            name: "Host",
            value: req.authority,
        });
    }
    if add_unsigned_marker {
        headers.push(SignedHeader {
            name: HEADER_CONTENT_SHA256,
            value: UNSIGNED_PAYLOAD,
        });
        content_sha = Some(UNSIGNED_PAYLOAD);
    }
    headers.sort_unstable_by(|a, b| cmp_lower(a.name, b.name));
    if let Some(w) = headers
        .windows(2)
        .find(|w| w[0].name.eq_ignore_ascii_case(w[1].name))
    {
        return Err(SigningError::DuplicateHeader(
            w[1].name.to_ascii_lowercase(),
        ));
    }
    let payload_hash = if req.body.is_empty() {
        PayloadHash::Given(EMPTY_PAYLOAD_SHA256)
    } else if let Some(given) = content_sha {
        PayloadHash::Given(given)
    } else {
        PayloadHash::Computed(sha256_hex(req.body))
    };
    Ok(Prepared {
        headers,
        payload_hash,
        date_text: *date_slot,
        add_host,
        add_date,
        add_unsigned_marker,
    })
}

fn write_canonical_uri<S: Sink>(sink: &mut S, path: &str) {
    // Fast path: nothing to decode and nothing to encode, so the path is its own canonical
    // form (the common case: ids are hex).
    if path
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'/' | b'-' | b'_' | b'.' | b'~'))
    {
        sink.put_str(path);
        if !path.ends_with('/') {
            sink.put(b"/");
        }
        return;
    }
    let decoded = percent_decode_str(path).decode_utf8_lossy();
    for (i, seg) in decoded.split('/').enumerate() {
        if i > 0 {
            sink.put(b"/");
        }
        sink.put_encoded(seg);
    }
    if !decoded.ends_with('/') {
        sink.put(b"/");
    }
}

fn write_canonical_query<S: Sink>(sink: &mut S, query: &[(&str, &str)]) {
    match query.len() {
        0 => {}
        1 => {
            sink.put_encoded(query[0].0);
            sink.put(b"=");
            sink.put_encoded(query[0].1);
        }
        _ => {
            let mut sorted: Vec<&(&str, &str)> = query.iter().collect();
            sorted.sort_unstable_by(|a, b| a.0.cmp(b.0).then_with(|| a.1.cmp(b.1)));
            for (i, (k, v)) in sorted.into_iter().enumerate() {
                if i > 0 {
                    sink.put(b"&");
                }
                sink.put_encoded(k);
                sink.put(b"=");
                sink.put_encoded(v);
            }
        }
    }
}

fn write_signed_names<S: Sink>(sink: &mut S, headers: &[SignedHeader<'_>]) {
    for (i, h) in headers.iter().enumerate() {
        if i > 0 {
            sink.put(b";");
        }
        sink.put_lower(h.name);
    }
}

fn write_canonical_request<S: Sink>(
    sink: &mut S,
    method: &str,
    path: &str,
    query: &[(&str, &str)],
    headers: &[SignedHeader<'_>],
    payload_hash: &str,
) {
    if method.bytes().any(|b| b.is_ascii_lowercase()) {
        sink.put_str(&method.to_ascii_uppercase());
    } else {
        sink.put_str(method);
    }
    sink.put(b"\n");
    write_canonical_uri(sink, path);
    sink.put(b"\n");
    write_canonical_query(sink, query);
    sink.put(b"\n");
    for h in headers {
        sink.put_lower(h.name);
        sink.put(b":");
        sink.put_str(h.value);
        sink.put(b"\n");
    }
    sink.put(b"\n");
    write_signed_names(sink, headers);
    sink.put(b"\n");
    sink.put_str(payload_hash);
}

#[cold]
fn unreachable_hmac() -> ! {
    panic!("HMAC-SHA256 accepts keys of every length")
}

fn hmac_hex(key: &[u8], date_text: &[u8; 16], canonical_hash: &[u8; 64]) -> [u8; 64] {
    // HMAC accepts keys of every length, so new_from_slice cannot fail.
    let Ok(mut mac) = <hmac::Hmac<Sha256> as KeyInit>::new_from_slice(key) else {
        unreachable_hmac()
    };
    mac.update(ALGORITHM.as_bytes());
    mac.update(b"\n");
    mac.update(date_text);
    mac.update(b"\n");
    mac.update(canonical_hash);
    hex32(&mac.finalize().into_bytes())
}

/// Signs a request with SDK-HMAC-SHA256.
///
/// `now` is used for `X-Sdk-Date` unless the headers already carry one (then that value is
/// checked and used). Returns the headers to add.
pub fn sign(
    req: &SignableRequest<'_>,
    access_key_id: &str,
    secret: &SecretString,
    now: SdkDate,
) -> Result<SigningOutput, SigningError> {
    let mut date_slot = [0u8; 16];
    let p = prepare(req, now, &mut date_slot)?;
    // One buffer hashed once is cheaper than dozens of small hasher updates.
    let mut canonical = Vec::with_capacity(CANONICAL_CAPACITY);
    write_canonical_request(
        &mut canonical,
        req.method,
        req.path,
        req.query,
        &p.headers,
        p.payload_hash.as_str(),
    );
    let canonical_hash = sha256_hex(&canonical);
    let sig = hmac_hex(
        secret.expose_secret().as_bytes(),
        &p.date_text,
        &canonical_hash,
    );
    // Hex digits and header-name bytes are ASCII; the lossy conversions never replace.
    let sig = String::from_utf8_lossy(&sig).into_owned();
    let mut names = Vec::with_capacity(p.headers.len() * 14);
    write_signed_names(&mut names, &p.headers);
    let signed_headers = String::from_utf8(names)
        .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());

    let mut authorization = String::with_capacity(
        ALGORITHM.len() + access_key_id.len() + signed_headers.len() + sig.len() + 40,
    );
    for part in [
        ALGORITHM,
        " Access=",
        access_key_id,
        ", SignedHeaders=",
        &signed_headers,
        ", Signature=",
        &sig,
    ] {
        authorization.push_str(part);
    }

    let mut added = Vec::with_capacity(4);
    if p.add_host {
        added.push(("Host", req.authority.to_string()));
    }
    if p.add_date {
        added.push((
            HEADER_SDK_DATE,
            String::from_utf8_lossy(&p.date_text).into_owned(),
        ));
    }
    if p.add_unsigned_marker {
        added.push((HEADER_CONTENT_SHA256, UNSIGNED_PAYLOAD.to_string()));
    }
    added.push(("Authorization", authorization));
    Ok(SigningOutput {
        added_headers: added,
        signed_headers,
        signature: sig,
    })
}

/// Room for a typical canonical request (a DCS DELETE is about 350 bytes).
const CANONICAL_CAPACITY: usize = 512;

/// The canonical request and string to sign for `req`, as text. Same rules as [`sign`].
pub fn canonical_form(
    req: &SignableRequest<'_>,
    now: SdkDate,
) -> Result<CanonicalForm, SigningError> {
    let mut date_slot = [0u8; 16];
    let p = prepare(req, now, &mut date_slot)?;
    let mut buf = Vec::new();
    let payload_hash = p.payload_hash.as_str().to_string();
    write_canonical_request(
        &mut buf,
        req.method,
        req.path,
        req.query,
        &p.headers,
        &payload_hash,
    );
    let canonical_hash = sha256_hex(&buf);
    let canonical_request = String::from_utf8_lossy(&buf).into_owned();
    let mut names = Vec::new();
    write_signed_names(&mut names, &p.headers);
    Ok(CanonicalForm {
        string_to_sign: format!(
            "{ALGORITHM}\n{}\n{}",
            String::from_utf8_lossy(&p.date_text),
            String::from_utf8_lossy(&canonical_hash)
        ),
        canonical_request,
        signed_headers: String::from_utf8_lossy(&names).into_owned(),
        payload_hash,
    })
}

// ---------------------------------------------------------------------------------------------
// What the gateway says of an expired signature (read by the client, written by the verifier)

/// Whether a gateway message says the signature expired (the signing time was more than
/// [`MAX_CLOCK_SKEW_SECS`] from the gateway's clock). Some variants name no times.
pub fn is_expired_message(msg: &str) -> bool {
    msg.contains("signature expired")
}

/// Reads the two times out of an "expired signature" message, as the gateway writes it
/// (`... signature expired, signature time:20230527T000431Z,server time:20230527T020608Z`) and
/// as the verifier's expired-signature error displays: `(signature time, server time)`.
pub fn parse_expired_message(msg: &str) -> Option<(SdkDate, SdkDate)> {
    let field = |key: &str| -> Option<SdkDate> {
        let at = msg.find(key)? + key.len();
        SdkDate::parse(msg.get(at..at + 16)?).ok()
    };
    Some((field("signature time:")?, field("server time:")?))
}

// ---------------------------------------------------------------------------------------------
// Verification: the gateway's side, for servers and test servers (feature `verify`)

#[cfg(feature = "verify")]
#[cfg_attr(docsrs, doc(cfg(feature = "verify")))]
pub use verification::{
    parse_authorization, parse_query, verify, ParsedAuthorization, ReceivedRequest, Verified,
    VerifyError,
};

#[cfg(feature = "verify")]
mod verification {
    use super::*;

    /// A request as received, for [`verify`].
    #[derive(Debug, Clone, Copy)]
    pub struct ReceivedRequest<'a> {
        /// HTTP method.
        pub method: &'a str,
        /// The path as received (still percent-encoded).
        pub path: &'a str,
        /// The raw query string (without `?`), or empty.
        pub raw_query: &'a str,
        /// All received headers, including `Authorization`.
        pub headers: &'a [(&'a str, &'a str)],
        /// The body bytes.
        pub body: &'a [u8],
    }

    /// The parsed Authorization header.
    #[derive(Debug, Clone, PartialEq, Eq)]
    #[non_exhaustive]
    pub struct ParsedAuthorization<'a> {
        /// The access key id.
        pub access_key_id: &'a str,
        /// Lower-case signed header names, in the order given.
        pub signed_headers: Vec<&'a str>,
        /// The hex signature.
        pub signature: &'a str,
    }

    /// Why a signature was not accepted.
    #[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
    #[non_exhaustive]
    pub enum VerifyError {
        /// No Authorization header.
        #[error("missing Authorization header")]
        MissingAuthorization,
        /// The Authorization header is not `SDK-HMAC-SHA256 Access=.., SignedHeaders=.., Signature=..`.
        #[error("malformed Authorization header")]
        MalformedAuthorization,
        /// The access key is not known.
        #[error("ak not exist")]
        UnknownAccessKey,
        /// `X-Sdk-Date` is missing, unsigned or malformed.
        #[error("X-Sdk-Date is missing, not signed, or not YYYYMMDDTHHMMSSZ")]
        BadDate,
        /// A header named in SignedHeaders is not in the request (or appears twice).
        #[error("signed header {0:?} is missing or repeated")]
        SignedHeaderMissing(String),
        /// The signing time is too far from the server's clock.
        #[error("signature expired, signature time:{signature_time},server time:{server_time}")]
        Expired {
            /// The request's `X-Sdk-Date`.
            signature_time: SdkDate,
            /// The verifier's clock.
            server_time: SdkDate,
        },
        /// The signature does not match. `canonical_request` is the verifier's canonical request
        /// with line breaks written as `|` (as the real gateway reports it), security tokens
        /// redacted.
        #[error("verify aksk signature fail, canonical request: {canonical_request}")]
        Mismatch {
            /// The canonical request the verifier computed.
            canonical_request: String,
        },
    }

    /// Parses an SDK-HMAC-SHA256 Authorization header value.
    pub fn parse_authorization(value: &str) -> Result<ParsedAuthorization<'_>, VerifyError> {
        let rest = value
            .strip_prefix(ALGORITHM)
            .and_then(|r| r.strip_prefix(' '))
            .ok_or(VerifyError::MalformedAuthorization)?;
        let mut ak = None;
        let mut names = None;
        let mut sig = None;
        for part in rest.split(',') {
            let part = part.trim();
            let (k, v) = part
                .split_once('=')
                .ok_or(VerifyError::MalformedAuthorization)?;
            match k {
                "Access" => ak = Some(v),
                "SignedHeaders" => names = Some(v),
                "Signature" => sig = Some(v),
                _ => return Err(VerifyError::MalformedAuthorization),
            }
        }
        let (Some(ak), Some(names), Some(sig)) = (ak, names, sig) else {
            return Err(VerifyError::MalformedAuthorization);
        };
        if ak.is_empty() || names.is_empty() || sig.len() != 64 {
            return Err(VerifyError::MalformedAuthorization);
        }
        Ok(ParsedAuthorization {
            access_key_id: ak,
            signed_headers: names.split(';').collect(),
            signature: sig,
        })
    }

    /// What a successful verification established.
    #[derive(Debug, Clone, PartialEq, Eq)]
    #[non_exhaustive]
    pub struct Verified {
        /// The access key id that signed the request.
        pub access_key_id: String,
        /// The request's signing time.
        pub date: SdkDate,
    }

    /// Checks an SDK-HMAC-SHA256 signature the way the API gateway does: recompute the canonical
    /// request from the headers named in `SignedHeaders`, require a signed `X-Sdk-Date` within
    /// `max_skew` seconds of `now`, and compare signatures in constant time.
    ///
    /// `secret_for` returns the secret key of an access key id, or `None` if it is unknown.
    pub fn verify<F>(
        req: &ReceivedRequest<'_>,
        secret_for: F,
        now: SdkDate,
        max_skew_secs: i64,
    ) -> Result<Verified, VerifyError>
    where
        F: FnOnce(&str) -> Option<SecretString>,
    {
        let find = |name: &str| -> Result<&str, VerifyError> {
            let mut it = req
                .headers
                .iter()
                .filter(|(n, _)| n.eq_ignore_ascii_case(name));
            match (it.next(), it.next()) {
                (Some((_, v)), None) => Ok(trim_header_value(v)),
                _ => Err(VerifyError::SignedHeaderMissing(name.to_string())),
            }
        };
        let auth = find("authorization").map_err(|_| VerifyError::MissingAuthorization)?;
        let parsed = parse_authorization(auth)?;
        if !parsed.signed_headers.contains(&"x-sdk-date") {
            return Err(VerifyError::BadDate);
        }
        let date_text = find(HEADER_SDK_DATE).map_err(|_| VerifyError::BadDate)?;
        let date = SdkDate::parse(date_text).map_err(|_| VerifyError::BadDate)?;
        if (date.unix_seconds() - now.unix_seconds()).abs() > max_skew_secs {
            return Err(VerifyError::Expired {
                signature_time: date,
                server_time: now,
            });
        }
        let secret = secret_for(parsed.access_key_id).ok_or(VerifyError::UnknownAccessKey)?;

        let mut headers = Vec::with_capacity(parsed.signed_headers.len());
        for name in &parsed.signed_headers {
            if name.is_empty() || name.bytes().any(|b| b.is_ascii_uppercase()) {
                return Err(VerifyError::MalformedAuthorization);
            }
            headers.push(SignedHeader {
                name,
                value: find(name)?,
            });
        }
        let content_sha = parsed
            .signed_headers
            .contains(&"x-sdk-content-sha256")
            .then(|| find(HEADER_CONTENT_SHA256))
            .transpose()?;
        let computed;
        let payload_hash = if req.body.is_empty() {
            EMPTY_PAYLOAD_SHA256
        } else if let Some(given) = content_sha {
            given
        } else {
            computed = sha256_hex(req.body);
            std::str::from_utf8(&computed).unwrap_or_default()
        };
        let query: Vec<(String, String)> = parse_query(req.raw_query);
        let query: Vec<(&str, &str)> = query
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();

        let mut hasher = Sha256::new();
        write_canonical_request(
            &mut hasher,
            req.method,
            req.path,
            &query,
            &headers,
            payload_hash,
        );
        let canonical_hash = hex32(&hasher.finalize());
        let expected = hmac_hex(
            secret.expose_secret().as_bytes(),
            &date.to_bytes(),
            &canonical_hash,
        );
        use subtle::ConstantTimeEq;
        if bool::from(expected.ct_eq(parsed.signature.as_bytes())) {
            return Ok(Verified {
                access_key_id: parsed.access_key_id.to_string(),
                date,
            });
        }
        // Build the debugging text, without secrets.
        let redacted: Vec<SignedHeader<'_>> = headers
            .iter()
            .map(|h| SignedHeader {
                name: h.name,
                value: if h.name.eq_ignore_ascii_case(HEADER_SECURITY_TOKEN) {
                    crate::credentials::REDACTED
                } else {
                    h.value
                },
            })
            .collect();
        let mut buf = Vec::new();
        write_canonical_request(
            &mut buf,
            req.method,
            req.path,
            &query,
            &redacted,
            payload_hash,
        );
        Err(VerifyError::Mismatch {
            canonical_request: String::from_utf8_lossy(&buf).replace('\n', "|"),
        })
    }

    /// Splits a raw query string into decoded `(key, value)` pairs (`+` stays `+`).
    pub fn parse_query(raw: &str) -> Vec<(String, String)> {
        raw.split('&')
            .filter(|p| !p.is_empty())
            .map(|p| {
                let (k, v) = p.split_once('=').unwrap_or((p, ""));
                (
                    percent_decode_str(k).decode_utf8_lossy().into_owned(),
                    percent_decode_str(v).decode_utf8_lossy().into_owned(),
                )
            })
            .collect()
    }
}

// The verifier checks the signer here, so these tests need it (the crate's own tests always
// have it: see the dev-dependency on itself).
#[cfg(all(test, feature = "verify"))]
mod tests {
    use super::*;

    fn sk() -> SecretString {
        SecretString::new("ExampleSK0dcs0signing0vectors0fixed0000001")
    }

    const PATH: &str =
        "/v2/0a1b2c3d4e5f40718293a4b5c6d7e8f9/tasks/ff8080818e1c6f1b018e2b7d5a3c0042";

    fn seed_headers() -> Vec<(&'static str, &'static str)> {
        vec![
            ("Content-Type", "application/json;charset=utf-8"),
            (
                "User-Agent",
                "huaweicloud-usdk-python/3.0; dcs-signing-vectors/1.0",
            ),
            ("X-Sdk-Date", "20240315T081011Z"),
            ("X-Project-Id", "0a1b2c3d4e5f40718293a4b5c6d7e8f9"),
        ]
    }

    #[test]
    fn worked_example_from_the_spec() {
        let headers = seed_headers();
        let req = SignableRequest {
            method: "DELETE",
            authority: "dcs.cn-north-4.myhuaweicloud.com",
            path: PATH,
            query: &[],
            headers: &headers,
            body: br#"{"message": "delete finished task"}"#,
        };
        let out = sign(
            &req,
            "HWEXAMPLEAK0DCS0001Q",
            &sk(),
            SdkDate::from_unix_seconds(0),
        )
        .unwrap();
        assert_eq!(
            out.signature,
            "f75b0b21a8e007f4c895a244e736ee104832d13a9c58aacbb260e863d45764fd"
        );
        assert_eq!(
            out.signed_headers,
            "content-type;host;user-agent;x-project-id;x-sdk-date"
        );
        assert_eq!(out.added_headers[0].0, "Host");
    }

    #[test]
    fn signer_and_verifier_agree_and_detect_tampering() {
        let headers = seed_headers();
        let body = br#"{"message":"x"}"#;
        let req = SignableRequest {
            method: "DELETE",
            authority: "127.0.0.1:8080",
            path: PATH,
            query: &[("b", "2"), ("a", "1 2")],
            headers: &headers,
            body,
        };
        let out = sign(&req, "AK", &sk(), SdkDate::from_unix_seconds(0)).unwrap();
        let mut all: Vec<(&str, &str)> = headers.clone();
        for (n, v) in &out.added_headers {
            all.push((n, v.as_str()));
        }
        let date = SdkDate::parse("20240315T081011Z").unwrap();
        let received = ReceivedRequest {
            method: "DELETE",
            path: PATH,
            raw_query: "b=2&a=1%202",
            headers: &all,
            body,
        };
        let ok = verify(&received, |ak| (ak == "AK").then(sk), date, 900).unwrap();
        assert_eq!(ok.access_key_id, "AK");

        // A different body, a different SK, a skewed clock, an unknown AK all fail.
        let tampered = ReceivedRequest {
            body: br#"{"message":"y"}"#,
            ..received
        };
        assert!(matches!(
            verify(&tampered, |_| Some(sk()), date, 900),
            Err(VerifyError::Mismatch { .. })
        ));
        assert!(matches!(
            verify(&received, |_| Some(SecretString::new("other")), date, 900),
            Err(VerifyError::Mismatch { .. })
        ));
        let late = SdkDate::from_unix_seconds(date.unix_seconds() + 901);
        assert!(matches!(
            verify(&received, |_| Some(sk()), late, 900),
            Err(VerifyError::Expired { .. })
        ));
        let just_in = SdkDate::from_unix_seconds(date.unix_seconds() - 900);
        assert!(verify(&received, |_| Some(sk()), just_in, 900).is_ok());
        assert_eq!(
            verify(&received, |_| None, date, 900),
            Err(VerifyError::UnknownAccessKey)
        );
    }

    #[test]
    fn mismatch_text_redacts_the_security_token() {
        let headers = [
            ("X-Sdk-Date", "20240315T081011Z"),
            ("X-Security-Token", "tok-very-secret"),
        ];
        let req = SignableRequest {
            method: "GET",
            authority: "h",
            path: "/",
            query: &[],
            headers: &headers,
            body: b"",
        };
        let out = sign(&req, "AK", &sk(), SdkDate::from_unix_seconds(0)).unwrap();
        let mut all: Vec<(&str, &str)> = headers.to_vec();
        for (n, v) in &out.added_headers {
            all.push((n, v.as_str()));
        }
        let received = ReceivedRequest {
            method: "GET",
            path: "/",
            raw_query: "",
            headers: &all,
            body: b"",
        };
        let err = verify(
            &received,
            |_| Some(SecretString::new("wrong")),
            SdkDate::parse("20240315T081011Z").unwrap(),
            900,
        )
        .unwrap_err();
        let text = err.to_string();
        assert!(text.contains("x-security-token:** redacted **"), "{text}");
        assert!(!text.contains("tok-very-secret"));
    }

    #[test]
    fn rejects_ambiguous_or_forged_headers() {
        let dup = [("X-A", "1"), ("x-a", "2")];
        let mut req = SignableRequest {
            method: "GET",
            authority: "h",
            path: "/",
            query: &[],
            headers: &dup,
            body: b"",
        };
        assert_eq!(
            sign(&req, "AK", &sk(), SdkDate::from_unix_seconds(0)),
            Err(SigningError::DuplicateHeader("x-a".into()))
        );
        let crlf = [("X-A", "1\r\nX-B: 2")];
        req.headers = &crlf;
        assert!(matches!(
            sign(&req, "AK", &sk(), SdkDate::from_unix_seconds(0)),
            Err(SigningError::InvalidHeader(_))
        ));
        // Names that are not HTTP tokens, and a caller's own Authorization, are refused:
        // they could never be verified (found by the canonical_request fuzz target).
        for name in ["", "a;b", "a,b", "zz ", "Authorization", "x:y"] {
            let h = [(name, "v")];
            let one = SignableRequest { headers: &h, ..req };
            assert_eq!(
                sign(&one, "AK", &sk(), SdkDate::from_unix_seconds(0)),
                Err(SigningError::InvalidHeader(name.to_string())),
                "{name:?}"
            );
        }
        req.headers = &[];
        for authority in ["", " h ", "h\nx-forged:1"] {
            req.authority = authority;
            assert_eq!(
                sign(&req, "AK", &sk(), SdkDate::from_unix_seconds(0)),
                Err(SigningError::InvalidHeader("Host".into())),
                "{authority:?}"
            );
        }
        req.authority = "h";
        let bad_date = [("x-sdk-date", "2024-03-15")];
        req.headers = &bad_date;
        assert!(matches!(
            sign(&req, "AK", &sk(), SdkDate::from_unix_seconds(0)),
            Err(SigningError::InvalidDate(_))
        ));
    }

    #[test]
    fn expired_messages_parse_both_ways() {
        let (sig, server) = parse_expired_message(
            "Incorrect app authentication information: signature expired, signature time:20230527T000431Z,server time:20230527T020608Z",
        )
        .unwrap();
        assert_eq!(
            server.unix_seconds() - sig.unix_seconds(),
            2 * 3600 + 60 + 37
        );
        let e = VerifyError::Expired {
            signature_time: SdkDate::from_unix_seconds(1000),
            server_time: SdkDate::from_unix_seconds(2000),
        };
        let (a, b) = parse_expired_message(&e.to_string()).unwrap();
        assert_eq!((a.unix_seconds(), b.unix_seconds()), (1000, 2000));
        assert_eq!(parse_expired_message("signature time:2023"), None);
        assert!(is_expired_message(&e.to_string()));
        assert!(is_expired_message(
            "Incorrect IAM authentication information: calc ak sk signature fail:signature expired"
        ));
        assert!(!is_expired_message("verify aksk signature fail"));
    }

    #[test]
    fn authorization_parsing() {
        assert_eq!(
            parse_authorization("Bearer x"),
            Err(VerifyError::MalformedAuthorization)
        );
        let sig = "a".repeat(64);
        let v =
            format!("SDK-HMAC-SHA256 Access=AK, SignedHeaders=host;x-sdk-date, Signature={sig}");
        let p = parse_authorization(&v).unwrap();
        assert_eq!(p.access_key_id, "AK");
        assert_eq!(p.signed_headers, vec!["host", "x-sdk-date"]);
    }

    mod props {
        use super::super::*;
        use proptest::prelude::*;

        fn key() -> SecretString {
            SecretString::new("prop-secret")
        }

        proptest! {
            // Whatever the path, query and body, signing never panics, the canonical form
            // agrees with the signature, and the verifier accepts what the signer produced.
            #[test]
            fn sign_then_verify_round_trips(
                segs in proptest::collection::vec("[^/?#]{0,12}", 1..5),
                query in proptest::collection::vec(("\\PC{0,6}", "\\PC{0,6}"), 0..4),
                extra in proptest::collection::vec(("x-[a-z]{1,8}", "[ -~]{0,20}"), 0..3),
                body in proptest::collection::vec(any::<u8>(), 0..64),
                secs in 1_000_000_000i64..4_000_000_000,
            ) {
                let path = format!("/{}", segs.iter().map(|s| encode_component(s).to_string()).collect::<Vec<_>>().join("/"));
                let q: Vec<(&str, &str)> = query.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
                let mut seen = std::collections::HashSet::new();
                let mut headers: Vec<(&str, &str)> = vec![("Content-Type", "application/json")];
                for (n, v) in &extra {
                    if seen.insert(n.clone()) {
                        headers.push((n.as_str(), v.as_str()));
                    }
                }
                let now = SdkDate::from_unix_seconds(secs);
                let req = SignableRequest { method: "DELETE", authority: "h:1", path: &path, query: &q, headers: &headers, body: &body };
                let out = sign(&req, "AK", &key(), now).unwrap();
                let form = canonical_form(&req, now).unwrap();
                prop_assert_eq!(&out.signed_headers, &form.signed_headers);
                let raw_query = canonical_query_string(&q);
                let mut all = headers.clone();
                for (n, v) in &out.added_headers {
                    all.push((n, v.as_str()));
                }
                let trimmed: Vec<(&str, &str)> = all.iter().map(|(n, v)| (*n, trim_header_value(v))).collect();
                let received = ReceivedRequest { method: "DELETE", path: &path, raw_query: &raw_query, headers: &trimmed, body: &body };
                prop_assert!(verify(&received, |_| Some(key()), now, 900).is_ok());
            }
        }
    }
}
