//! Deleting Task Center tasks by the thousand: bounded concurrency, one connection per
//! worker, throttling absorbed (the whole crew pauses for the answer's `Retry-After`), a
//! summary that adds up, and a clean stop on Ctrl-C.

use dcs_client::{DcsClient, Error, ErrorKind};
use serde::Serialize;
use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How many times one task is sent again after a throttle, a 5xx or a lost connection
/// (DELETE is idempotent: a later 404 means an earlier attempt did it).
const MAX_REQUEUES: u32 = 8;

/// A task the service refused to delete (e.g. still running), with its code.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Refused {
    /// The task id.
    pub id: String,
    /// HTTP status.
    pub status: Option<u16>,
    /// The service's error code.
    pub code: Option<String>,
    /// The service's message (escaped).
    pub message: Option<String>,
    /// The request id, for support.
    pub request_id: Option<String>,
}

/// What happened to every selected task. The lists add up to the selection.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    /// How many tasks were selected.
    pub selected: usize,
    /// Deleted by this run.
    pub deleted: Vec<String>,
    /// Already gone (404 `DCS.4001`).
    pub already_gone: Vec<String>,
    /// Refused by the service (4xx other than 404, e.g. `DCS.4017`: still running).
    pub refused: Vec<Refused>,
    /// Failed for another reason (a 5xx or a transport failure that stayed after retries).
    pub failed: Vec<Refused>,
    /// Sent, but whether it was applied is not known.
    pub outcome_uncertain: Vec<String>,
    /// Never sent (the run was interrupted).
    pub not_attempted: Vec<String>,
    /// Whether Ctrl-C stopped the run.
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

/// A line on stderr every 10 %.
pub struct Lines;

impl Progress for Lines {
    fn inc(&self, done: usize, total: usize) {
        let step = (total / 10).max(1);
        if done.is_multiple_of(step) || done == total {
            eprintln!("progress: {done}/{total}");
        }
    }
    fn finish(&self) {}
}

struct Shared {
    queue: Mutex<VecDeque<(String, u32)>>,
    pause_until: Mutex<Option<Instant>>,
    throttled_in_a_row: Mutex<u32>,
    summary: Mutex<Summary>,
    done: Mutex<usize>,
}

fn refused(id: &str, e: &Error) -> Refused {
    Refused {
        id: id.to_string(),
        status: e.status(),
        code: e.error_code().map(dcs_client::sanitize),
        message: e
            .error_msg()
            .map(dcs_client::sanitize)
            .or_else(|| Some(dcs_client::sanitize(&e.to_string()))),
        request_id: e.request_id().map(dcs_client::sanitize),
    }
}

fn retry_after(e: &Error) -> Option<Duration> {
    let v = e.header("retry-after")?;
    v.trim()
        .parse::<u64>()
        .ok()
        .map(|s| Duration::from_secs(s.min(60)))
}

/// Deletes `ids` with `concurrency` workers until done or `stop` is set; then waits for the
/// deletes in flight and reports every task.
pub async fn delete_all(
    client: &DcsClient,
    ids: Vec<String>,
    message: Option<String>,
    concurrency: usize,
    progress: Arc<dyn Progress>,
    stop: Arc<AtomicBool>,
) -> Summary {
    let total = ids.len();
    let shared = Arc::new(Shared {
        queue: Mutex::new(ids.into_iter().map(|i| (i, 0)).collect()),
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
        workers.push(tokio::spawn(async move {
            worker(&client, &shared, message, progress.as_ref(), &stop, total).await
        }));
    }
    for w in workers {
        let _ = w.await;
    }
    progress.finish();
    let mut summary = shared.summary.lock().unwrap().clone();
    summary.interrupted = stop.load(Ordering::SeqCst);
    let left: Vec<String> = shared
        .queue
        .lock()
        .unwrap()
        .drain(..)
        .map(|(i, _)| i)
        .collect();
    summary.not_attempted.extend(left);
    summary
}

async fn worker(
    client: &DcsClient,
    shared: &Shared,
    message: Option<String>,
    progress: &dyn Progress,
    stop: &AtomicBool,
    total: usize,
) {
    loop {
        if stop.load(Ordering::SeqCst) {
            return;
        }
        let pause = *shared.pause_until.lock().unwrap();
        if let Some(until) = pause {
            let now = Instant::now();
            if until > now {
                tokio::time::sleep(until - now).await;
                continue;
            }
        }
        let Some((id, tries)) = shared.queue.lock().unwrap().pop_front() else {
            return;
        };
        let mut call = client.delete_center_task(id.clone());
        if let Some(m) = &message {
            call = call.message(m.clone());
        }
        let result = call.send().await;
        let requeue = |shared: &Shared| {
            shared
                .queue
                .lock()
                .unwrap()
                .push_back((id.clone(), tries + 1));
        };
        let finished = match result {
            Ok(_) => {
                *shared.throttled_in_a_row.lock().unwrap() = 0;
                shared.summary.lock().unwrap().deleted.push(id.clone());
                true
            }
            Err(e) if e.is_not_found() => {
                shared.summary.lock().unwrap().already_gone.push(id.clone());
                true
            }
            Err(e) if e.is_throttled() && tries < MAX_REQUEUES => {
                // Slow the whole crew down: wait what the service asked, or back off.
                let mut n = shared.throttled_in_a_row.lock().unwrap();
                *n += 1;
                let backoff = Duration::from_millis(100u64 << (*n).min(6));
                let wait = retry_after(&e).unwrap_or(backoff);
                *shared.pause_until.lock().unwrap() = Some(Instant::now() + wait);
                drop(n);
                requeue(shared);
                false
            }
            Err(e) if e.kind() == ErrorKind::Service && e.status().is_some_and(|s| s < 500) => {
                shared
                    .summary
                    .lock()
                    .unwrap()
                    .refused
                    .push(refused(&id, &e));
                true
            }
            Err(e) if e.is_retryable() && tries < MAX_REQUEUES => {
                requeue(shared);
                false
            }
            Err(e) if e.is_outcome_uncertain() => {
                shared
                    .summary
                    .lock()
                    .unwrap()
                    .outcome_uncertain
                    .push(id.clone());
                true
            }
            Err(e) => {
                shared.summary.lock().unwrap().failed.push(refused(&id, &e));
                true
            }
        };
        if finished {
            let done = {
                let mut d = shared.done.lock().unwrap();
                *d += 1;
                *d
            };
            progress.inc(done, total);
        }
    }
}

/// Counts per status of a list, for the confirmation prompt.
pub fn count_by<'a>(items: impl Iterator<Item = &'a str>) -> String {
    let mut m: HashMap<&str, usize> = HashMap::new();
    for s in items {
        *m.entry(s).or_default() += 1;
    }
    let mut v: Vec<_> = m.into_iter().collect();
    v.sort();
    v.iter()
        .map(|(k, n)| format!("{n} {k}"))
        .collect::<Vec<_>>()
        .join(", ")
}
