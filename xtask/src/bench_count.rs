//! `cargo xtask bench --only count`: user-space instructions per request of both e2e clients,
//! counted by `valgrind --tool=callgrind` rather than timed.
//!
//! This machine's speed moves by a fifth between runs and it has no hardware counters, so a
//! per-request cost of 1 % is invisible to a clock but not to an instruction count, which is
//! the same from run to run. Each client (`e2e --child ours|bare 1 SECS 100`: one connection,
//! client and server in one process) runs under callgrind for a short and a long time; the
//! difference in instructions over the difference in requests is the cost of one request
//! (client, server and runtime, without start-up and warm-up). Under valgrind the signer
//! hashes with its portable SHA-256 (no SHA extensions), the same for both clients.
//!
//! Needs `valgrind` on PATH. Run it alone: it takes about a minute, and it compares code, not
//! machines.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Seconds of the short and the long run; valgrind slows the child about 50 times.
const SHORT_SECS: u32 = 1;
const LONG_SECS: u32 = 3;

pub fn run(root: &Path) -> Result<(), String> {
    let valgrind_ok = Command::new("valgrind")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    if !valgrind_ok {
        return Err("count: valgrind is not on PATH (Debian: apt-get install valgrind)".into());
    }
    let bin = build_e2e(root)?;
    println!("\n==> count: instructions per request, {}", bin.display());
    let mut per_request = Vec::new();
    for kind in ["bare", "ours"] {
        let short = counted(&bin, kind, SHORT_SECS)?;
        let long = counted(&bin, kind, LONG_SECS)?;
        let n = long.requests.checked_sub(short.requests).filter(|n| *n > 0);
        let Some(n) = n else {
            return Err(format!(
                "count: {kind}: the long run made no more requests than the short one ({} vs {})",
                long.requests, short.requests
            ));
        };
        let per = long.instructions.saturating_sub(short.instructions) as f64 / n as f64;
        println!(
            "  {kind}: {per:.0} instructions per request ({} and {} requests in {SHORT_SECS} s and {LONG_SECS} s)",
            short.requests, long.requests
        );
        per_request.push(per);
    }
    if let [bare, ours] = per_request[..] {
        println!(
            "  ours/bare: {:.4} ({:+.0} instructions per request)",
            ours / bare,
            ours - bare
        );
    }
    Ok(())
}

/// Builds the e2e bench and returns its executable.
fn build_e2e(root: &Path) -> Result<PathBuf, String> {
    let out = Command::new(crate::cargo())
        .args([
            "bench",
            "-p",
            "xtask",
            "--bench",
            "e2e",
            "--no-run",
            "--message-format=json-render-diagnostics",
        ])
        .current_dir(root)
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("count: cannot run cargo: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "count: building the e2e bench failed ({})",
            out.status
        ));
    }
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|m| m["reason"] == "compiler-artifact" && m["target"]["name"] == "e2e")
        .find_map(|m| m["executable"].as_str().map(PathBuf::from))
        .ok_or_else(|| "count: cargo named no e2e executable".into())
}

struct Counted {
    requests: u64,
    instructions: u64,
}

/// One child run under callgrind: the requests it reports and the instructions counted.
fn counted(bin: &Path, kind: &str, secs: u32) -> Result<Counted, String> {
    let out_file = std::env::temp_dir().join(format!(
        "dcs-count-{}-{kind}-{secs}.callgrind",
        std::process::id()
    ));
    let out = Command::new("valgrind")
        .arg("--tool=callgrind")
        .arg(format!("--callgrind-out-file={}", out_file.display()))
        .arg(bin)
        .args(["--child", kind, "1", &secs.to_string(), "100"])
        .output()
        .map_err(|e| format!("count: cannot run valgrind: {e}"))?;
    let _ = std::fs::remove_file(&out_file);
    if !out.status.success() {
        return Err(format!(
            "count: {kind} under valgrind failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let requests = field(&stdout, "requests=")
        .ok_or_else(|| format!("count: {kind}: no requests= in the child's report: {stdout}"))?;
    let instructions = field(&stderr, "Collected : ")
        .ok_or_else(|| format!("count: {kind}: callgrind printed no total: {stderr}"))?;
    Ok(Counted {
        requests,
        instructions,
    })
}

/// The number right after the first `key` in `text`.
fn field(text: &str, key: &str) -> Option<u64> {
    let rest = &text[text.find(key)? + key.len()..];
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::field;

    #[test]
    fn field_reads_the_number_after_its_key() {
        let report = "E2E kind=ours conc=1 requests=2160 secs=3.000";
        assert_eq!(field(report, "requests="), Some(2160));
        assert_eq!(
            field("==1== Collected : 237635977\n", "Collected : "),
            Some(237635977)
        );
        assert_eq!(field(report, "errors="), None);
        assert_eq!(field("requests=", "requests="), None);
    }
}
