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

/// A run still going after this long is hung: the test fails.
const HUNG: std::time::Duration = std::time::Duration::from_secs(30);

/// Starts the binary under `ulimit -n 1024` (the common default) with `args`; the child and
/// its `host:port`.
#[cfg(unix)]
fn under_ulimit_1024(args: &str) -> (KillOnDrop, String) {
    let bin = env!("CARGO_BIN_EXE_dcs-emulator");
    let mut child = KillOnDrop(
        Command::new("sh")
            .arg("-c")
            .arg(format!("ulimit -n 1024 && exec '{bin}' --port 0 {args}"))
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
    (child, addr)
}

/// Reads everything until the server closes (or resets) the connection; `None` when it is
/// still open after [`HUNG`].
async fn until_closed(mut s: tokio::net::TcpStream) -> Option<Vec<u8>> {
    use tokio::io::AsyncReadExt;
    let mut got = Vec::new();
    let read = async {
        let mut buf = [0u8; 1024];
        loop {
            match s.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => got.extend_from_slice(&buf[..n]),
            }
        }
    };
    tokio::time::timeout(HUNG, read).await.ok()?;
    Some(got)
}

/// An unsigned request, answered 401 by a healthy emulator.
fn answers_a_request(addr: &str) -> String {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(HUNG)).unwrap();
    write!(
        s,
        "GET /v2/0a1b2c3d4e5f40718293a4b5c6d7e8f9/tasks HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut answer = String::new();
    let _ = s.read_to_string(&mut answer);
    answer
}

/// Issue 16 row 7: under `ulimit -n 1024`, 1,100 connections that each send half a request
/// head no longer lock every other client out: beyond the connection cap they are answered
/// 503 at once, the rest are closed when the header timeout ends, and a real client is
/// served.
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn stalled_request_heads_are_capped_and_timed_out_under_ulimit_1024() {
    use tokio::io::AsyncWriteExt;
    let (_child, addr) = under_ulimit_1024("--max-connections 512 --header-timeout 1000");
    let mut held = Vec::new();
    for _ in 0..1100 {
        let mut s = tokio::net::TcpStream::connect(&addr).await.unwrap();
        s.write_all(b"GET /v2/x/tasks HTTP/1.1\r\nHost: emulator\r\n")
            .await
            .unwrap();
        held.push(s);
    }
    let ends = futures_join_all(held.into_iter().map(until_closed)).await;
    let hung = ends.iter().filter(|e| e.is_none()).count();
    assert_eq!(hung, 0, "{hung} stalled connections were never closed");
    let refused = ends
        .iter()
        .flatten()
        .filter(|b| b.starts_with(b"HTTP/1.1 503"))
        .count();
    assert!(refused > 0, "no connection beyond the cap was refused");
    let answer = tokio::task::spawn_blocking(move || answers_a_request(&addr))
        .await
        .unwrap();
    assert!(answer.starts_with("HTTP/1.1 401"), "{answer}");
}

/// Issue 16 row 7: bodies that stall one byte short neither pile up memory (beyond the cap on
/// request bodies held, they are answered 503 at once) nor hold their connections (closed when
/// the body timeout ends).
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn stalled_bodies_are_bounded_in_memory_and_time() {
    use tokio::io::AsyncWriteExt;
    const BODY: usize = 11 * 1024 * 1024;
    const CAP: usize = 32 * 1024 * 1024;
    let (child, addr) = under_ulimit_1024(&format!(
        "--body-timeout 1000 --max-body-memory {CAP} --header-timeout 30000"
    ));
    let peak = || -> Option<usize> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", child.0.id())).ok()?;
        let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
        let kb: usize = line.split_whitespace().nth(1)?.parse().ok()?;
        Some(kb * 1024)
    };
    let before = peak();
    let body = std::sync::Arc::new(vec![b'x'; BODY - 1]);
    let mut runs = Vec::new();
    for _ in 0..12 {
        let (addr, body) = (addr.clone(), body.clone());
        runs.push(tokio::spawn(async move {
            let s = tokio::net::TcpStream::connect(&addr).await.unwrap();
            let (mut r, mut w) = s.into_split();
            let head = format!(
                "PUT /v2/0a1b2c3d4e5f40718293a4b5c6d7e8f9/instances/i-1 HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {BODY}\r\n\r\n"
            );
            // One byte short, then nothing: the write stops when the server stops reading.
            let writer = tokio::spawn(async move {
                let _ = w.write_all(head.as_bytes()).await;
                let _ = w.write_all(&body).await;
                w
            });
            use tokio::io::AsyncReadExt;
            let mut got = Vec::new();
            let read = async {
                let mut buf = [0u8; 1024];
                loop {
                    match r.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => got.extend_from_slice(&buf[..n]),
                    }
                }
            };
            let ended = tokio::time::timeout(HUNG, read).await.is_ok();
            writer.abort();
            ended.then_some(got)
        }));
    }
    let mut busy = 0;
    for r in runs {
        let got = r
            .await
            .unwrap()
            .expect("a stalled body's connection was never closed");
        if got.starts_with(b"HTTP/1.1 503") {
            busy += 1;
        }
    }
    assert!(busy > 0, "no body was refused for memory");
    if let (Some(before), Some(after)) = (before, peak()) {
        // The bodies held never took more than the cap (and allocator slack); 12 bodies of
        // 11 MiB would be 132 MiB.
        let grew = after.saturating_sub(before);
        assert!(
            grew < CAP + 16 * 1024 * 1024,
            "peak memory grew by {grew} bytes"
        );
    }
    let answer = tokio::task::spawn_blocking(move || answers_a_request(&addr))
        .await
        .unwrap();
    assert!(answer.starts_with("HTTP/1.1 401"), "{answer}");
}

/// Awaits every future (no `futures` crate for so little).
async fn futures_join_all<F: std::future::Future + Send + 'static>(
    futures: impl Iterator<Item = F>,
) -> Vec<F::Output>
where
    F::Output: Send + 'static,
{
    let handles: Vec<_> = futures.map(tokio::spawn).collect();
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.unwrap());
    }
    out
}
