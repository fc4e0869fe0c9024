//! Deleting Task Center tasks by the thousand: bounded concurrency, one connection per
//! worker, throttling absorbed (the whole crew pauses for the answer's `Retry-After`), a
//! summary that adds up, and a clean stop on Ctrl-C or SIGTERM.
//!
//! The workers are the only ones that send a delete again: each delete is one attempt of the
//! transport, and every requeue is paid from the client's retry budget and bounded by its
//! retry policy (the longest `Retry-After` it honours), so a throttling storm ends instead of
//! pausing for minutes per task, and a stop request ends any pause at once.

use dcs_client::{Clock, DcsClient, Error, ErrorKind, RequestOptions, Sleeper};
use serde::Serialize;
use std::collections::{HashMap, VecDeque};
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How many times one task is sent again after a throttle, a 5xx or a lost connection
/// (DELETE is idempotent: a later `DCS.4001` means an earlier attempt did it), at most; the
/// client's retry budget may end it sooner.
const MAX_REQUEUES: u32 = 8;

/// A task that did not end deleted or already gone, with what the service (or the
/// connection) said.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Refused {
    /// The task id.
    pub id: String,
    /// HTTP status.
    pub status: Option<u16>,
    /// The service's error code.
    pub code: Option<String>,
    /// The service's message, or the body's text when it is not a DCS error body (escaped).
    pub message: Option<String>,
    /// The request id, for support.
    pub request_id: Option<String>,
    /// Why it was not sent again, when it could have been (throttled past the retry policy,
    /// the retry budget spent, the run stopped).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// What happened to every selected task. The lists add up to the selection.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    /// How many tasks were selected.
    pub selected: usize,
    /// Deleted by this run.
    pub deleted: Vec<String>,
    /// Already gone: the service said so (404 with the DCS code `DCS.4001`).
    pub already_gone: Vec<String>,
    /// Refused by the service (4xx other than 404, e.g. `DCS.4017`: still running).
    pub refused: Vec<Refused>,
    /// Failed for another reason: a 404 that is not the service saying the task does not
    /// exist (an HTML page from a proxy, another DCS code), a 5xx, throttling or a transport
    /// failure that stayed after the retries allowed.
    pub failed: Vec<Refused>,
    /// Sent, but whether it was applied is not known.
    pub outcome_uncertain: Vec<String>,
    /// Never sent (the run was interrupted).
    pub not_attempted: Vec<String>,
    /// Whether a signal (Ctrl-C, SIGTERM) stopped the run.
    pub interrupted: bool,
}

impl Summary {
    /// Every selected task ended deleted or already gone.
    pub fn all_done(&self) -> bool {
        self.deleted.len() + self.already_gone.len() == self.selected
    }
    /// The counts add up to the selection.
    pub fn adds_up(&self) -> bool {
        self.deleted.len()
            + self.already_gone.len()
            + self.refused.len()
            + self.failed.len()
            + self.outcome_uncertain.len()
            + self.not_attempted.len()
            == self.selected
    }
    /// One line for people.
    pub fn line(&self) -> String {
        format!(
            "{} selected: {} deleted, {} already gone, {} refused, {} failed, {} outcome uncertain, {} not attempted{}",
            self.selected,
            self.deleted.len(),
            self.already_gone.len(),
            self.refused.len(),
            self.failed.len(),
            self.outcome_uncertain.len(),
            self.not_attempted.len(),
            if self.interrupted { " (interrupted)" } else { "" }
        )
    }
}

/// Progress reporting: a bar on a terminal, plain lines elsewhere.
pub trait Progress: Send + Sync {
    /// One more task finished.
    fn inc(&self, done: usize, total: usize);
    /// The run ended.
    fn finish(&self);
}

/// A bar on stderr.
pub struct Bar(pub indicatif::ProgressBar);

impl Progress for Bar {
    fn inc(&self, _done: usize, _total: usize) {
        self.0.inc(1);
    }
    fn finish(&self) {
        self.0.finish_and_clear();
    }
}

/// A line every 10 %, on stderr ([`Lines::stderr`]). A closed stderr loses the lines, never
/// the run.
pub struct Lines {
    out: fn(&str),
}

impl Lines {
    /// Lines on stderr.
    pub fn stderr() -> Self {
        Lines {
            out: |line| {
                errln!("{line}");
            },
        }
    }

    /// Whether `done` of `total` gets a line: every tenth of the total (every task under
    /// ten), and the last.
    fn due(done: usize, total: usize) -> bool {
        let step = (total / 10).max(1);
        done.is_multiple_of(step) || done == total
    }
}

impl Progress for Lines {
    fn inc(&self, done: usize, total: usize) {
        if Self::due(done, total) {
            (self.out)(&format!("progress: {done}/{total}"));
        }
    }
    fn finish(&self) {}
}

/// A request to stop: which signal asked (0 none), and a wake-up for everyone waiting.
#[derive(Debug, Default)]
pub struct Stop {
    signal: AtomicU8,
    wake: tokio::sync::Notify,
}

impl Stop {
    /// Asks the run to stop because of `signal` (2 for SIGINT, 15 for SIGTERM; the first one
    /// asked is kept), waking every pause at once.
    pub fn request(&self, signal: u8) {
        let _ = self
            .signal
            .compare_exchange(0, signal.max(1), Ordering::SeqCst, Ordering::SeqCst);
        self.wake.notify_waiters();
    }
    /// Whether a stop was asked.
    pub fn is_set(&self) -> bool {
        self.signal.load(Ordering::SeqCst) != 0
    }
    /// The signal that asked, if one did.
    pub fn signal(&self) -> Option<u8> {
        match self.signal.load(Ordering::SeqCst) {
            0 => None,
            s => Some(s),
        }
    }
    /// Returns once a stop is asked (at once if it already was).
    pub async fn asked(&self) {
        loop {
            let woken = self.wake.notified();
            tokio::pin!(woken);
            woken.as_mut().enable();
            if self.is_set() {
                return;
            }
            woken.await;
        }
    }
    /// Sleeps `d` on `pace`, or less when a stop is asked; whether the sleep ran its course.
    async fn sleep(&self, pace: &Pace, d: Duration) -> bool {
        if d.is_zero() {
            return !self.is_set();
        }
        tokio::select! {
            _ = pace.sleeper.sleep(d) => !self.is_set(),
            _ = self.asked() => false,
        }
    }
}

/// The time a bulk run waits on: a clock for pauses and a sleeper (injected, so tests run the
/// pauses exactly and without waiting).
#[derive(Debug, Clone)]
pub struct Pace {
    /// Measures pauses (its monotonic reading).
    pub clock: Arc<dyn Clock>,
    /// Waits.
    pub sleeper: Arc<dyn Sleeper>,
}

impl Pace {
    /// The system clock and the tokio timer.
    pub fn system() -> Self {
        Self {
            clock: Arc::new(dcs_transport::SystemClock),
            sleeper: Arc::new(dcs_transport::TokioSleeper),
        }
    }
}

/// One task waiting to be sent.
struct Entry {
    id: String,
    /// Times sent so far.
    tries: u32,
    /// The last failure, for a task sent before that must be reported without another try.
    last: Option<Refused>,
    /// Whether an earlier attempt may have been applied.
    uncertain: bool,
}

struct Shared {
    queue: Mutex<VecDeque<Entry>>,
    /// The crew's pause ends at this reading of the pace's monotonic clock.
    pause_until: Mutex<Option<Duration>>,
    throttled_in_a_row: Mutex<u32>,
    summary: Mutex<Summary>,
    done: Mutex<usize>,
}

fn record(id: &str, e: &Error, detail: Option<String>) -> Refused {
    Refused {
        id: id.to_string(),
        status: e.status(),
        code: e.error_code().map(dcs_client::sanitize),
        message: e
            .error_msg()
            .map(dcs_client::sanitize)
            .or_else(|| Some(dcs_client::sanitize(&e.to_string()))),
        request_id: e.request_id().map(dcs_client::sanitize),
        detail,
    }
}

/// A uniform number in `[0, 1)` for backoff jitter, from the standard library's random hash
/// keys (no dependency for so little).
fn jitter() -> f64 {
    let bits = std::collections::hash_map::RandomState::new()
        .build_hasher()
        .finish();
    (bits >> 11) as f64 / (1u64 << 53) as f64
}

/// What to do with a task whose attempt failed in a way worth another try.
enum Next {
    /// Send it again after this long (the whole crew waits when `crew`).
    Again { wait: Duration, crew: bool },
    /// Do not: here is why.
    GiveUp(String),
}

/// Whether a throttled or failed task may be sent again: within [`MAX_REQUEUES`], a
/// `Retry-After` the client's retry policy honours, and a retry the client's budget pays for.
fn plan(client: &DcsClient, pace: &Pace, e: &Error, tries: u32, throttled_in_a_row: u32) -> Next {
    let policy = client.config().get_retry();
    if tries > MAX_REQUEUES {
        return Next::GiveUp(format!("not sent again after {tries} attempts"));
    }
    let throttled = e.is_throttled();
    let asked = e
        .header("retry-after")
        .and_then(|v| dcs_transport::retry::parse_retry_after(v, pace.clock.now()));
    if let Some(asked) = asked {
        if asked > policy.get_max_retry_after() {
            return Next::GiveUp(format!(
                "not sent again: the service asked to wait {} s, longer than the {} s honoured",
                asked.as_secs(),
                policy.get_max_retry_after().as_secs()
            ));
        }
    }
    if !client.try_spend_retry(e.is_timeout()) {
        return Next::GiveUp("not sent again: the client's retry budget is spent".into());
    }
    let step = if throttled { throttled_in_a_row } else { tries };
    let backoff = policy.backoff(step.saturating_sub(1), jitter());
    Next::Again {
        wait: asked.map_or(backoff, |a| a.max(backoff)),
        crew: throttled,
    }
}

/// Deletes `ids` with `concurrency` workers until done or `stop` is asked; then waits for the
/// deletes in flight and reports every task. Each delete is sent as one attempt: the retries
/// are the workers' (see the module's documentation).
pub async fn delete_all(
    client: &DcsClient,
    ids: Vec<String>,
    message: Option<String>,
    concurrency: usize,
    progress: Arc<dyn Progress>,
    stop: Arc<Stop>,
    pace: Pace,
) -> Summary {
    let total = ids.len();
    let shared = Arc::new(Shared {
        queue: Mutex::new(
            ids.into_iter()
                .map(|id| Entry {
                    id,
                    tries: 0,
                    last: None,
                    uncertain: false,
                })
                .collect(),
        ),
        pause_until: Mutex::new(None),
        throttled_in_a_row: Mutex::new(0),
        summary: Mutex::new(Summary {
            selected: total,
            ..Summary::default()
        }),
        done: Mutex::new(0),
    });
    let mut workers = Vec::new();
    for _ in 0..concurrency.max(1) {
        let shared = shared.clone();
        let client = client.clone();
        let message = message.clone();
        let progress = progress.clone();
        let stop = stop.clone();
        let pace = pace.clone();
        workers.push(tokio::spawn(async move {
            worker(
                &client,
                &shared,
                message,
                progress.as_ref(),
                &stop,
                &pace,
                total,
            )
            .await
        }));
    }
    for w in workers {
        let _ = w.await;
    }
    progress.finish();
    let mut summary = shared
        .summary
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .clone();
    summary.interrupted = stop.is_set();
    let left: Vec<Entry> = shared
        .queue
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .drain(..)
        .collect();
    for e in left {
        match (e.tries, e.last) {
            (0, _) | (_, None) => summary.not_attempted.push(e.id),
            _ if e.uncertain => summary.outcome_uncertain.push(e.id),
            (_, Some(mut last)) => {
                last.detail = Some("not sent again: the run was stopped".into());
                summary.failed.push(last);
            }
        }
    }
    summary
}

async fn worker(
    client: &DcsClient,
    shared: &Shared,
    message: Option<String>,
    progress: &dyn Progress,
    stop: &Stop,
    pace: &Pace,
    total: usize,
) {
    let one_attempt = RequestOptions::new().max_attempts(1);
    loop {
        if stop.is_set() {
            return;
        }
        let pause = *shared.pause_until.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(until) = pause {
            let now = pace.clock.monotonic();
            if until > now {
                stop.sleep(pace, until - now).await;
                continue;
            }
        }
        let Some(mut entry) = shared
            .queue
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .pop_front()
        else {
            return;
        };
        let mut call = client
            .delete_center_task(entry.id.clone())
            .with_options(one_attempt.clone());
        if let Some(m) = &message {
            call = call.message(m.clone());
        }
        let result = call.send().await;
        entry.tries += 1;
        let summary = |f: &dyn Fn(&mut Summary)| {
            f(&mut shared.summary.lock().unwrap_or_else(|p| p.into_inner()));
        };
        // What became of the task: `Some(entry)` to send it again.
        let again: Option<(Entry, Duration, bool)> = match result {
            Ok(_) => {
                *shared
                    .throttled_in_a_row
                    .lock()
                    .unwrap_or_else(|p| p.into_inner()) = 0;
                summary(&|s| s.deleted.push(entry.id.clone()));
                None
            }
            // Only the service saying this task does not exist is "already gone".
            Err(e) if e.is_dcs_not_found() => {
                summary(&|s| s.already_gone.push(entry.id.clone()));
                None
            }
            // Worth another try: a throttle, a 5xx, a timeout, a failed connect, or a
            // connection lost after sending (DELETE is idempotent).
            Err(e)
                if e.is_throttled()
                    || e.is_retryable()
                    || (e.kind() == ErrorKind::Transport && e.is_outcome_uncertain()) =>
            {
                entry.uncertain |= e.is_outcome_uncertain();
                let in_a_row = if e.is_throttled() {
                    let mut n = shared
                        .throttled_in_a_row
                        .lock()
                        .unwrap_or_else(|p| p.into_inner());
                    *n += 1;
                    *n
                } else {
                    0
                };
                match plan(client, pace, &e, entry.tries, in_a_row) {
                    Next::Again { wait, crew } => {
                        entry.last = Some(record(&entry.id, &e, None));
                        Some((entry, wait, crew))
                    }
                    Next::GiveUp(why) => {
                        if entry.uncertain {
                            summary(&|s| s.outcome_uncertain.push(entry.id.clone()));
                        } else {
                            let r = record(&entry.id, &e, Some(why.clone()));
                            summary(&|s| s.failed.push(r.clone()));
                        }
                        None
                    }
                }
            }
            // A 404 that is not the service's "no such task" (an HTML page from a proxy,
            // another code) says nothing about the task: a failure, named (or, after an
            // attempt that may have been applied, an outcome nobody knows).
            Err(e) if e.status() == Some(404) => {
                if entry.uncertain {
                    summary(&|s| s.outcome_uncertain.push(entry.id.clone()));
                } else {
                    let r = record(&entry.id, &e, None);
                    summary(&|s| s.failed.push(r.clone()));
                }
                None
            }
            Err(e) if e.kind() == ErrorKind::Service && e.status().is_some_and(|s| s < 500) => {
                let r = record(&entry.id, &e, None);
                summary(&|s| s.refused.push(r.clone()));
                None
            }
            Err(e) if e.is_outcome_uncertain() || entry.uncertain => {
                summary(&|s| s.outcome_uncertain.push(entry.id.clone()));
                None
            }
            Err(e) => {
                let r = record(&entry.id, &e, None);
                summary(&|s| s.failed.push(r.clone()));
                None
            }
        };
        match again {
            Some((entry, wait, true)) => {
                // Slow the whole crew down: wait what the service asked, or back off.
                let until = pace.clock.monotonic() + wait;
                let mut p = shared.pause_until.lock().unwrap_or_else(|p| p.into_inner());
                *p = Some(p.map_or(until, |q| q.max(until)));
                drop(p);
                shared
                    .queue
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .push_back(entry);
            }
            Some((entry, wait, false)) => {
                // Only this task waits; a stop ends the wait and leaves it for the summary.
                stop.sleep(pace, wait).await;
                shared
                    .queue
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .push_back(entry);
            }
            None => {
                let done = {
                    let mut d = shared.done.lock().unwrap_or_else(|p| p.into_inner());
                    *d += 1;
                    *d
                };
                progress.inc(done, total);
            }
        }
    }
}

/// Counts per status of a list, for the confirmation prompt (statuses escaped: they come
/// from the server).
pub fn count_by<'a>(items: impl Iterator<Item = &'a str>) -> String {
    let mut m: HashMap<&str, usize> = HashMap::new();
    for s in items {
        *m.entry(s).or_default() += 1;
    }
    let mut v: Vec<_> = m.into_iter().collect();
    v.sort();
    v.iter()
        .map(|(k, n)| format!("{n} {}", dcs_client::sanitize(k)))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    //! The bulk worker's retry rules against the emulator, with injected time: every pause is
    //! recorded exactly and none is waited for.
    use super::*;
    use dcs_client::{ClientConfig, Credentials, RetryPolicy};
    use dcs_emulator::{Emulator, Fault, ScriptedFault};
    use dcs_transport::ManualTime;

    const AK: &str = "BULKTESTAK0000000001";
    const SK: &str = "bulk-test-secret-key";
    const PROJECT: &str = "0a1b2c3d4e5f40718293a4b5c6d7e8f9";

    struct Quiet;
    impl Progress for Quiet {
        fn inc(&self, _: usize, _: usize) {}
        fn finish(&self) {}
    }

    async fn setup(tasks: usize, policy: RetryPolicy) -> (Emulator, DcsClient) {
        let emu = Emulator::start().await.unwrap();
        emu.add_credentials(AK, SK, PROJECT);
        for i in 0..tasks {
            emu.seed_task(
                PROJECT,
                &format!("task-{i:04}"),
                dcs_emulator::TaskStatus::Success,
            );
        }
        let client = DcsClient::builder()
            .endpoint(emu.endpoint())
            .credentials(Credentials::new(AK, SK))
            .project_id(PROJECT)
            .config(ClientConfig::default().retry(policy))
            .build()
            .unwrap();
        (emu, client)
    }

    fn throttle(retry_after: &str) -> ScriptedFault {
        ScriptedFault::new(Fault::Status {
            status: 429,
            retry_after: Some(retry_after.into()),
        })
    }

    async fn run(client: &DcsClient, ids: Vec<String>, time: &ManualTime) -> Summary {
        let pace = Pace {
            clock: Arc::new(time.clone()),
            sleeper: Arc::new(time.clone()),
        };
        delete_all(
            client,
            ids,
            None,
            1,
            Arc::new(Quiet),
            Arc::new(Stop::default()),
            pace,
        )
        .await
    }

    fn deletes(emu: &Emulator) -> usize {
        emu.requests()
            .iter()
            .filter(|r| r.method == "DELETE")
            .count()
    }

    /// Issue 16 row 9: a throttling storm stops at the client's retry budget (4 retries
    /// here), not after 8 requeues of every task.
    #[tokio::test]
    async fn a_throttle_storm_stops_at_the_retry_budget() {
        let (emu, client) =
            setup(10, RetryPolicy::default().budget_capacity(20).retry_cost(5)).await;
        emu.set_periodic_faults("DeleteCenterTask", 1, vec![throttle("0")]);
        let ids: Vec<String> = (0..10).map(|i| format!("task-{i:04}")).collect();
        let time = ManualTime::new(std::time::SystemTime::now());
        let s = run(&client, ids, &time).await;
        assert!(s.adds_up(), "{s:?}");
        assert_eq!(s.failed.len(), 10, "{s:?}");
        assert_eq!(
            deletes(&emu),
            14,
            "10 deletes and the 4 retries the budget pays for"
        );
        assert!(
            s.failed.iter().all(|f| f.status == Some(429)
                && f.detail.as_deref()
                    == Some("not sent again: the client's retry budget is spent")),
            "{s:?}"
        );
        assert_eq!(time.sleeps().len(), 4, "one crew pause per retry");
        assert_eq!(emu.task_count(), 10);
    }

    /// Row 9: a `Retry-After` longer than the retry policy honours is not waited for (it used
    /// to be clamped to 60 s and waited 8 times).
    #[tokio::test]
    async fn a_retry_after_beyond_the_policy_is_not_waited_for() {
        let (emu, client) = setup(1, RetryPolicy::default()).await;
        emu.set_periodic_faults("DeleteCenterTask", 1, vec![throttle("3600")]);
        let time = ManualTime::new(std::time::SystemTime::now());
        let s = run(&client, vec!["task-0000".into()], &time).await;
        assert_eq!(s.failed.len(), 1, "{s:?}");
        assert_eq!(
            s.failed[0].detail.as_deref(),
            Some("not sent again: the service asked to wait 3600 s, longer than the 60 s honoured")
        );
        assert_eq!(deletes(&emu), 1);
        assert!(time.sleeps().is_empty());
    }

    /// Row 9: a `Retry-After` within the policy is waited for exactly, once, by the crew.
    #[tokio::test]
    async fn a_retry_after_within_the_policy_pauses_the_crew_that_long() {
        let (emu, client) = setup(1, RetryPolicy::default()).await;
        emu.push_fault(throttle("30"));
        let time = ManualTime::new(std::time::SystemTime::now());
        let s = run(&client, vec!["task-0000".into()], &time).await;
        assert_eq!(s.deleted, ["task-0000"], "{s:?}");
        assert_eq!(deletes(&emu), 2);
        assert_eq!(time.sleeps(), [Duration::from_secs(30)]);
    }

    /// Row 1: a 404 that is not the service's `DCS.4001` is a failure named with its status
    /// and code, never "already gone".
    #[tokio::test]
    async fn only_dcs_4001_is_already_gone() {
        let (emu, client) = setup(2, RetryPolicy::default()).await;
        emu.push_fault(ScriptedFault::new(Fault::Status {
            status: 404,
            retry_after: None,
        }));
        let time = ManualTime::new(std::time::SystemTime::now());
        let ids = vec!["task-0000".into(), "task-0001".into(), "missing".into()];
        let s = run(&client, ids, &time).await;
        // The scripted 404 carries DCS.404, not DCS.4001: a failure.
        assert_eq!(s.failed.len(), 1, "{s:?}");
        assert_eq!(s.failed[0].status, Some(404));
        assert_eq!(s.failed[0].code.as_deref(), Some("DCS.404"));
        assert!(
            emu.task_exists(PROJECT, "task-0000"),
            "it was never deleted"
        );
        // The emulator's own "no such task" is DCS.4001: gone.
        assert_eq!(s.deleted, ["task-0001"]);
        assert_eq!(s.already_gone, ["missing"]);
    }

    /// Row 1: after a 500 (which may follow the delete), a 404 that is not `DCS.4001` tells
    /// nothing: the outcome is uncertain, not "already gone" and not a plain failure.
    #[tokio::test]
    async fn a_foreign_404_after_an_uncertain_attempt_is_uncertain() {
        let (emu, client) = setup(1, RetryPolicy::default()).await;
        for status in [500, 404] {
            emu.push_fault(ScriptedFault::new(Fault::Status {
                status,
                retry_after: None,
            }));
        }
        let time = ManualTime::new(std::time::SystemTime::now());
        let s = run(&client, vec!["task-0000".into()], &time).await;
        assert_eq!(s.outcome_uncertain, ["task-0000"], "{s:?}");
        assert!(s.already_gone.is_empty() && s.failed.is_empty(), "{s:?}");
        assert_eq!(deletes(&emu), 2);
        assert_eq!(
            time.sleeps().len(),
            1,
            "one backoff before the second attempt"
        );
    }
}

#[cfg(test)]
mod promises;
