//! Per-request headers and per-request overrides of the client's configuration.

mod support;

use dcs_transport::{BodyState, Method, Request, TimeoutKind, TransportErrorKind};
use std::time::Duration;
use support::{client_for, one_attempt, Reply, Server};

/// A generous bound on a call that a test expects to end early: hitting it is the failure.
const HOSTILE_BOUND: Duration = Duration::from_secs(10);

#[tokio::test]
async fn a_request_header_is_sent_and_signed_and_its_project_id_replaces_the_default() {
    let server = Server::start(|_| Reply::ok()).await;
    let client = client_for(&server, one_attempt())
        .project_id("default-project")
        .build()
        .unwrap();
    client
        .send(&Request::new(Method::GET, "/v2/a"))
        .await
        .unwrap();
    client
        .send(
            &Request::new(Method::GET, "/v2/b")
                .header("X-Project-Id", "other-project")
                .header("X-Custom-Thing", "  value with spaces "),
        )
        .await
        .unwrap();
    let got = server.received();
    assert_eq!(got.len(), 2);
    assert_eq!(got[0].header("x-project-id"), Some("default-project"));
    assert!(got[0].is_signed("x-project-id"));
    // Exactly one X-Project-Id: the request's.
    assert_eq!(got[1].header("x-project-id"), Some("other-project"));
    assert!(got[1].is_signed("x-project-id"));
    assert_eq!(got[1].header("x-custom-thing"), Some("value with spaces"));
    assert!(got[1].is_signed("x-custom-thing"));
    for r in &got {
        assert_eq!(r.signature.as_deref(), Ok(support::AK), "{r:?}");
    }
}

#[tokio::test]
async fn an_invalid_or_reserved_request_header_fails_the_call_unsent() {
    let server = Server::start(|_| Reply::ok()).await;
    let client = client_for(&server, one_attempt()).build().unwrap();
    let bad = [
        Request::new(Method::GET, "/v2/a").header("X-Thing", "line\nbreak"),
        Request::new(Method::GET, "/v2/a").header("X-Thing", "caf\u{e9}"),
        Request::new(Method::GET, "/v2/a").header("Bad Name", "v"),
        Request::new(Method::GET, "/v2/a").header("Authorization", "mine"),
        Request::new(Method::GET, "/v2/a").header("x-sdk-date", "20240101T000000Z"),
        Request::new(Method::GET, "/v2/a").header("X-Security-Token", "t"),
        Request::new(Method::GET, "/v2/a")
            .header("X-Thing", "1")
            .header("x-thing", "2"),
    ];
    for req in &bad {
        let e = client.send(req).await.expect_err(&format!("{req:?}"));
        assert_eq!(e.kind(), TransportErrorKind::InvalidRequest, "{req:?}: {e}");
        assert!(!e.may_have_been_sent());
    }
    assert_eq!(server.requests(), 0);
}

#[tokio::test]
async fn a_request_max_response_bytes_replaces_the_client_cap() {
    let server = Server::start(|_| Reply::status(200, &[], &[b'x'; 100])).await;
    let client = client_for(&server, one_attempt().max_response_bytes(16))
        .build()
        .unwrap();
    let r = client
        .send(&Request::new(Method::GET, "/v2/a"))
        .await
        .unwrap();
    assert_eq!(r.body_state(), BodyState::Truncated);
    let r = client
        .send(&Request::new(Method::GET, "/v2/a").max_response_bytes(1000))
        .await
        .unwrap();
    assert_eq!(r.body_state(), BodyState::Complete);
    assert_eq!(r.body().len(), 100);
}

#[tokio::test]
async fn a_request_attempt_timeout_replaces_the_client_one() {
    let server = Server::start(|_| Reply::Stall(Vec::new())).await;
    let client = client_for(
        &server,
        one_attempt()
            .attempt_timeout(Duration::from_secs(60))
            .total_timeout(Duration::from_secs(120)),
    )
    .build()
    .unwrap();
    let req = Request::new(Method::GET, "/v2/a").attempt_timeout(Duration::from_millis(200));
    let call = client.send(&req);
    let e = tokio::time::timeout(HOSTILE_BOUND, call)
        .await
        .expect("the request's attempt timeout applies")
        .unwrap_err();
    assert_eq!(e.timeout_kind(), Some(TimeoutKind::Attempt), "{e}");
}

#[tokio::test]
async fn a_request_total_timeout_replaces_the_client_one() {
    let server = Server::start(|_| Reply::Stall(Vec::new())).await;
    let client = client_for(
        &server,
        one_attempt()
            .attempt_timeout(Duration::from_secs(60))
            .total_timeout(Duration::from_secs(120)),
    )
    .build()
    .unwrap();
    let req = Request::new(Method::GET, "/v2/a").total_timeout(Duration::from_millis(200));
    let call = client.send(&req);
    let e = tokio::time::timeout(HOSTILE_BOUND, call)
        .await
        .expect("the request's total timeout applies")
        .unwrap_err();
    assert_eq!(e.timeout_kind(), Some(TimeoutKind::Total), "{e}");
    let e = client
        .send(&Request::new(Method::GET, "/v2/a").total_timeout(Duration::ZERO))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), TransportErrorKind::InvalidRequest);
}

#[tokio::test]
async fn a_request_max_attempts_replaces_the_policy_one() {
    let server = Server::start(|_| Reply::status(503, &[], b"")).await;
    let client = client_for(&server, one_attempt()).build().unwrap();
    let r = client
        .send(&Request::new(Method::GET, "/v2/a").max_attempts(2))
        .await
        .unwrap();
    assert_eq!((r.status(), r.attempts()), (503, 2));
    assert_eq!(server.requests(), 2);

    let client = client_for(
        &server,
        dcs_transport::ClientConfig::default().retry(
            dcs_transport::RetryPolicy::default()
                .max_attempts(3)
                .base_backoff(Duration::from_millis(1)),
        ),
    )
    .build()
    .unwrap();
    let r = client
        .send(&Request::new(Method::GET, "/v2/a").max_attempts(1))
        .await
        .unwrap();
    assert_eq!((r.status(), r.attempts()), (503, 1));
    assert_eq!(server.requests(), 3);
}
