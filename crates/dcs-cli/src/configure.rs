//! `dcs configure list|get|set`: the configuration in effect and where each value came from
//! (secrets masked), and the profile file of the official SDKs written one key at a time.

use crate::config::Flags;
use crate::output::Column;
use crate::report::Failure;
use dcs_client::Context;
use dcs_config::profile::{self, ProfileLookup};
use serde_json::{json, Value};
use std::path::PathBuf;

/// The keys of a profile section the SDKs read, with what each is.
pub const KEYS: &[(&str, &str)] = &[
    ("ak", "the access key id"),
    ("sk", "the secret access key (`-` reads it from stdin)"),
    (
        "security_token",
        "the security token of temporary credentials",
    ),
    ("project_id", "the project to act on"),
    ("region", "the region, e.g. cn-north-4"),
    (
        "iam_endpoint",
        "the IAM endpoint for looking the project up",
    ),
];

const SECRET_KEYS: &[&str] = &["sk", "security_token"];

/// One row of `dcs configure list`.
struct Row {
    name: &'static str,
    value: Option<String>,
    source: String,
}

/// The access key with all but its last 4 characters hidden; a secret hidden whole.
fn mask(key: &str, value: &str) -> String {
    if SECRET_KEYS.contains(&key) {
        return dcs_transport::credentials::REDACTED.to_string();
    }
    if key == "ak" {
        let n = value.chars().count();
        let tail: String = value.chars().skip(n.saturating_sub(4)).collect();
        return format!("{}{tail}", "*".repeat(n.saturating_sub(4).min(16)));
    }
    value.to_string()
}

/// The credentials file: its path and where the path came from.
fn credentials_file(ctx: &Context) -> Result<(Option<PathBuf>, String), Failure> {
    let env = |n: &str| {
        ctx.var(n).map_err(|e| {
            Failure::invalid(e.to_string()).hint(format!("unset {n} or give it a value"))
        })
    };
    if let Some(p) = env(profile::ENV_CREDENTIALS_FILE)? {
        return Ok((
            Some(PathBuf::from(p)),
            profile::ENV_CREDENTIALS_FILE.to_string(),
        ));
    }
    let home = ctx
        .home_dir()
        .map_err(|e| Failure::invalid(e.to_string()))?;
    Ok((
        home.map(|h| h.join(".huaweicloud").join("credentials")),
        "default".into(),
    ))
}

/// The section to read or write, and where its name came from.
fn section(ctx: &Context, flags: &Flags) -> Result<(String, String), Failure> {
    if let Some(p) = &flags.profile {
        return Ok((p.trim().to_string(), "--profile".into()));
    }
    match ctx.var(profile::ENV_PROFILE) {
        Ok(Some(p)) => Ok((p.trim().to_string(), profile::ENV_PROFILE.into())),
        Ok(None) => Ok((profile::DEFAULT_SECTION.into(), "default".into())),
        Err(e) => Err(Failure::invalid(e.to_string())),
    }
}

fn rows(ctx: &Context, flags: &Flags) -> Result<Vec<Row>, Failure> {
    let (file, file_source) = credentials_file(ctx)?;
    let (section_name, section_source) = section(ctx, flags)?;
    let lookup = profile::load(ctx, flags.profile.as_deref());
    let mut rows = vec![
        Row {
            name: "profile",
            value: Some(section_name.clone()),
            source: section_source,
        },
        Row {
            name: "credentials_file",
            value: file.as_ref().map(|p| p.display().to_string()),
            source: match (&lookup, file.as_ref().map(|p| p.exists())) {
                (Err(e), _) => format!("{file_source}; unusable: {e}"),
                (Ok(_), Some(false)) => format!("{file_source}; no such file"),
                (Ok(ProfileLookup::Absent(why)), _) => format!("{file_source}; {why}"),
                _ => file_source,
            },
        },
    ];
    let prof = match &lookup {
        Ok(ProfileLookup::Found(p)) => Some(p),
        _ => None,
    };
    let from_profile = |key: &str| {
        prof.and_then(|p| {
            p.get(key).map(|e| {
                (
                    e.value.clone(),
                    format!("{}:{}", p.path().display(), e.line),
                )
            })
        })
    };
    let var = |n: &str| ctx.var(n).ok().flatten();
    // Credentials: the environment, then the profile, then Pod Identity or the metadata.
    let env_creds = var("HUAWEICLOUD_SDK_AK").is_some() || var("HUAWEICLOUD_SDK_SK").is_some();
    for (key, env) in [
        ("ak", "HUAWEICLOUD_SDK_AK"),
        ("sk", "HUAWEICLOUD_SDK_SK"),
        ("security_token", "HUAWEICLOUD_SDK_SECURITY_TOKEN"),
    ] {
        let (value, source) = if env_creds {
            match var(env) {
                Some(v) => (Some(mask(key, &v)), env.to_string()),
                None => (None, "-".into()),
            }
        } else {
            match from_profile(key) {
                Some((v, at)) => (Some(mask(key, &v)), at),
                None if key == "security_token" => (None, "-".into()),
                None if var("HC_CONTAINER_CREDENTIALS_FULL_URI").is_some() => {
                    (None, "Pod Identity, at the first call".into())
                }
                None if var("HUAWEICLOUD_SDK_METADATA_DISABLED")
                    .is_some_and(|v| v.eq_ignore_ascii_case("true")) =>
                {
                    (
                        None,
                        "none found (the ECS metadata service is turned off)".into(),
                    )
                }
                None => (None, "the ECS metadata service, at the first call".into()),
            }
        };
        rows.push(Row {
            name: match key {
                "ak" => "ak",
                "sk" => "sk",
                _ => "security_token",
            },
            value,
            source,
        });
    }
    let (region, region_source) = match (&flags.region, var("HUAWEICLOUD_SDK_REGION")) {
        (Some(r), _) => (Some(r.clone()), "--region".to_string()),
        (None, Some(r)) => (Some(r), "HUAWEICLOUD_SDK_REGION".into()),
        (None, None) => match from_profile("region") {
            Some((v, at)) => (Some(v), at),
            None => (None, "-".into()),
        },
    };
    rows.push(Row {
        name: "region",
        value: region,
        source: region_source,
    });
    // The endpoint as the client resolves it (without asking for credentials).
    let mut o = dcs_config::Overrides::default()
        .credentials(dcs_client::Credentials::new("unused", "unused"));
    if let Some(e) = &flags.endpoint {
        o = o.endpoint(e.clone());
    }
    if let Some(r) = &flags.region {
        o = o.region(r.clone());
    }
    if let Some(p) = &flags.project_id {
        o = o.project_id(p.clone());
    }
    if let Some(p) = &flags.profile {
        o = o.profile(p.clone());
    }
    let resolved = dcs_config::ResolvedConfig::load(ctx, o);
    let (endpoint, endpoint_source) = match &resolved {
        Ok(r) => (
            Some(
                r.endpoints()
                    .iter()
                    .map(|e| e.base_url())
                    .collect::<Vec<_>>()
                    .join(", "),
            ),
            match r.endpoint_source() {
                "builder" => "--endpoint".to_string(),
                "table" => "the region's endpoint".to_string(),
                "pattern" => "the region's endpoint pattern".to_string(),
                other => other.to_string(),
            },
        ),
        Err(e) => (None, crate::report::cli_words(&e.to_string(), flags)),
    };
    rows.push(Row {
        name: "endpoint",
        value: endpoint,
        source: endpoint_source,
    });
    let (project, project_source) = match (&flags.project_id, var("HUAWEICLOUD_SDK_PROJECT_ID")) {
        (Some(p), _) => (Some(p.clone()), "--project-id".to_string()),
        (None, Some(p)) => (Some(p), "HUAWEICLOUD_SDK_PROJECT_ID".into()),
        (None, None) => match from_profile("project_id") {
            Some((v, at)) => (Some(v), at),
            None => match resolved.as_ref().ok().and_then(|r| r.region()) {
                Some(r) => (
                    None,
                    format!("looked up in IAM for {} at the first call", r.as_str()),
                ),
                None => (None, "-".into()),
            },
        },
    };
    rows.push(Row {
        name: "project_id",
        value: project,
        source: project_source,
    });
    let (iam, iam_source) = match from_profile("iam_endpoint") {
        Some((v, at)) => (Some(v), at),
        None => match var("HUAWEICLOUD_SDK_IAM_ENDPOINT") {
            Some(v) => (Some(v), "HUAWEICLOUD_SDK_IAM_ENDPOINT".into()),
            None => (None, "-".into()),
        },
    };
    rows.push(Row {
        name: "iam_endpoint",
        value: iam,
        source: iam_source,
    });
    Ok(rows)
}

fn as_json(rows: &[Row]) -> Value {
    Value::Array(
        rows.iter()
            .map(|r| json!({"name": r.name, "value": r.value, "source": r.source}))
            .collect(),
    )
}

/// The columns of `dcs configure list`.
pub const COLUMNS: &[Column] = &[
    crate::field!("name"),
    crate::field!("value"),
    crate::field!("source"),
];

/// `dcs configure list`: every setting, its value (secrets masked) and its source.
pub fn list(ctx: &Context, flags: &Flags) -> Result<Value, Failure> {
    Ok(as_json(&rows(ctx, flags)?))
}

/// `dcs configure get KEY`: the value in effect (secrets masked).
pub fn get(ctx: &Context, flags: &Flags, key: &str) -> Result<Value, Failure> {
    let rows = rows(ctx, flags)?;
    let key = key.trim().to_ascii_lowercase();
    match rows.iter().find(|r| r.name == key) {
        Some(r) => Ok(r.value.clone().map(Value::String).unwrap_or(Value::Null)),
        None => {
            let names: Vec<&str> = rows.iter().map(|r| r.name).collect();
            Err(Failure::invalid(format!(
                "no setting named {:?}{}",
                dcs_client::sanitize(&key),
                crate::ops::did_you_mean(&crate::ops::suggest(&key, names.iter().copied()))
            ))
            .hint(format!("the settings are {}", names.join(", "))))
        }
    }
}

/// Checks a value for `key` before it is written.
fn check_value(key: &str, value: &str) -> Result<(), Failure> {
    if value.is_empty() {
        return Err(Failure::invalid(format!(
            "an empty {key} is not written: the SDKs would stop at it"
        )));
    }
    if value.contains(['\n', '\r']) {
        return Err(Failure::invalid(format!(
            "the value of {key} holds a line break, which a profile file cannot keep"
        )));
    }
    match key {
        "region" => dcs_config::Region::parse(value)
            .map(|_| ())
            .map_err(|e| Failure::invalid(format!("region: {e}"))),
        "project_id" if !dcs_config::iam::is_valid_project_id(value) => Err(Failure::invalid(
            "project_id: a project id is 1 to 64 letters, digits, '-' or '_'",
        )),
        "iam_endpoint" => dcs_transport::Endpoint::parse(value)
            .map(|_| ())
            .map_err(|e| Failure::invalid(format!("iam_endpoint: {e}"))),
        _ => Ok(()),
    }
}

/// `key = value` written into `section` of the INI `text`: the key's line replaced (any
/// case), else added at the end of the section, else a new section at the end. Every other
/// line stays as it was.
pub fn set_in(text: &str, section: &str, key: &str, value: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let header = |l: &str| {
        l.trim()
            .strip_prefix('[')
            .and_then(|r| r.strip_suffix(']'))
            .map(str::trim)
            .map(str::to_string)
    };
    let new_line = format!("{key} = {value}");
    let mut out: Vec<String> = Vec::with_capacity(lines.len() + 3);
    let mut in_section = false;
    let mut done = false;
    let mut last_in_section: Option<usize> = None;
    for l in &lines {
        if let Some(name) = header(l) {
            in_section = name == section;
            out.push(l.to_string());
            if in_section {
                last_in_section = Some(out.len() - 1);
            }
            continue;
        }
        if in_section && !done {
            let t = l.trim();
            let is_key = !t.starts_with('#')
                && !t.starts_with(';')
                && t.split_once('=')
                    .is_some_and(|(k, _)| k.trim().eq_ignore_ascii_case(key));
            if is_key {
                out.push(new_line.clone());
                done = true;
                last_in_section = Some(out.len() - 1);
                continue;
            }
            if !t.is_empty() {
                out.push(l.to_string());
                last_in_section = Some(out.len() - 1);
                continue;
            }
        }
        out.push(l.to_string());
    }
    if !done {
        match last_in_section {
            Some(i) => out.insert(i + 1, new_line),
            None => {
                if out.last().is_some_and(|l| !l.trim().is_empty()) {
                    out.push(String::new());
                }
                out.push(format!("[{section}]"));
                out.push(new_line);
            }
        }
    }
    let mut s = out.join("\n");
    s.push('\n');
    s
}

/// Writes `text` to `path` whole or not at all: a new file (0600, in a directory made 0700)
/// or the old one replaced keeping its permissions.
fn write_file(path: &std::path::Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    if !dir.exists() {
        let mut b = std::fs::DirBuilder::new();
        b.recursive(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::DirBuilderExt;
            b.mode(0o700);
        }
        b.create(dir)?;
    }
    let tmp = dir.join(format!(
        ".{}.dcs-{}",
        path.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "credentials".into()),
        std::process::id()
    ));
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    let result = (|| {
        let mut f = o.open(&tmp)?;
        if let Ok(meta) = std::fs::metadata(path) {
            f.set_permissions(meta.permissions())?;
        }
        f.write_all(text.as_bytes())?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// `dcs configure set KEY VALUE`: writes the key into the profile's section; the file's path.
pub fn set(ctx: &Context, flags: &Flags, key: &str, value: &str) -> Result<String, Failure> {
    let key = key.trim().to_ascii_lowercase();
    if !KEYS.iter().any(|(k, _)| *k == key) {
        let names = KEYS.iter().map(|(k, _)| *k);
        let mut f = Failure::invalid(format!(
            "the profile has no key {:?}{}",
            dcs_client::sanitize(&key),
            crate::ops::did_you_mean(&crate::ops::suggest(&key, names))
        ));
        f = f.hint(match key.as_str() {
            "endpoint" | "dcs_endpoint" => "the SDKs read no endpoint from the profile: give --endpoint URL or set DCS_ENDPOINT (or a region, and the endpoint follows)".to_string(),
            _ => format!(
                "the SDKs read {} from a profile",
                KEYS.iter().map(|(k, _)| *k).collect::<Vec<_>>().join(", ")
            ),
        });
        return Err(f);
    }
    let value = value.trim();
    check_value(&key, value)?;
    let (file, _) = credentials_file(ctx)?;
    let Some(path) = file else {
        return Err(Failure::invalid(
            "no home directory (HOME) to keep ~/.huaweicloud/credentials in",
        )
        .hint("set HUAWEICLOUD_SDK_CREDENTIALS_FILE to the file to write"));
    };
    let (section, _) = section(ctx, flags)?;
    let old = match std::fs::read(&path) {
        Ok(b) => String::from_utf8(b).map_err(|_| {
            Failure::invalid(format!("{} is not UTF-8: not changed", path.display()))
        })?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => {
            return Err(Failure::invalid(format!(
                "cannot read {}: {e}",
                path.display()
            )))
        }
    };
    let new = set_in(&old, &section, &key, value);
    write_file(&path, &new)
        .map_err(|e| Failure::new(2, "config", format!("cannot write {}: {e}", path.display())))?;
    Ok(format!("{} [{section}]", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_set_where_they_belong_and_nothing_else_moves() {
        let text = "# mine\n[basic]\nak = A\nSK = old\n\n[other]\nregion = x\n";
        assert_eq!(
            set_in(text, "basic", "sk", "new"),
            "# mine\n[basic]\nak = A\nsk = new\n\n[other]\nregion = x\n"
        );
        assert_eq!(
            set_in(text, "basic", "region", "cn-north-4"),
            "# mine\n[basic]\nak = A\nSK = old\nregion = cn-north-4\n\n[other]\nregion = x\n"
        );
        assert_eq!(
            set_in(text, "third", "ak", "B"),
            "# mine\n[basic]\nak = A\nSK = old\n\n[other]\nregion = x\n\n[third]\nak = B\n"
        );
        assert_eq!(set_in("", "basic", "ak", "A"), "[basic]\nak = A\n");
    }

    #[test]
    fn secrets_are_masked() {
        assert_eq!(mask("ak", "ABCDEFGHIJ"), "******GHIJ");
        assert_eq!(mask("sk", "secret"), "** redacted **");
        assert_eq!(mask("region", "cn-north-4"), "cn-north-4");
    }
}
