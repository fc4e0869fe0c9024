//! `cargo xtask bench --only cli`: `dcs tasks delete --all --yes` against the emulator binary
//! seeded with finished tasks, beside a loop over the official Python SDK's
//! `delete_center_task` doing the same deletes (when `DCS_OFFICIAL_SDK_PYTHON` is set); peak
//! memory of `dcs` at 1,000 and 10,000 tasks; and `dcs` start-up to its first request.
//! `--only dist`: the shipped binary (`--profile dist`): its size and its start-up.
//!
//! Release builds; whole-process timings; only 127.0.0.1 is contacted.

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Instant;

const AK: &str = "BENCHCLIAK0000000001";
const SK: &str = "bench-cli-secret-key";
const PROJECT: &str = "0a1b2c3d4e5f40718293a4b5c6d7e8f9";

struct Emu(Child, String);

impl Drop for Emu {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_emulator(bin: &Path, seed: &Path) -> Result<Emu, String> {
    let mut child = Command::new(bin)
        .args(["--port", "0", "--ak", AK, "--sk", SK, "--project", PROJECT])
        .args(["--operation-delay", "0", "--seed"])
        .arg(seed)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start the emulator: {e}"))?;
    let mut line = String::new();
    BufReader::new(child.stdout.take().ok_or("no stdout")?)
        .read_line(&mut line)
        .map_err(|e| e.to_string())?;
    let url = line
        .split_whitespace()
        .find(|w| w.starts_with("http://127.0.0.1:"))
        .ok_or_else(|| format!("unexpected first line: {line}"))?
        .to_string();
    Ok(Emu(child, url))
}

fn seed_file(dir: &Path, prefix: &str, n: usize) -> Result<PathBuf, String> {
    let path = dir.join(format!("seed-{prefix}{n}.json"));
    let tasks: Vec<String> = (0..n)
        .map(|i| format!(r#"{{"id":"{prefix}{i:05}","status":"SUCCESS"}}"#))
        .collect();
    std::fs::write(&path, format!(r#"{{"tasks":[{}]}}"#, tasks.join(",")))
        .map_err(|e| e.to_string())?;
    Ok(path)
}

fn dcs_env(cmd: &mut Command, endpoint: &str) {
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", std::env::temp_dir())
        .env("HUAWEICLOUD_SDK_AK", AK)
        .env("HUAWEICLOUD_SDK_SK", SK)
        .env("HUAWEICLOUD_SDK_PROJECT_ID", PROJECT)
        .env("HUAWEICLOUD_SDK_METADATA_DISABLED", "true")
        .env("DCS_ENDPOINT", endpoint)
        .stdin(Stdio::null());
}

/// One bulk delete of `n` seeded tasks: (seconds, peak RSS in KiB).
fn bulk(dcs: &Path, emu_bin: &Path, dir: &Path, n: usize) -> Result<(f64, u64), String> {
    let seed = seed_file(dir, "bench-task-", n)?;
    let emu = start_emulator(emu_bin, &seed)?;
    let mut cmd = Command::new("/usr/bin/time");
    cmd.args(["-f", "TIME %e %M"]).arg(dcs);
    cmd.args(["tasks", "delete", "--all", "--yes", "--output", "json"]);
    dcs_env(&mut cmd, &emu.1);
    let t0 = Instant::now();
    let out = cmd.output().map_err(|e| format!("/usr/bin/time: {e}"))?;
    let wall = t0.elapsed().as_secs_f64();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout)
        .map_err(|e| format!("dcs printed no summary ({e}): {stderr}"))?;
    let deleted = summary["deleted"].as_array().map_or(0, Vec::len);
    if deleted != n || !out.status.success() {
        return Err(format!("dcs deleted {deleted} of {n}: {stderr}"));
    }
    let line = stderr
        .lines()
        .find_map(|l| l.strip_prefix("TIME "))
        .ok_or("no timing")?;
    // `%e` has 10 ms resolution: the wall time is measured here instead.
    let kib: u64 = line
        .split_whitespace()
        .nth(1)
        .and_then(|v| v.parse().ok())
        .ok_or("bad rss")?;
    Ok((wall, kib))
}

/// Time from spawning `dcs call` to the first request's connection on a loopback listener.
fn startup(dcs: &Path) -> Result<f64, String> {
    let l = TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    let endpoint = format!("http://{}", l.local_addr().map_err(|e| e.to_string())?);
    let mut cmd = Command::new(dcs);
    cmd.args(["call", "ListAvailableZones"]);
    dcs_env(&mut cmd, &endpoint);
    cmd.stdout(Stdio::null()).stderr(Stdio::null());
    let t0 = Instant::now();
    let mut child = cmd.spawn().map_err(|e| e.to_string())?;
    let (sock, _) = l.accept().map_err(|e| e.to_string())?;
    let ms = t0.elapsed().as_secs_f64() * 1e3;
    // The request arrived: that is all this measures. The process is not needed further.
    let _ = child.kill();
    let _ = child.wait();
    drop(sock);
    Ok(ms)
}

/// The median, least and most of 21 start-ups of `dcs`, in milliseconds.
fn startups(dcs: &Path) -> Result<(f64, f64, f64), String> {
    let mut starts: Vec<f64> = (0..21).map(|_| startup(dcs)).collect::<Result<_, _>>()?;
    starts.sort_by(|a, b| a.total_cmp(b));
    Ok((starts[10], starts[0], starts[20]))
}

/// `--only dist`: builds `dcs` as shipped (`--profile dist`, stripped), and reports its size
/// (target at most 8 MiB) and its start-up to the first request (target under 10 ms).
pub fn dist(root: &Path, build: bool) -> Result<(), String> {
    if build {
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let status = Command::new(&cargo)
            .args(["build", "--profile", "dist", "-p", "dcs-cli"])
            .current_dir(root)
            .status()
            .map_err(|e| e.to_string())?;
        if !status.success() {
            return Err("dist build failed".into());
        }
    }
    let dcs = root.join("target/dist/dcs");
    let bytes = std::fs::metadata(&dcs).map_err(|e| e.to_string())?.len();
    let mib = bytes as f64 / (1024.0 * 1024.0);
    println!(
        "dcs (profile dist, stripped): {bytes} bytes ({mib:.2} MiB, {:.2} MB); target at most 8 MiB: {}",
        bytes as f64 / 1e6,
        if mib <= 8.0 { "MET" } else { "NOT MET" }
    );
    let (median, min, max) = startups(&dcs)?;
    println!(
        "dcs (profile dist) start-up to first request: median {median:.2} ms (min {min:.2}, max {max:.2}, 21 runs); target < 10 ms: {}",
        if median < 10.0 { "MET" } else { "NOT MET" }
    );
    // The release build beside it, when there is one, for comparison.
    let release = root.join("target/release/dcs");
    if release.exists() {
        let (median, min, max) = startups(&release)?;
        println!(
            "dcs (profile release, for comparison) start-up to first request: median {median:.2} ms (min {min:.2}, max {max:.2}, 21 runs)"
        );
    }
    Ok(())
}

pub fn run(root: &Path) -> Result<(), String> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = Command::new(&cargo)
        .args(["build", "--release", "-p", "dcs-cli", "-p", "dcs-emulator"])
        .current_dir(root)
        .status()
        .map_err(|e| e.to_string())?;
    if !status.success() {
        return Err("release build failed".into());
    }
    let rel = root.join("target/release");
    let dcs = rel.join("dcs");
    let emu = rel.join("dcs-emulator");
    let dir = std::env::temp_dir().join(format!("dcs-bench-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;

    let (median, min, max) = startups(&dcs)?;
    println!(
        "dcs start-up to first request: median {median:.2} ms (min {min:.2}, max {max:.2}, 21 runs); target < 10 ms: {}",
        if median < 10.0 { "MET" } else { "NOT MET" }
    );

    let (s1k, m1k) = bulk(&dcs, &emu, &dir, 1_000)?;
    let (s10k, m10k) = bulk(&dcs, &emu, &dir, 10_000)?;
    let rate = 10_000.0 / s10k;
    println!(
        "dcs tasks delete --all --yes, 1,000 tasks: {:.0} ms ({:.0} deletes/s, listing included), peak RSS {m1k} KiB",
        s1k * 1e3,
        1_000.0 / s1k
    );
    println!(
        "dcs tasks delete --all --yes, 10,000 tasks: {:.0} ms ({rate:.0} deletes/s, listing included), peak RSS {m10k} KiB",
        s10k * 1e3
    );
    println!(
        "memory 10,000 vs 1,000 tasks: {:.2}x",
        m10k as f64 / m1k as f64
    );
    match std::env::var_os("DCS_OFFICIAL_SDK_PYTHON") {
        None => println!("official Python SDK: SKIPPED (set DCS_OFFICIAL_SDK_PYTHON)"),
        Some(py) => {
            let seed = seed_file(&dir, "py-task-", 10_000)?;
            let e = start_emulator(&emu, &seed)?;
            let t0 = Instant::now();
            let out = Command::new(py)
                .arg(root.join("xtask/bench/official_bulk.py"))
                .args(["delete", &e.1, AK, SK, PROJECT, "py-task-", "10000"])
                .output()
                .map_err(|e| e.to_string())?;
            let wall = t0.elapsed().as_secs_f64();
            let text = String::from_utf8_lossy(&out.stdout);
            print!("{text}");
            let py_rate = 10_000.0 / wall;
            println!(
                "official Python SDK loop, 10,000 deletes: {wall:.2} s ({py_rate:.0} deletes/s, whole process); dcs is {:.1}x that; target >= 20x: {}",
                rate / py_rate,
                if rate / py_rate >= 20.0 { "MET" } else { "NOT MET" }
            );
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
