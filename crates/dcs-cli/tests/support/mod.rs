//! What the end-to-end tests of `dcs` share: the emulator in-process on loopback, the real
//! binary run with the environment it is given and nothing else, and a deadline so a hang
//! fails the test instead of stalling it.

#![allow(dead_code)] // each test file uses its own part

use dcs_emulator::Emulator;
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
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

/// Runs a command off the async runtime (the emulator keeps answering meanwhile).
pub async fn run(cmd: Command) -> Output {
    let what = format!("{cmd:?}");
    tokio::task::spawn_blocking(move || run_with(cmd, None, &what))
        .await
        .unwrap()
}

/// `dcs ARGS` against `endpoint`.
pub async fn dcs(args: &[&str], endpoint: &str) -> Output {
    run(command(args, endpoint)).await
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
