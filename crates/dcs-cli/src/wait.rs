//! Waiting for asynchronous DCS work from the command line: `--wait` on any operation and
//! porcelain command, and `dcs wait instance|job|backup|restore`. The SDK's waiters do the
//! polling (the reviewed table's completion signal, budget and interval); this adds what a
//! terminal needs: progress on stderr, Ctrl-C, the final state printed, and exit codes
//! (0 reached, 1 a failure state, 124 gave up waiting, 130 interrupted).

use crate::report::{self, Failure};
use dcs_client::{Completion, Observation, Waiter};
use serde_json::{json, Value};
use std::io::IsTerminal;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// `--wait-timeout` / `--timeout` and `--wait-interval` / `--interval`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Settings {
    /// The budget (the table's when unset).
    pub budget: Option<Duration>,
    /// The longest pause between polls (the table's when unset).
    pub interval: Option<Duration>,
}

/// A duration in words: `1 hour`, `30 minutes`, `90 s`.
pub fn budget_words(d: Duration) -> String {
    let s = d.as_secs();
    match s {
        3600 => "1 hour".into(),
        s if s % 3600 == 0 => format!("{} hours", s / 3600),
        s if s % 60 == 0 => format!("{} minutes", s / 60),
        s => format!("{s} s"),
    }
}

/// What the last poll saw, for progress and for the message after Ctrl-C.
#[derive(Debug, Default)]
struct Seen {
    resource: String,
    state: Option<String>,
    busy: bool,
    polls: u32,
}

/// How a wait ended, when it did not reach its state.
pub enum Ended {
    /// The SDK's error (a failure state, the budget's end, a poll that failed).
    Sdk(dcs_client::Error),
    /// A signal stopped it (2 for Ctrl-C, 15 for SIGTERM); what was seen last.
    Signal(u8, String),
}

impl Ended {
    /// The failure to report.
    pub fn failure(&self, ctx: &report::Context) -> Failure {
        match self {
            Ended::Sdk(e) => report::sdk(e, ctx),
            Ended::Signal(sig, what) => Failure::new(
                128 + sig,
                "interrupted",
                format!("interrupted: stopped waiting for {what}; the work goes on in the service"),
            ),
        }
    }
}

/// Waits with progress on stderr (a live line on a terminal, a line per change of state
/// elsewhere), ending early on Ctrl-C or SIGTERM.
pub async fn run(waiter: Waiter, settings: Settings) -> Result<Vec<Completion>, Ended> {
    let mut waiter = waiter;
    if let Some(b) = settings.budget {
        waiter = waiter.budget(b);
    }
    if let Some(i) = settings.interval {
        waiter = waiter.interval(i);
    }
    let noun = noun(waiter.spec().poll);
    let seen = Arc::new(Mutex::new(Seen::default()));
    let bar = std::io::stderr().is_terminal().then(|| {
        let bar = indicatif::ProgressBar::new_spinner();
        bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
        bar.enable_steady_tick(Duration::from_millis(120));
        bar.set_message("waiting...");
        bar
    });
    {
        let seen = seen.clone();
        let bar = bar.clone();
        waiter = waiter.on_observe(move |o: &Observation| {
            let mut s = seen.lock().unwrap_or_else(|p| p.into_inner());
            let state = o.state.clone();
            let resource = match o.resource.strip_prefix("resource ") {
                Some(rest) => format!("{noun} {rest}"),
                None => o.resource.clone(),
            };
            let changed = s.state != state || s.busy != o.busy || s.resource != resource;
            s.resource = resource.clone();
            s.state = state;
            s.busy = o.busy;
            s.polls = o.poll;
            let shown = format!(
                "{}{}",
                o.state
                    .as_deref()
                    .map(dcs_client::sanitize)
                    .unwrap_or_else(|| "no state yet".into()),
                if o.busy { " (a task is running)" } else { "" }
            );
            match &bar {
                Some(b) => b.set_message(format!(
                    "waiting for {resource}: {shown}  {} s, {} polls",
                    o.elapsed.as_secs(),
                    o.poll
                )),
                None if changed => {
                    errln!("waiting for {resource}: {shown}");
                }
                None => {}
            }
        });
    }
    let outcome = tokio::select! {
        r = waiter.wait() => r.map_err(Ended::Sdk),
        sig = stop_signal() => {
            let s = seen.lock().unwrap_or_else(|p| p.into_inner());
            let what = if s.resource.is_empty() {
                "the work to finish".to_string()
            } else {
                format!(
                    "{} (last state {})",
                    s.resource,
                    s.state.as_deref().map(dcs_client::sanitize).unwrap_or_else(|| "unknown".into())
                )
            };
            Err(Ended::Signal(sig, what))
        }
    };
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    outcome
}

/// What a resource polled by `poll` is called (the SDK says "resource" for all of them).
fn noun(poll: &str) -> &'static str {
    match poll {
        "ListBackupRecords" => "backup",
        "ListRestoreRecords" => "restore",
        "ListAclAccounts" => "account",
        "ShowBigkeyScanTaskDetails" => "big key analysis",
        "ShowHotkeyTaskDetails" => "hot key analysis",
        "ListDiagnosisTasks" => "diagnosis",
        "ShowMigrationTask" => "migration task",
        _ => "resource",
    }
}

/// Waits for Ctrl-C (SIGINT) or SIGTERM; the signal's number. The listeners are set up at
/// once, so a signal that comes as soon as the wait began is not lost.
pub async fn stop_signal() -> u8 {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let mut int = signal(SignalKind::interrupt()).ok();
        let mut term = signal(SignalKind::terminate()).ok();
        tokio::select! {
            Some(_) = async { match int.as_mut() { Some(s) => s.recv().await, None => std::future::pending().await } } => 2,
            Some(_) = async { match term.as_mut() { Some(t) => t.recv().await, None => std::future::pending().await } } => 15,
        }
    }
    #[cfg(not(unix))]
    {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
        2
    }
}

/// The final state of one completion, as JSON: the resource's own record (an instance as
/// ShowInstance gives it, a job, the backup's record out of the list polled), or, for a
/// deletion, the resource and `DELETED`.
pub fn final_state(status_path: &str, c: &Completion) -> Value {
    if c.last.is_null() {
        let mut v = json!({ "resource": c.resource, "state": c.state });
        if let Some(i) = &c.instance {
            v["instance_id"] = json!(i);
        }
        return v;
    }
    // `list[key=id].field`, `list[key=Value].field` or `list[].field`: the item.
    if let Some((list, _)) = status_path.split_once('.') {
        if let Some((name, sel)) = list
            .split_once('[')
            .and_then(|(n, s)| s.strip_suffix(']').map(|s| (n, s)))
        {
            let items = c.last.get(name).and_then(Value::as_array);
            let found = match sel.split_once('=') {
                None => items.and_then(|a| a.first()),
                Some((key, want)) => {
                    let want = if want == "id" {
                        c.id.as_deref().unwrap_or_default()
                    } else {
                        want
                    };
                    items.and_then(|a| {
                        a.iter().find(|x| match x.get(key) {
                            Some(Value::String(s)) => s == want,
                            Some(Value::Number(n)) => n.to_string() == want,
                            _ => false,
                        })
                    })
                }
            };
            if let Some(item) = found {
                return item.clone();
            }
        }
    }
    c.last.clone()
}

/// The final states of a wait: one object, or a list for several resources.
pub fn final_states(status_path: &str, done: &[Completion]) -> Value {
    match done {
        [one] => final_state(status_path, one),
        many => Value::Array(many.iter().map(|c| final_state(status_path, c)).collect()),
    }
}

/// One line on stderr saying what was reached (on a terminal only: scripts read stdout).
pub fn say_done(done: &[Completion]) {
    if !std::io::stderr().is_terminal() {
        return;
    }
    for c in done {
        errln!(
            "{}: {} after {} s ({} polls)",
            c.resource,
            dcs_client::sanitize(&c.state),
            c.elapsed.as_secs(),
            c.polls
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budgets_in_words() {
        assert_eq!(budget_words(Duration::from_secs(3600)), "1 hour");
        assert_eq!(budget_words(Duration::from_secs(7200)), "2 hours");
        assert_eq!(budget_words(Duration::from_secs(900)), "15 minutes");
        assert_eq!(budget_words(Duration::from_secs(90)), "90 s");
    }
}
