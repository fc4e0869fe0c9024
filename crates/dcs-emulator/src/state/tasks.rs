//! The Task Center (every task of the project) and each instance's view of it (its background
//! tasks). A task that an operation starts runs until the operation's work ends, then takes
//! that work's outcome; a seeded task keeps its status.
//!
//! A running task reads `RUNNING` in the Task Center and `EXECUTING` among an instance's
//! background tasks (the spelling Terraform observes there, e.g. for `DeleteAcl`).

use super::{in_window, not_found, page, template, Call, Project, Reply, Store};
use crate::time::iso;
use crate::TaskStatus;
use serde_json::{json, Value};
use std::time::SystemTime;

const OWN: &[&str] = &[
    "DeleteBackgroundTask",
    "DeleteCenterTask",
    "ListBackgroundTask",
    "ListCenterTask",
    "ShowBackgroundTaskProgress",
];

pub(crate) fn handles(name: &str) -> bool {
    OWN.contains(&name)
}

#[derive(Debug, Clone)]
pub(crate) struct Task {
    pub(crate) id: String,
    name: String,
    /// The status once `done_at` has passed (at once without it).
    status: TaskStatus,
    /// Running until then; `None` keeps `status` for good.
    done_at: Option<SystemTime>,
    instance_id: Option<String>,
    created_at: SystemTime,
    details: Value,
    params: String,
}

impl Task {
    /// A task with a fixed status (seeded).
    pub(crate) fn fixed(
        id: &str,
        name: &str,
        status: TaskStatus,
        instance_id: Option<&str>,
        now: SystemTime,
    ) -> Self {
        Self {
            id: id.to_string(),
            name: name.to_string(),
            status,
            done_at: None,
            instance_id: instance_id.map(str::to_string),
            created_at: now,
            details: json!({}),
            params: instance_id
                .map(|i| json!({ "instance_id": i }).to_string())
                .unwrap_or_default(),
        }
    }

    /// A task of an instance that runs from `now` to `done_at`, then ends in `outcome`.
    pub(crate) fn running(
        id: String,
        name: &str,
        instance_id: &str,
        now: SystemTime,
        done_at: SystemTime,
        outcome: TaskStatus,
        details: Value,
    ) -> Self {
        let mut params = json!({ "instance_id": instance_id });
        if let (Some(p), Some(d)) = (params.as_object_mut(), details.as_object()) {
            p.extend(d.iter().map(|(k, v)| (k.clone(), v.clone())));
        }
        Self {
            id,
            name: name.to_string(),
            status: outcome,
            done_at: Some(done_at),
            instance_id: Some(instance_id.to_string()),
            created_at: now,
            details,
            params: params.to_string(),
        }
    }

    pub(crate) fn status_at(&self, now: SystemTime) -> TaskStatus {
        match self.done_at {
            Some(t) if now < t => TaskStatus::Running,
            _ => self.status,
        }
    }

    fn updated_at(&self, now: SystemTime) -> SystemTime {
        match self.done_at {
            Some(t) if now >= t => t,
            _ => self.created_at,
        }
    }

    /// The status as the Task Center (`background` false) or an instance's background task
    /// list shows it.
    fn status_text(&self, now: SystemTime, background: bool) -> &'static str {
        match self.status_at(now) {
            TaskStatus::Success => "SUCCESS",
            TaskStatus::Failed => "FAILED",
            TaskStatus::Running if background => "EXECUTING",
            TaskStatus::Running => "RUNNING",
        }
    }
}

impl Store {
    pub(crate) fn seed_task(
        &mut self,
        project: &str,
        id: &str,
        name: &str,
        status: TaskStatus,
        instance_id: Option<&str>,
        now: SystemTime,
    ) {
        let p = self.project(project);
        p.tasks.retain(|t| t.id != id);
        p.tasks
            .push(Task::fixed(id, name, status, instance_id, now));
    }

    pub(super) fn tasks(&mut self, call: &Call<'_>) -> Result<Reply, Reply> {
        match call.meta.name {
            "ListCenterTask" => self.list_tasks(call, false),
            "ListBackgroundTask" => self.list_tasks(call, true),
            "DeleteCenterTask" => self.delete_task(call, false),
            "DeleteBackgroundTask" => self.delete_task(call, true),
            _ => self.project(call.project).task_progress(call),
        }
    }

    fn list_tasks(&mut self, call: &Call<'_>, of_instance: bool) -> Result<Reply, Reply> {
        let now = call.now;
        let p = self.project(call.project);
        let iid = call.str("instance_id");
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
        let items: Vec<Value> = page(call, &tasks)
            .into_iter()
            .map(|t| {
                let mut v = tpl.clone();
                if let Some(o) = v.as_object_mut() {
                    o.insert("id".into(), json!(t.id));
                    o.insert("name".into(), json!(t.name));
                    o.insert("details".into(), t.details.clone());
                    o.insert("params".into(), json!(t.params));
                    o.insert("status".into(), json!(t.status_text(now, of_instance)));
                    o.insert("created_at".into(), json!(iso(t.created_at)));
                    o.insert("updated_at".into(), json!(iso(t.updated_at(now))));
                    o.insert("enable_show".into(), json!(t.instance_id.is_some()));
                    if o.contains_key("error_code") {
                        let failed = t.status_at(now) == TaskStatus::Failed;
                        o.insert(
                            "error_code".into(),
                            json!(if failed { "DCS.5000" } else { "" }),
                        );
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
        let tid = call.str("task_id");
        // Searched from the newest end: a cleanup deletes in the listed order (newest
        // first), so the task is near the end and removing it moves little.
        let Some(pos) = p
            .tasks
            .iter()
            .rposition(|t| t.id == tid && (!of_instance || t.instance_id.as_deref() == Some(iid)))
        else {
            return Err(not_found(&format!("no task {tid} in this project")));
        };
        if p.tasks[pos].status_at(call.now) == TaskStatus::Running {
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
    fn task_progress(&mut self, call: &Call<'_>) -> Result<Reply, Reply> {
        let now = call.now;
        let iid = call.str("instance_id");
        let tid = call.str("task_id");
        let Some(t) = self
            .tasks
            .iter()
            .find(|t| t.id == tid && t.instance_id.as_deref() == Some(iid))
        else {
            return Err(not_found(&format!("no task {tid} of instance {iid}")));
        };
        let (progress, remain) = match (t.status_at(now), t.done_at) {
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

    /// Adds a task (the Task Center and the instance's background tasks show it).
    pub(crate) fn push_task(&mut self, t: Task) {
        self.tasks.push(t);
    }
}
