//! The `workflow` example (create, resize, back up, clean up with `send_and_wait()` only),
//! run the way `cargo run --example workflow` runs it with no configuration: against the
//! embedded emulator, whose work takes a real 300 ms. Its code is compiled into this test as
//! it is, so CI runs the example.

#[allow(dead_code)]
#[path = "../examples/workflow.rs"]
mod workflow;

use std::sync::{Arc, Mutex};
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_workflow_example_runs_to_the_end_on_the_emulator() {
    let lines = Arc::new(Mutex::new(Vec::<String>::new()));
    let said = lines.clone();
    let code = workflow::on_emulator(move |l| said.lock().unwrap().push(l)).await;
    let lines = lines.lock().unwrap().clone();
    assert_eq!(code, std::process::ExitCode::SUCCESS, "{lines:#?}");
    let text = lines.join("\n");
    for step in [
        "using the embedded DCS emulator",
        "is running",
        "resized",
        "done",
        "is gone",
    ] {
        assert!(text.contains(step), "{step}: {text}");
    }
    // The waits watched the documented states go by.
    for seen in ["is CREATING", "is EXTENDING", "is waiting", "is DELETED"] {
        assert!(text.contains(seen), "{seen}: {text}");
    }
}

/// The same steps, checked against what the emulator received: each change sent once, every
/// other request a poll (GET), every wait ended in its success state, nothing left behind.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_change_is_sent_once_and_everything_else_is_a_poll() {
    let (emu, client) = workflow::embedded(Duration::from_millis(300))
        .await
        .unwrap();
    let plan = workflow::Plan {
        name: "wf-test".into(),
        spec_code: "redis.ha.xu1.large.r2.1".into(),
        capacity: 1.0,
        new_spec_code: "redis.ha.xu1.large.r2.2".into(),
        new_capacity: 2.0,
        az: "az-1".into(),
        vpc_id: "vpc-1".into(),
        subnet_id: "subnet-1".into(),
        password: "Dcs#WorkflowTest9a".into(),
    };
    let opts = dcs_client::WaitOptions::new().interval(Duration::from_millis(50));
    let report = workflow::run(&client, &plan, opts, |_| {}).await.unwrap();
    assert_eq!(
        report.states,
        ["RUNNING", "RUNNING", "succeed", "deleted", "DELETED"]
    );
    let requests = emu.requests();
    let changes: Vec<(String, String)> = requests
        .iter()
        .filter(|r| r.method != "GET")
        .map(|r| {
            let op = r.path.rsplit('/').next().unwrap_or("").to_string();
            (r.method.clone(), op)
        })
        .collect();
    let id = &report.instance_id;
    assert_eq!(
        changes,
        [
            ("POST".to_string(), "instances".to_string()),
            ("POST".to_string(), "resize".to_string()),
            ("POST".to_string(), "backups".to_string()),
            ("DELETE".to_string(), report.backup_id.clone()),
            ("DELETE".to_string(), id.clone()),
        ]
    );
    assert!(requests
        .iter()
        .all(|r| (200..300).contains(&r.status) || (r.method == "GET" && r.status == 404)));
    assert_eq!(
        emu.instance_status("0a1b2c3d4e5f40718293a4b5c6d7e8f9", id),
        None
    );
}
