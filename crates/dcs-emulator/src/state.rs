//! The stateful tier: what a project holds (instances and what hangs off them, the Task
//! Center, jobs, backups and restores, key analyses, diagnosis reports, migration tasks), and
//! the handlers that read and change it.
//!
//! Asynchronous work is a [`Walk`]: a resource's state goes through the documented pending
//! states over the operation delay and ends in a success or failure state. States are read at
//! the request's instant on the emulator's clock; nothing sleeps.
//!
//! Before any handler, every operation with an `{instance_id}` in its path is checked here:
//! an instance the project does not have is 404 `DCS.3022`, and a change to one that is not
//! `RUNNING` and idle is 400 `DCS.4026`, whichever tier then answers.

use crate::engine::{Engine, Fact, Host, Need};
use crate::synthetic;
use crate::time::compact;
use dcs_model::operation::{HttpMethod, ParamLocation};
use dcs_model::OperationMeta;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

mod analysis;
mod backups;
mod engine_ops;
mod instances;
mod migration;
mod resources;
mod tasks;
mod walk;

pub(crate) use instances::{Instance, InstanceSeed};
pub(crate) use tasks::Task;
pub(crate) use walk::Walk;
pub use walk::WorkKind;

/// Operations answered from state only when the instance has a real Redis behind it (the
/// engine's slow log, client list and password check); synthetic otherwise.
pub(crate) use engine_ops::ENGINE_ONLY;

/// Operations answered from state; every other operation is synthetic.
pub(crate) const STATEFUL: &[&str] = &[
    // Instances and their lifecycle (`instances`).
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
    // The Task Center and background tasks (`tasks`).
    "DeleteBackgroundTask",
    "DeleteCenterTask",
    "ListBackgroundTask",
    "ListCenterTask",
    "ShowBackgroundTaskProgress",
    // Backups and restores (`backups`).
    "CopyInstance",
    "DeleteBackupFile",
    "ListBackupRecords",
    "ListRestoreRecords",
    "RestoreInstance",
    // Accounts, whitelist, tags, configuration and jobs (`resources`).
    "BatchCreateOrDeleteTags",
    "ChangeMasterStandbyAsync",
    "ChangeNodesStartStopStatus",
    "CreateAclAccount",
    "DeleteAclAccount",
    "DeleteIpFromDomainName",
    "DeletePublicIp",
    "ExecuteClusterSwitchover",
    "ExportInstancesTask",
    "HangUpKillAllClients",
    "ListAclAccounts",
    "ListConfigurations",
    "ListTagsOfTenant",
    "ResetAclAccountPassWord",
    "ShowIpWhitelist",
    "ShowJobInfo",
    "ShowTags",
    "StartInstanceResizeCheckJob",
    "UpdateAclAccount",
    "UpdateAclAccountPassWord",
    "UpdateAclAccountRemark",
    "UpdateBandwidth",
    "UpdateClientIpTransparentTransmission",
    "UpdateConfigurations",
    "UpdateInstanceConfig",
    "UpdateIpWhitelist",
    "UpdateIpWhitelistAsync",
    "UpdatePublicIp",
    "UpdateSslSwitch",
    // Key analyses and diagnosis (`analysis`).
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
    // Migration tasks (`migration`).
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

/// Changes (not GET) that an instance takes while it is not `RUNNING` or busy: deletes of
/// records and requests that only read, though sent as POST. Every other change is refused
/// with `DCS.4026` unless the instance is `RUNNING` and idle.
const ALLOWED_WHILE_BUSY: &[&str] = &[
    "DeleteSingleInstance",
    "DeleteBackupFile",
    "DeleteBackgroundTask",
    "DeleteBigkeyScanTask",
    "DeleteHotkeyScanTask",
    "DeleteOfflineKeyAnalysisTask",
    "DeleteDiagnosisTask",
    "ListBackupFileLinks",
    "DownloadSslCert",
    "DownloadHotKey",
    "CreateRedislogDownloadLink",
    "LogoffWebCli",
];

/// The instance status in which instances accept changes.
pub(crate) const RUNNING: &str = "RUNNING";

/// One project's resources.
#[derive(Debug, Default)]
pub(crate) struct Project {
    pub(crate) instances: Vec<Instance>,
    pub(crate) tasks: Vec<Task>,
    backups: Vec<backups::Backup>,
    restores: Vec<backups::Restore>,
    /// Jobs of the operations that answer a `job_id` (`ShowJobInfo`).
    jobs: Vec<resources::Job>,
    analyses: Vec<analysis::Analysis>,
    reports: Vec<analysis::Report>,
    migrations: Vec<migration::MigrationTask>,
}

impl Project {
    /// Brings the instances up to date: finished changes applied, deleted instances gone.
    /// (Tasks, jobs and records compute their state when read.)
    pub(crate) fn settle(&mut self, now: SystemTime) {
        self.instances.retain_mut(|i| !i.settle(now));
    }
    fn instance(&mut self, id: &str) -> Result<&mut Instance, Reply> {
        self.instances
            .iter_mut()
            .find(|i| i.id == id)
            .ok_or_else(|| no_instance(id))
    }
    /// A `RUNNING`, idle instance the call names (404 when unknown, 400 when not).
    fn idle(&mut self, id: &str, now: SystemTime) -> Result<&mut Instance, Reply> {
        let inst = self.instance(id)?;
        if !inst.idle() {
            return Err(not_running(inst, now));
        }
        Ok(inst)
    }
}

/// What the next runs of each kind of work end in: failure while the count lasts.
pub(crate) type FailNext = BTreeMap<WorkKind, u32>;

/// Everything the emulator keeps, per project.
#[derive(Debug)]
pub(crate) struct Store {
    pub(crate) projects: HashMap<String, Project>,
    seq: u64,
    nonce: u32,
    /// How long asynchronous operations take (measured on the emulator's clock).
    pub(crate) delay: Duration,
    /// Work armed to fail (control API `fail-next`).
    pub(crate) fail_next: FailNext,
    /// The real Redis behind each Redis instance, when the emulator has one.
    pub(crate) engine: Option<Arc<Host>>,
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
    /// The synthetic tier's answer: a resource id the emulator never issued, so scripts
    /// written against the synthetic answers keep working.
    Synthetic,
    /// Not yet: the instances' engines must do this first; the request is then handled
    /// again with what they answered ([`Call::facts`]).
    Engine(EngineWork),
}

/// What engines must do before a request can be answered: per instance, its engine and the
/// work.
#[derive(Debug)]
pub(crate) struct EngineWork {
    pub(crate) items: Vec<(String, Engine, Need)>,
}

impl EngineWork {
    fn one(instance_id: &str, engine: Engine, need: Need) -> Self {
        Self {
            items: vec![(instance_id.to_string(), engine, need)],
        }
    }
}

/// What the engines answered, by instance id (`Err`: the engine could not do it).
pub(crate) type Facts = HashMap<String, Result<Fact, String>>;

pub(crate) fn no_instance(id: &str) -> Reply {
    Reply::Error(
        404,
        dcs_model::codes::INSTANCE_NOT_FOUND,
        format!("This DCS instance does not exist: {id}"),
    )
}

pub(crate) fn not_running(i: &Instance, now: SystemTime) -> Reply {
    let what = match i.task_name() {
        Some(task) => format!("{} with task {task} in progress", i.status(now)),
        None => i.status(now).to_string(),
    };
    Reply::Error(
        400,
        dcs_model::codes::INSTANCE_STATE_NOT_ALLOWED,
        format!(
            "Operation not allowed in the instance's current state: instance {} is {what}",
            i.id
        ),
    )
}

pub(crate) fn invalid(field: &str, why: &str) -> Reply {
    Reply::Error(
        400,
        "DCS.4062",
        format!("Invalid {field} parameter in the request: {why}"),
    )
}

pub(crate) fn not_found(what: &str) -> Reply {
    Reply::Error(
        404,
        dcs_model::codes::NOT_FOUND,
        format!("The requested URL does not exist: {what}"),
    )
}

/// The request's inputs, as the gateway checked them.
pub(crate) struct Call<'a> {
    pub(crate) meta: &'static OperationMeta,
    pub(crate) project: &'a str,
    pub(crate) input: &'a Value,
    pub(crate) now: SystemTime,
    /// What the instances' engines answered, on the second pass of a request that needed
    /// them ([`Reply::Engine`]); `None` on the first.
    pub(crate) facts: Option<&'a Facts>,
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
    /// What the engine of instance `id` answered, if it was asked.
    fn fact(&self, id: &str) -> Option<&Result<Fact, String>> {
        self.facts.and_then(|f| f.get(id))
    }
    /// The ids of a body list of strings.
    fn body_ids(&self, key: &str) -> Vec<String> {
        self.body()[key]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect()
    }
}

/// Pages `items` by the request's `offset` and `limit` (default 10).
///
/// Paging refuses nothing: what the API reference documents as invalid (a negative offset, a
/// limit past 1000 where that is the rule) is refused before any handler runs, by the same
/// reviewed rules the client checks (`codegen/constraints.toml`), and only where the reference
/// says so. A value no rule covers is taken as the service would most plausibly take it: an
/// offset below 0 as 0, a limit below 1 as the default.
fn page<T: Clone>(call: &Call<'_>, items: &[T]) -> Vec<T> {
    let offset = call.input["offset"].as_i64().unwrap_or(0).max(0);
    let limit = match call.input["limit"].as_i64() {
        Some(n) if n >= 1 => n,
        _ => 10,
    };
    items
        .iter()
        .skip(usize::try_from(offset).unwrap_or(usize::MAX))
        .take(usize::try_from(limit).unwrap_or(usize::MAX))
        .cloned()
        .collect()
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

/// Sets `key` of an object, only where the template has that key (so every answer keeps
/// exactly the model's fields).
fn put(v: &mut Value, key: &str, val: Value) {
    if let Some(o) = v.as_object_mut() {
        if o.contains_key(key) {
            o.insert(key.to_string(), val);
        }
    }
}

/// Whether operation `meta` changes the instance it names, and so needs it `RUNNING` and
/// idle.
fn needs_idle(meta: &OperationMeta) -> bool {
    meta.method != HttpMethod::Get && !ALLOWED_WHILE_BUSY.contains(&meta.name)
}

impl Store {
    pub(crate) fn new(nonce: u32) -> Self {
        Self {
            projects: HashMap::new(),
            seq: 0,
            nonce,
            delay: DEFAULT_OPERATION_DELAY,
            fail_next: FailNext::new(),
            engine: None,
        }
    }

    /// Whether the next run of `kind` is armed to fail (without counting it off).
    pub(crate) fn armed(&self, kind: WorkKind) -> bool {
        self.fail_next.get(&kind).is_some_and(|n| *n > 0)
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
    /// A 32-hex-digit id (task and job ids look like this).
    pub(crate) fn new_hex(&mut self) -> String {
        let n = self.next();
        format!("{:08x}{:024x}", self.nonce, n)
    }

    pub(crate) fn project(&mut self, p: &str) -> &mut Project {
        self.projects.entry(p.to_string()).or_default()
    }

    /// Whether the next run of `kind` must fail (and counts it off).
    pub(crate) fn take_failure(&mut self, kind: WorkKind) -> bool {
        match self.fail_next.get_mut(&kind) {
            Some(n) if *n > 0 => {
                *n -= 1;
                if *n == 0 {
                    self.fail_next.remove(&kind);
                }
                true
            }
            _ => false,
        }
    }

    /// Runs the stateful handler of `call.meta`, or `None` when the synthetic tier answers.
    pub(crate) fn handle(&mut self, call: &Call<'_>) -> Option<Reply> {
        let now = call.now;
        let name = call.meta.name;
        // The instance the path names must exist, and take changes only when idle.
        if call
            .meta
            .params
            .iter()
            .any(|p| p.name == "instance_id" && p.location == ParamLocation::Path)
        {
            let p = self.project(call.project);
            p.settle(now);
            let iid = call.str("instance_id");
            let Some(inst) = p.instances.iter().find(|i| i.id == iid) else {
                return Some(no_instance(iid));
            };
            if needs_idle(call.meta) && !inst.idle() {
                return Some(not_running(inst, now));
            }
        }
        if self.engine.is_some() {
            match call.facts {
                None => {
                    if let Some(work) = self.engine_need(call) {
                        return Some(Reply::Engine(work));
                    }
                }
                Some(_) => {
                    if let Some(Err(e)) = call.fact(call.str("instance_id")) {
                        return Some(Reply::Error(
                            500,
                            dcs_model::codes::SYSTEM_BUSY,
                            format!("The instance's Redis failed: {e}"),
                        ));
                    }
                }
            }
            if engine_ops::handles(name) {
                return self.engine_ops(call).map(|r| r.unwrap_or_else(|e| e));
            }
        }
        let r = if instances::handles(name) {
            self.instances(call)
        } else if tasks::handles(name) {
            self.tasks(call)
        } else if backups::handles(name) {
            self.backups(call)
        } else if resources::handles(name) {
            self.resources(call)
        } else if analysis::handles(name) {
            self.analysis(call)
        } else if migration::handles(name) {
            self.migration(call)
        } else {
            return None;
        };
        Some(r.unwrap_or_else(|e| e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_stateful_operation_has_a_handler_and_exists() {
        for name in STATEFUL {
            assert!(
                dcs_model::OPERATIONS.iter().any(|m| m.name == *name),
                "{name} is not an operation"
            );
            let handled = instances::handles(name)
                || tasks::handles(name)
                || backups::handles(name)
                || resources::handles(name)
                || analysis::handles(name)
                || migration::handles(name);
            assert!(handled, "{name} has no handler");
        }
        for m in dcs_model::OPERATIONS {
            let handled = instances::handles(m.name)
                || tasks::handles(m.name)
                || backups::handles(m.name)
                || resources::handles(m.name)
                || analysis::handles(m.name)
                || migration::handles(m.name);
            assert_eq!(handled, STATEFUL.contains(&m.name), "{}", m.name);
        }
    }
}
