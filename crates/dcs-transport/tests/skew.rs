//! Clock-skew diagnosis: only the gateway's signature-expired 401 is skew, and only plausible
//! times measure it.
// Real dates for answers and signatures: a test may read the system clock.
#![allow(clippy::disallowed_methods)]

mod support;

use dcs_transport::{Method, Request, Response};
use std::time::{Duration, SystemTime};
use support::{client_for, one_attempt, Reply, Server};

const EXPIRED: &str = "signature expired";
const EXPIRED_WITH_TIMES: &str =
    "signature expired, signature time:20230527T000431Z,server time:20230527T002431Z";
const SIGNATURE_FAIL: &str = "verify aksk signature fail, canonical request: GET|/v2/a|...";

/// A server answering 401 with the `Date` named by the path: `/date/<unix seconds>` or
/// `/date/raw/<text>` (URL-safe: `_` for spaces).
async fn server() -> Server {
    Server::start(|r| {
        let date = if let Some(raw) = r.path.strip_prefix("/date/raw/") {
            raw.replace('_', " ")
        } else {
            let secs: u64 = r.path.trim_start_matches("/date/").parse().unwrap();
            httpdate::fmt_http_date(SystemTime::UNIX_EPOCH + Duration::from_secs(secs))
        };
        Reply::status(401, &[("date", &date)], b"{}")
    })
    .await
}

async fn answer(server: &Server, path: String) -> Response {
    let client = client_for(server, one_attempt()).build().unwrap();
    client.send(&Request::new(Method::GET, path)).await.unwrap()
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

#[tokio::test]
async fn a_plain_signature_failure_with_a_stale_date_is_not_skew() {
    let server = server().await;
    // The server's Date is 30 minutes ahead, but the gateway says the signature is wrong.
    let r = answer(&server, format!("/date/{}", now_secs() + 1800)).await;
    let offset = r.server_clock_offset_secs().unwrap();
    assert!((1790..=1810).contains(&offset), "{offset}");
    assert_eq!(r.clock_skew(Some(SIGNATURE_FAIL)), None);
    assert_eq!(r.clock_skew(None), None);
    assert_eq!(
        r.clock_skew_for(Some("APIGW.0301"), Some(SIGNATURE_FAIL)),
        None
    );
}

#[tokio::test]
async fn only_the_gateways_signature_expired_401_is_skew() {
    let server = server().await;
    let r = answer(&server, format!("/date/{}", now_secs() + 1200)).await;
    // The message's times are exact.
    let skew = r.clock_skew(Some(EXPIRED_WITH_TIMES)).unwrap();
    assert_eq!(skew.secs(), Some(1200));
    // Without times, the Date header measures it.
    let skew = r.clock_skew_for(Some("APIGW.0301"), Some(EXPIRED)).unwrap();
    let secs = skew.secs().unwrap();
    assert!((1190..=1210).contains(&secs), "{secs}");
    // Another code is not the gateway's expired signature.
    assert_eq!(r.clock_skew_for(Some("APIGW.0101"), Some(EXPIRED)), None);
    assert_eq!(r.clock_skew_for(None, Some(EXPIRED)), None);
}

#[tokio::test]
async fn absurd_dates_measure_nothing() {
    let server = server().await;
    for date in [
        "Fri,_31_Dec_9999_23:59:59_GMT",
        "Thu,_01_Jan_1970_00:00:00_GMT",
        "Sat,_01_Jan_0000_00:00:00_GMT",
    ] {
        let r = answer(&server, format!("/date/raw/{date}")).await;
        assert_eq!(r.server_clock_offset_secs(), None, "{date}");
        // Still skew (the gateway said so), but of unknown size.
        let skew = r.clock_skew(Some(EXPIRED)).unwrap();
        assert_eq!(skew.secs(), None, "{date}");
    }
    // Times in the message that are absurd fall back to a plausible Date.
    let r = answer(&server, format!("/date/{}", now_secs() + 600)).await;
    let absurd = "signature expired, signature time:00000101T000000Z,server time:20230527T002431Z";
    let secs = r.clock_skew(Some(absurd)).unwrap().secs().unwrap();
    assert!((590..=610).contains(&secs), "{secs}");
}

/// A gateway whose clock is `ahead_secs` ahead of ours: it refuses an `X-Sdk-Date` more than
/// 15 minutes from its clock with the 401 APIGW.0301 the real one sends, naming both times in
/// the message when `times_in_message`, and always sending its `Date`.
async fn gateway_ahead(ahead_secs: u64, times_in_message: bool) -> Server {
    Server::start(move |r| {
        let server_now = SystemTime::now() + Duration::from_secs(ahead_secs);
        let server_date = dcs_transport::SdkDate::from_system_time(server_now);
        let date = httpdate::fmt_http_date(server_now);
        let signed = r
            .header("x-sdk-date")
            .and_then(|d| dcs_transport::SdkDate::parse(d).ok())
            .expect("every request carries X-Sdk-Date");
        if (signed.unix_seconds() - server_date.unix_seconds()).abs() <= 15 * 60 {
            assert_eq!(r.signature.as_deref(), Ok(support::AK), "{r:?}");
            return Reply::status(200, &[("date", &date)], b"{}");
        }
        let msg = if times_in_message {
            format!("Incorrect IAM authentication information: signature expired, signature time:{signed},server time:{server_date}")
        } else {
            "Incorrect IAM authentication information: signature expired".to_string()
        };
        let body = format!(r#"{{"error_code":"APIGW.0301","error_msg":"{msg}"}}"#);
        Reply::status(401, &[("date", &date)], body.as_bytes())
    })
    .await
}

#[tokio::test]
async fn an_expired_signature_is_signed_again_once_with_the_clock_corrected() {
    for times_in_message in [true, false] {
        let server = gateway_ahead(20 * 60, times_in_message).await;
        let client = client_for(&server, one_attempt().correct_clock_skew(true))
            .build()
            .unwrap();
        // A POST, and retries disabled: the 401 proves nothing was applied, so the one
        // re-signed attempt is allowed anyway.
        let r = client
            .send(&Request::new(Method::POST, "/v2/p/instances").body("{}"))
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "times in message: {times_in_message}");
        assert_eq!(r.attempts(), 2);
        let fix = r.clock_correction_secs();
        assert!((1190..=1210).contains(&fix), "{fix}");
        assert_eq!(server.requests(), 2);
        // The correction is kept: the next call is right the first time.
        let r = client
            .send(&Request::new(Method::POST, "/v2/p/instances").body("{}"))
            .await
            .unwrap();
        assert_eq!((r.status(), r.attempts()), (200, 1));
        assert_eq!(server.requests(), 3);
    }
}

#[tokio::test]
async fn an_expired_signature_with_no_plausible_time_is_not_retried() {
    let server = Server::start(|_| {
        Reply::status(
            401,
            &[("date", "Fri, 31 Dec 9999 23:59:59 GMT")],
            br#"{"error_code":"APIGW.0301","error_msg":"signature expired"}"#,
        )
    })
    .await;
    let client = client_for(&server, one_attempt().correct_clock_skew(true))
        .build()
        .unwrap();
    let r = client
        .send(&Request::new(Method::POST, "/v2/p/instances"))
        .await
        .unwrap();
    assert_eq!((r.status(), r.attempts()), (401, 1));
    assert_eq!(r.clock_correction_secs(), 0);
    assert_eq!(server.requests(), 1);
}

#[tokio::test]
async fn a_plain_signature_failure_is_not_retried_for_skew() {
    // A wrong key's 401 from a server whose Date is an hour ahead: not a clock problem.
    let stale = Server::start(|_| {
        let date = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(3600));
        Reply::status(
            401,
            &[("date", &date)],
            br#"{"error_code":"APIGW.0301","error_msg":"verify aksk signature fail"}"#,
        )
    })
    .await;
    let client = client_for(&stale, one_attempt().correct_clock_skew(true))
        .build()
        .unwrap();
    let r = client
        .send(&Request::new(Method::GET, "/v2/a"))
        .await
        .unwrap();
    assert_eq!((r.status(), r.attempts()), (401, 1));
    assert_eq!(stale.requests(), 1);
}

#[tokio::test]
async fn turned_off_an_expired_signature_is_returned_as_it_comes() {
    let server = gateway_ahead(20 * 60, true).await;
    let client = client_for(&server, one_attempt().correct_clock_skew(false))
        .build()
        .unwrap();
    let r = client
        .send(&Request::new(Method::GET, "/v2/a"))
        .await
        .unwrap();
    assert_eq!((r.status(), r.attempts()), (401, 1));
    let body = std::str::from_utf8(r.body()).unwrap();
    let skew = r.clock_skew_for(Some("APIGW.0301"), Some(body)).unwrap();
    assert!((1190..=1210).contains(&skew.secs().unwrap()));
}
