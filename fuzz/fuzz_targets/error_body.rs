//! `ErrorBody::parse` must accept any bytes without panicking, keep a bounded
//! prefix of them, and report exactly the fields that are over their limits.
#![no_main]

use dcs_model::limits::{
    ERROR_CODE_MAX_CHARS, ERROR_EXT_MSG_MAX_CHARS, ERROR_MSG_MAX_CHARS, RAW_BODY_KEEP_BYTES,
};
use dcs_model::{BodyShape, ErrorBody};
use libfuzzer_sys::fuzz_target;

fn check(data: &[u8], truncated: bool) -> ErrorBody {
    let body = ErrorBody::parse(data, truncated);

    // The kept bytes are the start of the input, and never more than the cap.
    let raw = body.raw();
    assert!(
        raw.len() <= RAW_BODY_KEEP_BYTES,
        "raw() keeps {} bytes",
        raw.len()
    );
    assert!(data.starts_with(raw), "raw() is not a prefix of the input");
    assert_eq!(raw.len(), data.len().min(RAW_BODY_KEEP_BYTES));
    assert_eq!(
        body.raw_truncated(),
        truncated || data.len() > RAW_BODY_KEEP_BYTES
    );

    // Every reported violation is real, names a known field with its documented
    // maximum, and counts that field's characters correctly.
    let fields = [
        ("error_code", body.error_code(), ERROR_CODE_MAX_CHARS),
        ("error_msg", body.error_msg(), ERROR_MSG_MAX_CHARS),
        (
            "error_ext_msg",
            body.error_ext_msg(),
            ERROR_EXT_MSG_MAX_CHARS,
        ),
    ];
    for v in body.violations() {
        assert!(
            v.actual_chars > v.max_chars,
            "violation {v:?} does not exceed its maximum"
        );
        let (_, value, max) = fields
            .iter()
            .find(|(name, _, _)| *name == v.field)
            .unwrap_or_else(|| panic!("violation names an unknown field: {v:?}"));
        assert_eq!(v.max_chars, *max, "{v:?}");
        let value = value.unwrap_or_else(|| panic!("violation for a missing field: {v:?}"));
        assert_eq!(value.chars().count(), v.actual_chars, "{v:?}");
    }
    // ... and no over-long field goes unreported, nor is reported twice.
    for (name, value, max) in fields {
        let over = value.is_some_and(|s| s.chars().count() > max);
        let reported = body.violations().iter().filter(|v| v.field == name).count();
        assert_eq!(reported, usize::from(over), "field {name}");
    }

    // An empty body carries no fields; a non-JSON body keeps all of its text.
    match body.shape() {
        BodyShape::Empty => {
            assert_eq!(body.error_code(), None);
            assert_eq!(body.error_msg(), None);
            assert!(body.violations().is_empty());
        }
        BodyShape::NotJson => {
            assert_eq!(
                body.error_msg(),
                Some(String::from_utf8_lossy(data).as_ref())
            );
        }
        _ => {}
    }
    body
}

fuzz_target!(|data: &[u8]| {
    let whole = check(data, false);
    let cut = check(data, true);
    // The truncation flag changes nothing but the flag itself.
    assert_eq!(whole.shape(), cut.shape());
    assert_eq!(whole.error_code(), cut.error_code());
    assert_eq!(whole.error_msg(), cut.error_msg());
    assert_eq!(whole.error_ext_msg(), cut.error_ext_msg());
    assert_eq!(whole.request_id(), cut.request_id());
    assert_eq!(
        whole.encoded_authorization_message(),
        cut.encoded_authorization_message()
    );
    assert_eq!(whole.violations(), cut.violations());
    assert_eq!(whole.code_was_number(), cut.code_was_number());
    assert_eq!(whole.raw(), cut.raw());
    assert!(cut.raw_truncated());
});
