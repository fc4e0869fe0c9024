//! Helpers for the emulator's tests: a fresh emulator with known credentials and seeded
//! resources, and a `DcsClient` pointed at it.
#![allow(dead_code)]

use dcs_client::{Credentials, DcsClient, Operation, OperationCall};
use dcs_emulator::{Emulator, TaskStatus};
use serde_json::Value;

pub const AK: &str = "HWEMULATORTESTAK0001";
pub const SK: &str = "emulator-tests-secret-0123456789";
pub const PROJECT: &str = "0a1b2c3d4e5f40718293a4b5c6d7e8f9";
/// A running instance every case may act on.
pub const INSTANCE: &str = "6b4c2a3e-9f1d-4e5a-8c7b-0123456789ab";
/// A finished task of that instance (in the Task Center too).
pub const TASK: &str = "8abf6e1e72c12e7c0172c15b508500aa";
/// A finished backup of that instance.
pub const BACKUP: &str = "b4c7e2a1-0d3f-4a5b-9c8d-00000000b001";
/// An available ACL account of that instance.
pub const ACCOUNT: &str = "a7d1c3e5-2b4f-4d6a-8e0c-00000000a001";
/// A finished job of the project.
pub const JOB: &str = "ff80808190a1b2c30190a1b2c3d40001";

/// An emulator with the test credentials, one running instance, a finished task of it, a
/// finished backup of it, an ACL account on it and a finished job.
pub async fn seeded() -> Emulator {
    let emu = Emulator::start().await.unwrap();
    emu.add_credentials(AK, SK, PROJECT);
    emu.seed_instance(PROJECT, INSTANCE, "RUNNING");
    emu.seed_background_task(PROJECT, INSTANCE, TASK, TaskStatus::Success);
    emu.seed_backup(PROJECT, INSTANCE, BACKUP);
    assert!(emu.seed_account(PROJECT, INSTANCE, ACCOUNT, "seeded-account"));
    emu.seed_job(PROJECT, JOB, "masterStandbySwapJob");
    emu
}

pub fn client(emu: &Emulator) -> DcsClient {
    DcsClient::builder()
        .endpoint(emu.endpoint())
        .credentials(Credentials::new(AK, SK))
        .project_id(PROJECT)
        .config(dcs_client::ClientConfig::default().retry(dcs_client::RetryPolicy::disabled()))
        .build()
        .unwrap()
}

/// One generated case: the operation and a full, valid input in its JSON form.
pub struct Case {
    pub name: &'static str,
    pub input: &'static str,
}

fn use_seeded_ids(v: &mut Value) {
    match v {
        Value::Object(m) => {
            for (k, child) in m.iter_mut() {
                let seeded = match k.as_str() {
                    "instance_id" => Some(INSTANCE),
                    "task_id" => Some(TASK),
                    "backup_id" => Some(BACKUP),
                    "account_id" => Some(ACCOUNT),
                    "job_id" => Some(JOB),
                    _ => None,
                };
                match seeded {
                    Some(id) if child.is_string() => *child = Value::String(id.to_string()),
                    _ => use_seeded_ids(child),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(use_seeded_ids),
        _ => {}
    }
}

/// Calls the operation through its `DcsClient` method against a fresh seeded emulator: the
/// call must succeed (route matched, signature accepted, input validated) and the answer
/// decode, marked with the tier the emulator's coverage table gives the operation.
pub async fn call_op<C: OperationCall>(case: Case, make: impl FnOnce(&DcsClient) -> C) {
    type O<C> = <C as OperationCall>::Operation;
    let emu = seeded().await;
    let client = client(&emu);
    let mut input: Value = serde_json::from_str(case.input).unwrap();
    use_seeded_ids(&mut input);
    let parsed: O<C> = dcs_model::strict::from_value("", &input)
        .unwrap_or_else(|e| panic!("{}: the generated input is refused: {e}", case.name));
    assert_eq!(O::<C>::META.name, case.name);
    let mut call = make(&client).into_builder();
    *call.request_mut() = parsed;
    let tier = dcs_emulator::tier_of(case.name).as_str();
    if O::<C>::META.response_kind == dcs_model::ResponseKind::Stream {
        let mut stream = call
            .send_stream()
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", case.name));
        assert_eq!(stream.status(), 200);
        let mut got = Vec::new();
        while let Some(c) = stream.next_chunk().await.unwrap() {
            got.extend_from_slice(&c);
        }
        assert!(!got.is_empty(), "{}: no bytes", case.name);
    } else {
        let out = call
            .send()
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", case.name));
        assert_eq!(out.status(), 200, "{}", case.name);
        assert_eq!(
            out.header("x-dcs-emulator-tier"),
            Some(tier),
            "{}",
            case.name
        );
        assert!(out.request_id().is_some(), "{}: request id", case.name);
    }
    let reqs = emu.requests();
    assert_eq!(reqs.len(), 1, "{}", case.name);
    assert_eq!(reqs[0].status, 200, "{}", case.name);
}

/// The `redis-server` of this machine, for tests that put a real Redis behind instances.
/// Without one the test is skipped, saying so past the harness's capture; in CI (`CI` set)
/// or with `DCS_REQUIRE_REDIS=1` a missing `redis-server` fails the test instead.
pub fn redis_engine(test: &str) -> Option<dcs_emulator::EngineConfig> {
    match dcs_emulator::EngineConfig::redis_server() {
        Ok(e) => Some(e),
        Err(e) => {
            let ci = std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "0" && v != "false");
            let required = std::env::var("DCS_REQUIRE_REDIS").is_ok_and(|v| v == "1");
            if ci || required {
                panic!(
                    "{test}: a real redis-server is required here (CI or DCS_REQUIRE_REDIS=1): {e}"
                );
            }
            use std::io::Write;
            let _ = writeln!(
                std::io::stderr().lock(),
                "{test}: SKIPPED: needs redis-server ({e}); .ci/run installs it"
            );
            None
        }
    }
}
