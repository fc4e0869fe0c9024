use dcs_model::error_body::MAX_NESTED_DEPTH;
use dcs_model::limits::RAW_BODY_KEEP_BYTES;
use dcs_model::{BodyShape, DcsErrorBody, ErrorBody, GatewayErrorBody, LimitViolation, Rule};

fn parse(raw: &str) -> ErrorBody {
    ErrorBody::parse(raw.as_bytes(), false)
}

#[test]
fn standard_dcs_body() {
    let raw = r#"{"error_code": "DCS.4017", "error_msg": "The task does not exist.", "error_ext_msg": null}"#;
    let body = parse(raw);
    assert_eq!(body.shape(), BodyShape::Standard);
    assert_eq!(body.error_code(), Some("DCS.4017"));
    assert_eq!(body.error_msg(), Some("The task does not exist."));
    assert_eq!(body.error_ext_msg(), None);
    assert_eq!(body.request_id(), None);
    assert_eq!(body.encoded_authorization_message(), None);
    assert!(body.violations().is_empty());
    assert!(!body.code_was_number());
    assert_eq!(body.raw(), raw.as_bytes());
    assert!(!body.raw_truncated());
}

#[test]
fn standard_body_with_ext_msg() {
    let body = parse(r#"{"error_code":"DCS.4001","error_msg":"bad","error_ext_msg":"more"}"#);
    assert_eq!(body.error_ext_msg(), Some("more"));
}

#[test]
fn gateway_body_keeps_long_code_and_flags_it() {
    let raw = r#"{"error_msg": "Incorrect IAM authentication information: token expired", "error_code": "APIGW.0301", "request_id": "1f2e3d4c5b6a"}"#;
    let body = parse(raw);
    assert_eq!(body.shape(), BodyShape::Standard);
    assert_eq!(body.error_code(), Some("APIGW.0301"));
    assert_eq!(
        body.error_msg(),
        Some("Incorrect IAM authentication information: token expired")
    );
    assert_eq!(body.request_id(), Some("1f2e3d4c5b6a"));
    assert_eq!(
        body.violations(),
        &[LimitViolation {
            field: "error_code",
            max_chars: 9,
            actual_chars: 10,
        }]
    );
}

#[test]
fn gateway_body_written_by_us_reads_back() {
    let gw = GatewayErrorBody {
        error_code: "APIGW.0301".into(),
        error_msg: "token expired".into(),
        request_id: "abc".into(),
    };
    assert_eq!(
        String::from_utf8(gw.to_json()).unwrap(),
        r#"{"error_code":"APIGW.0301","error_msg":"token expired","request_id":"abc"}"#
    );
    let body = ErrorBody::parse(&gw.to_json(), false);
    assert_eq!(body.error_code(), Some("APIGW.0301"));
    assert_eq!(body.request_id(), Some("abc"));
    assert_eq!(body.violations().len(), 1);
}

#[test]
fn camel_case_body() {
    let body = parse(r#"{"errorCode":"DCS.4002","errorMsg":"camel"}"#);
    assert_eq!(body.shape(), BodyShape::CamelCase);
    assert_eq!(body.error_code(), Some("DCS.4002"));
    assert_eq!(body.error_msg(), Some("camel"));
}

#[test]
fn code_message_with_numeric_code() {
    let body = parse(r#"{"code":111400063,"message":"numeric"}"#);
    assert_eq!(body.shape(), BodyShape::CodeMessage);
    assert_eq!(body.error_code(), Some("111400063"));
    assert_eq!(body.error_msg(), Some("numeric"));
    assert!(body.code_was_number());
    assert!(body.violations().is_empty());

    let body = parse(r#"{"code":-1.5,"message":"odd"}"#);
    assert_eq!(body.error_code(), Some("-1.5"));
    assert!(body.code_was_number());

    let body = parse(r#"{"code":1234567890,"message":"x"}"#);
    assert_eq!(body.error_code(), Some("1234567890"));
    assert_eq!(
        body.violations(),
        &[LimitViolation {
            field: "error_code",
            max_chars: 9,
            actual_chars: 10,
        }]
    );
}

#[test]
fn pair_priority_follows_official_order() {
    let body =
        parse(r#"{"code":"C","message":"M","errorCode":"CC","errorMsg":"CM","error_msg":"S"}"#);
    assert_eq!(body.shape(), BodyShape::Standard);
    assert_eq!(body.error_code(), None);
    assert_eq!(body.error_msg(), Some("S"));

    let body = parse(r#"{"code":"C","message":"M","errorCode":"CC"}"#);
    assert_eq!(body.shape(), BodyShape::CamelCase);
    assert_eq!(body.error_code(), Some("CC"));
    assert_eq!(body.error_msg(), None);
}

#[test]
fn half_pairs_are_enough() {
    let body = parse(r#"{"error_msg":"only a message"}"#);
    assert_eq!(body.shape(), BodyShape::Standard);
    assert_eq!(body.error_code(), None);
    assert_eq!(body.error_msg(), Some("only a message"));

    let body = parse(r#"{"message":"just text"}"#);
    assert_eq!(body.shape(), BodyShape::CodeMessage);
    assert_eq!(body.error_msg(), Some("just text"));
}

#[test]
fn null_members_count_as_missing() {
    let body = parse(r#"{"error_code":null,"error_msg":null,"code":"C","message":"M"}"#);
    assert_eq!(body.shape(), BodyShape::CodeMessage);
    assert_eq!(body.error_code(), Some("C"));
}

#[test]
fn nested_error_object() {
    let body = parse(r#"{"error":{"code":"DCS.4001","message":"Invalid parameter"}}"#);
    assert_eq!(body.shape(), BodyShape::Nested);
    assert_eq!(body.error_code(), Some("DCS.4001"));
    assert_eq!(body.error_msg(), Some("Invalid parameter"));

    // Deeper, with top-level fields and fields next to the nested pair.
    let body = parse(
        r#"{"request_id":"top","data":[1],"outer":{"x":1,"inner":{"error_code":"E1","error_msg":"deep","request_id":"inner","error_ext_msg":"ext"}}}"#,
    );
    assert_eq!(body.shape(), BodyShape::Nested);
    assert_eq!(body.error_code(), Some("E1"));
    assert_eq!(body.error_msg(), Some("deep"));
    assert_eq!(body.request_id(), Some("top"));
    assert_eq!(body.error_ext_msg(), Some("ext"));
}

#[test]
fn nested_search_follows_document_order() {
    let body = parse(r#"{"z":{"code":"first","message":"1"},"a":{"code":"second","message":"2"}}"#);
    assert_eq!(body.error_code(), Some("first"));
}

#[test]
fn nested_search_is_bounded() {
    let wrap = |depth: usize| {
        let mut s = String::from(r#"{"code":"X","message":"m"}"#);
        for _ in 0..depth {
            s = format!(r#"{{"e":{s}}}"#);
        }
        s
    };
    let body = parse(&wrap(MAX_NESTED_DEPTH));
    assert_eq!(body.shape(), BodyShape::Nested);
    assert_eq!(body.error_code(), Some("X"));
    let body = parse(&wrap(MAX_NESTED_DEPTH + 1));
    assert_eq!(body.shape(), BodyShape::JsonWithoutError);
    assert_eq!(body.error_code(), None);
}

#[test]
fn very_deep_json_does_not_panic() {
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let body = parse(&deep);
    assert_eq!(body.shape(), BodyShape::NotJson);
    let deep = format!("{}1{}", r#"{"a":"#.repeat(50_000), "}".repeat(50_000));
    let body = parse(&deep);
    assert_eq!(body.shape(), BodyShape::NotJson);
    let body = parse(&format!("{}{}", "[".repeat(100), "]".repeat(100)));
    assert_eq!(body.shape(), BodyShape::JsonWithoutError);
}

#[test]
fn encoded_authorization_message_is_kept() {
    let body = parse(
        r#"{"encoded_authorization_message":"ENC123","error_code":"IAM.0001","error_msg":"denied"}"#,
    );
    assert_eq!(body.encoded_authorization_message(), Some("ENC123"));
    assert_eq!(body.error_code(), Some("IAM.0001"));
    assert_eq!(body.shape(), BodyShape::Standard);

    let body = parse(r#"{"encoded_authorization_message":"ENC"}"#);
    assert_eq!(body.encoded_authorization_message(), Some("ENC"));
    assert_eq!(body.shape(), BodyShape::JsonWithoutError);
}

#[test]
fn html_body_is_not_json() {
    let raw = "<html><body><h1>502 Bad Gateway</h1></body></html>";
    let body = parse(raw);
    assert_eq!(body.shape(), BodyShape::NotJson);
    assert_eq!(body.error_msg(), Some(raw));
    assert_eq!(body.error_code(), None);
    assert_eq!(body.raw(), raw.as_bytes());
}

#[test]
fn long_html_body_is_kept_and_flagged() {
    let raw = format!("<html>{}</html>", "x".repeat(2000));
    let body = parse(&raw);
    assert_eq!(body.error_msg(), Some(raw.as_str()));
    assert_eq!(
        body.violations(),
        &[LimitViolation {
            field: "error_msg",
            max_chars: 1024,
            actual_chars: raw.chars().count(),
        }]
    );
}

#[test]
fn invalid_utf8_is_not_json() {
    let raw = b"bad \xff\xfe bytes";
    let body = ErrorBody::parse(raw, false);
    assert_eq!(body.shape(), BodyShape::NotJson);
    assert_eq!(body.error_msg(), Some("bad \u{fffd}\u{fffd} bytes"));
    assert_eq!(body.raw(), raw);

    let body = ErrorBody::parse(b"{\"error_msg\":\"\xff\"}", false);
    assert_eq!(body.shape(), BodyShape::NotJson);
}

#[test]
fn empty_bodies() {
    for raw in ["", " ", "\r\n\t  ", "\u{feff}", "\u{feff}  \n"] {
        let body = parse(raw);
        assert_eq!(body.shape(), BodyShape::Empty, "{raw:?}");
        assert_eq!(body.error_msg(), None);
        assert_eq!(body.error_code(), None);
        assert!(body.violations().is_empty());
        assert_eq!(body.raw(), raw.as_bytes());
    }
}

#[test]
fn bom_before_json_is_tolerated() {
    let body = parse("\u{feff}{\"error_code\":\"DCS.1\",\"error_msg\":\"m\"}");
    assert_eq!(body.shape(), BodyShape::Standard);
    assert_eq!(body.error_code(), Some("DCS.1"));
}

#[test]
fn json_of_other_types() {
    for raw in [
        "[1,2]",
        "\"text\"",
        "42",
        "true",
        "null",
        "{}",
        r#"{"a":1}"#,
    ] {
        let body = parse(raw);
        assert_eq!(body.shape(), BodyShape::JsonWithoutError, "{raw}");
        assert_eq!(body.error_code(), None);
        assert_eq!(body.error_msg(), None);
    }
}

#[test]
fn non_string_codes_and_messages_keep_their_json_text() {
    let body = parse(r#"{"error_code": {"a":1}, "error_msg": ["x", 2, null]}"#);
    assert_eq!(body.shape(), BodyShape::Standard);
    assert_eq!(body.error_code(), Some(r#"{"a":1}"#));
    assert_eq!(body.error_msg(), Some(r#"["x",2,null]"#));
    assert!(!body.code_was_number());

    let body = parse(r#"{"error_code": true, "error_msg": false, "request_id": 7}"#);
    assert_eq!(body.error_code(), Some("true"));
    assert_eq!(body.error_msg(), Some("false"));
    assert_eq!(body.request_id(), Some("7"));
}

#[test]
fn truncated_json() {
    let raw = r#"{"error_code": "DCS.4017", "error_msg": "The ta"#;
    let body = ErrorBody::parse(raw.as_bytes(), true);
    assert_eq!(body.shape(), BodyShape::NotJson);
    assert_eq!(body.error_msg(), Some(raw));
    assert_eq!(body.raw(), raw.as_bytes());
    assert!(body.raw_truncated());
}

#[test]
fn truncated_flag_is_passed_through_for_valid_bodies() {
    let body = ErrorBody::parse(br#"{"error_msg":"m"}"#, true);
    assert!(body.raw_truncated());
    assert_eq!(body.error_msg(), Some("m"));
}

#[test]
fn huge_raw_body_keeps_exact_prefix() {
    let msg = "m".repeat(RAW_BODY_KEEP_BYTES + 100);
    let raw = format!(r#"{{"error_code":"DCS.5000","error_msg":"{msg}"}}"#);
    let body = ErrorBody::parse(raw.as_bytes(), false);
    assert_eq!(body.raw().len(), RAW_BODY_KEEP_BYTES);
    assert_eq!(body.raw(), &raw.as_bytes()[..RAW_BODY_KEEP_BYTES]);
    assert!(body.raw_truncated());
    // The parsed message is still whole, and flagged.
    assert_eq!(body.error_msg(), Some(msg.as_str()));
    assert_eq!(body.error_code(), Some("DCS.5000"));
    assert_eq!(
        body.violations(),
        &[LimitViolation {
            field: "error_msg",
            max_chars: 1024,
            actual_chars: RAW_BODY_KEEP_BYTES + 100,
        }]
    );

    let exact = vec![b' '; RAW_BODY_KEEP_BYTES];
    let body = ErrorBody::parse(&exact, false);
    assert_eq!(body.raw().len(), RAW_BODY_KEEP_BYTES);
    assert!(!body.raw_truncated());
}

#[test]
fn ext_msg_limit_is_checked() {
    let ext = "é".repeat(1025);
    let raw = serde_json::json!({"error_code": "DCS.1", "error_msg": "m", "error_ext_msg": ext});
    let body = ErrorBody::parse(raw.to_string().as_bytes(), false);
    assert_eq!(body.error_ext_msg(), Some(ext.as_str()));
    assert_eq!(
        body.violations(),
        &[LimitViolation {
            field: "error_ext_msg",
            max_chars: 1024,
            actual_chars: 1025,
        }]
    );
}

#[test]
fn dcs_error_body_limits() {
    DcsErrorBody::new("DCS.40170", "m").unwrap();
    let err = DcsErrorBody::new("APIGW.0301", "m").unwrap_err();
    assert_eq!(err.field(), "error_code");
    assert_eq!(err.rule(), &Rule::FieldTooLong { max: 9, actual: 10 });
    assert_eq!(
        err.to_string(),
        "invalid error_code: must be at most 9 characters, got 10"
    );

    DcsErrorBody::new("DCS.4017", "x".repeat(1024)).unwrap();
    let err = DcsErrorBody::new("DCS.4017", "x".repeat(1025)).unwrap_err();
    assert_eq!(err.field(), "error_msg");
    assert_eq!(
        err.rule(),
        &Rule::FieldTooLong {
            max: 1024,
            actual: 1025
        }
    );

    // Characters, not bytes.
    DcsErrorBody::new("ééééééééé", "é".repeat(1024)).unwrap();

    let body = DcsErrorBody::new("DCS.4017", "m").unwrap();
    body.clone().with_ext_msg("e".repeat(1024)).unwrap();
    let err = body.with_ext_msg("e".repeat(1025)).unwrap_err();
    assert_eq!(err.field(), "error_ext_msg");
}

#[test]
fn dcs_error_body_json() {
    let body = DcsErrorBody::new("DCS.4017", "The task does not exist.").unwrap();
    assert_eq!(body.error_ext_msg(), None);
    assert_eq!(
        String::from_utf8(body.to_json()).unwrap(),
        r#"{"error_code":"DCS.4017","error_msg":"The task does not exist.","error_ext_msg":null}"#
    );
    let body = body.with_ext_msg("detail").unwrap();
    assert_eq!(
        String::from_utf8(body.to_json()).unwrap(),
        r#"{"error_code":"DCS.4017","error_msg":"The task does not exist.","error_ext_msg":"detail"}"#
    );
    let parsed = ErrorBody::parse(&body.to_json(), false);
    assert_eq!(parsed.shape(), BodyShape::Standard);
    assert_eq!(parsed.error_code(), Some("DCS.4017"));
    assert_eq!(parsed.error_ext_msg(), Some("detail"));
    assert!(parsed.violations().is_empty());
}
