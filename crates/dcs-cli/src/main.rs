//! `dcs`: the command line for Huawei Cloud DCS.
//!
//! `dcs call <Operation>` reaches every DCS v2 operation through its generated typed request;
//! `dcs instances`, `backups`, `tasks`, `wait` and `configure` are the daily loop for people.
//! Exit codes: 0 success, 1 the service answered with an error or the work waited for failed,
//! 2 invalid input or configuration (nothing sent), 3 transport failure, 124 gave up waiting,
//! 130 interrupted.

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
mod configure;
mod debug;
mod generated;
mod instances;
mod ops;
mod output;
mod report;
mod run;
mod tasks;
mod wait;
mod when;

use clap::{Arg, ArgAction, ArgMatches, Command};
use output::Format;
use report::Failure;
use serde_json::{json, Map, Value};
use std::process::ExitCode;

const GLOBAL: &str = "Global options";

fn cli() -> Command {
    Command::new("dcs")
        .version(env!("CARGO_PKG_VERSION"))
        .about("Huawei Cloud DCS from the command line")
        .long_about(
            "Huawei Cloud DCS from the command line.\n\n\
             Configuration is found where the official SDKs keep it: credentials in \
             HUAWEICLOUD_SDK_AK / HUAWEICLOUD_SDK_SK (/ HUAWEICLOUD_SDK_SECURITY_TOKEN), \
             ~/.huaweicloud/credentials ([basic], or --profile), or the ECS metadata service; \
             the region in --region, HUAWEICLOUD_SDK_REGION or the profile; the endpoint in \
             --endpoint, DCS_ENDPOINT or from the region; the project in --project-id, \
             HUAWEICLOUD_SDK_PROJECT_ID, the profile, or looked up in IAM by region. \
             `dcs configure list` shows what is in effect.\n\n\
             Exit codes: 0 success, 1 the service answered with an error (or the work waited \
             for reached a failure state), 2 invalid input or configuration (nothing was \
             sent), 3 transport failure, 124 gave up waiting, 130 interrupted.",
        )
        .disable_help_subcommand(true)
        .subcommand_required(true)
        .arg(global("profile", "NAME", "The section of ~/.huaweicloud/credentials to read (overrides HUAWEICLOUD_SDK_PROFILE)"))
        .arg(global("endpoint", "URL", "The full endpoint URL, scheme included (overrides DCS_ENDPOINT)"))
        .arg(global("region", "REGION", "The region, e.g. cn-north-4 (overrides HUAWEICLOUD_SDK_REGION)"))
        .arg(global("project-id", "ID", "The project (overrides HUAWEICLOUD_SDK_PROJECT_ID)"))
        .arg(
            global("output", "FORMAT", "json, table, tsv (lossless, a header row) or text (bare values); a table on a terminal, else JSON (dcs call: always JSON)")
                .short('o')
                .value_parser(["json", "table", "tsv", "text"]),
        )
        .arg(global("query", "JMESPATH", "Select from the answer with a JMESPath expression, e.g. \"[?status=='RUNNING'].instance_id\" (the aws CLI's `RUNNING` literals work too)"))
        .arg(
            Arg::new("debug")
                .long("debug")
                .global(true)
                .action(ArgAction::SetTrue)
                .help_heading(GLOBAL)
                .help("Log each request and answer on stderr: method, URL, status, request id, attempt, time (secrets never shown)"),
        )
        .subcommand(call_command())
        .subcommand(
            Command::new("instances")
                .about("DCS instances: list, show, create, resize, restart, delete")
                .subcommand_required(true)
                .subcommand(
                    Command::new("list")
                        .about("List instances (every page)")
                        .arg(Arg::new("name").long("name").value_name("NAME").help("Instances whose name matches"))
                        .arg(Arg::new("status").long("status").value_name("STATUS").help("Instances in this status (RUNNING, CREATING...)")),
                )
                .subcommand(
                    Command::new("show")
                        .about("Show one instance")
                        .arg(Arg::new("id").value_name("INSTANCE_ID").required(true)),
                )
                .subcommand(wait_args(
                    Command::new("create")
                        .about("Create an instance (--wait: until it is RUNNING)")
                        .long_about(
                            "Create an instance (CreateInstance). The flags set the body's common \
                             fields; --body-json adds any other (dcs help CreateInstance lists \
                             them). Prints the answer (the new instance's id), or with --wait the \
                             instance once it is RUNNING.",
                        )
                        .arg(Arg::new("name").long("name").value_name("NAME").required(true).help("4 to 64 letters, digits, - and _, starting with a letter or digit"))
                        .arg(Arg::new("engine").long("engine").value_name("ENGINE").default_value("Redis").help("Redis or Memcached"))
                        .arg(Arg::new("engine-version").long("engine-version").value_name("VERSION").help("e.g. 5.0, 6.0"))
                        .arg(Arg::new("capacity").long("capacity").value_name("GB").required(true).help("Size in GB, e.g. 0.125, 1, 8"))
                        .arg(Arg::new("spec-code").long("spec-code").value_name("SPEC").required(true).help("The flavour, e.g. redis.ha.xu1.large.r2.2 (ListFlavors)"))
                        .arg(Arg::new("az").long("az").value_name("AZ").required(true).num_args(1..).value_delimiter(',').help("Availability zone codes, e.g. cn-north-4a"))
                        .arg(Arg::new("vpc-id").long("vpc-id").value_name("ID").required(true))
                        .arg(Arg::new("subnet-id").long("subnet-id").value_name("ID").required(true))
                        .arg(Arg::new("security-group-id").long("security-group-id").value_name("ID"))
                        .arg(Arg::new("description").long("description").value_name("TEXT"))
                        .arg(Arg::new("password").long("password").value_name("PASSWORD").conflicts_with("no-password").help("The password (8 to 64 characters)"))
                        .arg(Arg::new("no-password").long("no-password").action(ArgAction::SetTrue).help("Access without a password"))
                        .arg(Arg::new("port").long("port").value_name("PORT"))
                        .arg(Arg::new("body-json").long("body-json").value_name("JSON").help("More body fields, as a JSON object")),
                ))
                .subcommand(wait_args(
                    Command::new("resize")
                        .about("Change an instance's size (--wait: until it is RUNNING again)")
                        .arg(Arg::new("id").value_name("INSTANCE_ID").required(true))
                        .arg(Arg::new("capacity").long("capacity").value_name("GB").required(true).help("The new size in GB"))
                        .arg(Arg::new("spec-code").long("spec-code").value_name("SPEC").required(true).help("The new flavour"))
                        .arg(Arg::new("change-type").long("change-type").value_name("TYPE").help("createReplication, deleteReplication or a size change (the default)")),
                ))
                .subcommand(wait_args(
                    Command::new("restart")
                        .about("Restart instances (--wait: until they are RUNNING again)")
                        .arg(Arg::new("ids").value_name("INSTANCE_ID").required(true).num_args(1..))
                        .arg(Arg::new("flush").long("flush").action(ArgAction::SetTrue).help("Flush the data instead of restarting")),
                ))
                .subcommand(wait_args(
                    Command::new("delete")
                        .about("Delete an instance (--wait: until it is gone)")
                        .arg(Arg::new("id").value_name("INSTANCE_ID").required(true)),
                )),
        )
        .subcommand(
            Command::new("backups")
                .about("Backups of an instance: create, list, restore")
                .subcommand_required(true)
                .subcommand(wait_args(
                    Command::new("create")
                        .about("Back an instance up (--wait: until the backup succeeded)")
                        .arg(Arg::new("id").value_name("INSTANCE_ID").required(true))
                        .arg(Arg::new("remark").long("remark").value_name("TEXT"))
                        .arg(Arg::new("format").long("format").value_name("FORMAT").value_parser(["rdb", "aof"]).help("rdb (the default) or aof")),
                ))
                .subcommand(
                    Command::new("list")
                        .about("List an instance's backups (every page)")
                        .arg(Arg::new("id").value_name("INSTANCE_ID").required(true)),
                )
                .subcommand(wait_args(
                    Command::new("restore")
                        .about("Restore an instance from a backup (--wait: until the restore succeeded)")
                        .arg(Arg::new("id").value_name("INSTANCE_ID").required(true))
                        .arg(Arg::new("backup").value_name("BACKUP_ID").required(true))
                        .arg(Arg::new("remark").long("remark").value_name("TEXT")),
                )),
        )
        .subcommand(
            Command::new("tasks")
                .about("The Task Center: list, delete (one by one or in bulk), wait")
                .subcommand_required(true)
                .subcommand(selection_args(
                    Command::new("list")
                        .about("List Task Center tasks (every page with --all)")
                        .arg(Arg::new("all").long("all").action(ArgAction::SetTrue).help("Walk every page"))
                        .arg(Arg::new("limit").long("limit").value_name("N").default_value("100").help("At most N tasks (without --all)")),
                ))
                .subcommand(selection_args(
                    Command::new("delete")
                        .about("Delete tasks by id, or every task that matches with --all")
                        .long_about(
                            "Delete tasks by id, or every task that matches with --all.\n\n\
                             One id prints one result. With --all, the matching tasks are listed \
                             and counted (RUNNING ones, which the service refuses to delete, are \
                             left out unless --include-running or --status RUNNING), and you are \
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
                        .arg(Arg::new("include-running").long("include-running").action(ArgAction::SetTrue).requires("all").help("Select RUNNING tasks too (the service refuses to delete them)"))
                        .arg(Arg::new("dry-run").long("dry-run").action(ArgAction::SetTrue).help("List what would be deleted, and what would be refused; send no DELETE"))
                        .arg(Arg::new("yes").long("yes").short('y').action(ArgAction::SetTrue).help("Do not ask"))
                        .arg(Arg::new("concurrency").long("concurrency").value_name("N").default_value("8").help("Deletes in flight at once (1 to 64)"))
                        .arg(Arg::new("message").long("message").value_name("TEXT").help("The message sent with each delete")),
                ))
                .subcommand(
                    Command::new("wait")
                        .about("Wait until a task leaves RUNNING (exit 0 SUCCESS, 1 otherwise, 124 on timeout)")
                        .arg(Arg::new("id").value_name("TASK_ID").required(true))
                        .arg(Arg::new("timeout").long("timeout").value_name("DURATION").default_value("10m").help("Give up after this long, listing included (e.g. 90s, 10m)")),
                ),
        )
        .subcommand(
            Command::new("wait")
                .about("Wait for an instance, a job, a backup or a restore to finish")
                .long_about(
                    "Wait for an instance, a job, a backup or a restore to finish, and print its \
                     final state. Progress goes to stderr. The default budgets are the service's \
                     documented ones (an instance 60 minutes, a deletion 15, a job, backup or \
                     restore 30). Exit 0 reached; 1 a failure state (named on stderr); 124 gave \
                     up waiting; 130 interrupted.",
                )
                .subcommand_required(true)
                .subcommand(poll_args(
                    Command::new("instance")
                        .about("Until the instance is RUNNING (twice in a row, no task running), or gone")
                        .arg(Arg::new("id").value_name("INSTANCE_ID").required(true))
                        .arg(Arg::new("status").long("status").value_name("STATUS").default_value("RUNNING").value_parser(["RUNNING", "deleted"]).help("RUNNING, or deleted")),
                ))
                .subcommand(poll_args(
                    Command::new("job")
                        .about("Until the job (ShowJobInfo) is SUCCESS")
                        .arg(Arg::new("id").value_name("JOB_ID").required(true)),
                ))
                .subcommand(poll_args(
                    Command::new("backup")
                        .about("Until the backup succeeded")
                        .arg(Arg::new("id").value_name("INSTANCE_ID").required(true))
                        .arg(Arg::new("item").value_name("BACKUP_ID").required(true)),
                ))
                .subcommand(poll_args(
                    Command::new("restore")
                        .about("Until the restore succeeded")
                        .arg(Arg::new("id").value_name("INSTANCE_ID").required(true))
                        .arg(Arg::new("item").value_name("RESTORE_ID").required(true)),
                )),
        )
        .subcommand(
            Command::new("configure")
                .about("The configuration in effect, and the profile file")
                .subcommand_required(true)
                .subcommand(Command::new("list").about("Every setting in effect, where it came from (secrets masked)"))
                .subcommand(
                    Command::new("get")
                        .about("One setting in effect (secrets masked)")
                        .arg(Arg::new("key").value_name("KEY").required(true)),
                )
                .subcommand(
                    Command::new("set")
                        .about("Write a key into the profile (~/.huaweicloud/credentials, a new file made 0600)")
                        .long_about(
                            "Write a key into the profile: [basic] of ~/.huaweicloud/credentials, or \
                             the section of --profile / HUAWEICLOUD_SDK_PROFILE, in the file named by \
                             HUAWEICLOUD_SDK_CREDENTIALS_FILE if set. A new file is created readable \
                             by you alone (0600). Keys: ak, sk, security_token, project_id, region, \
                             iam_endpoint. A value of - is read from stdin, so a secret stays out of \
                             the shell's history.",
                        )
                        .arg(Arg::new("key").value_name("KEY").required(true))
                        .arg(Arg::new("value").value_name("VALUE").required(true)),
                ),
        )
        .subcommand(
            Command::new("completions")
                .about("Print a shell completion script (subcommands, flags and operation names)")
                .arg(
                    Arg::new("shell")
                        .value_name("SHELL")
                        .required(true)
                        .value_parser(["bash", "zsh", "fish", "powershell", "elvish"]),
                ),
        )
        .subcommand(
            Command::new("help")
                .about("Help on a command (dcs help tasks delete) or an operation (dcs help CreateInstance)")
                .arg(Arg::new("words").value_name("COMMAND|OPERATION").num_args(0..)),
        )
}

fn global(id: &'static str, value: &'static str, help: &'static str) -> Arg {
    Arg::new(id)
        .long(id)
        .global(true)
        .value_name(value)
        .help_heading(GLOBAL)
        .help(help)
}

fn call_command() -> Command {
    Command::new("call")
        .about("Call any DCS v2 operation with JSON input")
        .long_about(
            "Call any DCS v2 operation with JSON input.\n\n\
             The input's keys are the operation's path and query parameter names as the API \
             spells them (instance_id, offset, limit...; never project_id), plus `body` holding \
             the request body. An unknown key, a wrong type, a missing required field or a \
             broken constraint exits 2 and sends nothing; every problem is named at once. The \
             answer is printed as JSON (or --output table|tsv|text); an empty answer prints \
             nothing. `dcs call OPERATION --help` lists the operation's parameters; operation \
             names can be written CreateInstance, create_instance or create-instance.",
        )
        .disable_help_flag(true)
        .arg(
            Arg::new("help")
                .short('h')
                .long("help")
                .action(ArgAction::SetTrue)
                .help("Print help; after an operation name, the operation's parameters"),
        )
        .arg(Arg::new("operation").value_name("OPERATION").help("The operation name, e.g. ListInstances (or list_instances, list-instances)"))
        .arg(Arg::new("input-json").long("input-json").value_name("JSON").conflicts_with("input-file").help("The input as JSON"))
        .arg(Arg::new("input-file").long("input-file").value_name("PATH").help("Read the input from a file (- for stdin)"))
        .arg(Arg::new("output-file").long("output-file").value_name("PATH").help("Write the answer to a file instead of stdout"))
        .arg(Arg::new("list").long("list").action(ArgAction::SetTrue).conflicts_with("operation").help("List every operation: name, method, path"))
        .arg(Arg::new("skeleton").long("skeleton").action(ArgAction::SetTrue).help("Print an input template: the required fields, each a placeholder saying what to put there; filled in, it runs as it is"))
        .arg(Arg::new("with-optional").long("with-optional").action(ArgAction::SetTrue).requires("skeleton").help("With --skeleton: every optional field too, as an OPTIONAL placeholder that is left out of the request until you fill it"))
        .arg(Arg::new("no-validate").long("no-validate").action(ArgAction::SetTrue).help("Send the input without checking it against the API reference's rules (the service still checks it)"))
        .arg(Arg::new("all").long("all").action(ArgAction::SetTrue).help("Paged operations: every page (streamed as one JSON document; kept, up to 100,000 items, for --query or another format)"))
        .arg(Arg::new("page-size").long("page-size").value_name("N").help("Paged operations: items per page (the input's `limit`)"))
        .arg(Arg::new("timeout").long("timeout").value_name("DURATION").help("The most one request may take, retries included (e.g. 30s)"))
        .arg(Arg::new("max-attempts").long("max-attempts").value_name("N").help("Attempts per request at most (1: no retry)"))
        .arg(Arg::new("wait").long("wait").action(ArgAction::SetTrue).help("Wait for the work the operation started, print its final state (an instance busy: wait, then send again)"))
        .arg(Arg::new("wait-timeout").long("wait-timeout").value_name("DURATION").requires("wait").help("Give up waiting after this long (default: the operation's documented budget)"))
        .arg(Arg::new("wait-interval").long("wait-interval").value_name("DURATION").requires("wait").help("The longest pause between two polls (default: the operation's, 2 s to 10 s)"))
}

/// `--wait`, `--wait-timeout`, `--wait-interval`.
fn wait_args(c: Command) -> Command {
    c.arg(
        Arg::new("wait")
            .long("wait")
            .action(ArgAction::SetTrue)
            .help("Wait until the work is done and print the final state"),
    )
    .arg(
        Arg::new("wait-timeout")
            .long("wait-timeout")
            .value_name("DURATION")
            .requires("wait")
            .help("Give up waiting after this long (default: the documented budget)"),
    )
    .arg(
        Arg::new("wait-interval")
            .long("wait-interval")
            .value_name("DURATION")
            .requires("wait")
            .help("The longest pause between two polls"),
    )
}

/// `--timeout` and `--interval` of `dcs wait`.
fn poll_args(c: Command) -> Command {
    c.arg(
        Arg::new("timeout")
            .long("timeout")
            .value_name("DURATION")
            .help("Give up after this long (default: the documented budget)"),
    )
    .arg(
        Arg::new("interval")
            .long("interval")
            .value_name("DURATION")
            .help("The longest pause between two polls"),
    )
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
        Arg::new("instance")
            .long("instance")
            .value_name("INSTANCE_ID")
            .help("Only tasks of this instance"),
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

/// The global options, however deep they were given.
struct Globals {
    flags: config::Flags,
    output: Option<String>,
    query: Option<String>,
    debug: bool,
}

fn globals(top: &ArgMatches) -> Globals {
    // Global options are seen on the deepest subcommand's matches.
    let mut m = top;
    while let Some((_, sub)) = m.subcommand() {
        m = sub;
    }
    let get = |name: &str| {
        m.try_get_one::<String>(name)
            .ok()
            .flatten()
            .or_else(|| top.try_get_one::<String>(name).ok().flatten())
            .cloned()
    };
    Globals {
        flags: config::Flags {
            endpoint: get("endpoint"),
            region: get("region"),
            project_id: get("project-id"),
            profile: get("profile"),
        },
        output: get("output"),
        query: get("query"),
        debug: m.try_get_one::<bool>("debug").ok().flatten().copied() == Some(true)
            || top.get_flag("debug"),
    }
}

fn main() -> ExitCode {
    let matches = match cli().try_get_matches_from(std::env::args_os()) {
        Ok(m) => m,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            // Written whole, so a closed pipe loses the text, never panics.
            let text = e.render().to_string();
            if e.use_stderr() {
                output::eprint(&text);
            } else {
                output::print(&text);
            }
            return ExitCode::from(code);
        }
    };
    let g = globals(&matches);
    report::set_json(g.output.as_deref() == Some("json"));
    let wire = g.debug.then(debug::install);
    match matches.subcommand() {
        Some(("call", m)) => call_command_run(&g, m, wire),
        Some(("completions", m)) => completions(m),
        Some(("help", m)) => help(m),
        Some(("configure", m)) => configure_command(&g, m),
        Some((group, m)) => people_command(&g, group, m, wire),
        None => ExitCode::from(2),
    }
}

/// The command line used for completion scripts: the same, with operation names offered
/// where an operation is named.
fn completion_cli() -> Command {
    let names: Vec<&'static str> = dcs_client::model::OPERATIONS
        .iter()
        .map(|o| o.name)
        .collect();
    cli()
        .mut_subcommand("call", |c| {
            c.mut_arg("operation", |a| {
                a.value_parser(clap::builder::PossibleValuesParser::new(names.clone()))
            })
        })
        .mut_subcommand("help", |c| {
            let mut words = names.clone();
            words.extend([
                "call",
                "instances",
                "backups",
                "tasks",
                "wait",
                "configure",
                "completions",
            ]);
            c.mut_arg("words", |a| {
                a.value_parser(clap::builder::PossibleValuesParser::new(words))
            })
        })
}

fn completions(m: &ArgMatches) -> ExitCode {
    let shell = match m.get_one::<String>("shell").map(String::as_str) {
        Some("bash") => clap_complete::Shell::Bash,
        Some("zsh") => clap_complete::Shell::Zsh,
        Some("powershell") => clap_complete::Shell::PowerShell,
        Some("elvish") => clap_complete::Shell::Elvish,
        _ => clap_complete::Shell::Fish,
    };
    // Written whole at the end, so a closed pipe is a lost write, not a panic.
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut completion_cli(), "dcs", &mut script);
    if shell == clap_complete::Shell::PowerShell {
        // Nor does its PowerShell script: each name as a value where an operation goes.
        let mut text = String::from_utf8_lossy(&script).into_owned();
        for case in ["'dcs;call' {\n", "'dcs;help' {\n"] {
            let values: String = dcs_client::model::OPERATIONS
                .iter()
                .map(|o| {
                    format!(
                        "            [CompletionResult]::new('{0}', '{0}', [CompletionResultType]::ParameterValue, '{1}')\n",
                        o.name,
                        o.summary.replace('\'', "''")
                    )
                })
                .collect();
            text = text.replacen(case, &format!("{case}{values}"), 1);
        }
        script = text.into_bytes();
    }
    if shell == clap_complete::Shell::Fish {
        // clap_complete's fish script offers no positional values: the operation names.
        let names: Vec<&str> = dcs_client::model::OPERATIONS
            .iter()
            .map(|o| o.name)
            .collect();
        let names = names.join(" ");
        script.extend(
            format!(
                "complete -c dcs -n \"__fish_dcs_using_subcommand call\" -f -a \"{names}\"\n\
             complete -c dcs -n \"__fish_dcs_using_subcommand help\" -f -a \"{names}\"\n"
            )
            .bytes(),
        );
    }
    output::print(&String::from_utf8_lossy(&script));
    ExitCode::SUCCESS
}

/// `dcs help [COMMAND...|OPERATION]`.
fn help(m: &ArgMatches) -> ExitCode {
    let words: Vec<&String> = m
        .get_many::<String>("words")
        .map(|w| w.collect())
        .unwrap_or_default();
    let mut cmd = cli();
    if words.is_empty() {
        output::print(&cmd.render_long_help().to_string());
        return ExitCode::SUCCESS;
    }
    // A command path (`tasks delete`)...
    let mut path = vec![];
    let mut cur = &mut cmd;
    let mut found = true;
    for w in &words {
        match cur.find_subcommand_mut(w.as_str()) {
            Some(sub) => {
                path.push(w.as_str());
                cur = sub;
            }
            None => {
                found = false;
                break;
            }
        }
    }
    if found {
        // Rendered through the root, so the usage line shows the whole path.
        let mut root = cli();
        let mut args = vec!["dcs"];
        args.extend(path.iter().copied());
        args.push("--help");
        if path.first() == Some(&"call") && path.len() == 1 {
            output::print(&call_help());
            return ExitCode::SUCCESS;
        }
        if let Err(e) = root.try_get_matches_from_mut(args) {
            output::print(&e.render().to_string());
        }
        return ExitCode::SUCCESS;
    }
    // ...or an operation.
    if words.len() == 1 {
        match ops::find(words[0]) {
            Ok(meta) => {
                output::print(&ops::help_text(meta));
                return ExitCode::SUCCESS;
            }
            Err(e) => {
                let commands: Vec<String> = cli()
                    .get_subcommands()
                    .map(|c| c.get_name().to_string())
                    .collect();
                let close = ops::suggest(words[0], commands.iter().map(String::as_str));
                let mut msg = e;
                if !close.is_empty() {
                    msg = format!(
                        "no command or operation named {:?}; did you mean {}?",
                        dcs_client::sanitize(words[0]),
                        close.join(" or ")
                    );
                }
                return Failure::invalid(msg).emit();
            }
        }
    }
    Failure::invalid(format!(
        "no command `{}` (dcs --help lists them)",
        dcs_client::sanitize(
            &words
                .iter()
                .map(|w| w.as_str())
                .collect::<Vec<_>>()
                .join(" ")
        )
    ))
    .emit()
}

fn call_help() -> String {
    call_command()
        .bin_name("dcs call")
        .render_long_help()
        .to_string()
}

fn duration_flag(m: &ArgMatches, name: &str) -> Result<Option<std::time::Duration>, Failure> {
    match m.try_get_one::<String>(name).ok().flatten() {
        None => Ok(None),
        Some(t) => when::duration(t)
            .map(Some)
            .map_err(|e| Failure::invalid(format!("--{name}: {e}"))),
    }
}

/// `--wait`, `--wait-timeout`, `--wait-interval`, when the command has them.
fn wait_settings(m: &ArgMatches) -> Result<Option<wait::Settings>, Failure> {
    if m.try_get_one::<bool>("wait").ok().flatten().copied() != Some(true) {
        return Ok(None);
    }
    Ok(Some(wait::Settings {
        budget: duration_flag(m, "wait-timeout")?,
        interval: duration_flag(m, "wait-interval")?,
    }))
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

fn runtime(multi: bool) -> Result<tokio::runtime::Runtime, Failure> {
    let b = if multi {
        let mut b = tokio::runtime::Builder::new_multi_thread();
        b.worker_threads(2);
        b
    } else {
        tokio::runtime::Builder::new_current_thread()
    };
    let mut b = b;
    b.enable_all()
        .build()
        .map_err(|e| Failure::new(3, "transport", format!("cannot start the runtime: {e}")))
}

/// Builds the client and everything a command runs with.
fn context(
    g: &Globals,
    config: dcs_client::ClientConfig,
    json_default: bool,
    wire: Option<&debug::Endpoint>,
) -> Result<run::Ctx, Failure> {
    let format = Format::choose(g.output.as_deref(), json_default).map_err(Failure::invalid)?;
    if let Some(q) = &g.query {
        // A query that cannot run is refused before anything is sent.
        output::check_query(q).map_err(Failure::invalid)?;
    }
    let client = config::client(&g.flags, dcs_client::Context::from_process(), config)?;
    let report = config::context(&client, &g.flags);
    if let (Some(w), Some(url)) = (wire, &report.endpoint) {
        *w.lock().unwrap_or_else(|p| p.into_inner()) = url.clone();
    }
    Ok(run::Ctx {
        client,
        report,
        format,
        query: g.query.clone(),
    })
}

fn call_command_run(g: &Globals, m: &ArgMatches, wire: Option<debug::Endpoint>) -> ExitCode {
    match call_inner(g, m, wire) {
        Ok(code) => code,
        Err(f) => f.emit(),
    }
}

fn call_inner(
    g: &Globals,
    m: &ArgMatches,
    wire: Option<debug::Endpoint>,
) -> Result<ExitCode, Failure> {
    let name = m.get_one::<String>("operation");
    if m.get_flag("help") {
        match name {
            Some(n) => output::print(&ops::help_text(ops::find(n).map_err(Failure::invalid)?)),
            None => output::print(&call_help()),
        }
        return Ok(ExitCode::SUCCESS);
    }
    if m.get_flag("list") {
        for op in dcs_client::model::OPERATIONS {
            if !outln!("{}\t{}\t{}", op.name, op.method, op.path_template) {
                break;
            }
        }
        return Ok(ExitCode::SUCCESS);
    }
    let Some(name) = name else {
        return Err(Failure::invalid(
            "name an operation (dcs call --list shows them all; dcs call OPERATION --help explains one)",
        ));
    };
    let meta = ops::find(name).map_err(Failure::invalid)?;
    if m.get_flag("skeleton") {
        let v = if m.get_flag("with-optional") {
            generated::help(meta.name).map(ops::full_skeleton)
        } else {
            generated::skeleton(meta.name)
        };
        let v = v.ok_or_else(|| Failure::invalid("no skeleton"))?;
        outln!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
        return Ok(ExitCode::SUCCESS);
    }
    let text = match (
        m.get_one::<String>("input-json"),
        m.get_one::<String>("input-file"),
    ) {
        (Some(j), _) => j.clone(),
        (None, Some(p)) if p == "-" => {
            read_input(std::io::stdin().lock(), "on stdin").map_err(Failure::invalid)?
        }
        (None, Some(p)) => {
            let f = std::fs::File::open(p)
                .map_err(|e| Failure::invalid(format!("cannot read the input file {p}: {e}")))?;
            read_input(f, &format!("file {p}")).map_err(Failure::invalid)?
        }
        (None, None) => "{}".to_string(),
    };
    let mut input: Value = match serde_json::from_str(&text) {
        Ok(v @ Value::Object(_)) => v,
        Ok(_) => return Err(Failure::invalid("the input must be a JSON object")),
        Err(e) => return Err(Failure::invalid(format!("the input is not JSON: {e}"))),
    };
    let dropped = ops::drop_optional(&mut input);
    let help = generated::help(meta.name);
    let body_must = help.is_some_and(|h| {
        h.fields
            .iter()
            .any(|f| f.required && f.location == "body" && f.key.matches('.').count() == 1)
    });
    if body_must && input.get("body").is_none() {
        // Checked as an empty body, so every field it must have is named at once.
        input["body"] = json!({});
    }
    if dropped > 0 {
        errln!(
            "left out {dropped} optional field{} still holding the skeleton's placeholder",
            if dropped == 1 { "" } else { "s" }
        );
    }
    let paged = help.is_some_and(|h| h.paged);
    if let Some(n) = m.get_one::<String>("page-size") {
        if !paged {
            return Err(Failure::invalid(format!(
                "--page-size: {} is not paged",
                meta.name
            )));
        }
        let n: i64 = n
            .parse()
            .map_err(|_| Failure::invalid(format!("--page-size {n:?}: a whole number")))?;
        input["limit"] = json!(n);
    }
    if m.get_flag("all") && !paged {
        let paged_ops: Vec<&str> = generated::HELP
            .iter()
            .filter(|h| h.paged)
            .map(|h| h.name)
            .collect();
        return Err(Failure::invalid(format!(
            "--all: {} is not paged (the paged operations: {})",
            meta.name,
            paged_ops.join(", ")
        )));
    }
    if let Some(h) = help {
        let unknown = ops::unknown_keys(h, &input);
        if !unknown.is_empty() {
            return Err(Failure::invalid(format!(
                "{} (nothing was sent; dcs call {} --help lists the fields)",
                unknown.join("; "),
                meta.name
            )));
        }
    }
    let wait = wait_settings(m)?;
    let max_attempts = match m.get_one::<String>("max-attempts") {
        None => None,
        Some(n) => match n.parse::<u32>() {
            Ok(n) if (1..=100).contains(&n) => Some(n),
            _ => {
                return Err(Failure::invalid(format!(
                    "--max-attempts {n:?}: a whole number from 1 to 100"
                )))
            }
        },
    };
    let ctx = context(g, dcs_client::ClientConfig::default(), true, wire.as_ref())?;
    let options = call::CallOptions {
        no_validate: m.get_flag("no-validate"),
        timeout: duration_flag(m, "timeout")?,
        max_attempts,
        all: m.get_flag("all"),
        stream_pages: ctx.format == Format::Json && ctx.query.is_none(),
        busy_retry: wait.map(|w| {
            w.budget.unwrap_or_else(|| {
                dcs_client::DcsClient::wait_spec(meta.name)
                    .map(|s| s.budget)
                    .unwrap_or(std::time::Duration::from_secs(3600))
            })
        }),
        busy_retry_interval: wait.and_then(|w| w.interval),
    };
    let out: Box<dyn std::io::Write + Send> = match m.get_one::<String>("output-file") {
        Some(p) => match std::fs::File::create(p) {
            Ok(f) => Box::new(std::io::BufWriter::new(f)),
            Err(e) => return Err(Failure::invalid(format!("cannot create {p}: {e}"))),
        },
        None => Box::new(std::io::stdout()),
    };
    let rt = runtime(false)?;
    Ok(rt.block_on(run::exec(
        &ctx,
        meta.name,
        &input,
        &options,
        run::After { wait },
        None,
        out,
    )))
}

fn configure_command(g: &Globals, m: &ArgMatches) -> ExitCode {
    let ctx = dcs_client::Context::from_process();
    let format = match Format::choose(g.output.as_deref(), false) {
        Ok(f) => f,
        Err(e) => return Failure::invalid(e).emit(),
    };
    let show = |v: &Value, cols: Option<&[output::Column]>| {
        let doc = match &g.query {
            Some(q) => match output::query(v, q) {
                Ok(x) => x,
                Err(e) => return Failure::invalid(e).emit(),
            },
            None => v.clone(),
        };
        let cols = if g.query.is_some() { None } else { cols };
        output::print(&output::render(format, &doc, cols));
        ExitCode::SUCCESS
    };
    match m.subcommand() {
        Some(("list", _)) => match configure::list(&ctx, &g.flags) {
            Ok(v) => show(&v, Some(configure::COLUMNS)),
            Err(f) => f.emit(),
        },
        Some(("get", s)) => {
            let key = s.get_one::<String>("key").cloned().unwrap_or_default();
            match configure::get(&ctx, &g.flags, &key) {
                Ok(Value::Null) => {
                    errln!("{key} is not set");
                    ExitCode::from(1)
                }
                Ok(Value::String(v)) if g.output.as_deref() != Some("json") => {
                    outln!("{v}");
                    ExitCode::SUCCESS
                }
                Ok(v) => show(&v, None),
                Err(f) => f.emit(),
            }
        }
        Some(("set", s)) => {
            let key = s.get_one::<String>("key").cloned().unwrap_or_default();
            let mut value = s.get_one::<String>("value").cloned().unwrap_or_default();
            if value == "-" {
                match read_input(std::io::stdin().lock(), "on stdin") {
                    Ok(v) => value = v.trim_end_matches(['\n', '\r']).to_string(),
                    Err(e) => return Failure::invalid(e).emit(),
                }
            }
            match configure::set(&ctx, &g.flags, &key, &value) {
                Ok(place) => {
                    errln!("{} written to {place}", key.trim().to_ascii_lowercase());
                    ExitCode::SUCCESS
                }
                Err(f) => f.emit(),
            }
        }
        _ => ExitCode::from(2),
    }
}

fn selection(m: &ArgMatches) -> Result<tasks::Selection, Failure> {
    let get = |n: &str| m.try_get_one::<String>(n).ok().flatten().cloned();
    let since = get("since")
        .map(|t| when::point(&t))
        .transpose()
        .map_err(|e| Failure::invalid(format!("--since: {e}")))?;
    let until = get("until")
        .map(|t| when::point(&t))
        .transpose()
        .map_err(|e| Failure::invalid(format!("--until: {e}")))?;
    let created_before = get("older-than")
        .map(|d| when::duration(&d).map(|d| when::now_secs() - d.as_secs() as i64))
        .transpose()
        .map_err(|e| Failure::invalid(format!("--older-than: {e}")))?;
    Ok(tasks::Selection {
        status: get("status"),
        name: get("name"),
        since,
        until,
        created_before,
        instance: get("instance"),
    })
}

fn people_command(
    g: &Globals,
    group: &str,
    m: &ArgMatches,
    wire: Option<debug::Endpoint>,
) -> ExitCode {
    match people_inner(g, group, m, wire) {
        Ok(code) => code,
        Err(f) => f.emit(),
    }
}

fn people_inner(
    g: &Globals,
    group: &str,
    gm: &ArgMatches,
    wire: Option<debug::Endpoint>,
) -> Result<ExitCode, Failure> {
    let Some((sub, m)) = gm.subcommand() else {
        return Err(Failure::invalid("name a subcommand (see --help)"));
    };
    let concurrency = match m.try_get_one::<String>("concurrency").ok().flatten() {
        Some(c) => match c.parse::<usize>() {
            Ok(n) if (1..=64).contains(&n) => n,
            _ => {
                return Err(Failure::invalid(format!(
                    "--concurrency {c:?}: a whole number from 1 to 64"
                )))
            }
        },
        None => 8,
    };
    // Checked before anything is sent.
    let sel = match (group, sub) {
        ("tasks", "list" | "delete") => Some(selection(m)?),
        _ => None,
    };
    let wait = wait_settings(m)?;
    let poll = if group == "wait" {
        wait::Settings {
            budget: duration_flag(m, "timeout")?,
            interval: duration_flag(m, "interval")?,
        }
    } else {
        wait::Settings::default()
    };
    // One connection per worker: the pool never holds more than the deletes in flight.
    let config = dcs_client::ClientConfig::default().pool_max_connections_per_host(concurrency);
    let ctx = context(g, config, false, wire.as_ref())?;
    let rt = runtime(true)?;
    let get = |n: &str| m.try_get_one::<String>(n).ok().flatten().cloned();
    let id = get("id").unwrap_or_default();
    Ok(rt.block_on(async move {
        match (group, sub) {
            ("tasks", "list") => {
                let limit = match m.get_one::<String>("limit").map(|l| l.parse::<usize>()) {
                    Some(Ok(n)) if n > 0 => n,
                    _ => return Failure::invalid("--limit: a whole number above 0").emit(),
                };
                tasks::list(&ctx, &sel.unwrap_or_default(), m.get_flag("all"), limit).await
            }
            ("tasks", "delete") => {
                let ids: Vec<String> = m
                    .get_many::<String>("ids")
                    .map(|v| v.cloned().collect())
                    .unwrap_or_default();
                let all = m.get_flag("all");
                if !all && ids.is_empty() {
                    return Failure::invalid("name the tasks to delete, or select them with --all")
                        .emit();
                }
                let sel = sel.unwrap_or_default();
                if !all
                    && (sel.status.is_some()
                        || sel.name.is_some()
                        || sel.since.is_some()
                        || sel.until.is_some()
                        || sel.instance.is_some())
                {
                    return Failure::invalid(
                        "--status, --name, --instance, --since and --until select tasks for --all",
                    )
                    .emit();
                }
                for id in &ids {
                    if let Err(e) = dcs_client::model::TaskId::new(id.as_str()) {
                        return Failure::invalid(format!("{e} (nothing was sent)")).emit();
                    }
                }
                tasks::delete(
                    &ctx,
                    tasks::DeleteOpts {
                        ids,
                        all: all.then_some(sel),
                        message: m.get_one::<String>("message").cloned(),
                        dry_run: m.get_flag("dry-run"),
                        yes: m.get_flag("yes"),
                        concurrency,
                        format: ctx.format,
                        include_running: m.get_flag("include-running"),
                    },
                )
                .await
            }
            ("tasks", "wait") => {
                let timeout = match when::duration(
                    m.get_one::<String>("timeout")
                        .map(String::as_str)
                        .unwrap_or("10m"),
                ) {
                    Ok(t) => t,
                    Err(e) => return Failure::invalid(format!("--timeout: {e}")).emit(),
                };
                tasks::wait(&ctx, &id, timeout).await
            }
            ("instances", "list") => instances::list(&ctx, get("name"), get("status")).await,
            ("instances", "show") => instances::show(&ctx, &id).await,
            ("instances", "create") => {
                let mut body = Map::new();
                for (flag, key) in [
                    ("name", "name"),
                    ("engine", "engine"),
                    ("engine-version", "engine_version"),
                    ("spec-code", "spec_code"),
                    ("vpc-id", "vpc_id"),
                    ("subnet-id", "subnet_id"),
                    ("security-group-id", "security_group_id"),
                    ("description", "description"),
                    ("password", "password"),
                ] {
                    if let Some(v) = get(flag) {
                        body.insert(key.into(), json!(v));
                    }
                }
                match number(&get("capacity").unwrap_or_default(), "--capacity") {
                    Ok(n) => body.insert("capacity".into(), n),
                    Err(f) => return f.emit(),
                };
                if let Some(p) = get("port") {
                    match p.parse::<u16>() {
                        Ok(p) => body.insert("port".into(), json!(p)),
                        Err(_) => {
                            return Failure::invalid(format!("--port {p:?}: a port number")).emit()
                        }
                    };
                }
                let azs: Vec<String> = m
                    .get_many::<String>("az")
                    .map(|v| v.cloned().collect())
                    .unwrap_or_default();
                body.insert("az_codes".into(), json!(azs));
                if m.get_flag("no-password") {
                    body.insert("no_password_access".into(), json!(true));
                }
                instances::create(
                    &ctx,
                    instances::Create {
                        body,
                        extra: get("body-json"),
                    },
                    wait,
                )
                .await
            }
            ("instances", "resize") => {
                let capacity = match number(&get("capacity").unwrap_or_default(), "--capacity") {
                    Ok(n) => n,
                    Err(f) => return f.emit(),
                };
                instances::resize(
                    &ctx,
                    &id,
                    capacity,
                    &get("spec-code").unwrap_or_default(),
                    get("change-type"),
                    wait,
                )
                .await
            }
            ("instances", "restart") => {
                let ids: Vec<String> = m
                    .get_many::<String>("ids")
                    .map(|v| v.cloned().collect())
                    .unwrap_or_default();
                instances::restart(&ctx, &ids, m.get_flag("flush"), wait).await
            }
            ("instances", "delete") => instances::delete(&ctx, &id, wait).await,
            ("backups", "create") => {
                instances::backup(&ctx, &id, get("remark"), get("format"), wait).await
            }
            ("backups", "list") => instances::backups(&ctx, &id).await,
            ("backups", "restore") => {
                instances::restore(
                    &ctx,
                    &id,
                    &get("backup").unwrap_or_default(),
                    get("remark"),
                    wait,
                )
                .await
            }
            ("wait", what) => {
                let c = &ctx.client;
                let item = get("item").unwrap_or_default();
                let waiter = match what {
                    "instance" if get("status").as_deref() == Some("deleted") => {
                        c.wait_until_instance_deleted(id.clone())
                    }
                    "instance" => c.wait_until_instance_running(id.clone()),
                    "job" => c.wait_for_job(id.clone()),
                    "backup" => c.wait_until_backup_done(id.clone(), item),
                    _ => c.wait_until_restore_done(id.clone(), item),
                };
                instances::wait_for(&ctx, waiter, poll).await
            }
            _ => Failure::invalid("unknown subcommand").emit(),
        }
    }))
}

/// A number from a flag (`--capacity 0.125`), as JSON.
fn number(text: &str, flag: &str) -> Result<Value, Failure> {
    let t = text.trim();
    if let Ok(i) = t.parse::<i64>() {
        return Ok(json!(i));
    }
    match t.parse::<f64>() {
        Ok(f) if f.is_finite() => Ok(json!(f)),
        _ => Err(Failure::invalid(format!("{flag} {t:?}: a number"))),
    }
}
