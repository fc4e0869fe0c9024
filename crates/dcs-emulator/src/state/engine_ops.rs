//! What the control plane asks of an instance's real Redis, when the emulator has engines.
//!
//! A request is handled in two passes. The first ([`Store::engine_need`]) looks, changes
//! nothing, and says what the engines must do first: `FLUSHALL`, a restart, a snapshot, a
//! password, an ACL user, `CONFIG SET`, a scan. The emulator has them do it (each engine's
//! operations one at a time), then handles the request again with their answers
//! ([`super::Call::facts`]), which is when the state changes. Work armed to fail
//! (`fail_next`) is not asked of the engine: the instance ends as it was.
//!
//! Three operations the synthetic tier answers are answered from the engine when the
//! instance has one ([`ENGINE_ONLY`]): UpdatePassword (the old password is checked),
//! ListSlowlog (the real `SLOWLOG`) and ListClients (the real `CLIENT LIST`).

use super::{invalid, page, put, Call, EngineWork, Instance, Reply, Store, WorkKind};
use crate::engine::{maxmemory_of, Fact, Need, SlowEntry};
use crate::time::iso;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::time::{Duration, UNIX_EPOCH};

/// Operations answered from the engine when the instance has one, and by the synthetic tier
/// otherwise.
pub(crate) const ENGINE_ONLY: &[&str] = &["ListClients", "ListSlowlog", "UpdatePassword"];

pub(crate) fn handles(name: &str) -> bool {
    ENGINE_ONLY.contains(&name)
}

/// The engine of an instance, when it is running.
fn running(i: &Instance) -> Option<crate::engine::Engine> {
    i.engine().filter(|e| e.running()).cloned()
}

impl Store {
    /// What the engines must do before `call` can be answered (first pass; changes
    /// nothing). `None`: nothing, answer now.
    pub(super) fn engine_need(&self, call: &Call<'_>) -> Option<EngineWork> {
        let p = self.projects.get(call.project)?;
        let iid = call.str("instance_id");
        let inst = p.instances.iter().find(|i| i.id == iid);
        let b = call.body();
        let name = call.meta.name;
        if name == "RestartOrFlushInstances" {
            let flush = b["action"].as_str() == Some("flush");
            // The first idle instances take the restart failures armed (as the second pass
            // will count them off): their engine is left alone.
            let mut armed = self.fail_next.get(&WorkKind::Restart).copied().unwrap_or(0);
            let mut items = Vec::new();
            for id in call.body_ids("instances") {
                if items.iter().any(|(i, _, _)| *i == id) {
                    continue;
                }
                let Some(i) = p.instances.iter().find(|i| i.id == id && i.idle()) else {
                    continue;
                };
                if !flush && armed > 0 {
                    armed -= 1;
                    continue;
                }
                if let Some(e) = running(i) {
                    let need = if flush {
                        Need::Flush
                    } else {
                        Need::Restart {
                            keep: e.desired().persistent(),
                        }
                    };
                    items.push((id, e, need));
                }
            }
            return (!items.is_empty()).then_some(EngineWork { items });
        }
        let inst = inst?;
        let engine = running(inst)?;
        let account = || inst.extras.account(call.str("account_id"));
        let need = match name {
            "ResizeInstance" | "CreateResizeOrder" if !self.armed(WorkKind::Resize) => {
                let gb = b["new_capacity"].as_f64().unwrap_or(inst.capacity());
                Need::Maxmemory(maxmemory_of(gb))
            }
            "ResetPassword" => {
                Need::SetPassword(if b["no_password_access"].as_bool() == Some(true) {
                    None
                } else {
                    Some(b["new_password"].as_str()?.to_string())
                })
            }
            "UpdatePassword" => Need::ChangePassword {
                old: b["old_password"].as_str().unwrap_or("").to_string(),
                new: b["new_password"].as_str()?.to_string(),
            },
            "CreateAclAccount" if !self.armed(WorkKind::Account) => {
                let account = b["account_name"].as_str()?;
                if inst.extras.has_account_named(account) {
                    return None;
                }
                Need::CreateUser {
                    name: account.to_string(),
                    role: b["account_role"].as_str().unwrap_or("read").to_string(),
                    password: b["account_password"].as_str().unwrap_or("").to_string(),
                }
            }
            "UpdateAclAccount" if !self.armed(WorkKind::Job) => {
                let (account, _) = account()?;
                Need::SetRole {
                    name: account.to_string(),
                    role: b["account_role"].as_str()?.to_string(),
                }
            }
            "ResetAclAccountPassWord" | "UpdateAclAccountPassWord" => {
                let (account, current) = account()?;
                let old = b["old_password"].as_str();
                // A wrong old password is refused by the second pass: nothing to do here.
                if name == "UpdateAclAccountPassWord"
                    && !current.is_empty()
                    && old.is_some_and(|o| o != current)
                {
                    return None;
                }
                Need::SetUserPassword {
                    name: account.to_string(),
                    password: b["new_password"].as_str()?.to_string(),
                }
            }
            "DeleteAclAccount" if !self.armed(WorkKind::Task) => {
                Need::DeleteUser(account()?.0.to_string())
            }
            "UpdateConfigurations" | "UpdateInstanceConfig"
                if !(self.armed(WorkKind::Config)
                    || name == "UpdateInstanceConfig" && self.armed(WorkKind::Job)) =>
            {
                let pairs: Vec<(String, String)> = b["redis_config"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|c| {
                        Some((
                            c["param_name"].as_str()?.to_string(),
                            c["param_value"].as_str()?.to_string(),
                        ))
                    })
                    .collect();
                Need::SetParams(pairs)
            }
            "ListConfigurations" => Need::Params,
            "CopyInstance" if !self.armed(WorkKind::Backup) => Need::Snapshot,
            "RestoreInstance" if !self.armed(WorkKind::Restore) => {
                let backup = b["backup_id"].as_str()?;
                Need::Restore(p.restorable(iid, backup, call.now)?)
            }
            "CreateBigkeyScanTask" if !self.armed(WorkKind::Analysis) => Need::BigKeys,
            "CreateHotkeyScanTask" if !self.armed(WorkKind::Analysis) => Need::HotKeys,
            "ListSlowlog" => Need::SlowLog,
            "ListClients" => Need::Clients,
            "HangUpKillAllClients" if !self.armed(WorkKind::Job) => Need::KillClients,
            _ => return None,
        };
        Some(EngineWork::one(iid, engine, need))
    }

    /// The operations of [`ENGINE_ONLY`], for an instance with an engine (second pass);
    /// `None` for the synthetic answer.
    pub(super) fn engine_ops(&mut self, call: &Call<'_>) -> Option<Result<Reply, Reply>> {
        let iid = call.str("instance_id");
        let fact = call.fact(iid)?;
        Some(match (call.meta.name, fact) {
            ("UpdatePassword", Ok(Fact::Done)) => Ok(password_answer(call, "success", "")),
            ("UpdatePassword", Ok(Fact::Refused(why))) => {
                Ok(password_answer(call, "passwordFailed", why))
            }
            ("ListSlowlog", Ok(Fact::SlowLog(entries))) => slowlog(call, entries),
            ("ListClients", Ok(Fact::Clients(clients))) => client_list(call, clients),
            (_, Err(e)) => Err(Reply::Error(
                500,
                dcs_model::codes::SYSTEM_BUSY,
                format!("The instance's Redis failed: {e}"),
            )),
            (other, _) => Err(invalid(
                "operation",
                &format!("no engine answer for {other}"),
            )),
        })
    }
}

fn password_answer(call: &Call<'_>, result: &str, why: &str) -> Reply {
    let mut v = call.example();
    let message = if why.is_empty() {
        "The password was changed".to_string()
    } else {
        format!("The password was not changed: {why}")
    };
    for (k, val) in [
        ("result", json!(result)),
        ("message", json!(message)),
        ("lock_time", Value::Null),
        ("lock_time_left", Value::Null),
        ("retry_times_left", Value::Null),
    ] {
        put(&mut v, k, val);
    }
    Reply::Json(v)
}

/// A query time in Unix milliseconds (text or number).
fn millis_param(call: &Call<'_>, key: &str) -> Option<u64> {
    let v = &call.input[key];
    v.as_u64()
        .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
}

fn slowlog(call: &Call<'_>, entries: &[SlowEntry]) -> Result<Reply, Reply> {
    let from = millis_param(call, "start_time");
    let to = millis_param(call, "end_time");
    let mut found: Vec<&SlowEntry> = entries
        .iter()
        .filter(|e| from.is_none_or(|f| e.unix_secs * 1000 >= f))
        .filter(|e| to.is_none_or(|t| e.unix_secs * 1000 <= t))
        .collect();
    let by_duration = call.input["sort_key"].as_str() == Some("duration");
    let ascending = call.input["sort_dir"].as_str() == Some("asc");
    found.sort_by(|a, b| {
        let o = if by_duration {
            a.micros.cmp(&b.micros)
        } else {
            (a.unix_secs, a.id).cmp(&(b.unix_secs, b.id))
        };
        if ascending {
            o
        } else {
            o.reverse()
        }
    });
    let total = found.len();
    let items: Vec<Value> = page(call, &found)
        .into_iter()
        .map(|e| {
            let ip = e.client.rsplit_once(':').map_or("", |(ip, _)| ip);
            json!({
                "id": e.id,
                "command": e.command,
                "start_time": iso(UNIX_EPOCH + Duration::from_secs(e.unix_secs)),
                "duration": format!("{}.{:03}", e.micros / 1000, e.micros % 1000),
                "shard_name": "",
                "database_id": 0,
                "username": "",
                "node_role": "master",
                "client_ip": ip,
            })
        })
        .collect();
    Ok(Reply::Json(
        json!({ "total_num": total, "count": total, "slowlogs": items }),
    ))
}

fn client_list(call: &Call<'_>, clients: &[BTreeMap<String, String>]) -> Result<Reply, Reply> {
    let addr = call.input["addr"].as_str();
    let mut found: Vec<&BTreeMap<String, String>> = clients
        .iter()
        .filter(|c| addr.is_none_or(|a| c.get("addr").is_some_and(|x| x.contains(a))))
        .collect();
    if let Some(key) = call.input["sort"].as_str() {
        let field = key.replace('_', "-");
        let desc = call.input["order"].as_str() == Some("desc");
        found.sort_by(|a, b| {
            let (x, y) = (a.get(&field), b.get(&field));
            let o = match (
                x.and_then(|v| v.parse::<i64>().ok()),
                y.and_then(|v| v.parse::<i64>().ok()),
            ) {
                (Some(m), Some(n)) => m.cmp(&n),
                _ => x.cmp(&y),
            };
            if desc {
                o.reverse()
            } else {
                o
            }
        });
    }
    let total = found.len();
    let field = |c: &BTreeMap<String, String>, k: &str| c.get(k).cloned().unwrap_or_default();
    let number = |c: &BTreeMap<String, String>, k: &str| {
        c.get(k).and_then(|v| v.parse::<i64>().ok()).unwrap_or(0)
    };
    let items: Vec<Value> = page(call, &found)
        .into_iter()
        .map(|c| {
            json!({
                "id": field(c, "id"),
                "addr": field(c, "addr"),
                "fd": field(c, "fd"),
                "name": field(c, "name"),
                "cmd": field(c, "cmd"),
                "age": number(c, "age"),
                "idle": number(c, "idle"),
                "db": field(c, "db"),
                "flags": field(c, "flags"),
                "sub": number(c, "sub"),
                "psub": number(c, "psub"),
                "multi": number(c, "multi"),
                "qbuf": number(c, "qbuf"),
                "qbuf_free": number(c, "qbuf-free"),
                "obl": number(c, "obl"),
                "oll": number(c, "oll"),
                "omem": number(c, "omem"),
                "events": field(c, "events"),
                "network": "tcp",
                "peer": field(c, "laddr"),
                "user": field(c, "user"),
            })
        })
        .collect();
    Ok(Reply::Json(json!({
        "time": iso(call.now),
        "clients": items,
        "count": total,
    })))
}
