//! A real `redis-server` behind each Redis instance (`EmulatorConfig::with_engine`): the
//! control plane, driven by `DcsClient` over TCP, acts on it, and a Redis client talks to it
//! at the address ShowInstance reports. Each test is skipped (saying so) on a machine
//! without `redis-server`, and fails instead in CI or with `DCS_REQUIRE_REDIS=1`.

mod common;

use common::{client, redis_engine, AK, PROJECT, SK};
use dcs_client::types::RedisConfig;
use dcs_client::{DcsClient, WaitOptions};
use dcs_emulator::resp::{RespConnection, RespValue};
use dcs_emulator::{Emulator, EmulatorConfig, EngineState};
use std::net::SocketAddr;
use std::time::Duration;

/// An emulator with engines, instant work, and a client; `None` when skipped.
async fn start(test: &str) -> Option<(Emulator, DcsClient)> {
    let engine = redis_engine(test)?;
    let emu = Emulator::start_with(EmulatorConfig::default().with_engine(engine))
        .await
        .expect("the emulator starts with redis-server behind it");
    emu.add_credentials(AK, SK, PROJECT);
    emu.set_operation_delay(Duration::ZERO);
    let c = client(&emu);
    Some((emu, c))
}

/// Waits poll every 20 ms: real processes take real time.
fn quick() -> WaitOptions {
    WaitOptions::new()
        .interval(Duration::from_millis(20))
        .budget(Duration::from_secs(60))
}

/// Creates a Redis instance and waits until it runs; its id and address.
async fn create(c: &DcsClient, spec: &str, password: Option<&str>) -> (String, SocketAddr) {
    let call = c
        .create_instance()
        .name("cache")
        .engine("Redis")
        .engine_version("6.0")
        .capacity(1.0)
        .spec_code(spec)
        .az_codes(["az-1"])
        .vpc_id("vpc-1")
        .subnet_id("subnet-1");
    let call = match password {
        Some(pw) => call.password(pw),
        None => call.no_password_access(true),
    };
    let done = call.send_and_wait_with(quick()).await.unwrap();
    assert_eq!(done.completions[0].state, "RUNNING");
    let id = done.output.into_inner().instances.unwrap()[0]
        .instance_id
        .clone()
        .unwrap();
    let addr = address(c, &id).await;
    (id, addr)
}

/// Where ShowInstance says the instance listens.
async fn address(c: &DcsClient, id: &str) -> SocketAddr {
    let shown = c.show_instance(id).send().await.unwrap().into_inner();
    let ip = shown.ip.expect("an ip");
    let port = shown.port.expect("a port");
    format!("{ip}:{port}").parse().unwrap()
}

async fn connect(addr: SocketAddr, user: Option<&str>, password: Option<&str>) -> RespConnection {
    match password {
        Some(pw) => RespConnection::connect_auth(addr, user, pw).await.unwrap(),
        None => RespConnection::connect(addr).await.unwrap(),
    }
}

async fn run(r: &mut RespConnection, args: &[&str]) -> RespValue {
    r.command(args).await.unwrap()
}

async fn get(r: &mut RespConnection, key: &str) -> Option<String> {
    run(r, &["GET", key]).await.as_str().map(str::to_string)
}

fn ok(v: RespValue) {
    assert_eq!(v.as_str(), Some("OK"), "{v:?}");
}

#[tokio::test]
async fn an_instance_is_a_redis_with_its_password_address_and_memory() {
    let Some((emu, c)) = start("an_instance_is_a_redis_with_its_password_address_and_memory").await
    else {
        return;
    };
    let (id, addr) = create(&c, "redis.ha.xu1.large.r2.1", Some("Secret-pass-1")).await;
    assert!(addr.ip().is_loopback());
    let shown = c.show_instance(&id).send().await.unwrap().into_inner();
    assert_eq!(shown.domain_name.as_deref(), Some("localhost"));
    assert_eq!(shown.no_password_access.as_deref(), Some("false"));
    // ListInstances says the same.
    let listed = c.list_instances().send().await.unwrap().into_inner();
    let item = listed.instances.unwrap().into_iter().next().unwrap();
    assert_eq!(item.port, Some(i64::from(addr.port())));
    assert_eq!(item.ip.as_deref(), Some("127.0.0.1"));
    let info = emu.engine(PROJECT, &id).unwrap();
    assert_eq!(info.state, EngineState::Running);
    assert_eq!(info.address, addr);

    // Without the password Redis refuses; with it, SET and GET work.
    let mut anon = connect(addr, None, None).await;
    let refused = run(&mut anon, &["GET", "k"]).await;
    assert!(
        refused.error().is_some_and(|e| e.starts_with("NOAUTH")),
        "{refused:?}"
    );
    let e = RespConnection::connect_auth(addr, None, "wrong-password")
        .await
        .unwrap_err();
    assert_eq!(e.kind(), std::io::ErrorKind::PermissionDenied);
    let mut r = connect(addr, None, Some("Secret-pass-1")).await;
    ok(run(&mut r, &["SET", "k", "v"]).await);
    assert_eq!(get(&mut r, "k").await.as_deref(), Some("v"));
    // maxmemory follows the capacity (1 GB), and a resize changes it.
    let mm = run(&mut r, &["CONFIG", "GET", "maxmemory"]).await;
    assert_eq!(mm.as_array().unwrap()[1].as_str(), Some("1073741824"));
    c.resize_instance(&id)
        .spec_code("redis.ha.xu1.large.r2.2")
        .new_capacity(2.0)
        .send_and_wait_with(quick())
        .await
        .unwrap();
    let mm = run(&mut r, &["CONFIG", "GET", "maxmemory"]).await;
    assert_eq!(mm.as_array().unwrap()[1].as_str(), Some("2147483648"));
}

#[tokio::test]
async fn password_reset_and_change_reach_the_engine() {
    let Some((_emu, c)) = start("password_reset_and_change_reach_the_engine").await else {
        return;
    };
    let (id, addr) = create(&c, "redis.ha.xu1.large.r2.1", Some("First-pass-1")).await;
    c.reset_password(&id)
        .new_password("Second-pass-2")
        .send_and_wait_with(quick())
        .await
        .unwrap();
    assert!(RespConnection::connect_auth(addr, None, "First-pass-1")
        .await
        .is_err());
    connect(addr, None, Some("Second-pass-2")).await;

    // A change names the current password first.
    let wrong = c
        .update_password(&id)
        .old_password("not-the-password")
        .new_password("Third-pass-3")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.header("x-dcs-emulator-tier"), Some("stateful"));
    assert_eq!(
        wrong.into_inner().result.as_ref().map(|r| r.as_str()),
        Some("passwordFailed")
    );
    connect(addr, None, Some("Second-pass-2")).await;
    let changed = c
        .update_password(&id)
        .old_password("Second-pass-2")
        .new_password("Third-pass-3")
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(changed.result.as_ref().map(|r| r.as_str()), Some("success"));
    let mut r = connect(addr, None, Some("Third-pass-3")).await;
    ok(run(&mut r, &["SET", "k", "v"]).await);

    // Password-free: no AUTH needed any more.
    c.reset_password(&id)
        .no_password_access(true)
        .send_and_wait_with(quick())
        .await
        .unwrap();
    let mut anon = connect(addr, None, None).await;
    assert_eq!(get(&mut anon, "k").await.as_deref(), Some("v"));
    let shown = c.show_instance(&id).send().await.unwrap().into_inner();
    assert_eq!(shown.no_password_access.as_deref(), Some("true"));
}

#[tokio::test]
async fn acl_accounts_are_redis_users_with_their_role() {
    let Some((_emu, c)) = start("acl_accounts_are_redis_users_with_their_role").await else {
        return;
    };
    let (id, addr) = create(&c, "redis.ha.xu1.large.r2.1", Some("Owner-pass-1")).await;
    let mut owner = connect(addr, None, Some("Owner-pass-1")).await;
    ok(run(&mut owner, &["SET", "k", "v"]).await);
    for (name, role) in [("reader", "read"), ("writer", "write")] {
        c.create_acl_account(&id)
            .account_name(name)
            .account_role(role)
            .account_password("Account-pass-1")
            .send_and_wait_with(quick())
            .await
            .unwrap();
    }
    let mut reader = connect(addr, Some("reader"), Some("Account-pass-1")).await;
    assert_eq!(get(&mut reader, "k").await.as_deref(), Some("v"));
    let denied = run(&mut reader, &["SET", "k", "other"]).await;
    assert!(
        denied.error().is_some_and(|e| e.starts_with("NOPERM")),
        "{denied:?}"
    );
    let denied = run(&mut reader, &["CONFIG", "SET", "timeout", "5"]).await;
    assert!(denied.error().is_some(), "{denied:?}");
    let mut writer = connect(addr, Some("writer"), Some("Account-pass-1")).await;
    ok(run(&mut writer, &["SET", "k", "w"]).await);

    // The reader becomes a writer; its password is reset; then it is deleted.
    let accounts = c.list_acl_accounts(&id).send().await.unwrap().into_inner();
    let reader_id = accounts
        .accounts
        .unwrap()
        .into_iter()
        .find(|a| a.account_name.as_deref() == Some("reader"))
        .and_then(|a| a.account_id)
        .unwrap();
    c.update_acl_account(&id, &reader_id)
        .account_role("write")
        .send_and_wait_with(quick())
        .await
        .unwrap();
    let mut reader = connect(addr, Some("reader"), Some("Account-pass-1")).await;
    ok(run(&mut reader, &["SET", "k", "r"]).await);
    c.reset_acl_account_pass_word(&id, &reader_id)
        .new_password("Account-pass-2")
        .send_and_wait_with(quick())
        .await
        .unwrap();
    assert!(
        RespConnection::connect_auth(addr, Some("reader"), "Account-pass-1")
            .await
            .is_err()
    );
    connect(addr, Some("reader"), Some("Account-pass-2")).await;
    c.delete_acl_account(&id, &reader_id)
        .send_and_wait_with(quick())
        .await
        .unwrap();
    assert!(
        RespConnection::connect_auth(addr, Some("reader"), "Account-pass-2")
            .await
            .is_err()
    );
}

#[tokio::test]
async fn flush_empties_and_restart_keeps_data_as_persistence_says() {
    let Some((_emu, c)) = start("flush_empties_and_restart_keeps_data_as_persistence_says").await
    else {
        return;
    };
    // Master/standby: persistent, a restart keeps the data.
    let (ha, ha_addr) = create(&c, "redis.ha.xu1.large.r2.1", None).await;
    // Single node: no persistence, a restart loses it.
    let (single, single_addr) = create(&c, "redis.single.xu1.large.1", None).await;
    for addr in [ha_addr, single_addr] {
        let mut r = connect(addr, None, None).await;
        ok(run(&mut r, &["SET", "k", "v"]).await);
    }
    let restarted = c
        .restart_or_flush_instances()
        .instances([ha.clone(), single.clone()])
        .action("restart")
        .send_and_wait_with(quick())
        .await
        .unwrap();
    assert!(restarted.completions.iter().all(|d| d.state == "RUNNING"));
    let mut r = connect(address(&c, &ha).await, None, None).await;
    assert_eq!(get(&mut r, "k").await.as_deref(), Some("v"));
    let mut s = connect(address(&c, &single).await, None, None).await;
    assert_eq!(get(&mut s, "k").await, None);

    // With appendonly off, the master/standby instance loses its data too.
    c.update_configurations(&ha)
        .redis_config([RedisConfig::default()
            .with_param_id("3")
            .with_param_name("appendonly")
            .with_param_value("no")])
        .send_and_wait_with(quick())
        .await
        .unwrap();
    c.restart_or_flush_instances()
        .instances([ha.clone()])
        .action("restart")
        .send_and_wait_with(quick())
        .await
        .unwrap();
    let mut r = connect(address(&c, &ha).await, None, None).await;
    assert_eq!(get(&mut r, "k").await, None);

    // Flush: FLUSHALL.
    ok(run(&mut r, &["SET", "a", "1"]).await);
    c.restart_or_flush_instances()
        .instances([ha.clone()])
        .action("flush")
        .send_and_wait_with(quick())
        .await
        .unwrap();
    assert_eq!(run(&mut r, &["DBSIZE"]).await.as_int(), Some(0));
}

#[tokio::test]
async fn parameters_are_the_engines_and_a_refused_value_is_an_error() {
    let Some((_emu, c)) = start("parameters_are_the_engines_and_a_refused_value_is_an_error").await
    else {
        return;
    };
    let (id, addr) = create(&c, "redis.ha.xu1.large.r2.1", None).await;
    let param = |name: &str, value: &str| {
        RedisConfig::default()
            .with_param_id("0")
            .with_param_name(name)
            .with_param_value(value)
    };
    c.update_configurations(&id)
        .redis_config([
            param("maxmemory-policy", "allkeys-lfu"),
            param("timeout", "120"),
        ])
        .send_and_wait_with(quick())
        .await
        .unwrap();
    let mut r = connect(addr, None, None).await;
    let got = run(&mut r, &["CONFIG", "GET", "maxmemory-policy"]).await;
    assert_eq!(got.as_array().unwrap()[1].as_str(), Some("allkeys-lfu"));
    // Changed behind the control plane's back: ListConfigurations shows what Redis has.
    ok(run(&mut r, &["CONFIG", "SET", "slowlog-max-len", "77"]).await);
    let listed = c
        .list_configurations(&id)
        .send()
        .await
        .unwrap()
        .into_inner();
    let value = |name: &str| {
        listed
            .redis_config
            .as_ref()
            .unwrap()
            .iter()
            .find(|p| p.param_name.as_deref() == Some(name))
            .and_then(|p| p.param_value.clone())
    };
    assert_eq!(value("maxmemory-policy").as_deref(), Some("allkeys-lfu"));
    assert_eq!(value("timeout").as_deref(), Some("120"));
    assert_eq!(value("slowlog-max-len").as_deref(), Some("77"));
    assert_eq!(value("appendonly").as_deref(), Some("yes"));

    // A value Redis does not take: 400 DCS.4066, and nothing changed (timeout included).
    let err = c
        .update_configurations(&id)
        .redis_config([
            param("timeout", "30"),
            param("maxmemory-policy", "sometimes"),
        ])
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(400));
    assert_eq!(err.error_code(), Some("DCS.4066"));
    let got = run(&mut r, &["CONFIG", "GET", "timeout"]).await;
    assert_eq!(got.as_array().unwrap()[1].as_str(), Some("120"));
    let err = c
        .update_configurations(&id)
        .redis_config([param("no-such-parameter", "1")])
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.error_code(), Some("DCS.4066"));
}

#[tokio::test]
async fn a_backup_is_a_snapshot_that_a_restore_brings_back() {
    let Some((_emu, c)) = start("a_backup_is_a_snapshot_that_a_restore_brings_back").await else {
        return;
    };
    let (id, addr) = create(&c, "redis.ha.xu1.large.r2.1", None).await;
    let mut r = connect(addr, None, None).await;
    ok(run(&mut r, &["SET", "kept", "before"]).await);
    let backup = c
        .copy_instance(&id)
        .remark("before the flush")
        .send_and_wait_with(quick())
        .await
        .unwrap()
        .output
        .into_inner()
        .backup_id
        .unwrap();
    let records = c
        .list_backup_records(&id)
        .send()
        .await
        .unwrap()
        .into_inner();
    let size = records.backup_record_response.unwrap()[0].size;
    assert!(size.is_some_and(|s| s > 0), "{size:?}");
    ok(run(&mut r, &["SET", "later", "x"]).await);
    c.restart_or_flush_instances()
        .instances([id.clone()])
        .action("flush")
        .send_and_wait_with(quick())
        .await
        .unwrap();
    assert_eq!(get(&mut r, "kept").await, None);
    c.restore_instance(&id)
        .backup_id(&backup)
        .send_and_wait_with(quick())
        .await
        .unwrap();
    let mut r = connect(address(&c, &id).await, None, None).await;
    assert_eq!(get(&mut r, "kept").await.as_deref(), Some("before"));
    assert_eq!(get(&mut r, "later").await, None);
}

#[tokio::test]
async fn analyses_slow_log_and_client_list_come_from_the_engine() {
    let Some((_emu, c)) = start("analyses_slow_log_and_client_list_come_from_the_engine").await
    else {
        return;
    };
    let (id, addr) = create(&c, "redis.ha.xu1.large.r2.1", None).await;
    let mut r = connect(addr, None, None).await;
    let five_mb = "x".repeat(5 * 1024 * 1024);
    ok(run(&mut r, &["SET", "big", five_mb.as_str()]).await);
    ok(run(&mut r, &["SET", "small", "1"]).await);
    let fields: Vec<String> = (0..6000)
        .flat_map(|i| [format!("f{i}"), "v".into()])
        .collect();
    let mut hset: Vec<&str> = vec!["HSET", "wide"];
    hset.extend(fields.iter().map(String::as_str));
    assert_eq!(run(&mut r, &hset).await.as_int(), Some(6000));
    ok(run(&mut r, &["SELECT", "3"]).await);
    ok(run(&mut r, &["SET", "big-in-db3", &"y".repeat(20_000)]).await);

    let scan = c
        .create_bigkey_scan_task(&id)
        .send_and_wait_with(quick())
        .await
        .unwrap()
        .output
        .into_inner()
        .id
        .unwrap();
    let details = c
        .show_bigkey_scan_task_details(&id, &scan)
        .send()
        .await
        .unwrap()
        .into_inner();
    let keys = details.keys.unwrap();
    let found = |name: &str| keys.iter().find(|k| k.name.as_deref() == Some(name));
    let big = found("big").expect("the 5 MB key");
    assert_eq!(big.size, Some(5 * 1024 * 1024));
    assert_eq!(big.r#type.as_deref(), Some("string"));
    assert_eq!(big.db, Some(0));
    assert_eq!(found("wide").unwrap().size, Some(6000));
    assert_eq!(found("big-in-db3").unwrap().db, Some(3));
    assert!(found("small").is_none());
    assert_eq!(details.num, Some(3));

    // Hot keys need an LFU policy.
    let err = c.create_hotkey_scan_task(&id).send().await.unwrap_err();
    assert_eq!(err.error_code(), Some("DCS.4066"));
    c.update_configurations(&id)
        .redis_config([RedisConfig::default()
            .with_param_id("7")
            .with_param_name("maxmemory-policy")
            .with_param_value("allkeys-lfu")])
        .send_and_wait_with(quick())
        .await
        .unwrap();
    // Keys written under the LRU policy carry LRU clocks, not access counters: start over.
    ok(run(&mut r, &["FLUSHALL"]).await);
    ok(run(&mut r, &["SELECT", "0"]).await);
    ok(run(&mut r, &["SET", "small", "1"]).await);
    ok(run(&mut r, &["SET", "cold", "1"]).await);
    for _ in 0..200 {
        run(&mut r, &["GET", "small"]).await;
    }
    let hot = c
        .create_hotkey_scan_task(&id)
        .send_and_wait_with(quick())
        .await
        .unwrap()
        .output
        .into_inner()
        .id
        .unwrap();
    let details = c
        .show_hotkey_task_details(&id, &hot)
        .send()
        .await
        .unwrap()
        .into_inner();
    let keys = details.keys.unwrap();
    assert_eq!(keys[0].name.as_deref(), Some("small"), "{keys:?}");
    let cold = keys
        .iter()
        .find(|k| k.name.as_deref() == Some("cold"))
        .unwrap();
    assert!(keys[0].freq > cold.freq, "{keys:?}");

    // The slow log: every command, once the threshold is 0; none of the emulator's own.
    ok(run(&mut r, &["CONFIG", "SET", "slowlog-log-slower-than", "0"]).await);
    run(&mut r, &["GET", "marker-key"]).await;
    let slow = c
        .list_slowlog(&id)
        .start_time("0")
        .end_time("9999999999999")
        .limit(1000)
        .send()
        .await
        .unwrap();
    assert_eq!(slow.header("x-dcs-emulator-tier"), Some("stateful"));
    let slow = slow.into_inner().slowlogs.unwrap();
    assert!(slow
        .iter()
        .any(|e| e.command.as_deref() == Some("GET marker-key")));
    assert!(!slow.iter().any(|e| e
        .command
        .as_deref()
        .is_some_and(|c| c.starts_with("SLOWLOG"))));

    // The client list: this test's connection, by its name; not the emulator's.
    ok(run(&mut r, &["CLIENT", "SETNAME", "the-app"]).await);
    let clients = c
        .list_clients(&id)
        .send()
        .await
        .unwrap()
        .into_inner()
        .clients
        .unwrap();
    assert!(clients.iter().any(|x| x.name.as_deref() == Some("the-app")));
    assert!(!clients
        .iter()
        .any(|x| x.name.as_deref() == Some("dcs-emulator")));
}

/// Whether a process runs (a zombie does not).
fn alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| s.rsplit_once(") ").map(|(_, rest)| !rest.starts_with('Z')))
        .unwrap_or(false)
}

#[tokio::test]
async fn deleting_an_instance_or_dropping_the_emulator_stops_its_redis() {
    let Some((emu, c)) =
        start("deleting_an_instance_or_dropping_the_emulator_stops_its_redis").await
    else {
        return;
    };
    let (a, a_addr) = create(&c, "redis.ha.xu1.large.r2.1", None).await;
    let (b, b_addr) = create(&c, "redis.ha.xu1.large.r2.1", None).await;
    let a_info = emu.engine(PROJECT, &a).unwrap();
    let b_info = emu.engine(PROJECT, &b).unwrap();
    let (a_pid, b_pid) = (a_info.pid.unwrap(), b_info.pid.unwrap());
    assert!(alive(a_pid) && alive(b_pid));
    c.delete_single_instance(&a)
        .send_and_wait_with(quick())
        .await
        .unwrap();
    assert!(!alive(a_pid));
    assert!(tokio::net::TcpStream::connect(a_addr).await.is_err());
    assert!(!a_info.data_dir.exists());
    assert!(alive(b_pid));
    drop(emu);
    assert!(!alive(b_pid));
    assert!(tokio::net::TcpStream::connect(b_addr).await.is_err());
    assert!(!b_info.data_dir.exists());
}

#[tokio::test]
async fn seeded_instances_get_a_redis_and_a_crash_reads_error() {
    let Some((emu, c)) = start("seeded_instances_get_a_redis_and_a_crash_reads_error").await else {
        return;
    };
    emu.seed_instance(PROJECT, "seeded-1", "RUNNING");
    emu.seed_instance(PROJECT, "frozen-1", "FROZEN");
    assert!(emu.seed_account(PROJECT, "seeded-1", "acc-1", "seeded-user"));
    emu.wait_for_engines().await;
    assert!(emu.engine(PROJECT, "frozen-1").is_none());
    let addr = address(&c, "seeded-1").await;
    let mut r = connect(addr, None, None).await;
    assert_eq!(run(&mut r, &["PING"]).await.as_str(), Some("PONG"));
    // A seeded account has no password: nobody logs in as it.
    let users = run(&mut r, &["ACL", "USERS"]).await;
    assert!(users
        .as_array()
        .unwrap()
        .iter()
        .any(|u| u.as_str() == Some("seeded-user")));
    // Unfrozen, an instance gets its Redis.
    assert!(emu.unfreeze_instance(PROJECT, "frozen-1"));
    emu.wait_for_engines().await;
    assert_eq!(
        emu.engine(PROJECT, "frozen-1").unwrap().state,
        EngineState::Running
    );

    // A redis-server that goes away on its own: the instance reads ERROR.
    let pid = emu.engine(PROJECT, "seeded-1").unwrap().pid.unwrap();
    // The shell's own kill: a slim system may have no kill program.
    let killed = std::process::Command::new("sh")
        .args(["-c", &format!("kill -KILL {pid}")])
        .status()
        .unwrap();
    assert!(killed.success());
    let shown = c
        .wait_until_instance_running("seeded-1")
        .with_options(quick())
        .wait()
        .await
        .unwrap_err();
    assert!(shown.to_string().contains("ERROR"), "{shown}");
    assert!(matches!(
        emu.engine(PROJECT, "seeded-1").unwrap().state,
        EngineState::Failed(_)
    ));
    // Set RUNNING again, it gets a new redis-server.
    assert!(emu.unfreeze_instance(PROJECT, "seeded-1"));
    emu.wait_for_engines().await;
    let again = emu.engine(PROJECT, "seeded-1").unwrap();
    assert_eq!(again.state, EngineState::Running);
    assert_ne!(again.pid, Some(pid));
    let mut r = connect(again.address, None, None).await;
    assert_eq!(run(&mut r, &["PING"]).await.as_str(), Some("PONG"));
}

#[tokio::test]
async fn a_program_that_is_not_there_stops_the_start_with_its_name() {
    let engine = dcs_emulator::EngineConfig::redis_server_at("/nonexistent/redis-server");
    let e = Emulator::start_with(EmulatorConfig::default().with_engine(engine))
        .await
        .unwrap_err();
    assert!(e.to_string().contains("/nonexistent/redis-server"), "{e}");
    // Not a Redis server at all.
    let engine = dcs_emulator::EngineConfig::redis_server_at("/bin/true");
    let e = Emulator::start_with(EmulatorConfig::default().with_engine(engine))
        .await
        .unwrap_err();
    assert!(e.to_string().contains("is not a Redis server"), "{e}");
}

#[tokio::test]
async fn without_an_engine_instances_stay_records() {
    let emu = Emulator::start().await.unwrap();
    emu.add_credentials(AK, SK, PROJECT);
    emu.seed_instance(PROJECT, "plain-1", "RUNNING");
    assert!(emu.engine(PROJECT, "plain-1").is_none());
    assert_eq!(emu.engine_version(), None);
    let c = client(&emu);
    let shown = c
        .show_instance("plain-1")
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(shown.port, Some(6379));
    let slow = c
        .list_slowlog("plain-1")
        .start_time("0")
        .end_time("9999999999999")
        .send()
        .await
        .unwrap();
    assert_eq!(slow.header("x-dcs-emulator-tier"), Some("synthetic"));
}
