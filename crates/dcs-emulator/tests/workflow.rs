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
    assert_eq!(show.status.as_deref(), Some("CREATING"));
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
    assert_eq!(show.status.as_deref(), Some("RUNNING"));
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
    assert_eq!(task.name.as_deref(), Some("EXTEND"));
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
    assert_eq!(show.status.as_deref(), Some("RUNNING"));
    assert_eq!(show.capacity, Some(4));

    c.delete_center_task(&task_id).send().await.unwrap();
    let tasks = c.list_center_task().send().await.unwrap().into_inner();
    assert_eq!(tasks.task_count.as_deref(), Some("0"));
    let err = c.delete_center_task(&task_id).send().await.unwrap_err();
    assert_eq!(err.status(), Some(404), "{err}");

    c.delete_single_instance(&id).send().await.unwrap();
    let err = c.show_instance(&id).send().await.unwrap_err();
    assert_eq!(err.status(), Some(404), "{err}");
    assert_eq!(err.error_code(), Some("DCS.4022"));
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

/// `yyyyMMddHHmmss` of a Unix time.
fn civil(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}{m:02}{d:02}{:02}{:02}{:02}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
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
    assert_eq!(err.error_code(), Some("DCS.4022"));
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
        .instances(vec!["a".into(), "zz".into()])
        .action("restart")
        .send()
        .await
        .unwrap()
        .into_inner();
    let results = r.results.unwrap();
    assert_eq!(results[0].result.as_deref(), Some("success"));
    assert_eq!(results[1].result.as_deref(), Some("failed"));
    let r = c
        .batch_delete_instances()
        .instances(vec!["a".into(), "b".into()])
        .send()
        .await
        .unwrap()
        .into_inner();
    assert!(r
        .results
        .unwrap()
        .iter()
        .all(|x| x.result.as_deref() == Some("success")));
    let all = c.list_instances().send().await.unwrap().into_inner();
    assert_eq!(all.instance_num, Some(0));
}
