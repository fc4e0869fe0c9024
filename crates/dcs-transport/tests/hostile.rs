//! Hostile servers: each test's server misbehaves in one way the client must bound.

mod support;

use dcs_transport::{
    ClientConfig, Credentials, Endpoint, HttpClient, Method, Request, RetryPolicy, TimeoutKind,
    TransportErrorKind,
};
use std::time::Duration;

/// A generous bound on a call that a test expects to end early: hitting it is the failure.
const HOSTILE_BOUND: Duration = Duration::from_secs(10);

/// Accepts TCP connections and holds them without ever writing a byte.
async fn silent_listener() -> std::net::SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((stream, _)) = listener.accept().await {
            held.push(stream);
        }
    });
    addr
}

#[tokio::test]
async fn a_server_that_never_answers_the_tls_hello_is_a_connect_timeout() {
    let addr = silent_listener().await;
    let client = HttpClient::builder(
        Endpoint::parse(&format!("https://{addr}")).unwrap(),
        Credentials::new("AK", "SK"),
    )
    .config(
        ClientConfig::default()
            .connect_timeout(Duration::from_millis(300))
            .attempt_timeout(Duration::from_secs(30))
            .total_timeout(Duration::from_secs(60))
            .retry(RetryPolicy::disabled()),
    )
    .build()
    .unwrap();
    let req = Request::new(Method::POST, "/v2/p/instances");
    let e = tokio::time::timeout(HOSTILE_BOUND, client.send(&req))
        .await
        .expect("the connect timeout bounds the TLS handshake, not the attempt timeout")
        .unwrap_err();
    assert_eq!(
        e.kind(),
        TransportErrorKind::Timeout(TimeoutKind::Connect),
        "{e}"
    );
    assert!(!e.may_have_been_sent());
    assert!(!e.may_have_been_applied());
}
