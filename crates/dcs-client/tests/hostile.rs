//! Hostile services against the library (issue 16): 404s that are not "no such task", a
//! service that ignores `offset`, a gateway date that measures nothing, and throttling of
//! operations that are not retry-safe. Each server is a loopback recorder that answers
//! exactly as described.
// Real dates for answers and signatures: a test may read the system clock.
#![allow(clippy::disallowed_methods)]

mod common;
use common::{AK, PROJECT, SK};
use dcs_client::{ClientConfig, Credentials, DcsClient, ErrorKind, RetryPolicy};
use dcs_emulator::recorder::{Answer, Recorder};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

fn client_with(
    endpoint: &str,
    config: ClientConfig,
    time: &dcs_transport::ManualTime,
) -> DcsClient {
    DcsClient::builder()
        .endpoint(endpoint)
        .credentials(Credentials::new(AK, SK))
        .project_id(PROJECT)
        .config(config)
        .sleeper(Arc::new(time.clone()))
        .clock(Arc::new(time.clone()))
        .jitter(Arc::new(|| 0.0))
        .build()
        .unwrap()
}

fn one_attempt() -> ClientConfig {
    ClientConfig::default().retry(RetryPolicy::disabled())
}

fn now() -> dcs_transport::ManualTime {
    dcs_transport::ManualTime::new(SystemTime::now())
}

async fn serve(answers: Vec<Answer>) -> Recorder {
    Recorder::start(AK, SK, answers).await.unwrap()
}

/// Row 1: only the service's own "no such task" (404, a DCS error body, `DCS.4001`) means the
/// task is gone; an HTML 404, another code or the gateway's no-such-API do not.
#[tokio::test]
async fn only_dcs_4001_on_a_dcs_error_body_means_the_task_is_gone() {
    let html = {
        let mut a = Answer::json(
            404,
            b"<html><head><title>404 Not Found</title></head><body><center>nginx</center></body></html>"
                .to_vec(),
        );
        a.content_type = "text/html".into();
        a
    };
    let cases: Vec<(Answer, bool)> = vec![
        (html, false),
        (
            Answer::json(
                404,
                br#"{"error_code":"DCS.4022","error_msg":"This DCS instance does not exist"}"#
                    .to_vec(),
            ),
            false,
        ),
        (
            Answer::json(
                404,
                br#"{"error_code":"APIGW.0101","error_msg":"The API does not exist"}"#.to_vec(),
            ),
            false,
        ),
        (Answer::json(404, Vec::new()), false),
        (
            // The right code in another shape is not the DCS error body.
            Answer::json(
                404,
                br#"{"error":{"code":"DCS.4001","message":"x"}}"#.to_vec(),
            ),
            false,
        ),
        (
            Answer::json(
                400,
                br#"{"error_code":"DCS.4001","error_msg":"not a 404"}"#.to_vec(),
            ),
            false,
        ),
        (
            Answer::json(
                404,
                br#"{"error_code":"DCS.4001","error_msg":"The requested URL does not exist"}"#
                    .to_vec(),
            ),
            true,
        ),
    ];
    let time = now();
    for (answer, gone) in cases {
        let shown = String::from_utf8_lossy(&answer.body).into_owned();
        let server = serve(vec![answer]).await;
        let err = client_with(server.endpoint(), one_attempt(), &time)
            .delete_center_task("t-1")
            .send()
            .await
            .unwrap_err();
        assert_eq!(err.is_dcs_not_found(), gone, "{shown}: {err}");
    }
}

fn page(ids: impl IntoIterator<Item = String>, total: Option<u64>) -> String {
    let tasks: Vec<String> = ids
        .into_iter()
        .map(|i| format!(r#"{{"id":"{i}","status":"SUCCESS"}}"#))
        .collect();
    match total {
        Some(t) => format!(r#"{{"task_count":"{t}","tasks":[{}]}}"#, tasks.join(",")),
        None => format!(r#"{{"tasks":[{}]}}"#, tasks.join(",")),
    }
}

/// Row 2: a service that answers every offset with the same full page (1,000 distinct tasks,
/// no usable total) is paged once, then the paginator stops with an error saying it ignored
/// `offset`.
#[tokio::test]
async fn a_service_that_ignores_offset_ends_paging_with_an_error() {
    let same = page((0..1000).map(|i| format!("task-{i:04}")), None);
    for total in [None, Some(1_000_000u64)] {
        let body = match total {
            None => same.clone(),
            Some(t) => page((0..1000).map(|i| format!("task-{i:04}")), Some(t)),
        };
        let server = serve(vec![Answer::json(200, body.into_bytes())]).await;
        let time = now();
        let mut items = client_with(server.endpoint(), one_attempt(), &time)
            .list_center_task()
            .limit(1000)
            .into_paginator()
            .items();
        let mut got = Vec::new();
        let err = loop {
            match items.next().await {
                Some(Ok(t)) => got.push(t.id.unwrap()),
                Some(Err(e)) => break e,
                None => panic!("paging ended without an error after {} items", got.len()),
            }
        };
        assert_eq!(got.len(), 1000, "the first page, once");
        assert_eq!(err.kind(), ErrorKind::Paging, "{err}");
        let text = err.to_string();
        assert!(text.contains("ignored `offset`"), "{text}");
        assert!(
            text.contains("offset 1000 repeats the page at offset 0"),
            "{text}"
        );
        assert!(items.next().await.is_none(), "the error ends the paging");
        assert_eq!(server.requests().len(), 2, "{total:?}");
    }
}

/// Row 2: more pages than the reported total allows at the service's page size end the
/// paging too, with an error that says so.
#[tokio::test]
async fn more_pages_than_the_total_allows_end_paging() {
    // Total 6 at 3 a page is 2 pages (3 with slack); this service sends 1 task a page after
    // the first, each a new one.
    let answers = vec![
        Answer::json(200, page(["a", "b", "c"].map(String::from), Some(6))),
        Answer::json(200, page(["d".to_string()], Some(6))),
        Answer::json(200, page(["e".to_string()], Some(6))),
        Answer::json(200, page(["f".to_string()], Some(6))),
    ];
    let server = serve(answers).await;
    let time = now();
    let mut pages = client_with(server.endpoint(), one_attempt(), &time)
        .list_center_task()
        .into_paginator();
    let mut ok = 0;
    let err = loop {
        match pages.next().await {
            Some(Ok(_)) => ok += 1,
            Some(Err(e)) => break e,
            None => panic!("no error after {ok} pages"),
        }
    };
    assert_eq!(ok, 3);
    assert_eq!(err.kind(), ErrorKind::Paging);
    assert!(
        err.to_string()
            .contains("sent 4 pages where its total of 6 at 3 a page allows 3"),
        "{err}"
    );
}

/// Row 16: the gateway's "signature expired" 401 is clock skew only when the offset can be
/// measured: a `Date` of 1970 or 9999 measures nothing, so `is_clock_skew()` is false exactly
/// when `clock_skew_secs()` is `None`.
#[tokio::test]
async fn clock_skew_needs_a_plausible_server_date() {
    let expired = br#"{"error_code":"APIGW.0301","error_msg":"Incorrect IAM authentication information: signature expired"}"#;
    let time = now();
    for (date, skew) in [
        ("Thu, 01 Jan 1970 00:00:00 GMT", false),
        ("Fri, 31 Dec 9999 23:59:59 GMT", false),
        (
            &*httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(1200)),
            true,
        ),
    ] {
        let server = serve(vec![
            Answer::json(401, expired.to_vec()).with_header("Date", date)
        ])
        .await;
        let err = client_with(
            server.endpoint(),
            one_attempt().correct_clock_skew(false),
            &time,
        )
        .delete_center_task("t-1")
        .send()
        .await
        .unwrap_err();
        assert_eq!(err.is_clock_skew(), skew, "{date}: {err}");
        assert_eq!(err.clock_skew_secs().is_some(), skew, "{date}");
        assert_eq!(
            err.to_string().contains("the local clock is off"),
            skew,
            "{date}: {err}"
        );
    }
}

fn throttled(retry_after: &str) -> Answer {
    Answer::json(
        429,
        br#"{"error_code":"APIGW.0308","error_msg":"The throttling threshold has been reached"}"#
            .to_vec(),
    )
    .with_header("Retry-After", retry_after)
}

/// Row 17: a 429 was refused before it reached the service, so it is retried for every
/// operation, a switchover too, after the `Retry-After` it asks for.
#[tokio::test]
async fn a_throttled_operation_that_is_not_retry_safe_is_sent_again() {
    assert!(
        !dcs_model::find_operation("ChangeMasterStandbyAsync")
            .unwrap()
            .retry_safe
    );
    let server = serve(vec![
        throttled("2"),
        Answer::json(200, br#"{"job_id":"job-1"}"#.to_vec()),
    ])
    .await;
    let time = now();
    let out = client_with(server.endpoint(), ClientConfig::default(), &time)
        .change_master_standby_async("inst-1")
        .send()
        .await
        .unwrap();
    assert_eq!(out.attempts(), 2);
    assert_eq!(server.requests().len(), 2);
    assert_eq!(time.sleeps(), [Duration::from_secs(2)]);

    // A 500 after it is still never sent again: it may follow a switchover that happened.
    let server = serve(vec![Answer::json(
        500,
        br#"{"error_code":"DCS.5000","error_msg":"busy"}"#.to_vec(),
    )])
    .await;
    let err = client_with(server.endpoint(), ClientConfig::default(), &time)
        .change_master_standby_async("inst-1")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(500));
    assert_eq!(server.requests().len(), 1);
}

/// Row 17: throttling retries keep the same bounds as every retry: the longest `Retry-After`
/// honoured and the client-wide retry budget.
#[tokio::test]
async fn throttling_retries_keep_the_retry_after_ceiling_and_the_budget() {
    let time = now();
    // Asking for longer than the policy honours: returned at once.
    let server = serve(vec![throttled("3600")]).await;
    let err = client_with(server.endpoint(), ClientConfig::default(), &time)
        .change_master_standby_async("inst-1")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(429));
    assert_eq!(server.requests().len(), 1);

    // A budget of one retry: two attempts, then the 429 is returned.
    let server = serve(vec![throttled("1")]).await;
    let policy = RetryPolicy::default()
        .max_attempts(5)
        .budget_capacity(5)
        .retry_cost(5);
    let err = client_with(
        server.endpoint(),
        ClientConfig::default().retry(policy),
        &time,
    )
    .change_master_standby_async("inst-1")
    .send()
    .await
    .unwrap_err();
    assert_eq!(err.status(), Some(429));
    assert_eq!(server.requests().len(), 2);
    assert!(
        !err.is_outcome_uncertain(),
        "a 429 was never applied: {err}"
    );
}

/// Row 14: a CA bundle that never ends (`/dev/zero`) is read up to its cap and refused,
/// naming the variable, the file and the cap.
#[cfg(unix)]
#[test]
fn an_endless_ca_bundle_is_capped_and_named() {
    let env = dcs_client::MapEnv::from_pairs([
        ("HUAWEICLOUD_SDK_CA_BUNDLE", "/dev/zero"),
        ("HUAWEICLOUD_SDK_METADATA_DISABLED", "true"),
    ]);
    let ctx = dcs_client::Context::new(
        Arc::new(env),
        Arc::new(dcs_config::context::RealFs),
        Arc::new(now()),
    );
    let err = DcsClient::builder()
        .context(ctx)
        .endpoint("https://dcs.example.com")
        .credentials(Credentials::new(AK, SK))
        .project_id(PROJECT)
        .build()
        .unwrap_err()
        .to_string();
    assert!(err.contains("HUAWEICLOUD_SDK_CA_BUNDLE /dev/zero"), "{err}");
    assert!(
        err.contains(&format!(
            "larger than {} bytes",
            dcs_config::context::MAX_CA_BUNDLE_BYTES
        )),
        "{err}"
    );
}

/// Row 11: every bidirectional control (embeddings, overrides, isolates, marks) is escaped in
/// server text, in `sanitize` and in an error's `Display`, not only U+202E.
#[tokio::test]
async fn bidi_controls_in_server_text_are_escaped() {
    let bidi: Vec<char> = ('\u{202a}'..='\u{202e}')
        .chain('\u{2066}'..='\u{2069}')
        .chain(['\u{200e}', '\u{200f}', '\u{061c}', '\u{feff}'])
        .collect();
    for &c in &bidi {
        let s = dcs_client::sanitize(&format!("task{c}gnp.exe"));
        assert!(!s.contains(c), "U+{:04X} in {s:?}", c as u32);
        assert!(s.contains(&format!("\\u{{{:x}}}", c as u32)), "{s}");
    }
    let msg: String = bidi.iter().collect();
    let body = format!(r#"{{"error_code":"DCS.4017","error_msg":"running {msg}"}}"#);
    let server = serve(vec![Answer::json(400, body.into_bytes())]).await;
    let err = client_with(server.endpoint(), one_attempt(), &now())
        .delete_center_task("t-1")
        .send()
        .await
        .unwrap_err();
    let shown = err.to_string();
    assert!(!shown.chars().any(|c| bidi.contains(&c)), "{shown:?}");
    assert_eq!(err.error_msg(), Some(format!("running {msg}").as_str()));
}
