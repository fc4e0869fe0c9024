//! What `dcs_client::Error` promises, answer by answer: each kind of failure (refused input,
//! configuration, a service error, a transport failure, a 2xx that could not be read or
//! decoded, a wait, paging) says what is known through its accessors, and every predicate is
//! true exactly where it must be and false everywhere else. A secret the server echoes,
//! escaped, anywhere in a JSON error body (in several elements of one array, in a key) is
//! gone from the error's fields and kept bytes.
//!
//! The servers here are raw loopback sockets that answer byte for byte as scripted (a head
//! without `X-Request-Id`, a body shorter than its `Content-Length`, a reset, a stall), so
//! every case is deterministic.

use dcs_client::{
    ClientConfig, Credentials, DcsClient, Error, ErrorKind, RequestOptions, RetryPolicy,
};
use std::error::Error as _;

mod raw;
use raw::{answer, head, Raw, RawServer};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

const AK: &str = "ERRTESTAK00000000001";
const SK: &str = "error-promises-secret-key-0123456789";
const PROJECT: &str = "0a1b2c3d4e5f40718293a4b5c6d7e8f9";

fn client(endpoint: &str, retry: RetryPolicy) -> DcsClient {
    DcsClient::builder()
        .endpoint(endpoint)
        .credentials(Credentials::new(AK, SK))
        .project_id(PROJECT)
        .config(ClientConfig::default().retry(retry))
        .jitter(Arc::new(|| 0.0))
        .build()
        .unwrap()
}

/// The names of every predicate that is true of `e`.
fn truths(e: &Error) -> Vec<&'static str> {
    let all: [(&str, bool); 22] = [
        ("is_unauthorized", e.is_unauthorized()),
        ("is_forbidden", e.is_forbidden()),
        ("is_throttled", e.is_throttled()),
        ("is_server_error", e.is_server_error()),
        ("is_not_found", e.is_not_found()),
        ("is_dcs_not_found", e.is_dcs_not_found()),
        ("is_no_such_api", e.is_no_such_api()),
        ("is_task_running", e.is_task_running()),
        ("is_instance_not_found", e.is_instance_not_found()),
        ("is_resource_not_found", e.is_resource_not_found()),
        ("is_instance_busy", e.is_instance_busy()),
        ("is_quota_exceeded", e.is_quota_exceeded()),
        ("is_retryable", e.is_retryable()),
        ("is_timeout", e.is_timeout()),
        ("is_connect", e.is_connect()),
        ("is_invalid_input", e.is_invalid_input()),
        ("is_body_too_large", e.is_body_too_large()),
        ("is_outcome_uncertain", e.is_outcome_uncertain()),
        ("was_applied", e.was_applied()),
        ("is_clock_skew", e.is_clock_skew()),
        ("is_wait_timeout", e.is_wait_timeout()),
        ("is_no_credentials", e.is_no_credentials()),
    ];
    all.iter().filter(|(_, t)| *t).map(|(n, _)| *n).collect()
}

/// A documented code of `class`.
fn code_of(class: dcs_client::codes::ErrorClass) -> &'static str {
    dcs_client::codes::all()
        .iter()
        .find(|c| c.class == Some(class) && c.code.starts_with("DCS."))
        .unwrap()
        .code
}

async fn delete_once(endpoint: &str) -> Error {
    client(endpoint, RetryPolicy::disabled())
        .delete_center_task("task-1")
        .send()
        .await
        .unwrap_err()
}

#[tokio::test]
async fn every_predicate_of_a_service_error_is_true_only_where_it_must_be() {
    use dcs_client::codes::ErrorClass;
    let expired = "Incorrect app authentication information: signature expired, signature time:20230527T000431Z,server time:20230527T000931Z";
    let cases: Vec<(u16, String, Vec<&str>)> = vec![
        (
            400,
            "DCS.4017".into(),
            vec!["is_task_running", "is_instance_busy"],
        ),
        (400, "DCS.4026".into(), vec!["is_instance_busy"]),
        (401, "APIGW.0301".into(), vec!["is_unauthorized"]),
        (403, "DCS.2007".into(), vec!["is_forbidden"]),
        (
            404,
            "DCS.4001".into(),
            vec!["is_not_found", "is_dcs_not_found"],
        ),
        // DCS.4001 on another status is not "already gone".
        (400, "DCS.4001".into(), vec![]),
        (404, "APIGW.0101".into(), vec!["is_no_such_api"]),
        (
            404,
            code_of(ErrorClass::InstanceNotFound).into(),
            vec!["is_not_found", "is_instance_not_found"],
        ),
        (
            404,
            code_of(ErrorClass::ResourceNotFound).into(),
            vec!["is_not_found", "is_resource_not_found"],
        ),
        (
            400,
            code_of(ErrorClass::QuotaExceeded).into(),
            vec!["is_quota_exceeded"],
        ),
        (
            429,
            "APIGW.0308".into(),
            vec!["is_throttled", "is_retryable"],
        ),
        // The gateway's throttling code counts whatever the status.
        (
            400,
            "APIGW.0308".into(),
            vec!["is_throttled", "is_retryable"],
        ),
        (
            500,
            "DCS.5000".into(),
            vec!["is_server_error", "is_retryable", "is_outcome_uncertain"],
        ),
        (
            503,
            "DCS.5000".into(),
            vec!["is_server_error", "is_retryable", "is_outcome_uncertain"],
        ),
        (499, "DCS.4999".into(), vec![]),
        (405, "DCS.9999".into(), vec![]),
    ];
    for (status, code, want) in cases {
        let body = format!(r#"{{"error_code":"{code}","error_msg":"msg of {code}"}}"#);
        let server =
            RawServer::start(vec![answer(status, &[("X-Request-Id", "rid-7")], &body)]).await;
        let e = delete_once(&server.endpoint).await;
        let what = format!("{status} {code}: {e}");
        assert_eq!(truths(&e), want, "{what}");
        assert_eq!(e.kind(), ErrorKind::Service, "{what}");
        assert_eq!(e.status(), Some(status), "{what}");
        assert_eq!(e.error_code(), Some(code.as_str()), "{what}");
        assert!(e.error_code_is(&code), "{what}");
        assert!(!e.error_code_is("DCS.0000"), "{what}");
        assert_eq!(e.error_msg(), Some(format!("msg of {code}").as_str()));
        assert_eq!(e.request_id(), Some("rid-7"), "{what}");
        assert_eq!(e.attempts(), 1, "{what}");
        assert_eq!(e.operation(), "DeleteCenterTask");
        let s = e.service_error().expect("a service error");
        assert_eq!(s.body().error_code(), Some(code.as_str()));
        assert_eq!(
            e.error_body().and_then(|b| b.error_code()),
            Some(code.as_str())
        );
        assert!(e.validation_error().is_none() && e.raw_body().is_none());
        assert!(e.wait_error().is_none() && e.failure_state().is_none());
        assert!(e.iam_trace_id().is_none() && e.source().is_none());
        assert_eq!(e.clock_skew_secs(), None, "{what}");
        assert_eq!(
            e.code_info().map(|i| i.code),
            dcs_client::codes::describe(&code).map(|i| i.code)
        );
        let shown = e.to_string();
        assert!(
            shown.starts_with(&format!(
                "DeleteCenterTask failed: HTTP {status} {code}: msg of {code} (request id rid-7)"
            )),
            "{shown}"
        );
        assert!(
            !shown.contains(" after 1 attempts") && !shown.contains("not read whole"),
            "{shown}"
        );
        assert_eq!(server.requests(), 1);
    }
    // The gateway's expired signature with both times: the clock is to blame, by 300 s.
    let body = format!(r#"{{"error_code":"APIGW.0301","error_msg":"{expired}"}}"#);
    let server = RawServer::start(vec![answer(401, &[], &body)]).await;
    let e = delete_once(&server.endpoint).await;
    assert_eq!(truths(&e), ["is_unauthorized", "is_clock_skew"], "{e}");
    assert_eq!(e.clock_skew_secs(), Some(300));
    assert!(e.to_string().contains("the local clock is off"), "{e}");
}

#[tokio::test]
async fn a_not_found_that_was_not_read_whole_or_is_not_a_dcs_body_is_not_gone() {
    // The whole DCS.4001 body arrived, but the connection closed before its announced length.
    let body = r#"{"error_code":"DCS.4001","error_msg":"no such task"}"#;
    let server = RawServer::start(vec![Raw::Send(head(404, &[], body.len() + 50, body))]).await;
    let e = delete_once(&server.endpoint).await;
    assert_eq!(e.error_code(), Some("DCS.4001"), "{e}");
    assert_eq!(truths(&e), ["is_not_found"], "{e}");
    assert!(e.to_string().contains("not read whole"), "{e}");
    assert!(
        e.error_body().unwrap().raw_truncated(),
        "the body was not read whole"
    );
    // The right code in another shape of body.
    let server = RawServer::start(vec![answer(
        404,
        &[],
        r#"{"error":{"code":"DCS.4001","message":"x"}}"#,
    )])
    .await;
    let e = delete_once(&server.endpoint).await;
    assert_eq!(e.error_code(), Some("DCS.4001"), "{e}");
    assert_eq!(truths(&e), ["is_not_found"], "{e}");
    // A body cut at the client's cap.
    let big = format!(
        r#"{{"error_code":"DCS.4001","error_msg":"{}"}}"#,
        "x".repeat(4000)
    );
    let server = RawServer::start(vec![answer(404, &[], &big)]).await;
    let e = client(&server.endpoint, RetryPolicy::disabled())
        .delete_center_task("task-1")
        .with_options(RequestOptions::new().max_response_bytes(1000))
        .send()
        .await
        .unwrap_err();
    assert_eq!(truths(&e), ["is_not_found", "is_body_too_large"], "{e}");
    assert!(e.to_string().contains("(Truncated)"), "{e}");
}

#[tokio::test]
async fn the_request_id_comes_from_the_header_else_from_the_body() {
    let server = RawServer::start(vec![answer(
        400,
        &[],
        r#"{"error_code":"DCS.4005","error_msg":"m","request_id":"body-rid"}"#,
    )])
    .await;
    let e = delete_once(&server.endpoint).await;
    assert_eq!(e.request_id(), Some("body-rid"));
    assert!(e.to_string().contains("(request id body-rid)"), "{e}");
    let server = RawServer::start(vec![answer(
        400,
        &[("X-Request-Id", "head-rid")],
        r#"{"error_code":"DCS.4005","error_msg":"m","request_id":"body-rid"}"#,
    )])
    .await;
    assert_eq!(
        delete_once(&server.endpoint).await.request_id(),
        Some("head-rid")
    );
    let server = RawServer::start(vec![answer(400, &[], r#"{"error_code":"DCS.4005"}"#)]).await;
    let e = delete_once(&server.endpoint).await;
    assert_eq!(e.request_id(), None);
    assert!(!e.to_string().contains("request id"), "{e}");
}

#[tokio::test]
async fn headers_of_the_answer_are_read_by_name_in_any_case() {
    let server = RawServer::start(vec![answer(
        429,
        &[("Retry-After", "7")],
        r#"{"error_code":"APIGW.0308","error_msg":"slow down"}"#,
    )])
    .await;
    let e = delete_once(&server.endpoint).await;
    assert_eq!(e.header("retry-after"), Some("7"));
    assert_eq!(e.header("Retry-After"), Some("7"));
    assert_eq!(e.header("x-not-sent"), None);
}

#[tokio::test]
async fn attempts_are_counted_and_shown_when_more_than_one() {
    let server = RawServer::start(vec![answer(
        500,
        &[],
        r#"{"error_code":"DCS.5000","error_msg":"busy"}"#,
    )])
    .await;
    let e = client(&server.endpoint, RetryPolicy::default().max_attempts(3))
        .delete_center_task("task-1")
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.attempts(), 3, "{e}");
    assert_eq!(server.requests(), 3);
    let shown = e.to_string();
    assert!(shown.contains(" after 3 attempts"), "{shown}");
    assert!(shown.contains("outcome is uncertain"), "{shown}");
    let server = RawServer::start(vec![
        answer(500, &[], r#"{"error_code":"DCS.5000","error_msg":"busy"}"#),
        answer(400, &[], r#"{"error_code":"DCS.4005","error_msg":"bad"}"#),
    ])
    .await;
    let e = client(&server.endpoint, RetryPolicy::default().max_attempts(2))
        .delete_center_task("task-1")
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.attempts(), 2);
    assert!(e.to_string().contains(" after 2 attempts"), "{e}");
}

#[tokio::test]
async fn a_refused_connection_is_a_connect_failure_and_nothing_else() {
    // A port that was just free: nothing listens there.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let e = delete_once(&format!("http://127.0.0.1:{port}")).await;
    assert_eq!(e.kind(), ErrorKind::Transport, "{e}");
    assert_eq!(truths(&e), ["is_retryable", "is_connect"], "{e}");
    assert_eq!(e.status(), None);
    assert_eq!(e.attempts(), 1);
    assert!(e.error_body().is_none() && e.error_code().is_none());
    assert!(e.request_id().is_none() && e.header("x-request-id").is_none());
    assert!(e.service_error().is_none() && e.raw_body().is_none());
    assert!(e.source().is_some(), "the transport error is the source");
    assert!(format!("{e:?}").contains("kind: Transport"), "{e:?}");
}

#[tokio::test]
async fn a_transport_failure_after_an_answer_keeps_that_answer() {
    let server = RawServer::start(vec![
        answer(
            500,
            &[("X-Request-Id", "rid-500"), ("X-Extra", "kept")],
            r#"{"error_code":"DCS.5000","error_msg":"busy"}"#,
        ),
        Raw::Reset,
    ])
    .await;
    let e = client(&server.endpoint, RetryPolicy::default().max_attempts(2))
        .delete_center_task("task-1")
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Transport, "{e}");
    assert_eq!(e.attempts(), 2);
    assert_eq!(e.status(), Some(500));
    assert_eq!(e.error_code(), Some("DCS.5000"));
    assert_eq!(e.error_msg(), Some("busy"));
    assert_eq!(e.request_id(), Some("rid-500"));
    assert_eq!(e.header("x-extra"), Some("kept"));
    assert!(e.is_outcome_uncertain(), "{e}");
    assert!(!e.is_server_error() && !e.is_connect(), "{e}");
    assert!(
        e.to_string()
            .contains("the last answer before that was DCS.5000"),
        "{e}"
    );
    // Without the header, the last answer's body names the request.
    let server = RawServer::start(vec![
        answer(
            503,
            &[],
            r#"{"error_code":"DCS.5000","error_msg":"busy","request_id":"body-503"}"#,
        ),
        Raw::Reset,
    ])
    .await;
    let e = client(&server.endpoint, RetryPolicy::default().max_attempts(2))
        .delete_center_task("task-1")
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.request_id(), Some("body-503"), "{e}");
}

#[tokio::test]
async fn a_silent_server_is_a_timeout() {
    let server = RawServer::start(vec![Raw::Hang(Vec::new())]).await;
    let e = client(&server.endpoint, RetryPolicy::disabled())
        .delete_center_task("task-1")
        .with_options(RequestOptions::new().attempt_timeout(Duration::from_millis(300)))
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Transport, "{e}");
    assert!(e.is_timeout() && e.is_retryable(), "{e}");
    assert!(
        !e.is_connect() && !e.is_server_error() && !e.was_applied(),
        "{e}"
    );
}

#[tokio::test]
async fn a_request_that_cannot_be_built_is_invalid_input() {
    let server = RawServer::start(vec![answer(200, &[], "{}")]).await;
    let e = client(&server.endpoint, RetryPolicy::disabled())
        .delete_center_task("task-1")
        .with_options(RequestOptions::new().attempt_timeout(Duration::ZERO))
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
    assert_eq!(truths(&e), ["is_invalid_input"], "{e}");
    assert!(e.validation_error().is_none());
    assert!(e.source().is_some());
    assert_eq!(server.requests(), 0);
}

#[tokio::test]
async fn refused_input_says_so_and_sends_nothing() {
    let server = RawServer::start(vec![answer(200, &[], "{}")]).await;
    let e = client(&server.endpoint, RetryPolicy::disabled())
        .delete_center_task("")
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    assert_eq!(truths(&e), ["is_invalid_input"], "{e}");
    assert_eq!(e.validation_error().map(|v| v.field()), Some("task_id"));
    assert_eq!(e.attempts(), 0);
    assert_eq!(e.status(), None);
    assert!(e.source().is_some());
    assert!(e.to_string().ends_with("(nothing was sent)"), "{e}");
    assert!(format!("{e:?}").contains("validation"), "{e:?}");
    assert_eq!(server.requests(), 0);
}

#[tokio::test]
async fn a_success_whose_body_was_cut_was_applied() {
    // Interrupted: 20 bytes of an announced 500.
    let server = RawServer::start(vec![Raw::Send(head(
        200,
        &[("X-Request-Id", "rid-cut"), ("X-Extra", "kept")],
        500,
        r#"{"tasks":[{"id":"t1"#,
    ))])
    .await;
    let e = client(&server.endpoint, RetryPolicy::disabled())
        .list_center_task()
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::IncompleteResponse, "{e}");
    assert_eq!(truths(&e), ["is_outcome_uncertain", "was_applied"], "{e}");
    assert_eq!(e.status(), Some(200));
    assert_eq!(e.attempts(), 1);
    assert_eq!(e.request_id(), Some("rid-cut"));
    assert_eq!(e.header("x-extra"), Some("kept"));
    assert_eq!(e.raw_body(), Some(&br#"{"tasks":[{"id":"t1"#[..]));
    assert!(e.error_body().is_none() && e.source().is_none());
    assert!(
        e.to_string().contains("so the request was applied") && e.to_string().contains("rid-cut"),
        "{e}"
    );
    // Truncated at the cap.
    let big = format!(r#"{{"tasks":[],"pad":"{}"}}"#, "x".repeat(5000));
    let server = RawServer::start(vec![answer(200, &[], &big)]).await;
    let e = client(&server.endpoint, RetryPolicy::disabled())
        .list_center_task()
        .with_options(RequestOptions::new().max_response_bytes(1000))
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::IncompleteResponse, "{e}");
    assert_eq!(
        truths(&e),
        ["is_body_too_large", "is_outcome_uncertain", "was_applied"],
        "{e}"
    );
    // Stalled mid-body until the attempt's time ran out.
    let server = RawServer::start(vec![Raw::Hang(head(200, &[], 500, r#"{"tasks":["#))]).await;
    let e = client(&server.endpoint, RetryPolicy::disabled())
        .list_center_task()
        .with_options(RequestOptions::new().attempt_timeout(Duration::from_millis(300)))
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::IncompleteResponse, "{e}");
    assert_eq!(
        truths(&e),
        [
            "is_retryable",
            "is_timeout",
            "is_outcome_uncertain",
            "was_applied"
        ],
        "{e}"
    );
}

#[tokio::test]
async fn a_success_that_cannot_be_decoded_keeps_its_raw_body() {
    let server = RawServer::start(vec![answer(
        200,
        &[("X-Request-Id", "rid-dec"), ("X-Extra", "kept")],
        "not json",
    )])
    .await;
    let e = client(&server.endpoint, RetryPolicy::disabled())
        .list_center_task()
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Decode, "{e}");
    assert_eq!(truths(&e), ["is_outcome_uncertain", "was_applied"], "{e}");
    assert_eq!(e.raw_body(), Some(&b"not json"[..]));
    assert_eq!(e.status(), Some(200));
    assert_eq!(e.attempts(), 1);
    assert_eq!(e.request_id(), Some("rid-dec"));
    assert_eq!(e.header("x-extra"), Some("kept"));
    assert!(
        e.to_string().contains("is not what the API documents"),
        "{e}"
    );
    assert!(format!("{e:?}").contains("decode"), "{e:?}");
}

#[tokio::test]
async fn a_secret_echoed_anywhere_in_a_json_error_body_is_redacted() {
    // The secret key, escaped as JSON allows (so the transport's byte-for-byte replacement
    // cannot see it), in the first and third elements of one array and in an object key.
    let escaped = SK.replacen('-', "\\u002d", 1);
    let body = format!(
        r#"{{"error_code":"DCS.4005","error_msg":"bad","details":["{escaped}","plain","sk={escaped}"],"echo":{{"{escaped}":1}}}}"#
    );
    let server = RawServer::start(vec![answer(400, &[], &body)]).await;
    let e = delete_once(&server.endpoint).await;
    let raw = e.error_body().unwrap().raw();
    let decoded: serde_json::Value = serde_json::from_slice(raw).unwrap();
    let text = decoded.to_string();
    assert!(!text.contains(SK), "{text}");
    assert_eq!(text.matches("** redacted **").count(), 3, "{text}");
    assert!(text.contains("plain"));
    assert!(!format!("{e:?}").contains(SK));
    assert!(!e.to_string().contains(SK));
    // One element only: still redacted.
    let body =
        format!(r#"{{"error_code":"DCS.4005","error_msg":"bad","details":["plain","{escaped}"]}}"#);
    let server = RawServer::start(vec![answer(400, &[], &body)]).await;
    let e = delete_once(&server.endpoint).await;
    let decoded: serde_json::Value = serde_json::from_slice(e.error_body().unwrap().raw()).unwrap();
    assert!(!decoded.to_string().contains(SK), "{decoded}");
    // Two elements and nothing else: every change counts, not only an odd number of them.
    let body = format!(
        r#"{{"error_code":"DCS.4005","error_msg":"bad","details":["{escaped}","{escaped}"]}}"#
    );
    let server = RawServer::start(vec![answer(400, &[], &body)]).await;
    let e = delete_once(&server.endpoint).await;
    let decoded: serde_json::Value = serde_json::from_slice(e.error_body().unwrap().raw()).unwrap();
    assert!(!decoded.to_string().contains(SK), "{decoded}");
    assert_eq!(
        decoded["details"],
        serde_json::json!(["** redacted **", "** redacted **"])
    );
    // The message itself.
    let body = format!(r#"{{"error_code":"DCS.4005","error_msg":"your key {escaped}"}}"#);
    let server = RawServer::start(vec![answer(400, &[], &body)]).await;
    let e = delete_once(&server.endpoint).await;
    assert_eq!(e.error_msg(), Some("your key ** redacted **"));
    // Nothing to redact: the body is kept byte for byte.
    let body = r#"{"error_code":"DCS.4005",  "error_msg":"bad"}"#;
    let server = RawServer::start(vec![answer(400, &[], body)]).await;
    let e = delete_once(&server.endpoint).await;
    assert_eq!(e.error_body().unwrap().raw(), body.as_bytes());
    assert!(!e.error_body().unwrap().raw_truncated());
}

#[tokio::test]
async fn debug_output_names_the_kind_and_the_answer() {
    let server = RawServer::start(vec![answer(
        403,
        &[("X-Request-Id", "rid-dbg")],
        r#"{"error_code":"DCS.2007","error_msg":"denied"}"#,
    )])
    .await;
    let e = delete_once(&server.endpoint).await;
    let d = format!("{e:?}");
    assert!(d.contains("kind: Service"), "{d}");
    let s = format!("{:?}", e.service_error().unwrap());
    assert!(s.starts_with("ServiceError {"), "{s}");
    assert!(s.contains("status: 403") && s.contains("rid-dbg"), "{s}");
}

fn ctx(env: &[(&str, &str)]) -> dcs_client::Context {
    let mut e = dcs_client::MapEnv::default();
    for (k, v) in env {
        e = e.with(*k, *v);
    }
    dcs_client::Context::new(
        Arc::new(e),
        Arc::new(dcs_client::MapFs::default()),
        Arc::new(dcs_transport::SystemClock),
    )
}

#[tokio::test]
async fn configuration_errors_say_nothing_was_sent() {
    // Nothing configured at all.
    let e = DcsClient::builder()
        .context(ctx(&[("HUAWEICLOUD_SDK_METADATA_DISABLED", "true")]))
        .build()
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Config, "{e}");
    assert_eq!(truths(&e), Vec::<&str>::new(), "{e}");
    assert_eq!(e.attempts(), 0);
    assert!(e.iam_trace_id().is_none() && e.source().is_none());
    assert!(e.to_string().contains("(nothing was sent)"), "{e}");
    // A configuration the transport refuses: plain HTTP to a host that is not loopback.
    let e = DcsClient::builder()
        .endpoint("http://dcs.example.com")
        .credentials(Credentials::new(AK, SK))
        .project_id(PROJECT)
        .build()
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Config, "{e}");
    assert!(e.source().is_some(), "{e}");
    assert!(format!("{e:?}").contains("config"), "{e:?}");
}

/// The error of one `DeleteCenterTask` from a client configured by `env` alone (the DCS
/// endpoint added, retries off); the DCS endpoint must never be asked.
async fn first_call_error(env: &[(&str, &str)], config: dcs_client::ClientConfig) -> Error {
    let dcs = RawServer::start(vec![answer(200, &[], "{}")]).await;
    let mut env = env.to_vec();
    env.push(("DCS_ENDPOINT", &dcs.endpoint));
    let client = DcsClient::builder()
        .context(ctx(&env))
        .config(config.retry(RetryPolicy::disabled()))
        .build()
        .unwrap();
    let e = client
        .delete_center_task("task-1")
        .send()
        .await
        .unwrap_err();
    assert_eq!(dcs.requests(), 0, "nothing reached DCS: {e}");
    e
}

/// The error of one `DeleteCenterTask` from a client with keys and a region but no project id,
/// so the project is looked up at `iam` first.
async fn after_a_project_lookup_at(iam: &str, config: dcs_client::ClientConfig) -> Error {
    let env = [
        ("HUAWEICLOUD_SDK_AK", AK),
        ("HUAWEICLOUD_SDK_SK", SK),
        ("HUAWEICLOUD_SDK_REGION", "cn-north-4"),
        ("HUAWEICLOUD_SDK_IAM_ENDPOINT", iam),
        ("HUAWEICLOUD_SDK_METADATA_DISABLED", "true"),
    ];
    first_call_error(&env, config).await
}

#[tokio::test]
async fn a_refused_project_lookup_keeps_iams_trace_id() {
    let iam = RawServer::start(vec![answer(
        403,
        &[("X-IAM-Trace-Id", "trace-77")],
        r#"{"error":{"code":"403","message":"denied"}}"#,
    )])
    .await;
    let e = after_a_project_lookup_at(&iam.endpoint, Default::default()).await;
    assert_eq!(e.kind(), ErrorKind::Config, "{e}");
    assert_eq!(e.iam_trace_id(), Some("trace-77"), "{e}");
    assert!(e.to_string().contains("(IAM trace id trace-77)"), "{e}");
}

#[tokio::test]
async fn a_wait_that_ends_badly_says_how() {
    let time =
        dcs_transport::ManualTime::new(SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000));
    let mk = |endpoint: &str| {
        DcsClient::builder()
            .endpoint(endpoint)
            .credentials(Credentials::new(AK, SK))
            .project_id(PROJECT)
            .clock(Arc::new(time.clone()))
            .sleeper(Arc::new(time.clone()))
            .jitter(Arc::new(|| 0.0))
            .build()
            .unwrap()
    };
    let server = RawServer::start(vec![answer(200, &[], r#"{"status":"FAIL"}"#)]).await;
    let e = mk(&server.endpoint)
        .wait_for_job("job-1")
        .wait()
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Wait, "{e}");
    assert_eq!(e.failure_state(), Some("FAIL"));
    assert_eq!(truths(&e), Vec::<&str>::new(), "{e}");
    assert_eq!(e.wait_error().map(|w| w.resource()), Some("job job-1"));
    assert!(
        e.to_string().contains("reached the failure state FAIL"),
        "{e}"
    );
    assert!(format!("{e:?}").contains("wait"), "{e:?}");
    let server = RawServer::start(vec![answer(200, &[], r#"{"status":"RUNNING"}"#)]).await;
    let e = mk(&server.endpoint)
        .wait_for_job("job-2")
        .budget(Duration::from_secs(30))
        .wait()
        .await
        .unwrap_err();
    assert_eq!(truths(&e), ["is_wait_timeout"], "{e}");
    assert_eq!(e.failure_state(), None);
    assert!(e.wait_error().is_some());
}

#[tokio::test]
async fn pages_that_repeat_end_with_a_paging_error_naming_the_page() {
    let page = r#"{"task_count":"10","tasks":[{"id":"t1","name":"EXTEND","status":"SUCCESS"}]}"#;
    let server = RawServer::start(vec![
        answer(200, &[("X-Request-Id", "p-1")], page),
        answer(200, &[("X-Request-Id", "p-2")], page),
    ])
    .await;
    let mut pages = client(&server.endpoint, RetryPolicy::disabled())
        .list_center_task()
        .into_paginator();
    assert!(pages.next().await.unwrap().is_ok());
    let e = pages.next().await.unwrap().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Paging, "{e}");
    assert_eq!(truths(&e), Vec::<&str>::new(), "{e}");
    assert_eq!(e.status(), Some(200));
    assert_eq!(e.attempts(), 1);
    assert_eq!(e.request_id(), Some("p-2"));
    assert!(e.raw_body().is_none());
    assert!(e.to_string().contains("(last request id p-2)"), "{e}");
    assert!(pages.next().await.is_none());
}

#[test]
fn sanitize_escapes_controls_and_invisible_characters_and_caps_length() {
    assert_eq!(dcs_client::sanitize("plain text"), "plain text");
    assert_eq!(dcs_client::sanitize("a\r\nb"), "a\\u{d}\\u{a}b");
    assert_eq!(dcs_client::sanitize("x\u{202e}y"), "x\\u{202e}y");
    assert_eq!(dcs_client::sanitize("\u{200b}"), "\\u{200b}");
    assert_eq!(dcs_client::sanitize("\u{feff}"), "\\u{feff}");
    assert_eq!(dcs_client::sanitize("é ü 中"), "é ü 中");
    let long = "y".repeat(301);
    let s = dcs_client::sanitize(&long);
    assert!(s.starts_with(&"y".repeat(300)));
    assert!(s.ends_with("... (301 characters in all)"), "{s}");
    assert_eq!(dcs_client::sanitize(&"y".repeat(300)), "y".repeat(300));
}

#[tokio::test]
async fn no_credentials_anywhere_is_a_configuration_error() {
    // The metadata address answers 403 (not an ECS server): the chain finds nothing at the
    // first call.
    let metadata = RawServer::start(vec![answer(403, &[], "denied"); 4]).await;
    let env = [
        ("HOME", "/home/nobody"),
        ("HUAWEICLOUD_SDK_PROJECT_ID", PROJECT),
        ("HUAWEICLOUD_SDK_METADATA_ENDPOINT", &metadata.endpoint),
    ];
    let e = first_call_error(&env, Default::default()).await;
    assert_eq!(e.kind(), ErrorKind::Config, "{e}");
    assert_eq!(truths(&e), ["is_no_credentials"], "{e}");
    // The chain's own error is the cause.
    let cause = e.source().expect("the credential chain's error");
    assert!(
        cause.to_string().contains("no credentials found"),
        "{cause}"
    );
    // (That nothing reached DCS is checked by `first_call_error`.)
    assert!(e.to_string().contains("no credentials found"), "{e}");
}

#[tokio::test]
async fn a_project_lookup_that_cannot_reach_iam_is_the_networks_failure() {
    // A port nothing listens on: the lookup fails to connect, which is a transport failure
    // (like any call's), not a configuration error.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let iam = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let e = after_a_project_lookup_at(&iam, Default::default()).await;
    assert_eq!(e.kind(), ErrorKind::Transport, "{e}");
    assert!(e.is_connect(), "{e}");
    assert!(!e.is_timeout(), "{e}");
    assert!(e.source().is_some(), "the lookup's error is the cause: {e}");
}

#[tokio::test]
async fn a_project_lookup_iam_never_answers_is_a_timeout() {
    let iam = RawServer::start(vec![Raw::Hang(Vec::new())]).await;
    let e = after_a_project_lookup_at(
        &iam.endpoint,
        dcs_client::ClientConfig::default()
            .attempt_timeout(Duration::from_millis(200))
            .total_timeout(Duration::from_secs(1)),
    )
    .await;
    assert_eq!(e.kind(), ErrorKind::Transport, "{e}");
    assert!(e.is_timeout(), "{e}");
    assert!(!e.is_connect(), "{e}");
}
