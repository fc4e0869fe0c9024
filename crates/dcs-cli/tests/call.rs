//! `dcs call` as a user runs it: the real binary, against the emulator or a loopback server,
//! with the environment it is given and nothing else.

use dcs_emulator::{Emulator, TaskStatus};
use std::io::{Read, Write};
use std::net::TcpListener;
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

const AK: &str = "CLICALLAK00000000001";
const SK: &str = "cli-call-secret-key";
const PROJECT: &str = "0a1b2c3d4e5f40718293a4b5c6d7e8f9";

fn dcs(args: &[&str], endpoint: &str) -> Output {
    let home = std::env::temp_dir().join("dcs-cli-test-home-empty");
    let _ = std::fs::create_dir_all(&home);
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_dcs"));
    cmd.args(args)
        .env_clear()
        .env("HOME", &home)
        .env("HUAWEICLOUD_SDK_AK", AK)
        .env("HUAWEICLOUD_SDK_SK", SK)
        .env("HUAWEICLOUD_SDK_PROJECT_ID", PROJECT)
        .env("HUAWEICLOUD_SDK_METADATA_DISABLED", "true")
        .env("DCS_ENDPOINT", endpoint)
        .stdin(Stdio::null());
    cmd.output().unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// A loopback server answering every request with `status` and `body`, counting requests.
fn server(status: u16, body: &'static [u8]) -> (String, Arc<AtomicUsize>) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("http://{}", l.local_addr().unwrap());
    let count = Arc::new(AtomicUsize::new(0));
    let c = count.clone();
    std::thread::spawn(move || {
        for s in l.incoming() {
            let Ok(mut s) = s else { return };
            let mut buf = Vec::new();
            let mut tmp = [0u8; 4096];
            // Read the head and a Content-Length body.
            loop {
                let n = s.read(&mut tmp).unwrap_or(0);
                if n == 0 {
                    break;
                }
                buf.extend_from_slice(&tmp[..n]);
                if let Some(p) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                    let head = String::from_utf8_lossy(&buf[..p]).to_lowercase();
                    let len = head
                        .lines()
                        .find_map(|l| l.strip_prefix("content-length:"))
                        .and_then(|v| v.trim().parse::<usize>().ok())
                        .unwrap_or(0);
                    if buf.len() >= p + 4 + len {
                        break;
                    }
                }
            }
            c.fetch_add(1, Ordering::SeqCst);
            let head = format!(
                "HTTP/1.1 {status} X\r\nContent-Length: {}\r\nX-Request-Id: cli-req-1\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = s.write_all(head.as_bytes());
            let _ = s.write_all(body);
        }
    });
    (endpoint, count)
}

#[test]
fn list_names_every_operation() {
    let out = dcs(&["call", "--list"], "http://127.0.0.1:9");
    assert!(out.status.success());
    let lines: Vec<String> = text(&out.stdout).lines().map(str::to_string).collect();
    assert_eq!(lines.len(), 137);
    assert!(
        lines.contains(&"DeleteCenterTask\tDELETE\t/v2/{project_id}/tasks/{task_id}".to_string())
    );
}

#[test]
fn the_skeleton_lists_the_required_fields_and_runs_once_they_are_filled() {
    let out = dcs(
        &["call", "ListInstances", "--skeleton"],
        "http://127.0.0.1:9",
    );
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v, serde_json::json!({}), "ListInstances needs nothing");

    let out = dcs(
        &["call", "CreateInstance", "--skeleton"],
        "http://127.0.0.1:9",
    );
    let mut v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let body = v["body"].as_object().unwrap();
    let mut keys: Vec<&str> = body.keys().map(String::as_str).collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "az_codes",
            "capacity",
            "engine",
            "name",
            "spec_code",
            "subnet_id",
            "vpc_id"
        ]
    );
    // Each placeholder says what goes there.
    assert!(
        body["capacity"]
            .as_str()
            .unwrap()
            .contains("REQUIRED number"),
        "{v}"
    );
    assert!(
        body["engine"]
            .as_str()
            .unwrap()
            .contains("Redis, Memcached"),
        "{v}"
    );
    // As printed it is refused, naming every field still to fill.
    let (endpoint, count) = server(200, b"{}");
    let out = dcs(
        &["call", "CreateInstance", "--input-json", &v.to_string()],
        &endpoint,
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    assert!(
        err.contains("7 fields of the skeleton still to fill"),
        "{err}"
    );
    assert!(err.contains("body.capacity: fill in"), "{err}");
    // Filled in, it goes out as it is.
    let filled = serde_json::json!({
        "name": "cache-1", "engine": "Redis", "capacity": 128, "spec_code": "redis.cluster.xu1.large.r2.s1.128",
        "az_codes": ["cn-north-4a"], "vpc_id": "vpc-1", "subnet_id": "subnet-1"
    });
    v["body"] = filled;
    let out = dcs(
        &["call", "CreateInstance", "--input-json", &v.to_string()],
        &endpoint,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(count.load(std::sync::atomic::Ordering::SeqCst), 1);
}

#[test]
fn every_missing_field_is_named_in_one_error_and_no_validate_sends_anyway() {
    let (endpoint, count) = server(200, b"{}");
    let out = dcs(
        &["call", "CreateInstance", "--input-json", r#"{"body":{}}"#],
        &endpoint,
    );
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    for f in [
        "body.name",
        "body.engine",
        "body.capacity",
        "body.spec_code",
        "body.az_codes",
        "body.vpc_id",
        "body.subnet_id",
    ] {
        assert!(err.contains(&format!("{f}: is required")), "{f}: {err}");
    }
    assert!(err.contains("7 invalid fields"), "{err}");
    assert_eq!(count.load(std::sync::atomic::Ordering::SeqCst), 0);
    let out = dcs(
        &[
            "call",
            "CreateInstance",
            "--no-validate",
            "--input-json",
            r#"{"body":{"capacity":3}}"#,
        ],
        &endpoint,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(count.load(std::sync::atomic::Ordering::SeqCst), 1);
}

#[test]
fn bad_input_exits_2_names_the_field_and_sends_nothing() {
    let (endpoint, count) = server(200, b"{}");
    for (input, needle) in [
        (r#"{"limt": 5}"#, "limt: unknown field"),
        (r#"{"limit": "5"}"#, "invalid limit"),
        (r#"{"limit": 5000}"#, "must be between 1 and 1000"),
        (r#"{"project_id": "p"}"#, "project_id"),
        ("[1]", "must be a JSON object"),
        ("{not json", "not JSON"),
    ] {
        let out = dcs(
            &["call", "ListCenterTask", "--input-json", input],
            &endpoint,
        );
        assert_eq!(out.status.code(), Some(2), "{input}: {}", text(&out.stderr));
        assert!(
            text(&out.stderr).contains(needle),
            "{input}: {}",
            text(&out.stderr)
        );
    }
    let out = dcs(
        &[
            "call",
            "DeleteCenterTask",
            "--input-json",
            r#"{"task_id": "a/b"}"#,
        ],
        &endpoint,
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("task_id"),
        "{}",
        text(&out.stderr)
    );
    let out = dcs(
        &["call", "DeleteCenterTask", "--input-json", "{}"],
        &endpoint,
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("task_id: is required"),
        "{}",
        text(&out.stderr)
    );
    let out = dcs(&["call", "NoSuchOperation"], &endpoint);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(count.load(Ordering::SeqCst), 0, "nothing may be sent");
}

#[test]
fn a_json_answer_prints_with_the_apis_field_names_and_nothing_added() {
    let (endpoint, count) = server(
        200,
        br#"{"task_count":"1","tasks":[{"id":"t1","name":"EXTEND","status":"SUCCESS","unknown_x":1}]}"#,
    );
    let out = dcs(
        &["call", "ListCenterTask", "--input-json", r#"{"limit": 10}"#],
        &endpoint,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        v,
        serde_json::json!({"task_count":"1","tasks":[{"id":"t1","name":"EXTEND","status":"SUCCESS"}]})
    );
    assert_eq!(count.load(Ordering::SeqCst), 1);
}

#[test]
fn a_byte_stream_goes_to_stdout_or_a_file_as_raw_bytes() {
    let (endpoint, _) = server(200, b"key1\x00\xff\nkey2\n");
    let out = dcs(
        &[
            "call",
            "DownloadHotKey",
            "--input-json",
            r#"{"instance_id":"i","task_id":"t"}"#,
        ],
        &endpoint,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(out.stdout, b"key1\x00\xff\nkey2\n");
    let file = std::env::temp_dir().join(format!("dcs-cli-hotkeys-{}", std::process::id()));
    let out = dcs(
        &[
            "call",
            "DownloadHotKey",
            "--input-json",
            r#"{"instance_id":"i","task_id":"t"}"#,
            "--output-file",
            file.to_str().unwrap(),
        ],
        &endpoint,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(out.stdout.is_empty());
    assert_eq!(std::fs::read(&file).unwrap(), b"key1\x00\xff\nkey2\n");
    let _ = std::fs::remove_file(file);
}

#[tokio::test(flavor = "multi_thread")]
async fn empty_answers_print_nothing_and_service_errors_exit_1() {
    let emu = Emulator::start().await.unwrap();
    emu.add_credentials(AK, SK, PROJECT);
    emu.seed_task(PROJECT, "done-1", TaskStatus::Success);
    let endpoint = emu.endpoint();
    let input = r#"{"task_id": "done-1", "body": {"message": "cleanup"}}"#;
    let out = tokio::task::spawn_blocking({
        let e = endpoint.clone();
        move || dcs(&["call", "DeleteCenterTask", "--input-json", input], &e)
    })
    .await
    .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(out.stdout.is_empty());
    assert!(!emu.task_exists(PROJECT, "done-1"));
    let out = tokio::task::spawn_blocking(move || {
        dcs(
            &["call", "DeleteCenterTask", "--input-json", input],
            &endpoint,
        )
    })
    .await
    .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.contains("HTTP 404") && err.contains("DCS.4001"),
        "{err}"
    );
    assert!(err.contains("request id"), "{err}");
}

#[test]
fn the_input_can_come_from_a_file_or_stdin() {
    let (endpoint, count) = server(200, br#"{"tasks":[]}"#);
    let file = std::env::temp_dir().join(format!("dcs-cli-input-{}.json", std::process::id()));
    std::fs::write(&file, r#"{"offset": 0}"#).unwrap();
    let out = dcs(
        &[
            "call",
            "ListCenterTask",
            "--input-file",
            file.to_str().unwrap(),
        ],
        &endpoint,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let _ = std::fs::remove_file(&file);
    let mut child = Command::new(env!("CARGO_BIN_EXE_dcs"))
        .args(["call", "ListCenterTask", "--input-file", "-"])
        .env_clear()
        .env("HOME", std::env::temp_dir())
        .env("HUAWEICLOUD_SDK_AK", AK)
        .env("HUAWEICLOUD_SDK_SK", SK)
        .env("HUAWEICLOUD_SDK_PROJECT_ID", PROJECT)
        .env("HUAWEICLOUD_SDK_METADATA_DISABLED", "true")
        .env("DCS_ENDPOINT", &endpoint)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(br#"{"limit": 3}"#)
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(count.load(Ordering::SeqCst), 2);
}

#[test]
fn a_transport_failure_exits_3() {
    // A port nothing listens on.
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("http://{}", l.local_addr().unwrap());
    drop(l);
    let out = dcs(&["call", "ListCenterTask"], &endpoint);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
}

#[test]
fn missing_configuration_exits_2() {
    let out = Command::new(env!("CARGO_BIN_EXE_dcs"))
        .args(["call", "ListCenterTask"])
        .env_clear()
        .env("HOME", std::env::temp_dir().join("dcs-cli-test-home-empty"))
        .env("HUAWEICLOUD_SDK_METADATA_DISABLED", "true")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    for needle in [
        "no credentials found",
        "environment",
        "profile",
        "ecs-metadata",
    ] {
        assert!(err.contains(needle), "{needle}: {err}");
    }
    let out = Command::new(env!("CARGO_BIN_EXE_dcs"))
        .args(["call", "ListCenterTask"])
        .env_clear()
        .env("HOME", std::env::temp_dir().join("dcs-cli-test-home-empty"))
        .env("HUAWEICLOUD_SDK_AK", AK)
        .env("HUAWEICLOUD_SDK_SK", SK)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("no region"),
        "{}",
        text(&out.stderr)
    );
}
