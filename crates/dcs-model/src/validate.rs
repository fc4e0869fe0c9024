//! The checks the generated `check` methods call, one per kind of reviewed rule of
//! `codegen/constraints.toml` (length, range, set of values, value set, format, characters),
//! plus required fields and path ids.
//!
//! Every check pushes what it finds into [`Problems`] instead of stopping: a request is
//! checked whole, and the error lists every problem at once, each with its field path
//! (`offset`, `body.bss_param.charging_mode`, `body.tags[1].key`). A path is only built when a
//! check fails.

use crate::ids::{validate_path_param, Rule, ValidationError};
use crate::value_set::ValueSet;

/// The problems found so far in one request.
#[derive(Debug, Default)]
pub struct Problems {
    found: Vec<(String, Rule)>,
}

impl Problems {
    /// No problems yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records that the field at `path`/`field` broke `rule`.
    pub fn push(&mut self, path: &str, field: &str, rule: Rule) {
        self.found.push((at(path, field), rule));
    }

    /// Whether nothing was found.
    pub fn is_empty(&self) -> bool {
        self.found.is_empty()
    }

    /// `Ok` when nothing was found, else one error listing every problem in the order found.
    pub fn into_result(self) -> Result<(), ValidationError> {
        match ValidationError::from_problems(self.found) {
            None => Ok(()),
            Some(e) => Err(e),
        }
    }
}

fn at(path: &str, field: &str) -> String {
    match (path.is_empty(), field.is_empty()) {
        (true, _) => field.to_string(),
        (false, true) => path.to_string(),
        (false, false) => format!("{path}.{field}"),
    }
}

/// The path of element `i` of the list at `path`.
pub fn index(path: &str, i: usize) -> String {
    format!("{path}[{i}]")
}

/// The path of `field` inside `path`.
pub fn child(path: &str, field: &str) -> String {
    at(path, field)
}

/// A required value must be set.
pub fn required<T>(p: &mut Problems, path: &str, field: &str, v: &Option<T>) {
    if v.is_none() {
        p.push(path, field, Rule::Missing);
    }
}

/// A path id: the path-parameter rules (not empty, no `/`, ...), and not a literal segment
/// that would send the request to another operation.
pub fn path_id(p: &mut Problems, field: &'static str, v: &str, reserved: &'static [&'static str]) {
    if v.is_empty() {
        p.push("", field, Rule::Missing);
        return;
    }
    if let Err(e) = validate_path_param(field, v) {
        p.push("", field, e.rule().clone());
        return;
    }
    if reserved.contains(&v) {
        p.push(
            "",
            field,
            Rule::Reserved {
                actual: v.to_string(),
            },
        );
    }
}

/// Text length in characters within `[min, max]`.
pub fn length(
    p: &mut Problems,
    path: &str,
    field: &str,
    v: &str,
    min: Option<usize>,
    max: Option<usize>,
) {
    let n = v.chars().count();
    if let Some(max) = max {
        if n > max {
            p.push(path, field, Rule::FieldTooLong { max, actual: n });
            return;
        }
    }
    if let Some(min) = min {
        if n < min {
            p.push(path, field, Rule::TooShort { min, actual: n });
        }
    }
}

/// A number within `[min, max]`.
pub fn range(
    p: &mut Problems,
    path: &str,
    field: &str,
    v: f64,
    min: Option<f64>,
    max: Option<f64>,
) {
    let low = min.is_some_and(|m| v < m);
    let high = max.is_some_and(|m| v > m);
    if low || high || v.is_nan() {
        p.push(
            path,
            field,
            Rule::OutOfRange {
                min: min.map(num),
                max: max.map(num),
                actual: num(v),
            },
        );
    }
}

/// Text holding a number within `[min, max]`.
pub fn text_range(
    p: &mut Problems,
    path: &str,
    field: &str,
    v: &str,
    min: Option<f64>,
    max: Option<f64>,
) {
    match v.trim().parse::<f64>() {
        Ok(n) => range(p, path, field, n, min, max),
        Err(_) => p.push(
            path,
            field,
            Rule::NotANumber {
                actual: v.to_string(),
            },
        ),
    }
}

/// A value from a documented set.
pub fn one_of(
    p: &mut Problems,
    path: &str,
    field: &str,
    v: &str,
    allowed: &'static [&'static str],
) {
    if !allowed.contains(&v) {
        p.push(
            path,
            field,
            Rule::NotOneOf {
                allowed,
                actual: v.to_string(),
            },
        );
    }
}

/// A number from a documented set (compared as numbers, so `5` and `5.0` are one value).
pub fn number_one_of(
    p: &mut Problems,
    path: &str,
    field: &str,
    v: f64,
    allowed: &'static [&'static str],
) {
    if !allowed
        .iter()
        .any(|a| a.parse::<f64>().is_ok_and(|a| a == v))
    {
        p.push(
            path,
            field,
            Rule::NotOneOf {
                allowed,
                actual: num(v),
            },
        );
    }
}

/// A value of a value set must be one of its known values.
pub fn known<E: ValueSet>(p: &mut Problems, path: &str, field: &str, v: &E) {
    if !v.is_known() {
        p.push(
            path,
            field,
            Rule::NotOneOf {
                allowed: E::VALUES,
                actual: v.as_str().to_string(),
            },
        );
    }
}

/// A documented text format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Format {
    /// `yyyyMMddHHmmss`, e.g. `20260609160000`: a real calendar date and time.
    CompactDateTime,
    /// `yyyy-MM-dd`.
    Date,
    /// `HH:mm:ss`.
    TimeOfDay,
    /// `HH:mm`.
    HourMinute,
    /// RFC 3339, e.g. `2020-06-17T07:38:42.503Z`.
    Rfc3339,
    /// A dotted IPv4 address.
    Ipv4,
    /// An IPv4 address with a prefix length, e.g. `192.168.0.0/24`.
    Ipv4Cidr,
    /// A UUID in its hyphenated form (any case).
    Uuid,
}

impl Format {
    /// The format as the reference writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::CompactDateTime => "yyyyMMddHHmmss",
            Format::Date => "yyyy-MM-dd",
            Format::TimeOfDay => "HH:mm:ss",
            Format::HourMinute => "HH:mm",
            Format::Rfc3339 => "RFC 3339 (2020-06-17T07:38:42.503Z)",
            Format::Ipv4 => "an IPv4 address",
            Format::Ipv4Cidr => "an IPv4 CIDR block (192.168.0.0/24)",
            Format::Uuid => "a UUID",
        }
    }

    /// Whether `v` is in this format.
    pub fn matches(self, v: &str) -> bool {
        let b = v.as_bytes();
        match self {
            Format::CompactDateTime => {
                b.len() == 14
                    && all_digits(b)
                    && date_ok(&b[0..4], &b[4..6], &b[6..8])
                    && time_ok(&b[8..10], &b[10..12], Some(&b[12..14]))
            }
            Format::Date => {
                b.len() == 10
                    && b[4] == b'-'
                    && b[7] == b'-'
                    && all_digits(&b[0..4])
                    && all_digits(&b[5..7])
                    && all_digits(&b[8..10])
                    && date_ok(&b[0..4], &b[5..7], &b[8..10])
            }
            Format::TimeOfDay => {
                b.len() == 8
                    && b[2] == b':'
                    && b[5] == b':'
                    && all_digits(&b[0..2])
                    && all_digits(&b[3..5])
                    && all_digits(&b[6..8])
                    && time_ok(&b[0..2], &b[3..5], Some(&b[6..8]))
            }
            Format::HourMinute => {
                b.len() == 5
                    && b[2] == b':'
                    && all_digits(&b[0..2])
                    && all_digits(&b[3..5])
                    && time_ok(&b[0..2], &b[3..5], None)
            }
            Format::Rfc3339 => rfc3339(b),
            Format::Ipv4 => ipv4(v),
            Format::Ipv4Cidr => match v.split_once('/') {
                Some((ip, len)) => {
                    ipv4(ip)
                        && !len.is_empty()
                        && len.len() <= 2
                        && all_digits(len.as_bytes())
                        && len.parse::<u8>().is_ok_and(|n| n <= 32)
                }
                None => false,
            },
            Format::Uuid => {
                b.len() == 36
                    && b.iter().enumerate().all(|(i, c)| match i {
                        8 | 13 | 18 | 23 => *c == b'-',
                        _ => c.is_ascii_hexdigit(),
                    })
            }
        }
    }
}

fn all_digits(b: &[u8]) -> bool {
    !b.is_empty() && b.iter().all(u8::is_ascii_digit)
}

fn n2(b: &[u8]) -> u32 {
    b.iter().fold(0, |a, d| a * 10 + u32::from(d - b'0'))
}

fn date_ok(y: &[u8], m: &[u8], d: &[u8]) -> bool {
    let (y, m, d) = (n2(y), n2(m), n2(d));
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&d)
}

fn time_ok(h: &[u8], m: &[u8], s: Option<&[u8]>) -> bool {
    n2(h) < 24 && n2(m) < 60 && s.is_none_or(|s| n2(s) < 60)
}

fn rfc3339(b: &[u8]) -> bool {
    // yyyy-MM-ddTHH:mm:ss[.fraction](Z|±HH:mm)
    if b.len() < 20 {
        return false;
    }
    let date = &b[0..10];
    let ok_date = date[4] == b'-'
        && date[7] == b'-'
        && all_digits(&date[0..4])
        && all_digits(&date[5..7])
        && all_digits(&date[8..10])
        && date_ok(&date[0..4], &date[5..7], &date[8..10]);
    if !ok_date || !(b[10] == b'T' || b[10] == b't' || b[10] == b' ') {
        return false;
    }
    let t = &b[11..19];
    if !(t[2] == b':'
        && t[5] == b':'
        && all_digits(&t[0..2])
        && all_digits(&t[3..5])
        && all_digits(&t[6..8])
        && time_ok(&t[0..2], &t[3..5], Some(&t[6..8])))
    {
        return false;
    }
    let mut rest = &b[19..];
    if let Some(r) = rest.strip_prefix(b".") {
        let n = r.iter().take_while(|c| c.is_ascii_digit()).count();
        if n == 0 {
            return false;
        }
        rest = &r[n..];
    }
    match rest {
        [b'Z' | b'z'] => true,
        [sign, h1, h2, b':', m1, m2] if *sign == b'+' || *sign == b'-' => {
            all_digits(&[*h1, *h2, *m1, *m2]) && time_ok(&[*h1, *h2], &[*m1, *m2], None)
        }
        _ => false,
    }
}

fn ipv4(v: &str) -> bool {
    let parts: Vec<&str> = v.split('.').collect();
    parts.len() == 4
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.len() <= 3
                && all_digits(p.as_bytes())
                && p.parse::<u16>().is_ok_and(|n| n <= 255)
        })
}

/// Text in a documented format.
pub fn format(p: &mut Problems, path: &str, field: &str, v: &str, f: Format) {
    if !f.matches(v) {
        p.push(
            path,
            field,
            Rule::BadFormat {
                format: f.as_str(),
                actual: v.to_string(),
            },
        );
    }
}

fn in_class(c: char, class: &[(char, char)]) -> bool {
    class.iter().any(|(a, b)| *a <= c && c <= *b)
}

/// Text whose first character is in `first` (when given) and every character in
/// `allowed`; `rule` says both in words for the error.
pub fn chars(
    p: &mut Problems,
    path: &str,
    field: &str,
    v: &str,
    first: Option<&[(char, char)]>,
    allowed: &[(char, char)],
    rule: &'static str,
) {
    if let (Some(class), Some(c)) = (first, v.chars().next()) {
        if !in_class(c, class) {
            p.push(path, field, Rule::Characters { rule, ch: c, at: 0 });
            return;
        }
    }
    if let Some((at, ch)) = v.chars().enumerate().find(|(_, c)| !in_class(*c, allowed)) {
        p.push(path, field, Rule::Characters { rule, ch, at });
    }
}

fn num(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        v.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(f: impl FnOnce(&mut Problems)) -> Option<String> {
        let mut p = Problems::new();
        f(&mut p);
        p.into_result().err().map(|e| e.to_string())
    }

    #[test]
    fn failures_name_the_field_path_and_the_rule() {
        assert_eq!(
            one(|p| required::<i64>(p, "body", "capacity", &None)).unwrap(),
            "invalid body.capacity: is required"
        );
        assert_eq!(
            one(|p| length(p, "body.tags[1]", "key", "", Some(1), Some(36))).unwrap(),
            "invalid body.tags[1].key: must be at least 1 characters, got 0"
        );
        assert_eq!(
            one(|p| range(p, "", "limit", 1001.0, Some(1.0), Some(1000.0))).unwrap(),
            "invalid limit: must be between 1 and 1000, got 1001"
        );
        assert!(one(|p| range(p, "", "offset", 0.0, Some(0.0), None)).is_none());
        assert!(
            one(|p| text_range(p, "body", "x", "+13x", Some(-1200.0), None))
                .unwrap()
                .contains("must be a number")
        );
        assert_eq!(
            one(|p| one_of(p, "", "cache_mode", "solo", &["single", "ha"])).unwrap(),
            "invalid cache_mode: must be one of single, ha, got \"solo\""
        );
        assert!(one(|p| number_one_of(p, "", "x", 5.0, &["1", "5"])).is_none());
        assert!(one(|p| number_one_of(p, "", "x", 0.3, &["1", "5"]))
            .unwrap()
            .contains("got \"0.3\""));
        assert!(one(|p| path_id(p, "instance_id", "status", &["status"]))
            .unwrap()
            .contains("names another operation"));
        assert!(one(|p| path_id(p, "instance_id", "a/b", &[])).is_some());
        assert!(one(|p| path_id(p, "instance_id", "0b5a1f5e", &["status"])).is_none());
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let mut p = Problems::new();
        required::<i64>(&mut p, "body", "engine", &None);
        required::<i64>(&mut p, "body", "capacity", &None);
        length(&mut p, "body", "name", "ab", Some(4), Some(64));
        let e = p.into_result().unwrap_err();
        let fields: Vec<&str> = e.problems().map(|(f, _)| f).collect();
        assert_eq!(fields, ["body.engine", "body.capacity", "body.name"]);
        assert_eq!(
            e.to_string(),
            "3 invalid fields: body.engine: is required; body.capacity: is required; body.name: must be at least 4 characters, got 2"
        );
        assert_eq!(e.field(), "body.engine");
    }

    #[test]
    fn formats_accept_real_dates_and_times_only() {
        let f = Format::CompactDateTime;
        assert!(f.matches("20200609160000"));
        assert!(f.matches("20240229235959"));
        for bad in [
            "2026-11-01",
            "20230229000000",
            "20201301000000",
            "20200609240000",
            "2020060916000",
            "2020060916000é",
        ] {
            assert!(!f.matches(bad), "{bad}");
        }
        assert!(Format::TimeOfDay.matches("22:00:00"));
        assert!(!Format::TimeOfDay.matches("22:00"));
        assert!(Format::HourMinute.matches("02:30"));
        assert!(Format::Date.matches("2026-02-28"));
        assert!(!Format::Date.matches("2026-02-30"));
        assert!(Format::Rfc3339.matches("2020-06-17T07:38:42.503Z"));
        assert!(Format::Rfc3339.matches("2020-06-17T07:38:42+08:00"));
        assert!(!Format::Rfc3339.matches("2020-06-17T07:38:42"));
        assert!(Format::Ipv4.matches("10.0.0.255"));
        assert!(!Format::Ipv4.matches("10.0.0.256"));
        assert!(Format::Ipv4Cidr.matches("10.0.0.0/8"));
        assert!(!Format::Ipv4Cidr.matches("10.0.0.0/33"));
        assert!(Format::Uuid.matches("6d8e5f7a-1b2c-4d3e-8f9a-0b1c2d3e4f5a"));
        assert!(!Format::Uuid.matches("6d8e5f7a1b2c4d3e8f9a0b1c2d3e4f5a"));
        assert_eq!(
            one(|p| format(p, "", "start_time", "2026-11-01", Format::CompactDateTime)).unwrap(),
            "invalid start_time: must be in the form yyyyMMddHHmmss, got \"2026-11-01\""
        );
    }

    #[test]
    fn character_rules_name_the_first_bad_character() {
        let letters: &[(char, char)] = &[('A', 'Z'), ('a', 'z')];
        let word: &[(char, char)] = &[('A', 'Z'), ('a', 'z'), ('0', '9'), ('-', '-'), ('_', '_')];
        let rule = "starts with a letter; only letters, digits, - and _";
        assert!(
            one(|p| chars(p, "body", "name", "cache-1_a", Some(letters), word, rule)).is_none()
        );
        assert!(
            one(|p| chars(p, "body", "name", "1cache", Some(letters), word, rule))
                .unwrap()
                .contains("'1' (character 0)")
        );
        assert!(
            one(|p| chars(p, "body", "name", "ca che", Some(letters), word, rule))
                .unwrap()
                .contains("' ' (character 2)")
        );
    }
}
