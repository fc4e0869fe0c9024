//! The ECS metadata provider against a scripted loopback metadata service: the token flow,
//! its fallbacks, the no-agency answer, expiry formats, an absent or disabled service, and
//! refresh through the cache (single flight, static stability).

mod common;

use common::*;
use dcs_config::{
    CachingProvider, ConfigLoadError, FetchCredentials, MetadataProvider, Overrides,
    ProvideCredentials, ProviderError, ResolvedConfig,
};
use std::sync::Arc;
use std::time::Duration;

const TOKEN: &str = "/meta-data/latest/api/token";
const KEY: &str = "/openstack/latest/securitykey";
/// One hour after [`start_time`].
const IN_ONE_HOUR: &str = "2026-11-28T01:00:00Z";

fn provider(url: &str) -> MetadataProvider {
    let ctx = ctx(&[("HUAWEICLOUD_SDK_METADATA_ENDPOINT", url)]);
    MetadataProvider::from_context(&ctx).unwrap().unwrap()
}

fn put(s: &Seen) -> bool {
    s.method == "PUT" && s.target == TOKEN
}

#[tokio::test]
async fn token_200_then_key_with_the_token() {
    let m = Mock::start(|s, _| {
        if put(s) {
            Reply::new(200, "tok-1\n")
        } else {
            Reply::new(200, key_body("AK1", IN_ONE_HOUR))
        }
    })
    .await;
    let got = provider(&m.url).fetch().await.unwrap();
    assert_eq!(got.credentials.access_key_id(), "AK1");
    assert_eq!(
        got.credentials.security_token().unwrap().expose_secret(),
        "token-of-AK1"
    );
    let seen = m.seen();
    assert_eq!(
        m.lines(),
        [("PUT".into(), TOKEN.into()), ("GET".into(), KEY.into())]
    );
    assert_eq!(
        seen[0].header("x-metadata-token-ttl-seconds"),
        Some("21600")
    );
    assert_eq!(seen[1].header("x-metadata-token"), Some("tok-1"));
    assert!(seen[0].header("proxy-authorization").is_none());
}

async fn tokenless_fallback(status: u16) {
    let m = Mock::start(move |s, _| {
        if put(s) {
            Reply::new(status, "no tokens here")
        } else if s.headers.contains_key("x-metadata-token") {
            Reply::new(400, "unexpected token")
        } else {
            Reply::new(200, key_body("AK1", IN_ONE_HOUR))
        }
    })
    .await;
    let p = provider(&m.url);
    assert_eq!(p.fetch().await.unwrap().credentials.access_key_id(), "AK1");
    assert_eq!(m.seen()[1].header("x-metadata-token"), None);
    // The "no tokens" answer is remembered: the next fetch goes straight to the key.
    p.fetch().await.unwrap();
    assert_eq!(
        m.lines().iter().filter(|(meth, _)| meth == "PUT").count(),
        1,
        "{:?}",
        m.lines()
    );
}

#[tokio::test]
async fn token_404_falls_back_to_a_tokenless_get() {
    tokenless_fallback(404).await;
}

#[tokio::test]
async fn token_405_falls_back_to_a_tokenless_get() {
    tokenless_fallback(405).await;
}

#[tokio::test]
async fn a_401_renews_the_token_once() {
    let m = Mock::start(|s, i| {
        if put(s) {
            Reply::new(200, format!("tok-{i}"))
        } else if s.header("x-metadata-token") == Some("tok-0") {
            Reply::new(401, "token expired")
        } else {
            Reply::new(200, key_body("AK2", IN_ONE_HOUR))
        }
    })
    .await;
    let got = provider(&m.url).fetch().await.unwrap();
    assert_eq!(got.credentials.access_key_id(), "AK2");
    let seen = m.seen();
    assert_eq!(
        m.lines(),
        [
            ("PUT".into(), TOKEN.into()),
            ("GET".into(), KEY.into()),
            ("PUT".into(), TOKEN.into()),
            ("GET".into(), KEY.into())
        ]
    );
    assert_eq!(seen[3].header("x-metadata-token"), Some("tok-2"));
}

#[tokio::test]
async fn a_second_401_is_an_error_not_a_loop() {
    let m = Mock::start(|s, i| {
        if put(s) {
            Reply::new(200, format!("tok-{i}"))
        } else {
            Reply::new(401, "still no")
        }
    })
    .await;
    let e = provider(&m.url).fetch().await.unwrap_err();
    assert!(
        matches!(
            e,
            ProviderError::Broken {
                provider: "ecs-metadata",
                ..
            }
        ),
        "{e}"
    );
    assert!(e.to_string().contains("401"), "{e}");
    assert_eq!(m.seen().len(), 4, "one renewal only: {:?}", m.lines());
}

#[tokio::test]
async fn no_agency_stops_the_chain_without_renewal() {
    let m = Mock::start(|s, _| {
        if put(s) {
            Reply::new(200, "tok")
        } else {
            Reply::new(
                401,
                r#"{"error":"Please configure Cloud Service Agency first"}"#,
            )
        }
    })
    .await;
    let ctx = ctx(&[("HUAWEICLOUD_SDK_METADATA_ENDPOINT", &m.url)]);
    let cfg = ResolvedConfig::load(&ctx, Overrides::default().region("cn-north-4")).unwrap();
    assert_eq!(cfg.credentials_source(), "chain");
    let e = cfg.credentials().provide_credentials().await.unwrap_err();
    match &e {
        ProviderError::Broken { provider, cause } => {
            assert_eq!(*provider, "ecs-metadata");
            assert!(cause.contains("no agency"), "{cause}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(m.seen().len(), 2, "no token renewal: {:?}", m.lines());
}

#[tokio::test]
async fn expiry_with_and_without_fractional_seconds() {
    for (text, extra_ms) in [
        ("2026-11-28T01:00:00Z", 0),
        ("2026-11-28T01:00:00.574000Z", 574),
        ("2026-11-28T01:00:00.5Z", 500),
    ] {
        let body = key_body("AK1", text);
        let m = Mock::start(move |s, _| {
            if put(s) {
                Reply::new(404, "")
            } else {
                Reply::new(200, body.clone())
            }
        })
        .await;
        let got = provider(&m.url).fetch().await.unwrap();
        assert_eq!(
            got.expires_at,
            Some(start_time() + Duration::from_secs(3600) + Duration::from_millis(extra_ms)),
            "{text}"
        );
    }
    let m = Mock::start(|s, _| {
        if put(s) {
            Reply::new(404, "")
        } else {
            Reply::new(200, key_body("AK1", "tomorrow"))
        }
    })
    .await;
    let e = provider(&m.url).fetch().await.unwrap_err();
    assert!(matches!(e, ProviderError::Broken { .. }), "{e}");
    assert!(e.to_string().contains("tomorrow"), "{e}");
}

#[tokio::test]
async fn an_unreachable_service_means_not_on_ecs() {
    let url = dead_url().await;
    let e = provider(&url).fetch().await.unwrap_err();
    assert!(
        matches!(
            e,
            ProviderError::NotConfigured {
                provider: "ecs-metadata",
                ..
            }
        ),
        "{e:?}"
    );
    // Through the default chain: one error listing every provider and why.
    let ctx = ctx(&[("HUAWEICLOUD_SDK_METADATA_ENDPOINT", &url)]);
    let cfg = ResolvedConfig::load(&ctx, Overrides::default().region("cn-north-4")).unwrap();
    let e = cfg.credentials().provide_credentials().await.unwrap_err();
    let ProviderError::NoneFound { tried } = &e else {
        panic!("{e:?}")
    };
    let names: Vec<&str> = tried.iter().map(|s| s.provider).collect();
    assert_eq!(
        names,
        ["environment", "profile", "pod-identity", "ecs-metadata"]
    );
    assert!(tried[3].why.contains("not an ECS server"), "{e}");
}

/// What the chain says when the metadata address is served by `reply` and nothing else is
/// configured: every source, and why it was skipped.
async fn chain_error_with_metadata_answering(reply: Reply) -> (ProviderError, Mock) {
    let m = Mock::start(move |_, _| reply.clone()).await;
    let ctx = ctx(&[("HUAWEICLOUD_SDK_METADATA_ENDPOINT", &m.url)]);
    let cfg = ResolvedConfig::load(&ctx, Overrides::default().region("cn-north-4")).unwrap();
    let e = cfg.credentials().provide_credentials().await.unwrap_err();
    (e, m)
}

fn assert_not_on_ecs(e: &ProviderError, needle: &str) {
    let ProviderError::NoneFound { tried } = e else {
        panic!("no credentials found is expected, got {e:?}")
    };
    let names: Vec<&str> = tried.iter().map(|s| s.provider).collect();
    assert_eq!(
        names,
        ["environment", "profile", "pod-identity", "ecs-metadata"]
    );
    let why = &tried[3].why;
    assert!(why.contains("not the metadata service"), "{why}");
    assert!(why.contains("not an ECS server"), "{why}");
    assert!(why.contains(needle), "{needle:?} in {why}");
    let text = e.to_string();
    assert!(text.starts_with("no credentials found; tried "), "{text}");
}

#[tokio::test]
async fn a_proxy_403_at_the_metadata_address_means_not_on_ecs() {
    // A corporate proxy or a sandbox answers every request with 403 and a page.
    let (e, m) = chain_error_with_metadata_answering(
        Reply::new(403, "<html><body>Forbidden by policy</body></html>")
            .header("content-type", "text/html"),
    )
    .await;
    assert_not_on_ecs(&e, "403");
    // The page is never quoted (a credentials endpoint's answer may hold secrets).
    assert!(!e.to_string().contains("Forbidden by policy"), "{e}");
    assert_eq!(m.lines(), [("PUT".into(), TOKEN.into())], "one exchange");
}

#[tokio::test]
async fn an_html_page_at_the_metadata_address_means_not_on_ecs() {
    // A captive portal answers 200 with a web page: not a token.
    let (e, _m) = chain_error_with_metadata_answering(
        Reply::new(200, "<!doctype html>\n<title>Sign in</title>")
            .header("content-type", "text/html; charset=utf-8"),
    )
    .await;
    assert_not_on_ecs(&e, "text/html");
}

#[tokio::test]
async fn a_web_server_without_tokens_or_keys_means_not_on_ecs() {
    // A plain web server: 404 to the token (as a service without tokens would say), then 404
    // to the key too: nothing there ever answered as the metadata service.
    let (e, m) = chain_error_with_metadata_answering(Reply::new(404, "not found")).await;
    assert_not_on_ecs(&e, "GET /openstack/latest/securitykey answered 404");
    assert_eq!(
        m.lines(),
        [("PUT".into(), TOKEN.into()), ("GET".into(), KEY.into())]
    );
}

#[tokio::test]
async fn once_the_service_has_answered_a_failure_is_broken() {
    // A real token first: the address is the metadata service, so a 403 for the key is the
    // service's own refusal and stops the chain.
    let m = Mock::start(|s, _| {
        if put(s) {
            Reply::new(200, "tok-1")
        } else {
            Reply::new(403, "denied")
        }
    })
    .await;
    let e = provider(&m.url).fetch().await.unwrap_err();
    assert!(
        matches!(
            e,
            ProviderError::Broken {
                provider: "ecs-metadata",
                ..
            }
        ),
        "{e:?}"
    );
    assert!(e.to_string().contains("answered 403"), "{e}");
}

#[tokio::test]
async fn disabled_metadata_is_never_contacted() {
    let m = Mock::start(|_, _| Reply::new(200, key_body("AK1", IN_ONE_HOUR))).await;
    let ctx = ctx(&[
        ("HUAWEICLOUD_SDK_METADATA_ENDPOINT", &m.url),
        ("HUAWEICLOUD_SDK_METADATA_DISABLED", "true"),
    ]);
    let e = ResolvedConfig::load(&ctx, Overrides::default().region("cn-north-4")).unwrap_err();
    let ConfigLoadError::Credentials(ProviderError::NoneFound { tried }) = &e else {
        panic!("{e:?}")
    };
    assert_eq!(tried.len(), 4, "{e}");
    assert!(
        e.to_string().contains("HUAWEICLOUD_SDK_METADATA_DISABLED"),
        "{e}"
    );
    // Give a stray connection time to arrive, then check none did.
    tokio::task::yield_now().await;
    assert_eq!(m.accepted(), 0);

    let bad = common::ctx(&[("HUAWEICLOUD_SDK_METADATA_DISABLED", "yes")]);
    let e = ResolvedConfig::load(&bad, Overrides::default().region("cn-north-4")).unwrap_err();
    assert!(
        e.to_string()
            .contains("HUAWEICLOUD_SDK_METADATA_DISABLED must be true or false"),
        "{e}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thirty_two_concurrent_calls_make_one_fetch_per_refresh() {
    let m = Mock::start(|s, i| {
        if put(s) {
            Reply::new(200, "tok")
        } else {
            // The n-th key fetch hands out AK{n}; slow, so every caller piles up behind it.
            let n = i; // PUT is request 0, so the first GET is 1.
            Reply::new(200, key_body(&format!("AK{n}"), IN_ONE_HOUR))
                .delay(Duration::from_millis(50))
        }
    })
    .await;
    let clock = manual_clock();
    let ctx = ctx_with(
        &[("HUAWEICLOUD_SDK_METADATA_ENDPOINT", &m.url)],
        dcs_config::MapFs::new(),
        &clock,
    );
    let p = Arc::new(CachingProvider::new(
        MetadataProvider::from_context(&ctx).unwrap().unwrap(),
        Arc::new(clock.clone()),
    ));
    let run_32 = |p: Arc<CachingProvider<MetadataProvider>>| async move {
        let tasks: Vec<_> = (0..32)
            .map(|_| {
                let p = p.clone();
                tokio::spawn(async move {
                    p.provide_credentials()
                        .await
                        .unwrap()
                        .access_key_id()
                        .to_string()
                })
            })
            .collect();
        let mut aks = Vec::new();
        for t in tasks {
            aks.push(t.await.unwrap());
        }
        aks
    };
    let first = run_32(p.clone()).await;
    assert!(first.iter().all(|a| a == "AK1"), "{first:?}");
    let gets = |m: &Mock| m.lines().iter().filter(|(meth, _)| meth == "GET").count();
    assert_eq!(gets(&m), 1);
    // 29 minutes left of a one-hour lifetime: under the half-life threshold.
    clock.advance(Duration::from_secs(31 * 60));
    let second = run_32(p.clone()).await;
    assert!(second.iter().all(|a| a == "AK2"), "{second:?}");
    assert_eq!(gets(&m), 2, "{:?}", m.lines());
    assert_eq!(
        m.lines().iter().filter(|(meth, _)| meth == "PUT").count(),
        1,
        "the session token is reused"
    );
}

#[tokio::test]
async fn a_failed_refresh_keeps_still_valid_credentials() {
    let m = Mock::start(|s, i| {
        if put(s) {
            Reply::new(404, "")
        } else if i == 1 {
            Reply::new(200, key_body("AK1", IN_ONE_HOUR))
        } else {
            Reply::new(500, "metadata is down")
        }
    })
    .await;
    let clock = manual_clock();
    let ctx = ctx_with(
        &[("HUAWEICLOUD_SDK_METADATA_ENDPOINT", &m.url)],
        dcs_config::MapFs::new(),
        &clock,
    );
    let p = CachingProvider::new(
        MetadataProvider::from_context(&ctx).unwrap().unwrap(),
        Arc::new(clock.clone()),
    );
    let ak = |c: dcs_config::Credentials| c.access_key_id().to_string();
    assert_eq!(ak(p.provide_credentials().await.unwrap()), "AK1");
    clock.advance(Duration::from_secs(45 * 60));
    assert_eq!(ak(p.provide_credentials().await.unwrap()), "AK1");
    assert_eq!(m.seen().len(), 3, "a refresh was tried: {:?}", m.lines());
    clock.advance(Duration::from_secs(16 * 60));
    let e = p.provide_credentials().await.unwrap_err();
    assert!(
        e.to_string().contains("500"),
        "expired: the failure shows: {e}"
    );
}

/// Pod Identity through the same cache: the token is sent as it is (inner spaces included),
/// and a failed refresh of still-valid credentials is logged under the provider's name.
#[tokio::test(flavor = "current_thread")]
async fn pod_identity_refresh_failures_are_logged_under_its_name() {
    let pod = Mock::start(|s, i| {
        if i == 0 && s.header("authorization") == Some("Bearer pod token") {
            Reply::new(200, key_body("AK_POD", IN_ONE_HOUR))
        } else {
            Reply::new(500, "pod identity is down")
        }
    })
    .await;
    let uri = format!("{}/v1/credentials", pod.url);
    let clock = manual_clock();
    let ctx = pod_ctx(&uri, "Bearer pod token\n", &clock, &[]);
    let p = CachingProvider::new(
        dcs_config::PodIdentityProvider::from_context(&ctx)
            .unwrap()
            .unwrap(),
        Arc::new(clock.clone()),
    );
    let logged = Arc::new(std::sync::Mutex::new(Vec::new()));
    let _log = tracing::subscriber::set_default(Capture(logged.clone()));
    let ak = |c: dcs_config::Credentials| c.access_key_id().to_string();
    assert_eq!(ak(p.provide_credentials().await.unwrap()), "AK_POD");
    clock.advance(Duration::from_secs(45 * 60));
    assert_eq!(ak(p.provide_credentials().await.unwrap()), "AK_POD");
    assert_eq!(pod.seen().len(), 2, "a refresh was tried");
    let logged = logged.lock().unwrap().clone();
    assert!(
        logged.iter().any(|l| l == "provider=pod-identity"),
        "{logged:?}"
    );
}

/// Every field of every event, as `name=value`.
struct Capture(Arc<std::sync::Mutex<Vec<String>>>);

impl tracing::Subscriber for Capture {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        tracing::span::Id::from_u64(1)
    }
    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, event: &tracing::Event<'_>) {
        struct Fields<'a>(&'a mut Vec<String>);
        impl tracing::field::Visit for Fields<'_> {
            fn record_str(&mut self, f: &tracing::field::Field, v: &str) {
                self.0.push(format!("{}={v}", f.name()));
            }
            fn record_debug(&mut self, f: &tracing::field::Field, v: &dyn std::fmt::Debug) {
                self.0.push(format!("{}={v:?}", f.name()));
            }
        }
        event.record(&mut Fields(&mut self.0.lock().unwrap()));
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}
