//! The raw-call escape hatch: an endpoint the generator does not have, sent with the project
//! lookup, the signature, the retries and the `Error` mapping of a generated operation.

mod common;

use common::{serve, serve_sequence, AK, PROJECT, SK};
use dcs_client::{
    ClientConfig, Context, Credentials, DcsClient, ErrorKind, HttpMethod, MapEnv, MapFs,
    RetryPolicy, SystemClock,
};
use dcs_emulator::recorder::{Answer, Recorder};
use std::sync::Arc;

fn no_project_client(dcs: &str, iam: &str) -> DcsClient {
    DcsClient::builder()
        .context(Context::new(
            Arc::new(MapEnv::default().with("HUAWEICLOUD_SDK_METADATA_DISABLED", "true")),
            Arc::new(MapFs::new()),
            Arc::new(SystemClock),
        ))
        .endpoint(dcs)
        .region("cn-north-4")
        .iam_endpoint(iam)
        .credentials(Credentials::new(AK, SK))
        .config(ClientConfig::default().retry(RetryPolicy::disabled()))
        .build()
        .unwrap()
}

#[tokio::test]
async fn a_raw_call_fills_the_project_from_iam_and_signs_path_query_and_body() {
    let iam = serve_sequence(vec![format!(
        r#"{{"projects":[{{"id":"{PROJECT}","name":"cn-north-4"}}]}}"#
    )])
    .await;
    let dcs = serve(200, br#"{"job_id":"j-1"}"#.to_vec(), "application/json").await;
    let client = no_project_client(&dcs.endpoint, &iam.endpoint);

    #[derive(serde::Deserialize)]
    struct Job {
        job_id: String,
    }
    let out = client
        .raw_call(
            "FrobnicateInstance",
            HttpMethod::Post,
            "/v2/{project_id}/instances/{instance_id}/frobnicate",
        )
        .path_param("instance_id", "tâche-1")
        .query("dry_run", "true")
        .json_body(&serde_json::json!({"level": 3}))
        .unwrap()
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), 200);
    assert_eq!(out.json::<Job>().unwrap().job_id, "j-1");
    assert_eq!(
        out.json::<serde_json::Value>().unwrap()["job_id"],
        serde_json::json!("j-1")
    );

    assert_eq!(iam.requests().len(), 1, "the project was looked up");
    let seen = dcs.requests();
    assert_eq!(seen.len(), 1);
    let r = &seen[0];
    assert_eq!(r.signature, Ok(()), "signed like any call");
    assert_eq!(r.method, "POST");
    assert_eq!(
        r.path,
        format!("/v2/{PROJECT}/instances/t%C3%A2che-1/frobnicate"),
        "each path value is one encoded segment"
    );
    assert_eq!(r.raw_query, "dry_run=true");
    assert_eq!(r.header("x-project-id"), Some(PROJECT));
    assert_eq!(r.body, br#"{"level":3}"#);
}

#[tokio::test]
async fn a_raw_get_is_retried_and_a_raw_post_is_not_and_errors_map_as_for_any_call() {
    let busy = Answer::json(
        503,
        br#"{"error_code":"DCS.5000","error_msg":"busy"}"#.to_vec(),
    );
    let ok = Answer::json(200, b"{}".to_vec());
    let rec = Recorder::start(AK, SK, vec![busy.clone(), ok])
        .await
        .unwrap();
    let client = DcsClient::builder()
        .context(Context::new(
            Arc::new(MapEnv::default().with("HUAWEICLOUD_SDK_METADATA_DISABLED", "true")),
            Arc::new(MapFs::new()),
            Arc::new(SystemClock),
        ))
        .endpoint(rec.endpoint())
        .project_id(PROJECT)
        .credentials(Credentials::new(AK, SK))
        .config(
            ClientConfig::default().retry(
                RetryPolicy::default()
                    .max_attempts(2)
                    .base_backoff(std::time::Duration::from_millis(1)),
            ),
        )
        .build()
        .unwrap();
    // A GET is retry-safe by default: the 503 is retried and the 200 returned.
    let out = client
        .raw_call("ShowThing", HttpMethod::Get, "/v2/{project_id}/things")
        .send()
        .await
        .unwrap();
    assert_eq!(out.attempts(), 2);

    // A POST is sent once: the 503 is the service's error, with its code and request id.
    let rec = Recorder::start(AK, SK, vec![busy]).await.unwrap();
    let client = DcsClient::builder()
        .context(Context::new(
            Arc::new(MapEnv::default().with("HUAWEICLOUD_SDK_METADATA_DISABLED", "true")),
            Arc::new(MapFs::new()),
            Arc::new(SystemClock),
        ))
        .endpoint(rec.endpoint())
        .project_id(PROJECT)
        .credentials(Credentials::new(AK, SK))
        .build()
        .unwrap();
    let e = client
        .raw_call("CreateThing", HttpMethod::Post, "/v2/{project_id}/things")
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Service, "{e}");
    assert_eq!(e.operation(), "CreateThing");
    assert_eq!(e.status(), Some(503));
    assert_eq!(e.error_code(), Some("DCS.5000"));
    assert!(e.is_outcome_uncertain(), "a 503 may follow an apply: {e}");
    assert_eq!(rec.requests().len(), 1, "a POST is not sent again");
}

#[tokio::test]
async fn a_raw_call_with_a_placeholder_left_or_a_bad_value_sends_nothing() {
    let dcs = serve(200, b"{}".to_vec(), "application/json").await;
    let client = common::client(&dcs.endpoint);
    let e = client
        .raw_call("Broken", HttpMethod::Get, "/v2/{project_id}/x/{thing_id}")
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
    assert!(e.to_string().contains("{thing_id}"), "{e}");
    let e = client
        .raw_call("Broken", HttpMethod::Get, "/v2/{project_id}/x/{thing_id}")
        .path_param("thing_id", "..")
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
    let e = client
        .raw_call("Broken", HttpMethod::Get, "/v2/{project_id}/x")
        .path_param("other", "1")
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
    assert!(dcs.requests().is_empty());
}
