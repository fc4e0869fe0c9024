//! Proxies: CONNECT tunnels with basic auth through a loopback proxy, the environment read
//! through an injected lookup, hosts that are never proxied, and no password in any output.

mod support;

use dcs_transport::{
    ClientConfig, ConfigError, Credentials, Endpoint, HttpClient, Method, Proxy, ProxySettings,
    Request, RetryPolicy, TransportErrorKind,
};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use support::{Reply, Server};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// What one CONNECT asked: its target and its Proxy-Authorization.
type Asked = (String, Option<String>);

/// A CONNECT proxy on loopback that sends every tunnel to `target`, whatever host it names,
/// and records what each CONNECT asked.
struct ConnectProxy {
    addr: SocketAddr,
    tunnels: Arc<AtomicUsize>,
    asked: Arc<Mutex<Vec<Asked>>>,
}

impl ConnectProxy {
    async fn start(target: SocketAddr, require_auth: Option<&'static str>) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let tunnels = Arc::new(AtomicUsize::new(0));
        let asked = Arc::new(Mutex::new(Vec::new()));
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
                    let head = String::from_utf8_lossy(&head).into_owned();
                    let line = head.lines().next().unwrap_or_default();
                    let connect_to = line.split(' ').nth(1).unwrap_or_default().to_string();
                    let auth = head
                        .lines()
                        .filter_map(|l| l.split_once(':'))
                        .find(|(n, _)| n.eq_ignore_ascii_case("proxy-authorization"))
                        .map(|(_, v)| v.trim().to_string());
                    a.lock().unwrap().push((connect_to, auth.clone()));
                    if let Some(want) = require_auth {
                        if auth.as_deref() != Some(want) {
                            let _ = client
                                .write_all(b"HTTP/1.1 407 Proxy Authentication Required\r\ncontent-length: 0\r\n\r\n")
                                .await;
                            return;
                        }
                    }
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

    fn tunnels(&self) -> usize {
        self.tunnels.load(Ordering::SeqCst)
    }
}

/// A client of a (fictitious) non-loopback host, so the proxy applies; plain http is allowed
/// because the test server speaks it.
fn client(endpoint: &str, settings: ProxySettings) -> HttpClient {
    HttpClient::builder(
        Endpoint::parse(endpoint).unwrap(),
        Credentials::new(support::AK, support::SK),
    )
    .config(
        ClientConfig::default()
            .allow_insecure_http(true)
            .retry(RetryPolicy::disabled())
            .proxy(settings),
    )
    .build()
    .unwrap()
}

const PASSWORD_URL_ENCODED: &str = "p%40ss%3Aw%2Frd";

#[tokio::test]
async fn calls_go_through_one_authenticated_connect_tunnel() {
    let server = Server::start(|_| Reply::ok()).await;
    // "user:p@ss:w/rd" in base64.
    let proxy = ConnectProxy::start(server.addr, Some("Basic dXNlcjpwQHNzOncvcmQ=")).await;
    let url = format!("http://user:{PASSWORD_URL_ENCODED}@{}", proxy.addr);
    let client = client(
        "http://dcs.cn-north-4.example.invalid:8080",
        ProxySettings::all(Proxy::parse(&url).unwrap()),
    );
    for _ in 0..3 {
        let r = client
            .send(&Request::new(Method::GET, "/v2/p/tasks"))
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
    }
    assert_eq!(proxy.tunnels(), 1, "one tunnel, reused");
    let asked = proxy.asked.lock().unwrap().clone();
    assert_eq!(asked[0].0, "dcs.cn-north-4.example.invalid:8080");
    let got = server.received();
    assert_eq!(got.len(), 3);
    for r in &got {
        assert_eq!(
            r.header("host"),
            Some("dcs.cn-north-4.example.invalid:8080")
        );
        assert_eq!(r.signature.as_deref(), Ok(support::AK), "{r:?}");
        assert!(
            r.header("proxy-authorization").is_none(),
            "not leaked to the origin"
        );
    }
}

#[tokio::test]
async fn a_refused_tunnel_is_a_connect_error_with_nothing_sent() {
    let server = Server::start(|_| Reply::ok()).await;
    let proxy = ConnectProxy::start(server.addr, Some("Basic something-else")).await;
    let url = format!("http://user:{PASSWORD_URL_ENCODED}@{}", proxy.addr);
    let client = client(
        "http://dcs.example.invalid",
        ProxySettings::all(Proxy::parse(&url).unwrap()),
    );
    let e = client
        .send(&Request::new(Method::POST, "/v2/p/instances"))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), TransportErrorKind::Connect, "{e}");
    assert!(e.to_string().contains("407"), "{e}");
    assert!(!e.may_have_been_sent());
    assert!(!format!("{e} {e:?}").contains("p@ss"), "{e:?}");
    assert_eq!(server.requests(), 0);
    // The default port is named when the endpoint has none.
    assert_eq!(proxy.asked.lock().unwrap()[0].0, "dcs.example.invalid:80");
}

#[tokio::test]
async fn the_builders_proxy_url_is_used_and_a_bad_one_fails_the_build() {
    let server = Server::start(|_| Reply::ok()).await;
    let proxy = ConnectProxy::start(server.addr, None).await;
    let builder = |url: &str| {
        HttpClient::builder(
            Endpoint::parse("http://dcs.example.invalid").unwrap(),
            Credentials::new(support::AK, support::SK),
        )
        .config(ClientConfig::default().allow_insecure_http(true))
        .proxy(url)
    };
    let client = builder(&format!("http://{}", proxy.addr)).build().unwrap();
    client
        .send(&Request::new(Method::GET, "/v2/p/tasks"))
        .await
        .unwrap();
    assert_eq!(proxy.tunnels(), 1);
    let b = builder("socks5://u:hunter2@proxy.example");
    assert!(!format!("{b:?}").contains("hunter2"));
    let e = b.build().unwrap_err();
    assert!(matches!(e, ConfigError::InvalidProxy { .. }), "{e}");
}

#[tokio::test]
async fn loopback_is_never_proxied() {
    let server = Server::start(|_| Reply::ok()).await;
    let proxy = ConnectProxy::start(server.addr, None).await;
    let client = client(
        &server.url,
        ProxySettings::all(Proxy::parse(&format!("http://{}", proxy.addr)).unwrap()),
    );
    client
        .send(&Request::new(Method::GET, "/v2/p/tasks"))
        .await
        .unwrap();
    assert_eq!(proxy.tunnels(), 0);
    assert!(proxy.asked.lock().unwrap().is_empty());
    assert_eq!(server.requests(), 1);
}

fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    move |k| map.get(k).cloned()
}

fn endpoint(url: &str) -> Endpoint {
    Endpoint::parse(url).unwrap()
}

#[test]
fn the_environment_chooses_the_proxy_by_scheme_and_no_proxy() {
    let s = ProxySettings::from_lookup(env(&[
        ("https_proxy", "http://secure.proxy:3128"),
        ("HTTP_PROXY", "plain.proxy:8080"),
        (
            "no_proxy",
            "internal.example, .corp.example,10.0.0.0/8,192.168.1.7,[fd00::1]",
        ),
    ]))
    .unwrap();
    let via = |url: &str| s.proxy_for(&endpoint(url)).map(|p| p.to_string());
    assert_eq!(
        via("https://dcs.cn-north-4.myhuaweicloud.com"),
        Some("http://secure.proxy:3128".into())
    );
    assert_eq!(
        via("http://dcs.example.com"),
        Some("http://plain.proxy:8080".into())
    );
    for direct in [
        "https://internal.example",
        "https://a.internal.example",
        "https://corp.example",
        "https://x.corp.example",
        "https://10.1.2.3",
        "https://192.168.1.7",
        "https://[fd00::1]",
        // Never proxied, whatever the environment says.
        "http://169.254.169.254",
        "https://169.254.1.1",
        "https://[fe80::1]",
        "https://127.0.0.1",
        "https://[::1]",
        "https://localhost",
    ] {
        assert_eq!(via(direct), None, "{direct}");
    }
    assert!(via("https://notinternal.example").is_some());
    assert!(via("https://192.168.1.8").is_some());

    // Upper case wins over lower case; empty counts as unset; `*` bypasses everything.
    let s = ProxySettings::from_lookup(env(&[
        ("HTTPS_PROXY", "http://upper:1"),
        ("https_proxy", "http://lower:2"),
        ("NO_PROXY", ""),
        ("no_proxy", "*"),
    ]))
    .unwrap();
    assert_eq!(s.proxy_for(&endpoint("https://dcs.example.com")), None);
    let s = ProxySettings::from_lookup(env(&[
        ("HTTPS_PROXY", "http://upper:1"),
        ("https_proxy", "http://lower:2"),
    ]))
    .unwrap();
    assert_eq!(
        s.proxy_for(&endpoint("https://dcs.example.com"))
            .unwrap()
            .host(),
        "upper"
    );
    // Nothing set: no proxy.
    let none = ProxySettings::from_lookup(env(&[])).unwrap();
    assert_eq!(none.proxy_for(&endpoint("https://dcs.example.com")), None);
}

#[test]
fn the_proxy_password_never_shows() {
    let url = format!("http://user:{PASSWORD_URL_ENCODED}@proxy.example:3128");
    let p = Proxy::parse(&url).unwrap();
    let config = ClientConfig::default().proxy(ProxySettings::all(p.clone()));
    let settings = ProxySettings::from_lookup(env(&[("HTTPS_PROXY", &url)])).unwrap();
    let shown = format!("{p} {p:?} {config:?} {settings:?}");
    assert!(
        shown.contains("user:** redacted **@proxy.example:3128"),
        "{shown}"
    );
    for secret in ["p@ss", PASSWORD_URL_ENCODED, "w/rd"] {
        assert!(!shown.contains(secret), "{shown}");
    }
    // A URL that cannot be used: the error does not repeat the password either.
    let e = Proxy::parse("https://user:hunter2@proxy.example").unwrap_err();
    assert!(matches!(e, ConfigError::InvalidProxy { .. }));
    assert!(!format!("{e} {e:?}").contains("hunter2"), "{e:?}");
    let e = ProxySettings::from_lookup(env(&[("HTTPS_PROXY", "http://u:hunter2@bad host")]))
        .unwrap_err();
    assert!(!format!("{e} {e:?}").contains("hunter2"), "{e:?}");
}
