//! Interop: the official Huawei Cloud Python SDK (`huaweicloudsdkdcs`) against our emulator.
//!
//! The emulator verifies every signature, so the official SDK's own requests passing it (and a
//! wrong secret key failing it) shows that our verifier, and the signer it shares with the
//! client, agree with Huawei's implementation on real requests, not only on stored vectors.
//!
//! Needs `DCS_OFFICIAL_SDK_PYTHON`: a Python interpreter with `huaweicloudsdkdcs` installed
//! (`.ci/run` sets one up). Without it the test says it was skipped and passes, so that
//! `cargo test --workspace` works on a machine with only Rust.

use dcs_e2e::{AK, PROJECT, SK};
use dcs_emulator::{Emulator, TaskStatus};
use std::path::PathBuf;
use std::time::Duration;

const TASK: &str = "ff8080818e1c6f1b018e2b7d5a3c9999";

fn script() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("interop/official_python.py")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_official_python_sdk_is_served_and_verified_like_our_client() {
    let Some(python) = std::env::var_os("DCS_OFFICIAL_SDK_PYTHON") else {
        eprintln!("skipped: set DCS_OFFICIAL_SDK_PYTHON to a Python with huaweicloudsdkdcs");
        return;
    };
    let emu = Emulator::start().await.expect("emulator starts");
    emu.add_credentials(AK, SK, PROJECT);
    emu.seed_task(PROJECT, TASK, TaskStatus::Success);
    let mut cmd = std::process::Command::new(python);
    cmd.arg(script())
        .args(["check", &emu.endpoint(), AK, SK, PROJECT, TASK]);
    let run = tokio::task::spawn_blocking(move || cmd.output());
    let out = tokio::time::timeout(Duration::from_secs(120), run)
        .await
        .expect("the official SDK finished within 120 s")
        .unwrap()
        .expect("python starts");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "python failed: {stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let calls: Vec<Vec<&str>> = stdout
        .lines()
        .filter_map(|l| l.strip_prefix("CALL "))
        .map(|l| l.split(' ').collect())
        .collect();
    assert_eq!(calls.len(), 3, "{stdout}");

    // 1. Deleted, with the message in a JSON body the emulator accepted.
    assert_eq!(calls[0][..2], ["delete", "200"], "{stdout}");
    assert!(!emu.task_exists(PROJECT, TASK));
    // 2. Gone: the official SDK reads our 404 body as DCS.4001, with our request id.
    assert_eq!(
        calls[1][..3],
        ["delete_again", "404", "DCS.4001"],
        "{stdout}"
    );
    // 3. A wrong secret key fails our signature check, and the SDK reads the gateway's code.
    assert_eq!(calls[2][..3], ["wrong_sk", "401", "APIGW.0301"], "{stdout}");

    let seen = emu.requests();
    assert_eq!(seen.len(), 3);
    assert_eq!(
        seen.iter().map(|r| r.status).collect::<Vec<_>>(),
        [200, 404, 401]
    );
    assert_eq!(
        calls[1][3].len(),
        32,
        "our request id reached the SDK: {stdout}"
    );
    let first = &seen[0];
    assert_eq!(first.method, "DELETE");
    assert_eq!(first.path, format!("/v2/{PROJECT}/tasks/{TASK}"));
    let body: serde_json::Value = serde_json::from_slice(&first.body).expect("a JSON body");
    assert_eq!(body["message"], "deleted by the interop test");
    let auth = first.header("authorization").expect("signed");
    assert!(
        auth.starts_with(&format!("SDK-HMAC-SHA256 Access={AK}, ")),
        "{auth}"
    );
}
