//! `cargo xtask spec [--check]`: the service spec, re-extracted from the official Python SDK.
//!
//! Runs `codegen/extract_spec.py` with the Python named by `DCS_OFFICIAL_SDK_PYTHON` (a venv
//! with the SDK pinned in `tests/interop/requirements.txt`) and writes its output to
//! `codegen/spec.json`; with `--check` it writes nothing and fails when the checked-in file
//! differs, showing the first differing line. Before extracting, the SDK versions that Python
//! has must be the pinned ones, so the spec always says which SDK it came from.

use std::ffi::OsString;
use std::path::Path;
use std::process::Command;

pub const SPEC: &str = "codegen/spec.json";
pub const EXTRACTOR: &str = "codegen/extract_spec.py";
pub const REQUIREMENTS: &str = "tests/interop/requirements.txt";
pub const PYTHON_VAR: &str = "DCS_OFFICIAL_SDK_PYTHON";

/// The packages whose versions decide the spec; both must be pinned and installed.
const PACKAGES: [&str; 2] = ["huaweicloudsdkdcs", "huaweicloudsdkcore"];

/// How to make a Python that has the pinned SDK (said in every error about the Python).
const VENV_HELP: &str = "make one with\n  \
    python3 -m venv target/official-sdk-venv && \
    target/official-sdk-venv/bin/pip install -r tests/interop/requirements.txt\n\
    and set DCS_OFFICIAL_SDK_PYTHON=$PWD/target/official-sdk-venv/bin/python";

/// Longest excerpt of a line shown in the `--check` message, in characters.
const EXCERPT_CHARS: usize = 160;

/// Extracts the spec and writes it, or with `check` compares it with the checked-in file.
pub fn run(root: &Path, check: bool) -> Result<(), String> {
    let python = python_from_env(std::env::var_os(PYTHON_VAR))?;
    let requirements = std::fs::read_to_string(root.join(REQUIREMENTS))
        .map_err(|e| format!("{REQUIREMENTS}: {e}"))?;
    let pins = PACKAGES
        .iter()
        .map(|p| pinned_version(&requirements, p).map(|v| (*p, v)))
        .collect::<Result<Vec<_>, _>>()?;
    let installed = installed_versions(root, &python)?;
    check_versions(&python, &pins, &installed)?;

    let extracted = extract(root, &python)?;
    let summary = describe(&extracted)?;
    let path = root.join(SPEC);
    let current = match std::fs::read_to_string(&path) {
        Ok(text) => Some(text.replace("\r\n", "\n")),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(format!("{SPEC}: {e}")),
    };
    let difference = match &current {
        Some(text) => first_difference(text, &extracted),
        None => Some("it does not exist".to_string()),
    };
    match (check, difference) {
        (true, None) => println!("spec: {SPEC} is up to date ({summary})"),
        (true, Some(diff)) => {
            return Err(format!(
                "{SPEC} is not what {EXTRACTOR} extracts from the pinned SDK: {diff}\n\
                 run `cargo xtask spec` and commit the result"
            ))
        }
        (false, None) => println!("spec: {SPEC} unchanged ({summary})"),
        (false, Some(_)) => {
            std::fs::write(&path, &extracted).map_err(|e| format!("{SPEC}: {e}"))?;
            println!("spec: wrote {SPEC} ({summary})");
        }
    }
    Ok(())
}

/// The Python to run: the variable's value, or an error naming the variable and the venv.
fn python_from_env(value: Option<OsString>) -> Result<OsString, String> {
    match value {
        None => Err(format!(
            "{PYTHON_VAR} is not set: it must name a Python with the official SDK; {VENV_HELP}"
        )),
        Some(v) if v.is_empty() => Err(format!(
            "{PYTHON_VAR} is set but empty: it must name a Python with the official SDK; {VENV_HELP}"
        )),
        Some(v) => Ok(v),
    }
}

/// The version `requirements` pins for `package` with `package==VERSION`.
fn pinned_version(requirements: &str, package: &str) -> Result<String, String> {
    let mut found = None;
    for line in requirements.lines() {
        let line = line.split('#').next().unwrap_or("").trim();
        let Some((name, version)) = line.split_once("==") else {
            continue;
        };
        if name.trim().eq_ignore_ascii_case(package) {
            if found.is_some() {
                return Err(format!("{REQUIREMENTS} pins {package} twice"));
            }
            found = Some(version.trim().to_string());
        }
    }
    found.ok_or_else(|| {
        format!("{REQUIREMENTS} does not pin {package} (a `{package}==VERSION` line)")
    })
}

/// What the Python has: one version per package of `PACKAGES`, after importing the SDK.
fn installed_versions(root: &Path, python: &OsString) -> Result<Vec<String>, String> {
    let script = format!(
        "import importlib.metadata as m, huaweicloudsdkdcs.v2\n\
         for p in {PACKAGES:?}: print(m.version(p))"
    );
    let shown = Path::new(python).display().to_string();
    let out = Command::new(python)
        .args(["-c", &script])
        .current_dir(root)
        .output()
        .map_err(|e| format!("{PYTHON_VAR}={shown}: cannot run it: {e}; {VENV_HELP}"))?;
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        let last = stderr.lines().last().unwrap_or("").trim();
        return Err(format!(
            "{PYTHON_VAR}={shown} cannot import the official SDK ({last}); {VENV_HELP}"
        ));
    }
    let versions: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| l.trim().to_string())
        .collect();
    if versions.len() != PACKAGES.len() {
        return Err(format!(
            "{PYTHON_VAR}={shown}: unexpected answer to the version question: {versions:?}"
        ));
    }
    Ok(versions)
}

/// Every installed version must be the pinned one; the error names both and the fix.
fn check_versions(
    python: &OsString,
    pins: &[(&str, String)],
    installed: &[String],
) -> Result<(), String> {
    let shown = Path::new(python).display().to_string();
    let wrong: Vec<String> = pins
        .iter()
        .zip(installed)
        .filter(|((_, pinned), have)| pinned != *have)
        .map(|((package, pinned), have)| {
            format!("{package} {have} is installed, but {REQUIREMENTS} pins {pinned}")
        })
        .collect();
    if wrong.is_empty() {
        return Ok(());
    }
    Err(format!(
        "{PYTHON_VAR}={shown}: {}; recreate the venv (`python3 -m venv --clear \
         target/official-sdk-venv && target/official-sdk-venv/bin/pip install -r {REQUIREMENTS}`)",
        wrong.join("; ")
    ))
}

/// Runs the extractor; its standard output is the spec.
fn extract(root: &Path, python: &OsString) -> Result<String, String> {
    let out = Command::new(python)
        .arg(root.join(EXTRACTOR))
        .current_dir(root)
        .output()
        .map_err(|e| format!("cannot run {EXTRACTOR}: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "{EXTRACTOR} failed ({}):\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim_end()
        ));
    }
    String::from_utf8(out.stdout).map_err(|e| format!("{EXTRACTOR} wrote non-UTF-8 output: {e}"))
}

/// "137 operations, 253 models, huaweicloudsdkdcs 3.1.219", after checking it is a format 2
/// spec, so that nothing else is ever written to the spec's place.
fn describe(spec: &str) -> Result<String, String> {
    let v: serde_json::Value = serde_json::from_str(spec)
        .map_err(|e| format!("{EXTRACTOR} wrote something that is not JSON: {e}"))?;
    if v["format_version"] != 2 {
        return Err(format!(
            "{EXTRACTOR} wrote format_version {}, expected 2",
            v["format_version"]
        ));
    }
    let count = |key: &str| {
        v[key]
            .as_array()
            .map(Vec::len)
            .or_else(|| v[key].as_object().map(|o| o.len()))
            .unwrap_or(0)
    };
    Ok(format!(
        "{} operations, {} models, huaweicloudsdkdcs {}",
        count("operations"),
        count("models"),
        v["source"]["huaweicloudsdkdcs"].as_str().unwrap_or("?")
    ))
}

/// Where `current` (the checked-in file) first departs from `extracted`: the line number and
/// both lines, or None when they are the same.
fn first_difference(current: &str, extracted: &str) -> Option<String> {
    if current == extracted {
        return None;
    }
    let (mut old, mut new) = (current.split('\n'), extracted.split('\n'));
    let mut number = 0;
    loop {
        number += 1;
        match (old.next(), new.next()) {
            (Some(a), Some(b)) if a == b => continue,
            (a, b) => {
                return Some(format!(
                    "first difference at line {number}:\n  checked in: {}\n  extracted:  {}",
                    excerpt(a),
                    excerpt(b)
                ))
            }
        }
    }
}

fn excerpt(line: Option<&str>) -> String {
    match line {
        None => "(end of file)".to_string(),
        Some("") => "(empty line)".to_string(),
        Some(l) if l.chars().count() > EXCERPT_CHARS => {
            let cut: String = l.chars().take(EXCERPT_CHARS).collect();
            format!("{cut}...")
        }
        Some(l) => l.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_text_has_no_difference() {
        assert_eq!(first_difference("a\nb\n", "a\nb\n"), None);
    }

    #[test]
    fn difference_names_the_line_and_both_sides() {
        let msg = first_difference(
            "{\n \"format_version\": 2,\n \"x\": 1\n}\n",
            "{\n \"format_version\": 2,\n \"x\": 2\n}\n",
        )
        .unwrap();
        assert_eq!(
            msg,
            "first difference at line 3:\n  checked in:  \"x\": 1\n  extracted:   \"x\": 2"
        );
    }

    #[test]
    fn a_shorter_file_ends_early() {
        let msg = first_difference("a\n", "a\nb\n").unwrap();
        assert_eq!(
            msg,
            "first difference at line 2:\n  checked in: (empty line)\n  extracted:  b"
        );
        let msg = first_difference("a", "a\nb").unwrap();
        assert!(
            msg.ends_with("checked in: (end of file)\n  extracted:  b"),
            "{msg}"
        );
    }

    #[test]
    fn long_lines_are_cut_on_a_character_boundary() {
        let long = "描述".repeat(200);
        let msg = first_difference(&long, "x").unwrap();
        let shown = msg.lines().nth(1).unwrap();
        assert!(shown.ends_with("..."), "{shown}");
        assert_eq!(
            shown.trim_start_matches("  checked in: ").chars().count(),
            EXCERPT_CHARS + 3
        );
    }

    #[test]
    fn pins_are_read_from_requirement_lines() {
        let text = "# a comment\nhuaweicloudsdkcore==3.1.219\nHuaweiCloudSdkDcs == 3.1.220  # pinned\nsix==1.17.0\n";
        assert_eq!(
            pinned_version(text, "huaweicloudsdkdcs").unwrap(),
            "3.1.220"
        );
        assert_eq!(
            pinned_version(text, "huaweicloudsdkcore").unwrap(),
            "3.1.219"
        );
        let err = pinned_version("six==1.17.0\n", "huaweicloudsdkdcs").unwrap_err();
        assert!(err.contains("does not pin huaweicloudsdkdcs"), "{err}");
        let err = pinned_version("a==1\na==2\n", "a").unwrap_err();
        assert!(err.contains("twice"), "{err}");
    }

    #[test]
    fn a_wrong_version_names_both() {
        let pins = [
            ("huaweicloudsdkdcs", "3.1.219".to_string()),
            ("huaweicloudsdkcore", "3.1.219".to_string()),
        ];
        let python = OsString::from("/venv/bin/python");
        check_versions(&python, &pins, &["3.1.219".into(), "3.1.219".into()]).unwrap();
        let err =
            check_versions(&python, &pins, &["3.1.218".into(), "3.1.219".into()]).unwrap_err();
        assert!(
            err.contains("huaweicloudsdkdcs 3.1.218 is installed, but tests/interop/requirements.txt pins 3.1.219"),
            "{err}"
        );
        assert!(!err.contains("huaweicloudsdkcore"), "{err}");
    }

    #[test]
    fn an_unset_or_empty_variable_is_named_with_the_venv_command() {
        for value in [None, Some(OsString::new())] {
            let err = python_from_env(value).unwrap_err();
            assert!(err.starts_with("DCS_OFFICIAL_SDK_PYTHON is"), "{err}");
            assert!(
                err.contains("python3 -m venv target/official-sdk-venv"),
                "{err}"
            );
        }
    }

    /// The checked-in spec says it came from the SDK that requirements.txt pins: bumping a pin
    /// without `cargo xtask spec` fails here, even where no Python is installed.
    #[test]
    fn checked_in_spec_comes_from_the_pinned_sdk() {
        let root = crate::root();
        let requirements = std::fs::read_to_string(root.join(REQUIREMENTS)).unwrap();
        let spec: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(root.join(SPEC)).unwrap()).unwrap();
        assert_eq!(spec["format_version"], 2);
        assert_eq!(spec["generated_by"], EXTRACTOR);
        for package in PACKAGES {
            assert_eq!(
                spec["source"][package].as_str(),
                Some(pinned_version(&requirements, package).unwrap().as_str()),
                "{SPEC} source.{package}"
            );
        }
    }

    #[test]
    fn describe_refuses_anything_but_format_2() {
        assert!(describe("{\"format_version\": 1}").is_err());
        assert!(describe("not json").is_err());
        let s = describe(
            r#"{"format_version": 2, "source": {"huaweicloudsdkdcs": "3.1.219"}, "operations": [{}], "models": {"A": {}, "B": {}}}"#,
        )
        .unwrap();
        assert_eq!(s, "1 operations, 2 models, huaweicloudsdkdcs 3.1.219");
    }
}
