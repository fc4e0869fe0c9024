//! Backups (`waiting` → `backuping` → `succeed` or `failed`; `deleted` after a delete, still
//! listed as the service lists them) and restores (`waiting` → `restoring` → `succeed` or
//! `failed`, the instance `RESTORING` meanwhile).

use super::{
    in_window, invalid, not_found, page, template, Call, Project, Reply, Store, Walk, WorkKind,
};
use crate::engine::Fact;
use crate::time::iso;
use serde_json::{json, Value};
use std::path::PathBuf;
use std::time::SystemTime;

const OWN: &[&str] = &[
    "CopyInstance",
    "DeleteBackupFile",
    "ListBackupRecords",
    "ListRestoreRecords",
    "RestoreInstance",
];

pub(crate) fn handles(name: &str) -> bool {
    OWN.contains(&name)
}

#[derive(Debug, Clone)]
pub(crate) struct Backup {
    id: String,
    instance_id: String,
    walk: Walk,
    /// When a delete takes effect (`deleted` from then on).
    deleted_at: Option<SystemTime>,
    remark: String,
    format: String,
    /// The RDB snapshot the engine made, when the instance has one.
    snapshot: Option<PathBuf>,
}

impl Project {
    /// The snapshot of a backup of `instance_id` that can be restored now (`Some(None)`: one
    /// without a snapshot, such as a seeded backup); `None` when there is no such backup.
    pub(crate) fn restorable(
        &self,
        instance_id: &str,
        backup_id: &str,
        now: SystemTime,
    ) -> Option<Option<PathBuf>> {
        self.backups
            .iter()
            .find(|b| b.id == backup_id && b.instance_id == instance_id)
            .filter(|b| b.status(now) == "succeed")
            .map(|b| b.snapshot.clone())
    }
}

impl Backup {
    fn status(&self, now: SystemTime) -> &str {
        if self.deleted_at.is_some_and(|t| t <= now) {
            return "deleted";
        }
        self.walk.at(now)
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Restore {
    id: String,
    instance_id: String,
    backup_id: String,
    walk: Walk,
    remark: String,
}

impl Store {
    pub(crate) fn seed_backup(
        &mut self,
        project: &str,
        instance_id: &str,
        id: &str,
        now: SystemTime,
    ) {
        let b = Backup {
            id: id.to_string(),
            instance_id: instance_id.to_string(),
            walk: Walk::fixed(now, "succeed"),
            deleted_at: None,
            remark: String::new(),
            format: "rdb".to_string(),
            snapshot: None,
        };
        let p = self.project(project);
        p.backups.retain(|x| x.id != id);
        p.backups.push(b);
    }

    pub(super) fn backups(&mut self, call: &Call<'_>) -> Result<Reply, Reply> {
        let (now, delay) = (call.now, self.delay);
        let iid = call.str("instance_id").to_string();
        match call.meta.name {
            "CopyInstance" => {
                let fails = self.take_failure(WorkKind::Backup);
                let id = self.new_uuid();
                let snapshot = match call.fact(&iid) {
                    Some(Ok(Fact::Snapshot(p))) => Some(p.clone()),
                    _ => None,
                };
                let b = call.body();
                let backup = Backup {
                    id: id.clone(),
                    instance_id: iid,
                    walk: Walk::new(
                        now,
                        delay,
                        &["waiting", "backuping"],
                        if fails { "failed" } else { "succeed" },
                    ),
                    deleted_at: None,
                    remark: b["remark"].as_str().unwrap_or("").to_string(),
                    format: b["backup_format"].as_str().unwrap_or("rdb").to_string(),
                    snapshot,
                };
                self.project(call.project).backups.push(backup);
                Ok(Reply::Json(json!({ "backup_id": id })))
            }
            "RestoreInstance" => {
                let fails = self.take_failure(WorkKind::Restore);
                let id = self.new_uuid();
                let p = self.project(call.project);
                let backup_id = call.body()["backup_id"].as_str().unwrap_or("").to_string();
                let Some(b) = p
                    .backups
                    .iter()
                    .find(|b| b.id == backup_id && b.instance_id == iid)
                else {
                    return Err(not_found(&format!(
                        "no backup {backup_id} of instance {iid}"
                    )));
                };
                if b.status(now) != "succeed" {
                    return Err(Reply::Error(
                        400,
                        dcs_model::codes::DCS_4087,
                        format!(
                            "The backup {backup_id} is {}: only a backup that succeeded can be restored",
                            b.status(now)
                        ),
                    ));
                }
                let inst = p.idle(&iid, now)?;
                let walk = Walk::new(
                    now,
                    delay,
                    &["waiting", "restoring"],
                    if fails { "failed" } else { "succeed" },
                );
                inst.restoring(now, delay);
                p.restores.push(Restore {
                    id: id.clone(),
                    instance_id: iid,
                    backup_id,
                    walk,
                    remark: call.body()["remark"].as_str().unwrap_or("").to_string(),
                });
                Ok(Reply::Json(json!({ "restore_id": id })))
            }
            "DeleteBackupFile" => {
                let p = self.project(call.project);
                let bid = call.str("backup_id");
                let Some(b) = p
                    .backups
                    .iter_mut()
                    .find(|b| b.id == bid && b.instance_id == iid)
                    .filter(|b| b.deleted_at.is_none())
                else {
                    return Err(not_found(&format!("no backup {bid} of instance {iid}")));
                };
                if !b.walk.done(now) {
                    return Err(Reply::Error(
                        400,
                        dcs_model::codes::TASK_STILL_RUNNING,
                        "This DCS instance job task is still running. Try again later".to_string(),
                    ));
                }
                b.deleted_at = Some(now + delay);
                if let Some(p) = b.snapshot.take() {
                    let _ = std::fs::remove_file(p);
                }
                Ok(Reply::Empty)
            }
            "ListBackupRecords" => {
                let p = self.project(call.project);
                let mut found: Vec<&Backup> = p
                    .backups
                    .iter()
                    .filter(|b| b.instance_id == iid)
                    .filter(|b| in_window(call, "begin_time", b.walk.started()))
                    .collect();
                found.sort_by_key(|x| std::cmp::Reverse(x.walk.started()));
                let total = found.len();
                let example = call.example();
                let tpl = template(&example, "backup_record_response");
                let items: Vec<Value> = page(call, &found)
                    .into_iter()
                    .map(|b| {
                        let status = b.status(now);
                        let done = b.walk.done(now);
                        let mut v = tpl.clone();
                        if let Some(o) = v.as_object_mut() {
                            o.insert("backup_id".into(), json!(b.id));
                            o.insert("instance_id".into(), json!(b.instance_id));
                            o.insert("backup_name".into(), json!(format!("backup-{}", b.id)));
                            o.insert("remark".into(), json!(b.remark));
                            o.insert("backup_format".into(), json!(b.format));
                            if let Some(size) =
                                b.snapshot.as_ref().and_then(|p| std::fs::metadata(p).ok())
                            {
                                o.insert("size".into(), json!(size.len()));
                            }
                            o.insert("status".into(), json!(status));
                            o.insert(
                                "progress".into(),
                                json!(format!("{}.00", b.walk.progress(now))),
                            );
                            o.insert("created_at".into(), json!(iso(b.walk.started())));
                            o.insert(
                                "updated_at".into(),
                                json!(iso(if done {
                                    b.walk.done_at()
                                } else {
                                    b.walk.started()
                                })),
                            );
                            o.insert(
                                "is_support_restore".into(),
                                json!(if status == "succeed" { "TRUE" } else { "FALSE" }),
                            );
                            o.insert(
                                "error_code".into(),
                                json!(if status == "failed" { "DCS.5000" } else { "" }),
                            );
                        }
                        v
                    })
                    .collect();
                Ok(Reply::Json(
                    json!({ "total_num": total, "backup_record_response": items }),
                ))
            }
            "ListRestoreRecords" => {
                let p = self.project(call.project);
                let mut found: Vec<&Restore> = p
                    .restores
                    .iter()
                    .filter(|r| r.instance_id == iid)
                    .filter(|r| in_window(call, "begin_time", r.walk.started()))
                    .collect();
                found.sort_by_key(|x| std::cmp::Reverse(x.walk.started()));
                let total = found.len();
                let example = call.example();
                let tpl = template(&example, "restore_record_response");
                let items: Vec<Value> = page(call, &found)
                    .into_iter()
                    .map(|r| {
                        let status = r.walk.at(now);
                        let mut v = tpl.clone();
                        if let Some(o) = v.as_object_mut() {
                            o.insert("restore_id".into(), json!(r.id));
                            o.insert("backup_id".into(), json!(r.backup_id));
                            o.insert("restore_name".into(), json!(format!("restore-{}", r.id)));
                            o.insert("restore_remark".into(), json!(r.remark));
                            o.insert("status".into(), json!(status));
                            o.insert(
                                "progress".into(),
                                json!(format!("{}.00", r.walk.progress(now))),
                            );
                            o.insert("created_at".into(), json!(iso(r.walk.started())));
                            o.insert("updated_at".into(), json!(iso(r.walk.started())));
                            o.insert(
                                "error_code".into(),
                                json!(if status == "failed" { "DCS.5000" } else { "" }),
                            );
                        }
                        v
                    })
                    .collect();
                Ok(Reply::Json(
                    json!({ "total_num": total, "restore_record_response": items }),
                ))
            }
            other => Err(invalid("operation", &format!("no handler for {other}"))),
        }
    }
}
