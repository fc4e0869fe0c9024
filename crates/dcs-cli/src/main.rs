//! `dcs`: the command line for Huawei Cloud DCS.
//!
//! `dcs call <Operation>` reaches every DCS v2 operation through its generated typed request.
//! Exit codes: 0 success, 1 the service answered with an error, 2 invalid input or
//! configuration (nothing sent), 3 transport failure.

/// A line on stdout that never panics: a closed pipe (`| head`) makes it return `false`.
macro_rules! outln {
    ($($arg:tt)*) => {
        $crate::output::write_out(&format!("{}\n", format_args!($($arg)*)))
    };
}

/// A line on stderr that never panics: a closed stderr loses the line, nothing more.
macro_rules! errln {
    ($($arg:tt)*) => {
        $crate::output::eprint(&format!("{}\n", format_args!($($arg)*)))
    };
}

mod bulk;
mod call;
mod config;
#[allow(dead_code)] // the per-operation help table is read once `dcs call` shows it
mod generated;
mod hints;
mod instances;
mod output;
mod tasks;
mod when;

use clap::{Arg, ArgAction, ArgMatches, Command};
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
                        .help("Print an input template: the required parameters and body fields, each a placeholder saying what to put there"),
                )
                .arg(
                    Arg::new("no-validate")
                        .long("no-validate")
                        .action(ArgAction::SetTrue)
                        .help("Send the input without checking it against the API reference's rules (the service still checks it)"),
                ),
        )
        .subcommand(
            Command::new("tasks")
                .about("The Task Center: list, delete (one by one or in bulk), wait")
                .subcommand_required(true)
                .subcommand(selection_args(
                    Command::new("list")
                        .about("List Task Center tasks (every page with --all)")
                        .arg(Arg::new("all").long("all").action(ArgAction::SetTrue).help("Walk every page"))
                        .arg(Arg::new("limit").long("limit").value_name("N").default_value("100").help("At most N tasks (without --all)"))
                        .arg(output_arg())
                        .arg(query_arg()),
                ))
                .subcommand(selection_args(
                    Command::new("delete")
                        .about("Delete tasks by id, or every task that matches with --all")
                        .long_about(
                            "Delete tasks by id, or every task that matches with --all.\n\n\
                             With --all, the matching tasks are listed and counted, and you are \
                             asked before anything is deleted (unless --yes; without a terminal \
                             on stdin it refuses without --yes). Deletes run with bounded \
                             concurrency, slow down when the service throttles, and end with a \
                             summary: deleted, already gone (the service said the task does \
                             not exist), refused, failed, outcome uncertain, not attempted. \
                             Every selection criterion is checked again on what the service \
                             lists. Ctrl-C or SIGTERM stops sending, waits for the deletes in \
                             flight, and prints the same summary. Exit 0 only when every \
                             selected task ended deleted or already gone; 130 after Ctrl-C, \
                             143 after SIGTERM.",
                        )
                        .arg(Arg::new("ids").value_name("TASK_ID").num_args(0..).help("Tasks to delete"))
                        .arg(Arg::new("all").long("all").action(ArgAction::SetTrue).conflicts_with("ids").help("Delete every task that matches the selection"))
                        .arg(Arg::new("older-than").long("older-than").value_name("DURATION").requires("all").help("Only tasks created longer ago than this (e.g. 7d, 12h)"))
                        .arg(Arg::new("dry-run").long("dry-run").action(ArgAction::SetTrue).help("List what would be deleted; send no DELETE"))
                        .arg(Arg::new("yes").long("yes").short('y').action(ArgAction::SetTrue).help("Do not ask"))
                        .arg(Arg::new("concurrency").long("concurrency").value_name("N").default_value("8").help("Deletes in flight at once (1 to 64)"))
                        .arg(Arg::new("message").long("message").value_name("TEXT").help("The message sent with each delete"))
                        .arg(output_arg()),
                ))
                .subcommand(
                    Command::new("wait")
                        .about("Wait until a task leaves RUNNING (exit 0 SUCCESS, 1 otherwise, 124 on timeout)")
                        .arg(Arg::new("id").value_name("TASK_ID").required(true))
                        .arg(Arg::new("timeout").long("timeout").value_name("DURATION").default_value("10m").help("Give up after this long, listing included (e.g. 90s, 10m)")),
                ),
        )
        .subcommand(
            Command::new("instances")
                .about("DCS instances at a glance")
                .subcommand_required(true)
                .subcommand(
                    Command::new("list")
                        .about("List instances (every page)")
                        .arg(Arg::new("name").long("name").value_name("NAME").help("Instances whose name matches"))
                        .arg(Arg::new("status").long("status").value_name("STATUS").help("Instances in this status (RUNNING, CREATING...)"))
                        .arg(output_arg())
                        .arg(query_arg()),
                )
                .subcommand(
                    Command::new("show")
                        .about("Show one instance")
                        .arg(Arg::new("id").value_name("INSTANCE_ID").required(true))
                        .arg(output_arg())
                        .arg(query_arg()),
                ),
        )
        .subcommand(
            Command::new("completions")
                .about("Print a shell completion script")
                .arg(
                    Arg::new("shell")
                        .value_name("SHELL")
                        .required(true)
                        .value_parser(["bash", "zsh", "fish"]),
                ),
        )
}

fn output_arg() -> Arg {
    Arg::new("output")
        .long("output")
        .short('o')
        .value_name("FORMAT")
        .value_parser(["table", "json", "tsv"])
        .help("table (the default on a terminal), json (elsewhere) or tsv")
}

fn query_arg() -> Arg {
    Arg::new("query")
        .long("query")
        .value_name("JMESPATH")
        .help("Select fields with a JMESPath expression, e.g. \"[?status=='SUCCESS'].id\"")
}

fn selection_args(c: Command) -> Command {
    c.arg(
        Arg::new("status")
            .long("status")
            .value_name("STATUS")
            .help("Only tasks in this status (SUCCESS, FAILED, RUNNING...)"),
    )
    .arg(
        Arg::new("name")
            .long("name")
            .value_name("NAME")
            .help("Only tasks with this name (EXTEND, BindEip...)"),
    )
    .arg(
        Arg::new("since")
            .long("since")
            .value_name("TIME")
            .help("Created at or after: a time (2026-11-01T00:00:00Z) or a duration ago (24h)"),
    )
    .arg(
        Arg::new("until")
            .long("until")
            .value_name("TIME")
            .help("Created at or before: a time or a duration ago"),
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
        Some(("tasks", m)) => people_command(&matches, m, "tasks"),
        Some(("instances", m)) => people_command(&matches, m, "instances"),
        Some(("completions", m)) => {
            let shell = match m.get_one::<String>("shell").map(String::as_str) {
                Some("bash") => clap_complete::Shell::Bash,
                Some("zsh") => clap_complete::Shell::Zsh,
                _ => clap_complete::Shell::Fish,
            };
            // Written whole at the end, so a closed pipe is a lost write, not a panic.
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut cli(), "dcs", &mut script);
            output::print(&String::from_utf8_lossy(&script));
            ExitCode::SUCCESS
        }
        _ => ExitCode::from(2),
    }
}

fn flags(top: &ArgMatches, sub: &ArgMatches) -> config::Flags {
    let get = |name: &str| {
        sub.try_get_one::<String>(name)
            .ok()
            .flatten()
            .or_else(|| top.try_get_one::<String>(name).ok().flatten())
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
    errln!("dcs: {msg}");
    ExitCode::from(code)
}

/// The most bytes of `dcs call` input read from `--input-file` or stdin: 16 MiB (the gateway
/// takes request bodies of up to 12 MB).
const MAX_INPUT_BYTES: u64 = 16 * 1024 * 1024;

/// The input text from `source` (named `what` in errors), at most [`MAX_INPUT_BYTES`].
fn read_input(source: impl std::io::Read, what: &str) -> Result<String, String> {
    let bytes = dcs_config::context::read_capped_from(source, MAX_INPUT_BYTES).map_err(|e| {
        if e.kind() == std::io::ErrorKind::FileTooLarge {
            format!("the input {what} is larger than {MAX_INPUT_BYTES} bytes, the most read of it")
        } else {
            format!("cannot read the input {what}: {e}")
        }
    })?;
    String::from_utf8(bytes).map_err(|_| format!("the input {what} is not UTF-8"))
}

fn call_command(top: &ArgMatches, m: &ArgMatches) -> ExitCode {
    if m.get_flag("list") {
        for op in dcs_model::OPERATIONS {
            if !outln!("{}\t{}\t{}", op.name, op.method, op.path_template) {
                break;
            }
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
                outln!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
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
        (None, Some(p)) if p == "-" => match read_input(std::io::stdin().lock(), "on stdin") {
            Ok(s) => s,
            Err(e) => return fail(2, e),
        },
        (None, Some(p)) => match std::fs::File::open(p) {
            Ok(f) => match read_input(f, &format!("file {p}")) {
                Ok(s) => s,
                Err(e) => return fail(2, e),
            },
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
    let options = call::CallOptions {
        no_validate: m.get_flag("no-validate"),
    };
    let result = rt.block_on(async {
        match generated::call(&client, meta.name, &input, &mut sink, &options) {
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

fn selection(m: &ArgMatches) -> Result<tasks::Selection, String> {
    let get = |n: &str| m.try_get_one::<String>(n).ok().flatten().cloned();
    let since = get("since").map(|t| when::point(&t)).transpose()?;
    let until = get("until").map(|t| when::point(&t)).transpose()?;
    let created_before = get("older-than")
        .map(|d| when::duration(&d).map(|d| when::now_secs() - d.as_secs() as i64))
        .transpose()?;
    Ok(tasks::Selection {
        status: get("status"),
        name: get("name"),
        since,
        until,
        created_before,
    })
}

fn people_command(top: &ArgMatches, group: &ArgMatches, which: &str) -> ExitCode {
    let Some((sub, m)) = group.subcommand() else {
        return fail(2, "name a subcommand (see --help)");
    };
    let format = match output::Format::choose(
        m.try_get_one::<String>("output")
            .ok()
            .flatten()
            .map(String::as_str),
    ) {
        Ok(f) => f,
        Err(e) => return fail(2, e),
    };
    let query = m.try_get_one::<String>("query").ok().flatten().cloned();
    let concurrency = match m.try_get_one::<String>("concurrency").ok().flatten() {
        Some(c) => match c.parse::<usize>() {
            Ok(n) if (1..=64).contains(&n) => n,
            _ => {
                return fail(
                    2,
                    format!("--concurrency {c:?}: a whole number from 1 to 64"),
                )
            }
        },
        None => 8,
    };
    // One connection per worker: the pool never holds more than the deletes in flight.
    let config = dcs_client::ClientConfig::default().pool_max_connections_per_host(concurrency);
    let client = match config::client(&flags(top, m), dcs_client::Context::from_process(), config) {
        Ok(c) => c,
        Err(e) => return fail(2, format!("{e}\n  hint: configuration is read from flags, HUAWEICLOUD_SDK_* variables, ~/.huaweicloud/credentials and the ECS metadata service")),
    };
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => return fail(3, format!("cannot start the runtime: {e}")),
    };
    rt.block_on(async move {
        match (which, sub) {
            ("tasks", "list") => {
                let sel = match selection(m) {
                    Ok(s) => s,
                    Err(e) => return fail(2, e),
                };
                let limit = match m.get_one::<String>("limit").map(|l| l.parse::<usize>()) {
                    Some(Ok(n)) if n > 0 => n,
                    _ => return fail(2, "--limit: a whole number above 0"),
                };
                tasks::list(
                    &client,
                    &sel,
                    m.get_flag("all"),
                    limit,
                    format,
                    query.as_deref(),
                )
                .await
            }
            ("tasks", "delete") => {
                let ids: Vec<String> = m
                    .get_many::<String>("ids")
                    .map(|v| v.cloned().collect())
                    .unwrap_or_default();
                let all = m.get_flag("all");
                if !all && ids.is_empty() {
                    return fail(2, "name the tasks to delete, or select them with --all");
                }
                let sel = match selection(m) {
                    Ok(s) => s,
                    Err(e) => return fail(2, e),
                };
                if !all
                    && (sel.status.is_some()
                        || sel.name.is_some()
                        || sel.since.is_some()
                        || sel.until.is_some())
                {
                    return fail(
                        2,
                        "--status, --name, --since and --until select tasks for --all",
                    );
                }
                for id in &ids {
                    if let Err(e) = dcs_model::TaskId::new(id.as_str()) {
                        return fail(2, format!("{e} (nothing was sent)"));
                    }
                }
                tasks::delete(
                    &client,
                    tasks::DeleteOpts {
                        ids,
                        all: all.then_some(sel),
                        message: m.get_one::<String>("message").cloned(),
                        dry_run: m.get_flag("dry-run"),
                        yes: m.get_flag("yes"),
                        concurrency,
                        format,
                    },
                )
                .await
            }
            ("tasks", "wait") => {
                let id = m.get_one::<String>("id").cloned().unwrap_or_default();
                let timeout = match when::duration(
                    m.get_one::<String>("timeout")
                        .map(String::as_str)
                        .unwrap_or("10m"),
                ) {
                    Ok(t) => t,
                    Err(e) => return fail(2, e),
                };
                tasks::wait(&client, &id, timeout).await
            }
            ("instances", "list") => {
                instances::list(
                    &client,
                    m.get_one::<String>("name").cloned(),
                    m.get_one::<String>("status").cloned(),
                    format,
                    query.as_deref(),
                )
                .await
            }
            ("instances", "show") => {
                let id = m.get_one::<String>("id").cloned().unwrap_or_default();
                instances::show(&client, &id, format, query.as_deref()).await
            }
            _ => fail(2, "unknown subcommand"),
        }
    })
}
