//! What hangs off an instance (ACL accounts, the IP whitelist, tags, the configuration) and
//! the jobs of the operations that answer a `job_id`, reported by `ShowJobInfo`
//! (`INIT` → `RUNNING` → `SUCCESS` or `FAIL`). Changes that take time finish after the
//! operation delay on the emulator's clock:
//!
//! - an account is `CREATING` then `AVAILABLE` (or `CREATEFAILED`), `UPDATING` while its role
//!   or password is reset, `DELETING` while a `DeleteAcl` background task runs;
//! - a whitelist, set directly (an `AddWhitelist` background task) or through a job, holds
//!   once that ends;
//! - `config_status` is `UPDATING` then `SUCCESS` (or `FAILURE`);
//! - jobs that change the instance (switchovers, SSL, public IP, bandwidth, nodes, client IP
//!   pass-through) keep it busy (ShowInstance's `task` set) while they run, with the matching
//!   task (`masterStandbySwapJob`, `BindEip`, `UnBindEip`, `RemoveIpFromDns`) where the Task
//!   Center has one.

use super::{invalid, not_found, put, Call, Project, Reply, Store, Task, Walk, WorkKind};
use crate::engine::{AclUser, Fact};
use crate::synthetic;
use crate::time::iso;
use crate::TaskStatus;
use dcs_model::ResponseKind;
use serde_json::{json, Value};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Operations whose answer carries a `job_id`: each records a job that `ShowJobInfo` reports.
pub(crate) const JOB_OPERATIONS: &[&str] = &[
    "ChangeMasterStandbyAsync",
    "ChangeNodesStartStopStatus",
    "DeleteIpFromDomainName",
    "DeletePublicIp",
    "ExecuteClusterSwitchover",
    "ExportInstancesTask",
    "HangUpKillAllClients",
    "StartInstanceResizeCheckJob",
    "UpdateAclAccount",
    "UpdateBandwidth",
    "UpdateClientIpTransparentTransmission",
    "UpdateInstanceConfig",
    "UpdateIpWhitelistAsync",
    "UpdatePublicIp",
    "UpdateSslSwitch",
];

/// The handlers of this module, besides the job operations.
const OWN: &[&str] = &[
    "BatchCreateOrDeleteTags",
    "CreateAclAccount",
    "DeleteAclAccount",
    "ListAclAccounts",
    "ListConfigurations",
    "ListTagsOfTenant",
    "ResetAclAccountPassWord",
    "ShowIpWhitelist",
    "ShowJobInfo",
    "ShowTags",
    "UpdateAclAccountPassWord",
    "UpdateAclAccountRemark",
    "UpdateConfigurations",
    "UpdateIpWhitelist",
];

/// Whether this module answers operation `name`.
pub(crate) fn handles(name: &str) -> bool {
    OWN.contains(&name) || JOB_OPERATIONS.contains(&name)
}

/// At most this many whitelist groups per instance, and IP entries over all groups.
const MAX_WHITELIST_GROUPS: usize = 4;
const MAX_WHITELIST_IPS: usize = 20;
/// At most this many tags per instance.
const MAX_TAGS: usize = 20;

#[derive(Debug, Clone)]
pub(crate) struct AclAccount {
    id: String,
    name: String,
    role: String,
    description: String,
    password: String,
    walk: Walk,
    /// Being deleted until then; gone after.
    deleting_until: Option<SystemTime>,
}

impl AclAccount {
    fn status(&self, now: SystemTime) -> &str {
        if self.deleting_until.is_some() {
            "DELETING"
        } else {
            self.walk.at(now)
        }
    }
}

#[derive(Debug, Clone, Default)]
struct Whitelist {
    enabled: bool,
    /// `[{"group_name": ..., "ip_list": [...]}]`, as the request gave it.
    groups: Vec<Value>,
}

/// An instance's accounts, whitelist, tags and configuration.
#[derive(Debug, Clone, Default)]
pub(crate) struct InstanceExtras {
    accounts: Vec<AclAccount>,
    whitelist: Whitelist,
    /// A whitelist update, applied at that time.
    pending_whitelist: Option<(SystemTime, Whitelist)>,
    /// Tags in the order they were added (keys unique).
    tags: Vec<(String, String)>,
    /// The last configuration change.
    config: Option<Walk>,
}

impl InstanceExtras {
    /// The name and password of an account that is not being deleted.
    pub(crate) fn account(&self, id: &str) -> Option<(&str, &str)> {
        self.accounts
            .iter()
            .find(|a| a.id == id && a.deleting_until.is_none())
            .map(|a| (a.name.as_str(), a.password.as_str()))
    }

    /// Whether an account has that name.
    pub(crate) fn has_account_named(&self, name: &str) -> bool {
        self.accounts.iter().any(|a| a.name == name)
    }

    pub(crate) fn settle(&mut self, now: SystemTime) {
        if self
            .pending_whitelist
            .as_ref()
            .is_some_and(|(t, _)| *t <= now)
        {
            if let Some((_, w)) = self.pending_whitelist.take() {
                self.whitelist = w;
            }
        }
        self.accounts
            .retain(|a| a.deleting_until.is_none_or(|t| t > now));
    }
}

/// A job of an operation that answered a `job_id`.
#[derive(Debug, Clone)]
pub(crate) struct Job {
    id: String,
    job_type: String,
    walk: Walk,
}

/// Milliseconds since the epoch, as text (how `ShowJobInfo` gives its times).
fn millis(t: SystemTime) -> String {
    t.duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_millis()
        .to_string()
}

/// The job type `ShowJobInfo` reports: the documented ones, else the operation's name in the
/// same style (`updateIpWhitelistAsyncJob`).
fn job_type(op: &str) -> String {
    match op {
        "ChangeMasterStandbyAsync" | "ExecuteClusterSwitchover" => "masterStandbySwapJob".into(),
        "UpdateClientIpTransparentTransmission" => "modifyClientIpTransJob".into(),
        "UpdateBandwidth" => "modifyBandwidth".into(),
        other => {
            let mut s: String = other.chars().take(1).flat_map(char::to_lowercase).collect();
            s.push_str(&other[1..]);
            s.push_str("Job");
            s
        }
    }
}

/// For a job that changes the instance: what ShowInstance's `task` names meanwhile, and the
/// Task Center task of the same change (where the reference names one).
fn job_change(op: &str) -> Option<(&'static str, Option<&'static str>)> {
    Some(match op {
        "ChangeMasterStandbyAsync" | "ExecuteClusterSwitchover" => {
            ("masterStandbySwapJob", Some("masterStandbySwapJob"))
        }
        "UpdatePublicIp" => ("BindEip", Some("BindEip")),
        "DeletePublicIp" => ("UnBindEip", Some("UnBindEip")),
        "DeleteIpFromDomainName" => ("RemoveIpFromDns", Some("RemoveIpFromDns")),
        "UpdateSslSwitch" => ("modifySsl", None),
        "UpdateClientIpTransparentTransmission" => ("modifyClientIpTransJob", None),
        "UpdateBandwidth" => ("modifyBandwidth", None),
        "ChangeNodesStartStopStatus" => ("changeNodesStatus", None),
        _ => return None,
    })
}

fn no_account(iid: &str, aid: &str) -> Reply {
    not_found(&format!("no account {aid} in instance {iid}"))
}

/// Reads and checks a `ModifyIpWhitelistBody`.
fn whitelist_of(body: &Value) -> Result<Whitelist, Reply> {
    let groups: Vec<Value> = body["whitelist"].as_array().cloned().unwrap_or_default();
    if groups.len() > MAX_WHITELIST_GROUPS {
        return Err(invalid(
            "body.whitelist",
            &format!("at most {MAX_WHITELIST_GROUPS} groups per instance"),
        ));
    }
    let mut ips = 0;
    for g in &groups {
        for ip in g["ip_list"].as_array().into_iter().flatten() {
            let ip = ip.as_str().unwrap_or("");
            if ip == "0.0.0.0" || ip == "0.0.0.0/0" {
                return Err(invalid(
                    "body.whitelist.ip_list",
                    &format!("{ip} is not allowed"),
                ));
            }
            ips += 1;
        }
    }
    if ips > MAX_WHITELIST_IPS {
        return Err(invalid(
            "body.whitelist.ip_list",
            &format!("at most {MAX_WHITELIST_IPS} addresses per instance"),
        ));
    }
    Ok(Whitelist {
        enabled: body["enable_whitelist"].as_bool().unwrap_or(false),
        groups,
    })
}

/// What the store hands the handlers of this module: fresh ids, the delay, and which work
/// is armed to fail.
struct Ctx {
    new_id: String,
    task_id: String,
    delay: Duration,
    fail_job: bool,
    fail_account: bool,
    fail_config: bool,
    fail_task: bool,
}

impl Store {
    /// Accounts, whitelist, tags, configuration and jobs.
    pub(super) fn resources(&mut self, call: &Call<'_>) -> Result<Reply, Reply> {
        let name = call.meta.name;
        let job = JOB_OPERATIONS.contains(&name);
        let ctx = Ctx {
            new_id: self.new_uuid(),
            task_id: self.new_hex(),
            delay: self.delay,
            fail_job: job && self.take_failure(WorkKind::Job),
            fail_account: name == "CreateAclAccount" && self.take_failure(WorkKind::Account),
            fail_config: matches!(name, "UpdateConfigurations" | "UpdateInstanceConfig")
                && self.take_failure(WorkKind::Config),
            fail_task: matches!(name, "UpdateIpWhitelist" | "DeleteAclAccount")
                && self.take_failure(WorkKind::Task),
        };
        let p = self.project(call.project);
        if job {
            return p.start_job(call, &ctx);
        }
        p.own(call, &ctx)
    }

    /// Adds (or replaces) a job that `ShowJobInfo` reports with a fixed status.
    pub(crate) fn seed_job(
        &mut self,
        project: &str,
        job_id: &str,
        job_type: &str,
        status: &str,
        now: SystemTime,
    ) {
        let p = self.project(project);
        p.jobs.retain(|j| j.id != job_id);
        p.jobs.push(Job {
            id: job_id.to_string(),
            job_type: job_type.to_string(),
            walk: Walk::fixed(now, status),
        });
    }

    /// Adds (or replaces) an available ACL account of an instance; `false` when the instance
    /// does not exist.
    pub(crate) fn seed_account(
        &mut self,
        project: &str,
        instance_id: &str,
        account_id: &str,
        name: &str,
        now: SystemTime,
    ) -> bool {
        let p = self.project(project);
        let Some(inst) = p.instances.iter_mut().find(|i| i.id == instance_id) else {
            return false;
        };
        inst.extras.accounts.retain(|a| a.id != account_id);
        if let Some(e) = inst.engine() {
            // A seeded account has no password: nobody can log in as it until one is set.
            e.edit(|d| {
                d.accounts.insert(
                    name.to_string(),
                    AclUser {
                        role: "read".to_string(),
                        password: None,
                    },
                );
            });
            e.apply_later();
        }
        inst.extras.accounts.push(AclAccount {
            id: account_id.to_string(),
            name: name.to_string(),
            role: "read".to_string(),
            description: String::new(),
            password: String::new(),
            walk: Walk::fixed(now, "AVAILABLE"),
            deleting_until: None,
        });
        true
    }
}

impl Project {
    /// Records a job of `job_type` running for `delay` (ending `FAIL` when `fails`); its id.
    pub(crate) fn push_job(
        &mut self,
        id: String,
        job_type: String,
        now: SystemTime,
        delay: Duration,
        fails: bool,
    ) -> SystemTime {
        let walk = Walk::new(
            now,
            delay,
            &["INIT", "RUNNING"],
            if fails { "FAIL" } else { "SUCCESS" },
        );
        let done = walk.done_at();
        self.jobs.push(Job { id, job_type, walk });
        done
    }

    fn start_job(&mut self, call: &Call<'_>, ctx: &Ctx) -> Result<Reply, Reply> {
        let now = call.now;
        let job_id = ctx.new_id.clone();
        let iid = call.str("instance_id").to_string();
        let has_instance = call.meta.params.iter().any(|p| p.name == "instance_id");
        if has_instance {
            let inst = self.instance(&iid)?;
            match call.meta.name {
                "UpdateAclAccount" => {
                    let aid = call.str("account_id");
                    let acc = inst
                        .extras
                        .accounts
                        .iter_mut()
                        .find(|a| a.id == aid && a.deleting_until.is_none())
                        .ok_or_else(|| no_account(&iid, aid))?;
                    if let Some(role) = call.body()["account_role"].as_str() {
                        acc.role = role.to_string();
                    }
                    acc.walk = Walk::new(
                        now,
                        ctx.delay,
                        &["UPDATING"],
                        if ctx.fail_job { "ERROR" } else { "AVAILABLE" },
                    );
                }
                "UpdateIpWhitelistAsync" => {
                    let w = whitelist_of(call.body())?;
                    if !ctx.fail_job {
                        inst.extras.pending_whitelist = Some((now + ctx.delay, w));
                    }
                }
                "UpdateInstanceConfig" => {
                    if let Some(Ok(Fact::Refused(why))) = call.fact(&iid) {
                        return Err(Reply::Error(400, dcs_model::codes::DCS_4066, why.clone()));
                    }
                    inst.extras.config = Some(Walk::new(
                        now,
                        ctx.delay,
                        &["UPDATING"],
                        if ctx.fail_job || ctx.fail_config {
                            "FAILURE"
                        } else {
                            "SUCCESS"
                        },
                    ));
                }
                _ => {}
            }
            if let Some((busy, task)) = job_change(call.meta.name) {
                inst.busy(now, ctx.delay, busy);
                if let Some(task) = task {
                    self.push_task(Task::running(
                        ctx.task_id.clone(),
                        task,
                        &iid,
                        now,
                        now + ctx.delay,
                        if ctx.fail_job {
                            TaskStatus::Failed
                        } else {
                            TaskStatus::Success
                        },
                        json!({}),
                    ));
                }
            }
        }
        self.push_job(
            job_id.clone(),
            job_type(call.meta.name),
            now,
            ctx.delay,
            ctx.fail_job,
        );
        // A whole-body answer (a node start or stop, a bandwidth change, closing every
        // client) is the JSON object the reference shows.
        if call.meta.response_kind == ResponseKind::WholeBody {
            return Ok(Reply::Json(json!({ "job_id": job_id })));
        }
        let mut v = call.example();
        synthetic::replace_key(&mut v, "job_id", &job_id);
        if has_instance {
            synthetic::replace_key(&mut v, "instance_id", &iid);
        }
        if v.get("result").is_some() {
            v["result"] = json!("success");
        }
        Ok(Reply::Json(v))
    }

    fn own(&mut self, call: &Call<'_>, ctx: &Ctx) -> Result<Reply, Reply> {
        let now = call.now;
        let delay = ctx.delay;
        let iid = call.str("instance_id").to_string();
        let aid = call.str("account_id").to_string();
        match call.meta.name {
            "ShowJobInfo" => {
                let id = call.str("job_id");
                let job = self
                    .jobs
                    .iter()
                    .find(|j| j.id == id)
                    .ok_or_else(|| not_found(&format!("no job {id} in this project")))?;
                let status = job.walk.at(now);
                let done = job.walk.done(now);
                let mut v = call.example();
                v["job_id"] = json!(job.id);
                v["job_type"] = json!(job.job_type);
                v["status"] = json!(status);
                v["begin_time"] = json!(millis(job.walk.started()));
                v["end_time"] = json!(if done {
                    millis(job.walk.done_at())
                } else {
                    String::new()
                });
                v["fail_reason"] = json!(if status == "FAIL" {
                    "the emulator was told to fail this job"
                } else {
                    ""
                });
                Ok(Reply::Json(v))
            }
            "CreateAclAccount" => {
                let inst = self.instance(&iid)?;
                let b = call.body();
                let name = b["account_name"].as_str().unwrap_or("").to_string();
                if inst.extras.accounts.iter().any(|a| a.name == name) {
                    return Err(invalid(
                        "body.account_name",
                        &format!("an account named {name} already exists"),
                    ));
                }
                inst.extras.accounts.push(AclAccount {
                    id: ctx.new_id.clone(),
                    name,
                    role: b["account_role"].as_str().unwrap_or("read").to_string(),
                    description: b["description"].as_str().unwrap_or("").to_string(),
                    password: b["account_password"].as_str().unwrap_or("").to_string(),
                    walk: Walk::new(
                        now,
                        delay,
                        &["CREATING"],
                        if ctx.fail_account {
                            "CREATEFAILED"
                        } else {
                            "AVAILABLE"
                        },
                    ),
                    deleting_until: None,
                });
                Ok(Reply::Empty)
            }
            "ListAclAccounts" => {
                let inst = self.instance(&iid)?;
                let example = call.example();
                let tpl = super::template(&example, "accounts");
                let accounts: Vec<Value> = inst
                    .extras
                    .accounts
                    .iter()
                    .map(|a| {
                        let mut v = tpl.clone();
                        if let Some(o) = v.as_object_mut() {
                            o.insert("account_id".into(), json!(a.id));
                            o.insert("account_name".into(), json!(a.name));
                            o.insert("account_role".into(), json!(a.role));
                            o.insert("account_type".into(), json!("normal"));
                            o.insert("description".into(), json!(a.description));
                            o.insert("instance_id".into(), json!(iid));
                            o.insert("status".into(), json!(a.status(now)));
                            o.insert("error_code".into(), Value::Null);
                        }
                        v
                    })
                    .collect();
                Ok(Reply::Json(json!({ "accounts": accounts })))
            }
            "DeleteAclAccount" => {
                let inst = self.instance(&iid)?;
                let acc = inst
                    .extras
                    .accounts
                    .iter_mut()
                    .find(|a| a.id == aid && a.deleting_until.is_none())
                    .ok_or_else(|| no_account(&iid, &aid))?;
                let name = acc.name.clone();
                // A failed deletion leaves the account as it was.
                if !ctx.fail_task {
                    acc.deleting_until = Some(now + delay);
                }
                self.push_task(Task::running(
                    ctx.task_id.clone(),
                    "DeleteAcl",
                    &iid,
                    now,
                    now + delay,
                    if ctx.fail_task {
                        TaskStatus::Failed
                    } else {
                        TaskStatus::Success
                    },
                    json!({ "account_name": name }),
                ));
                Ok(Reply::Empty)
            }
            "UpdateAclAccountRemark" | "ResetAclAccountPassWord" | "UpdateAclAccountPassWord" => {
                let inst = self.instance(&iid)?;
                let acc = inst
                    .extras
                    .accounts
                    .iter_mut()
                    .find(|a| a.id == aid && a.deleting_until.is_none())
                    .ok_or_else(|| no_account(&iid, &aid))?;
                let b = call.body();
                if call.meta.name == "UpdateAclAccountRemark" {
                    acc.description = b["description"].as_str().unwrap_or("").to_string();
                    return Ok(Reply::Empty);
                }
                let old = b["old_password"].as_str();
                if call.meta.name == "UpdateAclAccountPassWord"
                    && !acc.password.is_empty()
                    && old.is_some_and(|o| o != acc.password)
                {
                    return Err(invalid("body.old_password", "the old password is wrong"));
                }
                if let Some(pw) = b["new_password"].as_str() {
                    acc.password = pw.to_string();
                }
                if call.meta.name == "ResetAclAccountPassWord" {
                    acc.walk = Walk::new(now, delay, &["UPDATING"], "AVAILABLE");
                }
                let mut v = call.example();
                for (k, val) in [
                    ("code", json!("DCS.0000")),
                    ("message", json!("success")),
                    ("result", json!("success")),
                    ("lock_time", json!("0")),
                    ("lock_time_left", json!("0")),
                    ("retry_times_left", json!("5")),
                ] {
                    put(&mut v, k, val);
                }
                Ok(Reply::Json(v))
            }
            "ShowIpWhitelist" => {
                let inst = self.instance(&iid)?;
                let w = &inst.extras.whitelist;
                Ok(Reply::Json(json!({
                    "instance_id": iid,
                    "enable_whitelist": w.enabled,
                    "whitelist": w.groups,
                })))
            }
            "UpdateIpWhitelist" => {
                let inst = self.instance(&iid)?;
                let w = whitelist_of(call.body())?;
                // Applied when its `AddWhitelist` task ends (not at all if that fails).
                inst.extras.pending_whitelist = (!ctx.fail_task).then_some((now + delay, w));
                self.push_task(Task::running(
                    ctx.task_id.clone(),
                    "AddWhitelist",
                    &iid,
                    now,
                    now + delay,
                    if ctx.fail_task {
                        TaskStatus::Failed
                    } else {
                        TaskStatus::Success
                    },
                    json!({}),
                ));
                Ok(Reply::Empty)
            }
            "ListConfigurations" => {
                let inst = self.instance(&iid)?;
                let status = inst.status(now).to_string();
                let mut v = call.example();
                let (config_status, at) = match &inst.extras.config {
                    Some(w) => (w.at(now).to_string(), w.started()),
                    None => ("SUCCESS".to_string(), now),
                };
                put(&mut v, "config_status", json!(config_status));
                put(&mut v, "config_time", json!(iso(at)));
                put(&mut v, "instance_id", json!(iid));
                put(&mut v, "status", json!(status));
                if let Some(e) = inst.engine() {
                    // The engine's own values where it has the parameter.
                    let engine_values = match call.fact(&iid) {
                        Some(Ok(Fact::Params(m))) => Some(m),
                        _ => None,
                    };
                    let desired = e.desired();
                    let items: Vec<Value> = crate::engine_params::PARAMS
                        .iter()
                        .map(|p| {
                            let value = engine_values
                                .and_then(|m| m.get(p.name))
                                .or_else(|| desired.params.get(p.name))
                                .map_or(p.default, String::as_str);
                            json!({
                                "param_id": p.id,
                                "param_name": p.name,
                                "param_value": value,
                                "default_value": p.default,
                                "value_type": p.value_type,
                                "value_range": p.range,
                                "description": p.description,
                            })
                        })
                        .collect();
                    put(&mut v, "redis_config", json!(items));
                }
                Ok(Reply::Json(v))
            }
            "UpdateConfigurations" => {
                if let Some(Ok(Fact::Refused(why))) = call.fact(&iid) {
                    return Err(Reply::Error(400, dcs_model::codes::DCS_4066, why.clone()));
                }
                let inst = self.instance(&iid)?;
                inst.extras.config = Some(Walk::new(
                    now,
                    delay,
                    &["UPDATING"],
                    if ctx.fail_config {
                        "FAILURE"
                    } else {
                        "SUCCESS"
                    },
                ));
                Ok(Reply::Empty)
            }
            "ShowTags" => {
                let inst = self.instance(&iid)?;
                let tags: Vec<Value> = inst
                    .extras
                    .tags
                    .iter()
                    .map(|(k, v)| json!({ "key": k, "value": v }))
                    .collect();
                Ok(Reply::Json(json!({ "tags": tags })))
            }
            "BatchCreateOrDeleteTags" => {
                let inst = self.instance(&iid)?;
                let b = call.body();
                let tags = b["tags"].as_array().cloned().unwrap_or_default();
                match b["action"].as_str().unwrap_or("") {
                    "create" => {
                        let mut next = inst.extras.tags.clone();
                        for t in &tags {
                            let key = t["key"].as_str().unwrap_or("").to_string();
                            let Some(value) = t["value"].as_str() else {
                                return Err(invalid(
                                    "body.tags.value",
                                    "a value is required to create a tag",
                                ));
                            };
                            match next.iter_mut().find(|(k, _)| *k == key) {
                                Some(slot) => slot.1 = value.to_string(),
                                None => next.push((key, value.to_string())),
                            }
                        }
                        if next.len() > MAX_TAGS {
                            return Err(invalid(
                                "body.tags",
                                &format!("at most {MAX_TAGS} tags per instance"),
                            ));
                        }
                        inst.extras.tags = next;
                    }
                    "delete" => {
                        for t in &tags {
                            let key = t["key"].as_str().unwrap_or("");
                            inst.extras.tags.retain(|(k, _)| k != key);
                        }
                    }
                    other => {
                        return Err(invalid(
                            "body.action",
                            &format!("{other:?} is not create or delete"),
                        ))
                    }
                }
                Ok(Reply::Empty)
            }
            "ListTagsOfTenant" => {
                let mut keys: std::collections::BTreeMap<&str, std::collections::BTreeSet<&str>> =
                    Default::default();
                for inst in &self.instances {
                    for (k, v) in &inst.extras.tags {
                        keys.entry(k).or_default().insert(v);
                    }
                }
                let tags: Vec<Value> = keys
                    .into_iter()
                    .map(
                        |(k, vs)| json!({ "key": k, "values": vs.into_iter().collect::<Vec<_>>() }),
                    )
                    .collect();
                Ok(Reply::Json(json!({ "tags": tags })))
            }
            other => Err(invalid("operation", &format!("no handler for {other}"))),
        }
    }
}
