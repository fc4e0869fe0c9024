//! A loopback HTTP/1.1 server for the generated per-operation tests: it reads one request per
//! connection, checks its SDK-HMAC-SHA256 signature with the shared verifier, records it, and
//! answers 200 with the body the test gave it.
#![allow(dead_code)]

use dcs_client::{CallBuilder, Credentials, DcsClient, Operation};
use dcs_transport::signer::{verify, ReceivedRequest};
use dcs_transport::{SdkDate, SecretString};
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

pub const AK: &str = "HWTESTAK0GEN0000001";
pub const SK: &str = "generated-tests-secret-0123456789";
pub const PROJECT: &str = "0a1b2c3d4e5f40718293a4b5c6d7e8f9";

/// What arrived.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub query: Vec<(String, String)>,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub signature_ok: Result<(), String>,
}

impl Seen {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// One server answering `answer` (status 200) to every request, recording each.
pub struct Server {
    pub endpoint: String,
    pub seen: Arc<Mutex<Vec<Seen>>>,
}

pub async fn serve(status: u16, answer: Vec<u8>, content_type: &'static str) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let rec = seen.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut sock, _)) = listener.accept().await else {
                return;
            };
            let rec = rec.clone();
            let answer = answer.clone();
            tokio::spawn(async move {
                let Some(s) = read_request(&mut sock).await else {
                    return;
                };
                rec.lock().unwrap().push(s);
                let head = format!(
                    "HTTP/1.1 {status} X\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nX-Request-Id: req-{}\r\nConnection: close\r\n\r\n",
                    answer.len(),
                    rec.lock().unwrap().len()
                );
                let _ = sock.write_all(head.as_bytes()).await;
                let _ = sock.write_all(&answer).await;
                let _ = sock.shutdown().await;
            });
        }
    });
    Server { endpoint, seen }
}

fn pct_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            if let Ok(v) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(if b[i] == b'+' { b' ' } else { b[i] });
        i += 1;
    }
    String::from_utf8(out).unwrap()
}

async fn read_request(sock: &mut tokio::net::TcpStream) -> Option<Seen> {
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
    let len: usize = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = buf[head_end..].to_vec();
    while body.len() < len {
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
    let signature_ok = verify(
        &ReceivedRequest {
            method: &method,
            path: &path,
            raw_query: &raw_query,
            headers: &hdrs,
            body: &body,
        },
        |ak| (ak == AK).then(|| SecretString::new(SK)),
        SdkDate::from_system_time(std::time::SystemTime::now()),
        15 * 60,
    )
    .map(|_| ())
    .map_err(|e| e.to_string());
    Some(Seen {
        method,
        path,
        query,
        headers,
        body,
        signature_ok,
    })
}

pub fn client(endpoint: &str) -> DcsClient {
    DcsClient::builder()
        .endpoint(endpoint)
        .credentials(Credentials::new(AK, SK))
        .project_id(PROJECT)
        .config(dcs_client::ClientConfig::default().retry(dcs_client::RetryPolicy::disabled()))
        .build()
        .unwrap()
}

/// One generated case.
pub struct Case {
    pub name: &'static str,
    pub input: &'static str,
    pub method: &'static str,
    pub path: &'static str,
    pub query: &'static [(&'static str, &'static str)],
    pub body: &'static str,
    pub content_type: &'static str,
    pub answer: &'static str,
}

/// Calls the operation through its generated `DcsClient` method (`make`), with the case's
/// input, and checks everything that arrived and the decoded answer.
pub async fn check_call<O>(case: Case, make: impl FnOnce(&DcsClient) -> CallBuilder<O>)
where
    O: Operation + PartialEq,
    O::Output: serde::Serialize,
{
    let server = serve(200, case.answer.as_bytes().to_vec(), "application/json").await;
    let client = client(&server.endpoint);
    let input: serde_json::Value = serde_json::from_str(case.input).unwrap();
    let parsed: O = dcs_model::strict::from_value("", &input)
        .unwrap_or_else(|e| panic!("{}: the generated input is refused: {e}", case.name));
    assert_eq!(O::META.name, case.name);
    let mut call = make(&client);
    // The method put the path ids where the input has them.
    let from_method = serde_json::to_value(call.request()).unwrap();
    for p in O::META
        .params
        .iter()
        .filter(|p| p.location == dcs_model::operation::ParamLocation::Path)
    {
        assert_eq!(
            from_method[p.name], input[p.name],
            "{}: path id {}",
            case.name, p.name
        );
    }
    *call.request_mut() = parsed;
    let expected_answer: serde_json::Value = if case.answer.is_empty() {
        serde_json::Value::Null
    } else {
        serde_json::from_str(case.answer).unwrap_or(serde_json::Value::Null)
    };
    if O::META.response_kind == dcs_model::ResponseKind::Stream {
        let mut stream = call
            .send_stream()
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", case.name));
        let mut got = Vec::new();
        while let Some(c) = stream.next_chunk().await.unwrap() {
            got.extend_from_slice(&c);
        }
        assert_eq!(got, case.answer.as_bytes(), "{}: streamed bytes", case.name);
    } else {
        let out = call
            .send()
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", case.name));
        assert_eq!(out.status(), 200);
        assert_eq!(out.request_id(), Some("req-1"));
        let decoded = serde_json::to_value(out.value()).unwrap();
        match O::META.response_kind {
            dcs_model::ResponseKind::Empty => assert_eq!(decoded, serde_json::json!({})),
            _ => assert_eq!(decoded, expected_answer, "{}: decoded answer", case.name),
        }
    }
    let seen = server.seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 1, "{}: requests", case.name);
    let s = &seen[0];
    assert_eq!(s.signature_ok, Ok(()), "{}: signature", case.name);
    assert_eq!(s.method, case.method, "{}: method", case.name);
    assert_eq!(
        s.path,
        case.path.replace("PROJECT", PROJECT),
        "{}: path",
        case.name
    );
    let want: Vec<(String, String)> = case
        .query
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let mut got_q = s.query.clone();
    let mut want_q = want;
    got_q.sort();
    want_q.sort();
    assert_eq!(got_q, want_q, "{}: query", case.name);
    if case.body.is_empty() {
        assert!(s.body.is_empty(), "{}: no body expected", case.name);
    } else {
        let got: serde_json::Value = serde_json::from_slice(&s.body).unwrap();
        let want: serde_json::Value = serde_json::from_str(case.body).unwrap();
        assert_eq!(got, want, "{}: body", case.name);
    }
    assert_eq!(
        s.header("content-type"),
        Some(case.content_type),
        "{}: content type",
        case.name
    );
    assert_eq!(
        s.header("x-project-id"),
        Some(PROJECT),
        "{}: project header",
        case.name
    );
}

/// A call with a hostile path id is refused as invalid input naming the field, and nothing
/// reaches the server.
pub async fn check_refused<O: Operation>(
    name: &str,
    field: &str,
    make: impl FnOnce(&DcsClient) -> CallBuilder<O>,
) {
    let server = serve(200, b"{}".to_vec(), "application/json").await;
    let client = client(&server.endpoint);
    let call = make(&client);
    let err = if O::META.response_kind == dcs_model::ResponseKind::Stream {
        call.send_stream().await.err()
    } else {
        call.send().await.err()
    }
    .unwrap_or_else(|| panic!("{name}: a hostile {field} was accepted"));
    assert!(err.is_invalid_input(), "{name}: {err}");
    assert_eq!(
        err.validation_error().map(|v| v.field()),
        Some(field),
        "{name}: {err}"
    );
    assert_eq!(err.attempts(), 0);
    assert!(
        server.seen.lock().unwrap().is_empty(),
        "{name}: a request was sent"
    );
}

/// A server answering 200 with `answers` in turn (the last one again once they run out).
pub async fn serve_sequence(answers: Vec<String>) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let rec = seen.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut sock, _)) = listener.accept().await else {
                return;
            };
            let rec = rec.clone();
            let answers = answers.clone();
            tokio::spawn(async move {
                let Some(s) = read_request(&mut sock).await else {
                    return;
                };
                let n = {
                    let mut r = rec.lock().unwrap();
                    r.push(s);
                    r.len()
                };
                let answer = answers[(n - 1).min(answers.len() - 1)].clone();
                let head = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    answer.len()
                );
                let _ = sock.write_all(head.as_bytes()).await;
                let _ = sock.write_all(answer.as_bytes()).await;
                let _ = sock.shutdown().await;
            });
        }
    });
    Server { endpoint, seen }
}
