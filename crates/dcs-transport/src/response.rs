//! An HTTP answer as the client hands it out: status, headers, a bounded body and what is
//! known about the exchange (attempts, whether an earlier attempt may have been applied, the
//! signing time, clock skew). Used by the client, its errors and its streams alike.

use crate::credentials::Credentials;
use crate::retry::status_may_follow_apply;
use crate::signer;
use bytes::{Bytes, BytesMut};
use http::HeaderMap;
use std::borrow::Cow;
use std::sync::Arc;
use std::time::SystemTime;

/// The response header carrying the server's request id.
pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// How much of the body was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum BodyState {
    /// The whole body.
    Complete,
    /// Reading stopped at the configured cap; the body holds the first `cap` bytes.
    Truncated,
    /// The connection failed mid-body; the body holds what arrived.
    Interrupted,
    /// The attempt timed out mid-body; the body holds what arrived.
    TimedOut,
}

/// An HTTP answer, whatever its status.
#[derive(Debug, Clone)]
pub struct Response {
    pub(crate) status: u16,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
    pub(crate) body_state: BodyState,
    pub(crate) request_id: Option<String>,
    pub(crate) attempts: u32,
    pub(crate) prior_attempt_may_have_applied: bool,
    pub(crate) signed_at: SystemTime,
    pub(crate) secrets_redacted: bool,
    pub(crate) secrets: SigningSecrets,
    pub(crate) clock_correction_secs: i64,
}

/// The credentials an answer's request was signed with, kept so that text taken from the
/// answer can be cleaned of them ([`Response::redact_text`]); never shown.
#[derive(Clone, Default)]
pub(crate) struct SigningSecrets(pub(crate) Option<Arc<Credentials>>);

impl std::fmt::Debug for SigningSecrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(crate::credentials::REDACTED)
    }
}

impl Response {
    /// The HTTP status.
    pub fn status(&self) -> u16 {
        self.status
    }
    /// The response headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }
    /// The body bytes read (bounded by the cap).
    pub fn body(&self) -> &Bytes {
        &self.body
    }
    /// Whether the body is whole.
    pub fn body_state(&self) -> BodyState {
        self.body_state
    }
    /// Whether the body echoed our security token (or secret key) byte for byte and it was
    /// replaced by `** redacted **` (the only change ever made to a body). Strings decoded
    /// from the body still need [`redact_text`](Self::redact_text).
    pub fn secrets_redacted(&self) -> bool {
        self.secrets_redacted
    }
    /// `text` with every occurrence of the secret key and the security token this answer's
    /// request was signed with replaced by `** redacted **`.
    ///
    /// The raw body is already cleaned of the token byte for byte, but a server that echoes it
    /// inside a JSON string may escape it (`\/`, `\u00XX`), which only decoding undoes: call
    /// this on every string decoded from the body (error messages above all) before it is
    /// shown, logged or kept. Borrows `text` when there is nothing to replace.
    pub fn redact_text<'t>(&self, text: &'t str) -> Cow<'t, str> {
        let Some(creds) = &self.secrets.0 else {
            return Cow::Borrowed(text);
        };
        let mut out = Cow::Borrowed(text);
        let sk = creds.secret_access_key().expose_secret();
        let token = creds.security_token().map_or("", |t| t.expose_secret());
        // The longer first, so one holding the other is still replaced whole.
        let (first, second) = if token.len() > sk.len() {
            (token, sk)
        } else {
            (sk, token)
        };
        for secret in [first, second] {
            if !secret.is_empty() && out.contains(secret) {
                out = Cow::Owned(out.replace(secret, crate::credentials::REDACTED));
            }
        }
        out
    }
    /// The `X-Request-Id` header, if the server sent one.
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }
    /// Attempts made to get this answer.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }
    /// Seconds the client added to its clock when signing this attempt, learnt from an
    /// expired-signature answer of the gateway (this call's or an earlier one's); zero when
    /// the clock needed no correction.
    pub fn clock_correction_secs(&self) -> i64 {
        self.clock_correction_secs
    }
    /// How far off our clock is, when this is the gateway's signature-expired 401 (code
    /// [`SIGNATURE_EXPIRED_CODE`], a message saying the signature expired) and the answer
    /// tells a plausible offset. The body is searched as text: the transport decodes no JSON.
    pub(crate) fn expired_signature_skew(&self) -> Option<i64> {
        if self.status != 401 {
            return None;
        }
        let text = std::str::from_utf8(&self.body).ok()?;
        if !text.contains(SIGNATURE_EXPIRED_CODE) || !signer::is_expired_message(text) {
            return None;
        }
        self.clock_skew(Some(text))?.secs()
    }
    /// The time this attempt was signed with (its `X-Sdk-Date`: the client's clock plus any
    /// [`clock_correction_secs`](Self::clock_correction_secs)): compare it with the server's
    /// `Date` header to see clock skew.
    pub fn signed_at(&self) -> SystemTime {
        self.signed_at
    }
    /// The server's `Date` header minus [`signed_at`](Self::signed_at), in whole seconds,
    /// when the server sent a valid and plausible `Date`: how far the local clock is behind
    /// the server's (negative: ahead), give or take the request's travel time. A `Date` more
    /// than [`MAX_PLAUSIBLE_SKEW_SECS`] away (a broken server clock, year 0000 or 9999) tells
    /// nothing about ours and gives `None`.
    pub fn server_clock_offset_secs(&self) -> Option<i64> {
        let date = self.headers.get(http::header::DATE)?.to_str().ok()?;
        let server = httpdate::parse_http_date(date).ok()?;
        let offset = match server.duration_since(self.signed_at) {
            Ok(ahead) => i64::try_from(ahead.as_secs()).ok()?,
            Err(behind) => -i64::try_from(behind.duration().as_secs()).ok()?,
        };
        plausible_skew(offset)
    }
    /// Whether an earlier attempt (one that failed or got a retryable answer) may have been
    /// applied by the server: then a later "not found" may be the echo of our own success.
    pub fn prior_attempt_may_have_applied(&self) -> bool {
        self.prior_attempt_may_have_applied
    }
    /// Whether the request may have been applied although this answer does not say so: an
    /// earlier attempt may have been, or this status may come after the service acted
    /// ([`status_may_follow_apply`]).
    pub fn outcome_uncertain(&self) -> bool {
        self.prior_attempt_may_have_applied || status_may_follow_apply(self.status)
    }
    /// For a 401 that the local clock caused, how far it is off. `error_msg` is the gateway's
    /// message from the body (parsing bodies is the caller's business). The clock is to blame
    /// only when the message says the signature expired: any other 401 (a wrong key, "verify
    /// aksk signature fail") is not skew, whatever the `Date` header says. Prefer
    /// [`clock_skew_for`](Self::clock_skew_for) when the error code is known.
    pub fn clock_skew(&self, error_msg: Option<&str>) -> Option<ClockSkew> {
        if self.status != 401 || !error_msg.is_some_and(signer::is_expired_message) {
            return None;
        }
        // The message's two times are exact; the `Date` header is good to a second or so.
        // Either is used only when plausible.
        let from_message = error_msg
            .and_then(signer::parse_expired_message)
            .and_then(|(sig, server)| plausible_skew(server.unix_seconds() - sig.unix_seconds()));
        Some(ClockSkew {
            secs: from_message.or_else(|| self.server_clock_offset_secs()),
        })
    }
    /// [`clock_skew`](Self::clock_skew) for the gateway's signature-expired answer only: a
    /// 401 with error code [`SIGNATURE_EXPIRED_CODE`] (`APIGW.0301`) whose message says the
    /// signature expired.
    pub fn clock_skew_for(
        &self,
        error_code: Option<&str>,
        error_msg: Option<&str>,
    ) -> Option<ClockSkew> {
        if error_code != Some(SIGNATURE_EXPIRED_CODE) {
            return None;
        }
        self.clock_skew(error_msg)
    }
}

/// The gateway's error code for a signature it refused, among them an expired one.
pub const SIGNATURE_EXPIRED_CODE: &str = "APIGW.0301";

/// The largest clock offset believed (one year): a server whose clock is further off than
/// that (year 0000, year 9999) tells nothing about ours.
pub const MAX_PLAUSIBLE_SKEW_SECS: i64 = 366 * 24 * 3600;

fn plausible_skew(secs: i64) -> Option<i64> {
    (secs.abs() <= MAX_PLAUSIBLE_SKEW_SECS).then_some(secs)
}

/// A 401 caused by the local clock (see [`Response::clock_skew`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClockSkew {
    secs: Option<i64>,
}

impl ClockSkew {
    /// Server time minus our signing time, in seconds (positive: our clock is behind), when
    /// the answer tells: from the message when it names both times
    /// (`signature time:..,server time:..`), else from the server's `Date` header.
    pub fn secs(&self) -> Option<i64> {
        self.secs
    }
}

/// `body` with every occurrence of `secret` replaced by `** redacted **`, or `None` when it
/// holds none.
pub(crate) fn redact(body: &Bytes, secret: &[u8]) -> Option<Bytes> {
    const MARK: &[u8] = crate::credentials::REDACTED.as_bytes();
    // An answer shorter than the secret cannot hold it: most answers (an empty 204, a small
    // JSON object) are done here without building a searcher.
    if secret.is_empty() || body.len() < secret.len() {
        return None;
    }
    // Every answer is scanned, so the search is memchr's vectorised one (a large list must
    // not pay a byte-at-a-time loop for each secret).
    let finder = memchr::memmem::Finder::new(secret);
    let found = |from: usize| finder.find(&body[from..]).map(|i| from + i);
    let mut at = found(0)?;
    let mut out = BytesMut::with_capacity(body.len());
    let mut copied = 0;
    loop {
        out.extend_from_slice(&body[copied..at]);
        out.extend_from_slice(MARK);
        copied = at + secret.len();
        match found(copied) {
            Some(next) => at = next,
            None => break,
        }
    }
    out.extend_from_slice(&body[copied..]);
    Some(out.freeze())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_answer_exactly_the_secret_is_redacted_and_a_shorter_one_is_left() {
        let body = Bytes::from_static(b"TOK");
        assert_eq!(redact(&body, b"TOK").unwrap(), &b"** redacted **"[..]);
        assert!(redact(&Bytes::from_static(b"TO"), b"TOK").is_none());
        assert!(redact(&Bytes::new(), b"TOK").is_none());
    }

    #[test]
    fn redact_replaces_every_occurrence_and_nothing_else() {
        let body = Bytes::from_static(b"a TOK b TOKTOK c TO");
        assert_eq!(
            redact(&body, b"TOK").unwrap(),
            Bytes::from_static(b"a ** redacted ** b ** redacted **** redacted ** c TO")
        );
        assert_eq!(redact(&body, b"XYZ"), None);
        assert_eq!(redact(&body, b""), None);
        assert_eq!(redact(&Bytes::new(), b"TOK"), None);
    }
}
