//! Project automation.
//!
//! ```text
//! cargo xtask spec [--check]             re-extract codegen/spec.json from the official Python
//!                                         SDK (DCS_OFFICIAL_SDK_PYTHON); --check fails when the
//!                                         checked-in file differs
//! cargo xtask codegen [--check]          regenerate everything that follows from the spec
//!                                         (codegen/); --check fails when a file is stale
//! cargo xtask public-api [--check]       list each library crate's public API in api/*.txt;
//!                                         --check fails when the code's API differs
//! cargo xtask ci                          fmt check, codegen and spec checks, clippy, tests,
//!                                         cargo-deny (if installed)
//! cargo xtask mutants [--file PATH] [--in-diff BASE] [--max-mutants N]
//!                                         cargo-mutants (pinned) on the files that carry
//!                                         promises, each with the tests that reach it; the
//!                                         score per file (see TESTING.md)
//! cargo xtask bench [--only signer|e2e] [ARGS...]
//!                                         the signer micro-benchmarks and the loopback
//!                                         end-to-end benchmark; ARGS go to the bench binaries
//! cargo xtask bench --only engine [N] [ROUNDS]
//!                                         N instances at once on dcs-emulator --engine
//!                                         redis-server: time to RUNNING, memory
//! cargo xtask bench --only count          instructions per request of both e2e clients,
//!                                         counted by callgrind
//! ```

mod bench_build;
mod bench_cli;
mod bench_count;
mod bench_engine;
mod codegen;
mod mutants;
mod public_api;
mod spec;

use std::ffi::OsString;
use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Command, ExitCode, Stdio};
use std::time::Instant;

const USAGE: &str = "\
usage: cargo xtask <command>

commands:
  spec [--check]
           run codegen/extract_spec.py with the Python named by DCS_OFFICIAL_SDK_PYTHON (the
           official SDK pinned in tests/interop/requirements.txt) and write codegen/spec.json;
           --check writes nothing and fails when the checked-in file differs
  codegen [--check]
           regenerate the code that follows from the service model under codegen/ (spec.json
           and the reviewed tables); --check writes nothing and fails when a file is stale
  public-api [--check]
           write api/<crate>.txt, the public API of each library crate (rustdoc JSON, all
           features); --check writes nothing and fails, listing removed and added lines,
           when the code's API differs: update the listing deliberately with the change
  ci       cargo fmt --all -- --check
           cargo xtask codegen --check
           cargo xtask spec --check   (only when DCS_OFFICIAL_SDK_PYTHON is set)
           cargo clippy --workspace --all-targets -- -D warnings
           cargo test --workspace
           cargo deny check licenses bans sources   (only when cargo-deny is installed)
           Stops at the first failing step with a non-zero exit.
  mutants [--file PATH] [--in-diff BASE] [--max-mutants N] [--timeout SECS] [--jobs N]
          [--in-place] [--cargo-mutants PATH] [--list]
           cargo-mutants 27.1.0 (installed with `cargo install --locked` into target/tools
           unless --cargo-mutants names one of that version) on each file that carries
           promises, with the tests that reach it; prints caught, missed, timeouts, unviable
           and the score per file, and fails under 90%. --file: one of them; --in-diff BASE:
           only mutants on lines changed since BASE; --max-mutants: past N per file, a
           round-robin sample; --in-place: mutate this tree (only in a scratch clone).
           Exclusions, each with its reason: .cargo/mutants.toml. See TESTING.md.
  bench [--only signer|e2e|list|cli|dist] [ARGS...]   (dist: [--no-build])
           cargo bench -p xtask --bench signer [-- ARGS]
           cargo bench -p xtask --bench e2e [-- ARGS]
           cargo bench -p xtask --bench list_page   (ListCenterTask, 1000-task page)
           cli: dcs tasks delete --all --yes on 1,000 and 10,000 tasks (release builds),
           start-up to first request, and the official Python SDK's loop for scale
  bench --only build [REV]
           cold debug builds in fresh target dirs: dcs-tasks at REV (default a5c7db1)
           against now (and the 20.4 s of before the dcs-config split), and dcs-client with
           --timings, under 45 s (not part of a plain `bench`)
  bench --only engine [N] [ROUNDS]
           N (default 20) Redis instances created at once on dcs-emulator --engine
           redis-server (release builds, redis-server on PATH): time to RUNNING per
           instance, resident memory, SIGTERM to exit; ROUNDS rounds (default 3), each with
           one instance alone for scale (not part of a plain `bench`)
  bench --only count
           instructions per request of ours and of bare hyper in the e2e bench, counted by
           valgrind's callgrind (needs valgrind): the same from run to run, where a clock on
           this machine is not (not part of a plain `bench`)
           ARGS are passed to every selected bench binary (divan options for signer,
           see `cargo bench -p xtask --bench e2e -- --help` for e2e).";

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let cmd = args.next();
    let rest: Vec<String> = args.collect();
    let result = match cmd.as_deref() {
        Some("ci") if rest.is_empty() => ci(),
        Some("spec") if rest.is_empty() => spec::run(&root(), false),
        Some("spec") if rest == ["--check"] => spec::run(&root(), true),
        Some("codegen") if rest.is_empty() => codegen::run(&root(), false),
        Some("codegen") if rest == ["--check"] => codegen::run(&root(), true),
        Some("public-api") if rest.is_empty() => public_api::run(&root(), false),
        Some("public-api") if rest == ["--check"] => public_api::run(&root(), true),
        Some("bench") => bench(&rest),
        Some("mutants") => mutants::run(&root(), &rest),
        Some("-h" | "--help" | "help") => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The workspace root (the parent of this crate).
fn root() -> PathBuf {
    let here = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    here.parent().map(PathBuf::from).unwrap_or(here)
}

/// The cargo that runs us (`$CARGO`), or `cargo` from PATH.
fn cargo() -> OsString {
    std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into())
}

fn cargo_cmd(args: &[&str]) -> Command {
    let mut c = Command::new(cargo());
    c.args(args).current_dir(root());
    c
}

/// Runs one step with inherited output; an error names the step and its exit status.
fn step(name: &str, args: &[&str]) -> Result<(), String> {
    println!("\n==> {name}: cargo {}", args.join(" "));
    let t0 = Instant::now();
    let status = cargo_cmd(args)
        .status()
        .map_err(|e| format!("{name}: cannot run cargo: {e}"))?;
    if !status.success() {
        return Err(format!("step `{name}` failed ({status})"));
    }
    println!("==> {name}: ok ({:.1} s)", t0.elapsed().as_secs_f64());
    Ok(())
}

fn ci() -> Result<(), String> {
    let t0 = Instant::now();
    step("fmt", &["fmt", "--all", "--", "--check"])?;
    println!("\n==> codegen --check");
    codegen::run(&root(), true)?;
    println!("\n==> public-api --check");
    public_api::run(&root(), true)?;
    if std::env::var_os(spec::PYTHON_VAR).is_some() {
        println!("\n==> spec --check");
        spec::run(&root(), true)?;
    } else {
        println!(
            "\n==> spec --check: skipped: {} not set (see `cargo xtask spec`)",
            spec::PYTHON_VAR
        );
    }
    step(
        "clippy",
        &[
            "clippy",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ],
    )?;
    step("test", &["test", "--workspace"])?;
    if cargo_deny_installed() {
        step("deny", &["deny", "check", "licenses", "bans", "sources"])?;
    } else {
        println!("\n==> deny: skipped: cargo-deny not installed (cargo install cargo-deny)");
    }
    println!(
        "\nci: all steps passed in {:.1} s",
        t0.elapsed().as_secs_f64()
    );
    Ok(())
}

fn cargo_deny_installed() -> bool {
    cargo_cmd(&["deny", "--version"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

fn bench(args: &[String]) -> Result<(), String> {
    let mut only: Option<String> = None;
    let mut pass: Vec<&str> = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--only" => {
                only = Some(
                    it.next()
                        .ok_or("--only needs signer, e2e, list, cli, dist, build, engine or count")?
                        .clone(),
                )
            }
            "--" => {}
            other => pass.push(other),
        }
    }
    if only.as_deref() == Some("build") {
        let baseline = pass.first().copied().unwrap_or("a5c7db1");
        return bench_build::run(&root(), baseline);
    }
    if only.as_deref() == Some("dist") {
        // `--no-build`: measure the binary already built (a nested cargo under `cargo run`
        // sees another environment and may rebuild ring).
        return bench_cli::dist(&root(), !pass.contains(&"--no-build"));
    }
    if only.as_deref() == Some("engine") {
        return bench_engine::run(&root(), &pass);
    }
    if only.as_deref() == Some("count") {
        return bench_count::run(&root());
    }
    let (signer, e2e, list, cli) = match only.as_deref() {
        None => (true, true, true, true),
        Some("signer") => (true, false, false, false),
        Some("e2e") => (false, true, false, false),
        Some("list") => (false, false, true, false),
        Some("cli") => (false, false, false, true),
        Some(other) => {
            return Err(format!(
                "--only {other:?}: expected signer, e2e, list, cli, dist, build, engine or count"
            ))
        }
    };
    let t0 = Instant::now();
    if signer {
        bench_signer(&pass)?;
    }
    if e2e {
        let mut a = vec!["bench", "-p", "xtask", "--bench", "e2e"];
        if !pass.is_empty() {
            a.push("--");
            a.extend(&pass);
        }
        step("e2e", &a)?;
    }
    if list {
        step("list", &["bench", "-p", "xtask", "--bench", "list_page"])?;
    }
    if cli {
        println!("\n==> cli: dcs tasks delete against the emulator binary");
        bench_cli::run(&root())?;
    }
    println!("\nbench: done in {:.1} s", t0.elapsed().as_secs_f64());
    Ok(())
}

/// Runs the divan signer bench, echoing its table, then prints the target checks computed
/// from the medians of that same run.
fn bench_signer(pass: &[&str]) -> Result<(), String> {
    let mut a = vec!["bench", "-p", "xtask", "--bench", "signer"];
    if !pass.is_empty() {
        a.push("--");
        a.extend(pass);
    }
    println!("\n==> signer: cargo {}", a.join(" "));
    let t0 = Instant::now();
    let mut child = cargo_cmd(&a)
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("signer: cannot run cargo: {e}"))?;
    let mut table = Vec::new();
    if let Some(out) = child.stdout.take() {
        let stdout = std::io::stdout();
        for line in BufReader::new(out).lines() {
            let line = line.map_err(|e| format!("signer: reading output: {e}"))?;
            let mut lock = stdout.lock();
            let _ = writeln!(lock, "{line}");
            table.push(line);
        }
    }
    let status = child
        .wait()
        .map_err(|e| format!("signer: waiting for cargo: {e}"))?;
    if !status.success() {
        return Err(format!("step `signer` failed ({status})"));
    }
    println!("==> signer: ok ({:.1} s)", t0.elapsed().as_secs_f64());
    signer_summary(&table);
    Ok(())
}

/// The median column (in nanoseconds) of the divan row named `name`.
fn divan_median_ns(table: &[String], name: &str) -> Option<f64> {
    let row = table.iter().find(|l| {
        l.trim_start_matches(|c: char| !c.is_alphanumeric())
            .split_whitespace()
            .next()
            == Some(name)
    })?;
    let median = row.split('│').nth(2)?;
    let mut parts = median.split_whitespace();
    let value: f64 = parts.next()?.parse().ok()?;
    let scale = match parts.next()? {
        "ps" => 1e-3,
        "ns" => 1.0,
        "µs" | "us" => 1e3,
        "ms" => 1e6,
        "s" => 1e9,
        _ => return None,
    };
    Some(value * scale)
}

fn signer_summary(table: &[String]) {
    let get = |n: &str| divan_median_ns(table, n);
    println!("\nsigner summary (medians of this run):");
    for size in ["1k", "100k"] {
        let (s, f) = (format!("sign_body_{size}"), format!("floor_sha256_{size}"));
        if let (Some(sign), Some(floor)) = (get(&s), get(&f)) {
            println!(
                "  {s} / {f} = {:.3}  (signer overhead over the hash: {:.0} ns)",
                sign / floor,
                sign - floor
            );
        }
    }
    match get("sign_no_body") {
        Some(ns) => println!(
            "  [{}] sign_no_body p50 <= 1.0 µs (got {:.3} µs)",
            verdict(ns <= 1000.0),
            ns / 1e3
        ),
        None => println!("  sign_no_body: not in this run"),
    }
    match (get("sign_body_100k"), get("floor_sha256_100k")) {
        (Some(sign), Some(floor)) => println!(
            "  [{}] sign_body_100k <= 2 x floor_sha256_100k (got {:.3} x)",
            verdict(sign <= 2.0 * floor),
            sign / floor
        ),
        _ => println!("  sign_body_100k vs floor: not in this run"),
    }
}

fn verdict(ok: bool) -> &'static str {
    if ok {
        "MET"
    } else {
        "MISSED"
    }
}
