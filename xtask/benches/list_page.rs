//! `ListCenterTask` with a 1000-task page over loopback: `DcsClient` (validate, sign, send,
//! classify, decode into `ListCenterTaskResponse`) against a bare hyper client that signs the
//! same request itself and decodes the same bytes into the same struct with `serde_json`.
//!
//! `cargo bench -p xtask --bench list_page [-- --rounds R --calls N]` (or
//! `cargo xtask bench --only list`). Both clients share one server thread (a port each) and
//! take turns in rounds (bare, ours, ours, bare, ...), so drift of the 2-core machine hits both;
//! the verdict is the median of the per-round ratios. With `DCS_OFFICIAL_SDK_PYTHON` set, the
//! official Python SDK's `list_center_task` is timed against the same server, for scale.
//!
//! Only 127.0.0.1 is contacted; every loop is bounded.

use bytes::Bytes;
use dcs_client::types::ListCenterTaskResponse;
use dcs_client::{ClientConfig, Credentials, DcsClient};
use dcs_transport::signer::{self, SignableRequest};
use dcs_transport::{SdkDate, SecretString};
use http_body_util::{BodyExt, Empty, Full};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client as HyperClient;
use hyper_util::rt::{TokioExecutor, TokioIo};
use std::convert::Infallible;
use std::time::{Instant, SystemTime};

const PROJECT: &str = "0a1b2c3d4e5f40718293a4b5c6d7e8f9";
const AK: &str = "QTWAOYTTINDUT2QVKYUC";
const SK: &str = "MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc";

/// A page of 1000 tasks as the Task Center writes them.
fn page() -> Bytes {
    let mut tasks = Vec::with_capacity(1000);
    for i in 0..1000 {
        tasks.push(format!(
            r#"{{"id":"ff8080818e1c6f1b018e2b7d{i:08x}","name":"EXTEND","details":{{"old_capacity":"1","new_capacity":"2","old_cache_mode":"ha","new_cache_mode":"ha"}},"user_name":"ops-user","user_id":"0c7a3f0e2f8f4c2b9f3a","params":"{{\"instance_id\":\"6b4c2a3e-9f1d-4e5a-8c7b-{i:012x}\"}}","status":"SUCCESS","created_at":"2026-11-01T07:38:42.423Z","updated_at":"2026-11-01T07:40:12.001Z","enable_show":true,"job_id":"job-{i}"}}"#
        ));
    }
    Bytes::from(format!(
        r#"{{"task_count":"1000","tasks":[{}]}}"#,
        tasks.join(",")
    ))
}

fn serve(body: Bytes) -> (u16, u16) {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let a = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let b = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            tx.send((
                a.local_addr().unwrap().port(),
                b.local_addr().unwrap().port(),
            ))
            .unwrap();
            for l in [a, b] {
                let body = body.clone();
                tokio::spawn(async move {
                    loop {
                        let Ok((s, _)) = l.accept().await else { return };
                        let _ = s.set_nodelay(true);
                        let body = body.clone();
                        tokio::spawn(async move {
                            let svc = hyper::service::service_fn(move |_req| {
                                let body = body.clone();
                                async move {
                                    Ok::<_, Infallible>(
                                        hyper::Response::builder()
                                            .header("content-type", "application/json")
                                            .header("x-request-id", "bench")
                                            .body(Full::new(body))
                                            .unwrap(),
                                    )
                                }
                            });
                            let _ = hyper::server::conn::http1::Builder::new()
                                .serve_connection(TokioIo::new(s), svc)
                                .await;
                        });
                    }
                });
            }
            std::future::pending::<()>().await;
        });
    });
    rx.recv().unwrap()
}

struct Bare {
    client: HyperClient<HttpConnector, Empty<Bytes>>,
    authority: String,
    path: String,
}

impl Bare {
    async fn call(&self) -> ListCenterTaskResponse {
        let query = [("limit", "1000")];
        let headers = [
            ("Content-Type", "application/json"),
            ("X-Project-Id", PROJECT),
        ];
        let signed = signer::sign(
            &SignableRequest {
                method: "GET",
                authority: &self.authority,
                path: &self.path,
                query: &query,
                headers: &headers,
                body: b"",
            },
            AK,
            &SecretString::new(SK),
            SdkDate::from_system_time(SystemTime::now()),
        )
        .unwrap();
        let mut b = hyper::Request::builder()
            .method("GET")
            .uri(format!("http://{}{}?limit=1000", self.authority, self.path));
        for (n, v) in headers {
            b = b.header(n, v);
        }
        for (n, v) in &signed.added_headers {
            b = b.header(*n, v.as_str());
        }
        let resp = self
            .client
            .request(b.body(Empty::new()).unwrap())
            .await
            .unwrap();
        let bytes = resp.into_body().collect().await.unwrap().to_bytes();
        serde_json::from_slice(&bytes).unwrap()
    }
}

fn arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    if std::env::args().any(|a| a == "--list" || a == "--help") {
        println!("list_page: bench");
        return;
    }
    let rounds = arg("--rounds", 12);
    let calls = arg("--calls", 200);
    let (port_ours, port_bare) = serve(page());
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async move {
        let ours = DcsClient::builder()
            .endpoint(format!("http://127.0.0.1:{port_ours}"))
            .credentials(Credentials::new(AK, SK))
            .project_id(PROJECT)
            .config(ClientConfig::default().max_response_bytes(8 << 20))
            .build()
            .unwrap();
        let mut http = HttpConnector::new();
        http.set_nodelay(true);
        let bare = Bare {
            client: HyperClient::builder(TokioExecutor::new()).build(http),
            authority: format!("127.0.0.1:{port_bare}"),
            path: format!("/v2/{PROJECT}/tasks"),
        };
        // Same answer both ways.
        let a = ours.list_center_task().limit(1000).send().await.unwrap().into_inner();
        let b = bare.call().await;
        assert_eq!(a, b, "both clients decode the same page");
        assert_eq!(a.tasks.as_ref().map(Vec::len), Some(1000));
        for _ in 0..50 {
            ours.list_center_task().limit(1000).send().await.unwrap();
            bare.call().await;
        }
        let mut ratios = Vec::new();
        let (mut rate_ours, mut rate_bare) = (Vec::new(), Vec::new());
        for r in 0..rounds {
            let order = if r % 2 == 0 { [false, true] } else { [true, false] };
            let mut t = [0.0f64; 2];
            for is_ours in order {
                let t0 = Instant::now();
                for _ in 0..calls {
                    if is_ours {
                        let out = ours.list_center_task().limit(1000).send().await.unwrap();
                        std::hint::black_box(out.tasks.as_ref().map(Vec::len));
                    } else {
                        let out = bare.call().await;
                        std::hint::black_box(out.tasks.as_ref().map(Vec::len));
                    }
                }
                t[is_ours as usize] = calls as f64 / t0.elapsed().as_secs_f64();
            }
            rate_bare.push(t[0]);
            rate_ours.push(t[1]);
            ratios.push(t[1] / t[0]);
            println!("round {r:2}: bare {:8.0} req/s  ours {:8.0} req/s  ratio {:.3}", t[0], t[1], t[1] / t[0]);
        }
        let med = |v: &mut Vec<f64>| {
            v.sort_by(|a, b| a.total_cmp(b));
            v[v.len() / 2]
        };
        let (min, max) = (
            ratios.iter().cloned().fold(f64::MAX, f64::min),
            ratios.iter().cloned().fold(f64::MIN, f64::max),
        );
        let ratio = med(&mut ratios);
        println!(
            "list 1000-task page: ours {:.0} req/s, bare hyper + serde_json {:.0} req/s; ratio median {ratio:.3} (rounds {min:.3}..{max:.3}); target >= 0.95: {}",
            med(&mut rate_ours),
            med(&mut rate_bare),
            if ratio >= 0.95 { "MET" } else { "NOT MET" }
        );
        if let Some(py) = std::env::var_os("DCS_OFFICIAL_SDK_PYTHON") {
            let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../../xtask/bench/official_bulk.py");
            let out = std::process::Command::new(py)
                .args([script, "list", &format!("http://127.0.0.1:{port_ours}"), AK, SK, PROJECT, "3"])
                .output()
                .unwrap();
            let text = String::from_utf8_lossy(&out.stdout);
            print!("{text}");
            if let Some(rps) = text
                .split_whitespace()
                .find_map(|w| w.strip_prefix("rps="))
                .and_then(|v| v.parse::<f64>().ok())
            {
                println!("official Python SDK list_center_task: {rps:.0} req/s; ours is {:.1}x that", med(&mut rate_ours) / rps);
            } else {
                eprintln!("the official SDK run failed: {}", String::from_utf8_lossy(&out.stderr));
            }
        }
    });
}
