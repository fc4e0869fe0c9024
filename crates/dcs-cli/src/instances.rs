//! `dcs instances` and `dcs backups`: the daily loop (list, show, create, resize, restart,
//! delete; back up, list backups, restore), each a thin layer over the operation it names, so
//! output, `--query`, `--wait` and exit codes are those of `dcs call`.

use crate::call::CallOptions;
use crate::output::Column;
use crate::run::{self, After, Ctx};
use serde_json::{json, Map, Value};
use std::process::ExitCode;

/// The capacity in GB as the instance reports it: `capacity_minor` (which holds sizes below
/// 1 GB, such as 0.125) when present, else `capacity`.
fn capacity(r: &Value) -> Option<Value> {
    let minor = r.get("capacity_minor").and_then(|m| match m {
        Value::String(s) if !s.trim().is_empty() => Some(Value::String(s.trim().to_string())),
        Value::Number(_) => Some(m.clone()),
        _ => None,
    });
    minor.or_else(|| r.get("capacity").cloned())
}

/// Columns of the instance table.
pub const COLUMNS: &[Column] = &[
    crate::field!("instance_id"),
    crate::field!("name"),
    crate::field!("status"),
    crate::field!("engine"),
    crate::field!("engine_version"),
    Column {
        name: "capacity",
        get: capacity,
    },
    crate::field!("ip"),
    crate::field!("port"),
];

/// Columns of the backup table.
pub const BACKUP_COLUMNS: &[Column] = &[
    crate::field!("backup_id"),
    crate::field!("backup_name"),
    crate::field!("status"),
    crate::field!("backup_type"),
    crate::field!("backup_format"),
    crate::field!("size"),
    crate::field!("created_at"),
];

/// `dcs instances list`.
pub async fn list(ctx: &Ctx, name: Option<String>, status: Option<String>) -> ExitCode {
    let mut call = ctx.client.list_instances().limit(1000);
    if let Some(n) = name {
        call = call.name(n);
    }
    if let Some(s) = status {
        call = call.status(s);
    }
    let all = match call.into_paginator().items().try_collect().await {
        Ok(v) => v,
        Err(e) => return ctx.sdk(&e).emit(),
    };
    let records: Vec<Value> = all
        .iter()
        .map(|i| serde_json::to_value(i).unwrap_or_default())
        .collect();
    run::show(ctx, &Value::Array(records), Some(COLUMNS))
}

/// `dcs instances show`.
pub async fn show(ctx: &Ctx, id: &str) -> ExitCode {
    let out = match ctx.client.show_instance(id).send().await {
        Ok(o) => o,
        Err(e) => return ctx.sdk(&e).emit(),
    };
    let mut doc = serde_json::to_value(out.value()).unwrap_or_default();
    // The size below 1 GB is in `capacity_minor`: say it where people look (JSON stays the
    // API's answer).
    let people = ctx.format != crate::output::Format::Json && ctx.query.is_none();
    if let (true, Some(c), Some(m)) = (people, capacity(&doc), doc.as_object_mut()) {
        if m.get("capacity") != Some(&c) {
            m.insert("capacity_gb".into(), c);
        }
    }
    run::show(ctx, &doc, None)
}

/// Sends `op` with `input` through `dcs call`'s path: the same output, query, wait and exit
/// codes.
async fn send(
    ctx: &Ctx,
    op: &'static str,
    input: Value,
    wait: Option<crate::wait::Settings>,
) -> ExitCode {
    // With --wait, an "instance busy" refusal is waited out within the wait's budget.
    let options = CallOptions {
        busy_retry: wait.map(|w| {
            w.budget.unwrap_or_else(|| {
                dcs_client::DcsClient::wait_spec(op)
                    .map(|s| s.budget)
                    .unwrap_or(std::time::Duration::from_secs(3600))
            })
        }),
        busy_retry_interval: wait.and_then(|w| w.interval),
        ..CallOptions::default()
    };
    run::exec(
        ctx,
        op,
        &input,
        &options,
        After { wait },
        None,
        Box::new(std::io::stdout()),
    )
    .await
}

/// What `dcs instances create` is given.
#[derive(Debug, Default)]
pub struct Create {
    /// The body fields given by flags.
    pub body: Map<String, Value>,
    /// `--body-json`: more body fields.
    pub extra: Option<String>,
}

/// `dcs instances create`.
pub async fn create(ctx: &Ctx, c: Create, wait: Option<crate::wait::Settings>) -> ExitCode {
    let mut body = c.body;
    if let Some(extra) = c.extra {
        match serde_json::from_str::<Value>(&extra) {
            Ok(Value::Object(m)) => {
                for (k, v) in m {
                    body.entry(k).or_insert(v);
                }
            }
            _ => {
                return crate::report::Failure::invalid(
                    "--body-json: a JSON object of CreateInstance body fields (see dcs help CreateInstance)",
                )
                .emit()
            }
        }
    }
    send(ctx, "CreateInstance", json!({ "body": body }), wait).await
}

/// `dcs instances resize`.
pub async fn resize(
    ctx: &Ctx,
    id: &str,
    capacity: Value,
    spec_code: &str,
    change_type: Option<String>,
    wait: Option<crate::wait::Settings>,
) -> ExitCode {
    let mut body = json!({ "new_capacity": capacity, "spec_code": spec_code });
    if let Some(t) = change_type {
        body["change_type"] = json!(t);
    }
    send(
        ctx,
        "ResizeInstance",
        json!({ "instance_id": id, "body": body }),
        wait,
    )
    .await
}

/// `dcs instances restart` (or `--flush`).
pub async fn restart(
    ctx: &Ctx,
    ids: &[String],
    flush: bool,
    wait: Option<crate::wait::Settings>,
) -> ExitCode {
    let body = json!({ "instances": ids, "action": if flush { "flush" } else { "restart" } });
    send(
        ctx,
        "RestartOrFlushInstances",
        json!({ "body": body }),
        wait,
    )
    .await
}

/// `dcs instances delete` (with `--wait`, until ShowInstance says the instance is gone).
pub async fn delete(ctx: &Ctx, id: &str, wait: Option<crate::wait::Settings>) -> ExitCode {
    send(
        ctx,
        "DeleteSingleInstance",
        json!({ "instance_id": id }),
        wait,
    )
    .await
}

/// Runs a waiter and shows the final state.
pub async fn wait_for(
    ctx: &Ctx,
    waiter: dcs_client::Waiter,
    settings: crate::wait::Settings,
) -> ExitCode {
    let status = waiter.spec().status;
    match crate::wait::run(waiter, settings).await {
        Ok(done) => {
            crate::wait::say_done(&done);
            run::show(ctx, &crate::wait::final_states(status, &done), None)
        }
        Err(ended) => ended.failure(&ctx.report).emit(),
    }
}

/// `dcs backups create`.
pub async fn backup(
    ctx: &Ctx,
    id: &str,
    remark: Option<String>,
    format: Option<String>,
    wait: Option<crate::wait::Settings>,
) -> ExitCode {
    let mut body = Map::new();
    if let Some(r) = remark {
        body.insert("remark".into(), json!(r));
    }
    if let Some(f) = format {
        body.insert("backup_format".into(), json!(f));
    }
    send(
        ctx,
        "CopyInstance",
        json!({ "instance_id": id, "body": body }),
        wait,
    )
    .await
}

/// `dcs backups list`: every backup of the instance, across pages.
pub async fn backups(ctx: &Ctx, id: &str) -> ExitCode {
    let pages = ctx
        .client
        .list_backup_records(id.to_string())
        .limit(1000)
        .into_paginator()
        .items()
        .try_collect()
        .await;
    match pages {
        Ok(items) => {
            let records: Vec<Value> = items
                .iter()
                .map(|i| serde_json::to_value(i).unwrap_or_default())
                .collect();
            run::show(ctx, &Value::Array(records), Some(BACKUP_COLUMNS))
        }
        Err(e) => ctx.sdk(&e).emit(),
    }
}

/// `dcs backups restore`.
pub async fn restore(
    ctx: &Ctx,
    id: &str,
    backup_id: &str,
    remark: Option<String>,
    wait: Option<crate::wait::Settings>,
) -> ExitCode {
    let mut body = json!({ "backup_id": backup_id });
    if let Some(r) = remark {
        body["remark"] = json!(r);
    }
    send(
        ctx,
        "RestoreInstance",
        json!({ "instance_id": id, "body": body }),
        wait,
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capacity_below_a_gigabyte_shows() {
        assert_eq!(
            capacity(&json!({"capacity": 0, "capacity_minor": "0.125"})),
            Some(json!("0.125"))
        );
        assert_eq!(capacity(&json!({"capacity": 4})), Some(json!(4)));
        assert_eq!(
            capacity(&json!({"capacity": 2, "capacity_minor": ""})),
            Some(json!(2))
        );
    }
}
