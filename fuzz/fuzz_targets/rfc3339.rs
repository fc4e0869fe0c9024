//! The RFC 3339 reader of credential expiries (`expires_at` from the ECS metadata service and
//! Pod Identity): server text, so any bytes must give a time or `None`, never a panic, and a
//! time it reads must be the one it is written as.
#![no_main]

use dcs_config::metadata::parse_rfc3339;
use dcs_transport::SdkDate;
use libfuzzer_sys::fuzz_target;
use std::time::UNIX_EPOCH;

/// `t` written back as `YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ`, from the signer's calendar.
fn rfc3339(t: std::time::SystemTime) -> String {
    let d = SdkDate::from_system_time(t).to_string();
    let nanos = t.duration_since(UNIX_EPOCH).unwrap().subsec_nanos();
    format!(
        "{}-{}-{}T{}:{}:{}.{nanos:09}Z",
        &d[0..4],
        &d[4..6],
        &d[6..8],
        &d[9..11],
        &d[11..13],
        &d[13..15]
    )
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let Some(t) = parse_rfc3339(&text) else {
        return;
    };
    // What it took is the documented shape: ASCII date and time, then a zone.
    let b = text.as_bytes();
    assert!(b.len() >= 20, "{text:?}");
    assert!(b[..19].is_ascii(), "{text:?}");
    assert!(t >= UNIX_EPOCH, "{text:?}");
    // The same instant written plainly reads back the same (to the nanosecond kept), for
    // the years four digits write (an offset can carry 9999-12-31 into year 10000).
    if t.duration_since(UNIX_EPOCH).unwrap().as_secs() >= 253_402_300_800 {
        return;
    }
    let again = rfc3339(t);
    assert_eq!(parse_rfc3339(&again), Some(t), "{text:?} -> {again:?}");
});
