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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_pool_cap_holds_and_calls_beyond_it_wait_their_turn() {
    // A slow server: each answer takes a while, so ten calls at once overlap.
    let server = support::Server::start(|_| {
        support::Reply::After(Duration::from_millis(100), Box::new(support::Reply::ok()))
    })
    .await;
    let client = support::client_for(
        &server,
        support::one_attempt()
            .pool_max_connections_per_host(2)
            .connect_timeout(Duration::from_secs(30)),
    )
    .build()
    .unwrap();
    let calls: Vec<_> = (0..10)
        .map(|i| {
            let client = client.clone();
            tokio::spawn(async move {
                client
                    .send(&Request::new(Method::GET, format!("/v2/p/{i}")))
                    .await
            })
        })
        .collect();
    for call in calls {
        let r = tokio::time::timeout(HOSTILE_BOUND, call)
            .await
            .expect("every call gets its turn")
            .unwrap()
            .unwrap();
        assert_eq!(r.status(), 200);
    }
    assert_eq!(server.requests(), 10);
    assert!(
        server.max_open() <= 2,
        "the server saw {} connections at once",
        server.max_open()
    );
}

#[tokio::test]
async fn a_call_that_finds_the_pool_full_for_its_connect_timeout_fails_unsent() {
    // The first request is never answered, so its connection stays busy.
    let server = support::Server::start(|_| support::Reply::Stall(Vec::new())).await;
    let client = support::client_for(
        &server,
        support::one_attempt()
            .pool_max_connections_per_host(1)
            .attempt_timeout(Duration::from_secs(60))
            .total_timeout(Duration::from_secs(120)),
    )
    .build()
    .unwrap();
    let busy = {
        let client = client.clone();
        tokio::spawn(async move {
            client
                .send(&Request::new(Method::GET, "/v2/p/stalls"))
                .await
        })
    };
    server.wait_requests(1).await;
    let req = Request::new(Method::POST, "/v2/p/instances");
    // The same client (the same pool), with a short limit on this call alone.
    let e = tokio::time::timeout(
        HOSTILE_BOUND,
        client.send(&req.attempt_timeout(Duration::from_millis(200))),
    )
    .await
    .expect("the wait for a connection is bounded")
    .unwrap_err();
    assert_eq!(
        e.kind(),
        TransportErrorKind::Timeout(TimeoutKind::Connect),
        "{e}"
    );
    assert!(e.to_string().contains("pool was full"), "{e}");
    assert!(!e.may_have_been_sent());
    assert_eq!(server.requests(), 1);
    assert_eq!(server.accepted(), 1);
    busy.abort();
}
