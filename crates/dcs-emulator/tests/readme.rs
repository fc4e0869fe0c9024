//! The README's "In a test" example, exactly as printed there (the second test proves it is
//! the same text).

use dcs_client::{Credentials, DcsClient};
use dcs_emulator::Emulator;
use dcs_transport::ManualTime;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

#[tokio::test]
async fn a_resize_is_waited_for() {
    let emu = Emulator::start().await.unwrap();
    emu.add_credentials("AK", "SK", "0a1b2c3d4e5f40718293a4b5c6d7e8f9");
    emu.seed_instance("0a1b2c3d4e5f40718293a4b5c6d7e8f9", "inst-1", "RUNNING");
    // Work takes 10 minutes, on a clock the client shares: every pause of a waiter moves
    // it, so the test takes milliseconds and is exact.
    let time = ManualTime::new(SystemTime::now());
    emu.set_manual_clock(time.clone());
    emu.set_operation_delay(Duration::from_secs(600));
    let client = DcsClient::builder()
        .endpoint(emu.endpoint())
        .credentials(Credentials::new("AK", "SK"))
        .project_id("0a1b2c3d4e5f40718293a4b5c6d7e8f9")
        .clock(Arc::new(time.clone()))
        .sleeper(Arc::new(time))
        .build()
        .unwrap();
    let done = client
        .resize_instance("inst-1")
        .spec_code("redis.ha.xu1.large.r2.2")
        .new_capacity(2.0)
        .send_and_wait()
        .await
        .unwrap();
    // EXTENDING for 10 minutes, then RUNNING twice in a row.
    assert_eq!(done.completions[0].state, "RUNNING");
    assert!(done.completions[0].elapsed >= Duration::from_secs(600));
}

/// The README shows this file's code, word for word.
#[test]
fn the_readme_shows_this_code() {
    let readme = include_str!("../README.md");
    let shown = readme
        .split("## In a test")
        .nth(1)
        .and_then(|s| s.split("```rust\n").nth(1))
        .and_then(|s| s.split("```").next())
        .expect("a rust block under \"In a test\"");
    let here = include_str!("readme.rs");
    assert!(
        here.contains(shown),
        "the README's example differs from tests/readme.rs"
    );
}
