//! `dcs-emulator`: serves a local DCS v2 on a port until killed.
//!
//! ```text
//! dcs-emulator [--port N] [--ak AK --sk SK --project PROJECT_ID] [--task ID]... [--running-task ID]...
//!              [--operation-delay MS] [--seed FILE.json] [--max-connections N]
//!              [--header-timeout MS] [--body-timeout MS] [--max-body-memory BYTES]
//! ```
//!
//! The seed file's format, and the limits, are in the crate's README.

use dcs_emulator::{Emulator, EmulatorConfig, TaskStatus};
use serde_json::Value;
use std::net::SocketAddr;
use std::time::Duration;

const USAGE: &str = "usage: dcs-emulator [--port N] [--ak AK --sk SK --project PROJECT_ID] [--task ID]... [--running-task ID]... [--operation-delay MS] [--seed FILE.json] [--max-connections N] [--header-timeout MS] [--body-timeout MS] [--max-body-memory BYTES]";

/// The most bytes read of a seed file: 64 MiB.
const MAX_SEED_FILE_BYTES: u64 = 64 * 1024 * 1024;

fn usage() -> ! {
    eprintln!("{USAGE}");
    std::process::exit(2)
}

fn fail(msg: String) -> ! {
    eprintln!("dcs-emulator: {msg}");
    std::process::exit(2)
}

/// Loads the seed file into `project`; returns how many resources it added.
fn seed(emu: &Emulator, project: &str, path: &str) -> usize {
    let bytes = dcs_config::context::read_file_capped(std::path::Path::new(path), MAX_SEED_FILE_BYTES)
        .unwrap_or_else(|e| {
            if e.kind() == std::io::ErrorKind::FileTooLarge {
                fail(format!(
                    "{path}: the seed file is larger than {MAX_SEED_FILE_BYTES} bytes, the most read of it"
                ))
            } else {
                fail(format!("{path}: {e}"))
            }
        });
    let text = String::from_utf8(bytes).unwrap_or_else(|_| fail(format!("{path}: not UTF-8")));
    let doc: Value = serde_json::from_str(&text).unwrap_or_else(|e| fail(format!("{path}: {e}")));
    let list = |key: &str| -> Vec<Value> {
        match &doc[key] {
            Value::Null => Vec::new(),
            Value::Array(a) => a.clone(),
            _ => fail(format!("{path}: `{key}` must be a list")),
        }
    };
    let text_of = |item: &Value, key: &str, what: &str| -> Option<String> {
        match &item[key] {
            Value::Null => None,
            Value::String(s) if !s.is_empty() => Some(s.clone()),
            _ => fail(format!("{path}: {what}.{key} must be a non-empty string")),
        }
    };
    let mut n = 0;
    for i in list("instances") {
        let id = text_of(&i, "id", "instances[]")
            .unwrap_or_else(|| fail(format!("{path}: an instance has no id")));
        let status = text_of(&i, "status", "instances[]").unwrap_or_else(|| "RUNNING".into());
        emu.seed_instance(project, &id, &status);
        n += 1;
    }
    for t in list("tasks") {
        let id = text_of(&t, "id", "tasks[]")
            .unwrap_or_else(|| fail(format!("{path}: a task has no id")));
        let status = match text_of(&t, "status", "tasks[]").as_deref() {
            None | Some("SUCCESS") => TaskStatus::Success,
            Some("FAILED") => TaskStatus::Failed,
            Some("RUNNING") => TaskStatus::Running,
            Some(other) => fail(format!(
                "{path}: task {id}: status {other:?} is not SUCCESS, FAILED or RUNNING"
            )),
        };
        match text_of(&t, "instance_id", "tasks[]") {
            Some(inst) => emu.seed_background_task(project, &inst, &id, status),
            None => emu.seed_task(project, &id, status),
        }
        n += 1;
    }
    for b in list("backups") {
        let id = text_of(&b, "id", "backups[]")
            .unwrap_or_else(|| fail(format!("{path}: a backup has no id")));
        let inst = text_of(&b, "instance_id", "backups[]")
            .unwrap_or_else(|| fail(format!("{path}: backup {id} has no instance_id")));
        emu.seed_backup(project, &inst, &id);
        n += 1;
    }
    for a in list("accounts") {
        let id = text_of(&a, "id", "accounts[]")
            .unwrap_or_else(|| fail(format!("{path}: an account has no id")));
        let inst = text_of(&a, "instance_id", "accounts[]")
            .unwrap_or_else(|| fail(format!("{path}: account {id} has no instance_id")));
        let name = text_of(&a, "name", "accounts[]").unwrap_or_else(|| id.clone());
        if !emu.seed_account(project, &inst, &id, &name) {
            fail(format!(
                "{path}: account {id}: no instance {inst} (list it under instances)"
            ));
        }
        n += 1;
    }
    n
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let mut port = 0u16;
    let mut ak = "EMULATORAK".to_string();
    let mut sk = "emulator-secret-key".to_string();
    let mut project = "0a1b2c3d4e5f40718293a4b5c6d7e8f9".to_string();
    let mut tasks = Vec::new();
    let mut delay = None;
    let mut seed_file = None;
    let mut config = EmulatorConfig::default();
    // A long-running server must not keep every request it ever saw.
    config.record_requests = false;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut val = || args.next().unwrap_or_else(|| usage());
        match a.as_str() {
            "--port" => port = val().parse().unwrap_or_else(|_| usage()),
            "--ak" => ak = val(),
            "--sk" => sk = val(),
            "--project" => project = val(),
            "--task" => tasks.push((val(), TaskStatus::Success)),
            "--running-task" => tasks.push((val(), TaskStatus::Running)),
            "--operation-delay" => {
                delay = Some(Duration::from_millis(
                    val().parse().unwrap_or_else(|_| usage()),
                ))
            }
            "--seed" => seed_file = Some(val()),
            "--max-connections" => {
                config.max_connections = match val().parse() {
                    Ok(n) if n > 0 => n,
                    _ => usage(),
                }
            }
            "--header-timeout" => {
                config.header_read_timeout =
                    Duration::from_millis(val().parse().unwrap_or_else(|_| usage()))
            }
            "--body-timeout" => {
                config.body_read_timeout =
                    Duration::from_millis(val().parse().unwrap_or_else(|_| usage()))
            }
            "--max-body-memory" => {
                config.max_buffered_body_bytes = val().parse().unwrap_or_else(|_| usage())
            }
            _ => usage(),
        }
    }
    config.bind = SocketAddr::from(([127, 0, 0, 1], port));
    let emu = match Emulator::start_with(config).await {
        Ok(e) => e,
        Err(e) => {
            eprintln!("cannot start: {e}");
            std::process::exit(1)
        }
    };
    emu.add_credentials(&ak, &sk, &project);
    if let Some(d) = delay {
        emu.set_operation_delay(d);
    }
    for (id, status) in &tasks {
        emu.seed_task(&project, id, *status);
    }
    let seeded = seed_file.map_or(0, |f| seed(&emu, &project, &f));
    println!(
        "DCS emulator listening on {} (project {project}, AK {ak}, {} tasks, {seeded} seeded resources, 137 operations)",
        emu.endpoint(),
        tasks.len()
    );
    std::future::pending::<()>().await;
}
