//! `cargo xtask bench --only engine [N] [ROUNDS]`: N Redis instances created at once on
//! `dcs-emulator --engine redis-server` (N `dcs call CreateInstance` processes started
//! together), and for each the time from its `dcs` process start to the first time the
//! control API reports it `RUNNING` (the operation delay is 0, so that is its redis-server
//! starting and being set up). Then the resident memory of every process involved, and how
//! long SIGTERM takes to stop them all. One instance alone is measured the same way for
//! scale. Release builds; only 127.0.0.1 is contacted; every child is killed on the way out.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const AK: &str = "BENCHENGINEAK0000001";
const SK: &str = "bench-engine-secret-key";
const PROJECT: &str = "0a1b2c3d4e5f40718293a4b5c6d7e8f9";
/// The most time one round may take before it is abandoned.
const ROUND_LIMIT: Duration = Duration::from_secs(120);

struct Emu {
    child: Child,
    endpoint: String,
}

impl Drop for Emu {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_emulator(bin: &Path) -> Result<Emu, String> {
    let mut child = Command::new(bin)
        .args([
            "--engine",
            "redis-server",
            "--port",
            "0",
            "--operation-delay",
            "0",
        ])
        .args(["--ak", AK, "--sk", SK, "--project", PROJECT])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start the emulator: {e}"))?;
    let mut out = BufReader::new(child.stdout.take().ok_or("no stdout")?);
    let mut banner = String::new();
    while !banner.contains("# engine:") {
        let mut line = String::new();
        if out.read_line(&mut line).map_err(|e| e.to_string())? == 0 {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("the emulator did not start: {banner}"));
        }
        banner.push_str(&line);
    }
    let endpoint = banner
        .split_whitespace()
        .find(|w| w.starts_with("http://127.0.0.1:"))
        .ok_or_else(|| format!("no endpoint in {banner}"))?
        .to_string();
    Ok(Emu { child, endpoint })
}

/// `GET` on the control API.
fn control(endpoint: &str, path: &str) -> Result<serde_json::Value, String> {
    let addr = endpoint.trim_start_matches("http://");
    let mut s = std::net::TcpStream::connect(addr).map_err(|e| e.to_string())?;
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .map_err(|e| e.to_string())?;
    let mut answer = String::new();
    s.read_to_string(&mut answer).map_err(|e| e.to_string())?;
    let body = answer.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    serde_json::from_str(body).map_err(|e| format!("{e}: {answer}"))
}

/// Resident memory of a process, in KiB.
fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.split_whitespace().next())
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

/// Whether a process runs (a zombie does not).
fn alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| s.rsplit_once(") ").map(|(_, r)| !r.starts_with('Z')))
        .unwrap_or(false)
}

/// The process group of a process.
fn pgid(pid: u32) -> Option<u32> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    s.rsplit_once(") ")?.1.split(' ').nth(2)?.parse().ok()
}

/// `rustc` processes running now (someone building beside the benchmark).
pub fn rustc_running() -> usize {
    std::fs::read_dir("/proc")
        .map(|d| {
            d.flatten()
                .filter(|e| {
                    std::fs::read_to_string(e.path().join("comm"))
                        .is_ok_and(|c| c.trim() == "rustc")
                })
                .count()
        })
        .unwrap_or(0)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[i]
}

/// What one round measured.
struct Round {
    /// Per instance: `dcs` process start to first RUNNING seen, ms.
    to_running: Vec<f64>,
    /// Per instance: the engine's own start (record created to first accepted connection), ms.
    engine_ready: Vec<f64>,
    /// First `dcs` start to the last instance RUNNING, ms.
    wall: f64,
    redis_rss: Vec<u64>,
    emulator_rss: u64,
    watchdog_rss: u64,
    /// SIGTERM to the emulator's exit with every engine gone, ms.
    stop: f64,
}

fn one_round(emu_bin: &Path, dcs: &Path, n: usize) -> Result<Round, String> {
    let mut emu = start_emulator(emu_bin)?;
    let body = |i: usize| {
        format!(
            r#"{{"body": {{"name": "bench-{i}", "engine": "Redis", "engine_version": "6.0", "capacity": 1, "spec_code": "redis.ha.xu1.large.r2.1", "az_codes": ["az-1"], "vpc_id": "vpc-1", "subnet_id": "subnet-1", "no_password_access": true}}}}"#
        )
    };
    let mut calls: Vec<(Instant, Child)> = Vec::with_capacity(n);
    let t0 = Instant::now();
    for i in 0..n {
        let mut cmd = Command::new(dcs);
        cmd.args(["call", "CreateInstance", "--input-json", &body(i)])
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", std::env::temp_dir())
            .env("HUAWEICLOUD_SDK_AK", AK)
            .env("HUAWEICLOUD_SDK_SK", SK)
            .env("HUAWEICLOUD_SDK_PROJECT_ID", PROJECT)
            .env("HUAWEICLOUD_SDK_METADATA_DISABLED", "true")
            .env("DCS_ENDPOINT", &emu.endpoint)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let started = Instant::now();
        let child = cmd.spawn().map_err(|e| format!("cannot run dcs: {e}"))?;
        calls.push((started, child));
    }
    // Which call created which instance, and when each was first seen RUNNING.
    let mut ids: Vec<Option<String>> = vec![None; n];
    let mut running_at: HashMap<String, Instant> = HashMap::new();
    loop {
        for (i, (_, child)) in calls.iter_mut().enumerate() {
            if ids[i].is_some() {
                continue;
            }
            if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
                let mut out = String::new();
                if let Some(mut o) = child.stdout.take() {
                    let _ = o.read_to_string(&mut out);
                }
                if !status.success() {
                    let mut err = String::new();
                    if let Some(mut e) = child.stderr.take() {
                        let _ = e.read_to_string(&mut err);
                    }
                    return Err(format!("dcs call CreateInstance failed: {err}"));
                }
                let v: serde_json::Value =
                    serde_json::from_str(&out).map_err(|e| format!("{e}: {out}"))?;
                ids[i] = v["instances"][0]["instance_id"].as_str().map(String::from);
            }
        }
        let summary = control(&emu.endpoint, "/_emulator/")?;
        let now = Instant::now();
        for inst in summary["projects"][PROJECT]["instances"]
            .as_array()
            .into_iter()
            .flatten()
        {
            if inst["status"] == "RUNNING" {
                if let Some(id) = inst["instance_id"].as_str() {
                    running_at.entry(id.to_string()).or_insert(now);
                }
            }
        }
        let done = ids
            .iter()
            .all(|id| id.as_ref().is_some_and(|id| running_at.contains_key(id)));
        if done {
            break;
        }
        if t0.elapsed() > ROUND_LIMIT {
            return Err(format!("not all {n} instances ran within {ROUND_LIMIT:?}"));
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    let mut to_running = Vec::with_capacity(n);
    let mut engine_ready = Vec::with_capacity(n);
    let mut redis_rss = Vec::with_capacity(n);
    let mut pids = Vec::with_capacity(n);
    let mut last = t0;
    for (i, id) in ids.iter().enumerate() {
        let id = id.as_deref().unwrap_or_default();
        let at = running_at[id];
        last = last.max(at);
        to_running.push(at.duration_since(calls[i].0).as_secs_f64() * 1e3);
        let view = control(&emu.endpoint, &format!("/_emulator/instances/{id}"))?;
        engine_ready.push(
            view["engine"]["ready_after_ms"]
                .as_f64()
                .unwrap_or(f64::NAN),
        );
        let pid = view["engine"]["pid"].as_u64().ok_or("no engine pid")? as u32;
        pids.push(pid);
        redis_rss.push(rss_kib(pid));
    }
    let wall = last.duration_since(t0).as_secs_f64() * 1e3;
    let emu_pid = emu.child.id();
    let emulator_rss = rss_kib(emu_pid);
    let watchdog_rss = pids.first().and_then(|p| pgid(*p)).map_or(0, rss_kib);
    // SIGTERM: the emulator stops every engine, then exits.
    let t_stop = Instant::now();
    // The shell's own kill: a slim system may have no kill program.
    let sent = Command::new("sh")
        .args(["-c", &format!("kill -TERM {emu_pid}")])
        .status()
        .map_err(|e| e.to_string())?;
    if !sent.success() {
        return Err("kill -TERM failed".into());
    }
    let _ = emu.child.wait();
    let stop = t_stop.elapsed().as_secs_f64() * 1e3;
    let left = pids.iter().filter(|p| alive(**p)).count();
    if left > 0 {
        return Err(format!(
            "{left} redis-server processes outlived the emulator"
        ));
    }
    drop(emu);
    to_running.sort_by(|a, b| a.total_cmp(b));
    engine_ready.sort_by(|a, b| a.total_cmp(b));
    Ok(Round {
        to_running,
        engine_ready,
        wall,
        redis_rss,
        emulator_rss,
        watchdog_rss,
        stop,
    })
}

fn report(n: usize, r: &Round) {
    let t = &r.to_running;
    let e = &r.engine_ready;
    let redis_total: u64 = r.redis_rss.iter().sum();
    println!(
        "  {n} at once: to RUNNING per instance min {:.0} / median {:.0} / p90 {:.0} / max {:.0} ms; all RUNNING after {:.0} ms",
        percentile(t, 0.0),
        percentile(t, 0.5),
        percentile(t, 0.9),
        percentile(t, 1.0),
        r.wall
    );
    println!(
        "    engine start (record to first connection): min {:.0} / median {:.0} / max {:.0} ms",
        percentile(e, 0.0),
        percentile(e, 0.5),
        percentile(e, 1.0)
    );
    println!(
        "    RSS: redis-server {:.1} MiB in all ({:.1} MiB each on average), emulator {:.1} MiB, watchdog {:.1} MiB: total {:.1} MiB",
        redis_total as f64 / 1024.0,
        redis_total as f64 / 1024.0 / n as f64,
        r.emulator_rss as f64 / 1024.0,
        r.watchdog_rss as f64 / 1024.0,
        (redis_total + r.emulator_rss + r.watchdog_rss) as f64 / 1024.0
    );
    println!(
        "    SIGTERM to exit, every redis-server gone: {:.0} ms",
        r.stop
    );
}

pub fn run(root: &Path, args: &[&str]) -> Result<(), String> {
    let n: usize = match args.first() {
        Some(v) => v
            .parse()
            .map_err(|_| format!("{v:?} is not a number of instances"))?,
        None => 20,
    };
    let rounds: usize = match args.get(1) {
        Some(v) => v
            .parse()
            .map_err(|_| format!("{v:?} is not a number of rounds"))?,
        None => 3,
    };
    let on_path = std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
        .map(|d| d.join("redis-server"))
        .any(|p| p.is_file());
    if !on_path {
        return Err(
            "the engine bench needs redis-server on PATH (Debian: apt-get install redis-server)"
                .into(),
        );
    }
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = Command::new(&cargo)
        .args(["build", "--release", "-p", "dcs-cli", "-p", "dcs-emulator"])
        .current_dir(root)
        .status()
        .map_err(|e| e.to_string())?;
    if !status.success() {
        return Err("release build failed".into());
    }
    let rel: PathBuf = root.join("target/release");
    let (dcs, emu) = (rel.join("dcs"), rel.join("dcs-emulator"));
    let busy = rustc_running();
    println!(
        "machine: {} CPUs, {busy} rustc processes running at the start{}",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        if busy > 0 {
            " (NOT quiet: figures are noisy)"
        } else {
            " (quiet)"
        }
    );
    for round in 1..=rounds {
        println!("round {round}:");
        report(1, &one_round(&emu, &dcs, 1)?);
        report(n, &one_round(&emu, &dcs, n)?);
    }
    let busy = rustc_running();
    println!("rustc processes running at the end: {busy}");
    Ok(())
}
