//! Requests are checked against the reviewed rules of `codegen/constraints.toml` before
//! anything is sent: every documented valid value goes out (the model is never stricter than
//! the service), every documented invalid one is refused with its field path, every problem of
//! a request is reported at once, and `RequestOptions::validate(false)` sends what was set.

mod common;
use common::{client, serve};
use dcs_client::types::{BssParam, CreateInstanceBody, ResourceTag};
use dcs_client::{OperationCall, RequestOptions};

/// The problems of a refused call, as (field path, message); nothing may have been sent.
async fn refused<C: OperationCall>(call: C) -> Vec<(String, String)> {
    let err = call.into_builder().send().await.unwrap_err();
    assert!(err.is_invalid_input(), "{err}");
    assert_eq!(err.attempts(), 0);
    let v = err.validation_error().unwrap();
    v.problems()
        .map(|(f, r)| (f.to_string(), r.to_string()))
        .collect()
}

fn fields(problems: &[(String, String)]) -> Vec<&str> {
    problems.iter().map(|(f, _)| f.as_str()).collect()
}

/// A CreateInstance with every required field valid, and `capacity` and `name` as given.
fn create(
    c: &dcs_client::DcsClient,
    capacity: f64,
    name: &str,
) -> dcs_client::calls::CreateInstanceCall {
    c.create_instance()
        .name(name)
        .engine("Redis")
        .capacity(capacity)
        .spec_code("redis.cluster.xu1.large.r2.s1.128")
        .az_codes(["cn-north-4a"])
        .vpc_id("vpc-1")
        .subnet_id("subnet-1")
}

#[tokio::test]
async fn every_documented_capacity_and_name_length_is_sent() {
    let server = serve(200, b"{}".to_vec(), "application/json").await;
    let c = client(&server.endpoint);
    // Single-node and master/standby, Redis Cluster, Proxy Cluster: the union of every size
    // any reference page documents.
    let sizes = [
        0.125, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 24.0, 32.0, 48.0, 64.0, 96.0, 128.0, 192.0,
        256.0, 384.0, 512.0, 768.0, 1024.0,
    ];
    for size in sizes {
        create(&c, size, "cache-cluster")
            .send()
            .await
            .unwrap_or_else(|e| panic!("capacity {size}: {e}"));
    }
    // 4 to 64 characters for one instance (56 is the limit only when creating several).
    for len in [4, 5, 56, 57, 63, 64] {
        let name = format!("c{}", "a".repeat(len - 1));
        create(&c, 128.0, &name)
            .send()
            .await
            .unwrap_or_else(|e| panic!("a name of {len} characters: {e}"));
    }
    for size in sizes {
        c.resize_instance("inst-1")
            .spec_code("redis.ha.xu1.large.r2.8")
            .new_capacity(size)
            .send()
            .await
            .unwrap_or_else(|e| panic!("new_capacity {size}: {e}"));
    }
    let seen = server.requests();
    assert_eq!(seen.len(), sizes.len() * 2 + 6);
    // A whole capacity goes out as an integer, as the official SDK sends it.
    let resize_128: serde_json::Value =
        serde_json::from_slice(&seen[6 + sizes.len() + 13].body).unwrap();
    assert_eq!(resize_128["new_capacity"], serde_json::json!(128));
    let resize_eighth: serde_json::Value =
        serde_json::from_slice(&seen[6 + sizes.len()].body).unwrap();
    assert_eq!(resize_eighth["new_capacity"], serde_json::json!(0.125));
}

#[tokio::test]
async fn documented_invalid_values_are_refused_and_nothing_is_sent() {
    let server = serve(200, b"{}".to_vec(), "application/json").await;
    let c = client(&server.endpoint);

    let p = refused(create(&c, 3.0, "cache-1")).await;
    assert_eq!(fields(&p), ["body.capacity"]);
    assert!(p[0].1.contains("must be one of 0.125"), "{p:?}");

    let p = refused(create(&c, 128.0, "cache-1").engine("Redsi")).await;
    assert_eq!(fields(&p), ["body.engine"]);
    assert!(
        p[0].1.contains("Redis, Memcached") && p[0].1.contains("Redsi"),
        "{p:?}"
    );

    for name in [
        "abc",
        &format!("c{}", "a".repeat(64)),
        "cache one",
        "-cache",
    ] {
        let p = refused(create(&c, 128.0, name)).await;
        assert_eq!(fields(&p), ["body.name"], "{name:?}: {p:?}");
    }

    let p = refused(c.list_instances().status("RUNING")).await;
    assert_eq!(fields(&p), ["status"]);
    assert!(p[0].1.contains("RUNNING"), "{p:?}");

    let p = refused(c.list_center_task().start_time("2026-11-01")).await;
    assert_eq!(fields(&p), ["start_time"]);
    assert!(p[0].1.contains("yyyyMMddHHmmss"), "{p:?}");
    let p = refused(c.list_center_task().end_time("20261332000000")).await;
    assert_eq!(fields(&p), ["end_time"], "month 13 is no date");

    let p = refused(c.batch_create_or_delete_tags("i-1").action("remove")).await;
    assert_eq!(
        fields(&p),
        ["body.action", "body.tags"],
        "both problems at once"
    );

    let p = refused(c.show_instance("status")).await;
    assert_eq!(fields(&p), ["instance_id"]);
    assert!(p[0].1.contains("names another operation"), "{p:?}");

    assert!(server.requests().is_empty(), "nothing was sent");
}

#[tokio::test]
async fn bounds_are_inclusive_at_both_ends() {
    let server = serve(200, b"{}".to_vec(), "application/json").await;
    let c = client(&server.endpoint);
    for limit in [1, 1000] {
        c.list_center_task().limit(limit).send().await.unwrap();
    }
    for limit in [0, 1001] {
        assert_eq!(
            fields(&refused(c.list_center_task().limit(limit)).await),
            ["limit"]
        );
    }
    for len in [8, 64] {
        c.update_acl_account_pass_word("i-1", "a-1")
            .old_password("Old-pass-1")
            .new_password("P".repeat(len))
            .send()
            .await
            .unwrap_or_else(|e| panic!("a password of {len}: {e}"));
    }
    for len in [7, 65] {
        let p = refused(
            c.update_acl_account_pass_word("i-1", "a-1")
                .old_password("Old-pass-1")
                .new_password("P".repeat(len)),
        )
        .await;
        assert_eq!(fields(&p), ["body.new_password"], "{len}");
    }
    assert_eq!(server.requests().len(), 4);
}

#[tokio::test]
async fn every_missing_field_and_broken_rule_is_reported_at_once_with_its_path() {
    let server = serve(200, b"{}".to_vec(), "application/json").await;
    let c = client(&server.endpoint);

    let p = refused(c.create_instance().body(CreateInstanceBody::default())).await;
    assert_eq!(
        fields(&p),
        [
            "body.name",
            "body.engine",
            "body.capacity",
            "body.spec_code",
            "body.az_codes",
            "body.vpc_id",
            "body.subnet_id"
        ]
    );

    // Nested and list paths, and several kinds of problem in one request.
    let tags = [
        ResourceTag::default().with_key("env").with_value("prod"),
        ResourceTag::default().with_key("k".repeat(129)),
    ];
    let p = refused(
        create(&c, 3.0, "ab")
            .tags(tags)
            .bss_param(BssParam::default().with_charging_mode("monthly")),
    )
    .await;
    assert_eq!(
        fields(&p),
        [
            "body.name",
            "body.capacity",
            "body.bss_param.charging_mode",
            "body.tags[1].key"
        ]
    );
    assert!(server.requests().is_empty());
}

#[tokio::test]
async fn validation_off_sends_what_was_set() {
    let server = serve(200, b"{}".to_vec(), "application/json").await;
    let c = client(&server.endpoint);
    create(&c, 3.0, "cache-1")
        .engine("Redis7")
        .with_options(RequestOptions::new().validate(false))
        .send()
        .await
        .unwrap();
    let seen = server.requests();
    assert_eq!(seen.len(), 1);
    let body: serde_json::Value = serde_json::from_slice(&seen[0].body).unwrap();
    assert_eq!(body["capacity"].as_f64(), Some(3.0));
    assert_eq!(body["engine"], "Redis7");
    // Unchecked still cannot change the route: a path id with `/` is refused.
    let p = refused(
        c.show_instance("a/b")
            .with_options(RequestOptions::new().validate(false)),
    )
    .await;
    assert_eq!(fields(&p), ["instance_id"]);
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn value_sets_keep_unknown_values_and_cannot_fake_known_ones() {
    use dcs_client::types::InstanceStatus;
    let running = InstanceStatus::from("RUNNING");
    assert_eq!(running, InstanceStatus::Running);
    assert!(running.is_known());
    let new = InstanceStatus::from("HIBERNATING");
    assert!(!new.is_known());
    assert_eq!(new.as_str(), "HIBERNATING");
    assert!(matches!(new, InstanceStatus::Unknown(_)));
    // A known value never becomes Unknown, whichever way it is built.
    let decoded: InstanceStatus = serde_json::from_str("\"RUNNING\"").unwrap();
    assert_eq!(decoded, InstanceStatus::Running);
    let odd: InstanceStatus = serde_json::from_str("7").unwrap();
    assert_eq!(odd.as_str(), "7");
    assert_eq!(serde_json::to_string(&new).unwrap(), "\"HIBERNATING\"");
}
