//! Seed documents: resources to start from, as JSON (the binary's `--seed FILE.json`, the
//! control API's `POST /_emulator/seed`, [`crate::Emulator::load_seed`]).
//!
//! The whole document is checked before anything is added: an unknown key (with the nearest
//! known one suggested), a value of the wrong type, an instance status or task status outside
//! the documented set, or an account of an instance that does not exist is an error naming
//! where it is, and nothing is seeded.

use crate::TaskStatus;
use serde_json::{Map, Value};
use std::fmt;

/// What a seed document added.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct SeedSummary {
    /// Instances added (or replaced).
    pub instances: usize,
    /// Tasks added (the Task Center; those with an `instance_id` also as background tasks).
    pub tasks: usize,
    /// Backups added.
    pub backups: usize,
    /// ACL accounts added.
    pub accounts: usize,
    /// Jobs added.
    pub jobs: usize,
}

impl SeedSummary {
    /// Every resource added.
    pub fn total(&self) -> usize {
        self.instances + self.tasks + self.backups + self.accounts + self.jobs
    }
}

/// Why a seed document was refused; the message names the key or value at fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeedError(String);

impl fmt::Display for SeedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SeedError {}

/// An instance to seed.
#[derive(Debug)]
pub(crate) struct SeedInstance {
    pub(crate) id: String,
    pub(crate) status: String,
    pub(crate) name: Option<String>,
    pub(crate) capacity: Option<f64>,
    pub(crate) engine_version: Option<String>,
}

#[derive(Debug)]
pub(crate) struct SeedTask {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) status: TaskStatus,
    pub(crate) instance_id: Option<String>,
}

#[derive(Debug)]
pub(crate) struct SeedBackup {
    pub(crate) id: String,
    pub(crate) instance_id: String,
}

#[derive(Debug)]
pub(crate) struct SeedAccount {
    pub(crate) id: String,
    pub(crate) instance_id: String,
    pub(crate) name: String,
}

#[derive(Debug)]
pub(crate) struct SeedJob {
    pub(crate) id: String,
    pub(crate) job_type: String,
    pub(crate) status: String,
}

/// A checked seed document.
#[derive(Debug, Default)]
pub(crate) struct Seed {
    pub(crate) instances: Vec<SeedInstance>,
    pub(crate) tasks: Vec<SeedTask>,
    pub(crate) backups: Vec<SeedBackup>,
    pub(crate) accounts: Vec<SeedAccount>,
    pub(crate) jobs: Vec<SeedJob>,
}

const TOP: &[&str] = &["instances", "tasks", "backups", "accounts", "jobs"];
const INSTANCE: &[&str] = &["id", "status", "name", "capacity", "engine_version"];
const TASK: &[&str] = &["id", "status", "instance_id", "name"];
const BACKUP: &[&str] = &["id", "instance_id"];
const ACCOUNT: &[&str] = &["id", "instance_id", "name"];
const JOB: &[&str] = &["id", "type", "status"];
const TASK_STATUSES: &[&str] = &["SUCCESS", "FAILED", "RUNNING"];
const JOB_STATUSES: &[&str] = &["INIT", "RUNNING", "SUCCESS", "FAIL"];

fn err(msg: impl Into<String>) -> SeedError {
    SeedError(msg.into())
}

/// Edit distance, for "did you mean".
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

/// ` (did you mean "x"?)` when a known word is close to `got` (a few edits away, ignoring
/// case, or a word it is the start of).
pub(crate) fn did_you_mean(got: &str, known: &[&str]) -> String {
    let got = got.to_ascii_lowercase();
    known
        .iter()
        .map(|k| {
            let lower = k.to_ascii_lowercase();
            let d = if got.len() >= 3 && lower.starts_with(&got) {
                0
            } else {
                distance(&got, &lower)
            };
            (d, *k)
        })
        .filter(|(d, k)| *d <= 2.max(k.len() / 3))
        .min()
        .map(|(_, k)| format!(" (did you mean {k:?}?)"))
        .unwrap_or_default()
}

/// Refuses keys outside `known`, naming the first one found.
fn only(obj: &Map<String, Value>, known: &[&str], at: &str) -> Result<(), SeedError> {
    for k in obj.keys() {
        if !known.contains(&k.as_str()) {
            return Err(err(format!(
                "{at}: unknown key {k:?}{} (known keys: {})",
                did_you_mean(k, known),
                known.join(", ")
            )));
        }
    }
    Ok(())
}

fn text(obj: &Map<String, Value>, key: &str, at: &str) -> Result<Option<String>, SeedError> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if !s.is_empty() => Ok(Some(s.clone())),
        Some(_) => Err(err(format!("{at}.{key}: must be a non-empty string"))),
    }
}

fn required(obj: &Map<String, Value>, key: &str, at: &str) -> Result<String, SeedError> {
    text(obj, key, at)?.ok_or_else(|| err(format!("{at}.{key}: is required")))
}

fn one_of(
    obj: &Map<String, Value>,
    key: &str,
    at: &str,
    allowed: &[&str],
    what: &str,
) -> Result<Option<String>, SeedError> {
    let Some(v) = text(obj, key, at)? else {
        return Ok(None);
    };
    if !allowed.contains(&v.as_str()) {
        return Err(err(format!(
            "{at}.{key}: {v:?} is not a documented {what}{} (one of {})",
            did_you_mean(&v, allowed),
            allowed.join(", ")
        )));
    }
    Ok(Some(v))
}

/// The objects of list `key` of the document.
fn items<'a>(
    doc: &'a Map<String, Value>,
    key: &str,
) -> Result<Vec<&'a Map<String, Value>>, SeedError> {
    match doc.get(key) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(a)) => a
            .iter()
            .enumerate()
            .map(|(i, v)| {
                v.as_object()
                    .ok_or_else(|| err(format!("{key}[{i}]: must be a JSON object")))
            })
            .collect(),
        Some(_) => Err(err(format!("{key}: must be a list"))),
    }
}

/// Reads and checks a seed document. `known_instance` says whether an instance already
/// exists (an account may belong to one not in the document).
pub(crate) fn parse(
    text_doc: &str,
    known_instance: &dyn Fn(&str) -> bool,
) -> Result<Seed, SeedError> {
    let doc: Value = serde_json::from_str(text_doc).map_err(|e| err(format!("not JSON: {e}")))?;
    let doc = doc
        .as_object()
        .ok_or_else(|| err("the document must be a JSON object"))?;
    only(doc, TOP, "the top level")?;
    let mut seed = Seed::default();
    for (i, o) in items(doc, "instances")?.into_iter().enumerate() {
        let at = format!("instances[{i}]");
        only(o, INSTANCE, &at)?;
        let capacity = match o.get("capacity") {
            None | Some(Value::Null) => None,
            Some(v) => match v.as_f64() {
                Some(c) if c > 0.0 && c.is_finite() => Some(c),
                _ => {
                    return Err(err(format!(
                        "{at}.capacity: must be a number of GB above 0"
                    )))
                }
            },
        };
        seed.instances.push(SeedInstance {
            id: required(o, "id", &at)?,
            status: one_of(
                o,
                "status",
                &at,
                dcs_model::types::InstanceStatus::VALUES,
                "instance status",
            )?
            .unwrap_or_else(|| "RUNNING".into()),
            name: text(o, "name", &at)?,
            capacity,
            engine_version: text(o, "engine_version", &at)?,
        });
    }
    for (i, o) in items(doc, "tasks")?.into_iter().enumerate() {
        let at = format!("tasks[{i}]");
        only(o, TASK, &at)?;
        let status = match one_of(o, "status", &at, TASK_STATUSES, "task status")?.as_deref() {
            Some("FAILED") => TaskStatus::Failed,
            Some("RUNNING") => TaskStatus::Running,
            _ => TaskStatus::Success,
        };
        seed.tasks.push(SeedTask {
            id: required(o, "id", &at)?,
            name: text(o, "name", &at)?.unwrap_or_else(|| "EXTEND".into()),
            status,
            instance_id: text(o, "instance_id", &at)?,
        });
    }
    for (i, o) in items(doc, "backups")?.into_iter().enumerate() {
        let at = format!("backups[{i}]");
        only(o, BACKUP, &at)?;
        seed.backups.push(SeedBackup {
            id: required(o, "id", &at)?,
            instance_id: required(o, "instance_id", &at)?,
        });
    }
    for (i, o) in items(doc, "accounts")?.into_iter().enumerate() {
        let at = format!("accounts[{i}]");
        only(o, ACCOUNT, &at)?;
        let id = required(o, "id", &at)?;
        let instance_id = required(o, "instance_id", &at)?;
        if !seed.instances.iter().any(|x| x.id == instance_id) && !known_instance(&instance_id) {
            return Err(err(format!(
                "{at}.instance_id: no instance {instance_id:?} (list it under instances)"
            )));
        }
        seed.accounts.push(SeedAccount {
            name: text(o, "name", &at)?.unwrap_or_else(|| id.clone()),
            id,
            instance_id,
        });
    }
    for (i, o) in items(doc, "jobs")?.into_iter().enumerate() {
        let at = format!("jobs[{i}]");
        only(o, JOB, &at)?;
        seed.jobs.push(SeedJob {
            id: required(o, "id", &at)?,
            job_type: text(o, "type", &at)?.unwrap_or_else(|| "masterStandbySwapJob".into()),
            status: one_of(o, "status", &at, JOB_STATUSES, "job status")?
                .unwrap_or_else(|| "SUCCESS".into()),
        });
    }
    Ok(seed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn none(_: &str) -> bool {
        false
    }

    #[test]
    fn every_documented_instance_status_is_kept() {
        for s in dcs_model::types::InstanceStatus::VALUES {
            let doc = format!(r#"{{"instances":[{{"id":"i","status":"{s}"}}]}}"#);
            let seed = parse(&doc, &none).unwrap();
            assert_eq!(seed.instances[0].status, *s);
        }
    }

    #[test]
    fn misspelt_keys_and_values_are_named() {
        let e = parse(r#"{"instance":[]}"#, &none).unwrap_err().to_string();
        assert!(e.contains("the top level: unknown key \"instance\""), "{e}");
        assert!(e.contains("did you mean \"instances\""), "{e}");
        let e = parse(r#"{"instances":[{"id":"i","stauts":"RUNNING"}]}"#, &none)
            .unwrap_err()
            .to_string();
        assert!(e.contains("instances[0]: unknown key \"stauts\""), "{e}");
        assert!(e.contains("did you mean \"status\""), "{e}");
        let e = parse(r#"{"instances":[{"id":"i","status":"RUNING"}]}"#, &none)
            .unwrap_err()
            .to_string();
        assert!(e.contains("instances[0].status: \"RUNING\""), "{e}");
        assert!(e.contains("CREATEFAILED"), "{e}");
        let e = parse(r#"{"tasks":[{"id":"t","status":"DONE"}]}"#, &none)
            .unwrap_err()
            .to_string();
        assert!(e.contains("tasks[0].status"), "{e}");
        let e = parse(r#"{"accounts":[{"id":"a","instance_id":"x"}]}"#, &none)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("accounts[0].instance_id: no instance \"x\""),
            "{e}"
        );
        assert!(parse("[]", &none).is_err());
        assert!(parse(r#"{"tasks":{}}"#, &none)
            .unwrap_err()
            .to_string()
            .contains("tasks: must be a list"));
        assert!(parse(r#"{"instances":[{"status":"RUNNING"}]}"#, &none)
            .unwrap_err()
            .to_string()
            .contains("instances[0].id: is required"));
    }

    #[test]
    fn suggestions_only_for_near_misses() {
        assert_eq!(did_you_mean("taks", TOP), " (did you mean \"tasks\"?)");
        assert_eq!(did_you_mean("zebra", TOP), "");
        assert_eq!(
            did_you_mean("ERORR", &["RUNNING", "ERROR"]),
            " (did you mean \"ERROR\"?)"
        );
        assert_eq!(did_you_mean("inst", TOP), " (did you mean \"instances\"?)");
    }
}
