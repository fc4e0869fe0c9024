//! `dcs`: the command line for Huawei Cloud DCS.
//!
//! `dcs call <Operation>` reaches every DCS v2 operation through its generated typed request.
//! Exit codes: 0 success, 1 the service answered with an error, 2 invalid input or
//! configuration (nothing sent), 3 transport failure.

mod call;
mod config;
mod generated;

use clap::{Arg, ArgAction, ArgMatches, Command};
use std::io::Read;
use std::process::ExitCode;

fn cli() -> Command {
    Command::new("dcs")
        .about("Huawei Cloud DCS from the command line")
        .long_about(
            "Huawei Cloud DCS from the command line.\n\n\
             Configuration is found where the official SDKs keep it: credentials in \
             HUAWEICLOUD_SDK_AK / HUAWEICLOUD_SDK_SK (/ HUAWEICLOUD_SDK_SECURITY_TOKEN), \
             ~/.huaweicloud/credentials ([basic], or --profile), or the ECS metadata service; \
             the region in --region, HUAWEICLOUD_SDK_REGION or the profile; the endpoint in \
             --endpoint, DCS_ENDPOINT or from the region; the project in --project-id, \
             HUAWEICLOUD_SDK_PROJECT_ID, the profile, or looked up in IAM by region.\n\n\
             Exit codes: 0 success, 1 the service answered with an error, 2 invalid input or \
             configuration (nothing was sent), 3 transport failure.",
        )
        .arg(
            Arg::new("profile")
                .long("profile")
                .global(true)
                .value_name("NAME")
                .help("The section of ~/.huaweicloud/credentials to read (overrides HUAWEICLOUD_SDK_PROFILE)"),
        )
        .arg(
            Arg::new("endpoint")
                .long("endpoint")
                .global(true)
                .value_name("URL")
                .help("The full endpoint URL (overrides DCS_ENDPOINT)"),
        )
        .arg(
            Arg::new("region")
                .long("region")
                .global(true)
                .value_name("REGION")
                .help("The region, e.g. cn-north-4 (overrides HUAWEICLOUD_SDK_REGION)"),
        )
        .arg(
            Arg::new("project-id")
                .long("project-id")
                .global(true)
                .value_name("ID")
                .help("The project (overrides HUAWEICLOUD_SDK_PROJECT_ID)"),
        )
        .subcommand_required(true)
        .subcommand(
            Command::new("call")
                .about("Call any DCS v2 operation with JSON input")
                .long_about(
                    "Call any DCS v2 operation with JSON input.\n\n\
                     The input's keys are the operation's path and query parameter names as the \
                     API spells them (instance_id, offset, limit...; never project_id), plus \
                     `body` holding the request body. An unknown key, a wrong type, a missing \
                     required field or a broken constraint exits 2 and sends nothing. The answer \
                     is printed as JSON; an empty answer prints nothing.",
                )
                .arg(
                    Arg::new("operation")
                        .value_name("OPERATION")
                        .help("The operation name, e.g. ListInstances"),
                )
                .arg(
                    Arg::new("input-json")
                        .long("input-json")
                        .value_name("JSON")
                        .conflicts_with("input-file")
                        .help("The input as JSON"),
                )
                .arg(
                    Arg::new("input-file")
                        .long("input-file")
                        .value_name("PATH")
                        .help("Read the input from a file (- for stdin)"),
                )
                .arg(
                    Arg::new("output-file")
                        .long("output-file")
                        .value_name("PATH")
                        .help("Write the answer to a file instead of stdout"),
                )
                .arg(
                    Arg::new("list")
                        .long("list")
                        .action(ArgAction::SetTrue)
                        .conflicts_with("operation")
                        .help("List every operation: name, method, path"),
                )
                .arg(
                    Arg::new("skeleton")
                        .long("skeleton")
                        .action(ArgAction::SetTrue)
                        .help("Print an input template with every parameter"),
                ),
        )
}

fn main() -> ExitCode {
    let matches = match cli().try_get_matches_from(std::env::args_os()) {
        Ok(m) => m,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match matches.subcommand() {
        Some(("call", m)) => call_command(&matches, m),
        _ => ExitCode::from(2),
    }
}

fn flags(top: &ArgMatches, sub: &ArgMatches) -> config::Flags {
    let get = |name: &str| {
        sub.get_one::<String>(name)
            .or_else(|| top.get_one::<String>(name))
            .cloned()
    };
    config::Flags {
        endpoint: get("endpoint"),
        region: get("region"),
        project_id: get("project-id"),
        profile: get("profile"),
    }
}

fn fail(code: u8, msg: impl std::fmt::Display) -> ExitCode {
    eprintln!("dcs: {msg}");
    ExitCode::from(code)
}

fn call_command(top: &ArgMatches, m: &ArgMatches) -> ExitCode {
    if m.get_flag("list") {
        for op in dcs_model::OPERATIONS {
            println!("{}\t{}\t{}", op.name, op.method, op.path_template);
        }
        return ExitCode::SUCCESS;
    }
    let Some(name) = m.get_one::<String>("operation") else {
        return fail(2, "name an operation (dcs call --list shows them all)");
    };
    let Some(meta) = dcs_model::find_operation(name) else {
        return fail(
            2,
            format!("no operation named {name:?} (dcs call --list shows them all)"),
        );
    };
    if m.get_flag("skeleton") {
        match generated::skeleton(meta.name) {
            Some(v) => {
                println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
                return ExitCode::SUCCESS;
            }
            None => return fail(2, "no skeleton"),
        }
    }
    let text = match (
        m.get_one::<String>("input-json"),
        m.get_one::<String>("input-file"),
    ) {
        (Some(j), _) => j.clone(),
        (None, Some(p)) if p == "-" => {
            let mut s = String::new();
            if let Err(e) = std::io::stdin().read_to_string(&mut s) {
                return fail(2, format!("cannot read the input from stdin: {e}"));
            }
            s
        }
        (None, Some(p)) => match std::fs::read_to_string(p) {
            Ok(s) => s,
            Err(e) => return fail(2, format!("cannot read the input file {p}: {e}")),
        },
        (None, None) => "{}".to_string(),
    };
    let input: serde_json::Value = match serde_json::from_str(&text) {
        Ok(v @ serde_json::Value::Object(_)) => v,
        Ok(_) => return fail(2, "the input must be a JSON object"),
        Err(e) => return fail(2, format!("the input is not JSON: {e}")),
    };
    let client = match config::client(
        &flags(top, m),
        dcs_client::Context::from_process(),
        dcs_client::ClientConfig::default(),
    ) {
        Ok(c) => c,
        Err(e) => return fail(2, e),
    };
    let out: Box<dyn std::io::Write + Send> = match m.get_one::<String>("output-file") {
        Some(p) => match std::fs::File::create(p) {
            Ok(f) => Box::new(std::io::BufWriter::new(f)),
            Err(e) => return fail(2, format!("cannot create {p}: {e}")),
        },
        None => Box::new(std::io::stdout()),
    };
    let mut sink = call::Sink { out };
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => return fail(3, format!("cannot start the runtime: {e}")),
    };
    let result = rt.block_on(async {
        match generated::call(&client, meta.name, &input, &mut sink) {
            Some(f) => f.await,
            None => Err(call::CallError::Invalid(format!(
                "no operation named {name:?}"
            ))),
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(e.exit_code(), e),
    }
}
