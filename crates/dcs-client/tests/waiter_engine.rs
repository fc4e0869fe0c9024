//! The waiter engine's promises, on a manual clock against scripted answers: success only
//! after the required readings in a row (an instance's `task` counting as busy), a failure
//! state or a vanished resource ends the wait at once, the budget ends it with the last state,
//! polls are spaced exactly as documented, a few failed polls are tolerated and then the
//! poll's error is returned, and the resource to follow is found in the request and answer
//! the table names.

mod raw;
use dcs_client::{
    Credentials, DcsClient, Error, ErrorKind, Observation, RetryPolicy, Signal, WaitFailure,
    WaitOptions,
};
use raw::{answer, ok, Raw, RawServer};
use serde_json::json;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

const PROJECT: &str = "0a1b2c3d4e5f40718293a4b5c6d7e8f9";

fn client(endpoint: &str, time: &dcs_transport::ManualTime) -> DcsClient {
    DcsClient::builder()
        .endpoint(endpoint)
        .credentials(Credentials::new("WAITTESTAK0000000001", "waiter-secret"))
        .project_id(PROJECT)
        .config(dcs_client::ClientConfig::default().retry(RetryPolicy::disabled()))
        .clock(Arc::new(time.clone()))
        .sleeper(Arc::new(time.clone()))
        .jitter(Arc::new(|| 0.0))
        .build()
        .unwrap()
}

/// A manual clock at a fixed instant (2027-01-15 08:00 UTC): the raw servers check no dates.
fn now() -> dcs_transport::ManualTime {
    dcs_transport::ManualTime::new(SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000))
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// An observer that keeps every observation.
fn recorder() -> (
    Arc<Mutex<Vec<Observation>>>,
    impl Fn(&Observation) + Send + Sync + 'static,
) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let keep = seen.clone();
    (seen, move |o: &Observation| {
        keep.lock().unwrap().push(o.clone())
    })
}

fn wait_error(e: &Error) -> &dcs_client::WaitError {
    assert_eq!(e.kind(), ErrorKind::Wait, "{e}");
    e.wait_error().unwrap()
}

fn not_found(code: &str) -> Raw {
    answer(
        404,
        &[],
        &format!(r#"{{"error_code":"{code}","error_msg":"not there"}}"#),
    )
}

fn code_of(class: dcs_client::codes::ErrorClass) -> &'static str {
    dcs_client::codes::all()
        .iter()
        .find(|c| c.class == Some(class) && c.code.starts_with("DCS."))
        .unwrap()
        .code
}

#[tokio::test]
async fn an_instance_is_running_after_two_idle_readings_in_a_row() {
    let server = RawServer::start(vec![
        ok(r#"{"status":"CREATING","task":null}"#),
        ok(r#"{"status":"RUNNING","task":{"name":"EXTEND"}}"#),
        ok(r#"{"status":"RUNNING","task":""}"#),
        ok(r#"{"status":"RESTARTING"}"#),
        ok(r#"{"status":"RUNNING","task":[]}"#),
        ok(r#"{"status":"RUNNING","task":{}}"#),
    ])
    .await;
    let time = now();
    let (seen, observe) = recorder();
    let done = client(&server.endpoint, &time)
        .wait_until_instance_running("i-1")
        .on_observe(observe)
        .wait()
        .await
        .unwrap();
    assert_eq!(done.len(), 1);
    let d = &done[0];
    assert_eq!(
        (d.resource.as_str(), d.state.as_str(), d.polls, d.elapsed),
        ("instance i-1", "RUNNING", 6, ms(30_600))
    );
    assert_eq!(d.last, json!({"status": "RUNNING", "task": {}}));
    let seen = seen.lock().unwrap().clone();
    let states: Vec<_> = seen.iter().map(|o| o.state.clone().unwrap()).collect();
    assert_eq!(
        states,
        [
            "CREATING",
            "RUNNING",
            "RUNNING",
            "RESTARTING",
            "RUNNING",
            "RUNNING"
        ]
    );
    let busy: Vec<_> = seen.iter().map(|o| o.busy).collect();
    assert_eq!(busy, [false, true, false, false, false, false]);
    let polls: Vec<_> = seen.iter().map(|o| o.poll).collect();
    assert_eq!(polls, [1, 2, 3, 4, 5, 6]);
    let elapsed: Vec<_> = seen.iter().map(|o| o.elapsed).collect();
    assert_eq!(
        elapsed,
        [
            ms(0),
            ms(1800),
            ms(5400),
            ms(12_600),
            ms(21_600),
            ms(30_600)
        ]
    );
    assert!(seen
        .iter()
        .all(|o| o.operation == "ShowInstance" && o.resource == "instance i-1"));
    // Short at first, doubling up to the 10 s interval, with the jitter at its low end (0.9).
    assert_eq!(
        time.sleeps(),
        [ms(1800), ms(3600), ms(7200), ms(9000), ms(9000)]
    );
    let lines = server.lines();
    assert_eq!(lines.len(), 6);
    assert!(lines
        .iter()
        .all(|l| l == &format!("GET /v2/{PROJECT}/instances/i-1")));
}

#[tokio::test]
async fn a_failure_state_ends_the_wait_at_once() {
    let server = RawServer::start(vec![
        ok(r#"{"status":"RUNNING"}"#),
        ok(r#"{"status":"FAIL"}"#),
        ok(r#"{"status":"SUCCESS"}"#),
    ])
    .await;
    let time = now();
    let e = client(&server.endpoint, &time)
        .wait_for_job("j-1")
        .wait()
        .await
        .unwrap_err();
    let w = wait_error(&e);
    assert_eq!(
        w.failure(),
        &WaitFailure::FailureState {
            state: "FAIL".into()
        }
    );
    assert_eq!(w.resource(), "job j-1");
    assert_eq!(w.polls(), 2);
    assert_eq!(w.elapsed(), ms(1800));
    assert_eq!(
        w.to_string(),
        "job j-1 reached the failure state FAIL (2 polls)"
    );
    assert_eq!(e.failure_state(), Some("FAIL"));
    assert_eq!(server.requests(), 2);
    assert_eq!(server.lines()[0], format!("GET /v2/{PROJECT}/jobs/j-1"));
}

#[tokio::test]
async fn the_budget_ends_the_wait_with_the_last_state() {
    let server = RawServer::start(vec![ok(r#"{"status":"RUNNING"}"#)]).await;
    let time = now();
    let e = client(&server.endpoint, &time)
        .wait_for_job("j-2")
        .budget(Duration::from_secs(20))
        .wait()
        .await
        .unwrap_err();
    let w = wait_error(&e);
    assert_eq!(
        w.failure(),
        &WaitFailure::TimedOut {
            budget: Duration::from_secs(20),
            last_state: Some("RUNNING".into())
        }
    );
    assert_eq!(w.polls(), 5);
    assert_eq!(w.elapsed(), Duration::from_secs(20));
    assert_eq!(
        w.to_string(),
        "gave up waiting for job j-2 after 20s (last state RUNNING) (5 polls)"
    );
    assert!(e.is_wait_timeout());
    // The last pause is cut to end exactly at the budget.
    assert_eq!(time.sleeps(), [ms(1800), ms(3600), ms(7200), ms(7400)]);
    // An answer without a state: no last state to tell.
    let server = RawServer::start(vec![ok("{}")]).await;
    let time = now();
    let e = client(&server.endpoint, &time)
        .wait_for_job("j-3")
        .budget(Duration::from_secs(5))
        .wait()
        .await
        .unwrap_err();
    let w = wait_error(&e);
    assert_eq!(
        w.failure(),
        &WaitFailure::TimedOut {
            budget: Duration::from_secs(5),
            last_state: None
        }
    );
    assert_eq!(
        w.to_string(),
        "gave up waiting for job j-3 after 5s (3 polls)"
    );
    assert_eq!(time.sleeps(), [ms(1800), ms(3200)]);
}

#[tokio::test]
async fn the_interval_caps_the_pauses() {
    let server = RawServer::start(vec![ok(r#"{"status":"RUNNING"}"#)]).await;
    let time = now();
    let e = client(&server.endpoint, &time)
        .wait_for_job("j-4")
        .with_options(
            WaitOptions::new()
                .interval(Duration::from_secs(4))
                .budget(Duration::from_secs(10)),
        )
        .wait()
        .await
        .unwrap_err();
    assert_eq!(wait_error(&e).polls(), 5);
    assert_eq!(time.sleeps(), [ms(1800), ms(3600), ms(3600), ms(1000)]);
    // An interval under 2 s is used from the first pause.
    let time = now();
    let _ = client(&server.endpoint, &time)
        .wait_for_job("j-5")
        .interval(ms(500))
        .budget(Duration::from_secs(1))
        .wait()
        .await
        .unwrap_err();
    assert_eq!(time.sleeps(), [ms(450), ms(450), ms(100)]);
}

#[tokio::test]
async fn default_budgets_and_intervals_are_the_documented_ones() {
    let server = RawServer::start(vec![ok("{}")]).await;
    let time = now();
    let c = client(&server.endpoint, &time);
    let min = |m: u64| Duration::from_secs(m * 60);
    let cases = [
        (
            c.wait_until_instance_running("i"),
            "ShowInstance",
            min(60),
            10,
            2,
        ),
        (
            c.wait_until_instance_deleted("i"),
            "ShowInstance",
            min(15),
            10,
            2,
        ),
        (c.wait_for_job("j"), "ShowJobInfo", min(30), 10, 1),
        (
            c.wait_until_backup_done("i", "b"),
            "ListBackupRecords",
            min(30),
            10,
            1,
        ),
        (
            c.wait_until_restore_done("i", "r"),
            "ListRestoreRecords",
            min(30),
            10,
            1,
        ),
        (
            c.wait_until_account_available("i", "a"),
            "ListAclAccounts",
            min(30),
            2,
            1,
        ),
        (
            c.wait_for_bigkey_scan("i", "s"),
            "ShowBigkeyScanTaskDetails",
            min(30),
            10,
            1,
        ),
        (
            c.wait_for_hotkey_scan("i", "s"),
            "ShowHotkeyTaskDetails",
            min(30),
            10,
            1,
        ),
        (
            c.wait_for_diagnosis("i", "d"),
            "ListDiagnosisTasks",
            min(30),
            2,
            1,
        ),
        (
            c.wait_for_migration_task("t"),
            "ShowMigrationTask",
            min(30),
            10,
            1,
        ),
        (
            c.wait_for_background_task("i", "t"),
            "ListBackgroundTask",
            min(30),
            10,
            1,
        ),
    ];
    for (waiter, poll, budget, interval, confirmations) in cases {
        let spec = waiter.spec();
        assert_eq!(spec.poll, poll);
        assert_eq!(spec.budget, budget, "{poll}");
        assert_eq!(spec.interval, Duration::from_secs(interval), "{poll}");
        assert_eq!(spec.confirmations, confirmations, "{poll}");
    }
    // The default budget is the one used: a job stuck at RUNNING is given up after 30 min.
    let server = RawServer::start(vec![ok(r#"{"status":"RUNNING"}"#)]).await;
    let time = now();
    let e = client(&server.endpoint, &time)
        .wait_for_job("j")
        .wait()
        .await
        .unwrap_err();
    assert_eq!(wait_error(&e).elapsed(), min(30));
    assert_eq!(time.sleeps().iter().sum::<Duration>(), min(30));
}

#[tokio::test]
async fn a_few_failed_polls_are_tolerated_then_the_polls_error_is_returned() {
    let busy = || answer(500, &[], r#"{"error_code":"DCS.5000","error_msg":"busy"}"#);
    // Four failures in a row, then an answer: the wait goes on.
    let mut script: Vec<Raw> = (0..4).map(|_| busy()).collect();
    script.push(ok(r#"{"status":"RUNNING"}"#));
    script.extend((0..4).map(|_| busy()));
    script.push(ok(r#"{"status":"SUCCESS"}"#));
    let server = RawServer::start(script).await;
    let time = now();
    let done = client(&server.endpoint, &time)
        .wait_for_job("j-1")
        .wait()
        .await
        .unwrap();
    assert_eq!(done[0].polls, 10);
    assert_eq!(server.requests(), 10);
    // Five in a row: the fifth poll's error.
    let server = RawServer::start(vec![busy()]).await;
    let time = now();
    let e = client(&server.endpoint, &time)
        .wait_for_job("j-2")
        .wait()
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Service, "{e}");
    assert_eq!(e.status(), Some(500));
    assert_eq!(server.requests(), 5);
    // An error not worth another poll ends the wait at once.
    let server = RawServer::start(vec![answer(
        400,
        &[],
        r#"{"error_code":"DCS.4005","error_msg":"bad"}"#,
    )])
    .await;
    let time = now();
    let e = client(&server.endpoint, &time)
        .wait_for_job("j-3")
        .wait()
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(400), "{e}");
    assert_eq!(server.requests(), 1);
}

#[tokio::test]
async fn a_resource_that_disappears_ends_a_deletion_well_and_anything_else_badly() {
    use dcs_client::codes::ErrorClass;
    let gone = code_of(ErrorClass::InstanceNotFound);
    let server = RawServer::start(vec![ok(r#"{"status":"RUNNING"}"#), not_found(gone)]).await;
    let time = now();
    let done = client(&server.endpoint, &time)
        .wait_until_instance_deleted("i-1")
        .wait()
        .await
        .unwrap();
    assert_eq!(done[0].state, "DELETED");
    assert_eq!(done[0].polls, 2, "one reading of 'gone' is enough");
    assert_eq!(done[0].last, serde_json::Value::Null);
    let server = RawServer::start(vec![not_found(gone)]).await;
    let e = client(&server.endpoint, &now())
        .wait_until_instance_running("i-2")
        .wait()
        .await
        .unwrap_err();
    assert_eq!(wait_error(&e).failure(), &WaitFailure::Gone);
    assert_eq!(
        wait_error(&e).to_string(),
        "instance i-2 no longer exists (1 polls)"
    );
    // Another resource's "no such" code.
    let server = RawServer::start(vec![not_found(code_of(ErrorClass::ResourceNotFound))]).await;
    let e = client(&server.endpoint, &now())
        .wait_for_job("j-9")
        .wait()
        .await
        .unwrap_err();
    assert_eq!(wait_error(&e).failure(), &WaitFailure::Gone);
    // A 404 that names nothing (no documented code) is the poll's error, not "gone".
    let server = RawServer::start(vec![not_found("DCS.9999")]).await;
    let e = client(&server.endpoint, &now())
        .wait_for_job("j-8")
        .wait()
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Service, "{e}");
}

#[tokio::test]
async fn states_in_lists_are_found_by_the_resources_key() {
    let backups = r#"{"backup_record_response":[{"backup_id":"b-1","status":"backuping"},{"backup_id":"b-2","status":"succeed"}]}"#;
    let server = RawServer::start(vec![ok(backups)]).await;
    let done = client(&server.endpoint, &now())
        .wait_until_backup_done("i-1", "b-2")
        .wait()
        .await
        .unwrap();
    assert_eq!(done[0].resource, "resource b-2 of instance i-1");
    assert_eq!((done[0].state.as_str(), done[0].polls), ("succeed", 1));
    // Not in the list: gone.
    let e = client(&server.endpoint, &now())
        .wait_until_backup_done("i-1", "b-3")
        .wait()
        .await
        .unwrap_err();
    assert_eq!(wait_error(&e).failure(), &WaitFailure::Gone);
    // A numeric key matches its text.
    let tasks = r#"{"tasks":[{"id":6,"status":"FAILED"},{"id":7,"status":"SUCCESS"}]}"#;
    let server = RawServer::start(vec![ok(tasks)]).await;
    let done = client(&server.endpoint, &now())
        .wait_for_background_task("i-1", "7")
        .wait()
        .await
        .unwrap();
    assert_eq!(done[0].resource, "background task 7 of instance i-1");
    let e = client(&server.endpoint, &now())
        .wait_for_background_task("i-1", "6")
        .wait()
        .await
        .unwrap_err();
    assert_eq!(e.failure_state(), Some("FAILED"));
}

#[tokio::test]
async fn only_an_instance_counts_its_task_as_busy() {
    let server = RawServer::start(vec![ok(r#"{"status":"SUCCESS","task":{"name":"x"}}"#)]).await;
    let done = client(&server.endpoint, &now())
        .wait_for_job("j-1")
        .wait()
        .await
        .unwrap();
    assert_eq!(done[0].polls, 1);
}

#[tokio::test]
async fn the_resource_is_found_in_the_request_and_the_answer() {
    let server = RawServer::start(vec![ok(r#"{"status":"SUCCESS"}"#)]).await;
    let c = client(&server.endpoint, &now());
    let done = c
        .waiter_for(
            "ChangeMasterStandbyAsync",
            &json!({"instance_id": "i-1"}),
            &json!({"job_id": "j-1"}),
        )
        .unwrap()
        .wait()
        .await
        .unwrap();
    assert_eq!(done[0].resource, "job j-1 of instance i-1");
    assert_eq!(server.lines(), [format!("GET /v2/{PROJECT}/jobs/j-1")]);
    // A text answer `job_id:VALUE`.
    let done = c
        .waiter_for(
            "ChangeMasterStandbyAsync",
            &json!({"instance_id": "i-1"}),
            &json!("job_id:j-2"),
        )
        .unwrap()
        .wait()
        .await
        .unwrap();
    assert_eq!(done[0].resource, "job j-2 of instance i-1");
    // Nothing to follow: an error before any poll.
    for (request, answer, what) in [
        (
            json!({"instance_id": "i-1"}),
            json!({}),
            "ChangeMasterStandbyAsync: no id at answer.job_id",
        ),
        (
            json!({"instance_id": "i-1"}),
            json!({"job_id": ""}),
            "ChangeMasterStandbyAsync: no id at answer.job_id",
        ),
        (
            json!({}),
            json!({"job_id": "j-1"}),
            "ChangeMasterStandbyAsync: no instance id at path.instance_id",
        ),
    ] {
        let before = server.requests();
        let e = c
            .waiter_for("ChangeMasterStandbyAsync", &request, &answer)
            .unwrap()
            .wait()
            .await
            .unwrap_err();
        let w = wait_error(&e);
        assert_eq!(
            w.failure(),
            &WaitFailure::Unresolvable { what: what.into() }
        );
        assert_eq!(w.polls(), 0);
        assert_eq!(w.to_string(), format!("cannot wait: {what} (0 polls)"));
        assert_eq!(server.requests(), before);
    }
    assert!(c
        .waiter_for("ListInstances", &json!({}), &json!({}))
        .is_none());
    assert_eq!(
        DcsClient::wait_spec("CreateInstance").map(|s| s.signal),
        Some(Signal::InstanceStatus)
    );
    assert!(DcsClient::wait_spec("ListInstances").is_none());
}

#[tokio::test]
async fn a_batch_is_waited_for_resource_by_resource_in_order() {
    let gone = code_of(dcs_client::codes::ErrorClass::InstanceNotFound);
    let server = RawServer::start(vec![not_found(gone)]).await;
    let c = client(&server.endpoint, &now());
    let done = c
        .waiter_for(
            "BatchDeleteInstances",
            &json!({"body": {"instances": ["a", "b"]}}),
            &json!({}),
        )
        .unwrap()
        .wait()
        .await
        .unwrap();
    let resources: Vec<_> = done.iter().map(|d| d.resource.as_str()).collect();
    assert_eq!(resources, ["instance a", "instance b"]);
    assert_eq!(
        server.lines(),
        [
            format!("GET /v2/{PROJECT}/instances/a"),
            format!("GET /v2/{PROJECT}/instances/b")
        ]
    );
    let server = RawServer::start(vec![ok(r#"{"status":"TERMINATED"}"#)]).await;
    let done = client(&server.endpoint, &now())
        .waiter_for(
            "BatchStopMigrationTasks",
            &json!({"body": {"migration_tasks": ["m-1", "m-2"]}}),
            &json!({}),
        )
        .unwrap()
        .wait()
        .await
        .unwrap();
    let resources: Vec<_> = done.iter().map(|d| d.resource.as_str()).collect();
    assert_eq!(resources, ["resource m-1", "resource m-2"]);
}

#[tokio::test]
async fn send_and_wait_sends_once_then_polls_what_it_started() {
    let gone = code_of(dcs_client::codes::ErrorClass::InstanceNotFound);
    let server = RawServer::start(vec![
        answer(204, &[], ""),
        ok(r#"{"status":"RUNNING","task":null}"#),
        not_found(gone),
    ])
    .await;
    let time = now();
    let (seen, observe) = recorder();
    let waited = client(&server.endpoint, &time)
        .delete_single_instance("i-1")
        .send_and_wait_with(
            WaitOptions::new()
                .budget(Duration::from_secs(60))
                .on_observe(observe),
        )
        .await
        .unwrap();
    assert_eq!(waited.output.status(), 204);
    assert_eq!(waited.completions.len(), 1);
    assert_eq!(waited.completions[0].state, "DELETED");
    assert_eq!(seen.lock().unwrap().len(), 2);
    assert_eq!(
        server.lines(),
        [
            format!("DELETE /v2/{PROJECT}/instances/i-1"),
            format!("GET /v2/{PROJECT}/instances/i-1"),
            format!("GET /v2/{PROJECT}/instances/i-1"),
        ]
    );
    // A send that fails is not waited for.
    let server = RawServer::start(vec![answer(
        400,
        &[],
        r#"{"error_code":"DCS.4005","error_msg":"bad"}"#,
    )])
    .await;
    let e = client(&server.endpoint, &now())
        .delete_single_instance("i-1")
        .send_and_wait()
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(400));
    assert_eq!(server.requests(), 1);
}

#[test]
fn wait_options_show_what_is_set() {
    assert_eq!(
        format!(
            "{:?}",
            WaitOptions::new()
                .budget(Duration::from_secs(5))
                .on_observe(|_| {})
        ),
        "WaitOptions { budget: Some(5s), interval: None, observer: true }"
    );
    assert_eq!(
        format!("{:?}", WaitOptions::new().interval(ms(1500))),
        "WaitOptions { budget: None, interval: Some(1.5s), observer: false }"
    );
}

/// Every failure state of a migration task ends its wait at once and is named, the two the
/// emulator never reaches (`MIGRATION_FAILED`, `RELEASED`) included.
#[tokio::test]
async fn every_failure_state_of_a_migration_task_ends_its_wait() {
    for state in ["FAILED", "MIGRATION_FAILED", "TERMINATED", "RELEASED"] {
        let server = RawServer::start(vec![
            ok(r#"{"status":"MIGRATING"}"#),
            ok(&format!(r#"{{"status":"{state}"}}"#)),
            ok(r#"{"status":"SUCCESS"}"#),
        ])
        .await;
        let time = now();
        let e = client(&server.endpoint, &time)
            .wait_for_migration_task("t-1")
            .wait()
            .await
            .unwrap_err();
        assert_eq!(e.failure_state(), Some(state), "{e}");
        assert_eq!(server.requests(), 2, "{state}");
    }
}
