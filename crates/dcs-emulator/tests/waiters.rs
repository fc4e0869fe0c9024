//! Every asynchronous operation of `codegen/async.toml` that has success states, sent with its
//! `send_and_wait()` against the emulator, on a manual clock shared by the client and the
//! emulator (each sleep of the waiter moves the emulator's time, so an hour-long wait takes
//! milliseconds and is exact):
//!
//! - the wait reaches one of the row's success states;
//! - with an operation delay above zero, the first poll (right after the answer) never sees
//!   the work done: nothing completes instantly;
//! - a test that reads the table checks that every such row has its case here.
//!
//! Then the failure side: each kind of work armed with `fail_next` ends the wait at once with
//! its failure state named.

use dcs_client::{Credentials, DcsClient, ErrorKind, Observation, RetryPolicy, WaitOptions};
use dcs_emulator::{Emulator, WorkKind};
use dcs_transport::ManualTime;
use serde_json::json;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

const AK: &str = "HWEMULATORWAITERS001";
const SK: &str = "emulator-waiter-tests-secret-0001";
const PROJECT: &str = "0a1b2c3d4e5f40718293a4b5c6d7e8f9";
const INSTANCE: &str = "6b4c2a3e-9f1d-4e5a-8c7b-0123456789ab";
const BACKUP: &str = "b4c7e2a1-0d3f-4a5b-9c8d-00000000b001";
const ACCOUNT: &str = "a7d1c3e5-2b4f-4d6a-8e0c-00000000a001";
/// How long every piece of work takes on the emulator's clock.
const DELAY: Duration = Duration::from_secs(90);

struct Env {
    emu: Emulator,
    c: DcsClient,
    time: ManualTime,
}

impl Env {
    /// A running instance with a finished backup and an available account, on a manual
    /// clock the client shares.
    async fn new() -> Self {
        let emu = Emulator::start().await.unwrap();
        emu.add_credentials(AK, SK, PROJECT);
        let time = ManualTime::new(SystemTime::now());
        emu.set_manual_clock(time.clone());
        emu.set_operation_delay(DELAY);
        emu.seed_instance(PROJECT, INSTANCE, "RUNNING");
        emu.seed_backup(PROJECT, INSTANCE, BACKUP);
        assert!(emu.seed_account(PROJECT, INSTANCE, ACCOUNT, "seeded-account"));
        let c = DcsClient::builder()
            .endpoint(emu.endpoint())
            .credentials(Credentials::new(AK, SK))
            .project_id(PROJECT)
            .config(dcs_client::ClientConfig::default().retry(RetryPolicy::disabled()))
            .clock(Arc::new(time.clone()))
            .sleeper(Arc::new(time.clone()))
            .jitter(Arc::new(|| 0.5))
            .build()
            .unwrap();
        Env { emu, c, time }
    }

    /// Lets the work in progress finish.
    fn finish(&self) {
        self.time.advance(DELAY);
    }
}

/// A call with its whole request read from `input` (path and query parameters by their API
/// names, and `body`), as the command line's input is.
macro_rules! fill {
    ($call:expr, $input:expr) => {{
        let mut call = $call;
        *call.request_mut() = dcs_model::strict::from_value("", &$input)
            .unwrap_or_else(|e| panic!("input refused: {e}"));
        call
    }};
}

/// The success and failure states of each row of `codegen/async.toml`.
fn table() -> BTreeMap<String, (Vec<String>, Vec<String>)> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../codegen/async.toml");
    let text = std::fs::read_to_string(path).unwrap();
    let list = |line: &str| -> Vec<String> {
        let inner = line.split_once('[').unwrap().1.rsplit_once(']').unwrap().0;
        inner
            .split(',')
            .map(|s| s.trim().trim_matches('"').to_string())
            .filter(|s| !s.is_empty())
            .collect()
    };
    let mut rows = BTreeMap::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        if let Some(name) = line
            .strip_prefix("[operations.")
            .and_then(|r| r.strip_suffix(']'))
        {
            current = Some(name.to_string());
            rows.insert(name.to_string(), (Vec::new(), Vec::new()));
        } else if let Some(op) = &current {
            let row = rows.get_mut(op).unwrap();
            if line.starts_with("success = ") {
                row.0 = list(line);
            } else if line.starts_with("failure = ") {
                row.1 = list(line);
            }
        }
    }
    rows
}

fn observer() -> (WaitOptions, Arc<Mutex<Vec<Observation>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let s = seen.clone();
    (
        WaitOptions::new().on_observe(move |o| s.lock().unwrap().push(o.clone())),
        seen,
    )
}

/// The wait reached a success state of the row, and its first poll did not.
fn check(op: &str, seen: &Mutex<Vec<Observation>>, states: &[String]) {
    let rows = table();
    let (success, _) = rows
        .get(op)
        .unwrap_or_else(|| panic!("{op} is not in the table"));
    let seen = seen.lock().unwrap();
    let first = seen.first().unwrap_or_else(|| panic!("{op}: no poll"));
    let first_done = first
        .state
        .as_deref()
        .is_some_and(|s| success.iter().any(|x| x == s))
        && !first.busy;
    assert!(
        !first_done,
        "{op}: the first poll already saw it done: {first:?}"
    );
    assert!(!states.is_empty(), "{op}: nothing waited for");
    for s in states {
        assert!(
            success.contains(s),
            "{op}: ended in {s}, not one of {success:?}"
        );
    }
    let last = seen.last().unwrap();
    assert!(
        last.elapsed >= DELAY,
        "{op}: done after {:?}, before the delay",
        last.elapsed
    );
}

/// One row: `send_and_wait_with` on the call the block builds (after any preparation).
macro_rules! waits {
    ($test:ident, $op:literal, |$s:ident| $call:block) => {
        #[tokio::test]
        async fn $test() {
            let $s = Env::new().await;
            let call = $call;
            let (opts, seen) = observer();
            let done = call
                .send_and_wait_with(opts)
                .await
                .unwrap_or_else(|e| panic!("{}: {e}", $op));
            let states: Vec<String> = done.completions.iter().map(|c| c.state.clone()).collect();
            check($op, &seen, &states);
            drop($s);
        }
    };
}

/// An online migration task waiting for its configuration.
async fn online_task(s: &Env) -> String {
    let out = fill!(
        s.c.create_online_migration_task(),
        json!({"body": {"name": "online-1", "vpc_id": "vpc-1", "subnet_id": "subnet-1", "security_group_id": "sg-1"}})
    )
    .send()
    .await
    .unwrap()
    .into_inner();
    let id = out.instance_id.unwrap();
    s.finish();
    id
}

/// An online migration task configured with `method`, migrating.
async fn configured_task(s: &Env, method: &str) -> String {
    let id = online_task(s).await;
    fill!(
        s.c.set_online_migration_task(&id),
        json!({"task_id": id, "body": {
            "migration_method": method,
            "resume_mode": "auto",
            "source_instance": {"addrs": "10.0.0.1:6379", "password": "Source#2026"},
            "target_instance": {"id": INSTANCE, "password": "Target#2026"},
        }})
    )
    .send()
    .await
    .unwrap();
    id
}

/// A finished backup-import migration task.
async fn import_task(s: &Env) -> String {
    let out = fill!(
        s.c.create_migration_task(),
        json!({"body": {
            "task_name": "import-1",
            "migration_type": "backupfile_import",
            "migration_method": "full_amount_migration",
            "backup_files": {"file_source": "self_build_obs", "bucket_name": "b", "files": [{"file_name": "dump.rdb"}]},
            "target_instance": {"id": INSTANCE, "password": "Target#2026"},
        }})
    )
    .send()
    .await
    .unwrap()
    .into_inner();
    s.finish();
    out.id.unwrap()
}

// Instances.

waits!(create_instance, "CreateInstance", |s| {
    fill!(
        s.c.create_instance(),
        json!({"body": {
            "name": "cache-1", "engine": "Redis", "engine_version": "5.0", "capacity": 0.125,
            "spec_code": "redis.single.xu1.tiny.128", "az_codes": ["az-1"], "vpc_id": "vpc-1",
            "subnet_id": "subnet-1", "password": "Strong#2026pw"
        }})
    )
});
waits!(resize_instance, "ResizeInstance", |s| {
    fill!(
        s.c.resize_instance(INSTANCE),
        json!({"instance_id": INSTANCE, "body": {"spec_code": "redis.ha.xu1.large.r2.2", "new_capacity": 2}})
    )
});
waits!(create_resize_order, "CreateResizeOrder", |s| {
    fill!(
        s.c.create_resize_order(INSTANCE),
        json!({"instance_id": INSTANCE, "body": {"spec_code": "redis.ha.xu1.large.r2.4", "new_capacity": 4}})
    )
});
waits!(restart_or_flush_instances, "RestartOrFlushInstances", |s| {
    fill!(
        s.c.restart_or_flush_instances(),
        json!({"body": {"instances": [INSTANCE], "action": "restart"}})
    )
});
waits!(update_instance, "UpdateInstance", |s| {
    fill!(
        s.c.update_instance(INSTANCE),
        json!({"instance_id": INSTANCE, "body": {"port": 6380}})
    )
});
waits!(change_master_standby, "ChangeMasterStandby", |s| {
    s.c.change_master_standby(INSTANCE)
});
waits!(migrate_az, "MigrateAz", |s| {
    fill!(
        s.c.migrate_az(INSTANCE),
        json!({"instance_id": INSTANCE, "body": {"execute_immediately": true, "new_available_zones": ["az-2"]}})
    )
});
waits!(reset_password, "ResetPassword", |s| {
    fill!(
        s.c.reset_password(INSTANCE),
        json!({"instance_id": INSTANCE, "body": {"new_password": "Newer#2026pw"}})
    )
});
waits!(update_instance_bandwidth, "UpdateInstanceBandwidth", |s| {
    s.c.update_instance_bandwidth(INSTANCE)
});
waits!(
    upgrade_instance_minor_version,
    "UpgradeInstanceMinorVersion",
    |s| {
        fill!(
            s.c.upgrade_instance_minor_version(INSTANCE),
            json!({"instance_id": INSTANCE, "body": {"engine_minor_version": "5.0.14"}})
        )
    }
);
waits!(delete_single_instance, "DeleteSingleInstance", |s| {
    s.c.delete_single_instance(INSTANCE)
});
waits!(batch_delete_instances, "BatchDeleteInstances", |s| {
    fill!(
        s.c.batch_delete_instances(),
        json!({"body": {"instances": [INSTANCE]}})
    )
});

// Backups and restores.

waits!(copy_instance, "CopyInstance", |s| {
    s.c.copy_instance(INSTANCE).remark("nightly")
});
waits!(restore_instance, "RestoreInstance", |s| {
    s.c.restore_instance(INSTANCE).backup_id(BACKUP)
});
waits!(delete_backup_file, "DeleteBackupFile", |s| {
    s.c.delete_backup_file(INSTANCE, BACKUP)
});

// Jobs.

waits!(
    change_master_standby_async,
    "ChangeMasterStandbyAsync",
    |s| { s.c.change_master_standby_async(INSTANCE) }
);
waits!(
    change_nodes_start_stop_status,
    "ChangeNodesStartStopStatus",
    |s| {
        fill!(
            s.c.change_nodes_start_stop_status(INSTANCE),
            json!({"instance_id": INSTANCE, "body": {"action": "stop", "node_ids": ["node-1"]}})
        )
    }
);
waits!(delete_ip_from_domain_name, "DeleteIpFromDomainName", |s| {
    s.c.delete_ip_from_domain_name(INSTANCE, "group-1", "node-1")
});
waits!(delete_public_ip, "DeletePublicIp", |s| {
    s.c.delete_public_ip(INSTANCE)
});
waits!(
    execute_cluster_switchover,
    "ExecuteClusterSwitchover",
    |s| {
        s.c.execute_cluster_switchover(INSTANCE, "group-1", "node-1")
    }
);
waits!(hang_up_kill_all_clients, "HangUpKillAllClients", |s| {
    fill!(
        s.c.hang_up_kill_all_clients(INSTANCE),
        json!({"instance_id": INSTANCE, "body": {"kill_all_nodes": true}})
    )
});
waits!(
    start_instance_resize_check_job,
    "StartInstanceResizeCheckJob",
    |s| {
        fill!(
            s.c.start_instance_resize_check_job(INSTANCE),
            json!({"instance_id": INSTANCE, "body": {"spec_code": "redis.ha.xu1.large.r2.2", "new_capacity": 2}})
        )
    }
);
waits!(update_bandwidth, "UpdateBandwidth", |s| {
    fill!(
        s.c.update_bandwidth(INSTANCE),
        json!({"instance_id": INSTANCE, "body": {"group_bandwidths": [{"group_id": "group-1", "target_bandwidth": 256}]}})
    )
});
waits!(
    update_client_ip_transparent_transmission,
    "UpdateClientIpTransparentTransmission",
    |s| {
        fill!(
            s.c.update_client_ip_transparent_transmission(INSTANCE),
            json!({"instance_id": INSTANCE, "body": {"transparent_client_ip_enable": true}})
        )
    }
);
waits!(update_instance_config, "UpdateInstanceConfig", |s| {
    fill!(
        s.c.update_instance_config(INSTANCE),
        json!({"instance_id": INSTANCE, "body": {"redis_config": [{"param_id": "1", "param_name": "timeout", "param_value": "100"}]}})
    )
});
waits!(update_ip_whitelist_async, "UpdateIpWhitelistAsync", |s| {
    fill!(
        s.c.update_ip_whitelist_async(INSTANCE),
        json!({"instance_id": INSTANCE, "body": {"enable_whitelist": true, "whitelist": [{"group_name": "app", "ip_list": ["10.0.0.0/24"]}]}})
    )
});
waits!(update_public_ip, "UpdatePublicIp", |s| {
    fill!(
        s.c.update_public_ip(INSTANCE),
        json!({"instance_id": INSTANCE, "body": {"publicip_id": "eip-1", "enable_ssl": false}})
    )
});
waits!(update_ssl_switch, "UpdateSslSwitch", |s| {
    fill!(
        s.c.update_ssl_switch(INSTANCE),
        json!({"instance_id": INSTANCE, "body": {"enabled": true}})
    )
});

// Accounts, whitelist and configuration.

waits!(create_acl_account, "CreateAclAccount", |s| {
    fill!(
        s.c.create_acl_account(INSTANCE),
        json!({"instance_id": INSTANCE, "body": {"account_name": "app-reader", "account_role": "read", "account_password": "Secret#2026pw"}})
    )
});
waits!(update_acl_account, "UpdateAclAccount", |s| {
    fill!(
        s.c.update_acl_account(INSTANCE, ACCOUNT),
        json!({"instance_id": INSTANCE, "account_id": ACCOUNT, "body": {"account_role": "write"}})
    )
});
waits!(
    reset_acl_account_pass_word,
    "ResetAclAccountPassWord",
    |s| {
        fill!(
            s.c.reset_acl_account_pass_word(INSTANCE, ACCOUNT),
            json!({"instance_id": INSTANCE, "account_id": ACCOUNT, "body": {"new_password": "Newer#2026pw"}})
        )
    }
);
waits!(delete_acl_account, "DeleteAclAccount", |s| {
    s.c.delete_acl_account(INSTANCE, ACCOUNT)
});
waits!(update_ip_whitelist, "UpdateIpWhitelist", |s| {
    fill!(
        s.c.update_ip_whitelist(INSTANCE),
        json!({"instance_id": INSTANCE, "body": {"enable_whitelist": true, "whitelist": [{"group_name": "app", "ip_list": ["10.0.0.0/24"]}]}})
    )
});
waits!(update_configurations, "UpdateConfigurations", |s| {
    fill!(
        s.c.update_configurations(INSTANCE),
        json!({"instance_id": INSTANCE, "body": {"redis_config": [{"param_id": "1", "param_name": "timeout", "param_value": "100"}]}})
    )
});

// Analyses and diagnosis.

waits!(create_bigkey_scan_task, "CreateBigkeyScanTask", |s| {
    s.c.create_bigkey_scan_task(INSTANCE)
});
waits!(create_hotkey_scan_task, "CreateHotkeyScanTask", |s| {
    s.c.create_hotkey_scan_task(INSTANCE)
});
waits!(
    create_auto_expire_scan_task,
    "CreateAutoExpireScanTask",
    |s| { s.c.create_auto_expire_scan_task(INSTANCE) }
);
waits!(scan_expire_key, "ScanExpireKey", |s| {
    s.c.scan_expire_key(INSTANCE)
});
waits!(
    create_offline_key_analysis,
    "CreateOfflineKeyAnalysis",
    |s| {
        fill!(
            s.c.create_offline_key_analysis(INSTANCE),
            json!({"instance_id": INSTANCE, "body": {"node_id": "node-1", "backup_id": BACKUP}})
        )
    }
);
waits!(
    delete_offline_key_analysis_task,
    "DeleteOfflineKeyAnalysisTask",
    |s| {
        let out = fill!(
            s.c.create_offline_key_analysis(INSTANCE),
            json!({"instance_id": INSTANCE, "body": {"node_id": "node-1", "backup_id": BACKUP}})
        )
        .send()
        .await
        .unwrap()
        .into_inner();
        s.finish();
        s.c.delete_offline_key_analysis_task(INSTANCE, out.task_id.unwrap())
    }
);
waits!(create_diagnosis_task, "CreateDiagnosisTask", |s| {
    fill!(
        s.c.create_diagnosis_task(INSTANCE),
        json!({"instance_id": INSTANCE, "body": {"begin_time": "1767225600000", "end_time": "1767229200000"}})
    )
});

// Migration.

waits!(create_migration_task, "CreateMigrationTask", |s| {
    fill!(
        s.c.create_migration_task(),
        json!({"body": {
            "task_name": "import-1",
            "migration_type": "backupfile_import",
            "migration_method": "full_amount_migration",
            "backup_files": {"file_source": "self_build_obs", "bucket_name": "b", "files": [{"file_name": "dump.rdb"}]},
            "target_instance": {"id": INSTANCE, "password": "Target#2026"},
        }})
    )
});
waits!(
    create_online_migration_task,
    "CreateOnlineMigrationTask",
    |s| {
        fill!(
            s.c.create_online_migration_task(),
            json!({"body": {"name": "online-1", "vpc_id": "vpc-1", "subnet_id": "subnet-1", "security_group_id": "sg-1"}})
        )
    }
);
waits!(set_online_migration_task, "SetOnlineMigrationTask", |s| {
    let id = online_task(&s).await;
    fill!(
        s.c.set_online_migration_task(&id),
        json!({"task_id": id, "body": {
            "migration_method": "incremental_migration",
            "resume_mode": "auto",
            "source_instance": {"addrs": "10.0.0.1:6379", "password": "Source#2026"},
            "target_instance": {"id": INSTANCE, "password": "Target#2026"},
        }})
    )
});
waits!(stop_migration_task, "StopMigrationTask", |s| {
    let id = configured_task(&s, "incremental_migration").await;
    s.finish();
    s.c.stop_migration_task(id)
});
waits!(batch_stop_migration_tasks, "BatchStopMigrationTasks", |s| {
    let id = configured_task(&s, "full_amount_migration").await;
    fill!(
        s.c.batch_stop_migration_tasks(),
        json!({"body": {"migration_tasks": [id]}})
    )
});
waits!(
    batch_restart_online_migration_tasks,
    "BatchRestartOnlineMigrationTasks",
    |s| {
        let id = configured_task(&s, "full_amount_migration").await;
        s.c.stop_migration_task(&id).send().await.unwrap();
        s.finish();
        fill!(
            s.c.batch_restart_online_migration_tasks(),
            json!({"body": {"migration_tasks": [id]}})
        )
    }
);
waits!(exchange_instance_ip, "ExchangeInstanceIp", |s| {
    let id = import_task(&s).await;
    fill!(
        s.c.exchange_instance_ip(&id),
        json!({"task_id": id, "body": {"exchanged_ip": ["10.0.0.5"], "is_exchange_domain": true}})
    )
});
waits!(
    rollback_exchange_instance_ip,
    "RollbackExchangeInstanceIp",
    |s| {
        let id = import_task(&s).await;
        s.c.rollback_exchange_instance_ip(id)
    }
);
waits!(delete_migration_task, "DeleteMigrationTask", |s| {
    let id = import_task(&s).await;
    fill!(
        s.c.delete_migration_task(),
        json!({"body": {"task_id_list": [id]}})
    )
});

/// Every row of the table with success states has its case above (read from this file).
#[test]
fn every_row_with_success_states_has_a_case() {
    // The operation named first in each invocation of the case macro (the pattern is split
    // so that this line is not one).
    let mine: Vec<String> = include_str!("waiters.rs")
        .split(concat!("waits", "!("))
        .skip(1)
        .filter_map(|case| case.split('"').nth(1).map(str::to_string))
        .collect();
    let mut rows: Vec<String> = table()
        .into_iter()
        .filter(|(_, (success, _))| !success.is_empty())
        .map(|(op, _)| op)
        .collect();
    let mut mine_sorted = mine.clone();
    mine_sorted.sort();
    mine_sorted.dedup();
    rows.sort();
    assert_eq!(mine_sorted.len(), mine.len(), "a case is there twice");
    assert_eq!(mine_sorted, rows);
    assert_eq!(rows.len(), 50);
}

// Failures: each kind armed, then the wait ends at once naming the state.

/// Arms `kind`, sends the call, and checks the wait failed at once with `state`.
macro_rules! fails {
    ($test:ident, $kind:expr, $state:literal, |$s:ident| $call:block) => {
        #[tokio::test]
        async fn $test() {
            let $s = Env::new().await;
            $s.emu.fail_next($kind);
            let call = $call;
            let e = call.send_and_wait().await.unwrap_err();
            assert_eq!(e.kind(), ErrorKind::Wait, "{e}");
            assert_eq!(e.failure_state(), Some($state), "{e}");
            assert!(e.to_string().contains($state), "{e}");
            // At once: the first poll that sees the end, right after the delay.
            let w = e.wait_error().unwrap();
            assert!(w.elapsed() < DELAY * 2, "{e}");
        }
    };
}

fails!(
    a_failed_create_is_createfailed,
    WorkKind::Create,
    "CREATEFAILED",
    |s| {
        fill!(
            s.c.create_instance(),
            json!({"body": {
                "name": "cache-1", "engine": "Redis", "capacity": 1,
                "spec_code": "redis.ha.xu1.large.r2.1", "az_codes": ["az-1"], "vpc_id": "vpc-1",
                "subnet_id": "subnet-1"
            }})
        )
    }
);
fails!(a_failed_resize_is_error, WorkKind::Resize, "ERROR", |s| {
    s.c.resize_instance(INSTANCE)
        .spec_code("redis.ha.xu1.large.r2.2")
        .new_capacity(2.0)
});
fails!(a_failed_restart_is_error, WorkKind::Restart, "ERROR", |s| {
    s.c.restart_or_flush_instances()
        .instances([INSTANCE])
        .action("restart")
});
fails!(a_failed_backup_is_failed, WorkKind::Backup, "failed", |s| {
    s.c.copy_instance(INSTANCE)
});
fails!(
    a_failed_restore_is_failed,
    WorkKind::Restore,
    "failed",
    |s| { s.c.restore_instance(INSTANCE).backup_id(BACKUP) }
);
fails!(a_failed_job_is_fail, WorkKind::Job, "FAIL", |s| {
    s.c.change_master_standby_async(INSTANCE)
});
fails!(
    a_failed_account_is_createfailed,
    WorkKind::Account,
    "CREATEFAILED",
    |s| {
        fill!(
            s.c.create_acl_account(INSTANCE),
            json!({"instance_id": INSTANCE, "body": {"account_name": "app", "account_role": "read", "account_password": "Secret#2026pw"}})
        )
    }
);
fails!(
    a_failed_analysis_is_failed,
    WorkKind::Analysis,
    "failed",
    |s| { s.c.create_bigkey_scan_task(INSTANCE) }
);
fails!(
    a_failed_migration_is_failed,
    WorkKind::Migration,
    "FAILED",
    |s| {
        fill!(
            s.c.create_migration_task(),
            json!({"body": {
                "task_name": "import-1",
                "migration_type": "backupfile_import",
                "migration_method": "full_amount_migration",
                "backup_files": {"file_source": "self_build_obs", "bucket_name": "b", "files": [{"file_name": "dump.rdb"}]},
                "target_instance": {"id": INSTANCE, "password": "Target#2026"},
            }})
        )
    }
);
fails!(
    a_failed_configuration_is_failure,
    WorkKind::Config,
    "FAILURE",
    |s| {
        fill!(
            s.c.update_configurations(INSTANCE),
            json!({"instance_id": INSTANCE, "body": {"redis_config": [{"param_id": "1", "param_name": "timeout", "param_value": "100"}]}})
        )
    }
);

/// A failed background task (the minor version upgrade's table row has no failure state,
/// so the named waiter, which fails on `FAILED`, follows it).
#[tokio::test]
async fn a_failed_background_task_ends_the_named_wait() {
    let s = Env::new().await;
    s.emu.fail_next(WorkKind::Task);
    let out = fill!(
        s.c.upgrade_instance_minor_version(INSTANCE),
        json!({"instance_id": INSTANCE, "body": {"engine_minor_version": "5.0.14"}})
    )
    .send()
    .await
    .unwrap()
    .into_inner();
    let e =
        s.c.wait_for_background_task(INSTANCE, out.task_id.unwrap())
            .wait()
            .await
            .unwrap_err();
    assert_eq!(e.failure_state(), Some("FAILED"), "{e}");
}

/// With no delay everything is done at once, and a wait ends at its first polls.
#[tokio::test]
async fn with_no_delay_work_is_done_at_once() {
    let s = Env::new().await;
    s.emu.set_operation_delay(Duration::ZERO);
    let done = s.c.copy_instance(INSTANCE).send_and_wait().await.unwrap();
    assert_eq!(done.completions[0].polls, 1);
    let done =
        s.c.resize_instance(INSTANCE)
            .spec_code("redis.ha.xu1.large.r2.2")
            .new_capacity(2.0)
            .send_and_wait()
            .await
            .unwrap();
    // RUNNING twice in a row.
    assert_eq!(done.completions[0].polls, 2);
}

/// A frozen or failed instance refuses changes with the busy code, and a wait for it to run
/// ends at once on the failure state.
#[tokio::test]
async fn a_seeded_failure_state_is_kept_and_refuses_changes() {
    let s = Env::new().await;
    for status in ["CREATEFAILED", "ERROR", "FROZEN"] {
        s.emu.seed_instance(PROJECT, INSTANCE, status);
        let e = s.c.copy_instance(INSTANCE).send().await.unwrap_err();
        assert_eq!(
            e.error_code(),
            Some(dcs_model::codes::INSTANCE_STATE_NOT_ALLOWED),
            "{e}"
        );
        assert!(e.is_instance_busy(), "{e}");
        let e =
            s.c.wait_until_instance_running(INSTANCE)
                .wait()
                .await
                .unwrap_err();
        assert_eq!(e.failure_state(), Some(status), "{e}");
        assert_eq!(e.wait_error().unwrap().polls(), 1);
        s.finish();
        assert_eq!(
            s.emu.instance_status(PROJECT, INSTANCE).as_deref(),
            Some(status)
        );
    }
    let e =
        s.c.copy_instance("no-such-instance")
            .send()
            .await
            .unwrap_err();
    assert_eq!(
        e.error_code(),
        Some(dcs_model::codes::INSTANCE_NOT_FOUND),
        "{e}"
    );
    // A read of a frozen instance is answered.
    let shown =
        s.c.show_instance(INSTANCE)
            .send()
            .await
            .unwrap()
            .into_inner();
    assert_eq!(
        shown.status.map(|v| v.as_str().to_string()).as_deref(),
        Some("FROZEN")
    );
}
