//! One configuration for every entry point: a `DcsClient` built with nothing but a context
//! finds credentials, project and endpoint where the official SDKs look, and the project id
//! is looked up in IAM at the first call when only a region is known.

mod common;
use common::{serve, serve_sequence, AK, PROJECT, SK};
use dcs_client::{Context, DcsClient, MapEnv, MapFs};
use std::sync::Arc;

fn ctx(env: &[(&str, &str)]) -> Context {
    let mut e = MapEnv::default();
    for (k, v) in env {
        e = e.with(*k, *v);
    }
    Context::new(
        Arc::new(e),
        Arc::new(MapFs::default()),
        Arc::new(dcs_transport::SystemClock),
    )
}

#[tokio::test]
async fn the_environment_alone_configures_a_client() {
    let server = serve(
        200,
        br#"{"task_count":"0","tasks":[]}"#.to_vec(),
        "application/json",
    )
    .await;
    let client = DcsClient::builder()
        .context(ctx(&[
            ("HUAWEICLOUD_SDK_AK", AK),
            ("HUAWEICLOUD_SDK_SK", SK),
            ("HUAWEICLOUD_SDK_PROJECT_ID", PROJECT),
            ("DCS_ENDPOINT", &server.endpoint),
            ("HUAWEICLOUD_SDK_METADATA_DISABLED", "true"),
        ]))
        .build()
        .unwrap();
    let out = client.list_center_task().send().await.unwrap();
    assert_eq!(out.tasks.as_deref().map(<[_]>::len), Some(0));
    let seen = server.requests();
    assert_eq!(seen[0].signature, Ok(()));
    assert_eq!(seen[0].path, format!("/v2/{PROJECT}/tasks"));
    assert_eq!(seen[0].header("x-project-id"), Some(PROJECT));
}

#[tokio::test]
async fn the_profile_file_configures_a_client() {
    let server = serve(200, b"{}".to_vec(), "application/json").await;
    let profile = format!("[basic]\nak = {AK}\nsk = {SK}\nproject_id = {PROJECT}\n");
    let c = Context::new(
        Arc::new(
            MapEnv::default()
                .with("HUAWEICLOUD_SDK_CREDENTIALS_FILE", "/cfg/credentials")
                .with("DCS_ENDPOINT", server.endpoint.as_str())
                .with("HUAWEICLOUD_SDK_METADATA_DISABLED", "true"),
        ),
        Arc::new(MapFs::new().with_file("/cfg/credentials", profile.into_bytes())),
        Arc::new(dcs_transport::SystemClock),
    );
    let client = DcsClient::builder().context(c).build().unwrap();
    client.show_instance("i-1").send().await.unwrap();
    let seen = server.requests();
    assert_eq!(seen[0].signature, Ok(()));
    assert_eq!(seen[0].path, format!("/v2/{PROJECT}/instances/i-1"));
}

#[tokio::test]
async fn the_project_is_looked_up_in_iam_once_at_the_first_call() {
    let iam = serve_sequence(vec![format!(
        r#"{{"projects":[{{"id":"{PROJECT}","name":"cn-north-4"}}],"links":{{}}}}"#
    )])
    .await;
    let dcs = serve(200, b"{}".to_vec(), "application/json").await;
    let client = DcsClient::builder()
        .context(ctx(&[
            ("HUAWEICLOUD_SDK_AK", AK),
            ("HUAWEICLOUD_SDK_SK", SK),
            ("HUAWEICLOUD_SDK_REGION", "cn-north-4"),
            ("DCS_ENDPOINT", &dcs.endpoint),
            ("HUAWEICLOUD_SDK_IAM_ENDPOINT", &iam.endpoint),
        ]))
        .build()
        .unwrap();
    assert_eq!(client.project_id(), None);
    client.show_instance("i-1").send().await.unwrap();
    client.show_instance("i-2").send().await.unwrap();
    let iam_seen = iam.requests();
    assert_eq!(iam_seen.len(), 1, "one lookup, then cached");
    assert_eq!(iam_seen[0].path, "/v3/projects");
    assert_eq!(iam_seen[0].signature, Ok(()));
    let dcs_seen = dcs.requests();
    assert_eq!(dcs_seen.len(), 2);
    assert_eq!(dcs_seen[1].path, format!("/v2/{PROJECT}/instances/i-2"));
    assert_eq!(client.project_id(), Some(PROJECT));
}

#[tokio::test]
async fn without_a_project_or_a_region_nothing_is_sent() {
    let dcs = serve(200, b"{}".to_vec(), "application/json").await;
    let client = DcsClient::builder()
        .context(ctx(&[
            ("HUAWEICLOUD_SDK_AK", AK),
            ("HUAWEICLOUD_SDK_SK", SK),
            ("DCS_ENDPOINT", &dcs.endpoint),
        ]))
        .build()
        .unwrap();
    let err = client.show_instance("i-1").send().await.unwrap_err();
    assert_eq!(err.kind(), dcs_client::ErrorKind::Config, "{err}");
    assert!(err.to_string().contains("nothing was sent"), "{err}");
    assert!(dcs.requests().is_empty());
}

#[tokio::test]
async fn an_empty_variable_is_an_error_naming_it() {
    let err = DcsClient::builder()
        .context(ctx(&[
            ("HUAWEICLOUD_SDK_AK", ""),
            ("HUAWEICLOUD_SDK_SK", SK),
            ("HUAWEICLOUD_SDK_REGION", "cn-north-4"),
        ]))
        .build()
        .unwrap_err();
    assert!(err.to_string().contains("HUAWEICLOUD_SDK_AK"), "{err}");
}

#[tokio::test]
async fn an_operation_without_a_project_in_its_path_needs_none() {
    let dcs = serve(200, br#"{"regionId":"r"}"#.to_vec(), "application/json").await;
    let client = DcsClient::builder()
        .context(ctx(&[
            ("HUAWEICLOUD_SDK_AK", AK),
            ("HUAWEICLOUD_SDK_SK", SK),
            ("DCS_ENDPOINT", &dcs.endpoint),
        ]))
        .build()
        .unwrap();
    client.list_available_zones().send().await.unwrap();
    let seen = dcs.requests();
    assert_eq!(seen[0].path, "/v2/available-zones");
    assert_eq!(seen[0].header("x-project-id"), None);
}

#[tokio::test]
async fn a_second_endpoint_in_the_region_variable_takes_over_when_the_first_cannot_be_reached() {
    let live = serve(200, b"{}".to_vec(), "application/json").await;
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", l.local_addr().unwrap());
        drop(l);
        url
    };
    let endpoints = format!("{closed},{}", live.endpoint);
    let client = DcsClient::builder()
        .context(ctx(&[
            ("HUAWEICLOUD_SDK_AK", AK),
            ("HUAWEICLOUD_SDK_SK", SK),
            ("HUAWEICLOUD_SDK_PROJECT_ID", PROJECT),
            ("HUAWEICLOUD_SDK_REGION", "cn-north-4"),
            ("HUAWEICLOUD_SDK_REGION_DCS_CN_NORTH_4", &endpoints),
            ("HUAWEICLOUD_SDK_METADATA_DISABLED", "true"),
        ]))
        .config(dcs_client::ClientConfig::default().retry(dcs_transport::RetryPolicy::disabled()))
        .build()
        .unwrap();
    assert_eq!(client.endpoints().len(), 2);

    client.show_instance("i-1").send().await.unwrap();
    client.show_instance("i-2").send().await.unwrap();

    let seen = live.requests();
    assert_eq!(seen.len(), 2);
    let live_host = live.endpoint.trim_start_matches("http://");
    for s in seen.iter() {
        assert_eq!(s.signature, Ok(()));
        assert_eq!(
            s.header("host"),
            Some(live_host),
            "signed for the second's Host"
        );
    }
    assert_eq!(seen[1].path, format!("/v2/{PROJECT}/instances/i-2"));
    assert_eq!(
        client.current_endpoint().to_string(),
        client.endpoints()[1].to_string(),
        "the second stays in use"
    );
}

/// A one-shot HTTP server on loopback answering every request with `status` and an HTML page
/// (a corporate proxy, a sandbox): what may sit at the metadata address off ECS.
async fn html_server(status: u16) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((mut tcp, _)) = listener.accept().await {
            tokio::spawn(async move {
                use tokio::io::{AsyncReadExt, AsyncWriteExt};
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") {
                    if tcp.read(&mut byte).await.unwrap_or(0) == 0 {
                        return;
                    }
                    head.push(byte[0]);
                }
                let body = "<html><body>Access denied by the sandbox</body></html>";
                let answer = format!(
                    "HTTP/1.1 {status} Forbidden\r\ncontent-type: text/html\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = tcp.write_all(answer.as_bytes()).await;
            });
        }
    });
    url
}

#[tokio::test]
async fn no_credentials_anywhere_and_a_403_at_the_metadata_address_is_no_credentials_found() {
    let dcs = serve(200, b"{}".to_vec(), "application/json").await;
    let metadata = html_server(403).await;
    let client = DcsClient::builder()
        .context(ctx(&[
            ("HOME", "/home/nobody"),
            ("HUAWEICLOUD_SDK_METADATA_ENDPOINT", &metadata),
            ("HUAWEICLOUD_SDK_PROJECT_ID", PROJECT),
            ("DCS_ENDPOINT", &dcs.endpoint),
        ]))
        .build()
        .unwrap();
    let e = client.list_center_task().send().await.unwrap_err();
    let text = e.to_string();
    // A configuration error (the CLI's exit 2), listing every source and why it was skipped,
    // never the metadata address's 403 as a transport failure.
    assert_eq!(e.kind(), dcs_client::ErrorKind::Config, "{text}");
    assert!(e.is_no_credentials(), "{text}");
    assert!(!e.is_timeout() && !e.is_connect(), "{text}");
    assert!(text.contains("no credentials found; tried "), "{text}");
    for source in [
        "environment: HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK are not set",
        "profile: no file /home/nobody/.huaweicloud/credentials",
        "pod-identity: HC_CONTAINER_CREDENTIALS_FULL_URI is not set",
        "ecs-metadata: ",
        "answered 403",
        "not an ECS server",
    ] {
        assert!(text.contains(source), "{source:?} in {text}");
    }
    assert!(
        !text.contains("Access denied"),
        "the page is never quoted: {text}"
    );
    assert!(dcs.requests().is_empty(), "nothing sent to DCS");
}

#[tokio::test]
async fn an_endpoint_without_a_scheme_is_refused_with_the_fix() {
    for (how, builder) in [
        (
            "DCS_ENDPOINT",
            DcsClient::builder().context(ctx(&[
                ("DCS_ENDPOINT", "127.0.0.1:18080"),
                ("HUAWEICLOUD_SDK_PROJECT_ID", PROJECT),
                ("HUAWEICLOUD_SDK_METADATA_DISABLED", "true"),
            ])),
        ),
        (
            "builder",
            DcsClient::builder()
                .context(ctx(&[("HUAWEICLOUD_SDK_METADATA_DISABLED", "true")]))
                .project_id(PROJECT)
                .endpoint("127.0.0.1:18080"),
        ),
    ] {
        let e = builder
            .credentials(dcs_client::Credentials::new(AK, SK))
            .build()
            .unwrap_err();
        let text = e.to_string();
        assert_eq!(e.kind(), dcs_client::ErrorKind::Config, "{text}");
        assert!(text.contains(how), "{how} in {text}");
        assert!(text.contains("has no scheme"), "{text}");
        assert!(text.contains("http://127.0.0.1:18080"), "{text}");
        assert!(text.contains("https://127.0.0.1:18080"), "{text}");
    }
}
