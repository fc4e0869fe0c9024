//! What a bulk delete promises, shown deterministically: one worker, the emulator, scripted
//! faults aimed at one task's path (so no test depends on which task a random fault hits),
//! and injected time (every pause recorded exactly, none waited for).
//!
//! A task that fails on every attempt is sent at most 1 + 8 times and lands in the list its
//! last failure says: throttled past the requeues in `failed`, a 5xx that may follow the
//! delete or a reset after sending in `outcome_uncertain`, a refusal (`DCS.4017`) in `refused`
//! after one request. The crew pauses for the service's `Retry-After`, exactly; the summary
//! adds up; a stop leaves every task in the right list.

use super::*;
use dcs_client::{ClientConfig, Credentials, RetryPolicy};
use dcs_emulator::{Emulator, Fault, ScriptedFault, TaskStatus};
use dcs_transport::ManualTime;

const AK: &str = "BULKPROMISEAK0000001";
const SK: &str = "bulk-promise-secret-key";
const PROJECT: &str = "0a1b2c3d4e5f40718293a4b5c6d7e8f9";

/// Every progress call, in order, and how many times the run finished.
#[derive(Default)]
struct Recorded {
    calls: Mutex<Vec<(usize, usize)>>,
    finished: Mutex<usize>,
}

impl Progress for Recorded {
    fn inc(&self, done: usize, total: usize) {
        self.calls.lock().unwrap().push((done, total));
    }
    fn finish(&self) {
        *self.finished.lock().unwrap() += 1;
    }
}

struct Setup {
    emu: Emulator,
    client: DcsClient,
    time: ManualTime,
}

/// The emulator with `ok` finished tasks and `running` running ones (`run-N`), and a client.
async fn setup(ok: usize, running: usize) -> Setup {
    let emu = Emulator::start().await.unwrap();
    emu.add_credentials(AK, SK, PROJECT);
    for i in 0..ok {
        emu.seed_task(PROJECT, &format!("task-{i}"), TaskStatus::Success);
    }
    for i in 0..running {
        emu.seed_task(PROJECT, &format!("run-{i}"), TaskStatus::Running);
    }
    let client = DcsClient::builder()
        .endpoint(emu.endpoint())
        .credentials(Credentials::new(AK, SK))
        .project_id(PROJECT)
        .config(ClientConfig::default().retry(RetryPolicy::default()))
        .build()
        .unwrap();
    Setup {
        emu,
        client,
        time: ManualTime::new(std::time::SystemTime::now()),
    }
}

impl Setup {
    /// Every DELETE of `id` fails with `fault` (20 of them queued, more than any run sends).
    fn always(&self, id: &str, fault: ScriptedFault) {
        for _ in 0..20 {
            self.emu
                .push_fault(fault.clone().on_path(format!("/v2/{PROJECT}/tasks/{id}")));
        }
    }

    /// DELETEs sent for `id`.
    fn deletes_of(&self, id: &str) -> usize {
        let path = format!("/v2/{PROJECT}/tasks/{id}");
        self.emu
            .requests()
            .iter()
            .filter(|r| r.method == "DELETE" && r.path == path)
            .count()
    }

    async fn run(&self, ids: &[&str]) -> Summary {
        self.run_with(ids, Arc::new(Recorded::default()), self.pace())
            .await
    }

    fn pace(&self) -> Pace {
        Pace {
            clock: Arc::new(self.time.clone()),
            sleeper: Arc::new(self.time.clone()),
        }
    }

    async fn run_with(&self, ids: &[&str], progress: Arc<Recorded>, pace: Pace) -> Summary {
        let s = delete_all(
            &self.client,
            ids.iter().map(|s| s.to_string()).collect(),
            Some("cleanup".into()),
            1,
            progress,
            Arc::new(Stop::default()),
            pace,
        )
        .await;
        assert!(s.adds_up(), "{s:?}");
        assert_eq!(s.selected, ids.len(), "{s:?}");
        s
    }
}

fn status(status: u16, retry_after: Option<&str>) -> ScriptedFault {
    ScriptedFault::new(Fault::Status {
        status,
        retry_after: retry_after.map(str::to_string),
    })
}

fn failed_ids(s: &Summary) -> Vec<&str> {
    s.failed.iter().map(|f| f.id.as_str()).collect()
}

#[tokio::test]
async fn a_task_throttled_on_every_attempt_is_sent_nine_times_then_failed() {
    let t = setup(3, 0).await;
    t.always("task-0", status(429, Some("30")));
    let s = t.run(&["task-0", "task-1", "task-2"]).await;
    assert_eq!(s.deleted, ["task-1", "task-2"], "{s:?}");
    assert_eq!(failed_ids(&s), ["task-0"]);
    let f = &s.failed[0];
    assert_eq!(f.status, Some(429));
    assert_eq!(f.code.as_deref(), Some("APIGW.0308"));
    assert_eq!(f.detail.as_deref(), Some("not sent again after 9 attempts"));
    assert!(f.request_id.is_some());
    assert_eq!(t.deletes_of("task-0"), 9, "one send and eight requeues");
    assert_eq!(t.deletes_of("task-1"), 1);
    // The whole crew paused for the service's Retry-After before each requeue, exactly.
    assert_eq!(t.time.sleeps(), vec![Duration::from_secs(30); 8]);
    assert!(t.emu.task_exists(PROJECT, "task-0"));
    assert!(!t.emu.task_exists(PROJECT, "task-1"));
}

#[tokio::test]
async fn a_retry_after_at_the_policys_limit_is_waited_for() {
    let t = setup(1, 0).await;
    t.emu.push_fault(status(429, Some("60")));
    let s = t.run(&["task-0"]).await;
    assert_eq!(s.deleted, ["task-0"], "{s:?}");
    assert_eq!(t.time.sleeps(), [Duration::from_secs(60)]);
    assert_eq!(t.deletes_of("task-0"), 2);
}

#[tokio::test]
async fn throttling_without_retry_after_backs_off_growing() {
    let t = setup(1, 0).await;
    t.always("task-0", status(429, None));
    let s = t.run(&["task-0"]).await;
    assert_eq!(failed_ids(&s), ["task-0"]);
    assert_eq!(t.deletes_of("task-0"), 9);
    let sleeps = t.time.sleeps();
    // Eight pauses at most (a zero draw of the jitter pauses nothing), each under its step's
    // ceiling (100 ms doubling per throttle in a row) ...
    assert!(sleeps.len() <= 8, "{sleeps:?}");
    // ... and growing: all eight under 100 ms has a chance of 2^-28.
    assert!(
        sleeps.iter().any(|d| *d > Duration::from_millis(100)),
        "{sleeps:?}"
    );
    assert!(
        sleeps.iter().all(|d| *d < Duration::from_millis(12_800)),
        "{sleeps:?}"
    );
}

#[tokio::test]
async fn a_500_after_the_delete_was_applied_on_every_attempt_is_an_uncertain_outcome() {
    let t = setup(2, 0).await;
    t.always("task-0", status(500, None).after_applying());
    let s = t.run(&["task-0", "task-1"]).await;
    assert_eq!(s.outcome_uncertain, ["task-0"], "{s:?}");
    assert_eq!(s.deleted, ["task-1"]);
    assert!(s.failed.is_empty() && s.already_gone.is_empty(), "{s:?}");
    assert_eq!(t.deletes_of("task-0"), 9);
    assert!(
        !t.emu.task_exists(PROJECT, "task-0"),
        "the first attempt deleted it"
    );
}

#[tokio::test]
async fn after_a_500_that_was_applied_the_services_not_found_means_already_gone() {
    let t = setup(1, 0).await;
    t.emu.push_fault(
        status(500, None)
            .after_applying()
            .on_operation("DeleteCenterTask"),
    );
    let s = t.run(&["task-0"]).await;
    assert_eq!(s.already_gone, ["task-0"], "{s:?}");
    assert_eq!(t.deletes_of("task-0"), 2);
    // One backoff before the second send: above zero, under the first step's 100 ms.
    let sleeps = t.time.sleeps();
    assert_eq!(sleeps.len(), 1, "{sleeps:?}");
    assert!(
        sleeps[0] > Duration::ZERO && sleeps[0] < Duration::from_millis(100),
        "{sleeps:?}"
    );
}

#[tokio::test]
async fn a_connection_reset_on_every_attempt_is_an_uncertain_outcome() {
    let t = setup(2, 0).await;
    t.always("task-0", ScriptedFault::new(Fault::ResetBeforeHeaders));
    let s = t.run(&["task-0", "task-1"]).await;
    assert_eq!(s.outcome_uncertain, ["task-0"], "{s:?}");
    assert_eq!(s.deleted, ["task-1"]);
    assert_eq!(t.deletes_of("task-0"), 9);
}

#[tokio::test]
async fn a_running_task_is_refused_after_one_request() {
    let t = setup(1, 1).await;
    let s = t.run(&["run-0", "task-0"]).await;
    assert_eq!(s.refused.len(), 1, "{s:?}");
    let r = &s.refused[0];
    assert_eq!(
        (r.id.as_str(), r.status, r.code.as_deref()),
        ("run-0", Some(400), Some("DCS.4017"))
    );
    assert!(r.detail.is_none());
    assert_eq!(s.deleted, ["task-0"]);
    assert_eq!(t.deletes_of("run-0"), 1, "a refusal is not sent again");
    assert!(t.time.sleeps().is_empty());
    assert!(!s.all_done());
}

#[tokio::test]
async fn a_success_whose_answer_was_cut_is_sent_once_and_uncertain() {
    let t = setup(1, 0).await;
    t.emu.push_fault(
        ScriptedFault::new(Fault::ResetMidBody { status: 200 }).on_operation("DeleteCenterTask"),
    );
    let s = t.run(&["task-0"]).await;
    assert_eq!(s.outcome_uncertain, ["task-0"], "{s:?}");
    assert_eq!(t.deletes_of("task-0"), 1);
}

#[tokio::test]
async fn an_id_refused_before_sending_is_failed_and_nothing_is_sent() {
    let t = setup(1, 0).await;
    let s = t.run(&["bad/id", "task-0"]).await;
    assert_eq!(failed_ids(&s), ["bad/id"], "{s:?}");
    assert_eq!(s.failed[0].status, None);
    assert_eq!(s.deleted, ["task-0"]);
    assert!(s.outcome_uncertain.is_empty());
    assert_eq!(
        t.emu
            .requests()
            .iter()
            .filter(|r| r.method == "DELETE")
            .count(),
        1
    );
}

#[tokio::test]
async fn every_finished_task_is_counted_once_for_progress() {
    let t = setup(3, 1).await;
    t.emu
        .push_fault(status(429, Some("5")).on_path(format!("/v2/{PROJECT}/tasks/task-1")));
    let progress = Arc::new(Recorded::default());
    let ids = ["task-0", "task-1", "run-0", "task-2", "gone"];
    let s = t.run_with(&ids, progress.clone(), t.pace()).await;
    assert_eq!(s.deleted, ["task-0", "task-2", "task-1"], "{s:?}");
    assert_eq!(s.already_gone, ["gone"]);
    assert_eq!(
        *progress.calls.lock().unwrap(),
        [(1, 5), (2, 5), (3, 5), (4, 5), (5, 5)]
    );
    assert_eq!(*progress.finished.lock().unwrap(), 1);
    assert_eq!(
        s.line(),
        "5 selected: 3 deleted, 1 already gone, 1 refused, 0 failed, 0 outcome uncertain, 0 not attempted"
    );
}

/// A sleeper that asks the run to stop the first time anyone sleeps on it.
struct StopOnSleep {
    stop: Arc<Stop>,
    time: ManualTime,
}

impl std::fmt::Debug for StopOnSleep {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StopOnSleep")
    }
}

impl Sleeper for StopOnSleep {
    fn sleep(&self, d: Duration) -> dcs_transport::time::SleepFuture {
        self.stop.request(2);
        self.time.sleep(d)
    }
}

async fn stopped_run(t: &Setup, ids: &[&str]) -> Summary {
    let stop = Arc::new(Stop::default());
    let pace = Pace {
        clock: Arc::new(t.time.clone()),
        sleeper: Arc::new(StopOnSleep {
            stop: stop.clone(),
            time: t.time.clone(),
        }),
    };
    let s = delete_all(
        &t.client,
        ids.iter().map(|s| s.to_string()).collect(),
        None,
        1,
        Arc::new(Recorded::default()),
        stop.clone(),
        pace,
    )
    .await;
    assert!(s.adds_up(), "{s:?}");
    assert!(s.interrupted);
    assert_eq!(stop.signal(), Some(2));
    s
}

#[tokio::test]
async fn a_stop_during_a_crew_pause_reports_the_throttled_task_as_failed() {
    let t = setup(3, 0).await;
    t.always("task-0", status(429, Some("30")));
    let s = stopped_run(&t, &["task-0", "task-1", "task-2"]).await;
    assert_eq!(failed_ids(&s), ["task-0"], "{s:?}");
    assert_eq!(
        s.failed[0].detail.as_deref(),
        Some("not sent again: the run was stopped")
    );
    assert_eq!(s.failed[0].status, Some(429));
    assert_eq!(s.not_attempted, ["task-1", "task-2"]);
    assert!(s.line().ends_with(" (interrupted)"), "{}", s.line());
    assert_eq!(t.deletes_of("task-0"), 1);
}

#[tokio::test]
async fn a_stop_during_a_backoff_after_a_possible_apply_reports_it_uncertain() {
    let t = setup(3, 0).await;
    t.always("task-0", status(500, None).after_applying());
    let s = stopped_run(&t, &["task-0", "task-1", "task-2"]).await;
    assert_eq!(s.not_attempted, ["task-1", "task-2"], "{s:?}");
    assert_eq!(t.deletes_of("task-0"), 1);
    assert_eq!(s.outcome_uncertain, ["task-0"], "{s:?}");
    assert!(s.failed.is_empty(), "{s:?}");
}

#[tokio::test]
async fn a_stop_wakes_a_pause_at_once_and_the_first_signal_is_kept() {
    let stop = Arc::new(Stop::default());
    assert!(!stop.is_set());
    assert_eq!(stop.signal(), None);
    let pace = Pace::system();
    // Nothing asked: a long sleep is still sleeping.
    assert!(tokio::time::timeout(
        Duration::from_millis(50),
        stop.sleep(&pace, Duration::from_secs(60))
    )
    .await
    .is_err());
    let asker = stop.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(20)).await;
        asker.request(15);
    });
    let ran_its_course = tokio::time::timeout(
        Duration::from_secs(10),
        stop.sleep(&pace, Duration::from_secs(60)),
    )
    .await
    .expect("a stop ends the pause");
    assert!(!ran_its_course);
    stop.request(2);
    assert_eq!(stop.signal(), Some(15), "the first signal is kept");
    assert!(stop.is_set());
    stop.asked().await;
    // A zero pause after a stop says so at once; one before a stop ran its course.
    assert!(!stop.sleep(&pace, Duration::ZERO).await);
    let fresh = Stop::default();
    assert!(fresh.sleep(&pace, Duration::ZERO).await);
    assert!(fresh.sleep(&pace, Duration::from_millis(1)).await);
    // A signal of 0 still counts as a stop.
    let zero = Stop::default();
    zero.request(0);
    assert_eq!(zero.signal(), Some(1));
}

#[test]
fn the_jitter_is_uniform_in_zero_to_one() {
    let draws: Vec<f64> = (0..2000).map(|_| jitter()).collect();
    assert!(draws.iter().all(|u| (0.0..1.0).contains(u)), "{draws:?}");
    let mean = draws.iter().sum::<f64>() / draws.len() as f64;
    assert!((0.4..0.6).contains(&mean), "{mean}");
    assert!(draws.iter().any(|u| *u > 0.9) && draws.iter().any(|u| *u < 0.1));
}

#[test]
fn a_summary_adds_up_only_when_every_list_counts() {
    let r = |id: &str| Refused {
        id: id.into(),
        status: None,
        code: None,
        message: None,
        request_id: None,
        detail: None,
    };
    let full = Summary {
        selected: 6,
        deleted: vec!["a".into()],
        already_gone: vec!["b".into()],
        refused: vec![r("c")],
        failed: vec![r("d")],
        outcome_uncertain: vec!["e".into()],
        not_attempted: vec!["f".into()],
        interrupted: false,
    };
    assert!(full.adds_up());
    assert!(!full.all_done());
    // Each list counts, once.
    for drop_one in 0..6 {
        let mut s = full.clone();
        match drop_one {
            0 => s.deleted.clear(),
            1 => s.already_gone.clear(),
            2 => s.refused.clear(),
            3 => s.failed.clear(),
            4 => s.outcome_uncertain.clear(),
            _ => s.not_attempted.clear(),
        }
        assert!(!s.adds_up(), "without list {drop_one}");
        s.selected = 5;
        assert!(s.adds_up(), "without list {drop_one}");
    }
    let mut two = full.clone();
    two.deleted.push("a2".into());
    assert!(!two.adds_up());
    let done = Summary {
        selected: 3,
        deleted: vec!["a".into(), "b".into()],
        already_gone: vec!["c".into()],
        ..Summary::default()
    };
    assert!(done.all_done() && done.adds_up());
    let mut not_done = done.clone();
    not_done.selected = 4;
    assert!(!not_done.all_done());
    let only_gone = Summary {
        selected: 2,
        already_gone: vec!["a".into(), "b".into()],
        ..Summary::default()
    };
    assert!(only_gone.all_done());
    assert_eq!(
        full.line(),
        "6 selected: 1 deleted, 1 already gone, 1 refused, 1 failed, 1 outcome uncertain, 1 not attempted"
    );
}

#[test]
fn counts_by_status_are_sorted_and_escaped() {
    let s = ["SUCCESS", "FAILED", "SUCCESS", "SUCCESS", "x\u{1b}[2J"];
    assert_eq!(
        count_by(s.iter().copied()),
        "1 FAILED, 3 SUCCESS, 1 x\\u{1b}[2J"
    );
    assert_eq!(count_by(std::iter::empty()), "");
}

#[test]
fn the_bar_moves_by_one_and_clears_at_the_end() {
    let bar = Bar(indicatif::ProgressBar::hidden());
    bar.0.set_length(3);
    bar.inc(1, 3);
    bar.inc(2, 3);
    assert_eq!(bar.0.position(), 2);
    bar.finish();
    assert!(bar.0.is_finished());
}

#[test]
fn progress_lines_come_every_tenth_and_at_the_end() {
    let due =
        |total: usize| -> Vec<usize> { (1..=total).filter(|d| Lines::due(*d, total)).collect() };
    assert_eq!(due(25), [2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 25]);
    assert_eq!(due(100), [10, 20, 30, 40, 50, 60, 70, 80, 90, 100]);
    assert_eq!(due(3), [1, 2, 3]);
    assert_eq!(due(1), [1]);
}

#[test]
fn progress_lines_say_how_far_the_run_is() {
    static SEEN: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());
    let lines = Lines {
        out: |l| SEEN.lock().unwrap().push(l.to_string()),
    };
    for done in 1..=20 {
        lines.inc(done, 20);
    }
    lines.finish();
    let seen = SEEN.lock().unwrap().clone();
    assert_eq!(seen.len(), 10, "{seen:?}");
    assert_eq!(seen[0], "progress: 2/20");
    assert_eq!(seen[9], "progress: 20/20");
}
