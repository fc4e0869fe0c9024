//! A user's workflow through `DcsClient`, on the emulator's clock: create an instance, wait for
//! it, resize it, follow the `EXTEND` task in the Task Center, clean up.

mod common;
use common::{client, AK, PROJECT, SK};
use dcs_emulator::{Emulator, TaskStatus};
use dcs_transport::ManualTime;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

async fn emulator() -> (Emulator, ManualTime) {
    let emu = Emulator::start().await.unwrap();
    emu.add_credentials(AK, SK, PROJECT);
    let clock = ManualTime::new(SystemTime::now());
    emu.set_clock(Arc::new(clock.clone()));
    emu.set_operation_delay(Duration::from_secs(30));
    (emu, clock)
}

#[tokio::test]
async fn create_resize_follow_the_task_delete() {
    let (emu, clock) = emulator().await;
    let c = client(&emu);

    let created = c
        .create_instance()
        .name("cache-1")
        .engine("Redis")
        .engine_version("5.0")
        .capacity(2.0)
        .spec_code("redis.ha.xu1.large.r2.2")
        .az_codes(vec!["az-1".to_string()])
        .vpc_id("vpc-1")
        .subnet_id("subnet-1")
        .send()
        .await
        .unwrap();
    assert_eq!(created.header("x-dcs-emulator-tier"), Some("stateful"));
    let created = created.into_inner();
    assert!(created.order_id.is_some());
    let id = created.instances.unwrap()[0].instance_id.clone().unwrap();

    let show = c.show_instance(&id).send().await.unwrap().into_inner();
    assert_eq!(show.status.as_ref().map(|v| v.as_str()), Some("CREATING"));
    assert_eq!(show.name.as_deref(), Some("cache-1"));
    // Not running yet: the real service refuses to resize.
    let err = c
        .resize_instance(&id)
        .spec_code("redis.ha.xu1.large.r2.4")
        .new_capacity(4.0)
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(400), "{err}");
    assert_eq!(err.error_code(), Some("DCS.4026"));

    clock.advance(Duration::from_secs(30));
    let show = c.show_instance(&id).send().await.unwrap().into_inner();
    assert_eq!(show.status.as_ref().map(|v| v.as_str()), Some("RUNNING"));
    assert_eq!(show.capacity, Some(2));

    let listed = c
        .list_instances()
        .name("cache")
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(listed.instance_num, Some(1));

    c.resize_instance(&id)
        .spec_code("redis.ha.xu1.large.r2.4")
        .new_capacity(4.0)
        .send()
        .await
        .unwrap();
    let tasks = c
        .list_center_task()
        .limit(10)
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(tasks.task_count.as_deref(), Some("1"));
    let task = tasks.tasks.unwrap().remove(0);
    assert_eq!(task.name.as_ref().map(|v| v.as_str()), Some("EXTEND"));
    assert_eq!(task.status.as_deref(), Some("RUNNING"));
    let details = task.details.unwrap();
    assert_eq!(details.old_capacity.as_deref(), Some("2"));
    assert_eq!(details.new_capacity.as_deref(), Some("4"));
    assert!(task.params.unwrap().contains(&id));
    let task_id = task.id.unwrap();

    // Running: deleting is refused.
    let err = c.delete_center_task(&task_id).send().await.unwrap_err();
    assert_eq!(err.error_code(), Some("DCS.4017"), "{err}");
    // The instance's own view of the task.
    let bg = c
        .list_background_task(&id)
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(bg.tasks.unwrap()[0].id.as_deref(), Some(task_id.as_str()));
    let progress = c
        .show_background_task_progress(&id, &task_id)
        .send()
        .await
        .unwrap()
        .into_inner();
    assert!(progress.progress.unwrap() < 100);

    clock.advance(Duration::from_secs(30));
    let tasks = c.list_center_task().send().await.unwrap().into_inner();
    assert_eq!(tasks.tasks.unwrap()[0].status.as_deref(), Some("SUCCESS"));
    let show = c.show_instance(&id).send().await.unwrap().into_inner();
    assert_eq!(show.status.as_ref().map(|v| v.as_str()), Some("RUNNING"));
    assert_eq!(show.capacity, Some(4));

    c.delete_center_task(&task_id).send().await.unwrap();
    let tasks = c.list_center_task().send().await.unwrap().into_inner();
    assert_eq!(tasks.task_count.as_deref(), Some("0"));
    let err = c.delete_center_task(&task_id).send().await.unwrap_err();
    assert_eq!(err.status(), Some(404), "{err}");

    c.delete_single_instance(&id).send().await.unwrap();
    // Being deleted: still shown, busy with the deletion, until the delay has passed.
    let show = c.show_instance(&id).send().await.unwrap();
    let raw: serde_json::Value = serde_json::from_slice(show.raw_body()).unwrap();
    assert_eq!(raw["task"]["name"], "deleteDCSInstance");
    clock.advance(Duration::from_secs(30));
    let err = c.show_instance(&id).send().await.unwrap_err();
    assert_eq!(err.status(), Some(404), "{err}");
    assert!(err.is_instance_not_found(), "{err}");
    assert_eq!(err.error_code(), Some("DCS.3022"));
}

#[tokio::test]
async fn task_center_pages_and_filters_by_time() {
    let (emu, clock) = emulator().await;
    emu.seed_tasks(PROJECT, 25);
    // Less than the gateway's 15-minute signature tolerance.
    clock.advance(Duration::from_secs(600));
    emu.seed_task(PROJECT, "late-task", TaskStatus::Running);
    let c = client(&emu);
    let page = c
        .list_center_task()
        .offset(20)
        .limit(10)
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(page.task_count.as_deref(), Some("26"));
    assert_eq!(page.tasks.unwrap().len(), 6);
    // Newest first.
    let first = c
        .list_center_task()
        .limit(1)
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(first.tasks.unwrap()[0].id.as_deref(), Some("late-task"));
    // Only the late task started in the last five minutes (of the emulator's clock).
    let since = {
        let t = SystemTime::now() + Duration::from_secs(300);
        let s = t.duration_since(SystemTime::UNIX_EPOCH).unwrap().as_secs();
        civil(s)
    };
    let recent = c
        .list_center_task()
        .start_time(since)
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(recent.task_count.as_deref(), Some("1"));
    let err = c.list_center_task().limit(0).send().await;
    assert!(err.is_err());
}

/// `yyyyMMddHHmmss` of a Unix time (the signer's calendar arithmetic, not a copy of it).
fn civil(secs: u64) -> String {
    dcs_transport::SdkDate::from_unix_seconds(secs as i64)
        .to_bytes()
        .iter()
        .filter(|c| c.is_ascii_digit())
        .map(|&c| c as char)
        .collect()
}

#[tokio::test]
async fn backups_and_restores() {
    let (emu, clock) = emulator().await;
    emu.seed_instance(PROJECT, "inst-1", "RUNNING");
    let c = client(&emu);
    let b = c
        .copy_instance("inst-1")
        .remark("nightly")
        .send()
        .await
        .unwrap()
        .into_inner();
    let backup_id = b.backup_id.unwrap();
    let list = c
        .list_backup_records("inst-1")
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(list.total_num, Some(1));
    let rec = &list.backup_record_response.unwrap()[0];
    assert_eq!(rec.backup_id.as_deref(), Some(backup_id.as_str()));
    // Not finished: no restore yet.
    let err = c
        .restore_instance("inst-1")
        .backup_id(&backup_id)
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(400), "{err}");
    clock.advance(Duration::from_secs(30));
    let r = c
        .restore_instance("inst-1")
        .backup_id(&backup_id)
        .send()
        .await
        .unwrap()
        .into_inner();
    assert!(r.restore_id.is_some());
    assert_eq!(
        emu.instance_status(PROJECT, "inst-1").as_deref(),
        Some("RESTORING")
    );
    let restores = c
        .list_restore_records("inst-1")
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(restores.total_num, Some(1));
    clock.advance(Duration::from_secs(30));
    assert_eq!(
        emu.instance_status(PROJECT, "inst-1").as_deref(),
        Some("RUNNING")
    );
    c.delete_backup_file("inst-1", &backup_id)
        .send()
        .await
        .unwrap();
    let err = c
        .delete_backup_file("inst-1", &backup_id)
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(404));
    let err = c.copy_instance("missing").send().await.unwrap_err();
    assert!(err.is_instance_not_found(), "{err}");
    assert_eq!(err.error_code(), Some("DCS.3022"));
}

#[tokio::test]
async fn batch_restart_and_delete_report_each_instance() {
    let (emu, _clock) = emulator().await;
    emu.set_operation_delay(Duration::ZERO);
    emu.seed_instance(PROJECT, "a", "RUNNING");
    emu.seed_instance(PROJECT, "b", "RUNNING");
    let c = client(&emu);
    let r = c
        .restart_or_flush_instances()
        .instances(["a", "zz"])
        .action("restart")
        .send()
        .await
        .unwrap()
        .into_inner();
    let results = r.results.unwrap();
    assert_eq!(
        results[0].result.as_ref().map(|v| v.as_str()),
        Some("success")
    );
    assert_eq!(
        results[1].result.as_ref().map(|v| v.as_str()),
        Some("failed")
    );
    let r = c
        .batch_delete_instances()
        .instances(["a", "b"])
        .send()
        .await
        .unwrap()
        .into_inner();
    assert!(r
        .results
        .unwrap()
        .iter()
        .all(|x| x.result.as_ref().map(|v| v.as_str()) == Some("success")));
    let all = c.list_instances().send().await.unwrap().into_inner();
    assert_eq!(all.instance_num, Some(0));
}

const INSTANCE: &str = "6b4c2a3e-9f1d-4e5a-8c7b-0123456789ab";

#[tokio::test]
async fn acl_accounts_are_created_listed_updated_and_deleted() {
    use dcs_client::types::AclAccountStatus;
    let (emu, clock) = emulator().await;
    emu.seed_instance(PROJECT, INSTANCE, "RUNNING");
    let c = client(&emu);

    let created = c
        .create_acl_account(INSTANCE)
        .account_name("app-reader")
        .account_role("read")
        .account_password("Secret#2026pw")
        .description("reads the cache")
        .send()
        .await
        .unwrap();
    assert_eq!(created.header("x-dcs-emulator-tier"), Some("stateful"));
    // A second account of that name is refused.
    let err = c
        .create_acl_account(INSTANCE)
        .account_name("app-reader")
        .account_role("read")
        .account_password("Secret#2026pw")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(400), "{err}");

    let accounts = c
        .list_acl_accounts(INSTANCE)
        .send()
        .await
        .unwrap()
        .into_inner()
        .accounts
        .unwrap();
    assert_eq!(accounts.len(), 1);
    let a = &accounts[0];
    assert_eq!(a.account_name.as_deref(), Some("app-reader"));
    assert_eq!(a.account_role.as_ref().map(|v| v.as_str()), Some("read"));
    assert_eq!(a.description.as_deref(), Some("reads the cache"));
    assert_eq!(a.instance_id.as_deref(), Some(INSTANCE));
    assert_eq!(a.status, Some(AclAccountStatus::Creating));
    let aid = a.account_id.clone().unwrap();

    clock.advance(Duration::from_secs(30));
    let role = c
        .update_acl_account(INSTANCE, &aid)
        .account_role("write")
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(role.instance_id.as_deref(), Some(INSTANCE));
    assert!(role.job_id.is_some());
    // The role changes while the account is UPDATING.
    let a = c
        .list_acl_accounts(INSTANCE)
        .send()
        .await
        .unwrap()
        .into_inner()
        .accounts
        .unwrap()
        .remove(0);
    assert_eq!(a.status, Some(AclAccountStatus::Updating));
    clock.advance(Duration::from_secs(30));
    c.update_acl_account_remark(INSTANCE, &aid)
        .description("writes too")
        .send()
        .await
        .unwrap();
    // The password is checked against the one the account was created with.
    let err = c
        .update_acl_account_pass_word(INSTANCE, &aid)
        .old_password("Wrong#2026pw")
        .new_password("Newer#2026pw")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(400), "{err}");
    c.update_acl_account_pass_word(INSTANCE, &aid)
        .old_password("Secret#2026pw")
        .new_password("Newer#2026pw")
        .send()
        .await
        .unwrap();

    let a = c
        .list_acl_accounts(INSTANCE)
        .send()
        .await
        .unwrap()
        .into_inner()
        .accounts
        .unwrap()
        .remove(0);
    assert_eq!(a.account_role.as_ref().map(|v| v.as_str()), Some("write"));
    assert_eq!(a.description.as_deref(), Some("writes too"));
    assert_eq!(a.status, Some(AclAccountStatus::Available));

    c.delete_acl_account(INSTANCE, &aid).send().await.unwrap();
    // DELETING, with a `DeleteAcl` background task EXECUTING, until the delay has passed.
    let accounts = c
        .list_acl_accounts(INSTANCE)
        .send()
        .await
        .unwrap()
        .into_inner()
        .accounts
        .unwrap();
    assert_eq!(accounts[0].status, Some(AclAccountStatus::Deleting));
    let task = c
        .list_background_task(INSTANCE)
        .send()
        .await
        .unwrap()
        .into_inner()
        .tasks
        .unwrap()
        .remove(0);
    assert_eq!(task.name.as_ref().map(|v| v.as_str()), Some("DeleteAcl"));
    assert_eq!(task.status.as_deref(), Some("EXECUTING"));
    clock.advance(Duration::from_secs(30));
    let accounts = c
        .list_acl_accounts(INSTANCE)
        .send()
        .await
        .unwrap()
        .into_inner()
        .accounts
        .unwrap();
    assert!(accounts.is_empty());
    let task = c
        .list_background_task(INSTANCE)
        .send()
        .await
        .unwrap()
        .into_inner()
        .tasks
        .unwrap()
        .remove(0);
    assert_eq!(task.status.as_deref(), Some("SUCCESS"));
    let err = c
        .delete_acl_account(INSTANCE, &aid)
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(404), "{err}");
    assert_eq!(err.error_code(), Some("DCS.4001"));
    let err = c
        .list_acl_accounts("no-such-instance")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(404), "{err}");
    assert!(err.is_instance_not_found(), "{err}");
    assert_eq!(err.error_code(), Some("DCS.3022"));
}

fn group(name: &str, ips: &[&str]) -> dcs_client::types::Whitelist {
    dcs_client::types::Whitelist::default()
        .with_group_name(name)
        .with_ip_list(ips.iter().copied())
}

#[tokio::test]
async fn a_whitelist_is_set_and_read_back() {
    let (emu, clock) = emulator().await;
    emu.seed_instance(PROJECT, INSTANCE, "RUNNING");
    let c = client(&emu);

    let before = c
        .show_ip_whitelist(INSTANCE)
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(before.enable_whitelist, Some(false));
    assert_eq!(before.whitelist.as_deref(), Some(&[][..]));

    c.update_ip_whitelist(INSTANCE)
        .enable_whitelist(true)
        .whitelist(vec![
            group("office", &["10.0.0.0/24", "10.0.1.7"]),
            group("ci", &["192.168.3.0/24"]),
        ])
        .send()
        .await
        .unwrap();
    // Applied when its `AddWhitelist` task ends.
    let pending = c
        .show_ip_whitelist(INSTANCE)
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(pending.enable_whitelist, Some(false));
    let task = c
        .list_background_task(INSTANCE)
        .send()
        .await
        .unwrap()
        .into_inner()
        .tasks
        .unwrap()
        .remove(0);
    assert_eq!(task.name.as_ref().map(|v| v.as_str()), Some("AddWhitelist"));
    assert_eq!(task.status.as_deref(), Some("EXECUTING"));
    clock.advance(Duration::from_secs(30));
    let after = c
        .show_ip_whitelist(INSTANCE)
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(after.instance_id.as_deref(), Some(INSTANCE));
    assert_eq!(after.enable_whitelist, Some(true));
    assert_eq!(
        after.whitelist.unwrap(),
        vec![
            group("office", &["10.0.0.0/24", "10.0.1.7"]),
            group("ci", &["192.168.3.0/24"]),
        ]
    );

    let err = c
        .update_ip_whitelist(INSTANCE)
        .enable_whitelist(true)
        .whitelist(vec![group("all", &["0.0.0.0/0"])])
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(400), "{err}");
    let err = c
        .show_ip_whitelist("no-such-instance")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.error_code(), Some("DCS.3022"), "{err}");
}

#[tokio::test]
async fn an_async_whitelist_update_is_a_job_that_finishes_on_the_clock() {
    let (emu, clock) = emulator().await;
    emu.seed_instance(PROJECT, INSTANCE, "RUNNING");
    let c = client(&emu);

    let job = c
        .update_ip_whitelist_async(INSTANCE)
        .enable_whitelist(true)
        .whitelist(vec![group("app", &["172.16.0.0/16"])])
        .send()
        .await
        .unwrap();
    assert_eq!(job.header("x-dcs-emulator-tier"), Some("stateful"));
    let job_id = job.into_inner().job_id.unwrap();

    let info = c.show_job_info(&job_id).send().await.unwrap().into_inner();
    assert_eq!(info.job_id.as_deref(), Some(job_id.as_str()));
    // INIT for the first half of the delay, RUNNING for the second.
    assert_eq!(info.status.as_ref().map(|v| v.as_str()), Some("INIT"));
    assert_eq!(info.end_time.as_deref(), Some(""));
    clock.advance(Duration::from_secs(15));
    let info = c.show_job_info(&job_id).send().await.unwrap().into_inner();
    assert_eq!(info.status.as_ref().map(|v| v.as_str()), Some("RUNNING"));
    let begin: u64 = info.begin_time.unwrap().parse().unwrap();
    // Not applied until the job finishes.
    let w = c
        .show_ip_whitelist(INSTANCE)
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(w.enable_whitelist, Some(false));

    clock.advance(Duration::from_secs(15));
    let info = c.show_job_info(&job_id).send().await.unwrap().into_inner();
    assert_eq!(info.status.as_ref().map(|v| v.as_str()), Some("SUCCESS"));
    let end: u64 = info.end_time.unwrap().parse().unwrap();
    assert_eq!(end - begin, 30_000);
    let w = c
        .show_ip_whitelist(INSTANCE)
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(w.enable_whitelist, Some(true));
    assert_eq!(w.whitelist.unwrap(), vec![group("app", &["172.16.0.0/16"])]);

    // Other operations that answer a job id record one too.
    let swap = c
        .change_master_standby_async(INSTANCE)
        .send()
        .await
        .unwrap()
        .into_inner();
    let info = c
        .show_job_info(swap.job_id.unwrap())
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        info.job_type.as_ref().map(|v| v.as_str()),
        Some("masterStandbySwapJob")
    );
    assert_eq!(info.status.as_ref().map(|v| v.as_str()), Some("INIT"));

    let err = c.show_job_info("no-such-job").send().await.unwrap_err();
    assert_eq!(err.status(), Some(404), "{err}");
    assert_eq!(err.error_code(), Some("DCS.4001"));
    let err = c
        .change_master_standby_async("no-such-instance")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.error_code(), Some("DCS.3022"), "{err}");
}

#[tokio::test]
async fn tags_are_added_read_deleted_and_aggregated_for_the_tenant() {
    use dcs_client::types::ResourceTag;
    let (emu, _clock) = emulator().await;
    emu.seed_instance(PROJECT, INSTANCE, "RUNNING");
    let other = "0f0e0d0c-0b0a-4908-8706-050403020100";
    emu.seed_instance(PROJECT, other, "RUNNING");
    let c = client(&emu);
    let tag = |k: &str, v: &str| ResourceTag::default().with_key(k).with_value(v);

    c.batch_create_or_delete_tags(INSTANCE)
        .action("create")
        .tags(vec![tag("env", "prod"), tag("team", "cache")])
        .send()
        .await
        .unwrap();
    c.batch_create_or_delete_tags(other)
        .action("create")
        .tags(vec![tag("env", "test")])
        .send()
        .await
        .unwrap();
    let tags = c
        .show_tags(INSTANCE)
        .send()
        .await
        .unwrap()
        .into_inner()
        .tags;
    assert_eq!(
        tags.unwrap(),
        vec![tag("env", "prod"), tag("team", "cache")]
    );

    let tenant = c.list_tags_of_tenant().send().await.unwrap().into_inner();
    let tenant: Vec<(String, Vec<String>)> = tenant
        .tags
        .unwrap()
        .into_iter()
        .map(|t| (t.key.unwrap(), t.values.unwrap()))
        .collect();
    assert_eq!(
        tenant,
        vec![
            (
                "env".to_string(),
                vec!["prod".to_string(), "test".to_string()]
            ),
            ("team".to_string(), vec!["cache".to_string()]),
        ]
    );

    c.batch_create_or_delete_tags(INSTANCE)
        .action("delete")
        .tags(vec![ResourceTag::default().with_key("team")])
        .send()
        .await
        .unwrap();
    let tags = c
        .show_tags(INSTANCE)
        .send()
        .await
        .unwrap()
        .into_inner()
        .tags;
    assert_eq!(tags.unwrap(), vec![tag("env", "prod")]);

    // An action outside the documented set (create, delete) is refused by the request's own
    // validation (the same check the emulator's gateway runs), before anything is sent.
    let err = c
        .batch_create_or_delete_tags(INSTANCE)
        .action("rename")
        .tags(vec![tag("env", "x")])
        .send()
        .await
        .unwrap_err();
    assert!(err.is_invalid_input(), "{err}");
    assert_eq!(
        err.validation_error().map(|v| v.field()),
        Some("body.action")
    );
    let err = c.show_tags("no-such-instance").send().await.unwrap_err();
    assert_eq!(err.error_code(), Some("DCS.3022"), "{err}");
}
