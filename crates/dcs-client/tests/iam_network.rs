//! The IAM project lookup goes out the way every DCS call does (issue 18): through the
//! environment's HTTPS proxy, trusting the environment's extra CA bundle, with the client's
//! timeouts, on one client kept for the life of the `DcsClient`. End to end from
//! `DcsClient::builder()` with no project id.
//!
//! IAM here is a TLS server on loopback whose certificate, for `iam.cn-north-4.example.invalid`,
//! chains to a test CA that only the bundle trusts (`tests/data/tls`, made once with openssl;
//! the CA's key was deleted). The IAM host name resolves nowhere: the only way there is the
//! CONNECT proxy, which sends every tunnel to the IAM server and counts them. The DCS calls go
//! to a recording server on loopback, which is never proxied.

mod common;

use common::{serve, AK, PROJECT, SK};
use dcs_client::{ClientConfig, Context, Credentials, DcsClient, ErrorKind, MapEnv, MapFs};
use dcs_client::{RetryPolicy, SystemClock};
use rustls::pki_types::{pem::PemObject, CertificateDer, PrivateKeyDer};
use std::io::{Read, Write};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const CA: &[u8] = include_bytes!("data/tls/ca.pem");
const LEAF: &[u8] = include_bytes!("data/tls/leaf.pem");
const LEAF_KEY: &[u8] = include_bytes!("data/tls/leaf.key");
const IAM_URL: &str = "https://iam.cn-north-4.example.invalid";
const CA_PATH: &str = "/etc/corp/ca.pem";
/// Bounds every wait, so a broken client fails the test instead of hanging it.
const BOUND: Duration = Duration::from_secs(30);

/// What IAM does with each request, by its index.
#[derive(Clone, Copy)]
enum Iam {
    /// 403 first, then the project list.
    DenyThenAnswer,
    /// Reads the request and never answers.
    Silent,
}

/// A TLS IAM on a thread of its own: keep-alive, counting connections and requests.
struct IamServer {
    addr: SocketAddr,
    connections: Arc<AtomicUsize>,
    requests: Arc<AtomicUsize>,
}

fn projects_body() -> String {
    format!(
        r#"{{"projects":[{{"id":"{PROJECT}","name":"cn-north-4"}},{{"id":"other","name":"cn-north-4_sub"}}]}}"#
    )
}

impl IamServer {
    fn start(mode: Iam) -> Self {
        let certs: Vec<_> = CertificateDer::pem_slice_iter(LEAF)
            .map(Result::unwrap)
            .collect();
        let key = PrivateKeyDer::from_pem_slice(LEAF_KEY).unwrap();
        let config = Arc::new(
            rustls::ServerConfig::builder_with_provider(Arc::new(
                rustls::crypto::ring::default_provider(),
            ))
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(certs, key)
            .unwrap(),
        );
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let connections = Arc::new(AtomicUsize::new(0));
        let requests = Arc::new(AtomicUsize::new(0));
        let (c, r) = (connections.clone(), requests.clone());
        std::thread::spawn(move || {
            for tcp in listener.incoming() {
                let Ok(tcp) = tcp else { return };
                c.fetch_add(1, Ordering::SeqCst);
                let (config, r) = (config.clone(), r.clone());
                std::thread::spawn(move || {
                    let _ = tcp.set_read_timeout(Some(BOUND));
                    let conn = rustls::ServerConnection::new(config).unwrap();
                    let mut tls = rustls::StreamOwned::new(conn, tcp);
                    loop {
                        let mut head = Vec::new();
                        let mut byte = [0u8; 1];
                        while !head.ends_with(b"\r\n\r\n") {
                            match tls.read(&mut byte) {
                                Ok(1) => head.push(byte[0]),
                                _ => return,
                            }
                        }
                        let n = r.fetch_add(1, Ordering::SeqCst);
                        let (status, body) = match mode {
                            Iam::Silent => {
                                std::thread::sleep(BOUND);
                                return;
                            }
                            Iam::DenyThenAnswer if n == 0 => ("403 Forbidden", "{}".to_string()),
                            Iam::DenyThenAnswer => ("200 OK", projects_body()),
                        };
                        let answer = format!(
                            "HTTP/1.1 {status}\r\ncontent-type: application/json\r\n\
                             x-iam-trace-id: trace-{n}\r\ncontent-length: {}\r\n\r\n{body}",
                            body.len()
                        );
                        if tls.write_all(answer.as_bytes()).is_err() || tls.flush().is_err() {
                            return;
                        }
                    }
                });
            }
        });
        Self {
            addr,
            connections,
            requests,
        }
    }
}

/// A CONNECT proxy on loopback that sends every tunnel to `target`, whatever it names, and
/// counts the tunnels it opened.
struct TunnelCounter {
    addr: SocketAddr,
    tunnels: Arc<AtomicUsize>,
    asked: Arc<std::sync::Mutex<Vec<String>>>,
}

impl TunnelCounter {
    async fn start(target: SocketAddr) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let tunnels = Arc::new(AtomicUsize::new(0));
        let asked = Arc::new(std::sync::Mutex::new(Vec::new()));
        let (t, a) = (tunnels.clone(), asked.clone());
        tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                let (t, a) = (t.clone(), a.clone());
                tokio::spawn(async move {
                    let mut head = Vec::new();
                    let mut byte = [0u8; 1];
                    while !head.ends_with(b"\r\n\r\n") {
                        if client.read(&mut byte).await.unwrap_or(0) == 0 {
                            return;
                        }
                        head.push(byte[0]);
                    }
                    let line = String::from_utf8_lossy(&head)
                        .lines()
                        .next()
                        .unwrap_or_default()
                        .to_string();
                    a.lock().unwrap().push(line);
                    let Ok(mut upstream) = tokio::net::TcpStream::connect(target).await else {
                        return;
                    };
                    t.fetch_add(1, Ordering::SeqCst);
                    if client
                        .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
                        .await
                        .is_err()
                    {
                        return;
                    }
                    let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
                });
            }
        });
        Self {
            addr,
            tunnels,
            asked,
        }
    }
}

/// A client with no project id: the region, IAM's (unresolvable) name, and the environment
/// naming the proxy and, when `with_ca`, the CA bundle.
fn client(dcs: &str, proxy: SocketAddr, with_ca: bool, config: ClientConfig) -> DcsClient {
    let mut env = MapEnv::default()
        .with("HTTPS_PROXY", format!("http://{proxy}"))
        .with("HUAWEICLOUD_SDK_METADATA_DISABLED", "true");
    if with_ca {
        env = env.with("HUAWEICLOUD_SDK_CA_BUNDLE", CA_PATH);
    }
    let fs = MapFs::new().with_file(CA_PATH, CA.to_vec());
    DcsClient::builder()
        .context(Context::new(
            Arc::new(env),
            Arc::new(fs),
            Arc::new(SystemClock),
        ))
        .endpoint(dcs)
        .region("cn-north-4")
        .iam_endpoint(IAM_URL)
        .credentials(Credentials::new(AK, SK))
        .config(config)
        .build()
        .unwrap()
}

#[tokio::test]
async fn the_iam_lookup_goes_through_the_https_proxy_trusting_the_ca_bundle_on_one_client() {
    let iam = IamServer::start(Iam::DenyThenAnswer);
    let proxy = TunnelCounter::start(iam.addr).await;
    let dcs = serve(200, br#"{"tasks":[]}"#.to_vec(), "application/json").await;
    let client = client(
        &dcs.endpoint,
        proxy.addr,
        true,
        ClientConfig::default().retry(RetryPolicy::disabled()),
    );
    assert_eq!(client.project_id(), None, "nothing looked up before a call");

    // IAM refuses the first lookup: a configuration error naming IAM's trace id, nothing
    // sent to DCS.
    let e = tokio::time::timeout(BOUND, client.list_center_task().send())
        .await
        .unwrap()
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Config, "{e}");
    assert_eq!(e.iam_trace_id(), Some("trace-0"), "{e}");
    assert!(dcs.requests().is_empty());

    // The next call looks again, and finds the project.
    tokio::time::timeout(BOUND, client.list_center_task().send())
        .await
        .unwrap()
        .unwrap();
    tokio::time::timeout(BOUND, client.list_center_task().send())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(client.project_id(), Some(PROJECT));
    let seen = dcs.requests();
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[0].path, format!("/v2/{PROJECT}/tasks"));
    assert_eq!(seen[1].header("x-project-id"), Some(PROJECT));

    // Both lookups went through the proxy, on one tunnel and one TLS connection: one client,
    // its connection kept. The DCS calls (loopback) did not touch the proxy.
    assert_eq!(
        iam.requests.load(Ordering::SeqCst),
        2,
        "two lookups, then kept"
    );
    assert_eq!(proxy.tunnels.load(Ordering::SeqCst), 1);
    assert_eq!(iam.connections.load(Ordering::SeqCst), 1);
    assert_eq!(
        proxy.asked.lock().unwrap().as_slice(),
        ["CONNECT iam.cn-north-4.example.invalid:443 HTTP/1.1"]
    );
}

#[tokio::test]
async fn without_the_ca_bundle_the_lookup_fails_the_tls_handshake() {
    let iam = IamServer::start(Iam::DenyThenAnswer);
    let proxy = TunnelCounter::start(iam.addr).await;
    let dcs = serve(200, b"{}".to_vec(), "application/json").await;
    let client = client(
        &dcs.endpoint,
        proxy.addr,
        false,
        ClientConfig::default().retry(RetryPolicy::disabled()),
    );
    let e = tokio::time::timeout(BOUND, client.list_center_task().send())
        .await
        .unwrap()
        .unwrap_err();
    // The proxy was used, the certificate refused: a transport failure, nothing sent.
    assert_eq!(proxy.tunnels.load(Ordering::SeqCst), 1);
    assert_eq!(e.kind(), ErrorKind::Transport, "{e}");
    assert!(e.is_connect(), "{e}");
    assert!(e.to_string().contains("TLS"), "{e}");
    assert_eq!(iam.requests.load(Ordering::SeqCst), 0);
    assert!(dcs.requests().is_empty());
}

#[tokio::test]
async fn an_iam_that_never_answers_is_a_timeout_within_the_configured_timeout() {
    let iam = IamServer::start(Iam::Silent);
    let proxy = TunnelCounter::start(iam.addr).await;
    let dcs = serve(200, b"{}".to_vec(), "application/json").await;
    let client = client(
        &dcs.endpoint,
        proxy.addr,
        true,
        ClientConfig::default()
            .attempt_timeout(Duration::from_millis(400))
            .total_timeout(Duration::from_secs(2))
            .retry(RetryPolicy::disabled()),
    );
    // Bounded far above the configured timeout: only a hang fails here.
    let e = tokio::time::timeout(BOUND, client.list_center_task().send())
        .await
        .expect("the configured timeout ends the lookup")
        .unwrap_err();
    assert!(e.is_timeout(), "{e}");
    assert_eq!(e.kind(), ErrorKind::Transport, "{e}");
    assert!(e.to_string().contains("project id lookup"), "{e}");
    assert_eq!(
        iam.requests.load(Ordering::SeqCst),
        1,
        "the request was read"
    );
    assert!(dcs.requests().is_empty());
}
