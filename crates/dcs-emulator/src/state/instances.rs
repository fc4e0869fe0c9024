//! Instances and their lifecycle. A change to an instance is a walk of its status (CREATING,
//! EXTENDING, RESTARTING, FLUSHING, RESTORING, or RUNNING with a task in progress) with
//! ShowInstance's `task` set meanwhile, ending RUNNING (with the change applied) or in the
//! failure state armed for it. Changes the Task Center knows by name (`EXTEND`,
//! `masterStandbySwapJob`, `UpdatePort`, `modify`, ...) also start a task that ends with them.

use super::{
    invalid, not_running, page, put, template, Call, Project, Reply, Store, Task, Walk, WorkKind,
    RUNNING,
};
use crate::engine::{Desired, Engine, Host};
use crate::state::resources::InstanceExtras;
use crate::time::iso;
use crate::TaskStatus;
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::SystemTime;

const OWN: &[&str] = &[
    "BatchDeleteInstances",
    "ChangeMasterStandby",
    "CreateInstance",
    "CreateResizeOrder",
    "DeleteSingleInstance",
    "ListInstances",
    "ListNumberOfInstancesInDifferentStatus",
    "MigrateAz",
    "ResetPassword",
    "ResizeInstance",
    "RestartOrFlushInstances",
    "ShowInstance",
    "UpdateInstance",
    "UpdateInstanceBandwidth",
    "UpgradeInstanceMinorVersion",
];

pub(crate) fn handles(name: &str) -> bool {
    OWN.contains(&name)
}

/// What a finished change sets on the instance (only when it ends RUNNING).
#[derive(Debug, Clone)]
enum Effect {
    Capacity(f64),
    SpecCode(String),
    Port(i64),
}

/// A change in progress.
#[derive(Debug, Clone)]
struct Change {
    walk: Walk,
    /// What ShowInstance's `task` names meanwhile.
    task: String,
    /// A deletion: the instance is gone when the walk ends.
    removes: bool,
    effects: Vec<Effect>,
}

#[derive(Debug, Clone)]
pub(crate) struct Instance {
    pub(crate) id: String,
    name: String,
    description: String,
    /// The status when no change is in progress.
    status: String,
    change: Option<Change>,
    created_at: SystemTime,
    capacity: f64,
    spec_code: String,
    engine: String,
    engine_version: String,
    port: i64,
    order_id: String,
    /// ACL accounts, IP whitelist, tags, configuration.
    pub(crate) extras: InstanceExtras,
    /// The real Redis behind it, when the emulator has an engine (Redis instances only).
    server: Option<Engine>,
}

/// Whether an instance of this engine and spec gets a real Redis.
fn wants_engine(engine: &str) -> bool {
    engine.eq_ignore_ascii_case("redis")
}

/// A single-node instance (no persistence): its spec code says so.
fn is_single(spec_code: &str) -> bool {
    spec_code.contains(".single.")
}

/// What a seed says of an instance.
#[derive(Debug, Clone, Default)]
pub(crate) struct InstanceSeed {
    pub(crate) status: String,
    pub(crate) name: Option<String>,
    pub(crate) capacity: Option<f64>,
    pub(crate) engine_version: Option<String>,
}

impl Instance {
    /// Applies a change that has ended; `true` when that removed the instance.
    pub(crate) fn settle(&mut self, now: SystemTime) -> bool {
        self.extras.settle(now);
        let Some(c) = &self.change else {
            return false;
        };
        if !c.walk.done(now) {
            return false;
        }
        let Some(c) = self.change.take() else {
            return false;
        };
        if c.removes {
            if let Some(e) = self.server.take() {
                e.stop_now();
            }
            return true;
        }
        self.status = c.walk.end().to_string();
        if self.status == RUNNING {
            for e in c.effects {
                match e {
                    Effect::Capacity(x) => self.capacity = x,
                    Effect::SpecCode(s) => self.spec_code = s,
                    Effect::Port(p) => self.port = p,
                }
            }
        }
        false
    }

    /// The status at `now`. With an engine, `RUNNING` only once the engine accepts
    /// connections: until then the status of its start (`CREATING`, ...), and `ERROR` (or
    /// `CREATEFAILED`) when it failed.
    pub(crate) fn status(&self, now: SystemTime) -> &str {
        let s = match &self.change {
            Some(c) => c.walk.at(now),
            None => &self.status,
        };
        if s == RUNNING {
            if let Some(o) = self.server.as_ref().and_then(Engine::status_override) {
                return o;
            }
        }
        s
    }

    /// The real Redis behind the instance, if any.
    pub(crate) fn engine(&self) -> Option<&Engine> {
        self.server.as_ref()
    }

    /// Starts an engine for a Redis instance that has none, when the emulator has engines.
    fn start_engine(&mut self, host: Option<&Arc<Host>>, password: Option<String>) {
        if let (Some(host), None, true) = (host, &self.server, wants_engine(&self.engine)) {
            let desired = Desired::new(self.capacity, is_single(&self.spec_code), password);
            self.server = Some(host.start_engine(desired));
        }
    }

    /// Stops the instance's engine (the instance is being deleted).
    fn stop_engine(&mut self) {
        if let Some(e) = self.server.take() {
            e.stop_now();
        }
    }

    /// The change in progress, by the name ShowInstance's `task` gives it.
    pub(crate) fn task_name(&self) -> Option<&str> {
        self.change.as_ref().map(|c| c.task.as_str())
    }

    /// RUNNING with nothing in progress (and its engine, if any, running): the only state
    /// that takes changes.
    pub(crate) fn idle(&self) -> bool {
        self.change.is_none()
            && self.status == RUNNING
            && self.server.as_ref().is_none_or(Engine::running)
    }

    /// When the change in progress ends.
    pub(crate) fn change_ends(&self) -> Option<SystemTime> {
        self.change.as_ref().map(|c| c.walk.done_at())
    }

    /// The status the change in progress ends in (`None` for a deletion).
    pub(crate) fn change_end(&self) -> Option<&str> {
        self.change
            .as_ref()
            .filter(|c| !c.removes)
            .map(|c| c.walk.end())
    }

    pub(crate) fn capacity(&self) -> f64 {
        self.capacity
    }

    pub(crate) fn name(&self) -> &str {
        &self.name
    }

    fn begin(&mut self, walk: Walk, task: &str, effects: Vec<Effect>) {
        self.change = Some(Change {
            walk,
            task: task.to_string(),
            removes: false,
            effects,
        });
    }

    /// RESTORING for `delay`, then RUNNING (whatever the restore's own outcome).
    pub(crate) fn restoring(&mut self, now: SystemTime, delay: std::time::Duration) {
        self.begin(
            Walk::new(now, delay, &["RESTORING"], RUNNING),
            "restoreDCSInstance",
            Vec::new(),
        );
    }

    /// RUNNING but busy with `task` for `delay` (a job on the instance).
    pub(crate) fn busy(&mut self, now: SystemTime, delay: std::time::Duration, task: &str) {
        self.begin(Walk::new(now, delay, &[RUNNING], RUNNING), task, Vec::new());
    }

    /// Sets the status at once, ending any change (the control API's freeze and unfreeze).
    /// A Redis instance set `RUNNING` gets its engine started if it has none, or started
    /// again if it stopped.
    pub(crate) fn force_status(&mut self, status: &str, host: Option<&Arc<Host>>) {
        self.change = None;
        self.status = status.to_string();
        if status == RUNNING {
            match &self.server {
                Some(e) => e.ensure_started(),
                None => self.start_engine(host, None),
            }
        }
    }

    /// Writes what the emulator knows over an example instance object.
    fn fill(&self, v: &mut Value, now: SystemTime) {
        put(v, "instance_id", json!(self.id));
        put(v, "name", json!(self.name));
        put(v, "description", json!(self.description));
        put(v, "status", json!(self.status(now)));
        put(v, "capacity", json!(self.capacity.floor() as i64));
        put(v, "capacity_minor", json!(capacity_text(self.capacity)));
        put(v, "spec_code", json!(self.spec_code));
        put(v, "engine", json!(self.engine));
        put(v, "engine_version", json!(self.engine_version));
        put(v, "port", json!(self.port));
        put(v, "order_id", json!(self.order_id));
        put(v, "created_at", json!(iso(self.created_at)));
        if let Some(e) = &self.server {
            // Where the real Redis listens, as an application would be told.
            put(v, "ip", json!("127.0.0.1"));
            put(v, "port", json!(e.port()));
            put(v, "domain_name", json!("localhost"));
            let password_free = e.desired().password.is_none();
            put(v, "no_password_access", json!(password_free.to_string()));
            put(v, "max_memory", json!((self.capacity * 1024.0) as i64));
        }
        // The change in progress, as ShowInstance reports it: set while the instance works
        // on something (even while `status` reads RUNNING), null when idle.
        put(v, "task", self.task_json(now));
    }

    /// ShowInstance's `task`: the change in progress, or null.
    pub(crate) fn task_json(&self, now: SystemTime) -> Value {
        match &self.change {
            Some(c) => json!({
                "name": c.task,
                "status": "RUNNING",
                "progress": c.walk.progress(now).to_string(),
            }),
            None => Value::Null,
        }
    }
}

/// `2` for 2.0, `0.125` for 0.125.
pub(crate) fn capacity_text(c: f64) -> String {
    if c.fract() == 0.0 {
        format!("{}", c as i64)
    } else {
        format!("{c}")
    }
}

impl Store {
    pub(crate) fn seed_instance(
        &mut self,
        project: &str,
        id: &str,
        seed: InstanceSeed,
        now: SystemTime,
    ) {
        let order_id = self.new_hex();
        let inst = Instance {
            id: id.to_string(),
            name: seed.name.unwrap_or_else(|| format!("dcs-{id}")),
            description: String::new(),
            status: seed.status,
            change: None,
            created_at: now,
            capacity: seed.capacity.unwrap_or(1.0),
            spec_code: "redis.ha.xu1.large.r2.1".to_string(),
            engine: "Redis".to_string(),
            engine_version: seed.engine_version.unwrap_or_else(|| "5.0".to_string()),
            port: 6379,
            order_id,
            extras: Default::default(),
            server: None,
        };
        let mut inst = inst;
        if inst.status == RUNNING {
            inst.start_engine(self.engine.as_ref(), None);
        }
        let p = self.project(project);
        p.instances.retain(|i| i.id != id);
        p.instances.push(inst);
    }

    pub(super) fn instances(&mut self, call: &Call<'_>) -> Result<Reply, Reply> {
        match call.meta.name {
            "CreateInstance" => Ok(self.create_instance(call)),
            "ResizeInstance" | "CreateResizeOrder" => self.resize(call),
            "RestartOrFlushInstances" => Ok(self.restart_or_flush(call)),
            "UpdateInstance" => self.update_instance(call),
            "ChangeMasterStandby" => self.busy_for(call, "masterStandbySwapJob", true),
            "MigrateAz" => self.busy_for(call, "migrateAz", false),
            "UpdateInstanceBandwidth" => self.busy_for(call, "modifyBandwidth", false),
            "ResetPassword" => {
                self.busy_for(call, "modify", true)?;
                let mut v = call.example();
                for (k, val) in [
                    ("code", json!("1")),
                    ("message", json!("success")),
                    ("ext_message", Value::Null),
                    ("lock_time", json!("0")),
                    ("lock_time_left", json!("0")),
                    ("retry_times_left", json!("5")),
                ] {
                    put(&mut v, k, val);
                }
                Ok(Reply::Json(v))
            }
            "UpgradeInstanceMinorVersion" => self.upgrade_minor_version(call),
            "DeleteSingleInstance" => self.delete_single(call),
            "BatchDeleteInstances" => Ok(self.batch_delete(call)),
            _ => {
                let p = self.project(call.project);
                p.settle(call.now);
                p.instance_handler(call)
            }
        }
    }

    fn create_instance(&mut self, call: &Call<'_>) -> Reply {
        let fails = self.take_failure(WorkKind::Create);
        let id = self.new_uuid();
        let order_id = self.new_hex();
        let b = call.body();
        let text = |k: &str, d: &str| b[k].as_str().unwrap_or(d).to_string();
        let end = if fails { "CREATEFAILED" } else { RUNNING };
        let inst = Instance {
            id: id.clone(),
            name: text("name", "dcs"),
            description: text("description", ""),
            status: end.to_string(),
            change: Some(Change {
                walk: Walk::new(call.now, self.delay, &["CREATING"], end),
                task: "createDCSInstance".to_string(),
                removes: false,
                effects: Vec::new(),
            }),
            created_at: call.now,
            capacity: b["capacity"].as_f64().unwrap_or(1.0),
            spec_code: text("spec_code", ""),
            engine: text("engine", "Redis"),
            engine_version: text("engine_version", ""),
            port: b["port"].as_i64().unwrap_or(6379),
            order_id: order_id.clone(),
            extras: Default::default(),
            server: None,
        };
        let mut inst = inst;
        if !fails {
            // The real Redis starts now; the instance is RUNNING once both the walk has
            // ended and the engine accepts connections.
            let password = if b["no_password_access"].as_bool() == Some(true) {
                None
            } else {
                b["password"].as_str().map(str::to_string)
            };
            inst.start_engine(self.engine.as_ref(), password);
        }
        let name = inst.name.clone();
        self.project(call.project).instances.push(inst);
        let mut v = call.example();
        crate::synthetic::replace_key(&mut v, "instance_id", &id);
        crate::synthetic::replace_key(&mut v, "instance_name", &name);
        crate::synthetic::replace_key(&mut v, "order_id", &order_id);
        Reply::Json(v)
    }

    /// ResizeInstance and CreateResizeOrder (whose order the emulator takes as paid): the
    /// instance is EXTENDING and an `EXTEND` task runs; the new capacity holds once both end.
    fn resize(&mut self, call: &Call<'_>) -> Result<Reply, Reply> {
        let fails = self.take_failure(WorkKind::Resize);
        let task_id = self.new_hex();
        let order_id = self.new_hex();
        let (now, delay) = (call.now, self.delay);
        let p = self.project(call.project);
        let iid = call.str("instance_id");
        let inst = p.idle(iid, now)?;
        let b = call.body();
        let new = b["new_capacity"].as_f64().unwrap_or(inst.capacity);
        let old = inst.capacity;
        let mut effects = vec![Effect::Capacity(new)];
        if let Some(s) = b["spec_code"].as_str() {
            effects.push(Effect::SpecCode(s.to_string()));
        }
        let end = if fails { "ERROR" } else { RUNNING };
        inst.begin(
            Walk::new(now, delay, &["EXTENDING"], end),
            "extendDCSInstance",
            effects,
        );
        p.push_task(Task::running(
            task_id,
            "EXTEND",
            iid,
            now,
            now + delay,
            if fails {
                TaskStatus::Failed
            } else {
                TaskStatus::Success
            },
            json!({
                "old_capacity": capacity_text(old),
                "new_capacity": capacity_text(new),
            }),
        ));
        Ok(if call.meta.name == "CreateResizeOrder" {
            Reply::Json(json!({ "order_id": order_id }))
        } else {
            Reply::Empty
        })
    }

    fn restart_or_flush(&mut self, call: &Call<'_>) -> Reply {
        let (now, delay) = (call.now, self.delay);
        let action = call.body()["action"].as_str().unwrap_or("restart");
        let (step, task): (&'static [&'static str], &str) = if action == "flush" {
            (&["FLUSHING"], "flushDCSInstance")
        } else {
            (&["RESTARTING"], "restartDCSInstance")
        };
        let mut results = Vec::new();
        for id in call.body_ids("instances") {
            self.project(call.project).settle(now);
            let idle = self
                .project(call.project)
                .instances
                .iter()
                .any(|i| i.id == id && i.idle());
            // The engine restarted or flushed it first; if it could not, this instance
            // failed (and its status says ERROR when the engine is down).
            let engine_failed = matches!(call.fact(&id), Some(Err(_)));
            let idle = idle && !engine_failed;
            if idle {
                let fails = action != "flush" && self.take_failure(WorkKind::Restart);
                let end = if fails { "ERROR" } else { RUNNING };
                if let Ok(i) = self.project(call.project).instance(&id) {
                    i.begin(Walk::new(now, delay, step, end), task, Vec::new());
                }
            }
            results.push(json!({
                "instance": id,
                "result": if idle { "success" } else { "failed" },
            }));
        }
        Reply::Json(json!({ "results": results }))
    }

    fn update_instance(&mut self, call: &Call<'_>) -> Result<Reply, Reply> {
        let task_id = self.new_hex();
        let (now, delay) = (call.now, self.delay);
        let p = self.project(call.project);
        let iid = call.str("instance_id");
        let inst = p.idle(iid, now)?;
        let b = call.body();
        if let Some(n) = b["name"].as_str() {
            inst.name = n.to_string();
        }
        if let Some(d) = b["description"].as_str() {
            inst.description = d.to_string();
        }
        // A new port or renamed commands restart the service: the instance works on it for
        // the delay (an `UpdatePort` task for the port); the rest applies at once.
        let port = b["port"].as_i64().filter(|p| *p != inst.port);
        let renames = b["rename_commands"].is_object();
        if port.is_none() && !renames {
            return Ok(Reply::Empty);
        }
        let old_port = inst.port;
        let effects: Vec<Effect> = port.map(Effect::Port).into_iter().collect();
        let task = if port.is_some() {
            "UpdatePort"
        } else {
            "modifyRenameCommands"
        };
        inst.begin(Walk::new(now, delay, &[RUNNING], RUNNING), task, effects);
        if let Some(new_port) = port {
            p.push_task(Task::running(
                task_id,
                "UpdatePort",
                iid,
                now,
                now + delay,
                TaskStatus::Success,
                json!({ "old_port": old_port, "new_port": new_port }),
            ));
        }
        Ok(Reply::Empty)
    }

    /// A change during which the instance stays RUNNING but busy (ShowInstance's `task`
    /// set), optionally with a task of that name; the synthetic answer.
    fn busy_for(&mut self, call: &Call<'_>, task: &str, with_task: bool) -> Result<Reply, Reply> {
        let task_id = self.new_hex();
        let (now, delay) = (call.now, self.delay);
        let p = self.project(call.project);
        let iid = call.str("instance_id");
        let inst = p.idle(iid, now)?;
        inst.begin(Walk::new(now, delay, &[RUNNING], RUNNING), task, Vec::new());
        if with_task {
            p.push_task(Task::running(
                task_id,
                task,
                iid,
                now,
                now + delay,
                TaskStatus::Success,
                json!({}),
            ));
        }
        Ok(Reply::Synthetic)
    }

    /// The upgrade runs as a background task whose id is the answer; the instance is busy
    /// meanwhile.
    fn upgrade_minor_version(&mut self, call: &Call<'_>) -> Result<Reply, Reply> {
        let fails = self.take_failure(WorkKind::Task);
        let task_id = self.new_hex();
        let (now, delay) = (call.now, self.delay);
        let p = self.project(call.project);
        let iid = call.str("instance_id");
        let inst = p.idle(iid, now)?;
        inst.begin(
            Walk::new(now, delay, &[RUNNING], RUNNING),
            "UpgradeMinorVersion",
            Vec::new(),
        );
        let version = call.body()["engine_minor_version"]
            .as_str()
            .unwrap_or("")
            .to_string();
        p.push_task(Task::running(
            task_id.clone(),
            "UpgradeMinorVersion",
            iid,
            now,
            now + delay,
            if fails {
                TaskStatus::Failed
            } else {
                TaskStatus::Success
            },
            json!({ "engine_minor_version": version }),
        ));
        Ok(Reply::Json(json!({ "task_id": task_id })))
    }

    /// Deletes the instance after the delay (it keeps its status meanwhile, with
    /// ShowInstance's `task` set); `false` when it does not exist or a change runs on it.
    fn start_deletion(&mut self, project: &str, id: &str, now: SystemTime) -> bool {
        let delay = self.delay;
        let p = self.project(project);
        p.settle(now);
        match p.instances.iter_mut().find(|i| i.id == id) {
            Some(i) if i.change.is_none() => {
                // The real Redis stops at once: its port is closed when the deletion is
                // accepted, as the record lingers for the delay.
                i.stop_engine();
                let status = i.status.clone();
                i.change = Some(Change {
                    walk: Walk::hold(now, delay, status.clone(), status),
                    task: "deleteDCSInstance".to_string(),
                    removes: true,
                    effects: Vec::new(),
                });
                // With no delay it is gone at once.
                p.settle(now);
                true
            }
            _ => false,
        }
    }
}

impl Project {
    fn instance_handler(&mut self, call: &Call<'_>) -> Result<Reply, Reply> {
        let now = call.now;
        let iid = call.str("instance_id");
        match call.meta.name {
            "ShowInstance" => {
                let inst = self.instance(iid)?;
                let mut v = call.example();
                inst.fill(&mut v, now);
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
                    .filter(|i| status.is_none_or(|s| i.status(now) == s))
                    .filter(|i| id.is_none_or(|s| i.id == s))
                    .collect();
                found.sort_by_key(|x| std::cmp::Reverse(x.created_at));
                let total = found.len();
                let example = call.example();
                let tpl = template(&example, "instances");
                let items: Vec<Value> = page(call, &found)
                    .into_iter()
                    .map(|i| {
                        let mut v = tpl.clone();
                        i.fill(&mut v, now);
                        v
                    })
                    .collect();
                Ok(Reply::Json(
                    json!({ "instance_num": total, "instances": items }),
                ))
            }
            "ListNumberOfInstancesInDifferentStatus" => {
                let mut v = call.example();
                let count = |v: &mut Value, engine: Option<&str>| {
                    let Some(o) = v.as_object_mut() else { return };
                    for (k, slot) in o.iter_mut() {
                        let Some(state) = k.strip_suffix("_count") else {
                            continue;
                        };
                        let n = self
                            .instances
                            .iter()
                            .filter(|i| engine.is_none_or(|e| i.engine.eq_ignore_ascii_case(e)))
                            .filter(|i| i.status(now).eq_ignore_ascii_case(state))
                            .count();
                        *slot = json!(n);
                    }
                };
                count(&mut v, None);
                count(&mut v["redis"], Some("Redis"));
                count(&mut v["memcached"], Some("Memcached"));
                Ok(Reply::Json(v))
            }
            other => Err(invalid(
                "operation",
                &format!("no instance handler for {other}"),
            )),
        }
    }
}

impl Store {
    fn delete_single(&mut self, call: &Call<'_>) -> Result<Reply, Reply> {
        let now = call.now;
        let iid = call.str("instance_id");
        let p = self.project(call.project);
        p.settle(now);
        let inst = p.instance(iid)?;
        if inst.change.is_some() {
            return Err(not_running(inst, now));
        }
        self.start_deletion(call.project, iid, now);
        Ok(Reply::Empty)
    }

    /// Deletes each instance named (or, with `all_failure`, every one that failed to be
    /// created or is in error); each result says whether its deletion started.
    fn batch_delete(&mut self, call: &Call<'_>) -> Reply {
        let now = call.now;
        let mut ids = call.body_ids("instances");
        if call.input["all_failure"].as_bool() == Some(true) {
            let p = self.project(call.project);
            p.settle(now);
            ids.extend(
                p.instances
                    .iter()
                    .filter(|i| {
                        i.change.is_none() && (i.status == "CREATEFAILED" || i.status == "ERROR")
                    })
                    .map(|i| i.id.clone()),
            );
        }
        let results: Vec<Value> = ids
            .into_iter()
            .map(|id| {
                let ok = self.start_deletion(call.project, &id, now);
                json!({
                    "instance": id,
                    "result": if ok { "success" } else { "failed" },
                })
            })
            .collect();
        Reply::Json(json!({ "results": results }))
    }
}
