//! A raw loopback HTTP/1.1 server for tests that need every byte of an answer under control:
//! a head without `X-Request-Id`, a body shorter than its `Content-Length`, a reset, a stall.
//! One request per connection; the n-th request gets the n-th step of the script.
#![allow(dead_code)]

use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// What the raw server does with one request.
#[derive(Clone)]
pub enum Raw {
    /// Writes these bytes, then closes.
    Send(Vec<u8>),
    /// Closes the connection with a reset, before any byte.
    Reset,
    /// Writes these bytes, then holds the connection open without another byte.
    Hang(Vec<u8>),
}

/// An HTTP/1.1 answer: status, extra header lines, body (with its true length).
pub fn answer(status: u16, headers: &[(&str, &str)], body: &str) -> Raw {
    Raw::Send(head(status, headers, body.len(), body))
}

/// A 200 with a JSON body.
pub fn ok(body: &str) -> Raw {
    answer(200, &[], body)
}

/// The bytes of an answer announcing `length` body bytes, followed by `body`.
pub fn head(status: u16, headers: &[(&str, &str)], length: usize, body: &str) -> Vec<u8> {
    let mut h = format!(
        "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {length}\r\nConnection: close\r\n"
    );
    for (k, v) in headers {
        h.push_str(&format!("{k}: {v}\r\n"));
    }
    h.push_str("\r\n");
    h.push_str(body);
    h.into_bytes()
}

/// A loopback server answering the n-th request with `script[n]` (the last step again once
/// the script runs out).
pub struct RawServer {
    pub endpoint: String,
    /// The request line (`METHOD /path?query`) of every request, in the order served.
    lines: Arc<Mutex<Vec<String>>>,
}

impl RawServer {
    pub async fn start(script: Vec<Raw>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let endpoint = format!("http://{}", listener.local_addr().unwrap());
        let lines = Arc::new(Mutex::new(Vec::new()));
        let log = lines.clone();
        tokio::spawn(async move {
            loop {
                let Ok((mut sock, _)) = listener.accept().await else {
                    return;
                };
                let script = script.clone();
                let log = log.clone();
                tokio::spawn(async move {
                    let Some(line) = read_request(&mut sock).await else {
                        return;
                    };
                    let n = {
                        let mut log = log.lock().unwrap_or_else(|p| p.into_inner());
                        log.push(line);
                        log.len() - 1
                    };
                    match script[n.min(script.len() - 1)].clone() {
                        Raw::Send(bytes) => {
                            let _ = sock.write_all(&bytes).await;
                            let _ = sock.shutdown().await;
                        }
                        Raw::Reset => {
                            let _ = sock.set_zero_linger();
                            drop(sock);
                        }
                        Raw::Hang(bytes) => {
                            let _ = sock.write_all(&bytes).await;
                            tokio::time::sleep(Duration::from_secs(3600)).await;
                        }
                    }
                });
            }
        });
        Self { endpoint, lines }
    }

    /// Requests served so far.
    pub fn requests(&self) -> usize {
        self.lines.lock().unwrap_or_else(|p| p.into_inner()).len()
    }

    /// The request lines served so far (`DELETE /v2/.../tasks/t`), in order.
    pub fn lines(&self) -> Vec<String> {
        self.lines.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

/// Reads one request head and its `Content-Length` body; its request line, or `None` when the
/// peer went away first.
async fn read_request(sock: &mut TcpStream) -> Option<String> {
    let mut buf = Vec::new();
    let mut tmp = [0u8; 4096];
    let end = loop {
        let n = sock.read(&mut tmp).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&tmp[..n]);
        if let Some(p) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break p + 4;
        }
    };
    let text = String::from_utf8_lossy(&buf[..end]).into_owned();
    let len: usize = text
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("content-length").then_some(v)
        })
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    while buf.len() - end < len {
        match sock.read(&mut tmp).await {
            Ok(0) | Err(_) => return None,
            Ok(n) => buf.extend_from_slice(&tmp[..n]),
        }
    }
    let line = text.lines().next().unwrap_or_default();
    Some(line.trim_end_matches(" HTTP/1.1").to_string())
}
