//! A recording server for tests that need to see exactly what a client sent: it reads one
//! request per connection, checks its SDK-HMAC-SHA256 signature with the shared verifier,
//! records it whole, and answers with the next of the answers it was given. Unlike the
//! emulator it knows no operation: the answers are the test's.

use dcs_transport::signer::{verify, ReceivedRequest};
use dcs_transport::{SdkDate, SecretString};
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// One answer the recorder sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// HTTP status.
    pub status: u16,
    /// `Content-Type`.
    pub content_type: String,
    /// The body.
    pub body: Vec<u8>,
    /// More headers (`Retry-After`, `Date`...), sent as given.
    pub headers: Vec<(String, String)>,
}

impl Answer {
    /// A JSON answer.
    pub fn json(status: u16, body: impl Into<Vec<u8>>) -> Self {
        Self {
            status,
            content_type: "application/json".into(),
            body: body.into(),
            headers: Vec::new(),
        }
    }

    /// The same answer with one more header.
    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }
}

/// A request as it arrived.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// The method.
    pub method: String,
    /// The path, still percent-encoded.
    pub path: String,
    /// The raw query string (without `?`).
    pub raw_query: String,
    /// The query pairs, percent-decoded, in arrival order.
    pub query: Vec<(String, String)>,
    /// Headers in arrival order, names as sent.
    pub headers: Vec<(String, String)>,
    /// The body (empty for a chunked one, which is not read).
    pub body: Vec<u8>,
    /// Whether the body was chunked.
    pub chunked: bool,
    /// The verifier's verdict on the signature.
    pub signature: Result<(), String>,
}

impl Recorded {
    /// A header, by name in any case.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// The recording server. Dropping it does not stop it; it lives as long as its runtime.
#[derive(Debug, Clone)]
pub struct Recorder {
    endpoint: String,
    log: Arc<Mutex<Vec<Recorded>>>,
}

impl Recorder {
    /// Starts on a free loopback port, verifying signatures made with `ak`/`sk`, answering
    /// the `n`-th request with `answers[n]` (the last one again once they run out; `200 {}`
    /// without any) and `X-Request-Id: req-N` (N counting from 1).
    pub async fn start(ak: &str, sk: &str, answers: Vec<Answer>) -> std::io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let endpoint = format!("http://{}", listener.local_addr()?);
        let log = Arc::new(Mutex::new(Vec::new()));
        let rec = log.clone();
        let (ak, sk) = (ak.to_string(), SecretString::new(sk));
        tokio::spawn(async move {
            loop {
                let Ok((mut sock, _)) = listener.accept().await else {
                    return;
                };
                let (rec, answers, ak, sk) = (rec.clone(), answers.clone(), ak.clone(), sk.clone());
                tokio::spawn(async move {
                    let Some(r) = read_request(&mut sock, &ak, &sk).await else {
                        return;
                    };
                    let n = {
                        let mut log = rec.lock().unwrap_or_else(|p| p.into_inner());
                        log.push(r);
                        log.len()
                    };
                    let answer = answers
                        .get((n - 1).min(answers.len().saturating_sub(1)))
                        .cloned()
                        .unwrap_or_else(|| Answer::json(200, b"{}".to_vec()));
                    let extra: String = answer
                        .headers
                        .iter()
                        .map(|(k, v)| format!("{k}: {v}\r\n"))
                        .collect();
                    let head = format!(
                        "HTTP/1.1 {} X\r\nContent-Type: {}\r\nContent-Length: {}\r\nX-Request-Id: req-{n}\r\n{extra}Connection: close\r\n\r\n",
                        answer.status,
                        answer.content_type,
                        answer.body.len()
                    );
                    let _ = sock.write_all(head.as_bytes()).await;
                    let _ = sock.write_all(&answer.body).await;
                    let _ = sock.shutdown().await;
                });
            }
        });
        Ok(Self { endpoint, log })
    }

    /// `http://127.0.0.1:PORT`.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// Every request recorded so far.
    pub fn requests(&self) -> Vec<Recorded> {
        self.log.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Every request recorded since the last call, emptying the record.
    pub fn take(&self) -> Vec<Recorded> {
        std::mem::take(&mut *self.log.lock().unwrap_or_else(|p| p.into_inner()))
    }
}

fn pct_decode(s: &str) -> String {
    percent_encoding::percent_decode_str(&s.replace('+', " "))
        .decode_utf8_lossy()
        .into_owned()
}

async fn read_request(sock: &mut TcpStream, ak: &str, sk: &SecretString) -> Option<Recorded> {
    let mut buf = Vec::new();
    let mut tmp = [0u8; 8192];
    let head_end = loop {
        let n = sock.read(&mut tmp).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&tmp[..n]);
        if let Some(p) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break p + 4;
        }
    };
    let head = String::from_utf8(buf[..head_end].to_vec()).ok()?;
    let mut lines = head.split("\r\n");
    let mut first = lines.next()?.split(' ');
    let method = first.next()?.to_string();
    let target = first.next()?.to_string();
    let mut headers = Vec::new();
    for l in lines.filter(|l| !l.is_empty()) {
        let (n, v) = l.split_once(':')?;
        headers.push((n.trim().to_string(), v.trim().to_string()));
    }
    let find = |name: &str| {
        headers
            .iter()
            .find(|(n, _): &&(String, String)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    };
    let chunked = find("transfer-encoding").is_some();
    let len: usize = find("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let mut body = if chunked {
        Vec::new()
    } else {
        buf[head_end..].to_vec()
    };
    while !chunked && body.len() < len {
        let n = sock.read(&mut tmp).await.ok()?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&tmp[..n]);
    }
    let (path, raw_query) = match target.split_once('?') {
        Some((p, q)) => (p.to_string(), q.to_string()),
        None => (target.clone(), String::new()),
    };
    let query = raw_query
        .split('&')
        .filter(|s| !s.is_empty())
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            (pct_decode(k), pct_decode(v))
        })
        .collect();
    let hdrs: Vec<(&str, &str)> = headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let signature = verify(
        &ReceivedRequest {
            method: &method,
            path: &path,
            raw_query: &raw_query,
            headers: &hdrs,
            body: &body,
        },
        |got| (got == ak).then(|| sk.clone()),
        SdkDate::from_system_time(std::time::SystemTime::now()),
        15 * 60,
    )
    .map(|_| ())
    .map_err(|e| e.to_string());
    Some(Recorded {
        method,
        path,
        raw_query,
        query,
        headers,
        body,
        chunked,
        signature,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_text_is_decoded() {
        assert_eq!(pct_decode("a%20b+c%C3%A9"), "a b cé");
        assert_eq!(pct_decode("%zz"), "%zz");
    }
}
