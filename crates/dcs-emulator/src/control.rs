//! The control API: JSON over HTTP under `/_emulator/`, so that scripts using any SDK or
//! `dcs` can drive the emulator (the operation delay, failures, frozen instances, time) and
//! look at an instance's state. It is unsigned, so it answers only a loopback peer that
//! names a loopback host (`Host`, and `Origin` when a browser sends one): a web page cannot
//! reach it through DNS rebinding or a cross-site form. Its requests are never faulted or
//! recorded. The endpoints and their bodies are in the crate's README.

use crate::{json_response, state::Instance, Resp, Shared, WorkKind};
use percent_encoding::percent_decode_str;
use serde_json::{json, Map, Value};
use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, SystemTime};

/// The prefix of every control path.
pub(crate) const PREFIX: &str = "/_emulator";

/// The longest operation delay taken: a day.
const MAX_DELAY: Duration = Duration::from_secs(86_400);
/// The longest single advance: a year.
const MAX_ADVANCE: Duration = Duration::from_secs(366 * 86_400);

/// The endpoints, for the index and for "no such endpoint".
const ENDPOINTS: &[&str] = &[
    "GET /_emulator/",
    "GET|PUT /_emulator/operation-delay {\"milliseconds\": N}",
    "GET|POST|DELETE /_emulator/fail-next {\"kind\": K, \"count\": N}",
    "GET /_emulator/clock",
    "POST /_emulator/clock/advance {\"milliseconds\": N} or {\"seconds\": N}",
    "GET /_emulator/instances/{id}",
    "POST /_emulator/instances/{id}/freeze",
    "POST /_emulator/instances/{id}/unfreeze",
    "PUT /_emulator/instances/{id}/status {\"status\": S}",
    "POST /_emulator/seed?project_id=P (a seed document)",
];

pub(crate) fn is_control(path: &str) -> bool {
    path == PREFIX || path.starts_with("/_emulator/")
}

fn reply(status: u16, v: Value) -> Resp {
    json_response(status, v.to_string().into_bytes())
}

fn error(status: u16, msg: impl Into<String>) -> Resp {
    reply(status, json!({ "error": msg.into() }))
}

/// Whether a host name (no port) is a loopback name.
fn loopback_host(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<IpAddr>()
            .is_ok_and(|ip| ip.to_canonical().is_loopback())
}

/// The host of a `Host` header value (`name:port`, `[v6]:port`).
fn host_of(authority: &str) -> &str {
    if let Some(rest) = authority.strip_prefix('[') {
        return rest.split(']').next().unwrap_or("");
    }
    authority.rsplit_once(':').map_or(authority, |(h, _)| h)
}

/// Why a request may not use the control API, if it may not.
pub(crate) fn refusal(
    peer: SocketAddr,
    host: Option<&str>,
    origin: Option<&str>,
) -> Option<String> {
    if !peer.ip().to_canonical().is_loopback() {
        return Some(format!(
            "the control API answers loopback clients only, not {}",
            peer.ip()
        ));
    }
    if let Some(h) = host {
        if !loopback_host(host_of(h)) {
            return Some(format!(
                "the control API answers requests to a loopback host only (Host {h:?})"
            ));
        }
    }
    if let Some(o) = origin {
        let host = o
            .split_once("://")
            .map(|(_, rest)| host_of(rest.split('/').next().unwrap_or("")));
        if !host.is_some_and(loopback_host) {
            return Some(format!(
                "the control API does not answer pages from other origins (Origin {o:?})"
            ));
        }
    }
    None
}

fn header(parts: &http::request::Parts, name: http::header::HeaderName) -> Option<&str> {
    parts
        .headers
        .get(name)
        .map(|v| v.to_str().unwrap_or("\u{fffd}"))
}

fn query_param(query: &str, key: &str) -> Option<String> {
    query.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        (percent_decode_str(k).decode_utf8_lossy() == key)
            .then(|| percent_decode_str(v).decode_utf8_lossy().into_owned())
    })
}

/// A duration from `{"milliseconds": N}` or `{"seconds": N}`, at most `max`.
fn duration(body: &Map<String, Value>, max: Duration) -> Result<Duration, String> {
    let d = match (body.get("milliseconds"), body.get("seconds")) {
        (Some(ms), None) => ms
            .as_u64()
            .map(Duration::from_millis)
            .ok_or("milliseconds: must be a whole number of at least 0")?,
        (None, Some(s)) => s
            .as_f64()
            .filter(|s| s.is_finite() && *s >= 0.0 && *s <= max.as_secs_f64())
            .map(Duration::from_secs_f64)
            .ok_or("seconds: must be a number of at least 0")?,
        (Some(_), Some(_)) => return Err("give milliseconds or seconds, not both".into()),
        (None, None) => return Err("milliseconds (or seconds): is required".into()),
    };
    if d > max {
        return Err(format!("at most {} seconds", max.as_secs()));
    }
    Ok(d)
}

fn only(body: &Map<String, Value>, known: &[&str]) -> Result<(), String> {
    match body.keys().find(|k| !known.contains(&k.as_str())) {
        Some(k) => Err(format!(
            "unknown key {k:?}{} (known keys: {})",
            crate::seed::did_you_mean(k, known),
            known.join(", ")
        )),
        None => Ok(()),
    }
}

/// The state of an instance as the control API shows it.
fn instance_json(project: &str, i: &Instance, now: SystemTime) -> Value {
    let change = i.task_name().map(|task| {
        let ends = i.change_ends().unwrap_or(now);
        json!({
            "task": task,
            "ends_at": crate::time::iso(ends),
            "remaining_ms": ends.duration_since(now).unwrap_or_default().as_millis() as u64,
            // `null` for a deletion: the instance is gone when it ends.
            "ends_as": i.change_end(),
        })
    });
    json!({
        "project_id": project,
        "instance_id": i.id,
        "name": i.name(),
        "status": i.status(now),
        "task": i.task_json(now),
        "idle": i.idle(),
        "change": change,
        "capacity": i.capacity(),
        "engine": i.engine().map(|e| {
            let info = e.info();
            let error = match &info.state {
                crate::EngineState::Failed(why) => Some(why.clone()),
                _ => None,
            };
            json!({
                "state": info.state.as_str(),
                "address": info.address.to_string(),
                "port": info.address.port(),
                "pid": info.pid,
                "error": error,
                "data_dir": info.data_dir.to_string_lossy(),
                "ready_after_ms": info.ready_after.map(|d| d.as_secs_f64() * 1000.0),
            })
        }),
    })
}

pub(crate) fn handle(
    parts: &http::request::Parts,
    body: &[u8],
    shared: &Shared,
    peer: SocketAddr,
) -> Resp {
    if let Some(why) = refusal(
        peer,
        header(parts, http::header::HOST),
        header(parts, http::header::ORIGIN),
    ) {
        return error(403, why);
    }
    let method = parts.method.as_str();
    let path = parts.uri.path().trim_end_matches('/');
    let query = parts.uri.query().unwrap_or("");
    let segs: Vec<String> = path
        .strip_prefix(PREFIX)
        .unwrap_or("")
        .split('/')
        .filter(|s| !s.is_empty())
        .map(|s| percent_decode_str(s).decode_utf8_lossy().into_owned())
        .collect();
    let segs: Vec<&str> = segs.iter().map(String::as_str).collect();
    // The seed document is read as it is; every other body is a JSON object (or nothing).
    let is_seed = segs == ["seed"];
    let obj = if is_seed || body.iter().all(u8::is_ascii_whitespace) {
        Map::new()
    } else {
        match serde_json::from_slice::<Value>(body) {
            Ok(Value::Object(o)) => o,
            Ok(_) => return error(400, "the body must be a JSON object"),
            Err(e) => return error(400, format!("the body is not JSON: {e}")),
        }
    };
    let r = route(method, &segs, &obj, query, body, shared);
    match r {
        Ok(v) => reply(200, v),
        Err((status, msg)) => error(status, msg),
    }
}

type Answer = Result<Value, (u16, String)>;

fn bad(msg: impl Into<String>) -> (u16, String) {
    (400, msg.into())
}

fn route(
    method: &str,
    segs: &[&str],
    body: &Map<String, Value>,
    query: &str,
    raw: &[u8],
    shared: &Shared,
) -> Answer {
    match (method, segs) {
        ("GET", []) => Ok(summary(shared)),
        ("GET", ["operation-delay"]) => Ok(delay_json(shared)),
        ("PUT" | "POST", ["operation-delay"]) => {
            only(body, &["milliseconds", "seconds"]).map_err(bad)?;
            let d = duration(body, MAX_DELAY).map_err(bad)?;
            shared.state().store.delay = d;
            Ok(delay_json(shared))
        }
        ("GET", ["fail-next"]) => Ok(fail_next_json(shared)),
        ("POST", ["fail-next"]) => {
            only(body, &["kind", "count"]).map_err(bad)?;
            let names: Vec<&str> = WorkKind::ALL.iter().map(|k| k.as_str()).collect();
            let kind = body
                .get("kind")
                .and_then(Value::as_str)
                .ok_or_else(|| bad(format!("kind: is required (one of {})", names.join(", "))))?;
            let kind = WorkKind::from_name(kind).ok_or_else(|| {
                bad(format!(
                    "kind: {kind:?} is not a kind of work{} (one of {})",
                    crate::seed::did_you_mean(kind, &names),
                    names.join(", ")
                ))
            })?;
            let count = match body.get("count") {
                None => 1,
                Some(c) => c
                    .as_u64()
                    .filter(|c| (1..=1000).contains(c))
                    .ok_or_else(|| bad("count: must be a whole number from 1 to 1000"))?
                    as u32,
            };
            *shared.state().store.fail_next.entry(kind).or_insert(0) += count;
            Ok(fail_next_json(shared))
        }
        ("DELETE", ["fail-next"]) => {
            shared.state().store.fail_next.clear();
            Ok(fail_next_json(shared))
        }
        ("GET", ["clock"]) => Ok(clock_json(shared)),
        ("POST", ["clock", "advance"]) => {
            only(body, &["milliseconds", "seconds"]).map_err(bad)?;
            let d = duration(body, MAX_ADVANCE).map_err(bad)?;
            let kind = shared.advance(d);
            let mut v = clock_json(shared);
            v["advanced_ms"] = json!(d.as_millis() as u64);
            v["moved"] = json!(match kind {
                crate::ClockKind::Manual => "the manual clock (signatures and work)",
                _ => "the emulator's work only (signatures are still checked against the system clock)",
            });
            Ok(v)
        }
        ("GET", ["instances", id]) => with_instance(shared, id, query, |_| None),
        ("POST", ["instances", id, "freeze"]) => {
            with_instance(shared, id, query, |_| Some("FROZEN".into()))
        }
        ("POST", ["instances", id, "unfreeze"]) => {
            with_instance(shared, id, query, |_| Some("RUNNING".into()))
        }
        ("PUT", ["instances", id, "status"]) => {
            only(body, &["status"]).map_err(bad)?;
            let known = dcs_model::types::InstanceStatus::VALUES;
            let s = body
                .get("status")
                .and_then(Value::as_str)
                .ok_or_else(|| bad("status: is required"))?;
            if !known.contains(&s) {
                return Err(bad(format!(
                    "status: {s:?} is not a documented instance status{} (one of {})",
                    crate::seed::did_you_mean(s, known),
                    known.join(", ")
                )));
            }
            let s = s.to_string();
            with_instance(shared, id, query, move |_| Some(s.clone()))
        }
        ("POST", ["seed"]) => {
            let project = match query_param(query, "project_id") {
                Some(p) if !p.is_empty() => p,
                _ => only_project(shared).ok_or_else(|| {
                    bad("project_id: give it in the query (?project_id=...): the emulator serves more than one project")
                })?,
            };
            let text = std::str::from_utf8(raw).map_err(|_| bad("the seed is not UTF-8"))?;
            let s = shared
                .load_seed(&project, text)
                .map_err(|e| bad(format!("seed: {e}")))?;
            Ok(json!({
                "project_id": project,
                "instances": s.instances,
                "tasks": s.tasks,
                "backups": s.backups,
                "accounts": s.accounts,
                "jobs": s.jobs,
            }))
        }
        (_, ["operation-delay" | "fail-next" | "clock" | "seed"])
        | (
            _,
            []
            | ["clock", "advance"]
            | ["instances", _]
            | ["instances", _, "freeze" | "unfreeze" | "status"],
        ) => Err((
            405,
            format!(
                "{method} is not allowed here; the endpoints: {}",
                ENDPOINTS.join("; ")
            ),
        )),
        _ => Err((
            404,
            format!(
                "no such control endpoint; the endpoints: {}",
                ENDPOINTS.join("; ")
            ),
        )),
    }
}

/// The one project the emulator has credentials for, if there is only one.
fn only_project(shared: &Shared) -> Option<String> {
    let st = shared.state();
    let mut projects: Vec<&str> = st
        .accounts
        .values()
        .map(|a| a.project_id.as_str())
        .collect();
    projects.sort_unstable();
    projects.dedup();
    match projects[..] {
        [p] => Some(p.to_string()),
        _ => None,
    }
}

/// Finds the instance (in `?project_id=` or any project), sets the status `change` gives,
/// and answers its state.
fn with_instance(
    shared: &Shared,
    id: &str,
    query: &str,
    change: impl Fn(&Instance) -> Option<String>,
) -> Answer {
    let now = shared.work_now();
    let wanted = query_param(query, "project_id");
    let mut st = shared.state();
    let mut found: Vec<String> = st
        .store
        .projects
        .iter()
        .filter(|(p, _)| wanted.as_deref().is_none_or(|w| w == p.as_str()))
        .filter(|(_, proj)| proj.instances.iter().any(|i| i.id == id))
        .map(|(p, _)| p.clone())
        .collect();
    found.sort();
    let project = match &found[..] {
        [] => return Err((404, format!("no instance {id}"))),
        [p] => p.clone(),
        _ => {
            return Err(bad(format!(
                "instance {id} is in several projects ({}): add ?project_id=",
                found.join(", ")
            )))
        }
    };
    let p = st.store.project(&project);
    p.settle(now);
    let Some(inst) = p.instances.iter_mut().find(|i| i.id == id) else {
        // Deleted by settling just now.
        return Err((404, format!("no instance {id}")));
    };
    if let Some(s) = change(inst) {
        inst.force_status(&s, shared.engine.as_ref());
    }
    Ok(instance_json(&project, inst, now))
}

fn delay_json(shared: &Shared) -> Value {
    json!({ "operation_delay_ms": shared.state().store.delay.as_millis() as u64 })
}

fn fail_next_json(shared: &Shared) -> Value {
    let st = shared.state();
    let armed: Map<String, Value> = st
        .store
        .fail_next
        .iter()
        .map(|(k, n)| (k.as_str().to_string(), json!(n)))
        .collect();
    json!({
        "fail_next": armed,
        "kinds": WorkKind::ALL.iter().map(|k| k.as_str()).collect::<Vec<_>>(),
    })
}

fn clock_json(shared: &Shared) -> Value {
    let skipped = *shared.skipped.lock().unwrap_or_else(|e| e.into_inner());
    json!({
        "clock": shared.clock_kind().as_str(),
        "now": crate::time::iso(shared.work_now()),
        "skipped_ms": skipped.as_millis() as u64,
    })
}

fn summary(shared: &Shared) -> Value {
    let now = shared.work_now();
    let mut v = clock_json(shared);
    let o = v.as_object_mut().map(std::mem::take).unwrap_or_default();
    let mut out = Map::new();
    out.insert("clock".into(), Value::Object(o));
    out.insert(
        "operation_delay_ms".into(),
        delay_json(shared)["operation_delay_ms"].clone(),
    );
    out.insert(
        "fail_next".into(),
        fail_next_json(shared)["fail_next"].clone(),
    );
    let mut st = shared.state();
    let mut projects = Map::new();
    for (id, p) in st.store.projects.iter_mut() {
        p.settle(now);
        projects.insert(
            id.clone(),
            json!({
                "instances": p.instances.iter().map(|i| json!({
                    "instance_id": i.id,
                    "status": i.status(now),
                    "task": i.task_name(),
                })).collect::<Vec<_>>(),
                "tasks": p.tasks.len(),
            }),
        );
    }
    out.insert("projects".into(), Value::Object(projects));
    out.insert(
        "engine".into(),
        match &shared.engine {
            Some(h) => json!({
                "program": h.program().to_string_lossy(),
                "version": h.version(),
            }),
            None => Value::Null,
        },
    );
    out.insert("endpoints".into(), json!(ENDPOINTS));
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(s: &str) -> SocketAddr {
        s.parse().unwrap()
    }

    #[test]
    fn only_loopback_peers_and_hosts_are_answered() {
        let lo = addr("127.0.0.1:5000");
        assert_eq!(refusal(lo, Some("127.0.0.1:8080"), None), None);
        assert_eq!(refusal(lo, Some("localhost:8080"), None), None);
        assert_eq!(refusal(addr("[::1]:5000"), Some("[::1]:8080"), None), None);
        assert_eq!(refusal(addr("[::ffff:127.0.0.1]:5000"), None, None), None);
        assert!(refusal(addr("10.1.2.3:5000"), Some("127.0.0.1:8080"), None)
            .unwrap()
            .contains("loopback clients only, not 10.1.2.3"));
        assert!(refusal(addr("192.168.0.9:1"), None, None).is_some());
        // DNS rebinding: a loopback peer, but a page's host name.
        assert!(refusal(lo, Some("evil.example:8080"), None)
            .unwrap()
            .contains("evil.example"));
        // A cross-site request from a browser.
        assert!(refusal(lo, Some("127.0.0.1:8080"), Some("https://evil.example")).is_some());
        assert!(refusal(lo, Some("127.0.0.1:8080"), Some("null")).is_some());
        assert_eq!(
            refusal(lo, Some("127.0.0.1:8080"), Some("http://localhost:3000")),
            None
        );
    }
}
