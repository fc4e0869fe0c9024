//! The `dcs-emulator` binary serves a seeded Task Center on the port it is given.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};

/// Kills the child when the test ends, also when an assertion fails first.
struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn binary_serves_and_answers_unsigned_requests_with_401() {
    let mut child = KillOnDrop(
        Command::new(env!("CARGO_BIN_EXE_dcs-emulator"))
            .args(["--port", "0", "--task", "t1"])
            .stdout(Stdio::piped())
            .spawn()
            .expect("binary starts"),
    );
    let mut line = String::new();
    BufReader::new(child.0.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line
        .split("http://")
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .unwrap_or_else(|| panic!("no address in {line:?}"))
        .to_string();
    let mut s = TcpStream::connect(&addr).unwrap();
    write!(
        s,
        "DELETE /v2/0a1b2c3d4e5f40718293a4b5c6d7e8f9/tasks/t1 HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut answer = String::new();
    s.read_to_string(&mut answer).unwrap();
    drop(child);
    assert!(answer.starts_with("HTTP/1.1 401"), "{answer}");
    assert!(answer.contains("APIGW.0301"), "{answer}");
    assert!(
        answer.to_ascii_lowercase().contains("x-request-id:"),
        "{answer}"
    );
    assert!(answer.contains("missing Authorization header"), "{answer}");
}

#[test]
fn binary_refuses_bad_arguments() {
    let out = Command::new(env!("CARGO_BIN_EXE_dcs-emulator"))
        .args(["--port", "not-a-port"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("usage"));
}

/// `--seed` loads instances, tasks, backups and accounts; `--operation-delay 0` finishes work at once.
#[tokio::test]
async fn binary_loads_a_seed_file() {
    let dir = std::env::temp_dir().join(format!("dcs-emu-seed-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("seed.json");
    std::fs::write(
        &file,
        r#"{"instances":[{"id":"inst-1"}],
            "tasks":[{"id":"t-1"},{"id":"t-2","status":"RUNNING","instance_id":"inst-1"}],
            "backups":[{"id":"b-1","instance_id":"inst-1"}],
            "accounts":[{"id":"acc-1","instance_id":"inst-1","name":"reader"}]}"#,
    )
    .unwrap();
    let mut child = KillOnDrop(
        Command::new(env!("CARGO_BIN_EXE_dcs-emulator"))
            .args([
                "--port",
                "0",
                "--ak",
                "SEEDAK",
                "--sk",
                "seed-secret",
                "--project",
                "proj-1",
            ])
            .args(["--operation-delay", "0", "--seed"])
            .arg(&file)
            .stdout(Stdio::piped())
            .spawn()
            .expect("binary starts"),
    );
    let mut line = String::new();
    BufReader::new(child.0.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert!(
        line.starts_with("DCS emulator listening on http://127.0.0.1:"),
        "{line}"
    );
    assert!(line.contains("5 seeded resources"), "{line}");
    let endpoint = line.split_whitespace().nth(4).unwrap().to_string();
    let c = dcs_client::DcsClient::builder()
        .endpoint(endpoint)
        .credentials(dcs_client::Credentials::new("SEEDAK", "seed-secret"))
        .project_id("proj-1")
        .build()
        .unwrap();
    let show = c.show_instance("inst-1").send().await.unwrap().into_inner();
    assert_eq!(show.status.as_ref().map(|v| v.as_str()), Some("RUNNING"));
    let tasks = c.list_center_task().send().await.unwrap().into_inner();
    assert_eq!(tasks.task_count.as_deref(), Some("2"));
    let bg = c
        .list_background_task("inst-1")
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(bg.task_count.as_deref(), Some("1"));
    let backups = c
        .list_backup_records("inst-1")
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(backups.total_num, Some(1));
    let accounts = c
        .list_acl_accounts("inst-1")
        .send()
        .await
        .unwrap()
        .into_inner()
        .accounts
        .unwrap();
    assert_eq!(accounts[0].account_id.as_deref(), Some("acc-1"));
    assert_eq!(accounts[0].account_name.as_deref(), Some("reader"));
    // Zero delay: a backup is finished as soon as it is made.
    let b = c.copy_instance("inst-1").send().await.unwrap().into_inner();
    c.delete_backup_file("inst-1", b.backup_id.unwrap())
        .send()
        .await
        .unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}
