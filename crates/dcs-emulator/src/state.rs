//! The stateful tier: instances, the Task Center (and each instance's view of it), backups and
//! restores, kept per project in one store. State changes that take time are computed from
//! the injected clock when the state is next looked at: nothing sleeps.

use crate::synthetic;
use crate::time::{compact, iso};
use crate::TaskStatus;
use dcs_model::OperationMeta;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::time::{Duration, SystemTime};

mod resources;

/// Operations answered from state; every other operation is synthetic.
pub(crate) const STATEFUL: &[&str] = &[
    // Accounts, whitelist, tags and jobs (`resources`).
    "BatchCreateOrDeleteTags",
    "ChangeMasterStandbyAsync",
    "CreateAclAccount",
    "DeleteAclAccount",
    "DeleteIpFromDomainName",
    "DeletePublicIp",
    "ExecuteClusterSwitchover",
    "ExportInstancesTask",
    "ListAclAccounts",
    "ListTagsOfTenant",
    "ResetAclAccountPassWord",
    "ShowIpWhitelist",
    "ShowJobInfo",
    "ShowTags",
    "StartInstanceResizeCheckJob",
    "UpdateAclAccount",
    "UpdateAclAccountPassWord",
    "UpdateAclAccountRemark",
    "UpdateClientIpTransparentTransmission",
    "UpdateInstanceConfig",
    "UpdateIpWhitelist",
    "UpdateIpWhitelistAsync",
    "UpdatePublicIp",
    "UpdateSslSwitch",
    // Instances, tasks, backups and restores (this module).
    "BatchDeleteInstances",
    "CopyInstance",
    "CreateInstance",
    "DeleteBackgroundTask",
    "DeleteBackupFile",
    "DeleteCenterTask",
    "DeleteSingleInstance",
    "ListBackgroundTask",
    "ListBackupRecords",
    "ListCenterTask",
    "ListInstances",
    "ListRestoreRecords",
    "ResizeInstance",
    "RestartOrFlushInstances",
    "RestoreInstance",
    "ShowBackgroundTaskProgress",
    "ShowInstance",
    "UpdateInstance",
];

/// The instance status in which instances accept operations.
pub(crate) const RUNNING: &str = "RUNNING";

#[derive(Debug, Clone)]
pub(crate) struct Task {
    pub(crate) id: String,
    name: String,
    pub(crate) status: TaskStatus,
    /// When a running task finishes (successfully); `None` keeps it as it is.
    done_at: Option<SystemTime>,
    instance_id: Option<String>,
    created_at: SystemTime,
    updated_at: SystemTime,
    details: Value,
    params: String,
}

impl Task {
    fn settle(&mut self, now: SystemTime) {
        if let (TaskStatus::Running, Some(t)) = (self.status, self.done_at) {
            if t <= now {
                self.status = TaskStatus::Success;
                self.updated_at = t;
            }
        }
    }
    fn status_text(&self) -> &'static str {
        match self.status {
            TaskStatus::Success => "SUCCESS",
            TaskStatus::Failed => "FAILED",
            TaskStatus::Running => "RUNNING",
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Instance {
    pub(crate) id: String,
    name: String,
    description: String,
    pub(crate) status: String,
    /// A status the instance reaches at a time (`CREATING` → `RUNNING`, ...).
    pending: Option<(SystemTime, &'static str)>,
    created_at: SystemTime,
    capacity: f64,
    spec_code: String,
    engine: String,
    engine_version: String,
    port: i64,
    order_id: String,
    /// ACL accounts, IP whitelist and tags.
    pub(crate) extras: resources::InstanceExtras,
}

impl Instance {
    fn settle(&mut self, now: SystemTime) {
        if let Some((t, s)) = self.pending {
            if t <= now {
                self.status = s.to_string();
                self.pending = None;
            }
        }
        self.extras.settle(now);
    }
    /// Writes what the emulator knows over an example instance object.
    fn fill(&self, v: &mut Value) {
        let Some(o) = v.as_object_mut() else { return };
        let mut set = |k: &str, val: Value| {
            if o.contains_key(k) {
                o.insert(k.to_string(), val);
            }
        };
        set("instance_id", json!(self.id));
        set("name", json!(self.name));
        set("description", json!(self.description));
        set("status", json!(self.status));
        set("capacity", json!(self.capacity.floor() as i64));
        set("capacity_minor", json!(capacity_text(self.capacity)));
        set("spec_code", json!(self.spec_code));
        set("engine", json!(self.engine));
        set("engine_version", json!(self.engine_version));
        set("port", json!(self.port));
        set("order_id", json!(self.order_id));
        set("created_at", json!(iso(self.created_at)));
        // The change in progress, as ShowInstance reports it: set while the instance works
        // on something (even once `status` reads RUNNING again), empty when idle.
        set(
            "task",
            match &self.pending {
                Some(_) => json!({ "name": self.status, "status": "RUNNING" }),
                None => Value::Null,
            },
        );
    }
}

/// `2` for 2.0, `0.125` for 0.125.
fn capacity_text(c: f64) -> String {
    if c.fract() == 0.0 {
        format!("{}", c as i64)
    } else {
        format!("{c}")
    }
}

#[derive(Debug, Clone)]
struct Backup {
    id: String,
    instance_id: String,
    done_at: Option<SystemTime>,
    created_at: SystemTime,
    remark: String,
    format: String,
}

#[derive(Debug, Clone)]
struct Restore {
    id: String,
    instance_id: String,
    backup_id: String,
    done_at: Option<SystemTime>,
    created_at: SystemTime,
    remark: String,
}

/// One project's resources.
#[derive(Debug, Default)]
pub(crate) struct Project {
    pub(crate) instances: Vec<Instance>,
    pub(crate) tasks: Vec<Task>,
    backups: Vec<Backup>,
    restores: Vec<Restore>,
    /// Jobs of the operations that answer a `job_id` (`ShowJobInfo`).
    pub(crate) jobs: Vec<resources::Job>,
}

impl Project {
    pub(crate) fn settle(&mut self, now: SystemTime) {
        self.instances.iter_mut().for_each(|i| i.settle(now));
        self.tasks.iter_mut().for_each(|t| t.settle(now));
    }
    fn instance(&mut self, id: &str) -> Result<&mut Instance, Reply> {
        self.instances
            .iter_mut()
            .find(|i| i.id == id)
            .ok_or_else(|| no_instance(id))
    }
}

/// Everything the emulator keeps, per project.
#[derive(Debug)]
pub(crate) struct Store {
    pub(crate) projects: HashMap<String, Project>,
    seq: u64,
    nonce: u32,
    /// How long asynchronous operations take (measured on the emulator's clock).
    pub(crate) delay: Duration,
}

/// The default operation delay: short enough for tests that wait on real time.
pub const DEFAULT_OPERATION_DELAY: Duration = Duration::from_millis(100);

/// What a stateful handler answers.
#[derive(Debug)]
pub(crate) enum Reply {
    /// 200 with this JSON body.
    Json(Value),
    /// 200 with no body.
    Empty,
    /// A DCS error.
    Error(u16, &'static str, String),
}

fn no_instance(id: &str) -> Reply {
    Reply::Error(
        404,
        dcs_model::codes::INSTANCE_NOT_FOUND,
        format!("This DCS instance does not exist: {id}"),
    )
}

fn not_running(i: &Instance) -> Reply {
    Reply::Error(
        400,
        dcs_model::codes::INSTANCE_STATE_NOT_ALLOWED,
        format!(
            "Operation not allowed in the instance's current state: instance {} is {}",
            i.id, i.status
        ),
    )
}

fn invalid(field: &str, why: &str) -> Reply {
    Reply::Error(
        400,
        "DCS.4062",
        format!("Invalid {field} parameter in the request: {why}"),
    )
}

/// The request's inputs, as the gateway checked them.
pub(crate) struct Call<'a> {
    pub(crate) meta: &'static OperationMeta,
    pub(crate) project: &'a str,
    pub(crate) input: &'a Value,
    pub(crate) now: SystemTime,
}

impl Call<'_> {
    fn str(&self, k: &str) -> &str {
        self.input[k].as_str().unwrap_or("")
    }
    fn body(&self) -> &Value {
        &self.input["body"]
    }
    fn example(&self) -> Value {
        synthetic::example(self.meta.name)
    }
}

/// Pages `items` by the request's `offset` and `limit` (`limit` in 1..=1000, default 10).
fn page<T: Clone>(call: &Call<'_>, items: &[T]) -> Result<Vec<T>, Reply> {
    let offset = call.input["offset"].as_i64().unwrap_or(0);
    let limit = call.input["limit"].as_i64().unwrap_or(10);
    if offset < 0 {
        return Err(invalid("offset", "must be at least 0"));
    }
    if !(1..=1000).contains(&limit) {
        return Err(invalid("limit", "must be between 1 and 1000"));
    }
    Ok(items
        .iter()
        .skip(offset as usize)
        .take(limit as usize)
        .cloned()
        .collect())
}

/// Whether `t` falls in the request's `[start, end]` window (`yyyyMMddHHmmss`, UTC).
fn in_window(call: &Call<'_>, start_key: &str, t: SystemTime) -> bool {
    let c = compact(t);
    let after = call.input[start_key]
        .as_str()
        .is_none_or(|s| c.as_str() >= s);
    let before = call.input["end_time"]
        .as_str()
        .is_none_or(|e| c.as_str() <= e);
    after && before
}

/// The first item of an example list, as a template for one element.
fn template(example: &Value, list: &str) -> Value {
    example[list][0].clone()
}

impl Store {
    pub(crate) fn new(nonce: u32) -> Self {
        Self {
            projects: HashMap::new(),
            seq: 0,
            nonce,
            delay: DEFAULT_OPERATION_DELAY,
        }
    }

    fn next(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }
    /// A UUID-shaped id, unique in this emulator.
    pub(crate) fn new_uuid(&mut self) -> String {
        let n = self.next();
        format!("{:08x}-0000-4000-8000-{n:012x}", self.nonce)
    }
    /// A 32-hex-digit id (task ids look like this).
    pub(crate) fn new_hex(&mut self) -> String {
        let n = self.next();
        format!("{:08x}{:024x}", self.nonce, n)
    }

    pub(crate) fn project(&mut self, p: &str) -> &mut Project {
        self.projects.entry(p.to_string()).or_default()
    }

    pub(crate) fn seed_instance(&mut self, project: &str, id: &str, status: &str, now: SystemTime) {
        let order_id = self.new_hex();
        let inst = Instance {
            id: id.to_string(),
            name: format!("dcs-{id}"),
            description: String::new(),
            status: status.to_string(),
            pending: None,
            created_at: now,
            capacity: 1.0,
            spec_code: "redis.ha.xu1.large.r2.1".to_string(),
            engine: "Redis".to_string(),
            engine_version: "5.0".to_string(),
            port: 6379,
            order_id,
            extras: Default::default(),
        };
        let p = self.project(project);
        p.instances.retain(|i| i.id != id);
        p.instances.push(inst);
    }

    pub(crate) fn seed_task(
        &mut self,
        project: &str,
        id: &str,
        status: TaskStatus,
        instance_id: Option<&str>,
        now: SystemTime,
    ) {
        let task = Task {
            id: id.to_string(),
            name: "EXTEND".to_string(),
            status,
            done_at: None,
            instance_id: instance_id.map(str::to_string),
            created_at: now,
            updated_at: now,
            details: json!({}),
            params: instance_id
                .map(|i| json!({ "instance_id": i }).to_string())
                .unwrap_or_default(),
        };
        let p = self.project(project);
        p.tasks.retain(|t| t.id != id);
        p.tasks.push(task);
    }

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
            done_at: Some(now),
            created_at: now,
            remark: String::new(),
            format: "rdb".to_string(),
        };
        let p = self.project(project);
        p.backups.retain(|x| x.id != id);
        p.backups.push(b);
    }

    /// Runs the stateful handler of `call.meta`, or `None` when the operation is synthetic.
    pub(crate) fn handle(&mut self, call: &Call<'_>) -> Option<Reply> {
        let delay = self.delay;
        let now = call.now;
        let r = match call.meta.name {
            "CreateInstance" => Ok(self.create_instance(call)),
            "DeleteCenterTask" => self.delete_task(call, false),
            "DeleteBackgroundTask" => self.delete_task(call, true),
            "ListCenterTask" => self.list_tasks(call, false),
            "ListBackgroundTask" => self.list_tasks(call, true),
            "ResizeInstance" => self.resize(call),
            "CopyInstance" => self.backup(call),
            "RestoreInstance" => self.restore(call),
            name if resources::handles(name) => self.resources(call),
            name if STATEFUL.contains(&name) => {
                let p = self.project(call.project);
                p.settle(now);
                p.simple(call, delay)
            }
            _ => return None,
        };
        Some(r.unwrap_or_else(|e| e))
    }

    fn create_instance(&mut self, call: &Call<'_>) -> Reply {
        let id = self.new_uuid();
        let order_id = self.new_hex();
        let b = call.body();
        let text = |k: &str, d: &str| b[k].as_str().unwrap_or(d).to_string();
        let inst = Instance {
            id: id.clone(),
            name: text("name", "dcs"),
            description: text("description", ""),
            status: "CREATING".to_string(),
            pending: Some((call.now + self.delay, RUNNING)),
            created_at: call.now,
            capacity: b["capacity"].as_f64().unwrap_or(1.0),
            spec_code: text("spec_code", ""),
            engine: text("engine", "Redis"),
            engine_version: text("engine_version", ""),
            port: b["port"].as_i64().unwrap_or(6379),
            order_id: order_id.clone(),
            extras: Default::default(),
        };
        let name = inst.name.clone();
        self.project(call.project).instances.push(inst);
        let mut v = call.example();
        synthetic::replace_key(&mut v, "instance_id", &id);
        synthetic::replace_key(&mut v, "instance_name", &name);
        synthetic::replace_key(&mut v, "order_id", &order_id);
        Reply::Json(v)
    }

    fn resize(&mut self, call: &Call<'_>) -> Result<Reply, Reply> {
        let task_id = self.new_hex();
        let delay = self.delay;
        let p = self.project(call.project);
        p.settle(call.now);
        let inst = p.instance(call.str("instance_id"))?;
        if inst.status != RUNNING {
            return Err(not_running(inst));
        }
        let new = call.body()["new_capacity"]
            .as_f64()
            .unwrap_or(inst.capacity);
        let old = inst.capacity;
        inst.capacity = new;
        if let Some(s) = call.body()["spec_code"].as_str() {
            inst.spec_code = s.to_string();
        }
        inst.status = "EXTENDING".to_string();
        inst.pending = Some((call.now + delay, RUNNING));
        let iid = inst.id.clone();
        p.tasks.push(Task {
            id: task_id,
            name: "EXTEND".to_string(),
            status: TaskStatus::Running,
            done_at: Some(call.now + delay),
            instance_id: Some(iid.clone()),
            created_at: call.now,
            updated_at: call.now,
            details: json!({
                "old_capacity": capacity_text(old),
                "new_capacity": capacity_text(new),
            }),
            params: json!({ "instance_id": iid, "new_capacity": capacity_text(new) }).to_string(),
        });
        Ok(Reply::Empty)
    }

    fn backup(&mut self, call: &Call<'_>) -> Result<Reply, Reply> {
        let id = self.new_uuid();
        let delay = self.delay;
        let p = self.project(call.project);
        p.settle(call.now);
        let inst = p.instance(call.str("instance_id"))?;
        if inst.status != RUNNING {
            return Err(not_running(inst));
        }
        let b = call.body();
        p.backups.push(Backup {
            id: id.clone(),
            instance_id: call.str("instance_id").to_string(),
            done_at: Some(call.now + delay),
            created_at: call.now,
            remark: b["remark"].as_str().unwrap_or("").to_string(),
            format: b["backup_format"].as_str().unwrap_or("rdb").to_string(),
        });
        Ok(Reply::Json(json!({ "backup_id": id })))
    }

    fn restore(&mut self, call: &Call<'_>) -> Result<Reply, Reply> {
        let id = self.new_uuid();
        let delay = self.delay;
        let p = self.project(call.project);
        p.settle(call.now);
        let iid = call.str("instance_id").to_string();
        let backup_id = call.body()["backup_id"].as_str().unwrap_or("").to_string();
        let inst = p.instance(&iid)?;
        if inst.status != RUNNING {
            return Err(not_running(inst));
        }
        let Some(b) = p
            .backups
            .iter()
            .find(|b| b.id == backup_id && b.instance_id == iid)
        else {
            return Err(Reply::Error(
                404,
                "DCS.4001",
                format!(
                    "The requested URL does not exist: no backup {backup_id} of instance {iid}"
                ),
            ));
        };
        if b.done_at.is_none_or(|t| t > call.now) {
            return Err(invalid("backup_id", "the backup is not finished"));
        }
        let inst = p.instance(&iid)?;
        inst.status = "RESTORING".to_string();
        inst.pending = Some((call.now + delay, RUNNING));
        p.restores.push(Restore {
            id: id.clone(),
            instance_id: iid,
            backup_id,
            done_at: Some(call.now + delay),
            created_at: call.now,
            remark: call.body()["remark"].as_str().unwrap_or("").to_string(),
        });
        Ok(Reply::Json(json!({ "restore_id": id })))
    }

    fn list_tasks(&mut self, call: &Call<'_>, of_instance: bool) -> Result<Reply, Reply> {
        let p = self.project(call.project);
        p.settle(call.now);
        let iid = call.str("instance_id");
        if of_instance {
            p.instance(iid)?;
        }
        let mut tasks: Vec<&Task> = p
            .tasks
            .iter()
            .filter(|t| !of_instance || t.instance_id.as_deref() == Some(iid))
            .filter(|t| in_window(call, "start_time", t.created_at))
            .collect();
        // Newest first.
        tasks.reverse();
        tasks.sort_by_key(|x| std::cmp::Reverse(x.created_at));
        let total = tasks.len();
        let example = call.example();
        let tpl = template(&example, "tasks");
        let items: Vec<Value> = page(call, &tasks)?
            .into_iter()
            .map(|t| {
                let mut v = tpl.clone();
                if let Some(o) = v.as_object_mut() {
                    o.insert("id".into(), json!(t.id));
                    o.insert("name".into(), json!(t.name));
                    o.insert("details".into(), t.details.clone());
                    o.insert("params".into(), json!(t.params));
                    o.insert("status".into(), json!(t.status_text()));
                    o.insert("created_at".into(), json!(iso(t.created_at)));
                    o.insert("updated_at".into(), json!(iso(t.updated_at)));
                    o.insert("enable_show".into(), json!(t.instance_id.is_some()));
                    if o.contains_key("error_code") {
                        o.insert("error_code".into(), json!(""));
                    }
                    if o.contains_key("job_id") {
                        o.insert("job_id".into(), json!(t.id));
                    }
                    o.insert("user_name".into(), json!("emulator"));
                    o.insert("user_id".into(), json!(call.project));
                }
                v
            })
            .collect();
        Ok(Reply::Json(
            json!({ "task_count": total.to_string(), "tasks": items }),
        ))
    }

    fn delete_task(&mut self, call: &Call<'_>, of_instance: bool) -> Result<Reply, Reply> {
        let p = self.project(call.project);
        let iid = call.str("instance_id");
        if of_instance {
            p.instance(iid)?.settle(call.now);
        }
        let tid = call.str("task_id");
        // Searched from the newest end: a cleanup deletes in the listed order (newest
        // first), so the task is near the end and removing it moves little. Only this task
        // is brought up to date, not the whole Task Center.
        let Some(pos) = p
            .tasks
            .iter()
            .rposition(|t| t.id == tid && (!of_instance || t.instance_id.as_deref() == Some(iid)))
        else {
            return Err(Reply::Error(
                404,
                dcs_model::codes::NOT_FOUND,
                format!("The requested URL does not exist: no task {tid} in this project"),
            ));
        };
        p.tasks[pos].settle(call.now);
        if p.tasks[pos].status == TaskStatus::Running {
            return Err(Reply::Error(
                400,
                dcs_model::codes::TASK_STILL_RUNNING,
                "This DCS instance job task is still running. Try again later".to_string(),
            ));
        }
        p.tasks.remove(pos);
        Ok(if of_instance {
            Reply::Json(json!({ "message": format!("task {tid} deleted") }))
        } else {
            Reply::Empty
        })
    }
}

impl Project {
    /// The handlers that need nothing but the project.
    fn simple(&mut self, call: &Call<'_>, delay: Duration) -> Result<Reply, Reply> {
        let now = call.now;
        let iid = call.str("instance_id");
        match call.meta.name {
            "ShowInstance" => {
                let inst = self.instance(iid)?;
                let mut v = call.example();
                inst.fill(&mut v);
                Ok(Reply::Json(v))
            }
            "ListInstances" => {
                let name = call.input["name"].as_str();
                let exact = call.input["name_equal"].as_str() == Some("true");
                let status = call.input["status"].as_str();
                let id = call.input["instance_id"].as_str();
                let mut found: Vec<&Instance> = self
                    .instances
                    .iter()
                    .filter(|i| match name {
                        Some(n) if exact => i.name == n,
                        Some(n) => i.name.contains(n),
                        None => true,
                    })
                    .filter(|i| status.is_none_or(|s| i.status == s))
                    .filter(|i| id.is_none_or(|s| i.id == s))
                    .collect();
                found.sort_by_key(|x| std::cmp::Reverse(x.created_at));
                let total = found.len();
                let example = call.example();
                let tpl = template(&example, "instances");
                let items: Vec<Value> = page(call, &found)?
                    .into_iter()
                    .map(|i| {
                        let mut v = tpl.clone();
                        i.fill(&mut v);
                        v
                    })
                    .collect();
                Ok(Reply::Json(
                    json!({ "instance_num": total, "instances": items }),
                ))
            }
            "UpdateInstance" => {
                let inst = self.instance(iid)?;
                if inst.status != RUNNING {
                    return Err(not_running(inst));
                }
                let b = call.body();
                if let Some(n) = b["name"].as_str() {
                    inst.name = n.to_string();
                }
                if let Some(d) = b["description"].as_str() {
                    inst.description = d.to_string();
                }
                if let Some(port) = b["port"].as_i64() {
                    inst.port = port;
                }
                Ok(Reply::Empty)
            }
            "DeleteSingleInstance" => {
                let inst = self.instance(iid)?;
                if inst.pending.is_some() {
                    return Err(not_running(inst));
                }
                self.instances.retain(|i| i.id != iid);
                Ok(Reply::Empty)
            }
            "BatchDeleteInstances" => {
                let all_failure = call.input["all_failure"].as_bool() == Some(true);
                let mut ids: Vec<String> = call.body()["instances"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect();
                if all_failure {
                    ids.extend(
                        self.instances
                            .iter()
                            .filter(|i| i.status == "CREATEFAILED" || i.status == "ERROR")
                            .map(|i| i.id.clone()),
                    );
                }
                let mut results = Vec::new();
                for id in ids {
                    let ok = self
                        .instances
                        .iter()
                        .any(|i| i.id == id && i.pending.is_none());
                    if ok {
                        self.instances.retain(|i| i.id != id);
                    }
                    results.push(json!({
                        "instance": id,
                        "result": if ok { "success" } else { "failed" },
                    }));
                }
                Ok(Reply::Json(json!({ "results": results })))
            }
            "RestartOrFlushInstances" => {
                let action = call.body()["action"].as_str().unwrap_or("restart");
                let mut results = Vec::new();
                for id in call.body()["instances"].as_array().into_iter().flatten() {
                    let id = id.as_str().unwrap_or("");
                    let ok = match self.instances.iter_mut().find(|i| i.id == id) {
                        Some(i) if i.status == RUNNING => {
                            if action != "flush" {
                                i.status = "RESTARTING".to_string();
                                i.pending = Some((now + delay, RUNNING));
                            }
                            true
                        }
                        _ => false,
                    };
                    results.push(json!({
                        "instance": id,
                        "result": if ok { "success" } else { "failed" },
                    }));
                }
                Ok(Reply::Json(json!({ "results": results })))
            }
            "ShowBackgroundTaskProgress" => {
                self.instance(iid)?;
                let tid = call.str("task_id");
                let Some(t) = self
                    .tasks
                    .iter()
                    .find(|t| t.id == tid && t.instance_id.as_deref() == Some(iid))
                else {
                    return Err(Reply::Error(
                        404,
                        dcs_model::codes::NOT_FOUND,
                        format!(
                            "The requested URL does not exist: no task {tid} of instance {iid}"
                        ),
                    ));
                };
                let (progress, remain) = match (t.status, t.done_at) {
                    (TaskStatus::Running, Some(done)) => {
                        let total = done.duration_since(t.created_at).unwrap_or_default();
                        let left = done.duration_since(now).unwrap_or_default();
                        let pct = if total.is_zero() {
                            100
                        } else {
                            100 - (left.as_millis() * 100 / total.as_millis()) as i64
                        };
                        (pct.clamp(0, 99), left.as_secs_f64().ceil() as i64)
                    }
                    (TaskStatus::Running, None) => (50, 60),
                    _ => (100, 0),
                };
                let mut v = call.example();
                v["progress"] = json!(progress);
                v["remain_time"] = json!(remain);
                Ok(Reply::Json(v))
            }
            "ListBackupRecords" => {
                self.instance(iid)?;
                let mut found: Vec<&Backup> = self
                    .backups
                    .iter()
                    .filter(|b| b.instance_id == iid)
                    .filter(|b| in_window(call, "begin_time", b.created_at))
                    .collect();
                found.sort_by_key(|x| std::cmp::Reverse(x.created_at));
                let total = found.len();
                let example = call.example();
                let tpl = template(&example, "backup_record_response");
                let items: Vec<Value> = page(call, &found)?
                    .into_iter()
                    .map(|b| {
                        let done = b.done_at.is_some_and(|t| t <= now);
                        let mut v = tpl.clone();
                        if let Some(o) = v.as_object_mut() {
                            o.insert("backup_id".into(), json!(b.id));
                            o.insert("instance_id".into(), json!(b.instance_id));
                            o.insert("backup_name".into(), json!(format!("backup-{}", b.id)));
                            o.insert("remark".into(), json!(b.remark));
                            o.insert("backup_format".into(), json!(b.format));
                            o.insert(
                                "status".into(),
                                json!(if done { "succeed" } else { "backuping" }),
                            );
                            o.insert(
                                "progress".into(),
                                json!(if done { "100.00" } else { "50.00" }),
                            );
                            o.insert("created_at".into(), json!(iso(b.created_at)));
                            o.insert(
                                "updated_at".into(),
                                json!(iso(b
                                    .done_at
                                    .unwrap_or(b.created_at)
                                    .min(now.max(b.created_at)))),
                            );
                            o.insert(
                                "is_support_restore".into(),
                                json!(if done { "TRUE" } else { "FALSE" }),
                            );
                            o.insert("error_code".into(), json!(""));
                        }
                        v
                    })
                    .collect();
                Ok(Reply::Json(
                    json!({ "total_num": total, "backup_record_response": items }),
                ))
            }
            "DeleteBackupFile" => {
                self.instance(iid)?;
                let bid = call.str("backup_id");
                let Some(b) = self
                    .backups
                    .iter()
                    .find(|b| b.id == bid && b.instance_id == iid)
                else {
                    return Err(Reply::Error(
                        404,
                        dcs_model::codes::NOT_FOUND,
                        format!(
                            "The requested URL does not exist: no backup {bid} of instance {iid}"
                        ),
                    ));
                };
                if b.done_at.is_none_or(|t| t > now) {
                    return Err(Reply::Error(
                        400,
                        dcs_model::codes::TASK_STILL_RUNNING,
                        "This DCS instance job task is still running. Try again later".to_string(),
                    ));
                }
                self.backups.retain(|b| b.id != bid);
                Ok(Reply::Empty)
            }
            "ListRestoreRecords" => {
                self.instance(iid)?;
                let mut found: Vec<&Restore> = self
                    .restores
                    .iter()
                    .filter(|r| r.instance_id == iid)
                    .filter(|r| in_window(call, "begin_time", r.created_at))
                    .collect();
                found.sort_by_key(|x| std::cmp::Reverse(x.created_at));
                let total = found.len();
                let example = call.example();
                let tpl = template(&example, "restore_record_response");
                let items: Vec<Value> = page(call, &found)?
                    .into_iter()
                    .map(|r| {
                        let done = r.done_at.is_some_and(|t| t <= now);
                        let mut v = tpl.clone();
                        if let Some(o) = v.as_object_mut() {
                            o.insert("restore_id".into(), json!(r.id));
                            o.insert("backup_id".into(), json!(r.backup_id));
                            o.insert("restore_name".into(), json!(format!("restore-{}", r.id)));
                            o.insert("restore_remark".into(), json!(r.remark));
                            o.insert(
                                "status".into(),
                                json!(if done { "succeed" } else { "restoring" }),
                            );
                            o.insert(
                                "progress".into(),
                                json!(if done { "100.00" } else { "50.00" }),
                            );
                            o.insert("created_at".into(), json!(iso(r.created_at)));
                            o.insert("updated_at".into(), json!(iso(r.created_at)));
                            o.insert("error_code".into(), json!(""));
                        }
                        v
                    })
                    .collect();
                Ok(Reply::Json(
                    json!({ "total_num": total, "restore_record_response": items }),
                ))
            }
            other => Err(Reply::Error(
                500,
                dcs_model::codes::SYSTEM_BUSY,
                format!("no stateful handler for {other}"),
            )),
        }
    }
}
