//! Hostile configuration sources (issue 16): credential services that answer with broken
//! times or with secrets in an error, URLs that carry a password, and files that never end.
//! Each server here is a loopback one that misbehaves exactly as described.

mod common;

use common::*;
use dcs_config::context::{MAX_PROFILE_FILE_BYTES, MAX_REGIONS_FILE_BYTES, MAX_TOKEN_FILE_BYTES};
use dcs_config::{
    ConfigLoadError, Context, FetchCredentials, MapEnv, MetadataProvider, Overrides,
    ProvideCredentials, ResolvedConfig,
};
use std::sync::Arc;

const KEY: &str = "/openstack/latest/securitykey";
const NO_METADATA: (&str, &str) = ("HUAWEICLOUD_SDK_METADATA_DISABLED", "true");

fn metadata(url: &str) -> MetadataProvider {
    MetadataProvider::from_context(&ctx(&[("HUAWEICLOUD_SDK_METADATA_ENDPOINT", url)]))
        .unwrap()
        .unwrap()
}

/// A credential answer whose secrets are canaries.
fn canary_body(expires_at: &str) -> String {
    format!(
        r#"{{"credential":{{"access":"AK-CANARY","secret":"sk-canary-0123","securitytoken":"token-canary-4567","expires_at":"{expires_at}"}}}}"#
    )
}

fn assert_no_canary(text: &str) {
    for canary in ["sk-canary", "token-canary", "AK-CANARY"] {
        assert!(!text.contains(canary), "{canary} in {text}");
    }
}

/// Row 4: a non-ASCII `expires_at` from the metadata service is an error naming the field,
/// not a panic in the RFC 3339 parser.
#[tokio::test]
async fn a_non_ascii_expiry_from_the_metadata_service_is_an_error_not_a_panic() {
    for expiry in [
        "2026-01-01T00:00:0\u{e9}",
        "2026-01-01T00:00:00+0\u{e9}:00",
        "2026-\u{e9}1-01T00:00:00Z",
        "2026-01-01T00:00:00.5\u{e9}",
    ] {
        let m = Mock::start(move |s, _| {
            if s.method == "PUT" {
                Reply::new(404, "")
            } else {
                Reply::new(200, canary_body(expiry))
            }
        })
        .await;
        let e = metadata(&m.url).fetch().await.unwrap_err().to_string();
        assert!(e.contains("is not an RFC 3339 time"), "{e}");
        assert_no_canary(&e);
    }
}

/// Row 4, the same through Pod Identity.
#[tokio::test]
async fn a_non_ascii_expiry_from_pod_identity_is_an_error_not_a_panic() {
    let pod = Mock::start(|_, _| Reply::new(200, canary_body("2026-01-01T00:00:0\u{e9}"))).await;
    let uri = format!("{}/v1/credentials", pod.url);
    let ctx = pod_ctx(
        &uri,
        "pod-token
",
        &manual_clock(),
        &[],
    );
    let cfg = ResolvedConfig::load(&ctx, Overrides::default().region("cn-north-4")).unwrap();
    let e = cfg
        .credentials()
        .provide_credentials()
        .await
        .unwrap_err()
        .to_string();
    assert!(e.contains("is not an RFC 3339 time"), "{e}");
    assert_no_canary(&e);
}

/// Row 15: a non-200 answer of a credentials endpoint is never quoted, whatever its body.
#[tokio::test]
async fn a_failed_credentials_answer_is_never_quoted() {
    let body = canary_body("2030-01-01T00:00:00Z");
    for status in [500, 403, 400] {
        let b = body.clone();
        let m = Mock::start(move |s, _| {
            if s.method == "PUT" {
                // The token endpoint fails the same way.
                Reply::new(status, b.clone())
            } else {
                Reply::new(status, b.clone())
            }
        })
        .await;
        let e = metadata(&m.url).fetch().await.unwrap_err().to_string();
        assert!(e.contains(&format!("answered {status}")), "{e}");
        assert!(e.contains("never quoted"), "{e}");
        assert_no_canary(&e);

        // A token endpoint that has tokens, then a key endpoint that fails with secrets.
        let b = body.clone();
        let m = Mock::start(move |s, _| {
            if s.method == "PUT" {
                Reply::new(200, "tok")
            } else {
                Reply::new(status, b.clone())
            }
        })
        .await;
        let e = metadata(&m.url).fetch().await.unwrap_err().to_string();
        assert!(e.contains(&format!("GET {KEY} answered {status}")), "{e}");
        assert_no_canary(&e);
    }

    // Pod Identity.
    let b = body.clone();
    let pod = Mock::start(move |_, _| Reply::new(500, b.clone())).await;
    let uri = format!("{}/v1/credentials", pod.url);
    let ctx = pod_ctx(
        &uri,
        "pod-token
",
        &manual_clock(),
        &[],
    );
    let cfg = ResolvedConfig::load(&ctx, Overrides::default().region("cn-north-4")).unwrap();
    let e = cfg
        .credentials()
        .provide_credentials()
        .await
        .unwrap_err()
        .to_string();
    assert!(e.contains("answered 500"), "{e}");
    assert_no_canary(&e);
}

const PASSWORD: &str = "Pa55word-canary";

fn load_err(vars: &[(&str, &str)], fs: dcs_config::MapFs) -> ConfigLoadError {
    let mut all = vec![
        NO_METADATA,
        ("HUAWEICLOUD_SDK_AK", "AK"),
        ("HUAWEICLOUD_SDK_SK", "SK"),
    ];
    all.extend_from_slice(vars);
    ResolvedConfig::load(
        &ctx_with(&all, fs, &manual_clock()),
        Overrides::default().region("cn-north-4"),
    )
    .unwrap_err()
}

/// Row 8: an endpoint URL with a password is refused, and no message repeats the password,
/// wherever the URL came from.
#[test]
fn an_endpoint_password_is_redacted_wherever_it_comes_from() {
    let url = format!("https://user:{PASSWORD}@dcs.example.com");
    let list = format!("https://dcs-a.example.com,https://admin:{PASSWORD}@dcs-b.example.com");
    let cases = vec![
        load_err(&[("DCS_ENDPOINT", &url)], dcs_config::MapFs::new()),
        load_err(
            &[("HUAWEICLOUD_SDK_REGION_DCS_CN_NORTH_4", &list)],
            dcs_config::MapFs::new(),
        ),
        load_err(
            &[],
            dcs_config::MapFs::new().with_file(
                "/home/u/.huaweicloud/regions.yaml",
                format!("DCS:\n  - id: cn-north-4\n    endpoint: {url}\n"),
            ),
        ),
        load_err(
            &[("HUAWEICLOUD_SDK_IAM_ENDPOINT", &url)],
            dcs_config::MapFs::new(),
        ),
    ];
    for e in cases {
        let text = format!("{e} {e:?}");
        assert!(!text.contains(PASSWORD), "{text}");
        assert!(text.contains("** redacted **"), "{text}");
        assert!(text.contains("user info"), "{text}");
    }
    // A password holding '@' and '/' is hidden whole.
    let odd = format!("https://u:{PASSWORD}@x/y@dcs.example.com");
    let e = dcs_config::Endpoint::parse(&odd).unwrap_err().to_string();
    assert!(!e.contains(PASSWORD) && !e.contains("x/y"), "{e}");
    // Proxies take the same redaction.
    let e = dcs_config::Proxy::parse(&format!("http://u:{PASSWORD}@proxy:99999"))
        .unwrap_err()
        .to_string();
    assert!(!e.contains(PASSWORD), "{e}");
}

/// A context over the real file system (for `/dev/zero`), with these variables.
fn real_files(vars: &[(&str, &str)]) -> Context {
    let mut env = MapEnv::from_pairs([("HOME", "/nonexistent-home"), NO_METADATA]);
    for (k, v) in vars {
        env = env.with(*k, *v);
    }
    Context::new(
        Arc::new(env),
        Arc::new(dcs_config::context::RealFs),
        Arc::new(manual_clock()),
    )
}

/// Row 14: a profile, regions file or Pod Identity token file that never ends (`/dev/zero`) is
/// read up to its cap and refused, naming the file and the cap.
#[cfg(unix)]
#[tokio::test]
async fn endless_configuration_files_are_capped_and_named() {
    let o = || Overrides::default().region("cn-north-4");
    let e = ResolvedConfig::load(
        &real_files(&[("HUAWEICLOUD_SDK_CREDENTIALS_FILE", "/dev/zero")]),
        o(),
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("/dev/zero"), "{e}");
    assert!(
        e.contains(&format!("larger than {MAX_PROFILE_FILE_BYTES} bytes")),
        "{e}"
    );

    let e = ResolvedConfig::load(
        &real_files(&[
            ("HUAWEICLOUD_SDK_AK", "AK"),
            ("HUAWEICLOUD_SDK_SK", "SK"),
            ("HUAWEICLOUD_SDK_REGIONS_FILE", "/dev/zero"),
        ]),
        o(),
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("/dev/zero"), "{e}");
    assert!(
        e.contains(&format!("larger than {MAX_REGIONS_FILE_BYTES} bytes")),
        "{e}"
    );

    let pod = Mock::start(|_, _| Reply::new(500, "must not be asked")).await;
    let uri = format!("{}/v1/credentials", pod.url);
    let cfg = ResolvedConfig::load(
        &real_files(&[
            ("HC_CONTAINER_CREDENTIALS_FULL_URI", &uri),
            ("HC_CONTAINER_AUTHORIZATION_TOKEN_FILE", "/dev/zero"),
        ]),
        o(),
    )
    .unwrap();
    let e = cfg
        .credentials()
        .provide_credentials()
        .await
        .unwrap_err()
        .to_string();
    assert!(e.contains("/dev/zero"), "{e}");
    assert!(
        e.contains(&format!("larger than {MAX_TOKEN_FILE_BYTES} bytes")),
        "{e}"
    );
    assert_eq!(
        pod.accepted(),
        0,
        "nothing was sent with a token that was never read"
    );

    // The caps hold for any `Fs`, at exactly one byte over.
    let fs = dcs_config::MapFs::new().with_file(
        "/home/u/.huaweicloud/credentials",
        vec![b'#'; MAX_PROFILE_FILE_BYTES as usize + 1],
    );
    let e = ResolvedConfig::load(&ctx_with(&[NO_METADATA], fs, &manual_clock()), o())
        .unwrap_err()
        .to_string();
    assert!(e.contains("larger than"), "{e}");
}
