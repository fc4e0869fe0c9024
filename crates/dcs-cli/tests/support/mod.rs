//! What the end-to-end tests of `dcs` share: the emulator in-process on loopback or the
//! `dcs-emulator` binary as a process of its own, the real `dcs` binary run with the
//! environment it is given and nothing else, and a deadline so a hang fails the test instead
//! of stalling it.

#![allow(dead_code)] // each test file uses its own part

use dcs_emulator::Emulator;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, OnceLock};
use std::time::{Duration, Instant};

pub const AK: &str = "AWSLIKETESTAK0000001";
pub const SK: &str = "aws-like-test-secret-key";
pub const PROJECT: &str = "0a1b2c3d4e5f40718293a4b5c6d7e8f9";

/// How long a run may take before it counts as hung.
pub const DEADLINE: Duration = Duration::from_secs(120);

pub async fn emulator() -> Emulator {
    let emu = Emulator::start().await.unwrap();
    emu.add_credentials(AK, SK, PROJECT);
    emu
}

/// An empty home directory of its own (no profile, no regions file).
pub fn empty_home(name: &str) -> std::path::PathBuf {
    let home = std::env::temp_dir().join(format!("dcs-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&home);
    std::fs::create_dir_all(&home).unwrap();
    home
}

/// `dcs ARGS` with credentials, project and endpoint in the environment.
pub fn command(args: &[&str], endpoint: &str) -> Command {
    let home = std::env::temp_dir().join("dcs-cli-aws-home-empty");
    let _ = std::fs::create_dir_all(&home);
    let mut cmd = bare(args, &home);
    cmd.env("HUAWEICLOUD_SDK_AK", AK)
        .env("HUAWEICLOUD_SDK_SK", SK)
        .env("HUAWEICLOUD_SDK_PROJECT_ID", PROJECT)
        .env("DCS_ENDPOINT", endpoint);
    cmd
}

/// `dcs ARGS` with nothing configured but `HOME` (and the metadata service off).
pub fn bare(args: &[&str], home: &std::path::Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_dcs"));
    cmd.args(args)
        .env_clear()
        .env("HOME", home)
        .env("HUAWEICLOUD_SDK_METADATA_DISABLED", "true")
        .stdin(Stdio::null());
    cmd
}

/// Waits for `child` up to [`DEADLINE`]; a child still running then is killed and the test
/// fails.
pub fn wait_or_kill(child: &mut Child, what: &str) -> ExitStatus {
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if started.elapsed() > DEADLINE {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{what}: still running after {DEADLINE:?} (hung)");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Runs `cmd` to its end (within the deadline) with `stdin` written to it, collecting stdout
/// and stderr.
pub fn run_with(mut cmd: Command, stdin: Option<&[u8]>, what: &str) -> Output {
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    if stdin.is_some() {
        cmd.stdin(Stdio::piped());
    }
    let mut child = cmd.spawn().unwrap();
    if let (Some(data), Some(mut i)) = (stdin, child.stdin.take()) {
        i.write_all(data).unwrap();
    }
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let o = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = out.read_to_end(&mut v);
        v
    });
    let e = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = err.read_to_end(&mut v);
        v
    });
    let status = wait_or_kill(&mut child, what);
    Output {
        status,
        stdout: o.join().unwrap(),
        stderr: e.join().unwrap(),
    }
}

/// Runs a command to its end (within the deadline), collecting stdout and stderr.
pub fn run_blocking(cmd: Command) -> Output {
    let what = format!("{cmd:?}");
    run_with(cmd, None, &what)
}

/// Runs a command off the async runtime (the emulator keeps answering meanwhile).
pub async fn run(cmd: Command) -> Output {
    tokio::task::spawn_blocking(move || run_blocking(cmd))
        .await
        .unwrap()
}

/// `dcs ARGS` against `endpoint`.
pub async fn dcs(args: &[&str], endpoint: &str) -> Output {
    run(command(args, endpoint)).await
}

/// `dcs ARGS` against `endpoint`, from a plain test (an emulator in a process of its own needs
/// no runtime to keep answering).
pub fn dcs_blocking(args: &[&str], endpoint: &str) -> Output {
    run_blocking(command(args, endpoint))
}

pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// stdout as JSON, or a panic showing both streams.
pub fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}\n{}", text(&out.stdout), text(&out.stderr)))
}

/// Starts `cmd`, reads its stderr until a line contains `marker`, sends `signal` (`-INT`),
/// and collects the end: status, stdout, the rest of stderr.
#[cfg(unix)]
pub fn signal_after(mut cmd: Command, marker: &str, signal: &str) -> (ExitStatus, String, String) {
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    let mut out = child.stdout.take().unwrap();
    let o = std::thread::spawn(move || {
        let mut v = String::new();
        let _ = out.read_to_string(&mut v);
        v
    });
    let mut err = BufReader::new(child.stderr.take().unwrap());
    let mut seen = String::new();
    let mut line = String::new();
    while err.read_line(&mut line).unwrap_or(0) > 0 {
        seen.push_str(&line);
        if line.contains(marker) {
            break;
        }
        line.clear();
    }
    assert!(seen.contains(marker), "never printed {marker:?}: {seen}");
    let pid = child.id().to_string();
    assert!(Command::new("kill")
        .args([signal, &pid])
        .status()
        .unwrap()
        .success());
    let mut rest = String::new();
    let _ = err.read_to_string(&mut rest);
    let status = wait_or_kill(&mut child, "signalled run");
    (status, o.join().unwrap(), seen + &rest)
}

/// Runs `cmd` with its stdout closed before it writes a byte: its status and stderr.
pub fn with_stdout_closed(mut cmd: Command) -> (ExitStatus, String) {
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    drop(child.stdout.take());
    let mut err = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut v = String::new();
        let _ = err.read_to_string(&mut v);
        v
    });
    let status = wait_or_kill(&mut child, "closed stdout run");
    (status, reader.join().unwrap())
}

/// The `dcs-emulator` binary, running as a process of its own on a free loopback port with
/// [`AK`], [`SK`] and [`PROJECT`]; killed (and reaped) when dropped, also when a test fails
/// first.
#[derive(Debug)]
pub struct EmulatorProcess {
    child: Child,
    endpoint: String,
}

impl EmulatorProcess {
    /// Starts the binary with `--operation-delay` `delay` and, when given, `--seed` a file
    /// holding `seed` (a seed document, crates/dcs-emulator/README.md), and reads the endpoint
    /// from the `export DCS_ENDPOINT=` line of its banner.
    pub fn start(delay: Duration, seed: Option<&str>) -> Self {
        static SEEDS: AtomicUsize = AtomicUsize::new(0);
        let mut cmd = Command::new(emulator_binary());
        cmd.args(["--port", "0", "--ak", AK, "--sk", SK, "--project", PROJECT])
            .arg("--operation-delay")
            .arg(delay.as_millis().to_string())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        let seed_file = seed.map(|doc| {
            let n = SEEDS.fetch_add(1, Ordering::Relaxed);
            let f =
                std::env::temp_dir().join(format!("dcs-cli-seed-{}-{n}.json", std::process::id()));
            std::fs::write(&f, doc).unwrap();
            f
        });
        if let Some(f) = &seed_file {
            cmd.arg("--seed").arg(f);
        }
        let mut child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", emulator_binary().display()));
        let emu_stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        // Reads the banner, hands its lines over, then reads on until the process ends, so
        // nothing the emulator writes later meets a closed pipe.
        std::thread::spawn(move || {
            let mut lines = BufReader::new(emu_stdout).lines();
            let mut banner = String::new();
            for line in lines.by_ref() {
                let Ok(line) = line else { break };
                banner.push_str(&line);
                banner.push('\n');
                if line.starts_with("export DCS_ENDPOINT=") {
                    break;
                }
            }
            let _ = tx.send(banner);
            for _ in lines {}
        });
        // Kill on drop from here on, also when the banner is wrong.
        let mut emu = EmulatorProcess {
            child,
            endpoint: String::new(),
        };
        let banner = rx
            .recv_timeout(Duration::from_secs(30))
            .unwrap_or_else(|_| panic!("dcs-emulator printed no banner within 30 s"));
        // The seed is read before the banner is printed.
        if let Some(f) = seed_file {
            let _ = std::fs::remove_file(f);
        }
        emu.endpoint = banner
            .lines()
            .find_map(|l| l.strip_prefix("export DCS_ENDPOINT="))
            .unwrap_or_else(|| {
                let status = emu.child.try_wait().ok().flatten();
                panic!("no endpoint in dcs-emulator's banner (exit {status:?}): {banner:?}")
            })
            .to_string();
        assert!(emu.endpoint.starts_with("http://127.0.0.1:"), "{banner}");
        emu
    }

    /// Where it listens: `http://127.0.0.1:PORT`.
    pub fn endpoint(&self) -> String {
        self.endpoint.clone()
    }

    /// An instance's status, as the emulator's control API (`GET /_emulator/instances/{id}`)
    /// reports it; `None` once the instance is gone.
    pub fn instance_status(&self, id: &str) -> Option<String> {
        let (code, body) =
            self.control_get(&format!("/_emulator/instances/{id}?project_id={PROJECT}"));
        match code {
            404 => None,
            200 => {
                let v: serde_json::Value =
                    serde_json::from_str(&body).unwrap_or_else(|e| panic!("{e}: {body}"));
                Some(
                    v["status"]
                        .as_str()
                        .unwrap_or_else(|| panic!("{v}"))
                        .to_string(),
                )
            }
            _ => panic!("GET /_emulator/instances/{id}: {code} {body}"),
        }
    }

    /// A GET on the control API (unsigned, loopback only): the status code and the body.
    fn control_get(&self, path: &str) -> (u16, String) {
        let host = self.endpoint.trim_start_matches("http://");
        let mut s = TcpStream::connect(host).unwrap();
        s.set_read_timeout(Some(DEADLINE)).unwrap();
        write!(
            s,
            "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut answer = String::new();
        s.read_to_string(&mut answer).unwrap();
        let (head, body) = answer
            .split_once("\r\n\r\n")
            .unwrap_or_else(|| panic!("not an HTTP answer: {answer:?}"));
        let code = head
            .split_whitespace()
            .nth(1)
            .and_then(|c| c.parse().ok())
            .unwrap_or_else(|| panic!("no status in {head:?}"));
        (code, body.to_string())
    }
}

impl Drop for EmulatorProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The `dcs-emulator` binary, next to `dcs` in the target directory.
///
/// `CARGO_BIN_EXE_dcs-emulator` is given only to dcs-emulator's own tests, so it is looked
/// for beside `dcs`. `cargo test --workspace` (what CI runs) builds every package's binaries
/// before it runs any test, so there it is present. When it is missing (`cargo test -p
/// dcs-cli` alone in a fresh target directory) it is built here, once per test process, with
/// `cargo build -p dcs-emulator`, rather than failing the test or passing it without the
/// binary: cargo lets go of the target directory's lock once the tests are built, so a build
/// started by a running test goes through (checked with cargo 1.95; another cargo building
/// meanwhile only makes it wait). It is not built when present: `-p dcs-emulator` alone
/// unifies features differently from the workspace build and would recompile dcs-model on
/// every run. So after changing the emulator, run `cargo build -p dcs-emulator` (or `cargo
/// test --workspace`) before `cargo test -p dcs-cli`, or these tests use the old binary.
pub fn emulator_binary() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        let dir = Path::new(env!("CARGO_BIN_EXE_dcs")).parent().unwrap();
        let bin = dir.join(format!("dcs-emulator{}", std::env::consts::EXE_SUFFIX));
        if bin.is_file() {
            return bin;
        }
        // target/debug holds the dev profile's binaries; any other directory is named after
        // its profile (release, or a custom one).
        let profile = match dir.file_name().and_then(|n| n.to_str()) {
            Some("debug") | None => "dev",
            Some(p) => p,
        };
        eprintln!(
            "{} is missing: running cargo build -p dcs-emulator --profile {profile}",
            bin.display()
        );
        let status = Command::new(env!("CARGO"))
            .args(["build", "-p", "dcs-emulator", "--bin", "dcs-emulator"])
            .args(["--profile", profile])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .stdin(Stdio::null())
            .status()
            .unwrap_or_else(|e| panic!("cannot run cargo: {e}"));
        assert!(
            status.success() && bin.is_file(),
            "no dcs-emulator binary at {} (cargo build: {status}); run `cargo build -p \
             dcs-emulator` with the same --target, --target-dir and profile as this test, \
             then run the test again",
            bin.display()
        );
        bin
    })
}
