//! DeleteCenterTask end to end: TasksClient -> real TCP -> emulator.

use dcs_e2e::{test_config, Fixture, AK, PROJECT, SK, TASK};
use dcs_emulator::TaskStatus;
use dcs_model::BodyShape;
use dcs_tasks::{Credentials, ErrorKind, RetryPolicy};
use dcs_transport::{Clock, Endpoint, HttpClient, ManualTime, Method, Request};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

#[tokio::test]
async fn delete_succeeds_and_the_task_is_gone() {
    let f = Fixture::new().await;
    assert!(f.emu.task_exists(PROJECT, TASK));
    f.client().delete_center_task(TASK).send().await.unwrap();
    assert!(!f.emu.task_exists(PROJECT, TASK));

    // Exactly one request, with the documented method, path and headers.
    let reqs = f.emu.requests();
    assert_eq!(reqs.len(), 1);
    let r = &reqs[0];
    assert_eq!(r.method, "DELETE");
    assert_eq!(r.path, format!("/v2/{PROJECT}/tasks/{TASK}"));
    assert_eq!(r.query, "");
    assert_eq!(r.status, 200);
    assert_eq!(
        r.header("content-type"),
        Some("application/json;charset=utf-8")
    );
    assert_eq!(r.header("x-project-id"), Some(PROJECT));
    assert_eq!(r.header("host"), Some(f.emu.addr().to_string().as_str()));
    let ua = r.header("user-agent").unwrap();
    assert!(
        ua.starts_with(&format!(
            "huaweicloud-dcs-rust-sdk/{}",
            env!("CARGO_PKG_VERSION")
        )),
        "{ua}"
    );
    let date = r.header("x-sdk-date").unwrap();
    assert!(dcs_transport::SdkDate::parse(date).is_ok(), "{date}");
    let auth = r.header("authorization").unwrap();
    assert!(auth.starts_with(&format!(
        "SDK-HMAC-SHA256 Access={AK}, SignedHeaders=content-type;host;user-agent;x-project-id;x-sdk-date, Signature="
    )), "{auth}");
    assert!(r.header("x-security-token").is_none());
    // No message: no body at all.
    assert!(r.body.is_empty());
}

#[tokio::test]
async fn second_delete_is_404_with_code_and_request_id() {
    let f = Fixture::new().await;
    let client = f.client();
    client.delete_center_task(TASK).send().await.unwrap();
    let err = client.delete_center_task(TASK).send().await.unwrap_err();
    assert!(err.is_not_found(), "{err}");
    assert_eq!(err.kind(), ErrorKind::Service);
    assert_eq!(err.status(), Some(404));
    assert_eq!(err.error_code(), Some("DCS.4001"));
    assert!(err.error_msg().unwrap().contains(TASK));
    let rid = err.request_id().expect("request id");
    assert_eq!(rid.len(), 32);
    assert!(err.to_string().contains(rid));
    assert!(!err.is_outcome_uncertain());
    assert_eq!(err.attempts(), 1, "404 is not retried");
    assert_eq!(f.emu.request_count(), 2);
}

#[tokio::test]
async fn wrong_sk_is_401_apigw_0301_kept_whole() {
    let f = Fixture::new().await;
    let client = f.client_with(Credentials::new(AK, "not-the-secret"), test_config());
    let err = client.delete_center_task(TASK).send().await.unwrap_err();
    assert!(err.is_unauthorized(), "{err}");
    assert!(!err.is_clock_skew());
    // 10 characters, one over the documented limit of 9: kept whole and flagged.
    assert_eq!(err.error_code(), Some("APIGW.0301"));
    let body = err.service_error().unwrap().body();
    assert_eq!(body.violations().len(), 1);
    assert_eq!(body.violations()[0].field, "error_code");
    assert_eq!(body.violations()[0].actual_chars, 10);
    assert!(err
        .error_msg()
        .unwrap()
        .starts_with("Incorrect IAM authentication information: verify aksk signature fail"));
    // The gateway's body names the same request id as the header.
    assert_eq!(body.request_id(), err.request_id());
    assert!(f.emu.task_exists(PROJECT, TASK));
    assert_eq!(err.attempts(), 1, "401 is not retried");
}

#[tokio::test]
async fn unknown_ak_is_401() {
    let f = Fixture::new().await;
    let client = f.client_with(Credentials::new("SOMEONEELSE", SK), test_config());
    let err = client.delete_center_task(TASK).send().await.unwrap_err();
    assert!(err.is_unauthorized());
    assert!(err.error_msg().unwrap().contains("ak not exist"));
}

#[tokio::test]
async fn skewed_clock_is_401_and_reported_as_clock_skew() {
    let f = Fixture::new().await;
    let behind = ManualTime::new(SystemTime::now() - Duration::from_secs(20 * 60));
    let client = dcs_tasks::TasksClient::builder()
        .endpoint(f.emu.endpoint())
        .credentials(Credentials::new(AK, SK))
        .project_id(PROJECT)
        // Correction off: the 401 as the gateway sent it, diagnosed.
        .config(test_config().correct_clock_skew(false))
        .clock(Arc::new(behind.clone()))
        .sleeper(Arc::new(behind))
        .build()
        .unwrap();
    let err = client.delete_center_task(TASK).send().await.unwrap_err();
    assert!(err.is_unauthorized());
    assert!(err.is_clock_skew(), "{err}");
    let skew = err.clock_skew_secs().expect("skew named in the message");
    assert!((1195..=1205).contains(&skew), "skew {skew}");
    assert!(f.emu.task_exists(PROJECT, TASK));

    // 14 minutes off is still accepted.
    let close = ManualTime::new(SystemTime::now() - Duration::from_secs(14 * 60));
    let client = dcs_tasks::TasksClient::builder()
        .endpoint(f.emu.endpoint())
        .credentials(Credentials::new(AK, SK))
        .project_id(PROJECT)
        .clock(Arc::new(close))
        .build()
        .unwrap();
    client.delete_center_task(TASK).send().await.unwrap();
}

#[tokio::test]
async fn message_body_present_or_absent_as_asked() {
    let f = Fixture::new().await;
    f.emu.seed_task(PROJECT, "t2", TaskStatus::Failed);
    let client = f.client();
    client
        .delete_center_task(TASK)
        .message("delete finished task ✓")
        .send()
        .await
        .unwrap();
    client.delete_center_task("t2").send().await.unwrap();
    let reqs = f.emu.requests();
    assert_eq!(
        reqs[0].body,
        "{\"message\":\"delete finished task ✓\"}".as_bytes()
    );
    assert!(reqs[1].body.is_empty());
    assert_eq!(reqs[1].header("content-length").unwrap_or("0"), "0");
}

#[tokio::test]
async fn security_token_is_sent_and_signed() {
    let f = Fixture::new().await;
    let creds = Credentials::new(AK, SK).with_security_token("temporary-token-value-xyz");
    f.client_with(creds, test_config())
        .delete_center_task(TASK)
        .send()
        .await
        .unwrap();
    let r = &f.emu.requests()[0];
    assert_eq!(
        r.header("x-security-token"),
        Some("temporary-token-value-xyz")
    );
    assert!(r.header("authorization").unwrap().contains(
        "SignedHeaders=content-type;host;user-agent;x-project-id;x-sdk-date;x-security-token,"
    ));
    assert!(!f.emu.task_exists(PROJECT, TASK));
}

#[tokio::test]
async fn running_task_is_400_dcs_4017() {
    let f = Fixture::new().await;
    f.emu.seed_task(PROJECT, "busy", TaskStatus::Running);
    let err = f
        .client()
        .delete_center_task("busy")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(400));
    assert!(err.is_task_running());
    let body = err.service_error().unwrap().body();
    assert_eq!(body.shape(), BodyShape::Standard);
    assert!(
        body.violations().is_empty(),
        "the emulator obeys the limits"
    );
    assert_eq!(body.error_ext_msg(), None);
    assert!(f.emu.task_exists(PROJECT, "busy"));
}

#[tokio::test]
async fn other_project_is_403() {
    let f = Fixture::new().await;
    let other = "11111111111111111111111111111111";
    f.emu.seed_task(other, TASK, TaskStatus::Success);
    let client = dcs_tasks::TasksClient::builder()
        .endpoint(f.emu.endpoint())
        .credentials(Credentials::new(AK, SK))
        .project_id(other)
        .build()
        .unwrap();
    let err = client.delete_center_task(TASK).send().await.unwrap_err();
    assert!(err.is_forbidden(), "{err}");
    assert_eq!(err.error_code(), Some("DCS.2007"));
    assert!(f.emu.task_exists(other, TASK));
}

fn transport(f: &Fixture) -> HttpClient {
    HttpClient::builder(
        Endpoint::parse(&f.emu.endpoint()).unwrap(),
        dcs_transport::Credentials::new(AK, SK),
    )
    .project_id(PROJECT)
    .config(dcs_transport::ClientConfig::default().retry(RetryPolicy::disabled()))
    .build()
    .unwrap()
}

#[tokio::test]
async fn other_methods_are_405_and_unknown_routes_are_apigw_404() {
    let f = Fixture::new().await;
    let http = transport(&f);
    let path = format!("/v2/{PROJECT}/tasks/{TASK}");
    for m in [Method::GET, Method::POST, Method::PUT] {
        let r = http.send(&Request::new(m.clone(), &path)).await.unwrap();
        assert_eq!(r.status(), 405, "{m}");
        let body = dcs_model::ErrorBody::parse(r.body(), false);
        assert_eq!(body.error_code(), Some("DCS.5001"));
        assert!(r.request_id().is_some());
    }
    let r = http
        .send(&Request::new(Method::DELETE, "/v2/nope"))
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let body = dcs_model::ErrorBody::parse(r.body(), false);
    assert_eq!(body.error_code(), Some("APIGW.0101"));
    assert!(r.request_id().is_some());
    assert!(f.emu.task_exists(PROJECT, TASK));
}

#[tokio::test]
async fn every_response_carries_a_distinct_request_id() {
    let f = Fixture::new().await;
    let http = transport(&f);
    let mut ids = std::collections::HashSet::new();
    for _ in 0..5 {
        let r = http
            .send(&Request::new(
                Method::DELETE,
                format!("/v2/{PROJECT}/tasks/none"),
            ))
            .await
            .unwrap();
        assert_eq!(r.status(), 404);
        assert!(ids.insert(r.request_id().unwrap().to_string()));
    }
}

#[tokio::test]
async fn one_client_reuses_one_connection() {
    let f = Fixture::new().await;
    let client = f.client();
    for i in 0..20 {
        let id = format!("task-{i}");
        f.emu.seed_task(PROJECT, &id, TaskStatus::Success);
        client.delete_center_task(id).send().await.unwrap();
    }
    assert_eq!(f.emu.connections_accepted(), 1);
}

#[test]
fn plain_http_only_for_loopback_unless_allowed() {
    let build = |url: &str, allow: bool| {
        dcs_tasks::TasksClient::builder()
            .endpoint(url)
            .credentials(Credentials::new(AK, SK))
            .project_id(PROJECT)
            .config(dcs_tasks::ClientConfig::default().allow_insecure_http(allow))
            .build()
    };
    let err = build("http://dcs.example.com", false).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config);
    assert!(err.to_string().contains("allow_insecure_http"), "{err}");
    assert!(build("http://dcs.example.com", true).is_ok());
    assert!(build("http://127.0.0.1:8080", false).is_ok());
    assert!(build("https://dcs.example.com", false).is_ok());
}

#[test]
fn builder_requires_what_it_needs() {
    let empty = dcs_client::Context::new(
        std::sync::Arc::new(dcs_client::MapEnv::default()),
        std::sync::Arc::new(dcs_client::MapFs::default()),
        std::sync::Arc::new(dcs_transport::SystemClock),
    );
    let e = dcs_tasks::TasksClient::builder()
        .context(empty)
        .build()
        .unwrap_err();
    assert!(e.to_string().contains("no region"), "{e}");
    let e = dcs_tasks::TasksClient::builder()
        .region("cn-north-4")
        .credentials(Credentials::new(AK, SK))
        .project_id("../etc")
        .build()
        .unwrap_err();
    assert!(e.is_invalid_input(), "{e}");
    let e = dcs_tasks::TasksClient::builder()
        .region("cn-north-4")
        .credentials(Credentials::new("", SK))
        .project_id(PROJECT)
        .build()
        .unwrap_err();
    assert!(
        e.to_string().contains("access key id must not be empty"),
        "{e}"
    );
}

#[tokio::test]
/// Issue 12 row 7: a plain 401 (not the gateway's "signature expired") is not clock skew,
/// however stale the server's `Date` looks next to our signing time.
async fn a_plain_401_with_a_stale_date_is_not_clock_skew() {
    let f = Fixture::new().await;
    // A 401 whose message says nothing about time: only the server's Date header can tell.
    let scripted = || dcs_emulator::Fault::Status {
        status: 401,
        retry_after: None,
    };
    f.emu.push_fault(scripted());
    let behind = ManualTime::new(SystemTime::now() - Duration::from_secs(30 * 60));
    let client = dcs_tasks::TasksClient::builder()
        .endpoint(f.emu.endpoint())
        .credentials(Credentials::new(AK, SK))
        .project_id(PROJECT)
        .clock(Arc::new(behind))
        .build()
        .unwrap();
    let err = client.delete_center_task(TASK).send().await.unwrap_err();
    assert!(err.is_unauthorized());
    assert!(!err.is_clock_skew(), "{err:?}");
    assert_eq!(err.clock_skew_secs(), None);

    // The same 401 with a correct clock is not skew.
    f.emu.push_fault(scripted());
    let err = f
        .client()
        .delete_center_task(TASK)
        .send()
        .await
        .unwrap_err();
    assert!(err.is_unauthorized());
    assert!(!err.is_clock_skew());
    assert_eq!(err.clock_skew_secs(), None);
}

#[tokio::test]
async fn emulator_error_bodies_obey_the_documented_limits() {
    let f = Fixture::new().await;
    f.emu.seed_task(PROJECT, "busy", TaskStatus::Running);
    let http = transport(&f);
    let mut seen = Vec::new();
    for (method, path) in [
        (Method::DELETE, format!("/v2/{PROJECT}/tasks/missing")),
        (Method::DELETE, format!("/v2/{PROJECT}/tasks/busy")),
        (
            Method::DELETE,
            "/v2/22222222222222222222222222222222/tasks/x".to_string(),
        ),
        (Method::GET, format!("/v2/{PROJECT}/tasks/x")),
        (Method::DELETE, format!("/v2/{PROJECT}/tasks/a%0Ab")),
    ] {
        let r = http.send(&Request::new(method, path)).await.unwrap();
        let body = dcs_model::ErrorBody::parse(r.body(), false);
        assert_eq!(body.shape(), BodyShape::Standard);
        assert!(body.violations().is_empty(), "{body:?}");
        assert!(body.error_code().unwrap().starts_with("DCS."));
        seen.push(r.status());
    }
    assert_eq!(seen, [404, 400, 403, 405, 400]);
}

#[tokio::test]
async fn an_emulator_fault_can_wait_for_its_path() {
    let f = Fixture::new().await;
    f.emu.seed_task(PROJECT, "task-a", TaskStatus::Success);
    f.emu.seed_task(PROJECT, "task-b", TaskStatus::Success);
    assert_eq!(f.emu.task_count(), 3);
    f.emu.push_fault(
        dcs_emulator::ScriptedFault::new(dcs_emulator::Fault::Status {
            status: 500,
            retry_after: None,
        })
        .on_path(format!("/v2/{PROJECT}/tasks/task-b")),
    );
    assert_eq!(f.emu.pending_faults(), 1);
    let client = f.client_with(
        Credentials::new(AK, SK),
        test_config().retry(RetryPolicy::default().max_attempts(1)),
    );
    // Another path passes the fault by.
    client.delete_center_task("task-a").send().await.unwrap();
    assert_eq!(f.emu.pending_faults(), 1);
    assert_eq!(f.emu.task_count(), 2);
    // Its own path meets it.
    let e = client
        .delete_center_task("task-b")
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(500));
    assert_eq!(f.emu.pending_faults(), 0);
    assert!(f.emu.task_exists(PROJECT, "task-b"));
}

#[tokio::test]
async fn an_emulator_clock_ahead_of_ours_answers_as_the_gateway_does() {
    let f = Fixture::new().await;
    // The emulator's clock 20 minutes ahead of the client's (the fixture's manual clock).
    let ahead = f.time.now() + Duration::from_secs(20 * 60);
    f.emu.set_clock(Arc::new(ManualTime::new(ahead)));
    let err = f
        .client_with(
            Credentials::new(AK, SK),
            test_config().correct_clock_skew(false),
        )
        .delete_center_task(TASK)
        .send()
        .await
        .unwrap_err();
    assert!(err.is_unauthorized(), "{err}");
    assert!(err.is_clock_skew(), "{err}");
    let skew = err.clock_skew_secs().expect("the message names both times");
    assert!((1195..=1205).contains(&skew), "{skew}");
    assert!(f.emu.task_exists(PROJECT, TASK));

    // By default the client measures the offset from the gateway's answer, signs again with
    // the corrected time and is let in: one 401, then the delete (issue 10).
    let out = f.client().delete_center_task(TASK).send().await.unwrap();
    assert_eq!(out.attempts(), 2);
    assert!(!f.emu.task_exists(PROJECT, TASK));
}
