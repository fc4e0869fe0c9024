//! The pool's promises a long-lived client relies on: a connection under the cap gives its
//! place back however it ends (closed by the server, a failed connect, a call dropped or
//! timed out), so a client never hangs for want of a slot; the cap itself holds; pooling can
//! be turned off; the default idle timeout keeps a connection for reuse, and the idle timer
//! runs once, only when there is something to expire.

use dcs_transport::{
    ClientConfig, Credentials, Endpoint, HttpClient, Method, Request, RetryPolicy, TimeoutKind,
    TransportErrorKind,
};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// What the server does after reading a request.
#[derive(Clone, Copy, PartialEq)]
enum Mode {
    /// Answers 200 and keeps the connection for the next request.
    KeepAlive,
    /// Answers 200 (without saying it closes), then closes.
    CloseAfterAnswer,
    /// Never answers; holds the connection.
    Silent,
}

#[derive(Default)]
struct Counts {
    accepted: AtomicUsize,
    requests: AtomicUsize,
    closed_by_client: AtomicUsize,
}

struct Server {
    url: String,
    counts: Arc<Counts>,
}

impl Server {
    async fn start(mode: Mode, delay: Duration) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let counts = Arc::new(Counts::default());
        let c = counts.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                c.accepted.fetch_add(1, Ordering::SeqCst);
                tokio::spawn(serve(stream, mode, delay, c.clone()));
            }
        });
        Self { url, counts }
    }

    fn accepted(&self) -> usize {
        self.counts.accepted.load(Ordering::SeqCst)
    }

    fn requests(&self) -> usize {
        self.counts.requests.load(Ordering::SeqCst)
    }

    /// Waits (10 s at most) until the client has closed `n` connections.
    async fn wait_closed_by_client(&self, n: usize) -> usize {
        for _ in 0..1000 {
            if self.counts.closed_by_client.load(Ordering::SeqCst) >= n {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        self.counts.closed_by_client.load(Ordering::SeqCst)
    }
}

async fn serve(mut stream: tokio::net::TcpStream, mode: Mode, delay: Duration, c: Arc<Counts>) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let end = loop {
            if let Some(at) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break at + 4;
            }
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => {
                    c.closed_by_client.fetch_add(1, Ordering::SeqCst);
                    return;
                }
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        };
        buf.drain(..end);
        c.requests.fetch_add(1, Ordering::SeqCst);
        if mode == Mode::Silent {
            // Held until the client goes away.
            let _ = stream.read(&mut chunk).await;
            c.closed_by_client.fetch_add(1, Ordering::SeqCst);
            return;
        }
        tokio::time::sleep(delay).await;
        if stream
            .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok")
            .await
            .is_err()
        {
            return;
        }
        if mode == Mode::CloseAfterAnswer {
            return;
        }
    }
}

fn client(url: &str, config: ClientConfig) -> HttpClient {
    HttpClient::builder(
        Endpoint::parse(url).unwrap(),
        Credentials::new("HWTESTAKPOOL00000002", "pool-slots-secret"),
    )
    .config(config.retry(RetryPolicy::disabled()))
    .build()
    .unwrap()
}

fn delete() -> Request {
    Request::new(Method::DELETE, "/v2/p/tasks/t")
}

/// One place under the cap, a short connect timeout: a slot that is not given back shows up
/// as a "pool full" timeout on the next call instead of a connection.
fn one_slot() -> ClientConfig {
    ClientConfig::default()
        .pool_max_connections_per_host(1)
        .connect_timeout(Duration::from_secs(2))
}

#[tokio::test]
async fn connections_the_server_closes_give_their_slot_back() {
    let server = Server::start(Mode::CloseAfterAnswer, Duration::ZERO).await;
    let client = client(&server.url, one_slot());
    for i in 0..5 {
        let r = client.send(&delete()).await;
        assert_eq!(
            r.map(|r| r.status()).map_err(|e| e.to_string()),
            Ok(200),
            "call {i}"
        );
    }
    assert_eq!(server.accepted(), 5);
}

#[tokio::test]
async fn failed_connects_give_their_slot_back() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let client = client(&format!("http://127.0.0.1:{port}"), one_slot());
    for i in 0..4 {
        let e = client.send(&delete()).await.unwrap_err();
        // Refused each time, never "the pool is full".
        assert_eq!(e.kind(), TransportErrorKind::Connect, "call {i}: {e}");
    }
}

#[tokio::test]
async fn calls_that_time_out_or_are_dropped_give_their_slot_back() {
    let server = Server::start(Mode::Silent, Duration::ZERO).await;
    let client = client(
        &server.url,
        one_slot().attempt_timeout(Duration::from_millis(200)),
    );
    for i in 0..3 {
        let e = client.send(&delete()).await.unwrap_err();
        assert_eq!(
            e.kind(),
            TransportErrorKind::Timeout(TimeoutKind::Attempt),
            "call {i}: {e}"
        );
    }
    // A call dropped while it waits for its answer.
    let request = delete();
    let pending = client.send(&request);
    assert!(
        tokio::time::timeout(Duration::from_millis(100), pending)
            .await
            .is_err(),
        "the silent server never answers"
    );
    let e = client.send(&delete()).await.unwrap_err();
    assert_eq!(
        e.kind(),
        TransportErrorKind::Timeout(TimeoutKind::Attempt),
        "{e}"
    );
    assert_eq!(server.accepted(), 5);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn never_more_connections_than_the_cap() {
    let server = Server::start(Mode::KeepAlive, Duration::from_millis(100)).await;
    let client = client(
        &server.url,
        ClientConfig::default().pool_max_connections_per_host(2),
    );
    let calls: Vec<_> = (0..6)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.send(&delete()).await.map(|r| r.status()) })
        })
        .collect();
    for call in calls {
        assert_eq!(call.await.unwrap().map_err(|e| e.to_string()), Ok(200));
    }
    assert_eq!(server.requests(), 6);
    assert_eq!(server.accepted(), 2, "six calls at once, two connections");
}

#[tokio::test]
async fn pooling_can_be_turned_off() {
    for config in [
        ClientConfig::default().pool_max_idle_per_host(0),
        ClientConfig::default().pool_idle_timeout(Duration::ZERO),
    ] {
        let server = Server::start(Mode::KeepAlive, Duration::ZERO).await;
        let client = client(&server.url, config);
        for _ in 0..3 {
            assert_eq!(client.send(&delete()).await.unwrap().status(), 200);
        }
        assert_eq!(server.accepted(), 3, "no connection is used twice");
        assert_eq!(server.wait_closed_by_client(3).await, 3);
    }
}

#[tokio::test]
async fn by_default_an_idle_connection_is_kept_for_reuse() {
    let server = Server::start(Mode::KeepAlive, Duration::ZERO).await;
    let client = client(&server.url, ClientConfig::default());
    assert_eq!(client.send(&delete()).await.unwrap().status(), 200);
    // Longer than a couple of seconds, far shorter than the default 90 s.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(client.send(&delete()).await.unwrap().status(), 200);
    assert_eq!(server.accepted(), 1);
}

#[tokio::test]
async fn a_month_long_idle_timeout_is_honoured() {
    let server = Server::start(Mode::KeepAlive, Duration::ZERO).await;
    let month = Duration::from_secs(30 * 24 * 3600);
    let client = client(
        &server.url,
        ClientConfig::default()
            .pool_idle_timeout(month)
            .pool_max_connection_lifetime(month),
    );
    assert_eq!(client.send(&delete()).await.unwrap().status(), 200);
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(client.send(&delete()).await.unwrap().status(), 200);
    assert_eq!(server.accepted(), 1);
}

/// Tasks alive on a current-thread runtime after `calls` calls one after another with
/// `config` (the server runs on a runtime of its own, so only the client's tasks count).
fn tasks_after_calls(config: ClientConfig, calls: usize) -> usize {
    let server_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let server = server_rt.block_on(Server::start(Mode::KeepAlive, Duration::ZERO));
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let client = client(&server.url, config);
    rt.block_on(async {
        for _ in 0..calls {
            assert_eq!(client.send(&delete()).await.unwrap().status(), 200);
            tokio::task::yield_now().await;
        }
        // Let every spawned task start.
        for _ in 0..10 {
            tokio::task::yield_now().await;
        }
        assert_eq!(server.accepted(), 1);
        rt.metrics().num_alive_tasks()
    })
}

#[test]
fn the_idle_timer_runs_once_and_only_when_something_can_expire() {
    // One connection task, and one idle timer however many check-ins there were.
    assert_eq!(tasks_after_calls(ClientConfig::default(), 4), 2);
    let month = Duration::from_secs(30 * 24 * 3600);
    assert_eq!(
        tasks_after_calls(
            ClientConfig::default()
                .pool_idle_timeout(month)
                .pool_max_connection_lifetime(month),
            2
        ),
        2,
        "a month is not forever: the timer runs"
    );
    // A year or more means "keep": no timer.
    let year = Duration::from_secs(365 * 24 * 3600);
    for keep in [year, Duration::MAX] {
        assert_eq!(
            tasks_after_calls(
                ClientConfig::default()
                    .pool_idle_timeout(keep)
                    .pool_max_connection_lifetime(keep),
                2
            ),
            1,
            "{keep:?}"
        );
    }
}

/// An idle connection is usable strictly before its idle timeout and not at it: on the
/// injected clock, a call one millisecond before reuses the connection, a call exactly at
/// the timeout after the last check-in opens a new one.
#[tokio::test]
async fn an_idle_connection_expires_exactly_at_its_idle_timeout() {
    let server = Server::start(Mode::KeepAlive, Duration::ZERO).await;
    let time = dcs_transport::ManualTime::new(
        std::time::SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000),
    );
    let idle = Duration::from_secs(10);
    let client = HttpClient::builder(
        Endpoint::parse(&server.url).unwrap(),
        Credentials::new("HWTESTAKPOOL00000002", "pool-slots-secret"),
    )
    .config(
        ClientConfig::default()
            .retry(RetryPolicy::disabled())
            .pool_idle_timeout(idle),
    )
    .clock(Arc::new(time.clone()))
    .sleeper(Arc::new(time.clone()))
    .build()
    .unwrap();
    assert_eq!(client.send(&delete()).await.unwrap().status(), 200);
    time.advance(idle - Duration::from_millis(1));
    assert_eq!(client.send(&delete()).await.unwrap().status(), 200);
    assert_eq!(
        server.accepted(),
        1,
        "reused one millisecond before the timeout"
    );
    time.advance(idle);
    assert_eq!(client.send(&delete()).await.unwrap().status(), 200);
    assert_eq!(server.accepted(), 2, "not reused at the timeout itself");
}
