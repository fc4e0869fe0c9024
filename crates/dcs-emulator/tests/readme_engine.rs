//! The README's example of an instance with a real Redis behind it, exactly as printed there
//! (the last test proves it is the same text). The example returns early on a machine
//! without redis-server; the test beside it says SKIPPED then, and fails in CI.

mod common;

use dcs_client::{Credentials, DcsClient, WaitOptions};
use dcs_emulator::resp::RespConnection;
use dcs_emulator::{Emulator, EmulatorConfig, EngineConfig};
use std::time::Duration;

#[tokio::test]
async fn a_session_survives_a_flush_through_a_backup() {
    let Ok(engine) = EngineConfig::redis_server() else {
        return; // no redis-server here (Debian: apt-get install redis-server)
    };
    let emu = Emulator::start_with(EmulatorConfig::default().with_engine(engine))
        .await
        .unwrap();
    emu.add_credentials("AK", "SK", "0a1b2c3d4e5f40718293a4b5c6d7e8f9");
    let client = DcsClient::builder()
        .endpoint(emu.endpoint())
        .credentials(Credentials::new("AK", "SK"))
        .project_id("0a1b2c3d4e5f40718293a4b5c6d7e8f9")
        .build()
        .unwrap();
    // Real processes take real time: poll every 50 ms on the system clock.
    let wait = WaitOptions::new().interval(Duration::from_millis(50));
    let created = client
        .create_instance()
        .name("sessions")
        .engine("Redis")
        .engine_version("6.0")
        .capacity(1.0)
        .spec_code("redis.ha.xu1.large.r2.1")
        .az_codes(["az-1"])
        .vpc_id("vpc-1")
        .subnet_id("subnet-1")
        .password("Sessions-pass-1")
        .send_and_wait_with(wait.clone())
        .await
        .unwrap();
    let id = created.output.into_inner().instances.unwrap()[0]
        .instance_id
        .clone()
        .unwrap();

    // The application connects where ShowInstance says, with the instance's password.
    let shown = client.show_instance(&id).send().await.unwrap().into_inner();
    let address = format!("{}:{}", shown.ip.unwrap(), shown.port.unwrap());
    let mut redis = RespConnection::connect_auth(&address, None, "Sessions-pass-1")
        .await
        .unwrap();
    redis
        .command(&["SET", "session:42", "alice"])
        .await
        .unwrap();

    // Back up, flush, restore: the session is back.
    let backup = client
        .copy_instance(&id)
        .send_and_wait_with(wait.clone())
        .await
        .unwrap()
        .output
        .into_inner()
        .backup_id
        .unwrap();
    client
        .restart_or_flush_instances()
        .instances([id.clone()])
        .action("flush")
        .send_and_wait_with(wait.clone())
        .await
        .unwrap();
    assert!(redis
        .command(&["GET", "session:42"])
        .await
        .unwrap()
        .is_nil());
    client
        .restore_instance(&id)
        .backup_id(&backup)
        .send_and_wait_with(wait)
        .await
        .unwrap();
    // A restore restarts the process: connect again, to the address shown now.
    let shown = client.show_instance(&id).send().await.unwrap().into_inner();
    let address = format!("{}:{}", shown.ip.unwrap(), shown.port.unwrap());
    let mut redis = RespConnection::connect_auth(&address, None, "Sessions-pass-1")
        .await
        .unwrap();
    let session = redis.command(&["GET", "session:42"]).await.unwrap();
    assert_eq!(session.as_str(), Some("alice"));
}

/// The example above returns quietly without redis-server: this says so, or fails where
/// redis-server is required (CI, `DCS_REQUIRE_REDIS=1`).
#[test]
fn the_example_has_a_redis_server_where_it_must() {
    let _ = common::redis_engine("the README's engine example");
}

/// The README shows this file's code, word for word.
#[test]
fn the_readme_shows_this_code() {
    let readme = include_str!("../README.md");
    let shown = readme
        .split("## A real Redis behind each instance")
        .nth(1)
        .and_then(|s| s.split("```rust\n").nth(1))
        .and_then(|s| s.split("```").next())
        .expect("a rust block under \"A real Redis behind each instance\"");
    let here = include_str!("readme_engine.rs");
    assert!(
        here.contains(shown),
        "the README's engine example differs from tests/readme_engine.rs"
    );
}
