//! `cargo xtask bench --only build`: cold debug builds on this machine, in one run.
//!
//! 1. `cargo build -p dcs-tasks` of a baseline revision (default `a5c7db1`, the hand-written
//!    single-operation SDK) and of the working tree, each in a fresh target directory, one
//!    after the other: the Task Center crate must stay within 1.25x of the baseline now that
//!    it sits on the generated client (its feature `tasks` alone), and not slower than the
//!    20.4 s it took before configuration moved to dcs-config (issue 18).
//! 2. `cargo build -p dcs-client --timings` (all 16 groups) in a fresh target directory:
//!    under 45 s, and where the time goes (the slowest units, from cargo's timing data).
//!
//! Fresh target directories live under the system temp folder and are removed afterwards.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

fn cargo() -> std::ffi::OsString {
    std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into())
}

fn timed_build(dir: &Path, target: &Path, args: &[&str]) -> Result<f64, String> {
    let _ = std::fs::remove_dir_all(target);
    let t0 = Instant::now();
    let status = Command::new(cargo())
        .args(args)
        .env("CARGO_TARGET_DIR", target)
        .env("CARGO_INCREMENTAL", "0")
        .current_dir(dir)
        .status()
        .map_err(|e| e.to_string())?;
    if !status.success() {
        return Err(format!(
            "cargo {} failed in {}",
            args.join(" "),
            dir.display()
        ));
    }
    Ok(t0.elapsed().as_secs_f64())
}

/// The slowest compilation units in cargo's `--timings` report (its embedded unit data).
fn slowest(target: &Path, n: usize) -> Vec<(String, f64)> {
    let dir = target.join("cargo-timings");
    let Some(html) = std::fs::read_dir(&dir).ok().and_then(|rd| {
        rd.filter_map(|e| e.ok())
            .map(|e| e.path())
            .find(|p| p.extension().is_some_and(|x| x == "html"))
    }) else {
        return Vec::new();
    };
    let text = std::fs::read_to_string(html).unwrap_or_default();
    let Some(start) = text.find("const UNIT_DATA = ") else {
        return Vec::new();
    };
    let rest = &text[start + "const UNIT_DATA = ".len()..];
    let end = rest.find(";\n").unwrap_or(rest.len());
    let units: serde_json::Value = serde_json::from_str(&rest[..end]).unwrap_or_default();
    let mut v: Vec<(String, f64)> = units
        .as_array()
        .into_iter()
        .flatten()
        .map(|u| {
            let name = format!(
                "{} {}{}",
                u["name"].as_str().unwrap_or("?"),
                u["target"].as_str().unwrap_or(""),
                if u["mode"] == "run-custom-build" {
                    " (build script run)"
                } else {
                    ""
                }
            );
            (name, u["duration"].as_f64().unwrap_or(0.0))
        })
        .collect();
    v.sort_by(|a, b| b.1.total_cmp(&a.1));
    v.truncate(n);
    v
}

/// Seconds the cold debug build of dcs-tasks took before the configuration moved out of
/// dcs-transport (BENCHMARKS.md, 2026-11-28): the split must not make it slower.
const TASKS_BEFORE_SPLIT: f64 = 20.4;

/// Seconds the baseline's cold build took on 2026-11-28, when the 20.4 s and the 45 s targets
/// were set. This machine's speed moves (the same baseline later took 25 to 35 s), so each
/// target is also checked as a ratio to the baseline built in the same run: 20.4 s was 1.11x
/// the baseline then, 45 s was 2.45x. One run is noisy; BENCHMARKS.md takes the median of five.
const BASELINE_2026_11_28: f64 = 18.4;

pub fn run(root: &Path, baseline: &str) -> Result<(), String> {
    let tmp = std::env::temp_dir().join(format!("dcs-bench-build-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).map_err(|e| e.to_string())?;
    let base_tree = tmp.join("baseline");
    let status = Command::new("git")
        .args(["worktree", "add", "--detach"])
        .arg(&base_tree)
        .arg(baseline)
        .current_dir(root)
        .status()
        .map_err(|e| e.to_string())?;
    if !status.success() {
        return Err(format!("cannot check out {baseline}"));
    }
    let result = (|| {
        let base = timed_build(
            &base_tree,
            &tmp.join("t-base"),
            &["build", "-p", "dcs-tasks"],
        )?;
        let _ = std::fs::remove_dir_all(tmp.join("t-base"));
        let now = timed_build(root, &tmp.join("t-now"), &["build", "-p", "dcs-tasks"])?;
        let _ = std::fs::remove_dir_all(tmp.join("t-now"));
        let tasks_ratio = TASKS_BEFORE_SPLIT / BASELINE_2026_11_28;
        println!(
            "cold debug build of dcs-tasks: {baseline} {base:.1} s, now {now:.1} s: {:.2}x; target <= 1.25x: {}; target <= {TASKS_BEFORE_SPLIT} s: {}; as a ratio, <= {tasks_ratio:.2}x: {}",
            now / base,
            crate::verdict(now / base <= 1.25),
            crate::verdict(now <= TASKS_BEFORE_SPLIT),
            crate::verdict(now / base <= tasks_ratio)
        );
        let t = tmp.join("t-client");
        let client = timed_build(root, &t, &["build", "-p", "dcs-client", "--timings"])?;
        let client_ratio = 45.0 / BASELINE_2026_11_28;
        println!(
            "cold debug build of dcs-client (all 16 groups): {client:.1} s, {:.2}x the baseline; target < 45 s: {}; as a ratio, < {client_ratio:.2}x: {}",
            client / base,
            crate::verdict(client < 45.0),
            crate::verdict(client / base < client_ratio)
        );
        println!("where the time goes (slowest units, seconds of their own compile time):");
        for (name, secs) in slowest(&t, 12) {
            println!("  {secs:6.1}  {name}");
        }
        Ok(())
    })();
    let _ = Command::new("git")
        .args(["worktree", "remove", "--force"])
        .arg(&base_tree)
        .current_dir(root)
        .status();
    let _ = std::fs::remove_dir_all(&tmp);
    result
}
