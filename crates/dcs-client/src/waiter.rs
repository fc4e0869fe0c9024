//! Waiting for asynchronous DCS work: one engine, driven by the reviewed table of how each
//! operation completes (`codegen/async.toml`, generated into `generated/waits.rs`).
//!
//! A wait polls an operation (ShowInstance, ShowJobInfo, ListBackupRecords, ...) through the
//! client (its retries, timeouts and credentials), reads the state at the place the table
//! names, and ends when:
//!
//! - the state is a success state, read `confirmations` times in a row (twice for an
//!   instance's status, which also counts as busy while ShowInstance's `task` is set);
//! - the state is a failure state: an error naming the state and the resource, at once;
//! - the resource is gone: success when waiting for a deletion, else a failure;
//! - the budget runs out: an error saying so, with the last state seen.
//!
//! Polls are spaced by a capped, jittered backoff within the budget, on the client's injected
//! clock and sleeper (so tests run on a manual clock). The wait never sends the operation
//! itself again. Dropping the future stops polling.

use crate::{DcsClient, Error};
use serde_json::Value;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// What an operation's completion is read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Signal {
    /// The instance's `status` (ShowInstance), with its `task` field counting as busy.
    InstanceStatus,
    /// A job (ShowJobInfo).
    Job,
    /// One of the instance's background tasks (ListBackgroundTask).
    BackgroundTask,
    /// A Task Center task (ListCenterTask).
    CenterTask,
    /// A status on the resource itself (a backup, an account, an analysis, ...).
    ResourceStatus,
}

/// How one asynchronous operation completes: a row of `codegen/async.toml`.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct WaitSpec {
    /// The operation that starts the work.
    pub operation: &'static str,
    /// What completion is read from.
    pub signal: Signal,
    /// States that end the wait successfully (`DELETED`: the resource no longer exists).
    pub success: &'static [&'static str],
    /// States that end the wait with an error.
    pub failure: &'static [&'static str],
    /// States documented as "still working" (any state not listed also counts as pending).
    pub pending: &'static [&'static str],
    /// The default budget.
    pub budget: Duration,
    /// The longest pause between two polls.
    pub interval: Duration,
    /// Success readings in a row that end the wait.
    pub confirmations: u32,
    /// Where the instance id comes from: `path.x`, `body.x`, `body.x[]`, `answer.x[].y`.
    pub instance: Option<&'static str>,
    /// Where the polled resource's id comes from.
    pub id: Option<&'static str>,
    /// The operation polled.
    pub poll: &'static str,
    /// Its path parameters, in order (`instance_id` takes the instance, any other the id).
    pub poll_params: &'static [&'static str],
    /// The state's place in the polled answer: `field`, `list[key=id].field`,
    /// `list[key=Value].field` or `list[].field`.
    pub status: &'static str,
}

/// What a waiter saw at one poll.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Observation {
    /// The operation waited for.
    pub operation: &'static str,
    /// The resource, e.g. `instance 2b9a...` or `job ff80...`.
    pub resource: String,
    /// The state read, or `None` when the answer held none; `DELETED` when the resource is
    /// gone.
    pub state: Option<String>,
    /// Whether the resource reported work in progress besides its state (an instance's
    /// `task`).
    pub busy: bool,
    /// Polls so far (1 for the first).
    pub poll: u32,
    /// Time since the wait began.
    pub elapsed: Duration,
}

/// How a wait ended well.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Completion {
    /// The resource that reached its state.
    pub resource: String,
    /// The instance it belongs to (or is), when there is one.
    pub instance: Option<String>,
    /// The polled resource's own id (a job, backup, restore, account name...), when it has
    /// one; for a status read from a list (`records[backup_id=id].status`), the item's key.
    pub id: Option<String>,
    /// The success state reached (`DELETED` for a deletion).
    pub state: String,
    /// Polls it took.
    pub polls: u32,
    /// Time it took.
    pub elapsed: Duration,
    /// The last answer of the poll, as JSON (`null` for a deletion).
    pub last: Value,
}

/// How a wait ended badly (inside [`Error`]; see `Error::wait_error`).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum WaitFailure {
    /// The resource reached a failure state.
    FailureState {
        /// The state.
        state: String,
    },
    /// The resource disappeared while it was expected to reach a state.
    Gone,
    /// The budget ran out before a success state.
    TimedOut {
        /// The budget.
        budget: Duration,
        /// The last state seen, if any.
        last_state: Option<String>,
    },
    /// What to wait for cannot be found (an answer without the job id, say).
    Unresolvable {
        /// What is missing.
        what: String,
    },
}

/// A wait's failure: what happened to which resource.
#[derive(Debug, Clone, PartialEq)]
pub struct WaitError {
    pub(crate) failure: WaitFailure,
    pub(crate) resource: String,
    pub(crate) polls: u32,
    pub(crate) elapsed: Duration,
}

impl WaitError {
    /// What happened.
    pub fn failure(&self) -> &WaitFailure {
        &self.failure
    }
    /// The resource waited for.
    pub fn resource(&self) -> &str {
        &self.resource
    }
    /// Polls made.
    pub fn polls(&self) -> u32 {
        self.polls
    }
    /// Time spent.
    pub fn elapsed(&self) -> Duration {
        self.elapsed
    }
}

impl fmt::Display for WaitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.failure {
            WaitFailure::FailureState { state } => {
                write!(f, "{} reached the failure state ", self.resource)?;
                crate::error::write_server_text(f, state)?;
            }
            WaitFailure::Gone => write!(f, "{} no longer exists", self.resource)?,
            WaitFailure::TimedOut { budget, last_state } => {
                write!(
                    f,
                    "gave up waiting for {} after {}s",
                    self.resource,
                    budget.as_secs()
                )?;
                if let Some(s) = last_state {
                    f.write_str(" (last state ")?;
                    crate::error::write_server_text(f, s)?;
                    f.write_str(")")?;
                }
            }
            WaitFailure::Unresolvable { what } => write!(f, "cannot wait: {what}")?,
        }
        write!(f, " ({} polls)", self.polls)
    }
}

/// A callback told about every poll.
type Observer = Arc<dyn Fn(&Observation) + Send + Sync>;

/// Per-wait settings: budget, pause between polls, an observer of every poll.
#[derive(Clone, Default)]
pub struct WaitOptions {
    budget: Option<Duration>,
    interval: Option<Duration>,
    observer: Option<Observer>,
}

impl fmt::Debug for WaitOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WaitOptions")
            .field("budget", &self.budget)
            .field("interval", &self.interval)
            .field("observer", &self.observer.is_some())
            .finish()
    }
}

impl WaitOptions {
    /// The table's defaults.
    pub fn new() -> Self {
        Self::default()
    }
    /// How long to wait at most (the table's budget when unset).
    pub fn budget(mut self, d: Duration) -> Self {
        self.budget = Some(d);
        self
    }
    /// The longest pause between two polls (the table's interval when unset).
    pub fn interval(mut self, d: Duration) -> Self {
        self.interval = Some(d);
        self
    }
    /// Called after every poll with what it saw (for progress output).
    pub fn on_observe(mut self, f: impl Fn(&Observation) + Send + Sync + 'static) -> Self {
        self.observer = Some(Arc::new(f));
        self
    }
}

/// A successful answer and the completion of the work it started.
#[derive(Debug)]
#[non_exhaustive]
pub struct Waited<T> {
    /// The operation's own answer.
    pub output: crate::Output<T>,
    /// One completion per resource waited for (several for a batch).
    pub completions: Vec<Completion>,
}

/// One resource to wait for.
#[derive(Debug, Clone)]
struct Target {
    instance: Option<String>,
    id: Option<String>,
}

impl Target {
    fn describe(&self, spec: &WaitSpec) -> String {
        let what = match spec.signal {
            Signal::InstanceStatus => "instance",
            Signal::Job => "job",
            Signal::BackgroundTask => "background task",
            Signal::CenterTask => "task",
            Signal::ResourceStatus => "resource",
        };
        match (&self.instance, &self.id) {
            (Some(i), None) => format!("instance {i}"),
            (None, Some(id)) => format!("{what} {id}"),
            (Some(i), Some(id)) => format!("{what} {id} of instance {i}"),
            (None, None) => format!("the {what} of {}", spec.operation),
        }
    }
}

/// Reads a source (`path.x`, `body.x`, `body.x[]`, `answer.a[].b`) from the request and
/// answer JSON: every value it names, as text.
pub(crate) fn resolve(source: &str, request: &Value, answer: &Value) -> Vec<String> {
    let Some((place, rest)) = source.split_once('.') else {
        return Vec::new();
    };
    let root = match place {
        "path" => request.clone(),
        "body" => request.get("body").cloned().unwrap_or(Value::Null),
        "answer" => answer_json(answer),
        _ => Value::Null,
    };
    let mut current = vec![root];
    for part in rest.split('.') {
        let (name, list) = match part.strip_suffix("[]") {
            Some(n) => (n, true),
            None => (part, false),
        };
        let mut next = Vec::new();
        for v in current {
            match v.get(name) {
                Some(Value::Array(items)) if list => next.extend(items.iter().cloned()),
                Some(x) if !list => next.push(x.clone()),
                _ => {}
            }
        }
        current = next;
    }
    current.iter().filter_map(text).collect()
}

/// An answer as JSON: a whole-body string may itself hold JSON, or be `job_id:VALUE` text
/// (how the service answers a node start or stop).
fn answer_json(answer: &Value) -> Value {
    if let Value::String(s) = answer {
        if let Ok(v @ Value::Object(_)) = serde_json::from_str::<Value>(s) {
            return v;
        }
        let mut obj = serde_json::Map::new();
        for part in s.split([',', '\n']) {
            if let Some((k, v)) = part.split_once(':') {
                let k = k.trim().trim_matches('"');
                let v = v.trim().trim_matches('"');
                if !k.is_empty() && !v.is_empty() {
                    obj.insert(k.to_string(), Value::String(v.to_string()));
                }
            }
        }
        return Value::Object(obj);
    }
    answer.clone()
}

fn text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// What a poll's answer says: the state (`None` when absent), whether the resource is gone
/// from a list, and whether it is busy.
#[derive(Debug, PartialEq)]
pub(crate) struct Reading {
    pub(crate) state: Option<String>,
    pub(crate) gone: bool,
    pub(crate) busy: bool,
}

/// Reads the state at `status` (`field`, `list[key=id].field`, `list[key=Value].field`,
/// `list[].field`) of a poll's answer.
pub(crate) fn read_state(
    status: &str,
    signal: Signal,
    answer: &Value,
    id: Option<&str>,
) -> Reading {
    let busy = signal == Signal::InstanceStatus
        && match answer.get("task") {
            None | Some(Value::Null) => false,
            Some(Value::String(s)) => !s.is_empty(),
            Some(Value::Object(o)) => !o.is_empty(),
            Some(Value::Array(a)) => !a.is_empty(),
            Some(_) => true,
        };
    let Some((list, leaf)) = status.split_once('.') else {
        return Reading {
            state: answer.get(status).and_then(text),
            gone: false,
            busy,
        };
    };
    let (name, selector) = list
        .split_once('[')
        .and_then(|(n, s)| s.strip_suffix(']').map(|s| (n, s)))
        .unwrap_or((list, ""));
    let items = answer
        .get(name)
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let found = if selector.is_empty() {
        items.first().cloned()
    } else {
        let (key, want) = selector.split_once('=').unwrap_or((selector, "id"));
        let want = if want == "id" {
            id.unwrap_or_default()
        } else {
            want
        };
        items
            .iter()
            .find(|x| x.get(key).and_then(text).as_deref() == Some(want))
            .cloned()
    };
    match found {
        Some(item) => Reading {
            state: item.get(leaf).and_then(text),
            gone: false,
            busy,
        },
        None => Reading {
            state: None,
            gone: true,
            busy,
        },
    }
}

/// The pause before poll `n` (0 first): short at first (a job often ends in seconds), then
/// doubling up to `interval`, with ±10% jitter so many waiters do not poll in step.
pub(crate) fn pause(n: u32, interval: Duration, unit: f64) -> Duration {
    let first = interval.min(Duration::from_secs(2));
    let base = first
        .checked_mul(1u32 << n.min(16))
        .unwrap_or(interval)
        .min(interval);
    base.mul_f64(0.9 + 0.2 * unit.clamp(0.0, 1.0))
}

impl DcsClient {
    /// Waits for the work operation `operation` started, from the request it sent and the
    /// answer it got (both as JSON, as `serde_json::to_value` writes them), following the
    /// reviewed table of how each operation completes. `None` when the operation finishes
    /// when it answers (or the table documents no way to see it finish).
    pub fn waiter_for(&self, operation: &str, request: &Value, answer: &Value) -> Option<Waiter> {
        let spec = crate::generated::waits::find(operation)?;
        Some(Waiter::new(self.clone(), spec, request, answer))
    }

    /// The reviewed completion of `operation`, if it is asynchronous.
    pub fn wait_spec(operation: &str) -> Option<&'static WaitSpec> {
        crate::generated::waits::find(operation)
    }
}

/// A wait being prepared: adjust it, then [`wait`](Self::wait).
#[derive(Debug)]
#[must_use = "nothing is polled until .wait().await"]
pub struct Waiter {
    client: DcsClient,
    spec: &'static WaitSpec,
    targets: Result<Vec<Target>, String>,
    options: WaitOptions,
}

impl Waiter {
    pub(crate) fn new(
        client: DcsClient,
        spec: &'static WaitSpec,
        request: &Value,
        answer: &Value,
    ) -> Self {
        let instances = spec.instance.map(|s| resolve(s, request, answer));
        let ids = spec.id.map(|s| resolve(s, request, answer));
        let targets = match (instances, ids) {
            (Some(i), _) if i.is_empty() => Err(format!(
                "{}: no instance id at {}",
                spec.operation,
                spec.instance.unwrap_or_default()
            )),
            (_, Some(d)) if d.is_empty() => Err(format!(
                "{}: no id at {}",
                spec.operation,
                spec.id.unwrap_or_default()
            )),
            (Some(i), Some(d)) if d.len() > 1 => Ok(d
                .into_iter()
                .map(|id| Target {
                    instance: i.first().cloned(),
                    id: Some(id),
                })
                .collect()),
            (Some(i), d) => Ok(i
                .into_iter()
                .map(|inst| Target {
                    instance: Some(inst),
                    id: d.as_ref().and_then(|d| d.first().cloned()),
                })
                .collect()),
            (None, Some(d)) => Ok(d
                .into_iter()
                .map(|id| Target {
                    instance: None,
                    id: Some(id),
                })
                .collect()),
            (None, None) => Err(format!("{}: nothing to wait for", spec.operation)),
        };
        Self {
            client,
            spec,
            targets,
            options: WaitOptions::default(),
        }
    }

    pub(crate) fn for_target(
        client: DcsClient,
        spec: &'static WaitSpec,
        instance: Option<String>,
        id: Option<String>,
    ) -> Self {
        Self {
            client,
            spec,
            targets: Ok(vec![Target { instance, id }]),
            options: WaitOptions::default(),
        }
    }

    /// Replaces the wait's settings.
    pub fn with_options(mut self, options: WaitOptions) -> Self {
        self.options = options;
        self
    }
    /// How long to wait at most.
    pub fn budget(mut self, d: Duration) -> Self {
        self.options.budget = Some(d);
        self
    }
    /// The longest pause between two polls.
    pub fn interval(mut self, d: Duration) -> Self {
        self.options.interval = Some(d);
        self
    }
    /// Called after every poll with what it saw.
    pub fn on_observe(mut self, f: impl Fn(&Observation) + Send + Sync + 'static) -> Self {
        self.options.observer = Some(Arc::new(f));
        self
    }
    /// What this waiter follows.
    pub fn spec(&self) -> &'static WaitSpec {
        self.spec
    }

    /// Polls until every resource reaches a success state (one completion each, in order),
    /// a failure state, or the budget's end.
    pub async fn wait(self) -> Result<Vec<Completion>, Error> {
        let spec = self.spec;
        let targets = self.targets.map_err(|what| {
            Error::wait(
                spec.operation,
                WaitError {
                    failure: WaitFailure::Unresolvable { what },
                    resource: spec.operation.to_string(),
                    polls: 0,
                    elapsed: Duration::ZERO,
                },
            )
        })?;
        let clock = self.client.clock();
        let start = clock.monotonic();
        let budget = self.options.budget.unwrap_or(spec.budget);
        let deadline = start + budget;
        let mut done = Vec::new();
        for t in targets {
            done.push(wait_one(&self.client, spec, &t, &self.options, start, deadline).await?);
        }
        Ok(done)
    }
}

/// Consecutive poll failures tolerated (each already retried by the client) before the wait
/// gives up with the poll's error.
const POLL_FAILURES: u32 = 5;

async fn wait_one(
    client: &DcsClient,
    spec: &'static WaitSpec,
    t: &Target,
    options: &WaitOptions,
    start: Duration,
    deadline: Duration,
) -> Result<Completion, Error> {
    let clock = client.clock();
    let sleeper = client.sleeper();
    let resource = t.describe(spec);
    let interval = options.interval.unwrap_or(spec.interval);
    let expect_gone = spec.success.contains(&"DELETED");
    let mut input = serde_json::Map::new();
    for p in spec.poll_params {
        let v = if *p == "instance_id" {
            &t.instance
        } else {
            &t.id
        };
        if let Some(v) = v {
            input.insert((*p).to_string(), Value::String(v.clone()));
        }
    }
    let input = Value::Object(input);
    let mut polls = 0u32;
    let mut in_a_row = 0u32;
    let mut failures = 0u32;
    let mut last_state: Option<String> = None;
    loop {
        polls += 1;
        let answer = match crate::generated::waits::poll(client, spec.poll, input.clone()) {
            Some(f) => Some(f.await),
            None => None,
        };
        let elapsed = clock.monotonic().saturating_sub(start);
        let fail = |failure| {
            Error::wait(
                spec.operation,
                WaitError {
                    failure,
                    resource: resource.clone(),
                    polls,
                    elapsed,
                },
            )
        };
        let reading = match answer {
            Some(Ok(a)) => {
                failures = 0;
                Some((read_state(spec.status, spec.signal, &a, t.id.as_deref()), a))
            }
            Some(Err(e)) if e.is_instance_not_found() || e.is_resource_not_found() => {
                failures = 0;
                Some((
                    Reading {
                        state: None,
                        gone: true,
                        busy: false,
                    },
                    Value::Null,
                ))
            }
            Some(Err(e)) if e.is_retryable() && failures + 1 < POLL_FAILURES => {
                failures += 1;
                None
            }
            Some(Err(e)) => return Err(e),
            None => {
                return Err(fail(WaitFailure::Unresolvable {
                    what: format!(
                        "polling {} needs its resource group's cargo feature",
                        spec.poll
                    ),
                }))
            }
        };
        if let Some((r, last)) = reading {
            let state = if r.gone {
                Some("DELETED".to_string())
            } else {
                r.state.clone()
            };
            if let Some(f) = &options.observer {
                f(&Observation {
                    operation: spec.operation,
                    resource: resource.clone(),
                    state: state.clone(),
                    busy: r.busy,
                    poll: polls,
                    elapsed,
                });
            }
            last_state = state.clone();
            if r.gone && !expect_gone {
                return Err(fail(WaitFailure::Gone));
            }
            match state.as_deref() {
                Some(s) if spec.failure.contains(&s) => {
                    return Err(fail(WaitFailure::FailureState {
                        state: s.to_string(),
                    }))
                }
                Some(s) if spec.success.contains(&s) && !r.busy => {
                    in_a_row += 1;
                    let needed = if r.gone { 1 } else { spec.confirmations.max(1) };
                    if in_a_row >= needed {
                        return Ok(Completion {
                            resource,
                            instance: t.instance.clone(),
                            id: t.id.clone(),
                            state: s.to_string(),
                            polls,
                            elapsed,
                            last,
                        });
                    }
                }
                _ => in_a_row = 0,
            }
        }
        let now = clock.monotonic();
        if now >= deadline {
            return Err(fail(WaitFailure::TimedOut {
                budget: deadline.saturating_sub(start),
                last_state,
            }));
        }
        let unit = client.jitter_unit();
        let d = pause(polls - 1, interval, unit).min(deadline - now);
        sleeper.sleep(d).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sources_read_path_body_and_answer() {
        let req =
            json!({"instance_id": "i-1", "body": {"instances": ["a", "b"], "account_name": "ro"}});
        let ans = json!({"instances": [{"instance_id": "x"}, {"instance_id": "y"}], "job_id": "j-1", "n": 7});
        assert_eq!(resolve("path.instance_id", &req, &ans), ["i-1"]);
        assert_eq!(resolve("body.instances[]", &req, &ans), ["a", "b"]);
        assert_eq!(resolve("body.account_name", &req, &ans), ["ro"]);
        assert_eq!(
            resolve("answer.instances[].instance_id", &req, &ans),
            ["x", "y"]
        );
        assert_eq!(resolve("answer.job_id", &req, &ans), ["j-1"]);
        assert_eq!(resolve("answer.n", &req, &ans), ["7"]);
        assert!(resolve("answer.missing", &req, &ans).is_empty());
        // `[]` says a list: a list read as one value, or one value read as a list, names
        // nothing (a table row that does not fit the answer finds no resource).
        assert!(resolve("body.instances", &req, &ans).is_empty());
        assert!(resolve("body.account_name[]", &req, &ans).is_empty());
        // A text answer: JSON inside, or `job_id:VALUE`.
        assert_eq!(
            resolve("answer.job_id", &req, &json!("{\"job_id\":\"j-2\"}")),
            ["j-2"]
        );
        assert_eq!(
            resolve("answer.job_id", &req, &json!("job_id:j-3")),
            ["j-3"]
        );
    }

    #[test]
    fn states_are_read_where_the_table_says() {
        let busy = json!({"status": "RUNNING", "task": {"name": "EXTEND"}});
        let r = read_state("status", Signal::InstanceStatus, &busy, None);
        assert_eq!(
            (r.state.as_deref(), r.busy, r.gone),
            (Some("RUNNING"), true, false)
        );
        let idle = json!({"status": "RUNNING", "task": null});
        assert!(!read_state("status", Signal::InstanceStatus, &idle, None).busy);
        let list = json!({"records": [{"backup_id": "b-1", "status": "backuping"}, {"backup_id": "b-2", "status": "succeed"}]});
        let r = read_state(
            "records[backup_id=id].status",
            Signal::ResourceStatus,
            &list,
            Some("b-2"),
        );
        assert_eq!(r.state.as_deref(), Some("succeed"));
        let r = read_state(
            "records[backup_id=id].status",
            Signal::ResourceStatus,
            &list,
            Some("b-9"),
        );
        assert!(r.gone);
        let tasks = json!({"tasks": [{"name": "AddWhitelist", "status": "EXECUTING"}, {"name": "DeleteAcl", "status": "SUCCESS"}]});
        let r = read_state(
            "tasks[name=DeleteAcl].status",
            Signal::BackgroundTask,
            &tasks,
            Some("x"),
        );
        assert_eq!(r.state.as_deref(), Some("SUCCESS"));
        let r = read_state("tasks[].status", Signal::BackgroundTask, &tasks, None);
        assert_eq!(r.state.as_deref(), Some("EXECUTING"));
    }

    #[test]
    fn pauses_grow_to_the_interval_with_bounded_jitter() {
        let i = Duration::from_secs(10);
        assert_eq!(pause(0, i, 0.5), Duration::from_secs(2));
        assert_eq!(pause(1, i, 0.5), Duration::from_secs(4));
        assert_eq!(pause(2, i, 0.5), Duration::from_secs(8));
        assert_eq!(pause(3, i, 0.5), Duration::from_secs(10));
        assert_eq!(pause(40, i, 0.5), Duration::from_secs(10));
        assert_eq!(pause(3, i, 0.0), Duration::from_secs(9));
        assert_eq!(pause(3, i, 1.0), Duration::from_secs(11));
        // An interval below 2 s is used from the start.
        assert_eq!(
            pause(0, Duration::from_millis(500), 0.5),
            Duration::from_millis(500)
        );
    }
}

/// A poll in flight: the answer as JSON.
pub(crate) type PollFuture<'a> =
    std::pin::Pin<Box<dyn std::future::Future<Output = Result<Value, Error>> + Send + 'a>>;

/// Sends the poll request `O` built from `input` (its path parameters) and gives the answer
/// as JSON read from the raw body, so fields the model lacks (ShowInstance's `task`) are kept.
pub(crate) async fn poll_typed<O: crate::Operation>(
    client: &DcsClient,
    input: Value,
) -> Result<Value, Error> {
    let request: O =
        dcs_model::strict::from_value("", &input).map_err(|e| Error::invalid(O::META.name, e))?;
    let out = client.send(request).await?;
    Ok(serde_json::from_slice(out.raw_body()).unwrap_or(Value::Null))
}

/// Sends the call once, then waits for the work it started.
#[allow(dead_code)] // used by the generated `*_and_wait` calls: none in a tasks-only build
pub(crate) async fn send_and_wait<O>(
    call: crate::CallBuilder<O>,
    spec: &'static WaitSpec,
    options: WaitOptions,
) -> Result<Waited<O::Output>, Error>
where
    O: crate::Operation,
{
    let client = call.client().clone();
    let request = serde_json::to_value(call.request()).unwrap_or(Value::Null);
    let output = call.send().await?;
    let answer = serde_json::from_slice(output.raw_body()).unwrap_or_else(|_| {
        // A text answer (a whole-body string) is kept as a JSON string.
        Value::String(String::from_utf8_lossy(output.raw_body()).into_owned())
    });
    let completions = Waiter::new(client, spec, &request, &answer)
        .with_options(options)
        .wait()
        .await?;
    Ok(Waited {
        output,
        completions,
    })
}

/// The named waiters' completions (the same rules as the table's rows).
mod named {
    use super::{Signal, WaitSpec};
    use std::time::Duration;

    #[allow(clippy::too_many_arguments)] // one row of the table, field by field
    const fn spec(
        operation: &'static str,
        signal: Signal,
        success: &'static [&'static str],
        failure: &'static [&'static str],
        budget_min: u64,
        interval_secs: u64,
        poll: &'static str,
        poll_params: &'static [&'static str],
        status: &'static str,
    ) -> WaitSpec {
        WaitSpec {
            operation,
            signal,
            success,
            failure,
            pending: &[],
            budget: Duration::from_secs(budget_min * 60),
            interval: Duration::from_secs(interval_secs),
            confirmations: if matches!(signal, Signal::InstanceStatus) {
                2
            } else {
                1
            },
            instance: None,
            id: None,
            poll,
            poll_params,
            status,
        }
    }

    pub(super) static INSTANCE_RUNNING: WaitSpec = spec(
        "ShowInstance",
        Signal::InstanceStatus,
        &["RUNNING"],
        &["CREATEFAILED", "ERROR", "FROZEN"],
        60,
        10,
        "ShowInstance",
        &["instance_id"],
        "status",
    );
    pub(super) static INSTANCE_DELETED: WaitSpec = spec(
        "ShowInstance",
        Signal::InstanceStatus,
        &["DELETED"],
        &[],
        15,
        10,
        "ShowInstance",
        &["instance_id"],
        "status",
    );
    pub(super) static JOB: WaitSpec = spec(
        "ShowJobInfo",
        Signal::Job,
        &["SUCCESS"],
        &["FAIL"],
        30,
        10,
        "ShowJobInfo",
        &["job_id"],
        "status",
    );
    pub(super) static BACKUP: WaitSpec = spec(
        "ListBackupRecords",
        Signal::ResourceStatus,
        &["succeed"],
        &["failed", "expired", "deleted"],
        30,
        10,
        "ListBackupRecords",
        &["instance_id"],
        "backup_record_response[backup_id=id].status",
    );
    pub(super) static RESTORE: WaitSpec = spec(
        "ListRestoreRecords",
        Signal::ResourceStatus,
        &["succeed"],
        &["failed"],
        30,
        10,
        "ListRestoreRecords",
        &["instance_id"],
        "restore_record_response[restore_id=id].status",
    );
    pub(super) static ACCOUNT: WaitSpec = spec(
        "ListAclAccounts",
        Signal::ResourceStatus,
        &["AVAILABLE"],
        &["CREATEFAILED", "ERROR"],
        30,
        2,
        "ListAclAccounts",
        &["instance_id"],
        "accounts[account_name=id].status",
    );
    pub(super) static BIGKEY: WaitSpec = spec(
        "ShowBigkeyScanTaskDetails",
        Signal::ResourceStatus,
        &["success"],
        &["failed"],
        30,
        10,
        "ShowBigkeyScanTaskDetails",
        &["instance_id", "bigkey_id"],
        "status",
    );
    pub(super) static HOTKEY: WaitSpec = spec(
        "ShowHotkeyTaskDetails",
        Signal::ResourceStatus,
        &["success"],
        &["failed"],
        30,
        10,
        "ShowHotkeyTaskDetails",
        &["instance_id", "hotkey_id"],
        "status",
    );
    pub(super) static DIAGNOSIS: WaitSpec = spec(
        "ListDiagnosisTasks",
        Signal::ResourceStatus,
        &["finished"],
        &[],
        30,
        2,
        "ListDiagnosisTasks",
        &["instance_id"],
        "diagnosis_report_list[report_id=id].status",
    );
    pub(super) static MIGRATION: WaitSpec = spec(
        "ShowMigrationTask",
        Signal::ResourceStatus,
        &["SUCCESS", "INCRMIGRATING", "INCRMIGEATING"],
        &["FAILED", "MIGRATION_FAILED", "TERMINATED", "RELEASED"],
        30,
        10,
        "ShowMigrationTask",
        &["task_id"],
        "status",
    );
    pub(super) static BACKGROUND_TASK: WaitSpec = spec(
        "ListBackgroundTask",
        Signal::BackgroundTask,
        &["SUCCESS"],
        &["FAILED"],
        30,
        10,
        "ListBackgroundTask",
        &["instance_id"],
        "tasks[id=id].status",
    );
}

/// # Waiting for asynchronous work
///
/// Each returns a [`Waiter`]: set its budget, interval or observer, then `wait()`. The
/// operations' own call types also have `send_and_wait()`, which sends once and waits for
/// what that operation started.
impl DcsClient {
    /// Waits until the instance is `RUNNING` and idle (two readings in a row, with
    /// ShowInstance's `task` empty); fails at once on `CREATEFAILED`, `ERROR` or `FROZEN`, or
    /// if the instance disappears. 60 minutes by default.
    pub fn wait_until_instance_running(&self, instance_id: impl Into<String>) -> Waiter {
        Waiter::for_target(
            self.clone(),
            &named::INSTANCE_RUNNING,
            Some(instance_id.into()),
            None,
        )
    }
    /// Waits until the instance no longer exists (ShowInstance answers "no such instance").
    /// 15 minutes by default.
    pub fn wait_until_instance_deleted(&self, instance_id: impl Into<String>) -> Waiter {
        Waiter::for_target(
            self.clone(),
            &named::INSTANCE_DELETED,
            Some(instance_id.into()),
            None,
        )
    }
    /// Waits until the job (`show_job_info`) is `SUCCESS`; fails at once on `FAIL`. 30
    /// minutes by default.
    pub fn wait_for_job(&self, job_id: impl Into<String>) -> Waiter {
        Waiter::for_target(self.clone(), &named::JOB, None, Some(job_id.into()))
    }
    /// Waits until the backup is `succeed`; fails at once on `failed`, `expired` or
    /// `deleted`. 30 minutes by default.
    pub fn wait_until_backup_done(
        &self,
        instance_id: impl Into<String>,
        backup_id: impl Into<String>,
    ) -> Waiter {
        Waiter::for_target(
            self.clone(),
            &named::BACKUP,
            Some(instance_id.into()),
            Some(backup_id.into()),
        )
    }
    /// Waits until the restore is `succeed`; fails at once on `failed`. 30 minutes by default.
    pub fn wait_until_restore_done(
        &self,
        instance_id: impl Into<String>,
        restore_id: impl Into<String>,
    ) -> Waiter {
        Waiter::for_target(
            self.clone(),
            &named::RESTORE,
            Some(instance_id.into()),
            Some(restore_id.into()),
        )
    }
    /// Waits until the ACL account (by name) is `AVAILABLE`; fails at once on
    /// `CREATEFAILED` or `ERROR`. 30 minutes by default.
    pub fn wait_until_account_available(
        &self,
        instance_id: impl Into<String>,
        account_name: impl Into<String>,
    ) -> Waiter {
        Waiter::for_target(
            self.clone(),
            &named::ACCOUNT,
            Some(instance_id.into()),
            Some(account_name.into()),
        )
    }
    /// Waits until the big key analysis is `success`; fails at once on `failed`.
    pub fn wait_for_bigkey_scan(
        &self,
        instance_id: impl Into<String>,
        scan_id: impl Into<String>,
    ) -> Waiter {
        Waiter::for_target(
            self.clone(),
            &named::BIGKEY,
            Some(instance_id.into()),
            Some(scan_id.into()),
        )
    }
    /// Waits until the hot key analysis is `success`; fails at once on `failed`.
    pub fn wait_for_hotkey_scan(
        &self,
        instance_id: impl Into<String>,
        scan_id: impl Into<String>,
    ) -> Waiter {
        Waiter::for_target(
            self.clone(),
            &named::HOTKEY,
            Some(instance_id.into()),
            Some(scan_id.into()),
        )
    }
    /// Waits until the diagnosis report is `finished`.
    pub fn wait_for_diagnosis(
        &self,
        instance_id: impl Into<String>,
        report_id: impl Into<String>,
    ) -> Waiter {
        Waiter::for_target(
            self.clone(),
            &named::DIAGNOSIS,
            Some(instance_id.into()),
            Some(report_id.into()),
        )
    }
    /// Waits until the migration task is `SUCCESS` (or, online, in its incremental phase);
    /// fails at once on `FAILED`, `MIGRATION_FAILED`, `TERMINATED` or `RELEASED`.
    pub fn wait_for_migration_task(&self, task_id: impl Into<String>) -> Waiter {
        Waiter::for_target(self.clone(), &named::MIGRATION, None, Some(task_id.into()))
    }
    /// Waits until the instance's background task is `SUCCESS`; fails at once on `FAILED`.
    pub fn wait_for_background_task(
        &self,
        instance_id: impl Into<String>,
        task_id: impl Into<String>,
    ) -> Waiter {
        Waiter::for_target(
            self.clone(),
            &named::BACKGROUND_TASK,
            Some(instance_id.into()),
            Some(task_id.into()),
        )
    }
}
