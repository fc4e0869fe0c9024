use dcs_model::ids::{
    encode_path_segment, is_forbidden_path_char, push_path_segment, validate_path_param, Rule,
};
use dcs_model::limits::PATH_PARAM_MAX_CHARS;
use dcs_model::ErrorBody;
use percent_encoding::percent_decode_str;
use proptest::prelude::*;

fn field_name() -> impl Strategy<Value = &'static str> {
    prop_oneof![Just("task_id"), Just("project_id")]
}

fn id_like() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[A-Za-z0-9._~-]{0,20}",
        "[a-z/%?# .\\\\é任\u{7}]{0,12}",
        ".{250,260}",
    ]
}

/// The path-parameter rules spelled out character by character: what `validate_path_param`
/// must decide, whether it reads the value as bytes (ASCII) or as characters.
fn path_rule_by_chars(value: &str) -> Option<Rule> {
    let chars: Vec<char> = value.chars().collect();
    if chars.is_empty() {
        return Some(Rule::Empty);
    }
    if chars.len() > PATH_PARAM_MAX_CHARS {
        return Some(Rule::TooLong {
            max: PATH_PARAM_MAX_CHARS,
            actual: chars.len(),
        });
    }
    if value == "." || value == ".." {
        return Some(Rule::DotSegment);
    }
    let (at, &ch) = chars
        .iter()
        .enumerate()
        .find(|(_, c)| is_forbidden_path_char(**c))?;
    Some(Rule::ForbiddenChar { ch, at })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn path_params_are_judged_by_characters(
        value in prop_oneof![
            id_like(),
            "[ -~\t\n\u{b}\u{c}\r\u{0}\u{7f}]{0,40}",
            "[a-z]{250,260}",
            "[a-zé]{250,260}",
        ]
    ) {
        let got = validate_path_param("task_id", &value).err().map(|e| e.rule().clone());
        prop_assert_eq!(got, path_rule_by_chars(&value));
    }

    #[test]
    fn pushing_a_segment_appends_its_encoding(prefix in "[a-z/]{0,8}", value in id_like()) {
        let mut out = prefix.clone();
        push_path_segment(&mut out, &value);
        prop_assert_eq!(out, format!("{prefix}{}", encode_path_segment(&value)));
    }

    #[test]
    fn validated_ids_encode_safely_and_decode_back(field in field_name(), value in id_like()) {
        match validate_path_param(field, &value) {
            Ok(()) => {
                let encoded = encode_path_segment(&value);
                prop_assert!(
                    encoded
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || "-_.~%".contains(c)),
                    "unexpected character in {encoded:?}"
                );
                let decoded = percent_decode_str(&encoded).decode_utf8().unwrap();
                prop_assert_eq!(decoded.as_ref(), value.as_str());
            }
            Err(err) => prop_assert_eq!(err.field(), field),
        }
    }

    #[test]
    fn parse_never_panics_and_keeps_a_prefix(
        raw in proptest::collection::vec(any::<u8>(), 0..512),
        truncated in any::<bool>(),
    ) {
        let body = ErrorBody::parse(&raw, truncated);
        prop_assert!(raw.starts_with(body.raw()));
        prop_assert_eq!(body.raw_truncated(), truncated);
    }

    #[test]
    fn parse_never_panics_on_json_like_text(raw in r#"[\[\]{}":,0-9a-z_ \\.-]{0,200}"#) {
        let body = ErrorBody::parse(raw.as_bytes(), false);
        prop_assert_eq!(body.raw(), raw.as_bytes());
    }

    #[test]
    fn standard_pair_round_trips(code in any::<String>(), msg in any::<String>()) {
        let json = serde_json::json!({"error_code": code, "error_msg": msg}).to_string();
        let body = ErrorBody::parse(json.as_bytes(), false);
        prop_assert_eq!(body.error_code(), Some(code.as_str()));
        prop_assert_eq!(body.error_msg(), Some(msg.as_str()));
        prop_assert!(!body.code_was_number());
    }

    #[test]
    fn other_pairs_round_trip(code in any::<String>(), msg in any::<String>(), nested in any::<bool>()) {
        let inner = serde_json::json!({"code": code, "message": msg});
        let json = if nested { serde_json::json!({"error": inner}) } else { inner };
        let body = ErrorBody::parse(json.to_string().as_bytes(), false);
        prop_assert_eq!(body.error_code(), Some(code.as_str()));
        prop_assert_eq!(body.error_msg(), Some(msg.as_str()));
    }
}
