//! Issue 17 item 5 and issue 20 item 5: `--wait` and `dcs wait` end to end, the real `dcs`
//! binary against the real `dcs-emulator` binary over TCP, with a real operation delay (the
//! emulator's `--operation-delay`) and a seeded instance (its `--seed`). Each test checks only
//! where a wait ends (the final state, the exit code), never how long it took, so more
//! intermediate states in the emulator change nothing.

mod support;

use std::time::Duration;
use support::*;

/// The longest pause between polls in these tests (the emulator's work takes a few hundred
/// milliseconds, not minutes).
const FAST: &str = "200ms";

fn id_of(v: &serde_json::Value) -> String {
    v["instance_id"].as_str().unwrap().to_string()
}

/// Create, resize, restart, back up, restore, a job operation and delete, each with
/// `--wait`, through the porcelain and through `dcs call`: each prints the final state.
#[test]
fn the_daily_loop_waits_for_each_step() {
    let emu = EmulatorProcess::start(Duration::from_millis(300), None);
    let e = emu.endpoint();
    let w = ["--wait", "--wait-interval", FAST];

    let mut args = vec![
        "instances",
        "create",
        "--name",
        "loop-1",
        "--capacity",
        "1",
        "--spec-code",
        "redis.single.xu1.large.1",
        "--az",
        "cn-north-4a",
        "--vpc-id",
        "vpc-1",
        "--subnet-id",
        "subnet-1",
        "-o",
        "json",
    ];
    args.extend(w);
    let out = dcs_blocking(&args, &e);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v = json(&out);
    assert_eq!(v["status"], "RUNNING", "{v}");
    assert_eq!(v["name"], "loop-1");
    let id = id_of(&v);
    assert!(
        text(&out.stderr).contains(&format!("waiting for instance {id}")),
        "progress on stderr: {}",
        text(&out.stderr)
    );

    let mut args = vec![
        "instances",
        "resize",
        &id,
        "--capacity",
        "2",
        "--spec-code",
        "redis.single.xu1.large.2",
    ];
    args.extend(w);
    let out = dcs_blocking(&args, &e);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v = json(&out);
    assert_eq!(v["status"], "RUNNING", "{v}");
    assert_eq!(v["capacity"], 2, "the resize is done: {v}");

    let mut args = vec!["instances", "restart", &id];
    args.extend(w);
    let out = dcs_blocking(&args, &e);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(json(&out)["status"], "RUNNING");

    let mut args = vec!["backups", "create", &id, "--remark", "nightly"];
    args.extend(w);
    let out = dcs_blocking(&args, &e);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let backup = json(&out);
    assert_eq!(
        backup["status"], "succeed",
        "the backup's own record: {backup}"
    );
    let backup_id = backup["backup_id"].as_str().unwrap().to_string();

    let mut args = vec!["backups", "restore", &id, &backup_id];
    args.extend(w);
    let out = dcs_blocking(&args, &e);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let restore = json(&out);
    assert_eq!(restore["status"], "succeed", "{restore}");
    assert_eq!(restore["backup_id"], backup_id.as_str());

    // A job operation through `dcs call`, waited for on ShowJobInfo.
    let input = format!(r#"{{"instance_id": "{id}", "body": {{"enabled": true}}}}"#);
    let mut args = vec!["call", "UpdateSslSwitch", "--input-json", &input];
    args.extend(w);
    let out = dcs_blocking(&args, &e);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let job = json(&out);
    assert_eq!(job["status"], "SUCCESS", "{job}");

    // Started without waiting, then waited for by id.
    let out = dcs_blocking(&["call", "UpdateSslSwitch", "--input-json", &input], &e);
    let job_id = json(&out)["job_id"].as_str().unwrap().to_string();
    let out = dcs_blocking(&["wait", "job", &job_id, "--interval", FAST], &e);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(json(&out)["status"], "SUCCESS");
    let out = dcs_blocking(&["backups", "create", &id], &e);
    let b2 = json(&out)["backup_id"].as_str().unwrap().to_string();
    let out = dcs_blocking(
        &[
            "wait",
            "backup",
            &id,
            &b2,
            "--interval",
            FAST,
            "-o",
            "text",
            "--query",
            "status",
        ],
        &e,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "succeed\n");
    let out = dcs_blocking(
        &[
            "wait",
            "instance",
            &id,
            "--interval",
            FAST,
            "--query",
            "status",
        ],
        &e,
    );
    assert_eq!(text(&out.stdout), "\"RUNNING\"\n");

    // The same create through `dcs call`: the final state, not the create's answer.
    let body = r#"{"body": {"name": "loop-2", "engine": "Redis", "capacity": 0.125, "spec_code": "s", "az_codes": ["a"], "vpc_id": "v", "subnet_id": "s"}}"#;
    let mut args = vec!["call", "create-instance", "--input-json", body];
    args.extend(w);
    let out = dcs_blocking(&args, &e);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v = json(&out);
    assert_eq!(
        (v["status"].as_str(), v["capacity_minor"].as_str()),
        (Some("RUNNING"), Some("0.125")),
        "{v}"
    );
    let id2 = id_of(&v);

    // Deleting, waited for until the instance is gone.
    let mut args = vec!["instances", "delete", &id];
    args.extend(w);
    let out = dcs_blocking(&args, &e);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(json(&out)["state"], "DELETED");
    assert_eq!(emu.instance_status(&id), None);
    let out = dcs_blocking(
        &[
            "call",
            "DeleteSingleInstance",
            "--input-json",
            &format!(r#"{{"instance_id": "{id2}"}}"#),
        ],
        &e,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = dcs_blocking(
        &[
            "wait",
            "instance",
            &id2,
            "--status",
            "deleted",
            "--interval",
            FAST,
        ],
        &e,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(emu.instance_status(&id2), None);
}

/// `--wait` turns busy retries on: a change refused because the instance is still being
/// created waits for it to be RUNNING and is sent again (UpdateInstance is safe to resend).
#[test]
fn wait_sends_again_after_instance_busy() {
    let emu = EmulatorProcess::start(Duration::from_secs(2), None);
    let e = emu.endpoint();
    let body = r#"{"body": {"name": "busy-1", "engine": "Redis", "capacity": 1, "spec_code": "s", "az_codes": ["a"], "vpc_id": "v", "subnet_id": "s"}}"#;
    let out = dcs_blocking(&["call", "CreateInstance", "--input-json", body], &e);
    let id = json(&out)["instances"][0]["instance_id"]
        .as_str()
        .unwrap()
        .to_string();
    let input = format!(r#"{{"instance_id": "{id}", "body": {{"description": "changed"}}}}"#);
    // Without --wait: refused at once (the instance is CREATING).
    let out = dcs_blocking(&["call", "UpdateInstance", "--input-json", &input], &e);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("DCS.4026"),
        "{}",
        text(&out.stderr)
    );
    assert!(
        text(&out.stderr).contains("--wait"),
        "the hint: {}",
        text(&out.stderr)
    );
    let out = dcs_blocking(
        &[
            "call",
            "UpdateInstance",
            "--input-json",
            &input,
            "--wait",
            "--wait-interval",
            FAST,
        ],
        &e,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = dcs_blocking(
        &[
            "instances",
            "show",
            &id,
            "--query",
            "description",
            "-o",
            "text",
        ],
        &e,
    );
    assert_eq!(text(&out.stdout), "changed\n");
}

/// A seeded CREATEFAILED instance ends the wait at once: exit 1, the state named on stderr
/// (and in the JSON error).
#[test]
fn a_failure_state_ends_the_wait_with_exit_1() {
    let emu = EmulatorProcess::start(
        Duration::from_millis(300),
        Some(r#"{"instances": [{"id": "broken-1", "status": "CREATEFAILED"}]}"#),
    );
    let e = emu.endpoint();
    let out = dcs_blocking(&["wait", "instance", "broken-1"], &e);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    assert!(
        err.contains("instance broken-1 reached the failure state CREATEFAILED"),
        "{err}"
    );
    assert!(out.stdout.is_empty());
    let out = dcs_blocking(&["wait", "instance", "broken-1", "-o", "json"], &e);
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(
        text(&out.stderr)
            .lines()
            .find(|l| l.starts_with('{'))
            .unwrap()
            .as_bytes(),
    )
    .unwrap();
    assert_eq!(v["error"]["state"], "CREATEFAILED", "{v}");
    assert_eq!(v["error"]["kind"], "wait_failed", "{v}");
    // An instance that does not exist is not waited for.
    let out = dcs_blocking(&["wait", "instance", "no-such-instance"], &e);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
}

/// A budget that runs out is exit 124, saying what was seen last; the create's answer (the
/// new id) is still printed.
#[test]
fn a_wait_that_runs_out_exits_124() {
    let emu = EmulatorProcess::start(Duration::from_secs(600), None);
    let e = emu.endpoint();
    let body = r#"{"body": {"name": "slow-1", "engine": "Redis", "capacity": 1, "spec_code": "s", "az_codes": ["a"], "vpc_id": "v", "subnet_id": "s"}}"#;
    let out = dcs_blocking(
        &[
            "call",
            "CreateInstance",
            "--input-json",
            body,
            "--wait",
            "--wait-timeout",
            "1s",
            "--wait-interval",
            FAST,
        ],
        &e,
    );
    assert_eq!(out.status.code(), Some(124), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    assert!(err.contains("gave up waiting for instance"), "{err}");
    assert!(err.contains("last state CREATING"), "{err}");
    let v = json(&out);
    assert!(v["instances"][0]["instance_id"].is_string(), "{v}");
    let out = dcs_blocking(&["wait", "job", "no-such-job", "--timeout", "1s"], &e);
    assert_ne!(out.status.code(), Some(0));
}

/// Ctrl-C during a wait: exit 130, saying what was being waited for.
#[cfg(unix)]
#[test]
fn ctrl_c_ends_a_wait_with_130() {
    let emu = EmulatorProcess::start(Duration::from_secs(600), None);
    let e = emu.endpoint();
    let cmd = command(
        &[
            "instances",
            "create",
            "--name",
            "stopped-1",
            "--capacity",
            "1",
            "--spec-code",
            "s",
            "--az",
            "a",
            "--vpc-id",
            "v",
            "--subnet-id",
            "s",
            "--wait",
            "--wait-interval",
            FAST,
        ],
        &e,
    );
    let (status, _out, err) = signal_after(cmd, "waiting for instance", "-INT");
    assert_eq!(status.code(), Some(130), "{err}");
    assert!(
        err.contains("interrupted: stopped waiting for instance"),
        "{err}"
    );
    assert!(err.contains("CREATING"), "{err}");
}
