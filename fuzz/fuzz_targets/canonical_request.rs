//! SDK-HMAC-SHA256: `canonical_form` and `sign` never panic and describe the
//! same signature, `sign` fails exactly on the inputs it documents as
//! unsignable, and whatever it signs, `verify` accepts when the request
//! arrives as the client would send it.
#![no_main]

use dcs_transport::credentials::{Credentials, SecretString};
use dcs_transport::signer::{
    canonical_form, canonical_query_string, sign, trim_header_value, verify, ReceivedRequest,
    SignableRequest, SigningError, VerifyError, ALGORITHM, EMPTY_PAYLOAD_SHA256,
    HEADER_CONTENT_SHA256, HEADER_SDK_DATE, UNSIGNED_PAYLOAD,
};
use dcs_transport::SdkDate;
use hmac::{Hmac, KeyInit, Mac};
use libfuzzer_sys::arbitrary::{self, Arbitrary};
use libfuzzer_sys::fuzz_target;
use sha2::{Digest, Sha256};

/// 0000-01-01T00:00:00Z and 9999-12-31T23:59:59Z: the range `YYYYMMDDTHHMMSSZ`
/// can express.
const FIRST_SECOND: i64 = -62_167_219_200;
const LAST_SECOND: i64 = 253_402_300_799;

/// Header names the signer treats specially, in several spellings, so the
/// fuzzer does not have to discover them byte by byte.
const KNOWN_NAMES: &[&str] = &[
    "Host",
    "host",
    "X-Sdk-Date",
    "x-sdk-date",
    "X-SDK-DATE",
    "X-Sdk-Content-Sha256",
    "x-sdk-content-sha256",
    "Content-Type",
    "content-type",
    "X-Security-Token",
    "X-Project-Id",
    "X_Project_Id",
    "User-Agent",
    "Authorization",
];

const KNOWN_VALUES: &[&str] = &[
    "application/json",
    "application/json;charset=utf-8",
    "application/bson",
    "text/plain",
    " text/plain ",
    "Application/JSON",
    UNSIGNED_PAYLOAD,
    EMPTY_PAYLOAD_SHA256,
    "",
    " \t ",
    "20240315T081011Z",
    "2024-03-15",
];

#[derive(Debug, Arbitrary)]
enum Name {
    Known(u8),
    Custom(String),
}

#[derive(Debug, Arbitrary)]
enum Value {
    Known(u8),
    /// A well-formed `X-Sdk-Date` value for some second, maybe padded.
    Date(u64, bool),
    Custom(String),
}

#[derive(Debug, Arbitrary)]
struct Input {
    method: String,
    authority: String,
    path: String,
    query: Vec<(String, String)>,
    headers: Vec<(Name, Value)>,
    body: Vec<u8>,
    access_key_id: String,
    secret: String,
    now: u64,
}

fn to_date(seconds: u64) -> SdkDate {
    let span = (LAST_SECOND - FIRST_SECOND + 1) as u64;
    SdkDate::from_unix_seconds(FIRST_SECOND + (seconds % span) as i64)
}

fn name_of(name: &Name) -> String {
    match name {
        Name::Known(i) => KNOWN_NAMES[usize::from(*i) % KNOWN_NAMES.len()].to_string(),
        Name::Custom(s) => s.clone(),
    }
}

fn value_of(value: &Value) -> String {
    match value {
        Value::Known(i) => KNOWN_VALUES[usize::from(*i) % KNOWN_VALUES.len()].to_string(),
        Value::Date(secs, padded) => {
            let text = to_date(*secs).to_string();
            if *padded {
                format!(" {text}\t")
            } else {
                text
            }
        }
        Value::Custom(s) => s.clone(),
    }
}

/// RFC 9110 `token`: what a header name can be on the wire.
fn is_token(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Which error `sign` should return, worked out from its documentation
/// rather than its code: an unsendable authority or header (empty or
/// non-token name, a line break in a value, a caller's own `Authorization`)
/// first, then a malformed `X-Sdk-Date` (the last one given), then two
/// signed headers with the same name.
#[derive(Debug, PartialEq)]
enum Expected {
    Ok,
    InvalidHeader,
    InvalidDate,
    Duplicate,
}

fn expected_outcome(authority: &str, headers: &[(&str, &str)]) -> Expected {
    let bad_authority = authority.is_empty() || !authority.bytes().all(|b| b.is_ascii_graphic());
    if bad_authority
        || headers.iter().any(|(n, v)| {
            !is_token(n) || n.eq_ignore_ascii_case("authorization") || v.contains(['\r', '\n'])
        })
    {
        return Expected::InvalidHeader;
    }
    let given_date = headers
        .iter()
        .rev()
        .find(|(n, _)| n.eq_ignore_ascii_case(HEADER_SDK_DATE));
    if let Some((_, v)) = given_date {
        if SdkDate::parse(trim_header_value(v)).is_err() {
            return Expected::InvalidDate;
        }
    }
    // Names with `_` are sent but not signed, so they cannot clash.
    let mut signed: Vec<String> = headers
        .iter()
        .filter(|(n, _)| !n.contains('_'))
        .map(|(n, _)| n.to_ascii_lowercase())
        .collect();
    signed.sort();
    if signed.windows(2).any(|w| w[0] == w[1]) {
        return Expected::Duplicate;
    }
    Expected::Ok
}

fn outcome_of<T>(r: &Result<T, SigningError>) -> Expected {
    match r {
        Ok(_) => Expected::Ok,
        Err(SigningError::InvalidHeader(_)) => Expected::InvalidHeader,
        Err(SigningError::InvalidDate(_)) => Expected::InvalidDate,
        Err(SigningError::DuplicateHeader(_)) => Expected::Duplicate,
        Err(e) => panic!("unexpected signing error {e:?}"),
    }
}

fuzz_target!(|input: Input| {
    let names: Vec<String> = input.headers.iter().map(|(n, _)| name_of(n)).collect();
    let values: Vec<String> = input.headers.iter().map(|(_, v)| value_of(v)).collect();
    let headers: Vec<(&str, &str)> = names
        .iter()
        .zip(&values)
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let query: Vec<(&str, &str)> = input
        .query
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let req = SignableRequest {
        method: &input.method,
        authority: &input.authority,
        path: &input.path,
        query: &query,
        headers: &headers,
        body: &input.body,
    };
    let now = to_date(input.now);
    let secret = SecretString::new(input.secret.clone());

    let form = canonical_form(&req, now);
    let signed = sign(&req, &input.access_key_id, &secret, now);

    // Both fail, or succeed, together and for the documented reasons.
    let expected = expected_outcome(&input.authority, &headers);
    assert_eq!(outcome_of(&form), expected, "canonical_form: {form:?}");
    assert_eq!(outcome_of(&signed), expected, "sign: {signed:?}");
    if let (Err(a), Err(b)) = (&form, &signed) {
        assert_eq!(a, b);
    }
    let (Ok(form), Ok(out)) = (form, signed) else {
        return;
    };

    // The date used: the caller's X-Sdk-Date if given, else `now`.
    let given_date = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(HEADER_SDK_DATE))
        .map(|(_, v)| SdkDate::parse(trim_header_value(v)).unwrap());
    let date = given_date.unwrap_or(now);

    // `sign` and `canonical_form` describe the same signature.
    assert_eq!(out.signed_headers, form.signed_headers);
    let canonical_hash = hex(&Sha256::digest(form.canonical_request.as_bytes()));
    assert_eq!(
        form.string_to_sign,
        format!("{ALGORITHM}\n{date}\n{canonical_hash}")
    );
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(input.secret.as_bytes()).unwrap();
    mac.update(form.string_to_sign.as_bytes());
    assert_eq!(out.signature, hex(&mac.finalize().into_bytes()));
    assert!(form
        .canonical_request
        .ends_with(&format!("\n{}\n{}", form.signed_headers, form.payload_hash)));
    if input.body.is_empty() {
        assert_eq!(form.payload_hash, EMPTY_PAYLOAD_SHA256);
    }
    assert_eq!(
        out.authorization(),
        format!(
            "{ALGORITHM} Access={}, SignedHeaders={}, Signature={}",
            input.access_key_id, out.signed_headers, out.signature
        )
    );
    let signed_names: Vec<&str> = out.signed_headers.split(';').collect();
    assert!(signed_names.contains(&"host"));
    assert!(signed_names.contains(&"x-sdk-date"));
    if !headers.iter().any(|(n, _)| n.contains(';')) {
        // Sorted and distinct (a `;` inside a name would split it here).
        assert!(signed_names.windows(2).all(|w| w[0] < w[1]));
    }

    // The added headers: Host / X-Sdk-Date only when the caller had none,
    // Authorization last.
    let added_names: Vec<&str> = out.added_headers.iter().map(|(n, _)| *n).collect();
    let has = |name: &str| headers.iter().any(|(n, _)| n.eq_ignore_ascii_case(name));
    assert_eq!(added_names.contains(&"Host"), !has("host"));
    assert_eq!(added_names.contains(&HEADER_SDK_DATE), given_date.is_none());
    if added_names.contains(&HEADER_CONTENT_SHA256) {
        assert!(!has(HEADER_CONTENT_SHA256));
    }
    assert_eq!(added_names.last(), Some(&"Authorization"));

    // Round trip through the verifier. `sign` already refuses what could never be
    // verified (non-token names, a caller's Authorization, a bad authority); what remains
    // to leave out is credentials that `Credentials::validate` rejects (an AK with `,` or
    // spaces cannot be written into the Authorization header).
    let sendable = Credentials::new(input.access_key_id.clone(), input.secret.clone())
        .validate()
        .is_ok();
    if !sendable {
        return;
    }
    let mut wire: Vec<(&str, &str)> = headers.clone();
    wire.extend(out.added_headers.iter().map(|(n, v)| (*n, v.as_str())));
    let raw_query = canonical_query_string(&query);
    let received = ReceivedRequest {
        method: &input.method,
        path: &input.path,
        raw_query: &raw_query,
        headers: &wire,
        body: &input.body,
    };
    let secret_for = |ak: &str| (ak == input.access_key_id).then(|| secret.clone());
    match verify(&received, secret_for, date, 900) {
        Ok(v) => {
            assert_eq!(v.access_key_id, input.access_key_id);
            assert_eq!(v.date, date);
        }
        Err(e) => panic!("verify rejected a request that sign() accepted: {e}\n{form:#?}"),
    }

    // A signature with one digit changed is refused.
    let mut bad_sig = out.signature.clone().into_bytes();
    bad_sig[0] = if bad_sig[0] == b'0' { b'1' } else { b'0' };
    let bad_auth = format!(
        "{ALGORITHM} Access={}, SignedHeaders={}, Signature={}",
        input.access_key_id,
        out.signed_headers,
        String::from_utf8(bad_sig).unwrap()
    );
    let mut tampered_wire = wire.clone();
    let last = tampered_wire.len() - 1;
    tampered_wire[last].1 = &bad_auth;
    let tampered = ReceivedRequest {
        headers: &tampered_wire,
        ..received
    };
    assert!(matches!(
        verify(&tampered, |_| Some(secret.clone()), date, 900),
        Err(VerifyError::Mismatch { .. })
    ));
});
