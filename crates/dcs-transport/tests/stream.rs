//! Streaming responses: a large body read chunk by chunk, never whole; retries until headers;
//! error answers buffered; stalls and early drops.

mod support;

use dcs_transport::{
    ClientConfig, Method, Request, RetryPolicy, Streamed, TimeoutKind, TransportErrorKind,
};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use support::{client_for, one_attempt, Reply, Server};

const MIB: usize = 1024 * 1024;
const HOSTILE_BOUND: Duration = Duration::from_secs(30);

fn get() -> Request {
    Request::new(Method::GET, "/v2/p/hotkeys/download")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_50_mib_body_streams_in_bounded_chunks_past_the_default_cap() {
    let server = Server::start(|_| Reply::Stream {
        total: 50 * MIB,
        chunk: 256 * 1024,
    })
    .await;
    // The default configuration: a 1 MiB response cap that must not cut a stream.
    let client = client_for(&server, ClientConfig::default())
        .build()
        .unwrap();
    assert_eq!(
        client.config().get_max_response_bytes(),
        MIB,
        "the default cap is what this test measures against"
    );
    let Streamed::Stream(mut stream) = client.send_streaming(&get()).await.unwrap() else {
        panic!("a 200 is streamed");
    };
    assert_eq!(stream.status(), 200);
    assert_eq!(stream.attempts(), 1);
    let (mut total, mut chunks, mut largest) = (0usize, 0usize, 0usize);
    while let Some(chunk) = stream.next_chunk().await.unwrap() {
        assert!(chunk.len() <= MIB, "a chunk of {} bytes", chunk.len());
        largest = largest.max(chunk.len());
        total += chunk.len();
        chunks += 1;
    }
    assert_eq!(total, 50 * MIB);
    assert!(chunks >= 50, "{chunks} chunks, the largest {largest} bytes");
    // The end is sticky and the connection went back to the pool.
    assert!(stream.next_chunk().await.unwrap().is_none());
    drop(stream);
    client
        .send(&Request::new(Method::GET, "/v2/p/small"))
        .await
        .unwrap();
    assert_eq!(server.accepted(), 1);
}

#[tokio::test]
async fn a_stream_dropped_early_closes_its_connection() {
    let server = Server::start(|_| Reply::Stream {
        total: 8 * MIB,
        chunk: 64 * 1024,
    })
    .await;
    let client = client_for(&server, one_attempt()).build().unwrap();
    let Streamed::Stream(mut stream) = client.send_streaming(&get()).await.unwrap() else {
        panic!("a 200 is streamed");
    };
    assert!(stream.next_chunk().await.unwrap().is_some());
    drop(stream);
    let Streamed::Stream(mut again) = client.send_streaming(&get()).await.unwrap() else {
        panic!("a 200 is streamed");
    };
    let mut total = 0;
    while let Some(c) = again.next_chunk().await.unwrap() {
        total += c.len();
    }
    assert_eq!(total, 8 * MIB);
    assert_eq!(
        server.accepted(),
        2,
        "the half-read connection was not reused"
    );
}

#[tokio::test]
async fn an_error_answer_is_buffered_and_retries_run_until_headers() {
    let n = AtomicUsize::new(0);
    let server = Server::start(move |_| match n.fetch_add(1, Ordering::SeqCst) {
        0 => Reply::status(503, &[], b"busy"),
        1 => Reply::Stream {
            total: 3 * MIB,
            chunk: 4096,
        },
        _ => Reply::status(
            404,
            &[("x-request-id", "req-404")],
            br#"{"error_code":"DCS.4001"}"#,
        ),
    })
    .await;
    let config = ClientConfig::default().retry(
        RetryPolicy::default()
            .max_attempts(2)
            .base_backoff(Duration::from_millis(1)),
    );
    let client = client_for(&server, config).build().unwrap();
    let Streamed::Stream(mut stream) = client.send_streaming(&get()).await.unwrap() else {
        panic!("the retry's 200 is streamed");
    };
    assert_eq!(stream.attempts(), 2);
    let mut total = 0;
    while let Some(c) = stream.next_chunk().await.unwrap() {
        total += c.len();
    }
    assert_eq!(total, 3 * MIB);
    match client.send_streaming(&get()).await.unwrap() {
        Streamed::Buffered(r) => {
            assert_eq!(r.status(), 404);
            assert_eq!(r.request_id(), Some("req-404"));
            assert_eq!(r.body().as_ref(), br#"{"error_code":"DCS.4001"}"#);
        }
        Streamed::Stream(s) => panic!("a 404 is buffered, got {s:?}"),
    }
}

#[tokio::test]
async fn a_stall_mid_body_is_an_attempt_timeout_that_may_have_been_applied() {
    let server = Server::start(|_| {
        Reply::Stall(b"HTTP/1.1 200 OK\r\ncontent-length: 100000\r\n\r\nfirst bytes".to_vec())
    })
    .await;
    let client = client_for(
        &server,
        one_attempt()
            .attempt_timeout(Duration::from_millis(300))
            .total_timeout(Duration::from_secs(120)),
    )
    .build()
    .unwrap();
    let Streamed::Stream(mut stream) = client.send_streaming(&get()).await.unwrap() else {
        panic!("a 200 is streamed");
    };
    let read_all = async {
        loop {
            match stream.next_chunk().await {
                Ok(Some(_)) => continue,
                Ok(None) => panic!("the body cannot end"),
                Err(e) => return e,
            }
        }
    };
    let e = tokio::time::timeout(HOSTILE_BOUND, read_all)
        .await
        .expect("each chunk wait is bounded");
    assert_eq!(
        e.kind(),
        TransportErrorKind::Timeout(TimeoutKind::Attempt),
        "{e}"
    );
    assert!(e.may_have_been_sent());
    assert!(e.may_have_been_applied());
    // The stream stays failed.
    assert!(stream.next_chunk().await.is_err());
}

#[tokio::test]
async fn the_total_timeout_bounds_a_stream_that_keeps_trickling() {
    // An endless body, a byte per write: every chunk comes well within the attempt timeout.
    let server = Server::start(|_| Reply::Stream {
        total: usize::MAX / 2,
        chunk: 1,
    })
    .await;
    let client = client_for(
        &server,
        one_attempt()
            .attempt_timeout(Duration::from_secs(60))
            .total_timeout(Duration::from_millis(500)),
    )
    .build()
    .unwrap();
    let Streamed::Stream(mut stream) = client.send_streaming(&get()).await.unwrap() else {
        panic!("a 200 is streamed");
    };
    let read_all = async {
        loop {
            match stream.next_chunk().await {
                Ok(Some(_)) => continue,
                Ok(None) => panic!("the body cannot end"),
                Err(e) => return e,
            }
        }
    };
    let e = tokio::time::timeout(HOSTILE_BOUND, read_all)
        .await
        .expect("the total timeout applies to a stream");
    assert_eq!(
        e.kind(),
        TransportErrorKind::Timeout(TimeoutKind::Total),
        "{e}"
    );
    assert!(e.may_have_been_applied());
}
