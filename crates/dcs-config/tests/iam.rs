//! The project id lookup in IAM against a scripted loopback IAM: the signed request, one
//! match (kept), none, several, a 401, and no request at all when nothing can be looked up.

mod common;

use common::*;
use dcs_config::{Credentials, Overrides, ProjectIdError, ResolvedConfig};

const PATH: &str = "/v3/projects?name=cn-north-4";

fn projects(list: &[(&str, &str)]) -> String {
    let items: Vec<String> = list
        .iter()
        .map(|(id, name)| format!(r#"{{"id":"{id}","name":"{name}","enabled":true}}"#))
        .collect();
    format!(r#"{{"projects":[{}],"links":{{}}}}"#, items.join(","))
}

async fn iam(status: u16, body: String) -> Mock {
    Mock::start(move |_, i| {
        Reply::new(status, body.clone()).header("X-IAM-Trace-Id", format!("trace-{i}"))
    })
    .await
}

fn config(iam_url: &str) -> ResolvedConfig {
    let ctx = ctx(&[
        ("HUAWEICLOUD_SDK_AK", "AKTEST"),
        ("HUAWEICLOUD_SDK_SK", "sk-canary"),
        ("HUAWEICLOUD_SDK_SECURITY_TOKEN", "tok-canary"),
        ("HUAWEICLOUD_SDK_IAM_ENDPOINT", iam_url),
    ]);
    ResolvedConfig::load(&ctx, Overrides::default().region("cn-north-4")).unwrap()
}

#[tokio::test]
async fn one_matching_project_is_used_and_kept() {
    let m = iam(
        200,
        projects(&[
            ("0a1b2c3d4e5f60718293a4b5c6d7e8f9", "cn-north-4"),
            ("ffff", "cn-north-4_sub"),
        ]),
    )
    .await;
    let cfg = config(&m.url);
    assert_eq!(cfg.project_id().get(), None, "nothing looked up at load");
    assert_eq!(m.accepted(), 0);
    let id = cfg.project_id().project_id().await.unwrap();
    assert_eq!(id, "0a1b2c3d4e5f60718293a4b5c6d7e8f9");
    assert_eq!(cfg.project_id().project_id().await.unwrap(), id);
    assert_eq!(cfg.project_id().get(), Some(id.as_str()));
    let seen = m.seen();
    assert_eq!(seen.len(), 1, "looked up once");
    let r = &seen[0];
    assert_eq!((r.method.as_str(), r.target.as_str()), ("GET", PATH));
    let auth = r.header("authorization").unwrap();
    assert!(auth.starts_with("SDK-HMAC-SHA256 Access=AKTEST,"), "{auth}");
    assert!(r.header("x-sdk-date").is_some());
    assert_eq!(r.header("x-security-token"), Some("tok-canary"));
    assert_eq!(r.header("x-project-id"), None);
}

#[tokio::test]
async fn no_matching_project_is_a_typed_error_with_the_trace_id() {
    let m = iam(200, projects(&[("ffff", "cn-north-1")])).await;
    let e = config(&m.url).project_id().project_id().await.unwrap_err();
    assert!(
        matches!(&e, ProjectIdError::NotFound { region, .. } if region == "cn-north-4"),
        "{e:?}"
    );
    assert_eq!(e.iam_trace_id(), Some("trace-0"));
    assert!(e.to_string().contains("trace-0"), "{e}");
}

#[tokio::test]
async fn several_matching_projects_are_a_typed_error_with_the_ids() {
    let m = iam(
        200,
        projects(&[("aaaa", "cn-north-4"), ("bbbb", "cn-north-4")]),
    )
    .await;
    let cfg = config(&m.url);
    let e = cfg.project_id().project_id().await.unwrap_err();
    match &e {
        ProjectIdError::Ambiguous { ids, trace_id, .. } => {
            assert_eq!(ids, &["aaaa", "bbbb"]);
            assert_eq!(trace_id.as_deref(), Some("trace-0"));
        }
        other => panic!("{other:?}"),
    }
    // Failures are not kept: the next call asks again.
    assert!(cfg.project_id().project_id().await.is_err());
    assert_eq!(m.seen().len(), 2);
}

#[tokio::test]
async fn a_401_is_a_typed_error_with_the_trace_id() {
    let m = iam(
        401,
        r#"{"error":{"code":401,"message":"The request you have made requires authentication."}}"#
            .into(),
    )
    .await;
    let e = config(&m.url).project_id().project_id().await.unwrap_err();
    assert!(
        matches!(&e, ProjectIdError::IamDenied { status: 401, trace_id } if trace_id.as_deref() == Some("trace-0")),
        "{e:?}"
    );
    assert!(!e.to_string().contains("canary"));
}

#[tokio::test]
async fn no_project_id_and_no_region_sends_nothing() {
    let m = iam(200, projects(&[("aaaa", "cn-north-4")])).await;
    let ctx = ctx(&[
        ("HUAWEICLOUD_SDK_AK", "AKTEST"),
        ("HUAWEICLOUD_SDK_SK", "sk"),
        ("HUAWEICLOUD_SDK_IAM_ENDPOINT", &m.url),
    ]);
    let cfg = ResolvedConfig::load(
        &ctx,
        Overrides::default().endpoint("https://dcs.example.com"),
    )
    .unwrap();
    assert!(cfg.region().is_none());
    let e = cfg.project_id().project_id().await.unwrap_err();
    assert!(matches!(e, ProjectIdError::Missing), "{e:?}");
    assert!(e.to_string().contains("nothing was sent"));
    tokio::task::yield_now().await;
    assert_eq!(m.accepted(), 0);
}

#[tokio::test]
async fn a_configured_project_id_needs_no_lookup() {
    let m = iam(200, projects(&[("aaaa", "cn-north-4")])).await;
    let ctx = ctx(&[
        ("HUAWEICLOUD_SDK_AK", "AKTEST"),
        ("HUAWEICLOUD_SDK_SK", "sk"),
        ("HUAWEICLOUD_SDK_PROJECT_ID", "from-env"),
        ("HUAWEICLOUD_SDK_IAM_ENDPOINT", &m.url),
    ]);
    let cfg = ResolvedConfig::load(&ctx, Overrides::default().region("cn-north-4")).unwrap();
    assert_eq!(cfg.project_id().project_id().await.unwrap(), "from-env");
    let cfg = ResolvedConfig::load(
        &ctx,
        Overrides::default()
            .region("cn-north-4")
            .project_id("from-code")
            .credentials(Credentials::new("AK2", "SK2")),
    )
    .unwrap();
    assert_eq!(cfg.project_id().project_id().await.unwrap(), "from-code");
    assert_eq!(m.accepted(), 0);
}
