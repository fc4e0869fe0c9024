//! The control API over real HTTP, as a script with curl would use it: unsigned JSON under
//! `/_emulator/`, loopback only.

mod common;
use common::{client, AK, INSTANCE, PROJECT, SK};
use dcs_emulator::{Emulator, EmulatorConfig};
use dcs_transport::ManualTime;
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::time::{Duration, SystemTime};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// One request over a fresh connection: the status and the JSON body.
async fn http_to(
    addr: SocketAddr,
    method: &str,
    path: &str,
    body: Option<&str>,
    headers: &[(&str, &str)],
) -> (u16, Value) {
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    let mut req = format!("{method} {path} HTTP/1.1\r\nConnection: close\r\n");
    if !headers.iter().any(|(n, _)| n.eq_ignore_ascii_case("host")) {
        req.push_str(&format!("Host: {addr}\r\n"));
    }
    for (n, v) in headers {
        req.push_str(&format!("{n}: {v}\r\n"));
    }
    let body = body.unwrap_or("");
    req.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
    s.write_all(req.as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).await.unwrap();
    let text = String::from_utf8(raw).unwrap();
    let status: u16 = text[9..12].parse().unwrap();
    let body = text.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    let v = if body.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body}"))
    };
    (status, v)
}

async fn http(emu: &Emulator, method: &str, path: &str, body: Option<&str>) -> (u16, Value) {
    http_to(emu.addr(), method, path, body, &[]).await
}

async fn emulator() -> Emulator {
    let emu = Emulator::start().await.unwrap();
    emu.add_credentials(AK, SK, PROJECT);
    emu.seed_instance(PROJECT, INSTANCE, "RUNNING");
    emu
}

#[tokio::test]
async fn the_index_and_the_operation_delay() {
    let emu = emulator().await;
    let (status, v) = http(&emu, "GET", "/_emulator/", None).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["operation_delay_ms"], 100);
    assert_eq!(v["clock"]["clock"], "system");
    assert_eq!(v["projects"][PROJECT]["instances"][0]["status"], "RUNNING");
    assert!(v["endpoints"].as_array().unwrap().len() > 5);

    let (status, v) = http(
        &emu,
        "PUT",
        "/_emulator/operation-delay",
        Some(r#"{"milliseconds": 60000}"#),
    )
    .await;
    assert_eq!((status, &v["operation_delay_ms"]), (200, &json!(60000)));
    assert_eq!(emu.operation_delay(), Duration::from_secs(60));
    let (status, v) = http(
        &emu,
        "PUT",
        "/_emulator/operation-delay",
        Some(r#"{"seconds": 2.5}"#),
    )
    .await;
    assert_eq!((status, &v["operation_delay_ms"]), (200, &json!(2500)));

    // Mistakes are named and change nothing.
    for (body, needle) in [
        (
            r#"{"milliseconds": -1}"#,
            "milliseconds: must be a whole number",
        ),
        (
            r#"{"millis": 5}"#,
            r#"unknown key "millis" (did you mean "milliseconds"?)"#,
        ),
        (r#"{}"#, "milliseconds (or seconds): is required"),
        ("[1]", "must be a JSON object"),
        ("{not json", "not JSON"),
        (r#"{"milliseconds": 999999999999}"#, "at most 86400 seconds"),
    ] {
        let (status, v) = http(&emu, "PUT", "/_emulator/operation-delay", Some(body)).await;
        assert_eq!(status, 400, "{body}: {v}");
        assert!(v["error"].as_str().unwrap().contains(needle), "{body}: {v}");
    }
    assert_eq!(emu.operation_delay(), Duration::from_millis(2500));

    let (status, _) = http(&emu, "GET", "/_emulator/no-such-thing", None).await;
    assert_eq!(status, 404);
    let (status, v) = http(&emu, "DELETE", "/_emulator/operation-delay", None).await;
    assert_eq!(status, 405, "{v}");
    // None of it is a recorded DCS request, and none needed a signature.
    assert!(emu.requests().is_empty());
}

/// With the system clock, an advance moves the emulator's work ahead (signatures are still
/// checked against the real time, so the client keeps working); an armed failure shows.
#[tokio::test]
async fn failures_are_armed_and_time_is_skipped_ahead() {
    let emu = emulator().await;
    let c = client(&emu);
    let (status, _) = http(
        &emu,
        "PUT",
        "/_emulator/operation-delay",
        Some(r#"{"seconds": 3600}"#),
    )
    .await;
    assert_eq!(status, 200);
    let (status, v) = http(
        &emu,
        "POST",
        "/_emulator/fail-next",
        Some(r#"{"kind": "backup"}"#),
    )
    .await;
    assert_eq!((status, &v["fail_next"]["backup"]), (200, &json!(1)), "{v}");
    let (status, v) = http(
        &emu,
        "POST",
        "/_emulator/fail-next",
        Some(r#"{"kind": "bakup"}"#),
    )
    .await;
    assert_eq!(status, 400);
    assert!(
        v["error"]
            .as_str()
            .unwrap()
            .contains(r#"did you mean "backup""#),
        "{v}"
    );

    let b = c.copy_instance(INSTANCE).send().await.unwrap().into_inner();
    let ok = c.copy_instance(INSTANCE).send().await.unwrap().into_inner();
    let status_of = |list: &dcs_client::types::ListBackupRecordsResponse, id: &str| {
        list.backup_record_response
            .as_ref()
            .unwrap()
            .iter()
            .find(|r| r.backup_id.as_deref() == Some(id))
            .and_then(|r| r.status.as_ref().map(|s| s.as_str().to_string()))
            .unwrap()
    };
    let list = c
        .list_backup_records(INSTANCE)
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(status_of(&list, b.backup_id.as_deref().unwrap()), "waiting");

    let (status, v) = http(
        &emu,
        "POST",
        "/_emulator/clock/advance",
        Some(r#"{"seconds": 3600}"#),
    )
    .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["clock"], "system");
    assert_eq!(v["advanced_ms"], 3_600_000);
    assert_eq!(v["skipped_ms"], 3_600_000);

    // Still accepted: signed with the real time.
    let list = c
        .list_backup_records(INSTANCE)
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(status_of(&list, b.backup_id.as_deref().unwrap()), "failed");
    assert_eq!(
        status_of(&list, ok.backup_id.as_deref().unwrap()),
        "succeed"
    );
    let (_, v) = http(&emu, "GET", "/_emulator/fail-next", None).await;
    assert_eq!(v["fail_next"], json!({}));

    // Armed twice, then disarmed.
    http(
        &emu,
        "POST",
        "/_emulator/fail-next",
        Some(r#"{"kind": "job", "count": 2}"#),
    )
    .await;
    let (_, v) = http(&emu, "GET", "/_emulator/fail-next", None).await;
    assert_eq!(v["fail_next"]["job"], 2);
    let (_, v) = http(&emu, "DELETE", "/_emulator/fail-next", None).await;
    assert_eq!(v["fail_next"], json!({}));
}

/// With a manual clock the advance moves the clock itself.
#[tokio::test]
async fn a_manual_clock_is_advanced() {
    let emu = emulator().await;
    let start = SystemTime::now();
    let time = ManualTime::new(start);
    emu.set_manual_clock(time.clone());
    let (status, v) = http(
        &emu,
        "POST",
        "/_emulator/clock/advance",
        Some(r#"{"milliseconds": 90000}"#),
    )
    .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["clock"], "manual");
    assert_eq!(v["skipped_ms"], 0);
    use dcs_transport::Clock;
    assert_eq!(time.now(), start + Duration::from_secs(90));
}

#[tokio::test]
async fn instances_are_read_frozen_unfrozen_and_set() {
    let emu = emulator().await;
    emu.set_operation_delay(Duration::from_secs(600));
    let c = client(&emu);
    c.resize_instance(INSTANCE)
        .spec_code("redis.ha.xu1.large.r2.2")
        .new_capacity(2.0)
        .send()
        .await
        .unwrap();
    let (status, v) = http(
        &emu,
        "GET",
        &format!("/_emulator/instances/{INSTANCE}"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["project_id"], PROJECT);
    assert_eq!(v["status"], "EXTENDING");
    assert_eq!(v["idle"], false);
    assert_eq!(v["task"]["name"], "extendDCSInstance");
    assert_eq!(v["change"]["ends_as"], "RUNNING");
    assert!(v["change"]["remaining_ms"].as_u64().unwrap() <= 600_000);
    assert_eq!(v["capacity"], 1.0);

    // Freezing ends the change; a frozen instance refuses changes with the busy code.
    let (status, v) = http(
        &emu,
        "POST",
        &format!("/_emulator/instances/{INSTANCE}/freeze"),
        None,
    )
    .await;
    assert_eq!((status, &v["status"]), (200, &json!("FROZEN")), "{v}");
    assert_eq!(v["task"], Value::Null);
    let e = c.copy_instance(INSTANCE).send().await.unwrap_err();
    assert_eq!(
        e.error_code(),
        Some(dcs_model::codes::INSTANCE_STATE_NOT_ALLOWED),
        "{e}"
    );
    let shown = c.show_instance(INSTANCE).send().await.unwrap().into_inner();
    assert_eq!(shown.status.unwrap().as_str(), "FROZEN");
    let e = c
        .wait_until_instance_running(INSTANCE)
        .wait()
        .await
        .unwrap_err();
    assert_eq!(e.failure_state(), Some("FROZEN"), "{e}");

    let (status, v) = http(
        &emu,
        "POST",
        &format!("/_emulator/instances/{INSTANCE}/unfreeze"),
        None,
    )
    .await;
    assert_eq!((status, &v["status"]), (200, &json!("RUNNING")), "{v}");
    c.copy_instance(INSTANCE).send().await.unwrap();

    let path = format!("/_emulator/instances/{INSTANCE}/status");
    let (status, v) = http(&emu, "PUT", &path, Some(r#"{"status": "ERROR"}"#)).await;
    assert_eq!((status, &v["status"]), (200, &json!("ERROR")), "{v}");
    assert_eq!(
        emu.instance_status(PROJECT, INSTANCE).as_deref(),
        Some("ERROR")
    );
    let (status, v) = http(&emu, "PUT", &path, Some(r#"{"status": "ERORR"}"#)).await;
    assert_eq!(status, 400);
    assert!(
        v["error"]
            .as_str()
            .unwrap()
            .contains(r#"did you mean "ERROR""#),
        "{v}"
    );

    let (status, v) = http(&emu, "GET", "/_emulator/instances/no-such-instance", None).await;
    assert_eq!(status, 404, "{v}");
    let (status, _) = http(
        &emu,
        "GET",
        &format!("/_emulator/instances/{INSTANCE}?project_id=another-project"),
        None,
    )
    .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn a_seed_document_is_loaded_or_refused_whole() {
    let emu = emulator().await;
    let (status, v) = http(
        &emu,
        "POST",
        "/_emulator/seed",
        Some(r#"{"instances":[{"id":"frozen-1","status":"FROZEN"},{"id":"failed-1","status":"CREATEFAILED"}],"tasks":[{"id":"t-1","instance_id":"frozen-1"}]}"#),
    )
    .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(
        (v["instances"].clone(), v["tasks"].clone()),
        (json!(2), json!(1))
    );
    assert_eq!(v["project_id"], PROJECT);
    assert_eq!(
        emu.instance_status(PROJECT, "failed-1").as_deref(),
        Some("CREATEFAILED")
    );
    let (status, v) = http(
        &emu,
        "POST",
        "/_emulator/seed",
        Some(r#"{"instances":[{"id":"x-1"}],"taks":[]}"#),
    )
    .await;
    assert_eq!(status, 400);
    let e = v["error"].as_str().unwrap();
    assert!(e.contains(r#"unknown key "taks""#), "{e}");
    assert!(e.contains(r#"did you mean "tasks""#), "{e}");
    assert_eq!(emu.instance_status(PROJECT, "x-1"), None, "nothing seeded");
}

/// Only a loopback client naming a loopback host is answered: not a page that reached the
/// port through DNS rebinding, not a cross-site form.
#[tokio::test]
async fn other_hosts_and_origins_are_refused() {
    let emu = emulator().await;
    for headers in [
        &[("Host", "evil.example:80")][..],
        &[("Origin", "https://evil.example")][..],
        &[("Origin", "null")][..],
    ] {
        let (status, v) = http_to(emu.addr(), "GET", "/_emulator/", None, headers).await;
        assert_eq!(status, 403, "{headers:?}: {v}");
        let (status, _) = http_to(
            emu.addr(),
            "POST",
            &format!("/_emulator/instances/{INSTANCE}/freeze"),
            None,
            headers,
        )
        .await;
        assert_eq!(status, 403);
    }
    assert_eq!(
        emu.instance_status(PROJECT, INSTANCE).as_deref(),
        Some("RUNNING")
    );
    let (status, _) = http_to(
        emu.addr(),
        "GET",
        "/_emulator/",
        None,
        &[("Host", "localhost:1"), ("Origin", "http://localhost:3000")],
    )
    .await;
    assert_eq!(status, 200);
}

/// A local address of this machine that is not loopback, if it has one with a route.
fn non_loopback_address() -> Option<std::net::IpAddr> {
    let s = std::net::UdpSocket::bind("0.0.0.0:0").ok()?;
    // Connecting a UDP socket sends nothing; it picks the outgoing address.
    s.connect("192.0.2.1:9").ok()?;
    let ip = s.local_addr().ok()?.ip();
    (!ip.is_loopback() && !ip.is_unspecified()).then_some(ip)
}

/// An emulator listening on every interface still answers the control API only to a
/// loopback peer.
#[tokio::test]
async fn a_peer_that_is_not_loopback_is_refused() {
    let Some(ip) = non_loopback_address() else {
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr().lock(),
            "control API from a non-loopback peer: SKIPPED (this machine has no routed non-loopback address)"
        );
        return;
    };
    let mut config = EmulatorConfig::default();
    config.bind = SocketAddr::from(([0, 0, 0, 0], 0));
    let emu = Emulator::start_with(config).await.unwrap();
    emu.seed_instance(PROJECT, INSTANCE, "RUNNING");
    let there = SocketAddr::new(ip, emu.addr().port());
    let (status, v) = http_to(there, "GET", "/_emulator/", None, &[("Host", "127.0.0.1")]).await;
    assert_eq!(status, 403, "{v}");
    assert!(
        v["error"]
            .as_str()
            .unwrap()
            .contains("answers loopback clients only"),
        "{v}"
    );
    let lo = SocketAddr::from(([127, 0, 0, 1], emu.addr().port()));
    let (status, _) = http_to(lo, "GET", "/_emulator/", None, &[]).await;
    assert_eq!(status, 200);
}
