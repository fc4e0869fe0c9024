//! The reviewed rules against the emulator, which checks requests with the same generated
//! rules as the client: every documented valid value of the context-dependent fields goes
//! through both (all Redis Cluster and Proxy Cluster capacities, names of 4 to 64 characters
//! for one instance), and a documented invalid one that the client is told not to check is
//! refused by the emulator, naming the field.

use dcs_client::{Credentials, DcsClient, RequestOptions};
use dcs_e2e::{test_config, AK, PROJECT, SK};
use dcs_emulator::Emulator;
use std::time::Duration;

async fn setup() -> (Emulator, DcsClient) {
    let emu = Emulator::start().await.unwrap();
    emu.add_credentials(AK, SK, PROJECT);
    emu.set_operation_delay(Duration::ZERO);
    let c = DcsClient::builder()
        .endpoint(emu.endpoint())
        .credentials(Credentials::new(AK, SK))
        .project_id(PROJECT)
        .config(test_config())
        .build()
        .unwrap();
    (emu, c)
}

fn create(c: &DcsClient, capacity: f64, name: &str) -> dcs_client::calls::CreateInstanceCall {
    c.create_instance()
        .name(name)
        .engine("Redis")
        .capacity(capacity)
        .spec_code("redis.cluster.xu1.large.r2.s1.128")
        .az_codes(["az-1"])
        .vpc_id("vpc-1")
        .subnet_id("subnet-1")
        .password("a-Strong-passw0rd")
}

#[tokio::test]
async fn every_documented_capacity_and_name_length_is_accepted_by_client_and_emulator() {
    let (emu, c) = setup().await;
    let sizes = [
        0.125, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 24.0, 32.0, 48.0, 64.0, 96.0, 128.0, 192.0,
        256.0, 384.0, 512.0, 768.0, 1024.0,
    ];
    for size in sizes {
        create(&c, size, "cache-sized")
            .send()
            .await
            .unwrap_or_else(|e| panic!("capacity {size}: {e}"));
    }
    for len in [4, 56, 57, 64] {
        let name = format!("c{}", "a".repeat(len - 1));
        create(&c, 128.0, &name)
            .send()
            .await
            .unwrap_or_else(|e| panic!("name of {len}: {e}"));
    }
    let listed = c.list_instances().limit(1000).send().await.unwrap();
    assert_eq!(listed.instances.as_ref().unwrap().len(), sizes.len() + 4);
    assert_eq!(emu.requests().len(), sizes.len() + 4 + 1);
}

#[tokio::test]
async fn what_the_client_is_told_not_to_check_the_emulator_refuses_by_the_same_rules() {
    let (_emu, c) = setup().await;
    let unchecked = RequestOptions::new().validate(false);
    for (call, field) in [
        (create(&c, 3.0, "cache-1"), "body.capacity"),
        (create(&c, 128.0, "cache-1").engine("Redsi"), "body.engine"),
        (create(&c, 128.0, "abc"), "body.name"),
    ] {
        let e = call
            .with_options(unchecked.clone())
            .send()
            .await
            .unwrap_err();
        assert_eq!(e.status(), Some(400), "{field}: {e}");
        assert!(
            e.error_msg().unwrap_or_default().contains(field),
            "{field}: {e}"
        );
    }
    let e = c
        .list_center_task()
        .start_time("2026-11-01")
        .with_options(unchecked)
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(400), "{e}");
    assert!(
        e.error_msg().unwrap_or_default().contains("start_time"),
        "{e}"
    );
}
