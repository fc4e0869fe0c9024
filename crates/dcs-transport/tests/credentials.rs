//! Credentials from a provider, asked before every attempt, and secrets kept out of text
//! taken from answers.

mod support;

use dcs_transport::{
    ClientConfig, Credentials, CredentialsFuture, Method, ProvideCredentials, ProviderError,
    Request, RetryPolicy, TransportErrorKind,
};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use support::{client_for, one_attempt, Reply, Server, AK, SK};

/// Hands out the support server's keys with a new security token each time: `token-1`,
/// `token-2`, ...
#[derive(Debug, Default)]
struct Rotating {
    calls: AtomicUsize,
}

impl ProvideCredentials for Rotating {
    fn provide_credentials(&self) -> CredentialsFuture<'_> {
        let n = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
        Box::pin(
            async move { Ok(Credentials::new(AK, SK).with_security_token(format!("token-{n}"))) },
        )
    }
}

#[derive(Debug)]
struct Fixed(Result<Credentials, ProviderError>);

impl ProvideCredentials for Fixed {
    fn provide_credentials(&self) -> CredentialsFuture<'_> {
        let out = self.0.clone();
        Box::pin(async move { out })
    }
}

#[tokio::test]
async fn every_attempt_signs_with_what_the_provider_returns_then() {
    // The first attempt gets a 503, the second a 200.
    let n = AtomicUsize::new(0);
    let server = Server::start(move |_| {
        if n.fetch_add(1, Ordering::SeqCst) == 0 {
            Reply::status(503, &[], b"")
        } else {
            Reply::ok()
        }
    })
    .await;
    let provider = Arc::new(Rotating::default());
    let config = ClientConfig::default().retry(
        RetryPolicy::default()
            .max_attempts(2)
            .base_backoff(Duration::from_millis(1)),
    );
    // The builder's fixed credentials are wrong: the provider's must win.
    let client = dcs_transport::HttpClient::builder(
        dcs_transport::Endpoint::parse(&server.url).unwrap(),
        Credentials::new("SOMEONEELSE", "wrong"),
    )
    .config(config)
    .credentials_provider(provider.clone())
    .build()
    .unwrap();
    let r = client
        .send(&Request::new(Method::GET, "/v2/a"))
        .await
        .unwrap();
    assert_eq!((r.status(), r.attempts()), (200, 2));
    client
        .send(&Request::new(Method::GET, "/v2/b"))
        .await
        .unwrap();
    assert_eq!(provider.calls.load(Ordering::SeqCst), 3);
    let got = server.received();
    let tokens: Vec<_> = got.iter().map(|r| r.header("x-security-token")).collect();
    assert_eq!(
        tokens,
        [Some("token-1"), Some("token-2"), Some("token-3")],
        "one provider answer per attempt"
    );
    for r in &got {
        assert_eq!(r.signature.as_deref(), Ok(AK), "{r:?}");
        assert!(r.is_signed("x-security-token"));
    }
}

#[tokio::test]
async fn a_provider_error_fails_the_call_before_anything_is_sent() {
    let server = Server::start(|_| Reply::ok()).await;
    let broken = Fixed(Err(ProviderError::Broken {
        provider: "profile",
        cause: "~/.huaweicloud/credentials line 3: no sk".into(),
    }));
    let client = client_for(&server, ClientConfig::default())
        .credentials_provider(Arc::new(broken))
        .build()
        .unwrap();
    let e = client
        .send(&Request::new(Method::DELETE, "/v2/a"))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), TransportErrorKind::Credentials);
    assert!(e.to_string().contains("line 3: no sk"), "{e}");
    assert!(!e.may_have_been_sent());
    assert!(!e.may_have_been_applied());
    assert_eq!(e.attempts(), 1, "not retried");
    assert_eq!(server.requests(), 0);
    assert_eq!(server.accepted(), 0);
}

#[tokio::test]
async fn unusable_credentials_from_a_provider_are_refused_unsent() {
    // A provider that says nothing of its keys, and keys given as a provider: their keys are
    // fixed, but empty ones must not make building fail where any other provider's would fail
    // at the call.
    let providers: [Arc<dyn ProvideCredentials>; 2] = [
        Arc::new(Fixed(Ok(Credentials::new(AK, "")))),
        Arc::new(Credentials::new(AK, "")),
    ];
    for provider in providers {
        let server = Server::start(|_| Reply::ok()).await;
        let client = client_for(&server, one_attempt())
            .credentials_provider(provider)
            .build()
            .unwrap();
        let e = client
            .send(&Request::new(Method::GET, "/v2/a"))
            .await
            .unwrap_err();
        assert_eq!(e.kind(), TransportErrorKind::Credentials);
        assert!(e.to_string().contains("secret access key"), "{e}");
        assert!(!e.may_have_been_sent());
        assert_eq!(server.requests(), 0);
    }
}

#[tokio::test]
async fn redact_text_removes_the_token_and_sk_that_json_escapes_hid_from_the_body_pass() {
    const TOKEN: &str = "tok/with/slashes+and=more";
    // The gateway echoes the token JSON-escaped (`\/`), so the raw bytes do not hold it.
    let server = Server::start(|_| {
        Reply::status(
            401,
            &[("content-type", "application/json")],
            br#"{"error_code":"APIGW.0301","error_msg":"bad token tok\/with\/slashes+and=more, sk support-secret-key"}"#,
        )
    })
    .await;
    let client = client_for(&server, one_attempt())
        .credentials_provider(Arc::new(Fixed(Ok(
            Credentials::new(AK, SK).with_security_token(TOKEN)
        ))))
        .build()
        .unwrap();
    let r = client
        .send(&Request::new(Method::GET, "/v2/a"))
        .await
        .unwrap();
    // The raw pass caught the secret key, not the escaped token.
    assert!(r.secrets_redacted());
    let body: serde_json::Value = serde_json::from_slice(r.body()).unwrap();
    let msg = body["error_msg"].as_str().unwrap();
    assert!(msg.contains(TOKEN), "decoding undid the escapes");
    let clean = r.redact_text(msg);
    assert_eq!(clean, "bad token ** redacted **, sk ** redacted **");
    // Nothing to replace: borrowed as is.
    assert!(matches!(
        r.redact_text("nothing secret"),
        std::borrow::Cow::Borrowed("nothing secret")
    ));
    // The secrets are not reachable through Debug.
    let debug = format!("{r:?}");
    assert!(
        !debug.contains(SK) && !debug.contains("tok/with"),
        "{debug}"
    );
}

/// Says its credentials are fixed, and counts how often it is asked anyway.
#[derive(Debug)]
struct Unchanging {
    creds: Credentials,
    calls: AtomicUsize,
}

impl ProvideCredentials for Unchanging {
    fn provide_credentials(&self) -> CredentialsFuture<'_> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        let c = self.creds.clone();
        Box::pin(async move { Ok(c) })
    }

    fn fixed_credentials(&self) -> Option<Credentials> {
        Some(self.creds.clone())
    }
}

#[tokio::test]
async fn a_provider_of_fixed_credentials_is_not_asked_before_each_attempt() {
    let server = Server::start(|_| Reply::ok()).await;
    let provider = Arc::new(Unchanging {
        creds: Credentials::new(AK, SK).with_security_token("fixed-token"),
        calls: AtomicUsize::new(0),
    });
    let client = client_for(&server, one_attempt())
        .credentials_provider(provider.clone())
        .build()
        .unwrap();
    for path in ["/v2/a", "/v2/b", "/v2/c"] {
        client.send(&Request::new(Method::GET, path)).await.unwrap();
    }
    assert_eq!(provider.calls.load(Ordering::SeqCst), 0);
    let got = server.received();
    assert_eq!(got.len(), 3);
    for r in &got {
        assert_eq!(r.signature.as_deref(), Ok(AK), "{r:?}");
        assert_eq!(r.header("x-security-token"), Some("fixed-token"));
    }
}

#[test]
fn keys_are_fixed_credentials_through_an_arc_and_a_rotating_provider_has_none() {
    let keys = Credentials::new(AK, SK).with_security_token("t");
    let shared: Arc<dyn ProvideCredentials> = Arc::new(keys.clone());
    let fixed = shared.fixed_credentials().expect("keys are fixed");
    assert_eq!(fixed.access_key_id(), AK);
    assert_eq!(fixed.security_token().map(|t| t.expose_secret()), Some("t"));
    assert!(Arc::new(Rotating::default()).fixed_credentials().is_none());
}
