//! `DownloadHotKey` answers a byte stream: handed out chunk by chunk, never buffered whole,
//! and not cut at the 1 MiB answer cap.

mod common;
use common::{client, serve};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

const TOTAL: usize = 50 << 20;

#[tokio::test]
async fn a_50_mib_export_streams_in_bounded_chunks() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    let requests = Arc::new(AtomicUsize::new(0));
    let seen = requests.clone();
    tokio::spawn(async move {
        let (mut sock, _) = listener.accept().await.unwrap();
        let mut buf = vec![0u8; 16 << 10];
        let mut head = Vec::new();
        while !head.windows(4).any(|w| w == b"\r\n\r\n") {
            let n = sock.read(&mut buf).await.unwrap();
            head.extend_from_slice(&buf[..n]);
        }
        seen.fetch_add(1, Ordering::SeqCst);
        let h = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: {TOTAL}\r\nX-Request-Id: stream-1\r\n\r\n"
        );
        sock.write_all(h.as_bytes()).await.unwrap();
        let block = vec![b'k'; 256 << 10];
        let mut sent = 0;
        while sent < TOTAL {
            let n = block.len().min(TOTAL - sent);
            if sock.write_all(&block[..n]).await.is_err() {
                return;
            }
            sent += n;
        }
    });
    let client = client(&endpoint);
    let mut stream = client
        .download_hot_key("inst-1", "task-1")
        .send_stream()
        .await
        .unwrap();
    assert_eq!(stream.request_id(), Some("stream-1"));
    let (mut total, mut largest, mut chunks) = (0usize, 0usize, 0usize);
    while let Some(chunk) = stream.next_chunk().await.unwrap() {
        assert!(chunk.iter().all(|&b| b == b'k'));
        largest = largest.max(chunk.len());
        total += chunk.len();
        chunks += 1;
    }
    assert_eq!(total, TOTAL, "the whole export, past the 1 MiB answer cap");
    assert_eq!(stream.received(), TOTAL as u64);
    assert!(largest <= 1 << 20, "a chunk of {largest} bytes");
    assert!(chunks >= 50, "{chunks} chunks");
    assert_eq!(requests.load(Ordering::SeqCst), 1);
}

/// The call type of a stream operation has no `send()` at all; the generic builder, which has
/// one for every operation, refuses it before sending.
#[tokio::test]
async fn send_on_a_stream_operation_is_refused_before_sending() {
    let server = serve(200, b"bytes".to_vec(), "application/octet-stream").await;
    let err = client(&server.endpoint)
        .download_hot_key("inst-1", "task-1")
        .into_builder()
        .send()
        .await
        .unwrap_err();
    assert!(err.is_invalid_input(), "{err}");
    assert!(err.to_string().contains("send_stream"), "{err}");
    assert!(server.requests().is_empty());
}

#[tokio::test]
async fn an_error_answer_to_a_stream_is_the_services_error() {
    let server = serve(
        404,
        br#"{"error_code":"DCS.4001","error_msg":"no such hot-key task"}"#.to_vec(),
        "application/json",
    )
    .await;
    let err = client(&server.endpoint)
        .download_hot_key("inst-1", "task-1")
        .send_stream()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), dcs_client::ErrorKind::Service, "{err}");
    assert!(err.is_not_found(), "{err}");
    assert_eq!(err.error_msg(), Some("no such hot-key task"));
    assert_eq!(err.request_id(), Some("req-1"));
    assert_eq!(server.requests().len(), 1);
}
