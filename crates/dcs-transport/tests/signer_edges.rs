//! The verifier's edges, as the gateway (and the emulator that plays it) applies them: a
//! signing time up to 15 minutes from the server's clock is accepted and one beyond is
//! expired, and an Authorization header with an empty access key, no signed headers, a
//! signature of the wrong length, or signed header names that are not lower case is refused
//! as malformed, before any signature is computed.

use dcs_transport::signer::{
    parse_authorization, sign, verify, ReceivedRequest, SignableRequest, VerifyError,
    MAX_CLOCK_SKEW_SECS,
};
use dcs_transport::{SdkDate, SecretString};

const PATH: &str = "/v2/0a1b2c3d4e5f40718293a4b5c6d7e8f9/tasks/t-1";
const SIG: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

fn sk() -> SecretString {
    SecretString::new("signer-edges-secret")
}

/// Verifies a DELETE signed at `signed` as a server whose clock reads `server`.
fn verify_at(signed: i64, server: i64) -> Result<(), VerifyError> {
    let headers = [("Content-Type", "application/json")];
    let req = SignableRequest {
        method: "DELETE",
        authority: "dcs.example.com",
        path: PATH,
        query: &[],
        headers: &headers,
        body: b"",
    };
    let out = sign(&req, "AK", &sk(), SdkDate::from_unix_seconds(signed)).unwrap();
    let mut all: Vec<(&str, &str)> = headers.to_vec();
    for (n, v) in &out.added_headers {
        all.push((n, v.as_str()));
    }
    let received = ReceivedRequest {
        method: "DELETE",
        path: PATH,
        raw_query: "",
        headers: &all,
        body: b"",
    };
    verify(
        &received,
        |_| Some(sk()),
        SdkDate::from_unix_seconds(server),
        MAX_CLOCK_SKEW_SECS,
    )
    .map(|_| ())
}

#[test]
fn the_gateway_tolerates_fifteen_minutes_of_skew_either_way() {
    let t = 1_700_000_000;
    for skew in [0, 5 * 60, 14 * 60 + 59, 15 * 60] {
        assert_eq!(verify_at(t, t + skew), Ok(()), "{skew}");
        assert_eq!(verify_at(t, t - skew), Ok(()), "{skew}");
    }
    for skew in [15 * 60 + 1, 16 * 60, 3600] {
        assert!(
            matches!(verify_at(t, t + skew), Err(VerifyError::Expired { .. })),
            "{skew}"
        );
        assert!(
            matches!(verify_at(t, t - skew), Err(VerifyError::Expired { .. })),
            "{skew}"
        );
    }
}

#[test]
fn malformed_authorization_headers_are_named_as_such() {
    let ok = format!("SDK-HMAC-SHA256 Access=AK, SignedHeaders=host;x-sdk-date, Signature={SIG}");
    let parsed = parse_authorization(&ok).unwrap();
    assert_eq!(parsed.access_key_id, "AK");
    assert_eq!(parsed.signed_headers, ["host", "x-sdk-date"]);
    for bad in [
        format!("SDK-HMAC-SHA256 Access=, SignedHeaders=host;x-sdk-date, Signature={SIG}"),
        format!("SDK-HMAC-SHA256 Access=AK, SignedHeaders=, Signature={SIG}"),
        format!(
            "SDK-HMAC-SHA256 Access=AK, SignedHeaders=host;x-sdk-date, Signature={}",
            &SIG[1..]
        ),
        format!("SDK-HMAC-SHA256 Access=AK, SignedHeaders=host;x-sdk-date, Signature={SIG}0"),
        format!("SDK-HMAC-SHA256 Access=AK, SignedHeaders=host, Extra=1, Signature={SIG}"),
        "SDK-HMAC-SHA256 Access=AK, SignedHeaders=host;x-sdk-date".to_string(),
        format!("HMAC-SHA256 Access=AK, SignedHeaders=host;x-sdk-date, Signature={SIG}"),
    ] {
        assert_eq!(
            parse_authorization(&bad).map(|_| ()),
            Err(VerifyError::MalformedAuthorization),
            "{bad}"
        );
    }
}

#[test]
fn signed_header_names_must_be_lower_case_and_not_empty() {
    for names in [
        "Host;x-sdk-date",
        "host;;x-sdk-date",
        "host;X-Sdk-Date;x-sdk-date",
    ] {
        let auth = format!("SDK-HMAC-SHA256 Access=AK, SignedHeaders={names}, Signature={SIG}");
        let headers = [
            ("Host", "dcs.example.com"),
            ("X-Sdk-Date", "20240315T081011Z"),
            ("Authorization", auth.as_str()),
        ];
        let received = ReceivedRequest {
            method: "GET",
            path: PATH,
            raw_query: "",
            headers: &headers,
            body: b"",
        };
        assert_eq!(
            verify(
                &received,
                |_| Some(sk()),
                SdkDate::parse("20240315T081011Z").unwrap(),
                MAX_CLOCK_SKEW_SECS
            )
            .map(|_| ()),
            Err(VerifyError::MalformedAuthorization),
            "{names}"
        );
    }
}
