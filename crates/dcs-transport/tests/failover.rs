//! Fallback endpoints over real loopback sockets: an endpoint that cannot be connected to
//! (closed port, failed TLS handshake) hands the same attempt to the next one, signed for
//! that one's Host; anything after the request may have been sent stays where it is; the
//! endpoint that worked stays in use until it fails.

mod support;

use dcs_transport::{
    ClientConfig, ConfigError, Credentials, Endpoint, HttpClient, Method, Request, RetryPolicy,
    TransportErrorKind,
};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use support::{Reply, Server, AK, SK};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn endpoint(url: &str) -> Endpoint {
    Endpoint::parse(url).unwrap()
}

/// A client of `first`, falling back on `rest`, one attempt per call.
fn client(first: &str, rest: &[&str], config: ClientConfig) -> HttpClient {
    HttpClient::builder(endpoint(first), Credentials::new(AK, SK))
        .fallback_endpoints(rest.iter().map(|u| endpoint(u)).collect())
        .config(config)
        .build()
        .unwrap()
}

fn one_attempt() -> ClientConfig {
    ClientConfig::default().retry(RetryPolicy::disabled())
}

/// `attempts` attempts per call, 1 ms apart.
fn quick_retries(attempts: u32) -> ClientConfig {
    ClientConfig::default().retry(
        RetryPolicy::default()
            .max_attempts(attempts)
            .base_backoff(Duration::from_millis(1))
            .max_backoff(Duration::from_millis(1)),
    )
}

fn get() -> Request {
    Request::new(Method::GET, "/v2/p/tasks")
}

/// A loopback port where nothing listens: connecting is refused.
fn closed_url(scheme: &str) -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("{scheme}://{}", l.local_addr().unwrap());
    drop(l);
    url
}

/// A plain-TCP listener that answers whatever arrives (a TLS ClientHello included) with
/// bytes that are not TLS, then closes. Counts the connections it accepts.
struct Garbage {
    port: u16,
    accepted: Arc<AtomicUsize>,
}

impl Garbage {
    async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let accepted = Arc::new(AtomicUsize::new(0));
        let count = accepted.clone();
        tokio::spawn(async move {
            while let Ok((mut tcp, _)) = listener.accept().await {
                count.fetch_add(1, Ordering::SeqCst);
                tokio::spawn(async move {
                    let mut buf = [0u8; 512];
                    let _ = tcp.read(&mut buf).await;
                    let _ = tcp
                        .write_all(b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n")
                        .await;
                });
            }
        });
        Self { port, accepted }
    }

    /// The https URL of this listener: a TLS handshake with it fails.
    fn https_url(&self) -> String {
        format!("https://127.0.0.1:{}", self.port)
    }

    fn accepted(&self) -> usize {
        self.accepted.load(Ordering::SeqCst)
    }
}

/// An HTTP server that answers every request with a 200 and `Connection: close` (so no
/// connection is pooled and each call connects anew), and that can be shut down, its port
/// then refusing connections.
struct Switchable {
    url: String,
    answered: Arc<AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

impl Switchable {
    async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let answered = Arc::new(AtomicUsize::new(0));
        let count = answered.clone();
        let task = tokio::spawn(async move {
            while let Ok((mut tcp, _)) = listener.accept().await {
                let count = count.clone();
                tokio::spawn(async move {
                    let mut head = Vec::new();
                    let mut buf = [0u8; 1024];
                    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                        match tcp.read(&mut buf).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => head.extend_from_slice(&buf[..n]),
                        }
                    }
                    count.fetch_add(1, Ordering::SeqCst);
                    let _ = tcp
                        .write_all(
                            b"HTTP/1.1 200 OK\r\ncontent-length: 1\r\nconnection: close\r\n\r\nS",
                        )
                        .await;
                });
            }
        });
        Self {
            url,
            answered,
            task,
        }
    }

    fn answered(&self) -> usize {
        self.answered.load(Ordering::SeqCst)
    }

    /// Closes the listening socket.
    async fn shut(self) {
        self.task.abort();
        let _ = self.task.await;
    }
}

fn close_each() -> Reply {
    Reply::status(200, &[("connection", "close")], b"live")
}

#[tokio::test]
async fn a_closed_port_hands_the_attempt_to_the_next_endpoint_signed_for_its_host() {
    let live = Server::start(|_| close_each()).await;
    let dead = closed_url("http");
    let c = client(&dead, &[&live.url], one_attempt());
    let budget = c.retry_budget_available();

    let r = c.send(&get()).await.unwrap();

    assert_eq!(r.status(), 200);
    assert_eq!(r.body().as_ref(), b"live");
    assert_eq!(r.attempts(), 1, "moving on is not a retry");
    assert_eq!(
        c.retry_budget_available(),
        budget,
        "nor does it spend budget"
    );
    let seen = live.received();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].signature, Ok(AK.to_string()));
    assert_eq!(
        seen[0].header("host"),
        Some(live.addr.to_string().as_str()),
        "signed and sent with the second endpoint's Host"
    );
    assert_eq!(c.current_endpoint(), &endpoint(&live.url));
    assert_eq!(
        c.endpoint(),
        &endpoint(&dead),
        "the builder's endpoint is still first"
    );
    assert_eq!(c.endpoints().len(), 2);
}

#[tokio::test]
async fn an_http_500_is_the_answer_and_never_moves_to_another_endpoint() {
    let first = Server::start(|_| Reply::status(500, &[], b"boom")).await;
    let second = Server::start(|_| Reply::ok()).await;
    let c = client(&first.url, &[&second.url], one_attempt());

    let r = c.send(&get()).await.unwrap();

    assert_eq!(r.status(), 500);
    assert_eq!(r.body().as_ref(), b"boom");
    assert_eq!(first.requests(), 1);
    assert_eq!(
        second.accepted(),
        0,
        "the second endpoint was never contacted"
    );

    // With retries allowed, the retry of a 500 is the policy's and goes to the same place.
    let c = client(&first.url, &[&second.url], quick_retries(2));
    let r = c.send(&get()).await.unwrap();
    assert_eq!(r.status(), 500);
    assert_eq!(r.attempts(), 2);
    assert_eq!(first.requests(), 3);
    assert_eq!(
        second.accepted(),
        0,
        "the second endpoint was never contacted"
    );
    assert_eq!(c.current_endpoint(), &endpoint(&first.url));
}

#[tokio::test]
async fn retries_after_an_answer_or_a_failure_after_sending_stay_on_the_endpoint() {
    // The connection closes after the request was read: each attempt reached the first
    // endpoint, so the retries (the policy's decision) go there too.
    let first = Server::start(|_| Reply::RawThenClose(Vec::new())).await;
    let second = Server::start(|_| Reply::ok()).await;
    let c = client(&first.url, &[&second.url], quick_retries(3));

    let e = c.send(&get()).await.unwrap_err();

    assert_eq!(e.kind(), TransportErrorKind::Io, "{e}");
    assert!(e.may_have_been_sent());
    assert_eq!(e.attempts(), 3);
    assert_eq!(first.requests(), 3);
    assert_eq!(second.accepted(), 0);
}

#[tokio::test]
async fn a_failed_tls_handshake_hands_the_attempt_to_the_next_endpoint() {
    let garbage = Garbage::start().await;
    let live = Server::start(|_| close_each()).await;
    let c = client(&garbage.https_url(), &[&live.url], one_attempt());

    let r = c.send(&get()).await.unwrap();

    assert_eq!(r.status(), 200);
    assert_eq!(r.attempts(), 1);
    assert_eq!(garbage.accepted(), 1, "the handshake was tried");
    let seen = live.received();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].signature, Ok(AK.to_string()));
    assert_eq!(seen[0].header("host"), Some(live.addr.to_string().as_str()));
}

#[tokio::test]
async fn when_every_endpoint_fails_to_connect_the_attempt_fails_with_the_last_error() {
    let garbage = Garbage::start().await;
    let c = client(&closed_url("http"), &[&garbage.https_url()], one_attempt());

    let e = c.send(&get()).await.unwrap_err();

    assert_eq!(
        e.kind(),
        TransportErrorKind::Tls,
        "the last one's error: {e}"
    );
    assert!(!e.may_have_been_sent());
    assert_eq!(e.attempts(), 1);
    assert_eq!(garbage.accepted(), 1);
}

#[tokio::test]
async fn the_endpoint_that_worked_stays_in_use_until_it_fails() {
    let garbage = Garbage::start().await;
    let middle = Switchable::start().await;
    let last = Server::start(|_| close_each()).await;
    let c = client(
        &garbage.https_url(),
        &[&middle.url, &last.url],
        one_attempt(),
    );

    // The first endpoint fails its handshake; the second answers.
    assert_eq!(c.send(&get()).await.unwrap().body().as_ref(), b"S");
    assert_eq!(garbage.accepted(), 1);
    assert_eq!(middle.answered(), 1);

    // Sticky: the next calls go straight to the second (each connects anew, as it closes
    // every connection), never back to the first.
    for n in 2..=3 {
        assert_eq!(c.send(&get()).await.unwrap().body().as_ref(), b"S");
        assert_eq!(middle.answered(), n);
    }
    assert_eq!(
        garbage.accepted(),
        1,
        "the failed endpoint was not tried again"
    );
    assert_eq!(c.current_endpoint(), &endpoint(&middle.url));

    // Once the second cannot be connected to, the attempt moves on to the third, which
    // then stays in use.
    let middle_url = middle.url.clone();
    middle.shut().await;
    for n in 1..=2 {
        assert_eq!(c.send(&get()).await.unwrap().body().as_ref(), b"live");
        assert_eq!(last.requests(), n);
    }
    assert_eq!(garbage.accepted(), 1);
    assert_eq!(c.current_endpoint(), &endpoint(&last.url));
    assert_ne!(c.current_endpoint(), &endpoint(&middle_url));
}

#[test]
fn a_plain_http_fallback_off_loopback_is_refused_like_the_endpoint() {
    let e = HttpClient::builder(
        endpoint("https://dcs.example.com"),
        Credentials::new(AK, SK),
    )
    .fallback_endpoints(vec![endpoint("http://dcs-backup.example.com")])
    .build()
    .unwrap_err();
    assert!(matches!(e, ConfigError::InsecureHttp { .. }), "{e}");
}

/// A sleeper that, on its first sleep (the backoff before a retry), opens a listener on
/// `port`, counting the connections it accepts: the first endpoint comes back between two
/// attempts.
#[derive(Debug)]
struct ReviveOnSleep {
    port: u16,
    accepted: Arc<AtomicUsize>,
    listener: std::sync::Mutex<Option<std::net::TcpListener>>,
}

impl dcs_transport::Sleeper for ReviveOnSleep {
    fn sleep(&self, _: Duration) -> dcs_transport::time::SleepFuture {
        let mut slot = self.listener.lock().unwrap();
        if slot.is_none() {
            let l = std::net::TcpListener::bind(("127.0.0.1", self.port)).unwrap();
            let accepting = l.try_clone().unwrap();
            accepting.set_nonblocking(true).unwrap();
            let accepted = self.accepted.clone();
            tokio::spawn(async move {
                let l = tokio::net::TcpListener::from_std(accepting).unwrap();
                while let Ok((tcp, _)) = l.accept().await {
                    accepted.fetch_add(1, Ordering::SeqCst);
                    drop(tcp);
                }
            });
            *slot = Some(l);
        }
        Box::pin(async {})
    }
}

#[tokio::test]
async fn a_retry_after_sending_goes_to_the_endpoint_that_took_the_request() {
    // The first endpoint is down for the first attempt, which moves to the second; the
    // second reads the request and closes without answering (it may have been applied), so
    // the GET is retried. The first is back by then, but the retry still goes to the second.
    let dead = closed_url("http");
    let port: u16 = dead.rsplit(':').next().unwrap().parse().unwrap();
    let second = Server::start(|_| Reply::RawThenClose(Vec::new())).await;
    let sleeper = Arc::new(ReviveOnSleep {
        port,
        accepted: Arc::default(),
        listener: std::sync::Mutex::new(None),
    });
    let c = HttpClient::builder(endpoint(&dead), Credentials::new(AK, SK))
        .fallback_endpoints(vec![endpoint(&second.url)])
        .config(quick_retries(2))
        .sleeper(sleeper.clone())
        .build()
        .unwrap();

    let e = c.send(&get()).await.unwrap_err();

    assert_eq!(e.kind(), TransportErrorKind::Io, "{e}");
    assert_eq!(e.attempts(), 2);
    assert!(
        sleeper.listener.lock().unwrap().is_some(),
        "the retry waited"
    );
    assert_eq!(
        second.requests(),
        2,
        "both attempts reached the second endpoint"
    );
    assert_eq!(sleeper.accepted.load(Ordering::SeqCst), 0);
    assert_eq!(c.current_endpoint(), &endpoint(&second.url));
}
