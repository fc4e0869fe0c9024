//! Interop: the official Huawei Cloud Python SDK (`huaweicloudsdkdcs`) against our emulator.
//!
//! The emulator verifies every signature, so the official SDK's own requests passing it (and a
//! wrong secret key failing it) shows that our verifier, and the signer it shares with the
//! client, agree with Huawei's implementation on real requests, not only on stored vectors.
//!
//! Needs `DCS_OFFICIAL_SDK_PYTHON`: a Python interpreter with `huaweicloudsdkdcs` installed
//! (`.ci/run` sets one up from `tests/interop/requirements.txt`). Without it the test prints
//! `official SDK interop: SKIPPED` past the test harness's capture and passes, so that
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
        // Written to the real stderr (not the harness's capture) so the skip always shows.
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr().lock(),
            "official SDK interop: SKIPPED (set DCS_OFFICIAL_SDK_PYTHON to a Python with huaweicloudsdkdcs)"
        );
        return;
    };
    let emu = Emulator::start().await.expect("emulator starts");
    emu.add_credentials(AK, SK, PROJECT);
    emu.seed_task(PROJECT, TASK, TaskStatus::Success);
    let child = std::process::Command::new(python)
        .arg(script())
        .args(["check", &emu.endpoint(), AK, SK, PROJECT, TASK])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("python starts");
    let out = tokio::task::spawn_blocking(move || finish_within(child, Duration::from_secs(120)))
        .await
        .unwrap();
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

/// Waits for `child` and returns its output; kills it and panics if it runs past `limit`.
fn finish_within(mut child: std::process::Child, limit: Duration) -> std::process::Output {
    let deadline = std::time::Instant::now() + limit;
    while child.try_wait().expect("can wait for python").is_none() {
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the official SDK ran over {limit:?} and was killed");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().expect("python's output")
}
