//! The connection pool, seen from a raw HTTP/1.1 server on loopback that counts the
//! connections it accepts and the ones the client closes.

use dcs_transport::{
    ClientConfig, Credentials, CredentialsFuture, Endpoint, HttpClient, ManualTime, Method,
    ProvideCredentials, Request, RetryPolicy,
};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// How the server answers each request.
#[derive(Clone, Copy)]
struct Behaviour {
    /// Wait this long before answering.
    delay: Duration,
    /// Body bytes of the 200.
    body_len: usize,
    /// Close the connection after answering (without saying so in the answer).
    close_after_answer: bool,
    /// After answering, close the connection when [`Server::close_connection`] says so.
    close_when_told: bool,
}

impl Default for Behaviour {
    fn default() -> Self {
        Self {
            delay: Duration::ZERO,
            body_len: 0,
            close_after_answer: false,
            close_when_told: false,
        }
    }
}

#[derive(Default)]
struct Counts {
    accepted: AtomicUsize,
    /// Connections the server closed when told to.
    closed_by_server: AtomicUsize,
    close_now: tokio::sync::Notify,
    requests: AtomicUsize,
    /// The request line of the last request.
    last_request_line: std::sync::Mutex<String>,
    /// Connections the client closed (the server read end-of-stream or an error).
    closed_by_client: AtomicUsize,
}

struct Server {
    url: String,
    counts: Arc<Counts>,
}

impl Server {
    async fn start(behaviour: Behaviour) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let counts = Arc::new(Counts::default());
        let c = counts.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                c.accepted.fetch_add(1, Ordering::SeqCst);
                tokio::spawn(serve(stream, behaviour, c.clone()));
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

    fn last_request_line(&self) -> String {
        self.counts.last_request_line.lock().unwrap().clone()
    }

    /// Closes the connection held open by `close_when_told`, and waits (10 s at most) until it
    /// is closed.
    fn close_connection(&self) {
        self.counts.close_now.notify_one();
        for _ in 0..1000 {
            if self.counts.closed_by_server.load(Ordering::SeqCst) > 0 {
                return;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        panic!("the server did not close the connection");
    }

    fn closed_by_client(&self) -> usize {
        self.counts.closed_by_client.load(Ordering::SeqCst)
    }

    /// Waits (10 s at most) until the client has closed `n` connections.
    async fn wait_closed_by_client(&self, n: usize) -> usize {
        for _ in 0..1000 {
            if self.closed_by_client() >= n {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        self.closed_by_client()
    }
}

async fn serve(mut stream: tokio::net::TcpStream, b: Behaviour, counts: Arc<Counts>) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        // Read one request head (our requests here have no body).
        let end = loop {
            if let Some(at) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break at + 4;
            }
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => {
                    counts.closed_by_client.fetch_add(1, Ordering::SeqCst);
                    return;
                }
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        };
        let head = String::from_utf8_lossy(&buf[..end]).into_owned();
        buf.drain(..end);
        let line = head.lines().next().unwrap_or_default().to_string();
        *counts.last_request_line.lock().unwrap() = line.clone();
        counts.requests.fetch_add(1, Ordering::SeqCst);
        // Paths that ask for special answers.
        if line.contains("/close ") {
            // Says it closes the connection, but only does so a while later.
            tokio::time::sleep(Duration::from_millis(200)).await;
            let _ = stream
                .write_all(b"HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-length: 0\r\n\r\n")
                .await;
            tokio::time::sleep(Duration::from_secs(1)).await;
            return;
        }
        if line.contains("/chunked-with-length ") {
            // A chunked body with a Content-Length the client must ignore (RFC 9112, 6.3).
            let _ = stream
                .write_all(
                    b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\ncontent-length: 100\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
                )
                .await;
            continue;
        }
        if line.contains("/slow ") {
            // Half the body, a pause, then the rest.
            let _ = stream
                .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 8\r\n\r\n1234")
                .await;
            tokio::time::sleep(Duration::from_millis(500)).await;
            if stream.write_all(b"5678").await.is_err() {
                return;
            }
            continue;
        }
        tokio::time::sleep(b.delay).await;
        let mut answer =
            format!("HTTP/1.1 200 OK\r\ncontent-length: {}\r\n\r\n", b.body_len).into_bytes();
        answer.resize(answer.len() + b.body_len, b'x');
        if stream.write_all(&answer).await.is_err() {
            return;
        }
        if b.close_after_answer {
            return;
        }
        if b.close_when_told {
            counts.close_now.notified().await;
            drop(stream);
            counts.closed_by_server.fetch_add(1, Ordering::SeqCst);
            return;
        }
    }
}

/// A client with one attempt per call, so that nothing a test checks is hidden by a retry.
fn client(url: &str, config: ClientConfig) -> HttpClient {
    client_with_attempts(url, config, 1)
}

fn client_with_attempts(url: &str, config: ClientConfig, attempts: u32) -> HttpClient {
    HttpClient::builder(
        Endpoint::parse(url).unwrap(),
        Credentials::new("HWTESTAKPOOL00000001", "pool-secret"),
    )
    .config(config.retry(RetryPolicy::default().max_attempts(attempts)))
    .build()
    .unwrap()
}

fn delete() -> Request {
    Request::new(Method::DELETE, "/v2/p/tasks/t")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn never_more_connections_than_calls_in_flight() {
    // A body, so the response does not end with its head.
    let server = Server::start(Behaviour {
        body_len: 300,
        ..Behaviour::default()
    })
    .await;
    let client = client(&server.url, ClientConfig::default());
    // Eight callers, each sending again as soon as its last call returns: the pool must give
    // back a connection that has just finished its response rather than open another.
    let callers: Vec<_> = (0..8)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move {
                for _ in 0..25 {
                    assert_eq!(client.send(&delete()).await.unwrap().status(), 200);
                }
            })
        })
        .collect();
    for caller in callers {
        caller.await.unwrap();
    }
    assert_eq!(server.requests(), 200);
    let accepted = server.accepted();
    assert!(
        (1..=8).contains(&accepted),
        "8 calls in flight opened {accepted} connections"
    );
}

#[tokio::test]
async fn a_connection_the_server_closed_while_idle_is_not_used_again() {
    let server = Server::start(Behaviour {
        close_after_answer: true,
        ..Behaviour::default()
    })
    .await;
    // One attempt only: a stale connection must not cost the call.
    let client = client(&server.url, ClientConfig::default());
    for _ in 0..3 {
        assert_eq!(client.send(&delete()).await.unwrap().status(), 200);
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(server.accepted(), 3);
}

#[tokio::test]
async fn idle_connections_are_closed_after_the_idle_timeout() {
    let server = Server::start(Behaviour::default()).await;
    let client = client(
        &server.url,
        ClientConfig::default().pool_idle_timeout(Duration::from_millis(100)),
    );
    assert_eq!(client.send(&delete()).await.unwrap().status(), 200);
    // The client is alive and idle: only the pool's timer can close the connection.
    assert_eq!(server.wait_closed_by_client(1).await, 1);
    // And the next call opens a new one.
    assert_eq!(client.send(&delete()).await.unwrap().status(), 200);
    assert_eq!(server.accepted(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn beyond_the_idle_cap_connections_are_closed() {
    let server = Server::start(Behaviour {
        delay: Duration::from_millis(100),
        ..Behaviour::default()
    })
    .await;
    let client = client(
        &server.url,
        ClientConfig::default().pool_max_idle_per_host(1),
    );
    let calls: Vec<_> = (0..4)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.send(&delete()).await })
        })
        .collect();
    for call in calls {
        assert_eq!(call.await.unwrap().unwrap().status(), 200);
    }
    assert_eq!(
        server.accepted(),
        4,
        "four calls at once need four connections"
    );
    assert_eq!(server.wait_closed_by_client(3).await, 3);
    // The one kept is used again.
    assert_eq!(client.send(&delete()).await.unwrap().status(), 200);
    assert_eq!(server.accepted(), 4);
}

#[tokio::test]
async fn a_response_not_read_to_the_end_closes_its_connection() {
    let server = Server::start(Behaviour {
        body_len: 64 * 1024,
        ..Behaviour::default()
    })
    .await;
    let client = client(&server.url, ClientConfig::default().max_response_bytes(16));
    let r = client.send(&delete()).await.unwrap();
    assert_eq!(r.body_state(), dcs_transport::BodyState::Truncated);
    assert_eq!(r.body().len(), 16);
    assert_eq!(server.wait_closed_by_client(1).await, 1);
    client.send(&delete()).await.unwrap();
    assert_eq!(server.accepted(), 2);
}

#[tokio::test]
async fn dropping_the_client_closes_its_idle_connections() {
    let server = Server::start(Behaviour::default()).await;
    let client = client(&server.url, ClientConfig::default());
    client.send(&delete()).await.unwrap();
    client.send(&delete()).await.unwrap();
    assert_eq!(server.accepted(), 1);
    drop(client);
    assert_eq!(server.wait_closed_by_client(1).await, 1);
}

#[test]
fn the_idle_timer_outlives_a_runtime_that_shut_down() {
    let server_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let server = server_rt.block_on(Server::start(Behaviour::default()));
    let client = client(
        &server.url,
        ClientConfig::default().pool_idle_timeout(Duration::from_millis(100)),
    );
    let runtime = || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    };
    // The first runtime goes away with the idle timer task it started, before that task ever
    // ran, and with the connection.
    let first = runtime();
    first.block_on(async { client.send(&delete()).await.unwrap() });
    drop(first);
    runtime().block_on(async {
        client.send(&delete()).await.unwrap();
        // Closed once by the first runtime's end, once by the new runtime's idle timer.
        assert_eq!(server.wait_closed_by_client(2).await, 2);
    });
    assert_eq!(server.accepted(), 2);
}

/// The server on a runtime of its own, so the test's runtimes can stop while it goes on.
fn server_on_its_own_runtime(b: Behaviour) -> (tokio::runtime::Runtime, Server) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let server = rt.block_on(Server::start(b));
    (rt, server)
}

fn current_thread_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn a_request_on_a_connection_the_server_just_closed_is_retried_and_flagged() {
    let (_server_rt, server) = server_on_its_own_runtime(Behaviour {
        close_when_told: true,
        ..Behaviour::default()
    });
    let client = client_with_attempts(&server.url, ClientConfig::default(), 2);
    let rt = current_thread_runtime();
    rt.block_on(async { client.send(&delete()).await.unwrap() });
    // The server closes the idle connection while this runtime is not running, so the pool
    // still holds it as ready: the next request is written to a closed connection. hyper
    // cannot tell whether the server read it, so the attempt may have been applied; a
    // DELETE is sent again on a new connection, and the answer says so.
    server.close_connection();
    std::thread::sleep(Duration::from_millis(50));
    let r = rt
        .block_on(async { client.send(&delete()).await })
        .expect("answered on the second attempt");
    assert_eq!(r.attempts(), 2);
    assert!(r.prior_attempt_may_have_applied());
    assert_eq!(server.accepted(), 2);
    assert_eq!(server.requests(), 2);
}

#[tokio::test]
async fn an_answer_that_closes_its_connection_does_not_evict_a_healthy_idle_one() {
    let server = Server::start(Behaviour {
        delay: Duration::from_millis(20),
        ..Behaviour::default()
    })
    .await;
    let client = client(
        &server.url,
        ClientConfig::default().pool_max_idle_per_host(1),
    );
    let keep = {
        let client = client.clone();
        tokio::spawn(async move { client.send(&delete()).await })
    };
    // Answered after the other, with `Connection: close`. (hyper usually has that
    // connection closed by the time it is handed back; the client does not rely on it.)
    let close = {
        let client = client.clone();
        tokio::spawn(async move {
            client
                .send(&Request::new(Method::DELETE, "/v2/p/tasks/close"))
                .await
        })
    };
    keep.await.unwrap().unwrap();
    close.await.unwrap().unwrap();
    assert_eq!(server.accepted(), 2);
    // The healthy connection is still the one kept.
    client.send(&delete()).await.unwrap();
    assert_eq!(server.accepted(), 2);
}

#[tokio::test]
async fn an_empty_path_is_the_root_and_a_relative_one_is_refused_unsent() {
    let server = Server::start(Behaviour::default()).await;
    let client = client(&server.url, ClientConfig::default());
    client.send(&Request::new(Method::GET, "")).await.unwrap();
    assert_eq!(server.last_request_line(), "GET / HTTP/1.1");
    let e = client
        .send(&Request::new(Method::GET, "v2/p"))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), dcs_transport::TransportErrorKind::InvalidRequest);
    assert!(!e.may_have_been_sent());
    assert_eq!(server.requests(), 1);
}

#[test]
fn a_connection_of_a_runtime_that_is_not_running_is_not_borrowed() {
    let (_server_rt, server) = server_on_its_own_runtime(Behaviour::default());
    let client = client(
        &server.url,
        ClientConfig::default().attempt_timeout(Duration::from_secs(5)),
    );
    // This runtime makes a connection and then stays alive, but nothing runs it any more.
    let idle = current_thread_runtime();
    idle.block_on(async { client.send(&delete()).await.unwrap() });
    // Another runtime's call must not send on that connection: its task would never run.
    let r = current_thread_runtime().block_on(async { client.send(&delete()).await });
    assert_eq!(
        r.expect("answered on a connection of its own").attempts(),
        1
    );
    assert_eq!(server.accepted(), 2);
    assert_eq!(server.requests(), 2);
    drop(idle);
}

#[tokio::test]
async fn a_chunked_body_with_a_stray_content_length_is_whole() {
    let server = Server::start(Behaviour::default()).await;
    let client = client(&server.url, ClientConfig::default());
    for _ in 0..2 {
        let r = client
            .send(&Request::new(Method::GET, "/v2/p/chunked-with-length"))
            .await
            .unwrap();
        assert_eq!(r.body().as_ref(), b"hello");
        assert_eq!(r.body_state(), dcs_transport::BodyState::Complete);
    }
    assert_eq!(server.accepted(), 1, "the connection was fit for reuse");
}

#[tokio::test]
async fn a_connection_past_its_lifetime_is_not_used_again() {
    let server = Server::start(Behaviour::default()).await;
    let client = client(
        &server.url,
        ClientConfig::default().pool_max_connection_lifetime(Duration::from_millis(50)),
    );
    client.send(&delete()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    // Idle for far less than the idle timeout, but older than its lifetime.
    client.send(&delete()).await.unwrap();
    assert_eq!(server.accepted(), 2);
    assert_eq!(server.wait_closed_by_client(1).await, 1);
}

/// Polls `fut` to completion on this thread, with no runtime of any kind around it.
fn block_on_without_runtime<F: std::future::Future>(fut: F) -> F::Output {
    struct Unpark(std::thread::Thread);
    impl std::task::Wake for Unpark {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
    }
    let waker = std::task::Waker::from(Arc::new(Unpark(std::thread::current())));
    let mut cx = std::task::Context::from_waker(&waker);
    let mut fut = std::pin::pin!(fut);
    loop {
        if let std::task::Poll::Ready(out) = fut.as_mut().poll(&mut cx) {
            return out;
        }
        std::thread::park_timeout(Duration::from_millis(100));
    }
}

#[test]
fn a_call_polled_outside_a_tokio_runtime_is_an_error_not_a_panic() {
    let client = client("http://127.0.0.1:9", ClientConfig::default());
    let req = delete();
    let e = std::thread::spawn(move || block_on_without_runtime(client.send(&req)))
        .join()
        .expect("no panic")
        .unwrap_err();
    assert_eq!(e.kind(), dcs_transport::TransportErrorKind::Runtime);
    assert!(e.to_string().contains("tokio runtime"), "{e}");
    assert!(!e.may_have_been_sent());
}

/// A credential service that takes an hour of the client's (manual) clock to answer.
#[derive(Debug)]
struct SlowProvider(ManualTime);

impl ProvideCredentials for SlowProvider {
    fn provide_credentials(&self) -> CredentialsFuture<'_> {
        self.0.advance(Duration::from_secs(3600));
        Box::pin(async { Ok(Credentials::new("HWTESTAKPOOL00000001", "pool-secret")) })
    }
}

#[tokio::test]
async fn a_connection_that_went_idle_too_long_while_credentials_came_is_not_used() {
    let server = Server::start(Behaviour::default()).await;
    let time = ManualTime::new(std::time::UNIX_EPOCH + Duration::from_secs(1_800_000_000));
    let client = HttpClient::builder(
        Endpoint::parse(&server.url).unwrap(),
        Credentials::new("HWTESTAKPOOL00000001", "pool-secret"),
    )
    .config(
        ClientConfig::default()
            .pool_idle_timeout(Duration::from_secs(60))
            .retry(RetryPolicy::default().max_attempts(1)),
    )
    .credentials_provider(Arc::new(SlowProvider(time.clone())))
    .clock(Arc::new(time.clone()))
    .build()
    .unwrap();
    client.send(&delete()).await.unwrap();
    // Idle for no time when the second call starts, but for an hour once its credentials
    // arrive: past the idle timeout, so not borrowed.
    client.send(&delete()).await.unwrap();
    assert_eq!(server.accepted(), 2);
}
