//! `dcs tasks`: list, delete (by id or in bulk), and wait for Task Center tasks.

use crate::bulk::{self, Summary};
use crate::hints::explain;
use crate::output::{self, Format};
use crate::when;
use dcs_client::types::ListCenterTasksResp;
use dcs_client::DcsClient;
use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Columns of the task table.
pub const COLUMNS: &[&str] = &["id", "name", "status", "created_at", "user_name"];

/// Which tasks: `--status`, `--name`, `--since`, `--until`, `--older-than`.
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
        if let Some(before) = self.created_before {
            // A task whose age cannot be read is not old enough to delete.
            match t.created_at.as_deref().and_then(when::parse_timestamp) {
                Some(created) if created < before => {}
                _ => return false,
            }
        }
        true
    }
}

/// Walks the tasks that match `sel`, page by page (every page with `all`, else until
/// `limit` match), handing each to `keep`; only what `keep` keeps stays in memory.
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
    while let Some(t) = items.next().await {
        let t = t?;
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
                eprintln!("dcs: {e}");
                return ExitCode::from(2);
            }
        },
        None => output::print(&output::render(format, &doc, &records, COLUMNS)),
    }
    ExitCode::SUCCESS
}

pub(crate) fn fail_sdk(e: &dcs_client::Error) -> ExitCode {
    eprintln!("dcs: {}", explain(e));
    ExitCode::from(match e.kind() {
        dcs_client::ErrorKind::Service => 1,
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
        None => (opts.ids.clone(), Vec::new()),
        // Only ids and statuses are kept: memory stays flat however many tasks there are.
        Some(sel) => match walk(client, sel, true, usize::MAX, |t| {
            Some((t.id?, t.status.unwrap_or_else(|| "?".into())))
        })
        .await
        {
            Ok(pairs) => pairs.into_iter().unzip(),
            Err(e) => return fail_sdk(&e),
        },
    };
    if ids.is_empty() {
        eprintln!("dcs: no task matches: nothing to delete");
        return ExitCode::SUCCESS;
    }
    if opts.dry_run {
        for (i, id) in ids.iter().enumerate() {
            match statuses.get(i) {
                Some(s) => println!("would delete {id} ({s})"),
                None => println!("would delete {id}"),
            }
        }
        eprintln!(
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
            eprintln!(
                "dcs: refusing to delete {} tasks{what} without --yes: standard input is not a terminal, so nobody can confirm",
                ids.len()
            );
            return ExitCode::from(2);
        }
        eprint!("Delete {} tasks{what}? [y/N] ", ids.len());
        let _ = std::io::stderr().flush();
        let mut answer = String::new();
        let _ = std::io::stdin().lock().read_line(&mut answer);
        if !matches!(answer.trim(), "y" | "Y" | "yes" | "YES") {
            eprintln!("nothing deleted");
            return ExitCode::from(1);
        }
    }
    let stop = Arc::new(AtomicBool::new(false));
    {
        let stop = stop.clone();
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                eprintln!("\ninterrupted: finishing the deletes in flight, sending no more");
                stop.store(true, Ordering::SeqCst);
            }
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
        stop,
    )
    .await;
    report(&summary, opts.format)
}

fn report(summary: &Summary, format: Format) -> ExitCode {
    if !summary.adds_up() {
        eprintln!("dcs: internal error: the summary does not add up to the selection");
    }
    if format == Format::Json {
        output::print(&(serde_json::to_string_pretty(summary).unwrap_or_default() + "\n"));
    } else {
        for r in &summary.refused {
            eprintln!(
                "refused {}: HTTP {} {} {} (request id {})",
                r.id,
                r.status.unwrap_or_default(),
                r.code.as_deref().unwrap_or("-"),
                r.message.as_deref().unwrap_or("-"),
                r.request_id.as_deref().unwrap_or("-")
            );
        }
        for r in &summary.failed {
            eprintln!("failed {}: {}", r.id, r.message.as_deref().unwrap_or("-"));
        }
        for id in &summary.outcome_uncertain {
            eprintln!("outcome uncertain {id}: it may or may not be deleted");
        }
    }
    eprintln!("{}", summary.line());
    if summary.all_done() {
        ExitCode::SUCCESS
    } else if summary.interrupted {
        ExitCode::from(130)
    } else {
        ExitCode::from(1)
    }
}

/// `dcs tasks wait`: polls with backoff until the task leaves `RUNNING`.
pub async fn wait(client: &DcsClient, id: &str, timeout: Duration) -> ExitCode {
    let deadline = Instant::now() + timeout;
    let mut pause = Duration::from_millis(500);
    loop {
        let sel = Selection::default();
        let found = match select(client, &sel, true, usize::MAX).await {
            Ok(tasks) => tasks.into_iter().find(|t| t.id.as_deref() == Some(id)),
            Err(e) => return fail_sdk(&e),
        };
        let Some(task) = found else {
            eprintln!("dcs: no task {id} in the Task Center");
            return ExitCode::from(1);
        };
        let status = task.status.clone().unwrap_or_default();
        if !status.eq_ignore_ascii_case("RUNNING") {
            println!("{id} {}", dcs_client::sanitize(&status));
            return if status.eq_ignore_ascii_case("SUCCESS") {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            };
        }
        let now = Instant::now();
        if now >= deadline {
            eprintln!("dcs: {id} is still RUNNING after {} s", timeout.as_secs());
            return ExitCode::from(124);
        }
        tokio::time::sleep(pause.min(deadline - now)).await;
        pause = (pause * 2).min(Duration::from_secs(10));
    }
}
