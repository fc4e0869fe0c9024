//! The `delete_task` example's contract: what it prints and its exit codes (0 deleted, 1 the
//! service answered with an error, 2 invalid input, 3 transport failure). `cargo test` and
//! `cargo test -p dcs-tasks` build the examples, so the binary sits next to this test's own
//! directory; `cargo test --test example_cli` alone does not build (or rebuild) them.

use dcs_emulator::{Emulator, TaskStatus};
use std::ffi::OsString;
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
    let args: Vec<OsString> = args.iter().map(OsString::from).collect();
    let env: Vec<(&str, OsString)> = env.iter().map(|(k, v)| (*k, OsString::from(v))).collect();
    run_os(&args, &env)
}

/// Like [`run`], for arguments and values that need not be UTF-8.
fn run_os(args: &[OsString], env: &[(&str, OsString)]) -> Output {
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
    // The example finds configuration as the library does: no profile file of the machine's
    // user, and never the real metadata service (a link-local address) from a test.
    let home = std::env::temp_dir().join("dcs-example-test-home-empty");
    let _ = std::fs::create_dir_all(&home);
    cmd.env("HOME", home)
        .env("HUAWEICLOUD_SDK_METADATA_DISABLED", "true")
        .env_remove("HUAWEICLOUD_SDK_PROFILE")
        .env_remove("HUAWEICLOUD_SDK_CREDENTIALS_FILE");
    cmd.envs(env.iter().map(|(k, v)| (k, v)));
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
    let nobody = closed_endpoint();
    let out = run(
        &["a/b"],
        &[
            ("HUAWEICLOUD_SDK_AK", AK),
            ("HUAWEICLOUD_SDK_SK", SK),
            ("HUAWEICLOUD_SDK_PROJECT_ID", PROJECT),
            ("DCS_ENDPOINT", &nobody),
        ],
    );
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

/// A loopback URL nothing listens on.
fn closed_endpoint() -> String {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    format!("http://127.0.0.1:{port}")
}

#[test]
fn a_transport_failure_exits_3() {
    let endpoint = closed_endpoint();
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

#[cfg(unix)]
fn not_utf8() -> OsString {
    use std::os::unix::ffi::OsStringExt;
    OsString::from_vec(b"ab\xffcd".to_vec())
}

/// Full credentials and an endpoint nobody listens on, with `name` replaced by `value`.
fn env_with(endpoint: &str, name: &str, value: OsString) -> Vec<(&'static str, OsString)> {
    let mut env: Vec<(&'static str, OsString)> = vec![
        ("HUAWEICLOUD_SDK_AK", AK.into()),
        ("HUAWEICLOUD_SDK_SK", SK.into()),
        ("HUAWEICLOUD_SDK_PROJECT_ID", PROJECT.into()),
        ("DCS_ENDPOINT", endpoint.into()),
    ];
    env.retain(|(k, _)| *k != name);
    env.push((static_name(name), value));
    env
}

fn static_name(name: &str) -> &'static str {
    [
        "HUAWEICLOUD_SDK_AK",
        "HUAWEICLOUD_SDK_SK",
        "HUAWEICLOUD_SDK_PROJECT_ID",
        "HUAWEICLOUD_SDK_SECURITY_TOKEN",
        "HUAWEICLOUD_SDK_REGION",
        "DCS_ENDPOINT",
    ]
    .into_iter()
    .find(|n| *n == name)
    .unwrap()
}

const BOUNDED: [&str; 4] = ["--max-attempts", "1", "--timeout", "3"];

fn bounded_args(extra: &[&str]) -> Vec<OsString> {
    BOUNDED.iter().chain(extra).map(OsString::from).collect()
}

/// Asserts a configuration error: exit 2, `name` named, and no demo or request.
fn assert_config_error(out: &Output, name: &str, why: &str) {
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert_eq!(out.status.code(), Some(2), "{name}: {stdout}{stderr}");
    assert!(
        stderr.contains(&format!("{name} {why}")),
        "{name}: {stderr}"
    );
    assert!(!stdout.contains("deleted task"), "{name}: {stdout}");
    assert!(!stdout.contains("emulator"), "{name}: {stdout}");
}

#[test]
fn empty_credentials_are_a_configuration_error_not_the_demo() {
    let nobody = closed_endpoint();
    // All three empty, with an endpoint and a task id: once the demo's "deleted task".
    let env: Vec<(&str, OsString)> = vec![
        ("HUAWEICLOUD_SDK_AK", "".into()),
        ("HUAWEICLOUD_SDK_SK", "".into()),
        ("HUAWEICLOUD_SDK_PROJECT_ID", "".into()),
        ("DCS_ENDPOINT", nobody.as_str().into()),
    ];
    let out = run_os(&bounded_args(&["task-1"]), &env);
    assert_config_error(&out, "HUAWEICLOUD_SDK_AK", "is set but empty");
    // The same with a region instead of an endpoint.
    let env: Vec<(&str, OsString)> = vec![
        ("HUAWEICLOUD_SDK_AK", "".into()),
        ("HUAWEICLOUD_SDK_SK", "".into()),
        ("HUAWEICLOUD_SDK_PROJECT_ID", "".into()),
        ("HUAWEICLOUD_SDK_REGION", "cn-north-4".into()),
    ];
    let out = run_os(&bounded_args(&["task-1"]), &env);
    assert_config_error(&out, "HUAWEICLOUD_SDK_AK", "is set but empty");
    // Each variable alone, empty, is named.
    for name in [
        "HUAWEICLOUD_SDK_AK",
        "HUAWEICLOUD_SDK_SK",
        "HUAWEICLOUD_SDK_PROJECT_ID",
        "HUAWEICLOUD_SDK_SECURITY_TOKEN",
        "DCS_ENDPOINT",
    ] {
        let out = run_os(
            &bounded_args(&["task-1"]),
            &env_with(&nobody, name, "".into()),
        );
        assert_config_error(&out, name, "is set but empty");
    }
    // A task id without any credentials is a request for a real service, not the demo.
    let out = run(&["task-1"], &[]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stdout));
    assert!(!text(&out.stdout).contains("deleted task"));
    assert!(text(&out.stderr).contains("HUAWEICLOUD_SDK_AK"));
}

#[cfg(unix)]
#[test]
fn variables_that_are_not_utf8_are_configuration_errors() {
    let nobody = closed_endpoint();
    for name in [
        "HUAWEICLOUD_SDK_AK",
        "HUAWEICLOUD_SDK_SK",
        "HUAWEICLOUD_SDK_PROJECT_ID",
        // Once dropped silently: the request went out without the token.
        "HUAWEICLOUD_SDK_SECURITY_TOKEN",
        "DCS_ENDPOINT",
    ] {
        let out = run_os(
            &bounded_args(&["task-1"]),
            &env_with(&nobody, name, not_utf8()),
        );
        assert_config_error(&out, name, "is not valid UTF-8");
    }
    // A non-UTF-8 endpoint once fell back to the region's public endpoint.
    let env: Vec<(&str, OsString)> = vec![
        ("HUAWEICLOUD_SDK_AK", AK.into()),
        ("HUAWEICLOUD_SDK_SK", SK.into()),
        ("HUAWEICLOUD_SDK_PROJECT_ID", PROJECT.into()),
        ("HUAWEICLOUD_SDK_REGION", "cn-north-4".into()),
        ("DCS_ENDPOINT", not_utf8()),
    ];
    let out = run_os(&bounded_args(&["task-1"]), &env);
    assert_config_error(&out, "DCS_ENDPOINT", "is not valid UTF-8");
}

#[cfg(unix)]
#[test]
fn arguments_that_are_not_utf8_are_refused_with_exit_2() {
    let nobody = closed_endpoint();
    let env = env_with(&nobody, "DCS_ENDPOINT", nobody.as_str().into());
    for args in [
        vec![not_utf8()],
        vec!["--message".into(), not_utf8(), "task-1".into()],
    ] {
        for env in [&env[..], &[]] {
            let out = run_os(&args, env);
            let stderr = text(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
            assert!(stderr.contains("is not valid UTF-8"), "{args:?}: {stderr}");
            assert!(!stderr.contains("panicked"), "{stderr}");
        }
    }
}

/// A loopback server answering every request with a 400 whose code and message hold CR, LF
/// and an ANSI escape and whose `request_id` is 900 kB long.
async fn hostile_server() -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let body = format!(
        r#"{{"error_code":"DCS.\r\n4000\u001b[2J","error_msg":"bad\r\nerror_code: FORGED\n\u001b[2Jcleared","request_id":"{}"}}"#,
        "r".repeat(900 * 1024)
    );
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            let body = body.clone();
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                // The request is a DELETE whose small body arrives with its head.
                while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                    match sock.read(&mut chunk).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    }
                }
                let head = format!(
                    "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                );
                let _ = sock.write_all(head.as_bytes()).await;
                let _ = sock.write_all(body.as_bytes()).await;
                let _ = sock.shutdown().await;
            });
        }
    });
    format!("http://{addr}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_text_in_the_error_report_is_escaped_and_bounded() {
    let endpoint = hostile_server().await;
    let out = tokio::task::spawn_blocking(move || {
        run(
            &["--max-attempts", "1", "task-1"],
            &[
                ("HUAWEICLOUD_SDK_AK", AK),
                ("HUAWEICLOUD_SDK_SK", SK),
                ("HUAWEICLOUD_SDK_PROJECT_ID", PROJECT),
                ("DCS_ENDPOINT", &endpoint),
            ],
        )
    })
    .await
    .unwrap();
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(!stderr.contains('\r'), "raw CR: {stderr:?}");
    assert!(!stderr.contains('\u{1b}'), "raw ESC: {stderr:?}");
    // One line per item: the message cannot forge an `error_code:` line of its own.
    let code_lines = stderr
        .lines()
        .filter(|l| l.trim_start().starts_with("error_code:"))
        .count();
    assert_eq!(code_lines, 1, "{stderr}");
    assert!(
        stderr.contains("error_code: DCS.\\u{d}\\u{a}4000\\u{1b}[2J"),
        "{stderr}"
    );
    assert!(stderr.len() < 4096, "stderr is {} bytes", stderr.len());
    assert!(stderr.contains("characters in all"), "{stderr}");
}
