//! Path-parameter validation and encoding: a valid id must encode to a single,
//! safe path segment that decodes back to the id, and the typed ids must agree
//! with the free function.
#![no_main]

use dcs_model::ids::{encode_path_segment, is_forbidden_path_char, validate_path_param};
use dcs_model::limits::PATH_PARAM_MAX_CHARS;
use dcs_model::{ProjectId, Rule, TaskId};
use libfuzzer_sys::fuzz_target;

/// Strict percent-decoding written independently of the crate under test:
/// `%` must be followed by two upper-case hex digits.
fn strict_decode(encoded: &str) -> Vec<u8> {
    fn hex(b: u8) -> u8 {
        match b {
            b'0'..=b'9' => b - b'0',
            b'A'..=b'F' => b - b'A' + 10,
            _ => panic!("bad hex digit {:?} in encoded segment", b as char),
        }
    }
    let bytes = encoded.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let (Some(&hi), Some(&lo)) = (bytes.get(i + 1), bytes.get(i + 2)) else {
                panic!("truncated escape in {encoded:?}");
            };
            out.push(hex(hi) << 4 | hex(lo));
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    out
}

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    let result = validate_path_param("task_id", s);

    // The typed ids run the same rules and name their own field.
    let task = TaskId::new(s);
    assert_eq!(task.is_ok(), result.is_ok());
    let project = ProjectId::new(s);
    assert_eq!(project.is_ok(), result.is_ok());
    if let (Err(a), Err(b), Err(c)) = (&result, &task, &project) {
        assert_eq!(a.field(), "task_id");
        assert_eq!(b, a);
        assert_eq!(c.field(), "project_id");
        assert_eq!(c.rule(), a.rule());
    }

    match &result {
        Ok(()) => {
            // The documented rules, restated.
            assert!(!s.is_empty());
            assert!(s.chars().count() <= PATH_PARAM_MAX_CHARS);
            assert!(s != "." && s != "..");
            assert!(!s.chars().any(is_forbidden_path_char));

            let encoded = encode_path_segment(s);
            assert!(
                encoded
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_.~%".contains(&b)),
                "unexpected byte in {encoded:?}"
            );
            assert!(!encoded.contains('/'));
            assert_eq!(strict_decode(&encoded), s.as_bytes(), "{encoded:?}");
            // Neither `.` nor `..` can come out of a valid id.
            assert!(encoded != "." && encoded != "..");

            let task = task.unwrap();
            assert_eq!(task.as_str(), s);
            assert_eq!(task.encoded(), encoded);
            assert_eq!(task.to_string(), s);
        }
        Err(err) => match err.rule() {
            Rule::Empty => assert!(s.is_empty()),
            Rule::TooLong { max, actual } => {
                assert_eq!(*max, PATH_PARAM_MAX_CHARS);
                assert_eq!(*actual, s.chars().count());
                assert!(actual > max);
            }
            Rule::DotSegment => assert!(s == "." || s == ".."),
            Rule::ForbiddenChar { ch, at } => {
                // The first forbidden character is the one reported.
                let first = s.chars().position(is_forbidden_path_char);
                assert_eq!(first, Some(*at));
                assert_eq!(s.chars().nth(*at), Some(*ch));
            }
            other => panic!("unexpected rule for a path parameter: {other:?}"),
        },
    }
});
