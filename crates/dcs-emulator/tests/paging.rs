//! Paging in the stateful tier refuses nothing of its own: a `limit` or `offset` is refused
//! only where the reviewed rules (`codegen/constraints.toml`) say so, the same rules the client
//! checks, so the emulator never refuses a request the API reference allows.

mod common;
use common::{client, AK, PROJECT, SK};
use dcs_emulator::Emulator;

const INSTANCE: &str = "6b4c2a3e-9f1d-4e5a-8c7b-00000000e001";

async fn with_backups(n: usize) -> Emulator {
    let emu = Emulator::start().await.unwrap();
    emu.add_credentials(AK, SK, PROJECT);
    emu.seed_instance(PROJECT, INSTANCE, "RUNNING");
    for i in 0..n {
        emu.seed_backup(
            PROJECT,
            INSTANCE,
            &format!("b4c7e2a1-0d3f-4a5b-9c8d-{i:012}"),
        );
    }
    emu
}

/// ListBackupRecords has no rule on `limit` (the reference gives no bounds): a limit past 1000
/// is answered with every record, not refused.
#[tokio::test]
async fn a_limit_no_rule_bounds_is_answered() {
    let emu = with_backups(12).await;
    let page = client(&emu)
        .list_backup_records(INSTANCE)
        .limit(5000)
        .send()
        .await
        .expect("no rule bounds this limit: the emulator must answer it");
    assert_eq!(page.backup_record_response.as_ref().map(Vec::len), Some(12));
    assert_eq!(page.total_num, Some(12));
}

/// Offsets and limits within the rules page as the service does: `limit` records from
/// `offset`, and a limit below 1 (allowed where the rule says "at least 0") takes the default
/// of 10.
#[tokio::test]
async fn pages_follow_offset_and_limit() {
    let emu = with_backups(12).await;
    let c = client(&emu);
    let page = c
        .list_backup_records(INSTANCE)
        .offset(10)
        .limit(5)
        .send()
        .await
        .unwrap();
    assert_eq!(page.backup_record_response.as_ref().map(Vec::len), Some(2));
    let page = c
        .list_backup_records(INSTANCE)
        .limit(0)
        .send()
        .await
        .unwrap();
    assert_eq!(page.backup_record_response.as_ref().map(Vec::len), Some(10));
}
