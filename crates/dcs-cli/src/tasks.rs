//! `dcs tasks`: list, delete (by id or in bulk), and wait for Task Center tasks.

use crate::bulk::{self, Summary};
use crate::output::{self, Column, Format};
use crate::report::Failure;
use crate::run::Ctx;
use crate::when;
use dcs_client::types::ListCenterTasksResp;
use dcs_client::DcsClient;
use serde_json::{json, Value};
use std::collections::HashSet;
use std::io::{BufRead, IsTerminal};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

/// The instance a task belongs to: `instance_id` in its `params` (a JSON text), or in its
/// `details`.
pub fn instance_of(params: Option<&str>, details: Option<&Value>) -> Option<String> {
    let from = |v: &Value| {
        ["instance_id", "instanceId"]
            .iter()
            .find_map(|k| v.get(*k).and_then(Value::as_str).map(str::to_string))
    };
    params
        .and_then(|p| serde_json::from_str::<Value>(p).ok())
        .as_ref()
        .and_then(from)
        .or_else(|| details.and_then(from))
}

/// Columns of the task table.
pub const COLUMNS: &[Column] = &[
    crate::field!("id"),
    crate::field!("name"),
    crate::field!("status"),
    Column {
        name: "instance",
        get: |r| {
            instance_of(r.get("params").and_then(Value::as_str), r.get("details"))
                .map(Value::String)
        },
    },
    crate::field!("created_at"),
    crate::field!("user_name"),
];

/// `1 task`, `2 tasks`.
fn tasks_word(n: usize) -> String {
    format!("{n} task{}", if n == 1 { "" } else { "s" })
}

/// Whether the service lets a task in `status` be deleted: not while it runs (`DCS.4017`).
pub fn deletable(status: &str) -> bool {
    !status.eq_ignore_ascii_case("RUNNING")
}

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
    /// Of this instance (`--instance`).
    pub instance: Option<String>,
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
        if let Some(want) = &self.instance {
            let details = t
                .details
                .as_ref()
                .and_then(|d| serde_json::to_value(d).ok());
            if instance_of(t.params.as_deref(), details.as_ref()).as_deref() != Some(want.as_str())
            {
                return false;
            }
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
pub async fn list(ctx: &Ctx, sel: &Selection, all: bool, limit: usize) -> ExitCode {
    let tasks = match select(&ctx.client, sel, all, limit).await {
        Ok(t) => t,
        Err(e) => return ctx.sdk(&e).emit(),
    };
    crate::run::show(ctx, &Value::Array(to_json(&tasks)), Some(COLUMNS))
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
    /// `--include-running`: select RUNNING tasks too (the service refuses to delete them).
    pub include_running: bool,
}

/// One task deleted by id: one result, no bulk summary.
async fn delete_one(ctx: &Ctx, id: &str, message: Option<String>) -> ExitCode {
    let mut call = ctx.client.delete_center_task(id.to_string());
    if let Some(m) = message {
        call = call.message(m);
    }
    let (result, request_id) = match call.send().await {
        Ok(out) => ("deleted", out.request_id().map(str::to_string)),
        // Only the service saying the task does not exist is "already gone".
        Err(e) if e.is_dcs_not_found() => ("already_gone", e.request_id().map(str::to_string)),
        Err(e) => return ctx.sdk(&e).emit(),
    };
    let shown = dcs_client::sanitize(id);
    match ctx.format {
        Format::Json => {
            let v = json!({ "id": id, "result": result, "request_id": request_id });
            output::print(&(serde_json::to_string_pretty(&v).unwrap_or_default() + "\n"));
        }
        _ => {
            let what = if result == "deleted" {
                "deleted"
            } else {
                "already gone"
            };
            outln!("{what} {shown}");
        }
    }
    ExitCode::SUCCESS
}

/// `dcs tasks delete`.
pub async fn delete(ctx: &Ctx, opts: DeleteOpts) -> ExitCode {
    let client = &ctx.client;
    if opts.all.is_none() && opts.ids.len() == 1 && !opts.dry_run {
        return delete_one(ctx, &opts.ids[0], opts.message.clone()).await;
    }
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
                return ctx.sdk(&e).emit();
            }
        },
    };
    // By default only what the service lets go: a running task is refused (DCS.4017).
    let asked_running = opts
        .all
        .as_ref()
        .and_then(|s| s.status.as_deref())
        .is_some_and(|s| !deletable(s));
    let (ids, statuses, left_out) = if opts.all.is_some() && !opts.include_running && !asked_running
    {
        let mut kept = (Vec::new(), Vec::new());
        let mut left_out = 0usize;
        for (id, st) in ids.into_iter().zip(statuses) {
            if deletable(&st) {
                kept.0.push(id);
                kept.1.push(st);
            } else {
                left_out += 1;
            }
        }
        (kept.0, kept.1, left_out)
    } else {
        (ids, statuses, 0)
    };
    if left_out > 0 {
        errln!(
            "{left_out} RUNNING task{} left out: the service refuses to delete a task while it runs (--include-running selects {} anyway)",
            if left_out == 1 { "" } else { "s" },
            if left_out == 1 { "it" } else { "them" }
        );
    }
    if ids.is_empty() {
        errln!("dcs: no task matches: nothing to delete");
        return ExitCode::SUCCESS;
    }
    if opts.dry_run {
        let mut refused = 0usize;
        for (i, id) in ids.iter().enumerate() {
            let id = dcs_client::sanitize(id);
            let written = match statuses.get(i) {
                Some(s) if !deletable(s) => {
                    refused += 1;
                    outln!(
                        "would be refused {id} ({}: the service refuses to delete a running task, DCS.4017)",
                        dcs_client::sanitize(s)
                    )
                }
                Some(s) => outln!("would delete {id} ({})", dcs_client::sanitize(s)),
                None => outln!("would delete {id}"),
            };
            if !written {
                // The reader is gone (`| head`): nothing more to show.
                break;
            }
        }
        if refused > 0 {
            errln!(
                "dry run: {} would be deleted, {refused} would be refused (RUNNING); nothing was sent",
                tasks_word(ids.len() - refused)
            );
        } else {
            errln!(
                "dry run: {} would be deleted; nothing was sent",
                tasks_word(ids.len())
            );
        }
        return ExitCode::SUCCESS;
    }
    if opts.all.is_some() && !opts.yes {
        let what = if statuses.is_empty() {
            String::new()
        } else {
            format!(" ({})", bulk::count_by(statuses.iter().map(String::as_str)))
        };
        if !std::io::stdin().is_terminal() {
            return Failure::invalid(format!(
                "refusing to delete {} tasks{what} without --yes: standard input is not a terminal, so nobody can confirm",
                ids.len()
            ))
            .emit();
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
            let signal = crate::wait::stop_signal().await;
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
        Arc::new(bulk::Lines::stderr())
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
pub async fn wait(ctx: &Ctx, id: &str, timeout: Duration) -> ExitCode {
    let client = &ctx.client;
    let shown = dcs_client::sanitize(id);
    let mut seen_running = false;
    match tokio::time::timeout(timeout, wait_for(ctx, client, id, &mut seen_running)).await {
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

async fn wait_for(ctx: &Ctx, client: &DcsClient, id: &str, seen_running: &mut bool) -> ExitCode {
    let shown = dcs_client::sanitize(id);
    let mut pause = Duration::from_millis(500);
    loop {
        let sel = Selection::default();
        let found = match select(client, &sel, true, usize::MAX).await {
            Ok(tasks) => tasks.into_iter().find(|t| t.id.as_deref() == Some(id)),
            Err(e) => return ctx.sdk(&e).emit(),
        };
        let Some(task) = found else {
            return Failure::new(1, "service", format!("no task {shown} in the Task Center"))
                .emit();
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
