//! `ResolvedConfig::load` with injected variables and files: which credentials, region,
//! endpoints and project id win, and how broken configuration is reported.

mod common;

use common::*;
use dcs_config::{
    ConfigLoadError, Context, Credentials, MapFs, Overrides, ProvideCredentials, ProviderError,
    ResolvedConfig,
};

const HOME_CREDENTIALS: &str = "/home/u/.huaweicloud/credentials";
const HOME_REGIONS: &str = "/home/u/.huaweicloud/regions.yaml";
/// Metadata off, so no test here waits on or talks to 169.254.169.254.
const NO_METADATA: (&str, &str) = ("HUAWEICLOUD_SDK_METADATA_DISABLED", "true");

fn load(vars: &[(&str, &str)], fs: MapFs, o: Overrides) -> Result<ResolvedConfig, ConfigLoadError> {
    let mut all = vec![NO_METADATA];
    all.extend_from_slice(vars);
    ResolvedConfig::load(&ctx_with(&all, fs, &manual_clock()), o)
}

fn region() -> Overrides {
    Overrides::default().region("cn-north-4")
}

async fn ak_of(cfg: &ResolvedConfig) -> String {
    cfg.credentials()
        .provide_credentials()
        .await
        .unwrap()
        .access_key_id()
        .to_string()
}

fn env_keys() -> Vec<(&'static str, &'static str)> {
    vec![
        ("HUAWEICLOUD_SDK_AK", "AK_ENV"),
        ("HUAWEICLOUD_SDK_SK", "SK_ENV"),
    ]
}

fn profile_fs() -> MapFs {
    MapFs::new().with_file(
        HOME_CREDENTIALS,
        "[basic]\nak = AK_FILE\nsk = SK_FILE\nproject_id = pid-file\nregion = cn-south-1\n\n[prod]\nak = AK_PROD\nsk = SK_PROD\n",
    )
}

// ---- credentials ---------------------------------------------------------------------

#[tokio::test]
async fn credentials_precedence_explicit_env_profile() {
    let cfg = load(
        &env_keys(),
        profile_fs(),
        region().credentials(Credentials::new("AK_CODE", "SK_CODE")),
    )
    .unwrap();
    assert_eq!(
        (cfg.credentials_source(), ak_of(&cfg).await.as_str()),
        ("explicit", "AK_CODE")
    );

    let cfg = load(&env_keys(), profile_fs(), region()).unwrap();
    assert_eq!(
        (cfg.credentials_source(), ak_of(&cfg).await.as_str()),
        ("environment", "AK_ENV")
    );

    let cfg = load(&[], profile_fs(), region()).unwrap();
    assert_eq!(
        (cfg.credentials_source(), ak_of(&cfg).await.as_str()),
        ("profile", "AK_FILE")
    );

    let cfg = load(
        &[("HUAWEICLOUD_SDK_PROFILE", "prod")],
        profile_fs(),
        region(),
    )
    .unwrap();
    assert_eq!(ak_of(&cfg).await, "AK_PROD");
    let cfg = load(&[], profile_fs(), region().profile("prod")).unwrap();
    assert_eq!(ak_of(&cfg).await, "AK_PROD");

    let cfg = load(
        &[("HUAWEICLOUD_SDK_CREDENTIALS_FILE", "/etc/hw/creds")],
        MapFs::new().with_file("/etc/hw/creds", "[basic]\nAK=AK_OTHER\nSK=SK_OTHER\n"),
        region(),
    )
    .unwrap();
    assert_eq!(ak_of(&cfg).await, "AK_OTHER", "keys are case-insensitive");
}

fn broken(e: &ConfigLoadError) -> (&'static str, String) {
    match e {
        ConfigLoadError::Credentials(ProviderError::Broken { provider, cause }) => {
            (*provider, cause.clone())
        }
        other => panic!("expected a broken provider, got {other:?}"),
    }
}

#[test]
fn broken_environment_stops_the_chain() {
    // AK without SK, with a good profile behind it: the chain must not fall through.
    let e = load(&[("HUAWEICLOUD_SDK_AK", "AK")], profile_fs(), region()).unwrap_err();
    let (p, cause) = broken(&e);
    assert_eq!(p, "environment");
    assert!(cause.contains("HUAWEICLOUD_SDK_SK is not"), "{cause}");

    let e = load(&[("HUAWEICLOUD_SDK_SK", "SK")], profile_fs(), region()).unwrap_err();
    assert!(broken(&e).1.contains("HUAWEICLOUD_SDK_AK is not"), "{e}");

    let e = load(
        &[("HUAWEICLOUD_SDK_AK", ""), ("HUAWEICLOUD_SDK_SK", "SK")],
        profile_fs(),
        region(),
    )
    .unwrap_err();
    let (p, cause) = broken(&e);
    assert_eq!(p, "environment");
    assert!(cause.contains("HUAWEICLOUD_SDK_AK is empty"), "{cause}");

    let e = load(
        &[("HUAWEICLOUD_SDK_SECURITY_TOKEN", "t")],
        profile_fs(),
        region(),
    )
    .unwrap_err();
    assert!(
        broken(&e).1.contains("HUAWEICLOUD_SDK_SECURITY_TOKEN"),
        "{e}"
    );

    let e = load(&[("HUAWEICLOUD_SDK_IDP_ID", "idp")], profile_fs(), region()).unwrap_err();
    assert!(broken(&e).1.contains("federated"), "{e}");
}

#[cfg(unix)]
#[test]
fn a_non_utf8_variable_is_broken_not_unset() {
    use dcs_config::MapEnv;
    use std::ffi::OsString;
    use std::os::unix::ffi::OsStringExt;
    use std::sync::Arc;
    let env = MapEnv::from_pairs([("HUAWEICLOUD_SDK_SK", "SK"), NO_METADATA])
        .with("HUAWEICLOUD_SDK_AK", OsString::from_vec(vec![0xff]));
    let ctx = Context::new(
        Arc::new(env),
        Arc::new(profile_fs()),
        Arc::new(manual_clock()),
    );
    let e = ResolvedConfig::load(&ctx, region()).unwrap_err();
    let (p, cause) = broken(&e);
    assert_eq!(p, "environment");
    assert!(
        cause.contains("HUAWEICLOUD_SDK_AK is not valid UTF-8"),
        "{cause}"
    );
}

#[test]
fn broken_profiles_name_file_and_line() {
    let with = |text: &str| MapFs::new().with_file(HOME_CREDENTIALS, text.to_string());

    let e = load(&[], with("[basic]\nak = AK\nproject_id = p\n"), region()).unwrap_err();
    let (p, cause) = broken(&e);
    assert_eq!(p, "profile");
    assert!(cause.contains(&format!("{HOME_CREDENTIALS}:2")), "{cause}");
    assert!(cause.contains("no `sk`"), "{cause}");

    let e = load(
        &[],
        with("# creds\n[basic]\nak = AK\nthis line is wrong\n"),
        region(),
    )
    .unwrap_err();
    let (p, cause) = broken(&e);
    assert_eq!(p, "profile");
    assert!(cause.contains(&format!("{HOME_CREDENTIALS}:4")), "{cause}");

    let e = load(
        &[],
        MapFs::new().with_error(HOME_CREDENTIALS, std::io::ErrorKind::PermissionDenied),
        region(),
    )
    .unwrap_err();
    assert!(broken(&e).1.contains("cannot be read"), "{e}");

    let e = load(
        &[("HUAWEICLOUD_SDK_CREDENTIALS_FILE", "/nope")],
        MapFs::new(),
        region(),
    )
    .unwrap_err();
    assert!(broken(&e).1.contains("/nope"), "{e}");

    let e = load(
        &[("HUAWEICLOUD_SDK_PROFILE", "staging")],
        profile_fs(),
        region(),
    )
    .unwrap_err();
    assert!(broken(&e).1.contains("[staging]"), "{e}");
}

#[test]
fn a_profile_without_keys_or_absent_is_skipped_with_a_reason() {
    let e = load(&[], MapFs::new(), region()).unwrap_err();
    let ConfigLoadError::Credentials(ProviderError::NoneFound { tried }) = &e else {
        panic!("{e:?}")
    };
    assert_eq!(tried[1].provider, "profile");
    assert!(tried[1].why.contains(HOME_CREDENTIALS), "{e}");
    let msg = e.to_string();
    for name in ["environment", "profile", "pod-identity", "ecs-metadata"] {
        assert!(msg.contains(name), "{msg}");
    }

    let fs = MapFs::new().with_file(HOME_CREDENTIALS, "[global]\nak = G\nsk = G\n");
    let e = load(&[], fs, region()).unwrap_err();
    assert!(e.to_string().contains("no [basic] section"), "{e}");
}

#[tokio::test]
async fn pod_identity_comes_before_metadata() {
    let pod = Mock::start(|s, _| {
        if s.method == "POST" && s.header("authorization") == Some("pod-token-canary") {
            Reply::new(200, key_body("AK_POD", "2026-11-28T06:00:00.000000Z"))
        } else {
            Reply::new(403, "bad token")
        }
    })
    .await;
    let metadata = Mock::start(|_, _| Reply::new(500, "must not be asked")).await;
    let uri = format!("{}/v1/credentials?x=1", pod.url);
    let fs = MapFs::new().with_file("/var/run/pod-token", "pod-token-canary\n");
    let ctx = ctx_with(
        &[
            ("HC_CONTAINER_CREDENTIALS_FULL_URI", &uri),
            (
                "HC_CONTAINER_AUTHORIZATION_TOKEN_FILE",
                "/var/run/pod-token",
            ),
            ("HUAWEICLOUD_SDK_METADATA_ENDPOINT", &metadata.url),
        ],
        fs,
        &manual_clock(),
    );
    let cfg = ResolvedConfig::load(&ctx, region()).unwrap();
    assert_eq!(ak_of(&cfg).await, "AK_POD");
    assert_eq!(
        pod.lines(),
        [("POST".to_string(), "/v1/credentials?x=1".to_string())]
    );
    assert_eq!(pod.seen()[0].body.as_ref(), b"{}");
    assert_eq!(metadata.accepted(), 0);

    let e = load(
        &[("HC_CONTAINER_CREDENTIALS_FULL_URI", &uri)],
        MapFs::new(),
        region(),
    )
    .unwrap_err();
    let (p, cause) = broken(&e);
    assert_eq!(p, "pod-identity");
    assert!(
        cause.contains("HC_CONTAINER_AUTHORIZATION_TOKEN_FILE"),
        "{cause}"
    );
}

#[test]
fn debug_never_shows_secrets() {
    let cfg = load(
        &[
            ("HUAWEICLOUD_SDK_AK", "AK"),
            ("HUAWEICLOUD_SDK_SK", "sk-canary"),
            ("HUAWEICLOUD_SDK_SECURITY_TOKEN", "token-canary"),
        ],
        MapFs::new(),
        region(),
    )
    .unwrap();
    let o = region()
        .credentials(Credentials::new("AK", "sk-canary").with_security_token("token-canary"));
    let text = format!("{cfg:?} {cfg:#?} {o:?}");
    assert!(!text.contains("canary"), "{text}");
    let e = load(
        &[("HUAWEICLOUD_SDK_SK", "sk-canary")],
        MapFs::new(),
        region(),
    )
    .unwrap_err();
    assert!(!format!("{e} {e:?}").contains("canary"));
    let fs = MapFs::new().with_file(HOME_CREDENTIALS, "[basic]\nsk = sk-canary\n");
    let e = load(&[], fs, region()).unwrap_err();
    assert!(!format!("{e} {e:?}").contains("canary"), "{e}");
}

// ---- region and endpoints ------------------------------------------------------------

fn eps(cfg: &ResolvedConfig) -> Vec<String> {
    cfg.endpoints().iter().map(|e| e.base_url()).collect()
}

#[test]
fn region_precedence_code_env_profile() {
    let keys = env_keys();
    let with = |extra: &[(&'static str, &'static str)]| {
        let mut v = keys.clone();
        v.extend_from_slice(extra);
        v
    };
    let cfg = load(
        &with(&[("HUAWEICLOUD_SDK_REGION", "ap-southeast-1")]),
        profile_fs(),
        region(),
    )
    .unwrap();
    assert_eq!(cfg.region().unwrap().as_str(), "cn-north-4");
    let cfg = load(
        &with(&[("HUAWEICLOUD_SDK_REGION", "ap-southeast-1")]),
        profile_fs(),
        Overrides::default(),
    )
    .unwrap();
    assert_eq!(cfg.region().unwrap().as_str(), "ap-southeast-1");
    let cfg = load(&keys, profile_fs(), Overrides::default()).unwrap();
    assert_eq!(cfg.region().unwrap().as_str(), "cn-south-1");
    assert_eq!(eps(&cfg), ["https://dcs.cn-south-1.myhuaweicloud.com"]);

    let e = load(&keys, MapFs::new(), Overrides::default()).unwrap_err();
    assert!(matches!(e, ConfigLoadError::NoRegion { .. }), "{e:?}");
    assert!(e.to_string().contains("HUAWEICLOUD_SDK_REGION"), "{e}");
}

#[test]
fn a_malformed_region_is_refused_naming_its_source() {
    let keys = env_keys();
    let e = load(
        &keys,
        MapFs::new(),
        Overrides::default().region("cn-north-4.evil.com"),
    )
    .unwrap_err();
    assert!(
        matches!(&e, ConfigLoadError::Region { origin, .. } if origin == "builder"),
        "{e:?}"
    );
    let mut v = keys.clone();
    v.push(("HUAWEICLOUD_SDK_REGION", "CN_NORTH_4"));
    let e = load(&v, MapFs::new(), Overrides::default()).unwrap_err();
    assert!(
        matches!(&e, ConfigLoadError::Region { origin, .. } if origin == "HUAWEICLOUD_SDK_REGION"),
        "{e:?}"
    );
    let fs = MapFs::new().with_file(
        HOME_CREDENTIALS,
        "[basic]\nak=A\nsk=S\n\nregion = cn/north\n",
    );
    let e = load(&[], fs, Overrides::default()).unwrap_err();
    assert!(
        e.to_string().contains(&format!("{HOME_CREDENTIALS}:5")),
        "{e}"
    );
}

#[test]
fn unknown_but_well_formed_regions_get_the_pattern() {
    let cfg = load(
        &env_keys(),
        MapFs::new(),
        Overrides::default().region("xx-newland-7"),
    )
    .unwrap();
    assert_eq!(eps(&cfg), ["https://dcs.xx-newland-7.myhuaweicloud.com"]);
    assert_eq!(cfg.endpoint_source(), "pattern");
    assert!(!cfg.region_is_known());
    let cfg = load(&env_keys(), MapFs::new(), region()).unwrap();
    assert_eq!(cfg.endpoint_source(), "table");
    assert!(cfg.region_is_known());
}

#[test]
fn endpoint_precedence() {
    let regions_yaml = "DCS:\n  - id: cn-north-4\n    endpoints:\n      - https://file-a.example.com\n      - https://file-b.example.com\n";
    let fs = MapFs::new().with_file(HOME_REGIONS, regions_yaml);
    let mut vars = env_keys();
    vars.push(("DCS_ENDPOINT", "https://dcs-endpoint.example.com"));
    vars.push((
        "HUAWEICLOUD_SDK_REGION_DCS_CN_NORTH_4",
        "https://env-a.example.com, https://env-b.example.com:8443",
    ));

    let cfg = load(
        &vars,
        fs.clone(),
        region().endpoint("https://code.example.com"),
    )
    .unwrap();
    assert_eq!(
        (eps(&cfg), cfg.endpoint_source()),
        (vec!["https://code.example.com".to_string()], "builder")
    );

    let cfg = load(&vars, fs.clone(), region()).unwrap();
    assert_eq!(eps(&cfg), ["https://dcs-endpoint.example.com"]);
    assert_eq!(cfg.endpoint_source(), "DCS_ENDPOINT");

    vars.retain(|(k, _)| *k != "DCS_ENDPOINT");
    let cfg = load(&vars, fs.clone(), region()).unwrap();
    assert_eq!(
        eps(&cfg),
        [
            "https://env-a.example.com",
            "https://env-b.example.com:8443"
        ]
    );
    assert_eq!(
        cfg.endpoint_source(),
        "HUAWEICLOUD_SDK_REGION_DCS_CN_NORTH_4"
    );

    vars.retain(|(k, _)| !k.starts_with("HUAWEICLOUD_SDK_REGION_"));
    let cfg = load(&vars, fs.clone(), region()).unwrap();
    assert_eq!(
        eps(&cfg),
        ["https://file-a.example.com", "https://file-b.example.com"]
    );
    assert_eq!(cfg.endpoint_source(), format!("{HOME_REGIONS}:2"));

    // HUAWEICLOUD_SDK_REGIONS_FILE replaces the home file; a region it lacks gets the table.
    let mut v2 = vars.clone();
    v2.push(("HUAWEICLOUD_SDK_REGIONS_FILE", "/etc/regions.yaml"));
    let fs2 = fs.clone().with_file(
        "/etc/regions.yaml",
        "dcs:\n  - id: xx-new-1\n    endpoint: https://other.example.com\n",
    );
    let cfg = load(&v2, fs2.clone(), region()).unwrap();
    assert_eq!(eps(&cfg), ["https://dcs.cn-north-4.myhuaweicloud.com"]);
    let cfg = load(&v2, fs2, Overrides::default().region("xx-new-1")).unwrap();
    assert_eq!(eps(&cfg), ["https://other.example.com"]);

    let cfg = load(&vars, MapFs::new(), region()).unwrap();
    assert_eq!(eps(&cfg), ["https://dcs.cn-north-4.myhuaweicloud.com"]);
}

#[test]
fn endpoint_errors_name_their_source() {
    let mut vars = env_keys();
    vars.push((
        "HUAWEICLOUD_SDK_REGION_DCS_CN_NORTH_4",
        "https://ok.example.com,ftp://bad",
    ));
    let e = load(&vars, MapFs::new(), region()).unwrap_err();
    assert!(
        matches!(&e, ConfigLoadError::Endpoint { origin, .. } if origin == "HUAWEICLOUD_SDK_REGION_DCS_CN_NORTH_4"),
        "{e:?}"
    );

    let fs = MapFs::new().with_file(
        HOME_REGIONS,
        "DCS:\n  - id: cn-north-4\n    endpoint: https://x.example.com\n  - endpoint: https://y\n",
    );
    let e = load(&env_keys(), fs, region()).unwrap_err();
    assert!(matches!(e, ConfigLoadError::RegionsFile(_)), "{e:?}");
    assert!(e.to_string().contains(&format!("{HOME_REGIONS}:4")), "{e}");

    let mut v = env_keys();
    v.push(("HUAWEICLOUD_SDK_REGIONS_FILE", "/missing.yaml"));
    let e = load(&v, MapFs::new(), region()).unwrap_err();
    assert!(e.to_string().contains("/missing.yaml"), "{e}");
}

// ---- project id ----------------------------------------------------------------------

#[tokio::test]
async fn project_id_precedence_and_iam_endpoint_choice() {
    let mut vars = env_keys();
    let fs = MapFs::new().with_file(
        HOME_CREDENTIALS,
        "[basic]\nproject_id = pid-file\niam_endpoint = https://iam.profile.example.com\n",
    );
    let cfg = load(&vars, fs.clone(), region().project_id("pid-code")).unwrap();
    assert_eq!(cfg.project_id().get(), Some("pid-code"));
    vars.push(("HUAWEICLOUD_SDK_PROJECT_ID", "pid-env"));
    let cfg = load(&vars, fs.clone(), region()).unwrap();
    assert_eq!(cfg.project_id().get(), Some("pid-env"));
    vars.pop();
    let cfg = load(&vars, fs, region()).unwrap();
    assert_eq!(cfg.project_id().get(), Some("pid-file"));

    // No project id: a lookup, at the IAM endpoint chosen in order.
    let iam_of = |cfg: &ResolvedConfig| cfg.project_id().iam_endpoint().map(|e| e.base_url());
    let no_pid = MapFs::new().with_file(
        HOME_CREDENTIALS,
        "[basic]\niam_endpoint = https://iam.profile.example.com\n",
    );
    let mut v = vars.clone();
    v.push(("HUAWEICLOUD_SDK_IAM_ENDPOINT", "iam.env.example.com"));
    let cfg = load(
        &v,
        no_pid.clone(),
        region().iam_endpoint("https://iam.code.example.com"),
    )
    .unwrap();
    assert_eq!(
        iam_of(&cfg).as_deref(),
        Some("https://iam.code.example.com")
    );
    let cfg = load(&v, no_pid, region()).unwrap();
    assert_eq!(
        iam_of(&cfg).as_deref(),
        Some("https://iam.profile.example.com")
    );
    // A URL without a scheme is refused with the fix, never taken as https.
    let e = load(&v, MapFs::new(), region()).unwrap_err();
    let m = e.to_string();
    assert!(
        matches!(&e, ConfigLoadError::Endpoint { origin, .. } if origin == "HUAWEICLOUD_SDK_IAM_ENDPOINT"),
        "{e:?}"
    );
    assert!(m.contains("https://iam.env.example.com"), "{m}");
    let mut v = vars.clone();
    v.push((
        "HUAWEICLOUD_SDK_IAM_ENDPOINT",
        "https://iam.env.example.com",
    ));
    let cfg = load(&v, MapFs::new(), region()).unwrap();
    assert_eq!(iam_of(&cfg).as_deref(), Some("https://iam.env.example.com"));
    let cfg = load(&vars, MapFs::new(), region()).unwrap();
    assert_eq!(
        iam_of(&cfg).as_deref(),
        Some("https://iam.cn-north-4.myhuaweicloud.com")
    );
    let cfg = load(
        &vars,
        MapFs::new(),
        Overrides::default().region("eu-west-101"),
    )
    .unwrap();
    assert_eq!(
        iam_of(&cfg).as_deref(),
        Some("https://iam.eu-west-101.myhuaweicloud.eu")
    );

    let e = load(&vars, MapFs::new(), region().project_id("../admin")).unwrap_err();
    assert!(
        matches!(&e, ConfigLoadError::ProjectId { origin } if origin == "builder"),
        "{e:?}"
    );
}

#[test]
fn an_empty_key_in_a_profile_is_named_not_used() {
    let fs = MapFs::new().with_file(HOME_CREDENTIALS, "[basic]\nak =\nsk = SK\n".to_string());
    let e = load(&[], fs, region()).unwrap_err();
    let (p, cause) = broken(&e);
    assert_eq!(p, "profile");
    assert!(cause.contains(&format!("{HOME_CREDENTIALS}:2")), "{cause}");
    assert!(cause.contains("`ak` is empty"), "{cause}");
}

/// A Pod Identity URL with a query and no path is asked at `/` with that query.
#[tokio::test]
async fn a_pod_identity_url_without_a_path_posts_to_the_root() {
    let pod =
        Mock::start(|_, _| Reply::new(200, key_body("AK_POD", "2026-11-28T06:00:00.000000Z")))
            .await;
    let uri = format!("{}?x=1", pod.url);
    let ctx = pod_ctx(&uri, "pod-token-canary\n", &manual_clock(), &[]);
    let cfg = ResolvedConfig::load(&ctx, region()).unwrap();
    assert_eq!(ak_of(&cfg).await, "AK_POD");
    assert_eq!(pod.lines(), [("POST".to_string(), "/?x=1".to_string())]);
}

/// A Pod Identity token file with nothing in it (or only blanks) is refused before anything
/// is sent: no request with an empty `Authorization`.
#[tokio::test]
async fn an_empty_pod_identity_token_is_refused_unsent() {
    let pod = Mock::start(|_, _| Reply::new(500, "must not be asked")).await;
    let uri = format!("{}/v1/credentials", pod.url);
    for token in ["", "  \n"] {
        let ctx = pod_ctx(&uri, token, &manual_clock(), &[]);
        let cfg = ResolvedConfig::load(&ctx, region()).unwrap();
        let e = cfg.credentials().provide_credentials().await.unwrap_err();
        assert!(
            e.to_string().contains("empty, or not a header value"),
            "{e}"
        );
    }
    assert_eq!(pod.accepted(), 0);
}
