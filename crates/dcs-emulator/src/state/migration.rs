//! Data migration tasks, through their documented states:
//!
//! - a backup import (CreateMigrationTask) is `MIGRATING`, then `SUCCESS` (or `FAILED`);
//! - an online migration (CreateOnlineMigrationTask) is created by a job and waits for its
//!   configuration as `RUNNING`; once configured (SetOnlineMigrationTask) or restarted
//!   (BatchRestartOnlineMigrationTasks) a full migration is `MIGRATING` then `SUCCESS`, an
//!   incremental one `FULLMIGRATING` then `INCRMIGRATING`, where it stays until stopped;
//! - a stop is `TERMINATING` then `TERMINATED` (at once for StopMigrationTaskSync);
//! - an IP exchange or its rollback sets `task_status` to `EXCHANGING`, then
//!   `EXCHANGE_SUCCESS` or `ROLLBACK_SUCCESS`;
//! - a deleted task is listed until the delay has passed, then `DCS.4133`.
//!
//! As for analyses, a task id the emulator never issued gets the synthetic answer.

use super::{invalid, page, put, template, Call, Project, Reply, Store, Walk, WorkKind};
use crate::time::iso;
use serde_json::{json, Value};
use std::time::{Duration, SystemTime};

const OWN: &[&str] = &[
    "BatchRestartOnlineMigrationTasks",
    "BatchStopMigrationTasks",
    "CreateMigrationTask",
    "CreateOnlineMigrationTask",
    "DeleteMigrationTask",
    "ExchangeInstanceIp",
    "ListMigrationTask",
    "RollbackExchangeInstanceIp",
    "SetOnlineMigrationTask",
    "ShowMigrationTask",
    "StopMigrationTask",
    "StopMigrationTaskSync",
];

pub(crate) fn handles(name: &str) -> bool {
    OWN.contains(&name)
}

/// States a migration can be stopped in.
const STOPPABLE: &[&str] = &["RUNNING", "MIGRATING", "FULLMIGRATING", "INCRMIGRATING"];
/// States an online migration can be restarted from.
const RESTARTABLE: &[&str] = &["TERMINATED", "FAILED", "MIGRATION_FAILED"];

#[derive(Debug, Clone)]
pub(crate) struct MigrationTask {
    id: String,
    name: String,
    description: String,
    migration_type: String,
    method: String,
    status: Walk,
    /// The IP exchange (or its rollback), if one was asked for.
    exchange: Option<Walk>,
    created_at: SystemTime,
    /// Listed until then; `DCS.4133` after.
    removing_at: Option<SystemTime>,
    source: Value,
    target: Value,
}

impl MigrationTask {
    fn exists(&self, now: SystemTime) -> bool {
        self.removing_at.is_none_or(|t| t > now)
    }

    /// The walk of a migration that (re)starts now.
    fn migrate(&mut self, now: SystemTime, delay: Duration, fails: bool) {
        self.status = if fails {
            Walk::new(now, delay, &["MIGRATING"], "FAILED")
        } else if self.method == "incremental_migration" {
            Walk::new(now, delay, &["FULLMIGRATING"], "INCRMIGRATING")
        } else {
            Walk::new(now, delay, &["MIGRATING"], "SUCCESS")
        };
    }
}

fn gone(id: &str) -> Reply {
    Reply::Error(
        404,
        dcs_model::codes::DCS_4133,
        format!("The data migration task {id} does not exist"),
    )
}

impl Store {
    pub(super) fn migration(&mut self, call: &Call<'_>) -> Result<Reply, Reply> {
        let name = call.meta.name;
        let fails = matches!(
            name,
            "CreateMigrationTask" | "SetOnlineMigrationTask" | "BatchRestartOnlineMigrationTasks"
        ) && self.take_failure(WorkKind::Migration);
        let fail_job = name == "CreateOnlineMigrationTask" && self.take_failure(WorkKind::Job);
        let id = self.new_uuid();
        let job_id = self.new_uuid();
        let (now, delay) = (call.now, self.delay);
        let p = self.project(call.project);
        let b = call.body();
        let text = |k: &str, d: &str| b[k].as_str().unwrap_or(d).to_string();
        match name {
            "CreateMigrationTask" => {
                let mut t = MigrationTask {
                    id: id.clone(),
                    name: text("task_name", "migration"),
                    description: text("description", ""),
                    migration_type: text("migration_type", "backupfile_import"),
                    method: text("migration_method", "full_amount_migration"),
                    status: Walk::fixed(now, "RUNNING"),
                    exchange: None,
                    created_at: now,
                    removing_at: None,
                    source: b["source_instance"].clone(),
                    target: b["target_instance"].clone(),
                };
                t.migrate(now, delay, fails);
                let answer = json!({ "id": id, "name": t.name, "status": t.status.at(now) });
                p.migrations.push(t);
                Ok(Reply::Json(answer))
            }
            "CreateOnlineMigrationTask" => {
                let job_done = p.push_job(
                    job_id.clone(),
                    "createOnlineMigrationTaskJob".to_string(),
                    now,
                    delay,
                    fail_job,
                );
                let task_name = text("name", "online-migration");
                p.migrations.push(MigrationTask {
                    id: id.clone(),
                    name: task_name.clone(),
                    description: text("description", ""),
                    migration_type: "online_migration".to_string(),
                    method: "full_amount_migration".to_string(),
                    // Waiting for its configuration once its job has made it (FAILED when
                    // the job fails).
                    status: Walk::hold(
                        now,
                        job_done.duration_since(now).unwrap_or_default(),
                        "RUNNING",
                        if fail_job { "FAILED" } else { "RUNNING" },
                    ),
                    exchange: None,
                    created_at: now,
                    removing_at: None,
                    source: Value::Null,
                    target: Value::Null,
                });
                let mut v = call.example();
                put(&mut v, "instance_id", json!(id));
                put(&mut v, "job_id", json!(job_id));
                put(&mut v, "name", json!(task_name));
                // The spec's answer has no `job_id`; Terraform reads it from the raw body.
                if let Some(o) = v.as_object_mut() {
                    o.insert("job_id".into(), json!(job_id));
                }
                Ok(Reply::Json(v))
            }
            "ListMigrationTask" => p.list_migrations(call),
            "BatchStopMigrationTasks" | "BatchRestartOnlineMigrationTasks" => {
                let stop = name == "BatchStopMigrationTasks";
                let results: Vec<Value> = call
                    .body_ids("migration_tasks")
                    .into_iter()
                    .map(|tid| {
                        let t = p
                            .migrations
                            .iter_mut()
                            .find(|t| t.id == tid && t.exists(now));
                        let (ok, code, msg) = match t {
                            None => (false, "DCS.4133", "The data migration task does not exist"),
                            Some(t) if stop && STOPPABLE.contains(&t.status.at(now)) => {
                                t.status = Walk::new(now, delay, &["TERMINATING"], "TERMINATED");
                                (true, "", "")
                            }
                            Some(t)
                                if !stop
                                    && t.migration_type == "online_migration"
                                    && RESTARTABLE.contains(&t.status.at(now)) =>
                            {
                                t.migrate(now, delay, fails);
                                (true, "", "")
                            }
                            Some(_) => (
                                false,
                                "DCS.4062",
                                "The task's status does not allow this operation",
                            ),
                        };
                        json!({
                            "task_id": tid,
                            "result": if ok { "success" } else { "failed" },
                            "error_code": code,
                            "error_msg": msg,
                        })
                    })
                    .collect();
                Ok(Reply::Json(json!({ "migration_tasks": results })))
            }
            "DeleteMigrationTask" => {
                let mut accepted = Vec::new();
                for tid in call.body_ids("task_id_list") {
                    if let Some(t) = p
                        .migrations
                        .iter_mut()
                        .find(|t| t.id == tid && t.exists(now) && t.removing_at.is_none())
                    {
                        t.removing_at = Some(now + delay);
                        accepted.push(tid);
                    }
                }
                Ok(Reply::Json(json!({ "task_id_list": accepted })))
            }
            _ => p.one_migration(call, delay, fails),
        }
    }
}

impl Project {
    /// The operations on one task named by the path's `task_id`.
    fn one_migration(
        &mut self,
        call: &Call<'_>,
        delay: Duration,
        fails: bool,
    ) -> Result<Reply, Reply> {
        let now = call.now;
        let tid = call.str("task_id");
        let Some(t) = self.migrations.iter_mut().find(|t| t.id == tid) else {
            return Ok(Reply::Synthetic);
        };
        if !t.exists(now) {
            return Err(gone(tid));
        }
        let status = t.status.at(now).to_string();
        match call.meta.name {
            "ShowMigrationTask" => {
                let mut v = call.example();
                fill(t, &mut v, now);
                Ok(Reply::Json(v))
            }
            "SetOnlineMigrationTask" => {
                if t.migration_type != "online_migration" || status != "RUNNING" {
                    return Err(invalid(
                        "task_id",
                        &format!("the task is {status}: only an online migration waiting for its configuration can be configured"),
                    ));
                }
                let b = call.body();
                if let Some(m) = b["migration_method"].as_str() {
                    t.method = m.to_string();
                }
                t.source = b["source_instance"].clone();
                t.target = b["target_instance"].clone();
                t.migrate(now, delay, fails);
                Ok(Reply::Json(
                    json!({ "id": t.id, "name": t.name, "status": t.status.at(now) }),
                ))
            }
            "StopMigrationTask" | "StopMigrationTaskSync" => {
                if !STOPPABLE.contains(&status.as_str()) {
                    return Err(invalid(
                        "task_id",
                        &format!("the task is {status}: only a running migration can be stopped"),
                    ));
                }
                if call.meta.name == "StopMigrationTaskSync" {
                    t.status = Walk::fixed(now, "TERMINATED");
                    return Ok(Reply::Synthetic);
                }
                t.status = Walk::new(now, delay, &["TERMINATING"], "TERMINATED");
                let mut v = call.example();
                fill(t, &mut v, now);
                Ok(Reply::Json(v))
            }
            "ExchangeInstanceIp" => {
                t.exchange = Some(Walk::new(now, delay, &["EXCHANGING"], "EXCHANGE_SUCCESS"));
                Ok(Reply::Synthetic)
            }
            "RollbackExchangeInstanceIp" => {
                t.exchange = Some(Walk::new(now, delay, &["EXCHANGING"], "ROLLBACK_SUCCESS"));
                Ok(Reply::Synthetic)
            }
            other => Err(invalid("operation", &format!("no handler for {other}"))),
        }
    }

    fn list_migrations(&mut self, call: &Call<'_>) -> Result<Reply, Reply> {
        let now = call.now;
        let name = call.input["name"].as_str();
        let mut found: Vec<&MigrationTask> = self
            .migrations
            .iter()
            .filter(|t| t.exists(now))
            .filter(|t| name.is_none_or(|n| t.name.contains(n)))
            .collect();
        found.sort_by_key(|t| std::cmp::Reverse(t.created_at));
        let total = found.len();
        let example = call.example();
        let tpl = template(&example, "migration_tasks");
        let items: Vec<Value> = page(call, &found)
            .into_iter()
            .map(|t| {
                let mut v = tpl.clone();
                fill(t, &mut v, now);
                v
            })
            .collect();
        Ok(Reply::Json(
            json!({ "count": total, "migration_tasks": items }),
        ))
    }
}

/// Writes a task over an example (ShowMigrationTask, StopMigrationTask or a list item).
fn fill(t: &MigrationTask, v: &mut Value, now: SystemTime) {
    put(v, "task_id", json!(t.id));
    put(v, "task_name", json!(t.name));
    put(v, "description", json!(t.description));
    put(v, "status", json!(t.status.at(now)));
    put(v, "migration_type", json!(t.migration_type));
    put(v, "migration_method", json!(t.method));
    put(v, "created_at", json!(iso(t.created_at)));
    put(v, "updated_at", json!(iso(t.status.started())));
    put(
        v,
        "task_status",
        json!(t.exchange.as_ref().map_or("", |w| w.at(now))),
    );
    put(v, "error_message", json!(""));
    for (side, inst) in [("source", &t.source), ("target", &t.target)] {
        if let Some(id) = inst["id"].as_str() {
            put(v, &format!("{side}_instance_id"), json!(id));
        }
        if inst.is_object() {
            if let Some(slot) = v.get_mut(format!("{side}_instance")) {
                if let (Some(o), Some(given)) = (slot.as_object_mut(), inst.as_object()) {
                    for (k, val) in given {
                        if o.contains_key(k) && k != "password" {
                            o.insert(k.clone(), val.clone());
                        }
                    }
                }
            }
        }
    }
}
