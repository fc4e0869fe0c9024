//! A scripted HTTP/1.1 server on loopback that records every request and counts the
//! connections it accepts, and helpers to build an injected [`Context`].

#![allow(dead_code)]

use bytes::Bytes;
use dcs_config::ManualTime;
use dcs_config::{Context, MapEnv, MapFs};
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use std::convert::Infallible;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

/// One request as the server saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    /// Path and query.
    pub target: String,
    pub headers: http::HeaderMap,
    pub body: Bytes,
}

impl Seen {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// What the server answers.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: String,
    pub delay: Duration,
}

impl Reply {
    pub fn new(status: u16, body: impl Into<String>) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: body.into(),
            delay: Duration::ZERO,
        }
    }
    pub fn header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }
    pub fn delay(mut self, d: Duration) -> Self {
        self.delay = d;
        self
    }
}

type Handler = dyn Fn(&Seen, usize) -> Reply + Send + Sync;

pub struct Mock {
    pub url: String,
    accepted: Arc<AtomicUsize>,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl Mock {
    /// Starts a server answering with `handler(request, index of the request)`.
    pub async fn start(handler: impl Fn(&Seen, usize) -> Reply + Send + Sync + 'static) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let accepted = Arc::new(AtomicUsize::new(0));
        let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
        let handler: Arc<Handler> = Arc::new(handler);
        let (a, s) = (accepted.clone(), seen.clone());
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                a.fetch_add(1, Ordering::SeqCst);
                let (s, handler) = (s.clone(), handler.clone());
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(
                        move |req: http::Request<hyper::body::Incoming>| {
                            let (s, handler) = (s.clone(), handler.clone());
                            async move {
                                let (parts, body) = req.into_parts();
                                let body = body
                                    .collect()
                                    .await
                                    .map(|b| b.to_bytes())
                                    .unwrap_or_default();
                                let seen = Seen {
                                    method: parts.method.to_string(),
                                    target: parts
                                        .uri
                                        .path_and_query()
                                        .map(|p| p.to_string())
                                        .unwrap_or_default(),
                                    headers: parts.headers,
                                    body,
                                };
                                let index = {
                                    let mut all = s.lock().unwrap();
                                    all.push(seen.clone());
                                    all.len() - 1
                                };
                                let reply = handler(&seen, index);
                                if !reply.delay.is_zero() {
                                    tokio::time::sleep(reply.delay).await;
                                }
                                let mut resp = http::Response::builder().status(reply.status);
                                for (k, v) in &reply.headers {
                                    resp = resp.header(*k, v.as_str());
                                }
                                Ok::<_, Infallible>(
                                    resp.body(Full::new(Bytes::from(reply.body))).unwrap(),
                                )
                            }
                        },
                    );
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Self {
            url,
            accepted,
            seen,
        }
    }

    /// Connections accepted so far.
    pub fn accepted(&self) -> usize {
        self.accepted.load(Ordering::SeqCst)
    }

    /// Requests seen so far.
    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    /// `(method, target)` of every request.
    pub fn lines(&self) -> Vec<(String, String)> {
        self.seen()
            .into_iter()
            .map(|s| (s.method, s.target))
            .collect()
    }
}

/// A loopback URL where nothing listens.
pub async fn dead_url() -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", l.local_addr().unwrap());
    drop(l);
    url
}

/// 2026-11-28T00:00:00Z.
pub fn start_time() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_824_000)
}

pub fn manual_clock() -> ManualTime {
    ManualTime::new(start_time())
}

/// A context over these variables and files, with a manual clock; `HOME` is `/home/u`
/// unless given.
pub fn ctx_with(vars: &[(&str, &str)], fs: MapFs, clock: &ManualTime) -> Context {
    let mut env = MapEnv::from_pairs([("HOME", "/home/u")]);
    for (k, v) in vars {
        env = env.with(*k, *v);
    }
    Context::new(Arc::new(env), Arc::new(fs), Arc::new(clock.clone()))
}

/// A context for Pod Identity at `uri`, with `token` in its token file
/// (`/var/run/pod-token`), metadata turned off, and these other variables.
pub fn pod_ctx(uri: &str, token: &str, clock: &ManualTime, vars: &[(&str, &str)]) -> Context {
    let mut all = vec![
        ("HUAWEICLOUD_SDK_METADATA_DISABLED", "true"),
        ("HC_CONTAINER_CREDENTIALS_FULL_URI", uri),
        (
            "HC_CONTAINER_AUTHORIZATION_TOKEN_FILE",
            "/var/run/pod-token",
        ),
    ];
    all.extend_from_slice(vars);
    let fs = MapFs::new().with_file("/var/run/pod-token", token.to_string());
    ctx_with(&all, fs, clock)
}

/// A context over these variables, no files.
pub fn ctx(vars: &[(&str, &str)]) -> Context {
    ctx_with(vars, MapFs::new(), &manual_clock())
}

/// A metadata body.
pub fn key_body(ak: &str, expires_at: &str) -> String {
    format!(
        r#"{{"credential":{{"access":"{ak}","secret":"sk-of-{ak}","securitytoken":"token-of-{ak}","expires_at":"{expires_at}"}}}}"#
    )
}
