//! Issue 21's end-to-end check, against the `dcs-emulator` binary over real TCP: the Rust
//! client creates an instance with a password on `dcs-emulator --engine redis-server`; a
//! Redis client connects to the address ShowInstance reports and SET/GET work; a read-only
//! ACL account cannot SET; backup, flush, restore bring a key back; a big key analysis finds
//! a 5 MB key written before; after the delete the port is closed and no redis-server is
//! left. Then the binary's own ends: SIGTERM stops every engine, and after a SIGKILL the
//! watchdog does.

mod common;

use common::redis_engine;
use dcs_client::{ClientConfig, Credentials, DcsClient, RetryPolicy, WaitOptions};
use dcs_emulator::resp::RespConnection;
use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const AK: &str = "ENGINEE2EAK000000001";
const SK: &str = "engine-e2e-secret-key";
const PROJECT: &str = "0a1b2c3d4e5f40718293a4b5c6d7e8f9";

/// The binary, killed when the test ends (also when an assertion fails first).
struct Binary {
    child: Child,
    endpoint: String,
}

impl Drop for Binary {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_binary() -> Binary {
    let mut child = Command::new(env!("CARGO_BIN_EXE_dcs-emulator"))
        .args([
            "--engine",
            "redis-server",
            "--port",
            "0",
            "--operation-delay",
            "0",
        ])
        .args(["--ak", AK, "--sk", SK, "--project", PROJECT])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("the binary starts");
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut banner = String::new();
    // The banner ends with the engine line.
    while !banner.contains("# engine: redis-server") {
        let mut line = String::new();
        assert!(
            out.read_line(&mut line).unwrap() > 0,
            "banner so far: {banner}"
        );
        banner.push_str(&line);
    }
    let endpoint = banner
        .split_whitespace()
        .find(|w| w.starts_with("http://127.0.0.1:"))
        .unwrap_or_else(|| panic!("no endpoint in {banner}"))
        .to_string();
    Binary { child, endpoint }
}

fn client(endpoint: &str) -> DcsClient {
    DcsClient::builder()
        .endpoint(endpoint)
        .credentials(Credentials::new(AK, SK))
        .project_id(PROJECT)
        .config(ClientConfig::default().retry(RetryPolicy::disabled()))
        .build()
        .unwrap()
}

fn quick() -> WaitOptions {
    WaitOptions::new()
        .interval(Duration::from_millis(20))
        .budget(Duration::from_secs(60))
}

/// `GET` on the control API, as JSON (a plain HTTP/1.1 request: no client needed).
fn control(endpoint: &str, path: &str) -> Value {
    let addr = endpoint.trim_start_matches("http://");
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut answer = String::new();
    s.read_to_string(&mut answer).unwrap();
    let body = answer.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {answer}"))
}

/// The fields of `/proc/PID/stat` after the command name: state, ppid, pgrp, ...
fn stat(pid: u32) -> Option<(String, Vec<String>)> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let (head, rest) = s.rsplit_once(") ")?;
    let comm = head.split_once(" (")?.1.to_string();
    Some((comm, rest.split(' ').map(str::to_string).collect()))
}

fn alive(pid: u32) -> bool {
    stat(pid).is_some_and(|(_, f)| f[0] != "Z")
}

/// Live `redis-server` processes in process group `pgid` (the engines' group).
fn redis_in_group(pgid: u32) -> Vec<u32> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        if let Some((comm, f)) = stat(pid) {
            if comm.starts_with("redis-server") && f[0] != "Z" && f[2] == pgid.to_string() {
                found.push(pid);
            }
        }
    }
    found
}

/// The process group the engines are in (the watchdog's).
fn group_of(pid: u32) -> u32 {
    stat(pid).unwrap().1[2].parse().unwrap()
}

fn until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !done() {
        assert!(
            Instant::now() < deadline,
            "still not true after 20 s: {what}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_application_uses_an_emulated_instance_end_to_end() {
    if redis_engine("an_application_uses_an_emulated_instance_end_to_end").is_none() {
        return;
    }
    let mut bin = start_binary();
    let c = client(&bin.endpoint);

    // Create with a password, wait for RUNNING, read the address.
    let created = c
        .create_instance()
        .name("app-cache")
        .engine("Redis")
        .engine_version("6.0")
        .capacity(1.0)
        .spec_code("redis.ha.xu1.large.r2.1")
        .az_codes(["az-1"])
        .vpc_id("vpc-1")
        .subnet_id("subnet-1")
        .password("App-secret-1")
        .send_and_wait_with(quick())
        .await
        .unwrap();
    let id = created.output.into_inner().instances.unwrap()[0]
        .instance_id
        .clone()
        .unwrap();
    let shown = c.show_instance(&id).send().await.unwrap().into_inner();
    assert_eq!(shown.status.as_ref().map(|s| s.as_str()), Some("RUNNING"));
    assert_eq!(shown.domain_name.as_deref(), Some("localhost"));
    let addr: SocketAddr = format!("{}:{}", shown.ip.unwrap(), shown.port.unwrap())
        .parse()
        .unwrap();

    // The application: AUTH with the password, SET, GET.
    let mut app = RespConnection::connect_auth(addr, None, "App-secret-1")
        .await
        .unwrap();
    let set = app.command(&["SET", "greeting", "hello"]).await.unwrap();
    assert_eq!(set.as_str(), Some("OK"));
    let got = app.command(&["GET", "greeting"]).await.unwrap();
    assert_eq!(got.as_str(), Some("hello"));

    // A read-only ACL account reads but cannot SET.
    c.create_acl_account(&id)
        .account_name("auditor")
        .account_role("read")
        .account_password("Auditor-pass-1")
        .send_and_wait_with(quick())
        .await
        .unwrap();
    let mut auditor = RespConnection::connect_auth(addr, Some("auditor"), "Auditor-pass-1")
        .await
        .unwrap();
    let read = auditor.command(&["GET", "greeting"]).await.unwrap();
    assert_eq!(read.as_str(), Some("hello"));
    let refused = auditor
        .command(&["SET", "greeting", "changed"])
        .await
        .unwrap();
    assert!(
        refused.error().is_some_and(|e| e.starts_with("NOPERM")),
        "{refused:?}"
    );

    // A 5 MB key, then backup, flush, restore: the keys are back.
    let five_mb = "z".repeat(5 * 1024 * 1024);
    let set = app
        .command(&["SET", "blob", five_mb.as_str()])
        .await
        .unwrap();
    assert_eq!(set.as_str(), Some("OK"));
    let backup = c
        .copy_instance(&id)
        .send_and_wait_with(quick())
        .await
        .unwrap()
        .output
        .into_inner()
        .backup_id
        .unwrap();
    c.restart_or_flush_instances()
        .instances([id.clone()])
        .action("flush")
        .send_and_wait_with(quick())
        .await
        .unwrap();
    assert!(app.command(&["GET", "greeting"]).await.unwrap().is_nil());
    c.restore_instance(&id)
        .backup_id(&backup)
        .send_and_wait_with(quick())
        .await
        .unwrap();
    let shown = c.show_instance(&id).send().await.unwrap().into_inner();
    let addr: SocketAddr = format!("{}:{}", shown.ip.unwrap(), shown.port.unwrap())
        .parse()
        .unwrap();
    let mut app = RespConnection::connect_auth(addr, None, "App-secret-1")
        .await
        .unwrap();
    let got = app.command(&["GET", "greeting"]).await.unwrap();
    assert_eq!(got.as_str(), Some("hello"));

    // The big key analysis finds the 5 MB key.
    let scan = c
        .create_bigkey_scan_task(&id)
        .send_and_wait_with(quick())
        .await
        .unwrap()
        .output
        .into_inner()
        .id
        .unwrap();
    let keys = c
        .show_bigkey_scan_task_details(&id, &scan)
        .send()
        .await
        .unwrap()
        .into_inner()
        .keys
        .unwrap();
    let blob = keys
        .iter()
        .find(|k| k.name.as_deref() == Some("blob"))
        .expect("the 5 MB key is a big key");
    assert_eq!(blob.size, Some(5 * 1024 * 1024));
    assert_eq!(blob.unit.as_deref(), Some("byte"));

    // Delete: the port is closed and no redis-server is left.
    let engine = control(&bin.endpoint, &format!("/_emulator/instances/{id}"))["engine"].clone();
    let pid = engine["pid"].as_u64().unwrap() as u32;
    let group = group_of(pid);
    assert_eq!(redis_in_group(group), vec![pid]);
    drop(app);
    drop(auditor);
    c.delete_single_instance(&id)
        .send_and_wait_with(quick())
        .await
        .unwrap();
    assert!(tokio::net::TcpStream::connect(addr).await.is_err());
    assert!(!alive(pid));
    assert_eq!(redis_in_group(group), Vec::<u32>::new());

    // SIGTERM: the binary stops its engines (a second instance here) and exits 143.
    let second = c
        .create_instance()
        .name("second")
        .engine("Redis")
        .engine_version("6.0")
        .capacity(1.0)
        .spec_code("redis.ha.xu1.large.r2.1")
        .az_codes(["az-1"])
        .vpc_id("vpc-1")
        .subnet_id("subnet-1")
        .no_password_access(true)
        .send_and_wait_with(quick())
        .await
        .unwrap()
        .output
        .into_inner()
        .instances
        .unwrap()[0]
        .instance_id
        .clone()
        .unwrap();
    let engine =
        control(&bin.endpoint, &format!("/_emulator/instances/{second}"))["engine"].clone();
    let pid = engine["pid"].as_u64().unwrap() as u32;
    let dir = std::path::PathBuf::from(engine["data_dir"].as_str().unwrap());
    assert!(dir.exists());
    // The shell's own kill: a slim system may have no kill program.
    let term = Command::new("sh")
        .args(["-c", &format!("kill -TERM {}", bin.child.id())])
        .status()
        .unwrap();
    assert!(term.success());
    let status = bin.child.wait().unwrap();
    assert_eq!(status.code(), Some(143));
    assert!(!alive(pid));
    assert_eq!(redis_in_group(group), Vec::<u32>::new());
    assert!(!dir.exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_sigkill_the_watchdog_leaves_no_redis_behind() {
    if redis_engine("after_a_sigkill_the_watchdog_leaves_no_redis_behind").is_none() {
        return;
    }
    let mut bin = start_binary();
    let c = client(&bin.endpoint);
    let id = c
        .create_instance()
        .name("orphan-candidate")
        .engine("Redis")
        .engine_version("6.0")
        .capacity(1.0)
        .spec_code("redis.ha.xu1.large.r2.1")
        .az_codes(["az-1"])
        .vpc_id("vpc-1")
        .subnet_id("subnet-1")
        .no_password_access(true)
        .send_and_wait_with(quick())
        .await
        .unwrap()
        .output
        .into_inner()
        .instances
        .unwrap()[0]
        .instance_id
        .clone()
        .unwrap();
    let engine = control(&bin.endpoint, &format!("/_emulator/instances/{id}"))["engine"].clone();
    let pid = engine["pid"].as_u64().unwrap() as u32;
    let port = engine["port"].as_u64().unwrap() as u16;
    let dir = std::path::PathBuf::from(engine["data_dir"].as_str().unwrap());
    let group = group_of(pid);
    // The engine is not in the emulator's own group, so a terminal's Ctrl-C reaches the
    // emulator only, which then stops it.
    assert_ne!(group, group_of(bin.child.id()));
    bin.child.kill().unwrap();
    bin.child.wait().unwrap();
    until("the watchdog ended the engine", || {
        redis_in_group(group).is_empty() && !alive(pid)
    });
    until("the data directory is removed", || !dir.exists());
    assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_err());
}
