//! Deletes a DCS Task Center task.
//!
//! ```text
//! cargo run --example delete_task -- [--message TEXT] [--timeout SECS] [--max-attempts N] [TASK_ID]
//! ```
//!
//! Configuration is found as the library finds it (and as the official SDKs do): credentials in
//! `HUAWEICLOUD_SDK_AK`, `HUAWEICLOUD_SDK_SK` (and `HUAWEICLOUD_SDK_SECURITY_TOKEN`), the profile
//! file `~/.huaweicloud/credentials`, or the ECS metadata service; the project in
//! `HUAWEICLOUD_SDK_PROJECT_ID`, the profile, or IAM; the endpoint in `DCS_ENDPOINT` (a full
//! URL) or from `HUAWEICLOUD_SDK_REGION`. With none of these variables
//! set and no `TASK_ID`, the example starts the embedded emulator, seeds a task, deletes it, and
//! shows the 404 of a second delete. A variable that is set but empty, or not valid UTF-8, is a
//! configuration error (exit 2), never a reason to fall back to something else.
//!
//! Exit codes: 0 deleted; 1 the service answered with an error; 2 invalid input (nothing
//! sent); 3 transport failure (timeout, connection refused or reset, body too large).

use dcs_emulator::{Emulator, TaskStatus};
use dcs_tasks::{ClientConfig, Credentials, Error, ErrorKind, RetryPolicy, TasksClient};
use std::ffi::OsString;
use std::process::ExitCode;
use std::time::Duration;

struct Args {
    message: Option<String>,
    timeout: Option<Duration>,
    max_attempts: Option<u32>,
    task_id: Option<String>,
}

fn parse_args() -> Result<Args, String> {
    parse_args_from(std::env::args_os().skip(1))
}

fn parse_args_from(raw: impl Iterator<Item = OsString>) -> Result<Args, String> {
    let mut a = Args {
        message: None,
        timeout: None,
        max_attempts: None,
        task_id: None,
    };
    // Every argument must be text: one that is not is refused, never lossily converted.
    let args = raw
        .enumerate()
        .map(|(i, arg)| {
            arg.into_string()
                .map_err(|bad| format!("argument {} is not valid UTF-8: {bad:?}", i + 1))
        })
        .collect::<Result<Vec<String>, String>>()?;
    let mut it = args.into_iter();
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
            s if s.starts_with("--") => return Err(format!("unknown option {s:?}")),
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

const AK_VAR: &str = "HUAWEICLOUD_SDK_AK";
const SK_VAR: &str = "HUAWEICLOUD_SDK_SK";
const PROJECT_VAR: &str = "HUAWEICLOUD_SDK_PROJECT_ID";
const TOKEN_VAR: &str = "HUAWEICLOUD_SDK_SECURITY_TOKEN";
const ENDPOINT_VAR: &str = "DCS_ENDPOINT";
const REGION_VAR: &str = "HUAWEICLOUD_SDK_REGION";

/// One environment variable: `None` when unset; an error naming it when it is set but empty
/// or not valid UTF-8 (a mistake to report, not a reason to fall back to anything).
fn env(name: &str) -> Result<Option<String>, String> {
    match std::env::var_os(name) {
        None => Ok(None),
        Some(v) => match v.into_string() {
            Ok(s) if s.is_empty() => Err(format!(
                "{name} is set but empty: give it a value or unset it"
            )),
            Ok(s) => Ok(Some(s)),
            Err(_) => Err(format!("{name} is not valid UTF-8")),
        },
    }
}

/// The configuration read from the environment.
struct Env {
    ak: Option<String>,
    sk: Option<String>,
    project: Option<String>,
    token: Option<String>,
    endpoint: Option<String>,
    region: Option<String>,
}

impl Env {
    fn read() -> Result<Self, String> {
        Ok(Self {
            ak: env(AK_VAR)?,
            sk: env(SK_VAR)?,
            project: env(PROJECT_VAR)?,
            token: env(TOKEN_VAR)?,
            endpoint: env(ENDPOINT_VAR)?,
            region: env(REGION_VAR)?,
        })
    }

    fn is_empty(&self) -> bool {
        [
            &self.ak,
            &self.sk,
            &self.project,
            &self.token,
            &self.endpoint,
            &self.region,
        ]
        .iter()
        .all(|v| v.is_none())
    }
}

/// Server-controlled text made safe to print on one line, or `-`.
fn shown(text: Option<&str>) -> String {
    text.map_or_else(|| "-".to_string(), dcs_client::sanitize)
}

/// Prints the error and returns the exit code for it.
fn report(e: &Error) -> ExitCode {
    eprintln!("error: {e}");
    match e.kind() {
        ErrorKind::Service => {
            eprintln!("  status:     {}", e.status().unwrap_or_default());
            // Server text, escaped and capped: it must not forge lines or drive the terminal.
            eprintln!("  error_code: {}", shown(e.error_code()));
            eprintln!("  error_msg:  {}", shown(e.error_msg()));
            eprintln!("  request id: {}", shown(e.request_id()));
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
    let env = match Env::read() {
        Ok(e) => e,
        Err(msg) => {
            eprintln!("configuration error: {msg}");
            return ExitCode::from(2);
        }
    };
    // The demo only when nothing at all was asked of a real service.
    if env.is_empty() && args.task_id.is_none() {
        return demo(args).await;
    }
    real(args, env).await
}

async fn real(args: Args, _env: Env) -> ExitCode {
    let Some(task_id) = args.task_id.clone() else {
        eprintln!("configuration error: TASK_ID is required when a credential, endpoint or region is set (with none of them and no TASK_ID, the example runs the embedded emulator demo)");
        return ExitCode::from(2);
    };
    // The same chain as the library and `dcs`: environment, profile file, ECS metadata;
    // region and endpoint; project id from the environment, the profile or IAM.
    let b = TasksClient::builder()
        .context(dcs_client::Context::from_process())
        .config(config(&args));
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
    let task_id = "ff8080818e1c6f1b018e2b7d5a3c0042".to_string();
    let emu = match Emulator::start().await {
        Ok(e) => e,
        Err(e) => {
            eprintln!("cannot start the embedded emulator: {e}");
            return ExitCode::from(3);
        }
    };
    emu.add_credentials(AK, SK, PROJECT);
    emu.seed_task(PROJECT, &task_id, TaskStatus::Success);
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
        Err(e) if e.is_dcs_not_found() => {
            println!(
                "second delete: HTTP {} {} \"{}\" (request id {})",
                e.status().unwrap_or_default(),
                shown(e.error_code()),
                shown(e.error_msg()),
                shown(e.request_id())
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
