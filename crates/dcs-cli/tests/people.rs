//! `dcs tasks` and `dcs instances` as an operator runs them: the real binary against the
//! emulator over TCP, with scripted throttling, server errors and resets, and a real SIGINT.

use dcs_emulator::{Emulator, Fault, ScriptedFault, TaskStatus};
use std::io::{BufRead, BufReader};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

const AK: &str = "PEOPLETESTAK00000001";
const SK: &str = "people-test-secret-key";
const PROJECT: &str = "0a1b2c3d4e5f40718293a4b5c6d7e8f9";

async fn emulator() -> Emulator {
    let emu = Emulator::start().await.unwrap();
    emu.add_credentials(AK, SK, PROJECT);
    emu
}

fn command(args: &[&str], endpoint: &str) -> Command {
    let home = std::env::temp_dir().join("dcs-cli-test-home-empty");
    let _ = std::fs::create_dir_all(&home);
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_dcs"));
    cmd.args(args)
        .env_clear()
        .env("HOME", &home)
        .env("HUAWEICLOUD_SDK_AK", AK)
        .env("HUAWEICLOUD_SDK_SK", SK)
        .env("HUAWEICLOUD_SDK_PROJECT_ID", PROJECT)
        .env("HUAWEICLOUD_SDK_METADATA_DISABLED", "true")
        .env("DCS_ENDPOINT", endpoint)
        .stdin(Stdio::null());
    cmd
}

async fn dcs(args: &[&str], endpoint: &str) -> Output {
    let mut cmd = command(args, endpoint);
    tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn deletes(emu: &Emulator) -> usize {
    emu.requests()
        .iter()
        .filter(|r| r.method == "DELETE")
        .count()
}

fn ids(v: &serde_json::Value, key: &str) -> Vec<String> {
    v[key]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            x.as_str()
                .map(str::to_string)
                .unwrap_or_else(|| x["id"].as_str().unwrap().to_string())
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn list_pages_over_2500_tasks_in_every_format() {
    let emu = emulator().await;
    emu.seed_tasks(PROJECT, 2500);
    let e = emu.endpoint();

    let out = dcs(&["tasks", "list", "--all", "--output", "json"], &e).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let all = v.as_array().unwrap();
    assert_eq!(all.len(), 2500);
    let mut seen: Vec<&str> = all.iter().map(|t| t["id"].as_str().unwrap()).collect();
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 2500, "every task once");
    let lists = emu
        .requests()
        .iter()
        .filter(|r| r.method == "GET" && r.path.ends_with("/tasks"))
        .count();
    assert_eq!(lists, 3, "1000 + 1000 + 500, then the total says stop");

    let out = dcs(&["tasks", "list", "--all", "--output", "tsv"], &e).await;
    let tsv = text(&out.stdout);
    assert_eq!(tsv.lines().count(), 2501);
    assert_eq!(
        tsv.lines().next().unwrap(),
        "id\tname\tstatus\tinstance\tcreated_at\tuser_name"
    );

    let out = dcs(&["tasks", "list", "--all", "--output", "table"], &e).await;
    let table = text(&out.stdout);
    assert_eq!(table.lines().count(), 2501);
    assert!(table.lines().next().unwrap().starts_with("ID "));

    let out = dcs(&["tasks", "list", "--limit", "10"], &e).await;
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        v.as_array().unwrap().len(),
        10,
        "json when stdout is not a terminal"
    );

    let out = dcs(
        &[
            "tasks",
            "list",
            "--all",
            "--query",
            "[?status=='SUCCESS'].id | length(@)",
        ],
        &e,
    )
    .await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout).trim(), "2500");

    let out = dcs(&["tasks", "list", "--all", "--status", "RUNNING"], &e).await;
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn bulk_delete_of_1000_through_throttling_5xx_and_resets_accounts_for_every_task() {
    let emu = emulator().await;
    emu.seed_tasks(PROJECT, 1000);
    // One delete in ten misbehaves: throttled (with Retry-After), a 500 after the delete was
    // done, a 500 before, and a reset before any answer.
    emu.set_periodic_faults(
        "DeleteCenterTask",
        10,
        vec![
            ScriptedFault::new(Fault::Status {
                status: 429,
                retry_after: Some("1".into()),
            }),
            ScriptedFault::new(Fault::Status {
                status: 500,
                retry_after: None,
            })
            .after_applying(),
            ScriptedFault::new(Fault::Status {
                status: 500,
                retry_after: None,
            }),
            ScriptedFault::new(Fault::ResetBeforeHeaders),
        ],
    );
    let out = dcs(
        &["tasks", "delete", "--all", "--yes", "--output", "json"],
        &emu.endpoint(),
    )
    .await;
    let stderr = text(&out.stderr);
    assert!(
        emu.periodic_faults_fired() >= 100,
        "{}",
        emu.periodic_faults_fired()
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["selected"], 1000);
    let deleted = ids(&v, "deleted");
    let gone = ids(&v, "already_gone");
    for key in ["refused", "failed", "outcome_uncertain", "not_attempted"] {
        assert_eq!(v[key].as_array().unwrap().len(), 0, "{key}: {v}");
    }
    assert_eq!(deleted.len() + gone.len(), 1000, "{stderr}");
    let mut all: Vec<&String> = deleted.iter().chain(&gone).collect();
    all.sort();
    all.dedup();
    assert_eq!(all.len(), 1000, "each task reported once");
    assert_eq!(
        emu.task_count(),
        0,
        "and every one is gone from the emulator"
    );
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("1000 selected:"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_running_task_is_refused_and_reported() {
    let emu = emulator().await;
    emu.seed_tasks(PROJECT, 5);
    emu.seed_task(PROJECT, "busy-1", TaskStatus::Running);
    // By default --all selects only what can be deleted, and says what it left out.
    let out = dcs(&["tasks", "delete", "--all", "--dry-run"], &emu.endpoint()).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        !text(&out.stdout).contains("busy-1"),
        "{}",
        text(&out.stdout)
    );
    assert!(
        text(&out.stderr).contains("1 RUNNING task left out"),
        "{}",
        text(&out.stderr)
    );
    // Asked for, a running task is selected, and the dry run says it would be refused.
    let out = dcs(
        &["tasks", "delete", "--all", "--include-running", "--dry-run"],
        &emu.endpoint(),
    )
    .await;
    let o = text(&out.stdout);
    assert!(
        o.lines()
            .any(|l| l.starts_with("would be refused busy-1 (RUNNING") && l.contains("DCS.4017")),
        "{o}"
    );
    assert_eq!(
        o.lines().filter(|l| l.starts_with("would delete ")).count(),
        5,
        "{o}"
    );
    assert!(
        text(&out.stderr).contains("5 tasks would be deleted, 1 would be refused"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(deletes(&emu), 0);
    let out = dcs(
        &[
            "tasks",
            "delete",
            "--all",
            "--include-running",
            "--yes",
            "--output",
            "json",
        ],
        &emu.endpoint(),
    )
    .await;
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(ids(&v, "deleted").len(), 5);
    let refused = v["refused"].as_array().unwrap();
    assert_eq!(refused.len(), 1);
    assert_eq!(refused[0]["id"], "busy-1");
    assert_eq!(refused[0]["code"], "DCS.4017");
    assert!(emu.task_exists(PROJECT, "busy-1"));
    // One id: one result, the service's refusal as the error.
    emu.seed_task(PROJECT, "busy-2", TaskStatus::Running);
    let out = dcs(
        &["tasks", "delete", "busy-2", "--output", "table"],
        &emu.endpoint(),
    )
    .await;
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.contains("DCS.4017") && !err.contains("progress"),
        "{err}"
    );
    assert!(out.stdout.is_empty());
    // A single delete that works prints one line.
    emu.seed_task(PROJECT, "done-9", TaskStatus::Success);
    let out = dcs(
        &["tasks", "delete", "done-9", "-o", "text"],
        &emu.endpoint(),
    )
    .await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "deleted done-9\n");
    assert!(out.stderr.is_empty(), "{}", text(&out.stderr));
    let out = dcs(
        &["tasks", "delete", "done-9", "-o", "json"],
        &emu.endpoint(),
    )
    .await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["result"], "already_gone", "{v}");
}

#[tokio::test(flavor = "multi_thread")]
async fn ctrl_c_stops_sending_and_the_summary_matches_the_emulator_exactly() {
    let emu = emulator().await;
    emu.seed_tasks(PROJECT, 2000);
    // Every delete takes 40 ms, so the run lasts seconds and the signal lands mid-way.
    emu.set_periodic_faults(
        "DeleteCenterTask",
        1,
        vec![ScriptedFault::new(Fault::DelayBeforeHeaders(
            Duration::from_millis(40),
        ))],
    );
    let mut cmd = command(
        &["tasks", "delete", "--all", "--yes", "--output", "json"],
        &emu.endpoint(),
    );
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let out = tokio::task::spawn_blocking(move || {
        let mut child = cmd.spawn().unwrap();
        let mut err = BufReader::new(child.stderr.take().unwrap());
        let mut line = String::new();
        // The first progress line (10 %) means deletes are under way.
        while err.read_line(&mut line).unwrap() > 0 && !line.contains("progress:") {
            line.clear();
        }
        let pid = child.id().to_string();
        assert!(Command::new("kill")
            .args(["-INT", &pid])
            .status()
            .unwrap()
            .success());
        let mut rest = String::new();
        let _ = std::io::Read::read_to_string(&mut err, &mut rest);
        let out = child.wait_with_output().unwrap();
        (out, rest)
    })
    .await
    .unwrap();
    let (out, stderr) = out;
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("interrupted"), "{stderr}");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["interrupted"], true);
    let deleted = ids(&v, "deleted");
    let not_attempted = ids(&v, "not_attempted");
    assert!(!deleted.is_empty() && !not_attempted.is_empty(), "{v}");
    assert_eq!(deleted.len() + not_attempted.len(), 2000, "{v}");
    for id in &deleted {
        assert!(
            !emu.task_exists(PROJECT, id),
            "{id} reported deleted but present"
        );
    }
    for id in &not_attempted {
        assert!(
            emu.task_exists(PROJECT, id),
            "{id} reported not attempted but gone"
        );
    }
    assert_eq!(emu.task_count(), not_attempted.len());
    assert_eq!(
        deletes(&emu),
        deleted.len(),
        "no DELETE beyond the reported ones"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn dry_run_sends_no_delete_and_no_yes_without_a_terminal_refuses() {
    let emu = emulator().await;
    emu.seed_tasks(PROJECT, 30);
    let e = emu.endpoint();
    let out = dcs(&["tasks", "delete", "--all", "--dry-run"], &e).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout)
            .lines()
            .filter(|l| l.starts_with("would delete "))
            .count(),
        30
    );
    assert_eq!(deletes(&emu), 0);

    let out = dcs(&["tasks", "delete", "--all"], &e).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("without --yes"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(deletes(&emu), 0);
    assert_eq!(emu.task_count(), 30);

    let out = dcs(
        &[
            "tasks",
            "delete",
            "--all",
            "--yes",
            "--name",
            "EXTEND",
            "--older-than",
            "1d",
        ],
        &e,
    )
    .await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(deletes(&emu), 0, "nothing that old");
}

#[tokio::test(flavor = "multi_thread")]
async fn wait_returns_when_the_task_is_done_and_times_out_while_it_runs() {
    let emu = emulator().await;
    emu.seed_task(PROJECT, "done-1", TaskStatus::Success);
    emu.seed_task(PROJECT, "busy-1", TaskStatus::Running);
    let e = emu.endpoint();
    let out = dcs(&["tasks", "wait", "done-1"], &e).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout).trim(), "done-1 SUCCESS");
    let out = dcs(&["tasks", "wait", "busy-1", "--timeout", "1s"], &e).await;
    assert_eq!(out.status.code(), Some(124), "{}", text(&out.stderr));
    let out = dcs(&["tasks", "wait", "nope"], &e).await;
    assert_eq!(out.status.code(), Some(1));
}

#[tokio::test(flavor = "multi_thread")]
async fn instances_at_a_glance() {
    let emu = emulator().await;
    emu.seed_instance(PROJECT, "inst-a", "RUNNING");
    emu.seed_instance(PROJECT, "inst-b", "CREATING");
    let e = emu.endpoint();
    let out = dcs(&["instances", "list", "--output", "json"], &e).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 2);
    let out = dcs(
        &[
            "instances",
            "list",
            "--status",
            "RUNNING",
            "--output",
            "tsv",
        ],
        &e,
    )
    .await;
    let t = text(&out.stdout);
    assert_eq!(t.lines().count(), 2, "{t}");
    assert!(t.contains("inst-a"));
    let out = dcs(&["instances", "show", "inst-a", "--output", "table"], &e).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("inst-a"));
    let out = dcs(&["instances", "show", "missing"], &e).await;
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("404"), "{}", text(&out.stderr));
}

#[test]
fn completions_are_generated_for_three_shells() {
    for (shell, needle) in [
        ("bash", "complete"),
        ("zsh", "#compdef dcs"),
        ("fish", "complete -c dcs"),
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_dcs"))
            .args(["completions", shell])
            .output()
            .unwrap();
        assert!(out.status.success());
        let s = text(&out.stdout);
        assert!(
            s.contains(needle) && s.contains("tasks") && s.contains("dry-run"),
            "{shell}"
        );
    }
}

#[test]
fn help_explains_each_command() {
    for args in [
        vec!["--help"],
        vec!["tasks", "delete", "--help"],
        vec!["tasks", "list", "--help"],
        vec!["instances", "--help"],
        vec!["call", "--help"],
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_dcs"))
            .args(&args)
            .output()
            .unwrap();
        assert!(out.status.success(), "{args:?}");
        assert!(text(&out.stdout).contains("Usage"), "{args:?}");
    }
}
