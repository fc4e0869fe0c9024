//! The promises of `dcs_model::validate`, the checks behind every generated `validate()`:
//! every bound is inclusive, a failing field is named by its whole path (nested objects and
//! list elements), formats accept real dates, times and addresses only, character rules name
//! the first bad character, and every problem of a request is reported at once.
//!
//! Each check is exercised on both sides of each of its edges, so a check that is switched
//! off, inverted or off by one fails here.

use dcs_model::validate::{self, Format, Problems};
use dcs_model::{Operation, Rule};

/// The problems one check found, as (path, rule) pairs.
fn run(f: impl FnOnce(&mut Problems)) -> Vec<(String, Rule)> {
    let mut p = Problems::new();
    f(&mut p);
    match p.into_result() {
        Ok(()) => Vec::new(),
        Err(e) => e
            .problems()
            .map(|(path, rule)| (path.to_string(), rule.clone()))
            .collect(),
    }
}

/// The message of the one problem a check found, `None` when it found none.
fn message(f: impl FnOnce(&mut Problems)) -> Option<String> {
    let mut p = Problems::new();
    f(&mut p);
    p.into_result().err().map(|e| e.to_string())
}

fn accepted(f: impl FnOnce(&mut Problems)) -> bool {
    run(f).is_empty()
}

#[test]
fn an_empty_set_of_problems_is_ok_and_one_push_is_not() {
    let p = Problems::new();
    assert!(p.is_empty());
    assert!(p.into_result().is_ok());
    let mut p = Problems::new();
    p.push("body", "name", Rule::Missing);
    assert!(!p.is_empty());
    let e = p.into_result().unwrap_err();
    assert_eq!(e.field(), "body.name");
    assert_eq!(e.rule(), &Rule::Missing);
}

#[test]
fn field_paths_join_objects_list_elements_and_fields() {
    assert_eq!(validate::child("body", "bss_param"), "body.bss_param");
    assert_eq!(
        validate::child(&validate::child("body", "bss_param"), "charging_mode"),
        "body.bss_param.charging_mode"
    );
    assert_eq!(validate::child("", "limit"), "limit");
    assert_eq!(validate::index("body.tags", 1), "body.tags[1]");
    assert_eq!(
        validate::index(&validate::child("body", "instances"), 12),
        "body.instances[12]"
    );
    // A list of plain values: the element itself is the field (no trailing dot).
    let found = run(|p| {
        validate::length(
            p,
            &validate::index("body.instances", 2),
            "",
            "",
            Some(1),
            None,
        )
    });
    assert_eq!(found[0].0, "body.instances[2]");
    // A top-level parameter: no leading dot.
    let found = run(|p| validate::required::<i64>(p, "", "offset", &None));
    assert_eq!(found[0].0, "offset");
    let found = run(|p| {
        validate::length(
            p,
            &validate::index(&validate::child("body", "tags"), 1),
            "key",
            "",
            Some(1),
            Some(128),
        )
    });
    assert_eq!(found[0].0, "body.tags[1].key");
}

#[test]
fn required_fields_must_be_set() {
    assert_eq!(
        run(|p| validate::required::<String>(p, "body", "name", &None)),
        [("body.name".to_string(), Rule::Missing)]
    );
    assert!(accepted(|p| validate::required(
        p,
        "body",
        "name",
        &Some(String::new())
    )));
}

#[test]
fn path_ids_are_checked_and_reserved_segments_refused() {
    assert_eq!(
        run(|p| validate::path_id(p, "instance_id", "", &[])),
        [("instance_id".to_string(), Rule::Missing)]
    );
    let found = run(|p| validate::path_id(p, "instance_id", "a/b", &[]));
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].0, "instance_id");
    assert!(matches!(found[0].1, Rule::ForbiddenChar { ch: '/', at: 1 }));
    assert_eq!(
        run(|p| validate::path_id(p, "instance_id", "status", &["status", "tags"])),
        [(
            "instance_id".to_string(),
            Rule::Reserved {
                actual: "status".into()
            }
        )]
    );
    assert!(accepted(|p| validate::path_id(
        p,
        "instance_id",
        "statuses",
        &["status"]
    )));
}

#[test]
fn lengths_are_inclusive_at_both_ends_and_count_characters() {
    let len = |v: &str| run(|p| validate::length(p, "body", "name", v, Some(4), Some(8)));
    // Exactly the minimum and exactly the maximum are accepted.
    assert!(len("abcd").is_empty());
    assert!(len("abcdefgh").is_empty());
    // One below, one above are not.
    assert_eq!(
        len("abc"),
        [(
            "body.name".to_string(),
            Rule::TooShort { min: 4, actual: 3 }
        )]
    );
    assert_eq!(
        len("abcdefghi"),
        [(
            "body.name".to_string(),
            Rule::FieldTooLong { max: 8, actual: 9 }
        )]
    );
    // Characters, not bytes: eight two-byte characters fit a maximum of eight.
    assert!(len("éééééééé").is_empty());
    // An open end bounds nothing.
    assert!(accepted(|p| validate::length(
        p,
        "",
        "description",
        &"x".repeat(5000),
        Some(1),
        None
    )));
    assert!(accepted(|p| validate::length(
        p,
        "",
        "description",
        "",
        None,
        Some(1)
    )));
    // The documented edges of real fields: a 64-character name, an 8-character password.
    assert!(accepted(|p| validate::length(
        p,
        "body",
        "name",
        &"n".repeat(64),
        Some(4),
        Some(64)
    )));
    assert!(accepted(|p| validate::length(
        p,
        "body",
        "password",
        "Abcdef1!",
        Some(8),
        Some(64)
    )));
}

#[test]
fn ranges_are_inclusive_at_both_ends() {
    let limit = |v: f64| run(|p| validate::range(p, "", "limit", v, Some(1.0), Some(1000.0)));
    assert!(limit(1.0).is_empty());
    assert!(limit(1000.0).is_empty());
    assert!(limit(500.0).is_empty());
    assert_eq!(
        limit(0.0),
        [(
            "limit".to_string(),
            Rule::OutOfRange {
                min: Some("1".into()),
                max: Some("1000".into()),
                actual: "0".into()
            }
        )]
    );
    assert_eq!(
        limit(1001.0),
        [(
            "limit".to_string(),
            Rule::OutOfRange {
                min: Some("1".into()),
                max: Some("1000".into()),
                actual: "1001".into()
            }
        )]
    );
    assert_eq!(limit(0.999).len(), 1);
    assert_eq!(limit(1000.001).len(), 1);
    // Not a number is never in range.
    assert_eq!(limit(f64::NAN).len(), 1);
    // One open end.
    assert!(accepted(|p| validate::range(
        p,
        "",
        "offset",
        1e12,
        Some(0.0),
        None
    )));
    assert!(accepted(|p| validate::range(
        p,
        "",
        "x",
        -1e12,
        None,
        Some(0.0)
    )));
    assert_eq!(
        message(|p| validate::range(p, "", "offset", -1.0, Some(0.0), None)).unwrap(),
        "invalid offset: must be at least 0, got -1"
    );
    assert_eq!(
        message(|p| validate::range(p, "", "x", 2.0, None, Some(1.0))).unwrap(),
        "invalid x: must be at most 1, got 2"
    );
}

#[test]
fn numbers_in_messages_are_written_as_given() {
    // A fraction stays a fraction (capacity 0.3 must not read "got 0").
    assert_eq!(
        message(|p| validate::range(p, "body", "capacity", 0.3, Some(0.5), Some(2.5))).unwrap(),
        "invalid body.capacity: must be between 0.5 and 2.5, got 0.3"
    );
    // A whole number has no decimal point, negative zero reads 0, and a whole number beyond
    // what an integer holds is written whole, not clamped.
    assert_eq!(
        message(|p| validate::range(p, "", "x", -0.0, Some(1.0), None)).unwrap(),
        "invalid x: must be at least 1, got 0"
    );
    assert_eq!(
        message(|p| validate::range(p, "", "x", 1e20, None, Some(10.0))).unwrap(),
        "invalid x: must be at most 10, got 100000000000000000000"
    );
}

#[test]
fn text_ranges_read_the_number_around_spaces() {
    let tz = |v: &str| {
        run(|p| validate::text_range(p, "body", "offset", v, Some(-1200.0), Some(1400.0)))
    };
    assert!(tz(" 800 ").is_empty());
    assert!(tz("-1200").is_empty());
    assert!(tz("1400").is_empty());
    assert_eq!(tz("1401").len(), 1);
    assert_eq!(
        tz("+13x"),
        [(
            "body.offset".to_string(),
            Rule::NotANumber {
                actual: "+13x".into()
            }
        )]
    );
}

#[test]
fn sets_of_values_refuse_what_is_not_listed() {
    const MODES: &[&str] = &["single", "ha"];
    assert!(accepted(|p| validate::one_of(
        p,
        "",
        "cache_mode",
        "ha",
        MODES
    )));
    assert_eq!(
        run(|p| validate::one_of(p, "", "cache_mode", "HA", MODES)),
        [(
            "cache_mode".to_string(),
            Rule::NotOneOf {
                allowed: MODES,
                actual: "HA".into()
            }
        )]
    );
}

#[test]
fn number_sets_compare_numbers_and_refuse_the_rest() {
    const CAPACITY: &[&str] = &["0.125", "0.25", "1", "2", "1024"];
    let cap = |v: f64| run(|p| validate::number_one_of(p, "body", "capacity", v, CAPACITY));
    assert!(cap(0.125).is_empty());
    assert!(cap(2.0).is_empty());
    assert!(cap(1024.0).is_empty());
    assert_eq!(
        cap(3.0),
        [(
            "body.capacity".to_string(),
            Rule::NotOneOf {
                allowed: CAPACITY,
                actual: "3".into()
            }
        )]
    );
    assert_eq!(
        cap(0.3),
        [(
            "body.capacity".to_string(),
            Rule::NotOneOf {
                allowed: CAPACITY,
                actual: "0.3".into()
            }
        )]
    );
    // "5" and 5.0 are one value.
    assert!(accepted(|p| validate::number_one_of(
        p,
        "",
        "x",
        5.0,
        &["5.0"]
    )));
}

#[test]
fn value_sets_refuse_unknown_values_only() {
    use dcs_model::types::ChargingMode;
    let known: ChargingMode = serde_json::from_str("\"postPaid\"").unwrap();
    let unknown: ChargingMode = serde_json::from_str("\"weekly\"").unwrap();
    assert!(accepted(|p| validate::known(
        p,
        "body.bss_param",
        "charging_mode",
        &known
    )));
    let found = run(|p| validate::known(p, "body.bss_param", "charging_mode", &unknown));
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].0, "body.bss_param.charging_mode");
    assert!(
        matches!(&found[0].1, Rule::NotOneOf { actual, allowed } if actual == "weekly" && allowed.contains(&"postPaid")),
        "{found:?}"
    );
}

#[test]
fn each_format_is_named_in_its_message() {
    let cases = [
        (Format::CompactDateTime, "yyyyMMddHHmmss"),
        (Format::Date, "yyyy-MM-dd"),
        (Format::TimeOfDay, "HH:mm:ss"),
        (Format::HourMinute, "HH:mm"),
        (Format::Rfc3339, "RFC 3339 (2020-06-17T07:38:42.503Z)"),
        (Format::Ipv4, "an IPv4 address"),
        (Format::Ipv4Cidr, "an IPv4 CIDR block (192.168.0.0/24)"),
        (Format::Uuid, "a UUID"),
    ];
    for (f, name) in cases {
        assert_eq!(f.as_str(), name);
        assert_eq!(
            message(|p| validate::format(p, "body", "x", "?", f)).unwrap(),
            format!("invalid body.x: must be in the form {name}, got \"?\"")
        );
    }
    assert!(accepted(|p| validate::format(
        p,
        "body",
        "x",
        "10.0.0.1",
        Format::Ipv4
    )));
}

/// Asserts that `f` accepts every one of `good` and refuses every one of `bad`.
fn check(f: Format, good: &[&str], bad: &[&str]) {
    for v in good {
        assert!(f.matches(v), "{f:?} must accept {v:?}");
    }
    for v in bad {
        assert!(!f.matches(v), "{f:?} must refuse {v:?}");
    }
}

#[test]
fn compact_date_times_are_real_calendar_instants() {
    check(
        Format::CompactDateTime,
        &[
            "20200609160000",
            "20240229235959", // leap day of a leap year
            "20000229000000", // divisible by 400: a leap year
            "19991231000000",
            "20260131000000",
            "20260430000000",
            "99991231235959",
        ],
        &[
            "202006091600001", // 15 digits
            "2020060916000",   // 13 digits
            "2020060916000a",  // a letter where a digit belongs
            "2020-6-09160000",
            "20230229000000", // not a leap year
            "19000229000000", // divisible by 100, not by 400
            "20260431000000", // April has 30 days
            "20260132000000",
            "20260100000000", // day 0
            "20261301000000", // month 13
            "20260001000000", // month 0
            "20200609240000", // hour 24
            "20200609236000", // minute 60
            "20200609235960", // second 60
        ],
    );
}

#[test]
fn every_month_has_its_own_length() {
    let days = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    for (i, n) in days.iter().enumerate() {
        let m = i + 1;
        assert!(Format::Date.matches(&format!("2026-{m:02}-{n:02}")), "{m}");
        assert!(
            !Format::Date.matches(&format!("2026-{m:02}-{:02}", n + 1)),
            "{m}"
        );
    }
    assert!(Format::Date.matches("2028-02-29"));
}

#[test]
fn dates_have_dashes_and_digits_in_place() {
    check(
        Format::Date,
        &["2026-02-28", "2024-02-29", "0001-01-01"],
        &[
            "2026-02-30",
            "2026-02-281",
            "2026-2-28",
            "2026/02/28",
            "2026-02/28",
            "2026/02-28",
            "20a6-02-28",
            "2026-0a-28",
            "2026-02-2a",
            "202-602-28",
            "2026-13-01",
        ],
    );
}

#[test]
fn times_of_day_and_hour_minutes_stay_on_the_clock() {
    check(
        Format::TimeOfDay,
        &["00:00:00", "23:59:59", "22:00:00"],
        &[
            "24:00:00",
            "23:60:00",
            "23:59:60",
            "22:00",
            "22:00:000",
            "22-00:00",
            "22:00-00",
            "2a:00:00",
            "22:0a:00",
            "22:00:0a",
            "220:00:0",
        ],
    );
    check(
        Format::HourMinute,
        &["00:00", "23:59", "02:30"],
        &[
            "24:00", "23:60", "2:30", "02:300", "02-30", "0a:30", "02:3a", "023:0",
        ],
    );
}

#[test]
fn rfc3339_times_take_a_zone_and_an_optional_fraction() {
    check(
        Format::Rfc3339,
        &[
            "2020-06-17T07:38:42Z", // the shortest form: 20 characters
            "2020-06-17T07:38:42.503Z",
            "2020-06-17t07:38:42z",
            "2020-06-17 07:38:42Z",
            "2020-06-17T07:38:42+08:00",
            "2020-06-17T07:38:42-05:30",
            "2020-06-17T07:38:42.1+23:59",
            "2024-02-29T23:59:59Z",
        ],
        &[
            "2020-06-17T07:38:42",  // no zone
            "2020-06-17T07:38:4Z",  // 19 characters
            "2020-06-17X07:38:42Z", // separator
            "2020/06-17T07:38:42Z",
            "2020-06/17T07:38:42Z",
            "202a-06-17T07:38:42Z",
            "2020-0a-17T07:38:42Z",
            "2020-06-1aT07:38:42Z",
            "2023-02-29T07:38:42Z", // not a date
            "2020-06-17T07-38:42Z",
            "2020-06-17T07:38-42Z",
            "2020-06-17T0a:38:42Z",
            "2020-06-17T07:3a:42Z",
            "2020-06-17T07:38:4aZ",
            "2020-06-17T24:38:42Z",  // not a time
            "2020-06-17T07:38:42.Z", // a point without digits
            "2020-06-17T07:38:42.5",
            "2020-06-17T07:38:42Zx",
            "2020-06-17T07:38:42*08:00",
            "2020-06-17T07:38:42+24:00",
            "2020-06-17T07:38:42+08:60",
            "2020-06-17T07:38:42+08:0a",
            "2020-06-17T07:38:42+0a:00",
            "2020-06-17T07:38:42+0800",
            "2020-06-17T07:38:42+08-00",
        ],
    );
}

#[test]
fn ipv4_addresses_have_four_decimal_bytes() {
    check(
        Format::Ipv4,
        &[
            "10.0.0.255",
            "0.0.0.0",
            "255.255.255.255",
            "192.168.001.010",
        ],
        &[
            "10.0.0.256",
            "10.0.0",
            "10.0.0.1.2",
            "10..0.1",
            "10.0.0.",
            "0010.0.0.1",
            "10.0.0.a",
            "10.0.0.+1",
            "",
        ],
    );
    check(
        Format::Ipv4Cidr,
        &["10.0.0.0/8", "192.168.0.0/24", "0.0.0.0/0", "10.0.0.0/32"],
        &[
            "10.0.0.0/33",
            "10.0.0.0/",
            "10.0.0.0/032",
            "10.0.0.0/+8",
            "10.0.0.0/a",
            "10.0.0.0",
            "10.0.0.256/8",
            "10.0.0/8",
        ],
    );
}

#[test]
fn uuids_are_hyphenated_hex_in_any_case() {
    check(
        Format::Uuid,
        &[
            "6d8e5f7a-1b2c-4d3e-8f9a-0b1c2d3e4f5a",
            "6D8E5F7A-1B2C-4D3E-8F9A-0B1C2D3E4F5A",
        ],
        &[
            "6d8e5f7a1b2c4d3e8f9a0b1c2d3e4f5a",
            "6d8e5f7a-1b2c-4d3e-8f9a-0b1c2d3e4f5",
            "6d8e5f7a-1b2c-4d3e-8f9a-0b1c2d3e4f5ab",
            "6d8e5f7a-1b2c-4d3e-8f9a-0b1c2d3e4f5g",
            "6d8e5f7a-1b2c-4d3e-8f9a0-b1c2d3e4f5a",
            "6d8e5f7a11b2c-4d3e-8f9a-0b1c2d3e4f5a",
            "6d8e5f7a-1b2c-4d3e-8f9a-0b1c2d3e-f5a",
        ],
    );
}

#[test]
fn character_rules_include_the_ends_of_each_class() {
    const FIRST: &[(char, char)] = &[('A', 'Z'), ('a', 'z')];
    const WORD: &[(char, char)] = &[('A', 'Z'), ('a', 'z'), ('0', '9'), ('-', '-'), ('_', '_')];
    const RULE: &str = "starts with a letter; only letters, digits, - and _";
    let name = |v: &str| run(|p| validate::chars(p, "body", "name", v, Some(FIRST), WORD, RULE));
    for ok in ["Az09-_", "Zz", "aZ", "zA", "A", "cache-1_a", ""] {
        assert!(name(ok).is_empty(), "{ok:?}");
    }
    assert_eq!(
        name("1cache"),
        [(
            "body.name".to_string(),
            Rule::Characters {
                rule: RULE,
                ch: '1',
                at: 0
            }
        )]
    );
    // Just outside each class: '@' before 'A', '[' after 'Z', '`' before 'a', '{' after 'z'.
    for (bad, ch, at) in [
        ("@a", '@', 0),
        ("[a", '[', 0),
        ("`a", '`', 0),
        ("{a", '{', 0),
        ("a@", '@', 1),
        ("ab[", '[', 2),
        ("a/", '/', 1),
        ("a:", ':', 1),
        ("ca che", ' ', 2),
    ] {
        assert_eq!(
            name(bad),
            [(
                "body.name".to_string(),
                Rule::Characters { rule: RULE, ch, at }
            )],
            "{bad:?}"
        );
    }
    // Without a rule for the first character, only the allowed set counts.
    assert!(accepted(|p| validate::chars(
        p, "", "x", "1-a", None, WORD, RULE
    )));
    // One problem per field: the first bad character only.
    assert_eq!(name("1 b").len(), 1);
}

#[test]
fn every_problem_of_a_request_is_reported_with_its_path() {
    use dcs_model::types::CreateInstanceRequest;
    let req: CreateInstanceRequest = serde_json::from_value(serde_json::json!({
        "body": {
            "name": "abc",
            "engine": "Redis",
            "capacity": 3,
            "spec_code": "redis.ha.xu1.large.r2.2",
            "az_codes": ["cn-north-4a"],
            "vpc_id": "v",
            "subnet_id": "s",
            "instance_num": 100,
            "port": 65536,
            "maintain_begin": "22:00:00",
            "password": "Abcdef1!",
            "bss_param": {"charging_mode": "weekly"},
            "tags": [
                {"key": "ok", "value": "v"},
                {"key": "", "value": "v"},
                {"key": "k", "value": "x".repeat(256)}
            ]
        }
    }))
    .unwrap();
    let e = req.validate().unwrap_err();
    let paths: Vec<&str> = e.problems().map(|(p, _)| p).collect();
    assert_eq!(
        paths,
        [
            "body.name",
            "body.capacity",
            "body.bss_param.charging_mode",
            "body.tags[1].key",
            "body.tags[2].value",
            "body.port",
        ],
        "{e}"
    );
    // The same request at every edge is accepted.
    let ok: CreateInstanceRequest = serde_json::from_value(serde_json::json!({
        "body": {
            "name": "n".repeat(64),
            "engine": "Redis",
            "capacity": 0.125,
            "spec_code": "redis.ha.xu1.large.r2.2",
            "az_codes": ["cn-north-4a"],
            "vpc_id": "v",
            "subnet_id": "s",
            "instance_num": 1,
            "port": 65535,
            "password": "p".repeat(64),
            "bss_param": {"charging_mode": "prePaid"},
            "tags": [{"key": "k".repeat(128), "value": "v".repeat(255)}]
        }
    }))
    .unwrap();
    assert_eq!(ok.validate(), Ok(()));
}
