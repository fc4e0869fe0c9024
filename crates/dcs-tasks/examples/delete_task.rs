//! Deletes a DCS Task Center task.
//!
//! ```text
//! cargo run --example delete_task -- [--message TEXT] [--timeout SECS] [--max-attempts N] [TASK_ID]
//! ```
//!
//! Credentials come from `HUAWEICLOUD_SDK_AK`, `HUAWEICLOUD_SDK_SK`,
//! `HUAWEICLOUD_SDK_PROJECT_ID` and optionally `HUAWEICLOUD_SDK_SECURITY_TOKEN`; the endpoint
//! from `DCS_ENDPOINT` (a full URL) or `HUAWEICLOUD_SDK_REGION`. With no credentials set, the
//! example starts the embedded emulator, seeds a task, deletes it, and shows the 404 of a
//! second delete.
//!
//! Exit codes: 0 deleted; 1 the service answered with an error; 2 invalid input (nothing
//! sent); 3 transport failure (timeout, connection refused or reset, body too large).

use dcs_emulator::{Emulator, TaskStatus};
use dcs_tasks::{ClientConfig, Credentials, Error, ErrorKind, RetryPolicy, TasksClient};
use std::process::ExitCode;
use std::time::Duration;

struct Args {
    message: Option<String>,
    timeout: Option<Duration>,
    max_attempts: Option<u32>,
    task_id: Option<String>,
}

fn parse_args() -> Result<Args, String> {
    let mut a = Args {
        message: None,
        timeout: None,
        max_attempts: None,
        task_id: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--message" => a.message = Some(it.next().ok_or("--message needs a value")?),
            "--timeout" => {
                let v = it.next().ok_or("--timeout needs a value")?;
                let secs: f64 = v
                    .parse()
                    .map_err(|_| format!("--timeout {v:?} is not a number of seconds"))?;
                if !(secs.is_finite() && secs > 0.0 && secs <= 86_400.0) {
                    return Err(format!(
                        "--timeout {v:?} must be between 0 and 86400 seconds"
                    ));
                }
                a.timeout = Some(Duration::from_secs_f64(secs));
            }
            "--max-attempts" => {
                let v = it.next().ok_or("--max-attempts needs a value")?;
                let n: u32 = v
                    .parse()
                    .map_err(|_| format!("--max-attempts {v:?} is not a whole number"))?;
                if !(1..=10).contains(&n) {
                    return Err("--max-attempts must be from 1 to 10".into());
                }
                a.max_attempts = Some(n);
            }
            "-h" | "--help" => return Err(
                "usage: delete_task [--message TEXT] [--timeout SECS] [--max-attempts N] [TASK_ID]"
                    .into(),
            ),
            s if s.starts_with("--") => return Err(format!("unknown option {s}")),
            _ if a.task_id.is_some() => return Err("only one TASK_ID may be given".into()),
            _ => a.task_id = Some(arg),
        }
    }
    Ok(a)
}

fn config(args: &Args) -> ClientConfig {
    let mut cfg = ClientConfig::default();
    if let Some(t) = args.timeout {
        cfg = cfg.attempt_timeout(t).total_timeout(t);
    }
    if let Some(n) = args.max_attempts {
        cfg = cfg.retry(RetryPolicy::default().max_attempts(n));
    }
    cfg
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// Prints the error and returns the exit code for it.
fn report(e: &Error) -> ExitCode {
    eprintln!("error: {e}");
    match e.kind() {
        ErrorKind::Service => {
            eprintln!("  status:     {}", e.status().unwrap_or_default());
            eprintln!("  error_code: {}", e.error_code().unwrap_or("-"));
            eprintln!("  error_msg:  {}", e.error_msg().unwrap_or("-"));
            eprintln!("  request id: {}", e.request_id().unwrap_or("-"));
            if e.is_outcome_uncertain() {
                eprintln!(
                    "  note: the task may have been deleted all the same (outcome uncertain)"
                );
            }
            ExitCode::from(1)
        }
        ErrorKind::InvalidInput | ErrorKind::Config => ExitCode::from(2),
        _ => {
            if e.is_outcome_uncertain() {
                eprintln!(
                    "  note: the request may have reached the service; the task may be deleted"
                );
            }
            ExitCode::from(3)
        }
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(msg) => {
            eprintln!("{msg}");
            return ExitCode::from(2);
        }
    };
    match (
        env("HUAWEICLOUD_SDK_AK"),
        env("HUAWEICLOUD_SDK_SK"),
        env("HUAWEICLOUD_SDK_PROJECT_ID"),
    ) {
        (Some(ak), Some(sk), Some(project)) => real(args, ak, sk, project).await,
        (None, None, None) => demo(args).await,
        _ => {
            eprintln!("set all of HUAWEICLOUD_SDK_AK, HUAWEICLOUD_SDK_SK and HUAWEICLOUD_SDK_PROJECT_ID, or none of them to run against the embedded emulator");
            ExitCode::from(2)
        }
    }
}

async fn real(args: Args, ak: String, sk: String, project: String) -> ExitCode {
    let Some(task_id) = args.task_id.clone() else {
        eprintln!("TASK_ID is required when credentials are set");
        return ExitCode::from(2);
    };
    let mut creds = Credentials::new(ak, sk);
    if let Some(tok) = env("HUAWEICLOUD_SDK_SECURITY_TOKEN") {
        creds = creds.with_security_token(tok);
    }
    let mut b = TasksClient::builder()
        .credentials(creds)
        .project_id(project)
        .config(config(&args));
    b = match (env("DCS_ENDPOINT"), env("HUAWEICLOUD_SDK_REGION")) {
        (Some(url), _) => b.endpoint(url),
        (None, Some(region)) => b.region(region),
        (None, None) => {
            eprintln!("set DCS_ENDPOINT or HUAWEICLOUD_SDK_REGION");
            return ExitCode::from(2);
        }
    };
    let client = match b.build() {
        Ok(c) => c,
        Err(e) => return report(&e),
    };
    let call = client.delete_center_task(task_id.clone());
    let call = match args.message.clone() {
        Some(m) => call.message(m),
        None => call,
    };
    match call.send().await {
        Ok(_) => {
            println!("deleted task {task_id}");
            ExitCode::SUCCESS
        }
        Err(e) => report(&e),
    }
}

async fn demo(args: Args) -> ExitCode {
    const AK: &str = "DEMOAK0EMULATOR00001";
    const SK: &str = "demo-secret-key-for-the-local-emulator";
    const PROJECT: &str = "0a1b2c3d4e5f40718293a4b5c6d7e8f9";
    let task_id = args
        .task_id
        .clone()
        .unwrap_or_else(|| "ff8080818e1c6f1b018e2b7d5a3c0042".to_string());
    let emu = match Emulator::start().await {
        Ok(e) => e,
        Err(e) => {
            eprintln!("cannot start the embedded emulator: {e}");
            return ExitCode::from(3);
        }
    };
    emu.add_credentials(AK, SK, PROJECT);
    // Seed only a valid id; an invalid one must be refused by the client before sending.
    if dcs_model::TaskId::new(task_id.clone()).is_ok() {
        emu.seed_task(PROJECT, &task_id, TaskStatus::Success);
    }
    println!(
        "no credentials in the environment: using the embedded DCS emulator at {}",
        emu.endpoint()
    );
    let client = match TasksClient::builder()
        .endpoint(emu.endpoint())
        .credentials(Credentials::new(AK, SK))
        .project_id(PROJECT)
        .config(config(&args))
        .build()
    {
        Ok(c) => c,
        Err(e) => return report(&e),
    };
    let call = client.delete_center_task(task_id.clone());
    let call = match args.message.clone() {
        Some(m) => call.message(m),
        None => call,
    };
    let first = call.send().await;
    if let Err(e) = first {
        return report(&e);
    }
    println!("deleted task {task_id}");
    match client.delete_center_task(task_id.clone()).send().await {
        Err(e) if e.is_not_found() => {
            println!(
                "second delete: HTTP {} {} \"{}\" (request id {})",
                e.status().unwrap_or_default(),
                e.error_code().unwrap_or("-"),
                e.error_msg().unwrap_or("-"),
                e.request_id().unwrap_or("-")
            );
            ExitCode::SUCCESS
        }
        Ok(_) => {
            eprintln!("second delete unexpectedly succeeded");
            ExitCode::from(1)
        }
        Err(e) => report(&e),
    }
}
