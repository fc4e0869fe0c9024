//! The top README's example of an emulated instance with a real Redis behind it, exactly as
//! printed there (the last test proves it is the same text). It returns early on a machine
//! without redis-server; the test beside it says SKIPPED then, and fails in CI.

mod common;

use dcs_client::{Credentials, DcsClient, WaitOptions};
use dcs_emulator::{resp::RespConnection, Emulator, EmulatorConfig, EngineConfig};
use std::time::Duration;

#[tokio::test]
async fn my_app_caches_in_dcs() {
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
    let created = client
        .create_instance()
        .name("cache")
        .engine("Redis")
        .engine_version("6.0")
        .capacity(1.0)
        .spec_code("redis.ha.xu1.large.r2.1")
        .az_codes(["az-1"])
        .vpc_id("vpc-1")
        .subnet_id("subnet-1")
        .password("Cache-pass-1")
        .send_and_wait_with(WaitOptions::new().interval(Duration::from_millis(50)))
        .await
        .unwrap();
    let id = created.output.into_inner().instances.unwrap()[0]
        .instance_id
        .clone()
        .unwrap();
    let shown = client.show_instance(&id).send().await.unwrap().into_inner();
    let address = format!("{}:{}", shown.ip.unwrap(), shown.port.unwrap());
    // Hand the address and the password to the code under test; here, a Redis client.
    let mut redis = RespConnection::connect_auth(&address, None, "Cache-pass-1")
        .await
        .unwrap();
    redis.command(&["SET", "greeting", "hello"]).await.unwrap();
    let greeting = redis.command(&["GET", "greeting"]).await.unwrap();
    assert_eq!(greeting.as_str(), Some("hello"));
}

/// The example above returns quietly without redis-server: this says so, or fails where
/// redis-server is required (CI, `DCS_REQUIRE_REDIS=1`).
#[test]
fn the_example_has_a_redis_server_where_it_must() {
    let _ = common::redis_engine("the top README's engine example");
}

/// The top README shows this file's code, word for word.
#[test]
fn the_top_readme_shows_this_code() {
    let readme = include_str!("../../../README.md");
    let shown = readme
        .split("## Testing against real Redis instances")
        .nth(1)
        .and_then(|s| s.split("```rust\n").nth(1))
        .and_then(|s| s.split("```").next())
        .expect("a rust block under \"Testing against real Redis instances\"");
    let here = include_str!("readme_top.rs");
    assert!(
        here.contains(shown),
        "the top README's engine example differs from crates/dcs-emulator/tests/readme_top.rs"
    );
}
