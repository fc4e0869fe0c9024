//! Requests are checked against the API reference's rules before anything is sent, and the
//! error names the field by its path.

mod common;
use common::{client, serve};

async fn refused<O: dcs_client::Operation>(call: dcs_client::CallBuilder<O>) -> (String, String) {
    let err = call.send().await.unwrap_err();
    assert!(err.is_invalid_input(), "{err}");
    assert_eq!(err.attempts(), 0);
    let v = err.validation_error().unwrap();
    (v.field().to_string(), err.to_string())
}

#[tokio::test]
async fn broken_rules_are_refused_naming_the_field_and_nothing_is_sent() {
    let server = serve(200, b"{}".to_vec(), "application/json").await;
    let c = client(&server.endpoint);

    // A value set from codegen/overrides.toml [values].
    let (field, msg) = refused(c.batch_create_or_delete_tags("i-1").action("remove")).await;
    assert_eq!(field, "body.action");
    assert!(msg.contains("must be one of create, delete"), "{msg}");

    // A range from the spec's hints.
    let (field, msg) = refused(c.list_center_task().limit(0)).await;
    assert_eq!(field, "limit");
    assert!(msg.contains("at least 1"), "{msg}");

    // A required body field, deep in the body.
    let body = dcs_client::types::instances::CreateInstanceBody::default().with_name("cache-1");
    let (field, _) = refused(c.create_instance().body(body)).await;
    assert!(field.starts_with("body."), "{field}");

    // A path id that would reach another operation.
    let (field, msg) = refused(c.show_instance("status")).await;
    assert_eq!(field, "instance_id");
    assert!(msg.contains("names another operation"), "{msg}");

    // A password shorter than the documented 8 characters.
    let (field, _) = refused(
        c.update_acl_account_pass_word("i-1", "a-1")
            .old_password("Old-pass-1")
            .new_password("short"),
    )
    .await;
    assert_eq!(field, "body.new_password");

    assert!(server.requests().is_empty(), "nothing was sent");

    // The same values within the rules go out.
    let tag = dcs_client::types::common::ResourceTag::default()
        .with_key("env")
        .with_value("prod");
    c.batch_create_or_delete_tags("i-1")
        .action("create")
        .tags(vec![tag])
        .send()
        .await
        .unwrap();
    assert_eq!(server.requests().len(), 1);
}
