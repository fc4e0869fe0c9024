//! Key analyses (big key, hot key, expired key, offline key: `waiting` → `running` →
//! `success` or `failed`) and diagnosis reports (`diagnosing` → `finished`), per instance.
//!
//! An id the emulator issued is answered from state (404 once deleted); an id it never issued
//! gets the synthetic answer, as before these were stateful, so scripts written against it
//! keep working.

use super::{invalid, page, put, template, Call, Project, Reply, Store, Walk, WorkKind};
use crate::engine::{Fact, KeyInfo};
use crate::time::iso;
use serde_json::{json, Value};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

const OWN: &[&str] = &[
    "CreateAutoExpireScanTask",
    "CreateBigkeyScanTask",
    "CreateDiagnosisTask",
    "CreateHotkeyScanTask",
    "CreateOfflineKeyAnalysis",
    "DeleteBigkeyScanTask",
    "DeleteDiagnosisTask",
    "DeleteHotkeyScanTask",
    "DeleteOfflineKeyAnalysisTask",
    "ListBigkeyScanTasks",
    "ListDiagnosisTasks",
    "ListHotKeyScanTasks",
    "ListOfflineKeyAnalysisTask",
    "ScanExpireKey",
    "ShowBigkeyScanTaskDetails",
    "ShowDiagnosisTaskDetails",
    "ShowExpireKeyScanInfo",
    "ShowHotkeyTaskDetails",
    "ShowOfflineKeyAnalysisTask",
];

pub(crate) fn handles(name: &str) -> bool {
    OWN.contains(&name)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Bigkey,
    Hotkey,
    Expire,
    Offline,
}

#[derive(Debug, Clone)]
pub(crate) struct Analysis {
    id: String,
    kind: Kind,
    instance_id: String,
    walk: Walk,
    /// Listed until then (an offline analysis being deleted).
    removing_at: Option<SystemTime>,
    deleted: bool,
    backup_id: String,
    node_id: String,
    /// The keys the instance's engine reported (big or hot keys), when it has one.
    keys: Option<Vec<KeyInfo>>,
}

impl Analysis {
    fn listed(&self, now: SystemTime) -> bool {
        !self.deleted && self.removing_at.is_none_or(|t| t > now)
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Report {
    id: String,
    instance_id: String,
    walk: Walk,
    begin: String,
    end: String,
    nodes: usize,
    deleted: bool,
}

/// `2026-01-01T00:00:00.000Z` of a time in epoch milliseconds given as text (the request's
/// form), or the text itself when it is not one.
fn iso_of_millis(ms: &str) -> String {
    ms.parse::<u64>()
        .map(|n| iso(UNIX_EPOCH + Duration::from_millis(n)))
        .unwrap_or_else(|_| ms.to_string())
}

impl Store {
    pub(super) fn analysis(&mut self, call: &Call<'_>) -> Result<Reply, Reply> {
        let name = call.meta.name;
        let creates = name.starts_with("Create") || name == "ScanExpireKey";
        let fails =
            creates && name != "CreateDiagnosisTask" && self.take_failure(WorkKind::Analysis);
        let id = if name == "CreateOfflineKeyAnalysis" {
            self.new_hex()
        } else {
            self.new_uuid()
        };
        let delay = self.delay;
        let p = self.project(call.project);
        match name {
            "CreateBigkeyScanTask" => p.create_analysis(call, Kind::Bigkey, id, delay, fails),
            "CreateHotkeyScanTask" => p.create_analysis(call, Kind::Hotkey, id, delay, fails),
            "CreateAutoExpireScanTask" | "ScanExpireKey" => {
                p.create_analysis(call, Kind::Expire, id, delay, fails)
            }
            "CreateOfflineKeyAnalysis" => p.create_analysis(call, Kind::Offline, id, delay, fails),
            "ShowBigkeyScanTaskDetails" => p.show_analysis(call, Kind::Bigkey, "bigkey_id"),
            "ShowHotkeyTaskDetails" => p.show_analysis(call, Kind::Hotkey, "hotkey_id"),
            "ShowOfflineKeyAnalysisTask" => p.show_analysis(call, Kind::Offline, "task_id"),
            "ListBigkeyScanTasks" => p.list_analyses(call, Kind::Bigkey),
            "ListHotKeyScanTasks" => p.list_analyses(call, Kind::Hotkey),
            "ShowExpireKeyScanInfo" => p.list_analyses(call, Kind::Expire),
            "ListOfflineKeyAnalysisTask" => p.list_analyses(call, Kind::Offline),
            "DeleteBigkeyScanTask" => p.delete_analysis(call, Kind::Bigkey, "bigkey_id", delay),
            "DeleteHotkeyScanTask" => p.delete_analysis(call, Kind::Hotkey, "hotkey_id", delay),
            "DeleteOfflineKeyAnalysisTask" => {
                p.delete_analysis(call, Kind::Offline, "task_id", delay)
            }
            "CreateDiagnosisTask" => {
                let b = call.body();
                let text = |k: &str| b[k].as_str().unwrap_or("").to_string();
                let nodes = b["node_ip_list"].as_array().map_or(1, Vec::len).max(1);
                p.reports.push(Report {
                    id: id.clone(),
                    instance_id: call.str("instance_id").to_string(),
                    walk: Walk::new(call.now, delay, &["diagnosing"], "finished"),
                    begin: text("begin_time"),
                    end: text("end_time"),
                    nodes,
                    deleted: false,
                });
                Ok(Reply::Json(json!({ "report_id": id })))
            }
            "ListDiagnosisTasks" => p.list_reports(call),
            "ShowDiagnosisTaskDetails" => {
                let rid = call.str("report_id");
                match p.reports.iter().find(|r| r.id == rid) {
                    None => Ok(Reply::Synthetic),
                    Some(r) if r.deleted => {
                        Err(super::not_found(&format!("no diagnosis report {rid}")))
                    }
                    Some(_) => {
                        let mut v = call.example();
                        put(&mut v, "abnormal_item_sum", json!(0));
                        put(&mut v, "failed_item_sum", json!(0));
                        Ok(Reply::Json(v))
                    }
                }
            }
            "DeleteDiagnosisTask" => {
                let iid = call.str("instance_id");
                let results: Vec<Value> = call
                    .body_ids("report_id_list")
                    .into_iter()
                    .map(|rid| {
                        let found = p
                            .reports
                            .iter_mut()
                            .find(|r| r.id == rid && r.instance_id == iid && !r.deleted);
                        let ok = found.is_some();
                        if let Some(r) = found {
                            r.deleted = true;
                        }
                        json!({ "id": rid, "result": if ok { "success" } else { "failed" } })
                    })
                    .collect();
                Ok(Reply::Json(json!({ "results": results })))
            }
            other => Err(invalid("operation", &format!("no handler for {other}"))),
        }
    }
}

impl Project {
    fn create_analysis(
        &mut self,
        call: &Call<'_>,
        kind: Kind,
        id: String,
        delay: Duration,
        fails: bool,
    ) -> Result<Reply, Reply> {
        let now = call.now;
        let iid = call.str("instance_id").to_string();
        // One big key or offline analysis at a time per instance.
        let busy_code = match kind {
            Kind::Bigkey => Some(dcs_model::codes::DCS_4918),
            Kind::Offline => Some(dcs_model::codes::DCS_4231),
            _ => None,
        };
        if let Some(code) = busy_code {
            let running = self.analyses.iter().any(|a| {
                a.kind == kind && a.instance_id == iid && a.listed(now) && !a.walk.done(now)
            });
            if running {
                return Err(Reply::Error(
                    400,
                    code,
                    "An analysis of this kind is already running on the instance".to_string(),
                ));
            }
        }
        // What the instance's real Redis holds, scanned before this answer.
        let keys = match call.fact(&iid) {
            Some(Ok(Fact::Keys(k))) => Some(k.clone()),
            Some(Ok(Fact::Refused(why))) => {
                return Err(Reply::Error(400, dcs_model::codes::DCS_4066, why.clone()))
            }
            _ => None,
        };
        let b = call.body();
        let a = Analysis {
            id: id.clone(),
            kind,
            instance_id: iid,
            walk: Walk::new(
                now,
                delay,
                &["waiting", "running"],
                if fails { "failed" } else { "success" },
            ),
            removing_at: None,
            deleted: false,
            backup_id: b["backup_id"].as_str().unwrap_or("").to_string(),
            node_id: b["node_id"].as_str().unwrap_or("").to_string(),
            keys,
        };
        let answer = if kind == Kind::Offline {
            json!({ "task_id": id })
        } else {
            let mut v = call.example();
            fill(&a, &mut v, now);
            v
        };
        self.analyses.push(a);
        Ok(Reply::Json(answer))
    }

    fn find_analysis(
        &mut self,
        call: &Call<'_>,
        kind: Kind,
        key: &str,
    ) -> Result<Option<&mut Analysis>, Reply> {
        let now = call.now;
        let id = call.str(key);
        let iid = call.str("instance_id");
        match self
            .analyses
            .iter_mut()
            .find(|a| a.id == id && a.kind == kind)
        {
            None => Ok(None),
            Some(a) if a.instance_id != iid || !a.listed(now) => Err(if kind == Kind::Offline {
                Reply::Error(
                    404,
                    dcs_model::codes::DCS_4232,
                    format!("The offline key analysis task {id} does not exist"),
                )
            } else {
                super::not_found(&format!("no analysis {id} of instance {iid}"))
            }),
            Some(a) => Ok(Some(a)),
        }
    }

    fn show_analysis(&mut self, call: &Call<'_>, kind: Kind, key: &str) -> Result<Reply, Reply> {
        let now = call.now;
        let Some(a) = self.find_analysis(call, kind, key)? else {
            return Ok(Reply::Synthetic);
        };
        let mut v = call.example();
        fill(a, &mut v, now);
        Ok(Reply::Json(v))
    }

    fn delete_analysis(
        &mut self,
        call: &Call<'_>,
        kind: Kind,
        key: &str,
        delay: Duration,
    ) -> Result<Reply, Reply> {
        let now = call.now;
        let Some(a) = self.find_analysis(call, kind, key)? else {
            return Ok(Reply::Synthetic);
        };
        if kind == Kind::Offline {
            // Listed until the deletion is done.
            a.removing_at = Some(now + delay);
            return Ok(Reply::Json(json!({ "task_id": a.id })));
        }
        a.deleted = true;
        let mut v = call.example();
        fill(a, &mut v, now);
        Ok(Reply::Json(v))
    }

    fn list_analyses(&mut self, call: &Call<'_>, kind: Kind) -> Result<Reply, Reply> {
        let now = call.now;
        let iid = call.str("instance_id");
        let status = call.input["status"].as_str();
        let mut found: Vec<&Analysis> = self
            .analyses
            .iter()
            .filter(|a| a.kind == kind && a.instance_id == iid && a.listed(now))
            .filter(|a| status.is_none_or(|s| a.walk.at(now) == s))
            .collect();
        found.sort_by_key(|a| std::cmp::Reverse(a.walk.started()));
        let total = found.len();
        let example = call.example();
        let tpl = template(&example, "records");
        let records: Vec<Value> = page(call, &found)
            .into_iter()
            .map(|a| {
                let mut v = tpl.clone();
                fill(a, &mut v, now);
                v
            })
            .collect();
        let mut v = example.clone();
        put(&mut v, "records", json!(records));
        put(&mut v, "count", json!(total));
        put(&mut v, "total", json!(total));
        put(&mut v, "instance_id", json!(iid));
        Ok(Reply::Json(v))
    }

    fn list_reports(&mut self, call: &Call<'_>) -> Result<Reply, Reply> {
        let now = call.now;
        let iid = call.str("instance_id");
        let mut found: Vec<&Report> = self
            .reports
            .iter()
            .filter(|r| r.instance_id == iid && !r.deleted)
            .collect();
        found.sort_by_key(|r| std::cmp::Reverse(r.walk.started()));
        let total = found.len();
        let example = call.example();
        let tpl = template(&example, "diagnosis_report_list");
        let items: Vec<Value> = page(call, &found)
            .into_iter()
            .map(|r| {
                let mut v = tpl.clone();
                put(&mut v, "report_id", json!(r.id));
                put(&mut v, "status", json!(r.walk.at(now)));
                put(&mut v, "begin_time", json!(iso_of_millis(&r.begin)));
                put(&mut v, "end_time", json!(iso_of_millis(&r.end)));
                put(&mut v, "created_at", json!(iso(r.walk.started())));
                put(&mut v, "node_num", json!(r.nodes));
                put(&mut v, "abnormal_item_sum", json!(0));
                put(&mut v, "failed_item_sum", json!(0));
                v
            })
            .collect();
        Ok(Reply::Json(
            json!({ "diagnosis_report_list": items, "total_num": total }),
        ))
    }
}

/// Writes an analysis over an example record (only the fields the record has).
fn fill(a: &Analysis, v: &mut Value, now: SystemTime) {
    let status = a.walk.at(now);
    let done = a.walk.done(now);
    put(v, "id", json!(a.id));
    put(v, "instance_id", json!(a.instance_id));
    put(v, "status", json!(status));
    put(v, "scan_type", json!("manual"));
    put(v, "created_at", json!(iso(a.walk.started())));
    put(v, "started_at", json!(iso(a.walk.started())));
    put(
        v,
        "finished_at",
        if done {
            json!(iso(a.walk.done_at()))
        } else {
            Value::Null
        },
    );
    put(v, "backup_id", json!(a.backup_id));
    put(v, "node_id", json!(a.node_id));
    if status != "success" {
        put(v, "num", json!(0));
        put(v, "keys", json!([]));
    } else if let Some(keys) = &a.keys {
        let items: Vec<Value> = keys
            .iter()
            .map(|k| {
                let mut item = json!({
                    "name": k.name,
                    "type": k.kind,
                    "shard": "",
                    "db": k.db,
                    "size": k.size,
                    "unit": k.unit,
                });
                if let Some(f) = k.freq {
                    item["freq"] = json!(f);
                }
                item
            })
            .collect();
        put(v, "num", json!(items.len()));
        put(v, "keys", json!(items));
    }
}
