//! The `delete_task` example's contract: what it prints and its exit codes (0 deleted, 1 the
//! service answered with an error, 2 invalid input, 3 transport failure). `cargo test` and
//! `cargo test -p dcs-tasks` build the examples, so the binary sits next to this test's own
//! directory; `cargo test --test example_cli` alone does not build (or rebuild) them.

use dcs_emulator::{Emulator, TaskStatus};
use std::path::PathBuf;
use std::process::{Command, Output};

const AK: &str = "CLITESTAK00000000001";
const SK: &str = "cli-test-secret-key";
const PROJECT: &str = "0a1b2c3d4e5f40718293a4b5c6d7e8f9";

fn example() -> PathBuf {
    // target/debug/deps/example_cli-HASH -> target/debug/examples/delete_task
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().unwrap().parent().unwrap();
    let path = dir
        .join("examples")
        .join(format!("delete_task{}", std::env::consts::EXE_SUFFIX));
    assert!(path.exists(), "example not built at {}", path.display());
    path
}

fn run(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(example());
    cmd.args(args);
    for var in [
        "HUAWEICLOUD_SDK_AK",
        "HUAWEICLOUD_SDK_SK",
        "HUAWEICLOUD_SDK_PROJECT_ID",
        "HUAWEICLOUD_SDK_SECURITY_TOKEN",
        "HUAWEICLOUD_SDK_REGION",
        "DCS_ENDPOINT",
    ] {
        cmd.env_remove(var);
    }
    cmd.envs(env.iter().copied());
    cmd.output().unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn without_credentials_it_demonstrates_against_the_embedded_emulator() {
    let out = run(&["--message", "done"], &[]);
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert_eq!(out.status.code(), Some(0), "{stdout}{stderr}");
    assert!(
        stdout.contains("deleted task ff8080818e1c6f1b018e2b7d5a3c0042"),
        "{stdout}"
    );
    assert!(
        stdout.contains("second delete: HTTP 404 DCS.4001"),
        "{stdout}"
    );
    assert!(stdout.contains("request id "), "{stdout}");
}

#[test]
fn invalid_input_exits_2_and_sends_nothing() {
    let out = run(&["a/b"], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("nothing was sent"));
    for args in [
        &["--timeout", "soon"][..],
        &["--timeout", "0"],
        &["--max-attempts", "0"],
        &["--bogus"],
        &["one", "two"],
    ] {
        assert_eq!(run(args, &[]).status.code(), Some(2), "{args:?}");
    }
    // Half the credentials is a mistake, not a request for the demo.
    let out = run(&["t"], &[("HUAWEICLOUD_SDK_AK", AK)]);
    assert_eq!(out.status.code(), Some(2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn against_a_service_it_exits_0_then_1_with_the_error_details() {
    let emu = Emulator::start().await.unwrap();
    emu.add_credentials(AK, SK, PROJECT);
    emu.seed_task(PROJECT, "task-1", TaskStatus::Success);
    let endpoint = emu.endpoint();
    let env = [
        ("HUAWEICLOUD_SDK_AK", AK),
        ("HUAWEICLOUD_SDK_SK", SK),
        ("HUAWEICLOUD_SDK_PROJECT_ID", PROJECT),
        ("DCS_ENDPOINT", endpoint.as_str()),
    ];
    let first = tokio::task::spawn_blocking({
        let env = env.map(|(k, v)| (k, v.to_string()));
        move || {
            let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let first = run(&["--message", "cleanup", "task-1"], &env);
            let second = run(&["task-1"], &env);
            let mut wrong = env.clone();
            wrong[1] = ("HUAWEICLOUD_SDK_SK", "wrong");
            let unauthorized = run(&["task-1"], &wrong);
            (first, second, unauthorized)
        }
    })
    .await
    .unwrap();
    let (ok, missing, unauthorized) = first;
    assert_eq!(ok.status.code(), Some(0), "{}", text(&ok.stderr));
    assert!(text(&ok.stdout).contains("deleted task task-1"));
    assert!(!emu.task_exists(PROJECT, "task-1"));
    assert_eq!(emu.requests()[0].body, br#"{"message":"cleanup"}"#);

    assert_eq!(missing.status.code(), Some(1));
    let err = text(&missing.stderr);
    assert!(err.contains("status:     404"), "{err}");
    assert!(err.contains("error_code: DCS.4001"), "{err}");
    assert!(!err.contains("request id: -"), "{err}");

    assert_eq!(unauthorized.status.code(), Some(1));
    assert!(text(&unauthorized.stderr).contains("error_code: APIGW.0301"));
}

#[test]
fn a_transport_failure_exits_3() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let endpoint = format!("http://127.0.0.1:{port}");
    let out = run(
        &["--max-attempts", "1", "--timeout", "5", "task-1"],
        &[
            ("HUAWEICLOUD_SDK_AK", AK),
            ("HUAWEICLOUD_SDK_SK", SK),
            ("HUAWEICLOUD_SDK_PROJECT_ID", PROJECT),
            ("DCS_ENDPOINT", &endpoint),
        ],
    );
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("connection failed"));
}
