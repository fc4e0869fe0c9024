//! `cargo xtask mutants`: mutation testing of the code that carries the SDK's promises.
//!
//! Runs cargo-mutants, pinned to one version and installed the way CI installs its tools
//! (`cargo install --locked` into `target/tools`, then its `--version` checked), on each file
//! of [`TARGETS`] with the narrowest test targets that reach it, and prints the score per file:
//! caught / (caught + missed). Timeouts and mutants that do not build are left out of the score,
//! and so are the mutants `.cargo/mutants.toml` excludes (each with the reason it changes
//! nothing). TESTING.md says how to read and keep the scores.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

/// The cargo-mutants version the scores are measured with.
pub const VERSION: &str = "27.1.0";

/// The score every file must reach, in percent.
pub const MIN_SCORE: f64 = 90.0;

/// A file that carries promises, and the tests that reach it.
pub struct Target {
    /// The file, from the workspace root.
    pub file: &'static str,
    /// The package it belongs to (the one cargo-mutants builds and tests).
    pub package: &'static str,
    /// Test targets of that package (`--lib`, `--bins`, `--test=NAME`): the ones that reach
    /// the file, and no more, so that a mutant costs one small build.
    pub tests: &'static [&'static str],
    /// Seconds a test run may take before the mutant counts as a timeout (an endless loop).
    pub timeout: u32,
}

/// The files that carry the promises, with the tests that reach each.
pub const TARGETS: &[Target] = &[
    Target {
        file: "crates/dcs-model/src/validate.rs",
        package: "dcs-model",
        tests: &["--lib", "--test=validate_rules"],
        timeout: 60,
    },
    Target {
        file: "crates/dcs-client/src/error.rs",
        package: "dcs-client",
        tests: &["--test=error_promises"],
        timeout: 120,
    },
    Target {
        file: "crates/dcs-client/src/paginator.rs",
        package: "dcs-client",
        tests: &["--test=paginator_pages"],
        timeout: 120,
    },
    Target {
        file: "crates/dcs-client/src/waiter.rs",
        package: "dcs-client",
        tests: &["--lib", "--test=waiter_engine"],
        timeout: 120,
    },
    Target {
        file: "crates/dcs-transport/src/signer.rs",
        package: "dcs-transport",
        tests: &["--lib", "--test=signer_edges", "--test=signing_vectors"],
        timeout: 120,
    },
    Target {
        file: "crates/dcs-transport/src/retry.rs",
        package: "dcs-transport",
        tests: &["--lib", "--test=retry_policy"],
        timeout: 120,
    },
    Target {
        file: "crates/dcs-transport/src/pool.rs",
        package: "dcs-transport",
        tests: &["--test=pool", "--test=pool_slots"],
        timeout: 120,
    },
    Target {
        file: "crates/dcs-config/src/chain.rs",
        package: "dcs-config",
        tests: &[
            "--lib",
            "--test=resolve",
            "--test=hostile_config",
            "--test=metadata",
        ],
        timeout: 120,
    },
    Target {
        file: "crates/dcs-cli/src/bulk.rs",
        package: "dcs-cli",
        tests: &["--bins"],
        timeout: 120,
    },
];

const USAGE: &str = "\
usage: cargo xtask mutants [--file PATH] [--in-diff BASE] [--max-mutants N] [--timeout SECS]
                           [--jobs N] [--in-place] [--cargo-mutants PATH] [--list]";

/// What the command line asked for.
#[derive(Debug, Default)]
struct Options {
    file: Option<String>,
    in_diff: Option<String>,
    max_mutants: Option<usize>,
    timeout: Option<u32>,
    jobs: u32,
    in_place: bool,
    binary: Option<PathBuf>,
    list: bool,
}

fn parse(args: &[String]) -> Result<Options, String> {
    let mut o = Options {
        jobs: 1,
        ..Options::default()
    };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut value = |name: &str| {
            it.next()
                .cloned()
                .ok_or_else(|| format!("{name} needs a value\n{USAGE}"))
        };
        match a.as_str() {
            "--file" => o.file = Some(value("--file")?),
            "--in-diff" => o.in_diff = Some(value("--in-diff")?),
            "--max-mutants" => {
                o.max_mutants = Some(
                    value("--max-mutants")?
                        .parse()
                        .map_err(|_| "--max-mutants takes a number".to_string())?,
                )
            }
            "--timeout" => {
                o.timeout = Some(
                    value("--timeout")?
                        .parse()
                        .map_err(|_| "--timeout takes whole seconds".to_string())?,
                )
            }
            "--jobs" | "-j" => {
                o.jobs = value("--jobs")?
                    .parse()
                    .map_err(|_| "--jobs takes a number".to_string())?
            }
            "--in-place" => o.in_place = true,
            "--cargo-mutants" => o.binary = Some(PathBuf::from(value("--cargo-mutants")?)),
            "--list" => o.list = true,
            "-h" | "--help" => return Err(USAGE.to_string()),
            other => return Err(format!("unknown argument {other:?}\n{USAGE}")),
        }
    }
    if o.in_place && o.jobs > 1 {
        return Err("--in-place runs one mutant at a time: drop --jobs".into());
    }
    Ok(o)
}

/// The counts of one run, read from cargo-mutants' `outcomes.json`.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub struct Counts {
    pub caught: u64,
    pub missed: u64,
    pub timeout: u64,
    pub unviable: u64,
}

impl Counts {
    /// caught / (caught + missed), in percent; `None` when no mutant counted.
    pub fn score(&self) -> Option<f64> {
        let counted = self.caught + self.missed;
        (counted > 0).then(|| 100.0 * self.caught as f64 / counted as f64)
    }

    fn read(outcomes: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(outcomes)
            .map_err(|e| format!("reading {}: {e}", outcomes.display()))?;
        let v: serde_json::Value = serde_json::from_str(&text)
            .map_err(|e| format!("reading {}: {e}", outcomes.display()))?;
        let n = |k: &str| v.get(k).and_then(serde_json::Value::as_u64).unwrap_or(0);
        Ok(Self {
            caught: n("caught"),
            missed: n("missed"),
            timeout: n("timeout"),
            unviable: n("unviable"),
        })
    }
}

/// Runs the command; see [`USAGE`] and TESTING.md.
pub fn run(root: &Path, args: &[String]) -> Result<(), String> {
    let o = parse(args)?;
    let targets: Vec<&Target> = match &o.file {
        Some(f) => {
            let f = f.trim_start_matches("./");
            vec![TARGETS.iter().find(|t| t.file == f).ok_or_else(|| {
                let known: Vec<&str> = TARGETS.iter().map(|t| t.file).collect();
                format!(
                    "{f} is not a file with promises; one of:\n  {}",
                    known.join("\n  ")
                )
            })?]
        }
        None => TARGETS.iter().collect(),
    };
    if o.list {
        for t in &targets {
            println!("{}  -p {} {}", t.file, t.package, t.tests.join(" "));
        }
        return Ok(());
    }
    let out_root = root.join("target/mutants");
    std::fs::create_dir_all(&out_root).map_err(|e| format!("{}: {e}", out_root.display()))?;
    // The diff, once, for every file.
    let diff = match &o.in_diff {
        Some(base) => Some(write_diff(root, base, &out_root)?),
        None => None,
    };
    let binary = cargo_mutants(root, o.binary.as_deref())?;
    let t0 = Instant::now();
    let mut rows = Vec::new();
    for t in targets {
        if let Some((path, text)) = &diff {
            if !touches(text, t.file) {
                continue;
            }
            rows.push((t, run_one(root, &binary, t, &o, Some(path), &out_root)?));
        } else {
            rows.push((t, run_one(root, &binary, t, &o, None, &out_root)?));
        }
    }
    println!(
        "\nmutation scores (cargo-mutants {VERSION}; excluded mutants in .cargo/mutants.toml):"
    );
    println!(
        "  {:<38} {:>7} {:>7} {:>8} {:>9} {:>7}",
        "file", "caught", "missed", "timeout", "unviable", "score"
    );
    let mut low = Vec::new();
    for (t, r) in &rows {
        let Some(c) = r.counts else {
            println!("  {:<38} no mutants{}", t.file, r.note);
            continue;
        };
        let score = c.score().map_or("-".to_string(), |s| format!("{s:.1}%"));
        println!(
            "  {:<38} {:>7} {:>7} {:>8} {:>9} {:>7}{}",
            t.file, c.caught, c.missed, c.timeout, c.unviable, score, r.note
        );
        if c.score().is_some_and(|s| s < MIN_SCORE) {
            low.push(t.file);
        }
    }
    if diff.is_some() && rows.is_empty() {
        println!("  (the diff touches no file with promises)");
    }
    println!(
        "\nmutants: done in {:.0} s; missed mutants are listed in target/mutants/<file>/mutants.out/missed.txt",
        t0.elapsed().as_secs_f64()
    );
    if low.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "below {MIN_SCORE}%: {} (add tests that catch the missed mutants, or exclude a \
             mutant that changes nothing in .cargo/mutants.toml with the reason)",
            low.join(", ")
        ))
    }
}

struct RunResult {
    counts: Option<Counts>,
    note: String,
}

fn run_one(
    root: &Path,
    binary: &Path,
    t: &Target,
    o: &Options,
    diff: Option<&Path>,
    out_root: &Path,
) -> Result<RunResult, String> {
    let out = out_root.join(t.file.replace('/', "__"));
    let _ = std::fs::remove_dir_all(&out);
    let mut args: Vec<String> = vec![
        "mutants".into(),
        "--file".into(),
        t.file.into(),
        "--package".into(),
        t.package.into(),
        "--test-workspace=false".into(),
        "--timeout".into(),
        o.timeout.unwrap_or(t.timeout).to_string(),
        "--build-timeout".into(),
        "900".into(),
        "--output".into(),
        out.display().to_string(),
        "--no-shuffle".into(),
    ];
    for test in t.tests {
        args.push(format!("--cargo-arg={test}"));
    }
    if o.in_place {
        args.push("--in-place".into());
    } else {
        args.push(format!("--jobs={}", o.jobs));
    }
    if let Some(d) = diff {
        args.push(format!("--in-diff={}", d.display()));
    }
    let mut note = String::new();
    if let Some(cap) = o.max_mutants {
        // Count first; past the cap, test a round-robin sample and say so.
        let n = count_mutants(root, binary, &args)?;
        if n == 0 {
            return Ok(RunResult { counts: None, note });
        }
        if n > cap {
            let shards = n.div_ceil(cap.max(1));
            args.push(format!("--shard=0/{shards}"));
            args.push("--sharding=round-robin".into());
            note = format!("  (a 1-in-{shards} sample of {n} mutants)");
        }
    }
    println!("\n==> {}: {} {}", t.file, binary.display(), args.join(" "));
    let status = nice(binary)
        .args(&args)
        .current_dir(root)
        .env("HUAWEICLOUD_SDK_METADATA_DISABLED", "true")
        .status()
        .map_err(|e| format!("cannot run {}: {e}", binary.display()))?;
    // 0: all caught; 2: some missed; 3: some timed out; 4: the baseline failed (see
    // cargo-mutants' exit codes). Anything else is a failure of the run itself.
    match status.code() {
        Some(0 | 2 | 3) => {}
        Some(4) => {
            return Err(format!(
                "{}: the tests fail without any mutation (see {}/mutants.out)",
                t.file,
                out.display()
            ))
        }
        _ => return Err(format!("{}: cargo-mutants failed ({status})", t.file)),
    }
    let outcomes = out.join("mutants.out/outcomes.json");
    if !outcomes.exists() {
        // Nothing to mutate in the diff.
        return Ok(RunResult { counts: None, note });
    }
    Ok(RunResult {
        counts: Some(Counts::read(&outcomes)?),
        note,
    })
}

/// How many mutants `args` would test.
fn count_mutants(root: &Path, binary: &Path, args: &[String]) -> Result<usize, String> {
    let mut list: Vec<&str> = args.iter().map(String::as_str).collect();
    list.push("--list");
    let out = Command::new(binary)
        .args(&list)
        .current_dir(root)
        .output()
        .map_err(|e| format!("cannot run {}: {e}", binary.display()))?;
    if !out.status.success() {
        return Err(format!(
            "cargo-mutants --list failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| !l.trim().is_empty())
        .count())
}

/// `nice -n 10 BINARY` where `nice` exists (a mutation run is long and CPU-bound), else the
/// binary alone.
fn nice(binary: &Path) -> Command {
    let has_nice = Command::new("nice")
        .arg("true")
        .status()
        .is_ok_and(|s| s.success());
    if has_nice {
        let mut c = Command::new("nice");
        c.args(["-n", "10"]).arg(binary);
        c
    } else {
        Command::new(binary)
    }
}

/// `git diff BASE` (the working tree against BASE) written where cargo-mutants can read it.
fn write_diff(root: &Path, base: &str, out_root: &Path) -> Result<(PathBuf, String), String> {
    let out = Command::new("git")
        .args(["diff", "--no-color", "--no-ext-diff", base, "--"])
        .current_dir(root)
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "git diff {base} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let path = out_root.join("in-diff.patch");
    std::fs::write(&path, &text).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok((path, text))
}

/// Whether the diff changes `file`.
fn touches(diff: &str, file: &str) -> bool {
    diff.lines()
        .any(|l| l.strip_prefix("+++ b/").is_some_and(|f| f == file))
}

/// The pinned cargo-mutants: `explicit` when given, else `target/tools/bin/cargo-mutants`,
/// installed there when missing or of another version. Either way its version is checked.
fn cargo_mutants(root: &Path, explicit: Option<&Path>) -> Result<PathBuf, String> {
    let want = format!("cargo-mutants {VERSION}");
    let version = |p: &Path| -> Option<String> {
        // Run as cargo runs a subcommand: `cargo-mutants mutants --version`.
        let out = Command::new(p)
            .args(["mutants", "--version"])
            .output()
            .ok()?;
        Some(String::from_utf8_lossy(&out.stdout).trim().to_string())
    };
    if let Some(p) = explicit {
        return match version(p) {
            Some(v) if v == want => Ok(p.to_path_buf()),
            other => Err(format!(
                "{} reports {:?}, not {want:?}",
                p.display(),
                other.unwrap_or_default()
            )),
        };
    }
    let tools = root.join("target/tools");
    let bin = tools.join("bin/cargo-mutants");
    if version(&bin).as_deref() != Some(want.as_str()) {
        println!(
            "==> installing cargo-mutants {VERSION} into {}",
            tools.display()
        );
        // crates.io checks every crate's checksum; --locked takes the dependency versions of
        // cargo-mutants' own Cargo.lock.
        let status = Command::new(crate::cargo())
            .args([
                "install",
                "--locked",
                "cargo-mutants",
                "--version",
                VERSION,
                "--root",
            ])
            .arg(&tools)
            .status()
            .map_err(|e| format!("cannot run cargo install: {e}"))?;
        if !status.success() {
            return Err(format!(
                "cargo install cargo-mutants {VERSION} failed ({status})"
            ));
        }
    }
    match version(&bin) {
        Some(v) if v == want => Ok(bin),
        other => Err(format!(
            "{} reports {:?}, not {want:?}",
            bin.display(),
            other.unwrap_or_default()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_target_file_exists_and_names_its_package() {
        let root = crate::root();
        for t in TARGETS {
            assert!(root.join(t.file).is_file(), "{}", t.file);
            let manifest = root
                .join(t.file)
                .ancestors()
                .find(|d| d.join("Cargo.toml").is_file())
                .map(|d| d.join("Cargo.toml"))
                .unwrap();
            let text = std::fs::read_to_string(&manifest).unwrap();
            assert!(
                text.contains(&format!("name = \"{}\"", t.package)),
                "{} is not in {}",
                t.file,
                t.package
            );
            for test in t.tests {
                if let Some(name) = test.strip_prefix("--test=") {
                    let dir = manifest.parent().unwrap().join("tests");
                    assert!(
                        dir.join(format!("{name}.rs")).is_file()
                            || dir.join(name).join("main.rs").is_file(),
                        "{}: no test target {name}",
                        t.file
                    );
                }
            }
        }
    }

    #[test]
    fn the_score_leaves_out_timeouts_and_unviable_mutants() {
        let c = Counts {
            caught: 9,
            missed: 1,
            timeout: 5,
            unviable: 7,
        };
        assert_eq!(c.score(), Some(90.0));
        assert_eq!(Counts::default().score(), None);
    }

    #[test]
    fn a_diff_touches_the_files_it_names_only() {
        let d = "diff --git a/crates/dcs-cli/src/bulk.rs b/crates/dcs-cli/src/bulk.rs\n--- a/crates/dcs-cli/src/bulk.rs\n+++ b/crates/dcs-cli/src/bulk.rs\n@@ -1 +1 @@\n";
        assert!(touches(d, "crates/dcs-cli/src/bulk.rs"));
        assert!(!touches(d, "crates/dcs-cli/src/bulk"));
        assert!(!touches(d, "crates/dcs-client/src/error.rs"));
    }

    #[test]
    fn options_parse_and_refuse_what_cannot_work() {
        let o = parse(&[
            "--file".into(),
            "x".into(),
            "--max-mutants".into(),
            "30".into(),
        ])
        .unwrap();
        assert_eq!(o.file.as_deref(), Some("x"));
        assert_eq!(o.max_mutants, Some(30));
        assert_eq!(o.jobs, 1);
        assert!(parse(&["--in-place".into(), "--jobs".into(), "2".into()]).is_err());
        assert!(parse(&["--max-mutants".into(), "many".into()]).is_err());
        assert!(parse(&["--bogus".into()]).is_err());
    }
}
