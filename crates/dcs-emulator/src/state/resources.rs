//! What hangs off an instance (ACL accounts, the IP whitelist, tags) and the jobs of the
//! operations that answer a `job_id`, reported by `ShowJobInfo`. Changes that take time (an
//! account being created, an asynchronous whitelist update, every job) finish after the
//! operation delay on the emulator's clock.

use super::{invalid, not_running, Call, Project, Reply, Store, RUNNING};
use crate::synthetic;
use serde_json::{json, Value};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Operations whose answer carries a `job_id`: each records a job that `ShowJobInfo` reports.
pub(crate) const JOB_OPERATIONS: &[&str] = &[
    "ChangeMasterStandbyAsync",
    "DeleteIpFromDomainName",
    "DeletePublicIp",
    "ExecuteClusterSwitchover",
    "ExportInstancesTask",
    "StartInstanceResizeCheckJob",
    "UpdateAclAccount",
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
    "ListTagsOfTenant",
    "ResetAclAccountPassWord",
    "ShowIpWhitelist",
    "ShowJobInfo",
    "ShowTags",
    "UpdateAclAccountPassWord",
    "UpdateAclAccountRemark",
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
    /// `CREATING` until then, `AVAILABLE` after.
    available_at: SystemTime,
}

#[derive(Debug, Clone, Default)]
struct Whitelist {
    enabled: bool,
    /// `[{"group_name": ..., "ip_list": [...]}]`, as the request gave it.
    groups: Vec<Value>,
}

/// An instance's accounts, whitelist and tags.
#[derive(Debug, Clone, Default)]
pub(crate) struct InstanceExtras {
    accounts: Vec<AclAccount>,
    whitelist: Whitelist,
    /// An asynchronous whitelist update, applied at that time.
    pending_whitelist: Option<(SystemTime, Whitelist)>,
    /// Tags in the order they were added (keys unique).
    tags: Vec<(String, String)>,
}

impl InstanceExtras {
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
    }
}

/// A job of an operation that answered a `job_id`.
#[derive(Debug, Clone)]
pub(crate) struct Job {
    id: String,
    job_type: String,
    begin: SystemTime,
    end: SystemTime,
}

/// Milliseconds since the epoch, as text (how `ShowJobInfo` gives its times).
fn millis(t: SystemTime) -> String {
    t.duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_millis()
        .to_string()
}

/// The job type `ShowJobInfo` reports: the two documented ones, else the operation's name in
/// the same style (`updateIpWhitelistAsyncJob`).
fn job_type(op: &str) -> String {
    match op {
        "ChangeMasterStandbyAsync" | "ExecuteClusterSwitchover" => "masterStandbySwapJob".into(),
        "UpdateClientIpTransparentTransmission" => "modifyClientIpTransJob".into(),
        other => {
            let mut s: String = other.chars().take(1).flat_map(char::to_lowercase).collect();
            s.push_str(&other[1..]);
            s.push_str("Job");
            s
        }
    }
}

fn no_account(iid: &str, aid: &str) -> Reply {
    Reply::Error(
        404,
        dcs_model::codes::NOT_FOUND,
        format!("The requested URL does not exist: no account {aid} in instance {iid}"),
    )
}

fn no_job(id: &str) -> Reply {
    Reply::Error(
        404,
        dcs_model::codes::NOT_FOUND,
        format!("The requested URL does not exist: no job {id} in this project"),
    )
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

impl Store {
    /// Accounts, whitelist, tags and jobs.
    pub(super) fn resources(&mut self, call: &Call<'_>) -> Result<Reply, Reply> {
        let job_id = self.new_uuid();
        let account_id = self.new_uuid();
        let delay = self.delay;
        let p = self.project(call.project);
        p.settle(call.now);
        if JOB_OPERATIONS.contains(&call.meta.name) {
            return p.start_job(call, job_id, delay);
        }
        p.own(call, account_id, delay)
    }
}

impl Project {
    /// A running instance the call names (404 when unknown, 400 when not running).
    fn running(&mut self, iid: &str) -> Result<&mut super::Instance, Reply> {
        let inst = self.instance(iid)?;
        if inst.status != RUNNING {
            return Err(not_running(inst));
        }
        Ok(inst)
    }

    fn start_job(
        &mut self,
        call: &Call<'_>,
        job_id: String,
        delay: Duration,
    ) -> Result<Reply, Reply> {
        let iid = call.str("instance_id").to_string();
        let has_instance = call.meta.params.iter().any(|p| p.name == "instance_id");
        if has_instance {
            let inst = self.running(&iid)?;
            match call.meta.name {
                "UpdateAclAccount" => {
                    let aid = call.str("account_id");
                    let acc = inst
                        .extras
                        .accounts
                        .iter_mut()
                        .find(|a| a.id == aid)
                        .ok_or_else(|| no_account(&iid, aid))?;
                    if let Some(role) = call.body()["account_role"].as_str() {
                        acc.role = role.to_string();
                    }
                }
                "UpdateIpWhitelistAsync" => {
                    let w = whitelist_of(call.body())?;
                    inst.extras.pending_whitelist = Some((call.now + delay, w));
                }
                _ => {}
            }
        }
        self.jobs.push(Job {
            id: job_id.clone(),
            job_type: job_type(call.meta.name),
            begin: call.now,
            end: call.now + delay,
        });
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

    fn own(&mut self, call: &Call<'_>, new_id: String, delay: Duration) -> Result<Reply, Reply> {
        let now = call.now;
        let iid = call.str("instance_id").to_string();
        let aid = call.str("account_id").to_string();
        match call.meta.name {
            "ShowJobInfo" => {
                let id = call.str("job_id");
                let job = self
                    .jobs
                    .iter()
                    .find(|j| j.id == id)
                    .ok_or_else(|| no_job(id))?;
                let done = job.end <= now;
                let mut v = call.example();
                v["job_id"] = json!(job.id);
                v["job_type"] = json!(job.job_type);
                v["status"] = json!(if done { "SUCCESS" } else { "RUNNING" });
                v["begin_time"] = json!(millis(job.begin));
                v["end_time"] = json!(if done { millis(job.end) } else { String::new() });
                v["fail_reason"] = json!("");
                Ok(Reply::Json(v))
            }
            "CreateAclAccount" => {
                let inst = self.running(&iid)?;
                let b = call.body();
                let name = b["account_name"].as_str().unwrap_or("").to_string();
                if inst.extras.accounts.iter().any(|a| a.name == name) {
                    return Err(invalid(
                        "body.account_name",
                        &format!("an account named {name} already exists"),
                    ));
                }
                inst.extras.accounts.push(AclAccount {
                    id: new_id,
                    name,
                    role: b["account_role"].as_str().unwrap_or("read").to_string(),
                    description: b["description"].as_str().unwrap_or("").to_string(),
                    password: b["account_password"].as_str().unwrap_or("").to_string(),
                    available_at: now + delay,
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
                            let status = if a.available_at <= now {
                                "AVAILABLE"
                            } else {
                                "CREATING"
                            };
                            o.insert("status".into(), json!(status));
                            o.insert("error_code".into(), Value::Null);
                        }
                        v
                    })
                    .collect();
                Ok(Reply::Json(json!({ "accounts": accounts })))
            }
            "DeleteAclAccount" => {
                let inst = self.running(&iid)?;
                let before = inst.extras.accounts.len();
                inst.extras.accounts.retain(|a| a.id != aid);
                if inst.extras.accounts.len() == before {
                    return Err(no_account(&iid, &aid));
                }
                Ok(Reply::Empty)
            }
            "UpdateAclAccountRemark" | "ResetAclAccountPassWord" | "UpdateAclAccountPassWord" => {
                let inst = self.running(&iid)?;
                let acc = inst
                    .extras
                    .accounts
                    .iter_mut()
                    .find(|a| a.id == aid)
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
                let mut v = call.example();
                if let Some(o) = v.as_object_mut() {
                    for (k, val) in [
                        ("code", json!("DCS.0000")),
                        ("message", json!("success")),
                        ("result", json!("success")),
                        ("lock_time", json!("0")),
                        ("lock_time_left", json!("0")),
                        ("retry_times_left", json!("5")),
                    ] {
                        if o.contains_key(k) {
                            o.insert(k.into(), val);
                        }
                    }
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
                let inst = self.running(&iid)?;
                let w = whitelist_of(call.body())?;
                inst.extras.whitelist = w;
                inst.extras.pending_whitelist = None;
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
                let inst = self.running(&iid)?;
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
            other => Err(Reply::Error(
                500,
                dcs_model::codes::SYSTEM_BUSY,
                format!("no stateful handler for {other}"),
            )),
        }
    }
}

impl Store {
    /// Adds (or replaces) a finished job.
    pub(crate) fn seed_job(
        &mut self,
        project: &str,
        job_id: &str,
        job_type: &str,
        now: SystemTime,
    ) {
        let p = self.project(project);
        p.jobs.retain(|j| j.id != job_id);
        p.jobs.push(Job {
            id: job_id.to_string(),
            job_type: job_type.to_string(),
            begin: now,
            end: now,
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
        inst.extras.accounts.push(AclAccount {
            id: account_id.to_string(),
            name: name.to_string(),
            role: "read".to_string(),
            description: String::new(),
            password: String::new(),
            available_at: now,
        });
        true
    }
}
