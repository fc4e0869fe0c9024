//! Issue 20: `dcs` as good as the aws CLI. The real binary against the emulator (in-process,
//! over loopback TCP): every operation queryable and paged, per-operation help, templates
//! that run, names in any spelling, errors that say what to do (as JSON too), `--version`,
//! `--debug`, `dcs configure`, closed pipes, completions.

mod support;

use dcs_emulator::{Fault, ScriptedFault};
use serde_json::{json, Value};
use std::process::Command;
use std::time::Duration;
use support::*;

fn lists(emu: &dcs_emulator::Emulator) -> usize {
    emu.requests()
        .iter()
        .filter(|r| r.method == "GET" && r.path.ends_with("/tasks"))
        .count()
}

/// `dcs call ListCenterTask --all` over 2,500 tasks: every page, one JSON document, every
/// task once; `--page-size` sets the page; `--query` and text print bare values.
#[tokio::test(flavor = "multi_thread")]
async fn call_all_walks_every_page_of_2500_tasks() {
    let emu = emulator().await;
    emu.seed_tasks(PROJECT, 2500);
    let e = emu.endpoint();

    let out = dcs(
        &["call", "ListCenterTask", "--all", "--page-size", "1000"],
        &e,
    )
    .await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v = json(&out);
    let tasks = v["tasks"].as_array().unwrap();
    assert_eq!(tasks.len(), 2500);
    let mut ids: Vec<&str> = tasks.iter().map(|t| t["id"].as_str().unwrap()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 2500, "every task once");
    assert_eq!(v["task_count"], "2500", "the page's other fields are kept");
    assert_eq!(lists(&emu), 3, "1000 + 1000 + 500");

    // The service's default page (10) takes 250 pages: still one document.
    let out = dcs(
        &[
            "call",
            "ListCenterTask",
            "--all",
            "--query",
            "length(tasks)",
        ],
        &e,
    )
    .await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "2500\n");

    let out = dcs(
        &[
            "call",
            "ListCenterTask",
            "--all",
            "--page-size",
            "1000",
            "--query",
            "tasks[].id",
            "--output",
            "text",
        ],
        &e,
    )
    .await;
    let t = text(&out.stdout);
    assert_eq!(t.lines().count(), 2500);
    assert!(t.lines().all(|l| l.starts_with("seed-task-")), "bare ids");

    // One page without --all; --all on an operation that is not paged is refused.
    let out = dcs(&["call", "ListCenterTask", "--page-size", "7"], &e).await;
    assert_eq!(json(&out)["tasks"].as_array().unwrap().len(), 7);
    let before = emu.request_count();
    let out = dcs(&["call", "ShowQuotaOfTenant", "--all"], &e).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("not paged") && text(&out.stderr).contains("ListCenterTask"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(emu.request_count(), before, "nothing sent");
}

/// `--query` with `--output tsv` or `text` prints bare values (no quotes, no JSON), one row
/// per list item; the aws CLI's legacy literals work; TSV cuts nothing.
#[tokio::test(flavor = "multi_thread")]
async fn queries_print_bare_values_in_tsv_and_text() {
    let emu = emulator().await;
    emu.seed_instance(PROJECT, "inst-a", "RUNNING");
    emu.seed_instance(PROJECT, "inst-b", "RUNNING");
    emu.seed_instance(PROJECT, "inst-c", "CREATEFAILED");
    let e = emu.endpoint();

    let out = dcs(
        &[
            "instances",
            "show",
            "inst-a",
            "--query",
            "status",
            "--output",
            "tsv",
        ],
        &e,
    )
    .await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "RUNNING\n");

    let out = dcs(
        &[
            "instances",
            "list",
            "--query",
            "[?status==`RUNNING`].instance_id",
            "--output",
            "tsv",
        ],
        &e,
    )
    .await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let mut ids: Vec<String> = text(&out.stdout).lines().map(str::to_string).collect();
    ids.sort();
    assert_eq!(ids, ["inst-a", "inst-b"], "the legacy literal, bare values");

    let out = dcs(
        &[
            "call",
            "ShowInstance",
            "--input-json",
            r#"{"instance_id": "inst-c"}"#,
            "--query",
            "[instance_id, status]",
            "--output",
            "text",
        ],
        &e,
    )
    .await;
    assert_eq!(text(&out.stdout), "inst-c\nCREATEFAILED\n");

    let out = dcs(
        &[
            "instances",
            "list",
            "--query",
            "[].[instance_id, status]",
            "-o",
            "text",
        ],
        &e,
    )
    .await;
    let t = text(&out.stdout);
    assert!(t.lines().any(|l| l == "inst-c\tCREATEFAILED"), "{t}");

    // TSV is lossless: every value whole, whatever its length.
    let full = json(&dcs(&["instances", "show", "inst-a", "-o", "json"], &e).await);
    let out = dcs(&["instances", "show", "inst-a", "-o", "tsv"], &e).await;
    let t = text(&out.stdout);
    assert!(!t.contains("characters in all"), "{t}");
    for (k, v) in full.as_object().unwrap() {
        let line = t
            .lines()
            .find(|l| l.split('\t').next() == Some(k.as_str()))
            .unwrap_or_else(|| panic!("{k} missing: {t}"));
        let cell = line.split_once('\t').unwrap().1;
        let want = match v {
            Value::String(s) => s.clone(),
            Value::Null => String::new(),
            other => other.to_string(),
        };
        assert_eq!(cell.replace("\\\\", "\\"), want, "{k}");
    }

    // A query that does not parse is refused before anything is sent.
    let before = emu.request_count();
    let out = dcs(&["instances", "list", "--query", "[?"], &e).await;
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(emu.request_count(), before);
}

/// Sizes below 1 GB show in the instance table (`capacity_minor`).
#[tokio::test(flavor = "multi_thread")]
async fn the_table_shows_sub_gigabyte_capacities() {
    let emu = emulator().await;
    emu.set_operation_delay(Duration::ZERO);
    let e = emu.endpoint();
    let out = dcs(
        &[
            "instances",
            "create",
            "--name",
            "tiny-1",
            "--capacity",
            "0.125",
            "--spec-code",
            "redis.single.xu1.tiny.128",
            "--az",
            "cn-north-4a",
            "--vpc-id",
            "vpc-1",
            "--subnet-id",
            "subnet-1",
        ],
        &e,
    )
    .await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = dcs(&["instances", "list", "-o", "table"], &e).await;
    let t = text(&out.stdout);
    let row = t.lines().find(|l| l.contains("tiny-1")).unwrap();
    assert!(row.contains("0.125"), "{t}");
    let out = dcs(&["instances", "list", "-o", "tsv"], &e).await;
    let t = text(&out.stdout);
    let head: Vec<&str> = t.lines().next().unwrap().split('\t').collect();
    let col = head.iter().position(|h| *h == "capacity").unwrap();
    let row: Vec<&str> = t
        .lines()
        .find(|l| l.contains("tiny-1"))
        .unwrap()
        .split('\t')
        .collect();
    assert_eq!(row[col], "0.125");
}

/// `dcs call OP --help` and `dcs help OP` list every parameter: required or not, type,
/// values, description; `dcs help` also explains commands.
#[test]
fn per_operation_help_lists_every_field() {
    let out = run_with(
        bare(&["call", "CreateInstance", "--help"], &empty_home("help")),
        None,
        "help",
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let h = text(&out.stdout);
    for needle in [
        "CreateInstance (POST /v2/{project_id}/instances)",
        "body.name  required, string",
        "body.capacity  required, number",
        "body.description  optional, string",
        "body.engine  required, string (Engine)",
        "one of: Redis, Memcached",
        "body.bss_param.charging_mode",
        "--wait polls ShowInstance until RUNNING",
        "create_instance",
    ] {
        assert!(h.contains(needle), "{needle}: {h}");
    }
    for spelling in ["CreateInstance", "create-instance", "create_instance"] {
        let out = run_with(
            bare(&["help", spelling], &empty_home("help2")),
            None,
            "help op",
        );
        assert_eq!(text(&out.stdout), h, "{spelling}");
    }
    let out = run_with(
        bare(&["help", "tasks", "delete"], &empty_home("help3")),
        None,
        "help cmd",
    );
    assert!(out.status.success());
    assert!(
        text(&out.stdout).contains("dcs tasks delete"),
        "{}",
        text(&out.stdout)
    );
    assert!(text(&out.stdout).contains("--include-running"));
    let out = run_with(
        bare(&["help", "ListInstance"], &empty_home("help4")),
        None,
        "help typo",
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("did you mean ListInstances"));
    // The global options have their own heading.
    let out = run_with(
        bare(&["tasks", "list", "--help"], &empty_home("help5")),
        None,
        "sub help",
    );
    assert!(text(&out.stdout).contains("Global options:"));
}

/// Operation names in PascalCase, snake_case or kebab-case; a near miss gets "did you
/// mean"; so does an unknown field, and every unknown field is named at once.
#[tokio::test(flavor = "multi_thread")]
async fn names_in_any_spelling_and_did_you_mean() {
    let emu = emulator().await;
    emu.seed_instance(PROJECT, "inst-a", "RUNNING");
    let e = emu.endpoint();
    for name in ["ListInstances", "list_instances", "list-instances"] {
        let out = dcs(&["call", name, "--query", "instance_num"], &e).await;
        assert!(out.status.success(), "{name}: {}", text(&out.stderr));
        assert_eq!(text(&out.stdout), "1\n");
    }
    let before = emu.request_count();
    for (name, meant) in [
        ("ListInstance", "ListInstances"),
        ("list_instance", "ListInstances"),
        ("show-instanse", "ShowInstance"),
    ] {
        let out = dcs(&["call", name], &e).await;
        assert_eq!(out.status.code(), Some(2));
        assert!(
            text(&out.stderr).contains(&format!("did you mean {meant}")),
            "{name}: {}",
            text(&out.stderr)
        );
    }
    let out = dcs(
        &[
            "call",
            "CreateInstance",
            "--input-json",
            r#"{"body": {"engin": "Redis", "nmae": "x"}, "limt": 1}"#,
        ],
        &e,
    )
    .await;
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    for needle in [
        "body.engin: unknown field; did you mean engine",
        "body.nmae: unknown field; did you mean name",
        "limt: unknown field",
    ] {
        assert!(err.contains(needle), "{needle}: {err}");
    }
    assert_eq!(emu.request_count(), before, "nothing sent");
}

/// Every missing field of CreateInstance is named in one error; the template with optional
/// fields runs once the required ones are filled (the optional placeholders are left out).
#[tokio::test(flavor = "multi_thread")]
async fn every_missing_field_at_once_and_templates_that_run() {
    let emu = emulator().await;
    emu.set_operation_delay(Duration::ZERO);
    let e = emu.endpoint();
    let out = dcs(&["call", "CreateInstance", "--input-json", "{}"], &e).await;
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    for f in [
        "body.name",
        "body.engine",
        "body.capacity",
        "body.spec_code",
        "body.az_codes",
        "body.vpc_id",
        "body.subnet_id",
    ] {
        assert!(err.contains(&format!("{f}: is required")), "{f}: {err}");
    }
    assert_eq!(err.lines().count(), 1, "one error: {err}");

    let out = dcs(
        &["call", "create-instance", "--skeleton", "--with-optional"],
        &e,
    )
    .await;
    let mut v = json(&out);
    assert!(v["body"]["description"]
        .as_str()
        .unwrap()
        .starts_with("OPTIONAL "));
    for (k, x) in [
        ("name", json!("from-template")),
        ("engine", json!("Redis")),
        ("capacity", json!(2)),
        ("spec_code", json!("redis.ha.xu1.large.r2.2")),
        ("az_codes", json!(["cn-north-4a"])),
        ("vpc_id", json!("vpc-1")),
        ("subnet_id", json!("subnet-1")),
    ] {
        v["body"][k] = x;
    }
    v["body"]["description"] = json!("filled in");
    let out = dcs(
        &["call", "CreateInstance", "--input-json", &v.to_string()],
        &e,
    )
    .await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("left out") && text(&out.stderr).contains("optional"),
        "{}",
        text(&out.stderr)
    );
    let id = json(&out)["instances"][0]["instance_id"]
        .as_str()
        .unwrap()
        .to_string();
    let out = dcs(
        &[
            "instances",
            "show",
            &id,
            "--query",
            "description",
            "-o",
            "text",
        ],
        &e,
    )
    .await;
    assert_eq!(text(&out.stdout), "filled in\n");

    // A paged operation's full template runs as it is.
    let out = dcs(
        &["call", "ListInstances", "--skeleton", "--with-optional"],
        &e,
    )
    .await;
    let t = text(&out.stdout);
    let out = dcs(&["call", "ListInstances", "--input-json", &t], &e).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
}

/// `--max-attempts` and `--timeout` apply to the call.
#[tokio::test(flavor = "multi_thread")]
async fn max_attempts_and_timeout() {
    let emu = emulator().await;
    let e = emu.endpoint();
    let fault = || {
        ScriptedFault::new(Fault::Status {
            status: 503,
            retry_after: None,
        })
    };
    for _ in 0..3 {
        emu.push_fault(fault());
    }
    let before = emu.request_count();
    let out = dcs(&["call", "ListInstances", "--max-attempts", "1"], &e).await;
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert_eq!(emu.request_count() - before, 1, "one attempt");
    // Two faults left: the default 3 attempts get through on the third.
    let out = dcs(&["call", "ListInstances"], &e).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(emu.request_count() - before, 4);

    emu.push_fault(ScriptedFault::new(Fault::DelayBeforeHeaders(
        Duration::from_secs(30),
    )));
    let out = dcs(
        &[
            "call",
            "ListInstances",
            "--timeout",
            "500ms",
            "--max-attempts",
            "1",
        ],
        &e,
    )
    .await;
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("timed out"),
        "{}",
        text(&out.stderr)
    );
    let out = dcs(&["call", "ListInstances", "--max-attempts", "0"], &e).await;
    assert_eq!(out.status.code(), Some(2));
}

/// Errors name the flag, variable or profile key that fixes them; a connection error shows
/// the URL; with `--output json` each error is one JSON object on stderr.
#[tokio::test(flavor = "multi_thread")]
async fn errors_say_what_fixes_them() {
    let home = empty_home("errors");
    let with_keys = |args: &[&str]| {
        let mut c = bare(args, &home);
        c.env("HUAWEICLOUD_SDK_AK", AK)
            .env("HUAWEICLOUD_SDK_SK", SK);
        c
    };
    let out = run(with_keys(&["instances", "list"])).await;
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    for needle in [
        "no region",
        "--region",
        "HUAWEICLOUD_SDK_REGION",
        "--endpoint",
        "DCS_ENDPOINT",
    ] {
        assert!(err.contains(needle), "{needle}: {err}");
    }
    assert!(
        !err.contains("builder") && !err.contains("in code"),
        "{err}"
    );

    let out = run(with_keys(&[
        "--endpoint",
        "http://127.0.0.1:9",
        "instances",
        "list",
    ]))
    .await;
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains("no project id") && err.contains("--project-id"),
        "{err}"
    );
    assert_eq!(err.matches("nothing was sent").count(), 1, "{err}");

    let out = run(with_keys(&["--region", "cn north", "instances", "list"])).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("--region"),
        "{}",
        text(&out.stderr)
    );

    let out = run(with_keys(&[
        "--endpoint",
        "127.0.0.1:18080",
        "instances",
        "list",
    ]))
    .await;
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("http://127.0.0.1:18080"),
        "the fix: {}",
        text(&out.stderr)
    );

    let out = run(bare(
        &[
            "--endpoint",
            "http://127.0.0.1:9",
            "--project-id",
            PROJECT,
            "call",
            "ListInstances",
        ],
        &home,
    ))
    .await;
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.contains("no credentials found"), "{err}");
    assert!(
        err.contains("HUAWEICLOUD_SDK_AK") && err.contains("dcs configure set"),
        "{err}"
    );

    // A profile section that is not there, chosen by --profile.
    let file = home.join("creds");
    std::fs::write(&file, "[basic]\nak = A\nsk = B\n").unwrap();
    let mut c = bare(
        &[
            "--profile",
            "nope",
            "--endpoint",
            "http://127.0.0.1:9",
            "instances",
            "list",
        ],
        &home,
    );
    c.env("HUAWEICLOUD_SDK_CREDENTIALS_FILE", &file);
    let out = run(c).await;
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.contains("[nope]") && err.contains("--profile"), "{err}");
    assert!(!err.contains("builder"), "{err}");

    // A connection that fails shows the URL it tried.
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead = format!("http://{}", l.local_addr().unwrap());
    drop(l);
    let out = dcs(&["instances", "list"], &dead).await;
    assert_eq!(out.status.code(), Some(3));
    assert!(
        text(&out.stderr).contains(&format!("could not connect to the endpoint URL {dead}")),
        "{}",
        text(&out.stderr)
    );

    // As JSON: one object per error on stderr, with what a script needs.
    let out = dcs(&["instances", "list", "-o", "json"], &dead).await;
    let v: Value = serde_json::from_slice(&out.stderr).unwrap();
    assert_eq!(v["error"]["exit_code"], 3, "{v}");
    assert_eq!(v["error"]["kind"], "transport", "{v}");
    let emu = emulator().await;
    let out = dcs(
        &["instances", "show", "missing", "-o", "json"],
        &emu.endpoint(),
    )
    .await;
    assert_eq!(out.status.code(), Some(1));
    let v: Value = serde_json::from_slice(&out.stderr).unwrap();
    assert_eq!(v["error"]["kind"], "service", "{v}");
    assert_eq!(v["error"]["status"], 404, "{v}");
    assert!(v["error"]["error_code"].as_str().is_some(), "{v}");
    assert!(v["error"]["request_id"].as_str().is_some(), "{v}");
    let out = run(with_keys(&["instances", "list", "-o", "json"])).await;
    let v: Value = serde_json::from_slice(&out.stderr).unwrap();
    assert_eq!(v["error"]["kind"], "config", "{v}");
    assert!(
        v["error"]["hint"].as_str().unwrap().contains("--region"),
        "{v}"
    );
}

/// With no credentials anywhere and a metadata address that answers 403 (a proxy, a
/// sandbox), the message is "no credentials found" with each source tried, exit 2.
#[tokio::test(flavor = "multi_thread")]
async fn no_credentials_with_a_metadata_address_that_answers_403() {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let meta = format!("http://{}", l.local_addr().unwrap());
    tokio::spawn(async move {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        while let Ok((mut s, _)) = l.accept().await {
            let mut buf = [0u8; 4096];
            let _ = s.read(&mut buf).await;
            let _ = s
                .write_all(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 6\r\nConnection: close\r\n\r\ndenied")
                .await;
        }
    });
    let home = empty_home("meta403");
    let mut c = Command::new(env!("CARGO_BIN_EXE_dcs"));
    c.args([
        "--endpoint",
        "http://127.0.0.1:9",
        "--project-id",
        PROJECT,
        "instances",
        "list",
    ])
    .env_clear()
    .env("HOME", &home)
    .env("HUAWEICLOUD_SDK_METADATA_ENDPOINT", &meta);
    let out = run(c).await;
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    for needle in [
        "no credentials found",
        "environment",
        "profile",
        "ecs-metadata",
    ] {
        assert!(err.contains(needle), "{needle}: {err}");
    }
}

/// `dcs --version`; `--debug` logs each request and answer (method, URL, status, request id,
/// attempt, time) and never a secret.
#[tokio::test(flavor = "multi_thread")]
async fn version_and_a_wire_log() {
    let out = run(bare(&["--version"], &empty_home("version"))).await;
    assert!(out.status.success());
    assert_eq!(
        text(&out.stdout).trim(),
        format!("dcs {}", env!("CARGO_PKG_VERSION"))
    );
    let emu = emulator().await;
    emu.push_fault(ScriptedFault::new(Fault::Status {
        status: 503,
        retry_after: None,
    }));
    let e = emu.endpoint();
    let out = dcs(
        &[
            "--debug",
            "call",
            "ListInstances",
            "--query",
            "instance_num",
        ],
        &e,
    )
    .await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "0\n", "the answer is unchanged");
    let err = text(&out.stderr);
    let first = format!("debug: GET {e}/v2/{PROJECT}/instances (ListInstances)");
    for needle in [
        first.as_str(),
        "attempt 1: HTTP 503",
        "attempt 2: HTTP 200, request id ",
        "-> HTTP 200, request id ",
        "2 attempts",
        " ms",
    ] {
        assert!(err.contains(needle), "{needle}: {err}");
    }
    assert!(!err.contains(SK), "the secret key never shows: {err}");
    assert!(!err.to_lowercase().contains("signature="), "{err}");
    // Without --debug, nothing of it.
    let out = dcs(&["call", "ListInstances"], &e).await;
    assert!(out.stderr.is_empty(), "{}", text(&out.stderr));
}

/// `dcs configure set` writes the profile (a new file 0600), `list` says where each value
/// came from with secrets masked, `get` gives one; the profile then works.
#[tokio::test(flavor = "multi_thread")]
async fn configure_writes_and_explains_the_profile() {
    let emu = emulator().await;
    let home = empty_home("configure");
    let cfg = |args: &[&str]| bare(args, &home);
    for (k, v) in [
        ("ak", AK),
        ("project_id", PROJECT),
        ("region", "cn-north-4"),
    ] {
        let out = run(cfg(&["configure", "set", k, v])).await;
        assert!(out.status.success(), "{k}: {}", text(&out.stderr));
    }
    let out = tokio::task::spawn_blocking({
        let c = cfg(&["configure", "set", "sk", "-"]);
        move || run_with(c, Some(format!("{SK}\n").as_bytes()), "set sk -")
    })
    .await
    .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(!text(&out.stderr).contains(SK));
    let file = home.join(".huaweicloud").join("credentials");
    let body = std::fs::read_to_string(&file).unwrap();
    assert_eq!(
        body,
        format!("[basic]\nak = {AK}\nproject_id = {PROJECT}\nregion = cn-north-4\nsk = {SK}\n")
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "a new credentials file is private");
        let mode = std::fs::metadata(file.parent().unwrap())
            .unwrap()
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode, 0o700);
    }
    let out = run(cfg(&["configure", "list", "-o", "json"])).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v = json(&out);
    let row = |name: &str| {
        v.as_array()
            .unwrap()
            .iter()
            .find(|r| r["name"] == name)
            .cloned()
            .unwrap_or_else(|| panic!("{name}: {v}"))
    };
    let at = |line: usize| format!("{}:{line}", file.display());
    assert_eq!(row("ak")["source"], at(2));
    assert!(row("ak")["value"]
        .as_str()
        .unwrap()
        .ends_with(&AK[AK.len() - 4..]));
    assert!(!row("ak")["value"].as_str().unwrap().contains(&AK[..8]));
    assert_eq!(row("sk")["value"], "** redacted **");
    assert_eq!(row("sk")["source"], at(5));
    assert_eq!(row("region")["value"], "cn-north-4");
    assert_eq!(row("region")["source"], at(4));
    assert_eq!(row("project_id")["source"], at(3));
    assert_eq!(
        row("endpoint")["value"],
        "https://dcs.cn-north-4.myhuaweicloud.com"
    );
    assert_eq!(row("profile")["value"], "basic");
    assert!(!text(&out.stdout).contains(SK));
    // Flags and variables win, and say so.
    let mut c = cfg(&[
        "--endpoint",
        &emu.endpoint(),
        "configure",
        "list",
        "-o",
        "json",
    ]);
    c.env("HUAWEICLOUD_SDK_REGION", "ap-southeast-1");
    let v = json(&run(c).await);
    let find = |name: &str| {
        v.as_array()
            .unwrap()
            .iter()
            .find(|r| r["name"] == name)
            .cloned()
            .unwrap()
    };
    assert_eq!(find("region")["source"], "HUAWEICLOUD_SDK_REGION");
    assert_eq!(find("endpoint")["source"], "--endpoint");
    let out = run(cfg(&["configure", "get", "region"])).await;
    assert_eq!(text(&out.stdout), "cn-north-4\n");
    let out = run(cfg(&["configure", "get", "sk"])).await;
    assert_eq!(text(&out.stdout), "** redacted **\n");
    // Keys the SDKs do not read are refused, with the fix.
    let out = run(cfg(&["configure", "set", "endpoint", "http://x"])).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("DCS_ENDPOINT"),
        "{}",
        text(&out.stderr)
    );
    let out = run(cfg(&["configure", "set", "regoin", "cn-north-4"])).await;
    assert!(
        text(&out.stderr).contains("did you mean region"),
        "{}",
        text(&out.stderr)
    );
    // Another section keeps the first as it was.
    let out = run(cfg(&[
        "--profile",
        "dev",
        "configure",
        "set",
        "region",
        "cn-east-3",
    ]))
    .await;
    assert!(out.status.success());
    let body2 = std::fs::read_to_string(&file).unwrap();
    assert!(
        body2.starts_with(&body) && body2.ends_with("[dev]\nregion = cn-east-3\n"),
        "{body2}"
    );
    // The profile is what the SDK reads: a call with nothing else configured works.
    let out = run(cfg(&[
        "--endpoint",
        &emu.endpoint(),
        "instances",
        "list",
        "--query",
        "length(@)",
    ]))
    .await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "0\n");
}

/// A closed stdout (`| head`) ends every command quietly: exit 0 (or 141), never a panic.
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn closed_pipes_end_quietly_everywhere() {
    let emu = emulator().await;
    emu.seed_tasks(PROJECT, 1500);
    emu.seed_instance(PROJECT, "inst-a", "RUNNING");
    let e = emu.endpoint();
    // The literal case: a shell pipeline into head.
    let script = format!(
        "set -o pipefail; DCS_ENDPOINT={e} '{}' call --list | head -1",
        env!("CARGO_BIN_EXE_dcs")
    );
    let out = run({
        let mut c = Command::new("bash");
        c.args(["-c", &script]);
        c
    })
    .await;
    assert!(
        matches!(out.status.code(), Some(0) | Some(141)),
        "{:?} {}",
        out.status,
        text(&out.stderr)
    );
    assert_eq!(text(&out.stdout).lines().count(), 1);
    assert!(
        !text(&out.stderr).contains("panicked"),
        "{}",
        text(&out.stderr)
    );
    let e2 = e.clone();
    tokio::task::spawn_blocking(move || {
        for args in [
            vec!["call", "--list"],
            vec!["call", "ListCenterTask", "--all"],
            vec![
                "call",
                "ListCenterTask",
                "--all",
                "-o",
                "tsv",
                "--query",
                "tasks",
            ],
            vec!["call", "CreateInstance", "--help"],
            vec!["call", "CreateInstance", "--skeleton", "--with-optional"],
            vec!["help", "CreateInstance"],
            vec!["help"],
            vec!["--help"],
            vec!["completions", "powershell"],
            vec!["configure", "list"],
            vec!["tasks", "list", "--all", "-o", "text"],
            vec!["instances", "show", "inst-a", "-o", "tsv"],
            vec!["wait", "instance", "inst-a"],
        ] {
            let (status, err) = with_stdout_closed(command(&args, &e2));
            assert!(
                matches!(status.code(), Some(0) | Some(141)),
                "{args:?}: {status:?} {err}"
            );
            assert!(!err.contains("panicked"), "{args:?}: {err}");
        }
    })
    .await
    .unwrap();
}

/// Completions for bash, zsh, fish and PowerShell offer subcommands, flags and operation
/// names.
#[test]
fn completions_offer_commands_and_operation_names() {
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let out = run_with(
            bare(&["completions", shell], &empty_home("completions")),
            None,
            shell,
        );
        assert!(out.status.success(), "{shell}");
        let s = text(&out.stdout);
        for needle in [
            "instances",
            "backups",
            "configure",
            "wait-timeout",
            "CreateInstance",
            "ListCenterTask",
            "DeleteCenterTask",
        ] {
            assert!(s.contains(needle), "{shell}: {needle}");
        }
    }
}
