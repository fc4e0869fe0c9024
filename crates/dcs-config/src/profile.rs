//! The credentials profile file of the official SDKs: `$HUAWEICLOUD_SDK_CREDENTIALS_FILE`,
//! else `~/.huaweicloud/credentials`. INI: `[section]` headers, `key = value` lines, full-line
//! `#` or `;` comments. Keys are case-insensitive; a value is everything after the first `=`,
//! trimmed (no inline comments, as the Python SDK reads it). The section is `[basic]`, or the
//! one named by `HUAWEICLOUD_SDK_PROFILE`.
//!
//! Keys read: `ak`, `sk`, `security_token`, `project_id`, `region`, `iam_endpoint`. Others
//! (`domain_id`, `idp_id`, ...) are kept but unused here.

use crate::context::{Context, EnvVarError};
use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

/// Variable naming the credentials file.
pub const ENV_CREDENTIALS_FILE: &str = "HUAWEICLOUD_SDK_CREDENTIALS_FILE";
/// Variable naming the section to read.
pub const ENV_PROFILE: &str = "HUAWEICLOUD_SDK_PROFILE";
/// The section read by default.
pub const DEFAULT_SECTION: &str = "basic";

/// Why the profile file could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProfileError {
    /// A variable is set but unusable.
    #[error(transparent)]
    Env(#[from] EnvVarError),
    /// The file exists (or was named explicitly) but cannot be read.
    #[error("{}: {problem}", path.display())]
    Unreadable {
        /// The file.
        path: PathBuf,
        /// Why.
        problem: String,
    },
    /// A line of the file is not valid.
    #[error("{}:{line}: {problem}", path.display())]
    Malformed {
        /// The file.
        path: PathBuf,
        /// The line, from 1.
        line: usize,
        /// What is wrong.
        problem: String,
    },
}

/// One value and the line it came from.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Entry {
    /// The value, trimmed.
    pub value: String,
    /// The line, from 1.
    pub line: usize,
}

/// The selected section of a profile file. `Debug` shows keys and lines, never values.
#[derive(Clone, PartialEq, Eq)]
pub struct Profile {
    path: PathBuf,
    section: String,
    entries: HashMap<String, Entry>,
}

impl fmt::Debug for Entry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Entry(line {})", self.line)
    }
}

impl fmt::Debug for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut keys: Vec<(&String, usize)> =
            self.entries.iter().map(|(k, e)| (k, e.line)).collect();
        keys.sort();
        f.debug_struct("Profile")
            .field("path", &self.path)
            .field("section", &self.section)
            .field("keys", &keys)
            .finish()
    }
}

impl Profile {
    /// The file it came from.
    pub fn path(&self) -> &Path {
        &self.path
    }
    /// The section's name.
    pub fn section(&self) -> &str {
        &self.section
    }
    /// A key's value and line (`key` in lower case).
    pub fn get(&self, key: &str) -> Option<&Entry> {
        self.entries.get(key)
    }
    /// `file:line` of a key, for messages.
    pub fn location(&self, key: &str) -> String {
        match self.entries.get(key) {
            Some(e) => format!("{}:{}", self.path.display(), e.line),
            None => format!("{} [{}]", self.path.display(), self.section),
        }
    }
}

/// What looking for the profile found.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProfileLookup {
    /// The section was read.
    Found(Profile),
    /// No file, or no such section in it (for the default section only); says why.
    Absent(String),
}

/// Finds, reads and parses the profile file for `ctx`. `section` overrides
/// `HUAWEICLOUD_SDK_PROFILE`. A file named by the variable that does not exist, and a named
/// section that is not in the file, are errors; the default file or `[basic]` missing is not.
pub fn load(ctx: &Context, section: Option<&str>) -> Result<ProfileLookup, ProfileError> {
    let explicit_file = ctx.var(ENV_CREDENTIALS_FILE)?;
    let (path, explicit) = match explicit_file {
        Some(p) => (PathBuf::from(p), true),
        None => match ctx.home_dir()? {
            Some(home) => (home.join(".huaweicloud").join("credentials"), false),
            None => return Ok(ProfileLookup::Absent(
                "no home directory (HOME or USERPROFILE) and no HUAWEICLOUD_SDK_CREDENTIALS_FILE"
                    .into(),
            )),
        },
    };
    let env_section = ctx.var(ENV_PROFILE)?;
    let (name, named) = match section.map(str::to_string).or(env_section) {
        Some(n) => (n.trim().to_string(), true),
        None => (DEFAULT_SECTION.to_string(), false),
    };
    let bytes = match ctx
        .fs()
        .read_capped(&path, crate::context::MAX_PROFILE_FILE_BYTES)
    {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !explicit => {
            return Ok(ProfileLookup::Absent(format!("no file {}", path.display())))
        }
        Err(e) => {
            let problem = if e.kind() == std::io::ErrorKind::NotFound {
                format!("named by {ENV_CREDENTIALS_FILE} but does not exist")
            } else if e.kind() == std::io::ErrorKind::FileTooLarge {
                format!(
                    "the credentials file is larger than {} bytes, the most read of it",
                    crate::context::MAX_PROFILE_FILE_BYTES
                )
            } else {
                format!("cannot be read: {e}")
            };
            return Err(ProfileError::Unreadable { path, problem });
        }
    };
    let text = String::from_utf8(bytes).map_err(|e| {
        let line = e.as_bytes()[..e.utf8_error().valid_up_to()]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1;
        ProfileError::Malformed {
            path: path.clone(),
            line,
            problem: "not valid UTF-8".into(),
        }
    })?;
    let mut sections = parse(&text).map_err(|(line, problem)| ProfileError::Malformed {
        path: path.clone(),
        line,
        problem,
    })?;
    match sections.remove(&name) {
        Some(entries) => Ok(ProfileLookup::Found(Profile {
            path,
            section: name,
            entries,
        })),
        None if named => Err(ProfileError::Unreadable {
            path,
            problem: format!("has no section [{name}] (selected by {ENV_PROFILE} or the builder)"),
        }),
        None => Ok(ProfileLookup::Absent(format!(
            "{} has no [{name}] section",
            path.display()
        ))),
    }
}

type Sections = HashMap<String, HashMap<String, Entry>>;

/// Parses the INI text; an error is `(line, problem)`.
fn parse(text: &str) -> Result<Sections, (usize, String)> {
    let mut sections: Sections = HashMap::new();
    let mut current: Option<String> = None;
    for (i, raw) in text.lines().enumerate() {
        let line_no = i + 1;
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(rest) = line.strip_prefix('[') {
            let name = rest
                .strip_suffix(']')
                .ok_or((line_no, "a section header must end with ']'".to_string()))?
                .trim();
            if name.is_empty() || !name.bytes().all(|b| b.is_ascii_graphic() && b != b']') {
                return Err((line_no, "a section name must be visible characters".into()));
            }
            sections.entry(name.to_string()).or_default();
            current = Some(name.to_string());
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            return Err((
                line_no,
                "expected `key = value`, a `[section]` header or a comment".into(),
            ));
        };
        let key = key.trim().to_ascii_lowercase();
        if key.is_empty() {
            return Err((line_no, "a key is missing before '='".into()));
        }
        let Some(section) = &current else {
            return Err((line_no, format!("key {key:?} is outside any [section]")));
        };
        sections.entry(section.clone()).or_default().insert(
            key,
            Entry {
                value: value.trim().to_string(),
                line: line_no,
            },
        );
    }
    Ok(sections)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_documented_shape() {
        let s = parse(
            "# comment\n; other\n[basic]\nAK = x\nsk=y ; not a comment\n\n[global]\nak = g\n",
        )
        .unwrap();
        assert_eq!(s["basic"]["ak"].value, "x");
        assert_eq!(s["basic"]["ak"].line, 4);
        assert_eq!(s["basic"]["sk"].value, "y ; not a comment");
        assert_eq!(s["global"]["ak"].value, "g");
    }

    #[test]
    fn malformed_lines_are_located() {
        assert_eq!(parse("[basic]\nak x\n").unwrap_err().0, 2);
        assert_eq!(parse("ak = x\n").unwrap_err().0, 1);
        assert_eq!(parse("\n\n[basic\n").unwrap_err().0, 3);
        assert_eq!(parse("[basic]\n = x\n").unwrap_err().0, 2);
    }

    #[test]
    fn debug_hides_values() {
        let p = Profile {
            path: "/c".into(),
            section: "basic".into(),
            entries: parse("[basic]\nsk = canary\n")
                .unwrap()
                .remove("basic")
                .unwrap(),
        };
        let d = format!("{p:?}");
        assert!(d.contains("sk") && !d.contains("canary"), "{d}");
    }
}
