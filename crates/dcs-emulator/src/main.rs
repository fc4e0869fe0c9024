//! `dcs-emulator`: serves a local DCS v2 on a loopback port until killed. `--help` lists the
//! flags; the seed file's format, the control API and the limits are in the crate's README.

use dcs_emulator::{Emulator, EmulatorConfig, EngineConfig, TaskStatus};
use std::io::Write;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

const USAGE: &str = "\
dcs-emulator: a local Huawei Cloud DCS v2 (all operations) on a loopback port

usage: dcs-emulator [OPTIONS]

  --port N                 port to listen on (default 0: a free port, shown in the banner)
  --ak AK --sk SK          the credentials it accepts (give both; default EMULATORAK and
                           emulator-secret-key)
  --project PROJECT_ID     the project they act on (default 0a1b2c3d4e5f40718293a4b5c6d7e8f9)
  --operation-delay MS     how long asynchronous work takes, in milliseconds (default 100;
                           0 finishes it at once)
  --seed FILE.json         resources to start from (instances in any documented status,
                           tasks, backups, accounts, jobs; see the README)
  --task ID                a finished Task Center task (repeatable)
  --running-task ID        a running Task Center task (repeatable)
  --log                    one line per request on stderr: method, path, operation, status,
                           request id
  --max-connections N      connections served at once (default 512)
  --header-timeout MS      time for a request's head, and for an idle connection (default 30000)
  --body-timeout MS        time for a request's body (default 30000)
  --max-body-memory BYTES  request-body bytes held at once (default 67108864)
  --engine redis-server[=PATH]
                           a real Redis behind every Redis instance: its own redis-server
                           (from PATH, or PATH) on 127.0.0.1 at a free port, which
                           ShowInstance reports and the control plane acts on; stopped when
                           the instance is deleted or the emulator ends (SIGTERM, SIGINT)
  -h, --help               this help

The banner's export lines configure the official SDKs and `dcs` for it. The control API
(unsigned, loopback only) is at http://127.0.0.1:PORT/_emulator/.";

/// The most bytes read of a seed file: 64 MiB.
const MAX_SEED_FILE_BYTES: u64 = 64 * 1024 * 1024;
/// The longest operation delay taken: a day.
const MAX_DELAY_MS: u64 = 86_400_000;

const FLAGS: &[&str] = &[
    "--port",
    "--ak",
    "--sk",
    "--project",
    "--operation-delay",
    "--seed",
    "--task",
    "--running-task",
    "--log",
    "--max-connections",
    "--header-timeout",
    "--body-timeout",
    "--max-body-memory",
    "--engine",
    "--help",
];

/// Everything the command line says.
#[derive(Debug)]
struct Options {
    port: u16,
    credentials: Option<(String, String)>,
    project: String,
    delay: Option<Duration>,
    seed: Option<String>,
    tasks: Vec<(String, TaskStatus)>,
    config: EmulatorConfig,
    /// `--engine redis-server` (`Some(None)`: from PATH) or `redis-server=PATH`.
    engine: Option<Option<String>>,
}

/// What the command line asks for.
#[derive(Debug)]
enum Parsed {
    Run(Box<Options>),
    Help,
}

/// A number for `flag`, within `range`, or an error naming both.
fn number<T: std::str::FromStr + PartialOrd + std::fmt::Display + Copy>(
    flag: &str,
    v: &str,
    what: &str,
    min: T,
    max: T,
) -> Result<T, String> {
    match v.parse::<T>() {
        Ok(n) if n >= min && n <= max => Ok(n),
        Ok(_) => Err(format!("{flag}: {v} is out of range ({min} to {max})")),
        Err(_) => Err(format!("{flag}: {v:?} is not {what}")),
    }
}

fn parse(args: Vec<String>) -> Result<Parsed, String> {
    let mut o = Options {
        port: 0,
        credentials: None,
        project: "0a1b2c3d4e5f40718293a4b5c6d7e8f9".to_string(),
        delay: None,
        seed: None,
        tasks: Vec::new(),
        config: EmulatorConfig::default(),
        engine: None,
    };
    // A long-running server must not keep every request it ever saw.
    o.config.record_requests = false;
    let (mut ak, mut sk) = (None, None);
    let mut it = args.into_iter();
    while let Some(arg) = it.next() {
        // `--flag=value` as well as `--flag value`.
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
            _ => (arg.clone(), None),
        };
        let takes_value = !matches!(flag.as_str(), "--log" | "--help" | "-h");
        if !takes_value && inline.is_some() {
            return Err(format!("{flag} takes no value"));
        }
        let mut value = || -> Result<String, String> {
            match inline.clone() {
                Some(v) => Ok(v),
                None => it.next().ok_or_else(|| format!("{flag} needs a value")),
            }
        };
        match flag.as_str() {
            "-h" | "--help" => return Ok(Parsed::Help),
            "--port" => {
                o.port = number(
                    &flag,
                    &value()?,
                    "a port number (0 to 65535)",
                    0u16,
                    u16::MAX,
                )?;
            }
            "--ak" => ak = Some(non_empty(&flag, value()?)?),
            "--sk" => sk = Some(non_empty(&flag, value()?)?),
            "--project" => o.project = non_empty(&flag, value()?)?,
            "--task" => o
                .tasks
                .push((non_empty(&flag, value()?)?, TaskStatus::Success)),
            "--running-task" => o
                .tasks
                .push((non_empty(&flag, value()?)?, TaskStatus::Running)),
            "--operation-delay" => {
                let ms = number(
                    &flag,
                    &value()?,
                    "a number of milliseconds",
                    0,
                    MAX_DELAY_MS,
                )?;
                o.delay = Some(Duration::from_millis(ms));
            }
            "--seed" => o.seed = Some(non_empty(&flag, value()?)?),
            "--log" => o.config.log_requests = true,
            "--max-connections" => {
                o.config.max_connections =
                    number(&flag, &value()?, "a number of connections", 1, 1_000_000)?;
            }
            "--header-timeout" => {
                let ms = number(
                    &flag,
                    &value()?,
                    "a number of milliseconds",
                    1,
                    MAX_DELAY_MS,
                )?;
                o.config.header_read_timeout = Duration::from_millis(ms);
            }
            "--body-timeout" => {
                let ms = number(
                    &flag,
                    &value()?,
                    "a number of milliseconds",
                    1,
                    MAX_DELAY_MS,
                )?;
                o.config.body_read_timeout = Duration::from_millis(ms);
            }
            "--max-body-memory" => {
                o.config.max_buffered_body_bytes =
                    number(&flag, &value()?, "a number of bytes", 1, usize::MAX)?;
            }
            "--engine" => {
                let v = value()?;
                o.engine = match v.split_once('=') {
                    Some(("redis-server", path)) if !path.is_empty() => {
                        Some(Some(path.to_string()))
                    }
                    None if v == "redis-server" => Some(None),
                    _ => {
                        return Err(format!(
                            "--engine: {v:?} is not an engine (redis-server or redis-server=PATH)"
                        ))
                    }
                };
            }
            other if other.starts_with('-') => {
                let near = FLAGS
                    .iter()
                    .find(|f| strsim_close(other, f))
                    .map(|f| format!(" (did you mean {f}?)"))
                    .unwrap_or_default();
                return Err(format!("unknown flag {other}{near}"));
            }
            other => {
                return Err(format!(
                    "unexpected argument {other:?}: every option is a flag"
                ))
            }
        }
    }
    o.credentials = match (ak, sk) {
        (Some(a), Some(s)) => Some((a, s)),
        (None, None) => None,
        (Some(_), None) => {
            return Err("--ak needs --sk: give the secret key that goes with it".into())
        }
        (None, Some(_)) => return Err("--sk needs --ak: give the access key it belongs to".into()),
    };
    o.config.bind = SocketAddr::from(([127, 0, 0, 1], o.port));
    Ok(Parsed::Run(Box::new(o)))
}

fn non_empty(flag: &str, v: String) -> Result<String, String> {
    if v.is_empty() {
        Err(format!("{flag}: the value is empty"))
    } else {
        Ok(v)
    }
}

/// Whether `got` is one or two edits from `flag` (a typo), by a plain count of differing
/// characters for equal lengths and of one insertion or deletion otherwise.
fn strsim_close(got: &str, flag: &str) -> bool {
    let (a, b): (Vec<char>, Vec<char>) = (got.chars().collect(), flag.chars().collect());
    if a.len() == b.len() {
        return a.iter().zip(&b).filter(|(x, y)| x != y).count() <= 2;
    }
    let (short, long) = if a.len() < b.len() {
        (&a, &b)
    } else {
        (&b, &a)
    };
    if long.len() - short.len() > 1 {
        return false;
    }
    let i = short
        .iter()
        .zip(long.iter())
        .take_while(|(x, y)| x == y)
        .count();
    short[i..] == long[i + 1..]
}

/// A value as a shell word: bare when it is safe, else single-quoted.
fn shell_word(v: &str) -> String {
    let safe = !v.is_empty()
        && v.chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-./:@%+=,".contains(c));
    if safe {
        v.to_string()
    } else {
        format!("'{}'", v.replace('\'', "'\\''"))
    }
}

fn fail(msg: &str) -> ExitCode {
    let _ = writeln!(
        std::io::stderr(),
        "dcs-emulator: {msg}\nusage: dcs-emulator [OPTIONS] (dcs-emulator --help lists them)"
    );
    ExitCode::from(2)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> ExitCode {
    let args: Result<Vec<String>, _> = std::env::args_os()
        .skip(1)
        .enumerate()
        .map(|(i, a)| {
            a.into_string()
                .map_err(|bad| format!("argument {} is not valid UTF-8: {bad:?}", i + 1))
        })
        .collect();
    let o = match args.and_then(parse) {
        Ok(Parsed::Help) => {
            let _ = writeln!(std::io::stdout(), "{USAGE}");
            return ExitCode::SUCCESS;
        }
        Ok(Parsed::Run(o)) => o,
        Err(msg) => return fail(&msg),
    };
    // The seed is read before the port is taken, so a bad file costs nothing.
    let seed_text = match &o.seed {
        None => None,
        Some(path) => {
            match dcs_config::context::read_file_capped(
                std::path::Path::new(path),
                MAX_SEED_FILE_BYTES,
            ) {
                Ok(bytes) => match String::from_utf8(bytes) {
                    Ok(t) => Some(t),
                    Err(_) => return fail(&format!("--seed {path}: not UTF-8")),
                },
                Err(e) if e.kind() == std::io::ErrorKind::FileTooLarge => {
                    return fail(&format!(
                        "--seed {path}: the file is larger than {MAX_SEED_FILE_BYTES} bytes, the most read of it"
                    ))
                }
                Err(e) => return fail(&format!("--seed {path}: {e}")),
            }
        }
    };
    let port = o.port;
    let mut config = o.config.clone();
    config.engine = match &o.engine {
        None => None,
        Some(Some(path)) => Some(EngineConfig::redis_server_at(path)),
        Some(None) => match EngineConfig::redis_server() {
            Ok(e) => Some(e),
            Err(e) => {
                let _ = writeln!(
                    std::io::stderr(),
                    "dcs-emulator: --engine redis-server: {e}"
                );
                return ExitCode::from(1);
            }
        },
    };
    let with_engine = config.engine.clone();
    let emu = match Emulator::start_with(config).await {
        Ok(e) => e,
        Err(e) if with_engine.is_some() && e.kind() != std::io::ErrorKind::AddrInUse => {
            let _ = writeln!(std::io::stderr(), "dcs-emulator: {e}");
            return ExitCode::from(1);
        }
        Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => {
            let _ = writeln!(
                std::io::stderr(),
                "dcs-emulator: port {port} is in use: choose another with --port, or --port 0 for a free one"
            );
            return ExitCode::from(1);
        }
        Err(e) => {
            let _ = writeln!(
                std::io::stderr(),
                "dcs-emulator: cannot listen on 127.0.0.1:{port}: {e}"
            );
            return ExitCode::from(1);
        }
    };
    let (ak, sk) = o
        .credentials
        .clone()
        .unwrap_or_else(|| ("EMULATORAK".to_string(), "emulator-secret-key".to_string()));
    let project = &o.project;
    emu.add_credentials(&ak, &sk, project);
    if let Some(d) = o.delay {
        emu.set_operation_delay(d);
    }
    for (id, status) in &o.tasks {
        emu.seed_task(project, id, *status);
    }
    let seeded = match (&o.seed, &seed_text) {
        (Some(path), Some(text)) => match emu.load_seed(project, text) {
            Ok(s) => s,
            Err(e) => return fail(&format!("--seed {path}: {e}")),
        },
        _ => Default::default(),
    };
    let endpoint = emu.endpoint();
    // Written once; a reader that goes away after the first line (a script that only wants
    // the address) must not stop the server.
    // With engines, SIGTERM and SIGINT stop every redis-server before the emulator exits
    // (a SIGKILL is the watchdog's to clean up); the handlers are in place before the
    // banner says the emulator is up.
    let signals = match &with_engine {
        Some(_) => match Signals::new() {
            Ok(s) => Some(s),
            Err(e) => return fail(&format!("cannot handle SIGTERM and SIGINT: {e}")),
        },
        None => None,
    };
    let engine_line = match emu.engine_version() {
        Some(v) => format!(
            "# engine: redis-server {v} ({}) behind every Redis instance\n",
            with_engine
                .as_ref()
                .map(|e| e.program().display().to_string())
                .unwrap_or_default()
        ),
        None => String::new(),
    };
    let banner = format!(
        "DCS emulator listening on {endpoint} (project {project}, AK {ak}, {} tasks, {} seeded resources, {} operations)\n\
         export HUAWEICLOUD_SDK_AK={}\n\
         export HUAWEICLOUD_SDK_SK={}\n\
         export HUAWEICLOUD_SDK_PROJECT_ID={}\n\
         export DCS_ENDPOINT={endpoint}\n\
         # control API (loopback only): curl {endpoint}/_emulator/\n{engine_line}",
        o.tasks.len() + seeded.tasks,
        seeded.total(),
        dcs_model::OPERATIONS.len(),
        shell_word(&ak),
        shell_word(&sk),
        shell_word(project),
    );
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(banner.as_bytes()).and_then(|_| out.flush());
    drop(out);
    let Some(mut signals) = signals else {
        std::future::pending::<()>().await;
        return ExitCode::SUCCESS;
    };
    let code = signals.next().await;
    drop(emu);
    ExitCode::from(code)
}

/// SIGTERM and SIGINT, handled.
struct Signals {
    term: tokio::signal::unix::Signal,
    int: tokio::signal::unix::Signal,
}

impl Signals {
    fn new() -> std::io::Result<Self> {
        use tokio::signal::unix::{signal, SignalKind};
        Ok(Self {
            term: signal(SignalKind::terminate())?,
            int: signal(SignalKind::interrupt())?,
        })
    }

    /// Waits for either; the exit status that reports it (143 or 130).
    async fn next(&mut self) -> u8 {
        tokio::select! {
            _ = self.term.recv() => 143,
            _ = self.int.recv() => 130,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn flags_are_read_and_bad_ones_named() {
        let Ok(Parsed::Run(o)) = parse(args(&["--port=8080", "--log", "--operation-delay", "0"]))
        else {
            panic!()
        };
        assert_eq!(o.port, 8080);
        assert!(o.config.log_requests);
        assert_eq!(o.delay, Some(Duration::ZERO));
        let e = parse(args(&["--port", "70000"])).unwrap_err();
        assert!(
            e.contains("--port: \"70000\" is not a port number (0 to 65535)"),
            "{e}"
        );
        let e = parse(args(&["--max-connections", "0"])).unwrap_err();
        assert!(e.contains("--max-connections: 0 is out of range"), "{e}");
        let e = parse(args(&["--operation-delay", "soon"])).unwrap_err();
        assert!(
            e.contains("--operation-delay: \"soon\" is not a number"),
            "{e}"
        );
        let e = parse(args(&["--prot", "1"])).unwrap_err();
        assert!(
            e.contains("unknown flag --prot (did you mean --port?)"),
            "{e}"
        );
        assert!(parse(args(&["--ak", "A"]))
            .unwrap_err()
            .contains("--ak needs --sk"));
        assert!(parse(args(&["--sk", "S"]))
            .unwrap_err()
            .contains("--sk needs --ak"));
        assert!(parse(args(&["--seed"]))
            .unwrap_err()
            .contains("--seed needs a value"));
        assert!(parse(args(&["--log=yes"]))
            .unwrap_err()
            .contains("--log takes no value"));
        assert!(matches!(parse(args(&["-h"])), Ok(Parsed::Help)));
    }

    #[test]
    fn the_engine_is_redis_server_from_path_or_at_a_path() {
        let Ok(Parsed::Run(o)) = parse(args(&["--engine", "redis-server"])) else {
            panic!()
        };
        assert_eq!(o.engine, Some(None));
        let Ok(Parsed::Run(o)) =
            parse(args(&["--engine=redis-server=/opt/redis/bin/redis-server"]))
        else {
            panic!()
        };
        assert_eq!(
            o.engine,
            Some(Some("/opt/redis/bin/redis-server".to_string()))
        );
        let Ok(Parsed::Run(o)) = parse(args(&[])) else {
            panic!()
        };
        assert_eq!(o.engine, None);
        for bad in ["redis", "redis-server=", "memcached"] {
            let e = parse(args(&["--engine", bad])).unwrap_err();
            assert!(e.contains("is not an engine"), "{e}");
        }
        assert!(parse(args(&["--engien", "redis-server"]))
            .unwrap_err()
            .contains("did you mean --engine?"));
    }

    #[test]
    fn values_are_quoted_for_the_shell_only_when_needed() {
        assert_eq!(shell_word("EMULATORAK"), "EMULATORAK");
        assert_eq!(shell_word("a b"), "'a b'");
        assert_eq!(shell_word("it's"), "'it'\\''s'");
        assert_eq!(shell_word("$(x)"), "'$(x)'");
    }
}
