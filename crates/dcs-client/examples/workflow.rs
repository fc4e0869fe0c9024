//! A whole instance lifecycle with no polling loop of its own: create an instance and wait
//! until it runs, resize it and wait until the change is done, back it up and wait for the
//! backup, then clean up (delete the backup, delete the instance and wait until it is gone).
//! Every wait is the operation's own `send_and_wait()`, which knows from the service model
//! what to poll, which states mean done or failed, and for how long.
//!
//! ```text
//! cargo run -p dcs-client --example workflow
//! ```
//!
//! With no configuration in the environment it starts the embedded emulator, whose work takes
//! a real (short) time, and runs there. With any of `HUAWEICLOUD_SDK_AK`, `_SK`,
//! `_SECURITY_TOKEN`, `_PROJECT_ID`, `_REGION` or `DCS_ENDPOINT` set it runs against the real
//! service, found as every official SDK finds it, and then also needs where to put the
//! instance: `DCS_EXAMPLE_VPC_ID`, `DCS_EXAMPLE_SUBNET_ID` and `DCS_EXAMPLE_AZ` (optionally
//! `DCS_EXAMPLE_SPEC_CODE` and `DCS_EXAMPLE_NEW_SPEC_CODE`, master/standby Redis 1 GB and 2 GB
//! by default; a single-node instance cannot be backed up). The real service bills the
//! instance while it exists; the example deletes it even when a step fails.
//!
//! Exit codes: 0 done; 1 the service refused a request or some work ended in a failure state;
//! 2 a configuration error; 3 a transport failure.

use dcs_client::{DcsClient, Error, ErrorKind, Observation, WaitOptions};
use dcs_emulator::Emulator;
use std::process::ExitCode;
use std::time::Duration;

/// What to create and what to resize it to.
#[derive(Debug, Clone)]
pub struct Plan {
    pub name: String,
    pub spec_code: String,
    pub capacity: f64,
    pub new_spec_code: String,
    pub new_capacity: f64,
    pub az: String,
    pub vpc_id: String,
    pub subnet_id: String,
    pub password: String,
}

impl Plan {
    /// A master/standby Redis 5.0 instance of 1 GB, resized to 2 GB.
    fn with_network(az: String, vpc_id: String, subnet_id: String) -> Self {
        Plan {
            name: "dcs-rust-sdk-workflow".to_string(),
            spec_code: "redis.ha.xu1.large.r2.1".to_string(),
            capacity: 1.0,
            new_spec_code: "redis.ha.xu1.large.r2.2".to_string(),
            new_capacity: 2.0,
            az,
            vpc_id,
            subnet_id,
            password: password(),
        }
    }
}

/// A fresh password meeting the service's rules (upper and lower case, digits, specials).
fn password() -> String {
    let tail: String = (0..12).map(|_| fastrand::alphanumeric()).collect();
    format!("Dcs#{tail}9a")
}

/// What the run did.
#[derive(Debug, Clone, Default)]
pub struct Report {
    pub instance_id: String,
    pub backup_id: String,
    /// The final state of each wait, in order: created, resized, backed up, backup deleted,
    /// instance deleted.
    pub states: Vec<String>,
}

/// Runs the workflow. `opts` sets how waits poll (the table's budgets and intervals when
/// left alone); `say` hears one line per step and per poll.
pub async fn run(
    client: &DcsClient,
    plan: &Plan,
    opts: WaitOptions,
    say: impl Fn(String) + Send + Sync + Clone + 'static,
) -> Result<Report, Error> {
    let progress = {
        let say = say.clone();
        move |o: &Observation| {
            let busy = if o.busy { ", busy" } else { "" };
            say(format!(
                "  {}: {} is {}{busy} (poll {}, {:.1} s)",
                o.operation,
                o.resource,
                o.state.as_deref().unwrap_or("?"),
                o.poll,
                o.elapsed.as_secs_f64()
            ))
        }
    };
    let opts = opts.on_observe(progress);
    let mut report = Report::default();

    say(format!("creating {} ({} GB)", plan.name, plan.capacity));
    let created = client
        .create_instance()
        .name(plan.name.clone())
        .engine("Redis")
        .engine_version("5.0")
        .capacity(plan.capacity)
        .spec_code(plan.spec_code.clone())
        .az_codes([plan.az.clone()])
        .vpc_id(plan.vpc_id.clone())
        .subnet_id(plan.subnet_id.clone())
        .password(plan.password.clone())
        .send_and_wait_with(opts.clone())
        .await?;
    let id = created
        .output
        .instances
        .as_ref()
        .and_then(|i| i.first())
        .and_then(|i| i.instance_id.clone())
        .unwrap_or_default();
    report.instance_id = id.clone();
    report
        .states
        .extend(created.completions.iter().map(|c| c.state.clone()));
    say(format!("instance {id} is running"));

    // Whatever happens next, the instance is deleted at the end.
    let middle = async {
        say(format!("resizing to {} GB", plan.new_capacity));
        let resized = client
            .resize_instance(&id)
            .spec_code(plan.new_spec_code.clone())
            .new_capacity(plan.new_capacity)
            .send_and_wait_with(opts.clone())
            .await?;
        report
            .states
            .extend(resized.completions.iter().map(|c| c.state.clone()));
        say("resized".to_string());

        say("backing up".to_string());
        let backup = client
            .copy_instance(&id)
            .remark("made by the workflow example")
            .send_and_wait_with(opts.clone())
            .await?;
        report.backup_id = backup.output.backup_id.clone().unwrap_or_default();
        report
            .states
            .extend(backup.completions.iter().map(|c| c.state.clone()));
        say(format!("backup {} done", report.backup_id));

        say("deleting the backup".to_string());
        let gone = client
            .delete_backup_file(&id, &report.backup_id)
            .send_and_wait_with(opts.clone())
            .await?;
        report
            .states
            .extend(gone.completions.iter().map(|c| c.state.clone()));
        Ok::<(), Error>(())
    }
    .await;

    say(format!("deleting instance {id}"));
    let deleted = client
        .delete_single_instance(&id)
        .send_and_wait_with(opts.clone())
        .await;
    // A failure in the middle is the one to report; the deletion's own error otherwise.
    middle?;
    let deleted = deleted?;
    report
        .states
        .extend(deleted.completions.iter().map(|c| c.state.clone()));
    say(format!("instance {id} is gone"));
    Ok(report)
}

/// The emulator this example starts when nothing is configured: its work takes `delay` of
/// real time; and a client for it.
pub async fn embedded(delay: Duration) -> std::io::Result<(Emulator, DcsClient)> {
    const AK: &str = "WORKFLOWEXAMPLEAK001";
    const SK: &str = "workflow-example-secret-key";
    const PROJECT: &str = "0a1b2c3d4e5f40718293a4b5c6d7e8f9";
    let emu = Emulator::start().await?;
    emu.add_credentials(AK, SK, PROJECT);
    emu.set_operation_delay(delay);
    let client = DcsClient::builder()
        .endpoint(emu.endpoint())
        .credentials(dcs_client::Credentials::new(AK, SK))
        .project_id(PROJECT)
        .build()
        .map_err(std::io::Error::other)?;
    Ok((emu, client))
}

/// On the emulator: a plan with a made-up network, and polls every 100 ms (the work takes
/// 300 ms there, where the service's tables plan for minutes).
pub async fn on_emulator(say: impl Fn(String) + Send + Sync + Clone + 'static) -> ExitCode {
    let (emu, client) = match embedded(Duration::from_millis(300)).await {
        Ok(x) => x,
        Err(e) => {
            eprintln!("cannot start the embedded emulator: {e}");
            return ExitCode::from(3);
        }
    };
    say(format!(
        "no configuration in the environment: using the embedded DCS emulator at {}",
        emu.endpoint()
    ));
    let plan = Plan::with_network("az-1".into(), "vpc-1".into(), "subnet-1".into());
    let opts = WaitOptions::new().interval(Duration::from_millis(100));
    finish(run(&client, &plan, opts, say).await)
}

fn finish(r: Result<Report, Error>) -> ExitCode {
    match r {
        Ok(report) => {
            println!("done: {}", report.states.join(" -> "));
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            match e.kind() {
                ErrorKind::Service | ErrorKind::Wait => ExitCode::from(1),
                ErrorKind::InvalidInput | ErrorKind::Config => ExitCode::from(2),
                _ => ExitCode::from(3),
            }
        }
    }
}

/// A variable's value; an error naming it when it is set but empty or not UTF-8.
fn var(name: &str) -> Result<Option<String>, String> {
    match std::env::var_os(name) {
        None => Ok(None),
        Some(v) => match v.into_string() {
            Ok(s) if s.is_empty() => Err(format!("{name} is set but empty")),
            Ok(s) => Ok(Some(s)),
            Err(_) => Err(format!("{name} is not valid UTF-8")),
        },
    }
}

async fn on_service() -> Result<ExitCode, String> {
    let need = |name: &str| -> Result<String, String> {
        var(name)?.ok_or_else(|| {
            format!("{name} is required against the real service (the instance's network)")
        })
    };
    let mut plan = Plan::with_network(
        need("DCS_EXAMPLE_AZ")?,
        need("DCS_EXAMPLE_VPC_ID")?,
        need("DCS_EXAMPLE_SUBNET_ID")?,
    );
    if let Some(s) = var("DCS_EXAMPLE_SPEC_CODE")? {
        plan.spec_code = s;
    }
    if let Some(s) = var("DCS_EXAMPLE_NEW_SPEC_CODE")? {
        plan.new_spec_code = s;
    }
    let client = DcsClient::builder()
        .context(dcs_client::Context::from_process())
        .build()
        .map_err(|e| e.to_string())?;
    Ok(finish(
        run(&client, &plan, WaitOptions::new(), |line| {
            println!("{line}")
        })
        .await,
    ))
}

#[tokio::main]
async fn main() -> ExitCode {
    const CONFIG: &[&str] = &[
        "HUAWEICLOUD_SDK_AK",
        "HUAWEICLOUD_SDK_SK",
        "HUAWEICLOUD_SDK_SECURITY_TOKEN",
        "HUAWEICLOUD_SDK_PROJECT_ID",
        "HUAWEICLOUD_SDK_REGION",
        "DCS_ENDPOINT",
    ];
    if CONFIG.iter().all(|v| std::env::var_os(v).is_none()) {
        return on_emulator(|line| println!("{line}")).await;
    }
    match on_service().await {
        Ok(code) => code,
        Err(msg) => {
            eprintln!("configuration error: {msg}");
            ExitCode::from(2)
        }
    }
}
