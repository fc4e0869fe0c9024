//! Regions and the endpoints they map to.
//!
//! A region id is checked against the shape of every id Huawei Cloud uses
//! (`^[a-z]{2,}(-[a-z0-9]+)*-[0-9]+$`: lower-case letters, dashes, a final number), which
//! also rules out anything that could change the host (dots, slashes, `@`). Any well-formed
//! id maps to `https://{service}.{region}.myhuaweicloud.com`, so a region newer than this
//! SDK needs no upgrade; [`Service::knows`] tells whether it was in the built-in table.
//!
//! Endpoint overrides, as the official SDKs read them: `HUAWEICLOUD_SDK_REGION_{SERVICE}_{REGION}`
//! (upper case, `-` as `_`, a comma list), then the regions file
//! (`$HUAWEICLOUD_SDK_REGIONS_FILE`, else `~/.huaweicloud/regions.yaml`). The regions file is
//! YAML; this SDK has no YAML library and reads by hand only the documented shape:
//!
//! ```yaml
//! DCS:                      # service name, any case
//!   - id: cn-north-4        # quotes optional
//!     endpoint: https://dcs.cn-north-4.myhuaweicloud.com
//!   - id: xx-new-1
//!     endpoints:            # several, tried in order
//!       - https://a.example.com
//!       - https://b.example.com
//! ```
//!
//! Full-line and ` #` trailing comments are allowed, and `endpoints: [a, b]`. Other top-level
//! services are skipped unread; anything else under this service's key is an error naming
//! file and line.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

/// Variable naming the regions file.
pub const ENV_REGIONS_FILE: &str = "HUAWEICLOUD_SDK_REGIONS_FILE";
/// Variable holding the default region (this SDK's addition; the official SDKs have none).
pub const ENV_REGION: &str = "HUAWEICLOUD_SDK_REGION";

/// A service whose endpoints are resolved: its name in host names and override keys, its
/// own full-URL override variable, and the regions the official SDK lists for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Service {
    /// Lower-case name as in host names (`dcs`).
    pub name: &'static str,
    /// A variable holding one full endpoint URL that overrides every region lookup.
    pub endpoint_env: Option<&'static str>,
    /// Region ids the official SDK knows.
    pub known_regions: &'static [&'static str],
}

/// DCS: `DCS_ENDPOINT`, and the 34 regions of the official Python SDK 3.1.219, every one at
/// `https://dcs.{region}.myhuaweicloud.com`.
pub const DCS: Service = Service {
    name: "dcs",
    endpoint_env: Some("DCS_ENDPOINT"),
    known_regions: &[
        "ae-ad-1",
        "af-north-1",
        "af-south-1",
        "ap-southeast-1",
        "ap-southeast-2",
        "ap-southeast-3",
        "ap-southeast-4",
        "ap-southeast-5",
        "cn-east-2",
        "cn-east-3",
        "cn-east-4",
        "cn-east-5",
        "cn-north-1",
        "cn-north-11",
        "cn-north-12",
        "cn-north-2",
        "cn-north-4",
        "cn-north-9",
        "cn-south-1",
        "cn-south-2",
        "cn-south-4",
        "cn-southwest-2",
        "cn-southwest-3",
        "eu-west-0",
        "eu-west-101",
        "la-north-2",
        "la-south-2",
        "me-east-1",
        "my-kualalumpur-1",
        "na-mexico-1",
        "ru-moscow-1",
        "ru-northwest-2",
        "sa-brazil-1",
        "tr-west-1",
    ],
};

impl Service {
    /// A service named `name` in host names (lower case), with its own full-URL variable and
    /// the regions its official SDK lists.
    pub const fn new(
        name: &'static str,
        endpoint_env: Option<&'static str>,
        known_regions: &'static [&'static str],
    ) -> Self {
        Self {
            name,
            endpoint_env,
            known_regions,
        }
    }

    /// Whether the official table lists `region` for this service.
    pub fn knows(&self, region: &Region) -> bool {
        self.known_regions.contains(&region.as_str())
    }

    /// `HUAWEICLOUD_SDK_REGION_{SERVICE}_{REGION}`.
    pub fn region_env_var(&self, region: &Region) -> String {
        format!(
            "HUAWEICLOUD_SDK_REGION_{}_{}",
            self.name.to_ascii_uppercase(),
            region.as_str().to_ascii_uppercase().replace('-', "_")
        )
    }

    /// `https://{service}.{region}.myhuaweicloud.com`.
    pub fn pattern_endpoint(&self, region: &Region) -> String {
        format!(
            "https://{}.{}.myhuaweicloud.com",
            self.name,
            region.as_str()
        )
    }
}

/// A well-formed region id.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Region(String);

/// A region id that is not of the form Huawei Cloud uses.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("malformed region id {id:?}: expected lower-case words and a final number joined by '-', like cn-north-4")]
#[non_exhaustive]
pub struct RegionError {
    /// The id as given (bounded).
    pub id: String,
}

impl Region {
    /// Checks `id` against `^[a-z]{2,}(-[a-z0-9]+)*-[0-9]+$` (at most 64 characters).
    pub fn parse(id: &str) -> Result<Self, RegionError> {
        let err = || RegionError {
            id: id.chars().take(80).collect(),
        };
        if id.len() > 64 {
            return Err(err());
        }
        let parts: Vec<&str> = id.split('-').collect();
        if parts.len() < 2 {
            return Err(err());
        }
        let first = parts[0];
        let last = parts[parts.len() - 1];
        let middle = &parts[1..parts.len() - 1];
        let ok = first.len() >= 2
            && first.bytes().all(|b| b.is_ascii_lowercase())
            && !last.is_empty()
            && last.bytes().all(|b| b.is_ascii_digit())
            && middle.iter().all(|p| {
                !p.is_empty()
                    && p.bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
            });
        if ok {
            Ok(Self(id.to_string()))
        } else {
            Err(err())
        }
    }

    /// The id.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The IAM endpoint for this region: `https://iam.{region}.myhuaweicloud.com`, or
    /// `.myhuaweicloud.eu` for the European sovereign regions `eu-west-1xx`.
    pub fn iam_endpoint(&self) -> String {
        let eu_sovereign = self
            .0
            .strip_prefix("eu-west-")
            .is_some_and(|n| n.len() == 3 && n.starts_with('1'));
        let domain = if eu_sovereign {
            "myhuaweicloud.eu"
        } else {
            "myhuaweicloud.com"
        };
        format!("https://iam.{}.{domain}", self.0)
    }
}

impl fmt::Debug for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Region({})", self.0)
    }
}

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A regions-file line that does not fit the documented shape.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}:{line}: {problem}", path.display())]
#[non_exhaustive]
pub struct RegionsFileError {
    /// The file.
    pub path: PathBuf,
    /// The line, from 1 (0: the whole file).
    pub line: usize,
    /// What is wrong.
    pub problem: String,
}

/// One region's endpoints from the regions file, with the line of its `id`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RegionsFileEntry {
    /// The endpoints, in order.
    pub endpoints: Vec<String>,
    /// The line of `id:`.
    pub line: usize,
}

struct Item {
    line: usize,
    id: Option<String>,
    endpoints: Vec<String>,
    /// Indentation of the item's keys.
    key_indent: usize,
    /// In an `endpoints:` block list.
    in_list: bool,
}

/// Reads the entries of `service` from regions-file text (see the module documentation for
/// the shape). Later entries for the same id replace earlier ones.
pub fn parse_regions_file(
    path: &Path,
    text: &str,
    service: &str,
) -> Result<HashMap<String, RegionsFileEntry>, RegionsFileError> {
    let err = |line: usize, problem: &str| RegionsFileError {
        path: path.to_path_buf(),
        line,
        problem: problem.to_string(),
    };
    let mut out = HashMap::new();
    let mut in_service = false;
    let mut item: Option<Item> = None;
    let mut dash_indent: Option<usize> = None;
    let finish = |item: Option<Item>, out: &mut HashMap<String, RegionsFileEntry>| match item {
        None => Ok(()),
        Some(it) => {
            let id = it.id.ok_or(err(it.line, "an entry has no `id`"))?;
            Region::parse(&id).map_err(|e| err(it.line, &e.to_string()))?;
            if it.endpoints.is_empty() {
                return Err(err(it.line, "an entry has no `endpoint` or `endpoints`"));
            }
            out.insert(
                id,
                RegionsFileEntry {
                    endpoints: it.endpoints,
                    line: it.line,
                },
            );
            Ok(())
        }
    };
    for (i, raw) in text.lines().enumerate() {
        let n = i + 1;
        let body = strip_comment(raw).trim_end();
        if body.trim().is_empty() || body.trim() == "---" {
            continue;
        }
        let indent = body.len() - body.trim_start_matches([' ', '\t']).len();
        if body[..indent].contains('\t') {
            if in_service || indent == 0 {
                return Err(err(n, "tabs cannot indent YAML"));
            }
            continue;
        }
        let content = &body[indent..];
        if indent == 0 {
            finish(item.take(), &mut out)?;
            let key = content
                .strip_suffix(':')
                .ok_or(err(n, "a top-level line must be a service name and ':'"))?;
            in_service = unquote(key.trim()).eq_ignore_ascii_case(service);
            dash_indent = None;
            continue;
        }
        if !in_service {
            continue;
        }
        if let Some(after_dash) = content
            .strip_prefix('-')
            .filter(|r| r.is_empty() || r.starts_with(' '))
        {
            let value = after_dash.trim();
            let list_entry = item.as_ref().is_some_and(|it| {
                it.in_list && indent >= it.key_indent && Some(indent) != dash_indent
            });
            if list_entry {
                if value.is_empty() {
                    return Err(err(n, "an empty endpoint"));
                }
                if let Some(it) = item.as_mut() {
                    it.endpoints.push(unquote(value).to_string());
                }
                continue;
            }
            match dash_indent {
                None => dash_indent = Some(indent),
                Some(d) if d != indent => {
                    return Err(err(n, "list items of a service must line up"))
                }
                Some(_) => {}
            }
            finish(item.take(), &mut out)?;
            let key_indent = indent + 1 + (after_dash.len() - after_dash.trim_start().len());
            let mut it = Item {
                line: n,
                id: None,
                endpoints: Vec::new(),
                key_indent,
                in_list: false,
            };
            if !value.is_empty() {
                apply_key(&mut it, value).map_err(|p| err(n, &p))?;
            }
            item = Some(it);
            continue;
        }
        let Some(it) = item.as_mut() else {
            return Err(err(
                n,
                "expected a list of `- id: ...` entries under the service",
            ));
        };
        if indent != it.key_indent {
            return Err(err(n, "a key is not lined up with its entry's keys"));
        }
        apply_key(it, content).map_err(|p| err(n, &p))?;
    }
    finish(item.take(), &mut out)?;
    Ok(out)
}

fn apply_key(it: &mut Item, kv: &str) -> Result<(), String> {
    let (key, value) = kv
        .split_once(':')
        .ok_or_else(|| "expected `key: value`".to_string())?;
    let value = value.trim();
    it.in_list = false;
    match key.trim() {
        "id" => {
            if value.is_empty() {
                return Err("`id` is empty".into());
            }
            it.id = Some(unquote(value).to_string());
        }
        "endpoint" => {
            if value.is_empty() {
                return Err("`endpoint` is empty".into());
            }
            it.endpoints.push(unquote(value).to_string());
        }
        "endpoints" => {
            if value.is_empty() {
                it.in_list = true;
            } else if let Some(inner) = value.strip_prefix('[').and_then(|v| v.strip_suffix(']')) {
                for e in inner.split(',').map(str::trim).filter(|e| !e.is_empty()) {
                    it.endpoints.push(unquote(e).to_string());
                }
            } else {
                return Err("`endpoints` must be a list".into());
            }
        }
        _ => {}
    }
    Ok(())
}

/// Cuts a `#` comment that starts the line or follows whitespace, outside quotes.
fn strip_comment(line: &str) -> &str {
    let mut quote: Option<char> = None;
    let mut prev_space = true;
    for (i, c) in line.char_indices() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '\'' || c == '"' => quote = Some(c),
            None if c == '#' && prev_space => return &line[..i],
            None => {}
        }
        prev_space = c == ' ' || c == '\t';
    }
    line
}

fn unquote(s: &str) -> &str {
    for q in ['\'', '"'] {
        if s.len() >= 2 && s.starts_with(q) && s.ends_with(q) {
            return &s[1..s.len() - 1];
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_ids() {
        for id in DCS.known_regions {
            assert!(Region::parse(id).is_ok(), "{id}");
        }
        for ok in ["xx-new-1", "ab-c2-d-10"] {
            assert!(Region::parse(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "cn",
            "cn-north",
            "CN-NORTH-4",
            "cn-north-4.evil.com",
            "cn/north-4",
            "c-north-4",
            "cn--4",
            "cn-north-4-",
            "cn-north-x4",
            "cn north-4",
        ] {
            assert!(Region::parse(bad).is_err(), "{bad:?}");
        }
        let r = Region::parse("cn-north-4").unwrap();
        assert!(DCS.knows(&r));
        assert!(!DCS.knows(&Region::parse("xx-new-1").unwrap()));
        assert_eq!(
            DCS.region_env_var(&r),
            "HUAWEICLOUD_SDK_REGION_DCS_CN_NORTH_4"
        );
        assert_eq!(r.iam_endpoint(), "https://iam.cn-north-4.myhuaweicloud.com");
        assert_eq!(
            Region::parse("eu-west-101").unwrap().iam_endpoint(),
            "https://iam.eu-west-101.myhuaweicloud.eu"
        );
        assert_eq!(
            Region::parse("eu-west-0").unwrap().iam_endpoint(),
            "https://iam.eu-west-0.myhuaweicloud.com"
        );
    }

    #[test]
    fn regions_file_shapes() {
        let text = "\
# regions
ECS:
  - id: cn-north-4
    endpoint: https://ecs.example.com
    weird: [ whatever
DCS:
  - id: 'cn-north-4'   # trailing comment
    endpoint: \"https://dcs.example.com\"
  - id: xx-new-1
    endpoints:
      - https://a.example.com
      - 'https://b.example.com'
  -   id: xx-new-2
      endpoints: [https://c.example.com, https://d.example.com]
  - id: xx-new-3
    endpoints:
    - https://e.example.com
";
        let m = parse_regions_file(Path::new("/r.yaml"), text, "dcs").unwrap();
        assert_eq!(m["cn-north-4"].endpoints, ["https://dcs.example.com"]);
        assert_eq!(m["cn-north-4"].line, 7);
        assert_eq!(
            m["xx-new-1"].endpoints,
            ["https://a.example.com", "https://b.example.com"]
        );
        assert_eq!(
            m["xx-new-2"].endpoints,
            ["https://c.example.com", "https://d.example.com"]
        );
        assert_eq!(m["xx-new-3"].endpoints, ["https://e.example.com"]);
        assert_eq!(m.len(), 4);
    }

    #[test]
    fn regions_file_errors_name_the_line() {
        let cases = [
            ("DCS:\n  - id: cn-north-4\n", 2, "no `endpoint`"),
            ("DCS:\n  - endpoint: https://x\n", 2, "no `id`"),
            (
                "DCS:\n  - id: bad.region-1\n    endpoint: https://x\n",
                2,
                "malformed region",
            ),
            (
                "DCS:\n  - id: cn-north-4\n      endpoint: https://x\n",
                3,
                "lined up",
            ),
            ("DCS:\n  id: cn-north-4\n", 2, "list of"),
            ("DCS\n", 1, "top-level"),
            (
                "DCS:\n  - id: a-1\n    endpoints: https://x\n",
                3,
                "must be a list",
            ),
        ];
        for (text, line, needle) in cases {
            let e = parse_regions_file(Path::new("/r.yaml"), text, "dcs").unwrap_err();
            assert_eq!(e.line, line, "{text:?}: {e}");
            assert!(e.to_string().contains(needle), "{text:?}: {e}");
            assert!(e.to_string().starts_with("/r.yaml:"), "{e}");
        }
    }
}
