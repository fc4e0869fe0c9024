//! `dcs tasks`: list, delete (by id or in bulk), and wait for Task Center tasks.

use crate::bulk::{self, Summary};
use crate::hints::explain;
use crate::output::{self, Format};
use crate::when;
use dcs_client::types::ListCenterTasksResp;
use dcs_client::DcsClient;
use std::collections::HashSet;
use std::io::{BufRead, IsTerminal};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

/// Columns of the task table.
pub const COLUMNS: &[&str] = &["id", "name", "status", "created_at", "user_name"];

/// Which tasks: `--status`, `--name`, `--since`, `--until`, `--older-than`. The service is
/// asked to filter by time (`start_time`, `end_time`), but every criterion is checked again on
/// every task it answers with: a service that ignores a filter cannot widen the selection.
#[derive(Debug, Default, Clone)]
pub struct Selection {
    /// Status, compared without regard to case (`SUCCESS`, `FAILED`, `RUNNING`...).
    pub status: Option<String>,
    /// Task name, compared without regard to case (`EXTEND`, `BindEip`...).
    pub name: Option<String>,
    /// Created at or after (seconds since the epoch); sent as `start_time`.
    pub since: Option<i64>,
    /// Created at or before; sent as `end_time`.
    pub until: Option<i64>,
    /// Created before (seconds since the epoch): `--older-than`.
    pub created_before: Option<i64>,
}

impl Selection {
    fn matches(&self, t: &ListCenterTasksResp) -> bool {
        let eq = |want: &Option<String>, got: Option<&str>| match want {
            None => true,
            Some(w) => got.is_some_and(|g| g.eq_ignore_ascii_case(w)),
        };
        if !eq(&self.status, t.status.as_deref())
            || !eq(&self.name, t.name.as_ref().map(|n| n.as_str()))
        {
            return false;
        }
        if self.created_before.is_none() && self.since.is_none() && self.until.is_none() {
            return true;
        }
        // A task whose creation time cannot be read is in no time window.
        let Some(created) = t.created_at.as_deref().and_then(when::parse_timestamp) else {
            return false;
        };
        self.created_before.is_none_or(|before| created < before)
            && self.since.is_none_or(|since| created >= since)
            && self.until.is_none_or(|until| created <= until)
    }
}

/// Walks the tasks that match `sel`, page by page (every page with `all`, else until
/// `limit` match), handing each to `keep`; only what `keep` keeps stays in memory. A task
/// the service lists again (pages that overlap) is handed over once: its first sighting.
async fn walk<T>(
    client: &DcsClient,
    sel: &Selection,
    all: bool,
    limit: usize,
    mut keep: impl FnMut(ListCenterTasksResp) -> Option<T>,
) -> Result<Vec<T>, dcs_client::Error> {
    let mut call = client.list_center_task().limit(1000);
    if let Some(s) = sel.since {
        call = call.start_time(when::compact_utc(s));
    }
    if let Some(u) = sel.until {
        call = call.end_time(when::compact_utc(u));
    }
    let mut items = call.into_paginator().items();
    let mut out = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    while let Some(t) = items.next().await {
        let t = t?;
        if let Some(id) = &t.id {
            if !seen.insert(id.clone()) {
                continue;
            }
        }
        if sel.matches(&t) {
            if let Some(k) = keep(t) {
                out.push(k);
            }
            if !all && out.len() >= limit {
                break;
            }
        }
    }
    Ok(out)
}

/// Lists tasks that match `sel`: every page with `all`, else until `limit` match.
pub async fn select(
    client: &DcsClient,
    sel: &Selection,
    all: bool,
    limit: usize,
) -> Result<Vec<ListCenterTasksResp>, dcs_client::Error> {
    walk(client, sel, all, limit, Some).await
}

fn to_json(tasks: &[ListCenterTasksResp]) -> Vec<serde_json::Value> {
    tasks
        .iter()
        .map(|t| serde_json::to_value(t).unwrap_or_default())
        .collect()
}

/// `dcs tasks list`.
pub async fn list(
    client: &DcsClient,
    sel: &Selection,
    all: bool,
    limit: usize,
    format: Format,
    query: Option<&str>,
) -> ExitCode {
    let tasks = match select(client, sel, all, limit).await {
        Ok(t) => t,
        Err(e) => return fail_sdk(&e),
    };
    let records = to_json(&tasks);
    let doc = serde_json::Value::Array(records.clone());
    match query {
        Some(q) => match output::query(&doc, q) {
            Ok(v) => {
                let recs = v.as_array().cloned().unwrap_or_default();
                if format != Format::Json && recs.iter().all(|r| r.is_object()) && !recs.is_empty()
                {
                    let cols: Vec<String> = recs[0]
                        .as_object()
                        .map(|m| m.keys().cloned().collect())
                        .unwrap_or_default();
                    let cols: Vec<&str> = cols.iter().map(String::as_str).collect();
                    output::print(&output::render(format, &v, &recs, &cols));
                } else {
                    output::print(&output::render(Format::Json, &v, &[], &[]));
                }
            }
            Err(e) => {
                errln!("dcs: {e}");
                return ExitCode::from(2);
            }
        },
        None => output::print(&output::render(format, &doc, &records, COLUMNS)),
    }
    ExitCode::SUCCESS
}

pub(crate) fn fail_sdk(e: &dcs_client::Error) -> ExitCode {
    errln!("dcs: {}", explain(e));
    ExitCode::from(match e.kind() {
        dcs_client::ErrorKind::Service | dcs_client::ErrorKind::Paging => 1,
        dcs_client::ErrorKind::InvalidInput | dcs_client::ErrorKind::Config => 2,
        _ => 3,
    })
}

/// Options of `dcs tasks delete`.
pub struct DeleteOpts {
    /// The ids given on the command line (empty with `--all`).
    pub ids: Vec<String>,
    /// `--all` with its selection.
    pub all: Option<Selection>,
    /// `--message`.
    pub message: Option<String>,
    /// `--dry-run`.
    pub dry_run: bool,
    /// `--yes`.
    pub yes: bool,
    /// `--concurrency`.
    pub concurrency: usize,
    /// `--output`.
    pub format: Format,
}

/// `dcs tasks delete`.
pub async fn delete(client: &DcsClient, opts: DeleteOpts) -> ExitCode {
    let (ids, statuses): (Vec<String>, Vec<String>) = match &opts.all {
        None => {
            // The same id twice on the command line is one task.
            let mut seen = HashSet::new();
            let ids = opts
                .ids
                .iter()
                .filter(|id| seen.insert(id.as_str()))
                .cloned()
                .collect();
            (ids, Vec::new())
        }
        // Only ids and statuses are kept: memory stays flat however many tasks there are.
        Some(sel) => match walk(client, sel, true, usize::MAX, |t| {
            Some((t.id?, t.status.unwrap_or_else(|| "?".into())))
        })
        .await
        {
            Ok(pairs) => pairs.into_iter().unzip(),
            Err(e) => {
                errln!("dcs: nothing was deleted: the tasks to delete could not be listed");
                return fail_sdk(&e);
            }
        },
    };
    if ids.is_empty() {
        errln!("dcs: no task matches: nothing to delete");
        return ExitCode::SUCCESS;
    }
    if opts.dry_run {
        for (i, id) in ids.iter().enumerate() {
            let id = dcs_client::sanitize(id);
            let written = match statuses.get(i) {
                Some(s) => outln!("would delete {id} ({})", dcs_client::sanitize(s)),
                None => outln!("would delete {id}"),
            };
            if !written {
                // The reader is gone (`| head`): nothing more to show.
                break;
            }
        }
        errln!(
            "dry run: {} tasks would be deleted; nothing was sent",
            ids.len()
        );
        return ExitCode::SUCCESS;
    }
    if opts.all.is_some() && !opts.yes {
        let what = if statuses.is_empty() {
            String::new()
        } else {
            format!(" ({})", bulk::count_by(statuses.iter().map(String::as_str)))
        };
        if !std::io::stdin().is_terminal() {
            errln!(
                "dcs: refusing to delete {} tasks{what} without --yes: standard input is not a terminal, so nobody can confirm",
                ids.len()
            );
            return ExitCode::from(2);
        }
        output::eprint(&format!("Delete {} tasks{what}? [y/N] ", ids.len()));
        let mut answer = String::new();
        let _ = std::io::stdin().lock().read_line(&mut answer);
        if !matches!(answer.trim(), "y" | "Y" | "yes" | "YES") {
            errln!("nothing deleted");
            return ExitCode::from(1);
        }
    }
    let stop = Arc::new(bulk::Stop::default());
    {
        let stop = stop.clone();
        tokio::spawn(async move {
            let signal = stop_signal().await;
            errln!("\ninterrupted: finishing the deletes in flight, sending no more");
            stop.request(signal);
        });
    }
    let progress: Arc<dyn bulk::Progress> = if std::io::stderr().is_terminal() {
        let bar = indicatif::ProgressBar::new(ids.len() as u64);
        bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
        if let Ok(style) = indicatif::ProgressStyle::with_template(
            "{bar:40} {pos}/{len} deleted or settled  {per_sec}  eta {eta}",
        ) {
            bar.set_style(style);
        }
        Arc::new(bulk::Bar(bar))
    } else {
        Arc::new(bulk::Lines)
    };
    let summary = bulk::delete_all(
        client,
        ids,
        opts.message.clone(),
        opts.concurrency,
        progress,
        stop.clone(),
        bulk::Pace::system(),
    )
    .await;
    report(&summary, opts.format, stop.signal())
}

/// Waits for Ctrl-C (SIGINT) or SIGTERM; the signal's number. Either one stops a bulk delete
/// the same way: no more deletes sent, those in flight finished, the summary printed.
async fn stop_signal() -> u8 {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let mut term = signal(SignalKind::terminate()).ok();
        tokio::select! {
            r = tokio::signal::ctrl_c() => {
                if r.is_err() {
                    std::future::pending::<()>().await;
                }
                2
            }
            Some(_) = async {
                match term.as_mut() {
                    Some(t) => t.recv().await,
                    None => std::future::pending().await,
                }
            } => 15,
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

/// One failure as a line: status, code and message (or the body's text), request id, and why
/// it was not sent again; all server text escaped.
fn failure_line(r: &bulk::Refused) -> String {
    let mut line = match r.status {
        Some(status) => format!(
            "HTTP {status} {} {}",
            r.code.as_deref().unwrap_or("-"),
            r.message.as_deref().unwrap_or("-")
        ),
        None => r.message.clone().unwrap_or_else(|| "-".into()),
    };
    if let Some(id) = &r.request_id {
        line.push_str(&format!(" (request id {id})"));
    }
    if let Some(d) = &r.detail {
        line.push_str("; ");
        line.push_str(d);
    }
    line
}

fn report(summary: &Summary, format: Format, signal: Option<u8>) -> ExitCode {
    if !summary.adds_up() {
        errln!("dcs: internal error: the summary does not add up to the selection");
    }
    if format == Format::Json {
        output::print(&(serde_json::to_string_pretty(summary).unwrap_or_default() + "\n"));
    } else {
        let id = |i: &str| dcs_client::sanitize(i);
        for r in &summary.refused {
            errln!("refused {}: {}", id(&r.id), failure_line(r));
        }
        for r in &summary.failed {
            errln!("failed {}: {}", id(&r.id), failure_line(r));
        }
        for i in &summary.outcome_uncertain {
            errln!("outcome uncertain {}: it may or may not be deleted", id(i));
        }
    }
    errln!("{}", summary.line());
    if summary.all_done() {
        ExitCode::SUCCESS
    } else if summary.interrupted {
        // 128 + the signal, as a shell reports a process the signal ended.
        ExitCode::from(128 + signal.unwrap_or(2))
    } else {
        ExitCode::from(1)
    }
}

/// `dcs tasks wait`: polls with backoff until the task leaves `RUNNING`. `timeout` bounds
/// the whole wait, the listing included: a slow or endless answer cannot hold it longer.
pub async fn wait(client: &DcsClient, id: &str, timeout: Duration) -> ExitCode {
    let shown = dcs_client::sanitize(id);
    let mut seen_running = false;
    match tokio::time::timeout(timeout, wait_for(client, id, &mut seen_running)).await {
        Ok(code) => code,
        Err(_) if seen_running => {
            errln!(
                "dcs: {shown} is still RUNNING after {} s",
                timeout.as_secs_f64()
            );
            ExitCode::from(124)
        }
        Err(_) => {
            errln!(
                "dcs: the Task Center did not say how {shown} is within {} s",
                timeout.as_secs_f64()
            );
            ExitCode::from(124)
        }
    }
}

async fn wait_for(client: &DcsClient, id: &str, seen_running: &mut bool) -> ExitCode {
    let shown = dcs_client::sanitize(id);
    let mut pause = Duration::from_millis(500);
    loop {
        let sel = Selection::default();
        let found = match select(client, &sel, true, usize::MAX).await {
            Ok(tasks) => tasks.into_iter().find(|t| t.id.as_deref() == Some(id)),
            Err(e) => return fail_sdk(&e),
        };
        let Some(task) = found else {
            errln!("dcs: no task {shown} in the Task Center");
            return ExitCode::from(1);
        };
        let status = task.status.clone().unwrap_or_default();
        if !status.eq_ignore_ascii_case("RUNNING") {
            outln!("{shown} {}", dcs_client::sanitize(&status));
            return if status.eq_ignore_ascii_case("SUCCESS") {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            };
        }
        *seen_running = true;
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(Duration::from_secs(10));
    }
}
