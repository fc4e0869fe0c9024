//! Retry safety comes from the reviewed table in `codegen/overrides.toml`, not from the HTTP
//! method: after a 5xx (which may follow an apply) a PUT like `ChangeMasterStandbyAsync` is
//! never sent again (a second switchover undoes the first), while a GET is.
// Real dates for answers and signatures: a test may read the system clock.
#![allow(clippy::disallowed_methods)]

mod common;
use common::{serve, AK, PROJECT, SK};
use dcs_client::{ClientConfig, Credentials, DcsClient, RetryPolicy};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

fn client(endpoint: &str) -> DcsClient {
    let time = dcs_transport::ManualTime::new(SystemTime::now());
    DcsClient::builder()
        .endpoint(endpoint)
        .credentials(Credentials::new(AK, SK))
        .project_id(PROJECT)
        .config(
            ClientConfig::default()
                .retry(RetryPolicy::default().max_attempts(3))
                .total_timeout(Duration::from_secs(60)),
        )
        .sleeper(Arc::new(time.clone()))
        .clock(Arc::new(time))
        .build()
        .unwrap()
}

#[tokio::test]
async fn a_non_idempotent_put_is_sent_once_after_a_500() {
    let server = serve(
        500,
        br#"{"error_code":"DCS.5000","error_msg":"busy"}"#.to_vec(),
        "application/json",
    )
    .await;
    let err = client(&server.endpoint)
        .change_master_standby_async("inst-1")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(500));
    assert_eq!(server.requests().len(), 1);
    assert!(err.is_outcome_uncertain(), "{err}");
}

#[tokio::test]
async fn every_unsafe_put_and_post_is_marked_so_and_a_get_is_retried() {
    for name in [
        "ChangeMasterStandbyAsync",
        "RestartOrFlushInstances",
        "UpdatePassword",
        "ChangeNodesStartStopStatus",
        "CreateInstance",
        "ResizeInstance",
    ] {
        let meta = dcs_model::find_operation(name).unwrap();
        assert!(!meta.retry_safe, "{name}");
    }
    let server = serve(503, b"{}".to_vec(), "application/json").await;
    let err = client(&server.endpoint)
        .show_instance("inst-1")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(503));
    assert_eq!(server.requests().len(), 3);
}

#[tokio::test]
async fn a_reviewed_safe_put_is_retried() {
    let server = serve(502, b"{}".to_vec(), "application/json").await;
    let _ = client(&server.endpoint)
        .update_instance("inst-1")
        .name("cache-1")
        .send()
        .await
        .unwrap_err();
    assert_eq!(server.requests().len(), 3);
}

#[tokio::test]
async fn the_gateways_no_such_api_is_not_not_found() {
    let server = serve(
        404,
        br#"{"error_code":"APIGW.0101","error_msg":"The API does not exist or has not been published in the environment"}"#.to_vec(),
        "application/json",
    )
    .await;
    let err = client(&server.endpoint)
        .delete_center_task("t-1")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(404));
    assert!(!err.is_not_found(), "{err}");
    assert!(err.is_no_such_api());
    assert!(err.to_string().contains("check the region"), "{err}");
    let server = serve(
        404,
        br#"{"error_code":"DCS.4001","error_msg":"no such task"}"#.to_vec(),
        "application/json",
    )
    .await;
    let err = client(&server.endpoint)
        .delete_center_task("t-1")
        .send()
        .await
        .unwrap_err();
    assert!(err.is_not_found(), "{err}");
}

#[tokio::test]
async fn a_list_pages_until_the_total_and_keeps_request_ids() {
    // Three tasks, total 3: one page of 2, one of 1, then stop (no third request).
    let page = |ids: &[&str], total: u32| {
        let tasks: Vec<String> = ids.iter().map(|i| format!(r#"{{"id":"{i}"}}"#)).collect();
        format!(
            r#"{{"task_count":"{total}","tasks":[{}]}}"#,
            tasks.join(",")
        )
    };
    let server = common::serve_sequence(vec![page(&["a", "b"], 3), page(&["c"], 3)]).await;
    let items = client(&server.endpoint)
        .list_center_task()
        .limit(2)
        .into_paginator()
        .items()
        .try_collect()
        .await
        .unwrap();
    let ids: Vec<_> = items.iter().map(|t| t.id.clone().unwrap()).collect();
    assert_eq!(ids, ["a", "b", "c"]);
    let seen = server.requests();
    assert_eq!(seen.len(), 2);
    let offsets: Vec<_> = seen
        .iter()
        .map(|s| {
            s.query
                .iter()
                .find(|(k, _)| k == "offset")
                .unwrap()
                .1
                .clone()
        })
        .collect();
    assert_eq!(offsets, ["0", "2"]);
}

#[tokio::test]
async fn without_a_total_paging_stops_at_an_empty_page() {
    let server = common::serve_sequence(vec![
        r#"{"tasks":[{"id":"a"}]}"#.to_string(),
        r#"{"tasks":[]}"#.to_string(),
    ])
    .await;
    let items = client(&server.endpoint)
        .list_center_task()
        .into_paginator()
        .items()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(server.requests().len(), 2);
}
