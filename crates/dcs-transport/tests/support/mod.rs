//! A raw HTTP/1.1 test server on loopback: it parses each request, checks its signature with
//! the transport's own verifier, records it, and answers as the test's handler says. It counts
//! connections accepted and open, so tests can see what the client does on the wire.
// Real dates for answers and signatures: a test may read the system clock.
#![allow(clippy::disallowed_methods)]
#![allow(dead_code)]

use dcs_transport::signer::{self, ReceivedRequest};
use dcs_transport::{SdkDate, SecretString};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// One request as the server read it.
#[derive(Debug, Clone)]
pub struct Received {
    pub method: String,
    pub path: String,
    pub query: String,
    /// Names lower-cased, in arrival order.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// The access key that signed it, or why the signature was refused.
    pub signature: Result<String, String>,
}

impl Received {
    /// The value of header `name` (any case), when it came exactly once.
    pub fn header(&self, name: &str) -> Option<&str> {
        let mut it = self
            .headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name));
        match (it.next(), it.next()) {
            (Some((_, v)), None) => Some(v),
            _ => None,
        }
    }

    /// Whether `name` is among the signed headers of the Authorization header.
    pub fn is_signed(&self, name: &str) -> bool {
        self.header("authorization")
            .and_then(|a| signer::parse_authorization(a).ok())
            .is_some_and(|p| {
                p.signed_headers
                    .contains(&name.to_ascii_lowercase().as_str())
            })
    }
}

/// How to answer one request.
pub enum Reply {
    /// Write these bytes, then keep serving the connection.
    Raw(Vec<u8>),
    /// Write these bytes, then close the connection.
    RawThenClose(Vec<u8>),
    /// Wait, then answer.
    After(Duration, Box<Reply>),
    /// A 200 whose body of `total` bytes is written `chunk` bytes at a time (Content-Length).
    Stream { total: usize, chunk: usize },
    /// Write these bytes, then hold the connection open without writing more.
    Stall(Vec<u8>),
}

impl Reply {
    /// A complete answer with `status`, extra header lines and a body.
    pub fn status(status: u16, headers: &[(&str, &str)], body: &[u8]) -> Reply {
        let mut head = format!("HTTP/1.1 {status} X\r\ncontent-length: {}\r\n", body.len());
        for (n, v) in headers {
            head.push_str(&format!("{n}: {v}\r\n"));
        }
        head.push_str("\r\n");
        let mut bytes = head.into_bytes();
        bytes.extend_from_slice(body);
        Reply::Raw(bytes)
    }

    pub fn ok() -> Reply {
        Reply::status(200, &[], b"")
    }
}

/// What the server sees; shared with the test.
#[derive(Default)]
pub struct State {
    pub accepted: AtomicUsize,
    pub open: AtomicUsize,
    pub max_open: AtomicUsize,
    pub received: Mutex<Vec<Received>>,
}

type Handler = Arc<dyn Fn(&Received) -> Reply + Send + Sync>;

pub struct Server {
    pub url: String,
    pub addr: std::net::SocketAddr,
    pub state: Arc<State>,
}

/// The access key and secret key the server accepts.
pub const AK: &str = "HWTESTAKSUPPORT00001";
pub const SK: &str = "support-secret-key";

impl Server {
    /// Starts a server answering every request with `handler`'s reply. Signatures are checked
    /// against [`AK`]/[`SK`] and any clock skew is accepted (the check is recorded, not
    /// enforced: the handler decides).
    pub async fn start(handler: impl Fn(&Received) -> Reply + Send + Sync + 'static) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let state = Arc::new(State::default());
        let handler: Handler = Arc::new(handler);
        let s = state.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                s.accepted.fetch_add(1, Ordering::SeqCst);
                let open = s.open.fetch_add(1, Ordering::SeqCst) + 1;
                s.max_open.fetch_max(open, Ordering::SeqCst);
                let (s, h) = (s.clone(), handler.clone());
                tokio::spawn(async move {
                    serve(stream, &h, &s).await;
                    s.open.fetch_sub(1, Ordering::SeqCst);
                });
            }
        });
        Self {
            url: format!("http://{addr}"),
            addr,
            state,
        }
    }

    pub fn received(&self) -> Vec<Received> {
        self.state.received.lock().unwrap().clone()
    }

    pub fn requests(&self) -> usize {
        self.state.received.lock().unwrap().len()
    }

    pub fn accepted(&self) -> usize {
        self.state.accepted.load(Ordering::SeqCst)
    }

    pub fn max_open(&self) -> usize {
        self.state.max_open.load(Ordering::SeqCst)
    }

    /// Waits (10 s at most) until the server has read `n` requests.
    pub async fn wait_requests(&self, n: usize) {
        for _ in 0..1000 {
            if self.requests() >= n {
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("the server did not get {n} requests");
    }
}

async fn serve(mut stream: TcpStream, handler: &Handler, state: &State) {
    let mut buf = Vec::new();
    let mut chunk = vec![0u8; 16 * 1024];
    loop {
        let end = loop {
            if let Some(at) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break at + 4;
            }
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        };
        let head = String::from_utf8_lossy(&buf[..end]).into_owned();
        buf.drain(..end);
        let mut lines = head.split("\r\n");
        let line = lines.next().unwrap_or_default().to_string();
        let mut parts = line.split(' ');
        let method = parts.next().unwrap_or_default().to_string();
        let target = parts.next().unwrap_or_default().to_string();
        let (path, query) = match target.split_once('?') {
            Some((p, q)) => (p.to_string(), q.to_string()),
            None => (target.clone(), String::new()),
        };
        let headers: Vec<(String, String)> = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
            .collect();
        let len = headers
            .iter()
            .find(|(n, _)| n == "content-length")
            .and_then(|(_, v)| v.parse::<usize>().ok())
            .unwrap_or(0);
        while buf.len() < len {
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        }
        let body: Vec<u8> = buf.drain(..len).collect();
        let pairs: Vec<(&str, &str)> = headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        let signature = signer::verify(
            &ReceivedRequest {
                method: &method,
                path: &path,
                raw_query: &query,
                headers: &pairs,
                body: &body,
            },
            |ak| (ak == AK).then(|| SecretString::new(SK)),
            SdkDate::from_system_time(SystemTime::now()),
            i64::MAX / 4,
        )
        .map(|v| v.access_key_id)
        .map_err(|e| e.to_string());
        let received = Received {
            method,
            path,
            query,
            headers,
            body,
            signature,
        };
        let reply = handler(&received);
        state.received.lock().unwrap().push(received);
        if !answer(&mut stream, reply).await {
            return;
        }
    }
}

/// Writes `reply`; false when the connection is done.
async fn answer(stream: &mut TcpStream, mut reply: Reply) -> bool {
    loop {
        match reply {
            Reply::After(d, next) => {
                tokio::time::sleep(d).await;
                reply = *next;
            }
            Reply::Raw(bytes) => return stream.write_all(&bytes).await.is_ok(),
            Reply::RawThenClose(bytes) => {
                let _ = stream.write_all(&bytes).await;
                return false;
            }
            Reply::Stream { total, chunk } => {
                let head = format!("HTTP/1.1 200 OK\r\ncontent-length: {total}\r\n\r\n");
                if stream.write_all(head.as_bytes()).await.is_err() {
                    return false;
                }
                let block = vec![b'z'; chunk];
                let mut left = total;
                while left > 0 {
                    let n = left.min(chunk);
                    if stream.write_all(&block[..n]).await.is_err() {
                        return false;
                    }
                    left -= n;
                }
                return true;
            }
            Reply::Stall(bytes) => {
                let _ = stream.write_all(&bytes).await;
                // Hold the connection until the client goes away.
                let mut sink = [0u8; 1024];
                while let Ok(n) = stream.read(&mut sink).await {
                    if n == 0 {
                        break;
                    }
                }
                return false;
            }
        }
    }
}

/// A client of `server` signed with [`AK`]/[`SK`], one attempt per call unless `config` says
/// otherwise.
pub fn client_for(
    server: &Server,
    config: dcs_transport::ClientConfig,
) -> dcs_transport::HttpClientBuilder {
    dcs_transport::HttpClient::builder(
        dcs_transport::Endpoint::parse(&server.url).unwrap(),
        dcs_transport::Credentials::new(AK, SK),
    )
    .config(config)
}

/// One attempt per call: nothing a test checks is hidden by a retry.
pub fn one_attempt() -> dcs_transport::ClientConfig {
    dcs_transport::ClientConfig::default().retry(dcs_transport::RetryPolicy::disabled())
}
