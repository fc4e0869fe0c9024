//! Waiters, on a manual clock shared by the client and the emulator (or a scripted server):
//! every sleep of a waiter moves the emulator's time, so a 60-minute wait runs in
//! milliseconds and exactly.
//!
//! - every kind of wait reaches success against the emulator's state walks;
//! - a failure state ends the wait at once, naming the state and the resource;
//! - the budget's end is its own error, with the last state;
//! - one RUNNING reading between two busy ones does not end an instance wait;
//! - dropping a waiter stops its polls;
//! - busy-aware retries send a retry-safe operation again once the instance is RUNNING, and
//!   never an unsafe one.

use dcs_client::types::{BackupStatus, JobStatus};
use dcs_client::{
    Credentials, DcsClient, ErrorKind, Observation, RequestOptions, RetryPolicy, WaitFailure,
    WaitOptions,
};
use dcs_e2e::{test_config, AK, PROJECT, SK};
use dcs_emulator::recorder::{Answer, Recorder};
use dcs_emulator::Emulator;
use dcs_transport::ManualTime;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

const INSTANCE: &str = "6b4c2a3e-9f1d-4e5a-8c7b-0123456789ab";

struct Setup {
    emu: Emulator,
    client: DcsClient,
}

/// An emulator whose clock is the client's: each waiter sleep advances both.
async fn setup(delay: Duration) -> Setup {
    let emu = Emulator::start().await.unwrap();
    emu.add_credentials(AK, SK, PROJECT);
    let time = ManualTime::new(SystemTime::now());
    emu.set_clock(Arc::new(time.clone()));
    emu.set_operation_delay(delay);
    let client = client(&emu.endpoint(), &time);
    Setup { emu, client }
}

fn client(endpoint: &str, time: &ManualTime) -> DcsClient {
    DcsClient::builder()
        .endpoint(endpoint)
        .credentials(Credentials::new(AK, SK))
        .project_id(PROJECT)
        .config(test_config().retry(RetryPolicy::disabled()))
        .clock(Arc::new(time.clone()))
        .sleeper(Arc::new(time.clone()))
        .jitter(Arc::new(|| 0.5))
        .build()
        .unwrap()
}

fn observed() -> (WaitOptions, Arc<Mutex<Vec<Observation>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let s = seen.clone();
    (
        WaitOptions::new().on_observe(move |o| s.lock().unwrap().push(o.clone())),
        seen,
    )
}

#[tokio::test]
async fn a_create_is_waited_for_until_the_instance_runs() {
    let s = setup(Duration::from_secs(120)).await;
    let (opts, seen) = observed();
    let done = s
        .client
        .create_instance()
        .name("cache-wait")
        .engine("Redis")
        .capacity(0.125)
        .spec_code("redis.single.xu1.tiny.128")
        .az_codes(["az-1"])
        .vpc_id("vpc-1")
        .subnet_id("subnet-1")
        .password("a-Strong-passw0rd")
        .send_and_wait_with(opts)
        .await
        .unwrap();
    let id = done.output.instances.as_ref().unwrap()[0]
        .instance_id
        .clone()
        .unwrap();
    assert_eq!(done.completions.len(), 1);
    assert_eq!(done.completions[0].state, "RUNNING");
    assert_eq!(done.completions[0].resource, format!("instance {id}"));
    let states: Vec<Option<String>> = seen
        .lock()
        .unwrap()
        .iter()
        .map(|o| o.state.clone())
        .collect();
    // CREATING until the 120 s delay has passed, then RUNNING twice in a row.
    assert_eq!(states.first().unwrap().as_deref(), Some("CREATING"));
    assert_eq!(
        states[states.len() - 2..],
        [Some("RUNNING".into()), Some("RUNNING".into())]
    );
    assert!(done.completions[0].elapsed >= Duration::from_secs(120));
    assert_eq!(
        s.emu.instance_status(PROJECT, &id).as_deref(),
        Some("RUNNING")
    );
}

#[tokio::test]
async fn resize_backup_restore_job_and_delete_waits_reach_their_states() {
    let s = setup(Duration::from_secs(30)).await;
    s.emu.seed_instance(PROJECT, INSTANCE, "RUNNING");
    let c = &s.client;

    c.resize_instance(INSTANCE)
        .spec_code("redis.ha.xu1.large.r2.8")
        .new_capacity(8)
        .send_and_wait()
        .await
        .unwrap();
    assert_eq!(
        s.emu.instance_status(PROJECT, INSTANCE).as_deref(),
        Some("RUNNING")
    );

    let backup = c
        .copy_instance(INSTANCE)
        .remark("w")
        .send_and_wait()
        .await
        .unwrap();
    assert_eq!(backup.completions[0].state, BackupStatus::Succeed.as_str());
    let backup_id = backup.output.backup_id.clone().unwrap();

    let restore = c
        .restore_instance(INSTANCE)
        .backup_id(backup_id.clone())
        .send_and_wait()
        .await
        .unwrap();
    assert_eq!(restore.completions[0].state, "succeed");

    let job = c
        .change_master_standby_async(INSTANCE)
        .send_and_wait()
        .await
        .unwrap();
    assert_eq!(job.completions[0].state, JobStatus::Success.as_str());
    assert!(
        job.completions[0].resource.starts_with("job "),
        "{:?}",
        job.completions
    );

    // The named waiters reach the same states from ids alone.
    c.wait_until_backup_done(INSTANCE, backup_id)
        .wait()
        .await
        .unwrap();
    c.wait_until_instance_running(INSTANCE)
        .wait()
        .await
        .unwrap();

    let gone = c
        .delete_single_instance(INSTANCE)
        .send_and_wait()
        .await
        .unwrap();
    assert_eq!(gone.completions[0].state, "DELETED");
    assert_eq!(s.emu.instance_status(PROJECT, INSTANCE), None);
}

/// A scripted server: the answers in turn, every request recorded.
async fn scripted(answers: &[(u16, &str)]) -> Recorder {
    Recorder::start(
        AK,
        SK,
        answers
            .iter()
            .map(|(s, b)| Answer::json(*s, b.as_bytes().to_vec()))
            .collect(),
    )
    .await
    .unwrap()
}

fn show(status: &str, task: &str) -> String {
    format!(r#"{{"instance_id":"{INSTANCE}","status":"{status}","task":{task}}}"#)
}

#[tokio::test]
async fn one_running_reading_between_busy_ones_does_not_end_an_instance_wait() {
    let a = [
        show("EXTENDING", "null"),
        show("RUNNING", "null"),
        show("EXTENDING", "null"),
        show("RUNNING", r#"{"name":"EXTEND"}"#),
        show("RUNNING", "null"),
        show("RUNNING", "null"),
    ];
    let server = scripted(&a.iter().map(|x| (200, x.as_str())).collect::<Vec<_>>()).await;
    let time = ManualTime::new(SystemTime::now());
    let c = client(server.endpoint(), &time);
    let done = c
        .wait_until_instance_running(INSTANCE)
        .wait()
        .await
        .unwrap();
    assert_eq!(done[0].polls, 6, "RUNNING twice in a row, idle, ends it");
    assert_eq!(server.requests().len(), 6);
    // The pauses grow to the interval (10 s): 2, 4, 8, 10, 10 s.
    assert_eq!(
        time.sleeps(),
        [2, 4, 8, 10, 10].map(Duration::from_secs).to_vec()
    );
}

#[tokio::test]
async fn a_failure_state_ends_the_wait_at_once_naming_it() {
    let server = scripted(&[(200, &show("CREATEFAILED", "null"))]).await;
    let time = ManualTime::new(SystemTime::now());
    let c = client(server.endpoint(), &time);
    let e = c
        .wait_until_instance_running(INSTANCE)
        .wait()
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Wait);
    assert_eq!(e.failure_state(), Some("CREATEFAILED"));
    assert!(!e.is_wait_timeout());
    assert!(
        e.to_string().contains(&format!(
            "instance {INSTANCE} reached the failure state CREATEFAILED"
        )),
        "{e}"
    );
    assert_eq!(server.requests().len(), 1);

    let server = scripted(&[(
        200,
        r#"{"job_id":"j-1","status":"FAIL","fail_reason":"disk"}"#,
    )])
    .await;
    let c = client(server.endpoint(), &time);
    let e = c.wait_for_job("j-1").wait().await.unwrap_err();
    assert_eq!(e.failure_state(), Some("FAIL"));
    assert_eq!(e.wait_error().unwrap().resource(), "job j-1");
}

#[tokio::test]
async fn the_budget_ends_a_wait_with_its_own_error_and_the_last_state() {
    let server = scripted(&[(200, &show("CREATING", "null"))]).await;
    let time = ManualTime::new(SystemTime::now());
    let c = client(server.endpoint(), &time);
    let e = c
        .wait_until_instance_running(INSTANCE)
        .budget(Duration::from_secs(45))
        .wait()
        .await
        .unwrap_err();
    assert!(e.is_wait_timeout(), "{e}");
    match e.wait_error().unwrap().failure() {
        WaitFailure::TimedOut { budget, last_state } => {
            assert_eq!(*budget, Duration::from_secs(45));
            assert_eq!(last_state.as_deref(), Some("CREATING"));
        }
        other => panic!("{other:?}"),
    }
    // Never slept past the budget: 2 + 4 + 8 + 10 + 10 + 10 = 44, then 1 to the deadline.
    let slept: Duration = time.sleeps().iter().sum();
    assert_eq!(slept, Duration::from_secs(45));
}

#[tokio::test]
async fn an_instance_that_disappears_fails_a_running_wait_and_ends_a_deletion_wait() {
    let gone = r#"{"error_code":"DCS.3022","error_msg":"This DCS instance does not exist"}"#;
    let server = scripted(&[(404, gone)]).await;
    let time = ManualTime::new(SystemTime::now());
    let c = client(server.endpoint(), &time);
    let e = c
        .wait_until_instance_running(INSTANCE)
        .wait()
        .await
        .unwrap_err();
    assert_eq!(e.wait_error().unwrap().failure(), &WaitFailure::Gone);
    let done = c
        .wait_until_instance_deleted(INSTANCE)
        .wait()
        .await
        .unwrap();
    assert_eq!(done[0].state, "DELETED");
    // A proxy's HTML 404 is not "gone": it fails the poll, which is the poll's error.
    let server = Recorder::start(
        AK,
        SK,
        vec![{
            let mut a = Answer::json(404, b"<html>not here</html>".to_vec());
            a.content_type = "text/html".into();
            a
        }],
    )
    .await
    .unwrap();
    let c = client(server.endpoint(), &time);
    let e = c
        .wait_until_instance_deleted(INSTANCE)
        .wait()
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Service, "{e}");
}

#[tokio::test]
async fn dropping_a_waiter_stops_its_polls() {
    let server = scripted(&[(200, &show("CREATING", "null"))]).await;
    // A sleeper that parks the waiter after its second poll.
    #[derive(Debug)]
    struct Parks(Arc<std::sync::atomic::AtomicUsize>);
    impl dcs_transport::Sleeper for Parks {
        fn sleep(&self, _d: Duration) -> dcs_transport::time::SleepFuture {
            if self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst) < 1 {
                Box::pin(async {})
            } else {
                Box::pin(std::future::pending())
            }
        }
    }
    let c = DcsClient::builder()
        .endpoint(server.endpoint())
        .credentials(Credentials::new(AK, SK))
        .project_id(PROJECT)
        .config(test_config().retry(RetryPolicy::disabled()))
        .sleeper(Arc::new(Parks(Default::default())))
        .build()
        .unwrap();
    let task = tokio::spawn(async move { c.wait_until_instance_running(INSTANCE).wait().await });
    while server.requests().len() < 2 {
        tokio::task::yield_now().await;
    }
    task.abort();
    assert!(task.await.unwrap_err().is_cancelled());
    for _ in 0..100 {
        tokio::task::yield_now().await;
    }
    assert_eq!(
        server.requests().len(),
        2,
        "no poll after the waiter was dropped"
    );
}

#[tokio::test]
async fn busy_retries_send_a_retry_safe_operation_again_once_the_instance_runs() {
    let busy = r#"{"error_code":"DCS.4026","error_msg":"Operation not allowed in the instance's current state"}"#;
    let running = show("RUNNING", "null");
    let server = scripted(&[(400, busy), (200, &running), (200, &running), (204, "")]).await;
    let time = ManualTime::new(SystemTime::now());
    let c = client(server.endpoint(), &time);
    // UpdateInstance sets absolute values: reviewed safe to send again.
    c.update_instance(INSTANCE)
        .description("new")
        .with_options(RequestOptions::new().busy_retry(Duration::from_secs(600)))
        .send()
        .await
        .unwrap();
    let methods: Vec<String> = server.requests().iter().map(|r| r.method.clone()).collect();
    assert_eq!(methods, ["PUT", "GET", "GET", "PUT"]);

    // Off by default: the refusal is the answer.
    let server = scripted(&[(400, busy)]).await;
    let c = client(server.endpoint(), &time);
    let e = c
        .update_instance(INSTANCE)
        .description("x")
        .send()
        .await
        .unwrap_err();
    assert!(e.is_instance_busy(), "{e}");
    assert_eq!(server.requests().len(), 1);

    // ResizeInstance is not safe to send twice: even with the policy on, it is sent once.
    let server = scripted(&[(400, busy), (200, &running)]).await;
    let c = client(server.endpoint(), &time);
    let e = c
        .resize_instance(INSTANCE)
        .spec_code("s")
        .new_capacity(8)
        .with_options(RequestOptions::new().busy_retry(Duration::from_secs(600)))
        .send()
        .await
        .unwrap_err();
    assert!(e.is_instance_busy(), "{e}");
    assert_eq!(server.requests().len(), 1);
}

/// The pause between looks at a busy instance is the waiter's own unless the call names one
/// (`dcs --wait-interval` does).
#[tokio::test]
async fn busy_retries_look_at_the_instance_at_the_interval_asked_for() {
    let busy = r#"{"error_code":"DCS.4026","error_msg":"Operation not allowed in the instance's current state"}"#;
    let creating = show("CREATING", "null");
    let running = show("RUNNING", "null");
    let half_second = Duration::from_millis(500);
    for interval in [Some(half_second), None] {
        let server = scripted(&[
            (400, busy),
            (200, &creating),
            (200, &creating),
            (200, &running),
            (200, &running),
            (204, ""),
        ])
        .await;
        let time = ManualTime::new(SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000));
        let c = client(server.endpoint(), &time);
        let mut options = RequestOptions::new().busy_retry(Duration::from_secs(600));
        if let Some(i) = interval {
            options = options.busy_retry_interval(i);
        }
        c.update_instance(INSTANCE)
            .description("new")
            .with_options(options)
            .send()
            .await
            .unwrap();
        let methods: Vec<String> = server.requests().iter().map(|r| r.method.clone()).collect();
        assert_eq!(methods, ["PUT", "GET", "GET", "GET", "GET", "PUT"]);
        let sleeps = time.sleeps();
        assert!(!sleeps.is_empty());
        let longest = sleeps.iter().max().copied().unwrap_or_default();
        match interval {
            Some(i) => assert!(longest <= i, "{sleeps:?}"),
            None => assert!(longest > half_second, "the waiter's own: {sleeps:?}"),
        }
    }
}
