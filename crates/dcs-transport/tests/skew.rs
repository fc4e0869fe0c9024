//! Clock-skew diagnosis: only the gateway's signature-expired 401 is skew, and only plausible
//! times measure it.

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
